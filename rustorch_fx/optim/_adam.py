"""Adam, AdamW, NAdam, RAdam and Adamax with torch's numerics.

Each optimizer is ``[negate_updates] -> [L2 add_weight_decay] -> scale_by_<name> ->
[decoupled add_weight_decay] -> scale_by_learning_rate``; the ``scale_by_*`` transforms hold the
moments under torch's state names (``exp_avg``, ``exp_avg_sq``, ``max_exp_avg_sq``,
``mu_product``, ``exp_inf``) and compute torch's step scalars accurately (see
:func:`~rustorch_fx.optim.bias_correction`).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from rustorch_fx.optim._base import (
    Scalar,
    ScalarOrSchedule,
    _cast,
    _chain,
    _check_betas,
    _check_range,
    _is_concrete,
    _lerp,
    _zeros_like,
    add_weight_decay,
    bias_correction,
    decay_power,
    negate_updates,
    scale_by_learning_rate,
    step_float_dtype,
)

__all__ = [
    "ScaleByAdamState",
    "ScaleByAdamaxState",
    "ScaleByNadamState",
    "ScaleByRadamState",
    "adam",
    "adamax",
    "adamw",
    "nadam",
    "radam",
    "scale_by_adam",
    "scale_by_adamax",
    "scale_by_nadam",
    "scale_by_radam",
]


def _second_moment(v: jax.Array, g: jax.Array, b2: Scalar) -> jax.Array:
    """PyTorch's ``v.mul_(b2).addcmul_(g, g, value=1 - b2)``."""
    return v * _cast(b2, v) + _cast(1 - b2, v) * g * g


def _wrap(
    op: str,
    core: optax.GradientTransformation,
    lr: ScalarOrSchedule,
    weight_decay: Scalar,
    decoupled: bool,
    maximize: bool,
) -> optax.GradientTransformation:
    """The chain shared by the Adam family (see the module docstring)."""
    return _chain(
        negate_updates() if maximize else None,
        None if decoupled else add_weight_decay(weight_decay, op=op),
        core,
        add_weight_decay(weight_decay, op=op) if decoupled else None,
        scale_by_learning_rate(lr, op=op),
    )


# --------------------------------------------------------------------------- Adam / AdamW


class ScaleByAdamState(NamedTuple):
    """State of :func:`scale_by_adam` (torch's names; ``max_exp_avg_sq`` is None without amsgrad)."""

    count: jax.Array
    exp_avg: Any
    exp_avg_sq: Any
    max_exp_avg_sq: Any


