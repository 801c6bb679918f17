"""``torch.nn.functional`` pooling over compat tensors: each call is one op.

Each function runs its :mod:`rustorch_fx.nn` counterpart through
:func:`compat._engine.apply` (window arguments are static). With ``return_indices=True`` the
result is a tuple ``(values, indices)`` whose indices are int64, as torch's; the gradient of
max pooling goes to the first maximum of each window, as torch's.
"""

from __future__ import annotations

from typing import Any

import rustorch_fx.nn as _nn
from compat._creation import rand as _rand
from compat._engine import apply
from compat._methods import _check_bounds
from compat._tensor import Tensor
from rustorch_fx.errors import ArgumentTypeError

__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_avg_pool3d",
    "adaptive_max_pool1d",
    "adaptive_max_pool1d_with_indices",
    "adaptive_max_pool2d",
    "adaptive_max_pool2d_with_indices",
    "adaptive_max_pool3d",
    "adaptive_max_pool3d_with_indices",
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d",
    "fractional_max_pool2d",
    "fractional_max_pool2d_with_indices",
    "fractional_max_pool3d",
    "fractional_max_pool3d_with_indices",
    "lp_pool1d",
    "lp_pool2d",
    "lp_pool3d",
    "max_pool1d",
    "max_pool1d_with_indices",
    "max_pool2d",
    "max_pool2d_with_indices",
    "max_pool3d",
    "max_pool3d_with_indices",
    "max_unpool1d",
    "max_unpool2d",
    "max_unpool3d",
]


