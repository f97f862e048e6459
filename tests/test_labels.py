"""One label check for every estimator: missing labels are refused the same way."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier

from skgeo_s2v import GeoPriorFusion, SphereLocationClassifier
from skgeo_s2v._validation import check_class_labels

BAD_LABELS = [
    (pd.NA, "missing label \\(<NA>\\) at row 3"),
    (None, "missing label \\(None\\) at row 3"),
    (np.nan, "missing label \\(nan\\) at row 3"),
    (pd.NaT, "missing label \\(NaT\\) at row 3"),
]


def _labels(bad):
    y = np.array(["a", "b"] * 4, dtype=object)
    y[3] = bad
    return y


@pytest.mark.parametrize(("bad", "message"), BAD_LABELS)
def test_check_class_labels_names_the_row(bad, message):
    with pytest.raises(ValueError, match=message):
        check_class_labels(_labels(bad))


def test_infinite_float_label_is_refused():
    with pytest.raises(ValueError, match="infinite label \\(inf\\) at row 1"):
        check_class_labels(np.array([0.0, np.inf, 1.0]))


def test_valid_labels_are_returned_unchanged():
    y = pd.Series(["oak", "pine", "oak"], dtype="string")
    checked = check_class_labels(y)
    assert checked.tolist() == ["oak", "pine", "oak"]
    assert y.tolist() == ["oak", "pine", "oak"]


def _location_data():
    rng = np.random.default_rng(0)
    return np.column_stack([rng.uniform(-180, 180, 8), rng.uniform(-60, 60, 8)])


@pytest.mark.parametrize(("bad", "message"), BAD_LABELS)
def test_classifier_and_fusion_refuse_missing_labels_alike(bad, message):
    X = _location_data()
    y = _labels(bad)
    with pytest.raises(ValueError, match=message):
        SphereLocationClassifier(max_epochs=1).fit(X, y)
    frame = pd.DataFrame({"lon": X[:, 0], "lat": X[:, 1], "feature": np.arange(8.0)})
    fusion = GeoPriorFusion(LogisticRegression(), KNeighborsClassifier(n_neighbors=2))
    with pytest.raises(ValueError, match=message):
        fusion.fit(frame, y)
