"""compat.nn conv layers against torch.nn: functional ops, modules with copied weights, init, repr."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from conftest import assert_close, randn

import compat
import compat.nn as nn
import compat.nn.functional as F
from rustorch_fx.errors import ArgumentTypeError, InvalidArgumentError, ShapeError

# Convolutions reduce C_in * prod(k) products in another order than torch: atol 1e-5.
ATOL = 1e-5


def _copy(module_t: torch.nn.Module, module_c: nn.Module) -> None:
    state = {k: compat.tensor(v.detach().numpy()) for k, v in module_t.state_dict().items()}
    module_c.load_state_dict(state)


def _check_module(module_t, module_c, x, rng, **call):
    """Forward and input/parameter gradients of a compat module against torch's."""
    _copy(module_t, module_c)
    for train in (True, False):
        module_t.train(train)
        module_c.train(train)
        xt = torch.tensor(x, requires_grad=True)
        xc = compat.tensor(x, requires_grad=True)
        ref, out = module_t(xt, **call), module_c(xc, **call)
        assert_close(out.detach().numpy(), ref, atol=ATOL)
        cot = randn(rng, *ref.shape)
        ref.backward(torch.tensor(cot))
        (out * compat.tensor(cot)).sum().backward()
        assert_close(xc.grad.numpy(), xt.grad, atol=ATOL)
        params_c = dict(module_c.named_parameters())
        for name, p in module_t.named_parameters():
            assert_close(params_c[name].grad.numpy(), p.grad, atol=ATOL)
            p.grad = None
            params_c[name].grad = None


