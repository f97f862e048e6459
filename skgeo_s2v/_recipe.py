"""The classifier's training recipe: the skorch net, the validation split and
the epoch-selection rule, in one place.

:func:`fit_net` is what :meth:`SphereLocationClassifier.fit
<skgeo_s2v.SphereLocationClassifier.fit>` calls once its data, encoder, loss
and background are ready:

- a fixed ``max_epochs`` trains once, on every row;
- ``max_epochs="auto"`` holds out a validation split (:func:`validation_rows`),
  trains for at most :data:`AUTO_EPOCH_LIMIT` epochs, stopping when the
  validation log-loss of ``predict_proba`` (:class:`ValidationLogLoss`) has not
  improved for ``n_iter_no_change`` epochs, then trains again on every row for
  the best epoch count;
- ``early_stopping=True`` keeps the best epoch's weights of that first run.

:func:`build_net` makes the skorch net: the module, the loss's criterion, the
background sampler, the optimizer (``optimizer`` and ``optimizer__*``), the
learning-rate schedule and the callbacks.
"""

import copy

import numpy as np
import torch
from skorch.callbacks import Callback, EarlyStopping, LRScheduler, ProgressBar
from skorch.dataset import Dataset
from skorch.helper import predefined_split

from . import _accelerate
from ._covariate_input import n_covariate_features
from ._fitting import fit_run_background, module_arguments, training_rows
from ._inference import normalised_presence
from .nn import (
    LocationClassifierModule,
    log_class_probabilities,
)
from .nn._training import (
    _PresenceAbsenceNet,
    _seeded,
    torch_threads,
    unpack_batch,
    weighted_rows,
)

__all__ = [
    "AUTO_EPOCH_LIMIT",
    "ValidationLogLoss",
    "build_net",
    "fit_net",
    "stratified_split",
    "validation_rows",
]

#: Most epochs of the selection run of ``max_epochs="auto"``.
AUTO_EPOCH_LIMIT = 200


class ValidationLogLoss(Callback):
    """Record ``valid_log_loss``, the validation log-loss of ``predict_proba``.

    The mean over the validation rows of ``−log p(y_i | x_i)`` (weighted
    by the rows' ``sample_weight`` when the fit has one), with
    ``p`` the normalised presence probabilities of the class logits that the
    net's validation step returns (no background term, no dropout). Unlike
    ``valid_loss``, the training loss, it does not depend on random
    background points, so it falls and rises only with the model: the
    epoch selection monitors it.
    """

    def on_epoch_begin(self, net, **kwargs):
        self.total_, self.count_ = 0.0, 0

    def on_batch_end(self, net, batch, training, y_pred=None, **kwargs):
        if training:
            return
        _, y, weights = unpack_batch(batch)
        y = y.to(y_pred.device).long()
        log_proba = log_class_probabilities(y_pred.double())
        log_likelihood = log_proba.gather(1, y[:, None])[:, 0]
        if weights is None:
            self.total_ -= float(log_likelihood.sum())
            self.count_ += y.shape[0]
        else:
            weights = weights.to(y_pred.device).double()
            self.total_ -= float((weights * log_likelihood).sum())
            self.count_ += float(weights.sum())

    def on_epoch_end(self, net, **kwargs):
        if self.count_:
            net.history.record("valid_log_loss", self.total_ / self.count_)


def _callbacks(estimator, validated):
    """The built-in callbacks, then the estimator's; a same-named one replaces."""
    named = {"lr_decay": LRScheduler(policy="ExponentialLR", gamma=estimator.lr_decay)}
    if validated:
        named["valid_log_loss"] = ValidationLogLoss()
        named["early_stopping"] = EarlyStopping(
            monitor="valid_log_loss",
            patience=estimator.n_iter_no_change,
            # The selection run of max_epochs="auto" only needs the epoch.
            load_best=estimator.early_stopping,
        )
    if estimator.verbose:
        named["progress_bar"] = ProgressBar()
    unnamed = []
    for callback in copy.deepcopy(estimator.callbacks or []):
        if isinstance(callback, tuple):
            named[callback[0]] = callback[1]
        else:
            unnamed.append(callback)
    return [(name, cb) for name, cb in named.items() if cb is not None] + unnamed


