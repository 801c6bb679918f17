"""Sliding-block extraction and its adjoint: ``unfold`` (im2col) and ``fold`` (col2im).

Signatures and layouts are ``torch.nn.functional``'s: :func:`unfold` turns ``[N, C, H, W]``
into ``[N, C * kh * kw, L]`` (``L`` blocks in row-major order, each column listing channel
``c`` then kernel offset ``(i, j)`` row-major, i.e. row ``c * kh * kw + i * kw + j``), and
:func:`fold` sums such columns back into ``[N, C, H, W]``; overlapping blocks add up, so
``fold(unfold(x))`` is ``x`` times the number of blocks covering each pixel. Unbatched inputs
(``[C, H, W]`` for unfold, ``[C * kh * kw, L]`` for fold) are accepted as in torch. Only 2-d
spatial inputs are supported, as in torch.

Lowering: the blocks are the windows of :mod:`rustorch_fx.nn._pooling` (strided slices of the
zero-padded input, or a reshape for non-overlapping blocks); :func:`fold` is the exact linear
transpose of :func:`unfold` (``jax.linear_transpose``), so the two are adjoint by construction
and each one's gradient is the other.

Example:
    >>> x = jnp.arange(16.0).reshape(1, 1, 4, 4)
    >>> cols = unfold(x, 2, stride=2)
    >>> cols.shape
    (1, 4, 4)
    >>> bool((fold(cols, (4, 4), 2, stride=2) == x).all())
    True
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from rustorch_fx._boundary import boundary
from rustorch_fx.errors import ShapeError
from rustorch_fx.nn._conv import _float_input, _non_negative, _ntuple, _positive
from rustorch_fx.nn._pooling import _windows

__all__ = ["fold", "unfold"]

Pair = tuple[int, int]


def _block_args(
    op: str, kernel_size: Any, dilation: Any, padding: Any, stride: Any
) -> tuple[Pair, Pair, Pair, Pair]:
    """Validated ``(kernel, dilation, padding, stride)`` pairs, torch's checks and messages."""
    k = _ntuple(op, "kernel_size", kernel_size, 2)
    d = _ntuple(op, "dilation", dilation, 2)
    p = _ntuple(op, "padding", padding, 2)
    s = _ntuple(op, "stride", stride, 2)
    _positive(op, "kernel_size", k)
    _positive(op, "dilation", d)
    _non_negative(op, "padding", p)
    _positive(op, "stride", s)
    return k, d, p, s  # type: ignore[return-value]


