"""``torch.nn.modules.normalization`` for compat: LayerNorm, GroupNorm, RMSNorm, the LRNs.

Parameters, defaults, initialisation (weight ones, bias zeros) and printed forms are torch's;
``forward`` is one call of :mod:`compat.nn.functional`. Statistics are computed in float32 for
float16/bfloat16 input.
"""

from __future__ import annotations

from typing import Any

import compat
import rustorch_fx.nn as _nn
from compat._engine import apply
from compat._tensor import Tensor
from compat.nn import functional as F
from compat.nn import init
from compat.nn.modules.module import Module
from compat.nn.parameter import Parameter
from rustorch_fx._checks import is_int
from rustorch_fx.errors import InvalidArgumentError

__all__ = ["CrossMapLRN2d", "GroupNorm", "LayerNorm", "LocalResponseNorm", "RMSNorm"]


def _shape(cls: str, normalized_shape: Any) -> tuple[int, ...]:
    """``normalized_shape`` as a tuple of non-negative ints (an int is one dim)."""
    if is_int(normalized_shape):
        normalized_shape = (normalized_shape,)
    try:
        shape = tuple(normalized_shape)
    except TypeError:
        shape = None
    if shape is None or not all(is_int(s) and s >= 0 for s in shape):
        raise InvalidArgumentError(
            f"{cls}: normalized_shape must be an int or a sequence of non-negative ints, "
            f"got {normalized_shape!r}"
        )
    return tuple(int(s) for s in shape)


