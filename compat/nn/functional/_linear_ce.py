"""``torch.nn.functional.linear_cross_entropy`` for compat: one engine op.

The whole loss (the linear map, the cross entropy and the reduction) is a single call of
:func:`rustorch_fx.losses.linear_cross_entropy` through the engine, so the backward is one
cached, jitted vjp; with ``options`` that vjp recomputes the logits chunk by chunk and never
holds the whole ``(N, C)`` logits. Class indices out of range are checked here on the
concrete target, before the op runs (inside a trace they are not known).
"""

from __future__ import annotations

import rustorch_fx.losses as _L
from compat._engine import apply
from compat._tensor import Tensor
from compat.nn.functional._loss import _adapter, _check_classes, _optional, _tensors
from rustorch_fx.errors import ArgumentTypeError

__all__ = ["linear_cross_entropy"]

_OP = _adapter(
    _L.linear_cross_entropy, ("input", "linear_weight", "target", "linear_bias", "weight")
)


def linear_cross_entropy(
    input: Tensor,
    linear_weight: Tensor,
    target: Tensor,
    *,
    linear_bias: Tensor | None = None,
    weight: Tensor | None = None,
    reduction: str = "mean",
    ignore_index: int | None = None,
    label_smoothing: float = 0.0,
    options: _L.LinearCrossEntropyOptions | None = None,
) -> Tensor:
    """Cross entropy of ``linear(input, linear_weight, linear_bias)`` against ``target``.

    See :func:`rustorch_fx.losses.linear_cross_entropy`: ``options=None`` computes the
    logits whole (torch's reference path), a
    :class:`~compat.nn.LinearCrossEntropyOptions` processes the batch in chunks.

    Args:
        input: ``(in_features,)`` or ``(N, in_features)``.
        linear_weight: ``(C, in_features)`` or ``(C, d1, ..., dK, in_features)``.
        target: Class indices ``()``, ``(N,)`` or ``(N, d1, ..., dK)`` (int64), or class
            probabilities of the logits' shape.
        linear_bias: Optional bias ``(C, d1, ..., dK)``.
        weight: Optional per-class weights ``(C,)``.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.
        ignore_index: A class index that contributes nothing (``None``: ``-100``; must be
            ``None`` with probabilities).
        label_smoothing: In ``[0, 1]``.
        options: ``None`` or a :class:`~compat.nn.LinearCrossEntropyOptions`.

    Returns:
        The loss tensor.

    Raises:
        ArgumentTypeError: If a tensor argument is not a Tensor, or ``options`` has another
            type.
        ShapeError: For mismatched shapes (see the rustorch_fx function).
        IndexOutOfRangeError: For a class index outside ``[0, C)``.
        InvalidArgumentError: For bad ``label_smoothing``, ``reduction``, ``ignore_index``
            with probabilities or inconsistent options.

    Example:
        >>> x = compat.tensor([[1.0, 0.0], [0.0, 1.0]])
        >>> w = compat.tensor([[2.0, 0.0], [0.0, 2.0], [0.0, 0.0]])
        >>> linear_cross_entropy(x, w, compat.tensor([0, 1]))
        tensor(0.2395)
    """
    op = "linear_cross_entropy"
    _tensors(op, input=input, linear_weight=linear_weight, target=target)
    _optional(op, "linear_bias", linear_bias)
    _optional(op, "weight", weight)
    if options is not None and not isinstance(options, _L.LinearCrossEntropyOptions):
        raise ArgumentTypeError(
            f"{op}: options must be a LinearCrossEntropyOptions or None, "
            f"got {type(options).__name__}"
        )
    shape = tuple(linear_weight.shape)
    index = -100 if ignore_index is None else ignore_index
    probs = tuple(target.shape) == (*input.shape[:-1], *shape[:-1])
    if len(shape) >= 2 and not probs and isinstance(index, int):
        _check_classes(op, target, shape[0], index)
    return apply(
        _OP,
        input,
        linear_weight,
        target,
        linear_bias,
        weight,
        reduction=reduction,
        ignore_index=ignore_index,
        label_smoothing=label_smoothing,
        options=options,
    )