@pytest.mark.parametrize(
    ("name", "kw"),
    [
        ("conv1d", {"stride": 2, "padding": 1}),
        ("conv2d", {"padding": 1}),
        ("conv2d", {"padding": "same", "dilation": 2, "groups": 2}),
        ("conv3d", {"stride": (1, 2, 1), "padding": [0, 1, 1]}),
    ],
)
def test_functional_conv_values_and_grads(name, kw, rng):
    nd = int(name[-2])
    x = randn(rng, 2, 4, *(6,) * nd)
    w = randn(rng, 6, 4 // kw.get("groups", 1), *(3,) * nd)
    b = randn(rng, 6)
    ts = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    cs = [compat.tensor(a, requires_grad=True) for a in (x, w, b)]
    ref = getattr(TF, name)(*ts, **kw)
    out = getattr(F, name)(*cs, **kw)
    assert_close(out.detach().numpy(), ref, atol=ATOL)
    cot = randn(rng, *ref.shape)
    ref.backward(torch.tensor(cot))
    (out * compat.tensor(cot)).sum().backward()
    for c, t in zip(cs, ts, strict=True):
        assert_close(c.grad.numpy(), t.grad, atol=ATOL)


def test_functional_conv_transpose(rng):
    x, w = randn(rng, 2, 4, 5, 5), randn(rng, 4, 3, 3, 3)
    ref = TF.conv_transpose2d(torch.tensor(x), torch.tensor(w), stride=2, output_padding=1)
    out = F.conv_transpose2d(compat.tensor(x), compat.tensor(w), stride=2, output_padding=1)
    assert_close(out.numpy(), ref, atol=ATOL)


@pytest.mark.parametrize("padding_mode", ["zeros", "reflect", "replicate", "circular"])
def test_conv2d_module_matches_torch(padding_mode, rng):
    kw = {"stride": 1, "padding": 2, "dilation": 1, "padding_mode": padding_mode}
    _check_module(
        torch.nn.Conv2d(4, 6, 3, **kw), nn.Conv2d(4, 6, 3, **kw), randn(rng, 2, 4, 7, 6), rng
    )


@pytest.mark.parametrize(
    ("cls", "args", "kw", "shape"),
    [
        (
            "Conv1d",
            (3, 4, 3),
            {"padding": "same", "padding_mode": "reflect", "bias": False},
            (2, 3, 8),
        ),
        ("Conv3d", (2, 4, 2), {"stride": 2, "groups": 2}, (2, 2, 5, 5, 5)),
        ("Conv2d", (3, 5, (3, 2)), {"padding": "same", "padding_mode": "circular"}, (3, 6, 6)),
        ("ConvTranspose1d", (3, 4, 3), {"stride": 2, "output_padding": 1}, (2, 3, 5)),
        (
            "ConvTranspose2d",
            (4, 6, 3),
            {"stride": 2, "padding": 1, "groups": 2, "dilation": 2},
            (2, 4, 4, 4),
        ),
        ("ConvTranspose3d", (2, 3, 2), {"bias": False}, (2, 3, 3, 3)),
    ],
    ids=lambda v: str(v),
)
def test_conv_modules_match_torch(cls, args, kw, shape, rng):
    _check_module(
        getattr(torch.nn, cls)(*args, **kw), getattr(nn, cls)(*args, **kw), randn(rng, *shape), rng
    )


def test_conv_transpose_output_size_matches_torch(rng):
    mt, mc = torch.nn.ConvTranspose2d(3, 4, 3, stride=2), nn.ConvTranspose2d(3, 4, 3, stride=2)
    x = randn(rng, 2, 3, 5, 5)
    for size in ([12, 12], [2, 4, 11, 12], (12, 11)):
        _check_module(mt, mc, x, rng, output_size=size)
    with pytest.raises(
        ValueError,
        match=r"requested an output size of \[14, 14\], but valid sizes range from \[11, 11\] to \[12, 12\]",
    ):
        mc(compat.tensor(x), output_size=[14, 14])
    with pytest.raises(ValueError, match="output_size must have 2 or 4 elements"):
        mc(compat.tensor(x), output_size=[12])


@pytest.mark.parametrize(
    ("cls", "args", "kw"),
    [
        ("Conv2d", (3, 8, 3), {}),
        ("Conv2d", (4, 8, (3, 2)), {"stride": 2, "padding": 1, "bias": False}),
        ("Conv2d", (4, 8, 3), {"padding": "same", "groups": 2, "padding_mode": "reflect"}),
        ("Conv1d", (4, 8, 3), {"dilation": 2, "padding": "valid"}),
        ("Conv3d", (2, 4, 3), {"padding": (1, 0, 1), "padding_mode": "circular"}),
        ("ConvTranspose2d", (3, 6, 3), {"stride": 2, "output_padding": 1, "dilation": 2}),
        ("ConvTranspose1d", (4, 6, 3), {"groups": 2, "bias": False}),
    ],
    ids=lambda v: str(v),
)
def test_conv_repr_shapes_and_init_match_torch(cls, args, kw):
    mt, mc = getattr(torch.nn, cls)(*args, **kw), getattr(nn, cls)(*args, **kw)
    assert repr(mc) == repr(mt)
    assert list(dict(mc.named_parameters())) == list(dict(mt.named_parameters()))
    for (name, pc), (_, pt) in zip(mc.named_parameters(), mt.named_parameters(), strict=True):
        assert tuple(pc.shape) == tuple(pt.shape), name
        # kaiming_uniform_(a=sqrt(5)) and the bias both draw U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
        fan_in = np.prod(mt.weight.shape[1:])
        bound = 1 / np.sqrt(fan_in)
        values = pc.detach().numpy()
        assert np.all(np.abs(values) <= bound + 1e-7), name
        assert values.std() > 0


def test_conv_init_distribution_is_torchs():
    mc = nn.Conv2d(16, 32, 3)
    w = mc.weight.detach().numpy()
    bound = 1 / np.sqrt(16 * 9)
    # U(-b, b): std b / sqrt(3); 4608 draws.
    assert abs(w.std() - bound / np.sqrt(3)) < 0.05 * bound
    assert abs(w.mean()) < 0.05 * bound


def test_conv_module_hyperparameter_errors():
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 6, 3, groups=2)
    with pytest.raises(ValueError, match="out_channels must be divisible by groups"):
        nn.Conv2d(4, 6, 3, groups=4)
    with pytest.raises(ValueError, match="groups must be a positive integer"):
        nn.Conv2d(4, 6, 3, groups=0)
    with pytest.raises(ValueError, match="invalid padding string 'full'"):
        nn.Conv2d(4, 6, 3, padding="full")
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        nn.Conv2d(4, 6, 3, padding="same", stride=2)
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv2d(4, 6, 3, padding_mode="mirror")
    with pytest.raises(
        ValueError, match='Only "zeros" padding mode is supported for ConvTranspose2d'
    ):
        nn.ConvTranspose2d(4, 6, 3, padding_mode="reflect")
    with pytest.raises(InvalidArgumentError, match="kernel_size must be an int or a tuple of 2"):
        nn.Conv2d(4, 6, (3, 3, 3))
    with pytest.raises(InvalidArgumentError, match="in_channels must be a positive int"):
        nn.Conv2d(0, 6, 3)


def test_conv_forward_errors(rng):
    m = nn.Conv2d(3, 6, 3)
    with pytest.raises(ShapeError, match=r"conv2d: input has 4 channels, weight expects 3"):
        m(compat.randn(2, 4, 8, 8))
    with pytest.raises(RuntimeError, match="Kernel size can't be greater"):
        m(compat.randn(2, 3, 2, 2))
    with pytest.raises(ArgumentTypeError, match="argument 'input' must be a Tensor"):
        F.conv2d(np.ones((1, 3, 4, 4)), m.weight)


def test_conv_float64_module(rng):
    mt = torch.nn.Conv1d(2, 3, 3).double()
    mc = nn.Conv1d(2, 3, 3, dtype=compat.float64)
    assert mc.weight.dtype == compat.float64
    x = randn(rng, 2, 2, 5, dtype=np.float64)
    _copy(mt, mc)
    assert_close(mc(compat.tensor(x)).detach().numpy(), mt(torch.tensor(x)), atol=1e-12)
