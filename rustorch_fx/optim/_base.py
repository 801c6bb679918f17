"""Shared pieces of the optimizers: scalar bias corrections, weight decay, momentum, learning rates.

Every optimizer of :mod:`rustorch_fx.optim` is an ``optax.GradientTransformation`` built as a
chain of the small transforms defined here and in the family modules::

    maybe negate_updates()          # maximize=True: torch negates the gradient first
    maybe add_weight_decay(wd)      # L2 ("coupled") decay: grad + wd * param
    scale_by_<preconditioner>(...)  # the optimizer's own state and direction
    maybe add_weight_decay(wd)      # decoupled (AdamW) decay: the same term, after the preconditioner
    scale_by_learning_rate(lr)      # multiply by -lr (lr a float, an array or a schedule)

``update(grads, state, params)`` returns updates to *add* to the parameters
(``optax.apply_updates``), as in optax.

Step scalars (``1 - beta**t`` and friends) are computed in float64 when JAX's 64-bit mode is on,
as torch computes them with Python floats, and otherwise in float32 through ``expm1`` of
``t * log(beta)`` with ``log(beta)`` taken in float64 on the host, which keeps them within a few
float32 ulps of torch's values at every step (a plain float32 ``1 - beta**t`` drifts by 1e-4
relative within 100 steps).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from rustorch_fx.errors import ArgumentTypeError, OptimizerError

__all__ = [
    "ScaleByLearningRateState",
    "TraceMomentumState",
    "add_weight_decay",
    "bias_correction",
    "decay_power",
    "negate_updates",
    "scale_by_learning_rate",
    "step_float_dtype",
    "trace_momentum",
]

Scalar = float | jax.Array
ScalarOrSchedule = float | jax.Array | Callable[[jax.Array], Any]


# --------------------------------------------------------------------------- validation helpers


def _check_number(op: str, name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number, jax.Array)):
        raise ArgumentTypeError(f"{op}: {name} must be a number, got {type(value).__name__}")


def _is_concrete(value: Any) -> bool:
    return isinstance(value, (int, float, np.number)) or (
        isinstance(value, jax.Array) and not isinstance(value, jax.core.Tracer)
    )


def _check_range(
    op: str, name: str, value: Any, low: float, high: float | None = None, *, open_high: bool = True
) -> None:
    """Raise OptimizerError unless ``low <= value`` (and ``value < high`` / ``<= high``)."""
    _check_number(op, name, value)
    if not _is_concrete(value):
        return
    v = float(value)
    ok = low <= v and (high is None or (v < high if open_high else v <= high))
    if not ok:
        if high is None:
            expected = f"{name} >= {low}"
        else:
            expected = f"{low} <= {name} {'<' if open_high else '<='} {high}"
        raise OptimizerError(f"{op}: invalid {name} value: {value} (expected {expected})")


def _check_lr(op: str, lr: ScalarOrSchedule) -> None:
    if callable(lr):
        return
    _check_range(op, "learning rate", lr, 0.0)


def _check_betas(op: str, betas: Any) -> tuple[Scalar, Scalar]:
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ArgumentTypeError(f"{op}: betas must be a pair (beta1, beta2), got {betas!r}")
    for i, beta in enumerate(betas):
        _check_number(op, f"betas[{i}]", beta)
        if _is_concrete(beta) and not 0.0 <= float(beta) < 1.0:
            raise OptimizerError(
                f"{op}: invalid beta parameter at index {i}: {beta} (expected 0 <= beta < 1)"
            )
    return betas[0], betas[1]


def _is_python_zero(value: Any) -> bool:
    """Whether ``value`` is a Python number equal to 0.

    Options that change the state's structure (a momentum buffer or not) are decided from
    Python numbers only, so that ``optax.inject_hyperparams`` (which passes arrays, concrete
    at ``init`` and traced at ``update``) sees one structure.
    """
    return isinstance(value, (int, float)) and value == 0


def _lr_fn(lr: ScalarOrSchedule) -> Callable[[jax.Array], jax.Array]:
    """The learning rate as a function of the 0-based update count."""
    if callable(lr):
        return lambda count: jnp.asarray(lr(count))
    return lambda count: jnp.asarray(lr)


def _params_required(op: str, params: Any) -> None:
    if params is None:
        raise OptimizerError(
            f"{op}: update needs the current parameters (call update(grads, state, params))"
        )


def _cast(scalar: Any, like: jax.Array) -> jax.Array:
    """``scalar`` in the dtype of ``like``: Python-float scalars act at the tensor's precision."""
    return jnp.asarray(scalar).astype(like.dtype)


