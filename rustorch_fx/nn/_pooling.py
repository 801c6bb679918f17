"""Pooling with ``torch.nn.functional``'s signatures: max, average, adaptive and power-average.

Inputs are channels-first, ``[N, C, L...]`` or unbatched ``[C, L...]``. Hyperparameters are
Python values (static under ``jax.jit``). Output sizes follow torch, ``ceil_mode`` included
(a window that would start in the right padding is dropped).

As in torch:

- max pooling routes the gradient of each output to one input, the first maximum of its window
  in row-major order (``jnp.max`` would split it between ties); NaN is a maximum (of several
  NaNs in a window, ``max_pool{1,2,3}d``'s indices name the last, as torch's CPU kernel does,
  but the gradient goes to the first);
- ``return_indices=True`` also returns, per output, the flat index of that maximum over the
  input's spatial dims (``h * W + w`` in 2-d), as int32 (compat converts to int64);
- average pooling's divisor follows ``count_include_pad`` and ``divisor_override``;
- adaptive pooling uses the bins ``[floor(i * L / out), ceil((i + 1) * L / out))``.

Lowering: each window position becomes a strided slice of the padded input, stacked on a last
axis of size ``prod(kernel_size)``; when ``kernel_size == stride`` without padding or
dilation the windows are a reshape instead (no copy). Max pooling takes the maximum of each
window with a compare-and-select chain over that axis, as torch's kernel scans a window (a
larger value or a NaN takes over: ties go to the first maximum, NaNs to the last NaN), and
routes the gradient with a custom JVP that selects the winning entry, so the backward is an
elementwise select, not XLA's select-and-scatter. Measured against the earlier lowering
(``argmax`` and a masked sum for the value; median CPU ms, one thread, busy 2-core x86, jax
0.10, 2x2 windows, forward / backward as separate programs, as ``compat`` runs them):

====================  ====================  ====================
input                 argmax + masked sum   select chain + JVP
====================  ====================  ====================
64 x 32 x 32 x 32     4.0 / 1.6             0.5 / 1.7
64 x 64 x 16 x 16     1.9 / 0.8             0.3 / 0.8
====================  ====================  ====================

Example:
    >>> max_pool2d(jnp.arange(16.0).reshape(1, 1, 4, 4), 2)
    Array([[[[ 5.,  7.],
             [13., 15.]]]], dtype=float32)
"""

from __future__ import annotations

import functools
import itertools
import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from rustorch_fx import _dtypes
from rustorch_fx._boundary import boundary
from rustorch_fx._checks import as_array, is_int, is_tracer
from rustorch_fx.errors import (
    ArgumentTypeError,
    DTypeError,
    IndexOutOfRangeError,
    InvalidArgumentError,
    ShapeError,
)
from rustorch_fx.nn._conv import _batched, _ntuple, _positive

__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_avg_pool3d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "adaptive_max_pool3d",
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d",
    "cross_map_lrn2d",
    "fractional_max_pool2d",
    "fractional_max_pool3d",
    "lp_pool1d",
    "lp_pool2d",
    "lp_pool3d",
    "max_pool1d",
    "max_pool2d",
    "max_pool3d",
    "max_unpool1d",
    "max_unpool2d",
    "max_unpool3d",
]


# --------------------------------------------------------------------------------------------
# Shared machinery.
# --------------------------------------------------------------------------------------------


def _pool_input(op: str, input: Any, nd: int, integers: bool = False) -> tuple[jax.Array, bool]:
    x = as_array(op, "input", input)
    kind = _dtypes.category(x.dtype)
    if not (kind == 2 or (integers and kind == 1)):
        raise DTypeError(f"{op}: expected a floating point input, got {np.dtype(x.dtype).name}")
    x, unbatched = _batched(op, x, nd)
    if any(n == 0 for n in x.shape[1:]):
        raise ShapeError(f"{op}: expected non-empty channel and spatial dims, got shape {x.shape}")
    return x, unbatched


def _out_size(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """Torch's ``pooling_output_shape``."""
    span = n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)
    out = span // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def _geometry(
    op: str,
    x: jax.Array,
    nd: int,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    ceil_mode: bool,
    max_pool: bool,
) -> tuple[tuple[int, ...], ...]:
    """Validated ``(kernel, stride, padding, dilation, out)`` tuples."""
    k = _ntuple(op, "kernel_size", kernel_size, nd)
    s = k if stride is None or (isinstance(stride, (list, tuple)) and not stride) else None
    s = s or _ntuple(op, "stride", stride, nd)
    p = _ntuple(op, "padding", padding, nd)
    d = _ntuple(op, "dilation", dilation, nd)
    _positive(op, "kernel_size", k)
    _positive(op, "stride", s)
    _positive(op, "dilation", d)
    for pi, ki, di in zip(p, k, d, strict=True):
        limit = ((ki - 1) * di + 1) // 2 if max_pool else ki // 2
        if pi < 0 or pi > limit:
            raise InvalidArgumentError(
                f"{op}: pad should be non-negative and at most half of the effective kernel "
                f"size, but got padding={p}, kernel_size={k}, dilation={d}"
            )
    out = tuple(
        _out_size(n, ki, si, pi, di, ceil_mode)
        for n, ki, si, pi, di in zip(x.shape[2:], k, s, p, d, strict=True)
    )
    if any(o < 1 for o in out):
        raise ShapeError(
            f"{op}: output size is too small: given input shape {tuple(x.shape)}, "
            f"kernel_size={k}, stride={s}, padding={p}, dilation={d}, the output would be "
            f"{tuple(x.shape[:2]) + out}"
        )
    return k, s, p, d, out


def _windows(
    x: jax.Array,
    k: tuple[int, ...],
    s: tuple[int, ...],
    p: tuple[int, ...],
    d: tuple[int, ...],
    out: tuple[int, ...],
    fill: Any,
) -> jax.Array:
    """The pooling windows: ``[N, C, *out, prod(k)]``, padded positions holding ``fill``."""
    nd = len(k)
    n, c = x.shape[:2]
    if (
        k == s
        and all(pi == 0 for pi in p)
        and all(di == 1 for di in d)
        and all(o * ki <= size for o, ki, size in zip(out, k, x.shape[2:], strict=True))
    ):
        # Non-overlapping windows: a crop and a reshape.
        x = x[(slice(None), slice(None), *(slice(0, o * ki) for o, ki in zip(out, k, strict=True)))]
        split = x.reshape((n, c, *itertools.chain.from_iterable(zip(out, k, strict=True))))
        perm = (0, 1, *range(2, 2 + 2 * nd, 2), *range(3, 3 + 2 * nd, 2))
        return jnp.transpose(split, perm).reshape((n, c, *out, math.prod(k)))
    config = [(0, 0, 0), (0, 0, 0)]
    for size, ki, si, pi, di, o in zip(x.shape[2:], k, s, p, d, out, strict=True):
        needed = (o - 1) * si + di * (ki - 1) + 1
        config.append((pi, needed - size - pi, 0))
    xp = lax.pad(x, jnp.asarray(fill, x.dtype), config)
    slices = []
    for offset in itertools.product(*(range(ki) for ki in k)):
        start = (0, 0, *(o_ * di for o_, di in zip(offset, d, strict=True)))
        limit = (
            n,
            c,
            *((o - 1) * si + st + 1 for o, si, st in zip(out, s, start[2:], strict=True)),
        )
        slices.append(lax.slice(xp, start, limit, (1, 1, *s)))
    return jnp.stack(slices, axis=-1)


