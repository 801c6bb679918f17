"""rustorch_fx.nn pooling, interpolation, padding and pixel shuffle against torch.nn.functional.

Values and input gradients are compared; max pooling is tested on integer-valued inputs so that
windows hold ties (torch routes the gradient to the first maximum), and its indices exactly.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from conftest import assert_close, randn

import rustorch_fx.nn as nn
from rustorch_fx.errors import (
    DTypeError,
    InvalidArgumentError,
    ShapeError,
    UnsupportedError,
)


def _compare(fn, tfn, x, rng, *args, atol=1e-6, **kw):
    """Compare values (and indices) and the input gradient of ``fn`` against torch's."""
    xt = torch.tensor(x, requires_grad=True)
    ref = tfn(xt, *args, **kw)
    # Jitted as compat runs it (one compile each for the forward and the gradient).
    fn = jax.jit(lambda a, fn=fn, args=args, kw=kw: fn(a, *args, **kw))
    args, kw = (), {}
    out = fn(jnp.asarray(x))
    if isinstance(ref, tuple):
        assert_close(out[1], ref[1])
        out, ref = out[0], ref[0]
    assert_close(out, ref, atol=atol)
    cot = randn(rng, *ref.shape)
    ref.backward(torch.tensor(cot))

    def loss(a):
        y = fn(a, *args, **kw)
        return jnp.sum((y[0] if isinstance(y, tuple) else y) * cot)

    assert_close(jax.jit(jax.grad(loss))(jnp.asarray(x)), xt.grad, atol=atol)


def _ties(rng, *shape):
    return np.round(randn(rng, *shape) * 1.5)


def _ids(k):
    return "-".join(f"{a}={v}" for a, v in k.items()) or "default"


MAX_CASES = [
    {"kernel_size": 2},
    {"kernel_size": 3, "stride": 2, "padding": 1},
    {"kernel_size": 2, "stride": 2, "dilation": 2, "ceil_mode": True, "return_indices": True},
    {"kernel_size": 3, "ceil_mode": True, "return_indices": True},
    {"kernel_size": 2, "stride": 1, "return_indices": True},
]


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("kw", MAX_CASES, ids=_ids)
def test_max_pool_matches_torch_with_ties(nd, kw, rng):
    x = _ties(rng, 2, 3, *(7,) * nd)
    _compare(getattr(nn, f"max_pool{nd}d"), getattr(TF, f"max_pool{nd}d"), x, rng, **kw)


def test_max_pool_unbatched_integer_and_tuple_arguments(rng):
    x = _ties(rng, 3, 6, 7)
    _compare(nn.max_pool2d, TF.max_pool2d, x, rng, (2, 3), stride=(1, 2), padding=(1, 0))
    xi = np.arange(24, dtype=np.int32).reshape(1, 4, 6)
    assert_close(
        nn.max_pool1d(jnp.asarray(xi), 2), TF.max_pool1d(torch.tensor(xi).float(), 2).int()
    )


AVG_CASES = [
    {"kernel_size": 2},
    {"kernel_size": 3, "stride": 2, "padding": 1},
    {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False, "ceil_mode": True},
    {"kernel_size": 3, "ceil_mode": True, "padding": 1},
]


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("kw", AVG_CASES, ids=_ids)
def test_avg_pool_matches_torch(nd, kw, rng):
    x = randn(rng, 2, 3, *(7,) * nd)
    _compare(getattr(nn, f"avg_pool{nd}d"), getattr(TF, f"avg_pool{nd}d"), x, rng, **kw)


@pytest.mark.parametrize("nd", [2, 3])
def test_avg_pool_divisor_override(nd, rng):
    x = randn(rng, 2, 3, *(6,) * nd)
    fn, tfn = getattr(nn, f"avg_pool{nd}d"), getattr(TF, f"avg_pool{nd}d")
    _compare(fn, tfn, x, rng, 3, stride=2, padding=1, divisor_override=5)


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize(
    "kw",
    [
        {"norm_type": 2.0, "kernel_size": 2},
        {"norm_type": 3, "kernel_size": 3, "stride": 2, "ceil_mode": True},
    ],
    ids=_ids,
)
def test_lp_pool_matches_torch(nd, kw, rng):
    x = np.abs(randn(rng, 2, 3, *(7,) * nd)) + 0.1
    _compare(getattr(nn, f"lp_pool{nd}d"), getattr(TF, f"lp_pool{nd}d"), x, rng, atol=1e-5, **kw)


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("size", [3, 5], ids=lambda s: f"out{s}")
def test_adaptive_pools_match_torch(nd, size, rng):
    x = _ties(rng, 2, 3, *(7,) * nd)
    _compare(
        getattr(nn, f"adaptive_avg_pool{nd}d"),
        getattr(TF, f"adaptive_avg_pool{nd}d"),
        x,
        rng,
        size,
    )
    _compare(
        getattr(nn, f"adaptive_max_pool{nd}d"),
        getattr(TF, f"adaptive_max_pool{nd}d"),
        x,
        rng,
        size,
        return_indices=True,
    )


