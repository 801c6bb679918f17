"""``torch.nn.modules.pixelshuffle`` for compat: PixelShuffle and PixelUnshuffle."""

from __future__ import annotations

from compat._tensor import Tensor
from compat.nn import functional as F
from compat.nn.modules.module import Module

__all__ = ["PixelShuffle", "PixelUnshuffle"]


class PixelShuffle(Module):
    """Rearrange ``(*, C * r * r, H, W)`` into ``(*, C, H * r, W * r)`` (``torch.nn.PixelShuffle``).

    Args:
        upscale_factor: ``r``.

    Shape:
        - input: ``(*, C * r * r, H, W)``; output: ``(*, C, H * r, W * r)``.

    Example:
        >>> PixelShuffle(2)(compat.randn(1, 8, 3, 3)).shape
        (1, 2, 6, 6)
    """

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input: Tensor) -> Tensor:
        """Shuffle ``input``.

        Args:
            input: ``(*, C * r * r, H, W)``.

        Returns:
            ``(*, C, H * r, W * r)``.
        """
        return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        """The torch summary: the factor."""
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """Rearrange ``(*, C, H * r, W * r)`` into ``(*, C * r * r, H, W)`` (``torch.nn.PixelUnshuffle``).

    Args:
        downscale_factor: ``r``.

    Shape:
        - input: ``(*, C, H * r, W * r)``; output: ``(*, C * r * r, H, W)``.

    Example:
        >>> PixelUnshuffle(2)(compat.randn(1, 2, 6, 6)).shape
        (1, 8, 3, 3)
    """

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input: Tensor) -> Tensor:
        """Unshuffle ``input``.

        Args:
            input: ``(*, C, H * r, W * r)``.

        Returns:
            ``(*, C * r * r, H, W)``.
        """
        return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        """The torch summary: the factor."""
        return f"downscale_factor={self.downscale_factor}"