def _torch_argmax(windows: jax.Array, value: jax.Array) -> jax.Array:
    """Index of torch's maximum ``value`` along the last axis: the first maximum or last NaN.

    Torch's CPU kernel scans a window and takes a value that is larger than the running
    maximum or NaN, so ties keep the first maximum and several NaNs the last one.
    """
    first_max = jnp.argmax(windows, axis=-1).astype(jnp.int32)
    if _dtypes.category(windows.dtype) != 2:
        return first_max
    # argmax finds the first NaN; in the reversed window that is the last one.
    last_nan = windows.shape[-1] - 1 - jnp.argmax(windows[..., ::-1], axis=-1).astype(jnp.int32)
    return jnp.where(jnp.isnan(value), last_nan, first_max)


def _chain_max(windows: jax.Array) -> jax.Array:
    """Torch's maximum over the last axis, as a compare-and-select chain over its entries.

    The chain is one elementwise pass (a reduction with ``argmax`` is several times slower on
    XLA:CPU). A larger entry or a NaN takes over, as in torch's kernel.
    """
    value = windows[..., 0]
    floating = _dtypes.category(windows.dtype) == 2
    for i in range(1, windows.shape[-1]):
        entry = windows[..., i]
        take = entry > value
        if floating:
            take = take | jnp.isnan(entry)
        value = jnp.where(take, entry, value)
    return value


@jax.custom_jvp
def _window_max(windows: jax.Array) -> jax.Array:
    """:func:`_chain_max` of floating windows, differentiated through the winning entry.

    The JVP routes each tangent from the first maximum (the first NaN if any: torch's
    gradient goes to the last NaN), so the backward is a select, not XLA's
    select-and-scatter, and derivatives of any order exist.
    """
    return _chain_max(windows)


@_window_max.defjvp
def _window_max_jvp(
    primals: tuple[jax.Array], tangents: tuple[jax.Array]
) -> tuple[jax.Array, jax.Array]:
    (windows,), (d_windows,) = primals, tangents
    # argmax picks the first NaN where torch picks the last: only the routing of gradients
    # through windows holding several NaNs differs, and exact routing costs ~2x backward.
    idx = jnp.argmax(windows, axis=-1)
    chosen = lax.broadcasted_iota(jnp.int32, windows.shape, windows.ndim - 1) == idx[..., None]
    tangent = jnp.sum(jnp.where(chosen, d_windows, jnp.zeros((), d_windows.dtype)), axis=-1)
    return _chain_max(windows), tangent


def _lowest(dtype: Any) -> Any:
    if _dtypes.category(dtype) == 2:
        return -np.inf
    return np.iinfo(dtype).min


