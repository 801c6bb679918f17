"""``torch.optim.NAdam`` over :func:`rustorch_fx.optim.nadam`."""

from __future__ import annotations

from typing import Any

import optax

import rustorch_fx.optim as fx
from compat.optim.adam import _adam_checks
from compat.optim.optimizer import _check_kernel_options, _FxOptimizer, _number, _validate

__all__ = ["NAdam"]


class NAdam(_FxOptimizer):
    r"""NAdam (Dozat) with torch's momentum-decay schedule, through :func:`rustorch_fx.optim.nadam`.

    ``mu_t = b1 (1 - 0.5 * 0.96^(t * momentum_decay))``; the state per parameter is torch's
    ``{'step', 'mu_product', 'exp_avg', 'exp_avg_sq'}`` (``mu_product`` the running product
    of ``mu_t``, a float32 scalar tensor as in torch).

    Args:
        params: Parameters or parameter groups (see :class:`~compat.optim.Optimizer`).
        lr: Learning rate (default 2e-3, torch's).
        betas: Decay rates ``(b1, b2)`` of the moments.
        eps: Term added to the denominator.
        weight_decay: Weight decay (L2 unless ``decoupled_weight_decay``).
        momentum_decay: torch's ``psi``.
        decoupled_weight_decay: Decoupled weight decay (NAdamW).
        foreach: Accepted for torch compatibility.
        maximize: Maximize the objective instead of minimizing it.
        capturable: Accepted for torch compatibility.
        differentiable: Must be False (UnsupportedError otherwise).

    Raises:
        OptimizerError: For an invalid ``lr``, ``eps``, beta, ``weight_decay`` or
            ``momentum_decay``.
        UnsupportedError: For ``differentiable=True``.

    Example:
        >>> import compat
        >>> from compat.optim import NAdam
        >>> w = compat.nn.Parameter(compat.ones(3))
        >>> opt = NAdam([w])
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> sorted(opt.state[w])
        ['exp_avg', 'exp_avg_sq', 'mu_product', 'step']
    """

    _core = fx.ScaleByNadamState
    _fields = {  # noqa: RUF012
        "step": "count",
        "mu_product": "mu_product",
        "exp_avg": "exp_avg",
        "exp_avg_sq": "exp_avg_sq",
    }
    _traced = ("lr", "betas", "eps", "weight_decay", "momentum_decay")
    _static = ("maximize", "decoupled_weight_decay")

    def __init__(
        self,
        params: Any,
        lr: Any = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        """Validate the hyperparameters like torch and build the groups."""
        name = "NAdam"
        _adam_checks(name, lr, betas, eps, weight_decay)
        _validate(
            name,
            [
                (
                    _number(name, "momentum_decay", momentum_decay) >= 0.0,
                    f"Invalid momentum_decay value: {momentum_decay}",
                )
            ],
        )
        defaults = {
            "lr": lr,
            "betas": tuple(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum_decay": momentum_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
        }
        _check_kernel_options(name, defaults)
        super().__init__(params, defaults)

    @staticmethod
    def _transform(h: dict[str, Any]) -> optax.GradientTransformation:
        return fx.nadam(
            h["lr"],
            h["betas"],
            h["eps"],
            h["weight_decay"],
            h["momentum_decay"],
            h["decoupled_weight_decay"],
            maximize=h["maximize"],
        )
