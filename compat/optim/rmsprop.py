"""``torch.optim.RMSprop`` over :func:`rustorch_fx.optim.rmsprop`."""

from __future__ import annotations

from typing import Any

import optax

import rustorch_fx.optim as fx
from compat.optim.optimizer import _check_kernel_options, _FxOptimizer, _number, _validate

__all__ = ["RMSprop"]


class RMSprop(_FxOptimizer):
    r"""RMSprop (Hinton) with torch's centered and momentum variants.

    The update is :func:`rustorch_fx.optim.rmsprop`; state per parameter: torch's
    ``{'step', 'square_avg'}`` plus ``'momentum_buffer'`` when ``momentum > 0`` and
    ``'grad_avg'`` when ``centered``.

    Args:
        params: Parameters or parameter groups (see :class:`~compat.optim.Optimizer`).
        lr: Learning rate.
        alpha: Smoothing constant.
        eps: Term added to the denominator.
        weight_decay: L2 penalty.
        momentum: Momentum factor.
        centered: Normalize by the estimated variance of the gradient.
        capturable: Accepted for torch compatibility.
        foreach: Accepted for torch compatibility.
        maximize: Maximize the objective instead of minimizing it.
        differentiable: Must be False (UnsupportedError otherwise).

    Raises:
        OptimizerError: For a negative ``lr``, ``eps``, ``momentum``, ``weight_decay`` or
            ``alpha``.
        UnsupportedError: For ``differentiable=True``.

    Example:
        >>> import compat
        >>> from compat.optim import RMSprop
        >>> w = compat.nn.Parameter(compat.ones(3))
        >>> opt = RMSprop([w], momentum=0.9, centered=True)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> sorted(opt.state[w])
        ['grad_avg', 'momentum_buffer', 'square_avg', 'step']
    """

    _core = fx.ScaleByRmspropState
    _fields = {  # noqa: RUF012
        "step": "count",
        "square_avg": "square_avg",
        "momentum_buffer": "momentum_buffer",
        "grad_avg": "grad_avg",
    }
    _traced = ("lr", "alpha", "eps", "weight_decay", "momentum")
    _nonzero = ("weight_decay", "momentum")
    _static = ("centered", "maximize")

    def __init__(
        self,
        params: Any,
        lr: Any = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        """Validate the hyperparameters like torch and build the groups."""
        name = "RMSprop"
        _validate(
            name,
            [
                (_number(name, "lr", lr) >= 0.0, f"Invalid learning rate: {lr}"),
                (_number(name, "eps", eps) >= 0.0, f"Invalid epsilon value: {eps}"),
                (_number(name, "momentum", momentum) >= 0.0, f"Invalid momentum value: {momentum}"),
                (
                    _number(name, "weight_decay", weight_decay) >= 0.0,
                    f"Invalid weight_decay value: {weight_decay}",
                ),
                (_number(name, "alpha", alpha) >= 0.0, f"Invalid alpha value: {alpha}"),
            ],
        )
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "capturable": capturable,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
        }
        _check_kernel_options(name, defaults)
        super().__init__(params, defaults)

    @staticmethod
    def _transform(h: dict[str, Any]) -> optax.GradientTransformation:
        return fx.rmsprop(
            h["lr"],
            h["alpha"],
            h["eps"],
            h["weight_decay"],
            h["momentum"],
            h["centered"],
            maximize=h["maximize"],
        )
