"""SphereLocationClassifier: a geographic prior ``P(class | location)`` (SPEC §4-5)."""

import json
import warnings
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
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
)
from skorch import NeuralNet
from skorch.callbacks import EarlyStopping, LRScheduler, ProgressBar
from skorch.dataset import Dataset, unpack_data
from skorch.helper import predefined_split

from . import encoders as _encoders
from ._validation import validate_lonlat
from .encoders import BasePositionEncoder, make_encoder
from .nn import ACTIVATIONS, PresenceAbsenceLoss, build_location_module
from .nn import sample_background as _sample_background

__all__ = ["SphereLocationClassifier"]

_SAVE_FORMAT = 1
_PARAMS_FILE = "params.json"
_WEIGHTS_FILE = "weights.pt"


class _TensorBatches:
    """Mini-batches sliced from whole tensors: no per-sample Python.

    The data move to ``device`` once per epoch; each batch is an index into
    them. With ``max_per_class``, an epoch keeps at most that many examples of
    each class, drawn anew every epoch (class-balanced sampling).
    """

    def __init__(self, X, y, *, batch_size, device, generator=None, max_per_class=None):
        self.X = X.to(device)
        self.y = None if y is None else y.to(device)
        self._y_cpu = y
        self.batch_size = batch_size
        self.device = device
        self.generator = generator
        self.max_per_class = max_per_class

    def _order(self):
        n = self.X.shape[0]
        if self.generator is None:
            return None, n
        order = torch.randperm(n, generator=self.generator)
        if self.max_per_class is not None:
            order = _balanced_subset(
                order, self._y_cpu, self.max_per_class, self.generator
            )
        return order.to(self.device), order.shape[0]

    def __len__(self):
        n = self.X.shape[0]
        if self.max_per_class is not None and self._y_cpu is not None:
            counts = torch.bincount(self._y_cpu)
            n = int(torch.clamp(counts, max=self.max_per_class).sum())
        return -(-n // self.batch_size)

    def __iter__(self):
        order, n = self._order()
        for start in range(0, n, self.batch_size):
            if order is None:
                rows = slice(start, start + self.batch_size)
            else:
                rows = order[start : start + self.batch_size]
            yield self.X[rows], None if self.y is None else self.y[rows]


def _balanced_subset(order, y, max_per_class, generator):
    """Keep at most ``max_per_class`` rows of each class from a random order."""
    y_perm = y[order]
    grouped = torch.argsort(y_perm, stable=True)  # random order within a class
    y_grouped = y_perm[grouped]
    counts = torch.bincount(y_grouped)
    first = torch.cumsum(counts, 0) - counts
    rank = torch.arange(y_grouped.shape[0]) - first[y_grouped]
    kept = grouped[rank < max_per_class]
    return order[kept[torch.randperm(kept.shape[0], generator=generator)]]


class _PresenceAbsenceNet(NeuralNet):
    """skorch net trained with the presence-absence loss and random background.

    Customised through skorch's hooks only: ``train_step_single`` and
    ``validation_step`` add ``n_background`` uniform random locations per
    example, drawn and encoded on the training device in the same forward
    pass; ``get_iterator`` slices tensors; ``initialize_module`` seeds the
    generators.
    """

    def __init__(self, *args, n_background=1, max_per_class=None, seed=0, **kwargs):
        super().__init__(*args, **kwargs)
        self.n_background = n_background
        self.max_per_class = max_per_class
        self.seed = seed

    def initialize_module(self):
        super().initialize_module()
        self.background_generator_ = torch.Generator(device=self.device)
        self.background_generator_.manual_seed(self.seed + 1)
        self.shuffle_generator_ = torch.Generator().manual_seed(self.seed + 2)
        return self

    def _logits_with_background(self, Xi):
        Xi = Xi.to(self.device)
        n_background = Xi.shape[0] * self.n_background
        background = _sample_background(
            n_background,
            generator=self.background_generator_,
            device=self.device,
            dtype=Xi.dtype,
        )
        logits = self.module_(torch.cat([Xi, background]))
        return logits[: Xi.shape[0]], logits[Xi.shape[0] :]

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        logits, background = self._logits_with_background(Xi)
        loss = self.criterion_(logits, yi, background)
        loss.backward()
        return {"loss": loss, "y_pred": logits}

    def validation_step(self, batch, **fit_params):
        self._set_training(False)
        Xi, yi = unpack_data(batch)
        with torch.no_grad():
            logits, background = self._logits_with_background(Xi)
            loss = self.criterion_(logits, yi, background)
        return {"loss": loss, "y_pred": logits}

    def get_iterator(self, dataset, training=False):
        return _TensorBatches(
            torch.as_tensor(dataset.X),
            None if dataset.y is None else torch.as_tensor(dataset.y),
            batch_size=self.batch_size,
            device=self.device,
            generator=self.shuffle_generator_ if training else None,
            max_per_class=self.max_per_class if training else None,
        )

    def __getstate__(self):
        state = super().__getstate__()
        # Generators may live on a GPU; they are re-seeded by initialize_module.
        state.pop("background_generator_", None)
        state.pop("shuffle_generator_", None)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        self.background_generator_ = torch.Generator(device=self.device)
        self.background_generator_.manual_seed(self.seed + 1)
        self.shuffle_generator_ = torch.Generator().manual_seed(self.seed + 2)


def _resolve_device(device, *, fallback=False):
    """``"auto"`` → CUDA when available; refuse unavailable devices."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        parsed = torch.device(device)
    except RuntimeError as exc:
        raise ValueError(
            f"device={device!r} is not a torch device; use 'auto', 'cpu' or 'cuda'."
        ) from exc
    if parsed.type == "cuda" and not torch.cuda.is_available():
        if fallback:
            return "cpu"
        raise ValueError(
            f"device={device!r} was requested but CUDA is not available on this "
            "machine; use device='cpu' or device='auto'."
        )
    return device


def _check_labels(y):
    """Refuse missing labels, which LabelEncoder would otherwise turn into a class."""
    if y.dtype.kind == "f":
        missing = np.flatnonzero(~np.isfinite(y)).tolist()
    elif y.dtype.kind == "O":
        missing = [i for i, v in enumerate(y) if v is None or (v != v)]
    else:
        missing = []
    if missing:
        raise ValueError(
            f"y holds a missing label ({y[missing[0]]!r}) at row {missing[0]}; "
            "drop the unlabelled rows before fitting."
        )
    check_classification_targets(y)


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
    lr : float, default=1e-3
        Learning rate of the Adam optimiser.
    lr_decay : float, default=0.98
        Per-epoch multiplicative learning-rate decay (exponential schedule).
    weight_decay : float, default=0.0
        L2 penalty of the optimiser.
    batch_size : int, default=1024
        Labelled examples per step; also the chunk size of the predictions.
    max_epochs : int, default=30
        Passes over the training data (at least 1). 30 epochs of 1024-example
        batches fit the paper's synthetic sets (5,000 points, 50 classes)
        within 2-4 points of the Bayes-optimal accuracy.
    early_stopping : bool, default=False
        Hold out a stratified ``validation_fraction`` of the data and stop when
        the validation loss has not improved for ``n_iter_no_change`` epochs,
        restoring the best weights.
    validation_fraction : float, default=0.1
        Fraction held out for early stopping.
    n_iter_no_change : int, default=10
        Patience of early stopping, in epochs.
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
    random_state : int, RandomState instance or None, default=None
        Seeds the weights, dropout, shuffling, background sampling, the
        validation split and, when its own ``random_state`` is None, the
        encoder. Pass an int for reproducible fits (on the same device).
    verbose : int, default=0
        0 is silent; 1 or more prints a progress bar and the per-epoch table.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, sorted.
    encoder_ : BasePositionEncoder
        The fitted position encoder.
    net_ : skorch.NeuralNet
        The trained skorch net: ``net_.history`` holds the per-epoch losses,
        ``net_.module_`` the torch module.
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
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "pos_weight": [None, Interval(Real, 0, None, closed="left")],
        "background_weight": [Interval(Real, 0, None, closed="left")],
        "n_background": [Interval(Integral, 0, None, closed="left")],
        "max_per_class": [None, Interval(Integral, 1, None, closed="left")],
        "device": [str],
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
        lr=1e-3,
        lr_decay=0.98,
        weight_decay=0.0,
        batch_size=1024,
        max_epochs=30,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        pos_weight=None,
        background_weight=1.0,
        n_background=1,
        max_per_class=None,
        device="auto",
        random_state=None,
        verbose=0,
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
        self.random_state = random_state
        self.verbose = verbose

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
    def fit(self, X, y):
        """Train the encoder's network on labelled locations.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, 2)
            Longitude then latitude, in degrees.
        y : array-like of shape (n_samples,)
            Class labels (strings, integers, anything
            :class:`~sklearn.preprocessing.LabelEncoder` accepts); at least two
            classes, no missing values.

        Returns
        -------
        self : SphereLocationClassifier
            The fitted classifier.
        """
        device = _resolve_device(self.device)
        lonlat = validate_lonlat(self, X, reset=True)
        y = column_or_1d(y, warn=True)
        check_consistent_length(lonlat, y)
        _check_labels(y)
        label_encoder = LabelEncoder().fit(y)
        self.classes_ = label_encoder.classes_
        if len(self.classes_) < 2:
            raise ValueError(
                f"y holds a single class ({self.classes_[0]!r}); "
                "SphereLocationClassifier needs at least 2 classes."
            )
        codes = label_encoder.transform(y).astype(np.int64)
        seed = int(check_random_state(self.random_state).randint(2**31 - 1))

        self.encoder_ = self._make_encoder(seed).fit(lonlat)
        lonlat = lonlat.astype(np.float32)
        train_split = None
        if self.early_stopping:
            lonlat, codes, valid = self._validation_split(lonlat, codes, seed)
            train_split = predefined_split(valid)

        self.net_ = self._build_net(device, seed, train_split)
        devices = [torch.device(device).index or 0] if device != "cpu" else []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            self.net_.fit(lonlat, codes)
        return self

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

    def _validation_split(self, lonlat, codes, seed):
        try:
            train_X, valid_X, train_y, valid_y = train_test_split(
                lonlat,
                codes,
                test_size=self.validation_fraction,
                stratify=codes,
                random_state=seed,
            )
        except ValueError as exc:
            raise ValueError(
                "early_stopping holds out a stratified validation_fraction="
                f"{self.validation_fraction} of the data, which needs at least two "
                "examples of each class and one validation example per class: "
                f"{exc} Increase validation_fraction or set early_stopping=False."
            ) from exc
        return train_X, train_y, Dataset(valid_X, valid_y)

    def _build_net(self, device, seed, train_split=None):
        n_classes = len(self.classes_)
        callbacks = [
            ("lr_decay", LRScheduler(policy="ExponentialLR", gamma=self.lr_decay))
        ]
        if self.early_stopping:
            callbacks.append(
                (
                    "early_stopping",
                    EarlyStopping(patience=self.n_iter_no_change, load_best=True),
                )
            )
        if self.verbose:
            callbacks.append(("progress_bar", ProgressBar()))
        pos_weight = n_classes if self.pos_weight is None else self.pos_weight
        return _PresenceAbsenceNet(
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
            max_epochs=self.max_epochs,
            train_split=train_split,
            callbacks=callbacks,
            device=device,
            verbose=int(self.verbose),
            n_background=self.n_background,
            max_per_class=self.max_per_class,
            seed=seed,
        )

    # -- prediction ----------------------------------------------------------
    def _forward(self, X, method):
        """Apply ``module_.<method>`` to validated ``X`` in chunks of batch_size."""
        check_is_fitted(self)
        lonlat = validate_lonlat(self, X, reset=False).astype(np.float32)
        module = self.net_.module_
        module.eval()
        function = getattr(module, method)
        outputs = []
        with torch.no_grad():
            for start in range(0, lonlat.shape[0], self.batch_size):
                chunk = torch.as_tensor(lonlat[start : start + self.batch_size])
                outputs.append(function(chunk.to(self.net_.device)).cpu())
        return torch.cat(outputs).numpy()

    def _logits(self, X):
        return self._forward(X, "forward")

    def decision_function(self, X):
        """Class logits ``<e(x), T_y>``.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2)
            Longitude then latitude, in degrees.

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes) or (n_samples,)
            One column per class of ``classes_``; for two classes, the single
            column ``log σ(logit_1) − log σ(logit_0)``, positive when class 1
            wins and increasing with ``predict_proba[:, 1]``.
        """
        logits = self._logits(X)
        if logits.shape[1] == 2:
            log_presence = torch.nn.functional.logsigmoid(torch.as_tensor(logits))
            return (log_presence[:, 1] - log_presence[:, 0]).numpy()
        return logits

    def predict_presence(self, X):
        """Per-class presence probabilities ``σ(logit)`` (SPEC §4).

        These are the probabilities the paper multiplies with an image model's
        class probabilities (SPEC §7). Rows need not sum to 1.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2)
            Longitude then latitude, in degrees.

        Returns
        -------
        presence : ndarray of shape (n_samples, n_classes)
        """
        return torch.sigmoid(torch.as_tensor(self._logits(X)).double()).numpy()

    def predict_proba(self, X):
        """Class probabilities: the presence probabilities normalised per row.

        ``σ(l_c) / Σ_c' σ(l_c')``, computed in log space so that it stays
        finite when every presence is tiny.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2)
            Longitude then latitude, in degrees.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Rows sum to 1; columns follow ``classes_``.
        """
        logits = torch.as_tensor(self._logits(X)).double()
        log_presence = torch.nn.functional.logsigmoid(logits)
        return torch.softmax(log_presence, dim=1).numpy()

    def predict(self, X):
        """Most likely class of each location.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2)
            Longitude then latitude, in degrees.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        logits = self._logits(X)
        return self.classes_[np.argmax(logits, axis=1)]

    def transform(self, X):
        """The learned location embedding ``e(x)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2)
            Longitude then latitude, in degrees.

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
        params["encoder"] = _encoder_to_json(self.encoder)
        for name in ("random_state",):
            params[name] = _json_scalar(name, params[name])
        arrays, fitted = _fitted_encoder_state(self.encoder_)
        meta = {
            "format": _SAVE_FORMAT,
            "estimator": type(self).__name__,
            "params": params,
            "classes": self.classes_.tolist(),
            "classes_dtype": self.classes_.dtype.str,
            "feature_names_in": getattr(self, "feature_names_in_", None),
            "encoder_": _encoder_to_json(self.encoder_),
            "encoder_fitted": fitted,
            "seed": self.net_.seed,
        }
        if meta["feature_names_in"] is not None:
            meta["feature_names_in"] = meta["feature_names_in"].tolist()
        state = {k: v.cpu() for k, v in self.net_.module_.state_dict().items()}
        torch.save({"module": state, "encoder": arrays}, path / _WEIGHTS_FILE)
        (path / _PARAMS_FILE).write_text(json.dumps(meta, indent=2))

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
        meta = json.loads((path / _PARAMS_FILE).read_text())
        if meta.get("format") != _SAVE_FORMAT or meta.get("estimator") != cls.__name__:
            raise ValueError(
                f"{path} does not hold a {cls.__name__} saved by this version "
                f"(format {meta.get('format')!r}, estimator {meta.get('estimator')!r})."
            )
        params = dict(meta["params"])
        params["encoder"] = _encoder_from_json(params["encoder"])
        model = cls(**params)
        model.classes_ = np.asarray(
            meta["classes"], dtype=np.dtype(meta["classes_dtype"])
        )
        model.n_features_in_ = 2
        if meta["feature_names_in"] is not None:
            model.feature_names_in_ = np.asarray(meta["feature_names_in"], dtype=object)
        weights = torch.load(
            path / _WEIGHTS_FILE, map_location="cpu", weights_only=True
        )
        encoder = _encoder_from_json(meta["encoder_"])
        for name, value in meta["encoder_fitted"].items():
            setattr(encoder, name, _restore_value(value))
        for name, value in weights["encoder"].items():
            setattr(encoder, name, value.numpy())
        model.encoder_ = encoder
        device = _resolve_device(model.device, fallback=True)
        model.net_ = model._build_net(device, meta["seed"])
        with torch.random.fork_rng(devices=[]):
            model.net_.initialize()
        model.net_.module_.load_state_dict(weights["module"])
        return model


def _json_scalar(name, value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise ValueError(
        f"{name}={value!r} cannot be written to JSON; set it to an int or None "
        "before saving, or use pickle/joblib."
    )


def _encoder_to_json(encoder):
    if isinstance(encoder, str):
        return encoder
    params = {
        name: _json_scalar(f"encoder__{name}", value)
        for name, value in encoder.get_params(deep=False).items()
    }
    return {"class": type(encoder).__name__, "params": params}


def _encoder_from_json(spec):
    if isinstance(spec, str):
        return spec
    name = spec["class"]
    if name not in _encoders.__all__ or not name.endswith("Encoder"):
        raise ValueError(f"Unknown encoder class {name!r} in the saved parameters.")
    return getattr(_encoders, name)(**spec["params"])


def _fitted_encoder_state(encoder):
    """Split an encoder's fitted attributes into tensors and JSON values."""
    arrays, values = {}, {}
    for name, value in vars(encoder).items():
        if not name.endswith("_") or name.startswith("_"):
            continue
        if isinstance(value, np.ndarray) and value.dtype.kind in "fiub":
            arrays[name] = torch.from_numpy(np.ascontiguousarray(value))
        elif isinstance(value, np.ndarray):
            values[name] = {"array": value.tolist(), "dtype": value.dtype.str}
        elif isinstance(value, (bool, int, float, str)) or value is None:
            values[name] = value
        elif isinstance(value, np.generic):
            values[name] = value.item()
        else:
            warnings.warn(
                f"The encoder attribute {name} ({type(value).__name__}) is not "
                "saved; use pickle or joblib to keep it.",
                stacklevel=3,
            )
    return arrays, values


def _restore_value(value):
    if isinstance(value, dict) and "array" in value:
        return np.asarray(value["array"], dtype=np.dtype(value["dtype"]))
    return value
