"""Training throughput of SphereLocationClassifier against a bare torch loop.

Settings (a) the synthetic benchmark: 5,000 points, 50 classes, S = 32,
k = 512; (b) an iNat2018-sized problem: 8,142 classes, k = 1,024, S = 32,
100,000 random points (``--b-batches`` shortens it to that many batches).
Both loops do the same arithmetic: sphereM+ encoding of the batch plus one
uniform background point per example, one hidden layer, the class head, the
presence-absence loss and an Adam step. FLOPs count the matrix products only
(forward 2·rows·(D·k + k·C), backward twice that) and are compared with the
measured float32 matrix-multiply rate of the machine.

    python benchmarks/bench_training.py --epochs 10 --b-batches 20 --repeats 3
    python benchmarks/bench_training.py --device cuda                # on a GPU
    python benchmarks/bench_training.py --device cuda --mixed-precision bf16
    python benchmarks/bench_training.py --device cuda --b-epochs 5 --per-batch-losses

``--b-epochs`` trains (b) for more epochs, so that ``fit``'s fixed costs
(input checks, building the net, copying the data to the device), which the
bare loop does not time, weigh less. ``--per-batch-losses`` also times the
classifier with skorch's own epoch loop, which reads each batch's loss back
from the device (``loss.item()``), where the package's loop reads them once
per epoch on CUDA.

With ``--mixed-precision bf16`` both loops run the network under bfloat16
autocast (the encoding in float32) and the matrix-multiply rate is measured
in bfloat16.
"""

import argparse
import time
from unittest import mock

import numpy as np
import torch

from skgeo_s2v import SphereLocationClassifier, make_encoder
from skgeo_s2v.nn import PresenceAbsenceLoss, build_location_module, sample_background
from skgeo_s2v.nn._training import _DeviceMixin


def _synchronize(device):
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)


def _autocast(device, precision):
    return torch.autocast(
        torch.device(device).type,
        dtype=torch.bfloat16,
        enabled=precision == "bf16",
    )


def matmul_gflops(rows, inner, cols, device="cpu", precision=None, repeats=5, calls=5):
    """Best matrix-multiply rate of ``(rows×inner)·(inner×cols)`` on ``device``.

    float32, or bfloat16 for ``precision="bf16"``. The output is preallocated
    and the best of ``repeats`` timings counts, so allocation and bursts of
    load from other processes do not lower it.
    """
    dtype = torch.bfloat16 if precision == "bf16" else torch.float32
    a = torch.randn(rows, inner, device=device, dtype=dtype)
    b = torch.randn(inner, cols, device=device, dtype=dtype)
    out = torch.empty(rows, cols, device=device, dtype=dtype)
    torch.mm(a, b, out=out)
    best = float("inf")
    for _ in range(repeats):
        _synchronize(device)
        start = time.perf_counter()
        for _ in range(calls):
            torch.mm(a, b, out=out)
        _synchronize(device)
        best = min(best, time.perf_counter() - start)
    return 2 * rows * inner * cols * calls / best / 1e9


def bare_loop(
    X, y, n_classes, hidden_units, epochs, device, precision, batch_size=1024
):
    module = build_location_module(
        encoder=make_encoder("sphereM+"),
        network="mlp",
        hidden_layers=1,
        hidden_units=hidden_units,
        dropout=0.5,
        activation="relu",
        n_classes=n_classes,
    ).to(device)
    optimizer = torch.optim.Adam(module.parameters(), lr=1e-3)
    criterion = PresenceAbsenceLoss(float(n_classes))
    generator = torch.Generator(device=device).manual_seed(0)
    shuffle = torch.Generator().manual_seed(0)
    X = torch.as_tensor(X, dtype=torch.float32, device=device)
    y = torch.as_tensor(y, device=device)
    module.train()
    _synchronize(device)
    start = time.perf_counter()
    for _ in range(epochs):
        order = torch.randperm(len(X), generator=shuffle).to(device)
        for i in range(0, len(X), batch_size):
            rows = order[i : i + batch_size]
            background = sample_background(
                len(rows), generator=generator, device=device
            )
            with _autocast(device, precision):
                logits = module(torch.cat([X[rows], background])).float()
            loss = criterion(logits[: len(rows)], y[rows], logits[len(rows) :])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    _synchronize(device)
    return epochs * len(X) / (time.perf_counter() - start)


