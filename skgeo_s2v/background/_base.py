"""The background-sampler interface and the uniform sampler of the paper."""

from abc import ABCMeta, abstractmethod
from numbers import Integral

import numpy as np
import torch
from sklearn.base import BaseEstimator, _fit_context
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import Interval

from .._sampling import lonlat_from_uniform
from .._validation import validate_lonlat

__all__ = ["BaseBackground", "UniformSphereBackground"]


class BaseBackground(BaseEstimator, metaclass=ABCMeta):
    """Base class of the background samplers.

    A sampler is fitted once per training run on the training locations
    (``fit(X, y)``), then asked for a fresh draw at every training step
    (``sample(n, generator=..., device=...)``). A subclass implements
    :meth:`sample`; one whose draw depends on the data (a buffer around the
    records, the records of other species) also overrides :meth:`_fit`.

    Parameters
    ----------
    n_per_example : int, default=1
        Background locations drawn for each training example of a batch: a
        batch of ``B`` examples is paired with ``B * n_per_example``
        background locations.

    Examples
    --------
    A sampler that always returns the North Pole:

    >>> import torch
    >>> from skgeo_s2v.background import BaseBackground
    >>> class NorthPole(BaseBackground):
    ...     def sample(self, n, *, generator, device=None):
    ...         return torch.tensor([[0.0, 90.0]], device=device).repeat(n, 1)
    >>> NorthPole().fit([[10.0, 50.0]]).sample(2, generator=torch.Generator())
    tensor([[ 0., 90.],
            [ 0., 90.]])
    """

    _parameter_constraints: dict = {
        "n_per_example": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, n_per_example=1):
        self.n_per_example = n_per_example

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn what the draw needs from the training locations.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2)
            Training locations ``(lon, lat)`` in degrees.
        y : array-like of shape (n_samples,), default=None
            Class labels of the training locations.

        Returns
        -------
        self : BaseBackground
            The fitted sampler.
        """
        lonlat = validate_lonlat(self, X, reset=True)
        self.__dict__.pop("covariates_", None)
        self._fit(lonlat, None if y is None else np.asarray(y))
        self.is_fitted_ = True
        return self

    def _check_fitted(self):
        """Raise NotFittedError before :meth:`fit`; cheap, as it runs every step.

        One attribute lookup, where sklearn's ``check_is_fitted`` scans every
        attribute of the sampler at each training step.
        """
        if not getattr(self, "is_fitted_", False):
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet. Call "
                "'fit' with appropriate arguments before using this estimator."
            )

    def _fit(self, lonlat, y):
        """Hook for samplers that learn from the records; nothing by default."""

    def fit_covariates(self, covariates, transform):
        """Carry covariates: :meth:`sample` then returns covariate columns too.

        Called by the classifier after :meth:`fit` when it is fitted with
        covariates. A sampler that knows the covariates of its points stores
        their transformed values in ``covariates_`` (float32, one row per
        point) and draws ``(lon, lat, covariates...)`` rows; this default, for
        samplers that draw locations only, refuses.

        Parameters
        ----------
        covariates : DataFrame of shape (n_samples, n_covariates)
            The raw covariate columns of the training records.
        transform : callable
            ``transform(frame, what)`` gives the model's transformed
            covariates of the rows of ``frame`` (float64), checking that it
            holds the fitted columns; ``what`` names ``frame`` in messages.

        Returns
        -------
        self : BaseBackground
            The sampler.
        """
        raise ValueError(
            f"{type(self).__name__} draws locations only and has no covariate "
            f"values for them, but X has the covariates {list(covariates.columns)}. "
            "With covariates, use background=PointsBackground(a DataFrame of "
            "background sites with lon, lat and these columns) or "
            "TargetGroupBackground() (the training records), or fit on "
            "(lon, lat) alone."
        )

    def covariate_sites(self):
        """The raw covariates of the sites this sampler draws, or None.

        The classifier adds the levels of their categorical columns to those
        of the training records, so that a level found only among the
        background sites is a known level (one the records never hold)
        rather than an error. None by default: no sites of its own.

        Returns
        -------
        sites : DataFrame or None
        """
        return None

    @abstractmethod
    def sample(self, n, *, generator, device=None):
        """Draw ``n`` background locations.

        Parameters
        ----------
        n : int
            Number of locations.
        generator : torch.Generator
            Random generator to draw from, on ``device``; the sampler draws
            from nothing else, so a seeded generator gives the same draws.
        device : torch.device or str, default=None
            Device of the output; the generator's device when None.

        Returns
        -------
        lonlat : torch.Tensor of shape (n, 2)
            float32 longitudes and latitudes in degrees.
        """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        return tags


class UniformSphereBackground(BaseBackground):
    """Background drawn uniformly by area over the whole sphere (the paper's).

    ``lon ~ U[-180, 180)`` and ``lat = degrees(arcsin(U[-1, 1]))`` (SPEC §5):
    every part of the globe, oceans and poles included, is equally likely.

    Parameters
    ----------
    n_per_example : int, default=1
        Background locations drawn for each training example of a batch.

    Examples
    --------
    >>> import torch
    >>> from skgeo_s2v.background import UniformSphereBackground
    >>> sampler = UniformSphereBackground().fit([[0.0, 0.0], [10.0, 5.0]])
    >>> draw = sampler.sample(1000, generator=torch.Generator().manual_seed(0))
    >>> draw.shape, bool((draw[:, 1].abs() <= 90).all())
    (torch.Size([1000, 2]), True)
    """

    def sample(self, n, *, generator, device=None):
        self._check_fitted()
        device = generator.device if device is None else device
        u = torch.rand(2, n, generator=generator, device=device)
        return lonlat_from_uniform(u[0], u[1])
