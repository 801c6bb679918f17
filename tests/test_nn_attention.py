"""rustorch_fx attention against torch: scaled_dot_product_attention (math and blockwise paths,
every mask kind, causal, scale, GQA, dropout) and multi_head_attention_forward; values and
gradients of every differentiable input."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import assert_close, randn

from rustorch_fx.errors import DTypeError, InvalidArgumentError, ShapeError
from rustorch_fx.nn import _attention
from rustorch_fx.nn._attention import multi_head_attention_forward, scaled_dot_product_attention

IMPLS = [("math", 512), ("blockwise", 4), ("blockwise", 5)]
IMPL_IDS = ["math", "blockwise4", "blockwise5"]


def _masks(rng: np.random.Generator, kind: str, shape: tuple[int, ...]) -> np.ndarray | None:
    if kind == "none":
        return None
    allowed = rng.random(shape) > 0.4
    if shape[-2] > 2:
        allowed[..., 2, :] = False  # a fully masked query row
    if kind == "bool":
        return allowed
    return np.where(allowed, randn(rng, *shape), -np.inf).astype(np.float32)


def _sdpa_case(rng, kind, mask_shape=(7, 11), batch=(2, 3), kv_heads=None, **kw):
    q = randn(rng, *batch, 7, 8)
    kvb = batch if kv_heads is None else (*batch[:-1], kv_heads)
    k, v = randn(rng, *kvb, 11, 8), randn(rng, *kvb, 11, 5)
    mask = _masks(rng, kind, mask_shape)
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
    tm = None if mask is None else torch.tensor(mask, requires_grad=mask.dtype != np.bool_)
    out = F.scaled_dot_product_attention(tq, tk, tv, attn_mask=tm, **kw)
    cot = randn(rng, *out.shape)
    out.backward(torch.tensor(cot))
    expected = [out, tq.grad, tk.grad, tv.grad]
    if tm is not None and tm.requires_grad:
        expected.append(tm.grad)
    return (q, k, v, mask, cot), expected


def _ours(impl, block, q, k, v, mask, cot, **kw):
    diff_mask = mask is not None and mask.dtype != np.bool_

    def f(q, k, v, m):
        return scaled_dot_product_attention(q, k, v, m, implementation=impl, block_size=block, **kw)

    if diff_mask:
        args = (q, k, v, mask)
    else:
        args = (q, k, v)
        f = functools.partial(f, m=mask)

    @jax.jit
    def value_and_vjp(*args):
        out, vjp = jax.vjp(f, *args)
        return out, vjp(jnp.asarray(cot))

    out, grads = value_and_vjp(*args)
    return [out, *grads]


@pytest.mark.parametrize(("impl", "block"), IMPLS, ids=IMPL_IDS)
@pytest.mark.parametrize("kind", ["none", "bool", "float"])
def test_sdpa_masks_match_torch(impl, block, kind, rng):
    (q, k, v, mask, cot), expected = _sdpa_case(rng, kind)
    got = _ours(impl, block, q, k, v, mask, cot)
    for a, e in zip(got, expected, strict=True):
        assert_close(a, e, rtol=1e-5, atol=2e-6)


@pytest.mark.parametrize(("impl", "block"), IMPLS, ids=IMPL_IDS)
@pytest.mark.parametrize("mask_shape", [(3, 7, 11), (2, 1, 7, 11), (1, 11), (2, 3, 1, 11)])
def test_sdpa_broadcast_masks(impl, block, mask_shape, rng):
    (q, k, v, mask, cot), expected = _sdpa_case(rng, "float", mask_shape=mask_shape)
    got = _ours(impl, block, q, k, v, mask, cot)
    for a, e in zip(got, expected, strict=True):
        assert_close(a, e, rtol=1e-5, atol=2e-6)


@pytest.mark.parametrize(("impl", "block"), IMPLS, ids=IMPL_IDS)
@pytest.mark.parametrize(
    "kw", [{"is_causal": True}, {"scale": 0.3}, {"is_causal": True, "scale": 2.0}]
)
def test_sdpa_causal_and_scale(impl, block, kw, rng):
    (q, k, v, mask, cot), expected = _sdpa_case(rng, "none", **kw)
    got = _ours(impl, block, q, k, v, mask, cot, **kw)
    for a, e in zip(got, expected, strict=True):
        # scale=2 sharpens the softmax: the key gradients' rounding reaches ~3e-6.
        assert_close(a, e, rtol=1e-5, atol=5e-6)


@pytest.mark.parametrize(("impl", "block"), IMPLS, ids=IMPL_IDS)
def test_sdpa_gqa(impl, block, rng):
    kw = {"enable_gqa": True}
    (q, k, v, mask, cot), expected = _sdpa_case(rng, "bool", batch=(2, 6), kv_heads=2, **kw)
    got = _ours(impl, block, q, k, v, mask, cot, **kw)
    for a, e in zip(got, expected, strict=True):
        assert_close(a, e, rtol=1e-5, atol=2e-6)


def test_sdpa_3d_and_unbatched_inputs(rng):
    q, k, v = randn(rng, 4, 6, 8), randn(rng, 4, 9, 8), randn(rng, 4, 9, 8)
    expected = F.scaled_dot_product_attention(*(torch.tensor(a) for a in (q, k, v)))
    assert_close(scaled_dot_product_attention(q, k, v), expected)
    assert_close(
        scaled_dot_product_attention(q, k, v, implementation="blockwise", block_size=4), expected
    )
    expected = F.scaled_dot_product_attention(*(torch.tensor(a[0]) for a in (q, k, v)))
    assert_close(scaled_dot_product_attention(q[0], k[0], v[0]), expected)


def test_blockwise_equals_math_with_long_sequences_and_jit(rng):
    q, k, v = randn(rng, 1, 2, 300, 16), randn(rng, 1, 2, 700, 16), randn(rng, 1, 2, 700, 16)

    def loss(impl):
        def f(q, k, v):
            out = scaled_dot_product_attention(
                q, k, v, is_causal=True, implementation=impl, block_size=128
            )
            return jnp.sum(out * jnp.cos(out))

        return jax.jit(jax.value_and_grad(f, argnums=(0, 1, 2)))(q, k, v)

    (va, ga), (vb, gb) = loss("math"), loss("blockwise")
    assert_close(vb, va, rtol=1e-5, atol=1e-4)
    for a, b in zip(gb, ga, strict=True):
        assert_close(a, b, rtol=1e-4, atol=1e-5)  # sums over 700 keys in another order


def test_blockwise_backward_stores_no_score_matrix():
    """The blockwise vjp saves O(L + S) residuals: no (L, S) array lives in the jaxpr's outputs."""
    length = src = 2048
    q = jnp.zeros((1, 1, length, 8))

    def f(q):
        return scaled_dot_product_attention(q, q, q, implementation="blockwise", block_size=256)

    _, vjp = jax.vjp(f, q)
    residual_sizes = [leaf.size for leaf in jax.tree_util.tree_leaves(vjp)]
    assert max(residual_sizes) < length * src // 16
    jaxpr = jax.make_jaxpr(jax.grad(lambda q: f(q).sum()))(q)
    biggest = max(
        np.prod(v.aval.shape, dtype=np.int64)
        for eqn in jaxpr.jaxpr.eqns
        for v in eqn.outvars
        if hasattr(v.aval, "shape")
    )
    assert biggest < length * src // 4


