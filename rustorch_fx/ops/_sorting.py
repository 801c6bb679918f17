"""Sorting, selection and order statistics: sort, topk, kthvalue, median, mode, quantile, unique.

Every sort here is stable (equal elements keep their input order), and NaN sorts as larger
than every number, as in PyTorch. Index outputs are ``int32`` in both of JAX's modes (PyTorch:
``int64``). Operations whose output size depends on the data (``unique``, ``unique_consecutive``,
``bincount``) work eagerly; under ``jax.jit`` they need a static ``size=``/``length=`` argument
and raise :class:`~rustorch_fx.errors.TracingError` without one.
"""

from __future__ import annotations

import builtins
import functools
import math
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from rustorch_fx import _dtypes
from rustorch_fx._boundary import boundary
from rustorch_fx._checks import (
    as_array,
    check_index_bounds,
    is_tracer,
    normalize_dim,
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
    "SortResult",
    "TopKResult",
    "KthvalueResult",
    "MedianResult",
    "ModeResult",
    "sort",
    "argsort",
    "msort",
    "topk",
    "kthvalue",
    "median",
    "nanmedian",
    "mode",
    "quantile",
    "nanquantile",
    "unique",
    "unique_consecutive",
    "bincount",
    "searchsorted",
    "histc",
    "HistogramResult",
    "HistogramddResult",
    "histogram",
    "histogramdd",
]

ArrayLike = Any


class SortResult(NamedTuple):
    """Result of :func:`sort`: the sorted ``values`` and their ``indices`` in the input."""

    values: jax.Array
    indices: jax.Array


class TopKResult(NamedTuple):
    """Result of :func:`topk`: the ``k`` selected ``values`` and their ``indices``."""

    values: jax.Array
    indices: jax.Array


class KthvalueResult(NamedTuple):
    """Result of :func:`kthvalue`: the k-th smallest ``values`` and their ``indices``."""

    values: jax.Array
    indices: jax.Array


class MedianResult(NamedTuple):
    """Result of :func:`median` and :func:`nanmedian` with a ``dim``: ``values`` and ``indices``."""

    values: jax.Array
    indices: jax.Array


class ModeResult(NamedTuple):
    """Result of :func:`mode`: the most frequent ``values`` and the ``indices`` of one of each."""

    values: jax.Array
    indices: jax.Array


# ----------------------------------------------------------------------------------------------
# private helpers


def _sortable(op: str, x: ArrayLike, name: str = "input") -> jax.Array:
    x = as_array(op, name, x)
    if _dtypes.category(x.dtype) == 3:
        raise DTypeError(f"{op}: sorting is not defined for complex dtypes, got {x.dtype.name}")
    return x


