"""Pooling with ``torch.nn.functional``'s signatures: max, average, adaptive and power-average.

Inputs are channels-first, ``[N, C, L...]`` or unbatched ``[C, L...]``. Hyperparameters are
Python values (static under ``jax.jit``). Output sizes follow torch, ``ceil_mode`` included
(a window that would start in the right padding is dropped).

As in torch:

- max pooling routes the gradient of each output to one input, the first maximum of its window
  in row-major order (``jnp.max`` would split it between ties); NaN is a maximum;
- ``return_indices=True`` also returns, per output, the flat index of that maximum over the
  input's spatial dims (``h * W + w`` in 2-d), as int32 (compat converts to int64);
- average pooling's divisor follows ``count_include_pad`` and ``divisor_override``;
- adaptive pooling uses the bins ``[floor(i * L / out), ceil((i + 1) * L / out))``.

Lowering: each window position becomes a strided slice of the padded input, stacked on a last
axis of size ``prod(kernel_size)``; when ``kernel_size == stride`` without padding or
dilation the windows are a reshape instead (no copy). The maximum is selected by ``argmax`` and
a ``where`` so that the backward is an elementwise select, not XLA's select-and-scatter.

Example:
    >>> max_pool2d(jnp.arange(16.0).reshape(1, 1, 4, 4), 2)
    Array([[[[ 5.,  7.],
             [13., 15.]]]], dtype=float32)
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from rustorch_fx import _dtypes
from rustorch_fx._boundary import boundary
from rustorch_fx._checks import as_array, is_int
from rustorch_fx.errors import ArgumentTypeError, DTypeError, InvalidArgumentError, ShapeError
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
    "lp_pool1d",
    "lp_pool2d",
    "lp_pool3d",
    "max_pool1d",
    "max_pool2d",
    "max_pool3d",
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
    value, idx = _select_max(windows)
    if not return_indices:
        return _finish(value, unbatched)
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