def test_automatic_choice(monkeypatch):
    q = jnp.zeros((1, 1, 64, 8))
    k = jnp.zeros((1, 1, 600, 8))
    chosen = []
    real = _attention._run_blockwise
    monkeypatch.setattr(
        _attention, "_run_blockwise", lambda *a: chosen.append("blockwise") or real(*a)
    )
    scaled_dot_product_attention(q, k, k)
    assert chosen == []
    monkeypatch.setattr(_attention, "BLOCKWISE_MIN_SCORES", 64 * 600)
    scaled_dot_product_attention(q, k, k)
    assert chosen == (["blockwise"] if jax.default_backend() != "gpu" else chosen)


@pytest.mark.parametrize(
    ("impl", "block", "rng_impl"),
    [("math", 512, "threefry"), ("blockwise", 8, "threefry"), ("math", 512, "rbg"),
     ("blockwise", 8, "rbg")],
    ids=["math", "bw", "math-rbg", "bw-rbg"],
)  # fmt: skip
def test_sdpa_dropout_is_statistical_and_reproducible(impl, block, rng_impl):
    q = jnp.zeros((1, 1, 64, 4))
    v = jnp.ones((1, 1, 64, 4))
    key = jax.random.key(0)
    run = jax.jit(
        lambda q, v, key: scaled_dot_product_attention(
            q,
            q,
            v,
            dropout_p=0.25,
            dropout_key=key,
            implementation=impl,
            block_size=block,
            dropout_impl=rng_impl,
        )
    )
    out = run(q, v, key)
    # uniform weights 1/64: each output is (kept keys) / 64 / 0.75; its mean is 1.
    assert abs(float(out.mean()) - 1.0) < 0.05
    assert float(out.std()) > 0.05
    np.testing.assert_array_equal(out, run(q, v, key))
    assert not np.array_equal(out, run(q, v, jax.random.key(1)))
    g = jax.grad(lambda v: run(q, v, key).sum())(v)
    assert abs(float(g.mean()) - 1.0) < 0.05  # the gradient is the same dropped weights


