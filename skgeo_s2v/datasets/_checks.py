"""Argument checks and class filters shared by the data loaders."""

from numbers import Integral


def check_integer_at_least(value, name, lowest):
    """Refuse ``value`` unless it is an integer (not a bool) of at least
    ``lowest``, naming the argument.

    Examples
    --------
    >>> check_integer_at_least(3, "min_samples_per_class", 1)
    3
    >>> check_integer_at_least(0, "min_samples_per_class", 1)
    Traceback (most recent call last):
    ...
    ValueError: min_samples_per_class=0 must be an integer of at least 1.
    """
    if not isinstance(value, Integral) or isinstance(value, bool) or value < lowest:
        raise ValueError(f"{name}={value!r} must be an integer of at least {lowest}.")
    return int(value)


def keep_classes_with_at_least(frame, column, least):
    """The rows of ``frame`` whose ``column`` holds a class of at least
    ``least`` rows, index reset (a new frame)."""
    counts = frame[column].value_counts()
    kept = counts.index[counts >= least]
    return frame[frame[column].isin(kept)].reset_index(drop=True)
