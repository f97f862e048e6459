"""The supervised presence-absence loss with random background (SPEC §5)."""

import torch
from torch import nn
from torch.nn import functional as F

from .._sampling import lonlat_from_uniform

__all__ = [
    "PresenceAbsenceLoss",
    "log_class_probabilities",
    "presence_absence_loss",
    "sample_background",
]


def sample_background(n, *, generator, device=None, dtype=torch.float32):
    """Draw ``n`` locations uniformly on the sphere, on ``device``.

    ``lon ~ U[-180, 180)`` and ``lat = degrees(arcsin(U[-1, 1]))`` (SPEC §5),
    over all four quadrants.

    Parameters
    ----------
    n : int
        Number of locations.
    generator : torch.Generator
        Random generator living on ``device``.
    device : torch.device or str, default=None
        Device of the output; the generator's device when None.
    dtype : torch.dtype, default=torch.float32

    Returns
    -------
    lonlat : torch.Tensor of shape (n, 2)
        Longitudes and latitudes in degrees.

    Examples
    --------
    >>> import torch
    >>> generator = torch.Generator().manual_seed(0)
    >>> sample_background(4, generator=generator).shape
    torch.Size([4, 2])
    """
    device = generator.device if device is None else device
    u = torch.rand(2, n, generator=generator, device=device, dtype=dtype)
    return lonlat_from_uniform(u[0], u[1])


def presence_absence_loss(
    logits,
    y,
    background_logits,
    *,
    pos_weight,
    background_weight=1.0,
    sample_weight=None,
):
    """Presence-absence loss of the paper's Eq. 8 (SPEC §5).

    ``mean_i [β·(−log σ(l_{i,y_i})) + Σ_{c≠y_i} −log(1 − σ(l_{i,c}))] / C +
    w_bg · mean_j Σ_c −log(1 − σ(l(x_j⁻, c))) / C``, computed with the stable
    forms ``−log σ(l) = softplus(−l)`` and ``−log(1 − σ(l)) = softplus(l)``.
    With ``sample_weight`` each labelled point's term is multiplied by its
    weight ``s_i`` before the mean over the batch (the background term is
    not weighted).

    Parameters
    ----------
    logits : torch.Tensor of shape (n, C)
        Class logits of the labelled points.
    y : torch.Tensor of shape (n,)
        Integer class indices in ``[0, C)``.
    background_logits : torch.Tensor of shape (m, C)
        Class logits of the random background locations (``m = N·n``; the
        background term averages over all of them).
    pos_weight : float
        ``β``, the weight of the positive term.
    background_weight : float, default=1.0
        ``w_bg``, the weight of the background term.
    sample_weight : torch.Tensor of shape (n,) or None, default=None
        The weight of each labelled point's term; None weighs each 1.

    Returns
    -------
    loss : torch.Tensor
        A scalar.

    Examples
    --------
    >>> import torch
    >>> zeros = torch.zeros(1, 2)
    >>> loss = presence_absence_loss(zeros, torch.tensor([0]), zeros, pos_weight=2)
    >>> round(float(loss), 4)  # (2 log 2 + log 2) / 2 + 2 log 2 / 2
    1.7329
    >>> weights = torch.tensor([0.5])  # half the labelled term, all the background
    >>> loss = presence_absence_loss(
    ...     zeros, torch.tensor([0]), zeros, pos_weight=2, sample_weight=weights
    ... )
    >>> round(float(loss), 4)  # 0.5 (2 log 2 + log 2) / 2 + 2 log 2 / 2
    1.213
    """
    n_classes = logits.shape[1]
    y = y.long().unsqueeze(1)
    true_logit = logits.gather(1, y).squeeze(1)
    absent = F.softplus(logits).sum(dim=1) - F.softplus(true_logit)
    present = F.softplus(-true_logit)
    labelled = pos_weight * present + absent
    if sample_weight is not None:
        labelled = labelled * sample_weight.to(labelled.dtype)
    loss = labelled.mean() / n_classes
    if background_weight and background_logits.shape[0]:
        background = F.softplus(background_logits).sum(dim=1).mean() / n_classes
        loss = loss + background_weight * background
    return loss


class PresenceAbsenceLoss(nn.Module):
    """Module form of :func:`presence_absence_loss`, usable as a skorch criterion.

    Parameters
    ----------
    pos_weight : float
        ``β``, the weight of the positive term.
    background_weight : float, default=1.0
        ``w_bg``, the weight of the background term.
    """

    def __init__(self, pos_weight, background_weight=1.0):
        super().__init__()
        self.pos_weight = pos_weight
        self.background_weight = background_weight

    def forward(self, logits, y, background_logits, sample_weight=None):
        return presence_absence_loss(
            logits,
            y,
            background_logits,
            pos_weight=self.pos_weight,
            background_weight=self.background_weight,
            sample_weight=sample_weight,
        )


def log_class_probabilities(logits):
    """Log of the class probabilities ``σ(l_c) / Σ_c' σ(l_c')``.

    The presence probabilities ``σ(l_c)`` of one location, normalised to sum
    to 1 over the classes: the classifier's ``predict_proba``. Computed as
    ``log_softmax(log σ(l))``, stable for any logits.

    Parameters
    ----------
    logits : torch.Tensor of shape (n, C)
        Class logits.

    Returns
    -------
    log_proba : torch.Tensor of shape (n, C)
        Each row's log-probabilities; their exponentials sum to 1.

    Examples
    --------
    >>> import torch
    >>> log_proba = log_class_probabilities(torch.tensor([[0.0, 0.0, 50.0]]))
    >>> log_proba.exp().sum().item()
    1.0
    >>> round(log_proba.exp()[0, 2].item(), 4)  # σ(50) / (σ(0) + σ(0) + σ(50))
    0.5
    """
    return torch.log_softmax(F.logsigmoid(logits), dim=1)
