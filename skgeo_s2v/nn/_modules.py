"""Torch modules of the location encoder ``e(x) = NN(G(x))`` (SPEC §4)."""

import torch
from torch import nn

__all__ = [
    "ACTIVATIONS",
    "ARCHITECTURE_ARGUMENTS",
    "NETWORKS",
    "LocationClassifierModule",
    "LocationEncoderModule",
    "LocationMLP",
    "PositionEncoding",
    "WrapResidualNet",
    "build_location_module",
]

#: Activation names accepted by the networks.
ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "gelu": nn.GELU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "elu": nn.ELU,
    "silu": nn.SiLU,
}


class PositionEncoding(nn.Module):
    """A fitted or stateless position encoder ``G(x)`` as a torch module.

    The encoder's numeric constants (frequencies, anchors, projections) become
    float32 buffers, so ``.to(device)`` moves them once and each batch is
    encoded where it lives, with no host-to-device copy. The encoding is
    computed in float32 even inside a bfloat16 autocast region. The formula
    itself is the encoder's own (``encoder._encode_lonlat``): it is not
    repeated here.

    Parameters
    ----------
    encoder : BasePositionEncoder
        A fitted (or stateless) encoder of the package.

    Examples
    --------
    >>> import torch
    >>> from skgeo_s2v import make_encoder
    >>> encoding = PositionEncoding(make_encoder("sphereM+", n_scales=4))
    >>> encoding(torch.tensor([[10.0, 20.0]])).shape
    torch.Size([1, 32])
    """

    def __init__(self, encoder):
        super().__init__()
        encoder._check_ready()
        self.encoder = encoder
        self.n_features_out = encoder._n_features_out
        self._names = []
        for name, value in encoder._constants().items():
            self.register_buffer(f"const_{name}", torch.as_tensor(value).float())
            self._names.append(name)

    def forward(self, lonlat):
        constants = {name: getattr(self, f"const_{name}") for name in self._names}
        # Always float32, even under mixed-precision autocast: the phases of
        # the fine scales need float32's 24-bit mantissa.
        with torch.autocast(lonlat.device.type, enabled=False):
            return self.encoder._encode_lonlat(torch, lonlat, constants)


class LocationMLP(nn.Module):
    """``h`` layers of ``Linear → activation → Dropout → (+ input) → LayerNorm``.

    The skip connection is added when the layer's input and output widths
    match (every hidden layer after the first), as in SPEC §4.

    Parameters
    ----------
    n_inputs : int
        Width of the position encoding.
    hidden_layers : int
        Number of layers ``h`` (at least 1).
    hidden_units : int
        Width ``k`` of every layer; the embedding ``e(x)`` has this width.
    dropout : float
        Dropout probability.
    activation : str
        A key of :data:`ACTIVATIONS`.
    """

    def __init__(self, n_inputs, hidden_layers, hidden_units, dropout, activation):
        super().__init__()
        widths = [n_inputs] + [hidden_units] * hidden_layers
        self.blocks = nn.ModuleList(
            nn.Sequential(
                nn.Linear(n_in, n_out), ACTIVATIONS[activation](), nn.Dropout(dropout)
            )
            for n_in, n_out in zip(widths[:-1], widths[1:])
        )
        self.norms = nn.ModuleList(nn.LayerNorm(hidden_units) for _ in self.blocks)
        self.skips = [n_in == n_out for n_in, n_out in zip(widths[:-1], widths[1:])]

    def forward(self, x):
        for block, norm, skip in zip(self.blocks, self.norms, self.skips):
            out = block(x)
            x = norm(out + x if skip else out)
        return x


class WrapResidualNet(nn.Module):
    """The residual network of the paper's ``wrap`` baseline (SPEC §4).

    An input ``Linear → activation``, then ``hidden_layers`` residual blocks
    ``x + act(Linear(Dropout(act(Linear(x)))))``.

    Parameters
    ----------
    n_inputs, hidden_layers, hidden_units, dropout, activation
        As for :class:`LocationMLP`.
    """

    def __init__(self, n_inputs, hidden_layers, hidden_units, dropout, activation):
        super().__init__()
        act = ACTIVATIONS[activation]
        self.inputs = nn.Sequential(nn.Linear(n_inputs, hidden_units), act())
        self.blocks = nn.ModuleList(
            nn.Sequential(
                nn.Linear(hidden_units, hidden_units),
                act(),
                nn.Dropout(dropout),
                nn.Linear(hidden_units, hidden_units),
                act(),
            )
            for _ in range(hidden_layers)
        )

    def forward(self, x):
        x = self.inputs(x)
        for block in self.blocks:
            x = x + block(x)
        return x


