"""ContrastivePretraining: self-supervised pretraining of the location encoder.

The estimator of SPEC §6, on its own: ``fit(X_unlabeled, features)`` learns
``e(x)`` from unlabelled ``(location, features)`` pairs, ``transform`` gives
the embeddings and ``pretrained_`` the weights that
:class:`~skgeo_s2v.SphereLocationClassifier` fine-tunes (its ``pretraining``
parameter).
"""

from numbers import Integral, Real

import torch
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context, clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from skorch.callbacks import ProgressBar

from ._fitting import (
    ARCHITECTURE_CONSTRAINTS,
    fit_position_encoder,
    make_position_encoder,
    module_arguments,
    training_rows,
)
from ._inference import predict_chunks, validate_any_lonlat
from ._pretraining import PretrainedEncoder, check_pretraining_data
from ._validation import is_out_of_core
from .nn import (
    ARCHITECTURE_ARGUMENTS,
    PRETRAINING_DEFAULTS,
    PRETRAINING_LOSSES,
    ContrastiveLoss,
    LocationPretrainingModule,
)
from .nn._training import _PretrainingNet, _resolve_device, _seeded, torch_threads

__all__ = ["DEFAULT_LEARNING_RATES", "ContrastivePretraining"]

#: Learning rate of each loss when ``lr`` is None: 1e-3 for the contrastive
#: losses (the paper's iNat2018 values, ``PRETRAINING_DEFAULTS``, were too
#: small on smaller data), the paper's for ``"mse"``.
DEFAULT_LEARNING_RATES = {
    "mc": 1e-3,
    "bi": 1e-3,
    "mse": PRETRAINING_DEFAULTS["mse"]["lr"],
}

#: The classifier settings a pretraining run inside its ``fit`` takes over.
SHARED_WITH_CLASSIFIER = (
    "encoder",
    *ARCHITECTURE_ARGUMENTS,
    "mixed_precision",
    "n_threads",
    "verbose",
)


