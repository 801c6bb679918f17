"""Ranking and embedding losses: margin ranking, hinge and cosine embedding, triplet margins."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from rustorch_fx._boundary import boundary
from rustorch_fx._checks import as_array
from rustorch_fx.errors import ArgumentTypeError, InvalidArgumentError, ShapeError
from rustorch_fx.losses._common import (
    broadcast_shapes,
    compute_dtype,
    floating,
    number,
    reduce_loss,
    reduction_arg,
    result_dtype,
)
from rustorch_fx.nn import pairwise_distance

__all__ = [
    "cosine_embedding_loss",
    "hinge_embedding_loss",
    "margin_ranking_loss",
    "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
]

# torch's epsilon added to the squared norms in cosine_embedding_loss.
_COSINE_EPS = 1e-12


def _hinge(z: jax.Array) -> jax.Array:
    """``clamp_min(z, 0)`` with torch's gradient 1 at ``z == 0``."""
    return jnp.where(z >= 0, z, jnp.zeros((), z.dtype))


@boundary("margin_ranking_loss")
def margin_ranking_loss(
    input1: Any,
    input2: Any,
    target: Any,
    margin: float = 0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> jax.Array:
    """Ranking hinge ``max(0, -target * (input1 - input2) + margin)``.

    Args:
        input1: Scores, any shape.
        input2: Scores, broadcastable with ``input1`` and of the same number of dimensions.
        target: ``1`` where ``input1`` should rank higher, ``-1`` where ``input2`` should.
        margin: The margin.
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Returns:
        A scalar, or the elementwise loss for ``reduction='none'``.

    Raises:
        ShapeError: If the three arrays differ in number of dimensions or do not broadcast.
        InvalidArgumentError: For an unknown reduction.

    Example:
        >>> margin_ranking_loss(jnp.array([1.0, 0.0]), jnp.array([0.0, 1.0]), jnp.array([1.0, 1.0]))
        Array(0.5, dtype=float32)
    """
    op = "margin_ranking_loss"
    reduction = reduction_arg(op, reduction, size_average, reduce)
    x1 = floating(op, "input1", input1)
    x2 = floating(op, "input2", input2)
    t = as_array(op, "target", target)
    if not x1.ndim == x2.ndim == t.ndim:
        raise ShapeError(
            f"{op}: All input tensors should have same dimension but got sizes: input1: "
            f"{x1.shape}, input2: {x2.shape}, target: {t.shape}"
        )
    broadcast_shapes(
        op,
        broadcast_shapes(op, x1.shape, x2.shape, "input1", "input2"),
        t.shape,
        "inputs",
        "target",
    )
    out = result_dtype(x1, x2)
    dtype = compute_dtype(x1, x2)
    loss = _hinge(-t.astype(dtype) * (x1.astype(dtype) - x2.astype(dtype)) + margin)
    return reduce_loss(loss, reduction).astype(out)


@boundary("hinge_embedding_loss")
def hinge_embedding_loss(
    input: Any,
    target: Any,
    margin: float = 1.0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> jax.Array:
    """Hinge embedding loss: ``input`` where ``target == 1``, ``max(0, margin - input)`` where ``-1``.

    As torch, an entry whose target is neither ``1`` nor ``-1`` gets both terms.

    Args:
        input: Distances (or scores), any shape.
        target: ``1`` or ``-1``, broadcastable to ``input``.
        margin: The margin.
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Returns:
        A scalar, or the elementwise loss for ``reduction='none'``.

    Raises:
        ShapeError: If ``target`` does not broadcast to ``input``.
        InvalidArgumentError: For an unknown reduction.

    Example:
        >>> hinge_embedding_loss(jnp.array([0.3, 0.3]), jnp.array([1.0, -1.0]))
        Array(0.5, dtype=float32)
    """
    op = "hinge_embedding_loss"
    reduction = reduction_arg(op, reduction, size_average, reduce)
    x = floating(op, "input", input)
    t = as_array(op, "target", target)
    shape = broadcast_shapes(op, x.shape, t.shape, "input", "target")
    dtype = compute_dtype(x)
    xc = jnp.broadcast_to(x.astype(dtype), shape)
    t = jnp.broadcast_to(t, shape)
    zero = jnp.zeros((), dtype)
    loss = jnp.where(t != 1, _hinge(margin - xc), zero) + jnp.where(t != -1, xc, zero)
    return reduce_loss(loss, reduction).astype(result_dtype(x))


@boundary("cosine_embedding_loss")
def cosine_embedding_loss(
    input1: Any,
    input2: Any,
    target: Any,
    margin: float = 0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> jax.Array:
    """Cosine embedding loss: ``1 - cos`` where ``target == 1``, ``max(0, cos - margin)`` where ``-1``.

    ``cos = <x1, x2> / sqrt((|x1|^2 + 1e-12) * (|x2|^2 + 1e-12))`` over the feature axis
    (torch's epsilon keeps it finite for zero vectors).

    Args:
        input1: Embeddings ``(N, D)`` or ``(D,)``.
        input2: Embeddings broadcastable with ``input1``, same number of dimensions.
        target: ``(N,)`` (or ``()`` for unbatched inputs) of ``1``/``-1``.
        margin: The margin, in ``[-1, 1]``.
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Returns:
        A scalar, or the per-pair loss for ``reduction='none'``.

    Raises:
        ShapeError: For a target of more than one dimension or inputs of the wrong rank.
        InvalidArgumentError: For an unknown reduction.

    Example:
        >>> cosine_embedding_loss(jnp.array([[1.0, 0.0]]), jnp.array([[0.0, 1.0]]), jnp.array([1]))
        Array(1., dtype=float32)
    """
    op = "cosine_embedding_loss"
    reduction = reduction_arg(op, reduction, size_average, reduce)
    x1 = floating(op, "input1", input1)
    x2 = floating(op, "input2", input2)
    t = as_array(op, "target", target)
    if t.ndim > 1:
        raise ShapeError(
            f"{op}: 0D or 1D target tensor expected, multi-target not supported (target "
            f"shape {t.shape})"
        )
    want = t.ndim + 1
    if x1.ndim != want or x2.ndim != want:
        raise ShapeError(
            f"{op}: {t.ndim}D target tensor expects {want}D input tensors, but found inputs "
            f"with sizes {list(x1.shape)} and {list(x2.shape)}."
        )
    broadcast_shapes(op, x1.shape, x2.shape, "input1", "input2")
    out = result_dtype(x1, x2)
    dtype = compute_dtype(x1, x2)
    a, b = x1.astype(dtype), x2.astype(dtype)
    axis = t.ndim
    prod = jnp.sum(a * b, axis=axis)
    sq1 = jnp.sum(a * a, axis=axis) + _COSINE_EPS
    sq2 = jnp.sum(b * b, axis=axis) + _COSINE_EPS
    cos = prod / jnp.sqrt(sq1 * sq2)
    zero = jnp.zeros((), dtype)
    loss = jnp.where(t == 1, 1 - cos, zero) + jnp.where(t == -1, _hinge(cos - margin), zero)
    return reduce_loss(loss, reduction).astype(out)


def _triplet_inputs(
    op: str, anchor: Any, positive: Any, negative: Any, margin: Any
) -> tuple[jax.Array, jax.Array, jax.Array, Any]:
    a = floating(op, "anchor", anchor)
    p = floating(op, "positive", positive)
    n = floating(op, "negative", negative)
    if not a.ndim == p.ndim == n.ndim:
        raise ShapeError(
            f"{op}: The anchor, positive, and negative tensors are expected to have the same "
            f"number of dimensions, but got: anchor {a.ndim}D, positive {p.ndim}D, and "
            f"negative {n.ndim}D inputs"
        )
    if number(op, "margin", margin) <= 0:
        raise InvalidArgumentError(f"{op}: margin must be greater than 0, got {margin}")
    return a, p, n, result_dtype(a, p, n)


def _triplet(
    d_pos: jax.Array, d_neg: jax.Array, d_swap: jax.Array | None, margin: float, reduction: str
) -> jax.Array:
    if d_swap is not None:
        d_neg = jnp.minimum(d_neg, d_swap)
    return reduce_loss(_hinge(margin + d_pos - d_neg), reduction)


@boundary("triplet_margin_loss")
def triplet_margin_loss(
    anchor: Any,
    positive: Any,
    negative: Any,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> jax.Array:
    """Triplet loss ``max(0, margin + d(a, p) - d(a, n))`` with ``d(x, y) = ||x - y + eps||_p``.

    With ``swap`` the negative distance is ``min(d(a, n), d(p, n))`` (Balntas et al., 2016).
    The norm's gradient at a zero difference is 0, as torch's.

    Args:
        anchor: Embeddings ``(N, D)`` or ``(D,)``.
        positive: Embeddings like ``anchor``.
        negative: Embeddings like ``anchor``.
        margin: The margin (``> 0``).
        p: The norm degree.
        eps: Added to the difference before the norm.
        swap: Use the distance swap.
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Returns:
        A scalar, or the per-triplet loss for ``reduction='none'``.

    Raises:
        ShapeError: If the three inputs differ in number of dimensions or do not broadcast.
        InvalidArgumentError: If ``margin <= 0``, or for an unknown reduction.

    Example:
        >>> a = jnp.array([[0.0, 0.0]])
        >>> triplet_margin_loss(a, a + 1.0, a + 3.0, eps=0.0)
        Array(0., dtype=float32)
    """
    op = "triplet_margin_loss"
    reduction = reduction_arg(op, reduction, size_average, reduce)
    a, pos, neg, out = _triplet_inputs(op, anchor, positive, negative, margin)
    broadcast_shapes(
        op,
        broadcast_shapes(op, a.shape, pos.shape, "anchor", "positive"),
        neg.shape,
        "anchor",
        "negative",
    )
    p = number(op, "p", p)
    dtype = compute_dtype(a, pos, neg)
    a, pos, neg = a.astype(dtype), pos.astype(dtype), neg.astype(dtype)
    d_swap = pairwise_distance(pos, neg, p, eps) if swap else None
    loss = _triplet(
        pairwise_distance(a, pos, p, eps),
        pairwise_distance(a, neg, p, eps),
        d_swap,
        margin,
        reduction,
    )
    return loss.astype(out)


@boundary("triplet_margin_with_distance_loss")
def triplet_margin_with_distance_loss(
    anchor: Any,
    positive: Any,
    negative: Any,
    *,
    distance_function: Callable[[jax.Array, jax.Array], jax.Array] | None = None,
    margin: float = 1.0,
    swap: bool = False,
    reduction: str = "mean",
) -> jax.Array:
    """Triplet loss ``max(0, margin + d(a, p) - d(a, n))`` with any distance ``d``.

    Args:
        anchor: Embeddings ``(N, D)`` or ``(D,)``.
        positive: Embeddings like ``anchor``.
        negative: Embeddings like ``anchor``.
        distance_function: A pure function of two arrays returning their distances (one
            per pair); default: the Euclidean pairwise distance (``p=2, eps=1e-6``).
        margin: The margin (``> 0``).
        swap: Use ``min(d(a, n), d(p, n))`` as the negative distance.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Returns:
        A scalar, or the per-triplet loss for ``reduction='none'``.

    Raises:
        ShapeError: If the three inputs differ in number of dimensions.
        InvalidArgumentError: If ``margin <= 0``, or for an unknown reduction.
        ArgumentTypeError: If ``distance_function`` is not callable.

    Example:
        >>> a = jnp.array([[0.0, 0.0]])
        >>> l1 = lambda x, y: jnp.abs(x - y).sum(-1)
        >>> triplet_margin_with_distance_loss(a, a + 1.0, a + 1.0, distance_function=l1)
        Array(1., dtype=float32)
    """
    op = "triplet_margin_with_distance_loss"
    reduction = reduction_arg(op, reduction)
    a, pos, neg, out = _triplet_inputs(op, anchor, positive, negative, margin)
    if distance_function is not None and not callable(distance_function):
        raise ArgumentTypeError(
            f"{op}: distance_function must be callable, got {type(distance_function).__name__}"
        )
    dist = distance_function or pairwise_distance
    d_swap = jnp.asarray(dist(pos, neg)) if swap else None
    loss = _triplet(jnp.asarray(dist(a, pos)), jnp.asarray(dist(a, neg)), d_swap, margin, reduction)
    return loss.astype(out)
