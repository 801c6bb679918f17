"""``torch.optim.Rprop`` over :func:`rustorch_fx.optim.rprop`."""

from __future__ import annotations

from typing import Any

import optax

import rustorch_fx.optim as fx
from compat.optim.optimizer import (
    _check_kernel_options,
    _FxOptimizer,
    _number,
    _pair,
    _validate,
)

__all__ = ["Rprop"]


class Rprop(_FxOptimizer):
    r"""Resilient backpropagation, through :func:`rustorch_fx.optim.rprop`.

    Per-element step sizes start at ``lr`` (read when a parameter's state is created, as in
    torch), grow by ``etas[1]`` while the gradient keeps its sign and shrink by ``etas[0]``
    when it flips, within ``step_sizes``. State per parameter: torch's ``{'step', 'prev',
    'step_size'}``.

    Args:
        params: Parameters or parameter groups (see :class:`~compat.optim.Optimizer`).
        lr: Initial step size.
        etas: ``(etaminus, etaplus)``, ``0 < etaminus < 1 < etaplus``.
        step_sizes: ``(min, max)`` step sizes.
        capturable: Accepted for torch compatibility.
        foreach: Accepted for torch compatibility.
        maximize: Maximize the objective instead of minimizing it.
        differentiable: Must be False (UnsupportedError otherwise).

    Raises:
        OptimizerError: For a negative ``lr`` or ``etas`` out of order.
        UnsupportedError: For ``differentiable=True``.

    Example:
        >>> import compat
        >>> from compat.optim import Rprop
        >>> w = compat.nn.Parameter(compat.ones(3))
        >>> opt = Rprop([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> [round(v, 4) for v in w.tolist()]
        [0.9, 0.9, 0.9]
    """

    _core = fx.ScaleByRpropState
    _fields = {"step": "count", "prev": "prev", "step_size": "step_size"}  # noqa: RUF012
    _traced = ("lr", "etas", "step_sizes")
    _nonzero = ()
    _static = ("maximize",)

    def __init__(
        self,
        params: Any,
        lr: Any = 1e-2,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50),
        *,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        """Validate the hyperparameters like torch and build the groups."""
        name = "Rprop"
        eta_minus, eta_plus = _pair(name, "etas", etas)
        _pair(name, "step_sizes", step_sizes)
        _validate(
            name,
            [
                (_number(name, "lr", lr) >= 0.0, f"Invalid learning rate: {lr}"),
                (0.0 < eta_minus < 1.0 < eta_plus, f"Invalid eta values: {etas[0]}, {etas[1]}"),
            ],
        )
        defaults = {
            "lr": lr,
            "etas": etas,
            "step_sizes": step_sizes,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "capturable": capturable,
        }
        _check_kernel_options(name, defaults)
        super().__init__(params, defaults)

    @staticmethod
    def _transform(h: dict[str, Any]) -> optax.GradientTransformation:
        return fx.rprop(h["lr"], h["etas"], h["step_sizes"], maximize=h["maximize"])
