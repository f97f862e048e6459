"""Throughput and peak memory of every position encoder.

Times ``transform`` on random points uniform on the sphere, in float32 and
float64, with S = 32 for the multi-scale encoders, against a straightforward
float64 numpy implementation of the same formula (one scale at a time, as in
the research code). The straightforward versions are also checked to give the
same numbers as the package, so the comparison is of equal work.

Run::

    python benchmarks/bench_encoders.py              # 1,000,000 points
    python benchmarks/bench_encoders.py --n-points 100000 --repeats 1

Prints a Markdown table: points per second (best of ``--repeats``), the speed-up
of float32 over the straightforward float64 version, and the peak memory
traced during ``transform`` as a multiple of the output's size.
"""

import argparse
import os
import platform
import time
import tracemalloc
from functools import partial

import numpy as np

import skgeo_s2v


def straightforward_sphere(name, X, n_scales=32, min_radius=1e-2, max_radius=1.0):
    """The Sphere2Vec formulas written plainly, one scale at a time, in float64."""
    lon, lat = np.radians(X[:, 0]), np.radians(X[:, 1])
    g = max_radius / min_radius
    columns = []
    for s in range(n_scales):
        f = 1.0 / (min_radius * g ** (s / (n_scales - 1)))
        lat_s, lon_s = lat * f, lon * f
        if name == "sphereC":
            columns += [
                np.sin(lat_s),
                np.cos(lat_s) * np.cos(lon_s),
                np.cos(lat_s) * np.sin(lon_s),
            ]
        elif name == "sphereC+":
            columns += [
                np.sin(lat_s),
                np.cos(lat_s) * np.cos(lon_s),
                np.cos(lat_s) * np.sin(lon_s),
                np.cos(lat_s),
                np.sin(lon_s),
                np.cos(lon_s),
            ]
        elif name in ("sphereM", "sphereM+"):
            columns += [
                np.sin(lat_s),
                np.cos(lat_s) * np.cos(lon),
                np.cos(lat) * np.cos(lon_s),
                np.cos(lat_s) * np.sin(lon),
                np.cos(lat) * np.sin(lon_s),
            ]
            if name == "sphereM+":
                columns += [np.cos(lat_s), np.sin(lon_s), np.cos(lon_s)]
    if name == "sphereDFS":
        return None  # built below: its products need every pair of scales
    return np.column_stack(columns)


def straightforward_dfs(X, n_scales=8, min_radius=1e-2, max_radius=1.0):
    lon, lat = np.radians(X[:, 0]), np.radians(X[:, 1])
    g = max_radius / min_radius
    f = [1.0 / (min_radius * g ** (s / (n_scales - 1))) for s in range(n_scales)]
    singles, products = [], []
    for fs in f:
        singles += [
            np.sin(lat * fs),
            np.cos(lat * fs),
            np.sin(lon * fs),
            np.cos(lon * fs),
        ]
    for fn in f:
        for fm in f:
            for a in (np.sin, np.cos):
                for b in (np.sin, np.cos):
                    products.append(a(lat * fn) * b(lon * fm))
    return np.column_stack(singles + products)


def straightforward_space2vec(name, X, n_scales=32, min_radius=0.5, max_radius=360.0):
    lon, lat = X[:, 0], X[:, 1]
    g = max_radius / min_radius
    columns = []
    for s in range(n_scales):
        f = 1.0 / (min_radius * g ** (s / (n_scales - 1)))
        if name == "grid":
            columns += [
                np.sin(lat * f),
                np.cos(lat * f),
                np.sin(lon * f),
                np.cos(lon * f),
            ]
        else:
            for a1, a2 in ((1.0, 0.0), (-0.5, 3**0.5 / 2), (-0.5, -(3**0.5) / 2)):
                p = (lon * a1 + lat * a2) * f
                columns += [np.sin(p), np.cos(p)]
    return np.column_stack(columns)


STRAIGHTFORWARD = {
    "sphereC": lambda X: straightforward_sphere("sphereC", X),
    "sphereC+": lambda X: straightforward_sphere("sphereC+", X),
    "sphereM": lambda X: straightforward_sphere("sphereM", X),
    "sphereM+": lambda X: straightforward_sphere("sphereM+", X),
    "sphereDFS": straightforward_dfs,
    "grid": lambda X: straightforward_space2vec("grid", X),
    "theory": lambda X: straightforward_space2vec("theory", X),
}


def uniform_points(n, seed=0):
    rng = np.random.default_rng(seed)
    lon = rng.uniform(-180.0, 180.0, n)
    lat = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, n)))
    return np.column_stack([lon, lat])


def best_time(fn, repeats):
    best, result = np.inf, None
    for _ in range(repeats):
        result = None  # free the previous output before the next run
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def peak_memory_ratio(fn):
    """Peak memory traced during ``fn()`` divided by the size of its output."""
    tracemalloc.start()
    out = fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    size = (
        out.data.nbytes + out.indices.nbytes if hasattr(out, "indices") else out.nbytes
    )
    return peak / size


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-points", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--encoders", nargs="*", default=list(skgeo_s2v.ENCODER_NAMES))
    args = parser.parse_args(argv)

    X64 = uniform_points(args.n_points)
    X32 = X64.astype(np.float32)
    print(
        f"{args.n_points:,} points; {os.cpu_count()} CPUs; numpy {np.__version__}; "
        f"{platform.processor() or platform.machine()}; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    print(
        "| encoder | width | float32 pts/s | float64 pts/s | straightforward "
        "float64 pts/s | float32 speed-up | peak memory / output |"
    )
    print("|---|---|---|---|---|---|---|")
    for name in args.encoders:
        params = {"random_state": 0} if name in ("rbf", "rff") else {}
        encoder = skgeo_s2v.make_encoder(name, **params).fit(X64[:10_000])
        t32, out32 = best_time(partial(encoder.transform, X32), args.repeats)
        width = out32.shape[1]
        del out32
        t64, out64 = best_time(partial(encoder.transform, X64), args.repeats)
        ratio = peak_memory_ratio(partial(encoder.transform, X32))
        plain_cell, speedup_cell = "—", "—"
        if name in STRAIGHTFORWARD:
            t_plain, plain = best_time(partial(STRAIGHTFORWARD[name], X64), 1)
            np.testing.assert_allclose(out64, plain, atol=1e-9, err_msg=name)
            del plain
            plain_cell = f"{args.n_points / t_plain:,.0f}"
            speedup_cell = f"{t_plain / t32:.1f}×"
        del out64
        print(
            f"| {name} | {width} | {args.n_points / t32:,.0f} | "
            f"{args.n_points / t64:,.0f} | {plain_cell} | {speedup_cell} | "
            f"{ratio:.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
