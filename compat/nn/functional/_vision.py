"""``torch.nn.functional`` interpolate, upsample, pixel_shuffle and pad over compat tensors.

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
    "interpolate",
    "pad",
    "pixel_shuffle",
    "pixel_unshuffle",
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


def _attach() -> None:
    compat = sys.modules["compat"]
    for name in ("pixel_shuffle", "pixel_unshuffle"):
        if not hasattr(compat, name):
            setattr(compat, name, globals()[name])


_attach()
