"""compat.nn pooling, upsampling, pixel shuffle and padding (functional and modules) against torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from conftest import assert_close, randn

import compat
import compat.nn as nn
import compat.nn.functional as F
from rustorch_fx.errors import ArgumentTypeError


def _check(fn_c, fn_t, x, rng, atol=1e-6):
    """Values (and int64 indices) and the input gradient of compat's call against torch's."""
    xt = torch.tensor(x, requires_grad=True)
    xc = compat.tensor(x, requires_grad=True)
    ref, out = fn_t(xt), fn_c(xc)
    if isinstance(ref, tuple):
        assert out[1].dtype == compat.int64
        assert_close(out[1].numpy(), ref[1])
        ref, out = ref[0], out[0]
    assert_close(out.detach().numpy(), ref, atol=atol)
    cot = randn(rng, *ref.shape)
    ref.backward(torch.tensor(cot))
    (out * compat.tensor(cot)).sum().backward()
    assert_close(xc.grad.numpy(), xt.grad, atol=atol)


def _ties(rng, *shape):
    return np.round(randn(rng, *shape) * 1.5)


MODULES = [
    ("MaxPool1d", (3,), {"stride": 2, "padding": 1, "return_indices": True}, (2, 3, 9)),
    ("MaxPool2d", (2,), {}, (2, 3, 8, 8)),
    (
        "MaxPool2d",
        ((3, 2),),
        {"stride": 2, "dilation": (1, 2), "ceil_mode": True, "return_indices": True},
        (3, 7, 8),
    ),
    ("MaxPool3d", (2,), {"return_indices": True}, (1, 2, 4, 4, 4)),
    ("AvgPool1d", (3,), {"stride": 2, "padding": 1, "count_include_pad": False}, (2, 3, 9)),
    ("AvgPool2d", (3,), {"stride": 2, "padding": 1, "ceil_mode": True}, (2, 3, 8, 8)),
    ("AvgPool2d", (2,), {"divisor_override": 3}, (2, 3, 6, 6)),
    ("AvgPool3d", (2,), {}, (1, 2, 4, 4, 4)),
    ("LPPool1d", (2, 3), {}, (2, 3, 9)),
    ("LPPool2d", (3.0, 2), {"ceil_mode": True}, (2, 3, 7, 7)),
    ("AdaptiveAvgPool1d", (4,), {}, (2, 3, 9)),
    ("AdaptiveAvgPool2d", ((3, None),), {}, (2, 3, 7, 8)),
    ("AdaptiveAvgPool3d", (2,), {}, (1, 2, 5, 4, 3)),
    ("AdaptiveMaxPool1d", (4,), {"return_indices": True}, (2, 3, 9)),
    ("AdaptiveMaxPool2d", ((3, 5),), {"return_indices": True}, (2, 3, 7, 8)),
    ("AdaptiveMaxPool3d", (2,), {}, (1, 2, 5, 4, 3)),
    ("Upsample", (), {"scale_factor": 2, "mode": "nearest"}, (2, 3, 4, 5)),
    ("Upsample", (), {"size": (5, 7), "mode": "bilinear", "align_corners": False}, (2, 3, 4, 5)),
    ("Upsample", (), {"scale_factor": 1.5, "mode": "bicubic", "align_corners": True}, (2, 3, 4, 5)),
    ("Upsample", (), {"size": 7, "mode": "linear"}, (2, 3, 4)),
    ("Upsample", (), {"scale_factor": (2, 1, 1.5), "mode": "trilinear"}, (1, 2, 3, 4, 4)),
    ("UpsamplingNearest2d", (), {"size": 6}, (2, 3, 4, 5)),
    ("UpsamplingBilinear2d", (), {"scale_factor": 2}, (2, 3, 4, 5)),
    ("PixelShuffle", (2,), {}, (2, 8, 3, 4)),
    ("PixelUnshuffle", (2,), {}, (2, 2, 4, 6)),
    ("ZeroPad2d", ((1, 2, 0, 3),), {}, (2, 3, 4, 5)),
    ("ConstantPad1d", (2, 3.5), {}, (2, 3, 4)),
    ("ConstantPad3d", ((1, 0, 2, 1, 0, 1), -1.0), {}, (1, 2, 3, 3, 3)),
    ("ReflectionPad1d", ((2, 1),), {}, (2, 3, 5)),
    ("ReflectionPad2d", (2,), {}, (2, 3, 4, 5)),
    ("ReplicationPad2d", ((1, 2, 3, 0),), {}, (3, 4, 5)),
    ("ReplicationPad3d", (1,), {}, (1, 2, 3, 3, 3)),
    ("CircularPad1d", (2,), {}, (2, 3, 4)),
    ("CircularPad2d", ((1, 2, 2, 1),), {}, (2, 3, 4, 5)),
]


@pytest.mark.parametrize(("cls", "args", "kw", "shape"), MODULES, ids=lambda v: str(v))
def test_modules_match_torch(cls, args, kw, shape, rng):
    mt, mc = getattr(torch.nn, cls)(*args, **kw), getattr(nn, cls)(*args, **kw)
    assert repr(mc) == repr(mt)
    # bicubic sums mixed-sign weights: 1e-5 absolute.
    atol = 1e-5 if kw.get("mode") == "bicubic" else 1e-6
    x = _ties(rng, *shape) if "Max" in cls else randn(rng, *shape)
    if "LP" in cls:
        x = np.abs(x) + 0.1
    _check(mc, mt, x, rng, atol=atol if "LP" not in cls else 1e-5)


def test_functional_pooling_and_indices(rng):
    x = _ties(rng, 2, 3, 6, 6)
    _check(
        lambda t: F.max_pool2d(t, 3, 2, 1, return_indices=True),
        lambda t: TF.max_pool2d(t, 3, 2, 1, return_indices=True),
        x,
        rng,
    )
    _check(
        lambda t: F.max_pool2d_with_indices(t, 2),
        lambda t: TF.max_pool2d_with_indices(t, 2),
        x,
        rng,
    )
    _check(
        lambda t: F.adaptive_max_pool2d(t, [4, 3], return_indices=True),
        lambda t: TF.adaptive_max_pool2d(t, [4, 3], return_indices=True),
        x,
        rng,
    )
    _check(
        lambda t: F.avg_pool2d(t, [2, 3], stride=[1, 2]),
        lambda t: TF.avg_pool2d(t, [2, 3], stride=[1, 2]),
        x,
        rng,
    )
    _check(lambda t: F.adaptive_avg_pool2d(t, 1), lambda t: TF.adaptive_avg_pool2d(t, 1), x, rng)


def test_functional_vision(rng):
    x = randn(rng, 2, 4, 4, 6)
    _check(
        lambda t: F.interpolate(t, scale_factor=[2, 0.5], mode="nearest-exact"),
        lambda t: TF.interpolate(t, scale_factor=[2, 0.5], mode="nearest-exact"),
        x,
        rng,
    )
    _check(
        lambda t: F.interpolate(t, size=[3, 5], mode="area"),
        lambda t: TF.interpolate(t, size=[3, 5], mode="area"),
        x,
        rng,
    )
    _check(
        lambda t: F.pad(t, [1, 2, 0, 1], mode="reflect"),
        lambda t: TF.pad(t, [1, 2, 0, 1], mode="reflect"),
        x,
        rng,
    )
    _check(lambda t: compat.pixel_shuffle(t, 2), lambda t: torch.pixel_shuffle(t, 2), x, rng)
    _check(lambda t: F.pixel_unshuffle(t, 2), lambda t: TF.pixel_unshuffle(t, 2), x, rng)


def test_errors_are_torchs_builtins(rng):
    x = compat.randn(2, 3, 4, 4)
    with pytest.raises(ArgumentTypeError, match="must be a Tensor"):
        F.max_pool2d(np.ones((1, 1, 4, 4)), 2)
    with pytest.raises(RuntimeError, match="pad should be non-negative and at most half"):
        F.max_pool2d(x, 2, padding=2)
    with pytest.raises(ValueError, match="expected 3D or 4D input \\(got 2D input\\)"):
        nn.CircularPad2d(1)(compat.randn(4, 4))
    with pytest.raises(NotImplementedError):
        F.pad(x, (1, 1), mode="reflect")
    with pytest.raises(NotImplementedError, match="but linear mode needs 3D input"):
        F.interpolate(x, size=3, mode="linear")
    with pytest.raises(RuntimeError, match="divisible by the square of upscale_factor"):
        nn.PixelShuffle(2)(compat.randn(1, 6, 2, 2))
