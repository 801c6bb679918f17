"""Padding, interpolation and pixel shuffling with ``torch.nn.functional``'s semantics.

- :func:`pad` takes torch's pad order, last dim first: ``(left, right, top, bottom, ...)``;
  modes ``constant`` (negative pads crop), ``reflect``, ``replicate`` and ``circular``.
- :func:`interpolate` has torch's modes and coordinate conventions: ``nearest`` (source
  ``floor(dst * scale)``), ``nearest-exact`` (``floor((dst + 0.5) * scale)``), ``linear``,
  ``bilinear``, ``trilinear`` and ``bicubic`` (half-pixel centres, or ``align_corners``;
  cubic coefficient ``A = -0.75`` with clamped borders) and ``area`` (adaptive average
  pooling). Where ``scale_factor`` is given and ``recompute_scale_factor`` is not True, the
  coordinate scale is ``1 / scale_factor`` as in torch, not ``in / out``.
- :func:`pixel_shuffle` / :func:`pixel_unshuffle` move ``r * r`` channels to an ``r``-times
  larger image and back; :func:`channel_shuffle` interleaves channel groups (ShuffleNet).

Linear and cubic interpolation are separable: each spatial dim is resampled by a small static
``[out, in]`` matrix (at most 2 or 4 non-zeros a row) contracted at full precision, which
XLA lowers to matrix products forward and backward; nearest modes are a static gather.

Example:
    >>> interpolate(jnp.ones((1, 1, 2, 2)), scale_factor=2, mode="bilinear").shape
    (1, 1, 4, 4)
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from rustorch_fx import _dtypes
from rustorch_fx._boundary import boundary
from rustorch_fx._checks import as_array, is_int
from rustorch_fx.errors import (
    ArgumentTypeError,
    DTypeError,
    InvalidArgumentError,
    ShapeError,
    UnsupportedError,
)
from rustorch_fx.nn._pooling import _adaptive_avg

__all__ = [
    "channel_shuffle",
    "interpolate",
    "pad",
    "pixel_shuffle",
    "pixel_unshuffle",
    "upsample",
    "upsample_bilinear",
    "upsample_nearest",
]


# --------------------------------------------------------------------------------------------
# Padding.
# --------------------------------------------------------------------------------------------

_PAD_MODES = {"constant": None, "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


@boundary("pad")
def pad(input: Any, pad: Any, mode: str = "constant", value: float | None = None) -> jax.Array:
    """Pad the last ``len(pad) // 2`` dims of ``input`` (``torch.nn.functional.pad``).

    Args:
        input: An array.
        pad: ``(left, right)`` for the last dim, then ``(top, bottom)`` for the one before,
            and so on (an even-length sequence of ints, at most ``2 * input.ndim``).
        mode: ``"constant"`` (fill with ``value``; negative pads crop), ``"reflect"``
            (mirror without repeating the edge), ``"replicate"`` (repeat the edge) or
            ``"circular"`` (wrap around).
        value: The fill value of ``"constant"`` mode (default 0).

    Returns:
        The padded array, of the input's dtype.

    Raises:
        InvalidArgumentError: For an odd or too long ``pad``, an unknown mode, ``value`` with
            a non-constant mode, or a reflect pad not smaller than its dim.
        UnsupportedError: For a non-constant mode on an input of the wrong rank (torch pads
            the last 1, 2 or 3 dims of a batched or unbatched input; also NotImplementedError).

    Example:
        >>> pad(jnp.arange(3.0).reshape(1, 3), (1, 2), mode="replicate")
        Array([[0., 0., 1., 2., 2., 2.]], dtype=float32)
    """
    x = as_array("pad", "input", input)
    if not isinstance(pad, (list, tuple)) or not all(is_int(p) for p in pad):
        raise ArgumentTypeError(f"pad: argument 'pad' must be a sequence of ints, got {pad!r}")
    if len(pad) % 2:
        raise InvalidArgumentError(f"pad: padding length must be divisible by 2, got {len(pad)}")
    if len(pad) // 2 > x.ndim:
        raise InvalidArgumentError(
            f"pad: padding length {len(pad)} is too large for an input with {x.ndim} dims"
        )
    if mode not in _PAD_MODES:
        raise InvalidArgumentError(
            f"pad: unknown padding mode {mode!r}, expected one of {sorted(_PAD_MODES)}"
        )
    npad = len(pad) // 2
    pairs = [(0, 0)] * (x.ndim - npad) + [
        (int(pad[2 * i]), int(pad[2 * i + 1])) for i in reversed(range(npad))
    ]
    if mode == "constant":
        fill = jnp.asarray(0 if value is None else value).astype(x.dtype)
        return lax.pad(x, fill, [(lo, hi, 0) for lo, hi in pairs])
    if value is not None and value != 0:
        raise InvalidArgumentError(f"pad: padding mode {mode!r} doesn't take in value argument")
    if npad > 3 or x.ndim not in (npad + 1, npad + 2):
        raise UnsupportedError(
            f"pad: padding size {len(pad)} is not supported for a {x.ndim}-D input in {mode} "
            f"mode (input shape {tuple(x.shape)}); non-constant modes pad the last 1, 2 or 3 "
            "dims of a 2-D/3-D, 3-D/4-D or 4-D/5-D input, with a padding of size 2, 4 or 6"
        )
    # Negative pads crop first; the rest is padded by numpy's matching mode.
    crop = tuple(
        slice(max(-lo, 0), n - max(-hi, 0)) for n, (lo, hi) in zip(x.shape, pairs, strict=True)
    )
    x = x[crop]
    pairs = [(max(lo, 0), max(hi, 0)) for lo, hi in pairs]
    for n, (lo, hi) in zip(x.shape, pairs, strict=True):
        if mode == "reflect" and (lo >= n or hi >= n):
            raise InvalidArgumentError(
                f"pad: padding size should be less than the corresponding input dimension, "
                f"but got padding ({lo}, {hi}) for a dim of size {n} (input shape "
                f"{tuple(x.shape)})"
            )
        if mode == "circular" and (lo > n or hi > n):
            raise InvalidArgumentError(
                f"pad: padding value causes wrapping around more than once: ({lo}, {hi}) for "
                f"a dim of size {n}"
            )
        if mode == "replicate" and n == 0 and (lo or hi):
            raise ShapeError("pad: cannot replicate-pad an empty dim")
    return jnp.pad(x, pairs, mode=_PAD_MODES[mode])


# --------------------------------------------------------------------------------------------
# Interpolation.
# --------------------------------------------------------------------------------------------

_MODE_DIMS = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}
_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area")
_CUBIC_A = -0.75


def _sizes(
    x: jax.Array, nd: int, size: Any, scale_factor: Any, recompute: bool | None
) -> tuple[tuple[int, ...], tuple[float | None, ...]]:
    """Output sizes and the scales passed to the kernels (torch's ``_interp_output_size``)."""
    if (size is None) == (scale_factor is None):
        raise InvalidArgumentError(
            "interpolate: exactly one of size and scale_factor must be given, "
            f"got size={size!r}, scale_factor={scale_factor!r}"
        )
    if size is not None:
        sizes = tuple(size) if isinstance(size, (list, tuple)) else (size,) * nd
        if len(sizes) != nd or not all(is_int(s) for s in sizes):
            raise InvalidArgumentError(
                f"interpolate: size must be an int or a tuple of {nd} ints for a "
                f"{nd + 2}-D input, got {size!r}"
            )
        if any(s <= 0 for s in sizes):
            raise InvalidArgumentError(f"interpolate: output size must be positive, got {sizes}")
        return tuple(int(s) for s in sizes), (None,) * nd
    scales = (
        tuple(scale_factor) if isinstance(scale_factor, (list, tuple)) else (scale_factor,) * nd
    )
    if len(scales) != nd:
        raise InvalidArgumentError(
            f"interpolate: scale_factor must be a number or a tuple of {nd} numbers for a "
            f"{nd + 2}-D input, got {scale_factor!r}"
        )
    scales = tuple(float(s) for s in scales)
    if any(s <= 0 for s in scales):
        raise InvalidArgumentError(f"interpolate: scale_factor must be positive, got {scales}")
    out = tuple(math.floor(n * s) for n, s in zip(x.shape[2:], scales, strict=True))
    if any(o <= 0 for o in out):
        raise InvalidArgumentError(
            f"interpolate: output size {out} is too small for input shape {tuple(x.shape)} "
            f"and scale_factor {scales}"
        )
    return out, (None,) * nd if recompute else scales


def _coordinate_scale(
    n: int, o: int, scale: float | None, align_corners: bool, ft: type
) -> np.floating:
    """Torch's ``area_pixel_compute_scale``, in the kernel's arithmetic type ``ft``."""
    if align_corners:
        return ft(n - 1) / ft(o - 1) if o > 1 else ft(0)
    return ft(1.0 / scale) if scale is not None and scale > 0 else ft(n) / ft(o)


def _nearest_index(n: int, o: int, scale: float | None, exact: bool) -> np.ndarray:
    """Torch's ``nearest_idx`` / ``nearest_neighbor_exact_compute_source_index`` (float32)."""
    dst = np.arange(o)
    if not exact and o == n:
        return dst
    if not exact and o == 2 * n:
        return dst >> 1
    ratio = _coordinate_scale(n, o, scale, False, np.float32)
    src = np.floor((dst.astype(np.float32) + np.float32(0.5 if exact else 0.0)) * ratio)
    return np.minimum(src.astype(np.int64), n - 1)


def _source(
    n: int, o: int, scale: float | None, align_corners: bool, cubic: bool, ft: type
) -> np.ndarray:
    """Torch's ``area_pixel_compute_source_index`` for every output position."""
    ratio = _coordinate_scale(n, o, scale, align_corners, ft)
    dst = np.arange(o).astype(ft)
    if align_corners:
        return ratio * dst
    src = ratio * (dst + ft(0.5)) - ft(0.5)
    return src if cubic else np.maximum(src, ft(0))


def _linear_matrix(
    n: int, o: int, scale: float | None, align_corners: bool, ft: type
) -> np.ndarray:
    src = _source(n, o, scale, align_corners, False, ft)
    i0 = np.minimum(src.astype(np.int64), n - 1)
    i1 = np.minimum(i0 + 1, n - 1)
    lam = np.minimum(src - i0.astype(ft), ft(1))
    mat = np.zeros((o, n), dtype=np.float64)
    np.add.at(mat, (np.arange(o), i0), ft(1) - lam)
    np.add.at(mat, (np.arange(o), i1), lam)
    return mat


def _cubic_weights(t: np.ndarray) -> np.ndarray:
    a = _CUBIC_A

    def near(u: np.ndarray) -> np.ndarray:  # |u| <= 1
        return ((a + 2) * u - (a + 3)) * u * u + 1

    def far(u: np.ndarray) -> np.ndarray:  # 1 < |u| < 2
        return ((a * u - 5 * a) * u + 8 * a) * u - 4 * a

    return np.stack([far(t + 1), near(t), near(1 - t), far(2 - t)], axis=-1)


def _cubic_matrix(n: int, o: int, scale: float | None, align_corners: bool, ft: type) -> np.ndarray:
    src = _source(n, o, scale, align_corners, True, ft)
    base = np.floor(src).astype(np.int64)
    weights = _cubic_weights((src - base.astype(ft)).astype(np.float64))
    mat = np.zeros((o, n), dtype=np.float64)
    for j in range(4):
        idx = np.clip(base - 1 + j, 0, n - 1)
        np.add.at(mat, (np.arange(o), idx), weights[:, j])
    return mat


def _resample(x: jax.Array, axis: int, mat: np.ndarray) -> jax.Array:
    y = jnp.tensordot(
        x, jnp.asarray(mat.T, x.dtype), axes=([axis], [0]), precision=lax.Precision.HIGHEST
    )
    return jnp.moveaxis(y, -1, axis)


@boundary("interpolate")
def interpolate(
    input: Any,
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> jax.Array:
    """Resize the spatial dims of ``input`` (``torch.nn.functional.interpolate``).

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

    Example:
        >>> x = jnp.arange(4.0).reshape(1, 1, 4)
        >>> interpolate(x, size=2, mode="linear")
        Array([[[0.5, 2.5]]], dtype=float32)
    """
    x = as_array("interpolate", "input", input)
    if _dtypes.category(x.dtype) != 2:
        raise DTypeError(
            f"interpolate: expected a floating point input, got {np.dtype(x.dtype).name}"
        )
    if mode not in _MODES:
        raise InvalidArgumentError(
            f"interpolate: unknown mode {mode!r}, expected one of {', '.join(_MODES)}"
        )
    if antialias:
        raise UnsupportedError("interpolate: antialias=True is not supported")
    if x.ndim < 3 or x.ndim > 5:
        raise UnsupportedError(
            f"interpolate: only 3-D, 4-D and 5-D inputs (N, C, spatial...) are supported, got "
            f"shape {tuple(x.shape)}"
        )
    nd = x.ndim - 2
    if mode in _MODE_DIMS and _MODE_DIMS[mode] != nd:
        raise UnsupportedError(
            f"interpolate: Got {x.ndim}D input, but {mode} mode needs {_MODE_DIMS[mode] + 2}D input"
        )
    if align_corners is not None and mode not in _MODE_DIMS:
        raise InvalidArgumentError(
            "interpolate: align_corners option can only be set with the interpolating modes: "
            f"linear | bilinear | bicubic | trilinear, got mode={mode!r}"
        )
    out, scales = _sizes(x, nd, size, scale_factor, recompute_scale_factor)
    if mode == "area":
        return _adaptive_avg("interpolate", nd, x, out)
    # torch computes coordinates in the input's type (float32 for half types).
    ft = np.float64 if x.dtype == np.float64 else np.float32
    y = x
    for i, (n, o, sc) in enumerate(zip(x.shape[2:], out, scales, strict=True)):
        if mode in ("nearest", "nearest-exact"):
            idx = _nearest_index(n, o, sc, mode == "nearest-exact")
            y = jnp.take(y, jnp.asarray(idx, jnp.int32), axis=2 + i)
        elif mode == "bicubic":
            y = _resample(y, 2 + i, _cubic_matrix(n, o, sc, bool(align_corners), ft))
        else:
            y = _resample(y, 2 + i, _linear_matrix(n, o, sc, bool(align_corners), ft))
    return y


@boundary("upsample")
def upsample(
    input: Any,
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
) -> jax.Array:
    """Deprecated alias of :func:`interpolate` (``torch.nn.functional.upsample``).

    Args:
        input: ``[N, C, spatial...]``, floating.
        size: The output spatial size.
        scale_factor: A multiplier per spatial dim.
        mode: As :func:`interpolate`.
        align_corners: As :func:`interpolate`.

    Returns:
        The resized array.

    Example:
        >>> upsample(jnp.ones((1, 1, 2)), scale_factor=2).shape
        (1, 1, 4)
    """
    return interpolate(input, size, scale_factor, mode, align_corners)


@boundary("upsample_nearest")
def upsample_nearest(input: Any, size: Any = None, scale_factor: Any = None) -> jax.Array:
    """Nearest upsampling, ``interpolate(..., mode="nearest")`` (deprecated in torch).

    Args:
        input: ``[N, C, spatial...]``, floating.
        size: The output spatial size.
        scale_factor: A multiplier per spatial dim.

    Returns:
        The resized array.

    Example:
        >>> upsample_nearest(jnp.ones((1, 1, 2, 2)), scale_factor=2).shape
        (1, 1, 4, 4)
    """
    return interpolate(input, size, scale_factor, mode="nearest")


@boundary("upsample_bilinear")
def upsample_bilinear(input: Any, size: Any = None, scale_factor: Any = None) -> jax.Array:
    """Bilinear upsampling with ``align_corners=True`` (deprecated in torch).

    Args:
        input: ``[N, C, H, W]``, floating.
        size: The output spatial size.
        scale_factor: A multiplier per spatial dim.

    Returns:
        The resized array.

    Example:
        >>> upsample_bilinear(jnp.ones((1, 1, 2, 2)), size=3).shape
        (1, 1, 3, 3)
    """
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# --------------------------------------------------------------------------------------------
# Pixel shuffle.
# --------------------------------------------------------------------------------------------


def _factor(op: str, name: str, value: Any) -> int:
    if not is_int(value):
        raise ArgumentTypeError(f"{op}: argument '{name}' must be an int, got {value!r}")
    if value <= 0:
        raise InvalidArgumentError(f"{op}: {name} must be greater than 0, got {value}")
    return int(value)


@boundary("pixel_shuffle")
def pixel_shuffle(input: Any, upscale_factor: int) -> jax.Array:
    """Rearrange ``[*, C * r * r, H, W]`` into ``[*, C, H * r, W * r]`` (torch's order).

    Args:
        input: An array with at least 3 dims.
        upscale_factor: ``r``, a positive int.

    Returns:
        The rearranged array.

    Raises:
        ShapeError: For fewer than 3 dims or channels not divisible by ``r * r``.
        InvalidArgumentError: For a non-positive factor.

    Example:
        >>> pixel_shuffle(jnp.ones((1, 8, 2, 3)), 2).shape
        (1, 2, 4, 6)
    """
    x = as_array("pixel_shuffle", "input", input)
    r = _factor("pixel_shuffle", "upscale_factor", upscale_factor)
    if x.ndim < 3:
        raise ShapeError(
            f"pixel_shuffle: expected an input with at least 3 dims, got shape {tuple(x.shape)}"
        )
    *batch, c, h, w = x.shape
    if c % (r * r):
        raise ShapeError(
            f"pixel_shuffle: expected the channel dim ({c}) to be divisible by the square of "
            f"upscale_factor ({r * r}), input shape {tuple(x.shape)}"
        )
    b = len(batch)
    y = x.reshape((*batch, c // (r * r), r, r, h, w))
    y = jnp.transpose(y, (*range(b), b, b + 3, b + 1, b + 4, b + 2))
    return y.reshape((*batch, c // (r * r), h * r, w * r))


@boundary("pixel_unshuffle")
def pixel_unshuffle(input: Any, downscale_factor: int) -> jax.Array:
    """Rearrange ``[*, C, H * r, W * r]`` into ``[*, C * r * r, H, W]``, undoing pixel_shuffle.

    Args:
        input: An array with at least 3 dims.
        downscale_factor: ``r``, a positive int.

    Returns:
        The rearranged array.

    Raises:
        ShapeError: For fewer than 3 dims or a height/width not divisible by ``r``.
        InvalidArgumentError: For a non-positive factor.

    Example:
        >>> pixel_unshuffle(jnp.ones((1, 2, 4, 6)), 2).shape
        (1, 8, 2, 3)
    """
    x = as_array("pixel_unshuffle", "input", input)
    r = _factor("pixel_unshuffle", "downscale_factor", downscale_factor)
    if x.ndim < 3:
        raise ShapeError(
            f"pixel_unshuffle: expected an input with at least 3 dims, got shape {tuple(x.shape)}"
        )
    *batch, c, h, w = x.shape
    if h % r or w % r:
        raise ShapeError(
            f"pixel_unshuffle: expected height ({h}) and width ({w}) to be divisible by "
            f"downscale_factor ({r}), input shape {tuple(x.shape)}"
        )
    b = len(batch)
    y = x.reshape((*batch, c, h // r, r, w // r, r))
    y = jnp.transpose(y, (*range(b), b, b + 2, b + 4, b + 1, b + 3))
    return y.reshape((*batch, c * r * r, h // r, w // r))


@boundary("channel_shuffle")
def channel_shuffle(input: Any, groups: int) -> jax.Array:
    """Interleave ``groups`` channel groups (``torch.nn.functional.channel_shuffle``).

    Channel ``g * (C // groups) + i`` of the input becomes channel ``i * groups + g``: the
    ``[N, groups, C // groups, *]`` view is transposed to ``[N, C // groups, groups, *]``.

    Args:
        input: ``[N, C, *]`` with at least 3 dims, any dtype.
        groups: The number of groups, a positive int dividing ``C``.

    Returns:
        The input with its channels permuted.

    Raises:
        ShapeError: For fewer than 3 dims or ``C`` not divisible by ``groups``.
        InvalidArgumentError: For a non-positive ``groups``.
        ArgumentTypeError: For a ``groups`` that is not an int.

    Example:
        >>> channel_shuffle(jnp.arange(4.0).reshape(1, 4, 1), 2)[0, :, 0]
        Array([0., 2., 1., 3.], dtype=float32)
    """
    op = "channel_shuffle"
    x = as_array(op, "input", input)
    g = _factor(op, "groups", groups)
    if x.ndim < 3:
        raise ShapeError(
            f"{op}: expects input with > 2 dims, but got input with shape {tuple(x.shape)}"
        )
    n, c, *rest = x.shape
    if c % g:
        raise ShapeError(
            f"{op}: number of channels must be divisible by groups. Got {c} channels and "
            f"{g} groups."
        )
    y = x.reshape((n, g, c // g, *rest))
    return jnp.swapaxes(y, 1, 2).reshape(x.shape)