def _blocks(size: Pair, k: Pair, d: Pair, p: Pair, s: Pair) -> Pair:
    """Number of sliding blocks per spatial dim (0 where none fits)."""
    out = []
    for n, ki, di, pi, si in zip(size, k, d, p, s, strict=True):
        span = n + 2 * pi - di * (ki - 1) - 1
        out.append(span // si + 1 if span >= 0 else 0)
    return out[0], out[1]


def _unfold4d(x: jax.Array, k: Pair, d: Pair, p: Pair, s: Pair, out: Pair) -> jax.Array:
    """``[N, C, H, W]`` -> ``[N, C * kh * kw, L]`` (validated arguments)."""
    n, c = x.shape[:2]
    win = _windows(x, k, s, p, d, out, 0)  # [N, C, oh, ow, kh * kw]
    win = jnp.moveaxis(win, -1, 2)
    return win.reshape((n, c * k[0] * k[1], out[0] * out[1]))


@boundary("unfold")
def unfold(
    input: Any,
    kernel_size: Any,
    dilation: Any = 1,
    padding: Any = 0,
    stride: Any = 1,
) -> jax.Array:
    """Extract sliding local blocks (im2col), ``torch.nn.functional.unfold``.

    Args:
        input: ``[N, C, H, W]`` or unbatched ``[C, H, W]``, floating.
        kernel_size: Block size, an int or a pair.
        dilation: Spacing between block elements (default 1).
        padding: Implicit zero padding on both sides of each spatial dim (default 0).
        stride: Step between blocks (default 1).

    Returns:
        ``[N, C * kh * kw, L]`` (unbatched: ``[C * kh * kw, L]``) with
        ``L = prod((size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1)``.

    Raises:
        ShapeError: For an input that is not 3-D or 4-D, with an empty channel or spatial dim,
            or too small for one block.
        InvalidArgumentError: For a non-positive kernel size, dilation or stride, or a negative
            padding.
        ArgumentTypeError: For a kernel size, dilation, padding or stride that is not an int or
            a pair of ints.
        DTypeError: For a non-floating input.

    Example:
        >>> unfold(jnp.ones((2, 3, 5, 5)), 3, padding=1).shape
        (2, 27, 25)
    """
    op = "unfold"
    x = _float_input(op, "input", input)
    if x.ndim not in (3, 4) or any(n == 0 for n in x.shape[-3:]):
        raise ShapeError(
            f"{op}: expected a 3-D (unbatched) or 4-D (batched) input with non-zero channel and "
            f"spatial dims, got shape {tuple(x.shape)}"
        )
    k, d, p, s = _block_args(op, kernel_size, dilation, padding, stride)
    unbatched = x.ndim == 3
    x4 = x[None] if unbatched else x
    size = (x4.shape[2], x4.shape[3])
    out = _blocks(size, k, d, p, s)
    if min(out) < 1:
        raise ShapeError(
            f"{op}: given input with spatial size {size}, kernel_size={k}, dilation={d}, "
            f"padding={p}, the calculated shape of the array of sliding blocks is {out}, but its "
            "components must be at least one"
        )
    y = _unfold4d(x4, k, d, p, s, out)
    return y[0] if unbatched else y


@boundary("fold")
def fold(
    input: Any,
    output_size: Any,
    kernel_size: Any,
    dilation: Any = 1,
    padding: Any = 0,
    stride: Any = 1,
) -> jax.Array:
    """Sum sliding local blocks into an image (col2im), ``torch.nn.functional.fold``.

    The exact adjoint of :func:`unfold`: overlapping blocks add up.

    Args:
        input: ``[N, C * kh * kw, L]`` or unbatched ``[C * kh * kw, L]``, floating; ``L`` must
            be the number of blocks that fit in ``output_size``.
        output_size: Spatial size of the result, an int or a pair.
        kernel_size: Block size, an int or a pair.
        dilation: Spacing between block elements (default 1).
        padding: Implicit zero padding on both sides of each spatial dim (default 0).
        stride: Step between blocks (default 1).

    Returns:
        ``[N, C, *output_size]`` (unbatched: ``[C, *output_size]``).

    Raises:
        ShapeError: For an input that is not 2-D or 3-D, a channel dim not divisible by
            ``kh * kw`` or a block count that does not match ``output_size``.
        InvalidArgumentError: For a non-positive kernel size, dilation or stride, or a negative
            padding.
        ArgumentTypeError: For sizes that are not an int or a pair of ints.
        DTypeError: For a non-floating input.

    Example:
        >>> fold(jnp.ones((1, 4, 9)), (4, 4), 2)[0, 0]
        Array([[1., 2., 2., 1.],
               [2., 4., 4., 2.],
               [2., 4., 4., 2.],
               [1., 2., 2., 1.]], dtype=float32)
    """
    op = "fold"
    cols = _float_input(op, "input", input)
    if cols.ndim not in (2, 3) or any(n == 0 for n in cols.shape[-2:]):
        raise ShapeError(
            f"{op}: expected a 2-D (unbatched) or 3-D (batched) input with non-zero dims, got "
            f"shape {tuple(cols.shape)}"
        )
    size = _ntuple(op, "output_size", output_size, 2)
    k, d, p, s = _block_args(op, kernel_size, dilation, padding, stride)
    unbatched = cols.ndim == 2
    c3 = cols[None] if unbatched else cols
    n, ckk, length = c3.shape
    if ckk % (k[0] * k[1]):
        raise ShapeError(
            f"{op}: expected size of input's dimension 1 to be divisible by the product of "
            f"kernel_size, but got input.size(1)={ckk} and kernel_size={k}"
        )
    out = _blocks((size[0], size[1]), k, d, p, s)
    if out[0] * out[1] != length or min(out) < 1:
        raise ShapeError(
            f"{op}: given output_size={size}, kernel_size={k}, dilation={d}, padding={p}, "
            f"stride={s}, expected size of input's dimension 2 to match the calculated number "
            f"of sliding blocks {out[0]} * {out[1]} = {out[0] * out[1]}, but got "
            f"input.size(2)={length}"
        )
    image = jax.ShapeDtypeStruct((n, ckk // (k[0] * k[1]), *size), c3.dtype)
    transpose = jax.linear_transpose(lambda x: _unfold4d(x, k, d, p, s, out), image)
    (y,) = transpose(c3)
    return y[0] if unbatched else y
