"""What self-supervised pretraining hands to fine-tuning (SPEC §6).

:class:`PretrainedEncoder` holds the pretrained weights of the position
encoding and the network, the fitted position encoder and the architecture
they were made with: the ``pretrained_`` attribute of a fitted
:class:`~skgeo_s2v.ContrastivePretraining`, which
:class:`~skgeo_s2v.SphereLocationClassifier` fine-tunes from (its
``pretraining`` parameter).
"""

import copy
from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_array

from ._validation import first_non_finite, is_out_of_core, iter_row_chunks
from .encoders import make_encoder
from .nn import PRETRAINING_LOSSES
from .nn._data import StreamedRows

__all__ = ["PretrainedEncoder"]

#: Estimator parameters that fix the shape of the pretrained weights.
ARCHITECTURE_PARAMS = ("encoder", "network", "hidden_layers", "hidden_units")
#: Prefixes of the module weights that pretraining hands to fine-tuning.
_TRANSFERRED = ("encoding.", "body.")
# Values of out-of-core features checked at a time (16 MB of float32).
_FEATURE_CHUNK_VALUES = 2**22


def describe_architecture(estimator):
    """The parameters of ``estimator`` that the pretrained weights depend on.

    The encoder is described by its class and parameters, without its
    ``random_state`` (the fitted encoder travels with the weights), so that
    ``"sphereM+"`` and ``SphereMPlusEncoder()`` compare equal.
    """
    params = estimator.get_params(deep=False)
    encoder = params["encoder"]
    if isinstance(encoder, str):
        encoder = make_encoder(encoder)
    encoder_params = encoder.get_params(deep=False)
    encoder_params.pop("random_state", None)
    architecture = {name: params[name] for name in ARCHITECTURE_PARAMS[1:]}
    architecture["encoder"] = f"{type(encoder).__name__}({encoder_params!r})"
    return architecture


class PretrainedEncoder:
    """Weights of a location encoder pretrained on unlabelled pairs.

    Made by :meth:`ContrastivePretraining.fit
    <skgeo_s2v.ContrastivePretraining.fit>` (its ``pretrained_``); not meant
    to be built by hand. It is read-only: :func:`~sklearn.base.clone` shares
    it instead of copying it, so a classifier given one as ``pretraining``
    (the spelling of before 0.2) fine-tunes every clone from the same
    weights.

    Parameters
    ----------
    encoder : BasePositionEncoder
        The position encoder ``G``, fitted on the pretraining locations.
    architecture : dict
        The output of :func:`describe_architecture` for the pretraining
        estimator.
    state_dict : dict of str to torch.Tensor
        Weights of the position encoding and of the network (CPU tensors).
    loss : {"mc", "bi", "mse"}
        The pretraining objective.
    history : list of float
        Training loss of each pretraining epoch.
    n_samples : int
        Number of unlabelled pairs pretrained on.
    """

    def __init__(self, *, encoder, architecture, state_dict, loss, history, n_samples):
        self.encoder = encoder
        self.architecture = dict(architecture)
        self.state_dict = state_dict
        self.loss = loss
        self.history = list(history)
        self.n_samples = n_samples

    @classmethod
    def from_module(cls, module, *, encoder, estimator, loss, history, n_samples):
        """Keep the transferable weights of a pretraining module."""
        state = {
            name: value.detach().cpu().clone()
            for name, value in module.state_dict().items()
            if name.startswith(_TRANSFERRED)
        }
        return cls(
            encoder=copy.deepcopy(encoder),
            architecture=describe_architecture(estimator),
            state_dict=state,
            loss=loss,
            history=history,
            n_samples=n_samples,
        )

    def check_compatible(self, estimator):
        """Refuse to fine-tune ``estimator`` from weights of another shape.

        Raises
        ------
        ValueError
            Naming each architecture parameter that differs and how to fix it.
        """
        wanted = describe_architecture(estimator)
        differences = [
            f"{name}={wanted[name]!r} (pretrained with {self.architecture[name]!r})"
            for name in ARCHITECTURE_PARAMS
            if wanted[name] != self.architecture[name]
        ]
        if differences:
            raise ValueError(
                "The pretrained encoder does not fit this estimator: "
                + "; ".join(differences)
                + ". Pretrain again with these settings (pretrain(...)), set "
                "pretraining=None to train from scratch, or set pretraining to "
                "an unfitted ContrastivePretraining and pass the unlabelled data "
                "to fit(X, y, pretrain_X=..., pretrain_features=...) so that each "
                "grid-search candidate is pretrained with its own architecture."
            )

    def load_into(self, module):
        """Copy the pretrained weights into a fresh classifier module.

        Only the class head (``class_embedding``) keeps its initial weights.
        """
        missing, unexpected = module.load_state_dict(self.state_dict, strict=False)
        untouched = [name for name in missing if not name.startswith(_TRANSFERRED)]
        if unexpected or len(untouched) != len(missing):
            raise RuntimeError(
                f"Pretrained weights do not match the module: missing {missing}, "
                f"unexpected {unexpected}."
            )

    def __sklearn_clone__(self):
        return self

    def __repr__(self):
        return (
            f"PretrainedEncoder(loss={self.loss!r}, n_samples={self.n_samples}, "
            f"epochs={len(self.history)}, "
            f"hidden_units={self.architecture['hidden_units']})"
        )