def scale_by_adam(
    b1: Scalar = 0.9, b2: Scalar = 0.999, eps: Scalar = 1e-8, amsgrad: bool = False
) -> optax.GradientTransformation:
    r"""Adam's direction with torch's numerics: ``m_t / (1 - b1^t) / (sqrt(v_t) / sqrt(1 - b2^t) + eps)``.

    ``m_t = lerp(m, g, 1 - b1)``, ``v_t = b2 v + (1 - b2) g^2``; with ``amsgrad`` the
    denominator uses ``max_t v_t``, the running maximum of the *raw* second moment, as torch 2.x
    stores it (not of the bias-corrected one).

    Differences from ``optax.scale_by_adam``: ``eps`` is added to ``sqrt(v_t) / sqrt(1 - b2^t)``
    (the same as optax's ``sqrt(v_hat) + eps``) but the bias corrections are computed without
    float32 cancellation (optax's drift past 1e-5 relative within 100 steps), and optax's
    amsgrad (``scale_by_amsgrad``) takes the maximum of the bias-corrected moment.

    Args:
        b1: Decay rate of the first moment, ``0 <= b1 < 1``.
        b2: Decay rate of the second moment, ``0 <= b2 < 1``.
        eps: Term added to the denominator, ``>= 0``.
        amsgrad: Use the running maximum of the second moment.

    Returns:
        An ``optax.GradientTransformation`` with :class:`ScaleByAdamState`.

    Raises:
        OptimizerError: For betas outside ``[0, 1)`` or a negative ``eps``.

    Example:
        >>> tx = scale_by_adam()
        >>> g = {"w": jnp.full(2, 3.0)}
        >>> tx.update(g, tx.init(g))[0]["w"]  # first step: g / |g|, up to float32 rounding
        Array([1.0000001, 1.0000001], dtype=float32)
    """
    op = "scale_by_adam"
    _check_betas(op, (b1, b2))
    _check_range(op, "epsilon", eps, 0.0)

    def init_fn(params: Any) -> ScaleByAdamState:
        return ScaleByAdamState(
            count=jnp.zeros([], jnp.int32),
            exp_avg=_zeros_like(params),
            exp_avg_sq=_zeros_like(params),
            max_exp_avg_sq=_zeros_like(params) if amsgrad else None,
        )

    def update_fn(updates: Any, state: ScaleByAdamState, params: Any = None) -> tuple[Any, Any]:
        del params
        count = optax.safe_increment(state.count)
        m = jax.tree.map(lambda m, g: _lerp(m, g, 1 - b1), state.exp_avg, updates)
        v = jax.tree.map(lambda v, g: _second_moment(v, g, b2), state.exp_avg_sq, updates)
        v_max = jax.tree.map(jnp.maximum, state.max_exp_avg_sq, v) if amsgrad else None
        inv_bc1 = 1 / bias_correction(b1, count)
        sqrt_bc2 = jnp.sqrt(bias_correction(b2, count))

        def direction(m: jax.Array, v: jax.Array) -> jax.Array:
            denom = jnp.sqrt(v) / _cast(sqrt_bc2, v) + _cast(eps, v)
            return m / denom * _cast(inv_bc1, m)

        out = jax.tree.map(direction, m, v_max if amsgrad else v)
        return out, ScaleByAdamState(count, m, v, v_max)

    return optax.GradientTransformation(init_fn, update_fn)


def adam(
    lr: ScalarOrSchedule = 1e-3,
    betas: tuple[Scalar, Scalar] = (0.9, 0.999),
    eps: Scalar = 1e-8,
    weight_decay: Scalar = 0.0,
    amsgrad: bool = False,
    *,
    maximize: bool = False,
    decoupled_weight_decay: bool = False,
) -> optax.GradientTransformation:
    r"""Adam with torch's ``torch.optim.Adam`` update rule.

    ``p_t = p_{t-1} - lr / (1 - b1^t) * m_t / (sqrt(v_t) / sqrt(1 - b2^t) + eps)`` where the
    moments see the gradient plus ``weight_decay * p`` (L2 decay, torch's default for Adam), or,
    with ``decoupled_weight_decay=True``, the parameter is first shrunk by ``1 - lr *
    weight_decay`` (AdamW). See :func:`scale_by_adam` for the differences from optax.

    Args:
        lr: Learning rate, a float ``>= 0`` or a schedule ``count -> lr``.
        betas: ``(b1, b2)``, each in ``[0, 1)``.
        eps: Denominator term, ``>= 0``.
        weight_decay: Weight decay coefficient, ``>= 0``.
        amsgrad: Use the running maximum of the raw second moment.
        maximize: Maximize the objective instead of minimizing it.
        decoupled_weight_decay: Decoupled (AdamW) instead of L2 decay.

    Returns:
        An ``optax.GradientTransformation``.

    Raises:
        OptimizerError: For an invalid ``lr``, beta, ``eps`` or ``weight_decay``.

    Example:
        >>> import jax.numpy as jnp, optax
        >>> tx = adam(lr=0.1)
        >>> params = {"w": jnp.ones(2)}
        >>> updates, state = tx.update({"w": jnp.ones(2)}, tx.init(params), params)
        >>> optax.apply_updates(params, updates)["w"]
        Array([0.9, 0.9], dtype=float32)
    """
    op = "adamw" if decoupled_weight_decay else "adam"
    b1, b2 = _check_betas(op, betas)
    _check_range(op, "epsilon", eps, 0.0)
    core = scale_by_adam(b1, b2, eps, amsgrad)
    return _wrap(op, core, lr, weight_decay, decoupled_weight_decay, maximize)