def test_rbg_keep_mask_rate_keys_and_errors():
    keep = jax.jit(_attention._rbg_keep, static_argnums=(1, 2))
    for key in (jax.random.key(3), jax.random.PRNGKey(3), jax.random.key(3, impl="rbg")):
        m = keep(key, 0.3, (100_000,))
        assert m.dtype == jnp.bool_
        assert abs(float(m.mean()) - 0.7) < 0.01
        np.testing.assert_array_equal(m, keep(key, 0.3, (100_000,)))
    assert not np.array_equal(
        keep(jax.random.key(4), 0.3, (64,)), keep(jax.random.key(5), 0.3, (64,))
    )
    assert not bool(keep(jax.random.key(0), 1.0, (64,)).any())
    assert bool(keep(jax.random.key(0), 0.0, (64,)).all())
    q = jnp.ones((2, 3, 4))
    with pytest.raises(InvalidArgumentError, match="dropout_impl must be 'threefry' or 'rbg'"):
        scaled_dot_product_attention(q, q, q, dropout_impl="philox")


def test_sdpa_half_precision_keeps_dtype(rng):
    q = randn(rng, 2, 5, 8)
    for dt in (jnp.float16, jnp.bfloat16):
        out = scaled_dot_product_attention(q.astype(dt), q.astype(dt), q.astype(dt))
        assert out.dtype == dt
        ref = scaled_dot_product_attention(q, q, q)
        assert_close(np.asarray(out, np.float32), ref, rtol=2e-2, atol=2e-2)


def test_sdpa_errors():
    q = jnp.zeros((2, 3, 4, 8))
    with pytest.raises(ShapeError, match=r"query has 8 features, key has 6"):
        scaled_dot_product_attention(q, jnp.zeros((2, 3, 4, 6)), q)
    with pytest.raises(ShapeError, match=r"key has sequence length 4, value has 5"):
        scaled_dot_product_attention(q, q, jnp.zeros((2, 3, 5, 8)))
    with pytest.raises(InvalidArgumentError, match="should not be set when is_causal"):
        scaled_dot_product_attention(q, q, q, jnp.ones((4, 4), bool), is_causal=True)
    with pytest.raises(DTypeError, match="attn_mask dtype to be bool or to match"):
        scaled_dot_product_attention(q, q, q, jnp.ones((4, 4), jnp.int32))
    with pytest.raises(DTypeError, match="same dtype"):
        scaled_dot_product_attention(q, q.astype(jnp.float16), q)
    with pytest.raises(DTypeError, match="floating point 'query'"):
        scaled_dot_product_attention(jnp.zeros((4, 8), jnp.int32), q, q)
    with pytest.raises(ShapeError, match="do not broadcast"):
        scaled_dot_product_attention(q, q, q, jnp.ones((3, 5), bool))
    with pytest.raises(ShapeError, match=r"multiple of the number of key heads \(2\)"):
        scaled_dot_product_attention(q, q[:, :2], q[:, :2], enable_gqa=True)
    with pytest.raises(ShapeError, match="do not broadcast"):
        scaled_dot_product_attention(q, q[:, :2], q[:, :2])
    with pytest.raises(InvalidArgumentError, match="needs a PRNG key"):
        scaled_dot_product_attention(q, q, q, dropout_p=0.5)
    with pytest.raises(InvalidArgumentError, match="between 0 and 1"):
        scaled_dot_product_attention(q, q, q, dropout_p=1.5)
    with pytest.raises(InvalidArgumentError, match="implementation must be one of"):
        scaled_dot_product_attention(q, q, q, implementation="flash")
    with pytest.raises(ShapeError, match="at least 2 dims"):
        scaled_dot_product_attention(jnp.zeros(8), jnp.zeros(8), jnp.zeros(8))


