"""rustorch_fx.ops indexing ops against torch: values, gradients, jit, dtypes, bad inputs."""

from __future__ import annotations

import warnings

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

JIT = pytest.mark.parametrize("jit", [False, True], ids=["eager", "jit"])
REDUCES = ["sum", "prod", "mean", "amax", "amin"]


def call(jit, fn, *arrays):
    """``fn(*arrays)``, eagerly or under ``jax.jit`` (arrays traced, everything else static)."""
    return jax.jit(fn)(*arrays) if jit else fn(*arrays)


def tlong(x):
    return to_torch(np.asarray(x)).long()


def grads(fn, args, weight):
    """Gradients of ``sum(fn(*args) * weight)`` w.r.t. every arg, with jax (jitted: one compile)."""
    loss = lambda *a: jnp.sum(fn(*a) * weight)  # noqa: E731
    return jax.jit(jax.grad(loss, argnums=tuple(range(len(args)))))(*args)


def torch_grads(fn, args, weight):
    ts = [to_torch(a, requires_grad=True) for a in args]
    (fn(*ts) * to_torch(weight)).sum().backward()
    return [t.grad for t in ts]


def small_ints(rng, *shape, low=-1, high=3):
    """Float32 values from a few integers, so that ties and zeros are frequent."""
    return rng.integers(low, high, shape).astype(np.float32)


# --------------------------------------------------------------------------- where


WHERE_SHAPES = [((3,), (3,), (3,)), ((2, 1), (1, 3), (3,)), ((), (2,), ()), ((0, 2), (2,), (1,))]


@JIT
@pytest.mark.parametrize(("sc", "sx", "sy"), WHERE_SHAPES)
def test_where_matches_torch(rng, jit, sc, sx, sy):
    c, x, y = rng.random(sc) > 0.5, randn(rng, *sx), randn(rng, *sy)
    out = call(jit, ops.where, c, x, y)
    assert_close(out, torch.where(to_torch(c), to_torch(x), to_torch(y)))


def test_where_grad_matches_torch(rng):
    c, x, y = rng.random((2, 3)) > 0.5, randn(rng, 2, 3), randn(rng, 3)
    w = randn(rng, 2, 3)
    ours = grads(lambda a, b: ops.where(c, a, b), (x, y), w)
    theirs = torch_grads(lambda a, b: torch.where(to_torch(c), a, b), (x, y), w)
    for g, t in zip(ours, theirs, strict=True):
        assert_close(g, t)


@pytest.mark.parametrize(
    ("x", "y"),
    [
        (np.arange(3, dtype=np.int32), 0.5),
        (np.ones(3, np.float16), np.float32(1.0)),
        (1, 0),
        (1.0, 0),
        (True, np.arange(3, dtype=np.int8)),
    ],
)
def test_where_promotes_like_torch(both_modes, x, y):
    c = np.array([True, False, True])
    jy = jnp.asarray(y) if isinstance(y, np.ndarray | np.generic) else y
    out = ops.where(c, x, jy)
    tx = to_torch(x) if isinstance(x, np.ndarray) else x
    ty = to_torch(y) if isinstance(y, np.ndarray | np.generic) else y
    expected = torch.where(to_torch(c), tx, ty)
    assert_close(out, expected)


def test_where_float64_in_x64_mode():
    with jax.enable_x64(True):
        x, y = np.ones(3, np.float32), np.arange(3, dtype=np.float64)
        out = ops.where(np.array([True, False, True]), x, jnp.asarray(y))
        assert_close(out, torch.where(torch.tensor([True, False, True]), to_torch(x), to_torch(y)))


def test_where_condition_alone_is_nonzero(rng):
    x = rng.integers(0, 3, (3, 4)).astype(np.float32)
    ours = ops.where(x)
    theirs = torch.where(to_torch(x))
    assert len(ours) == len(theirs) == 2
    for a, b in zip(ours, theirs, strict=True):
        assert_close(a, b)
    assert_close(ops.where(np.array(True))[0], torch.where(torch.tensor(True))[0])


def test_where_bad_inputs():
    c = np.array([True, False])
    with pytest.raises(DTypeError, match="where: expected a bool dtype for 'condition', got uint8"):
        ops.where(c.astype(np.uint8), 1.0, 0.0)
    with pytest.raises(
        ArgumentTypeError, match="where: expected both 'input' and 'other'.*'other'"
    ):
        ops.where(c, 1.0)
    with pytest.raises(ArgumentTypeError, match="got no 'input'"):
        ops.where(c, other=1.0)
    with pytest.raises(ShapeError, match=r"where: shapes cannot be broadcast.*input \(3,\)"):
        ops.where(c, np.ones(3), 0.0)
    with pytest.raises(ArgumentTypeError, match="where: argument 'input' must be an array"):
        ops.where(c, "a", 0.0)
    with pytest.raises(TracingError, match="nonzero: the output size depends"):
        jax.jit(ops.where)(c)


# --------------------------------------------------------------------------- nonzero


NONZERO_INPUTS = [
    np.array([[0, 1, 0], [2, 0, 3]], np.int32),
    np.array([0.0, -1.5, 0.0, 2.0], np.float32),
    np.array([[True, False], [False, False]]),
    np.array(5, np.int32),
    np.array(0.0, np.float32),
    np.zeros((2, 0), np.float32),
    np.zeros((3, 2), np.int32),
]


@pytest.mark.parametrize("x", NONZERO_INPUTS, ids=lambda x: f"{x.dtype}{x.shape}")
def test_nonzero_matches_torch(x):
    assert_close(ops.nonzero(x), torch.nonzero(to_torch(x)))
    ours, theirs = ops.nonzero(x, as_tuple=True), torch.nonzero(to_torch(x), as_tuple=True)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        assert_close(a, b)


@pytest.mark.parametrize("size", [2, 6])
@pytest.mark.parametrize("x", NONZERO_INPUTS[::2], ids=lambda x: f"{x.dtype}{x.shape}")
def test_nonzero_size_under_jit_truncates_and_pads(x, size):
    full = torch.nonzero(to_torch(x)).numpy()
    expected = np.full((size, x.ndim), -1, np.int32)
    n = min(size, full.shape[0])
    expected[:n] = full[:n]
    out = jax.jit(lambda a: ops.nonzero(a, size=size, fill_value=-1))(x)
    assert_close(out, expected)
    cols = jax.jit(lambda a: ops.nonzero(a, as_tuple=True, size=size, fill_value=-1))(x)
    assert len(cols) == max(x.ndim, 1)
    if x.ndim:
        for k, col in enumerate(cols):
            assert_close(col, expected[:, k])


def test_nonzero_fill_value_per_dimension():
    x = np.array([[0, 1], [1, 0]], np.int32)
    out = jax.jit(lambda a: ops.nonzero(a, size=3, fill_value=(-1, -2)))(x)
    assert_close(out, np.array([[0, 1], [1, 0], [-1, -2]], np.int32))
    cols = ops.nonzero(x, as_tuple=True, size=3, fill_value=[7, 8])
    assert_close(cols[1], np.array([1, 0, 8], np.int32))
    with pytest.raises(
        InvalidArgumentError,
        match=r"nonzero: fill_value must be an int or one int per dimension \(2\), got 3 values",
    ):
        ops.nonzero(x, size=3, fill_value=(1, 2, 3))


