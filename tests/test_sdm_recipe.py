"""The package's ensemble for many species with covariates (make_sdm_ensemble)."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from skgeo_s2v import SphereLocationClassifier
from skgeo_s2v.sdm import (
    KernelDensityClassifier,
    OneVsBackgroundClassifier,
    RankAverageClassifier,
    SphereGAMClassifier,
    make_sdm_ensemble,
    presence_auc,
)

EPOCHS = {"location__rankaverageclassifier__classifier__max_epochs": 3}


def _region(seed=0):
    """Sites over a box with a warmth gradient and a soil; three species of
    records drawn from the sites, each around its own warmth."""
    rng = np.random.default_rng(seed)
    sites = pd.DataFrame(
        {"lon": rng.uniform(0, 10, 600), "lat": rng.uniform(40, 50, 600)}
    )
    sites["warmth"] = 50 - sites["lat"] + rng.normal(0, 1, 600)
    sites["soil"] = pd.Categorical(rng.choice(["clay", "sand"], 600))
    picks, species = [], []
    for name, optimum in (("cold", 1.0), ("mild", 5.0), ("warm", 9.0)):
        weight = np.exp(-((sites["warmth"] - optimum) ** 2) / 2)
        chosen = rng.choice(600, 40, replace=False, p=weight / weight.sum())
        picks.append(chosen)
        species += [name] * 40
    records = sites.iloc[np.concatenate(picks)].reset_index(drop=True)
    return sites, records, np.array(species)


def _by_hand(sites, covariate_model):
    """The ensemble as docs/sdm.rst writes it out, with the same seeds."""
    lonlat = ColumnTransformer([("lonlat", "passthrough", ["lon", "lat"])])
    location = make_pipeline(
        lonlat,
        RankAverageClassifier(
            [
                ("classifier", SphereLocationClassifier(random_state=0)),
                ("density", KernelDensityClassifier(random_state=0)),
            ]
        ),
    )
    alone = make_pipeline(
        ColumnTransformer([("covariates", "passthrough", ["warmth", "soil"])]),
        covariate_model,
    )
    return RankAverageClassifier(
        [
            ("covariates", OneVsBackgroundClassifier(alone, background=sites)),
            (
                "gam",
                OneVsBackgroundClassifier(
                    SphereGAMClassifier("xyz", random_state=0), background=sites
                ),
            ),
            ("location", location),
        ]
    )


class _Codes(LogisticRegression):
    """Logistic regression on the covariates with the soil as its codes."""

    def fit(self, X, y, sample_weight=None):
        return super().fit(_numeric(X), y, sample_weight=sample_weight)

    def predict_proba(self, X):
        return super().predict_proba(_numeric(X))


def _numeric(X):
    frame = pd.DataFrame(X, columns=["warmth", "soil"])
    return np.column_stack(
        [frame["warmth"].astype(float), pd.Categorical(frame["soil"]).codes]
    )


def test_it_is_the_documented_ensemble():
    sites, records, species = _region()
    made = make_sdm_ensemble(sites, _Codes(), random_state=0).set_params(**EPOCHS)
    written = _by_hand(sites, _Codes()).set_params(**EPOCHS)
    assert [name for name, _ in made.estimators] == ["covariates", "gam", "location"]
    np.testing.assert_allclose(
        made.fit(records, species).predict_presence(sites),
        written.fit(records, species).predict_presence(sites),
    )


def test_it_ranks_the_species_where_they_live():
    sites, records, species = _region()
    before = sites.copy(deep=True)
    model = make_sdm_ensemble(sites, random_state=0).set_params(**EPOCHS)
    assert [name for name, _ in model.estimators] == ["gam", "location"]
    presence = model.fit(records, species).predict_presence(sites)
    assert list(model.classes_) == ["cold", "mild", "warm"]
    assert presence.shape == (600, 3)
    # each species' own warmth band against the rest of the region
    truth = np.column_stack(
        [abs(sites["warmth"] - optimum) < 1.5 for optimum in (1.0, 5.0, 9.0)]
    )
    assert presence_auc(truth, presence) > 0.8
    pd.testing.assert_frame_equal(sites, before)


def test_its_parts_are_tunable_by_name_and_cloned():
    sites, _, _ = _region()
    model = make_sdm_ensemble(sites, LogisticRegression(), random_state=0)
    model.set_params(
        gam__estimator__C=0.1, covariates__estimator__logisticregression__C=2
    )
    copy = clone(model)
    assert copy.get_params()["gam__estimator__C"] == 0.1
    assert copy.get_params()["covariates__estimator__logisticregression__C"] == 2


@pytest.mark.parametrize(
    "background, message",
    [
        (np.zeros((5, 3)), "must be a DataFrame"),
        (pd.DataFrame({"x": [1.0], "y": [2.0], "t": [3.0]}), "name its coordinate"),
        (pd.DataFrame({"lon": [1.0], "lat": [2.0]}), "only the coordinates"),
    ],
)
def test_bad_backgrounds_are_refused_with_what_to_fix(background, message):
    with pytest.raises(ValueError, match=message):
        make_sdm_ensemble(background)
