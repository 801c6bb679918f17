"""``torch.nn.Parameter`` and ``torch.nn.Buffer`` for compat tensors, and the uninitialised ones.

:class:`UninitializedParameter` and :class:`UninitializedBuffer` are the placeholders of the
lazy modules (``nn.LazyLinear`` and the others): they have a dtype but no shape until
``materialize(shape)`` turns them, in place, into a :class:`Parameter` / plain tensor.
"""

from __future__ import annotations

import copy
from typing import Any

from compat._tensor import Tensor
from rustorch_fx.errors import ArgumentTypeError, ShapeError

__all__ = ["Buffer", "Parameter", "UninitializedBuffer", "UninitializedParameter", "is_lazy"]


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


class _UninitializedMixin:
    """Shared behaviour of the uninitialised placeholders (torch's ``UninitializedTensorMixin``)."""

    # No instance dict: a buffer must keep Tensor's layout to become a Tensor in place.
    __slots__ = ()
    cls_to_become: type = Tensor

    def materialize(self, shape: Any, device: Any = None, dtype: Any = None) -> None:
        """Give the placeholder a shape: it becomes a ``cls_to_become`` (in place, same object).

        The values are uninitialised in torch; here they are zeros (JAX has no uninitialised
        memory). Re-initialise them (the lazy modules call ``reset_parameters``).

        Args:
            shape: The new shape, a sequence of ints (or one int).
            device: Accepted for torch compatibility (the placeholder's device is kept).
            dtype: The dtype (default: the placeholder's).

        Example:
            >>> import compat
            >>> p = compat.nn.UninitializedParameter()
            >>> p.materialize((2, 3)); type(p).__name__, p.shape
            ('Parameter', (2, 3))
        """
        from compat._creation import empty

        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        dtype = dtype if dtype is not None else self.dtype  # type: ignore[attr-defined]
        self._data.value = empty(*shape, dtype=dtype)._value  # type: ignore[attr-defined]
        self._data.version += 1  # type: ignore[attr-defined]
        self.__class__ = self.cls_to_become

    @property
    def shape(self) -> tuple[int, ...]:
        """Unavailable until :meth:`materialize`: raises ShapeError, as torch's RuntimeError."""
        raise ShapeError(
            "Can't access the shape of an uninitialized parameter or buffer. This error usually "
            "happens in `load_state_dict` when trying to load an uninitialized parameter into "
            "an initialized one. Call `forward` to initialize the parameters before accessing "
            "their attributes."
        )

    def size(self, dim: int | None = None) -> Any:
        """Unavailable until :meth:`materialize` (see :attr:`shape`)."""
        return self.shape

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


def _placeholder(cls: type, requires_grad: bool, dtype: Any) -> Any:
    from compat._creation import empty

    t = _share(cls, empty(0, dtype=dtype), cls.__name__)
    t._requires_grad = bool(requires_grad)
    return t


class UninitializedParameter(_UninitializedMixin, Parameter):
    """A parameter whose shape is not known yet (``torch.nn.UninitializedParameter``).

    Lazy modules hold these until their first forward; :meth:`materialize` turns one into a
    :class:`Parameter` in place (same object, so a reference taken before stays valid).

    Args:
        requires_grad: Whether the parameter will require grad.
        device: Accepted for torch compatibility.
        dtype: Its dtype (default float32).

    Example:
        >>> import compat
        >>> compat.nn.UninitializedParameter()
        <UninitializedParameter>
    """

    cls_to_become = Parameter

    def __new__(
        cls, requires_grad: bool = True, device: Any = None, dtype: Any = None
    ) -> UninitializedParameter:
        """Create the placeholder (see the class docstring)."""
        return _placeholder(cls, requires_grad, dtype)

    def __init__(self, requires_grad: bool = True, device: Any = None, dtype: Any = None) -> None:
        """Nothing to do: :meth:`__new__` builds the placeholder."""

    def __deepcopy__(self, memo: dict[int, Any]) -> UninitializedParameter:
        if id(self) not in memo:
            memo[id(self)] = UninitializedParameter(self.requires_grad, dtype=self.dtype)
        return memo[id(self)]

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (UninitializedParameter, (self.requires_grad, None, self.dtype))


class UninitializedBuffer(_UninitializedMixin, Tensor):
    """A buffer whose shape is not known yet (``torch.nn.UninitializedBuffer``).

    :meth:`materialize` turns it into a plain tensor in place.

    Args:
        requires_grad: Whether the buffer requires grad (default False).
        device: Accepted for torch compatibility.
        dtype: Its dtype (default float32).
        persistent: Whether it belongs in ``state_dict`` when assigned as a new buffer.

    Example:
        >>> import compat
        >>> compat.nn.UninitializedBuffer()
        <UninitializedBuffer>
    """

    __slots__ = ()
    cls_to_become = Tensor
    persistent = True

    def __new__(
        cls,
        requires_grad: bool = False,
        device: Any = None,
        dtype: Any = None,
        persistent: bool = True,
    ) -> UninitializedBuffer:
        """Create the placeholder (see the class docstring)."""
        kind = cls if persistent or cls is not UninitializedBuffer else _NonPersistentBuffer
        return _placeholder(kind, requires_grad, dtype)

    def __init__(
        self,
        requires_grad: bool = False,
        device: Any = None,
        dtype: Any = None,
        persistent: bool = True,
    ) -> None:
        """Nothing to do: :meth:`__new__` builds the placeholder."""

    def __deepcopy__(self, memo: dict[int, Any]) -> UninitializedBuffer:
        if id(self) not in memo:
            memo[id(self)] = UninitializedBuffer(
                self.requires_grad, dtype=self.dtype, persistent=self.persistent
            )
        return memo[id(self)]

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (UninitializedBuffer, (self.requires_grad, None, self.dtype, self.persistent))


class _NonPersistentBuffer(UninitializedBuffer):
    """An :class:`UninitializedBuffer` made with ``persistent=False``.

    The flag is a class attribute: the placeholder keeps Tensor's slot layout (no instance dict).
    """

    __slots__ = ()
    persistent = False

    def __repr__(self) -> str:
        return "<UninitializedBuffer>"


def is_lazy(param: Any) -> bool:
    """Whether ``param`` is an uninitialised placeholder (``torch.nn.parameter.is_lazy``).

    Args:
        param: Any object.

    Returns:
        True for an :class:`UninitializedParameter` or :class:`UninitializedBuffer`.

    Example:
        >>> import compat
        >>> is_lazy(compat.nn.UninitializedParameter()), is_lazy(compat.zeros(1))
        (True, False)
    """
    return isinstance(param, _UninitializedMixin)
