"""Reductions and cumulative ops with PyTorch's semantics: sum, mean, std, max, norm, cumsum, ...

Every reduction takes ``dim`` (an int, a tuple of ints, or ``None`` for every dimension) and
``keepdim`` as in ``torch``. Reductions that return positions (``max``/``min`` with a ``dim``,
``cummax``/``cummin``, ``aminmax``) return named tuples, like ``torch.return_types``.

Differences from PyTorch kept on purpose (rustorch_fx gives the same dtypes in both of JAX's
modes, see :mod:`rustorch_fx._dtypes`):

* Index outputs (``argmax``, ``max(x, dim).indices``, ``cummax(...).indices``,
  ``count_nonzero``) are ``int32``; PyTorch gives ``int64``.
* ``sum``, ``nansum``, ``prod``, ``cumsum`` and ``cumprod`` of bool or integer inputs accumulate
  in the default integer ``int32`` (PyTorch: ``int64``); 64-bit integer inputs stay 64-bit.
  Pass ``dtype=`` to choose.
* ``all``/``any`` always return ``bool`` (PyTorch returns ``uint8`` for ``uint8`` inputs).
* ``prod`` also accepts a tuple of dims (PyTorch's takes a single int).
* ``argmax``/``argmin`` accept bool inputs (PyTorch raises).
"""

from __future__ import annotations

import builtins
import functools
import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from rustorch_fx import _checks, _dtypes
from rustorch_fx._boundary import boundary
from rustorch_fx.errors import (
    ArgumentTypeError,
    DTypeError,
    IndexOutOfRangeError,
    InvalidArgumentError,
    ShapeError,
)

__all__ = [
    "MaxResult",
    "MinResult",
    "AminmaxResult",
    "CummaxResult",
    "CumminResult",
    "sum",
    "nansum",
    "mean",
    "nanmean",
    "prod",
    "std",
    "var",
    "std_mean",
    "var_mean",
    "max",
    "min",
    "amax",
    "amin",
    "aminmax",
    "argmax",
    "argmin",
    "logsumexp",
    "norm",
    "vector_norm",
    "matrix_norm",
    "all",
    "any",
    "count_nonzero",
    "cumsum",
    "cumprod",
    "cummax",
    "cummin",
    "logcumsumexp",
    "renorm",
    "sum_to_size",
    "dist",
    "cov",
    "corrcoef",
]

ArrayLike = Any
Dims = int | Sequence[int] | None


class MaxResult(NamedTuple):
    """The result of :func:`max` with a ``dim``: the largest values and their positions.

    Attributes:
        values: The maximum along ``dim``.
        indices: Position of each maximum along ``dim`` (``int32``).
    """

    values: jax.Array
    indices: jax.Array


class MinResult(NamedTuple):
    """The result of :func:`min` with a ``dim``: the smallest values and their positions.

    Attributes:
        values: The minimum along ``dim``.
        indices: Position of each minimum along ``dim`` (``int32``).
    """

    values: jax.Array
    indices: jax.Array


class AminmaxResult(NamedTuple):
    """The result of :func:`aminmax`.

    Attributes:
        min: The minimum over the reduced dimensions.
        max: The maximum over the reduced dimensions.
    """

    min: jax.Array
    max: jax.Array


class CummaxResult(NamedTuple):
    """The result of :func:`cummax`: running maxima and the position each was found at.

    Attributes:
        values: The running maximum along ``dim``, shaped like the input.
        indices: Position of each running maximum along ``dim`` (``int32``).
    """

    values: jax.Array
    indices: jax.Array


class CumminResult(NamedTuple):
    """The result of :func:`cummin`: running minima and the position each was found at.

    Attributes:
        values: The running minimum along ``dim``, shaped like the input.
        indices: Position of each running minimum along ``dim`` (``int32``).
    """

    values: jax.Array
    indices: jax.Array


# ----------------------------------------------------------------------------- helpers


def _input(op: str, x: ArrayLike, name: str = "input") -> jax.Array:
    return _checks.as_array(op, name, x)


