"""rustorch_fx.nn linear and normalisation layers against torch.nn.functional: values, grads, errors."""

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
    ArgumentTypeError,
    DTypeError,
    InvalidArgumentError,
    ShapeError,
)


def _grads(fn, arrays, cot):
    """Gradients of ``sum(fn(*arrays) * cot)`` with respect to every array."""
    return jax.grad(lambda *a: jnp.sum(fn(*a) * cot), argnums=tuple(range(len(arrays))))(*arrays)


def _torch_grads(fn, arrays, cot):
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*ts)
    (out * torch.tensor(cot)).sum().backward()
    return out, [t.grad for t in ts]


def _check(ours, theirs, arrays, rng, rtol=1e-5, atol=1e-6):
    """Compare values and the gradients of every input of two functions of float arrays."""
    out = ours(*[jnp.asarray(a) for a in arrays])
    cot = randn(rng, *out.shape)
    out_t, grads_t = _torch_grads(theirs, arrays, cot)
    assert_close(out, out_t, rtol=rtol, atol=atol)
    grads = _grads(ours, [jnp.asarray(a) for a in arrays], jnp.asarray(cot))
    for g, gt in zip(grads, grads_t, strict=True):
        assert_close(g, gt, rtol=rtol, atol=max(atol, 1e-5))


# --------------------------------------------------------------------------------------------
# linear / bilinear
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(5,), (4, 5), (2, 3, 5)])
def test_linear_matches_torch(shape, bias, rng):
    arrays = [randn(rng, *shape), randn(rng, 3, 5)] + ([randn(rng, 3)] if bias else [])
    _check(nn.linear, F.linear, arrays, rng)


def test_linear_1d_weight_and_jit(rng):
    x, w = randn(rng, 4, 5), randn(rng, 5)
    assert_close(
        nn.linear(jnp.asarray(x), jnp.asarray(w)), F.linear(torch.tensor(x), torch.tensor(w))
    )
    jitted = jax.jit(nn.linear)(jnp.asarray(x), jnp.asarray(randn(rng, 3, 5)))
    assert jitted.shape == (4, 3)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("lead", [(4,), (2, 3), ()])
def test_bilinear_matches_torch(lead, bias, rng):
    arrays = [randn(rng, *lead, 3), randn(rng, *lead, 4), randn(rng, 2, 3, 4)]
    arrays += [randn(rng, 2)] if bias else []
    _check(nn.bilinear, F.bilinear, arrays, rng)


def test_linear_errors():
    x, w = jnp.ones((4, 7)), jnp.ones((16, 8))
    msg = r"linear: input has 7 features, weight expects 8 \(input shape \(4, 7\), weight shape \(16, 8\)\)"
    with pytest.raises(ShapeError, match=msg):
        nn.linear(x, w)
    with pytest.raises(DTypeError, match="dtype of input"):
        nn.linear(jnp.ones((2, 3)), jnp.ones((4, 3), jnp.int32))
    with pytest.raises(ShapeError, match="bias of shape"):
        nn.linear(jnp.ones((2, 3)), jnp.ones((4, 3)), jnp.ones(5))
    with pytest.raises(ShapeError, match="1-D or 2-D"):
        nn.linear(jnp.ones((2, 3)), jnp.ones((1, 4, 3)))
    with pytest.raises(ShapeError, match="input batch dimensions do not match"):
        nn.bilinear(jnp.ones((2, 3)), jnp.ones((3, 4)), jnp.ones((5, 3, 4)))
    with pytest.raises(ShapeError, match="input2 has 4 features, weight expects 5"):
        nn.bilinear(jnp.ones((2, 3)), jnp.ones((2, 4)), jnp.ones((5, 3, 5)))
    with pytest.raises(ArgumentTypeError):
        nn.linear("x", w)


