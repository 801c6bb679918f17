"""rustorch_fx: PyTorch's semantics as pure functions over pytrees of ``jax.Array``.

The inner layer of the library: functional autodiff (``grad``, ``jacobian``, ``hessian``,
``hvp``, ``gradcheck``), tensor ops with PyTorch's conventions (:mod:`rustorch_fx.ops`) and the
error hierarchy (:mod:`rustorch_fx.errors`), layers (:mod:`rustorch_fx.nn`), losses
(:mod:`rustorch_fx.losses`), optimizers (:mod:`rustorch_fx.optim`) and checkpoints
(:func:`save`, :func:`load`). Every function is pure and composes with
``jax.jit``, ``jax.vmap`` and ``jax.grad``. Importing it never changes JAX's configuration.
"""

from rustorch_fx import autodiff, data, errors, export, losses, nn, ops, optim, serialization
from rustorch_fx._xla import xla_cpu_compiler_options
from rustorch_fx.autodiff import (
    GradcheckReport,
    checkpoint,
    detect_anomaly,
    grad,
    gradcheck,
    hessian,
    hvp,
    jacfwd,
    jacobian,
    jacrev,
    jvp,
    per_example_grad,
    value_and_grad,
    vhp,
    vjp,
)
from rustorch_fx.errors import (
    ArgumentTypeError,
    AutogradError,
    DataError,
    DeviceError,
    DTypeError,
    ExportError,
    IndexOutOfRangeError,
    InvalidArgumentError,
    InvalidNameError,
    MissingAttributeError,
    NonFiniteError,
    OptimizerError,
    RusTorchError,
    SerializationError,
    ShapeError,
    TracingError,
    UnsupportedError,
)
from rustorch_fx.serialization import load, save

__version__ = "0.1.0"

__all__ = [
    "autodiff",
    "data",
    "errors",
    "export",
    "serialization",
    "losses",
    "nn",
    "ops",
    "optim",
    "ArgumentTypeError",
    "AutogradError",
    "DataError",
    "DeviceError",
    "DTypeError",
    "ExportError",
    "IndexOutOfRangeError",
    "InvalidArgumentError",
    "NonFiniteError",
    "OptimizerError",
    "RusTorchError",
    "SerializationError",
    "ShapeError",
    "TracingError",
    "UnsupportedError",
    "MissingAttributeError",
    "InvalidNameError",
    "GradcheckReport",
    "checkpoint",
    "detect_anomaly",
    "grad",
    "gradcheck",
    "hessian",
    "hvp",
    "jacfwd",
    "jacobian",
    "jacrev",
    "jvp",
    "per_example_grad",
    "value_and_grad",
    "vhp",
    "vjp",
    "save",
    "load",
    "xla_cpu_compiler_options",
]
