"""``torch.amp.grad_scaler``: :class:`GradScaler`, dynamic loss scaling with torch's protocol.

``scaler.scale(loss).backward()`` gives gradients of the scaled loss; ``scaler.step(opt)``
unscales them (unless ``scaler.unscale_(opt)`` already did), skips ``opt.step()`` when any is
infinite or NaN, and ``scaler.update()`` backs the scale off after an overflow or grows it
after ``growth_interval`` clean steps. Each of these is one compiled call into
:mod:`rustorch_fx.optim` (``scale_loss``, ``unscale_grads`` with ``all_finite``,
``update_loss_scale``); the scale and its growth tracker stay on the device, and the only
host synchronisation is the one torch also makes, reading the overflow flag in ``step``.
"""

from __future__ import annotations

import functools
import operator
import warnings
from collections import abc, defaultdict
from enum import Enum
from typing import Any

from compat import _engine
from compat import cuda as _cuda
from compat._creation import full
from compat._dtype import float16, float32, int32
from compat._tensor import Tensor
from rustorch_fx.errors import InvalidArgumentError, OptimizerError
from rustorch_fx.optim import (
    DynamicLossScale,
    all_finite,
    scale_loss,
    unscale_grads,
    update_loss_scale,
)

__all__ = ["GradScaler", "OptState"]


class OptState(Enum):
    """Where an optimizer is in the scaler's iteration (torch's ``OptState``)."""

    READY = 0
    UNSCALED = 1
    STEPPED = 2


def _refresh_per_optimizer_state() -> dict[str, Any]:
    return {"stage": OptState.READY, "found_inf_per_device": {}}


# -- the ops (each one compiled call through compat._engine.apply) ----------------------------


def _mul(outputs: Any, scale: Any) -> Any:
    """``outputs * scale`` with torch's promotion of two 0-dim tensors.

    torch multiplies by a float32 0-dim scale: a 0-dim float16/bfloat16 loss becomes float32
    (so ``2**16`` does not overflow), a tensor with dimensions keeps its dtype.
    """
    if outputs.ndim == 0 and outputs.dtype.itemsize < 4:
        outputs = outputs.astype(scale.dtype)
    return scale_loss(outputs, DynamicLossScale(scale, 0))


def _unscale_op(scale: Any, *grads: Any) -> tuple[Any, ...]:
    """The unscaled gradients, and whether any scaled gradient was infinite or NaN."""
    grads_list = list(grads)
    found_inf = ~all_finite(grads_list)
    return (*unscale_grads(grads_list, DynamicLossScale(scale, 0)), found_inf)


def _update_op(
    scale: Any,
    tracker: Any,
    *found_infs: Any,
    growth_factor: float,
    backoff_factor: float,
    growth_interval: int,
) -> tuple[Any, Any]:
    finite = ~functools.reduce(operator.or_, found_infs)
    new = update_loss_scale(
        DynamicLossScale(scale, tracker), finite, growth_factor, backoff_factor, growth_interval
    )
    return new.scale, new.growth_tracker


