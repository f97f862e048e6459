"""
==================================================
An encoder's features on the globe
==================================================

:func:`~skgeo_s2v.plotting.plot_encoding` draws columns of a position
encoder over the whole globe. It is a way to see what the features are, and to
check two places where encoders of ``(lon, lat)`` can break: the antimeridian
(longitude 180 meets -180) and the poles (where longitude stops meaning
anything).
"""

# %%
# Features of sphereM+, centred on the antimeridian
# -------------------------------------------------
# With ``central_longitude=180`` the antimeridian runs down the middle of each
# panel (dotted). Features whose longitude frequency is not a whole number
# jump there: compare the left and right sides of the dotted line in
# ``cos(lat)*sin(lon*f2)``.
import matplotlib.pyplot as plt

from skgeo_s2v import GridEncoder, SphereMPlusEncoder
from skgeo_s2v.plotting import plot_encoding

encoder = SphereMPlusEncoder(n_scales=6, min_radius=0.05)
result = plot_encoding(
    encoder,
    ["sin(lat*f5)", "cos(lat)*cos(lon*f5)", "cos(lat)*sin(lon*f2)", "sin(lon*f2)"],
    central_longitude=180,
)

# %%
# The seam disappears with ``periodic_lon=True``
# ----------------------------------------------
# Rounding each longitude frequency to a whole number makes every feature
# repeat exactly every 360°.
periodic = SphereMPlusEncoder(n_scales=6, min_radius=0.05, periodic_lon=True)
result = plot_encoding(
    periodic, ["cos(lat)*sin(lon*f2)", "sin(lon*f2)"], central_longitude=180
)

# %%
# The poles
# ---------
# A sphere feature such as ``cos(lat)*cos(lon*f5)`` fades to 0 at the poles,
# where all longitudes meet. The grid encoder's ``cos(lon*f…)`` features do
# not: at the top and bottom edges they still vary with longitude, although
# those cells are all the same point.
grid = GridEncoder(n_scales=3, min_radius=10)
result = plot_encoding(grid, ["cos(lon*f0)", "cos(lon*f1)"], resolution_deg=3.0)

plt.show()
