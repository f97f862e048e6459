"""The mathematics of the position encoders (SPEC §1-3, paper Appendix 9.3-9.5).

Expected values are derived by hand or from independent closed forms written
out in the tests (haversine, textbook spherical harmonics), never from the
package's own helpers.
"""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skgeo_s2v import (
    GridEncoder,
    SphereCEncoder,
    SphereCPlusEncoder,
    SphereDFSEncoder,
    SphereMEncoder,
    SphereMPlusEncoder,
    SphericalHarmonicsEncoder,
    TheoryEncoder,
    WrapEncoder,
    XYZEncoder,
    make_encoder,
)

from .conftest import uniform_sphere

SPHERE2VEC = [
    SphereCEncoder,
    SphereCPlusEncoder,
    SphereMEncoder,
    SphereMPlusEncoder,
    SphereDFSEncoder,
]


def haversine_angle(p, q):
    """Central angle by the haversine formula, independent of the package."""
    lon1, lat1, lon2, lat2 = (
        np.radians(a) for a in (p[:, 0], p[:, 1], q[:, 0], q[:, 1])
    )
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * np.arcsin(np.sqrt(np.clip(h, 0, 1)))


@pytest.mark.parametrize(
    ("encoder", "width"),
    [
        (SphereCEncoder(n_scales=5), 15),
        (SphereCPlusEncoder(n_scales=5), 30),
        (SphereMEncoder(n_scales=5), 25),
        (SphereMPlusEncoder(n_scales=5), 40),
        (SphereDFSEncoder(n_scales=5), 4 * 25 + 20),
        (GridEncoder(n_scales=5), 20),
        (TheoryEncoder(n_scales=5), 30),
        (SphereMPlusEncoder(), 256),
        (SphereDFSEncoder(), 288),
        (XYZEncoder(), 3),
        (WrapEncoder(), 4),
        (SphericalHarmonicsEncoder(max_degree=7), 49),
    ],
)
def test_output_width(encoder, width):
    codes = encoder.fit_transform(uniform_sphere(3))
    assert codes.shape == (3, width)
    assert len(encoder.get_feature_names_out()) == width
    assert len(set(encoder.get_feature_names_out())) == width


def test_theorem_2_inner_product_and_distance():
    # S = 1 and r_max = 1: sphereC is the unit vector, so
    # <G(x1), G(x2)> = cos Δδ and ‖G(x1) − G(x2)‖ = 2 sin(Δδ / 2).
    p, q = uniform_sphere(500, seed=2), uniform_sphere(500, seed=3)
    encoder = SphereCEncoder(n_scales=1, max_radius=1.0)
    gp, gq = encoder.transform(p), encoder.transform(q)
    angle = haversine_angle(p, q)
    assert_allclose(np.sum(gp * gq, axis=1), np.cos(angle), atol=1e-12)
    assert_allclose(np.linalg.norm(gp - gq, axis=1), 2 * np.sin(angle / 2), atol=1e-12)


def test_xyz_is_single_scale_sphere_c():
    X = uniform_sphere(100)
    assert_allclose(
        XYZEncoder().transform(X), SphereCEncoder(n_scales=1).transform(X), atol=1e-14
    )


def test_grid_identity_at_one_scale():
    # With f = π/180 per degree the scaled angles are radians, and
    # <G(x1), G(x2)> = cos(φ1 − φ2) + cos(λ1 − λ2).
    p, q = uniform_sphere(200, seed=4), uniform_sphere(200, seed=5)
    encoder = GridEncoder(n_scales=1, max_radius=180 / math.pi)
    inner = np.sum(encoder.transform(p) * encoder.transform(q), axis=1)
    lon1, lat1, lon2, lat2 = np.radians([p[:, 0], p[:, 1], q[:, 0], q[:, 1]])
    assert_allclose(inner, np.cos(lat1 - lat2) + np.cos(lon1 - lon2), atol=1e-12)


def test_grid_distorts_near_the_pole_where_sphere_c_does_not():
    # Two points 1 km apart across the pole are far apart for grid.
    near_pole = np.array([[0.0, 89.995], [180.0, 89.995]])
    grid = GridEncoder(n_scales=1, max_radius=180 / math.pi).transform(near_pole)
    sphere = SphereCEncoder(n_scales=1).transform(near_pole)
    assert np.linalg.norm(grid[0] - grid[1]) > 1.9
    assert np.linalg.norm(sphere[0] - sphere[1]) < 1e-3