def _flag(op: str, name: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ArgumentTypeError(
            f"{op}: argument '{name}' must be a bool, got {type(value).__name__}"
        )
    return bool(value)


def _require_real(op: str, x: jax.Array) -> None:
    if _dtypes.category(x.dtype) == 3:
        raise DTypeError(f"{op}: complex input ({np.dtype(x.dtype).name}) is not supported")


def _accumulator(op: str, x: jax.Array, dtype: Any) -> np.dtype:
    """The dtype sum/prod/cumsum/cumprod compute in: ``dtype``, or int32 for small integers."""
    if dtype is not None:
        return _dtypes.canonical(op, dtype)
    dt = np.dtype(x.dtype)
    if _dtypes.category(dt) <= 1 and dt.itemsize < 8:
        return _dtypes.DEFAULT_INT
    return dt


def _check_nonempty(op: str, x: jax.Array, axes: Sequence[int]) -> None:
    for a in axes:
        if x.shape[a] == 0:
            raise IndexOutOfRangeError(f"{op}(): Expected reduction dim {a} to have non-zero size")


def _float_input(op: str, x: jax.Array, dtype: Any) -> jax.Array:
    """Cast to ``dtype`` if given, then require a floating or complex array."""
    if dtype is not None:
        x = x.astype(_dtypes.canonical(op, dtype))
    if not _dtypes.is_inexact(x.dtype):
        raise DTypeError(
            f"{op}: expected a floating point or complex input (or a floating dtype=), "
            f"got {np.dtype(x.dtype).name}"
        )
    return x


# ----------------------------------------------------------------------------- sums


@boundary("sum")
def sum(
    input: ArrayLike, dim: Dims = None, keepdim: bool = False, *, dtype: Any = None
) -> jax.Array:
    """Sum of the elements over ``dim``.

    Warning:
        Bool and integer inputs narrower than 64 bits accumulate in ``int32``, PyTorch's in
        ``int64`` (rustorch_fx's default integer is ``int32`` in both JAX modes); pass
        ``dtype=`` for another accumulator.

    Args:
        input: The array to reduce.
        dim: A dim, a tuple of dims, or ``None`` for every dim (negative dims count from the end).
        keepdim: Keep each reduced dim with size 1.
        dtype: Cast the input to this dtype before summing.

    Returns:
        The sum, shaped like ``input`` without the reduced dims (with size 1 if ``keepdim``).
        The sum of no elements is 0.

    Raises:
        IndexOutOfRangeError: If a dim is out of range.
        InvalidArgumentError: If a dim appears twice.
        DTypeError: If ``dtype`` is 64-bit while JAX's 64-bit mode is off.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.sum(jnp.array([[1.0, 2.0], [3.0, 4.0]]), dim=1)
        Array([3., 7.], dtype=float32)
    """
    return _sum("sum", _input("sum", input), dim, keepdim, dtype)


def _sum(op: str, x: jax.Array, dim: Any, keepdim: Any, dtype: Any) -> jax.Array:
    axes = _checks.normalize_dims(op, dim, x.ndim)
    keep = _flag(op, "keepdim", keepdim)
    return jnp.sum(x, axis=axes, dtype=_accumulator(op, x, dtype), keepdims=keep)


@boundary("nansum")
def nansum(
    input: ArrayLike, dim: Dims = None, keepdim: bool = False, *, dtype: Any = None
) -> jax.Array:
    """Sum over ``dim`` treating NaN as zero (its gradient there is zero).

    Warning:
        Bool and integer inputs narrower than 64 bits accumulate in ``int32``, PyTorch's in
        ``int64`` (rustorch_fx's default integer is ``int32`` in both JAX modes); pass
        ``dtype=`` for another accumulator.

    Args:
        input: The array to reduce.
        dim: A dim, a tuple of dims, or ``None`` for every dim.
        keepdim: Keep each reduced dim with size 1.
        dtype: Cast the input to this dtype before summing.

    Returns:
        The sum of the non-NaN elements, shaped like ``input`` without the reduced dims.

    Raises:
        IndexOutOfRangeError: If a dim is out of range.
        InvalidArgumentError: If a dim appears twice.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.nansum(jnp.array([1.0, jnp.nan, 2.0]))
        Array(3., dtype=float32)
    """
    x = _input("nansum", input)
    if _dtypes.is_inexact(x.dtype):
        x = jnp.where(jnp.isnan(x), jnp.zeros((), x.dtype), x)
    return _sum("nansum", x, dim, keepdim, dtype)


@boundary("mean")
def mean(
    input: ArrayLike, dim: Dims = None, keepdim: bool = False, *, dtype: Any = None
) -> jax.Array:
    """Arithmetic mean over ``dim``.

    Args:
        input: A floating or complex array (an integer array needs a floating ``dtype``).
        dim: A dim, a tuple of dims, or ``None`` for every dim.
        keepdim: Keep each reduced dim with size 1.
        dtype: Cast the input to this dtype first.

    Returns:
        The mean, shaped like ``input`` without the reduced dims. The mean of no elements is NaN.

    Raises:
        DTypeError: If the input (after ``dtype``) is not floating or complex, as in PyTorch.
        IndexOutOfRangeError: If a dim is out of range.
        InvalidArgumentError: If a dim appears twice.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.mean(jnp.array([[1.0, 2.0], [3.0, 4.0]]), dim=0)
        Array([2., 3.], dtype=float32)
    """
    x = _float_input("mean", _input("mean", input), dtype)
    axes = _checks.normalize_dims("mean", dim, x.ndim)
    return jnp.mean(x, axis=axes, keepdims=_flag("mean", "keepdim", keepdim))


@boundary("nanmean")
def nanmean(
    input: ArrayLike, dim: Dims = None, keepdim: bool = False, *, dtype: Any = None
) -> jax.Array:
    """Mean over ``dim`` of the elements that are not NaN.

    Args:
        input: A floating or complex array.
        dim: A dim, a tuple of dims, or ``None`` for every dim.
        keepdim: Keep each reduced dim with size 1.
        dtype: Cast the input to this dtype first.

    Returns:
        The mean of the non-NaN elements (NaN where there are none), shaped like ``input``
        without the reduced dims.

    Raises:
        DTypeError: If the input is not floating or complex.
        IndexOutOfRangeError: If a dim is out of range.
        InvalidArgumentError: If a dim appears twice.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.nanmean(jnp.array([1.0, jnp.nan, 2.0]))
        Array(1.5, dtype=float32)
    """
    x = _float_input("nanmean", _input("nanmean", input), dtype)
    axes = _checks.normalize_dims("nanmean", dim, x.ndim)
    keep = _flag("nanmean", "keepdim", keepdim)
    valid = ~jnp.isnan(x)
    total = jnp.sum(jnp.where(valid, x, jnp.zeros((), x.dtype)), axis=axes, keepdims=keep)
    count = jnp.sum(valid, axis=axes, keepdims=keep, dtype=total.real.dtype)
    return total / count


@boundary("prod")
def prod(
    input: ArrayLike, dim: Dims = None, keepdim: bool = False, *, dtype: Any = None
) -> jax.Array:
    """Product of the elements over ``dim``.

    PyTorch's ``prod`` takes one int ``dim``; a tuple of dims is accepted here too. The
    gradient is exact where the input has zeros.

    Warning:
        Bool and integer inputs narrower than 64 bits accumulate in ``int32``, PyTorch's in
        ``int64`` (rustorch_fx's default integer is ``int32`` in both JAX modes); pass
        ``dtype=`` for another accumulator.

    Args:
        input: The array to reduce.
        dim: A dim, a tuple of dims, or ``None`` for every dim.
        keepdim: Keep each reduced dim with size 1.
        dtype: Cast the input to this dtype first.

    Returns:
        The product, shaped like ``input`` without the reduced dims. The product of no
        elements is 1.

    Raises:
        IndexOutOfRangeError: If a dim is out of range.
        InvalidArgumentError: If a dim appears twice.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.prod(jnp.array([[1.0, 2.0], [3.0, 4.0]]), 1)
        Array([ 2., 12.], dtype=float32)
    """
    x = _input("prod", input)
    axes = _checks.normalize_dims("prod", dim, x.ndim)
    keep = _flag("prod", "keepdim", keepdim)
    return jnp.prod(x, axis=axes, dtype=_accumulator("prod", x, dtype), keepdims=keep)


# ----------------------------------------------------------------------------- moments


def _correction(op: str, unbiased: Any, correction: Any) -> float:
    if unbiased is not None and correction is not None:
        raise ArgumentTypeError(f"{op}: pass either 'unbiased' or 'correction', not both")
    if unbiased is not None:
        return 1.0 if _flag(op, "unbiased", unbiased) else 0.0
    if correction is None:
        return 1.0
    if isinstance(correction, bool) or not isinstance(correction, (int, float, np.number)):
        raise ArgumentTypeError(
            f"{op}: argument 'correction' must be a number, got {type(correction).__name__}"
        )
    return float(correction)


def _moments(
    op: str, input: ArrayLike, dim: Any, unbiased: Any, keepdim: Any, correction: Any
) -> tuple[jax.Array, jax.Array]:
    if isinstance(dim, bool):  # torch.var(x, True): the second positional is `unbiased`
        dim, unbiased = None, dim
    corr = _correction(op, unbiased, correction)
    x = _input(op, input)
    if not _dtypes.is_inexact(x.dtype):
        raise DTypeError(
            f"{op}: std and var only support floating point and complex dtypes, "
            f"got {np.dtype(x.dtype).name}"
        )
    axes = _checks.normalize_dims(op, dim, x.ndim)
    keep = _flag(op, "keepdim", keepdim)
    count = math.prod(x.shape[a] for a in axes)
    avg = jnp.mean(x, axis=axes, keepdims=True)
    dev = x - avg
    squares = (dev * jnp.conj(dev)).real if _dtypes.category(x.dtype) == 3 else dev * dev
    # PyTorch divides by max(0, N - correction): a non-positive count gives inf or NaN.
    variance = jnp.sum(squares, axis=axes, keepdims=keep) / builtins.max(0.0, count - corr)
    return variance, (avg if keep else jnp.squeeze(avg, axes))


@boundary("var")
def var(
    input: ArrayLike,
    dim: Dims = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: float | None = None,
) -> jax.Array:
    """Variance over ``dim``: ``sum((x - mean)**2) / max(0, N - correction)``.

    Both of PyTorch's spellings work: ``var(x, dim, correction=0)`` and the older
    ``var(x, dim, unbiased=False)`` (``unbiased=True`` is ``correction=1``).

    Args:
        input: A floating or complex array (complex gives a real variance).
        dim: A dim, a tuple of dims, or ``None`` for every dim. A bool here is ``unbiased``,
            as in ``torch.var(x, False)``.
        unbiased: Legacy form of ``correction`` (``True`` is 1, ``False`` is 0).
        keepdim: Keep each reduced dim with size 1.
        correction: The difference between the count and the divisor; 1 (Bessel's correction)
            by default.

    Returns:
        The variance, shaped like ``input`` without the reduced dims. When
        ``N - correction <= 0`` the result is inf or NaN, as in PyTorch.

    Raises:
        DTypeError: If the input is not floating or complex.
        ArgumentTypeError: If both ``unbiased`` and ``correction`` are given, or one has the
            wrong type.
        IndexOutOfRangeError: If a dim is out of range.
        InvalidArgumentError: If a dim appears twice.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.var(jnp.array([1.0, 2.0, 3.0, 4.0]), correction=0)
        Array(1.25, dtype=float32)
    """
    return _moments("var", input, dim, unbiased, keepdim, correction)[0]


@boundary("std")
def std(
    input: ArrayLike,
    dim: Dims = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: float | None = None,
) -> jax.Array:
    """Standard deviation over ``dim``: the square root of :func:`var`.

    Args:
        input: A floating or complex array (complex gives a real result).
        dim: A dim, a tuple of dims, or ``None`` for every dim. A bool here is ``unbiased``.
        unbiased: Legacy form of ``correction`` (``True`` is 1, ``False`` is 0).
        keepdim: Keep each reduced dim with size 1.
        correction: The difference between the count and the divisor; 1 by default.

    Returns:
        The standard deviation, shaped like ``input`` without the reduced dims.

    Raises:
        DTypeError: If the input is not floating or complex.
        ArgumentTypeError: If both ``unbiased`` and ``correction`` are given, or one has the
            wrong type.
        IndexOutOfRangeError: If a dim is out of range.
        InvalidArgumentError: If a dim appears twice.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.std(jnp.array([1.0, 3.0]))
        Array(1.4142135, dtype=float32)
    """
    return jnp.sqrt(_moments("std", input, dim, unbiased, keepdim, correction)[0])


@boundary("var_mean")
def var_mean(
    input: ArrayLike,
    dim: Dims = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: float | None = None,
) -> tuple[jax.Array, jax.Array]:
    """The variance and the mean over ``dim``, in one pass; see :func:`var`.

    Args:
        input: A floating or complex array.
        dim: A dim, a tuple of dims, or ``None`` for every dim. A bool here is ``unbiased``.
        unbiased: Legacy form of ``correction``.
        keepdim: Keep each reduced dim with size 1.
        correction: The difference between the count and the divisor; 1 by default.

    Returns:
        A tuple ``(var, mean)``, each shaped like ``input`` without the reduced dims.

    Raises:
        DTypeError: If the input is not floating or complex.
        ArgumentTypeError: If both ``unbiased`` and ``correction`` are given.
        IndexOutOfRangeError: If a dim is out of range.
        InvalidArgumentError: If a dim appears twice.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.var_mean(jnp.array([1.0, 3.0]))
        (Array(2., dtype=float32), Array(2., dtype=float32))
    """
    return _moments("var_mean", input, dim, unbiased, keepdim, correction)


@boundary("std_mean")
def std_mean(
    input: ArrayLike,
    dim: Dims = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: float | None = None,
) -> tuple[jax.Array, jax.Array]:
    """The standard deviation and the mean over ``dim``, in one pass; see :func:`std`.

    Args:
        input: A floating or complex array.
        dim: A dim, a tuple of dims, or ``None`` for every dim. A bool here is ``unbiased``.
        unbiased: Legacy form of ``correction``.
        keepdim: Keep each reduced dim with size 1.
        correction: The difference between the count and the divisor; 1 by default.

    Returns:
        A tuple ``(std, mean)``, each shaped like ``input`` without the reduced dims.

    Raises:
        DTypeError: If the input is not floating or complex.
        ArgumentTypeError: If both ``unbiased`` and ``correction`` are given.
        IndexOutOfRangeError: If a dim is out of range.
        InvalidArgumentError: If a dim appears twice.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.std_mean(jnp.array([1.0, 3.0]), correction=0)
        (Array(1., dtype=float32), Array(2., dtype=float32))
    """
    variance, avg = _moments("std_mean", input, dim, unbiased, keepdim, correction)
    return jnp.sqrt(variance), avg


# ----------------------------------------------------------------------------- extremes


def _is_other(value: Any) -> bool:
    return isinstance(value, (jax.Array, np.ndarray))


def _binary(op: str, input: ArrayLike, other: ArrayLike, keepdim: Any) -> jax.Array:
    if keepdim is not False:
        raise ArgumentTypeError(f"{op}: 'keepdim' cannot be combined with a second array")
    a, b = _input(op, input), _input(op, other, "other")
    _require_real(op, a)
    _require_real(op, b)
    try:
        jnp.broadcast_shapes(a.shape, b.shape)
    except ValueError as exc:
        raise ShapeError(
            f"{op}: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be broadcast together"
        ) from exc
    dt = _dtypes.result_type(a, b)
    fn = jnp.maximum if op == "max" else jnp.minimum
    return fn(a.astype(dt), b.astype(dt))


def _arg_extreme(op: str, x: jax.Array, axis: int, keepdim: bool, largest: bool) -> jax.Array:
    """Index of the first extreme (NaN counts as the extreme) along ``axis``, as int32."""
    _check_nonempty(op, x, [axis] if x.ndim else [])
    if x.ndim == 0:
        return jnp.zeros((), _dtypes.INDEX)
    fn = jnp.argmax if largest else jnp.argmin
    return fn(x, axis=axis, keepdims=keepdim).astype(_dtypes.INDEX)


def _extreme(op: str, input: ArrayLike, dim: Any, keepdim: Any, other: Any, largest: bool) -> Any:
    if other is not None:
        if dim is not None:
            raise ArgumentTypeError(f"{op}: pass either 'dim' or 'other', not both")
        return _binary(op, input, other, keepdim)
    if _is_other(dim):
        return _binary(op, input, dim, keepdim)
    x = _input(op, input)
    _require_real(op, x)
    keep = _flag(op, "keepdim", keepdim)
    if dim is None:
        if keep:
            raise ArgumentTypeError(f"{op}: 'keepdim' needs a 'dim'")
        if x.size == 0:
            raise InvalidArgumentError(
                f"{op}(): Expected reduction dim to be specified for input.numel() == 0. "
                "Specify the reduction dim with the 'dim' argument."
            )
        return jnp.max(x) if largest else jnp.min(x)
    axis = _checks.normalize_dim(op, dim, x.ndim)
    index = _arg_extreme(op, x, axis, True, largest)
    if x.ndim == 0:
        return x, index
    values = jnp.take_along_axis(x, index, axis=axis)
    if not keep:
        values, index = jnp.squeeze(values, axis), jnp.squeeze(index, axis)
    return values, index


@boundary("max")
def max(
    input: ArrayLike,
    dim: int | ArrayLike | None = None,
    keepdim: bool = False,
    *,
    other: ArrayLike | None = None,
) -> jax.Array | MaxResult:
    """The maximum of all elements, the maxima along a dim with their indices, or ``maximum``.

    Three forms, as in PyTorch:

    * ``max(input)``: the largest element (a 0-d array). Its gradient is split evenly among
      tied maxima.
    * ``max(input, dim, keepdim=False)``: a :class:`MaxResult` ``(values, indices)``. Ties
      give the first index; a NaN is the maximum and its (first) index is returned. The
      gradient flows to the returned index.
    * ``max(input, other)`` with an array ``other``: the elementwise maximum, broadcast and
      promoted as in PyTorch, NaN propagating.

    Args:
        input: The array.
        dim: The dim to reduce (an int), or an array ``other`` for the elementwise form.
        keepdim: Keep the reduced dim with size 1 (only with an int ``dim``).
        other: The second array of the elementwise form, by keyword.

    Returns:
        A 0-d array, a :class:`MaxResult` of two arrays shaped like ``input`` without ``dim``
        (``indices`` is int32), or the broadcast elementwise maximum.

    Raises:
        InvalidArgumentError: If ``input`` is empty and no ``dim`` is given.
        IndexOutOfRangeError: If ``dim`` is out of range or has size 0.
        ShapeError: If ``input`` and ``other`` do not broadcast.
        ArgumentTypeError: If ``keepdim`` is given without an int ``dim``.
        DTypeError: If the input is complex.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.max(jnp.array([[1.0, 5.0], [4.0, 2.0]]), dim=1)
        MaxResult(values=Array([5., 4.], dtype=float32), indices=Array([1, 0], dtype=int32))
    """
    result = _extreme("max", input, dim, keepdim, other, largest=True)
    return MaxResult(*result) if isinstance(result, tuple) else result


@boundary("min")
def min(
    input: ArrayLike,
    dim: int | ArrayLike | None = None,
    keepdim: bool = False,
    *,
    other: ArrayLike | None = None,
) -> jax.Array | MinResult:
    """The minimum of all elements, the minima along a dim with their indices, or ``minimum``.

    The three forms of :func:`max`, with the smallest values: ``min(input)``,
    ``min(input, dim, keepdim=False)`` giving a :class:`MinResult` (ties: the first index; a NaN
    is the minimum), and ``min(input, other)``, the elementwise minimum.

    Args:
        input: The array.
        dim: The dim to reduce (an int), or an array ``other`` for the elementwise form.
        keepdim: Keep the reduced dim with size 1 (only with an int ``dim``).
        other: The second array of the elementwise form, by keyword.

    Returns:
        A 0-d array, a :class:`MinResult` of two arrays shaped like ``input`` without ``dim``
        (``indices`` is int32), or the broadcast elementwise minimum.

    Raises:
        InvalidArgumentError: If ``input`` is empty and no ``dim`` is given.
        IndexOutOfRangeError: If ``dim`` is out of range or has size 0.
        ShapeError: If ``input`` and ``other`` do not broadcast.
        ArgumentTypeError: If ``keepdim`` is given without an int ``dim``.
        DTypeError: If the input is complex.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.min(jnp.array([3.0, 1.0, 2.0]))
        Array(1., dtype=float32)
    """
    result = _extreme("min", input, dim, keepdim, other, largest=False)
    return MinResult(*result) if isinstance(result, tuple) else result


def _reduce_extreme(op: str, input: ArrayLike, dim: Dims, keepdim: Any, largest: bool) -> Any:
    x = _input(op, input)
    _require_real(op, x)
    axes = _checks.normalize_dims(op, dim, x.ndim)
    keep = _flag(op, "keepdim", keepdim)
    _check_nonempty(op, x, axes)
    fn = jnp.max if largest else jnp.min
    return fn(x, axis=axes, keepdims=keep)


@boundary("amax")
def amax(input: ArrayLike, dim: Dims = None, keepdim: bool = False) -> jax.Array:
    """Maximum over one or more dims (values only); the gradient is split evenly among ties.

    Args:
        input: A real array.
        dim: A dim, a tuple of dims, or ``None`` (or ``()``) for every dim.
        keepdim: Keep each reduced dim with size 1.

    Returns:
        The maximum, shaped like ``input`` without the reduced dims. NaN propagates.

    Raises:
        IndexOutOfRangeError: If a dim is out of range or a reduced dim has size 0.
        InvalidArgumentError: If a dim appears twice.
        DTypeError: If the input is complex.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.amax(jnp.array([[1.0, 5.0], [4.0, 2.0]]), dim=0)
        Array([4., 5.], dtype=float32)
    """
    return _reduce_extreme("amax", input, dim, keepdim, largest=True)


@boundary("amin")
def amin(input: ArrayLike, dim: Dims = None, keepdim: bool = False) -> jax.Array:
    """Minimum over one or more dims (values only); the gradient is split evenly among ties.

    Args:
        input: A real array.
        dim: A dim, a tuple of dims, or ``None`` (or ``()``) for every dim.
        keepdim: Keep each reduced dim with size 1.

    Returns:
        The minimum, shaped like ``input`` without the reduced dims. NaN propagates.

    Raises:
        IndexOutOfRangeError: If a dim is out of range or a reduced dim has size 0.
        InvalidArgumentError: If a dim appears twice.
        DTypeError: If the input is complex.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.amin(jnp.array([[1.0, 5.0], [4.0, 2.0]]), dim=(0, 1))
        Array(1., dtype=float32)
    """
    return _reduce_extreme("amin", input, dim, keepdim, largest=False)


@boundary("aminmax")
def aminmax(input: ArrayLike, *, dim: int | None = None, keepdim: bool = False) -> AminmaxResult:
    """The minimum and the maximum together, over one dim or over every element.

    Args:
        input: A real array.
        dim: The dim to reduce, or ``None`` for every dim.
        keepdim: Keep the reduced dim(s) with size 1.

    Returns:
        An :class:`AminmaxResult` ``(min, max)``, each shaped like ``input`` without the
        reduced dims.

    Raises:
        InvalidArgumentError: If a reduced dim has size 0 (the operation has no identity).
        IndexOutOfRangeError: If ``dim`` is out of range.
        DTypeError: If the input is complex.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.aminmax(jnp.array([3.0, 1.0, 2.0]))
        AminmaxResult(min=Array(1., dtype=float32), max=Array(3., dtype=float32))
    """
    x = _input("aminmax", input)
    _require_real("aminmax", x)
    axes = tuple(range(x.ndim)) if dim is None else _checks.normalize_dims("aminmax", [dim], x.ndim)
    keep = _flag("aminmax", "keepdim", keepdim)
    if builtins.any(x.shape[a] == 0 for a in axes):
        raise InvalidArgumentError(
            "aminmax(): cannot compute aminmax over an empty dimension as the operation has "
            f"no identity (input shape {tuple(x.shape)})"
        )
    return AminmaxResult(jnp.min(x, axis=axes, keepdims=keep), jnp.max(x, axis=axes, keepdims=keep))


def _arg(op: str, input: ArrayLike, dim: Any, keepdim: Any, largest: bool) -> jax.Array:
    x = _input(op, input)
    _require_real(op, x)
    keep = _flag(op, "keepdim", keepdim)
    if dim is None:
        if x.size == 0:
            raise IndexOutOfRangeError(
                f"{op}(): Expected reduction dim to be specified for input.numel() == 0."
            )
        index = _arg_extreme(op, x.reshape(-1), 0, False, largest)
        return index.reshape((1,) * x.ndim) if keep else index
    axis = _checks.normalize_dim(op, dim, x.ndim)
    return _arg_extreme(op, x, axis, keep, largest)


@boundary("argmax")
def argmax(input: ArrayLike, dim: int | None = None, keepdim: bool = False) -> jax.Array:
    """Index of the maximum along ``dim``, or into the flattened array when ``dim`` is None.

    Ties give the first index; a NaN counts as the maximum.

    Warning:
        Indices are ``int32`` (PyTorch: ``int64``), and bool inputs are accepted (PyTorch
        raises).

    Args:
        input: A real (or bool) array.
        dim: The dim to reduce, or ``None`` to index the flattened array.
        keepdim: Keep the reduced dim with size 1 (every dim, when ``dim`` is None).

    Returns:
        ``int32`` indices shaped like ``input`` without ``dim`` (PyTorch: int64).

    Raises:
        IndexOutOfRangeError: If ``dim`` is out of range or has size 0, or the input is empty
            and ``dim`` is None.
        DTypeError: If the input is complex.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.argmax(jnp.array([[1.0, 5.0], [4.0, 2.0]]), dim=1)
        Array([1, 0], dtype=int32)
    """
    return _arg("argmax", input, dim, keepdim, largest=True)


@boundary("argmin")
def argmin(input: ArrayLike, dim: int | None = None, keepdim: bool = False) -> jax.Array:
    """Index of the minimum along ``dim``, or into the flattened array when ``dim`` is None.

    Ties give the first index; a NaN counts as the minimum.

    Warning:
        Indices are ``int32`` (PyTorch: ``int64``), and bool inputs are accepted (PyTorch
        raises).

    Args:
        input: A real (or bool) array.
        dim: The dim to reduce, or ``None`` to index the flattened array.
        keepdim: Keep the reduced dim with size 1 (every dim, when ``dim`` is None).

    Returns:
        ``int32`` indices shaped like ``input`` without ``dim`` (PyTorch: int64).

    Raises:
        IndexOutOfRangeError: If ``dim`` is out of range or has size 0, or the input is empty
            and ``dim`` is None.
        DTypeError: If the input is complex.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.argmin(jnp.array([[1.0, 5.0], [4.0, 2.0]]))
        Array(0, dtype=int32)
    """
    return _arg("argmin", input, dim, keepdim, largest=False)


@boundary("logsumexp")
def logsumexp(input: ArrayLike, dim: int | Sequence[int], keepdim: bool = False) -> jax.Array:
    """``log(sum(exp(input)))`` over ``dim``, computed stably.

    The largest element is subtracted before exponentiating, so large inputs do not overflow;
    all ``-inf`` gives ``-inf`` and an empty dim gives ``-inf``. Integer inputs are computed in
    float32, as in PyTorch.

    Args:
        input: A real array.
        dim: A dim or a tuple of dims (``()`` for every dim).
        keepdim: Keep each reduced dim with size 1.

    Returns:
        The reduction, shaped like ``input`` without the reduced dims.

    Raises:
        IndexOutOfRangeError: If a dim is out of range.
        InvalidArgumentError: If a dim appears twice.
        DTypeError: If the input is complex.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.logsumexp(jnp.array([1000.0, 1000.0]), dim=0)
        Array(1000.6932, dtype=float32)
    """
    x = _input("logsumexp", input)
    _require_real("logsumexp", x)
    if not _dtypes.is_floating(x.dtype):
        x = x.astype(_dtypes.DEFAULT_FLOAT)
    axes = _checks.normalize_dims("logsumexp", dim, x.ndim)
    keep = _flag("logsumexp", "keepdim", keepdim)
    shift = lax.stop_gradient(jnp.max(x, axis=axes, keepdims=True, initial=-jnp.inf))
    shift = jnp.where(jnp.isfinite(shift), shift, jnp.zeros((), x.dtype))
    out = jnp.log(jnp.sum(jnp.exp(x - shift), axis=axes, keepdims=True)) + shift
    return out if keep else jnp.squeeze(out, axes)


# ----------------------------------------------------------------------------- norms


def _check_ord_number(op: str, ord: Any, name: str) -> float:
    if isinstance(ord, bool) or not isinstance(ord, (int, float, np.number)):
        raise ArgumentTypeError(
            f"{op}: argument '{name}' must be a number, got {type(ord).__name__} ({ord!r})"
        )
    return float(ord)


def _norm_input(op: str, input: ArrayLike, dtype: Any) -> jax.Array:
    x = _input(op, input)
    if not _dtypes.is_inexact(x.dtype):
        raise DTypeError(
            f"{op}: expected a floating point or complex input, got {np.dtype(x.dtype).name}"
        )
    if dtype is not None:
        x = x.astype(_dtypes.canonical(op, dtype))
    return x


def _vector_norm(op: str, x: jax.Array, ord: float, dim: Any, keepdim: bool) -> jax.Array:
    axes = _checks.normalize_dims(op, dim, x.ndim)
    # |x| with derivative 0 at x == 0 (PyTorch's subgradient; JAX's abs gives 1, or NaN for
    # complex x, there).
    zero_x = x == 0
    a = jnp.where(zero_x, jnp.zeros((), x.real.dtype), jnp.abs(jnp.where(zero_x, 1, x)))
    if (ord < 0 or math.isinf(ord)) and builtins.any(x.shape[d] == 0 for d in axes):
        raise InvalidArgumentError(
            f"{op}: cannot compute the {ord:g} norm over an empty dimension (input shape "
            f"{tuple(x.shape)}) because the operation has no identity"
        )
    if ord == math.inf:
        return jnp.max(a, axis=axes, keepdims=keepdim)
    if ord == -math.inf:
        return jnp.min(a, axis=axes, keepdims=keepdim)
    if ord == 0:
        return jnp.sum(a != 0, axis=axes, keepdims=keepdim, dtype=a.dtype)
    if ord == 1:
        return jnp.sum(a, axis=axes, keepdims=keepdim)
    total = jnp.sum(a * a if ord == 2 else a**ord, axis=axes, keepdims=keepdim)
    # Where the total is 0 the root's derivative is infinite; give 0 there (PyTorch's
    # subgradient) without letting inf * 0 = NaN into the gradient.
    zero = total == 0
    safe = jnp.where(zero, jnp.ones((), total.dtype), total)
    root = jnp.sqrt(safe) if ord == 2 else safe ** (1.0 / ord)
    return jnp.where(zero, jnp.zeros((), total.dtype), root)


_MATRIX_ORDS = ("fro", "nuc", 2.0, -2.0, 1.0, -1.0, math.inf, -math.inf)


def _matrix_norm(op: str, x: jax.Array, ord: Any, dim: Any, keepdim: bool) -> jax.Array:
    if isinstance(ord, bool) or not isinstance(ord, (str, int, float, np.number)):
        raise ArgumentTypeError(
            f"{op}: argument 'ord' must be a number or a string, got {type(ord).__name__}"
        )
    if ord not in _MATRIX_ORDS:
        raise InvalidArgumentError(
            f"{op}: order {ord!r} is not supported for matrix norms "
            "(expected 'fro', 'nuc', 2, -2, 1, -1, inf or -inf)"
        )
    if x.ndim < 2:
        raise ShapeError(
            f"{op}: the input must have at least 2 dimensions, got shape {tuple(x.shape)}"
        )
    if not isinstance(dim, (list, tuple)):
        raise ArgumentTypeError(
            f"{op}: argument 'dim' must be a 2-tuple of ints, got {type(dim).__name__} {dim!r}"
        )
    if len(dim) != 2:
        raise InvalidArgumentError(f"{op}: dim must be a 2-tuple, got {dim!r}")
    row, col = (_checks.normalize_dim(op, d, x.ndim) for d in dim)
    if row == col:
        raise InvalidArgumentError(f"{op}: dims must be different, got {tuple(dim)}")
    if ord == "fro":
        return _vector_norm(op, x, 2.0, (row, col), keepdim)
    a = jnp.abs(x)

    def largest(v: jax.Array, axis: int) -> jax.Array:
        # Norms are >= 0, so an empty max is 0 (as in PyTorch).
        return jnp.max(v, axis=axis, keepdims=True, initial=0.0)

    def smallest(v: jax.Array, axis: int) -> jax.Array:
        if v.shape[axis] == 0:
            raise InvalidArgumentError(
                f"{op}: the {ord!r} norm of an empty matrix (input shape {tuple(x.shape)}) is "
                "undefined because the operation has no identity"
            )
        return jnp.min(v, axis=axis, keepdims=True)

    pick = largest if ord in (1.0, 2.0, math.inf) else smallest
    if ord in ("nuc", 2.0, -2.0):
        sv = jnp.linalg.svd(jnp.moveaxis(x, (row, col), (-2, -1)), compute_uv=False)
        out = jnp.sum(sv, axis=-1, keepdims=True) if ord == "nuc" else pick(sv, sv.ndim - 1)
        out = jnp.expand_dims(out[..., 0], (builtins.min(row, col), builtins.max(row, col)))
    elif ord in (1.0, -1.0):
        out = pick(jnp.sum(a, axis=row, keepdims=True), col)
    else:
        out = pick(jnp.sum(a, axis=col, keepdims=True), row)
    return out if keepdim else jnp.squeeze(out, (row, col))


@boundary("vector_norm")
def vector_norm(
    x: ArrayLike,
    ord: float = 2,
    dim: Dims = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,
) -> jax.Array:
    """The vector ``ord``-norm over ``dim``, as ``torch.linalg.vector_norm``.

    ``ord=inf`` is ``max(|x|)``, ``-inf`` is ``min(|x|)``, ``0`` counts the non-zero elements,
    and any other number ``p`` gives ``sum(|x|**p)**(1/p)``. The gradient at an all-zero input
    is zero (PyTorch's subgradient) for ``ord >= 1``.

    Args:
        x: A floating or complex array.
        ord: The order of the norm, a number.
        dim: A dim, a tuple of dims, or ``None`` for every dim (the array as one vector).
        keepdim: Keep each reduced dim with size 1.
        dtype: Cast the input to this dtype first.

    Returns:
        The norm (real), shaped like ``x`` without the reduced dims.

    Raises:
        DTypeError: If the input is not floating or complex.
        ArgumentTypeError: If ``ord`` is not a number.
        InvalidArgumentError: If ``ord`` is negative or infinite and a reduced dim is empty,
            or a dim appears twice.
        IndexOutOfRangeError: If a dim is out of range.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.vector_norm(jnp.array([3.0, -4.0]))
        Array(5., dtype=float32)
    """
    p = _check_ord_number("vector_norm", ord, "ord")
    keep = _flag("vector_norm", "keepdim", keepdim)
    return _vector_norm("vector_norm", _norm_input("vector_norm", x, dtype), p, dim, keep)


@boundary("matrix_norm")
def matrix_norm(
    A: ArrayLike,
    ord: str | float = "fro",
    dim: tuple[int, int] = (-2, -1),
    keepdim: bool = False,
    *,
    dtype: Any = None,
) -> jax.Array:
    """A matrix norm over the two dims ``dim``, as ``torch.linalg.matrix_norm``.

    ``'fro'``: Frobenius; ``'nuc'``: the sum of the singular values; ``2``/``-2``: the largest/
    smallest singular value; ``1``/``-1``: the largest/smallest column sum of ``|A|``;
    ``inf``/``-inf``: the largest/smallest row sum. Other dims are batch dims.

    Args:
        A: A floating or complex array with at least 2 dims.
        ord: The order of the norm.
        dim: The two dims holding the matrices (rows, columns).
        keepdim: Keep the two reduced dims with size 1.
        dtype: Cast the input to this dtype first.

    Returns:
        The norms (real), shaped like ``A`` without the two dims.

    Raises:
        DTypeError: If the input is not floating or complex.
        InvalidArgumentError: If ``ord`` is not one of the orders above, ``dim`` is not two
            different dims, or a smallest-value norm is asked of an empty matrix.
        ArgumentTypeError: If ``ord`` is neither a number nor a string.
        ShapeError: If ``A`` has fewer than 2 dims.
        IndexOutOfRangeError: If a dim is out of range.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.matrix_norm(jnp.array([[1.0, -2.0], [3.0, 4.0]]), ord=1)
        Array(6., dtype=float32)
    """
    keep = _flag("matrix_norm", "keepdim", keepdim)
    return _matrix_norm("matrix_norm", _norm_input("matrix_norm", A, dtype), ord, dim, keep)


@boundary("norm")
def norm(
    input: ArrayLike,
    p: str | float | None = "fro",
    dim: Dims = None,
    keepdim: bool = False,
    dtype: Any = None,
) -> jax.Array:
    """The norm of ``input``, dispatching as ``torch.norm`` does.

    A number ``p`` (or ``None``, meaning 2) gives :func:`vector_norm` over ``dim``.
    ``'fro'`` over at most two dims is the 2-norm of those elements; ``'nuc'`` (and ``'fro'``
    over more dims) gives :func:`matrix_norm` over ``dim`` (every dim when ``None``), which
    needs exactly two dims.

    Args:
        input: A floating or complex array.
        p: The order: a number, ``None``, ``'fro'`` or ``'nuc'``.
        dim: A dim, a tuple of dims, or ``None`` for every dim.
        keepdim: Keep each reduced dim with size 1.
        dtype: Cast the input to this dtype first.

    Returns:
        The norm (real), shaped like ``input`` without the reduced dims.

    Raises:
        DTypeError: If the input is not floating or complex.
        InvalidArgumentError: If ``p`` is an unknown string, or a matrix norm is asked over
            other than two dims.
        ArgumentTypeError: If ``p`` is neither a number, ``None`` nor a string.
        IndexOutOfRangeError: If a dim is out of range.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.norm(jnp.array([[3.0, 4.0], [0.0, 0.0]]))
        Array(5., dtype=float32)
    """
    x = _norm_input("norm", input, dtype)
    keep = _flag("norm", "keepdim", keepdim)
    if isinstance(p, str):
        small = dim is None or isinstance(dim, (int, np.integer)) or len(dim) <= 2
        if p == "fro" and small:
            return _vector_norm("norm", x, 2.0, dim, keep)
        if dim is None:
            dims: Any = tuple(range(x.ndim))
        else:
            dims = (dim,) if isinstance(dim, (int, np.integer)) else dim
        return _matrix_norm("norm", x, p, dims, keep)
    order = 2.0 if p is None else _check_ord_number("norm", p, "p")
    return _vector_norm("norm", x, order, dim, keep)


# ----------------------------------------------------------------------------- logic


@boundary("all")
def all(input: ArrayLike, dim: Dims = None, keepdim: bool = False) -> jax.Array:
    """Whether every element over ``dim`` is true (non-zero).

    Warning:
        The result is always ``bool``; PyTorch returns ``uint8`` for a ``uint8`` input.

    Args:
        input: An array of any dtype.
        dim: A dim, a tuple of dims, or ``None`` for every dim.
        keepdim: Keep each reduced dim with size 1.

    Returns:
        A bool array shaped like ``input`` without the reduced dims; ``True`` over no elements.

    Raises:
        IndexOutOfRangeError: If a dim is out of range.
        InvalidArgumentError: If a dim appears twice.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.all(jnp.array([[1, 0], [2, 3]]), dim=1)
        Array([False,  True], dtype=bool)
    """
    x = _input("all", input)
    axes = _checks.normalize_dims("all", dim, x.ndim)
    return jnp.all(x, axis=axes, keepdims=_flag("all", "keepdim", keepdim))


@boundary("any")
def any(input: ArrayLike, dim: Dims = None, keepdim: bool = False) -> jax.Array:
    """Whether any element over ``dim`` is true (non-zero).

    Warning:
        The result is always ``bool``; PyTorch returns ``uint8`` for a ``uint8`` input.

    Args:
        input: An array of any dtype.
        dim: A dim, a tuple of dims, or ``None`` for every dim.
        keepdim: Keep each reduced dim with size 1.

    Returns:
        A bool array shaped like ``input`` without the reduced dims; ``False`` over no elements.

    Raises:
        IndexOutOfRangeError: If a dim is out of range.
        InvalidArgumentError: If a dim appears twice.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.any(jnp.array([[1, 0], [0, 0]]), dim=1)
        Array([ True, False], dtype=bool)
    """
    x = _input("any", input)
    axes = _checks.normalize_dims("any", dim, x.ndim)
    return jnp.any(x, axis=axes, keepdims=_flag("any", "keepdim", keepdim))


@boundary("count_nonzero")
def count_nonzero(input: ArrayLike, dim: Dims = None) -> jax.Array:
    """Number of non-zero elements over ``dim``.

    Args:
        input: An array of any dtype.
        dim: A dim, a tuple of dims, or ``None`` for every dim.

    Returns:
        ``int32`` counts (PyTorch: int64), shaped like ``input`` without the reduced dims.

    Raises:
        IndexOutOfRangeError: If a dim is out of range.
        InvalidArgumentError: If a dim appears twice.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.count_nonzero(jnp.array([[1, 0], [2, 3]]), dim=0)
        Array([2, 1], dtype=int32)
    """
    x = _input("count_nonzero", input)
    axes = _checks.normalize_dims("count_nonzero", dim, x.ndim)
    return jnp.sum(x != 0, axis=axes, dtype=_dtypes.DEFAULT_INT)


# ----------------------------------------------------------------------------- cumulative


@boundary("cumsum")
def cumsum(input: ArrayLike, dim: int, *, dtype: Any = None) -> jax.Array:
    """Cumulative sum along ``dim``.

    Warning:
        Bool and integer inputs narrower than 64 bits accumulate in ``int32``, PyTorch's in
        ``int64`` (rustorch_fx's default integer is ``int32`` in both JAX modes); pass
        ``dtype=`` for another accumulator.

    Args:
        input: The array.
        dim: The dim to accumulate along.
        dtype: Cast the input to this dtype first.

    Returns:
        An array shaped like ``input``.

    Raises:
        IndexOutOfRangeError: If ``dim`` is out of range.
        ArgumentTypeError: If ``dim`` is not an int.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.cumsum(jnp.array([1, 2, 3]), dim=0)
        Array([1, 3, 6], dtype=int32)
    """
    x = _input("cumsum", input)
    axis = _checks.normalize_dim("cumsum", dim, x.ndim)
    x = x.astype(_accumulator("cumsum", x, dtype))
    return jnp.cumsum(x, axis=axis) if x.ndim else x


@boundary("cumprod")
def cumprod(input: ArrayLike, dim: int, *, dtype: Any = None) -> jax.Array:
    """Cumulative product along ``dim``.

    Warning:
        Bool and integer inputs narrower than 64 bits accumulate in ``int32``, PyTorch's in
        ``int64`` (rustorch_fx's default integer is ``int32`` in both JAX modes); pass
        ``dtype=`` for another accumulator.

    Args:
        input: The array.
        dim: The dim to accumulate along.
        dtype: Cast the input to this dtype first.

    Returns:
        An array shaped like ``input``.

    Raises:
        IndexOutOfRangeError: If ``dim`` is out of range.
        ArgumentTypeError: If ``dim`` is not an int.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.cumprod(jnp.array([1.0, 2.0, 3.0]), dim=0)
        Array([1., 2., 6.], dtype=float32)
    """
    x = _input("cumprod", input)
    axis = _checks.normalize_dim("cumprod", dim, x.ndim)
    x = x.astype(_accumulator("cumprod", x, dtype))
    return jnp.cumprod(x, axis=axis) if x.ndim else x


def _cum_extreme(op: str, input: ArrayLike, dim: Any, largest: bool) -> tuple[jax.Array, ...]:
    x = _input(op, input)
    _require_real(op, x)
    axis = _checks.normalize_dim(op, dim, x.ndim)
    if x.ndim == 0 or x.shape[axis] == 0:
        return x, jnp.zeros(x.shape, _dtypes.INDEX)
    return _cum_extreme_kernel(x, axis, largest)


@functools.partial(jax.jit, static_argnums=(1, 2))
def _cum_extreme_kernel(x: jax.Array, axis: int, largest: bool) -> tuple[jax.Array, jax.Array]:
    # Compiled once per shape: an associative scan dispatched op by op is slow when eager.
    floating = _dtypes.is_floating(x.dtype)

    def combine(
        left: tuple[jax.Array, jax.Array], right: tuple[jax.Array, jax.Array]
    ) -> tuple[jax.Array, jax.Array]:
        # PyTorch's rule: a later element replaces the running extreme when it ties or beats
        # it (so ties take the last index), a NaN always replaces, and nothing replaces a NaN.
        (lv, li), (rv, ri) = left, right
        take = rv >= lv if largest else rv <= lv
        if floating:
            take = jnp.isnan(rv) | (~jnp.isnan(lv) & take)
        return jnp.where(take, rv, lv), jnp.where(take, ri, li)

    positions = lax.broadcasted_iota(_dtypes.INDEX, x.shape, axis)
    _, index = lax.associative_scan(combine, (lax.stop_gradient(x), positions), axis=axis)
    return jnp.take_along_axis(x, index, axis=axis), index


@boundary("cummax")
def cummax(input: ArrayLike, dim: int) -> CummaxResult:
    """Running maximum along ``dim`` and the index where each was found.

    As PyTorch: a tie moves the index to the later element, and once a NaN is seen the values
    stay NaN (the index follows each new NaN). The gradient flows to the returned indices.

    Args:
        input: A real array.
        dim: The dim to scan along.

    Returns:
        A :class:`CummaxResult` ``(values, indices)``, both shaped like ``input``
        (``indices`` is int32).

    Raises:
        IndexOutOfRangeError: If ``dim`` is out of range.
        DTypeError: If the input is complex.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.cummax(jnp.array([1.0, 3.0, 3.0, 2.0]), dim=0).indices
        Array([0, 1, 2, 2], dtype=int32)
    """
    return CummaxResult(*_cum_extreme("cummax", input, dim, largest=True))


@boundary("cummin")
def cummin(input: ArrayLike, dim: int) -> CumminResult:
    """Running minimum along ``dim`` and the index where each was found.

    As PyTorch: a tie moves the index to the later element, and once a NaN is seen the values
    stay NaN. The gradient flows to the returned indices.

    Args:
        input: A real array.
        dim: The dim to scan along.

    Returns:
        A :class:`CumminResult` ``(values, indices)``, both shaped like ``input``
        (``indices`` is int32).

    Raises:
        IndexOutOfRangeError: If ``dim`` is out of range.
        DTypeError: If the input is complex.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.cummin(jnp.array([3.0, 1.0, 2.0]), dim=0).indices
        Array([0, 1, 1], dtype=int32)
    """
    return CumminResult(*_cum_extreme("cummin", input, dim, largest=False))


@boundary("logcumsumexp")
def logcumsumexp(input: ArrayLike, dim: int) -> jax.Array:
    """Running ``log(sum(exp(input)))`` along ``dim``, computed stably.

    Args:
        input: A real floating array.
        dim: The dim to scan along.

    Returns:
        An array shaped like ``input``.

    Raises:
        DTypeError: If the input is not a real floating array (PyTorch does not implement
            integer inputs).
        IndexOutOfRangeError: If ``dim`` is out of range.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.logcumsumexp(jnp.array([0.0, 0.0]), dim=0)
        Array([0.       , 0.6931472], dtype=float32)
    """
    x = _input("logcumsumexp", input)
    if not _dtypes.is_floating(x.dtype):
        raise DTypeError(
            f"logcumsumexp: expected a real floating point input, got {np.dtype(x.dtype).name}"
        )
    axis = _checks.normalize_dim("logcumsumexp", dim, x.ndim)
    if x.ndim == 0 or x.shape[axis] == 0:
        return x
    return _logcumsumexp_kernel(x, axis)


@functools.partial(jax.jit, static_argnums=1)
def _logcumsumexp_kernel(x: jax.Array, axis: int) -> jax.Array:
    return lax.cumlogsumexp(x, axis=axis)


# ----------------------------------------------------------------------------------------------
# renorm, sum_to_size, dist, cov, corrcoef


@boundary("renorm")
def renorm(input: ArrayLike, p: float, dim: int, maxnorm: float) -> jax.Array:
    """Rescale each slice along ``dim`` whose ``p``-norm exceeds ``maxnorm`` to norm ``maxnorm``.

    torch's formula: the norm of each ``input.select(dim, i)`` over all its elements; slices
    above ``maxnorm`` are multiplied by ``maxnorm / (norm + 1e-7)``. Differentiable through
    the norm, as torch's.

    Args:
        input: A floating array of at least 1 dimension.
        p: The norm's order, positive.
        dim: The dimension whose slices are renormalized.
        maxnorm: The largest norm kept, non-negative.

    Returns:
        An array shaped like ``input``.

    Raises:
        DTypeError: If ``input`` is not floating.
        InvalidArgumentError: If ``p <= 0`` or ``maxnorm < 0``.
        ShapeError: If ``input`` is 0-d.
        IndexOutOfRangeError: If ``dim`` is out of range.
        ArgumentTypeError: If an argument has the wrong type.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> [[round(v, 3) for v in row] for row in ops.renorm(jnp.array([[3.0, 4.0], [0.3, 0.4]]), 2, 0, 1.0).tolist()]
        [[0.6, 0.8], [0.3, 0.4]]
    """
    x = _checks.as_array("renorm", "input", input)
    if not _dtypes.is_floating(x.dtype):
        raise DTypeError(f"renorm: expected a floating input, got {np.dtype(x.dtype).name}")
    if x.ndim < 1:
        raise ShapeError(f"renorm: input needs at least 2 dimensions, got {x.ndim} dimensions")
    d = _checks.normalize_dim("renorm", dim, x.ndim)
    pv = _check_ord_number("renorm", p, "p")
    if not pv > 0:
        raise InvalidArgumentError(f"renorm: non-positive norm not supported, got p={p}")
    if not isinstance(maxnorm, int | float | np.number) or isinstance(maxnorm, bool):
        raise ArgumentTypeError(f"renorm: maxnorm must be a number, got {type(maxnorm).__name__}")
    if maxnorm < 0:
        raise InvalidArgumentError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    others = tuple(i for i in range(x.ndim) if i != d)
    norm = _vector_norm("renorm", x, pv, others, True)
    limit = jnp.asarray(maxnorm, x.dtype)
    factor = jnp.where(norm > limit, limit / (norm + 1e-7), jnp.ones_like(norm))
    return x * factor


@boundary("sum_to_size")
def sum_to_size(input: ArrayLike, *size: Any) -> jax.Array:
    """Sum ``input`` down to ``size``, which must broadcast (expand) to ``input``'s shape.

    The reverse of broadcasting (``Tensor.sum_to_size``): leading dimensions are summed away
    and dimensions of size 1 in ``size`` are summed with ``keepdim``.

    Args:
        input: The array.
        *size: The target shape, as ints or one sequence.

    Returns:
        An array of shape ``size`` (``input``'s dtype).

    Raises:
        ShapeError: If ``size`` is not expandable to ``input``'s shape.
        ArgumentTypeError: If ``size`` is not ints.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.sum_to_size(jnp.ones((2, 3)), 1, 3).tolist()
        [[2.0, 2.0, 2.0]]
    """
    x = _checks.as_array("sum_to_size", "input", input)
    target = _checks.size_arg("sum_to_size", size)
    lead = x.ndim - len(target)
    if lead < 0 or builtins.any(
        t not in (1, s) for t, s in zip(target, x.shape[lead:], strict=True)
    ):
        raise ShapeError(
            f"sum_to_size: size {list(target)} is not expandable to size {list(x.shape)}"
        )
    axes = tuple(range(lead)) + tuple(
        lead + i for i, t in enumerate(target) if t == 1 and x.shape[lead + i] != 1
    )
    out = jnp.sum(x, axis=axes, keepdims=True, dtype=x.dtype) if axes else x
    return out.reshape(target)


@boundary("dist")
def dist(input: ArrayLike, other: ArrayLike, p: float = 2) -> jax.Array:
    """The ``p``-norm of ``input - other`` (broadcast), as one vector.

    Args:
        input: A floating array.
        other: A floating array broadcastable with ``input``.
        p: The norm's order (``inf``, ``-inf`` and ``0`` included).

    Returns:
        A 0-d array of the promoted floating dtype.

    Raises:
        DTypeError: If the operands are not floating or complex.
        ShapeError: If the shapes do not broadcast.
        ArgumentTypeError: If an argument has the wrong type.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.dist(jnp.array([1.0, 2.0]), jnp.array([4.0, 6.0])).tolist()
        5.0
    """
    a = _checks.as_array("dist", "input", input)
    b = _checks.as_array("dist", "other", other)
    for name, arr in (("input", a), ("other", b)):
        if _dtypes.category(arr.dtype) < 2:
            raise DTypeError(f"dist: expected a floating '{name}', got {np.dtype(arr.dtype).name}")
    try:
        shape = jnp.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ShapeError(
            f"dist: shapes {a.shape} ('input') and {b.shape} ('other') cannot be broadcast"
        ) from None
    dtype = _dtypes.result_type(a, b)
    diff = jnp.broadcast_to(a.astype(dtype) - b.astype(dtype), shape)
    return _vector_norm("dist", diff, _check_ord_number("dist", p, "p"), None, False)


def _observations(op: str, input: ArrayLike) -> jax.Array:
    x = _checks.as_array(op, "input", input)
    if x.ndim > 2:
        raise ShapeError(f"{op}: expected input to have two or fewer dimensions but got {x.ndim}")
    if _dtypes.category(x.dtype) < 2:
        x = x.astype(_dtypes.DEFAULT_FLOAT)
    return x.reshape(1, -1) if x.ndim < 2 else x


@boundary("cov")
def cov(
    input: ArrayLike,
    *,
    correction: int = 1,
    fweights: ArrayLike | None = None,
    aweights: ArrayLike | None = None,
) -> jax.Array:
    """The covariance matrix of the variables in the rows of ``input`` (``torch.cov``).

    Columns are observations. ``fweights`` (integer frequencies) and ``aweights`` (floating
    importance weights) weight the observations; ``correction`` is subtracted from the
    (weighted) count as torch does. The result is squeezed: a single variable gives a 0-d
    array. A non-positive normalizer gives inf/nan, as torch (which also warns).

    Args:
        input: A 1-D or 2-D array (integers give float32).
        correction: Bessel's correction (1: unbiased, 0: population).
        fweights: Optional 1-D non-negative integer weights, one per observation.
        aweights: Optional 1-D non-negative floating weights, one per observation.

    Returns:
        The ``(variables, variables)`` covariance, squeezed.

    Raises:
        ShapeError: For more than 2 dimensions or weights of the wrong shape.
        DTypeError: If ``fweights`` is not integer or ``aweights`` not floating.
        ArgumentTypeError: If an argument has the wrong type.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.cov(jnp.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]])).tolist()
        [[1.0, -1.0], [-1.0, 1.0]]
    """
    x = _observations("cov", input)
    n = x.shape[1]
    if not _checks.is_int(correction):
        raise ArgumentTypeError(f"cov: correction must be an int, got {type(correction).__name__}")
    weights = []
    for name, w, integral in (("fweights", fweights, True), ("aweights", aweights, False)):
        if w is None:
            weights.append(None)
            continue
        arr = _checks.as_array("cov", name, w)
        if arr.ndim > 1 or arr.size != n:
            raise ShapeError(
                f"cov: expected {name} to be a 1-D array with {n} elements (one per "
                f"observation), got shape {arr.shape}"
            )
        if integral != (_dtypes.category(arr.dtype) == 1):
            kind = "integer" if integral else "floating"
            raise DTypeError(f"cov: expected {name} to have an {kind} dtype, got {arr.dtype}")
        weights.append(arr.reshape(n).astype(x.dtype if not integral else arr.dtype))
    fw, aw = weights
    w = fw if aw is None else aw if fw is None else fw * aw
    if w is None:
        avg = jnp.mean(x, axis=1)
        w_sum = jnp.asarray(n, x.real.dtype)
        norm = w_sum - correction
    else:
        w = w.astype(x.real.dtype)
        w_sum = jnp.sum(w)
        avg = jnp.sum(x * w, axis=1) / w_sum
        if correction == 0:
            norm = w_sum
        elif aw is None:
            norm = w_sum - correction
        else:
            norm = w_sum - correction * jnp.sum(w * aw.astype(w.dtype)) / w_sum
    norm = jnp.maximum(norm, 0)
    xm = x - avg[:, None]
    weighted = xm if w is None else xm * w
    c = weighted @ jnp.conj(xm).T
    return jnp.squeeze(c / norm.astype(c.dtype))


@boundary("corrcoef")
def corrcoef(input: ArrayLike) -> jax.Array:
    """Pearson correlation coefficients of the variables in the rows of ``input``.

    ``cov(input) / outer(std, std)``, clipped to ``[-1, 1]`` (real and imaginary parts
    separately for complex input), as ``torch.corrcoef``.

    Args:
        input: A 1-D or 2-D array (integers give float32).

    Returns:
        The ``(variables, variables)`` coefficients, squeezed (0-d for one variable).

    Raises:
        ShapeError: For more than 2 dimensions.
        ArgumentTypeError: If ``input`` is not an array.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.corrcoef(jnp.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]])).tolist()
        [[1.0, -1.0], [-1.0, 1.0]]
    """
    c = cov(_observations("corrcoef", input))
    if c.ndim == 0:
        return c / c
    std = jnp.sqrt(jnp.real(jnp.diagonal(c))).astype(c.dtype)
    c = c / std[:, None] / std[None, :]
    if jnp.iscomplexobj(c):
        return lax.complex(jnp.clip(c.real, -1, 1), jnp.clip(c.imag, -1, 1))
    return jnp.clip(c, -1, 1)