# --------------------------------------------------------------------------------------------
# multi_head_attention_forward
# --------------------------------------------------------------------------------------------

E, H, L, S, N = 8, 2, 5, 6, 3


def _mha_params(rng, separate=False, kdim=E, vdim=E, bias=True, bias_kv=False):
    p = {
        "out_proj_weight": randn(rng, E, E) * 0.3,
        "out_proj_bias": randn(rng, E) if bias else None,
        "in_proj_bias": randn(rng, 3 * E) if bias else None,
        "bias_k": randn(rng, 1, 1, E) if bias_kv else None,
        "bias_v": randn(rng, 1, 1, E) if bias_kv else None,
    }
    if separate:
        p["q_proj_weight"] = randn(rng, E, E) * 0.3
        p["k_proj_weight"] = randn(rng, E, kdim) * 0.3
        p["v_proj_weight"] = randn(rng, E, vdim) * 0.3
        p["in_proj_weight"] = None
    else:
        p["in_proj_weight"] = randn(rng, 3 * E, E) * 0.3
    return p


def _mha_both(rng, params, inputs, static, masks):
    """Run torch's and ours; compare outputs, weights and the gradient of every array."""
    names = [k for k, v in params.items() if v is not None]
    arrays = {**inputs, **{k: params[k] for k in names}}
    tensors = {k: torch.tensor(v, requires_grad=True) for k, v in arrays.items()}
    tmask = {k: None if v is None else torch.tensor(v) for k, v in masks.items()}
    t_all = {**{k: None for k in params}, **tensors}
    t_out, t_w = F.multi_head_attention_forward(
        t_all["query"], t_all["key"], t_all["value"], E, H, t_all["in_proj_weight"],
        t_all["in_proj_bias"], t_all["bias_k"], t_all["bias_v"], static["add_zero_attn"], 0.0,
        t_all["out_proj_weight"], t_all["out_proj_bias"], training=False,
        use_separate_proj_weight=params.get("q_proj_weight") is not None,
        q_proj_weight=t_all.get("q_proj_weight"), k_proj_weight=t_all.get("k_proj_weight"),
        v_proj_weight=t_all.get("v_proj_weight"), need_weights=static["need_weights"],
        average_attn_weights=static.get("average_attn_weights", True),
        is_causal=static.get("is_causal", False), **tmask,
    )  # fmt: skip
    cot = randn(rng, *t_out.shape)
    t_out.backward(torch.tensor(cot))

    def ours(arrs):
        a = {**{k: None for k in params}, **arrs}
        return multi_head_attention_forward(
            a["query"], a["key"], a["value"], E, H, a["in_proj_weight"], a["in_proj_bias"],
            a["bias_k"], a["bias_v"], static["add_zero_attn"], 0.0, a["out_proj_weight"],
            a["out_proj_bias"], training=False,
            use_separate_proj_weight=params.get("q_proj_weight") is not None,
            q_proj_weight=a.get("q_proj_weight"), k_proj_weight=a.get("k_proj_weight"),
            v_proj_weight=a.get("v_proj_weight"), need_weights=static["need_weights"],
            average_attn_weights=static.get("average_attn_weights", True),
            is_causal=static.get("is_causal", False), **masks,
        )  # fmt: skip

    @jax.jit
    def value_and_vjp(arrays):
        (out, w), vjp = jax.vjp(ours, arrays)
        ct_w = None if w is None else jnp.zeros_like(w)
        return (out, w), vjp(_attention.MultiheadAttentionOutput(jnp.asarray(cot), ct_w))[0]

    (out, w), grads = value_and_vjp(arrays)
    assert_close(out, t_out, atol=2e-6)
    if t_w is None:
        assert w is None
    else:
        assert_close(w, t_w, atol=2e-6)
    for k in arrays:
        assert_close(grads[k], tensors[k].grad, rtol=1e-5, atol=5e-6)


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("mask_kind", ["none", "bool", "float", "3d", "kpm", "both"])
def test_mha_masks_match_torch(mask_kind, need_weights, rng):
    params = _mha_params(rng)
    inputs = {
        "query": randn(rng, L, N, E),
        "key": randn(rng, S, N, E),
        "value": randn(rng, S, N, E),
    }
    masks = {"attn_mask": None, "key_padding_mask": None}
    if mask_kind in ("bool", "both"):
        masks["attn_mask"] = rng.random((L, S)) < 0.3
    if mask_kind == "float":
        masks["attn_mask"] = randn(rng, L, S)
    if mask_kind == "3d":
        masks["attn_mask"] = randn(rng, N * H, L, S)
    if mask_kind in ("kpm", "both"):
        kpm = np.zeros((N, S), bool)
        kpm[0, -2:] = True
        masks["key_padding_mask"] = kpm
    static = {"add_zero_attn": False, "need_weights": need_weights}
    _mha_both(rng, params, inputs, static, masks)


