"""rustorch_fx.nn dropout (statistical checks) and embedding/one_hot (against torch)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import assert_close, randn

from rustorch_fx import nn
from rustorch_fx.errors import (
    DTypeError,
    IndexOutOfRangeError,
    InvalidArgumentError,
    ShapeError,
    TracingError,
)

KEY = jax.random.key(0)

# --------------------------------------------------------------------------------------------
# dropout
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_dropout_keeps_the_right_fraction_and_scales(p):
    x = jnp.ones((200, 100))
    out = np.asarray(nn.dropout(x, p, key=KEY))
    kept = out != 0
    # 20000 Bernoulli draws: the kept fraction is within 4 standard deviations of 1 - p
    assert abs(kept.mean() - (1 - p)) < 4 * np.sqrt(p * (1 - p) / out.size)
    np.testing.assert_allclose(out[kept], 1 / (1 - p), rtol=1e-6)


def test_dropout_gradient_is_mask_times_scale(rng):
    x = jnp.asarray(randn(rng, 6, 7))
    out = nn.dropout(x, 0.3, key=KEY)
    g = jax.grad(lambda a: jnp.sum(nn.dropout(a, 0.3, key=KEY)))(x)
    mask = (np.asarray(out) != 0).astype(np.float32)
    assert_close(g, mask / 0.7)
    assert_close(out, np.asarray(x) * mask / 0.7)


def test_same_key_same_mask_other_key_other_mask():
    x = jnp.ones((50,))
    a, b = nn.dropout(x, 0.5, key=KEY), nn.dropout(x, 0.5, key=KEY)
    c = nn.dropout(x, 0.5, key=jax.random.key(1))
    assert_close(a, b)
    assert not np.array_equal(np.asarray(a), np.asarray(c))
    assert_close(jax.jit(lambda x, k: nn.dropout(x, 0.5, key=k))(x, KEY), a)


@pytest.mark.parametrize(
    "fn",
    ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"],
)
def test_identity_in_eval_and_at_p0(fn, rng):
    shape = {"dropout1d": (2, 3, 4), "dropout3d": (2, 3, 2, 2, 2)}.get(fn, (2, 3, 4, 4))
    x = jnp.asarray(randn(rng, *shape))
    f = getattr(nn, fn)
    assert_close(f(x, 0.5, training=False), x)
    assert_close(f(x, 0.0, training=True), x)  # no key needed either
    assert_close(f(x, 1.0, training=True), np.zeros(shape, np.float32))
    with pytest.raises(
        InvalidArgumentError, match="dropout probability has to be between 0 and 1, but got 1.5"
    ):
        f(x, 1.5)
    with pytest.raises(InvalidArgumentError, match="between 0 and 1, but got -0.1"):
        f(x, -0.1)
    with pytest.raises(InvalidArgumentError, match="PRNG key is required"):
        f(x, 0.5, training=True)


@pytest.mark.parametrize(
    ("fn", "shape", "channel_shape"),
    [
        ("dropout1d", (20, 30, 8), (20, 30, 1)),
        ("dropout1d", (30, 8), (30, 1)),
        ("dropout2d", (20, 30, 3, 3), (20, 30, 1, 1)),
        ("dropout3d", (20, 30, 2, 2, 2), (20, 30, 1, 1, 1)),
        ("dropout3d", (30, 2, 2, 2), (30, 1, 1, 1)),
    ],
)
def test_channel_dropout_zeros_whole_channels(fn, shape, channel_shape):
    out = np.asarray(getattr(nn, fn)(jnp.ones(shape), 0.4, key=KEY))
    # the channel dims lead: one row per channel
    flat = out.reshape(int(np.prod([c for c in channel_shape if c != 1])), -1)
    # every channel is either all zeros or all 1 / (1 - p)
    assert np.all((flat == 0).all(1) | np.isclose(flat, 1 / 0.6).all(1))
    dropped = (flat == 0).all(1).mean()
    assert abs(dropped - 0.4) < 4 * np.sqrt(0.24 / flat.shape[0])


def test_dropout_shape_rules():
    with pytest.raises(
        ShapeError, match="dropout1d: Expected 2D or 3D input, but received a 4D input"
    ):
        nn.dropout1d(jnp.ones((2, 3, 4, 5)), key=KEY)
    with pytest.warns(UserWarning, match="interpreted as shape \\(N, C, L\\)"):
        out = nn.dropout2d(jnp.ones((20, 30, 4)), 0.5, key=KEY)
    assert np.all(np.ptp(np.asarray(out), axis=2) == 0)  # dim 1 channels of (N, C, L)
    with pytest.raises(ShapeError, match="at least 2 dimensions"):
        nn.feature_alpha_dropout(jnp.ones(4), 0.5, training=True, key=KEY)
    with pytest.raises(DTypeError):
        nn.dropout(jnp.ones(3, jnp.int32), key=KEY)


@pytest.mark.parametrize("fn", ["alpha_dropout", "feature_alpha_dropout"])
def test_alpha_dropout_preserves_mean_and_variance(fn):
    x = jax.random.normal(jax.random.key(3), (400, 500))
    out = np.asarray(getattr(nn, fn)(x, 0.3, training=True, key=KEY))
    assert abs(out.mean()) < 0.02 and abs(out.var() - 1) < 0.03
    # the gradient is the scale a where kept and 0 where dropped; dropped values sit at
    # a * alpha * (p - 1) and kept ones at a * x + a * alpha * p (torch's constants)
    alpha = 1.7580993408473766
    a = 1 / np.sqrt((alpha**2 * 0.3 + 1) * 0.7)
    g = jax.grad(lambda v: jnp.sum(getattr(nn, fn)(v, 0.3, training=True, key=KEY)))(x)
    g = np.asarray(g)
    kept = g != 0
    np.testing.assert_allclose(g[kept], a, rtol=1e-6)
    assert abs(1 - kept.mean() - 0.3) < 0.02
    np.testing.assert_allclose(out[~kept], a * alpha * (0.3 - 1), rtol=1e-6)
    np.testing.assert_allclose(
        out[kept], a * np.asarray(x)[kept] + a * alpha * 0.3, rtol=1e-5, atol=1e-6
    )


def test_alpha_dropout_matches_torch_statistics():
    # Same moments as torch's alpha_dropout on the same input (the masks differ).
    torch.manual_seed(0)
    x = np.random.default_rng(0).standard_normal((300, 300)).astype(np.float32)
    ref = F.alpha_dropout(torch.tensor(x), 0.2, training=True).numpy()
    out = np.asarray(nn.alpha_dropout(jnp.asarray(x), 0.2, training=True, key=KEY))
    assert set(np.round(np.unique(ref[np.isclose(ref, ref.min())]), 5)) == set(
        np.round(np.unique(out[np.isclose(out, out.min())]), 5)
    )
    assert abs(out.mean() - ref.mean()) < 0.02 and abs(out.std() - ref.std()) < 0.02


# --------------------------------------------------------------------------------------------
# embedding
# --------------------------------------------------------------------------------------------


def _embedding_grads(idx, w, cot, **kw):
    g = jax.grad(lambda a: jnp.sum(nn.embedding(jnp.asarray(idx), a, **kw) * cot))(jnp.asarray(w))
    wt = torch.tensor(w, requires_grad=True)
    out = F.embedding(torch.tensor(idx, dtype=torch.int64), wt, **kw)
    (out * torch.tensor(cot)).sum().backward()
    return g, wt.grad, out


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"padding_idx": 2},
        {"padding_idx": -1},
        {"scale_grad_by_freq": True},
        {"scale_grad_by_freq": True, "padding_idx": 0},
    ],
    ids=["plain", "pad2", "pad-1", "freq", "freq-pad0"],
)
def test_embedding_values_and_grads_match_torch(kw, rng):
    idx = rng.integers(0, 6, size=(3, 5)).astype(np.int32)
    idx[0, :3] = [2, 5, 0]
    w = randn(rng, 6, 4)
    cot = randn(rng, 3, 5, 4)
    out = nn.embedding(jnp.asarray(idx), jnp.asarray(w), **kw)
    g, gt, ref = _embedding_grads(idx, w, cot, **kw)
    assert_close(out, ref)
    assert_close(g, gt)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
def test_embedding_max_norm_output_and_renorm(norm_type, rng):
    idx = np.array([[0, 1, 1], [3, 0, 5]], np.int32)
    w = randn(rng, 6, 4) * 2
    cot = randn(rng, 2, 3, 4)
    g, gt, ref = _embedding_grads(idx, w.copy(), cot, max_norm=1.5, norm_type=norm_type)
    out = nn.embedding(jnp.asarray(idx), jnp.asarray(w), max_norm=1.5, norm_type=norm_type)
    assert_close(out, ref)
    assert_close(g, gt)  # torch renormalises in place: the weight's gradient is not scaled
    wt = torch.tensor(w)
    with torch.no_grad():
        torch.embedding_renorm_(wt, torch.tensor(idx, dtype=torch.int64), 1.5, norm_type)
    assert_close(nn.embedding_renorm(jnp.asarray(w), jnp.asarray(idx), 1.5, norm_type), wt)


def test_embedding_errors_and_jit(rng):
    w = jnp.asarray(randn(rng, 5, 3))
    with pytest.raises(IndexOutOfRangeError, match="out of bounds"):
        nn.embedding(jnp.array([0, 5]), w)
    with pytest.raises(IndexOutOfRangeError):
        nn.embedding(jnp.array([-1]), w)
    with pytest.raises(InvalidArgumentError, match="Padding_idx must be within num_embeddings"):
        nn.embedding(jnp.array([0]), w, padding_idx=5)
    with pytest.raises(DTypeError, match="integer dtype"):
        nn.embedding(jnp.array([0.0]), w)
    with pytest.raises(ShapeError, match="must be 2-D"):
        nn.embedding(jnp.array([0]), jnp.ones(3))
    # under jit the indices cannot be checked: an out-of-range row reads NaN, never a clamp
    out = jax.jit(nn.embedding)(jnp.array([1, 7, -1]), w)
    assert_close(out[0], w[1])
    assert np.isnan(np.asarray(out[1:])).all()


def test_one_hot_matches_torch(rng):
    x = rng.integers(0, 5, size=(3, 4))
    assert_close(nn.one_hot(jnp.asarray(x, jnp.int32)), F.one_hot(torch.tensor(x)))
    assert_close(nn.one_hot(jnp.asarray(x, jnp.int32), 7), F.one_hot(torch.tensor(x), 7))
    assert nn.one_hot(jnp.array([1]), 2, dtype=jnp.float32).dtype == jnp.float32
    assert jax.jit(lambda a: nn.one_hot(a, 6))(jnp.asarray(x, jnp.int32)).shape == (3, 4, 6)
    with pytest.raises(IndexOutOfRangeError, match="Class values must be non-negative"):
        nn.one_hot(jnp.array([-1, 0]), 3)
    with pytest.raises(IndexOutOfRangeError, match="Class values must be smaller than num_classes"):
        nn.one_hot(jnp.array([3]), 3)
    with pytest.raises(TracingError, match="pass num_classes explicitly"):
        jax.jit(nn.one_hot)(jnp.array([1]))
    with pytest.raises(DTypeError, match="index tensors"):
        nn.one_hot(jnp.array([1.0]))


# --------------------------------------------------------------------------------------------
# embedding_bag
# --------------------------------------------------------------------------------------------

BAG_CASES = [
    {"mode": "sum"},
    {"mode": "mean"},
    {"mode": "max"},
    {"mode": "sum", "padding_idx": 2, "psw": True},
    {"mode": "mean", "padding_idx": -4},
    {"mode": "max", "padding_idx": 2},
    {"mode": "mean", "scale_grad_by_freq": True},
    {"mode": "sum", "max_norm": 1.0},
    {"mode": "mean", "include_last_offset": True},
    {"mode": "max", "two_d": True},
    {"mode": "sum", "two_d": True, "psw": True, "padding_idx": 0},
]


@pytest.mark.parametrize(
    "case", BAG_CASES, ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items())
)
def test_embedding_bag_matches_torch(case, rng):
    case = dict(case)
    two_d, use_psw = case.pop("two_d", False), case.pop("psw", False)
    w = randn(rng, 6, 3) * 2
    if two_d:
        idx, off = rng.integers(0, 6, size=(4, 3)), None
        idx[0] = [2, 2, 0]  # duplicates (ties in max mode) and padding
    else:
        idx = rng.integers(0, 6, size=9)
        idx[:3] = [2, 2, 0]
        off = np.array([0, 3, 3, 7] + ([9] if case.get("include_last_offset") else []))
    psw = randn(rng, *idx.shape) if use_psw else None
    cot = randn(rng, 4, 3)

    def ours(a):
        return nn.embedding_bag(
            jnp.asarray(idx, jnp.int32),
            a,
            None if off is None else jnp.asarray(off, jnp.int32),
            per_sample_weights=None if psw is None else jnp.asarray(psw),
            **case,
        )

    out = ours(jnp.asarray(w))
    g = jax.grad(lambda a: jnp.sum(ours(a) * cot))(jnp.asarray(w))
    wt = torch.tensor(w, requires_grad=True)
    if case.get("scale_grad_by_freq"):
        ref = _bag_reference(torch.tensor(idx), wt, off)
    else:
        ref = F.embedding_bag(
            torch.tensor(idx),
            wt,
            None if off is None else torch.tensor(off),
            per_sample_weights=None if psw is None else torch.tensor(psw),
            **case,
        )
    (ref * torch.tensor(cot)).sum().backward()
    assert_close(out, ref)
    assert_close(g, wt.grad)
    assert_close(jax.jit(ours)(jnp.asarray(w)), out)


def _bag_reference(idx, wt, off):
    """Mean bags built from torch's F.embedding: torch's own CPU embedding_bag divides the
    gradient of scale_grad_by_freq by misaligned counts (e.g. indices [0, 1, 2, 2, 3, 4, 4,
    4, 5] in one "sum" bag give row 4 the gradient 3, not 1), so F.embedding is the oracle."""
    rows = F.embedding(idx, wt, scale_grad_by_freq=True)
    ends = [*off[1:].tolist(), len(idx)]
    bags = [rows[a:b].mean(0) if b > a else rows.new_zeros(wt.shape[1]) for a, b in zip(off, ends)]
    return torch.stack(bags)


def test_embedding_bag_errors():
    w = jnp.ones((5, 3))
    with pytest.raises(InvalidArgumentError, match="offsets\\[0\\] has to be 0"):
        nn.embedding_bag(jnp.array([1, 2, 3]), w, jnp.array([1, 2]))
    with pytest.raises(
        InvalidArgumentError, match="offsets\\[-1\\] can not be greater than input's length 3"
    ):
        nn.embedding_bag(jnp.array([1, 2, 3]), w, jnp.array([0, 4]))
    with pytest.raises(InvalidArgumentError, match="offsets has to be a 1D Tensor but got None"):
        nn.embedding_bag(jnp.array([1, 2, 3]), w)
    with pytest.raises(InvalidArgumentError, match="if input is 2D, then offsets has to be None"):
        nn.embedding_bag(jnp.array([[1, 2]]), w, jnp.array([0]))
    with pytest.raises(InvalidArgumentError, match="mode has to be one of sum, mean or max"):
        nn.embedding_bag(jnp.array([[1, 2]]), w, mode="min")
    with pytest.raises(InvalidArgumentError, match="max mode does not support sparse weights"):
        nn.embedding_bag(jnp.array([[1, 2]]), w, mode="max", sparse=True)
    with pytest.raises(InvalidArgumentError, match="max mode does not support scaling"):
        nn.embedding_bag(jnp.array([[1, 2]]), w, mode="max", scale_grad_by_freq=True)
    with pytest.raises(
        NotImplementedError, match="per_sample_weights is only supported for mode='sum'"
    ):
        nn.embedding_bag(jnp.array([[1, 2]]), w, per_sample_weights=jnp.ones((1, 2)))
    with pytest.raises(ShapeError, match="must have the same shape as the input"):
        nn.embedding_bag(jnp.array([[1, 2]]), w, mode="sum", per_sample_weights=jnp.ones(2))
    with pytest.raises(IndexOutOfRangeError):
        nn.embedding_bag(jnp.array([[1, 5]]), w)


def test_same_results_with_x64_on_and_off(both_modes, rng):
    # masks and lookups do not depend on JAX's 64-bit mode
    x = jnp.ones((8, 16), jnp.float32)
    mask = np.asarray(nn.dropout(x, 0.5, key=KEY))
    expected = (
        np.asarray(jax.random.uniform(KEY, (8, 16), jnp.float32) < np.float32(0.5), np.float32) * 2
    )
    assert_close(mask, expected)
    assert nn.one_hot(jnp.array([1, 0]), 2).dtype == jnp.int32
    w = jnp.asarray(randn(rng, 4, 3))
    bag = nn.embedding_bag(jnp.array([0, 3, 1]), w, jnp.array([0, 1]), mode="max")
    assert bag.dtype == jnp.float32 and bag.shape == (2, 3)
