"""compat dropout (statistics, seeding, modes) and embedding (against torch): functional and modules."""

from __future__ import annotations

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
    AutogradError,
    IndexOutOfRangeError,
    InvalidArgumentError,
    ShapeError,
)


def _np(t) -> np.ndarray:
    return t.detach().numpy()


# --------------------------------------------------------------------------------------------
# dropout
# --------------------------------------------------------------------------------------------


def test_dropout_statistics_and_gradient():
    compat.manual_seed(0)
    x = compat.ones(200, 100, requires_grad=True)
    out = F.dropout(x, 0.3)
    kept = _np(out) != 0
    assert abs(kept.mean() - 0.7) < 4 * np.sqrt(0.21 / kept.size)
    np.testing.assert_allclose(_np(out)[kept], 1 / 0.7, rtol=1e-6)
    out.sum().backward()
    np.testing.assert_allclose(_np(x.grad), kept / 0.7, rtol=1e-6)


def test_dropout_is_identity_in_eval_and_at_p0():
    x = compat.randn(3, 4)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    assert F.alpha_dropout(x, 0.5) is x  # training defaults to False
    assert_close(_np(F.dropout(x, 1.0)), np.zeros((3, 4), np.float32))


def test_manual_seed_reproduces_the_mask():
    x = compat.ones(64)
    compat.manual_seed(123)
    a = _np(F.dropout(x, 0.5))
    b = _np(F.dropout(x, 0.5))
    compat.manual_seed(123)
    assert_close(_np(F.dropout(x, 0.5)), a)
    assert not np.array_equal(a, b)  # the generator moved on


def test_dropout_inplace_and_errors():
    compat.manual_seed(1)
    x = compat.ones(50)
    out = F.dropout(x, 0.5, inplace=True)
    assert out is x and (_np(x) == 0).any() and (_np(x) == 2).any()
    for fn in (F.dropout, F.dropout1d, F.dropout2d, F.dropout3d, F.alpha_dropout):
        with pytest.raises(
            InvalidArgumentError, match="dropout probability has to be between 0 and 1, but got 1.5"
        ):
            fn(compat.ones(2, 3, 4, 4), 1.5)
    with pytest.raises(ValueError, match="but got -0.5"):
        F.dropout(compat.ones(2), -0.5, training=False)  # checked even when inactive, as torch
    with pytest.raises(ArgumentTypeError):
        F.dropout(np.ones(3))
    with pytest.raises(ShapeError, match="dropout1d: Expected 2D or 3D input"):
        F.dropout1d(compat.ones(2, 3, 4, 5))
    with pytest.raises(AutogradError):
        F.dropout(compat.ones(3, requires_grad=True), inplace=True)


@pytest.mark.parametrize(
    ("fn", "shape"),
    [(F.dropout1d, (30, 20, 6)), (F.dropout2d, (30, 20, 2, 3)), (F.dropout3d, (20, 30, 2, 2, 2))],
)
def test_channel_dropout_zeros_whole_channels(fn, shape):
    compat.manual_seed(2)
    out = _np(fn(compat.ones(*shape), 0.5)).reshape(shape[0] * shape[1], -1)
    assert np.all((out == 0).all(1) | (out == 2).all(1))
    assert 0.35 < (out == 0).all(1).mean() < 0.65


def test_alpha_dropout_keeps_moments_and_differs_from_identity():
    compat.manual_seed(3)
    x = compat.randn(300, 300)
    out = _np(F.alpha_dropout(x, 0.2, training=True))
    assert abs(out.mean()) < 0.03 and abs(out.std() - 1) < 0.03
    assert not np.allclose(out, _np(x))
    out = _np(F.feature_alpha_dropout(compat.randn(200, 100, 3), 0.2, training=True))
    assert abs(out.mean()) < 0.05 and abs(out.std() - 1) < 0.05


@pytest.mark.parametrize(
    ("name", "shape"),
    [
        ("Dropout", (20, 30)),
        ("Dropout1d", (20, 30, 4)),
        ("Dropout2d", (20, 30, 2, 2)),
        ("Dropout3d", (20, 30, 2, 2, 2)),
        ("AlphaDropout", (20, 30)),
        ("FeatureAlphaDropout", (20, 30, 2)),
    ],
)
def test_dropout_modules(name, shape):
    ours, theirs = getattr(nn, name)(p=0.25), getattr(torch.nn, name)(p=0.25)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == []
    x = compat.randn(*shape)
    compat.manual_seed(4)
    y = ours(x)
    assert y.shape == x.shape and not np.allclose(_np(y), _np(x))
    ours.eval()
    assert ours(x) is x
    with pytest.raises(
        InvalidArgumentError, match="dropout probability has to be between 0 and 1, but got 2"
    ):
        getattr(nn, name)(p=2)


def test_alpha_dropout_module_ignores_inplace_like_torch():
    x = compat.ones(20)
    y = nn.AlphaDropout(0.5, inplace=True)(x)
    assert y is not x and (_np(x) == 1).all()
    z = nn.Dropout(0.5, inplace=True)(x)
    assert z is x