@pytest.mark.parametrize(
    "opts",
    [
        {"separate": True, "kdim": 5, "vdim": 7},
        {"bias": False},
        {"bias_kv": True},
        {"add_zero_attn": True},
        {"bias_kv": True, "add_zero_attn": True, "kpm": True},
        {"average_attn_weights": False},
        {"unbatched": True},
    ],
    ids=str,
)
def test_mha_options_match_torch(opts, rng):
    kdim, vdim = opts.get("kdim", E), opts.get("vdim", E)
    params = _mha_params(
        rng, opts.get("separate", False), kdim, vdim, opts.get("bias", True),
        opts.get("bias_kv", False),
    )  # fmt: skip
    batch = () if opts.get("unbatched") else (N,)
    inputs = {
        "query": randn(rng, L, *batch, E),
        "key": randn(rng, S, *batch, kdim),
        "value": randn(rng, S, *batch, vdim),
    }
    kpm = None
    if opts.get("kpm") or opts.get("unbatched"):
        kpm = np.zeros((*batch, S), bool)
        kpm[..., -1] = True
    masks = {"attn_mask": None, "key_padding_mask": kpm}
    static = {
        "add_zero_attn": opts.get("add_zero_attn", False),
        "need_weights": True,
        "average_attn_weights": opts.get("average_attn_weights", True),
    }
    _mha_both(rng, params, inputs, static, masks)


@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_is_causal_hint(need_weights, rng):
    params = _mha_params(rng)
    inputs = {
        "query": randn(rng, L, N, E),
        "key": randn(rng, L, N, E),
        "value": randn(rng, L, N, E),
    }
    causal = np.triu(np.ones((L, L), bool), 1)
    masks = {"attn_mask": causal, "key_padding_mask": None}
    static = {"add_zero_attn": False, "need_weights": need_weights, "is_causal": True}
    _mha_both(rng, params, inputs, static, masks)


def test_mha_fully_masked_rows_like_torch(rng):
    """need_weights=True is a plain softmax (NaN rows), need_weights=False is SDPA (zeros)."""
    p = _mha_params(rng)
    x = randn(rng, L, N, E)
    kpm = np.zeros((N, L), bool)
    kpm[1] = True
    args = (x, x, x, E, H, p["in_proj_weight"], p["in_proj_bias"], None, None, False, 0.0,
            p["out_proj_weight"], p["out_proj_bias"])  # fmt: skip
    targs = [torch.tensor(a) if isinstance(a, np.ndarray) else a for a in args]
    for need in (True, False):
        out, w = multi_head_attention_forward(
            *args, training=False, key_padding_mask=kpm, need_weights=need
        )
        t_out, t_w = F.multi_head_attention_forward(
            *targs, training=False, key_padding_mask=torch.tensor(kpm), need_weights=need
        )
        assert_close(out, t_out, atol=2e-6)
        if need:
            assert_close(w, t_w)
            assert np.isnan(np.asarray(w[1])).all()


