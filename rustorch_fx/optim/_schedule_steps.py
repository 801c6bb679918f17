"""One step of a torch LR scheduler at a time, on the host: the stateful form of the schedules.

The schedules of :mod:`rustorch_fx.optim` (``step_lr``, ``cosine_annealing_lr``, ...) are
functions of the step count. A stateful scheduler such as ``compat.optim.lr_scheduler.StepLR``
instead does what torch's ``scheduler.step()`` does: it reads the learning rate currently in
the optimizer's group and rescales it (torch's *chainable* ``get_lr``), so that two schedulers
on one optimizer, or a learning rate edited by hand, compose exactly as in torch. These
functions give that one step, and torch's closed forms (``_get_closed_form_lr``, used by the
deprecated ``step(epoch)`` and by ``SequentialLR`` at a milestone), in float64 Python
arithmetic like torch's own. They are host functions (Python floats in, a Python float out):
a schedule of a traced count is the :class:`~rustorch_fx.optim.TorchSchedule` itself.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rustorch_fx._checks import is_int
from rustorch_fx.errors import ArgumentTypeError, InvalidArgumentError
from rustorch_fx.optim._schedules import TorchSchedule

__all__ = [
    "chainable_lr",
    "closed_form_lr",
    "cosine_annealing_value",
    "warm_restarts_position",
]


def _check(op: str, schedule: Any, epoch: Any) -> None:
    if not isinstance(schedule, TorchSchedule):
        raise ArgumentTypeError(
            f"{op}: schedule must be a TorchSchedule (step_lr, cosine_annealing_lr, ...), "
            f"got {type(schedule).__name__}"
        )
    if not is_int(epoch):
        raise ArgumentTypeError(f"{op}: epoch must be an int, got {type(epoch).__name__}")
    if epoch < 0:
        raise InvalidArgumentError(f"{op}: epoch must be >= 0, got {epoch}")


def chainable_lr(schedule: TorchSchedule, lr: float, epoch: int, restart: bool = False) -> float:
    """Torch's recursive ``get_lr()`` for one parameter group: the lr after step ``epoch``.

    ``lr`` is the learning rate currently in the group (whatever earlier steps, other
    schedulers or the user left there); the result is what torch's scheduler writes into the
    group when its ``last_epoch`` becomes ``epoch``. Multiplicative schedules rescale ``lr``
    (``StepLR`` multiplies it by ``gamma`` at each period); schedules that set the learning
    rate outright (``LambdaLR``, ``CyclicLR``, ``OneCycleLR``) ignore it. Running it for
    ``epoch = 0, 1, ..., t`` from ``schedule.base_lr`` gives ``schedule(t)``.

    Args:
        schedule: The group's schedule, built with the group's ``initial_lr`` as ``base_lr``.
        lr: The group's current learning rate.
        epoch: The scheduler's new ``last_epoch`` (``0`` for the step made at construction).
        restart: The step is ``SequentialLR``'s restart of this schedule at a milestone
            (torch's ``_update_lr(0)`` outside the constructor): the closed form at epoch 0,
            or for ``MultiplicativeLR`` (which has none) ``lr * lr_lambda(0)``.

    Returns:
        The new learning rate, a Python float.

    Raises:
        ArgumentTypeError: If ``schedule`` is not a :class:`TorchSchedule` or ``epoch`` is
            not an int.
        InvalidArgumentError: If ``epoch < 0``.

    Example:
        >>> from rustorch_fx.optim import step_lr
        >>> sched = step_lr(1.0, step_size=2, gamma=0.5)
        >>> chainable_lr(sched, 0.3, 2)  # a hand-edited lr is rescaled, not replaced
        0.15
    """
    _check("chainable_lr", schedule, epoch)
    # np.where evaluates the branches torch does not take, which may divide by zero.
    with np.errstate(all="ignore"):
        if restart and schedule._restart is not None:
            return float(schedule._restart(np.float64(lr), np))
        return float(schedule._step(np.float64(lr), np.int64(epoch), np))


def closed_form_lr(schedule: TorchSchedule, epoch: int) -> float:
    """Torch's closed form (``_get_closed_form_lr``) of a schedule at ``epoch``.

    At ``epoch = 0`` this is the value torch's ``SequentialLR`` restarts a scheduler with at
    its milestone; at any epoch, what the deprecated ``scheduler.step(epoch)`` sets. Only
    schedules torch gives a closed form have one here (``StepLR``, ``MultiStepLR``,
    ``ConstantLR``, ``LinearLR``, ``ExponentialLR``, ``PolynomialLR``, ``CosineAnnealingLR``,
    and the schedules that set the lr outright); the values are the recursion's, which equal
    torch's closed form except for ``ConstantLR`` with ``total_iters=0`` at ``epoch > 0``
    (``base_lr * factor`` here, ``base_lr`` in torch) and ``LinearLR``/``PolynomialLR`` with
    ``total_iters=0`` (torch divides by zero).

    Args:
        schedule: The group's schedule.
        epoch: The epoch.

    Returns:
        The learning rate, a Python float.

    Raises:
        ArgumentTypeError: For a bad ``schedule`` or ``epoch`` type.
        InvalidArgumentError: If ``epoch < 0`` or the schedule has no closed form
            (``MultiplicativeLR``, chains).

    Example:
        >>> from rustorch_fx.optim import exponential_lr
        >>> closed_form_lr(exponential_lr(1.0, gamma=0.5), 3)
        0.125
    """
    _check("closed_form_lr", schedule, epoch)
    with np.errstate(all="ignore"):
        if epoch == 0 and schedule._restart is not None and schedule._value is not None:
            return float(schedule._restart(np.float64(schedule.base_lr), np))
        if schedule._value is None:
            raise InvalidArgumentError(
                f"closed_form_lr: {schedule.torch_name} has no closed form (torch uses its "
                "recursive get_lr instead)"
            )
        return float(schedule._value(int(epoch), np))


def cosine_annealing_value(base_lr: float, eta_min: float, t_cur: float, t_i: float) -> float:
    """``eta_min + (base_lr - eta_min) * (1 + cos(pi * t_cur / t_i)) / 2``, without cancellation.

    The learning rate of ``CosineAnnealingWarmRestarts`` at position ``t_cur`` of a cycle of
    length ``t_i`` (both may be fractional, as with torch's ``step(epoch)`` for a float
    epoch). ``1 + cos(x)`` is computed as ``2 * sin((pi - x) / 2) ** 2``, which keeps full
    relative precision near the minimum.

    Args:
        base_lr: The group's initial learning rate (the maximum).
        eta_min: The minimum learning rate.
        t_cur: Steps since the last restart.
        t_i: Length of the current cycle (> 0).

    Returns:
        The learning rate, a Python float.

    Raises:
        InvalidArgumentError: If ``t_i <= 0``.

    Example:
        >>> cosine_annealing_value(1.0, 0.0, 1, 2)
        0.4999999999999999
    """
    if not t_i > 0:
        raise InvalidArgumentError(f"cosine_annealing_value: t_i must be > 0, got {t_i}")
    s = math.sin(math.pi * (t_i - t_cur) / (2.0 * t_i))
    return float(eta_min + (base_lr - eta_min) * (s * s))


def warm_restarts_position(epoch: float, T_0: int, T_mult: int) -> tuple[float, float]:
    """Position in the SGDR cycle of an absolute ``epoch``: ``(T_cur, T_i)``, as torch's ``step(epoch)``.

    ``CosineAnnealingWarmRestarts.step(epoch)`` places a (possibly fractional) epoch in its
    cycle: with ``T_mult == 1`` the cycle is ``epoch mod T_0``; otherwise cycle ``n`` (from 0)
    starts at ``T_0 * (T_mult ** n - 1) / (T_mult - 1)`` and lasts ``T_0 * T_mult ** n``.
    ``n`` is found with torch's floating-point logarithm, so the result equals torch's.

    Args:
        epoch: The epoch, ``>= 0`` (an int or a float).
        T_0: Length of the first cycle (>= 1).
        T_mult: Growth factor of the cycle length (>= 1).

    Returns:
        ``(T_cur, T_i)``: steps since the start of the cycle, and its length.

    Raises:
        InvalidArgumentError: If ``epoch < 0`` (torch's message).

    Example:
        >>> warm_restarts_position(7, T_0=2, T_mult=2)
        (1.0, 8)
    """
    if epoch < 0:
        raise InvalidArgumentError(
            f"warm_restarts_position: Expected non-negative epoch, but got {epoch}"
        )
    if epoch < T_0:
        return epoch, T_0
    if T_mult == 1:
        return epoch % T_0, T_0
    n = int(math.log(epoch / T_0 * (T_mult - 1) + 1, T_mult))
    return epoch - T_0 * (T_mult**n - 1) / (T_mult - 1), T_0 * T_mult**n
