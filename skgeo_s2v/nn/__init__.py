"""Torch building blocks: the location network and the training losses."""

from ._contrastive import (
    PRETRAINING_DEFAULTS,
    PRETRAINING_LOSSES,
    ContrastiveLoss,
    LocationPretrainingModule,
    bi_term,
    build_pretraining_module,
    contrastive_loss,
    cosine_similarity_matrix,
    mc_term,
)
from ._losses import (
    PresenceAbsenceLoss,
    log_class_probabilities,
    presence_absence_loss,
    sample_background,
)
from ._modules import (
    ACTIVATIONS,
    ARCHITECTURE_ARGUMENTS,
    NETWORKS,
    LocationClassifierModule,
    LocationEncoderModule,
    LocationMLP,
    PositionEncoding,
    WrapResidualNet,
    build_location_module,
)

__all__ = [
    "ACTIVATIONS",
    "ARCHITECTURE_ARGUMENTS",
    "NETWORKS",
    "LocationEncoderModule",
    "PRETRAINING_DEFAULTS",
    "PRETRAINING_LOSSES",
    "ContrastiveLoss",
    "LocationPretrainingModule",
    "bi_term",
    "build_pretraining_module",
    "contrastive_loss",
    "cosine_similarity_matrix",
    "mc_term",
    "LocationClassifierModule",
    "LocationMLP",
    "PositionEncoding",
    "PresenceAbsenceLoss",
    "WrapResidualNet",
    "build_location_module",
    "log_class_probabilities",
    "presence_absence_loss",
    "sample_background",
]