def test_nonzero_index_dtype_is_int32_in_both_modes(both_modes):
    x = jnp.asarray(np.array([0, 3, 4]))
    assert ops.nonzero(x).dtype == jnp.int32
    assert ops.nonzero(x, size=2)[0].dtype == jnp.int32
    assert ops.nonzero(x, as_tuple=True)[0].dtype == jnp.int32


def test_nonzero_bad_inputs():
    with pytest.raises(TracingError, match="nonzero: .*pass size="):
        jax.jit(ops.nonzero)(np.ones(3))
    with pytest.raises(InvalidArgumentError, match="nonzero: size must be non-negative, got -1"):
        ops.nonzero(np.ones(3), size=-1)
    with pytest.raises(ArgumentTypeError, match="nonzero: argument 'size' must be an int"):
        ops.nonzero(np.ones(3), size=2.0)
    with pytest.raises(ArgumentTypeError, match="nonzero: argument 'input' must be an array"):
        ops.nonzero(None)


# --------------------------------------------------------------------------- masked_select


MASKED_SHAPES = [((2, 3), (2, 3)), ((3,), (2, 1)), ((), ()), ((2, 3), ()), ((0, 3), (3,))]


@pytest.mark.parametrize(("sx", "sm"), MASKED_SHAPES)
def test_masked_select_matches_torch(rng, sx, sm):
    x, m = randn(rng, *sx), rng.random(sm) > 0.4
    expected = torch.masked_select(to_torch(x), to_torch(m))
    assert_close(ops.masked_select(x, m), expected)
    # a concrete mask gives the exact size even when input is traced
    assert_close(jax.jit(lambda a: ops.masked_select(a, m))(x), expected)


@pytest.mark.parametrize("size", [1, 9])
@pytest.mark.parametrize(("sx", "sm"), MASKED_SHAPES)
def test_masked_select_size_under_jit(rng, sx, sm, size):
    x, m = randn(rng, *sx), rng.random(sm) > 0.4
    full = torch.masked_select(to_torch(x), to_torch(m)).numpy()
    expected = np.full(size, 7.5, np.float32)
    n = min(size, full.size)
    expected[:n] = full[:n]
    out = jax.jit(lambda a, b: ops.masked_select(a, b, size=size, fill_value=7.5))(x, m)
    assert_close(out, expected)


def test_masked_select_int_fill_value_takes_input_dtype(both_modes):
    x = np.array([1, 2, 3], np.int32)
    out = ops.masked_select(x, np.array([True, False, False]), size=3)
    assert_close(out, np.array([1, 0, 0], np.int32))


def test_masked_select_grad_matches_torch(rng):
    x, m, w = randn(rng, 2, 3), rng.random((1, 3)) > 0.5, None
    w = randn(rng, int(np.broadcast_to(m, (2, 3)).sum()))
    (ours,) = grads(lambda a: ops.masked_select(a, m), (x,), w)
    (theirs,) = torch_grads(lambda a: torch.masked_select(a, to_torch(m)), (x,), w)
    assert_close(ours, theirs)
    w_pad = np.concatenate([w, randn(rng, 2)])
    (padded,) = grads(lambda a: ops.masked_select(a, m, size=w_pad.size), (x,), w_pad)
    assert_close(padded, theirs)


def test_masked_select_bad_inputs():
    x = np.ones((2, 3), np.float32)
    with pytest.raises(
        DTypeError, match="masked_select: expected a bool dtype for 'mask', got uint8"
    ):
        ops.masked_select(x, np.ones(3, np.uint8))
    with pytest.raises(ShapeError, match=r"masked_select: shapes cannot be broadcast.*mask \(2,\)"):
        ops.masked_select(x, np.ones(2, bool))
    with pytest.raises(TracingError, match="masked_select: .*'mask'.*pass size="):
        jax.jit(ops.masked_select)(x, np.ones(3, bool))
    with pytest.raises(InvalidArgumentError, match="size must be non-negative"):
        ops.masked_select(x, np.ones(3, bool), size=-2)


# --------------------------------------------------------------------------- masked_fill


@JIT
@pytest.mark.parametrize(
    ("x", "mask_shape", "value"),
    [
        (np.arange(6, dtype=np.float32).reshape(2, 3), (2, 3), -1.5),
        (np.arange(6, dtype=np.float32).reshape(2, 3), (3,), np.float32(2.0)),
        (np.arange(3, dtype=np.float32), (2, 3), 4.0),
        (np.arange(6, dtype=np.int32).reshape(2, 3), (1, 3), 1.5),
        (np.arange(6, dtype=np.int32).reshape(2, 3), (1, 3), -2.7),
        (np.array([True, False, True]), (3,), 2),
        (np.array(3.0, np.float32), (), 1.0),
        (np.zeros((0, 3), np.float32), (3,), 1.0),
    ],
)
def test_masked_fill_matches_torch(rng, jit, x, mask_shape, value):
    m = rng.random(mask_shape) > 0.5
    out = call(jit, lambda a, b: ops.masked_fill(a, b, value), x, m)
    tv = to_torch(value) if isinstance(value, np.generic) else value
    assert_close(out, torch.masked_fill(to_torch(x), to_torch(m), tv))


def test_masked_fill_zero_dim_value_keeps_input_dtype(both_modes):
    x, m = np.ones(3, np.float32), np.array([True, False, True])
    out = ops.masked_fill(x, m, jnp.asarray(2, dtype=jnp.int32))
    assert_close(out, torch.masked_fill(to_torch(x), to_torch(m), torch.tensor(2)))


def test_masked_fill_grad_matches_torch(rng):
    x, m, v, w = randn(rng, 2, 3), rng.random((3,)) > 0.5, np.float32(0.7), randn(rng, 2, 3)
    ours = grads(lambda a, b: ops.masked_fill(a, m, b), (x, v), w)
    theirs = torch_grads(lambda a, b: torch.masked_fill(a, to_torch(m), b), (x, np.asarray(v)), w)
    for g, t in zip(ours, theirs, strict=True):
        assert_close(g, t)


def test_masked_fill_bad_inputs():
    x, m = np.ones(3, np.float32), np.array([True, False, True])
    with pytest.raises(
        DTypeError, match="masked_fill: expected a bool dtype for 'mask', got uint8"
    ):
        ops.masked_fill(x, m.astype(np.uint8), 1.0)
    with pytest.raises(ShapeError, match=r"masked_fill: expected a 0-dimensional value.*\(1,\)"):
        ops.masked_fill(x, m, np.ones(1, np.float32))
    with pytest.raises(InvalidArgumentError, match="value inf cannot be converted to int32"):
        ops.masked_fill(x.astype(np.int32), m, float("inf"))
    with pytest.raises(InvalidArgumentError, match="value 300 cannot be converted to int8"):
        ops.masked_fill(x.astype(np.int8), m, 300)
    with pytest.raises(DTypeError, match="cannot fill an array of dtype float32 with complex"):
        ops.masked_fill(x, m, 1j)
    with pytest.raises(ShapeError, match=r"masked_fill: shapes cannot be broadcast"):
        ops.masked_fill(x, np.ones(2, bool), 1.0)


