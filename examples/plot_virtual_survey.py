"""
=====================================================================
Many species of one region: fit on records, judge on a survey
=====================================================================

Species distribution data come as presence-only records of many species
(museum specimens, citizen science), the region's background sites with
their covariates, and, to judge a model by, a presence-absence survey.
:func:`~skgeo_s2v.datasets.make_virtual_survey` makes such data up for the
land of south-east Australia, with species whose true probability of
occupancy is known everywhere, so that a model's map can be held against
the truth. The records follow the observers (near roads and towns), as
real records do; the background sites are uniform over the region's land.

The model is :func:`~skgeo_s2v.sdm.make_sdm_ensemble`, the documented
recipe for many species with covariates (:doc:`/sdm`, "Which model,
when"); each species gets a threshold, a binary range map with
coastlines, and the survey's ROC AUC against the ceiling that the true
occupancy sets.
"""

# %%
# Records, background sites and a survey
# --------------------------------------
import os
import tempfile

import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import spearmanr

from skgeo_s2v.datasets import make_virtual_survey
from skgeo_s2v.plotting import plot_grid_map
from skgeo_s2v.sdm import (
    binary_range,
    class_thresholds,
    make_sdm_ensemble,
    predict_grid,
    presence_auc,
    to_geotiff,
)

data = make_virtual_survey(
    "south-east australia",
    n_species=8,
    n_background=4000,
    land_only=True,
    random_state=0,
)
records, sites, survey = data.records, data.background, data.survey
print(records.head())
print(records["species"].value_counts().to_dict())

# %%
# One model of every species
# --------------------------
# A GAM per species (the location as a smooth tilt, a spline of each
# covariate; ``soil`` is a pandas categorical, one-hot encoded inside),
# and a location-only model of all species, combined by the mean of their
# ranks (:class:`~skgeo_s2v.sdm.RankAverageClassifier`).
X, species = records.drop(columns="species"), records["species"]
model = make_sdm_ensemble(sites, random_state=0).fit(X, species)

# %%
# Judged on the survey
# --------------------
# The ROC AUC of each species on the survey's presences and absences,
# beside that of the true occupancy, which no model beats in expectation.
scores = model.predict_presence(survey)
auc = presence_auc(data.survey_presence, scores, labels=model.classes_, average=None)
ceiling = presence_auc(
    data.survey_presence,
    data.survey_occupancy.to_numpy(),
    labels=data.species,
    average=None,
)
for name, a, c in zip(model.classes_, auc, ceiling):
    print(
        f"{name}: {(species == name).sum():4d} records, survey AUC {a:.3f} "
        f"(true occupancy {c:.3f})"
    )

# %%
# A threshold and a range map
# ---------------------------
# Each species' threshold maximises the true skill statistic of its records
# against the background sites; the map is the model on a 0.05° grid of the
# region's covariate layers (NaN at sea, so the sea stays blank),
# thresholded, with coastlines.
thresholds = class_thresholds(
    species,
    model.predict_presence(X),
    labels=model.classes_,
    background_score=model.predict_presence(sites),
    method="max_tss",
)
layers = data.covariate_layers(0.05)
grid = predict_grid(model, resolution_deg=0.05, bbox=data.bbox, covariates=layers)
ranges = binary_range(grid, thresholds)
name = species.value_counts().index[0]  # the species with the most records
result = plot_grid_map(grid, name)
result.ax.set_title(f"{name}: the model's score")
result = plot_grid_map(ranges, name)
own = records[species == name]
result.ax.scatter(own["lon"], own["lat"], s=4, color="black")
result.ax.set_title(f"{name}: range above the threshold, and its records")

# %%
# The ranges as a GeoTIFF
# -----------------------
# One band per species, named after it, in WGS 84 (``rioxarray``, the
# ``geotiff`` extra); the sea is the raster's no-data value, not an
# absence.
with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "ranges.tif")
    to_geotiff(ranges, path)
    print(f"{len(ranges['class'])} bands, {os.path.getsize(path):,} bytes")

# %%
# The truth
# ---------
# The species' true probability of occupancy on the same grid (the sea
# left blank, as in the model's map). The model had only the records to
# find it from, and they pile up where the observers go: where the species
# is rare but searched for often, its records still put it on the map.
truth = data.occupancy_grid(0.05)
result = plot_grid_map(truth, name)
result.ax.set_title(f"{name}: true probability of occupancy")

# %%
# Over the whole map, how well does each species' score rank the cells by
# their true occupancy? The Spearman correlation of the two grids, over the
# land cells:
for label in model.classes_:
    scored = grid.sel({"class": label}).values.ravel()
    true = truth.sel({"class": label}).values.ravel()
    land = np.isfinite(scored)
    print(f"{label}: rank correlation {spearmanr(scored[land], true[land])[0]:.2f}")

plt.show()
