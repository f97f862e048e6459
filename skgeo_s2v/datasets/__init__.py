"""Data sets: synthetic vMF mixtures, virtual species surveys, fossil coral records,
GeoNames cities and text embeddings."""

from ._corals import CORAL_LABELS, load_pbdb_corals
from ._embeddings import TEXT_EMBEDDING_DIM, TEXT_MODEL_NAME, embed_texts
from ._geonames import GEONAMES_LABELS, load_geonames_cities
from ._virtual_survey import VIRTUAL_SURVEY_REGIONS, make_virtual_survey
from ._vmf import (
    VMF_BENCHMARKS,
    bayes_optimal_accuracy,
    bayes_optimal_proba,
    load_vmf_benchmark,
    make_vmf_mixture,
    vmf_log_density,
)

__all__ = [
    "CORAL_LABELS",
    "GEONAMES_LABELS",
    "TEXT_EMBEDDING_DIM",
    "TEXT_MODEL_NAME",
    "VIRTUAL_SURVEY_REGIONS",
    "VMF_BENCHMARKS",
    "bayes_optimal_accuracy",
    "bayes_optimal_proba",
    "embed_texts",
    "load_geonames_cities",
    "load_pbdb_corals",
    "load_vmf_benchmark",
    "make_virtual_survey",
    "make_vmf_mixture",
    "vmf_log_density",
]
