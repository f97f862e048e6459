"""``skgeo-s2v encode``: encode random points with one encoder and report."""

import argparse
import time

import numpy as np
from scipy import sparse

from skgeo_s2v import make_encoder
from skgeo_s2v._sampling import lonlat_from_uniform

__all__ = ["CITIES", "run_encode"]

# (lon, lat) in degrees: a European capital, a city on the equator, and a
# research station close to the South Pole.
CITIES = {
    "Paris": (2.3522, 48.8566),
    "Quito": (-78.4678, -0.1807),
    "McMurdo": (166.6683, -77.8419),
}


def run_encode(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Encode the points and print the report; return the exit status."""
    if args.n_points < 1:
        parser.error(f"--n-points must be at least 1, got {args.n_points}.")
    dtype = np.dtype(args.dtype)
    rng = np.random.default_rng(args.seed)
    # Uniform by area: lon ~ U[-180, 180), lat = degrees(arcsin(U[-1, 1])).
    points = lonlat_from_uniform(rng.random(args.n_points), rng.random(args.n_points))
    points = points.astype(dtype)
    cities = np.array(list(CITIES.values()), dtype=dtype)

    try:
        encoder = make_encoder(args.encoder)
    except ValueError as error:
        parser.error(str(error))
    accepted = encoder.get_params()
    params = {"random_state": args.seed} if "random_state" in accepted else {}
    for option, param, value in [
        ("--n-scales", "n_scales", args.n_scales),
        ("--min-radius", "min_radius", args.min_radius),
    ]:
        if value is None:
            continue
        if param not in accepted:
            parser.error(
                f"{option} does not apply to encoder {args.encoder!r}, "
                f"which has no {param} parameter; leave it out."
            )
        params[param] = value
    encoder.set_params(**params)
    try:
        encoder.fit(points)
    except ValueError as error:
        parser.error(f"encoder {args.encoder!r}: {error}")

    # Best of three runs: the first one also pays for warming up.
    seconds = np.inf
    for _ in range(3):
        start = time.perf_counter()
        codes = encoder.transform(points)
        seconds = min(seconds, time.perf_counter() - start)
    city_codes = encoder.transform(cities)
    if sparse.issparse(city_codes):
        city_codes = city_codes.toarray()
    names = encoder.get_feature_names_out()

    print(f"Encoded {args.n_points:,} random points on the sphere.\n")
    report = {
        "encoder": f"{args.encoder} ({type(encoder).__name__})",
        "output width": str(codes.shape[1]),
        "dtype": str(codes.dtype),
        "points/s": f"{args.n_points / max(seconds, 1e-9):,.0f}",
    }
    width = max(map(len, report))
    for key, value in report.items():
        print(f"{key:<{width}}  {value}")

    n_shown = min(4, len(names))
    print(f"\nFirst {n_shown} features of {len(CITIES)} cities:\n")
    name_width = max(len("feature"), *(len(name) for name in names[:n_shown]))
    print(f"{'feature':<{name_width}}" + "".join(f"  {c:>9}" for c in CITIES))
    for j in range(n_shown):
        values = "".join(f"  {value:>9.4f}" for value in city_codes[:, j])
        print(f"{names[j]:<{name_width}}{values}")
    return 0
