"""``torch.nn`` for compat tensors: modules, :mod:`~compat.nn.functional`, ``init`` and ``utils``."""

from compat.nn import functional, init, modules, utils
from compat.nn.modules import *  # noqa: F403
from compat.nn.parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter

__all__ = [
    "Buffer",
    "Parameter",
    "UninitializedBuffer",
    "UninitializedParameter",
    "functional",
    "init",
    "modules",
    "utils",
    *modules.__all__,
]
