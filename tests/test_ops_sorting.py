"""Sorting, selection and order statistics of rustorch_fx.ops, checked against torch 2.13 (CPU)."""

from __future__ import annotations

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
    ShapeError,
    TracingError,
)

NAN = float("nan")


def ties(rng: np.random.Generator, *shape: int, dtype=np.float32) -> np.ndarray:
    """Small integers (as ``dtype``): many ties."""
    return rng.integers(0, 4, size=shape).astype(dtype)


def with_nans(rng: np.random.Generator, *shape: int) -> np.ndarray:
    x = ties(rng, *shape)
    x[rng.random(shape) < 0.25] = np.nan
    return x


def run(fn, *args, jit: bool, **kwargs):
    """``fn(*args, **kwargs)`` eagerly or under ``jax.jit`` (array args traced)."""
    if jit:
        return jax.jit(lambda *a: fn(*a, **kwargs))(*args)
    return fn(*args, **kwargs)


def assert_indices_select(x: np.ndarray, values, indices, dim: int) -> None:
    """``indices`` point at elements equal to ``values`` (NaN matching NaN)."""
    values, indices = np.asarray(values), np.asarray(indices)
    if indices.ndim < np.ndim(x):
        values, indices = np.expand_dims(values, dim), np.expand_dims(indices, dim)
    np.testing.assert_array_equal(np.take_along_axis(np.asarray(x), indices, axis=dim), values)


# ----------------------------------------------------------------------------------------------
# sort, argsort, msort


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize(
    ("shape", "dim", "jit"), [((7,), 0, True), ((3, 6), -1, False), ((4, 3, 5), 1, False)]
)
@pytest.mark.parametrize("make", [ties, with_nans, randn])
def test_sort_matches_torch_stable(rng, make, shape, dim, descending, jit):
    x = make(rng, *shape)
    values, indices = run(ops.sort, jnp.asarray(x), jit=jit, dim=dim, descending=descending)
    expected = torch.sort(to_torch(x), dim=dim, descending=descending, stable=True)
    assert_close(values, expected.values, rtol=0, atol=0)
    assert_close(indices, expected.indices, rtol=0, atol=0)
    assert_close(ops.argsort(jnp.asarray(x), dim, descending, stable=True), expected.indices, 0, 0)


def test_sort_signed_zero_and_int_and_bool(rng):
    zeros = np.array([0.0, -0.0, 0.0, -0.0, 1.0, -1.0], np.float32)
    for desc in (False, True):
        ours = ops.sort(jnp.asarray(zeros), descending=desc)
        ref = torch.sort(to_torch(zeros), descending=desc, stable=True)
        assert_close(ours.indices, ref.indices)
    ints = rng.integers(-3, 3, size=(4, 6)).astype(np.int32)
    ours = ops.sort(jnp.asarray(ints), dim=0, descending=True)
    ref = torch.sort(to_torch(ints), dim=0, descending=True, stable=True)
    assert_close(ours.values, ref.values)
    assert_close(ours.indices, ref.indices)
    assert ours.indices.dtype == np.int32
    flags = rng.random(9) < 0.5
    ours = ops.sort(jnp.asarray(flags))
    ref = torch.sort(to_torch(flags), stable=True)
    assert_close(ours.values, ref.values)
    assert_close(ours.indices, ref.indices)


def test_sort_0d_and_empty():
    ours = ops.sort(jnp.asarray(3.0), dim=0)
    assert ours.values.shape == ()
    assert ours.indices.shape == ()
    assert float(ours.values) == 3.0
    assert int(ours.indices) == 0
    empty = np.zeros((2, 0), np.float32)
    ours = ops.sort(jnp.asarray(empty), dim=1)
    ref = torch.sort(to_torch(empty), dim=1)
    assert_close(ours.values, ref.values)
    assert_close(ours.indices, ref.indices)


def test_msort(rng):
    x = ties(rng, 5, 3)
    assert_close(ops.msort(jnp.asarray(x)), torch.msort(to_torch(x)))


def test_sort_grad(rng):
    x = randn(rng, 3, 5)
    w = randn(rng, 3, 5)
    ours = jax.grad(lambda a: jnp.sum(ops.sort(a, dim=1, descending=True).values * w))(
        jnp.asarray(x)
    )
    xt = to_torch(x, requires_grad=True)
    (torch.sort(xt, dim=1, descending=True).values * to_torch(w)).sum().backward()
    assert_close(ours, xt.grad)


def test_sort_errors():
    with pytest.raises(DTypeError, match="sort: sorting is not defined for complex"):
        ops.sort(jnp.array([1j]))
    with pytest.raises(IndexOutOfRangeError, match=r"sort: dimension out of range.*got 2"):
        ops.sort(jnp.zeros((2, 3)), dim=2)
    with pytest.raises(IndexOutOfRangeError, match="argsort"):
        ops.argsort(jnp.zeros(3), dim=-2)
    with pytest.raises(ArgumentTypeError, match="sort: argument 'input' must be an array"):
        ops.sort("abc")


# ----------------------------------------------------------------------------------------------
# topk


