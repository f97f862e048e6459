"""Self-supervised pretraining losses of the location encoder (SPEC §6).

Unlabelled pairs ``(x, F(I))`` pair a location with a fixed feature vector
(an image embedding in the paper, any modality here). Three objectives:

- ``"mc"``: InfoNCE (paper Eq. 7) with in-batch negatives (``τ0``), sampled
  negative locations (``α1``, ``τ1``) and the SimCSE dropout term (``α2``,
  ``τ2``);
- ``"bi"``: the binary noise-contrastive version (paper Eq. 6, ``β1``, ``β2``);
- ``"mse"``: regression of ``F(I)`` from a linear map of ``e(x)``.

Every similarity matrix is one batch wide (``B × B`` or ``B × |N_s|``), so
memory does not grow with the size of the data.
"""

import torch
from torch import nn
from torch.nn import functional as F

from ._modules import LocationEncoderModule

__all__ = [
    "PRETRAINING_LOSSES",
    "PRETRAINING_DEFAULTS",
    "ContrastiveLoss",
    "LocationPretrainingModule",
    "bi_term",
    "build_pretraining_module",
    "contrastive_loss",
    "cosine_similarity_matrix",
    "mc_term",
]

#: Names of the pretraining objectives.
PRETRAINING_LOSSES = ("mc", "bi", "mse")

#: Best values of the paper's ablations on iNat2018 with sphereM+ (Appendix
#: 9.10): learning rate, weight of the negative-location term (α1 / β1) and of
#: the SimCSE term (α2 / β2). Table 5 (MC): lr 5e-4, α1 = α2 = 1; Table 6 (BI):
#: lr 2e-4, β1 = 1, β2 = 0.1; Table 7 (MSE): lr 2e-6.
PRETRAINING_DEFAULTS = {
    "mc": {"lr": 5e-4, "location_weight": 1.0, "dropout_weight": 1.0},
    "bi": {"lr": 2e-4, "location_weight": 1.0, "dropout_weight": 0.1},
    "mse": {"lr": 2e-6, "location_weight": 0.0, "dropout_weight": 0.0},
}


def cosine_similarity_matrix(a, b):
    """All cosine similarities ``s(a_i, b_j)`` of two sets of row vectors.

    Parameters
    ----------
    a : torch.Tensor of shape (n, k)
    b : torch.Tensor of shape (m, k)

    Returns
    -------
    similarity : torch.Tensor of shape (n, m)

    Examples
    --------
    >>> import torch
    >>> cosine_similarity_matrix(torch.tensor([[1.0, 0.0]]), torch.eye(2))
    tensor([[1., 0.]])
    """
    return F.normalize(a, dim=-1) @ F.normalize(b, dim=-1).T


def mc_term(positive, negatives, temperature):
    """``L_MC(P, N, τ)``: InfoNCE of one positive against its negatives.

    ``mean_i −log[exp(s⁺_i/τ) / (exp(s⁺_i/τ) + Σ_j exp(s⁻_ij/τ))]``.

    Parameters
    ----------
    positive : torch.Tensor of shape (n,)
        Similarity ``s⁺_i`` of each positive pair.
    negatives : torch.Tensor of shape (n, m)
        Similarities ``s⁻_ij`` of the negatives of each positive; ``m = 0``
        gives a zero loss.
    temperature : float
        ``τ``.

    Returns
    -------
    loss : torch.Tensor
        A scalar.

    Examples
    --------
    >>> import torch
    >>> loss = mc_term(torch.zeros(1), torch.zeros(1, 3), temperature=1.0)
    >>> round(float(loss), 4)  # log 4
    1.3863
    """
    scores = torch.cat([positive.unsqueeze(1), negatives], dim=1) / temperature
    return (torch.logsumexp(scores, dim=1) - scores[:, 0]).mean()


