"""Saving a fitted classifier as weights plus JSON, with no code run on load.

A saved model is a directory of two files:

- ``params.json``: the schema version (``format``), the estimator's
  parameters, its classes, the fitted encoder's settings and the epoch choice;
- ``weights.pt``: a dict of tensors (the module's ``state_dict`` and the
  encoder's arrays), read back with ``torch.load(weights_only=True)``.

Format 3 (issue 14) stores the new parameter spellings: the loss and the
background sampler as ``{"class", "params"}``, the optimizer by its
``torch.optim`` name, ``optimizer__*`` settings as numbers. Format 2 files
(before issue 14) load too: their old spellings are translated. Settings
that only matter while training and have no JSON form (a CV splitter, extra
callbacks, an accelerator, the pretraining, whose weights are in the
module, a background sampler holding its sites) are saved as their defaults
and named under ``"not_saved"``. Format
4 (issue 17) adds ``"covariates"``: the fitted covariate preprocessing as
JSON (column kinds, the scaler's means and scales, the one-hot levels), or
null for a location-only model; formats 2 and 3 load as location-only.
"""

import json
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from . import background as _background
from . import encoders as _encoders
from . import losses as _losses
from ._covariate_input import covariates_from_json, covariates_to_json
from ._deprecation import OLD_DEFAULTS, translate

__all__ = ["SAVE_FORMAT", "PersistenceMixin", "load_classifier", "save_classifier"]

SAVE_FORMAT = 4
#: Formats :func:`load_classifier` reads.
READABLE_FORMATS = (2, 3, 4)
PARAMS_FILE = "params.json"
WEIGHTS_FILE = "weights.pt"

#: Parameter -> module whose public classes it may name in the JSON.
_COMPONENTS = {"encoder": _encoders, "loss": _losses, "background": _background}
#: Training-only settings without a JSON form, and what is saved instead.
_TRAINING_ONLY = {"callbacks": None, "pretraining": None}


