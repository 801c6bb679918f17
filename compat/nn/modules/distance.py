"""``torch.nn.PairwiseDistance`` and ``torch.nn.CosineSimilarity`` for compat."""

from __future__ import annotations

from compat._tensor import Tensor
from compat.nn.functional import _distance as F
from compat.nn.modules.module import Module

__all__ = ["CosineSimilarity", "PairwiseDistance"]


class PairwiseDistance(Module):
    """``||x1 - x2 + eps||_p`` over the last dimension.

    Args:
        p: The norm degree.
        eps: Added to the difference so the gradient is finite at ``x1 == x2``.
        keepdim: Keep the reduced dimension.

    Shape:
        - Input1: ``(N, D)`` or ``(D,)``.
        - Input2: the same shape as Input1 (or broadcastable).
        - Output: ``(N,)``, ``(N, 1)`` with ``keepdim``, or ``()`` for 1-D inputs.

    Example:
        >>> import compat
        >>> compat.nn.PairwiseDistance()(compat.zeros(4, 3), compat.ones(4, 3)).shape
        (4,)
    """

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        """Store the hyperparameters (see the class docstring)."""
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        """Distances between ``x1`` and ``x2``."""
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


class CosineSimilarity(Module):
    """Cosine similarity along ``dim``.

    Args:
        dim: The dimension to reduce.
        eps: The lower bound of each norm.

    Shape:
        - Input1: ``(*1, D, *2)``.
        - Input2: broadcastable with Input1.
        - Output: the broadcast shape without ``dim``.

    Example:
        >>> import compat
        >>> compat.nn.CosineSimilarity()(compat.ones(2, 3), compat.ones(2, 3)).tolist()
        [1.0, 1.0]
    """

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        """Store the hyperparameters (see the class docstring)."""
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        """Similarity of ``x1`` and ``x2``."""
        return F.cosine_similarity(x1, x2, self.dim, self.eps)
