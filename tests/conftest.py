"""Shared fixtures: small samples of real (lon, lat) points."""

import numpy as np
import pytest

import skgeo_s2v


def uniform_sphere(n, seed=0):
    """``n`` points drawn uniformly on the sphere, as (lon, lat) degrees."""
    rng = np.random.default_rng(seed)
    lon = rng.uniform(-180.0, 180.0, n)
    lat = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, n)))
    return np.column_stack([lon, lat])


# One small, fast instance of every public encoder.
ENCODER_INSTANCES = [
    skgeo_s2v.SphereCEncoder(n_scales=4),
    skgeo_s2v.SphereCPlusEncoder(n_scales=4),
    skgeo_s2v.SphereMEncoder(n_scales=4),
    skgeo_s2v.SphereMPlusEncoder(n_scales=4),
    skgeo_s2v.SphereDFSEncoder(n_scales=3),
    skgeo_s2v.GridEncoder(n_scales=4),
    skgeo_s2v.TheoryEncoder(n_scales=4),
    skgeo_s2v.WrapEncoder(),
    skgeo_s2v.XYZEncoder(),
    skgeo_s2v.RBFEncoder(n_anchors=8, random_state=0),
    skgeo_s2v.RFFEncoder(n_components=8, random_state=0),
    skgeo_s2v.TileEncoder(resolution=30.0),
    skgeo_s2v.SphericalHarmonicsEncoder(max_degree=4),
]


def encoder_id(encoder):
    return type(encoder).__name__


@pytest.fixture
def lonlat():
    return uniform_sphere(50, seed=1)