@pytest.mark.parametrize(("largest", "jit"), [(True, False), (False, True)])
@pytest.mark.parametrize(("shape", "dim", "k"), [((8,), 0, 3), ((3, 6), -1, 6), ((4, 5, 2), 1, 0)])
def test_topk_distinct_values_matches_torch(rng, shape, dim, k, largest, jit):
    x = randn(rng, *shape)
    ours = run(ops.topk, jnp.asarray(x), jit=jit, k=k, dim=dim, largest=largest)
    ref = torch.topk(to_torch(x), k, dim=dim, largest=largest)
    assert_close(ours.values, ref.values, rtol=0, atol=0)
    assert_close(ours.indices, ref.indices)


@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("make", [ties, with_nans])
def test_topk_ties_and_nans(rng, make, largest):
    # torch's CPU kernel leaves the order of tied indices unspecified (e.g. topk of
    # [1, 3, 3, 2, 3] gives indices [2, 4, 1]): compare values exactly and check that our
    # indices select the same values. Ours take tied elements in index order.
    x = make(rng, 4, 9)
    ours = ops.topk(jnp.asarray(x), 5, dim=1, largest=largest)
    ref = torch.topk(to_torch(x), 5, dim=1, largest=largest)
    assert_close(ours.values, ref.values, rtol=0, atol=0)
    assert_indices_select(x, ours.values, ours.indices, 1)
    expected = torch.sort(to_torch(x), dim=1, descending=largest, stable=True).indices[:, :5]
    assert_close(ours.indices, expected)


def test_topk_unsorted_and_0d(rng):
    x = randn(rng, 10)
    ours = ops.topk(jnp.asarray(x), 4, sorted=False)
    ref = torch.topk(to_torch(x), 4, sorted=False)
    np.testing.assert_array_equal(np.sort(np.asarray(ours.values)), np.sort(ref.values.numpy()))
    assert_indices_select(x, ours.values, ours.indices, 0)
    for k in (0, 1):
        ours = ops.topk(jnp.asarray(2.5), k)
        ref = torch.topk(torch.tensor(2.5), k)
        assert_close(ours.values, ref.values)
        assert_close(ours.indices, ref.indices)


def test_topk_grad(rng):
    x = randn(rng, 3, 6)
    w = randn(rng, 3, 2)
    ours = jax.grad(lambda a: jnp.sum(ops.topk(a, 2, dim=-1, largest=False).values * w))(
        jnp.asarray(x)
    )
    xt = to_torch(x, requires_grad=True)
    (torch.topk(xt, 2, dim=-1, largest=False).values * to_torch(w)).sum().backward()
    assert_close(ours, xt.grad)


def test_topk_errors():
    with pytest.raises(InvalidArgumentError, match=r"topk: selected index k out of range.*\(5\)"):
        ops.topk(jnp.zeros((2, 3)), 5, dim=1)
    with pytest.raises(RuntimeError, match="k out of range"):
        ops.topk(jnp.zeros(3), -1)
    with pytest.raises(ArgumentTypeError, match="topk: argument 'k' must be an int"):
        ops.topk(jnp.zeros(3), 1.0)
    with pytest.raises(IndexOutOfRangeError, match="topk"):
        ops.topk(jnp.zeros(3), 1, dim=1)


# ----------------------------------------------------------------------------------------------
# kthvalue, median, nanmedian, mode


@pytest.mark.parametrize(("keepdim", "jit"), [(False, False), (True, True)])
@pytest.mark.parametrize(("shape", "dim", "k"), [((7,), 0, 1), ((3, 6), -1, 4), ((4, 5, 2), 1, 5)])
def test_kthvalue_matches_torch(rng, shape, dim, k, keepdim, jit):
    x = randn(rng, *shape)
    ours = run(ops.kthvalue, jnp.asarray(x), jit=jit, k=k, dim=dim, keepdim=keepdim)
    ref = torch.kthvalue(to_torch(x), k, dim=dim, keepdim=keepdim)
    assert_close(ours.values, ref.values, rtol=0, atol=0)
    assert_close(ours.indices, ref.indices)


def test_kthvalue_ties_nans_0d_empty(rng):
    # Tied indices: torch does not specify which occurrence; check ours selects the value.
    x = with_nans(rng, 5, 8)
    for k in (1, 4, 8):
        ours = ops.kthvalue(jnp.asarray(x), k, dim=1, keepdim=True)
        ref = torch.kthvalue(to_torch(x), k, dim=1, keepdim=True)
        assert_close(ours.values, ref.values, rtol=0, atol=0)
        assert_indices_select(x, ours.values, ours.indices, 1)
    ours = ops.kthvalue(jnp.asarray(2.0), 1, keepdim=True)
    assert ours.values.shape == ()
    assert float(ours.values) == 2.0
    assert int(ours.indices) == 0
    empty = np.zeros((3, 0), np.float32)
    ours = ops.kthvalue(jnp.asarray(empty), 1, dim=0)
    ref = torch.kthvalue(to_torch(empty), 1, dim=0)
    assert_close(ours.values, ref.values)
    assert_close(ours.indices, ref.indices)


