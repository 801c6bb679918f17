"""``torch.nn`` for compat tensors. For now: :mod:`compat.nn.functional`."""

from compat.nn import functional

__all__ = ["functional"]
