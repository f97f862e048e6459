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

__all__ = ["CompactForest", "fit_compact_forests"]


def fit_compact_forests(make_forest, X, y, *, depths, n_estimators, batch_size, rng):
    """Forests of each of ``depths``, cut from one forest of the deepest, kept compact.

    One forest is grown to the largest of ``depths`` (None: full trees),
    ``batch_size`` trees at a time, and each shallower forest is its trees cut
    at that depth (:meth:`CompactForest.from_forest`): a node at the cut
    holds the class fractions of the records that reached it, as the leaf of
    a tree grown to that depth would. One fit gives every depth, and only one
    batch of full scikit-learn trees is held in memory at a time.

    Parameters
    ----------
    make_forest : callable
        ``make_forest(n_estimators, random_state, max_depth)`` returns an
        unfitted ``RandomForestClassifier`` or ``ExtraTreesClassifier``.
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    depths : sequence of int or None
        ``max_depth`` of each forest returned, distinct; None is full trees.
    n_estimators : int
        Number of trees of each forest.
    batch_size : int
        Trees per batch.
    rng : numpy.random.RandomState
        Draws the seed of each batch.

    Returns
    -------
    compacts : list of CompactForest
        One for each of ``depths``, in their order, sharing their splits down
        to each depth.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(100, 2)), rng.integers(0, 3, 100)
    >>> shallow, full = fit_compact_forests(
    ...     lambda n, seed, depth: RandomForestClassifier(
    ...         n, max_depth=depth, random_state=seed),
    ...     X, y, depths=(2, None), n_estimators=25, batch_size=10,
    ...     rng=np.random.RandomState(0))
    >>> shallow.max_depth, full.max_depth, full.n_estimators
    (2, None, 25)
    >>> full.predict_proba(X[:2]).shape
    (2, 3)
    """
    depths = list(depths)
    deepest = None if None in depths else max(depths)
    batches = {depth: [] for depth in depths}
    for start in range(0, n_estimators, batch_size):
        size = min(batch_size, n_estimators - start)
        forest = make_forest(size, rng.randint(2**31 - 1), deepest).fit(X, y)
        for depth in depths:
            batches[depth].append(CompactForest.from_forest(forest, max_depth=depth))
        del forest
    compacts = [CompactForest.concatenate(batches[depth]) for depth in depths]
    for compact in compacts:
        compact.n_samples_fit_ = len(X)
    return compacts


def _cut_tree(tree, max_depth):
    """A ``tree_``'s children, features, thresholds and values, cut at ``max_depth``.

    Nodes deeper than ``max_depth`` are dropped and those at it become leaves;
    the nodes kept are numbered in their original order. ``max_depth=None``
    keeps every node.
    """
    left = tree.children_left.astype(np.int32)
    right = tree.children_right.astype(np.int32)
    feature = tree.feature.astype(np.int32)
    threshold = tree.threshold.copy()
    values = tree.value[:, 0, :]
    if max_depth is None:
        return left, right, feature, threshold, values
    # The depth of each node down to the cut, level by level from the root;
    # the deeper nodes keep max_depth + 1.
    depth = np.full(len(left), max_depth + 1, dtype=np.int64)
    level, nodes = 0, np.array([0])
    while level <= max_depth and len(nodes):
        depth[nodes] = level
        nodes = nodes[left[nodes] != -1]
        nodes = np.concatenate([left[nodes], right[nodes]])
        level += 1
    keep = depth <= max_depth
    index = np.cumsum(keep) - 1
    at_cut = keep & (depth == max_depth)
    left[at_cut] = right[at_cut] = -1
    inner = left != -1
    left[inner], right[inner] = index[left[inner]], index[right[inner]]
    return left[keep], right[keep], feature[keep], threshold[keep], values[keep]


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
        Number of training rows, when made by :func:`fit_compact_forests`.

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
    def from_forest(cls, forest, max_depth="forest"):
        """Keep what prediction needs of a fitted single-output forest.

        Parameters
        ----------
        forest : RandomForestClassifier or ExtraTreesClassifier
            Fitted, on one output.
        max_depth : int, None or "forest", default="forest"
            Depth at which each tree is cut: a node at this depth becomes a
            leaf holding the class fractions of the training samples that
            reached it (scikit-learn keeps them for every node), which is the
            tree the same splits would have grown with this ``max_depth``;
            it must not exceed the forest's own ``max_depth`` (a ValueError).
            "forest" keeps the trees whole, with the forest's ``max_depth``.

        Returns
        -------
        compact : CompactForest

        Examples
        --------
        Trees that draw nothing at random (every feature tried at each split,
        no bootstrap), grown in full and cut at depth 2, are those grown to
        depth 2:

        >>> import numpy as np
        >>> from sklearn.ensemble import RandomForestClassifier
        >>> rng = np.random.default_rng(0)
        >>> X, y = rng.normal(size=(300, 3)), rng.integers(0, 4, 300)
        >>> exact = {"max_features": None, "bootstrap": False, "random_state": 0}
        >>> forest = RandomForestClassifier(3, **exact).fit(X, y)
        >>> cut = CompactForest.from_forest(forest, max_depth=2)
        >>> grown = RandomForestClassifier(3, max_depth=2, **exact).fit(X, y)
        >>> bool(np.allclose(cut.predict_proba(X), grown.predict_proba(X)))
        True
        """
        if max_depth == "forest":
            max_depth = forest.max_depth
        elif forest.max_depth is not None and (
            max_depth is None or max_depth > forest.max_depth
        ):
            raise ValueError(
                f"Cannot cut trees of max_depth={forest.max_depth} at "
                f"max_depth={max_depth}; fit the forest deeper."
            )
        self = cls()
        self.classes_ = forest.classes_
        self.max_depth = max_depth
        self.n_estimators = len(forest.estimators_)
        self.n_features_in_ = forest.n_features_in_
        self._trees, tables = [], []
        offset = 0
        for estimator in forest.estimators_:
            left, right, feature, threshold, values = _cut_tree(
                estimator.tree_, max_depth
            )
            is_leaf = left == -1
            leaf_row = np.full(len(left), -1, dtype=np.int64)
            leaf_row[is_leaf] = offset + np.arange(is_leaf.sum())
            offset += int(is_leaf.sum())
            values = values[is_leaf]
            tables.append(sparse.csr_matrix(values / values.sum(axis=1, keepdims=True)))
            self._trees.append((left, right, feature, threshold, leaf_row))
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
