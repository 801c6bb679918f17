"""compat.nn gaps against torch: Fold/Unfold, max unpooling, state-dict hooks, set_submodule,
to_empty (values, gradients, hook calls and errors compared with torch's)."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from conftest import assert_close, randn

import compat
import compat.nn as nn
import compat.nn.functional as F
from rustorch_fx.errors import (
    ArgumentTypeError,
    IndexOutOfRangeError,
    InvalidArgumentError,
    MissingAttributeError,
    SerializationError,
)


def _check(fn_c, fn_t, x, rng, atol=1e-6):
    """compat's value and input gradient against torch's."""
    xt = torch.tensor(x, requires_grad=True)
    xc = compat.tensor(x, requires_grad=True)
    ref, out = fn_t(xt), fn_c(xc)
    assert_close(out.detach().numpy(), ref, atol=atol)
    cot = randn(rng, *ref.shape)
    ref.backward(torch.tensor(cot))
    (out * compat.tensor(cot)).sum().backward()
    assert_close(xc.grad.numpy(), xt.grad, atol=atol)


# --------------------------------------------------------------------------------------------
# Fold / Unfold.
# --------------------------------------------------------------------------------------------


def test_unfold_fold_functional_and_modules(rng):
    x = randn(rng, 2, 3, 5, 6)
    kw = {"kernel_size": (2, 3), "dilation": (2, 1), "padding": 1, "stride": (1, 2)}
    _check(lambda t: F.unfold(t, **kw), lambda t: TF.unfold(t, **kw), x, rng)
    mt, mc = torch.nn.Unfold(**kw), nn.Unfold(**kw)
    assert repr(mc) == repr(mt)
    _check(mc, mt, x[0], rng)  # unbatched
    cols = TF.unfold(torch.tensor(x), **kw).numpy()
    ft, fc = torch.nn.Fold((5, 6), **kw), nn.Fold((5, 6), **kw)
    assert repr(fc) == repr(ft)
    _check(fc, ft, cols, rng)
    # Positional order kernel_size, dilation, padding, stride, as torch's.
    _check(
        lambda t: F.fold(t, [5, 6], 2, 1, 0, 1),
        lambda t: TF.fold(t, [5, 6], 2, 1, 0, 1),
        randn(rng, 12, 20),
        rng,
    )


def test_unfold_fold_errors():
    with pytest.raises(RuntimeError, match=r"sliding blocks is \(0, 0\)"):
        F.unfold(compat.ones(1, 3, 4, 4), 5)
    with pytest.raises(RuntimeError, match=r"divisible by the product of kernel_size"):
        nn.Fold((4, 4), 2)(compat.ones(1, 10, 9))
    with pytest.raises(RuntimeError, match=r"3 \* 3 = 9, but got input.size\(2\)=8"):
        F.fold(compat.ones(1, 12, 8), (4, 4), 2)
    with pytest.raises(ArgumentTypeError, match="must be a Tensor"):
        F.unfold(np.ones((1, 3, 4, 4)), 2)


# --------------------------------------------------------------------------------------------
# Max unpooling.
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("nd", [2])  # 1-d and 3-d: tests/test_nn_fold.py (same code path)
def test_max_unpool_modules_match_torch(nd, rng):
    shape = (2, 2, *(5,) * nd)
    x = np.round(randn(rng, *shape) * 1.5)
    pool_t = getattr(torch.nn, f"MaxPool{nd}d")(3, 2, 1, return_indices=True)
    pool_c = getattr(nn, f"MaxPool{nd}d")(3, 2, 1, return_indices=True)
    un_t = getattr(torch.nn, f"MaxUnpool{nd}d")(3, 2, 1)
    un_c = getattr(nn, f"MaxUnpool{nd}d")(3, 2, 1)
    assert repr(un_c) == repr(un_t)
    size = list(shape)  # torch also accepts the full (N, C, *spatial) size
    _check(
        lambda t: un_c(*pool_c(t), output_size=size),
        lambda t: un_t(*pool_t(t), output_size=size),
        x,
        rng,
    )


def test_max_unpool_functional_and_errors(rng):
    x = compat.tensor(randn(rng, 1, 2, 4, 4))
    v, i = F.max_pool2d(x, 2, return_indices=True)
    vt, it = TF.max_pool2d(torch.tensor(x.numpy()), 2, return_indices=True)
    assert_close(F.max_unpool2d(v, i, 2).numpy(), TF.max_unpool2d(vt, it, 2))
    assert_close(
        F.max_unpool2d(v[0], i[0], 2, output_size=[5, 5]).numpy(),
        TF.max_unpool2d(vt[0], it[0], 2, output_size=[5, 5]),
    )
    with pytest.raises(IndexError, match=r"index \d+ is out of bounds for size 16"):
        F.max_unpool2d(v, i + 30, 2)
    with pytest.raises(ValueError, match=r"dim 0 must be between 2 and 6"):
        F.max_unpool2d(v, i, 2, output_size=[7, 4])
    with pytest.raises(RuntimeError, match="same shape as the input"):
        F.max_unpool2d(v, i[..., :1], 2)
    with pytest.raises(TypeError, match="indices should be an integer"):
        F.max_unpool2d(v, i.float(), 2)
    with pytest.raises(ArgumentTypeError, match="'indices' must be a Tensor"):
        F.max_unpool2d(v, i.numpy(), 2)
    with pytest.raises(IndexOutOfRangeError, match="index -5 is out of bounds"):
        F.max_unpool2d(v, i * 0 - 5, 2)


# --------------------------------------------------------------------------------------------
# Spatial transformer (affine_grid + grid_sample) and channel shuffle.
# --------------------------------------------------------------------------------------------


def test_spatial_transformer_matches_torch(rng):
    x, theta = randn(rng, 2, 3, 4, 5), randn(rng, 2, 2, 3) * 0.8
    outs, grads = {}, {}
    for lib, fn in ((torch, TF), (compat, F)):
        xt = lib.tensor(x, requires_grad=True)
        tt = lib.tensor(theta, requires_grad=True)
        grid = fn.affine_grid(tt, [2, 3, 3, 4], align_corners=False)
        y = fn.grid_sample(xt, grid, mode="bilinear", padding_mode="border", align_corners=False)
        (
            y * lib.tensor(np.linspace(-1, 1, y.numel(), dtype=np.float32)).reshape(y.shape)
        ).sum().backward()
        outs[lib.__name__] = y.detach().numpy()
        grads[lib.__name__] = (xt.grad.numpy(), tt.grad.numpy())
    assert_close(outs["compat"], outs["torch"])
    assert_close(grads["compat"][0], grads["torch"][0])
    assert_close(grads["compat"][1], grads["torch"][1], atol=1e-5)


def test_channel_shuffle_module_and_errors(rng):
    x = randn(rng, 2, 6, 3)
    mt, mc = torch.nn.ChannelShuffle(3), nn.ChannelShuffle(3)
    assert repr(mc) == repr(mt)
    _check(mc, mt, x, rng)
    assert_close(
        compat.channel_shuffle(compat.tensor(x), 2).numpy(),
        torch.channel_shuffle(torch.tensor(x), 2),
    )
    with pytest.raises(RuntimeError, match="Got 6 channels and 4 groups"):
        nn.ChannelShuffle(4)(compat.tensor(x))
    with pytest.raises(ValueError, match="expected mode to be 'bilinear', 'nearest' or 'bicubic'"):
        F.grid_sample(compat.ones(1, 1, 2, 2), compat.zeros(1, 1, 1, 2), mode="area")
    with pytest.raises(NotImplementedError, match="only 4D and 5D sizes"):
        F.affine_grid(compat.zeros(1, 2, 3), [1, 1, 2])
    with pytest.raises(ArgumentTypeError, match="'grid' must be a Tensor"):
        F.grid_sample(compat.ones(1, 1, 2, 2), np.zeros((1, 1, 1, 2)))


# --------------------------------------------------------------------------------------------
# State-dict hooks, set_submodule, to_empty.
# --------------------------------------------------------------------------------------------


def _net(lib):
    return lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.Sequential(lib.nn.Linear(3, 1)))


def _record(lib, net, log):
    """Register every kind of state-dict hook on ``net`` and its inner child, logging calls."""

    def pre(mod, prefix, keep_vars):
        log.append(("pre", type(mod).__name__, prefix, keep_vars))

    def post(mod, sd, prefix, meta):
        log.append(("post", prefix, list(sd), dict(meta)))

    def private_post(mod, sd, prefix, meta):
        log.append(("private_post", prefix))
        if prefix == "":
            return {k.upper(): v for k, v in sd.items()}
        return None

    def load_pre(mod, sd, prefix, meta, strict, missing, unexpected, errors):
        log.append(("load_pre", type(mod).__name__, prefix, sorted(sd), strict))
        if prefix + "W" in sd:
            sd[prefix + "weight"] = sd.pop(prefix + "W")

    def private_load_pre(sd, prefix, meta, strict, missing, unexpected, errors):
        log.append(("private_load_pre", prefix, len(missing)))

    def load_post(mod, keys):
        log.append(
            ("load_post", type(mod).__name__, list(keys.missing_keys), list(keys.unexpected_keys))
        )
        keys.unexpected_keys.clear()

    inner = net[1][0]
    handles = [
        net.register_state_dict_pre_hook(pre),
        inner.register_state_dict_pre_hook(pre),
        net.register_state_dict_post_hook(post),
        inner.register_state_dict_post_hook(post),
        net._register_state_dict_hook(private_post),
        inner.register_load_state_dict_pre_hook(load_pre),
        net._register_load_state_dict_pre_hook(private_load_pre),
        inner.register_load_state_dict_post_hook(load_post),
        net.register_load_state_dict_post_hook(load_post),
    ]
    return handles


def test_state_dict_hooks_match_torch():
    logs = {}
    results = {}
    for lib in (torch, compat):
        torch.manual_seed(0)
        net, log = _net(lib), []
        handles = _record(lib, net, log)
        sd = net.state_dict(prefix="m.", keep_vars=True)
        keys = [list(sd), list(net.state_dict())]  # the second: upper-cased at the root
        plain = {k: v.detach().numpy() for k, v in _net(lib).state_dict().items()}
        plain["1.0.W"] = plain.pop("1.0.weight")
        plain["extra"] = np.zeros(1, np.float32)
        as_lib = {k: lib.tensor(v) for k, v in plain.items()}
        res = net.load_state_dict(as_lib, strict=True)
        results[lib.__name__] = (keys, list(res.missing_keys), list(res.unexpected_keys))
        assert "1.0.W" in as_lib  # the caller's mapping is not edited by the hooks
        for h in handles:
            h.remove()
        assert list(net.state_dict()) == ["0.weight", "0.bias", "1.0.weight", "1.0.bias"]
        logs[lib.__name__] = log
    assert logs["compat"] == logs["torch"]
    assert results["compat"] == results["torch"]


def test_state_dict_hook_errors_and_pickling():
    m = nn.Linear(2, 2)
    m.register_state_dict_post_hook(lambda mod, sd, p, meta: sd)
    with pytest.raises(RuntimeError, match="post-hook must return None"):
        m.state_dict()

    def hook(mod, sd, p, meta):
        return None

    m = nn.Linear(2, 2)
    m.register_state_dict_post_hook(hook)
    with pytest.raises(RuntimeError, match="previously registered via register_state_dict_post"):
        m._register_state_dict_hook(hook)
    m = nn.Linear(2, 2)
    m.register_load_state_dict_post_hook(lambda mod, keys: keys)
    with pytest.raises(SerializationError, match="not expected to return new values"):
        m.load_state_dict(m.state_dict())
    # A module-bound load pre-hook follows a deep copy to the copy.
    seen = []
    m = nn.Linear(2, 2)
    m.register_load_state_dict_pre_hook(lambda mod, *rest: seen.append(mod))
    c = copy.deepcopy(m)
    c.load_state_dict(c.state_dict())
    assert seen == [c]


def test_set_submodule_matches_torch():
    for lib, missing, bad in (
        (torch, AttributeError, ValueError),
        (compat, MissingAttributeError, InvalidArgumentError),
    ):
        net = _net(lib)
        net.set_submodule("1.0", lib.nn.ReLU())
        net.set_submodule("1.act", lib.nn.Tanh())
        with pytest.raises(bad, match="without a target name"):
            net.set_submodule("", lib.nn.ReLU())
        with pytest.raises(bad, match="is not an nn.Module"):
            net.set_submodule("0", 3)
        with pytest.raises(missing, match="has no attribute `x`"):
            net.set_submodule("x.y", lib.nn.ReLU())
        with pytest.raises(missing, match="has no attribute `2`"):
            net.set_submodule("2", lib.nn.ReLU(), strict=True)
        with pytest.raises(missing, match="`weight` is not an nn.Module"):
            net.set_submodule("0.weight", lib.nn.ReLU())
        if lib is torch:
            expected = repr(net)
    assert repr(net) == expected


def test_to_empty_keeps_parameters_and_shapes():
    m = nn.BatchNorm1d(3)
    w = m.weight
    out = m.to_empty(device="cpu")
    assert out is m and m.weight is w and m.weight.requires_grad
    assert {k: (tuple(v.shape), v.dtype) for k, v in m.state_dict().items()} == {
        k: (tuple(v.shape), v.dtype) for k, v in nn.BatchNorm1d(3).state_dict().items()
    }
    m.reset_parameters()
    assert float(m.weight.sum().item()) == 3.0
    with pytest.raises(TypeError):
        m.to_empty("cpu")


# --------------------------------------------------------------------------------------------
# Lazy modules, UninitializedParameter, SyncBatchNorm.
# --------------------------------------------------------------------------------------------

LAZY = [
    ("LazyLinear", (3,), {}, (4, 5)),
    ("LazyConv2d", (4, 3), {"padding": 1, "groups": 2}, (2, 2, 5, 5)),
    ("LazyConvTranspose1d", (4, 3), {"stride": 2, "bias": False}, (2, 3, 4)),
    ("LazyBatchNorm1d", (), {}, (4, 3)),
    ("LazyInstanceNorm2d", (), {}, (2, 3, 4, 4)),
]


@pytest.mark.parametrize(("cls", "args", "kw", "shape"), LAZY, ids=[c[0] for c in LAZY])
def test_lazy_modules_match_torch(cls, args, kw, shape, rng):
    mt, mc = getattr(torch.nn, cls)(*args, **kw), getattr(nn, cls)(*args, **kw)
    assert repr(mc) == repr(mt)
    assert repr(dict(mc.state_dict())) == repr(dict(mt.state_dict()))  # the placeholders
    x = randn(rng, *shape)
    mt(torch.tensor(x))
    mc(compat.tensor(x))
    # Now the ordinary classes, with torch's parameter shapes.
    assert type(mc).__name__ == type(mt).__name__ == cls[4:]
    assert repr(mc) == repr(mt)
    assert {k: tuple(v.shape) for k, v in mc.state_dict().items()} == {
        k: tuple(v.shape) for k, v in mt.state_dict().items()
    }
    # Loading torch's state into a fresh lazy module materialises it; then outputs match.
    fresh = getattr(nn, cls)(*args, **kw)
    fresh.load_state_dict(mt.state_dict())
    # Values only: the layers' gradients are tested with the ordinary classes.
    assert_close(fresh(compat.tensor(x)).detach().numpy(), mt(torch.tensor(x)).detach(), atol=1e-5)
    assert type(fresh).__name__ == cls[4:]
    # torch leaves in_channels/num_features at 0 after such a load; compat takes the input's.
    assert repr(fresh) == repr(mc)


def test_uninitialized_parameter_semantics():
    p = nn.UninitializedParameter(dtype=compat.float64)
    assert repr(p) == "<UninitializedParameter>" and nn.parameter.is_lazy(p)
    with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized"):
        p.shape
    p.materialize((2, 3))
    assert type(p) is nn.Parameter and p.shape == (2, 3) and p.dtype == compat.float64
    b = nn.UninitializedBuffer(persistent=False)
    assert repr(b) == "<UninitializedBuffer>" and not b.persistent
    b.materialize(4)
    assert type(b) is compat.Tensor and b.shape == (4,)
    # Casting a lazy module before its dry run sets the placeholders' dtype.
    m = nn.LazyLinear(2).double()
    m(compat.ones(1, 3, dtype=compat.float64))
    assert m.weight.dtype == compat.float64
    # A copy (deepcopy or pickle) initialises on its own.
    lazy = nn.LazyLinear(2)
    clone = copy.deepcopy(lazy)
    clone(compat.ones(1, 3))
    assert type(clone) is nn.Linear and type(lazy) is nn.LazyLinear
    with pytest.raises(RuntimeError, match="Expected 4D \\(unbatched\\) or 5D"):
        nn.LazyConv3d(2, 1)(compat.ones(2, 3))
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.LazyConv1d(4, 1, groups=2)(compat.ones(1, 3, 4))
    loaded = nn.LazyLinear(2)
    loaded.load_state_dict(nn.Linear(3, 2).state_dict())
    with pytest.raises(RuntimeError, match="in_features inferred from the input, 4"):
        loaded(compat.ones(1, 4))


def test_sync_batch_norm_is_batch_norm_in_one_process(rng):
    x = randn(rng, 4, 3, 2, 2)
    mt, mc = torch.nn.SyncBatchNorm(3, momentum=None), nn.SyncBatchNorm(3, momentum=None)
    assert repr(mc) == repr(mt)
    _check(mc, mt, x, rng, atol=1e-5)
    assert_close(mc.running_var.numpy(), mt.running_var)
    assert int(mc.num_batches_tracked.item()) == 1
    net = nn.Sequential(nn.Conv2d(3, 4, 1), nn.Sequential(nn.BatchNorm2d(4)))
    net.eval()
    weight = net[1][0].weight
    converted = nn.SyncBatchNorm.convert_sync_batchnorm(net)
    inner = converted[1][0]
    assert type(inner) is nn.SyncBatchNorm and inner.weight is weight and not inner.training
    with pytest.raises(ValueError, match="expected at least 2D input \\(got 1D input\\)"):
        mc(compat.ones(3))


# --------------------------------------------------------------------------------------------
# Fractional max pooling.
# --------------------------------------------------------------------------------------------


def test_fractional_max_pool_matches_torch_with_the_same_samples(rng):
    x = np.round(randn(rng, 2, 3, 9, 8) * 2)  # ties: the gradient goes to the first maximum
    samples = rng.uniform(0, 1, (2, 3, 2)).astype(np.float32)
    kw = {"kernel_size": (3, 2), "output_size": (4, 5), "return_indices": True}
    st, sc = torch.tensor(samples), compat.tensor(samples)
    xt, xc = torch.tensor(x, requires_grad=True), compat.tensor(x, requires_grad=True)
    (vt, it), (vc, ic) = (
        TF.fractional_max_pool2d(xt, _random_samples=st, **kw),
        F.fractional_max_pool2d(xc, _random_samples=sc, **kw),
    )
    assert ic.dtype == compat.int64
    assert_close(ic.numpy(), it)
    assert_close(vc.detach().numpy(), vt)
    cot = randn(rng, *vt.shape)
    vt.backward(torch.tensor(cot))
    (vc * compat.tensor(cot)).sum().backward()
    assert_close(xc.grad.numpy(), xt.grad)
    # The module with fixed samples (a buffer), 3-d and output_ratio.
    x3 = randn(rng, 1, 2, 6, 7, 5)
    s3 = rng.uniform(0, 1, (1, 2, 3)).astype(np.float32)
    mt = torch.nn.FractionalMaxPool3d(2, output_ratio=0.6, _random_samples=torch.tensor(s3))
    mc = nn.FractionalMaxPool3d(2, output_ratio=0.6, _random_samples=compat.tensor(s3))
    assert repr(mc) == repr(mt) and list(mc.state_dict()) == list(mt.state_dict())
    assert_close(mc(compat.tensor(x3)).numpy(), mt(torch.tensor(x3)))


def test_fractional_max_pool_draws_from_compats_generator():
    x = compat.randn(2, 3, 8, 8)
    pool = nn.FractionalMaxPool2d(2, output_ratio=0.5, return_indices=True)
    compat.manual_seed(3)
    a = pool(x)
    compat.manual_seed(3)
    b = pool(x)
    assert a[0].shape == (2, 3, 4, 4)
    assert (a[1] == b[1]).all().item()
    assert F.fractional_max_pool2d_with_indices(x[0], 2, output_ratio=0.5)[1].shape == (3, 4, 4)
    with pytest.raises(ValueError, match="requires specifying either an output size"):
        nn.FractionalMaxPool2d(2)
    with pytest.raises(ValueError, match=r"output_ratio must be between 0 and 1 \(got 1.5\)"):
        nn.FractionalMaxPool2d(2, output_ratio=1.5)
    with pytest.raises(RuntimeError, match="pool height 3 too large relative to input height 8"):
        F.fractional_max_pool2d(x, 3, output_size=7)
    with pytest.raises(RuntimeError, match=r"_random_samples of shape \(2, 3, 2\)"):
        F.fractional_max_pool2d(x, 2, output_size=3, _random_samples=compat.rand(2, 3, 3))


# --------------------------------------------------------------------------------------------
# AdaptiveLogSoftmaxWithLoss.
# --------------------------------------------------------------------------------------------


def test_adaptive_log_softmax_matches_torch(rng):
    mt = torch.nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3, 6], div_value=2.0, head_bias=True)
    mc = nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3, 6], div_value=2.0, head_bias=True)
    assert repr(mc) == repr(mt)
    mc.load_state_dict(mt.state_dict())
    x = randn(rng, 5, 8)
    target = np.array([0, 4, 5, 2, 1])  # nothing in the cluster [6, 10)
    xt, xc = torch.tensor(x, requires_grad=True), compat.tensor(x, requires_grad=True)
    rt, rc = mt(xt, torch.tensor(target)), mc(xc, compat.tensor(target))
    assert_close(rc.output.detach().numpy(), rt.output.detach())
    assert_close(rc.loss.detach().numpy(), rt.loss.detach())
    rt.loss.backward()
    rc.loss.backward()
    assert_close(xc.grad.numpy(), xt.grad)
    for (name, pt), (_, pc) in zip(mt.named_parameters(), mc.named_parameters(), strict=True):
        if pt.grad is None:  # the empty cluster's tail, as in torch
            assert pc.grad is None, name
        else:
            assert_close(pc.grad.numpy(), pt.grad, atol=1e-6)
    with compat.no_grad():
        assert_close(mc.log_prob(xc).numpy(), mt.log_prob(torch.tensor(x)))
        assert_close(mc.predict(xc).numpy(), mt.predict(torch.tensor(x)))
    with pytest.raises(IndexError, match=r"Target values should be in \[0, 9\]"):
        mc(xc, compat.tensor([0, 1, 12, 3, 4]))
    with pytest.raises(RuntimeError, match="same size in the batch dimension"):
        mc(xc, compat.tensor([0, 1]))
    with pytest.raises(RuntimeError, match="multi-target not supported"):
        mc(xc, compat.zeros(5, 2, dtype=compat.int64))
    with pytest.raises(ValueError, match="cutoffs should be a sequence of unique"):
        nn.AdaptiveLogSoftmaxWithLoss(8, 10, [6, 3])


def test_cross_map_lrn2d_matches_torch(rng):
    # torch's forward keeps channel 0 in the window and its backward is hand-written: both
    # are reproduced (7 channels, so the window moves past channel 0).
    mt, mc = torch.nn.CrossMapLRN2d(5, 0.1, 0.75, 1.5), nn.CrossMapLRN2d(5, 0.1, 0.75, 1.5)
    assert repr(mc) == repr(mt)
    _check(mc, mt, randn(rng, 2, 7, 3, 2), rng)
    with pytest.raises(ValueError, match="Expected input to be 4D, got 3D instead"):
        mc(compat.ones(2, 3, 4))
