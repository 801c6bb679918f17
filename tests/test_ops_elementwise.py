"""Elementwise, comparison, bitwise and logical ops of rustorch_fx.ops, against torch 2.13."""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
from conftest import assert_close, randn, x64_mode

from rustorch_fx import ops
from rustorch_fx.errors import (
    ArgumentTypeError,
    DTypeError,
    InvalidArgumentError,
    RusTorchError,
    ShapeError,
)

BF16 = np.dtype(jnp.bfloat16)
NAN, INF = float("nan"), float("inf")


def tt(x: Any, requires_grad: bool = False) -> Any:
    """Numpy/jax array -> torch tensor (bfloat16 included); Python numbers pass through."""
    if isinstance(x, (bool, int, float, complex)):
        return x
    arr = np.array(x)
    if arr.dtype == BF16:
        t = torch.from_numpy(arr.astype(np.float32)).bfloat16()
    else:
        t = torch.from_numpy(arr.copy())
    return t.requires_grad_(True) if requires_grad else t


def tgrad(t: torch.Tensor) -> np.ndarray:
    """The gradient torch accumulated in ``t`` (a ZeroTensor included) as numpy."""
    g = t.grad
    return np.zeros(tuple(t.shape), np.float32) if g is None else g.detach().numpy(force=True)


def close(ours: Any, expected: Any, **kwargs: Any) -> None:
    """:func:`assert_close` that keeps torch's bfloat16 (conftest compares it as float32)."""
    if isinstance(expected, torch.Tensor) and expected.dtype == torch.bfloat16:
        assert np.dtype(ours.dtype) == BF16, f"dtype {ours.dtype} != expected bfloat16"
        ours, expected = np.asarray(ours, np.float32), expected.float()
    assert_close(ours, expected, **kwargs)


def uniform(rng: np.random.Generator, low: float, high: float, shape=(3, 4), signed=False):
    x = rng.uniform(low, high, shape).astype(np.float32)
    if signed:
        x = x * rng.choice(np.array([-1.0, 1.0], np.float32), shape)
    return x


# --------------------------------------------------------------------------------------------
# Unary floating ops: values, dtypes, jit, gradients
# --------------------------------------------------------------------------------------------

# name -> (low, high, signed): a domain where the function and its derivative are smooth.
UNARY_FLOAT = {
    "sqrt": (0.5, 3.0, False),
    "rsqrt": (0.5, 3.0, False),
    "exp": (-2.0, 2.0, False),
    "exp2": (-2.0, 2.0, False),
    "expm1": (-2.0, 2.0, False),
    "log": (0.5, 3.0, False),
    "log2": (0.5, 3.0, False),
    "log10": (0.5, 3.0, False),
    "log1p": (-0.5, 2.0, False),
    "sin": (-2.0, 2.0, False),
    "cos": (-2.0, 2.0, False),
    "tan": (-1.2, 1.2, False),
    "asin": (-0.9, 0.9, False),
    "acos": (-0.9, 0.9, False),
    "atan": (-2.0, 2.0, False),
    "arcsin": (-0.9, 0.9, False),
    "arccos": (-0.9, 0.9, False),
    "arctan": (-2.0, 2.0, False),
    "sinh": (-2.0, 2.0, False),
    "cosh": (-2.0, 2.0, False),
    "tanh": (-2.0, 2.0, False),
    "asinh": (-2.0, 2.0, False),
    "acosh": (1.1, 3.0, False),
    "atanh": (-0.9, 0.9, False),
    "arcsinh": (-2.0, 2.0, False),
    "arccosh": (1.1, 3.0, False),
    "arctanh": (-0.9, 0.9, False),
    "sigmoid": (-3.0, 3.0, False),
    "logit": (0.05, 0.95, False),
    "erf": (-2.0, 2.0, False),
    "erfc": (-2.0, 2.0, False),
    "erfinv": (-0.9, 0.9, False),
    "lgamma": (0.5, 3.0, False),
    "digamma": (0.5, 3.0, False),
    "deg2rad": (-180.0, 180.0, False),
    "rad2deg": (-3.0, 3.0, False),
    "sinc": (-2.0, 2.0, False),
    "reciprocal": (0.5, 2.0, True),
    "square": (-2.0, 2.0, False),
    "neg": (-2.0, 2.0, False),
    "negative": (-2.0, 2.0, False),
    "abs": (0.1, 2.0, True),
    "absolute": (0.1, 2.0, True),
    "sign": (0.1, 2.0, True),
    "sgn": (0.1, 2.0, True),
    "floor": (-3.0, 3.0, False),
    "ceil": (-3.0, 3.0, False),
    "round": (-3.0, 3.0, False),
    "trunc": (-3.0, 3.0, False),
    "fix": (-3.0, 3.0, False),
    "frac": (-3.0, 3.0, False),
    "nan_to_num": (-3.0, 3.0, False),
}
# Functions whose float32 results differ a little more between XLA's and torch's CPU kernels.
LOOSE = {"lgamma": 1e-5, "digamma": 1e-5, "erfinv": 1e-5, "tan": 1e-5, "exp2": 1e-5}


@pytest.mark.parametrize("name", sorted(UNARY_FLOAT))
def test_unary_values_jit_and_grad_match_torch(name, rng):
    low, high, signed = UNARY_FLOAT[name]
    x = uniform(rng, low, high, signed=signed)
    op = getattr(ops, name)
    atol = LOOSE.get(name, 1e-6)
    assert_close(op(jnp.asarray(x)), getattr(torch, name)(tt(x)), atol=atol)
    assert_close(jax.jit(op)(jnp.asarray(x)), getattr(torch, name)(tt(x)), atol=atol)
    # gradient of sum(op(x)) against torch autograd
    xt = tt(x, requires_grad=True)
    getattr(torch, name)(xt).sum().backward()
    ours = jax.jit(jax.grad(lambda v: op(v).sum()))(jnp.asarray(x))
    assert_close(ours, tgrad(xt), rtol=1e-4 if name in LOOSE else 1e-5, atol=atol)


FLOAT_RESULT = [n for n in UNARY_FLOAT if n not in {"neg", "negative", "abs", "absolute", "sign"}]
FLOAT_RESULT = [
    n
    for n in FLOAT_RESULT
    if n not in {"sgn", "square", "floor", "ceil", "round", "trunc", "fix", "frac", "nan_to_num"}
]


@pytest.mark.parametrize("name", sorted(FLOAT_RESULT))
def test_unary_float_ops_promote_integers_to_float32(name, both_modes):
    dtype = np.bool_ if both_modes else np.int8
    x = np.array([1, 0, 2, 3], dtype=dtype)
    ours = getattr(ops, name)(jnp.asarray(x))
    expected = getattr(torch, name)(tt(x))
    assert ours.dtype == jnp.float32
    assert_close(ours, expected, atol=1e-5)


@pytest.mark.parametrize("name", ["sqrt", "exp", "sin", "tanh", "sigmoid", "log1p", "abs"])
@pytest.mark.parametrize("dtype", [np.float16, BF16])
def test_unary_half_precision_keeps_dtype(name, dtype, rng):
    x = uniform(rng, 0.5, 2.0).astype(dtype)
    ours = getattr(ops, name)(jnp.asarray(x))
    assert ours.dtype == dtype
    # half-precision kernels round differently (torch computes in float32 and rounds once)
    close(ours, getattr(torch, name)(tt(x)), rtol=1e-2, atol=1e-2)


