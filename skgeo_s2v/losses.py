"""Training losses of :class:`~skgeo_s2v.SphereLocationClassifier` (SPEC §5).

A loss is a small scikit-learn style object: its parameters are tunable
through the classifier (``loss__pos_weight``), and :meth:`BaseLoss.criterion`
builds the torch criterion that the skorch net calls on each batch as
``criterion(logits, y, background_logits)``. A loss that needs no background
locations (``needs_background`` false) is given an empty ``background_logits``
and the net draws none.
"""

import inspect
from abc import ABCMeta, abstractmethod
from numbers import Real

import torch
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval

from .nn import _losses

__all__ = [
    "LOSSES",
    "BaseLoss",
    "PresenceAbsenceLoss",
    "check_weighted_criterion",
    "make_loss",
]


class BaseLoss(BaseEstimator, metaclass=ABCMeta):
    """Base class of the classifier's losses.

    A subclass states its parameters in ``__init__``, builds its torch
    criterion in :meth:`criterion`, and says in :attr:`needs_background`
    whether it uses background (pseudo-absence) locations.

    Examples
    --------
    A softmax cross-entropy loss, which needs no background:

    >>> import torch
    >>> from skgeo_s2v.losses import BaseLoss
    >>> class SoftmaxCriterion(torch.nn.Module):
    ...     def forward(self, logits, y, background_logits):
    ...         return torch.nn.functional.cross_entropy(logits, y)
    >>> class SoftmaxLoss(BaseLoss):
    ...     needs_background = False
    ...     def criterion(self, n_classes):
    ...         return SoftmaxCriterion()
    >>> criterion = SoftmaxLoss().criterion(n_classes=2)
    >>> round(float(criterion(torch.zeros(1, 2), torch.tensor([0]), None)), 4)
    0.6931
    """

    #: Whether the net draws background locations for this loss.
    needs_background = True

    @abstractmethod
    def criterion(self, n_classes: int) -> torch.nn.Module:
        """The torch criterion for ``n_classes`` classes.

        Parameters
        ----------
        n_classes : int
            Number of classes ``C``.

        Returns
        -------
        criterion : torch.nn.Module
            Called as ``criterion(logits, y, background_logits)`` with the
            ``(n, C)`` logits of a batch, its ``(n,)`` class indices and the
            ``(m, C)`` logits of its background locations; returns a scalar.
            When the classifier is fitted with ``sample_weight`` it is called
            with ``sample_weight=`` too, the ``(n,)`` weights of the batch's
            rows (scaled to a mean of 1 over the training rows): a criterion
            whose ``forward`` takes no ``sample_weight`` argument cannot be
            fitted with weights (:func:`check_weighted_criterion`).
        """


class PresenceAbsenceLoss(BaseLoss):
    """The paper's presence-absence loss with random background (Eq. 8).

    Each labelled point is a presence of its class and an absence of the
    others; the background locations drawn by the classifier's
    ``background`` sampler are absences of every class (SPEC §5).

    Parameters
    ----------
    pos_weight : float or None, default=None
        ``β``, the weight of the presence term; None means the number of
        classes ``C``, as in the paper's code.
    background_weight : float, default=1.0
        ``w_bg``, the weight of the background term. At 0 the loss needs no
        background, and none is drawn.

    Examples
    --------
    >>> import torch
    >>> from skgeo_s2v.losses import PresenceAbsenceLoss
    >>> criterion = PresenceAbsenceLoss(pos_weight=2.0).criterion(n_classes=2)
    >>> zeros = torch.zeros(1, 2)
    >>> round(float(criterion(zeros, torch.tensor([0]), zeros)), 4)
    1.7329
    """

    _parameter_constraints: dict = {
        "pos_weight": [None, Interval(Real, 0, None, closed="left")],
        "background_weight": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, pos_weight=None, background_weight=1.0):
        self.pos_weight = pos_weight
        self.background_weight = background_weight

    @property
    def needs_background(self):
        return self.background_weight != 0

    def criterion(self, n_classes):
        self._validate_params()
        pos_weight = n_classes if self.pos_weight is None else self.pos_weight
        return _losses.PresenceAbsenceLoss(
            pos_weight=float(pos_weight),
            background_weight=float(self.background_weight),
        )


def check_weighted_criterion(loss, n_classes):
    """Refuse ``sample_weight`` for a loss whose criterion cannot weigh rows.

    Parameters
    ----------
    loss : BaseLoss
        The classifier's loss.
    n_classes : int
        Number of classes ``C``.

    Raises
    ------
    ValueError
        If its criterion's ``forward`` has no ``sample_weight`` parameter
        (nor ``**kwargs``).

    Examples
    --------
    >>> from skgeo_s2v.losses import PresenceAbsenceLoss, check_weighted_criterion
    >>> check_weighted_criterion(PresenceAbsenceLoss(), n_classes=3)  # weighs rows
    """
    forward = inspect.signature(loss.criterion(n_classes).forward)
    weighs_rows = any(
        name == "sample_weight" or parameter.kind is parameter.VAR_KEYWORD
        for name, parameter in forward.parameters.items()
    )
    if not weighs_rows:
        raise ValueError(
            f"fit was given sample_weight, but the criterion of loss={loss!r} "
            "takes no sample_weight argument; add sample_weight=None to its "
            "forward (the (n,) weights of a batch's rows) or fit without "
            "weights."
        )


#: Loss names accepted by ``SphereLocationClassifier(loss=...)``.
LOSSES = {"presence_absence": PresenceAbsenceLoss}


def make_loss(loss: "str | BaseLoss") -> BaseLoss:
    """A loss object from a name of :data:`LOSSES`, or a copy of a loss object.

    Parameters
    ----------
    loss : str or BaseLoss
        A name (``"presence_absence"``) or a loss instance.

    Returns
    -------
    loss : BaseLoss
        A new object; the argument is not modified.

    Examples
    --------
    >>> from skgeo_s2v.losses import make_loss
    >>> make_loss("presence_absence")
    PresenceAbsenceLoss()
    """
    if isinstance(loss, BaseLoss):
        return loss.__sklearn_clone__()
    if isinstance(loss, str) and loss in LOSSES:
        return LOSSES[loss]()
    raise ValueError(
        f"loss={loss!r} is not a loss; use one of {', '.join(map(repr, LOSSES))} "
        "or an instance of skgeo_s2v.losses.BaseLoss."
    )