def _static(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _tensor(op: str, input: Any) -> None:
    if not isinstance(input, Tensor):
        raise ArgumentTypeError(
            f"{op}: argument 'input' must be a Tensor, got {type(input).__name__}"
        )


def _with_indices(out: Any, return_indices: bool) -> Any:
    if not return_indices:
        return out
    values, indices = out
    return values, indices.long()


def _max(
    op: str,
    fn: Any,
    input: Any,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    ceil_mode: bool,
    return_indices: bool,
) -> Any:
    _tensor(op, input)
    out = apply(
        fn,
        input,
        kernel_size=_static(kernel_size),
        stride=_static(stride),
        padding=_static(padding),
        dilation=_static(dilation),
        ceil_mode=bool(ceil_mode),
        return_indices=bool(return_indices),
    )
    return _with_indices(out, return_indices)


def max_pool1d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """1-d max pooling (``torch.nn.functional.max_pool1d``).

    Runs :func:`rustorch_fx.nn.max_pool1d` as one op of compat's autograd engine.

    Args:
        input: ``[N, C, L]`` or unbatched ``[C, L]``, floating or integer.
        kernel_size: Window size, an int or a 1-tuple.
        stride: Window stride (default: ``kernel_size``).
        padding: Implicit ``-inf`` padding on both sides, at most half the dilated kernel.
        dilation: Spacing between window elements (default 1).
        ceil_mode: Use ``ceil`` instead of ``floor`` for the output size.
        return_indices: Also return the flat spatial index of each maximum.

    Returns:
        ``[N, C, L_out]`` (unbatched: no ``N``); with ``return_indices`` a tuple
        ``(values, indices)``, the indices int64.

    Raises:
        InvalidArgumentError: For non-positive kernel/stride/dilation or too much padding.
        ShapeError: For a bad input rank or an empty output.
        DTypeError: For bool or complex input.
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> max_pool1d(compat.ones((2, 3, 8)), 2).shape
        (2, 3, 4)
    """
    return _max(
        "max_pool1d",
        _nn.max_pool1d,
        input,
        kernel_size,
        stride,
        padding,
        dilation,
        ceil_mode,
        return_indices,
    )


def max_pool2d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """2-d max pooling (``torch.nn.functional.max_pool2d``).

    Runs :func:`rustorch_fx.nn.max_pool2d` as one op of compat's autograd engine.

    Args:
        input: ``[N, C, H, W]`` or unbatched ``[C, H, W]``, floating or integer.
        kernel_size: Window size, an int or a tuple of 2 ints.
        stride: Window stride (default: ``kernel_size``).
        padding: Implicit ``-inf`` padding on both sides, at most half the dilated kernel.
        dilation: Spacing between window elements (default 1).
        ceil_mode: Use ``ceil`` instead of ``floor`` for the output size.
        return_indices: Also return the flat spatial index of each maximum.

    Returns:
        ``[N, C, H_out, W_out]`` (unbatched: no ``N``); with ``return_indices`` a tuple
        ``(values, indices)``, the indices int64.

    Raises:
        InvalidArgumentError: For non-positive kernel/stride/dilation or too much padding.
        ShapeError: For a bad input rank or an empty output.
        DTypeError: For bool or complex input.
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> max_pool2d(compat.ones((2, 3, 8, 8)), 2).shape
        (2, 3, 4, 4)
    """
    return _max(
        "max_pool2d",
        _nn.max_pool2d,
        input,
        kernel_size,
        stride,
        padding,
        dilation,
        ceil_mode,
        return_indices,
    )


def max_pool3d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """3-d max pooling (``torch.nn.functional.max_pool3d``).

    Runs :func:`rustorch_fx.nn.max_pool3d` as one op of compat's autograd engine.

    Args:
        input: ``[N, C, D, H, W]`` or unbatched ``[C, D, H, W]``, floating or integer.
        kernel_size: Window size, an int or a tuple of 3 ints.
        stride: Window stride (default: ``kernel_size``).
        padding: Implicit ``-inf`` padding on both sides, at most half the dilated kernel.
        dilation: Spacing between window elements (default 1).
        ceil_mode: Use ``ceil`` instead of ``floor`` for the output size.
        return_indices: Also return the flat spatial index of each maximum.

    Returns:
        ``[N, C, D_out, H_out, W_out]`` (unbatched: no ``N``); with ``return_indices`` a tuple
        ``(values, indices)``, the indices int64.

    Raises:
        InvalidArgumentError: For non-positive kernel/stride/dilation or too much padding.
        ShapeError: For a bad input rank or an empty output.
        DTypeError: For bool or complex input.
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> max_pool3d(compat.ones((2, 3, 8, 8, 8)), 2).shape
        (2, 3, 4, 4, 4)
    """
    return _max(
        "max_pool3d",
        _nn.max_pool3d,
        input,
        kernel_size,
        stride,
        padding,
        dilation,
        ceil_mode,
        return_indices,
    )


def max_pool1d_with_indices(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = True,
) -> tuple[Tensor, Tensor]:
    """1-d max pooling (``torch.nn.functional.max_pool1d``).

    Runs :func:`rustorch_fx.nn.max_pool1d` as one op of compat's autograd engine.

    Always returns ``(values, indices)``: ``max_pool1d(..., return_indices=True)``.

    Args:
        input: ``[N, C, L]`` or unbatched ``[C, L]``, floating or integer.
        kernel_size: Window size, an int or a 1-tuple.
        stride: Window stride (default: ``kernel_size``).
        padding: Implicit ``-inf`` padding on both sides, at most half the dilated kernel.
        dilation: Spacing between window elements (default 1).
        ceil_mode: Use ``ceil`` instead of ``floor`` for the output size.
        return_indices: Also return the flat spatial index of each maximum.

    Returns:
        ``[N, C, L_out]`` (unbatched: no ``N``); with ``return_indices`` a tuple
        ``(values, indices)``, the indices int64.

    Raises:
        InvalidArgumentError: For non-positive kernel/stride/dilation or too much padding.
        ShapeError: For a bad input rank or an empty output.
        DTypeError: For bool or complex input.
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> max_pool1d(compat.ones((2, 3, 8)), 2).shape
        (2, 3, 4)
    """
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = True,
) -> tuple[Tensor, Tensor]:
    """2-d max pooling (``torch.nn.functional.max_pool2d``).

    Runs :func:`rustorch_fx.nn.max_pool2d` as one op of compat's autograd engine.

    Always returns ``(values, indices)``: ``max_pool2d(..., return_indices=True)``.

    Args:
        input: ``[N, C, H, W]`` or unbatched ``[C, H, W]``, floating or integer.
        kernel_size: Window size, an int or a tuple of 2 ints.
        stride: Window stride (default: ``kernel_size``).
        padding: Implicit ``-inf`` padding on both sides, at most half the dilated kernel.
        dilation: Spacing between window elements (default 1).
        ceil_mode: Use ``ceil`` instead of ``floor`` for the output size.
        return_indices: Also return the flat spatial index of each maximum.

    Returns:
        ``[N, C, H_out, W_out]`` (unbatched: no ``N``); with ``return_indices`` a tuple
        ``(values, indices)``, the indices int64.

    Raises:
        InvalidArgumentError: For non-positive kernel/stride/dilation or too much padding.
        ShapeError: For a bad input rank or an empty output.
        DTypeError: For bool or complex input.
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> max_pool2d(compat.ones((2, 3, 8, 8)), 2).shape
        (2, 3, 4, 4)
    """
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = True,
) -> tuple[Tensor, Tensor]:
    """3-d max pooling (``torch.nn.functional.max_pool3d``).

    Runs :func:`rustorch_fx.nn.max_pool3d` as one op of compat's autograd engine.

    Always returns ``(values, indices)``: ``max_pool3d(..., return_indices=True)``.

    Args:
        input: ``[N, C, D, H, W]`` or unbatched ``[C, D, H, W]``, floating or integer.
        kernel_size: Window size, an int or a tuple of 3 ints.
        stride: Window stride (default: ``kernel_size``).
        padding: Implicit ``-inf`` padding on both sides, at most half the dilated kernel.
        dilation: Spacing between window elements (default 1).
        ceil_mode: Use ``ceil`` instead of ``floor`` for the output size.
        return_indices: Also return the flat spatial index of each maximum.

    Returns:
        ``[N, C, D_out, H_out, W_out]`` (unbatched: no ``N``); with ``return_indices`` a tuple
        ``(values, indices)``, the indices int64.

    Raises:
        InvalidArgumentError: For non-positive kernel/stride/dilation or too much padding.
        ShapeError: For a bad input rank or an empty output.
        DTypeError: For bool or complex input.
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> max_pool3d(compat.ones((2, 3, 8, 8, 8)), 2).shape
        (2, 3, 4, 4, 4)
    """
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def avg_pool1d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """1-d average pooling (``torch.nn.functional.avg_pool1d``).

    Runs :func:`rustorch_fx.nn.avg_pool1d` as one op of compat's autograd engine.

    Args:
        input: ``[N, C, L]`` or unbatched ``[C, L]``, floating.
        kernel_size: Window size, an int or a 1-tuple.
        stride: Window stride (default: ``kernel_size``).
        padding: Implicit zero padding on both sides, at most half the kernel.
        ceil_mode: Use ``ceil`` instead of ``floor`` for the output size.
        count_include_pad: Whether the zero padding counts in the divisor.

    Returns:
        ``[N, C, L_out]`` (unbatched: no ``N``).

    Raises:
        InvalidArgumentError: For non-positive kernel/stride, too much padding or a zero
            ``divisor_override``.
        ShapeError: For a bad input rank or an empty output.
        DTypeError: For a non-floating input.
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> avg_pool1d(compat.ones((2, 3, 8)), 2).shape
        (2, 3, 4)
    """
    _tensor("avg_pool1d", input)
    return apply(
        _nn.avg_pool1d,
        input,
        kernel_size=_static(kernel_size),
        stride=_static(stride),
        padding=_static(padding),
        ceil_mode=bool(ceil_mode),
        count_include_pad=bool(count_include_pad),
    )