COMPLEX_OK = [
    "sqrt", "rsqrt", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sin", "cos",
    "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh",
    "sigmoid", "sinc", "reciprocal", "neg", "abs", "sgn", "square", "nan_to_num",
]  # fmt: skip


@pytest.mark.parametrize("name", COMPLEX_OK)
def test_complex_input_matches_torch(name):
    x = np.array([0.5 + 0.25j, -0.3 + 0.4j, 0.2 - 0.6j], dtype=np.complex64)
    assert_close(getattr(ops, name)(jnp.asarray(x)), getattr(torch, name)(tt(x)), atol=1e-5)


COMPLEX_REJECTED = [
    "erf", "erfc", "erfinv", "lgamma", "digamma", "deg2rad", "rad2deg", "logit", "floor",
    "ceil", "round", "trunc", "frac", "sign", "signbit", "isposinf", "isneginf",
]  # fmt: skip


@pytest.mark.parametrize("name", COMPLEX_REJECTED)
def test_complex_input_rejected_like_torch(name):
    x = np.array([0.5 + 0.25j], dtype=np.complex64)
    with pytest.raises((RuntimeError, NotImplementedError)):
        getattr(torch, name)(tt(x))
    with pytest.raises(DTypeError, match=rf"{name}: expected .*got complex64"):
        getattr(ops, name)(jnp.asarray(x))


# --------------------------------------------------------------------------------------------
# Binary floating ops: values, jit, gradients
# --------------------------------------------------------------------------------------------

# name -> ((low, high, signed) for input, (low, high, signed) for other)
BINARY_FLOAT = {
    "add": ((-2, 2, False), (-2, 2, False)),
    "sub": ((-2, 2, False), (-2, 2, False)),
    "subtract": ((-2, 2, False), (-2, 2, False)),
    "mul": ((-2, 2, False), (-2, 2, False)),
    "multiply": ((-2, 2, False), (-2, 2, False)),
    "div": ((-2, 2, False), (0.5, 2, True)),
    "divide": ((-2, 2, False), (0.5, 2, True)),
    "true_divide": ((-2, 2, False), (0.5, 2, True)),
    "remainder": ((-5, 5, False), (0.5, 2, True)),
    "fmod": ((-5, 5, False), (0.5, 2, True)),
    "pow": ((0.5, 2, False), (-2, 2, False)),
    "atan2": ((-2, 2, False), (0.5, 2, True)),
    "arctan2": ((-2, 2, False), (0.5, 2, True)),
    "maximum": ((-2, 2, False), (-2, 2, False)),
    "minimum": ((-2, 2, False), (-2, 2, False)),
    "fmax": ((-2, 2, False), (-2, 2, False)),
    "fmin": ((-2, 2, False), (-2, 2, False)),
    "hypot": ((-2, 2, False), (-2, 2, False)),
    "logaddexp": ((-2, 2, False), (-2, 2, False)),
    "logaddexp2": ((-2, 2, False), (-2, 2, False)),
    "xlogy": ((-2, 2, False), (0.5, 3, False)),
    "copysign": ((0.5, 2, True), (0.5, 2, True)),
}