@pytest.mark.parametrize("cls", SPHERE2VEC)
def test_injective_on_random_pairs(cls):
    # Theorem 1: distinct points get distinct codes, including pairs that are
    # close together, mirrored in latitude, or across the antimeridian.
    p = uniform_sphere(2000, seed=6)
    lat_clip = np.clip(p[:, 1], -89.0, 89.0)
    partners = [
        uniform_sphere(2000, seed=7),
        p + np.array([1e-3, 0.0]),
        np.column_stack([p[:, 0], -lat_clip]),
        np.column_stack([p[:, 0] + 180.0, lat_clip]),
    ]
    encoder = cls(n_scales=4, min_radius=0.05)
    for q in partners:
        q = np.column_stack([q[:, 0], np.clip(q[:, 1], -90, 90)])
        distinct = haversine_angle(p, q) > 1e-9
        gap = np.linalg.norm(encoder.transform(p) - encoder.transform(q), axis=1)
        assert np.all(gap[distinct] > 1e-9)


# Hand-derived values: S = 2, r_min = 0.5, r_max = 1, so f = [2, 1].
# (lon, lat) = (90, 0): λ = π/2, φ = 0; scale 0: λ_s = π, scale 1: λ_s = π/2.
# (0, 90): φ = π/2; scale 0: φ_s = π, scale 1: φ_s = π/2.
# (180, 0) wraps to λ = -π; scale 0: λ_s = -2π, scale 1: λ_s = -π.
SPHERE_M_PLUS_REFERENCE = {
    (90.0, 0.0): [0, 0, -1, 1, 0, 1, 0, -1, 0, 0, 0, 1, 1, 1, 1, 0],
    (0.0, 90.0): [0, -1, 0, 0, 0, -1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1],
    (180.0, 0.0): [0, -1, 1, 0, 0, 1, 0, 1, 0, -1, -1, 0, 0, 1, 0, -1],
}


@pytest.mark.parametrize("point", list(SPHERE_M_PLUS_REFERENCE))
def test_sphere_m_plus_reference_values(point):
    encoder = SphereMPlusEncoder(n_scales=2, min_radius=0.5, max_radius=1.0)
    codes = encoder.transform(np.array([point]))
    assert_allclose(codes[0], SPHERE_M_PLUS_REFERENCE[point], atol=1e-12)


def test_sphere_c_plus_and_dfs_reference_values():
    # (lon, lat) = (90, 0), single scale f = 1: φ = 0, λ = π/2.
    point = np.array([[90.0, 0.0]])
    c_plus = SphereCPlusEncoder(n_scales=1).transform(point)
    # sin φ, cos φ cos λ, cos φ sin λ, then grid's cos φ, sin λ, cos λ
    assert_allclose(c_plus[0], [0, 0, 1, 1, 1, 0], atol=1e-12)
    dfs = SphereDFSEncoder(n_scales=1).transform(point)
    # singles sin φ, cos φ, sin λ, cos λ; products sin φ sin λ, sin φ cos λ,
    # cos φ sin λ, cos φ cos λ.
    assert_allclose(dfs[0], [0, 1, 1, 0, 0, 0, 1, 0], atol=1e-12)


def test_sphere_m_reference_values():
    # (lon, lat) = (60, 30), single scale f = 1: sphereM reduces to
    # sin φ, cos φ cos λ, cos φ cos λ, cos φ sin λ, cos φ sin λ.
    encoder = SphereMEncoder(n_scales=1)
    codes = encoder.transform(np.array([[60.0, 30.0]]))
    c = math.sqrt(3) / 2
    assert_allclose(codes[0], [0.5, c * 0.5, c * 0.5, c * c, c * c], atol=1e-12)


def test_theory_reference_values():
    # f = 1 per degree (S = 1, r_max = 1): projections of (lon, lat) = (π/2, 0)
    # on a1, a2, a3 are π/2, −π/4, −π/4.
    codes = TheoryEncoder(n_scales=1, max_radius=1.0).transform([[math.pi / 2, 0.0]])
    h = math.sqrt(0.5)
    assert_allclose(codes[0], [1, 0, -h, h, -h, h], atol=1e-12)


def test_wrap_reference_values():
    codes = WrapEncoder().transform([[-90.0, -45.0], [180.0, 90.0]])
    assert_allclose(codes, [[-1, 0, -1, 0], [0, -1, 0, -1]], atol=1e-12)


def test_scales_run_from_min_to_max_radius():
    # Finest scale first: the first scale's latitude term oscillates fastest.
    encoder = SphereCEncoder(n_scales=3, min_radius=0.01, max_radius=1.0)
    lat = np.array([[0.0, math.degrees(0.005)]])
    # f = [100, 10, 1]: sin(φ f) = sin(0.5), sin(0.05), sin(0.005)
    assert_allclose(
        encoder.transform(lat)[0, ::3], np.sin([0.5, 0.05, 0.005]), atol=1e-12
    )


@pytest.mark.parametrize("cls", SPHERE2VEC)
def test_periodic_lon_closes_the_antimeridian_seam(cls):
    east = np.array([[180.0 - 1e-7, 35.0]])
    west = np.array([[-180.0, 35.0]])
    seamless = cls(n_scales=6, min_radius=0.01, periodic_lon=True)
    gap = np.abs(seamless.transform(east) - seamless.transform(west)).max()
    assert gap < 1e-4
    # The paper's geometric frequencies are not whole numbers: a jump.
    seam = cls(n_scales=6, min_radius=0.01)
    assert np.abs(seam.transform(east) - seam.transform(west)).max() > 0.1