def avg_pool2d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """2-d average pooling (``torch.nn.functional.avg_pool2d``).

    Runs :func:`rustorch_fx.nn.avg_pool2d` as one op of compat's autograd engine.

    Args:
        input: ``[N, C, H, W]`` or unbatched ``[C, H, W]``, floating.
        kernel_size: Window size, an int or a tuple of 2 ints.
        stride: Window stride (default: ``kernel_size``).
        padding: Implicit zero padding on both sides, at most half the kernel.
        ceil_mode: Use ``ceil`` instead of ``floor`` for the output size.
        count_include_pad: Whether the zero padding counts in the divisor.
        divisor_override: If given, the divisor of every window.

    Returns:
        ``[N, C, H_out, W_out]`` (unbatched: no ``N``).

    Raises:
        InvalidArgumentError: For non-positive kernel/stride, too much padding or a zero
            ``divisor_override``.
        ShapeError: For a bad input rank or an empty output.
        DTypeError: For a non-floating input.
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> avg_pool2d(compat.ones((2, 3, 8, 8)), 2).shape
        (2, 3, 4, 4)
    """
    _tensor("avg_pool2d", input)
    return apply(
        _nn.avg_pool2d,
        input,
        kernel_size=_static(kernel_size),
        stride=_static(stride),
        padding=_static(padding),
        ceil_mode=bool(ceil_mode),
        count_include_pad=bool(count_include_pad),
        divisor_override=divisor_override,
    )


def avg_pool3d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """3-d average pooling (``torch.nn.functional.avg_pool3d``).

    Runs :func:`rustorch_fx.nn.avg_pool3d` as one op of compat's autograd engine.

    Args:
        input: ``[N, C, D, H, W]`` or unbatched ``[C, D, H, W]``, floating.
        kernel_size: Window size, an int or a tuple of 3 ints.
        stride: Window stride (default: ``kernel_size``).
        padding: Implicit zero padding on both sides, at most half the kernel.
        ceil_mode: Use ``ceil`` instead of ``floor`` for the output size.
        count_include_pad: Whether the zero padding counts in the divisor.
        divisor_override: If given, the divisor of every window.

    Returns:
        ``[N, C, D_out, H_out, W_out]`` (unbatched: no ``N``).

    Raises:
        InvalidArgumentError: For non-positive kernel/stride, too much padding or a zero
            ``divisor_override``.
        ShapeError: For a bad input rank or an empty output.
        DTypeError: For a non-floating input.
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> avg_pool3d(compat.ones((2, 3, 8, 8, 8)), 2).shape
        (2, 3, 4, 4, 4)
    """
    _tensor("avg_pool3d", input)
    return apply(
        _nn.avg_pool3d,
        input,
        kernel_size=_static(kernel_size),
        stride=_static(stride),
        padding=_static(padding),
        ceil_mode=bool(ceil_mode),
        count_include_pad=bool(count_include_pad),
        divisor_override=divisor_override,
    )


def _lp(
    op: str, fn: Any, input: Any, norm_type: float, kernel_size: Any, stride: Any, ceil_mode: bool
) -> Tensor:
    _tensor(op, input)
    return apply(
        fn,
        input,
        norm_type=norm_type,
        kernel_size=_static(kernel_size),
        stride=_static(stride),
        ceil_mode=bool(ceil_mode),
    )


