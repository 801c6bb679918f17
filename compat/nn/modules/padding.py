"""``torch.nn.modules.padding`` for compat: constant, zero, reflection, replication and circular pads.

``padding`` is an int (the same on every side) or a tuple in :func:`compat.nn.functional.pad`'s
order, last dim first: ``(left, right)``, ``(left, right, top, bottom)`` or
``(left, right, top, bottom, front, back)``. ``forward`` is one call of ``F.pad``.
"""

from __future__ import annotations

from typing import Any

from compat._tensor import Tensor
from compat.nn import functional as F
from compat.nn.modules.module import Module
from rustorch_fx._checks import is_int
from rustorch_fx.errors import InvalidArgumentError

__all__ = [
    "CircularPad1d",
    "CircularPad2d",
    "CircularPad3d",
    "ConstantPad1d",
    "ConstantPad2d",
    "ConstantPad3d",
    "ReflectionPad1d",
    "ReflectionPad2d",
    "ReflectionPad3d",
    "ReplicationPad1d",
    "ReplicationPad2d",
    "ReplicationPad3d",
    "ZeroPad1d",
    "ZeroPad2d",
    "ZeroPad3d",
]


def _padding(cls: str, padding: Any, nd: int) -> tuple[int, ...]:
    values = tuple(padding) if isinstance(padding, (list, tuple)) else (padding,) * (2 * nd)
    if len(values) != 2 * nd or not all(is_int(v) for v in values):
        raise InvalidArgumentError(
            f"{cls}: padding must be an int or a tuple of {2 * nd} ints, got {padding!r}"
        )
    return tuple(int(v) for v in values)


class _PadNd(Module):
    _nd = 0
    _mode = "constant"

    def __init__(self, padding: Any) -> None:
        super().__init__()
        self.padding = _padding(type(self).__name__, padding, self._nd)

    def forward(self, input: Tensor) -> Tensor:
        """Pad ``input``.

        Args:
            input: A tensor whose last ``len(padding) // 2`` dims are padded.

        Returns:
            The padded tensor.
        """
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        """The torch summary: the padding."""
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding: Any, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        """Pad ``input`` with ``value``.

        Args:
            input: A tensor whose last ``len(padding) // 2`` dims are padded.

        Returns:
            The padded tensor.
        """
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        """The torch summary: the padding and the value."""
        return f"padding={self.padding}, value={self.value}"


class _CircularPadNd(_PadNd):
    _mode = "circular"

    def forward(self, input: Tensor) -> Tensor:
        """Pad ``input`` circularly.

        Args:
            input: A batched or unbatched tensor of the layer's rank.

        Returns:
            The padded tensor.

        Raises:
            InvalidArgumentError: For an input of another rank (a ``ValueError``, as torch).
        """
        if input.dim() not in (self._nd + 1, self._nd + 2):
            raise InvalidArgumentError(
                f"expected {self._nd + 1}D or {self._nd + 2}D input (got {input.dim()}D input)"
            )
        return F.pad(input, self.padding, "circular")


class ConstantPad1d(_ConstantPadNd):
    """Pad with a constant the last 1 dim(s) of the input (``torch.nn.ConstantPad1d``).

    Args:
        padding: An int (every side) or a tuple of 2 ints, last dim first.
        value: The fill value.

    Shape:
        - input: ``(N, C, L)`` or ``(C, L)``
        - output: each padded dim grows by its two pads.

    Example:
        >>> ConstantPad1d(1, 0.5)(compat.randn(2, 3, 5)).shape
        (2, 3, 7)
    """

    _nd = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad with a constant the last 2 dim(s) of the input (``torch.nn.ConstantPad2d``).

    Args:
        padding: An int (every side) or a tuple of 4 ints, last dim first.
        value: The fill value.

    Shape:
        - input: ``(N, C, H, W)`` or ``(C, H, W)``
        - output: each padded dim grows by its two pads.

    Example:
        >>> ConstantPad2d(1, 0.5)(compat.randn(2, 3, 5, 5)).shape
        (2, 3, 7, 7)
    """

    _nd = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad with a constant the last 3 dim(s) of the input (``torch.nn.ConstantPad3d``).

    Args:
        padding: An int (every side) or a tuple of 6 ints, last dim first.
        value: The fill value.

    Shape:
        - input: ``(N, C, D, H, W)`` or ``(C, D, H, W)``
        - output: each padded dim grows by its two pads.

    Example:
        >>> ConstantPad3d(1, 0.5)(compat.randn(2, 3, 5, 5, 5)).shape
        (2, 3, 7, 7, 7)
    """

    _nd = 3