# --------------------------------------------------------------------------- gather


GATHER_CASES = [
    # input shape, dim, index shape (index.shape[d] <= input.shape[d] apart from dim)
    ((3, 4), 0, (5, 4)),
    ((3, 4), 1, (2, 6)),
    ((3, 4), -1, (3, 2)),
    ((2, 3, 4), -2, (1, 5, 3)),
    ((), 0, ()),
    ((), -1, (3,)),
    ((4,), 0, ()),
    ((3, 4), 1, (0, 2)),
    ((0, 4), 1, (0, 2)),
]


@pytest.mark.parametrize(
    ("dtype", "jit"), [(np.float32, False), (np.float32, True), (np.int32, True)]
)
@pytest.mark.parametrize(("shape", "dim", "ishape"), GATHER_CASES)
def test_gather_matches_torch(rng, jit, dtype, shape, dim, ishape):
    x = (randn(rng, *shape) * 10).astype(dtype)
    size = max(len(shape) and shape[dim], 1)
    idx = rng.integers(0, size, ishape).astype(np.int32)
    out = call(jit, lambda a, i: ops.gather(a, dim, i), x, idx)
    assert_close(out, torch.gather(to_torch(x), dim, tlong(idx)))


@pytest.mark.parametrize(("shape", "dim", "ishape"), GATHER_CASES[:6])
def test_gather_grad_matches_torch_with_duplicates(rng, shape, dim, ishape):
    x = randn(rng, *shape)
    idx = rng.integers(0, max(len(shape) and shape[dim], 1), ishape).astype(np.int32)
    w = randn(rng, *ishape)
    (ours,) = grads(lambda a: ops.gather(a, dim, idx), (x,), w)
    (theirs,) = torch_grads(lambda a: torch.gather(a, dim, tlong(idx)), (x,), w)
    assert_close(ours, theirs)


@pytest.mark.parametrize("bad", [3, -1, 100])
def test_gather_out_of_range(bad):
    x, idx = np.arange(6, dtype=np.float32).reshape(2, 3), np.array([[0, bad]], np.int32)
    with pytest.raises(
        IndexOutOfRangeError,
        match=f"gather: index {bad} is out of bounds for dimension 1 with size 3",
    ):
        ops.gather(x, 1, idx)
    # under jit the index is unknown: the read gives NaN (int: the most negative value), never
    # a clamped or wrapped element
    out = jax.jit(lambda a, i: ops.gather(a, 1, i))(x, idx)
    assert_close(out, np.array([[0.0, np.nan]], np.float32))
    out = jax.jit(lambda a, i: ops.gather(a, 1, i))(x.astype(np.int32), idx)
    assert_close(out, np.array([[0, np.iinfo(np.int32).min]], np.int32))
    out = jax.jit(lambda a, i: ops.gather(a, 1, i))(x.astype(np.uint8), idx)
    assert_close(out, np.array([[0, 255]], np.uint8))


def test_gather_bool_input():
    x, idx = np.array([[True, False], [False, False]]), np.array([[1, 0]], np.int32)
    assert_close(ops.gather(x, 1, idx), torch.gather(to_torch(x), 1, tlong(idx)))
    # under jit an out-of-range read of a bool array gives True
    out = jax.jit(lambda a, i: ops.gather(a, 1, i))(x, np.array([[0, 2]], np.int32))
    assert_close(out, np.array([[True, True]]))


def test_gather_under_jit_from_empty_input_fills():
    fn = jax.jit(lambda a, i: ops.gather(a, 1, i))
    for dtype, fill in [(bool, True), (np.int32, np.iinfo(np.int32).min)]:
        out = fn(np.zeros((2, 0), dtype), np.zeros((2, 1), np.int32))
        assert_close(out, np.full((2, 1), fill, dtype))
    out = jax.jit(lambda a, i: ops.gather(a, 1, i))(
        np.zeros((2, 0), np.float32), np.zeros((2, 1), np.int32)
    )
    assert_close(out, np.full((2, 1), np.nan, np.float32))


def test_gather_index_dtypes(both_modes):
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    for dt in [np.int8, np.uint8, np.int16, np.int32, np.uint32] + (
        [np.int64] if both_modes else []
    ):
        idx = np.array([[2, 0]], dt)
        assert_close(ops.gather(x, 1, idx), torch.gather(to_torch(x), 1, tlong(idx)))


def test_gather_bad_inputs():
    x = np.zeros((2, 3), np.float32)
    with pytest.raises(
        ShapeError, match=r"gather: index must have the same number of dimensions as input, got 1"
    ):
        ops.gather(x, 0, np.zeros(2, np.int32))
    with pytest.raises(
        ShapeError,
        match=r"gather: index shape \(1, 5\) is larger than input shape \(2, 3\) at dimension 1",
    ):
        ops.gather(x, 0, np.zeros((1, 5), np.int32))
    with pytest.raises(
        DTypeError, match="gather: expected an integer dtype for 'index', got float32"
    ):
        ops.gather(x, 0, np.zeros((1, 2), np.float32))
    with pytest.raises(DTypeError, match="got bool"):
        ops.gather(x, 0, np.zeros((1, 2), bool))
    with pytest.raises(IndexOutOfRangeError, match="gather: dimension out of range"):
        ops.gather(x, 2, np.zeros((1, 2), np.int32))
    with pytest.raises(ArgumentTypeError, match="gather: argument 'dim' must be an int"):
        ops.gather(x, 0.0, np.zeros((1, 2), np.int32))


# --------------------------------------------------------------------------- scatter / scatter_add


SCATTER_CASES = [
    # input shape, dim, index shape, src shape
    ((4, 3), 0, (5, 3), (5, 3)),
    ((4, 3), 1, (4, 5), (4, 6)),
    ((2, 3, 4), -1, (2, 2, 6), (3, 3, 7)),
    ((5,), 0, (), ()),
    ((), 0, (1,), (2,)),
    ((), -1, (), ()),
    ((4, 3), 0, (0, 3), (1, 3)),
]


def _unique_index(rng, size, ishape, dim):
    """An index with no duplicates along ``dim`` (so plain scatter is deterministic)."""
    ishape = ishape or (1,)
    n = ishape[dim]
    assert n <= size
    perm = np.argsort(rng.random((*ishape[:dim], size, *ishape[dim + 1 :])), axis=dim)
    return np.take(perm, np.arange(n), axis=dim).astype(np.int32)


PLAIN_SCATTER_CASES = [
    ((4, 3), 0, (3, 3), (3, 3)),
    ((4, 3), 1, (3, 2), (4, 6)),
    ((2, 3, 4), -1, (2, 2, 3), (3, 3, 7)),
    ((5,), 0, (), ()),
    ((), 0, (1,), (1,)),
    ((), -1, (), ()),
    ((4, 3), 0, (0, 3), (1, 3)),
]


