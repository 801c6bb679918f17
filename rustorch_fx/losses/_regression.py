"""Regression and distribution losses: l1, mse, smooth L1, Huber, Poisson and Gaussian NLL, KL."""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
from jax.scipy.special import xlogy

from rustorch_fx._boundary import boundary
from rustorch_fx.errors import InvalidArgumentError, ShapeError
from rustorch_fx.losses._common import (
    broadcast_pair,
    broadcast_shapes,
    cast,
    compute_dtype,
    concrete,
    floating,
    optional_floating,
    reduce_loss,
    reduction_arg,
    result_dtype,
    sign_abs,
)

__all__ = [
    "gaussian_nll_loss",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "mse_loss",
    "poisson_nll_loss",
    "smooth_l1_loss",
]


def _pair(op: str, input: Any, target: Any) -> tuple[jax.Array, jax.Array, Any, Any]:
    """Floating ``input``/``target`` broadcast together, in the compute dtype; and the result dtype."""
    x = floating(op, "input", input)
    t = floating(op, "target", target)
    out = result_dtype(x, t)
    x, t = broadcast_pair(op, x, t)
    dtype = compute_dtype(x, t)
    return x.astype(dtype), t.astype(dtype), dtype, out


def _sample_weight(op: str, weight: Any, input_shape: tuple[int, ...], dtype: Any) -> Any:
    """The optional elementwise ``weight`` of l1/mse/huber: exactly the input's shape."""
    w = optional_floating(op, "weight", weight)
    if w is None:
        return None
    if w.shape != input_shape:
        raise ShapeError(
            f"{op}: Weights and input must have the same size (weight shape {w.shape}, "
            f"input shape {input_shape})"
        )
    return w.astype(dtype)


def _weighted(
    loss: jax.Array, weight: jax.Array | None, reduction: str, normalize: bool
) -> jax.Array:
    """Reduce ``loss * weight``; ``normalize`` divides the weighted mean by ``sum(weight)``."""
    if weight is None:
        return reduce_loss(loss, reduction)
    loss = loss * weight
    if reduction == "mean" and normalize:
        return jnp.sum(loss) / jnp.sum(weight)
    return reduce_loss(loss, reduction)


@boundary("l1_loss")
def l1_loss(
    input: Any,
    target: Any,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Any = None,
) -> jax.Array:
    """Mean absolute error ``|input - target|``, optionally weighted per element.

    The gradient at ``input == target`` is 0, as torch's.

    Args:
        input: Predictions, any shape.
        target: Targets, broadcastable to ``input`` (a warning is emitted when the shapes
            differ, as torch).
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.
        weight: Optional elementwise weights of ``input``'s shape; ``'mean'`` then divides the
            weighted sum by ``sum(weight)``.

    Returns:
        A scalar, or the elementwise loss for ``reduction='none'``.

    Raises:
        ShapeError: If ``target`` does not broadcast, or ``weight`` is not ``input``'s shape.
        InvalidArgumentError: For an unknown reduction.
        DTypeError: For non-floating arguments.

    Example:
        >>> l1_loss(jnp.array([1.0, 2.0]), jnp.array([0.0, 4.0]))
        Array(1.5, dtype=float32)
    """
    reduction = reduction_arg("l1_loss", reduction, size_average, reduce)
    x, t, dtype, out = _pair("l1_loss", input, target)
    w = _sample_weight("l1_loss", weight, jnp.shape(input), dtype)
    return _weighted(sign_abs(x - t), w, reduction, True).astype(out)


@boundary("mse_loss")
def mse_loss(
    input: Any,
    target: Any,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Any = None,
) -> jax.Array:
    """Mean squared error ``(input - target) ** 2``, optionally weighted per element.

    Args:
        input: Predictions, any shape.
        target: Targets, broadcastable to ``input`` (a warning is emitted when the shapes
            differ, as torch).
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.
        weight: Optional elementwise weights of ``input``'s shape; ``'mean'`` then divides the
            weighted sum by ``sum(weight)``.

    Returns:
        A scalar, or the elementwise loss for ``reduction='none'``.

    Raises:
        ShapeError: If ``target`` does not broadcast, or ``weight`` is not ``input``'s shape.
        InvalidArgumentError: For an unknown reduction.
        DTypeError: For non-floating arguments.

    Example:
        >>> mse_loss(jnp.array([1.0, 2.0]), jnp.array([0.0, 4.0]))
        Array(2.5, dtype=float32)
    """
    reduction = reduction_arg("mse_loss", reduction, size_average, reduce)
    x, t, dtype, out = _pair("mse_loss", input, target)
    w = _sample_weight("mse_loss", weight, jnp.shape(input), dtype)
    d = x - t
    return _weighted(d * d, w, reduction, True).astype(out)


