"""compat attention and Transformer modules against torch.

torch's modules are built, their state dict is loaded into compat's, and the outputs,
attention weights, input gradients and every parameter's gradient are compared (eval mode,
so dropout is off); dropout in train mode is checked statistically.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from conftest import assert_close, randn

import compat
import compat.nn.functional as F
from compat import _engine
from compat.nn.functional._attention import (
    multi_head_attention_forward,
    scaled_dot_product_attention,
)
from compat.nn.modules import transformer as transformer_module
from compat.nn.modules.attention import MultiheadAttention, NonDynamicallyQuantizableLinear
from compat.nn.modules.transformer import (
    LearnedPositionalEncoding,
    RotaryEmbedding,
    SinusoidalPositionalEncoding,
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)
from rustorch_fx.errors import ArgumentTypeError, InvalidArgumentError, ShapeError


def _np(t) -> np.ndarray:
    return t.detach().numpy()


def _load(ours, theirs) -> None:
    ours.load_state_dict(
        {k: compat.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()}
    )


def _same_layout(ours, theirs) -> None:
    sd, tsd = ours.state_dict(), theirs.state_dict()
    assert list(sd) == list(tsd)
    for k in sd:
        assert tuple(sd[k].shape) == tuple(tsd[k].shape), k


def _mask(x: np.ndarray | None, grad: bool = False):
    if x is None:
        return None, None
    return compat.tensor(x), torch.tensor(x)


def _compare(ours, theirs, inputs, call, rng, atol=1e-5):
    """Forward both with ``call(module, *inputs)``, backward a random cotangent, compare all."""
    xs = [compat.tensor(x, requires_grad=True) for x in inputs]
    ts = [torch.tensor(x, requires_grad=True) for x in inputs]
    out, ref = call(ours, *xs), call(theirs, *ts)
    outs = out if isinstance(out, tuple) else (out,)
    refs = ref if isinstance(ref, tuple) else (ref,)
    assert len(outs) == len(refs)
    for o, r in zip(outs, refs, strict=True):
        if r is None:
            assert o is None
        else:
            assert_close(_np(o), r, atol=2e-6)
    cot = randn(rng, *refs[0].shape)
    (outs[0] * compat.tensor(cot)).sum().backward()
    (refs[0] * torch.tensor(cot)).sum().backward()
    for x, t in zip(xs, ts, strict=True):
        assert_close(_np(x.grad), t.grad, atol=atol)
    params, tparams = dict(ours.named_parameters()), dict(theirs.named_parameters())
    assert list(params) == list(tparams)
    for name, p in params.items():
        assert_close(_np(p.grad), tparams[name].grad, atol=atol)


# --------------------------------------------------------------------------------------------
# functional
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["none", "bool", "float", "causal"])
def test_functional_sdpa_matches_torch(kind, rng):
    q, k, v = randn(rng, 2, 3, 5, 8), randn(rng, 2, 3, 6, 8), randn(rng, 2, 3, 6, 4)
    kw = {"is_causal": True} if kind == "causal" else {}
    m = None
    if kind == "bool":
        m = rng.random((5, 6)) > 0.3
    elif kind == "float":
        m = randn(rng, 5, 6)
    cm, tm = _mask(m)
    xs = [compat.tensor(a, requires_grad=True) for a in (q, k, v)]
    ts = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
    out = scaled_dot_product_attention(*xs, attn_mask=cm, **kw)
    ref = TF.scaled_dot_product_attention(*ts, attn_mask=tm, **kw)
    assert_close(_np(out), ref)
    out.sum().backward()
    ref.sum().backward()
    for x, t in zip(xs, ts, strict=True):
        assert_close(_np(x.grad), t.grad, atol=2e-6)


def test_functional_sdpa_dropout_uses_generator(rng):
    q = compat.zeros(1, 1, 64, 4)
    v = compat.ones(1, 1, 64, 4)
    compat.manual_seed(0)
    a = scaled_dot_product_attention(q, q, v, dropout_p=0.3)
    compat.manual_seed(0)
    b = scaled_dot_product_attention(q, q, v, dropout_p=0.3)
    c = scaled_dot_product_attention(q, q, v, dropout_p=0.3)
    np.testing.assert_array_equal(_np(a), _np(b))
    assert not np.array_equal(_np(a), _np(c))
    assert abs(float(a.mean()) - 1.0) < 0.06


def test_functional_errors():
    with pytest.raises(ArgumentTypeError, match="scaled_dot_product_attention"):
        scaled_dot_product_attention(np.zeros((2, 3)), compat.zeros(2, 3), compat.zeros(2, 3))
    x = compat.zeros(2, 3, 4)
    with pytest.raises(ShapeError, match="query has 4 features, key has 3"):
        scaled_dot_product_attention(x, compat.zeros(2, 3, 3), x)


def test_functional_mha_matches_torch(rng):
    e, h = 8, 2
    x, w, b = randn(rng, 5, 3, e), randn(rng, 3 * e, e) * 0.3, randn(rng, 3 * e)
    ow, ob = randn(rng, e, e) * 0.3, randn(rng, e)
    kpm = np.zeros((3, 5), bool)
    kpm[1, -2:] = True
    arrays = [x, w, b, ow, ob]
    xs = [compat.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]

    def run(fn, t, mask):
        return fn(t[0], t[0], t[0], e, h, t[1], t[2], None, None, False, 0.0, t[3], t[4],
                  training=False, key_padding_mask=mask, average_attn_weights=False)  # fmt: skip

    out, wts = run(multi_head_attention_forward, xs, compat.tensor(kpm))
    ref, rwts = run(TF.multi_head_attention_forward, ts, torch.tensor(kpm))
    assert_close(_np(out), ref, atol=2e-6)
    assert_close(_np(wts), rwts, atol=2e-6)
    (out.sum() + wts.sum()).backward()
    (ref.sum() + rwts.sum()).backward()
    for a, t in zip(xs, ts, strict=True):
        assert_close(_np(a.grad), t.grad, atol=5e-6)


def test_functional_names_are_exported():
    assert F.scaled_dot_product_attention is scaled_dot_product_attention
    assert F.multi_head_attention_forward is multi_head_attention_forward


# --------------------------------------------------------------------------------------------
# MultiheadAttention
# --------------------------------------------------------------------------------------------

E, H, L, S, N = 8, 2, 5, 6, 3


MHA_CASES = [
    ({}, "none"),
    ({}, "bool"),
    ({}, "float"),
    ({}, "3d"),
    ({"batch_first": True}, "kpm"),
    ({"kdim": 5, "vdim": 7}, "bool"),
    ({"kdim": 5, "vdim": 7, "batch_first": True}, "kpm"),
    ({"bias": False}, "float"),
    ({"add_bias_kv": True, "add_zero_attn": True}, "kpm"),
    ({"add_bias_kv": True}, "3d"),
]


@pytest.mark.parametrize(("opts", "mask_kind"), MHA_CASES, ids=str)
def test_mha_module_matches_torch(opts, mask_kind, rng):
    torch.manual_seed(0)
    theirs = torch.nn.MultiheadAttention(E, H, **opts).eval()
    ours = MultiheadAttention(E, H, **opts).eval()
    _same_layout(ours, theirs)
    _load(ours, theirs)
    kdim, vdim = opts.get("kdim", E), opts.get("vdim", E)
    bf = opts.get("batch_first", False)

    def seq(t, d):
        return randn(rng, N, t, d) if bf else randn(rng, t, N, d)

    inputs = [seq(L, E), seq(S, kdim), seq(S, vdim)]
    masks: dict[str, np.ndarray] = {}
    if mask_kind == "bool":
        masks["attn_mask"] = rng.random((L, S)) < 0.3
    elif mask_kind == "float":
        masks["attn_mask"] = randn(rng, L, S)
    elif mask_kind == "3d":
        masks["attn_mask"] = randn(rng, N * H, L, S)
    elif mask_kind == "kpm":
        kpm = np.zeros((N, S), bool)
        kpm[0, -2:] = True
        masks["key_padding_mask"] = kpm

    for need_weights in (True, False):

        def call(m, q, k, v, need_weights=need_weights):
            lib = compat if isinstance(m, MultiheadAttention) else torch
            kw = {name: lib.tensor(a) for name, a in masks.items()}
            return m(q, k, v, need_weights=need_weights, **kw)

        ours.zero_grad()
        theirs.zero_grad()
        _compare(ours, theirs, inputs, call, rng)


def test_mha_self_attention_fast_path_and_per_head_weights(rng):
    """Torch's inference fast path (eval, batch_first, no grad) gives the same numbers."""
    torch.manual_seed(1)
    theirs = torch.nn.MultiheadAttention(E, H, batch_first=True).eval()
    ours = MultiheadAttention(E, H, batch_first=True).eval()
    _load(ours, theirs)
    x = randn(rng, N, L, E)
    kpm = np.zeros((N, L), bool)
    kpm[2, -1] = True
    with torch.no_grad():
        ref, rw = theirs(*(torch.tensor(x),) * 3, key_padding_mask=torch.tensor(kpm))
        ref2, rw2 = theirs(*(torch.tensor(x),) * 3, average_attn_weights=False)
    cx = compat.tensor(x)
    out, w = ours(cx, cx, cx, key_padding_mask=compat.tensor(kpm))
    assert_close(_np(out), ref, atol=2e-6)
    assert_close(_np(w), rw, atol=2e-6)
    out2, w2 = ours(cx, cx, cx, average_attn_weights=False)
    assert_close(_np(out2), ref2, atol=2e-6)
    assert w2.shape == (N, H, L, L)
    assert_close(_np(w2), rw2, atol=2e-6)


