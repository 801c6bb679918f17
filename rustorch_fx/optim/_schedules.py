"""Learning-rate schedules as pure functions of the step, with the values of ``torch.optim.lr_scheduler``.

Each function builds a :class:`TorchSchedule`: a callable ``schedule(count) -> lr`` in optax's
``Schedule`` convention, where ``count`` is the number of times torch's ``scheduler.step()`` has
been called (0 right after the scheduler is built). ``schedule(count)`` equals
``scheduler.get_last_lr()[0]`` of the torch scheduler after ``count`` steps, for an optimizer
whose one parameter group starts at ``lr=base_lr``.

torch computes most learning rates *recursively* (``lr = group["lr"] * ratio``), and its
closed forms (``_get_closed_form_lr``) differ from the recursion in several corner cases
(``ConstantLR``/``LinearLR``/``PolynomialLR`` with ``total_iters=0``, ``CosineAnnealingLR``
past ``T_max``, chained schedulers). The closed forms here were derived from the recursion, so
they give the recursion's values; where no closed form exists (``MultiplicativeLR``, chains of
non-multiplicative schedulers, sequences that restart ``MultiplicativeLR``) the recursion itself
is run: in float64 on the host when ``count`` is a concrete integer, and with
``jax.lax.fori_loop`` when it is traced (then in JAX's default float dtype, whose rounding
grows with ``count``: about ``count`` float32 ulps in 32-bit mode).

Every closed-form schedule is ``jax.jit``-safe for a traced integer ``count`` and accurate to a
few float32 ulps: the cosines use ``sin**2`` of an exactly reduced integer phase instead of
``1 + cos(x)`` (which cancels near the minimum), and integer powers ``gamma**n`` multiply
float64-precomputed binary powers ``gamma**(2**k)`` (``float32(gamma)**n`` drifts by ``n``
ulps). Results have JAX's default float dtype (float32, float64 with 64-bit mode on).

Each torch scheduler drives every parameter group; a :class:`TorchSchedule` drives one learning
rate. Build one schedule per group for per-group base learning rates.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from rustorch_fx._checks import is_int, is_tracer
from rustorch_fx.errors import ArgumentTypeError, InvalidArgumentError

__all__ = [
    "TorchSchedule",
    "chained_scheduler",
    "constant_lr",
    "cosine_annealing_lr",
    "cosine_annealing_warm_restarts",
    "cyclic_lr",
    "cyclic_momentum",
    "exponential_lr",
    "lambda_lr",
    "linear_lr",
    "multi_step_lr",
    "multiplicative_lr",
    "one_cycle_lr",
    "one_cycle_momentum",
    "polynomial_lr",
    "sequential_lr",
    "step_lr",
]

Array = Any
# xp is numpy (host recursion in float64, t a Python int) or jax.numpy (t an int32 array).
_Xp = Any
_ValueFn = Callable[[Any, _Xp], Any]
_StepFn = Callable[[Any, Any, _Xp], Any]
_RestartFn = Callable[[Any, _Xp], Any]

_BITS = 31  # int32 step counts


def _float_dtype() -> Any:
    """JAX's default float dtype in the current mode (float32, or float64 with x64 on)."""
    return jnp.result_type(float)


def _ipow(base: float, n: Any, xp: _Xp) -> Any:
    """``base ** n`` for an integer ``n >= 0``, accurate to a few ulps of the result dtype.

    On the host this is Python's float64 power (torch's own arithmetic). Traced, it multiplies
    the float64-precomputed powers ``base ** (2 ** k)`` selected by the bits of ``n``.
    """
    if xp is np:
        return np.float64(base) ** np.int64(n)
    dtype = _float_dtype()
    with np.errstate(over="ignore", under="ignore"):
        table = np.power(np.float64(base), 2.0 ** np.arange(_BITS)).astype(dtype)
    bits = (jnp.asarray(n, jnp.int32) >> jnp.arange(_BITS, dtype=jnp.int32)) & 1
    return jnp.prod(jnp.where(bits == 1, jnp.asarray(table), 1.0))


def _sin2(num: Any, den: float, xp: _Xp) -> Any:
    """``sin(pi * num / (2 * den)) ** 2``: ``(1 + cos(pi * (den - num) / den)) / 2``, accurately."""
    s = xp.sin(np.pi * num / (2.0 * den))
    return s * s


class TorchSchedule:
    """A learning-rate schedule ``count -> lr`` with the values of a torch LR scheduler.

    Built by the functions of this module (``step_lr``, ``cosine_annealing_lr``, ...); call it
    like any optax schedule. Besides its value it carries torch's *chainable* form (the
    ``get_lr`` that rescales the optimizer's current learning rate), which
    :func:`chained_scheduler` and :func:`sequential_lr` compose exactly as torch does.

    Attributes:
        torch_name: The torch class whose values this schedule reproduces.
        base_lr: The learning rate the optimizer's group starts from (torch's ``initial_lr``).

    Example:
        >>> sched = step_lr(0.1, step_size=2, gamma=0.5)
        >>> [round(float(sched(t)), 6) for t in range(5)]
        [0.1, 0.1, 0.05, 0.05, 0.025]
    """

    def __init__(
        self,
        torch_name: str,
        base_lr: float,
        value: _ValueFn | None,
        step: _StepFn,
        restart: _RestartFn | None = None,
        factor: _ValueFn | None = None,
        restartable: bool = True,
        max_count: int | None = None,
    ) -> None:
        self.torch_name = torch_name
        self.base_lr = float(base_lr)
        self._value = value  # None: no closed form; __call__ runs torch's recursion
        self._step = step
        self._restart = restart
        self._factor = factor
        # Whether a SequentialLR restart continues as this schedule's own values at t - m.
        self._restartable = restartable and restart is not None and value is not None
        self._max_count = max_count

    def __repr__(self) -> str:
        return f"TorchSchedule({self.torch_name}, base_lr={self.base_lr})"

    def __call__(self, count: Any) -> jax.Array:
        """Return the learning rate after ``count`` calls of torch's ``scheduler.step()``.

        Args:
            count: A non-negative integer: a Python int, or an integer array (traced under
                ``jax.jit``).

        Returns:
            A scalar array of JAX's default float dtype.
        """
        dtype = _float_dtype()
        if self._max_count is not None and not is_tracer(count) and int(count) > self._max_count:
            raise InvalidArgumentError(
                f"{self.torch_name}: Tried to step {int(count)} times. The specified number of "
                f"total steps is {self._max_count}"
            )
        if self._value is None:
            if not is_tracer(count):
                return jnp.asarray(_host_recursion(self, int(count)), dtype)
            return _traced_recursion(self, jnp.asarray(count, jnp.int32))
        t = count if is_tracer(count) else jnp.asarray(count)
        return jnp.asarray(self._value(jnp.asarray(t, jnp.int32), jnp), dtype)


