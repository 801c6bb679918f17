"""``torch.nn.Flatten`` and ``torch.nn.Unflatten`` for compat."""

from __future__ import annotations

from typing import Any

from compat._tensor import Tensor
from compat.nn.modules.module import Module
from rustorch_fx.errors import ArgumentTypeError

__all__ = ["Flatten", "Unflatten"]


class Flatten(Module):
    """Flatten dims ``start_dim`` to ``end_dim`` into one (``Tensor.flatten``).

    Args:
        start_dim: The first dim to flatten (default 1, keeping the batch dim).
        end_dim: The last dim to flatten.

    Shape:
        - Input: ``(*, S_start, ..., S_end, *)``.
        - Output: ``(*, prod(S_start..S_end), *)``.

    Example:
        >>> import compat
        >>> compat.nn.Flatten()(compat.zeros(32, 1, 5, 5)).shape
        (32, 25)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        """Store the dims (see the class docstring)."""
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        """Flatten ``input``."""
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        """``start_dim=1, end_dim=-1``."""
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Expand dim ``dim`` into ``unflattened_size`` (``Tensor.unflatten``).

    Args:
        dim: The dim to expand (an int; torch's named-tensor form is not provided).
        unflattened_size: The new sizes (a tuple or list of ints; one may be -1).

    Shape:
        - Input: ``(*, S_dim, *)``.
        - Output: ``(*, U_1, ..., U_n, *)`` with ``prod(U) = S_dim``.

    Raises:
        ArgumentTypeError: If ``dim`` is not an int or ``unflattened_size`` not a tuple/list
            of ints.

    Example:
        >>> import compat
        >>> compat.nn.Unflatten(1, (2, 5, 5))(compat.zeros(2, 50)).shape
        (2, 2, 5, 5)
    """

    def __init__(self, dim: int, unflattened_size: Any) -> None:
        """Store and check the arguments (see the class docstring)."""
        super().__init__()
        if not isinstance(dim, int) or isinstance(dim, bool):
            raise ArgumentTypeError(
                f"Unflatten: invalid argument type for dim parameter, got {type(dim).__name__}"
            )
        if not isinstance(unflattened_size, tuple | list) or not all(
            isinstance(s, int) and not isinstance(s, bool) for s in unflattened_size
        ):
            raise ArgumentTypeError(
                "Unflatten: unflattened_size must be a tuple or list of ints, "
                f"got {unflattened_size!r}"
            )
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input: Tensor) -> Tensor:
        """Unflatten ``input``."""
        return input.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        """``dim=1, unflattened_size=(2, 5, 5)``."""
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
