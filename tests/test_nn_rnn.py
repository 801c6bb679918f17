"""rustorch_fx.nn recurrent layers and packing against torch: values, gradients, lengths, errors."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
import torch
from conftest import assert_close, randn

from rustorch_fx import nn
from rustorch_fx.errors import (
    ArgumentTypeError,
    DTypeError,
    InvalidArgumentError,
    ShapeError,
    TracingError,
)

IN, H, T, B = 3, 4, 5, 2
TORCH_CLS = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}


def _module(mode: str, seed: int = 0, **kw) -> torch.nn.Module:
    torch.manual_seed(seed)
    return TORCH_CLS[mode](IN, H, **kw)


def _params(m: torch.nn.Module) -> list[jax.Array]:
    return [jnp.asarray(p.detach().numpy()) for p in m._flat_weights]


def _static(m: torch.nn.Module) -> dict:
    return {
        "num_layers": m.num_layers,
        "bias": m.bias,
        "bidirectional": m.bidirectional,
        "batch_first": m.batch_first,
    }


def _ours(mode: str, m: torch.nn.Module, **extra):
    """``f(x, hx, params) -> flat tuple of outputs`` for the module's configuration."""
    fn = getattr(nn, mode)
    if mode == "rnn":
        extra = {"nonlinearity": m.nonlinearity, **extra}

    def f(x, hx, params):
        out, h = fn(x, hx, params, **_static(m), **extra)
        return (out, *h) if mode == "lstm" else (out, h)

    return f


def _hidden_shapes(m: torch.nn.Module, batch: int | None) -> list[tuple[int, ...]]:
    d = 2 if m.bidirectional else 1
    lead = (m.num_layers * d,) if batch is None else (m.num_layers * d, batch)
    if isinstance(m, torch.nn.LSTM):
        return [(*lead, m.proj_size or m.hidden_size), (*lead, m.hidden_size)]
    return [(*lead, m.hidden_size)]