@JIT
@pytest.mark.parametrize(("shape", "dim", "ishape", "sshape"), PLAIN_SCATTER_CASES)
def test_scatter_src_matches_torch(rng, jit, shape, dim, ishape, sshape):
    x, src = randn(rng, *shape), randn(rng, *sshape)
    d = dim % max(len(shape), 1)
    size = shape[d] if shape else 1
    idx = _unique_index(rng, size, ishape, d).reshape(ishape)
    if 0 in ishape:
        idx = np.zeros(ishape, np.int32)
    out = call(jit, lambda a, i, s: ops.scatter(a, dim, i, s), x, idx, src)
    assert_close(out, torch.scatter(to_torch(x), dim, tlong(idx), to_torch(src)))
    # torch's backward only works for src shaped like index
    src = src[tuple(slice(0, n) for n in ishape)]
    w = randn(rng, *shape)
    ours = grads(lambda a, s: ops.scatter(a, dim, idx, s), (x, src), w)
    theirs = torch_grads(lambda a, s: torch.scatter(a, dim, tlong(idx), s), (x, src), w)
    for g, t in zip(ours, theirs, strict=True):
        assert_close(g, t)


@JIT
@pytest.mark.parametrize("value", [2.5, np.float32(-1.0), True])
def test_scatter_value_matches_torch(jit, value):
    x, idx = np.zeros((3, 2), np.float32), np.array([[2, 1], [1, 1]], np.int32)
    out = call(jit, lambda a, i: ops.scatter(a, 0, i, value=value), x, idx)
    tv = float(value)
    assert_close(out, torch.scatter(to_torch(x), 0, tlong(idx), tv))
    # a scalar src is a value, as in torch.scatter(input, dim, index, value)
    assert_close(ops.scatter(x, 0, idx, float(value)), out)


def test_scatter_value_into_int_truncates_like_torch():
    x, idx = np.zeros(3, np.int32), np.array([0], np.int32)
    assert_close(
        ops.scatter(x, 0, idx, 2.5),
        torch.scatter(torch.zeros(3, dtype=torch.int32), 0, tlong(idx), 2.5),
    )


@JIT
@pytest.mark.parametrize("reduce", ["add", "multiply"])
@pytest.mark.parametrize("dtype", [np.float32, np.int32])
def test_scatter_reduce_argument_with_duplicates(rng, jit, reduce, dtype):
    x, src = small_ints(rng, 3, 4).astype(dtype), small_ints(rng, 5, 4).astype(dtype)
    idx = rng.integers(0, 3, (5, 4)).astype(np.int32)
    out = call(jit, lambda a, i, s: ops.scatter(a, 0, i, s, reduce=reduce), x, idx, src)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch deprecates reduce= with a src tensor
        expected = torch.scatter(to_torch(x), 0, tlong(idx), to_torch(src), reduce=reduce)
    assert_close(out, expected)
    vout = call(jit, lambda a, i: ops.scatter(a, 0, i, value=3, reduce=reduce), x, idx)
    assert_close(vout, torch.scatter(to_torch(x), 0, tlong(idx), 3, reduce=reduce))


@pytest.mark.parametrize(("reduce", "torch_reduce"), [("add", "sum"), ("multiply", "prod")])
def test_scatter_reduce_argument_grad(rng, reduce, torch_reduce):
    # torch has no derivative for scatter(reduce=...); it is scatter_reduce's (include_self)
    x, src = small_ints(rng, 3, 4), small_ints(rng, 5, 4)
    idx, w = rng.integers(0, 3, (5, 4)).astype(np.int32), randn(rng, 3, 4)
    ours = grads(lambda a, s: ops.scatter(a, 0, idx, s, reduce=reduce), (x, src), w)
    theirs = torch_grads(
        lambda a, s: torch.scatter_reduce(a, 0, tlong(idx), s, torch_reduce), (x, src), w
    )
    for g, t in zip(ours, theirs, strict=True):
        assert_close(g, t)


@JIT
@pytest.mark.parametrize(("shape", "dim", "ishape", "sshape"), SCATTER_CASES)
def test_scatter_add_matches_torch_with_duplicates(rng, jit, shape, dim, ishape, sshape):
    x, src = randn(rng, *shape), randn(rng, *sshape)
    size = shape[dim] if shape else 1
    idx = rng.integers(0, size, ishape).astype(np.int32)
    out = call(jit, lambda a, i, s: ops.scatter_add(a, dim, i, s), x, idx, src)
    assert_close(out, torch.scatter_add(to_torch(x), dim, tlong(idx), to_torch(src)))
    src = src[tuple(slice(0, n) for n in ishape)]  # torch's backward needs src shaped like index
    w = randn(rng, *shape)
    ours = grads(lambda a, s: ops.scatter_add(a, dim, idx, s), (x, src), w)
    theirs = torch_grads(lambda a, s: torch.scatter_add(a, dim, tlong(idx), s), (x, src), w)
    for g, t in zip(ours, theirs, strict=True):
        assert_close(g, t)


@pytest.mark.parametrize("bad", [4, -1])
def test_scatter_out_of_range(bad):
    x, idx, src = (
        np.zeros(4, np.float32),
        np.array([1, bad], np.int32),
        np.array([1.0, 2.0], np.float32),
    )
    for fn in (
        lambda a, i, s: ops.scatter(a, 0, i, s),
        lambda a, i, s: ops.scatter(a, 0, i, value=2.0),
        lambda a, i, s: ops.scatter_add(a, 0, i, s),
        lambda a, i, s: ops.scatter_reduce(a, 0, i, s, "amax"),
    ):
        with pytest.raises(
            IndexOutOfRangeError, match=f"index {bad} is out of bounds for dimension 0 with size 4"
        ):
            fn(x, idx, src)
        # under jit an out-of-range write is dropped, never clamped or wrapped
        out = jax.jit(fn)(x, idx, src)
        assert_close(np.asarray(out)[[0, 2, 3]], np.zeros(3, np.float32))
        assert out[1] > 0


def test_scatter_bad_inputs():
    x, idx = np.zeros((2, 3), np.float32), np.zeros((1, 2), np.int32)
    with pytest.raises(
        DTypeError,
        match="scatter: expected src to have the same dtype as input \\(float32\\), got int32",
    ):
        ops.scatter(x, 0, idx, np.ones((1, 2), np.int32))
    with pytest.raises(
        ArgumentTypeError, match="scatter: expected exactly one of 'src' and 'value'"
    ):
        ops.scatter(x, 0, idx)
    with pytest.raises(ArgumentTypeError, match="exactly one"):
        ops.scatter(x, 0, idx, np.ones((1, 2), np.float32), value=1.0)
    with pytest.raises(
        InvalidArgumentError, match="scatter: reduce must be None, 'add' or 'multiply', got 'sum'"
    ):
        ops.scatter(x, 0, idx, value=1.0, reduce="sum")
    with pytest.raises(
        ShapeError, match=r"scatter: index shape \(1, 2\) must be no larger than src shape \(1, 1\)"
    ):
        ops.scatter(x, 0, idx, np.ones((1, 1), np.float32))
    with pytest.raises(
        ShapeError,
        match=r"scatter: index shape \(1, 4\).*input shape \(2, 3\) apart from dimension 0",
    ):
        ops.scatter(x, 0, np.zeros((1, 4), np.int32), np.ones((3, 4), np.float32))
    with pytest.raises(
        ShapeError, match="scatter: src must have the same number of dimensions as input"
    ):
        ops.scatter(x, 0, idx, np.ones(2, np.float32))
    with pytest.raises(ShapeError, match="scatter: index must have the same number of dimensions"):
        ops.scatter(x, 0, np.zeros(2, np.int32), value=1.0)
    with pytest.raises(ShapeError, match="scatter: expected a 0-dimensional value"):
        ops.scatter(x, 0, idx, value=np.ones(2, np.float32))
    with pytest.raises(
        DTypeError, match="scatter: expected an integer dtype for 'index', got float32"
    ):
        ops.scatter(x, 0, idx.astype(np.float32), value=1.0)
    with pytest.raises(IndexOutOfRangeError, match="scatter: dimension out of range"):
        ops.scatter(x, -3, idx, value=1.0)
    with pytest.raises(ArgumentTypeError, match="scatter_add: 'src' must be an array, got float"):
        ops.scatter_add(x, 0, idx, 1.0)
    with pytest.raises(DTypeError, match="scatter_add: expected src to have the same dtype"):
        ops.scatter_add(x, 0, idx, np.ones((1, 2), np.float16))


