"""``torch.nn.modules.pooling`` for compat: max, average, power-average and adaptive pooling.

Constructor arguments and ``extra_repr`` are torch's; ``forward`` is one call of
:mod:`compat.nn.functional`. With ``return_indices=True`` the max pools return
``(values, int64 indices)``.
"""

from __future__ import annotations

from typing import Any

from compat._tensor import Tensor
from compat.nn import functional as F
from compat.nn.modules.module import Module

__all__ = [
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveAvgPool3d",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "AdaptiveMaxPool3d",
    "AvgPool1d",
    "AvgPool2d",
    "AvgPool3d",
    "LPPool1d",
    "LPPool2d",
    "LPPool3d",
    "MaxPool1d",
    "MaxPool2d",
    "MaxPool3d",
]


class _MaxPoolNd(Module):
    _functional: Any = None

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        dilation: Any = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        """The torch summary of the window arguments."""
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )

    def forward(self, input: Tensor) -> Any:
        """Max-pool ``input``.

        Args:
            input: ``(N, C, *spatial)`` or unbatched ``(C, *spatial)``.

        Returns:
            The pooled tensor, or ``(values, indices)`` with ``return_indices``.
        """
        return type(self)._functional(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            ceil_mode=self.ceil_mode,
            return_indices=self.return_indices,
        )


class MaxPool1d(_MaxPoolNd):
    """1-d max pooling (``torch.nn.MaxPool1d``); see :func:`compat.nn.functional.max_pool1d`.

    Args:
        kernel_size: Window size, an int or a 1-tuple.
        stride: Window stride (default: ``kernel_size``).
        padding: Implicit ``-inf`` padding on both sides (default 0).
        dilation: Spacing between window elements (default 1).
        return_indices: Also return the flat spatial index of each maximum (int64).
        ceil_mode: Use ``ceil`` instead of ``floor`` for the output size.

    Shape:
        - input: ``(N, C, L)`` or ``(C, L)``
        - output: ``(N, C, L_out)`` or ``(C, L_out)``.

    Example:
        >>> MaxPool1d(2)(compat.randn(2, 3, 8)).shape
        (2, 3, 4)
    """

    _functional = staticmethod(F.max_pool1d)


class MaxPool2d(_MaxPoolNd):
    """2-d max pooling (``torch.nn.MaxPool2d``); see :func:`compat.nn.functional.max_pool2d`.

    Args:
        kernel_size: Window size, an int or a tuple of 2 ints.
        stride: Window stride (default: ``kernel_size``).
        padding: Implicit ``-inf`` padding on both sides (default 0).
        dilation: Spacing between window elements (default 1).
        return_indices: Also return the flat spatial index of each maximum (int64).
        ceil_mode: Use ``ceil`` instead of ``floor`` for the output size.

    Shape:
        - input: ``(N, C, H, W)`` or ``(C, H, W)``
        - output: ``(N, C, H_out, W_out)`` or ``(C, H_out, W_out)``.

    Example:
        >>> MaxPool2d(2)(compat.randn(2, 3, 8, 8)).shape
        (2, 3, 4, 4)
    """

    _functional = staticmethod(F.max_pool2d)


class MaxPool3d(_MaxPoolNd):
    """3-d max pooling (``torch.nn.MaxPool3d``); see :func:`compat.nn.functional.max_pool3d`.

    Args:
        kernel_size: Window size, an int or a tuple of 3 ints.
        stride: Window stride (default: ``kernel_size``).
        padding: Implicit ``-inf`` padding on both sides (default 0).
        dilation: Spacing between window elements (default 1).
        return_indices: Also return the flat spatial index of each maximum (int64).
        ceil_mode: Use ``ceil`` instead of ``floor`` for the output size.

    Shape:
        - input: ``(N, C, D, H, W)`` or ``(C, D, H, W)``
        - output: ``(N, C, D_out, H_out, W_out)`` or ``(C, D_out, H_out, W_out)``.

    Example:
        >>> MaxPool3d(2)(compat.randn(2, 3, 8, 8, 8)).shape
        (2, 3, 4, 4, 4)
    """

    _functional = staticmethod(F.max_pool3d)