def test_mha_unbatched_and_causal(rng):
    torch.manual_seed(2)
    theirs = torch.nn.MultiheadAttention(E, H).eval()
    ours = MultiheadAttention(E, H).eval()
    _load(ours, theirs)
    x = randn(rng, L, E)
    causal = torch.nn.Transformer.generate_square_subsequent_mask(L)
    ccausal = Transformer.generate_square_subsequent_mask(L)
    assert_close(_np(ccausal), causal)
    for need in (True, False):
        ref, rw = theirs(*(torch.tensor(x),) * 3, attn_mask=causal, is_causal=True,
                         need_weights=need)  # fmt: skip
        cx = compat.tensor(x)
        out, w = ours(cx, cx, cx, attn_mask=ccausal, is_causal=True, need_weights=need)
        assert_close(_np(out), ref.detach(), atol=2e-6)
        if need:
            assert_close(_np(w), rw.detach(), atol=2e-6)
        else:
            assert w is None


def test_mha_init_and_repr():
    compat.manual_seed(0)
    m = MultiheadAttention(16, 4, add_bias_kv=True)
    assert isinstance(m.out_proj, NonDynamicallyQuantizableLinear)
    assert np.all(_np(m.in_proj_bias) == 0) and np.all(_np(m.out_proj.bias) == 0)
    bound = (6 / (16 + 48)) ** 0.5  # xavier_uniform_ over the (3E, E) packed weight
    w = _np(m.in_proj_weight)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert m.bias_k.shape == (1, 1, 16) and m.q_proj_weight is None
    assert "NonDynamicallyQuantizableLinear(in_features=16, out_features=16" in repr(m)
    sep = MultiheadAttention(16, 4, kdim=3, vdim=5)
    assert sep.in_proj_weight is None and sep.k_proj_weight.shape == (16, 3)


