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
from rustorch_fx.errors import InvalidArgumentError

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
    "FractionalMaxPool2d",
    "FractionalMaxPool3d",
    "LPPool1d",
    "LPPool2d",
    "LPPool3d",
    "MaxPool1d",
    "MaxPool2d",
    "MaxPool3d",
    "MaxUnpool1d",
    "MaxUnpool2d",
    "MaxUnpool3d",
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


def _tuple(value: Any, nd: int) -> tuple[Any, ...]:
    """Torch's ``_single``/``_pair``/``_triple``: an iterable as a tuple, else repeated."""
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,) * nd


class _MaxUnpoolNd(Module):
    _functional: Any = None
    _nd = 0

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        nd = type(self)._nd
        self.kernel_size = _tuple(kernel_size, nd)
        self.stride = _tuple(stride if stride is not None else kernel_size, nd)
        self.padding = _tuple(padding, nd)

    def extra_repr(self) -> str:
        """The torch summary of the window arguments."""
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, input: Tensor, indices: Tensor, output_size: Any = None) -> Tensor:
        """Scatter ``input`` back to the positions ``indices`` of the pooled input.

        Args:
            input: ``(N, C, *spatial)`` or unbatched ``(C, *spatial)``, the pooled values.
            indices: The int64 indices returned with them by the max pool.
            output_size: The spatial output size (default: the unpooling formula).

        Returns:
            The unpooled tensor, zero away from the indices.
        """
        return type(self)._functional(
            input, indices, self.kernel_size, self.stride, self.padding, output_size
        )


class MaxUnpool1d(_MaxUnpoolNd):
    """Partial inverse of MaxPool1d (``torch.nn.MaxUnpool1d``); see :func:`F.max_unpool1d`.

    Args:
        kernel_size: The pooling window, an int or a 1-tuple.
        stride: The pooling stride (default: ``kernel_size``).
        padding: The pooling padding (default 0).

    Shape:
        - input and indices: ``(N, C, L)`` or ``(C, L)``
        - output: ``(N, C, (L - 1) * stride - 2 * padding + kernel_size)`` or ``output_size``.

    Example:
        >>> v, i = MaxPool1d(2, return_indices=True)(compat.randn(1, 2, 6))
        >>> MaxUnpool1d(2)(v, i).shape
        (1, 2, 6)
    """

    _functional = staticmethod(F.max_unpool1d)
    _nd = 1


class MaxUnpool2d(_MaxUnpoolNd):
    """Partial inverse of MaxPool2d (``torch.nn.MaxUnpool2d``); see :func:`F.max_unpool2d`.

    Args:
        kernel_size: The pooling window, an int or a pair.
        stride: The pooling stride (default: ``kernel_size``).
        padding: The pooling padding (default 0).

    Shape:
        - input and indices: ``(N, C, H, W)`` or ``(C, H, W)``
        - output: ``(N, C, H_out, W_out)``, each ``(in - 1) * stride - 2 * padding +
          kernel_size`` unless ``output_size`` is given.

    Example:
        >>> v, i = MaxPool2d(2, return_indices=True)(compat.randn(1, 2, 4, 6))
        >>> MaxUnpool2d(2)(v, i).shape
        (1, 2, 4, 6)
    """

    _functional = staticmethod(F.max_unpool2d)
    _nd = 2


class MaxUnpool3d(_MaxUnpoolNd):
    """Partial inverse of MaxPool3d (``torch.nn.MaxUnpool3d``); see :func:`F.max_unpool3d`.

    Args:
        kernel_size: The pooling window, an int or a tuple of 3 ints.
        stride: The pooling stride (default: ``kernel_size``).
        padding: The pooling padding (default 0).

    Shape:
        - input and indices: ``(N, C, D, H, W)`` or ``(C, D, H, W)``
        - output: ``(N, C, D_out, H_out, W_out)``, each ``(in - 1) * stride - 2 * padding +
          kernel_size`` unless ``output_size`` is given.

    Example:
        >>> v, i = MaxPool3d(2, return_indices=True)(compat.randn(1, 2, 4, 4, 4))
        >>> MaxUnpool3d(2)(v, i).shape
        (1, 2, 4, 4, 4)
    """

    _functional = staticmethod(F.max_unpool3d)
    _nd = 3


