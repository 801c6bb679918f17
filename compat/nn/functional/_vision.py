"""``torch.nn.functional`` resampling, padding and rearranging ops over compat tensors.

interpolate/upsample, pad, pixel_shuffle/unshuffle, channel_shuffle, unfold/fold, affine_grid
and grid_sample.

Each function runs its :mod:`rustorch_fx.nn` counterpart through
:func:`compat._engine.apply` as one op (sizes, scales, modes and pads are static). torch's
``pixel_shuffle``/``pixel_unshuffle`` are also attached as ``compat.pixel_shuffle`` and
``compat.pixel_unshuffle``.
"""

from __future__ import annotations

import sys
from typing import Any

import rustorch_fx.nn as _nn
from compat._engine import apply
from compat._tensor import Tensor
from rustorch_fx.errors import ArgumentTypeError

__all__ = [
    "affine_grid",
    "channel_shuffle",
    "fold",
    "grid_sample",
    "interpolate",
    "pad",
    "pixel_shuffle",
    "pixel_unshuffle",
    "unfold",
    "upsample",
    "upsample_bilinear",
    "upsample_nearest",
]


def _static(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _tensor(op: str, input: Any) -> None:
    if not isinstance(input, Tensor):
        raise ArgumentTypeError(
            f"{op}: argument 'input' must be a Tensor, got {type(input).__name__}"
        )


def pad(input: Tensor, pad: Any, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last ``len(pad) // 2`` dims of ``input`` (``torch.nn.functional.pad``).

    Runs :func:`rustorch_fx.nn.pad` as one op of compat's autograd engine.

    Args:
        input: A tensor.
        pad: ``(left, right)`` for the last dim, then ``(top, bottom)`` for the one before,
            and so on (an even-length sequence of ints, at most ``2 * input.ndim``).
        mode: ``"constant"`` (fill with ``value``; negative pads crop), ``"reflect"``
            (mirror without repeating the edge), ``"replicate"`` (repeat the edge) or
            ``"circular"`` (wrap around).
        value: The fill value of ``"constant"`` mode (default 0).

    Returns:
        The padded tensor, of the input's dtype.

    Raises:
        InvalidArgumentError: For an odd or too long ``pad``, an unknown mode, ``value`` with
            a non-constant mode, or a reflect pad not smaller than its dim.
        UnsupportedError: For a non-constant mode on an input of the wrong rank (torch pads
            the last 1, 2 or 3 dims of a batched or unbatched input; also NotImplementedError).
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> pad(compat.arange(3.0).reshape(1, 3), (1, 2), mode="replicate")
        tensor([[0., 0., 1., 2., 2., 2.]])
    """
    _tensor("pad", input)
    return apply(_nn.pad, input, pad=_static(pad), mode=mode, value=value)


def interpolate(
    input: Tensor,
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resize the spatial dims of ``input`` (``torch.nn.functional.interpolate``).

    Runs :func:`rustorch_fx.nn.interpolate` as one op of compat's autograd engine.

    Args:
        input: ``[N, C, L]``, ``[N, C, H, W]`` or ``[N, C, D, H, W]``, floating.
        size: The output spatial size, an int or a tuple (exclusive with ``scale_factor``).
        scale_factor: A multiplier per spatial dim; the output size is
            ``floor(in * scale_factor)``.
        mode: ``"nearest"``, ``"nearest-exact"``, ``"linear"`` (3-D), ``"bilinear"`` and
            ``"bicubic"`` (4-D), ``"trilinear"`` (5-D) or ``"area"``.
        align_corners: For the linear and cubic modes: map the corner pixels' centres onto
            each other (default False); must be None for the others.
        recompute_scale_factor: If True, the coordinate scale is ``in / out`` computed from
            the output size; otherwise a given ``scale_factor`` is used as is.
        antialias: Not supported (must be False).

    Returns:
        ``[N, C, *out]``, of the input's dtype.

    Raises:
        InvalidArgumentError: For both or neither of ``size`` and ``scale_factor``, an
            unknown mode, ``align_corners`` with a nearest/area mode, or an empty output.
        UnsupportedError: For ``antialias=True``, an input that is not 3-D to 5-D, or a mode
            that does not fit the input's rank (``NotImplementedError``, as torch).
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> x = compat.arange(4.0).reshape(1, 1, 4)
        >>> interpolate(x, size=2, mode="linear")
        tensor([[[0.5000, 2.5000]]])
    """
    _tensor("interpolate", input)
    return apply(
        _nn.interpolate,
        input,
        size=_static(size),
        scale_factor=_static(scale_factor),
        mode=mode,
        align_corners=align_corners,
        recompute_scale_factor=recompute_scale_factor,
        antialias=antialias,
    )


def upsample(
    input: Tensor,
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
) -> Tensor:
    """Deprecated alias of :func:`interpolate` (``torch.nn.functional.upsample``).

    Runs :func:`rustorch_fx.nn.upsample` as one op of compat's autograd engine.

    Args:
        input: ``[N, C, spatial...]``, floating.
        size: The output spatial size.
        scale_factor: A multiplier per spatial dim.
        mode: As :func:`interpolate`.
        align_corners: As :func:`interpolate`.

    Returns:
        The resized tensor.

    Example:
        >>> upsample(compat.ones((1, 1, 2)), scale_factor=2).shape
        (1, 1, 4)
    """
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:
    """Nearest upsampling, ``interpolate(..., mode="nearest")`` (deprecated in torch).

    Runs :func:`rustorch_fx.nn.upsample_nearest` as one op of compat's autograd engine.

    Args:
        input: ``[N, C, spatial...]``, floating.
        size: The output spatial size.
        scale_factor: A multiplier per spatial dim.

    Returns:
        The resized tensor.

    Example:
        >>> upsample_nearest(compat.ones((1, 1, 2, 2)), scale_factor=2).shape
        (1, 1, 4, 4)
    """
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:
    """Bilinear upsampling with ``align_corners=True`` (deprecated in torch).

    Runs :func:`rustorch_fx.nn.upsample_bilinear` as one op of compat's autograd engine.

    Args:
        input: ``[N, C, H, W]``, floating.
        size: The output spatial size.
        scale_factor: A multiplier per spatial dim.

    Returns:
        The resized tensor.

    Example:
        >>> upsample_bilinear(compat.ones((1, 1, 2, 2)), size=3).shape
        (1, 1, 3, 3)
    """
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """Rearrange ``[*, C * r * r, H, W]`` into ``[*, C, H * r, W * r]`` (torch's order).

    Runs :func:`rustorch_fx.nn.pixel_shuffle` as one op of compat's autograd engine.

    Args:
        input: An tensor with at least 3 dims.
        upscale_factor: ``r``, a positive int.

    Returns:
        The rearranged tensor.

    Raises:
        ShapeError: For fewer than 3 dims or channels not divisible by ``r * r``.
        InvalidArgumentError: For a non-positive factor.
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> pixel_shuffle(compat.ones((1, 8, 2, 3)), 2).shape
        (1, 2, 4, 6)
    """
    _tensor("pixel_shuffle", input)
    return apply(_nn.pixel_shuffle, input, upscale_factor=upscale_factor)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """Rearrange ``[*, C, H * r, W * r]`` into ``[*, C * r * r, H, W]``, undoing pixel_shuffle.

    Runs :func:`rustorch_fx.nn.pixel_unshuffle` as one op of compat's autograd engine.

    Args:
        input: An tensor with at least 3 dims.
        downscale_factor: ``r``, a positive int.

    Returns:
        The rearranged tensor.

    Raises:
        ShapeError: For fewer than 3 dims or a height/width not divisible by ``r``.
        InvalidArgumentError: For a non-positive factor.
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> pixel_unshuffle(compat.ones((1, 2, 4, 6)), 2).shape
        (1, 8, 2, 3)
    """
    _tensor("pixel_unshuffle", input)
    return apply(_nn.pixel_unshuffle, input, downscale_factor=downscale_factor)


def unfold(
    input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1
) -> Tensor:
    """Extract sliding local blocks, im2col (``torch.nn.functional.unfold``).

    Runs :func:`rustorch_fx.nn.unfold` as one op of compat's autograd engine.

    Args:
        input: ``(N, C, H, W)`` or unbatched ``(C, H, W)``, floating.
        kernel_size: Block size, an int or a pair.
        dilation: Spacing between block elements (default 1).
        padding: Implicit zero padding on both sides (default 0).
        stride: Step between blocks (default 1).

    Returns:
        ``(N, C * kh * kw, L)`` (unbatched: ``(C * kh * kw, L)``), ``L`` the number of blocks.

    Raises:
        ShapeError: For an input that is not 3-D or 4-D or too small for one block.
        InvalidArgumentError: For a non-positive kernel size, dilation or stride, or a negative
            padding.
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> unfold(compat.ones((2, 3, 5, 5)), 3, padding=1).shape
        (2, 27, 25)
    """
    _tensor("unfold", input)
    return apply(
        _nn.unfold,
        input,
        kernel_size=_static(kernel_size),
        dilation=_static(dilation),
        padding=_static(padding),
        stride=_static(stride),
    )


def fold(
    input: Tensor,
    output_size: Any,
    kernel_size: Any,
    dilation: Any = 1,
    padding: Any = 0,
    stride: Any = 1,
) -> Tensor:
    """Sum sliding local blocks into an image, col2im (``torch.nn.functional.fold``).

    Runs :func:`rustorch_fx.nn.fold` as one op of compat's autograd engine.

    Args:
        input: ``(N, C * kh * kw, L)`` or unbatched ``(C * kh * kw, L)``, floating.
        output_size: Spatial size of the result, an int or a pair.
        kernel_size: Block size, an int or a pair.
        dilation: Spacing between block elements (default 1).
        padding: Implicit zero padding on both sides (default 0).
        stride: Step between blocks (default 1).

    Returns:
        ``(N, C, *output_size)`` (unbatched: ``(C, *output_size)``); overlaps add up.

    Raises:
        ShapeError: For a bad rank, a channel dim not divisible by ``kh * kw`` or a block
            count that does not match ``output_size``.
        InvalidArgumentError: For a non-positive kernel size, dilation or stride, or a negative
            padding.
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> fold(compat.ones((1, 12, 9)), (4, 4), 2).shape
        (1, 3, 4, 4)
    """
    _tensor("fold", input)
    return apply(
        _nn.fold,
        input,
        output_size=_static(output_size),
        kernel_size=_static(kernel_size),
        dilation=_static(dilation),
        padding=_static(padding),
        stride=_static(stride),
    )


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """Interleave ``groups`` channel groups (``torch.nn.functional.channel_shuffle``).

    Runs :func:`rustorch_fx.nn.channel_shuffle` as one op of compat's autograd engine.

    Args:
        input: ``(N, C, *)`` with at least 3 dims.
        groups: A positive int dividing ``C``.

    Returns:
        The input with channel ``g * (C // groups) + i`` moved to ``i * groups + g``.

    Raises:
        ShapeError: For fewer than 3 dims or ``C`` not divisible by ``groups``.
        InvalidArgumentError: For a non-positive ``groups``.
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> channel_shuffle(compat.arange(4.0).reshape(1, 4, 1), 2).flatten()
        tensor([0., 2., 1., 3.])
    """
    _tensor("channel_shuffle", input)
    return apply(_nn.channel_shuffle, input, groups=groups)


def affine_grid(theta: Tensor, size: Any, align_corners: bool | None = None) -> Tensor:
    """Sampling grid of a batch of affine maps (``torch.nn.functional.affine_grid``).

    Runs :func:`rustorch_fx.nn.affine_grid` as one op of compat's autograd engine (the
    gradient flows to ``theta``).

    Args:
        theta: ``(N, 2, 3)`` or ``(N, 3, 4)`` affine matrices.
        size: The output size ``(N, C, H, W)`` or ``(N, C, D, H, W)``.
        align_corners: Whether ``-1``/``1`` are the edge pixels' centres (default False).

    Returns:
        ``(N, H, W, 2)`` or ``(N, D, H, W, 3)`` normalised sampling coordinates.

    Raises:
        UnsupportedError: For a size that is not 4-D or 5-D (also NotImplementedError).
        ShapeError: For ``theta`` of the wrong shape for ``size``.
        InvalidArgumentError: For a non-positive size.
        DTypeError: For a non-floating ``theta``.
        ArgumentTypeError: If ``theta`` is not a Tensor.

    Example:
        >>> affine_grid(compat.eye(2, 3)[None], [1, 1, 4, 5]).shape
        (1, 4, 5, 2)
    """
    if not isinstance(theta, Tensor):
        raise ArgumentTypeError(
            f"affine_grid: argument 'theta' must be a Tensor, got {type(theta).__name__}"
        )
    size = tuple(size) if isinstance(size, (list, tuple)) else size
    return apply(_nn.affine_grid, theta, size=size, align_corners=bool(align_corners))


def grid_sample(
    input: Tensor,
    grid: Tensor,
    mode: str = "bilinear",
    padding_mode: str = "zeros",
    align_corners: bool | None = None,
) -> Tensor:
    """Sample ``input`` at normalised grid locations (``torch.nn.functional.grid_sample``).

    Runs :func:`rustorch_fx.nn.grid_sample` as one op of compat's autograd engine; the
    gradient flows to ``input`` and ``grid``.

    Args:
        input: ``(N, C, H, W)`` or ``(N, C, D, H, W)``.
        grid: ``(N, H_out, W_out, 2)`` or ``(N, D_out, H_out, W_out, 3)``, ``(x, y[, z])`` in
            ``[-1, 1]``.
        mode: ``"bilinear"``, ``"nearest"`` or ``"bicubic"`` (4-D only).
        padding_mode: ``"zeros"``, ``"border"`` or ``"reflection"``.
        align_corners: Whether ``-1``/``1`` are the edge pixels' centres (default False).

    Returns:
        ``(N, C, H_out, W_out)`` or ``(N, C, D_out, H_out, W_out)``.

    Raises:
        InvalidArgumentError: For an unknown mode or padding mode (also ValueError).
        ShapeError: For ranks, batch sizes or a last grid dim that do not fit.
        DTypeError: For different or non-floating dtypes.
        ArgumentTypeError: If ``input`` or ``grid`` is not a Tensor.

    Example:
        >>> grid_sample(compat.ones(1, 2, 3, 3), compat.zeros(1, 4, 4, 2)).shape
        (1, 2, 4, 4)
    """
    _tensor("grid_sample", input)
    if not isinstance(grid, Tensor):
        raise ArgumentTypeError(
            f"grid_sample: argument 'grid' must be a Tensor, got {type(grid).__name__}"
        )
    return apply(
        _nn.grid_sample,
        input,
        grid,
        mode=mode,
        padding_mode=padding_mode,
        align_corners=bool(align_corners),
    )


def _attach() -> None:
    compat = sys.modules["compat"]
    for name in ("pixel_shuffle", "pixel_unshuffle", "channel_shuffle"):
        if not hasattr(compat, name):
            setattr(compat, name, globals()[name])


_attach()