def test_kthvalue_grad(rng):
    x = randn(rng, 4, 5)
    ours = jax.grad(lambda a: jnp.sum(ops.kthvalue(a, 3, dim=0).values ** 2))(jnp.asarray(x))
    xt = to_torch(x, requires_grad=True)
    (torch.kthvalue(xt, 3, dim=0).values ** 2).sum().backward()
    assert_close(ours, xt.grad)


def test_kthvalue_errors():
    with pytest.raises(InvalidArgumentError, match=r"kthvalue: selected number k out of range"):
        ops.kthvalue(jnp.zeros(3), 4)
    with pytest.raises(InvalidArgumentError, match=r"k \(0\) must be in \[1, 3\]"):
        ops.kthvalue(jnp.zeros(3), 0)
    with pytest.raises(ArgumentTypeError, match="kthvalue: argument 'k'"):
        ops.kthvalue(jnp.zeros(3), True)


@pytest.mark.parametrize("op", ["median", "nanmedian"])
@pytest.mark.parametrize("make", [randn, with_nans])
@pytest.mark.parametrize(
    ("shape", "dim", "keepdim", "jit"),
    [((7,), 0, False, False), ((6, 4), 0, True, True), ((3, 4, 5), -1, False, False)],
)
def test_median_with_dim(rng, op, make, shape, dim, keepdim, jit):
    x = make(rng, *shape)
    ours = run(getattr(ops, op), jnp.asarray(x), jit=jit, dim=dim, keepdim=keepdim)
    ref = getattr(torch, op)(to_torch(x), dim=dim, keepdim=keepdim)
    assert_close(ours.values, ref.values, rtol=0, atol=0)
    # Indices of tied medians are unspecified in torch; NaN medians point at the first NaN.
    assert_indices_select(x, ours.values, ours.indices, dim)
    if make is randn:
        assert_close(ours.indices, ref.indices)


@pytest.mark.parametrize("op", ["median", "nanmedian"])
def test_median_all_and_special_cases(rng, op):
    fn, ref_fn = getattr(ops, op), getattr(torch, op)
    for x in (randn(rng, 4, 5), with_nans(rng, 3, 3), np.full(4, np.nan, np.float32)):
        assert_close(run(fn, jnp.asarray(x), jit=True), ref_fn(to_torch(x)), rtol=0, atol=0)
    ints = rng.integers(0, 9, size=(3, 4)).astype(np.int32)
    assert_close(fn(jnp.asarray(ints)), ref_fn(to_torch(ints)))
    ours = fn(jnp.asarray(ints), dim=1)
    assert_close(ours.values, ref_fn(to_torch(ints), dim=1).values)
    assert ours.indices.dtype == np.int32
    empty = np.zeros(0, np.float32)
    assert_close(fn(jnp.asarray(empty)), ref_fn(to_torch(empty)))
    assert fn(jnp.zeros(0, jnp.int32)).dtype == np.float32
    ours = fn(jnp.asarray(4.0), dim=0)
    assert ours.values.shape == ()
    assert float(ours.values) == 4.0
    assert int(ours.indices) == 0
    all_nan = np.array([[NAN, NAN], [1.0, NAN]], np.float32)
    ours = fn(jnp.asarray(all_nan), dim=1)
    ref = ref_fn(to_torch(all_nan), dim=1)
    assert_close(ours.values, ref.values)
    assert_close(ours.indices, ref.indices)
    empty_rows = np.zeros((2, 0), np.float32)
    ours = fn(jnp.asarray(empty_rows), dim=0)
    assert_close(ours.values, ref_fn(to_torch(empty_rows), dim=0).values)


def test_median_grad(rng):
    x = randn(rng, 5, 4)
    ours = jax.grad(lambda a: jnp.sum(ops.median(a, dim=0).values * 3.0) + ops.median(a))(
        jnp.asarray(x)
    )
    xt = to_torch(x, requires_grad=True)
    ((torch.median(xt, dim=0).values * 3.0).sum() + torch.median(xt)).backward()
    assert_close(ours, xt.grad)


@pytest.mark.parametrize("op", ["median", "nanmedian"])
def test_median_errors(op):
    fn = getattr(ops, op)
    with pytest.raises(IndexOutOfRangeError, match=f"{op}: expected reduction dim 1 to have non"):
        fn(jnp.zeros((2, 0)), dim=1)
    with pytest.raises(InvalidArgumentError, match=f"{op}: keepdim=True needs a dim"):
        fn(jnp.zeros(3), keepdim=True)
    with pytest.raises(IndexOutOfRangeError, match=f"{op}: dimension out of range"):
        fn(jnp.zeros(3), dim=3)


@pytest.mark.parametrize(("keepdim", "jit"), [(False, False), (True, True)])
@pytest.mark.parametrize(("shape", "dim"), [((9,), 0), ((4, 10), -1), ((8, 3, 2), 0)])
def test_mode_matches_torch(rng, shape, dim, keepdim, jit):
    x = rng.integers(0, 4, size=shape).astype(np.int32)
    ours = run(ops.mode, jnp.asarray(x), jit=jit, dim=dim, keepdim=keepdim)
    ref = torch.mode(to_torch(x), dim=dim, keepdim=keepdim)
    assert_close(ours.values, ref.values)
    assert_close(ours.indices, ref.indices)


