"""Torch building blocks: the location network and the supervised loss."""

from ._losses import PresenceAbsenceLoss, presence_absence_loss, sample_background
from ._modules import (
    ACTIVATIONS,
    LocationClassifierModule,
    LocationMLP,
    PositionEncoding,
    WrapResidualNet,
    build_location_module,
)

__all__ = [
    "ACTIVATIONS",
    "LocationClassifierModule",
    "LocationMLP",
    "PositionEncoding",
    "PresenceAbsenceLoss",
    "WrapResidualNet",
    "build_location_module",
    "presence_absence_loss",
    "sample_background",
]
