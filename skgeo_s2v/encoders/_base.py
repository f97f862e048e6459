"""The abstract base shared by every position encoder."""

import os
from abc import ABCMeta, abstractmethod
from concurrent.futures import ThreadPoolExecutor
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted

from .._array import asarray_like, get_namespace
from .._geometry import geometric_frequencies, wrap_longitude
from .._validation import validate_lonlat

__all__ = ["BasePositionEncoder", "MultiScaleEncoder"]


class BasePositionEncoder(TransformerMixin, BaseEstimator, metaclass=ABCMeta):
    """Base class for position encoders ``G(x)`` of ``(lon, lat)`` points.

    The base owns input validation, longitude wrapping, chunked encoding, the
    numpy/torch dispatch, feature names and tags. A subclass states its
    features in three small hooks:

    - ``_encode(xp, lon, lat, **constants)``: the formula, written once against
      the array namespace ``xp`` (numpy or torch). ``lon`` (wrapped into
      ``[-180, 180)``) and ``lat`` are 1-D arrays in **degrees**; ``constants``
      are the arrays returned by ``_constants``, already converted to the
      dtype and device of the data.
    - ``_n_features_out``: the output width.
    - ``_feature_names()``: one readable name per output column.

    Encoders with learned state (anchors, random projections) also implement
    ``_fit(lonlat)`` and set ``_stateless = False``. Stateless encoders can
    transform without being fitted, like :class:`~sklearn.preprocessing.Normalizer`.

    This class should not be used directly. Use derived classes instead.
    """

    _parameter_constraints: dict = {}
    _stateless = True
    # Bytes of output encoded at a time by ``transform``: about 2 MB keeps a
    # chunk's output and its temporaries in the CPU caches (measured by
    # benchmarks/bench_encoders.py) and bounds the extra memory.
    _chunk_bytes = 2**21

    # -- hooks ---------------------------------------------------------------
    @abstractmethod
    def _encode(self, xp, lon, lat, **constants):
        """Encode 1-D ``lon``, ``lat`` in degrees into an (n, width) array."""

    @property
    @abstractmethod
    def _n_features_out(self):
        """Number of output features."""

    @abstractmethod
    def _feature_names(self):
        """List of output feature names, in column order."""

    def _constants(self):
        """Numeric constants of the formula as float64 numpy arrays."""
        return {}

    def _check_params(self):
        """Check relations between parameters that constraints cannot express."""

    def _fit(self, lonlat):
        """Learn state from validated training locations (stateful encoders)."""

    # -- public API ----------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate the locations and learn the encoder's state, if any.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, 2)
            Longitude then latitude, in degrees.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
            The fitted encoder.
        """
        lonlat = validate_lonlat(self, X, reset=True)
        self._check_params()
        self._fit(lonlat)
        return self

    def transform(self, X):
        """Encode locations.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, 2)
            Longitude then latitude, in degrees. Longitudes wrap into
            ``[-180, 180)``; latitudes must lie in ``[-90, 90]``.

        Returns
        -------
        X_encoded : ndarray of shape (n_samples, n_features_out)
            float32 for float32 input, float64 otherwise.
        """
        self._check_ready()
        lonlat = validate_lonlat(self, X, reset=False)
        constants = {
            name: asarray_like(value, lonlat)
            for name, value in self._constants().items()
        }
        out = np.empty((lonlat.shape[0], self._n_features_out), dtype=lonlat.dtype)

        chunk_rows = max(1, self._chunk_bytes // max(1, out.itemsize * out.shape[1]))

        def encode_chunk(start):
            rows = slice(start, start + chunk_rows)
            out[rows] = self._encode_lonlat(np, lonlat[rows], constants)

        starts = range(0, lonlat.shape[0], chunk_rows)
        n_threads = min(_available_cpus(), len(starts))
        if n_threads <= 1:
            for start in starts:
                encode_chunk(start)
        else:
            # numpy's ufuncs release the GIL: chunks run in parallel threads.
            with ThreadPoolExecutor(n_threads) as pool:
                for _ in pool.map(encode_chunk, starts):
                    pass
        return out

    def encode(self, lonlat):
        """Encode already-valid locations held in a numpy array or torch tensor.

        This is the low-level entry point used inside training loops: it does
        no validation, keeps the array's namespace, dtype and device (a CUDA
        tensor is encoded on the GPU), and supports autograd through torch.
        Use :meth:`transform` for user input.

        Parameters
        ----------
        lonlat : numpy.ndarray or torch.Tensor of shape (n_samples, 2)
            Finite longitudes and latitudes in degrees, latitudes in
            ``[-90, 90]``.

        Returns
        -------
        X_encoded : numpy.ndarray or torch.Tensor of shape (n_samples, n_features_out)
        """
        self._check_ready()
        constants = {
            name: asarray_like(value, lonlat)
            for name, value in self._constants().items()
        }
        return self._encode_lonlat(get_namespace(lonlat), lonlat, constants)

    def get_feature_names_out(self, input_features=None):
        """Names of the output features.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored apart from being checked against ``feature_names_in_``.

        Returns
        -------
        feature_names_out : ndarray of str objects
            One name per column of :meth:`transform`'s output.
        """
        self._check_ready()
        if hasattr(self, "n_features_in_"):
            _check_feature_names_in(self, input_features)
        return np.asarray(self._feature_names(), dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = not self._stateless
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    # -- internals -----------------------------------------------------------
    def _encode_lonlat(self, xp, lonlat, constants):
        """Wrap longitudes and apply the formula; shared by numpy and torch."""
        return self._encode(xp, wrap_longitude(lonlat[:, 0]), lonlat[:, 1], **constants)

    def _check_ready(self):
        """Fitted, or stateless with valid parameters."""
        if self._stateless and not hasattr(self, "n_features_in_"):
            self._validate_params()
            self._check_params()
        else:
            check_is_fitted(self)


class MultiScaleEncoder(BasePositionEncoder):
    """Base class of the encoders with ``S`` geometric scales (SPEC §2).

    Subclasses define ``_features_per_scale`` (or override
    ``_n_features_out``) and the per-scale formulas.
    """

    _parameter_constraints: dict = {
        "n_scales": [Interval(Integral, 1, None, closed="left")],
        "min_radius": [Interval(Real, 0, None, closed="neither")],
        "max_radius": [Interval(Real, 0, None, closed="neither")],
    }
    _features_per_scale = None

    @property
    def _n_features_out(self):
        return self._features_per_scale * self.n_scales

    def _check_params(self):
        if self.n_scales > 1 and self.min_radius >= self.max_radius:
            raise ValueError(
                f"min_radius={self.min_radius} must be smaller than "
                f"max_radius={self.max_radius}; the scales run from "
                "min_radius (finest) to max_radius (coarsest)."
            )

    def _frequencies(self):
        """Frequencies f_s = 1 / r_s, finest first, as float64."""
        return geometric_frequencies(self.n_scales, self.min_radius, self.max_radius)


def _available_cpus():
    """CPUs this process may run on (respects affinity masks and containers)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS and Windows
        return os.cpu_count() or 1


def shared_parameters_doc(text):
    """Class decorator: put ``text`` where the docstring says ``{shared_parameters}``.

    Lets a family of encoders document its common parameters once.
    """

    def decorate(cls):
        if cls.__doc__:  # None under ``python -OO``
            cls.__doc__ = cls.__doc__.replace("{shared_parameters}", text)
        return cls

    return decorate


def interleave(xp, blocks):
    """Stack per-scale blocks ``(n, S)`` scale-major into ``(n, S * len(blocks))``.

    Column ``s * len(blocks) + j`` holds feature ``j`` of scale ``s``, so the
    output concatenates the scales, each with all its features (SPEC §3's ∪_s).
    """
    stacked = xp.stack(blocks, axis=-1)
    return stacked.reshape(stacked.shape[0], -1)


def scale_names(templates, n_scales):
    """Feature names for ``interleave``'s column order: template × scale."""
    return [t.format(s=s) for s in range(n_scales) for t in templates]
