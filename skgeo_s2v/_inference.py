"""Chunked inference of the fitted location nets, and the prediction methods.

Every prediction of :class:`~skgeo_s2v.SphereLocationClassifier` and
:class:`~skgeo_s2v.ContrastivePretraining` runs the torch module on chunks of
``predict_batch_size`` rows and reduces each chunk on the device (to
probabilities, an argmax, ...), so memory holds the result plus one chunk of
class scores, and out-of-core input is read one chunk at a time.
"""

import numpy as np
import torch

from ._covariate_input import covariate_input
from ._validation import (
    check_lonlat_values,
    is_out_of_core,
    iter_row_chunks,
    validate_lonlat,
    validate_lonlat_out_of_core,
)
from .nn import log_class_probabilities
from .nn._training import torch_threads

__all__ = [
    "PredictionMixin",
    "forward_in_chunks",
    "predict_chunks",
    "validate_any_lonlat",
]


# Per-chunk reductions of the logits (computed on the device).
def presence(logits):
    return torch.sigmoid(logits.double())


def normalised_presence(logits):
    """``σ(l_c) / Σ σ(l_c')``: ``predict_proba`` of the estimator and the net."""
    return log_class_probabilities(logits.double()).exp()


def binary_log_presence_ratio(logits):
    log_presence = torch.nn.functional.logsigmoid(logits)
    return log_presence[:, 1] - log_presence[:, 0]


def argmax(logits):
    return logits.argmax(dim=1)


def validate_any_lonlat(estimator, X, out_of_core, *, reset, check_values=True):
    """Validate in-memory input at once, out-of-core input chunk by chunk.

    ``check_values=False`` leaves the values of out-of-core input to the
    caller, which checks each chunk as it reads it.
    """
    if out_of_core:
        return validate_lonlat_out_of_core(
            estimator, X, reset=reset, check_values=check_values
        )
    return validate_lonlat(estimator, X, reset=reset)


def forward_in_chunks(net, lonlat, method, *, batch_size, reduce=None, n_threads=None):
    """Apply ``net.module_.<method>`` to validated ``lonlat`` chunk by chunk.

    ``reduce`` maps each chunk's output, on the device, to what is kept. The
    result is written into one preallocated array. Out-of-core ``lonlat`` (a
    memmap, an HDF5 dataset) is read and its values checked one chunk at a
    time, in float64 before the float32 cast.
    """
    out_of_core = is_out_of_core(lonlat)
    module = net.module_
    module.eval()
    function = getattr(module, method)
    out = None
    with torch.no_grad(), torch_threads(n_threads):
        for start, chunk in iter_row_chunks(lonlat, batch_size):
            if out_of_core:
                check_lonlat_values(chunk, row_offset=start)
            chunk = torch.from_numpy(chunk.astype(np.float32))
            with net.autocast():
                result = function(chunk.to(net.compute_device))
            result = result.float()
            if reduce is not None:
                result = reduce(result)
            result = result.cpu().numpy()
            if out is None:
                out = np.empty((lonlat.shape[0], *result.shape[1:]), result.dtype)
            out[start : start + result.shape[0]] = result
    return out


def predict_chunks(estimator, net, X, method, *, batch_size, reduce=None):
    """Validate ``X`` against the fitted ``estimator``, then run ``net`` on it.

    See :func:`forward_in_chunks`; out-of-core values are checked per chunk.
    A model fitted with covariates takes a DataFrame of the same columns.
    """
    if getattr(estimator, "covariate_transformer_", None) is not None:
        lonlat = covariate_input(estimator, X)  # (lon, lat, covariates...)
    else:
        lonlat = validate_any_lonlat(
            estimator, X, is_out_of_core(X), reset=False, check_values=False
        )
    return forward_in_chunks(
        net,
        lonlat,
        method,
        batch_size=batch_size,
        reduce=reduce,
        n_threads=estimator.n_threads,
    )


class PredictionMixin:
    """The prediction methods of the classifier, as thin calls of the net.

    The estimator provides ``_net_for(method)`` (its fitted net),
    ``classes_``, ``batch_size``, ``predict_batch_size`` and ``n_threads``.
    """

    def _forward(self, X, method, reduce=None):
        batch_size = self.predict_batch_size or self.batch_size
        net = self._net_for(method)
        return predict_chunks(
            self, net, X, method, batch_size=batch_size, reduce=reduce
        )

    def decision_function(self, X):
        """Class logits ``<e(x), T_y>``.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2) or DataFrame
            Longitude then latitude, in degrees; out-of-core arrays are read
            one chunk at a time. A model fitted with covariates takes a
            DataFrame of its ``feature_names_in_`` columns.

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes) or (n_samples,)
            One column per class of ``classes_``; for two classes, the single
            column ``log σ(logit_1) − log σ(logit_0)``, positive when class 1
            wins and increasing with ``predict_proba[:, 1]``.
        """
        self._net_for("forward")
        if len(self.classes_) == 2:
            return self._forward(X, "forward", reduce=binary_log_presence_ratio)
        return self._forward(X, "forward")

    def predict_presence(self, X):
        """Per-class presence probabilities ``σ(logit)`` (SPEC §4).

        These are the probabilities the paper multiplies with an image model's
        class probabilities (SPEC §7). Rows need not sum to 1.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2) or DataFrame
            Longitude then latitude, in degrees; out-of-core arrays are read
            one chunk at a time. A model fitted with covariates takes a
            DataFrame of its ``feature_names_in_`` columns.

        Returns
        -------
        presence : ndarray of shape (n_samples, n_classes)
        """
        return self._forward(X, "forward", reduce=presence)

    def predict_proba(self, X):
        """Class probabilities: the presence probabilities normalised per row.

        ``σ(l_c) / Σ_c' σ(l_c')``, computed in log space so that it stays
        finite when every presence is tiny. ``net_.predict_proba`` returns
        the same values.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2) or DataFrame
            Longitude then latitude, in degrees; out-of-core arrays are read
            one chunk at a time. A model fitted with covariates takes a
            DataFrame of its ``feature_names_in_`` columns.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Rows sum to 1; columns follow ``classes_``.
        """
        return self._forward(X, "forward", reduce=normalised_presence)

    def predict(self, X):
        """Most likely class of each location.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2) or DataFrame
            Longitude then latitude, in degrees; out-of-core arrays are read
            one chunk at a time. A model fitted with covariates takes a
            DataFrame of its ``feature_names_in_`` columns.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        codes = self._forward(X, "forward", reduce=argmax)
        return self.classes_[codes]

    def transform(self, X):
        """The learned location embedding ``e(x)``.

        After :meth:`pretrain` alone (no labels), the pretrained embedding, to
        feed any scikit-learn model; after :meth:`fit`, the fine-tuned one.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2) or DataFrame
            Longitude then latitude, in degrees; out-of-core arrays are read
            one chunk at a time. A model fitted with covariates takes a
            DataFrame of its ``feature_names_in_`` columns.

        Returns
        -------
        embedding : ndarray of shape (n_samples, hidden_units), float32
        """
        return self._forward(X, "embed")