def test_mode_floats_nans_0d_empty(rng):
    x = ties(rng, 5, 7) / 2
    ours = ops.mode(jnp.asarray(x))
    ref = torch.mode(to_torch(x))
    assert_close(ours.values, ref.values)
    assert_close(ours.indices, ref.indices)
    # NaNs count as equal (torch agrees on these values; its index among NaNs differs). With
    # NaNs torch's CPU kernel sorts with an order NaN breaks, so its mode of [nan, 3, 0.5] is
    # nan: that row is not compared with torch.
    nans = np.array([[NAN, NAN, 1.0], [2.0, NAN, 2.0], [NAN, 3.0, 0.5]], np.float32)
    ours = ops.mode(jnp.asarray(nans))
    assert_close(ours.values[:2], torch.mode(to_torch(nans[:2])).values)
    assert ours.values.tolist()[1:] == [2.0, 0.5]
    assert ours.indices.tolist() == [1, 2, 2]
    ours = ops.mode(jnp.asarray(7), keepdim=True)
    assert ours.values.shape == ()
    assert int(ours.values) == 7
    assert int(ours.indices) == 0
    empty = np.zeros((0, 3), np.float32)
    ours = ops.mode(jnp.asarray(empty), dim=1)
    assert ours.values.shape == (0,)
    assert ours.indices.shape == (0,)
    with pytest.raises(IndexOutOfRangeError, match="mode: expected reduction dim 0"):
        ops.mode(jnp.zeros((0, 3)), dim=0)


# ----------------------------------------------------------------------------------------------
# quantile, nanquantile

INTERPOLATIONS = ["linear", "lower", "higher", "midpoint", "nearest"]


@pytest.mark.parametrize("op", ["quantile", "nanquantile"])
@pytest.mark.parametrize("interpolation", INTERPOLATIONS)
@pytest.mark.parametrize(
    ("shape", "dim", "keepdim"), [((3, 5), None, True), ((2, 7, 3), -2, False)]
)
def test_quantile_matches_torch(rng, op, interpolation, shape, dim, keepdim):
    x = randn(rng, *shape)
    if op == "nanquantile":
        x[rng.random(shape) < 0.3] = np.nan
    fn, ref_fn = getattr(ops, op), getattr(torch, op)
    # q values whose rank lands on .5 exactly (nearest rounds half to even) and in between.
    qs = np.array([0.0, 0.125, 0.25, 0.5, 0.6, 0.75, 1.0], np.float32)
    for q in (qs, 0.3) if shape == (3, 5) else (qs,):
        ours = fn(jnp.asarray(x), q, dim=dim, keepdim=keepdim, interpolation=interpolation)
        qt = to_torch(q) if isinstance(q, np.ndarray) else float(q)
        ref = ref_fn(to_torch(x), qt, dim=dim, keepdim=keepdim, interpolation=interpolation)
        # Selections are exact; torch's vectorized lerp uses a fused multiply-add, which XLA
        # need not, so interpolated values may differ in the last bit (default tolerance).
        exact = interpolation in ("lower", "higher", "nearest")
        assert_close(ours, ref, rtol=0 if exact else 1e-5, atol=0 if exact else 1e-6)


@pytest.mark.parametrize("interpolation", INTERPOLATIONS)
def test_quantile_jit_and_nan(rng, interpolation):
    x = randn(rng, 4, 8)
    x[1, 3] = np.nan
    x[2, :] = np.nan
    q = np.array([0.1, 0.5, 0.9], np.float32)
    for op in ("quantile", "nanquantile"):
        fn, ref_fn = getattr(ops, op), getattr(torch, op)
        ours = run(fn, jnp.asarray(x), jnp.asarray(q), jit=True, dim=1, interpolation=interpolation)
        ref = ref_fn(to_torch(x), to_torch(q), dim=1, interpolation=interpolation)
        assert_close(ours, ref)  # last-bit differences: see test_quantile_matches_torch


def test_quantile_nearest_rounds_half_to_even():
    x = jnp.arange(5, dtype=jnp.float32)  # ranks q * 4
    ours = ops.quantile(x, jnp.array([0.125, 0.375, 0.625, 0.875]), interpolation="nearest")
    assert ours.tolist() == [0.0, 2.0, 2.0, 4.0]
    ref = torch.quantile(
        torch.arange(5.0), torch.tensor([0.125, 0.375, 0.625, 0.875]), interpolation="nearest"
    )
    assert_close(ours, ref)


def test_quantile_0d_and_q_shapes():
    x = jnp.asarray(3.0)
    assert_close(
        ops.quantile(x, 0.5, dim=0, keepdim=True),
        torch.quantile(torch.tensor(3.0), 0.5, dim=0, keepdim=True),
    )
    assert_close(ops.quantile(x, 0.5), torch.quantile(torch.tensor(3.0), 0.5))
    ours = ops.quantile(jnp.ones((2, 3)), jnp.asarray(0.5), dim=0)
    assert ours.shape == (3,)
    ours = ops.quantile(jnp.ones((2, 3)), jnp.array([0.5]), dim=0, keepdim=True)
    assert ours.shape == (1, 1, 3)


