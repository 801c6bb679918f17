"""``torch.nn.modules.fold`` for compat: Fold (col2im) and Unfold (im2col).

Constructor arguments and ``extra_repr`` are torch's; ``forward`` is one call of
:func:`compat.nn.functional.fold` / :func:`compat.nn.functional.unfold`.
"""

from __future__ import annotations

from typing import Any

from compat._tensor import Tensor
from compat.nn import functional as F
from compat.nn.modules.module import Module

__all__ = ["Fold", "Unfold"]


class Fold(Module):
    """Sum sliding local blocks into an image (``torch.nn.Fold``); see :func:`F.fold`.

    Args:
        output_size: Spatial size of the result, an int or a pair.
        kernel_size: Block size, an int or a pair.
        dilation: Spacing between block elements (default 1).
        padding: Implicit zero padding on both sides (default 0).
        stride: Step between blocks (default 1).

    Shape:
        - input: ``(N, C * kh * kw, L)`` or ``(C * kh * kw, L)``
        - output: ``(N, C, *output_size)`` or ``(C, *output_size)``.

    Example:
        >>> Fold((4, 4), 2)(compat.ones((1, 12, 9))).shape
        (1, 3, 4, 4)
    """

    def __init__(
        self,
        output_size: Any,
        kernel_size: Any,
        dilation: Any = 1,
        padding: Any = 0,
        stride: Any = 1,
    ) -> None:
        super().__init__()
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:
        """Fold ``input``'s columns into an image.

        Args:
            input: ``(N, C * kh * kw, L)`` or ``(C * kh * kw, L)``.

        Returns:
            ``(N, C, *output_size)`` or ``(C, *output_size)``.
        """
        return F.fold(
            input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride
        )

    def extra_repr(self) -> str:
        """Torch's summary of the block arguments."""
        return (
            f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
            f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}"
        )


class Unfold(Module):
    """Extract sliding local blocks (``torch.nn.Unfold``); see :func:`F.unfold`.

    Args:
        kernel_size: Block size, an int or a pair.
        dilation: Spacing between block elements (default 1).
        padding: Implicit zero padding on both sides (default 0).
        stride: Step between blocks (default 1).

    Shape:
        - input: ``(N, C, H, W)`` or ``(C, H, W)``
        - output: ``(N, C * kh * kw, L)`` or ``(C * kh * kw, L)``.

    Example:
        >>> Unfold(3, padding=1)(compat.ones((2, 3, 5, 5))).shape
        (2, 27, 25)
    """

    def __init__(
        self, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:
        """Unfold ``input`` into columns of blocks.

        Args:
            input: ``(N, C, H, W)`` or ``(C, H, W)``.

        Returns:
            ``(N, C * kh * kw, L)`` or ``(C * kh * kw, L)``.
        """
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        """Torch's summary of the block arguments."""
        return (
            f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
            f"padding={self.padding}, stride={self.stride}"
        )
