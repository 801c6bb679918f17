"""rustorch_fx.nn affine_grid, grid_sample and channel_shuffle against torch.nn.functional.

Values and the gradients with respect to the input and the grid are compared; sample points
reach outside ``[-1, 1]`` so that every padding mode matters.
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
    ArgumentTypeError,
    DTypeError,
    InvalidArgumentError,
    ShapeError,
    UnsupportedError,
)

# (mode, padding_mode, align_corners, 3-d): each padding mode with both corner conventions
# across the modes, kept few (each is a compile).
CASES = [
    ("bilinear", "zeros", False, False),
    ("bilinear", "border", True, False),
    ("nearest", "reflection", True, False),
    ("bicubic", "zeros", True, False),
    ("bicubic", "reflection", False, False),
    ("bilinear", "reflection", True, True),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(map(str, c)))
def test_grid_sample_matches_torch(case, rng):
    mode, padding, corners, three_d = case
    spatial, out = ((3, 4, 5), (2, 3, 4)) if three_d else ((4, 5), (3, 6))
    x = randn(rng, 2, 2, *spatial)
    grid = rng.uniform(-1.3, 1.3, (2, *out, len(spatial))).astype(np.float32)
    xt, gt = torch.tensor(x, requires_grad=True), torch.tensor(grid, requires_grad=True)
    ref = TF.grid_sample(xt, gt, mode=mode, padding_mode=padding, align_corners=corners)
    fn = jax.jit(lambda a, g: nn.grid_sample(a, g, mode, padding, corners))
    got, vjp = jax.vjp(fn, jnp.asarray(x), jnp.asarray(grid))
    # Bicubic sums 16 taps of mixed-sign weights.
    atol = 1e-5 if mode == "bicubic" else 1e-6
    assert_close(got, ref, atol=atol)
    cot = randn(rng, *ref.shape)
    ref.backward(torch.tensor(cot))
    gx, gg = vjp(jnp.asarray(cot))
    assert_close(gx, xt.grad, atol=atol)
    assert_close(gg, gt.grad, rtol=1e-4, atol=2e-5)


def test_affine_grid_matches_torch(rng):
    theta = randn(rng, 2, 2, 3)
    for corners in (False, True):
        tt = torch.tensor(theta, requires_grad=True)
        ref = TF.affine_grid(tt, [2, 3, 4, 1], align_corners=corners)
        fn = jax.jit(lambda t, c=corners: nn.affine_grid(t, (2, 3, 4, 1), c))
        got, vjp = jax.vjp(fn, theta)
        assert_close(got, ref)
        cot = randn(rng, *ref.shape)
        ref.backward(torch.tensor(cot))
        assert_close(vjp(jnp.asarray(cot))[0], tt.grad, atol=1e-5)
    theta3 = randn(rng, 1, 3, 4)
    ref = TF.affine_grid(torch.tensor(theta3), [1, 2, 2, 3, 4], align_corners=False)
    assert_close(nn.affine_grid(theta3, [1, 2, 2, 3, 4]), ref)


def test_channel_shuffle_matches_torch(rng):
    x = randn(rng, 2, 6, 3, 2)
    assert_close(nn.channel_shuffle(x, 3), TF.channel_shuffle(torch.tensor(x), 3))
    xi = np.arange(12).reshape(1, 6, 2)
    assert_close(nn.channel_shuffle(xi, 2), TF.channel_shuffle(torch.tensor(xi), 2))


def test_grid_errors():
    x, g = jnp.ones((2, 3, 4, 5)), jnp.zeros((2, 3, 3, 2))
    with pytest.raises(InvalidArgumentError, match="expected mode to be"):
        nn.grid_sample(x, g, mode="foo")
    with pytest.raises(InvalidArgumentError, match="expected padding_mode to be"):
        nn.grid_sample(x, g, padding_mode="foo")
    with pytest.raises(ShapeError, match="size 2 in last dimension"):
        nn.grid_sample(x, g[..., :1])
    with pytest.raises(ShapeError, match="same batch size"):
        nn.grid_sample(x, g[:1])
    with pytest.raises(ShapeError, match="4-D or 5-D input"):
        nn.grid_sample(x[0], g[0])
    with pytest.raises(ShapeError, match="bicubic interpolation only supports 4D"):
        nn.grid_sample(jnp.ones((1, 1, 2, 2, 2)), jnp.zeros((1, 1, 1, 1, 3)), mode="bicubic")
    with pytest.raises(DTypeError, match="same dtype"):
        nn.grid_sample(x, g.astype(jnp.float16))
    theta = jnp.zeros((2, 2, 3))
    with pytest.raises(ShapeError, match=r"shape 2x2x3 for size \(2, 3, 4, 5\), got \(2, 3, 3\)"):
        nn.affine_grid(jnp.zeros((2, 3, 3)), (2, 3, 4, 5))
    with pytest.raises(UnsupportedError, match="only 4D and 5D sizes"):
        nn.affine_grid(theta, (2, 3, 4))
    with pytest.raises(InvalidArgumentError, match="non-zero, positive output size"):
        nn.affine_grid(theta, (2, 3, 0, 5))
    with pytest.raises(DTypeError, match="floating point"):
        nn.affine_grid(theta.astype(jnp.int32), (2, 3, 4, 5))
    with pytest.raises(ShapeError, match="divisible by groups. Got 3 channels and 2 groups"):
        nn.channel_shuffle(jnp.ones((1, 3, 2)), 2)
    with pytest.raises(InvalidArgumentError, match="groups must be greater than 0"):
        nn.channel_shuffle(jnp.ones((1, 3, 2)), 0)
    with pytest.raises(ShapeError, match="> 2 dims"):
        nn.channel_shuffle(jnp.ones((2, 3)), 3)
    with pytest.raises(ArgumentTypeError, match="'groups' must be an int"):
        nn.channel_shuffle(jnp.ones((1, 3, 2)), 1.5)
