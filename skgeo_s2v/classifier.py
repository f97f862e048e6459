"""SphereLocationClassifier: a geographic prior ``P(class | location)`` (SPEC §4-5).

The parameter surface and the order of the steps of ``fit``; the steps live
in ``_recipe``, ``_inference``, ``_persistence`` and
``_contrastive_pretraining`` (docs/architecture.rst).
"""

import copy
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, _fit_context
from sklearn.frozen import FrozenEstimator
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_consistent_length, check_is_fitted

from . import _recipe
from ._accelerate import training_device
from ._contrastive_pretraining import (
    ContrastivePretraining,
    pretraining_for_fit,
    run_pretraining,
)
from ._covariate_input import fit_covariate_input, training_input
from ._fitting import (
    ARCHITECTURE_CONSTRAINTS,
    fit_position_encoder,
    make_position_encoder,
)
from ._inference import PredictionMixin, validate_any_lonlat
from ._params import NestedParamsMixin
from ._persistence import PersistenceMixin
from ._pretraining import PretrainedEncoder, check_overrides
from ._recipe import AUTO_EPOCH_LIMIT
from ._validation import (
    check_class_labels,
    check_class_weights,
    check_several_classes,
    is_out_of_core,
)
from .background import BaseBackground
from .losses import LOSSES, BaseLoss, check_weighted_criterion, make_loss

__all__ = ["AUTO_EPOCH_LIMIT", "SphereLocationClassifier"]


