"""Metadata routing of GeoPriorFusion: ``fit`` metadata to its two sub-estimators.

With ``sklearn.set_config(enable_metadata_routing=True)``, ``fit(X, y,
**fit_params)`` hands each parameter (``sample_weight``, the pretraining
arrays ``pretrain_X`` and ``pretrain_features``, ...) to the sub-estimators
that requested it with ``set_fit_request``, as scikit-learn's own
meta-estimators do. Without routing, ``fit`` takes no metadata and says how to
enable it.
"""

from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    process_routing,
)

from ._sklearn_helpers import routing_enabled

__all__ = ["default_location", "fit_router", "route_fit_params"]


def default_location(location_estimator, random_state=None):
    """``location_estimator``, or a default NeighborBlendClassifier for None.

    Parameters
    ----------
    location_estimator : estimator or None
        The fusion's parameter.
    random_state : int, RandomState instance or None, default=None
        The fusion's ``random_state``: the seed of the default estimator
        only; an estimator that is given is returned as it is.

    Returns
    -------
    estimator : estimator
        Not cloned: the caller clones it before fitting.

    Examples
    --------
    >>> default_location(None)
    NeighborBlendClassifier()
    >>> default_location(None, random_state=0)
    NeighborBlendClassifier(random_state=0)
    """
    if location_estimator is None:
        from .blend import NeighborBlendClassifier

        return NeighborBlendClassifier(random_state=random_state)
    return location_estimator


def fit_router(fusion):
    """The MetadataRouter of a GeoPriorFusion.

    ``fit`` of the fusion maps to ``fit`` of the image model (unless it is
    ``"passthrough"``) and of the location model; the fusion's own ``score``
    consumes ``sample_weight``.

    Parameters
    ----------
    fusion : GeoPriorFusion
        The owner; fitted or not.

    Returns
    -------
    router : sklearn.utils.metadata_routing.MetadataRouter
    """
    mapping = MethodMapping().add(caller="fit", callee="fit")
    router = MetadataRouter(owner=fusion).add_self_request(fusion)
    if not isinstance(fusion.image_estimator, str):
        router.add(image_estimator=fusion.image_estimator, method_mapping=mapping)
    return router.add(
        location_estimator=default_location(fusion.location_estimator),
        method_mapping=mapping,
    )


def route_fit_params(fusion, fit_params):
    """The ``fit`` metadata of the image model and of the location model.

    Parameters
    ----------
    fusion : GeoPriorFusion
        The router.
    fit_params : dict
        What the fusion's ``fit`` was given beyond ``X`` and ``y``.

    Returns
    -------
    image_params, location_params : dict

    Raises
    ------
    ValueError
        Metadata given while routing is disabled, naming the parameters and
        how to route them.
    """
    if not routing_enabled():
        if fit_params:
            raise ValueError(
                f"GeoPriorFusion.fit got {', '.join(sorted(fit_params))}, which it "
                "passes to its sub-estimators only with metadata routing: call "
                "sklearn.set_config(enable_metadata_routing=True) and request them "
                "on the sub-estimator that should receive them, e.g. "
                "location_estimator.set_fit_request(pretrain_X=True, "
                "pretrain_features=True) or "
                "image_estimator.set_fit_request(sample_weight=True)."
            )
        return {}, {}
    routed = process_routing(fusion, "fit", **fit_params)
    location = dict(routed.location_estimator.fit)
    if isinstance(fusion.image_estimator, str):  # "passthrough" takes nothing
        return {}, location
    return dict(routed.image_estimator.fit), location
