"""SphereLocationClassifier: a geographic prior ``P(class | location)`` (SPEC §4-5)."""

import copy
import json
from numbers import Integral, Real
from pathlib import Path

import numpy as np
import torch
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    TransformerMixin,
    _fit_context,
    clone,
)
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import (
    check_consistent_length,
    check_is_fitted,
)
from skorch.callbacks import EarlyStopping, LRScheduler, ProgressBar
from skorch.dataset import Dataset
from skorch.helper import predefined_split

from ._persistence import (
    PARAMS_FILE,
    SAVE_FORMAT,
    WEIGHTS_FILE,
    encoder_from_json,
    encoder_to_json,
    fitted_encoder_state,
    json_scalar,
    restore_value,
)
from ._pretraining import PretrainedEncoder, check_pretraining_data
from ._validation import (
    check_class_labels,
    check_lonlat_values,
    is_out_of_core,
    iter_row_chunks,
    validate_lonlat,
    validate_lonlat_out_of_core,
)
from .encoders import BasePositionEncoder, make_encoder
from .nn import (
    ACTIVATIONS,
    PRETRAINING_DEFAULTS,
    PRETRAINING_LOSSES,
    ContrastiveLoss,
    PresenceAbsenceLoss,
    build_location_module,
    build_pretraining_module,
    log_class_probabilities,
)
from .nn._data import StreamedRows
from .nn._training import (
    ValidationLogLoss,
    _PresenceAbsenceNet,
    _PretrainingNet,
    _resolve_device,
    _seeded,
    accelerated_net,
    torch_threads,
)

__all__ = ["SphereLocationClassifier"]

# Rows of an out-of-core dataset that its position encoder is fitted on (a
# stateful encoder, such as rbf, draws its anchors from them).
_ENCODER_FIT_ROWS = 100_000

#: Most epochs of the selection run of ``max_epochs="auto"``.
AUTO_EPOCH_LIMIT = 200


# Per-chunk reductions of the logits for ``_forward`` (computed on the device).
def _presence(logits):
    return torch.sigmoid(logits.double())


def _normalised_presence(logits):
    return log_class_probabilities(logits.double()).exp()


def _binary_log_presence_ratio(logits):
    log_presence = torch.nn.functional.logsigmoid(logits)
    return log_presence[:, 1] - log_presence[:, 0]


def _argmax(logits):
    return logits.argmax(dim=1)


def _validate_any_lonlat(estimator, X, out_of_core, *, reset, check_values=True):
    """Validate in-memory input at once, out-of-core input chunk by chunk.

    ``check_values=False`` leaves the values of out-of-core input to the
    caller, which checks each chunk as it reads it.
    """
    if out_of_core:
        return validate_lonlat_out_of_core(
            estimator, X, reset=reset, check_values=check_values
        )
    return validate_lonlat(estimator, X, reset=reset)


def _training_rows(lonlat, out_of_core, rows=None):
    """float32 training locations, or a reader of them for out-of-core input."""
    if out_of_core:
        return StreamedRows(lonlat, rows=rows)
    return (lonlat if rows is None else lonlat[rows]).astype(np.float32)


def _discard(*args, **kwargs):
    """A print sink that prints nothing."""


def _fit_encoder(encoder, lonlat, seed, out_of_core):
    """Fit ``encoder``; on out-of-core input, without loading every row.

    A stateless encoder only checks its input, so it sees the first row; a
    stateful one (rbf draws anchors from the data) sees at most
    ``_ENCODER_FIT_ROWS`` random rows.
    """
    if not out_of_core:
        return encoder.fit(lonlat)
    n_samples = lonlat.shape[0]
    if encoder._stateless:
        rows = slice(0, 1)
    elif n_samples <= _ENCODER_FIT_ROWS:
        rows = slice(None)
    else:
        rng = np.random.default_rng(seed)
        rows = np.sort(rng.choice(n_samples, _ENCODER_FIT_ROWS, replace=False))
    return encoder.fit(np.asarray(lonlat[rows], dtype=np.float64))


