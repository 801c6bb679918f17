"""``torch.optim.Adadelta`` over :func:`rustorch_fx.optim.adadelta`."""

from __future__ import annotations

from typing import Any

import optax

import rustorch_fx.optim as fx
from compat.optim.optimizer import _check_kernel_options, _FxOptimizer, _number, _validate

__all__ = ["Adadelta"]


class Adadelta(_FxOptimizer):
    r"""Adadelta (Zeiler) with torch's defaults, through :func:`rustorch_fx.optim.adadelta`.

    State per parameter: torch's ``{'step', 'square_avg', 'acc_delta'}``.

    Args:
        params: Parameters or parameter groups (see :class:`~compat.optim.Optimizer`).
        lr: Scale of the step (default 1.0).
        rho: Decay rate of the running averages.
        eps: Term added inside the square roots.
        weight_decay: L2 penalty.
        foreach: Accepted for torch compatibility.
        capturable: Accepted for torch compatibility.
        maximize: Maximize the objective instead of minimizing it.
        differentiable: Must be False (UnsupportedError otherwise).

    Raises:
        OptimizerError: For a negative ``lr``, ``eps`` or ``weight_decay``, or ``rho``
            outside ``[0, 1]``.
        UnsupportedError: For ``differentiable=True``.

    Example:
        >>> import compat
        >>> from compat.optim import Adadelta
        >>> w = compat.nn.Parameter(compat.ones(3))
        >>> opt = Adadelta([w])
        >>> (w * w).sum().backward()
        >>> opt.step()
    """

    _core = fx.ScaleByAdadeltaState
    _fields = {"step": "count", "square_avg": "square_avg", "acc_delta": "acc_delta"}  # noqa: RUF012
    _traced = ("lr", "rho", "eps", "weight_decay")
    _static = ("maximize",)

    def __init__(
        self,
        params: Any,
        lr: Any = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        """Validate the hyperparameters like torch and build the groups."""
        name = "Adadelta"
        _validate(
            name,
            [
                (_number(name, "lr", lr) >= 0.0, f"Invalid learning rate: {lr}"),
                (0.0 <= _number(name, "rho", rho) <= 1.0, f"Invalid rho value: {rho}"),
                (_number(name, "eps", eps) >= 0.0, f"Invalid epsilon value: {eps}"),
                (
                    _number(name, "weight_decay", weight_decay) >= 0.0,
                    f"Invalid weight_decay value: {weight_decay}",
                ),
            ],
        )
        defaults = {
            "lr": lr,
            "rho": rho,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "capturable": capturable,
            "foreach": foreach,
            "differentiable": differentiable,
        }
        _check_kernel_options(name, defaults)
        super().__init__(params, defaults)

    @staticmethod
    def _transform(h: dict[str, Any]) -> optax.GradientTransformation:
        return fx.adadelta(h["lr"], h["rho"], h["eps"], h["weight_decay"], maximize=h["maximize"])