def test_mha_dropout_uses_key(rng):
    p = _mha_params(rng)
    x = randn(rng, L, N, E)
    args = (x, x, x, E, H, p["in_proj_weight"], p["in_proj_bias"], None, None, False, 0.5,
            p["out_proj_weight"], p["out_proj_bias"])  # fmt: skip
    w1 = multi_head_attention_forward(*args, dropout_key=jax.random.key(0)).attn_output_weights
    w2 = multi_head_attention_forward(*args, dropout_key=jax.random.key(1)).attn_output_weights
    assert not np.allclose(w1, w2)
    w3 = multi_head_attention_forward(*args, training=False).attn_output_weights
    assert_close(w3.sum(-1), np.ones((N, L), np.float32))
    with pytest.raises(InvalidArgumentError, match="needs a PRNG key"):
        multi_head_attention_forward(*args)


def test_mha_errors(rng):
    p = _mha_params(rng)
    x = randn(rng, L, N, E)
    w, b, ow, ob = p["in_proj_weight"], p["in_proj_bias"], p["out_proj_weight"], p["out_proj_bias"]

    def call(q=x, k=x, v=x, e=E, h=H, **kw):
        return multi_head_attention_forward(
            q, k, v, e, h, w, b, None, None, False, 0.0, ow, ob, training=False, **kw
        )

    with pytest.raises(ShapeError, match="unbatched 2D or batched 3D"):
        call(q=x[None], k=x[None], v=x[None])
    with pytest.raises(ShapeError, match="expecting embedding dimension of 6, but got 8"):
        call(e=6)
    with pytest.raises(ShapeError, match="embed_dim 8 not divisible by num_heads 3"):
        call(h=3)
    with pytest.raises(ShapeError, match=r"2D attn_mask is \(5, 4\), but should be \(5, 5\)"):
        call(attn_mask=np.zeros((5, 4), bool))
    with pytest.raises(ShapeError, match=r"3D attn_mask is \(2, 5, 5\), but should be \(6, 5, 5\)"):
        call(attn_mask=np.zeros((2, 5, 5), bool))
    with pytest.raises(ShapeError, match=r"key_padding_mask of shape \(3, 5\)"):
        call(key_padding_mask=np.zeros((3, 4), bool))
    with pytest.raises(InvalidArgumentError, match="need attn_mask if specifying the is_causal"):
        call(is_causal=True)
    with pytest.raises(DTypeError, match="only bool and floating types of attn_mask"):
        call(attn_mask=np.zeros((5, 5), np.int32))
    with pytest.raises(ShapeError, match=r"key.s sequence and batch dims \(5, 3\) do not match"):
        call(v=x[:4])


# --------------------------------------------------------------------------------------------
# Positional encodings and masks
# --------------------------------------------------------------------------------------------


def test_sinusoidal_table_matches_torch_tutorial_formula():
    d, n = 6, 9
    position = torch.arange(n).unsqueeze(1)
    div_term = torch.exp(torch.arange(0, d, 2) * (-np.log(10000.0) / d))
    ref = torch.zeros(n, d)
    ref[:, 0::2] = torch.sin(position * div_term)
    ref[:, 1::2] = torch.cos(position * div_term)
    assert_close(_attention.sinusoidal_positional_encoding(n, d), ref, atol=1e-6)
    odd = _attention.sinusoidal_positional_encoding(n, 5)
    assert odd.shape == (9, 5)
    assert_close(odd[:, :4], _attention.sinusoidal_positional_encoding(n, 5)[:, :4])
    assert _attention.sinusoidal_positional_encoding(3, 4, dtype=jnp.bfloat16).dtype == jnp.bfloat16