class _AvgPoolNd(Module):
    def extra_repr(self) -> str:
        """The torch summary of the window arguments."""
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_AvgPoolNd):
    """1-d average pooling (``torch.nn.AvgPool1d``); see :func:`compat.nn.functional.avg_pool1d`.

    Args:
        kernel_size: Window size.
        stride: Window stride (default: ``kernel_size``).
        padding: Implicit zero padding on both sides (default 0).
        ceil_mode: Use ``ceil`` instead of ``floor`` for the output size.
        count_include_pad: Whether the zero padding counts in the divisor.

    Shape:
        - input: ``(N, C, L)`` or ``(C, L)``; output: ``(N, C, L_out)`` or ``(C, L_out)``.

    Example:
        >>> AvgPool1d(2)(compat.randn(2, 3, 8)).shape
        (2, 3, 4)
    """

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        super().__init__()
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input: Tensor) -> Tensor:
        """Average-pool ``input`` (``(N, C, L)`` or ``(C, L)``).

        Args:
            input: The input tensor.

        Returns:
            The pooled tensor.
        """
        return F.avg_pool1d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
        )


def _single(value: Any) -> tuple[Any, ...]:
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


class _AvgPoolNdOverride(_AvgPoolNd):
    _functional: Any = None

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:
        """Average-pool ``input``.

        Args:
            input: ``(N, C, *spatial)`` or unbatched ``(C, *spatial)``.

        Returns:
            The pooled tensor.
        """
        return type(self)._functional(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )


class AvgPool2d(_AvgPoolNdOverride):
    """2-d average pooling (``torch.nn.AvgPool2d``); see :func:`compat.nn.functional.avg_pool2d`.

    Args:
        kernel_size: Window size, an int or a tuple of 2 ints.
        stride: Window stride (default: ``kernel_size``).
        padding: Implicit zero padding on both sides (default 0).
        ceil_mode: Use ``ceil`` instead of ``floor`` for the output size.
        count_include_pad: Whether the zero padding counts in the divisor.
        divisor_override: If given, the divisor of every window.

    Shape:
        - input: ``(N, C, H, W)`` or ``(C, H, W)``
        - output: ``(N, C, H_out, W_out)`` or ``(C, H_out, W_out)``.

    Example:
        >>> AvgPool2d(2)(compat.randn(2, 3, 8, 8)).shape
        (2, 3, 4, 4)
    """

    _functional = staticmethod(F.avg_pool2d)


class AvgPool3d(_AvgPoolNdOverride):
    """3-d average pooling (``torch.nn.AvgPool3d``); see :func:`compat.nn.functional.avg_pool3d`.

    Args:
        kernel_size: Window size, an int or a tuple of 3 ints.
        stride: Window stride (default: ``kernel_size``).
        padding: Implicit zero padding on both sides (default 0).
        ceil_mode: Use ``ceil`` instead of ``floor`` for the output size.
        count_include_pad: Whether the zero padding counts in the divisor.
        divisor_override: If given, the divisor of every window.

    Shape:
        - input: ``(N, C, D, H, W)`` or ``(C, D, H, W)``
        - output: ``(N, C, D_out, H_out, W_out)`` or ``(C, D_out, H_out, W_out)``.

    Example:
        >>> AvgPool3d(2)(compat.randn(2, 3, 8, 8, 8)).shape
        (2, 3, 4, 4, 4)
    """

    _functional = staticmethod(F.avg_pool3d)


class _LPPoolNd(Module):
    _functional: Any = None

    def __init__(
        self, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False
    ) -> None:
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        """The torch summary of the pooling arguments."""
        return (
            f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, ceil_mode={self.ceil_mode}"
        )

    def forward(self, input: Tensor) -> Tensor:
        """Power-average-pool ``input``.

        Args:
            input: ``(N, C, *spatial)`` or unbatched ``(C, *spatial)``.

        Returns:
            The pooled tensor.
        """
        return type(self)._functional(
            input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode
        )


