"""Reductions and cumulative ops of rustorch_fx.ops, checked against torch 2.13."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
from conftest import assert_close, randn, to_torch

from rustorch_fx import ops
from rustorch_fx.errors import (
    ArgumentTypeError,
    DTypeError,
    IndexOutOfRangeError,
    InvalidArgumentError,
    RusTorchError,
    ShapeError,
)

INF = math.inf
NAN = math.nan


def run(fn, *args, jit=False):
    """Call ``fn(*args)`` eagerly or under ``jax.jit`` (all static options closed over)."""
    return jax.jit(fn)(*args) if jit else fn(*args)


def check_grad(ours, theirs, x, rng, rtol=1e-5, atol=1e-6):
    """Compare d/dx sum(w * f(x)) between jax.grad and torch autograd, with random w."""
    out = np.asarray(ours(jnp.asarray(x)))
    w = randn(rng, *out.shape, dtype=out.dtype)
    g = jax.jit(jax.grad(lambda a: jnp.sum(ours(a) * w)))(jnp.asarray(x))
    t = to_torch(x, requires_grad=True)
    (theirs(t) * to_torch(w)).sum().backward()
    assert_close(g, t.grad, rtol=rtol, atol=atol)


DIMS = [None, 0, -1, (0, 2), (-1, 0), ()]


def _torch_dim(dim):
    return list(dim) if isinstance(dim, tuple) else dim


def _torch_reduce(name, t, dim, keepdim):
    fn = getattr(torch, name)
    if dim is None or dim == ():
        out = fn(t)
        return out.reshape((1,) * t.ndim) if keepdim else out
    return fn(t, _torch_dim(dim), keepdim=keepdim)


# ----------------------------------------------------------------------------- sums and means


@pytest.mark.parametrize("name", ["sum", "nansum", "mean", "nanmean"])
@pytest.mark.parametrize("dim", DIMS)
@pytest.mark.parametrize(("keepdim", "jit"), [(False, False), (True, True)])
def test_sum_family_matches_torch(rng, name, dim, keepdim, jit):
    x = randn(rng, 2, 3, 4)
    x[0, 1, 2] = NAN if name.startswith("nan") else x[0, 1, 2]
    out = run(lambda a: getattr(ops, name)(a, dim, keepdim), jnp.asarray(x), jit=jit)
    assert_close(out, _torch_reduce(name, to_torch(x), dim, keepdim))


@pytest.mark.parametrize("dim", [None, 0, -1, (0, 2)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_prod_matches_torch(rng, dim, keepdim):
    x = randn(rng, 2, 3, 4)
    t = to_torch(x)
    if isinstance(dim, tuple):  # torch's prod takes one dim: reduce one at a time
        expected = torch.prod(torch.prod(t, dim[1], keepdim=True), dim[0], keepdim=True)
        expected = expected if keepdim else expected.squeeze(dim[1]).squeeze(dim[0])
    elif dim is None:
        expected = torch.prod(t).reshape((1,) * 3) if keepdim else torch.prod(t)
    else:
        expected = torch.prod(t, dim, keepdim=keepdim)
    assert_close(jax.jit(lambda a: ops.prod(a, dim, keepdim))(jnp.asarray(x)), expected)
    assert_close(ops.prod(x, dim, keepdim), expected)


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("sum", {"dim": (0, 1)}),
        ("sum", {}),
        ("nansum", {"dim": 1}),
        ("mean", {"dim": -1}),
        ("nanmean", {"dim": 0}),
        ("prod", {"dim": 1}),
        ("prod", {}),
    ],
)
def test_sum_family_gradients(rng, name, kwargs):
    x = randn(rng, 3, 4)
    if name.startswith("nan"):
        x[1, 2] = NAN
    check_grad(
        lambda a: getattr(ops, name)(a, **kwargs),
        lambda t: getattr(torch, name)(t, **kwargs),
        x,
        rng,
    )


def test_prod_gradient_with_zeros_matches_torch(rng):
    x = randn(rng, 3, 4)
    x[0, 1] = 0.0
    x[2, 0] = x[2, 3] = 0.0
    check_grad(lambda a: ops.prod(a, 1), lambda t: torch.prod(t, 1), x, rng)


def test_integer_sums_use_default_int(both_modes):
    xi = np.array([[1, 2], [3, 4]], np.int32)
    xb = np.array([True, True, False])
    xu = np.array([200, 100], np.uint8)
    for fn, tfn in [(ops.sum, torch.sum), (ops.nansum, torch.nansum), (ops.prod, torch.prod)]:
        for x in (xi, xb, xu):
            out = fn(jnp.asarray(x))
            assert out.dtype == np.int32  # torch: int64
            assert_close(out, tfn(to_torch(x)))
    assert_close(ops.cumsum(xb, 0), torch.cumsum(to_torch(xb), 0))
    assert ops.cumsum(xb, 0).dtype == np.int32
    assert_close(ops.cumprod(xu, 0), torch.cumprod(to_torch(xu), 0))
    assert ops.sum(np.ones(3, np.float16)).dtype == np.float16


def test_sum_dtypes_in_x64_mode():
    with jax.enable_x64(True):
        x = np.array([[1, 2], [3, 4]], np.int64)
        assert ops.sum(jnp.asarray(x)).dtype == np.int64
        assert ops.cumsum(jnp.asarray(x), 1).dtype == np.int64
        y = randn(np.random.default_rng(0), 3, 2, dtype=np.float64)
        assert_close(ops.sum(jnp.asarray(y), 0), torch.sum(to_torch(y), 0))
        assert_close(ops.mean(jnp.asarray(y), 1), torch.mean(to_torch(y), 1))
        assert_close(
            ops.sum(jnp.asarray(x), dtype=jnp.float64), torch.sum(to_torch(x), dtype=torch.float64)
        )


def test_dtype_argument(both_modes):
    x = np.array([[1, 2], [3, 4]], np.int32)
    assert_close(ops.sum(x, 1, dtype=jnp.float32), torch.sum(to_torch(x), 1, dtype=torch.float32))
    assert_close(ops.mean(x, dtype=jnp.float32), torch.mean(to_torch(x), dtype=torch.float32))
    assert_close(ops.prod(x, 0, dtype=jnp.float32), torch.prod(to_torch(x), 0, dtype=torch.float32))
    assert_close(ops.cumsum(x, 1, dtype=jnp.float32), torch.cumsum(to_torch(x), 1).float())
    assert_close(
        ops.nanmean(np.array([1.0, NAN], np.float32), dtype=jnp.float16),
        torch.tensor(1.0, dtype=torch.float16),
    )
    if not both_modes:
        with pytest.raises(DTypeError, match="sum: dtype int64 needs JAX's 64-bit mode"):
            ops.sum(x, dtype=jnp.int64)
    else:
        assert ops.sum(x, dtype=jnp.int64).dtype == np.int64


def test_empty_and_zero_dim_sums():
    e = np.zeros((0, 3), np.float32)
    assert_close(ops.sum(e), torch.sum(to_torch(e)))
    assert_close(ops.sum(e, 0), torch.sum(to_torch(e), 0))
    assert_close(ops.prod(e), torch.prod(to_torch(e)))
    assert_close(ops.prod(e, 0), torch.prod(to_torch(e), 0))
    assert_close(ops.mean(e), torch.mean(to_torch(e)))
    assert_close(ops.nanmean(e, 0), torch.nanmean(to_torch(e), 0))
    assert_close(ops.nanmean(np.array([NAN], np.float32)), torch.tensor(NAN))
    s = np.array(2.5, np.float32)
    for name in ("sum", "mean", "prod", "nansum"):
        for dim in (None, 0, -1):
            assert_close(getattr(ops, name)(s, dim), getattr(torch, name)(to_torch(s)))
    assert_close(ops.sum(s, 0, keepdim=True), torch.sum(to_torch(s), 0, keepdim=True))


def test_mean_rejects_integers():
    with pytest.raises(DTypeError, match="mean: expected a floating point or complex input"):
        ops.mean(np.array([1, 2]))
    with pytest.raises(DTypeError, match="nanmean: .* got int32"):
        ops.nanmean(np.array([1, 2], np.int32))
    with pytest.raises(DTypeError, match="mean: .*int32"):
        ops.mean(np.array([1.0]), dtype=jnp.int32)


def test_complex_sum_and_mean():
    x = (randn(np.random.default_rng(1), 2, 3) + 1j * randn(np.random.default_rng(2), 2, 3)).astype(
        np.complex64
    )
    assert_close(ops.sum(x, 1), torch.sum(to_torch(x), 1))
    assert_close(ops.mean(x, 0), torch.mean(to_torch(x), 0))
    assert_close(ops.var(x, 1), torch.var(to_torch(x), 1))


# ----------------------------------------------------------------------------- std / var


@pytest.mark.parametrize("name", ["std", "var"])
@pytest.mark.parametrize(
    ("dim", "keepdim"), [(None, False), (1, True), ((0, 2), False), (-1, True)]
)
@pytest.mark.parametrize("correction", [0, 1, 2.5])
def test_std_var_match_torch(rng, name, dim, correction, keepdim):
    x = randn(rng, 3, 4, 5)
    ours = jax.jit(lambda a: getattr(ops, name)(a, dim, keepdim=keepdim, correction=correction))
    tdim = _torch_dim(dim)
    expected = getattr(torch, name)(to_torch(x), tdim, correction=correction, keepdim=keepdim)
    assert_close(ours(jnp.asarray(x)), expected)


@pytest.mark.parametrize("name", ["std_mean", "var_mean"])
@pytest.mark.parametrize("keepdim", [False, True])
def test_std_mean_var_mean(rng, name, keepdim):
    x = randn(rng, 3, 4)
    ours = getattr(ops, name)(x, 1, keepdim=keepdim, correction=0)
    expected = getattr(torch, name)(to_torch(x), 1, keepdim=keepdim, correction=0)
    assert isinstance(ours, tuple)
    assert_close(ours[0], expected[0])
    assert_close(ours[1], expected[1])
    ours = getattr(ops, name)(x, (0, 1), False, keepdim)
    expected = getattr(torch, name)(to_torch(x), [0, 1], False, keepdim)
    assert_close(ours[0], expected[0])
    assert_close(ours[1], expected[1])


def test_std_var_unbiased_forms(rng):
    x = randn(rng, 4, 3)
    t = to_torch(x)
    assert_close(ops.var(x, 0, False), torch.var(t, 0, False))
    assert_close(ops.var(x, 0, unbiased=True), torch.var(t, 0, unbiased=True))
    assert_close(ops.std(x, False), torch.std(t, False))
    assert_close(ops.std(x, True), torch.std(t, True))
    assert_close(ops.std(x), torch.std(t))


@pytest.mark.filterwarnings("ignore:.*degrees of freedom is <= 0")
def test_var_degenerate_counts():
    assert_close(ops.var(np.ones(1, np.float32)), torch.var(torch.ones(1)))
    assert_close(ops.var(np.array([1.0, 2.0], np.float32), correction=3), torch.tensor(INF))
    assert_close(ops.var(np.zeros(0, np.float32)), torch.tensor(NAN))
    assert_close(ops.std(np.array(3.0, np.float32), correction=0), torch.tensor(0.0))


@pytest.mark.parametrize("name", ["std", "var"])
@pytest.mark.parametrize("correction", [0, 1])
@pytest.mark.parametrize("dim", [None, 1])
def test_std_var_gradients(rng, name, correction, dim):
    x = randn(rng, 3, 4)
    check_grad(
        lambda a: getattr(ops, name)(a, dim, correction=correction),
        lambda t: getattr(torch, name)(t, dim, correction=correction),
        x,
        rng,
    )


def test_std_var_bad_inputs():
    with pytest.raises(DTypeError, match="std: std and var only support floating point"):
        ops.std(np.array([1, 2]))
    with pytest.raises(ArgumentTypeError, match="var: pass either 'unbiased' or 'correction'"):
        ops.var(np.ones(3), unbiased=True, correction=1)
    with pytest.raises(ArgumentTypeError, match="correction' must be a number, got str"):
        ops.var(np.ones(3), correction="1")
    with pytest.raises(ArgumentTypeError, match="'unbiased' must be a bool, got int"):
        ops.std(np.ones(3), 0, 1)
    with pytest.raises(IndexOutOfRangeError, match="var_mean: dimension out of range"):
        ops.var_mean(np.ones(3), 1)


# ----------------------------------------------------------------------------- max / min


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize(
    ("dim", "keepdim", "jit"), [(0, False, True), (1, True, False), (-1, False, False)]
)
def test_max_min_with_dim(rng, name, dim, keepdim, jit):
    x = np.round(randn(rng, 4, 5), 0)  # rounding makes ties: torch takes the first index
    out = run(lambda a: getattr(ops, name)(a, dim, keepdim), jnp.asarray(x), jit=jit)
    expected = getattr(torch, name)(to_torch(x), dim, keepdim)
    assert type(out).__name__ == ("MaxResult" if name == "max" else "MinResult")
    assert_close(out.values, expected.values)
    assert_close(out.indices, expected.indices)
    vals, idx = out  # unpacks like torch.return_types
    assert vals.shape == idx.shape


def test_max_min_ties_and_nan():
    x = np.array([[1.0, 3.0, 3.0, NAN, 2.0, NAN], [2.0, 2.0, 1.0, 1.0, 0.0, 0.0]], np.float32)
    for name in ("max", "min", "argmax", "argmin"):
        ours = getattr(ops, name)(x, 1)
        expected = getattr(torch, name)(to_torch(x), 1)
        if name in ("max", "min"):
            assert_close(ours.values, expected.values)
            assert_close(ours.indices, expected.indices)
        else:
            assert_close(ours, expected)
        assert_close(getattr(ops, name)(x), getattr(torch, name)(to_torch(x)))


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_full_reduction(rng, name):
    x = randn(rng, 3, 4)
    assert_close(getattr(ops, name)(x), getattr(torch, name)(to_torch(x)))
    assert_close(jax.jit(getattr(ops, name))(jnp.asarray(x)), getattr(torch, name)(to_torch(x)))
    ties = np.array([1.0, 3.0, 3.0, -1.0, -1.0], np.float32)
    check_grad(getattr(ops, name), getattr(torch, name), ties, np.random.default_rng(0))


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_with_dim_gradient_goes_to_index(rng, name):
    x = np.array([[1.0, 3.0, 3.0], [2.0, -1.0, -1.0]], np.float32)
    check_grad(
        lambda a: getattr(ops, name)(a, 1).values,
        lambda t: getattr(torch, name)(t, 1).values,
        x,
        rng,
    )
    y = randn(rng, 3, 4)
    check_grad(
        lambda a: getattr(ops, name)(a, 0, True)[0],
        lambda t: getattr(torch, name)(t, 0, True)[0],
        y,
        rng,
    )


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_binary_form(rng, name, both_modes):
    a = randn(rng, 3, 4)
    b = randn(rng, 4)
    b[1] = NAN
    expected = getattr(torch, name)(to_torch(a), to_torch(b))
    assert_close(getattr(ops, name)(jnp.asarray(a), jnp.asarray(b)), expected)
    assert_close(getattr(ops, name)(a, b), expected)
    assert_close(getattr(ops, name)(a, other=jnp.asarray(b)), expected)
    ai = np.array([1, 5, 2], np.int32)
    bf = np.array([1.5], np.float32)
    assert_close(getattr(ops, name)(ai, bf), getattr(torch, name)(to_torch(ai), to_torch(bf)))
    check_grad(
        lambda x: getattr(ops, name)(x, jnp.asarray(np.zeros(4, np.float32))),
        lambda t: getattr(torch, name)(t, torch.zeros(4)),
        a,
        rng,
    )


def test_max_min_zero_dim_and_dtypes(both_modes):
    s = np.array(3.0, np.float32)
    out = ops.max(s, 0)
    expected = torch.max(to_torch(s), 0)
    assert_close(out.values, expected.values)
    assert_close(out.indices, expected.indices)
    assert_close(ops.min(s, -1, True).indices, torch.min(to_torch(s), -1, True).indices)
    xi = np.array([[3, 1], [2, 7]], np.int32)
    assert_close(ops.max(xi, 1).values, torch.max(to_torch(xi), 1).values)
    assert ops.max(xi, 1).indices.dtype == np.int32
    xb = np.array([False, True, True])
    assert_close(ops.max(xb), torch.max(to_torch(xb)))
    assert_close(ops.argmax(xb), torch.tensor(1))  # torch raises for bool; ours allows it
    if both_modes:
        x64 = np.array([[1.0, 2.0]], np.float64)
        assert ops.max(jnp.asarray(x64), 1).values.dtype == np.float64
        assert ops.argmax(jnp.asarray(x64), 1).dtype == np.int32


def test_max_min_empty():
    e = np.zeros((0, 3), np.float32)
    with pytest.raises(IndexOutOfRangeError, match=r"max\(\): Expected reduction dim 0 to have"):
        ops.max(e, 0)
    with pytest.raises(IndexOutOfRangeError, match=r"min\(\): Expected reduction dim 0"):
        ops.min(e, -2)
    with pytest.raises(InvalidArgumentError, match=r"max\(\): Expected reduction dim to be spec"):
        ops.max(e)
    with pytest.raises(InvalidArgumentError, match=r"min\(\): Expected reduction dim to be spec"):
        ops.min(np.zeros(0, np.float32))
    out = ops.max(e, 1)
    expected = torch.max(to_torch(e), 1)
    assert_close(out.values, expected.values)
    assert_close(out.indices, expected.indices)


def test_max_min_bad_inputs():
    x = np.ones((2, 3), np.float32)
    with pytest.raises(IndexOutOfRangeError, match="max: dimension out of range"):
        ops.max(x, 2)
    with pytest.raises(ArgumentTypeError, match="max: argument 'dim' must be an int, got tuple"):
        ops.max(x, (0, 1))
    with pytest.raises(ArgumentTypeError, match="min: 'keepdim' needs a 'dim'"):
        ops.min(x, keepdim=True)
    with pytest.raises(ArgumentTypeError, match="max: 'keepdim' cannot be combined"):
        ops.max(x, jnp.ones(3), True)
    with pytest.raises(ArgumentTypeError, match="max: pass either 'dim' or 'other'"):
        ops.max(x, 0, other=jnp.ones(3))
    with pytest.raises(ShapeError, match=r"min: shapes \(2, 3\) and \(4,\) cannot be broadcast"):
        ops.min(x, jnp.ones(4))
    with pytest.raises(ArgumentTypeError, match="max: argument 'keepdim' must be a bool"):
        ops.max(x, 0, "yes")
    with pytest.raises(ArgumentTypeError, match="max: argument 'input' must be an array"):
        ops.max("abc")
    with pytest.raises(DTypeError, match="max: complex input"):
        ops.max(np.ones(2, np.complex64))
    with pytest.raises(DTypeError, match="min: complex input"):
        ops.min(x, np.ones(3, np.complex64))


# ----------------------------------------------------------------------------- amax / amin / ...


@pytest.mark.parametrize("name", ["amax", "amin"])
@pytest.mark.parametrize("dim", DIMS)
@pytest.mark.parametrize("keepdim", [False, True])
def test_amax_amin_match_torch(rng, name, dim, keepdim):
    x = randn(rng, 2, 3, 4)
    ours = jax.jit(lambda a: getattr(ops, name)(a, dim, keepdim))(jnp.asarray(x))
    tdim = () if dim is None else _torch_dim(dim)
    assert_close(ours, getattr(torch, name)(to_torch(x), tdim, keepdim))


@pytest.mark.parametrize("name", ["amax", "amin"])
@pytest.mark.parametrize("dim", [1, (0, 1), None])
def test_amax_amin_gradient_splits_ties(rng, name, dim):
    x = np.array([[1.0, 3.0, 3.0, -2.0], [3.0, -2.0, 0.0, -2.0]], np.float32)
    tdim = () if dim is None else _torch_dim(dim)
    check_grad(
        lambda a: getattr(ops, name)(a, dim),
        lambda t: getattr(torch, name)(t, tdim),
        x,
        rng,
    )


def test_amax_amin_edge_cases():
    x = np.array([[1.0, NAN], [2.0, 0.0]], np.float32)
    assert_close(ops.amax(x, 1), torch.amax(to_torch(x), 1))
    assert_close(ops.amin(x, 0), torch.amin(to_torch(x), 0))
    s = np.array(2.0, np.float32)
    assert_close(ops.amax(s, 0), torch.amax(to_torch(s), 0))
    assert_close(ops.amax(np.zeros((2, 0), np.float32), 0), torch.amax(torch.zeros(2, 0), 0))
    with pytest.raises(IndexOutOfRangeError, match=r"amax\(\): Expected reduction dim 1 to have"):
        ops.amax(np.zeros((2, 0)), 1)
    with pytest.raises(IndexOutOfRangeError, match=r"amin\(\): Expected reduction dim 0"):
        ops.amin(np.zeros(0))
    with pytest.raises(InvalidArgumentError, match="amax: dim -1 appears multiple times"):
        ops.amax(np.ones((2, 3)), (1, -1))
    with pytest.raises(IndexOutOfRangeError, match="amin: dimension out of range"):
        ops.amin(np.ones((2, 3)), (0, 3))


@pytest.mark.parametrize("dim", [None, 0, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_aminmax(rng, dim, keepdim):
    x = randn(rng, 3, 4)
    ours = jax.jit(lambda a: ops.aminmax(a, dim=dim, keepdim=keepdim))(jnp.asarray(x))
    expected = torch.aminmax(to_torch(x), dim=dim, keepdim=keepdim)
    assert type(ours).__name__ == "AminmaxResult"
    assert_close(ours.min, expected.min)
    assert_close(ours.max, expected.max)
    s = np.array(2.0, np.float32)
    assert_close(ops.aminmax(s, dim=0).max, torch.aminmax(to_torch(s), dim=0).max)
    check_grad(lambda a: ops.aminmax(a, dim=0).max, lambda t: torch.aminmax(t, dim=0).max, x, rng)
    with pytest.raises(InvalidArgumentError, match=r"aminmax\(\): cannot compute aminmax"):
        ops.aminmax(np.zeros((0, 2)))
    with pytest.raises(InvalidArgumentError, match=r"aminmax\(\): cannot compute aminmax"):
        ops.aminmax(np.zeros((0, 2)), dim=0)
    with pytest.raises(IndexOutOfRangeError, match="aminmax: dimension out of range"):
        ops.aminmax(x, dim=2)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize("dim", [None, 0, 1, -1])
@pytest.mark.parametrize(("keepdim", "jit"), [(False, True), (True, False)])
def test_argmax_argmin(rng, name, dim, keepdim, jit):
    x = np.round(randn(rng, 3, 4), 0)
    out = run(lambda a: getattr(ops, name)(a, dim, keepdim), jnp.asarray(x), jit=jit)
    assert out.dtype == np.int32
    assert_close(out, getattr(torch, name)(to_torch(x), dim, keepdim))


def test_argmax_argmin_edge_cases():
    s = np.array(5.0, np.float32)
    assert_close(ops.argmax(s), torch.argmax(to_torch(s)))
    assert_close(ops.argmin(s, 0, True), torch.argmin(to_torch(s), 0, True))
    e = np.zeros((0, 3), np.float32)
    assert_close(ops.argmax(e, 1), torch.argmax(to_torch(e), 1))
    with pytest.raises(IndexOutOfRangeError, match=r"argmax\(\): Expected reduction dim to be"):
        ops.argmax(e)
    with pytest.raises(IndexOutOfRangeError, match=r"argmin\(\): Expected reduction dim 0 to"):
        ops.argmin(e, 0)
    with pytest.raises(IndexOutOfRangeError, match="argmax: dimension out of range"):
        ops.argmax(e, -3)


# ----------------------------------------------------------------------------- logsumexp


@pytest.mark.parametrize(
    ("dim", "keepdim"), [(0, False), (-1, True), ((0, 1), False), ((1, 0), True), ((), False)]
)
def test_logsumexp_matches_torch(rng, dim, keepdim):
    x = randn(rng, 3, 4) * 30
    tdim = [0, 1] if dim == () else _torch_dim(dim)  # () means every dim
    ours = jax.jit(lambda a: ops.logsumexp(a, dim, keepdim))(jnp.asarray(x))
    assert_close(ours, torch.logsumexp(to_torch(x), tdim, keepdim))
    check_grad(
        lambda a: ops.logsumexp(a, dim, keepdim),
        lambda t: torch.logsumexp(t, tdim, keepdim),
        x / 30,
        rng,
    )


def test_logsumexp_is_stable():
    x = np.array(
        [[1000.0, 1000.0, -INF], [-INF, -INF, -INF], [INF, 1.0, 2.0], [-1000.0, -1000.0, -INF]],
        np.float32,
    )
    assert_close(ops.logsumexp(x, 1), torch.logsumexp(to_torch(x), 1))
    assert_close(ops.logsumexp(np.zeros((2, 0), np.float32), 1), torch.tensor([-INF, -INF]))
    s = np.array(2.0, np.float32)
    assert_close(ops.logsumexp(s, 0), torch.logsumexp(to_torch(s), 0))
    xi = np.array([1, 2, 3], np.int32)
    assert_close(ops.logsumexp(xi, 0), torch.logsumexp(to_torch(xi), 0))
    with pytest.raises(DTypeError, match="logsumexp: complex input"):
        ops.logsumexp(np.ones(2, np.complex64), 0)
    with pytest.raises(InvalidArgumentError, match="logsumexp: dim -2 appears multiple times"):
        ops.logsumexp(x, (0, -2))


# ----------------------------------------------------------------------------- norms


VECTOR_ORDS = [2, 1, 3, 0.5, INF, -INF, 0, -1, -2.5]


@pytest.mark.parametrize("ord", VECTOR_ORDS)
@pytest.mark.parametrize(("dim", "keepdim"), [(None, False), (1, True), ((0, 2), False)])
def test_vector_norm_matches_torch(rng, ord, dim, keepdim):
    x = randn(rng, 2, 3, 4)
    x[0, 0, 0] = 0.0
    ours = jax.jit(lambda a: ops.vector_norm(a, ord, dim, keepdim))(jnp.asarray(x))
    assert_close(
        ours, torch.linalg.vector_norm(to_torch(x), ord, _torch_dim(dim), keepdim), rtol=2e-5
    )


@pytest.mark.parametrize("ord", [2, 1, 3, 0.5, INF, -INF, -1])
def test_vector_norm_gradients(rng, ord):
    x = np.abs(randn(rng, 3, 4)) + 0.5  # away from zero, no ties
    x[0] *= -1
    check_grad(
        lambda a: ops.vector_norm(a, ord, 1),
        lambda t: torch.linalg.vector_norm(t, ord, 1),
        x,
        rng,
    )


@pytest.mark.parametrize("ord", [2, 1, 3])
def test_vector_norm_gradient_at_zero_is_zero(rng, ord):
    x = np.zeros((2, 3), np.float32)
    x[1] = randn(rng, 3)
    check_grad(
        lambda a: ops.vector_norm(a, ord, 1),
        lambda t: torch.linalg.vector_norm(t, ord, 1),
        x,
        rng,
    )


def test_vector_norm_dtypes_and_edges(both_modes):
    z = np.array([3 + 4j, 1j], np.complex64)
    out = ops.vector_norm(z)
    assert out.dtype == np.float32
    assert_close(out, torch.linalg.vector_norm(to_torch(z)))
    x = np.array([3.0, 4.0], np.float32)
    assert_close(ops.vector_norm(x, dtype=jnp.float16), torch.tensor(5.0, dtype=torch.float16))
    e = np.zeros((0, 3), np.float32)
    assert_close(ops.vector_norm(e), torch.linalg.vector_norm(to_torch(e)))
    assert_close(ops.vector_norm(e, INF, 1), torch.linalg.vector_norm(to_torch(e), INF, 1))
    with pytest.raises(InvalidArgumentError, match="vector_norm: cannot compute the inf norm"):
        ops.vector_norm(e, INF)
    with pytest.raises(InvalidArgumentError, match="vector_norm: cannot compute the -1 norm"):
        ops.vector_norm(e, -1, 0)
    s = np.array(-2.0, np.float32)
    assert_close(ops.vector_norm(s), torch.linalg.vector_norm(to_torch(s)))
    if both_modes:
        y = np.array([3.0, 4.0], np.float64)
        assert ops.vector_norm(jnp.asarray(y)).dtype == np.float64
        assert ops.vector_norm(x, dtype=jnp.float64).dtype == np.float64
    else:
        with pytest.raises(DTypeError, match="vector_norm: dtype float64 needs JAX's 64-bit"):
            ops.vector_norm(x, dtype=jnp.float64)


def test_vector_norm_bad_inputs():
    x = np.ones((2, 3), np.float32)
    with pytest.raises(DTypeError, match="vector_norm: expected a floating point or complex"):
        ops.vector_norm(np.array([1, 2]))
    with pytest.raises(ArgumentTypeError, match=r"vector_norm: argument 'ord' must be a number"):
        ops.vector_norm(x, "fro")
    with pytest.raises(ArgumentTypeError, match="must be a number, got bool"):
        ops.vector_norm(x, True)
    with pytest.raises(InvalidArgumentError, match="vector_norm: dim 0 appears multiple times"):
        ops.vector_norm(x, 2, (0, 0))
    with pytest.raises(IndexOutOfRangeError, match="vector_norm: dimension out of range"):
        ops.vector_norm(x, 2, 5)
    with pytest.raises(ArgumentTypeError, match="vector_norm: argument 'keepdim' must be a bool"):
        ops.vector_norm(x, 2, 0, 1)


MATRIX_ORDS = ["fro", "nuc", 2, -2, 1, -1, INF, -INF]


@pytest.mark.parametrize("ord", MATRIX_ORDS)
@pytest.mark.parametrize(("dim", "keepdim"), [((-2, -1), False), ((0, 2), True), ((2, 0), False)])
def test_matrix_norm_matches_torch(rng, ord, dim, keepdim):
    x = randn(rng, 3, 2, 4)
    ours = jax.jit(lambda a: ops.matrix_norm(a, ord, dim, keepdim))(jnp.asarray(x))
    expected = torch.linalg.matrix_norm(to_torch(x), ord, dim, keepdim)
    assert_close(ours, expected, rtol=2e-5, atol=2e-6)  # SVD: float32 round-off of LAPACK vs XLA


@pytest.mark.parametrize("ord", MATRIX_ORDS)
def test_matrix_norm_gradients(rng, ord):
    x = randn(rng, 2, 3, 3)
    check_grad(
        lambda a: ops.matrix_norm(a, ord),
        lambda t: torch.linalg.matrix_norm(t, ord),
        x,
        rng,
        rtol=1e-4,  # SVD-based gradients: float32 round-off of two different SVD routines
        atol=1e-5,
    )


def test_matrix_norm_ties_gradient(rng):
    x = np.array([[1.0, 1.0], [3.0, 3.0]], np.float32)
    check_grad(lambda a: ops.matrix_norm(a, 1), lambda t: torch.linalg.matrix_norm(t, 1), x, rng)


@pytest.mark.parametrize("ord", MATRIX_ORDS)
@pytest.mark.parametrize("shape", [(0, 3), (3, 0)])
def test_matrix_norm_empty(ord, shape):
    x = np.zeros(shape, np.float32)
    try:
        expected = torch.linalg.matrix_norm(to_torch(x), ord)
    except IndexError:
        with pytest.raises(InvalidArgumentError, match="matrix_norm: the .* norm of an empty"):
            ops.matrix_norm(x, ord)
    else:
        assert_close(ops.matrix_norm(x, ord), expected)


def test_matrix_norm_bad_inputs():
    x = np.ones((3, 3), np.float32)
    with pytest.raises(InvalidArgumentError, match="matrix_norm: order 3 is not supported"):
        ops.matrix_norm(x, 3)
    with pytest.raises(InvalidArgumentError, match="matrix_norm: order 'bad' is not supported"):
        ops.matrix_norm(x, "bad")
    with pytest.raises(ArgumentTypeError, match="matrix_norm: argument 'ord' must be a number or"):
        ops.matrix_norm(x, None)
    with pytest.raises(
        ShapeError, match=r"matrix_norm: the input must have at least 2 dim.*\(3,\)"
    ):
        ops.matrix_norm(np.ones(3, np.float32))
    with pytest.raises(InvalidArgumentError, match="matrix_norm: dims must be different"):
        ops.matrix_norm(x, "fro", (0, -2))
    with pytest.raises(InvalidArgumentError, match="matrix_norm: dim must be a 2-tuple"):
        ops.matrix_norm(x, "fro", (0, 1, 2))
    with pytest.raises(IndexOutOfRangeError, match="matrix_norm: dimension out of range"):
        ops.matrix_norm(x, "nuc", (0, 2))
    with pytest.raises(DTypeError, match="matrix_norm: expected a floating point"):
        ops.matrix_norm(np.ones((2, 2), np.int32))


@pytest.mark.parametrize(
    ("p", "dim"),
    [
        ("fro", None),
        ("fro", 1),
        ("fro", (0, 1)),
        ("nuc", None),
        ("nuc", (1, 0)),
        (None, None),
        (3, 1),
        (1, (0, 1)),
        (INF, None),
    ],
)
def test_norm_dispatch_matches_torch(rng, p, dim):
    keepdim = p in ("nuc", 3, "fro")
    x = randn(rng, 3, 4)
    ours = ops.norm(x, p, _torch_dim(dim) if isinstance(dim, tuple) else dim, keepdim)
    assert_close(ours, torch.norm(to_torch(x), p, dim, keepdim), rtol=2e-5)
    check_grad(
        lambda a: ops.norm(a, p, dim, keepdim),
        lambda t: torch.norm(t, p, dim, keepdim),
        x,
        rng,
        rtol=1e-4 if p == "nuc" else 1e-5,  # SVD-based gradient, as in the matrix_norm tests
        atol=1e-5 if p == "nuc" else 1e-6,
    )


def test_norm_edges_and_errors(both_modes):
    x = randn(np.random.default_rng(3), 2, 3, 4)
    with pytest.raises(InvalidArgumentError, match=r"norm: dim must be a 2-tuple, got \(0, 1, 2\)"):
        ops.norm(x, "fro", (0, 1, 2))  # torch too: 'fro' over 3 dims is a matrix norm
    with pytest.raises(InvalidArgumentError, match=r"norm: dim must be a 2-tuple, got \(0, 1, 2\)"):
        ops.norm(x, "nuc")
    with pytest.raises(InvalidArgumentError, match="norm: order 'bad' is not supported"):
        ops.norm(x[0], "bad")
    with pytest.raises(ArgumentTypeError, match="norm: argument 'p' must be a number, got list"):
        ops.norm(x, [2])
    with pytest.raises(DTypeError, match="norm: expected a floating point or complex input"):
        ops.norm(np.ones(3, np.int32))
    with pytest.raises(InvalidArgumentError, match=r"norm: dim must be a 2-tuple, got \(1,\)"):
        ops.norm(x, "nuc", 1)
    with pytest.raises(InvalidArgumentError, match=r"norm: dims must be different"):
        ops.norm(x, "nuc", (1, -2))
    if both_modes:
        out = ops.norm(x, dtype=jnp.float64)
        assert_close(out, torch.norm(to_torch(x), dtype=torch.float64))


# ----------------------------------------------------------------------------- all / any / count


@pytest.mark.parametrize("name", ["all", "any", "count_nonzero"])
@pytest.mark.parametrize("dim", [None, 0, -1, (0, 2)])
@pytest.mark.parametrize("dtype", [np.float32, np.bool_])
def test_logical_reductions(rng, name, dim, dtype):
    x = (rng.random((2, 3, 4)) < 0.7).astype(dtype)
    x[1] = 1  # some all-true slices
    ours = jax.jit(lambda a: getattr(ops, name)(a, dim))(jnp.asarray(x))
    if dim is None:
        expected = getattr(torch, name)(to_torch(x))
    else:
        expected = getattr(torch, name)(to_torch(x), _torch_dim(dim))
    assert_close(ours, expected)
    assert ours.dtype == (np.int32 if name == "count_nonzero" else np.bool_)


@pytest.mark.parametrize("name", ["all", "any"])
def test_all_any_keepdim_and_edges(name):
    x = np.array([[1, 0, 2], [3, 4, 5]], np.uint8)
    ours = getattr(ops, name)(x, 1, True)
    assert ours.dtype == np.bool_  # torch returns uint8 for uint8 input
    np.testing.assert_array_equal(ours, getattr(torch, name)(to_torch(x), 1, True).bool().numpy())
    e = np.zeros((0, 2), np.float32)
    assert_close(getattr(ops, name)(e), getattr(torch, name)(to_torch(e)))
    assert_close(getattr(ops, name)(e, 0), getattr(torch, name)(to_torch(e), 0))
    assert_close(getattr(ops, name)(np.array(0.0)), getattr(torch, name)(torch.tensor(0.0)))
    assert_close(ops.count_nonzero(e), torch.count_nonzero(to_torch(e)))
    with pytest.raises(InvalidArgumentError, match=f"{name}: dim -2 appears multiple times"):
        getattr(ops, name)(x, (0, -2))
    with pytest.raises(IndexOutOfRangeError, match="count_nonzero: dimension out of range"):
        ops.count_nonzero(x, 2)


# ----------------------------------------------------------------------------- cumulative


@pytest.mark.parametrize("name", ["cumsum", "cumprod", "logcumsumexp"])
@pytest.mark.parametrize(("dim", "jit"), [(0, True), (1, False), (-1, False)])
def test_cumulative_matches_torch(rng, name, dim, jit):
    x = randn(rng, 3, 4, 2)
    out = run(lambda a: getattr(ops, name)(a, dim), jnp.asarray(x), jit=jit)
    assert_close(out, getattr(torch, name)(to_torch(x), dim))
    check_grad(lambda a: getattr(ops, name)(a, dim), lambda t: getattr(torch, name)(t, dim), x, rng)


@pytest.mark.parametrize("name", ["cummax", "cummin"])
@pytest.mark.parametrize(("dim", "jit"), [(0, True), (1, False), (-1, False)])
def test_cummax_cummin_match_torch(rng, name, dim, jit):
    x = np.round(randn(rng, 4, 6), 0)  # many ties: torch moves the index to the later one
    out = run(lambda a: getattr(ops, name)(a, dim), jnp.asarray(x), jit=jit)
    expected = getattr(torch, name)(to_torch(x), dim)
    assert type(out).__name__ == ("CummaxResult" if name == "cummax" else "CumminResult")
    assert_close(out.values, expected.values)
    assert_close(out.indices, expected.indices)
    check_grad(
        lambda a: getattr(ops, name)(a, dim).values,
        lambda t: getattr(torch, name)(t, dim).values,
        x,
        rng,
    )


def test_cummax_cummin_ties_nan_and_ints(both_modes):
    x = np.array([1.0, 3.0, 3.0, NAN, 2.0, NAN, 5.0], np.float32)
    for name in ("cummax", "cummin"):
        out = getattr(ops, name)(x, 0)
        expected = getattr(torch, name)(to_torch(x), 0)
        assert_close(out.values, expected.values)
        assert_close(out.indices, expected.indices)
        xi = np.array([[2, 2, 1, 3, 3], [0, 5, 5, 4, 0]], np.int32)
        out = getattr(ops, name)(xi, 1)
        expected = getattr(torch, name)(to_torch(xi), 1)
        assert_close(out.values, expected.values)
        assert_close(out.indices, expected.indices)
        assert out.indices.dtype == np.int32


@pytest.mark.parametrize("name", ["cumsum", "cumprod", "cummax", "cummin", "logcumsumexp"])
def test_cumulative_zero_dim_and_empty(name):
    s = np.array(1.5, np.float32)
    e = np.zeros((0, 2), np.float32)
    for x, dim in ((s, 0), (s, -1), (e, 0), (e, 1)):
        out = getattr(ops, name)(x, dim)
        expected = getattr(torch, name)(to_torch(x), dim)
        if name in ("cummax", "cummin"):
            assert_close(out.values, expected.values)
            assert_close(out.indices, expected.indices)
        else:
            assert_close(out, expected)


def test_logcumsumexp_infinities():
    x = np.array([[-INF, -INF, 1.0, 1000.0], [-1000.0, -1000.0, -INF, 0.0]], np.float32)
    assert_close(ops.logcumsumexp(x, 1), torch.logcumsumexp(to_torch(x), 1))


def test_cumulative_bad_inputs():
    x = np.ones((2, 3), np.float32)
    with pytest.raises(IndexOutOfRangeError, match="cumsum: dimension out of range"):
        ops.cumsum(x, 2)
    with pytest.raises(ArgumentTypeError, match="cumprod: argument 'dim' must be an int"):
        ops.cumprod(x, (0, 1))
    with pytest.raises(IndexOutOfRangeError, match="cummax: dimension out of range"):
        ops.cummax(x, -3)
    with pytest.raises(DTypeError, match="cummin: complex input"):
        ops.cummin(np.ones(2, np.complex64), 0)
    with pytest.raises(DTypeError, match="logcumsumexp: expected a real floating point input"):
        ops.logcumsumexp(np.array([1, 2]), 0)
    with pytest.raises(TypeError):
        ops.cumsum(x)  # dim is required, as in torch


# ----------------------------------------------------------------------------- shared validation


@pytest.mark.parametrize(
    "name", ["sum", "nansum", "mean", "nanmean", "prod", "amax", "amin", "all", "any"]
)
def test_reductions_validate_dims(name):
    x = np.ones((2, 3), np.float32)
    fn = getattr(ops, name)
    with pytest.raises(IndexOutOfRangeError, match=rf"{name}: dimension out of range .* got 2"):
        fn(x, 2)
    with pytest.raises(IndexOutOfRangeError, match=rf"{name}: dimension out of range"):
        fn(x, (0, -3))
    with pytest.raises(InvalidArgumentError, match=rf"{name}: dim 1 appears multiple times"):
        fn(x, (1, 1))
    with pytest.raises(ArgumentTypeError, match=rf"{name}: argument 'dim' must be an int or"):
        fn(x, "0")
    with pytest.raises(ArgumentTypeError, match=rf"{name}: argument 'keepdim' must be a bool"):
        fn(x, 0, None)
    with pytest.raises(ArgumentTypeError, match=rf"{name}: argument 'input' must be an array"):
        fn(None)


def test_errors_are_rustorch_errors_and_builtins():
    with pytest.raises(RusTorchError):
        ops.sum(np.ones(2), 3)
    with pytest.raises(IndexError):
        ops.sum(np.ones(2), 3)
    with pytest.raises(RuntimeError):
        ops.max(np.zeros(0))
    with pytest.raises(DTypeError, match="sum: .* is not a dtype"):
        ops.sum(np.ones(2), dtype="nope")


def test_named_results_are_pytrees(rng):
    x = jnp.asarray(randn(rng, 3, 4))
    leaves = jax.tree_util.tree_leaves(ops.max(x, 1))
    assert len(leaves) == 2
    out = jax.vmap(lambda r: ops.cummax(r, 0))(x)
    expected = torch.cummax(to_torch(np.asarray(x)), 1)
    assert_close(out.values, expected.values)
    assert_close(out.indices, expected.indices)
