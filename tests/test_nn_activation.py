"""rustorch_fx.nn activations against torch.nn.functional: values, dtypes, gradients, jit, errors."""

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
    IndexOutOfRangeError,
    InvalidArgumentError,
    ShapeError,
)

# name, rustorch_fx kwargs (torch's are the same unless given)
CASES: list[tuple[str, dict]] = [
    ("relu", {}),
    ("relu6", {}),
    ("leaky_relu", {"negative_slope": 0.2}),
    ("elu", {"alpha": 0.7}),
    ("selu", {}),
    ("celu", {"alpha": 1.5}),
    ("gelu", {}),
    ("gelu", {"approximate": "tanh"}),
    ("silu", {}),
    ("mish", {}),
    ("softplus", {}),
    ("softplus", {"beta": 2.0, "threshold": 3.0}),
    ("softsign", {}),
    ("hardtanh", {"min_val": -0.5, "max_val": 2.0}),
    ("hardsigmoid", {}),
    ("hardswish", {}),
    ("logsigmoid", {}),
    ("softmax", {"dim": 1}),
    ("log_softmax", {"dim": -1}),
    ("softmin", {"dim": 0}),
    ("glu", {"dim": 1}),
    ("threshold", {"threshold": 0.3, "value": -2.0}),
    ("tanhshrink", {}),
    ("softshrink", {"lambd": 0.4}),
    ("hardshrink", {"lambd": 0.4}),
    ("rrelu", {"lower": 0.1, "upper": 0.3}),
]
IDS = [f"{n}-{'-'.join(map(str, k.values()))}" for n, k in CASES]


def _torch(name: str, x: torch.Tensor, kw: dict) -> torch.Tensor:
    if name == "rrelu":
        return F.rrelu(x, training=False, **kw)
    return getattr(F, name)(x, **kw)


@pytest.mark.parametrize(("name", "kw"), CASES, ids=IDS)
def test_values_and_dtype_match_torch(name, kw, rng, both_modes):
    x = randn(rng, 3, 4, 2) * 4
    dtypes = [np.float32, np.float64] if both_modes else [np.float32]
    for dt in dtypes:
        xd = x.astype(dt)
        tol = {} if dt == np.float64 else {"rtol": 1e-5, "atol": 1e-6}
        assert_close(
            getattr(nn, name)(jnp.asarray(xd), **kw), _torch(name, torch.tensor(xd), kw), **tol
        )


@pytest.mark.parametrize(("name", "kw"), CASES, ids=IDS)
def test_gradients_match_torch_and_jit(name, kw, rng):
    x = randn(rng, 3, 4, 2) * 4
    # include the kinks and edges of every function
    x.reshape(-1)[:12] = [0.0, -3.0, 3.0, -0.5, 2.0, 0.3, 0.4, -0.4, 6.0, 20.0, -1.0, 1.0]
    cot = randn(rng, *np.shape(getattr(nn, name)(jnp.asarray(x), **kw)))
    fn = getattr(nn, name)

    def loss(a):
        return jnp.sum(fn(a, **kw) * cot)

    g = jax.grad(loss)(jnp.asarray(x))
    xt = torch.tensor(x, requires_grad=True)
    (_torch(name, xt, kw) * torch.tensor(cot)).sum().backward()
    assert_close(g, xt.grad, rtol=1e-5, atol=1e-5)
    assert_close(jax.jit(lambda a: fn(a, **kw))(jnp.asarray(x)), fn(jnp.asarray(x), **kw))


def test_kink_gradients_are_torchs():
    def grad_of(fn, v, **kw):
        return float(jax.grad(lambda a: fn(a, **kw))(jnp.float32(v)))

    assert grad_of(nn.relu, 0.0) == 0.0
    assert grad_of(nn.leaky_relu, 0.0, negative_slope=0.1) == pytest.approx(0.1)
    assert grad_of(nn.hardtanh, -1.0) == 0.0 and grad_of(nn.hardtanh, 1.0) == 0.0
    assert grad_of(nn.relu6, 6.0) == 0.0 and grad_of(nn.relu6, 0.0) == 0.0
    assert grad_of(nn.hardswish, -3.0) == 0.0 and grad_of(nn.hardswish, 3.0) == 1.0
    assert grad_of(nn.elu, 0.0, alpha=2.0) == 2.0
    assert grad_of(nn.softshrink, 0.5) == 0.0 and grad_of(nn.hardshrink, -0.5) == 0.0


