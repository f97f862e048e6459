"""The skorch nets that train the location models, and their data iteration.

:class:`_PresenceAbsenceNet` trains the classifier with the supervised loss
(SPEC §5), :class:`_PretrainingNet` pretrains the encoder with the contrastive
losses (SPEC §6); both are customised through skorch's hooks only and read
their mini-batches from :class:`~skgeo_s2v.nn._data.MiniBatches` (whole tensors,
or rows read from disk batch by batch). :func:`accelerated_net` makes either
one train through Hugging Face Accelerate.
"""

import contextlib
import functools

import numpy as np
import torch
from skorch import NeuralNet
from skorch.dataset import get_len, unpack_data
from skorch.history import History

from ._data import MiniBatches
from ._losses import sample_background as _sample_background

#: The keys of the training input that carries a weight a row (weighted_rows).
_ROWS, _SAMPLE_WEIGHT = "rows", "sample_weight"


def weighted_rows(X, sample_weight):
    """The training input of a net: ``X``, or ``X`` with a weight a row.

    skorch hands the input of ``fit`` to :meth:`_DeviceMixin.get_iterator`
    unchanged inside its dataset; a dict of the rows and their weights makes
    each mini-batch ``(X, y, sample_weight)``.

    Parameters
    ----------
    X : torch.Tensor, ndarray or StreamedRows
        The rows.
    sample_weight : ndarray of shape (n_rows,) or None
        Their weights; None trains unweighted.

    Returns
    -------
    X or dict
        What to pass to the net's ``fit`` as ``X``.
    """
    if sample_weight is None:
        return X
    weights = torch.as_tensor(np.asarray(sample_weight, dtype=np.float32))
    return {_ROWS: X, _SAMPLE_WEIGHT: weights}


def unpack_batch(batch):
    """``(X, y, sample_weight)`` of a mini-batch; ``sample_weight`` None when
    the rows are not weighted."""
    if isinstance(batch, (tuple, list)) and len(batch) == 3:
        return tuple(batch)
    return (*unpack_data(batch), None)