def _host_recursion(sched: TorchSchedule, count: int) -> float:
    if count < 0:
        raise InvalidArgumentError(f"{sched.torch_name}: count must be >= 0, got {count}")
    lr = np.float64(sched.base_lr)
    with np.errstate(all="ignore"):  # branches torch does not take may divide by zero
        for s in range(count + 1):
            lr = np.float64(sched._step(lr, np.int64(s), np))
    return float(lr)


def _traced_recursion(sched: TorchSchedule, count: jax.Array) -> jax.Array:
    dtype = _float_dtype()

    def body(s: jax.Array, lr: jax.Array) -> jax.Array:
        return jnp.asarray(sched._step(lr, s, jnp), dtype)

    return jax.lax.fori_loop(0, count + 1, body, jnp.asarray(sched.base_lr, dtype))


def _multiplicative(
    name: str, base_lr: float, factor: _ValueFn, step: _StepFn, restart: float | None = None
) -> TorchSchedule:
    """A schedule whose recursion multiplies the current lr: ``lr_t = base_lr * factor(t)``.

    ``restart`` is torch's closed-form value at epoch 0 (what SequentialLR restarts with)
    where it differs from ``base_lr * factor(0)``.
    """

    def value(t: Any, xp: _Xp) -> Any:
        return base_lr * factor(t, xp)

    if restart is None:
        return TorchSchedule(
            name, base_lr, value, step, restart=lambda lr, xp: value(0, xp), factor=factor
        )
    return TorchSchedule(
        name,
        base_lr,
        value,
        step,
        restart=lambda lr, xp: restart,
        factor=factor,
        restartable=False,
    )