def test_mha_dropout_in_train_mode_is_statistical(rng):
    m = MultiheadAttention(E, H, dropout=0.5)
    x = compat.tensor(randn(rng, L, N, E))
    _, w_train = m(x, x, x, average_attn_weights=False)
    frac_zero = float((w_train == 0).float().mean())
    assert 0.35 < frac_zero < 0.65
    m.eval()
    _, w_eval = m(x, x, x)
    assert_close(_np(w_eval.sum(-1)), np.ones((N, L), np.float32), atol=1e-6)


def test_mha_errors():
    with pytest.raises(InvalidArgumentError, match="embed_dim and num_heads must be greater"):
        MultiheadAttention(0, 2)
    with pytest.raises(InvalidArgumentError, match="embed_dim must be divisible by num_heads"):
        MultiheadAttention(10, 3)
    with pytest.raises(InvalidArgumentError, match="between 0 and 1"):
        MultiheadAttention(8, 2, dropout=1.5)
    m = MultiheadAttention(8, 2)
    x = compat.zeros(5, 3, 8)
    with pytest.raises(ShapeError, match="expecting embedding dimension of 8, but got 6"):
        m(compat.zeros(5, 3, 6), x, x)
    with pytest.raises(ShapeError, match=r"2D attn_mask is \(5, 4\)"):
        m(x, x, x, attn_mask=compat.zeros(5, 4))


