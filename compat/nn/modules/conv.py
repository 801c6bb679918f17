"""``torch.nn.modules.conv`` for compat: Conv1d/2d/3d, ConvTranspose1d/2d/3d and their Lazy forms.

Parameters have PyTorch's layouts (``[out, in/groups, k...]`` for a convolution,
``[in, out/groups, k...]`` for a transposed one) and default initialisation
(``kaiming_uniform_(a=sqrt(5))`` for the weight, ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))`` for the
bias), so state dicts move between torch and compat unchanged. Hyperparameters are validated
in ``__init__`` as torch does (``ValueError``s are :class:`~rustorch_fx.errors.InvalidArgumentError`).
A non-``"zeros"`` ``padding_mode`` pads with :func:`compat.nn.functional.pad` and then convolves
without padding, as torch. ``forward`` is one call of :mod:`compat.nn.functional`.
"""

from __future__ import annotations

import math
from typing import Any

import compat
from compat._grad_mode import no_grad
from compat._tensor import Tensor
from compat.nn import functional as F
from compat.nn import init
from compat.nn.modules.lazy import LazyModuleMixin
from compat.nn.modules.module import Module
from compat.nn.parameter import Parameter, UninitializedParameter
from rustorch_fx._checks import is_int
from rustorch_fx.errors import InvalidArgumentError, ShapeError

__all__ = [
    "Conv1d",
    "Conv2d",
    "Conv3d",
    "ConvTranspose1d",
    "ConvTranspose2d",
    "ConvTranspose3d",
    "LazyConv1d",
    "LazyConv2d",
    "LazyConv3d",
    "LazyConvTranspose1d",
    "LazyConvTranspose2d",
    "LazyConvTranspose3d",
]

_PADDING_STRINGS = ("same", "valid")
_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _ntuple(cls: str, name: str, value: Any, n: int) -> tuple[int, ...]:
    """Torch's ``_single``/``_pair``/``_triple`` with validation of the entries."""
    values = tuple(value) if isinstance(value, (list, tuple)) else (value,) * n
    if len(values) != n or not all(is_int(v) for v in values):
        raise InvalidArgumentError(
            f"{cls}: {name} must be an int or a tuple of {n} ints, got {value!r}"
        )
    return tuple(int(v) for v in values)


