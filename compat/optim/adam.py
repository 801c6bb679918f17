"""``torch.optim.Adam`` over :func:`rustorch_fx.optim.adam`."""

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

__all__ = ["Adam"]


def _adam_checks(name: str, lr: Any, betas: Any, eps: Any, weight_decay: Any) -> None:
    """Check the Adam family's hyperparameters in torch's order and with its messages."""
    b0, b1 = _pair(name, "betas", betas)
    _validate(
        name,
        [
            (_number(name, "lr", lr) >= 0.0, f"Invalid learning rate: {lr}"),
            (_number(name, "eps", eps) >= 0.0, f"Invalid epsilon value: {eps}"),
            (0.0 <= b0 < 1.0, f"Invalid beta parameter at index 0: {betas[0]}"),
            (0.0 <= b1 < 1.0, f"Invalid beta parameter at index 1: {betas[1]}"),
            (
                _number(name, "weight_decay", weight_decay) >= 0.0,
                f"Invalid weight_decay value: {weight_decay}",
            ),
        ],
    )


class Adam(_FxOptimizer):
    r"""Adam (Kingma & Ba) with torch's numerics, through :func:`rustorch_fx.optim.adam`.

    ``p -= lr / (1 - b1^t) * m_t / (sqrt(v_t) / sqrt(1 - b2^t) + eps)``, with L2 weight decay
    (or decoupled, AdamW-style, with ``decoupled_weight_decay=True``) and AMSGrad over the raw
    second moment. State per parameter: torch's ``{'step', 'exp_avg', 'exp_avg_sq'}`` (plus
    ``'max_exp_avg_sq'`` with ``amsgrad``), ``step`` a float32 scalar tensor.

    Args:
        params: Parameters or parameter groups (see :class:`~compat.optim.Optimizer`).
        lr: Learning rate.
        betas: Decay rates ``(b1, b2)`` of the moments.
        eps: Term added to the denominator.
        weight_decay: Weight decay (L2 unless ``decoupled_weight_decay``).
        amsgrad: Use the running maximum of the second moment.
        foreach: Accepted for torch compatibility (the step is always one compiled program).
        maximize: Maximize the objective instead of minimizing it.
        capturable: Accepted for torch compatibility (state already lives on the device).
        differentiable: Must be False (UnsupportedError otherwise).
        fused: Accepted for torch compatibility (the step is always fused).
        decoupled_weight_decay: Decoupled weight decay (AdamW).

    Raises:
        OptimizerError: For an invalid ``lr``, ``eps``, beta or ``weight_decay`` (torch's
            messages, e.g. ``Invalid learning rate: -1.0``).
        UnsupportedError: For ``differentiable=True``.

    Example:
        >>> import compat
        >>> from compat.optim import Adam
        >>> model = compat.nn.Linear(3, 1)
        >>> opt = Adam(model.parameters(), lr=1e-2)
        >>> model(compat.randn(4, 3)).sum().backward()
        >>> opt.step()
        >>> sorted(opt.state[model.weight])
        ['exp_avg', 'exp_avg_sq', 'step']
    """

    _core = fx.ScaleByAdamState
    _fields = {  # noqa: RUF012
        "step": "count",
        "exp_avg": "exp_avg",
        "exp_avg_sq": "exp_avg_sq",
        "max_exp_avg_sq": "max_exp_avg_sq",
    }
    _traced = ("lr", "betas", "eps", "weight_decay")
    _static = ("amsgrad", "maximize", "decoupled_weight_decay")

    def __init__(
        self,
        params: Any,
        lr: Any = 1e-3,
        betas: tuple[Any, Any] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        """Validate the hyperparameters like torch and build the groups."""
        name = type(self).__name__
        _adam_checks(name, lr, betas, eps, weight_decay)
        defaults = {
            "lr": lr,
            "betas": tuple(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
            "fused": fused,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        _check_kernel_options(name, defaults)
        super().__init__(params, defaults)

    @staticmethod
    def _transform(h: dict[str, Any]) -> optax.GradientTransformation:
        return fx.adam(
            h["lr"],
            h["betas"],
            h["eps"],
            h["weight_decay"],
            h["amsgrad"],
            maximize=h["maximize"],
            decoupled_weight_decay=h["decoupled_weight_decay"],
        )
