"""The log density of Gaussian kernels on the sphere: exact against tree-pruned.

``KernelDensityClassifier`` and ``sampling_effort`` sum the kernels of the
records near each site themselves (``skgeo_s2v/sdm/_kernel_sum.py``), as
scikit-learn's ``KernelDensity(metric="haversine")`` overstates the log
density of sites many bandwidths from every record (scikit-learn issue
#25799). This script scores sites spread over the globe under kernels on
records crowded in a box, and prints, for each bandwidth, the largest error
of either against a brute-force log-sum-exp over every record (great-circle
angles by ``atan2``), and the time of each as a ratio to scikit-learn's
(both measured here, in one run).

Usage::

    OMP_NUM_THREADS=1 python benchmarks/bench_kernel_density.py
    OMP_NUM_THREADS=1 python benchmarks/bench_kernel_density.py --records 20000
"""

import argparse
import time

import numpy as np
from scipy.special import logsumexp
from sklearn.neighbors import KernelDensity

from skgeo_s2v._geometry import (
    great_circle_angle,
    haversine_radians,
    unit_vectors_from_degrees,
)
from skgeo_s2v.sdm._kernel_sum import GaussianKernelSum


def brute_force(records, weight, sites, bandwidth):
    """The log density by a log-sum-exp over every record."""
    angle = great_circle_angle(
        unit_vectors_from_degrees(*sites.T), unit_vectors_from_degrees(*records.T)
    )
    log_weight = np.log(weight / weight.sum())
    return logsumexp(log_weight - angle**2 / (2 * bandwidth**2), axis=1) - np.log(
        2 * np.pi * bandwidth**2
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=3000)
    parser.add_argument("--sites", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    # records in a box of 20 by 15 degrees; sites uniform in lon and lat
    records = np.column_stack(
        [rng.uniform(-120, -100, args.records), rng.uniform(30, 45, args.records)]
    )
    weight = rng.uniform(0.1, 3.0, args.records)
    sites = np.column_stack(
        [rng.uniform(-180, 180, args.sites), rng.uniform(-90, 90, args.sites)]
    )
    points, queries = haversine_radians(records), haversine_radians(sites)
    print(
        f"{args.records} weighted records in a box, {args.sites} sites over "
        "the globe; largest absolute error of the log density against the "
        "brute-force sum, and time as a ratio to scikit-learn's"
    )
    print("bandwidth (rad)  scikit-learn error  package error  time ratio")
    for bandwidth in (0.0003, 0.003, 0.03, 0.3):
        truth = brute_force(records, weight, sites, bandwidth)
        start = time.perf_counter()
        tree = KernelDensity(bandwidth=bandwidth, metric="haversine")
        pruned = tree.fit(points, sample_weight=weight).score_samples(queries)
        sklearn_time = time.perf_counter() - start
        start = time.perf_counter()
        kernels = GaussianKernelSum(points, weight)
        exact = kernels.log_density(queries, [bandwidth])[:, 0]
        package_time = time.perf_counter() - start
        print(
            f"{bandwidth:<16g} {np.abs(pruned - truth).max():<19.3g} "
            f"{np.abs(exact - truth).max():<14.3g} {package_time / sklearn_time:.2f}"
        )


if __name__ == "__main__":
    main()
