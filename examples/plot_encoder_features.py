"""
=====================================
What sphereM+ features look like
=====================================

A Sphere2Vec encoder turns a location ``(lon, lat)`` into sines and cosines of
the latitude and longitude at ``S`` scales, from one cycle around the globe
(the coarsest scale) down to features with a period of ``2π · min_radius``
radians (the finest). This example draws a few columns of
:class:`~skgeo_s2v.SphereMPlusEncoder` over the whole globe, then shows the
seam at the antimeridian and the ``periodic_lon`` option that removes it.
"""

# %%
# Encode a global lon/lat grid
# ----------------------------
# With ``n_scales=6`` and ``min_radius=0.05`` the frequencies ``f_s = 1 / r_s``
# run from 20 (scale ``f0``, the finest) down to 1 (scale ``f5``, one cycle
# around the globe). ``set_output(transform="pandas")`` names every column
# after its formula.
import matplotlib.pyplot as plt
import numpy as np

from skgeo_s2v import SphereMPlusEncoder

lon, lat = np.meshgrid(np.linspace(-180, 179, 360), np.linspace(-90, 90, 181))
grid = np.column_stack([lon.ravel(), lat.ravel()])

encoder = SphereMPlusEncoder(n_scales=6, min_radius=0.05)
encoder.set_output(transform="pandas")
codes = encoder.fit_transform(grid)
print(f"{codes.shape[1]} features, e.g. {list(codes.columns[:3])}")

# %%
# Plot four features
# ------------------
# ``sin(lat*f5)`` is the latitude itself, seen through a sine. The
# ``cos(lat)*…`` terms fade towards the poles, where longitude stops mattering,
# and finer scales cut the globe into narrower bands.
columns = [
    "sin(lat*f5)",
    "cos(lat)*cos(lon*f5)",
    "cos(lat*f3)*sin(lon)",
    "cos(lat)*sin(lon*f2)",
]
fig, axes = plt.subplots(
    2, 2, figsize=(10, 5), sharex=True, sharey=True, layout="constrained"
)
for ax, column in zip(axes.ravel(), columns):
    image = ax.imshow(
        codes[column].to_numpy().reshape(lat.shape),
        origin="lower",
        extent=(-180, 180, -90, 90),
        cmap="RdBu_r",
        vmin=-1,
        vmax=1,
    )
    ax.set_title(column)
for ax in axes[-1]:
    ax.set_xlabel("longitude (°)")
for ax in axes[:, 0]:
    ax.set_ylabel("latitude (°)")
fig.colorbar(image, ax=axes, shrink=0.8)

# %%
# The antimeridian seam and ``periodic_lon``
# ------------------------------------------
# The geometric frequencies are not whole numbers, so a feature such as
# ``sin(lon*f3)`` does not come back to its starting value after 360° of
# longitude: the code jumps between ``lon = 179.9`` and ``lon = -180``, two
# points a few kilometres apart. ``periodic_lon=True`` rounds each longitude
# frequency to a whole number, which removes the jump (at the price of
# duplicating coarse frequencies that round to the same integer).
crossing = np.linspace(150, 210, 601)  # eastwards across the antimeridian
equator = np.column_stack([crossing, np.zeros_like(crossing)])

fig, ax = plt.subplots(figsize=(8, 3), layout="constrained")
for periodic_lon in (False, True):
    seam_encoder = SphereMPlusEncoder(
        n_scales=6, min_radius=0.05, periodic_lon=periodic_lon
    ).set_output(transform="pandas")
    feature = seam_encoder.fit_transform(equator)["sin(lon*f3)"]
    ax.plot(crossing, feature, label=f"periodic_lon={periodic_lon}")
ax.axvline(180, color="grey", linestyle=":")
ax.set_xlabel("longitude east of Greenwich (°; 180 is the antimeridian)")
ax.set_ylabel("sin(lon*f3)")
ax.legend(loc="lower left")

plt.show()