def build_net(estimator, device, seed, max_epochs, train_split=None, *, train=True):
    """The skorch net of ``estimator`` (fitted encoder, classes, loss, sampler).

    ``train=False`` builds the plain net that predicts (after Accelerate, or
    when loading a saved model): no accelerator, no background.
    """
    accelerator = _accelerate.accelerator_of(estimator.device) if train else None
    net_class, placement = _accelerate.placement(
        _PresenceAbsenceNet, device, accelerator, estimator.verbose
    )
    n_classes = len(estimator.classes_)
    loss = estimator.loss_
    background = None
    if train and loss.needs_background:
        background = estimator.background_
    return net_class(
        module=LocationClassifierModule,
        module__encoder=estimator.encoder_,
        module__n_classes=n_classes,
        module__n_covariates=n_covariate_features(estimator),
        **module_arguments(estimator),
        criterion=loss.criterion(n_classes),
        optimizer=estimator.optimizer,
        **estimator._optimizer_params(),
        lr=estimator.lr,
        batch_size=estimator.batch_size,
        max_epochs=max_epochs,
        train_split=train_split,
        callbacks=_callbacks(estimator, train_split is not None),
        predict_nonlinearity=normalised_presence,
        verbose=int(estimator.verbose),
        background=background,
        max_per_class=estimator.max_per_class,
        mixed_precision=estimator.mixed_precision,
        seed=seed,
        **placement,
    )


def stratified_split(fraction, codes, seed, *, name="max_epochs='auto'"):
    """Training and validation rows, stratified by class, each sorted.

    Each class gives about ``fraction`` of its examples to the validation set
    (the fractional part rounded up at random, so the fraction holds on
    average) and keeps at least one for training: classes with a single
    example are only trained on.
    """
    rng = np.random.default_rng(seed)
    counts = np.bincount(codes)
    n_valid = np.floor(fraction * counts + rng.random(counts.size))
    n_valid = np.minimum(n_valid.astype(np.int64), counts - 1)
    if not n_valid.any():
        splittable = np.flatnonzero(counts > 1)
        if splittable.size == 0:
            raise ValueError(
                f"{name} holds out a validation_split={fraction} of each class, "
                "but every class has a single example. Pass an integer "
                "max_epochs with early_stopping=False."
            )
        n_valid[rng.choice(splittable)] = 1
    # Shuffle, then group by class: each class's first n_valid rows validate.
    order = rng.permutation(codes.shape[0])
    order = order[np.argsort(codes[order], kind="stable")]
    rank = np.arange(codes.shape[0]) - np.repeat(np.cumsum(counts) - counts, counts)
    is_valid = rank < np.repeat(n_valid, counts)
    return np.sort(order[~is_valid]), np.sort(order[is_valid])


def validation_rows(estimator, lonlat, codes, groups, seed):
    """The (train, validation) rows of the epoch selection, each sorted.

    A float ``validation_split`` is a stratified fraction
    (:func:`stratified_split`); a splitter's first ``split(X, y, groups)``
    gives the rows, so that groups (sites, surveys) never sit on both sides.
    """
    name = "early_stopping" if estimator.early_stopping else "max_epochs='auto'"
    split = estimator.validation_split
    if not hasattr(split, "split"):
        if groups is not None:
            raise ValueError(
                f"fit was given groups, but validation_split={split} is a "
                "stratified fraction that ignores them; pass a group-aware "
                "splitter, such as validation_split=GroupShuffleSplit("
                "n_splits=1, test_size=0.1), or drop groups."
            )
        return stratified_split(split, codes, seed, name=name)
    locations = lonlat if lonlat.shape[1] == 2 else lonlat[:, :2]  # no covariates
    train, valid = next(iter(split.split(locations, codes, groups)))
    train, valid = np.sort(np.asarray(train)), np.sort(np.asarray(valid))
    if train.size == 0 or valid.size == 0:
        raise ValueError(
            f"validation_split={split!r} gave {train.size} training and "
            f"{valid.size} validation rows; {name} needs both."
        )
    return train, valid