def test_scatter_value_zero_dim_array(both_modes):
    x, idx = np.zeros(3, np.float32), np.array([2], np.int32)
    out = ops.scatter(x, 0, idx, value=jnp.asarray(4))
    assert_close(out, np.array([0.0, 0.0, 4.0], np.float32))


# --------------------------------------------------------------------------- scatter_reduce


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", REDUCES)
@pytest.mark.parametrize(
    ("dtype", "jit"), [(np.float32, False), (np.float32, True), (np.int32, True)]
)
def test_scatter_reduce_matches_torch_with_duplicates(rng, jit, include_self, reduce, dtype):
    # small integers: duplicate indices, ties for amax/amin and zeros for prod are all common;
    # negative sums exercise integer mean's rounding (floor, as torch)
    x, src = (
        small_ints(rng, 4, 3, low=-3).astype(dtype),
        small_ints(rng, 6, 3, low=-3).astype(dtype),
    )
    idx = rng.integers(0, 3, (6, 3)).astype(np.int32)  # row 3 is never written
    fn = lambda a, i, s: ops.scatter_reduce(a, 0, i, s, reduce, include_self=include_self)  # noqa: E731
    out = call(jit, fn, x, idx, src)
    expected = torch.scatter_reduce(
        to_torch(x), 0, tlong(idx), to_torch(src), reduce, include_self=include_self
    )
    assert_close(out, expected)


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", REDUCES)
@pytest.mark.parametrize("dim", [0, -1])
def test_scatter_reduce_grad_matches_torch_with_duplicates_and_ties(rng, include_self, reduce, dim):
    d = dim % 2
    ishape = (6, 3) if d == 0 else (4, 5)
    x, src = small_ints(rng, 4, 3), small_ints(rng, *ishape)
    idx = rng.integers(0, x.shape[d], ishape).astype(np.int32)
    w = randn(rng, 4, 3)
    fn = lambda a, s: ops.scatter_reduce(a, dim, idx, s, reduce, include_self=include_self)  # noqa: E731

    def tfn(a, s):
        return torch.scatter_reduce(a, dim, tlong(idx), s, reduce, include_self=include_self)

    ours = grads(fn, (x, src), w)
    theirs = torch_grads(tfn, (x, src), w)
    for g, t in zip(ours, theirs, strict=True):
        assert_close(g, t)


@pytest.mark.parametrize(
    ("reduce", "include_self", "x", "src", "grad_x", "grad_src"),
    [
        # gradients of out[0], where src[0] and src[1] (and input[0] when included) meet.
        # amax/amin: the gradient is split evenly among all values equal to the result
        ("amax", True, [5.0, 1.0], [5.0, 5.0, 1.0], [1 / 3, 0.0], [1 / 3, 1 / 3, 0.0]),
        ("amin", True, [1.0, 2.0], [1.0, 1.0, 3.0], [1 / 3, 0.0], [1 / 3, 1 / 3, 0.0]),
        ("amax", True, [5.0, 1.0], [2.0, 5.0, 1.0], [0.5, 0.0], [0.0, 0.5, 0.0]),
        # include_self=False: torch still counts an equal input among the ties (its share is 0)
        ("amax", False, [5.0, 1.0], [5.0, 3.0, 1.0], [0.0, 0.0], [0.5, 0.0, 0.0]),
        ("amax", False, [4.0, 1.0], [5.0, 3.0, 1.0], [0.0, 0.0], [1.0, 0.0, 0.0]),
        ("amin", False, [7.0, 1.0], [2.0, 2.0, 1.0], [0.0, 0.0], [0.5, 0.5, 0.0]),
        # prod: each factor gets the product of the others, exact when factors are zero
        ("prod", True, [5.0, 1.0], [0.0, 3.0, 2.0], [0.0, 0.0], [15.0, 0.0, 0.0]),
        ("prod", True, [0.0, 1.0], [4.0, 3.0, 2.0], [12.0, 0.0], [0.0, 0.0, 0.0]),
        ("prod", True, [0.0, 1.0], [0.0, 3.0, 2.0], [0.0, 0.0], [0.0, 0.0, 0.0]),
        ("prod", False, [0.0, 1.0], [2.0, 3.0, 2.0], [0.0, 0.0], [3.0, 2.0, 0.0]),
        ("sum", False, [2.0, 1.0], [4.0, 3.0, 2.0], [0.0, 0.0], [1.0, 1.0, 0.0]),
        ("mean", True, [2.0, 1.0], [4.0, 3.0, 2.0], [1 / 3, 0.0], [1 / 3, 1 / 3, 0.0]),
        ("mean", False, [2.0, 1.0], [4.0, 3.0, 2.0], [0.0, 0.0], [0.5, 0.5, 0.0]),
    ],
)
def test_scatter_reduce_grad_on_duplicates_documented(
    reduce, include_self, x, src, grad_x, grad_src
):
    x, src, idx = np.float32(x), np.float32(src), np.array([0, 0, 1], np.int32)
    fn = lambda a, s: ops.scatter_reduce(a, 0, idx, s, reduce, include_self=include_self)  # noqa: E731
    gx, gs = jax.jit(jax.grad(lambda a, s: fn(a, s)[0], argnums=(0, 1)))(x, src)
    tfn = lambda a, s: torch.scatter_reduce(a, 0, tlong(idx), s, reduce, include_self=include_self)  # noqa: E731
    tx, ts = torch_grads(tfn, (x, src), np.float32([1.0, 0.0]))
    assert_close(gx, tx)
    assert_close(gs, ts)
    assert_close(gx, np.float32(grad_x))
    assert_close(gs, np.float32(grad_src))


@pytest.mark.parametrize("reduce", REDUCES)
def test_scatter_reduce_zero_dim_and_empty(rng, reduce):
    x, s = np.float32(2.0), np.float32(3.0)
    out = ops.scatter_reduce(x, 0, np.int32(0), s, reduce)
    assert_close(out, torch.scatter_reduce(to_torch(x), 0, tlong(0), to_torch(s), reduce))
    x2 = randn(rng, 2, 3)
    out = ops.scatter_reduce(
        x2, 1, np.zeros((2, 0), np.int32), randn(rng, 2, 1), reduce, include_self=False
    )
    assert_close(out, x2)