@pytest.mark.parametrize("name", sorted(BINARY_FLOAT))
def test_binary_values_jit_and_grads_match_torch(name, rng):
    (la, ha, sa), (lb, hb, sb) = BINARY_FLOAT[name]
    a = uniform(rng, la, ha, (3, 4), sa)
    b = uniform(rng, lb, hb, (4,), sb)  # broadcast against a
    op = getattr(ops, name)
    expected = getattr(torch, name)(tt(a), tt(b))
    assert_close(op(jnp.asarray(a), jnp.asarray(b)), expected)
    assert_close(jax.jit(op)(jnp.asarray(a), jnp.asarray(b)), expected)
    at, bt = tt(a, True), tt(b, True)
    getattr(torch, name)(at, bt).sum().backward()
    grad = jax.jit(jax.grad(lambda x, y: op(x, y).sum(), argnums=(0, 1)))
    ga, gb = grad(jnp.asarray(a), jnp.asarray(b))
    assert_close(ga, tgrad(at), rtol=1e-5, atol=1e-5)
    assert_close(gb, tgrad(bt), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("mode", ["trunc", "floor"])
def test_div_rounding_modes_match_torch(mode, rng):
    a = uniform(rng, -5, 5, (3, 4))
    b = uniform(rng, 0.3, 2, (3, 4), signed=True)
    expected = torch.div(tt(a), tt(b), rounding_mode=mode)
    assert_close(ops.div(jnp.asarray(a), jnp.asarray(b), rounding_mode=mode), expected)
    ai = np.array([7, -7, 7, -7, 0], np.int32)
    bi = np.array([2, 2, -2, -2, 3], np.int32)
    expected = torch.div(tt(ai), tt(bi), rounding_mode=mode)
    assert_close(ops.div(jnp.asarray(ai), jnp.asarray(bi), rounding_mode=mode), expected)
    assert_close(ops.floor_divide(jnp.asarray(ai), jnp.asarray(bi)), tt(ai) // tt(bi))


def test_float_division_by_zero_matches_torch():
    a = np.array([1.0, -1.0, 0.0], np.float32)
    for fn, kwargs in [
        ("div", {}),
        ("div", {"rounding_mode": "floor"}),
        ("div", {"rounding_mode": "trunc"}),
        ("floor_divide", {}),
        ("remainder", {}),
        ("fmod", {}),
    ]:
        expected = getattr(torch, fn)(tt(a), 0.0, **kwargs)
        assert_close(getattr(ops, fn)(jnp.asarray(a), 0.0, **kwargs), expected)
    # floor division rounds like Python's // (1 // 0.1 == 9), not like floor(1 / 0.1)
    assert_close(ops.floor_divide(jnp.array([1.0]), 0.1), torch.floor_divide(tt(a[:1]), 0.1))


def test_integer_true_division_by_zero_gives_inf():
    assert_close(ops.div(jnp.array([1, -1, 0]), 0), torch.div(torch.tensor([1, -1, 0]), 0).float())


INT_DIVISIONS = [
    ("div_trunc", lambda a, b: ops.div(a, b, rounding_mode="trunc")),
    ("div_floor", lambda a, b: ops.div(a, b, rounding_mode="floor")),
    ("floor_divide", ops.floor_divide),
    ("remainder", ops.remainder),
    ("fmod", ops.fmod),
]


@pytest.mark.parametrize(("label", "fn"), INT_DIVISIONS)
def test_integer_division_by_zero_raises_like_torch(label, fn):
    a = jnp.array([1, 2, 3])
    with pytest.raises(InvalidArgumentError, match="ZeroDivisionError"):
        fn(a, jnp.array([1, 0, 1]))
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        fn(a, 0)
    # no element is computed: nothing to divide by zero
    assert fn(jnp.zeros((0,), jnp.int32), 0).shape == (0,)
    # under jit the divisor is not known: no error, an unspecified value
    assert jax.jit(fn)(a, jnp.array([1, 0, 1])).shape == (3,)


@pytest.mark.parametrize("fn", ["remainder", "fmod", "floor_divide"])
def test_integer_modulus_signs_match_torch(fn):
    a = np.array([5, -5, 5, -5, 0], np.int32)
    b = np.array([3, 3, -3, -3, 2], np.int32)
    assert_close(getattr(ops, fn)(jnp.asarray(a), jnp.asarray(b)), getattr(torch, fn)(tt(a), tt(b)))


def test_div_rejects_bad_rounding_mode_and_types():
    with pytest.raises(InvalidArgumentError, match="div: expected rounding_mode .* got 'round'"):
        ops.div(jnp.ones(2), 2.0, rounding_mode="round")
    with pytest.raises(DTypeError, match="div: expected integer or floating point operands"):
        ops.div(jnp.array([True]), jnp.array([True]), rounding_mode="floor")
    with pytest.raises(DTypeError, match="remainder: .*got bool"):
        ops.remainder(jnp.array([True]), jnp.array([True]))
    with pytest.raises(DTypeError, match="fmod: .*got complex64"):
        ops.fmod(jnp.array([1j]), 2)


# --------------------------------------------------------------------------------------------
# Type promotion: ops x dtype pairs, against torch, in both of JAX's modes
# --------------------------------------------------------------------------------------------


def _ints(rng, dtype, positive=False, shape=(2, 3)):
    x = rng.integers(1, 5, shape).astype(dtype)
    if not positive and np.dtype(dtype).kind == "i":
        x = x * rng.choice(np.array([-1, 1], dtype), shape)
    return x


def _floats(rng, dtype, positive=False, shape=(2, 3)):
    return uniform(rng, 0.5, 3.0, shape, signed=not positive).astype(dtype)


def _bools(rng, shape=(2, 3)):
    return rng.random(shape) < 0.5


# id -> builder(rng, positive) -> (a, b); ``positive`` asks for a positive nonzero divisor b.
PAIRS = {
    "f32-pyfloat": lambda r, p: (_floats(r, np.float32), 2.5),
    "i32-pyfloat": lambda r, p: (_ints(r, np.int32), 2.5),
    "i32-i32": lambda r, p: (_ints(r, np.int32), _ints(r, np.int32, p)),
    "pyint-i32": lambda r, p: (3, _ints(r, np.int32, p)),
    "bool-pyint": lambda r, p: (_bools(r), 3),
    "bool-bool": lambda r, p: (_bools(r), np.ones((2, 3), bool) if p else _bools(r)),
    "i32-f32": lambda r, p: (_ints(r, np.int32), _floats(r, np.float32, p)),
    "f16-f16": lambda r, p: (_floats(r, np.float16), _floats(r, np.float16, p)),
    "bf16-f32": lambda r, p: (_floats(r, BF16), _floats(r, np.float32, p)),
    "i8-u8": lambda r, p: (_ints(r, np.int8), _ints(r, np.uint8, True)),
    "u8-pyint": lambda r, p: (_ints(r, np.uint8), 3),
    "f32-0d-f64": lambda r, p: (_floats(r, np.float32), np.array(1.5, np.float64)),
    "i8-0d-i32": lambda r, p: (_ints(r, np.int8), np.array(3, np.int32)),
    "f32-pycomplex": lambda r, p: (_floats(r, np.float32), 1.5 + 0.5j),
}
# ops that need positive divisors / exponents / shift amounts
POSITIVE = {
    "div", "true_divide", "floor_divide", "remainder", "fmod", "pow",
    "bitwise_left_shift", "bitwise_right_shift",
}  # fmt: skip
# torch requires tensors for these; a Python number becomes a 0-d tensor of its default dtype
# (the same promotion, up to int64 vs our int32).
TENSOR_ONLY = {"maximum", "minimum", "fmax", "fmin", "atan2", "hypot", "logaddexp", "copysign"}
PROMOTION_OPS = [
    "add", "sub", "div", "floor_divide", "pow", "maximum", "atan2", "eq", "bitwise_and",
    "logical_xor",
]  # fmt: skip


def _torch_op(name, a, b):
    ta, tb = tt(a), tt(b)
    if name in TENSOR_ONLY or isinstance(ta, (int, float, complex)) or name.startswith("logical"):
        ta = torch.tensor(ta) if isinstance(ta, (int, float, complex)) else ta
        tb = torch.tensor(tb) if isinstance(tb, (int, float, complex)) else tb
    return getattr(torch, name)(ta, tb)


def _ours(x):
    return x if isinstance(x, (bool, int, float, complex)) else jnp.asarray(x)


def _check_against_torch(name, a, b):
    if name == "logaddexp" and isinstance(b, complex):  # documented: complex not supported
        with pytest.raises(DTypeError, match="logaddexp: expected floating point operands"):
            ops.logaddexp(_ours(a), b)
        return None
    try:
        expected = _torch_op(name, a, b)
    except (RuntimeError, NotImplementedError, TypeError) as exc:
        with pytest.raises(RusTorchError):
            getattr(ops, name)(_ours(a), _ours(b))
        return str(exc)
    ours = getattr(ops, name)(_ours(a), _ours(b))
    half = expected.dtype in (torch.float16, torch.bfloat16, torch.complex32)
    # half precision: torch computes in float32 and rounds once, XLA may round per step
    close(ours, expected, rtol=2e-2 if half else 1e-5, atol=2e-2 if half else 1e-5)
    return None


# Pairs whose dtype could depend on JAX's mode (Python numbers, 0-d arrays) run in both modes;
# pairs of fixed-dtype arrays once (the 64-bit pairs have their own x64 test below).
MODE_CASES = [
    pytest.param(pair, x64, id=f"{'x64' if x64 else 'x32'}-{pair}")
    for pair in sorted(PAIRS)
    for x64 in ((False, True) if ("py" in pair or "0d" in pair) else (False,))
]


@pytest.mark.parametrize(("pair", "x64"), MODE_CASES)
@pytest.mark.parametrize("name", PROMOTION_OPS)
def test_promotion_table_matches_torch(name, pair, x64, rng):
    with x64_mode(x64):
        a, b = PAIRS[pair](rng, name in POSITIVE)
        _check_against_torch(name, a, b)


@pytest.mark.parametrize(
    "pair",
    [
        ("i64-i64", np.int64, np.int64),
        ("f64-f32", np.float64, np.float32),
        ("i64-f32", np.int64, np.float32),
        ("u8-i64", np.uint8, np.int64),
    ],
    ids=lambda p: p[0],
)
@pytest.mark.parametrize("name", ["add", "div", "floor_divide", "pow", "maximum", "lt"])
def test_promotion_of_64_bit_dtypes_in_x64_mode(name, pair, rng):
    _, da, db = pair
    with x64_mode(True):
        make = {"i": _ints, "u": _ints, "f": _floats}
        a = make[np.dtype(da).kind](rng, da)
        b = make[np.dtype(db).kind](rng, db, positive=True)
        _check_against_torch(name, a, b)
        _check_against_torch(name, a, 2.5)


def test_documented_dtype_rules(both_modes):
    f32 = jnp.ones(3, jnp.float32)
    i32 = jnp.ones(3, jnp.int32)
    assert ops.mul(f32, 2.5).dtype == jnp.float32
    assert ops.add(i32, 2.5).dtype == jnp.float32
    assert ops.div(i32, i32).dtype == jnp.float32
    assert ops.true_divide(i32, 2).dtype == jnp.float32
    assert ops.add(jnp.array([True]), 1).dtype == jnp.int32
    assert ops.add(jnp.ones(2, jnp.int8), jnp.ones(2, jnp.uint8)).dtype == jnp.int16
    assert ops.add(jnp.ones(2, jnp.float16), jnp.ones(2, jnp.bfloat16)).dtype == jnp.float32
    assert ops.add(f32, np.array(2.0, np.float64)).dtype == jnp.float32
    assert ops.add(jnp.ones(2, jnp.float16), 2.0).dtype == jnp.float16
    # Python numbers alone: the default dtypes, the same in both modes
    assert ops.add(2, 3).dtype == jnp.int32
    assert ops.add(2.0, 3).dtype == jnp.float32
    assert ops.sqrt(4.0).dtype == jnp.float32


def test_python_numbers_through_jit_promote_like_python_numbers(both_modes):
    x = jnp.arange(3, dtype=jnp.int32)
    eager = ops.add(x, 2.5)
    jitted = jax.jit(ops.add)(x, 2.5)  # 2.5 becomes a weakly typed 0-d tracer
    assert eager.dtype == jitted.dtype == jnp.float32
    assert_close(jitted, eager)
    f16 = jnp.ones(2, jnp.float16)
    assert jax.jit(ops.mul)(f16, 3.0).dtype == jnp.float16
    assert ops.sqrt(jnp.asarray(2.0)).dtype == jnp.float32


def test_python_int_scalar_wraps_like_torch():
    a = np.array([1, 100], np.int8)
    assert_close(ops.add(jnp.asarray(a), 1000), tt(a) + 1000)
    with pytest.raises(InvalidArgumentError, match="add: the Python integer .* does not fit"):
        ops.add(jnp.asarray(a), 2**80)


# --------------------------------------------------------------------------------------------
# Arithmetic specifics
# --------------------------------------------------------------------------------------------


def test_add_and_sub_alpha(rng):
    a, b = randn(rng, 3), randn(rng, 3)
    assert_close(
        ops.add(jnp.asarray(a), jnp.asarray(b), alpha=2.5), torch.add(tt(a), tt(b), alpha=2.5)
    )
    assert_close(
        ops.sub(jnp.asarray(a), jnp.asarray(b), alpha=-2), torch.sub(tt(a), tt(b), alpha=-2)
    )
    ai = np.array([1, 2, 3], np.int32)
    assert_close(
        ops.add(jnp.asarray(ai), jnp.asarray(ai), alpha=3), torch.add(tt(ai), tt(ai), alpha=3)
    )
    ab = np.array([True, False])
    assert_close(
        ops.add(jnp.asarray(ab), jnp.asarray(ab), alpha=2), torch.add(tt(ab), tt(ab), alpha=2)
    )
    c = np.array([1 + 1j], np.complex64)
    assert_close(
        ops.add(jnp.asarray(c), jnp.asarray(c), alpha=1j), torch.add(tt(c), tt(c), alpha=1j)
    )


def test_alpha_and_value_errors_match_torch():
    i = jnp.array([1, 2])
    with pytest.raises(DTypeError, match="add: for integral inputs, argument 'alpha'"):
        ops.add(i, i, alpha=0.5)
    with pytest.raises(DTypeError, match="argument 'alpha' must not be a complex"):
        ops.add(jnp.ones(2), 1.0, alpha=1j)
    with pytest.raises(DTypeError, match="a boolean 'alpha' is only supported for boolean"):
        ops.add(i, i, alpha=True)
    with pytest.raises(ArgumentTypeError, match="add: argument 'alpha' must be a Python number"):
        ops.add(i, i, alpha=jnp.array(2))
    with pytest.raises(DTypeError, match="addcmul: for integral inputs, argument 'value'"):
        ops.addcmul(i, i, i, value=0.5)


@pytest.mark.parametrize(
    ("a", "b"),
    [([True], [False]), ([True], 1), ([1, 2], [True, False]), ([1], True)],
)
def test_sub_rejects_bool_like_torch(a, b):
    def mk(x):
        return x if isinstance(x, (bool, int)) else np.array(x)

    with pytest.raises(RuntimeError, match="Subtraction"):
        torch.sub(tt(mk(a)), tt(mk(b)))
    with pytest.raises(DTypeError, match="sub: subtraction with a bool operand"):
        ops.sub(_ours(mk(a)), _ours(mk(b)))


def test_pow_integer_rules():
    i = np.array([1, -1, 2, 0, 3], np.int32)
    e = np.array([-1, -1, -2, -1, 2], np.int32)
    assert_close(ops.pow(jnp.asarray(i), jnp.asarray(e)), torch.pow(tt(i), tt(e)))
    assert_close(ops.pow(jnp.asarray(i), 3), torch.pow(tt(i), 3))
    assert_close(ops.pow(2, jnp.asarray(i[i >= 0])), torch.pow(2, tt(i[i >= 0])))
    assert_close(ops.pow(2.5, jnp.asarray(i)), torch.pow(2.5, tt(i)))
    assert_close(ops.pow(jnp.array([True, False]), 2), torch.pow(torch.tensor([True, False]), 2))
    assert_close(ops.pow(jnp.array([2.0, 4.0]), -1), torch.pow(torch.tensor([2.0, 4.0]), -1))
    with pytest.raises(InvalidArgumentError, match="Integers to negative integer powers"):
        ops.pow(jnp.asarray(i), -1)
    with pytest.raises(DTypeError, match="pow: .*got bool"):
        ops.pow(jnp.array([True]), jnp.array([True]))


def test_square_sign_sgn_neg_abs_on_integers_and_bool():
    i = np.array([-3, 0, 2], np.int32)
    b = np.array([True, False])
    for name in ["square", "sign", "sgn", "neg", "abs"]:
        assert_close(getattr(ops, name)(jnp.asarray(i)), getattr(torch, name)(tt(i)))
    for name in ["square", "sign", "sgn"]:
        assert_close(getattr(ops, name)(jnp.asarray(b)), getattr(torch, name)(tt(b)))
    assert_close(
        ops.neg(jnp.array([1], jnp.uint8)), torch.neg(torch.tensor([1], dtype=torch.uint8))
    )
    for name in ["neg", "abs"]:
        with pytest.raises(DTypeError, match=rf"{name}: expected .* got bool"):
            getattr(ops, name)(jnp.asarray(b))


def test_sign_of_nan_and_negative_zero_like_torch():
    x = np.array([NAN, -0.0, 0.0, -2.0, INF], np.float32)
    ours = ops.sign(jnp.asarray(x))
    assert_close(ours, torch.sign(tt(x)))
    assert not np.signbit(np.asarray(ours)[1])


def test_sgn_of_complex_and_its_gradient_free_zero():
    z = np.array([3 + 4j, 0j, -1j], np.complex64)
    assert_close(ops.sgn(jnp.asarray(z)), torch.sgn(tt(z)))
    with pytest.raises(DTypeError, match="sign: expected .* got complex64"):
        ops.sign(jnp.asarray(z))


def test_rounding_ops_on_integers_are_identities_and_reject_bool():
    i = jnp.array([1, -2, 3])
    for name in ["floor", "ceil", "trunc", "fix", "round"]:
        out = getattr(ops, name)(i)
        assert out.dtype == i.dtype
        assert_close(out, getattr(torch, name)(torch.tensor([1, -2, 3])))
        op_name = getattr(ops, name).__name__  # fix is trunc
        with pytest.raises(DTypeError, match=rf"{op_name}: expected integer or floating point"):
            getattr(ops, name)(jnp.array([True]))
    with pytest.raises(DTypeError, match="frac: expected floating point operands, got int32"):
        ops.frac(i)
    with pytest.raises(DTypeError, match="round: expected floating point input when decimals"):
        ops.round(i, decimals=1)
    with pytest.raises(ArgumentTypeError, match="round: argument 'decimals' must be an int"):
        ops.round(jnp.ones(2), decimals=1.5)


@pytest.mark.parametrize("decimals", [0, 1, 2, 3, -1, -2])
def test_round_decimals_half_to_even_like_torch(decimals, rng):
    x = np.concatenate(
        [np.array([0.5, 1.5, 2.5, -0.5, -2.5, 1.25, 0.125, 1234.5678, 1250.0], np.float32),
         uniform(rng, -100, 100, (8,))]
    )  # fmt: skip
    assert_close(
        ops.round(jnp.asarray(x), decimals=decimals), torch.round(tt(x), decimals=decimals)
    )


def test_special_function_poles_like_torch():
    x = np.array([0.0, -0.0, -1.0, -2.5, 1.0], np.float32)
    for name in ["digamma", "lgamma"]:
        assert_close(getattr(ops, name)(jnp.asarray(x)), getattr(torch, name)(tt(x)), atol=1e-5)
    e = np.array([1.0, -1.0, 2.0, 0.0], np.float32)
    assert_close(ops.erfinv(jnp.asarray(e)), torch.erfinv(tt(e)))
    edge = np.array([0.0, -1.0, 1.0, INF, -INF, NAN], np.float32)
    for name in ["log", "sqrt", "rsqrt", "log1p", "atanh", "reciprocal", "exp", "sigmoid"]:
        assert_close(getattr(ops, name)(jnp.asarray(edge)), getattr(torch, name)(tt(edge)))


def test_logit_with_eps_values_and_gradient():
    x = np.array([0.0, 0.1, 0.5, 0.95, 1.0], np.float32)
    assert_close(ops.logit(jnp.asarray(x), eps=0.2), torch.logit(tt(x), eps=0.2))
    assert_close(ops.logit(jnp.asarray(x)), torch.logit(tt(x)))
    xt = tt(x, True)
    torch.logit(xt, eps=0.2).sum().backward()
    assert_close(jax.grad(lambda v: ops.logit(v, eps=0.2).sum())(jnp.asarray(x)), tgrad(xt))
    with pytest.raises(ArgumentTypeError, match="logit: argument 'eps' must be a float"):
        ops.logit(jnp.asarray(x), eps="0.1")


def test_sinc_at_zero_value_and_gradient():
    x = jnp.array([0.0, 1.0, -0.5])
    assert_close(ops.sinc(x), torch.sinc(tt(x)))
    xt = tt(x, True)
    torch.sinc(xt).sum().backward()
    assert_close(jax.grad(lambda v: ops.sinc(v).sum())(x), tgrad(xt), atol=1e-5)


# --------------------------------------------------------------------------------------------
# clamp, maximum/minimum, fmax/fmin
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lo", "hi"),
    [(-0.5, 0.5), (None, 0.0), (0.0, None), (1.0, -1.0), (NAN, None), (None, NAN), (-1, 1)],
)
def test_clamp_scalars_match_torch(lo, hi, rng):
    x = np.concatenate([randn(rng, 6), np.array([NAN, INF, -INF], np.float32)])
    expected = torch.clamp(tt(x), min=lo, max=hi)
    assert_close(ops.clamp(jnp.asarray(x), min=lo, max=hi), expected)
    assert_close(ops.clip(jnp.asarray(x), lo, hi), expected)


def test_clamp_array_bounds_promotion_and_gradients(rng):
    x = randn(rng, 3, 4)
    lo = randn(rng, 4) - 0.5
    hi = randn(rng, 3, 1) + 0.5
    expected = torch.clamp(tt(x), min=tt(lo), max=tt(hi))
    assert_close(ops.clamp(jnp.asarray(x), jnp.asarray(lo), jnp.asarray(hi)), expected)
    xt, lt, ht = tt(x, True), tt(lo, True), tt(hi, True)
    torch.clamp(xt, min=lt, max=ht).sum().backward()
    grads = jax.grad(lambda a, b, c: ops.clamp(a, b, c).sum(), argnums=(0, 1, 2))(
        jnp.asarray(x), jnp.asarray(lo), jnp.asarray(hi)
    )
    for g, t in zip(grads, (xt, lt, ht), strict=True):
        assert_close(g, tgrad(t))
    # ties: the gradient goes to the input, as torch
    xt = torch.tensor([1.0, 2.0], requires_grad=True)
    torch.clamp(xt, min=1.0, max=2.0).sum().backward()
    assert_close(jax.grad(lambda v: ops.clamp(v, 1.0, 2.0).sum())(jnp.array([1.0, 2.0])), tgrad(xt))
    # promotion: integer input with a float bound is float32; with an int bound stays int
    i = np.array([1, 2, 3], np.int32)
    assert_close(ops.clamp(jnp.asarray(i), min=1.5), torch.clamp(tt(i), min=1.5))
    assert_close(ops.clamp(jnp.asarray(i), max=2), torch.clamp(tt(i), max=2))
    assert_close(
        ops.clamp(jnp.array([True, False]), min=0), torch.clamp(torch.tensor([True, False]), min=0)
    )


def test_clamp_errors():
    with pytest.raises(InvalidArgumentError, match="clamp: at least one of 'min' or 'max'"):
        ops.clamp(jnp.ones(2))
    with pytest.raises(DTypeError, match="clamp: expected integer or floating point operands"):
        ops.clamp(jnp.array([True]), min=True)
    with pytest.raises(DTypeError, match="clamp: .*complex64"):
        ops.clamp(jnp.array([1j]), min=0.0)
    with pytest.raises(ShapeError, match=r"clamp: shapes \(3,\) \('input'\) and \(2,\) \('min'\)"):
        ops.clamp(jnp.ones(3), min=jnp.zeros(2))
    with pytest.raises(ArgumentTypeError, match="clamp: argument 'max' must be an array"):
        ops.clamp(jnp.ones(3), max="1")


def test_maximum_minimum_fmax_fmin_nan_and_ties():
    a = np.array([NAN, 1.0, NAN, 2.0, 3.0], np.float32)
    b = np.array([1.0, NAN, NAN, 2.0, -1.0], np.float32)
    for name in ["maximum", "minimum", "fmax", "fmin"]:
        assert_close(
            getattr(ops, name)(jnp.asarray(a), jnp.asarray(b)), getattr(torch, name)(tt(a), tt(b))
        )
        # gradients at ties (index 0), and with NaN for fmax/fmin (maximum/minimum: documented)
        x, y = np.array([2.0, 1.0, 5.0], np.float32), np.array([2.0, 3.0, 4.0], np.float32)
        if name.startswith("f"):
            y[2] = NAN
        xt, yt = tt(x, True), tt(y, True)
        getattr(torch, name)(xt, yt).sum().backward()
        gx, gy = jax.grad(lambda u, v, n=name: getattr(ops, n)(u, v).sum(), argnums=(0, 1))(
            jnp.asarray(x), jnp.asarray(y)
        )
        assert_close(gx, tgrad(xt))
        assert_close(gy, tgrad(yt))
    i = np.array([1, 5], np.int32)
    j = np.array([3, 2], np.int32)
    for name in ["maximum", "minimum", "fmax", "fmin"]:
        assert_close(
            getattr(ops, name)(jnp.asarray(i), jnp.asarray(j)), getattr(torch, name)(tt(i), tt(j))
        )
    with pytest.raises(DTypeError, match="maximum: .*complex64"):
        ops.maximum(jnp.array([1j]), jnp.array([1j]))


# --------------------------------------------------------------------------------------------
# lerp, addcmul, addcdiv, xlogy, heaviside, nan_to_num, copysign
# --------------------------------------------------------------------------------------------


def test_lerp_matches_torch_values_and_gradients(rng):
    a, e = randn(rng, 3, 4), randn(rng, 4)
    w = uniform(rng, -0.5, 1.5, (3, 4))
    expected = torch.lerp(tt(a), tt(e), tt(w))
    assert_close(ops.lerp(jnp.asarray(a), jnp.asarray(e), jnp.asarray(w)), expected)
    assert_close(ops.lerp(jnp.asarray(a), jnp.asarray(e), 0.75), torch.lerp(tt(a), tt(e), 0.75))
    at, et, wt = tt(a, True), tt(e, True), tt(w, True)
    torch.lerp(at, et, wt).sum().backward()
    grads = jax.grad(lambda x, y, z: ops.lerp(x, y, z).sum(), argnums=(0, 1, 2))(
        jnp.asarray(a), jnp.asarray(e), jnp.asarray(w)
    )
    for g, t in zip(grads, (at, et, wt), strict=True):
        assert_close(g, tgrad(t))
    # exact at both ends
    assert_close(ops.lerp(jnp.asarray(a), jnp.asarray(e), 1.0), np.broadcast_to(e, a.shape))
    assert_close(ops.lerp(jnp.asarray(a), 2.0, 0.0), a)
    assert ops.lerp(jnp.ones(2, jnp.float16), jnp.ones(2, jnp.float16), 0.3).dtype == jnp.float16


def test_lerp_errors_match_torch():
    f32 = jnp.ones(2, jnp.float32)
    with pytest.raises(DTypeError, match="lerp: expected 'end' to have the dtype of 'input'"):
        ops.lerp(f32, jnp.ones(2, jnp.float16), 0.5)
    with pytest.raises(DTypeError, match="lerp: expected 'weight' to have the dtype"):
        ops.lerp(f32, f32, jnp.array([0.5], jnp.float16))
    with pytest.raises(DTypeError, match="lerp: expected floating point or complex operands"):
        ops.lerp(jnp.array([1]), jnp.array([2]), 0.5)


@pytest.mark.parametrize("value", [1, 0.5, -2])
def test_addcmul_addcdiv_match_torch(value, rng):
    a, t1, t2 = randn(rng, 3, 4), randn(rng, 4), uniform(rng, 0.5, 2, (3, 1), signed=True)
    for name in ["addcmul", "addcdiv"]:
        expected = getattr(torch, name)(tt(a), tt(t1), tt(t2), value=value)
        ours = getattr(ops, name)(jnp.asarray(a), jnp.asarray(t1), jnp.asarray(t2), value=value)
        assert_close(ours, expected)
        ts = [tt(v, True) for v in (a, t1, t2)]
        getattr(torch, name)(*ts, value=value).sum().backward()
        grads = jax.grad(
            lambda x, y, z, n=name: getattr(ops, n)(x, y, z, value=value).sum(), argnums=(0, 1, 2)
        )(jnp.asarray(a), jnp.asarray(t1), jnp.asarray(t2))
        for g, t in zip(grads, ts, strict=True):
            assert_close(g, tgrad(t), atol=1e-5)


def test_addcmul_addcdiv_dtypes_and_errors():
    i = np.array([1, 2, 3], np.int32)
    f = np.array([1.0, 2.0, 3.0], np.float32)
    assert_close(ops.addcmul(jnp.asarray(i), jnp.asarray(i), jnp.asarray(i), value=2),
                 torch.addcmul(tt(i), tt(i), tt(i), value=2))  # fmt: skip
    assert_close(ops.addcmul(jnp.asarray(i), jnp.asarray(f), jnp.asarray(i)),
                 torch.addcmul(tt(i), tt(f), tt(i)))  # fmt: skip
    assert_close(ops.addcdiv(jnp.asarray(i), jnp.asarray(f), jnp.asarray(f)),
                 torch.addcdiv(tt(i), tt(f), tt(f)))  # fmt: skip
    with pytest.raises(DTypeError, match="addcdiv: integer division is not supported"):
        ops.addcdiv(jnp.asarray(f), jnp.asarray(i), jnp.asarray(i))
    with pytest.raises(
        DTypeError,
        match="addcmul: expected integer or floating point or complex operands, got bool",
    ):
        ops.addcmul(jnp.array([True]), jnp.array([True]), jnp.array([True]))


def test_xlogy_edge_cases_and_scalars():
    x = np.array([0.0, 0.0, 0.0, 2.0, 3.0], np.float32)
    y = np.array([NAN, 0.0, INF, 0.0, 2.0], np.float32)
    assert_close(ops.xlogy(jnp.asarray(x), jnp.asarray(y)), torch.xlogy(tt(x), tt(y)))
    assert_close(ops.xlogy(2, jnp.asarray(y)), torch.xlogy(2, tt(y)))
    i = np.array([1, 2, 3], np.int32)
    assert_close(ops.xlogy(jnp.asarray(i), jnp.asarray(i)), torch.xlogy(tt(i), tt(i)))


def test_heaviside_matches_torch():
    x = np.array([-1.0, 0.0, 2.0, NAN, -0.0], np.float32)
    v = np.array([0.5], np.float32)
    assert_close(ops.heaviside(jnp.asarray(x), jnp.asarray(v)), torch.heaviside(tt(x), tt(v)))
    i = np.array([-1, 0, 2], np.int32)
    assert_close(ops.heaviside(jnp.asarray(i), jnp.array([5], jnp.int32)),
                 torch.heaviside(tt(i), torch.tensor([5], dtype=torch.int32)))  # fmt: skip
    assert_close(ops.heaviside(jnp.asarray(x), 0.25), torch.heaviside(tt(x), torch.tensor([0.25])))
    with pytest.raises(DTypeError, match="heaviside: expected 'values' to have the dtype"):
        ops.heaviside(jnp.asarray(i), jnp.asarray(v))


@pytest.mark.parametrize("dtype", [np.float32, np.float16, BF16])
@pytest.mark.parametrize("kwargs", [{}, {"nan": 1.5, "posinf": 7.0, "neginf": -7.0}, {"nan": -1}])
def test_nan_to_num_matches_torch(dtype, kwargs):
    x = np.array([NAN, INF, -INF, 1.5], np.float32).astype(dtype)
    close(ops.nan_to_num(jnp.asarray(x), **kwargs), torch.nan_to_num(tt(x), **kwargs))


def test_nan_to_num_passes_integers_and_complex():
    i = jnp.array([1, 2])
    assert ops.nan_to_num(i).dtype == jnp.int32
    assert_close(ops.nan_to_num(i), np.array([1, 2], np.int32))
    z = np.array([complex(NAN, INF)], np.complex64)
    assert_close(ops.nan_to_num(jnp.asarray(z)), torch.nan_to_num(tt(z)))
    with pytest.raises(ArgumentTypeError, match="nan_to_num: argument 'posinf' must be a float"):
        ops.nan_to_num(jnp.ones(2), posinf="big")


def test_copysign_and_deg_rad_on_integers():
    i = np.array([1, -2, 3], np.int32)
    assert_close(ops.copysign(jnp.asarray(i), -1), torch.copysign(tt(i), -1))
    assert_close(ops.copysign(jnp.asarray(i), jnp.asarray(i)), torch.copysign(tt(i), tt(i)))
    assert_close(
        ops.copysign(jnp.array([1.0, 1.0]), jnp.array([-0.0, 0.0])),
        np.array([-1.0, 1.0], np.float32),
    )


# --------------------------------------------------------------------------------------------
# Bitwise
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int16, np.int32])
def test_bitwise_ops_match_torch(dtype, rng):
    info = np.iinfo(dtype)
    a = rng.integers(info.min, int(info.max) + 1, (3, 4)).astype(dtype)
    b = rng.integers(info.min, int(info.max) + 1, (4,)).astype(dtype)
    s = rng.integers(0, np.dtype(dtype).itemsize * 8 + 3, (4,)).astype(dtype)
    for name in ["bitwise_and", "bitwise_or", "bitwise_xor"]:
        assert_close(
            getattr(ops, name)(jnp.asarray(a), jnp.asarray(b)), getattr(torch, name)(tt(a), tt(b))
        )
    assert_close(ops.bitwise_not(jnp.asarray(a)), torch.bitwise_not(tt(a)))
    for name in ["bitwise_left_shift", "bitwise_right_shift"]:
        assert_close(
            getattr(ops, name)(jnp.asarray(a), jnp.asarray(s)), getattr(torch, name)(tt(a), tt(s))
        )