# --------------------------------------------------------------------------------------------
# batch_norm
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (2, 3, 4, 3)])
def test_batch_norm_training_matches_torch(shape, affine, rng):
    x = randn(rng, *shape) * 2 + 1
    params = [randn(rng, 3), randn(rng, 3)] if affine else []
    rm, rv = randn(rng, 3), np.abs(randn(rng, 3)) + 0.5

    def ours(x, *p):
        return nn.batch_norm(x, None, None, *p, training=True, eps=1e-3)

    def theirs(x, *p):
        return F.batch_norm(x, None, None, *p, training=True, eps=1e-3)

    _check(ours, theirs, [x, *params], rng)
    # running statistics after one step (unbiased variance), momentum 0.3
    res = nn.batch_norm_with_stats(
        jnp.asarray(x), jnp.asarray(rm), jnp.asarray(rv), momentum=0.3, training=True
    )
    trm, trv = torch.tensor(rm), torch.tensor(rv)
    ref = F.batch_norm(torch.tensor(x), trm, trv, training=True, momentum=0.3)
    assert_close(res.output, ref)
    assert_close(res.running_mean, trm)
    assert_close(res.running_var, trv)
    assert res.num_batches_tracked is None


@pytest.mark.parametrize("shape", [(6, 3), (2, 3, 4, 3)])
def test_batch_norm_eval_uses_running_stats(shape, rng):
    x, w, b = randn(rng, *shape), randn(rng, 3), randn(rng, 3)
    rm, rv = randn(rng, 3), np.abs(randn(rng, 3)) + 0.5

    def ours(x, w, b):
        return nn.batch_norm(x, jnp.asarray(rm), jnp.asarray(rv), w, b, False)

    def theirs(x, w, b):
        return F.batch_norm(x, torch.tensor(rm), torch.tensor(rv), w, b, False)

    _check(ours, theirs, [x, w, b], rng)
    res = nn.batch_norm_with_stats(jnp.asarray(x), jnp.asarray(rm), jnp.asarray(rv))
    assert_close(res.running_mean, rm)


def test_batch_norm_cumulative_average_over_steps(rng):
    rm, rv, nbt = jnp.zeros(3), jnp.ones(3), jnp.asarray(0, jnp.int32)
    trm, trv = torch.zeros(3), torch.ones(3)
    step = jax.jit(
        lambda x, rm, rv, nbt: nn.batch_norm_with_stats(
            x, rm, rv, None, None, None, nbt, training=True
        )
    )
    for k in range(4):
        x = randn(rng, 5, 3, 2) + k
        rm, rv, nbt = step(jnp.asarray(x), rm, rv, nbt)[1:]
        # torch's module: factor 1 / num_batches_tracked after the increment
        F.batch_norm(torch.tensor(x), trm, trv, training=True, momentum=1.0 / (k + 1))
    assert int(nbt) == 4 and nbt.dtype == jnp.int32
    assert_close(rm, trm)
    assert_close(rv, trv)


def test_running_stats_are_not_differentiated(rng):
    x = jnp.asarray(randn(rng, 4, 3))

    def f(x):
        return jnp.sum(nn.batch_norm_with_stats(x, jnp.zeros(3), jnp.ones(3), training=True)[1])

    assert_close(jax.grad(f)(x), np.zeros((4, 3), np.float32))


def test_batch_norm_errors():
    with pytest.raises(
        InvalidArgumentError,
        match="Expected more than 1 value per channel when training, got input size \\(1, 3\\)",
    ):
        nn.batch_norm(jnp.ones((1, 3)), None, None, training=True)
    with pytest.raises(InvalidArgumentError, match="must be given in evaluation mode"):
        nn.batch_norm(jnp.ones((2, 3)), None, None)
    with pytest.raises(ShapeError, match=r"running_mean should have shape \(3,\)"):
        nn.batch_norm(jnp.ones((2, 3)), jnp.zeros(4), jnp.ones(4))
    with pytest.raises(ShapeError, match="at least 2 dims"):
        nn.batch_norm(jnp.ones(3), None, None, training=True)
    with pytest.raises(DTypeError, match="floating point input"):
        nn.batch_norm(jnp.ones((2, 3), jnp.int32), None, None, training=True)
    with pytest.raises(InvalidArgumentError, match="needs num_batches_tracked"):
        nn.batch_norm_with_stats(
            jnp.ones((2, 3)), jnp.zeros(3), jnp.ones(3), momentum=None, training=True
        )


