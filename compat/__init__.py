"""compat: a stateful facade shaped like ``torch``, over :mod:`rustorch_fx`.

``import compat as torch`` is meant to run an ordinary PyTorch training script. compat holds
state (parameters, gradients, optimizer state, RNG, train/eval mode) and calls rustorch_fx for
all math. This release provides the error classes; the Tensor, autograd engine, ``nn``,
``optim`` and ``utils.data`` arrive with the following milestones.
"""

from rustorch_fx.errors import (
    AutogradError,
    DataError,
    DeviceError,
    DTypeError,
    IndexOutOfRangeError,
    InvalidArgumentError,
    RusTorchError,
    SerializationError,
    ShapeError,
)

__all__ = [
    "AutogradError",
    "DataError",
    "DeviceError",
    "DTypeError",
    "IndexOutOfRangeError",
    "InvalidArgumentError",
    "RusTorchError",
    "SerializationError",
    "ShapeError",
]
