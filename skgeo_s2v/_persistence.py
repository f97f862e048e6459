"""Saving a fitted classifier as weights plus JSON, with no code run on load."""

import warnings

import numpy as np
import torch

from . import encoders as _encoders

SAVE_FORMAT = 2
PARAMS_FILE = "params.json"
WEIGHTS_FILE = "weights.pt"


def json_scalar(name, value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise ValueError(
        f"{name}={value!r} cannot be written to JSON; set it to an int or None "
        "before saving, or use pickle/joblib."
    )


def encoder_to_json(encoder):
    if isinstance(encoder, str):
        return encoder
    params = {
        name: json_scalar(f"encoder__{name}", value)
        for name, value in encoder.get_params(deep=False).items()
    }
    return {"class": type(encoder).__name__, "params": params}


def encoder_from_json(spec):
    if isinstance(spec, str):
        return spec
    name = spec["class"]
    if name not in _encoders.__all__ or not name.endswith("Encoder"):
        raise ValueError(f"Unknown encoder class {name!r} in the saved parameters.")
    return getattr(_encoders, name)(**spec["params"])


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
