"""Adagrad, Adadelta, RMSprop, Rprop and ASGD with torch's numerics.

Same chain layout as the Adam family: ``[negate_updates] -> [L2 add_weight_decay] ->
scale_by_<name> -> scale_by_learning_rate``. Rprop and ASGD use the learning rate inside their
own rule (Rprop only as the initial step size, ASGD in its ``eta`` schedule), so they end with
their own transform instead.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from rustorch_fx.errors import ArgumentTypeError, OptimizerError
from rustorch_fx.optim._base import (
    Scalar,
    ScalarOrSchedule,
    _cast,
    _chain,
    _check_lr,
    _check_number,
    _check_range,
    _is_concrete,
    _is_python_zero,
    _lerp,
    _lr_fn,
    _params_required,
    _zeros_like,
    add_weight_decay,
    negate_updates,
    scale_by_learning_rate,
    step_float_dtype,
)

__all__ = [
    "AsgdState",
    "ScaleByAdadeltaState",
    "ScaleByAdagradState",
    "ScaleByRmspropState",
    "ScaleByRpropState",
    "adadelta",
    "adagrad",
    "asgd",
    "rmsprop",
    "rprop",
    "scale_by_adadelta",
    "scale_by_adagrad",
    "scale_by_asgd",
    "scale_by_rmsprop",
    "scale_by_rprop",
]


def _prefix(
    op: str, weight_decay: Scalar, maximize: bool
) -> tuple[optax.GradientTransformation | None, optax.GradientTransformation]:
    return (negate_updates() if maximize else None), add_weight_decay(weight_decay, op=op)


# --------------------------------------------------------------------------- Adagrad


class ScaleByAdagradState(NamedTuple):
    """State of :func:`scale_by_adagrad`: count and torch's accumulator ``sum``."""

    count: jax.Array
    sum: Any


def scale_by_adagrad(
    lr_decay: Scalar = 0.0, initial_accumulator_value: Scalar = 0.0, eps: Scalar = 1e-10
) -> optax.GradientTransformation:
    r"""PyTorch's Adagrad direction: ``g / (sqrt(s_t) + eps) / (1 + (t - 1) * lr_decay)``, ``s_t = s + g^2``.

    Differences from ``optax.scale_by_rss``: ``eps`` is added after the square root (optax:
    ``rsqrt(s + eps)``), the accumulator starts at ``initial_accumulator_value`` (torch: 0,
    optax: 0.1), and torch's ``lr_decay`` divides the step.

    Args:
        lr_decay: Learning-rate decay ``>= 0``.
        initial_accumulator_value: Initial value of the accumulator, ``>= 0``.
        eps: Term added to the denominator, ``>= 0``.

    Returns:
        An ``optax.GradientTransformation`` with :class:`ScaleByAdagradState`.

    Raises:
        OptimizerError: For a negative argument.

    Example:
        >>> tx = scale_by_adagrad(eps=0.0)
        >>> g = {"w": jnp.full(2, -3.0)}
        >>> tx.update(g, tx.init(g))[0]["w"]
        Array([-1., -1.], dtype=float32)
    """
    op = "scale_by_adagrad"
    _check_range(op, "lr_decay", lr_decay, 0.0)
    _check_range(op, "initial_accumulator_value", initial_accumulator_value, 0.0)
    _check_range(op, "epsilon", eps, 0.0)

    def init_fn(params: Any) -> ScaleByAdagradState:
        acc = jax.tree.map(lambda p: jnp.full_like(p, initial_accumulator_value), params)
        return ScaleByAdagradState(count=jnp.zeros([], jnp.int32), sum=acc)

    def update_fn(updates: Any, state: ScaleByAdagradState, params: Any = None) -> tuple[Any, Any]:
        del params
        count = optax.safe_increment(state.count)
        acc = jax.tree.map(lambda s, g: s + g * g, state.sum, updates)
        decay = 1 / (1 + (jnp.asarray(count, step_float_dtype()) - 1) * lr_decay)
        out = jax.tree.map(
            lambda g, s: g / (jnp.sqrt(s) + _cast(eps, s)) * _cast(decay, g), updates, acc
        )
        return out, ScaleByAdagradState(count, acc)

    return optax.GradientTransformation(init_fn, update_fn)


