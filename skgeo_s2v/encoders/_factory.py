"""Build an encoder from the name the paper gives it."""

from ._harmonics import SphericalHarmonicsEncoder
from ._kernel import RBFEncoder, RFFEncoder
from ._simple import TileEncoder, WrapEncoder, XYZEncoder
from ._space2vec import GridEncoder, TheoryEncoder
from ._sphere import (
    SphereCEncoder,
    SphereCPlusEncoder,
    SphereDFSEncoder,
    SphereMEncoder,
    SphereMPlusEncoder,
)

__all__ = ["ENCODER_NAMES", "make_encoder"]

_ENCODERS = {
    "xyz": XYZEncoder,
    "wrap": WrapEncoder,
    "grid": GridEncoder,
    "theory": TheoryEncoder,
    "sphereC": SphereCEncoder,
    "sphereC+": SphereCPlusEncoder,
    "sphereM": SphereMEncoder,
    "sphereM+": SphereMPlusEncoder,
    "sphereDFS": SphereDFSEncoder,
    "rbf": RBFEncoder,
    "rff": RFFEncoder,
    "tile": TileEncoder,
    "spherical_harmonics": SphericalHarmonicsEncoder,
}

#: The paper's encoder names accepted by :func:`make_encoder`, in table order.
ENCODER_NAMES = tuple(_ENCODERS)


def _normalise(name):
    """Lookup key that ignores case, separators and ``+`` vs ``plus``."""
    key = name.strip().lower().replace("+", "plus")
    return "".join(ch for ch in key if ch.isalnum())


_BY_KEY = {_normalise(name): cls for name, cls in _ENCODERS.items()}
_BY_KEY["sh"] = SphericalHarmonicsEncoder
_BY_KEY["sphericalharmonic"] = SphericalHarmonicsEncoder


def make_encoder(name, **params):
    """Build a position encoder from its name in the paper.

    Parameters
    ----------
    name : str
        One of ``"xyz"``, ``"wrap"``, ``"grid"``, ``"theory"``, ``"sphereC"``,
        ``"sphereC+"``, ``"sphereM"``, ``"sphereM+"``, ``"sphereDFS"``,
        ``"rbf"``, ``"rff"``, ``"tile"``, ``"spherical_harmonics"``. Case,
        ``_``/``-`` separators and spelling ``+`` as ``plus`` do not matter
        (``"sphere_m_plus"`` works); ``"sh"`` is short for spherical harmonics.
    **params
        Parameters of the encoder, e.g. ``n_scales=16, min_radius=1e-2``.

    Returns
    -------
    encoder : BasePositionEncoder
        An unfitted encoder.

    Raises
    ------
    ValueError
        If the name is unknown; the message lists the valid names.
    TypeError
        If a parameter does not belong to that encoder.

    Examples
    --------
    >>> from skgeo_s2v import make_encoder
    >>> make_encoder("sphereM+", n_scales=16)
    SphereMPlusEncoder(n_scales=16)
    >>> make_encoder("Sphere-C-plus")
    SphereCPlusEncoder()
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {type(name).__name__}.")
    cls = _BY_KEY.get(_normalise(name))
    if cls is None:
        raise ValueError(
            f"Unknown encoder name {name!r}. Valid names are: "
            + ", ".join(repr(n) for n in ENCODER_NAMES)
            + "."
        )
    return cls(**params)
