"""A fitted forest of trees kept as its split structure and a sparse leaf table.

scikit-learn's trees store ``n_classes`` float64 values for every node, leaves
and internal nodes alike: 100 full trees on a few hundred classes take a
gigabyte. Prediction needs only the splits and the class distribution of each
leaf, which is sparse (a full tree's leaf holds one or two classes), so
:class:`CompactForest` keeps exactly that, with the same probabilities as the
forest it was made from.
"""

import numpy as np
from scipy import sparse

__all__ = ["CompactForest", "fit_compact_forest"]


def fit_compact_forest(make_forest, X, y, *, n_estimators, batch_size, rng):
    """Fit a forest ``batch_size`` trees at a time, kept compact.

    Only one batch of full scikit-learn trees is held in memory at a time.

    Parameters
    ----------
    make_forest : callable
        ``make_forest(n_estimators, random_state)`` returns an unfitted
        ``RandomForestClassifier`` or ``ExtraTreesClassifier``.
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    n_estimators : int
        Number of trees in all.
    batch_size : int
        Trees per batch.
    rng : numpy.random.RandomState
        Draws the seed of each batch.

    Returns
    -------
    compact : CompactForest

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(100, 2)), rng.integers(0, 3, 100)
    >>> forest = fit_compact_forest(
    ...     lambda n, seed: RandomForestClassifier(n, random_state=seed),
    ...     X, y, n_estimators=25, batch_size=10, rng=np.random.RandomState(0))
    >>> forest.n_estimators, forest.predict_proba(X[:2]).shape
    (25, (2, 3))
    """
    batches = []
    for start in range(0, n_estimators, batch_size):
        size = min(batch_size, n_estimators - start)
        forest = make_forest(size, rng.randint(2**31 - 1)).fit(X, y)
        batches.append(CompactForest.from_forest(forest))
        del forest
    compact = CompactForest.concatenate(batches)
    compact.n_samples_fit_ = len(X)
    return compact


class CompactForest:
    """The prediction of a fitted scikit-learn forest, in less memory.

    Built by :meth:`from_forest`; ``predict_proba`` gives the forest's
    ``predict_proba`` (the mean over trees of each leaf's class fractions),
    routing a sample as scikit-learn does (float32 features, ``x <=
    threshold`` goes left).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The forest's class labels.
    max_depth : int or None
        The forest's ``max_depth``.
    n_estimators : int
        Number of trees.
    n_features_in_ : int
        Number of input features.
    n_samples_fit_ : int
        Number of training rows, when made by :func:`fit_compact_forest`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(200, 3)), rng.integers(0, 4, 200)
    >>> forest = RandomForestClassifier(10, random_state=0).fit(X, y)
    >>> compact = CompactForest.from_forest(forest)
    >>> bool(np.allclose(compact.predict_proba(X), forest.predict_proba(X)))
    True
    """

    @classmethod
    def from_forest(cls, forest):
        """Keep what prediction needs of a fitted single-output forest.

        Parameters
        ----------
        forest : RandomForestClassifier or ExtraTreesClassifier
            Fitted, on one output.

        Returns
        -------
        compact : CompactForest
        """
        self = cls()
        self.classes_ = forest.classes_
        self.max_depth = forest.max_depth
        self.n_estimators = len(forest.estimators_)
        self.n_features_in_ = forest.n_features_in_
        self._trees, tables = [], []
        offset = 0
        for estimator in forest.estimators_:
            tree = estimator.tree_
            is_leaf = tree.children_left == -1
            leaf_row = np.full(tree.node_count, -1, dtype=np.int64)
            leaf_row[is_leaf] = offset + np.arange(is_leaf.sum())
            offset += int(is_leaf.sum())
            values = tree.value[is_leaf, 0, :]
            tables.append(sparse.csr_matrix(values / values.sum(axis=1, keepdims=True)))
            self._trees.append(
                (
                    tree.children_left.astype(np.int32),
                    tree.children_right.astype(np.int32),
                    tree.feature.astype(np.int32),
                    tree.threshold.copy(),
                    leaf_row,
                )
            )
        self._leaf_table = sparse.vstack(tables, format="csr")
        return self

    @classmethod
    def concatenate(cls, forests):
        """One forest of the trees of ``forests`` (fitted on the same classes).

        Parameters
        ----------
        forests : list of CompactForest

        Returns
        -------
        compact : CompactForest
        """
        first = forests[0]
        self = cls()
        self.classes_ = first.classes_
        self.max_depth = first.max_depth
        self.n_features_in_ = first.n_features_in_
        self.n_estimators = sum(f.n_estimators for f in forests)
        self._trees, offset = [], 0
        for forest in forests:
            for *splits, leaf_row in forest._trees:
                shifted = np.where(leaf_row >= 0, leaf_row + offset, -1)
                self._trees.append((*splits, shifted))
            offset += forest._leaf_table.shape[0]
        self._leaf_table = sparse.vstack([f._leaf_table for f in forests], format="csr")
        return self

    def _leaves(self, X):
        """Row of ``_leaf_table`` reached by each sample, one column per tree."""
        X = np.asarray(X, dtype=np.float32)
        if X.ndim != 2 or X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has shape {X.shape}, but the forest was fitted on "
                f"{self.n_features_in_} features. A NeighborBlendClassifier "
                "pickled by another version of skgeo_s2v (whose forest_features "
                "gave another number of columns) must be fitted again."
            )
        rows = np.arange(len(X))
        leaves = np.empty((len(X), self.n_estimators), dtype=np.int64)
        for t, (left, right, feature, threshold, leaf_row) in enumerate(self._trees):
            node = np.zeros(len(X), dtype=np.int32)
            active = rows[left[node] != -1]
            while len(active):
                at = node[active]
                go_left = X[active, feature[at]] <= threshold[at]
                node[active] = np.where(go_left, left[at], right[at])
                active = active[left[node[active]] != -1]
            leaves[:, t] = leaf_row[node]
        return leaves

    def predict_proba(self, X):
        """Mean over trees of the class fractions of the leaf reached.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_in_)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``; rows sum to 1.
        """
        leaves = self._leaves(X)
        n_samples = leaves.shape[0]
        routing = sparse.csr_matrix(
            (
                np.full(leaves.size, 1.0 / self.n_estimators),
                leaves.ravel(),
                np.arange(0, leaves.size + 1, self.n_estimators),
            ),
            shape=(n_samples, self._leaf_table.shape[0]),
        )
        return (routing @ self._leaf_table).toarray()

    @property
    def nbytes(self):
        """Bytes held by the split arrays and the leaf table."""
        table = self._leaf_table
        arrays = [a for tree in self._trees for a in tree]
        arrays += [table.data, table.indices, table.indptr]
        return int(sum(a.nbytes for a in arrays))
