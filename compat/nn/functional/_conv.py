"""``torch.nn.functional`` convolutions over compat tensors: each call is one op.

Each function runs its :mod:`rustorch_fx.nn` counterpart (PyTorch's weight layouts, the CPU
im2col lowering where it is faster) through :func:`compat._engine.apply`: input, weight and
bias are traced; stride, padding, dilation, groups and output_padding are static.
"""

from __future__ import annotations

import functools
from typing import Any

import rustorch_fx.nn as _nn
from compat._engine import apply
from compat._tensor import Tensor
from rustorch_fx.errors import ArgumentTypeError

__all__ = [
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
]


def _static(value: Any) -> Any:
    """A hashable form of an int-or-sequence hyperparameter (lists become tuples)."""
    return tuple(value) if isinstance(value, list) else value


def _unmarked(fn: Any) -> Any:
    """``fn`` under its own name, without rustorch_fx's convolution mark (see ``_conv``)."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    return functools.update_wrapper(call, fn, updated=())


# Grouped convolutions run about 2x slower with rustorch_fx's XLA:CPU compiler options, which
# compat applies to the programs of marked (convolution) functions: they call these aliases.
_GROUPED = {fn: _unmarked(fn) for fn in (_nn.conv1d, _nn.conv2d, _nn.conv3d)}


def _check(op: str, input: Any, weight: Any, bias: Any) -> None:
    for name, value, optional in (
        ("input", input, False),
        ("weight", weight, False),
        ("bias", bias, True),
    ):
        if not (isinstance(value, Tensor) or (optional and value is None)):
            expected = "a Tensor or None" if optional else "a Tensor"
            raise ArgumentTypeError(
                f"{op}: argument '{name}' must be {expected}, got {type(value).__name__}"
            )


def _conv(
    op: str,
    fn: Any,
    input: Any,
    weight: Any,
    bias: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: int,
) -> Tensor:
    _check(op, input, weight, bias)
    if groups != 1:
        fn = _GROUPED.get(fn, fn)
    return apply(
        fn,
        input,
        weight,
        bias,
        stride=_static(stride),
        padding=_static(padding),
        dilation=_static(dilation),
        groups=groups,
    )


def _conv_t(
    op: str,
    fn: Any,
    input: Any,
    weight: Any,
    bias: Any,
    stride: Any,
    padding: Any,
    output_padding: Any,
    groups: int,
    dilation: Any,
) -> Tensor:
    _check(op, input, weight, bias)
    return apply(
        fn,
        input,
        weight,
        bias,
        stride=_static(stride),
        padding=_static(padding),
        output_padding=_static(output_padding),
        groups=groups,
        dilation=_static(dilation),
    )


def conv1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """1-d convolution over a channels-first input (``torch.nn.functional.conv1d``).

    Runs :func:`rustorch_fx.nn.conv1d` as one op of compat's autograd engine.

    Args:
        input: ``[N, C_in, L]`` or unbatched ``[C_in, L]``, floating.
        weight: ``[C_out, C_in / groups, kL]``, same dtype as ``input``.
        bias: Optional ``[C_out]``.
        stride: An int or a 1-tuple (default 1).
        padding: An int, a 1-tuple (zeros on both sides), ``"valid"`` (none) or
            ``"same"`` (output size = input size; for an odd total padding torch's extra
            element goes on the right; stride must be 1).
        dilation: An int or a 1-tuple (default 1).
        groups: Number of blocked connections from input to output channels.

    Returns:
        ``[N, C_out, L_out]`` (unbatched input: no ``N``), with
        ``out = (L + 2 * padding - dilation * (k - 1) - 1) // stride + 1`` per dim.

    Raises:
        ShapeError: For a channel mismatch, a bad bias shape, or a kernel larger than the
            padded input.
        InvalidArgumentError: For non-positive stride/dilation/groups, negative padding,
            ``padding="same"`` with a stride, or an unknown padding string.
        DTypeError: For non-floating or mixed dtypes.
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> x = compat.ones((2, 3, 9))
        >>> conv1d(x, compat.ones((4, 3, 3)), stride=2).shape
        (2, 4, 4)
    """
    return _conv("conv1d", _nn.conv1d, input, weight, bias, stride, padding, dilation, groups)


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """2-d convolution over a channels-first input (``torch.nn.functional.conv2d``).

    Runs :func:`rustorch_fx.nn.conv2d` as one op of compat's autograd engine.

    Args:
        input: ``[N, C_in, H, W]`` or unbatched ``[C_in, H, W]``, floating.
        weight: ``[C_out, C_in / groups, kH, kW]``, same dtype as ``input``.
        bias: Optional ``[C_out]``.
        stride: An int or a tuple of 2 ints (default 1).
        padding: An int, a tuple of 2 ints (zeros on both sides), ``"valid"`` (none) or
            ``"same"`` (output size = input size; for an odd total padding torch's extra
            element goes on the right; stride must be 1).
        dilation: An int or a tuple of 2 ints (default 1).
        groups: Number of blocked connections from input to output channels.

    Returns:
        ``[N, C_out, H_out, W_out]`` (unbatched input: no ``N``), with
        ``out = (L + 2 * padding - dilation * (k - 1) - 1) // stride + 1`` per dim.

    Raises:
        ShapeError: For a channel mismatch, a bad bias shape, or a kernel larger than the
            padded input.
        InvalidArgumentError: For non-positive stride/dilation/groups, negative padding,
            ``padding="same"`` with a stride, or an unknown padding string.
        DTypeError: For non-floating or mixed dtypes.
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> x = compat.ones((2, 3, 9, 9))
        >>> conv2d(x, compat.ones((4, 3, 3, 3)), stride=2).shape
        (2, 4, 4, 4)
    """
    return _conv("conv2d", _nn.conv2d, input, weight, bias, stride, padding, dilation, groups)


def conv3d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """3-d convolution over a channels-first input (``torch.nn.functional.conv3d``).

    Runs :func:`rustorch_fx.nn.conv3d` as one op of compat's autograd engine.

    Args:
        input: ``[N, C_in, D, H, W]`` or unbatched ``[C_in, D, H, W]``, floating.
        weight: ``[C_out, C_in / groups, kD, kH, kW]``, same dtype as ``input``.
        bias: Optional ``[C_out]``.
        stride: An int or a tuple of 3 ints (default 1).
        padding: An int, a tuple of 3 ints (zeros on both sides), ``"valid"`` (none) or
            ``"same"`` (output size = input size; for an odd total padding torch's extra
            element goes on the right; stride must be 1).
        dilation: An int or a tuple of 3 ints (default 1).
        groups: Number of blocked connections from input to output channels.

    Returns:
        ``[N, C_out, D_out, H_out, W_out]`` (unbatched input: no ``N``), with
        ``out = (L + 2 * padding - dilation * (k - 1) - 1) // stride + 1`` per dim.

    Raises:
        ShapeError: For a channel mismatch, a bad bias shape, or a kernel larger than the
            padded input.
        InvalidArgumentError: For non-positive stride/dilation/groups, negative padding,
            ``padding="same"`` with a stride, or an unknown padding string.
        DTypeError: For non-floating or mixed dtypes.
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> x = compat.ones((2, 3, 9, 9, 9))
        >>> conv3d(x, compat.ones((4, 3, 3, 3, 3)), stride=2).shape
        (2, 4, 4, 4, 4)
    """
    return _conv("conv3d", _nn.conv3d, input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """1-d transposed convolution (``torch.nn.functional.conv_transpose1d``).

    Runs :func:`rustorch_fx.nn.conv_transpose1d` as one op of compat's autograd engine.

    The gradient of :func:`conv1d` with respect to its input, with torch's arguments.

    Args:
        input: ``[N, C_in, L]`` or unbatched ``[C_in, L]``, floating.
        weight: ``[C_in, C_out / groups, kL]`` (torch's layout), same dtype as ``input``.
        bias: Optional ``[C_out]``.
        stride: An int or a 1-tuple (default 1).
        padding: ``dilation * (k - 1) - padding`` zeros are added on both sides (default 0).
        output_padding: Extra size added on one side of each output dim; must be smaller
            than stride or dilation (default 0).
        groups: Number of blocked connections from input to output channels.
        dilation: An int or a 1-tuple (default 1).

    Returns:
        ``[N, C_out, L_out]`` (unbatched input: no ``N``), with
        ``out = (L - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1``.

    Raises:
        ShapeError: For a channel mismatch, a bad bias shape or an empty output.
        InvalidArgumentError: For bad stride/padding/output_padding/dilation/groups.
        DTypeError: For non-floating or mixed dtypes.
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> x = compat.ones((2, 3, 4))
        >>> conv_transpose1d(x, compat.ones((3, 5, 3)), stride=2).shape
        (2, 5, 9)
    """
    return _conv_t(
        "conv_transpose1d",
        _nn.conv_transpose1d,
        input,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
    )


def conv_transpose2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """2-d transposed convolution (``torch.nn.functional.conv_transpose2d``).

    Runs :func:`rustorch_fx.nn.conv_transpose2d` as one op of compat's autograd engine.

    The gradient of :func:`conv2d` with respect to its input, with torch's arguments.

    Args:
        input: ``[N, C_in, H, W]`` or unbatched ``[C_in, H, W]``, floating.
        weight: ``[C_in, C_out / groups, kH, kW]`` (torch's layout), same dtype as ``input``.
        bias: Optional ``[C_out]``.
        stride: An int or a tuple of 2 ints (default 1).
        padding: ``dilation * (k - 1) - padding`` zeros are added on both sides (default 0).
        output_padding: Extra size added on one side of each output dim; must be smaller
            than stride or dilation (default 0).
        groups: Number of blocked connections from input to output channels.
        dilation: An int or a tuple of 2 ints (default 1).

    Returns:
        ``[N, C_out, H_out, W_out]`` (unbatched input: no ``N``), with
        ``out = (L - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1``.

    Raises:
        ShapeError: For a channel mismatch, a bad bias shape or an empty output.
        InvalidArgumentError: For bad stride/padding/output_padding/dilation/groups.
        DTypeError: For non-floating or mixed dtypes.
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> x = compat.ones((2, 3, 4, 4))
        >>> conv_transpose2d(x, compat.ones((3, 5, 3, 3)), stride=2).shape
        (2, 5, 9, 9)
    """
    return _conv_t(
        "conv_transpose2d",
        _nn.conv_transpose2d,
        input,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
    )


def conv_transpose3d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """3-d transposed convolution (``torch.nn.functional.conv_transpose3d``).

    Runs :func:`rustorch_fx.nn.conv_transpose3d` as one op of compat's autograd engine.

    The gradient of :func:`conv3d` with respect to its input, with torch's arguments.

    Args:
        input: ``[N, C_in, D, H, W]`` or unbatched ``[C_in, D, H, W]``, floating.
        weight: ``[C_in, C_out / groups, kD, kH, kW]`` (torch's layout), same dtype as ``input``.
        bias: Optional ``[C_out]``.
        stride: An int or a tuple of 3 ints (default 1).
        padding: ``dilation * (k - 1) - padding`` zeros are added on both sides (default 0).
        output_padding: Extra size added on one side of each output dim; must be smaller
            than stride or dilation (default 0).
        groups: Number of blocked connections from input to output channels.
        dilation: An int or a tuple of 3 ints (default 1).

    Returns:
        ``[N, C_out, D_out, H_out, W_out]`` (unbatched input: no ``N``), with
        ``out = (L - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1``.

    Raises:
        ShapeError: For a channel mismatch, a bad bias shape or an empty output.
        InvalidArgumentError: For bad stride/padding/output_padding/dilation/groups.
        DTypeError: For non-floating or mixed dtypes.
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> x = compat.ones((2, 3, 4, 4, 4))
        >>> conv_transpose3d(x, compat.ones((3, 5, 3, 3, 3)), stride=2).shape
        (2, 5, 9, 9, 9)
    """
    return _conv_t(
        "conv_transpose3d",
        _nn.conv_transpose3d,
        input,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
    )
