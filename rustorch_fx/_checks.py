"""Argument validation shared by every public function: arrays, dims, dtypes, indices.

Each helper takes the public operation's name first so that its message names it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from rustorch_fx import _dtypes
from rustorch_fx.errors import (
    ArgumentTypeError,
    DTypeError,
    IndexOutOfRangeError,
    InvalidArgumentError,
    ShapeError,
)

ArrayLike = Any


def is_tracer(x: Any) -> bool:
    """Whether ``x`` is an abstract value inside a JAX trace (its contents are unknown)."""
    return isinstance(x, jax.core.Tracer)


def as_array(op: str, name: str, x: ArrayLike) -> jax.Array:
    """Return ``x`` as a ``jax.Array``, accepting arrays, numpy arrays, numbers and lists.

    Python numbers and (nested) lists of them get the default dtypes, as ``torch.tensor``
    gives them, whatever JAX's 64-bit mode: bool, int32 (torch: int64), float32, complex64.
    Arrays and numpy values keep their dtype.

    Raises:
        ArgumentTypeError: If ``x`` is not array-like (a string, None, an arbitrary object).
        InvalidArgumentError: If a Python integer does not fit the default integer dtype.
    """
    if isinstance(x, jax.Array):
        return x
    if isinstance(x, (np.ndarray, np.generic)):
        return jnp.asarray(x)
    if isinstance(x, (bool, int, float, complex)) or (
        isinstance(x, (list, tuple)) and _is_numeric_sequence(x)
    ):
        values = np.asarray(x)
        dtype = _PYTHON_DEFAULTS.get(values.dtype, values.dtype)
        if dtype == _dtypes.DEFAULT_INT and values.size:
            info = np.iinfo(dtype)
            if values.min() < info.min or values.max() > info.max:
                raise InvalidArgumentError(
                    f"{op}: argument '{name}' holds an integer outside the range of "
                    f"{dtype.name}; pass a numpy int64 array (with JAX's 64-bit mode on)"
                )
        return jnp.asarray(values, dtype=dtype)
    raise ArgumentTypeError(f"{op}: argument '{name}' must be an array, got {type(x).__name__}")


# numpy's dtypes for Python numbers, mapped to the library's defaults.
_PYTHON_DEFAULTS = {
    np.dtype(np.float64): _dtypes.DEFAULT_FLOAT,
    np.dtype(np.int64): _dtypes.DEFAULT_INT,
    np.dtype(np.complex128): _dtypes.DEFAULT_COMPLEX,
}


def _is_numeric_sequence(x: Sequence[Any]) -> bool:
    try:
        return np.asarray(x).dtype.kind in "biufc"
    except (ValueError, TypeError):
        return False


def is_int(x: Any) -> bool:
    """Whether ``x`` is a Python or numpy integer (``bool`` excluded)."""
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool)


def size_arg(op: str, size: Any, name: str = "size") -> tuple[int, ...]:
    """Return a torch-style size argument as a tuple of non-negative ints.

    Accepts an int, a sequence of ints, or the varargs tuple of a ``zeros(*size)`` call,
    whose single element may itself be a sequence (``zeros(2, 3)`` and ``zeros((2, 3))``).

    Raises:
        ArgumentTypeError: If an entry is not an integer.
        ShapeError: If an entry is negative.
    """
    if is_int(size):
        size = (size,)
    if isinstance(size, (list, tuple)) and len(size) == 1 and isinstance(size[0], (list, tuple)):
        size = tuple(size[0])
    if not isinstance(size, (list, tuple)) or not all(is_int(s) for s in size):
        raise ArgumentTypeError(f"{op}: {name} must be a sequence of ints, got {size!r}")
    if any(s < 0 for s in size):
        raise ShapeError(
            f"{op}: trying to create an array with negative dimension in {name} {list(size)}"
        )
    return tuple(int(s) for s in size)


def normalize_dim(op: str, dim: Any, ndim: int, name: str = "dim") -> int:
    """Return ``dim`` as a non-negative axis of an ``ndim``-dimensional array.

    As in PyTorch, a 0-d array accepts ``dim`` in ``[-1, 0]``.

    Raises:
        ArgumentTypeError: If ``dim`` is not an integer.
        IndexOutOfRangeError: If ``dim`` is outside ``[-ndim, ndim - 1]``.
    """
    if not is_int(dim):
        raise ArgumentTypeError(f"{op}: argument '{name}' must be an int, got {type(dim).__name__}")
    span = max(ndim, 1)
    if not -span <= dim < span:
        raise IndexOutOfRangeError(
            f"{op}: dimension out of range (expected to be in range of [{-span}, {span - 1}], "
            f"but got {dim}) for an array with {ndim} dimension(s)"
        )
    return int(dim) % span if ndim else 0


def normalize_dims(op: str, dim: Any, ndim: int) -> tuple[int, ...]:
    """Return ``dim`` (None, an int, or a sequence of ints) as a sorted tuple of axes.

    ``None`` and an empty sequence mean every axis, as in PyTorch's reductions.

    Raises:
        IndexOutOfRangeError: If a dim is out of range.
        InvalidArgumentError: If a dim appears twice.
    """
    if dim is None:
        return tuple(range(ndim))
    if is_int(dim):
        return (normalize_dim(op, dim, ndim),) if ndim else ()
    if not isinstance(dim, (list, tuple)):
        raise ArgumentTypeError(
            f"{op}: argument 'dim' must be an int or a tuple of ints, got {type(dim).__name__}"
        )
    if len(dim) == 0:
        return tuple(range(ndim))
    axes = [normalize_dim(op, d, ndim) for d in dim]
    if ndim == 0:
        return ()
    seen: set[int] = set()
    for d, a in zip(dim, axes, strict=False):
        if a in seen:
            raise InvalidArgumentError(f"{op}: dim {d} appears multiple times in the list of dims")
        seen.add(a)
    return tuple(sorted(axes))


def require_integer(op: str, name: str, x: jax.Array) -> None:
    """Raise :class:`DTypeError` unless ``x`` has an integer dtype (index tensors)."""
    if _dtypes.category(x.dtype) != 1:
        raise DTypeError(
            f"{op}: expected an integer dtype for '{name}', got {np.dtype(x.dtype).name}"
        )


def require_bool(op: str, name: str, x: jax.Array) -> None:
    """Raise :class:`DTypeError` unless ``x`` is a boolean array (masks)."""
    if np.dtype(x.dtype) != _dtypes.BOOL:
        raise DTypeError(f"{op}: expected a bool dtype for '{name}', got {np.dtype(x.dtype).name}")


def require_inexact(op: str, name: str, x: jax.Array) -> None:
    """Raise :class:`DTypeError` unless ``x`` is floating or complex."""
    if not _dtypes.is_inexact(x.dtype):
        raise DTypeError(
            f"{op}: expected a floating point or complex dtype for '{name}', "
            f"got {np.dtype(x.dtype).name}"
        )


def check_index_bounds(op: str, index: jax.Array, size: int, dim: int, name: str = "index") -> None:
    """Raise :class:`IndexOutOfRangeError` if a concrete ``index`` has a value outside ``[0, size)``.

    Negative indices are out of range, as in PyTorch's gather/scatter/index_select (JAX would
    wrap them). Under a trace the values are unknown and nothing is checked here; the op must
    then use a mode that cannot silently clamp (see each op's docstring).
    """
    if is_tracer(index) or index.size == 0:
        return
    values = np.asarray(index)
    low, high = values.min(), values.max()
    if low < 0 or high >= size:
        bad = int(low) if low < 0 else int(high)
        raise IndexOutOfRangeError(
            f"{op}: {name} {bad} is out of bounds for dimension {dim} with size {size}"
        )
