"""The skorch nets that train the location models, and their data iteration.

:class:`_PresenceAbsenceNet` trains the classifier with the supervised loss
(SPEC §5), :class:`_PretrainingNet` pretrains the encoder with the contrastive
losses (SPEC §6); both are customised through skorch's hooks only and read
their mini-batches from whole tensors (:class:`_TensorBatches`).
"""

import contextlib

import torch
from skorch import NeuralNet
from skorch.dataset import unpack_data

from ._losses import sample_background as _sample_background


class _TensorBatches:
    """Mini-batches sliced from whole tensors: no per-sample Python.

    ``X`` and ``y`` move to ``device`` when the iterator is made, which skorch
    does once per fit (not per epoch); each batch is an index into them.
    With ``max_per_class``, an epoch keeps at most that many examples of each
    class, drawn anew every epoch (class-balanced sampling).
    """

    def __init__(self, X, y, *, batch_size, device, generator=None, max_per_class=None):
        self.X = X.to(device)
        self.y = None if y is None else y.to(device)
        # Class-balanced sampling draws its random order on the CPU.
        self._y_cpu = None if y is None else y.cpu()
        self.batch_size = batch_size
        self.device = device
        self.generator = generator
        self.max_per_class = max_per_class

    def _order(self):
        n = self.X.shape[0]
        if self.generator is None:
            return None, n
        order = torch.randperm(n, generator=self.generator)
        if self.max_per_class is not None:
            order = _balanced_subset(
                order, self._y_cpu, self.max_per_class, self.generator
            )
        return order.to(self.device), order.shape[0]

    def __len__(self):
        n = self.X.shape[0]
        if self.max_per_class is not None and self._y_cpu is not None:
            counts = torch.bincount(self._y_cpu)
            n = int(torch.clamp(counts, max=self.max_per_class).sum())
        return -(-n // self.batch_size)

    def __iter__(self):
        order, n = self._order()
        for start in range(0, n, self.batch_size):
            if order is None:
                rows = slice(start, start + self.batch_size)
            else:
                rows = order[start : start + self.batch_size]
            yield self.X[rows], None if self.y is None else self.y[rows]


def _balanced_subset(order, y, max_per_class, generator):
    """Keep at most ``max_per_class`` rows of each class from a random order."""
    y_perm = y[order]
    grouped = torch.argsort(y_perm, stable=True)  # random order within a class
    y_grouped = y_perm[grouped]
    counts = torch.bincount(y_grouped)
    first = torch.cumsum(counts, 0) - counts
    rank = torch.arange(y_grouped.shape[0]) - first[y_grouped]
    kept = grouped[rank < max_per_class]
    return order[kept[torch.randperm(kept.shape[0], generator=generator)]]


class _PresenceAbsenceNet(NeuralNet):
    """skorch net trained with the presence-absence loss and random background.

    Customised through skorch's hooks only: ``train_step_single`` and
    ``validation_step`` add ``n_background`` uniform random locations per
    example, drawn and encoded on the training device in the same forward
    pass; ``get_iterator`` slices tensors; ``initialize_module`` seeds the
    generators.
    """

    def __init__(self, *args, n_background=1, max_per_class=None, seed=0, **kwargs):
        super().__init__(*args, **kwargs)
        self.n_background = n_background
        self.max_per_class = max_per_class
        self.seed = seed

    def initialize_module(self):
        super().initialize_module()
        self.background_generator_ = torch.Generator(device=self.device)
        self.background_generator_.manual_seed(self.seed + 1)
        self.shuffle_generator_ = torch.Generator().manual_seed(self.seed + 2)
        return self

    def _logits_with_background(self, Xi):
        Xi = Xi.to(self.device)
        n_background = Xi.shape[0] * self.n_background
        background = _sample_background(
            n_background,
            generator=self.background_generator_,
            device=self.device,
            dtype=Xi.dtype,
        )
        logits = self.module_(torch.cat([Xi, background]))
        return logits[: Xi.shape[0]], logits[Xi.shape[0] :]

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        logits, background = self._logits_with_background(Xi)
        loss = self.criterion_(logits, yi, background)
        loss.backward()
        return {"loss": loss, "y_pred": logits}

    def validation_step(self, batch, **fit_params):
        self._set_training(False)
        Xi, yi = unpack_data(batch)
        with torch.no_grad():
            logits, background = self._logits_with_background(Xi)
            loss = self.criterion_(logits, yi, background)
        return {"loss": loss, "y_pred": logits}

    def get_iterator(self, dataset, training=False):
        return _TensorBatches(
            torch.as_tensor(dataset.X),
            None if dataset.y is None else torch.as_tensor(dataset.y),
            batch_size=self.batch_size,
            device=self.device,
            generator=self.shuffle_generator_ if training else None,
            max_per_class=self.max_per_class if training else None,
        )

    def __getstate__(self):
        state = super().__getstate__()
        # Generators may live on a GPU; they are re-seeded by initialize_module.
        state.pop("background_generator_", None)
        state.pop("shuffle_generator_", None)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        self.background_generator_ = torch.Generator(device=self.device)
        self.background_generator_.manual_seed(self.seed + 1)
        self.shuffle_generator_ = torch.Generator().manual_seed(self.seed + 2)


class _PretrainingNet(NeuralNet):
    """skorch net of the self-supervised pretraining (SPEC §6).

    Fitted on ``(lonlat, features)`` pairs and customised through skorch's
    hooks only: ``train_step_single`` draws ``n_negative_locations`` uniform
    random locations per pair on the training device and encodes the batch
    twice (two dropout masks, for the SimCSE term) together with the random
    locations in one forward pass; ``get_iterator`` slices tensors as for the
    supervised net. Every similarity matrix is one batch wide.
    """

    def __init__(self, *args, loss_kind="mc", n_negative_locations=1, seed=0, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_kind = loss_kind
        self.n_negative_locations = n_negative_locations
        self.seed = seed

    def initialize_module(self):
        super().initialize_module()
        self._seed_generators()
        return self

    def _seed_generators(self):
        self.negative_generator_ = torch.Generator(device=self.device)
        self.negative_generator_.manual_seed(self.seed + 3)
        self.shuffle_generator_ = torch.Generator().manual_seed(self.seed + 4)

    def _pretraining_loss(self, lonlat, features):
        module = self.module_
        if self.loss_kind == "mse":
            return self.criterion_(module.projection(module.embed(lonlat)), features)
        n, n_negative = lonlat.shape[0], self.n_negative_locations
        negatives = _sample_background(
            n * n_negative,
            generator=self.negative_generator_,
            device=self.device,
            dtype=lonlat.dtype,
        )
        embedding = module.embed(torch.cat([lonlat, lonlat, negatives]))
        return self.criterion_(
            embedding[:n],
            embedding[n : 2 * n],
            embedding[2 * n :].reshape(n, n_negative, embedding.shape[1]),
            module.projection(features),
        )

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        lonlat, features = unpack_data(batch)
        loss = self._pretraining_loss(lonlat.to(self.device), features.to(self.device))
        loss.backward()
        return {"loss": loss, "y_pred": None}

    def get_iterator(self, dataset, training=False):
        return _TensorBatches(
            torch.as_tensor(dataset.X),
            torch.as_tensor(dataset.y),
            batch_size=self.batch_size,
            device=self.device,
            generator=self.shuffle_generator_ if training else None,
        )

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("negative_generator_", None)
        state.pop("shuffle_generator_", None)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        self._seed_generators()


@contextlib.contextmanager
def _seeded(device, seed):
    """Fork torch's global generators (CPU and ``device``) and seed them."""
    devices = [torch.device(device).index or 0] if device != "cpu" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


def _resolve_device(device, *, fallback=False):
    """``"auto"`` → CUDA when available; refuse unavailable devices."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        parsed = torch.device(device)
    except RuntimeError as exc:
        raise ValueError(
            f"device={device!r} is not a torch device; use 'auto', 'cpu' or 'cuda'."
        ) from exc
    if parsed.type == "cuda" and not torch.cuda.is_available():
        if fallback:
            return "cpu"
        raise ValueError(
            f"device={device!r} was requested but CUDA is not available on this "
            "machine; use device='cpu' or device='auto'."
        )
    return device
