"""``torch.nn.modules.linear`` for compat: Identity, Linear, Bilinear and LazyLinear.

Parameters have PyTorch's layouts and default initialisation (``kaiming_uniform_(a=sqrt(5))``
for a Linear weight, ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))`` for its bias), so state dicts move
between torch and compat unchanged. ``forward`` is one call of :mod:`compat.nn.functional`.
"""

from __future__ import annotations

import math
from typing import Any

import compat
from compat._grad_mode import no_grad
from compat._tensor import Tensor
from compat.nn import functional as F
from compat.nn import init
from compat.nn.modules.lazy import LazyModuleMixin
from compat.nn.modules.module import Module
from compat.nn.parameter import Parameter, UninitializedParameter
from rustorch_fx._checks import is_int
from rustorch_fx.errors import InvalidArgumentError, ShapeError

__all__ = ["Bilinear", "Identity", "LazyLinear", "Linear"]


def _features(cls: str, **sizes: Any) -> None:
    """Raise :class:`InvalidArgumentError` unless every size is a non-negative int."""
    for name, value in sizes.items():
        if not is_int(value) or value < 0:
            raise InvalidArgumentError(f"{cls}: {name} must be a non-negative int, got {value!r}")


class Identity(Module):
    """A placeholder that returns its input unchanged; any constructor arguments are ignored.

    Args:
        *args: Ignored.
        **kwargs: Ignored.

    Shape:
        - input, output: ``(*)``, the same tensor.

    Example:
        >>> m = Identity(54, unused="x")
        >>> x = compat.ones(2)
        >>> m(x) is x
        True
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        """Return ``input``.

        Args:
            input: Any tensor.

        Returns:
            ``input`` itself.
        """
        return input


class Linear(Module):
    """The affine map ``y = x @ weight.T + bias``.

    Args:
        in_features: Size of each input sample.
        out_features: Size of each output sample.
        bias: Learn an additive bias.
        device: Device of the parameters.
        dtype: Dtype of the parameters (default float32).

    Attributes:
        weight: ``(out_features, in_features)``, initialised from
            ``U(-1/sqrt(in_features), 1/sqrt(in_features))`` (``kaiming_uniform_(a=sqrt(5))``).
        bias: ``(out_features,)``, from the same distribution; None without bias.

    Shape:
        - input: ``(*, in_features)``
        - output: ``(*, out_features)``

    Raises:
        InvalidArgumentError: If a size is not a non-negative int.

    Example:
        >>> m = Linear(20, 30)
        >>> m(compat.randn(128, 20)).shape
        (128, 30)
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        _features("Linear", in_features=in_features, out_features=out_features)
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(
            compat.empty((out_features, in_features), device=device, dtype=dtype)
        )
        if bias:
            self.bias = Parameter(compat.empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw the weight and bias again from their default distributions."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        """Apply :func:`compat.nn.functional.linear`.

        Args:
            input: ``(*, in_features)``.

        Returns:
            ``(*, out_features)``.
        """
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        """``in_features=..., out_features=..., bias=...``, as torch."""
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Bilinear(Module):
    """The bilinear map ``y = x1^T A x2 + b``.

    Args:
        in1_features: Size of each first input sample.
        in2_features: Size of each second input sample.
        out_features: Size of each output sample.
        bias: Learn an additive bias.
        device: Device of the parameters.
        dtype: Dtype of the parameters (default float32).

    Attributes:
        weight: ``(out_features, in1_features, in2_features)`` from
            ``U(-1/sqrt(in1_features), 1/sqrt(in1_features))``.
        bias: ``(out_features,)`` from the same distribution; None without bias.

    Shape:
        - input1: ``(*, in1_features)``, input2: ``(*, in2_features)``
        - output: ``(*, out_features)``

    Raises:
        InvalidArgumentError: If a size is not a non-negative int.

    Example:
        >>> m = Bilinear(20, 30, 40)
        >>> m(compat.randn(128, 20), compat.randn(128, 30)).shape
        (128, 40)
    """

    def __init__(
        self,
        in1_features: int,
        in2_features: int,
        out_features: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        _features(
            "Bilinear",
            in1_features=in1_features,
            in2_features=in2_features,
            out_features=out_features,
        )
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        self.weight = Parameter(
            compat.empty((out_features, in1_features, in2_features), device=device, dtype=dtype)
        )
        if bias:
            self.bias = Parameter(compat.empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw the weight and bias again from ``U(-1/sqrt(in1), 1/sqrt(in1))``."""
        bound = 1 / math.sqrt(self.weight.size(1)) if self.weight.size(1) > 0 else 0
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        """Apply :func:`compat.nn.functional.bilinear`.

        Args:
            input1: ``(*, in1_features)``.
            input2: ``(*, in2_features)``.

        Returns:
            ``(*, out_features)``.
        """
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        """``in1_features=..., in2_features=..., out_features=..., bias=...``, as torch."""
        return (
            f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None}"
        )


class LazyLinear(LazyModuleMixin, Linear):
    """A Linear whose ``in_features`` comes from its first input (``torch.nn.LazyLinear``).

    Until the first forward, ``weight`` and ``bias`` are
    :class:`~compat.nn.UninitializedParameter`; the first call sets ``in_features`` to the
    input's last dim, materialises and initialises them as :class:`Linear` does, and turns the
    module into a :class:`Linear`.

    Args:
        out_features: Size of each output sample.
        bias: Whether to learn an additive bias.
        device: Accepted for torch compatibility.
        dtype: The parameters' dtype (default float32).

    Shape:
        - input: ``(*, H_in)``; output: ``(*, out_features)``.

    Example:
        >>> m = LazyLinear(4)
        >>> m(compat.ones(2, 3)).shape, m
        ((2, 4), Linear(in_features=3, out_features=4, bias=True))
    """

    cls_to_become = Linear

    def __init__(
        self, out_features: int, bias: bool = True, device: Any = None, dtype: Any = None
    ) -> None:
        super().__init__(0, 0, False)
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_features = out_features
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        """Initialise as :class:`Linear` once the shapes are known (a no-op before)."""
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor) -> None:
        """Materialise ``weight`` ``(out_features, input.shape[-1])`` and ``bias``, then init.

        Args:
            input: The first forward's input.

        Raises:
            ShapeError: If a weight loaded before the first forward does not fit the input.
        """
        if self.has_uninitialized_params():
            with no_grad():
                self.in_features = input.shape[-1]
                self.weight.materialize((self.out_features, self.in_features))
                if self.bias is not None:
                    self.bias.materialize((self.out_features,))
                self.reset_parameters()
        if self.in_features == 0:
            # Materialised by load_state_dict: take in_features from the loaded weight.
            if input.shape[-1] != self.weight.shape[-1]:
                raise ShapeError(
                    f"LazyLinear: the in_features inferred from the input, {input.shape[-1]}, "
                    f"differ from the loaded weight's, {self.weight.shape[-1]}"
                )
            self.in_features = input.shape[-1]
