"""Batch, instance, layer, group, RMS and local-response normalisation (``torch.nn.functional``).

Statistics are computed in float32 for float16/bfloat16 input (and in the input's dtype for
float32/float64); the result has the input's dtype. Normalisation uses the biased variance; the
running variance is updated with the unbiased one, as in PyTorch.

The layers with running statistics cannot update them in place here: :func:`batch_norm` and
:func:`instance_norm` return the normalised output only (torch's signature), and
:func:`batch_norm_with_stats` / :func:`instance_norm_with_stats` also return the new running
statistics (a :class:`BatchNormOutput`). ``compat.nn`` writes those into its buffers. The new
statistics are not differentiated (``stop_gradient``), as torch's in-place updates are not.

Batch normalisation in training mode is one function with a custom JVP
(:func:`_batch_norm_train`): its tangent is the textbook formula
``w * r * (dx - mean(dx) - xhat * mean(xhat * dx))``, whose transpose (the backward) is two
per-channel reductions and one elementwise pass. JAX's own derivative of the mean/variance
graph takes several more passes over the activation: measured on XLA:CPU (median CPU ms, one
thread, busy 2-core x86, jax 0.10, compat-style separate forward and backward programs):

====================  ==================  ==================
input                 autodiff fwd / bwd  custom JVP fwd / bwd
====================  ==================  ==================
64 x 32 x 32 x 32     2.6 / 15.5          2.6 / 5.8
64 x 64 x 16 x 16     1.5 / 4.1           1.2 / 2.6
====================  ==================  ==================

The rule groups its per-channel factors before multiplying by the activation, so the backward
takes exactly two reductions over it (of the cotangent, and of the cotangent times ``xhat``),
shared by the input, weight and bias gradients; an ungrouped rule reduced the cotangent times
``xhat`` twice. Measured (forward and backward programs as compat runs them, busy 2-core x86,
interleaved medians of process CPU time): 64 x 32 x 32 x 32 7.0 -> 6.0 ms, 64 x 64 x 16 x 16
3.9 -> 3.3 ms, with bit-identical results.

A JVP rule (not a VJP rule) keeps forward-mode, reverse-mode and higher-order derivatives.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.custom_derivatives import SymbolicZero

from rustorch_fx import _dtypes
from rustorch_fx._boundary import boundary
from rustorch_fx._checks import as_array, is_int
from rustorch_fx.errors import ArgumentTypeError, DTypeError, InvalidArgumentError, ShapeError

__all__ = [
    "BatchNormOutput",
    "batch_norm",
    "batch_norm_with_stats",
    "group_norm",
    "instance_norm",
    "instance_norm_with_stats",
    "layer_norm",
    "local_response_norm",
    "rms_norm",
]


class BatchNormOutput(NamedTuple):
    """The result of :func:`batch_norm_with_stats` and :func:`instance_norm_with_stats`.

    Attributes:
        output: The normalised input, of its shape and dtype.
        running_mean: The updated running mean (the given one when not updated; None if none
            was given).
        running_var: The updated running variance (likewise).
        num_batches_tracked: The given counter plus one after a training step that updates
            the statistics, else the given counter (None if none was given).
    """

    output: jax.Array
    running_mean: jax.Array | None
    running_var: jax.Array | None
    num_batches_tracked: jax.Array | None


# --------------------------------------------------------------------------------------------
# Helpers.
# --------------------------------------------------------------------------------------------


def _float_input(op: str, input: Any) -> jax.Array:
    x = as_array(op, "input", input)
    if not _dtypes.is_floating(x.dtype):
        raise DTypeError(f"{op}: expected a floating point input, got {np.dtype(x.dtype).name}")
    return x


def _compute_dtype(dtype: Any) -> Any:
    """float32 for half-precision inputs (stable statistics), else the dtype itself."""
    return jnp.float32 if np.dtype(dtype).itemsize < 4 else dtype


def _optional(op: str, name: str, value: Any, shape: tuple[int, ...], what: str) -> Any:
    """``value`` as an array of ``shape`` (or None); a float dtype is required."""
    if value is None:
        return None
    a = as_array(op, name, value)
    if not _dtypes.is_floating(a.dtype):
        raise DTypeError(f"{op}: expected a floating point {name}, got {np.dtype(a.dtype).name}")
    if tuple(a.shape) != shape:
        raise ShapeError(
            f"{op}: {name} should have shape {shape} ({what}), got shape {tuple(a.shape)}"
        )
    return a


def _affine(y: jax.Array, weight: Any, bias: Any, shape: tuple[int, ...]) -> jax.Array:
    if weight is not None:
        y = y * weight.astype(y.dtype).reshape(shape)
    if bias is not None:
        y = y + bias.astype(y.dtype).reshape(shape)
    return y


def _normalize(
    x: jax.Array, mean: jax.Array, var: jax.Array, eps: float, weight: Any, bias: Any, shape: Any
) -> jax.Array:
    """``(x - mean) / sqrt(var + eps) * weight + bias``, in the dtype of ``mean``."""
    y = (x.astype(mean.dtype) - mean) * jax.lax.rsqrt(var + jnp.asarray(eps, var.dtype))
    return _affine(y, weight, bias, shape)


def _moments(x: jax.Array, axes: tuple[int, ...]) -> tuple[jax.Array, jax.Array]:
    """Mean and biased variance over ``axes`` (keepdims), in the compute dtype."""
    xc = x.astype(_compute_dtype(x.dtype))
    mean = jnp.mean(xc, axis=axes, keepdims=True)
    var = jnp.mean(jnp.square(xc - mean), axis=axes, keepdims=True)
    return mean, var


@functools.partial(jax.custom_jvp, nondiff_argnums=(3, 4))
def _batch_norm_train(
    x: jax.Array, w: jax.Array, b: jax.Array, axes: tuple[int, ...], eps: float
) -> tuple[jax.Array, jax.Array, jax.Array]:
    """``((x - mean) * rsqrt(var + eps) * w + b, mean, var)`` with the batch statistics.

    ``x`` is in the compute dtype; ``w`` and ``b`` are broadcastable per-channel arrays of it;
    mean and biased variance are over ``axes`` (keepdims).
    """
    mean = jnp.mean(x, axis=axes, keepdims=True)
    centered = x - mean
    var = jnp.mean(jnp.square(centered), axis=axes, keepdims=True)
    rstd = jax.lax.rsqrt(var + jnp.asarray(eps, var.dtype))
    return centered * (rstd * w) + b, mean, var


def _batch_norm_train_jvp(
    axes: tuple[int, ...], eps: float, primals: tuple[Any, ...], tangents: tuple[Any, ...]
) -> tuple[tuple[jax.Array, ...], tuple[jax.Array, ...]]:
    x, w, b = primals
    dx, dw, db = tangents
    out, mean, var = _batch_norm_train(x, w, b, axes, eps)
    rstd = jax.lax.rsqrt(var + jnp.asarray(eps, var.dtype))
    xhat = (x - mean) * rstd
    # d_out = scale * dx + xhat * k_xhat + k_one with per-channel k_xhat = dw - scale * proj
    # and k_one = db - scale * mean(dx). Grouping the per-channel terms first makes the
    # transpose (the backward) reduce the cotangent and the cotangent times xhat once each:
    # those two sums give the input, weight and bias gradients together.
    k_xhat = k_one = None
    d_mean = jnp.zeros(mean.shape, mean.dtype)
    d_var = jnp.zeros(var.shape, var.dtype)
    has_dx = type(dx) is not SymbolicZero
    if has_dx:
        d_mean = jnp.mean(dx, axis=axes, keepdims=True)
        proj = jnp.mean(xhat * dx, axis=axes, keepdims=True)
        scale = w * rstd
        k_xhat, k_one = -scale * proj, -scale * d_mean
        d_var = 2 * proj / rstd
    if type(dw) is not SymbolicZero:
        k_xhat = dw if k_xhat is None else k_xhat + dw
    if type(db) is not SymbolicZero:
        k_one = db if k_one is None else k_one + db
    d_out = jnp.zeros(out.shape, out.dtype)
    if k_xhat is not None:
        d_out = xhat * k_xhat
    if k_one is not None:
        d_out = d_out + k_one
    if has_dx:
        d_out = d_out + scale * dx
    return (out, mean, var), (d_out, d_mean, d_var)


_batch_norm_train.defjvp(_batch_norm_train_jvp, symbolic_zeros=True)


def _ema(old: jax.Array, new: jax.Array, factor: Any) -> jax.Array:
    """``(1 - factor) * old + factor * new`` in the dtype of ``old``, not differentiated."""
    new = jax.lax.stop_gradient(new).astype(old.dtype)
    f = jnp.asarray(factor).astype(old.dtype)
    return (1 - f) * old + f * new


def _check_eps(op: str, eps: Any) -> float:
    if isinstance(eps, bool) or not isinstance(eps, (int, float, np.integer, np.floating)):
        raise ArgumentTypeError(f"{op}: argument 'eps' must be a number, got {type(eps).__name__}")
    return float(eps)


# --------------------------------------------------------------------------------------------
# Batch normalisation.
# --------------------------------------------------------------------------------------------


@boundary("batch_norm")
def batch_norm_with_stats(
    input: Any,
    running_mean: Any,
    running_var: Any,
    weight: Any = None,
    bias: Any = None,
    momentum: Any = 0.1,
    num_batches_tracked: Any = None,
    *,
    training: bool = False,
    eps: float = 1e-5,
) -> BatchNormOutput:
    """Batch normalisation that also returns the updated running statistics.

    In training mode the input is normalised with the mean and biased variance of each
    channel over the batch and spatial dims, and the running statistics (when given) become
    ``(1 - momentum) * running + momentum * batch_stat``, the variance term using the
    unbiased variance. ``momentum=None`` is the cumulative moving average: the factor is
    ``1 / (num_batches_tracked + 1)``. In evaluation mode the running statistics normalise.

    ``momentum`` and ``num_batches_tracked`` may be arrays (traced under ``jax.jit``), so one
    compiled step serves every value of the cumulative factor.

    Args:
        input: ``(N, C, *)`` floating array.
        running_mean: ``(C,)`` running mean, or None.
        running_var: ``(C,)`` running variance, or None.
        weight: Optional ``(C,)`` scale.
        bias: Optional ``(C,)`` shift.
        momentum: The update factor, or None for the cumulative moving average (which needs
            ``num_batches_tracked``).
        num_batches_tracked: The count of training steps so far (an integer array), or None.
        training: Use batch statistics and update the running ones.
        eps: Added to the variance for stability.

    Returns:
        :class:`BatchNormOutput` ``(output, running_mean, running_var, num_batches_tracked)``.

    Shape:
        - input, output: ``(N, C, *)``
        - running_mean, running_var, weight, bias: ``(C,)``

    Raises:
        ShapeError: For input with fewer than 2 dims or parameters not of shape ``(C,)``.
        InvalidArgumentError: When training with one value per channel, evaluating without
            running statistics, or ``momentum=None`` without ``num_batches_tracked``.
        DTypeError: For non-floating input or parameters.

    Example:
        >>> x = jnp.arange(8.0).reshape(4, 2)
        >>> out, mean, var, _ = batch_norm_with_stats(
        ...     x, jnp.zeros(2), jnp.ones(2), training=True, momentum=0.1)
        >>> mean
        Array([0.3, 0.4], dtype=float32)
    """
    op = "batch_norm"
    x = _float_input(op, input)
    if x.ndim < 2:
        raise ShapeError(
            f"{op}: expected input with at least 2 dims (N, C, *), got shape {tuple(x.shape)}"
        )
    c = x.shape[1]
    what = f"one entry per channel of the input of shape {tuple(x.shape)}"
    rm = _optional(op, "running_mean", running_mean, (c,), what)
    rv = _optional(op, "running_var", running_var, (c,), what)
    w = _optional(op, "weight", weight, (c,), what)
    b = _optional(op, "bias", bias, (c,), what)
    eps = _check_eps(op, eps)
    if (rm is None) != (rv is None):
        raise InvalidArgumentError(
            f"{op}: running_mean and running_var must both be given or both be None"
        )
    shape = (1, c) + (1,) * (x.ndim - 2)
    nbt = (
        None
        if num_batches_tracked is None
        else as_array(op, "num_batches_tracked", num_batches_tracked)
    )
    if not training:
        if rm is None:
            raise InvalidArgumentError(
                f"{op}: running_mean and running_var must be given in evaluation mode "
                "(training=False)"
            )
        ct = _compute_dtype(x.dtype)
        mean = rm.astype(ct).reshape(shape)
        var = rv.astype(ct).reshape(shape)
        out = _normalize(x, mean, var, eps, w, b, shape).astype(x.dtype)
        return BatchNormOutput(out, rm, rv, nbt)
    n = x.size // c if c else 0
    if n == 1:
        raise InvalidArgumentError(
            f"{op}: Expected more than 1 value per channel when training, got input size "
            f"{tuple(x.shape)}"
        )
    axes = (0, *range(2, x.ndim))
    ct = _compute_dtype(x.dtype)
    scale = jnp.ones(shape, ct) if w is None else w.astype(ct).reshape(shape)
    shift = jnp.zeros(shape, ct) if b is None else b.astype(ct).reshape(shape)
    out, mean, var = _batch_norm_train(x.astype(ct), scale, shift, axes, eps)
    out = out.astype(x.dtype)
    if rm is None:
        return BatchNormOutput(out, None, None, nbt)
    if nbt is not None:
        nbt = nbt + 1
    if momentum is None:
        if nbt is None:
            raise InvalidArgumentError(
                f"{op}: momentum=None (cumulative moving average) needs num_batches_tracked"
            )
        factor = 1.0 / nbt.astype(jnp.float32)
    else:
        factor = momentum
    unbiased = var * (n / max(n - 1, 1))
    new_mean = _ema(rm, mean.reshape(c), factor)
    new_var = _ema(rv, unbiased.reshape(c), factor)
    return BatchNormOutput(out, new_mean, new_var, nbt)


@boundary("batch_norm")
def batch_norm(
    input: Any,
    running_mean: Any,
    running_var: Any,
    weight: Any = None,
    bias: Any = None,
    training: bool = False,
    momentum: Any = 0.1,
    eps: float = 1e-5,
) -> jax.Array:
    """Batch normalisation over dim 1 (torch's signature; the running statistics are not updated).

    Use :func:`batch_norm_with_stats` to also get the updated running statistics.

    Args:
        input: ``(N, C, *)`` floating array.
        running_mean: ``(C,)`` running mean (required when not training), or None.
        running_var: ``(C,)`` running variance, or None.
        weight: Optional ``(C,)`` scale.
        bias: Optional ``(C,)`` shift.
        training: Normalise with the batch statistics instead of the running ones.
        momentum: Unused here (it only affects the running statistics).
        eps: Added to the variance for stability.

    Returns:
        The normalised array, shaped like ``input``, of its dtype.

    Shape:
        - input, output: ``(N, C, *)``

    Raises:
        ShapeError: For input with fewer than 2 dims or parameters not of shape ``(C,)``.
        InvalidArgumentError: When training with one value per channel, or evaluating without
            running statistics.
        DTypeError: For non-floating input.

    Example:
        >>> batch_norm(jnp.array([[1.0], [3.0]]), None, None, training=True)
        Array([[-0.99999505],
               [ 0.99999505]], dtype=float32)
    """
    return batch_norm_with_stats(
        input, running_mean, running_var, weight, bias, momentum, training=training, eps=eps
    ).output


# --------------------------------------------------------------------------------------------
# Instance normalisation.
# --------------------------------------------------------------------------------------------


@boundary("instance_norm")
def instance_norm_with_stats(
    input: Any,
    running_mean: Any = None,
    running_var: Any = None,
    weight: Any = None,
    bias: Any = None,
    momentum: Any = 0.1,
    *,
    use_input_stats: bool = True,
    eps: float = 1e-5,
) -> BatchNormOutput:
    """Instance normalisation that also returns the updated running statistics.

    Each ``(sample, channel)`` is normalised with its own mean and biased variance over the
    spatial dims. With ``use_input_stats`` and running statistics given, those become
    ``(1 - momentum) * running + momentum * mean_over_batch(instance_stat)`` (unbiased
    variance), as torch's. Without ``use_input_stats`` the running statistics normalise.

    Args:
        input: ``(N, C, *)`` floating array with at least one spatial dim.
        running_mean: Optional ``(C,)`` running mean.
        running_var: Optional ``(C,)`` running variance.
        weight: Optional ``(C,)`` scale.
        bias: Optional ``(C,)`` shift.
        momentum: The update factor of the running statistics.
        use_input_stats: Normalise with the statistics of each instance.
        eps: Added to the variance for stability.

    Returns:
        :class:`BatchNormOutput` with ``num_batches_tracked=None`` (torch's instance norm
        never counts).

    Shape:
        - input, output: ``(N, C, *)``

    Raises:
        ShapeError: For input with fewer than 3 dims or parameters not of shape ``(C,)``.
        InvalidArgumentError: With one spatial element and ``use_input_stats``, or without
            ``use_input_stats`` and without running statistics.
        DTypeError: For non-floating input.

    Example:
        >>> out = instance_norm_with_stats(jnp.ones((2, 3, 4)), jnp.zeros(3), jnp.ones(3))
        >>> out.running_var
        Array([0.9, 0.9, 0.9], dtype=float32)
    """
    op = "instance_norm"
    x = _float_input(op, input)
    if x.ndim < 3:
        raise ShapeError(
            f"{op}: expected input with at least 3 dims (N, C, *), got shape {tuple(x.shape)}"
        )
    c = x.shape[1]
    what = f"one entry per channel of the input of shape {tuple(x.shape)}"
    rm = _optional(op, "running_mean", running_mean, (c,), what)
    rv = _optional(op, "running_var", running_var, (c,), what)
    w = _optional(op, "weight", weight, (c,), what)
    b = _optional(op, "bias", bias, (c,), what)
    eps = _check_eps(op, eps)
    if (rm is None) != (rv is None):
        raise InvalidArgumentError(
            f"{op}: running_mean and running_var must both be given or both be None"
        )
    shape = (1, c) + (1,) * (x.ndim - 2)
    if not use_input_stats:
        if rm is None:
            raise InvalidArgumentError(
                f"{op}: use_input_stats=False needs running_mean and running_var"
            )
        ct = _compute_dtype(x.dtype)
        out = _normalize(
            x, rm.astype(ct).reshape(shape), rv.astype(ct).reshape(shape), eps, w, b, shape
        )
        return BatchNormOutput(out.astype(x.dtype), rm, rv, None)
    n = math.prod(x.shape[2:])
    if n == 1:
        raise InvalidArgumentError(
            f"{op}: Expected more than 1 spatial element when training, got input size "
            f"{tuple(x.shape)}"
        )
    mean, var = _moments(x, tuple(range(2, x.ndim)))
    out = _normalize(x, mean, var, eps, w, b, shape).astype(x.dtype)
    if rm is None:
        return BatchNormOutput(out, None, None, None)
    batch_mean = jnp.mean(mean.reshape(x.shape[:2]), axis=0)
    batch_var = jnp.mean(var.reshape(x.shape[:2]), axis=0) * (n / max(n - 1, 1))
    return BatchNormOutput(out, _ema(rm, batch_mean, momentum), _ema(rv, batch_var, momentum), None)


@boundary("instance_norm")
def instance_norm(
    input: Any,
    running_mean: Any = None,
    running_var: Any = None,
    weight: Any = None,
    bias: Any = None,
    use_input_stats: bool = True,
    momentum: Any = 0.1,
    eps: float = 1e-5,
) -> jax.Array:
    """Instance normalisation (torch's signature; running statistics are not updated).

    Use :func:`instance_norm_with_stats` to also get the updated running statistics.

    Args:
        input: ``(N, C, *)`` floating array with at least one spatial dim.
        running_mean: Optional ``(C,)`` running mean (used when not ``use_input_stats``).
        running_var: Optional ``(C,)`` running variance.
        weight: Optional ``(C,)`` scale.
        bias: Optional ``(C,)`` shift.
        use_input_stats: Normalise with the statistics of each instance.
        momentum: Unused here (it only affects the running statistics).
        eps: Added to the variance for stability.

    Returns:
        The normalised array, shaped like ``input``, of its dtype.

    Shape:
        - input, output: ``(N, C, *)``

    Raises:
        ShapeError: For input with fewer than 3 dims or parameters not of shape ``(C,)``.
        InvalidArgumentError: With one spatial element and ``use_input_stats``.
        DTypeError: For non-floating input.

    Example:
        >>> instance_norm(jnp.array([[[1.0, 3.0]]]))
        Array([[[-0.99999505,  0.99999505]]], dtype=float32)
    """
    return instance_norm_with_stats(
        input,
        running_mean,
        running_var,
        weight,
        bias,
        momentum,
        use_input_stats=use_input_stats,
        eps=eps,
    ).output


# --------------------------------------------------------------------------------------------
# Layer, RMS and group normalisation.
# --------------------------------------------------------------------------------------------


def _normalized_shape(op: str, normalized_shape: Any, x: jax.Array) -> tuple[int, ...]:
    if is_int(normalized_shape):
        normalized_shape = (normalized_shape,)
    if not isinstance(normalized_shape, Sequence) or not all(is_int(s) for s in normalized_shape):
        raise ArgumentTypeError(
            f"{op}: normalized_shape must be an int or a sequence of ints, got {normalized_shape!r}"
        )
    shape = tuple(int(s) for s in normalized_shape)
    if not shape:
        raise InvalidArgumentError(f"{op}: normalized_shape must not be empty")
    if x.ndim < len(shape) or tuple(x.shape[x.ndim - len(shape) :]) != shape:
        raise ShapeError(
            f"{op}: Given normalized_shape={list(shape)}, expected input with shape "
            f"[*, {', '.join(map(str, shape))}], but got input of size {list(x.shape)}"
        )
    return shape


@boundary("layer_norm")
def layer_norm(
    input: Any,
    normalized_shape: Any,
    weight: Any = None,
    bias: Any = None,
    eps: float = 1e-5,
) -> jax.Array:
    """Normalise over the trailing ``normalized_shape`` dims (mean and biased variance).

    Args:
        input: A floating array ``(*, *normalized_shape)``.
        normalized_shape: An int or a sequence of ints: the trailing dims to normalise.
        weight: Optional scale of shape ``normalized_shape``.
        bias: Optional shift of shape ``normalized_shape``.
        eps: Added to the variance for stability.

    Returns:
        The normalised array, shaped like ``input``, of its dtype.

    Shape:
        - input, output: ``(*, *normalized_shape)``

    Raises:
        ShapeError: If the trailing dims of ``input`` are not ``normalized_shape``, or a
            parameter has another shape.
        DTypeError: For non-floating input.

    Example:
        >>> layer_norm(jnp.array([[1.0, 3.0]]), (2,))
        Array([[-0.99999505,  0.99999505]], dtype=float32)
    """
    op = "layer_norm"
    x = _float_input(op, input)
    shape = _normalized_shape(op, normalized_shape, x)
    what = "normalized_shape"
    w = _optional(op, "weight", weight, shape, what)
    b = _optional(op, "bias", bias, shape, what)
    eps = _check_eps(op, eps)
    axes = tuple(range(x.ndim - len(shape), x.ndim))
    mean, var = _moments(x, axes)
    return _normalize(x, mean, var, eps, w, b, shape).astype(x.dtype)


@boundary("rms_norm")
def rms_norm(
    input: Any, normalized_shape: Any, weight: Any = None, eps: float | None = None
) -> jax.Array:
    """Root-mean-square normalisation: ``input / sqrt(mean(input**2) + eps) * weight``.

    Args:
        input: A floating array ``(*, *normalized_shape)``.
        normalized_shape: An int or a sequence of ints: the trailing dims to normalise.
        weight: Optional scale of shape ``normalized_shape``.
        eps: Added to the mean square; None means ``finfo(input.dtype).eps``, as torch.

    Returns:
        The normalised array, shaped like ``input``, of its dtype.

    Shape:
        - input, output: ``(*, *normalized_shape)``

    Raises:
        ShapeError: If the trailing dims of ``input`` are not ``normalized_shape``.
        DTypeError: For non-floating input.

    Example:
        >>> rms_norm(jnp.array([[3.0, 4.0]]), 2, eps=0.0)
        Array([[0.8485281, 1.1313709]], dtype=float32)
    """
    op = "rms_norm"
    x = _float_input(op, input)
    shape = _normalized_shape(op, normalized_shape, x)
    w = _optional(op, "weight", weight, shape, "normalized_shape")
    eps = float(jnp.finfo(x.dtype).eps) if eps is None else _check_eps(op, eps)
    axes = tuple(range(x.ndim - len(shape), x.ndim))
    xc = x.astype(_compute_dtype(x.dtype))
    ms = jnp.mean(jnp.square(xc), axis=axes, keepdims=True)
    y = xc * jax.lax.rsqrt(ms + jnp.asarray(eps, xc.dtype))
    return _affine(y, w, None, shape).astype(x.dtype)


@boundary("group_norm")
def group_norm(
    input: Any, num_groups: int, weight: Any = None, bias: Any = None, eps: float = 1e-5
) -> jax.Array:
    """Normalise each group of ``C // num_groups`` channels of each sample, then scale per channel.

    Args:
        input: ``(N, C, *)`` floating array.
        num_groups: The number of groups; it must divide ``C``.
        weight: Optional ``(C,)`` scale.
        bias: Optional ``(C,)`` shift.
        eps: Added to the variance for stability.

    Returns:
        The normalised array, shaped like ``input``, of its dtype.

    Shape:
        - input, output: ``(N, C, *)``

    Raises:
        ShapeError: For input with fewer than 2 dims, ``C`` not divisible by ``num_groups``,
            or parameters not of shape ``(C,)``.
        InvalidArgumentError: If ``num_groups < 1``, or if ``N * C / num_groups`` times the
            spatial size is 1 (torch's check).
        DTypeError: For non-floating input.

    Example:
        >>> group_norm(jnp.array([[1.0, 3.0]]), 1)
        Array([[-0.99999505,  0.99999505]], dtype=float32)
    """
    op = "group_norm"
    x = _float_input(op, input)
    if not is_int(num_groups):
        raise ArgumentTypeError(f"{op}: num_groups must be an int, got {type(num_groups).__name__}")
    if num_groups < 1:
        raise InvalidArgumentError(f"{op}: num_groups must be positive, got {num_groups}")
    if x.ndim < 2:
        raise ShapeError(
            f"{op}: Expected at least 2 dimensions for input tensor but received {x.ndim}"
        )
    n, c = x.shape[:2]
    if c % num_groups:
        raise ShapeError(
            f"{op}: Expected number of channels in input to be divisible by num_groups, but "
            f"got input of shape {list(x.shape)} and num_groups={num_groups}"
        )
    what = f"one entry per channel of the input of shape {tuple(x.shape)}"
    w = _optional(op, "weight", weight, (c,), what)
    b = _optional(op, "bias", bias, (c,), what)
    eps = _check_eps(op, eps)
    if (n * c // num_groups) * math.prod(x.shape[2:]) == 1:  # torch's _verify_batch_size
        raise InvalidArgumentError(
            f"{op}: Expected more than 1 value per channel when training, got input size "
            f"{tuple(x.shape)} and num_groups={num_groups}"
        )
    grouped = x.reshape((n, num_groups, -1))
    mean, var = _moments(grouped, (2,))
    ct = mean.dtype
    y = ((grouped.astype(ct) - mean) * jax.lax.rsqrt(var + jnp.asarray(eps, ct))).reshape(x.shape)
    return _affine(y, w, b, (1, c) + (1,) * (x.ndim - 2)).astype(x.dtype)


@boundary("local_response_norm")
def local_response_norm(
    input: Any, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0
) -> jax.Array:
    """Normalise each value by the energy of its ``size`` neighbouring channels (AlexNet's LRN).

    ``out = input / (k + alpha / size * sum_{window} input**2) ** beta``; the window over
    dim 1 spans ``size // 2`` channels before and ``(size - 1) // 2`` after, zero-padded.

    Args:
        input: ``(N, C, *)`` floating array with at least one spatial dim.
        size: The number of neighbouring channels in the window.
        alpha: Multiplicative factor.
        beta: Exponent.
        k: Additive factor.

    Returns:
        An array shaped like ``input``, of its dtype.

    Shape:
        - input, output: ``(N, C, *)``

    Raises:
        ShapeError: For input with fewer than 3 dims.
        InvalidArgumentError: If ``size < 1``.
        DTypeError: For non-floating input.

    Example:
        >>> local_response_norm(jnp.ones((1, 3, 2)), 2).shape
        (1, 3, 2)
    """
    op = "local_response_norm"
    x = _float_input(op, input)
    if x.ndim < 3:
        raise ShapeError(
            f"{op}: Expected 3D or higher dimensionality input (got {x.ndim} dimensions)"
        )
    if not is_int(size) or size < 1:
        raise InvalidArgumentError(f"{op}: size must be a positive int, got {size!r}")
    if x.size == 0:
        return x
    xc = x.astype(_compute_dtype(x.dtype))
    pads = [(0, 0)] * x.ndim
    pads[1] = (size // 2, (size - 1) // 2)
    squares = jnp.pad(jnp.square(xc), pads)
    window = (1, size) + (1,) * (x.ndim - 2)
    total = jax.lax.reduce_window(
        squares, np.zeros((), xc.dtype), jax.lax.add, window, (1,) * x.ndim, "VALID"
    )
    div = (total * (alpha / size) + k) ** beta
    return (xc / div).astype(x.dtype)
