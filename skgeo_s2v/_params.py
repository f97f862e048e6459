"""The classifier's parameter surface: nested objects, ``optimizer__*``, old names.

:class:`NestedParamsMixin` extends scikit-learn's ``get_params``/``set_params``
so that ``optimizer__<name>`` values are parameters (kept as attributes and
handed to skorch, as skorch's own nets do), a nested value on a short form
(``encoder__n_scales`` on ``encoder="sphereM+"``, ``loss__pos_weight`` on
``loss="presence_absence"``, ``background__n_per_example`` or
``pretraining__loss`` on None) first builds the object it stands for, and the
spellings of before 0.2 are translated (:mod:`skgeo_s2v._deprecation`).
"""

from . import _deprecation
from ._contrastive_pretraining import ContrastivePretraining
from .background import UniformSphereBackground
from .encoders import make_encoder
from .losses import make_loss

__all__ = ["NestedParamsMixin"]

# Parameter -> what replaces its short form (a name, None) when ``set_params``
# is given nested ``<parameter>__<name>`` values.
_COMPONENT_DEFAULTS = {
    "encoder": make_encoder,
    "loss": make_loss,
    "background": lambda value: UniformSphereBackground(),
    "pretraining": lambda value: ContrastivePretraining(),
}
_OPTIMIZER_PREFIX = "optimizer__"


class NestedParamsMixin:
    """``get_params``/``set_params`` with ``optimizer__*`` and nested defaults."""

    def _optimizer_params(self):
        return {k: v for k, v in vars(self).items() if k.startswith(_OPTIMIZER_PREFIX)}

    def get_params(self, deep=True):
        """Parameters, ``optimizer__*`` included (see :meth:`set_params`).

        Parameters
        ----------
        deep : bool, default=True
            Include the parameters of the encoder, loss, background and
            pretraining objects.

        Returns
        -------
        params : dict
        """
        return {**super().get_params(deep=deep), **self._optimizer_params()}

    def set_params(self, **params):
        """Set parameters, nested ones and ``optimizer__<name>`` included.

        ``optimizer__<name>`` values are kept and handed to skorch's optimizer.
        A nested ``encoder__*``, ``loss__*``, ``background__*`` or
        ``pretraining__*`` value on a short form (an encoder or loss name,
        None) first replaces it by the object it stands for, so
        ``GridSearchCV(SphereLocationClassifier(), {"encoder__min_radius":
        ..., "loss__pos_weight": ...})`` works as is. Old spellings are
        translated with a ``FutureWarning``.

        Parameters
        ----------
        **params : dict
            Estimator parameters.

        Returns
        -------
        self : SphereLocationClassifier
            This estimator.
        """
        params = _deprecation.translate(params)
        for key in [k for k in params if k.startswith(_OPTIMIZER_PREFIX)]:
            setattr(self, key, params.pop(key))
        for name, make in _COMPONENT_DEFAULTS.items():
            if any(key.startswith(f"{name}__") for key in params):
                value = params.get(name, getattr(self, name))
                if value is None or isinstance(value, str):
                    params[name] = make(value)
        return super().set_params(**params)
