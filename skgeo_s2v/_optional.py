"""Import of an optional dependency, with an error that names the extra to install."""

import importlib

__all__ = ["import_optional"]


def import_optional(module, extra, purpose):
    """Import ``module``, or raise an ImportError naming ``skgeo_s2v[extra]``.

    Parameters
    ----------
    module : str
        Dotted name of the module.
    extra : str
        The optional-dependency group of ``pyproject.toml`` that installs it.
    purpose : str
        What needs it, for the message (e.g. ``"PolygonBackground"``).

    Returns
    -------
    module : module

    Examples
    --------
    >>> import_optional("math", "sdm", "this example").sqrt(4.0)
    2.0
    >>> import_optional("no_such_module", "sdm", "this example")
    Traceback (most recent call last):
    ...
    ImportError: this example needs no_such_module; install it with: ...sdm...
    """
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(
            f"{purpose} needs {module.split('.')[0]}; install it with: "
            f"pip install 'skgeo_s2v[{extra}]'"
        ) from error