def test_scatter_reduce_int64_in_x64(both_modes):
    if not both_modes:
        return
    x, idx, src = np.array([1, 2, 3]), np.array([0, 0, 1]), np.array([4, 7, -5])
    out = ops.scatter_reduce(jnp.asarray(x), 0, jnp.asarray(idx), jnp.asarray(src), "mean")
    assert out.dtype == jnp.int64
    assert_close(
        out, torch.scatter_reduce(torch.tensor(x), 0, torch.tensor(idx), torch.tensor(src), "mean")
    )


def test_scatter_reduce_higher_order_prod():
    # away from zeros the prod derivative composes: d2/ds0 ds1 of x * s0 * s1 is x
    x, src, idx = np.float32([2.0, 3.0]), np.float32([4.0, 5.0, 6.0]), np.array([0, 0, 1], np.int32)
    hess = jax.jit(jax.hessian(lambda s: ops.scatter_reduce(x, 0, idx, s, "prod")[0]))(src)
    assert_close(hess, np.float32([[0, 2, 0], [2, 0, 0], [0, 0, 0]]))


def test_scatter_reduce_bad_inputs():
    x, idx, src = np.zeros(3, np.float32), np.array([0], np.int32), np.ones(1, np.float32)
    with pytest.raises(
        InvalidArgumentError,
        match="scatter_reduce: reduce must be one of 'sum', 'prod', 'mean', 'amax', 'amin', got 'max'",
    ):
        ops.scatter_reduce(x, 0, idx, src, "max")
    with pytest.raises(
        DTypeError, match="scatter_reduce: reduction 'sum' is not supported for bool input"
    ):
        ops.scatter_reduce(x.astype(bool), 0, idx, src.astype(bool), "sum")
    with pytest.raises(ArgumentTypeError, match="scatter_reduce: 'src' must be an array"):
        ops.scatter_reduce(x, 0, idx, 1.0, "sum")
    with pytest.raises(DTypeError, match="scatter_reduce: expected src to have the same dtype"):
        ops.scatter_reduce(x, 0, idx, src.astype(np.int32), "sum")
    with pytest.raises(IndexOutOfRangeError, match="scatter_reduce: index 3 is out of bounds"):
        ops.scatter_reduce(x, 0, np.array([3], np.int32), src, "prod")
    with pytest.raises(ShapeError, match="scatter_reduce: index shape"):
        ops.scatter_reduce(x, 0, np.array([0, 1], np.int32), src, "sum")


# --------------------------------------------------------------------------- index_select


INDEX_CASES = [
    # input shape, dim, number of indices (None: a 0-d index)
    ((4, 3), 0, 6),
    ((4, 3), 1, 2),
    ((2, 3, 4), -1, 5),
    ((2, 3, 4), -2, None),
    ((5,), 0, 0),
    ((), 0, 1),
    ((), -1, None),
    ((3, 0), 0, 2),
]


def _idx(rng, shape, dim, n):
    size = shape[dim] if shape else 1
    return (
        np.int32(rng.integers(0, size)) if n is None else rng.integers(0, size, n).astype(np.int32)
    )


@pytest.mark.parametrize(
    ("dtype", "jit"), [(np.float32, False), (np.float32, True), (np.int32, True)]
)
@pytest.mark.parametrize(("shape", "dim", "n"), INDEX_CASES)
def test_index_select_matches_torch(rng, jit, dtype, shape, dim, n):
    x, idx = (randn(rng, *shape) * 10).astype(dtype), _idx(rng, shape, dim, n)
    out = call(jit, lambda a, i: ops.index_select(a, dim, i), x, idx)
    assert_close(out, torch.index_select(to_torch(x), dim, tlong(idx)))


@pytest.mark.parametrize(("shape", "dim", "n"), INDEX_CASES)
def test_index_select_grad_matches_torch(rng, shape, dim, n):
    x, idx = randn(rng, *shape), _idx(rng, shape, dim, n)
    w = to_numpy_shape = torch.index_select(to_torch(x), dim, tlong(idx)).shape
    w = randn(rng, *to_numpy_shape)
    (ours,) = grads(lambda a: ops.index_select(a, dim, idx), (x,), w)
    (theirs,) = torch_grads(lambda a: torch.index_select(a, dim, tlong(idx)), (x,), w)
    assert_close(ours, theirs)


def test_index_select_out_of_range_and_bad_inputs():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    for bad in (3, -1):
        with pytest.raises(
            IndexOutOfRangeError,
            match=f"index_select: index {bad} is out of bounds for dimension 1 with size 3",
        ):
            ops.index_select(x, 1, np.array([0, bad], np.int32))
        out = jax.jit(lambda a, i: ops.index_select(a, 1, i))(x, np.array([0, bad], np.int32))
        assert_close(out, np.array([[0.0, np.nan], [3.0, np.nan]], np.float32))
    with pytest.raises(
        ShapeError, match=r"index_select: index must be 1-D or 0-d, got an array of shape \(1, 1\)"
    ):
        ops.index_select(x, 0, np.zeros((1, 1), np.int32))
    with pytest.raises(
        ShapeError, match="index_select: a 0-d input takes exactly one index, got 2"
    ):
        ops.index_select(np.float32(1.0), 0, np.zeros(2, np.int32))
    with pytest.raises(
        DTypeError, match="index_select: expected an integer dtype for 'index', got float32"
    ):
        ops.index_select(x, 0, np.zeros(1, np.float32))
    with pytest.raises(IndexOutOfRangeError, match="index_select: dimension out of range"):
        ops.index_select(x, 2, np.zeros(1, np.int32))


# --------------------------------------------------------------------------- index_add / copy / fill


def _source_shape(shape, dim, idx):
    s = list(shape) or [1]
    s[dim] = np.size(idx)
    return tuple(s) if shape else ()


@JIT
@pytest.mark.parametrize(("shape", "dim", "n"), INDEX_CASES)
def test_index_add_matches_torch_with_duplicates(rng, jit, shape, dim, n):
    alpha = 2.5
    x, idx = randn(rng, *shape), _idx(rng, shape, dim, n)
    src = randn(rng, *_source_shape(shape, dim, idx))
    fn = lambda a, i, s: ops.index_add(a, dim, i, s, alpha=alpha)  # noqa: E731
    out = call(jit, fn, x, idx, src)
    assert_close(out, torch.index_add(to_torch(x), dim, tlong(idx), to_torch(src), alpha=alpha))
    w = randn(rng, *shape)
    ours = grads(lambda a, s: ops.index_add(a, dim, idx, s, alpha=alpha), (x, src), w)
    theirs = torch_grads(
        lambda a, s: torch.index_add(a, dim, tlong(idx), s, alpha=alpha), (x, src), w
    )
    for g, t in zip(ours, theirs, strict=True):
        assert_close(g, t)


def test_index_add_int(rng):
    x, idx, src = (
        np.arange(4, dtype=np.int32),
        np.array([1, 1, 3], np.int32),
        np.array([5, 6, 7], np.int32),
    )
    expected = torch.index_add(to_torch(x), 0, tlong(idx), to_torch(src), alpha=3)
    assert_close(ops.index_add(x, 0, idx, src, alpha=3), expected)


