"""Convolutions and transposed convolutions with ``torch.nn.functional``'s signatures.

Weights have PyTorch's layouts: ``conv{1,2,3}d`` takes ``[out, in/groups, k...]`` and
``conv_transpose{1,2,3}d`` takes ``[in, out/groups, k...]``. Inputs are channels-first,
``[N, C, L...]``, or unbatched ``[C, L...]`` as torch accepts. Hyperparameters (``stride``,
``padding``, ``dilation``, ``groups``, ``output_padding``) are Python values, static under
``jax.jit``; every function composes with ``jax.jit``, ``jax.vmap`` and ``jax.grad``.

Lowering. On GPU and TPU every convolution is one ``lax.conv_general_dilated``. On CPU,
XLA's native convolution is several times slower than PyTorch's (oneDNN) for the small
channel counts of typical CNNs, so a 2-d convolution whose input has few channels is lowered
to im2col instead: the ``k*k`` shifted views of the padded input are concatenated along the
channel axis (channels-last) and contracted with the weight in one matrix product; the
backward is the transposed products, which XLA turns into matrix products too. The rule and
its measurements are in :func:`_use_im2col`.

Example:
    >>> x = jnp.ones((1, 3, 8, 8))
    >>> w = jnp.ones((4, 3, 3, 3))
    >>> conv2d(x, w, padding="same").shape
    (1, 4, 8, 8)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from rustorch_fx import _dtypes
from rustorch_fx._boundary import boundary
from rustorch_fx._checks import as_array, is_int
from rustorch_fx.errors import ArgumentTypeError, DTypeError, InvalidArgumentError, ShapeError

__all__ = [
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
]

_SPATIAL = ("", "L", "HW", "DHW")


# --------------------------------------------------------------------------------------------
# Argument helpers (shared with pooling).
# --------------------------------------------------------------------------------------------


def _ntuple(op: str, name: str, value: Any, n: int) -> tuple[int, ...]:
    """An int or a length-``n`` sequence of ints as an ``n``-tuple (torch's ``_ntuple``)."""
    if is_int(value):
        return (int(value),) * n
    if isinstance(value, (list, tuple)) and all(is_int(v) for v in value):
        if len(value) == 1:
            return (int(value[0]),) * n
        if len(value) == n:
            return tuple(int(v) for v in value)
        raise InvalidArgumentError(
            f"{op}: expected {name} to be a single integer or a sequence of {n} integers, "
            f"got {tuple(value)}"
        )
    raise ArgumentTypeError(
        f"{op}: argument '{name}' must be an int or a tuple of {n} ints, got {value!r}"
    )


def _positive(op: str, name: str, values: tuple[int, ...]) -> None:
    if any(v <= 0 for v in values):
        raise InvalidArgumentError(f"{op}: {name} should be greater than zero, got {values}")


def _non_negative(op: str, name: str, values: tuple[int, ...]) -> None:
    if any(v < 0 for v in values):
        raise InvalidArgumentError(f"{op}: negative {name} is not supported, got {values}")


def _float_input(op: str, name: str, x: Any) -> jax.Array:
    a = as_array(op, name, x)
    if _dtypes.category(a.dtype) != 2:
        raise DTypeError(f"{op}: expected a floating point {name}, got {np.dtype(a.dtype).name}")
    return a


def _batched(op: str, x: jax.Array, nd: int) -> tuple[jax.Array, bool]:
    """``x`` with a batch axis, and whether it was unbatched (``[C, L...]``)."""
    if x.ndim == nd + 2:
        return x, False
    if x.ndim == nd + 1:
        return x[None], True
    raise ShapeError(
        f"{op}: expected a {nd + 1}-D (unbatched) or {nd + 2}-D (batched) input, "
        f"got shape {tuple(x.shape)}"
    )


def _dims(nd: int) -> lax.ConvDimensionNumbers:
    s = _SPATIAL[nd]
    return lax.conv_dimension_numbers(
        (1, 1) + (1,) * nd, (1, 1) + (1,) * nd, ("NC" + s, "OI" + s, "NC" + s)
    )


def _check_weight(
    op: str,
    x: jax.Array,
    weight: jax.Array,
    bias: jax.Array | None,
    nd: int,
    groups: int,
    transposed: bool,
) -> None:
    if weight.ndim != nd + 2:
        raise ShapeError(f"{op}: expected a {nd + 2}-D weight, got shape {tuple(weight.shape)}")
    if x.dtype != weight.dtype or (bias is not None and bias.dtype != x.dtype):
        got = [np.dtype(a.dtype).name for a in (x, weight, bias) if a is not None]
        raise DTypeError(
            f"{op}: input, weight and bias must have the same dtype, got {', '.join(got)}"
        )
    if not is_int(groups) or groups <= 0:
        raise InvalidArgumentError(f"{op}: groups must be a positive integer, got {groups!r}")
    c_in = x.shape[1]
    shapes = f"(input shape {tuple(x.shape)}, weight shape {tuple(weight.shape)})"
    if transposed:
        if weight.shape[0] != c_in:
            raise ShapeError(
                f"{op}: input has {c_in} channels, weight expects {weight.shape[0]} {shapes}"
            )
        if c_in % groups:
            raise ShapeError(f"{op}: input channels {c_in} are not divisible by groups={groups}")
        c_out = weight.shape[1] * groups
    else:
        if c_in != weight.shape[1] * groups:
            raise ShapeError(
                f"{op}: input has {c_in} channels, weight expects {weight.shape[1] * groups} "
                f"(weight.shape[1] * groups = {weight.shape[1]} * {groups}) {shapes}"
            )
        c_out = weight.shape[0]
        if c_out % groups:
            raise ShapeError(
                f"{op}: weight has {c_out} output channels, not divisible by groups={groups}"
            )
    if bias is not None and tuple(bias.shape) != (c_out,):
        raise ShapeError(f"{op}: expected bias of shape ({c_out},), got {tuple(bias.shape)}")


def _add_bias(y: jax.Array, bias: jax.Array | None, nd: int) -> jax.Array:
    return y if bias is None else y + bias.reshape((-1,) + (1,) * nd)


# --------------------------------------------------------------------------------------------
# Lowering.
# --------------------------------------------------------------------------------------------


def _use_im2col(x: jax.Array, weight: jax.Array, stride, dilation, groups: int) -> bool:
    """Whether to lower a convolution to im2col + one matrix product (CPU only).

    For a stride-1, undilated, ungrouped 2-d convolution, im2col beats XLA:CPU's native
    convolution when the contraction ``C*kh*kw`` is short (few input channels: the native
    kernel is memory bound) and loses when it is long (its matrix product is then slower than
    the native kernel). Measured (median ms, jax 0.11, 2 pinned x86 cores, batch 64, 3x3,
    padding 1), forward / vjp w.r.t. input and weight:

    ========================  ===============  ===============
    shape                     lax.conv         im2col
    ========================  ===============  ===============
    3 -> 32 ch, 32x32 (K=27)  10.3 / 8.0       3.2 / 7.5
    32 -> 64 ch, 16x16 (288)  5.4 / 22.1       20.1 / 33.3
    ========================  ===============  ===============

    So the rule is ``C*kh*kw <= 64``; everything else keeps ``lax.conv_general_dilated``.
    """
    if jax.default_backend() != "cpu" or x.ndim != 4 or groups != 1:
        return False
    if any(d != 1 for d in dilation) or any(s != 1 for s in stride):
        return False
    kh, kw = weight.shape[2:]
    return x.shape[1] * kh * kw <= _IM2COL_MAX_K


# Largest contraction length C*kh*kw for which im2col is used (see _use_im2col).
_IM2COL_MAX_K = 64


def _im2col_conv2d(x: jax.Array, weight: jax.Array, pads: Sequence[tuple[int, int]]) -> jax.Array:
    """Stride-1 2-d convolution as im2col (channels-last patches) and one contraction."""
    o, c, kh, kw = weight.shape
    xt = jnp.transpose(x, (0, 2, 3, 1))
    xp = lax.pad(xt, jnp.zeros((), x.dtype), [(0, 0, 0), (*pads[0], 0), (*pads[1], 0), (0, 0, 0)])
    ho = xp.shape[1] - kh + 1
    wo = xp.shape[2] - kw + 1
    cols = jnp.concatenate(
        [xp[:, i : i + ho, j : j + wo, :] for i in range(kh) for j in range(kw)], axis=-1
    )
    # The weight as a [kh*kw*C, O] matrix (contracting dim first measured ~1.6x faster
    # forward on XLA:CPU than [O, kh*kw*C]).
    wm = jnp.transpose(weight, (2, 3, 1, 0)).reshape(kh * kw * c, o)
    y = jnp.einsum("nhwk,ko->nhwo", cols, wm, precision=lax.Precision.HIGHEST)
    return jnp.transpose(y, (0, 3, 1, 2))


def _conv(
    x: jax.Array,
    weight: jax.Array,
    stride: tuple[int, ...],
    pads: Sequence[tuple[int, int]],
    dilation: tuple[int, ...],
    groups: int,
) -> jax.Array:
    nd = x.ndim - 2
    if _use_im2col(x, weight, stride, dilation, groups):
        return _im2col_conv2d(x, weight, pads)
    return lax.conv_general_dilated(
        x,
        weight,
        window_strides=stride,
        padding=list(pads),
        rhs_dilation=dilation,
        dimension_numbers=_dims(nd),
        feature_group_count=groups,
        precision=lax.Precision.HIGHEST,
    )


# --------------------------------------------------------------------------------------------
# Convolution.
# --------------------------------------------------------------------------------------------


def _conv_nd(
    op: str,
    nd: int,
    input: Any,
    weight: Any,
    bias: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: int,
) -> jax.Array:
    x = _float_input(op, "input", input)
    w = _float_input(op, "weight", weight)
    b = None if bias is None else _float_input(op, "bias", bias)
    x, unbatched = _batched(op, x, nd)
    _check_weight(op, x, w, b, nd, groups, transposed=False)
    stride_t = _ntuple(op, "stride", stride, nd)
    dilation_t = _ntuple(op, "dilation", dilation, nd)
    _positive(op, "stride", stride_t)
    _positive(op, "dilation", dilation_t)
    kernel = tuple(w.shape[2:])
    if isinstance(padding, str):
        if padding == "valid":
            pads = [(0, 0)] * nd
        elif padding == "same":
            if any(s != 1 for s in stride_t):
                raise InvalidArgumentError(
                    f"{op}: padding='same' is not supported for strided convolutions "
                    f"(stride={stride_t})"
                )
            # torch puts the extra element of an odd total padding on the right.
            totals = [d * (k - 1) for d, k in zip(dilation_t, kernel, strict=True)]
            pads = [(t // 2, t - t // 2) for t in totals]
        else:
            raise InvalidArgumentError(
                f"{op}: invalid padding string {padding!r}, expected one of 'valid', 'same'"
            )
    else:
        pad_t = _ntuple(op, "padding", padding, nd)
        _non_negative(op, "padding", pad_t)
        pads = [(p, p) for p in pad_t]
    spatial = x.shape[2:]
    padded = [n + lo + hi for n, (lo, hi) in zip(spatial, pads, strict=True)]
    effective = [d * (k - 1) + 1 for d, k in zip(dilation_t, kernel, strict=True)]
    if any(p < e for p, e in zip(padded, effective, strict=True)):
        raise ShapeError(
            f"{op}: calculated padded input size per channel: {tuple(padded)}; kernel size "
            f"(dilated): {tuple(effective)}. Kernel size can't be greater than actual input "
            f"size (input shape {tuple(x.shape)}, weight shape {tuple(w.shape)})"
        )
    y = _add_bias(_conv(x, w, stride_t, pads, dilation_t, groups), b, nd)
    return y[0] if unbatched else y


@boundary("conv1d")
def conv1d(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> jax.Array:
    """1-d convolution over a channels-first input (``torch.nn.functional.conv1d``).

    Args:
        input: ``[N, C_in, L]`` or unbatched ``[C_in, L]``, floating.
        weight: ``[C_out, C_in / groups, kL]``, same dtype as ``input``.
        bias: Optional ``[C_out]``.
        stride: An int or a 1-tuple (default 1).
        padding: An int, a 1-tuple (zeros on both sides), ``"valid"`` (none) or
            ``"same"`` (output size = input size; for an odd total padding torch's extra
            element goes on the right; stride must be 1).
        dilation: An int or a 1-tuple (default 1).
        groups: Number of blocked connections from input to output channels.

    Returns:
        ``[N, C_out, L_out]`` (unbatched input: no ``N``), with
        ``out = (L + 2 * padding - dilation * (k - 1) - 1) // stride + 1`` per dim.

    Raises:
        ShapeError: For a channel mismatch, a bad bias shape, or a kernel larger than the
            padded input.
        InvalidArgumentError: For non-positive stride/dilation/groups, negative padding,
            ``padding="same"`` with a stride, or an unknown padding string.
        DTypeError: For non-floating or mixed dtypes.

    Example:
        >>> x = jnp.ones((2, 3, 9))
        >>> conv1d(x, jnp.ones((4, 3, 3)), stride=2).shape
        (2, 4, 4)
    """
    return _conv_nd("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


@boundary("conv2d")
def conv2d(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> jax.Array:
    """2-d convolution over a channels-first input (``torch.nn.functional.conv2d``).

    Args:
        input: ``[N, C_in, H, W]`` or unbatched ``[C_in, H, W]``, floating.
        weight: ``[C_out, C_in / groups, kH, kW]``, same dtype as ``input``.
        bias: Optional ``[C_out]``.
        stride: An int or a tuple of 2 ints (default 1).
        padding: An int, a tuple of 2 ints (zeros on both sides), ``"valid"`` (none) or
            ``"same"`` (output size = input size; for an odd total padding torch's extra
            element goes on the right; stride must be 1).
        dilation: An int or a tuple of 2 ints (default 1).
        groups: Number of blocked connections from input to output channels.

    Returns:
        ``[N, C_out, H_out, W_out]`` (unbatched input: no ``N``), with
        ``out = (L + 2 * padding - dilation * (k - 1) - 1) // stride + 1`` per dim.

    Raises:
        ShapeError: For a channel mismatch, a bad bias shape, or a kernel larger than the
            padded input.
        InvalidArgumentError: For non-positive stride/dilation/groups, negative padding,
            ``padding="same"`` with a stride, or an unknown padding string.
        DTypeError: For non-floating or mixed dtypes.

    Example:
        >>> x = jnp.ones((2, 3, 9, 9))
        >>> conv2d(x, jnp.ones((4, 3, 3, 3)), stride=2).shape
        (2, 4, 4, 4)
    """
    return _conv_nd("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


@boundary("conv3d")
def conv3d(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> jax.Array:
    """3-d convolution over a channels-first input (``torch.nn.functional.conv3d``).

    Args:
        input: ``[N, C_in, D, H, W]`` or unbatched ``[C_in, D, H, W]``, floating.
        weight: ``[C_out, C_in / groups, kD, kH, kW]``, same dtype as ``input``.
        bias: Optional ``[C_out]``.
        stride: An int or a tuple of 3 ints (default 1).
        padding: An int, a tuple of 3 ints (zeros on both sides), ``"valid"`` (none) or
            ``"same"`` (output size = input size; for an odd total padding torch's extra
            element goes on the right; stride must be 1).
        dilation: An int or a tuple of 3 ints (default 1).
        groups: Number of blocked connections from input to output channels.

    Returns:
        ``[N, C_out, D_out, H_out, W_out]`` (unbatched input: no ``N``), with
        ``out = (L + 2 * padding - dilation * (k - 1) - 1) // stride + 1`` per dim.

    Raises:
        ShapeError: For a channel mismatch, a bad bias shape, or a kernel larger than the
            padded input.
        InvalidArgumentError: For non-positive stride/dilation/groups, negative padding,
            ``padding="same"`` with a stride, or an unknown padding string.
        DTypeError: For non-floating or mixed dtypes.

    Example:
        >>> x = jnp.ones((2, 3, 9, 9, 9))
        >>> conv3d(x, jnp.ones((4, 3, 3, 3, 3)), stride=2).shape
        (2, 4, 4, 4, 4)
    """
    return _conv_nd("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


# --------------------------------------------------------------------------------------------
# Transposed convolution.
# --------------------------------------------------------------------------------------------


def _transpose_weight(w: jax.Array, groups: int) -> jax.Array:
    """``[C_in, C_out/g, k...]`` -> the flipped forward weight ``[C_out, C_in/g, k...]``."""
    c_in, c_out_g = w.shape[:2]
    k = w.shape[2:]
    w = w.reshape((groups, c_in // groups, c_out_g, *k))
    w = jnp.swapaxes(w, 1, 2).reshape((groups * c_out_g, c_in // groups, *k))
    return jnp.flip(w, axis=tuple(range(2, w.ndim)))


def _conv_transpose_nd(
    op: str,
    nd: int,
    input: Any,
    weight: Any,
    bias: Any,
    stride: Any,
    padding: Any,
    output_padding: Any,
    groups: int,
    dilation: Any,
) -> jax.Array:
    x = _float_input(op, "input", input)
    w = _float_input(op, "weight", weight)
    b = None if bias is None else _float_input(op, "bias", bias)
    x, unbatched = _batched(op, x, nd)
    _check_weight(op, x, w, b, nd, groups, transposed=True)
    stride_t = _ntuple(op, "stride", stride, nd)
    dilation_t = _ntuple(op, "dilation", dilation, nd)
    if isinstance(padding, str):
        raise InvalidArgumentError(
            f"{op}: padding must be an int or a tuple of ints, got {padding!r} "
            "(torch's transposed convolutions take no padding strings)"
        )
    pad_t = _ntuple(op, "padding", padding, nd)
    out_pad_t = _ntuple(op, "output_padding", output_padding, nd)
    _positive(op, "stride", stride_t)
    _positive(op, "dilation", dilation_t)
    _non_negative(op, "padding", pad_t)
    _non_negative(op, "output_padding", out_pad_t)
    for op_, s, d in zip(out_pad_t, stride_t, dilation_t, strict=True):
        if op_ >= max(s, d):
            raise InvalidArgumentError(
                f"{op}: output padding must be smaller than either stride or dilation, got "
                f"output_padding={out_pad_t}, stride={stride_t}, dilation={dilation_t}"
            )
    kernel = w.shape[2:]
    out = [
        (n - 1) * s - 2 * p + d * (k - 1) + op_ + 1
        for n, s, p, d, k, op_ in zip(
            x.shape[2:], stride_t, pad_t, dilation_t, kernel, out_pad_t, strict=True
        )
    ]
    if any(o <= 0 for o in out):
        raise ShapeError(
            f"{op}: output size is too small: computed {tuple(out)} for input shape "
            f"{tuple(x.shape)}, weight shape {tuple(w.shape)}"
        )
    pads = [
        (d * (k - 1) - p, d * (k - 1) - p + op_)
        for p, d, k, op_ in zip(pad_t, dilation_t, kernel, out_pad_t, strict=True)
    ]
    y = lax.conv_general_dilated(
        x,
        _transpose_weight(w, groups),
        window_strides=(1,) * nd,
        padding=pads,
        lhs_dilation=stride_t,
        rhs_dilation=dilation_t,
        dimension_numbers=_dims(nd),
        feature_group_count=groups,
        precision=lax.Precision.HIGHEST,
    )
    y = _add_bias(y, b, nd)
    return y[0] if unbatched else y


@boundary("conv_transpose1d")
def conv_transpose1d(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> jax.Array:
    """1-d transposed convolution (``torch.nn.functional.conv_transpose1d``).

    The gradient of :func:`conv1d` with respect to its input, with torch's arguments.

    Args:
        input: ``[N, C_in, L]`` or unbatched ``[C_in, L]``, floating.
        weight: ``[C_in, C_out / groups, kL]`` (torch's layout), same dtype as ``input``.
        bias: Optional ``[C_out]``.
        stride: An int or a 1-tuple (default 1).
        padding: ``dilation * (k - 1) - padding`` zeros are added on both sides (default 0).
        output_padding: Extra size added on one side of each output dim; must be smaller
            than stride or dilation (default 0).
        groups: Number of blocked connections from input to output channels.
        dilation: An int or a 1-tuple (default 1).

    Returns:
        ``[N, C_out, L_out]`` (unbatched input: no ``N``), with
        ``out = (L - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1``.

    Raises:
        ShapeError: For a channel mismatch, a bad bias shape or an empty output.
        InvalidArgumentError: For bad stride/padding/output_padding/dilation/groups.
        DTypeError: For non-floating or mixed dtypes.

    Example:
        >>> x = jnp.ones((2, 3, 4))
        >>> conv_transpose1d(x, jnp.ones((3, 5, 3)), stride=2).shape
        (2, 5, 9)
    """
    return _conv_transpose_nd(
        "conv_transpose1d",
        1,
        input,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
    )


@boundary("conv_transpose2d")
def conv_transpose2d(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> jax.Array:
    """2-d transposed convolution (``torch.nn.functional.conv_transpose2d``).

    The gradient of :func:`conv2d` with respect to its input, with torch's arguments.

    Args:
        input: ``[N, C_in, H, W]`` or unbatched ``[C_in, H, W]``, floating.
        weight: ``[C_in, C_out / groups, kH, kW]`` (torch's layout), same dtype as ``input``.
        bias: Optional ``[C_out]``.
        stride: An int or a tuple of 2 ints (default 1).
        padding: ``dilation * (k - 1) - padding`` zeros are added on both sides (default 0).
        output_padding: Extra size added on one side of each output dim; must be smaller
            than stride or dilation (default 0).
        groups: Number of blocked connections from input to output channels.
        dilation: An int or a tuple of 2 ints (default 1).

    Returns:
        ``[N, C_out, H_out, W_out]`` (unbatched input: no ``N``), with
        ``out = (L - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1``.

    Raises:
        ShapeError: For a channel mismatch, a bad bias shape or an empty output.
        InvalidArgumentError: For bad stride/padding/output_padding/dilation/groups.
        DTypeError: For non-floating or mixed dtypes.

    Example:
        >>> x = jnp.ones((2, 3, 4, 4))
        >>> conv_transpose2d(x, jnp.ones((3, 5, 3, 3)), stride=2).shape
        (2, 5, 9, 9)
    """
    return _conv_transpose_nd(
        "conv_transpose2d",
        2,
        input,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
    )


@boundary("conv_transpose3d")
def conv_transpose3d(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> jax.Array:
    """3-d transposed convolution (``torch.nn.functional.conv_transpose3d``).

    The gradient of :func:`conv3d` with respect to its input, with torch's arguments.

    Args:
        input: ``[N, C_in, D, H, W]`` or unbatched ``[C_in, D, H, W]``, floating.
        weight: ``[C_in, C_out / groups, kD, kH, kW]`` (torch's layout), same dtype as ``input``.
        bias: Optional ``[C_out]``.
        stride: An int or a tuple of 3 ints (default 1).
        padding: ``dilation * (k - 1) - padding`` zeros are added on both sides (default 0).
        output_padding: Extra size added on one side of each output dim; must be smaller
            than stride or dilation (default 0).
        groups: Number of blocked connections from input to output channels.
        dilation: An int or a tuple of 3 ints (default 1).

    Returns:
        ``[N, C_out, D_out, H_out, W_out]`` (unbatched input: no ``N``), with
        ``out = (L - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1``.

    Raises:
        ShapeError: For a channel mismatch, a bad bias shape or an empty output.
        InvalidArgumentError: For bad stride/padding/output_padding/dilation/groups.
        DTypeError: For non-floating or mixed dtypes.

    Example:
        >>> x = jnp.ones((2, 3, 4, 4, 4))
        >>> conv_transpose3d(x, jnp.ones((3, 5, 3, 3, 3)), stride=2).shape
        (2, 5, 9, 9, 9)
    """
    return _conv_transpose_nd(
        "conv_transpose3d",
        3,
        input,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
    )
