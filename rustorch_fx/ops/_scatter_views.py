"""The ``*_scatter`` ops and ``as_strided``: writing a view's values into a copy of its base.

``select_scatter``, ``slice_scatter``, ``diagonal_scatter`` and ``as_strided_scatter`` are the
functional (out-of-place) forms of writing through a view: each returns ``input`` with the
elements a view op would show replaced by ``src``. ``as_strided`` reads an arbitrary strided
window of ``input``'s elements in row-major order (the storage of a contiguous tensor).

As in PyTorch, ``src`` must have exactly the view's shape and is cast to ``input``'s dtype.
Everything is differentiable with respect to ``input`` and ``src`` and safe under ``jax.jit``
(the positions are computed from static shapes).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from rustorch_fx._boundary import boundary
from rustorch_fx._checks import as_array, is_int, normalize_dim
from rustorch_fx.errors import (
    ArgumentTypeError,
    IndexOutOfRangeError,
    InvalidArgumentError,
    ShapeError,
)
from rustorch_fx.ops._shape import diagonal

__all__ = [
    "select_scatter",
    "slice_scatter",
    "diagonal_scatter",
    "as_strided",
    "as_strided_scatter",
]

ArrayLike = Any


def _src(op: str, x: jax.Array, src: ArrayLike, view_shape: tuple[int, ...]) -> jax.Array:
    """``src`` checked against the view's shape and cast to ``x``'s dtype."""
    s = as_array(op, "src", src)
    if tuple(s.shape) != tuple(view_shape):
        raise ShapeError(
            f"{op}: expected src to have a size equal to the slice of self. src size = "
            f"{list(s.shape)}, slice size = {list(view_shape)}"
        )
    return s.astype(x.dtype)


def _int(op: str, name: str, value: Any) -> int:
    if not is_int(value):
        raise ArgumentTypeError(f"{op}: argument '{name}' must be an int, got {value!r}")
    return int(value)


@boundary("select_scatter")
def select_scatter(input: ArrayLike, src: ArrayLike, dim: int, index: int) -> jax.Array:
    """``input`` with ``input.select(dim, index)`` replaced by ``src``.

    Args:
        input: An array with at least 1 dimension.
        src: The new values, shaped like ``input`` without ``dim``.
        dim: The dimension.
        index: The index along ``dim``; negative counts from the end.

    Returns:
        An array of ``input``'s shape and dtype.

    Raises:
        ShapeError: If ``input`` is 0-d or ``src`` has the wrong shape.
        IndexOutOfRangeError: If ``dim`` or ``index`` is out of range.
        ArgumentTypeError: If ``index`` is not an int.

    Example:
        >>> import jax.numpy as jnp
        >>> select_scatter(jnp.zeros((2, 2)), jnp.ones(2), 0, -1).tolist()
        [[0.0, 0.0], [1.0, 1.0]]
    """
    x = as_array("select_scatter", "input", input)
    if x.ndim == 0:
        raise ShapeError("select_scatter: select() cannot be applied to a 0-dim tensor")
    d = normalize_dim("select_scatter", dim, x.ndim)
    i = _int("select_scatter", "index", index)
    n = x.shape[d]
    if not -n <= i < n:
        raise IndexOutOfRangeError(
            f"select_scatter: index {i} out of range for tensor of size {list(x.shape)} at "
            f"dimension {dim}"
        )
    s = _src("select_scatter", x, src, x.shape[:d] + x.shape[d + 1 :])
    return x.at[(slice(None),) * d + (i % n,)].set(s)


@boundary("slice_scatter")
def slice_scatter(
    input: ArrayLike,
    src: ArrayLike,
    dim: int = 0,
    start: int | None = None,
    end: int | None = None,
    step: int = 1,
) -> jax.Array:
    """``input`` with the slice ``start:end:step`` of dimension ``dim`` replaced by ``src``.

    ``start`` and ``end`` follow Python's slicing (negative counts from the end, out-of-range
    values are clamped).

    Args:
        input: An array with at least 1 dimension.
        src: The new values, shaped like ``input[..., start:end:step, ...]``.
        dim: The dimension to slice.
        start: First index (default 0).
        end: Stop index, exclusive (default the size).
        step: Positive step.

    Returns:
        An array of ``input``'s shape and dtype.

    Raises:
        ShapeError: If ``input`` is 0-d or ``src`` has the wrong shape.
        IndexOutOfRangeError: If ``dim`` is out of range.
        InvalidArgumentError: If ``step`` is not positive.

    Example:
        >>> import jax.numpy as jnp
        >>> slice_scatter(jnp.zeros(5), jnp.ones(2), start=1, step=2).tolist()
        [0.0, 1.0, 0.0, 1.0, 0.0]
    """
    x = as_array("slice_scatter", "input", input)
    if x.ndim == 0:
        raise ShapeError("slice_scatter: slice() cannot be applied to a 0-dim tensor")
    d = normalize_dim("slice_scatter", dim, x.ndim)
    bounds = [
        None if v is None else _int("slice_scatter", n, v)
        for n, v in (("start", start), ("end", end))
    ]
    k = _int("slice_scatter", "step", step)
    if k <= 0:
        raise InvalidArgumentError(f"slice_scatter: slice step must be positive, got {k}")
    where = (slice(None),) * d + (slice(bounds[0], bounds[1], k),)
    view_shape = np.empty(x.shape, dtype=np.bool_)[where].shape
    s = _src("slice_scatter", x, src, view_shape)
    return x.at[where].set(s)


@boundary("diagonal_scatter")
def diagonal_scatter(
    input: ArrayLike, src: ArrayLike, offset: int = 0, dim1: int = 0, dim2: int = 1
) -> jax.Array:
    """``input`` with ``input.diagonal(offset, dim1, dim2)`` replaced by ``src``.

    Args:
        input: An array with at least 2 dimensions.
        src: The new values, shaped like the diagonal (the other dims, then the diagonal).
        offset: Which diagonal: 0 main, positive above, negative below.
        dim1: First dim of the planes.
        dim2: Second dim of the planes.

    Returns:
        An array of ``input``'s shape and dtype.

    Raises:
        ShapeError: If ``input`` has fewer than 2 dimensions or ``src`` has the wrong shape.
        IndexOutOfRangeError: If a dim is out of range.
        InvalidArgumentError: If ``dim1`` and ``dim2`` are the same.

    Example:
        >>> import jax.numpy as jnp
        >>> diagonal_scatter(jnp.zeros((2, 3)), jnp.ones(2), 1).tolist()
        [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    """
    x = as_array("diagonal_scatter", "input", input)
    # the positions of the diagonal's elements in the flattened input (static)
    with jax.ensure_compile_time_eval():  # static positions, also under jit
        positions = np.asarray(diagonal(np.arange(x.size).reshape(x.shape), offset, dim1, dim2))
    s = _src("diagonal_scatter", x, src, tuple(positions.shape))
    flat = x.reshape(-1).at[positions.reshape(-1)].set(s.reshape(-1))
    return flat.reshape(x.shape)


def _strided_positions(
    op: str, n: int, size: Sequence[int], stride: Sequence[int], storage_offset: int
) -> np.ndarray:
    """Flat positions ``storage_offset + sum(i_k * stride_k)``, checked against ``n`` elements."""
    if not isinstance(size, Sequence) or not all(is_int(v) for v in size):
        raise ArgumentTypeError(f"{op}: size must be a sequence of ints, got {size!r}")
    if not isinstance(stride, Sequence) or not all(is_int(v) for v in stride):
        raise ArgumentTypeError(f"{op}: stride must be a sequence of ints, got {stride!r}")
    offset = _int(op, "storage_offset", storage_offset)
    if len(size) != len(stride):
        raise ShapeError(
            f"{op}: mismatch in length of strides and shape: size {list(size)}, stride "
            f"{list(stride)}"
        )
    if any(v < 0 for v in size):
        raise ShapeError(f"{op}: size must be non-negative, got {list(size)}")
    if any(v < 0 for v in stride):
        raise InvalidArgumentError(
            f"{op}: negative strides are not supported, got strides {list(stride)}"
        )
    if offset < 0:
        raise InvalidArgumentError(f"{op}: invalid storage offset {offset}")
    numel = math.prod(size)
    needed = offset + sum((s - 1) * t for s, t in zip(size, stride, strict=True)) + 1
    if numel and needed > n:
        raise IndexOutOfRangeError(
            f"{op}: sizes {list(size)}, strides {list(stride)} and storage offset {offset} "
            f"need {needed} elements, out of bounds for an input of {n} elements"
        )
    positions = np.full(tuple(int(v) for v in size), offset, dtype=np.int64)
    for axis, (s, t) in enumerate(zip(size, stride, strict=True)):
        shape = [1] * len(size)
        shape[axis] = int(s)
        positions = positions + np.arange(int(s), dtype=np.int64).reshape(shape) * int(t)
    return positions.astype(np.int32) if n < 2**31 else positions


@boundary("as_strided")
def as_strided(
    input: ArrayLike, size: Sequence[int], stride: Sequence[int], storage_offset: int = 0
) -> jax.Array:
    """A strided window on ``input``'s elements in row-major order (a contiguous storage).

    ``out[i_0, ..., i_k] = input.reshape(-1)[storage_offset + sum(i_j * stride[j])]``: what
    PyTorch's ``as_strided`` reads from a contiguous tensor's storage. Elements may repeat
    (stride 0, overlapping windows); the gradient adds up over the repeats.

    Args:
        input: Any array; its elements in row-major order are the storage.
        size: The output shape.
        stride: Steps, in elements, of each output dimension (non-negative).
        storage_offset: Position of the first output element.

    Returns:
        An array of shape ``size`` and ``input``'s dtype.

    Raises:
        ShapeError: If ``size`` and ``stride`` differ in length or a size is negative.
        InvalidArgumentError: If a stride or the offset is negative.
        IndexOutOfRangeError: If the window reaches past the last element.
        ArgumentTypeError: If ``size``/``stride`` are not sequences of ints.

    Example:
        >>> import jax.numpy as jnp
        >>> as_strided(jnp.arange(6), (2, 2), (1, 2), 1).tolist()
        [[1, 3], [2, 4]]
    """
    x = as_array("as_strided", "input", input)
    positions = _strided_positions("as_strided", x.size, size, stride, storage_offset)
    if positions.size == 0:
        return jnp.zeros(positions.shape, x.dtype)
    return x.reshape(-1)[positions]


@boundary("as_strided_scatter")
def as_strided_scatter(
    input: ArrayLike,
    src: ArrayLike,
    size: Sequence[int],
    stride: Sequence[int],
    storage_offset: int | None = None,
) -> jax.Array:
    """``input`` with the window ``as_strided(input, size, stride, storage_offset)`` set to ``src``.

    Where the window overlaps itself, which of the written values lands is unspecified (as in
    PyTorch).

    Args:
        input: Any array (its elements in row-major order are the storage).
        src: The new values, of shape ``size``.
        size: The window's shape.
        stride: Steps, in elements, of each window dimension (non-negative).
        storage_offset: Position of the window's first element (default 0).

    Returns:
        An array of ``input``'s shape and dtype.

    Raises:
        ShapeError: If ``src`` is not of shape ``size``, or ``size``/``stride`` differ in length.
        InvalidArgumentError: If a stride or the offset is negative.
        IndexOutOfRangeError: If the window reaches past the last element.

    Example:
        >>> import jax.numpy as jnp
        >>> as_strided_scatter(jnp.zeros(4), jnp.ones(2), (2,), (2,)).tolist()
        [1.0, 0.0, 1.0, 0.0]
    """
    x = as_array("as_strided_scatter", "input", input)
    offset = 0 if storage_offset is None else storage_offset
    positions = _strided_positions("as_strided_scatter", x.size, size, stride, offset)
    s = _src("as_strided_scatter", x, src, positions.shape)
    if positions.size == 0:
        return x
    return x.reshape(-1).at[positions.reshape(-1)].set(s.reshape(-1)).reshape(x.shape)
