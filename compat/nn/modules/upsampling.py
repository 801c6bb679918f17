"""``torch.nn.modules.upsampling`` for compat: Upsample, UpsamplingNearest2d, UpsamplingBilinear2d.

``forward`` is one call of :func:`compat.nn.functional.interpolate` (torch's coordinate
conventions; see :func:`rustorch_fx.nn.interpolate`).
"""

from __future__ import annotations

from typing import Any

from compat._tensor import Tensor
from compat.nn import functional as F
from compat.nn.modules.module import Module

__all__ = ["Upsample", "UpsamplingBilinear2d", "UpsamplingNearest2d"]


class Upsample(Module):
    """Resize the spatial dims of a batch (``torch.nn.Upsample``).

    Args:
        size: The output spatial size (exclusive with ``scale_factor``).
        scale_factor: A multiplier per spatial dim (stored as float, as torch).
        mode: ``"nearest"``, ``"nearest-exact"``, ``"linear"``, ``"bilinear"``, ``"bicubic"``,
            ``"trilinear"`` or ``"area"``.
        align_corners: For the linear and cubic modes.
        recompute_scale_factor: Recompute the coordinate scale from the output size.

    Shape:
        - input: ``(N, C, *spatial)``; output: ``(N, C, *spatial_out)``.

    Example:
        >>> Upsample(scale_factor=2, mode="bilinear")(compat.randn(1, 3, 4, 4)).shape
        (1, 3, 8, 8)
    """

    def __init__(
        self,
        size: Any = None,
        scale_factor: Any = None,
        mode: str = "nearest",
        align_corners: bool | None = None,
        recompute_scale_factor: bool | None = None,
    ) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor: Any = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        """Resize ``input``.

        Args:
            input: ``(N, C, *spatial)``.

        Returns:
            The resized tensor.
        """
        return F.interpolate(
            input,
            self.size,
            self.scale_factor,
            self.mode,
            self.align_corners,
            recompute_scale_factor=self.recompute_scale_factor,
        )

    def extra_repr(self) -> str:
        """The torch summary: the size or scale factor, and the mode."""
        if self.scale_factor is not None:
            info = "scale_factor=" + repr(self.scale_factor)
        else:
            info = "size=" + repr(self.size)
        return info + ", mode=" + repr(self.mode)


class UpsamplingNearest2d(Upsample):
    """Nearest-neighbour 2-d upsampling (``torch.nn.UpsamplingNearest2d``, deprecated there).

    Args:
        size: The output spatial size.
        scale_factor: A multiplier per spatial dim.

    Shape:
        - input: ``(N, C, H, W)``; output: ``(N, C, H_out, W_out)``.

    Example:
        >>> UpsamplingNearest2d(scale_factor=2)(compat.randn(1, 3, 4, 4)).shape
        (1, 3, 8, 8)
    """

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Bilinear 2-d upsampling with ``align_corners=True`` (``torch.nn.UpsamplingBilinear2d``).

    Args:
        size: The output spatial size.
        scale_factor: A multiplier per spatial dim.

    Shape:
        - input: ``(N, C, H, W)``; output: ``(N, C, H_out, W_out)``.

    Example:
        >>> UpsamplingBilinear2d(size=5)(compat.randn(1, 3, 4, 4)).shape
        (1, 3, 5, 5)
    """

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
