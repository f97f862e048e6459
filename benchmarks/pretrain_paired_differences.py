"""Top-1 of ``bench_pretrain.py --csv`` runs, paired by seed with one run's ``sup``.

``bench_pretrain.py`` prints each pretraining loss's paired difference to
``sup`` trained in the same run, with the same settings. To compare runs
with different settings (``--max-epochs 100`` against ``"auto"``, say) with
one baseline, give each run its own ``--csv`` file; this script reads them
and prints, for every (task, Γ, method) of each file, the mean ± sample
standard deviation of the top-1 accuracy over seeds and, in brackets, that
of its difference to the ``sup`` rows of the first file (same task, seed
and Γ).

Usage::

    python benchmarks/pretrain_paired_differences.py auto.csv epochs100.csv ...
"""

import argparse
import csv

import numpy as np
from bench_pretrain import CSV_COLUMNS, mean_std


def read_top1(path):
    """``{(task, gamma, method): {seed: top-1}}`` of one CSV file."""
    runs = {}
    with open(path, newline="") as file:
        for record in csv.DictReader(file, fieldnames=CSV_COLUMNS):
            key = (record["task"], float(record["gamma"]), record["method"])
            runs.setdefault(key, {})[int(record["seed"])] = float(record["top1"])
    return runs


def paired_rows(baseline, run):
    """``(task, gamma, method, mean, std, mean difference, std difference)``
    of each method of ``run`` against the ``sup`` rows of ``baseline``."""
    rows = []
    for (task, gamma, method), by_seed in run.items():
        reference = baseline.get((task, gamma, "sup"))
        if reference is None:
            raise SystemExit(
                f"The first file has no sup rows of task {task!r} at Γ={gamma:g}; "
                "put a run with --methods sup first."
            )
        seeds = sorted(by_seed)
        missing = [seed for seed in seeds if seed not in reference]
        if missing:
            raise SystemExit(
                f"The first file's sup rows lack the seeds {missing} of {method} "
                f"({task}, Γ={gamma:g})."
            )
        top1 = [by_seed[seed] for seed in seeds]
        differences = [by_seed[seed] - reference[seed] for seed in seeds]
        rows.append(
            (
                task,
                gamma,
                method,
                *mean_std(np.array(top1)),
                *mean_std(np.array(differences)),
            )
        )
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", help="CSV files; the first is the baseline")
    args = parser.parse_args(argv)
    baseline = read_top1(args.files[0])
    for path in args.files:
        print(path)
        for task, gamma, method, mean, std, diff, diff_std in paired_rows(
            baseline, read_top1(path)
        ):
            print(
                f"  {task} Γ={gamma:g} {method:>4}: top-1 {mean:.2f} ± {std:.2f} "
                f"({diff:+.2f} ± {diff_std:.2f})"
            )


if __name__ == "__main__":
    main()