def _lerp(start: jax.Array, end: jax.Array, weight: Scalar) -> jax.Array:
    """torch.lerp's formula for a scalar weight (``start + w * (end - start)`` when ``|w| < .5``)."""
    w = _cast(weight, start)
    if _is_concrete(weight):
        if abs(float(weight)) < 0.5:
            return start + w * (end - start)
        return end - (end - start) * (1 - w)
    return jnp.where(jnp.abs(w) < 0.5, start + w * (end - start), end - (end - start) * (1 - w))


def _zeros_like(tree: Any) -> Any:
    return jax.tree.map(jnp.zeros_like, tree)


# --------------------------------------------------------------------------- step scalars


def step_float_dtype() -> jnp.dtype:
    """The dtype optimizer step scalars are computed in: float64 with JAX's 64-bit mode, else float32.

    Returns:
        ``jnp.float64`` when 64-bit mode is on (torch computes these scalars with Python floats),
        ``jnp.float32`` otherwise.

    Example:
        >>> step_float_dtype()  # with JAX's default 32-bit mode
        dtype('float32')
    """
    return jnp.dtype(jax.dtypes.canonicalize_dtype(jnp.float64))


def _log(decay: Scalar) -> jax.Array:
    dtype = step_float_dtype()
    if _is_concrete(decay):
        # The logarithm of the exact Python value, rounded once.
        value = float(decay)
        return jnp.asarray(math.log(value) if value > 0 else -math.inf, dtype)
    return jnp.log(jnp.asarray(decay, dtype))


def decay_power(decay: Scalar, count: jax.Array) -> jax.Array:
    """``decay ** count`` computed accurately, in :func:`step_float_dtype`.

    Args:
        decay: The base, a Python float (its logarithm is then taken in float64 on the host)
            or a scalar array.
        count: The exponent, an integer (or float) scalar array, typically the step count.

    Returns:
        A scalar array of dtype :func:`step_float_dtype`.

    Example:
        >>> decay_power(0.9, jnp.asarray(2))
        Array(0.81, dtype=float32)
    """
    return jnp.exp(jnp.asarray(count, step_float_dtype()) * _log(decay))


def bias_correction(decay: Scalar, count: jax.Array) -> jax.Array:
    """``1 - decay ** count``, torch's Adam bias correction, without cancellation.

    Computed as ``-expm1(count * log(decay))``: with ``log(decay)`` rounded once from float64,
    the result is within a few ulps of the float64 value even in float32, where the plain
    ``1 - decay ** count`` of optax's ``bias_correction`` loses about four digits for
    ``decay = 0.999`` (``1 - 0.999**t`` is about ``t / 1000`` for small ``t``).

    Args:
        decay: The moment's decay rate (``beta1`` or ``beta2``), a Python float or scalar array.
        count: The 1-based step count, an integer scalar array.

    Returns:
        A scalar array of dtype :func:`step_float_dtype`.

    Example:
        >>> bias_correction(0.999, jnp.asarray(1))
        Array(0.001, dtype=float32)
    """
    return -jnp.expm1(jnp.asarray(count, step_float_dtype()) * _log(decay))


# --------------------------------------------------------------------------- small transforms


def negate_updates() -> optax.GradientTransformation:
    """Negate the updates: torch's ``maximize=True`` (the gradient is negated before anything else).

    Same numbers as ``optax.scale(-1.0)`` (negation is exact).

    Returns:
        A stateless ``optax.GradientTransformation``.

    Example:
        >>> tx = negate_updates()
        >>> tx.update({"w": jnp.ones(2)}, tx.init(None))[0]["w"]
        Array([-1., -1.], dtype=float32)
    """

    def update_fn(updates: Any, state: Any, params: Any = None) -> tuple[Any, Any]:
        del params
        return jax.tree.map(jnp.negative, updates), state

    return optax.GradientTransformation(lambda params: optax.EmptyState(), update_fn)