class LayerNorm(Module):
    """Layer normalisation over the trailing ``normalized_shape`` dims.

    ``y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias``, the mean and biased variance
    taken over the last ``len(normalized_shape)`` dims of each sample.

    Args:
        normalized_shape: An int or a sequence of ints: the trailing dims.
        eps: Added to the variance.
        elementwise_affine: Learn an element-wise ``weight`` (ones) and ``bias`` (zeros).
        bias: With ``elementwise_affine``, also learn the bias.
        device: Device of the parameters.
        dtype: Dtype of the parameters.

    Shape:
        - input, output: ``(*, *normalized_shape)``

    Raises:
        InvalidArgumentError: For a bad ``normalized_shape``.

    Example:
        >>> m = LayerNorm(10)
        >>> m(compat.randn(20, 5, 10)).shape
        (20, 5, 10)
    """

    def __init__(
        self,
        normalized_shape: Any,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.normalized_shape = _shape("LayerNorm", normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(compat.empty(self.normalized_shape, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(
                    compat.empty(self.normalized_shape, device=device, dtype=dtype)
                )
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Set the weight to ones and the bias to zeros."""
        if self.elementwise_affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        """Apply :func:`compat.nn.functional.layer_norm`.

        Args:
            input: ``(*, *normalized_shape)``.

        Returns:
            The normalised tensor.
        """
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        """``normalized_shape, eps=..., elementwise_affine=..., bias=...``, as torch."""
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}"
        )


class GroupNorm(Module):
    """Group normalisation: channels split into ``num_groups`` groups normalised per sample.

    Args:
        num_groups: The number of groups; it must divide ``num_channels``.
        num_channels: ``C``, the number of channels.
        eps: Added to the variance.
        affine: Learn a per-channel ``weight`` (ones) and ``bias`` (zeros).
        device: Device of the parameters.
        dtype: Dtype of the parameters.
        bias: With ``affine``, also learn the bias (keyword-only).

    Shape:
        - input, output: ``(N, C, *)``

    Raises:
        InvalidArgumentError: If ``num_groups`` does not divide ``num_channels`` or is not
            positive.

    Example:
        >>> m = GroupNorm(3, 6)
        >>> m(compat.randn(20, 6, 10, 10)).shape
        (20, 6, 10, 10)
    """

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        if not is_int(num_groups) or num_groups < 1:
            raise InvalidArgumentError(
                f"GroupNorm: num_groups must be a positive int, got {num_groups!r}"
            )
        if not is_int(num_channels) or num_channels < 0:
            raise InvalidArgumentError(
                f"GroupNorm: num_channels must be a non-negative int, got {num_channels!r}"
            )
        if num_channels % num_groups != 0:
            raise InvalidArgumentError(
                f"GroupNorm: num_channels ({num_channels}) must be divisible by num_groups "
                f"({num_groups})"
            )
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        if affine:
            self.weight = Parameter(compat.empty(num_channels, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(compat.empty(num_channels, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Set the weight to ones and the bias to zeros."""
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        """Apply :func:`compat.nn.functional.group_norm`.

        Args:
            input: ``(N, C, *)``.

        Returns:
            The normalised tensor.
        """
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        """``num_groups, num_channels, eps=..., affine=..., bias=...``, as torch."""
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
            f"bias={self.bias is not None}"
        )


class RMSNorm(Module):
    """Root-mean-square normalisation over the trailing ``normalized_shape`` dims.

    ``y = x / sqrt(mean(x**2) + eps) * weight``.

    Args:
        normalized_shape: An int or a sequence of ints: the trailing dims.
        eps: Added to the mean square; None is the input dtype's machine epsilon.
        elementwise_affine: Learn an element-wise ``weight`` (ones).
        device: Device of the parameters.
        dtype: Dtype of the parameters.

    Shape:
        - input, output: ``(*, *normalized_shape)``

    Raises:
        InvalidArgumentError: For a bad ``normalized_shape``.

    Example:
        >>> m = RMSNorm([2, 3])
        >>> m(compat.randn(2, 2, 3)).shape
        (2, 2, 3)
    """

    def __init__(
        self,
        normalized_shape: Any,
        eps: float | None = None,
        elementwise_affine: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.normalized_shape = _shape("RMSNorm", normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(compat.empty(self.normalized_shape, device=device, dtype=dtype))
        else:
            self.register_parameter("weight", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Set the weight to ones."""
        if self.elementwise_affine:
            init.ones_(self.weight)

    def forward(self, x: Tensor) -> Tensor:
        """Apply :func:`compat.nn.functional.rms_norm`.

        Args:
            x: ``(*, *normalized_shape)``.

        Returns:
            The normalised tensor.
        """
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        """``normalized_shape, eps=..., elementwise_affine=...``, as torch."""
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
        )


class LocalResponseNorm(Module):
    """Local response normalisation across channels (AlexNet's LRN).

    ``y = x / (k + alpha / size * sum_{size neighbouring channels} x**2) ** beta``.

    Args:
        size: The number of neighbouring channels.
        alpha: Multiplicative factor.
        beta: Exponent.
        k: Additive factor.

    Shape:
        - input, output: ``(N, C, *)``

    Raises:
        InvalidArgumentError: If ``size`` is not a positive int.

    Example:
        >>> m = LocalResponseNorm(2)
        >>> m(compat.randn(32, 5, 24, 24)).shape
        (32, 5, 24, 24)
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        if not is_int(size) or size < 1:
            raise InvalidArgumentError(
                f"LocalResponseNorm: size must be a positive int, got {size!r}"
            )
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input: Tensor) -> Tensor:
        """Apply :func:`compat.nn.functional.local_response_norm`.

        Args:
            input: ``(N, C, *)``.

        Returns:
            The normalised tensor.
        """
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        """``size, alpha=..., beta=..., k=...``, as torch."""
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class CrossMapLRN2d(Module):
    """Torch's legacy cross-channel LRN over ``(N, C, H, W)`` (``torch.nn.CrossMapLRN2d``).

    One op of :func:`rustorch_fx.nn.cross_map_lrn2d`, which reproduces torch's forward (its
    running window keeps counting channel 0) and its hand-written backward. New code should
    use :class:`LocalResponseNorm`.

    Args:
        size: The channel window.
        alpha: The multiplicative factor.
        beta: The exponent.
        k: The additive factor.

    Shape:
        - input, output: ``(N, C, H, W)``.

    Example:
        >>> CrossMapLRN2d(3)(compat.randn(2, 4, 3, 3)).shape
        (2, 4, 3, 3)
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input: Tensor) -> Tensor:
        """Normalise ``input`` across channels.

        Args:
            input: ``(N, C, H, W)``.

        Returns:
            A tensor shaped like ``input``.

        Raises:
            ShapeError: For an input that is not 4-D (torch: ValueError).
        """
        return apply(
            _nn.cross_map_lrn2d,
            input,
            size=self.size,
            alpha=float(self.alpha),
            beta=float(self.beta),
            k=float(self.k),
        )

    def extra_repr(self) -> str:
        """``size, alpha=..., beta=..., k=...``, as torch."""
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