def test_bitwise_bool_and_errors():
    b = np.array([True, False, True])
    c = np.array([True, True, False])
    for name in ["bitwise_and", "bitwise_or", "bitwise_xor"]:
        assert_close(
            getattr(ops, name)(jnp.asarray(b), jnp.asarray(c)), getattr(torch, name)(tt(b), tt(c))
        )
    assert_close(ops.bitwise_not(jnp.asarray(b)), torch.bitwise_not(tt(b)))
    with pytest.raises(
        DTypeError, match="bitwise_and: expected bool or integer operands, got float32"
    ):
        ops.bitwise_and(jnp.ones(2), jnp.ones(2))
    with pytest.raises(
        DTypeError, match="bitwise_or: expected bool or integer operands, got float32"
    ):
        ops.bitwise_or(jnp.array([1]), 1.0)
    with pytest.raises(DTypeError, match="bitwise_left_shift: expected integer operands, got bool"):
        ops.bitwise_left_shift(jnp.asarray(b), jnp.asarray(c))
    with pytest.raises(DTypeError, match="bitwise_not: expected bool or integer operands"):
        ops.bitwise_not(jnp.ones(2))
    # shifting by the width or more, or by a negative amount, as torch
    x = torch.tensor([1, -8, 8, 8], dtype=torch.int32)
    s = torch.tensor([40, 40, -1, 33], dtype=torch.int32)
    for name in ["bitwise_left_shift", "bitwise_right_shift"]:
        assert_close(
            getattr(ops, name)(jnp.asarray(x.numpy()), jnp.asarray(s.numpy())),
            getattr(torch, name)(x, s),
        )