def bi_term(positive, negatives):
    """``L_BI(P, N)``: ``−E_P log σ(s⁺) − E_N log(1 − σ(s⁻))`` (NCE).

    Computed as ``mean softplus(−s⁺) + mean softplus(s⁻)``; an empty set of
    negatives contributes nothing.

    Parameters
    ----------
    positive : torch.Tensor of shape (n,)
        Similarities of the positive pairs.
    negatives : torch.Tensor of any shape
        Similarities of the negative pairs.

    Returns
    -------
    loss : torch.Tensor
        A scalar.

    Examples
    --------
    >>> import torch
    >>> loss = bi_term(torch.zeros(2), torch.zeros(2, 2))
    >>> round(float(loss), 4)  # 2 log 2
    1.3863
    """
    loss = F.softplus(-positive).mean()
    if negatives.numel():
        loss = loss + F.softplus(negatives).mean()
    return loss


def _diagonal_and_rest(similarity):
    """Split a square ``(B, B)`` matrix into its diagonal and the ``B − 1``
    off-diagonal entries of each row."""
    n = similarity.shape[0]
    off_diagonal = ~torch.eye(n, dtype=torch.bool, device=similarity.device)
    return similarity.diagonal(), similarity[off_diagonal].view(n, n - 1)


def contrastive_loss(
    embedding,
    dropout_embedding,
    negative_embedding,
    target,
    *,
    kind="mc",
    temperatures=(20.0, 1.0, 1.0),
    location_weight=None,
    dropout_weight=None,
):
    """The paper's Eq. 6 (``kind="bi"``) or Eq. 7 (``kind="mc"``) on one batch.

    With ``s`` the cosine similarity and ``W F(I)`` the projected features:

    - positives ``P_x``: ``(e(x_i), W F(I_i))``; in-batch negatives ``N_b``:
      ``(e(x_i), W F(I_j))``, ``j ≠ i``;
    - sampled negative locations ``N_s``: ``(e(x⁻_ik), W F(I_i))`` for the
      ``|N_s|`` random locations ``x⁻_ik`` drawn for example ``i``;
    - dropout positives ``P_d``: ``(e(x_i), e'(x_i))`` with a second dropout
      mask; dropout negatives ``N_d``: ``(e(x_i), e'(x_j))``, ``j ≠ i``.

    ``mc``: ``L_MC(P_x, N_b, τ0) + α1 L_MC(P_x, N_s, τ1) + α2 L_MC(P_d, N_d, τ2)``;
    ``bi``: ``L_BI(P_x, N_b) + β1 L_BI(P_x, N_s) + β2 L_BI(P_d, N_d)``.

    Parameters
    ----------
    embedding : torch.Tensor of shape (B, k)
        ``e(x)`` of the batch.
    dropout_embedding : torch.Tensor of shape (B, k)
        ``e'(x)``: the same locations under another dropout mask.
    negative_embedding : torch.Tensor of shape (B, |N_s|, k)
        ``e(x⁻)`` of the random locations drawn for each example.
    target : torch.Tensor of shape (B, k)
        ``W F(I)``, the projected features.
    kind : {"mc", "bi"}, default="mc"
        Multi-class (InfoNCE) or binary (NCE) objective.
    temperatures : tuple of 3 floats, default=(20.0, 1.0, 1.0)
        ``(τ0, τ1, τ2)``, used by ``"mc"`` only.
    location_weight : float or None, default=None
        ``α1`` or ``β1``; None takes :data:`PRETRAINING_DEFAULTS`.
    dropout_weight : float or None, default=None
        ``α2`` or ``β2``; None takes :data:`PRETRAINING_DEFAULTS`.

    Returns
    -------
    loss : torch.Tensor
        A scalar.

    Examples
    --------
    >>> import torch
    >>> e = torch.eye(2)
    >>> loss = contrastive_loss(
    ...     e, e, -e.unsqueeze(1), e, temperatures=(1.0, 1.0, 1.0)
    ... )
    >>> round(float(loss), 4)  # 2 log(1 + e^-1) + log(1 + e^-2)
    0.7534
    """
    if kind not in ("mc", "bi"):
        raise ValueError(f"kind must be 'mc' or 'bi', got {kind!r}.")
    defaults = PRETRAINING_DEFAULTS[kind]
    weights = (
        1.0,
        defaults["location_weight"] if location_weight is None else location_weight,
        defaults["dropout_weight"] if dropout_weight is None else dropout_weight,
    )
    in_batch = _diagonal_and_rest(cosine_similarity_matrix(embedding, target))
    location = (
        in_batch[0],
        F.cosine_similarity(negative_embedding, target.unsqueeze(1), dim=-1),
    )
    dropout = _diagonal_and_rest(cosine_similarity_matrix(embedding, dropout_embedding))
    loss = embedding.new_zeros(())
    for weight, temperature, (positive, negatives) in zip(
        weights, temperatures, (in_batch, location, dropout)
    ):
        if not weight:
            continue
        if kind == "mc":
            term = mc_term(positive, negatives, temperature)
        else:
            term = bi_term(positive, negatives)
        loss = loss + weight * term
    return loss


