"""``skgeo-s2v demo``: train location classifiers, compare them, draw maps."""

import argparse
import time

import numpy as np

from skgeo_s2v import ENCODER_NAMES, make_encoder

from ._output import output_folder, say
from ._parser import DEFAULT_ENCODERS

__all__ = ["run_demo"]

# Scales of the demo's encoders: 16 scales down to a finest period of about
# 3.6° (2π · 0.01 rad for the sphere encoders, 2π · 0.5° for grid and theory),
# the size of the demo's classes. Other encoders keep their defaults.
_SPHERE_SCALES = {"n_scales": 16, "min_radius": 1e-2}
_PLANE_SCALES = {"n_scales": 16, "min_radius": 0.5}
DEMO_ENCODER_PARAMS = {
    **{name: _SPHERE_SCALES for name in ENCODER_NAMES if name.startswith("sphere")},
    "sphereDFS": {"n_scales": 8, "min_radius": 1e-2},
    "grid": _PLANE_SCALES,
    "theory": _PLANE_SCALES,
}

# The classifier of the demo: small enough to train in seconds on a laptop CPU.
DEMO_CLASSIFIER_PARAMS = {"hidden_units": 256, "lr": 1e-2, "batch_size": 1024}


def _load_demo_data(dataset, seed, parser):
    """``(X, y, description, params)``; params are the vMF truth, or None."""
    from skgeo_s2v.datasets import make_vmf_mixture

    if dataset == "vmf":
        X, y, params = make_vmf_mixture(
            n_classes=50, n_samples_per_class=100, random_state=seed, return_params=True
        )
        return X, y, "vMF mixture: 50 synthetic classes of 100 points", params
    from skgeo_s2v.datasets import load_geonames_cities

    try:
        X, y = load_geonames_cities(
            label="country", min_population=100_000, min_samples_per_class=20
        )
    except ImportError as error:
        parser.error(f"--dataset geonames: {error}")
    description = (
        f"GeoNames: {X.shape[0]:,} cities of over 100,000 people in "
        f"{np.unique(y).shape[0]} countries (data: geonames.org, CC BY 4.0)"
    )
    return X, y, description, None


def _map_label(label, classes, y_train, parser):
    if label is None:
        values, counts = np.unique(y_train, return_counts=True)
        return values[np.argmax(counts)]
    for candidate in classes:
        if str(candidate) == label:
            return candidate
    shown = ", ".join(str(c) for c in classes[:8])
    parser.error(f"--label {label!r} is not a class of the data; e.g. {shown}, ...")


def run_demo(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Train, compare, draw; return the exit status."""
    encoders = list(dict.fromkeys(sum(args.encoder or [list(DEFAULT_ENCODERS)], [])))
    try:
        import matplotlib
    except ImportError:
        parser.error(
            "the demo draws maps with matplotlib: pip install 'skgeo_s2v[plots]'"
        )
    matplotlib.use("Agg")  # files only, never a window
    from sklearn.model_selection import train_test_split

    from skgeo_s2v import SphereLocationClassifier
    from skgeo_s2v.datasets import bayes_optimal_accuracy
    from skgeo_s2v.metrics import mean_reciprocal_rank, top_k_accuracy
    from skgeo_s2v.plotting import (
        plot_class_map,
        plot_embedding_clusters,
        plot_score_by_latitude,
    )

    start = time.perf_counter()
    X, y, description, truth = _load_demo_data(args.dataset, args.seed, parser)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, stratify=y, random_state=args.seed
    )
    say(f"Data: {description}.")
    say(f"      {X_train.shape[0]:,} training and {X_test.shape[0]:,} test points.")
    folder = output_folder(args.output)
    say(f"Output folder: {folder}\n")

    rows, scores, models = [], {}, {}
    for k, name in enumerate(encoders, 1):
        encoder = make_encoder(name, **DEMO_ENCODER_PARAMS.get(name, {}))
        model = SphereLocationClassifier(
            encoder,
            max_epochs=args.max_epochs,
            device=args.device,
            random_state=args.seed,
            verbose=int(args.verbose),
            **DEMO_CLASSIFIER_PARAMS,
        )
        epochs = (
            "epochs chosen on a validation split"
            if args.max_epochs == "auto"
            else f"for {args.max_epochs} epochs"
        )
        say(f"[{k}/{len(encoders)}] training {name} {epochs} ...")
        tic = time.perf_counter()
        try:
            model.fit(X_train, y_train)
        except (ValueError, RuntimeError) as error:
            parser.error(f"training {name} failed: {error}")
        seconds = time.perf_counter() - tic
        score = model.predict_proba(X_test)
        top1 = top_k_accuracy(y_test, score, k=1, labels=model.classes_)
        mrr = mean_reciprocal_rank(y_test, score, labels=model.classes_)
        say(f"      done in {seconds:.1f} s: top-1 {top1:.3f}, MRR {mrr:.3f}")
        rows.append((name, top1, mrr, seconds))
        scores[name] = score
        models[name] = model

    say("\nDrawing maps ...")
    label = _map_label(args.label, models[encoders[0]].classes_, y_train, parser)
    written = []

    def save(figure, filename):
        figure.savefig(folder / filename, dpi=110)
        matplotlib.pyplot.close(figure)
        written.append(filename)

    for name, model in models.items():
        result = plot_class_map(
            model,
            label,
            resolution_deg=args.resolution,
            X_train=X_train,
            y_train=y_train,
        )
        result.ax.set_title(f"{name}: presence of class {label}")
        save(result.figure, f"map_{name}_class_{label}.png")
        result = plot_embedding_clusters(
            model, n_clusters=12, resolution_deg=args.resolution, random_state=args.seed
        )
        result.ax.set_title(f"{name}: 12 clusters of the location embeddings")
        save(result.figure, f"clusters_{name}.png")
    result = plot_score_by_latitude(
        y_test, scores, X_test[:, 1], labels=models[encoders[0]].classes_
    )
    save(result.figure, "mrr_by_latitude.png")

    lines = ["encoder,top1,mrr,fit_seconds"]
    lines += [f"{n},{t:.4f},{m:.4f},{s:.2f}" for n, t, m, s in rows]
    (folder / "results.csv").write_text("\n".join(lines) + "\n")
    written.append("results.csv")

    width = max(len("encoder"), *(len(name) for name in encoders))
    say(f"\n{'encoder':<{width}}  {'top-1':>6}  {'MRR':>6}  {'fit time':>9}")
    for name, top1, mrr, seconds in rows:
        say(f"{name:<{width}}  {top1:>6.3f}  {mrr:>6.3f}  {seconds:>7.1f} s")
    if truth is not None:
        ceiling = bayes_optimal_accuracy(X_test, y_test, truth)
        say(f"Best possible top-1 (Bayes-optimal, true densities): {ceiling:.3f}")
    say(f"\nWrote to {folder}:")
    for filename in written:
        say(f"  {filename}")
    say(f"Total time: {time.perf_counter() - start:.1f} s")
    return 0