@boundary("smooth_l1_loss")
def smooth_l1_loss(
    input: Any,
    target: Any,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    beta: float = 1.0,
) -> jax.Array:
    """Smooth L1: ``0.5 * d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 * beta``.

    ``beta=0`` is exactly :func:`l1_loss`.

    Args:
        input: Predictions, any shape.
        target: Targets, broadcastable to ``input``.
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.
        beta: The threshold between the quadratic and the linear part (``>= 0``).

    Returns:
        A scalar, or the elementwise loss for ``reduction='none'``.

    Raises:
        InvalidArgumentError: If ``beta < 0``, or for an unknown reduction.
        ShapeError: If ``target`` does not broadcast to ``input``.

    Example:
        >>> smooth_l1_loss(jnp.array([0.5, 3.0]), jnp.zeros(2))
        Array(1.3125, dtype=float32)
    """
    reduction = reduction_arg("smooth_l1_loss", reduction, size_average, reduce)
    if beta < 0:
        raise InvalidArgumentError(
            f"smooth_l1_loss: smooth_l1_loss does not support negative values for beta "
            f"(got beta={beta})"
        )
    x, t, _, out = _pair("smooth_l1_loss", input, target)
    a = sign_abs(x - t)
    if beta == 0:
        return reduce_loss(a, reduction).astype(out)
    loss = jnp.where(a < beta, 0.5 * a * a / beta, a - 0.5 * beta)
    return reduce_loss(loss, reduction).astype(out)


@boundary("huber_loss")
def huber_loss(
    input: Any,
    target: Any,
    reduction: str = "mean",
    delta: float = 1.0,
    weight: Any = None,
) -> jax.Array:
    """Huber loss: ``0.5 * d**2`` where ``|d| < delta``, else ``delta * (|d| - 0.5 * delta)``.

    Args:
        input: Predictions, any shape.
        target: Targets, broadcastable to ``input``.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.
        delta: The threshold between the quadratic and the linear part (``> 0``).
        weight: Optional elementwise weights of ``input``'s shape (``'mean'`` is then the
            plain mean of the weighted losses, as torch).

    Returns:
        A scalar, or the elementwise loss for ``reduction='none'``.

    Raises:
        InvalidArgumentError: If ``delta <= 0``, or for an unknown reduction.
        ShapeError: If ``target`` does not broadcast, or ``weight`` is not ``input``'s shape.

    Example:
        >>> huber_loss(jnp.array([0.5, 3.0]), jnp.zeros(2))
        Array(1.3125, dtype=float32)
    """
    reduction = reduction_arg("huber_loss", reduction)
    if delta <= 0:
        raise InvalidArgumentError(
            f"huber_loss: huber_loss does not support non-positive values for delta "
            f"(got delta={delta})"
        )
    x, t, dtype, out = _pair("huber_loss", input, target)
    w = _sample_weight("huber_loss", weight, jnp.shape(input), dtype)
    a = sign_abs(x - t)
    loss = jnp.where(a < delta, 0.5 * a * a, delta * (a - 0.5 * delta))
    return _weighted(loss, w, reduction, False).astype(out)