def check_overrides(*, loss=None, epochs=None, lr=None):
    """Check the ``loss``, ``epochs`` and ``lr`` given to ``pretrain`` itself.

    Raises
    ------
    ValueError
        Naming the argument, its value and what it may be.
    """
    if loss is not None and loss not in PRETRAINING_LOSSES:
        raise ValueError(
            f"loss={loss!r} is not a pretraining loss; use one of "
            f"{', '.join(map(repr, PRETRAINING_LOSSES))}."
        )
    if epochs is not None and (not isinstance(epochs, Integral) or epochs < 1):
        raise ValueError(f"epochs must be an integer >= 1, got {epochs!r}.")
    if lr is not None and not (isinstance(lr, Real) and lr > 0):
        raise ValueError(f"lr must be a positive float or None, got {lr!r}.")


def check_pretraining_data(features, n_samples, *, loss, batch_size):
    """Validate the features paired with ``n_samples`` locations.

    ``loss`` and ``batch_size`` are the pretraining's, already validated
    (``ContrastivePretraining``'s parameter constraints).

    Returns
    -------
    features : ndarray of shape (n_samples, n_features), float32, or StreamedRows
        A new array when a conversion was needed; never written to. Out-of-core
        features (a memmap, an HDF5 dataset) are checked chunk by chunk and
        returned as a reader of their rows, not loaded.
    """
    if loss != "mse" and (batch_size < 2 or n_samples < 2):
        raise ValueError(
            f"loss={loss!r} contrasts each pair with the other pairs of its batch "
            f"and needs at least 2 per batch, got pretrain batch size {batch_size} "
            f"and {n_samples} pairs; raise batch_size (pretraining__batch_size, "
            "or batch_size, on the classifier), or use loss='mse'."
        )
    if is_out_of_core(features):
        return _check_out_of_core_features(features, n_samples)
    features = check_array(
        features, dtype=np.float32, ensure_2d=False, input_name="features"
    )
    _check_feature_shape(features.shape, n_samples)
    return features


def _check_feature_shape(shape, n_samples):
    if len(shape) != 2:
        raise ValueError(
            "features must be a 2-D array of shape (n_samples, n_features), got "
            f"shape {shape}; reshape a single feature with "
            "features.reshape(-1, 1)."
        )
    if shape[0] != n_samples:
        raise ValueError(
            f"features has {shape[0]} rows but X_unlabeled has "
            f"{n_samples}; row i of features must belong to location i."
        )


def _check_out_of_core_features(features, n_samples):
    """Check memmapped or HDF5 features a chunk at a time; return a row reader."""
    shape = tuple(features.shape)
    _check_feature_shape(shape, n_samples)
    chunk_rows = max(1, _FEATURE_CHUNK_VALUES // max(1, shape[1]))
    for start, chunk in iter_row_chunks(features, chunk_rows, np.float32):
        bad = first_non_finite(chunk)
        if bad is not None:
            row, column = bad
            raise ValueError(
                f"features holds {chunk[row, column]} at row {start + row}, "
                f"column {column}; features must be finite. Drop or impute those "
                "rows (and their locations) first."
            )
    return StreamedRows(features)
