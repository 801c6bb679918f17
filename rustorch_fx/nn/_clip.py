"""Gradient clipping with ``torch.nn.utils``'s numerics, over pytrees of arrays."""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp

from rustorch_fx._boundary import boundary
from rustorch_fx.errors import ArgumentTypeError, InvalidArgumentError

__all__ = ["clip_grad_norm", "clip_grad_value", "total_norm"]


def _norm_type(op: str, norm_type: Any) -> float:
    if isinstance(norm_type, str) and norm_type.lower() == "inf":
        return math.inf
    if isinstance(norm_type, bool) or not isinstance(norm_type, int | float):
        raise ArgumentTypeError(
            f"{op}: norm_type must be a number or 'inf', got {type(norm_type).__name__}"
        )
    return float(norm_type)


def _vector_norm(x: jax.Array, p: float) -> jax.Array:
    x = jnp.abs(x.reshape(-1))
    if p == math.inf:
        return jnp.max(x, initial=0.0)
    if p == -math.inf:
        return jnp.min(x, initial=math.inf)
    if p == 0:
        return jnp.sum(x != 0).astype(x.dtype)
    if p == 1:
        return jnp.sum(x)
    if p == 2:
        return jnp.sqrt(jnp.sum(x * x))
    return jnp.sum(x**p) ** (1.0 / p)


@boundary("total_norm")
def total_norm(tree: Any, norm_type: float | str = 2.0) -> jax.Array:
    """The ``norm_type``-norm of all leaves of ``tree`` taken together (torch's ``get_total_norm``).

    Computed as torch does: the norm of the vector of per-leaf norms, which equals the norm of
    the concatenation of all leaves for every ``p``.

    Args:
        tree: A pytree of arrays (gradients).
        norm_type: ``p`` of the p-norm; ``float('inf')`` or ``'inf'`` for the max-norm.

    Returns:
        A scalar array (float32 unless the leaves are wider; 0 for an empty tree).

    Raises:
        ArgumentTypeError: If ``norm_type`` is not a number.

    Example:
        >>> total_norm({"a": jnp.array([3.0]), "b": jnp.array([4.0])})
        Array(5., dtype=float32)
    """
    p = _norm_type("total_norm", norm_type)
    leaves = [jnp.asarray(x) for x in jax.tree_util.tree_leaves(tree)]
    if not leaves:
        return jnp.zeros((), jnp.float32)
    dtype = jnp.result_type(*leaves, jnp.float32)
    norms = jnp.stack([_vector_norm(x.astype(dtype), p) for x in leaves])
    return _vector_norm(norms, p)


@boundary("clip_grad_norm")
def clip_grad_norm(
    tree: Any, max_norm: float, norm_type: float | str = 2.0
) -> tuple[Any, jax.Array]:
    """Scale ``tree`` so that its total norm is at most ``max_norm`` (torch's ``clip_grad_norm_``).

    The scale is torch's: ``min(1, max_norm / (total_norm + 1e-6))``, so gradients already
    inside the ball are unchanged and a non-finite norm gives non-finite gradients (compat's
    ``error_if_nonfinite`` checks for that). optax's ``clip_by_global_norm`` uses
    ``max_norm / max(norm, max_norm)`` without the epsilon; the results differ by about 1e-6
    relative.

    Args:
        tree: A pytree of arrays (gradients).
        max_norm: The largest allowed total norm.
        norm_type: ``p`` of the p-norm (``'inf'`` allowed).

    Returns:
        ``(clipped_tree, total_norm)``, the norm taken before clipping.

    Raises:
        InvalidArgumentError: If ``max_norm`` is negative.

    Example:
        >>> g, n = clip_grad_norm([jnp.array([3.0, 4.0])], 1.0)
        >>> float(n), [round(float(v), 4) for v in g[0]]
        (5.0, [0.6, 0.8])
    """
    if isinstance(max_norm, bool) or not isinstance(max_norm, int | float):
        raise ArgumentTypeError(
            f"clip_grad_norm: max_norm must be a number, got {type(max_norm).__name__}"
        )
    if max_norm < 0:
        raise InvalidArgumentError(f"clip_grad_norm: max_norm must be >= 0, got {max_norm}")
    norm = total_norm(tree, norm_type)
    scale = jnp.minimum(max_norm / (norm + 1e-6), 1.0)
    clipped = jax.tree_util.tree_map(lambda g: (g * scale).astype(g.dtype), tree)
    return clipped, norm


@boundary("clip_grad_value")
def clip_grad_value(tree: Any, clip_value: float) -> Any:
    """Clamp every element of ``tree`` to ``[-clip_value, clip_value]``.

    Args:
        tree: A pytree of arrays (gradients).
        clip_value: The bound, at least 0.

    Returns:
        The clamped tree.

    Raises:
        InvalidArgumentError: If ``clip_value`` is negative.

    Example:
        >>> clip_grad_value(jnp.array([-3.0, 0.5, 2.0]), 1.0)
        Array([-1. ,  0.5,  1. ], dtype=float32)
    """
    if isinstance(clip_value, bool) or not isinstance(clip_value, int | float):
        raise ArgumentTypeError(
            f"clip_grad_value: clip_value must be a number, got {type(clip_value).__name__}"
        )
    if clip_value < 0:
        raise InvalidArgumentError(f"clip_grad_value: clip_value must be >= 0, got {clip_value}")
    return jax.tree_util.tree_map(lambda g: jnp.clip(g, -clip_value, clip_value), tree)