@JIT
@pytest.mark.parametrize(("shape", "dim", "n"), [c for c in INDEX_CASES if c[2] != 6 and c[2] != 5])
def test_index_copy_matches_torch(rng, jit, shape, dim, n):
    x = randn(rng, *shape)
    size = shape[dim] if shape else 1
    idx = (
        np.int32(rng.integers(0, size)) if n is None else rng.permutation(size)[:n].astype(np.int32)
    )
    src = randn(rng, *_source_shape(shape, dim, idx))
    out = call(jit, lambda a, i, s: ops.index_copy(a, dim, i, s), x, idx, src)
    assert_close(out, torch.index_copy(to_torch(x), dim, tlong(idx), to_torch(src)))
    w = randn(rng, *shape)
    ours = grads(lambda a, s: ops.index_copy(a, dim, idx, s), (x, src), w)
    theirs = torch_grads(lambda a, s: torch.index_copy(a, dim, tlong(idx), s), (x, src), w)
    for g, t in zip(ours, theirs, strict=True):
        assert_close(g, t)


@pytest.mark.parametrize(("value", "jit"), [(-2.0, False), (np.float32(3.5), True)])
@pytest.mark.parametrize(("shape", "dim", "n"), INDEX_CASES)
def test_index_fill_matches_torch(rng, jit, value, shape, dim, n):
    x, idx = randn(rng, *shape), _idx(rng, shape, dim, n)
    out = call(jit, lambda a, i: ops.index_fill(a, dim, i, value), x, idx)
    tv = to_torch(value) if isinstance(value, np.generic) else value
    assert_close(out, torch.index_fill(to_torch(x), dim, tlong(idx), tv))
    w = randn(rng, *shape)
    (ours,) = grads(lambda a: ops.index_fill(a, dim, idx, value), (x,), w)
    (theirs,) = torch_grads(lambda a: torch.index_fill(a, dim, tlong(idx), tv), (x,), w)
    assert_close(ours, theirs)


def test_index_fill_int_truncates_like_torch():
    x, idx = np.zeros(3, np.int32), np.array([1], np.int32)
    assert_close(ops.index_fill(x, 0, idx, 3.7), torch.index_fill(to_torch(x), 0, tlong(idx), 3.7))


@pytest.mark.parametrize("bad", [3, -1])
def test_index_add_copy_fill_out_of_range(bad):
    x, idx, src = np.zeros(3, np.float32), np.array([0, bad], np.int32), np.ones(2, np.float32)
    for name, fn in [
        ("index_add", lambda a, i, s: ops.index_add(a, 0, i, s)),
        ("index_copy", lambda a, i, s: ops.index_copy(a, 0, i, s)),
        ("index_fill", lambda a, i, s: ops.index_fill(a, 0, i, 1.0)),  # torch wraps -1 here
    ]:
        with pytest.raises(
            IndexOutOfRangeError,
            match=f"{name}: index {bad} is out of bounds for dimension 0 with size 3",
        ):
            fn(x, idx, src)
        assert_close(jax.jit(fn)(x, idx, src), np.float32([1.0, 0.0, 0.0]))


def test_index_add_copy_fill_bad_inputs():
    x, idx = np.zeros((2, 3), np.float32), np.array([1], np.int32)
    with pytest.raises(
        ShapeError,
        match=r"index_add: source shape \(1, 2\) does not match input shape \(2, 3\) with dimension 0 replaced by the number of indices \(1\)",
    ):
        ops.index_add(x, 0, idx, np.ones((1, 2), np.float32))
    with pytest.raises(ShapeError, match=r"index_copy: source shape \(2, 3\) does not match"):
        ops.index_copy(x, 0, idx, np.ones((2, 3), np.float32))
    with pytest.raises(
        ShapeError, match=r"index_add: source shape \(\) does not match input shape \(\)"
    ):
        ops.index_add(np.float32(1.0), 0, np.zeros(2, np.int32), np.float32(2.0))
    with pytest.raises(
        DTypeError,
        match="index_add: expected source to have the same dtype as input \\(float32\\), got float16",
    ):
        ops.index_add(x, 0, idx, np.ones((1, 3), np.float16))
    with pytest.raises(DTypeError, match="index_copy: expected source to have the same dtype"):
        ops.index_copy(x, 0, idx, np.ones((1, 3), np.int32))
    with pytest.raises(
        DTypeError,
        match="index_add: alpha must not be a floating point number for an input of dtype int32, got 1.5",
    ):
        ops.index_add(x.astype(np.int32), 0, idx, np.ones((1, 3), np.int32), alpha=1.5)
    with pytest.raises(ShapeError, match="index_fill: index must be 1-D or 0-d"):
        ops.index_fill(x, 0, np.zeros((1, 1), np.int32), 1.0)
    with pytest.raises(ShapeError, match="index_fill: expected a 0-dimensional value"):
        ops.index_fill(x, 0, idx, np.ones(1, np.float32))
    with pytest.raises(
        DTypeError, match="index_fill: expected an integer dtype for 'index', got bool"
    ):
        ops.index_fill(x, 0, np.array([True]), 1.0)
    with pytest.raises(IndexOutOfRangeError, match="index_copy: dimension out of range"):
        ops.index_copy(x, -3, idx, np.ones((1, 3), np.float32))


# --------------------------------------------------------------------------- take / take_along_dim


@JIT
@pytest.mark.parametrize(
    ("shape", "ishape"),
    [((3, 4), (2, 5)), ((5,), ()), ((), (3,)), ((2, 3), (0,)), ((2, 2, 2), (8,))],
)
def test_take_matches_torch_with_negative_indices(rng, jit, shape, ishape):
    x = randn(rng, *shape)
    n = x.size
    idx = rng.integers(-n, n, ishape).astype(np.int32)
    out = call(jit, ops.take, x, idx)
    assert_close(out, torch.take(to_torch(x), tlong(idx)))
    w = randn(rng, *ishape)
    (ours,) = grads(lambda a: ops.take(a, idx), (x,), w)
    (theirs,) = torch_grads(lambda a: torch.take(a, tlong(idx)), (x,), w)
    assert_close(ours, theirs)


@pytest.mark.parametrize("bad", [4, -5])
def test_take_out_of_range(bad):
    x, idx = np.arange(4, dtype=np.float32).reshape(2, 2), np.array([0, bad], np.int32)
    with pytest.raises(
        IndexOutOfRangeError,
        match=f"take: index {bad} is out of range for an input of 4 elements \\(expected -4 <= index < 4\\)",
    ):
        ops.take(x, idx)
    assert_close(jax.jit(ops.take)(x, idx), np.float32([0.0, np.nan]))
    with pytest.raises(
        IndexOutOfRangeError, match="take: index 0 is out of range for an input of 0 elements"
    ):
        ops.take(np.zeros((0, 2), np.float32), np.array([0], np.int32))
    assert_close(
        jax.jit(ops.take)(np.zeros((0, 2), np.float32), np.array([0], np.int32)),
        np.float32([np.nan]),
    )
    with pytest.raises(
        DTypeError, match="take: expected an integer dtype for 'index', got float32"
    ):
        ops.take(x, np.zeros(1, np.float32))


def test_take_unsigned_index(both_modes):
    x = np.arange(4, dtype=np.float32)
    assert_close(ops.take(x, np.array([3, 1], np.uint32)), np.float32([3.0, 1.0]))