def lp_pool1d(
    input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False
) -> Tensor:
    """1-d power-average pooling (``torch.nn.functional.lp_pool1d``).

    Runs :func:`rustorch_fx.nn.lp_pool1d` as one op of compat's autograd engine.

    Computes ``(sum over the window of x ** norm_type) ** (1 / norm_type)``; windows with a
    negative sum give 0 (NaN for ``norm_type`` < 1 as in torch). No padding.

    Args:
        input: ``[N, C, L]`` or unbatched ``[C, L]``, floating.
        norm_type: The power ``p`` (non-zero; ``inf`` gives max pooling's values).
        kernel_size: Window size, an int or a 1-tuple.
        stride: Window stride (default: ``kernel_size``).
        ceil_mode: Use ``ceil`` instead of ``floor`` for the output size.

    Returns:
        ``[N, C, L_out]`` (unbatched: no ``N``).

    Raises:
        InvalidArgumentError: For a zero ``norm_type`` or bad window arguments.
        ShapeError: For a bad input rank or an empty output.
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> lp_pool1d(compat.ones((2, 3, 8)), 2.0, 2).shape
        (2, 3, 4)
    """
    return _lp("lp_pool1d", _nn.lp_pool1d, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(
    input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False
) -> Tensor:
    """2-d power-average pooling (``torch.nn.functional.lp_pool2d``).

    Runs :func:`rustorch_fx.nn.lp_pool2d` as one op of compat's autograd engine.

    Computes ``(sum over the window of x ** norm_type) ** (1 / norm_type)``; windows with a
    negative sum give 0 (NaN for ``norm_type`` < 1 as in torch). No padding.

    Args:
        input: ``[N, C, H, W]`` or unbatched ``[C, H, W]``, floating.
        norm_type: The power ``p`` (non-zero; ``inf`` gives max pooling's values).
        kernel_size: Window size, an int or a tuple of 2 ints.
        stride: Window stride (default: ``kernel_size``).
        ceil_mode: Use ``ceil`` instead of ``floor`` for the output size.

    Returns:
        ``[N, C, H_out, W_out]`` (unbatched: no ``N``).

    Raises:
        InvalidArgumentError: For a zero ``norm_type`` or bad window arguments.
        ShapeError: For a bad input rank or an empty output.
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> lp_pool2d(compat.ones((2, 3, 8, 8)), 2.0, 2).shape
        (2, 3, 4, 4)
    """
    return _lp("lp_pool2d", _nn.lp_pool2d, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(
    input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False
) -> Tensor:
    """3-d power-average pooling (``torch.nn.functional.lp_pool3d``).

    Runs :func:`rustorch_fx.nn.lp_pool3d` as one op of compat's autograd engine.

    Computes ``(sum over the window of x ** norm_type) ** (1 / norm_type)``; windows with a
    negative sum give 0 (NaN for ``norm_type`` < 1 as in torch). No padding.

    Args:
        input: ``[N, C, D, H, W]`` or unbatched ``[C, D, H, W]``, floating.
        norm_type: The power ``p`` (non-zero; ``inf`` gives max pooling's values).
        kernel_size: Window size, an int or a tuple of 3 ints.
        stride: Window stride (default: ``kernel_size``).
        ceil_mode: Use ``ceil`` instead of ``floor`` for the output size.

    Returns:
        ``[N, C, D_out, H_out, W_out]`` (unbatched: no ``N``).

    Raises:
        InvalidArgumentError: For a zero ``norm_type`` or bad window arguments.
        ShapeError: For a bad input rank or an empty output.
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> lp_pool3d(compat.ones((2, 3, 8, 8, 8)), 2.0, 2).shape
        (2, 3, 4, 4, 4)
    """
    return _lp("lp_pool3d", _nn.lp_pool3d, input, norm_type, kernel_size, stride, ceil_mode)


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:
    """1-d adaptive average pooling (``torch.nn.functional.adaptive_avg_pool1d``).

    Runs :func:`rustorch_fx.nn.adaptive_avg_pool1d` as one op of compat's autograd engine.

    Output ``i`` averages the bin ``[floor(i * L / out), ceil((i + 1) * L / out))`` per dim.

    Args:
        input: ``[N, C, L]`` or unbatched ``[C, L]``, floating.
        output_size: The target size, an int or a 1-tuple (``None`` keeps a dim).

    Returns:
        ``[N, C, *output_size]`` (unbatched: no ``N``).

    Raises:
        InvalidArgumentError: For a bad ``output_size``.
        ShapeError: For a bad input rank.
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> adaptive_avg_pool1d(compat.ones((2, 3, 8)), 2).shape
        (2, 3, 4)
    """
    _tensor("adaptive_avg_pool1d", input)
    return apply(_nn.adaptive_avg_pool1d, input, output_size=_static(output_size))


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """2-d adaptive average pooling (``torch.nn.functional.adaptive_avg_pool2d``).

    Runs :func:`rustorch_fx.nn.adaptive_avg_pool2d` as one op of compat's autograd engine.

    Output ``i`` averages the bin ``[floor(i * L / out), ceil((i + 1) * L / out))`` per dim.

    Args:
        input: ``[N, C, H, W]`` or unbatched ``[C, H, W]``, floating.
        output_size: The target size, an int or a tuple of 2 ints (``None`` keeps a dim).

    Returns:
        ``[N, C, *output_size]`` (unbatched: no ``N``).

    Raises:
        InvalidArgumentError: For a bad ``output_size``.
        ShapeError: For a bad input rank.
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> adaptive_avg_pool2d(compat.ones((2, 3, 8, 8)), 2).shape
        (2, 3, 4, 4)
    """
    _tensor("adaptive_avg_pool2d", input)
    return apply(_nn.adaptive_avg_pool2d, input, output_size=_static(output_size))


def adaptive_avg_pool3d(input: Tensor, output_size: Any) -> Tensor:
    """3-d adaptive average pooling (``torch.nn.functional.adaptive_avg_pool3d``).

    Runs :func:`rustorch_fx.nn.adaptive_avg_pool3d` as one op of compat's autograd engine.

    Output ``i`` averages the bin ``[floor(i * L / out), ceil((i + 1) * L / out))`` per dim.

    Args:
        input: ``[N, C, D, H, W]`` or unbatched ``[C, D, H, W]``, floating.
        output_size: The target size, an int or a tuple of 3 ints (``None`` keeps a dim).

    Returns:
        ``[N, C, *output_size]`` (unbatched: no ``N``).

    Raises:
        InvalidArgumentError: For a bad ``output_size``.
        ShapeError: For a bad input rank.
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> adaptive_avg_pool3d(compat.ones((2, 3, 8, 8, 8)), 2).shape
        (2, 3, 4, 4, 4)
    """
    _tensor("adaptive_avg_pool3d", input)
    return apply(_nn.adaptive_avg_pool3d, input, output_size=_static(output_size))


def _amax(op: str, fn: Any, input: Any, output_size: Any, return_indices: bool) -> Any:
    _tensor(op, input)
    out = apply(fn, input, output_size=_static(output_size), return_indices=bool(return_indices))
    return _with_indices(out, return_indices)


def adaptive_max_pool1d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """1-d adaptive max pooling (``torch.nn.functional.adaptive_max_pool1d``).

    Runs :func:`rustorch_fx.nn.adaptive_max_pool1d` as one op of compat's autograd engine.

    Output ``i`` is the maximum of the bin ``[floor(i * L / out), ceil((i + 1) * L / out))``
    per dim; the gradient goes to its first maximum.

    Args:
        input: ``[N, C, L]`` or unbatched ``[C, L]``, floating or integer.
        output_size: The target size, an int or a 1-tuple (``None`` keeps a dim).
        return_indices: Also return the flat spatial index of each maximum (int64).

    Returns:
        ``[N, C, *output_size]`` (unbatched: no ``N``); with ``return_indices`` a tuple
        ``(values, indices)``.

    Raises:
        InvalidArgumentError: For a bad ``output_size``.
        ShapeError: For a bad input rank or a zero output size.
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> adaptive_max_pool1d(compat.ones((2, 3, 8)), 2).shape
        (2, 3, 4)
    """
    return _amax("adaptive_max_pool1d", _nn.adaptive_max_pool1d, input, output_size, return_indices)


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """2-d adaptive max pooling (``torch.nn.functional.adaptive_max_pool2d``).

    Runs :func:`rustorch_fx.nn.adaptive_max_pool2d` as one op of compat's autograd engine.

    Output ``i`` is the maximum of the bin ``[floor(i * L / out), ceil((i + 1) * L / out))``
    per dim; the gradient goes to its first maximum.

    Args:
        input: ``[N, C, H, W]`` or unbatched ``[C, H, W]``, floating or integer.
        output_size: The target size, an int or a tuple of 2 ints (``None`` keeps a dim).
        return_indices: Also return the flat spatial index of each maximum (int64).

    Returns:
        ``[N, C, *output_size]`` (unbatched: no ``N``); with ``return_indices`` a tuple
        ``(values, indices)``.

    Raises:
        InvalidArgumentError: For a bad ``output_size``.
        ShapeError: For a bad input rank or a zero output size.
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> adaptive_max_pool2d(compat.ones((2, 3, 8, 8)), 2).shape
        (2, 3, 4, 4)
    """
    return _amax("adaptive_max_pool2d", _nn.adaptive_max_pool2d, input, output_size, return_indices)


def adaptive_max_pool3d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """3-d adaptive max pooling (``torch.nn.functional.adaptive_max_pool3d``).

    Runs :func:`rustorch_fx.nn.adaptive_max_pool3d` as one op of compat's autograd engine.

    Output ``i`` is the maximum of the bin ``[floor(i * L / out), ceil((i + 1) * L / out))``
    per dim; the gradient goes to its first maximum.

    Args:
        input: ``[N, C, D, H, W]`` or unbatched ``[C, D, H, W]``, floating or integer.
        output_size: The target size, an int or a tuple of 3 ints (``None`` keeps a dim).
        return_indices: Also return the flat spatial index of each maximum (int64).

    Returns:
        ``[N, C, *output_size]`` (unbatched: no ``N``); with ``return_indices`` a tuple
        ``(values, indices)``.

    Raises:
        InvalidArgumentError: For a bad ``output_size``.
        ShapeError: For a bad input rank or a zero output size.
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> adaptive_max_pool3d(compat.ones((2, 3, 8, 8, 8)), 2).shape
        (2, 3, 4, 4, 4)
    """
    return _amax("adaptive_max_pool3d", _nn.adaptive_max_pool3d, input, output_size, return_indices)


def adaptive_max_pool1d_with_indices(
    input: Tensor, output_size: Any, return_indices: bool = True
) -> tuple[Tensor, Tensor]:
    """1-d adaptive max pooling (``torch.nn.functional.adaptive_max_pool1d``).

    Runs :func:`rustorch_fx.nn.adaptive_max_pool1d` as one op of compat's autograd engine.

    Always returns ``(values, indices)``: ``adaptive_max_pool1d(..., return_indices=True)``.

    Output ``i`` is the maximum of the bin ``[floor(i * L / out), ceil((i + 1) * L / out))``
    per dim; the gradient goes to its first maximum.

    Args:
        input: ``[N, C, L]`` or unbatched ``[C, L]``, floating or integer.
        output_size: The target size, an int or a 1-tuple (``None`` keeps a dim).
        return_indices: Also return the flat spatial index of each maximum (int64).

    Returns:
        ``[N, C, *output_size]`` (unbatched: no ``N``); with ``return_indices`` a tuple
        ``(values, indices)``.

    Raises:
        InvalidArgumentError: For a bad ``output_size``.
        ShapeError: For a bad input rank or a zero output size.
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> adaptive_max_pool1d(compat.ones((2, 3, 8)), 2).shape
        (2, 3, 4)
    """
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(
    input: Tensor, output_size: Any, return_indices: bool = True
) -> tuple[Tensor, Tensor]:
    """2-d adaptive max pooling (``torch.nn.functional.adaptive_max_pool2d``).

    Runs :func:`rustorch_fx.nn.adaptive_max_pool2d` as one op of compat's autograd engine.

    Always returns ``(values, indices)``: ``adaptive_max_pool2d(..., return_indices=True)``.

    Output ``i`` is the maximum of the bin ``[floor(i * L / out), ceil((i + 1) * L / out))``
    per dim; the gradient goes to its first maximum.

    Args:
        input: ``[N, C, H, W]`` or unbatched ``[C, H, W]``, floating or integer.
        output_size: The target size, an int or a tuple of 2 ints (``None`` keeps a dim).
        return_indices: Also return the flat spatial index of each maximum (int64).

    Returns:
        ``[N, C, *output_size]`` (unbatched: no ``N``); with ``return_indices`` a tuple
        ``(values, indices)``.

    Raises:
        InvalidArgumentError: For a bad ``output_size``.
        ShapeError: For a bad input rank or a zero output size.
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> adaptive_max_pool2d(compat.ones((2, 3, 8, 8)), 2).shape
        (2, 3, 4, 4)
    """
    return adaptive_max_pool2d(input, output_size, True)


def adaptive_max_pool3d_with_indices(
    input: Tensor, output_size: Any, return_indices: bool = True
) -> tuple[Tensor, Tensor]:
    """3-d adaptive max pooling (``torch.nn.functional.adaptive_max_pool3d``).

    Runs :func:`rustorch_fx.nn.adaptive_max_pool3d` as one op of compat's autograd engine.

    Always returns ``(values, indices)``: ``adaptive_max_pool3d(..., return_indices=True)``.

    Output ``i`` is the maximum of the bin ``[floor(i * L / out), ceil((i + 1) * L / out))``
    per dim; the gradient goes to its first maximum.

    Args:
        input: ``[N, C, D, H, W]`` or unbatched ``[C, D, H, W]``, floating or integer.
        output_size: The target size, an int or a tuple of 3 ints (``None`` keeps a dim).
        return_indices: Also return the flat spatial index of each maximum (int64).

    Returns:
        ``[N, C, *output_size]`` (unbatched: no ``N``); with ``return_indices`` a tuple
        ``(values, indices)``.

    Raises:
        InvalidArgumentError: For a bad ``output_size``.
        ShapeError: For a bad input rank or a zero output size.
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> adaptive_max_pool3d(compat.ones((2, 3, 8, 8, 8)), 2).shape
        (2, 3, 4, 4, 4)
    """
    return adaptive_max_pool3d(input, output_size, True)


def _unpool(
    op: str,
    fn: Any,
    nd: int,
    input: Any,
    indices: Any,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    output_size: Any,
) -> Tensor:
    _tensor(op, input)
    if not isinstance(indices, Tensor):
        raise ArgumentTypeError(
            f"{op}: argument 'indices' must be a Tensor, got {type(indices).__name__}"
        )
    out = apply(
        fn,
        input,
        indices,
        kernel_size=_static(kernel_size),
        stride=_static(stride),
        padding=_static(padding),
        output_size=_static(output_size),
    )
    # The jitted op drops out-of-range indices; torch raises, so check concrete ones here.
    volume = 1
    for n in out.shape[-nd:]:
        volume *= n
    _check_bounds(op, indices, volume, 0)
    return out


def max_unpool1d(
    input: Tensor,
    indices: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    output_size: Any = None,
) -> Tensor:
    """Partial inverse of max_pool1d (``torch.nn.functional.max_unpool1d``).

    Runs :func:`rustorch_fx.nn.max_unpool1d` as one op of compat's autograd engine: each
    value is written at its flat spatial index in a zero output; the gradient of each value is
    the output gradient read back at its index.

    Args:
        input: ``[N, C, L]`` or unbatched ``[C, L]``, the pooled values.
        indices: The int64 indices of ``max_pool1d(..., return_indices=True)``.
        kernel_size: The pooling window, an int or a 1-tuple.
        stride: The pooling stride (default: ``kernel_size``).
        padding: The pooling padding (default 0).
        output_size: The spatial output size (``[L]`` or ``[N, C, L]``); by default
            ``(in - 1) * stride + kernel_size - 2 * padding`` per dim.

    Returns:
        ``(N, C, L_out)`` (unbatched: no ``N``).

    Raises:
        IndexOutOfRangeError: For an index outside the output.
        InvalidArgumentError: For a bad ``output_size``.
        ShapeError: For a bad rank or indices of another shape.
        DTypeError: For non-integer indices.
        ArgumentTypeError: If ``input`` or ``indices`` is not a Tensor.

    Example:
        >>> v, i = max_pool1d(compat.ones((1, 1, 4)), 2, return_indices=True)
        >>> max_unpool1d(v, i, 2).shape
        (1, 1, 4)
    """
    return _unpool(
        "max_unpool1d",
        _nn.max_unpool1d,
        1,
        input,
        indices,
        kernel_size,
        stride,
        padding,
        output_size,
    )


def max_unpool2d(
    input: Tensor,
    indices: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    output_size: Any = None,
) -> Tensor:
    """Partial inverse of max_pool2d (``torch.nn.functional.max_unpool2d``).

    Runs :func:`rustorch_fx.nn.max_unpool2d` as one op of compat's autograd engine: each
    value is written at its flat spatial index in a zero output; the gradient of each value is
    the output gradient read back at its index.

    Args:
        input: ``[N, C, H, W]`` or unbatched ``[C, H, W]``, the pooled values.
        indices: The int64 indices of ``max_pool2d(..., return_indices=True)``.
        kernel_size: The pooling window, an int or a pair.
        stride: The pooling stride (default: ``kernel_size``).
        padding: The pooling padding (default 0).
        output_size: The spatial output size (``[H, W]`` or ``[N, C, H, W]``); by default
            ``(in - 1) * stride + kernel_size - 2 * padding`` per dim.

    Returns:
        ``(N, C, H_out, W_out)`` (unbatched: no ``N``).

    Raises:
        IndexOutOfRangeError: For an index outside the output.
        InvalidArgumentError: For a bad ``output_size``.
        ShapeError: For a bad rank or indices of another shape.
        DTypeError: For non-integer indices.
        ArgumentTypeError: If ``input`` or ``indices`` is not a Tensor.

    Example:
        >>> v, i = max_pool2d(compat.ones((1, 1, 4, 4)), 2, return_indices=True)
        >>> max_unpool2d(v, i, 2).shape
        (1, 1, 4, 4)
    """
    return _unpool(
        "max_unpool2d",
        _nn.max_unpool2d,
        2,
        input,
        indices,
        kernel_size,
        stride,
        padding,
        output_size,
    )


def max_unpool3d(
    input: Tensor,
    indices: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    output_size: Any = None,
) -> Tensor:
    """Partial inverse of max_pool3d (``torch.nn.functional.max_unpool3d``).

    Runs :func:`rustorch_fx.nn.max_unpool3d` as one op of compat's autograd engine: each
    value is written at its flat spatial index in a zero output; the gradient of each value is
    the output gradient read back at its index.

    Args:
        input: ``[N, C, D, H, W]`` or unbatched ``[C, D, H, W]``, the pooled values.
        indices: The int64 indices of ``max_pool3d(..., return_indices=True)``.
        kernel_size: The pooling window, an int or a tuple of 3 ints.
        stride: The pooling stride (default: ``kernel_size``).
        padding: The pooling padding (default 0).
        output_size: The spatial output size (3 or 5 ints); by default
            ``(in - 1) * stride + kernel_size - 2 * padding`` per dim.

    Returns:
        ``(N, C, D_out, H_out, W_out)`` (unbatched: no ``N``).

    Raises:
        IndexOutOfRangeError: For an index outside the output.
        InvalidArgumentError: For a bad ``output_size``.
        ShapeError: For a bad rank or indices of another shape.
        DTypeError: For non-integer indices.
        ArgumentTypeError: If ``input`` or ``indices`` is not a Tensor.

    Example:
        >>> v, i = max_pool3d(compat.ones((1, 1, 4, 4, 4)), 2, return_indices=True)
        >>> max_unpool3d(v, i, 2).shape
        (1, 1, 4, 4, 4)
    """
    return _unpool(
        "max_unpool3d",
        _nn.max_unpool3d,
        3,
        input,
        indices,
        kernel_size,
        stride,
        padding,
        output_size,
    )


# The samples are traced, so they go positionally; the window arguments stay static.
def _fractional2d(input: Any, samples: Any, **static: Any) -> Any:
    return _nn.fractional_max_pool2d(input, _random_samples=samples, **static)


def _fractional3d(input: Any, samples: Any, **static: Any) -> Any:
    return _nn.fractional_max_pool3d(input, _random_samples=samples, **static)


def _fractional(
    op: str,
    fn: Any,
    nd: int,
    input: Any,
    kernel_size: Any,
    output_size: Any,
    output_ratio: Any,
    return_indices: bool,
    random_samples: Any,
) -> Any:
    _tensor(op, input)
    if random_samples is None:
        # torch draws (N, C, nd) uniforms from its generator; compat draws from its own.
        batch = input.shape[0] if input.dim() == nd + 2 else 1
        channels = input.shape[-nd - 1] if input.dim() > nd else 1
        dtype = input.dtype if input.is_floating_point() else None
        random_samples = _rand(batch, channels, nd, dtype=dtype)
    out = apply(
        fn,
        input,
        random_samples,
        kernel_size=_static(kernel_size),
        output_size=_static(output_size),
        output_ratio=_static(output_ratio),
        return_indices=bool(return_indices),
    )
    return _with_indices(out, return_indices)


def fractional_max_pool2d(
    input: Tensor,
    kernel_size: Any,
    output_size: Any = None,
    output_ratio: Any = None,
    return_indices: bool = False,
    _random_samples: Tensor | None = None,
) -> Any:
    """2-d fractional max pooling (``torch.nn.functional.fractional_max_pool2d``).

    Runs :func:`rustorch_fx.nn.fractional_max_pool2d` as one op of compat's autograd engine.
    Without ``_random_samples``, the ``(N, C, 2)`` samples are drawn from compat's default
    generator (``compat.manual_seed`` makes them reproducible; they are not torch's draws: pass
    torch's samples to reproduce its output).

    Args:
        input: ``[N, C, H, W]`` or unbatched ``[C, H, W]``, floating.
        kernel_size: The window, an int or a tuple of 2 ints.
        output_size: The output size (takes precedence over ``output_ratio``).
        output_ratio: Or the output size as a fraction of the input's, in ``(0, 1)``.
        return_indices: Also return the flat index of each maximum (int64).
        _random_samples: ``(N, C, 2)`` samples in ``[0, 1)``, in torch's order.

    Returns:
        The pooled tensor, or ``(values, indices)`` with ``return_indices``.

    Raises:
        InvalidArgumentError: Without an output size or ratio, or a ratio outside ``(0, 1)``.
        ShapeError: For a window too large for the output, or samples of a wrong shape.
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> fractional_max_pool2d(compat.ones((1, 1, 5, 5)), 2, output_size=2).shape
        (1, 1, 2, 2)
    """
    return _fractional(
        "fractional_max_pool2d",
        _fractional2d,
        2,
        input,
        kernel_size,
        output_size,
        output_ratio,
        return_indices,
        _random_samples,
    )


def fractional_max_pool2d_with_indices(
    input: Tensor,
    kernel_size: Any,
    output_size: Any = None,
    output_ratio: Any = None,
    return_indices: bool = True,
    _random_samples: Tensor | None = None,
) -> Any:
    """2-d fractional max pooling (``torch.nn.functional.fractional_max_pool2d_with_indices``).

    Runs :func:`rustorch_fx.nn.fractional_max_pool2d` as one op of compat's autograd engine.
    Without ``_random_samples``, the ``(N, C, 2)`` samples are drawn from compat's default
    generator (``compat.manual_seed`` makes them reproducible; they are not torch's draws: pass
    torch's samples to reproduce its output).

    Always returns ``(values, indices)``: ``fractional_max_pool2d(..., return_indices=True)``.

    Args:
        input: ``[N, C, H, W]`` or unbatched ``[C, H, W]``, floating.
        kernel_size: The window, an int or a tuple of 2 ints.
        output_size: The output size (takes precedence over ``output_ratio``).
        output_ratio: Or the output size as a fraction of the input's, in ``(0, 1)``.
        return_indices: Also return the flat index of each maximum (int64).
        _random_samples: ``(N, C, 2)`` samples in ``[0, 1)``, in torch's order.

    Returns:
        The pooled tensor, or ``(values, indices)`` with ``return_indices``.

    Raises:
        InvalidArgumentError: Without an output size or ratio, or a ratio outside ``(0, 1)``.
        ShapeError: For a window too large for the output, or samples of a wrong shape.
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> fractional_max_pool2d_with_indices(compat.ones((1, 1, 5, 5)), 2, output_size=2)[0].shape
        (1, 1, 2, 2)
    """
    return _fractional(
        "fractional_max_pool2d",
        _fractional2d,
        2,
        input,
        kernel_size,
        output_size,
        output_ratio,
        True,
        _random_samples,
    )


def fractional_max_pool3d(
    input: Tensor,
    kernel_size: Any,
    output_size: Any = None,
    output_ratio: Any = None,
    return_indices: bool = False,
    _random_samples: Tensor | None = None,
) -> Any:
    """3-d fractional max pooling (``torch.nn.functional.fractional_max_pool3d``).

    Runs :func:`rustorch_fx.nn.fractional_max_pool3d` as one op of compat's autograd engine.
    Without ``_random_samples``, the ``(N, C, 3)`` samples are drawn from compat's default
    generator (``compat.manual_seed`` makes them reproducible; they are not torch's draws: pass
    torch's samples to reproduce its output).

    Args:
        input: ``[N, C, T, H, W]`` or unbatched ``[C, T, H, W]``, floating.
        kernel_size: The window, an int or a tuple of 3 ints.
        output_size: The output size (takes precedence over ``output_ratio``).
        output_ratio: Or the output size as a fraction of the input's, in ``(0, 1)``.
        return_indices: Also return the flat index of each maximum (int64).
        _random_samples: ``(N, C, 3)`` samples in ``[0, 1)``, in torch's order.

    Returns:
        The pooled tensor, or ``(values, indices)`` with ``return_indices``.

    Raises:
        InvalidArgumentError: Without an output size or ratio, or a ratio outside ``(0, 1)``.
        ShapeError: For a window too large for the output, or samples of a wrong shape.
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> fractional_max_pool3d(compat.ones((1, 1, 5, 5, 5)), 2, output_size=2).shape
        (1, 1, 2, 2, 2)
    """
    return _fractional(
        "fractional_max_pool3d",
        _fractional3d,
        3,
        input,
        kernel_size,
        output_size,
        output_ratio,
        return_indices,
        _random_samples,
    )


def fractional_max_pool3d_with_indices(
    input: Tensor,
    kernel_size: Any,
    output_size: Any = None,
    output_ratio: Any = None,
    return_indices: bool = True,
    _random_samples: Tensor | None = None,
) -> Any:
    """3-d fractional max pooling (``torch.nn.functional.fractional_max_pool3d_with_indices``).

    Runs :func:`rustorch_fx.nn.fractional_max_pool3d` as one op of compat's autograd engine.
    Without ``_random_samples``, the ``(N, C, 3)`` samples are drawn from compat's default
    generator (``compat.manual_seed`` makes them reproducible; they are not torch's draws: pass
    torch's samples to reproduce its output).

    Always returns ``(values, indices)``: ``fractional_max_pool3d(..., return_indices=True)``.

    Args:
        input: ``[N, C, T, H, W]`` or unbatched ``[C, T, H, W]``, floating.
        kernel_size: The window, an int or a tuple of 3 ints.
        output_size: The output size (takes precedence over ``output_ratio``).
        output_ratio: Or the output size as a fraction of the input's, in ``(0, 1)``.
        return_indices: Also return the flat index of each maximum (int64).
        _random_samples: ``(N, C, 3)`` samples in ``[0, 1)``, in torch's order.

    Returns:
        The pooled tensor, or ``(values, indices)`` with ``return_indices``.

    Raises:
        InvalidArgumentError: Without an output size or ratio, or a ratio outside ``(0, 1)``.
        ShapeError: For a window too large for the output, or samples of a wrong shape.
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> fractional_max_pool3d_with_indices(compat.ones((1, 1, 5, 5, 5)), 2, output_size=2)[0].shape
        (1, 1, 2, 2, 2)
    """
    return _fractional(
        "fractional_max_pool3d",
        _fractional3d,
        3,
        input,
        kernel_size,
        output_size,
        output_ratio,
        True,
        _random_samples,
    )
