"""compat.func against torch.func: functional_call, the transforms, and stateless()."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
import torch.func as tf
from conftest import assert_close

import compat
import rustorch_fx as rt
from compat import func as cf
from rustorch_fx.errors import ArgumentTypeError, InvalidArgumentError, UnsupportedError


def _pair(seed: int = 0):
    """A compat MLP and a torch MLP with the same weights."""
    compat.manual_seed(seed)
    cm = compat.nn.Sequential(compat.nn.Linear(3, 4), compat.nn.Tanh(), compat.nn.Linear(4, 2))
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    with torch.no_grad():
        for (_, tp), (_, cp) in zip(tm.named_parameters(), cm.named_parameters(), strict=True):
            tp.copy_(torch.tensor(np.asarray(cp._value)))
    return cm, tm


X = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)


def _c(a):
    return compat.tensor(np.asarray(a))


def _t(a):
    return torch.tensor(np.asarray(a))


def test_functional_call_matches_torch_and_restores():
    cm, tm = _pair()
    new = {k: np.full(v.shape, 0.1, np.float32) for k, v in cm.state_dict().items()}
    got = cf.functional_call(cm, {k: _c(v) for k, v in new.items()}, (_c(X),))
    want = tf.functional_call(tm, {k: _t(v) for k, v in new.items()}, (_t(X),))
    assert_close(got, want)
    # the module's own parameters are back
    assert_close(cm(_c(X)), tm(_t(X)))


def test_functional_call_autograd_flows_into_given_tensors():
    cm, _ = _pair()
    w = compat.zeros(2, 4, requires_grad=True)
    cf.functional_call(cm, {"2.weight": w}, _c(X)).sum().backward()
    assert w.grad is not None and w.grad.shape == (2, 4)
    assert cm[2].weight.grad is None and cm[0].weight.grad is not None


def test_functional_call_under_jax_grad_and_jit():
    cm, tm = _pair()
    params = {k: v._value for k, v in cm.named_parameters()}

    def loss(p, x):
        return cf.functional_call(cm, p, (x,)).pow(2).sum()._value

    g = jax.jit(jax.grad(loss))(params, jnp.asarray(X))
    tg = tf.grad(lambda p, x: tf.functional_call(tm, p, (x,)).pow(2).sum())(
        dict(tm.named_parameters()), _t(X)
    )
    for k in params:
        assert_close(g[k], tg[k], rtol=1e-5, atol=1e-5)


def test_functional_call_restores_on_error():
    cm, _ = _pair()
    before = cm[0].weight
    with pytest.raises(compat.ShapeError):
        cf.functional_call(cm, {"0.weight": compat.zeros(4, 3)}, (compat.zeros(5, 7),))
    assert cm[0].weight is before


def test_functional_call_tied_weights_and_strict():
    lin = compat.nn.Linear(2, 2, bias=False)
    m = compat.nn.Sequential(lin, lin)
    out = cf.functional_call(m, {"0.weight": compat.eye(2)}, (compat.ones(1, 2),))
    assert out.tolist() == [[1.0, 1.0]]  # both uses see the new value
    with pytest.raises(InvalidArgumentError, match="tied"):
        cf.functional_call(m, {"0.weight": compat.eye(2), "1.weight": compat.eye(2)}, ())
    untied = cf.functional_call(
        m, {"0.weight": compat.eye(2)}, (compat.ones(1, 2),), tie_weights=False
    )
    assert untied.shape == (1, 2)
    with pytest.raises(InvalidArgumentError, match="Missing key"):
        cf.functional_call(compat.nn.Linear(2, 2), {"weight": compat.eye(2)}, (), strict=True)
    with pytest.raises(InvalidArgumentError, match="'nope'"):
        cf.functional_call(compat.nn.Linear(2, 2), {"nope": compat.eye(2)}, ())
    with pytest.raises(InvalidArgumentError, match="multiple dictionaries"):
        cf.functional_call(compat.nn.Linear(2, 2), ({"bias": X}, {"bias": X}), ())
    with pytest.raises(ArgumentTypeError, match="compat.nn.Module"):
        cf.functional_call(lambda x: x, {}, ())
    with pytest.raises(ArgumentTypeError, match="'bias'"):
        cf.functional_call(compat.nn.Linear(2, 2), {"bias": [1.0, 2.0]}, ())


def test_functional_call_reassigned_buffer_updates_dict():
    class Counter(compat.nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("n", compat.zeros(()))

        def forward(self, x):
            self.n = self.n + 1
            return x

    m = Counter()
    d = {"n": compat.zeros(())}
    cf.functional_call(m, d, (compat.ones(1),))
    assert d["n"].item() == 1.0 and m.n.item() == 0.0


def _f(x, y):
    return (x.sin() * y).sum()


def test_grad_and_value_match_torch():
    x, y = np.float32([0.5, 1.0, 2.0]), np.float32([1.0, -2.0, 3.0])
    g = cf.grad(_f, argnums=(0, 1))(_c(x), _c(y))
    tg = tf.grad(_f, argnums=(0, 1))(_t(x), _t(y))
    assert_close(g, tg)
    (gv, (v, aux)) = cf.grad_and_value(lambda a: (_f(a, _c(y)), a * 2), has_aux=True)(_c(x))
    tgv, (tv, taux) = tf.grad_and_value(lambda a: (_f(a, _t(y)), a * 2), has_aux=True)(_t(x))
    assert_close(gv, tgv)
    assert_close(v, tv)
    assert_close(aux, taux)
    assert isinstance(gv, compat.Tensor)


def test_vjp_jvp_jacobians_hessian_match_torch():
    x = np.float32([0.3, -1.2, 2.0])

    def f(a):
        return a.exp() * a.sum()

    out, fn = cf.vjp(f, _c(x))
    tout, tfn = tf.vjp(f, _t(x))
    assert_close(out, tout)
    assert_close(fn(compat.ones(3))[0], tfn(torch.ones(3))[0], rtol=1e-5)
    _, t = cf.jvp(f, (_c(x),), (compat.ones(3),))
    _to, tt = tf.jvp(f, (_t(x),), (torch.ones(3),))
    assert_close(t, tt, rtol=1e-5)
    _o, t, aux = cf.jvp(lambda a: (f(a), a + 1), (_c(x),), (compat.ones(3),), has_aux=True)
    assert_close(aux, _t(x) + 1)
    assert_close(cf.jacrev(f)(_c(x)), tf.jacrev(f)(_t(x)), rtol=1e-5)
    assert_close(cf.jacfwd(f)(_c(x)), tf.jacfwd(f)(_t(x)), rtol=1e-5)
    h = cf.hessian(lambda a: (a.sin() * a.sum()).sum())(_c(x))
    th = tf.hessian(lambda a: (a.sin() * a.sum()).sum())(_t(x))
    assert_close(h, th, rtol=1e-5, atol=1e-6)
    with pytest.raises(ArgumentTypeError, match="jvp: expected primals"):
        cf.jvp(f, _c(x), (compat.ones(3),))


def test_vmap_matches_torch_and_randomness():
    xs = np.random.default_rng(1).standard_normal((4, 3)).astype(np.float32)
    w = np.float32([1.0, 2.0, 3.0])
    got = cf.vmap(lambda a, b: (a * b).sum(), in_dims=(0, None))(_c(xs), _c(w))
    want = tf.vmap(lambda a, b: (a * b).sum(), in_dims=(0, None))(_t(xs), _t(w))
    assert_close(got, want)
    got = cf.vmap(lambda a: a * 2, in_dims=1, out_dims=1)(_c(xs))
    assert_close(got, _t(xs) * 2)

    def noisy(a):
        return a + compat.rand(3)

    with pytest.raises(InvalidArgumentError, match="randomness='error'"):
        cf.vmap(noisy)(_c(xs))
    with pytest.raises(UnsupportedError, match="different"):
        cf.vmap(noisy, randomness="different")(_c(xs))
    same = cf.vmap(noisy, randomness="same")(_c(xs)) - _c(xs)
    assert_close(same[0], same[3])
    with pytest.raises(InvalidArgumentError, match="randomness must be"):
        cf.vmap(noisy, randomness="maybe")
    with pytest.raises(InvalidArgumentError, match="vmap"):
        cf.vmap(lambda a, b: a + b)(compat.ones(2, 1), compat.ones(3, 1))


def test_per_sample_grads_with_functional_call_like_torch():
    cm, tm = _pair()
    params = {k: v.detach() for k, v in cm.named_parameters()}
    tparams = {k: v.detach() for k, v in tm.named_parameters()}

    def loss(p, x):
        return cf.functional_call(cm, p, (x.unsqueeze(0),)).sum()

    def tloss(p, x):
        return tf.functional_call(tm, p, (x.unsqueeze(0),)).sum()

    got = cf.vmap(cf.grad(loss), in_dims=(None, 0))(params, _c(X))
    want = tf.vmap(tf.grad(tloss), in_dims=(None, 0))(tparams, _t(X))
    for k in params:
        assert_close(got[k], want[k], rtol=1e-5, atol=1e-6)


def test_stateless_pure_fn_for_rustorch_transforms():
    cm, tm = _pair()
    fn, params = cf.stateless(cm)
    assert sorted(params) == sorted(k for k, _ in cm.named_parameters())
    assert all(isinstance(v, jax.Array) for v in params.values())

    def loss(p, x):
        return (fn(p, x) ** 2).sum()

    g = jax.jit(rt.grad(loss))(params, jnp.asarray(X))
    tg = tf.grad(lambda p, x: (tf.functional_call(tm, p, (x,)) ** 2).sum())(
        dict(tm.named_parameters()), _t(X)
    )
    for k in params:
        assert_close(g[k], tg[k], rtol=1e-5, atol=1e-5)
    h = rt.hessian(lambda b: loss({**params, "2.bias": b}, jnp.asarray(X)))(params["2.bias"])
    assert h.shape == (2, 2)
    with pytest.raises(ArgumentTypeError, match="stateless"):
        cf.stateless(object())


def test_stateless_with_buffers_batchnorm():
    compat.manual_seed(0)
    m = compat.nn.Sequential(compat.nn.Linear(3, 4), compat.nn.BatchNorm1d(4))
    fn, (params, buffers) = cf.stateless(m, with_buffers=True)
    out, new = jax.jit(fn)(params, buffers, jnp.asarray(X))
    assert int(new["1.num_batches_tracked"]) == 1
    assert int(m[1].num_batches_tracked.item()) == 0  # the module is untouched
    eager = m(_c(X))  # eager train-mode forward updates the module's buffers the same way
    assert_close(out, eager, rtol=1e-5, atol=1e-6)
    assert_close(new["1.running_mean"], m[1].running_mean, rtol=1e-5, atol=1e-6)
    # without buffers: the pure fn never changes the module
    fn2, _ = cf.stateless(m)
    jax.jit(fn2)(params, jnp.asarray(X))
    assert int(m[1].num_batches_tracked.item()) == 1