@pytest.mark.parametrize("interleaved", [False, True])
def test_rotary_properties(interleaved, rng):
    rope = functools.partial(_attention.rotary_embedding, interleaved=interleaved)
    x = randn(rng, 2, 3, 7, 8)
    out = rope(x)
    assert out.shape == x.shape and out.dtype == x.dtype
    # a rotation: norms kept; position 0 unchanged
    assert_close(np.linalg.norm(out, axis=-1), np.linalg.norm(x, axis=-1), atol=1e-5)
    assert_close(out[..., 0, :], x[..., 0, :])
    # relative: <rope(q, m), rope(k, n)> depends only on m - n
    q, k = randn(rng, 8), randn(rng, 8)

    def score(m, n):
        rq = rope(q[None], jnp.array([m]))[0]
        rk = rope(k[None], jnp.array([n]))[0]
        return float(jnp.dot(rq, rk))

    assert abs(score(5, 2) - score(13, 10)) < 1e-4
    assert abs(score(5, 2) - score(3, 2)) > 1e-4
    # explicit positions equal the default arange; offsets shift
    assert_close(rope(x, jnp.arange(7)), out)
    assert_close(rope(x[..., 3:, :], jnp.arange(3, 7)), out[..., 3:, :], atol=1e-6)


def test_rotary_matches_complex_rotation(rng):
    x = randn(rng, 5, 6)
    theta = 10000.0 ** (-np.arange(0, 6, 2) / 6)
    angles = np.arange(5)[:, None] * theta
    z = x[:, 0::2] + 1j * x[:, 1::2]
    rot = z * np.exp(1j * angles)
    ref = np.stack([rot.real, rot.imag], axis=-1).reshape(5, 6).astype(np.float32)
    assert_close(_attention.rotary_embedding(x, interleaved=True), ref, atol=1e-5)
    half = np.concatenate([x[:, 0::2], x[:, 1::2]], axis=-1)
    ref_half = np.concatenate([rot.real, rot.imag], axis=-1).astype(np.float32)
    assert_close(_attention.rotary_embedding(half), ref_half, atol=1e-5)
    # the gradient is the transposed rotation: rotating back recovers the cotangent
    g = jax.grad(lambda a: jnp.sum(_attention.rotary_embedding(a) * half))(half)
    assert_close(np.linalg.norm(g, axis=-1), np.linalg.norm(half, axis=-1), atol=1e-5)


def test_rotary_half_precision_and_errors():
    x = jnp.ones((4, 8), jnp.bfloat16)
    assert _attention.rotary_embedding(x).dtype == jnp.bfloat16
    with pytest.raises(ShapeError, match="even d"):
        _attention.rotary_embedding(jnp.ones((4, 7)))
    with pytest.raises(ShapeError, match="do not broadcast"):
        _attention.rotary_embedding(jnp.ones((4, 8)), jnp.arange(5))
    with pytest.raises(DTypeError, match="floating point 'x'"):
        _attention.rotary_embedding(jnp.ones((4, 8), jnp.int32))


def test_mask_helpers(rng):
    q, k, v = randn(rng, 1, 1, 4, 8), randn(rng, 1, 1, 6, 8), randn(rng, 1, 1, 6, 8)
    m = _attention.causal_mask(4, 6)
    assert m.shape == (4, 6) and m.dtype == jnp.bool_
    assert_close(
        scaled_dot_product_attention(q, k, v, m),
        scaled_dot_product_attention(q, k, v, is_causal=True),
    )
    pm = _attention.padding_mask(jnp.array([2, 0, 3]), 3)
    np.testing.assert_array_equal(
        pm, [[False, False, True], [True, True, True], [False, False, False]]
    )
    with pytest.raises(DTypeError, match="integer lengths"):
        _attention.padding_mask(jnp.array([1.0]), 3)
    with pytest.raises(InvalidArgumentError, match="query_len must be a non-negative int"):
        _attention.causal_mask(-1)


