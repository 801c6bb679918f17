"""``torch.optim.SGD`` over :func:`rustorch_fx.optim.sgd`."""

from __future__ import annotations

from typing import Any

import optax

import rustorch_fx.optim as fx
from compat.optim.optimizer import _check_kernel_options, _FxOptimizer, _number, _validate

__all__ = ["SGD"]


class SGD(_FxOptimizer):
    r"""Stochastic gradient descent with torch's momentum, dampening and Nesterov rules.

    The update is :func:`rustorch_fx.optim.sgd`: with ``g = grad + weight_decay * p``,
    ``b_1 = g``, ``b_t = momentum * b + (1 - dampening) * g``, and ``p -= lr * b_t`` (or
    ``lr * (g + momentum * b_t)`` with ``nesterov``). The state is torch's
    ``{'momentum_buffer'}`` (none without momentum).

    Args:
        params: Parameters or parameter groups (see :class:`~compat.optim.Optimizer`).
        lr: Learning rate (default 1e-3, torch's).
        momentum: Momentum factor.
        dampening: Dampening of the momentum (ignored at the first step, as in torch).
        weight_decay: L2 penalty.
        nesterov: Nesterov momentum (needs ``momentum > 0`` and zero dampening).
        maximize: Maximize the objective instead of minimizing it.
        foreach: Accepted for torch compatibility (the step is always one compiled program).
        differentiable: Must be False (UnsupportedError otherwise).
        fused: Accepted for torch compatibility (the step is always fused).

    Raises:
        OptimizerError: For a negative ``lr``, ``momentum`` or ``weight_decay``, or
            ``nesterov`` without momentum and zero dampening.
        UnsupportedError: For ``differentiable=True``.

    Example:
        >>> import compat
        >>> from compat.optim import SGD
        >>> model = compat.nn.Linear(3, 1)
        >>> opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
        >>> opt.zero_grad()
        >>> model(compat.randn(4, 3)).sum().backward()
        >>> opt.step()
    """

    _core = fx.TraceMomentumState
    _fields = {"momentum_buffer": "momentum_buffer"}  # noqa: RUF012
    _traced = ("lr", "momentum", "dampening", "weight_decay")
    _nonzero = ("momentum", "weight_decay")
    _static = ("nesterov", "maximize")

    def __init__(
        self,
        params: Any,
        lr: Any = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: Any = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        """Validate the hyperparameters like torch and build the groups."""
        name = "SGD"
        _validate(
            name,
            [
                (_number(name, "lr", lr) >= 0.0, f"Invalid learning rate: {lr}"),
                (_number(name, "momentum", momentum) >= 0.0, f"Invalid momentum value: {momentum}"),
                (
                    _number(name, "weight_decay", weight_decay) >= 0.0,
                    f"Invalid weight_decay value: {weight_decay}",
                ),
            ],
        )
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
            "foreach": foreach,
            "differentiable": differentiable,
            "fused": fused,
        }
        _validate(
            name,
            [
                (
                    not nesterov or (momentum > 0 and dampening == 0),
                    "Nesterov momentum requires a momentum and zero dampening",
                )
            ],
        )
        _check_kernel_options(name, defaults)
        super().__init__(params, defaults)

    @staticmethod
    def _transform(h: dict[str, Any]) -> optax.GradientTransformation:
        return fx.sgd(
            h["lr"],
            h["momentum"],
            h["dampening"],
            h["weight_decay"],
            h["nesterov"],
            maximize=h["maximize"],
        )