def json_scalar(name, value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise ValueError(
        f"{name}={value!r} cannot be written to JSON; set it to an int or None "
        "before saving, or use pickle/joblib."
    )


def component_to_json(name, value):
    """A name, None, or ``{"class", "params"}`` of a package component."""
    if value is None or isinstance(value, str):
        return value
    params = {
        key: json_scalar(f"{name}__{key}", item)
        for key, item in value.get_params(deep=False).items()
    }
    return {"class": type(value).__name__, "params": params}


def component_from_json(name, spec):
    if spec is None or isinstance(spec, str):
        return spec
    module, class_name = _COMPONENTS[name], spec["class"]
    if class_name not in module.__all__:
        raise ValueError(
            f"Unknown {name} class {class_name!r} in the saved parameters."
        )
    return getattr(module, class_name)(**spec["params"])


def _optimizer_to_json(optimizer):
    if getattr(torch.optim, optimizer.__name__, None) is not optimizer:
        raise ValueError(
            f"optimizer={optimizer!r} is not a torch.optim class and cannot be "
            "written to JSON; use pickle/joblib to keep this model."
        )
    return optimizer.__name__


def fitted_encoder_state(encoder):
    """Split an encoder's fitted attributes into tensors and JSON values."""
    arrays, values = {}, {}
    for name, value in vars(encoder).items():
        if not name.endswith("_") or name.startswith("_"):
            continue
        if isinstance(value, np.ndarray) and value.dtype.kind in "fiub":
            arrays[name] = torch.from_numpy(np.ascontiguousarray(value))
        elif isinstance(value, np.ndarray):
            values[name] = {"array": value.tolist(), "dtype": value.dtype.str}
        elif isinstance(value, (bool, int, float, str)) or value is None:
            values[name] = value
        elif isinstance(value, np.generic):
            values[name] = value.item()
        else:
            warnings.warn(
                f"The encoder attribute {name} ({type(value).__name__}) is not "
                "saved; use pickle or joblib to keep it.",
                stacklevel=3,
            )
    return arrays, values


def restore_value(value):
    if isinstance(value, dict) and "array" in value:
        return np.asarray(value["array"], dtype=np.dtype(value["dtype"]))
    return value


def _params_to_json(estimator):
    params = estimator.get_params(deep=False)
    not_saved = {}
    for name, default in _TRAINING_ONLY.items():
        if params[name] is not None:
            not_saved[name] = repr(params[name])
        params[name] = default
    if not isinstance(params["device"], str):  # an accelerator
        not_saved["device"] = repr(params["device"])
        params["device"] = "auto"
    if hasattr(params["validation_split"], "split"):
        not_saved["validation_split"] = repr(params["validation_split"])
        params["validation_split"] = 0.1
    for name in _COMPONENTS:
        try:
            params[name] = component_to_json(name, params[name])
        except ValueError:
            if name != "background":  # the encoder and loss shape the model
                raise
            # Sites given as an array or DataFrame: only training draws them.
            not_saved[name] = f"{type(params[name]).__name__}(...)"
            params[name] = None
    params["optimizer"] = _optimizer_to_json(params["optimizer"])
    for name in ("random_state", *estimator._optimizer_params()):
        params[name] = json_scalar(name, params[name])
    return params, not_saved


def save_classifier(estimator, path):
    """Write the fitted ``estimator`` to the directory ``path``."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    params, not_saved = _params_to_json(estimator)
    arrays, fitted = fitted_encoder_state(estimator.encoder_)
    losses = estimator.validation_log_loss_
    names = getattr(estimator, "feature_names_in_", None)
    meta = {
        "format": SAVE_FORMAT,
        "estimator": type(estimator).__name__,
        "params": params,
        "not_saved": not_saved,
        "classes": estimator.classes_.tolist(),
        "classes_dtype": estimator.classes_.dtype.str,
        "feature_names_in": None if names is None else names.tolist(),
        "covariates": covariates_to_json(
            getattr(estimator, "covariate_transformer_", None)
        ),
        "encoder_": component_to_json("encoder", estimator.encoder_),
        "encoder_fitted": fitted,
        "seed": estimator.net_.seed,
        "n_epochs": estimator.n_epochs_,
        "validation_log_loss": None if losses is None else losses.tolist(),
    }
    state = {k: v.cpu() for k, v in estimator.net_.module_.state_dict().items()}
    torch.save({"module": state, "encoder": arrays}, path / WEIGHTS_FILE)
    (path / PARAMS_FILE).write_text(json.dumps(meta, indent=2))


def _params_from_json(meta):
    params = dict(meta["params"])
    if meta["format"] == 2:  # the spellings before issue 14
        params = {
            name: value
            for name, value in params.items()
            if name not in OLD_DEFAULTS or OLD_DEFAULTS[name] != value
        }
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            params = translate(params)
    else:
        params["optimizer"] = getattr(torch.optim, params["optimizer"])
    for name in _COMPONENTS:
        if name in params:
            params[name] = component_from_json(name, params[name])
    return params


def load_classifier(cls, path):
    """A fitted ``cls`` from the directory written by :func:`save_classifier`."""
    from ._recipe import build_net
    from .nn._training import _resolve_device

    path = Path(path)
    meta = json.loads((path / PARAMS_FILE).read_text())
    version = meta.get("format")
    if version not in READABLE_FORMATS or meta.get("estimator") != cls.__name__:
        raise ValueError(
            f"{path} holds format {version!r} of estimator "
            f"{meta.get('estimator')!r}; this version of skgeo_s2v reads "
            f"{cls.__name__} in formats {READABLE_FORMATS}. Load it with the "
            "version that saved it and save it again, or refit."
        )
    model = cls(**_params_from_json(meta))
    model.classes_ = np.asarray(meta["classes"], dtype=np.dtype(meta["classes_dtype"]))
    model.covariate_transformer_ = covariates_from_json(meta.get("covariates"))
    model.n_features_in_ = 2
    if meta["feature_names_in"] is not None:
        model.feature_names_in_ = np.asarray(meta["feature_names_in"], dtype=object)
        model.n_features_in_ = len(model.feature_names_in_)
    weights = torch.load(path / WEIGHTS_FILE, map_location="cpu", weights_only=True)
    encoder = component_from_json("encoder", meta["encoder_"])
    for name, value in meta["encoder_fitted"].items():
        setattr(encoder, name, restore_value(value))
    for name, value in weights["encoder"].items():
        setattr(encoder, name, value.numpy())
    model.encoder_ = encoder
    model.loss_ = _losses.make_loss(model.loss)
    model.n_epochs_ = meta["n_epochs"]
    losses = meta["validation_log_loss"]
    model.validation_log_loss_ = None if losses is None else np.asarray(losses)
    device = _resolve_device(model.device, fallback=True)
    model.net_ = build_net(model, device, meta["seed"], model.n_epochs_, train=False)
    with torch.random.fork_rng(devices=[]):
        model.net_.initialize()
    model.net_.module_.load_state_dict(weights["module"])
    return model


class PersistenceMixin:
    """Thin ``save``/``load`` methods of the classifier over this module."""

    def save(self, path):
        """Save the fitted model as weights plus a JSON file, without pickle.

        ``path`` becomes a directory holding ``params.json`` (schema version,
        parameters, classes, encoder) and ``weights.pt`` (tensors, read back
        with ``torch.load(weights_only=True)``), so :meth:`load` runs no code
        from the files. The training history, extra callbacks, a splitter,
        the pretraining and the sites of a ``PointsBackground`` are not saved
        (only training uses them); use pickle or joblib to keep them.

        Parameters
        ----------
        path : str or path-like
            Directory to create (or overwrite files in).

        Examples
        --------
        >>> import tempfile
        >>> import numpy as np
        >>> from skgeo_s2v import SphereLocationClassifier
        >>> X, y = [[0.0, 0.0], [90.0, 0.0], [1.0, 1.0], [91.0, 1.0]], [0, 1, 0, 1]
        >>> clf = SphereLocationClassifier(hidden_units=8, max_epochs=2).fit(X, y)
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     clf.save(folder)
        ...     loaded = SphereLocationClassifier.load(folder)
        >>> np.allclose(loaded.decision_function(X), clf.decision_function(X))
        True
        """
        check_is_fitted(self)
        save_classifier(self, path)

    @classmethod
    def load(cls, path):
        """Load a model written by :meth:`save`, on CPU when CUDA is absent.

        Reads the current format and the format of before 0.2; another
        version's file is refused with a message naming its format.

        Parameters
        ----------
        path : str or path-like
            The directory given to :meth:`save`.

        Returns
        -------
        classifier : SphereLocationClassifier
            A fitted classifier, ready to predict.
        """
        return load_classifier(cls, path)
