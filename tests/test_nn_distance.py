"""rustorch_fx.nn distances, normalize and gumbel_softmax against torch.nn.functional."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import assert_close, randn

from rustorch_fx import nn
from rustorch_fx.errors import DTypeError, IndexOutOfRangeError, InvalidArgumentError, ShapeError


def _check(ours_fn, theirs_fn, *arrays, rtol=1e-5, atol=1e-6):
    ours, vjp = jax.vjp(ours_fn, *[jnp.asarray(a) for a in arrays])
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    theirs = theirs_fn(*ts)
    assert_close(np.asarray(ours), theirs, rtol=rtol, atol=atol)
    g = np.random.default_rng(0).standard_normal(theirs.shape).astype(np.float32)
    theirs.backward(torch.tensor(g))
    for o, t in zip(vjp(jnp.asarray(g)), ts, strict=True):
        assert_close(np.asarray(o), t.grad, rtol=rtol, atol=atol)


@pytest.mark.parametrize(
    ("p", "s1", "s2", "keepdim"),
    [
        (2.0, (4, 5), (4, 5), False),
        (1.0, (4, 5), (5,), True),
        (3.0, (5,), (5,), False),
        (math.inf, (4, 5), (4, 5), True),
        (0.5, (4, 5), (4, 5), False),
    ],
)
def test_pairwise_distance(p, s1, s2, keepdim, rng):
    _check(
        lambda a, b: nn.pairwise_distance(a, b, p, keepdim=keepdim),
        lambda a, b: F.pairwise_distance(a, b, p, keepdim=keepdim),
        randn(rng, *s1),
        randn(rng, *s2),
    )


@pytest.mark.parametrize(
    ("s1", "s2", "dim"),
    [((4, 5), (4, 5), 1), ((3, 4, 2), (4, 1), 1), ((6,), (6,), 0), ((2, 3), (2, 3), -2)],
)
def test_cosine_similarity(s1, s2, dim, rng):
    _check(
        lambda a, b: nn.cosine_similarity(a, b, dim),
        lambda a, b: F.cosine_similarity(a, b, dim),
        randn(rng, *s1),
        randn(rng, *s2),
    )


def test_cosine_similarity_clamps_each_norm():
    a, b = np.array([[1e-5, 0.0]], np.float32), np.array([[3.0, 4.0]], np.float32)
    assert_close(
        np.asarray(nn.cosine_similarity(a, b, eps=1e-3)),
        F.cosine_similarity(torch.tensor(a), torch.tensor(b), eps=1e-3),
    )


@pytest.mark.parametrize("p", [2.0, 1.0, math.inf, 3.0])
def test_pdist_and_zero_distance_gradient(p, rng):
    x = randn(rng, 5, 3)
    _check(lambda a: nn.pdist(a, p), lambda a: F.pdist(a, p), x)
    same = np.ones((3, 2), np.float32)
    grad = jax.grad(lambda a: nn.pdist(a, p).sum())(jnp.asarray(same))
    assert np.isfinite(np.asarray(grad)).all()


@pytest.mark.parametrize(
    ("shape", "p", "dim"),
    [((4, 5), 2.0, 1), ((4, 5), 1.0, 0), ((2, 3, 4), 3.0, -1), ((6,), 2.0, 0)],
)
def test_normalize(shape, p, dim, rng):
    _check(lambda a: nn.normalize(a, p, dim), lambda a: F.normalize(a, p, dim), randn(rng, *shape))


def test_normalize_zero_vector_has_zero_gradient():
    zero = jnp.zeros((2, 3))
    assert np.asarray(nn.normalize(zero)).tolist() == [[0.0] * 3] * 2
    t = torch.zeros(2, 3, requires_grad=True)
    F.normalize(t).sum().backward()
    grad = jax.grad(lambda a: nn.normalize(a).sum())(zero)
    assert_close(np.asarray(grad), t.grad)


def test_distance_errors():
    with pytest.raises(ShapeError, match="do not broadcast"):
        nn.pairwise_distance(jnp.ones((2, 3)), jnp.ones((2, 4)))
    with pytest.raises(ShapeError, match="do not broadcast"):
        nn.cosine_similarity(jnp.ones((2, 3)), jnp.ones((2, 4)))
    with pytest.raises(ShapeError, match="pdist: only supports 2D tensors, got: 3D"):
        nn.pdist(jnp.ones((2, 2, 2)))
    with pytest.raises(InvalidArgumentError, match="p must be non-negative"):
        nn.pdist(jnp.ones((2, 2)), -1.0)
    with pytest.raises(DTypeError, match="expected a floating point x1"):
        nn.pairwise_distance(jnp.ones(3, jnp.int32), jnp.ones(3))
    with pytest.raises(IndexOutOfRangeError):
        nn.normalize(jnp.ones((2, 2)), dim=3)
    with pytest.raises(ShapeError, match="at least 1 dimension"):
        nn.pairwise_distance(jnp.ones(()), jnp.ones(()))


def test_gumbel_softmax_distribution_hard_and_gradient():
    logits = jnp.log(jnp.array([0.1, 0.2, 0.7]))
    keys = jax.random.split(jax.random.key(0), 4000)
    hard = jax.vmap(lambda k: nn.gumbel_softmax(logits, hard=True, key=k))(keys)
    assert set(np.unique(np.asarray(hard))) <= {0.0, 1.0}
    freq = np.asarray(hard.mean(0))
    np.testing.assert_allclose(freq, [0.1, 0.2, 0.7], atol=0.03)  # Gumbel-max sampling
    soft = nn.gumbel_softmax(jnp.zeros((2, 4)), tau=0.5, key=jax.random.key(1))
    assert_close(np.asarray(soft.sum(-1)), np.ones(2, np.float32))
    # straight-through: the hard sample's gradient is the soft sample's
    w = jnp.arange(4.0)
    g_hard = jax.grad(lambda x: (nn.gumbel_softmax(x, hard=True, key=jax.random.key(2)) * w).sum())(
        jnp.zeros(4)
    )
    g_soft = jax.grad(lambda x: (nn.gumbel_softmax(x, key=jax.random.key(2)) * w).sum())(
        jnp.zeros(4)
    )
    assert_close(np.asarray(g_hard), np.asarray(g_soft))
    with pytest.raises(InvalidArgumentError, match="needs a PRNG key"):
        nn.gumbel_softmax(logits)
    with pytest.raises(InvalidArgumentError, match="tau must be positive"):
        nn.gumbel_softmax(logits, tau=0.0, key=jax.random.key(0))
