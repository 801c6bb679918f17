"""``torch.nn`` for compat tensors: modules, :mod:`~compat.nn.functional`, ``init`` and ``utils``."""

from compat.nn import functional, modules, utils
from compat.nn.modules import *  # noqa: F403

__all__ = ["functional", "modules", "utils", *modules.__all__]
