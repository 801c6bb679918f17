"""Scaled dot-product attention and multi-head attention with PyTorch's semantics.

:func:`scaled_dot_product_attention` is ``torch.nn.functional.scaled_dot_product_attention``
over jax arrays, with an explicit PRNG ``dropout_key`` (``key`` is the attention input). It has
three implementations, chosen per call from static shapes (see
:func:`scaled_dot_product_attention`):

- ``"math"``: the score matrix ``(..., L, S)`` is materialised, softmaxed and multiplied by
  ``value``; fastest for short sequences.
- ``"blockwise"``: online softmax over blocks of keys (the FlashAttention recurrence) inside a
  ``lax.scan``, with a ``jax.custom_vjp`` whose backward recomputes each block of scores from
  the saved output and row log-sum-exp. Memory grows linearly with the sequence length in the
  forward and the backward (``O(L * block_size)`` per batch and head instead of ``O(L * S)``).
- ``"cudnn"``: ``jax.nn.dot_product_attention(implementation="cudnn")`` on a GPU, for float16 and
  bfloat16 4-D inputs without dropout or ``attn_mask`` (causal or unmasked). cuDNN does not give
  torch's zeros on query rows whose keys are all masked, so explicit masks take another path.

:func:`multi_head_attention_forward` is ``torch.nn.functional.multi_head_attention_forward``:
sequence-first inputs, packed or separate input projections, ``bias_k``/``bias_v``,
``add_zero_attn``, ``key_padding_mask`` and ``attn_mask`` (bool masks: True means *blocked*,
the opposite of :func:`scaled_dot_product_attention`, as in torch).

Dropout masks come from ``dropout_key`` through ``jax.random`` (``dropout_impl="threefry"``, the
default) or XLA's RngBitGenerator (``"rbg"``: the same distribution, several times faster on
CPU). :func:`transformer_encoder_layer` is a whole ``torch.nn.TransformerEncoderLayer`` forward.

Torch's behaviour kept on purpose: a query row whose keys are all masked gives an output of
zeros (and zero gradients) in :func:`scaled_dot_product_attention`, while the attention
weights that :func:`multi_head_attention_forward` returns with ``need_weights=True`` are a
plain softmax, NaN on such rows. ``is_causal`` is top-left aligned (query ``i`` attends key
``j <= i``, whatever ``L`` and ``S``).
"""

from __future__ import annotations

import functools
import math
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from rustorch_fx import _dtypes
from rustorch_fx._boundary import boundary
from rustorch_fx._checks import as_array
from rustorch_fx.errors import ArgumentTypeError, DTypeError, InvalidArgumentError, ShapeError
from rustorch_fx.nn._activation import gelu, relu
from rustorch_fx.nn._dropout import dropout as _dropout
from rustorch_fx.nn._linear import linear
from rustorch_fx.nn._normalization import layer_norm

__all__ = [
    "MultiheadAttentionOutput",
    "causal_mask",
    "multi_head_attention_forward",
    "padding_mask",
    "rotary_embedding",
    "scaled_dot_product_attention",
    "sinusoidal_positional_encoding",
    "transformer_encoder_layer",
]

_SDPA = "scaled_dot_product_attention"
_MHA = "multi_head_attention_forward"

#: Default number of keys per block of the blockwise implementation.
BLOCK_SIZE = 512
#: The automatic choice takes the blockwise implementation from this many scores per head.
BLOCKWISE_MIN_SCORES = 1 << 20

_IMPLEMENTATIONS = (None, "math", "blockwise", "cudnn")


# --------------------------------------------------------------------------------------------
# Validation.
# --------------------------------------------------------------------------------------------


def _float_input(op: str, name: str, x: Any) -> jax.Array:
    a = as_array(op, name, x)
    if _dtypes.category(a.dtype) != 2:
        raise DTypeError(f"{op}: expected a floating point '{name}', got {np.dtype(a.dtype).name}")
    return a


def _check_p(op: str, p: Any) -> float:
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise ArgumentTypeError(f"{op}: dropout_p must be a number, got {type(p).__name__}")
    if not 0.0 <= p <= 1.0:
        raise InvalidArgumentError(
            f"{op}: dropout probability has to be between 0 and 1, but got {p}"
        )
    return float(p)


def _broadcast(op: str, what: str, *shapes: tuple[int, ...]) -> tuple[int, ...]:
    try:
        return tuple(jnp.broadcast_shapes(*shapes))
    except ValueError:
        raise ShapeError(
            f"{op}: {what} shapes {', '.join(str(tuple(s)) for s in shapes)} do not broadcast"
        ) from None


def _compute_dtype(dtype: Any) -> Any:
    """Scores and softmax run in float32 for half-precision inputs."""
    return jnp.float32 if jnp.dtype(dtype).itemsize < 4 else dtype


# --------------------------------------------------------------------------------------------
# The math implementation.
# --------------------------------------------------------------------------------------------


def _safe_softmax(s: jax.Array) -> jax.Array:
    """Softmax over the last axis that gives 0 (not NaN) on rows that are all ``-inf``."""
    m = jax.lax.stop_gradient(jnp.max(s, axis=-1, keepdims=True))
    m = jnp.where(jnp.isneginf(m), 0.0, m)
    e = jnp.exp(s - m)
    denom = jnp.sum(e, axis=-1, keepdims=True)
    return jnp.where(denom > 0, e / jnp.where(denom > 0, denom, 1.0), 0.0)


_DROPOUT_IMPLS = ("threefry", "rbg")


def _rbg_keep(key: Any, p: float, shape: tuple[int, ...]) -> jax.Array:
    """Bernoulli(1 - p) from XLA's RngBitGenerator (ThreeFry), seeded by ``key``'s bits.

    One 32-bit draw per element, kept when ``bits >= round(p * 2**32)``. XLA runs it as one
    native kernel, several times faster on CPU than ``jax.random``'s threefry; it is a
    deterministic function of the key, but under ``jax.vmap`` a batch of keys is not honoured
    key by key (XLA draws the batch from the first), so keys must not be batched.
    """
    if jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
        key = jax.random.key_data(key)
    words = key.ravel().astype(jnp.uint32)
    if words.size < 4:
        words = jnp.concatenate([words, words ^ jnp.uint32(0x9E3779B9)])
    _, bits = jax.lax.rng_bit_generator(
        words[:4], shape, jnp.uint32, algorithm=jax.lax.RandomAlgorithm.RNG_THREE_FRY
    )
    threshold = round(p * 2.0**32)
    if threshold >= 2**32:
        return jnp.zeros(shape, bool)
    return bits >= jnp.uint32(threshold)


def _keep_mask(
    key: Any, j: Any, p: float, shape: tuple[int, ...], impl: str = "threefry"
) -> jax.Array:
    if j is not None:
        key = jax.random.fold_in(key, j)
    if impl == "rbg":
        return _rbg_keep(key, p, shape)
    return jax.random.bernoulli(key, 1.0 - p, shape)


def _check_dropout_impl(op: str, impl: Any) -> str:
    if impl not in _DROPOUT_IMPLS:
        raise InvalidArgumentError(f"{op}: dropout_impl must be 'threefry' or 'rbg', got {impl!r}")
    return impl