def adagrad(
    lr: ScalarOrSchedule = 1e-2,
    lr_decay: Scalar = 0.0,
    weight_decay: Scalar = 0.0,
    initial_accumulator_value: Scalar = 0.0,
    eps: Scalar = 1e-10,
    *,
    maximize: bool = False,
) -> optax.GradientTransformation:
    r"""Adagrad with torch's ``torch.optim.Adagrad`` update rule (see :func:`scale_by_adagrad`).

    Differences from ``optax.adagrad``: see :func:`scale_by_adagrad`; plus ``lr_decay`` and L2
    weight decay.

    Args:
        lr: Learning rate, a float ``>= 0`` or a schedule ``count -> lr``.
        lr_decay: Learning-rate decay ``>= 0``.
        weight_decay: L2 penalty coefficient, ``>= 0``.
        initial_accumulator_value: Initial value of the accumulator, ``>= 0``.
        eps: Term added to the denominator, ``>= 0``.
        maximize: Maximize the objective instead of minimizing it.

    Returns:
        An ``optax.GradientTransformation``.

    Raises:
        OptimizerError: For a negative argument.

    Example:
        >>> import jax.numpy as jnp
        >>> tx = adagrad(lr=0.5, eps=0.0)
        >>> params = {"w": jnp.ones(2)}
        >>> tx.update({"w": jnp.full(2, 4.0)}, tx.init(params), params)[0]["w"]
        Array([-0.5, -0.5], dtype=float32)
    """
    op = "adagrad"
    negate, decay = _prefix(op, weight_decay, maximize)
    core = scale_by_adagrad(lr_decay, initial_accumulator_value, eps)
    return _chain(negate, decay, core, scale_by_learning_rate(lr, op=op))


# --------------------------------------------------------------------------- Adadelta


class ScaleByAdadeltaState(NamedTuple):
    """State of :func:`scale_by_adadelta`: count, ``square_avg`` and ``acc_delta``."""

    count: jax.Array
    square_avg: Any
    acc_delta: Any


def scale_by_adadelta(rho: Scalar = 0.9, eps: Scalar = 1e-6) -> optax.GradientTransformation:
    r"""PyTorch's Adadelta direction: ``sqrt(u + eps) / sqrt(v_t + eps) * g``.

    ``v_t = rho v + (1 - rho) g^2``, then the direction ``d`` above, then
    ``u_t = rho u + (1 - rho) d^2``. The formula is optax's ``scale_by_adadelta``; this one
    follows torch's operation order (a division by ``sqrt(v_t + eps)``, where optax multiplies
    by ``rsqrt``), torch's default ``rho=0.9`` and validates like torch.

    Args:
        rho: Decay rate of both running averages, ``0 <= rho <= 1``.
        eps: Term added inside both square roots, ``>= 0``.

    Returns:
        An ``optax.GradientTransformation`` with :class:`ScaleByAdadeltaState`.

    Raises:
        OptimizerError: For ``rho`` outside ``[0, 1]`` or a negative ``eps``.

    Example:
        >>> tx = scale_by_adadelta(rho=0.0, eps=1.0)
        >>> g = {"w": jnp.zeros(2)}
        >>> tx.update(g, tx.init(g))[0]["w"]
        Array([0., 0.], dtype=float32)
    """
    op = "scale_by_adadelta"
    _check_range(op, "rho", rho, 0.0, 1.0, open_high=False)
    _check_range(op, "epsilon", eps, 0.0)

    def init_fn(params: Any) -> ScaleByAdadeltaState:
        return ScaleByAdadeltaState(
            count=jnp.zeros([], jnp.int32),
            square_avg=_zeros_like(params),
            acc_delta=_zeros_like(params),
        )

    def update_fn(updates: Any, state: ScaleByAdadeltaState, params: Any = None) -> tuple[Any, Any]:
        del params

        def step(g: jax.Array, v: jax.Array, u: jax.Array) -> tuple[jax.Array, ...]:
            v = v * _cast(rho, v) + _cast(1 - rho, v) * g * g
            std = jnp.sqrt(v + _cast(eps, v))
            delta = jnp.sqrt(u + _cast(eps, u)) / std * g
            u = u * _cast(rho, u) + _cast(1 - rho, u) * delta * delta
            return delta, v, u

        triples = jax.tree.map(step, updates, state.square_avg, state.acc_delta)
        outer = jax.tree.structure(updates)
        delta, v, u = jax.tree.transpose(outer, jax.tree.structure((0, 0, 0)), triples)
        return delta, ScaleByAdadeltaState(optax.safe_increment(state.count), v, u)

    return optax.GradientTransformation(init_fn, update_fn)


