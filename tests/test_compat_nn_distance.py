"""compat.nn.functional distances, gumbel_softmax and in-place activations; distance modules."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import assert_close, randn

import compat
import compat.nn.functional as F
from compat import nn
from rustorch_fx.errors import ArgumentTypeError


@pytest.mark.parametrize(
    ("name", "shapes", "kwargs"),
    [
        ("pairwise_distance", [(4, 5), (4, 5)], {"p": 1.0}),
        ("cosine_similarity", [(4, 5), (4, 5)], {"dim": 1}),
        ("pdist", [(5, 3)], {}),
        ("normalize", [(4, 5)], {"dim": 0}),
    ],
)
def test_distance_functions_match_torch(name, shapes, kwargs, rng):
    arrays = [randn(rng, *s) for s in shapes]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    cs = [compat.tensor(a, requires_grad=True) for a in arrays]
    theirs = getattr(torch.nn.functional, name)(*ts, **kwargs)
    ours = getattr(F, name)(*cs, **kwargs)
    assert_close(ours.detach().numpy(), theirs.detach())
    theirs.sum().backward()
    ours.sum().backward()
    for c, t in zip(cs, ts, strict=True):
        assert_close(c.grad.numpy(), t.grad)


def test_distance_modules_and_normalize_out(rng):
    a, b = randn(rng, 3, 4), randn(rng, 3, 4)
    for cls, args in [("PairwiseDistance", (1.0, 1e-6, True)), ("CosineSimilarity", (0,))]:
        tm, cm = getattr(torch.nn, cls)(*args), getattr(nn, cls)(*args)
        assert repr(cm) == repr(tm)
        assert_close(
            cm(compat.tensor(a), compat.tensor(b)).numpy(), tm(torch.tensor(a), torch.tensor(b))
        )
    out = compat.empty(3, 4)
    assert F.normalize(compat.tensor(a), out=out) is out
    assert_close(out.numpy(), torch.nn.functional.normalize(torch.tensor(a)))
    with pytest.raises(ArgumentTypeError, match="pdist: argument 'input' must be a Tensor"):
        F.pdist(np.ones((2, 2)))


def test_inplace_activation_variants_and_sigmoid_tanh(rng):
    x = randn(rng, 6)
    for name, args in [
        ("threshold_", (0.1, -3.0)),
        ("selu_", ()),
        ("celu_", (0.7,)),
        ("rrelu_", (0.2, 0.4)),
    ]:
        t, c = torch.tensor(x), compat.tensor(x)
        theirs = getattr(torch.nn.functional, name)(t, *args)
        ours = getattr(F, name)(c, *args)
        assert ours is c
        assert_close(c.numpy(), theirs)
    assert_close(F.sigmoid(compat.tensor(x)).numpy(), torch.sigmoid(torch.tensor(x)))
    assert_close(F.tanh(compat.tensor(x)).numpy(), torch.tanh(torch.tensor(x)))


def test_gumbel_softmax_is_seeded_hard_one_hot_and_differentiable():
    logits = compat.zeros(5, 3, requires_grad=True)
    compat.manual_seed(1)
    a = F.gumbel_softmax(logits, hard=True)
    compat.manual_seed(1)
    b = F.gumbel_softmax(logits, hard=True)
    assert a.tolist() == b.tolist()
    assert (a.sum(-1) == 1).all().item() and set(a.detach().numpy().ravel()) <= {0.0, 1.0}
    (a * compat.arange(3.0)).sum().backward()
    assert logits.grad is not None and logits.grad.abs().sum().item() > 0
    with pytest.raises(ArgumentTypeError, match="argument 'logits' must be a Tensor"):
        F.gumbel_softmax(np.zeros(3))
