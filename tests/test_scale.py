"""Bounded memory and speed options: out-of-core data, chunked predictions,
mixed precision, thread pinning and training through Hugging Face Accelerate."""

import pickle

import numpy as np
import pytest
import torch

from skgeo_s2v import ContrastivePretraining, SphereLocationClassifier, _validation
from skgeo_s2v._validation import is_out_of_core
from skgeo_s2v.encoders import SphereMPlusEncoder
from skgeo_s2v.nn import PositionEncoding
from skgeo_s2v.nn._data import MiniBatches, StreamedRows
from skgeo_s2v.nn._training import _PresenceAbsenceNet

FAST = {"hidden_units": 16, "max_epochs": 3, "batch_size": 32, "random_state": 0}


def _data(n=160, seed=0):
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.uniform(-170, 170, n), rng.uniform(-70, 70, n)])
    y = np.where(X[:, 0] < 0, "west", "east")
    return X, y


class RecordingArray:
    """An indexable on-disk-like dataset (as h5py or zarr): records every read."""

    def __init__(self, array):
        self._array = array
        self.shape = array.shape
        self.dtype = array.dtype
        self.reads = []

    def __len__(self):
        return self.shape[0]

    def __getitem__(self, index):
        rows = self._array[index]
        self.reads.append(rows.shape[0])
        if isinstance(index, np.ndarray):  # like h5py: increasing indices only
            assert np.all(np.diff(index) > 0), "rows must be read in increasing order"
        return rows


def _memmap(tmp_path, array, name="X.npy"):
    np.save(tmp_path / name, array)
    return np.load(tmp_path / name, mmap_mode="r")


def test_is_out_of_core():
    assert is_out_of_core(RecordingArray(np.zeros((3, 2))))
    for in_memory in (np.zeros((3, 2)), [[0.0, 0.0]], torch.zeros(3, 2)):
        assert not is_out_of_core(in_memory)
    pd = pytest.importorskip("pandas")
    assert not is_out_of_core(pd.DataFrame({"lon": [0.0], "lat": [0.0]}))


def test_fit_from_memmap_matches_in_memory_fit(tmp_path):
    X, y = _data()
    in_memory = SphereLocationClassifier(**FAST).fit(X, y)
    streamed = SphereLocationClassifier(**FAST).fit(_memmap(tmp_path, X), y)
    # Same batches and background; only the order of rows inside a batch (and
    # so of the float sums) differs.
    np.testing.assert_allclose(
        streamed.decision_function(X), in_memory.decision_function(X), atol=1e-4
    )
    np.testing.assert_allclose(
        streamed.net_.history[:, "train_loss"],
        in_memory.net_.history[:, "train_loss"],
        rtol=1e-5,
    )


