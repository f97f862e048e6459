"""Covariates beside the location: the classifier's input from a DataFrame.

A DataFrame with ``lon``, ``lat`` and further columns gives the classifier
covariates (issue 17): numeric columns are standardised (``StandardScaler``)
and pandas categoricals one-hot encoded (``OneHotEncoder``), in one
``ColumnTransformer`` fitted on the training rows
(``covariate_transformer_``). The model input is then the float rows
``(lon, lat, transformed covariates...)``; the network encodes the first two
columns and concatenates the rest to the encoding (``n_covariates`` of
:class:`~skgeo_s2v.nn.LocationEncoderModule`). Two-column input stays the
location-only model, unchanged.
"""

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from ._validation import (
    _LAT_NAMES,
    _LON_NAMES,
    find_coordinate_column,
    first_non_finite,
    validate_lonlat,
)

__all__ = [
    "coordinate_columns",
    "covariate_input",
    "covariates_from_json",
    "covariates_to_json",
    "fit_covariate_input",
    "lonlat_of",
    "n_covariate_features",
    "refuse_labels_among_covariates",
    "rows_with_unseen_levels",
    "training_input",
    "transform_covariates",
]

_CATEGORICAL, _NUMERIC = "categorical", "numeric"


def coordinate_columns(columns):
    """``[lon, lat]``, the labels among ``columns`` that name the longitude
    and the latitude (``"lon"``, ``"Longitude"``, ...), or ``[]`` when either
    is missing."""
    lon = find_coordinate_column(columns, _LON_NAMES)
    lat = find_coordinate_column(columns, _LAT_NAMES)
    return [] if lon is None or lat is None else [lon, lat]


def _coordinate_columns(X):
    """The longitude and latitude column names of a covariate DataFrame."""
    found = coordinate_columns(X.columns)
    if not found:
        raise ValueError(
            f"X has the columns {list(X.columns)}: with more than two columns, "
            "name the coordinate columns 'lon' and 'lat'; the other columns "
            "are covariates."
        )
    return found


def n_covariate_features(estimator):
    """Width of the transformed covariates (0 for a location-only model)."""
    transformer = getattr(estimator, "covariate_transformer_", None)
    if transformer is None:
        return 0
    return len(transformer.get_feature_names_out())


def _kinds(covariates, what):
    """``{column: "numeric" | "categorical"}``; refuse other dtypes."""
    kinds = {}
    for name, column in covariates.items():
        if isinstance(column.dtype, pd.CategoricalDtype):
            kinds[name] = _CATEGORICAL
        elif pd.api.types.is_numeric_dtype(column.dtype):
            kinds[name] = _NUMERIC
        else:
            raise ValueError(
                f"Covariate {name!r} of {what} holds {column.dtype} values; "
                "covariates must be numeric or pandas categoricals: convert "
                f"it, e.g. {what}[{name!r}].astype('category') or "
                f"pd.to_numeric({what}[{name!r}]) (or, if it holds the labels, "
                f"drop it from {what}: they go in y). A categorical turns to "
                "text in pd.concat of frames whose levels differ: give the "
                "frames one pd.CategoricalDtype before stacking them."
            )
    return kinds


def _check_values(covariates, kinds, what, categories=None):
    """Refuse missing or infinite values and, given ``categories``, unseen levels."""
    for name, kind in kinds.items():
        column = covariates[name]
        if kind == _NUMERIC:
            try:
                values = column.to_numpy(dtype=np.float64, na_value=np.nan)
            except (TypeError, ValueError) as error:
                raise ValueError(
                    f"Covariate {name!r} of {what} must be numeric: {error}"
                ) from error
            bad = first_non_finite(values[:, None])
            if bad is not None:
                raise ValueError(
                    f"Covariate {name!r} of {what} holds {values[bad[0]]} at row "
                    f"{bad[0]}; covariates must be finite. Drop or impute those "
                    "rows first."
                )
            continue
        missing = np.asarray(pd.isna(column), dtype=bool)
        if missing.any():
            row = int(np.argmax(missing))
            raise ValueError(
                f"Covariate {name!r} of {what} is missing at row {row}; drop or "
                "impute those rows first."
            )
        if categories is not None:
            known = categories[name]
            unseen = _unseen(column, known)
            if unseen.any():
                row = int(np.argmax(unseen))
                raise ValueError(
                    f"Covariate {name!r} of {what} holds the level "
                    f"{_plain(column.iloc[row])!r} at row {row}, which the "
                    "training data did not have; its levels were "
                    f"{[_plain(level) for level in known]}. The model has no "
                    "effect for it: drop those rows, fit on records (or "
                    "background sites) that hold the level, or fit with "
                    "handle_unknown='ignore' to score it as none of the known "
                    "levels."
                )