def add_weight_decay(
    weight_decay: Scalar, *, op: str = "add_weight_decay"
) -> optax.GradientTransformation:
    """Add ``weight_decay * param`` to the updates; a no-op when ``weight_decay == 0``.

    Where it sits in the chain decides the kind of decay, as in optax:

    * **before** the preconditioner it is torch's L2 ("coupled") decay, ``grad = grad + wd * p``
      (SGD, Adam, Adagrad, RMSprop, ... with ``weight_decay``);
    * **after** the preconditioner and before :func:`scale_by_learning_rate` it is decoupled
      decay: the final update gains ``-lr * wd * p``, torch's ``p.mul_(1 - lr * wd)`` (AdamW,
      NAdam and RAdam with ``decoupled_weight_decay=True``).

    Same numbers as ``optax.add_decayed_weights`` (without its mask), plus torch's validation,
    and skipped entirely for a zero decay as torch skips it.

    Args:
        weight_decay: The decay coefficient, ``>= 0``.
        op: The optimizer name used in error messages.

    Returns:
        A stateless ``optax.GradientTransformation`` whose ``update`` needs ``params``.

    Raises:
        OptimizerError: If ``weight_decay < 0``, or (at update time) ``params`` is missing.

    Example:
        >>> tx = add_weight_decay(0.1)
        >>> p = {"w": jnp.ones(2)}
        >>> tx.update({"w": jnp.zeros(2)}, tx.init(p), p)[0]["w"]
        Array([0.1, 0.1], dtype=float32)
    """
    _check_range(op, "weight_decay", weight_decay, 0.0)
    if _is_python_zero(weight_decay):
        return optax.identity()

    def update_fn(updates: Any, state: Any, params: Any = None) -> tuple[Any, Any]:
        _params_required(op, params)
        new = jax.tree.map(lambda g, p: g + _cast(weight_decay, g) * p, updates, params)
        return new, state

    return optax.GradientTransformation(lambda params: optax.EmptyState(), update_fn)


class ScaleByLearningRateState(NamedTuple):
    """State of :func:`scale_by_learning_rate`: the number of updates made so far (int32)."""

    count: jax.Array


def scale_by_learning_rate(
    learning_rate: ScalarOrSchedule, *, flip_sign: bool = True, op: str = "scale_by_learning_rate"
) -> optax.GradientTransformation:
    """Multiply the updates by ``-learning_rate`` (or ``+`` with ``flip_sign=False``).

    ``learning_rate`` may be a float, a scalar array, or a schedule ``count -> lr`` called with
    the 0-based number of updates made so far, so the first update uses ``schedule(0)`` exactly
    as the first ``optimizer.step()`` under a torch ``LambdaLR`` uses ``lr_lambda(0)``. Same
    numbers as ``optax.scale_by_learning_rate``; this one validates the value like torch and
    always keeps the count, so a schedule can be swapped in without changing the state's
    structure.

    Args:
        learning_rate: A float ``>= 0``, a scalar array, or a schedule.
        flip_sign: Multiply by ``-lr`` (descent) when True.
        op: The optimizer name used in error messages.

    Returns:
        An ``optax.GradientTransformation`` with :class:`ScaleByLearningRateState`.

    Raises:
        OptimizerError: If a float ``learning_rate`` is negative.

    Example:
        >>> tx = scale_by_learning_rate(lambda count: 0.1 / (count + 1))
        >>> u, state = tx.update({"w": jnp.ones(2)}, tx.init(None))
        >>> u["w"]
        Array([-0.1, -0.1], dtype=float32)
    """
    _check_lr(op, learning_rate)
    lr_fn = _lr_fn(learning_rate)
    sign = -1 if flip_sign else 1

    def init_fn(params: Any) -> ScaleByLearningRateState:
        del params
        return ScaleByLearningRateState(count=jnp.zeros([], jnp.int32))

    def update_fn(
        updates: Any, state: ScaleByLearningRateState, params: Any = None
    ) -> tuple[Any, Any]:
        del params
        lr = lr_fn(state.count)
        new = jax.tree.map(lambda g: g * _cast(sign * lr, g), updates)
        return new, ScaleByLearningRateState(count=optax.safe_increment(state.count))

    return optax.GradientTransformation(init_fn, update_fn)


