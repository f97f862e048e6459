"""Old parameter spellings of SphereLocationClassifier, kept for one release.

Issue 14 moved parameters onto the objects they configure (the loss, the
background sampler, the pretraining, the optimizer). The old spellings are
still accepted by ``__init__`` and ``set_params``: each is translated to its
new spelling with a ``FutureWarning`` that names it, so
:func:`~sklearn.base.clone`, ``get_params`` and grid searches see the new
parameters only. docs/changelog.rst lists every rename.
"""

import sys
import warnings
from pathlib import Path

# Warnings point at the first caller outside the package.
_PACKAGE = str(Path(__file__).parent)

__all__ = ["OLD_DEFAULTS", "RENAMED", "translate"]

_PRETRAINING = (
    "n_negative_locations",
    "in_batch_temperature",
    "location_temperature",
    "dropout_temperature",
    "location_weight",
    "dropout_weight",
)

#: Old spelling -> new spelling (``a__b`` is parameter ``b`` of parameter ``a``).
RENAMED = {
    "pos_weight": "loss__pos_weight",
    "background_weight": "loss__background_weight",
    "n_background": "background__n_per_example",
    "validation_fraction": "validation_split",
    "weight_decay": "optimizer__weight_decay",
    "accelerator": "device",
    "pretrained": "pretraining",
    "pretrain_loss": "pretraining__loss",
    "pretrain_epochs": "pretraining__epochs",
    "pretrain_lr": "pretraining__lr",
    "pretrain_batch_size": "pretraining__batch_size",
    **{name: f"pretraining__{name}" for name in _PRETRAINING},
}

#: The defaults of the old spellings (a format-2 file holds all of them).
OLD_DEFAULTS = {
    "pos_weight": None,
    "background_weight": 1.0,
    "n_background": 1,
    "validation_fraction": 0.1,
    "weight_decay": 0.0,
    "accelerator": None,
    "pretrained": None,
    "pretrain_loss": "mc",
    "pretrain_epochs": 10,
    "pretrain_lr": None,
    "pretrain_batch_size": None,
    "n_negative_locations": 1,
    "in_batch_temperature": 20.0,
    "location_temperature": 1.0,
    "dropout_temperature": 1.0,
    "location_weight": None,
    "dropout_weight": None,
}

_REMOVED_IN = "0.3"


def _warn(old, new, value):
    warnings.warn(
        f"SphereLocationClassifier({old}=...) is deprecated since 0.2 and will be "
        f"removed in {_REMOVED_IN}; use {new}={value!r} instead (see the "
        "changelog).",
        FutureWarning,
        stacklevel=_first_caller_outside_package(),
    )


def _first_caller_outside_package():
    """The ``stacklevel`` of the first frame whose file is not in the package."""
    frame, level = sys._getframe(2), 2
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    return level


def translate(params):
    """Return ``params`` with every old spelling replaced by its new one.

    Warns once per old name. Two special values: ``accelerator=None`` meant
    no accelerator, which is the default (dropped); ``n_background=0`` meant
    no background, now ``loss__background_weight=0``.
    """
    translated = {}
    for name, value in params.items():
        if name not in RENAMED:
            translated[name] = value
            continue
        new = RENAMED[name]
        if name == "accelerator" and value is None:
            _warn(name, "device", "<an accelerate.Accelerator>")
            continue
        if name == "n_background" and value == 0:
            new = "loss__background_weight"
        _warn(name, new, value)
        translated[new] = value
    return translated