# --------------------------------------------------------------------------------------------
# Comparisons
# --------------------------------------------------------------------------------------------

COMPARISONS = ["eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less",
               "less_equal", "not_equal"]  # fmt: skip


@pytest.mark.parametrize("name", COMPARISONS)
def test_comparisons_match_torch_with_nan_inf_and_broadcasting(name, rng):
    a = np.array([[1.0, NAN, INF, -INF, 2.0, -0.0]], np.float32)
    b = np.array([[1.0], [NAN], [INF], [0.0]], np.float32)
    assert_close(
        getattr(ops, name)(jnp.asarray(a), jnp.asarray(b)), getattr(torch, name)(tt(a), tt(b))
    )
    i = rng.integers(-3, 3, (5,)).astype(np.int32)
    assert_close(getattr(ops, name)(jnp.asarray(i), 0.5), getattr(torch, name)(tt(i), 0.5))
    assert_close(jax.jit(getattr(ops, name))(jnp.asarray(i), 1), getattr(torch, name)(tt(i), 1))


def test_ordering_of_complex_rejected_equality_allowed():
    z = jnp.array([1j, 2.0 + 0j])
    assert_close(ops.eq(z, 1j), torch.eq(torch.tensor([1j, 2.0 + 0j]), 1j))
    with pytest.raises(DTypeError, match="lt: expected bool or integer or floating point operands"):
        ops.lt(z, z)