class GradScaler:
    """Dynamic loss scaling for mixed-precision training (``torch.amp.GradScaler``).

    Args:
        device: ``"cuda"`` (torch's default; the scaler disables itself with a warning when
            no GPU is available, as torch does) or ``"cpu"``.
        init_scale: Initial scale factor.
        growth_factor: Factor applied after ``growth_interval`` steps without overflow (> 1).
        backoff_factor: Factor applied on overflow (< 1).
        growth_interval: Consecutive clean steps before the scale grows.
        enabled: ``False`` makes every method a no-op (``scale`` returns its input,
            ``step`` calls ``optimizer.step``).

    Raises:
        OptimizerError: If ``growth_factor <= 1`` or ``backoff_factor >= 1`` (torch raises
            ``AssertionError``).

    Example:
        >>> import compat
        >>> model = compat.nn.Linear(3, 1)
        >>> opt = compat.optim.SGD(model.parameters(), lr=0.1)
        >>> scaler = compat.amp.GradScaler("cpu")
        >>> loss = model(compat.randn(4, 3)).pow(2).mean()
        >>> scaler.scale(loss).backward()
        >>> scaler.step(opt)  # skipped (returns None) if a gradient overflowed
        >>> scaler.update()
        >>> scaler.get_scale()
        65536.0
    """

    def __init__(
        self,
        device: str = "cuda",
        init_scale: float = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
        enabled: bool = True,
    ) -> None:
        self._device = device
        self._enabled = enabled
        if self._device == "cuda" and enabled and not _cuda.is_available():
            warnings.warn(
                "torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.",
                stacklevel=2,
            )
            self._enabled = False
        if self._enabled:
            if growth_factor <= 1.0:
                raise OptimizerError(
                    f"GradScaler: The growth factor must be > 1.0, got {growth_factor}."
                )
            if backoff_factor >= 1.0:
                raise OptimizerError(
                    f"GradScaler: The backoff factor must be < 1.0, got {backoff_factor}."
                )
            self._init_scale = init_scale
            self._scale: Tensor | None = None
            self._growth_factor = growth_factor
            self._backoff_factor = backoff_factor
            self._growth_interval = growth_interval
            self._init_growth_tracker = 0
            self._growth_tracker: Tensor | None = None
            self._per_optimizer_states: dict[int, dict[str, Any]] = defaultdict(
                _refresh_per_optimizer_state
            )

    def _check_scale_growth_tracker(self, funcname: str) -> tuple[Tensor, Tensor]:
        fix = (
            "This may indicate your script did not use scaler.scale(loss or outputs) earlier "
            "in the iteration."
        )
        if self._scale is None or self._growth_tracker is None:
            raise OptimizerError(f"Attempted {funcname} but _scale is None.  " + fix)
        return self._scale, self._growth_tracker

    def _lazy_init_scale_growth_tracker(self) -> None:
        self._scale = full((), self._init_scale, dtype=float32)
        self._growth_tracker = full((), self._init_growth_tracker, dtype=int32)

    def scale(self, outputs: Any) -> Any:
        """Multiply ``outputs`` (a tensor, or nested lists/tuples/iterables of them) by the scale.

        Args:
            outputs: The loss, or several.

        Returns:
            The scaled outputs, with the same structure (unchanged when disabled).

        Raises:
            InvalidArgumentError: If an element is neither a tensor nor an iterable (torch's
                ``ValueError``).
        """
        if not self._enabled:
            return outputs
        if self._scale is None:
            self._lazy_init_scale_growth_tracker()

        def apply_scale(val: Any) -> Any:
            if isinstance(val, Tensor):
                return _engine.apply(_mul, val, self._scale)
            if isinstance(val, abc.Iterable):
                scaled = map(apply_scale, val)
                return type(val)(scaled) if isinstance(val, (list, tuple)) else scaled
            raise InvalidArgumentError("outputs must be a Tensor or an iterable of Tensors")

        return apply_scale(outputs)

    def _unscale_grads_(self, optimizer: Any, allow_fp16: bool) -> dict[str, Tensor]:
        params = [
            p for group in optimizer.param_groups for p in group["params"] if p.grad is not None
        ]
        if not params:
            return {}
        if not allow_fp16 and any(p.grad.dtype == float16 for p in params):
            raise InvalidArgumentError("Attempting to unscale FP16 gradients.")
        scale, _ = self._check_scale_growth_tracker("unscale_")
        *unscaled, found_inf = _engine.apply(_unscale_op, scale, *(p.grad for p in params))
        for p, g in zip(params, unscaled, strict=True):
            p.grad.data = g
        return {self._device: found_inf}

    def unscale_(self, optimizer: Any) -> None:
        """Divide ``optimizer``'s gradients by the scale in place (e.g. before clipping them).

        Args:
            optimizer: The optimizer whose parameters' gradients to unscale.

        Raises:
            OptimizerError: If called twice for this optimizer before ``update()``, after
                ``step()``, or before any ``scale()`` (torch's messages).
            InvalidArgumentError: For float16 gradients (torch's message).
        """
        if not self._enabled:
            return
        self._check_scale_growth_tracker("unscale_")
        optimizer_state = self._per_optimizer_states[id(optimizer)]
        if optimizer_state["stage"] is OptState.UNSCALED:
            raise OptimizerError(
                "unscale_() has already been called on this optimizer since the last update()."
            )
        if optimizer_state["stage"] is OptState.STEPPED:
            raise OptimizerError("unscale_() is being called after step().")
        optimizer_state["found_inf_per_device"] = self._unscale_grads_(optimizer, False)
        optimizer_state["stage"] = OptState.UNSCALED

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        """Unscale the gradients if needed and call ``optimizer.step`` unless one overflowed.

        Args:
            optimizer: The optimizer.
            *args: Passed to ``optimizer.step``.
            **kwargs: Passed to ``optimizer.step`` (a ``closure`` is refused, as in torch).

        Returns:
            ``optimizer.step``'s return value, or ``None`` when the step was skipped.

        Raises:
            OptimizerError: For a ``closure``, a second ``step`` before ``update()``, or an
                optimizer without gradients (torch's messages).
        """
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise OptimizerError("Closure use is not currently supported if GradScaler is enabled.")
        self._check_scale_growth_tracker("step")
        optimizer_state = self._per_optimizer_states[id(optimizer)]
        if optimizer_state["stage"] is OptState.STEPPED:
            raise OptimizerError("step() has already been called since the last update().")
        if optimizer_state["stage"] is OptState.READY:
            self.unscale_(optimizer)
        if len(optimizer_state["found_inf_per_device"]) == 0:
            raise OptimizerError("No inf checks were recorded for this optimizer.")
        retval = None
        if not any(bool(v.item()) for v in optimizer_state["found_inf_per_device"].values()):
            retval = optimizer.step(*args, **kwargs)
        optimizer_state["stage"] = OptState.STEPPED
        return retval

    def update(self, new_scale: float | Tensor | None = None) -> None:
        """Adjust the scale for the next iteration and reset every optimizer's stage.

        Args:
            new_scale: Set the scale to this (a float or a one-element tensor) instead of
                backing off or growing it.

        Raises:
            OptimizerError: Before any ``scale()``, with no ``step``/``unscale_`` since the
                last update, or for a ``new_scale`` tensor with several elements or
                requiring grad (torch's messages).
        """
        if not self._enabled:
            return
        scale, tracker = self._check_scale_growth_tracker("update")
        if new_scale is not None:
            if isinstance(new_scale, Tensor):
                if new_scale.numel() != 1 or new_scale.requires_grad:
                    raise OptimizerError(
                        "new_scale should be a float or a 1-element torch.cuda.FloatTensor or "
                        "torch.FloatTensor with requires_grad=False."
                    )
                value = new_scale.reshape(()).to(float32)
            else:
                value = full((), float(new_scale), dtype=float32)
            self._scale = value.detach()
        else:
            found_infs = [
                found_inf
                for state in self._per_optimizer_states.values()
                for found_inf in state["found_inf_per_device"].values()
            ]
            if len(found_infs) == 0:
                raise OptimizerError("No inf checks were recorded prior to update.")
            self._scale, self._growth_tracker = _engine.apply(
                _update_op,
                scale,
                tracker,
                *found_infs,
                growth_factor=float(self._growth_factor),
                backoff_factor=float(self._backoff_factor),
                growth_interval=int(self._growth_interval),
            )
        self._per_optimizer_states = defaultdict(_refresh_per_optimizer_state)

    def get_scale(self) -> float:
        """The current scale (``1.0`` when disabled; a host sync, as in torch).

        Returns:
            A Python float.
        """
        if self._enabled:
            return float(self._init_scale if self._scale is None else self._scale.item())
        return 1.0

    def get_growth_factor(self) -> float:
        """The growth factor.

        Returns:
            A Python float.
        """
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        """Set the growth factor.

        Args:
            new_factor: The new growth factor.
        """
        self._growth_factor = new_factor

    def get_backoff_factor(self) -> float:
        """The backoff factor.

        Returns:
            A Python float.
        """
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        """Set the backoff factor.

        Args:
            new_factor: The new backoff factor.
        """
        self._backoff_factor = new_factor

    def get_growth_interval(self) -> int:
        """The growth interval.

        Returns:
            An int.
        """
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        """Set the growth interval.

        Args:
            new_interval: The new growth interval.
        """
        self._growth_interval = new_interval

    def _get_growth_tracker(self) -> int:
        if self._enabled:
            if self._growth_tracker is None:
                return self._init_growth_tracker
            return int(self._growth_tracker.item())
        return 0

    def is_enabled(self) -> bool:
        """Whether the scaler is enabled.

        Returns:
            A bool.
        """
        return self._enabled

    def state_dict(self) -> dict[str, Any]:
        """The scaler's state, with torch's keys (empty when disabled).

        The keys are ``scale``, ``growth_factor``, ``backoff_factor``, ``growth_interval``
        and ``_growth_tracker``.

        Returns:
            A dict of Python numbers.
        """
        if self._enabled:
            return {
                "scale": self.get_scale(),
                "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor,
                "growth_interval": self._growth_interval,
                "_growth_tracker": self._get_growth_tracker(),
            }
        return {}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state from :meth:`state_dict` (this library's or torch's).

        Args:
            state_dict: The state.

        Raises:
            OptimizerError: If ``state_dict`` is empty (saved from a disabled scaler).
        """
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise OptimizerError(
                "The source state dict is empty, possibly because it was saved from a "
                "disabled instance of GradScaler."
            )
        self._init_scale = float(state_dict["scale"])
        if self._scale is not None:
            self._scale = full((), self._init_scale, dtype=float32)
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._init_growth_tracker = int(state_dict["_growth_tracker"])
        if self._growth_tracker is not None:
            self._growth_tracker = full((), self._init_growth_tracker, dtype=int32)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        if self._enabled:
            if len(self._per_optimizer_states) != 0:
                raise OptimizerError(
                    "A GradScaler instance may only be pickled at the beginning of an "
                    "iteration, or at the end after scaler.update()."
                )
            state["_init_scale"] = self.get_scale()
            state["_init_growth_tracker"] = self._get_growth_tracker()
            state["_scale"] = None
            state["_growth_tracker"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
