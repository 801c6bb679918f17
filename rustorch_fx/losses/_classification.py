"""Classification losses: cross entropy, NLL, binary cross entropy, soft and hard margins."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from rustorch_fx import _dtypes
from rustorch_fx._boundary import boundary
from rustorch_fx._checks import as_array, check_index_bounds
from rustorch_fx.errors import IndexOutOfRangeError, InvalidArgumentError, ShapeError
from rustorch_fx.losses._common import (
    broadcast_shapes,
    cast,
    compute_dtype,
    concrete,
    floating,
    integer,
    optional_floating,
    reduce_loss,
    reduction_arg,
    result_dtype,
    same_shape,
)

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "multi_margin_loss",
    "multilabel_margin_loss",
    "multilabel_soft_margin_loss",
    "nll_loss",
    "soft_margin_loss",
]

# torch's lower bound of log(x) in binary_cross_entropy, and the floor of x * (1 - x) in its
# gradient.
_LOG_FLOOR = -100.0
_BCE_EPS = 1e-12


# --------------------------------------------------------------------------------------------
# Negative log-likelihood and cross entropy over class indices.
# --------------------------------------------------------------------------------------------


def _class_weight(op: str, weight: Any, n_classes: int) -> jax.Array | None:
    w = optional_floating(op, "weight", weight)
    if w is not None and (w.ndim != 1 or w.shape[0] != n_classes):
        raise ShapeError(
            f"{op}: weight tensor should be defined either for all {n_classes} classes or no "
            f"classes but got weight tensor of shape: {list(w.shape)}"
        )
    return w


def _batched(op: str, input: jax.Array, target: jax.Array) -> tuple[jax.Array, jax.Array, bool]:
    """Validate an (input, class index target) pair; return them with a batch dimension.

    Accepted: ``(C,)`` with ``()``, ``(N, C)`` with ``(N,)``, ``(N, C, d1, ...)`` with
    ``(N, d1, ...)``. The flag says whether the input was unbatched.
    """
    if input.ndim < 1:
        raise ShapeError(f"{op}: Expected 1 or more dimensions (got {input.ndim})")
    if input.ndim == 1:
        if target.ndim != 0:
            raise ShapeError(
                f"{op}: an unbatched input of shape {input.shape} expects a 0-d target "
                f"(one class index), got target shape {target.shape}"
            )
        return input[None], target[None], True
    if target.ndim == 0 or input.shape[0] != target.shape[0]:
        got = target.shape[0] if target.ndim else "a 0-d target"
        raise ShapeError(
            f"{op}: Expected input batch_size ({input.shape[0]}) to match target "
            f"batch_size ({got})."
        )
    expected = input.shape[:1] + input.shape[2:]
    if target.shape != expected:
        if input.ndim == 2:
            raise ShapeError(
                f"{op}: 0D or 1D target tensor expected, multi-target not supported "
                f"(input shape {input.shape}, target shape {target.shape})"
            )
        raise ShapeError(
            f"{op}: Expected target size {list(expected)}, got {list(target.shape)} "
            f"(input shape {input.shape})"
        )
    return input, target, False


def _check_classes(op: str, target: jax.Array, n_classes: int, ignore_index: int) -> None:
    """Raise for a concrete class index outside ``[0, C)`` other than ``ignore_index``."""
    values = concrete(target)
    if values is None or values.size == 0:
        return
    bad = values[(values != ignore_index) & ((values < 0) | (values >= n_classes))]
    if bad.size:
        raise IndexOutOfRangeError(
            f"{op}: Target {int(bad.reshape(-1)[0])} is out of bounds. (expected class indices "
            f"in [0, {n_classes}) or ignore_index={ignore_index})"
        )


def _pick(logp: jax.Array, target: jax.Array, ignore_index: int) -> tuple[jax.Array, jax.Array]:
    """``logp[n, target[n, ...], ...]`` (class axis 1) and the mask of non-ignored targets.

    An out-of-range index under ``jit`` (where it cannot be checked) reads NaN, never a
    clamped class.
    """
    valid = target != ignore_index
    safe = jnp.where(valid, target, jnp.zeros_like(target))
    picked = jnp.take_along_axis(logp, safe[:, None], axis=1)[:, 0]
    return picked, valid


def _nll(
    logp: jax.Array,
    target: jax.Array,
    weight: jax.Array | None,
    ignore_index: int,
    reduction: str,
) -> tuple[jax.Array, jax.Array]:
    """The weighted NLL of batched log-probabilities; also returns the target weights."""
    picked, valid = _pick(logp, target, ignore_index)
    if weight is None:
        w = valid.astype(logp.dtype)
    else:
        safe = jnp.where(valid, target, jnp.zeros_like(target))
        w = jnp.where(valid, jnp.take(weight, safe, mode="fill"), jnp.zeros((), logp.dtype))
    loss = jnp.where(valid, -picked * w, jnp.zeros((), logp.dtype))
    if reduction == "mean":
        return jnp.sum(loss) / jnp.sum(w), w
    return reduce_loss(loss, reduction), w


@boundary("nll_loss")
def nll_loss(
    input: Any,
    target: Any,
    weight: Any = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> jax.Array:
    """Negative log-likelihood of class indices given log-probabilities.

    ``loss[n] = -weight[c] * input[n, c]`` with ``c = target[n]``; targets equal to
    ``ignore_index`` contribute 0. ``'mean'`` divides by the sum of the weights of the
    non-ignored targets (NaN when all are ignored, as torch).

    Args:
        input: Log-probabilities ``(N, C)``, ``(C,)`` or ``(N, C, d1, ..., dK)``.
        target: Class indices ``(N,)``, ``()`` or ``(N, d1, ..., dK)``, integer.
        weight: Optional per-class weights ``(C,)``.
        size_average: Deprecated (see ``reduction``).
        ignore_index: A target value that is ignored.
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Returns:
        A scalar, or the loss per target element for ``reduction='none'``.

    Raises:
        ShapeError: For mismatched input/target/weight shapes.
        IndexOutOfRangeError: For a class index outside ``[0, C)`` (checked where the
            values are known; under ``jax.jit`` such an index gives NaN).
        DTypeError: For a non-integer target.
        InvalidArgumentError: For an unknown reduction.

    Example:
        >>> nll_loss(jnp.log(jnp.array([[0.5, 0.5], [0.9, 0.1]])), jnp.array([0, 0]))
        Array(0.39925388, dtype=float32)
    """
    op = "nll_loss"
    reduction = reduction_arg(op, reduction, size_average, reduce)
    x = floating(op, "input", input)
    t = integer(op, "target", target)
    xb, tb, unbatched = _batched(op, x, t)
    n_classes = xb.shape[1]
    w = _class_weight(op, weight, n_classes)
    _check_classes(op, t, n_classes, ignore_index)
    dtype = compute_dtype(xb, w)
    loss, _ = _nll(xb.astype(dtype), tb, cast(w, dtype), ignore_index, reduction)
    if unbatched and reduction == "none":
        loss = loss[0]
    return loss.astype(result_dtype(x, w))


def _smoothing(
    logp: jax.Array,
    target: jax.Array,
    weight: jax.Array | None,
    target_weight: jax.Array,
    ignore_index: int,
    reduction: str,
) -> jax.Array:
    """The label-smoothing term ``-sum_c weight[c] * logp[c]`` per element, reduced like NLL."""
    if weight is None:
        per = -jnp.sum(logp, axis=1)
    else:
        shape = (1, -1) + (1,) * (logp.ndim - 2)
        per = -jnp.sum(logp * weight.reshape(shape), axis=1)
    per = jnp.where(target != ignore_index, per, jnp.zeros((), logp.dtype))
    if reduction == "mean":
        return jnp.sum(per) / jnp.sum(target_weight)
    return reduce_loss(per, reduction)


def _cross_entropy_probs(
    x: jax.Array, t: jax.Array, weight: jax.Array | None, reduction: str, smoothing: float
) -> jax.Array:
    """Cross entropy with class-probability targets (class axis 1 after batching)."""
    n_classes = x.shape[1]
    logp = jax.nn.log_softmax(x, axis=1)
    if smoothing > 0:
        t = t * (1 - smoothing) + smoothing / n_classes
    prod = logp * t
    if weight is not None:
        prod = prod * weight.reshape((1, -1) + (1,) * (x.ndim - 2))
    per = -jnp.sum(prod, axis=1)
    if reduction == "mean":
        return jnp.sum(per) / (x.size // n_classes) if x.size else jnp.full((), jnp.nan, x.dtype)
    return reduce_loss(per, reduction)


@boundary("cross_entropy")
def cross_entropy(
    input: Any,
    target: Any,
    weight: Any = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> jax.Array:
    """Cross entropy between logits and class indices or class probabilities.

    Computed as :func:`nll_loss` of ``log_softmax(input, dim=1)`` (log-sum-exp, so finite
    for any finite logits). With class indices, ``label_smoothing = e`` gives
    ``(1 - e) * nll + e / C * sum_c -weight[c] * log_softmax[c]``, each part reduced as
    NLL (``'mean'`` divides by the weights of the non-ignored targets). A floating
    ``target`` of ``input``'s shape holds class probabilities: the loss is
    ``-sum_c weight[c] * target[c] * log_softmax[c]`` and ``'mean'`` divides by the number of
    elements without the class axis.

    Args:
        input: Logits ``(N, C)``, ``(C,)`` or ``(N, C, d1, ..., dK)``.
        target: Class indices (integer, shaped as for :func:`nll_loss`) or probabilities
            (floating, ``input``'s shape).
        weight: Optional per-class weights ``(C,)``.
        size_average: Deprecated (see ``reduction``).
        ignore_index: A class index that is ignored (index targets only).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.
        label_smoothing: In ``[0, 1]``.

    Returns:
        A scalar, or the loss per element (without the class axis) for ``reduction='none'``.

    Raises:
        ShapeError: For mismatched input/target/weight shapes.
        IndexOutOfRangeError: For a class index outside ``[0, C)`` (checked where known).
        InvalidArgumentError: For ``label_smoothing`` outside ``[0, 1]`` or an unknown
            reduction.

    Example:
        >>> cross_entropy(jnp.array([[2.0, 0.0], [0.0, 2.0]]), jnp.array([0, 1]))
        Array(0.12692805, dtype=float32)
    """
    op = "cross_entropy"
    reduction = reduction_arg(op, reduction, size_average, reduce)
    if not 0.0 <= label_smoothing <= 1.0:
        raise InvalidArgumentError(
            f"{op}: label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}"
        )
    x = floating(op, "input", input)
    t = as_array(op, "target", target)
    if x.ndim < 1:
        raise ShapeError(f"{op}: Expected 1 or more dimensions (got {x.ndim})")
    if _dtypes.category(t.dtype) == 2:
        if t.shape != x.shape:
            raise ShapeError(
                f"{op}: a floating target holds class probabilities and must have the input's "
                f"shape (input shape {x.shape}, target shape {t.shape}); class indices must be "
                "an integer array"
            )
        unbatched = x.ndim == 1
        xb, tb = (x[None], t[None]) if unbatched else (x, t)
        w = _class_weight(op, weight, xb.shape[1])
        dtype = compute_dtype(xb, tb, w)
        loss = _cross_entropy_probs(
            xb.astype(dtype), tb.astype(dtype), cast(w, dtype), reduction, label_smoothing
        )
        if unbatched and reduction == "none":
            loss = loss[0]
        return loss.astype(result_dtype(x, t, w))
    t = integer(op, "target", t)
    xb, tb, unbatched = _batched(op, x, t)
    n_classes = xb.shape[1]
    w = _class_weight(op, weight, n_classes)
    _check_classes(op, t, n_classes, ignore_index)
    dtype = compute_dtype(xb, w)
    w = cast(w, dtype)
    logp = jax.nn.log_softmax(xb.astype(dtype), axis=1)
    loss, tw = _nll(logp, tb, w, ignore_index, reduction)
    if label_smoothing > 0:
        smooth = _smoothing(logp, tb, w, tw, ignore_index, reduction)
        loss = (1 - label_smoothing) * loss + smooth * (label_smoothing / n_classes)
    if unbatched and reduction == "none":
        loss = loss[0]
    return loss.astype(result_dtype(x, w))


# --------------------------------------------------------------------------------------------
# Binary cross entropy.
# --------------------------------------------------------------------------------------------


@jax.custom_jvp
def _bce(x: jax.Array, t: jax.Array) -> jax.Array:
    log_x = jnp.maximum(jnp.log(x), _LOG_FLOOR)
    log_1mx = jnp.maximum(jnp.log1p(-x), _LOG_FLOOR)
    return -(t * log_x + (1 - t) * log_1mx)


@_bce.defjvp
def _bce_jvp(primals: tuple[jax.Array, ...], tangents: tuple[jax.Array, ...]) -> Any:
    # torch's derivatives: d/dx = (x - t) / max(x * (1 - x), 1e-12) (finite at x = 0 and 1),
    # d/dt = log(1 - x) - log(x) with the logs not floored (infinite at x = 0 and 1).
    x, t = primals
    dx, dt = tangents
    log_x, log_1mx = jnp.log(x), jnp.log1p(-x)
    floor = jnp.asarray(_LOG_FLOOR, x.dtype)
    out = -(t * jnp.maximum(log_x, floor) + (1 - t) * jnp.maximum(log_1mx, floor))
    gx = (x - t) / jnp.maximum(x * (1 - x), _BCE_EPS)
    return out, gx * dx + (log_1mx - log_x) * dt


@boundary("binary_cross_entropy")
def binary_cross_entropy(
    input: Any,
    target: Any,
    weight: Any = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> jax.Array:
    """Binary cross entropy of probabilities: ``-w * (t * log(x) + (1 - t) * log(1 - x))``.

    As torch, each log is clamped to ``>= -100`` (so ``x = 0`` or ``1`` gives a finite
    loss) and the gradient w.r.t. ``input`` is ``w * (x - t) / max(x * (1 - x), 1e-12)``.
    Prefer :func:`binary_cross_entropy_with_logits` on logits.

    Args:
        input: Probabilities in ``[0, 1]``, any shape.
        target: Targets of ``input``'s shape.
        weight: Optional weights broadcastable to ``input``.
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Returns:
        A scalar, or the elementwise loss for ``reduction='none'``.

    Raises:
        ShapeError: If ``target``'s shape differs from ``input``'s (torch: ``ValueError``)
            or ``weight`` does not broadcast.
        InvalidArgumentError: For input values outside ``[0, 1]`` (checked where known), or
            an unknown reduction.

    Example:
        >>> binary_cross_entropy(jnp.array([0.5, 1.0]), jnp.array([1.0, 1.0]))
        Array(0.3465736, dtype=float32)
    """
    op = "binary_cross_entropy"
    reduction = reduction_arg(op, reduction, size_average, reduce)
    x = floating(op, "input", input)
    t = floating(op, "target", target)
    same_shape(op, x, t)
    w = optional_floating(op, "weight", weight)
    if w is not None:
        broadcast_shapes(op, t.shape, w.shape, "target", "weight")
    values = concrete(x)
    if values is not None and values.size and ((values < 0) | (values > 1)).any():
        raise InvalidArgumentError(f"{op}: all elements of input should be between 0 and 1")
    dtype = compute_dtype(x, t, w)
    loss = _bce(x.astype(dtype), t.astype(dtype))
    if w is not None:
        loss = loss * w.astype(dtype)
    return reduce_loss(loss, reduction).astype(result_dtype(x, t, w))


@boundary("binary_cross_entropy_with_logits")
def binary_cross_entropy_with_logits(
    input: Any,
    target: Any,
    weight: Any = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    pos_weight: Any = None,
) -> jax.Array:
    """Binary cross entropy of logits, in the stable log-sum-exp form.

    ``loss = w * ((1 - t) * x + (1 + (pos_weight - 1) * t) * softplus(-x))``, which equals
    ``-w * (pos_weight * t * log(sigmoid(x)) + (1 - t) * log(1 - sigmoid(x)))`` and stays
    finite, with finite gradients, for logits of any magnitude (``softplus(-x)`` is
    ``log(1 + exp(-x))`` computed without overflow).

    Args:
        input: Logits, any shape.
        target: Targets of ``input``'s shape (probabilities, usually 0 or 1).
        weight: Optional weights broadcastable to ``input``.
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.
        pos_weight: Optional weight of the positive term, broadcastable to ``input`` (usually
            ``(C,)``, one per class along the last axis).

    Returns:
        A scalar, or the elementwise loss for ``reduction='none'``.

    Raises:
        ShapeError: If ``target``'s shape differs from ``input``'s (torch: ``ValueError``)
            or a weight does not broadcast.
        InvalidArgumentError: For an unknown reduction.

    Example:
        >>> binary_cross_entropy_with_logits(jnp.array([200.0, -200.0]), jnp.array([1.0, 1.0]))
        Array(100., dtype=float32)
    """
    op = "binary_cross_entropy_with_logits"
    reduction = reduction_arg(op, reduction, size_average, reduce)
    x = floating(op, "input", input)
    t = floating(op, "target", target)
    if x.shape != t.shape:
        raise ShapeError(
            f"{op}: Target size (torch.Size({list(t.shape)})) must be the same as input size "
            f"(torch.Size({list(x.shape)}))"
        )
    w = optional_floating(op, "weight", weight)
    pw = optional_floating(op, "pos_weight", pos_weight)
    for name, a in (("weight", w), ("pos_weight", pw)):
        if a is not None:
            broadcast_shapes(op, x.shape, a.shape, "input", name)
    out = result_dtype(x, t)
    dtype = compute_dtype(x, t, w, pw)
    x, t, w, pw = (cast(a, dtype) for a in (x, t, w, pw))
    softplus_neg = jnp.logaddexp(jnp.zeros((), dtype), -x)
    log_weight = 1 if pw is None else 1 + (pw - 1) * t
    loss = (1 - t) * x + log_weight * softplus_neg
    if w is not None:
        loss = loss * w
    return reduce_loss(loss, reduction).astype(out)


# --------------------------------------------------------------------------------------------
# Soft margins (logistic losses of +-1 targets).
# --------------------------------------------------------------------------------------------


@boundary("soft_margin_loss")
def soft_margin_loss(
    input: Any,
    target: Any,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> jax.Array:
    """Two-class logistic loss ``log(1 + exp(-target * input))`` for targets in ``{1, -1}``.

    Computed as ``softplus(-target * input)``: finite where torch's ``log1p(exp(.))``
    overflows (``|input| > ~88`` in float32).

    Args:
        input: Scores, any shape.
        target: ``1`` or ``-1``, broadcastable to ``input``.
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Returns:
        A scalar, or the elementwise loss for ``reduction='none'``.

    Raises:
        ShapeError: If ``target`` does not broadcast to ``input``.
        InvalidArgumentError: For an unknown reduction.

    Example:
        >>> soft_margin_loss(jnp.array([0.0]), jnp.array([1.0]))
        Array(0.6931472, dtype=float32)
    """
    op = "soft_margin_loss"
    reduction = reduction_arg(op, reduction, size_average, reduce)
    x = floating(op, "input", input)
    t = as_array(op, "target", target)
    broadcast_shapes(op, x.shape, t.shape, "input", "target")
    dtype = compute_dtype(x)
    z = -(t.astype(dtype) * x.astype(dtype))
    loss = jnp.logaddexp(jnp.zeros((), dtype), z)
    return reduce_loss(loss, reduction).astype(result_dtype(x))


@boundary("multilabel_soft_margin_loss")
def multilabel_soft_margin_loss(
    input: Any,
    target: Any,
    weight: Any = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> jax.Array:
    """One-versus-all logistic loss over ``C`` classes, averaged over the classes.

    ``loss[n] = -1/C * sum_c w[c] * (t[n, c] * logsigmoid(x[n, c])
    + (1 - t[n, c]) * logsigmoid(-x[n, c]))``, with stable log-sigmoids.

    Args:
        input: Logits ``(N, C)`` or ``(C,)``.
        target: 0/1 labels (or probabilities), broadcastable to ``input``.
        weight: Optional per-class weights broadcastable to ``input``.
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Returns:
        A scalar, or the per-sample loss ``(N,)`` for ``reduction='none'``.

    Raises:
        ShapeError: If ``target`` or ``weight`` does not broadcast to ``input``.
        InvalidArgumentError: For an unknown reduction.

    Example:
        >>> multilabel_soft_margin_loss(jnp.zeros((1, 2)), jnp.array([[1.0, 0.0]]))
        Array(0.6931472, dtype=float32)
    """
    op = "multilabel_soft_margin_loss"
    reduction = reduction_arg(op, reduction, size_average, reduce)
    x = floating(op, "input", input)
    if x.ndim < 1:
        raise ShapeError(f"{op}: expected an input of shape (N, C) or (C,), got shape {x.shape}")
    t = as_array(op, "target", target)
    w = optional_floating(op, "weight", weight)
    shape = broadcast_shapes(op, x.shape, t.shape, "input", "target")
    if w is not None:
        shape = broadcast_shapes(op, shape, w.shape, "input", "weight")
    dtype = compute_dtype(x, w)
    xc, tc = x.astype(dtype), t.astype(dtype)
    loss = tc * jax.nn.log_sigmoid(xc) + (1 - tc) * jax.nn.log_sigmoid(-xc)
    loss = -loss if w is None else -loss * w.astype(dtype)
    loss = jnp.broadcast_to(loss, shape)
    loss = jnp.sum(loss, axis=-1) / x.shape[-1]
    return reduce_loss(loss, reduction).astype(result_dtype(x, w))


# --------------------------------------------------------------------------------------------
# Hard margins over class indices.
# --------------------------------------------------------------------------------------------


def _margin_input(op: str, input: Any) -> jax.Array:
    """A non-empty ``(C,)`` or ``(N, C)`` input (a 0-d input is one sample of one class)."""
    x = floating(op, "input", input)
    if x.ndim > 2 or (x.ndim >= 1 and x.shape[-1] == 0):
        raise ShapeError(
            f"{op}: Expected non-empty vector or matrix with optional 0-dim batch size, but "
            f"got: {list(x.shape)}"
        )
    return x


@boundary("multi_margin_loss")
def multi_margin_loss(
    input: Any,
    target: Any,
    p: int = 1,
    margin: float = 1.0,
    weight: Any = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> jax.Array:
    """Multi-class hinge loss ``sum_{j != y} w[y] * max(0, margin - x[y] + x[j])**p / C``.

    Args:
        input: Scores ``(N, C)`` or ``(C,)``.
        target: Class indices ``(N,)`` (or ``()``/``(1,)`` for an unbatched input), integer.
        p: ``1`` or ``2``.
        margin: The margin.
        weight: Optional per-class weights ``(C,)``, applied by the target's class.
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Returns:
        A scalar, or the per-sample loss for ``reduction='none'`` (``(N,)``; ``()`` for a
        0-d target).

    Raises:
        InvalidArgumentError: If ``p`` is not 1 or 2, or for an unknown reduction.
        ShapeError: For an empty or 3-d input, a target of the wrong size, or a weight that
            is not ``(C,)``.
        IndexOutOfRangeError: For a class index outside ``[0, C)`` (checked where known).

    Example:
        >>> multi_margin_loss(jnp.array([[0.1, 0.2, 0.4]]), jnp.array([2]))
        Array(0.5, dtype=float32)
    """
    op = "multi_margin_loss"
    reduction = reduction_arg(op, reduction, size_average, reduce)
    if isinstance(p, bool) or p not in (1, 2):
        raise InvalidArgumentError(f"{op}: only p == 1 and p == 2 supported (got p={p})")
    x = _margin_input(op, input)
    t = integer(op, "target", target)
    n_classes = x.shape[-1] if x.ndim else 1
    frames = x.shape[0] if x.ndim == 2 else 1
    if t.ndim > 1 or t.size != frames:
        raise ShapeError(
            f"{op}: inconsistent target size, expected {frames} but got {list(t.shape)} "
            f"(input shape {x.shape})"
        )
    w = optional_floating(op, "weight", weight)
    if w is not None and (w.ndim != 1 or w.shape[0] != n_classes):
        raise ShapeError(
            f"{op}: weight must be one-dimensional with {n_classes} entries, got weight "
            f"shape {w.shape}"
        )
    check_index_bounds(op, t, n_classes, 0, name="target")
    dtype = compute_dtype(x, w)
    x2 = x.astype(dtype).reshape(frames, n_classes)
    t1 = t.reshape(frames)
    x_y = jnp.take_along_axis(x2, t1[:, None], axis=1)
    z = margin - x_y + x2
    h = jnp.where(z > 0, z, jnp.zeros((), dtype))
    if p == 2:
        h = h * h
    if w is not None:
        h = h * jnp.take(w.astype(dtype), t1, mode="fill")[:, None]
    others = jnp.arange(n_classes)[None, :] != t1[:, None]
    loss = jnp.sum(jnp.where(others, h, jnp.zeros((), dtype)), axis=1) / n_classes
    if reduction == "none" and t.ndim == 0:
        loss = loss[0]
    return reduce_loss(loss, reduction).astype(result_dtype(x, w))


@boundary("multilabel_margin_loss")
def multilabel_margin_loss(
    input: Any,
    target: Any,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> jax.Array:
    """Multi-label hinge loss ``sum_{j in Y, k not in Y} max(0, 1 - (x[j] - x[k])) / C``.

    ``target`` lists each sample's classes ``Y`` first, padded with ``-1``: the classes are
    the entries before the first negative one (a class listed twice counts twice, as torch).

    Args:
        input: Scores ``(N, C)`` or ``(C,)``.
        target: Integer array of ``input``'s shape, entries in ``[-1, C)``.
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Returns:
        A scalar, or the per-sample loss for ``reduction='none'`` (``(N,)``, or ``()`` for an
        unbatched input).

    Raises:
        ShapeError: If ``target``'s shape differs from ``input``'s.
        IndexOutOfRangeError: For entries outside ``[-1, C)`` (checked where known).
        InvalidArgumentError: For an unknown reduction.

    Example:
        >>> multilabel_margin_loss(jnp.array([[0.1, 0.2, 0.4, 0.8]]), jnp.array([[3, 0, -1, 1]]))
        Array(0.85, dtype=float32)
    """
    op = "multilabel_margin_loss"
    reduction = reduction_arg(op, reduction, size_average, reduce)
    x = _margin_input(op, input)
    t = integer(op, "target", target)
    if t.shape != x.shape:
        raise ShapeError(
            f"{op}: inconsistent target size: {list(t.shape)} for input of size: {list(x.shape)}"
        )
    n_classes = x.shape[-1] if x.ndim else 1
    values = concrete(t)
    if values is not None and values.size and ((values < -1) | (values >= n_classes)).any():
        bad = values[(values < -1) | (values >= n_classes)].reshape(-1)[0]
        raise IndexOutOfRangeError(
            f"{op}: target {int(bad)} is out of range (expected entries in [-1, {n_classes}))"
        )
    dtype = compute_dtype(x)
    x2 = x.astype(dtype).reshape(-1, n_classes)
    t2 = t.reshape(-1, n_classes)
    listed = jnp.cumprod((t2 >= 0).astype(jnp.int32), axis=1).astype(bool)
    safe = jnp.where(listed, t2, jnp.zeros_like(t2))
    onehot = jax.nn.one_hot(safe, n_classes, dtype=jnp.int32) * listed[..., None]
    is_target = jnp.sum(onehot, axis=1) > 0
    x_y = jnp.take_along_axis(x2, safe, axis=1)
    z = 1 - x_y[:, :, None] + x2[:, None, :]
    mask = listed[:, :, None] & ~is_target[:, None, :]
    h = jnp.where(mask & (z > 0), z, jnp.zeros((), dtype))
    loss = jnp.sum(h, axis=(1, 2)) / n_classes
    if reduction == "none" and x.ndim < 2:
        loss = loss[0]
    return reduce_loss(loss, reduction).astype(result_dtype(x))