def test_integer_inputs_where_torch_allows_them(both_modes):
    xi = np.array([-2, 0, 3, 9], dtype=np.int32)
    assert_close(nn.relu(jnp.asarray(xi)), F.relu(torch.tensor(xi)))
    assert_close(nn.relu6(jnp.asarray(xi)), F.relu6(torch.tensor(xi)))
    assert_close(nn.threshold(jnp.asarray(xi), 0, 5), F.threshold(torch.tensor(xi), 0, 5))
    assert_close(nn.hardtanh(jnp.asarray(xi), -1, 1), F.hardtanh(torch.tensor(xi), -1, 1))


def test_half_precision_keeps_dtype():
    x = jnp.asarray([-1.0, 0.5, 2.0], jnp.bfloat16)
    for fn in (nn.relu, nn.gelu, nn.silu, nn.hardswish, nn.logsigmoid, nn.elu):
        assert fn(x).dtype == jnp.bfloat16
    assert nn.softmax(x, dim=0).dtype == jnp.bfloat16


def test_numerical_stability():
    big = jnp.asarray([-1000.0, 0.0, 1000.0])
    assert np.isfinite(np.asarray(nn.log_softmax(big, dim=0))).all()
    assert_close(nn.logsigmoid(big), F.logsigmoid(torch.tensor([-1000.0, 0.0, 1000.0])))
    assert_close(nn.softplus(big), F.softplus(torch.tensor([-1000.0, 0.0, 1000.0])))
    g = jax.grad(lambda a: nn.elu(a).sum())(big)
    assert np.isfinite(np.asarray(g)).all()
    g = jax.grad(lambda a: nn.softplus(a, beta=0.5).sum())(big)
    assert np.isfinite(np.asarray(g)).all()


def test_softmax_dtype_and_zero_dim():
    xi = jnp.asarray([1, 2, 3])
    assert_close(
        nn.softmax(xi, 0, dtype=jnp.float32),
        F.softmax(torch.tensor([1, 2, 3]), 0, dtype=torch.float32),
    )
    assert_close(nn.log_softmax(jnp.float32(3.0), dim=0), F.log_softmax(torch.tensor(3.0), 0))
    assert_close(nn.softmin(jnp.float32(3.0), dim=-1), F.softmin(torch.tensor(3.0), -1))


def test_prelu_matches_torch(rng):
    x = randn(rng, 2, 3, 4)
    x[0, 0, 0] = 0.0
    for w in (np.array([0.25], np.float32), np.array([0.1, 0.2, 0.3], np.float32)):
        cot = randn(rng, 2, 3, 4)

        def loss(a, b, c):
            return jnp.sum(nn.prelu(a, b) * c)

        gx, gw = jax.grad(loss, argnums=(0, 1))(jnp.asarray(x), jnp.asarray(w), cot)
        xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
        out = F.prelu(xt, wt)
        (out * torch.tensor(cot)).sum().backward()
        assert_close(nn.prelu(jnp.asarray(x), jnp.asarray(w)), out)
        assert_close(gx, xt.grad, atol=1e-5)
        assert_close(gw, wt.grad, rtol=1e-4, atol=1e-5)
    assert_close(
        nn.prelu(jnp.asarray([-2.0, 1.0]), jnp.asarray([0.5])),
        F.prelu(torch.tensor([-2.0, 1.0]), torch.tensor([0.5])),
    )


def test_inplace_is_accepted_and_pure():
    x = jnp.asarray([-1.0, 2.0])
    y = nn.relu(x, inplace=True)
    assert_close(x, np.array([-1.0, 2.0], np.float32))
    assert_close(y, np.array([0.0, 2.0], np.float32))


