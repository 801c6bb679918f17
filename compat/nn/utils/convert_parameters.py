"""``torch.nn.utils.parameters_to_vector`` and ``vector_to_parameters`` for compat."""

from __future__ import annotations

from collections.abc import Iterable

from compat import _methods
from compat._grad_mode import no_grad
from compat._tensor import Tensor
from rustorch_fx.errors import ArgumentTypeError, ShapeError

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and concatenated into one 1-D tensor (differentiable).

    Args:
        parameters: An iterable of tensors.

    Returns:
        A 1-D tensor of ``sum(p.numel())`` elements.

    Raises:
        ArgumentTypeError: If an element is not a Tensor.

    Example:
        >>> import compat
        >>> parameters_to_vector(compat.nn.Linear(3, 2).parameters()).shape
        (8,)
    """
    items = list(parameters)
    for p in items:
        if not isinstance(p, Tensor):
            raise ArgumentTypeError(
                f"parameters_to_vector: expected Tensors, got {type(p).__name__}"
            )
    return _methods.cat([p.reshape(-1) for p in items])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of ``vec`` into the parameters (the inverse of the above).

    Args:
        vec: A 1-D tensor with exactly as many elements as the parameters together.
        parameters: An iterable of tensors, written in place.

    Raises:
        ArgumentTypeError: If ``vec`` is not a Tensor.
        ShapeError: If ``vec`` is not 1-D or its length differs from the parameters' total.

    Example:
        >>> import compat
        >>> m = compat.nn.Linear(2, 1)
        >>> vector_to_parameters(compat.zeros(3), m.parameters()); m.bias.tolist()
        [0.0]
    """
    if not isinstance(vec, Tensor):
        raise ArgumentTypeError(
            f"vector_to_parameters: expected torch.Tensor, but got: {type(vec).__name__}"
        )
    items = list(parameters)
    total = sum(p.numel() for p in items)
    if vec.ndim != 1 or vec.shape[0] != total:
        raise ShapeError(
            f"vector_to_parameters: expected a 1-D vector of {total} elements, got shape {tuple(vec.shape)}"
        )
    offset = 0
    with no_grad():
        for p in items:
            n = p.numel()
            p.data = vec[offset : offset + n].reshape(p.shape).to(p.dtype)
            offset += n