#: The networks ``NN`` by name.
NETWORKS = {"mlp": LocationMLP, "wrap_residual": WrapResidualNet}

#: Arguments that fix the architecture of the location encoder ``e(x)``.
ARCHITECTURE_ARGUMENTS = (
    "network",
    "hidden_layers",
    "hidden_units",
    "dropout",
    "activation",
)


class LocationEncoderModule(nn.Module):
    """The location encoder ``e(x) = NN(G(x))``: position encoding and network.

    The one place where the architecture is assembled: the class head of the
    classifier (:class:`LocationClassifierModule`) and the projection head of
    the pretraining (:class:`~skgeo_s2v.nn.LocationPretrainingModule`) extend
    it, so both share its ``encoding`` and ``body`` (and their ``state_dict``
    keys), and pretrained weights load into the classifier.

    Parameters
    ----------
    encoder : BasePositionEncoder
        A fitted (or stateless) position encoder ``G``.
    network : {"mlp", "wrap_residual"}
        :class:`LocationMLP` or :class:`WrapResidualNet`.
    hidden_layers, hidden_units, dropout, activation
        The network's shape (SPEC §4); ``e(x)`` has ``hidden_units`` columns.
    n_covariates : int, default=0
        Covariate columns after ``(lon, lat)`` in the input rows: the network
        sees ``[G(lon, lat), covariates]``, concatenated. 0 is location-only.

    Examples
    --------
    >>> import torch
    >>> from skgeo_s2v import make_encoder
    >>> module = LocationEncoderModule(
    ...     encoder=make_encoder("xyz"), network="mlp", hidden_layers=1,
    ...     hidden_units=8, dropout=0.0, activation="relu",
    ... )
    >>> module.embed(torch.zeros(5, 2)).shape
    torch.Size([5, 8])
    """

    def __init__(
        self,
        *,
        encoder,
        network,
        hidden_layers,
        hidden_units,
        dropout,
        activation,
        n_covariates=0,
    ):
        super().__init__()
        self.encoding = PositionEncoding(encoder)
        self.body = NETWORKS[network](
            self.encoding.n_features_out + n_covariates,
            hidden_layers,
            hidden_units,
            dropout,
            activation,
        )
        self.hidden_units = hidden_units
        self.n_covariates = n_covariates

    def embed(self, lonlat):
        """The embedding ``e(x)`` of ``(lon, lat)`` in degrees (then covariates)."""
        if not self.n_covariates:
            return self.body(self.encoding(lonlat))
        encoding = self.encoding(lonlat[:, :2])
        covariates = lonlat[:, 2:].to(encoding.dtype)
        return self.body(torch.cat([encoding, covariates], dim=1))

    def forward(self, lonlat):
        return self.embed(lonlat)


class LocationClassifierModule(LocationEncoderModule):
    """The location encoder and a class head: ``logit = <e(x), T_y>``.

    Parameters
    ----------
    n_classes : int
        Number of classes ``C``: the columns of the class embedding ``T``.
    **architecture
        The arguments of :class:`LocationEncoderModule`.

    Examples
    --------
    >>> import torch
    >>> from skgeo_s2v import make_encoder
    >>> module = LocationClassifierModule(
    ...     n_classes=4, encoder=make_encoder("xyz"), network="mlp",
    ...     hidden_layers=1, hidden_units=8, dropout=0.0, activation="relu",
    ... )
    >>> module(torch.zeros(5, 2)).shape
    torch.Size([5, 4])
    """

    def __init__(self, *, n_classes, **architecture):
        super().__init__(**architecture)
        self.class_embedding = nn.Linear(self.hidden_units, n_classes, bias=False)

    def forward(self, lonlat):
        return self.class_embedding(self.embed(lonlat))


def build_location_module(*, n_classes, **architecture):
    """The classifier module: :class:`LocationClassifierModule` (kept as a factory).

    Parameters
    ----------
    n_classes : int
        Number of classes.
    **architecture
        ``encoder``, ``network``, ``hidden_layers``, ``hidden_units``,
        ``dropout`` and ``activation``, as for :class:`LocationEncoderModule`.

    Returns
    -------
    module : LocationClassifierModule
    """
    return LocationClassifierModule(n_classes=n_classes, **architecture)