class _DeviceMixin:
    """What the nets share: device, autocast, backward, sharding, batches, RNGs.

    In-process training computes on ``device``; the accelerated subclasses
    (:func:`accelerated_net`) defer the first four to Hugging Face Accelerate.
    A net names its random generators in ``_generator_offsets`` (attribute
    name → offset added to ``seed``); they are seeded when the module is
    initialised and after unpickling, and are not pickled (they may live on
    a GPU). ``shuffle_generator_`` orders the batches, on the CPU.
    """

    _generator_offsets: dict = {}
    max_per_class = None

    @property
    def compute_device(self):
        return torch.device(self.device)

    def autocast(self):
        """bfloat16 autocast when ``mixed_precision="bf16"``, else nothing.

        Only the network runs in bfloat16: the position encoding keeps float32
        (:class:`~skgeo_s2v.nn.PositionEncoding` disables autocast), since
        bfloat16's 8-bit mantissa cannot hold the phase of the fine scales.
        """
        if self.mixed_precision is None:
            return contextlib.nullcontext()
        return torch.autocast(self.compute_device.type, dtype=torch.bfloat16)

    def backward(self, loss):
        loss.backward()

    def shard(self):
        """``(rank, world_size)`` of this process in data-parallel training."""
        return 0, 1

    def _reads_losses_per_epoch(self):
        """Whether batch losses are read back from the device once per epoch.

        True for in-process training on CUDA, where reading each batch's loss
        (skorch's ``loss.item()``) makes the host wait for the GPU at every
        batch and queue the next one only then.
        """
        return self.compute_device.type == "cuda" and type(self.history) is History

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        """skorch's epoch loop; on CUDA the batch losses are read once per epoch.

        The history ends up the same: one row per batch with
        ``{prefix}_loss`` (a float) and ``{prefix}_batch_size``, then
        ``{prefix}_batch_count``. On CUDA the losses stay on the device until
        the epoch's batches are done and are then written into their rows in
        one transfer, so a callback's ``on_batch_end`` finds no
        ``{prefix}_loss`` in the current row yet (the progress bar shows none
        per batch). Elsewhere skorch's own loop runs.
        """
        if iterator is None or not self._reads_losses_per_epoch():
            return super().run_single_epoch(
                iterator, training, prefix, step_fn, **fit_params
            )
        rows = self.history[-1]["batches"]
        first_row = len(rows)
        losses = []
        for batch in iterator:
            self.notify("on_batch_begin", batch=batch, training=training)
            step = step_fn(batch, **fit_params)
            losses.append(step["loss"].detach())
            inputs = batch[0] if isinstance(batch, (tuple, list)) else batch
            self.history.record_batch(prefix + "_batch_size", get_len(inputs))
            self.notify("on_batch_end", batch=batch, training=training, **step)
        if losses:
            values = torch.stack(losses).float().tolist()
            for row, value in zip(rows[first_row:], values, strict=True):
                row[prefix + "_loss"] = value
        self.history.record(prefix + "_batch_count", len(losses))

    def _seed_generators(self):
        for name, offset in self._generator_offsets.items():
            device = "cpu" if name == "shuffle_generator_" else self.compute_device
            generator = torch.Generator(device=device).manual_seed(self.seed + offset)
            setattr(self, name, generator)

    def initialize_module(self):
        super().initialize_module()
        self._seed_generators()
        return self

    def get_iterator(self, dataset, training=False):
        X, sample_weight = dataset.X, None
        if isinstance(X, dict):  # weighted rows: see weighted_rows
            X, sample_weight = X[_ROWS], X[_SAMPLE_WEIGHT]
        return MiniBatches(
            X,
            dataset.y,
            sample_weight=sample_weight,
            batch_size=self.batch_size,
            device=self.compute_device,
            generator=self.shuffle_generator_ if training else None,
            max_per_class=self.max_per_class if training else None,
            shard=self.shard(),
        )

    def __getstate__(self):
        state = super().__getstate__()
        for name in self._generator_offsets:
            state.pop(name, None)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        self._seed_generators()