def _unseen(column, known):
    """Whether each value of a categorical ``column`` is outside ``known``."""
    return ~np.isin(np.asarray(column, dtype=object), known)


def _plain(value):
    """A numpy scalar as the Python value it holds (for messages)."""
    return value.item() if isinstance(value, np.generic) else value


def rows_with_unseen_levels(transformer, covariates):
    """``{column: mask}``: the rows of ``covariates`` whose level of each
    categorical covariate the fitted ``transformer`` did not see.

    Parameters
    ----------
    transformer : ColumnTransformer or None
        An estimator's ``covariate_transformer_``; None (a location-only
        model) has no categorical covariates.
    covariates : DataFrame
        Holds each of the transformer's categorical columns.

    Returns
    -------
    unseen : dict of str to ndarray of bool
        One mask per categorical covariate (an empty dict without any, and
        for a transformer that encodes unseen levels as zeros: the model
        predicts those rows).
    """
    if transformer is None or _ignores_unknown_levels(transformer):
        return {}
    return {
        name: _unseen(covariates[name], known)
        for name, known in _categories(transformer).items()
    }


def _categories(transformer):
    """``{column: levels}`` of the fitted one-hot encoder."""
    if _CATEGORICAL not in transformer.named_transformers_:
        return {}
    encoder = transformer.named_transformers_[_CATEGORICAL]
    return dict(zip(encoder.feature_names_in_, encoder.categories_))


def _ignores_unknown_levels(transformer):
    """Whether the fitted one-hot encoder encodes unseen levels as zeros."""
    if _CATEGORICAL not in transformer.named_transformers_:
        return False
    return transformer.named_transformers_[_CATEGORICAL].handle_unknown == "ignore"


def _kinds_of(transformer):
    columns = {name: cols for name, _, cols in transformer.transformers}
    return {
        **{c: _NUMERIC for c in columns.get(_NUMERIC, [])},
        **{c: _CATEGORICAL for c in columns.get(_CATEGORICAL, [])},
    }


def _make_transformer(
    kinds, categories=None, numeric_transformer=None, handle_unknown="error"
):
    """Numeric columns through ``numeric_transformer`` (a ``StandardScaler``
    when None), categoricals one-hot encoded; ``handle_unknown="ignore"``
    encodes a level the fit did not see as all zeros instead of refusing it."""
    numeric = [c for c, kind in kinds.items() if kind == _NUMERIC]
    categorical = [c for c, kind in kinds.items() if kind == _CATEGORICAL]
    steps = []
    if numeric:
        if numeric_transformer is None:
            numeric_transformer = StandardScaler()
        steps.append((_NUMERIC, numeric_transformer, numeric))
    if categorical:
        levels = "auto" if categories is None else [categories[c] for c in categorical]
        encoder = OneHotEncoder(
            categories=levels, sparse_output=False, handle_unknown=handle_unknown
        )
        steps.append((_CATEGORICAL, encoder, categorical))
    return ColumnTransformer(steps, verbose_feature_names_out=False)


def transform_covariates(transformer, covariates, what):
    """The transformed covariates (float64) of raw rows, after their checks."""
    kinds = _kinds_of(transformer)
    missing = [name for name in kinds if name not in covariates.columns]
    if missing:
        raise ValueError(
            f"{what} lacks the covariates {missing} that the model was fitted "
            f"with; it has the columns {list(covariates.columns)}."
        )
    known = None if _ignores_unknown_levels(transformer) else _categories(transformer)
    _check_values(covariates, kinds, what, known)
    frame = covariates[list(kinds)]
    return np.asarray(transformer.transform(frame), dtype=np.float64)


