"""
=====================================================================
What a distribution model learnt, and where its map extrapolates
=====================================================================

A species distribution model of records and covariates gives a map; three
questions follow it. How does the species respond to each covariate
(:func:`~skgeo_s2v.sdm.response_curve`)? What does each input, the location
among them, add to the model's skill on held-out sites
(:func:`~skgeo_s2v.sdm.grouped_permutation_importance`)? And where does the
map ask the model about covariate values it never saw, in a warmer climate
say (:func:`~skgeo_s2v.sdm.mess`)?

So that the example runs anywhere, the region, its two covariate rasters and
the species are made up: the species likes mild, wet places, and lives only
in the west of the region.
"""

# %%
# Covariate rasters, records and background sites
# ------------------------------------------------
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import xarray as xr

from skgeo_s2v.model_selection import SphericalClusterKFold
from skgeo_s2v.plotting import plot_grid_map
from skgeo_s2v.sdm import (
    SphereGAMClassifier,
    grouped_permutation_importance,
    mess,
    predict_grid,
    response_curve,
    thin_records,
)

rng = np.random.default_rng(0)
bbox = (-10.0, 40.0, 10.0, 52.0)
lon = np.arange(bbox[0] + 0.125, bbox[2], 0.25)
lat = np.arange(bbox[1] + 0.125, bbox[3], 0.25)
cell_lon, cell_lat = np.meshgrid(lon, lat)
rasters = xr.Dataset(
    {
        "temperature": (("lat", "lon"), 22 - 0.8 * (cell_lat - 40) + np.sin(cell_lon)),
        "rain": (("lat", "lon"), 600 + 40 * np.cos(cell_lon / 3) * (cell_lat - 38)),
    },
    coords={"lat": lat, "lon": lon},
)


def covariates_at(lonlat):
    """The covariates of the raster cells nearest to ``(lon, lat)`` rows."""
    cells = rasters.sel(
        lon=xr.DataArray(lonlat[:, 0]), lat=xr.DataArray(lonlat[:, 1]), method="nearest"
    )
    return pd.DataFrame(
        {
            "lon": lonlat[:, 0],
            "lat": lonlat[:, 1],
            "temperature": cells["temperature"].values,
            "rain": cells["rain"].values,
        }
    )


sites = covariates_at(rng.uniform(bbox[:2], bbox[2:], size=(20000, 2)))
niche = np.exp(
    -0.5 * ((sites["temperature"] - 15) / 2.5) ** 2
    - 0.5 * ((sites["rain"] - 900) / 250) ** 2
)
occupancy = niche * (sites["lon"] < 2)  # dispersal: it never reached the east
records = sites[rng.random(len(sites)) < 0.3 * occupancy].iloc[:300]
background = sites.iloc[:5000]  # uniform over the region
print(f"{len(records)} records, {len(background)} background sites")

# %%
# A model of presence against the background
# ------------------------------------------
# The GAM of presence against the background sites, on the location and
# the two covariates. The crowded records are thinned first, so that no two
# lie closer than 10 km (:func:`~skgeo_s2v.sdm.thin_records`).
records = records[thin_records(records, 10.0, random_state=0)]
X = pd.concat([records, background], ignore_index=True)
presence = np.arange(len(X)) < len(records)
model = SphereGAMClassifier().fit(X, presence)
grid = predict_grid(
    model, resolution_deg=0.25, bbox=bbox, covariates=rasters, method="predict_proba"
)
result = plot_grid_map(grid, label=True)
result.ax.set_title("Probability of presence against the background")

# %%
# Response curves
# ---------------
# Each covariate set to each value of a grid in turn at every background
# site, the other columns as they are, and the scores averaged: the
# partial dependence of the presence score. The temperature curve peaks
# near the niche's optimum (15 °C); the rain curve climbs towards the wet
# end of the region, where its optimum (900 mm) lies.
fig, axes = plt.subplots(1, 2, figsize=(9, 3.5), sharey=True)
for ax, column in zip(axes, ["temperature", "rain"]):
    curve = response_curve(model, background, column)
    ax.plot(curve.index, curve[True])
    ax.set_xlabel(column)
axes[0].set_ylabel("mean probability of presence")

# %%
# What each input adds, on held-out sites
# ---------------------------------------
# One spatial fold held out: the model refitted on the rest, then its AUC on
# the held-out fold with the location (``lon`` and ``lat`` together) or one
# covariate shuffled across the fold's sites. The location carries the
# western limit, which no covariate measures.
cv = SphericalClusterKFold(n_splits=4, n_clusters=20, stratify=True, random_state=0)
train, test = next(cv.split(X[["lon", "lat"]], presence))
held_out = SphereGAMClassifier().fit(X.iloc[train], presence[train])
importance = grouped_permutation_importance(
    held_out, X.iloc[test], presence[test], scoring="roc_auc", random_state=0
)
fig, ax = plt.subplots(figsize=(5, 2.5))
ax.barh(
    list(importance.groups),
    importance.importances_mean,
    xerr=importance.importances_std,
)
ax.set_xlabel("drop in held-out AUC when shuffled")

# %%
# Where a warmer climate lies outside the training range
# ------------------------------------------------------
# Three degrees warmer everywhere: the multivariate environmental
# similarity surface of those rasters against the training sites is
# negative wherever a covariate lies beyond their range, here the warm
# south, where a map of the future would extrapolate.
warmer = rasters.assign(temperature=rasters["temperature"] + 3)
similarity = mess(X, warmer)
result = plot_grid_map(similarity["mess"], cmap="RdBu", vmin=-50, vmax=50)
result.ax.set_title("MESS of a climate 3 °C warmer (negative: novel)")
print(
    "share of cells outside the training range:", float((similarity["mess"] < 0).mean())
)

plt.show()
