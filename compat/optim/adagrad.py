"""``torch.optim.Adagrad`` over :func:`rustorch_fx.optim.adagrad`."""

from __future__ import annotations

from typing import Any

import jax
import numpy as np
import optax

import rustorch_fx.optim as fx
from compat._tensor import Tensor
from compat.optim.optimizer import _check_kernel_options, _FxOptimizer, _number, _validate

__all__ = ["Adagrad"]


class Adagrad(_FxOptimizer):
    r"""Adagrad with torch's ``lr_decay``, through :func:`rustorch_fx.optim.adagrad`.

    ``s_t = s + g^2``, ``p -= lr / (1 + (t - 1) lr_decay) * g / (sqrt(s_t) + eps)``. As in
    torch, the state ``{'step', 'sum'}`` of every parameter is created in ``__init__`` (``sum``
    filled with ``initial_accumulator_value``), and :meth:`share_memory` exists (a no-op:
    compat tensors live in one process).

    Args:
        params: Parameters or parameter groups (see :class:`~compat.optim.Optimizer`).
        lr: Learning rate.
        lr_decay: Learning-rate decay.
        weight_decay: L2 penalty.
        initial_accumulator_value: Initial value of ``sum``.
        eps: Term added to the denominator.
        foreach: Accepted for torch compatibility.
        maximize: Maximize the objective instead of minimizing it.
        differentiable: Must be False (UnsupportedError otherwise).
        fused: Accepted for torch compatibility.

    Raises:
        OptimizerError: For a negative ``lr``, ``lr_decay``, ``weight_decay``,
            ``initial_accumulator_value`` or ``eps``.
        UnsupportedError: For ``differentiable=True``.

    Example:
        >>> import compat
        >>> from compat.optim import Adagrad
        >>> w = compat.nn.Parameter(compat.ones(3))
        >>> opt = Adagrad([w], lr=0.1, initial_accumulator_value=0.5)
        >>> opt.state[w]["sum"].tolist()
        [0.5, 0.5, 0.5]
    """

    _core = fx.ScaleByAdagradState
    _fields = {"step": "count", "sum": "sum"}  # noqa: RUF012
    _traced = ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps")
    _static = ("maximize",)

    def __init__(
        self,
        params: Any,
        lr: Any = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        """Validate the hyperparameters like torch, build the groups and the state."""
        name = "Adagrad"
        iav = initial_accumulator_value
        _validate(
            name,
            [
                (_number(name, "lr", lr) >= 0.0, f"Invalid learning rate: {lr}"),
                (_number(name, "lr_decay", lr_decay) >= 0.0, f"Invalid lr_decay value: {lr_decay}"),
                (
                    _number(name, "weight_decay", weight_decay) >= 0.0,
                    f"Invalid weight_decay value: {weight_decay}",
                ),
                (
                    _number(name, "initial_accumulator_value", iav) >= 0.0,
                    f"Invalid initial_accumulator_value value: {iav}",
                ),
                (_number(name, "eps", eps) >= 0.0, f"Invalid epsilon value: {eps}"),
            ],
        )
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": iav,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "fused": fused,
        }
        _check_kernel_options(name, defaults)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                value = np.full(p.shape, group["initial_accumulator_value"], p._value.dtype)
                self.state[p]["step"] = Tensor._wrap(jax.device_put(np.asarray(0.0, np.float32)))
                self.state[p]["sum"] = Tensor._wrap(jax.device_put(value))

    def share_memory(self) -> None:
        """A no-op: torch moves the ``sum`` buffers to shared memory, compat tensors need not.

        Example:
            >>> import compat
            >>> from compat.optim import Adagrad
            >>> Adagrad([compat.nn.Parameter(compat.ones(2))]).share_memory()
        """

    @staticmethod
    def _transform(h: dict[str, Any]) -> optax.GradientTransformation:
        return fx.adagrad(
            h["lr"],
            h["lr_decay"],
            h["weight_decay"],
            h["initial_accumulator_value"],
            h["eps"],
            maximize=h["maximize"],
        )
