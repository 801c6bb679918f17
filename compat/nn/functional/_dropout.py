"""``torch.nn.functional`` dropout over compat tensors: one op each, keyed by compat's generator.

Each function runs its :mod:`rustorch_fx.nn` counterpart through :func:`compat._engine.apply`
with a fresh key from the default generator, so ``compat.manual_seed`` makes the masks
reproducible (they cannot equal torch's: the generators differ). As in torch, nothing random
happens (and no key is drawn) when ``training=False`` or ``p == 0``: the input is returned as
is. ``inplace=True`` writes the result into the input and returns it.
"""

from __future__ import annotations

from typing import Any

import rustorch_fx.nn as _nn
from compat._engine import apply
from compat._random import _default_generator
from compat._tensor import Tensor
from compat.nn.functional._linear import _require_tensor
from rustorch_fx.errors import InvalidArgumentError

__all__ = [
    "alpha_dropout",
    "dropout",
    "dropout1d",
    "dropout2d",
    "dropout3d",
    "feature_alpha_dropout",
]


# The key is traced, so it goes positionally; p and training stay static.
def _dropout(input: Any, key: Any, *, p: float, training: bool) -> Any:
    return _nn.dropout(input, p, training, key=key)


def _dropout1d(input: Any, key: Any, *, p: float, training: bool) -> Any:
    return _nn.dropout1d(input, p, training, key=key)


def _dropout2d(input: Any, key: Any, *, p: float, training: bool) -> Any:
    return _nn.dropout2d(input, p, training, key=key)


def _dropout3d(input: Any, key: Any, *, p: float, training: bool) -> Any:
    return _nn.dropout3d(input, p, training, key=key)


def _alpha_dropout(input: Any, key: Any, *, p: float, training: bool) -> Any:
    return _nn.alpha_dropout(input, p, training, key=key)


def _feature_alpha_dropout(input: Any, key: Any, *, p: float, training: bool) -> Any:
    return _nn.feature_alpha_dropout(input, p, training, key=key)


def _run(op: str, fn: Any, input: Any, p: float, training: bool, inplace: bool) -> Tensor:
    _require_tensor(op, "input", input)
    if isinstance(p, int | float) and not 0 <= p <= 1:
        raise InvalidArgumentError(
            f"{op}: dropout probability has to be between 0 and 1, but got {p}"
        )
    if not training or p == 0:
        return input
    out = apply(fn, input, _default_generator()._next_key(), p=p, training=True)
    return input._inplace(op + "_", out) if inplace else out


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero elements with probability ``p`` and scale the rest by ``1 / (1 - p)``.

    Args:
        input: A floating tensor.
        p: The probability of zeroing an element.
        training: Apply dropout; otherwise ``input`` is returned.
        inplace: Write the result into ``input`` and return it.

    Returns:
        A tensor shaped like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not a Tensor.
        InvalidArgumentError: If ``p`` is outside ``[0, 1]``.

    Example:
        >>> dropout(compat.ones(4), 0.5, training=False)
        tensor([1., 1., 1., 1.])
    """
    return _run("dropout", _dropout, input, p, training, inplace)


def dropout1d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:
    """Zero whole channels of a ``(N, C, L)`` or ``(C, L)`` input with probability ``p``.

    Args:
        input: A floating 2-D or 3-D tensor.
        p: The probability of zeroing a channel.
        training: Apply dropout; otherwise ``input`` is returned.
        inplace: Write the result into ``input`` and return it.

    Returns:
        A tensor shaped like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not a Tensor.
        ShapeError: For input that is not 2-D or 3-D.
        InvalidArgumentError: If ``p`` is outside ``[0, 1]``.

    Example:
        >>> dropout1d(compat.ones(2, 3, 4), 0.5).shape
        (2, 3, 4)
    """
    return _run("dropout1d", _dropout1d, input, p, training, inplace)


def dropout2d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:
    """Zero whole channels of a ``(N, C, H, W)`` input (3-D input: ``(N, C, L)``, as torch).

    Args:
        input: A floating tensor, normally 4-D.
        p: The probability of zeroing a channel.
        training: Apply dropout; otherwise ``input`` is returned.
        inplace: Write the result into ``input`` and return it.

    Returns:
        A tensor shaped like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not a Tensor.
        InvalidArgumentError: If ``p`` is outside ``[0, 1]``.

    Example:
        >>> dropout2d(compat.ones(2, 3, 4, 4), 0.5).shape
        (2, 3, 4, 4)
    """
    return _run("dropout2d", _dropout2d, input, p, training, inplace)


def dropout3d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:
    """Zero whole channels of a ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input.

    Args:
        input: A floating tensor, normally 4-D or 5-D.
        p: The probability of zeroing a channel.
        training: Apply dropout; otherwise ``input`` is returned.
        inplace: Write the result into ``input`` and return it.

    Returns:
        A tensor shaped like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not a Tensor.
        InvalidArgumentError: If ``p`` is outside ``[0, 1]``.

    Example:
        >>> dropout3d(compat.ones(2, 3, 2, 2, 2), 0.5).shape
        (2, 3, 2, 2, 2)
    """
    return _run("dropout3d", _dropout3d, input, p, training, inplace)


def alpha_dropout(
    input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False
) -> Tensor:
    """Alpha dropout for SELU networks (keeps zero mean and unit variance).

    Args:
        input: A floating tensor.
        p: The probability of dropping an element.
        training: Apply dropout (default ``False``, as torch).
        inplace: Write the result into ``input`` and return it.

    Returns:
        A tensor shaped like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not a Tensor.
        InvalidArgumentError: If ``p`` is outside ``[0, 1]``.

    Example:
        >>> alpha_dropout(compat.ones(3), 0.2)
        tensor([1., 1., 1.])
    """
    return _run("alpha_dropout", _alpha_dropout, input, p, training, inplace)


def feature_alpha_dropout(
    input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False
) -> Tensor:
    """Alpha dropout of whole channels (dim 1) of an ``(N, C, *)`` input.

    Args:
        input: A floating tensor with at least 2 dims.
        p: The probability of dropping a channel.
        training: Apply dropout (default ``False``, as torch).
        inplace: Write the result into ``input`` and return it.

    Returns:
        A tensor shaped like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not a Tensor.
        ShapeError: For input with fewer than 2 dims (when training).
        InvalidArgumentError: If ``p`` is outside ``[0, 1]``.

    Example:
        >>> feature_alpha_dropout(compat.ones(2, 3, 4), 0.2, training=True).shape
        (2, 3, 4)
    """
    return _run("feature_alpha_dropout", _feature_alpha_dropout, input, p, training, inplace)