# --------------------------------------------------------------------------------------------
# Transformer family
# --------------------------------------------------------------------------------------------

D, NH, FF = 8, 2, 16


def _layer_opts():
    return [
        {},
        {"norm_first": True},
        {"batch_first": True, "activation": "gelu"},
        {"bias": False, "layer_norm_eps": 1e-3},
    ]


@pytest.mark.parametrize("opts", _layer_opts(), ids=str)
@pytest.mark.parametrize("masks", ["none", "causal", "kpm"])
def test_encoder_layer_and_encoder_match_torch(opts, masks, rng):
    torch.manual_seed(3)
    tl = torch.nn.TransformerEncoderLayer(D, NH, FF, **opts)
    theirs = torch.nn.TransformerEncoder(tl, 2, torch.nn.LayerNorm(D), enable_nested_tensor=False)
    theirs.eval()
    cl = TransformerEncoderLayer(D, NH, FF, **opts)
    ours = TransformerEncoder(cl, 2, compat.nn.LayerNorm(D), enable_nested_tensor=False).eval()
    _same_layout(ours, theirs)
    _load(ours, theirs)
    bf = opts.get("batch_first", False)
    x = randn(rng, N, L, D) if bf else randn(rng, L, N, D)
    mask = kpm = None
    if masks == "causal":
        mask = np.triu(np.full((L, L), -np.inf, np.float32), 1)
    if masks == "kpm":
        kpm = np.zeros((N, L), bool)
        kpm[1, -2:] = True

    def call(m, src):
        lib = compat if isinstance(m, TransformerEncoder) else torch
        kw = {}
        if mask is not None:
            kw["mask"] = lib.tensor(mask)
        if kpm is not None:
            kw["src_key_padding_mask"] = lib.tensor(kpm)
        return m(src, **kw)

    _compare(ours, theirs, [x], call, rng)


_FUSED = ("EncoderLayerOpBackward0",)


def _unfused(layer):
    """Force the per-module path: any hook on a submodule does."""
    calls = []
    layer.linear1.register_forward_hook(lambda m, i, o: calls.append(1))
    return calls


def test_encoder_layer_unfused_path_matches_torch(rng):
    torch.manual_seed(4)
    opts = {"norm_first": True, "batch_first": True, "activation": "gelu"}
    theirs = torch.nn.TransformerEncoderLayer(D, NH, FF, **opts).eval()
    ours = TransformerEncoderLayer(D, NH, FF, **opts).eval()
    _load(ours, theirs)
    calls = _unfused(ours)
    kpm = np.zeros((N, L), bool)
    kpm[0, -1] = True

    def call(m, src):
        lib = torch if isinstance(m, torch.nn.Module) else compat
        out = m(src, src_key_padding_mask=lib.tensor(kpm))
        if m is ours:
            assert out.grad_fn.name() not in _FUSED
        return out

    _compare(ours, theirs, [randn(rng, N, L, D)], call, rng)
    assert calls == [1]


def test_encoder_layer_fused_path_is_one_op_and_falls_back(rng):
    layer = TransformerEncoderLayer(D, NH, FF)
    x = compat.tensor(randn(rng, L, N, D), requires_grad=True)
    assert layer(x).grad_fn.name() in _FUSED
    assert layer.eval()(x).grad_fn.name() in _FUSED
    # (eval mode: whether the layer fuses does not depend on the mode, and the eval-mode
    # per-module programs are the ones ``ref`` below compiles anyway)
    silu = TransformerEncoderLayer(D, NH, FF, activation=F.silu).eval()
    assert silu(x).grad_fn.name() not in _FUSED
    _unfused(layer)
    assert layer(x).grad_fn.name() not in _FUSED
    # forward-mode differentiation traces the layer: the per-module path runs
    plain = TransformerEncoderLayer(D, NH, FF).eval()
    t = randn(rng, L, N, D)
    out, tangent = compat.func.jvp(plain, (x.detach(),), (compat.tensor(t),))
    ref = TransformerEncoderLayer(D, NH, FF).eval()
    ref.load_state_dict(plain.state_dict())
    _unfused(ref)
    eps = 1e-3
    hi = ref(compat.tensor(_np(x) + eps * t))
    lo = ref(compat.tensor(_np(x) - eps * t))
    assert_close(_np(tangent), (_np(hi) - _np(lo)) / (2 * eps), atol=2e-2, rtol=1e-2)
    assert_close(_np(out), _np(ref(x)), atol=1e-6)


