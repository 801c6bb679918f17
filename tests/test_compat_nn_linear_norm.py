"""compat linear and normalisation layers against torch: functional forms and modules.

Modules are built in both libraries, torch's state dict is loaded into compat's, and the outputs,
the input gradients, every parameter's gradient and every buffer are compared over several
training steps and in eval mode.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from conftest import assert_close, randn

import compat
import compat.nn as nn
import compat.nn.functional as F
from rustorch_fx.errors import ArgumentTypeError, InvalidArgumentError, ShapeError


def _np(t) -> np.ndarray:
    return t.detach().numpy()


def _load(ours, theirs) -> None:
    ours.load_state_dict(
        {k: compat.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()}
    )


def _step(ours, theirs, inputs, rng, atol=1e-5):
    """One forward/backward in both libraries: compare outputs, all grads and all buffers."""
    xs = [compat.tensor(x, requires_grad=True) for x in inputs]
    ts = [torch.tensor(x, requires_grad=True) for x in inputs]
    out, ref = ours(*xs), theirs(*ts)
    assert_close(_np(out), ref, atol=1e-6)
    cot = randn(rng, *ref.shape)
    (out * compat.tensor(cot)).sum().backward()
    (ref * torch.tensor(cot)).sum().backward()
    for x, t in zip(xs, ts, strict=True):
        assert_close(_np(x.grad), t.grad, atol=atol)
    params = dict(ours.named_parameters())
    tparams = dict(theirs.named_parameters())
    assert list(params) == list(tparams)
    for name, p in params.items():
        assert_close(_np(p.grad), tparams[name].grad, atol=atol)
    buffers, tbuffers = dict(ours.named_buffers()), dict(theirs.named_buffers())
    assert list(buffers) == list(tbuffers)
    for name, b in buffers.items():
        assert_close(_np(b), tbuffers[name])
    ours.zero_grad()
    theirs.zero_grad()


def _same_state_dict_layout(ours, theirs):
    sd, tsd = ours.state_dict(), theirs.state_dict()
    assert list(sd) == list(tsd)
    for k in sd:
        assert tuple(sd[k].shape) == tuple(tsd[k].shape), k
        assert str(sd[k].dtype) == str(tsd[k].dtype), k


# --------------------------------------------------------------------------------------------
# functional forms
# --------------------------------------------------------------------------------------------


def test_functional_linear_and_bilinear_match_torch(rng):
    x, w, b = randn(rng, 4, 5), randn(rng, 3, 5), randn(rng, 3)
    _step(
        _Fn(lambda x, w, b: F.linear(x, w, b)),
        _Fn(lambda x, w, b: TF.linear(x, w, b)),
        [x, w, b],
        rng,
    )
    x2, w2 = randn(rng, 4, 2), randn(rng, 3, 5, 2)
    _step(
        _Fn(lambda a, c, w: F.bilinear(a, c, w)),
        _Fn(lambda a, c, w: TF.bilinear(a, c, w)),
        [x, x2, w2],
        rng,
    )
    with pytest.raises(ArgumentTypeError, match="linear: argument 'weight' must be a Tensor"):
        F.linear(compat.ones(2, 3), np.ones((4, 3)))
    with pytest.raises(ShapeError, match="linear: input has 7 features, weight expects 8"):
        F.linear(compat.ones(4, 7), compat.ones(16, 8))


class _Fn:
    """A stateless callable with the module interface _step uses."""

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, *args):
        return self.fn(*args)

    def named_parameters(self):
        return iter(())

    def named_buffers(self):
        return iter(())

    def zero_grad(self):
        pass


@pytest.mark.parametrize("training", [True, False])
def test_functional_batch_norm_updates_running_stats_in_place(training, rng):
    x, w, b = randn(rng, 4, 3, 2), randn(rng, 3), randn(rng, 3)
    rm, rv = randn(rng, 3), np.abs(randn(rng, 3)) + 0.5
    orm, orv = compat.tensor(rm), compat.tensor(rv)
    trm, trv = torch.tensor(rm), torch.tensor(rv)
    v = orm._version
    for _ in range(2):
        out = F.batch_norm(
            compat.tensor(x), orm, orv, compat.tensor(w), compat.tensor(b), training, 0.2, 1e-3
        )
        ref = TF.batch_norm(
            torch.tensor(x), trm, trv, torch.tensor(w), torch.tensor(b), training, 0.2, 1e-3
        )
        assert_close(_np(out), ref)
    assert_close(_np(orm), trm)
    assert_close(_np(orv), trv)
    assert orm._version == v + (2 if training else 0)
    assert orm.grad_fn is None and not orm.requires_grad


def test_functional_batch_norm_backward_after_update(rng):
    # the in-place update of the running stats must not invalidate the graph
    x = compat.tensor(randn(rng, 5, 3), requires_grad=True)
    xt = torch.tensor(_np(x), requires_grad=True)
    out = F.batch_norm(x, compat.zeros(3), compat.ones(3), training=True)
    ref = TF.batch_norm(xt, torch.zeros(3), torch.ones(3), training=True)
    (out**3).sum().backward()
    (ref**3).sum().backward()
    assert_close(_np(x.grad), xt.grad, atol=1e-5)


def test_functional_instance_norm_updates_running_stats(rng):
    x = randn(rng, 2, 3, 5)
    orm, orv = compat.zeros(3), compat.ones(3)
    trm, trv = torch.zeros(3), torch.ones(3)
    out = F.instance_norm(compat.tensor(x), orm, orv, momentum=0.3)
    ref = TF.instance_norm(torch.tensor(x), trm, trv, momentum=0.3)
    assert_close(_np(out), ref)
    assert_close(_np(orm), trm)
    assert_close(_np(orv), trv)
    out = F.instance_norm(compat.tensor(x), orm, orv, use_input_stats=False)
    assert_close(_np(out), TF.instance_norm(torch.tensor(x), trm, trv, use_input_stats=False))


@pytest.mark.parametrize(
    "case",
    [
        (lambda m, x, w, b: m.layer_norm(x, [4], w, b), (2, 3, 4), (4,)),
        (lambda m, x, w, b: m.group_norm(x, 2, w, b), (2, 4, 3), (4,)),
        (lambda m, x, w, b: m.rms_norm(x, (3, 4), w * b), (2, 3, 4), (3, 4)),
    ],
    ids=["layer_norm", "group_norm", "rms_norm"],
)
def test_functional_norms_match_torch(case, rng):
    fn, shape, pshape = case
    arrays = [randn(rng, *shape), randn(rng, *pshape), randn(rng, *pshape)]
    _step(_Fn(lambda *a: fn(F, *a)), _Fn(lambda *a: fn(TF, *a)), arrays, rng)
    x = randn(rng, 2, 5, 3)
    _step(
        _Fn(lambda a: F.local_response_norm(a, 3, 0.1, 0.5, 2.0)),
        _Fn(lambda a: TF.local_response_norm(a, 3, 0.1, 0.5, 2.0)),
        [x],
        rng,
    )


def test_half_precision_input_keeps_dtype(rng):
    x = compat.tensor(randn(rng, 2, 4, 3) + 100).to(compat.float16)
    assert F.layer_norm(x, (3,)).dtype == compat.float16
    assert F.group_norm(x, 2).dtype == compat.float16
    assert F.batch_norm(x, None, None, training=True).dtype == compat.float16
    ref = TF.layer_norm(torch.tensor(_np(x).astype(np.float32)), (3,))
    np.testing.assert_allclose(_np(F.layer_norm(x, (3,))).astype(np.float32), ref, atol=2e-2)


# --------------------------------------------------------------------------------------------
# Linear, Bilinear, Identity
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bias", [True, False])
def test_linear_module_matches_torch(bias, rng):
    ours, theirs = nn.Linear(5, 3, bias=bias), torch.nn.Linear(5, 3, bias=bias)
    _load(ours, theirs)
    _same_state_dict_layout(ours, theirs)
    assert repr(ours) == repr(theirs)
    _step(ours, theirs, [randn(rng, 4, 5)], rng)
    _step(ours, theirs, [randn(rng, 2, 3, 5)], rng)


@pytest.mark.parametrize("bias", [True, False])
def test_bilinear_module_matches_torch(bias, rng):
    ours, theirs = nn.Bilinear(3, 4, 2, bias=bias), torch.nn.Bilinear(3, 4, 2, bias=bias)
    _load(ours, theirs)
    _same_state_dict_layout(ours, theirs)
    assert repr(ours) == repr(theirs)
    _step(ours, theirs, [randn(rng, 5, 3), randn(rng, 5, 4)], rng)


def test_identity_returns_its_input():
    x = compat.ones(2)
    m = nn.Identity(3, foo="bar")
    assert m(x) is x
    assert repr(m) == repr(torch.nn.Identity(3, foo="bar")) == "Identity()"


def test_default_initialisation_distributions():
    compat.manual_seed(0)
    lin = nn.Linear(400, 300)
    w, b = _np(lin.weight), _np(lin.bias)
    bound = 1 / math.sqrt(400)  # kaiming_uniform(a=sqrt(5)) gives U(-1/sqrt(fan_in), ..)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert abs(w.var() - bound**2 / 3) < 0.02 * bound**2
    assert np.abs(b).max() <= bound and abs(b.mean()) < 0.1 * bound
    bil = nn.Bilinear(100, 30, 50)
    bound = 1 / math.sqrt(100)
    assert np.abs(_np(bil.weight)).max() <= bound
    assert abs(_np(bil.weight).var() - bound**2 / 3) < 0.03 * bound**2
    assert np.abs(_np(bil.bias)).max() <= bound
    for m in (
        nn.BatchNorm1d(4),
        nn.LayerNorm(4),
        nn.GroupNorm(2, 4),
        nn.InstanceNorm1d(4, affine=True),
    ):
        assert (_np(m.weight) == 1).all() and (_np(m.bias) == 0).all()


def test_linear_module_errors():
    with pytest.raises(
        InvalidArgumentError, match="Linear: in_features must be a non-negative int"
    ):
        nn.Linear(-1, 3)
    m = nn.Linear(8, 16)
    with pytest.raises(
        ShapeError,
        match=r"linear: input has 7 features, weight expects 8 \(input shape \(4, 7\), weight shape \(16, 8\)\)",
    ):
        m(compat.ones(4, 7))


# --------------------------------------------------------------------------------------------
# BatchNorm
# --------------------------------------------------------------------------------------------

# Every class and rank with the defaults; each option on one or two of them (the compiled
# shapes are what costs time).
BN_CASES = [
    ("BatchNorm1d", (6, 3), {}),
    ("BatchNorm1d", (4, 3, 5), {}),
    ("BatchNorm2d", (2, 3, 3, 4), {}),
    ("BatchNorm3d", (2, 3, 2, 2, 3), {}),
    ("BatchNorm1d", (4, 3, 5), {"momentum": None}),
    ("BatchNorm2d", (2, 3, 3, 4), {"momentum": None}),
    ("BatchNorm1d", (6, 3), {"affine": False, "momentum": 0.3}),
    ("BatchNorm2d", (2, 3, 3, 4), {"track_running_stats": False}),
    ("BatchNorm1d", (4, 3, 5), {"bias": False, "eps": 1e-3}),
]


@pytest.mark.parametrize(
    ("cls", "shape", "options"),
    BN_CASES,
    ids=[f"{c}-{len(s)}d-" + "-".join(f"{k}={v}" for k, v in o.items()) for c, s, o in BN_CASES],
)
def test_batch_norm_modules_match_torch_over_steps(cls, shape, options, rng):
    ours, theirs = getattr(nn, cls)(3, **options), getattr(torch.nn, cls)(3, **options)
    _load(ours, theirs)
    _same_state_dict_layout(ours, theirs)
    assert repr(ours) == repr(theirs)
    for k in range(3):
        _step(ours, theirs, [randn(rng, *shape) * (k + 1) + k], rng)
    ours.eval()
    theirs.eval()
    _step(ours, theirs, [randn(rng, *shape)], rng)
    if options.get("track_running_stats", True):
        assert int(ours.num_batches_tracked) == 3
        assert ours.num_batches_tracked.dtype == compat.int64


def test_batch_norm_module_errors():
    with pytest.raises(ShapeError, match=r"BatchNorm2d: expected 4D input \(got 3D input\)"):
        nn.BatchNorm2d(3)(compat.ones(2, 3, 4))
    with pytest.raises(ShapeError, match=r"expected 2D or 3D input \(got 4D input\)"):
        nn.BatchNorm1d(3)(compat.ones(2, 3, 4, 4))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        nn.BatchNorm1d(3)(compat.ones(1, 3))
    with pytest.raises(ShapeError, match="running_mean should have shape"):
        nn.BatchNorm1d(4)(compat.ones(2, 3))
    with pytest.raises(InvalidArgumentError, match="num_features"):
        nn.BatchNorm1d(-2)
    # a single sample is fine in eval mode, as in torch
    m = nn.BatchNorm1d(3).eval()
    assert m(compat.ones(1, 3)).shape == (1, 3)


def test_batch_norm_loads_checkpoints_without_num_batches_tracked():
    m = nn.BatchNorm1d(2)
    sd = {
        k: v for k, v in torch.nn.BatchNorm1d(2).state_dict().items() if k != "num_batches_tracked"
    }
    m.load_state_dict(sd)  # strict: a version-1 checkpoint defaults the counter to 0
    assert int(m.num_batches_tracked) == 0


# --------------------------------------------------------------------------------------------
# InstanceNorm
# --------------------------------------------------------------------------------------------

IN_CASES = [
    ("InstanceNorm1d", (2, 3, 5), {}),
    ("InstanceNorm1d", (3, 5), {"affine": True}),
    ("InstanceNorm2d", (2, 3, 3, 2), {"affine": True, "track_running_stats": True}),
    ("InstanceNorm3d", (3, 2, 2, 3), {"track_running_stats": True, "momentum": 0.3}),
    ("InstanceNorm1d", (2, 3, 5), {"track_running_stats": True, "momentum": None}),
    ("InstanceNorm2d", (2, 3, 3, 2), {"affine": True, "bias": False}),
]


@pytest.mark.parametrize(
    ("cls", "shape", "options"),
    IN_CASES,
    ids=[f"{c}-{len(s)}d-" + "-".join(f"{k}={v}" for k, v in o.items()) for c, s, o in IN_CASES],
)
def test_instance_norm_modules_match_torch(cls, shape, options, rng):
    ours, theirs = getattr(nn, cls)(3, **options), getattr(torch.nn, cls)(3, **options)
    _load(ours, theirs)
    _same_state_dict_layout(ours, theirs)
    assert repr(ours) == repr(theirs)
    for k in range(2):
        _step(ours, theirs, [randn(rng, *shape) + k], rng)
    ours.eval()
    theirs.eval()
    _step(ours, theirs, [randn(rng, *shape)], rng)


def test_instance_norm_module_errors():
    with pytest.raises(ShapeError, match=r"expected 3D or 4D input \(got 2D input\)"):
        nn.InstanceNorm2d(3)(compat.ones(2, 3))
    with pytest.raises(
        ShapeError, match=r"expected input's size at dim=1 to match num_features \(4\), but got: 3"
    ):
        nn.InstanceNorm1d(4, affine=True)(compat.ones(2, 3, 5))
    with pytest.warns(UserWarning, match="does not match num_features"):
        nn.InstanceNorm1d(4)(compat.randn(2, 3, 5))


# --------------------------------------------------------------------------------------------
# LayerNorm, GroupNorm, RMSNorm, LocalResponseNorm
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "shape"),
    [
        (lambda m: m.LayerNorm(4), (2, 3, 4)),
        (lambda m: m.LayerNorm([3, 4], eps=1e-3, bias=False), (2, 3, 4)),
        (lambda m: m.LayerNorm(4, elementwise_affine=False), (2, 4)),
        (lambda m: m.GroupNorm(2, 4), (2, 4, 3)),
        (lambda m: m.GroupNorm(1, 4, affine=False), (3, 4, 2, 2)),
        (lambda m: m.GroupNorm(4, 4, bias=False), (2, 4, 3)),
        (lambda m: m.RMSNorm(4), (2, 3, 4)),
        (lambda m: m.RMSNorm([3, 4], eps=1e-4, elementwise_affine=False), (2, 3, 4)),
        (lambda m: m.LocalResponseNorm(3, alpha=0.2, beta=0.5, k=2.0), (2, 5, 3)),
    ],
    ids=[
        "ln",
        "ln-2d-nobias",
        "ln-noaffine",
        "gn",
        "gn-noaffine",
        "gn-nobias",
        "rms",
        "rms-noaffine",
        "lrn",
    ],
)
def test_norm_modules_match_torch(build, shape, rng):
    ours, theirs = build(nn), build(torch.nn)
    _load(ours, theirs)
    _same_state_dict_layout(ours, theirs)
    assert repr(ours) == repr(theirs)
    for k in range(2):
        _step(ours, theirs, [randn(rng, *shape) * 2 + k], rng)


def test_norm_module_errors():
    with pytest.raises(
        InvalidArgumentError, match=r"num_channels \(6\) must be divisible by num_groups \(4\)"
    ):
        nn.GroupNorm(4, 6)
    with pytest.raises(ValueError):
        nn.GroupNorm(0, 6)
    with pytest.raises(InvalidArgumentError, match="normalized_shape"):
        nn.LayerNorm("x")
    with pytest.raises(ShapeError, match=r"Given normalized_shape=\[4\]"):
        nn.LayerNorm(4)(compat.ones(2, 3))
    with pytest.raises(InvalidArgumentError, match="size must be a positive int"):
        nn.LocalResponseNorm(0)
