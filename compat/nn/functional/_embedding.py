"""``torch.nn.functional.embedding``, ``embedding_bag`` and ``one_hot`` over compat tensors.

:func:`embedding` is one op of :func:`rustorch_fx.nn.embedding`, :func:`embedding_bag` one op of
:func:`rustorch_fx.nn.embedding_bag`. Indices are checked before the
op runs (:class:`~rustorch_fx.errors.IndexOutOfRangeError`, where torch raises ``IndexError``).
With ``max_norm``, the looked-up rows of ``weight`` are renormalised in place first, without
recording a gradient, exactly as torch's ``embedding_renorm_``; so (as in torch) a weight used by
an earlier op of the same graph can no longer be differentiated through that op.
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np

import rustorch_fx.nn as _nn
from compat._engine import apply
from compat._grad_mode import no_grad
from compat._methods import _check_bounds
from compat._tensor import Tensor
from compat.nn.functional._linear import _require_tensor
from rustorch_fx.errors import IndexOutOfRangeError, InvalidArgumentError

__all__ = ["embedding", "embedding_bag", "one_hot"]


def _concrete(t: Tensor) -> np.ndarray | None:
    """The values of ``t`` on the host, or None inside a trace (compat.compile)."""
    value = t._value
    return None if isinstance(value, jax.core.Tracer) else np.asarray(value)


def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """Look up rows of ``weight`` by index (:func:`rustorch_fx.nn.embedding`).

    Args:
        input: Integer tensor of indices in ``[0, num_embeddings)``.
        weight: ``(num_embeddings, embedding_dim)``.
        padding_idx: A row that receives no gradient (negative counts from the end).
        max_norm: Renormalise the looked-up rows of ``weight`` in place to at most this norm.
        norm_type: The ``p`` of the p-norm for ``max_norm``.
        scale_grad_by_freq: Divide each row's gradient by its count in the batch.
        sparse: Accepted for torch's signature; gradients are dense.

    Returns:
        ``(*input.shape, embedding_dim)``.

    Shape:
        - input: ``(*)``, weight: ``(V, D)``, output: ``(*, D)``

    Raises:
        ArgumentTypeError: If ``input`` or ``weight`` is not a Tensor.
        IndexOutOfRangeError: For an index outside ``[0, num_embeddings)``.
        InvalidArgumentError: For a ``padding_idx`` outside the table.

    Example:
        >>> w = compat.arange(6.0).reshape(3, 2)
        >>> embedding(compat.tensor([2, 0]), w)
        tensor([[4., 5.],
                [0., 1.]])
    """
    _require_tensor("embedding", "input", input)
    _require_tensor("embedding", "weight", weight)
    if weight.ndim == 2:
        _check_bounds("embedding", input, weight.shape[0], 0)
    if max_norm is not None:
        _renorm_in_place(weight, input, max_norm, norm_type)
    return apply(
        _nn.embedding,
        input,
        weight,
        padding_idx=padding_idx,
        scale_grad_by_freq=scale_grad_by_freq,
        sparse=sparse,
    )


def _renorm_in_place(weight: Tensor, input: Tensor, max_norm: float, norm_type: float) -> None:
    """Torch's ``embedding_renorm_``: rescale the looked-up rows of ``weight``, no gradient."""
    with no_grad():
        new = apply(_nn.embedding_renorm, weight, input, max_norm=max_norm, norm_type=norm_type)
        weight._inplace("embedding_renorm_", new)


# Traced tensors first, static options as keywords (the order apply needs).
def _embedding_bag(
    input: Any, weight: Any, offsets: Any, per_sample_weights: Any, **options: Any
) -> Any:
    return _nn.embedding_bag(
        input, weight, offsets, per_sample_weights=per_sample_weights, **options
    )