class LPPool1d(_LPPoolNd):
    """1-d power-average pooling (``torch.nn.LPPool1d``); see :func:`compat.nn.functional.lp_pool1d`.

    Args:
        norm_type: The power ``p``.
        kernel_size: Window size, an int or a 1-tuple.
        stride: Window stride (default: ``kernel_size``).
        ceil_mode: Use ``ceil`` instead of ``floor`` for the output size.

    Shape:
        - input: ``(N, C, L)`` or ``(C, L)``
        - output: ``(N, C, L_out)`` or ``(C, L_out)``.

    Example:
        >>> LPPool1d(2, 2)(compat.randn(2, 3, 8)).shape
        (2, 3, 4)
    """

    _functional = staticmethod(F.lp_pool1d)


class LPPool2d(_LPPoolNd):
    """2-d power-average pooling (``torch.nn.LPPool2d``); see :func:`compat.nn.functional.lp_pool2d`.

    Args:
        norm_type: The power ``p``.
        kernel_size: Window size, an int or a tuple of 2 ints.
        stride: Window stride (default: ``kernel_size``).
        ceil_mode: Use ``ceil`` instead of ``floor`` for the output size.

    Shape:
        - input: ``(N, C, H, W)`` or ``(C, H, W)``
        - output: ``(N, C, H_out, W_out)`` or ``(C, H_out, W_out)``.

    Example:
        >>> LPPool2d(2, 2)(compat.randn(2, 3, 8, 8)).shape
        (2, 3, 4, 4)
    """

    _functional = staticmethod(F.lp_pool2d)


class LPPool3d(_LPPoolNd):
    """3-d power-average pooling (``torch.nn.LPPool3d``); see :func:`compat.nn.functional.lp_pool3d`.

    Args:
        norm_type: The power ``p``.
        kernel_size: Window size, an int or a tuple of 3 ints.
        stride: Window stride (default: ``kernel_size``).
        ceil_mode: Use ``ceil`` instead of ``floor`` for the output size.

    Shape:
        - input: ``(N, C, D, H, W)`` or ``(C, D, H, W)``
        - output: ``(N, C, D_out, H_out, W_out)`` or ``(C, D_out, H_out, W_out)``.

    Example:
        >>> LPPool3d(2, 2)(compat.randn(2, 3, 8, 8, 8)).shape
        (2, 3, 4, 4, 4)
    """

    _functional = staticmethod(F.lp_pool3d)


class _AdaptiveAvgPoolNd(Module):
    _functional: Any = None

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def extra_repr(self) -> str:
        """The torch summary: the output size."""
        return f"output_size={self.output_size}"

    def forward(self, input: Tensor) -> Tensor:
        """Adaptive-average-pool ``input`` to ``output_size``.

        Args:
            input: ``(N, C, *spatial)`` or unbatched ``(C, *spatial)``.

        Returns:
            The pooled tensor.
        """
        return type(self)._functional(input, self.output_size)


