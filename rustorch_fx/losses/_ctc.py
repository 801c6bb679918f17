"""Connectionist temporal classification: the forward (alpha) recursion as a ``lax.scan``."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from rustorch_fx._boundary import boundary
from rustorch_fx._checks import is_int
from rustorch_fx.errors import IndexOutOfRangeError, InvalidArgumentError, ShapeError
from rustorch_fx.losses._common import (
    compute_dtype,
    concrete,
    floating,
    integer,
    reduce_loss,
    reduction_arg,
    result_dtype,
)

__all__ = ["ctc_loss"]


def _lse(*xs: jax.Array) -> jax.Array:
    """``log(sum(exp(x)))`` over the arguments, with gradient 0 (not NaN) when all are -inf."""
    stack = jnp.stack(xs)
    m = jax.lax.stop_gradient(jnp.max(stack, axis=0))
    m = jnp.where(jnp.isfinite(m), m, jnp.zeros_like(m))
    s = jnp.sum(jnp.exp(stack - m), axis=0)
    positive = s > 0
    logs = jnp.log(jnp.where(positive, s, jnp.ones_like(s))) + m
    return jnp.where(positive, logs, jnp.full_like(s, -jnp.inf))


def _shift(x: jax.Array, k: int) -> jax.Array:
    """``x[:, s - k]`` along the last axis, -inf for ``s < k``."""
    pad = jnp.full((*x.shape[:-1], k), -jnp.inf, x.dtype)
    return jnp.concatenate([pad, x], axis=-1)[..., : x.shape[-1]]


def _lengths(op: str, name: str, x: Any, batch: int, unbatched: bool) -> jax.Array:
    a = integer(op, name, x)
    if unbatched:
        if a.size != 1 or a.ndim > 1:
            raise ShapeError(
                f"{op}: {name} must hold one length for an unbatched input, got {a.shape}"
            )
        return a.reshape(1)
    if a.ndim != 1 or a.shape[0] != batch:
        raise ShapeError(f"{op}: {name} must be of size batch_size ({batch}), got shape {a.shape}")
    return a


def _padded_targets(
    op: str, targets: jax.Array, target_lengths: jax.Array, batched_1d: bool, width: int | None
) -> jax.Array:
    """``(N, S)`` padded targets from padded or concatenated form."""
    if not batched_1d:
        return targets
    total = targets.shape[0]
    known = concrete(target_lengths)
    if width is None:
        width = int(known.max()) if known is not None and known.size else total
    if known is not None and int(known.sum()) > total:
        raise ShapeError(
            f"{op}: concatenated targets hold {total} labels but target_lengths sum to "
            f"{int(known.sum())}"
        )
    if width == 0 or total == 0:
        return jnp.zeros((target_lengths.shape[0], width), targets.dtype)
    ends = jnp.cumsum(target_lengths)
    starts = ends - target_lengths
    index = starts[:, None] + jnp.arange(width)[None, :]
    return jnp.take(targets, jnp.clip(index, 0, total - 1), axis=0)


def _check_values(
    op: str, in_len: jax.Array, tgt_len: jax.Array, steps: int, width: int, padded: bool
) -> None:
    """Torch's checks of concrete lengths (skipped under a trace)."""
    i = concrete(in_len)
    if i is not None and i.size and (i.max() > steps or i.min() < 0):
        bad = int(i.max()) if i.max() > steps else int(i.min())
        raise ShapeError(
            f"{op}: Expected input_lengths to have value at most {steps} (and at least 0), "
            f"but got value {bad}"
        )
    t = concrete(tgt_len)
    if t is not None and t.size:
        if t.min() < 0:
            raise ShapeError(f"{op}: target_lengths must be non-negative, got {int(t.min())}")
        if padded and t.max() > width:
            raise ShapeError(
                f"{op}: Expected tensor to have size at least {int(t.max())} at dimension 1, "
                f"but got size {width} for argument #2 'targets'"
            )


def _check_labels(op: str, padded: jax.Array, tgt_len: jax.Array, n_classes: int) -> None:
    """Raise for a concrete label outside ``[0, C)`` within its sequence's length."""
    labels, lengths = concrete(padded), concrete(tgt_len)
    if labels is None or lengths is None or labels.size == 0:
        return
    used = labels[jnp.arange(labels.shape[1])[None, :] < lengths[:, None]]
    bad = used[(used < 0) | (used >= n_classes)]
    if bad.size:
        raise IndexOutOfRangeError(
            f"{op}: target {int(bad[0])} is out of bounds (expected class indices in "
            f"[0, {n_classes}))"
        )


def _ctc_nll(
    lp: jax.Array, targets: jax.Array, in_len: jax.Array, tgt_len: jax.Array, blank: int
) -> jax.Array:
    """``-log p(target | log_probs)`` per batch element: ``lp`` is ``(T, N, C)``."""
    steps, batch, _ = lp.shape
    width = targets.shape[1]
    states = 2 * width + 1
    ext = jnp.full((batch, states), blank, targets.dtype)
    ext = ext.at[:, 1::2].set(jnp.clip(targets, 0, lp.shape[2] - 1))
    lp_ext = jnp.take_along_axis(lp, jnp.broadcast_to(ext[None], (steps, batch, states)), axis=2)
    s = jnp.arange(states)
    skip = (s % 2 == 1) & (s >= 2)
    skip = skip[None, :] & (ext != jnp.concatenate([ext[:, :2], ext[:, :-2]], axis=1))
    neg_inf = jnp.full((), -jnp.inf, lp.dtype)
    alpha0 = jnp.where(s[None, :] < 2, lp_ext[0], neg_inf)

    def step(alpha: jax.Array, xs: tuple[jax.Array, jax.Array]) -> tuple[jax.Array, None]:
        t, lp_t = xs
        new = _lse(alpha, _shift(alpha, 1), jnp.where(skip, _shift(alpha, 2), neg_inf)) + lp_t
        return jnp.where((t < in_len)[:, None], new, alpha), None

    alpha, _ = jax.lax.scan(step, alpha0, (jnp.arange(1, steps), lp_ext[1:]))
    last = 2 * tgt_len
    a_last = jnp.take_along_axis(alpha, last[:, None], axis=1)[:, 0]
    a_prev = jnp.take_along_axis(alpha, jnp.maximum(last - 1, 0)[:, None], axis=1)[:, 0]
    ll = _lse(a_last, jnp.where(tgt_len > 0, a_prev, neg_inf))
    empty = jnp.where(tgt_len == 0, jnp.zeros((), lp.dtype), neg_inf)
    return -jnp.where(in_len == 0, empty, ll)