def _rows_of(weights, rows):
    """``weights[rows]``; all of them when ``rows`` is None, None unweighted."""
    if weights is None or rows is None:
        return weights
    return weights[rows]


def _train(estimator, device, seed, pretrained, data, max_epochs, rows=None):
    """A net trained for at most ``max_epochs`` epochs.

    ``data`` is ``(lonlat, out_of_core, codes, sample_weight)``, the last
    None when the rows are not weighted. Given ``rows = (train, valid)``, it
    trains on the first and stops early on the validation log-loss of the
    second; otherwise it trains on every row.
    """
    lonlat, out_of_core, codes, weights = data
    train, train_split = None, None
    if rows is not None:
        train, valid = rows
        valid_X = np.asarray(lonlat[valid], dtype=np.float32)
        valid_X = weighted_rows(valid_X, _rows_of(weights, valid))
        train_split = predefined_split(Dataset(valid_X, codes[valid]))
    train_X = training_rows(lonlat, out_of_core, train)
    train_X = weighted_rows(train_X, _rows_of(weights, train))
    train_y = codes if train is None else codes[train]
    net = build_net(estimator, device, seed, max_epochs, train_split)
    with torch_threads(estimator.n_threads), _seeded(device, seed):
        if pretrained is None:
            net.fit(train_X, train_y)
        else:  # fresh class head, pretrained encoding and network
            net.initialize()
            pretrained.load_into(net.module_)
            net.partial_fit(train_X, train_y)
    accelerator = _accelerate.accelerator_of(estimator.device)
    if accelerator is not None:
        plain = build_net(estimator, device, seed, net.max_epochs, train=False)
        with torch.random.fork_rng(devices=[]):
            plain.initialize()
        net = _accelerate.release(accelerator, net, plain)
    return net


def fit_net(estimator, device, seed, pretrained, data, groups, records):
    """Train by the estimator's epoch rule; ``(net, n_epochs, validation_losses)``.

    ``validation_losses`` is None when the epoch count was fixed. Each run
    trains with a background sampler fitted on its own training rows
    (:func:`~skgeo_s2v._fitting.fit_run_background` of ``records``, the
    ``(lonlat, y, covariates)`` of the fit, covariates None without them),
    so that a sampler learning from the records never sees the validation
    rows; ``estimator.background_`` is set to the returned net's.
    """

    def background(rows=None):
        return fit_run_background(estimator, records, seed, data[1], rows)

    if not (estimator.early_stopping or estimator.max_epochs == "auto"):
        estimator.background_ = background()
        net = _train(estimator, device, seed, pretrained, data, estimator.max_epochs)
        return net, estimator.max_epochs, None
    lonlat, _, codes, _ = data
    rows = validation_rows(estimator, lonlat, codes, groups, seed)
    limit = AUTO_EPOCH_LIMIT if estimator.max_epochs == "auto" else estimator.max_epochs
    estimator.background_ = background(rows[0])
    net = _train(estimator, device, seed, pretrained, data, limit, rows)
    losses = np.asarray(net.history[:, "valid_log_loss"])
    n_epochs = int(np.argmin(losses)) + 1
    if estimator.early_stopping:  # the best epoch's weights, no second run
        return net, n_epochs, losses
    if estimator.verbose:
        print(
            f"max_epochs='auto': {n_epochs} epochs gave the lowest validation "
            "log-loss; training on all the data for as many."
        )
    estimator.background_ = background()
    net = _train(estimator, device, seed, pretrained, data, n_epochs)
    return net, n_epochs, losses
