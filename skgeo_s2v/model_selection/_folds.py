"""Assignment of whole blocks (or clusters) of records to cross-validation folds."""

import heapq

import numpy as np
from scipy import sparse

__all__ = ["balanced_folds", "stratified_folds"]


def _largest_first(sizes, rng):
    """Block order: a seeded shuffle (when ``rng``), then by decreasing size."""
    order = (
        np.arange(sizes.shape[0]) if rng is None else rng.permutation(sizes.shape[0])
    )
    return order[np.argsort(-sizes[order], kind="stable")]


def balanced_folds(sizes, n_splits, rng=None):
    """Fold of each block, balancing the number of records per fold.

    Greedy largest-first: after a seeded shuffle (which breaks ties between
    blocks of equal size), blocks are taken by decreasing size and each goes
    to the fold that holds the fewest records so far.

    Parameters
    ----------
    sizes : ndarray of shape (n_blocks,)
        Records in each block, all positive.
    n_splits : int
        Number of folds; at most ``n_blocks``.
    rng : numpy.random.RandomState or None
        None keeps the blocks' own order among blocks of equal size.

    Returns
    -------
    fold_of_block : ndarray of shape (n_blocks,)

    Examples
    --------
    >>> balanced_folds(np.array([5, 1, 3, 2, 4]), 2)
    array([0, 0, 1, 0, 1])
    """
    fold_of_block = np.empty(sizes.shape[0], dtype=np.intp)
    loads = [(0, fold) for fold in range(n_splits)]
    for block in _largest_first(sizes, rng):
        load, fold = heapq.heappop(loads)
        fold_of_block[block] = fold
        heapq.heappush(loads, (load + int(sizes[block]), fold))
    return fold_of_block


def stratified_folds(blocks, codes, n_splits, rng=None):
    """Fold of each block, balancing class proportions and record counts.

    Blocks are taken largest first (after a seeded shuffle); each goes to the
    fold where, once it is added, the spread of the folds' class proportions
    (for each class, the standard deviation over folds of the fraction of
    that class's records the fold holds, averaged over classes) plus the
    spread of the folds' shares of all records is smallest. A class with
    records in several blocks is thus spread over several folds, so every
    training set holds some of it; ties go to the fold with fewest records.

    Parameters
    ----------
    blocks : ndarray of shape (n_samples,)
        Block of each record, integers in ``[0, n_blocks)``, each present.
    codes : ndarray of shape (n_samples,)
        Class of each record, integers in ``[0, n_classes)``.
    n_splits : int
        Number of folds; at most ``n_blocks``.
    rng : numpy.random.RandomState or None
        Seeds the order of blocks of equal size.

    Returns
    -------
    fold_of_block : ndarray of shape (n_blocks,)

    Examples
    --------
    Class 1 lives in blocks 1 and 2 only; they go to different folds, so both
    training sets hold some of it:

    >>> stratified_folds(np.array([0, 0, 1, 2, 3, 3]),
    ...                  np.array([0, 0, 1, 1, 0, 0]), 2)
    array([0, 0, 1, 1])
    """
    n_blocks, n_classes = int(blocks.max()) + 1, int(codes.max()) + 1
    counts = sparse.csr_matrix(
        (np.ones(blocks.shape[0]), (blocks, codes)), shape=(n_blocks, n_classes)
    )
    class_totals = np.bincount(codes, minlength=n_classes)
    sizes = np.bincount(blocks, minlength=n_blocks)
    fold_share = np.zeros((n_splits, n_classes))
    fold_sizes = np.zeros(n_splits)
    fold_of_block = np.empty(n_blocks, dtype=np.intp)
    candidates = np.arange(n_splits)
    for block in _largest_first(sizes, rng):
        start, stop = counts.indptr[block], counts.indptr[block + 1]
        columns = counts.indices[start:stop]
        share = counts.data[start:stop] / class_totals[columns]
        # Candidate c adds the block to fold c: shape (candidate, fold, class).
        trial = np.broadcast_to(
            fold_share[:, columns], (n_splits, n_splits, columns.size)
        ).copy()
        trial[candidates, candidates] += share
        class_spread = trial.std(axis=1).sum(axis=1) / n_classes
        trial_sizes = np.broadcast_to(fold_sizes, (n_splits, n_splits)).copy()
        trial_sizes[candidates, candidates] += sizes[block]
        cost = class_spread + trial_sizes.std(axis=1) / blocks.shape[0]
        best = np.flatnonzero(np.isclose(cost, cost.min(), rtol=0, atol=1e-12))
        fold = best[np.argmin(fold_sizes[best])]
        fold_of_block[block] = fold
        fold_share[fold, columns] += share
        fold_sizes[fold] += sizes[block]
    return fold_of_block