def test_quantile_traced_q_out_of_range_gives_nan():
    out = jax.jit(lambda q: ops.quantile(jnp.arange(4.0), q))(jnp.array([0.5, 1.5, -0.1, NAN]))
    assert np.isnan(np.asarray(out)[1:]).all()
    assert float(out[0]) == 1.5


@pytest.mark.parametrize("interpolation", INTERPOLATIONS)
def test_quantile_grad(rng, interpolation):
    x = randn(rng, 3, 7)
    q = np.array([0.2, 0.5, 0.95], np.float32)
    w = randn(rng, 3, 3)

    def loss(a):
        return jnp.sum(ops.quantile(a, jnp.asarray(q), dim=1, interpolation=interpolation) * w)

    ours = jax.grad(loss)(jnp.asarray(x))
    xt = to_torch(x, requires_grad=True)
    out = torch.quantile(xt, to_torch(q), dim=1, interpolation=interpolation)
    (out * to_torch(w)).sum().backward()
    assert_close(ours, xt.grad)


@pytest.mark.parametrize("op", ["quantile", "nanquantile"])
def test_quantile_errors(op):
    fn = getattr(ops, op)
    with pytest.raises(
        DTypeError, match=f"{op}: input must have a floating point dtype, got int32"
    ):
        fn(jnp.array([1, 2], jnp.int32), 0.5)
    with pytest.raises(InvalidArgumentError, match=r"q must be in the range \[0, 1\] but got 1.5"):
        fn(jnp.ones(3), 1.5)
    with pytest.raises(InvalidArgumentError, match="but got nan"):
        fn(jnp.ones(3), jnp.array([0.5, NAN]))
    with pytest.raises(InvalidArgumentError, match="but got -0.5"):
        fn(jnp.ones(3), -0.5)
    with pytest.raises(InvalidArgumentError, match="interpolation must be one of.*'foo'"):
        fn(jnp.ones(3), 0.5, interpolation="foo")
    with pytest.raises(ShapeError, match=f"{op}: input must be non-empty"):
        fn(jnp.zeros((2, 0)), 0.5, dim=0)
    with pytest.raises(ShapeError, match="q must be a scalar or 1-D array, got shape"):
        fn(jnp.ones(3), jnp.full((1, 1), 0.5))
    with pytest.raises(DTypeError, match="q must be real"):
        fn(jnp.ones(3), jnp.array([0.5j]))
    with pytest.raises(ArgumentTypeError, match="q must be a float or an array, got bool"):
        fn(jnp.ones(3), True)
    with pytest.raises(IndexOutOfRangeError, match=f"{op}: dimension out of range"):
        fn(jnp.ones(3), 0.5, dim=1)


# ----------------------------------------------------------------------------------------------
# unique, unique_consecutive


def _torch_tuple(result):
    return result if isinstance(result, tuple) else (result,)


@pytest.mark.parametrize("op", ["unique", "unique_consecutive"])
@pytest.mark.parametrize(
    ("shape", "dim", "flags"),
    [
        ((3, 4), None, (True, True)),
        ((9,), None, (False, False)),
        ((6, 2), 0, (False, True)),
        ((2, 7), 1, (True, False)),
        ((5, 2, 2), -3, (True, True)),
    ],
)
def test_unique_matches_torch(rng, op, flags, shape, dim):
    x = rng.integers(0, 2, size=shape).astype(np.float32)
    if op == "unique_consecutive" and dim is not None:
        x = np.repeat(x, 2, axis=dim)
    ret_inv, ret_counts = flags
    ours = getattr(ops, op)(
        jnp.asarray(x), return_inverse=ret_inv, return_counts=ret_counts, dim=dim
    )
    ref = getattr(torch, op)(to_torch(x), return_inverse=ret_inv, return_counts=ret_counts, dim=dim)
    assert len(_torch_tuple(ours)) == len(_torch_tuple(ref))
    for a, b in zip(_torch_tuple(ours), _torch_tuple(ref), strict=True):
        assert_close(a, b)


@pytest.mark.parametrize("op", ["unique", "unique_consecutive"])
def test_unique_nans_0d_empty(rng, op):
    fn, ref_fn = getattr(ops, op), getattr(torch, op)
    cases = [
        np.array([3.0, NAN, 1.0, NAN, NAN, 1.0, 3.0], np.float32),
        np.asarray(2.0, np.float32),
        np.zeros(0, np.float32),
        np.zeros((0, 2), np.float32),
    ]
    for x in cases:
        dim = 0 if x.ndim == 2 else None
        ours = fn(jnp.asarray(x), return_inverse=True, return_counts=True, dim=dim)
        ref = ref_fn(to_torch(x), return_inverse=True, return_counts=True, dim=dim)
        for a, b in zip(ours, ref, strict=True):
            assert_close(a, b)
    assert ops.unique(jnp.array([3, 1]), sorted=False).tolist() == [1, 3]


