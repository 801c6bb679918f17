"""rustorch_fx.nn unfold/fold (im2col/col2im), max_unpool and fractional max pooling vs torch.

Values and input gradients are compared under ``jax.jit`` (as compat runs them); bad sizes
raise torch's errors, as RusTorchErrors.
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
    IndexOutOfRangeError,
    InvalidArgumentError,
    ShapeError,
)


def _value_and_grad(fn, tfn, x, rng, atol=1e-6):
    xt = torch.tensor(x, requires_grad=True)
    ref = tfn(xt)
    out, vjp = jax.vjp(jax.jit(fn), jnp.asarray(x))
    assert_close(out, ref, atol=atol)
    cot = randn(rng, *ref.shape)
    ref.backward(torch.tensor(cot))
    assert_close(vjp(jnp.asarray(cot))[0], xt.grad, atol=atol)


BLOCKS = [
    {"kernel_size": 2},
    {"kernel_size": (3, 2), "dilation": (1, 2), "padding": (1, 0), "stride": (2, 1)},
    {"kernel_size": 2, "stride": 2},  # non-overlapping: the reshape path
]


@pytest.mark.parametrize("kw", BLOCKS, ids=["k2", "mixed", "disjoint"])
def test_unfold_and_fold_match_torch(kw, rng):
    x = randn(rng, 2, 3, 6, 5)
    _value_and_grad(lambda a: nn.unfold(a, **kw), lambda t: TF.unfold(t, **kw), x, rng)
    cols = TF.unfold(torch.tensor(x), **kw).numpy()
    _value_and_grad(
        lambda a: nn.fold(a, (6, 5), **kw), lambda t: TF.fold(t, (6, 5), **kw), cols, rng
    )


def test_unbatched_and_positional_order(rng):
    # torch's positional order: kernel_size, dilation, padding, stride.
    x = randn(rng, 3, 5, 5)
    cols = randn(rng, 12, 16)
    x4, c = randn(rng, 1, 2, 5, 5), randn(rng, 1, 18, 9)

    @jax.jit
    def ours(x, cols, x4, c):
        # fold is unfold's adjoint: <unfold(x), c> == <x, fold(c)>.
        lhs = jnp.vdot(nn.unfold(x4, 3, stride=2, padding=1), c)
        rhs = jnp.vdot(x4, nn.fold(c, 5, 3, stride=2, padding=1))
        return nn.unfold(x, 3, 2, 1, 2), nn.fold(cols, 5, 2, 1, 0, 1), lhs, rhs

    unfolded, folded, lhs, rhs = ours(x, cols, x4, c)
    assert_close(unfolded, TF.unfold(torch.tensor(x), 3, 2, 1, 2))
    assert_close(folded, TF.fold(torch.tensor(cols), 5, 2, 1, 0, 1))
    assert_close(lhs, rhs, atol=1e-4)


def test_fold_unfold_bad_sizes():
    x = jnp.ones((1, 3, 4, 4))
    with pytest.raises(ShapeError, match=r"unfold: expected a 3-D .* got shape \(2, 3, 4, 4, 4\)"):
        nn.unfold(jnp.ones((2, 3, 4, 4, 4)), 2)
    with pytest.raises(ShapeError, match=r"sliding blocks is \(0, 0\)"):
        nn.unfold(x, 5)
    with pytest.raises(InvalidArgumentError, match="kernel_size should be greater than zero"):
        nn.unfold(x, 0)
    with pytest.raises(InvalidArgumentError, match="stride should be greater than zero"):
        nn.unfold(x, 2, stride=0)
    with pytest.raises(InvalidArgumentError, match="negative padding"):
        nn.unfold(x, 2, padding=-1)
    with pytest.raises(ArgumentTypeError, match="dilation"):
        nn.unfold(x, 2, dilation=1.5)
    with pytest.raises(DTypeError, match="floating"):
        nn.unfold(jnp.ones((1, 3, 4, 4), jnp.int32), 2)
    with pytest.raises(ShapeError, match=r"input.size\(1\)=10 and kernel_size=\(2, 2\)"):
        nn.fold(jnp.ones((1, 10, 9)), (4, 4), 2)
    with pytest.raises(ShapeError, match=r"sliding blocks 3 \* 3 = 9, but got input.size\(2\)=8"):
        nn.fold(jnp.ones((1, 12, 8)), (4, 4), 2)
    with pytest.raises(ShapeError, match=r"fold: expected a 2-D .* got shape \(12, 9, 1, 1\)"):
        nn.fold(jnp.ones((12, 9, 1, 1)), (4, 4), 2)
    with pytest.raises(InvalidArgumentError, match="output_size"):
        nn.fold(jnp.ones((1, 12, 9)), (4, 4, 4), 2)


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_max_unpool_matches_torch(nd, rng):
    # Overlapping windows (kernel 3, stride 2) give duplicate indices: torch writes the value
    # once and reads the gradient back for every duplicate.
    shape = (2, 2, *(7,) * nd)
    x = np.round(randn(rng, *shape) * 1.5)
    pool = getattr(TF, f"max_pool{nd}d")
    vt, it = pool(torch.tensor(x), 3, 2, 1, return_indices=True)
    size = list(shape[2:])
    kw = {"kernel_size": 3, "stride": 2, "padding": 1, "output_size": size}
    ours = getattr(nn, f"max_unpool{nd}d")
    ref = getattr(TF, f"max_unpool{nd}d")
    idx = jnp.asarray(it.numpy())
    _value_and_grad(lambda v: ours(v, idx, **kw), lambda t: ref(t, it, **kw), vt.numpy(), rng)
    # Default output size and an unbatched input.
    assert_close(ours(vt.numpy()[0], idx[0], 3, 2, 1), ref(vt[0], it[0], 3, 2, 1))


def test_max_unpool_errors():
    v, i = nn.max_pool2d(jnp.ones((1, 1, 4, 4)), 2, return_indices=True)
    with pytest.raises(IndexOutOfRangeError, match="invalid max index: 40"):
        nn.max_unpool2d(v, i + 40, 2)
    with pytest.raises(InvalidArgumentError, match=r"dim 0 must be between 2 and 6"):
        nn.max_unpool2d(v, i, 2, output_size=(9, 4))
    with pytest.raises(InvalidArgumentError, match="2 or 4 integers"):
        nn.max_unpool2d(v, i, 2, output_size=(4, 4, 4))
    with pytest.raises(DTypeError, match="indices should be an integer"):
        nn.max_unpool2d(v, i.astype(jnp.float32), 2)
    with pytest.raises(ShapeError, match="same shape as the input"):
        nn.max_unpool2d(v, i[..., :1], 2)
    with pytest.raises(ShapeError, match="expected a 3-D"):
        nn.max_unpool2d(v[0, 0], i[0, 0], 2)
    # Under jit the values are unknown: an out-of-range index is dropped, never wrapped.
    out = jax.jit(lambda a, b: nn.max_unpool2d(a, b, 2))(v, i.at[0, 0, 0, 0].set(99))
    assert float(out.sum()) == 3.0


def test_fractional_max_pool_matches_torch_and_draws_from_a_key(rng):
    x = randn(rng, 1, 2, 6, 7, 5)
    u = rng.uniform(0, 1, (1, 2, 3)).astype(np.float32)
    ref, ref_idx = TF.fractional_max_pool3d(
        torch.tensor(x), (2, 3, 2), (3, 4, 2), return_indices=True, _random_samples=torch.tensor(u)
    )
    out, idx = jax.jit(
        lambda a, s: nn.fractional_max_pool3d(a, (2, 3, 2), (3, 4, 2), None, True, s)
    )(x, u)
    assert_close(out, ref)
    assert_close(idx, ref_idx)
    pool = jax.jit(lambda a, k: nn.fractional_max_pool2d(a, 2, output_ratio=0.5, key=k))
    a = jnp.asarray(randn(rng, 2, 3, 8, 8))
    first, again = pool(a, jax.random.key(0)), pool(a, jax.random.key(0))
    assert first.shape == (2, 3, 4, 4) and bool((first == again).all())
    with pytest.raises(InvalidArgumentError, match="pass _random_samples"):
        nn.fractional_max_pool2d(a, 2, output_size=3)
    with pytest.raises(InvalidArgumentError, match="either an output_size or an output_ratio"):
        nn.fractional_max_pool2d(a, 2, key=jax.random.key(0))
    with pytest.raises(InvalidArgumentError, match="output_ratio must be"):
        nn.fractional_max_pool2d(a, 2, output_ratio=1.5, key=jax.random.key(0))