def adamw(
    lr: ScalarOrSchedule = 1e-3,
    betas: tuple[Scalar, Scalar] = (0.9, 0.999),
    eps: Scalar = 1e-8,
    weight_decay: Scalar = 1e-2,
    amsgrad: bool = False,
    *,
    maximize: bool = False,
) -> optax.GradientTransformation:
    r"""AdamW with torch's ``torch.optim.AdamW`` update rule (default ``weight_decay=1e-2``).

    ``p <- p * (1 - lr * weight_decay)`` then the Adam step of :func:`adam`. Differences from
    ``optax.adamw``: torch's default decay 1e-2 (optax: 1e-4), accurate bias corrections, and
    amsgrad over the raw second moment.

    Args:
        lr: Learning rate, a float ``>= 0`` or a schedule ``count -> lr``.
        betas: ``(b1, b2)``, each in ``[0, 1)``.
        eps: Denominator term, ``>= 0``.
        weight_decay: Decoupled weight decay coefficient, ``>= 0``.
        amsgrad: Use the running maximum of the raw second moment.
        maximize: Maximize the objective instead of minimizing it.

    Returns:
        An ``optax.GradientTransformation``.

    Raises:
        OptimizerError: For an invalid ``lr``, beta, ``eps`` or ``weight_decay``.

    Example:
        >>> import jax.numpy as jnp
        >>> tx = adamw(lr=0.1, weight_decay=0.5)
        >>> params = {"w": jnp.ones(2)}
        >>> tx.update({"w": jnp.zeros(2)}, tx.init(params), params)[0]["w"]  # decay only
        Array([-0.05, -0.05], dtype=float32)
    """
    return adam(
        lr, betas, eps, weight_decay, amsgrad, maximize=maximize, decoupled_weight_decay=True
    )


# --------------------------------------------------------------------------- NAdam


class ScaleByNadamState(NamedTuple):
    """State of :func:`scale_by_nadam`: count, torch's ``mu_product`` and the two moments."""

    count: jax.Array
    mu_product: jax.Array
    exp_avg: Any
    exp_avg_sq: Any