class ContrastivePretraining(TransformerMixin, BaseEstimator):
    """Pretrain a location encoder on unlabelled ``(location, features)`` pairs.

    Learns ``e(x) = NN(G(x))`` so that it matches a linear projection ``W F``
    of features ``F`` observed at ``x`` (image embeddings in the paper; any
    fixed vectors work), with a contrastive or regression objective
    (SPEC §6). The fitted weights (:attr:`pretrained_`) are what
    :class:`~skgeo_s2v.SphereLocationClassifier` fine-tunes when given this
    estimator as its ``pretraining``: fitted (wrap it in
    :class:`~sklearn.frozen.FrozenEstimator` so that every clone shares it),
    or unfitted, to be run inside the classifier's ``fit`` on
    ``pretrain_X``/``pretrain_features`` (so a grid search can tune
    ``pretraining__loss``). Run inside the classifier, it takes the
    classifier's encoder, architecture, precision, threads, verbosity, device
    and seed, so that its weights fit the classifier.

    Parameters
    ----------
    encoder : str or BasePositionEncoder, default="sphereM+"
        The position encoder ``G``, as for the classifier.
    hidden_layers : int, default=1
        Hidden layers ``h`` of the network.
    hidden_units : int, default=512
        Width ``k`` of the embedding ``e(x)``.
    dropout : float, default=0.5
        Dropout probability; the SimCSE term needs it above 0.
    activation : str, default="relu"
        A key of :data:`skgeo_s2v.nn.ACTIVATIONS`.
    network : {"mlp", "wrap_residual"}, default="mlp"
        The network ``NN``.
    loss : {"mc", "bi", "mse"}, default="mc"
        InfoNCE (paper Eq. 7), binary NCE (Eq. 6) or regression of the
        features. ``"mc"`` was best in the paper (§5.2, Fig. 5a).
    epochs : int, default=10
        Passes over the pairs (the paper does not state its count).
    lr : float or None, default=None
        Adam learning rate; None takes ``DEFAULT_LEARNING_RATES`` of the
        loss: 1e-3 for ``"mc"`` and ``"bi"``, 2e-6 for ``"mse"`` (Table 7).
        The paper's best values on iNat2018, 5e-4 for ``"mc"`` (Table 5) and
        2e-4 for ``"bi"`` (Table 6), were too small for fewer pairs and
        epochs: with 3 labels per class on the synthetic benchmark, 1e-3
        doubled the gain of pretraining (docs/benchmarks.rst).
    batch_size : int or None, default=None
        Pairs per step, which are also each other's in-batch negatives (at
        least 2 for ``"mc"``/``"bi"``); None uses 1024, or the classifier's
        ``batch_size`` inside its ``fit``.
    n_negative_locations : int, default=1
        ``|N_s|``, uniform random locations drawn per pair and step as
        negatives (Tables 5 and 6: 1 was best).
    in_batch_temperature : float, default=0.1
        ``τ0`` of the in-batch InfoNCE term (Table 5). ``"mc"`` only. The
        paper's best value on iNat2018 was 20; 0.1, a sharper contrast among
        the batch's pairs, was best on the GeoNames and synthetic benchmarks
        (docs/benchmarks.rst).
    location_temperature : float, default=1.0
        ``τ1`` of the negative-location term (Table 5). ``"mc"`` only.
    dropout_temperature : float, default=1.0
        ``τ2`` of the SimCSE dropout term (Table 5). ``"mc"`` only.
    location_weight : float or None, default=None
        ``α1`` (``"mc"``) or ``β1`` (``"bi"``); None means 1.
    dropout_weight : float or None, default=None
        ``α2`` (``"mc"``) or ``β2`` (``"bi"``); None means 1 for ``"mc"`` and
        0.1 for ``"bi"`` (Tables 5 and 6).
    weight_decay : float, default=0.0
        L2 penalty of the Adam optimiser.
    device : str, default="auto"
        Torch device; ``"auto"`` picks CUDA when it is available.
    mixed_precision : {None, "bf16"}, default=None
        bfloat16 autocast of the network, as for the classifier.
    n_threads : int or None, default=None
        Torch CPU threads during ``fit`` and ``transform``.
    random_state : int, RandomState instance or None, default=None
        Seeds the weights, dropout, shuffling, the negative locations and, when
        its own ``random_state`` is None, the encoder.
    verbose : int, default=0
        1 or more prints a progress bar and the per-epoch table.

    Attributes
    ----------
    encoder_ : BasePositionEncoder
        The position encoder, fitted on the pretraining locations.
    net_ : skorch.NeuralNet
        The pretraining net: ``history`` and the projection ``W``.
    pretrained_ : PretrainedEncoder
        The weights of the position encoding and the network that fine-tuning
        starts from, with the fitted encoder and the architecture.
    n_features_in_ : int
        Number of input columns (2).

    Examples
    --------
    >>> import numpy as np
    >>> from skgeo_s2v import ContrastivePretraining
    >>> rng = np.random.default_rng(0)
    >>> X = np.column_stack([rng.uniform(-180, 180, 64), rng.uniform(-60, 60, 64)])
    >>> features = np.column_stack([np.sin(np.radians(X[:, 0])), X[:, 1] / 60])
    >>> pretraining = ContrastivePretraining(hidden_units=16, epochs=2, random_state=0)
    >>> pretraining.fit(X, features).transform(X[:3]).shape
    (3, 16)
    >>> pretraining.pretrained_
    PretrainedEncoder(loss='mc', n_samples=64, epochs=2, hidden_units=16)
    """

    _parameter_constraints: dict = {
        **ARCHITECTURE_CONSTRAINTS,
        "loss": [StrOptions(set(PRETRAINING_LOSSES))],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "lr": [None, Interval(Real, 0, None, closed="neither")],
        "batch_size": [None, Interval(Integral, 1, None, closed="left")],
        "n_negative_locations": [Interval(Integral, 0, None, closed="left")],
        "in_batch_temperature": [Interval(Real, 0, None, closed="neither")],
        "location_temperature": [Interval(Real, 0, None, closed="neither")],
        "dropout_temperature": [Interval(Real, 0, None, closed="neither")],
        "location_weight": [None, Interval(Real, 0, None, closed="left")],
        "dropout_weight": [None, Interval(Real, 0, None, closed="left")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "device": [str],
        "mixed_precision": [StrOptions({"bf16"}), None],
        "n_threads": [None, Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        encoder="sphereM+",
        *,
        hidden_layers=1,
        hidden_units=512,
        dropout=0.5,
        activation="relu",
        network="mlp",
        loss="mc",
        epochs=10,
        lr=None,
        batch_size=None,
        n_negative_locations=1,
        in_batch_temperature=0.1,
        location_temperature=1.0,
        dropout_temperature=1.0,
        location_weight=None,
        dropout_weight=None,
        weight_decay=0.0,
        device="auto",
        mixed_precision=None,
        n_threads=None,
        random_state=None,
        verbose=0,
    ):
        self.encoder = encoder
        self.hidden_layers = hidden_layers
        self.hidden_units = hidden_units
        self.dropout = dropout
        self.activation = activation
        self.network = network
        self.loss = loss
        self.epochs = epochs
        self.lr = lr
        self.batch_size = batch_size
        self.n_negative_locations = n_negative_locations
        self.in_batch_temperature = in_batch_temperature
        self.location_temperature = location_temperature
        self.dropout_temperature = dropout_temperature
        self.location_weight = location_weight
        self.dropout_weight = dropout_weight
        self.weight_decay = weight_decay
        self.device = device
        self.mixed_precision = mixed_precision
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X_unlabeled, features):
        """Pretrain on unlabelled locations and the features observed there.

        Parameters
        ----------
        X_unlabeled : array-like or DataFrame of shape (n_samples, 2)
            Longitude then latitude, in degrees; a :class:`numpy.memmap` or an
            ``h5py``/``zarr`` array is read one batch at a time.
        features : array-like of shape (n_samples, n_features)
            Row ``i`` is the feature vector observed at location ``i``; no
            missing values. Not modified; may be out-of-core too.

        Returns
        -------
        self : ContrastivePretraining
            The fitted estimator.
        """
        out_of_core = is_out_of_core(X_unlabeled)
        lonlat = validate_any_lonlat(self, X_unlabeled, out_of_core, reset=True)
        seed = int(check_random_state(self.random_state).randint(2**31 - 1))
        return self._fit(lonlat, features, _resolve_device(self.device), seed)

    def _fit(self, lonlat, features, device, seed):
        """Pretrain on validated ``lonlat`` with ``seed`` on ``device``."""
        batch_size = self.batch_size or 1024
        features = check_pretraining_data(
            features, lonlat.shape[0], loss=self.loss, batch_size=batch_size
        )
        out_of_core = is_out_of_core(lonlat)
        self.encoder_ = fit_position_encoder(
            make_position_encoder(self.encoder, seed), lonlat, seed, out_of_core
        )
        self.n_features_in_ = 2
        net = self._build_net(features.shape[1], device, seed, batch_size)
        with torch_threads(self.n_threads), _seeded(device, seed):
            net.fit(training_rows(lonlat, out_of_core), features)
        self.net_ = net
        self.pretrained_ = PretrainedEncoder.from_module(
            net.module_,
            encoder=self.encoder_,
            estimator=self,
            loss=self.loss,
            history=net.history[:, "train_loss"],
            n_samples=lonlat.shape[0],
        )
        return self

    def _build_net(self, n_features, device, seed, batch_size):
        loss = self.loss
        if loss == "mse":
            criterion = {"criterion": torch.nn.MSELoss}
        else:
            criterion = {
                "criterion": ContrastiveLoss,
                "criterion__kind": loss,
                "criterion__temperatures": (
                    self.in_batch_temperature,
                    self.location_temperature,
                    self.dropout_temperature,
                ),
                "criterion__location_weight": self.location_weight,
                "criterion__dropout_weight": self.dropout_weight,
            }
        return _PretrainingNet(
            module=LocationPretrainingModule,
            module__encoder=self.encoder_,
            module__n_features=n_features,
            module__loss=loss,
            **module_arguments(self),
            **criterion,
            optimizer=torch.optim.Adam,
            optimizer__weight_decay=self.weight_decay,
            lr=DEFAULT_LEARNING_RATES[loss] if self.lr is None else self.lr,
            batch_size=batch_size,
            max_epochs=self.epochs,
            train_split=None,
            callbacks=[("progress_bar", ProgressBar())] if self.verbose else [],
            device=device,
            verbose=int(self.verbose),
            loss_kind=loss,
            n_negative_locations=self.n_negative_locations,
            mixed_precision=self.mixed_precision,
            seed=seed,
        )

    def transform(self, X):
        """The pretrained location embedding ``e(x)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2)
            Longitude then latitude, in degrees; out-of-core arrays are read
            one chunk at a time.

        Returns
        -------
        embedding : ndarray of shape (n_samples, hidden_units), float32
        """
        check_is_fitted(self, "net_")
        return predict_chunks(
            self, self.net_, X, "embed", batch_size=self.batch_size or 1024
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = True  # bitwise results differ across devices
        tags.target_tags.required = True  # the features play the part of y
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags


# -- the classifier's ``pretraining`` parameter -----------------------------------
def _is_fitted(pretraining):
    return isinstance(pretraining, PretrainedEncoder) or hasattr(
        pretraining, "pretrained_"
    )


def run_pretraining(classifier, lonlat, features, device, seed, **overrides):
    """Pretrain for ``classifier``: its ``pretraining`` settings, its architecture.

    The settings are those of the classifier's ``pretraining`` (of the
    estimator inside a :class:`~sklearn.frozen.FrozenEstimator`; the defaults
    when it holds none), with :data:`SHARED_WITH_CLASSIFIER`, the device, the
    seed and, when ``batch_size`` is None, the batch size of the classifier,
    then the ``overrides`` that are not None.
    """
    template = getattr(classifier.pretraining, "estimator", classifier.pretraining)
    if not isinstance(template, ContrastivePretraining):
        template = ContrastivePretraining()
    pretraining = clone(template).set_params(
        **{name: getattr(classifier, name) for name in SHARED_WITH_CLASSIFIER},
        device=device,
        **{name: value for name, value in overrides.items() if value is not None},
    )
    if pretraining.batch_size is None:
        pretraining.set_params(batch_size=classifier.batch_size)
    pretraining._validate_params()
    return pretraining._fit(lonlat, features, device, seed)


def pretraining_for_fit(classifier, pretrain_X, pretrain_features, device, seed):
    """``(fitted pretraining or None, its PretrainedEncoder or None)`` for ``fit``.

    A fitted pretraining (a :class:`ContrastivePretraining`, frozen or not, or
    a :class:`PretrainedEncoder`) is reused; given ``pretrain_X`` and
    ``pretrain_features``, the pretraining runs first (:func:`run_pretraining`);
    otherwise the classifier trains from scratch.
    """
    value = classifier.pretraining
    if pretrain_X is None and pretrain_features is None:
        if value is None or not _is_fitted(value):
            return None, None
        weights = value if isinstance(value, PretrainedEncoder) else value.pretrained_
        weights.check_compatible(classifier)
        return value, weights
    if pretrain_X is None or pretrain_features is None:
        raise ValueError(
            "pretrain_X and pretrain_features go together: pass both to "
            "pretrain before fitting, or neither."
        )
    if _is_fitted(value):
        raise ValueError(
            "fit was given pretrain_X and pretrain_features, but this estimator "
            f"already holds pretrained weights (pretraining={value!r}). Set "
            "pretraining=None (or an unfitted ContrastivePretraining) to pretrain "
            "anew inside fit, or drop pretrain_X and pretrain_features to "
            "fine-tune the existing one."
        )
    lonlat = validate_any_lonlat(
        classifier, pretrain_X, is_out_of_core(pretrain_X), reset=False
    )
    fitted = run_pretraining(classifier, lonlat, pretrain_features, device, seed)
    return fitted, fitted.pretrained_