@JIT
@pytest.mark.parametrize("accumulate", [False, True])
@pytest.mark.parametrize(("shape", "ishape"), [((3, 4), (2, 3)), ((5,), ()), ((2, 2), (0,))])
def test_put_matches_torch(rng, jit, accumulate, shape, ishape):
    x = randn(rng, *shape)
    n = x.size
    # distinct indices unless accumulating (torch leaves the winner of a repeat unspecified)
    flat = rng.permutation(n)[: int(np.prod(ishape))] if not accumulate else None
    idx = (flat if flat is not None else rng.integers(0, n, ishape)).reshape(ishape)
    idx = np.where(rng.random(ishape) < 0.5, idx - n, idx).astype(np.int32)
    src = randn(rng, *ishape)
    out = call(jit, lambda a, b: ops.put(a, idx, b, accumulate=accumulate), x, src)
    theirs = torch.put(to_torch(x), tlong(idx), to_torch(src), accumulate=accumulate)
    assert_close(out, theirs)
    w = randn(rng, *shape)
    ours = grads(lambda a, b: ops.put(a, idx, b, accumulate=accumulate), (x, src), w)
    ref = torch_grads(lambda a, b: torch.put(a, tlong(idx), b, accumulate=accumulate), (x, src), w)
    for o, r in zip(ours, ref):
        assert_close(o, r)


def test_put_errors():
    x = np.zeros((2, 2), np.float32)
    with pytest.raises(
        IndexOutOfRangeError, match=r"put: index 4 is out of range for an input of 4"
    ):
        ops.put(x, np.array([4], np.int32), np.ones(1, np.float32))
    with pytest.raises(
        ShapeError, match=r"put: expected source to have as many elements as index \(2\), got 3"
    ):
        ops.put(x, np.array([0, 1], np.int32), np.ones(3, np.float32))
    with pytest.raises(
        DTypeError,
        match=r"put: expected source to have the same dtype as input \(float32\), got int32",
    ):
        ops.put(x, np.array([0], np.int32), np.ones(1, np.int32))
    with pytest.raises(DTypeError, match="put: expected an integer dtype for 'index'"):
        ops.put(x, np.zeros(1, np.float32), np.ones(1, np.float32))


TAKE_ALONG_CASES = [
    # input shape, indices shape, dim
    ((3, 4), (3, 2), 1),
    ((3, 4), (5, 4), 0),
    ((3, 1), (1, 5), 0),
    ((1, 4), (3, 2), -1),
    ((2, 3, 4), (2, 1, 6), -1),
    ((3, 4), (7,), None),
    ((3, 4), (2, 2), None),
    ((), (2,), None),
    ((4,), (0,), 0),
]


@JIT
@pytest.mark.parametrize(("shape", "ishape", "dim"), TAKE_ALONG_CASES)
def test_take_along_dim_matches_torch(rng, jit, shape, ishape, dim):
    x = randn(rng, *shape)
    size = x.size if dim is None else shape[dim]
    idx = rng.integers(0, size, ishape).astype(np.int32)
    out = call(jit, lambda a, i: ops.take_along_dim(a, i, dim=dim), x, idx)
    expected = torch.take_along_dim(to_torch(x), tlong(idx), dim=dim)
    assert_close(out, expected)
    w = randn(rng, *expected.shape)
    (ours,) = grads(lambda a: ops.take_along_dim(a, idx, dim), (x,), w)
    (theirs,) = torch_grads(lambda a: torch.take_along_dim(a, tlong(idx), dim), (x,), w)
    assert_close(ours, theirs)


def test_take_along_dim_zero_dim_with_dim():
    # torch rejects dim for a 0-d input; as in gather, 0-d counts as 1-d here
    out = ops.take_along_dim(np.float32(5.0), np.int32(0), dim=0)
    assert_close(out, np.float32(5.0))
    out = ops.take_along_dim(np.float32(5.0), np.zeros(2, np.int32), dim=-1)
    assert_close(out, np.float32([5.0, 5.0]))


def test_take_along_dim_bad_inputs():
    x = np.zeros((2, 3), np.float32)
    with pytest.raises(
        IndexOutOfRangeError, match="gather: index -1 is out of bounds for dimension 1 with size 3"
    ):
        ops.take_along_dim(x, np.array([[-1]], np.int32), dim=1)  # torch wraps this one
    with pytest.raises(
        IndexOutOfRangeError, match="index 6 is out of bounds for dimension 0 with size 6"
    ):
        ops.take_along_dim(x, np.array([6], np.int32))
    assert_close(
        jax.jit(ops.take_along_dim)(x, np.array([6, -1], np.int32)), np.float32([np.nan, np.nan])
    )
    with pytest.raises(
        ShapeError,
        match=r"take_along_dim: input and indices must have the same number of dimensions, got 2 for input \(shape \(2, 3\)\) and 1",
    ):
        ops.take_along_dim(x, np.zeros(3, np.int32), dim=0)
    with pytest.raises(
        ShapeError,
        match=r"take_along_dim: shapes cannot be broadcast together: input \(2, 1\), indices \(3, 1\)",
    ):
        ops.take_along_dim(x, np.zeros((3, 1), np.int32), dim=1)
    with pytest.raises(
        DTypeError, match="take_along_dim: expected an integer dtype for 'indices', got float32"
    ):
        ops.take_along_dim(x, np.zeros((1, 1), np.float32), dim=1)
    with pytest.raises(IndexOutOfRangeError, match="take_along_dim: dimension out of range"):
        ops.take_along_dim(x, np.zeros((1, 1), np.int32), dim=2)


# --------------------------------------------------------------------------- dtypes in both modes


def test_dtypes_are_the_same_in_both_modes(both_modes, rng):
    x = jnp.asarray(randn(rng, 3, 4))
    idx = jnp.asarray(np.array([[0, 2, 1, 0]], np.int32))
    assert ops.gather(x, 0, idx).dtype == jnp.float32
    assert ops.scatter_reduce(x, 0, idx, x, "mean").dtype == jnp.float32
    assert ops.where(x > 0, 1, 0).dtype == jnp.int32
    assert ops.where(x > 0, 1.0, 0).dtype == jnp.float32
    assert (
        ops.masked_fill(jnp.arange(3, dtype=jnp.int32), jnp.ones(3, bool), 2.5).dtype == jnp.int32
    )
    assert ops.nonzero(x > 0).dtype == jnp.int32


def test_ops_compose_with_vmap(rng):
    x, idx = randn(rng, 3, 4), rng.integers(0, 4, (3, 2)).astype(np.int32)
    out = jax.vmap(lambda a, i: ops.gather(a, 0, i))(x, idx)
    assert_close(out, torch.gather(to_torch(x), 1, tlong(idx)))
    src = small_ints(rng, 3, 2)

    def per_row(s, i):
        return jax.grad(lambda v: ops.scatter_reduce(jnp.ones(4), 0, i, v, "prod").sum())(s)

    ts = to_torch(src, requires_grad=True)
    torch.scatter_reduce(torch.ones(3, 4), 1, tlong(idx), ts, "prod").sum().backward()
    assert_close(jax.vmap(per_row)(src, idx), ts.grad)
