"""A linear layer fused with cross entropy, chunked over the batch so the logits never exist whole.

``linear_cross_entropy(input, linear_weight, target)`` equals
``cross_entropy(linear(input, linear_weight), target)``. With ``options=None`` it is computed
exactly so (the reference path, as torch's). With a :class:`LinearCrossEntropyOptions` the rows
of ``input`` are processed in chunks of ``batch_chunk_size``: a ``lax.map`` over the chunks
whose body (logits of one chunk, then their per-row loss) is rematerialized
(``jax.checkpoint``), so neither the forward nor the backward pass holds more than one
``(batch_chunk_size, C)`` block of logits; the backward recomputes each block's logits and
accumulates the weight gradient across chunks. Being ordinary JAX code, the chunked path
supports every case the reference path does (class probabilities, label smoothing,
K-dimensional ``out_features``) and every transform (``jit``, ``vmap``, ``grad`` of any order,
``jvp``).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from rustorch_fx import _dtypes
from rustorch_fx._boundary import boundary
from rustorch_fx._checks import as_array, is_int
from rustorch_fx.errors import ArgumentTypeError, DTypeError, InvalidArgumentError, ShapeError
from rustorch_fx.losses._classification import _check_classes, _class_weight, cross_entropy
from rustorch_fx.losses._common import (
    compute_dtype,
    floating,
    integer,
    number,
    optional_floating,
    reduction_arg,
    result_dtype,
)
from rustorch_fx.nn import linear

__all__ = ["LinearCrossEntropyOptions", "linear_cross_entropy"]

_ACC_POLICIES = ("auto", "accurate", "balanced", "compact")
# torch's pick for "auto" outside its per-(device, dtype) table.
_AUTO_METHOD = "aspect_ratio:2"
_HALF = (np.dtype(jnp.float16), np.dtype(jnp.bfloat16))
_ACC_DTYPES = (*_HALF, np.dtype(np.float32), np.dtype(np.float64))


def _acc_dtype(value: Any) -> np.dtype | None:
    """``acc_dtype`` as a numpy dtype: a numpy/JAX dtype, or a compat dtype (``to_jax``)."""
    if value is None:
        return None
    try:
        dtype = np.dtype(value.to_jax() if hasattr(value, "to_jax") else value)
    except TypeError:
        dtype = None
    if dtype not in _ACC_DTYPES:
        raise InvalidArgumentError(
            "LinearCrossEntropyOptions: acc_dtype must be one of None, float16, bfloat16, "
            f"float32 or float64, got {value!r}"
        )
    return dtype


@dataclasses.dataclass(frozen=True)
class LinearCrossEntropyOptions:
    """How :func:`linear_cross_entropy` chunks its batch (torch's ``LinearCrossEntropyOptions``).

    Passing an instance (even ``LinearCrossEntropyOptions()``) selects the chunked path, whose
    peak memory holds one ``(batch_chunk_size, C)`` block of logits instead of ``(N, C)``.

    Args:
        allow_retain_graph: Accepted for torch compatibility. The chunked backward here always
            recomputes from the saved inputs, so repeated backward passes work either way.
        batch_chunk_size: Rows per chunk, or ``None`` (one chunk, or the size
            ``chunking_method`` picks). Cannot disagree with ``chunking_method``.
        chunking_method: ``"auto"`` (``"aspect_ratio:2"``), ``"aspect_ratio"``,
            ``"aspect_ratio:N"`` (``N >= 1``: ``N`` times smaller chunks) or ``None`` (use
            ``batch_chunk_size``). ``"aspect_ratio"`` sizes a chunk's logits like the input:
            ``next_pow2(ceil(N / ceil(C / in_features)))`` rows.
        acc_policy: ``"auto"``, ``"accurate"``, ``"balanced"`` or ``"compact"``: validated
            and otherwise without effect (XLA chooses its own buffers).
        acc_dtype: The dtype of the logits matmul's accumulation and of the loss
            computation; ``None`` means float32 for float16/bfloat16 inputs and the input's
            dtype otherwise.

    Raises:
        InvalidArgumentError: For an unknown ``acc_policy`` or ``chunking_method``, a
            non-positive ``batch_chunk_size`` or an unsupported ``acc_dtype``.

    Example:
        >>> LinearCrossEntropyOptions(batch_chunk_size=64).chunk_size(1000, 16, 500)
        64
    """

    allow_retain_graph: bool = False
    batch_chunk_size: int | None = None
    chunking_method: str | None = "auto"
    acc_policy: str = "auto"
    acc_dtype: Any = None

    def __post_init__(self) -> None:
        """Validate the fields as torch does (but with :class:`InvalidArgumentError`)."""
        name = "LinearCrossEntropyOptions"
        if self.acc_policy not in _ACC_POLICIES:
            raise InvalidArgumentError(
                f"{name}: invalid acc_policy {self.acc_policy!r}; expected one of "
                + ", ".join(repr(p) for p in _ACC_POLICIES)
            )
        method = self.chunking_method
        if method is not None and method != "auto":
            base, sep, factor = str(method).partition(":")
            factor = factor if sep else "1"
            if not (base == "aspect_ratio" and factor.isdigit() and int(factor) > 0):
                raise InvalidArgumentError(
                    f"{name}: invalid chunking_method {method!r}; expected 'auto', "
                    "'aspect_ratio', 'aspect_ratio:N' with N >= 1, or None"
                )
        size = self.batch_chunk_size
        if size is not None and not (is_int(size) and not isinstance(size, bool) and size > 0):
            raise InvalidArgumentError(
                f"{name}: batch_chunk_size must be a positive int or None, got {size!r}"
            )
        _acc_dtype(self.acc_dtype)

    def chunk_size(self, num_batches: int, in_features: int, num_classes: int) -> int:
        """The rows per chunk for a problem of this size (torch's resolution of the fields).

        Args:
            num_batches: Rows of the input, ``N``.
            in_features: Features per row.
            num_classes: Logits per row.

        Returns:
            A chunk size in ``[1, max(N, 1)]``.

        Raises:
            InvalidArgumentError: If ``batch_chunk_size`` and ``chunking_method`` are both
                given and pick different sizes.

        Example:
            >>> LinearCrossEntropyOptions().chunk_size(4096, 256, 32768)
            16
        """
        method = self.chunking_method
        if method == "auto":
            method = None if self.batch_chunk_size is not None else _AUTO_METHOD
        size = (
            num_batches
            if self.batch_chunk_size is None
            else min(self.batch_chunk_size, num_batches)
        )
        if method is not None:
            factor = int(method.split(":", 1)[1]) if ":" in method else 1
            per_row = -(-num_classes // max(in_features, 1))
            target = -(-num_batches // max(per_row, 1))
            picked = min((1 << (target - 1).bit_length()) // factor, num_batches)
            if self.batch_chunk_size is not None and self.batch_chunk_size != picked:
                raise InvalidArgumentError(
                    f"LinearCrossEntropyOptions: batch_chunk_size (={self.batch_chunk_size}) "
                    f"and chunking_method ({method!r}) give different chunk sizes "
                    f"({self.batch_chunk_size} vs {picked}); pass only one"
                )
            size = picked
        return max(1, size)


def _check_target_shape(
    op: str, t: jax.Array, batch: tuple[int, ...], n_classes: int, out: tuple[int, ...]
) -> bool:
    """Whether ``t`` holds probabilities; raise :class:`ShapeError` for any other bad shape."""
    probs_shape = (*batch, n_classes, *out)
    if t.shape == probs_shape:
        return True
    index_shape = (*batch, *out)
    if t.shape != index_shape:
        raise ShapeError(
            f"{op}: expected a target of shape {index_shape} (class indices) or "
            f"{probs_shape} (class probabilities) for input batch {batch}, {n_classes} classes "
            f"and out_features {out}, got target shape {t.shape}"
        )
    return False


def _chunked_losses(
    x: jax.Array,
    w2: jax.Array,
    b2: jax.Array | None,
    t: jax.Array,
    cw: jax.Array | None,
    *,
    shape: tuple[int, ...],
    ignore_index: int,
    label_smoothing: float,
    acc: np.dtype,
    chunk: int,
) -> jax.Array:
    """Per-element losses ``(N, *out)``, computed ``chunk`` rows at a time with remat."""

    @jax.checkpoint
    def block(xc: jax.Array, tc: jax.Array, w: jax.Array, b: Any, c: Any) -> jax.Array:
        logits = jnp.matmul(xc, w.T, preferred_element_type=acc)
        if b is not None:
            logits = logits + b.astype(acc)
        logits = logits.reshape((xc.shape[0], *shape))
        return cross_entropy(
            logits,
            tc,
            weight=c,
            ignore_index=ignore_index,
            reduction="none",
            label_smoothing=label_smoothing,
        )

    n = x.shape[0]
    whole = n // chunk * chunk
    pieces = []
    if whole:
        xs = x[:whole].reshape((n // chunk, chunk, x.shape[1]))
        ts = t[:whole].reshape((n // chunk, chunk, *t.shape[1:]))
        losses = jax.lax.map(lambda xt: block(xt[0], xt[1], w2, b2, cw), (xs, ts))
        pieces.append(losses.reshape((whole, *losses.shape[2:])))
    if whole < n:
        pieces.append(block(x[whole:], t[whole:], w2, b2, cw))
    return pieces[0] if len(pieces) == 1 else jnp.concatenate(pieces)


@boundary("linear_cross_entropy")
def linear_cross_entropy(
    input: Any,
    linear_weight: Any,
    target: Any,
    *,
    linear_bias: Any = None,
    weight: Any = None,
    reduction: str = "mean",
    ignore_index: int | None = None,
    label_smoothing: float = 0.0,
    options: LinearCrossEntropyOptions | None = None,
) -> jax.Array:
    """Cross entropy of ``linear(input, linear_weight, linear_bias)`` against ``target``.

    The value is that of ``cross_entropy(logits, target, ...)`` with
    ``logits = (input @ linear_weight.reshape(-1, in_features).T + bias).reshape(N, C, *out)``.
    With ``options`` the batch is processed in chunks so that at most one
    ``(batch_chunk_size, C * prod(out))`` block of logits exists at a time, in the forward and
    in the backward pass (which recomputes each block's logits).

    Args:
        input: ``(in_features,)`` or ``(N, in_features)``.
        linear_weight: ``(C, in_features)``, or ``(C, d1, ..., dK, in_features)`` for a
            K-dimensional loss (which needs a batched input).
        target: Class indices ``()``, ``(N,)`` or ``(N, d1, ..., dK)`` (integer), or class
            probabilities of the logits' shape ``(C,)``, ``(N, C)`` or ``(N, C, d1, ..., dK)``.
        linear_bias: Optional bias ``(C, d1, ..., dK)``.
        weight: Optional per-class weights ``(C,)``.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.
        ignore_index: A class index that contributes nothing; ``None`` means ``-100`` for
            index targets and is the only value allowed with probabilities.
        label_smoothing: In ``[0, 1]``.
        options: ``None`` for the reference path, or a :class:`LinearCrossEntropyOptions`
            for the chunked one.

    Returns:
        A scalar, or the loss per target element for ``reduction='none'``, in the dtype of
        the operands (float16/bfloat16 are computed in float32).

    Raises:
        ShapeError: For a 0-d or >2-d input, a weight with fewer than 2 dims, mismatched
            feature sizes, a bias of the wrong shape, a K-dimensional weight with an
            unbatched input, or a target of the wrong shape.
        InvalidArgumentError: For ``ignore_index`` with probability targets,
            ``label_smoothing`` outside ``[0, 1]``, an unknown reduction, or inconsistent
            chunking options.
        IndexOutOfRangeError: For a class index outside ``[0, C)`` (checked where known).
        ArgumentTypeError: For ``options`` of another type or a non-int ``ignore_index``.
        DTypeError: For non-floating input or weights, weights of another dtype than the
            input, or a 64-bit ``acc_dtype`` while JAX's 64-bit mode is off.

    Example:
        >>> x = jnp.array([[1.0, 0.0], [0.0, 1.0]])
        >>> w = jnp.array([[2.0, 0.0], [0.0, 2.0], [0.0, 0.0]])
        >>> linear_cross_entropy(x, w, jnp.array([0, 1]))
        Array(0.23954484, dtype=float32)
    """
    op = "linear_cross_entropy"
    reduction = reduction_arg(op, reduction)
    smoothing = number(op, "label_smoothing", label_smoothing)
    if not 0.0 <= smoothing <= 1.0:
        raise InvalidArgumentError(
            f"{op}: label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}"
        )
    if options is not None and not isinstance(options, LinearCrossEntropyOptions):
        raise ArgumentTypeError(
            f"{op}: options must be a LinearCrossEntropyOptions or None, "
            f"got {type(options).__name__}"
        )
    if ignore_index is not None and (isinstance(ignore_index, bool) or not is_int(ignore_index)):
        raise ArgumentTypeError(
            f"{op}: ignore_index must be an int or None, got {type(ignore_index).__name__}"
        )
    x = floating(op, "input", input)
    w = floating(op, "linear_weight", linear_weight)
    b = optional_floating(op, "linear_bias", linear_bias)
    t = as_array(op, "target", target)
    if x.ndim not in (1, 2):
        raise ShapeError(f"{op}: expected input with dimensionality 1 or 2, got {x.ndim}")
    if w.ndim < 2:
        raise ShapeError(
            f"{op}: expected linear_weight with dimensionality at least 2, got {w.ndim}"
        )
    in_features = x.shape[-1]
    if w.shape[-1] != in_features:
        raise ShapeError(
            f"{op}: expected equal input and linear_weight last dimensions (in_features), "
            f"got {in_features} and {w.shape[-1]}, respectively"
        )
    for name, other in (("linear_weight", w), ("linear_bias", b)):
        if other is not None and other.dtype != x.dtype:
            raise DTypeError(
                f"{op}: {name} has dtype {np.dtype(other.dtype).name}, expected the input's "
                f"dtype {np.dtype(x.dtype).name}"
            )
    n_classes, out = w.shape[0], tuple(w.shape[1:-1])
    if b is not None and b.shape != (n_classes, *out):
        raise ShapeError(
            f"{op}: expected linear_bias shape {(n_classes, *out)}, got {tuple(b.shape)}"
        )
    batch = tuple(x.shape[:-1])
    if out and not batch:
        raise ShapeError(
            f"{op}: K-dimensional loss defined by linear_weight shape {tuple(w.shape)} requires "
            f"batched input, (N, {in_features}), got unbatched input with shape {tuple(x.shape)}"
        )
    probs = _check_target_shape(op, t, batch, n_classes, out)
    if probs and ignore_index is not None:
        raise InvalidArgumentError(
            f"{op}: ignore_index cannot be specified when target contains probabilities"
        )
    index = -100 if ignore_index is None else int(ignore_index)
    width = math.prod(out, start=n_classes)
    w2 = w.reshape((width, in_features))
    b2 = None if b is None else b.reshape((width,))
    if options is None or not batch or batch[0] == 0:
        logits = linear(x, w2, b2).reshape((*batch, n_classes, *out))
        return cross_entropy(
            logits,
            t,
            weight=weight,
            ignore_index=index,
            reduction=reduction,
            label_smoothing=smoothing,
        )

    cw = _class_weight(op, weight, n_classes)
    if not probs:
        t = integer(op, "target", t)
        _check_classes(op, t, n_classes, index)
    elif _dtypes.category(t.dtype) != 2:
        raise ShapeError(
            f"{op}: a target of the logits' shape {t.shape} holds class probabilities and "
            f"must be floating, got {np.dtype(t.dtype).name}"
        )
    requested = _acc_dtype(options.acc_dtype)
    acc = compute_dtype(x, w, b) if requested is None else _dtypes.canonical(op, requested)
    chunk = options.chunk_size(batch[0], in_features, width)
    losses = _chunked_losses(
        x,
        w2,
        b2,
        t,
        None if cw is None else cw.astype(acc),
        shape=(n_classes, *out),
        ignore_index=index,
        label_smoothing=smoothing,
        acc=acc,
        chunk=chunk,
    )
    if reduction == "sum":
        losses = jnp.sum(losses)
    elif reduction == "mean" and probs:
        losses = jnp.mean(losses)
    elif reduction == "mean":
        valid = t != index
        if cw is None:
            total = jnp.sum(valid, dtype=losses.dtype)
        else:
            safe = jnp.where(valid, t, jnp.zeros_like(t))
            picked = jnp.take(cw.astype(losses.dtype), safe, mode="fill")
            total = jnp.sum(jnp.where(valid, picked, jnp.zeros((), losses.dtype)))
        losses = jnp.sum(losses) / total
    return losses.astype(result_dtype(x, w, b, cw))
