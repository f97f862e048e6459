"""
=======================================================
Where does the model think a species lives?
=======================================================

A location classifier learns ``P(class | location)``: for every place on the
globe, how likely each class (a species, say) is to be found there. The paper
shows this as maps of one class's predicted presence (its Figures 2 and 10),
and as a map of the location embeddings ``e(x)`` grouped into clusters
(Figures 11 and 12). :func:`~skgeo_s2v.plotting.plot_class_map` and
:func:`~skgeo_s2v.plotting.plot_embedding_clusters` draw both for any fitted
model.

The data are the paper's synthetic classes: each class is a von Mises-Fisher
distribution on the sphere, a blob of points around a random centre.
"""

# %%
# Train a classifier
# ------------------
import matplotlib.pyplot as plt
import numpy as np

from skgeo_s2v import SphereLocationClassifier, SphereMPlusEncoder
from skgeo_s2v.datasets import make_vmf_mixture
from skgeo_s2v.plotting import plot_class_map, plot_embedding_clusters

X, y, truth = make_vmf_mixture(
    n_classes=20, n_samples_per_class=100, random_state=0, return_params=True
)
model = SphereLocationClassifier(
    SphereMPlusEncoder(n_scales=16, min_radius=0.01),
    hidden_units=64,
    max_epochs=10,
    lr=1e-2,
    random_state=0,
).fit(X, y)

# %%
# The predicted range of one class
# --------------------------------
# The map shows the presence probability ``σ(logit)`` of one class on a 1°
# grid, with the training points of that class on top: here the class of
# median concentration ``κ``. The grid is scored in chunks, keeping only this
# class's column, so maps of models with thousands of classes stay small in
# memory.
label = int(np.argsort(truth["kappas"])[10])
result = plot_class_map(model, label, resolution_deg=1.0, X_train=X, y_train=y)

# %%
# Regions the model treats alike
# ------------------------------
# The learnt embeddings of a global grid, grouped into 10 clusters by
# agglomerative clustering (Ward). Each class's range becomes a region; the
# empty parts of the globe split along the coarse scales of the encoder.
result = plot_embedding_clusters(model, n_clusters=10, resolution_deg=2.0)

plt.show()