class SphereLocationClassifier(ClassifierMixin, TransformerMixin, BaseEstimator):
    """Location classifier ``P(class | location)`` with a Sphere2Vec encoder.

    The model is ``logit(y | x) = <e(x), T_y>`` with ``e(x) = NN(G(x))``: a
    position encoder ``G`` (SPEC §3), a network ``NN`` (SPEC §4) and a class
    embedding matrix ``T``. It is trained with the paper's presence-absence
    loss (Eq. 8, SPEC §5): each labelled point is a presence of its class and
    an absence of the others, and ``n_background`` locations drawn uniformly on
    the sphere, anew at each step on the training device, are absences of all
    classes. Training runs in :mod:`skorch`; the fitted net is ``net_``.

    Parameters
    ----------
    encoder : str or BasePositionEncoder, default="sphereM+"
        The position encoder ``G``: a name for :func:`~skgeo_s2v.make_encoder`
        or an encoder instance (cloned and fitted in :meth:`fit`). The
        encoder's parameters are tunable as ``encoder__min_radius`` etc. when
        an instance is given.
    hidden_layers : int, default=1
        Number of hidden layers ``h`` (residual blocks for
        ``network="wrap_residual"``).
    hidden_units : int, default=512
        Width ``k`` of the hidden layers and of the embedding ``e(x)``.
    dropout : float, default=0.5
        Dropout probability, in ``[0, 1)``.
    activation : {"relu", "leaky_relu", "gelu", "tanh", "sigmoid", "elu", \
"silu"}, default="relu"
        Activation of the hidden layers.
    network : {"mlp", "wrap_residual"}, default="mlp"
        ``"mlp"``: ``h`` layers ``Linear → activation → Dropout → (+ input
        when the widths match) → LayerNorm``. ``"wrap_residual"``: the
        residual network of the paper's ``wrap`` baseline.
    lr : float, default=3e-3
        Learning rate of the Adam optimiser. The paper tunes it in 5e-5 …
        1e-2; in 30-epoch fits, 3e-3 gave the best accuracy on small real
        datasets (GeoNames time zones from 5,000 cities) and cost about a
        point on the broad synthetic vMF sets against 1e-3 (see the
        benchmarks page). Large datasets take more steps per epoch and may
        prefer a smaller rate.
    lr_decay : float, default=0.98
        Per-epoch multiplicative learning-rate decay (exponential schedule).
    weight_decay : float, default=0.0
        L2 penalty of the optimiser.
    batch_size : int, default=1024
        Labelled examples per step.
    max_epochs : int or "auto", default="auto"
        Passes over the training data. An integer (at least 1) trains for
        that many. ``"auto"`` lets the data choose: a first run trains on
        all but a stratified ``validation_fraction`` of the examples for at
        most ``AUTO_EPOCH_LIMIT`` (200) epochs, stopping once the validation
        log-loss of :meth:`predict_proba` has not improved for
        ``n_iter_no_change`` epochs; the model is then trained again, on all
        the examples, for the epoch count with the lowest validation
        log-loss (``n_epochs_``). Broad, overlapping classes stop after a
        few dozen epochs, classes with sharp borders (countries, time zones)
        train for up to 200, and the best count is found without giving up
        the held-out data; it costs the first run. See the benchmarks page.
    early_stopping : bool, default=False
        Hold out a stratified ``validation_fraction`` of the data, stop when
        the validation log-loss has not improved for ``n_iter_no_change``
        epochs, and keep the weights of the best epoch, trained on the rest
        of the data (no second run). The epoch limit is ``max_epochs``, or
        ``AUTO_EPOCH_LIMIT`` when it is ``"auto"``.
    validation_fraction : float, default=0.1
        Fraction of each class held out to choose the number of epochs
        (``max_epochs="auto"`` or ``early_stopping``). Each class keeps at
        least one example for training; a class with one example is only
        trained on.
    n_iter_no_change : int, default=10
        Patience of the epoch choice: epochs without a lower validation
        log-loss before training stops.
    pos_weight : float or None, default=None
        ``β``, the weight of the presence term; None means the number of
        classes ``C``, as in the paper's code.
    background_weight : float, default=1.0
        ``w_bg``, the weight of the random-background term.
    n_background : int, default=1
        Random background locations ``N`` per labelled example and step.
    max_per_class : int or None, default=None
        Class-balanced sampling: use at most this many examples of each class
        per epoch, redrawn every epoch. None uses every example.
    device : str, default="auto"
        Torch device for training and prediction; ``"auto"`` picks CUDA when it
        is available. Requesting CUDA on a machine without it raises an error.
    predict_batch_size : int or None, default=None
        Locations per chunk in :meth:`predict`, :meth:`predict_proba`,
        :meth:`predict_presence`, :meth:`decision_function` and
        :meth:`transform`: memory holds the result plus one chunk of class
        scores. None uses ``batch_size``; on a GPU, 10⁴–10⁵ is faster.
    mixed_precision : {None, "bf16"}, default=None
        ``"bf16"`` runs the network (not the position encoding, which stays
        float32) under bfloat16 autocast in training and prediction: faster on
        GPUs with bfloat16 units (A100, H100), usually slower on CPUs. The
        loss is computed in float32.
    n_threads : int or None, default=None
        Torch CPU threads during :meth:`fit`, :meth:`pretrain` and the
        predictions, restored afterwards; None leaves torch's setting (which
        follows ``OMP_NUM_THREADS``). Set it to 1 when several fits share a
        machine (joblib and Dask workers already limit threads to one).
    accelerator : accelerate.Accelerator or None, default=None
        Train through Hugging Face Accelerate (skorch's ``AccelerateMixin``)
        for multi-GPU or multi-node data-parallel training: run the script
        with ``accelerate launch`` and each process trains on its share of
        the batches. Accelerate then places the model (``device`` is ignored
        for training) and sets the precision (use
        ``Accelerator(mixed_precision="bf16")`` rather than
        ``mixed_precision``). Pretraining runs in-process on ``device``. After
        training, ``net_`` is a plain skorch net on the accelerator's device,
        so the model pickles and predicts as usual. Needs the ``accelerate``
        extra.
    random_state : int, RandomState instance or None, default=None
        Seeds the weights, dropout, shuffling, background sampling, the
        validation split and, when its own ``random_state`` is None, the
        encoder. Pass an int for reproducible fits (on the same device).
    verbose : int, default=0
        0 is silent; 1 or more prints a progress bar and the per-epoch table
        (of the pretraining too).
    pretrained : PretrainedEncoder or None, default=None
        Weights to fine-tune from, set by :meth:`pretrain`. When not None,
        :meth:`fit` starts the position encoding and the network from these
        weights (and reuses the position encoder fitted at pretraining) and
        learns a fresh class head; ``encoder``, ``network``, ``hidden_layers``
        and ``hidden_units`` must be those of the pretraining. Being a
        parameter, it survives :func:`~sklearn.base.clone`, so every
        candidate of a grid search fine-tunes from the same pretraining.
        Fine-tuning runs at ``lr``: a rate below the default keeps too much
        of the pretraining and cost 2-3 points with more than a few labels
        per class in the pretraining benchmark.
    pretrain_loss : {"mc", "bi", "mse"}, default="mc"
        The self-supervised objective (SPEC §6): InfoNCE (paper Eq. 7), binary
        NCE (Eq. 6) or regression of the features. ``"mc"`` was best in the
        paper (§5.2, Fig. 5a).
    pretrain_epochs : int, default=10
        Passes over the unlabelled pairs (the paper does not state its count).
    pretrain_lr : float or None, default=None
        Adam learning rate of the pretraining. None takes the best value of
        the paper's ablations for the loss: 5e-4 for ``"mc"`` (Table 5), 2e-4
        for ``"bi"`` (Table 6), 2e-6 for ``"mse"`` (Table 7). These were
        tuned on iNat2018's hundreds of thousands of images; with fewer pairs
        or epochs a larger rate (1e-3) usually works better.
    pretrain_batch_size : int or None, default=None
        Pairs per pretraining step, which are also each other's in-batch
        negatives; None uses ``batch_size``. At least 2 for ``"mc"``/``"bi"``.
    n_negative_locations : int, default=1
        ``|N_s|``, uniform random locations drawn per pair and step as
        negatives (Tables 5 and 6: 1 was best).
    in_batch_temperature : float, default=20.0
        ``τ0`` of the in-batch InfoNCE term (Table 5: 20 was best among
        0.01 … 64). ``"mc"`` only.
    location_temperature : float, default=1.0
        ``τ1`` of the negative-location term (Table 5). ``"mc"`` only.
    dropout_temperature : float, default=1.0
        ``τ2`` of the SimCSE dropout term (Table 5). ``"mc"`` only.
    location_weight : float or None, default=None
        ``α1`` (``"mc"``) or ``β1`` (``"bi"``), the weight of the
        negative-location term; None means 1 (Tables 5 and 6).
    dropout_weight : float or None, default=None
        ``α2`` (``"mc"``) or ``β2`` (``"bi"``), the weight of the SimCSE
        term; None means 1 for ``"mc"`` (Table 5) and 0.1 for ``"bi"``
        (Table 6). The SimCSE positives differ by their dropout masks only, so
        they need ``dropout > 0`` (Table 5: 0.5 was best).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, sorted.
    encoder_ : BasePositionEncoder
        The fitted position encoder.
    net_ : skorch.NeuralNet
        The trained skorch net: ``net_.history`` holds the per-epoch losses
        (of the final run, on all the data, for ``max_epochs="auto"``),
        ``net_.module_`` the torch module.
    n_epochs_ : int
        Epochs of the returned model: ``max_epochs`` when it is an integer
        (and ``early_stopping=False``), otherwise the epoch with the lowest
        validation log-loss.
    validation_log_loss_ : ndarray of shape (n_epochs_run,) or None
        Validation log-loss of each epoch of the run that chose
        ``n_epochs_``; None when the number of epochs was fixed.
    pretrained_ : PretrainedEncoder or None
        The pretraining that :meth:`fit` fine-tuned from, if any.
    pretrain_net_ : skorch.NeuralNet
        The pretraining net (its ``history`` and the projection ``W``), after
        :meth:`pretrain` or a ``fit`` given ``pretrain_X``.
    n_features_in_ : int
        Number of input columns (2).
    feature_names_in_ : ndarray of shape (2,)
        Input column names, when ``X`` had string column names.

    Notes
    -----
    ``predict_proba`` returns the presence probabilities ``σ(logit)``
    renormalised to sum to 1 over the classes (computed in log space), the
    form used to combine the prior with an image model (SPEC §7). Its argmax is
    the argmax of the logits. :meth:`predict_presence` returns the raw
    per-class ``σ(logit)``, which need not sum to 1.

    For two classes, :meth:`decision_function` returns, as scikit-learn
    expects, one column: ``log σ(logit_1) − log σ(logit_0)``, which orders the
    samples like ``predict_proba[:, 1]``.

    Every class seen in ``fit`` has a column; labels that were not in the
    training data cannot be predicted, and ``score`` simply counts them as
    errors.

    Examples
    --------
    >>> import numpy as np
    >>> from skgeo_s2v import SphereLocationClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = np.column_stack([rng.uniform(-180, 180, 60), rng.uniform(-60, 60, 60)])
    >>> y = np.where(X[:, 0] < 0, "west", "east")
    >>> clf = SphereLocationClassifier(
    ...     "sphereM+", hidden_units=32, max_epochs=30, lr=1e-2, random_state=0
    ... ).fit(X, y)
    >>> clf.predict([[-100.0, 10.0], [100.0, 10.0]])
    array(['west', 'east'], dtype='<U4')
    >>> clf.predict_proba([[-100.0, 10.0]]).sum()
    np.float64(1.0)
    """

    _parameter_constraints: dict = {
        "encoder": [str, HasMethods(["fit", "transform", "encode"])],
        "hidden_layers": [Interval(Integral, 1, None, closed="left")],
        "hidden_units": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "network": [StrOptions({"mlp", "wrap_residual"})],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "lr_decay": [Interval(Real, 0, 1, closed="right")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "pos_weight": [None, Interval(Real, 0, None, closed="left")],
        "background_weight": [Interval(Real, 0, None, closed="left")],
        "n_background": [Interval(Integral, 0, None, closed="left")],
        "max_per_class": [None, Interval(Integral, 1, None, closed="left")],
        "device": [str],
        "predict_batch_size": [None, Interval(Integral, 1, None, closed="left")],
        "mixed_precision": [StrOptions({"bf16"}), None],
        "n_threads": [None, Interval(Integral, 1, None, closed="left")],
        "accelerator": [None, HasMethods(["prepare", "backward", "autocast"])],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "pretrained": [None, PretrainedEncoder],
        "pretrain_loss": [StrOptions(set(PRETRAINING_LOSSES))],
        "pretrain_epochs": [Interval(Integral, 1, None, closed="left")],
        "pretrain_lr": [None, Interval(Real, 0, None, closed="neither")],
        "pretrain_batch_size": [None, Interval(Integral, 1, None, closed="left")],
        "n_negative_locations": [Interval(Integral, 0, None, closed="left")],
        "in_batch_temperature": [Interval(Real, 0, None, closed="neither")],
        "location_temperature": [Interval(Real, 0, None, closed="neither")],
        "dropout_temperature": [Interval(Real, 0, None, closed="neither")],
        "location_weight": [None, Interval(Real, 0, None, closed="left")],
        "dropout_weight": [None, Interval(Real, 0, None, closed="left")],
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
        lr=3e-3,
        lr_decay=0.98,
        weight_decay=0.0,
        batch_size=1024,
        max_epochs="auto",
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        pos_weight=None,
        background_weight=1.0,
        n_background=1,
        max_per_class=None,
        device="auto",
        predict_batch_size=None,
        mixed_precision=None,
        n_threads=None,
        accelerator=None,
        random_state=None,
        verbose=0,
        pretrained=None,
        pretrain_loss="mc",
        pretrain_epochs=10,
        pretrain_lr=None,
        pretrain_batch_size=None,
        n_negative_locations=1,
        in_batch_temperature=20.0,
        location_temperature=1.0,
        dropout_temperature=1.0,
        location_weight=None,
        dropout_weight=None,
    ):
        self.encoder = encoder
        self.hidden_layers = hidden_layers
        self.hidden_units = hidden_units
        self.dropout = dropout
        self.activation = activation
        self.network = network
        self.lr = lr
        self.lr_decay = lr_decay
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.pos_weight = pos_weight
        self.background_weight = background_weight
        self.n_background = n_background
        self.max_per_class = max_per_class
        self.device = device
        self.predict_batch_size = predict_batch_size
        self.mixed_precision = mixed_precision
        self.n_threads = n_threads
        self.accelerator = accelerator
        self.random_state = random_state
        self.verbose = verbose
        self.pretrained = pretrained
        self.pretrain_loss = pretrain_loss
        self.pretrain_epochs = pretrain_epochs
        self.pretrain_lr = pretrain_lr
        self.pretrain_batch_size = pretrain_batch_size
        self.n_negative_locations = n_negative_locations
        self.in_batch_temperature = in_batch_temperature
        self.location_temperature = location_temperature
        self.dropout_temperature = dropout_temperature
        self.location_weight = location_weight
        self.dropout_weight = dropout_weight

    def set_params(self, **params):
        """Set parameters, including the encoder's as ``encoder__<name>``.

        When ``encoder__*`` parameters are given and the encoder is a name
        (such as the default ``"sphereM+"``), the name is first replaced by
        the encoder it names, so that
        ``GridSearchCV(SphereLocationClassifier(), {"encoder__min_radius": ...})``
        works without building the encoder by hand.

        Parameters
        ----------
        **params : dict
            Estimator parameters.

        Returns
        -------
        self : SphereLocationClassifier
            This estimator.
        """
        if any(key.startswith("encoder__") for key in params):
            encoder = params.get("encoder", self.encoder)
            if isinstance(encoder, str):
                params = {**params, "encoder": make_encoder(encoder)}
        return super().set_params(**params)

    # -- fitting -------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, *, pretrain_X=None, pretrain_features=None):
        """Train the encoder's network on labelled locations.

        Trains from scratch, or fine-tunes the encoder of ``pretrained``, or
        first pretrains on ``pretrain_X`` and ``pretrain_features`` with the
        ``pretrain_*`` parameters and then fine-tunes: the last way lets one
        :class:`~sklearn.model_selection.GridSearchCV` tune the pretraining
        too (pass the two arrays to its ``fit``; when they have as many rows
        as ``X``, scikit-learn splits them with ``X``).

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, 2)
            Longitude then latitude, in degrees. A :class:`numpy.memmap` or an
            ``h5py``/``zarr`` array is not loaded: each batch reads its rows.
        y : array-like of shape (n_samples,)
            Class labels (strings, integers, anything
            :class:`~sklearn.preprocessing.LabelEncoder` accepts); at least two
            classes, no missing values.
        pretrain_X : array-like of shape (n_unlabeled, 2), default=None
            Unlabelled locations to pretrain on first, as in :meth:`pretrain`;
            requires ``pretrained=None``.
        pretrain_features : array-like of shape (n_unlabeled, n_features), \
default=None
            The features paired with ``pretrain_X``.

        Returns
        -------
        self : SphereLocationClassifier
            The fitted classifier.
        """
        device = self._training_device()
        out_of_core = is_out_of_core(X)
        lonlat = _validate_any_lonlat(self, X, out_of_core, reset=True)
        y = check_class_labels(y)
        check_consistent_length(lonlat, y)
        label_encoder = LabelEncoder().fit(y)
        self.classes_ = label_encoder.classes_
        if len(self.classes_) < 2:
            raise ValueError(
                f"y holds a single class ({self.classes_[0]!r}); "
                "SphereLocationClassifier needs at least 2 classes."
            )
        codes = label_encoder.transform(y).astype(np.int64)
        seed = int(check_random_state(self.random_state).randint(2**31 - 1))

        pretrained = self._pretrained_for_fit(
            pretrain_X, pretrain_features, device, seed
        )
        if pretrained is None:
            self.encoder_ = _fit_encoder(
                self._make_encoder(seed), lonlat, seed, out_of_core
            )
        else:
            self.encoder_ = copy.deepcopy(pretrained.encoder)
        data = lonlat, out_of_core, codes
        if self.early_stopping or self.max_epochs == "auto":
            # Stopped early on a validation split; early_stopping keeps this net.
            self.net_ = self._run_with_validation(device, seed, pretrained, data)
        else:
            self.n_epochs_, self.validation_log_loss_ = self.max_epochs, None
        if not self.early_stopping:  # a fixed count, or the count "auto" chose
            self.net_ = self._train(device, seed, pretrained, data, self.n_epochs_)
        self.pretrained_ = pretrained
        return self

    def _run_with_validation(self, device, seed, pretrained, data):
        """Train on a stratified split, stopping early; record the best epoch."""
        _, _, codes = data
        train, valid = self._validation_split(codes, seed)
        limit = AUTO_EPOCH_LIMIT if self.max_epochs == "auto" else self.max_epochs
        net = self._train(device, seed, pretrained, data, limit, train, valid)
        self.validation_log_loss_ = np.asarray(net.history[:, "valid_log_loss"])
        self.n_epochs_ = int(np.argmin(self.validation_log_loss_)) + 1
        if self.verbose and not self.early_stopping:
            print(
                f"max_epochs='auto': {self.n_epochs_} epochs gave the lowest "
                "validation log-loss; training on all the data for as many."
            )
        return net

    def _train(
        self, device, seed, pretrained, data, max_epochs, train=None, valid=None
    ):
        """A net trained on ``data`` for at most ``max_epochs`` epochs.

        ``data`` is ``(lonlat, out_of_core, codes)``. Given ``train`` and
        ``valid`` rows, it trains on the first and stops early on the
        validation log-loss of the second; otherwise it trains on every row
        for ``max_epochs`` epochs.
        """
        lonlat, out_of_core, codes = data
        train_split = None
        if valid is not None:
            valid_X = np.asarray(lonlat[valid], dtype=np.float32)
            train_split = predefined_split(Dataset(valid_X, codes[valid]))
        train_X = _training_rows(lonlat, out_of_core, train)
        train_y = codes if train is None else codes[train]
        net = self._build_net(
            device, seed, max_epochs, train_split, accelerator=self.accelerator
        )
        with torch_threads(self.n_threads), _seeded(device, seed):
            if pretrained is None:
                net.fit(train_X, train_y)
            else:  # fresh class head, pretrained encoding and network
                net.initialize()
                pretrained.load_into(net.module_)
                net.partial_fit(train_X, train_y)
        if self.accelerator is not None:
            net = self._without_accelerator(net, device, seed)
        return net

    def _training_device(self):
        """The device training runs on (the accelerator's, when one is given)."""
        if self.accelerator is None:
            return _resolve_device(self.device)
        if self.mixed_precision is not None:
            raise ValueError(
                f"mixed_precision={self.mixed_precision!r} cannot be combined with "
                "an accelerator, which sets the precision itself: pass "
                f"Accelerator(mixed_precision={self.mixed_precision!r}) and leave "
                "mixed_precision=None."
            )
        return str(self.accelerator.device)

    def _without_accelerator(self, net, device, seed):
        """A plain net with ``net``'s weights and history, to pickle and predict.

        The accelerator lets go of the prepared module and optimizer, as
        Accelerate asks between trainings (a grid search trains many).
        """
        self.accelerator.free_memory()
        plain = self._build_net(device, seed, net.max_epochs)
        with torch.random.fork_rng(devices=[]):
            plain.initialize()
        plain.module_.load_state_dict(net.module_.state_dict())
        plain.history = net.history
        return plain

    def _make_encoder(self, seed):
        if isinstance(self.encoder, str):
            encoder = make_encoder(self.encoder)
        elif isinstance(self.encoder, BasePositionEncoder):
            encoder = clone(self.encoder)
        else:
            raise TypeError(
                "encoder must be a name for make_encoder or an encoder of "
                f"skgeo_s2v.encoders, got {type(self.encoder).__name__}."
            )
        if encoder.get_params().get("random_state", 0) is None:
            encoder.set_params(random_state=seed)
        return encoder

    def _validation_split(self, codes, seed):
        """Training and validation rows, stratified by class, each sorted.

        Each class gives about ``validation_fraction`` of its examples to the
        validation set (the fractional part rounded up at random, so the
        fraction holds on average) and keeps at least one for training:
        classes with a single example are only trained on.
        """
        rng = np.random.default_rng(seed)
        counts = np.bincount(codes)
        n_valid = np.floor(self.validation_fraction * counts + rng.random(counts.size))
        n_valid = np.minimum(n_valid.astype(np.int64), counts - 1)
        if not n_valid.any():
            splittable = np.flatnonzero(counts > 1)
            if splittable.size == 0:
                name = "early_stopping" if self.early_stopping else "max_epochs='auto'"
                raise ValueError(
                    f"{name} holds out a validation_fraction="
                    f"{self.validation_fraction} of each class, but every class "
                    "has a single example. Pass an integer max_epochs with "
                    "early_stopping=False."
                )
            n_valid[rng.choice(splittable)] = 1
        # Shuffle, then group by class: each class's first n_valid rows validate.
        order = rng.permutation(codes.shape[0])
        order = order[np.argsort(codes[order], kind="stable")]
        rank = np.arange(codes.shape[0]) - np.repeat(np.cumsum(counts) - counts, counts)
        is_valid = rank < np.repeat(n_valid, counts)
        return np.sort(order[~is_valid]), np.sort(order[is_valid])

    def _build_net(
        self, device, seed, max_epochs, train_split=None, *, accelerator=None
    ):
        n_classes = len(self.classes_)
        callbacks = [
            ("lr_decay", LRScheduler(policy="ExponentialLR", gamma=self.lr_decay))
        ]
        if train_split is not None:
            stopping = EarlyStopping(
                monitor="valid_log_loss",
                patience=self.n_iter_no_change,
                # The selection run of max_epochs="auto" only needs the epoch.
                load_best=self.early_stopping,
            )
            callbacks += [
                ("valid_log_loss", ValidationLogLoss()),
                ("early_stopping", stopping),
            ]
        if self.verbose:
            callbacks.append(("progress_bar", ProgressBar()))
        pos_weight = n_classes if self.pos_weight is None else self.pos_weight
        net_class, placement = _PresenceAbsenceNet, {"device": device}
        if accelerator is not None:
            net_class = accelerated_net(_PresenceAbsenceNet)
            placement = {
                "device": None,
                "accelerator": accelerator,
                # skorch prints whatever reaches a sink other than print.
                "callbacks__print_log__sink": (
                    accelerator.print if self.verbose else _discard
                ),
            }
        return net_class(
            module=build_location_module,
            module__encoder=self.encoder_,
            module__network=self.network,
            module__hidden_layers=self.hidden_layers,
            module__hidden_units=self.hidden_units,
            module__dropout=self.dropout,
            module__activation=self.activation,
            module__n_classes=n_classes,
            criterion=PresenceAbsenceLoss,
            criterion__pos_weight=float(pos_weight),
            criterion__background_weight=float(self.background_weight),
            optimizer=torch.optim.Adam,
            optimizer__weight_decay=self.weight_decay,
            lr=self.lr,
            batch_size=self.batch_size,
            max_epochs=max_epochs,
            train_split=train_split,
            callbacks=callbacks,
            verbose=int(self.verbose),
            n_background=self.n_background,
            max_per_class=self.max_per_class,
            mixed_precision=self.mixed_precision,
            seed=seed,
            **placement,
        )

    # -- self-supervised pretraining (SPEC §6) --------------------------------
    @_fit_context(prefer_skip_nested_validation=False)
    def pretrain(self, X_unlabeled, features, *, loss=None, epochs=None, lr=None):
        """Pretrain the location encoder on unlabelled ``(location, features)``.

        Learns ``e(x)`` so that it matches a linear projection ``W F`` of
        features ``F`` observed at ``x`` (image embeddings in the paper; any
        fixed vectors work), with the objective ``pretrain_loss`` (SPEC §6).
        The result is stored in the ``pretrained`` parameter, so a following
        :meth:`fit` fine-tunes it with the supervised loss and a fresh class
        head, and clones (as made by
        :class:`~sklearn.model_selection.GridSearchCV`) fine-tune from it too.
        :meth:`transform` gives the pretrained embedding right away. Any
        earlier ``fit`` is discarded.

        Parameters
        ----------
        X_unlabeled : array-like or DataFrame of shape (n_samples, 2)
            Longitude then latitude, in degrees.
        features : array-like of shape (n_samples, n_features)
            Row ``i`` is the feature vector observed at location ``i``; no
            missing values. Not modified. Like ``X_unlabeled``, it may be a
            :class:`numpy.memmap` or an ``h5py``/``zarr`` array, read one
            batch at a time.
        loss : {"mc", "bi", "mse"} or None, default=None
            Overrides ``pretrain_loss`` for this call.
        epochs : int or None, default=None
            Overrides ``pretrain_epochs`` for this call.
        lr : float or None, default=None
            Overrides ``pretrain_lr`` for this call.

        Returns
        -------
        self : SphereLocationClassifier
            This estimator, with ``pretrained`` set.

        Examples
        --------
        >>> import numpy as np
        >>> from skgeo_s2v import SphereLocationClassifier
        >>> rng = np.random.default_rng(0)
        >>> X = np.column_stack([rng.uniform(-180, 180, 64), rng.uniform(-60, 60, 64)])
        >>> features = np.column_stack([np.sin(np.radians(X[:, 0])), X[:, 1] / 60])
        >>> clf = SphereLocationClassifier(hidden_units=16, random_state=0)
        >>> clf.pretrain(X, features, loss="mc", epochs=2).pretrained
        PretrainedEncoder(loss='mc', n_samples=64, epochs=2, hidden_units=16)
        >>> clf.transform(X[:3]).shape
        (3, 16)
        >>> y = np.where(X[:, 0] < 0, "west", "east")
        >>> clf.fit(X, y).pretrained_ is clf.pretrained
        True
        """
        loss = self.pretrain_loss if loss is None else loss
        epochs = self.pretrain_epochs if epochs is None else epochs
        if not isinstance(epochs, Integral) or epochs < 1:
            raise ValueError(f"epochs must be an integer >= 1, got {epochs!r}.")
        if lr is not None and not (isinstance(lr, Real) and lr > 0):
            raise ValueError(f"lr must be a positive float or None, got {lr!r}.")
        device = _resolve_device(self.device)
        for name in ("net_", "classes_", "pretrained_", "pretrain_net_"):
            self.__dict__.pop(name, None)
        out_of_core = is_out_of_core(X_unlabeled)
        lonlat = _validate_any_lonlat(self, X_unlabeled, out_of_core, reset=True)
        seed = int(check_random_state(self.random_state).randint(2**31 - 1))
        self.pretrained = self._pretrain(
            lonlat, features, device, seed, loss=loss, epochs=epochs, lr=lr
        )
        return self

    def _pretrained_for_fit(self, pretrain_X, pretrain_features, device, seed):
        """The pretraining ``fit`` starts from: ``pretrained``, new, or None."""
        if pretrain_X is None and pretrain_features is None:
            self.__dict__.pop("pretrain_net_", None)
            if self.pretrained is not None:
                self.pretrained.check_compatible(self)
            return self.pretrained
        if pretrain_X is None or pretrain_features is None:
            raise ValueError(
                "pretrain_X and pretrain_features go together: pass both to "
                "pretrain before fitting, or neither."
            )
        if self.pretrained is not None:
            raise ValueError(
                "fit was given pretrain_X and pretrain_features, but this "
                f"estimator already holds pretrained={self.pretrained!r}. Set "
                "pretrained=None to pretrain anew inside fit, or drop "
                "pretrain_X and pretrain_features to fine-tune the existing one."
            )
        out_of_core = is_out_of_core(pretrain_X)
        lonlat = _validate_any_lonlat(self, pretrain_X, out_of_core, reset=False)
        return self._pretrain(
            lonlat,
            pretrain_features,
            device,
            seed,
            loss=self.pretrain_loss,
            epochs=self.pretrain_epochs,
            lr=self.pretrain_lr,
        )

    def _pretrain(self, lonlat, features, device, seed, *, loss, epochs, lr):
        """Run the pretraining; keep the net in ``pretrain_net_``."""
        batch_size = self.pretrain_batch_size or self.batch_size
        features = check_pretraining_data(
            features, lonlat.shape[0], loss=loss, batch_size=batch_size
        )
        out_of_core = is_out_of_core(lonlat)  # validated in-memory input is not
        encoder = _fit_encoder(self._make_encoder(seed), lonlat, seed, out_of_core)
        net = self._build_pretraining_net(
            encoder, features.shape[1], device, seed, loss, epochs, lr, batch_size
        )
        with torch_threads(self.n_threads), _seeded(device, seed):
            net.fit(_training_rows(lonlat, out_of_core), features)
        self.pretrain_net_ = net
        return PretrainedEncoder.from_module(
            net.module_,
            encoder=encoder,
            estimator=self,
            loss=loss,
            history=net.history[:, "train_loss"],
            n_samples=lonlat.shape[0],
        )

    def _build_pretraining_net(
        self, encoder, n_features, device, seed, loss, epochs, lr, batch_size
    ):
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
        callbacks = [("progress_bar", ProgressBar())] if self.verbose else []
        return _PretrainingNet(
            module=build_pretraining_module,
            module__encoder=encoder,
            module__network=self.network,
            module__hidden_layers=self.hidden_layers,
            module__hidden_units=self.hidden_units,
            module__dropout=self.dropout,
            module__activation=self.activation,
            module__n_features=n_features,
            module__loss=loss,
            **criterion,
            optimizer=torch.optim.Adam,
            optimizer__weight_decay=self.weight_decay,
            lr=PRETRAINING_DEFAULTS[loss]["lr"] if lr is None else lr,
            batch_size=batch_size,
            max_epochs=epochs,
            train_split=None,
            callbacks=callbacks,
            device=device,
            verbose=int(self.verbose),
            loss_kind=loss,
            n_negative_locations=self.n_negative_locations,
            mixed_precision=self.mixed_precision,
            seed=seed,
        )

    # -- prediction ----------------------------------------------------------
    def _forward(self, X, method, reduce=None):
        """Apply ``module_.<method>`` to ``X`` in chunks of ``predict_batch_size``.

        ``reduce`` maps each chunk's output, on the device, to what is kept
        (presence probabilities, the argmax, ...). The result is written into
        one preallocated array, so memory holds the result plus one chunk:
        :meth:`predict` never holds more than one chunk of class scores.
        Out-of-core ``X`` (a memmap, an HDF5 dataset) is read and checked one
        chunk at a time.
        """
        net = self._net_for(method)
        out_of_core = is_out_of_core(X)
        lonlat = _validate_any_lonlat(
            self, X, out_of_core, reset=False, check_values=False
        )
        module = net.module_
        module.eval()
        function = getattr(module, method)
        batch_size = self.predict_batch_size or self.batch_size
        out = None
        with torch.no_grad(), torch_threads(self.n_threads):
            for start, chunk in iter_row_chunks(lonlat, batch_size):
                if out_of_core:  # in float64, before rounding to float32
                    check_lonlat_values(chunk, row_offset=start)
                chunk = torch.from_numpy(chunk.astype(np.float32))
                with net.autocast():
                    result = function(chunk.to(net.compute_device))
                result = result.float()
                if reduce is not None:
                    result = reduce(result)
                result = result.cpu().numpy()
                if out is None:
                    out = np.empty((lonlat.shape[0], *result.shape[1:]), result.dtype)
                out[start : start + result.shape[0]] = result
        return out

    def _net_for(self, method):
        """The fitted net, or for the embedding alone the pretraining net."""
        pretrained_only = (
            "net_" not in self.__dict__ and "pretrain_net_" in self.__dict__
        )
        if method == "embed" and pretrained_only:
            return self.pretrain_net_
        check_is_fitted(self, "net_")
        return self.net_

    def _logits(self, X):
        return self._forward(X, "forward")

    def decision_function(self, X):
        """Class logits ``<e(x), T_y>``.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2)
            Longitude then latitude, in degrees; out-of-core arrays are read
            one chunk at a time.

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes) or (n_samples,)
            One column per class of ``classes_``; for two classes, the single
            column ``log σ(logit_1) − log σ(logit_0)``, positive when class 1
            wins and increasing with ``predict_proba[:, 1]``.
        """
        check_is_fitted(self, "net_")
        if len(self.classes_) == 2:
            return self._forward(X, "forward", reduce=_binary_log_presence_ratio)
        return self._logits(X)

    def predict_presence(self, X):
        """Per-class presence probabilities ``σ(logit)`` (SPEC §4).

        These are the probabilities the paper multiplies with an image model's
        class probabilities (SPEC §7). Rows need not sum to 1.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2)
            Longitude then latitude, in degrees; out-of-core arrays are read
            one chunk at a time.

        Returns
        -------
        presence : ndarray of shape (n_samples, n_classes)
        """
        return self._forward(X, "forward", reduce=_presence)

    def predict_proba(self, X):
        """Class probabilities: the presence probabilities normalised per row.

        ``σ(l_c) / Σ_c' σ(l_c')``, computed in log space so that it stays
        finite when every presence is tiny.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2)
            Longitude then latitude, in degrees; out-of-core arrays are read
            one chunk at a time.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Rows sum to 1; columns follow ``classes_``.
        """
        return self._forward(X, "forward", reduce=_normalised_presence)

    def predict(self, X):
        """Most likely class of each location.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2)
            Longitude then latitude, in degrees; out-of-core arrays are read
            one chunk at a time.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        codes = self._forward(X, "forward", reduce=_argmax)
        return self.classes_[codes]

    def transform(self, X):
        """The learned location embedding ``e(x)``.

        After :meth:`pretrain` alone (no labels), the pretrained embedding, to
        feed any scikit-learn model; after :meth:`fit`, the fine-tuned one.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2)
            Longitude then latitude, in degrees; out-of-core arrays are read
            one chunk at a time.

        Returns
        -------
        embedding : ndarray of shape (n_samples, hidden_units), float32
        """
        return self._forward(X, "embed")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = True  # bitwise results differ across devices
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

    # -- persistence ---------------------------------------------------------
    def save(self, path):
        """Save the fitted model as weights plus a JSON file, without pickle.

        ``path`` becomes a directory holding ``params.json`` (parameters,
        classes, encoder) and ``weights.pt`` (a ``state_dict`` of tensors,
        read back with ``torch.load(weights_only=True)``), so :meth:`load` runs
        no code from the files. The training history is not saved; use pickle
        or joblib to keep the whole object.

        Parameters
        ----------
        path : str or path-like
            Directory to create (or overwrite files in).

        Examples
        --------
        >>> import tempfile
        >>> import numpy as np
        >>> from skgeo_s2v import SphereLocationClassifier
        >>> X, y = [[0.0, 0.0], [90.0, 0.0], [1.0, 1.0], [91.0, 1.0]], [0, 1, 0, 1]
        >>> clf = SphereLocationClassifier(hidden_units=8, max_epochs=2).fit(X, y)
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     clf.save(folder)
        ...     loaded = SphereLocationClassifier.load(folder)
        >>> np.allclose(loaded.decision_function(X), clf.decision_function(X))
        True
        """
        check_is_fitted(self)
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        params = self.get_params(deep=False)
        params["pretrained"] = None  # the fine-tuned weights are saved instead
        params["accelerator"] = None  # process-group state, not a setting
        params["encoder"] = encoder_to_json(self.encoder)
        for name in ("random_state",):
            params[name] = json_scalar(name, params[name])
        arrays, fitted = fitted_encoder_state(self.encoder_)
        meta = {
            "format": SAVE_FORMAT,
            "estimator": type(self).__name__,
            "params": params,
            "classes": self.classes_.tolist(),
            "classes_dtype": self.classes_.dtype.str,
            "feature_names_in": getattr(self, "feature_names_in_", None),
            "encoder_": encoder_to_json(self.encoder_),
            "encoder_fitted": fitted,
            "seed": self.net_.seed,
            "n_epochs": self.n_epochs_,
            "validation_log_loss": (
                None
                if self.validation_log_loss_ is None
                else self.validation_log_loss_.tolist()
            ),
        }
        if meta["feature_names_in"] is not None:
            meta["feature_names_in"] = meta["feature_names_in"].tolist()
        state = {k: v.cpu() for k, v in self.net_.module_.state_dict().items()}
        torch.save({"module": state, "encoder": arrays}, path / WEIGHTS_FILE)
        (path / PARAMS_FILE).write_text(json.dumps(meta, indent=2))

    @classmethod
    def load(cls, path):
        """Load a model written by :meth:`save`, on CPU when CUDA is absent.

        Parameters
        ----------
        path : str or path-like
            The directory given to :meth:`save`.

        Returns
        -------
        classifier : SphereLocationClassifier
            A fitted classifier, ready to predict.
        """
        path = Path(path)
        meta = json.loads((path / PARAMS_FILE).read_text())
        if meta.get("format") != SAVE_FORMAT or meta.get("estimator") != cls.__name__:
            raise ValueError(
                f"{path} does not hold a {cls.__name__} saved by this version "
                f"(format {meta.get('format')!r}, estimator {meta.get('estimator')!r})."
            )
        params = dict(meta["params"])
        params["encoder"] = encoder_from_json(params["encoder"])
        model = cls(**params)
        model.classes_ = np.asarray(
            meta["classes"], dtype=np.dtype(meta["classes_dtype"])
        )
        model.n_features_in_ = 2
        if meta["feature_names_in"] is not None:
            model.feature_names_in_ = np.asarray(meta["feature_names_in"], dtype=object)
        weights = torch.load(path / WEIGHTS_FILE, map_location="cpu", weights_only=True)
        encoder = encoder_from_json(meta["encoder_"])
        for name, value in meta["encoder_fitted"].items():
            setattr(encoder, name, restore_value(value))
        for name, value in weights["encoder"].items():
            setattr(encoder, name, value.numpy())
        model.encoder_ = encoder
        model.n_epochs_ = meta["n_epochs"]
        model.validation_log_loss_ = (
            None
            if meta["validation_log_loss"] is None
            else np.asarray(meta["validation_log_loss"])
        )
        device = _resolve_device(model.device, fallback=True)
        model.net_ = model._build_net(device, meta["seed"], model.n_epochs_)
        with torch.random.fork_rng(devices=[]):
            model.net_.initialize()
        model.net_.module_.load_state_dict(weights["module"])
        return model
