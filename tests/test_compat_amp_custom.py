"""compat.amp.custom_fwd / custom_bwd against torch.amp's: what forward and backward see."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import compat
from compat.amp import _custom
from rustorch_fx.errors import InvalidArgumentError, MissingAttributeError, RusTorchError


def _functions(lib, custom_fwd, custom_bwd, cast_inputs, device_type="cpu"):
    """A Function computing ``a @ b * scale + sum(extra)`` that logs the dtypes it sees."""
    log = []

    class MatMul(lib.autograd.Function):
        @staticmethod
        @custom_fwd(device_type=device_type, cast_inputs=cast_inputs)
        def forward(ctx, a, b, extras=(), scale=None):
            log.append(
                (
                    "fwd",
                    str(a.dtype),
                    str(b.dtype),
                    [str(e.dtype) for e in extras],
                    {k: str(v.dtype) for k, v in (scale or {}).items()},
                    lib.is_autocast_enabled("cpu"),
                )
            )
            ctx.save_for_backward(a, b)
            out = a.mm(b)
            for e in extras:
                out = out + e.sum()
            log.append(("fwd_out", str(out.dtype)))
            return out

        @staticmethod
        @custom_bwd(device_type=device_type)
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            # Match g's dtype where autocast does not (torch's mm needs equal dtypes).
            ga, gb = g.mm(b.t().to(g.dtype)), a.t().to(g.dtype).mm(g)
            log.append(
                (
                    "bwd",
                    str(g.dtype),
                    lib.is_autocast_enabled("cpu"),
                    str(lib.get_autocast_dtype("cpu")),
                    str(ga.dtype),
                    str(gb.dtype),
                )
            )
            return ga, gb, None, None

    return MatMul, log


def _run(lib, cast_inputs, *, region, backward_in_region, dtypes=("float32", "float32"), **kw):
    custom_fwd, custom_bwd = (
        (_custom.custom_fwd, _custom.custom_bwd)
        if lib is compat
        else (torch.amp.custom_fwd, torch.amp.custom_bwd)
    )
    cast = None if cast_inputs is None else getattr(lib, cast_inputs)
    fn, log = _functions(lib, custom_fwd, custom_bwd, cast, **kw)
    rng = np.random.default_rng(0)
    a = lib.tensor(rng.standard_normal((2, 3)), dtype=getattr(lib, dtypes[0]), requires_grad=True)
    b = lib.tensor(rng.standard_normal((3, 2)), dtype=getattr(lib, dtypes[1]), requires_grad=True)
    extras = [lib.ones(2, dtype=lib.float64), lib.ones(2, dtype=lib.int64), lib.ones(2)]
    scale = {"s": lib.ones(1)}
    if region is None:
        out = fn.apply(a, b, extras, scale)
        out.float().sum().backward()
    else:
        with lib.autocast("cpu", dtype=getattr(lib, region)):
            out = fn.apply(a, b, extras, scale)
            loss = out.float().sum()
            if backward_in_region:
                loss.backward()
        if not backward_in_region:
            loss.backward()
    log.append(("out", str(out.dtype)))
    grads = (str(a.grad.dtype), str(b.grad.dtype))
    return log, out.detach().double().numpy(), a.grad.double().numpy(), grads


CASES = [
    # (cast_inputs, autocast region dtype or None, backward inside the region)
    ("float32", "bfloat16", False),
    ("float32", "bfloat16", True),
    ("bfloat16", "bfloat16", False),
    ("float16", "bfloat16", False),
    (None, "bfloat16", False),
    (None, "float16", True),
    (None, None, False),
    ("bfloat16", None, False),
]


@pytest.mark.parametrize(("cast_inputs", "region", "backward_in_region"), CASES)
def test_dtypes_and_autocast_state_seen_match_torch(cast_inputs, region, backward_in_region):
    kw = {"region": region, "backward_in_region": backward_in_region}
    theirs, t_out, t_grad, _ = _run(torch, cast_inputs, **kw)
    ours, c_out, c_grad, _ = _run(compat, cast_inputs, **kw)
    assert ours == theirs
    tol = 1e-6 if region is None and cast_inputs is None else 2e-2
    np.testing.assert_allclose(c_out, t_out, rtol=tol, atol=tol)
    np.testing.assert_allclose(c_grad, t_grad, rtol=tol, atol=tol)


def test_low_precision_inputs_are_cast_up_inside_a_region():
    kw = {"region": "bfloat16", "backward_in_region": False, "dtypes": ("bfloat16", "float32")}
    theirs, *_ = _run(torch, "float32", **kw)
    ours, *_ = _run(compat, "float32", **kw)
    assert ours == theirs
    assert ours[0][1:3] == ("torch.float32", "torch.float32")


def test_other_device_type_leaves_the_cpu_region_alone():
    # custom_fwd(device_type="cuda") reads the cuda autocast state: off in a cpu region.
    kw = {"region": "bfloat16", "backward_in_region": False, "device_type": "cuda"}
    theirs, *_ = _run(torch, "float32", **kw)
    ours, *_ = _run(compat, "float32", **kw)
    assert ours == theirs
    assert ours[0][-1] is True  # forward still ran with the cpu region on


def test_decorators_apply_directly_and_as_factories():
    seen = []

    def forward(ctx, x):
        seen.append(x.dtype)
        return x * 2

    def backward(ctx, g):
        seen.append(compat.is_autocast_enabled("cpu"))
        return g * 2

    class Direct(compat.autograd.Function):
        pass

    Direct.forward = staticmethod(_custom.custom_fwd(forward, device_type="cpu"))
    Direct.backward = staticmethod(_custom.custom_bwd(backward, device_type="cpu"))
    x = compat.ones(2, requires_grad=True)
    with compat.autocast("cpu"):
        y = Direct.apply(x)
    y.sum().backward()
    assert seen == [compat.float32, True]
    assert x.grad.tolist() == [2.0, 2.0]
    assert Direct.forward.__name__ == "forward"


def test_exported_where_torch_has_them():
    assert compat.amp.custom_fwd is _custom.custom_fwd
    assert compat.amp.custom_bwd is _custom.custom_bwd


def test_device_type_must_be_a_string_as_in_torch():
    with pytest.raises(ValueError, match="device_type"):
        torch.amp.custom_fwd(device_type=0)
    with pytest.raises(InvalidArgumentError, match=r"custom_fwd: expected device_type .* got int"):
        _custom.custom_fwd(device_type=0)
    with pytest.raises(InvalidArgumentError, match=r"custom_bwd: expected device_type .* got"):
        _custom.custom_bwd(device_type=None)
    with pytest.raises(InvalidArgumentError, match="'cpu' or 'cuda', got 'tpu'"):
        _custom.custom_fwd(device_type="tpu")


def test_cast_inputs_must_be_a_floating_dtype():
    with pytest.raises(InvalidArgumentError, match="cast_inputs must be a floating dtype"):
        _custom.custom_fwd(device_type="cpu", cast_inputs=compat.int64)
    with pytest.raises(RusTorchError, match="custom_fwd"):
        _custom.custom_fwd(device_type="cpu", cast_inputs="fast")


def test_backward_without_custom_fwd_is_an_attribute_error_as_in_torch():
    def build(lib, bwd_decorator):
        class Half(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 0.5

            @staticmethod
            @bwd_decorator(device_type="cpu")
            def backward(ctx, g):
                return g * 0.5

        return Half

    t = build(torch, torch.amp.custom_bwd).apply(torch.ones(2, requires_grad=True))
    with pytest.raises(AttributeError):
        t.sum().backward()
    c = build(compat, _custom.custom_bwd).apply(compat.ones(2, requires_grad=True))
    with pytest.raises(MissingAttributeError, match=r"decorate the Function's forward"):
        c.sum().backward()


@pytest.mark.parametrize(("cast_inputs", "region"), [(None, "bfloat16"), ("bfloat16", None)])
def test_input_gradients_take_the_input_dtype_as_in_torch(cast_inputs, region):
    # The backward returns low-precision gradients for float32 inputs; torch's engine casts
    # each to its input's dtype, so .grad stays float32.
    kw = {"region": region, "backward_in_region": False}
    *_, theirs = _run(torch, cast_inputs, **kw)
    *_, ours = _run(compat, cast_inputs, **kw)
    assert theirs == ("torch.float32", "torch.float32")
    assert ours == theirs
