"""Sphinx configuration of the skgeo_s2v documentation."""

import skgeo_s2v

project = "skgeo_s2v"
author = "skgeo_s2v developers"
copyright = f"2026, {author}"
release = skgeo_s2v.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

# The build runs offline: no inventories are fetched from other projects.
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
source_suffix = {".rst": "restructuredtext"}
root_doc = "index"

autosummary_generate = True
autodoc_typehints = "none"
# Document the methods that skgeo_s2v defines, including those of its base
# classes. The methods inherited from scikit-learn (get_params, set_output, ...)
# are listed in the method tables but described in scikit-learn's own
# documentation: see skip_scikit_learn_members below.
autodoc_default_options = {"members": True, "inherited-members": True}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": "/plot_",
    "download_all_examples": False,
    "reference_url": {"skgeo_s2v": None},
}

html_theme = "pydata_sphinx_theme"
html_title = f"skgeo_s2v {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}


def skip_scikit_learn_members(app, what, name, obj, skip, options):
    """Leave out the members that classes inherit from scikit-learn."""
    if getattr(obj, "__module__", None) and obj.__module__.startswith("sklearn."):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", skip_scikit_learn_members)