@boundary("ctc_loss")
def ctc_loss(
    log_probs: Any,
    targets: Any,
    input_lengths: Any,
    target_lengths: Any,
    blank: int = 0,
    reduction: str = "mean",
    zero_infinity: bool = False,
    *,
    max_target_length: int | None = None,
) -> jax.Array:
    """Connectionist temporal classification loss (Graves et al., 2006).

    The negative log-likelihood of each target sequence, summed over all its alignments
    with the input: the forward (alpha) recursion in log space, as a ``lax.scan`` over time
    whose state is ``(N, 2 * S + 1)``. Its gradient is the mathematical one w.r.t.
    ``log_probs``; torch's CTC backward instead assumes ``log_probs`` came from
    ``log_softmax`` (both agree on the gradient w.r.t. the logits before it).

    Args:
        log_probs: Log-probabilities ``(T, N, C)``, or ``(T, C)`` unbatched (usually
            ``log_softmax`` output).
        targets: Class indices: padded ``(N, S)``, or the ``N`` sequences concatenated into
            one 1-D array; ``(S,)`` for an unbatched input. They must not contain ``blank``.
        input_lengths: ``(N,)`` lengths ``<= T`` (``()`` unbatched).
        target_lengths: ``(N,)`` target lengths (``()`` unbatched).
        blank: The blank class.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``; ``'mean'`` divides each loss by its
            target length (at least 1), then averages over the batch.
        zero_infinity: Replace infinite losses (impossible alignments) and their gradients
            by 0.
        max_target_length: Extension (keyword-only): the padded width used for concatenated
            targets. Inside ``jax.jit`` the lengths are not known, and the width defaults to
            the total number of labels; pass the longest target length to avoid that work.

    Returns:
        A scalar, or the per-sequence losses ``(N,)`` (``()`` unbatched) for
        ``reduction='none'``.

    Raises:
        ShapeError: For inconsistent shapes or lengths (lengths are checked where known).
        InvalidArgumentError: If ``blank`` is not a class, or for an unknown reduction.
        IndexOutOfRangeError: For a target index outside ``[0, C)`` (checked where known).

    Example:
        >>> lp = jax.nn.log_softmax(jnp.zeros((3, 1, 2)), axis=-1)
        >>> ctc_loss(lp, jnp.array([[1]]), jnp.array([3]), jnp.array([1]), reduction="sum")
        Array(0.28768206, dtype=float32)
    """
    op = "ctc_loss"
    reduction = reduction_arg(op, reduction)
    lp = floating(op, "log_probs", log_probs)
    if lp.ndim not in (2, 3):
        raise ShapeError(
            f"{op}: log_probs must be (T, N, C) or (T, C) for an unbatched input, got shape "
            f"{lp.shape}"
        )
    unbatched = lp.ndim == 2
    lp3 = lp[:, None] if unbatched else lp
    steps, batch, n_classes = lp3.shape
    if not is_int(blank) or not 0 <= blank < n_classes:
        raise InvalidArgumentError(
            f"{op}: blank must be in label range [0, {n_classes}), got blank={blank}"
        )
    t = integer(op, "targets", targets)
    if unbatched and t.ndim != 1:
        raise ShapeError(f"{op}: an unbatched input expects 1-D targets, got shape {t.shape}")
    if not unbatched and t.ndim not in (1, 2):
        raise ShapeError(f"{op}: targets must be (N, S) or 1-D concatenated, got {t.shape}")
    if t.ndim == 2 and t.shape[0] != batch:
        raise ShapeError(f"{op}: targets hold {t.shape[0]} sequences, log_probs a batch of {batch}")
    in_len = _lengths(op, "input_lengths", input_lengths, batch, unbatched)
    tgt_len = _lengths(op, "target_lengths", target_lengths, batch, unbatched)
    batched_1d = not unbatched and t.ndim == 1
    padded = _padded_targets(op, t, tgt_len, batched_1d, max_target_length)
    if unbatched:
        padded = padded[None]
    _check_values(op, in_len, tgt_len, steps, padded.shape[1], not batched_1d)
    _check_labels(op, padded, tgt_len, n_classes)
    dtype = compute_dtype(lp)
    nll = _ctc_nll(lp3.astype(dtype), padded, in_len, tgt_len, blank)
    if zero_infinity:
        nll = jnp.where(jnp.isinf(nll), jnp.zeros((), dtype), nll)
    if reduction == "mean":
        nll = nll / jnp.maximum(tgt_len, 1).astype(dtype)
    elif unbatched and reduction == "none":
        nll = nll[0]
    return reduce_loss(nll, reduction).astype(result_dtype(lp))