# --------------------------------------------------------------------------------------------
# instance_norm
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("shape", [(2, 3, 5), (2, 3, 4, 3)])
def test_instance_norm_matches_torch(shape, affine, rng):
    x = randn(rng, *shape) * 2 + 1
    params = [randn(rng, 3), randn(rng, 3)] if affine else []

    def ours(x, *p):
        return nn.instance_norm(x, None, None, *p, eps=1e-3)

    def theirs(x, *p):
        return F.instance_norm(x, None, None, *p, eps=1e-3)

    _check(ours, theirs, [x, *params], rng)


def test_instance_norm_running_stats_and_eval(rng):
    x = randn(rng, 2, 3, 5) + 1
    rm, rv = randn(rng, 3), np.abs(randn(rng, 3)) + 0.5
    trm, trv = torch.tensor(rm), torch.tensor(rv)
    res = nn.instance_norm_with_stats(
        jnp.asarray(x), jnp.asarray(rm), jnp.asarray(rv), momentum=0.2
    )
    ref = F.instance_norm(torch.tensor(x), trm, trv, momentum=0.2)
    assert_close(res.output, ref)
    assert_close(res.running_mean, trm)
    assert_close(res.running_var, trv)
    out = nn.instance_norm(jnp.asarray(x), res.running_mean, res.running_var, use_input_stats=False)
    assert_close(out, F.instance_norm(torch.tensor(x), trm, trv, use_input_stats=False))
    with pytest.raises(InvalidArgumentError, match="more than 1 spatial element"):
        nn.instance_norm(jnp.ones((2, 3, 1)))
    with pytest.raises(ShapeError, match="at least 3 dims"):
        nn.instance_norm(jnp.ones((2, 3)))


# --------------------------------------------------------------------------------------------
# layer_norm, rms_norm, group_norm, local_response_norm
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("affine", ["both", "weight", "none"])
@pytest.mark.parametrize("normalized", [(4,), (3, 4)])
def test_layer_norm_matches_torch(normalized, affine, rng):
    x = randn(rng, 2, 3, 4) * 3 + 1
    params = {
        "both": [randn(rng, *normalized), randn(rng, *normalized)],
        "weight": [randn(rng, *normalized)],
        "none": [],
    }[affine]

    def ours(x, *p):
        return nn.layer_norm(x, normalized, *p, eps=1e-4)

    def theirs(x, *p):
        return F.layer_norm(x, normalized, *p, eps=1e-4)

    _check(ours, theirs, [x, *params], rng)


@pytest.mark.parametrize("eps", [None, 1e-3])
@pytest.mark.parametrize("normalized", [4, (3, 4)])
def test_rms_norm_matches_torch(normalized, eps, rng):
    shape = [normalized] if isinstance(normalized, int) else list(normalized)
    x, w = randn(rng, 2, 3, 4), randn(rng, *shape)
    _check(
        lambda x, w: nn.rms_norm(x, normalized, w, eps),
        lambda x, w: F.rms_norm(x, shape, w, eps),
        [x, w],
        rng,
    )


@pytest.mark.parametrize(
    ("groups", "shape"), [(1, (2, 6, 3)), (3, (2, 6, 3)), (6, (2, 6, 2, 2)), (2, (3, 6))]
)
def test_group_norm_matches_torch(groups, shape, rng):
    x, w, b = randn(rng, *shape) * 2, randn(rng, 6), randn(rng, 6)
    _check(
        lambda x, w, b: nn.group_norm(x, groups, w, b, 1e-4),
        lambda x, w, b: F.group_norm(x, groups, w, b, 1e-4),
        [x, w, b],
        rng,
    )


@pytest.mark.parametrize(
    ("size", "shape"), [(2, (2, 5, 4)), (3, (2, 5, 3, 2)), (4, (1, 6, 2, 2, 2))]
)
def test_local_response_norm_matches_torch(size, shape, rng):
    x = randn(rng, *shape) * 3
    _check(
        lambda x: nn.local_response_norm(x, size, alpha=0.1, beta=0.6, k=1.5),
        lambda x: F.local_response_norm(x, size, alpha=0.1, beta=0.6, k=1.5),
        [x],
        rng,
    )