def adadelta(
    lr: ScalarOrSchedule = 1.0,
    rho: Scalar = 0.9,
    eps: Scalar = 1e-6,
    weight_decay: Scalar = 0.0,
    *,
    maximize: bool = False,
) -> optax.GradientTransformation:
    r"""Adadelta with torch's ``torch.optim.Adadelta`` update rule (see :func:`scale_by_adadelta`).

    Differences from ``optax.adadelta``: torch's defaults (``lr=1.0``, ``rho=0.9``,
    ``eps=1e-6``) and L2 weight decay added to the gradient.

    Args:
        lr: Learning rate (a scale on the step), a float ``>= 0`` or a schedule.
        rho: Decay rate of the running averages, ``0 <= rho <= 1``.
        eps: Term added inside the square roots, ``>= 0``.
        weight_decay: L2 penalty coefficient, ``>= 0``.
        maximize: Maximize the objective instead of minimizing it.

    Returns:
        An ``optax.GradientTransformation``.

    Raises:
        OptimizerError: For an invalid argument.

    Example:
        >>> import jax.numpy as jnp
        >>> tx = adadelta()
        >>> params = {"w": jnp.ones(2)}
        >>> updates, state = tx.update({"w": jnp.ones(2)}, tx.init(params), params)
    """
    op = "adadelta"
    negate, decay = _prefix(op, weight_decay, maximize)
    return _chain(negate, decay, scale_by_adadelta(rho, eps), scale_by_learning_rate(lr, op=op))


# --------------------------------------------------------------------------- RMSprop


class ScaleByRmspropState(NamedTuple):
    """State of :func:`scale_by_rmsprop` (``grad_avg`` / ``momentum_buffer`` None when unused)."""

    count: jax.Array
    square_avg: Any
    grad_avg: Any
    momentum_buffer: Any


def scale_by_rmsprop(
    alpha: Scalar = 0.99, eps: Scalar = 1e-8, momentum: Scalar = 0.0, centered: bool = False
) -> optax.GradientTransformation:
    r"""PyTorch's RMSprop direction: ``g / (sqrt(v_t [- a_t^2]) + eps)``, optionally with momentum.

    ``v_t = alpha v + (1 - alpha) g^2``; ``centered`` subtracts the square of
    ``a_t = lerp(a, g, 1 - alpha)``; with ``momentum > 0`` the direction is the buffer
    ``b_t = momentum * b + g / (...)`` (the learning rate is applied after it, as in torch).

    Differences from ``optax.scale_by_rms`` / ``scale_by_stddev``: ``eps`` is added after the
    square root (optax: ``rsqrt(v + eps)``) and torch's default ``alpha=0.99`` (optax: 0.9).

    Args:
        alpha: Smoothing constant ``>= 0``.
        eps: Term added to the denominator, ``>= 0``.
        momentum: Momentum factor ``>= 0``; 0 keeps no buffer.
        centered: Normalize by the estimated variance instead of the second moment.

    Returns:
        An ``optax.GradientTransformation`` with :class:`ScaleByRmspropState`.

    Raises:
        OptimizerError: For a negative argument.

    Example:
        >>> tx = scale_by_rmsprop(alpha=0.0, eps=0.0)
        >>> g = {"w": jnp.full(2, -2.0)}
        >>> tx.update(g, tx.init(g))[0]["w"]
        Array([-1., -1.], dtype=float32)
    """
    op = "scale_by_rmsprop"
    _check_range(op, "alpha", alpha, 0.0)
    _check_range(op, "epsilon", eps, 0.0)
    _check_range(op, "momentum", momentum, 0.0)
    use_momentum = not _is_python_zero(momentum)

    def init_fn(params: Any) -> ScaleByRmspropState:
        return ScaleByRmspropState(
            count=jnp.zeros([], jnp.int32),
            square_avg=_zeros_like(params),
            grad_avg=_zeros_like(params) if centered else None,
            momentum_buffer=_zeros_like(params) if use_momentum else None,
        )

    def update_fn(updates: Any, state: ScaleByRmspropState, params: Any = None) -> tuple[Any, Any]:
        del params
        v = jax.tree.map(
            lambda v, g: v * _cast(alpha, v) + _cast(1 - alpha, v) * g * g,
            state.square_avg,
            updates,
        )
        if centered:
            a = jax.tree.map(lambda a, g: _lerp(a, g, 1 - alpha), state.grad_avg, updates)
            avg = jax.tree.map(lambda v, a: jnp.sqrt(v - a * a), v, a)
        else:
            a = None
            avg = jax.tree.map(jnp.sqrt, v)
        avg = jax.tree.map(lambda s: s + _cast(eps, s), avg)
        out = jax.tree.map(jnp.divide, updates, avg)
        buf = None
        if use_momentum:
            buf = jax.tree.map(lambda b, d: b * _cast(momentum, b) + d, state.momentum_buffer, out)
            out = buf
        return out, ScaleByRmspropState(optax.safe_increment(state.count), v, a, buf)

    return optax.GradientTransformation(init_fn, update_fn)


