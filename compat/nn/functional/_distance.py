"""``torch.nn.functional`` distances over compat tensors: each function is one op of :mod:`rustorch_fx.nn`."""

from __future__ import annotations

from typing import Any

import rustorch_fx.nn as _nn
from compat._engine import apply
from compat._tensor import Tensor
from rustorch_fx.errors import ArgumentTypeError

__all__ = ["cosine_similarity", "normalize", "pairwise_distance", "pdist"]


def _tensors(op: str, **named: Any) -> None:
    for name, value in named.items():
        if not isinstance(value, Tensor):
            raise ArgumentTypeError(
                f"{op}: argument '{name}' must be a Tensor, got {type(value).__name__}"
            )


def pairwise_distance(
    x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False
) -> Tensor:
    """``||x1 - x2 + eps||_p`` over the last dimension (:func:`rustorch_fx.nn.pairwise_distance`).

    Args:
        x1: ``(N, D)`` or ``(D,)``.
        x2: Broadcastable with ``x1``.
        p: The norm degree.
        eps: Added to the difference.
        keepdim: Keep the reduced dimension.

    Returns:
        ``(N,)`` (``(N, 1)`` with ``keepdim``).

    Raises:
        ArgumentTypeError: If an input is not a Tensor.
        ShapeError: If the inputs do not broadcast.

    Example:
        >>> import compat
        >>> pairwise_distance(compat.zeros(1, 2), compat.tensor([[3.0, 4.0]]), eps=0.0).tolist()
        [5.0]
    """
    _tensors("pairwise_distance", x1=x1, x2=x2)
    return apply(_nn.pairwise_distance, x1, x2, p=p, eps=eps, keepdim=keepdim)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """Cosine similarity along ``dim`` (:func:`rustorch_fx.nn.cosine_similarity`).

    Args:
        x1: A tensor broadcastable with ``x2``.
        x2: A tensor.
        dim: The dimension to reduce.
        eps: The lower bound of each norm.

    Returns:
        The broadcast shape without ``dim``.

    Raises:
        ArgumentTypeError: If an input is not a Tensor.

    Example:
        >>> import compat
        >>> cosine_similarity(compat.tensor([[1.0, 0.0]]), compat.tensor([[2.0, 0.0]])).tolist()
        [1.0]
    """
    _tensors("cosine_similarity", x1=x1, x2=x2)
    return apply(_nn.cosine_similarity, x1, x2, dim=dim, eps=eps)


def pdist(input: Tensor, p: float = 2.0) -> Tensor:
    """Distances between every pair of rows, upper triangle (:func:`rustorch_fx.nn.pdist`).

    Args:
        input: ``(N, M)``.
        p: The norm degree.

    Returns:
        ``(N * (N - 1) / 2,)``.

    Raises:
        ArgumentTypeError: If ``input`` is not a Tensor.
        ShapeError: If ``input`` is not 2-D.

    Example:
        >>> import compat
        >>> pdist(compat.tensor([[0.0, 0.0], [3.0, 4.0]])).tolist()
        [5.0]
    """
    _tensors("pdist", input=input)
    return apply(_nn.pdist, input, p=p)


def normalize(
    input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Tensor | None = None
) -> Tensor:
    """``input / max(||input||_p, eps)`` along ``dim`` (:func:`rustorch_fx.nn.normalize`).

    Args:
        input: A floating tensor.
        p: The norm degree.
        dim: The dimension to normalise over.
        eps: The lower bound of the norm.
        out: If given, the result is written into it and it is returned.

    Returns:
        A tensor shaped like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> import compat
        >>> normalize(compat.tensor([[3.0, 4.0]])).tolist()
        [[0.6000000238418579, 0.800000011920929]]
    """
    _tensors("normalize", input=input)
    result = apply(_nn.normalize, input, p=p, dim=dim, eps=eps)
    if out is None:
        return result
    return out._inplace("normalize", result)