# --------------------------------------------------------------------------------------------
# embedding, one_hot
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kw",
    [{}, {"padding_idx": 1}, {"padding_idx": -2}, {"scale_grad_by_freq": True}],
    ids=["plain", "pad", "pad-neg", "freq"],
)
def test_functional_embedding_matches_torch(kw, rng):
    idx = rng.integers(0, 5, size=(3, 4))
    idx[0, :2] = [1, 3]
    w = randn(rng, 5, 3)
    ow, tw = compat.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    out = F.embedding(compat.tensor(idx), ow, **kw)
    ref = TF.embedding(torch.tensor(idx), tw, **kw)
    assert_close(_np(out), ref)
    cot = randn(rng, 3, 4, 3)
    (out * compat.tensor(cot)).sum().backward()
    (ref * torch.tensor(cot)).sum().backward()
    assert_close(_np(ow.grad), tw.grad)


def test_functional_embedding_max_norm_renormalises_weight_in_place(rng):
    w = randn(rng, 6, 4) * 3
    idx = np.array([[0, 2, 2], [5, 0, 1]])
    ow, tw = compat.tensor(w), torch.tensor(w)
    v = ow._version
    out = F.embedding(compat.tensor(idx), ow, max_norm=1.0, norm_type=1.0)
    ref = TF.embedding(torch.tensor(idx), tw, max_norm=1.0, norm_type=1.0)
    assert_close(_np(out), ref)
    assert_close(_np(ow), tw)  # rows 0, 1, 2, 5 rescaled; 3 and 4 untouched
    assert ow._version == v + 1


def test_functional_embedding_errors():
    w = compat.randn(5, 3)
    with pytest.raises(IndexOutOfRangeError, match="index 5 is out of bounds"):
        F.embedding(compat.tensor([0, 5]), w)
    with pytest.raises(IndexError):
        F.embedding(compat.tensor([-1]), w)
    with pytest.raises(InvalidArgumentError, match="Padding_idx must be within num_embeddings"):
        F.embedding(compat.tensor([0]), w, padding_idx=7)
    with pytest.raises(ArgumentTypeError):
        F.embedding([0, 1], w)


def test_one_hot_matches_torch(rng):
    x = rng.integers(0, 4, size=(2, 5))
    out = F.one_hot(compat.tensor(x))
    assert out.dtype == compat.int64
    assert_close(_np(out), TF.one_hot(torch.tensor(x)))
    assert_close(_np(F.one_hot(compat.tensor(x), 6)), TF.one_hot(torch.tensor(x), 6))
    with pytest.raises(IndexOutOfRangeError, match="Class values must be non-negative"):
        F.one_hot(compat.tensor([-1, 2]))
    with pytest.raises(RuntimeError, match="Class values must be smaller than num_classes"):
        F.one_hot(compat.tensor([4]), 3)


@pytest.mark.parametrize(
    "kw",
    [{}, {"padding_idx": 0}, {"max_norm": 1.5}, {"scale_grad_by_freq": True, "padding_idx": -1}],
    ids=["plain", "pad", "max_norm", "freq-pad"],
)
def test_embedding_module_matches_torch(kw, rng):
    ours, theirs = nn.Embedding(7, 4, **kw), torch.nn.Embedding(7, 4, **kw)
    assert repr(ours) == repr(theirs)
    ours.load_state_dict(
        {k: compat.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()}
    )
    sd, tsd = ours.state_dict(), theirs.state_dict()
    assert list(sd) == list(tsd) == ["weight"]
    assert tuple(sd["weight"].shape) == (7, 4) and sd["weight"].dtype == compat.float32
    for _ in range(2):
        idx = rng.integers(0, 7, size=(3, 5))
        out, ref = ours(compat.tensor(idx)), theirs(torch.tensor(idx))
        assert_close(_np(out), ref)
        cot = randn(rng, 3, 5, 4)
        (out * compat.tensor(cot)).sum().backward()
        (ref * torch.tensor(cot)).sum().backward()
        assert_close(_np(ours.weight.grad), theirs.weight.grad)
        assert_close(_np(ours.weight), theirs.weight)  # max_norm renormalised both in place
        ours.zero_grad()
        theirs.zero_grad()


def test_embedding_init_and_padding_row():
    compat.manual_seed(0)
    m = nn.Embedding(1000, 100, padding_idx=-1)
    w = _np(m.weight)
    assert m.padding_idx == 999
    assert (w[999] == 0).all()
    assert abs(w[:999].mean()) < 0.01 and abs(w[:999].std() - 1) < 0.01
    assert m.weight.requires_grad