@pytest.mark.parametrize("op", ["unique", "unique_consecutive"])
def test_unique_jit_with_size(op):
    fn = getattr(ops, op)
    x = jnp.array([4, 4, 1, 1, 1, 2, 4], jnp.int32)

    @jax.jit
    def padded(a):
        return fn(a, return_inverse=True, return_counts=True, size=5, fill_value=-1)

    values, inverse, counts = padded(x)
    eager_values, eager_inverse, eager_counts = fn(x, return_inverse=True, return_counts=True)
    u = eager_values.shape[0]
    assert values.tolist() == [*eager_values.tolist(), *([-1] * (5 - u))]
    assert counts.tolist() == [*eager_counts.tolist(), *([0] * (5 - u))]
    assert inverse.tolist() == eager_inverse.tolist()
    values, counts = jax.jit(lambda a: fn(a, return_counts=True, size=2))(x)
    assert values.tolist() == eager_values.tolist()[:2]
    assert counts.tolist() == eager_counts.tolist()[:2]
    default_fill = fn(x, size=6)
    assert default_fill.tolist()[u:] == [eager_values.tolist()[0]] * (6 - u)
    rows = jnp.array([[1, 2], [0, 3], [1, 2]])
    out = jax.jit(lambda a: fn(a, dim=0, size=4, fill_value=9))(rows)
    assert out.tolist()[-1] == [9, 9]
    assert fn(jnp.zeros(0), size=2, fill_value=5.0).tolist() == [5.0, 5.0]
    assert fn(jnp.zeros(0, jnp.int32), size=1).tolist() == [0]


@pytest.mark.parametrize("op", ["unique", "unique_consecutive"])
def test_unique_errors(op):
    fn = getattr(ops, op)
    with pytest.raises(
        TracingError, match=f"{op}: the number of unique values depends on the data.*size="
    ):
        jax.jit(fn)(jnp.arange(3))
    with pytest.raises(IndexOutOfRangeError, match="dim 0 given for a 0-d input"):
        fn(jnp.asarray(1.0), dim=0)
    with pytest.raises(IndexOutOfRangeError, match=f"{op}: dimension out of range"):
        fn(jnp.zeros((2, 2)), dim=2)
    with pytest.raises(ShapeError, match="other than dim 0 have size 0"):
        fn(jnp.zeros((3, 0)), dim=0)
    with pytest.raises(InvalidArgumentError, match="size must be non-negative, got -1"):
        fn(jnp.zeros(3), size=-1)
    with pytest.raises(ArgumentTypeError, match="argument 'size' must be an int"):
        fn(jnp.zeros(3), size=2.0)


def test_unique_complex_rejected_but_consecutive_accepts():
    with pytest.raises(DTypeError, match="unique: sorting is not defined for complex"):
        ops.unique(jnp.array([1j, 1j]))
    assert ops.unique_consecutive(jnp.array([1j, 1j, 2.0])).tolist() == [1j, 2 + 0j]


# ----------------------------------------------------------------------------------------------
# bincount


@pytest.mark.parametrize(("minlength", "jit"), [(0, False), (12, True)])
@pytest.mark.parametrize("weighted", [None, np.float32, np.int32])
def test_bincount_matches_torch(rng, weighted, minlength, jit):
    x = rng.integers(0, 8, size=15).astype(np.int32)
    w = None if weighted is None else rng.integers(-3, 4, size=15).astype(weighted)
    ref = torch.bincount(to_torch(x), None if w is None else to_torch(w), minlength=minlength)
    args = (jnp.asarray(x),) if w is None else (jnp.asarray(x), jnp.asarray(w))
    length = ref.shape[0] if jit else None
    ours = run(ops.bincount, *args, jit=jit, minlength=minlength, length=length)
    # Integer weights: torch gives float64; ours float32 in both JAX modes.
    assert_close(ours, ref, check_dtype=weighted is not np.int32)
    expected = np.float32 if weighted is not None else np.int32
    assert ours.dtype == expected


def test_bincount_empty_and_length():
    empty = np.zeros(0, np.int32)
    assert_close(
        ops.bincount(jnp.asarray(empty), minlength=3), torch.bincount(to_torch(empty), minlength=3)
    )
    assert ops.bincount(jnp.array([1, 2]), length=5).tolist() == [0, 1, 1, 0, 0]
    traced = jax.jit(lambda a: ops.bincount(a, length=3))(jnp.array([-1, 0, 2, 3, 2]))
    assert traced.tolist() == [1, 0, 2]  # under jit, values outside [0, length) are ignored


def test_bincount_errors():
    with pytest.raises(
        InvalidArgumentError, match="bincount: input must be non-negative, got the value -1"
    ):
        ops.bincount(jnp.array([-1, 2]))
    with pytest.raises(ShapeError, match=r"bincount: input must be 1-D, got shape \(1, 1\)"):
        ops.bincount(jnp.array([[1]]))
    with pytest.raises(
        DTypeError, match="bincount: expected an integer dtype for 'input', got float32"
    ):
        ops.bincount(jnp.array([1.0]))
    with pytest.raises(DTypeError, match="got bool"):
        ops.bincount(jnp.array([True]))
    with pytest.raises(ShapeError, match="weights should be 1-D with the same length"):
        ops.bincount(jnp.array([1, 2]), jnp.array([1.0]))
    with pytest.raises(DTypeError, match="weights must be real"):
        ops.bincount(jnp.array([1]), jnp.array([1j]))
    with pytest.raises(InvalidArgumentError, match="minlength should be >= 0, got -1"):
        ops.bincount(jnp.array([1]), minlength=-1)
    with pytest.raises(
        InvalidArgumentError, match=r"length \(2\) must be at least minlength \(3\)"
    ):
        ops.bincount(jnp.array([1]), minlength=3, length=2)
    with pytest.raises(
        InvalidArgumentError, match="has the value 4, which needs more than length=3"
    ):
        ops.bincount(jnp.array([4]), length=3)
    with pytest.raises(TracingError, match="bincount: the number of bins depends on.*length="):
        jax.jit(ops.bincount)(jnp.array([1]))


