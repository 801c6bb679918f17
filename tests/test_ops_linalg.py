"""Linear-algebra products of rustorch_fx.ops against torch: values, gradients, jit, errors."""

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
)


def _as_list(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def check(ours, theirs, *arrays, grad=True, rtol=1e-5, atol=1e-6):
    """Compare ``ours`` with ``theirs`` (torch): eager values, then jitted values and gradients."""
    jax_in = [jnp.asarray(a) for a in arrays]
    expected = theirs(*[to_torch(a) for a in arrays])
    assert_close(ours(*jax_in), expected, rtol=rtol, atol=atol)
    grad = grad and all(np.issubdtype(np.asarray(a).dtype, np.inexact) for a in arrays)
    cot = np.random.default_rng(0).standard_normal(tuple(expected.shape)).astype(np.float32)

    def both(*xs):
        loss = lambda *ys: jnp.sum(ours(*ys) * cot)  # noqa: E731
        grads = jax.grad(loss, argnums=tuple(range(len(xs))))(*xs) if grad else ()
        return ours(*xs), grads

    got, gj = jax.jit(both)(*jax_in)
    assert_close(got, expected, rtol=rtol, atol=atol)
    if grad:
        tin = [to_torch(a, requires_grad=True) for a in arrays]
        total = (theirs(*tin) * torch.from_numpy(cot)).sum()
        for a, b in zip(gj, torch.autograd.grad(total, tin), strict=True):
            assert_close(a, b, rtol=rtol, atol=atol)


# (id, ours, torch, shapes). Products of float32 sums: rtol 1e-5 holds with HIGHEST precision.
CASES = [
    ("matmul_1d_1d", ops.matmul, torch.matmul, [(4,), (4,)]),
    ("matmul_2d_2d", ops.matmul, torch.matmul, [(3, 4), (4, 5)]),
    ("matmul_1d_2d", ops.matmul, torch.matmul, [(4,), (4, 5)]),
    ("matmul_2d_1d", ops.matmul, torch.matmul, [(3, 4), (4,)]),
    ("matmul_1d_nd", ops.matmul, torch.matmul, [(4,), (2, 4, 5)]),
    ("matmul_nd_1d", ops.matmul, torch.matmul, [(2, 3, 4), (4,)]),
    ("matmul_batch_bcast", ops.matmul, torch.matmul, [(2, 1, 3, 4), (5, 4, 2)]),
    ("matmul_batch_2d", ops.matmul, torch.matmul, [(2, 3, 4), (4, 2)]),
    ("matmul_empty_k", ops.matmul, torch.matmul, [(3, 0), (0, 2)]),
    ("matmul_empty_batch", ops.matmul, torch.matmul, [(0, 3, 4), (4, 2)]),
    ("mm", ops.mm, torch.mm, [(3, 4), (4, 5)]),
    ("bmm", ops.bmm, torch.bmm, [(2, 3, 4), (2, 4, 5)]),
    ("mv", ops.mv, torch.mv, [(3, 4), (4,)]),
    ("dot", ops.dot, torch.dot, [(5,), (5,)]),
    ("vdot", ops.vdot, torch.vdot, [(5,), (5,)]),
    ("dot_empty", ops.dot, torch.dot, [(0,), (0,)]),
    ("inner", ops.inner, torch.inner, [(2, 3), (4, 3)]),
    ("inner_1d", ops.inner, torch.inner, [(3,), (3,)]),
    ("inner_0d", ops.inner, torch.inner, [(), (2, 3)]),
    ("outer", ops.outer, torch.outer, [(3,), (4,)]),
    ("ger", ops.ger, torch.ger, [(3,), (2,)]),
    (
        "addmm",
        lambda c, a, b: ops.addmm(c, a, b, beta=0.5, alpha=2.0),
        lambda c, a, b: torch.addmm(c, a, b, beta=0.5, alpha=2.0),
        [(3,), (2, 4), (4, 3)],
    ),
    ("addmm_default", ops.addmm, torch.addmm, [(2, 3), (2, 4), (4, 3)]),
    (
        "addmv",
        lambda c, a, b: ops.addmv(c, a, b, beta=-1, alpha=3),
        lambda c, a, b: torch.addmv(c, a, b, beta=-1, alpha=3),
        [(2,), (2, 4), (4,)],
    ),
    (
        "addbmm",
        lambda c, a, b: ops.addbmm(c, a, b, beta=2.0),
        lambda c, a, b: torch.addbmm(c, a, b, beta=2.0),
        [(1, 3), (5, 2, 4), (5, 4, 3)],
    ),
    (
        "baddbmm",
        lambda c, a, b: ops.baddbmm(c, a, b, alpha=0.5),
        lambda c, a, b: torch.baddbmm(c, a, b, alpha=0.5),
        [(5, 2, 3), (5, 2, 4), (5, 4, 3)],
    ),
    (
        "einsum_bmm",
        lambda a, b: ops.einsum("bij,bjk->bik", a, b),
        lambda a, b: torch.einsum("bij,bjk->bik", a, b),
        [(2, 3, 4), (2, 4, 5)],
    ),
    (
        "einsum_list",
        lambda a, b: ops.einsum("i j , j k", [a, b]),
        lambda a, b: torch.einsum("i j , j k", [a, b]),
        [(3, 4), (4, 5)],
    ),
    (
        "einsum_trace",
        lambda a: ops.einsum("ii", a),
        lambda a: torch.einsum("ii", a),
        [(3, 3)],
    ),
    (
        "einsum_ellipsis",
        lambda a, b: ops.einsum("...ij,...jk->...ik", a, b),
        lambda a, b: torch.einsum("...ij,...jk->...ik", a, b),
        [(2, 3, 4), (4, 5)],
    ),
    (
        "einsum_bcast_size1",
        lambda a, b: ops.einsum("ij,jk->ik", a, b),
        lambda a, b: torch.einsum("ij,jk->ik", a, b),
        [(2, 1), (3, 4)],
    ),
    (
        "einsum_outer_implicit",
        lambda a, b: ops.einsum("i,j", a, b),
        lambda a, b: torch.einsum("i,j", a, b),
        [(3,), (2,)],
    ),
    (
        "einsum_sublist",
        lambda a, b: ops.einsum(a, [0, 1], b, [1, 2], [0, 2]),
        lambda a, b: torch.einsum(a, [0, 1], b, [1, 2], [0, 2]),
        [(3, 4), (4, 5)],
    ),
    (
        "einsum_sublist_ellipsis",
        lambda a: ops.einsum(a, [Ellipsis, 0], [Ellipsis]),
        lambda a: torch.einsum(a, [Ellipsis, 0], [Ellipsis]),
        [(2, 3, 4)],
    ),
    (
        "einsum_sublist_implicit",
        lambda a: ops.einsum(a, [1, 0]),
        lambda a: torch.einsum(a, [1, 0]),
        [(2, 3)],
    ),
    ("tensordot_int", ops.tensordot, torch.tensordot, [(2, 3, 4), (3, 4, 5)]),
    (
        "tensordot_0",
        lambda a, b: ops.tensordot(a, b, 0),
        lambda a, b: torch.tensordot(a, b, 0),
        [(2,), (3,)],
    ),
    (
        "tensordot_lists",
        lambda a, b: ops.tensordot(a, b, dims=([0, -1], [2, 0])),
        lambda a, b: torch.tensordot(a, b, dims=([0, -1], [2, 0])),
        [(2, 3, 4), (4, 5, 2)],
    ),
    (
        "tensordot_ints",
        lambda a, b: ops.tensordot(a, b, dims=(1, 0)),
        lambda a, b: torch.tensordot(a, b, dims=([1], [0])),
        [(2, 3), (3, 4)],
    ),
    ("kron", ops.kron, torch.kron, [(2, 3), (3, 2)]),
    ("kron_ranks", ops.kron, torch.kron, [(2,), (2, 3, 2)]),
    ("cross", ops.cross, lambda a, b: torch.cross(a, b, dim=1), [(2, 3, 3), (2, 3, 3)]),
    (
        "cross_dim",
        lambda a, b: ops.cross(a, b, dim=-1),
        lambda a, b: torch.linalg.cross(a, b, dim=-1),
        [(4, 3), (1, 3)],
    ),
    ("trace", ops.trace, torch.trace, [(3, 4)]),
    (
        "chain_matmul",
        lambda a, b, c: ops.chain_matmul(a, b, c),
        lambda a, b, c: torch.linalg.multi_dot([a, b, c]),
        [(2, 3), (3, 5), (5, 2)],
    ),
    ("chain_matmul_one", ops.chain_matmul, lambda a: a, [(2, 3)]),
    (
        "multi_dot",
        lambda a, b, c: ops.multi_dot([a, b, c]),
        lambda a, b, c: torch.linalg.multi_dot([a, b, c]),
        [(3,), (3, 5), (5,)],
    ),
    (
        "multi_dot_2d",
        lambda a, b: ops.multi_dot((a, b)),
        lambda a, b: torch.linalg.multi_dot((a, b)),
        [(2, 3), (3, 4)],
    ),
]


@pytest.mark.parametrize(
    ("ours", "theirs", "shapes"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_matches_torch(rng, ours, theirs, shapes):
    check(ours, theirs, *[randn(rng, *s) for s in shapes])


def test_matmul_float32_precision_is_highest(rng):
    # Large inner dimension: a reduced-precision pass (TF32/bf16) would miss rtol 1e-5.
    a, b = randn(rng, 8, 512), randn(rng, 512, 8)
    expected = to_torch(a).double() @ to_torch(b).double()
    assert_close(ops.matmul(jnp.asarray(a), jnp.asarray(b)), expected.float(), rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (ops.matmul, torch.matmul),
        (ops.mm, torch.mm),
        (lambda a, b: ops.einsum("ij,jk->ik", a, b), lambda a, b: torch.einsum("ij,jk->ik", a, b)),
        (ops.kron, torch.kron),
        (lambda a, b: ops.tensordot(a, b, 1), lambda a, b: torch.tensordot(a, b, 1)),
        (
            lambda a, b: ops.addmm(a, a, b, beta=2, alpha=3),
            lambda a, b: torch.addmm(a, a, b, beta=2, alpha=3),
        ),
    ],
)
def test_integer_products_stay_integer(rng, both_modes, ours, theirs):
    a = rng.integers(-4, 5, (3, 3)).astype(np.int32)
    b = rng.integers(-4, 5, (3, 3)).astype(np.int32)
    check(ours, theirs, a, b, grad=False)


def test_complex_products(rng):
    a = (randn(rng, 4) + 1j * randn(rng, 4)).astype(np.complex64)
    b = (randn(rng, 4) + 1j * randn(rng, 4)).astype(np.complex64)
    check(ops.vdot, torch.vdot, a, b, grad=False)
    check(ops.dot, torch.dot, a, b, grad=False)
    m = (randn(rng, 2, 3) + 1j * randn(rng, 2, 3)).astype(np.complex64)
    check(ops.adjoint, lambda x: torch.adjoint(x).resolve_conj(), m, grad=False)


def test_float64_products_under_x64(rng):
    with jax.enable_x64(True):
        a, b = randn(rng, 3, 4, dtype=np.float64), randn(rng, 4, 2, dtype=np.float64)
        check(ops.matmul, torch.matmul, a, b, rtol=1e-12, atol=1e-12)
        check(lambda x: ops.trace(x), torch.trace, rng.integers(0, 9, (3, 3)), grad=False)


@pytest.mark.parametrize(("dtype", "expected"), [(np.int32, np.int32), (np.int8, np.int32)])
def test_trace_integer_dtype(both_modes, dtype, expected):
    x = np.arange(9).reshape(3, 3).astype(dtype)
    out = ops.trace(jnp.asarray(x))
    assert out.dtype == expected
    assert int(out) == 12


def test_outer_and_kron_promote(rng, both_modes):
    a = rng.integers(-3, 3, (3,)).astype(np.int32)
    b = randn(rng, 2)
    check(ops.outer, torch.outer, a, b, grad=False)
    check(ops.kron, torch.kron, a, b, grad=False)


def test_addmm_beta_zero_ignores_nan(rng):
    c = np.full((2, 2), np.nan, np.float32)
    a, b = randn(rng, 2, 3), randn(rng, 3, 2)
    check(
        lambda c, a, b: ops.addmm(c, a, b, beta=0),
        lambda c, a, b: torch.addmm(c, a, b, beta=0),
        c,
        a,
        b,
        grad=False,
    )


def test_products_under_vmap(rng):
    a, b = randn(rng, 5, 2, 3), randn(rng, 5, 3)
    out = jax.vmap(ops.mv)(jnp.asarray(a), jnp.asarray(b))
    assert_close(out, torch.bmm(to_torch(a), to_torch(b)[..., None])[..., 0])


def _z(*shape, dtype=jnp.float32):
    return jnp.zeros(shape, dtype)


ERRORS = [
    (
        lambda: ops.matmul(_z(4, 7), _z(8, 16)),
        ShapeError,
        r"mat1 and mat2 shapes cannot be multiplied \(4x7 and 8x16\)",
    ),
    (lambda: ops.matmul(_z(7), _z(8, 16)), ShapeError, r"\(1x7 and 8x16\)"),
    (lambda: ops.matmul(_z(2, 3, 4), _z(5)), ShapeError, r"\(3x4 and 5x1\)"),
    (lambda: ops.matmul(_z(3), _z(4)), ShapeError, "same length, got 3 and 4"),
    (
        lambda: ops.matmul(_z(2, 3, 4), _z(3, 4, 5)),
        ShapeError,
        r"batch dimensions do not broadcast \(shapes \(2, 3, 4\) and \(3, 4, 5\)\)",
    ),
    (lambda: ops.matmul(_z(), _z(3)), ShapeError, "at least 1D, but they are 0D and 1D"),
    (
        lambda: ops.matmul(_z(3, 3), _z(3, 3, dtype=jnp.int32)),
        DTypeError,
        "same dtype, but got float32 and int32",
    ),
    (
        lambda: ops.matmul(_z(3, dtype=bool), _z(3, dtype=bool)),
        DTypeError,
        "not implemented for bool",
    ),
    (lambda: ops.matmul("a", _z(3)), ArgumentTypeError, "matmul: argument 'input'"),
    (
        lambda: ops.mm(_z(3), _z(3, 3)),
        ShapeError,
        r"mm: 'input' must be a 2-D array, got shape \(3,\)",
    ),
    (lambda: ops.mm(_z(3, 4), _z(5, 5)), ShapeError, r"\(3x4 and 5x5\)"),
    (
        lambda: ops.bmm(_z(2, 3, 4), _z(3, 4, 5)),
        ShapeError,
        "batch sizes must be equal, got 2 and 3",
    ),
    (lambda: ops.bmm(_z(2, 3, 4), _z(2, 5, 5)), ShapeError, r"\(3x4 and 5x5\)"),
    (lambda: ops.bmm(_z(3, 4), _z(2, 4, 5)), ShapeError, "'batch1' must be a 3-D array"),
    (lambda: ops.mv(_z(3, 4), _z(5)), ShapeError, r"size mismatch, got mat \(3x4\), vec \(5\)"),
    (lambda: ops.mv(_z(3, 4), _z(4, 1)), ShapeError, "'vec' must be a 1-D"),
    (lambda: ops.dot(_z(3), _z(4)), ShapeError, "got 3 and 4"),
    (lambda: ops.dot(_z(3), _z(3, 1)), ShapeError, "'other' must be a 1-D"),
    (lambda: ops.vdot(_z(3), _z(3, dtype=jnp.int32)), DTypeError, "same dtype"),
    (lambda: ops.inner(_z(2, 3), _z(2, 4)), ShapeError, "last dimensions must match"),
    (lambda: ops.outer(_z(2, 3), _z(2)), ShapeError, "outer: 'input' must be a 1-D"),
    (lambda: ops.ger(_z(2), _z(2, 3)), ShapeError, "ger: 'vec2' must be a 1-D"),
    (
        lambda: ops.addmm(_z(3, 3), _z(2, 3), _z(3, 3)),
        ShapeError,
        r"'input' of shape \(3, 3\) cannot be broadcast to the shape of the product \(2, 3\)",
    ),
    (lambda: ops.addmm(_z(4), _z(2, 3), _z(3, 3)), ShapeError, "cannot be broadcast"),
    (
        lambda: ops.addmm(
            _z(3, dtype=jnp.int32), _z(3, 3, dtype=jnp.int32), _z(3, 3, dtype=jnp.int32), alpha=0.5
        ),
        DTypeError,
        "'alpha' must not be a floating point number",
    ),
    (
        lambda: ops.addmm(_z(3), _z(3, 3), _z(3, 3), beta="x"),
        ArgumentTypeError,
        "'beta' must be a number",
    ),
    (lambda: ops.addmm(_z(3, dtype=jnp.int32), _z(3, 3), _z(3, 3)), DTypeError, "same dtype"),
    (
        lambda: ops.addmv(_z(3), _z(3, 4), _z(3)),
        ShapeError,
        r"size mismatch, got mat \(3x4\), vec \(3\)",
    ),
    (lambda: ops.addbmm(_z(2, 2), _z(2, 2, 3), _z(3, 3, 2)), ShapeError, "batch sizes"),
    (
        lambda: ops.baddbmm(_z(2, 2, 2, 2), _z(2, 2, 3), _z(2, 3, 2)),
        ShapeError,
        "cannot be broadcast",
    ),
    (lambda: ops.einsum("ij,jk->ik", _z(2, 3)), InvalidArgumentError, "has 2 operand"),
    (
        lambda: ops.einsum("ij->i", _z(2, 3, 4)),
        ShapeError,
        r"number of subscripts in the equation \(2\) does not match the number of dimensions \(3\) for operand 0 and no ellipsis",
    ),
    (lambda: ops.einsum("...ijk->i", _z(2, 3)), ShapeError, "number of subscripts"),
    (
        lambda: ops.einsum("i,i->", _z(3), _z(4)),
        ShapeError,
        "subscript i has size 4 for operand 1 which does not broadcast with previously seen size 3",
    ),
    (lambda: ops.einsum("i,i->", _z(3), _z(3, dtype=jnp.int32)), DTypeError, "same dtype"),
    (lambda: ops.einsum("ij->k", _z(2, 3)), InvalidArgumentError, "einsum:"),
    (lambda: ops.einsum(), InvalidArgumentError, "expected an equation"),
    (lambda: ops.einsum("ij"), InvalidArgumentError, "at least one operand"),
    (lambda: ops.einsum(_z(2), 0), ArgumentTypeError, "sublist"),
    (lambda: ops.einsum(_z(2), [60]), InvalidArgumentError, r"\[0, 52\)"),
    (
        lambda: ops.tensordot(_z(2, 3), _z(4, 5), 1),
        ShapeError,
        "first has size 3 in dim 1 and second has size 4 in dim 0",
    ),
    (
        lambda: ops.tensordot(_z(2, 3), _z(3, 5), 3),
        InvalidArgumentError,
        r"dims must be in \[0, 2\]",
    ),
    (lambda: ops.tensordot(_z(2, 3), _z(3, 5), -1), InvalidArgumentError, "dims must be in"),
    (lambda: ops.tensordot(_z(2, 3), _z(3, 5), ([0, 1], [0])), InvalidArgumentError, "same length"),
    (
        lambda: ops.tensordot(_z(2, 2), _z(2, 2), ([0, 0], [0, 1])),
        InvalidArgumentError,
        "repeated dim",
    ),
    (lambda: ops.tensordot(_z(2, 2), _z(2, 2), ([2], [0])), IndexOutOfRangeError, "out of range"),
    (lambda: ops.tensordot(_z(2, 2), _z(2, 2), "x"), ArgumentTypeError, "'dims'"),
    (lambda: ops.tensordot(_z(2, 2), _z(2, 2), ([0.5], [0])), ArgumentTypeError, "'dims'"),
    (lambda: ops.cross(_z(3), _z(3, dtype=jnp.int32)), DTypeError, "same dtype"),
    (lambda: ops.cross(_z(2, 3), _z(3, 3)), ShapeError, "cannot be broadcast"),
    (lambda: ops.cross(_z(2, 4), _z(2, 4)), ShapeError, "no dimension of size 3"),
    (lambda: ops.cross(_z(3, 2), _z(3, 2), dim=1), ShapeError, r"size of dimension 1 must be 3"),
    (lambda: ops.cross(_z(3), _z(3), dim=1), IndexOutOfRangeError, "out of range"),
    (lambda: ops.trace(_z(3)), ShapeError, "trace: 'input' must be a 2-D"),
    (lambda: ops.trace(_z(3, 3, dtype=bool)), DTypeError, "bool"),
    (lambda: ops.chain_matmul(), InvalidArgumentError, "one or more"),
    (lambda: ops.chain_matmul(_z(3), _z(3, 3)), ShapeError, "2-D"),
    (
        lambda: ops.chain_matmul(_z(2, 3), _z(4, 3)),
        ShapeError,
        r"arrays 0 and 1 cannot be multiplied \(2x3 and 4x3\)",
    ),
    (lambda: ops.multi_dot([_z(3, 3)]), InvalidArgumentError, "at least 2"),
    (lambda: ops.multi_dot([_z(3), _z(3), _z(3)]), ShapeError, "tensor 1 must be 2D"),
    (lambda: ops.multi_dot([_z(3, 3, 3), _z(3)]), ShapeError, "tensor 0 must be 1D or 2D"),
]


@pytest.mark.parametrize(
    ("call", "error", "match"), ERRORS, ids=[f"e{i}" for i in range(len(ERRORS))]
)
def test_bad_inputs_raise(call, error, match):
    with pytest.raises(error, match=match):
        call()
