"""Species distribution modelling: an additive model, metrics, thresholds and maps.

An additive model of location and covariates (:class:`SphereGAMClassifier`;
:class:`SharedBiasGAMClassifier` for many species with one sampling bias),
the kernel density of each species' records (:class:`KernelDensityClassifier`),
and the tools ecologists use to prepare their data and to judge and publish
a model of where species live: longitude and latitude of projected
coordinates (:func:`to_lonlat`),
a covariate of sampling effort that takes up observers' bias
(:func:`sampling_effort`), spatial thinning of the records
(:func:`thin_records`; :class:`ThinnedClassifier` to tune its distance),
ROC AUC on presence-absence surveys (:func:`presence_auc`, also a
``GridSearchCV`` scorer), the continuous Boyce index for presence-only
validation, the spatial sorting bias of a presence-background test and the
test without it (:func:`pairwise_distance_sample`), reliability curves of
``predict_presence``, thresholds that turn scores into binary ranges, and
gridded predictions as an ``xarray.DataArray`` that can be written as a
GeoTIFF (SPEC §10), where such a map extrapolates beyond the training
covariates (:func:`mess`), what a fitted model learnt: response curves
and the permutation importance of the location beside each covariate, and
an ensemble of models whose scores lie on different scales, by the mean of
their ranks (:class:`RankAverageClassifier`).
"""

from ._effort import sampling_effort
from ._gam import SphereGAMClassifier
from ._grid import grid_coordinates, predict_grid, to_geotiff
from ._inspection import grouped_permutation_importance, response_curve
from ._kernel_density import KernelDensityClassifier
from ._metrics import (
    continuous_boyce_index,
    presence_auc,
    presence_auc_scorer,
    presence_calibration_curve,
    presence_scores,
)
from ._one_vs_background import OneVsBackgroundClassifier
from ._projection import to_lonlat
from ._rank_average import RankAverageClassifier
from ._recipe import make_sdm_ensemble
from ._shared_bias import SharedBiasGAMClassifier
from ._similarity import mess
from ._sorting_bias import pairwise_distance_sample, spatial_sorting_bias
from ._thinning import ThinnedClassifier, thin_records
from ._thresholds import binary_range, class_thresholds, presence_threshold

__all__ = [
    "KernelDensityClassifier",
    "OneVsBackgroundClassifier",
    "RankAverageClassifier",
    "SharedBiasGAMClassifier",
    "SphereGAMClassifier",
    "ThinnedClassifier",
    "binary_range",
    "class_thresholds",
    "continuous_boyce_index",
    "grid_coordinates",
    "grouped_permutation_importance",
    "make_sdm_ensemble",
    "mess",
    "pairwise_distance_sample",
    "predict_grid",
    "presence_auc",
    "presence_auc_scorer",
    "presence_calibration_curve",
    "presence_scores",
    "presence_threshold",
    "response_curve",
    "sampling_effort",
    "spatial_sorting_bias",
    "thin_records",
    "to_geotiff",
    "to_lonlat",
]