def scale_by_nadam(
    b1: Scalar = 0.9, b2: Scalar = 0.999, eps: Scalar = 1e-8, momentum_decay: Scalar = 4e-3
) -> optax.GradientTransformation:
    r"""PyTorch's NAdam direction (Dozat 2016 with a momentum-decay schedule).

    With ``mu_t = b1 (1 - 0.5 * 0.96^(t * momentum_decay))`` and ``P_t = prod_{i<=t} mu_i``::

        d_t = (1 - mu_t) / (1 - P_t) * g / D + mu_{t+1} / (1 - P_t mu_{t+1}) * m_t / D,
        D = sqrt(v_t / (1 - b2^t)) + eps

    This is not optax's ``scale_by_nadam``, which has no momentum-decay schedule (it uses a
    constant ``b1`` in place of ``mu_t``) and adds ``eps`` differently.

    Args:
        b1: Decay rate of the first moment, ``0 <= b1 < 1``.
        b2: Decay rate of the second moment, ``0 <= b2 < 1``.
        eps: Denominator term, ``>= 0``.
        momentum_decay: torch's ``psi``, ``>= 0``.

    Returns:
        An ``optax.GradientTransformation`` with :class:`ScaleByNadamState`.

    Raises:
        OptimizerError: For betas outside ``[0, 1)`` or a negative ``eps``/``momentum_decay``.

    Example:
        >>> tx = scale_by_nadam()
        >>> g = {"w": jnp.ones(2)}
        >>> u, state = tx.update(g, tx.init(g))
        >>> state.count
        Array(1, dtype=int32)
    """
    op = "scale_by_nadam"
    _check_betas(op, (b1, b2))
    _check_range(op, "epsilon", eps, 0.0)
    _check_range(op, "momentum_decay", momentum_decay, 0.0)

    def init_fn(params: Any) -> ScaleByNadamState:
        return ScaleByNadamState(
            count=jnp.zeros([], jnp.int32),
            mu_product=jnp.ones([], step_float_dtype()),
            exp_avg=_zeros_like(params),
            exp_avg_sq=_zeros_like(params),
        )

    def update_fn(updates: Any, state: ScaleByNadamState, params: Any = None) -> tuple[Any, Any]:
        del params
        count = optax.safe_increment(state.count)
        t = jnp.asarray(count, step_float_dtype())
        mu = b1 * (1.0 - 0.5 * decay_power(0.96, t * momentum_decay))
        mu_next = b1 * (1.0 - 0.5 * decay_power(0.96, (t + 1) * momentum_decay))
        mu_product = state.mu_product * mu
        coef_g = (1.0 - mu) / (1.0 - mu_product)
        coef_m = mu_next / (1.0 - mu_product * mu_next)
        bc2 = bias_correction(b2, count)
        m = jax.tree.map(lambda m, g: _lerp(m, g, 1 - b1), state.exp_avg, updates)
        v = jax.tree.map(lambda v, g: _second_moment(v, g, b2), state.exp_avg_sq, updates)

        def direction(g: jax.Array, m: jax.Array, v: jax.Array) -> jax.Array:
            denom = jnp.sqrt(v / _cast(bc2, v)) + _cast(eps, v)
            return g / denom * _cast(coef_g, g) + m / denom * _cast(coef_m, m)

        out = jax.tree.map(direction, updates, m, v)
        return out, ScaleByNadamState(count, mu_product.astype(state.mu_product.dtype), m, v)

    return optax.GradientTransformation(init_fn, update_fn)


def nadam(
    lr: ScalarOrSchedule = 2e-3,
    betas: tuple[Scalar, Scalar] = (0.9, 0.999),
    eps: Scalar = 1e-8,
    weight_decay: Scalar = 0.0,
    momentum_decay: Scalar = 4e-3,
    decoupled_weight_decay: bool = False,
    *,
    maximize: bool = False,
) -> optax.GradientTransformation:
    r"""NAdam with torch's ``torch.optim.NAdam`` update rule (see :func:`scale_by_nadam`).

    Differences from ``optax.nadam``: torch's momentum-decay schedule ``mu_t`` and its
    ``mu_product``, torch's default ``lr=2e-3``, and L2 or decoupled weight decay.

    Args:
        lr: Learning rate, a float ``>= 0`` or a schedule ``count -> lr``.
        betas: ``(b1, b2)``, each in ``[0, 1)``.
        eps: Denominator term, ``>= 0``.
        weight_decay: Weight decay coefficient, ``>= 0``.
        momentum_decay: torch's ``momentum_decay`` (``psi``), ``>= 0``.
        decoupled_weight_decay: Shrink the parameters by ``1 - lr * weight_decay`` (NAdamW)
            instead of adding ``weight_decay * p`` to the gradient.
        maximize: Maximize the objective instead of minimizing it.

    Returns:
        An ``optax.GradientTransformation``.

    Raises:
        OptimizerError: For an invalid ``lr``, beta, ``eps``, ``weight_decay`` or
            ``momentum_decay``.

    Example:
        >>> import jax.numpy as jnp
        >>> tx = nadam()
        >>> params = {"w": jnp.ones(2)}
        >>> updates, state = tx.update({"w": jnp.ones(2)}, tx.init(params), params)
    """
    op = "nadam"
    b1, b2 = _check_betas(op, betas)
    _check_range(op, "epsilon", eps, 0.0)
    _check_range(op, "momentum_decay", momentum_decay, 0.0)
    core = scale_by_nadam(b1, b2, eps, momentum_decay)
    return _wrap(op, core, lr, weight_decay, decoupled_weight_decay, maximize)