class SphereLocationClassifier(
    NestedParamsMixin,
    PersistenceMixin,
    PredictionMixin,
    ClassifierMixin,
    TransformerMixin,
    BaseEstimator,
):
    """Location classifier ``P(class | location)`` with a Sphere2Vec encoder.

    The model is ``logit(y | x) = <e(x), T_y>`` with ``e(x) = NN(G(x))``: a
    position encoder ``G`` (SPEC §3), a network ``NN`` (SPEC §4) and a class
    embedding matrix ``T``. It is trained in :mod:`skorch` with ``loss``, by
    default the paper's presence-absence loss (Eq. 8, SPEC §5): each labelled
    point is a presence of its class and an absence of the others, and the
    locations drawn by ``background`` (uniformly on the sphere by default),
    anew at each step on the training device, are absences of all classes.
    The fitted net is ``net_``. docs/architecture.rst walks the data path.

    Parameters
    ----------
    encoder : str or BasePositionEncoder, default="sphereM+"
        The position encoder ``G``: a name for :func:`~skgeo_s2v.make_encoder`
        or an encoder instance (cloned and fitted in :meth:`fit`); its
        parameters are tunable as ``encoder__min_radius`` etc.
    hidden_layers : int, default=1
        Number of hidden layers (residual blocks) ``h``.
    hidden_units : int, default=512
        Width ``k`` of the hidden layers and of the embedding ``e(x)``.
    dropout : float, default=0.5
        Dropout probability, in ``[0, 1)``.
    activation : {"relu", "leaky_relu", "gelu", "tanh", "sigmoid", "elu", \
"silu"}, default="relu"
        Activation of the hidden layers.
    network : {"mlp", "wrap_residual"}, default="mlp"
        :class:`~skgeo_s2v.nn.LocationMLP` or the residual network of the
        paper's ``wrap`` baseline (:class:`~skgeo_s2v.nn.WrapResidualNet`).
    lr : float, default=3e-3
        Learning rate of the optimiser (the paper tunes it in 5e-5 … 1e-2).
    lr_decay : float, default=0.98
        Per-epoch multiplicative learning-rate decay (the ``"lr_decay"``
        callback; a callback of that name in ``callbacks`` replaces it).
    batch_size : int, default=1024
        Labelled examples per step. An epoch is ``ceil(n_samples /
        batch_size)`` steps, so with a few hundred examples (the records of
        a regional species distribution study) it is a single step: lower
        ``batch_size`` or raise ``max_epochs`` for such data, the more so
        with a coarse encoder (a large ``min_radius``, or ``"xyz"``), which
        needs more steps to fit than a fine one. On the virtual species of
        ``benchmarks/bench_sdm_virtual.py`` (records with covariates, tested
        on surveys), ``"xyz"`` with ``batch_size=128`` scored 0.014 to 0.026
        AUC above the defaults (:doc:`/benchmarks`).
    max_epochs : int or "auto", default="auto"
        An integer trains for that many epochs. ``"auto"`` trains on the
        training part of ``validation_split`` for at most
        ``AUTO_EPOCH_LIMIT`` (200) epochs, stopping once the validation
        log-loss of :meth:`predict_proba` has not improved for
        ``n_iter_no_change`` epochs, then trains again on all the examples for
        the best epoch count (``n_epochs_``); it costs the first run.
    early_stopping : bool, default=False
        Stop on the validation log-loss of ``validation_split`` and keep the
        weights of the best epoch, trained on the rest of the data (no second
        run). The epoch limit is ``max_epochs``, or ``AUTO_EPOCH_LIMIT``.
    validation_split : float or CV splitter, default=0.1
        The validation rows of ``max_epochs="auto"`` and ``early_stopping``. A
        float is the fraction of each class held out (stratified; each class
        keeps at least one example for training). A scikit-learn splitter
        (``GroupShuffleSplit``, a spatial block splitter) gives them by its
        first ``split(X, y, groups)``, with the ``groups`` passed to
        :meth:`fit`, so that a site or survey never sits on both sides.
    n_iter_no_change : int, default=10
        Epochs without a lower validation log-loss before stopping.
    loss : str or BaseLoss, default="presence_absence"
        The training loss: a name of :data:`skgeo_s2v.losses.LOSSES` or an
        instance such as ``PresenceAbsenceLoss(pos_weight=None,
        background_weight=1.0)``; its parameters are tunable as
        ``loss__pos_weight``.
    background : BaseBackground or None, default=None
        Where the background (pseudo-absence) locations are drawn: a sampler
        of :mod:`skgeo_s2v.background`, cloned and fitted on the training
        locations and labels; None is ``UniformSphereBackground()``, the
        paper's uniform draw of ``n_per_example=1`` location per example.
        Tunable as ``background__n_per_example``.
    handle_unknown : {"error", "ignore"}, default="error"
        With covariates, a level of a categorical covariate at prediction that
        neither the records nor the background sites held: ``"error"`` raises
        a ValueError naming it (and :func:`~skgeo_s2v.sdm.predict_grid` leaves
        such cells NaN); ``"ignore"`` encodes it as all zeros, as
        scikit-learn's ``OneHotEncoder(handle_unknown="ignore")``, so the
        site is scored as one of none of the known levels. Use ``"ignore"``
        in spatial cross-validation, whose test folds can hold a level that
        no training fold has.
    max_per_class : int or None, default=None
        Class-balanced sampling: at most this many examples of each class per
        epoch, redrawn every epoch.
    optimizer : torch.optim.Optimizer class, default=torch.optim.Adam
        The optimiser; its arguments are given as ``optimizer__<name>`` to
        the constructor or :meth:`set_params` (``optimizer__weight_decay=1e-4``)
        and reach skorch unchanged.
    callbacks : list of skorch callbacks or (name, callback) or None, \
default=None
        Extra skorch callbacks, added to the built-in ones (``lr_decay``,
        ``valid_log_loss``, ``early_stopping``, ``progress_bar``); a named one
        replaces the built-in of that name, ``(name, None)`` removes it.
    device : str or accelerate.Accelerator, default="auto"
        Torch device; ``"auto"`` picks CUDA when it is available. An
        ``accelerate.Accelerator`` trains through Hugging Face Accelerate
        (data parallel, ``accelerate launch``), which places the model and
        sets the precision; ``net_`` is then a plain net on its device.
    predict_batch_size : int or None, default=None
        Locations per chunk of the predictions and :meth:`transform`: memory
        holds the result plus one chunk of class scores. None uses
        ``batch_size``; on a GPU, 10⁴–10⁵ is faster.
    mixed_precision : {None, "bf16"}, default=None
        ``"bf16"`` runs the network (not the encoding) under bfloat16 autocast.
    n_threads : int or None, default=None
        Torch CPU threads while fitting and predicting; None leaves torch's.
    random_state : int, RandomState instance or None, default=None
        Seeds the weights, dropout, shuffling, the background draw, the
        stratified validation split, the pretraining run inside :meth:`fit`
        and, when its own ``random_state`` is None, the encoder.
    verbose : int, default=0
        1 or more prints a progress bar and the per-epoch table.
    pretraining : ContrastivePretraining, FrozenEstimator, PretrainedEncoder \
or None, default=None
        Self-supervised pretraining to fine-tune from (SPEC §6). A fitted one
        (best wrapped in :class:`~sklearn.frozen.FrozenEstimator`, as
        :meth:`pretrain` does, so that every clone of a grid search shares
        it) is reused: :meth:`fit` starts the encoding and the network from
        its weights and learns a fresh class head; the architecture must be
        the same. An unfitted :class:`~skgeo_s2v.ContrastivePretraining` runs
        inside :meth:`fit` on ``pretrain_X``/``pretrain_features`` with this
        estimator's architecture, so one search can tune
        ``pretraining__loss``; without them (and with None) :meth:`fit` trains
        from scratch.
    **optimizer_params : dict
        ``optimizer__<name>`` arguments of ``optimizer`` (and, until 0.3, the
        old spellings of the changelog, translated with a FutureWarning).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, sorted.
    encoder_ : BasePositionEncoder
        The fitted position encoder.
    loss_ : BaseLoss
        The loss object trained with.
    background_ : BaseBackground
        The background sampler, fitted on the rows of the final training run.
    net_ : skorch.NeuralNet
        The trained net: ``history`` (of the final run), ``module_``; its
        ``predict_proba`` gives the probabilities of :meth:`predict_proba`.
    n_epochs_ : int
        Epochs of the returned model.
    validation_log_loss_ : ndarray of shape (n_epochs_run,) or None
        Validation log-loss of each epoch of the selection run, if any.
    pretrained_ : PretrainedEncoder or None
        The pretrained weights :meth:`fit` fine-tuned from, if any.
    pretrain_net_ : skorch.NeuralNet
        The pretraining net, after :meth:`pretrain` or a ``fit`` given
        ``pretrain_X``.
    covariate_transformer_ : ColumnTransformer or None
        The covariates' scaler and one-hot encoder; None without covariates.
    n_features_in_ : int
        Number of input columns (2 without covariates); ``feature_names_in_``
        their names, when ``X`` had string column names.

    Notes
    -----
    ``predict_proba`` is ``σ(logit)`` renormalised over the classes (SPEC §7);
    :meth:`predict_presence` the raw ``σ(logit)``. The spellings of before
    0.2 (``pos_weight``, ``n_background``, ``pretrained``, ``pretrain_*``,
    ...) still work, with a ``FutureWarning`` naming the new one
    (docs/changelog.rst). A DataFrame of ``lon``, ``lat`` and covariates adds
    them beside the location (docs/sdm.rst, "Covariates beside the location").

    Examples
    --------
    >>> import numpy as np
    >>> from skgeo_s2v import SphereLocationClassifier, make_encoder
    >>> rng = np.random.default_rng(0)
    >>> X = np.column_stack([rng.uniform(-180, 180, 60), rng.uniform(-60, 60, 60)])
    >>> y = np.where(X[:, 0] < 0, "west", "east")

    Sixty records over the globe lie thousands of km apart: a coarse finest
    scale (``min_radius=0.2`` radians, a period of 8,000 km) lets the model
    fill the space between them, where the default's 400 km leaves it unsure
    away from the records, and its answer there depends on the seed.

    >>> encoder = make_encoder("sphereM+", min_radius=0.2)
    >>> clf = SphereLocationClassifier(
    ...     encoder, hidden_units=32, max_epochs=30, lr=1e-2, random_state=0
    ... ).fit(X, y)
    >>> clf.predict([[-100.0, 10.0], [100.0, 10.0]])
    array(['west', 'east'], dtype='<U4')
    >>> clf.predict_proba([[-100.0, 10.0]]).sum()
    np.float64(1.0)
    """

    _parameter_constraints: dict = {
        **ARCHITECTURE_CONSTRAINTS,
        "lr": [Interval(Real, 0, None, closed="neither")],
        "lr_decay": [Interval(Real, 0, 1, closed="right")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "early_stopping": ["boolean"],
        "validation_split": [
            Interval(Real, 0, 1, closed="neither"),
            HasMethods(["split"]),
        ],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "loss": [StrOptions(set(LOSSES)), BaseLoss],
        "background": [None, BaseBackground],
        "handle_unknown": [StrOptions({"error", "ignore"})],
        "max_per_class": [None, Interval(Integral, 1, None, closed="left")],
        "optimizer": [type],
        "callbacks": [None, list],
        "device": [str, HasMethods(["prepare", "backward", "autocast"])],
        "predict_batch_size": [None, Interval(Integral, 1, None, closed="left")],
        "mixed_precision": [StrOptions({"bf16"}), None],
        "n_threads": [None, Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "pretraining": [None, HasMethods(["fit", "transform"]), PretrainedEncoder],
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
        batch_size=1024,
        max_epochs="auto",
        early_stopping=False,
        validation_split=0.1,
        n_iter_no_change=10,
        loss="presence_absence",
        background=None,
        handle_unknown="error",
        max_per_class=None,
        optimizer=torch.optim.Adam,
        callbacks=None,
        device="auto",
        predict_batch_size=None,
        mixed_precision=None,
        n_threads=None,
        random_state=None,
        verbose=0,
        pretraining=None,
        **optimizer_params,
    ):
        self.encoder = encoder
        self.hidden_layers = hidden_layers
        self.hidden_units = hidden_units
        self.dropout = dropout
        self.activation = activation
        self.network = network
        self.lr = lr
        self.lr_decay = lr_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.early_stopping = early_stopping
        self.validation_split = validation_split
        self.n_iter_no_change = n_iter_no_change
        self.loss = loss
        self.background = background
        self.handle_unknown = handle_unknown
        self.max_per_class = max_per_class
        self.optimizer = optimizer
        self.callbacks = callbacks
        self.device = device
        self.predict_batch_size = predict_batch_size
        self.mixed_precision = mixed_precision
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose
        self.pretraining = pretraining
        # ``optimizer__*`` values, and the old spellings, translated.
        if optimizer_params:
            self.set_params(**optimizer_params)

    # -- fitting -------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(
        self,
        X,
        y,
        sample_weight=None,
        *,
        groups=None,
        pretrain_X=None,
        pretrain_features=None,
    ):
        """Train on labelled locations, from scratch or from a pretraining.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2) or DataFrame
            Longitude then latitude, in degrees; a DataFrame of ``lon``, ``lat``
            and covariate columns adds covariates (see the class Notes). A
            :class:`numpy.memmap` or an ``h5py``/``zarr`` array is not loaded.
        y : array-like of shape (n_samples,)
            Class labels (anything :class:`~sklearn.preprocessing.LabelEncoder`
            accepts); at least two classes, no missing values.
        sample_weight : array-like of shape (n_samples,), default=None
            The weight of each example's term of the loss (its presence, and
            its absence of the other classes); non-negative, each class with
            a positive total. Only their ratios matter: they are scaled to a
            mean of 1, so that an example of weight 2 counts as that example
            twice, against the background as against the other examples. The
            background points are not weighted, and a background sampler that
            learns from the records (such as
            :class:`~skgeo_s2v.background.TargetGroupBackground`) sees them
            unweighted. ``max_epochs="auto"`` weighs the validation log-loss
            alike. None weighs every example 1.
        groups : array-like of shape (n_samples,), default=None
            Group of each example (site, survey, publication), passed to a
            ``validation_split`` splitter; used only to choose the epochs.
        pretrain_X : array-like of shape (n_unlabeled, 2), default=None
            Unlabelled locations to pretrain on first, with ``pretraining``
            (unfitted, or None for the defaults); a search splits them with
            ``X`` when they have as many rows.
        pretrain_features : array-like of shape (n_unlabeled, n_features), \
default=None
            The features paired with ``pretrain_X``.

        Returns
        -------
        self : SphereLocationClassifier
            The fitted classifier.

        Examples
        --------
        Labels that the location does not tell apart: the model learns the
        classes' shares, and weighting the records of ``"a"`` four times
        gives ``"a"`` most of the probability.

        >>> import numpy as np
        >>> from skgeo_s2v import SphereLocationClassifier
        >>> rng = np.random.default_rng(0)
        >>> X = np.column_stack([rng.uniform(-20, 20, 200), rng.uniform(-20, 20, 200)])
        >>> y = np.where(rng.random(200) < 0.5, "a", "b")
        >>> clf = SphereLocationClassifier(
        ...     hidden_units=16, max_epochs=20, random_state=0
        ... ).fit(X, y, sample_weight=np.where(y == "a", 4.0, 1.0))
        >>> bool(clf.predict_proba(X)[:, 0].mean() > 0.65)
        True
        """
        device = training_device(self.device, self.mixed_precision)
        out_of_core = is_out_of_core(X)
        sites = None if self.background is None else self.background.covariate_sites()
        lonlat, covariates = fit_covariate_input(
            self,
            X,
            out_of_core,
            level_sites=sites,
            handle_unknown=self.handle_unknown,
            y=y,
        )
        y = check_class_labels(y)
        check_consistent_length(lonlat, y)
        label_encoder = LabelEncoder().fit(y)
        self.classes_ = label_encoder.classes_
        check_several_classes(
            self.classes_,
            self,
            "To model one species against background sites, fit "
            "skgeo_s2v.sdm.SphereGAMClassifier on presence (True) and background "
            "(False) rows, or wrap a model in "
            "skgeo_s2v.sdm.OneVsBackgroundClassifier.",
        )
        codes = label_encoder.transform(y).astype(np.int64)
        weights = check_class_weights(sample_weight, codes, self.classes_)
        if weights is not None:  # only the ratios matter
            weights = weights / weights.mean()
        seed = int(check_random_state(self.random_state).randint(2**31 - 1))
        self.loss_ = make_loss(self.loss)
        if weights is not None:
            check_weighted_criterion(self.loss_, len(self.classes_))
        inputs = training_input(self, lonlat, covariates, pretrain_X)

        source, pretrained = pretraining_for_fit(
            self, pretrain_X, pretrain_features, device, seed
        )
        self.__dict__.pop("pretrain_net_", None)
        if isinstance(source, ContrastivePretraining):  # run inside this fit
            self.pretrain_net_ = source.net_
        if pretrained is None:
            self.encoder_ = fit_position_encoder(
                make_position_encoder(self.encoder, seed), lonlat, seed, out_of_core
            )
        else:
            self.encoder_ = copy.deepcopy(pretrained.encoder)
        data = (inputs, out_of_core, codes, weights)
        self.net_, self.n_epochs_, self.validation_log_loss_ = _recipe.fit_net(
            self, device, seed, pretrained, data, groups, (lonlat, y, covariates)
        )
        self.pretrained_ = pretrained
        return self

    # -- self-supervised pretraining (SPEC §6) --------------------------------
    @_fit_context(prefer_skip_nested_validation=False)
    def pretrain(self, X_unlabeled, features, *, loss=None, epochs=None, lr=None):
        """Pretrain the location encoder on unlabelled ``(location, features)``.

        A thin wrapper of :class:`~skgeo_s2v.ContrastivePretraining` with this
        estimator's architecture and seed: its settings are those of
        ``pretraining`` (the defaults when it is None), and the fitted
        pretraining is stored, frozen, in ``pretraining``, so a following
        :meth:`fit` and its clones fine-tune from it. :meth:`transform` gives
        the pretrained embedding right away. Any earlier ``fit`` is discarded.

        Parameters
        ----------
        X_unlabeled : array-like or DataFrame of shape (n_samples, 2)
            Longitude then latitude, in degrees.
        features : array-like of shape (n_samples, n_features)
            Row ``i`` is the feature vector observed at location ``i``; no
            missing values; not modified; may be out-of-core.
        loss : {"mc", "bi", "mse"} or None, default=None
            Overrides ``pretraining``'s ``loss`` for this call.
        epochs : int or None, default=None
            Overrides its ``epochs``.
        lr : float or None, default=None
            Overrides its ``lr``.

        Returns
        -------
        self : SphereLocationClassifier
            This estimator, with ``pretraining`` set.

        Examples
        --------
        >>> import numpy as np
        >>> from skgeo_s2v import SphereLocationClassifier
        >>> rng = np.random.default_rng(0)
        >>> X = np.column_stack([rng.uniform(-180, 180, 64), rng.uniform(-60, 60, 64)])
        >>> features = np.column_stack([np.sin(np.radians(X[:, 0])), X[:, 1] / 60])
        >>> clf = SphereLocationClassifier(hidden_units=16, random_state=0)
        >>> clf.pretrain(X, features, loss="mc", epochs=2).pretraining.pretrained_
        PretrainedEncoder(loss='mc', n_samples=64, epochs=2, hidden_units=16)
        >>> clf.transform(X[:3]).shape
        (3, 16)
        >>> y = np.where(X[:, 0] < 0, "west", "east")
        >>> clf.fit(X, y).pretrained_ is clf.pretraining.pretrained_
        True
        """
        check_overrides(loss=loss, epochs=epochs, lr=lr)
        device = training_device(self.device, None)
        earlier = ("net_", "classes_", "pretrained_", "pretrain_net_")
        for name in (*earlier, "covariate_transformer_"):  # location-only now
            self.__dict__.pop(name, None)
        out_of_core = is_out_of_core(X_unlabeled)
        lonlat = validate_any_lonlat(self, X_unlabeled, out_of_core, reset=True)
        seed = int(check_random_state(self.random_state).randint(2**31 - 1))
        fitted = run_pretraining(
            self, lonlat, features, device, seed, loss=loss, epochs=epochs, lr=lr
        )
        self.pretrain_net_ = fitted.net_
        self.pretraining = FrozenEstimator(fitted)
        return self

    # -- prediction (the methods are those of PredictionMixin) ----------------
    def _net_for(self, method):
        """The fitted net, or for the embedding alone the pretraining net."""
        pretrained_only = "net_" not in vars(self) and "pretrain_net_" in vars(self)
        if method == "embed" and pretrained_only:
            return self.pretrain_net_
        check_is_fitted(self, "net_")
        return self.net_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = True  # bitwise results differ across devices
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
