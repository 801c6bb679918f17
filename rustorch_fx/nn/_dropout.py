"""Dropout and its variants with ``torch.nn.functional``'s signatures plus an explicit PRNG key.

Each function takes ``key`` (a JAX PRNG key, keyword-only): it is required when the function
is random (``training=True`` and ``p > 0``) and ignored otherwise. The same key gives the same
mask; the masks cannot equal torch's (different generators). ``p`` and ``training`` are Python
values, static under ``jax.jit``. ``inplace=`` is accepted and ignored (the functions are pure;
``compat.nn.functional`` mutates).

As in torch, dropping multiplies (so a NaN input stays NaN where dropped), kept values are
scaled by ``1 / (1 - p)``, ``p = 1`` gives zeros, and the gradient is ``mask * scale``:

- :func:`dropout` drops single elements;
- :func:`dropout1d`, :func:`dropout2d`, :func:`dropout3d` drop whole channels (dim 1 of a
  batched input, dim 0 of an unbatched one);
- :func:`alpha_dropout` and :func:`feature_alpha_dropout` (for SELU networks) set dropped
  values to SELU's negative saturation and apply an affine map that keeps zero mean and unit
  variance.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from rustorch_fx import _dtypes
from rustorch_fx._boundary import boundary
from rustorch_fx._checks import as_array
from rustorch_fx.errors import ArgumentTypeError, DTypeError, InvalidArgumentError, ShapeError

__all__ = [
    "alpha_dropout",
    "dropout",
    "dropout1d",
    "dropout2d",
    "dropout3d",
    "feature_alpha_dropout",
]

# -SELU's negative saturation value, -scale * alpha.
_ALPHA = 1.7580993408473766


def _check_p(op: str, p: Any) -> float:
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise ArgumentTypeError(f"{op}: p must be a number, got {type(p).__name__}")
    if not 0.0 <= p <= 1.0:
        raise InvalidArgumentError(
            f"{op}: dropout probability has to be between 0 and 1, but got {p}"
        )
    return float(p)


def _input(op: str, input: Any) -> jax.Array:
    x = as_array(op, "input", input)
    if not _dtypes.is_inexact(x.dtype):
        raise DTypeError(f"{op}: expected a floating point input, got {np.dtype(x.dtype).name}")
    return x


def _apply(
    op: str,
    x: jax.Array,
    p: float,
    training: bool,
    key: Any,
    mask_shape: tuple[int, ...],
    alpha: bool,
) -> jax.Array:
    """Drop with a Bernoulli(1 - p) mask of ``mask_shape`` (broadcast over ``x``)."""
    if not training or p == 0.0 or x.size == 0:
        return x
    if p == 1.0:
        return x * jnp.zeros((), x.dtype)
    if key is None:
        raise InvalidArgumentError(
            f"{op}: a PRNG key is required when training with p > 0, e.g. "
            f"{op}(x, p, key=jax.random.key(0))"
        )
    # float32 draws in both JAX modes: the same key gives the same mask with x64 on or off.
    keep = jax.random.uniform(key, mask_shape, jnp.float32) < np.float32(1.0 - p)
    if not alpha:
        return x * jnp.where(keep, jnp.asarray(1.0 / (1.0 - p), x.dtype), jnp.zeros((), x.dtype))
    a = 1.0 / math.sqrt((_ALPHA * _ALPHA * p + 1.0) * (1.0 - p))
    # kept: a * x + a * ALPHA * p; dropped: a * ALPHA * (p - 1) (torch's noise form).
    scale = jnp.where(keep, a, 0.0).astype(x.dtype)
    shift = jnp.where(keep, a * _ALPHA * p, a * _ALPHA * (p - 1.0)).astype(x.dtype)
    return x * scale + shift


def _feature_shape(op: str, x: jax.Array) -> tuple[int, ...]:
    """The mask shape of a channel-wise dropout of a batched ``(N, C, *)`` input."""
    if x.ndim < 2:
        raise ShapeError(
            f"{op}: Feature dropout requires at least 2 dimensions in the input, got shape "
            f"{tuple(x.shape)}"
        )
    return x.shape[:2] + (1,) * (x.ndim - 2)


@boundary("dropout")
def dropout(
    input: Any, p: float = 0.5, training: bool = True, inplace: bool = False, *, key: Any = None
) -> jax.Array:
    """Zero each element with probability ``p`` and scale the others by ``1 / (1 - p)``.

    Args:
        input: A floating array.
        p: The probability of zeroing an element, in ``[0, 1]``.
        training: Apply dropout; ``False`` returns ``input`` unchanged.
        inplace: Accepted for torch's signature and ignored (the function is pure).
        key: A JAX PRNG key; required when ``training`` and ``p > 0``.

    Returns:
        An array shaped like ``input``, of its dtype.

    Raises:
        InvalidArgumentError: If ``p`` is outside ``[0, 1]``, or the key is missing.
        DTypeError: For non-floating input.

    Example:
        >>> dropout(jnp.ones(4), 0.5, key=jax.random.key(0))  # doctest: +SKIP
        Array([2., 0., 2., 2.], dtype=float32)
    """
    p = _check_p("dropout", p)
    x = _input("dropout", input)
    return _apply("dropout", x, p, training, key, x.shape, alpha=False)


@boundary("alpha_dropout")
def alpha_dropout(
    input: Any, p: float = 0.5, training: bool = False, inplace: bool = False, *, key: Any = None
) -> jax.Array:
    """Alpha dropout: keeps the mean and variance of SELU activations (torch's formula).

    A dropped value becomes SELU's negative saturation ``-1.7581``, then an affine map
    ``a * x + b`` restores zero mean and unit variance, with
    ``a = ((1 - p) * (1 + p * 1.7581**2)) ** -0.5``.

    Args:
        input: A floating array.
        p: The probability of dropping an element, in ``[0, 1]``.
        training: Apply dropout (torch's default here is ``False``).
        inplace: Accepted for torch's signature and ignored (the function is pure).
        key: A JAX PRNG key; required when ``training`` and ``p > 0``.

    Returns:
        An array shaped like ``input``, of its dtype.

    Raises:
        InvalidArgumentError: If ``p`` is outside ``[0, 1]``, or the key is missing.
        DTypeError: For non-floating input.

    Example:
        >>> alpha_dropout(jnp.ones(3), 0.2, training=False)
        Array([1., 1., 1.], dtype=float32)
    """
    p = _check_p("alpha_dropout", p)
    x = _input("alpha_dropout", input)
    return _apply("alpha_dropout", x, p, training, key, x.shape, alpha=True)


@boundary("feature_alpha_dropout")
def feature_alpha_dropout(
    input: Any, p: float = 0.5, training: bool = False, inplace: bool = False, *, key: Any = None
) -> jax.Array:
    """:func:`alpha_dropout` of whole channels (dim 1) of an ``(N, C, *)`` input.

    Args:
        input: A floating array with at least 2 dims.
        p: The probability of dropping a channel, in ``[0, 1]``.
        training: Apply dropout (torch's default here is ``False``).
        inplace: Accepted for torch's signature and ignored (the function is pure).
        key: A JAX PRNG key; required when ``training`` and ``p > 0``.

    Returns:
        An array shaped like ``input``, of its dtype.

    Raises:
        InvalidArgumentError: If ``p`` is outside ``[0, 1]``, or the key is missing.
        ShapeError: For input with fewer than 2 dims.
        DTypeError: For non-floating input.

    Example:
        >>> feature_alpha_dropout(jnp.ones((2, 3, 4)), 0.2).shape
        (2, 3, 4)
    """
    op = "feature_alpha_dropout"
    p = _check_p(op, p)
    x = _input(op, input)
    return _apply(op, x, p, training, key, _feature_shape(op, x), alpha=True)


@boundary("dropout1d")
def dropout1d(
    input: Any, p: float = 0.5, training: bool = True, inplace: bool = False, *, key: Any = None
) -> jax.Array:
    """Zero whole channels of a ``(N, C, L)`` or unbatched ``(C, L)`` input with probability ``p``.

    Args:
        input: A floating 2-D or 3-D array.
        p: The probability of zeroing a channel, in ``[0, 1]``.
        training: Apply dropout.
        inplace: Accepted for torch's signature and ignored (the function is pure).
        key: A JAX PRNG key; required when ``training`` and ``p > 0``.

    Returns:
        An array shaped like ``input``, of its dtype.

    Shape:
        - input, output: ``(N, C, L)`` or ``(C, L)``

    Raises:
        ShapeError: For input that is not 2-D or 3-D.
        InvalidArgumentError: If ``p`` is outside ``[0, 1]``, or the key is missing.
        DTypeError: For non-floating input.

    Example:
        >>> dropout1d(jnp.ones((2, 3, 4)), 0.5, training=False).shape
        (2, 3, 4)
    """
    op = "dropout1d"
    p = _check_p(op, p)
    x = _input(op, input)
    if x.ndim not in (2, 3):
        raise ShapeError(
            f"{op}: Expected 2D or 3D input, but received a {x.ndim}D input. Note that "
            f"{op} exists to provide channel-wise dropout on inputs with 1 spatial dimension, "
            "a channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs)."
        )
    shape = _feature_shape(op, x) if x.ndim == 3 else (x.shape[0], 1)
    return _apply(op, x, p, training, key, shape, alpha=False)


@boundary("dropout2d")
def dropout2d(
    input: Any, p: float = 0.5, training: bool = True, inplace: bool = False, *, key: Any = None
) -> jax.Array:
    """Zero whole channels (dim 1) of a ``(N, C, H, W)`` input with probability ``p``.

    As in torch, a 3-D input is read as ``(N, C, L)`` (channel-wise 1-D dropout, with a
    warning), and inputs of other ranks warn and drop dim 1 of ``(N, C, *)``.

    Args:
        input: A floating array, normally 4-D.
        p: The probability of zeroing a channel, in ``[0, 1]``.
        training: Apply dropout.
        inplace: Accepted for torch's signature and ignored (the function is pure).
        key: A JAX PRNG key; required when ``training`` and ``p > 0``.

    Returns:
        An array shaped like ``input``, of its dtype.

    Shape:
        - input, output: ``(N, C, H, W)``

    Raises:
        ShapeError: For input with fewer than 2 dims.
        InvalidArgumentError: If ``p`` is outside ``[0, 1]``, or the key is missing.
        DTypeError: For non-floating input.

    Example:
        >>> dropout2d(jnp.ones((2, 3, 4, 4)), 0.5, training=False).shape
        (2, 3, 4, 4)
    """
    op = "dropout2d"
    p = _check_p(op, p)
    x = _input(op, input)
    if x.ndim not in (3, 4):
        warnings.warn(
            f"{op}: Received a {x.ndim}-D input to {op}, which is deprecated in torch; use "
            "dropout instead (dropout2d expects 3D or 4D inputs)",
            stacklevel=3,
        )
    if x.ndim == 3:
        warnings.warn(
            f"{op}: Received a 3D input to {op} and assuming that channel-wise 1D dropout "
            "behavior is desired - input is interpreted as shape (N, C, L), as in torch",
            stacklevel=3,
        )
    return _apply(op, x, p, training, key, _feature_shape(op, x), alpha=False)


@boundary("dropout3d")
def dropout3d(
    input: Any, p: float = 0.5, training: bool = True, inplace: bool = False, *, key: Any = None
) -> jax.Array:
    """Zero whole channels of a ``(N, C, D, H, W)`` or unbatched ``(C, D, H, W)`` input.

    Inputs of other ranks warn (as in torch) and drop dim 1 of ``(N, C, *)``.

    Args:
        input: A floating array, normally 4-D or 5-D.
        p: The probability of zeroing a channel, in ``[0, 1]``.
        training: Apply dropout.
        inplace: Accepted for torch's signature and ignored (the function is pure).
        key: A JAX PRNG key; required when ``training`` and ``p > 0``.

    Returns:
        An array shaped like ``input``, of its dtype.

    Shape:
        - input, output: ``(N, C, D, H, W)`` or ``(C, D, H, W)``

    Raises:
        ShapeError: For input with fewer than 2 dims.
        InvalidArgumentError: If ``p`` is outside ``[0, 1]``, or the key is missing.
        DTypeError: For non-floating input.

    Example:
        >>> dropout3d(jnp.ones((3, 2, 2, 2)), 0.5, training=False).shape
        (3, 2, 2, 2)
    """
    op = "dropout3d"
    p = _check_p(op, p)
    x = _input(op, input)
    if x.ndim not in (4, 5):
        warnings.warn(
            f"{op}: Received a {x.ndim}-D input to {op}, which is deprecated in torch; use "
            "dropout instead (dropout3d expects 4D or 5D inputs)",
            stacklevel=3,
        )
    shape = (x.shape[0],) + (1,) * 3 if x.ndim == 4 else _feature_shape(op, x)
    return _apply(op, x, p, training, key, shape, alpha=False)