def test_periodic_lon_rounds_only_longitude_frequencies():
    encoder = SphereCPlusEncoder(n_scales=4, min_radius=0.3, periodic_lon=True)
    X = np.array([[0.0, 20.0], [50.0, 20.0]])
    plain = SphereCPlusEncoder(n_scales=4, min_radius=0.3).transform(X)
    rounded = encoder.transform(X)
    # Latitude-only columns (sin φ_s, cos φ_s) are unchanged ...
    lat_columns = [i for i in range(24) if i % 6 in (0, 3)]
    assert_allclose(rounded[:, lat_columns], plain[:, lat_columns])
    # ... and sin λ_s uses whole-number frequencies: f ≈ [3.33, 2.23, 1.49, 1]
    # round to [3, 2, 1, 1].
    assert_allclose(rounded[1, 4::6], np.sin(np.radians(50.0) * np.array([3, 2, 1, 1])))


def real_harmonics_closed_form(lon, lat):
    """Y_l^m for l ≤ 2 from the textbook closed forms (x, y, z on the sphere)."""
    lam, phi = np.radians(lon), np.radians(lat)
    x, y, z = np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)
    pi = math.pi
    return np.column_stack(
        [
            np.full_like(x, 0.5 * math.sqrt(1 / pi)),
            math.sqrt(3 / (4 * pi)) * y,
            math.sqrt(3 / (4 * pi)) * z,
            math.sqrt(3 / (4 * pi)) * x,
            0.5 * math.sqrt(15 / pi) * x * y,
            0.5 * math.sqrt(15 / pi) * y * z,
            0.25 * math.sqrt(5 / pi) * (3 * z**2 - 1),
            0.5 * math.sqrt(15 / pi) * x * z,
            0.25 * math.sqrt(15 / pi) * (x**2 - y**2),
        ]
    )


def test_spherical_harmonics_match_closed_forms():
    X = uniform_sphere(200, seed=8)
    codes = SphericalHarmonicsEncoder(max_degree=3).transform(X)
    assert_allclose(codes, real_harmonics_closed_form(X[:, 0], X[:, 1]), atol=1e-12)


@pytest.mark.parametrize("max_degree", [5, 30, 64])
def test_spherical_harmonics_orthonormal_by_quadrature(max_degree):
    # Gauss-Legendre in sin(lat) and uniform longitudes integrate products of
    # harmonics of degree < L exactly with L × 2L nodes.
    nodes, weights = np.polynomial.legendre.leggauss(max_degree)
    lon = np.arange(2 * max_degree) * (360.0 / (2 * max_degree)) - 180.0
    lat = np.degrees(np.arcsin(nodes))
    grid_lon, grid_lat = np.meshgrid(lon, lat)
    X = np.column_stack([grid_lon.ravel(), grid_lat.ravel()])
    area = np.repeat(weights, lon.size) * (2 * math.pi / lon.size)
    codes = SphericalHarmonicsEncoder(max_degree=max_degree).transform(X)
    assert np.isfinite(codes).all()
    # Every column for small L; for large L, all columns of the lowest and the
    # highest degrees (where recurrences break down) plus a random sample.
    if max_degree**2 > 1024:
        degree_of = np.floor(np.sqrt(np.arange(max_degree**2))).astype(int)
        extremes = np.flatnonzero(
            np.isin(degree_of, [0, 1, max_degree - 2, max_degree - 1])
        )
        sample = np.random.default_rng(0).choice(max_degree**2, 300, replace=False)
        codes = codes[:, np.union1d(extremes, sample)]
    gram = codes.T @ (codes * area[:, None])
    assert_allclose(gram, np.eye(codes.shape[1]), atol=1e-6)


def test_spherical_harmonics_finite_at_poles_high_degree():
    poles = np.array([[0.0, 90.0], [123.0, -90.0], [0.0, 89.9999999]])
    codes = SphericalHarmonicsEncoder(max_degree=80).transform(poles)
    assert np.isfinite(codes).all()
    # At the north pole only m = 0 terms survive: Y_l^0 = sqrt((2l+1)/4π).
    degrees = np.arange(80)
    assert_allclose(
        codes[0, degrees**2 + degrees], np.sqrt((2 * degrees + 1) / (4 * math.pi))
    )


def test_float32_codes_match_float64():
    X = uniform_sphere(300)
    for name in ("sphereM+", "sphereDFS", "grid", "spherical_harmonics"):
        encoder = make_encoder(name)
        assert_allclose(
            encoder.transform(X.astype(np.float32)),
            encoder.transform(X),
            atol=2e-3,
            err_msg=name,
        )