def test_encoder_layer_fused_draws_the_masks_of_the_submodules(rng, monkeypatch):
    """With threefry masks the fused path equals the per-module path in train mode."""
    # one configuration (each costs ~8 s of compiles); the post-norm/relu/seq-first default is
    # covered by the eval-mode parity tests against torch
    opts = {"norm_first": True, "batch_first": True, "activation": "gelu"}
    monkeypatch.setattr(transformer_module, "_FUSED_DROPOUT_IMPL", "threefry")
    fused = TransformerEncoderLayer(D, NH, FF, dropout=0.3, **opts)
    unfused = TransformerEncoderLayer(D, NH, FF, dropout=0.3, **opts)
    unfused.load_state_dict(fused.state_dict())
    _unfused(unfused)
    x = randn(rng, N, L, D)
    cot = compat.tensor(randn(rng, *x.shape))
    results = []
    for layer in (fused, unfused):
        compat.manual_seed(11)
        src = compat.tensor(x, requires_grad=True)
        out = layer(src)
        (out * cot).sum().backward()
        after = compat.rand(3)  # the generator moved on by as many draws
        grads = [_np(p.grad) for p in layer.parameters()]
        results.append((_np(out), _np(src.grad), _np(after), grads, out.grad_fn.name()))
    (o1, g1, r1, p1, n1), (o2, g2, r2, p2, n2) = results
    assert n1 in _FUSED and n2 not in _FUSED
    assert_close(o1, o2, atol=1e-6)
    assert_close(g1, g2, atol=1e-5)
    np.testing.assert_array_equal(r1, r2)
    for a, b in zip(p1, p2, strict=True):
        assert_close(a, b, atol=1e-5)


def test_encoder_layer_in_lazy_mode_matches_eager(rng):
    layer = TransformerEncoderLayer(D, NH, FF).eval()
    x = randn(rng, L, N, D)
    ref = []
    for lazy in (False, True):
        previous = _engine.set_lazy(lazy)
        try:
            for _ in range(3):  # the lazy engine records, then runs op by op, then compiles
                layer.zero_grad()
                src = compat.tensor(x, requires_grad=True)
                out = layer(src)
                assert out.grad_fn.name() in _FUSED  # the one-op path, lazy or not
                # (lazy: the op's residual pytree is recorded; three steps run it op by op,
                # then fused, which once shifted the segment's slots)
                (out**2).mean().backward()
                got = (_np(src.grad), _np(layer.linear1.weight.grad))
                ref = ref or [got]
                assert_close(got[0], ref[0][0], atol=1e-6)
                assert_close(got[1], ref[0][1], atol=1e-6)
        finally:
            _engine.set_lazy(previous)


