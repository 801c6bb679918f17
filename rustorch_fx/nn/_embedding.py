"""Embedding lookups and one-hot encoding with ``torch.nn.functional``'s signatures.

:func:`embedding` looks rows of a ``(num_embeddings, embedding_dim)`` weight up by index. As in
torch, the row at ``padding_idx`` receives no gradient, ``scale_grad_by_freq`` divides each
row's gradient by the number of times it occurs in the batch, and ``max_norm`` renormalises the
looked-up rows whose norm exceeds it. torch does that last part by modifying ``weight`` in place;
here :func:`embedding` returns the renormalised rows (the gradient reaching ``weight`` is
torch's: not scaled) and :func:`embedding_renorm` returns the renormalised weight, which
``compat.nn`` writes back into its parameter.

Indices are checked eagerly when they are concrete (:class:`IndexOutOfRangeError`). Under
``jax.jit`` they cannot be checked; an out-of-range index then looks up a row of NaNs rather
than silently clamping.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from rustorch_fx import _dtypes
from rustorch_fx._boundary import boundary
from rustorch_fx._checks import as_array, check_index_bounds, is_int, is_tracer, require_integer
from rustorch_fx.errors import (
    ArgumentTypeError,
    DTypeError,
    IndexOutOfRangeError,
    InvalidArgumentError,
    ShapeError,
    TracingError,
    UnsupportedError,
)

__all__ = ["embedding", "embedding_bag", "embedding_renorm", "one_hot"]


def _weight(op: str, weight: Any) -> jax.Array:
    w = as_array(op, "weight", weight)
    if w.ndim != 2:
        raise ShapeError(
            f"{op}: 'weight' must be 2-D (num_embeddings, embedding_dim), got shape "
            f"{tuple(w.shape)}"
        )
    if not _dtypes.is_inexact(w.dtype):
        raise DTypeError(f"{op}: expected a floating point weight, got {np.dtype(w.dtype).name}")
    return w


def _indices(op: str, input: Any, size: int) -> jax.Array:
    idx = as_array(op, "input", input)
    require_integer(op, "input", idx)
    check_index_bounds(op, idx, size, 0)
    return idx


def _padding_idx(op: str, padding_idx: Any, size: int) -> int | None:
    if padding_idx is None:
        return None
    if not is_int(padding_idx):
        raise ArgumentTypeError(
            f"{op}: padding_idx must be an int or None, got {type(padding_idx).__name__}"
        )
    if not -size <= padding_idx < size:
        raise InvalidArgumentError(
            f"{op}: Padding_idx must be within num_embeddings: got padding_idx={padding_idx} "
            f"for {size} embeddings"
        )
    return int(padding_idx) % size


def _lookup(w: jax.Array, idx: jax.Array) -> jax.Array:
    """``w[idx]``; an out-of-range index (possible only under a trace) gives a row of NaNs."""
    safe = jnp.where(idx < 0, w.shape[0], idx)
    return jnp.take(w, safe, axis=0, mode="fill", fill_value=jnp.nan)


def _renorm_scale(rows: jax.Array, max_norm: float, norm_type: float) -> jax.Array:
    """Per-row factor ``max_norm / (norm + 1e-7)`` where ``norm > max_norm``, else 1 (torch's)."""
    r = jax.lax.stop_gradient(rows)
    if norm_type == float("inf"):
        norm = jnp.max(jnp.abs(r), axis=-1, keepdims=True)
    elif norm_type == 0:
        norm = jnp.sum(r != 0, axis=-1, keepdims=True).astype(r.dtype)
    else:
        norm = jnp.sum(jnp.abs(r) ** norm_type, axis=-1, keepdims=True) ** (1.0 / norm_type)
    return jnp.where(norm > max_norm, max_norm / (norm + 1e-7), 1.0).astype(r.dtype)


def _check_norm(op: str, max_norm: Any, norm_type: Any) -> tuple[float, float]:
    for name, v in (("max_norm", max_norm), ("norm_type", norm_type)):
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
            raise ArgumentTypeError(f"{op}: {name} must be a number, got {type(v).__name__}")
    return float(max_norm), float(norm_type)


@boundary("embedding_renorm")
def embedding_renorm(weight: Any, input: Any, max_norm: float, norm_type: float = 2.0) -> jax.Array:
    """Return ``weight`` with the rows indexed by ``input`` rescaled to norm at most ``max_norm``.

    A row whose ``norm_type``-norm exceeds ``max_norm`` is multiplied by
    ``max_norm / (norm + 1e-7)``; other rows are unchanged (torch's ``embedding_renorm_``,
    without the mutation). Not differentiated.

    Args:
        weight: ``(num_embeddings, embedding_dim)`` floating array.
        input: Integer array of row indices (any shape).
        max_norm: The largest norm allowed.
        norm_type: The ``p`` of the p-norm.

    Returns:
        The new weight, of the shape and dtype of ``weight``.

    Raises:
        IndexOutOfRangeError: For a concrete index outside ``[0, num_embeddings)``.
        DTypeError: For a non-integer ``input`` or a non-floating ``weight``.
        ShapeError: If ``weight`` is not 2-D.

    Example:
        >>> embedding_renorm(jnp.array([[3.0, 4.0], [0.3, 0.4]]), jnp.array([0, 1]), 1.0)
        Array([[0.6, 0.8],
               [0.3, 0.4]], dtype=float32)
    """
    op = "embedding_renorm"
    w = _weight(op, weight)
    idx = _indices(op, input, w.shape[0]).reshape(-1)
    max_norm, norm_type = _check_norm(op, max_norm, norm_type)
    rows = _lookup(w, idx)
    scaled = rows * _renorm_scale(rows, max_norm, norm_type)
    return jax.lax.stop_gradient(w.at[idx].set(scaled, mode="drop"))


@boundary("embedding")
def embedding(
    input: Any,
    weight: Any,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> jax.Array:
    """Look up rows of ``weight``: ``out[..., :] = weight[input[...], :]``.

    Args:
        input: Integer array of indices in ``[0, num_embeddings)``, any shape.
        weight: ``(num_embeddings, embedding_dim)`` floating array.
        padding_idx: A row (negative counts from the end) that receives no gradient.
        max_norm: If given, looked-up rows with a larger ``norm_type``-norm are rescaled to
            this norm in the output (see the module docstring for torch's in-place update).
        norm_type: The ``p`` of the p-norm for ``max_norm``.
        scale_grad_by_freq: Divide each row's gradient by its count in ``input``.
        sparse: Accepted for torch's signature; gradients are always dense arrays.

    Returns:
        ``(*input.shape, embedding_dim)``, of the dtype of ``weight``.

    Shape:
        - input: ``(*)``, weight: ``(V, D)``, output: ``(*, D)``

    Raises:
        IndexOutOfRangeError: For a concrete index outside ``[0, num_embeddings)``.
        InvalidArgumentError: If ``padding_idx`` is outside ``[-num_embeddings, num_embeddings)``.
        DTypeError: For a non-integer ``input`` or a non-floating ``weight``.
        ShapeError: If ``weight`` is not 2-D.

    Example:
        >>> embedding(jnp.array([[0, 2]]), jnp.arange(6.0).reshape(3, 2))
        Array([[[0., 1.],
                [4., 5.]]], dtype=float32)
    """
    op = "embedding"
    w = _weight(op, weight)
    idx = _indices(op, input, w.shape[0])
    pad = _padding_idx(op, padding_idx, w.shape[0])
    out = _lookup(w, idx)
    if max_norm is not None:
        max_norm, norm_type = _check_norm(op, max_norm, norm_type)
        # torch renormalises the weight in place under no_grad: the value changes, the
        # gradient reaching the weight does not.
        out = out + jax.lax.stop_gradient(out * _renorm_scale(out, max_norm, norm_type) - out)
    if scale_grad_by_freq and idx.size:
        flat = idx.reshape(-1)
        counts = jnp.zeros(w.shape[0], jnp.int32).at[flat].add(1, mode="drop")
        per = jnp.take(counts, flat, mode="fill", fill_value=1).reshape((*idx.shape, 1))
        scale = (1.0 / jnp.maximum(per, 1)).astype(out.dtype)
        # Same value; the gradient is divided by the index's frequency.
        out = jax.lax.stop_gradient(out) + (out - jax.lax.stop_gradient(out)) * scale
    if pad is not None:
        out = jnp.where((idx == pad)[..., None], jax.lax.stop_gradient(out), out)
    return out


def _offsets(op: str, offsets: Any, n: int) -> jax.Array:
    """Validate the bag offsets of a 1-D input (eagerly, when they are concrete)."""
    if offsets is None:
        raise InvalidArgumentError(f"{op}: offsets has to be a 1D Tensor but got None")
    off = as_array(op, "offsets", offsets)
    require_integer(op, "offsets", off)
    if off.ndim != 1:
        raise ShapeError(f"{op}: offsets has to be a 1D Tensor, got shape {tuple(off.shape)}")
    if not is_tracer(off) and off.size:
        values = np.asarray(off)
        if values[0] != 0:
            raise InvalidArgumentError(
                f"{op}: offsets[0] has to be 0, i.e., the first sequence in the mini-batch has "
                f"to start from position 0. However, got {int(values[0])}"
            )
        if values[-1] > n:
            raise InvalidArgumentError(
                f"{op}: offsets[-1] can not be greater than input's length {n} but got "
                f"offsets[-1] of {int(values[-1])}"
            )
        if np.any(np.diff(values) < 0):
            raise InvalidArgumentError(
                f"{op}: offsets must be non-decreasing, got {values.tolist()}"
            )
    return off


def _bags(
    op: str, idx: jax.Array, offsets: Any, psw: Any, include_last_offset: bool
) -> tuple[jax.Array, Any, jax.Array, int]:
    """Flatten the input to 1-D; return it, its weights, the bag of each entry, the bag count."""
    if idx.ndim == 2:
        if offsets is not None:
            raise InvalidArgumentError(
                f"{op}: if input is 2D, then offsets has to be None, as input is treated as a "
                "mini-batch of fixed length sequences"
            )
        b, n = idx.shape
        seg = jnp.repeat(jnp.arange(b, dtype=jnp.int32), n)
        return idx.reshape(-1), None if psw is None else psw.reshape(-1), seg, b
    if idx.ndim != 1:
        raise ShapeError(
            f"{op}: input has to be 1D or 2D Tensor, but got Tensor of dimension {idx.ndim}"
        )
    off = _offsets(op, offsets, idx.shape[0])
    bags = off.shape[0] - (1 if include_last_offset else 0)
    if bags < 0:
        raise InvalidArgumentError(f"{op}: include_last_offset needs at least one offset")
    positions = jnp.arange(idx.shape[0], dtype=off.dtype)
    seg = jnp.searchsorted(off, positions, side="right").astype(jnp.int32) - 1
    if include_last_offset and off.shape[0]:
        seg = jnp.where(positions >= off[-1], bags, seg)  # past the last bag: dropped
    return idx, psw, seg, bags


@boundary("embedding_bag")
def embedding_bag(
    input: Any,
    weight: Any,
    offsets: Any = None,
    max_norm: float | None = None,
    norm_type: float = 2,
    scale_grad_by_freq: bool = False,
    mode: str = "mean",
    sparse: bool = False,
    per_sample_weights: Any = None,
    include_last_offset: bool = False,
    padding_idx: int | None = None,
) -> jax.Array:
    """Sum, average or max-pool bags of embeddings without materialising the lookups per bag.

    A 2-D ``input`` ``(B, N)`` is ``B`` bags of ``N`` indices. A 1-D ``input`` is cut into bags
    at ``offsets`` (bag ``i`` is ``input[offsets[i]:offsets[i + 1]]``, the last one running
    to the end, or to ``offsets[-1]`` with ``include_last_offset``). Entries equal to
    ``padding_idx`` are left out of their bag (and of the mean's count). Empty bags give
    zeros. In ``"max"`` mode the gradient goes to the first maximal entry, as in torch.

    Args:
        input: Integer indices, ``(B, N)`` or ``(L,)``.
        weight: ``(num_embeddings, embedding_dim)`` floating array.
        offsets: ``(B,)`` (or ``(B + 1,)`` with ``include_last_offset``) start of each bag,
            for 1-D input only; non-decreasing, starting at 0.
        max_norm: Renormalise the looked-up rows to at most this norm (see :func:`embedding`).
        norm_type: The ``p`` of the p-norm for ``max_norm``.
        scale_grad_by_freq: Divide each row's gradient by its count in ``input``.
        mode: ``"sum"``, ``"mean"`` or ``"max"``.
        sparse: Accepted for torch's signature; gradients are dense.
        per_sample_weights: Weights of the shape of ``input`` (``"sum"`` mode only).
        include_last_offset: ``offsets`` has one more entry, the end of the last bag.
        padding_idx: An index that is skipped in every bag (negative counts from the end).

    Returns:
        ``(B, embedding_dim)``, of the dtype of ``weight``.

    Shape:
        - input: ``(B, N)`` or ``(L,)``, offsets: ``(B,)``, output: ``(B, D)``

    Raises:
        IndexOutOfRangeError: For a concrete index outside ``[0, num_embeddings)``.
        InvalidArgumentError: For a bad mode, bad offsets, offsets with 2-D input, or
            ``scale_grad_by_freq`` or ``sparse`` in ``"max"`` mode (as torch).
        UnsupportedError: For ``per_sample_weights`` outside ``"sum"`` mode (as torch).
        ShapeError: If ``per_sample_weights`` does not have the shape of ``input``.

    Example:
        >>> w = jnp.arange(8.0).reshape(4, 2)
        >>> embedding_bag(jnp.array([0, 1, 3]), w, jnp.array([0, 2]), mode="sum")
        Array([[2., 4.],
               [6., 7.]], dtype=float32)
    """
    op = "embedding_bag"
    w = _weight(op, weight)
    idx = _indices(op, input, w.shape[0])
    if mode not in ("sum", "mean", "max"):
        raise InvalidArgumentError(f"{op}: mode has to be one of sum, mean or max, got {mode!r}")
    if mode == "max" and scale_grad_by_freq:
        raise InvalidArgumentError(
            f"{op}: max mode does not support scaling the gradient by the frequency"
        )
    if mode == "max" and sparse:
        raise InvalidArgumentError(f"{op}: max mode does not support sparse weights")
    psw = None
    if per_sample_weights is not None:
        psw = as_array(op, "per_sample_weights", per_sample_weights)
        if psw.shape != idx.shape:
            raise ShapeError(
                f"{op}: If per_sample_weights ({tuple(psw.shape)}) is not None, then it must "
                f"have the same shape as the input ({tuple(idx.shape)})"
            )
        if mode != "sum":
            raise UnsupportedError(
                f"{op}: per_sample_weights was not None. per_sample_weights is only supported "
                f"for mode='sum' (got mode='{mode}')"
            )
    pad = _padding_idx(op, padding_idx, w.shape[0])
    flat, psw, seg, bags = _bags(op, idx, offsets, psw, include_last_offset)
    rows = embedding(flat, w, None, max_norm, norm_type, scale_grad_by_freq)
    valid = jnp.ones(flat.shape, bool) if pad is None else flat != pad
    if mode == "max":
        masked = jnp.where(valid[:, None], rows, -jnp.inf)
        best = jax.ops.segment_max(jax.lax.stop_gradient(masked), seg, num_segments=bags)
        # the first entry reaching the maximum receives the gradient (torch's argmax)
        position = jnp.arange(flat.shape[0], dtype=jnp.int32)[:, None]
        hit = (masked == best[jnp.clip(seg, 0, max(bags - 1, 0))]) & valid[:, None]
        first = jax.ops.segment_min(jnp.where(hit, position, flat.shape[0]), seg, num_segments=bags)
        picked = jnp.take_along_axis(rows, jnp.clip(first, 0, max(flat.shape[0] - 1, 0)), axis=0)
        return jnp.where(first < flat.shape[0], picked, jnp.zeros((), rows.dtype))
    scale = valid.astype(rows.dtype)
    if psw is not None:
        scale = scale * psw.astype(rows.dtype)
    total = jax.ops.segment_sum(rows * scale[:, None], seg, num_segments=bags)
    if mode == "sum":
        return total
    count = jax.ops.segment_sum(valid.astype(rows.dtype), seg, num_segments=bags)
    return jnp.where(count[:, None] > 0, total / jnp.maximum(count, 1)[:, None], 0)


@boundary("one_hot")
def one_hot(tensor: Any, num_classes: int = -1, *, dtype: Any = None) -> jax.Array:
    """One-hot encode integer class indices: ``out[..., c] = (tensor[...] == c)``.

    Args:
        tensor: Integer array of class indices, non-negative.
        num_classes: The number of classes; ``-1`` infers ``tensor.max() + 1``, which needs
            concrete values (not available under ``jax.jit``: pass ``num_classes`` there).
        dtype: The result dtype (keyword-only; default int32, the library's index dtype;
            torch's is int64).

    Returns:
        ``(*tensor.shape, num_classes)`` of zeros and ones.

    Raises:
        DTypeError: For a non-integer ``tensor``.
        IndexOutOfRangeError: For a concrete negative class, or one ``>= num_classes``.
        TracingError: For ``num_classes=-1`` under a trace.
        InvalidArgumentError: For ``num_classes < -1``.

    Example:
        >>> one_hot(jnp.array([0, 2]), 3)
        Array([[1, 0, 0],
               [0, 0, 1]], dtype=int32)
    """
    op = "one_hot"
    x = as_array(op, "tensor", tensor)
    if _dtypes.category(x.dtype) != 1:
        raise DTypeError(
            f"{op}: one_hot is only applicable to index tensors (an integer dtype), got "
            f"{np.dtype(x.dtype).name}"
        )
    if not is_int(num_classes):
        raise ArgumentTypeError(
            f"{op}: num_classes must be an int, got {type(num_classes).__name__}"
        )
    out_dtype = _dtypes.resolve(op, dtype, _dtypes.INDEX)
    concrete = not is_tracer(x)
    if num_classes == -1:
        if not concrete:
            raise TracingError(
                f"{op}: num_classes=-1 infers the number of classes from the values, which "
                "are unknown under jax.jit; pass num_classes explicitly"
            )
        if x.size == 0:
            raise InvalidArgumentError(
                f"{op}: Can not infer total number of classes from empty tensor."
            )
        num_classes = int(np.asarray(x).max()) + 1
    elif num_classes < -1:
        raise InvalidArgumentError(f"{op}: num_classes should be -1 or positive, got {num_classes}")
    if concrete and x.size:
        values = np.asarray(x)
        if values.min() < 0:
            raise IndexOutOfRangeError(f"{op}: Class values must be non-negative.")
        if values.max() >= num_classes:
            raise IndexOutOfRangeError(
                f"{op}: Class values must be smaller than num_classes ({num_classes}), got "
                f"{int(values.max())}."
            )
    return (x[..., None] == jnp.arange(num_classes, dtype=x.dtype)).astype(out_dtype)
