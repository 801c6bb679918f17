"""compat.amp.autocast against torch.autocast on CPU: dtypes per op list, values, gradients."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import assert_close, randn

import compat
import compat.nn.functional as F
from compat.amp.autocast_mode import (
    autocast,
    get_autocast_dtype,
    is_autocast_available,
    is_autocast_enabled,
)
from rustorch_fx.errors import ArgumentTypeError, InvalidArgumentError, UnsupportedError


def _pair(rng, *shape, requires_grad=True):
    a = randn(rng, *shape)
    return compat.tensor(a, requires_grad=requires_grad), torch.tensor(
        a, requires_grad=requires_grad
    )


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_linear_softmax_loss_dtypes_values_and_grads_match_torch(dtype, rng):
    cdt, tdt = getattr(compat, dtype), getattr(torch, dtype)
    tl = torch.nn.Linear(5, 4)
    cl = compat.nn.Linear(5, 4)
    cl.load_state_dict(tl.state_dict())
    cx, tx = _pair(rng, 3, 5)
    target = rng.standard_normal((3, 4)).astype(np.float32)
    with autocast("cpu", dtype=cdt):
        co = cl(cx)
        cs = co.softmax(-1)
        closs = F.mse_loss(cs, compat.tensor(target))
    with torch.autocast("cpu", dtype=tdt):
        to = tl(tx)
        ts = to.softmax(-1)
        tloss = torch.nn.functional.mse_loss(ts, torch.tensor(target))
    for ours, theirs in [(co, to), (cs, ts), (closs, tloss)]:
        assert str(ours.dtype) == str(theirs.dtype)
    # one rounding to the low-precision dtype: tolerance of its epsilon
    tol = 1e-2 if dtype == "bfloat16" else 2e-3
    assert_close(co.float().detach().numpy(), to.float().detach(), rtol=tol, atol=tol)
    closs.backward()
    tloss.backward()
    assert cl.weight.grad.dtype == compat.float32 and cx.grad.dtype == compat.float32
    assert_close(cl.weight.grad.numpy(), tl.weight.grad, rtol=5 * tol, atol=5 * tol)
    assert_close(cx.grad.numpy(), tx.grad, rtol=5 * tol, atol=5 * tol)


def test_op_lists_promote_and_untouched_ops(rng):
    a, ta = _pair(rng, 4, 4, requires_grad=False)
    with autocast("cpu"), torch.autocast("cpu"):
        low = compat.mm(a, a)
        tlow = torch.mm(ta, ta)
        assert str(low.dtype) == str(tlow.dtype) == "torch.bfloat16"
        cat = compat.cat([low, a])
        assert str(cat.dtype) == str(torch.cat([tlow, ta]).dtype) == "torch.float32"
        assert str((low + 1).dtype) == str((tlow + 1).dtype)  # not listed: input dtype
        assert str(low.exp().dtype) == str(tlow.exp().dtype)  # exp is float32 only on CUDA
        assert (low @ low).dtype == compat.bfloat16
        i = compat.tensor([1, 2])
        assert (i + 1).dtype == compat.int64  # integer tensors are never cast


def test_weight_cast_is_cached_within_a_region(rng):
    lin = compat.nn.Linear(3, 3)
    x = compat.ones(2, 3)
    with autocast("cpu") as region:
        lin(x)
        lin(x)
        caster = compat._grad_mode._state.autocast
        assert len(caster.cache) == 2  # weight and bias, cast once each
    assert region.fast_dtype == compat.bfloat16
    with autocast("cpu", cache_enabled=False):
        lin(x)
        assert compat._grad_mode._state.autocast.cache is None


def test_nesting_disable_decorator_and_queries():
    x = compat.ones(2, 2)
    assert not is_autocast_enabled()
    with autocast("cpu"):
        assert is_autocast_enabled() and is_autocast_enabled("cpu")
        assert not is_autocast_enabled("cuda")
        assert get_autocast_dtype("cpu") == compat.bfloat16
        with autocast("cpu", enabled=False):
            assert not is_autocast_enabled()
            assert compat.mm(x, x).dtype == compat.float32
        assert compat.mm(x, x).dtype == compat.bfloat16
    assert compat.mm(x, x).dtype == compat.float32
    assert get_autocast_dtype("cuda") == compat.float16

    @autocast("cpu", dtype=compat.float16)
    def f(t):
        return compat.mm(t, t)

    assert f(x).dtype == compat.float16
    assert is_autocast_available("cpu") and is_autocast_available("cuda:0")
    assert not is_autocast_available("xpu")


def test_cuda_region_leaves_cpu_tensors_alone():
    x = compat.ones(2, 2)
    if x.device.type == "cuda":
        pytest.skip("tensors live on the GPU here")
    with autocast("cuda"):
        assert compat.mm(x, x).dtype == compat.float32


def test_errors():
    with pytest.raises(InvalidArgumentError, match="device_type must be 'cpu' or 'cuda'"):
        autocast("tpu")
    with pytest.raises(ArgumentTypeError, match="expected device_type as a string"):
        autocast(0)
    with pytest.raises(InvalidArgumentError, match="dtype must be torch.float16 or torch.bfloat16"):
        autocast("cpu", dtype=compat.float64)
    p = compat.full((2,), 0.5)
    with (
        autocast("cpu"),
        pytest.raises(UnsupportedError, match="binary_cross_entropy is unsafe to autocast"),
    ):
        F.binary_cross_entropy(p, p)
