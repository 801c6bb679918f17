"""Spatial transformers: ``affine_grid`` and ``grid_sample`` with ``torch.nn.functional``'s semantics.

:func:`affine_grid` maps the normalised output coordinates (``-1`` is the first pixel's corner,
or its centre with ``align_corners=True``) through a batch of affine matrices;
:func:`grid_sample` reads an input at such normalised coordinates. Grids are channels-last,
``[N, H, W, 2]`` (``(x, y)``: ``x`` indexes the width) or ``[N, D, H, W, 3]`` (``(x, y, z)``).

As in torch:

- ``mode`` is ``"bilinear"`` (trilinear on 5-D inputs), ``"nearest"`` (round half to even) or
  ``"bicubic"`` (4-D only, Keys' kernel with ``A = -0.75``);
- ``padding_mode`` ``"zeros"`` reads 0 outside the input, ``"border"`` clamps the coordinate
  into it, ``"reflection"`` mirrors it at the borders (at the pixel edges, or at the edge
  pixels' centres with ``align_corners=True``) and then clamps; for bicubic, the padding is
  applied to each of the 16 taps;
- the gradient flows to the input and to the grid (zero through ``"nearest"``, and through a
  clamped coordinate).

Example:
    >>> theta = jnp.array([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
    >>> x = jnp.arange(12.0).reshape(1, 1, 3, 4)
    >>> bool(jnp.allclose(grid_sample(x, affine_grid(theta, (1, 1, 3, 4))), x, atol=1e-5))
    True
"""

from __future__ import annotations

import itertools
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from rustorch_fx._boundary import boundary
from rustorch_fx._checks import as_array, is_int
from rustorch_fx.errors import DTypeError, InvalidArgumentError, ShapeError, UnsupportedError
from rustorch_fx.nn._conv import _float_input

__all__ = ["affine_grid", "grid_sample"]

_MODES = ("bilinear", "nearest", "bicubic")
_PADDINGS = ("zeros", "border", "reflection")
_CUBIC_A = -0.75


# --------------------------------------------------------------------------------------------
# affine_grid.
# --------------------------------------------------------------------------------------------


def _base_coords(n: int, align_corners: bool, dtype: Any) -> jax.Array:
    """Torch's ``linspace_from_neg_one``: pixel centres in ``[-1, 1]`` normalised coordinates."""
    if n <= 1:
        return jnp.zeros((n,), dtype)
    steps = jnp.linspace(-1.0, 1.0, n, dtype=dtype)
    return steps if align_corners else steps * ((n - 1) / n)


@boundary("affine_grid")
def affine_grid(theta: Any, size: Any, align_corners: bool = False) -> jax.Array:
    """Sampling grid of a batch of affine maps (``torch.nn.functional.affine_grid``).

    Args:
        theta: ``[N, 2, 3]`` (2-d) or ``[N, 3, 4]`` (3-d) affine matrices, floating; each maps
            an output location ``(x, y[, z], 1)`` to the input location it samples.
        size: The target output size, ``(N, C, H, W)`` or ``(N, C, D, H, W)``.
        align_corners: Whether ``-1`` and ``1`` are the centres of the edge pixels (True) or
            their outer edges (False, torch's default).

    Returns:
        ``[N, H, W, 2]`` or ``[N, D, H, W, 3]``, the normalised input coordinates.

    Raises:
        UnsupportedError: For a size that is not 4-D or 5-D (also NotImplementedError).
        ShapeError: For ``theta`` of the wrong shape for ``size``.
        InvalidArgumentError: For a non-positive size.
        DTypeError: For a non-floating ``theta``.

    Example:
        >>> affine_grid(jnp.eye(2, 3)[None], (1, 1, 2, 2), align_corners=True)[0]
        Array([[[-1., -1.],
                [ 1., -1.]],
        <BLANKLINE>
               [[-1.,  1.],
                [ 1.,  1.]]], dtype=float32)
    """
    op = "affine_grid"
    t = as_array(op, "theta", theta)
    if not jnp.issubdtype(t.dtype, jnp.floating):
        raise DTypeError(
            f"{op}: expected theta to have a floating point type, but got {np.dtype(t.dtype).name}"
        )
    if not isinstance(size, (list, tuple)) or not all(is_int(v) for v in size):
        raise InvalidArgumentError(f"{op}: expected size to be a sequence of ints, got {size!r}")
    size = tuple(int(v) for v in size)
    if len(size) not in (4, 5):
        raise UnsupportedError(
            f"{op}: only 4D and 5D sizes are supported, for 2D and 3D affine transforms, "
            f"respectively; got size {size}"
        )
    nd = len(size) - 2
    if min(size) <= 0:
        raise InvalidArgumentError(f"{op}: expected a non-zero, positive output size, got {size}")
    if t.shape != (size[0], nd, nd + 1):
        raise ShapeError(
            f"{op}: expected a batch of {nd}D affine matrices of shape "
            f"{size[0]}x{nd}x{nd + 1} for size {size}, got {tuple(t.shape)}"
        )
    spatial = size[2:]
    # Homogeneous coordinates (x, y[, z], 1), x along the last spatial dim.
    axes = [_base_coords(n, align_corners, t.dtype) for n in reversed(spatial)]
    mesh = jnp.meshgrid(*axes[::-1], indexing="ij")[::-1]  # each [*spatial]
    base = jnp.stack([*mesh, jnp.ones(spatial, t.dtype)], axis=-1)
    return jnp.einsum("...k,nck->n...c", base, t, precision=jax.lax.Precision.HIGHEST)