def test_training_reads_one_batch_at_a_time(monkeypatch):
    monkeypatch.setattr(_validation, "_VALIDATION_CHUNK_ROWS", 50)
    X, y = _data(300)
    source = RecordingArray(X)
    clf = SphereLocationClassifier(**FAST).fit(source, y)
    assert max(source.reads) <= 50  # validation chunks, then batches of 32
    assert sum(read == 32 for read in source.reads) >= 3 * (300 // 32)
    assert clf.score(X, y) > 0.5
    # Predictions from the same source are read in chunks too.
    source.reads.clear()
    np.testing.assert_array_equal(
        SphereLocationClassifier.predict(clf, source), clf.predict(X)
    )
    assert max(source.reads) <= clf.batch_size


@pytest.mark.parametrize(
    "params",
    [
        {**FAST, "early_stopping": True, "n_iter_no_change": 2},
        {**FAST, "max_epochs": "auto", "n_iter_no_change": 2},
    ],
)
def test_epoch_choice_from_out_of_core_data(tmp_path, params):
    X, y = _data(200)
    in_memory = SphereLocationClassifier(**params).fit(X, y)
    streamed = SphereLocationClassifier(**params).fit(_memmap(tmp_path, X), y)
    np.testing.assert_allclose(
        streamed.validation_log_loss_, in_memory.validation_log_loss_, rtol=1e-5
    )
    assert streamed.n_epochs_ == in_memory.n_epochs_
    np.testing.assert_allclose(
        streamed.decision_function(X), in_memory.decision_function(X), atol=1e-5
    )


def test_out_of_core_bad_values_name_the_row(tmp_path, monkeypatch):
    monkeypatch.setattr(_validation, "_VALIDATION_CHUNK_ROWS", 16)
    X, y = _data(100)
    X[70, 1] = 95.0
    with pytest.raises(ValueError, match=r"holds 95.0 at row 70, outside \[-90, 90\]"):
        SphereLocationClassifier(**FAST).fit(_memmap(tmp_path, X), y)
    good, _ = _data(100)
    clf = SphereLocationClassifier(**FAST).fit(good, y)
    X[70, 1] = 0.0
    X[45, 0] = np.nan
    with pytest.raises(ValueError, match="holds nan at row 45; coordinates must be"):
        clf.predict(_memmap(tmp_path, X, "bad.npy"))
    with pytest.raises(ValueError, match="X has 3 columns"):
        clf.predict(_memmap(tmp_path, np.zeros((4, 3)), "wide.npy"))
    # Checked before the float32 cast of prediction, which would round it to 90.
    X[45] = [0.0, 90.000001]
    assert np.float32(X[45, 1]) == 90.0
    with pytest.raises(ValueError, match="holds 90.000001 at row 45, outside"):
        clf.predict(_memmap(tmp_path, X, "rounded.npy"))


def test_pretrain_from_out_of_core_pairs(tmp_path):
    X, _ = _data(128)
    features = np.column_stack([np.sin(np.radians(X[:, 0])), X[:, 1] / 90]).astype(
        np.float32
    )
    params = {**FAST, "pretraining": ContrastivePretraining(epochs=2)}
    in_memory = SphereLocationClassifier(**params).pretrain(X, features)
    source = RecordingArray(features)
    streamed = SphereLocationClassifier(**params).pretrain(_memmap(tmp_path, X), source)
    np.testing.assert_allclose(streamed.transform(X), in_memory.transform(X), atol=1e-4)
    assert max(source.reads) <= 128 and 32 in source.reads
    bad = features.copy()
    bad[17, 1] = np.inf
    with pytest.raises(ValueError, match="features holds inf at row 17, column 1"):
        SphereLocationClassifier(**params).pretrain(X, RecordingArray(bad))
    with pytest.raises(ValueError, match="features has 127 rows but X_unlabeled"):
        SphereLocationClassifier(**params).pretrain(X, RecordingArray(features[1:]))


def test_predict_batch_size_bounds_the_chunks(monkeypatch):
    X, y = _data()
    clf = SphereLocationClassifier(**FAST).fit(X, y)
    reference = clf.predict_proba(X)
    rows_seen = []
    forward = type(clf.net_.module_).forward

    def spy(module, lonlat):
        rows_seen.append(lonlat.shape[0])
        return forward(module, lonlat)

    monkeypatch.setattr(type(clf.net_.module_), "forward", spy)
    clf.set_params(predict_batch_size=7)
    np.testing.assert_allclose(clf.predict_proba(X), reference, rtol=1e-6)
    assert max(rows_seen) == 7 and sum(rows_seen) == len(X)


def test_bf16_mixed_precision_trains_as_well_as_float32():
    X, y = _data(300)
    X_test, y_test = _data(300, seed=1)
    params = {**FAST, "max_epochs": 8, "batch_size": 64, "lr": 1e-2}
    full = SphereLocationClassifier(**params).fit(X, y)
    mixed = SphereLocationClassifier(**params, mixed_precision="bf16").fit(X, y)
    assert full.score(X_test, y_test) > 0.9
    assert mixed.score(X_test, y_test) >= full.score(X_test, y_test) - 0.03
    assert mixed.predict_proba(X_test).dtype == np.float64
    assert mixed.transform(X_test).dtype == np.float32


def test_position_encoding_stays_float32_under_autocast():
    encoding = PositionEncoding(SphereMPlusEncoder())
    lonlat = torch.tensor([[12.345678, -45.678901]])
    with torch.autocast("cpu", dtype=torch.bfloat16):
        encoded = encoding(lonlat)
    assert encoded.dtype == torch.float32
    torch.testing.assert_close(encoded, encoding(lonlat))


def test_n_threads_pins_torch_threads_during_fit(monkeypatch):
    seen = []
    step = _PresenceAbsenceNet.train_step_single

    def spy(net, batch, **kwargs):
        seen.append(torch.get_num_threads())
        return step(net, batch, **kwargs)

    monkeypatch.setattr(_PresenceAbsenceNet, "train_step_single", spy)
    before = torch.get_num_threads()
    X, y = _data()
    SphereLocationClassifier(**FAST, n_threads=1).fit(X, y)
    assert set(seen) == {1}
    assert torch.get_num_threads() == before


def test_batches_shard_across_processes():
    X = torch.arange(100.0)[:, None].repeat(1, 2)
    y = torch.arange(100) % 3
    shards = [
        list(
            MiniBatches(
                X,
                y,
                batch_size=8,
                device="cpu",
                generator=torch.Generator().manual_seed(0),
                shard=(rank, 3),
            )
        )
        for rank in range(3)
    ]
    # 13 batches: each of 3 processes takes 4, the 13th is dropped.
    assert [len(batches) for batches in shards] == [4, 4, 4]
    rows = torch.cat([xb[:, 0] for batches in shards for xb, _ in batches])
    assert rows.unique().numel() == rows.numel() >= 12 * 8 - 8


def test_streamed_rows_read_subsets():
    array = np.arange(20.0).reshape(10, 2)
    rows = StreamedRows(RecordingArray(array), rows=np.array([2, 5, 7]))
    np.testing.assert_array_equal(rows.read(np.array([0, 2])), array[[2, 7]])
    assert len(rows) == 3


def test_accelerate_single_process(tmp_path):
    accelerate = pytest.importorskip("accelerate")
    X, y = _data()
    plain = SphereLocationClassifier(**FAST, device="cpu").fit(X, y)
    accelerated = SphereLocationClassifier(
        **FAST, device=accelerate.Accelerator(cpu=True)
    ).fit(X, y)
    # One process on the CPU: the same steps as the plain fit.
    np.testing.assert_allclose(
        accelerated.decision_function(X), plain.decision_function(X), atol=1e-5
    )
    assert len(accelerated.net_.history) == FAST["max_epochs"]
    # net_ is a plain skorch net afterwards: the model pickles.
    assert type(accelerated.net_) is _PresenceAbsenceNet
    restored = pickle.loads(pickle.dumps(accelerated))
    np.testing.assert_array_equal(restored.predict(X), accelerated.predict(X))
    accelerated.save(tmp_path / "model")
    loaded = SphereLocationClassifier.load(tmp_path / "model")
    assert loaded.device == "auto"  # the accelerator is not saved
    np.testing.assert_array_equal(loaded.predict(X), accelerated.predict(X))


def test_accelerate_with_auto_epochs():
    accelerate = pytest.importorskip("accelerate")
    X, y = _data()
    params = {**FAST, "max_epochs": "auto", "n_iter_no_change": 2, "device": "cpu"}
    plain = SphereLocationClassifier(**params).fit(X, y)
    params.pop("device")
    accelerated = SphereLocationClassifier(
        **params, device=accelerate.Accelerator(cpu=True)
    ).fit(X, y)
    assert accelerated.n_epochs_ == plain.n_epochs_
    assert len(accelerated.net_.history) == plain.n_epochs_
    np.testing.assert_allclose(
        accelerated.decision_function(X), plain.decision_function(X), atol=1e-5
    )


def test_accelerator_refuses_a_second_precision_setting():
    accelerate = pytest.importorskip("accelerate")
    clf = SphereLocationClassifier(
        **FAST, device=accelerate.Accelerator(cpu=True), mixed_precision="bf16"
    )
    with pytest.raises(ValueError, match="Accelerator\\(mixed_precision='bf16'\\)"):
        clf.fit(*_data())