def test_adaptive_pool_none_and_tuple_sizes(rng):
    x = randn(rng, 3, 5, 6)
    _compare(nn.adaptive_avg_pool2d, TF.adaptive_avg_pool2d, x, rng, (None, 4))
    _compare(nn.adaptive_max_pool2d, TF.adaptive_max_pool2d, x, rng, (2, None))


def test_pooling_errors(rng):
    x = jnp.asarray(randn(rng, 2, 3, 6, 6))
    with pytest.raises(InvalidArgumentError, match="pad should be non-negative and at most half"):
        nn.max_pool2d(x, 2, padding=2)
    with pytest.raises(InvalidArgumentError, match="kernel_size should be greater than zero"):
        nn.avg_pool2d(x, 0)
    with pytest.raises(ShapeError, match="output size is too small"):
        nn.max_pool2d(x, 7)
    with pytest.raises(ShapeError, match=r"max_pool2d: expected a 3-D \(unbatched\) or 4-D"):
        nn.max_pool2d(x[0, 0], 2)
    with pytest.raises(DTypeError, match="floating point input"):
        nn.avg_pool2d(x.astype(jnp.int32), 2)
    with pytest.raises(InvalidArgumentError, match="divisor_override must be a non-zero"):
        nn.avg_pool2d(x, 2, divisor_override=0)
    with pytest.raises(InvalidArgumentError, match="output_size must be an int or a tuple of 2"):
        nn.adaptive_avg_pool2d(x, (1, 2, 3))
    with pytest.raises(InvalidArgumentError, match="norm_type must be non-zero"):
        nn.lp_pool2d(x, 0, 2)


# --------------------------------------------------------------------------------------------
# Interpolation.
# --------------------------------------------------------------------------------------------

SIZES = [{"size": 3}, {"scale_factor": 1.7}, {"scale_factor": 2.3, "recompute_scale_factor": True}]
MODES = [
    ("nearest", 1, None),
    ("nearest-exact", 2, None),
    ("nearest", 3, None),
    ("area", 2, None),
    ("linear", 1, False),
    ("linear", 1, True),
    ("bilinear", 2, False),
    ("bilinear", 2, True),
    ("trilinear", 3, False),
    ("trilinear", 3, True),
    ("bicubic", 2, False),
    ("bicubic", 2, True),
]


@pytest.mark.parametrize(("mode", "nd", "align_corners"), MODES, ids=lambda v: str(v))
@pytest.mark.parametrize("kw", SIZES, ids=_ids)
def test_interpolate_matches_torch(mode, nd, align_corners, kw, rng):
    x = randn(rng, 2, 2, *(5,) * nd)
    # bicubic sums four weights of mixed sign per dim (16 terms in 2-d): 1e-5 absolute.
    atol = 1e-5 if mode == "bicubic" else 2e-6
    _compare(
        nn.interpolate,
        TF.interpolate,
        x,
        rng,
        mode=mode,
        align_corners=align_corners,
        atol=atol,
        **kw,
    )


def test_upsample_aliases_match_torch(rng):
    x = randn(rng, 1, 2, 3, 4)
    assert_close(
        nn.upsample_nearest(jnp.asarray(x), scale_factor=2),
        TF.interpolate(torch.tensor(x), scale_factor=2),
    )
    assert_close(
        nn.upsample_bilinear(jnp.asarray(x), size=(5, 7)),
        TF.interpolate(torch.tensor(x), size=(5, 7), mode="bilinear", align_corners=True),
    )


def test_interpolate_errors(rng):
    x = jnp.asarray(randn(rng, 1, 2, 4, 4))
    with pytest.raises(UnsupportedError, match="Got 4D input, but linear mode needs 3D input"):
        nn.interpolate(x, size=3, mode="linear")
    with pytest.raises(NotImplementedError, match="only 3-D, 4-D and 5-D inputs"):
        nn.interpolate(x[0, 0], size=3)
    with pytest.raises(InvalidArgumentError, match="exactly one of size and scale_factor"):
        nn.interpolate(x)
    with pytest.raises(InvalidArgumentError, match="align_corners option can only be set"):
        nn.interpolate(x, size=3, align_corners=True)
    with pytest.raises(InvalidArgumentError, match="unknown mode"):
        nn.interpolate(x, size=3, mode="cubic")
    with pytest.raises(UnsupportedError, match="antialias"):
        nn.interpolate(x, size=3, mode="bilinear", antialias=True)


