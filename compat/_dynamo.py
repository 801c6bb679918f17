"""``torch._dynamo``'s names that scripts use, over :func:`compat.compile`.

compat compiles with XLA, whose programs have static shapes: every new input shape compiles
a program of its own (``compat._dynamo.config.recompile_limit`` bounds how many before a
warning). So the shape marks mean:

* :func:`mark_static`, :func:`maybe_mark_dynamic` and :func:`mark_static_address` are accepted
  and change nothing: compat already specializes every dimension, which these marks allow.
* :func:`mark_dynamic` promises a program generic in that dimension (torch raises if the
  dimension gets specialized); compat cannot keep that promise, so it raises
  :class:`~rustorch_fx.errors.UnsupportedError` at once, naming the alternatives.

``disable``, ``reset`` and ``is_compiling`` are :mod:`compat.compiler`'s.
"""

from __future__ import annotations

from typing import Any

from compat._compile import config
from compat._tensor import Tensor
from compat.compiler import disable, is_compiling, reset
from compat.nn.modules.module import Module
from rustorch_fx.errors import ArgumentTypeError, IndexOutOfRangeError, UnsupportedError

__all__ = [
    "config",
    "disable",
    "is_compiling",
    "mark_dynamic",
    "mark_static",
    "mark_static_address",
    "maybe_mark_dynamic",
    "reset",
]


def _check_dims(op: str, t: Any, index: Any) -> None:
    """Validate a tensor and a dimension index (an int, or a list or tuple of ints)."""
    if not isinstance(t, Tensor):
        raise ArgumentTypeError(f"{op}: expected a compat Tensor, got {type(t).__name__}")
    dims = [index] if isinstance(index, int) else index
    if not isinstance(dims, list | tuple) or not all(
        isinstance(d, int) and not isinstance(d, bool) for d in dims
    ):
        raise ArgumentTypeError(
            f"{op}: index must be an int or a list or tuple of ints, got {index!r}"
        )
    for d in dims:
        if not -t.ndim <= d < t.ndim:
            raise IndexOutOfRangeError(
                f"{op}: dimension {d} is out of range for a tensor of shape {tuple(t.shape)}"
            )


def mark_dynamic(t: Any, index: int | list[int] | tuple[int, ...], **kwargs: Any) -> None:
    """Refuse torch's promise of a shape-generic program for a dimension.

    torch compiles the marked dimension symbolically and raises if the program specializes
    it. XLA programs are static in every dimension (each new size compiles a program of its
    own), so compat cannot keep that promise and says so at once.

    Args:
        t: The tensor.
        index: The dimension(s).
        **kwargs: torch's ``min``, ``max``, ``hint_override``, ``specialize_on``.

    Raises:
        ArgumentTypeError: If ``t`` is not a tensor or ``index`` is not int(s).
        IndexOutOfRangeError: If a dimension is out of range.
        UnsupportedError: Always, for valid arguments.

    Example:
        >>> import compat
        >>> try:
        ...     compat._dynamo.mark_dynamic(compat.ones(4, 2), 0)
        ... except NotImplementedError as exc:
        ...     print(type(exc).__name__)
        UnsupportedError
    """
    _check_dims("mark_dynamic", t, index)
    raise UnsupportedError(
        f"mark_dynamic: compat compiles XLA programs with static shapes, so dimension {index} "
        "cannot stay dynamic (each new size compiles a program of its own). Use "
        "maybe_mark_dynamic (a hint that allows specialization), or keep the size fixed "
        "(DataLoader(drop_last=True), padding to a few bucket sizes)"
    )


def maybe_mark_dynamic(t: Any, index: int | list[int] | tuple[int, ...]) -> None:
    """Accept torch's hint that a dimension may vary (it allows specialization: no effect).

    Args:
        t: The tensor.
        index: The dimension(s).

    Raises:
        ArgumentTypeError: If ``t`` is not a tensor or ``index`` is not int(s).
        IndexOutOfRangeError: If a dimension is out of range.

    Example:
        >>> import compat
        >>> compat._dynamo.maybe_mark_dynamic(compat.ones(4, 2), 0)
    """
    _check_dims("maybe_mark_dynamic", t, index)


def mark_static(t: Any, index: int | list[int] | tuple[int, ...] | None = None) -> None:
    """Mark dimensions (or a module class) static: compat specializes everything already.

    Args:
        t: The tensor, or a :class:`compat.nn.Module` subclass.
        index: The dimension(s) (None: all).

    Raises:
        ArgumentTypeError: For anything but a tensor or module class, or non-int ``index``.
        IndexOutOfRangeError: If a dimension is out of range.

    Example:
        >>> import compat
        >>> compat._dynamo.mark_static(compat.ones(4, 2), 1)
    """
    if isinstance(t, type) and issubclass(t, Module):
        return
    if index is None:
        if not isinstance(t, Tensor):
            raise ArgumentTypeError(
                f"mark_static: expected a compat Tensor or a Module class, got {type(t).__name__}"
            )
        return
    _check_dims("mark_static", t, index)


def mark_static_address(t: Any, guard: bool = True) -> None:
    """Accept torch's CUDA-graph hint that a tensor's address stays fixed (no effect here).

    Args:
        t: The tensor.
        guard: Accepted for torch's signature.

    Raises:
        ArgumentTypeError: If ``t`` is not a tensor.

    Example:
        >>> import compat
        >>> compat._dynamo.mark_static_address(compat.ones(2))
    """
    if not isinstance(t, Tensor):
        raise ArgumentTypeError(
            f"mark_static_address: expected a compat Tensor, got {type(t).__name__}"
        )