def test_bad_inputs():
    x = jnp.ones((2, 3))
    with pytest.raises(InvalidArgumentError, match=r"softmax: argument 'dim' is required.*dim=-1"):
        nn.softmax(x)
    with pytest.raises(InvalidArgumentError, match="log_softmax: argument 'dim' is required"):
        nn.log_softmax(x)
    with pytest.raises(IndexOutOfRangeError, match="softmax: dimension out of range"):
        nn.softmax(x, dim=2)
    with pytest.raises(DTypeError, match="softmax: expected a floating point input.*int32"):
        nn.softmax(jnp.asarray([1, 2]), dim=0)
    with pytest.raises(
        ShapeError, match="glu: Halving dimension must be even, but dimension 1 is size 3"
    ):
        nn.glu(x, dim=1)
    with pytest.raises(ShapeError, match="glu does not support scalars"):
        nn.glu(jnp.float32(1.0))
    with pytest.raises(DTypeError, match="elu: expected a floating point input, got int32"):
        nn.elu(jnp.asarray([1, 2]))
    with pytest.raises(
        DTypeError, match="relu: expected a floating point or integer input, got bool"
    ):
        nn.relu(jnp.asarray([True]))
    with pytest.raises(
        ArgumentTypeError,
        match="leaky_relu: argument 'negative_slope' must be a real number, got str",
    ):
        nn.leaky_relu(x, "0.1")
    with pytest.raises(InvalidArgumentError, match="celu: ZeroDivisionError: alpha cannot be 0"):
        nn.celu(x, 0.0)
    with pytest.raises(
        InvalidArgumentError,
        match="gelu: approximate argument must be either 'none' or 'tanh', got 'erf'",
    ):
        nn.gelu(x, approximate="erf")
    with pytest.raises(
        InvalidArgumentError, match="hardtanh: min_val cannot be greater than max_val"
    ):
        nn.hardtanh(x, 2.0, 1.0)
    with pytest.raises(
        InvalidArgumentError, match="softshrink: lambda must be greater or equal to 0, but found -1"
    ):
        nn.softshrink(x, -1.0)
    with pytest.raises(
        InvalidArgumentError, match="hardshrink: lambda must be greater or equal to 0"
    ):
        nn.hardshrink(x, -1.0)
    with pytest.raises(InvalidArgumentError, match=r"rrelu: training=True draws random slopes"):
        nn.rrelu(x, training=True)
    with pytest.raises(InvalidArgumentError, match=r"rrelu: lower bound must be less"):
        nn.rrelu(x, 0.5, 0.1)
    with pytest.raises(
        ShapeError,
        match="prelu: Mismatch of parameter numbers and input channel size. Found parameter numbers = 2 and channel size = 3",
    ):
        nn.prelu(x, jnp.ones(2))
    with pytest.raises(DTypeError, match="prelu: expected weight to have the dtype of input"):
        nn.prelu(x, jnp.ones(3, jnp.bfloat16))
    with pytest.raises(ArgumentTypeError, match="relu: argument 'input' must be an array, got str"):
        nn.relu("x")
    # RusTorchErrors are also the builtins torch raises
    with pytest.raises(RuntimeError):
        nn.glu(x, dim=1)


def test_rrelu_training_draws_slopes_in_range_and_differentiates_through_them():
    x = -jnp.arange(1.0, 2001.0) / 100
    key = jax.random.key(3)
    out = nn.rrelu(x, 0.1, 0.3, training=True, key=key)
    slope = out / x
    assert float(slope.min()) >= 0.1 and float(slope.max()) <= 0.3
    assert abs(float(slope.mean()) - 0.2) < 0.01  # U(0.1, 0.3) has mean 0.2, sd 0.058
    again = nn.rrelu(x, 0.1, 0.3, training=True, key=key)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(again))
    grad = jax.grad(lambda v: nn.rrelu(v, 0.1, 0.3, True, key=key).sum())(x)
    np.testing.assert_allclose(np.asarray(grad), np.asarray(slope), rtol=1e-5)
    pos = jnp.array([0.5, 2.0])
    np.testing.assert_array_equal(np.asarray(nn.rrelu(pos, training=True, key=key)), [0.5, 2.0])
