"""``torch.nn.functional.linear`` and ``bilinear`` over compat tensors: one op each.

Each function runs its :mod:`rustorch_fx.nn` counterpart (PyTorch's weight layouts) through the
one op path (:func:`compat._engine.apply`).
"""

from __future__ import annotations

from typing import Any

import rustorch_fx.nn as _nn
from compat._engine import apply
from compat._tensor import Tensor
from rustorch_fx.errors import ArgumentTypeError

__all__ = ["bilinear", "linear"]


def _require_tensor(op: str, name: str, value: Any, optional: bool = False) -> None:
    """Raise :class:`ArgumentTypeError` unless ``value`` is a Tensor (or None when ``optional``)."""
    if isinstance(value, Tensor) or (optional and value is None):
        return
    expected = "a Tensor or None" if optional else "a Tensor"
    raise ArgumentTypeError(
        f"{op}: argument '{name}' must be {expected}, got {type(value).__name__}"
    )


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias`` (:func:`rustorch_fx.nn.linear`).

    Args:
        input: ``(*, in_features)``.
        weight: ``(out_features, in_features)``.
        bias: Optional ``(out_features,)``.

    Returns:
        ``(*, out_features)``.

    Shape:
        - input: ``(*, H_in)``, weight: ``(H_out, H_in)``, output: ``(*, H_out)``

    Raises:
        ArgumentTypeError: If an argument is not a Tensor.
        ShapeError: If the feature sizes differ.
        DTypeError: If the dtypes differ.

    Example:
        >>> linear(compat.ones(4, 3), compat.ones(2, 3)).shape
        (4, 2)
    """
    _require_tensor("linear", "input", input)
    _require_tensor("linear", "weight", weight)
    _require_tensor("linear", "bias", bias, optional=True)
    return apply(_nn.linear, input, weight, bias)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input1[..., i] * weight[o, i, j] * input2[..., j] + bias[o]`` (:func:`rustorch_fx.nn.bilinear`).

    Args:
        input1: ``(*, in1_features)``.
        input2: ``(*, in2_features)``.
        weight: ``(out_features, in1_features, in2_features)``.
        bias: Optional ``(out_features,)``.

    Returns:
        ``(*, out_features)``.

    Shape:
        - input1: ``(*, H_in1)``, input2: ``(*, H_in2)``, output: ``(*, H_out)``

    Raises:
        ArgumentTypeError: If an argument is not a Tensor.
        ShapeError: If the leading dims or feature sizes do not match.

    Example:
        >>> bilinear(compat.ones(5, 3), compat.ones(5, 4), compat.ones(2, 3, 4)).shape
        (5, 2)
    """
    for name, value in (("input1", input1), ("input2", input2), ("weight", weight)):
        _require_tensor("bilinear", name, value)
    _require_tensor("bilinear", "bias", bias, optional=True)
    return apply(_nn.bilinear, input1, input2, weight, bias)
