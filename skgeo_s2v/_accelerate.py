"""Training through Hugging Face Accelerate, and unwrapping the result.

``SphereLocationClassifier(device=accelerator)`` trains through skorch's
``AccelerateMixin``; the fitted ``net_`` is then a plain skorch net on the
accelerator's device, so the model pickles and predicts as usual.
"""

from .nn._training import _resolve_device, accelerated_net

__all__ = ["accelerator_of", "placement", "release", "training_device"]


def accelerator_of(device):
    """The accelerator given as ``device``, or None for a device name."""
    return None if isinstance(device, str) else device


def training_device(device, mixed_precision):
    """The device training runs on (the accelerator's, when one is given)."""
    accelerator = accelerator_of(device)
    if accelerator is None:
        return _resolve_device(device)
    if mixed_precision is not None:
        raise ValueError(
            f"mixed_precision={mixed_precision!r} cannot be combined with an "
            "accelerator, which sets the precision itself: pass "
            f"Accelerator(mixed_precision={mixed_precision!r}) and leave "
            "mixed_precision=None."
        )
    return str(accelerator.device)


def _discard(*args, **kwargs):
    """A print sink that prints nothing."""


def placement(net_class, device, accelerator, verbose):
    """The net class and its placement arguments, with or without Accelerate."""
    if accelerator is None:
        return net_class, {"device": device}
    return accelerated_net(net_class), {
        "device": None,
        "accelerator": accelerator,
        # skorch prints whatever reaches a sink other than print.
        "callbacks__print_log__sink": accelerator.print if verbose else _discard,
    }


def release(accelerator, trained, plain):
    """Copy ``trained``'s weights and history into the initialised ``plain`` net.

    The accelerator lets go of the prepared module and optimizer, as
    Accelerate asks between trainings (a grid search trains many).
    """
    accelerator.free_memory()
    plain.module_.load_state_dict(trained.module_.state_dict())
    plain.history = trained.history
    return plain