def rmsprop(
    lr: ScalarOrSchedule = 1e-2,
    alpha: Scalar = 0.99,
    eps: Scalar = 1e-8,
    weight_decay: Scalar = 0.0,
    momentum: Scalar = 0.0,
    centered: bool = False,
    *,
    maximize: bool = False,
) -> optax.GradientTransformation:
    r"""RMSprop with torch's ``torch.optim.RMSprop`` update rule (see :func:`scale_by_rmsprop`).

    Differences from ``optax.rmsprop``: ``eps`` outside the square root, torch's defaults
    (``lr=1e-2``, ``alpha=0.99``), and L2 weight decay.

    Args:
        lr: Learning rate, a float ``>= 0`` or a schedule ``count -> lr``.
        alpha: Smoothing constant ``>= 0``.
        eps: Term added to the denominator, ``>= 0``.
        weight_decay: L2 penalty coefficient, ``>= 0``.
        momentum: Momentum factor ``>= 0``.
        centered: Normalize by the estimated variance of the gradient.
        maximize: Maximize the objective instead of minimizing it.

    Returns:
        An ``optax.GradientTransformation``.

    Raises:
        OptimizerError: For a negative argument.

    Example:
        >>> import jax.numpy as jnp
        >>> tx = rmsprop(lr=0.1, alpha=0.0, eps=0.0)
        >>> params = {"w": jnp.ones(2)}
        >>> tx.update({"w": jnp.full(2, 3.0)}, tx.init(params), params)[0]["w"]
        Array([-0.1, -0.1], dtype=float32)
    """
    op = "rmsprop"
    negate, decay = _prefix(op, weight_decay, maximize)
    core = scale_by_rmsprop(alpha, eps, momentum, centered)
    return _chain(negate, decay, core, scale_by_learning_rate(lr, op=op))


# --------------------------------------------------------------------------- Rprop


class ScaleByRpropState(NamedTuple):
    """State of :func:`scale_by_rprop`: count, torch's ``prev`` gradients and ``step_size``."""

    count: jax.Array
    prev: Any
    step_size: Any


def _check_pair(op: str, name: str, pair: Any) -> tuple[Scalar, Scalar]:
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise ArgumentTypeError(f"{op}: {name} must be a pair of numbers, got {pair!r}")
    for value in pair:
        _check_number(op, name, value)
    return pair[0], pair[1]


def _exact_sign(x: jax.Array) -> jax.Array:
    """``sign(x)`` read from the bits, so that denormals keep their sign.

    XLA on CPU flushes denormals to zero in arithmetic (``jnp.sign(1e-44)`` is 0), while torch
    gives +-1; Rprop's rule depends only on signs, and a saturated loss produces denormal
    gradients, so the sign is taken from the sign bit and a non-zero magnitude instead.
    """
    if not jnp.issubdtype(x.dtype, jnp.floating):
        return jnp.sign(x)
    int_dtype = jnp.dtype(f"int{x.dtype.itemsize * 8}")
    bits = jax.lax.bitcast_convert_type(x, int_dtype)
    magnitude = bits & jnp.asarray(jnp.iinfo(int_dtype).max, int_dtype)
    inf_bits = jax.lax.bitcast_convert_type(jnp.asarray(jnp.inf, x.dtype), int_dtype)
    sign = jnp.where(bits < 0, -1.0, 1.0)
    sign = jnp.where(magnitude == 0, 0.0, jnp.where(magnitude > inf_bits, jnp.nan, sign))
    return sign.astype(x.dtype)


