"""The shipped fossil coral records: load_pbdb_corals."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from skgeo_s2v.datasets import CORAL_LABELS, load_pbdb_corals

# The CSV the shipped file was compressed from, where this checkout sits
# beside the project's shared data (not in a user's installation).
SOURCE = Path(__file__).resolve().parents[2] / "shared" / "data" / "pbdb_corals.csv"
COLUMNS = [
    "lon",
    "lat",
    "genus",
    "family",
    "collection_no",
    "reference_no",
    "max_ma",
    "min_ma",
    "paleolon",
    "paleolat",
    "ecology",
    "growth",
]


def test_the_whole_table_with_its_arrays():
    corals = load_pbdb_corals()
    assert list(corals.frame.columns) == COLUMNS
    assert len(corals.frame) == 29544
    assert corals.data.shape == (29544, 2) and corals.data.dtype == np.float64
    np.testing.assert_array_equal(corals.data, corals.frame[["lon", "lat"]])
    np.testing.assert_array_equal(corals.target, corals.frame["genus"])
    np.testing.assert_array_equal(corals.groups, corals.frame["reference_no"])
    np.testing.assert_array_equal(corals.collection, corals.frame["collection_no"])
    assert corals.groups.dtype == corals.collection.dtype == np.int64
    assert corals.feature_names == ["lon", "lat"]
    assert "CC BY 4.0" in corals.DESCR
    assert np.all(np.abs(corals.data[:, 0]) <= 180)
    assert np.all(np.abs(corals.data[:, 1]) <= 90)
    assert np.all(corals.frame["max_ma"] >= corals.frame["min_ma"])


@pytest.mark.skipif(not SOURCE.exists(), reason="the shared source CSV is absent")
def test_the_shipped_file_holds_the_source_table_unchanged():
    source = pd.read_csv(SOURCE)
    pd.testing.assert_frame_equal(load_pbdb_corals().frame, source)


@pytest.mark.parametrize("label", CORAL_LABELS)
@pytest.mark.parametrize("least", [1, 10, 200])
def test_the_labels_and_the_smallest_class(label, least):
    frame = load_pbdb_corals().frame
    corals = load_pbdb_corals(label=label, min_samples_per_class=least)
    classes, counts = np.unique(corals.target, return_counts=True)
    assert counts.min() >= least
    # Exactly the classes with that many records are kept, with all their rows.
    expected = frame[label].value_counts()
    expected = expected[expected >= least]
    assert sorted(classes) == sorted(expected.index)
    assert len(corals.target) == expected.sum()
    np.testing.assert_array_equal(corals.target, corals.frame[label])


def test_records_without_a_family_are_left_out_by_family_only():
    missing = load_pbdb_corals().frame["family"].isna().sum()
    assert missing == 46
    assert len(load_pbdb_corals(label="family").target) == 29544 - missing


def test_changing_the_returned_frame_leaves_the_next_load_alone():
    first = load_pbdb_corals()
    first.frame.loc[0, "lon"] = 999.0
    first.data[0, 0] = 999.0
    assert load_pbdb_corals().frame.loc[0, "lon"] != 999.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"label": "species"}, "label='species' is not a column"),
        ({"min_samples_per_class": 0}, "min_samples_per_class=0 must be"),
        ({"min_samples_per_class": 2.5}, "min_samples_per_class=2.5 must be"),
        ({"min_samples_per_class": True}, "min_samples_per_class=True must be"),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        load_pbdb_corals(**kwargs)