class ContrastiveLoss(nn.Module):
    """Module form of :func:`contrastive_loss`, usable as a skorch criterion.

    Parameters
    ----------
    kind : {"mc", "bi"}, default="mc"
    temperatures : tuple of 3 floats, default=(20.0, 1.0, 1.0)
        ``(τ0, τ1, τ2)``.
    location_weight, dropout_weight : float or None, default=None
        ``α1, α2`` (``"mc"``) or ``β1, β2`` (``"bi"``).
    """

    def __init__(
        self,
        kind="mc",
        temperatures=(20.0, 1.0, 1.0),
        location_weight=None,
        dropout_weight=None,
    ):
        super().__init__()
        self.kind = kind
        self.temperatures = tuple(temperatures)
        self.location_weight = location_weight
        self.dropout_weight = dropout_weight

    def forward(self, embedding, dropout_embedding, negative_embedding, target):
        return contrastive_loss(
            embedding,
            dropout_embedding,
            negative_embedding,
            target,
            kind=self.kind,
            temperatures=self.temperatures,
            location_weight=self.location_weight,
            dropout_weight=self.dropout_weight,
        )


class LocationPretrainingModule(LocationEncoderModule):
    """The location encoder ``e(x)`` plus the projection of the pretraining.

    It extends :class:`~skgeo_s2v.nn.LocationEncoderModule`, as the
    classifier's module does, so its ``encoding`` and ``body`` keep their
    ``state_dict`` keys and the pretrained weights load into the classifier
    for fine-tuning.

    Parameters
    ----------
    n_features : int
        Width ``d`` of the features ``F(I)``.
    loss : {"mc", "bi", "mse"}
        For ``"mc"`` and ``"bi"``, ``projection`` is ``W``: ``d → k``, without
        bias (SPEC §6). For ``"mse"`` it maps ``e(x)`` to the features,
        ``k → d`` with a bias, so the fixed features are the regression target
        (projecting them instead would let both sides collapse to zero).
    **architecture
        The arguments of :class:`~skgeo_s2v.nn.LocationEncoderModule`.

    Examples
    --------
    >>> import torch
    >>> from skgeo_s2v import make_encoder
    >>> module = LocationPretrainingModule(
    ...     n_features=5, loss="mc", encoder=make_encoder("xyz"), network="mlp",
    ...     hidden_layers=1, hidden_units=8, dropout=0.0, activation="relu",
    ... )
    >>> module.embed(torch.zeros(4, 2)).shape, module.projection.weight.shape
    (torch.Size([4, 8]), torch.Size([8, 5]))
    """

    def __init__(self, *, n_features, loss, **architecture):
        super().__init__(**architecture)
        if loss == "mse":
            self.projection = nn.Linear(self.hidden_units, n_features)
        else:
            self.projection = nn.Linear(n_features, self.hidden_units, bias=False)


def build_pretraining_module(*, n_features, loss, **architecture):
    """The pretraining module: :class:`LocationPretrainingModule` (a factory).

    Parameters
    ----------
    n_features : int
        Width ``d`` of the paired features ``F(I)``.
    loss : {"mc", "bi", "mse"}
        The objective, which sets the direction of the projection.
    **architecture
        As for :func:`~skgeo_s2v.nn.build_location_module`.

    Returns
    -------
    module : LocationPretrainingModule

    Examples
    --------
    >>> from skgeo_s2v import make_encoder
    >>> module = build_pretraining_module(
    ...     encoder=make_encoder("xyz"), network="mlp", hidden_layers=1,
    ...     hidden_units=8, dropout=0.5, activation="relu", n_features=5, loss="mse",
    ... )
    >>> module.projection
    Linear(in_features=8, out_features=5, bias=True)
    """
    return LocationPretrainingModule(n_features=n_features, loss=loss, **architecture)
