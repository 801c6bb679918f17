"""Distances and normalisation with ``torch.nn.functional``'s semantics.

``pairwise_distance``, ``cosine_similarity``, ``pdist`` and ``normalize``. Norms that can be
zero (``pdist`` of identical rows, ``normalize`` of a zero vector) have torch's gradient there
(zero, not NaN).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from rustorch_fx import _dtypes
from rustorch_fx._boundary import boundary
from rustorch_fx._checks import as_array, normalize_dim
from rustorch_fx.errors import ArgumentTypeError, DTypeError, InvalidArgumentError, ShapeError

__all__ = ["cosine_similarity", "normalize", "pairwise_distance", "pdist"]


def _floating(op: str, name: str, x: Any) -> jax.Array:
    a = as_array(op, name, x)
    if not _dtypes.is_floating(a.dtype):
        raise DTypeError(f"{op}: expected a floating point {name}, got {a.dtype.name}")
    return a


def _p(op: str, p: Any) -> float:
    if isinstance(p, bool) or not isinstance(p, int | float):
        raise ArgumentTypeError(f"{op}: p must be a number, got {type(p).__name__}")
    if p < 0:
        raise InvalidArgumentError(f"{op}: p must be non-negative, got {p}")
    return float(p)


def _norm(x: jax.Array, p: float, axis: Any, keepdims: bool = False) -> jax.Array:
    """The p-norm along ``axis`` with a zero (not NaN) gradient where the norm is 0."""
    a = jnp.sign(x) * x  # |x| with torch's gradient at 0 (zero; jnp.abs has 1)
    if p == float("inf"):
        return jnp.max(a, axis=axis, keepdims=keepdims)
    if p == 0:
        return jnp.sum(a != 0, axis=axis, keepdims=keepdims).astype(x.dtype)
    if p == 1:
        return jnp.sum(a, axis=axis, keepdims=keepdims)
    powered = jnp.sum(a * a if p == 2 else a**p, axis=axis, keepdims=keepdims)
    positive = powered > 0
    safe = jnp.where(positive, powered, 1)
    root = jnp.sqrt(safe) if p == 2 else safe ** (1.0 / p)
    return jnp.where(positive, root, 0)


@boundary("pairwise_distance")
def pairwise_distance(
    x1: Any, x2: Any, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False
) -> jax.Array:
    """``||x1 - x2 + eps||_p`` over the last dimension (``torch.nn.functional.pairwise_distance``).

    Args:
        x1: ``(N, D)`` or ``(D,)``, broadcastable with ``x2``.
        x2: ``(N, D)`` or ``(D,)``.
        p: The norm degree (non-negative; ``inf`` allowed).
        eps: Added to the difference, as torch, so the gradient is finite at ``x1 == x2``.
        keepdim: Keep the reduced last dimension.

    Returns:
        ``(N,)`` (or ``(N, 1)`` with ``keepdim``); a 0-d array for 1-D inputs.

    Raises:
        ShapeError: If the inputs do not broadcast.
        DTypeError: For non-floating inputs.

    Example:
        >>> pairwise_distance(jnp.array([[0.0, 0.0]]), jnp.array([[3.0, 4.0]]), eps=0.0)
        Array([5.], dtype=float32)
    """
    op = "pairwise_distance"
    a, b = _floating(op, "x1", x1), _floating(op, "x2", x2)
    try:
        shape = jnp.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ShapeError(
            f"{op}: x1 of shape {a.shape} and x2 of shape {b.shape} do not broadcast"
        ) from None
    if not shape:
        raise ShapeError(f"{op}: expected inputs with at least 1 dimension, got 0-d inputs")
    diff = a - b + jnp.asarray(eps, jnp.result_type(a, b))
    return _norm(diff, _p(op, p), axis=-1, keepdims=keepdim)


@boundary("cosine_similarity")
def cosine_similarity(x1: Any, x2: Any, dim: int = 1, eps: float = 1e-8) -> jax.Array:
    """Cosine of the angle between ``x1`` and ``x2`` along ``dim``.

    ``x1 . x2 / (max(||x1||, eps) * max(||x2||, eps))``, torch's definition (each norm clamped
    separately).

    Args:
        x1: An array broadcastable with ``x2``.
        x2: An array.
        dim: The dimension of the broadcast shape to reduce.
        eps: The lower bound of each norm.

    Returns:
        The broadcast shape without ``dim``.

    Raises:
        ShapeError: If the inputs do not broadcast.
        IndexOutOfRangeError: If ``dim`` is out of range.

    Example:
        >>> cosine_similarity(jnp.array([[1.0, 0.0]]), jnp.array([[1.0, 1.0]]))
        Array([0.70710677], dtype=float32)
    """
    op = "cosine_similarity"
    a, b = _floating(op, "x1", x1), _floating(op, "x2", x2)
    try:
        shape = jnp.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ShapeError(
            f"{op}: x1 of shape {a.shape} and x2 of shape {b.shape} do not broadcast"
        ) from None
    axis = normalize_dim(op, dim, max(len(shape), 1))
    dtype = jnp.result_type(a, b)
    a, b = jnp.broadcast_to(a, shape).astype(dtype), jnp.broadcast_to(b, shape).astype(dtype)
    n1 = jnp.maximum(_norm(a, 2.0, axis, keepdims=True), eps)
    n2 = jnp.maximum(_norm(b, 2.0, axis, keepdims=True), eps)
    return jnp.sum((a / n1) * (b / n2), axis=axis)


@boundary("pdist")
def pdist(input: Any, p: float = 2.0) -> jax.Array:
    """The p-norm distance between every pair of rows, upper triangle in row-major order.

    Args:
        input: ``(N, M)``.
        p: The norm degree (non-negative; ``inf`` allowed).

    Returns:
        ``(N * (N - 1) / 2,)``: ``d(0, 1), d(0, 2), ..., d(N-2, N-1)``.

    Raises:
        ShapeError: If ``input`` is not 2-D.

    Example:
        >>> pdist(jnp.array([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0]]))
        Array([5.       , 1.       , 4.2426405], dtype=float32)
    """
    x = _floating("pdist", "input", input)
    if x.ndim != 2:
        raise ShapeError(f"pdist: only supports 2D tensors, got: {x.ndim}D (shape {x.shape})")
    rows, cols = jnp.triu_indices(x.shape[0], k=1)
    return _norm(x[rows] - x[cols], _p("pdist", p), axis=-1)


@boundary("normalize")
def normalize(input: Any, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> jax.Array:
    """``input / max(||input||_p, eps)`` along ``dim`` (``torch.nn.functional.normalize``).

    Args:
        input: A floating array.
        p: The norm degree.
        dim: The dimension to normalise over.
        eps: The lower bound of the norm.

    Returns:
        An array shaped like ``input``.

    Raises:
        IndexOutOfRangeError: If ``dim`` is out of range.

    Example:
        >>> normalize(jnp.array([[3.0, 4.0]]))
        Array([[0.6, 0.8]], dtype=float32)
    """
    x = _floating("normalize", "input", input)
    axis = normalize_dim("normalize", dim, max(x.ndim, 1))
    if x.ndim == 0:
        x = x.reshape(1)
        return (x / jnp.maximum(_norm(x, _p("normalize", p), axis, True), eps)).reshape(())
    return x / jnp.maximum(_norm(x, _p("normalize", p), axis, True), eps)
