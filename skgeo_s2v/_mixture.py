"""Held-out mixtures: the weights of highest held-out likelihood, and the
held-out groups they are chosen on (used by
:class:`~skgeo_s2v.NeighborBlendClassifier`).
"""

import numpy as np

__all__ = ["holdout_groups", "mixture_weights"]


def mixture_weights(likelihoods, *, tol=1e-9, max_iter=10_000):
    """Mixture weights of highest mean log-likelihood, by EM.

    Finds ``w`` on the simplex maximising ``mean_i log(sum_j w_j L_ij)``, the
    held-out log-likelihood of the mixture of the components ``j`` whose
    probabilities of the true class of record ``i`` are ``L_ij``. The
    objective is concave, so the fixed point of the EM update
    ``w_j <- mean_i(w_j L_ij / sum_l w_l L_il)``, started from equal weights,
    is its maximum.

    Parameters
    ----------
    likelihoods : ndarray of shape (n_records, n_components)
        Non-negative; every row has a positive entry.
    tol : float, default=1e-9
        Stop when no weight moves by more than this.
    max_iter : int, default=10_000
        Most EM updates.

    Returns
    -------
    weights : ndarray of shape (n_components,)
        Non-negative, summing to 1.

    Examples
    --------
    One component is right on every record, the other never:

    >>> import numpy as np
    >>> mixture_weights(np.array([[0.9, 0.1], [0.8, 0.0]])).round(3)
    array([1., 0.])
    """
    likelihoods = np.asarray(likelihoods, dtype=float)
    weights = np.full(likelihoods.shape[1], 1.0 / likelihoods.shape[1])
    for _ in range(max_iter):
        mixture = likelihoods @ weights
        updated = weights * np.mean(likelihoods / mixture[:, None], axis=0)
        updated /= updated.sum()
        moved = np.abs(updated - weights).max()
        weights = updated
        if moved < tol:
            break
    return weights


def holdout_groups(groups, fraction, rng):
    """Boolean mask of held-out rows: whole groups, about ``fraction`` of rows."""
    unique, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    if len(unique) < 2:
        raise ValueError(
            f"NeighborBlendClassifier holds out whole groups to choose its "
            f"weights, but the data form {len(unique)} group; pass groups= with "
            "at least 2 distinct values or a smaller block_size_km."
        )
    order = rng.permutation(len(unique))
    share = np.cumsum(counts[order]) / len(groups)
    n_held = max(1, min(int(np.searchsorted(share, fraction)) + 1, len(unique) - 1))
    held = np.zeros(len(unique), dtype=bool)
    held[order[:n_held]] = True
    return held[inverse]