# --------------------------------------------------------------------------------------------
# Padding and pixel shuffle.
# --------------------------------------------------------------------------------------------

PADS = [
    ("constant", (1, 2)),
    ("constant", (1, -1, 2, 0)),
    ("constant", (1, 1, 1, 1, 1, 1)),
    ("reflect", (2, 1, 0, 3)),
    ("replicate", (2, 1, 0, 3)),
    ("replicate", (1, -1, 2, 0)),
    ("circular", (2, 1, 0, 3)),
    ("circular", (1, -1, 2, 0)),
]


@pytest.mark.parametrize(("mode", "pads"), PADS, ids=lambda v: str(v))
def test_pad_matches_torch(mode, pads, rng):
    _compare(nn.pad, TF.pad, randn(rng, 2, 3, 4, 5), rng, pads, mode=mode)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_pad_3d_and_1d_match_torch(mode, rng):
    _compare(nn.pad, TF.pad, randn(rng, 2, 3, 4, 5, 6), rng, (1, 2, 2, 1, 3, 0), mode=mode)
    _compare(nn.pad, TF.pad, randn(rng, 3, 5), rng, (2, 3), mode=mode)


def test_pad_constant_value(rng):
    x = randn(rng, 2, 3)
    assert_close(
        nn.pad(jnp.asarray(x), (1, 2), value=-2.5), TF.pad(torch.tensor(x), (1, 2), value=-2.5)
    )


def test_pad_errors(rng):
    x = jnp.asarray(randn(rng, 2, 3, 4, 5))
    with pytest.raises(InvalidArgumentError, match="padding length must be divisible by 2"):
        nn.pad(x, (1, 2, 3))
    with pytest.raises(InvalidArgumentError, match="padding size should be less than"):
        nn.pad(x[0], (5, 0), mode="reflect")
    with pytest.raises(UnsupportedError, match="padding size 2 is not supported for a 4-D input"):
        nn.pad(x, (1, 1), mode="reflect")
    with pytest.raises(NotImplementedError):
        nn.pad(x, (1, 1), mode="replicate")
    with pytest.raises(InvalidArgumentError, match="unknown padding mode"):
        nn.pad(x, (1, 1), mode="mirror")
    with pytest.raises(InvalidArgumentError, match="doesn't take in value"):
        nn.pad(x, (1, 1, 1, 1), mode="reflect", value=1.0)


def test_pixel_shuffle_roundtrip_matches_torch(rng):
    _compare(nn.pixel_shuffle, TF.pixel_shuffle, randn(rng, 2, 8, 3, 4), rng, 2)
    _compare(nn.pixel_unshuffle, TF.pixel_unshuffle, randn(rng, 2, 2, 4, 6), rng, 2)
    _compare(nn.pixel_shuffle, TF.pixel_shuffle, randn(rng, 2, 3, 9, 3, 4), rng, 3)
    _compare(nn.pixel_unshuffle, TF.pixel_unshuffle, randn(rng, 3, 6, 9), rng, 3)
    with pytest.raises(ShapeError, match="divisible by the square of upscale_factor"):
        nn.pixel_shuffle(jnp.ones((1, 6, 2, 2)), 2)
    with pytest.raises(ShapeError, match="divisible by downscale_factor"):
        nn.pixel_unshuffle(jnp.ones((1, 1, 3, 4)), 2)
    with pytest.raises(InvalidArgumentError, match="upscale_factor must be greater than 0"):
        nn.pixel_shuffle(jnp.ones((1, 4, 2, 2)), 0)


def test_pooling_and_resampling_under_vmap_match_per_example(rng):
    x = jnp.asarray(_ties(rng, 3, 2, 4, 6, 6))

    def f(a):
        values, indices = nn.max_pool2d(a, 3, stride=2, padding=1, return_indices=True)
        up = nn.interpolate(a, scale_factor=1.5, mode="bilinear")
        return (
            values,
            indices,
            up,
            nn.adaptive_avg_pool2d(a, 4),
            nn.pad(a, (1, 1, 2, 0), mode="reflect"),
        )

    batched = jax.vmap(f)(x)
    for i in range(x.shape[0]):
        for got, want in zip(batched, jax.jit(f)(x[i]), strict=True):
            assert_close(got[i], want)
