"""What every training run prepares: the position encoder and the rows.

Shared by :class:`~skgeo_s2v.SphereLocationClassifier` and
:class:`~skgeo_s2v.ContrastivePretraining`.
"""

import functools
from numbers import Integral, Real

import numpy as np
from sklearn.base import clone
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from . import _validation
from ._covariate_input import transform_covariates
from .background import UniformSphereBackground
from .encoders import BasePositionEncoder, make_encoder
from .nn import ACTIVATIONS, ARCHITECTURE_ARGUMENTS, NETWORKS
from .nn._data import StreamedRows

__all__ = [
    "ARCHITECTURE_CONSTRAINTS",
    "fit_background",
    "fit_run_background",
    "fit_position_encoder",
    "make_position_encoder",
    "module_arguments",
    "training_rows",
]

#: Constraints of the architecture parameters, shared by both estimators.
ARCHITECTURE_CONSTRAINTS = {
    "encoder": [str, HasMethods(["fit", "transform", "encode"])],
    "hidden_layers": [Interval(Integral, 1, None, closed="left")],
    "hidden_units": [Interval(Integral, 1, None, closed="left")],
    "dropout": [Interval(Real, 0, 1, closed="left")],
    "activation": [StrOptions(set(ACTIVATIONS))],
    "network": [StrOptions(set(NETWORKS))],
}


def module_arguments(estimator):
    """``module__*`` arguments of the location encoder, from ``estimator``."""
    return {
        f"module__{name}": getattr(estimator, name) for name in ARCHITECTURE_ARGUMENTS
    }


# Rows of an out-of-core dataset that a data-dependent component (a stateful
# position encoder such as rbf, a background sampler) is fitted on.
FIT_ROWS = 100_000


def make_position_encoder(encoder, seed):
    """A fresh encoder from a name or an instance, seeded when it has no seed."""
    if isinstance(encoder, str):
        encoder = make_encoder(encoder)
    elif isinstance(encoder, BasePositionEncoder):
        encoder = clone(encoder)
    else:
        raise TypeError(
            "encoder must be a name for make_encoder or an encoder of "
            f"skgeo_s2v.encoders, got {type(encoder).__name__}."
        )
    if encoder.get_params().get("random_state", 0) is None:
        encoder.set_params(random_state=seed)
    return encoder


def sample_rows(n_samples, seed, *, stateless=False):
    """The rows a data-dependent component of an out-of-core fit sees.

    A stateless component only checks its input, so it sees the first row; a
    stateful one sees at most ``FIT_ROWS`` random rows, in increasing order.
    """
    if stateless:
        return slice(0, 1)
    if n_samples <= FIT_ROWS:
        return slice(None)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_samples, FIT_ROWS, replace=False))


def fit_position_encoder(encoder, lonlat, seed, out_of_core):
    """Fit ``encoder``; on out-of-core input, on :func:`sample_rows` only."""
    if not out_of_core:
        return encoder.fit(lonlat)
    rows = sample_rows(lonlat.shape[0], seed, stateless=encoder._stateless)
    return encoder.fit(np.asarray(lonlat[rows], dtype=np.float64))


def training_rows(lonlat, out_of_core, rows=None):
    """float32 training locations, or a reader of them for out-of-core input."""
    if out_of_core:
        return StreamedRows(lonlat, rows=rows)
    return (lonlat if rows is None else lonlat[rows]).astype(np.float32)


def fit_background(background, lonlat, y, seed, out_of_core):
    """A clone of ``background`` (None: uniform) fitted on the training rows.

    Out-of-core input is read a validation chunk at a time, and only a random
    sample of ``FIT_ROWS`` rows when it has more.
    """
    background = UniformSphereBackground() if background is None else background
    if not out_of_core:
        return clone(background).fit(lonlat, y)
    n_samples = lonlat.shape[0]
    if n_samples > FIT_ROWS:
        rows = sample_rows(n_samples, seed)
        return clone(background).fit(np.asarray(lonlat[rows], np.float64), y[rows])
    chunk_rows = _validation._VALIDATION_CHUNK_ROWS
    rows = [chunk for _, chunk in _validation.iter_row_chunks(lonlat, chunk_rows)]
    return clone(background).fit(np.concatenate(rows), y)


def fit_run_background(estimator, records, seed, out_of_core, rows=None):
    """The background sampler of one training run, fitted on its rows only.

    ``records`` is ``(lonlat, y, covariates)`` of the whole fit (covariates
    None without them); ``rows`` (sorted indices, None for every row) are the
    rows the run trains on. A sampler that learns from the records (target
    group, buffer) thus never sees the validation rows of
    ``max_epochs="auto"`` or early stopping. With covariates, and a loss that
    draws background, the sampler is then given the covariates of those rows
    (a sampler that draws locations only refuses them).
    """
    lonlat, y, covariates = records
    if rows is not None:
        if out_of_core and len(rows) > FIT_ROWS:
            rows = rows[sample_rows(len(rows), seed)]
        lonlat = np.asarray(lonlat[rows], dtype=np.float64)
        y, out_of_core = y[rows], False
        covariates = None if covariates is None else covariates.iloc[rows]
    background = fit_background(estimator.background, lonlat, y, seed, out_of_core)
    if covariates is not None and estimator.loss_.needs_background:
        transform = functools.partial(
            transform_covariates, estimator.covariate_transformer_
        )
        background.fit_covariates(covariates, transform)
    return background
