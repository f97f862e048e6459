"""``predict_presence`` of a model, or of the classifier inside a search or pipeline.

The presence probability ``σ(logit)`` of each class (SPEC §5, §7) is what the
package's metrics, maps and fusion want from a location model. A fitted
search (``GridSearchCV`` and the like) and a
:class:`~sklearn.pipeline.Pipeline` do not pass ``predict_presence`` on, and
their ``predict_proba`` is the model's shares of the classes at each site
instead, so the functions here look inside them.
"""

__all__ = ["has_presence", "predict_presence_of"]


def has_presence(estimator):
    """Whether ``estimator``, or the model it predicts with, has ``predict_presence``.

    That model is a fitted search's ``best_estimator_`` or a pipeline's last
    step, looked into in turn.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import FunctionTransformer
    >>> from skgeo_s2v import SphereLocationClassifier
    >>> has_presence(make_pipeline(FunctionTransformer(), SphereLocationClassifier()))
    True
    >>> from sklearn.linear_model import LogisticRegression
    >>> has_presence(LogisticRegression())
    False
    """
    if hasattr(estimator, "predict_presence"):
        return True
    inner = getattr(estimator, "best_estimator_", None)
    if inner is not None and has_presence(inner):
        return True
    steps = getattr(estimator, "steps", None)
    return bool(steps) and has_presence(steps[-1][1])


def _presence_model(estimator, X):
    """The model inside ``estimator`` that has ``predict_presence``, and
    ``X`` as it takes it (through a pipeline's earlier steps);
    ``(estimator, X)`` when there is none."""
    if hasattr(estimator, "predict_presence"):
        return estimator, X
    inner = getattr(estimator, "best_estimator_", None)
    if inner is not None and has_presence(inner):
        return _presence_model(inner, X)
    steps = getattr(estimator, "steps", None)
    if steps and has_presence(steps[-1][1]):
        return _presence_model(steps[-1][1], estimator[:-1].transform(X))
    return estimator, X


def predict_presence_of(estimator, X):
    """``predict_presence(X)`` of ``estimator``, or of the model inside it.

    ``estimator`` must have one (:func:`has_presence`).
    """
    model, X = _presence_model(estimator, X)
    return model.predict_presence(X)