def _math(
    q: jax.Array,
    k: jax.Array,
    v: jax.Array,
    bias: jax.Array | None,
    scale: float,
    is_causal: bool,
    dropout_p: float,
    dropout_key: Any,
    impl: str = "threefry",
) -> jax.Array:
    ct = _compute_dtype(q.dtype)
    s = jnp.matmul(q.astype(ct), jnp.swapaxes(k, -1, -2).astype(ct)) * jnp.asarray(scale, ct)
    if bias is not None:
        s = s + bias.astype(ct)
    if is_causal:
        length, src = s.shape[-2:]
        s = jnp.where(jnp.tril(jnp.ones((length, src), bool)), s, -jnp.inf)
    w = _safe_softmax(s)
    if dropout_p > 0.0:
        keep = _keep_mask(dropout_key, None, dropout_p, w.shape, impl)
        w = jnp.where(keep, w / (1.0 - dropout_p), 0.0)
    return jnp.matmul(w, v.astype(ct)).astype(q.dtype)


# --------------------------------------------------------------------------------------------
# The blockwise implementation (online softmax, recomputing backward).
# --------------------------------------------------------------------------------------------


class _Static(NamedTuple):
    scale: float
    is_causal: bool
    src_len: int
    block: int
    dropout_p: float
    has_bias: bool
    rng: str = "threefry"


def _block_scores(st: _Static, q: jax.Array, kj: jax.Array, bj: jax.Array, j: Any) -> jax.Array:
    """Scores of all queries against key block ``j``, ``-inf`` where masked: ``(N, L, bk)``."""
    s = jnp.einsum("nle,nse->nls", q, kj) * jnp.asarray(st.scale, q.dtype)
    if st.has_bias:
        s = s + bj
    kpos = j * st.block + jnp.arange(st.block)
    allowed = (kpos < st.src_len)[None, :]
    if st.is_causal:
        qpos = jnp.arange(q.shape[1])
        allowed = allowed & (kpos[None, :] <= qpos[:, None])
    return jnp.where(allowed[None], s, -jnp.inf)


