"""``torch.optim.ASGD`` over :func:`rustorch_fx.optim.asgd`."""

from __future__ import annotations

from typing import Any

import optax

import rustorch_fx.optim as fx
from compat.optim.optimizer import _check_kernel_options, _FxOptimizer, _number, _validate

__all__ = ["ASGD"]


class ASGD(_FxOptimizer):
    r"""Averaged stochastic gradient descent (Polyak & Juditsky), through :func:`rustorch_fx.optim.asgd`.

    State per parameter: torch's ``{'step', 'eta', 'mu', 'ax'}``; ``ax`` holds the averaged
    parameters (averaging starts at step ``t0``).

    Args:
        params: Parameters or parameter groups (see :class:`~compat.optim.Optimizer`).
        lr: Learning rate.
        lambd: Decay term.
        alpha: Power for the ``eta`` update.
        t0: Step at which averaging starts.
        weight_decay: L2 penalty.
        foreach: Accepted for torch compatibility.
        maximize: Maximize the objective instead of minimizing it.
        differentiable: Must be False (UnsupportedError otherwise).
        capturable: Accepted for torch compatibility.

    Raises:
        OptimizerError: For a negative ``lr`` or ``weight_decay``.
        UnsupportedError: For ``differentiable=True``.

    Example:
        >>> import compat
        >>> from compat.optim import ASGD
        >>> w = compat.nn.Parameter(compat.ones(3))
        >>> opt = ASGD([w], t0=0)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> sorted(opt.state[w])
        ['ax', 'eta', 'mu', 'step']
    """

    _core = fx.AsgdState
    _fields = {"step": "count", "eta": "eta", "mu": "mu", "ax": "ax"}  # noqa: RUF012
    _traced = ("lr", "lambd", "alpha", "t0", "weight_decay")
    _static = ("maximize",)

    def __init__(
        self,
        params: Any,
        lr: Any = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        """Validate the hyperparameters like torch and build the groups."""
        name = "ASGD"
        _validate(
            name,
            [
                (_number(name, "lr", lr) >= 0.0, f"Invalid learning rate: {lr}"),
                (
                    _number(name, "weight_decay", weight_decay) >= 0.0,
                    f"Invalid weight_decay value: {weight_decay}",
                ),
            ],
        )
        defaults = {
            "lr": lr,
            "lambd": lambd,
            "alpha": alpha,
            "t0": t0,
            "weight_decay": weight_decay,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "capturable": capturable,
        }
        _check_kernel_options(name, defaults)
        super().__init__(params, defaults)

    @staticmethod
    def _transform(h: dict[str, Any]) -> optax.GradientTransformation:
        return fx.asgd(
            h["lr"], h["lambd"], h["alpha"], h["t0"], h["weight_decay"], maximize=h["maximize"]
        )
