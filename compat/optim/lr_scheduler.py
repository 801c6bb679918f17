"""``torch.optim.lr_scheduler``: stateful learning-rate schedulers over an optimizer's groups.

Each scheduler behaves as torch's: building it makes the initial step (``last_epoch`` goes
from -1 to 0 and the groups' ``lr`` is set), writes ``initial_lr`` into each group, and every
``step()`` reads the learning rate currently in each group and rescales it (torch's recursive
*chainable* ``get_lr``), so that two schedulers on one optimizer, ``ChainedScheduler``,
``SequentialLR`` and learning rates edited by hand compose exactly as in torch.
``state_dict()`` holds torch's keys (lambdas excluded, as torch does), so a compat scheduler's
state loads into torch's scheduler and the reverse.

The arithmetic of each step is rustorch_fx's: every group gets a
:class:`rustorch_fx.optim.TorchSchedule` (``step_lr``, ``cosine_annealing_lr``, ...) with its
``initial_lr`` as ``base_lr``, advanced one step at a time by
:func:`rustorch_fx.optim.chainable_lr` (the closed forms by ``closed_form_lr``), and
``ReduceLROnPlateau`` runs :func:`rustorch_fx.optim.reduce_lr_on_plateau`'s state machine.
This module holds the state and torch's control flow only.

Any object with torch's ``param_groups`` (a list of dicts holding ``"lr"``) and, for
``CyclicLR``/``OneCycleLR`` with ``cycle_momentum``, ``defaults`` can be scheduled.
"""

from __future__ import annotations

import math
import types
import warnings
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any, SupportsFloat

import numpy as np

from compat._tensor import Tensor
from rustorch_fx.errors import ArgumentTypeError, InvalidArgumentError, OptimizerError
from rustorch_fx.optim import (
    PlateauState,
    TorchSchedule,
    chainable_lr,
    closed_form_lr,
    constant_lr,
    cosine_annealing_lr,
    cosine_annealing_value,
    cyclic_lr,
    cyclic_momentum,
    exponential_lr,
    lambda_lr,
    linear_lr,
    multi_step_lr,
    multiplicative_lr,
    one_cycle_lr,
    one_cycle_momentum,
    polynomial_lr,
    reduce_lr_on_plateau,
    step_lr,
    warm_restarts_position,
)

__all__ = [
    "ChainedScheduler",
    "ConstantLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "CyclicLR",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "MultiplicativeLR",
    "OneCycleLR",
    "PolynomialLR",
    "ReduceLROnPlateau",
    "SequentialLR",
    "StepLR",
]

EPOCH_DEPRECATION_WARNING = (
    "The epoch parameter in `scheduler.step()` was not necessary and is being "
    "deprecated where possible. Please use `scheduler.step()` to step the "
    "scheduler. During the deprecation, if epoch is different from None, the "
    "closed form is used instead of the new chainable form, where available. "
    "Please open an issue if you are unable to replicate your use case: "
    "https://github.com/pytorch/pytorch/issues/new/choose."
)

# Attributes that are not state (torch's state_dict is the scheduler's __dict__ without them).
_NOT_STATE = ("optimizer", "_fx", "_fx_args")


def _vals(groups: list[dict[str, Any]], key: str) -> list[Any]:
    """Each group's ``key`` (tensors cloned, as torch's ``_param_groups_val_list``)."""
    return [g[key].clone() if isinstance(g[key], Tensor) else g[key] for g in groups]


def _set_val(group: dict[str, Any], key: str, value: Any) -> None:
    """Write a hyperparameter: in place into a tensor-valued one, as torch does."""
    if isinstance(group[key], Tensor):
        group[key].fill_(float(value))
    else:
        group[key] = value


def _check_optimizer(optimizer: Any) -> None:
    groups = getattr(optimizer, "param_groups", None)
    if not isinstance(groups, list) or not all(isinstance(g, dict) and "lr" in g for g in groups):
        raise ArgumentTypeError(f"{type(optimizer).__name__} is not an Optimizer")


def _format_param(name: str, optimizer: Any, param: Any) -> list[Any]:
    """One value per group: ``param`` repeated, or a list checked against the group count."""
    n = len(optimizer.param_groups)
    if isinstance(param, (list, tuple)):
        if len(param) != n:
            raise InvalidArgumentError(
                f"{name} must have the same length as optimizer.param_groups. "
                f"{name} has {len(param)} values, param_groups has {n}."
            )
        return list(param)
    return [param] * n


def _lambdas(optimizer: Any, lr_lambda: Any) -> list[Callable[[int], float]]:
    n = len(optimizer.param_groups)
    if isinstance(lr_lambda, (list, tuple)):
        if len(lr_lambda) != n:
            raise InvalidArgumentError(f"Expected {n} lr_lambdas, but got {len(lr_lambda)}")
        fns = list(lr_lambda)
    else:
        fns = [lr_lambda] * n
    for fn in fns:
        if not callable(fn):
            raise ArgumentTypeError(f"lr_lambda should be a function, but got {type(fn).__name__}")
    return fns


def _warn_get_lr_called_within_step(scheduler: LRScheduler) -> None:
    if not scheduler._get_lr_called_within_step:
        warnings.warn(
            "To get the last learning rate computed by the scheduler, please use `get_last_lr()`.",
            UserWarning,
            stacklevel=3,
        )


def _set_momentum(group: dict[str, Any], use_beta1: bool, momentum: float) -> None:
    if use_beta1:
        group["betas"] = (momentum, *group["betas"][1:])
    else:
        group["momentum"] = momentum


def _momentum_of(group: dict[str, Any], use_beta1: bool) -> float:
    return group["betas"][0] if use_beta1 else group["momentum"]


