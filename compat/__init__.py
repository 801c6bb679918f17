"""compat: a stateful facade shaped like ``torch``, over :mod:`rustorch_fx`.

``import compat as torch`` is meant to run an ordinary PyTorch training script. compat holds
state (tensor values and gradients, the recorded graph, grad mode) and calls rustorch_fx for
all math. Importing compat turns on JAX's 64-bit mode, so that a torch script gets torch's
dtypes (int64 integers, real float64); it changes no other JAX setting, and every array it
creates names its dtype, so float32 stays the default float dtype.
"""

import jax

jax.config.update("jax_enable_x64", True)

from compat import autograd  # noqa: E402
from compat._creation import (  # noqa: E402
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    is_tensor,
    linspace,
    ones,
    ones_like,
    tensor,
    zeros,
    zeros_like,
)
from compat._grad_mode import (  # noqa: E402
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from compat._install import (  # noqa: E402
    TorchAliasError,
    UnsupportedAttributeError,
    install_as_torch,
    torch_alias,
    uninstall_as_torch,
)
from compat._tensor import Tensor  # noqa: E402
from rustorch_fx.errors import (  # noqa: E402
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
    "Tensor",
    "TorchAliasError",
    "UnsupportedAttributeError",
    "install_as_torch",
    "torch_alias",
    "uninstall_as_torch",
    "arange",
    "as_tensor",
    "autograd",
    "empty",
    "empty_like",
    "enable_grad",
    "eye",
    "from_numpy",
    "full",
    "full_like",
    "inference_mode",
    "is_grad_enabled",
    "is_inference_mode_enabled",
    "is_tensor",
    "linspace",
    "no_grad",
    "ones",
    "ones_like",
    "set_grad_enabled",
    "tensor",
    "zeros",
    "zeros_like",
]
