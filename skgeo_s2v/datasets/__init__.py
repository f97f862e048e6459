"""Synthetic data sets with known generating densities."""

from ._vmf import (
    VMF_BENCHMARKS,
    bayes_optimal_accuracy,
    bayes_optimal_proba,
    load_vmf_benchmark,
    make_vmf_mixture,
    vmf_log_density,
)

__all__ = [
    "VMF_BENCHMARKS",
    "bayes_optimal_accuracy",
    "bayes_optimal_proba",
    "load_vmf_benchmark",
    "make_vmf_mixture",
    "vmf_log_density",
]