@pytest.mark.parametrize(
    "kwargs", [{}, {"equal_nan": True}, {"rtol": 0.0, "atol": 0.0}, {"rtol": 0.1, "atol": 0.5}]
)
def test_isclose_matches_torch(kwargs, rng):
    a = np.array([1.0, NAN, INF, INF, 1.0, 100.0, 0.0], np.float32)
    b = np.array([1.0 + 1e-6, NAN, INF, -INF, 1.1, 101.0, 1e-9], np.float32)
    assert_close(
        ops.isclose(jnp.asarray(a), jnp.asarray(b), **kwargs), torch.isclose(tt(a), tt(b), **kwargs)
    )
    assert ops.allclose(jnp.asarray(a[:1]), jnp.asarray(b[:1]), **kwargs) is torch.allclose(
        tt(a[:1]), tt(b[:1]), **kwargs
    )
    i = np.array([100, 5, 0], np.int32)
    j = np.array([101, 5, 1], np.int32)
    assert_close(
        ops.isclose(jnp.asarray(i), jnp.asarray(j), **kwargs), torch.isclose(tt(i), tt(j), **kwargs)
    )
    c = np.array([1 + 1j, 2j], np.complex64)
    d = np.array([1 + 1j, 2.1j], np.complex64)
    assert_close(
        ops.isclose(jnp.asarray(c), jnp.asarray(d), **kwargs), torch.isclose(tt(c), tt(d), **kwargs)
    )
    bo = np.array([True, False])
    assert_close(
        ops.isclose(jnp.asarray(bo), jnp.asarray(bo), **kwargs),
        torch.isclose(tt(bo), tt(bo), **kwargs),
    )