def test_encoder_layer_fused_dropout_and_double_backward(rng):
    compat.manual_seed(0)
    x = compat.tensor(randn(rng, L, N, D))
    # only dropout2 (p = 0.5) acts on the output of a pre-norm layer with zero weights
    zero = TransformerEncoderLayer(D, NH, FF, dropout=0.5, norm_first=True)
    with compat.no_grad():
        zero.linear2.bias.fill_(1.0)
        zero.linear2.weight.zero_()
        zero.self_attn.out_proj.weight.zero_()
    y = _np(zero(compat.zeros(50, 4, D)))
    assert set(np.unique(y)) <= {0.0, 2.0}
    assert 0.45 < float((y == 0).mean()) < 0.55
    # second derivatives through the fused op equal torch's
    torch.manual_seed(2)
    theirs = torch.nn.TransformerEncoderLayer(D, NH, FF).eval()
    fused = TransformerEncoderLayer(D, NH, FF).eval()
    _load(fused, theirs)
    cot = randn(rng, L, N, D)
    src = compat.tensor(_np(x), requires_grad=True)
    out = fused(src)
    assert out.grad_fn.name() in _FUSED
    (g,) = compat.autograd.grad((out * compat.tensor(cot)).sum(), src, create_graph=True)
    (gg,) = compat.autograd.grad((g * g).sum(), src)
    tsrc = torch.tensor(_np(x), requires_grad=True)
    # torch's CPU flash attention has no double backward: its math kernel does
    with torch.nn.attention.sdpa_kernel(torch.nn.attention.SDPBackend.MATH):
        tout = theirs(tsrc)
    (tg,) = torch.autograd.grad((tout * torch.tensor(cot)).sum(), tsrc, create_graph=True)
    (tgg,) = torch.autograd.grad((tg * tg).sum(), tsrc)
    assert_close(_np(g), tg.detach(), atol=1e-5)
    assert_close(_np(gg), tgg, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("opts", _layer_opts(), ids=str)
def test_decoder_matches_torch(opts, rng):
    torch.manual_seed(4)
    tl = torch.nn.TransformerDecoderLayer(D, NH, FF, **opts)
    theirs = torch.nn.TransformerDecoder(tl, 2, torch.nn.LayerNorm(D)).eval()
    ours = TransformerDecoder(TransformerDecoderLayer(D, NH, FF, **opts), 2, compat.nn.LayerNorm(D))
    ours.eval()
    _same_layout(ours, theirs)
    _load(ours, theirs)
    bf = opts.get("batch_first", False)
    tgt = randn(rng, N, L, D) if bf else randn(rng, L, N, D)
    mem = randn(rng, N, S, D) if bf else randn(rng, S, N, D)
    causal = np.triu(np.ones((L, L), bool), 1)
    mkpm = np.zeros((N, S), bool)
    mkpm[0, -3:] = True

    def call(m, t, mm):
        lib = compat if isinstance(m, TransformerDecoder) else torch
        return m(t, mm, tgt_mask=lib.tensor(causal), memory_key_padding_mask=lib.tensor(mkpm))

    _compare(ours, theirs, [tgt, mem], call, rng)


@pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")
@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_matches_torch(batch_first, rng):
    torch.manual_seed(5)
    kw = {"d_model": D, "nhead": NH, "num_encoder_layers": 2, "num_decoder_layers": 1,
          "dim_feedforward": FF, "batch_first": batch_first}  # fmt: skip
    theirs = torch.nn.Transformer(**kw).eval()
    ours = Transformer(**kw).eval()
    _same_layout(ours, theirs)
    _load(ours, theirs)
    src = randn(rng, N, S, D) if batch_first else randn(rng, S, N, D)
    tgt = randn(rng, N, L, D) if batch_first else randn(rng, L, N, D)
    skpm = np.zeros((N, S), bool)
    skpm[2, -1] = True

    def call(m, s, t):
        lib = compat if isinstance(m, Transformer) else torch
        tmask = type(m).generate_square_subsequent_mask(L)
        return m(s, t, tgt_mask=tmask, src_key_padding_mask=lib.tensor(skpm),
                 memory_key_padding_mask=lib.tensor(skpm))  # fmt: skip

    _compare(ours, theirs, [src, tgt], call, rng)


def test_encoder_layers_are_deep_copies_and_init():
    layer = TransformerEncoderLayer(D, NH, FF)
    enc = TransformerEncoder(layer, 3)
    ws = [_np(m.linear1.weight) for m in enc.layers]
    assert all(np.array_equal(ws[0], w) for w in ws)
    assert enc.layers[0].linear1.weight is not enc.layers[1].linear1.weight
    assert enc.layers[0] is not layer
    model = Transformer(D, NH, 1, 1, FF)
    w = _np(model.encoder.layers[0].linear1.weight)
    bound = (6 / (D + FF)) ** 0.5  # Transformer re-initialises matrices with xavier_uniform_
    assert np.abs(w).max() <= bound


def test_dropout_in_train_mode_is_statistical(rng):
    compat.manual_seed(0)
    layer = TransformerEncoderLayer(D, NH, FF, dropout=0.5)
    # (an input that requires grad: the programs test_encoder_layer_fused_path_... compiled)
    x = compat.tensor(randn(rng, L, N, D), requires_grad=True)
    a, b = layer(x), layer(x)
    assert not np.allclose(_np(a), _np(b))
    layer.eval()
    np.testing.assert_array_equal(_np(layer(x)), _np(layer(x)))
    layer.train()
    # the dropout after linear1 zeroes about half of its activations
    h = layer.dropout(compat.ones(2000))
    assert 0.4 < float((h == 0).float().mean()) < 0.6


def test_callable_activation_and_gelu_is_exact(rng):
    torch.manual_seed(6)
    theirs = torch.nn.TransformerEncoderLayer(D, NH, FF, activation=torch.nn.functional.silu)
    ours = TransformerEncoderLayer(D, NH, FF, activation=F.silu)
    theirs.eval()
    ours.eval()
    _load(ours, theirs)
    x = randn(rng, L, N, D)
    assert_close(_np(ours(compat.tensor(x))), theirs(torch.tensor(x)).detach(), atol=2e-6)
    assert TransformerEncoderLayer(D, NH, FF, activation="gelu").activation is F.gelu


def test_transformer_errors():
    with pytest.raises(InvalidArgumentError, match="activation should be relu/gelu, not tanh"):
        TransformerEncoderLayer(D, NH, activation="tanh")
    with pytest.raises(InvalidArgumentError, match=r"d_model \(8\) must be divisible by nhead"):
        TransformerDecoderLayer(8, 3)
    with pytest.raises(InvalidArgumentError, match="num_layers must be a non-negative int"):
        TransformerEncoder(TransformerEncoderLayer(D, NH, FF), -1)
    model = Transformer(D, NH, 1, 1, FF)
    with pytest.raises(ShapeError, match="batch number of src and tgt must be equal"):
        model(compat.zeros(5, 2, D), compat.zeros(5, 3, D))
    with pytest.raises(ShapeError, match="feature number of src and tgt must be equal to d_model"):
        model(compat.zeros(5, 2, D), compat.zeros(5, 2, 4))


# --------------------------------------------------------------------------------------------
# Positional encodings
# --------------------------------------------------------------------------------------------


def test_sinusoidal_positional_encoding_module(rng):
    from rustorch_fx.nn._attention import sinusoidal_positional_encoding

    pe = SinusoidalPositionalEncoding(D, max_len=20)
    assert list(pe.state_dict()) == []
    x = randn(rng, L, N, D)
    table = np.asarray(sinusoidal_positional_encoding(L, D))
    assert_close(_np(pe(compat.tensor(x))), x + table[:, None, :], atol=1e-6)
    bf = SinusoidalPositionalEncoding(D, max_len=20, batch_first=True)
    assert_close(
        _np(bf(compat.tensor(x.transpose(1, 0, 2)))), (x + table[:, None]).transpose(1, 0, 2)
    )
    with pytest.raises(ShapeError, match="sequence length 30 exceeds max_len 20"):
        pe(compat.zeros(30, 2, D))
    with pytest.raises(ShapeError, match="E=8"):
        pe(compat.zeros(3, 2, 4))


def test_learned_positional_encoding_module(rng):
    compat.manual_seed(0)
    pos = LearnedPositionalEncoding(50, D, batch_first=True)
    assert list(pos.state_dict()) == ["weight"]
    assert 0.01 < float(pos.weight.std()) < 0.03
    x = compat.tensor(randn(rng, N, L, D), requires_grad=True)
    out = pos(x)
    assert_close(_np(out), _np(x) + _np(pos.weight)[None, :L])
    (out * out).sum().backward()
    g = _np(pos.weight.grad)
    assert_close(g[:L], (2 * _np(out)).sum(0), atol=1e-5)
    assert np.all(g[L:] == 0)


def test_rotary_embedding_module(rng):
    from rustorch_fx.nn._attention import rotary_embedding

    rope = RotaryEmbedding(8, interleaved=True)
    x = randn(rng, 2, 3, 5, 8)
    xt = compat.tensor(x, requires_grad=True)
    out = rope(xt)
    assert_close(_np(out), rotary_embedding(x, interleaved=True), atol=1e-6)
    out.sum().backward()
    assert xt.grad.shape == (2, 3, 5, 8)
    shifted = rope(compat.tensor(x), compat.arange(3, 8))
    assert_close(_np(shifted), rotary_embedding(x, np.arange(3, 8), interleaved=True), atol=1e-6)
    with pytest.raises(InvalidArgumentError, match="positive even int"):
        RotaryEmbedding(7)
    with pytest.raises(ShapeError, match="input has 6 features, expected 8"):
        rope(compat.zeros(2, 5, 6))