# --------------------------------------------------------------------------------------------
# grid_sample.
# --------------------------------------------------------------------------------------------


def _unnormalize(coord: jax.Array, n: int, align_corners: bool) -> jax.Array:
    if align_corners:
        return (coord + 1) / 2 * (n - 1)
    return ((coord + 1) * n - 1) / 2


def _reflect(coord: jax.Array, twice_low: int, twice_high: int) -> jax.Array:
    if twice_low == twice_high:
        return jnp.zeros_like(coord)
    low = twice_low / 2
    span = (twice_high - twice_low) / 2
    c = jnp.abs(coord - low)
    extra = jnp.fmod(c, span)
    flips = jnp.floor(c / span)
    return jnp.where(jnp.fmod(flips, 2) == 0, extra + low, span - extra + low)


def _pad_coord(coord: jax.Array, n: int, padding_mode: str, align_corners: bool) -> jax.Array:
    """Torch's ``compute_coordinates``: apply border/reflection padding to a pixel coordinate."""
    if padding_mode == "zeros":
        return coord
    if padding_mode == "reflection":
        if align_corners:
            coord = _reflect(coord, 0, 2 * (n - 1))
        else:
            coord = _reflect(coord, -1, 2 * n - 1)
    return jnp.clip(coord, 0, n - 1)


def _gather_taps(x: jax.Array, taps: list[tuple[list[jax.Array], Any]]) -> jax.Array:
    """``sum_t w_t * x[n, :, idx_t...]`` as ``[N, C, *out]``, with 0 outside the input.

    All taps are read by one gather over the flattened spatial dims (one op, whatever the
    number of taps: bicubic has 16).
    """
    n, c, *sizes = x.shape
    out_shape = taps[0][0][0].shape  # [N, *out]
    flat_idx, masks, weights = [], [], []
    for idx, w in taps:
        valid = jnp.ones(out_shape, bool)
        flat = jnp.zeros(out_shape, jnp.int32)
        for i, size in zip(idx, sizes, strict=True):
            valid = valid & (i >= 0) & (i < size)
            flat = flat * size + jnp.clip(i, 0, size - 1)
        flat_idx.append(flat.reshape(n, -1))
        masks.append(valid.reshape(n, -1))
        weights.append(jnp.broadcast_to(jnp.asarray(w, x.dtype), out_shape).reshape(n, -1))
    index = jnp.concatenate(flat_idx, axis=1)[:, None, :]  # [N, 1, T * M]
    vals = jnp.take_along_axis(x.reshape(n, c, -1), index, axis=2)
    w = jnp.where(jnp.concatenate(masks, axis=1), jnp.concatenate(weights, axis=1), 0)
    vals = vals.reshape(n, c, len(taps), -1) * w.reshape(n, 1, len(taps), -1).astype(x.dtype)
    return jnp.sum(vals, axis=2).reshape((n, c, *out_shape[1:]))


def _cubic_weights(t: jax.Array) -> list[jax.Array]:
    a = _CUBIC_A

    def near(s: jax.Array) -> jax.Array:
        return ((a + 2) * s - (a + 3)) * s * s + 1

    def far(s: jax.Array) -> jax.Array:
        return ((a * s - 5 * a) * s + 8 * a) * s - 4 * a

    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def _sample(
    x: jax.Array, coords: list[jax.Array], mode: str, padding_mode: str, align_corners: bool
) -> jax.Array:
    """Sample ``x`` ``[N, C, *S]`` at unnormalised-input coordinates (one per spatial dim)."""
    sizes = x.shape[2:]
    taps: list[tuple[list[jax.Array], Any]] = []
    if mode == "bicubic":
        base = [jnp.floor(c) for c in coords]
        weights = [_cubic_weights(c - b) for c, b in zip(coords, base, strict=True)]
        # The 4 tap positions of each dim, padded once each.
        pos = [
            [
                _pad_coord(b - 1 + tap, n, padding_mode, align_corners).astype(jnp.int32)
                for tap in range(4)
            ]
            for b, n in zip(base, sizes, strict=True)
        ]
        for offsets in itertools.product(range(4), repeat=len(coords)):
            idx, w = [], 1
            for d, tap in enumerate(offsets):
                idx.append(pos[d][tap])
                w = w * weights[d][tap]
            taps.append((idx, w))
        return _gather_taps(x, taps)
    coords = [
        _pad_coord(c, n, padding_mode, align_corners) for c, n in zip(coords, sizes, strict=True)
    ]
    if mode == "nearest":
        return _gather_taps(x, [([jnp.round(c).astype(jnp.int32) for c in coords], 1)])
    low = [jnp.floor(c) for c in coords]
    frac = [c - f for c, f in zip(coords, low, strict=True)]
    for corner in itertools.product((0, 1), repeat=len(coords)):
        w = 1
        for f, bit in zip(frac, corner, strict=True):
            w = w * (f if bit else 1 - f)
        taps.append(([(f + bit).astype(jnp.int32) for f, bit in zip(low, corner, strict=True)], w))
    return _gather_taps(x, taps)