def _product_sign(a: jax.Array, b: jax.Array) -> jax.Array:
    """``sign(a * b)`` as torch gets it: 0 where the product underflows, +-1 for denormals.

    torch multiplies in the tensors' dtype with gradual underflow, so the product is 0 exactly
    when ``|a * b|`` is at most half the smallest denormal. XLA on CPU flushes denormals, so
    the magnitudes are decomposed from the bits as ``M * 2**E`` (integer ``M``) and the
    product is compared with that threshold exactly in the exponent and, within one binade,
    through the rounded ``Ma * Mb``.
    """
    if not jnp.issubdtype(a.dtype, jnp.floating):
        return jnp.sign(a * b)
    info = jnp.finfo(a.dtype)
    nmant, bias = int(info.nmant), int(info.maxexp) - 1
    int_dtype = jnp.dtype(f"int{a.dtype.itemsize * 8}")
    wide = jnp.float64 if a.dtype == jnp.float64 else jnp.float32

    def decompose(x: jax.Array) -> tuple[jax.Array, jax.Array]:
        bits = jax.lax.bitcast_convert_type(x, int_dtype)
        field = ((bits >> nmant) & ((1 << (a.dtype.itemsize * 8 - 1 - nmant)) - 1)).astype(
            jnp.int32
        )
        frac = bits & ((1 << nmant) - 1)
        mant = jnp.where(field == 0, frac, frac | (1 << nmant)).astype(wide)
        exp = jnp.maximum(field, 1) - bias - nmant
        return mant, exp

    ma, ea = decompose(a)
    mb, eb = decompose(b)
    # The product is 0 iff Ma * Mb * 2**(Ea + Eb) <= 2**(minexp - nmant - 1).
    k = (int(info.minexp) - nmant - 1) - ea - eb
    product = ma * mb
    underflow = (k >= 2 * (nmant + 1)) | (
        (k >= 0) & (product <= jnp.ldexp(jnp.ones_like(product), k))
    )
    underflow = underflow | (product == 0)
    return jnp.where(underflow, jnp.zeros_like(a), _exact_sign(a) * _exact_sign(b))


def scale_by_rprop(
    lr: ScalarOrSchedule = 1e-2,
    etas: tuple[Scalar, Scalar] = (0.5, 1.2),
    step_sizes: tuple[Scalar, Scalar] = (1e-6, 50.0),
) -> optax.GradientTransformation:
    r"""PyTorch's Rprop magnitude: ``sign(g) * step_size`` with per-element adaptive step sizes.

    Each step size starts at ``lr`` (a schedule's value at count 0: torch reads the learning
    rate only when it creates the state), is multiplied by ``etas[1]`` where the gradient kept
    its sign, by ``etas[0]`` where it flipped (and that gradient is then treated as 0), by 1
    elsewhere, and clamped to ``step_sizes``. The result still has to be negated for descent
    (:func:`rprop` does it).

    Differences from ``optax.scale_by_rprop``: the clamp applies to every element, including
    those whose factor is 1 (torch's ``step_size.mul_(sign).clamp_(...)``), and ``lr`` may be a
    schedule.

    Args:
        lr: Initial step size, a float ``>= 0`` or a schedule (evaluated at 0).
        etas: ``(etaminus, etaplus)`` with ``0 < etaminus < 1 < etaplus``.
        step_sizes: ``(min, max)`` allowed step sizes.

    Returns:
        An ``optax.GradientTransformation`` with :class:`ScaleByRpropState`.

    Raises:
        OptimizerError: For a negative ``lr`` or ``etas`` out of order.

    Example:
        >>> tx = scale_by_rprop(lr=0.1)
        >>> g = {"w": jnp.array([2.0, -3.0])}
        >>> tx.update(g, tx.init(g))[0]["w"]
        Array([ 0.1, -0.1], dtype=float32)
    """
    op = "rprop"
    _check_lr(op, lr)
    etaminus, etaplus = _check_pair(op, "etas", etas)
    step_min, step_max = _check_pair(op, "step_sizes", step_sizes)
    concrete = _is_concrete(etaminus) and _is_concrete(etaplus)
    if concrete and not 0.0 < float(etaminus) < 1.0 < float(etaplus):
        raise OptimizerError(
            f"{op}: invalid eta values: {etaminus}, {etaplus} (expected 0 < etaminus < 1 < etaplus)"
        )
    lr0 = _lr_fn(lr)(jnp.zeros([], jnp.int32))

    def init_fn(params: Any) -> ScaleByRpropState:
        return ScaleByRpropState(
            count=jnp.zeros([], jnp.int32),
            prev=_zeros_like(params),
            step_size=jax.tree.map(lambda p: jnp.full_like(p, lr0), params),
        )

    def update_fn(updates: Any, state: ScaleByRpropState, params: Any = None) -> tuple[Any, Any]:
        del params

        def step(g: jax.Array, prev: jax.Array, size: jax.Array) -> tuple[jax.Array, ...]:
            sign = _product_sign(g, prev)
            factor = jnp.where(
                sign > 0, _cast(etaplus, size), jnp.where(sign < 0, _cast(etaminus, size), 1)
            ).astype(size.dtype)
            size = jnp.clip(size * factor, _cast(step_min, size), _cast(step_max, size))
            g = jnp.where(sign < 0, jnp.zeros_like(g), g)
            return _exact_sign(g) * size.astype(g.dtype), g, size

        triples = jax.tree.map(step, updates, state.prev, state.step_size)
        outer = jax.tree.structure(updates)
        out, prev, size = jax.tree.transpose(outer, jax.tree.structure((0, 0, 0)), triples)
        return out, ScaleByRpropState(optax.safe_increment(state.count), prev, size)

    return optax.GradientTransformation(init_fn, update_fn)