# --------------------------------------------------------------------------- RAdam


class ScaleByRadamState(NamedTuple):
    """State of :func:`scale_by_radam`: count and the two moments."""

    count: jax.Array
    exp_avg: Any
    exp_avg_sq: Any


def _one_minus_y_over_expm1(y: jax.Array) -> jax.Array:
    """``1 - y / expm1(y)`` for ``y >= 0`` without cancellation (Bernoulli series below 1)."""
    y2 = y * y
    series = y / 2 - y2 * (1 / 12 - y2 * (1 / 720 - y2 * (1 / 30240 - y2 / 1209600)))
    safe = jnp.maximum(y, 1.0)
    return jnp.where(y < 1.0, series, 1.0 - safe / jnp.expm1(safe))


def _radam_rho(b2: Scalar, count: jax.Array) -> jax.Array:
    """PyTorch's ``rho_t = rho_inf - 2 t b2^t / (1 - b2^t)``, accurate in float32 too.

    In float64 it is torch's formula. In float32 the two terms (about 2000 each for b2 = 0.999)
    cancel, so it is rewritten with ``L = -log(b2)`` as
    ``[rho_inf - 2 / L] + (2 / L) * (1 - tL / expm1(tL))``, the bracket taken on the host.
    """
    dtype = step_float_dtype()
    t = jnp.asarray(count, dtype)
    if dtype == jnp.float64 or not _is_concrete(b2) or float(b2) == 0.0:
        rho_inf = 2 / (1 - b2) - 1
        return rho_inf - 2 * t * decay_power(b2, t) / bias_correction(b2, t)
    b2 = float(b2)
    log_inv = -math.log(b2)
    offset = (1 + b2) / (1 - b2) - 2 / log_inv
    return offset + (2 / log_inv) * _one_minus_y_over_expm1(t * jnp.asarray(log_inv, dtype))


def scale_by_radam(
    b1: Scalar = 0.9, b2: Scalar = 0.999, eps: Scalar = 1e-8
) -> optax.GradientTransformation:
    r"""PyTorch's RAdam direction (Liu et al. 2019).

    ``m_hat = m_t / (1 - b1^t)``; when ``rho_t > 5`` the direction is
    ``m_hat * r_t * sqrt(1 - b2^t) / (sqrt(v_t) + eps)`` with the rectification
    ``r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))``, and
    ``m_hat`` otherwise.

    Differences from ``optax.scale_by_radam``: ``eps`` is added to ``sqrt(v_t)`` before the
    bias correction (optax adds it to the corrected ``sqrt(v_hat)``), the threshold is torch's
    fixed ``rho_t > 5`` (optax's ``threshold`` defaults to 5 too but compares ``>=``), and
    ``rho_t`` and the bias corrections are computed without float32 cancellation.

    Args:
        b1: Decay rate of the first moment, ``0 <= b1 < 1``.
        b2: Decay rate of the second moment, ``0 <= b2 < 1``.
        eps: Denominator term, ``>= 0``.

    Returns:
        An ``optax.GradientTransformation`` with :class:`ScaleByRadamState`.

    Raises:
        OptimizerError: For betas outside ``[0, 1)`` or a negative ``eps``.

    Example:
        >>> tx = scale_by_radam()
        >>> g = {"w": jnp.ones(2)}
        >>> tx.update(g, tx.init(g))[0]["w"]  # rho_1 = 1: plain momentum, m_hat = g
        Array([1.0000001, 1.0000001], dtype=float32)
    """
    op = "scale_by_radam"
    _check_betas(op, (b1, b2))
    _check_range(op, "epsilon", eps, 0.0)

    def init_fn(params: Any) -> ScaleByRadamState:
        return ScaleByRadamState(
            count=jnp.zeros([], jnp.int32),
            exp_avg=_zeros_like(params),
            exp_avg_sq=_zeros_like(params),
        )

    def update_fn(updates: Any, state: ScaleByRadamState, params: Any = None) -> tuple[Any, Any]:
        del params
        count = optax.safe_increment(state.count)
        m = jax.tree.map(lambda m, g: _lerp(m, g, 1 - b1), state.exp_avg, updates)
        v = jax.tree.map(lambda v, g: _second_moment(v, g, b2), state.exp_avg_sq, updates)
        bc1 = bias_correction(b1, count)
        sqrt_bc2 = jnp.sqrt(bias_correction(b2, count))
        rho_inf = jnp.asarray(2 / (1 - b2) - 1, step_float_dtype())
        rho = _radam_rho(b2, count)
        rectify = rho > 5.0
        rho_safe = jnp.where(rectify, rho, 6.0)
        rect = jnp.sqrt(
            (rho_safe - 4) * (rho_safe - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_safe)
        )

        def direction(m: jax.Array, v: jax.Array) -> jax.Array:
            m_hat = m / _cast(bc1, m)
            adaptive = _cast(sqrt_bc2, v) / (jnp.sqrt(v) + _cast(eps, v))
            return jnp.where(rectify, m_hat * adaptive * _cast(rect, m), m_hat)

        out = jax.tree.map(direction, m, v)
        return out, ScaleByRadamState(count, m, v)

    return optax.GradientTransformation(init_fn, update_fn)