def _init_momentum(
    optimizer: Any, base_momentum: Any, max_momentum: Any, last_epoch: int
) -> tuple[bool, list[Any], list[Any]]:
    """Torch's cycle_momentum setup: ``(use_beta1, base_momentums, max_momentums)``."""
    defaults = getattr(optimizer, "defaults", {})
    if "momentum" not in defaults and "betas" not in defaults:
        raise InvalidArgumentError(
            "optimizer must support momentum or beta1 with `cycle_momentum` option enabled"
        )
    use_beta1 = "betas" in defaults
    bases = _format_param("base_momentum", optimizer, base_momentum)
    maxes = _format_param("max_momentum", optimizer, max_momentum)
    if last_epoch == -1:
        for hi, lo, group in zip(maxes, bases, optimizer.param_groups, strict=True):
            _set_momentum(group, use_beta1, hi)
            group["max_momentum"] = hi
            group["base_momentum"] = lo
    return use_beta1, bases, maxes


class LRScheduler:
    """Base class of the schedulers: torch's ``torch.optim.lr_scheduler.LRScheduler``.

    Subclasses give each group a rustorch_fx schedule (``_schedule``) and override
    ``get_lr``; the base class holds ``last_epoch``, ``base_lrs``, ``_last_lr`` and
    ``_step_count`` and writes the new learning rates into the groups.

    Args:
        optimizer: The optimizer (anything with torch's ``param_groups``).
        last_epoch: Index of the last epoch; ``-1`` starts afresh and writes ``initial_lr``
            into each group, ``>= 0`` resumes and requires ``initial_lr`` in every group.

    Raises:
        ArgumentTypeError: If ``optimizer`` has no ``param_groups`` (torch's ``TypeError``).
        OptimizerError: When resuming (``last_epoch >= 0``) without ``initial_lr`` in a group.

    Example:
        >>> import compat
        >>> from compat.optim.lr_scheduler import StepLR
        >>> opt = compat.optim.SGD([compat.zeros(2, requires_grad=True)], lr=0.1)
        >>> sched = StepLR(opt, step_size=2, gamma=0.5)
        >>> for _ in range(2):
        ...     opt.step()
        ...     sched.step()
        >>> sched.get_last_lr()
        [0.05]
    """

    _get_lr_called_within_step: bool = False
    _is_initial: bool = False
    # Whether torch's get_lr returns the current lr in the constructor's step at epoch > 0.
    _initial_keeps_lr: bool = False

    def __init__(self, optimizer: Any, last_epoch: int = -1) -> None:
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                lr = group["lr"]
                group.setdefault("initial_lr", lr.clone() if isinstance(lr, Tensor) else lr)
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise OptimizerError(
                        f"param 'initial_lr' is not specified in param_groups[{i}] when "
                        "resuming scheduler with last_epoch >= 0 (load the optimizer's state "
                        "first, or use last_epoch=-1 for a fresh run)"
                    )
        self.base_lrs: list[Any] = _vals(optimizer.param_groups, "initial_lr")
        self.last_epoch = last_epoch
        self._initial_step()

    # -- rustorch_fx schedules ------------------------------------------------------------

    def _schedule(self, i: int, base_lr: float) -> TorchSchedule:
        """The rustorch_fx schedule of group ``i`` (subclasses)."""
        raise OptimizerError(f"{type(self).__name__} has no per-group schedule")

    def _schedule_key(self) -> Any:
        """The hyperparameters ``_schedule`` depends on, besides ``base_lrs``."""
        return ()

    def _cached(self, slot: str, key: Any, build: Callable[[], Any]) -> Any:
        """``build()``, rebuilt only when ``key`` (the hyperparameters it reads) changes."""
        cache = self.__dict__.setdefault("_fx", {})
        hit = cache.get(slot)
        if hit is None or hit[0] != key:
            hit = cache[slot] = (key, build())
        return hit[1]

    def _schedules(self) -> list[TorchSchedule]:
        bases = [float(b) for b in self.base_lrs]
        key = (tuple(bases), self._schedule_key())
        return self._cached("lr", key, lambda: [self._schedule(i, b) for i, b in enumerate(bases)])

    def _chainable(self, restart: bool = False) -> list[float]:
        groups = self.optimizer.param_groups
        if self._is_initial and self.last_epoch > 0 and self._initial_keeps_lr:
            return _vals(groups, "lr")
        return [
            chainable_lr(s, float(group["lr"]), self.last_epoch, restart=restart)
            for s, group in zip(self._schedules(), groups, strict=True)
        ]

    # -- torch's API ------------------------------------------------------------------------

    def _initial_step(self) -> None:
        """The step made at construction (``last_epoch`` -1 -> 0)."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's state: every attribute except the optimizer (torch's keys).

        Returns:
            A dict of plain Python values, loadable by this class and by torch's.
        """
        return {k: v for k, v in self.__dict__.items() if k not in _NOT_STATE}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state from :meth:`state_dict` (this library's or torch's).

        Args:
            state_dict: The state.
        """
        self.__dict__.update(state_dict)
        self.__dict__.pop("_fx", None)

    def get_last_lr(self) -> list[float]:
        """The learning rates the last ``step()`` set, one per group.

        Returns:
            A list of floats.
        """
        return self._last_lr

    def get_lr(self) -> list[float]:
        """The learning rates of the current ``last_epoch`` (torch's chainable form).

        Returns:
            A list of floats, one per group.
        """
        _warn_get_lr_called_within_step(self)
        return self._chainable()

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch (or, deprecated, jump to ``epoch``) and update the groups' lr.

        Args:
            epoch: Deprecated (warns, as torch): set ``last_epoch = epoch`` and use the
                closed form where the scheduler has one.
        """
        self._step_count += 1
        if epoch is not None:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        self._get_lr_called_within_step = True
        try:
            if epoch is None:
                self.last_epoch += 1
                values = self.get_lr()
            else:
                self.last_epoch = epoch
                closed = getattr(self, "_get_closed_form_lr", None)
                values = closed() if closed is not None else self.get_lr()
        finally:
            self._get_lr_called_within_step = False
        for group, lr in zip(self.optimizer.param_groups, values, strict=True):
            _set_val(group, "lr", lr)
        self._last_lr = _vals(self.optimizer.param_groups, "lr")


class _LRScheduler(LRScheduler):
    """Deprecated alias of :class:`LRScheduler` (torch keeps it for old subclasses)."""


class _ClosedForm:
    """Mixin: torch's ``_get_closed_form_lr`` for the schedules that have one."""

    def _get_closed_form_lr(self: Any) -> list[float]:
        return [closed_form_lr(s, self.last_epoch) for s in self._schedules()]


class _LambdaState:
    """Mixin: torch's state_dict for the lambda schedulers (functions are not saved)."""

    def state_dict(self: Any) -> dict[str, Any]:
        state = {k: v for k, v in self.__dict__.items() if k not in (*_NOT_STATE, "lr_lambdas")}
        state["lr_lambdas"] = [
            None if isinstance(fn, types.FunctionType) else fn.__dict__.copy()
            for fn in self.lr_lambdas
        ]
        return state

    def load_state_dict(self: Any, state_dict: dict[str, Any]) -> None:
        state = dict(state_dict)
        fns = state.pop("lr_lambdas")
        self.__dict__.update(state)
        self.__dict__.pop("_fx", None)
        for own, saved in zip(self.lr_lambdas, fns, strict=False):
            if saved is not None:
                own.__dict__.update(saved)


class LambdaLR(_LambdaState, LRScheduler):
    """Set each group's lr to ``initial_lr * lr_lambda(epoch)``.

    Args:
        optimizer: The optimizer.
        lr_lambda: A function of the epoch, or one per group.
        last_epoch: As in :class:`LRScheduler`.

    Raises:
        InvalidArgumentError: If a list of lambdas does not match the group count.
        ArgumentTypeError: If a lambda is not callable.

    Example:
        >>> sched = LambdaLR(opt, lr_lambda=lambda epoch: 0.95**epoch)
    """

    def __init__(self, optimizer: Any, lr_lambda: Any, last_epoch: int = -1) -> None:
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        self.lr_lambdas = _lambdas(optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def _schedule(self, i: int, base_lr: float) -> TorchSchedule:
        return lambda_lr(base_lr, self.lr_lambdas[i])

    def _schedule_key(self) -> Any:
        return tuple(id(fn) for fn in self.lr_lambdas)


class MultiplicativeLR(_LambdaState, LRScheduler):
    """Multiply each group's lr by ``lr_lambda(epoch)`` at every step.

    Args:
        optimizer: The optimizer.
        lr_lambda: A function of the epoch giving the factor, or one per group.
        last_epoch: As in :class:`LRScheduler`.

    Raises:
        InvalidArgumentError: If a list of lambdas does not match the group count.
        ArgumentTypeError: If a lambda is not callable (torch's ``TypeError``).

    Example:
        >>> sched = MultiplicativeLR(opt, lr_lambda=lambda epoch: 0.95)
    """

    _initial_keeps_lr = True

    def __init__(self, optimizer: Any, lr_lambda: Any, last_epoch: int = -1) -> None:
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        self.lr_lambdas = _lambdas(optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def _schedule(self, i: int, base_lr: float) -> TorchSchedule:
        return multiplicative_lr(base_lr, self.lr_lambdas[i])

    def _schedule_key(self) -> Any:
        return tuple(id(fn) for fn in self.lr_lambdas)

    def get_lr(self) -> list[float]:
        """Torch's ``get_lr``: ``lr * lr_lambda(epoch)`` (the current lr when constructing).

        Returns:
            A list of floats, one per group.
        """
        _warn_get_lr_called_within_step(self)
        if self._is_initial:
            return _vals(self.optimizer.param_groups, "lr")
        # At epoch 0 outside the constructor (SequentialLR's restart) torch multiplies too.
        return self._chainable(restart=self.last_epoch == 0)


class StepLR(_ClosedForm, LRScheduler):
    """Decay each group's lr by ``gamma`` every ``step_size`` epochs.

    Args:
        optimizer: The optimizer.
        step_size: Period of the decay.
        gamma: Multiplicative factor.
        last_epoch: As in :class:`LRScheduler`.

    Example:
        >>> sched = StepLR(opt, step_size=30, gamma=0.1)
    """

    def __init__(
        self, optimizer: Any, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def _schedule(self, i: int, base_lr: float) -> TorchSchedule:
        return step_lr(base_lr, self.step_size, self.gamma)

    def _schedule_key(self) -> Any:
        return (self.step_size, self.gamma)


class MultiStepLR(_ClosedForm, LRScheduler):
    """Decay each group's lr by ``gamma`` at each milestone (twice for a repeated one).

    Args:
        optimizer: The optimizer.
        milestones: Epoch indices.
        gamma: Multiplicative factor.
        last_epoch: As in :class:`LRScheduler`.

    Example:
        >>> sched = MultiStepLR(opt, milestones=[30, 80], gamma=0.1)
    """

    def __init__(
        self,
        optimizer: Any,
        milestones: Iterable[int],
        gamma: float = 0.1,
        last_epoch: int = -1,
    ) -> None:
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def _schedule(self, i: int, base_lr: float) -> TorchSchedule:
        return multi_step_lr(base_lr, sorted(self.milestones.elements()), self.gamma)

    def _schedule_key(self) -> Any:
        return (tuple(sorted(self.milestones.elements())), self.gamma)


class ConstantLR(_ClosedForm, LRScheduler):
    """Multiply each group's lr by ``factor`` until epoch ``total_iters``.

    Args:
        optimizer: The optimizer.
        factor: The factor, in [0, 1].
        total_iters: Number of epochs with the reduced lr.
        last_epoch: As in :class:`LRScheduler`.

    Raises:
        InvalidArgumentError: If ``factor`` is outside [0, 1] (torch's message).

    Example:
        >>> sched = ConstantLR(opt, factor=0.5, total_iters=4)
    """

    def __init__(
        self,
        optimizer: Any,
        factor: float = 1.0 / 3,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        if factor > 1.0 or factor < 0:
            raise InvalidArgumentError(
                "Constant multiplicative factor expected to be between 0 and 1."
            )
        self.factor = factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def _schedule(self, i: int, base_lr: float) -> TorchSchedule:
        return constant_lr(base_lr, self.factor, self.total_iters)

    def _schedule_key(self) -> Any:
        return (self.factor, self.total_iters)


class LinearLR(_ClosedForm, LRScheduler):
    """Ramp each group's lr factor linearly from ``start_factor`` to ``end_factor``.

    Args:
        optimizer: The optimizer.
        start_factor: Factor at epoch 0, in (0, 1].
        end_factor: Factor from ``total_iters`` on, in [0, 1].
        total_iters: Length of the ramp.
        last_epoch: As in :class:`LRScheduler`.

    Raises:
        InvalidArgumentError: For factors outside their ranges (torch's messages).

    Example:
        >>> sched = LinearLR(opt, start_factor=0.5, total_iters=4)
    """

    _initial_keeps_lr = True

    def __init__(
        self,
        optimizer: Any,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        if start_factor > 1.0 or start_factor <= 0:
            raise InvalidArgumentError(
                "Starting multiplicative factor expected to be greater than 0 and less or "
                "equal to 1."
            )
        if end_factor > 1.0 or end_factor < 0:
            raise InvalidArgumentError(
                "Ending multiplicative factor expected to be between 0 and 1."
            )
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def _schedule(self, i: int, base_lr: float) -> TorchSchedule:
        return linear_lr(base_lr, self.start_factor, self.end_factor, self.total_iters)

    def _schedule_key(self) -> Any:
        return (self.start_factor, self.end_factor, self.total_iters)


class ExponentialLR(_ClosedForm, LRScheduler):
    """Multiply each group's lr by ``gamma`` every epoch.

    Args:
        optimizer: The optimizer.
        gamma: Multiplicative factor.
        last_epoch: As in :class:`LRScheduler`.

    Example:
        >>> sched = ExponentialLR(opt, gamma=0.9)
    """

    _initial_keeps_lr = True

    def __init__(self, optimizer: Any, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def _schedule(self, i: int, base_lr: float) -> TorchSchedule:
        return exponential_lr(base_lr, self.gamma)

    def _schedule_key(self) -> Any:
        return (self.gamma,)


class PolynomialLR(_ClosedForm, LRScheduler):
    """Decay each group's lr polynomially to 0 over ``total_iters`` epochs.

    Args:
        optimizer: The optimizer.
        total_iters: Number of decay epochs.
        power: Power of the polynomial.
        last_epoch: As in :class:`LRScheduler`.

    Example:
        >>> sched = PolynomialLR(opt, total_iters=4, power=2.0)
    """

    _initial_keeps_lr = True

    def __init__(
        self, optimizer: Any, total_iters: int = 5, power: float = 1.0, last_epoch: int = -1
    ) -> None:
        self.total_iters = total_iters
        self.power = power
        super().__init__(optimizer, last_epoch)

    def _schedule(self, i: int, base_lr: float) -> TorchSchedule:
        return polynomial_lr(base_lr, self.total_iters, self.power)

    def _schedule_key(self) -> Any:
        return (self.total_iters, self.power)


class CosineAnnealingLR(_ClosedForm, LRScheduler):
    """Cosine annealing of each group's lr to ``eta_min`` over ``T_max`` epochs (periodic after).

    Args:
        optimizer: The optimizer.
        T_max: Half period, in epochs.
        eta_min: Minimum learning rate.
        last_epoch: As in :class:`LRScheduler`.

    Raises:
        InvalidArgumentError: If ``T_max < 1`` (torch divides by zero at its first step).

    Example:
        >>> sched = CosineAnnealingLR(opt, T_max=100)
    """

    _initial_keeps_lr = True

    def __init__(
        self, optimizer: Any, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def _schedule(self, i: int, base_lr: float) -> TorchSchedule:
        return cosine_annealing_lr(base_lr, self.T_max, self.eta_min)

    def _schedule_key(self) -> Any:
        return (self.T_max, self.eta_min)

    def get_lr(self) -> list[float]:
        """Torch's ``get_lr`` (its closed form on the first step after resuming).

        Returns:
            A list of floats, one per group.
        """
        _warn_get_lr_called_within_step(self)
        if not self._is_initial and self._step_count == 1 and self.last_epoch > 0:
            return self._get_closed_form_lr()
        return self._chainable()


class SequentialLR(LRScheduler):
    """Run ``schedulers[i]`` from ``milestones[i - 1]`` on, restarting it at its milestone.

    Args:
        optimizer: The optimizer every scheduler drives.
        schedulers: The schedulers, already built on ``optimizer``.
        milestones: ``len(schedulers) - 1`` epoch indices.
        last_epoch: As in :class:`LRScheduler`.

    Raises:
        InvalidArgumentError: For no schedulers, a ReduceLROnPlateau, a scheduler of another
            optimizer, or a milestone count that does not match (torch's messages).
        ArgumentTypeError: If an entry has no ``optimizer``.

    Example:
        >>> warmup = LinearLR(opt, start_factor=0.1, total_iters=5)
        >>> decay = ExponentialLR(opt, gamma=0.9)
        >>> sched = SequentialLR(opt, [warmup, decay], milestones=[5])
    """

    def __init__(
        self,
        optimizer: Any,
        schedulers: list[LRScheduler],
        milestones: list[int],
        last_epoch: int = -1,
    ) -> None:
        name = type(self).__name__
        _check_schedulers(name, schedulers, optimizer)
        if len(milestones) != len(schedulers) - 1:
            raise InvalidArgumentError(
                "Sequential Schedulers expects number of schedulers provided to be one more "
                f"than the number of milestone points, but got number of schedulers "
                f"{len(schedulers)} and the number of milestones to be equal to "
                f"{len(milestones)}"
            )
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            _set_val(group, "lr", group["initial_lr"])
        self.recursive_undo()
        idx = bisect_right(self._milestones, 0)
        self._schedulers[idx]._initial_step()
        self._last_lr = schedulers[idx].get_last_lr()

    def recursive_undo(self, sched: Any = None) -> None:
        """Undo the initial step of every nested scheduler (``last_epoch -= 1``).

        Args:
            sched: The scheduler to undo (default: this one's schedulers, recursively).
        """
        scheds = self if sched is None else sched
        if hasattr(scheds, "_schedulers"):
            for s in scheds._schedulers:
                self.recursive_undo(s)
        elif hasattr(scheds, "last_epoch"):
            scheds.last_epoch -= 1

    def step(self) -> None:  # type: ignore[override]
        """Step the scheduler of the current epoch (restarting it at its milestone)."""
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self) -> dict[str, Any]:
        """Torch's state: this scheduler's attributes and each sub-scheduler's state_dict.

        Returns:
            The state.
        """
        return _nested_state_dict(self)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load :meth:`state_dict`'s output (this library's or torch's).

        Args:
            state_dict: The state.
        """
        _nested_load_state_dict(self, state_dict)


def _check_schedulers(name: str, schedulers: Sequence[Any], optimizer: Any) -> None:
    if len(schedulers) < 1:
        raise InvalidArgumentError(f"{name} expects at least one scheduler, but got no scheduler.")
    for idx, scheduler in enumerate(schedulers):
        if not hasattr(scheduler, "optimizer"):
            raise ArgumentTypeError(
                f"{name} at index {idx} should have `optimizer` as its attribute."
            )
        if isinstance(scheduler, ReduceLROnPlateau):
            raise InvalidArgumentError(
                f"{name} does not support `ReduceLROnPlateau` scheduler as it requires "
                "additional kwargs to be specified when calling `step`, but got one at index "
                f"{idx} in the given schedulers sequence."
            )
        if optimizer is not scheduler.optimizer:
            raise InvalidArgumentError(
                f"{name} expects all schedulers to belong to the same optimizer, but got "
                f"scheduler {type(scheduler).__name__} at index {idx} has "
                f"{scheduler.optimizer}, which is different from {type(optimizer).__name__}."
            )


def _nested_state_dict(sched: Any) -> dict[str, Any]:
    state = {k: v for k, v in sched.__dict__.items() if k not in (*_NOT_STATE, "_schedulers")}
    state["_schedulers"] = [s.state_dict() for s in sched._schedulers]
    return state


def _nested_load_state_dict(sched: Any, state_dict: dict[str, Any]) -> None:
    state = dict(state_dict)
    subs = state.pop("_schedulers")
    sched.__dict__.update(state)
    for own, saved in zip(sched._schedulers, subs, strict=True):
        own.load_state_dict(saved)


class ChainedScheduler(LRScheduler):
    """Step every scheduler in turn at each ``step()``: their chainable updates compose.

    Args:
        schedulers: The schedulers, built on one optimizer.
        optimizer: That optimizer (default: the first scheduler's).

    Raises:
        InvalidArgumentError: For no schedulers, a ReduceLROnPlateau, or schedulers of
            different optimizers (torch's messages).

    Example:
        >>> sched = ChainedScheduler([ConstantLR(opt, 0.1, 2), ExponentialLR(opt, 0.9)])
    """

    def __init__(self, schedulers: Sequence[LRScheduler], optimizer: Any = None) -> None:
        name = type(self).__name__
        if len(schedulers) < 1:
            raise InvalidArgumentError(
                f"{name} expects at least one scheduler to be chained, but got no scheduler."
            )
        optimizer = optimizer or schedulers[0].optimizer
        _check_schedulers(name, schedulers, optimizer)
        self._schedulers = schedulers
        self.optimizer = optimizer
        self._last_lr = _vals(self._schedulers[-1].optimizer.param_groups, "lr")

    def step(self) -> None:  # type: ignore[override]
        """Step each scheduler, in order."""
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = _vals(self._schedulers[-1].optimizer.param_groups, "lr")

    def state_dict(self) -> dict[str, Any]:
        """Torch's state: this scheduler's attributes and each sub-scheduler's state_dict.

        Returns:
            The state.
        """
        return _nested_state_dict(self)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load :meth:`state_dict`'s output (this library's or torch's).

        Args:
            state_dict: The state.
        """
        _nested_load_state_dict(self, state_dict)


class ReduceLROnPlateau(LRScheduler):
    """Reduce each group's lr by ``factor`` when a metric stops improving.

    ``step(metrics)`` follows torch's timing and options exactly (it runs
    :func:`rustorch_fx.optim.reduce_lr_on_plateau`'s update in float64).

    Args:
        optimizer: The optimizer.
        mode: ``"min"`` or ``"max"``.
        factor: Multiplier at each reduction (< 1).
        patience: Bad epochs tolerated before a reduction.
        threshold: Minimum significant improvement.
        threshold_mode: ``"rel"`` or ``"abs"``.
        cooldown: Epochs after a reduction during which bad epochs are not counted.
        min_lr: Lower bound of the lr, or one per group.
        eps: Reductions of ``eps`` or less are skipped.

    Raises:
        InvalidArgumentError: For ``factor >= 1``, an unknown mode or threshold mode, or a
            ``min_lr`` list of the wrong length (torch's messages).

    Example:
        >>> sched = ReduceLROnPlateau(opt, mode="min", patience=2)
        >>> sched.step(0.5)  # after each validation
    """

    def __init__(
        self,
        optimizer: Any,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: list[float] | float = 0,
        eps: float = 1e-8,
    ) -> None:
        if factor >= 1.0:
            raise InvalidArgumentError("Factor should be < 1.0.")
        self.factor = factor
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != len(optimizer.param_groups):
                raise InvalidArgumentError(
                    f"expected {len(optimizer.param_groups)} min_lrs, got {len(min_lr)}"
                )
            self.default_min_lr: float | None = None
            self.min_lrs = list(min_lr)
        else:
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * len(optimizer.param_groups)
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.last_epoch = 0
        self._last_lr = _vals(optimizer.param_groups, "lr")
        self._init_is_better(mode=mode, threshold=threshold, threshold_mode=threshold_mode)
        self._machine()  # validates patience and cooldown
        self._reset()

    def _init_is_better(self, mode: str, threshold: float, threshold_mode: str) -> None:
        if mode not in {"min", "max"}:
            raise InvalidArgumentError("mode " + mode + " is unknown!")
        if threshold_mode not in {"rel", "abs"}:
            raise InvalidArgumentError("threshold mode " + threshold_mode + " is unknown!")
        self.mode_worse = float("inf") if mode == "min" else float("-inf")
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode

    def _reset(self) -> None:
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    @property
    def in_cooldown(self) -> bool:
        """Whether the scheduler is in its cooldown period."""
        return self.cooldown_counter > 0

    def _machine(self) -> Any:
        key = (
            self.mode,
            self.factor,
            self.patience,
            self.threshold,
            self.threshold_mode,
            self.cooldown,
            tuple(self.min_lrs),
            self.eps,
        )
        return self._cached(
            "plateau",
            key,
            lambda: reduce_lr_on_plateau(
                [0.0] * len(self.min_lrs),
                mode=self.mode,
                factor=self.factor,
                patience=self.patience,
                threshold=self.threshold,
                threshold_mode=self.threshold_mode,
                cooldown=self.cooldown,
                min_lr=list(self.min_lrs),
                eps=self.eps,
            ),
        )

    def step(self, metrics: SupportsFloat, epoch: int | None = None) -> None:  # type: ignore[override]
        """Record a metric value and reduce the learning rates when it has plateaued.

        Args:
            metrics: The metric (a number or a one-element tensor).
            epoch: Deprecated (warns, as torch): the epoch to record.

        Raises:
            OptimizerError: If groups were added since construction and ``min_lr`` was a
                list (torch's message).
        """
        current = float(metrics)
        if epoch is None:
            epoch = self.last_epoch + 1
        else:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self.last_epoch = epoch
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise OptimizerError(
                    f"The number of param groups in the `optimizer` ({len(groups)}) differs "
                    f"from when `ReduceLROnPlateau` was initialized ({len(self.min_lrs)}), "
                    "usually due to a new param group being added to the optimizer. Please "
                    "modify the `min_lrs` field to match the length of the `optimizer` param "
                    "groups."
                )
            self.min_lrs = [self.default_min_lr] * len(groups)
        old = [float(g["lr"]) for g in groups]
        state = PlateauState(
            np.asarray(old, np.float64),
            np.float64(self.best),
            np.int32(self.num_bad_epochs),
            np.int32(self.cooldown_counter),
            np.int32(0),
        )
        new = self._machine().update(current, state)
        self.best = float(new.best)
        self.num_bad_epochs = int(new.num_bad_epochs)
        self.cooldown_counter = int(new.cooldown_counter)
        for group, before, after in zip(groups, old, np.asarray(new.lr).tolist(), strict=True):
            if after != before:
                _set_val(group, "lr", after)
        self._last_lr = _vals(groups, "lr")

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state from :meth:`state_dict` (this library's or torch's).

        Args:
            state_dict: The state.
        """
        super().load_state_dict(state_dict)
        self._init_is_better(
            mode=self.mode, threshold=self.threshold, threshold_mode=self.threshold_mode
        )


class CyclicLR(LRScheduler):
    """Cycle each group's lr between ``base_lr`` and ``max_lr`` (and momentum inversely).

    Args:
        optimizer: The optimizer.
        base_lr: Lower lr, or one per group (written into the groups).
        max_lr: Upper lr, or one per group.
        step_size_up: Epochs in the increasing half of a cycle.
        step_size_down: Epochs in the decreasing half (default ``step_size_up``).
        mode: ``"triangular"``, ``"triangular2"`` or ``"exp_range"``.
        gamma: Base of ``"exp_range"``'s scale.
        scale_fn: Custom amplitude scale (overrides ``mode``).
        scale_mode: ``"cycle"`` or ``"iterations"``: what ``scale_fn`` receives.
        cycle_momentum: Also cycle ``momentum`` (or ``betas[0]``) between the momenta.
        base_momentum: Lower momentum, or one per group.
        max_momentum: Upper momentum, or one per group.
        last_epoch: As in :class:`LRScheduler`.

    Raises:
        InvalidArgumentError: For an unknown mode without ``scale_fn``, per-group lists of the
            wrong length, or ``cycle_momentum`` with an optimizer without momentum (torch's
            messages).

    Example:
        >>> sched = CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=4)
    """

    def __init__(
        self,
        optimizer: Any,
        base_lr: float | list[float],
        max_lr: float | list[float],
        step_size_up: int = 2000,
        step_size_down: int | None = None,
        mode: str = "triangular",
        gamma: float = 1.0,
        scale_fn: Callable[[float], float] | None = None,
        scale_mode: str = "cycle",
        cycle_momentum: bool = True,
        base_momentum: float = 0.8,
        max_momentum: float = 0.9,
        last_epoch: int = -1,
    ) -> None:
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        base_lrs = _format_param("base_lr", optimizer, base_lr)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups, strict=True):
                _set_val(group, "lr", lr)
        self.max_lrs = _format_param("max_lr", optimizer, max_lr)
        up = float(step_size_up)
        down = float(step_size_down) if step_size_down is not None else up
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        self._fx_args = (up, down)
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise InvalidArgumentError("mode is invalid and scale_fn is None")
        self.mode = mode
        self.gamma = gamma
        self._scale_fn_custom = scale_fn
        self.scale_mode = scale_mode
        self._init_scale_fn()
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.use_beta1, self.base_momentums, self.max_momentums = _init_momentum(
                optimizer, base_momentum, max_momentum, last_epoch
            )
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def _init_scale_fn(self) -> None:
        if self._scale_fn_custom is None:
            self.scale_mode = "iterations" if self.mode == "exp_range" else "cycle"

    def scale_fn(self, x: Any) -> float:
        """The amplitude scale at cycle (or iteration) ``x``.

        Args:
            x: The cycle number (from 1) or the iteration, per ``scale_mode``.

        Returns:
            The scale.
        """
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma**x

    def _cycle_args(self) -> tuple[Any, ...]:
        up, down = self._fx_args
        return (up, down, self.mode, self.gamma, self._scale_fn_custom, self.scale_mode)

    def _schedule(self, i: int, base_lr: float) -> TorchSchedule:
        return cyclic_lr(base_lr, self.max_lrs[i], *self._cycle_args())

    def _schedule_key(self) -> Any:
        return (tuple(self.max_lrs), self._cycle_args())

    def get_lr(self) -> list[float]:
        """The learning rates at ``last_epoch``; writes the cycled momenta into the groups.

        Returns:
            A list of floats, one per group.
        """
        _warn_get_lr_called_within_step(self)
        lrs = self._chainable()
        if self.cycle_momentum:
            args = self._cycle_args()
            pairs = list(zip(self.base_momentums, self.max_momentums, strict=True))
            scheds = self._cached(
                "momentum",
                (tuple(pairs), args),
                lambda: [cyclic_momentum(lo, hi, *args) for lo, hi in pairs],
            )
            for group, sched in zip(self.optimizer.param_groups, scheds, strict=True):
                m = chainable_lr(sched, _momentum_of(group, self.use_beta1), self.last_epoch)
                _set_momentum(group, self.use_beta1, m)
        return lrs

    def state_dict(self) -> dict[str, Any]:
        """Torch's state (a plain-function ``scale_fn`` is not saved).

        Returns:
            The state.
        """
        state = super().state_dict()
        fn = state.pop("_scale_fn_custom")
        state["_scale_fn_custom"] = None
        if fn is not None and not isinstance(fn, types.FunctionType):
            state["_scale_fn_custom"] = fn.__dict__.copy()
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state from :meth:`state_dict` (this library's or torch's).

        Args:
            state_dict: The state.
        """
        state = dict(state_dict)
        fn = state.pop("_scale_fn_custom", None)
        state.pop("_scale_fn_ref", None)
        super().load_state_dict(state)
        if fn is not None and self._scale_fn_custom is not None:
            self._scale_fn_custom.__dict__.update(fn)
        up = self.total_size * self.step_ratio
        self._fx_args = (up, self.total_size - up)
        self._init_scale_fn()


class CosineAnnealingWarmRestarts(LRScheduler):
    """SGDR: cosine annealing of each group's lr with restarts every ``T_i`` epochs.

    Args:
        optimizer: The optimizer.
        T_0: Length of the first cycle.
        T_mult: Growth factor of the cycle length (int >= 1).
        eta_min: Minimum learning rate.
        last_epoch: As in :class:`LRScheduler`.

    Raises:
        InvalidArgumentError: For ``T_0 <= 0``, ``T_mult < 1`` or a non-numeric ``eta_min``
            (torch's messages).

    Example:
        >>> sched = CosineAnnealingWarmRestarts(opt, T_0=10, T_mult=2)
    """

    def __init__(
        self,
        optimizer: Any,
        T_0: int,
        T_mult: int = 1,
        eta_min: float = 0.0,
        last_epoch: int = -1,
    ) -> None:
        if not isinstance(T_0, int) or T_0 <= 0:
            raise InvalidArgumentError(f"Expected positive integer T_0, but got {T_0}")
        if not isinstance(T_mult, int) or T_mult < 1:
            raise InvalidArgumentError(f"Expected integer T_mult >= 1, but got {T_mult}")
        if not isinstance(eta_min, (float, int)):
            raise InvalidArgumentError(
                f"Expected float or int eta_min, but got {eta_min} of type {type(eta_min)}"
            )
        self.T_0 = T_0
        self.T_i = T_0
        self.T_mult = T_mult
        self.eta_min = eta_min
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The learning rates at position ``T_cur`` of the current cycle.

        Returns:
            A list of floats, one per group.
        """
        _warn_get_lr_called_within_step(self)
        return [
            cosine_annealing_value(base, self.eta_min, self.T_cur, self.T_i)
            for base in self.base_lrs
        ]

    def step(self, epoch: float | None = None) -> None:
        """Advance one epoch, or jump to ``epoch`` (which may be fractional, as in torch).

        Args:
            epoch: The epoch to jump to (torch's form for per-batch stepping).

        Raises:
            InvalidArgumentError: If ``epoch < 0``.
        """
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur % self.T_i
                self.T_i = self.T_i * self.T_mult
        else:
            if epoch < 0:
                raise InvalidArgumentError(f"Expected non-negative epoch, but got {epoch}")
            self.T_cur, self.T_i = warm_restarts_position(epoch, self.T_0, self.T_mult)
        self.last_epoch = math.floor(epoch)
        self._get_lr_called_within_step = True
        try:
            values = self.get_lr()
        finally:
            self._get_lr_called_within_step = False
        for group, lr in zip(self.optimizer.param_groups, values, strict=True):
            _set_val(group, "lr", lr)
        self._last_lr = _vals(self.optimizer.param_groups, "lr")


class OneCycleLR(LRScheduler):
    """The 1cycle policy: warm each group's lr up to ``max_lr``, then anneal it far below.

    Args:
        optimizer: The optimizer.
        max_lr: Peak lr, or one per group.
        total_steps: Total steps of the cycle (or ``epochs`` and ``steps_per_epoch``).
        epochs: Number of epochs.
        steps_per_epoch: Steps per epoch.
        pct_start: Fraction of the cycle spent increasing the lr.
        anneal_strategy: ``"cos"`` or ``"linear"``.
        cycle_momentum: Also cycle ``momentum`` (or ``betas[0]``) inversely.
        base_momentum: Momentum at the lr peak, or one per group.
        max_momentum: Momentum at the ends, or one per group.
        div_factor: ``initial_lr = max_lr / div_factor``.
        final_div_factor: ``min_lr = initial_lr / final_div_factor``.
        three_phase: Use three phases (back to ``initial_lr`` before the final anneal).
        last_epoch: As in :class:`LRScheduler`.

    Raises:
        InvalidArgumentError: For the arguments torch rejects (its messages), and from
            ``step()`` past ``total_steps``.

    Example:
        >>> sched = OneCycleLR(opt, max_lr=0.1, total_steps=100)
    """

    def __init__(
        self,
        optimizer: Any,
        max_lr: float | list[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum: float | list[float] = 0.85,
        max_momentum: float | list[float] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ) -> None:
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        # Validates every argument with torch's messages, and gives total_steps.
        probe = one_cycle_lr(
            1.0,
            total_steps,
            epochs,
            steps_per_epoch,
            pct_start,
            anneal_strategy,
            div_factor,
            final_div_factor,
            three_phase,
        )
        self.total_steps = probe._max_count
        if three_phase:
            ends = [
                float(pct_start * self.total_steps) - 1,
                float(2 * pct_start * self.total_steps) - 2,
                self.total_steps - 1,
            ]
            names = [
                ("initial_lr", "max_lr", "max_momentum", "base_momentum"),
                ("max_lr", "initial_lr", "base_momentum", "max_momentum"),
                ("initial_lr", "min_lr", "max_momentum", "max_momentum"),
            ]
        else:
            ends = [float(pct_start * self.total_steps) - 1, self.total_steps - 1]
            names = [
                ("initial_lr", "max_lr", "max_momentum", "base_momentum"),
                ("max_lr", "min_lr", "base_momentum", "max_momentum"),
            ]
        keys = ("start_lr", "end_lr", "start_momentum", "end_momentum")
        self._schedule_phases = [
            {"end_step": end, **dict(zip(keys, n, strict=True))}
            for end, n in zip(ends, names, strict=True)
        ]
        self._anneal_func_type = anneal_strategy
        self._fx_args = (pct_start, anneal_strategy, div_factor, final_div_factor, three_phase)
        max_lrs = _format_param("max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for group, peak in zip(optimizer.param_groups, max_lrs, strict=True):
                group["initial_lr"] = peak / div_factor
                group["max_lr"] = peak
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.use_beta1, _, _ = _init_momentum(
                optimizer, base_momentum, max_momentum, last_epoch
            )
        super().__init__(optimizer, last_epoch)

    def _schedule(self, i: int, base_lr: float) -> TorchSchedule:
        pct, strategy, div, final_div, three = self._fx_args
        peak = self.optimizer.param_groups[i]["max_lr"]
        return one_cycle_lr(
            peak, self.total_steps, None, None, pct, strategy, div, final_div, three
        )

    def _schedule_key(self) -> Any:
        return (
            tuple(g["max_lr"] for g in self.optimizer.param_groups),
            self.total_steps,
            self._fx_args,
        )

    def get_lr(self) -> list[float]:
        """The learning rates at ``last_epoch``; writes the cycled momenta into the groups.

        Returns:
            A list of floats, one per group.

        Raises:
            InvalidArgumentError: Past ``total_steps`` (torch's message).
        """
        _warn_get_lr_called_within_step(self)
        if self.last_epoch > self.total_steps:
            raise InvalidArgumentError(
                f"Tried to step {self.last_epoch} times. The specified number of total "
                f"steps is {self.total_steps}"
            )
        groups = self.optimizer.param_groups
        lrs = [
            chainable_lr(s, float(g["lr"]), self.last_epoch)
            for s, g in zip(self._schedules(), groups, strict=True)
        ]
        if self.cycle_momentum:
            pct, strategy, _, _, three = self._fx_args
            pairs = tuple((g["base_momentum"], g["max_momentum"]) for g in groups)
            scheds = self._cached(
                "momentum",
                (pairs, self.total_steps, self._fx_args),
                lambda: [
                    one_cycle_momentum(self.total_steps, None, None, pct, strategy, lo, hi, three)
                    for lo, hi in pairs
                ],
            )
            for group, sched in zip(groups, scheds, strict=True):
                m = chainable_lr(sched, _momentum_of(group, self.use_beta1), self.last_epoch)
                _set_momentum(group, self.use_beta1, m)
        return lrs