def test_embedding_from_pretrained_and_weight_argument():
    pre = compat.tensor([[1.0, 2.3, 3.0], [4.0, 5.1, 6.3]])
    m = nn.Embedding.from_pretrained(pre)
    t = torch.nn.Embedding.from_pretrained(torch.tensor(_np(pre)))
    assert not m.weight.requires_grad and repr(m) == repr(t)
    assert_close(_np(m(compat.tensor([1]))), t(torch.tensor([1])))
    m = nn.Embedding.from_pretrained(pre, freeze=False, padding_idx=0)
    assert m.weight.requires_grad and m.padding_idx == 0
    assert_close(_np(m.weight[0]), np.array([1.0, 2.3, 3.0], np.float32))  # not zeroed, as torch
    with pytest.raises(ShapeError, match="Shape of weight does not match"):
        nn.Embedding(3, 3, _weight=pre)
    with pytest.raises(ShapeError, match="expected to be 2-dimensional"):
        nn.Embedding.from_pretrained(compat.ones(3))
    with pytest.raises(InvalidArgumentError, match="Padding_idx must be within num_embeddings"):
        nn.Embedding(3, 2, padding_idx=3)
    with pytest.raises(InvalidArgumentError, match="Padding_idx must be within num_embeddings"):
        nn.Embedding(3, 2, padding_idx=-4)
    with pytest.raises(IndexOutOfRangeError):
        nn.Embedding(3, 2)(compat.tensor([3]))


# --------------------------------------------------------------------------------------------
# embedding_bag, EmbeddingBag
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kw",
    [
        {"mode": "sum", "per_sample_weights": True},
        {"mode": "mean", "padding_idx": 1},
        {"mode": "max", "max_norm": 1.0},
        {"mode": "mean", "include_last_offset": True},
    ],
    ids=["sum-psw", "mean-pad", "max-max_norm", "mean-last-offset"],
)
def test_functional_embedding_bag_matches_torch(kw, rng):
    kw = dict(kw)
    idx = rng.integers(0, 6, size=8)
    off = np.array([0, 2, 2, 5] + ([8] if kw.get("include_last_offset") else []))
    psw = randn(rng, 8) if kw.pop("per_sample_weights", False) else None
    w = randn(rng, 6, 3) * 2
    ow, tw = compat.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    out = F.embedding_bag(
        compat.tensor(idx),
        ow,
        compat.tensor(off),
        per_sample_weights=None if psw is None else compat.tensor(psw),
        **kw,
    )
    ref = TF.embedding_bag(
        torch.tensor(idx),
        tw,
        torch.tensor(off),
        per_sample_weights=None if psw is None else torch.tensor(psw),
        **kw,
    )
    assert_close(_np(out), ref)
    cot = randn(rng, *ref.shape)
    (out * compat.tensor(cot)).sum().backward()
    (ref * torch.tensor(cot)).sum().backward()
    assert_close(_np(ow.grad), tw.grad)
    assert_close(_np(ow), tw.detach())  # max_norm: renormalised in place by both


def test_functional_embedding_bag_errors():
    w = compat.randn(5, 3)
    with pytest.raises(IndexOutOfRangeError):
        F.embedding_bag(compat.tensor([[0, 5]]), w)
    with pytest.raises(InvalidArgumentError, match="offsets\\[0\\] has to be 0"):
        F.embedding_bag(compat.tensor([0, 1, 2]), w, compat.tensor([1, 2]))
    with pytest.raises(NotImplementedError, match="only supported for mode='sum'"):
        F.embedding_bag(compat.tensor([[0, 1]]), w, per_sample_weights=compat.ones(1, 2))


@pytest.mark.parametrize(
    "kw",
    [{}, {"mode": "sum", "padding_idx": -1}, {"mode": "max", "max_norm": 2.0, "norm_type": 1.0}],
)
def test_embedding_bag_module_matches_torch(kw, rng):
    ours, theirs = nn.EmbeddingBag(7, 3, **kw), torch.nn.EmbeddingBag(7, 3, **kw)
    assert repr(ours) == repr(theirs)
    ours.load_state_dict(
        {k: compat.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()}
    )
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    idx = rng.integers(0, 7, size=(4, 3))
    out, ref = ours(compat.tensor(idx)), theirs(torch.tensor(idx))
    assert_close(_np(out), ref)
    out.sum().backward()
    ref.sum().backward()
    assert_close(_np(ours.weight.grad), theirs.weight.grad)
    assert_close(_np(ours.weight), theirs.weight)
    if kw.get("padding_idx") is not None:
        assert (_np(nn.EmbeddingBag(7, 3, padding_idx=-1).weight)[6] == 0).all()


def test_embedding_bag_module_construction():
    pre = compat.tensor([[1.0, 2.0], [3.0, 4.0]])
    m = nn.EmbeddingBag.from_pretrained(pre, mode="sum")
    t = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(_np(pre)), mode="sum")
    assert not m.weight.requires_grad and repr(m) == repr(t)
    assert_close(_np(m(compat.tensor([[0, 1]]))), t(torch.tensor([[0, 1]])))
    with pytest.raises(InvalidArgumentError, match="mode has to be one of sum, mean or max"):
        nn.EmbeddingBag(3, 2, mode="min")
    with pytest.raises(ShapeError, match="Shape of weight does not match"):
        nn.EmbeddingBag(3, 2, _weight=pre)