def _select_max(windows: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Max over the last axis with the gradient routed to the first argmax only."""
    idx = jnp.argmax(windows, axis=-1)
    chosen = lax.broadcasted_iota(jnp.int32, windows.shape, windows.ndim - 1) == idx[..., None]
    value = jnp.sum(jnp.where(chosen, windows, jnp.zeros((), windows.dtype)), axis=-1)
    return value, idx.astype(jnp.int32)


def _strides(shape: tuple[int, ...]) -> np.ndarray:
    """Row-major element strides of a spatial shape."""
    return np.array([math.prod(shape[i + 1 :]) for i in range(len(shape))], dtype=np.int64)


def _finish(y: Any, unbatched: bool) -> Any:
    if isinstance(y, tuple):
        return tuple(_finish(v, unbatched) for v in y)
    return y[0] if unbatched else y


# --------------------------------------------------------------------------------------------
# Max pooling.
# --------------------------------------------------------------------------------------------


def _max_pool(
    op: str,
    nd: int,
    input: Any,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    ceil_mode: bool,
    return_indices: bool,
) -> Any:
    x, unbatched = _pool_input(op, input, nd, integers=True)
    k, s, p, d, out = _geometry(op, x, nd, kernel_size, stride, padding, dilation, ceil_mode, True)
    windows = _windows(x, k, s, p, d, out, _lowest(x.dtype))
    floating = _dtypes.category(x.dtype) == 2
    value = _window_max(windows) if floating else _chain_max(windows)
    if not return_indices:
        return _finish(value, unbatched)
    idx = _torch_argmax(windows, value)
    # Flat index of the window start per output, plus the flat offset of each window element.
    strides = _strides(tuple(x.shape[2:]))
    base = np.zeros(out, dtype=np.int64)
    for i in range(nd):
        pos = np.arange(out[i]) * s[i] - p[i]
        base = base + (pos * strides[i]).reshape([-1 if j == i else 1 for j in range(nd)])
    offsets = np.array(
        [
            sum(o * d[i] * strides[i] for i, o in enumerate(off))
            for off in itertools.product(*(range(ki) for ki in k))
        ],
        dtype=np.int32,
    )
    indices = jnp.asarray(base.astype(np.int32)) + jnp.take(jnp.asarray(offsets), idx)
    return _finish((value, indices), unbatched)


@boundary("max_pool1d")
def max_pool1d(
    input: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """1-d max pooling (``torch.nn.functional.max_pool1d``).

    Args:
        input: ``[N, C, L]`` or unbatched ``[C, L]``, floating or integer.
        kernel_size: Window size, an int or a 1-tuple.
        stride: Window stride (default: ``kernel_size``).
        padding: Implicit ``-inf`` padding on both sides, at most half the dilated kernel.
        dilation: Spacing between window elements (default 1).
        ceil_mode: Use ``ceil`` instead of ``floor`` for the output size.
        return_indices: Also return the flat spatial index of each maximum.

    Returns:
        ``[N, C, L_out]`` (unbatched: no ``N``); with ``return_indices`` a tuple
        ``(values, indices)``, the indices int32.

    Raises:
        InvalidArgumentError: For non-positive kernel/stride/dilation or too much padding.
        ShapeError: For a bad input rank or an empty output.
        DTypeError: For bool or complex input.

    Example:
        >>> max_pool1d(jnp.ones((2, 3, 8)), 2).shape
        (2, 3, 4)
    """
    return _max_pool(
        "max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices
    )


@boundary("max_pool2d")
def max_pool2d(
    input: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """2-d max pooling (``torch.nn.functional.max_pool2d``).

    Args:
        input: ``[N, C, H, W]`` or unbatched ``[C, H, W]``, floating or integer.
        kernel_size: Window size, an int or a tuple of 2 ints.
        stride: Window stride (default: ``kernel_size``).
        padding: Implicit ``-inf`` padding on both sides, at most half the dilated kernel.
        dilation: Spacing between window elements (default 1).
        ceil_mode: Use ``ceil`` instead of ``floor`` for the output size.
        return_indices: Also return the flat spatial index of each maximum.

    Returns:
        ``[N, C, H_out, W_out]`` (unbatched: no ``N``); with ``return_indices`` a tuple
        ``(values, indices)``, the indices int32.

    Raises:
        InvalidArgumentError: For non-positive kernel/stride/dilation or too much padding.
        ShapeError: For a bad input rank or an empty output.
        DTypeError: For bool or complex input.

    Example:
        >>> max_pool2d(jnp.ones((2, 3, 8, 8)), 2).shape
        (2, 3, 4, 4)
    """
    return _max_pool(
        "max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices
    )


@boundary("max_pool3d")
def max_pool3d(
    input: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """3-d max pooling (``torch.nn.functional.max_pool3d``).

    Args:
        input: ``[N, C, D, H, W]`` or unbatched ``[C, D, H, W]``, floating or integer.
        kernel_size: Window size, an int or a tuple of 3 ints.
        stride: Window stride (default: ``kernel_size``).
        padding: Implicit ``-inf`` padding on both sides, at most half the dilated kernel.
        dilation: Spacing between window elements (default 1).
        ceil_mode: Use ``ceil`` instead of ``floor`` for the output size.
        return_indices: Also return the flat spatial index of each maximum.

    Returns:
        ``[N, C, D_out, H_out, W_out]`` (unbatched: no ``N``); with ``return_indices`` a tuple
        ``(values, indices)``, the indices int32.

    Raises:
        InvalidArgumentError: For non-positive kernel/stride/dilation or too much padding.
        ShapeError: For a bad input rank or an empty output.
        DTypeError: For bool or complex input.

    Example:
        >>> max_pool3d(jnp.ones((2, 3, 8, 8, 8)), 2).shape
        (2, 3, 4, 4, 4)
    """
    return _max_pool(
        "max_pool3d", 3, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices
    )


# --------------------------------------------------------------------------------------------
# Average and power-average pooling.
# --------------------------------------------------------------------------------------------


def _divisor_1d(n: int, k: int, s: int, p: int, out: int, include_pad: bool) -> np.ndarray:
    start = np.arange(out) * s - p
    end = np.minimum(start + k, n + p)
    if include_pad:
        return (end - start).astype(np.float64)
    return (np.minimum(end, n) - np.maximum(start, 0)).astype(np.float64)


def _avg_pool(
    op: str,
    nd: int,
    input: Any,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    ceil_mode: bool,
    count_include_pad: bool,
    divisor_override: Any,
) -> jax.Array:
    x, unbatched = _pool_input(op, input, nd)
    k, s, p, _, out = _geometry(op, x, nd, kernel_size, stride, padding, 1, ceil_mode, False)
    if divisor_override is not None and (not is_int(divisor_override) or divisor_override == 0):
        raise InvalidArgumentError(
            f"{op}: divisor_override must be a non-zero integer, got {divisor_override!r}"
        )
    return _finish(_average(x, k, s, p, out, count_include_pad, divisor_override), unbatched)


def _average(
    x: jax.Array,
    k: tuple[int, ...],
    s: tuple[int, ...],
    p: tuple[int, ...],
    out: tuple[int, ...],
    include_pad: bool,
    divisor_override: int | None,
) -> jax.Array:
    nd = len(k)
    total = jnp.sum(_windows(x, k, s, p, (1,) * nd, out, 0), axis=-1)
    if divisor_override is not None:
        return total / jnp.asarray(divisor_override, x.dtype)
    divisor = np.ones(out)
    for i in range(nd):
        div = _divisor_1d(x.shape[2 + i], k[i], s[i], p[i], out[i], include_pad)
        divisor = divisor * div.reshape([-1 if j == i else 1 for j in range(nd)])
    return total / jnp.asarray(divisor, x.dtype)


@boundary("avg_pool1d")
def avg_pool1d(
    input: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> jax.Array:
    """1-d average pooling (``torch.nn.functional.avg_pool1d``).

    Args:
        input: ``[N, C, L]`` or unbatched ``[C, L]``, floating.
        kernel_size: Window size, an int or a 1-tuple.
        stride: Window stride (default: ``kernel_size``).
        padding: Implicit zero padding on both sides, at most half the kernel.
        ceil_mode: Use ``ceil`` instead of ``floor`` for the output size.
        count_include_pad: Whether the zero padding counts in the divisor.

    Returns:
        ``[N, C, L_out]`` (unbatched: no ``N``).

    Raises:
        InvalidArgumentError: For non-positive kernel/stride, too much padding or a zero
            ``divisor_override``.
        ShapeError: For a bad input rank or an empty output.
        DTypeError: For a non-floating input.

    Example:
        >>> avg_pool1d(jnp.ones((2, 3, 8)), 2).shape
        (2, 3, 4)
    """
    return _avg_pool(
        "avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None
    )


@boundary("avg_pool2d")
def avg_pool2d(
    input: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> jax.Array:
    """2-d average pooling (``torch.nn.functional.avg_pool2d``).

    Args:
        input: ``[N, C, H, W]`` or unbatched ``[C, H, W]``, floating.
        kernel_size: Window size, an int or a tuple of 2 ints.
        stride: Window stride (default: ``kernel_size``).
        padding: Implicit zero padding on both sides, at most half the kernel.
        ceil_mode: Use ``ceil`` instead of ``floor`` for the output size.
        count_include_pad: Whether the zero padding counts in the divisor.
        divisor_override: If given, the divisor of every window.

    Returns:
        ``[N, C, H_out, W_out]`` (unbatched: no ``N``).

    Raises:
        InvalidArgumentError: For non-positive kernel/stride, too much padding or a zero
            ``divisor_override``.
        ShapeError: For a bad input rank or an empty output.
        DTypeError: For a non-floating input.

    Example:
        >>> avg_pool2d(jnp.ones((2, 3, 8, 8)), 2).shape
        (2, 3, 4, 4)
    """
    return _avg_pool(
        "avg_pool2d",
        2,
        input,
        kernel_size,
        stride,
        padding,
        ceil_mode,
        count_include_pad,
        divisor_override,
    )


@boundary("avg_pool3d")
def avg_pool3d(
    input: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> jax.Array:
    """3-d average pooling (``torch.nn.functional.avg_pool3d``).

    Args:
        input: ``[N, C, D, H, W]`` or unbatched ``[C, D, H, W]``, floating.
        kernel_size: Window size, an int or a tuple of 3 ints.
        stride: Window stride (default: ``kernel_size``).
        padding: Implicit zero padding on both sides, at most half the kernel.
        ceil_mode: Use ``ceil`` instead of ``floor`` for the output size.
        count_include_pad: Whether the zero padding counts in the divisor.
        divisor_override: If given, the divisor of every window.

    Returns:
        ``[N, C, D_out, H_out, W_out]`` (unbatched: no ``N``).

    Raises:
        InvalidArgumentError: For non-positive kernel/stride, too much padding or a zero
            ``divisor_override``.
        ShapeError: For a bad input rank or an empty output.
        DTypeError: For a non-floating input.

    Example:
        >>> avg_pool3d(jnp.ones((2, 3, 8, 8, 8)), 2).shape
        (2, 3, 4, 4, 4)
    """
    return _avg_pool(
        "avg_pool3d",
        3,
        input,
        kernel_size,
        stride,
        padding,
        ceil_mode,
        count_include_pad,
        divisor_override,
    )


def _lp_pool(
    op: str, nd: int, input: Any, norm_type: Any, kernel_size: Any, stride: Any, ceil_mode: bool
) -> jax.Array:
    if isinstance(norm_type, bool) or not isinstance(norm_type, (int, float, np.number)):
        raise ArgumentTypeError(f"{op}: norm_type must be a number, got {norm_type!r}")
    if norm_type == 0:
        raise InvalidArgumentError(f"{op}: norm_type must be non-zero")
    x, unbatched = _pool_input(op, input, nd)
    k, s, p, _, out = _geometry(op, x, nd, kernel_size, stride, 0, 1, ceil_mode, False)
    mean = _average(x**norm_type, k, s, p, out, True, None)
    # torch's form: (sign(mean) * relu(|mean|) * prod(k)) ** (1 / p); with ceil_mode the
    # mean of a partial window divides by its clipped size before the product rescales it.
    y = (jnp.sign(mean) * jax.nn.relu(jnp.abs(mean)) * math.prod(k)) ** (1.0 / norm_type)
    return _finish(y, unbatched)


@boundary("lp_pool1d")
def lp_pool1d(
    input: Any, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False
) -> jax.Array:
    """1-d power-average pooling (``torch.nn.functional.lp_pool1d``).

    Computes ``(sum over the window of x ** norm_type) ** (1 / norm_type)``; windows with a
    negative sum give 0 (NaN for ``norm_type`` < 1 as in torch). No padding.

    Args:
        input: ``[N, C, L]`` or unbatched ``[C, L]``, floating.
        norm_type: The power ``p`` (non-zero; ``inf`` gives max pooling's values).
        kernel_size: Window size, an int or a 1-tuple.
        stride: Window stride (default: ``kernel_size``).
        ceil_mode: Use ``ceil`` instead of ``floor`` for the output size.

    Returns:
        ``[N, C, L_out]`` (unbatched: no ``N``).

    Raises:
        InvalidArgumentError: For a zero ``norm_type`` or bad window arguments.
        ShapeError: For a bad input rank or an empty output.

    Example:
        >>> lp_pool1d(jnp.ones((2, 3, 8)), 2.0, 2).shape
        (2, 3, 4)
    """
    return _lp_pool("lp_pool1d", 1, input, norm_type, kernel_size, stride, ceil_mode)


@boundary("lp_pool2d")
def lp_pool2d(
    input: Any, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False
) -> jax.Array:
    """2-d power-average pooling (``torch.nn.functional.lp_pool2d``).

    Computes ``(sum over the window of x ** norm_type) ** (1 / norm_type)``; windows with a
    negative sum give 0 (NaN for ``norm_type`` < 1 as in torch). No padding.

    Args:
        input: ``[N, C, H, W]`` or unbatched ``[C, H, W]``, floating.
        norm_type: The power ``p`` (non-zero; ``inf`` gives max pooling's values).
        kernel_size: Window size, an int or a tuple of 2 ints.
        stride: Window stride (default: ``kernel_size``).
        ceil_mode: Use ``ceil`` instead of ``floor`` for the output size.

    Returns:
        ``[N, C, H_out, W_out]`` (unbatched: no ``N``).

    Raises:
        InvalidArgumentError: For a zero ``norm_type`` or bad window arguments.
        ShapeError: For a bad input rank or an empty output.

    Example:
        >>> lp_pool2d(jnp.ones((2, 3, 8, 8)), 2.0, 2).shape
        (2, 3, 4, 4)
    """
    return _lp_pool("lp_pool2d", 2, input, norm_type, kernel_size, stride, ceil_mode)


@boundary("lp_pool3d")
def lp_pool3d(
    input: Any, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False
) -> jax.Array:
    """3-d power-average pooling (``torch.nn.functional.lp_pool3d``).

    Computes ``(sum over the window of x ** norm_type) ** (1 / norm_type)``; windows with a
    negative sum give 0 (NaN for ``norm_type`` < 1 as in torch). No padding.

    Args:
        input: ``[N, C, D, H, W]`` or unbatched ``[C, D, H, W]``, floating.
        norm_type: The power ``p`` (non-zero; ``inf`` gives max pooling's values).
        kernel_size: Window size, an int or a tuple of 3 ints.
        stride: Window stride (default: ``kernel_size``).
        ceil_mode: Use ``ceil`` instead of ``floor`` for the output size.

    Returns:
        ``[N, C, D_out, H_out, W_out]`` (unbatched: no ``N``).

    Raises:
        InvalidArgumentError: For a zero ``norm_type`` or bad window arguments.
        ShapeError: For a bad input rank or an empty output.

    Example:
        >>> lp_pool3d(jnp.ones((2, 3, 8, 8, 8)), 2.0, 2).shape
        (2, 3, 4, 4, 4)
    """
    return _lp_pool("lp_pool3d", 3, input, norm_type, kernel_size, stride, ceil_mode)


# --------------------------------------------------------------------------------------------
# Adaptive pooling.
# --------------------------------------------------------------------------------------------


def _adaptive_out(op: str, x: jax.Array, nd: int, output_size: Any) -> tuple[int, ...]:
    if output_size is None or (is_int(output_size) and nd == 1):
        output_size = (output_size,)
    sizes = output_size if isinstance(output_size, (list, tuple)) else (output_size,) * nd
    if len(sizes) == 1 and nd > 1:
        sizes = tuple(sizes) * nd
    if len(sizes) != nd:
        raise InvalidArgumentError(
            f"{op}: output_size must be an int or a tuple of {nd} ints, got {output_size!r}"
        )
    out = []
    for size, n in zip(sizes, x.shape[2:], strict=True):
        if size is None:
            out.append(n)
        elif not is_int(size) or size < 0:
            raise InvalidArgumentError(
                f"{op}: output_size must hold non-negative ints or None, got {output_size!r}"
            )
        else:
            out.append(int(size))
    return tuple(out)


def _bins(n: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    i = np.arange(out)
    return (i * n) // out, -((-(i + 1) * n) // out)


def _adaptive_avg(op: str, nd: int, input: Any, output_size: Any) -> jax.Array:
    x, unbatched = _pool_input(op, input, nd)
    out = _adaptive_out(op, x, nd, output_size)
    y = x
    for i, (n, o) in enumerate(zip(x.shape[2:], out, strict=True)):
        start, end = _bins(n, o)
        cols = np.arange(n)
        mat = ((cols >= start[:, None]) & (cols < end[:, None])) / (end - start)[:, None]
        y = jnp.moveaxis(
            jnp.tensordot(
                y,
                jnp.asarray(mat.T, x.dtype),
                axes=([2 + i], [0]),
                precision=lax.Precision.HIGHEST,
            ),
            -1,
            2 + i,
        )
    return _finish(y, unbatched)


def _adaptive_max(op: str, nd: int, input: Any, output_size: Any, return_indices: bool) -> Any:
    x, unbatched = _pool_input(op, input, nd, integers=True)
    out = _adaptive_out(op, x, nd, output_size)
    if any(o == 0 for o in out):
        raise ShapeError(f"{op}: output_size must be positive, got {out}")
    n, c = x.shape[:2]
    tables = []
    y = x
    for i, (size, o) in enumerate(zip(x.shape[2:], out, strict=True)):
        start, end = _bins(size, o)
        width = int((end - start).max())
        table = np.minimum(start[:, None] + np.arange(width), end[:, None] - 1)
        tables.append(table)
        y = jnp.take(y, jnp.asarray(table.reshape(-1), jnp.int32), axis=2 + 2 * i)
        y = y.reshape((*y.shape[: 2 + 2 * i], o, width, *y.shape[3 + 2 * i :]))
    widths = [t.shape[1] for t in tables]
    perm = (0, 1, *range(2, 2 + 2 * nd, 2), *range(3, 3 + 2 * nd, 2))
    windows = jnp.transpose(y, perm).reshape((n, c, *out, math.prod(widths)))
    value, idx = _select_max(windows)
    if not return_indices:
        return _finish(value, unbatched)
    strides = _strides(tuple(x.shape[2:]))
    flat = np.zeros((*out, *widths), dtype=np.int64)
    for i, t in enumerate(tables):
        shape = [1] * (2 * nd)
        shape[i], shape[nd + i] = t.shape
        flat = flat + (t * strides[i]).reshape(shape)
    flat = jnp.asarray(flat.reshape((*out, -1)).astype(np.int32))
    indices = jnp.take_along_axis(
        jnp.broadcast_to(flat, (n, c, *flat.shape)), idx[..., None], axis=-1
    )[..., 0]
    return _finish((value, indices), unbatched)


@boundary("adaptive_avg_pool1d")
def adaptive_avg_pool1d(input: Any, output_size: Any) -> jax.Array:
    """1-d adaptive average pooling (``torch.nn.functional.adaptive_avg_pool1d``).

    Output ``i`` averages the bin ``[floor(i * L / out), ceil((i + 1) * L / out))`` per dim.

    Args:
        input: ``[N, C, L]`` or unbatched ``[C, L]``, floating.
        output_size: The target size, an int or a 1-tuple (``None`` keeps a dim).

    Returns:
        ``[N, C, *output_size]`` (unbatched: no ``N``).

    Raises:
        InvalidArgumentError: For a bad ``output_size``.
        ShapeError: For a bad input rank.

    Example:
        >>> adaptive_avg_pool1d(jnp.ones((2, 3, 8)), 2).shape
        (2, 3, 4)
    """
    return _adaptive_avg("adaptive_avg_pool1d", 1, input, output_size)


@boundary("adaptive_avg_pool2d")
def adaptive_avg_pool2d(input: Any, output_size: Any) -> jax.Array:
    """2-d adaptive average pooling (``torch.nn.functional.adaptive_avg_pool2d``).

    Output ``i`` averages the bin ``[floor(i * L / out), ceil((i + 1) * L / out))`` per dim.

    Args:
        input: ``[N, C, H, W]`` or unbatched ``[C, H, W]``, floating.
        output_size: The target size, an int or a tuple of 2 ints (``None`` keeps a dim).

    Returns:
        ``[N, C, *output_size]`` (unbatched: no ``N``).

    Raises:
        InvalidArgumentError: For a bad ``output_size``.
        ShapeError: For a bad input rank.

    Example:
        >>> adaptive_avg_pool2d(jnp.ones((2, 3, 8, 8)), 2).shape
        (2, 3, 4, 4)
    """
    return _adaptive_avg("adaptive_avg_pool2d", 2, input, output_size)


@boundary("adaptive_avg_pool3d")
def adaptive_avg_pool3d(input: Any, output_size: Any) -> jax.Array:
    """3-d adaptive average pooling (``torch.nn.functional.adaptive_avg_pool3d``).

    Output ``i`` averages the bin ``[floor(i * L / out), ceil((i + 1) * L / out))`` per dim.

    Args:
        input: ``[N, C, D, H, W]`` or unbatched ``[C, D, H, W]``, floating.
        output_size: The target size, an int or a tuple of 3 ints (``None`` keeps a dim).

    Returns:
        ``[N, C, *output_size]`` (unbatched: no ``N``).

    Raises:
        InvalidArgumentError: For a bad ``output_size``.
        ShapeError: For a bad input rank.

    Example:
        >>> adaptive_avg_pool3d(jnp.ones((2, 3, 8, 8, 8)), 2).shape
        (2, 3, 4, 4, 4)
    """
    return _adaptive_avg("adaptive_avg_pool3d", 3, input, output_size)


@boundary("adaptive_max_pool1d")
def adaptive_max_pool1d(input: Any, output_size: Any, return_indices: bool = False) -> Any:
    """1-d adaptive max pooling (``torch.nn.functional.adaptive_max_pool1d``).

    Output ``i`` is the maximum of the bin ``[floor(i * L / out), ceil((i + 1) * L / out))``
    per dim; the gradient goes to its first maximum.

    Args:
        input: ``[N, C, L]`` or unbatched ``[C, L]``, floating or integer.
        output_size: The target size, an int or a 1-tuple (``None`` keeps a dim).
        return_indices: Also return the flat spatial index of each maximum (int32).

    Returns:
        ``[N, C, *output_size]`` (unbatched: no ``N``); with ``return_indices`` a tuple
        ``(values, indices)``.

    Raises:
        InvalidArgumentError: For a bad ``output_size``.
        ShapeError: For a bad input rank or a zero output size.

    Example:
        >>> adaptive_max_pool1d(jnp.ones((2, 3, 8)), 2).shape
        (2, 3, 4)
    """
    return _adaptive_max("adaptive_max_pool1d", 1, input, output_size, return_indices)


@boundary("adaptive_max_pool2d")
def adaptive_max_pool2d(input: Any, output_size: Any, return_indices: bool = False) -> Any:
    """2-d adaptive max pooling (``torch.nn.functional.adaptive_max_pool2d``).

    Output ``i`` is the maximum of the bin ``[floor(i * L / out), ceil((i + 1) * L / out))``
    per dim; the gradient goes to its first maximum.

    Args:
        input: ``[N, C, H, W]`` or unbatched ``[C, H, W]``, floating or integer.
        output_size: The target size, an int or a tuple of 2 ints (``None`` keeps a dim).
        return_indices: Also return the flat spatial index of each maximum (int32).

    Returns:
        ``[N, C, *output_size]`` (unbatched: no ``N``); with ``return_indices`` a tuple
        ``(values, indices)``.

    Raises:
        InvalidArgumentError: For a bad ``output_size``.
        ShapeError: For a bad input rank or a zero output size.

    Example:
        >>> adaptive_max_pool2d(jnp.ones((2, 3, 8, 8)), 2).shape
        (2, 3, 4, 4)
    """
    return _adaptive_max("adaptive_max_pool2d", 2, input, output_size, return_indices)


@boundary("adaptive_max_pool3d")
def adaptive_max_pool3d(input: Any, output_size: Any, return_indices: bool = False) -> Any:
    """3-d adaptive max pooling (``torch.nn.functional.adaptive_max_pool3d``).

    Output ``i`` is the maximum of the bin ``[floor(i * L / out), ceil((i + 1) * L / out))``
    per dim; the gradient goes to its first maximum.

    Args:
        input: ``[N, C, D, H, W]`` or unbatched ``[C, D, H, W]``, floating or integer.
        output_size: The target size, an int or a tuple of 3 ints (``None`` keeps a dim).
        return_indices: Also return the flat spatial index of each maximum (int32).

    Returns:
        ``[N, C, *output_size]`` (unbatched: no ``N``); with ``return_indices`` a tuple
        ``(values, indices)``.

    Raises:
        InvalidArgumentError: For a bad ``output_size``.
        ShapeError: For a bad input rank or a zero output size.

    Example:
        >>> adaptive_max_pool3d(jnp.ones((2, 3, 8, 8, 8)), 2).shape
        (2, 3, 4, 4, 4)
    """
    return _adaptive_max("adaptive_max_pool3d", 3, input, output_size, return_indices)


# --------------------------------------------------------------------------------------------
# Max unpooling.
# --------------------------------------------------------------------------------------------


def _unpool_size(
    op: str, x: jax.Array, nd: int, kernel_size: Any, stride: Any, padding: Any, output_size: Any
) -> tuple[int, ...]:
    """Torch's ``_unpool_output_size``: the default size or a checked ``output_size``."""
    k = _ntuple(op, "kernel_size", kernel_size, nd)
    s = k if stride is None or (isinstance(stride, (list, tuple)) and not stride) else None
    s = s or _ntuple(op, "stride", stride, nd)
    p = _ntuple(op, "padding", padding, nd)
    _positive(op, "kernel_size", k)
    _positive(op, "stride", s)
    default = tuple(
        (n - 1) * si + ki - 2 * pi for n, ki, si, pi in zip(x.shape[2:], k, s, p, strict=True)
    )
    if output_size is None:
        size = default
    else:
        given = (output_size,) if is_int(output_size) else tuple(output_size)
        if len(given) == nd + 2:
            given = given[2:]
        if len(given) != nd or not all(is_int(v) for v in given):
            raise InvalidArgumentError(
                f"{op}: output_size should be a sequence containing {nd} or {nd + 2} integers, "
                f"got {output_size!r}"
            )
        size = tuple(int(v) for v in given)
        for i, (o, dflt, si) in enumerate(zip(size, default, s, strict=True)):
            if not dflt - si < o < dflt + si:
                raise InvalidArgumentError(
                    f'{op}: invalid output_size "{list(size)}" (dim {i} must be between '
                    f"{dflt - si} and {dflt + si})"
                )
    if any(o < 1 for o in size):
        raise ShapeError(f"{op}: the output size {size} must be positive")
    return size


@functools.partial(jax.custom_vjp, nondiff_argnums=(2,))
def _scatter_max(x: jax.Array, idx: jax.Array, volume: int) -> jax.Array:
    """``[N, C, V]`` zeros with ``x[n, c, i]`` written at ``idx[n, c, i]`` (out of range: dropped)."""
    n, c = x.shape[:2]
    out = jnp.zeros((n, c, volume), x.dtype)
    rows = jnp.arange(n)[:, None, None]
    chans = jnp.arange(c)[None, :, None]
    return out.at[rows, chans, idx].set(x, mode="drop")


def _scatter_max_fwd(x: jax.Array, idx: jax.Array, volume: int) -> tuple[jax.Array, jax.Array]:
    return _scatter_max(x, idx, volume), idx


def _scatter_max_bwd(volume: int, idx: jax.Array, g: jax.Array) -> tuple[jax.Array, np.ndarray]:
    # torch's backward: each input reads the output gradient at its index (duplicates included).
    valid = (idx >= 0) & (idx < volume)
    grad = jnp.take_along_axis(g, jnp.clip(idx, 0, volume - 1), axis=-1)
    grad = jnp.where(valid, grad, jnp.zeros((), g.dtype))
    return grad, np.zeros(idx.shape, dtype=jax.dtypes.float0)


_scatter_max.defvjp(_scatter_max_fwd, _scatter_max_bwd)


def _max_unpool(
    op: str,
    nd: int,
    input: Any,
    indices: Any,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    output_size: Any,
) -> jax.Array:
    x, unbatched = _pool_input(op, input, nd, integers=True)
    idx = as_array(op, "indices", indices)
    if _dtypes.category(idx.dtype) != 1:
        raise DTypeError(
            f"{op}: elements in indices should be an integer type, got {np.dtype(idx.dtype).name}"
        )
    if unbatched:
        idx = idx[None] if idx.ndim == nd + 1 else idx
    if tuple(idx.shape) != tuple(x.shape):
        raise ShapeError(
            f"{op}: expected indices of the same shape as the input {tuple(x.shape)}, got "
            f"{tuple(idx.shape)}"
        )
    size = _unpool_size(op, x, nd, kernel_size, stride, padding, output_size)
    volume = math.prod(size)
    if not is_tracer(idx) and idx.size:
        values = np.asarray(idx)
        bad = values[(values < 0) | (values >= volume)]
        if bad.size:
            raise IndexOutOfRangeError(
                f"{op}: found an invalid max index: {int(bad.reshape(-1)[0])} (the output "
                f"volumes are of size {'x'.join(map(str, size))})"
            )
    n, c = x.shape[:2]
    flat = _scatter_max(x.reshape(n, c, -1), idx.reshape(n, c, -1), volume)
    return _finish(flat.reshape((n, c, *size)), unbatched)


@boundary("max_unpool1d")
def max_unpool1d(
    input: Any,
    indices: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    output_size: Any = None,
) -> jax.Array:
    """Partial inverse of :func:`max_pool1d` (``torch.nn.functional.max_unpool1d``).

    Writes each value of ``input`` at its flat index ``indices`` in a zero output; the gradient
    of each input is the output gradient read back at its index, as in torch.

    Args:
        input: ``[N, C, L]`` or unbatched ``[C, L]``, the pooled values.
        indices: Integer array of ``input``'s shape, from ``max_pool1d(return_indices=True)``.
        kernel_size: The pooling window, an int or a 1-tuple.
        stride: The pooling stride (default: ``kernel_size``).
        padding: The pooling padding (default 0).
        output_size: The output length (``[L]`` or ``[N, C, L]``); by default
            ``(L_in - 1) * stride + kernel_size - 2 * padding``; must lie strictly within
            ``stride`` of that default.

    Returns:
        ``[N, C, L_out]`` (unbatched: no ``N``).

    Raises:
        IndexOutOfRangeError: For a concrete index outside the output (under ``jax.jit`` such
            an index is dropped instead).
        InvalidArgumentError: For a bad ``output_size`` or non-positive kernel/stride.
        ShapeError: For a bad rank or indices of another shape.
        DTypeError: For non-integer indices.

    Example:
        >>> v, i = max_pool1d(jnp.arange(4.0).reshape(1, 1, 4), 2, return_indices=True)
        >>> max_unpool1d(v, i, 2)
        Array([[[0., 1., 0., 3.]]], dtype=float32)
    """
    return _max_unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding, output_size)


@boundary("max_unpool2d")
def max_unpool2d(
    input: Any,
    indices: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    output_size: Any = None,
) -> jax.Array:
    """Partial inverse of :func:`max_pool2d` (``torch.nn.functional.max_unpool2d``).

    Writes each value of ``input`` at its flat index ``h * W + w`` in a zero output; the
    gradient of each input is the output gradient read back at its index, as in torch.

    Args:
        input: ``[N, C, H, W]`` or unbatched ``[C, H, W]``, the pooled values.
        indices: Integer array of ``input``'s shape, from ``max_pool2d(return_indices=True)``.
        kernel_size: The pooling window, an int or a pair.
        stride: The pooling stride (default: ``kernel_size``).
        padding: The pooling padding (default 0).
        output_size: The spatial output size (``[H, W]`` or ``[N, C, H, W]``); by default
            ``(in - 1) * stride + kernel_size - 2 * padding`` per dim.

    Returns:
        ``[N, C, H_out, W_out]`` (unbatched: no ``N``).

    Raises:
        IndexOutOfRangeError: For a concrete index outside the output (under ``jax.jit`` such
            an index is dropped instead).
        InvalidArgumentError: For a bad ``output_size`` or non-positive kernel/stride.
        ShapeError: For a bad rank or indices of another shape.
        DTypeError: For non-integer indices.

    Example:
        >>> v, i = max_pool2d(jnp.ones((1, 1, 4, 4)), 2, return_indices=True)
        >>> max_unpool2d(v, i, 2).shape
        (1, 1, 4, 4)
    """
    return _max_unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding, output_size)


@boundary("max_unpool3d")
def max_unpool3d(
    input: Any,
    indices: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    output_size: Any = None,
) -> jax.Array:
    """Partial inverse of :func:`max_pool3d` (``torch.nn.functional.max_unpool3d``).

    Writes each value of ``input`` at its flat index ``(d * H + h) * W + w`` in a zero output;
    the gradient of each input is the output gradient read back at its index, as in torch.

    Args:
        input: ``[N, C, D, H, W]`` or unbatched ``[C, D, H, W]``, the pooled values.
        indices: Integer array of ``input``'s shape, from ``max_pool3d(return_indices=True)``.
        kernel_size: The pooling window, an int or a tuple of 3 ints.
        stride: The pooling stride (default: ``kernel_size``).
        padding: The pooling padding (default 0).
        output_size: The spatial output size (3 or 5 ints); by default
            ``(in - 1) * stride + kernel_size - 2 * padding`` per dim.

    Returns:
        ``[N, C, D_out, H_out, W_out]`` (unbatched: no ``N``).

    Raises:
        IndexOutOfRangeError: For a concrete index outside the output (under ``jax.jit`` such
            an index is dropped instead).
        InvalidArgumentError: For a bad ``output_size`` or non-positive kernel/stride.
        ShapeError: For a bad rank or indices of another shape.
        DTypeError: For non-integer indices.

    Example:
        >>> v, i = max_pool3d(jnp.ones((1, 1, 4, 4, 4)), 2, return_indices=True)
        >>> max_unpool3d(v, i, 2).shape
        (1, 1, 4, 4, 4)
    """
    return _max_unpool("max_unpool3d", 3, input, indices, kernel_size, stride, padding, output_size)


# --------------------------------------------------------------------------------------------
# Fractional max pooling.
# --------------------------------------------------------------------------------------------


def _fractional_size(
    op: str, x: jax.Array, nd: int, k: tuple[int, ...], output_size: Any, output_ratio: Any
) -> tuple[int, ...]:
    spatial = tuple(x.shape[2:])
    if output_size is not None:
        out = _ntuple(op, "output_size", output_size, nd)
    elif output_ratio is not None:
        ratios = (
            (output_ratio,) * nd if not isinstance(output_ratio, (list, tuple)) else output_ratio
        )
        if len(ratios) == 1:
            ratios = tuple(ratios) * nd
        if len(ratios) != nd or not all(isinstance(r, (int, float)) and 0 < r < 1 for r in ratios):
            raise InvalidArgumentError(
                f"{op}: output_ratio must be a number or {nd} numbers in (0, 1), got {output_ratio!r}"
            )
        out = tuple(int(n * r) for n, r in zip(spatial, ratios, strict=True))
    else:
        raise InvalidArgumentError(
            f"{op} requires specifying either an output_size or an output_ratio"
        )
    names = ("time", "height", "width")[3 - nd :]
    for name, o, ki, n in zip(names, out, k, spatial, strict=True):
        if o < 1:
            raise InvalidArgumentError(f"{op}: output {name} must be positive, got {o}")
        if o + ki - 1 > n:
            raise ShapeError(
                f"{op}: pool {name} {ki} too large relative to input {name} {n} (output {name} {o})"
            )
    return out


def _fractional_starts(u: jax.Array, n: int, o: int, k: int) -> jax.Array:
    """Torch's ``generate_intervals``: window starts ``[..., o]`` from samples ``u`` ``[...]``."""
    if o == 1:
        return jnp.full((*u.shape, 1), n - k, jnp.int32)
    alpha = jnp.asarray((n - k) / (o - 1), u.dtype)
    i = jnp.arange(o - 1, dtype=u.dtype)
    starts = jnp.floor((i + u[..., None]) * alpha) - jnp.floor(u[..., None] * alpha)
    last = jnp.full((*u.shape, 1), n - k, jnp.int32)
    return jnp.concatenate([starts.astype(jnp.int32), last], axis=-1)


def _fractional_max_pool(
    op: str,
    nd: int,
    input: Any,
    kernel_size: Any,
    output_size: Any,
    output_ratio: Any,
    return_indices: bool,
    random_samples: Any,
    key: Any,
) -> Any:
    x, unbatched = _pool_input(op, input, nd)
    k = _ntuple(op, "kernel_size", kernel_size, nd)
    _positive(op, "kernel_size", k)
    out = _fractional_size(op, x, nd, k, output_size, output_ratio)
    n, c = x.shape[:2]
    if random_samples is None:
        if key is None:
            raise InvalidArgumentError(
                f"{op}: pass _random_samples (shape (N, C, {nd})) or a PRNG key"
            )
        samples = jax.random.uniform(key, (n, c, nd), x.dtype)
    else:
        samples = as_array(op, "_random_samples", random_samples)
        if unbatched and samples.ndim == 2:
            samples = samples[None]
        if tuple(samples.shape) != (n, c, nd):
            raise ShapeError(
                f"{op}: expected _random_samples of shape {(n, c, nd)}, got {tuple(samples.shape)}"
            )
        samples = samples.astype(x.dtype)
    # torch's sample order: (W, H) in 2-d, (T, H, W) in 3-d.
    order = (1, 0) if nd == 2 else (0, 1, 2)
    spatial = x.shape[2:]
    strides = _strides(tuple(spatial))
    flat = jnp.zeros((n, c, *out, *k), jnp.int32)
    for d in range(nd):
        starts = _fractional_starts(samples[..., order[d]], spatial[d], out[d], k[d])
        pos = starts[..., None] + jnp.arange(k[d], dtype=jnp.int32)  # [N, C, out_d, k_d]
        shape = [n, c] + [1] * (2 * nd)
        shape[2 + d], shape[2 + nd + d] = out[d], k[d]
        flat = flat + (pos * int(strides[d])).reshape(shape)
    flat = flat.reshape(n, c, -1)
    windows = jnp.take_along_axis(x.reshape(n, c, -1), flat, axis=2)
    windows = windows.reshape((n, c, *out, math.prod(k)))
    value, idx = _select_max(windows)
    if not return_indices:
        return _finish(value, unbatched)
    indices = jnp.take_along_axis(flat.reshape(n, c, *out, math.prod(k)), idx[..., None], axis=-1)[
        ..., 0
    ]
    return _finish((value, indices), unbatched)


@boundary("fractional_max_pool2d")
def fractional_max_pool2d(
    input: Any,
    kernel_size: Any,
    output_size: Any = None,
    output_ratio: Any = None,
    return_indices: bool = False,
    _random_samples: Any = None,
    *,
    key: Any = None,
) -> Any:
    """2-d fractional max pooling (``torch.nn.functional.fractional_max_pool2d``).

    Windows of ``kernel_size`` start at pseudo-random, increasing offsets: per plane, with a
    sample ``u`` in ``[0, 1)`` per dim, output ``i < out - 1`` starts at
    ``floor((i + u) * alpha) - floor(u * alpha)`` with ``alpha = (in - k) / (out - 1)``, and the
    last at ``in - k`` (Graham, 2014; torch's intervals). The gradient goes to the first maximum.

    Args:
        input: ``[N, C, H, W]`` or unbatched ``[C, H, W]``, floating.
        kernel_size: The window, an int or a pair.
        output_size: The output size, an int or a pair (takes precedence over the ratio).
        output_ratio: Or the output size as a fraction of the input's, in ``(0, 1)``.
        return_indices: Also return the flat index ``h * W + w`` of each maximum (int32).
        _random_samples: ``[N, C, 2]`` samples in ``[0, 1)``, ``(u_W, u_H)`` per plane as
            torch orders them (unbatched: ``[C, 2]`` or ``[1, C, 2]``).
        key: A PRNG key to draw the samples from when ``_random_samples`` is not given.

    Returns:
        ``[N, C, oH, oW]`` (unbatched: no ``N``); with ``return_indices`` ``(values, indices)``.

    Raises:
        InvalidArgumentError: Without an output size or ratio, a ratio outside ``(0, 1)``, or
            neither samples nor a key.
        ShapeError: For a window too large for the output size, or samples of a wrong shape.
        DTypeError: For a non-floating input.

    Example:
        >>> x = jnp.arange(25.0).reshape(1, 1, 5, 5)
        >>> fractional_max_pool2d(x, 2, output_size=2, _random_samples=jnp.zeros((1, 1, 2)))
        Array([[[[ 6.,  9.],
                 [21., 24.]]]], dtype=float32)
    """
    return _fractional_max_pool(
        "fractional_max_pool2d",
        2,
        input,
        kernel_size,
        output_size,
        output_ratio,
        return_indices,
        _random_samples,
        key,
    )


@boundary("fractional_max_pool3d")
def fractional_max_pool3d(
    input: Any,
    kernel_size: Any,
    output_size: Any = None,
    output_ratio: Any = None,
    return_indices: bool = False,
    _random_samples: Any = None,
    *,
    key: Any = None,
) -> Any:
    """3-d fractional max pooling (``torch.nn.functional.fractional_max_pool3d``).

    See :func:`fractional_max_pool2d`; the samples are ``(u_T, u_H, u_W)`` per plane.

    Args:
        input: ``[N, C, T, H, W]`` or unbatched ``[C, T, H, W]``, floating.
        kernel_size: The window, an int or a tuple of 3 ints.
        output_size: The output size, an int or a tuple of 3 ints.
        output_ratio: Or the output size as a fraction of the input's, in ``(0, 1)``.
        return_indices: Also return the flat index ``(t * H + h) * W + w`` of each maximum.
        _random_samples: ``[N, C, 3]`` samples in ``[0, 1)``.
        key: A PRNG key to draw the samples from when ``_random_samples`` is not given.

    Returns:
        ``[N, C, oT, oH, oW]`` (unbatched: no ``N``); with ``return_indices``
        ``(values, indices)``.

    Raises:
        InvalidArgumentError: Without an output size or ratio, a ratio outside ``(0, 1)``, or
            neither samples nor a key.
        ShapeError: For a window too large for the output size, or samples of a wrong shape.
        DTypeError: For a non-floating input.

    Example:
        >>> x = jnp.ones((1, 1, 5, 5, 5))
        >>> fractional_max_pool3d(x, 2, output_ratio=0.5, key=jax.random.key(0)).shape
        (1, 1, 2, 2, 2)
    """
    return _fractional_max_pool(
        "fractional_max_pool3d",
        3,
        input,
        kernel_size,
        output_size,
        output_ratio,
        return_indices,
        _random_samples,
        key,
    )


# --------------------------------------------------------------------------------------------
# Cross-channel sum pooling: torch's legacy CrossMapLRN2d.
# --------------------------------------------------------------------------------------------


def _channel_window_sum(values: jax.Array, lo: np.ndarray, hi: np.ndarray) -> jax.Array:
    """``sum(values[:, lo[c]:hi[c]])`` per channel ``c`` (empty ranges give 0), by prefix sums."""
    prefix = jnp.cumsum(values, axis=1)
    prefix = jnp.concatenate([jnp.zeros_like(prefix[:, :1]), prefix], axis=1)
    return jnp.take(prefix, jnp.asarray(hi), axis=1) - jnp.take(prefix, jnp.asarray(lo), axis=1)


def _lrn_scale(x: jax.Array, size: int, alpha: float, k: float) -> jax.Array:
    c = x.shape[1]
    sq = x * x
    pre_pad = int((size - 1) / 2 + 1)
    ch = np.arange(c)
    lo = np.maximum(ch - pre_pad + 1, 0)
    hi = np.minimum(ch + pre_pad - 1, c - 1) + 1
    total = _channel_window_sum(sq, lo, hi)
    # torch's running update never subtracts channel 0 once the window has moved past it.
    extra = (lo > 0).astype(np.float64).reshape(1, c, 1, 1)
    total = total + sq[:, :1] * jnp.asarray(extra, x.dtype)
    return total * jnp.asarray(alpha / size, x.dtype) + jnp.asarray(k, x.dtype)


@functools.partial(jax.custom_vjp, nondiff_argnums=(1, 2, 3, 4))
def _cross_map_lrn(x: jax.Array, size: int, alpha: float, beta: float, k: float) -> jax.Array:
    return x * _lrn_scale(x, size, alpha, k) ** jnp.asarray(-beta, x.dtype)


def _cross_map_lrn_fwd(
    x: jax.Array, size: int, alpha: float, beta: float, k: float
) -> tuple[jax.Array, tuple[jax.Array, jax.Array, jax.Array]]:
    scale = _lrn_scale(x, size, alpha, k)
    out = x * scale ** jnp.asarray(-beta, x.dtype)
    return out, (x, scale, out)


def _cross_map_lrn_bwd(
    size: int,
    alpha: float,
    beta: float,
    k: float,
    res: tuple[jax.Array, jax.Array, jax.Array],
    g: jax.Array,
) -> tuple[jax.Array]:
    # torch's hand-written backward (not the derivative of its forward's channel-0 quirk).
    x, scale, out = res
    c = x.shape[1]
    ratio = g * out / scale
    shift = int(size - (size - 1) / 2)
    ch = np.arange(c)
    lo = np.clip(ch - shift, 0, c)
    hi = np.clip(ch + size - shift, 0, c)
    accum = _channel_window_sum(ratio, lo, np.maximum(hi, lo))
    coef = jnp.asarray(2 * alpha * beta / size, x.dtype)
    return (scale ** jnp.asarray(-beta, x.dtype) * g - coef * x * accum,)


_cross_map_lrn.defvjp(_cross_map_lrn_fwd, _cross_map_lrn_bwd)


@boundary("cross_map_lrn2d")
def cross_map_lrn2d(
    input: Any, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0
) -> jax.Array:
    """Torch's legacy cross-channel LRN (the math of ``torch.nn.CrossMapLRN2d``).

    ``y = x * (k + alpha / size * s) ** -beta`` where ``s`` sums ``x ** 2`` over a window of
    channels, computed exactly as torch's running update (which, once the window has moved
    past channel 0, keeps counting it); the gradient is torch's hand-written one. Prefer
    :func:`local_response_norm` in new code.

    Args:
        input: ``[N, C, H, W]``, floating.
        size: The channel window.
        alpha: The multiplicative factor.
        beta: The exponent.
        k: The additive factor.

    Returns:
        An array shaped like ``input``.

    Raises:
        ShapeError: For an input that is not 4-D.
        InvalidArgumentError: For a non-positive ``size``.
        DTypeError: For a non-floating input.

    Example:
        >>> cross_map_lrn2d(jnp.ones((1, 3, 2, 2)), 3).shape
        (1, 3, 2, 2)
    """
    op = "cross_map_lrn2d"
    x = as_array(op, "input", input)
    if _dtypes.category(x.dtype) != 2:
        raise DTypeError(f"{op}: expected a floating point input, got {np.dtype(x.dtype).name}")
    if x.ndim != 4:
        raise ShapeError(f"CrossMapLRN2d: Expected input to be 4D, got {x.ndim}D instead.")
    if not is_int(size) or size <= 0:
        raise InvalidArgumentError(f"{op}: size must be a positive int, got {size!r}")
    return _cross_map_lrn(x, int(size), float(alpha), float(beta), float(k))