def radam(
    lr: ScalarOrSchedule = 1e-3,
    betas: tuple[Scalar, Scalar] = (0.9, 0.999),
    eps: Scalar = 1e-8,
    weight_decay: Scalar = 0.0,
    decoupled_weight_decay: bool = False,
    *,
    maximize: bool = False,
) -> optax.GradientTransformation:
    r"""RAdam with torch's ``torch.optim.RAdam`` update rule (see :func:`scale_by_radam`).

    Differences from ``optax.radam``: torch's epsilon placement and ``rho_t > 5`` threshold,
    accurate step scalars, and L2 or decoupled weight decay.

    Args:
        lr: Learning rate, a float ``>= 0`` or a schedule ``count -> lr``.
        betas: ``(b1, b2)``, each in ``[0, 1)``.
        eps: Denominator term, ``>= 0``.
        weight_decay: Weight decay coefficient, ``>= 0``.
        decoupled_weight_decay: Shrink the parameters by ``1 - lr * weight_decay`` instead of
            adding ``weight_decay * p`` to the gradient.
        maximize: Maximize the objective instead of minimizing it.

    Returns:
        An ``optax.GradientTransformation``.

    Raises:
        OptimizerError: For an invalid ``lr``, beta, ``eps`` or ``weight_decay``.

    Example:
        >>> import jax.numpy as jnp
        >>> tx = radam(lr=0.1)
        >>> params = {"w": jnp.ones(2)}
        >>> tx.update({"w": jnp.ones(2)}, tx.init(params), params)[0]["w"]
        Array([-0.10000002, -0.10000002], dtype=float32)
    """
    op = "radam"
    b1, b2 = _check_betas(op, betas)
    _check_range(op, "epsilon", eps, 0.0)
    core = scale_by_radam(b1, b2, eps)
    return _wrap(op, core, lr, weight_decay, decoupled_weight_decay, maximize)


# --------------------------------------------------------------------------- Adamax


class ScaleByAdamaxState(NamedTuple):
    """State of :func:`scale_by_adamax`: count, ``exp_avg`` and the infinity norm ``exp_inf``."""

    count: jax.Array
    exp_avg: Any
    exp_inf: Any