def test_norm_errors():
    with pytest.raises(
        ShapeError,
        match=r"Given normalized_shape=\[8\], expected input with shape \[\*, 8\], but got input of size \[4, 7\]",
    ):
        nn.layer_norm(jnp.ones((4, 7)), 8)
    with pytest.raises(ShapeError, match="weight should have shape"):
        nn.layer_norm(jnp.ones((4, 7)), 7, jnp.ones(6))
    with pytest.raises(
        ShapeError,
        match=r"divisible by num_groups, but got input of shape \[2, 5, 4\] and num_groups=2",
    ):
        nn.group_norm(jnp.ones((2, 5, 4)), 2)
    with pytest.raises(ShapeError, match="Expected at least 2 dimensions"):
        nn.group_norm(jnp.ones(4), 2)
    with pytest.raises(InvalidArgumentError, match="Expected more than 1 value per channel"):
        nn.group_norm(jnp.ones((1, 2)), 2)
    with pytest.raises(
        ShapeError, match=r"Expected 3D or higher dimensionality input \(got 2 dimensions\)"
    ):
        nn.local_response_norm(jnp.ones((2, 3)), 2)
    with pytest.raises(ArgumentTypeError, match="normalized_shape"):
        nn.layer_norm(jnp.ones((2, 3)), "3")


@pytest.mark.parametrize("dtype", [jnp.float16, jnp.bfloat16])
def test_half_precision_statistics_in_float32(dtype, rng):
    # A large offset: computing the variance in half precision would lose it entirely.
    x = randn(rng, 4, 3, 8) + 300.0
    xh = jnp.asarray(x).astype(dtype)
    x32 = np.asarray(xh.astype(jnp.float32))
    cases = [
        (lambda a: nn.layer_norm(a, 8), lambda t: F.layer_norm(t, (8,))),
        (lambda a: nn.group_norm(a, 3), lambda t: F.group_norm(t, 3)),
        (
            lambda a: nn.batch_norm(a, None, None, training=True),
            lambda t: F.batch_norm(t, None, None, training=True),
        ),
        (lambda a: nn.instance_norm(a), lambda t: F.instance_norm(t)),
        (lambda a: nn.rms_norm(a, 8), lambda t: F.rms_norm(t, [8])),
        (lambda a: nn.local_response_norm(a, 2), lambda t: F.local_response_norm(t, 2)),
    ]
    for ours, theirs in cases:
        out = ours(xh)
        assert out.dtype == dtype
        # the float32 reference rounded once to the half dtype
        ref = np.asarray(
            jnp.asarray(theirs(torch.tensor(x32)).numpy()).astype(dtype).astype(jnp.float32)
        )
        np.testing.assert_allclose(np.asarray(out.astype(jnp.float32)), ref, rtol=1e-2, atol=1e-2)


def test_norms_under_jit_and_vmap(rng):
    x = jnp.asarray(randn(rng, 3, 4, 5))
    assert_close(jax.jit(lambda a: nn.layer_norm(a, 5))(x), nn.layer_norm(x, 5))
    per_sample = jax.vmap(lambda a: nn.group_norm(a[None], 2)[0])(x)
    assert_close(per_sample, nn.group_norm(x, 2), atol=1e-5)


def test_same_results_with_x64_on_and_off(both_modes, rng):
    x, w = randn(rng, 4, 3, 2), randn(rng, 3)
    res = nn.batch_norm_with_stats(
        jnp.asarray(x),
        jnp.zeros(3, jnp.float32),
        jnp.ones(3, jnp.float32),
        jnp.asarray(w),
        None,
        0.1,
        jnp.asarray(2, jnp.int32),
        training=True,
    )
    assert res.output.dtype == jnp.float32 and res.running_var.dtype == jnp.float32
    assert res.num_batches_tracked.dtype == jnp.int32 and int(res.num_batches_tracked) == 3
    ref = F.batch_norm(
        torch.tensor(x), torch.zeros(3), torch.ones(3), torch.tensor(w), training=True
    )
    assert_close(res.output, ref)
    assert (
        nn.linear(jnp.ones((2, 3), jnp.float32), jnp.ones((4, 3), jnp.float32)).dtype == jnp.float32
    )
    if both_modes:  # float64 in, float64 out, torch's values
        x64 = x.astype(np.float64)
        assert_close(nn.layer_norm(jnp.asarray(x64), 2), F.layer_norm(torch.tensor(x64), (2,)))
