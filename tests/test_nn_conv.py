"""rustorch_fx.nn convolutions against torch.nn.functional: values and input/weight/bias grads."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from conftest import assert_close, randn

import rustorch_fx.nn as nn
from rustorch_fx.errors import DTypeError, InvalidArgumentError, ShapeError


def _compare(fn, tfn, x, w, b, rng, atol=3e-5, **kw):
    """Forward and the gradients w.r.t. input, weight and bias against torch.

    Convolutions reduce over C_in * prod(k) products (up to 108 here, outputs up to ~30) and
    the weight gradient over N * prod(out) more, in another order than torch's kernels (and
    cuDNN's on GPU, where atol=1e-5 failed at 2e-5 on a 3-d case): atol=3e-5 with rtol=1e-5.
    """
    args = [x, w] + ([b] if b is not None else [])
    ts = [torch.tensor(a, requires_grad=True) for a in args]
    ref = tfn(ts[0], ts[1], ts[2] if b is not None else None, **kw)
    out = fn(*[jnp.asarray(a) for a in args[:2]], jnp.asarray(b) if b is not None else None, **kw)
    assert_close(out, ref, atol=atol)
    cot = randn(rng, *ref.shape)
    ref.backward(torch.tensor(cot))

    def loss(*arrays):
        bias = arrays[2] if b is not None else None
        return jnp.sum(fn(arrays[0], arrays[1], bias, **kw) * cot)

    grads = jax.grad(loss, argnums=tuple(range(len(args))))(*[jnp.asarray(a) for a in args])
    for g, t in zip(grads, ts, strict=True):
        assert_close(g, t.grad, atol=atol)


CONV_CASES = [
    {},
    {"stride": 2, "padding": 1},
    {"padding": "same", "dilation": 2},
    {"padding": "same"},  # even kernel: torch's extra padding on the right
    {"padding": "valid", "groups": 2},
    {"groups": 2, "dilation": 2, "stride": 2, "padding": 2},
]


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize(
    "kw", CONV_CASES, ids=lambda k: "-".join(f"{a}={v}" for a, v in k.items()) or "default"
)
@pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel:UserWarning")
def test_conv_matches_torch(nd, kw, rng):
    x = randn(rng, 2, 4, *(7,) * nd)
    kernel = (2,) * nd if kw.get("padding") == "same" and "dilation" not in kw else (3,) * nd
    w = randn(rng, 6, 4 // kw.get("groups", 1), *kernel)
    b = randn(rng, 6)
    _compare(getattr(nn, f"conv{nd}d"), getattr(TF, f"conv{nd}d"), x, w, b, rng, **kw)


def test_conv2d_im2col_path_matches_torch(rng):
    # Few channels, stride 1: the CPU im2col lowering (see _use_im2col).
    x = randn(rng, 2, 3, 9, 8)
    w = randn(rng, 5, 3, 3, 3)
    _compare(nn.conv2d, TF.conv2d, x, w, None, rng, padding=1)
    _compare(nn.conv2d, TF.conv2d, x, w, randn(rng, 5), rng, padding=(0, 2))


def test_conv_unbatched_and_tuple_arguments(rng):
    x = randn(rng, 4, 6, 5)
    w = randn(rng, 3, 4, 3, 2)
    _compare(nn.conv2d, TF.conv2d, x, w, None, rng, stride=(2, 1), padding=(1, 0), dilation=(1, 2))


TRANSPOSE_CASES = [
    {},
    {"stride": 2, "padding": 1, "output_padding": 1},
    {"groups": 2, "dilation": 2, "stride": 3, "output_padding": 2},
    {"stride": (2, 1, 3), "padding": (0, 1, 1)},
]


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize(
    "kw", TRANSPOSE_CASES, ids=lambda k: "-".join(f"{a}={v}" for a, v in k.items()) or "default"
)
def test_conv_transpose_matches_torch(nd, kw, rng):
    kw = {k: (v[:nd] if isinstance(v, tuple) else v) for k, v in kw.items()}
    x = randn(rng, 2, 4, *(4,) * nd)
    groups = kw.get("groups", 1)
    w = randn(rng, 4, 3, *(3,) * nd)
    b = randn(rng, 3 * groups)
    _compare(
        getattr(nn, f"conv_transpose{nd}d"),
        getattr(TF, f"conv_transpose{nd}d"),
        x,
        w,
        b,
        rng,
        **kw,
    )


def test_conv_transpose_unbatched(rng):
    x = randn(rng, 4, 5)
    w = randn(rng, 4, 2, 3)
    _compare(nn.conv_transpose1d, TF.conv_transpose1d, x, w, None, rng, stride=2)


def test_conv_under_jit_and_vmap(rng):
    x = jnp.asarray(randn(rng, 3, 2, 4, 6, 6))
    w = jnp.asarray(randn(rng, 5, 4, 3, 3))
    batched = jax.vmap(lambda a: nn.conv2d(a, w, padding=1))(x)
    jitted = jax.jit(lambda a: nn.conv2d(a, w, padding=1))(x[1])
    assert_close(batched[1], jitted, atol=1e-5)


def test_conv_errors(rng):
    x = jnp.asarray(randn(rng, 2, 4, 8, 8))
    with pytest.raises(ShapeError, match=r"conv2d: input has 4 channels, weight expects 3"):
        nn.conv2d(x, jnp.ones((6, 3, 3, 3)))
    with pytest.raises(ShapeError, match=r"conv2d: expected a 3-D \(unbatched\) or 4-D"):
        nn.conv2d(x[0, 0], jnp.ones((6, 4, 3, 3)))
    with pytest.raises(ShapeError, match="Kernel size can't be greater"):
        nn.conv2d(x, jnp.ones((6, 4, 9, 9)))
    with pytest.raises(ShapeError, match=r"expected bias of shape \(6,\)"):
        nn.conv2d(x, jnp.ones((6, 4, 3, 3)), jnp.ones(5))
    with pytest.raises(InvalidArgumentError, match="not supported for strided"):
        nn.conv2d(x, jnp.ones((6, 4, 3, 3)), padding="same", stride=2)
    with pytest.raises(InvalidArgumentError, match="invalid padding string"):
        nn.conv2d(x, jnp.ones((6, 4, 3, 3)), padding="full")
    with pytest.raises(InvalidArgumentError, match="stride should be greater than zero"):
        nn.conv2d(x, jnp.ones((6, 4, 3, 3)), stride=0)
    with pytest.raises(InvalidArgumentError, match="negative padding"):
        nn.conv2d(x, jnp.ones((6, 4, 3, 3)), padding=-1)
    with pytest.raises(InvalidArgumentError, match="groups must be a positive integer"):
        nn.conv2d(x, jnp.ones((6, 4, 3, 3)), groups=0)
    with pytest.raises(ShapeError, match="not divisible by groups=4"):
        nn.conv2d(x, jnp.ones((6, 1, 3, 3)), groups=4)
    with pytest.raises(DTypeError, match="same dtype"):
        nn.conv2d(x, jnp.ones((6, 4, 3, 3), jnp.float16))
    with pytest.raises(DTypeError, match="floating point input"):
        nn.conv2d(x.astype(jnp.int32), jnp.ones((6, 4, 3, 3)))
    with pytest.raises(InvalidArgumentError, match="output padding must be smaller"):
        nn.conv_transpose2d(x, jnp.ones((4, 2, 3, 3)), stride=2, output_padding=2)
    with pytest.raises(
        ShapeError, match="conv_transpose2d: input has 4 channels, weight expects 3"
    ):
        nn.conv_transpose2d(x, jnp.ones((3, 2, 3, 3)))
    with pytest.raises(InvalidArgumentError, match="expected stride to be a single integer"):
        nn.conv2d(x, jnp.ones((6, 4, 3, 3)), stride=(1, 1, 1))


def test_conv_float64_matches_torch(rng):
    with jax.enable_x64(True):
        x = randn(rng, 2, 3, 6, dtype=np.float64)
        w = randn(rng, 4, 3, 3, dtype=np.float64)
        out = nn.conv1d(jnp.asarray(x), jnp.asarray(w), padding=1)
        assert out.dtype == jnp.float64
        assert_close(out, TF.conv1d(torch.tensor(x), torch.tensor(w), padding=1), atol=1e-12)
