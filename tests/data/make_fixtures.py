"""Write the pre-redesign fixtures of tests/test_classifier_compat.py.

Run once, with the code of commit 8fed2b4 (before issue 14 split the
classifier), from the repository root::

    OMP_NUM_THREADS=1 python tests/data/make_fixtures.py

It writes ``classifier_format2/`` (a model saved in the format-2 layout,
``params.json`` plus ``weights.pt``) with the predictions it must reproduce,
and ``reference_predictions.npz``: the decision function of small fits made
with fixed seeds, which the redesigned classifier must reproduce exactly from
the same parameters (spelled the new way).

``python tests/data/make_fixtures.py --compare`` refits every case with the
current code (the old spellings, translated with a FutureWarning) and prints
the largest absolute difference from the saved predictions, writing nothing.
"""

import sys
import warnings
from pathlib import Path

import numpy as np
import torch

from skgeo_s2v import SphereLocationClassifier

HERE = Path(__file__).parent


def quadrant_data(n=120, seed=0):
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.uniform(-170, 170, n), rng.uniform(-70, 70, n)])
    y = np.where(X[:, 0] < 0, "west", "east")
    y = np.where(X[:, 1] > 0, np.char.add(y, "-north"), y)
    return X, y


FAST = {"hidden_units": 16, "batch_size": 32, "lr": 1e-2}

#: name -> (old-spelling parameters, fit keyword arguments)
CASES = {
    "fixed_seed0": ({**FAST, "max_epochs": 3, "random_state": 0}, {}),
    "fixed_seed1": ({**FAST, "max_epochs": 3, "random_state": 1}, {}),
    "fixed_seed2": ({**FAST, "max_epochs": 3, "random_state": 2}, {}),
    "auto_seed0": ({**FAST, "n_iter_no_change": 2, "random_state": 0}, {}),
    "early_stopping_seed3": (
        {
            **FAST,
            "max_epochs": 6,
            "early_stopping": True,
            "n_iter_no_change": 2,
            "validation_fraction": 0.2,
            "random_state": 3,
        },
        {},
    ),
    "loss_background_seed4": (
        {
            **FAST,
            "max_epochs": 3,
            "pos_weight": 2.0,
            "background_weight": 0.5,
            "n_background": 3,
            "max_per_class": 20,
            "weight_decay": 1e-4,
            "random_state": 4,
        },
        {},
    ),
    "pretrain_in_fit_seed5": (
        {
            **FAST,
            "max_epochs": 2,
            "pretrain_epochs": 2,
            "pretrain_loss": "bi",
            "pretrain_lr": 1e-3,
            "n_negative_locations": 2,
            "location_weight": 0.5,
            "random_state": 5,
        },
        {"pretrain": True},
    ),
}


def fit_case(params, options, X, y):
    clf = SphereLocationClassifier(**params)
    if options.get("pretrain"):
        rng = np.random.default_rng(1)
        features = np.column_stack([np.sign(X[:, 0]), rng.normal(size=len(X))])
        return clf.fit(X, y, pretrain_X=X, pretrain_features=features)
    return clf.fit(X, y)


def main():
    torch.set_num_threads(1)
    X, y = quadrant_data()
    grid = np.column_stack([np.linspace(-179, 179, 50), np.linspace(-80, 80, 50)])
    reference = {}
    for name, (params, options) in CASES.items():
        clf = fit_case(params, options, X, y)
        reference[name] = clf.decision_function(grid)
        reference[f"{name}__n_epochs"] = np.asarray(clf.n_epochs_)
    np.savez(HERE / "reference_predictions.npz", grid=grid, **reference)

    clf = SphereLocationClassifier(
        "sphereM+", hidden_units=8, max_epochs=2, batch_size=32, random_state=0
    ).fit(X, y)
    folder = HERE / "classifier_format2"
    clf.save(folder)
    np.savez(
        folder / "expected.npz",
        X=grid,
        proba=clf.predict_proba(grid),
        logits=clf.decision_function(grid),
        embedding=clf.transform(grid),
        predict=clf.predict(grid),
    )


def compare():
    torch.set_num_threads(1)
    warnings.simplefilter("ignore", FutureWarning)
    reference = np.load(HERE / "reference_predictions.npz")
    X, y = quadrant_data()
    for name, (params, options) in CASES.items():
        clf = fit_case(params, options, X, y)
        diff = np.abs(clf.decision_function(reference["grid"]) - reference[name])
        print(f"{name:24s} max |difference| = {diff.max():.3g}")
    model = SphereLocationClassifier.load(HERE / "classifier_format2")
    expected = np.load(HERE / "classifier_format2" / "expected.npz")
    diff = np.abs(model.predict_proba(expected["X"]) - expected["proba"]).max()
    print(f"{'classifier_format2':24s} max |difference| = {diff:.3g}")


if __name__ == "__main__":
    compare() if "--compare" in sys.argv else main()