class _FractionalMaxPoolNd(Module):
    _functional: Any = None

    def __init__(
        self,
        kernel_size: Any,
        output_size: Any = None,
        output_ratio: Any = None,
        return_indices: bool = False,
        _random_samples: Tensor | None = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        self.kernel_size = kernel_size
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = output_size
        self.output_ratio = output_ratio
        if output_size is None and output_ratio is None:
            raise InvalidArgumentError(
                f"{name} requires specifying either an output size, or a pooling ratio"
            )
        if output_size is not None and output_ratio is not None:
            raise InvalidArgumentError("only one of output_size and output_ratio may be specified")
        if output_ratio is not None:
            ratios = output_ratio if isinstance(output_ratio, (list, tuple)) else [output_ratio]
            if not all(0 < r < 1 for r in ratios):
                raise InvalidArgumentError(
                    f"output_ratio must be between 0 and 1 (got {output_ratio})"
                )

    def forward(self, input: Tensor) -> Any:
        """Fractional-max-pool ``input``.

        Args:
            input: ``(N, C, *spatial)`` or unbatched ``(C, *spatial)``.

        Returns:
            The pooled tensor, or ``(values, indices)`` with ``return_indices``.
        """
        return type(self)._functional(
            input,
            self.kernel_size,
            self.output_size,
            self.output_ratio,
            self.return_indices,
            _random_samples=self._random_samples,
        )


class FractionalMaxPool2d(_FractionalMaxPoolNd):
    """2-d fractional max pooling (``torch.nn.FractionalMaxPool2d``).

    See :func:`compat.nn.functional.fractional_max_pool2d`; without ``_random_samples`` each
    call draws new samples from compat's default generator.

    Args:
        kernel_size: The window, an int or a pair.
        output_size: The output size, an int or a pair.
        output_ratio: Or the output size as a fraction of the input's, in ``(0, 1)``.
        return_indices: Also return the flat index of each maximum (int64).
        _random_samples: Fixed ``(N, C, 2)`` samples (a buffer), making the pooling
            deterministic.

    Shape:
        - input: ``(N, C, H, W)`` or ``(C, H, W)``; output: ``(N, C, oH, oW)`` or ``(C, oH, oW)``.

    Raises:
        InvalidArgumentError: For neither or both of ``output_size`` and ``output_ratio``, or a
            ratio outside ``(0, 1)`` (also ValueError, as torch's).

    Example:
        >>> FractionalMaxPool2d(3, output_ratio=0.5)(compat.randn(1, 2, 8, 8)).shape
        (1, 2, 4, 4)
    """

    _functional = staticmethod(F.fractional_max_pool2d)


class FractionalMaxPool3d(_FractionalMaxPoolNd):
    """3-d fractional max pooling (``torch.nn.FractionalMaxPool3d``).

    See :func:`compat.nn.functional.fractional_max_pool3d`.

    Args:
        kernel_size: The window, an int or a tuple of 3 ints.
        output_size: The output size, an int or a tuple of 3 ints.
        output_ratio: Or the output size as a fraction of the input's, in ``(0, 1)``.
        return_indices: Also return the flat index of each maximum (int64).
        _random_samples: Fixed ``(N, C, 3)`` samples (a buffer).

    Shape:
        - input: ``(N, C, T, H, W)`` or ``(C, T, H, W)``.

    Raises:
        InvalidArgumentError: For neither or both of ``output_size`` and ``output_ratio``, or a
            ratio outside ``(0, 1)`` (also ValueError, as torch's).

    Example:
        >>> FractionalMaxPool3d(2, output_size=2)(compat.randn(1, 2, 5, 5, 5)).shape
        (1, 2, 2, 2, 2)
    """

    _functional = staticmethod(F.fractional_max_pool3d)