class ZeroPad1d(ConstantPad1d):
    """Zero-pad the last 1 dim(s) of the input (``torch.nn.ZeroPad1d``).

    Args:
        padding: An int (every side) or a tuple of 2 ints, last dim first.

    Shape:
        - input: ``(N, C, L)`` or ``(C, L)``
        - output: each padded dim grows by its two pads.

    Example:
        >>> ZeroPad1d(1)(compat.randn(2, 3, 5)).shape
        (2, 3, 7)
    """

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        """The torch summary: the padding."""
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Zero-pad the last 2 dim(s) of the input (``torch.nn.ZeroPad2d``).

    Args:
        padding: An int (every side) or a tuple of 4 ints, last dim first.

    Shape:
        - input: ``(N, C, H, W)`` or ``(C, H, W)``
        - output: each padded dim grows by its two pads.

    Example:
        >>> ZeroPad2d(1)(compat.randn(2, 3, 5, 5)).shape
        (2, 3, 7, 7)
    """

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        """The torch summary: the padding."""
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    """Zero-pad the last 3 dim(s) of the input (``torch.nn.ZeroPad3d``).

    Args:
        padding: An int (every side) or a tuple of 6 ints, last dim first.

    Shape:
        - input: ``(N, C, D, H, W)`` or ``(C, D, H, W)``
        - output: each padded dim grows by its two pads.

    Example:
        >>> ZeroPad3d(1)(compat.randn(2, 3, 5, 5, 5)).shape
        (2, 3, 7, 7, 7)
    """

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        """The torch summary: the padding."""
        return f"{self.padding}"


class ReflectionPad1d(_PadNd):
    """Reflection-pad the last 1 dim(s) of the input (``torch.nn.ReflectionPad1d``).

    Args:
        padding: An int (every side) or a tuple of 2 ints, last dim first.

    Shape:
        - input: ``(N, C, L)`` or ``(C, L)``
        - output: each padded dim grows by its two pads.

    Example:
        >>> ReflectionPad1d(1)(compat.randn(2, 3, 5)).shape
        (2, 3, 7)
    """

    _nd = 1
    _mode = "reflect"


class ReflectionPad2d(_PadNd):
    """Reflection-pad the last 2 dim(s) of the input (``torch.nn.ReflectionPad2d``).

    Args:
        padding: An int (every side) or a tuple of 4 ints, last dim first.

    Shape:
        - input: ``(N, C, H, W)`` or ``(C, H, W)``
        - output: each padded dim grows by its two pads.

    Example:
        >>> ReflectionPad2d(1)(compat.randn(2, 3, 5, 5)).shape
        (2, 3, 7, 7)
    """

    _nd = 2
    _mode = "reflect"


class ReflectionPad3d(_PadNd):
    """Reflection-pad the last 3 dim(s) of the input (``torch.nn.ReflectionPad3d``).

    Args:
        padding: An int (every side) or a tuple of 6 ints, last dim first.

    Shape:
        - input: ``(N, C, D, H, W)`` or ``(C, D, H, W)``
        - output: each padded dim grows by its two pads.

    Example:
        >>> ReflectionPad3d(1)(compat.randn(2, 3, 5, 5, 5)).shape
        (2, 3, 7, 7, 7)
    """

    _nd = 3
    _mode = "reflect"


class ReplicationPad1d(_PadNd):
    """Replication-pad the last 1 dim(s) of the input (``torch.nn.ReplicationPad1d``).

    Args:
        padding: An int (every side) or a tuple of 2 ints, last dim first.

    Shape:
        - input: ``(N, C, L)`` or ``(C, L)``
        - output: each padded dim grows by its two pads.

    Example:
        >>> ReplicationPad1d(1)(compat.randn(2, 3, 5)).shape
        (2, 3, 7)
    """

    _nd = 1
    _mode = "replicate"


class ReplicationPad2d(_PadNd):
    """Replication-pad the last 2 dim(s) of the input (``torch.nn.ReplicationPad2d``).

    Args:
        padding: An int (every side) or a tuple of 4 ints, last dim first.

    Shape:
        - input: ``(N, C, H, W)`` or ``(C, H, W)``
        - output: each padded dim grows by its two pads.

    Example:
        >>> ReplicationPad2d(1)(compat.randn(2, 3, 5, 5)).shape
        (2, 3, 7, 7)
    """

    _nd = 2
    _mode = "replicate"


class ReplicationPad3d(_PadNd):
    """Replication-pad the last 3 dim(s) of the input (``torch.nn.ReplicationPad3d``).

    Args:
        padding: An int (every side) or a tuple of 6 ints, last dim first.

    Shape:
        - input: ``(N, C, D, H, W)`` or ``(C, D, H, W)``
        - output: each padded dim grows by its two pads.

    Example:
        >>> ReplicationPad3d(1)(compat.randn(2, 3, 5, 5, 5)).shape
        (2, 3, 7, 7, 7)
    """

    _nd = 3
    _mode = "replicate"


class CircularPad1d(_CircularPadNd):
    """Circular-pad the last 1 dim(s) of the input (``torch.nn.CircularPad1d``).

    Args:
        padding: An int (every side) or a tuple of 2 ints, last dim first.

    Shape:
        - input: ``(N, C, L)`` or ``(C, L)``
        - output: each padded dim grows by its two pads.

    Example:
        >>> CircularPad1d(1)(compat.randn(2, 3, 5)).shape
        (2, 3, 7)
    """

    _nd = 1


class CircularPad2d(_CircularPadNd):
    """Circular-pad the last 2 dim(s) of the input (``torch.nn.CircularPad2d``).

    Args:
        padding: An int (every side) or a tuple of 4 ints, last dim first.

    Shape:
        - input: ``(N, C, H, W)`` or ``(C, H, W)``
        - output: each padded dim grows by its two pads.

    Example:
        >>> CircularPad2d(1)(compat.randn(2, 3, 5, 5)).shape
        (2, 3, 7, 7)
    """

    _nd = 2


class CircularPad3d(_CircularPadNd):
    """Circular-pad the last 3 dim(s) of the input (``torch.nn.CircularPad3d``).

    Args:
        padding: An int (every side) or a tuple of 6 ints, last dim first.

    Shape:
        - input: ``(N, C, D, H, W)`` or ``(C, D, H, W)``
        - output: each padded dim grows by its two pads.

    Example:
        >>> CircularPad3d(1)(compat.randn(2, 3, 5, 5, 5)).shape
        (2, 3, 7, 7, 7)
    """

    _nd = 3
