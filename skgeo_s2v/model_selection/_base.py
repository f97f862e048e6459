"""What every spherical splitter shares: input, folds of whole blocks, buffer."""

import math
import warnings
from collections.abc import Iterator
from numbers import Integral, Real

import numpy as np
from sklearn.model_selection import BaseCrossValidator
from sklearn.utils import _safe_indexing, check_random_state

from .._geometry import unit_vectors_from_degrees
from .._validation import check_class_labels, validate_lonlat
from ._buffer import within_distance
from ._folds import balanced_folds, stratified_folds

__all__ = ["BaseSphericalSplitter"]


def check_positive_km(name, value, *, allow_zero=False):
    """Return ``value`` as a float, or raise a ValueError that says what to pass."""
    bound = "non-negative" if allow_zero else "positive"
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ValueError(
            f"{name}={value!r} must be a {bound} number of kilometres, "
            f"got {type(value).__name__}."
        )
    value = float(value)
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        hint = "0 (no buffer) or more" if allow_zero else "greater than 0"
        raise ValueError(
            f"{name}={value!r} must be a finite number of kilometres, {hint}."
        )
    return value


class BaseSphericalSplitter(BaseCrossValidator):
    """Folds of whole blocks of records on the sphere, with an optional buffer.

    A subclass cuts the records into blocks (:meth:`_blocks`); this base
    validates the input, assigns whole blocks to folds (balanced by records,
    or stratified by class), drops the training records within ``buffer_km``
    of each test fold and yields ``(train, test)`` like any scikit-learn
    splitter.
    """

    def get_n_splits(self, X=None, y=None, groups=None) -> int:
        """Return the number of folds, ``n_splits``.

        Parameters
        ----------
        X, y, groups : object
            Ignored; present for the scikit-learn splitter API.

        Returns
        -------
        n_splits : int
        """
        self._check_n_splits()
        return int(self.n_splits)

    def split(self, X, y=None, groups=None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield training and test rows of each fold.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Records; longitude and latitude in degrees are read from the
            ``columns`` named at construction (the two columns of ``X`` when
            None).
        y : array-like of shape (n_samples,), default=None
            Class labels; needed when ``stratify=True``, else ignored.
        groups : object
            Ignored: the blocks are the groups.

        Yields
        ------
        train : ndarray of int
            Training rows, without those within ``buffer_km`` of a test row.
        test : ndarray of int
            Test rows; over the folds they partition the records.
        """
        self._check_n_splits()
        buffer_km = check_positive_km("buffer_km", self.buffer_km, allow_zero=True)
        lonlat = self._lonlat(X)
        n_samples = lonlat.shape[0]
        if n_samples < self.n_splits:
            raise ValueError(
                f"Cannot split {n_samples} records into n_splits={self.n_splits} "
                "folds: lower n_splits or pass more records."
            )
        classes, codes = self._class_codes(y, n_samples)
        rng = check_random_state(self.random_state)
        blocks, n_blocks = self._compact(self._blocks(lonlat, rng))
        if n_blocks < self.n_splits:
            raise ValueError(
                f"The {n_samples} records fall in {n_blocks} non-empty "
                f"{self._block_name()}, fewer than n_splits={self.n_splits}: "
                f"{self._fewer_blocks_hint()} or lower n_splits."
            )
        order_rng = rng if self.shuffle else None
        if codes is None:
            sizes = np.bincount(blocks, minlength=n_blocks)
            fold_of_block = balanced_folds(sizes, self.n_splits, order_rng)
        else:
            self._warn_single_block_classes(blocks, codes, classes)
            fold_of_block = stratified_folds(blocks, codes, self.n_splits, order_rng)
        fold = fold_of_block[blocks]
        if buffer_km > 0:
            xyz = unit_vectors_from_degrees(lonlat[:, 0], lonlat[:, 1])
        for k in range(self.n_splits):
            test = np.flatnonzero(fold == k)
            train = np.flatnonzero(fold != k)
            if buffer_km > 0:
                train = train[~within_distance(xyz, test, train, buffer_km)]
                if train.size == 0:
                    raise ValueError(
                        f"buffer_km={buffer_km:g} removes every training record "
                        f"of fold {k}: all lie within {buffer_km:g} km of its "
                        "test records. Lower buffer_km, or raise n_splits so "
                        "that each test fold is smaller."
                    )
            yield train, test

    def _check_n_splits(self):
        n_splits = self.n_splits
        if isinstance(n_splits, bool) or not isinstance(n_splits, Integral):
            raise ValueError(f"n_splits={n_splits!r} must be an integer of at least 2.")
        if n_splits < 2:
            raise ValueError(
                f"n_splits={n_splits} must be at least 2: one fold would leave "
                "nothing to train on."
            )

    def _lonlat(self, X):
        """``(lon, lat)`` of the records, validated as the encoders do."""
        name = type(self).__name__
        if self.columns is not None:
            columns = list(self.columns)
            if len(columns) != 2:
                raise ValueError(
                    f"columns={self.columns!r} must name two columns of X: "
                    "longitude then latitude, e.g. columns=('lon', 'lat')."
                )
            try:
                X = _safe_indexing(X, columns, axis=1)
            except (KeyError, IndexError, ValueError) as error:
                found = list(getattr(X, "columns", range(np.shape(X)[-1])))
                raise ValueError(
                    f"{name} reads (lon, lat) from columns={self.columns!r}, "
                    f"which X does not have; its columns are {found}."
                ) from error
        if not hasattr(X, "shape"):
            X = np.asarray(X)
        if len(X.shape) == 2 and X.shape[1] != 2:
            raise ValueError(
                f"X has {X.shape[1]} columns, but {name} needs longitude and "
                "latitude: pass columns=(lon, lat) with their names or "
                "positions, e.g. columns=('lon', 'lat')."
            )
        # None: the splitter is left as constructed, splitting does not change it.
        return validate_lonlat(None, X, reset=True)

    def _class_codes(self, y, n_samples):
        if not self.stratify:
            return None, None
        if y is None:
            raise ValueError(
                f"{type(self).__name__}(stratify=True) needs the class labels: "
                "pass y to split, or use stratify=False."
            )
        y = check_class_labels(y)
        if y.shape[0] != n_samples:
            raise ValueError(
                f"y has {y.shape[0]} labels but X has {n_samples} records."
            )
        classes, codes = np.unique(y, return_inverse=True)
        return classes, codes.ravel()

    @staticmethod
    def _compact(labels):
        """Block labels renumbered ``0 .. n_blocks - 1``, and ``n_blocks``."""
        unique, inverse = np.unique(labels, return_inverse=True)
        return inverse.ravel(), unique.shape[0]

    def _warn_single_block_classes(self, blocks, codes, classes):
        pairs = np.unique(np.stack([codes, blocks]), axis=1)
        blocks_per_class = np.bincount(pairs[0], minlength=int(codes.max()) + 1)
        lonely = np.flatnonzero(blocks_per_class == 1)
        if lonely.size:
            shown = ", ".join(
                repr(c.item() if hasattr(c, "item") else c) for c in classes[lonely[:5]]
            )
            more = f" and {lonely.size - 5} more" if lonely.size > 5 else ""
            warnings.warn(
                f"{lonely.size} classes ({shown}{more}) have all their records "
                f"in a single {self._block_name()[:-1]}: the fold that tests on "
                f"it has none of them in its training set. {self._finer_hint()} "
                "if such classes must be learned in every fold.",
                UserWarning,
                stacklevel=3,
            )

    def _blocks(self, lonlat, rng):
        """Block label (any integers) of each record."""
        raise NotImplementedError

    def _block_name(self):
        return "blocks"

    def _fewer_blocks_hint(self):
        """How to get more blocks, for the error of too few."""
        raise NotImplementedError

    def _finer_hint(self):
        """How to cut finer blocks, for the warning of single-block classes."""
        raise NotImplementedError
