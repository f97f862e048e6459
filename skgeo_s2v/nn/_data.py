"""Mini-batches for the training nets: from tensors, or read from disk per batch."""

import numpy as np
import torch

__all__ = ["MiniBatches", "StreamedRows"]


class StreamedRows:
    """Rows of an out-of-core ``(n, 2)`` array, read when a batch needs them.

    Parameters
    ----------
    array : numpy.memmap or array-like with ``shape`` and numpy indexing
        The ``(lon, lat)`` rows, already validated.
    rows : ndarray of int or None, default=None
        The increasing subset of rows to use (a training split); None uses
        all rows.

    Examples
    --------
    >>> import numpy as np
    >>> source = StreamedRows(np.arange(10.0).reshape(5, 2), rows=np.array([1, 3]))
    >>> len(source), source.read(np.array([1]))
    (2, array([[6., 7.]], dtype=float32))
    """

    def __init__(self, array, rows=None):
        self.array = array
        self.rows = rows

    def __len__(self):
        return self.array.shape[0] if self.rows is None else len(self.rows)

    @property
    def shape(self):
        return (len(self), *tuple(self.array.shape)[1:])

    def read(self, positions):
        """float32 rows at increasing ``positions`` (numpy ints) of this source."""
        rows = positions if self.rows is None else self.rows[positions]
        # h5py and zarr need increasing indices; a memmap reads only these rows.
        return np.asarray(self.array[rows], dtype=np.float32)


class MiniBatches:
    """Mini-batches sliced from whole tensors, or read from a :class:`StreamedRows`.

    Tensors move to ``device`` when the iterator is made, which skorch does
    once per fit (not per epoch); each batch is then an index into them, with
    no per-sample Python. A :class:`StreamedRows` source (for ``X`` or ``y``)
    stays where it is: each batch reads its rows (in increasing order) and
    moves only them. With
    ``max_per_class``, an epoch keeps at most that many examples of each
    class, drawn anew every epoch (class-balanced sampling). With several
    processes (``shard = (rank, world_size)``, for data-parallel training),
    each process takes every ``world_size``-th batch, and all take the same
    number of batches (a remainder of fewer than ``world_size`` batches is
    dropped). With ``sample_weight`` (one weight a row, in memory) each batch
    is ``(X, y, sample_weight)`` of the same rows, otherwise ``(X, y)``.
    """

    def __init__(
        self,
        X,
        y,
        *,
        batch_size,
        device,
        generator=None,
        max_per_class=None,
        shard=(0, 1),
        sample_weight=None,
    ):
        self.streamed = isinstance(X, StreamedRows) or isinstance(y, StreamedRows)
        self.X = self._on_device(X, device)
        self.y = None if y is None else self._on_device(y, device)
        self.sample_weight = None
        if sample_weight is not None:
            self.sample_weight = self._on_device(sample_weight, device)
        # Random orders (and class-balanced subsets) are drawn on the CPU.
        self._y_cpu = None
        if y is not None and not isinstance(y, StreamedRows):
            self._y_cpu = torch.as_tensor(y).cpu()
        self.batch_size = batch_size
        self.device = device
        self.generator = generator
        self.max_per_class = max_per_class
        self.rank, self.world_size = shard

    def _order(self):
        n = len(self.X)
        if self.generator is None:
            return None, n
        order = torch.randperm(n, generator=self.generator)
        if self.max_per_class is not None:
            order = _balanced_subset(
                order, self._y_cpu, self.max_per_class, self.generator
            )
        return order, order.shape[0]

    def _n_rows(self):
        n = len(self.X)
        if self.max_per_class is not None and self._y_cpu is not None:
            counts = torch.bincount(self._y_cpu)
            n = int(torch.clamp(counts, max=self.max_per_class).sum())
        return n

    def _starts(self, n):
        starts = range(0, n, self.batch_size)
        if self.world_size == 1:
            return starts
        usable = len(starts) // self.world_size * self.world_size
        return starts[self.rank : usable : self.world_size]

    def __len__(self):
        return len(self._starts(self._n_rows()))

    def __iter__(self):
        order, n = self._order()
        if order is not None and not self.streamed:
            order = order.to(self.device)
        for start in self._starts(n):
            stop = start + self.batch_size
            rows = slice(start, stop) if order is None else order[start:stop]
            yield self._batch(rows)

    @staticmethod
    def _on_device(data, device):
        if isinstance(data, StreamedRows):
            return data
        return torch.as_tensor(data).to(device)

    def _batch(self, rows):
        if not self.streamed:
            batch = self.X[rows], None if self.y is None else self.y[rows]
        else:
            if isinstance(rows, slice):
                rows = torch.arange(rows.start, min(rows.stop, len(self.X)))
            batch = self._take(self.X, rows), self._take(self.y, rows)
        if self.sample_weight is None:
            return batch
        if isinstance(rows, torch.Tensor):
            rows = rows.to(self.device)
        return (*batch, self.sample_weight[rows])

    def _take(self, data, rows):
        if data is None:
            return None
        if not isinstance(data, StreamedRows):
            return data[rows.to(self.device)]
        # Read in increasing order (h5py needs it; a memmap seeks less), then
        # restore the batch's random order, as the in-memory path has it.
        increasing, order = torch.sort(rows)
        values = torch.from_numpy(data.read(increasing.numpy()))
        return values[torch.argsort(order)].to(self.device)


def _balanced_subset(order, y, max_per_class, generator):
    """Keep at most ``max_per_class`` rows of each class from a random order."""
    y_perm = y[order]
    grouped = torch.argsort(y_perm, stable=True)  # random order within a class
    y_grouped = y_perm[grouped]
    counts = torch.bincount(y_grouped)
    first = torch.cumsum(counts, 0) - counts
    rank = torch.arange(y_grouped.shape[0]) - first[y_grouped]
    kept = grouped[rank < max_per_class]
    return order[kept[torch.randperm(kept.shape[0], generator=generator)]]
