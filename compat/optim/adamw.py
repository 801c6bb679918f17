"""``torch.optim.AdamW``: :class:`~compat.optim.Adam` with decoupled weight decay."""

from __future__ import annotations

from typing import Any

from compat.optim.adam import Adam

__all__ = ["AdamW"]


class AdamW(Adam):
    r"""AdamW (Loshchilov & Hutter): Adam with decoupled weight decay, default ``1e-2``.

    ``p *= 1 - lr * weight_decay`` then the Adam step (:func:`rustorch_fx.optim.adamw`). As in
    torch 2.x, AdamW is Adam with ``decoupled_weight_decay=True`` (the group holds that key).

    Args:
        params: Parameters or parameter groups (see :class:`~compat.optim.Optimizer`).
        lr: Learning rate.
        betas: Decay rates ``(b1, b2)`` of the moments.
        eps: Term added to the denominator.
        weight_decay: Decoupled weight decay coefficient.
        amsgrad: Use the running maximum of the second moment.
        maximize: Maximize the objective instead of minimizing it.
        foreach: Accepted for torch compatibility.
        capturable: Accepted for torch compatibility.
        differentiable: Must be False (UnsupportedError otherwise).
        fused: Accepted for torch compatibility.

    Raises:
        OptimizerError: For an invalid ``lr``, ``eps``, beta or ``weight_decay``.
        UnsupportedError: For ``differentiable=True``.

    Example:
        >>> import compat
        >>> from compat.optim import AdamW
        >>> model = compat.nn.Linear(3, 1)
        >>> opt = AdamW(model.parameters(), lr=1e-3)
        >>> opt.param_groups[0]["weight_decay"]
        0.01
    """

    def __init__(
        self,
        params: Any,
        lr: Any = 1e-3,
        betas: tuple[Any, Any] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        """Validate the hyperparameters like torch and build the groups."""
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            foreach=foreach,
            maximize=maximize,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=True,
        )

    def _after_load(self) -> None:
        super()._after_load()
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