class _PresenceAbsenceNet(_DeviceMixin, NeuralNet):
    """skorch net trained with a classification loss and background locations.

    Customised through skorch's hooks only: ``train_step_single`` and
    ``validation_step`` add ``background.n_per_example`` locations per
    example, drawn by the fitted sampler ``background`` from the net's seeded
    ``background_generator_`` and encoded on the training device in the same
    forward pass; ``background=None`` (a loss that needs no background) draws
    none. Fitted on :func:`weighted_rows`, each batch carries its rows'
    weights, passed to the criterion as ``sample_weight``. ``infer`` casts
    floating input to float32, so ``predict_proba`` accepts float64 arrays.
    """

    _generator_offsets = {"background_generator_": 1, "shuffle_generator_": 2}

    def __init__(
        self,
        *args,
        background=None,
        max_per_class=None,
        mixed_precision=None,
        seed=0,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.background = background
        self.max_per_class = max_per_class
        self.mixed_precision = mixed_precision
        self.seed = seed

    def infer(self, x, **fit_params):
        if torch.is_tensor(x) and x.is_floating_point():
            x = x.float()
        return super().infer(x, **fit_params)

    def _loss(self, Xi, yi, weights=None):
        """The criterion on a batch (its rows weighted by ``weights``, unless
        None) and its background locations."""
        Xi = Xi.to(self.compute_device, torch.float32)
        n = Xi.shape[0]
        if self.background is not None:
            background = self.background.sample(
                n * self.background.n_per_example,
                generator=self.background_generator_,
                device=self.compute_device,
            )
            Xi = torch.cat([Xi, background.to(Xi.dtype)])
        with self.autocast():
            logits = self.module_(Xi).float()
        if weights is None:
            loss = self.criterion_(logits[:n], yi, logits[n:])
        else:
            weights = weights.to(self.compute_device)
            loss = self.criterion_(logits[:n], yi, logits[n:], sample_weight=weights)
        return loss, logits[:n]

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        loss, logits = self._loss(*unpack_batch(batch))
        self.backward(loss)
        return {"loss": loss, "y_pred": logits}

    def validation_step(self, batch, **fit_params):
        self._set_training(False)
        with torch.no_grad():
            loss, logits = self._loss(*unpack_batch(batch))
        return {"loss": loss, "y_pred": logits}


class _PretrainingNet(_DeviceMixin, NeuralNet):
    """skorch net of the self-supervised pretraining (SPEC §6).

    Fitted on ``(lonlat, features)`` pairs and customised through skorch's
    hooks only: ``train_step_single`` draws ``n_negative_locations`` uniform
    random locations per pair on the training device and encodes the batch
    twice (two dropout masks, for the SimCSE term) together with the random
    locations in one forward pass. Every similarity matrix is one batch wide.
    """

    _generator_offsets = {"negative_generator_": 3, "shuffle_generator_": 4}

    def __init__(
        self,
        *args,
        loss_kind="mc",
        n_negative_locations=1,
        mixed_precision=None,
        seed=0,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.loss_kind = loss_kind
        self.n_negative_locations = n_negative_locations
        self.mixed_precision = mixed_precision
        self.seed = seed

    def _pretraining_loss(self, lonlat, features):
        module = self.module_
        if self.loss_kind == "mse":
            with self.autocast():
                predicted = module.projection(module.embed(lonlat)).float()
            return self.criterion_(predicted, features)
        n, n_negative = lonlat.shape[0], self.n_negative_locations
        negatives = _sample_background(
            n * n_negative,
            generator=self.negative_generator_,
            device=self.compute_device,
            dtype=lonlat.dtype,
        )
        with self.autocast():
            embedding = module.embed(torch.cat([lonlat, lonlat, negatives])).float()
            projected = module.projection(features).float()
        return self.criterion_(
            embedding[:n],
            embedding[n : 2 * n],
            embedding[2 * n :].reshape(n, n_negative, embedding.shape[1]),
            projected,
        )

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        lonlat, features = unpack_data(batch)
        device = self.compute_device
        loss = self._pretraining_loss(lonlat.to(device), features.to(device))
        self.backward(loss)
        return {"loss": loss, "y_pred": None}


@contextlib.contextmanager
def _seeded(device, seed):
    """Fork torch's global generators (CPU and ``device``) and seed them."""
    devices = [torch.device(device).index or 0] if device != "cpu" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


@contextlib.contextmanager
def torch_threads(n_threads):
    """Run torch's CPU operations on ``n_threads`` threads; None changes nothing.

    Torch's thread count is global to the process: the previous value is
    restored on exit.
    """
    if n_threads is None:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


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


@functools.cache
def accelerated_net(net_class):
    """``net_class`` trained through Hugging Face Accelerate (skorch's mixin).

    The returned class takes an ``accelerator`` (an ``accelerate.Accelerator``)
    and ``device=None``: Accelerate places the module, wraps it for
    data-parallel training when launched on several processes (``accelerate
    launch``), runs its own autocast (its ``mixed_precision``) and scales the
    backward pass. Each process reads its own share of the batches.
    """
    from skorch.hf import AccelerateMixin

    class AcceleratedNet(AccelerateMixin, net_class):
        # The package's step (random background, float32 encoding), with
        # Accelerate's autocast and backward through the hooks below.
        train_step_single = net_class.train_step_single

        @property
        def compute_device(self):
            return self.accelerator.device

        def autocast(self):
            return self.accelerator.autocast()

        def backward(self, loss):
            self.accelerator.backward(loss)

        def shard(self):
            return self.accelerator.process_index, self.accelerator.num_processes

    name = f"Accelerated{net_class.__name__}"
    AcceleratedNet.__name__ = AcceleratedNet.__qualname__ = name
    return AcceleratedNet