def has_covariates(X):
    """Whether ``X`` is a table with columns beside ``lon`` and ``lat``
    (covariates); an array or a two-column table holds coordinates only."""
    columns = getattr(X, "columns", None)
    return columns is not None and len(columns) > 2


def lonlat_of(X):
    """The validated ``(lon, lat)`` rows of an array or a two-column
    DataFrame, or of a wider DataFrame's longitude and latitude columns (its
    other columns are not read)."""
    if has_covariates(X):
        return _split(X)[0]
    return validate_lonlat(None, X, reset=True)


def check_covariate_frame(X, what):
    """Refuse a DataFrame of ``lon``, ``lat`` and covariates whose coordinates
    or covariates are invalid (missing, infinite, of a non-numeric dtype),
    naming ``what`` and the row in the error, before it is stacked with
    other rows."""
    if not has_covariates(X):
        return
    try:
        _, covariates = _split(X)
    except ValueError as error:
        raise ValueError(f"In {what}: {error}") from error
    _check_values(covariates, _kinds(covariates, what), what)


def _split(X):
    lon, lat = _coordinate_columns(X)
    lonlat = validate_lonlat(None, X[[lon, lat]], reset=True)
    return lonlat, X.drop(columns=[lon, lat])


def fit_covariate_input(
    estimator,
    X,
    out_of_core,
    numeric_transformer=None,
    level_sites=None,
    handle_unknown="error",
    y=None,
):
    """``(lonlat, covariates)`` of fit's ``X``; sets the fitted input state.

    Two-column input (or out-of-core input) is validated as locations and
    gives ``covariates=None``; a DataFrame with more columns fits
    ``covariate_transformer_`` and gives its raw covariate columns. The
    numeric covariates go through ``numeric_transformer`` (an unfitted
    transformer; a ``StandardScaler`` when None). ``level_sites`` (a
    DataFrame, such as the background sites, or None) adds the levels of its
    categorical columns to those of ``X``; everything else is fitted on
    ``X`` alone. ``handle_unknown`` is the one-hot encoder's: ``"error"``
    refuses a level at prediction that the fit did not see, ``"ignore"``
    encodes it as all zeros. Given the labels ``y``, a covariate column that
    holds them is refused (:func:`refuse_labels_among_covariates`).
    """
    columns = getattr(X, "columns", None)
    shape = getattr(X, "shape", ()) if out_of_core or isinstance(X, np.ndarray) else ()
    if len(shape) == 2 and shape[1] > 2:
        kind = "Out-of-core input" if out_of_core else "An array"
        raise ValueError(
            f"X has {shape[1]} columns, but {type(estimator).__name__} takes "
            f"(lon, lat) from an array. {kind} holds the coordinates only; give "
            "covariates in an in-memory DataFrame with 'lon', 'lat' and the "
            "covariate columns."
        )
    if not has_covariates(X):
        from ._inference import validate_any_lonlat

        estimator.covariate_transformer_ = None
        return validate_any_lonlat(estimator, X, out_of_core, reset=True), None
    lonlat, covariates = _split(X)
    if y is not None:
        refuse_labels_among_covariates(covariates, y)
    kinds = _kinds(covariates, "X")
    _check_values(covariates, kinds, "X")
    categories = _levels_with(covariates, kinds, level_sites)
    transformer = _make_transformer(
        kinds,
        categories,
        numeric_transformer=numeric_transformer,
        handle_unknown=handle_unknown,
    )
    transformer.fit(covariates)
    estimator.covariate_transformer_ = transformer
    estimator.n_features_in_ = len(columns)
    estimator.feature_names_in_ = np.asarray(columns, dtype=object)
    return lonlat, covariates


def refuse_labels_among_covariates(covariates, y):
    """Raise a ValueError when a covariate column holds ``y`` itself, row for
    row (the labels left among the columns of ``X``): a model would learn
    the answer from its input and could predict no site without it.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"bio1": [1.0, 2.0], "species": ["oak", "ash"]})
    >>> refuse_labels_among_covariates(X[["bio1"]], ["oak", "ash"])
    >>> refuse_labels_among_covariates(X.astype({"species": "category"}),
    ...                                ["oak", "ash"])
    Traceback (most recent call last):
    ...
    ValueError: Covariate 'species' of X holds the labels y, row for row; ...
    """
    labels = np.asarray(y, dtype=object)
    for name, column in covariates.items():
        values = column.to_numpy(dtype=object)
        if len(values) == len(labels) and (values == labels).all():
            raise ValueError(
                f"Covariate {name!r} of X holds the labels y, row for row; a "
                "model would learn the answer from its input. Drop it from X "
                f"(X.drop(columns={name!r})) and pass the labels as y only."
            )