# ----------------------------------------------------------------------------------------------
# searchsorted


@pytest.mark.parametrize(("right", "jit"), [(False, False), (True, True)])
@pytest.mark.parametrize(
    ("seq_shape", "val_shape"),
    [((8,), (2, 3)), ((3, 6), (3, 4)), ((2, 2, 5), (2, 2, 3))],
)
def test_searchsorted_matches_torch(rng, seq_shape, val_shape, right, jit):
    seq = np.sort(ties(rng, *seq_shape), axis=-1)
    vals = ties(rng, *val_shape) + rng.choice([0.0, 0.5], size=val_shape).astype(np.float32)
    ours = run(ops.searchsorted, jnp.asarray(seq), jnp.asarray(vals), jit=jit, right=right)
    ref = torch.searchsorted(to_torch(seq), to_torch(vals), right=right)
    assert_close(ours, ref)
    ours = ops.searchsorted(jnp.asarray(seq), jnp.asarray(vals), side="right" if right else "left")
    assert_close(ours, ref)


def test_searchsorted_sorter_scalars_nan_and_mixed_dtypes(rng):
    seq = randn(rng, 2, 6)
    sorter = np.argsort(seq, axis=-1, kind="stable").astype(np.int32)
    vals = randn(rng, 2, 3)
    ours = ops.searchsorted(jnp.asarray(seq), jnp.asarray(vals), sorter=jnp.asarray(sorter))
    ref = torch.searchsorted(to_torch(seq), to_torch(vals), sorter=to_torch(sorter).long())
    assert_close(ours, ref)
    base = np.array([1.0, 2.0, 2.0, 3.0], np.float32)
    for value in (2, 2.5, np.float32(0.0)):
        assert_close(
            ops.searchsorted(jnp.asarray(base), value), torch.searchsorted(to_torch(base), value)
        )
    special = np.array([NAN, 2.0, -0.0, 0.0, 9.0], np.float32)
    for right in (False, True):
        assert_close(
            ops.searchsorted(jnp.asarray(base), jnp.asarray(special), right=right),
            torch.searchsorted(to_torch(base), to_torch(special), right=right),
        )
    ints = np.array([1, 2, 3], np.int32)
    out = ops.searchsorted(jnp.asarray(ints), jnp.array([1.5, 2.0], np.float32), out_int32=True)
    assert_close(out, torch.searchsorted(to_torch(ints), torch.tensor([1.5, 2.0])))
    assert out.dtype == np.int32


def test_searchsorted_errors():
    seq = jnp.array([1.0, 2.0, 3.0])
    with pytest.raises(InvalidArgumentError, match="side and right can't be set to opposites"):
        ops.searchsorted(seq, jnp.array([2.0]), right=True, side="left")
    with pytest.raises(InvalidArgumentError, match="side must be 'left' or 'right', got 'middle'"):
        ops.searchsorted(seq, jnp.array([2.0]), side="middle")
    with pytest.raises(ShapeError, match="sorted_sequence should have at least 1 dimension"):
        ops.searchsorted(jnp.asarray(1.0), jnp.array([2.0]))
    with pytest.raises(ShapeError, match=r"first N-1 dimensions must match.*\(1, 2\)"):
        ops.searchsorted(jnp.ones((1, 2)), jnp.array([2.0]))
    with pytest.raises(IndexOutOfRangeError, match="searchsorted: sorter index 3 is out of bounds"):
        ops.searchsorted(seq, jnp.array([2.0]), sorter=jnp.array([0, 1, 3]))
    with pytest.raises(ShapeError, match="sorter must have the shape of sorted_sequence"):
        ops.searchsorted(seq, jnp.array([2.0]), sorter=jnp.array([0, 1]))
    with pytest.raises(DTypeError, match="expected an integer dtype for 'sorter'"):
        ops.searchsorted(seq, jnp.array([2.0]), sorter=jnp.array([0.0, 1.0, 2.0]))
    with pytest.raises(DTypeError, match="searchsorted: sorting is not defined for complex"):
        ops.searchsorted(seq, jnp.array([2j]))


# ----------------------------------------------------------------------------------------------
# histc