def test_isclose_and_allclose_errors_and_jit():
    f32 = jnp.ones(2)
    with pytest.raises(DTypeError, match="isclose: expected 'other' to have the dtype of 'input'"):
        ops.isclose(f32, jnp.ones(2, jnp.float16))
    with pytest.raises(InvalidArgumentError, match="isclose: rtol must be greater than or equal"):
        ops.isclose(f32, f32, rtol=-1.0)
    with pytest.raises(InvalidArgumentError, match="allclose: atol must be greater than or equal"):
        ops.allclose(f32, f32, atol=-1.0)
    with pytest.raises(ArgumentTypeError, match="isclose: argument 'rtol' must be a float"):
        ops.isclose(f32, f32, rtol=None)
    assert ops.allclose(jnp.array([1.0, 1.0]), jnp.array([1.0])) is True
    assert ops.allclose(f32, 1.0 + 1e-7) is True
    assert ops.allclose(f32, 2.0) is False
    jitted = jax.jit(ops.allclose)(f32, f32 + 1e-7)
    assert isinstance(jitted, jax.Array)
    assert jitted.shape == ()
    assert bool(jitted)


def test_equal_matches_torch_and_returns_python_bool():
    cases = [
        (np.array([1, 2], np.int32), np.array([1.0, 2.0], np.float32)),
        (np.array([1, 2], np.int32), np.array([1, 3], np.int32)),
        (np.array([1, 1], np.int32), np.array([1], np.int32)),
        (np.array([NAN], np.float32), np.array([NAN], np.float32)),
        (np.zeros((0, 2), np.float32), np.zeros((0, 2), np.float32)),
        (np.zeros((2, 0), np.float32), np.zeros((0, 2), np.float32)),
    ]
    for a, b in cases:
        ours = ops.equal(jnp.asarray(a), jnp.asarray(b))
        assert isinstance(ours, bool)
        assert ours is torch.equal(tt(a), tt(b))
    jitted = jax.jit(ops.equal)(jnp.ones(2), jnp.ones(2))
    assert isinstance(jitted, jax.Array)
    assert bool(jitted)
    assert not bool(jax.jit(ops.equal)(jnp.ones(2), jnp.ones(3)))


PREDICATES = ["isnan", "isinf", "isposinf", "isneginf", "isfinite", "isreal", "signbit"]