def scale_by_adamax(
    b1: Scalar = 0.9, b2: Scalar = 0.999, eps: Scalar = 1e-8
) -> optax.GradientTransformation:
    r"""PyTorch's Adamax direction: ``m_t / (1 - b1^t) / u_t`` with ``u_t = max(b2 u, |g| + eps)``.

    Differences from ``optax.scale_by_adamax``: ``eps`` goes inside the maximum (torch's
    ``max(b2 u, |g| + eps)``; optax divides by ``max(b2 u, |g|) + eps``) and the bias correction
    is computed accurately.

    Args:
        b1: Decay rate of the first moment, ``0 <= b1 < 1``.
        b2: Decay rate of the infinity norm, ``0 <= b2 < 1``.
        eps: Term added to ``|g|``, ``>= 0``.

    Returns:
        An ``optax.GradientTransformation`` with :class:`ScaleByAdamaxState`.

    Raises:
        OptimizerError: For betas outside ``[0, 1)`` or a negative ``eps``.

    Example:
        >>> tx = scale_by_adamax(eps=0.0)
        >>> g = {"w": jnp.full(2, -2.0)}
        >>> tx.update(g, tx.init(g))[0]["w"]
        Array([-1.0000001, -1.0000001], dtype=float32)
    """
    op = "scale_by_adamax"
    _check_betas(op, (b1, b2))
    _check_range(op, "epsilon", eps, 0.0)

    def init_fn(params: Any) -> ScaleByAdamaxState:
        return ScaleByAdamaxState(
            count=jnp.zeros([], jnp.int32), exp_avg=_zeros_like(params), exp_inf=_zeros_like(params)
        )

    def update_fn(updates: Any, state: ScaleByAdamaxState, params: Any = None) -> tuple[Any, Any]:
        del params
        count = optax.safe_increment(state.count)
        m = jax.tree.map(lambda m, g: _lerp(m, g, 1 - b1), state.exp_avg, updates)
        u = jax.tree.map(
            lambda u, g: jnp.maximum(u * _cast(b2, u), jnp.abs(g) + _cast(eps, g)),
            state.exp_inf,
            updates,
        )
        inv_bc1 = 1 / bias_correction(b1, count)
        out = jax.tree.map(lambda m, u: m / u * _cast(inv_bc1, m), m, u)
        return out, ScaleByAdamaxState(count, m, u)

    return optax.GradientTransformation(init_fn, update_fn)


def adamax(
    lr: ScalarOrSchedule = 2e-3,
    betas: tuple[Scalar, Scalar] = (0.9, 0.999),
    eps: Scalar = 1e-8,
    weight_decay: Scalar = 0.0,
    *,
    maximize: bool = False,
) -> optax.GradientTransformation:
    r"""Adamax with torch's ``torch.optim.Adamax`` update rule (see :func:`scale_by_adamax`).

    Differences from ``optax.adamax``: torch's default ``lr=2e-3``, ``eps`` inside the maximum,
    and L2 weight decay.

    Args:
        lr: Learning rate, a float ``>= 0`` or a schedule ``count -> lr``.
        betas: ``(b1, b2)``, each in ``[0, 1)``.
        eps: Term added to ``|g|``, ``>= 0``.
        weight_decay: L2 penalty coefficient, ``>= 0``.
        maximize: Maximize the objective instead of minimizing it.

    Returns:
        An ``optax.GradientTransformation``.

    Raises:
        OptimizerError: For an invalid ``lr``, beta, ``eps`` or ``weight_decay``.

    Example:
        >>> import jax.numpy as jnp
        >>> tx = adamax(lr=0.1, eps=0.0)
        >>> params = {"w": jnp.ones(2)}
        >>> tx.update({"w": jnp.ones(2)}, tx.init(params), params)[0]["w"]
        Array([-0.10000002, -0.10000002], dtype=float32)
    """
    op = "adamax"
    b1, b2 = _check_betas(op, betas)
    _check_range(op, "epsilon", eps, 0.0)
    core = scale_by_adamax(b1, b2, eps)
    return _wrap(op, core, lr, weight_decay, False, maximize)
