"""compat.nn.functional activations against torch.nn.functional: values, grads, in-place, methods."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from conftest import assert_close, randn

import compat
import compat.nn
import compat.nn.functional as F
from rustorch_fx.errors import (
    ArgumentTypeError,
    AutogradError,
    InvalidArgumentError,
    ShapeError,
)

CASES: list[tuple[str, dict]] = [
    ("relu", {}),
    ("relu6", {}),
    ("leaky_relu", {"negative_slope": 0.2}),
    ("elu", {"alpha": 0.7}),
    ("selu", {}),
    ("celu", {"alpha": 1.5}),
    ("gelu", {"approximate": "tanh"}),
    ("gelu", {}),
    ("silu", {}),
    ("mish", {}),
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
INPLACE = ["relu", "relu6", "leaky_relu", "elu", "selu", "celu", "silu", "mish", "hardtanh"]
INPLACE += ["hardsigmoid", "hardswish", "threshold", "rrelu"]


def _torch(name: str, x: torch.Tensor, kw: dict) -> torch.Tensor:
    if name == "rrelu":
        return TF.rrelu(x, training=False, **kw)
    return getattr(TF, name)(x, **kw)


def _input(rng) -> np.ndarray:
    x = randn(rng, 3, 4, 2) * 4
    x.reshape(-1)[:8] = [0.0, -3.0, 3.0, -0.5, 2.0, 0.3, 0.4, -0.4]
    return x


@pytest.mark.parametrize(("name", "kw"), CASES, ids=IDS)
def test_values_and_backward_match_torch(name, kw, rng):
    x = _input(rng)
    ours = compat.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    out, ref = getattr(F, name)(ours, **kw), _torch(name, theirs, kw)
    assert_close(out.detach().numpy(), ref)
    cot = randn(rng, *ref.shape)
    (out * compat.tensor(cot)).sum().backward()
    (ref * torch.tensor(cot)).sum().backward()
    assert_close(ours.grad.numpy(), theirs.grad, atol=1e-5)


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_argument_mutates_like_torch(name, rng):
    kw = dict(next(k for n, k in CASES if n == name))
    x = _input(rng)
    ours, theirs = compat.tensor(x), torch.tensor(x)
    out = getattr(F, name)(ours, **kw, inplace=True)
    ref = _torch(name, theirs, {**kw, "inplace": True})
    assert out is ours
    assert_close(ours.numpy(), theirs)
    assert_close(out.numpy(), ref)


@pytest.mark.parametrize(
    ("name", "args"),
    [("relu_", ()), ("elu_", (0.5,)), ("leaky_relu_", (0.3,)), ("hardtanh_", (-0.5, 0.5))],
)
def test_underscore_variants_and_backward_through_them(name, args, rng):
    x = _input(rng)
    a = compat.tensor(x, requires_grad=True)
    b = torch.tensor(x, requires_grad=True)
    ours, theirs = a * 2, b * 2
    v = ours._version
    assert getattr(F, name)(ours, *args) is ours
    getattr(TF, name)(theirs, *args)
    assert ours._version == v + 1
    assert_close(ours.detach().numpy(), theirs)
    ours.sum().backward()
    theirs.sum().backward()
    assert_close(a.grad.numpy(), b.grad)


def test_inplace_on_a_leaf_that_requires_grad_raises():
    x = compat.tensor([1.0, -1.0], requires_grad=True)
    with pytest.raises(AutogradError, match="relu_: a leaf Variable that requires grad"):
        F.relu_(x)
    with pytest.raises(RuntimeError):
        F.elu(x, inplace=True)


def test_prelu_values_and_grads(rng):
    x = _input(rng)
    w = np.array([0.1, 0.2, 0.3, 0.4], np.float32)
    xo, wo = compat.tensor(x, requires_grad=True), compat.tensor(w, requires_grad=True)
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    out, ref = F.prelu(xo, wo), TF.prelu(xt, wt)
    assert_close(out.detach().numpy(), ref)
    out.sum().backward()
    ref.sum().backward()
    assert_close(xo.grad.numpy(), xt.grad)
    assert_close(wo.grad.numpy(), wt.grad, rtol=1e-4, atol=1e-5)
    assert_close(xo.prelu(wo).detach().numpy(), ref)
    assert_close(compat.prelu(xo, wo).detach().numpy(), ref)


def test_softmax_dtype_argument():
    x = np.array([[1, 2, 3]], np.int64)
    out = F.softmax(compat.tensor(x), dim=1, dtype=compat.float64)
    ref = TF.softmax(torch.tensor(x), dim=1, dtype=torch.float64)
    assert out.dtype == compat.float64
    assert_close(out.numpy(), ref)
    out = F.log_softmax(compat.tensor(x), 1, dtype=compat.float32)
    assert_close(out.numpy(), TF.log_softmax(torch.tensor(x), 1, dtype=torch.float32))
    out = F.softmin(compat.tensor(x), 1, dtype=compat.float32)
    assert_close(out.numpy(), TF.softmin(torch.tensor(x), 1, dtype=torch.float32))


def test_tensor_methods_and_module_functions(rng):
    x = randn(rng, 2, 5)
    ours, theirs = compat.tensor(x), torch.tensor(x)
    assert_close(ours.softmax(1).numpy(), theirs.softmax(1))
    assert_close(ours.softmax(dim=0).numpy(), theirs.softmax(dim=0))
    assert_close(ours.log_softmax(-1).numpy(), theirs.log_softmax(-1))
    assert_close(ours.relu().numpy(), theirs.relu())
    assert_close(ours.hardshrink(0.3).numpy(), theirs.hardshrink(0.3))
    assert_close(compat.softmax(ours, 1).numpy(), torch.softmax(theirs, 1))
    assert_close(compat.log_softmax(ours, 1).numpy(), torch.log_softmax(theirs, 1))
    assert_close(compat.relu(ours).numpy(), torch.relu(theirs))
    assert_close(compat.selu(ours).numpy(), torch.selu(theirs))
    assert_close(compat.celu(ours, 0.5).numpy(), torch.celu(theirs, 0.5))
    assert_close(compat.threshold(ours, 0.1, 2.0).numpy(), torch.threshold(theirs, 0.1, 2.0))
    assert_close(compat.rrelu(ours).numpy(), torch.rrelu(theirs))
    assert_close(compat.hardshrink(ours).numpy(), torch.hardshrink(theirs))
    assert_close(compat.sigmoid(ours).numpy(), torch.sigmoid(theirs))
    y, z = ours.clone(), theirs.clone()
    assert y.relu_() is y
    compat.relu_(y)
    torch.relu_(z.relu_())
    assert_close(y.numpy(), z)
    assert compat.nn.functional is F
    assert F.relu(ours * 1).grad_fn is None


def test_grad_fn_name_and_integer_relu():
    x = compat.tensor([-1.0, 2.0], requires_grad=True)
    assert F.leaky_relu(x).grad_fn.name() == "LeakyReluBackward0"
    xi = compat.tensor([-3, 4])
    out = F.relu(xi)
    assert out.dtype == compat.int64
    assert out.tolist() == [0, 4]


def test_bad_inputs():
    x = compat.ones(2, 3)
    with pytest.raises(
        ArgumentTypeError, match="relu: argument 'input' must be a Tensor, got list"
    ):
        F.relu([1.0])
    with pytest.raises(ArgumentTypeError, match="prelu: argument 'input' must be a Tensor"):
        F.prelu(np.ones(3), compat.ones(1))
    with pytest.raises(
        ArgumentTypeError, match="softmax\\(\\) missing 1 required positional argument: 'dim'"
    ):
        x.softmax()
    with pytest.raises(ArgumentTypeError, match="log_softmax\\(\\) missing 1 required"):
        compat.log_softmax(x)
    with pytest.raises(ShapeError, match="glu: Halving dimension must be even"):
        F.glu(x, 1)
    with pytest.raises(ShapeError, match="prelu: Mismatch of parameter numbers"):
        F.prelu(x, compat.ones(2))
    with pytest.raises(InvalidArgumentError, match="rrelu: lower bound must be less"):
        F.rrelu(x, 0.5, 0.1, training=True)
    with pytest.raises(InvalidArgumentError, match="celu: ZeroDivisionError"):
        F.celu(x, 0.0)


def test_rrelu_training_random_slopes_seeded_and_differentiable():
    x = compat.tensor(-np.linspace(0.1, 5.0, 500, dtype=np.float32), requires_grad=True)
    compat.manual_seed(7)
    out = F.rrelu(x, 0.1, 0.3, training=True)
    compat.manual_seed(7)
    again = F.rrelu(x, 0.1, 0.3, training=True)
    np.testing.assert_array_equal(out.detach().numpy(), again.detach().numpy())
    slope = (out / x).detach().numpy()
    assert slope.min() >= 0.1 and slope.max() <= 0.3 and slope.std() > 0.03
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), slope, rtol=1e-5)
    y = compat.tensor([-1.0, 2.0])
    assert F.rrelu(y, training=True, inplace=True) is y and y[1].item() == 2.0


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize("shape", [(5,), (2, 3), (2, 3, 4), (2, 3, 2, 2)])
def test_softmax_family_without_dim_uses_torchs_implicit_dim_and_warns(name, shape, rng):
    x = randn(rng, *shape)
    with pytest.warns(UserWarning, match=f"Implicit dimension choice for {name}"):
        ours = getattr(F, name)(compat.tensor(x))
    with pytest.warns(UserWarning, match=f"Implicit dimension choice for {name}"):
        theirs = getattr(TF, name)(torch.tensor(x))
    assert_close(ours.numpy(), theirs)
