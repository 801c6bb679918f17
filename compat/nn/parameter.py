"""``torch.nn.Parameter`` and ``torch.nn.Buffer`` for compat tensors."""

from __future__ import annotations

import copy
from typing import Any

from compat._tensor import Tensor
from rustorch_fx.errors import ArgumentTypeError

__all__ = ["Buffer", "Parameter"]


def _share(cls: type, data: Any, op: str) -> Any:
    """A ``cls`` instance sharing ``data``'s storage, as a leaf outside any graph."""
    if data is None:
        from compat._creation import empty

        data = empty(0)
    if not isinstance(data, Tensor):
        raise ArgumentTypeError(f"{op}: expected a Tensor as data, got {type(data).__name__}")
    t = cls._wrap(None)
    t._data = data._data
    return t


class Parameter(Tensor):
    """A tensor that is a module parameter: assigning it to a Module attribute registers it.

    ``Parameter(data)`` shares ``data``'s storage (an in-place change to either is seen by both)
    and is a leaf that requires grad unless ``requires_grad=False``. Operations on a Parameter
    return ordinary tensors.

    Args:
        data: The tensor to wrap (an empty float tensor if None).
        requires_grad: Whether the parameter requires grad.

    Raises:
        ArgumentTypeError: If ``data`` is not a Tensor.

    Example:
        >>> import compat
        >>> p = compat.nn.Parameter(compat.zeros(2))
        >>> p.requires_grad, p.is_leaf
        (True, True)
    """

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True) -> Parameter:
        """Create the parameter (see the class docstring)."""
        p = _share(cls, data, "Parameter")
        p._requires_grad = bool(requires_grad)
        return p

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        """Nothing to do: :meth:`__new__` builds the parameter."""

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo: dict[int, Any]) -> Parameter:
        if id(self) in memo:
            return memo[id(self)]
        # JAX arrays are immutable: the copy's new storage may hold the same array.
        result = Parameter(Tensor._wrap(self._value), self.requires_grad)
        if self.grad is not None:
            result.grad = copy.deepcopy(self.grad, memo)
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (_rebuild_parameter, (self.detach(), self.requires_grad))


def _rebuild_parameter(data: Tensor, requires_grad: bool) -> Parameter:
    return Parameter(data, requires_grad)


class Buffer(Tensor):
    """Marks a tensor as a buffer: assigning it to a Module attribute registers it as one.

    ``self.running_mean = nn.Buffer(compat.zeros(3))`` is ``register_buffer("running_mean",
    compat.zeros(3))``; ``persistent=False`` keeps it out of ``state_dict``. The registered
    buffer shares the given tensor's storage.

    Args:
        data: The buffer's value (an empty float tensor if None).
        persistent: Whether the buffer is part of the module's ``state_dict``.

    Raises:
        ArgumentTypeError: If ``data`` is not a Tensor.

    Example:
        >>> import compat
        >>> m = compat.nn.Module()
        >>> m.count = compat.nn.Buffer(compat.zeros(()), persistent=False)
        >>> list(m.state_dict()), [n for n, _ in m.named_buffers()]
        ([], ['count'])
    """

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True) -> Buffer:
        """Create the marked tensor (see the class docstring)."""
        b = _share(cls, data, "Buffer")
        b.persistent = bool(persistent)
        return b

    def __init__(self, data: Tensor | None = None, *, persistent: bool = True) -> None:
        """Nothing to do: :meth:`__new__` builds the buffer."""