def classifier_rate(X, y, hidden_units, epochs, device, precision, per_batch=False):
    if per_batch:  # skorch's epoch loop, one loss.item() per batch
        with mock.patch.object(
            _DeviceMixin, "_reads_losses_per_epoch", lambda _: False
        ):
            return classifier_rate(X, y, hidden_units, epochs, device, precision)
    clf = SphereLocationClassifier(
        hidden_units=hidden_units,
        max_epochs=epochs,
        device=device,
        mixed_precision=precision,
        random_state=0,
    )
    _synchronize(device)
    start = time.perf_counter()
    clf.fit(X, y)
    _synchronize(device)
    return epochs * len(X) / (time.perf_counter() - start)


def setting(
    name,
    n_points,
    n_classes,
    hidden_units,
    epochs,
    repeats,
    device,
    precision,
    per_batch=False,
):
    rng = np.random.default_rng(0)
    X = np.column_stack(
        [rng.uniform(-180, 180, n_points), rng.uniform(-90, 90, n_points)]
    )
    y = np.arange(n_points) % n_classes
    # A short warm-up of both (thread pools, allocator), then the best of
    # ``repeats`` alternating runs, so that neither loop pays a one-off cost or
    # a burst of load from other processes alone.
    options = {"device": device, "precision": precision}
    classifier_rate(X[:2048], y[:2048], hidden_units, 1, **options)
    bare_loop(X[:2048], y[:2048], n_classes, hidden_units, 1, **options)
    skorch_rate = bare_rate = per_batch_rate = 0.0
    for _ in range(repeats):
        skorch_rate = max(
            skorch_rate, classifier_rate(X, y, hidden_units, epochs, **options)
        )
        bare_rate = max(
            bare_rate, bare_loop(X, y, n_classes, hidden_units, epochs, **options)
        )
        if per_batch:
            per_batch_rate = max(
                per_batch_rate,
                classifier_rate(X, y, hidden_units, epochs, **options, per_batch=True),
            )
    width = make_encoder("sphereM+")._n_features_out
    flops_per_sample = 6 * 2 * (width * hidden_units + hidden_units * n_classes)
    peak = matmul_gflops(2048, hidden_units, n_classes, **options)
    achieved = skorch_rate * flops_per_sample / 1e9
    print(
        f"{name}: {n_points} pts, {n_classes} classes, k={hidden_units}, {epochs} "
        f"epoch(s)\n  classifier {skorch_rate:9.0f} samples/s   bare loop "
        f"{bare_rate:9.0f} samples/s   ratio bare/classifier "
        f"{bare_rate / skorch_rate:.2f}\n  matmul FLOPs {achieved:.1f} GFLOP/s "
        f"vs measured {precision or 'float32'} matmul {peak:.1f} GFLOP/s "
        f"({100 * achieved / peak:.0f} %)"
    )
    if per_batch:
        print(
            f"  classifier with skorch's per-batch loss.item() {per_batch_rate:9.0f} "
            f"samples/s   ratio to the classifier {skorch_rate / per_batch_rate:.2f}"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10, help="epochs of (a)")
    parser.add_argument(
        "--b-batches", type=int, default=None, help="shorten (b) to this many batches"
    )
    parser.add_argument("--skip-b", action="store_true")
    parser.add_argument(
        "--repeats", type=int, default=3, help="runs of each loop; the best counts"
    )
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--mixed-precision", choices=["bf16"], default=None)
    parser.add_argument("--b-epochs", type=int, default=1, help="epochs of (b)")
    parser.add_argument(
        "--per-batch-losses",
        action="store_true",
        help="also time the classifier with skorch's per-batch loss read-back",
    )
    args = parser.parse_args()
    if args.b_batches is not None and 1024 * args.b_batches < 8142:
        # Fewer points than classes would give the classifier fewer classes
        # (labels arange(n) % 8142) than the bare loop's head.
        parser.error("--b-batches must be at least 8 (8,192 points for 8,142 classes)")
    where = (
        torch.cuda.get_device_name(args.device)
        if torch.device(args.device).type == "cuda"
        else "CPU"
    )
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {where}")
    options = (args.device, args.mixed_precision, args.per_batch_losses)
    setting("(a)", 5000, 50, 512, args.epochs, args.repeats, *options)
    if not args.skip_b:
        n_points = 100_000 if args.b_batches is None else 1024 * args.b_batches
        setting("(b)", n_points, 8142, 1024, args.b_epochs, args.repeats, *options)


if __name__ == "__main__":
    main()
