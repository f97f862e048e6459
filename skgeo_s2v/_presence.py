"""``predict_presence`` of a model, or of the classifier inside a search or pipeline.

The presence probability ``σ(logit)`` of each class (SPEC §5, §7) is what the
package's metrics, maps and fusion want from a location model. A fitted
search (``GridSearchCV`` and the like) and a
:class:`~sklearn.pipeline.Pipeline` do not pass ``predict_presence`` on, and
their ``predict_proba`` is the model's shares of the classes at each site
instead, so :func:`presence_method` looks inside them.
"""

__all__ = ["presence_method"]


def _inner(estimator):
    """The model a fitted search or a pipeline predicts with, or None."""
    inner = getattr(estimator, "best_estimator_", None)
    if inner is not None:
        return inner
    steps = getattr(estimator, "steps", None)
    return steps[-1][1] if steps else None


def _predict_presence(estimator, X):
    """``predict_presence(X)`` of ``estimator`` or of the model inside it, ``X``
    passed through a pipeline's earlier steps on the way."""
    if hasattr(estimator, "predict_presence"):
        return estimator.predict_presence(X)
    if getattr(estimator, "best_estimator_", None) is None:  # a pipeline
        X = estimator[:-1].transform(X)
    return _predict_presence(_inner(estimator), X)


def _has_presence(estimator):
    if hasattr(estimator, "predict_presence"):
        return True
    inner = _inner(estimator)
    return inner is not None and _has_presence(inner)


def presence_method(estimator):
    """``X -> predict_presence(X)`` of ``estimator`` or of the model inside it.

    The model inside is a fitted search's ``best_estimator_`` or a
    pipeline's last step (given ``X`` through the steps before it), looked
    into in turn.

    Returns
    -------
    method : callable or None
        Named ``predict_presence``; None when neither ``estimator`` nor a
        model inside it has one.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import FunctionTransformer
    >>> from skgeo_s2v import SphereLocationClassifier
    >>> pipe = make_pipeline(FunctionTransformer(), SphereLocationClassifier())
    >>> presence_method(pipe).__name__
    'predict_presence'
    >>> presence_method(LogisticRegression()) is None
    True
    """
    if not _has_presence(estimator):
        return None

    def predict_presence(X):
        return _predict_presence(estimator, X)

    return predict_presence