class TraceMomentumState(NamedTuple):
    """State of :func:`trace_momentum`: the update count (int32) and the momentum buffers."""

    count: jax.Array
    momentum_buffer: Any


def trace_momentum(
    momentum: Scalar, dampening: Scalar = 0.0, nesterov: bool = False, *, op: str = "trace_momentum"
) -> optax.GradientTransformation:
    """PyTorch's SGD momentum: ``buf = g`` at the first step, then ``buf = m * buf + (1 - d) * g``.

    The update is ``buf``, or ``g + m * buf`` with ``nesterov``. It differs from ``optax.trace``
    in two ways: optax has no ``dampening``, and optax starts from a zero buffer, which equals
    torch's first-step copy only when ``dampening == 0`` (torch ignores dampening at the first
    step).

    Args:
        momentum: The momentum factor ``m >= 0``.
        dampening: The dampening ``d`` applied to the gradient from the second step on.
        nesterov: Use Nesterov momentum (needs ``momentum > 0`` and ``dampening == 0``).
        op: The optimizer name used in error messages.

    Returns:
        An ``optax.GradientTransformation`` with :class:`TraceMomentumState`.

    Raises:
        OptimizerError: If ``momentum < 0``, or ``nesterov`` without a positive momentum and
            zero dampening.

    Example:
        >>> tx = trace_momentum(0.9, dampening=0.5)
        >>> g = {"w": jnp.ones(2)}
        >>> u, s = tx.update(g, tx.init(g))
        >>> u, s = tx.update(g, s)
        >>> u["w"]
        Array([1.4, 1.4], dtype=float32)
    """
    _check_range(op, "momentum", momentum, 0.0)
    _check_number(op, "dampening", dampening)
    concrete = _is_concrete(momentum) and _is_concrete(dampening)
    if nesterov and concrete and (float(momentum) <= 0 or float(dampening) != 0):
        raise OptimizerError(
            f"{op}: Nesterov momentum requires a momentum and zero dampening "
            f"(got momentum={momentum}, dampening={dampening})"
        )

    def init_fn(params: Any) -> TraceMomentumState:
        return TraceMomentumState(
            count=jnp.zeros([], jnp.int32), momentum_buffer=_zeros_like(params)
        )

    def update_fn(updates: Any, state: TraceMomentumState, params: Any = None) -> tuple[Any, Any]:
        del params
        first = state.count == 0

        def new_buffer(g: jax.Array, buf: jax.Array) -> jax.Array:
            later = buf * _cast(momentum, g) + g * _cast(1 - dampening, g)
            return jnp.where(first, g, later).astype(buf.dtype)

        buffers = jax.tree.map(new_buffer, updates, state.momentum_buffer)
        if nesterov:
            out = jax.tree.map(lambda g, b: g + _cast(momentum, g) * b, updates, buffers)
        else:
            out = jax.tree.map(lambda g, b: b.astype(g.dtype), updates, buffers)
        if not isinstance(momentum, (int, float)):
            # An array momentum (optax.inject_hyperparams) may be 0: torch then keeps no
            # buffer and steps along the gradient itself.
            out = jax.tree.map(lambda g, o: jnp.where(momentum == 0, g, o), updates, out)
        return out, TraceMomentumState(optax.safe_increment(state.count), buffers)

    return optax.GradientTransformation(init_fn, update_fn)


def _chain(*transforms: optax.GradientTransformation | None) -> optax.GradientTransformation:
    """``optax.chain`` of the transforms that are not None."""
    return optax.chain(*(t for t in transforms if t is not None))
