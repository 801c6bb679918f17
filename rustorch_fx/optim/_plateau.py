"""ReduceLROnPlateau as a pure, metric-driven state machine with torch's numbers and timing.

:func:`reduce_lr_on_plateau` gives ``init() -> state`` and ``update(metric, state) -> state``;
``state.lr`` is the learning rate torch's ``ReduceLROnPlateau`` leaves in the optimizer after
``scheduler.step(metric)``. :func:`scale_by_plateau` wraps it as an optax transform that scales
updates by ``lr / initial lr``.

Why not ``optax.contrib.reduce_on_plateau``: it reduces after ``patience`` bad steps (torch:
after more than ``patience``), has neither ``mode="max"`` nor torch's separate ``rel``/``abs``
threshold modes, no ``eps`` (torch skips a reduction smaller than ``eps``), clips a *scale* at
``min_scale`` rather than the learning rate at ``min_lr`` (per group), and its cooldown does not
count bad epochs the way torch's does. The numbers differ from torch's in each of those cases.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from rustorch_fx._checks import is_int
from rustorch_fx.errors import ArgumentTypeError, InvalidArgumentError

__all__ = [
    "PlateauState",
    "ReduceLROnPlateau",
    "ScaleByPlateauState",
    "reduce_lr_on_plateau",
    "scale_by_plateau",
]


class PlateauState(NamedTuple):
    """State of :func:`reduce_lr_on_plateau`, named as torch's scheduler attributes.

    Attributes:
        lr: The current learning rate(s): a scalar, or one per parameter group.
        best: The best metric so far (``inf`` for ``mode="min"`` before the first step).
        num_bad_epochs: Consecutive steps without improvement (int32).
        cooldown_counter: Steps of cooldown left (int32).
        last_epoch: Number of ``update`` calls so far (int32).
    """

    lr: jax.Array
    best: jax.Array
    num_bad_epochs: jax.Array
    cooldown_counter: jax.Array
    last_epoch: jax.Array


class ReduceLROnPlateau(NamedTuple):
    """The pair of pure functions returned by :func:`reduce_lr_on_plateau`.

    Attributes:
        init: ``init() -> PlateauState``: the state of a freshly built torch scheduler.
        update: ``update(metric, state) -> PlateauState``: torch's ``scheduler.step(metric)``.
    """

    init: Callable[[], PlateauState]
    update: Callable[[Any, PlateauState], PlateauState]


def _float_dtype() -> Any:
    return jnp.result_type(float)


def reduce_lr_on_plateau(
    lr: float | Sequence[float],
    mode: str = "min",
    factor: float = 0.1,
    patience: int = 10,
    threshold: float = 1e-4,
    threshold_mode: str = "rel",
    cooldown: int = 0,
    min_lr: float | Sequence[float] = 0.0,
    eps: float = 1e-8,
) -> ReduceLROnPlateau:
    """``torch.optim.lr_scheduler.ReduceLROnPlateau`` as ``init``/``update`` pure functions.

    Each ``update(metric, state)`` does what torch's ``step(metric)`` does, in its order:

    1. the metric improves on ``best`` when it is below ``best * (1 - threshold)`` (``"min"``,
       ``"rel"``), below ``best - threshold`` (``"abs"``), or above ``best * (1 + threshold)``
       / ``best + threshold`` in ``"max"`` mode; then ``best = metric`` and
       ``num_bad_epochs = 0``, else ``num_bad_epochs += 1`` (a NaN metric never improves);
    2. during cooldown, ``cooldown_counter -= 1`` and ``num_bad_epochs = 0``;
    3. when ``num_bad_epochs > patience``: each lr becomes ``max(lr * factor, min_lr)`` unless
       that changes it by ``eps`` or less, ``cooldown_counter = cooldown`` and
       ``num_bad_epochs = 0``.

    ``update`` runs under ``jax.jit`` (the metric may be traced); the state holds JAX's
    default float dtype (float32, float64 with 64-bit mode on), so with float32 a metric
    within a float32 ulp of a threshold may be judged differently than torch's float64.

    Args:
        lr: The optimizer's learning rate: a float, or one per parameter group.
        mode: ``"min"`` (the metric should decrease) or ``"max"``.
        factor: Multiplier of the learning rate at each reduction (< 1).
        patience: Number of bad steps tolerated before a reduction.
        threshold: Minimum significant improvement.
        threshold_mode: ``"rel"`` or ``"abs"``.
        cooldown: Steps after a reduction during which bad steps are not counted.
        min_lr: Lower bound of the learning rate: a float, or one per group.
        eps: Reductions of ``eps`` or less are skipped.

    Returns:
        ``ReduceLROnPlateau(init, update)``.

    Raises:
        InvalidArgumentError: For ``factor >= 1``, an unknown ``mode`` or ``threshold_mode``,
            a negative ``patience``/``cooldown``, or a ``min_lr`` list whose length differs
            from ``lr``'s (torch's messages).
        ArgumentTypeError: If ``patience`` or ``cooldown`` is not an int.

    Example:
        >>> plateau = reduce_lr_on_plateau(0.1, patience=1)
        >>> state = plateau.init()
        >>> for loss in [1.0, 1.0, 1.0]:
        ...     state = plateau.update(loss, state)
        >>> round(float(state.lr), 6)  # two bad steps > patience: reduced once
        0.01
    """
    op = "reduce_lr_on_plateau"
    if factor >= 1.0:
        raise InvalidArgumentError(f"{op}: Factor should be < 1.0, got {factor}")
    if mode not in ("min", "max"):
        raise InvalidArgumentError(f"{op}: mode {mode} is unknown! (expected 'min' or 'max')")
    if threshold_mode not in ("rel", "abs"):
        raise InvalidArgumentError(
            f"{op}: threshold mode {threshold_mode} is unknown! (expected 'rel' or 'abs')"
        )
    for name, value in (("patience", patience), ("cooldown", cooldown)):
        if not is_int(value):
            raise ArgumentTypeError(f"{op}: {name} must be an int, got {type(value).__name__}")
        if value < 0:
            raise InvalidArgumentError(f"{op}: {name} must be >= 0, got {value}")
    per_group = isinstance(lr, (list, tuple))
    lrs = np.asarray(lr, np.float64)
    if isinstance(min_lr, (list, tuple)) and (not per_group or len(min_lr) != len(lrs)):
        groups = len(lrs) if per_group else 1
        raise InvalidArgumentError(f"{op}: expected {groups} min_lrs, got {len(min_lr)}")
    min_lrs = np.broadcast_to(np.asarray(min_lr, np.float64), lrs.shape)
    worse = np.inf if mode == "min" else -np.inf
    factor, threshold, eps = float(factor), float(threshold), float(eps)

    def is_better(a: jax.Array, best: jax.Array) -> jax.Array:
        if mode == "min":
            return a < (best * (1.0 - threshold) if threshold_mode == "rel" else best - threshold)
        return a > (best * (threshold + 1.0) if threshold_mode == "rel" else best + threshold)

    def init() -> PlateauState:
        dtype = _float_dtype()
        zero = jnp.zeros((), jnp.int32)
        return PlateauState(jnp.asarray(lrs, dtype), jnp.asarray(worse, dtype), zero, zero, zero)

    def update(metric: Any, state: PlateauState) -> PlateauState:
        dtype = state.best.dtype
        current = jnp.asarray(metric, dtype)
        if current.shape != ():
            raise InvalidArgumentError(
                f"{op}: the metric must be a scalar, got shape {tuple(current.shape)}"
            )
        better = is_better(current, state.best)
        best = jnp.where(better, current, state.best)
        bad = jnp.where(better, 0, state.num_bad_epochs + 1)
        in_cooldown = state.cooldown_counter > 0
        cooldown_counter = jnp.where(
            in_cooldown, state.cooldown_counter - 1, state.cooldown_counter
        )
        bad = jnp.where(in_cooldown, 0, bad)
        reduce = bad > patience
        new_lr = jnp.maximum(state.lr * factor, jnp.asarray(min_lrs, dtype))
        lr = jnp.where(reduce & (state.lr - new_lr > eps), new_lr, state.lr)
        return PlateauState(
            lr,
            best,
            jnp.where(reduce, 0, bad).astype(jnp.int32),
            jnp.where(reduce, cooldown, cooldown_counter).astype(jnp.int32),
            state.last_epoch + 1,
        )

    return ReduceLROnPlateau(init, update)


class ScaleByPlateauState(NamedTuple):
    """State of :func:`scale_by_plateau`: the plateau state of its learning rate."""

    plateau: PlateauState


def scale_by_plateau(
    lr: float,
    mode: str = "min",
    factor: float = 0.1,
    patience: int = 10,
    threshold: float = 1e-4,
    threshold_mode: str = "rel",
    cooldown: int = 0,
    min_lr: float = 0.0,
    eps: float = 1e-8,
) -> optax.GradientTransformationExtraArgs:
    """:func:`reduce_lr_on_plateau` as an optax transform: updates times ``lr_t / lr``.

    Chain it after an optimizer built with learning rate ``lr``. ``update(updates, state,
    params=None, *, value=None)``: when ``value`` (the metric) is given, the plateau first
    takes torch's ``scheduler.step(value)``, then the updates are scaled by the new ratio; so
    pass the previous epoch's validation metric with the first update of the next epoch, as
    torch applies the reduced lr from the step after ``scheduler.step(metric)``. Without
    ``value`` the current ratio is applied. (``optax.contrib.reduce_on_plateau`` differs: see
    this module's notes.)

    Args:
        lr: The learning rate of the optimizer this transform follows.
        mode: As in :func:`reduce_lr_on_plateau`.
        factor: As in :func:`reduce_lr_on_plateau`.
        patience: As in :func:`reduce_lr_on_plateau`.
        threshold: As in :func:`reduce_lr_on_plateau`.
        threshold_mode: As in :func:`reduce_lr_on_plateau`.
        cooldown: As in :func:`reduce_lr_on_plateau`.
        min_lr: As in :func:`reduce_lr_on_plateau` (in learning-rate units).
        eps: As in :func:`reduce_lr_on_plateau`.

    Returns:
        The transform.

    Raises:
        InvalidArgumentError: As :func:`reduce_lr_on_plateau`, or if ``lr <= 0``.

    Example:
        >>> import optax
        >>> tx = optax.chain(optax.sgd(0.1), scale_by_plateau(0.1, patience=0))
        >>> state = tx.init({"w": jnp.zeros(2)})
        >>> updates, state = tx.update({"w": jnp.ones(2)}, state, value=1.0)
    """
    if not isinstance(lr, (int, float)) or lr <= 0:
        raise InvalidArgumentError(f"scale_by_plateau: lr must be a positive float, got {lr!r}")
    plateau = reduce_lr_on_plateau(
        float(lr), mode, factor, patience, threshold, threshold_mode, cooldown, min_lr, eps
    )

    def init_fn(params: Any) -> ScaleByPlateauState:
        del params
        return ScaleByPlateauState(plateau.init())

    def update_fn(
        updates: Any,
        state: ScaleByPlateauState,
        params: Any = None,
        *,
        value: Any = None,
        **extra_args: Any,
    ) -> tuple[Any, ScaleByPlateauState]:
        del params, extra_args
        inner = state.plateau if value is None else plateau.update(value, state.plateau)
        ratio = inner.lr / lr
        scaled = jax.tree_util.tree_map(lambda u: (u * ratio).astype(u.dtype), updates)
        return scaled, ScaleByPlateauState(inner)

    return optax.GradientTransformationExtraArgs(init_fn, update_fn)
