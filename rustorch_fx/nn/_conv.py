"""Convolutions and transposed convolutions with ``torch.nn.functional``'s signatures.

Weights have PyTorch's layouts: ``conv{1,2,3}d`` takes ``[out, in/groups, k...]`` and
``conv_transpose{1,2,3}d`` takes ``[in, out/groups, k...]``. Inputs are channels-first,
``[N, C, L...]``, or unbatched ``[C, L...]`` as torch accepts. Hyperparameters (``stride``,
``padding``, ``dilation``, ``groups``, ``output_padding``) are Python values, static under
``jax.jit``; every function composes with ``jax.jit``, ``jax.vmap`` and ``jax.grad``.

Lowering. On GPU and TPU every convolution is one ``lax.conv_general_dilated``. On CPU,
XLA's native convolution is several times slower than PyTorch's (oneDNN) for the small
channel counts of typical CNNs, so a stride-1 2-d convolution whose contraction ``C*kh*kw``
is short (at most 36: few input channels) is computed directly, as a sum of ``C*kh*kw``
broadcast products of a shifted input channel and a weight column, which XLA fuses into one
pass over the output (:func:`_direct_conv2d`: no patch matrix, no transpose). Its custom JVP
takes the input tangent through channels-first im2col (the ``k*k`` shifted views of the
padded input stacked as ``[N, C*k*k, H*W]`` and multiplied by the ``[O, C*k*k]`` weight once
per sample) and writes the weight tangent as one matmul per kernel offset, so the weight
gradient (its transpose) never builds the patch matrix. Pointwise (1x1) kernels with at most
64 input channels use the im2col matmul forward (the patch matrix is the input itself). The
rule and its measurements are in :func:`_use_im2col`. Larger stride-1 2-d convolutions (at
least 32 input channels) keep the native forward and input gradient but take the weight
gradient per kernel offset too: XLA:CPU runs the native weight-gradient convolution on one
thread, the matmuls on all (:func:`_use_offset_weight_grad`).

Compiler options. By default XLA:CPU hands convolutions to YNNPACK, single-threaded; compat
compiles the CPU programs of ungrouped convolutions with
:func:`rustorch_fx.xla_cpu_compiler_options`, which gives them to XLA's multi-threaded kernel
instead (a 32 -> 64 channel 16x16 layer: forward 7.2 -> 4.6 ms, input gradient 7.2 -> 4.8 ms)
and schedules a program for memory rather than concurrency (a whole CNN training step as one
jit: about 20% less CPU time); users who jit their own step should pass the same options.
The im2col and per-offset rules above were measured without them; ``python
benchmarks/layers.py --lowerings`` times every lowering on the benchmark CNN's shapes with them.

Example:
    >>> x = jnp.ones((1, 3, 8, 8))
    >>> w = jnp.ones((4, 3, 3, 3))
    >>> conv2d(x, w, padding="same").shape
    (1, 4, 8, 8)
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.custom_derivatives import SymbolicZero

from rustorch_fx import _dtypes, _xla
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
    """Whether to lower a convolution to im2col + one matmul per sample (CPU only).

    For a stride-1, undilated, ungrouped 2-d convolution, im2col (:func:`_im2col_conv2d`)
    beats XLA:CPU's native convolution when the contraction ``C*kh*kw`` is short (few input
    channels: the native kernel is memory bound) and for pointwise (1x1) kernels, and loses
    when the contraction is long (the patch matrix, ``kh*kw`` times the input, then costs more
    than the native kernel saves). Measured (median CPU ms, one thread, busy 2-core x86, jax
    0.10, batch 64, "same" padding; forward / weight gradient / input gradient):

    ==========================  ====================  ====================
    shape                       lax.conv              im2col
    ==========================  ====================  ====================
    3 -> 32, 32x32, 3x3 (K=27)  7.4 / 6.1 / 6.1       3.0 / 3.6 / 2.2
    1 -> 16, 32x32, 5x5 (K=25)  7.1 / 1.7 / 6.1       2.1 / 3.3 / 1.6
    4 -> 32, 32x32, 3x3 (K=36)  3.9 / 4.5 / 5.9       4.0 / 3.8 / 2.8
    6 -> 32, 32x32, 3x3 (K=54)  4.9 / 5.7 / 8.5       5.8 / 7.8 / 7.9
    8 -> 32, 32x32, 3x3 (K=72)  6.3 / 7.3 / 7.9       27.5 / 8.2 / 6.3
    32 -> 64, 16x16, 3x3 (288)  8.1 / 10.4 / 8.4      32.7 / 11.7 / 12.6
    32 -> 64, 16x16, 1x1 (32)   2.9 / 4.6 / 2.9       1.2 / 1.1 / 0.9
    64 -> 64, 16x16, 1x1 (64)   4.0 / 7.7 / 4.2       2.2 / 2.0 / 1.6
    ==========================  ====================  ====================

    The earlier im2col (channels-last patches, one matmul and an output transpose, the weight
    gradient a patch-matrix product by autodiff) took 6.7 / 10.8 / 4.1 ms on the first shape.
    In compat's eager training step the first layer of ``benchmarks/layers.py``'s CNN (forward,
    then the backward w.r.t. weight and bias) went from 7.1 + 11.4 ms to 3.4 + 4.0 ms (torch:
    2.1 + 2.2 ms; the bias rides in the matmul as a row of ones). So the rule is
    ``C*kh*kw <= 36``, or a 1x1 kernel with at most 64 input channels; everything else keeps
    ``lax.conv_general_dilated``.

    Within that rule a spatial kernel's forward is now the direct sum of
    :func:`_direct_conv2d` (float32 and float64; it accumulates in the input's dtype), which
    writes the output in one fused pass instead of building the patch matrix (nine slices, a
    concatenation and a padded copy) for one matmul. Measured on the first layer of the
    benchmark CNN (3 -> 32, 32x32, batch 64; busy 2-core x86, interleaved medians): forward
    alone 2.9 -> 2.2 and 3.5 -> 2.3 ms process CPU time (wall 3.4 -> 2.8, 7.9 -> 4.8); the
    whole CNN forward and backward as one jit with :func:`rustorch_fx.xla_cpu_compiler_options`
    55.9 -> 49.5 ms CPU, 101 -> 79 ms wall. Its backward is unchanged (same JVP as im2col).
    """
    if jax.default_backend() != "cpu" or x.ndim != 4 or groups != 1:
        return False
    if any(d != 1 for d in dilation) or any(s != 1 for s in stride):
        return False
    kh, kw = weight.shape[2:]
    c = x.shape[1]
    if kh * kw == 1:
        return c <= _IM2COL_MAX_POINTWISE_C
    return c * kh * kw <= _IM2COL_MAX_K


# Largest contraction length C*kh*kw for which im2col is used (see _use_im2col), and the
# largest channel count for which a 1x1 convolution is.
_IM2COL_MAX_K = 36
_IM2COL_MAX_POINTWISE_C = 64


def _patches(
    x: jax.Array, kh: int, kw: int, pads: Sequence[tuple[int, int]]
) -> tuple[jax.Array, int, int]:
    """Stride-1 patches of a channels-first input, ``[N, C*kh*kw, Ho*Wo]``, and ``Ho, Wo``.

    Rows are ordered ``(c, i, j)``, the order of ``weight.reshape(O, -1)``.
    """
    n, c = x.shape[:2]
    xp = lax.pad(x, jnp.zeros((), x.dtype), [(0, 0, 0), (0, 0, 0), (*pads[0], 0), (*pads[1], 0)])
    ho = xp.shape[2] - kh + 1
    wo = xp.shape[3] - kw + 1
    cols = jnp.stack([xp[:, :, i : i + ho, j : j + wo] for i in range(kh) for j in range(kw)], 2)
    return cols.reshape(n, c * kh * kw, ho * wo), ho, wo


def _batched_matmul(w: jax.Array, cols: jax.Array) -> jax.Array:
    """``[O, K] x [N, K, P] -> [N, O, P]`` as a matmul per sample (no output transpose)."""
    wb = jnp.broadcast_to(w[None], (cols.shape[0], *w.shape))
    return lax.dot_general(wb, cols, (((2,), (1,)), ((0,), (0,))), precision=lax.Precision.HIGHEST)


def _with_bias(w: jax.Array, x: jax.Array, bias: jax.Array | None) -> tuple[jax.Array, jax.Array]:
    """``[O, K]`` and ``[N, K, P]`` with the bias as one more contraction row against ones.

    The matmul then adds the bias (no separate pass over the output) and the transposed
    matmul returns its gradient with the weight's.
    """
    if bias is None:
        return w, x
    ones = jnp.ones((x.shape[0], 1, x.shape[2]), x.dtype)
    return jnp.concatenate([w, bias[:, None]], 1), jnp.concatenate([x, ones], 1)


def _im2col_matmul(
    x: jax.Array, weight: jax.Array, bias: jax.Array | None, pads: tuple[tuple[int, int], ...]
) -> jax.Array:
    """Stride-1 2-d convolution (plus bias) as channels-first im2col, one matmul per sample.

    Plain autodiff: its transpose with respect to ``x`` (col2im) is the input gradient of
    :func:`_im2col_conv2d` and :func:`_direct_conv2d`.
    """
    o = weight.shape[0]
    cols, ho, wo = _patches(x, *weight.shape[2:], pads)
    return _batched_matmul(*_with_bias(weight.reshape(o, -1), cols, bias)).reshape(
        x.shape[0], o, ho, wo
    )


def _per_offset_conv2d(
    x: jax.Array, weight: jax.Array, bias: jax.Array | None, pads: tuple[tuple[int, int], ...]
) -> jax.Array:
    """The same convolution as a sum over kernel offsets of ``[O, C] x [N, C, P]`` matmuls."""
    o, c, kh, kw = weight.shape
    n = x.shape[0]
    xp = lax.pad(x, jnp.zeros((), x.dtype), [(0, 0, 0), (0, 0, 0), (*pads[0], 0), (*pads[1], 0)])
    ho = xp.shape[2] - kh + 1
    wo = xp.shape[3] - kw + 1
    y = None
    for i in range(kh):
        for j in range(kw):
            shifted = xp[:, :, i : i + ho, j : j + wo].reshape(n, c, ho * wo)
            w_ij, shifted = _with_bias(weight[:, :, i, j], shifted, bias if y is None else None)
            term = _batched_matmul(w_ij, shifted)
            y = term if y is None else y + term
    return y.reshape(n, o, ho, wo)


def _small_conv_jvp(
    primal: Any,
    pads: tuple[tuple[int, int], ...],
    primals: tuple[Any, ...],
    tangents: tuple[Any, ...],
) -> tuple[jax.Array, jax.Array]:
    """JVP of a small-contraction convolution whose forward is ``primal``.

    The input tangent goes through im2col (its transpose, the input gradient, is col2im and
    one matmul per sample) and the weight tangent through one matmul per kernel offset (its
    transpose, the weight gradient, needs no patch matrix).
    """
    x, weight, bias = primals
    dx, dw, db = tangents
    y = primal(x, weight, bias, pads)
    dy = jnp.zeros(y.shape, y.dtype)
    if type(dx) is not SymbolicZero:
        dy = dy + _im2col_matmul(dx, weight, None, pads)
    db = None if bias is None or type(db) is SymbolicZero else db
    if type(dw) is not SymbolicZero:
        dy = dy + _per_offset_conv2d(x, dw, db, pads)
    elif db is not None:
        dy = dy + db.reshape(1, -1, 1, 1)
    return y, dy


@functools.partial(jax.custom_jvp, nondiff_argnums=(3,))
def _im2col_conv2d(
    x: jax.Array, weight: jax.Array, bias: jax.Array | None, pads: tuple[tuple[int, int], ...]
) -> jax.Array:
    """:func:`_im2col_matmul` whose weight gradient is one matmul per kernel offset.

    The lowering of pointwise (1x1) convolutions, where the patch matrix is the input itself;
    see :func:`_use_im2col`.
    """
    return _im2col_matmul(x, weight, bias, pads)


_im2col_conv2d.defjvp(functools.partial(_small_conv_jvp, _im2col_matmul), symbolic_zeros=True)


def _direct_sum(
    x: jax.Array, weight: jax.Array, bias: jax.Array | None, pads: tuple[tuple[int, int], ...]
) -> jax.Array:
    """Stride-1 2-d convolution as a sum of ``C*kh*kw`` broadcast products (one loop fusion).

    Each term multiplies one shifted input channel, ``[N, 1, Ho, Wo]``, by one weight column,
    ``[1, O, 1, 1]``; XLA fuses the whole sum into a single pass that writes the output once
    and builds no patch matrix.
    """
    o, c, kh, kw = weight.shape
    xp = lax.pad(x, jnp.zeros((), x.dtype), [(0, 0, 0), (0, 0, 0), (*pads[0], 0), (*pads[1], 0)])
    ho = xp.shape[2] - kh + 1
    wo = xp.shape[3] - kw + 1
    y = None if bias is None else bias.reshape(1, o, 1, 1)
    for ci in range(c):
        for i in range(kh):
            for j in range(kw):
                term = (
                    weight[:, ci, i, j].reshape(1, o, 1, 1)
                    * xp[:, ci : ci + 1, i : i + ho, j : j + wo]
                )
                y = term if y is None else y + term
    return jnp.broadcast_to(y, (x.shape[0], o, ho, wo))


@functools.partial(jax.custom_jvp, nondiff_argnums=(3,))
def _direct_conv2d(
    x: jax.Array, weight: jax.Array, bias: jax.Array | None, pads: tuple[tuple[int, int], ...]
) -> jax.Array:
    """:func:`_direct_sum` with the input and weight gradients of :func:`_im2col_conv2d`.

    The lowering of stride-1 convolutions with a short contraction and a spatial kernel
    (``C*kh*kw <= 36``); see :func:`_use_im2col`. Autodiff of the sum itself would take one
    reduction over the output per weight entry: the custom JVP avoids that.
    """
    return _direct_sum(x, weight, bias, pads)


_direct_conv2d.defjvp(functools.partial(_small_conv_jvp, _direct_sum), symbolic_zeros=True)


def _native_conv2d(
    x: jax.Array, weight: jax.Array, bias: jax.Array | None, pads: tuple[tuple[int, int], ...]
) -> jax.Array:
    """Stride-1 2-d convolution (plus bias) as one ``lax.conv_general_dilated``."""
    y = lax.conv_general_dilated(
        x,
        weight,
        window_strides=(1, 1),
        padding=list(pads),
        dimension_numbers=_dims(2),
        precision=lax.Precision.HIGHEST,
    )
    return _add_bias(y, bias, 2)


@functools.partial(jax.custom_jvp, nondiff_argnums=(3,))
def _native_conv2d_offset_grad(
    x: jax.Array, weight: jax.Array, bias: jax.Array | None, pads: tuple[tuple[int, int], ...]
) -> jax.Array:
    """:func:`_native_conv2d` whose weight gradient is one matmul per kernel offset.

    XLA:CPU runs the native weight-gradient convolution on one thread; the per-offset
    matmuls use both (see :func:`_use_offset_weight_grad`).
    """
    return _native_conv2d(x, weight, bias, pads)


def _native_conv2d_offset_grad_jvp(
    pads: tuple[tuple[int, int], ...], primals: tuple[Any, ...], tangents: tuple[Any, ...]
) -> tuple[jax.Array, jax.Array]:
    x, weight, bias = primals
    dx, dw, db = tangents
    y = _native_conv2d(x, weight, bias, pads)
    dy = jnp.zeros(y.shape, y.dtype)
    if type(dx) is not SymbolicZero:
        dy = dy + _native_conv2d(dx, weight, None, pads)
    db = None if bias is None or type(db) is SymbolicZero else db
    if type(dw) is not SymbolicZero:
        # Rematerialized: the backward slices x again rather than the forward saving the
        # nine shifted copies for it.
        dy = dy + jax.checkpoint(_per_offset_conv2d, static_argnums=(3,))(x, dw, db, pads)
    elif db is not None:
        dy = dy + db.reshape(1, -1, 1, 1)
    return y, dy


_native_conv2d_offset_grad.defjvp(_native_conv2d_offset_grad_jvp, symbolic_zeros=True)


def _use_offset_weight_grad(x: jax.Array, stride, dilation, groups: int) -> bool:
    """Whether a natively lowered convolution takes its weight gradient per kernel offset.

    On CPU, for a stride-1, undilated, ungrouped 2-d convolution with many input channels.
    Measured (median wall ms, 2 threads, jax 0.10; 32 -> 64 channels, 16x16, 3x3, batch 64):
    weight gradient 9.4 native (one busy thread) vs 5.4 per offset; input gradient 7.2 vs
    9.6 and forward 7.4 vs 25 (so those stay native). Fewer channels were not measured with
    two threads (on one thread the native gradient is faster at 6 and 8 channels), so the
    rule is ``C_in >= 32``, for inputs of at most 2**23 elements: the backward slices the
    input once per kernel offset, and larger inputs were not measured.
    """
    if jax.default_backend() != "cpu" or x.ndim != 4 or groups != 1:
        return False
    if any(d != 1 for d in dilation) or any(s != 1 for s in stride):
        return False
    return x.shape[1] >= _OFFSET_GRAD_MIN_C and x.size <= _OFFSET_GRAD_MAX_SIZE


# Fewest input channels and most input elements for which _use_offset_weight_grad holds.
_OFFSET_GRAD_MIN_C = 32
_OFFSET_GRAD_MAX_SIZE = 2**23


def _conv(
    x: jax.Array,
    weight: jax.Array,
    bias: jax.Array | None,
    stride: tuple[int, ...],
    pads: Sequence[tuple[int, int]],
    dilation: tuple[int, ...],
    groups: int,
) -> jax.Array:
    nd = x.ndim - 2
    if _use_im2col(x, weight, stride, dilation, groups):
        # The direct sum accumulates in the input's dtype: only for float32 and float64.
        direct = weight.shape[2] * weight.shape[3] > 1 and x.dtype in (jnp.float32, jnp.float64)
        small = _direct_conv2d if direct else _im2col_conv2d
        return small(x, weight, bias, tuple(tuple(p) for p in pads))
    if _use_offset_weight_grad(x, stride, dilation, groups):
        return _native_conv2d_offset_grad(x, weight, bias, tuple(tuple(p) for p in pads))
    y = lax.conv_general_dilated(
        x,
        weight,
        window_strides=stride,
        padding=list(pads),
        rhs_dilation=dilation,
        dimension_numbers=_dims(nd),
        feature_group_count=groups,
        precision=lax.Precision.HIGHEST,
    )
    return _add_bias(y, bias, nd)


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
    y = _conv(x, w, b, stride_t, pads, dilation_t, groups)
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


# compat compiles the programs of these functions with the XLA:CPU options of
# rustorch_fx._xla, for ungrouped convolutions (compat.nn.functional calls an unmarked alias for
# grouped ones). Estimated 2-core ms without -> with them (per-thread CPU accounting on a busy
# machine; batch 64, 3x3, padding 1): 32 -> 64 channels 16x16 forward 5.5 -> 4.4, input
# gradient 7.2 -> 5.0, weight gradient 6.1 -> 5.6; 128 -> 128 1x1 16x16 forward 8.0 -> 4.2,
# forward with both gradients 14.8 -> 13.2; stride 2, 32 -> 64 at 32x32, 8.0 -> 6.5 and
# 19.2 -> 18.2; conv1d and conv3d unchanged. A depthwise (groups=32) 3x3 got 2x slower (35 -> 69
# and 69 -> 146) and conv_transpose2d's forward slower (16.0 -> 19.8), so those keep XLA's
# default.
for _fn in (conv1d, conv2d, conv3d):
    _xla._mark_convolution(_fn)
del _fn