def rprop(
    lr: ScalarOrSchedule = 1e-2,
    etas: tuple[Scalar, Scalar] = (0.5, 1.2),
    step_sizes: tuple[Scalar, Scalar] = (1e-6, 50.0),
    *,
    maximize: bool = False,
) -> optax.GradientTransformation:
    r"""Rprop with torch's ``torch.optim.Rprop`` update rule (see :func:`scale_by_rprop`).

    ``p_t = p_{t-1} - sign(g_t) * step_size_t``. The learning rate only sets the initial step
    sizes, as in torch (a schedule changes nothing after the first update).

    Args:
        lr: Initial step size, a float ``>= 0`` or a schedule (evaluated at 0).
        etas: ``(etaminus, etaplus)`` with ``0 < etaminus < 1 < etaplus``.
        step_sizes: ``(min, max)`` allowed step sizes.
        maximize: Maximize the objective instead of minimizing it.

    Returns:
        An ``optax.GradientTransformation``.

    Raises:
        OptimizerError: For a negative ``lr`` or ``etas`` out of order.

    Example:
        >>> import jax.numpy as jnp
        >>> tx = rprop(lr=0.1)
        >>> params = {"w": jnp.ones(2)}
        >>> tx.update({"w": jnp.array([1.0, -1.0])}, tx.init(params), params)[0]["w"]
        Array([-0.1,  0.1], dtype=float32)
    """
    return _chain(
        negate_updates() if maximize else None,
        scale_by_rprop(lr, etas, step_sizes),
        negate_updates(),
    )


# --------------------------------------------------------------------------- ASGD


class AsgdState(NamedTuple):
    """State of :func:`scale_by_asgd`: count, torch's scalars ``eta`` and ``mu``, and ``ax``.

    ``ax`` holds the averaged parameters (Polyak averaging from step ``t0`` on), the result
    ASGD is meant to return; read it from the state.
    """

    count: jax.Array
    eta: jax.Array
    mu: jax.Array
    ax: Any