@pytest.mark.parametrize("name", PREDICATES)
def test_predicates_match_torch(name):
    x = np.array([NAN, -NAN, INF, -INF, 0.0, -0.0, 1.0, -1.0], np.float32)
    assert_close(getattr(ops, name)(jnp.asarray(x)), getattr(torch, name)(tt(x)))
    for ints in (np.array([-1, 0, 2], np.int32), np.array([True, False]), np.array([3], np.uint8)):
        assert_close(getattr(ops, name)(jnp.asarray(ints)), getattr(torch, name)(tt(ints)))
    assert_close(getattr(ops, name)(jnp.zeros((0, 3))), getattr(torch, name)(torch.zeros(0, 3)))


@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite", "isreal"])
def test_predicates_on_complex(name):
    z = np.array([complex(NAN, 0), complex(1, INF), 1 + 0j, 1j], np.complex64)
    assert_close(getattr(ops, name)(jnp.asarray(z)), getattr(torch, name)(tt(z)))


# --------------------------------------------------------------------------------------------
# Logical
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["logical_and", "logical_or", "logical_xor"])
def test_logical_binary_any_dtype(name):
    a = np.array([0.0, 1.0, NAN, -0.0, 2.0], np.float32)
    b = np.array([0, 0, 3, 1, -1], np.int8)
    assert_close(
        getattr(ops, name)(jnp.asarray(a), jnp.asarray(b)), getattr(torch, name)(tt(a), tt(b))
    )
    z = np.array([0j, 1j, 0j, 1 + 0j, 0j], np.complex64)
    assert_close(
        getattr(ops, name)(jnp.asarray(z), jnp.asarray(b)), getattr(torch, name)(tt(z), tt(b))
    )
    assert_close(
        getattr(ops, name)(jnp.asarray(a), True), getattr(torch, name)(tt(a), torch.tensor(True))
    )


def test_logical_not_any_dtype():
    for x in (
        np.array([0.0, 1.0, NAN, -0.0], np.float32),
        np.array([0, 3], np.int32),
        np.array([True, False]),
        np.array([0j, 1j], np.complex64),
    ):
        assert_close(ops.logical_not(jnp.asarray(x)), torch.logical_not(tt(x)))


# --------------------------------------------------------------------------------------------
# Edge cases shared by every op: 0-d, empty, broadcasting, bad inputs
# --------------------------------------------------------------------------------------------

UNARY_ALL = sorted(set(UNARY_FLOAT) | {"bitwise_not", "logical_not", *PREDICATES})
# 0-d and empty shapes go through the one promotion helper: a representative subset suffices
UNARY_SHAPES = ["sqrt", "logit", "digamma", "abs", "sign", "round", "frac", "nan_to_num",
                "bitwise_not", "logical_not", "isnan", "signbit"]  # fmt: skip
BINARY_SHAPES = ["add", "div", "floor_divide", "remainder", "pow", "maximum", "fmax", "atan2",
                 "xlogy", "copysign", "eq", "lt", "bitwise_and", "bitwise_right_shift",
                 "logical_or"]  # fmt: skip
BINARY_ALL = sorted(
    set(BINARY_FLOAT)
    | set(PROMOTION_OPS)
    | set(COMPARISONS)
    | {
        "floor_divide",
        "bitwise_or",
        "bitwise_xor",
        "bitwise_right_shift",
        "logical_and",
        "logical_or",
    }
)
INTEGER_ONLY = {"bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift",
                "bitwise_right_shift", "bitwise_not"}  # fmt: skip


def _sample(name, shape):
    if name in INTEGER_ONLY:
        return np.full(shape, 3, np.int32)
    return np.full(shape, 0.5, np.float32)


@pytest.mark.parametrize("name", UNARY_SHAPES)
def test_unary_zero_dim_and_empty(name):
    op = getattr(ops, name)
    for shape in [(), (2, 0)]:
        x = _sample(name, shape)
        assert_close(op(jnp.asarray(x)), getattr(torch, name)(tt(x)), atol=1e-5)


@pytest.mark.parametrize("name", BINARY_SHAPES)
def test_binary_zero_dim_empty_and_broadcast(name):
    op = getattr(ops, name)
    for sa, sb in [((), ()), ((2, 0), (1,)), ((2, 1), (3,))]:
        a, b = _sample(name, sa), _sample(name, sb)
        assert_close(op(jnp.asarray(a), jnp.asarray(b)), _torch_op(name, a, b), atol=1e-5)


@pytest.mark.parametrize("name", BINARY_ALL)
def test_binary_shape_mismatch_names_both_shapes(name):
    a, b = _sample(name, (2, 3)), _sample(name, (4,))
    with pytest.raises(
        ShapeError,
        match=rf"{getattr(ops, name).__name__}: shapes \(2, 3\) \('input'\) and \(4,\) "
        r"\('(other|exponent)'\) cannot be broadcast together: size 3 does not match size 4 at dimension -1",
    ):
        getattr(ops, name)(jnp.asarray(a), jnp.asarray(b))


@pytest.mark.parametrize("bad", ["abc", None, object()])
@pytest.mark.parametrize("name", UNARY_ALL)
def test_unary_bad_inputs(name, bad):
    with pytest.raises(ArgumentTypeError, match=r"argument 'input' must be an array"):
        getattr(ops, name)(bad)


@pytest.mark.parametrize("bad", ["abc", None])
@pytest.mark.parametrize("name", [*BINARY_ALL, "equal", "isclose", "allclose", "heaviside"])
def test_binary_bad_inputs(name, bad):
    op = getattr(ops, name)
    with pytest.raises(ArgumentTypeError, match=r"argument 'input' must be an array"):
        op(bad, jnp.ones(2))
    with pytest.raises(ArgumentTypeError, match=r"must be an array, got"):
        op(jnp.ones(2), bad)


@pytest.mark.parametrize("name", ["lerp", "addcmul", "addcdiv"])
def test_ternary_bad_inputs_and_shapes(name):
    op = getattr(ops, name)
    with pytest.raises(
        ArgumentTypeError, match=rf"{name}: argument '\w+' must be an array, got str"
    ):
        op(jnp.ones(2), "x", jnp.ones(2))
    with pytest.raises(ShapeError, match=rf"{name}: shapes \(2,\) .* and \(3,\)"):
        op(jnp.ones(2), jnp.ones(2), jnp.ones(3))


def test_every_public_name_is_exported_and_documented():
    from rustorch_fx.ops import _arithmetic, _comparison, _promote

    assert _promote.__all__ == []
    for module in (_arithmetic, _comparison):
        for name in module.__all__:
            fn = getattr(ops, name)
            assert fn is getattr(module, name)
            assert "Example:" in (fn.__doc__ or ""), name
    assert math.isclose(float(ops.deg2rad(180.0)), math.pi, rel_tol=1e-6)


def test_ops_compose_with_vmap_and_grad(rng):
    a, b = randn(rng, 4, 3), randn(rng, 4, 3)
    batched = jax.vmap(lambda x, y: ops.hypot(ops.add(x, y, alpha=2), ops.clamp(y, min=0.0)))
    expected = torch.hypot(torch.add(tt(a), tt(b), alpha=2), torch.clamp(tt(b), min=0.0))
    assert_close(batched(jnp.asarray(a), jnp.asarray(b)), expected)
    # the integer zero-divisor check is skipped for batched (abstract) divisors
    out = jax.vmap(ops.floor_divide)(jnp.array([[4, 6]]), jnp.array([[2, 3]]))
    assert_close(out, np.array([[2, 2]], np.int32))
