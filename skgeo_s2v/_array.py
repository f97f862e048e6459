"""A minimal array-namespace adapter.

Every formula in the package is written once, against a namespace ``xp`` that is
either :mod:`numpy` or :mod:`torch`. Both expose the handful of functions the
formulas use under the same names (``sin``, ``cos``, ``stack(..., axis=)``,
``concatenate(..., axis=)``, ``remainder``, ...), so the adapter only has to pick
the module and create constants with the dtype and device of the data.

torch is never imported here: a tensor can only reach this module if the caller
already imported torch.
"""

import sys

import numpy as np

__all__ = ["asarray_like", "astype_like", "get_namespace"]


def get_namespace(x):
    """Return the array namespace (``numpy`` or ``torch``) of ``x``.

    Parameters
    ----------
    x : numpy.ndarray or torch.Tensor
        The array whose namespace is wanted.

    Returns
    -------
    xp : module
        :mod:`numpy` or :mod:`torch`.

    Examples
    --------
    >>> import numpy as np
    >>> get_namespace(np.zeros(3)).__name__
    'numpy'
    """
    if isinstance(x, np.ndarray):
        return np
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(x, torch.Tensor):
        return torch
    raise TypeError(
        f"Expected a numpy array or a torch tensor, got {type(x).__name__}. "
        "Convert the input with numpy.asarray or torch.as_tensor first."
    )


def asarray_like(values, like):
    """Convert ``values`` to an array of the namespace, dtype and device of ``like``.

    Parameters
    ----------
    values : array-like
        Numbers to convert, usually constants of an encoder (frequencies, anchors).
    like : numpy.ndarray or torch.Tensor
        The array whose namespace, floating dtype and device the result takes.

    Returns
    -------
    array : numpy.ndarray or torch.Tensor

    Examples
    --------
    >>> import numpy as np
    >>> asarray_like([1, 2], np.zeros(1, dtype=np.float32)).dtype
    dtype('float32')
    """
    xp = get_namespace(like)
    if xp is np:
        return np.asarray(values, dtype=like.dtype)
    if isinstance(values, xp.Tensor):
        return values.to(dtype=like.dtype, device=like.device)
    return xp.as_tensor(np.asarray(values), dtype=like.dtype, device=like.device)


def astype_like(x, like):
    """Cast ``x`` (e.g. a boolean mask) to the dtype of ``like``, same namespace.

    Examples
    --------
    >>> import numpy as np
    >>> astype_like(np.array([True, False]), np.zeros(1, dtype=np.float32))
    array([1., 0.], dtype=float32)
    """
    if get_namespace(x) is np:
        return x.astype(like.dtype)
    return x.to(like.dtype)
