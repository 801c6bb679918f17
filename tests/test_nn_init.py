"""rustorch_fx.nn.init and the clipping functions: torch's distributions and numerics."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
from conftest import assert_close, randn

from rustorch_fx import nn
from rustorch_fx.errors import ArgumentTypeError, DTypeError, InvalidArgumentError
from rustorch_fx.nn import init

KEY = jax.random.key(0)


@pytest.mark.parametrize(
    ("nonlinearity", "param"),
    [
        ("linear", None),
        ("conv2d", None),
        ("sigmoid", None),
        ("tanh", None),
        ("relu", None),
        ("leaky_relu", None),
        ("leaky_relu", 0.2),
        ("leaky_relu", 1),
        ("selu", None),
    ],
)
def test_calculate_gain_matches_torch(nonlinearity, param):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(
        torch.nn.init.calculate_gain(nonlinearity, param), rel=1e-12
    )


def test_calculate_gain_and_fan_errors():
    with pytest.raises(InvalidArgumentError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")
    with pytest.raises(InvalidArgumentError, match="negative_slope True not a valid number"):
        init.calculate_gain("leaky_relu", True)
    with pytest.raises(InvalidArgumentError, match="fewer than 2 dimensions"):
        init.fan_in_and_fan_out((3,))
    with pytest.raises(InvalidArgumentError, match="mode 'fan_avg' not supported"):
        init.kaiming_uniform(KEY, (2, 2), mode="fan_avg")
    with pytest.raises(DTypeError, match="expected a floating point dtype, got int32"):
        init.uniform(KEY, (2,), dtype=jnp.int32)
    with pytest.raises(InvalidArgumentError, match="expects a <= b"):
        init.uniform(KEY, (2,), 1.0, 0.0)
    with pytest.raises(InvalidArgumentError, match="expects std >= 0.0"):
        init.normal(KEY, (2,), std=-1.0)
    with pytest.raises(InvalidArgumentError, match="expects std > 0 and a < b"):
        init.trunc_normal(KEY, (2,), a=1.0, b=0.0)
    with pytest.raises(ArgumentTypeError, match="argument 'a' must be a real number"):
        init.uniform(KEY, (2,), "0")
    with pytest.raises(InvalidArgumentError, match="only tensors with 2 or more dimensions"):
        init.orthogonal(KEY, (3,))
    with pytest.raises(InvalidArgumentError, match="sparsity must be in"):
        init.sparse(KEY, (3, 3), 1.5)
    with pytest.raises(InvalidArgumentError, match="only 2-D shapes"):
        init.sparse(KEY, (3,), 0.5)
    with pytest.raises(InvalidArgumentError, match="only tensors with 2 dimensions"):
        init.eye((3,))
    with pytest.raises(InvalidArgumentError, match="3, 4, or 5 dimensions"):
        init.dirac((3, 3))
    with pytest.raises(InvalidArgumentError, match="must be divisible by groups"):
        init.dirac((3, 3, 3), groups=2)


@pytest.mark.parametrize("shape", [(6, 4), (8, 3, 5), (16, 4, 3, 3), (4, 2, 2, 2, 2)])
def test_fans_match_torch(shape):
    expected = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    assert init.fan_in_and_fan_out(shape) == expected


# (function, kwargs, (lower, upper) bound or None, expected std)
def _bound_std(name, shape, kw):
    fan_in, fan_out = init.fan_in_and_fan_out(shape) if len(shape) > 1 else (0, 0)
    if name == "uniform":
        a, b = kw["a"], kw["b"]
        return (a, b), (b - a) / math.sqrt(12)
    if name == "normal":
        return None, kw["std"]
    if name == "xavier_uniform":
        t = kw["gain"] * math.sqrt(6 / (fan_in + fan_out))
        return (-t, t), t / math.sqrt(3)
    if name == "xavier_normal":
        return None, kw["gain"] * math.sqrt(2 / (fan_in + fan_out))
    gain = torch.nn.init.calculate_gain(kw.get("nonlinearity", "leaky_relu"), kw.get("a", 0))
    fan = fan_in if kw.get("mode", "fan_in") == "fan_in" else fan_out
    std = gain / math.sqrt(fan)
    if name == "kaiming_uniform":
        return (-math.sqrt(3) * std, math.sqrt(3) * std), std
    return None, std


@pytest.mark.parametrize(
    ("name", "kw"),
    [
        ("uniform", {"a": -0.5, "b": 1.5}),
        ("normal", {"mean": 0.3, "std": 0.02}),
        ("xavier_uniform", {"gain": 2.0}),
        ("xavier_normal", {"gain": 0.5}),
        ("kaiming_uniform", {"a": math.sqrt(5)}),
        ("kaiming_uniform", {"nonlinearity": "relu", "mode": "fan_out"}),
        ("kaiming_normal", {"nonlinearity": "relu"}),
        ("kaiming_normal", {"a": 0.1, "mode": "fan_out"}),
    ],
)
def test_distributions_have_torchs_bounds_and_moments(name, kw):
    shape = (64, 32, 3, 3)  # 18,432 draws
    values = np.asarray(getattr(init, name)(jax.random.key(1), shape, **kw), np.float64)
    bound, std = _bound_std(name, shape, kw)
    assert values.shape == shape and values.dtype == np.float64
    if bound is not None:
        assert values.min() >= bound[0] and values.max() <= bound[1]
        assert values.min() < bound[0] + 0.01 * (bound[1] - bound[0])
    assert values.std() == pytest.approx(std, rel=0.03)
    mean = kw.get("mean", 0.0) + (sum(bound) / 2 if bound else 0.0)
    assert values.mean() == pytest.approx(mean, abs=4 * std / math.sqrt(values.size))
    torch_values = torch.empty(shape)
    getattr(torch.nn.init, name + "_")(torch_values, **kw)
    assert torch_values.std().item() == pytest.approx(std, rel=0.03)


def test_same_key_same_values_dtypes_and_jit():
    a = init.kaiming_uniform(jax.random.key(5), (4, 3))
    b = jax.jit(init.kaiming_uniform, static_argnums=1)(jax.random.key(5), (4, 3))
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6)  # jit may fuse: 1 ulp
    np.testing.assert_array_equal(
        np.asarray(a), np.asarray(init.kaiming_uniform(jax.random.key(5), (4, 3)))
    )
    assert init.normal(KEY, (3,), dtype=jnp.bfloat16).dtype == jnp.bfloat16
    assert init.uniform(KEY, (3,), dtype=jnp.float16).dtype == jnp.float16
    assert init.kaiming_uniform(KEY, (0, 3)).shape == (0, 3)


def test_trunc_normal_bounds_and_moments():
    values = np.asarray(init.trunc_normal(KEY, (20000,), mean=1.0, std=2.0, a=0.0, b=3.0))
    assert values.min() >= 0.0 and values.max() <= 3.0
    ref = torch.nn.init.trunc_normal_(torch.empty(20000), mean=1.0, std=2.0, a=0.0, b=3.0)
    assert values.mean() == pytest.approx(ref.mean().item(), abs=0.03)
    assert values.std() == pytest.approx(ref.std().item(), rel=0.03)


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 2, 3)])
def test_orthogonal_is_semi_orthogonal(shape):
    q = np.asarray(init.orthogonal(KEY, shape, gain=2.0), np.float64).reshape(shape[0], -1)
    small = min(q.shape)
    gram = q @ q.T if q.shape[0] == small else q.T @ q
    np.testing.assert_allclose(gram, 4.0 * np.eye(small), atol=1e-5)


def test_sparse_zeroes_exactly_the_fraction_per_column():
    w = np.asarray(init.sparse(KEY, (10, 6), 0.25, std=0.5))
    assert ((w == 0).sum(0) == math.ceil(0.25 * 10)).all()
    assert w[w != 0].std() == pytest.approx(0.5, rel=0.4)


@pytest.mark.parametrize(
    ("shape", "groups"), [((4, 4, 3), 1), ((6, 2, 3, 3), 2), ((2, 3, 3, 3, 3), 1)]
)
def test_eye_and_dirac_equal_torch(shape, groups):
    expected = torch.nn.init.dirac_(torch.empty(shape), groups)
    assert_close(np.asarray(init.dirac(shape, groups)), expected)
    assert_close(np.asarray(init.eye((3, 5))), torch.nn.init.eye_(torch.empty(3, 5)))


# -- clipping ---------------------------------------------------------------------------------


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf, "inf", 0.5])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(norm_type, max_norm, rng):
    grads = [randn(rng, 3, 4), randn(rng, 5), randn(rng, 2, 2, 2)]
    params = [torch.zeros(g.shape, requires_grad=True) for g in grads]
    for p, g in zip(params, grads, strict=True):
        p.grad = torch.tensor(g)
    expected_norm = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type)
    clipped, norm = nn.clip_grad_norm([jnp.asarray(g) for g in grads], max_norm, norm_type)
    assert_close(np.asarray(norm), expected_norm, rtol=1e-5)
    for c, p in zip(clipped, params, strict=True):
        assert_close(np.asarray(c), p.grad, rtol=1e-5)
    assert_close(
        np.asarray(nn.total_norm({"a": grads[0], "b": grads[1:]}, norm_type)),
        torch.nn.utils.get_total_norm([torch.tensor(g) for g in grads], norm_type),
        rtol=1e-5,
    )


def test_clip_grad_value_and_errors(rng):
    g = randn(rng, 4, 3)
    p = torch.zeros(4, 3, requires_grad=True)
    p.grad = torch.tensor(g)
    torch.nn.utils.clip_grad_value_([p], 0.3)
    assert_close(np.asarray(nn.clip_grad_value(jnp.asarray(g), 0.3)), p.grad)
    assert float(nn.total_norm([])) == 0.0
    with pytest.raises(InvalidArgumentError, match="max_norm must be >= 0"):
        nn.clip_grad_norm([], -1.0)
    with pytest.raises(ArgumentTypeError, match="max_norm must be a number"):
        nn.clip_grad_norm([], "1")
    with pytest.raises(ArgumentTypeError, match="norm_type must be a number or 'inf'"):
        nn.total_norm([], None)
    with pytest.raises(InvalidArgumentError, match="clip_value must be >= 0"):
        nn.clip_grad_value([], -1.0)
    with pytest.raises(ArgumentTypeError, match="clip_value must be a number"):
        nn.clip_grad_value([], None)
    assert np.isnan(float(nn.clip_grad_norm([jnp.array([np.nan])], 1.0)[1]))
    assert float(nn.total_norm([jnp.array([0.0, 2.0, 0.0])], 0)) == 1.0
    assert float(nn.total_norm([jnp.array([-3.0, 2.0])], -math.inf)) == 2.0
