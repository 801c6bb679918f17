"""``torch.optim.Adamax`` over :func:`rustorch_fx.optim.adamax`."""

from __future__ import annotations

from typing import Any

import optax

import rustorch_fx.optim as fx
from compat.optim.adam import _adam_checks
from compat.optim.optimizer import _check_kernel_options, _FxOptimizer

__all__ = ["Adamax"]


class Adamax(_FxOptimizer):
    r"""Adamax (Adam with the infinity norm), through :func:`rustorch_fx.optim.adamax`.

    ``u_t = max(b2 u, |g| + eps)``, ``p -= lr / (1 - b1^t) * m_t / u_t``. State per
    parameter: torch's ``{'step', 'exp_avg', 'exp_inf'}``.

    Args:
        params: Parameters or parameter groups (see :class:`~compat.optim.Optimizer`).
        lr: Learning rate (default 2e-3, torch's).
        betas: Decay rates ``(b1, b2)``.
        eps: Term added to ``|g|``.
        weight_decay: L2 penalty.
        foreach: Accepted for torch compatibility.
        maximize: Maximize the objective instead of minimizing it.
        differentiable: Must be False (UnsupportedError otherwise).
        capturable: Accepted for torch compatibility.

    Raises:
        OptimizerError: For an invalid ``lr``, ``eps``, beta or ``weight_decay``.
        UnsupportedError: For ``differentiable=True``.

    Example:
        >>> import compat
        >>> from compat.optim import Adamax
        >>> w = compat.nn.Parameter(compat.ones(3))
        >>> opt = Adamax([w])
        >>> (w * w).sum().backward()
        >>> opt.step()
    """

    _core = fx.ScaleByAdamaxState
    _fields = {"step": "count", "exp_avg": "exp_avg", "exp_inf": "exp_inf"}  # noqa: RUF012
    _traced = ("lr", "betas", "eps", "weight_decay")
    _static = ("maximize",)

    def __init__(
        self,
        params: Any,
        lr: Any = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        """Validate the hyperparameters like torch and build the groups."""
        name = "Adamax"
        _adam_checks(name, lr, betas, eps, weight_decay)
        defaults = {
            "lr": lr,
            "betas": tuple(betas),
            "eps": eps,
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
        return fx.adamax(h["lr"], h["betas"], h["eps"], h["weight_decay"], maximize=h["maximize"])
