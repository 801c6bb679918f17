"""``torch.nn.LinearCrossEntropyLoss`` for compat: a learnable linear head fused with its loss.

As torch's, the module holds a :class:`~compat.nn.Linear` (``linear``) of
``C * prod(out_features)`` outputs, stored flat and reshaped to
``(C, *out_features, in_features)`` in :meth:`LinearCrossEntropyLoss.forward`, and an optional
class ``weight`` buffer, so ``state_dict()`` keys are torch's (``weight``, ``linear.weight``,
``linear.bias``).
"""

from __future__ import annotations

import math
from typing import Any

from compat._tensor import Tensor
from compat.nn.functional._linear_ce import linear_cross_entropy
from compat.nn.modules.linear import Linear
from compat.nn.modules.loss import _WeightedLoss
from rustorch_fx.errors import InvalidArgumentError, ShapeError
from rustorch_fx.losses import LinearCrossEntropyOptions

__all__ = ["LinearCrossEntropyLoss"]


class LinearCrossEntropyLoss(_WeightedLoss):
    """Cross entropy of ``self.linear(input)`` (reshaped to ``(N, C, *out_features)``).

    Args:
        in_features: Size of each input sample.
        num_classes: Number of classes ``C``.
        out_features: Dimensions ``(d1, ..., dK)`` of a K-dimensional loss.
        bias: Give the linear map a learnable bias (stored flat, ``(C * prod(out),)``).
        device: Device of the linear weight.
        dtype: Dtype of the linear weight (default float32).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.
        weight: Optional per-class weights ``(C,)`` (a buffer).
        ignore_index: A class index that contributes nothing (``None``: ``-100`` for index
            targets).
        label_smoothing: In ``[0, 1]``.
        options: ``None`` (logits computed whole) or a
            :class:`~compat.nn.LinearCrossEntropyOptions` (the batch in chunks).

    Shape:
        - Input: ``(in_features,)`` or ``(N, in_features)``.
        - Target: class indices ``()``, ``(N,)`` or ``(N, *out_features)``; or probabilities
          ``(C,)`` or ``(N, C, *out_features)``.
        - Output: a scalar, or the target's shape without the class axis for ``'none'``.

    Raises:
        ShapeError: If ``weight`` is not of shape ``(C,)``.
        InvalidArgumentError: For ``label_smoothing`` outside ``[0, 1]`` or an unknown
            reduction.

    Example:
        >>> loss = LinearCrossEntropyLoss(5, 10, out_features=(4, 3))
        >>> loss(compat.randn(2, 5), compat.randint(0, 10, (2, 4, 3))).shape
        ()
    """

    def __init__(
        self,
        in_features: int,
        num_classes: int,
        *,
        out_features: tuple[int, ...] = (),
        bias: bool = False,
        device: Any = None,
        dtype: Any = None,
        reduction: str = "mean",
        weight: Tensor | None = None,
        ignore_index: int | None = None,
        label_smoothing: float = 0.0,
        options: LinearCrossEntropyOptions | None = None,
    ) -> None:
        if weight is not None and tuple(getattr(weight, "shape", ())) != (num_classes,):
            raise ShapeError(
                f"LinearCrossEntropyLoss: expected weight shape to be {(num_classes,)}, "
                f"got {tuple(getattr(weight, 'shape', ()))}"
            )
        if not 0.0 <= label_smoothing <= 1.0:
            raise InvalidArgumentError(
                "LinearCrossEntropyLoss: expected label_smoothing to be in range [0, 1], "
                f"got {label_smoothing}"
            )
        super().__init__(weight=weight, reduction=reduction)
        self.num_classes = num_classes
        self.out_features = tuple(out_features)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing
        self.linear = Linear(
            in_features,
            math.prod(self.out_features, start=num_classes),
            bias=bias,
            device=device,
            dtype=dtype,
        )
        self.options = options

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of ``input`` mapped by ``self.linear`` against ``target``."""
        shape = (self.num_classes, *self.out_features)
        bias = self.linear.bias
        return linear_cross_entropy(
            input,
            self.linear.weight.reshape((*shape, self.linear.in_features)),
            target,
            linear_bias=None if bias is None else bias.reshape(shape),
            weight=self.weight,
            reduction=self.reduction,
            ignore_index=self.ignore_index,
            label_smoothing=self.label_smoothing,
            options=self.options,
        )

    def extra_repr(self) -> str:
        """The one-line summary of the configuration, as torch prints it."""
        return (
            f"in_features={self.linear.in_features}, num_classes={self.num_classes}, "
            f"out_features={self.out_features}, bias={self.linear.bias is not None}, "
            f"reduction={self.reduction}, ignore_index={self.ignore_index}, "
            f"label_smoothing={self.label_smoothing}, options={self.options}"
        )