def _levels_with(covariates, kinds, sites):
    """``{column: levels}`` of the categorical columns of ``covariates`` and
    ``sites`` together, sorted; None (the encoder's own levels, those of
    ``covariates``) when ``sites`` adds none."""
    if sites is None:
        return None
    categorical = [c for c, kind in kinds.items() if kind == _CATEGORICAL]
    levels, added = {}, False
    for column in categorical:
        own = np.unique(np.asarray(covariates[column], dtype=object))
        if column not in sites.columns:
            levels[column] = own
            continue
        theirs = pd.Series(sites[column]).dropna().unique()
        known = set(own)
        new = [level for level in theirs if level not in known]
        added |= bool(new)
        levels[column] = np.unique(np.asarray([*own, *new], dtype=object))
    if not added:
        return None
    return {c: np.asarray(v.tolist()) for c, v in levels.items()}


def covariate_input(estimator, X):
    """The float64 rows ``(lon, lat, covariates...)`` of prediction input ``X``."""
    if not hasattr(X, "columns"):
        raise ValueError(
            f"{type(estimator).__name__} was fitted with the columns "
            f"{list(estimator.feature_names_in_)}; pass a DataFrame holding them."
        )
    lonlat, covariates = _split(X)
    features = transform_covariates(estimator.covariate_transformer_, covariates, "X")
    return np.hstack([lonlat.astype(np.float64), features])


def covariates_to_json(transformer):
    """The fitted preprocessing as JSON values: kinds, means, scales, levels."""
    if transformer is None:
        return None
    spec = {"kinds": _kinds_of(transformer), "categories": {}}
    if _ignores_unknown_levels(transformer):
        spec["handle_unknown"] = "ignore"
    for name, levels in _categories(transformer).items():
        spec["categories"][name] = [
            value.item() if isinstance(value, np.generic) else value for value in levels
        ]
    if _NUMERIC in transformer.named_transformers_:
        scaler = transformer.named_transformers_[_NUMERIC]
        for name in ("mean_", "var_", "scale_"):
            spec[name] = getattr(scaler, name).tolist()
    return spec


def covariates_from_json(spec):
    """The fitted ``ColumnTransformer`` of :func:`covariates_to_json`'s output.

    It is fitted on a few stand-in rows holding every level, then given the
    saved means and scales.
    """
    if spec is None:
        return None
    kinds, categories = spec["kinds"], spec["categories"]
    n_rows = max([2, *(len(levels) for levels in categories.values())])
    frame = pd.DataFrame(
        {
            name: np.zeros(n_rows)
            if kind == _NUMERIC
            else pd.Categorical(np.resize(np.asarray(categories[name]), n_rows))
            for name, kind in kinds.items()
        }
    )
    handle_unknown = spec.get("handle_unknown", "error")
    transformer = _make_transformer(
        kinds, categories, handle_unknown=handle_unknown
    ).fit(frame)
    if _NUMERIC in transformer.named_transformers_:
        scaler = transformer.named_transformers_[_NUMERIC]
        for name in ("mean_", "var_", "scale_"):
            setattr(scaler, name, np.asarray(spec[name], dtype=np.float64))
    return transformer


def training_input(estimator, lonlat, covariates, pretrain_X):
    """The training rows: ``lonlat``, or ``(lon, lat, covariates...)``.

    With covariates, pretraining, which is location-only, is refused.
    """
    if covariates is None:
        return lonlat
    if estimator.pretraining is not None or pretrain_X is not None:
        raise ValueError(
            "Pretraining learns from locations only, but X has the covariates "
            f"{list(covariates.columns)}; fit on (lon, lat) alone to fine-tune "
            "a pretraining, or set pretraining=None."
        )
    features = transform_covariates(estimator.covariate_transformer_, covariates, "X")
    return np.hstack([lonlat.astype(np.float64), features])
