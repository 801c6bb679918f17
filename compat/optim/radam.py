"""``torch.optim.RAdam`` over :func:`rustorch_fx.optim.radam`."""

from __future__ import annotations

from typing import Any

import optax

import rustorch_fx.optim as fx
from compat.optim.adam import _adam_checks
from compat.optim.optimizer import _check_kernel_options, _FxOptimizer

__all__ = ["RAdam"]


class RAdam(_FxOptimizer):
    r"""RAdam (Liu et al.) with torch's ``rho_t > 5`` rule, through :func:`rustorch_fx.optim.radam`.

    State per parameter: torch's ``{'step', 'exp_avg', 'exp_avg_sq'}``.

    Args:
        params: Parameters or parameter groups (see :class:`~compat.optim.Optimizer`).
        lr: Learning rate.
        betas: Decay rates ``(b1, b2)`` of the moments.
        eps: Term added to the denominator.
        weight_decay: Weight decay (L2 unless ``decoupled_weight_decay``).
        decoupled_weight_decay: Decoupled (AdamW-style) weight decay.
        foreach: Accepted for torch compatibility.
        maximize: Maximize the objective instead of minimizing it.
        capturable: Accepted for torch compatibility.
        differentiable: Must be False (UnsupportedError otherwise).

    Raises:
        OptimizerError: For an invalid ``lr``, ``eps``, beta or ``weight_decay``.
        UnsupportedError: For ``differentiable=True``.

    Example:
        >>> import compat
        >>> from compat.optim import RAdam
        >>> w = compat.nn.Parameter(compat.ones(3))
        >>> opt = RAdam([w], lr=1e-2, decoupled_weight_decay=True, weight_decay=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()
    """

    _core = fx.ScaleByRadamState
    _fields = {"step": "count", "exp_avg": "exp_avg", "exp_avg_sq": "exp_avg_sq"}  # noqa: RUF012
    _traced = ("lr", "betas", "eps", "weight_decay")
    _static = ("maximize", "decoupled_weight_decay")

    def __init__(
        self,
        params: Any,
        lr: Any = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        """Validate the hyperparameters like torch and build the groups."""
        name = "RAdam"
        _adam_checks(name, lr, betas, eps, weight_decay)
        defaults = {
            "lr": lr,
            "betas": tuple(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "decoupled_weight_decay": decoupled_weight_decay,
            "differentiable": differentiable,
        }
        _check_kernel_options(name, defaults)
        super().__init__(params, defaults)

    @staticmethod
    def _transform(h: dict[str, Any]) -> optax.GradientTransformation:
        return fx.radam(
            h["lr"],
            h["betas"],
            h["eps"],
            h["weight_decay"],
            h["decoupled_weight_decay"],
            maximize=h["maximize"],
        )
