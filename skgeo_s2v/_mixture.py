"""Held-out mixtures: the weights of highest held-out likelihood of a linear
or a logarithmic pool, and the held-out groups they are chosen on (used by
:class:`~skgeo_s2v.NeighborBlendClassifier`).
"""

import numpy as np

__all__ = [
    "MAX_EXPONENT",
    "holdout_groups",
    "log_pool",
    "log_pool_weights",
    "mixture_weights",
]


def _em_step(likelihoods, weights):
    """One EM update of the mixture weights."""
    mixture = likelihoods @ weights
    updated = weights * np.mean(likelihoods / mixture[:, None], axis=0)
    return updated / updated.sum()


def _mean_log_likelihood(likelihoods, weights):
    return float(np.mean(np.log(np.maximum(likelihoods @ weights, 1e-300))))


def mixture_weights(likelihoods, *, tol=1e-9, max_iter=10_000):
    """Mixture weights of highest mean log-likelihood, by accelerated EM.

    Finds ``w`` on the simplex maximising ``mean_i log(sum_j w_j L_ij)``, the
    held-out log-likelihood of the mixture of the components ``j`` whose
    probabilities of the true class of record ``i`` are ``L_ij``. The
    objective is concave, so the fixed point of the EM update
    ``w_j <- mean_i(w_j L_ij / sum_l w_l L_il)``, started from equal weights,
    is its maximum. EM alone creeps where components are alike; each cycle
    here extrapolates from two EM updates (SQUAREM, Varadhan and Roland 2008)
    and keeps the extrapolation only when it raises the likelihood, so it
    never does worse than the two plain updates.

    Parameters
    ----------
    likelihoods : ndarray of shape (n_records, n_components)
        Non-negative; every row has a positive entry.
    tol : float, default=1e-9
        Stop when no weight moves by more than this in a cycle.
    max_iter : int, default=10_000
        Most cycles (of three EM updates each).

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
        once = _em_step(likelihoods, weights)
        twice = _em_step(likelihoods, once)
        first, change = once - weights, twice - 2 * once + weights
        updated = twice
        if np.linalg.norm(change) > 0:
            step = min(-np.linalg.norm(first) / np.linalg.norm(change), -1.0)
            leap = weights - 2 * step * first + step**2 * change
            # Stay inside the simplex, and off its faces: an EM update never
            # revives a weight of exactly 0.
            leap = np.maximum(leap, 1e-12 * leap.max())
            leap = _em_step(likelihoods, leap / leap.sum())
            if _mean_log_likelihood(likelihoods, leap) >= _mean_log_likelihood(
                likelihoods, twice
            ):
                updated = leap
        moved = np.abs(updated - weights).max()
        weights = updated
        if moved < tol:
            break
    return weights


def _log_pool(exponents, log_probas):
    """Rows of ``softmax(sum_j a_j log_probas[j])`` and its log-normaliser."""
    scores = np.tensordot(exponents.astype(log_probas.dtype), log_probas, axes=1)
    top = scores.max(axis=1, keepdims=True)
    pooled = np.exp(scores - top)
    total = pooled.sum(axis=1, keepdims=True)
    return scores, pooled / total, (np.log(total) + top)[:, 0]


def log_pool(exponents, log_probas):
    """The logarithmic pool ``p ∝ prod_j p_j ** a_j`` of the components ``j``.

    Parameters
    ----------
    exponents : ndarray of shape (n_components,)
        Non-negative exponents ``a_j``.
    log_probas : ndarray of shape (n_components, n_records, n_classes)
        Logarithms of each component's (positive) class probabilities.

    Returns
    -------
    proba : ndarray of shape (n_records, n_classes)
        Rows sum to 1.

    Examples
    --------
    Two components that disagree, the first trusted twice as much:

    >>> import numpy as np
    >>> log_pool(np.array([2.0, 1.0]), np.log([[[0.8, 0.2]], [[0.2, 0.8]]]))
    array([[0.8, 0.2]])
    """
    return _log_pool(np.asarray(exponents, float), log_probas)[1]


#: Largest exponent of :func:`log_pool_weights`: on held-out records that the
#: components separate perfectly the likelihood grows without bound as the
#: exponents do, so they stop here (the pool then is all but one-hot).
MAX_EXPONENT = 10.0


def log_pool_weights(
    log_probas, truth, *, start=None, tol=1e-6, max_iter=50, return_proba=False
):
    """Exponents of the logarithmic pool of highest mean log-likelihood.

    Finds ``0 <= a <= MAX_EXPONENT`` maximising the mean over records ``i`` of
    ``log softmax(sum_j a_j log_probas[j, i])[truth[i]]``: a multinomial
    logistic regression whose features are the components' log-probabilities,
    one shared coefficient each, concave in ``a``. Solved by Newton's method on
    the coefficients not held at a bound (an active set), with a
    backtracking line search; a handful of steps from equal exponents.

    Parameters
    ----------
    log_probas : ndarray of shape (n_components, n_records, n_classes)
        Logarithms of each component's (positive) class probabilities of the
        held-out records.
    truth : ndarray of shape (n_records,), int
        Column of each record's true class.
    start : ndarray of shape (n_components,) or None, default=None
        Exponents to start from (a warm start); None starts every exponent
        at ``1 / n_components``.
    tol : float, default=1e-6
        Stop when no exponent moves by more than this.
    max_iter : int, default=50
        Most Newton steps.
    return_proba : bool, default=False
        Also return the pool's probabilities of the records.

    Returns
    -------
    exponents : ndarray of shape (n_components,)
        In ``[0, MAX_EXPONENT]``.
    log_loss : float
        The pool's mean negative log-likelihood of the true classes.
    proba : ndarray of shape (n_records, n_classes)
        Only with ``return_proba``: :func:`log_pool` of the exponents.

    Examples
    --------
    The first component is right on every record, the second never:

    >>> import numpy as np
    >>> logs = np.log([[[0.9, 0.1], [0.1, 0.9]], [[0.5, 0.5], [0.9, 0.1]]])
    >>> exponents, loss = log_pool_weights(logs, np.array([0, 1]))
    >>> bool(exponents[0] > 1 and exponents[1] == 0)
    True
    """
    n_components, n_records, _ = log_probas.shape
    rows = np.arange(n_records)
    true_logs = log_probas[:, rows, truth]
    true_mean = true_logs.mean(axis=1)
    flat = log_probas.reshape(n_components, -1)

    def loss_of(exponents):
        scores, pooled, normaliser = _log_pool(exponents, log_probas)
        return -np.mean(exponents @ true_logs - normaliser), pooled

    if start is None:
        exponents = np.full(n_components, 1.0 / n_components)
    else:
        exponents = np.clip(np.asarray(start, dtype=float), 0.0, MAX_EXPONENT)
    loss, pooled = loss_of(exponents)
    for _ in range(max_iter):
        weighted = pooled[None] * log_probas
        expected = weighted.sum(axis=2)  # E_pool[log p_j] of each record
        gradient = expected.mean(axis=1) - true_mean
        free = ~(
            ((exponents <= 0) & (gradient > 0))
            | ((exponents >= MAX_EXPONENT) & (gradient < 0))
        )
        if not free.any():
            break
        # The Hessian: the mean over records of the pool's covariance of the
        # components' log-probabilities.
        hessian = (
            weighted.reshape(n_components, -1) @ flat.T - expected @ expected.T
        ) / n_records
        step = np.zeros(n_components)
        step[free] = -np.linalg.lstsq(
            hessian[np.ix_(free, free)], gradient[free], rcond=None
        )[0]
        size = 1.0
        while True:
            moved_to = np.clip(exponents + size * step, 0.0, MAX_EXPONENT)
            new_loss, new_pooled = loss_of(moved_to)
            decrease = gradient @ (moved_to - exponents)
            if new_loss <= loss + 1e-4 * decrease or size < 1e-6:
                break
            size /= 2
        moved = np.abs(moved_to - exponents).max()
        if new_loss > loss:  # no step decreases the loss: at the optimum
            break
        exponents, loss, pooled = moved_to, new_loss, new_pooled
        if moved < tol:
            break
    if return_proba:
        return exponents, float(loss), pooled
    return exponents, float(loss)


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