def _int_arg(op: str, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ArgumentTypeError(
            f"{op}: argument '{name}' must be an int, got {type(value).__name__}"
        )
    return int(value)


@functools.partial(jax.jit, static_argnums=(1, 2))
def _sort_pair(x: jax.Array, axis: int, descending: bool) -> tuple[jax.Array, jax.Array]:
    """Stable sort of ``x`` along ``axis``: (values, int32 indices). NaN is the largest value.

    Descending order keeps equal elements in input order: it is the reverse of an ascending
    stable sort of the reversed array.
    """
    if x.ndim == 0:
        return x, jnp.zeros((), _dtypes.INDEX)
    n = x.shape[axis]
    iota = lax.broadcasted_iota(_dtypes.INDEX, x.shape, axis)
    keys = jnp.flip(x, axis) if descending else x
    values, indices = lax.sort((keys, iota), dimension=axis, is_stable=True, num_keys=1)
    if descending:
        values = jnp.flip(values, axis)
        indices = (n - 1) - jnp.flip(indices, axis)
    return values, indices


def _sort_impl(
    op: str, input: ArrayLike, dim: Any, descending: bool
) -> tuple[jax.Array, jax.Array]:
    x = _sortable(op, input)
    axis = normalize_dim(op, dim, x.ndim)
    return _sort_pair(x, axis, bool(descending))


def _take(x: jax.Array, position: jax.Array, axis: int, keepdim: bool) -> jax.Array:
    """``x`` at ``position`` (shaped like ``x`` without ``axis``, kept as size 1) along ``axis``."""
    picked = jnp.take_along_axis(x, jnp.expand_dims(position, axis), axis=axis)
    return picked if keepdim else jnp.squeeze(picked, axis)


def _reduce_dim(op: str, x: jax.Array, dim: Any) -> tuple[jax.Array, int]:
    """Normalize ``dim``; a 0-d ``x`` becomes shape (1,). Raise if the dim is empty."""
    axis = normalize_dim(op, dim, x.ndim)
    if x.ndim == 0:
        return x.reshape(1), 0
    if x.shape[axis] == 0:
        raise IndexOutOfRangeError(
            f"{op}: expected reduction dim {axis} to have non-zero size, got shape {x.shape}"
        )
    return x, axis


def _restore_0d(result: tuple[jax.Array, jax.Array], was_0d: bool) -> tuple[jax.Array, jax.Array]:
    values, indices = result
    if was_0d:
        return values.reshape(()), indices.reshape(())
    return values, indices


def _nan_equal(a: jax.Array, b: jax.Array) -> jax.Array:
    same = a == b
    if _dtypes.is_inexact(a.dtype):
        same = same | (jnp.isnan(a) & jnp.isnan(b))
    return same


# ----------------------------------------------------------------------------------------------
# sort family


@boundary("sort")
def sort(
    input: ArrayLike, dim: int = -1, descending: bool = False, stable: bool = False
) -> SortResult:
    """Sort ``input`` along ``dim``, returning the values and their original indices.

    The sort is always stable: equal elements keep their input order, in ascending and in
    descending order alike (``stable`` is accepted for PyTorch compatibility). NaN compares
    larger than every number, so it comes last ascending and first descending. ``-0.0`` and
    ``0.0`` are equal. Differentiable with respect to ``values``.

    Args:
        input: Array to sort (bool, integer or floating; not complex).
        dim: Dimension to sort along; negative counts from the end.
        descending: Sort from largest to smallest.
        stable: Accepted for compatibility; sorting is always stable.

    Returns:
        ``SortResult(values, indices)``, both shaped like ``input``; ``indices`` are ``int32``
        positions along ``dim`` such that ``take_along_axis(input, indices, dim) == values``.

    Raises:
        DTypeError: If ``input`` is complex.
        IndexOutOfRangeError: If ``dim`` is out of range.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> values, indices = ops.sort(jnp.array([3.0, 1.0, 2.0, 1.0]), descending=True)
        >>> values.tolist(), indices.tolist()
        ([3.0, 2.0, 1.0, 1.0], [0, 2, 1, 3])
    """
    return SortResult(*_sort_impl("sort", input, dim, descending))


@boundary("argsort")
def argsort(
    input: ArrayLike, dim: int = -1, descending: bool = False, stable: bool = False
) -> jax.Array:
    """Return the indices that sort ``input`` along ``dim`` (stable, like :func:`sort`).

    Args:
        input: Array to sort (bool, integer or floating; not complex).
        dim: Dimension to sort along; negative counts from the end.
        descending: Sort from largest to smallest.
        stable: Accepted for compatibility; sorting is always stable.

    Returns:
        ``int32`` indices shaped like ``input``.

    Raises:
        DTypeError: If ``input`` is complex.
        IndexOutOfRangeError: If ``dim`` is out of range.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.argsort(jnp.array([[2, 0, 1]]), dim=1).tolist()
        [[1, 2, 0]]
    """
    return _sort_impl("argsort", input, dim, descending)[1]


@boundary("msort")
def msort(input: ArrayLike) -> jax.Array:
    """Sort ``input`` along its first dimension, in ascending order; values only.

    Args:
        input: Array to sort (not complex).

    Returns:
        The sorted values, shaped like ``input``.

    Raises:
        DTypeError: If ``input`` is complex.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.msort(jnp.array([[3, 1], [1, 2]])).tolist()
        [[1, 1], [3, 2]]
    """
    return _sort_impl("msort", input, 0, False)[0]


@boundary("topk")
def topk(
    input: ArrayLike, k: int, dim: int = -1, largest: bool = True, sorted: bool = True
) -> TopKResult:
    """Return the ``k`` largest (or smallest) elements of ``input`` along ``dim``.

    NaN counts as the largest value. Among equal values the earlier index is chosen first.
    PyTorch leaves the order of tied indices unspecified (its CPU kernel returns them in an
    order that depends on the algorithm), so indices of ties can differ from PyTorch's while
    the values are identical. The result is always sorted; ``sorted=False`` (order
    unspecified in PyTorch) gives the sorted order too. Differentiable with respect to values.

    Args:
        input: Array to select from (not complex).
        k: How many elements to select, ``0 <= k <= input.shape[dim]``.
        dim: Dimension to select along; negative counts from the end.
        largest: Select the largest elements (``False``: the smallest).
        sorted: Accepted for compatibility; the result is always sorted.

    Returns:
        ``TopKResult(values, indices)``, shaped like ``input`` with ``dim`` of size ``k``.

    Raises:
        ArgumentTypeError: If ``k`` is not an int.
        InvalidArgumentError: If ``k`` is negative or larger than the size of ``dim``.
        IndexOutOfRangeError: If ``dim`` is out of range.
        DTypeError: If ``input`` is complex.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> values, indices = ops.topk(jnp.array([1.0, 5.0, 3.0, 5.0]), 2)
        >>> values.tolist(), indices.tolist()
        ([5.0, 5.0], [1, 3])
    """
    x = _sortable("topk", input)
    k = _int_arg("topk", "k", k)
    axis = normalize_dim("topk", dim, x.ndim)
    size = x.shape[axis] if x.ndim else 1
    if not 0 <= k <= size:
        raise InvalidArgumentError(
            f"topk: selected index k out of range: k ({k}) must be in [0, {size}], "
            f"the size of dimension {axis}"
        )
    values, indices = _sort_pair(x, axis, bool(largest))
    if x.ndim == 0:
        return TopKResult(values, indices)
    return TopKResult(
        lax.slice_in_dim(values, 0, k, axis=axis), lax.slice_in_dim(indices, 0, k, axis=axis)
    )


@boundary("kthvalue")
def kthvalue(input: ArrayLike, k: int, dim: int = -1, keepdim: bool = False) -> KthvalueResult:
    """Return the ``k``-th smallest element (1-based) of ``input`` along ``dim``.

    NaN counts as the largest value. When the k-th value occurs several times, the index is
    one of its occurrences (the one a stable sort puts at position ``k``); PyTorch does not
    specify which. Differentiable with respect to values.

    Args:
        input: Array to select from (not complex).
        k: Rank of the element, ``1 <= k <= input.shape[dim]``.
        dim: Dimension to select along; negative counts from the end.
        keepdim: Keep ``dim`` as a dimension of size 1.

    Returns:
        ``KthvalueResult(values, indices)``, shaped like ``input`` without ``dim`` (size 1
        with ``keepdim``).

    Raises:
        ArgumentTypeError: If ``k`` is not an int.
        InvalidArgumentError: If ``k`` is outside ``[1, input.shape[dim]]``.
        IndexOutOfRangeError: If ``dim`` is out of range.
        DTypeError: If ``input`` is complex.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> values, indices = ops.kthvalue(jnp.array([4.0, 1.0, 3.0]), 2)
        >>> float(values), int(indices)
        (3.0, 2)
    """
    x = _sortable("kthvalue", input)
    k = _int_arg("kthvalue", "k", k)
    axis = normalize_dim("kthvalue", dim, x.ndim)
    was_0d = x.ndim == 0
    if was_0d:
        x = x.reshape(1)
    size = x.shape[axis]
    if not 1 <= k <= size:
        raise InvalidArgumentError(
            f"kthvalue: selected number k out of range for dimension {axis}: "
            f"k ({k}) must be in [1, {size}]"
        )
    values, indices = _sort_pair(x, axis, False)
    position = jnp.full(x.shape[:axis] + x.shape[axis + 1 :], k - 1, _dtypes.INDEX)
    result = (_take(values, position, axis, keepdim), _take(indices, position, axis, keepdim))
    return KthvalueResult(*_restore_0d(result, was_0d))


def _median_impl(op: str, input: ArrayLike, dim: Any, keepdim: bool, ignore_nan: bool) -> Any:
    x = _sortable(op, input)
    if dim is None:
        if keepdim:
            raise InvalidArgumentError(f"{op}: keepdim=True needs a dim, got dim=None")
        flat = x.reshape(-1)
        if flat.size == 0:
            dtype = x.dtype if _dtypes.is_floating(x.dtype) else _dtypes.DEFAULT_FLOAT
            return jnp.full((), jnp.nan, dtype)
        return _median_along(flat, 0, False, ignore_nan)[0]
    was_0d = x.ndim == 0
    x, axis = _reduce_dim(op, x, dim)
    result = _median_along(x, axis, keepdim, ignore_nan)
    return MedianResult(*_restore_0d(result, was_0d))


@functools.partial(jax.jit, static_argnums=(1, 2, 3))
def _median_along(
    x: jax.Array, axis: int, keepdim: bool, ignore_nan: bool
) -> tuple[jax.Array, jax.Array]:
    values, indices = _sort_pair(x, axis, False)
    n = x.shape[axis]
    if _dtypes.is_floating(x.dtype):
        numbers = jnp.sum(~jnp.isnan(x), axis=axis, dtype=_dtypes.INDEX)
    else:
        numbers = jnp.full(x.shape[:axis] + x.shape[axis + 1 :], n, _dtypes.INDEX)
    if ignore_nan:
        # Lower median of the numbers; an all-NaN slice picks its first NaN.
        position = jnp.maximum((numbers - 1) // 2, 0)
    else:
        # A slice holding NaN has median NaN: the first NaN, which sorts right after the numbers.
        position = jnp.where(numbers < n, numbers, (n - 1) // 2)
    return _take(values, position, axis, keepdim), _take(indices, position, axis, keepdim)


@boundary("median")
def median(input: ArrayLike, dim: int | None = None, keepdim: bool = False) -> Any:
    """Return the lower median of ``input``, overall or along ``dim``.

    For an even number of elements this is the lower of the two middle values (PyTorch's
    convention, unlike ``numpy.median``). A slice containing NaN has median NaN (see
    :func:`nanmedian`). Where the median value occurs several times, the index is one of its
    occurrences (PyTorch does not specify which). Differentiable with respect to values.

    Args:
        input: Array (not complex).
        dim: Dimension to reduce; ``None`` reduces every element and returns the value alone.
        keepdim: Keep ``dim`` as a dimension of size 1 (only with a ``dim``).

    Returns:
        With ``dim=None``: the median as a 0-d array (NaN for an empty input). With a ``dim``:
        ``MedianResult(values, indices)``, shaped like ``input`` without ``dim``.

    Raises:
        IndexOutOfRangeError: If ``dim`` is out of range or has size 0.
        InvalidArgumentError: If ``keepdim`` is true without a ``dim``.
        DTypeError: If ``input`` is complex.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> float(ops.median(jnp.array([4.0, 1.0, 3.0, 2.0])))
        2.0
        >>> ops.median(jnp.array([[4.0, 1.0, 3.0]]), dim=1).indices.tolist()
        [2]
    """
    return _median_impl("median", input, dim, keepdim, ignore_nan=False)


@boundary("nanmedian")
def nanmedian(input: ArrayLike, dim: int | None = None, keepdim: bool = False) -> Any:
    """Return the lower median of the non-NaN elements of ``input``, overall or along ``dim``.

    Like :func:`median`, but NaN values are ignored; a slice of NaNs only has median NaN
    (index: its first element).

    Args:
        input: Array (not complex).
        dim: Dimension to reduce; ``None`` reduces every element and returns the value alone.
        keepdim: Keep ``dim`` as a dimension of size 1 (only with a ``dim``).

    Returns:
        With ``dim=None``: the median as a 0-d array. With a ``dim``:
        ``MedianResult(values, indices)``, shaped like ``input`` without ``dim``.

    Raises:
        IndexOutOfRangeError: If ``dim`` is out of range or has size 0.
        InvalidArgumentError: If ``keepdim`` is true without a ``dim``.
        DTypeError: If ``input`` is complex.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> float(ops.nanmedian(jnp.array([4.0, jnp.nan, 1.0])))
        1.0
    """
    return _median_impl("nanmedian", input, dim, keepdim, ignore_nan=True)


@functools.partial(jax.jit, static_argnums=(1,))
def _mode_along(x: jax.Array, axis: int) -> tuple[jax.Array, jax.Array]:
    values, indices = _sort_pair(jnp.moveaxis(x, axis, -1), x.ndim - 1, False)
    last = x.ndim - 1
    pos = lax.broadcasted_iota(_dtypes.INDEX, values.shape, last)
    starts_run = jnp.concatenate(
        [jnp.ones((*values.shape[:-1], 1), bool), ~_nan_equal(values[..., 1:], values[..., :-1])],
        axis=-1,
    )
    run_start = lax.cummax(jnp.where(starts_run, pos, 0), axis=last)
    seen = pos - run_start + 1  # occurrences so far within the run; the run's size at its end
    best = jnp.max(seen, axis=-1, keepdims=True)
    # The first position reaching the best count ends the run of the smallest most frequent
    # value, and within a run the stable sort puts the largest original index last.
    position = jnp.argmax(seen == best, axis=-1).astype(_dtypes.INDEX)
    return _take(values, position, last, False), _take(indices, position, last, False)


@boundary("mode")
def mode(input: ArrayLike, dim: int = -1, keepdim: bool = False) -> ModeResult:
    """Return the most frequent value of ``input`` along ``dim`` and the index of one of them.

    When several values are equally frequent the smallest wins; the index is the last
    occurrence of that value, as PyTorch's CPU kernel gives. NaNs count as equal to each other
    here (PyTorch also reports NaN as the mode of ``[nan, nan, 1]``; the index it picks among
    NaNs can differ from ours).

    Args:
        input: Array (not complex).
        dim: Dimension to reduce; negative counts from the end.
        keepdim: Keep ``dim`` as a dimension of size 1.

    Returns:
        ``ModeResult(values, indices)``, shaped like ``input`` without ``dim``.

    Raises:
        IndexOutOfRangeError: If ``dim`` is out of range or has size 0.
        DTypeError: If ``input`` is complex.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> values, indices = ops.mode(jnp.array([2, 5, 2, 5, 1]))
        >>> int(values), int(indices)
        (2, 2)
    """
    x = _sortable("mode", input)
    was_0d = x.ndim == 0
    x, axis = _reduce_dim("mode", x, dim)
    result = _mode_along(x, axis)
    if keepdim:
        result = tuple(jnp.expand_dims(r, axis) for r in result)
    return ModeResult(*_restore_0d(result, was_0d))


# ----------------------------------------------------------------------------------------------
# quantiles

_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile_q(op: str, q: Any, dtype: np.dtype) -> tuple[jax.Array, bool]:
    """Return q as a 1-D array of ``dtype`` and whether it was a scalar; check concrete values."""
    if isinstance(q, bool):
        raise ArgumentTypeError(f"{op}: q must be a float or an array, got bool")
    qa = as_array(op, "q", q)
    if qa.ndim > 1:
        raise ShapeError(f"{op}: q must be a scalar or 1-D array, got shape {qa.shape}")
    if _dtypes.category(qa.dtype) == 3:
        raise DTypeError(f"{op}: q must be real, got {qa.dtype.name}")
    if not is_tracer(qa):
        values = np.asarray(qa, dtype=np.float64).reshape(-1)
        bad = values[~((values >= 0) & (values <= 1))]
        if bad.size:
            raise InvalidArgumentError(f"{op}: q must be in the range [0, 1] but got {bad[0]}")
    return qa.astype(dtype).reshape(-1), qa.ndim == 0


def _lerp(low: jax.Array, high: jax.Array, weight: jax.Array) -> jax.Array:
    # PyTorch's lerp formula, for bit-identical results: exact at both ends.
    diff = high - low
    return jnp.where(weight < 0.5, low + weight * diff, high - diff * (1 - weight))


def _quantile_impl(
    op: str,
    input: ArrayLike,
    q: Any,
    dim: Any,
    keepdim: bool,
    interpolation: str,
    ignore_nan: bool,
) -> jax.Array:
    x = as_array(op, "input", input)
    if not _dtypes.is_floating(x.dtype):
        raise DTypeError(f"{op}: input must have a floating point dtype, got {x.dtype.name}")
    if interpolation not in _INTERPOLATIONS:
        raise InvalidArgumentError(
            f"{op}: interpolation must be one of linear, lower, higher, midpoint or nearest, "
            f"but got {interpolation!r}"
        )
    qv, scalar_q = _quantile_q(op, q, x.dtype)
    if x.size == 0:
        raise ShapeError(f"{op}: input must be non-empty, got shape {x.shape}")
    axis = None if dim is None else normalize_dim(op, dim, x.ndim)
    # Under jit q cannot be checked: an invalid q (outside [0, 1] or NaN) then gives NaN.
    options = (axis, bool(keepdim), interpolation, ignore_nan, is_tracer(qv))
    result = _quantile_along(x, qv, *options)
    return result[0] if scalar_q else result


@functools.partial(jax.jit, static_argnums=(2, 3, 4, 5, 6))
def _quantile_along(
    x: jax.Array,
    q: jax.Array,
    axis: int | None,
    keepdim: bool,
    interpolation: str,
    ignore_nan: bool,
    mask_bad_q: bool,
) -> jax.Array:
    """Quantiles at each ``q`` (Q,) over ``axis`` (None: all): shape (Q, *reduced shape)."""
    if axis is None:
        out_shape = (1,) * x.ndim if keepdim else ()
        rows = x.reshape(1, -1)
    else:
        moved = jnp.moveaxis(x, axis, -1) if x.ndim else x.reshape(1)
        out_shape = x.shape[:axis] + ((1,) if keepdim and x.ndim else ()) + x.shape[axis + 1 :]
        rows = moved.reshape(-1, moved.shape[-1])
    result = _quantile_rows(rows, q, interpolation, ignore_nan)  # (rows, Q)
    if mask_bad_q:
        result = jnp.where((q >= 0) & (q <= 1), result, jnp.nan)
    return result.T.reshape((q.shape[0], *out_shape))


def _quantile_rows(
    rows: jax.Array, q: jax.Array, interpolation: str, ignore_nan: bool
) -> jax.Array:
    """Quantiles of each row of ``rows`` (R, n) at each ``q`` (Q,): shape (R, Q)."""
    dtype = rows.dtype
    ordered = jnp.sort(rows, axis=-1)
    n = rows.shape[-1]
    nans = jnp.isnan(rows)
    if ignore_nan:
        count = jnp.sum(~nans, axis=-1, keepdims=True).astype(dtype)
        ranks = q[None, :] * (count - 1)
        ranks = jnp.where(ranks < 0, jnp.zeros((), dtype), ranks)
    else:
        last = jnp.asarray(n - 1, dtype)
        ranks = jnp.where(jnp.any(nans, axis=-1, keepdims=True), last, q[None, :] * last)
    if interpolation == "lower":
        ranks = jnp.floor(ranks)
    elif interpolation == "higher":
        ranks = jnp.ceil(ranks)
    elif interpolation == "nearest":
        ranks = jnp.round(ranks)  # half to even, as torch.round
    below = ranks.astype(_dtypes.INDEX)
    low = jnp.take_along_axis(ordered, below, axis=-1)
    if interpolation not in ("linear", "midpoint"):
        return low
    above = jnp.ceil(ranks).astype(_dtypes.INDEX)
    high = jnp.take_along_axis(ordered, above, axis=-1)
    if interpolation == "midpoint":
        weights = jnp.full(ranks.shape, 0.5, dtype)
    else:
        weights = ranks - below.astype(dtype)
    return _lerp(low, high, weights)


@boundary("quantile")
def quantile(
    input: ArrayLike,
    q: ArrayLike,
    dim: int | None = None,
    keepdim: bool = False,
    *,
    interpolation: str = "linear",
) -> jax.Array:
    """Return the ``q``-th quantiles of ``input``, overall or along ``dim``.

    For a slice of ``n`` sorted values the quantile sits at rank ``q * (n - 1)`` (computed in
    the input's dtype, as PyTorch does). When it falls between two values ``i < j``:
    ``linear`` interpolates (PyTorch's ``lerp``), ``lower`` takes ``i``, ``higher`` takes
    ``j``, ``midpoint`` averages them, and ``nearest`` rounds the rank half to even. A slice
    containing NaN gives NaN (see :func:`nanquantile`). Differentiable with respect to
    ``input``.

    Concrete ``q`` values are checked; under ``jax.jit`` a traced ``q`` outside ``[0, 1]``
    (or NaN) cannot raise and gives NaN instead. PyTorch requires float32/float64 inputs;
    every floating dtype is accepted here, computed in that dtype.

    Args:
        input: Floating point array.
        q: A float, or a 0-d or 1-D array of probabilities in ``[0, 1]``.
        dim: Dimension to reduce; ``None`` reduces all elements.
        keepdim: Keep the reduced dimension(s) with size 1.
        interpolation: One of ``"linear"``, ``"lower"``, ``"higher"``, ``"midpoint"``,
            ``"nearest"``.

    Returns:
        The quantiles in ``input``'s dtype: shaped like ``input`` reduced over ``dim`` (every
        dim if ``None``), with a leading dimension of size ``len(q)`` when ``q`` is 1-D.

    Raises:
        DTypeError: If ``input`` is not floating point.
        InvalidArgumentError: If a concrete ``q`` is outside ``[0, 1]`` or NaN, or
            ``interpolation`` is unknown.
        ShapeError: If ``input`` is empty or ``q`` has more than one dimension.
        IndexOutOfRangeError: If ``dim`` is out of range.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> x = jnp.array([[0.0, 1.0, 2.0, 3.0]])
        >>> ops.quantile(x, jnp.array([0.25, 0.5]), dim=1).tolist()
        [[0.75], [1.5]]
        >>> float(ops.quantile(x, 0.5, interpolation="lower"))
        1.0
    """
    return _quantile_impl("quantile", input, q, dim, keepdim, interpolation, ignore_nan=False)


@boundary("nanquantile")
def nanquantile(
    input: ArrayLike,
    q: ArrayLike,
    dim: int | None = None,
    keepdim: bool = False,
    *,
    interpolation: str = "linear",
) -> jax.Array:
    """Return the ``q``-th quantiles of ``input`` ignoring NaN, overall or along ``dim``.

    Like :func:`quantile`, computed over the non-NaN values of each slice (rank
    ``q * (count - 1)``); a slice of NaNs only gives NaN.

    Args:
        input: Floating point array.
        q: A float, or a 0-d or 1-D array of probabilities in ``[0, 1]``.
        dim: Dimension to reduce; ``None`` reduces all elements.
        keepdim: Keep the reduced dimension(s) with size 1.
        interpolation: One of ``"linear"``, ``"lower"``, ``"higher"``, ``"midpoint"``,
            ``"nearest"``.

    Returns:
        The quantiles, shaped as for :func:`quantile`.

    Raises:
        DTypeError: If ``input`` is not floating point.
        InvalidArgumentError: If a concrete ``q`` is outside ``[0, 1]`` or NaN, or
            ``interpolation`` is unknown.
        ShapeError: If ``input`` is empty or ``q`` has more than one dimension.
        IndexOutOfRangeError: If ``dim`` is out of range.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> float(ops.nanquantile(jnp.array([1.0, jnp.nan, 3.0]), 0.5))
        2.0
    """
    return _quantile_impl("nanquantile", input, q, dim, keepdim, interpolation, ignore_nan=True)


# ----------------------------------------------------------------------------------------------
# unique


def _check_size(op: str, size: Any) -> int | None:
    if size is None:
        return None
    size = _int_arg(op, "size", size)
    if size < 0:
        raise InvalidArgumentError(f"{op}: size must be non-negative, got {size}")
    return size


@functools.partial(jax.jit, static_argnums=(1,))
def _unique_runs(rows: jax.Array, sort_first: bool) -> tuple[jax.Array, jax.Array, jax.Array]:
    """Sort the rows (if asked); mark where a new run starts; each input row's run number."""
    n = rows.shape[0]
    if sort_first and n:
        columns = [rows[:, j] for j in reversed(range(rows.shape[1]))]
        perm = jnp.lexsort(columns).astype(_dtypes.INDEX)
        rows = rows[perm]
    else:
        perm = jnp.arange(n, dtype=_dtypes.INDEX)
    # NaN != NaN: every NaN is its own unique value, as in PyTorch.
    new = jnp.concatenate([jnp.ones((min(n, 1),), bool), jnp.any(rows[1:] != rows[:-1], axis=1)])
    group = jnp.cumsum(new, dtype=_dtypes.INDEX) - 1
    inverse = jnp.zeros((n,), _dtypes.INDEX).at[perm].set(group)
    return rows, new, inverse


@functools.partial(jax.jit, static_argnums=(2,))
def _unique_pick(
    rows: jax.Array, new: jax.Array, size: int, fill_value: Any
) -> tuple[jax.Array, jax.Array]:
    """The first ``size`` runs' rows and lengths, padded with ``fill_value`` (count 0)."""
    n = rows.shape[0]
    bounds = jnp.nonzero(new, size=size + 1, fill_value=n)[0].astype(_dtypes.INDEX)
    starts = bounds[:-1]
    counts = bounds[1:] - starts  # padding entries start at n and have length 0
    if n == 0:
        fill = 0 if fill_value is None else fill_value
        return jnp.full((size, rows.shape[1]), fill, rows.dtype), counts
    picked = rows[jnp.minimum(starts, n - 1)]
    fill = picked[:1] if fill_value is None else jnp.asarray(fill_value, rows.dtype)
    return jnp.where((starts < n)[:, None], picked, fill), counts


def _unique_impl(
    op: str,
    input: ArrayLike,
    sort_first: bool,
    return_inverse: bool,
    return_counts: bool,
    dim: Any,
    size: Any,
    fill_value: Any,
) -> Any:
    x = as_array(op, "input", input)
    size = _check_size(op, size)
    if size is None and is_tracer(x):
        raise TracingError(
            f"{op}: the number of unique values depends on the data, so under jax.jit the "
            "output shape is unknown; pass size= (a static int; the output is truncated or "
            "padded with fill_value to that length), or call it outside jit"
        )
    if dim is None:
        rows = x.reshape(-1, 1)
    else:
        if x.ndim == 0:
            raise IndexOutOfRangeError(f"{op}: dim {dim} given for a 0-d input (no dimensions)")
        axis = normalize_dim(op, dim, x.ndim)
        moved = jnp.moveaxis(x, axis, 0)
        if moved.size == 0 and moved.shape[0] != 0:
            raise ShapeError(
                f"{op}: dimensions other than dim {dim} have size 0 (shape {x.shape}), "
                "so the slices along dim cannot be compared"
            )
        rows = moved.reshape(moved.shape[0], int(np.prod(moved.shape[1:])))
    if sort_first and _dtypes.category(x.dtype) == 3:
        raise DTypeError(f"{op}: sorting is not defined for complex dtypes, got {x.dtype.name}")
    rows, new, inverse = _unique_runs(rows, sort_first)
    if size is None:
        size = int(np.count_nonzero(np.asarray(new)))
    picked, counts = _unique_pick(rows, new, size, fill_value)
    if dim is None:
        values = picked[:, 0]
        inverse = inverse.reshape(x.shape)
    else:
        values = jnp.moveaxis(picked.reshape((-1, *moved.shape[1:])), 0, axis)
    outputs = [values]
    if return_inverse:
        outputs.append(inverse)
    if return_counts:
        outputs.append(counts)
    return outputs[0] if len(outputs) == 1 else tuple(outputs)


@boundary("unique")
def unique(
    input: ArrayLike,
    sorted: bool = True,
    return_inverse: bool = False,
    return_counts: bool = False,
    dim: int | None = None,
    *,
    size: int | None = None,
    fill_value: Any = None,
) -> Any:
    """Return the unique elements of ``input`` (or unique slices along ``dim``), sorted.

    NaNs are all distinct, as in PyTorch. The output is always sorted (``sorted=False``, whose
    order PyTorch leaves unspecified, is accepted). Slices along ``dim`` are compared whole
    and sorted lexicographically.

    The output length depends on the data: eagerly it is the number of unique values; under
    ``jax.jit`` pass ``size=`` to get exactly that many entries (the smallest ones when there
    are more; padded with ``fill_value``, default the smallest unique value, with count 0,
    when there are fewer). Inverse indices are unaffected by ``size``.

    Args:
        input: Array.
        sorted: Accepted for compatibility; the output is always sorted.
        return_inverse: Also return, for each element (slice along ``dim``), the index of its
            value in the output.
        return_counts: Also return how many times each unique value occurs.
        dim: Dimension whose slices are compared; ``None`` flattens ``input``.
        size: Static length of the output (required under ``jax.jit``).
        fill_value: Padding value when ``size`` exceeds the number of unique values.

    Returns:
        ``values`` alone, or a tuple ``(values, inverse, counts)`` holding the requested
        outputs in that order. ``values`` is 1-D (with ``dim``: ``input``'s shape with ``dim``
        resized); ``inverse`` (``int32``) is shaped like ``input`` (with ``dim``:
        ``(input.shape[dim],)``); ``counts`` (``int32``) has one entry per output value.

    Raises:
        TracingError: If called under ``jax.jit`` without ``size``.
        IndexOutOfRangeError: If ``dim`` is out of range (or given for a 0-d input).
        ShapeError: If a dimension other than ``dim`` has size 0.
        InvalidArgumentError: If ``size`` is negative.
        DTypeError: If ``input`` is complex.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> values, counts = ops.unique(jnp.array([3, 1, 3, 2]), return_counts=True)
        >>> values.tolist(), counts.tolist()
        ([1, 2, 3], [1, 1, 2])
    """
    return _unique_impl("unique", input, True, return_inverse, return_counts, dim, size, fill_value)


@boundary("unique_consecutive")
def unique_consecutive(
    input: ArrayLike,
    return_inverse: bool = False,
    return_counts: bool = False,
    dim: int | None = None,
    *,
    size: int | None = None,
    fill_value: Any = None,
) -> Any:
    """Collapse each run of consecutive equal elements (or slices along ``dim``) to one.

    NaNs are all distinct, as in PyTorch. As for :func:`unique`, the output length depends on
    the data: under ``jax.jit`` pass ``size=`` (truncating, or padding with ``fill_value``,
    default the first value, with count 0).

    Args:
        input: Array.
        return_inverse: Also return, for each element (slice along ``dim``), the index of its
            run in the output.
        return_counts: Also return the length of each run.
        dim: Dimension whose slices are compared; ``None`` flattens ``input``.
        size: Static length of the output (required under ``jax.jit``).
        fill_value: Padding value when ``size`` exceeds the number of runs.

    Returns:
        ``values`` alone, or a tuple ``(values, inverse, counts)`` of the requested outputs,
        shaped as for :func:`unique`.

    Raises:
        TracingError: If called under ``jax.jit`` without ``size``.
        IndexOutOfRangeError: If ``dim`` is out of range (or given for a 0-d input).
        ShapeError: If a dimension other than ``dim`` has size 0.
        InvalidArgumentError: If ``size`` is negative.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.unique_consecutive(jnp.array([1, 1, 2, 2, 1])).tolist()
        [1, 2, 1]
    """
    return _unique_impl(
        "unique_consecutive", input, False, return_inverse, return_counts, dim, size, fill_value
    )


# ----------------------------------------------------------------------------------------------
# counting and searching


@boundary("bincount")
def bincount(
    input: ArrayLike,
    weights: ArrayLike | None = None,
    minlength: int = 0,
    *,
    length: int | None = None,
) -> jax.Array:
    """Count the occurrences of each non-negative integer in ``input`` (optionally weighted).

    Eagerly the output has ``max(max(input) + 1, minlength)`` entries. Under ``jax.jit`` the
    values are unknown, so pass ``length=`` (static); values outside ``[0, length)`` cannot
    raise under a trace and are ignored there (eagerly they raise).

    Weighted counts keep a floating weight dtype; integer or bool weights give ``float32``
    (PyTorch: ``float64``; rustorch_fx picks the same dtype in both of JAX's modes).

    Args:
        input: 1-D array of non-negative integers.
        weights: Optional 1-D array of the same length; each value adds its weight.
        minlength: Minimum number of bins.
        length: Exact, static number of bins (required under ``jax.jit``); at least
            ``minlength``.

    Returns:
        1-D counts: ``int32`` without weights, else the weights' floating dtype.

    Raises:
        DTypeError: If ``input`` is not an integer array or ``weights`` is complex.
        ShapeError: If ``input`` is not 1-D or ``weights`` does not match it.
        InvalidArgumentError: If ``input`` has a negative value or one ``>= length``, or
            ``minlength``/``length`` is invalid.
        TracingError: If called under ``jax.jit`` without ``length``.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.bincount(jnp.array([0, 2, 2])).tolist()
        [1, 0, 2]
        >>> ops.bincount(jnp.array([0, 2]), weights=jnp.array([0.5, 1.5]), minlength=4).tolist()
        [0.5, 0.0, 1.5, 0.0]
    """
    x = as_array("bincount", "input", input)
    require_integer("bincount", "input", x)
    if x.ndim != 1:
        raise ShapeError(f"bincount: input must be 1-D, got shape {x.shape}")
    minlength = _int_arg("bincount", "minlength", minlength)
    if minlength < 0:
        raise InvalidArgumentError(f"bincount: minlength should be >= 0, got {minlength}")
    if weights is None:
        w = jnp.ones(x.shape, _dtypes.INDEX)
    else:
        w = as_array("bincount", "weights", weights)
        if w.shape != x.shape:
            raise ShapeError(
                f"bincount: weights should be 1-D with the same length as input, got weights "
                f"shape {w.shape} for input shape {x.shape}"
            )
        if _dtypes.category(w.dtype) == 3:
            raise DTypeError(f"bincount: weights must be real, got {w.dtype.name}")
        if not _dtypes.is_floating(w.dtype):
            w = w.astype(_dtypes.DEFAULT_FLOAT)
    if length is not None:
        length = _int_arg("bincount", "length", length)
        if length < minlength:
            raise InvalidArgumentError(
                f"bincount: length ({length}) must be at least minlength ({minlength})"
            )
    if is_tracer(x):
        if length is None:
            raise TracingError(
                "bincount: the number of bins depends on the largest value of input, which is "
                "unknown under jax.jit; pass length= (a static int), or call it outside jit"
            )
    elif x.size:
        values = np.asarray(x)
        low, high = int(values.min()), int(values.max())
        if low < 0:
            raise InvalidArgumentError(f"bincount: input must be non-negative, got the value {low}")
        if length is not None and high >= length:
            raise InvalidArgumentError(
                f"bincount: input has the value {high}, which needs more than length={length} bins"
            )
        if length is None:
            length = max(high + 1, minlength)
    if length is None:
        length = minlength
    # Negative values go to an index past the end so that mode="drop" ignores them.
    index = jnp.where(x < 0, length, x)
    return jnp.zeros((length,), w.dtype).at[index].add(w, mode="drop")


@boundary("searchsorted")
def searchsorted(
    sorted_sequence: ArrayLike,
    values: ArrayLike,
    *,
    out_int32: bool = False,
    right: bool = False,
    side: str | None = None,
    sorter: ArrayLike | None = None,
) -> jax.Array:
    """Find where ``values`` would be inserted in ``sorted_sequence`` to keep it sorted.

    With ``right=False`` (``side="left"``) the result is the first index ``i`` with
    ``sorted_sequence[i] >= value``; with ``right=True`` the first with ``> value``. A 1-D
    sequence serves every value; an N-D sequence is searched row by row, its leading
    dimensions matching those of ``values``. A NaN value is inserted at the end, as in
    PyTorch. Both arrays are promoted to a common dtype first.

    Args:
        sorted_sequence: 1-D or N-D array, sorted ascending along its last dimension (or
            sorted by ``sorter``).
        values: Array (or Python number) of values to insert.
        out_int32: Accepted for compatibility; the result is always ``int32``.
        right: Return the right insertion point among equal values.
        side: ``"left"`` or ``"right"``, an alternative to ``right``; must agree with it.
        sorter: Optional integer array, shaped like ``sorted_sequence``, of the indices that
            sort it along its last dimension.

    Returns:
        ``int32`` insertion indices shaped like ``values``.

    Raises:
        ShapeError: If ``sorted_sequence`` is 0-d, or N-D with leading dims not matching
            ``values``, or ``sorter``'s shape differs from it.
        InvalidArgumentError: If ``side`` is unknown or contradicts ``right``.
        IndexOutOfRangeError: If a concrete ``sorter`` index is out of range.
        DTypeError: If an input is complex or ``sorter`` is not integer.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.searchsorted(jnp.array([1, 3, 5]), jnp.array([3, 6])).tolist()
        [1, 3]
        >>> ops.searchsorted(jnp.array([1, 3, 5]), jnp.array([3, 6]), right=True).tolist()
        [2, 3]
    """
    seq = _sortable("searchsorted", sorted_sequence, "sorted_sequence")
    vals = _sortable("searchsorted", values, "values")
    if side not in (None, "left", "right"):
        raise InvalidArgumentError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
    if side == "left" and right:
        raise InvalidArgumentError(
            "searchsorted: side and right can't be set to opposites, got side of left while "
            "right was True"
        )
    right = bool(right) or side == "right"
    if seq.ndim == 0:
        raise ShapeError("searchsorted: sorted_sequence should have at least 1 dimension, got 0-d")
    if seq.ndim > 1 and (vals.ndim != seq.ndim or vals.shape[:-1] != seq.shape[:-1]):
        raise ShapeError(
            "searchsorted: sorted_sequence should be 1-D or its first N-1 dimensions must match "
            f"those of values, got sorted_sequence shape {seq.shape} and values shape {vals.shape}"
        )
    if sorter is not None:
        order = as_array("searchsorted", "sorter", sorter)
        require_integer("searchsorted", "sorter", order)
        if order.shape != seq.shape:
            raise ShapeError(
                f"searchsorted: sorter must have the shape of sorted_sequence {seq.shape}, "
                f"got {order.shape}"
            )
        check_index_bounds("searchsorted", order, seq.shape[-1], seq.ndim - 1, "sorter index")
        seq = jnp.take_along_axis(seq, order, axis=-1)
    common = jnp.promote_types(seq.dtype, vals.dtype)
    seq, vals = seq.astype(common), vals.astype(common)
    n = seq.shape[-1]
    search_side = "right" if right else "left"
    if seq.ndim == 1:
        found = jnp.searchsorted(seq, vals, side=search_side)
    else:
        rows = seq.reshape(-1, n)
        queries = vals.reshape(rows.shape[0], -1)
        found = jax.vmap(lambda s, v: jnp.searchsorted(s, v, side=search_side))(rows, queries)
        found = found.reshape(vals.shape)
    if _dtypes.is_floating(common):
        found = jnp.where(jnp.isnan(vals), n, found)
    return found.astype(_dtypes.INDEX)


@boundary("histc")
def histc(input: ArrayLike, bins: int = 100, min: float = 0, max: float = 0) -> jax.Array:
    """Histogram of ``input`` with ``bins`` equal-width bins over ``[min, max]``.

    If ``min`` and ``max`` are equal (both 0 by default) the data's own minimum and maximum
    are used (if those are equal too, the range is widened by 1 on each side, as PyTorch
    does). Elements outside the range, and NaNs, are ignored; ``max`` itself falls in the last
    bin. The output shape does not depend on the data, so this works under ``jax.jit``; there a
    data range that is not finite (a NaN or infinity in ``input``) cannot raise and gives all
    zero counts.

    Args:
        input: Floating point array (any shape; all elements are counted).
        bins: Number of bins, at least 1.
        min: Lower end of the range.
        max: Upper end of the range.

    Returns:
        1-D ``(bins,)`` counts in ``input``'s dtype.

    Raises:
        DTypeError: If ``input`` is not floating point.
        InvalidArgumentError: If ``bins`` is not positive, ``min > max``, or the range taken
            from the data is not finite.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.histc(jnp.array([1.0, 2.0, 1.0]), bins=4, min=0, max=3).tolist()
        [0.0, 2.0, 1.0, 0.0]
    """
    x = as_array("histc", "input", input)
    if not _dtypes.is_floating(x.dtype):
        raise DTypeError(f"histc: input must have a floating point dtype, got {x.dtype.name}")
    bins = _int_arg("histc", "bins", bins)
    if bins < 1:
        raise InvalidArgumentError(f"histc: bins must be > 0, got {bins}")
    if min > max:
        raise InvalidArgumentError(f"histc: max must be larger than min, got min={min}, max={max}")
    flat = x.reshape(-1)
    from_data = min == max and flat.size > 0
    if from_data and not is_tracer(flat):
        low, high = float(jnp.min(flat)), float(jnp.max(flat))
        if not (np.isfinite(low) and np.isfinite(high)):
            raise InvalidArgumentError(
                f"histc: range of [{low}, {high}] is not finite (min and max taken from the data)"
            )
    return _histogram(flat, bins, jnp.asarray(min, x.dtype), jnp.asarray(max, x.dtype), from_data)


@functools.partial(jax.jit, static_argnums=(1, 4))
def _histogram(
    flat: jax.Array, bins: int, low: jax.Array, high: jax.Array, from_data: bool
) -> jax.Array:
    if from_data:
        low, high = jnp.min(flat), jnp.max(flat)
    same = low == high
    low = jnp.where(same, low - 1, low)
    high = jnp.where(same, high + 1, high)
    inside = (flat >= low) & (flat <= high)
    position = ((flat - low) * bins / (high - low)).astype(_dtypes.INDEX)
    position = jnp.where(position == bins, bins - 1, position)
    index = jnp.where(inside, position, bins)
    return jnp.zeros((bins,), flat.dtype).at[index].add(jnp.ones_like(flat), mode="drop")


class HistogramResult(NamedTuple):
    """Result of :func:`histogram`: the counts ``hist`` and the ``bin_edges``."""

    hist: jax.Array
    bin_edges: jax.Array


class HistogramddResult(NamedTuple):
    """Result of :func:`histogramdd`: the counts ``hist`` and a tuple of ``bin_edges`` per dim."""

    hist: jax.Array
    bin_edges: tuple[jax.Array, ...]


@functools.partial(jax.jit, static_argnums=(2, 3))
def _linspace_edges(low: jax.Array, high: jax.Array, count: int, dtype: Any) -> jax.Array:
    """``count + 1`` equal-width edges, computed as torch's ``linspace`` (from both ends)."""
    i = jnp.arange(count + 1)
    step = (high - low) / count
    half = (count + 1) // 2
    edges = jnp.where(i < half, low + i * step, high - (count - i) * step)
    return edges.astype(dtype)


def _data_range(op: str, column: jax.Array, d: int) -> tuple[jax.Array, jax.Array]:
    """The range of one dimension's values, widened by 0.5 each way when it is a point."""
    if column.size == 0:
        return jnp.zeros((), column.dtype), jnp.ones((), column.dtype)
    low, high = jnp.min(column), jnp.max(column)
    if not is_tracer(column):
        lo, hi = float(low), float(high)
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise InvalidArgumentError(
                f"{op}: dimension {d}'s range [{lo}, {hi}] is not finite (taken from the data; "
                "pass range= to ignore NaN and infinite values)"
            )
    same = low == high
    return jnp.where(same, low - 0.5, low), jnp.where(same, high + 0.5, high)


def _edges_for(
    op: str, spec: Any, column: jax.Array, d: int, bounds: tuple[float, float] | None
) -> jax.Array:
    """The bin edges of dimension ``d``: from a bin count (and range) or given as an array."""
    dtype = column.dtype
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
        if spec < 1:
            raise InvalidArgumentError(f"{op}: bins must be > 0, but got {spec} for dimension {d}")
        if bounds is None:
            low, high = _data_range(op, column, d)
        else:
            low, high = jnp.asarray(bounds[0], dtype), jnp.asarray(bounds[1], dtype)
        return _linspace_edges(low, high, int(spec), dtype)
    edges = as_array(op, "bins", spec)
    if edges.ndim != 1 or edges.shape[0] < 1:
        raise ShapeError(
            f"{op}: bins tensor should have one dimension and at least one edge, but got shape "
            f"{list(edges.shape)} for dimension {d}"
        )
    if not is_tracer(edges) and bool(jnp.any(jnp.diff(edges) < 0)):
        raise InvalidArgumentError(
            f"{op}: bin edges must be non-decreasing, got {np.asarray(edges).tolist()} for "
            f"dimension {d}"
        )
    return edges.astype(dtype)


def _bin_of(values: jax.Array, edges: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Each value's bin (the last edge belongs to the last bin) and whether it is counted."""
    count = edges.shape[0] - 1
    pos = jnp.searchsorted(edges, values, side="right") - 1
    pos = jnp.where(values == edges[-1], count - 1, pos)
    inside = (values >= edges[0]) & (values <= edges[-1]) & (count > 0)
    return jnp.clip(pos, 0, max(count - 1, 0)), inside


def _histdd(
    op: str, points: jax.Array, bins: Any, range: Any, weight: Any, density: bool
) -> tuple[jax.Array, tuple[jax.Array, ...]]:
    """Histogram of ``points`` (N, D): the counts (one axis per dimension) and the edges."""
    if not _dtypes.is_floating(points.dtype):
        raise DTypeError(
            f"{op}: input must have a floating point dtype, got {np.dtype(points.dtype).name}"
        )
    n_dims = points.shape[1]
    specs = list(bins) if isinstance(bins, (list, tuple)) else [bins] * n_dims
    if len(specs) != n_dims:
        raise ShapeError(
            f"{op}: expected {n_dims} bin specifications (one per dimension), got {len(specs)}"
        )
    bounds: list[tuple[float, float] | None] = [None] * n_dims
    if range is not None:
        flat = [float(v) for v in range]
        if len(flat) != 2 * n_dims:
            raise ShapeError(
                f"{op}: range should have {2 * n_dims} elements (min and max per dimension), "
                f"got {len(flat)}"
            )
        for d in builtins.range(n_dims):
            low, high = flat[2 * d], flat[2 * d + 1]
            if low > high:
                raise InvalidArgumentError(
                    f"{op}: min should not exceed max, but got min {low} max {high} for "
                    f"dimension {d}"
                )
            if not (np.isfinite(low) and np.isfinite(high)):
                raise InvalidArgumentError(
                    f"{op}: range [{low}, {high}] of dimension {d} is not finite"
                )
            bounds[d] = (low, high)
    edges = tuple(
        _edges_for(op, specs[d], points[:, d], d, bounds[d]) for d in builtins.range(n_dims)
    )
    if weight is None:
        w = jnp.ones(points.shape[:1], points.dtype)
    else:
        w = as_array(op, "weight", weight)
        if np.dtype(w.dtype) != np.dtype(points.dtype):
            raise DTypeError(
                f"{op}: weight must have the input's dtype ({np.dtype(points.dtype).name}), got "
                f"{np.dtype(w.dtype).name}"
            )
        w = w.reshape(-1)
        if w.shape[0] != points.shape[0]:
            raise ShapeError(
                f"{op}: weight should have {points.shape[0]} elements (one per input point), "
                f"got {w.shape[0]}"
            )
    return _bin_counts(points, edges, w, bool(density)), edges


@functools.partial(jax.jit, static_argnums=(3,))
def _bin_counts(
    points: jax.Array, edges: tuple[jax.Array, ...], weight: jax.Array, density: bool
) -> jax.Array:
    """The (weighted) counts of ``points`` (N, D) in the bins of ``edges``, one axis per dim."""
    shape = tuple(e.shape[0] - 1 for e in edges)
    flat_index = jnp.zeros(points.shape[:1], _dtypes.INDEX)
    counted = jnp.ones(points.shape[:1], bool)
    for d, e in enumerate(edges):
        pos, inside = _bin_of(points[:, d], e)
        flat_index = flat_index * shape[d] + pos.astype(_dtypes.INDEX)
        counted = counted & inside
    size = math.prod(shape)
    hist = (
        jnp.zeros((size,), points.dtype)
        .at[jnp.where(counted, flat_index, size)]
        .add(weight, mode="drop")
    )
    hist = hist.reshape(shape)
    if density:
        hist = hist / jnp.sum(hist)
        for d, e in enumerate(edges):
            widths = jnp.diff(e).reshape([-1 if k == d else 1 for k in builtins.range(len(edges))])
            hist = hist / widths
    return hist


@boundary("histogram")
def histogram(
    input: ArrayLike,
    bins: int | ArrayLike = 100,
    *,
    range: tuple[float, float] | None = None,
    weight: ArrayLike | None = None,
    density: bool = False,
) -> HistogramResult:
    """Histogram of the values of ``input``, as ``torch.histogram``.

    With an int ``bins``, the edges are ``bins + 1`` equal steps over ``range`` (default: the
    data's minimum and maximum, widened by 0.5 each way when they are equal); an array ``bins``
    gives the edges themselves. Each bin holds ``edges[i] <= v < edges[i + 1]``, the last one
    also its right edge; values outside the edges (and NaN, when ``range`` is given) are not
    counted.

    Args:
        input: Floating point array (all elements are counted).
        bins: The number of bins, or a 1-D non-decreasing array of edges.
        range: ``(min, max)`` for an int ``bins``.
        weight: Weights shaped like ``input`` (same dtype), summed instead of counting ones.
        density: Normalize so that the histogram integrates to 1 over the edges.

    Returns:
        ``HistogramResult(hist, bin_edges)``: ``(n_bins,)`` counts and ``(n_bins + 1,)`` edges,
        in ``input``'s dtype.

    Raises:
        DTypeError: If ``input`` is not floating point, or ``weight``'s dtype differs.
        InvalidArgumentError: If ``bins`` is not positive, ``range`` has ``min > max`` or is
            not finite, the data range is not finite (a NaN or infinity without ``range``), or
            the edges decrease (torch silently miscounts).
        ShapeError: If ``bins`` is an array that is not 1-D, or ``weight``'s size differs.

    Example:
        >>> import jax.numpy as jnp
        >>> out = histogram(jnp.array([1.0, 2.0, 1.0]), 2, range=(0.0, 2.0))
        >>> out.hist.tolist(), out.bin_edges.tolist()
        ([0.0, 3.0], [0.0, 1.0, 2.0])
    """
    x = as_array("histogram", "input", input)
    if range is not None and len(range) != 2:
        raise ShapeError(f"histogram: range must be (min, max), got {range!r}")
    hist, edges = _histdd("histogram", x.reshape(-1, 1), [bins], range, weight, density)
    return HistogramResult(hist, edges[0])


@boundary("histogramdd")
def histogramdd(
    input: ArrayLike,
    bins: Any = 10,
    *,
    range: Any = None,
    weight: ArrayLike | None = None,
    density: bool = False,
) -> HistogramddResult:
    """Multi-dimensional histogram of the points in the last dimension of ``input``.

    ``input[..., :]`` are points in ``D = input.shape[-1]`` dimensions; each dimension is binned
    as in :func:`histogram`.

    Args:
        input: Floating point array of shape ``(*, D)``, at least 2-D.
        bins: An int for every dimension, a sequence of ``D`` ints, or a sequence of ``D`` 1-D
            arrays of edges.
        range: ``[min_0, max_0, min_1, max_1, ...]`` for int bins.
        weight: Weights of shape ``input.shape[:-1]`` (same dtype).
        density: Normalize so that the histogram integrates to 1.

    Returns:
        ``HistogramddResult(hist, bin_edges)``: counts with one axis per dimension, and a tuple
        of ``D`` edge arrays.

    Raises:
        ShapeError: If ``input`` has fewer than 2 dimensions or an argument has the wrong
            length.
        DTypeError: If ``input`` is not floating point.
        InvalidArgumentError: As :func:`histogram`.

    Example:
        >>> import jax.numpy as jnp
        >>> pts = jnp.array([[0.0, 0.0], [1.0, 1.0], [1.0, 0.0]])
        >>> histogramdd(pts, 2).hist.tolist()
        [[1.0, 0.0], [1.0, 1.0]]
    """
    x = as_array("histogramdd", "input", input)
    if x.ndim < 2:
        raise ShapeError(
            f"histogramdd: input tensor should have at least 2 dimensions, got shape "
            f"{list(x.shape)}"
        )
    points = x.reshape(-1, x.shape[-1])
    hist, edges = _histdd("histogramdd", points, bins, range, weight, density)
    return HistogramddResult(hist, edges)
