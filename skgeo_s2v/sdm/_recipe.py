"""The recipe for many species with covariates: :func:`make_sdm_ensemble`."""

import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import make_pipeline

from .._covariate_input import coordinate_columns
from ..classifier import SphereLocationClassifier
from ._gam import SphereGAMClassifier
from ._kernel_density import KernelDensityClassifier
from ._one_vs_background import OneVsBackgroundClassifier
from ._rank_average import RankAverageClassifier

__all__ = ["make_sdm_ensemble"]


def make_sdm_ensemble(background, covariate_model=None, *, random_state=None):
    """The mean rank of a GAM per species, a location-only model and,
    optionally, a model of the covariates alone.

    The recipe of :doc:`/sdm` ("Which model, when") for many species with
    covariates, to be tested on surveys, as one unfitted estimator:

    - ``"gam"``: one :class:`SphereGAMClassifier` per species with the
      location as a smooth tilt (``encoder="xyz"``), of its records against
      ``background`` (:class:`OneVsBackgroundClassifier`);
    - ``"location"``: on ``lon`` and ``lat`` alone, the mean rank of one
      :class:`~skgeo_s2v.SphereLocationClassifier` of all species and of
      each species' kernel density (:class:`KernelDensityClassifier`);
    - ``"covariates"`` (when ``covariate_model`` is given): one clone of
      ``covariate_model`` per species on the covariate columns alone, of its
      records against ``background``; Maxent (``elapid.MaxentModel()``) is
      the model the recipe was measured with.

    They are combined by :class:`RankAverageClassifier`: each site's score
    of a species is its mean rank among each model's scores of the training
    records. On virtual species of three regions tested on surveys it was
    level with Maxent without ``covariate_model`` (−0.001 to +0.007 AUC in
    five designs, its classifier at 30 epochs; +0.0001 in the first design
    at these defaults) and at or above Maxent with it (+0.002 to +0.007),
    inside the spread of three seeds (``docs/benchmarks.rst``, "Without
    Maxent").

    Parameters
    ----------
    background : DataFrame
        The background sites of the study region: ``lon``, ``lat`` and the
        covariate columns that ``fit`` will get (as SDM data sets ship their
        10,000 background sites), against which each species' records are
        fitted.
    covariate_model : classifier or None, default=None
        A binary classifier of presence (True) against background (False)
        on the covariate columns alone, cloned per species, e.g.
        ``elapid.MaxentModel()``. It gets them as an array, in the order of
        ``background``'s columns, a categorical column as its levels: with
        categorical covariates give a model that encodes them itself. None
        leaves the covariate model out.
    random_state : int or None, default=None
        Seeds the GAMs, the classifier and the kernel densities: the same
        value gives the same ensemble on the same machine.

    Returns
    -------
    ensemble : RankAverageClassifier
        Unfitted; fit it on the records of every species (a DataFrame with
        the columns of ``background``) and their labels, then
        ``predict_presence`` gives one column per species. Its parts are
        tunable by name, e.g. ``"gam__estimator__C"``.

    Raises
    ------
    ValueError
        If ``background`` is not a DataFrame with longitude, latitude and at
        least one covariate column.

    See Also
    --------
    RankAverageClassifier : the mean rank of any models.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skgeo_s2v.sdm import make_sdm_ensemble
    >>> rng = np.random.default_rng(0)
    >>> sites = pd.DataFrame({"lon": rng.uniform(0, 10, 500),
    ...                       "lat": rng.uniform(40, 50, 500)})
    >>> sites["warmth"] = 50 - sites["lat"] + rng.normal(0, 1, 500)
    >>> records = sites.sample(120, random_state=0)
    >>> species = np.where(records["warmth"] > 5, "heat-lover", "cold-lover")
    >>> ensemble = make_sdm_ensemble(sites, LogisticRegression(),
    ...                              random_state=0)
    >>> [name for name, _ in ensemble.estimators]
    ['covariates', 'gam', 'location']
    >>> ensemble.fit(records, species).predict_presence(sites).shape
    (500, 2)
    """
    if not isinstance(background, pd.DataFrame):
        raise ValueError(
            "background must be a DataFrame of the background sites with lon, "
            f"lat and the covariate columns; got {type(background).__name__}. "
            "For the coordinates alone, use RankAverageClassifier of "
            "SphereLocationClassifier() and KernelDensityClassifier()."
        )
    lonlat = coordinate_columns(background.columns)
    if not lonlat:
        raise ValueError(
            f"background has the columns {list(background.columns)}; name its "
            "coordinate columns 'lon' and 'lat'."
        )
    covariates = [c for c in background.columns if c not in lonlat]
    if not covariates:
        raise ValueError(
            "background holds only the coordinates; this ensemble models "
            "covariates beside the location. For the coordinates alone, use "
            "RankAverageClassifier of SphereLocationClassifier() and "
            "KernelDensityClassifier()."
        )
    location = make_pipeline(
        ColumnTransformer([("lonlat", "passthrough", lonlat)]),
        RankAverageClassifier(
            [
                ("classifier", SphereLocationClassifier(random_state=random_state)),
                ("density", KernelDensityClassifier(random_state=random_state)),
            ]
        ),
    )
    gam = OneVsBackgroundClassifier(
        SphereGAMClassifier("xyz", random_state=random_state), background=background
    )
    members = [("gam", gam), ("location", location)]
    if covariate_model is not None:
        alone = make_pipeline(
            ColumnTransformer([("covariates", "passthrough", covariates)]),
            covariate_model,
        )
        members.insert(
            0,
            ("covariates", OneVsBackgroundClassifier(alone, background=background)),
        )
    return RankAverageClassifier(members)
