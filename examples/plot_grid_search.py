"""
=================================================
Tuning the scales of an encoder with GridSearchCV
=================================================

Position encoders are ordinary scikit-learn transformers, so their scale
parameters can be tuned like any other hyper-parameter. Here a
:class:`~skgeo_s2v.SphereMPlusEncoder` feeds a
:class:`~sklearn.linear_model.LogisticRegression`, and
:class:`~sklearn.model_selection.GridSearchCV` picks the smallest scale
``min_radius`` (the paper's ``r_min``) and the number of scales ``n_scales``
(``S``).
"""

# %%
# A small labelled data set on the globe
# --------------------------------------
# Points drawn uniformly on the sphere are labelled by the nearest of three
# cities (great-circle distance), which cuts the globe into three regions
# whose borders cross the antimeridian and pass near the poles.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline

from skgeo_s2v import SphereMPlusEncoder

CITIES = {"Paris": (2.35, 48.86), "Quito": (-78.47, -0.18), "Tokyo": (139.69, 35.69)}


def unit_vectors(lonlat):
    lon, lat = np.radians(lonlat).T
    return np.column_stack(
        [np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)]
    )


def nearest_city(lonlat):
    """Index of the closest city: the largest dot product of unit vectors."""
    return np.argmax(unit_vectors(lonlat) @ unit_vectors(list(CITIES.values())).T, 1)


rng = np.random.default_rng(0)
n_points = 600
X = np.column_stack(
    [
        rng.uniform(-180, 180, n_points),
        np.degrees(np.arcsin(rng.uniform(-1, 1, n_points))),
    ]
)
y = nearest_city(X)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

# %%
# Search over the scales
# ----------------------
# Pipeline steps are addressed as ``<step>__<parameter>``: here
# ``sphere__min_radius`` and ``sphere__n_scales``.
model = Pipeline(
    [
        ("sphere", SphereMPlusEncoder()),
        ("classifier", LogisticRegression(C=10.0, max_iter=2000)),
    ]
)
search = GridSearchCV(
    model,
    param_grid={
        "sphere__min_radius": [0.01, 0.1, 0.5],
        "sphere__n_scales": [2, 4, 8],
    },
    cv=3,
)
search.fit(X_train, y_train)
print("best parameters:", search.best_params_)
print(f"cross-validated accuracy: {search.best_score_:.3f}")
print(f"held-out accuracy: {search.score(X_test, y_test):.3f}")

# %%
# The predicted regions
# ---------------------
# The best model's predictions over a global grid, with the training points.
lon, lat = np.meshgrid(np.linspace(-180, 178, 180), np.linspace(-89, 89, 90))
grid = np.column_stack([lon.ravel(), lat.ravel()])
predicted = search.predict(grid).reshape(lon.shape)

fig, ax = plt.subplots(figsize=(8, 4), layout="constrained")
ax.imshow(
    predicted,
    origin="lower",
    extent=(-180, 180, -90, 90),
    cmap="Pastel1",
    vmin=0,
    vmax=8,
)
ax.scatter(*X_train.T, c=y_train, cmap="Set1", vmin=0, vmax=8, s=6)
for name, (city_lon, city_lat) in CITIES.items():
    ax.annotate(name, (city_lon, city_lat), fontweight="bold")
ax.set_xlabel("longitude (°)")
ax.set_ylabel("latitude (°)")
ax.set_title("Nearest city, as predicted by sphereM+ and a logistic regression")

plt.show()