class _AdaptiveMaxPoolNd(Module):
    _functional: Any = None

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def extra_repr(self) -> str:
        """The torch summary: the output size."""
        return f"output_size={self.output_size}"

    def forward(self, input: Tensor) -> Any:
        """Adaptive-max-pool ``input`` to ``output_size``.

        Args:
            input: ``(N, C, *spatial)`` or unbatched ``(C, *spatial)``.

        Returns:
            The pooled tensor, or ``(values, indices)`` with ``return_indices``.
        """
        return type(self)._functional(input, self.output_size, self.return_indices)


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """1-d adaptive average pooling (``torch.nn.AdaptiveAvgPool1d``).

    See :func:`compat.nn.functional.adaptive_avg_pool1d`.

    Args:
        output_size: The target size, an int or a 1-tuple (``None`` keeps a dim).

    Shape:
        - input: ``(N, C, L)`` or ``(C, L)``
        - output: ``(N, C, *output_size)`` or ``(C, *output_size)``.

    Example:
        >>> AdaptiveAvgPool1d(4)(compat.randn(2, 3, 8)).shape
        (2, 3, 4)
    """

    _functional = staticmethod(F.adaptive_avg_pool1d)


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """2-d adaptive average pooling (``torch.nn.AdaptiveAvgPool2d``).

    See :func:`compat.nn.functional.adaptive_avg_pool2d`.

    Args:
        output_size: The target size, an int or a tuple of 2 ints (``None`` keeps a dim).

    Shape:
        - input: ``(N, C, H, W)`` or ``(C, H, W)``
        - output: ``(N, C, *output_size)`` or ``(C, *output_size)``.

    Example:
        >>> AdaptiveAvgPool2d(4)(compat.randn(2, 3, 8, 8)).shape
        (2, 3, 4, 4)
    """

    _functional = staticmethod(F.adaptive_avg_pool2d)


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    """3-d adaptive average pooling (``torch.nn.AdaptiveAvgPool3d``).

    See :func:`compat.nn.functional.adaptive_avg_pool3d`.

    Args:
        output_size: The target size, an int or a tuple of 3 ints (``None`` keeps a dim).

    Shape:
        - input: ``(N, C, D, H, W)`` or ``(C, D, H, W)``
        - output: ``(N, C, *output_size)`` or ``(C, *output_size)``.

    Example:
        >>> AdaptiveAvgPool3d(4)(compat.randn(2, 3, 8, 8, 8)).shape
        (2, 3, 4, 4, 4)
    """

    _functional = staticmethod(F.adaptive_avg_pool3d)


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """1-d adaptive max pooling (``torch.nn.AdaptiveMaxPool1d``).

    See :func:`compat.nn.functional.adaptive_max_pool1d`.

    Args:
        output_size: The target size, an int or a 1-tuple (``None`` keeps a dim).
        return_indices: Also return the flat index of each maximum (int64).

    Shape:
        - input: ``(N, C, L)`` or ``(C, L)``
        - output: ``(N, C, *output_size)`` or ``(C, *output_size)``.

    Example:
        >>> AdaptiveMaxPool1d(4)(compat.randn(2, 3, 8)).shape
        (2, 3, 4)
    """

    _functional = staticmethod(F.adaptive_max_pool1d)


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """2-d adaptive max pooling (``torch.nn.AdaptiveMaxPool2d``).

    See :func:`compat.nn.functional.adaptive_max_pool2d`.

    Args:
        output_size: The target size, an int or a tuple of 2 ints (``None`` keeps a dim).
        return_indices: Also return the flat index of each maximum (int64).

    Shape:
        - input: ``(N, C, H, W)`` or ``(C, H, W)``
        - output: ``(N, C, *output_size)`` or ``(C, *output_size)``.

    Example:
        >>> AdaptiveMaxPool2d(4)(compat.randn(2, 3, 8, 8)).shape
        (2, 3, 4, 4)
    """

    _functional = staticmethod(F.adaptive_max_pool2d)


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """3-d adaptive max pooling (``torch.nn.AdaptiveMaxPool3d``).

    See :func:`compat.nn.functional.adaptive_max_pool3d`.

    Args:
        output_size: The target size, an int or a tuple of 3 ints (``None`` keeps a dim).
        return_indices: Also return the flat index of each maximum (int64).

    Shape:
        - input: ``(N, C, D, H, W)`` or ``(C, D, H, W)``
        - output: ``(N, C, *output_size)`` or ``(C, *output_size)``.

    Example:
        >>> AdaptiveMaxPool3d(4)(compat.randn(2, 3, 8, 8, 8)).shape
        (2, 3, 4, 4, 4)
    """

    _functional = staticmethod(F.adaptive_max_pool3d)