@boundary("grid_sample")
def grid_sample(
    input: Any,
    grid: Any,
    mode: str = "bilinear",
    padding_mode: str = "zeros",
    align_corners: bool | None = None,
) -> jax.Array:
    """Sample ``input`` at normalised grid locations (``torch.nn.functional.grid_sample``).

    Args:
        input: ``[N, C, H, W]`` or ``[N, C, D, H, W]``, floating.
        grid: ``[N, H_out, W_out, 2]`` or ``[N, D_out, H_out, W_out, 3]`` of the input's dtype:
            ``(x, y[, z])`` in ``[-1, 1]`` (``x`` indexes the width).
        mode: ``"bilinear"`` (trilinear on 5-D), ``"nearest"`` or ``"bicubic"`` (4-D only).
        padding_mode: ``"zeros"``, ``"border"`` or ``"reflection"`` for locations outside.
        align_corners: Whether ``-1`` and ``1`` are the edge pixels' centres (True) or outer
            edges (False; ``None`` means False, torch's default).

    Returns:
        ``[N, C, H_out, W_out]`` or ``[N, C, D_out, H_out, W_out]``.

    Raises:
        InvalidArgumentError: For an unknown ``mode`` or ``padding_mode`` (also ValueError).
        ShapeError: For ranks, batch sizes or a last grid dim that do not fit, or bicubic on a
            5-D input.
        DTypeError: For non-floating inputs or different dtypes.

    Example:
        >>> x = jnp.arange(4.0).reshape(1, 1, 2, 2)
        >>> grid_sample(x, jnp.zeros((1, 1, 1, 2)), align_corners=True)
        Array([[[[1.5]]]], dtype=float32)
    """
    op = "grid_sample"
    if mode not in _MODES:
        raise InvalidArgumentError(
            f"{op}: expected mode to be 'bilinear', 'nearest' or 'bicubic', but got: {mode!r}"
        )
    if padding_mode not in _PADDINGS:
        raise InvalidArgumentError(
            f"{op}: expected padding_mode to be 'zeros', 'border', or 'reflection', but got: "
            f"{padding_mode!r}"
        )
    x = _float_input(op, "input", input)
    g = _float_input(op, "grid", grid)
    if x.dtype != g.dtype:
        raise DTypeError(
            f"{op}: expected input and grid to have the same dtype, got "
            f"{np.dtype(x.dtype).name} and {np.dtype(g.dtype).name}"
        )
    if x.ndim not in (4, 5) or g.ndim != x.ndim:
        raise ShapeError(
            f"{op}: expected a 4-D or 5-D input and a grid of the same rank, got input of shape "
            f"{tuple(x.shape)} and grid of shape {tuple(g.shape)}"
        )
    nd = x.ndim - 2
    if g.shape[-1] != nd:
        raise ShapeError(
            f"{op}: expected grid to have size {nd} in last dimension, but got grid with "
            f"shape {tuple(g.shape)}"
        )
    if g.shape[0] != x.shape[0]:
        raise ShapeError(
            f"{op}: expected grid and input to have the same batch size, but got input of "
            f"shape {tuple(x.shape)} and grid of shape {tuple(g.shape)}"
        )
    if any(n == 0 for n in x.shape[2:]):
        raise ShapeError(f"{op}: expected non-empty spatial dims, got input shape {x.shape}")
    if mode == "bicubic" and nd != 2:
        raise ShapeError(f"{op}: bicubic interpolation only supports 4D input")
    corners = bool(align_corners)
    # grid[..., 0] indexes the last spatial dim (W), grid[..., 1] the one before, ...
    coords = [_unnormalize(g[..., nd - 1 - d], x.shape[2 + d], corners) for d in range(nd)]
    return _sample(x, coords, mode, padding_mode, corners)