@pytest.mark.parametrize(
    "opts",
    [{}, {"norm_first": True, "activation": "gelu", "batch_first": True}, {"bias": False}],
    ids=str,
)
def test_transformer_encoder_layer_function_matches_torch(opts, rng):
    torch.manual_seed(7)
    layer = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, **opts).eval()
    sd = {k.replace(".", "_"): v.detach().numpy() for k, v in layer.state_dict().items()}
    names = [
        "self_attn_in_proj_weight", "self_attn_in_proj_bias", "self_attn_out_proj_weight",
        "self_attn_out_proj_bias", "linear1_weight", "linear1_bias", "linear2_weight",
        "linear2_bias", "norm1_weight", "norm1_bias", "norm2_weight", "norm2_bias",
    ]  # fmt: skip
    params = [sd.get(n) for n in names]
    x = randn(rng, 3, 5, 8) if opts.get("batch_first") else randn(rng, 5, 3, 8)
    kpm = np.zeros((3, 5), bool)
    kpm[1, -2:] = True
    tx = torch.tensor(x, requires_grad=True)
    ref = layer(tx, src_key_padding_mask=torch.tensor(kpm))
    ref.sum().backward()
    static = {
        "num_heads": 2,
        "activation": opts.get("activation", "relu"),
        "norm_first": opts.get("norm_first", False),
        "batch_first": opts.get("batch_first", False),
    }

    def f(x):
        return _attention.transformer_encoder_layer(x, *params, None, kpm, **static)

    out, grad = jax.jit(lambda x: (f(x), jax.grad(lambda y: f(y).sum())(x)))(x)
    assert_close(out, ref, atol=2e-6)
    assert_close(grad, tx.grad, atol=5e-6)
    with pytest.raises(InvalidArgumentError, match="activation should be relu/gelu, not tanh"):
        _attention.transformer_encoder_layer(x, *params, num_heads=2, activation="tanh")
    with pytest.raises(InvalidArgumentError, match="needs a PRNG key"):
        _attention.transformer_encoder_layer(x, *params, num_heads=2, dropout=(0.1, 0, 0, 0))
    with pytest.raises(InvalidArgumentError, match="must hold 4 keys"):
        _attention.transformer_encoder_layer(
            x, *params, num_heads=2, dropout=(0.1, 0, 0, 0), dropout_key=[jax.random.key(0)]
        )
    with pytest.raises(InvalidArgumentError, match="of dropout1 needs a PRNG key, got None"):
        _attention.transformer_encoder_layer(
            x, *params, num_heads=2, dropout=(0, 0, 0.1, 0), dropout_key=[None] * 4
        )
    with pytest.raises(InvalidArgumentError, match="must hold 4 probabilities"):
        _attention.transformer_encoder_layer(x, *params, num_heads=2, dropout=(0.1, 0.1))
    with pytest.raises(InvalidArgumentError, match="dropout_impl must be"):
        _attention.transformer_encoder_layer(x, *params, num_heads=2, dropout_impl="x")


def test_transformer_encoder_layer_function_keys_and_rbg_dropout(rng):
    """Four keys are used one per dropout; "rbg" masks keep the dropout's values."""
    e, f = 4, 8
    params = [jnp.zeros((3 * e, e)), None, jnp.zeros((e, e)), None, jnp.zeros((f, e)), None,
              jnp.zeros((e, f)), jnp.ones(e), jnp.ones(e), None, jnp.ones(e), None]  # fmt: skip
    x = jnp.zeros((50, 20, e))
    keys = list(jax.random.split(jax.random.key(0), 4))
    static = {"num_heads": 2, "norm_first": True, "dropout": (0.0, 0.0, 0.0, 0.5)}
    run = jax.jit(
        lambda x, keys, impl: _attention.transformer_encoder_layer(
            x, *params, dropout_key=keys, dropout_impl=impl, **static
        ),
        static_argnums=2,
    )
    for impl in ("threefry", "rbg"):
        y = run(x, keys, impl)
        # pre-norm, zero weights: the output is dropout2(linear2 bias = 1)
        assert set(np.unique(np.asarray(y))) <= {0.0, 2.0}
        assert 0.45 < float((y == 0).mean()) < 0.55
    ref = _attention._dropout(jnp.ones(x.shape), 0.5, True, key=keys[3])
    np.testing.assert_array_equal(run(x, keys, "threefry"), ref)
    other = [keys[0], keys[1], keys[2], jax.random.key(9)]
    assert not np.array_equal(run(x, keys, "rbg"), run(x, other, "rbg"))