def scale_by_asgd(
    lr: ScalarOrSchedule = 1e-2,
    lambd: Scalar = 1e-4,
    alpha: Scalar = 0.75,
    t0: Scalar = 1e6,
) -> optax.GradientTransformation:
    r"""PyTorch's averaged SGD step, as the final update (it needs ``params``).

    ``p_t = p (1 - lambd eta_t) - eta_t g`` with ``eta_1 = lr`` and, after step ``t``,
    ``eta_{t+1} = lr_t / (1 + lambd lr_t t)^alpha`` and ``mu_{t+1} = 1 / max(1, t - t0)``;
    ``ax_t = p_t`` while ``mu_t == 1``, else ``ax + mu_t (p_t - ax)``. ``eta`` and ``mu`` are
    kept in float32, as torch keeps them in its default-dtype scalar tensors. optax has no
    ASGD.

    Args:
        lr: Learning rate, a float ``>= 0`` or a schedule ``count -> lr``.
        lambd: Decay term.
        alpha: Power for the ``eta`` update.
        t0: Step at which averaging starts.

    Returns:
        An ``optax.GradientTransformation`` with :class:`AsgdState`; its updates already carry
        the descent sign.

    Raises:
        OptimizerError: For a negative ``lr``, or (at update time) missing ``params``.

    Example:
        >>> tx = scale_by_asgd(lr=0.1, lambd=0.0)
        >>> p = {"w": jnp.ones(2)}
        >>> tx.update({"w": jnp.ones(2)}, tx.init(p), p)[0]["w"]
        Array([-0.1, -0.1], dtype=float32)
    """
    op = "asgd"
    _check_lr(op, lr)
    for name, value in (("lambd", lambd), ("alpha", alpha), ("t0", t0)):
        _check_number(op, name, value)
    lr_fn = _lr_fn(lr)
    wide = step_float_dtype

    def init_fn(params: Any) -> AsgdState:
        return AsgdState(
            count=jnp.zeros([], jnp.int32),
            eta=jnp.asarray(lr_fn(jnp.zeros([], jnp.int32)), jnp.float32),
            mu=jnp.ones([], jnp.float32),
            ax=_zeros_like(params),
        )

    def update_fn(updates: Any, state: AsgdState, params: Any = None) -> tuple[Any, Any]:
        _params_required(op, params)
        count = optax.safe_increment(state.count)
        eta = state.eta.astype(wide())
        shrink = lambd * eta
        out = jax.tree.map(
            lambda g, p: -(_cast(shrink, p) * p) - _cast(eta, g) * g, updates, params
        )
        averaging = state.mu != 1

        def average(ax: jax.Array, p: jax.Array, u: jax.Array) -> jax.Array:
            new_p = p + u
            return jnp.where(averaging, ax + (new_p - ax) * _cast(state.mu, ax), new_p)

        ax = jax.tree.map(average, state.ax, params, out)
        lr_t = jnp.asarray(lr_fn(state.count), wide())
        t = jnp.asarray(count, wide())
        new_eta = lr_t / (1 + lambd * lr_t * t) ** alpha
        new_mu = 1 / jnp.maximum(1.0, t - t0)
        new_state = AsgdState(count, new_eta.astype(jnp.float32), new_mu.astype(jnp.float32), ax)
        return out, new_state

    return optax.GradientTransformation(init_fn, update_fn)


def asgd(
    lr: ScalarOrSchedule = 1e-2,
    lambd: Scalar = 1e-4,
    alpha: Scalar = 0.75,
    t0: Scalar = 1e6,
    weight_decay: Scalar = 0.0,
    *,
    maximize: bool = False,
) -> optax.GradientTransformation:
    r"""Averaged SGD with torch's ``torch.optim.ASGD`` update rule (see :func:`scale_by_asgd`).

    The averaged parameters are ``state[-1].ax`` (the last transform's :class:`AsgdState`).

    Args:
        lr: Learning rate, a float ``>= 0`` or a schedule ``count -> lr``.
        lambd: Decay term.
        alpha: Power for the ``eta`` update.
        t0: Step at which averaging starts.
        weight_decay: L2 penalty coefficient, ``>= 0``.
        maximize: Maximize the objective instead of minimizing it.

    Returns:
        An ``optax.GradientTransformation``.

    Raises:
        OptimizerError: For a negative ``lr`` or ``weight_decay``.

    Example:
        >>> import jax.numpy as jnp
        >>> tx = asgd(lr=0.1, t0=0)
        >>> params = {"w": jnp.ones(2)}
        >>> updates, state = tx.update({"w": jnp.ones(2)}, tx.init(params), params)
        >>> state[-1].ax["w"]  # mu starts at 1: ax is the new parameter
        Array([0.89999, 0.89999], dtype=float32)
    """
    op = "asgd"
    negate, decay = _prefix(op, weight_decay, maximize)
    return _chain(negate, decay, scale_by_asgd(lr, lambd, alpha, t0))