@pytest.mark.parametrize("jit", [False, True])
@pytest.mark.parametrize(
    ("bins", "low", "high"), [(10, 0.0, 0.0), (7, -1.0, 1.0), (1, -0.5, 2.0), (4, 1.0, 1.0)]
)
def test_histc_matches_torch(rng, bins, low, high, jit):
    x = randn(rng, 5, 6)
    x[0, 1] = 1.0
    if low != high:
        x[0, 0] = np.nan
    ours = run(ops.histc, jnp.asarray(x), jit=jit, bins=bins, min=low, max=high)
    assert_close(ours, torch.histc(to_torch(x), bins=bins, min=low, max=high))


def test_histc_edges_and_errors():
    x = np.array([0.0, 0.1, 0.2, 0.3, 0.7, 1.0, NAN, 2.0], np.float32)
    assert_close(ops.histc(jnp.asarray(x), 10, 0, 1), torch.histc(to_torch(x), 10, 0, 1))
    same = np.array([1.0, 1.0], np.float32)
    assert_close(ops.histc(jnp.asarray(same), 4), torch.histc(to_torch(same), 4))
    empty = np.zeros(0, np.float32)
    assert_close(ops.histc(jnp.asarray(empty), 3), torch.histc(to_torch(empty), 3))
    with pytest.raises(
        DTypeError, match="histc: input must have a floating point dtype, got int32"
    ):
        ops.histc(jnp.array([1, 2], jnp.int32))
    with pytest.raises(InvalidArgumentError, match="histc: bins must be > 0, got 0"):
        ops.histc(jnp.ones(2), bins=0)
    with pytest.raises(InvalidArgumentError, match=r"histc: range of \[nan, nan\] is not finite"):
        ops.histc(jnp.array([1.0, NAN]), bins=3)
    traced = jax.jit(lambda a: ops.histc(a, bins=3))(jnp.array([1.0, NAN]))
    assert traced.tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(InvalidArgumentError, match="max must be larger than min"):
        ops.histc(jnp.ones(2), bins=3, min=2, max=1)


def test_dtypes_in_both_modes(rng, both_modes):
    # Same dtypes with JAX's 64-bit mode off and on: values keep the input dtype (64-bit input
    # only where the mode allows it), index outputs are int32 (torch: int64) in both modes.
    int_dtype = np.int64 if both_modes else np.int32
    float_dtype = np.float64 if both_modes else np.float32
    ints = rng.integers(0, 4, size=(3, 5)).astype(int_dtype)
    floats = randn(rng, 3, 5, dtype=float_dtype)
    xi, xf, ti, tf = jnp.asarray(ints), jnp.asarray(floats), to_torch(ints), to_torch(floats)
    pairs = [
        (ints, -1, ops.sort(xi, descending=True), torch.sort(ti, descending=True, stable=True)),
        (floats, -1, ops.topk(xf, 2), torch.topk(tf, 2)),
        (floats, 0, ops.kthvalue(xf, 2, dim=0), torch.kthvalue(tf, 2, dim=0)),
        (floats, 1, ops.median(xf, dim=1), torch.median(tf, dim=1)),
        (ints, 1, ops.mode(xi), torch.mode(ti)),
    ]
    for x, dim, ours, ref in pairs:
        assert_close(ours.values, ref.values)
        assert ours.indices.dtype == np.int32
        assert_indices_select(x, ours.values, ours.indices, dim)
    assert_close(ops.median(xi), torch.median(ti))
    for interpolation in ("linear", "nearest"):
        q = np.array([0.35, 0.5], float_dtype)
        ours = ops.quantile(xf, jnp.asarray(q), dim=1, interpolation=interpolation)
        assert_close(ours, torch.quantile(tf, to_torch(q), dim=1, interpolation=interpolation))
    values, inverse, counts = ops.unique(xi, return_inverse=True, return_counts=True)
    for a, b in zip(
        (values, inverse, counts),
        torch.unique(ti, return_inverse=True, return_counts=True),
        strict=True,
    ):
        assert_close(a, b)
    assert inverse.dtype == counts.dtype == np.int32
    assert_close(ops.bincount(xi.reshape(-1)), torch.bincount(ti.reshape(-1)))
    weights = randn(rng, 15, dtype=float_dtype)
    assert_close(
        ops.bincount(xi.reshape(-1), jnp.asarray(weights)),
        torch.bincount(ti.reshape(-1), to_torch(weights)),
    )
    seq = np.array([0, 1, 1, 3], int_dtype)
    out = ops.searchsorted(jnp.asarray(seq), xi)
    assert_close(out, torch.searchsorted(to_torch(seq), ti))
    assert out.dtype == np.int32


def test_public_names_exported():
    import rustorch_fx.ops._sorting as mod

    for name in mod.__all__:
        assert getattr(ops, name) is getattr(mod, name)
    assert ops.SortResult._fields == ("values", "indices")


def test_vmap_matches_batched_call(rng):
    x = randn(rng, 3, 6)
    batched = jax.vmap(lambda row: ops.quantile(row, 0.3))(jnp.asarray(x))
    assert_close(batched, ops.quantile(jnp.asarray(x), 0.3, dim=1))
    values, indices = jax.vmap(lambda row: ops.topk(row, 2))(jnp.asarray(x))
    ref = torch.topk(to_torch(x), 2, dim=1)
    assert_close(values, ref.values)
    assert_close(indices, ref.indices)