@boundary("poisson_nll_loss")
def poisson_nll_loss(
    input: Any,
    target: Any,
    log_input: bool = True,
    full: bool = False,
    size_average: bool | None = None,
    eps: float = 1e-8,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> jax.Array:
    """Negative log-likelihood of a Poisson target.

    ``exp(input) - target * input`` when ``log_input``, else
    ``input - target * log(input + eps)``; ``full`` adds Stirling's approximation
    ``target * log(target) - target + 0.5 * log(2 * pi * target)`` where ``target > 1``.

    Args:
        input: The rate's log (``log_input=True``) or the rate itself.
        target: Counts, broadcastable to ``input``.
        log_input: Whether ``input`` is the log of the rate.
        full: Add the Stirling term.
        size_average: Deprecated (see ``reduction``).
        eps: Added inside the log when ``log_input=False``.
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Returns:
        A scalar, or the elementwise loss for ``reduction='none'``.

    Raises:
        InvalidArgumentError: For an unknown reduction.
        ShapeError: If ``target`` does not broadcast to ``input``.

    Example:
        >>> poisson_nll_loss(jnp.array([0.0]), jnp.array([2.0]))
        Array(1., dtype=float32)
    """
    reduction = reduction_arg("poisson_nll_loss", reduction, size_average, reduce)
    x = floating("poisson_nll_loss", "input", input)
    t = floating("poisson_nll_loss", "target", target)
    out = result_dtype(x, t)
    shape = broadcast_shapes("poisson_nll_loss", x.shape, t.shape, "input", "target")
    dtype = compute_dtype(x, t)
    x, t = jnp.broadcast_to(x, shape).astype(dtype), jnp.broadcast_to(t, shape).astype(dtype)
    loss = jnp.exp(x) - t * x if log_input else x - t * jnp.log(x + eps)
    if full:
        big = t > 1
        safe = jnp.where(big, t, jnp.ones_like(t))
        stirling = safe * jnp.log(safe) - safe + 0.5 * jnp.log(2 * math.pi * safe)
        loss = loss + jnp.where(big, stirling, jnp.zeros_like(t))
    return reduce_loss(loss, reduction).astype(out)


def _gaussian_var(input: jax.Array, var: Any) -> jax.Array:
    """``var`` validated and shaped for broadcasting against ``input`` (torch's rules)."""
    op = "gaussian_nll_loss"
    if isinstance(var, (int, float)) and not isinstance(var, bool):
        if var < 0:
            raise InvalidArgumentError(f"{op}: var has negative entry/entries (got var={var})")
        return jnp.full(input.shape, var, input.dtype)
    v = floating(op, "var", var)
    values = concrete(v)
    if values is not None and values.size and (values < 0).any():
        raise InvalidArgumentError(f"{op}: var has negative entry/entries")
    if v.shape == input.shape:
        return v
    if input.shape[:-1] == v.shape:
        return v[..., None]
    differ = [b for a, b in zip(input.shape, v.shape, strict=False) if a != b]
    if input.ndim == v.ndim and sum(differ) == 1:
        return v
    raise ShapeError(
        f"{op}: var is of incorrect size: var shape {v.shape} does not fit input shape "
        f"{input.shape} (expected the same shape, the input's shape without its last "
        "dimension, or the same shape with one dimension of size 1)"
    )


@boundary("gaussian_nll_loss")
def gaussian_nll_loss(
    input: Any,
    target: Any,
    var: Any,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> jax.Array:
    """Negative log-likelihood of ``target`` under ``Normal(input, var)``.

    ``0.5 * (log(max(var, eps)) + (input - target)**2 / max(var, eps))``, plus
    ``0.5 * log(2 * pi)`` when ``full``. As in torch, the clamp at ``eps`` is not
    differentiated: the gradient w.r.t. ``var`` is the one at the clamped value.

    Args:
        input: Means, shape ``(N, *)`` or ``(*)``.
        target: Samples, broadcastable to ``input``.
        var: Variances: a non-negative number, or an array of ``input``'s shape, of
            ``input``'s shape without its last dimension (homoscedastic over it), or of
            ``input``'s shape with one dimension of size 1.
        full: Include the constant term.
        eps: The lower clamp of ``var``.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Returns:
        A scalar, or the elementwise loss for ``reduction='none'``.

    Raises:
        InvalidArgumentError: For negative variances (checked where the values are known,
            i.e. outside ``jax.jit``) or an unknown reduction.
        ShapeError: If ``var``'s shape fits none of the accepted forms.

    Example:
        >>> gaussian_nll_loss(jnp.array([0.0]), jnp.array([1.0]), jnp.array([1.0]))
        Array(0.5, dtype=float32)
    """
    x = floating("gaussian_nll_loss", "input", input)
    t = floating("gaussian_nll_loss", "target", target)
    v = _gaussian_var(x, var)
    reduction = reduction_arg("gaussian_nll_loss", reduction)
    out = result_dtype(x, t, v)
    dtype = compute_dtype(x, t, v)
    x, t, v = cast(x, dtype), cast(t, dtype), cast(v, dtype)
    v = v + jax.lax.stop_gradient(jnp.maximum(v, eps) - v)
    d = x - t
    loss = 0.5 * (jnp.log(v) + d * d / v)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return reduce_loss(loss, reduction).astype(out)


@boundary("kl_div")
def kl_div(
    input: Any,
    target: Any,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    log_target: bool = False,
) -> jax.Array:
    """Kullback-Leibler divergence ``target * (log(target) - input)`` pointwise.

    ``input`` holds log-probabilities; ``target`` probabilities (``0 * log(0) = 0``), or
    log-probabilities with ``log_target=True`` (then ``exp(target) * (target - input)``).

    Warning:
        ``reduction='mean'`` averages over every element, as torch does; the KL divergence
        of distributions over the last axis is ``reduction='batchmean'`` (sum divided by the
        batch size ``input.shape[0]``).

    Args:
        input: Log-probabilities, any shape.
        target: Probabilities (or log-probabilities), broadcastable to ``input``.
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'`` | ``'batchmean'``.
        log_target: Whether ``target`` is given in log space.

    Returns:
        A scalar, or the elementwise loss for ``reduction='none'``.

    Raises:
        InvalidArgumentError: For an unknown reduction.
        ShapeError: If ``target`` does not broadcast to ``input``.

    Example:
        >>> kl_div(jnp.log(jnp.array([0.5, 0.5])), jnp.array([0.25, 0.75]), reduction="sum")
        Array(0.13081403, dtype=float32)
    """
    legacy = size_average is not None or reduce is not None
    reduction = reduction_arg("kl_div", reduction, size_average, reduce, extra=("batchmean",))
    x = floating("kl_div", "input", input)
    t = floating("kl_div", "target", target)
    out = result_dtype(x, t)
    shape = broadcast_shapes("kl_div", x.shape, t.shape, "input", "target")
    dtype = compute_dtype(x, t)
    x, t = jnp.broadcast_to(x, shape).astype(dtype), jnp.broadcast_to(t, shape).astype(dtype)
    loss = jnp.exp(t) * (t - x) if log_target else xlogy(t, t) - t * x
    if reduction == "batchmean" and not legacy:
        total = jnp.sum(loss)
        return (total / x.shape[0] if x.ndim else total).astype(out)
    return reduce_loss(loss, reduction).astype(out)
