"""SGD with torch's momentum, dampening, nesterov and weight decay."""

from __future__ import annotations

import optax

from rustorch_fx.errors import OptimizerError
from rustorch_fx.optim._base import (
    Scalar,
    ScalarOrSchedule,
    _chain,
    _check_range,
    _is_python_zero,
    add_weight_decay,
    negate_updates,
    scale_by_learning_rate,
    trace_momentum,
)

__all__ = ["sgd"]


def sgd(
    lr: ScalarOrSchedule = 1e-3,
    momentum: Scalar = 0.0,
    dampening: Scalar = 0.0,
    weight_decay: Scalar = 0.0,
    nesterov: bool = False,
    *,
    maximize: bool = False,
) -> optax.GradientTransformation:
    r"""Stochastic gradient descent with torch's ``torch.optim.SGD`` update rule.

    With :math:`g_t` the gradient (negated when ``maximize``) plus ``weight_decay * p``::

        b_1 = g_1,   b_t = momentum * b_{t-1} + (1 - dampening) * g_t
        d_t = g_t + momentum * b_t  (nesterov)  |  b_t  (momentum > 0)  |  g_t
        p_t = p_{t-1} - lr * d_t

    Differences from ``optax.sgd``: torch's default ``lr=1e-3``; ``dampening``; the first
    momentum step copies the gradient (ignoring dampening); weight decay is L2 (added to the
    gradient before the momentum).

    Args:
        lr: Learning rate, a float ``>= 0`` or a schedule ``count -> lr``.
        momentum: Momentum factor ``>= 0``; 0 keeps no buffer.
        dampening: Dampening of the gradient in the momentum buffer.
        weight_decay: L2 penalty coefficient ``>= 0``.
        nesterov: Nesterov momentum (needs ``momentum > 0`` and ``dampening == 0``).
        maximize: Maximize the objective instead of minimizing it.

    Returns:
        An ``optax.GradientTransformation``; ``update(grads, state, params)`` returns updates
        to add to the parameters.

    Raises:
        OptimizerError: For a negative ``lr``, ``momentum`` or ``weight_decay``, or ``nesterov``
            without a positive momentum and zero dampening.

    Example:
        >>> import jax.numpy as jnp, optax
        >>> tx = sgd(lr=0.1, momentum=0.9)
        >>> params = {"w": jnp.ones(3)}
        >>> state = tx.init(params)
        >>> updates, state = tx.update({"w": jnp.ones(3)}, state, params)
        >>> optax.apply_updates(params, updates)["w"]
        Array([0.9, 0.9, 0.9], dtype=float32)
    """
    op = "sgd"
    _check_range(op, "momentum", momentum, 0.0)
    use_momentum = not _is_python_zero(momentum)
    if nesterov and not use_momentum:
        raise OptimizerError(
            f"{op}: Nesterov momentum requires a momentum and zero dampening "
            f"(got momentum={momentum}, dampening={dampening})"
        )
    return _chain(
        negate_updates() if maximize else None,
        add_weight_decay(weight_decay, op=op),
        trace_momentum(momentum, dampening, nesterov, op=op) if use_momentum else None,
        scale_by_learning_rate(lr, op=op),
    )