SEQ_CASES = [
    ("rnn", {}),
    ("rnn", {"nonlinearity": "relu", "num_layers": 2}),
    ("rnn", {"bidirectional": True, "bias": False}),
    ("lstm", {}),
    ("lstm", {"num_layers": 2, "bidirectional": True}),
    ("lstm", {"batch_first": True, "bias": False}),
    ("lstm", {"proj_size": 2}),
    ("lstm", {"proj_size": 3, "num_layers": 2, "bidirectional": True}),
    ("gru", {}),
    ("gru", {"num_layers": 2, "batch_first": True}),
    ("gru", {"bidirectional": True}),
]
SEQ_IDS = [f"{m}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for m, kw in SEQ_CASES]


@pytest.mark.parametrize(("mode", "kw"), SEQ_CASES, ids=SEQ_IDS)
def test_sequence_values_and_gradients_match_torch(mode, kw, rng):
    m = _module(mode, **kw)
    shape = (B, T, IN) if m.batch_first else (T, B, IN)
    x = randn(rng, *shape)
    hs = [randn(rng, *s) for s in _hidden_shapes(m, B)]
    hx = tuple(hs) if mode == "lstm" else hs[0]
    f = _ours(mode, m)
    outs, pullback = jax.vjp(f, jnp.asarray(x), jax.tree.map(jnp.asarray, hx), _params(m))
    cts = [randn(rng, *o.shape) for o in outs]
    g_x, g_hx, g_params = pullback(tuple(jnp.asarray(c) for c in cts))

    xt = torch.tensor(x, requires_grad=True)
    ht = [torch.tensor(h, requires_grad=True) for h in hs]
    out_t, h_t = m(xt, tuple(ht) if mode == "lstm" else ht[0])
    expected = [out_t, *(h_t if mode == "lstm" else (h_t,))]
    for ours, theirs in zip(outs, expected, strict=True):
        assert_close(ours, theirs)
    loss = sum((e * torch.tensor(c)).sum() for e, c in zip(expected, cts, strict=True))
    grads = torch.autograd.grad(loss, [xt, *ht, *m._flat_weights])
    assert_close(g_x, grads[0])
    for ours, theirs in zip(jax.tree.leaves(g_hx), grads[1 : 1 + len(ht)], strict=True):
        assert_close(ours, theirs)
    for ours, theirs in zip(g_params, grads[1 + len(ht) :], strict=True):
        assert_close(ours, theirs)


@pytest.mark.parametrize("mode", ["rnn", "lstm", "gru"])
def test_unbatched_and_default_state(mode, rng):
    m = _module(mode, num_layers=2)
    x = randn(rng, T, IN)
    outs = _ours(mode, m)(jnp.asarray(x), None, _params(m))
    out_t, h_t = m(torch.tensor(x))
    for ours, t in zip(outs, (out_t, *(h_t if mode == "lstm" else (h_t,))), strict=True):
        assert_close(ours, t)
    # an explicit unbatched state
    hs = [randn(rng, *s) for s in _hidden_shapes(m, None)]
    hx = tuple(map(jnp.asarray, hs)) if mode == "lstm" else jnp.asarray(hs[0])
    out, *h = _ours(mode, m)(jnp.asarray(x), hx, _params(m))
    hx_t = tuple(map(torch.tensor, hs)) if mode == "lstm" else torch.tensor(hs[0])
    out_t, h_t = m(torch.tensor(x), hx_t)
    assert_close(out, out_t)
    for ours, t in zip(h, h_t if mode == "lstm" else (h_t,), strict=True):
        assert_close(ours, t)


LENGTH_CASES = [
    ("lstm", {"num_layers": 2, "bidirectional": True}),
    ("lstm", {"proj_size": 2, "batch_first": True}),
    ("gru", {"bidirectional": True}),
    ("rnn", {"num_layers": 2}),
]


@pytest.mark.parametrize(("mode", "kw"), LENGTH_CASES, ids=[m for m, _ in LENGTH_CASES])
def test_lengths_match_torch_packed_sequences(mode, kw, rng):
    m = _module(mode, **kw)
    lengths = [3, 5, 1]
    shape = (3, T, IN) if m.batch_first else (T, 3, IN)
    x = randn(rng, *shape)
    f = _ours(mode, m, lengths=jnp.asarray(lengths))
    outs, pullback = jax.vjp(lambda x, p: f(x, None, p), jnp.asarray(x), _params(m))
    cts = [randn(rng, *o.shape) for o in outs]
    g_x, g_params = pullback(tuple(jnp.asarray(c) for c in cts))

    xt = torch.tensor(x, requires_grad=True)
    packed = torch.nn.utils.rnn.pack_padded_sequence(
        xt, torch.tensor(lengths), batch_first=m.batch_first, enforce_sorted=False
    )
    out_p, h_t = m(packed)
    out_t, _ = torch.nn.utils.rnn.pad_packed_sequence(
        out_p, batch_first=m.batch_first, total_length=T
    )
    expected = [out_t, *(h_t if mode == "lstm" else (h_t,))]
    for ours, theirs in zip(outs, expected, strict=True):
        assert_close(ours, theirs)
    loss = sum((e * torch.tensor(c)).sum() for e, c in zip(expected, cts, strict=True))
    grads = torch.autograd.grad(loss, [xt, *m._flat_weights])
    assert_close(g_x, grads[0])
    for ours, theirs in zip(g_params, grads[1:], strict=True):
        assert_close(ours, theirs)


def test_dtypes_follow_the_input_in_both_modes(rng, both_modes):
    m = _module("gru", num_layers=2)
    x = randn(rng, T, B, IN)
    out, h = nn.gru(jnp.asarray(x), None, _params(m), num_layers=2)
    assert out.dtype == h.dtype == jnp.float32
    if both_modes:  # float64 when asked for (and 64-bit mode is on)
        m = m.double()
        params = [jnp.asarray(p.detach().numpy()) for p in m._flat_weights]
        out, h = nn.gru(jnp.asarray(x, jnp.float64), None, params, num_layers=2)
        out_t, h_t = m(torch.tensor(x, dtype=torch.float64))
        assert_close(out, out_t, rtol=1e-12, atol=1e-12)
        assert_close(h, h_t, rtol=1e-12, atol=1e-12)


def test_traced_lengths_compile_once(rng):
    m = _module("gru", bidirectional=True)
    params = _params(m)
    traces = []

    @jax.jit
    def f(x, lengths):
        traces.append(1)
        return nn.gru(x, None, params, bidirectional=True, lengths=lengths)

    x = jnp.asarray(randn(rng, T, B, IN))
    a = f(x, jnp.array([5, 2]))
    b = f(x, jnp.array([1, 4]))
    assert len(traces) == 1
    assert not np.allclose(a[0], b[0])
    # full lengths are the same as no lengths
    full = f(x, jnp.array([T, T]))
    plain = nn.gru(x, None, params, bidirectional=True)
    jax.tree.map(assert_close, full, plain)


@pytest.mark.parametrize(("mode", "kw"), [("lstm", {"proj_size": 2}), ("gru", {}), ("rnn", {})])
def test_forward_mode_agrees_with_reverse_mode(mode, kw, rng):
    # <u, J t> (jvp) must equal <J^T u, t> (vjp), with tangents for the input and every weight
    m = _module(mode, bidirectional=True, **kw)
    params = _params(m)
    x = jnp.asarray(randn(rng, 3, 2, IN))
    f = jax.jit(_ours(mode, m, lengths=jnp.array([3, 2])))
    tx = jnp.asarray(randn(rng, *x.shape))
    tp = [jnp.asarray(randn(rng, *p.shape)) for p in params]
    outs, t_outs = jax.jvp(lambda x, p: f(x, None, p), (x, params), (tx, tp))
    us = [jnp.asarray(randn(rng, *o.shape)) for o in outs]
    _, pullback = jax.vjp(lambda x, p: f(x, None, p), x, params)
    gx, gp = pullback(tuple(us))
    lhs = sum(jnp.vdot(u, t) for u, t in zip(us, t_outs, strict=True))
    rhs = jnp.vdot(gx, tx) + sum(jnp.vdot(g, t) for g, t in zip(gp, tp, strict=True))
    assert_close(lhs, rhs, rtol=1e-4, atol=1e-5)


def test_vmap_over_a_batch_of_sequences(rng):
    m = _module("lstm")
    params = _params(m)
    xs = jnp.asarray(randn(rng, 3, T, IN))  # three unbatched sequences
    out = jax.vmap(lambda x: nn.lstm(x, None, params)[0])(xs)
    batched = nn.lstm(jnp.swapaxes(xs, 0, 1), None, params)[0]
    assert_close(out, jnp.swapaxes(batched, 0, 1))


def _cell_loop(mode: str, m: torch.nn.Module, x, params, lengths):
    """The same one-layer sequence as a Python loop of cells: JAX's own autodiff, no custom rule."""
    w_ih, w_hh, b_ih, b_hh, *rest = params
    proj = rest[0] if rest else None
    size = m.proj_size or m.hidden_size
    state = (jnp.zeros((x.shape[1], size)), jnp.zeros((x.shape[1], m.hidden_size)))
    if mode != "lstm":
        state = state[:1]
    outs = []
    for t in range(x.shape[0]):
        if mode == "lstm":
            new = nn.lstm_cell(x[t], state, w_ih, w_hh, b_ih, b_hh, proj)
        elif mode == "gru":
            new = (nn.gru_cell(x[t], state[0], w_ih, w_hh, b_ih, b_hh),)
        else:
            new = (nn.rnn_relu_cell(x[t], state[0], w_ih, w_hh, b_ih, b_hh),)
        valid = (t < lengths)[:, None]
        state = tuple(jnp.where(valid, a, b) for a, b in zip(new, state, strict=True))
        outs.append(jnp.where(valid, new[0], 0.0))
    return jnp.stack(outs), state


SECOND_ORDER_CASES = [("lstm", {"proj_size": 2}), ("gru", {}), ("rnn", {"nonlinearity": "relu"})]


@pytest.mark.parametrize(("mode", "kw"), SECOND_ORDER_CASES, ids=[m for m, _ in SECOND_ORDER_CASES])
def test_second_derivatives_match_a_loop_of_cells(mode, kw, rng):
    # The sequences differentiate through their own rule (custom_jvp); reverse-over-reverse and
    # forward-over-reverse Hessian-vector products must agree with plain autodiff of the cells.
    m = _module(mode, **kw)
    params = _params(m)
    x = jnp.asarray(randn(rng, 3, 2, IN))
    lengths = jnp.array([3, 2])
    u = jnp.asarray(randn(rng, 3, 2, m.proj_size or H))

    def loss(params, seq):
        out, state = seq(params)
        return jnp.sum(jnp.tanh(out) * u) + sum(jnp.sum(s**2) for s in jax.tree.leaves(state))

    ours = _ours(mode, m, lengths=lengths)
    seq_ours = lambda p: (lambda r: (r[0], r[1:]))(ours(x, None, p))  # noqa: E731
    seq_ref = lambda p: _cell_loop(mode, m, x, p, lengths)  # noqa: E731
    tangent = [jnp.asarray(randn(rng, *p.shape)) for p in params]
    grad_ours = jax.grad(lambda p: loss(p, seq_ours))
    grad_ref = jax.grad(lambda p: loss(p, seq_ref))
    hvp_ref = jax.jit(lambda p, t: jax.jvp(grad_ref, (p,), (t,))[1])(params, tangent)
    fwd_rev = jax.jit(lambda p, t: jax.jvp(grad_ours, (p,), (t,))[1])(params, tangent)
    rev_rev = jax.jit(
        jax.grad(lambda p, t: sum(jnp.vdot(g, v) for g, v in zip(grad_ours(p), t, strict=True)))
    )(params, tangent)
    for a, b, r in zip(fwd_rev, rev_rev, hvp_ref, strict=True):
        assert_close(a, r, rtol=1e-4, atol=1e-5)
        assert_close(b, r, rtol=1e-4, atol=1e-5)


def _scan_carries(jaxpr) -> list[list[tuple[int, ...]]]:
    """The shapes carried by each ``scan`` in ``jaxpr``, nested ones included."""
    scans = []
    for eqn in jaxpr.eqns:
        if eqn.primitive.name == "scan":
            first = eqn.params["num_consts"]
            carried = eqn.invars[first : first + eqn.params["num_carry"]]
            scans.append([tuple(v.aval.shape) for v in carried])
        for param in eqn.params.values():
            for sub in param if isinstance(param, (list, tuple)) else [param]:
                inner = getattr(sub, "jaxpr", sub)
                if hasattr(inner, "eqns"):
                    scans += _scan_carries(inner)
    return scans


@pytest.mark.parametrize("mode", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("lengths", [None, [5, 3]], ids=["full", "lengths"])
def test_gradient_is_one_loop_forward_and_one_carrying_only_the_state_back(mode, lengths, rng):
    # dW_hh is one matrix product over all steps after the loop, not a per-step accumulation,
    # and no loop is split off the tangent loop by partial evaluation. The backward loop
    # carries only the state's gradient; LSTM's and RNN's forward loop also carries the input
    # projection (T, B, G * H), whose rows it overwrites with the tangent's coefficients.
    m = _module(mode)
    f = _ours(mode, m, lengths=None if lengths is None else jnp.array(lengths))
    x = jnp.asarray(randn(rng, T, B, IN))
    grad = jax.grad(lambda p: jnp.sum(f(x, None, p)[0] ** 2))
    scans = _scan_carries(jax.make_jaxpr(grad)(_params(m)).jaxpr)
    assert len(scans) == 2, scans
    forward, backward = scans
    assert all(shape == (B, H) for shape in backward), scans
    buffer = [] if mode == "gru" else [(T, B, {"rnn": 1, "lstm": 4}[mode] * H)]
    assert sorted(forward) == sorted([(B, H)] * (2 if mode == "lstm" else 1) + buffer), scans


@pytest.mark.parametrize("mode", ["lstm", "gru"])
def test_backward_keeps_w_hh_in_torch_layout(mode, rng):
    # The backward loop's product d_gates @ w_hh reads w_hh (G * H, H) as it is: the forward
    # saves no transposed copy (H, G * H) for it (a slower product shape on CPU, and a copy).
    m = _module(mode)
    x = jnp.asarray(randn(rng, T, B, IN))
    _, pullback = jax.vjp(lambda p: _ours(mode, m)(x, None, p)[0], _params(m))
    shapes = {tuple(leaf.shape) for leaf in jax.tree_util.tree_leaves(pullback)}
    gates = {"lstm": 4, "gru": 3}[mode] * H
    assert (gates, H) in shapes and (H, gates) not in shapes, shapes


# --------------------------------------------------------------------------------------------
# Cells.
# --------------------------------------------------------------------------------------------

CELL_CASES = [
    ("rnn_tanh_cell", torch.rnn_tanh_cell, 1, True),
    ("rnn_relu_cell", torch.rnn_relu_cell, 1, False),
    ("gru_cell", torch.gru_cell, 3, True),
    ("lstm_cell", torch.lstm_cell, 4, True),
    ("lstm_cell", torch.lstm_cell, 4, False),
]


@pytest.mark.parametrize(("name", "ref", "gates", "bias"), CELL_CASES)
@pytest.mark.parametrize("batched", [True, False])
def test_cells_match_torch(name, ref, gates, bias, batched, rng):
    lead = (B,) if batched else ()
    x = randn(rng, *lead, IN)
    hs = [randn(rng, *lead, H) for _ in range(2 if gates == 4 else 1)]
    # torch's init scale (uniform +-1/sqrt(H)), so that the gates do not saturate
    ws = [randn(rng, gates * H, IN) * 0.5, randn(rng, gates * H, H) * 0.5]
    if bias:
        ws += [randn(rng, gates * H) * 0.5, randn(rng, gates * H) * 0.5]
    fn = getattr(nn, name)

    def f(x, hs, ws):
        out = fn(x, tuple(hs) if gates == 4 else hs[0], *ws)
        return out if gates == 4 else (out,)

    outs, pullback = jax.vjp(
        f, jnp.asarray(x), [jnp.asarray(h) for h in hs], list(map(jnp.asarray, ws))
    )
    cts = [randn(rng, *o.shape) for o in outs]
    g_x, g_h, g_w = pullback(tuple(map(jnp.asarray, cts)))

    tx = torch.tensor(x, requires_grad=True)
    th = [torch.tensor(h, requires_grad=True) for h in hs]
    tw = [torch.tensor(w, requires_grad=True) for w in ws]
    if not batched:  # torch's functional cells take batches only
        tin, tst = tx[None], [h[None] for h in th]
    else:
        tin, tst = tx, th
    res = ref(tin, tuple(tst) if gates == 4 else tst[0], *tw, *([None, None] if not bias else []))
    res = list(res) if gates == 4 else [res]
    if not batched:
        res = [r[0] for r in res]
    for o, r in zip(outs, res, strict=True):
        assert_close(o, r)
    loss = sum((r * torch.tensor(c)).sum() for r, c in zip(res, cts, strict=True))
    grads = torch.autograd.grad(loss, [tx, *th, *tw])
    for ours, theirs in zip([g_x, *g_h, *g_w], grads, strict=True):
        assert_close(ours, theirs)


def test_lstm_cell_projection_matches_one_step_of_torch_lstm(rng):
    m = _module("lstm", proj_size=2)
    w_ih, w_hh, b_ih, b_hh, w_hr = _params(m)
    x = randn(rng, B, IN)
    h0, c0 = randn(rng, B, 2), randn(rng, B, H)
    h, c = nn.lstm_cell(
        jnp.asarray(x), (jnp.asarray(h0), jnp.asarray(c0)), w_ih, w_hh, b_ih, b_hh, w_hr
    )
    _, (ht, ct) = m(torch.tensor(x)[None], (torch.tensor(h0)[None], torch.tensor(c0)[None]))
    assert_close(h, ht[0])
    assert_close(c, ct[0])


def test_cell_default_state_is_zero(rng):
    x = jnp.asarray(randn(rng, B, IN))
    w_ih, w_hh = jnp.asarray(randn(rng, 3 * H, IN)), jnp.asarray(randn(rng, 3 * H, H))
    assert_close(nn.gru_cell(x, None, w_ih, w_hh), nn.gru_cell(x, jnp.zeros((B, H)), w_ih, w_hh))


# --------------------------------------------------------------------------------------------
# Dropout between layers.
# --------------------------------------------------------------------------------------------


def test_dropout_needs_key_and_is_reproducible(rng):
    m = _module("lstm", num_layers=2)
    x = jnp.asarray(randn(rng, T, B, IN))
    params = _params(m)
    with pytest.raises(InvalidArgumentError, match="lstm: dropout=0.5 in training mode needs"):
        nn.lstm(x, None, params, num_layers=2, dropout=0.5, training=True)
    run = lambda k: nn.lstm(x, None, params, 2, True, 0.5, True, key=jax.random.key(k))[0]  # noqa: E731
    assert_close(run(0), run(0))
    assert not np.allclose(run(0), run(1))
    # evaluation mode ignores dropout, as torch does
    ev = nn.lstm(x, None, params, num_layers=2, dropout=0.5, training=False)[0]
    assert_close(ev, m(torch.tensor(np.asarray(x)))[0])


def test_dropout_one_zeroes_the_input_of_the_next_layer(rng):
    m = _module("gru", num_layers=2)
    x = jnp.asarray(randn(rng, T, B, IN))
    params = _params(m)
    out = nn.gru(x, None, params, 2, True, 1.0, True, key=jax.random.key(0))[0]
    # the second layer alone on a zero input
    second = nn.gru(jnp.zeros((T, B, H)), None, params[4:])[0]
    assert_close(out, second)


def test_dropout_scales_kept_values(rng):
    # one bias-free layer of identity-ish RNN: layer 2 sees dropout(layer 1 output)
    p = 0.5
    x = jnp.ones((40, 8, 1))
    params = [jnp.ones((1, 1)), jnp.zeros((1, 1)), jnp.ones((1, 1)), jnp.zeros((1, 1))]
    out = nn.rnn(x, None, params, 2, False, p, True, key=jax.random.key(3), nonlinearity="relu")[0]
    values = np.unique(np.round(np.asarray(out), 5))
    assert set(values.tolist()) <= {0.0, 2.0}
    kept = float((np.asarray(out) > 0).mean())
    assert 0.35 < kept < 0.65


# --------------------------------------------------------------------------------------------
# Long sequences.
# --------------------------------------------------------------------------------------------


def test_gradients_over_1000_steps_stay_finite_with_clipping(rng):
    hidden, steps = 8, 1000
    params = [
        jnp.asarray(randn(rng, hidden, 2)),
        jnp.asarray(randn(rng, hidden, hidden) * 1.5),  # large recurrent weights
        jnp.zeros(hidden),
        jnp.zeros(hidden),
    ]
    x = jnp.asarray(randn(rng, steps, 2, 2))
    target = jnp.asarray(randn(rng, steps, 2, hidden)) * 0.5

    def loss(params):
        out, _ = nn.rnn(x, None, params)
        return jnp.mean((out - target) ** 2)

    opt = optax.chain(optax.clip_by_global_norm(1.0), optax.sgd(0.1))
    state = opt.init(params)

    @jax.jit
    def step(params, state):
        value, grads = jax.value_and_grad(loss)(params)
        updates, state = opt.update(grads, state, params)
        new = optax.apply_updates(params, updates)
        return new, state, value, optax.tree.norm(grads), optax.tree.norm(updates)

    for _ in range(5):
        params, state, value, norm, moved = step(params, state)
        assert np.isfinite(float(value)) and np.isfinite(float(norm))
        assert all(bool(jnp.isfinite(p).all()) for p in params)
        assert float(norm) > 1.0  # the raw gradient is large: clipping bounds the step
        assert float(moved) <= 0.1 * (1.0 + 1e-5)


# --------------------------------------------------------------------------------------------
# Packing.
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("batch_first", [False, True])
def test_pack_and_pad_match_torch(enforce_sorted, batch_first, rng):
    lengths = [5, 3, 3, 1] if enforce_sorted else [2, 5, 1, 3]
    shape = (4, 6, 2) if batch_first else (6, 4, 2)
    x = randn(rng, *shape)
    ours = nn.pack_padded_sequence(jnp.asarray(x), lengths, batch_first, enforce_sorted)
    theirs = torch.nn.utils.rnn.pack_padded_sequence(
        torch.tensor(x), torch.tensor(lengths), batch_first, enforce_sorted
    )
    assert_close(ours.data, theirs.data)
    assert_close(ours.batch_sizes, theirs.batch_sizes)
    for a, b in (
        (ours.sorted_indices, theirs.sorted_indices),
        (ours.unsorted_indices, theirs.unsorted_indices),
    ):
        assert (a is None) == (b is None)
        if a is not None:
            assert_close(a, b)
    padded, lens = nn.pad_packed_sequence(ours, batch_first, padding_value=-1.0, total_length=7)
    padded_t, lens_t = torch.nn.utils.rnn.pad_packed_sequence(
        theirs, batch_first, padding_value=-1.0, total_length=7
    )
    assert_close(padded, padded_t)
    assert_close(lens, lens_t)


def test_pack_padded_gradient_is_a_scatter(rng):
    x = jnp.asarray(randn(rng, 4, 3))
    plan = nn.packing_indices([4, 2, 1])
    g = jax.grad(lambda x: nn.pack_padded(x, plan.pack_index).sum())(x)
    mask = np.arange(4)[:, None] < np.array([4, 2, 1])[None]
    assert_close(g, mask.astype(np.float32))


def test_packing_plan_round_trip(rng):
    plan = nn.packing_indices([2, 4, 1], enforce_sorted=False)
    again = nn.packing_indices_from_batch_sizes(plan.batch_sizes, plan.sorted_indices)
    for a, b in zip(plan, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert plan.lengths.tolist() == [2, 4, 1]


@pytest.mark.parametrize("padding_side", ["right", "left"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_pad_sequence_matches_torch(padding_side, batch_first, rng):
    seqs = [randn(rng, n, 2) for n in (3, 1, 4)]
    ours = nn.pad_sequence([jnp.asarray(s) for s in seqs], batch_first, 0.5, padding_side)
    theirs = torch.nn.utils.rnn.pad_sequence(
        [torch.tensor(s) for s in seqs], batch_first, 0.5, padding_side
    )
    assert_close(ours, theirs)


# --------------------------------------------------------------------------------------------
# Errors.
# --------------------------------------------------------------------------------------------


def test_sequence_errors(rng):
    m = _module("lstm", num_layers=2)
    params = _params(m)
    x = jnp.asarray(randn(rng, T, B, IN))
    with pytest.raises(
        ShapeError, match=r"lstm: input.size\(-1\) must be equal to input_size. Expected 3, got 7"
    ):
        nn.lstm(jnp.zeros((T, B, 7)), None, params, num_layers=2)
    with pytest.raises(ShapeError, match="lstm: Expected input to be 2D or 3D, got 4D instead"):
        nn.lstm(jnp.zeros((1, T, B, IN)), None, params, num_layers=2)
    with pytest.raises(ShapeError, match=r"Expected hidden\[0\] size \(2, 2, 4\), got \[2, 2, 5\]"):
        nn.lstm(x, (jnp.zeros((2, B, 5)), jnp.zeros((2, B, H))), params, num_layers=2)
    with pytest.raises(ShapeError, match=r"Expected hidden\[1\] size \(2, 2, 4\), got \[1, 2, 4\]"):
        nn.lstm(x, (jnp.zeros((2, B, H)), jnp.zeros((1, B, H))), params, num_layers=2)
    with pytest.raises(ShapeError, match="got 8 parameter arrays, expected 4 or 5"):
        nn.lstm(x, None, params)
    with pytest.raises(ShapeError, match="For batched 3-D input, hx should also be 3-D"):
        nn.gru(x, jnp.zeros((B, H)), _params(_module("gru")))
    with pytest.raises(ShapeError, match="For unbatched 2-D input, hx should also be 2-D"):
        nn.gru(x[:, 0], jnp.zeros((1, B, H)), _params(_module("gru")))
    bad = list(params)
    bad[4] = jnp.zeros((16, 5))
    with pytest.raises(
        ShapeError, match=r"params\[4\] \(weight_ih_l1\) has shape \(16, 5\), expected \(16, 4\)"
    ):
        nn.lstm(x, None, bad, num_layers=2)
    with pytest.raises(DTypeError, match="lstm: input dtype \\(float16\\) does not match"):
        nn.lstm(x.astype(jnp.float16), None, params, num_layers=2)
    with pytest.raises(DTypeError, match="expected a floating point 'input', got int32"):
        nn.lstm(jnp.zeros((T, B, IN), jnp.int32), None, params, num_layers=2)
    with pytest.raises(InvalidArgumentError, match="dropout should be a number in range"):
        nn.lstm(x, None, params, num_layers=2, dropout=1.5)
    with pytest.raises(InvalidArgumentError, match="Unknown nonlinearity 'gelu'"):
        nn.rnn(x, None, _params(_module("rnn")), nonlinearity="gelu")
    with pytest.raises(ShapeError, match=r"lengths must be in \[1, 5\]"):
        nn.lstm(x, None, params, num_layers=2, lengths=jnp.array([6, 1]))
    with pytest.raises(ShapeError, match=r"lengths must be an integer array of shape \(2,\)"):
        nn.lstm(x, None, params, num_layers=2, lengths=jnp.array([5, 1, 1]))
    with pytest.raises(ArgumentTypeError, match="hx must be a pair"):
        nn.lstm(x, jnp.zeros((2, B, H)), params, num_layers=2)


def test_cell_errors(rng):
    x = jnp.zeros((B, IN))
    w_ih, w_hh = jnp.zeros((4 * H, IN)), jnp.zeros((4 * H, H))
    with pytest.raises(
        ShapeError, match="lstm_cell: input has inconsistent input_size: got 7 expected 3"
    ):
        nn.lstm_cell(jnp.zeros((B, 7)), None, w_ih, w_hh)
    with pytest.raises(ShapeError, match="Input batch size 2 doesn't match hx\\[0\\] batch size 3"):
        nn.lstm_cell(x, (jnp.zeros((3, H)), jnp.zeros((3, H))), w_ih, w_hh)
    with pytest.raises(ShapeError, match="hidden has inconsistent hidden_size: got 5, expected 4"):
        nn.rnn_tanh_cell(x, jnp.zeros((B, 5)), w_ih[:H], w_hh[:H])
    with pytest.raises(ShapeError, match="Expected input to be 1D or 2D, got 3D instead"):
        nn.gru_cell(jnp.zeros((1, B, IN)), None, w_ih[: 3 * H], w_hh[: 3 * H])
    with pytest.raises(ShapeError, match=r"b_ih has shape \(3,\), expected \(4,\)"):
        nn.rnn_relu_cell(x, None, w_ih[:H], w_hh[:H], jnp.zeros(3), jnp.zeros(H))
    with pytest.raises(ShapeError, match=r"hx\[1\] has shape \(2, 5\), expected \(2, 4\)"):
        nn.lstm_cell(x, (jnp.zeros((B, H)), jnp.zeros((B, 5))), w_ih, w_hh)


def test_packing_errors():
    with pytest.raises(InvalidArgumentError, match="must be sorted in decreasing order"):
        nn.pack_padded_sequence(jnp.zeros((3, 2)), [1, 3])
    with pytest.raises(InvalidArgumentError, match="has to be greater than 0"):
        nn.pack_padded_sequence(jnp.zeros((3, 2)), [3, 0])
    with pytest.raises(ShapeError, match="Expected `len\\(lengths\\)` to be equal to batch_size"):
        nn.pack_padded_sequence(jnp.zeros((3, 2)), [3, 2, 1])
    with pytest.raises(ShapeError, match="exceed the padded length 3"):
        nn.pack_padded_sequence(jnp.zeros((3, 2)), [4, 2])
    with pytest.raises(TracingError, match="must be concrete"):
        jax.jit(lambda n: nn.packing_indices(n))(jnp.array([2, 1]))
    packed = nn.pack_padded_sequence(jnp.zeros((3, 2)), [3, 2])
    with pytest.raises(
        InvalidArgumentError, match="total_length=2 and max sequence length being 3"
    ):
        nn.pad_packed_sequence(packed, total_length=2)
    with pytest.raises(InvalidArgumentError, match="padding_side to be one of left or right"):
        nn.pad_sequence([jnp.zeros(2)], padding_side="top")
    with pytest.raises(ShapeError, match=r"sequences\[1\] has shape \(2, 3\)"):
        nn.pad_sequence([jnp.zeros((2, 2)), jnp.zeros((2, 3))])
    with pytest.raises(InvalidArgumentError, match="permutation of range\\(2\\)"):
        nn.packing_indices_from_batch_sizes([2, 1], [0, 0])
