"""compat.nn.init (in place, seeded) and compat.nn.utils (clipping, parameter vectors) against torch."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
from conftest import assert_close, randn

import compat
from compat import nn
from rustorch_fx.errors import (
    ArgumentTypeError,
    AutogradError,
    InvalidArgumentError,
    NonFiniteError,
    ShapeError,
)


def test_init_functions_fill_in_place_without_recording(rng):
    w = nn.Parameter(compat.empty(16, 8))
    version = w._version
    assert nn.init.kaiming_uniform_(w, a=math.sqrt(5)) is w
    assert w._version > version and w.grad_fn is None and w.requires_grad
    assert float(w.abs().max()) <= 1 / math.sqrt(8)
    assert nn.init.zeros_(w).abs().sum().item() == 0
    assert nn.init.ones_(w).sum().item() == 128
    assert nn.init.constant_(w, 0.25).mean().item() == 0.25
    assert_close(nn.init.eye_(compat.empty(3, 4)).numpy(), torch.nn.init.eye_(torch.empty(3, 4)))
    assert_close(
        nn.init.dirac_(compat.empty(4, 2, 3), 2).numpy(),
        torch.nn.init.dirac_(torch.empty(4, 2, 3), 2),
    )
    q = nn.init.orthogonal_(compat.empty(4, 6))
    assert_close((q @ q.T).numpy(), np.eye(4, dtype=np.float32), atol=1e-5)
    assert ((nn.init.sparse_(compat.empty(10, 3), 0.2) == 0).sum(0) == 2).all().item()
    t = nn.init.trunc_normal_(compat.empty(1000), std=0.02, a=-0.03, b=0.03)
    assert float(t.abs().max()) <= 0.03
    assert nn.init.xavier_normal_(compat.empty(30, 40)).std().item() == pytest.approx(
        math.sqrt(2 / 70), rel=0.1
    )
    assert float(
        nn.init.xavier_uniform_(compat.empty(30, 40), gain=2).abs().max()
    ) <= 2 * math.sqrt(6 / 70)
    assert nn.init.kaiming_normal_(
        compat.empty(50, 40), mode="fan_out"
    ).std().item() == pytest.approx(math.sqrt(2 / 50) / math.sqrt(1.0001), rel=0.1)
    assert float(nn.init.uniform_(compat.empty(100), -2, -1).max()) <= -1
    assert nn.init.normal_(
        compat.empty(2000, dtype=compat.float64), 3.0, 0.5
    ).mean().item() == pytest.approx(3.0, abs=0.05)
    assert nn.init.normal_(compat.empty(3, dtype=compat.float16)).dtype == compat.float16
    assert nn.init.calculate_gain("tanh") == torch.nn.init.calculate_gain("tanh")
    assert nn.init._calculate_fan_in_and_fan_out(compat.empty(4, 3, 2)) == (6, 8)
    assert nn.init._calculate_correct_fan(compat.empty(4, 3, 2), "fan_out") == 8
    with pytest.raises(InvalidArgumentError, match="Mode fan_avg not supported"):
        nn.init._calculate_correct_fan(compat.empty(4, 3), "fan_avg")


def test_init_is_reproducible_with_seed_and_generator():
    compat.manual_seed(3)
    a = nn.init.normal_(compat.empty(5))
    compat.manual_seed(3)
    b = nn.init.normal_(compat.empty(5))
    assert a.tolist() == b.tolist()
    g1, g2 = compat.Generator().manual_seed(9), compat.Generator().manual_seed(9)
    assert (
        nn.init.uniform_(compat.empty(4), generator=g1).tolist()
        == nn.init.uniform_(compat.empty(4), generator=g2).tolist()
    )


def test_init_errors_and_zero_element_warning():
    with pytest.raises(ArgumentTypeError, match="kaiming_uniform_: expected a compat Tensor"):
        nn.init.kaiming_uniform_(np.zeros((2, 2)))
    with pytest.raises(InvalidArgumentError, match="fewer than 2 dimensions"):
        nn.init.xavier_uniform_(compat.empty(3))
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        nn.init.kaiming_normal_(compat.empty(0, 3))


def test_tensor_uniform_and_normal_methods_are_in_place_ops():
    x = compat.empty(200)
    assert x.uniform_(2, 3) is x and float(x.min()) >= 2 and float(x.max()) <= 3
    assert float(x.uniform_(**{"from": 5, "to": 6}).min()) >= 5
    assert x.normal_(10.0, 0.1).mean().item() == pytest.approx(10.0, abs=0.05)
    p = compat.zeros(3, requires_grad=True)
    with pytest.raises(AutogradError, match="a leaf Variable that requires grad"):
        p.uniform_()
    with compat.no_grad():
        p.normal_()
    with pytest.raises(ArgumentTypeError, match="unexpected keyword argument 'low'"):
        x.uniform_(low=1)


# -- clip_grad ------------------------------------------------------------------------------------


def _pairs(rng, scale=1.0):
    grads = [randn(rng, 3, 4) * scale, randn(rng, 5) * scale]
    tp = [torch.zeros(g.shape, requires_grad=True) for g in grads]
    cp = [nn.Parameter(compat.zeros(*g.shape)) for g in grads]
    for t, c, g in zip(tp, cp, grads, strict=True):
        t.grad = torch.tensor(g)
        c.grad = compat.tensor(g)
    return tp, cp


@pytest.mark.parametrize("norm_type", [2.0, 1, math.inf, "inf", 3.5])
@pytest.mark.parametrize("max_norm", [0.1, 1e3])
def test_clip_grad_norm_matches_torch(rng, norm_type, max_norm):
    tp, cp = _pairs(rng)
    grad_objects = [p.grad for p in cp]
    theirs = torch.nn.utils.clip_grad_norm_(tp, max_norm, norm_type)
    ours = nn.utils.clip_grad_norm_(cp, max_norm, norm_type)
    assert_close(ours.numpy(), theirs, rtol=1e-5)
    for t, c, g in zip(tp, cp, grad_objects, strict=True):
        assert c.grad is g  # clipped in place
        assert_close(c.grad.numpy(), t.grad, rtol=1e-5)


def test_clip_grad_norm_single_tensor_nonfinite_and_none_grads(rng):
    p = nn.Parameter(compat.zeros(2))
    assert nn.utils.clip_grad_norm_(p, 1.0).item() == 0.0
    p.grad = compat.tensor([3.0, 4.0])
    assert nn.utils.clip_grad_norm(p, 1.0).item() == 5.0
    assert_close(p.grad.numpy(), np.array([0.6, 0.8], np.float32), rtol=1e-5)
    p.grad = compat.tensor([np.inf, 1.0])
    with pytest.raises(
        NonFiniteError,
        match="total norm of order 2.0 for gradients from `parameters` is non-finite",
    ):
        nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    assert p.grad.tolist()[1] == 1.0  # unchanged when the check raises
    with pytest.raises(InvalidArgumentError, match="max_norm must be >= 0"):
        nn.utils.clip_grad_norm_([p], -1.0)
    with pytest.raises(ArgumentTypeError, match="expected Tensors"):
        nn.utils.clip_grad_norm_([1.0], 1.0)
    tp, cp = _pairs(rng)
    assert_close(
        nn.utils.get_total_norm([p.grad for p in cp]).numpy(),
        torch.nn.utils.get_total_norm([p.grad for p in tp]),
    )


def test_clip_grad_value_matches_torch(rng):
    tp, cp = _pairs(rng)
    torch.nn.utils.clip_grad_value_(tp, 0.4)
    nn.utils.clip_grad_value_(cp, 0.4)
    for t, c in zip(tp, cp, strict=True):
        assert_close(c.grad.numpy(), t.grad)
    nn.utils.clip_grad_value_([nn.Parameter(compat.zeros(1))], 1.0)  # no grads: nothing to do
    with pytest.raises(InvalidArgumentError, match="clip_value must be >= 0"):
        nn.utils.clip_grad_value_(cp, -1)


def test_long_recurrence_gradient_is_finite_and_clipped():
    # 1,000 steps of a tanh recurrence through the tape: the gradient stays finite and
    # clipping brings its norm to max_norm.
    compat.manual_seed(0)
    w = nn.Parameter(compat.randn(8, 8) * 1.5)
    h = compat.zeros(2, 8)
    x = compat.randn(2, 8)
    for _ in range(1000):
        h = (h @ w + x).tanh()
    (h.sum() * 100).backward()
    norm = nn.utils.clip_grad_norm_([w], 1.0)
    assert math.isfinite(norm.item()) and norm.item() > 1.0
    assert float(w.grad.norm()) == pytest.approx(1.0, rel=1e-5)


# -- parameter vectors ------------------------------------------------------------------------


def test_parameters_to_vector_and_back_match_torch(rng):
    shapes = [(3, 2), (4,), (2, 2, 2)]
    values = [randn(rng, *s) for s in shapes]
    tparams = [torch.nn.Parameter(torch.tensor(v)) for v in values]
    cparams = [nn.Parameter(compat.tensor(v)) for v in values]
    tv = torch.nn.utils.parameters_to_vector(tparams)
    cv = nn.utils.parameters_to_vector(cparams)
    assert_close(cv.detach().numpy(), tv.detach())
    (cv * compat.arange(cv.shape[0], dtype=compat.float32)).sum().backward()
    assert_close(cparams[1].grad.numpy(), np.arange(6, 10, dtype=np.float32))
    new = randn(rng, tv.shape[0])
    torch.nn.utils.vector_to_parameters(torch.tensor(new), tparams)
    nn.utils.vector_to_parameters(compat.tensor(new), cparams)
    for t, c in zip(tparams, cparams, strict=True):
        assert_close(c.detach().numpy(), t.detach())
        assert isinstance(c, nn.Parameter) and c.requires_grad
    with pytest.raises(ArgumentTypeError, match="expected torch.Tensor, but got: list"):
        nn.utils.vector_to_parameters([1.0], cparams)
    with pytest.raises(ShapeError, match="expected a 1-D vector of 18 elements, got shape"):
        nn.utils.vector_to_parameters(compat.zeros(5), cparams)
    with pytest.raises(ArgumentTypeError, match="parameters_to_vector: expected Tensors"):
        nn.utils.parameters_to_vector([1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.utils.parameters_to_vector(cparams)
