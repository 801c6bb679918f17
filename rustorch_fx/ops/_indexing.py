"""Indexing ops: selection by mask or index, gather/scatter and their reductions.

All functions follow ``torch``'s names, arguments and semantics, with these rules:

* Indices are checked. Out-of-range indices (``>= size``, or negative: in ``gather``,
  ``scatter*``, ``index_*`` and ``take_along_dim`` a negative index is out of range as in
  PyTorch, JAX would wrap it) raise :class:`~rustorch_fx.errors.IndexOutOfRangeError` when the
  index is concrete. Under ``jax.jit`` the values are unknown, so nothing can be raised; the ops
  then use JAX modes that never clamp or wrap silently: reads of an out-of-range index give a
  fill value (NaN for floating and complex dtypes, the most negative value for signed integers,
  the largest value for unsigned integers, ``True`` for bool) and writes to one are dropped.
* Index arrays may have any integer dtype (PyTorch wants int64, sometimes int32); a bool or
  floating index raises :class:`~rustorch_fx.errors.DTypeError`. Masks must be bool (PyTorch's
  deprecated uint8 masks are rejected with ``DTypeError``).
* Ops whose output size depends on values (``nonzero``, ``masked_select``, ``where(condition)``)
  work eagerly; under ``jit`` they need ``size=`` for a static shape and raise
  :class:`~rustorch_fx.errors.TracingError` without it.
* Index outputs are ``int32`` in both of JAX's modes (PyTorch: ``int64``).
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from rustorch_fx import _dtypes
from rustorch_fx._boundary import boundary
from rustorch_fx._checks import (
    as_array,
    check_index_bounds,
    is_tracer,
    normalize_dim,
    require_bool,
    require_integer,
)
from rustorch_fx.errors import (
    ArgumentTypeError,
    DTypeError,
    IndexOutOfRangeError,
    InvalidArgumentError,
    ShapeError,
    TracingError,
)

__all__ = [
    "where",
    "nonzero",
    "masked_select",
    "masked_fill",
    "gather",
    "scatter",
    "scatter_add",
    "scatter_reduce",
    "index_select",
    "index_add",
    "index_copy",
    "index_fill",
    "index_reduce",
    "take",
    "take_along_dim",
    "put",
    "masked_scatter",
    "index_put",
    "fill_diagonal",
]

ArrayLike = Any
Scalar = bool | int | float | complex
_SCALARS = (bool, int, float, complex)
_SCATTER_REDUCES = ("sum", "prod", "mean", "amax", "amin")


# --------------------------------------------------------------------------- helpers


def _shape(shape: tuple[int, ...]) -> str:
    return str(tuple(int(s) for s in shape))


def _broadcast_shapes(op: str, names: tuple[str, ...], *shapes: tuple[int, ...]) -> tuple[int, ...]:
    try:
        return tuple(jnp.broadcast_shapes(*shapes))
    except ValueError:
        got = ", ".join(f"{n} {_shape(s)}" for n, s in zip(names, shapes, strict=True))
        raise ShapeError(f"{op}: shapes cannot be broadcast together: {got}") from None


def _index(op: str, name: str, index: ArrayLike) -> jax.Array:
    idx = as_array(op, name, index)
    require_integer(op, name, idx)
    if np.dtype(idx.dtype).itemsize < 4:
        idx = idx.astype(_dtypes.INDEX)
    return idx


def _mask(op: str, name: str, mask: ArrayLike) -> jax.Array:
    m = as_array(op, name, mask)
    require_bool(op, name, m)
    return m


def _fill_for(dtype: np.dtype) -> Any:
    """The value a read of an out-of-range index gives under ``jit`` (JAX's ``mode="fill"``)."""
    if _dtypes.is_inexact(dtype):
        return np.nan
    if dtype == _dtypes.BOOL:
        return True
    info = np.iinfo(dtype)
    return info.min if info.min < 0 else info.max


def _read(x: jax.Array, ix: tuple[Any, ...], out_shape: tuple[int, ...]) -> jax.Array:
    """``x[ix]`` where out-of-range (and negative) indices give :func:`_fill_for`."""
    dtype = np.dtype(x.dtype)
    if x.size == 0:  # every index is out of range (JAX cannot gather from an empty array)
        return jnp.full(out_shape, _fill_for(dtype), dtype=dtype)
    return x.at[ix].get(mode="fill", fill_value=None, wrap_negative_indices=False)


def _read_zero(x: jax.Array, ix: tuple[Any, ...]) -> jax.Array:
    """``x[ix]`` giving 0 at out-of-range indices (coefficients of dropped updates)."""
    return x.at[ix].get(mode="fill", fill_value=0, wrap_negative_indices=False)


_DROP = {"mode": "drop", "wrap_negative_indices": False}


def _value(op: str, value: ArrayLike, dtype: np.dtype) -> jax.Array:
    """A fill value (Python scalar or 0-d array) converted to ``dtype``, as torch does."""
    if isinstance(value, _SCALARS):
        integral = _dtypes.category(dtype) == 1
        if integral and isinstance(value, float) and not np.isfinite(value):
            raise InvalidArgumentError(
                f"{op}: value {value} cannot be converted to {dtype.name} without overflow"
            )
        if integral and not isinstance(value, complex):
            info = np.iinfo(dtype)
            if not info.min <= int(value) <= info.max:
                raise InvalidArgumentError(
                    f"{op}: value {value} cannot be converted to {dtype.name} without overflow"
                )
        if _dtypes.category(dtype) < 3 and isinstance(value, complex):
            raise DTypeError(f"{op}: cannot fill an array of dtype {dtype.name} with complex value")
        return jnp.asarray(np.asarray(value).astype(dtype))
    v = as_array(op, "value", value)
    if v.ndim != 0:
        raise ShapeError(
            f"{op}: expected a 0-dimensional value (a scalar), got an array of shape {_shape(v.shape)}"
        )
    return v.astype(dtype)


def _check_rank(op: str, name: str, x: jax.Array, other: jax.Array) -> None:
    if max(x.ndim, 1) != max(other.ndim, 1):
        raise ShapeError(
            f"{op}: {name} must have the same number of dimensions as input, got {other.ndim} "
            f"for {name} (shape {_shape(other.shape)}) and {x.ndim} for input "
            f"(shape {_shape(x.shape)})"
        )


def _axis_indices(index: jax.Array, dim: int) -> tuple[jax.Array, ...]:
    """Full index tuple for ``x[i][j][index[i][j][k]]``-style gather/scatter along ``dim``."""
    return tuple(
        index if d == dim else jax.lax.broadcasted_iota(index.dtype, index.shape, d)
        for d in range(index.ndim)
    )


def _as_vector_index(op: str, index: jax.Array) -> jax.Array:
    if index.ndim > 1:
        raise ShapeError(
            f"{op}: index must be 1-D or 0-d, got an array of shape {_shape(index.shape)}"
        )
    return index.reshape(-1)


def _check_same_dtype(op: str, name: str, x: jax.Array, other: jax.Array) -> None:
    if np.dtype(other.dtype) != np.dtype(x.dtype):
        raise DTypeError(
            f"{op}: expected {name} to have the same dtype as input ({np.dtype(x.dtype).name}), "
            f"got {np.dtype(other.dtype).name}"
        )


# --------------------------------------------------------------------------- where / masks


def _where_operand(op: str, name: str, x: ArrayLike) -> Any:
    return x if isinstance(x, _SCALARS) else as_array(op, name, x)


@boundary("where")
def where(
    condition: ArrayLike, input: ArrayLike | None = None, other: ArrayLike | None = None
) -> jax.Array | tuple[jax.Array, ...]:
    """Choose elements from ``input`` where ``condition`` holds and from ``other`` elsewhere.

    ``condition``, ``input`` and ``other`` broadcast together. The result dtype follows
    PyTorch's promotion of ``input`` and ``other`` (see :func:`result_type`): Python scalars
    and 0-d arrays only raise the category, so ``where(c, x_float16, 0.5)`` stays float16.
    ``where(condition)`` alone is ``nonzero(condition, as_tuple=True)``.

    Args:
        condition: Bool array choosing ``input`` (True) or ``other`` (False).
        input: Array or Python scalar taken where ``condition`` is True.
        other: Array or Python scalar taken where ``condition`` is False.

    Returns:
        An array of the broadcast shape of the three arguments, with the promoted dtype; or,
        with ``condition`` alone, a tuple of ``condition.ndim`` (at least 1) int32 index arrays.

    Raises:
        DTypeError: If ``condition`` is not bool (three-argument form).
        ShapeError: If the shapes do not broadcast.
        ArgumentTypeError: If only one of ``input`` and ``other`` is given.
        TracingError: For ``where(condition)`` under ``jit`` (use :func:`nonzero` with ``size=``).

    Example:
        >>> import jax.numpy as jnp
        >>> where(jnp.array([True, False, True]), jnp.array([1.0, 2.0, 3.0]), 0.0)
        Array([1., 0., 3.], dtype=float32)
        >>> where(jnp.array([0, 5, 7]))
        (Array([1, 2], dtype=int32),)
    """
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    if input is None or other is None:
        missing = "input" if input is None else "other"
        raise ArgumentTypeError(
            f"where: expected both 'input' and 'other' (or neither), got no '{missing}'"
        )
    cond = _mask("where", "condition", condition)
    x = _where_operand("where", "input", input)
    y = _where_operand("where", "other", other)
    _broadcast_shapes(
        "where", ("condition", "input", "other"), cond.shape, np.shape(x), np.shape(y)
    )
    dtype = _dtypes.result_type(x, y)
    return jnp.where(cond, jnp.asarray(x).astype(dtype), jnp.asarray(y).astype(dtype))


def _check_size(op: str, size: Any) -> int:
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
        raise ArgumentTypeError(f"{op}: argument 'size' must be an int, got {type(size).__name__}")
    if size < 0:
        raise InvalidArgumentError(f"{op}: size must be non-negative, got {size}")
    return int(size)


def _value_dependent(op: str, what: str) -> TracingError:
    return TracingError(
        f"{op}: the output size depends on the values of '{what}', which are unknown under "
        "jax.jit; pass size= (and fill_value=) for a static output shape, or call it eagerly"
    )


def _nonzero_fills(fill_value: Any, ndim: int) -> tuple[int, ...]:
    if fill_value is None:
        return (0,) * ndim
    if isinstance(fill_value, (tuple, list)):
        if len(fill_value) != ndim:
            raise InvalidArgumentError(
                f"nonzero: fill_value must be an int or one int per dimension ({ndim}), "
                f"got {len(fill_value)} values"
            )
        return tuple(int(f) for f in fill_value)
    return (int(fill_value),) * ndim


@boundary("nonzero")
def nonzero(
    input: ArrayLike,
    *,
    as_tuple: bool = False,
    size: int | None = None,
    fill_value: int | tuple[int, ...] | None = None,
) -> jax.Array | tuple[jax.Array, ...]:
    """Indices of the non-zero elements of ``input``, in row-major order.

    Args:
        input: Array of any dtype (zero, False and 0j count as zero).
        as_tuple: If False, return one ``[n, ndim]`` matrix with a row per non-zero element;
            if True, a tuple of ``ndim`` 1-D arrays of length ``n``, one per dimension (a 0-d
            input is treated as 1-D, as in PyTorch).
        size: Static number of rows ``n`` (required under ``jit``). Extra non-zero elements
            are dropped, missing ones padded with ``fill_value``, as ``jnp.nonzero(size=)``.
        fill_value: Padding index when ``size`` exceeds the count: an int, or one per
            dimension; defaults to 0 (like ``jnp.nonzero``, so padding is indistinguishable
            from index 0 unless chosen otherwise, e.g. -1).

    Returns:
        An int32 ``[n, ndim]`` array, or a tuple of int32 ``[n]`` arrays.

    Raises:
        TracingError: Under ``jit`` without ``size``.
        InvalidArgumentError: If ``size`` is negative.

    Example:
        >>> import jax.numpy as jnp
        >>> nonzero(jnp.array([[0, 1], [2, 0]]))
        Array([[0, 1],
               [1, 0]], dtype=int32)
        >>> nonzero(jnp.array([0.0, 3.0]), as_tuple=True, size=2, fill_value=-1)
        (Array([ 1, -1], dtype=int32),)
    """
    x = as_array("nonzero", "input", input)
    flat = x.reshape(-1) if x.ndim == 0 else x
    if size is None:
        if is_tracer(input):
            raise _value_dependent("nonzero", "input")
        concrete = np.asarray(input)
        coords = np.nonzero(concrete.reshape(-1) if concrete.ndim == 0 else concrete)
        coords = tuple(jnp.asarray(c, dtype=_dtypes.INDEX) for c in coords)
    else:
        n = _check_size("nonzero", size)
        fills = _nonzero_fills(fill_value, flat.ndim)
        # padding applied here: jnp.nonzero ignores fill_value for an empty input
        valid = jnp.arange(n, dtype=_dtypes.INDEX) < jnp.count_nonzero(flat)
        coords = tuple(
            jnp.where(valid, c.astype(_dtypes.INDEX), jnp.asarray(f, dtype=_dtypes.INDEX))
            for c, f in zip(jnp.nonzero(flat, size=n), fills, strict=True)
        )
    if as_tuple:
        return coords
    if x.ndim == 0:
        return jnp.zeros((coords[0].shape[0], 0), dtype=_dtypes.INDEX)
    return jnp.stack(coords, axis=1)


@boundary("masked_select")
def masked_select(
    input: ArrayLike, mask: ArrayLike, *, size: int | None = None, fill_value: Scalar = 0
) -> jax.Array:
    """The elements of ``input`` where ``mask`` is True, as a 1-D array.

    ``input`` and ``mask`` broadcast together; elements come in row-major order of the
    broadcast shape. The output length depends on ``mask``'s values: eagerly (or whenever
    ``mask`` is concrete) it is the number of True elements; under ``jit`` with a traced mask,
    ``size=`` gives a static length, truncating or padding with ``fill_value`` like
    ``jnp.nonzero(size=)``.

    Args:
        input: Array to select from.
        mask: Bool array broadcastable with ``input``.
        size: Static output length (required when ``mask`` is traced).
        fill_value: Padding value when ``size`` exceeds the count, converted to ``input``'s dtype.

    Returns:
        A 1-D array of ``input``'s dtype, of length ``mask.sum()`` or ``size``.

    Raises:
        DTypeError: If ``mask`` is not bool.
        ShapeError: If the shapes do not broadcast.
        TracingError: If ``mask`` is traced and ``size`` is not given.

    Example:
        >>> import jax.numpy as jnp
        >>> x = jnp.array([[1.0, 2.0], [3.0, 4.0]])
        >>> masked_select(x, x > 2)
        Array([3., 4.], dtype=float32)
        >>> masked_select(x, x > 2, size=3, fill_value=-1.0)
        Array([ 3.,  4., -1.], dtype=float32)
    """
    x = as_array("masked_select", "input", input)
    m = _mask("masked_select", "mask", mask)
    shape = _broadcast_shapes("masked_select", ("input", "mask"), x.shape, m.shape)
    flat = jnp.broadcast_to(x, shape).reshape(-1)
    if size is None:
        if is_tracer(mask):
            raise _value_dependent("masked_select", "mask")
        positions = np.flatnonzero(np.broadcast_to(np.asarray(mask), shape))
        return flat[jnp.asarray(positions, dtype=_dtypes.INDEX)]
    n = _check_size("masked_select", size)
    fill = _value("masked_select", fill_value, np.dtype(x.dtype))
    flat_mask = jnp.broadcast_to(m, shape).reshape(-1)
    (positions,) = jnp.nonzero(flat_mask, size=n, fill_value=0)
    picked = _read(flat, (positions,), (n,))
    valid = jnp.arange(n, dtype=_dtypes.INDEX) < jnp.sum(flat_mask, dtype=_dtypes.INDEX)
    return jnp.where(valid, picked, fill)


@boundary("masked_fill")
def masked_fill(input: ArrayLike, mask: ArrayLike, value: ArrayLike) -> jax.Array:
    """``input`` with the elements where ``mask`` is True replaced by ``value``.

    The result keeps ``input``'s dtype, as in PyTorch: a float value written into an integer
    array is truncated toward zero, a non-zero value into a bool array is True.

    Args:
        input: Array to fill.
        mask: Bool array broadcastable with ``input``.
        value: Python scalar or 0-d array (differentiable when it is a floating array).

    Returns:
        An array of the broadcast shape of ``input`` and ``mask``, with ``input``'s dtype.

    Raises:
        DTypeError: If ``mask`` is not bool, or ``value`` is complex for a real ``input``.
        ShapeError: If ``value`` is not 0-d or the shapes do not broadcast.
        InvalidArgumentError: If ``value`` does not fit an integer ``input``'s dtype.

    Example:
        >>> import jax.numpy as jnp
        >>> masked_fill(jnp.array([1, 2, 3]), jnp.array([False, True, False]), 9.7)
        Array([1, 9, 3], dtype=int32)
    """
    x = as_array("masked_fill", "input", input)
    m = _mask("masked_fill", "mask", mask)
    v = _value("masked_fill", value, np.dtype(x.dtype))
    _broadcast_shapes("masked_fill", ("input", "mask"), x.shape, m.shape)
    return jnp.where(m, v, x)


# --------------------------------------------------------------------------- gather / scatter


@boundary("gather")
def gather(input: ArrayLike, dim: int, index: ArrayLike) -> jax.Array:
    """Gather values along ``dim``: ``out[i][j][k] = input[index[i][j][k]][j][k]`` for ``dim=0``.

    ``index`` has as many dimensions as ``input`` (0-d and 1-d count as the same) and
    ``index.shape[d] <= input.shape[d]`` for every ``d != dim``; the output has ``index``'s
    shape. Gradients flow to ``input`` (summed over duplicate indices).

    Args:
        input: Source array.
        dim: The axis to index along (negative counts from the end).
        index: Integer array of indices into ``input.shape[dim]``.

    Returns:
        An array of ``index.shape`` with ``input``'s dtype.

    Raises:
        IndexOutOfRangeError: If ``dim`` is out of range, or a concrete index is negative or
            ``>= input.shape[dim]``. Under ``jit`` such an index reads the fill value (NaN for
            floats, see the module docstring) instead.
        ShapeError: If the ranks differ or ``index`` is larger than ``input`` outside ``dim``.
        DTypeError: If ``index`` is not an integer array.

    Example:
        >>> import jax.numpy as jnp
        >>> x = jnp.array([[1.0, 2.0], [3.0, 4.0]])
        >>> gather(x, 1, jnp.array([[0, 0], [1, 0]]))
        Array([[1., 1.],
               [4., 3.]], dtype=float32)
    """
    x = as_array("gather", "input", input)
    idx = _index("gather", "index", index)
    d = normalize_dim("gather", dim, x.ndim)
    _check_rank("gather", "index", x, idx)
    x1, i1 = jnp.atleast_1d(x), jnp.atleast_1d(idx)
    if idx.size == 0:
        return jnp.zeros(idx.shape, dtype=x.dtype)
    for k in range(x1.ndim):
        if k != d and i1.shape[k] > x1.shape[k]:
            raise ShapeError(
                f"gather: index shape {_shape(idx.shape)} is larger than input shape "
                f"{_shape(x.shape)} at dimension {k} (only dimension {d} may be larger)"
            )
    check_index_bounds("gather", idx, x1.shape[d], d)
    return _read(x1, _axis_indices(i1, d), i1.shape).reshape(idx.shape)


class _Fill(NamedTuple):
    """A scatter's scalar ``value`` (Python scalar or 0-d array), written at every index."""

    value: Any


def _scatter_args(
    op: str, input: ArrayLike, dim: int, index: ArrayLike, src: ArrayLike
) -> tuple[jax.Array, int, jax.Array, jax.Array]:
    """Validate a scatter; return ``input`` and ``index`` (at least 1-D), ``dim``, ``src`` sliced.

    ``src`` is an array of ``input``'s dtype, or a :class:`_Fill` value written everywhere.
    """
    x = as_array(op, "input", input)
    idx = _index(op, "index", index)
    d = normalize_dim(op, dim, x.ndim)
    x1, i1 = jnp.atleast_1d(x), jnp.atleast_1d(idx)
    _check_rank(op, "index", x, idx)
    if isinstance(src, _Fill):
        s1 = jnp.broadcast_to(_value(op, src.value, np.dtype(x.dtype)), i1.shape)
    else:
        s = as_array(op, "src", src)
        _check_rank(op, "src", x, s)
        _check_same_dtype(op, "src", x, s)
        s1 = jnp.atleast_1d(s)
    if idx.size:
        for k in range(x1.ndim):
            if i1.shape[k] > s1.shape[k] or (k != d and i1.shape[k] > x1.shape[k]):
                raise ShapeError(
                    f"{op}: index shape {_shape(idx.shape)} must be no larger than src shape "
                    f"{_shape(s1.shape)} at every dimension and no larger than input shape "
                    f"{_shape(x.shape)} apart from dimension {d} (fails at dimension {k})"
                )
        check_index_bounds(op, idx, x1.shape[d], d)
    return x1, d, i1, s1[tuple(slice(0, n) for n in i1.shape)]


def _touched(shape: tuple[int, ...], ix: tuple[jax.Array, ...]) -> jax.Array:
    """Bool mask of the positions of an array of ``shape`` that ``ix`` writes to."""
    return jnp.zeros(shape, dtype=bool).at[ix].set(True, **_DROP)


def _identity(reduce: str, dtype: np.dtype) -> Any:
    """The neutral element of 'prod', 'amax' or 'amin' for ``dtype``."""
    if reduce == "prod":
        return 1
    if _dtypes.is_floating(dtype):
        return -np.inf if reduce == "amax" else np.inf
    info = np.iinfo(dtype)
    return info.min if reduce == "amax" else info.max


def _combine_impl(
    reduce: str, include_self: bool, x: jax.Array, ix: tuple[jax.Array, ...], src: jax.Array
) -> jax.Array:
    x, src = jnp.asarray(x), jnp.asarray(src)
    if not include_self:
        x = jnp.where(_touched(x.shape, ix), jnp.asarray(_identity(reduce, x.dtype), x.dtype), x)
    ref = x.at[ix]
    if reduce == "prod":
        return ref.multiply(src, **_DROP)
    if reduce == "amax":
        return ref.max(src, **_DROP)
    return ref.min(src, **_DROP)


@functools.partial(jax.custom_jvp, nondiff_argnums=(0, 1))
def _combine(
    reduce: str, include_self: bool, x: jax.Array, ix: tuple[jax.Array, ...], src: jax.Array
) -> jax.Array:
    """Scatter-reduce with 'prod', 'amax' or 'amin', with PyTorch's derivatives.

    JAX differentiates a scatter-multiply only for unique indices, and its scatter-max
    derivative ignores ``include_self``; the JVP below gives what PyTorch's backward gives.
    """
    return _combine_impl(reduce, include_self, x, ix, src)


def _exclusive_product(f: jax.Array, zeros: jax.Array, nonzero_prod: jax.Array) -> jax.Array:
    """Product of the other factors of a factor ``f`` of a product with ``zeros`` zero factors."""
    is_zero = f == 0
    safe = jnp.where(is_zero, jnp.ones_like(f), f)
    return jnp.where(
        is_zero,
        jnp.where(zeros == 1, nonzero_prod, 0),
        jnp.where(zeros == 0, nonzero_prod / safe, 0),
    )


@_combine.defjvp
def _combine_jvp(
    reduce: str, include_self: bool, primals: tuple[Any, ...], tangents: tuple[Any, ...]
) -> tuple[jax.Array, jax.Array]:
    x, ix, src = (jax.tree.map(jnp.asarray, p) for p in primals)
    x_dot, _, src_dot = tangents
    out = _combine(reduce, include_self, x, ix, src)
    touched = _touched(x.shape, ix)
    self_counts = jnp.logical_or(include_self, ~touched)  # self is one of the reduced values
    if reduce == "prod":
        # d(prod)/d(factor) is the product of the other factors, computed without dividing
        # by zero: count the zero factors and multiply the non-zero ones.
        self_zero = (x == 0) & self_counts
        zeros = (
            self_zero.astype(_dtypes.INDEX).at[ix].add((src == 0).astype(_dtypes.INDEX), **_DROP)
        )
        one = jnp.ones((), x.dtype)
        nonzero_prod = _combine(
            "prod", include_self, jnp.where(x == 0, one, x), ix, jnp.where(src == 0, one, src)
        )
        x_coef = jnp.where(self_counts, _exclusive_product(x, zeros, nonzero_prod), 0)
        src_coef = _exclusive_product(src, _read_zero(zeros, ix), _read_zero(nonzero_prod, ix))
        scattered = jnp.zeros_like(x).at[ix].add(src_coef * src_dot, **_DROP)
        return out, x_coef * x_dot + scattered
    # amax/amin: PyTorch splits the gradient evenly among the values equal to the result,
    # counting ``input`` among them even when include_self=False (its own share is then 0).
    x_wins = x == out
    src_wins = src == _read_zero(out, ix)
    ties = x_wins.astype(x.dtype).at[ix].add(src_wins.astype(x.dtype), **_DROP)
    x_part = jnp.where(x_wins & self_counts, x_dot, 0)
    src_part = jnp.zeros_like(x).at[ix].add(jnp.where(src_wins, src_dot, 0), **_DROP)
    return out, (x_part + src_part) / ties


def _reduce(
    op: str,
    reduce: str,
    include_self: bool,
    x: jax.Array,
    ix: tuple[jax.Array, ...],
    src: jax.Array,
) -> jax.Array:
    dtype = np.dtype(x.dtype)
    if dtype == _dtypes.BOOL:
        raise DTypeError(f"{op}: reduction '{reduce}' is not supported for bool input")
    if reduce in ("sum", "mean"):
        base = x if include_self else jnp.where(_touched(x.shape, ix), jnp.zeros((), dtype), x)
        total = base.at[ix].add(src, **_DROP)
        if reduce == "sum":
            return total
        counts = jnp.full(x.shape, int(include_self), _dtypes.INDEX).at[ix].add(1, **_DROP)
        counts = jnp.maximum(counts, 1)
        if _dtypes.is_inexact(dtype):
            return total / counts.astype(dtype)
        return jnp.floor_divide(total, counts.astype(dtype))
    if _dtypes.is_inexact(dtype):
        return _combine(reduce, include_self, x, ix, src)
    return _combine_impl(reduce, include_self, x, ix, src)


@boundary("scatter")
def scatter(
    input: ArrayLike,
    dim: int,
    index: ArrayLike,
    src: ArrayLike | None = None,
    value: Scalar | None = None,
    reduce: str | None = None,
) -> jax.Array:
    """Write ``src`` (or ``value``) into ``input`` at ``index`` along ``dim``.

    For ``dim=0``: ``out[index[i][j]][j] = src[i][j]``. ``index`` has as many dimensions as
    ``input`` and ``src``, ``index.shape[d] <= src.shape[d]`` for all ``d`` and
    ``<= input.shape[d]`` for ``d != dim``; only the leading ``index.shape`` block of ``src``
    is used. With ``reduce='add'`` or ``'multiply'`` the values are combined with ``input``
    instead of replacing it. Without ``reduce``, which of several values written to the same
    position wins is unspecified (as in PyTorch).

    Unlike PyTorch (which has no derivative for ``scatter``), the result is differentiable in
    ``input`` and ``src``; ``'multiply'`` uses :func:`scatter_reduce`'s ``'prod'`` derivative.

    Args:
        input: Destination array.
        dim: The axis to scatter along (negative counts from the end).
        index: Integer array of positions along ``dim``.
        src: Array of values with ``input``'s dtype, or a Python scalar (same as ``value``).
        value: Python scalar or 0-d array written at every indexed position.
        reduce: None, ``'add'`` or ``'multiply'``.

    Returns:
        An array of ``input``'s shape and dtype.

    Raises:
        ArgumentTypeError: If neither or both of ``src`` and ``value`` are given.
        InvalidArgumentError: If ``reduce`` is not None, 'add' or 'multiply'.
        IndexOutOfRangeError: If ``dim`` or a concrete index is out of range (under ``jit`` an
            out-of-range write is dropped).
        ShapeError: If the ranks or sizes do not fit.
        DTypeError: If ``index`` is not integer or ``src``'s dtype differs from ``input``'s.

    Example:
        >>> import jax.numpy as jnp
        >>> scatter(jnp.zeros(4), 0, jnp.array([3, 0]), jnp.array([1.0, 2.0]))
        Array([2., 0., 0., 1.], dtype=float32)
        >>> scatter(jnp.ones(3), 0, jnp.array([1, 1]), value=2.0, reduce="multiply")
        Array([1., 4., 1.], dtype=float32)
    """
    if (src is None) == (value is None):
        raise ArgumentTypeError("scatter: expected exactly one of 'src' and 'value'")
    if reduce not in (None, "add", "multiply"):
        raise InvalidArgumentError(
            f"scatter: reduce must be None, 'add' or 'multiply', got {reduce!r}"
        )
    if src is None or isinstance(src, _SCALARS):
        src = _Fill(value if src is None else src)
    x, d, idx, s = _scatter_args("scatter", input, dim, index, src)
    ix = _axis_indices(idx, d)
    shape = jnp.shape(input)
    if reduce is None:
        return x.at[ix].set(s, **_DROP).reshape(shape)
    kind = "sum" if reduce == "add" else "prod"
    return _reduce("scatter", kind, True, x, ix, s).reshape(shape)


@boundary("scatter_add")
def scatter_add(input: ArrayLike, dim: int, index: ArrayLike, src: ArrayLike) -> jax.Array:
    """Add ``src`` into ``input`` at ``index`` along ``dim`` (duplicates accumulate).

    Same as ``scatter_reduce(input, dim, index, src, "sum")``; see :func:`scatter` for the
    shape rules.

    Args:
        input: Destination array.
        dim: The axis to scatter along.
        index: Integer array of positions along ``dim``.
        src: Values to add, with ``input``'s dtype.

    Returns:
        An array of ``input``'s shape and dtype.

    Raises:
        IndexOutOfRangeError: If ``dim`` or a concrete index is out of range.
        ShapeError: If the ranks or sizes do not fit.
        DTypeError: If ``index`` is not integer or ``src``'s dtype differs from ``input``'s.

    Example:
        >>> import jax.numpy as jnp
        >>> scatter_add(jnp.zeros(3), 0, jnp.array([0, 0, 2]), jnp.array([1.0, 2.0, 3.0]))
        Array([3., 0., 3.], dtype=float32)
    """
    if isinstance(src, _SCALARS):
        raise ArgumentTypeError(f"scatter_add: 'src' must be an array, got {type(src).__name__}")
    x, d, idx, s = _scatter_args("scatter_add", input, dim, index, src)
    out = _reduce("scatter_add", "sum", True, x, _axis_indices(idx, d), s)
    return out.reshape(jnp.shape(input))


@boundary("scatter_reduce")
def scatter_reduce(
    input: ArrayLike,
    dim: int,
    index: ArrayLike,
    src: ArrayLike,
    reduce: str,
    include_self: bool = True,
) -> jax.Array:
    """Reduce the values of ``src`` scattered to each position of ``input`` along ``dim``.

    For ``dim=0``, ``out[i][j]`` reduces ``{src[k][j] : index[k][j] == i}``, plus
    ``input[i][j]`` when ``include_self``; positions no index points to keep ``input``.
    ``'mean'`` divides by the number of values reduced (counting ``input`` when
    ``include_self``), rounding down for integer dtypes. Shape rules as in :func:`scatter`.

    Gradients (w.r.t. ``input`` and ``src``) are PyTorch's: ``'prod'`` gives each factor the
    product of the others (exact with zeros); ``'amax'``/``'amin'`` split the gradient evenly
    among all values equal to the result. As in PyTorch, with ``include_self=False`` an
    ``input`` value equal to the result still counts among those ties (and itself gets 0), so
    ``src``'s share is halved in that case.

    Args:
        input: Destination array (not bool).
        dim: The axis to scatter along.
        index: Integer array of positions along ``dim``.
        src: Values to reduce, with ``input``'s dtype.
        reduce: One of ``'sum'``, ``'prod'``, ``'mean'``, ``'amax'``, ``'amin'``.
        include_self: Whether ``input``'s values at the scattered positions take part.

    Returns:
        An array of ``input``'s shape and dtype.

    Raises:
        InvalidArgumentError: If ``reduce`` is not one of the five.
        IndexOutOfRangeError: If ``dim`` or a concrete index is out of range (under ``jit``
            out-of-range values are dropped).
        ShapeError: If the ranks or sizes do not fit.
        DTypeError: If ``index`` is not integer, ``src``'s dtype differs from ``input``'s, or
            ``input`` is bool.

    Example:
        >>> import jax.numpy as jnp
        >>> x, idx = jnp.array([1.0, 2.0]), jnp.array([0, 0, 1])
        >>> scatter_reduce(x, 0, idx, jnp.array([5.0, 3.0, 1.0]), "amax", include_self=False)
        Array([5., 1.], dtype=float32)
        >>> scatter_reduce(x, 0, idx, jnp.array([5.0, 3.0, 1.0]), "mean")
        Array([3. , 1.5], dtype=float32)
    """
    if reduce not in _SCATTER_REDUCES:
        raise InvalidArgumentError(
            f"scatter_reduce: reduce must be one of {', '.join(map(repr, _SCATTER_REDUCES))}, "
            f"got {reduce!r}"
        )
    if isinstance(src, _SCALARS):
        raise ArgumentTypeError(f"scatter_reduce: 'src' must be an array, got {type(src).__name__}")
    x, d, idx, s = _scatter_args("scatter_reduce", input, dim, index, src)
    out = _reduce("scatter_reduce", reduce, bool(include_self), x, _axis_indices(idx, d), s)
    return out.reshape(jnp.shape(input))


# --------------------------------------------------------------------------- index_* ops


def _index_args(
    op: str, input: ArrayLike, dim: int, index: ArrayLike
) -> tuple[jax.Array, int, jax.Array]:
    """Validate an index_* op; return ``input`` (at least 1-D), ``dim`` and a 1-D index."""
    x = as_array(op, "input", input)
    idx = _as_vector_index(op, _index(op, "index", index))
    d = normalize_dim(op, dim, x.ndim)
    x1 = jnp.atleast_1d(x)
    check_index_bounds(op, idx, x1.shape[d], d)
    return x1, d, idx


def _source(
    op: str, x: jax.Array, d: int, idx: jax.Array, source: ArrayLike, shape: tuple[int, ...]
) -> jax.Array:
    s = as_array(op, "source", source)
    _check_same_dtype(op, "source", x, s)
    expected = list(x.shape)
    expected[d] = idx.shape[0]
    s1 = jnp.atleast_1d(s)
    if s1.shape != tuple(expected):
        raise ShapeError(
            f"{op}: source shape {_shape(s.shape)} does not match input shape {_shape(shape)} "
            f"with dimension {d} replaced by the number of indices ({idx.shape[0]})"
        )
    return s1


def _slices(d: int, idx: jax.Array) -> tuple[Any, ...]:
    return (slice(None),) * d + (idx,)


@boundary("index_select")
def index_select(input: ArrayLike, dim: int, index: ArrayLike) -> jax.Array:
    """Select the entries of ``input`` at ``index`` along ``dim``.

    Args:
        input: Source array.
        dim: The axis to index along.
        index: 1-D or 0-d integer array (a 0-d index counts as one index).

    Returns:
        An array shaped like ``input`` with ``shape[dim] = len(index)`` (a 0-d input gives a
        0-d output and needs exactly one index).

    Raises:
        IndexOutOfRangeError: If ``dim`` or a concrete index is out of range (under ``jit`` an
            out-of-range index reads the fill value, NaN for floats).
        ShapeError: If ``index`` has more than one dimension, or a 0-d ``input`` gets more
            than one index.
        DTypeError: If ``index`` is not an integer array.

    Example:
        >>> import jax.numpy as jnp
        >>> index_select(jnp.array([[1, 2], [3, 4]]), 1, jnp.array([1, 1, 0]))
        Array([[2, 2, 1],
               [4, 4, 3]], dtype=int32)
    """
    x1, d, idx = _index_args("index_select", input, dim, index)
    if jnp.ndim(input) == 0 and idx.shape[0] != 1:
        raise ShapeError(f"index_select: a 0-d input takes exactly one index, got {idx.shape[0]}")
    out_shape = x1.shape[:d] + idx.shape + x1.shape[d + 1 :]
    return _read(x1, _slices(d, idx), out_shape).reshape(out_shape if jnp.ndim(input) else ())


@boundary("index_add")
def index_add(
    input: ArrayLike, dim: int, index: ArrayLike, source: ArrayLike, alpha: Scalar = 1
) -> jax.Array:
    """Add ``alpha * source`` into ``input`` at ``index`` along ``dim`` (duplicates accumulate).

    ``out[..., index[i], ...] += alpha * source[..., i, ...]`` with ``i`` on axis ``dim``.

    Args:
        input: Destination array.
        dim: The axis to index along.
        index: 1-D or 0-d integer array.
        source: Array with ``input``'s dtype and shape, except ``len(index)`` along ``dim``.
        alpha: Scalar multiplier of ``source`` (not a float for integer ``input``).

    Returns:
        An array of ``input``'s shape and dtype.

    Raises:
        IndexOutOfRangeError: If ``dim`` or a concrete index is out of range (under ``jit`` an
            out-of-range addition is dropped).
        ShapeError: If ``index`` is not 1-D/0-d or ``source`` has the wrong shape.
        DTypeError: If ``index`` is not integer, ``source``'s dtype differs, or ``alpha`` is a
            float for an integer ``input``.

    Example:
        >>> import jax.numpy as jnp
        >>> index_add(jnp.zeros(3), 0, jnp.array([0, 0, 2]), jnp.array([1.0, 2.0, 3.0]), alpha=2)
        Array([6., 0., 6.], dtype=float32)
    """
    x, d, idx = _index_args("index_add", input, dim, index)
    s = _source("index_add", x, d, idx, source, jnp.shape(input))
    if _dtypes.category(x.dtype) < 2 and isinstance(alpha, (float, complex)):
        raise DTypeError(
            f"index_add: alpha must not be a floating point number for an input of dtype "
            f"{np.dtype(x.dtype).name}, got {alpha}"
        )
    if alpha != 1:
        s = s * jnp.asarray(alpha, dtype=x.dtype)
    return x.at[_slices(d, idx)].add(s, **_DROP).reshape(jnp.shape(input))


@boundary("index_copy")
def index_copy(input: ArrayLike, dim: int, index: ArrayLike, source: ArrayLike) -> jax.Array:
    """Copy the slices of ``source`` into ``input`` at ``index`` along ``dim``.

    ``out[..., index[i], ...] = source[..., i, ...]``. With duplicate indices which slice wins
    is unspecified (as in PyTorch).

    Args:
        input: Destination array.
        dim: The axis to index along.
        index: 1-D or 0-d integer array.
        source: Array with ``input``'s dtype and shape, except ``len(index)`` along ``dim``.

    Returns:
        An array of ``input``'s shape and dtype.

    Raises:
        IndexOutOfRangeError: If ``dim`` or a concrete index is out of range (under ``jit`` an
            out-of-range copy is dropped).
        ShapeError: If ``index`` is not 1-D/0-d or ``source`` has the wrong shape.
        DTypeError: If ``index`` is not integer or ``source``'s dtype differs.

    Example:
        >>> import jax.numpy as jnp
        >>> index_copy(jnp.zeros((3, 2)), 0, jnp.array([2]), jnp.array([[1.0, 2.0]]))
        Array([[0., 0.],
               [0., 0.],
               [1., 2.]], dtype=float32)
    """
    x, d, idx = _index_args("index_copy", input, dim, index)
    s = _source("index_copy", x, d, idx, source, jnp.shape(input))
    return x.at[_slices(d, idx)].set(s, **_DROP).reshape(jnp.shape(input))


@boundary("index_fill")
def index_fill(input: ArrayLike, dim: int, index: ArrayLike, value: ArrayLike) -> jax.Array:
    """Fill the slices of ``input`` at ``index`` along ``dim`` with ``value``.

    Unlike PyTorch, whose ``index_fill`` wraps negative indices, a negative index is out of
    range here, as in every other index op of this module.

    Args:
        input: Destination array.
        dim: The axis to index along.
        index: 1-D or 0-d integer array.
        value: Python scalar or 0-d array, converted to ``input``'s dtype.

    Returns:
        An array of ``input``'s shape and dtype.

    Raises:
        IndexOutOfRangeError: If ``dim`` or a concrete index is out of range (under ``jit`` the
            write is dropped).
        ShapeError: If ``index`` is not 1-D/0-d or ``value`` is not 0-d.
        DTypeError: If ``index`` is not integer.

    Example:
        >>> import jax.numpy as jnp
        >>> index_fill(jnp.zeros((2, 3)), 1, jnp.array([0, 2]), -1.0)
        Array([[-1.,  0., -1.],
               [-1.,  0., -1.]], dtype=float32)
    """
    x, d, idx = _index_args("index_fill", input, dim, index)
    v = _value("index_fill", value, np.dtype(x.dtype))
    return x.at[_slices(d, idx)].set(v, **_DROP).reshape(jnp.shape(input))


_INDEX_REDUCES = ("prod", "mean", "amax", "amin")


@boundary("index_reduce")
def index_reduce(
    input: ArrayLike,
    dim: int,
    index: ArrayLike,
    source: ArrayLike,
    reduce: str,
    include_self: bool = True,
) -> jax.Array:
    """Reduce the slices of ``source`` into ``input`` at ``index`` along ``dim``.

    ``out[..., index[i], ...]`` reduces ``source[..., i, ...]`` for every ``i`` pointing there,
    plus ``input``'s own slice when ``include_self``; slices no index points to keep ``input``.
    ``'mean'`` divides by the number of values reduced (rounding down for integer dtypes).
    Gradients are PyTorch's, as for :func:`scatter_reduce` (the same reduction, one index per
    slice instead of per element).

    Args:
        input: Destination array (not bool).
        dim: The axis to index along.
        index: 1-D or 0-d integer array.
        source: Array with ``input``'s dtype and shape, except ``len(index)`` along ``dim``.
        reduce: One of ``'prod'``, ``'mean'``, ``'amax'``, ``'amin'``.
        include_self: Whether ``input``'s slices at the indexed positions take part.

    Returns:
        An array of ``input``'s shape and dtype.

    Raises:
        InvalidArgumentError: If ``reduce`` is not one of the four.
        IndexOutOfRangeError: If ``dim`` or a concrete index is out of range (under ``jit`` an
            out-of-range slice is dropped).
        ShapeError: If ``index`` is not 1-D/0-d or ``source`` has the wrong shape.
        DTypeError: If ``index`` is not integer, ``source``'s dtype differs, or ``input`` is
            bool.

    Example:
        >>> import jax.numpy as jnp
        >>> x, idx = jnp.array([1.0, 2.0]), jnp.array([0, 0, 1])
        >>> index_reduce(x, 0, idx, jnp.array([5.0, 3.0, 4.0]), "amax", include_self=False)
        Array([5., 4.], dtype=float32)
    """
    if reduce not in _INDEX_REDUCES:
        raise InvalidArgumentError(
            f"index_reduce: reduce must be one of {', '.join(map(repr, _INDEX_REDUCES))}, "
            f"got {reduce!r}"
        )
    x, d, idx = _index_args("index_reduce", input, dim, index)
    s = _source("index_reduce", x, d, idx, source, jnp.shape(input))
    # one index per element of source (as scatter_reduce): index arrays, no slices
    full = jnp.broadcast_to(idx.reshape([-1 if k == d else 1 for k in range(s.ndim)]), s.shape)
    out = _reduce("index_reduce", reduce, bool(include_self), x, _axis_indices(full, d), s)
    return out.reshape(jnp.shape(input))


# --------------------------------------------------------------------------- take


@boundary("take")
def take(input: ArrayLike, index: ArrayLike) -> jax.Array:
    """Elements of ``input`` viewed as 1-D, at ``index``.

    As in PyTorch, negative indices count from the end: valid indices are ``-n <= i < n`` for
    ``n = input.size``.

    Args:
        input: Source array (read in row-major order).
        index: Integer array of any shape.

    Returns:
        An array of ``index``'s shape with ``input``'s dtype.

    Raises:
        IndexOutOfRangeError: If a concrete index is outside ``[-n, n)`` (under ``jit`` it reads
            the fill value, NaN for floats).
        DTypeError: If ``index`` is not an integer array.

    Example:
        >>> import jax.numpy as jnp
        >>> take(jnp.array([[1, 2], [3, 4]]), jnp.array([[0, -1]]))
        Array([[1, 4]], dtype=int32)
    """
    x = as_array("take", "input", input).reshape(-1)
    idx = _index("take", "index", index)
    n = x.shape[0]
    _check_flat_range("take", idx, n)
    if np.issubdtype(np.dtype(idx.dtype), np.signedinteger):
        idx = jnp.where(idx < 0, idx + n, idx)
    return _read(x, (idx,), idx.shape)


def _check_flat_range(op: str, idx: jax.Array, n: int) -> None:
    if not is_tracer(idx) and idx.size:
        values = np.asarray(idx)
        bad = values[(values < -n) | (values >= n)]
        if bad.size:
            raise IndexOutOfRangeError(
                f"{op}: index {int(bad[0])} is out of range for an input of {n} elements "
                f"(expected {-n} <= index < {n})"
            )


@boundary("put")
def put(
    input: ArrayLike, index: ArrayLike, source: ArrayLike, accumulate: bool = False
) -> jax.Array:
    """``input`` viewed as 1-D with the elements at ``index`` replaced by (or added to) ``source``.

    PyTorch's ``torch.put`` / ``Tensor.put_``, the inverse of :func:`take`: negative indices
    count from the end. With ``accumulate=False`` and repeated indices one of the values wins
    (which one is unspecified, as in PyTorch); with ``accumulate=True`` they all add up.

    Args:
        input: Destination array of any shape (addressed in row-major order).
        index: Integer array of any shape.
        source: Values, with as many elements as ``index`` and ``input``'s dtype.
        accumulate: Add ``source`` to the elements instead of replacing them.

    Returns:
        An array of ``input``'s shape and dtype.

    Raises:
        ShapeError: If ``source`` and ``index`` have different numbers of elements.
        DTypeError: If ``index`` is not an integer array, or ``source``'s dtype is not
            ``input``'s.
        IndexOutOfRangeError: If a concrete index is outside ``[-n, n)`` (under ``jit`` an
            out-of-range update is dropped).

    Example:
        >>> import jax.numpy as jnp
        >>> put(jnp.zeros((2, 2)), jnp.array([0, -1]), jnp.array([5.0, 7.0]))
        Array([[5., 0.],
               [0., 7.]], dtype=float32)
    """
    x = as_array("put", "input", input)
    idx = _index("put", "index", index).reshape(-1)
    src = as_array("put", "source", source)
    if src.size != idx.size:
        raise ShapeError(
            f"put: expected source to have as many elements as index ({idx.size}), got "
            f"{src.size} (source shape {_shape(src.shape)}, index shape "
            f"{_shape(jnp.shape(index))})"
        )
    _check_same_dtype("put", "source", x, src)
    flat = x.reshape(-1)
    n = flat.shape[0]
    _check_flat_range("put", idx, n)
    if np.issubdtype(np.dtype(idx.dtype), np.signedinteger):
        idx = jnp.where(idx < 0, idx + n, idx)
    at = flat.at[idx]
    out = at.add(src.reshape(-1), **_DROP) if accumulate else at.set(src.reshape(-1), **_DROP)
    return out.reshape(x.shape)


@boundary("take_along_dim")
def take_along_dim(input: ArrayLike, indices: ArrayLike, dim: int | None = None) -> jax.Array:
    """Gather from ``input`` along ``dim`` at ``indices``, broadcasting the other dimensions.

    With ``dim=None`` both arrays are flattened (``take`` without negative indices). With a
    ``dim``, ``input`` and ``indices`` have the same number of dimensions and broadcast on every
    dimension but ``dim``; the result is :func:`gather` on the broadcast arrays. Negative indices
    are out of range (PyTorch happens to wrap them when ``dim`` is given, and rejects them when
    it is not; this op rejects them in both cases).

    Args:
        input: Source array.
        indices: Integer array of positions along ``dim``.
        dim: The axis to index along, or None for the flattened arrays.

    Returns:
        With ``dim``: the broadcast shape, with ``indices.shape[dim]`` at ``dim``. Without:
        a 1-D array of ``indices.size`` elements. ``input``'s dtype.

    Raises:
        IndexOutOfRangeError: If ``dim`` or a concrete index is out of range (under ``jit`` it
            reads the fill value, NaN for floats).
        ShapeError: If the ranks differ or the shapes do not broadcast.
        DTypeError: If ``indices`` is not an integer array.

    Example:
        >>> import jax.numpy as jnp
        >>> x = jnp.array([[10.0, 30.0, 20.0], [60.0, 40.0, 50.0]])
        >>> take_along_dim(x, jnp.array([[1], [0]]), dim=1)
        Array([[30.],
               [60.]], dtype=float32)
    """
    x = as_array("take_along_dim", "input", input)
    idx = _index("take_along_dim", "indices", indices)
    if dim is None:
        return gather(x.reshape(-1), 0, idx.reshape(-1))
    d = normalize_dim("take_along_dim", dim, x.ndim)
    if max(x.ndim, 1) != max(idx.ndim, 1):
        raise ShapeError(
            f"take_along_dim: input and indices must have the same number of dimensions, got "
            f"{x.ndim} for input (shape {_shape(x.shape)}) and {idx.ndim} for indices "
            f"(shape {_shape(idx.shape)})"
        )
    x1, i1 = jnp.atleast_1d(x), jnp.atleast_1d(idx)
    xs, js = list(x1.shape), list(i1.shape)
    xs[d] = js[d] = 1
    common = _broadcast_shapes("take_along_dim", ("input", "indices"), tuple(xs), tuple(js))
    x_shape = (*common[:d], x1.shape[d], *common[d + 1 :])
    i_shape = (*common[:d], i1.shape[d], *common[d + 1 :])
    out = gather(jnp.broadcast_to(x1, x_shape), d, jnp.broadcast_to(i1, i_shape))
    return out if x.ndim else out.reshape(idx.shape)


# --------------------------------------------------------------------------- masked_scatter, index_put


@boundary("masked_scatter")
def masked_scatter(input: ArrayLike, mask: ArrayLike, source: ArrayLike) -> jax.Array:
    """Copy ``source``'s elements, in order, into the positions where ``mask`` is True.

    ``mask`` broadcasts with ``input``; the k-th True position (row-major) takes
    ``source.reshape(-1)[k]``. Gradients flow to ``input`` (where the mask is False) and to
    the used elements of ``source``.

    Args:
        input: The array to copy into.
        mask: A bool array broadcastable with ``input``.
        source: An array of ``input``'s dtype with at least as many elements as True positions.

    Returns:
        An array of the broadcast shape and ``input``'s dtype.

    Raises:
        DTypeError: If ``mask`` is not bool or ``source``'s dtype differs from ``input``'s.
        ShapeError: If the shapes do not broadcast, or (when concrete) ``source`` has fewer
            elements than ``mask`` has True values.
        ArgumentTypeError: If an argument is not an array.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> x = jnp.zeros(4)
        >>> ops.masked_scatter(x, jnp.array([True, False, True, False]), jnp.array([1.0, 2.0])).tolist()
        [1.0, 0.0, 2.0, 0.0]
    """
    x = as_array("masked_scatter", "input", input)
    m = _mask("masked_scatter", "mask", mask)
    src = as_array("masked_scatter", "source", source)
    if src.dtype != x.dtype:
        raise DTypeError(
            f"masked_scatter: expected input and source to have the same dtype, got "
            f"{np.dtype(x.dtype).name} and {np.dtype(src.dtype).name}"
        )
    shape = _broadcast_shapes("masked_scatter", ("input", "mask"), x.shape, m.shape)
    x, m = jnp.broadcast_to(x, shape), jnp.broadcast_to(m, shape)
    flat = m.reshape(-1)
    if not is_tracer(m):
        count = int(np.count_nonzero(np.asarray(flat)))
        if count > src.size:
            raise ShapeError(
                f"masked_scatter: expected source to have at least {count} elements (the True "
                f"values of mask), got {src.size}"
            )
    if src.size == 0:
        return x
    pos = jnp.clip(jnp.cumsum(flat.astype(_dtypes.INDEX)) - 1, 0, src.size - 1)
    picked = jnp.take(src.reshape(-1), pos).reshape(shape)
    return jnp.where(m, picked, x)


def _put_indices(op: str, x: jax.Array, indices: Any) -> tuple[jax.Array, ...]:
    if not isinstance(indices, (list, tuple)):
        raise ArgumentTypeError(
            f"{op}: indices must be a tuple of index arrays, got {type(indices).__name__}"
        )
    out: list[jax.Array] = []
    for k, index in enumerate(indices):
        idx = as_array(op, f"indices[{k}]", index)
        if idx.dtype == np.bool_:
            if is_tracer(idx):
                raise TracingError(
                    f"{op}: a bool mask index selects a number of elements that depends on its "
                    "values, unknown under jax.jit; pass integer indices"
                )
            dims = len(out)
            if x.shape[dims : dims + idx.ndim] != idx.shape:
                raise ShapeError(
                    f"{op}: the mask of shape {idx.shape} does not match the indexed "
                    f"dimensions {x.shape[dims : dims + idx.ndim]} of input {x.shape}"
                )
            out.extend(jnp.asarray(a, _dtypes.INDEX) for a in np.nonzero(np.asarray(idx)))
            continue
        require_integer(op, f"indices[{k}]", idx)
        out.append(idx)
    if len(out) > x.ndim:
        raise IndexOutOfRangeError(
            f"{op}: too many indices ({len(out)}) for an array of {x.ndim} dimension(s)"
        )
    for d, idx in enumerate(out):
        if not is_tracer(idx) and idx.size:
            arr = np.asarray(idx)
            size = x.shape[d]
            bad = arr[(arr < -size) | (arr >= size)]
            if bad.size:
                raise IndexOutOfRangeError(
                    f"{op}: index {bad.reshape(-1)[0]} is out of bounds for dimension {d} with "
                    f"size {size}"
                )
    return tuple(out)


@boundary("index_put")
def index_put(
    input: ArrayLike, indices: Any, values: ArrayLike, accumulate: bool = False
) -> jax.Array:
    """``input[indices] = values`` (or ``+= values`` with ``accumulate``) out of place.

    As ``Tensor.index_put``: ``indices`` is a tuple of integer arrays (broadcast together,
    indexing the leading dimensions; negative indices count from the end) or bool masks
    (eager only). With ``accumulate`` repeated indices add up; without it, which of the
    repeated writes wins is unspecified (as torch).

    Args:
        input: The array.
        indices: A tuple of index arrays.
        values: The values, broadcast to the indexed shape; an array must have ``input``'s
            dtype (a Python number is converted).
        accumulate: Add instead of replacing.

    Returns:
        An array shaped like ``input``.

    Raises:
        DTypeError: For floating indices, or values of another dtype.
        IndexOutOfRangeError: For (concrete) out-of-range indices, or too many of them.
        TracingError: For a bool mask index under ``jax.jit``.
        ShapeError: If the values do not broadcast to the indexed shape.
        ArgumentTypeError: If an argument has the wrong type.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.index_put(jnp.zeros(3), (jnp.array([0, 0, 2]),), jnp.array(1.0), True).tolist()
        [2.0, 0.0, 1.0]
    """
    x = as_array("index_put", "input", input)
    idx = _put_indices("index_put", x, indices)
    if isinstance(values, _SCALARS):
        v = _value("index_put", values, np.dtype(x.dtype))
    else:
        v = as_array("index_put", "values", values)
        if v.dtype != x.dtype and not (v.ndim == 0 and v.aval.weak_type):
            raise DTypeError(
                f"index_put: values must have the dtype of input ({np.dtype(x.dtype).name}), "
                f"got {np.dtype(v.dtype).name}"
            )
        v = v.astype(x.dtype)
    ref = x.at[idx]
    try:
        target = jax.eval_shape(lambda a: a[idx], jax.ShapeDtypeStruct(x.shape, x.dtype)).shape
        v = jnp.broadcast_to(v, target)
    except ValueError as exc:
        raise ShapeError(
            f"index_put: values of shape {v.shape} cannot be broadcast to the indexed shape "
            f"{target}"
        ) from exc
    return ref.add(v, mode="drop") if accumulate else ref.set(v, mode="drop")


@boundary("fill_diagonal")
def fill_diagonal(input: ArrayLike, fill_value: ArrayLike, wrap: bool = False) -> jax.Array:
    """Set the main diagonal to ``fill_value`` (``Tensor.fill_diagonal_``, out of place).

    For 2-D input the diagonal is ``input[i, i]``; with ``wrap`` a tall matrix's diagonal
    restarts below every square block (after a gap row), as torch and NumPy. Inputs of more
    than 2 dimensions must have all dimensions equal.

    Args:
        input: An array of at least 2 dimensions.
        fill_value: A number or 0-d array, converted to ``input``'s dtype.
        wrap: Continue the diagonal below a tall matrix's first square block.

    Returns:
        An array shaped like ``input``.

    Raises:
        ShapeError: For fewer than 2 dimensions, or unequal dimensions beyond 2-D.
        ArgumentTypeError: If an argument is not an array or a number.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.fill_diagonal(jnp.zeros((2, 2)), 5.0).tolist()
        [[5.0, 0.0], [0.0, 5.0]]
    """
    x = as_array("fill_diagonal", "input", input)
    if x.ndim < 2:
        raise ShapeError(f"fill_diagonal: dimensions must be larger than 1, got shape {x.shape}")
    if x.ndim > 2 and len(set(x.shape)) != 1:
        raise ShapeError(
            f"fill_diagonal: all dimensions of input must be of equal length, got {x.shape}"
        )
    v = _value("fill_diagonal", fill_value, np.dtype(x.dtype))
    if x.ndim == 2:
        rows, cols = x.shape
        step = cols + 1
        end = x.size if wrap or rows <= cols else cols * cols
    else:
        step = 1 + sum(int(np.prod(x.shape[k + 1 :])) for k in range(x.ndim - 1))
        end = x.size
    positions = np.arange(0, min(end, x.size), step)
    return x.reshape(-1).at[jnp.asarray(positions, _dtypes.INDEX)].set(v).reshape(x.shape)