def _check_lr(op: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise ArgumentTypeError(f"{op}: {name} must be a float, got {type(value).__name__}")
    return float(value)


def _check_int(op: str, name: str, value: Any, minimum: int) -> int:
    if not is_int(value):
        raise ArgumentTypeError(f"{op}: {name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise InvalidArgumentError(f"{op}: expected {name} >= {minimum}, got {value}")
    return int(value)


# --------------------------------------------------------------------------------------------
# Multiplicative (chainable) schedules.
# --------------------------------------------------------------------------------------------


def step_lr(base_lr: float, step_size: int, gamma: float = 0.1) -> TorchSchedule:
    """``torch.optim.lr_scheduler.StepLR``: decay by ``gamma`` every ``step_size`` steps.

    ``lr_t = base_lr * gamma ** (t // step_size)``. optax's equivalent is
    ``optax.exponential_decay(base_lr, step_size, gamma, staircase=True)``, which computes
    ``gamma ** (t // step_size)`` in the count's float dtype.

    Args:
        base_lr: The optimizer's initial learning rate.
        step_size: Period of the decay, in steps (>= 1).
        gamma: Multiplicative decay factor.

    Returns:
        The schedule.

    Raises:
        ArgumentTypeError: If ``step_size`` is not an int.
        InvalidArgumentError: If ``step_size < 1``.

    Example:
        >>> sched = step_lr(0.1, step_size=30)
        >>> round(float(sched(30)), 6)
        0.01
    """
    op = "step_lr"
    base_lr = _check_lr(op, "base_lr", base_lr)
    step_size = _check_int(op, "step_size", step_size, 1)
    gamma = float(gamma)

    def factor(t: Any, xp: _Xp) -> Any:
        return _ipow(gamma, t // step_size, xp)

    def step(lr: Any, t: Any, xp: _Xp) -> Any:
        return xp.where((t == 0) | (t % step_size != 0), lr, lr * gamma)

    return _multiplicative("StepLR", base_lr, factor, step)


def multi_step_lr(base_lr: float, milestones: Sequence[int], gamma: float = 0.1) -> TorchSchedule:
    """``torch.optim.lr_scheduler.MultiStepLR``: decay by ``gamma`` at each milestone.

    ``lr_t = base_lr * gamma ** (number of milestones <= t)``; a milestone listed twice decays
    twice, as in torch (which counts them). optax's ``piecewise_constant_schedule`` takes a
    factor per boundary instead.

    Args:
        base_lr: The optimizer's initial learning rate.
        milestones: Step indices, in any order.
        gamma: Multiplicative decay factor.

    Returns:
        The schedule.

    Raises:
        ArgumentTypeError: If a milestone is not an int.

    Example:
        >>> sched = multi_step_lr(1.0, milestones=[2, 4], gamma=0.5)
        >>> [float(sched(t)) for t in range(6)]
        [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    """
    op = "multi_step_lr"
    base_lr = _check_lr(op, "base_lr", base_lr)
    if not all(is_int(m) for m in milestones):
        raise ArgumentTypeError(f"{op}: milestones must be ints, got {list(milestones)!r}")
    ms = np.sort(np.asarray(list(milestones), dtype=np.int64)).astype(np.int32)
    gamma = float(gamma)

    def factor(t: Any, xp: _Xp) -> Any:
        return _ipow(gamma, xp.sum(ms <= t), xp)

    def step(lr: Any, t: Any, xp: _Xp) -> Any:
        return lr * _ipow(gamma, xp.sum(ms == t), xp)

    return _multiplicative("MultiStepLR", base_lr, factor, step)


def constant_lr(base_lr: float, factor: float = 1.0 / 3, total_iters: int = 5) -> TorchSchedule:
    """``torch.optim.lr_scheduler.ConstantLR``: ``base_lr * factor`` for ``total_iters`` steps.

    As torch's recursion (not its closed form): with ``total_iters=0`` the learning rate stays
    at ``base_lr * factor`` for ever.

    Args:
        base_lr: The optimizer's initial learning rate.
        factor: The factor applied until ``total_iters`` (in [0, 1]).
        total_iters: Number of steps with the reduced learning rate.

    Returns:
        The schedule.

    Raises:
        InvalidArgumentError: If ``factor`` is outside [0, 1] (torch's message).

    Example:
        >>> sched = constant_lr(0.1, factor=0.5, total_iters=2)
        >>> [round(float(sched(t)), 6) for t in range(4)]
        [0.05, 0.05, 0.1, 0.1]
    """
    op = "constant_lr"
    base_lr = _check_lr(op, "base_lr", base_lr)
    if factor > 1.0 or factor < 0:
        raise InvalidArgumentError(
            f"{op}: Constant multiplicative factor expected to be between 0 and 1, got {factor}"
        )
    total_iters = _check_int(op, "total_iters", total_iters, 0)
    f = float(factor)

    def fac(t: Any, xp: _Xp) -> Any:
        restored = (t >= total_iters) & (total_iters > 0)
        return xp.where(restored, 1.0, f)

    def step(lr: Any, t: Any, xp: _Xp) -> Any:
        back = lr * (1.0 / f) if f != 0 else lr * math.inf
        return xp.where(t == 0, lr * f, xp.where(t == total_iters, back, lr))

    # torch's closed form at epoch 0 (a SequentialLR restart) ignores total_iters == 0.
    restart = base_lr if total_iters == 0 else None
    return _multiplicative("ConstantLR", base_lr, fac, step, restart=restart)


def linear_lr(
    base_lr: float, start_factor: float = 1.0 / 3, end_factor: float = 1.0, total_iters: int = 5
) -> TorchSchedule:
    """``torch.optim.lr_scheduler.LinearLR``: a linear ramp of the factor over ``total_iters``.

    ``lr_t = base_lr * (start + (end - start) * min(t, total_iters) / total_iters)``; with
    ``total_iters=0`` it stays at ``base_lr * start_factor`` (torch's recursion). optax's
    ``linear_schedule`` takes absolute values rather than factors of ``base_lr``.

    Args:
        base_lr: The optimizer's initial learning rate.
        start_factor: Factor at step 0, in (0, 1].
        end_factor: Factor from ``total_iters`` on, in [0, 1].
        total_iters: Length of the ramp.

    Returns:
        The schedule.

    Raises:
        InvalidArgumentError: For factors outside their ranges (torch's messages).

    Example:
        >>> sched = linear_lr(1.0, start_factor=0.5, end_factor=1.0, total_iters=2)
        >>> [float(sched(t)) for t in range(4)]
        [0.5, 0.75, 1.0, 1.0]
    """
    op = "linear_lr"
    base_lr = _check_lr(op, "base_lr", base_lr)
    if start_factor > 1.0 or start_factor <= 0:
        raise InvalidArgumentError(
            f"{op}: Starting multiplicative factor expected to be greater than 0 and less or "
            f"equal to 1, got {start_factor}"
        )
    if end_factor > 1.0 or end_factor < 0:
        raise InvalidArgumentError(
            f"{op}: Ending multiplicative factor expected to be between 0 and 1, got {end_factor}"
        )
    total_iters = _check_int(op, "total_iters", total_iters, 0)
    s, e, n = float(start_factor), float(end_factor), total_iters

    def factor(t: Any, xp: _Xp) -> Any:
        if n == 0:
            return xp.where(t >= 0, s, s)
        m = xp.minimum(t, n)
        return (s * (n - m) + e * m) / n  # no cancellation when end_factor < start_factor

    def step(lr: Any, t: Any, xp: _Xp) -> Any:
        ratio = 1.0 + (e - s) / (n * s + (t - 1) * (e - s))
        return xp.where(t == 0, lr * s, xp.where(t > n, lr, lr * ratio))

    return _multiplicative("LinearLR", base_lr, factor, step)


def exponential_lr(base_lr: float, gamma: float) -> TorchSchedule:
    """``torch.optim.lr_scheduler.ExponentialLR``: ``lr_t = base_lr * gamma ** t``.

    Same values as ``optax.exponential_decay(base_lr, 1, gamma)``, but ``gamma ** t`` is exact
    to a few ulps (optax raises the float32 ``gamma``, which drifts ``t`` ulps).

    Args:
        base_lr: The optimizer's initial learning rate.
        gamma: Multiplicative decay per step.

    Returns:
        The schedule.

    Example:
        >>> float(exponential_lr(1.0, gamma=0.5)(3))
        0.125
    """
    base_lr = _check_lr("exponential_lr", "base_lr", base_lr)
    gamma = float(gamma)

    def factor(t: Any, xp: _Xp) -> Any:
        return _ipow(gamma, t, xp)

    def step(lr: Any, t: Any, xp: _Xp) -> Any:
        return xp.where(t == 0, lr, lr * gamma)

    return _multiplicative("ExponentialLR", base_lr, factor, step)


def polynomial_lr(base_lr: float, total_iters: int = 5, power: float = 1.0) -> TorchSchedule:
    """``torch.optim.lr_scheduler.PolynomialLR``: ``base_lr * (1 - min(t, T) / T) ** power``.

    Reaches 0 at ``total_iters`` and stays there (optax's ``polynomial_schedule`` decays to an
    ``end_value`` and can start later via ``transition_begin``). ``total_iters=0`` keeps
    ``base_lr`` (torch's recursion).

    Args:
        base_lr: The optimizer's initial learning rate.
        total_iters: Number of decay steps.
        power: Power of the polynomial.

    Returns:
        The schedule.

    Example:
        >>> sched = polynomial_lr(1.0, total_iters=4, power=1.0)
        >>> [float(sched(t)) for t in range(6)]
        [1.0, 0.75, 0.5, 0.25, 0.0, 0.0]
    """
    op = "polynomial_lr"
    base_lr = _check_lr(op, "base_lr", base_lr)
    n = _check_int(op, "total_iters", total_iters, 0)
    p = float(power)

    def factor(t: Any, xp: _Xp) -> Any:
        if n == 0:
            return xp.where(t >= 0, 1.0, 1.0)
        # (1.0 * int): JAX divides int32 by int32 in float32 even in 64-bit mode.
        return (1.0 * (n - xp.minimum(t, n)) / n) ** p

    def step(lr: Any, t: Any, xp: _Xp) -> Any:
        if n == 0:
            return lr
        ratio = (1.0 * (n - xp.minimum(t, n)) / xp.maximum(n - t + 1, 1)) ** p
        return xp.where((t == 0) | (t > n), lr, lr * ratio)

    return _multiplicative("PolynomialLR", base_lr, factor, step)


def multiplicative_lr(base_lr: float, lr_lambda: Callable[[Any], Any]) -> TorchSchedule:
    """``torch.optim.lr_scheduler.MultiplicativeLR``: ``lr_t = base_lr * prod(lr_lambda(s), s=1..t)``.

    A product has no closed form for an arbitrary ``lr_lambda``: with a concrete ``count`` the
    product runs on the host in float64 (``lr_lambda`` gets Python ints, as in torch); with a
    traced ``count`` it runs in a ``jax.lax.fori_loop`` (``lr_lambda`` gets an int32 array and
    must be written with ``jax.numpy``; float32 rounding grows with ``count``). Each call costs
    ``O(count)``.

    Args:
        base_lr: The optimizer's initial learning rate.
        lr_lambda: The factor applied at each step ``s >= 1``.

    Returns:
        The schedule.

    Raises:
        ArgumentTypeError: If ``lr_lambda`` is not callable (torch's ``TypeError``).

    Example:
        >>> sched = multiplicative_lr(1.0, lambda s: 0.5)
        >>> float(sched(3))
        0.125
    """
    op = "multiplicative_lr"
    base_lr = _check_lr(op, "base_lr", base_lr)
    if not callable(lr_lambda):
        raise ArgumentTypeError(
            f"{op}: lr_lambda should be a function, but got {type(lr_lambda).__name__}"
        )

    def step(lr: Any, t: Any, xp: _Xp) -> Any:
        if xp is np:
            return lr if t == 0 else lr * lr_lambda(int(t))
        return xp.where(t == 0, lr, lr * lr_lambda(t))

    def restart(lr: Any, xp: _Xp) -> Any:
        return lr * lr_lambda(0)  # torch: no closed form, so get_lr() at epoch 0

    return TorchSchedule("MultiplicativeLR", base_lr, None, step, restart=restart)


# --------------------------------------------------------------------------------------------
# Schedules that set the learning rate outright.
# --------------------------------------------------------------------------------------------


def _absolute(
    name: str, base_lr: float, value: _ValueFn, max_count: int | None = None
) -> TorchSchedule:
    """A schedule whose ``get_lr`` ignores the current lr (not chainable in torch)."""
    return TorchSchedule(
        name,
        base_lr,
        value,
        step=lambda lr, t, xp: value(t, xp),
        restart=lambda lr, xp: value(0, xp),
        max_count=max_count,
    )


def lambda_lr(base_lr: float, lr_lambda: Callable[[Any], Any]) -> TorchSchedule:
    """``torch.optim.lr_scheduler.LambdaLR``: ``lr_t = base_lr * lr_lambda(t)``.

    Args:
        base_lr: The optimizer's initial learning rate.
        lr_lambda: The factor as a function of the step; called with an int32 array, so
            write it with ``jax.numpy`` to use the schedule under ``jax.jit``.

    Returns:
        The schedule.

    Raises:
        ArgumentTypeError: If ``lr_lambda`` is not callable.

    Example:
        >>> sched = lambda_lr(0.1, lambda t: 0.95**t)
        >>> round(float(sched(0)), 6)
        0.1
    """
    op = "lambda_lr"
    base_lr = _check_lr(op, "base_lr", base_lr)
    if not callable(lr_lambda):
        raise ArgumentTypeError(
            f"{op}: lr_lambda should be a function, but got {type(lr_lambda).__name__}"
        )
    return _absolute("LambdaLR", base_lr, lambda t, xp: base_lr * lr_lambda(t))


def cosine_annealing_lr(base_lr: float, T_max: int, eta_min: float = 0.0) -> TorchSchedule:
    """``torch.optim.lr_scheduler.CosineAnnealingLR``, periodic past ``T_max`` as torch's ``step()``.

    ``lr_t = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2`` for every ``t``:
    torch's recursive ``step()`` climbs back up after ``T_max`` (period ``2 * T_max``), and
    this closed form gives the recursion's values. ``optax.cosine_decay_schedule`` stays at its
    minimum after ``decay_steps`` instead, and its ``alpha`` is a fraction, not ``eta_min``.

    Args:
        base_lr: The optimizer's initial learning rate (the maximum).
        T_max: Half period, in steps (>= 1).
        eta_min: The minimum learning rate.

    Returns:
        The schedule.

    Raises:
        InvalidArgumentError: If ``T_max < 1`` (torch divides by zero on its first step).

    Example:
        >>> sched = cosine_annealing_lr(1.0, T_max=2)
        >>> [round(float(sched(t)), 6) for t in range(5)]
        [1.0, 0.5, 0.0, 0.5, 1.0]
    """
    op = "cosine_annealing_lr"
    base_lr = _check_lr(op, "base_lr", base_lr)
    n = _check_int(op, "T_max", T_max, 1)
    eta = float(eta_min)
    amp = base_lr - eta

    def cos_term(t: Any, xp: _Xp) -> Any:
        # (1 + cos(pi t / n)) / 2 = sin^2(pi (n - t mod 2n) / (2n)), with the phase exact.
        return _sin2(n - t % (2 * n), n, xp)

    def value(t: Any, xp: _Xp) -> Any:
        return eta + amp * cos_term(t, xp)

    def step(lr: Any, t: Any, xp: _Xp) -> Any:
        prev = cos_term(t - 1, xp)
        at_min = (t - 1 - n) % (2 * n) == 0
        ratio = cos_term(t, xp) / xp.where(at_min, 1.0, prev)
        recursive = xp.where(at_min, lr + amp * _sin2(1, n, xp), eta + (lr - eta) * ratio)
        return xp.where(t == 0, lr, recursive)

    return TorchSchedule("CosineAnnealingLR", base_lr, value, step, restart=lambda lr, xp: base_lr)


def cosine_annealing_warm_restarts(
    base_lr: float,
    T_0: int,
    T_mult: int = 1,
    eta_min: float = 0.0,
) -> TorchSchedule:
    """``torch.optim.lr_scheduler.CosineAnnealingWarmRestarts`` (SGDR), stepped once per count.

    Cosine from ``base_lr`` down towards ``eta_min`` over ``T_i`` steps, then a restart with
    ``T_{i+1} = T_i * T_mult``. optax's ``sgdr_schedule`` takes a list of cycles instead.
    torch's fractional ``step(epoch)`` form is not modelled: ``count`` counts ``step()`` calls.

    Args:
        base_lr: The optimizer's initial learning rate.
        T_0: Length of the first cycle (>= 1).
        T_mult: Growth factor of the cycle length (int >= 1).
        eta_min: The minimum learning rate.

    Returns:
        The schedule.

    Raises:
        InvalidArgumentError: For ``T_0 <= 0`` or ``T_mult < 1`` (torch's messages).

    Example:
        >>> sched = cosine_annealing_warm_restarts(1.0, T_0=2)
        >>> [round(float(sched(t)), 6) for t in range(4)]
        [1.0, 0.5, 1.0, 0.5]
    """
    op = "cosine_annealing_warm_restarts"
    base_lr = _check_lr(op, "base_lr", base_lr)
    if not is_int(T_0) or T_0 <= 0:
        raise InvalidArgumentError(f"{op}: Expected positive integer T_0, but got {T_0}")
    if not is_int(T_mult) or T_mult < 1:
        raise InvalidArgumentError(f"{op}: Expected integer T_mult >= 1, but got {T_mult}")
    eta = float(eta_min)
    t0, tm = int(T_0), int(T_mult)
    # Start of each cycle and its length, for every cycle that starts below 2**31.
    starts, lengths = [0], [t0]
    while tm > 1 and starts[-1] + lengths[-1] < 2**31 - 1:
        starts.append(starts[-1] + lengths[-1])
        lengths.append(lengths[-1] * tm)
    starts_np = np.asarray(starts, np.int32)
    lengths_np = np.asarray(lengths, np.float64)

    def value(t: Any, xp: _Xp) -> Any:
        if tm == 1:
            t_cur, t_i = t % t0, t0
        else:
            idx = xp.searchsorted(starts_np, t, side="right") - 1
            t_cur = t - xp.asarray(starts_np)[idx]
            t_i = xp.asarray(lengths_np)[idx]
        return eta + (base_lr - eta) * _sin2(t_i - t_cur, t_i, xp)

    return _absolute("CosineAnnealingWarmRestarts", base_lr, value)


def _cyclic_parts(
    op: str,
    step_size_up: int,
    step_size_down: int | None,
    mode: str,
    gamma: float,
    scale_fn: Callable[[Any], Any] | None,
    scale_mode: str,
) -> Callable[[Any, _Xp], tuple[Any, Any]]:
    """``t -> (scale_factor, scale)`` of torch's CyclicLR (the triangle and its amplitude)."""
    if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
        raise InvalidArgumentError(f"{op}: mode is invalid and scale_fn is None, got mode={mode!r}")
    if scale_fn is not None and scale_mode not in ("cycle", "iterations"):
        raise InvalidArgumentError(
            f"{op}: scale_mode must be 'cycle' or 'iterations', got {scale_mode!r}"
        )
    up = float(step_size_up)
    down = float(step_size_down) if step_size_down is not None else up
    if up <= 0 or down <= 0:
        raise InvalidArgumentError(
            f"{op}: step sizes must be positive, got step_size_up={step_size_up}, "
            f"step_size_down={step_size_down}"
        )
    total = up + down
    if scale_fn is None:
        scale_mode = "iterations" if mode == "exp_range" else "cycle"
    g = float(gamma)

    def scale(x: Any, xp: _Xp) -> Any:
        if scale_fn is not None:
            return scale_fn(x)
        if mode == "triangular":
            return xp.where(x >= 0, 1.0, 1.0)
        if mode == "triangular2":
            return 1.0 / _ipow(2.0, x - 1, xp)
        return _ipow(g, x, xp)

    def parts(t: Any, xp: _Xp) -> tuple[Any, Any]:
        tf = t * 1.0
        r = tf % total  # exact for integer-valued steps
        cycle = (tf - r) / total + 1.0
        if xp is not np:
            cycle = cycle.astype(jnp.int32)
        else:
            cycle = int(cycle)
        sf = xp.where(r <= up, r / up, (total - r) / down)
        return sf, scale(cycle if scale_mode == "cycle" else t, xp)

    return parts


def cyclic_lr(
    base_lr: float,
    max_lr: float,
    step_size_up: int = 2000,
    step_size_down: int | None = None,
    mode: str = "triangular",
    gamma: float = 1.0,
    scale_fn: Callable[[Any], Any] | None = None,
    scale_mode: str = "cycle",
) -> TorchSchedule:
    """``torch.optim.lr_scheduler.CyclicLR``'s learning rate (cycle between ``base_lr`` and ``max_lr``).

    ``lr_t = base_lr + (max_lr - base_lr) * triangle(t) * scale``, where ``scale`` is 1
    (``"triangular"``), ``1 / 2 ** (cycle - 1)`` (``"triangular2"``), ``gamma ** t``
    (``"exp_range"``) or ``scale_fn`` of the cycle number (from 1) or of ``t``
    (``scale_mode``). The momentum that torch cycles inversely is :func:`cyclic_momentum`.
    optax has no cyclic schedule.

    Args:
        base_lr: Lower learning rate (the optimizer's lr is set to it, as torch does).
        max_lr: Upper learning rate.
        step_size_up: Steps in the increasing half of a cycle.
        step_size_down: Steps in the decreasing half (default: ``step_size_up``).
        mode: ``"triangular"``, ``"triangular2"`` or ``"exp_range"``; ignored with ``scale_fn``.
        gamma: Base of ``"exp_range"``'s scale.
        scale_fn: Custom amplitude scale (``jax.numpy`` code to run under ``jax.jit``).
        scale_mode: ``"cycle"`` or ``"iterations"``: what ``scale_fn`` receives.

    Returns:
        The schedule.

    Raises:
        InvalidArgumentError: For an unknown ``mode`` without ``scale_fn`` (torch's message),
            or non-positive step sizes.

    Example:
        >>> sched = cyclic_lr(0.1, 1.0, step_size_up=2)
        >>> [round(float(sched(t)), 6) for t in range(5)]
        [0.1, 0.55, 1.0, 0.55, 0.1]
    """
    op = "cyclic_lr"
    lo = _check_lr(op, "base_lr", base_lr)
    hi = _check_lr(op, "max_lr", max_lr)
    parts = _cyclic_parts(op, step_size_up, step_size_down, mode, gamma, scale_fn, scale_mode)

    def value(t: Any, xp: _Xp) -> Any:
        sf, sc = parts(t, xp)
        return lo + (hi - lo) * sf * sc

    return _absolute("CyclicLR", lo, value)


def cyclic_momentum(
    base_momentum: float = 0.8,
    max_momentum: float = 0.9,
    step_size_up: int = 2000,
    step_size_down: int | None = None,
    mode: str = "triangular",
    gamma: float = 1.0,
    scale_fn: Callable[[Any], Any] | None = None,
    scale_mode: str = "cycle",
) -> TorchSchedule:
    """The momentum (or Adam's ``beta1``) that ``CyclicLR(cycle_momentum=True)`` writes into the group.

    ``momentum_t = max_momentum - (max_momentum - base_momentum) * triangle(t) * scale``:
    the mirror image of :func:`cyclic_lr` with the same cycle arguments.

    Args:
        base_momentum: Lower momentum (reached at the peak of the learning rate).
        max_momentum: Upper momentum (at the start of each cycle).
        step_size_up: As in :func:`cyclic_lr`.
        step_size_down: As in :func:`cyclic_lr`.
        mode: As in :func:`cyclic_lr`.
        gamma: As in :func:`cyclic_lr`.
        scale_fn: As in :func:`cyclic_lr`.
        scale_mode: As in :func:`cyclic_lr`.

    Returns:
        The momentum schedule (its ``base_lr`` attribute holds ``max_momentum``).

    Raises:
        InvalidArgumentError: As :func:`cyclic_lr`.

    Example:
        >>> m = cyclic_momentum(0.8, 0.9, step_size_up=2)
        >>> [round(float(m(t)), 6) for t in range(3)]
        [0.9, 0.85, 0.8]
    """
    op = "cyclic_momentum"
    lo = _check_lr(op, "base_momentum", base_momentum)
    hi = _check_lr(op, "max_momentum", max_momentum)
    parts = _cyclic_parts(op, step_size_up, step_size_down, mode, gamma, scale_fn, scale_mode)

    def value(t: Any, xp: _Xp) -> Any:
        sf, sc = parts(t, xp)
        return hi - (hi - lo) * sf * sc

    return _absolute("CyclicLR(momentum)", hi, value)


def _one_cycle_phases(
    op: str,
    total_steps: int | None,
    epochs: int | None,
    steps_per_epoch: int | None,
    pct_start: float,
    anneal_strategy: str,
    three_phase: bool,
) -> tuple[int, list[tuple[float, float, int]]]:
    """The phase boundaries of torch: ``(total_steps, [(start_step, end_step, last_t_in_phase)])``."""
    if total_steps is not None:
        if not is_int(total_steps) or total_steps <= 0:
            raise InvalidArgumentError(
                f"{op}: Expected positive integer total_steps, but got {total_steps}"
            )
        total = int(total_steps)
    elif epochs is not None and steps_per_epoch is not None:
        if not is_int(epochs) or epochs <= 0:
            raise InvalidArgumentError(f"{op}: Expected positive integer epochs, but got {epochs}")
        if not is_int(steps_per_epoch) or steps_per_epoch <= 0:
            raise InvalidArgumentError(
                f"{op}: Expected positive integer steps_per_epoch, but got {steps_per_epoch}"
            )
        total = int(epochs) * int(steps_per_epoch)
    else:
        raise InvalidArgumentError(
            f"{op}: You must define either total_steps OR (epochs AND steps_per_epoch)"
        )
    if not isinstance(pct_start, float) or pct_start < 0 or pct_start > 1:
        raise InvalidArgumentError(
            f"{op}: Expected float between 0 and 1 pct_start, but got {pct_start}"
        )
    if anneal_strategy not in ("cos", "linear"):
        raise InvalidArgumentError(
            f"{op}: anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}"
        )
    # torch's end steps, in float64 exactly as torch computes them.
    ends = [float(pct_start * total) - 1]
    if three_phase:
        ends.append(float(2 * pct_start * total) - 2)
    ends.append(float(total - 1))
    phases, start = [], 0.0
    for end in ends:
        # torch picks the phase with `t <= end_step`; for integer t that is t <= floor(end).
        phases.append((start, end, math.floor(end)))
        start = end
    return total, phases


def _one_cycle_value(
    total: int,
    phases: list[tuple[float, float, int]],
    points: list[tuple[float, float]],
    anneal_strategy: str,
) -> _ValueFn:
    def anneal(a: float, b: float, t: Any, start: float, end: float, xp: _Xp) -> Any:
        # torch: b + (a - b) / 2 * (1 + cos(pi * pct)) or (b - a) * pct + a. Each is written
        # from the nearer end of the phase, so that no float32 cancellation occurs when the
        # value is much smaller than the other end (1 + cos(x) = 2 sin^2((pi - x) / 2)).
        span = end - start
        if anneal_strategy == "linear":
            from_start = a + (b - a) * ((t - start) / span)
            from_end = b + (a - b) * ((end - t) / span)
        else:
            from_start = a + (b - a) * _sin2(t - start, span, xp)
            from_end = b + (a - b) * _sin2(end - t, span, xp)
        return xp.where(2 * (t - start) < span, from_start, from_end)

    def value(t: Any, xp: _Xp) -> Any:
        out = None
        for i in reversed(range(len(phases))):
            start, end, last = phases[i]
            a, b = points[i]
            v = anneal(a, b, t, start, end, xp)
            out = v if out is None else xp.where(t <= last, v, out)
        return out

    return value


def one_cycle_lr(
    max_lr: float,
    total_steps: int | None = None,
    epochs: int | None = None,
    steps_per_epoch: int | None = None,
    pct_start: float = 0.3,
    anneal_strategy: str = "cos",
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
    three_phase: bool = False,
) -> TorchSchedule:
    """``torch.optim.lr_scheduler.OneCycleLR``'s learning rate, with torch's phase boundaries.

    Phase 1 anneals from ``max_lr / div_factor`` to ``max_lr`` over steps ``[0,
    pct_start * total_steps - 1]``; phase 2 down to ``max_lr / div_factor / final_div_factor``
    at ``total_steps - 1`` (with ``three_phase``: back to the initial lr at ``2 * pct_start *
    total_steps - 2``, then down to the minimum). Unlike ``optax.cosine_onecycle_schedule``,
    the boundaries are torch's (``- 1`` and ``- 2``) and ``anneal_strategy="linear"`` exists.
    torch raises past ``total_steps``; so does this with a concrete ``count`` (a traced one
    extrapolates the last phase).

    Args:
        max_lr: Peak learning rate.
        total_steps: Total steps of the cycle (or give ``epochs`` and ``steps_per_epoch``).
        epochs: Number of epochs, with ``steps_per_epoch``.
        steps_per_epoch: Steps per epoch, with ``epochs``.
        pct_start: Fraction of the cycle spent increasing the learning rate (a float).
        anneal_strategy: ``"cos"`` or ``"linear"``.
        div_factor: ``initial_lr = max_lr / div_factor``.
        final_div_factor: ``min_lr = initial_lr / final_div_factor``.
        three_phase: Use the paper's three phases instead of fastai's two.

    Returns:
        The schedule (its ``base_lr`` is ``max_lr / div_factor``, torch's ``initial_lr``).

    Raises:
        InvalidArgumentError: For the arguments torch rejects (its messages), or a concrete
            ``count > total_steps`` when called.

    Example:
        >>> sched = one_cycle_lr(1.0, total_steps=10, anneal_strategy="linear")
        >>> round(float(sched(2)), 6)
        1.0
    """
    op = "one_cycle_lr"
    max_lr = _check_lr(op, "max_lr", max_lr)
    total, phases = _one_cycle_phases(
        op, total_steps, epochs, steps_per_epoch, pct_start, anneal_strategy, three_phase
    )
    initial = max_lr / div_factor
    minimum = initial / final_div_factor
    if three_phase:
        points = [(initial, max_lr), (max_lr, initial), (initial, minimum)]
    else:
        points = [(initial, max_lr), (max_lr, minimum)]
    value = _one_cycle_value(total, phases, points, anneal_strategy)
    return _absolute("OneCycleLR", initial, value, max_count=total)


def one_cycle_momentum(
    total_steps: int | None = None,
    epochs: int | None = None,
    steps_per_epoch: int | None = None,
    pct_start: float = 0.3,
    anneal_strategy: str = "cos",
    base_momentum: float = 0.85,
    max_momentum: float = 0.95,
    three_phase: bool = False,
) -> TorchSchedule:
    """The momentum (or ``beta1``) that ``OneCycleLR(cycle_momentum=True)`` writes into the group.

    Goes from ``max_momentum`` down to ``base_momentum`` while the learning rate rises, and
    back up while it falls (stays at ``max_momentum`` in the third phase), with the phases of
    :func:`one_cycle_lr` for the same arguments.

    Args:
        total_steps: As in :func:`one_cycle_lr`.
        epochs: As in :func:`one_cycle_lr`.
        steps_per_epoch: As in :func:`one_cycle_lr`.
        pct_start: As in :func:`one_cycle_lr`.
        anneal_strategy: As in :func:`one_cycle_lr`.
        base_momentum: Momentum at the learning-rate peak.
        max_momentum: Momentum at the start and end.
        three_phase: As in :func:`one_cycle_lr`.

    Returns:
        The momentum schedule (its ``base_lr`` attribute holds ``max_momentum``).

    Raises:
        InvalidArgumentError: As :func:`one_cycle_lr`.

    Example:
        >>> m = one_cycle_momentum(total_steps=10, anneal_strategy="linear")
        >>> round(float(m(0)), 6)
        0.95
    """
    op = "one_cycle_momentum"
    total, phases = _one_cycle_phases(
        op, total_steps, epochs, steps_per_epoch, pct_start, anneal_strategy, three_phase
    )
    lo, hi = float(base_momentum), float(max_momentum)
    points = [(hi, lo), (lo, hi), (hi, hi)] if three_phase else [(hi, lo), (lo, hi)]
    value = _one_cycle_value(total, phases, points, anneal_strategy)
    return _absolute("OneCycleLR(momentum)", hi, value, max_count=total)


# --------------------------------------------------------------------------------------------
# Composition.
# --------------------------------------------------------------------------------------------


def _check_schedules(op: str, schedules: Sequence[Any]) -> list[TorchSchedule]:
    schedules = list(schedules)
    if not schedules:
        raise InvalidArgumentError(f"{op}: expects at least one schedule, but got none")
    for i, s in enumerate(schedules):
        if not isinstance(s, TorchSchedule):
            raise ArgumentTypeError(
                f"{op}: schedules[{i}] must be a schedule built by rustorch_fx.optim "
                f"(step_lr, cosine_annealing_lr, ...), got {type(s).__name__}"
            )
    base = schedules[0].base_lr
    for i, s in enumerate(schedules):
        if s.base_lr != base:
            raise InvalidArgumentError(
                f"{op}: schedules drive one optimizer group, so they must share base_lr; "
                f"schedules[0] has {base}, schedules[{i}] has {s.base_lr}"
            )
    return schedules


def chained_scheduler(schedules: Sequence[TorchSchedule]) -> TorchSchedule:
    """``torch.optim.lr_scheduler.ChainedScheduler``: every schedule steps the same lr in turn.

    Each step applies each schedule's *chainable* update (torch's ``get_lr``, which rescales
    the current learning rate) in order. For the multiplicative schedules (StepLR,
    MultiStepLR, ConstantLR, LinearLR, ExponentialLR, PolynomialLR) that is the product of
    their factors, in closed form. Other chains keep torch's quirks and are run recursively
    (see this module's notes on cost and precision): a schedule that sets
    the lr outright (LambdaLR, CyclicLR, OneCycleLR, CosineAnnealingWarmRestarts) erases the
    factors of the schedules before it, and CosineAnnealingLR's restart step adds
    ``base_lr``'s cosine increment to whatever the chain's lr is.

    Args:
        schedules: The schedules, in torch's order; they must share ``base_lr``.

    Returns:
        The chained schedule.

    Raises:
        InvalidArgumentError: If ``schedules`` is empty or their ``base_lr`` differ.
        ArgumentTypeError: If an entry is not a :class:`TorchSchedule`.

    Example:
        >>> sched = chained_scheduler([constant_lr(1.0, 0.5, 2), exponential_lr(1.0, 0.9)])
        >>> round(float(sched(3)), 6)
        0.729
    """
    subs = _check_schedules("chained_scheduler", schedules)
    base = subs[0].base_lr

    def step(lr: Any, t: Any, xp: _Xp) -> Any:
        for s in subs:
            lr = s._step(lr, t, xp)
        return lr

    if all(s._factor is not None for s in subs):
        factors = [s._factor for s in subs]

        def factor(t: Any, xp: _Xp) -> Any:
            out = factors[0](t, xp)
            for f in factors[1:]:
                out = out * f(t, xp)
            return out

        return TorchSchedule(
            "ChainedScheduler", base, lambda t, xp: base * factor(t, xp), step, factor=factor
        )
    return TorchSchedule("ChainedScheduler", base, None, step)


def sequential_lr(schedules: Sequence[TorchSchedule], milestones: Sequence[int]) -> TorchSchedule:
    """``torch.optim.lr_scheduler.SequentialLR``: switch schedule at each milestone.

    At milestone ``m_i``, schedule ``i`` restarts from its own step 0 (torch calls its
    closed form at epoch 0, or ``get_lr`` where there is none) and runs on its local count
    ``t - m_i``. For every schedule but :func:`multiplicative_lr` this is
    ``schedules[i](t - m_i)``, in closed form; a multiplicative one restarts from the previous
    schedule's lr times ``lr_lambda(0)`` (torch's quirk), computed recursively. As in torch,
    ``schedules[bisect_right(milestones, 0)]`` makes the initial step. Nesting a chained or
    sequential schedule inside a sequence is not supported (torch's ChainedScheduler has no
    ``get_lr`` to restart with).

    Args:
        schedules: The schedules, sharing ``base_lr``.
        milestones: ``len(schedules) - 1`` step indices.

    Returns:
        The sequenced schedule.

    Raises:
        InvalidArgumentError: If the lengths do not match (torch's message), ``base_lr``
            differ, or a schedule is itself chained/sequential.

    Example:
        >>> warm = linear_lr(1.0, start_factor=0.5, total_iters=2)
        >>> sched = sequential_lr([warm, exponential_lr(1.0, 0.5)], milestones=[2])
        >>> [float(sched(t)) for t in range(5)]
        [0.5, 0.75, 1.0, 0.5, 0.25]
    """
    op = "sequential_lr"
    subs = _check_schedules(op, schedules)
    if not all(is_int(m) for m in milestones):
        raise ArgumentTypeError(f"{op}: milestones must be ints, got {list(milestones)!r}")
    ms = [int(m) for m in milestones]
    if len(ms) != len(subs) - 1:
        raise InvalidArgumentError(
            f"{op}: Sequential Schedulers expects number of schedulers provided to be one more "
            f"than the number of milestone points, but got number of schedulers {len(subs)} and "
            f"the number of milestones to be equal to {len(ms)}"
        )
    for i, s in enumerate(subs):
        if s.torch_name in ("ChainedScheduler", "SequentialLR"):
            raise InvalidArgumentError(
                f"{op}: schedules[{i}] is a {s.torch_name}, which torch's SequentialLR cannot "
                "restart (it has no get_lr); sequence its parts instead"
            )
    base = subs[0].base_lr
    first = bisect.bisect_right(ms, 0)
    starts = [0, *ms]
    ms_np = np.asarray(ms, np.int32)

    def step(lr: Any, t: Any, xp: _Xp) -> Any:
        if xp is np:
            if t == 0:
                return subs[first]._step(np.float64(base), 0, np)
            idx = bisect.bisect_right(ms, t)
            if idx > 0 and ms[idx - 1] == t:
                return subs[idx]._restart(lr, np)
            return subs[idx]._step(lr, t - starts[idx], np)
        idx = jnp.searchsorted(ms_np, t, side="right")
        out = subs[first]._step(jnp.asarray(base), 0, jnp)
        for i, s in enumerate(subs):
            local = jnp.maximum(t - starts[i], 0)
            v = s._step(lr, local, jnp)
            if i > 0:
                v = jnp.where(t == ms[i - 1], s._restart(lr, jnp), v)
            out = jnp.where((idx == i) & (t > 0), v, out)
        return out

    if all(s._restartable for s in subs):

        def value(t: Any, xp: _Xp) -> Any:
            idx = xp.searchsorted(ms_np, t, side="right")
            out = subs[0]._value(xp.maximum(t, 0), xp)
            for i, s in enumerate(subs[1:], start=1):
                out = xp.where(idx == i, s._value(xp.maximum(t - starts[i], 0), xp), out)
            return out

        return TorchSchedule("SequentialLR", base, value, step)
    return TorchSchedule("SequentialLR", base, None, step)
