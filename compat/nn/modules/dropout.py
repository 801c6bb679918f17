"""``torch.nn.modules.dropout`` for compat: Dropout, Dropout1d/2d/3d, AlphaDropout, FeatureAlphaDropout.

Each module is active in training mode only and draws its mask from compat's default generator
(``compat.manual_seed`` makes it reproducible; the masks cannot equal torch's).
"""

from __future__ import annotations

from typing import Any

from compat._tensor import Tensor
from compat.nn import functional as F
from compat.nn.modules.module import Module
from rustorch_fx.errors import InvalidArgumentError

__all__ = [
    "AlphaDropout",
    "Dropout",
    "Dropout1d",
    "Dropout2d",
    "Dropout3d",
    "FeatureAlphaDropout",
]


class _DropoutNd(Module):
    """The ``p`` and ``inplace`` options shared by every dropout module."""

    _fn: Any = None
    _inplace_supported = True  # torch's AlphaDropout modules ignore ``inplace``

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, int | float) or not 0 <= p <= 1:
            raise InvalidArgumentError(
                f"{type(self).__name__}: dropout probability has to be between 0 and 1, but got {p}"
            )
        self.p = p
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Apply the functional form with this module's ``p``, mode and ``inplace``.

        Args:
            input: A floating tensor.

        Returns:
            A tensor shaped like ``input`` (``input`` itself in eval mode).
        """
        inplace = self.inplace and self._inplace_supported
        return type(self)._fn(input, self.p, self.training, inplace)

    def extra_repr(self) -> str:
        """``p=..., inplace=...``, as torch."""
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero elements with probability ``p`` in training mode, scaling the rest by ``1/(1-p)``.

    Args:
        p: The probability of zeroing an element.
        inplace: Modify the input in place.

    Shape:
        - input, output: ``(*)``

    Raises:
        InvalidArgumentError: If ``p`` is outside ``[0, 1]``.

    Example:
        >>> m = Dropout(p=0.2)
        >>> m(compat.randn(20, 16)).shape
        (20, 16)
    """

    _fn = staticmethod(F.dropout)


class Dropout1d(_DropoutNd):
    """Zero whole channels of ``(N, C, L)`` or ``(C, L)`` input with probability ``p``.

    Args:
        p: The probability of zeroing a channel.
        inplace: Modify the input in place.

    Shape:
        - input, output: ``(N, C, L)`` or ``(C, L)``

    Raises:
        InvalidArgumentError: If ``p`` is outside ``[0, 1]``.

    Example:
        >>> m = Dropout1d(p=0.2)
        >>> m(compat.randn(20, 16, 32)).shape
        (20, 16, 32)
    """

    _fn = staticmethod(F.dropout1d)


class Dropout2d(_DropoutNd):
    """Zero whole channels of ``(N, C, H, W)`` input with probability ``p``.

    Args:
        p: The probability of zeroing a channel.
        inplace: Modify the input in place.

    Shape:
        - input, output: ``(N, C, H, W)`` (a 3-D input is read as ``(N, C, L)``, as torch)

    Raises:
        InvalidArgumentError: If ``p`` is outside ``[0, 1]``.

    Example:
        >>> m = Dropout2d(p=0.2)
        >>> m(compat.randn(20, 16, 32, 32)).shape
        (20, 16, 32, 32)
    """

    _fn = staticmethod(F.dropout2d)


class Dropout3d(_DropoutNd):
    """Zero whole channels of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input.

    Args:
        p: The probability of zeroing a channel.
        inplace: Modify the input in place.

    Shape:
        - input, output: ``(N, C, D, H, W)`` or ``(C, D, H, W)``

    Raises:
        InvalidArgumentError: If ``p`` is outside ``[0, 1]``.

    Example:
        >>> m = Dropout3d(p=0.2)
        >>> m(compat.randn(2, 4, 3, 3, 3)).shape
        (2, 4, 3, 3, 3)
    """

    _fn = staticmethod(F.dropout3d)


class AlphaDropout(_DropoutNd):
    """Alpha dropout for SELU networks: keeps zero mean and unit variance.

    Args:
        p: The probability of dropping an element.
        inplace: Recorded, and ignored as in torch (the result is a new tensor).

    Shape:
        - input, output: ``(*)``

    Raises:
        InvalidArgumentError: If ``p`` is outside ``[0, 1]``.

    Example:
        >>> m = AlphaDropout(p=0.2)
        >>> m(compat.randn(20, 16)).shape
        (20, 16)
    """

    _fn = staticmethod(F.alpha_dropout)
    _inplace_supported = False


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels (dim 1) of an ``(N, C, *)`` input.

    Args:
        p: The probability of dropping a channel.
        inplace: Recorded, and ignored as in torch (the result is a new tensor).

    Shape:
        - input, output: ``(N, C, *)``

    Raises:
        InvalidArgumentError: If ``p`` is outside ``[0, 1]``.

    Example:
        >>> m = FeatureAlphaDropout(p=0.2)
        >>> m(compat.randn(20, 16, 4, 4)).shape
        (20, 16, 4, 4)
    """

    _fn = staticmethod(F.feature_alpha_dropout)
    _inplace_supported = False