class _ConvNd(Module):
    """The shared parameters, initialisation and ``extra_repr`` of the convolutions."""

    _nd = 0
    _transposed = False

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any,
        padding: Any,
        dilation: Any,
        output_padding: Any,
        groups: int,
        bias: bool,
        padding_mode: str,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        cls, nd = type(self).__name__, self._nd
        for name, value in (("in_channels", in_channels), ("out_channels", out_channels)):
            if not is_int(value) or value <= 0:
                raise InvalidArgumentError(f"{cls}: {name} must be a positive int, got {value!r}")
        if not is_int(groups) or groups <= 0:
            raise InvalidArgumentError(f"{cls}: groups must be a positive integer, got {groups!r}")
        if in_channels % groups:
            raise InvalidArgumentError(
                f"{cls}: in_channels must be divisible by groups ({in_channels} % {groups} != 0)"
            )
        if out_channels % groups:
            raise InvalidArgumentError(
                f"{cls}: out_channels must be divisible by groups ({out_channels} % {groups} != 0)"
            )
        kernel_size = _ntuple(cls, "kernel_size", kernel_size, nd)
        stride = _ntuple(cls, "stride", stride, nd)
        dilation = _ntuple(cls, "dilation", dilation, nd)
        output_padding = _ntuple(cls, "output_padding", output_padding, nd)
        for name, values, low in (
            ("kernel_size", kernel_size, 1),
            ("stride", stride, 1),
            ("dilation", dilation, 1),
        ):
            if any(v < low for v in values):
                raise InvalidArgumentError(f"{cls}: {name} must be positive, got {values}")
        if isinstance(padding, str):
            if padding not in _PADDING_STRINGS:
                raise InvalidArgumentError(
                    f"{cls}: invalid padding string {padding!r}, should be one of "
                    f"{set(_PADDING_STRINGS)}"
                )
            if padding == "same" and any(s != 1 for s in stride):
                raise InvalidArgumentError(
                    f"{cls}: padding='same' is not supported for strided convolutions"
                )
        else:
            padding = _ntuple(cls, "padding", padding, nd)
            if any(p < 0 for p in padding):
                raise InvalidArgumentError(f"{cls}: padding must be non-negative, got {padding}")
        if padding_mode not in _PADDING_MODES:
            raise InvalidArgumentError(
                f"{cls}: padding_mode must be one of {set(_PADDING_MODES)}, but got "
                f"padding_mode='{padding_mode}'"
            )
        if self._transposed and padding_mode != "zeros":
            raise InvalidArgumentError(f'Only "zeros" padding mode is supported for {cls}')
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.transposed = self._transposed
        self.output_padding = output_padding
        self.groups = groups
        self.padding_mode = padding_mode
        # F.pad's order (last dim first) of the padding applied for a non-zeros padding_mode.
        if padding == "valid":
            padding = (0,) * nd
        if padding == "same":
            pairs = []
            for d, k in zip(dilation, kernel_size, strict=True):
                total = d * (k - 1)
                pairs.append((total // 2, total - total // 2))
        else:
            pairs = [(p, p) for p in padding]
        self._reversed_padding_repeated_twice = [v for pair in reversed(pairs) for v in pair]
        if self._transposed:
            shape = (in_channels, out_channels // groups, *kernel_size)
        else:
            shape = (out_channels, in_channels // groups, *kernel_size)
        self.weight = Parameter(compat.empty(*shape, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(compat.empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Redraw the parameters from torch's default distributions.

        The weight from ``kaiming_uniform_(a=sqrt(5))``, the bias from
        ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``.
        """
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        """The torch summary: channels, kernel, stride and every non-default option."""
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}"
        s += f", stride={self.stride}"
        if self.padding != (0,) * len(self.padding):
            s += f", padding={self.padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class _Conv(_ConvNd):
    _functional: Any = None

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            0,
            groups,
            bias,
            padding_mode,
            device,
            dtype,
        )

    def _conv_forward(self, input: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
        fn = type(self)._functional
        if self.padding_mode != "zeros":
            padded = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return fn(padded, weight, bias, self.stride, 0, self.dilation, self.groups)
        return fn(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input: Tensor) -> Tensor:
        """Convolve ``input`` with the layer's weight (and add its bias).

        Args:
            input: ``(N, C_in, *spatial)`` or unbatched ``(C_in, *spatial)``.

        Returns:
            ``(N, C_out, *spatial_out)`` (unbatched: no ``N``).
        """
        return self._conv_forward(input, self.weight, self.bias)


class Conv1d(_Conv):
    """A 1-d convolution layer over ``(N, C_in, L)`` inputs (``torch.nn.Conv1d``).

    Args:
        in_channels: Channels of the input.
        out_channels: Channels of the output.
        kernel_size: An int or a 1-tuple.
        stride: An int or a 1-tuple (default 1).
        padding: An int, a 1-tuple, ``"valid"`` or ``"same"`` (default 0).
        dilation: Spacing between kernel elements (default 1).
        groups: Blocked connections from input to output channels (default 1).
        bias: Learn an additive bias (default True).
        padding_mode: ``"zeros"``, ``"reflect"``, ``"replicate"`` or ``"circular"``.
        device: Device of the parameters.
        dtype: Dtype of the parameters (default float32).

    Attributes:
        weight: ``(out_channels, in_channels / groups, kL)``, initialised from
            ``kaiming_uniform_(a=sqrt(5))``.
        bias: ``(out_channels,)`` from ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``; None without bias.

    Shape:
        - input: ``(N, C_in, L)`` or ``(C_in, L)``
        - output: ``(N, C_out, L_out)`` or ``(C_out, L_out)``, each dim
          ``(L + 2 * padding - dilation * (k - 1) - 1) // stride + 1``.

    Raises:
        InvalidArgumentError: For bad channels, groups, kernel, stride, padding or
            padding_mode (a ``ValueError``, as torch).

    Example:
        >>> m = Conv1d(3, 8, 3, padding=1)
        >>> m(compat.randn(2, 3, 5)).shape
        (2, 8, 5)
    """

    _nd = 1
    _functional = staticmethod(F.conv1d)


class Conv2d(_Conv):
    """A 2-d convolution layer over ``(N, C_in, H, W)`` inputs (``torch.nn.Conv2d``).

    Args:
        in_channels: Channels of the input.
        out_channels: Channels of the output.
        kernel_size: An int or a tuple of 2 ints.
        stride: An int or a tuple of 2 ints (default 1).
        padding: An int, a tuple of 2 ints, ``"valid"`` or ``"same"`` (default 0).
        dilation: Spacing between kernel elements (default 1).
        groups: Blocked connections from input to output channels (default 1).
        bias: Learn an additive bias (default True).
        padding_mode: ``"zeros"``, ``"reflect"``, ``"replicate"`` or ``"circular"``.
        device: Device of the parameters.
        dtype: Dtype of the parameters (default float32).

    Attributes:
        weight: ``(out_channels, in_channels / groups, kH, kW)``, initialised from
            ``kaiming_uniform_(a=sqrt(5))``.
        bias: ``(out_channels,)`` from ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``; None without bias.

    Shape:
        - input: ``(N, C_in, H, W)`` or ``(C_in, H, W)``
        - output: ``(N, C_out, H_out, W_out)`` or ``(C_out, H_out, W_out)``, each dim
          ``(L + 2 * padding - dilation * (k - 1) - 1) // stride + 1``.

    Raises:
        InvalidArgumentError: For bad channels, groups, kernel, stride, padding or
            padding_mode (a ``ValueError``, as torch).

    Example:
        >>> m = Conv2d(3, 8, 3, padding=1)
        >>> m(compat.randn(2, 3, 5, 5)).shape
        (2, 8, 5, 5)
    """

    _nd = 2
    _functional = staticmethod(F.conv2d)


class Conv3d(_Conv):
    """A 3-d convolution layer over ``(N, C_in, D, H, W)`` inputs (``torch.nn.Conv3d``).

    Args:
        in_channels: Channels of the input.
        out_channels: Channels of the output.
        kernel_size: An int or a tuple of 3 ints.
        stride: An int or a tuple of 3 ints (default 1).
        padding: An int, a tuple of 3 ints, ``"valid"`` or ``"same"`` (default 0).
        dilation: Spacing between kernel elements (default 1).
        groups: Blocked connections from input to output channels (default 1).
        bias: Learn an additive bias (default True).
        padding_mode: ``"zeros"``, ``"reflect"``, ``"replicate"`` or ``"circular"``.
        device: Device of the parameters.
        dtype: Dtype of the parameters (default float32).

    Attributes:
        weight: ``(out_channels, in_channels / groups, kD, kH, kW)``, initialised from
            ``kaiming_uniform_(a=sqrt(5))``.
        bias: ``(out_channels,)`` from ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``; None without bias.

    Shape:
        - input: ``(N, C_in, D, H, W)`` or ``(C_in, D, H, W)``
        - output: ``(N, C_out, D_out, H_out, W_out)`` or ``(C_out, D_out, H_out, W_out)``, each dim
          ``(L + 2 * padding - dilation * (k - 1) - 1) // stride + 1``.

    Raises:
        InvalidArgumentError: For bad channels, groups, kernel, stride, padding or
            padding_mode (a ``ValueError``, as torch).

    Example:
        >>> m = Conv3d(3, 8, 3, padding=1)
        >>> m(compat.randn(2, 3, 5, 5, 5)).shape
        (2, 8, 5, 5, 5)
    """

    _nd = 3
    _functional = staticmethod(F.conv3d)


class _ConvTransposeNd(_ConvNd):
    _transposed = True
    _functional: Any = None

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        output_padding: Any = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: Any = 1,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        if isinstance(padding, str):
            raise InvalidArgumentError(
                f"{type(self).__name__}: padding must be an int or a tuple of ints, got {padding!r}"
            )
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            output_padding,
            groups,
            bias,
            padding_mode,
            device,
            dtype,
        )

    def _output_padding(
        self,
        input: Tensor,
        output_size: Any,
        stride: tuple[int, ...],
        padding: tuple[int, ...],
        kernel_size: tuple[int, ...],
        num_spatial_dims: int,
        dilation: tuple[int, ...] | None = None,
    ) -> tuple[int, ...]:
        """The output padding giving ``output_size`` (torch's rule and error messages)."""
        if output_size is None:
            return self.output_padding
        has_batch = input.dim() == num_spatial_dims + 2
        non_spatial = 2 if has_batch else 1
        output_size = [int(s) for s in output_size]
        if len(output_size) == non_spatial + num_spatial_dims:
            output_size = output_size[non_spatial:]
        if len(output_size) != num_spatial_dims:
            raise InvalidArgumentError(
                f"ConvTranspose{num_spatial_dims}D: for {input.dim()}D input, output_size must "
                f"have {num_spatial_dims} or {non_spatial + num_spatial_dims} elements "
                f"(got {len(output_size)})"
            )
        spatial = input.shape[non_spatial:]
        min_sizes = [
            (spatial[d] - 1) * stride[d]
            - 2 * padding[d]
            + (dilation[d] if dilation is not None else 1) * (kernel_size[d] - 1)
            + 1
            for d in range(num_spatial_dims)
        ]
        max_sizes = [m + s - 1 for m, s in zip(min_sizes, stride, strict=True)]
        for size, lo, hi in zip(output_size, min_sizes, max_sizes, strict=True):
            if size < lo or size > hi:
                raise InvalidArgumentError(
                    f"requested an output size of {output_size}, but valid sizes range from "
                    f"{min_sizes} to {max_sizes} (for an input of {list(spatial)})"
                )
        return tuple(o - m for o, m in zip(output_size, min_sizes, strict=True))

    def forward(self, input: Tensor, output_size: Any = None) -> Tensor:
        """Apply the transposed convolution.

        Args:
            input: ``(N, C_in, *spatial)`` or unbatched ``(C_in, *spatial)``.
            output_size: Optional target size (spatial, or with the batch/channel dims),
                which picks the output padding within ``[min, min + stride - 1]``.

        Returns:
            ``(N, C_out, *spatial_out)`` (unbatched: no ``N``).

        Raises:
            InvalidArgumentError: For an ``output_size`` out of the reachable range.
        """
        output_padding = self._output_padding(
            input,
            output_size,
            self.stride,
            self.padding,
            self.kernel_size,
            self._nd,
            self.dilation,
        )
        return type(self)._functional(
            input,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            output_padding,
            self.groups,
            self.dilation,
        )


class ConvTranspose1d(_ConvTransposeNd):
    """A 1-d transposed convolution layer (``torch.nn.ConvTranspose1d``).

    Args:
        in_channels: Channels of the input.
        out_channels: Channels of the output.
        kernel_size: An int or a 1-tuple.
        stride: An int or a 1-tuple (default 1).
        padding: ``dilation * (k - 1) - padding`` zeros are added on both sides (default 0).
        output_padding: Extra size on one side of each output dim (default 0).
        groups: Blocked connections from input to output channels (default 1).
        bias: Learn an additive bias (default True).
        dilation: Spacing between kernel elements (default 1).
        padding_mode: Only ``"zeros"``.
        device: Device of the parameters.
        dtype: Dtype of the parameters (default float32).

    Attributes:
        weight: ``(in_channels, out_channels / groups, kL)``, initialised from
            ``kaiming_uniform_(a=sqrt(5))``.
        bias: ``(out_channels,)`` from ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``; None without bias.

    Shape:
        - input: ``(N, C_in, L)`` or ``(C_in, L)``
        - output: ``(N, C_out, L_out)`` or ``(C_out, L_out)``, each dim
          ``(L - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1``.

    Raises:
        InvalidArgumentError: For bad channels, groups, kernel, stride, padding or a
            padding_mode other than ``"zeros"`` (a ``ValueError``, as torch).

    Example:
        >>> m = ConvTranspose1d(3, 8, 3, stride=2)
        >>> m(compat.randn(2, 3, 5)).shape
        (2, 8, 11)
    """

    _nd = 1
    _functional = staticmethod(F.conv_transpose1d)


class ConvTranspose2d(_ConvTransposeNd):
    """A 2-d transposed convolution layer (``torch.nn.ConvTranspose2d``).

    Args:
        in_channels: Channels of the input.
        out_channels: Channels of the output.
        kernel_size: An int or a tuple of 2 ints.
        stride: An int or a tuple of 2 ints (default 1).
        padding: ``dilation * (k - 1) - padding`` zeros are added on both sides (default 0).
        output_padding: Extra size on one side of each output dim (default 0).
        groups: Blocked connections from input to output channels (default 1).
        bias: Learn an additive bias (default True).
        dilation: Spacing between kernel elements (default 1).
        padding_mode: Only ``"zeros"``.
        device: Device of the parameters.
        dtype: Dtype of the parameters (default float32).

    Attributes:
        weight: ``(in_channels, out_channels / groups, kH, kW)``, initialised from
            ``kaiming_uniform_(a=sqrt(5))``.
        bias: ``(out_channels,)`` from ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``; None without bias.

    Shape:
        - input: ``(N, C_in, H, W)`` or ``(C_in, H, W)``
        - output: ``(N, C_out, H_out, W_out)`` or ``(C_out, H_out, W_out)``, each dim
          ``(L - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1``.

    Raises:
        InvalidArgumentError: For bad channels, groups, kernel, stride, padding or a
            padding_mode other than ``"zeros"`` (a ``ValueError``, as torch).

    Example:
        >>> m = ConvTranspose2d(3, 8, 3, stride=2)
        >>> m(compat.randn(2, 3, 5, 5)).shape
        (2, 8, 11, 11)
    """

    _nd = 2
    _functional = staticmethod(F.conv_transpose2d)


class ConvTranspose3d(_ConvTransposeNd):
    """A 3-d transposed convolution layer (``torch.nn.ConvTranspose3d``).

    Args:
        in_channels: Channels of the input.
        out_channels: Channels of the output.
        kernel_size: An int or a tuple of 3 ints.
        stride: An int or a tuple of 3 ints (default 1).
        padding: ``dilation * (k - 1) - padding`` zeros are added on both sides (default 0).
        output_padding: Extra size on one side of each output dim (default 0).
        groups: Blocked connections from input to output channels (default 1).
        bias: Learn an additive bias (default True).
        dilation: Spacing between kernel elements (default 1).
        padding_mode: Only ``"zeros"``.
        device: Device of the parameters.
        dtype: Dtype of the parameters (default float32).

    Attributes:
        weight: ``(in_channels, out_channels / groups, kD, kH, kW)``, initialised from
            ``kaiming_uniform_(a=sqrt(5))``.
        bias: ``(out_channels,)`` from ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``; None without bias.

    Shape:
        - input: ``(N, C_in, D, H, W)`` or ``(C_in, D, H, W)``
        - output: ``(N, C_out, D_out, H_out, W_out)`` or ``(C_out, D_out, H_out, W_out)``, each dim
          ``(L - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1``.

    Raises:
        InvalidArgumentError: For bad channels, groups, kernel, stride, padding or a
            padding_mode other than ``"zeros"`` (a ``ValueError``, as torch).

    Example:
        >>> m = ConvTranspose3d(3, 8, 3, stride=2)
        >>> m(compat.randn(2, 3, 5, 5, 5)).shape
        (2, 8, 11, 11, 11)
    """

    _nd = 3
    _functional = staticmethod(F.conv_transpose3d)


# --------------------------------------------------------------------------------------------
# Lazy convolutions.
# --------------------------------------------------------------------------------------------


class _LazyConvXdMixin(LazyModuleMixin):
    """``in_channels`` from the first input; the layer then becomes ``cls_to_become``."""

    def _lazy_setup(self, out_channels: int, bias: bool, device: Any, dtype: Any) -> None:
        # The base class was built with placeholder channel counts (torch passes 0, which
        # compat's validation rejects); the real ones are set here.
        self.in_channels = 0
        self.out_channels = out_channels
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        """Initialise as the ordinary layer once the shapes are known (a no-op before)."""
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()  # type: ignore[misc]

    def initialize_parameters(self, input: Tensor, *args: Any, **kwargs: Any) -> None:
        """Take ``in_channels`` from ``input``, materialise the weight and bias, then init.

        Args:
            input: The first forward's input, ``(N, C_in, *spatial)`` or ``(C_in, *spatial)``.
            *args: Further forward arguments (``output_size`` of a transposed layer).
            **kwargs: Further forward keyword arguments.

        Raises:
            ShapeError: For an input of the wrong rank (also RuntimeError).
            InvalidArgumentError: For input channels not divisible by ``groups``.
        """
        loaded = not self.has_uninitialized_params()
        if loaded and self.in_channels != 0:
            return
        nd = self._nd  # type: ignore[attr-defined]
        if input.dim() not in (nd + 1, nd + 2):
            raise ShapeError(
                f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                f"{self._get_name()}, but got input of size: {tuple(input.shape)}"  # type: ignore[attr-defined]
            )
        self.in_channels = input.shape[1] if input.dim() == nd + 2 else input.shape[0]
        if loaded:
            # Materialised by load_state_dict (torch leaves in_channels at 0 here).
            return
        groups = self.groups  # type: ignore[attr-defined]
        if self.in_channels % groups:
            raise InvalidArgumentError("in_channels must be divisible by groups")
        kernel = self.kernel_size  # type: ignore[attr-defined]
        with no_grad():
            if self.transposed:  # type: ignore[attr-defined]
                shape = (self.in_channels, self.out_channels // groups, *kernel)
            else:
                shape = (self.out_channels, self.in_channels // groups, *kernel)
            self.weight.materialize(shape)
            if self.bias is not None:
                self.bias.materialize((self.out_channels,))
            self.reset_parameters()


class _LazyConv(_LazyConvXdMixin):
    """The constructor of the lazy convolutions: a convolution's arguments but ``in_channels``."""

    def __init__(
        self,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        """Build the layer (see the class docstring)."""
        super().__init__(
            groups, groups, kernel_size, stride, padding, dilation, groups, False, padding_mode
        )
        self._lazy_setup(out_channels, bias, device, dtype)


class _LazyConvTranspose(_LazyConvXdMixin):
    """The constructor of the lazy transposed convolutions (no ``in_channels``)."""

    def __init__(
        self,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        output_padding: Any = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: Any = 1,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        """Build the layer (see the class docstring)."""
        super().__init__(
            groups,
            groups,
            kernel_size,
            stride,
            padding,
            output_padding,
            groups,
            False,
            dilation,
            padding_mode,
        )
        self._lazy_setup(out_channels, bias, device, dtype)


class LazyConv1d(_LazyConv, Conv1d):
    """A Conv1d whose ``in_channels`` comes from its first input (``torch.nn.LazyConv1d``).

    Until the first forward, ``weight`` and ``bias`` are
    :class:`~compat.nn.UninitializedParameter`; the first call takes ``in_channels`` from the
    input's channel dim, materialises and initialises them as :class:`Conv1d` does, and turns
    the module into a :class:`Conv1d`. Arguments are :class:`Conv1d`'s without ``in_channels``.

    Shape:
        - input: ``(N, C_in, *spatial)`` or ``(C_in, *spatial)``, 1 spatial dim(s).

    Example:
        >>> m = LazyConv1d(4, 3)
        >>> m(compat.ones((1, 2, 5))).shape[1], type(m).__name__
        (4, 'Conv1d')
    """

    cls_to_become = Conv1d


class LazyConv2d(_LazyConv, Conv2d):
    """A Conv2d whose ``in_channels`` comes from its first input (``torch.nn.LazyConv2d``).

    Until the first forward, ``weight`` and ``bias`` are
    :class:`~compat.nn.UninitializedParameter`; the first call takes ``in_channels`` from the
    input's channel dim, materialises and initialises them as :class:`Conv2d` does, and turns
    the module into a :class:`Conv2d`. Arguments are :class:`Conv2d`'s without ``in_channels``.

    Shape:
        - input: ``(N, C_in, *spatial)`` or ``(C_in, *spatial)``, 2 spatial dim(s).

    Example:
        >>> m = LazyConv2d(4, 3)
        >>> m(compat.ones((1, 2, 5, 5))).shape[1], type(m).__name__
        (4, 'Conv2d')
    """

    cls_to_become = Conv2d


class LazyConv3d(_LazyConv, Conv3d):
    """A Conv3d whose ``in_channels`` comes from its first input (``torch.nn.LazyConv3d``).

    Until the first forward, ``weight`` and ``bias`` are
    :class:`~compat.nn.UninitializedParameter`; the first call takes ``in_channels`` from the
    input's channel dim, materialises and initialises them as :class:`Conv3d` does, and turns
    the module into a :class:`Conv3d`. Arguments are :class:`Conv3d`'s without ``in_channels``.

    Shape:
        - input: ``(N, C_in, *spatial)`` or ``(C_in, *spatial)``, 3 spatial dim(s).

    Example:
        >>> m = LazyConv3d(4, 3)
        >>> m(compat.ones((1, 2, 5, 5, 5))).shape[1], type(m).__name__
        (4, 'Conv3d')
    """

    cls_to_become = Conv3d


class LazyConvTranspose1d(_LazyConvTranspose, ConvTranspose1d):
    """A ConvTranspose1d whose ``in_channels`` comes from its first input (``torch.nn.LazyConvTranspose1d``).

    Until the first forward, ``weight`` and ``bias`` are
    :class:`~compat.nn.UninitializedParameter`; the first call takes ``in_channels`` from the
    input's channel dim, materialises and initialises them as :class:`ConvTranspose1d` does, and turns
    the module into a :class:`ConvTranspose1d`. Arguments are :class:`ConvTranspose1d`'s without ``in_channels``.

    Shape:
        - input: ``(N, C_in, *spatial)`` or ``(C_in, *spatial)``, 1 spatial dim(s).

    Example:
        >>> m = LazyConvTranspose1d(4, 3)
        >>> m(compat.ones((1, 2, 5))).shape[1], type(m).__name__
        (4, 'ConvTranspose1d')
    """

    cls_to_become = ConvTranspose1d


class LazyConvTranspose2d(_LazyConvTranspose, ConvTranspose2d):
    """A ConvTranspose2d whose ``in_channels`` comes from its first input (``torch.nn.LazyConvTranspose2d``).

    Until the first forward, ``weight`` and ``bias`` are
    :class:`~compat.nn.UninitializedParameter`; the first call takes ``in_channels`` from the
    input's channel dim, materialises and initialises them as :class:`ConvTranspose2d` does, and turns
    the module into a :class:`ConvTranspose2d`. Arguments are :class:`ConvTranspose2d`'s without ``in_channels``.

    Shape:
        - input: ``(N, C_in, *spatial)`` or ``(C_in, *spatial)``, 2 spatial dim(s).

    Example:
        >>> m = LazyConvTranspose2d(4, 3)
        >>> m(compat.ones((1, 2, 5, 5))).shape[1], type(m).__name__
        (4, 'ConvTranspose2d')
    """

    cls_to_become = ConvTranspose2d


class LazyConvTranspose3d(_LazyConvTranspose, ConvTranspose3d):
    """A ConvTranspose3d whose ``in_channels`` comes from its first input (``torch.nn.LazyConvTranspose3d``).

    Until the first forward, ``weight`` and ``bias`` are
    :class:`~compat.nn.UninitializedParameter`; the first call takes ``in_channels`` from the
    input's channel dim, materialises and initialises them as :class:`ConvTranspose3d` does, and turns
    the module into a :class:`ConvTranspose3d`. Arguments are :class:`ConvTranspose3d`'s without ``in_channels``.

    Shape:
        - input: ``(N, C_in, *spatial)`` or ``(C_in, *spatial)``, 3 spatial dim(s).

    Example:
        >>> m = LazyConvTranspose3d(4, 3)
        >>> m(compat.ones((1, 2, 5, 5, 5))).shape[1], type(m).__name__
        (4, 'ConvTranspose3d')
    """

    cls_to_become = ConvTranspose3d