def _blocks(st: _Static, k: jax.Array, v: jax.Array, bias: jax.Array) -> tuple[jax.Array, ...]:
    """Keys, values and bias split into ``(num_blocks, ..., block, ...)`` for the scan."""
    n, s_len = k.shape[0], k.shape[1]
    nb = -(-s_len // st.block)
    pad = nb * st.block - s_len
    k = jnp.pad(k, ((0, 0), (0, pad), (0, 0)))
    v = jnp.pad(v, ((0, 0), (0, pad), (0, 0)))
    kb = jnp.moveaxis(k.reshape(n, nb, st.block, k.shape[-1]), 1, 0)
    vb = jnp.moveaxis(v.reshape(n, nb, st.block, v.shape[-1]), 1, 0)
    if st.has_bias:
        bias = jnp.pad(bias, ((0, 0), (0, 0), (0, pad)))
        bb = jnp.moveaxis(bias.reshape(*bias.shape[:2], nb, st.block), 2, 0)
    else:
        bb = jnp.zeros((nb, 1, 1, 1), k.dtype)
    return kb, vb, bb


def _blockwise_fwd_impl(
    st: _Static, q: jax.Array, k: jax.Array, v: jax.Array, bias: jax.Array, dkey: Any
) -> tuple[jax.Array, jax.Array]:
    n, length = q.shape[0], q.shape[1]
    kb, vb, bb = _blocks(st, k, v, bias)
    nb = kb.shape[0]

    def step(carry: Any, xs: Any) -> Any:
        m, lsum, acc = carry
        j, kj, vj, bj = xs
        s = _block_scores(st, q, kj, bj, j)
        m_new = jnp.maximum(m, jnp.max(s, axis=-1))
        m_safe = jnp.where(jnp.isneginf(m_new), 0.0, m_new)
        p = jnp.exp(s - m_safe[..., None])
        corr = jnp.exp(m - m_safe)
        lsum = lsum * corr + jnp.sum(p, axis=-1)
        if st.dropout_p > 0.0:
            keep = _keep_mask(dkey, j, st.dropout_p, p.shape, st.rng)
            p = jnp.where(keep, p / (1.0 - st.dropout_p), 0.0)
        acc = acc * corr[..., None] + jnp.einsum("nls,nse->nle", p, vj)
        return (m_new, lsum, acc), None

    init = (
        jnp.full((n, length), -jnp.inf, q.dtype),
        jnp.zeros((n, length), q.dtype),
        jnp.zeros((n, length, v.shape[-1]), q.dtype),
    )
    (m, lsum, acc), _ = jax.lax.scan(step, init, (jnp.arange(nb), kb, vb, bb))
    ok = lsum > 0
    out = jnp.where(ok[..., None], acc / jnp.where(ok, lsum, 1.0)[..., None], 0.0)
    m_safe = jnp.where(jnp.isneginf(m), 0.0, m)
    lse = jnp.where(ok, m_safe + jnp.log(jnp.where(ok, lsum, 1.0)), jnp.inf)
    return out, lse


@functools.partial(jax.custom_vjp, nondiff_argnums=(0,))
def _blockwise(
    st: _Static, q: jax.Array, k: jax.Array, v: jax.Array, bias: jax.Array, dkey: Any
) -> jax.Array:
    return _blockwise_fwd_impl(st, q, k, v, bias, dkey)[0]


def _blockwise_fwd(st: _Static, q: Any, k: Any, v: Any, bias: Any, dkey: Any) -> Any:
    out, lse = _blockwise_fwd_impl(st, q, k, v, bias, dkey)
    return out, (q, k, v, bias, dkey, out, lse)


def _blockwise_bwd(st: _Static, res: Any, dout: Any) -> Any:
    q, k, v, bias, dkey, out, lse = res
    s_len = k.shape[1]
    kb, vb, bb = _blocks(st, k, v, bias)
    nb = kb.shape[0]
    delta = jnp.sum(dout * out, axis=-1)
    scale = jnp.asarray(st.scale, q.dtype)

    def step(dq: Any, xs: Any) -> Any:
        j, kj, vj, bj = xs
        s = _block_scores(st, q, kj, bj, j)
        p = jnp.exp(s - lse[..., None])
        dpd = jnp.einsum("nle,nse->nls", dout, vj)
        if st.dropout_p > 0.0:
            keep = _keep_mask(dkey, j, st.dropout_p, p.shape, st.rng)
            inv = 1.0 / (1.0 - st.dropout_p)
            pd = jnp.where(keep, p * inv, 0.0)
            dp = jnp.where(keep, dpd * inv, 0.0)
        else:
            pd, dp = p, dpd
        dvj = jnp.einsum("nls,nle->nse", pd, dout)
        ds = p * (dp - delta[..., None])
        dq = dq + jnp.einsum("nls,nse->nle", ds, kj) * scale
        dkj = jnp.einsum("nls,nle->nse", ds, q) * scale
        if st.has_bias:
            axes = tuple(a for a in (0, 1) if bj.shape[a] == 1)
            dbj = jnp.sum(ds, axis=axes, keepdims=True) if axes else ds
        else:
            dbj = jnp.zeros((), q.dtype)
        return dq, (dkj, dvj, dbj)

    dq, (dkb, dvb, dbb) = jax.lax.scan(step, jnp.zeros_like(q), (jnp.arange(nb), kb, vb, bb))
    dk = jnp.moveaxis(dkb, 0, 1).reshape(k.shape[0], -1, k.shape[-1])[:, :s_len]
    dv = jnp.moveaxis(dvb, 0, 1).reshape(v.shape[0], -1, v.shape[-1])[:, :s_len]
    if st.has_bias:
        dbias = jnp.moveaxis(dbb, 0, 2).reshape(*bias.shape[:2], -1)[..., :s_len]
    else:
        dbias = jnp.zeros_like(bias)
    return dq, dk, dv, dbias, None


_blockwise.defvjp(_blockwise_fwd, _blockwise_bwd)


def _run_blockwise(
    q: jax.Array,
    k: jax.Array,
    v: jax.Array,
    bias: jax.Array | None,
    scale: float,
    is_causal: bool,
    dropout_p: float,
    dropout_key: Any,
    block: int,
    impl: str = "threefry",
) -> jax.Array:
    """Flatten the batch dims, run :func:`_blockwise`, restore the shape."""
    length, src = q.shape[-2], k.shape[-2]
    batch = _broadcast(_SDPA, "batch", q.shape[:-2], k.shape[:-2], v.shape[:-2])
    n = int(np.prod(batch, dtype=np.int64))
    ct = _compute_dtype(q.dtype)
    qf = jnp.broadcast_to(q, (*batch, *q.shape[-2:])).reshape(n, length, -1).astype(ct)
    kf = jnp.broadcast_to(k, (*batch, *k.shape[-2:])).reshape(n, src, -1).astype(ct)
    vf = jnp.broadcast_to(v, (*batch, *v.shape[-2:])).reshape(n, src, -1).astype(ct)
    if bias is None:
        bf = jnp.zeros((1, 1, 1), ct)
    else:
        bias = bias.reshape((1,) * (len(batch) + 2 - bias.ndim) + bias.shape)
        nb_dim = 1 if all(d == 1 for d in bias.shape[:-2]) else n
        lb_dim = bias.shape[-2]
        bf = jnp.broadcast_to(bias, (*(batch if nb_dim > 1 else bias.shape[:-2]), lb_dim, src))
        bf = bf.reshape(nb_dim, lb_dim, src).astype(ct)
    st = _Static(float(scale), bool(is_causal), src, int(block), dropout_p, bias is not None, impl)
    out = _blockwise(st, qf, kf, vf, bf, dropout_key)
    return out.reshape(*batch, length, v.shape[-1]).astype(q.dtype)


# --------------------------------------------------------------------------------------------
# The public function.
# --------------------------------------------------------------------------------------------


def _choose(
    implementation: str | None,
    q: jax.Array,
    k: jax.Array,
    v: jax.Array,
    mask: jax.Array | None,
    dropout_p: float,
    block: int,
) -> str:
    if implementation is not None:
        return implementation
    length, src = q.shape[-2], k.shape[-2]
    if (
        jax.default_backend() == "gpu"
        and q.ndim == 4
        and q.dtype in (jnp.float16, jnp.bfloat16)
        and k.dtype == q.dtype
        and v.dtype == q.dtype
        and dropout_p == 0.0
        and q.shape[-1] == v.shape[-1]
        and q.shape[-1] % 8 == 0
        and q.shape[-1] <= 128
        and mask is None
    ):
        return "cudnn"
    if length * src >= BLOCKWISE_MIN_SCORES and src > block:
        return "blockwise"
    return "math"


def _cudnn(
    q: jax.Array,
    k: jax.Array,
    v: jax.Array,
    mask: jax.Array | None,
    scale: float,
    is_causal: bool,
) -> jax.Array:
    """``jax.nn.dot_product_attention`` with cuDNN; its layout is ``(B, T, N, H)``."""
    t = functools.partial(jnp.swapaxes, axis1=1, axis2=2)
    if mask is not None:
        mask = jnp.broadcast_to(
            mask.reshape((1,) * (4 - mask.ndim) + mask.shape),
            (
                *_broadcast(_SDPA, "attn_mask", mask.shape[:-2], q.shape[:-2]),
                q.shape[-2],
                k.shape[-2],
            ),
        )
    out = jax.nn.dot_product_attention(
        t(q), t(k), t(v), mask=mask, scale=scale, is_causal=is_causal, implementation="cudnn"
    )
    return t(out)


@boundary(_SDPA)
def scaled_dot_product_attention(
    query: Any,
    key: Any,
    value: Any,
    attn_mask: Any = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    *,
    scale: float | None = None,
    enable_gqa: bool = False,
    dropout_key: Any = None,
    implementation: str | None = None,
    block_size: int = BLOCK_SIZE,
    dropout_impl: str = "threefry",
) -> jax.Array:
    """``softmax(query @ key^T * scale + mask) @ value``, torch's scaled dot-product attention.

    The implementation is chosen from static shapes unless ``implementation`` names one:
    ``"cudnn"`` on a GPU for float16/bfloat16 4-D inputs without dropout or ``attn_mask``, with
    ``head_dim == value_dim``, a multiple of 8 and at most 128; else ``"blockwise"`` when the
    score matrix has at least ``BLOCKWISE_MIN_SCORES`` (2**20) entries per head and
    ``S > block_size``; else ``"math"``. All give the same values and gradients within
    rounding; with dropout, the masks drawn by ``"math"`` and ``"blockwise"`` differ (both
    are Bernoulli(1 - p) from ``dropout_key``).

    Args:
        query: ``(..., L, E)`` floating array.
        key: ``(..., S, E)``, the same dtype.
        value: ``(..., S, Ev)``, the same dtype.
        attn_mask: None, a bool array (True = *attend*) or a float array of ``query``'s dtype
            added to the scores; broadcastable to ``(..., L, S)``. Differentiable when float.
        dropout_p: Dropout probability on the attention weights (torch applies it whenever
            it is positive: pass 0.0 in evaluation).
        is_causal: Mask so that query ``i`` attends keys ``j <= i`` (top-left aligned, as
            torch); ``attn_mask`` must then be None.
        scale: Score scale; default ``1 / sqrt(E)``.
        enable_gqa: Grouped-query attention: ``key``/``value`` may have fewer heads (dim -3)
            than ``query``, a divisor of its head count; each key head serves
            ``Hq / Hkv`` consecutive query heads (torch's ``repeat_interleave``).
        dropout_key: PRNG key for the dropout, required when ``dropout_p > 0``.
        implementation: Force ``"math"``, ``"blockwise"`` or ``"cudnn"`` (None: automatic).
        block_size: Keys per block of the blockwise implementation.
        dropout_impl: How the dropout mask is drawn from ``dropout_key``: ``"threefry"``
            (``jax.random.bernoulli``) or ``"rbg"`` (XLA's RngBitGenerator: the same
            distribution, other masks, several times faster on CPU; under ``jax.vmap`` the
            key must not be batched).

    Returns:
        ``(..., L, Ev)`` in ``query``'s dtype; a row whose keys are all masked gives zeros.

    Raises:
        DTypeError: For non-floating inputs, mixed dtypes, or a mask that is neither bool nor
            of ``query``'s dtype.
        ShapeError: If the inputs have fewer than 2 dims, mismatched feature or sequence
            sizes, batch dims or a mask that do not broadcast, or head counts that GQA cannot
            group.
        InvalidArgumentError: For ``is_causal`` with ``attn_mask``, a bad ``dropout_p``, a
            missing ``dropout_key`` or an unknown ``implementation``.

    Example:
        >>> q = k = v = jnp.ones((2, 4, 8, 16))
        >>> scaled_dot_product_attention(q, k, v, is_causal=True).shape
        (2, 4, 8, 16)
    """
    op = _SDPA
    q = _float_input(op, "query", query)
    k = _float_input(op, "key", key)
    v = _float_input(op, "value", value)
    if not q.dtype == k.dtype == v.dtype:
        raise DTypeError(
            f"{op}: expected query, key and value to have the same dtype, got "
            f"{np.dtype(q.dtype).name}, {np.dtype(k.dtype).name} and {np.dtype(v.dtype).name}"
        )
    if min(q.ndim, k.ndim, v.ndim) < 2:
        raise ShapeError(
            f"{op}: expected query, key and value with at least 2 dims, got shapes "
            f"{q.shape}, {k.shape} and {v.shape}"
        )
    if q.shape[-1] != k.shape[-1]:
        raise ShapeError(
            f"{op}: query has {q.shape[-1]} features, key has {k.shape[-1]} (query shape "
            f"{q.shape}, key shape {k.shape})"
        )
    if k.shape[-2] != v.shape[-2]:
        raise ShapeError(
            f"{op}: key has sequence length {k.shape[-2]}, value has {v.shape[-2]} (key shape "
            f"{k.shape}, value shape {v.shape})"
        )
    if implementation not in _IMPLEMENTATIONS:
        raise InvalidArgumentError(
            f"{op}: implementation must be one of 'math', 'blockwise', 'cudnn' or None, "
            f"got {implementation!r}"
        )
    if isinstance(block_size, bool) or not isinstance(block_size, int) or block_size < 1:
        raise InvalidArgumentError(f"{op}: block_size must be a positive int, got {block_size!r}")
    p = _check_p(op, dropout_p)
    if p > 0.0 and dropout_key is None:
        raise InvalidArgumentError(f"{op}: dropout_p={p} needs a PRNG key: pass dropout_key=")
    rng = _check_dropout_impl(op, dropout_impl)
    if enable_gqa and q.ndim >= 3 and k.ndim >= 3 and v.ndim >= 3:
        k, v = _gqa(op, q, k, v)
    length, src = q.shape[-2], k.shape[-2]
    batch = _broadcast(op, "batch (query, key, value)", q.shape[:-2], k.shape[:-2], v.shape[:-2])
    mask = None
    if attn_mask is not None:
        if is_causal:
            raise InvalidArgumentError(
                f"{op}: explicit attn_mask should not be set when is_causal=True"
            )
        mask = as_array(op, "attn_mask", attn_mask)
        if mask.dtype != jnp.bool_ and mask.dtype != q.dtype:
            raise DTypeError(
                f"{op}: expected attn_mask dtype to be bool or to match query dtype "
                f"{np.dtype(q.dtype).name}, got {np.dtype(mask.dtype).name}"
            )
        _broadcast(op, "attn_mask and scores", mask.shape, (*batch, length, src))
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else float(scale)
    impl = _choose(implementation, q, k, v, mask, p, block_size)
    if impl == "cudnn":
        if p > 0.0:
            raise InvalidArgumentError(f"{op}: the cudnn implementation has no dropout")
        return _cudnn(q, k, v, mask, scale, bool(is_causal))
    bias = None
    if mask is not None:
        ct = _compute_dtype(q.dtype)
        bias = jnp.where(mask, 0.0, -jnp.inf).astype(ct) if mask.dtype == jnp.bool_ else mask
    if impl == "blockwise":
        return _run_blockwise(
            q, k, v, bias, scale, bool(is_causal), p, dropout_key, block_size, rng
        )
    return _math(q, k, v, bias, scale, bool(is_causal), p, dropout_key, rng)


def _gqa(op: str, q: jax.Array, k: jax.Array, v: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Repeat key and value heads (dim -3) to the query's head count."""
    hq = q.shape[-3]
    out = []
    for name, x in (("key", k), ("value", v)):
        h = x.shape[-3]
        if hq % h:
            raise ShapeError(
                f"{op}: with enable_gqa, the number of query heads ({hq}) must be a multiple "
                f"of the number of {name} heads ({h})"
            )
        out.append(jnp.repeat(x, hq // h, axis=-3) if h != hq else x)
    return out[0], out[1]


# --------------------------------------------------------------------------------------------
# Multi-head attention.
# --------------------------------------------------------------------------------------------


class MultiheadAttentionOutput(NamedTuple):
    """What :func:`multi_head_attention_forward` returns.

    Attributes:
        attn_output: ``(L, N, E)`` (``(L, E)`` unbatched).
        attn_output_weights: ``(N, L, S)`` averaged over heads or ``(N, H, L, S)`` (the
            batch dim dropped when unbatched); None unless ``need_weights``.
    """

    attn_output: jax.Array
    attn_output_weights: jax.Array | None


def _as_float_mask(op: str, name: str, mask: Any, dtype: Any) -> jax.Array | None:
    """Torch's ``_canonical_mask``: bool (True = blocked) becomes ``-inf``/0 of ``dtype``."""
    if mask is None:
        return None
    m = as_array(op, name, mask)
    if m.dtype == jnp.bool_:
        return jnp.where(m, -jnp.inf, 0.0).astype(dtype)
    if _dtypes.category(m.dtype) != 2:
        raise DTypeError(
            f"{op}: only bool and floating types of {name} are supported, "
            f"got {np.dtype(m.dtype).name}"
        )
    return m


def _project(x: jax.Array, w: jax.Array, b: jax.Array | None) -> jax.Array:
    y = jnp.matmul(x, w.T)
    return y if b is None else y + b


def _mha_shapes(
    q: jax.Array, k: jax.Array, v: jax.Array, kpm: Any, attn_mask: Any, num_heads: int
) -> bool:
    """Torch's ``_mha_shape_check``: whether the input is batched."""
    op = _MHA
    if q.ndim not in (2, 3):
        raise ShapeError(
            f"{op}: query should be unbatched 2D or batched 3D, got a {q.ndim}-D query "
            f"of shape {q.shape}"
        )
    if k.ndim != q.ndim or v.ndim != q.ndim:
        raise ShapeError(
            f"{op}: for a {q.ndim}-D query, expected {q.ndim}-D key and value, got shapes "
            f"{k.shape} and {v.shape}"
        )
    if kpm is not None and np.ndim(kpm) != q.ndim - 1:
        raise ShapeError(
            f"{op}: for a {q.ndim}-D query, expected key_padding_mask to be None or "
            f"{q.ndim - 1}-D, got shape {np.shape(kpm)}"
        )
    if attn_mask is not None and np.ndim(attn_mask) not in (2, 3):
        raise ShapeError(
            f"{op}: expected attn_mask to be None, 2-D or 3-D, got shape {np.shape(attn_mask)}"
        )
    return q.ndim == 3


@boundary(_MHA)
def multi_head_attention_forward(
    query: Any,
    key: Any,
    value: Any,
    embed_dim_to_check: int,
    num_heads: int,
    in_proj_weight: Any,
    in_proj_bias: Any,
    bias_k: Any,
    bias_v: Any,
    add_zero_attn: bool,
    dropout_p: float,
    out_proj_weight: Any,
    out_proj_bias: Any,
    training: bool = True,
    key_padding_mask: Any = None,
    need_weights: bool = True,
    attn_mask: Any = None,
    use_separate_proj_weight: bool = False,
    q_proj_weight: Any = None,
    k_proj_weight: Any = None,
    v_proj_weight: Any = None,
    static_k: Any = None,
    static_v: Any = None,
    average_attn_weights: bool = True,
    is_causal: bool = False,
    *,
    dropout_key: Any = None,
    dropout_impl: str = "threefry",
) -> MultiheadAttentionOutput:
    """Multi-head attention with torch's signature, packing and masks (sequence-first).

    Args:
        query: ``(L, N, E)`` or unbatched ``(L, E)``.
        key: ``(S, N, Ek)`` or ``(S, Ek)``.
        value: ``(S, N, Ev)`` or ``(S, Ev)``.
        embed_dim_to_check: ``E``; the query's last dim must equal it.
        num_heads: Number of heads; must divide ``E``.
        in_proj_weight: ``(3E, E)`` packed q/k/v projection (when not
            ``use_separate_proj_weight``).
        in_proj_bias: ``(3E,)`` or None.
        bias_k: ``(1, 1, E)`` appended to the projected keys, or None (with ``bias_v``).
        bias_v: ``(1, 1, E)`` appended to the projected values, or None.
        add_zero_attn: Append a zero key and value (after ``bias_k``/``bias_v``).
        dropout_p: Dropout on the attention weights when ``training``.
        out_proj_weight: ``(E, E)``.
        out_proj_bias: ``(E,)`` or None.
        training: Apply dropout.
        key_padding_mask: ``(N, S)`` (``(S,)`` unbatched); bool True = *ignore* that key, or
            float added to the scores.
        need_weights: Also return the attention weights (computed by an explicit softmax, so
            rows with every key masked are NaN, as torch).
        attn_mask: ``(L, S)`` or ``(N * num_heads, L, S)``; bool True = *blocked*, or float.
        use_separate_proj_weight: Use ``q_proj_weight``, ``k_proj_weight``,
            ``v_proj_weight`` (``(E, E)``, ``(E, Ek)``, ``(E, Ev)``).
        q_proj_weight: See ``use_separate_proj_weight``.
        k_proj_weight: See ``use_separate_proj_weight``.
        v_proj_weight: See ``use_separate_proj_weight``.
        static_k: ``(N * num_heads, S, E / num_heads)`` keys used as they are.
        static_v: ``(N * num_heads, S, E / num_heads)`` values used as they are.
        average_attn_weights: Average the returned weights over heads.
        is_causal: A hint that ``attn_mask`` is the causal mask (which must be given); as in
            torch, without ``key_padding_mask`` and ``need_weights`` the mask itself is then
            ignored and a causal mask used.
        dropout_key: PRNG key, required when ``training`` and ``dropout_p > 0``.
        dropout_impl: How the mask is drawn: ``"threefry"`` or ``"rbg"`` (see
            :func:`scaled_dot_product_attention`).

    Returns:
        A :class:`MultiheadAttentionOutput` ``(attn_output, attn_output_weights)``.

    Raises:
        ShapeError: For inputs, masks, projections or static keys of the wrong shape.
        InvalidArgumentError: For ``is_causal`` without ``attn_mask``, missing weights, or a
            bad ``dropout_p``/missing ``dropout_key``.
        DTypeError: For masks neither bool nor floating.

    Example:
        >>> e, h = 8, 2
        >>> x = jnp.ones((5, 3, e))
        >>> w, b = jnp.ones((3 * e, e)) * 0.1, jnp.zeros(3 * e)
        >>> out, weights = multi_head_attention_forward(
        ...     x, x, x, e, h, w, b, None, None, False, 0.0, jnp.eye(e), None)
        >>> out.shape, weights.shape
        ((5, 3, 8), (3, 5, 5))
    """
    op = _MHA
    q_in = _float_input(op, "query", query)
    k_in = _float_input(op, "key", key)
    v_in = _float_input(op, "value", value)
    batched = _mha_shapes(q_in, k_in, v_in, key_padding_mask, attn_mask, num_heads)
    if not batched:
        q_in, k_in, v_in = q_in[:, None], k_in[:, None], v_in[:, None]
        if key_padding_mask is not None:
            key_padding_mask = as_array(op, "key_padding_mask", key_padding_mask)[None]
    tgt_len, bsz, embed_dim = q_in.shape
    dtype = q_in.dtype
    kpm = _as_float_mask(op, "key_padding_mask", key_padding_mask, dtype)
    if is_causal and attn_mask is None:
        raise InvalidArgumentError(
            f"{op}: need attn_mask if specifying the is_causal hint; you may use "
            "Transformer.generate_square_subsequent_mask to create it"
        )
    if is_causal and kpm is None and not need_weights:
        amask = None
    else:
        amask = _as_float_mask(op, "attn_mask", attn_mask, dtype)
        if kpm is not None:
            is_causal = False
    if embed_dim != embed_dim_to_check:
        raise ShapeError(
            f"{op}: was expecting embedding dimension of {embed_dim_to_check}, but got "
            f"{embed_dim} (query shape {q_in.shape})"
        )
    if num_heads < 1 or embed_dim % num_heads:
        raise ShapeError(f"{op}: embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    head_dim = embed_dim // num_heads
    if k_in.shape[:2] != v_in.shape[:2] or k_in.shape[1] != bsz:
        raise ShapeError(
            f"{op}: key's sequence and batch dims {k_in.shape[:2]} do not match value's "
            f"{v_in.shape[:2]} or the query's batch {bsz}"
        )
    q, k, v = _in_projection(
        q_in, k_in, v_in, in_proj_weight, in_proj_bias, use_separate_proj_weight,
        q_proj_weight, k_proj_weight, v_proj_weight, embed_dim,
    )  # fmt: skip
    src_len = k.shape[0]
    if amask is not None:
        want = (tgt_len, src_len) if amask.ndim == 2 else (bsz * num_heads, tgt_len, src_len)
        if amask.shape != want:
            raise ShapeError(
                f"{op}: the shape of the {amask.ndim}D attn_mask is {amask.shape}, but should "
                f"be {want}"
            )
        if amask.ndim == 2:
            amask = amask[None]
    if (bias_k is None) != (bias_v is None):
        raise InvalidArgumentError(f"{op}: bias_k and bias_v must be given together")
    if bias_k is not None:
        if static_k is not None or static_v is not None:
            raise InvalidArgumentError(f"{op}: bias cannot be added to static key or value")
        k = jnp.concatenate(
            [k, jnp.broadcast_to(as_array(op, "bias_k", bias_k), (1, bsz, embed_dim))]
        )
        v = jnp.concatenate(
            [v, jnp.broadcast_to(as_array(op, "bias_v", bias_v), (1, bsz, embed_dim))]
        )
        amask = None if amask is None else jnp.pad(amask, ((0, 0), (0, 0), (0, 1)))
        kpm = None if kpm is None else jnp.pad(kpm, ((0, 0), (0, 1)))
    # (N * H, T, head_dim), batch-major then head, as torch.
    q = jnp.swapaxes(q.reshape(tgt_len, bsz * num_heads, head_dim), 0, 1)
    k = _heads(op, "static_k", k, static_k, bsz * num_heads, head_dim)
    v = _heads(op, "static_v", v, static_v, bsz * num_heads, head_dim)
    if add_zero_attn:
        zeros = jnp.zeros((bsz * num_heads, 1, head_dim), k.dtype)
        k = jnp.concatenate([k, zeros], axis=1)
        v = jnp.concatenate([v, zeros], axis=1)
        amask = None if amask is None else jnp.pad(amask, ((0, 0), (0, 0), (0, 1)))
        kpm = None if kpm is None else jnp.pad(kpm, ((0, 0), (0, 1)))
    src_len = k.shape[1]
    if kpm is not None:
        if kpm.shape != (bsz, src_len):
            raise ShapeError(
                f"{op}: expected key_padding_mask of shape {(bsz, src_len)}, got {kpm.shape}"
            )
        kpm = jnp.broadcast_to(kpm[:, None, None, :], (bsz, num_heads, 1, src_len))
        kpm = kpm.reshape(bsz * num_heads, 1, src_len)
        amask = kpm if amask is None else amask + kpm
    p = _check_p(op, dropout_p) if training else 0.0
    rng = _check_dropout_impl(op, dropout_impl)
    if p > 0.0 and dropout_key is None:
        raise InvalidArgumentError(f"{op}: dropout_p={p} needs a PRNG key: pass dropout_key=")
    weights = None
    if need_weights:
        s = jnp.matmul(q * math.sqrt(1.0 / head_dim), jnp.swapaxes(k, 1, 2))
        if amask is not None:
            s = s + amask
        w = jax.nn.softmax(s, axis=-1)
        if p > 0.0:
            keep = _keep_mask(dropout_key, None, p, w.shape, rng)
            w = jnp.where(keep, w / (1.0 - p), 0.0)
        attn = jnp.matmul(w, v)
        weights = w.reshape(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = jnp.mean(weights, axis=1)
        if not batched:
            weights = weights[0]
    else:
        if amask is not None:
            amask = (
                amask[None] if amask.shape[0] == 1 else amask.reshape(bsz, num_heads, -1, src_len)
            )
        attn = scaled_dot_product_attention(
            q.reshape(bsz, num_heads, tgt_len, head_dim),
            k.reshape(bsz, num_heads, src_len, head_dim),
            v.reshape(bsz, num_heads, src_len, head_dim),
            amask,
            p,
            bool(is_causal),
            dropout_key=dropout_key,
            dropout_impl=rng,
        ).reshape(bsz * num_heads, tgt_len, head_dim)
    attn = jnp.swapaxes(attn, 0, 1).reshape(tgt_len, bsz, embed_dim)
    out = _project(attn, as_array(op, "out_proj_weight", out_proj_weight), _opt(out_proj_bias))
    if not batched:
        out = out[:, 0]
    return MultiheadAttentionOutput(out, weights)


def _opt(x: Any) -> jax.Array | None:
    return None if x is None else as_array(_MHA, "bias", x)


def _in_projection(
    q: jax.Array,
    k: jax.Array,
    v: jax.Array,
    in_proj_weight: Any,
    in_proj_bias: Any,
    separate: bool,
    q_proj_weight: Any,
    k_proj_weight: Any,
    v_proj_weight: Any,
    e: int,
) -> tuple[jax.Array, jax.Array, jax.Array]:
    """The q, k, v projections from the packed weight or the three separate ones."""
    op = _MHA
    b = _opt(in_proj_bias)
    if b is not None and b.shape != (3 * e,):
        raise ShapeError(f"{op}: expected in_proj_bias of shape {(3 * e,)}, got {b.shape}")
    bq, bk, bv = (None, None, None) if b is None else (b[:e], b[e : 2 * e], b[2 * e :])
    if not separate:
        if in_proj_weight is None:
            raise InvalidArgumentError(
                f"{op}: use_separate_proj_weight is False but in_proj_weight is None"
            )
        if k.shape != v.shape:
            raise ShapeError(f"{op}: key shape {k.shape} does not match value shape {v.shape}")
        w = as_array(op, "in_proj_weight", in_proj_weight)
        if w.shape != (3 * e, e) or k.shape[-1] != e:
            raise ShapeError(
                f"{op}: expected in_proj_weight of shape {(3 * e, e)} and key/value with {e} "
                f"features, got weight shape {w.shape}, key shape {k.shape}"
            )
        wq, wk, wv = w[:e], w[e : 2 * e], w[2 * e :]
    else:
        ws = []
        for name, wt, x in (
            ("q_proj_weight", q_proj_weight, q),
            ("k_proj_weight", k_proj_weight, k),
            ("v_proj_weight", v_proj_weight, v),
        ):
            if wt is None:
                raise InvalidArgumentError(
                    f"{op}: use_separate_proj_weight is True but {name} is None"
                )
            wt = as_array(op, name, wt)
            if wt.shape != (e, x.shape[-1]):
                raise ShapeError(
                    f"{op}: expected {name} of shape {(e, x.shape[-1])}, got {wt.shape}"
                )
            ws.append(wt)
        wq, wk, wv = ws
    return _project(q, wq, bq), _project(k, wk, bk), _project(v, wv, bv)


def _heads(op: str, name: str, x: jax.Array, static: Any, bh: int, head_dim: int) -> jax.Array:
    """``(T, N, E)`` to ``(N * H, T, head_dim)``, or the given static keys/values."""
    if static is None:
        return jnp.swapaxes(x.reshape(x.shape[0], bh, head_dim), 0, 1)
    s = as_array(op, name, static)
    if s.ndim != 3 or s.shape[0] != bh or s.shape[2] != head_dim:
        raise ShapeError(f"{op}: expected {name} of shape ({bh}, S, {head_dim}), got {s.shape}")
    return s


# --------------------------------------------------------------------------------------------
# Positional encodings and masks.
# --------------------------------------------------------------------------------------------


def _positive_int(op: str, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise InvalidArgumentError(f"{op}: {name} must be a non-negative int, got {value!r}")
    return int(value)


@boundary("sinusoidal_positional_encoding")
def sinusoidal_positional_encoding(
    num_positions: int, embedding_dim: int, *, base: float = 10000.0, dtype: Any = jnp.float32
) -> jax.Array:
    """The fixed sinusoidal table of "Attention Is All You Need".

    ``pe[p, 2i] = sin(p / base**(2i / d))`` and ``pe[p, 2i + 1] = cos(p / base**(2i / d))``
    (the layout of PyTorch's Transformer tutorial); an odd ``d`` ends with a sine column.

    Args:
        num_positions: Number of positions ``P``.
        embedding_dim: Embedding size ``d``.
        base: The wavelength base.
        dtype: A floating dtype of the result.

    Returns:
        ``(P, d)`` array.

    Raises:
        InvalidArgumentError: For negative sizes or a non-positive ``base``.

    Example:
        >>> sinusoidal_positional_encoding(4, 6)[0]
        Array([0., 1., 0., 1., 0., 1.], dtype=float32)
    """
    op = "sinusoidal_positional_encoding"
    n = _positive_int(op, "num_positions", num_positions)
    d = _positive_int(op, "embedding_dim", embedding_dim)
    if not base > 0:
        raise InvalidArgumentError(f"{op}: base must be positive, got {base!r}")
    pos = np.arange(n, dtype=np.float64)[:, None]
    inv = np.exp(np.arange(0, d, 2, dtype=np.float64) * (-math.log(base) / max(d, 1)))
    table = np.zeros((n, d), np.float64)
    table[:, 0::2] = np.sin(pos * inv)
    table[:, 1::2] = np.cos(pos * inv[: d // 2])
    return jnp.asarray(table, dtype=dtype)


@boundary("rotary_embedding")
def rotary_embedding(
    x: Any,
    positions: Any = None,
    *,
    base: float = 10000.0,
    interleaved: bool = False,
) -> jax.Array:
    """Rotary position embedding (RoPE): rotate feature pairs by position-dependent angles.

    Pair ``i`` of the last axis (``d / 2`` pairs) at position ``p`` is rotated by the angle
    ``p * base**(-2i / d)``. Pairs are ``(i, i + d/2)`` (the "rotate half" layout of GPT-NeoX
    and LLaMA) or, with ``interleaved=True``, ``(2i, 2i + 1)`` (RoFormer). Applied to queries
    and keys, it makes ``<rope(q, m), rope(k, n)>`` depend on ``m - n`` only.

    Args:
        x: ``(..., T, d)`` floating array, ``d`` even; positions run along axis -2.
        positions: Integer or float positions broadcastable to ``x.shape[:-1]`` (e.g. ``(T,)``
            or ``(N, 1, T)``); default ``arange(T)``.
        base: The wavelength base.
        interleaved: Pair adjacent features instead of the two halves.

    Returns:
        An array shaped and typed like ``x`` (angles computed in float32 or better).

    Raises:
        ShapeError: If ``x`` has fewer than 2 dims, an odd last dim, or positions that do not
            broadcast.
        DTypeError: For a non-floating ``x``.

    Example:
        >>> q = jnp.ones((2, 4, 10, 8))  # (N, H, T, head_dim)
        >>> rotary_embedding(q).shape
        (2, 4, 10, 8)
    """
    op = "rotary_embedding"
    a = _float_input(op, "x", x)
    if a.ndim < 2 or a.shape[-1] % 2:
        raise ShapeError(
            f"{op}: expected x of shape (..., T, d) with an even d, got shape {a.shape}"
        )
    t, d = a.shape[-2], a.shape[-1]
    ct = jnp.promote_types(a.dtype, jnp.float32)
    pos = jnp.arange(t, dtype=ct) if positions is None else as_array(op, "positions", positions)
    _broadcast(op, "positions and x[..., 0]", pos.shape, a.shape[:-1])
    inv = base ** (-jnp.arange(0, d, 2, dtype=ct) / d)
    angles = pos.astype(ct)[..., None] * inv  # (..., T, d/2)
    cos, sin = jnp.cos(angles), jnp.sin(angles)
    xf = a.astype(ct)
    if interleaved:
        x1, x2 = xf[..., 0::2], xf[..., 1::2]
        out = jnp.stack([x1 * cos - x2 * sin, x1 * sin + x2 * cos], axis=-1).reshape(xf.shape)
    else:
        x1, x2 = xf[..., : d // 2], xf[..., d // 2 :]
        out = jnp.concatenate([x1 * cos - x2 * sin, x1 * sin + x2 * cos], axis=-1)
    return out.astype(a.dtype)


@boundary("causal_mask")
def causal_mask(query_len: int, key_len: int | None = None) -> jax.Array:
    """The bool causal mask in :func:`scaled_dot_product_attention`'s convention (True = attend).

    Query ``i`` attends keys ``j <= i`` (top-left aligned, as ``is_causal``). For
    ``MultiheadAttention`` and the Transformer modules (True = *blocked*) pass its negation
    ``~causal_mask(L)``, or ``Transformer.generate_square_subsequent_mask(L)``.

    Args:
        query_len: ``L``.
        key_len: ``S`` (default ``L``).

    Returns:
        ``(L, S)`` bool array.

    Raises:
        InvalidArgumentError: For negative lengths.

    Example:
        >>> causal_mask(3)
        Array([[ True, False, False],
               [ True,  True, False],
               [ True,  True,  True]], dtype=bool)
    """
    n = _positive_int("causal_mask", "query_len", query_len)
    s = n if key_len is None else _positive_int("causal_mask", "key_len", key_len)
    return jnp.asarray(np.tril(np.ones((n, s), bool)))


@boundary("padding_mask")
def padding_mask(lengths: Any, max_len: int) -> jax.Array:
    """A key padding mask in ``MultiheadAttention``'s convention: True marks *padding*.

    Args:
        lengths: ``(N,)`` integer array of valid lengths.
        max_len: Padded length ``S``.

    Returns:
        ``(N, S)`` bool array, True at positions ``>= lengths[n]``. Its negation
        ``~padding_mask(...)[:, None, None, :]`` is a mask for
        :func:`scaled_dot_product_attention`.

    Raises:
        DTypeError: If ``lengths`` is not an integer array.
        ShapeError: If ``lengths`` is not 1-D.
        InvalidArgumentError: For a negative ``max_len``.

    Example:
        >>> padding_mask(jnp.array([1, 3]), 3)
        Array([[False,  True,  True],
               [False, False, False]], dtype=bool)
    """
    op = "padding_mask"
    s = _positive_int(op, "max_len", max_len)
    lens = as_array(op, "lengths", lengths)
    if _dtypes.category(lens.dtype) != 1:
        raise DTypeError(f"{op}: expected integer lengths, got {np.dtype(lens.dtype).name}")
    if lens.ndim != 1:
        raise ShapeError(f"{op}: expected 1-D lengths, got shape {lens.shape}")
    return jnp.arange(s)[None, :] >= lens[:, None]


# --------------------------------------------------------------------------------------------
# A whole Transformer encoder layer as one function.
# --------------------------------------------------------------------------------------------


@boundary("transformer_encoder_layer")
def transformer_encoder_layer(
    src: Any,
    in_proj_weight: Any,
    in_proj_bias: Any,
    out_proj_weight: Any,
    out_proj_bias: Any,
    linear1_weight: Any,
    linear1_bias: Any,
    linear2_weight: Any,
    linear2_bias: Any,
    norm1_weight: Any,
    norm1_bias: Any,
    norm2_weight: Any,
    norm2_bias: Any,
    src_mask: Any = None,
    src_key_padding_mask: Any = None,
    *,
    num_heads: int,
    activation: str = "relu",
    layer_norm_eps: float = 1e-5,
    norm_first: bool = False,
    batch_first: bool = False,
    is_causal: bool = False,
    dropout: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0),
    dropout_key: Any = None,
    dropout_impl: str = "threefry",
) -> jax.Array:
    """``torch.nn.TransformerEncoderLayer``'s forward as one pure function.

    Post-norm: ``x = norm1(x + sa(x)); x = norm2(x + ff(x))``; pre-norm (``norm_first``):
    ``x = x + sa(norm1(x)); x = x + ff(norm2(x))``, with
    ``sa(x) = dropout1(mha(x, x, x))`` and ``ff(x) = dropout2(linear2(dropout(act(linear1(x)))))``.
    Parameters have the layouts (and the ``state_dict`` names, with ``.`` as ``_``) of torch's
    layer; any bias may be None (``bias=False``).

    Args:
        src: ``(S, N, E)``, ``(N, S, E)`` with ``batch_first``, or unbatched ``(S, E)``.
        in_proj_weight: ``(3E, E)``.
        in_proj_bias: ``(3E,)`` or None.
        out_proj_weight: ``(E, E)``.
        out_proj_bias: ``(E,)`` or None.
        linear1_weight: ``(F, E)``.
        linear1_bias: ``(F,)`` or None.
        linear2_weight: ``(E, F)``.
        linear2_bias: ``(E,)`` or None.
        norm1_weight: ``(E,)``.
        norm1_bias: ``(E,)`` or None.
        norm2_weight: ``(E,)``.
        norm2_bias: ``(E,)`` or None.
        src_mask: ``(S, S)`` or ``(N * num_heads, S, S)``; bool True = blocked, or float.
        src_key_padding_mask: ``(N, S)``; bool True = padding, or float.
        num_heads: Number of attention heads.
        activation: ``"relu"`` or ``"gelu"`` (exact).
        layer_norm_eps: LayerNorm epsilon.
        norm_first: Pre-norm.
        batch_first: ``src`` is ``(N, S, E)``.
        is_causal: Hint that ``src_mask`` is causal (see :func:`multi_head_attention_forward`).
        dropout: Probabilities of the attention-weight dropout, ``dropout`` (after the
            activation), ``dropout1`` and ``dropout2``; zeros in evaluation.
        dropout_key: PRNG key, required when a probability is positive; it is split into
            four, one per dropout. Or a sequence of four keys (None where the probability is
            0) in the order of ``dropout``, each used as the module of that dropout would use
            it: compat's layer passes the keys its submodules would draw, so its fused path
            draws the same masks as calling the submodules one by one.
        dropout_impl: How every mask is drawn from its key: ``"threefry"``
            (``jax.random``, the masks of :func:`dropout` and
            :func:`scaled_dot_product_attention`) or ``"rbg"`` (XLA's RngBitGenerator: the
            same distribution, other masks, several times faster on CPU; under
            ``jax.vmap`` the keys must not be batched).

    Returns:
        An array shaped like ``src``.

    Raises:
        InvalidArgumentError: For an unknown activation, a missing ``dropout_key``, or a
            sequence of keys that is not four long or lacks the key of a positive probability.
        ShapeError: For inputs, masks or weights of the wrong shape.

    Example:
        >>> e, f = 8, 16
        >>> p = [jnp.ones((3 * e, e)) * 0.1, None, jnp.eye(e), None, jnp.ones((f, e)) * 0.1,
        ...      None, jnp.ones((e, f)) * 0.1, None, jnp.ones(e), None, jnp.ones(e), None]
        >>> transformer_encoder_layer(jnp.ones((5, 2, e)), *p, num_heads=2).shape
        (5, 2, 8)
    """
    op = "transformer_encoder_layer"
    if activation not in ("relu", "gelu"):
        raise InvalidArgumentError(f"{op}: activation should be relu/gelu, not {activation}")
    act = relu if activation == "relu" else gelu
    probs = tuple(float(p) for p in dropout)
    if len(probs) != 4:
        raise InvalidArgumentError(
            f"{op}: dropout must hold 4 probabilities (attention, dropout, dropout1, dropout2), "
            f"got {len(probs)}"
        )
    p_attn, p_ff, p1, p2 = probs
    rng = _check_dropout_impl(op, dropout_impl)
    keys: list[Any] = [None] * 4
    if isinstance(dropout_key, (tuple, list)):
        if len(dropout_key) != 4:
            raise InvalidArgumentError(
                f"{op}: dropout_key as a sequence must hold 4 keys (attention, dropout, "
                f"dropout1, dropout2), got {len(dropout_key)}"
            )
        keys = list(dropout_key)
        names = ("attention", "dropout", "dropout1", "dropout2")
        for name, p, k in zip(names, probs, keys, strict=True):
            if p > 0.0 and k is None:
                raise InvalidArgumentError(
                    f"{op}: dropout probability {p} of {name} needs a PRNG key, got None"
                )
    elif any(p > 0.0 for p in probs):
        if dropout_key is None:
            raise InvalidArgumentError(f"{op}: dropout needs a PRNG key: pass dropout_key=")
        keys = list(jax.random.split(dropout_key, 4))
    x = as_array(op, "src", src)
    e = x.shape[-1]
    swap = batch_first and x.ndim == 3

    def drop(y: jax.Array, p: float, key: Any) -> jax.Array:
        if rng == "threefry" or p == 0.0 or p == 1.0:
            return _dropout(y, p, p > 0.0, key=key)
        keep = _rbg_keep(key, p, y.shape)
        return y * jnp.where(keep, jnp.asarray(1.0 / (1.0 - p), y.dtype), jnp.zeros((), y.dtype))

    def sa(y: jax.Array) -> jax.Array:
        y = jnp.swapaxes(y, 0, 1) if swap else y
        out = multi_head_attention_forward(
            y, y, y, e, num_heads, in_proj_weight, in_proj_bias, None, None, False, p_attn,
            out_proj_weight, out_proj_bias, training=p_attn > 0.0,
            key_padding_mask=src_key_padding_mask, need_weights=False, attn_mask=src_mask,
            is_causal=is_causal, dropout_key=keys[0], dropout_impl=rng,
        ).attn_output  # fmt: skip
        out = jnp.swapaxes(out, 0, 1) if swap else out
        return drop(out, p1, keys[2])

    def ff(y: jax.Array) -> jax.Array:
        h = drop(act(linear(y, linear1_weight, linear1_bias)), p_ff, keys[1])
        return drop(linear(h, linear2_weight, linear2_bias), p2, keys[3])

    def norm(y: jax.Array, w: Any, b: Any) -> jax.Array:
        return layer_norm(y, (e,), w, b, layer_norm_eps)

    if norm_first:
        x = x + sa(norm(x, norm1_weight, norm1_bias))
        return x + ff(norm(x, norm2_weight, norm2_bias))
    x = norm(x + sa(x), norm1_weight, norm1_bias)
    return norm(x + ff(x), norm2_weight, norm2_bias)