def embedding_bag(
    input: Tensor,
    weight: Tensor,
    offsets: Tensor | None = None,
    max_norm: float | None = None,
    norm_type: float = 2,
    scale_grad_by_freq: bool = False,
    mode: str = "mean",
    sparse: bool = False,
    per_sample_weights: Tensor | None = None,
    include_last_offset: bool = False,
    padding_idx: int | None = None,
) -> Tensor:
    """Sum, mean or max of bags of embeddings (:func:`rustorch_fx.nn.embedding_bag`).

    Args:
        input: Integer indices, ``(B, N)`` (fixed-size bags) or ``(L,)`` with ``offsets``.
        weight: ``(num_embeddings, embedding_dim)``.
        offsets: Start of each bag in a 1-D ``input``.
        max_norm: Renormalise the looked-up rows of ``weight`` in place to at most this norm.
        norm_type: The ``p`` of the p-norm for ``max_norm``.
        scale_grad_by_freq: Divide each row's gradient by its count in ``input``.
        mode: ``"sum"``, ``"mean"`` or ``"max"``.
        sparse: Accepted for torch's signature; gradients are dense.
        per_sample_weights: Weights shaped like ``input`` (``"sum"`` mode only).
        include_last_offset: ``offsets`` ends with the end of the last bag.
        padding_idx: An index left out of every bag.

    Returns:
        ``(B, embedding_dim)``.

    Shape:
        - input: ``(B, N)`` or ``(L,)``, offsets: ``(B,)``, output: ``(B, D)``

    Raises:
        ArgumentTypeError: If an argument is not a Tensor (or None).
        IndexOutOfRangeError: For an index outside ``[0, num_embeddings)``.
        InvalidArgumentError: For a bad mode or bad offsets.
        UnsupportedError: For ``per_sample_weights`` outside ``"sum"`` mode.

    Example:
        >>> w = compat.arange(8.0).reshape(4, 2)
        >>> embedding_bag(compat.tensor([0, 1, 3]), w, compat.tensor([0, 2]), mode="sum")
        tensor([[2., 4.],
                [6., 7.]])
    """
    _require_tensor("embedding_bag", "input", input)
    _require_tensor("embedding_bag", "weight", weight)
    _require_tensor("embedding_bag", "offsets", offsets, optional=True)
    _require_tensor("embedding_bag", "per_sample_weights", per_sample_weights, optional=True)
    if weight.ndim == 2:
        _check_bounds("embedding_bag", input, weight.shape[0], 0)
    if offsets is not None and input.ndim == 1:
        values = _concrete(offsets)
        if values is not None and values.size and (values[0] != 0 or values[-1] > input.shape[0]):
            raise InvalidArgumentError(
                f"embedding_bag: offsets[0] has to be 0 and offsets[-1] can not be greater than "
                f"input's length {input.shape[0]}, got offsets {values.tolist()}"
            )
    if max_norm is not None and mode in ("sum", "mean", "max"):
        _renorm_in_place(weight, input, max_norm, norm_type)
    return apply(
        _embedding_bag,
        input,
        weight,
        offsets,
        per_sample_weights,
        scale_grad_by_freq=scale_grad_by_freq,
        mode=mode,
        sparse=sparse,
        include_last_offset=include_last_offset,
        padding_idx=padding_idx,
    )


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """One-hot encode integer classes; an int64 tensor ``(*tensor.shape, num_classes)``.

    Args:
        tensor: Integer tensor of non-negative class indices.
        num_classes: The number of classes; ``-1`` infers ``tensor.max() + 1``.

    Returns:
        An int64 tensor of zeros and ones.

    Raises:
        ArgumentTypeError: If ``tensor`` is not a Tensor.
        DTypeError: For a non-integer tensor.
        IndexOutOfRangeError: For a negative class or one ``>= num_classes``.

    Example:
        >>> one_hot(compat.tensor([0, 2]), 3)
        tensor([[1, 0, 0],
                [0, 0, 1]])
    """
    _require_tensor("one_hot", "tensor", tensor)
    values = _concrete(tensor)
    if values is not None and values.dtype.kind in "iu":
        if num_classes == -1:
            if values.size == 0:
                raise InvalidArgumentError(
                    "one_hot: Can not infer total number of classes from empty tensor."
                )
            num_classes = int(values.max()) + 1
        if values.size and values.min() < 0:
            raise IndexOutOfRangeError("one_hot: Class values must be non-negative.")
        if values.size and values.max() >= num_classes:
            raise IndexOutOfRangeError(
                f"one_hot: Class values must be smaller than num_classes ({num_classes}), "
                f"got {int(values.max())}."
            )
    return apply(_nn.one_hot, tensor, num_classes=num_classes, dtype=np.int64)
