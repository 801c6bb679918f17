"""Shape ops of rustorch_fx.ops against torch: values, dtypes, gradients, jit, edge cases, errors."""

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


def _as_list(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def check(ours, theirs, *arrays, grad=True, jit=True, rtol=1e-5, atol=1e-6):
    """Compare ``ours`` with ``theirs`` (torch): eager values, then jitted values and gradients.

    The jitted check compiles the forward and the gradient together (one compile per case).
    """
    jax_in = [jnp.asarray(a) for a in arrays]
    expected = _as_list(theirs(*[to_torch(a) for a in arrays]))
    got = _as_list(ours(*jax_in))
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        assert_close(g, e, rtol=rtol, atol=atol)
    grad = grad and expected and all(np.issubdtype(a.dtype, np.floating) for a in arrays)
    cots = [
        np.random.default_rng(0).standard_normal(np.shape(e)).astype(np.float32) for e in expected
    ]

    def loss(*xs):
        outs = _as_list(ours(*xs))
        return sum(jnp.sum(o * c) for o, c in zip(outs, cots, strict=True))

    def both(*xs):
        grads = jax.grad(loss, argnums=tuple(range(len(xs))))(*xs) if grad else ()
        return _as_list(ours(*xs)), grads

    if jit:
        got, gj = jax.jit(both)(*jax_in)
        for g, e in zip(got, expected, strict=True):
            assert_close(g, e, rtol=rtol, atol=atol)
    elif grad:
        gj = both(*jax_in)[1]
    if grad:
        tin = [to_torch(a, requires_grad=True) for a in arrays]
        touts = _as_list(theirs(*tin))
        total = sum((o * torch.from_numpy(c)).sum() for o, c in zip(touts, cots, strict=True))
        gt = torch.autograd.grad(total, tin, allow_unused=True)
        for a, b, x in zip(gj, gt, arrays, strict=True):
            assert_close(a, np.zeros_like(x) if b is None else b, rtol=rtol, atol=atol)


# (id, ours, torch, input shapes)
CASES = [
    ("reshape", lambda x: ops.reshape(x, 3, -1), lambda x: x.reshape(3, -1), [(2, 3)]),
    ("reshape_tuple", lambda x: ops.reshape(x, (2, 3)), lambda x: x.reshape((2, 3)), [(6,)]),
    ("reshape_0d", lambda x: ops.reshape(x, -1), lambda x: x.reshape(-1), [()]),
    ("reshape_to_0d", lambda x: ops.reshape(x, ()), lambda x: x.reshape(()), [(1, 1)]),
    ("reshape_empty", lambda x: ops.reshape(x, 3, 0), lambda x: x.reshape(3, 0), [(0, 3)]),
    ("view", lambda x: ops.view(x, -1, 4), lambda x: x.view(-1, 4), [(2, 3, 4)]),
    ("permute", lambda x: ops.permute(x, 2, 0, 1), lambda x: x.permute(2, 0, 1), [(2, 3, 4)]),
    (
        "permute_neg",
        lambda x: ops.permute(x, (-1, 0, 1)),
        lambda x: x.permute(-1, 0, 1),
        [(2, 3, 4)],
    ),
    ("permute_0d", lambda x: ops.permute(x), lambda x: x.permute(()), [()]),
    ("transpose", lambda x: ops.transpose(x, 0, -1), lambda x: x.transpose(0, -1), [(2, 3, 4)]),
    ("transpose_0d", lambda x: ops.transpose(x, 0, -1), lambda x: x.transpose(0, -1), [()]),
    ("swapaxes", lambda x: ops.swapaxes(x, 1, 2), lambda x: x.swapaxes(1, 2), [(2, 3, 4)]),
    ("swapdims", lambda x: ops.swapdims(x, -2, 0), lambda x: x.swapdims(-2, 0), [(2, 3, 4)]),
    ("t2", ops.t, torch.t, [(2, 3)]),
    ("t1", ops.t, torch.t, [(3,)]),
    ("t0", ops.t, torch.t, [()]),
    ("adjoint", ops.adjoint, torch.adjoint, [(2, 3, 4)]),
    ("matrix_transpose", ops.matrix_transpose, lambda x: x.mT, [(2, 3, 4)]),
    ("movedim", lambda x: ops.movedim(x, 0, -1), lambda x: x.movedim(0, -1), [(2, 3, 4)]),
    (
        "moveaxis",
        lambda x: ops.moveaxis(x, (0, 1), (2, 0)),
        lambda x: torch.moveaxis(x, (0, 1), (2, 0)),
        [(2, 3, 4)],
    ),
    ("movedim_0d", lambda x: ops.movedim(x, 0, -1), lambda x: x.movedim(0, -1), [()]),
    ("squeeze_all", ops.squeeze, torch.squeeze, [(1, 2, 1, 3)]),
    ("squeeze_dim", lambda x: ops.squeeze(x, -2), lambda x: x.squeeze(-2), [(1, 2, 1, 3)]),
    ("squeeze_non1", lambda x: ops.squeeze(x, 1), lambda x: x.squeeze(1), [(1, 2, 1, 3)]),
    ("squeeze_tuple", lambda x: ops.squeeze(x, (0, 1)), lambda x: x.squeeze((0, 1)), [(1, 2, 1)]),
    ("squeeze_0d", lambda x: ops.squeeze(x, 0), lambda x: x.squeeze(0), [()]),
    ("unsqueeze", lambda x: ops.unsqueeze(x, -1), lambda x: x.unsqueeze(-1), [(2, 3)]),
    ("unsqueeze_mid", lambda x: ops.unsqueeze(x, 1), lambda x: x.unsqueeze(1), [(2, 3)]),
    ("unsqueeze_0d", lambda x: ops.unsqueeze(x, 0), lambda x: x.unsqueeze(0), [()]),
    ("flatten", ops.flatten, torch.flatten, [(2, 3, 4)]),
    ("flatten_mid", lambda x: ops.flatten(x, 1, -1), lambda x: x.flatten(1, -1), [(2, 3, 4)]),
    ("flatten_same", lambda x: ops.flatten(x, 1, 1), lambda x: x.flatten(1, 1), [(2, 3, 4)]),
    ("flatten_0d", ops.flatten, torch.flatten, [()]),
    (
        "unflatten",
        lambda x: ops.unflatten(x, -1, (2, -1)),
        lambda x: x.unflatten(-1, (2, -1)),
        [(3, 8)],
    ),
    ("ravel", ops.ravel, torch.ravel, [(2, 3)]),
    ("cat", lambda a, b: ops.cat([a, b]), lambda a, b: torch.cat([a, b]), [(2, 3), (1, 3)]),
    (
        "cat_neg",
        lambda a, b: ops.cat((a, b), dim=-1),
        lambda a, b: torch.cat((a, b), dim=-1),
        [(2, 3), (2, 1)],
    ),
    (
        "cat_legacy_empty",
        lambda a, b: ops.cat([a, b], 1),
        lambda a, b: torch.cat([a, b], 1),
        [(2, 3), (0,)],
    ),
    ("cat_all_empty", lambda a, b: ops.cat([a, b]), lambda a, b: torch.cat([a, b]), [(0,), (0,)]),
    (
        "cat_zero_size",
        lambda a, b: ops.concat([a, b], 1),
        lambda a, b: torch.concat([a, b], 1),
        [(2, 0), (2, 2)],
    ),
    (
        "concatenate",
        lambda a, b: ops.concatenate([a, b], 2),
        lambda a, b: torch.concatenate([a, b], 2),
        [(2, 1, 3), (2, 1, 2)],
    ),
    ("stack", lambda a, b: ops.stack([a, b]), lambda a, b: torch.stack([a, b]), [(2, 3), (2, 3)]),
    (
        "stack_last",
        lambda a, b: ops.stack([a, b], -1),
        lambda a, b: torch.stack([a, b], -1),
        [(2, 3), (2, 3)],
    ),
    ("stack_0d", lambda a, b: ops.stack([a, b]), lambda a, b: torch.stack([a, b]), [(), ()]),
    ("hstack_1d", lambda a, b: ops.hstack([a, b]), lambda a, b: torch.hstack([a, b]), [(2,), ()]),
    (
        "hstack_2d",
        lambda a, b: ops.hstack([a, b]),
        lambda a, b: torch.hstack([a, b]),
        [(2, 1), (2, 3)],
    ),
    ("vstack", lambda a, b: ops.vstack([a, b]), lambda a, b: torch.vstack([a, b]), [(3,), (2, 3)]),
    (
        "dstack",
        lambda a, b, c: ops.dstack([a, b, c]),
        lambda a, b, c: torch.dstack([a, b, c]),
        [(3,), (1, 3), (1, 3, 2)],
    ),
    (
        "dstack_2d",
        lambda a, b: ops.dstack([a, b]),
        lambda a, b: torch.dstack([a, b]),
        [(2, 3), (2, 3)],
    ),
    (
        "column_stack",
        lambda a, b, c: ops.column_stack([a, b, c]),
        lambda a, b, c: torch.column_stack([a, b, c]),
        [(3,), (3, 2), (3,)],
    ),
    (
        "column_stack_0d",
        lambda a, b: ops.column_stack([a, b]),
        lambda a, b: torch.column_stack([a, b]),
        [(), (1,)],
    ),
    ("split_int", lambda x: ops.split(x, 2), lambda x: torch.split(x, 2), [(5, 3)]),
    (
        "split_list",
        lambda x: ops.split(x, [1, 0, 2], -1),
        lambda x: x.split([1, 0, 2], -1),
        [(2, 3)],
    ),
    ("split_big", lambda x: ops.split(x, 10), lambda x: torch.split(x, 10), [(5,)]),
    ("split_empty", lambda x: ops.split(x, 2), lambda x: torch.split(x, 2), [(0, 2)]),
    ("split_empty0", lambda x: ops.split(x, 0), lambda x: torch.split(x, 0), [(0,)]),
    ("chunk", lambda x: ops.chunk(x, 3), lambda x: torch.chunk(x, 3), [(5, 2)]),
    ("chunk_fewer", lambda x: ops.chunk(x, 4, 1), lambda x: torch.chunk(x, 4, 1), [(2, 6)]),
    ("chunk_empty", lambda x: ops.chunk(x, 3), lambda x: torch.chunk(x, 3), [(0,)]),
    ("tensor_split_int", lambda x: ops.tensor_split(x, 3), lambda x: x.tensor_split(3), [(7, 2)]),
    (
        "tensor_split_idx",
        lambda x: ops.tensor_split(x, [1, 4, 2, 9], dim=-1),
        lambda x: x.tensor_split([1, 4, 2, 9], dim=-1),
        [(2, 6)],
    ),
    (
        "tensor_split_neg",
        lambda x: ops.tensor_split(x, (-2,)),
        lambda x: x.tensor_split((-2,)),
        [(5,)],
    ),
    ("unbind", lambda x: ops.unbind(x, 1), lambda x: torch.unbind(x, 1), [(2, 3)]),
    ("unbind_neg", lambda x: ops.unbind(x, -1), lambda x: torch.unbind(x, -1), [(2, 0)]),
    ("expand", lambda x: ops.expand(x, 2, -1, 4), lambda x: x.expand(2, -1, 4), [(3, 1)]),
    ("expand_tuple", lambda x: ops.expand(x, (3, 2)), lambda x: x.expand((3, 2)), [()]),
    ("expand_as", ops.expand_as, lambda a, b: a.expand_as(b), [(1, 3), (2, 3)]),
    (
        "broadcast_to",
        lambda x: ops.broadcast_to(x, (4, 2, 3)),
        lambda x: x.broadcast_to((4, 2, 3)),
        [(2, 1)],
    ),
    ("broadcast_tensors", ops.broadcast_tensors, torch.broadcast_tensors, [(2, 1), (3,), ()]),
    ("repeat", lambda x: ops.repeat(x, 2, 1, 3), lambda x: x.repeat(2, 1, 3), [(2, 3)]),
    ("repeat_tuple", lambda x: ops.repeat(x, (2, 0)), lambda x: x.repeat((2, 0)), [(2, 3)]),
    ("repeat_0d", lambda x: ops.repeat(x, 3), lambda x: x.repeat(3), [()]),
    ("tile", lambda x: ops.tile(x, (2,)), lambda x: x.tile((2,)), [(2, 3)]),
    ("tile_more", lambda x: ops.tile(x, (2, 1, 2)), lambda x: x.tile((2, 1, 2)), [(2, 3)]),
    ("ri_int", lambda x: ops.repeat_interleave(x, 2), lambda x: x.repeat_interleave(2), [(2, 3)]),
    (
        "ri_dim",
        lambda x: ops.repeat_interleave(x, 3, dim=-1),
        lambda x: x.repeat_interleave(3, dim=-1),
        [(2, 2)],
    ),
    ("flip", lambda x: ops.flip(x, (0, -1)), lambda x: x.flip((0, -1)), [(2, 3, 4)]),
    ("flip_int", lambda x: ops.flip(x, 0), lambda x: x.flip(0), [(3, 2)]),
    ("flip_none", lambda x: ops.flip(x, ()), lambda x: x.flip(()), [(3, 2)]),
    ("flip_0d", lambda x: ops.flip(x, 0), lambda x: x.flip(0), [()]),
    ("fliplr", ops.fliplr, torch.fliplr, [(2, 3, 4)]),
    ("flipud", ops.flipud, torch.flipud, [(3,)]),
    ("roll_flat", lambda x: ops.roll(x, 2), lambda x: x.roll(2), [(2, 3)]),
    (
        "roll_dims",
        lambda x: ops.roll(x, (1, -2), (0, -1)),
        lambda x: x.roll((1, -2), (0, -1)),
        [(2, 3)],
    ),
    ("roll_int_dim", lambda x: ops.roll(x, 4, 1), lambda x: x.roll(4, 1), [(2, 3)]),
    ("roll_0d", lambda x: ops.roll(x, 1), lambda x: x.roll(1), [()]),
    ("narrow", lambda x: ops.narrow(x, 1, 1, 2), lambda x: x.narrow(1, 1, 2), [(2, 4)]),
    ("narrow_neg", lambda x: ops.narrow(x, -1, -3, 2), lambda x: x.narrow(-1, -3, 2), [(2, 4)]),
    ("narrow_end", lambda x: ops.narrow(x, 0, 2, 0), lambda x: x.narrow(0, 2, 0), [(2, 4)]),
    ("select", lambda x: ops.select(x, 1, -1), lambda x: x.select(1, -1), [(2, 4)]),
    ("select_1d", lambda x: ops.select(x, 0, 2), lambda x: x.select(0, 2), [(4,)]),
    ("tril", ops.tril, torch.tril, [(3, 4)]),
    ("tril_off", lambda x: ops.tril(x, -1), lambda x: x.tril(-1), [(2, 3, 4)]),
    ("triu", lambda x: ops.triu(x, 2), lambda x: x.triu(2), [(3, 4)]),
    ("triu_empty", lambda x: ops.triu(x, 1), lambda x: x.triu(1), [(0, 4)]),
    ("diagonal", ops.diagonal, torch.diagonal, [(3, 4)]),
    (
        "diagonal_off",
        lambda x: ops.diagonal(x, -1, 2, 0),
        lambda x: x.diagonal(-1, 2, 0),
        [(3, 4, 5)],
    ),
    ("diagonal_far", lambda x: ops.diagonal(x, 7), lambda x: x.diagonal(7), [(3, 4)]),
    ("diag_1d", lambda x: ops.diag(x, -2), lambda x: torch.diag(x, -2), [(3,)]),
    ("diag_2d", lambda x: ops.diag(x, 1), lambda x: torch.diag(x, 1), [(3, 4)]),
    ("diag_embed", ops.diag_embed, torch.diag_embed, [(2, 3)]),
    (
        "diag_embed_dims",
        lambda x: ops.diag_embed(x, 1, 0, 2),
        lambda x: torch.diag_embed(x, 1, 0, 2),
        [(2, 3)],
    ),
    (
        "diag_embed_rev",
        lambda x: ops.diag_embed(x, -1, -1, 0),
        lambda x: torch.diag_embed(x, -1, -1, 0),
        [(2, 3)],
    ),
    ("diagflat", lambda x: ops.diagflat(x, 1), lambda x: torch.diagflat(x, 1), [(2, 2)]),
    ("atleast_1d", ops.atleast_1d, torch.atleast_1d, [()]),
    ("atleast_2d", ops.atleast_2d, torch.atleast_2d, [(3,)]),
    ("atleast_2d_many", ops.atleast_2d, torch.atleast_2d, [(), (2,), (1, 2, 3)]),
    ("atleast_3d_0", ops.atleast_3d, torch.atleast_3d, [()]),
    ("atleast_3d_1", ops.atleast_3d, torch.atleast_3d, [(3,)]),
    ("atleast_3d_2", ops.atleast_3d, torch.atleast_3d, [(2, 3)]),
    ("atleast_3d_4", ops.atleast_3d, torch.atleast_3d, [(1, 2, 3, 4)]),
    (
        "atleast_seq",
        lambda a, b: ops.atleast_1d([a, b]),
        lambda a, b: torch.atleast_1d([a, b]),
        [(), (2,)],
    ),
    (
        "meshgrid_ij",
        lambda a, b: ops.meshgrid(a, b),
        lambda a, b: torch.meshgrid(a, b, indexing="ij"),
        [(2,), (3,)],
    ),
    (
        "meshgrid_xy",
        lambda a, b, c: ops.meshgrid([a, b, c], indexing="xy"),
        lambda a, b, c: torch.meshgrid([a, b, c], indexing="xy"),
        [(2,), (), (4,)],
    ),
]


@pytest.mark.parametrize(
    ("ours", "theirs", "shapes"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_matches_torch(rng, ours, theirs, shapes):
    check(ours, theirs, *[randn(rng, *s) for s in shapes])


INT_CASES = [
    ("cat", lambda a, b: ops.cat([a, b]), lambda a, b: torch.cat([a, b])),
    ("stack", lambda a, b: ops.stack([a, b], 1), lambda a, b: torch.stack([a, b], 1)),
    ("flip", lambda a, b: ops.flip(a, 1), lambda a, b: a.flip(1)),
    ("tril", lambda a, b: ops.tril(b, 1), lambda a, b: b.tril(1)),
    ("repeat", lambda a, b: ops.repeat(a, 2, 2), lambda a, b: a.repeat(2, 2)),
    ("diag_embed", lambda a, b: ops.diag_embed(a), lambda a, b: torch.diag_embed(a)),
    ("rot90", lambda a, b: ops.rot90(a), lambda a, b: a.rot90()),
]


@pytest.mark.parametrize(
    ("ours", "theirs"), [c[1:] for c in INT_CASES], ids=[c[0] for c in INT_CASES]
)
def test_integer_and_bool_inputs_keep_their_dtype(rng, both_modes, ours, theirs):
    a = rng.integers(-5, 5, (2, 3)).astype(np.int32)
    b = rng.integers(0, 2, (2, 3)).astype(bool)
    check(ours, theirs, a, b, grad=False)


@pytest.mark.parametrize("k", [-3, -1, 0, 1, 2, 5])
@pytest.mark.parametrize("dims", [(0, 1), (1, 0), (-1, 0)])
def test_rot90(rng, k, dims):
    check(lambda x: ops.rot90(x, k, dims), lambda x: torch.rot90(x, k, dims), randn(rng, 2, 3, 4))


@pytest.mark.parametrize(
    "dtypes",
    [
        (np.int32, np.float32),
        (np.bool_, np.int32),
        (np.float16, np.int32),
        (np.int8, np.uint8),
        (np.float16, np.float32),
        (np.bool_, np.float16),
    ],
)
def test_cat_and_stack_promote_dtypes_like_torch(rng, both_modes, dtypes):
    arrays = [(rng.standard_normal((2, 3)) * 3).astype(dt) for dt in dtypes]
    # The 1-D empty float tensor is skipped by cat, but still takes part in promotion.
    empty = np.zeros((0,), np.float32)
    check(lambda a, b: ops.cat([a, b]), lambda a, b: torch.cat([a, b]), *arrays, grad=False)
    check(lambda a, b: ops.stack([a, b]), lambda a, b: torch.stack([a, b]), *arrays, grad=False)
    check(
        lambda a, e: ops.cat([a, e]), lambda a, e: torch.cat([a, e]), arrays[0], empty, grad=False
    )


def test_float64_inputs_under_x64(rng):
    with jax.enable_x64(True):
        x = randn(rng, 2, 3, dtype=np.float64)
        check(lambda a: ops.cat([a, a], 1), lambda a: torch.cat([a, a], 1), x)
        check(lambda a: ops.unflatten(a, 1, (3, 1)), lambda a: a.unflatten(1, (3, 1)), x)


def test_repeat_interleave_with_array_repeats():
    x = jnp.arange(6.0).reshape(2, 3)
    r = jnp.array([1, 0, 2])
    expected = torch.arange(6.0).reshape(2, 3).repeat_interleave(torch.tensor([1, 0, 2]), dim=1)
    assert_close(ops.repeat_interleave(x, r, dim=1), expected)
    assert_close(
        ops.repeat_interleave(x, jnp.array([3]), dim=0),
        torch.arange(6.0).reshape(2, 3).repeat_interleave(torch.tensor([3]), dim=0),
    )
    # One-argument form: the counts themselves.
    assert_close(
        ops.repeat_interleave(jnp.array([2, 0, 1])),
        torch.repeat_interleave(torch.tensor([2, 0, 1])),
    )
    # Under jit the output size must be given; it is checked when the repeats are concrete.
    f = jax.jit(lambda x, r: ops.repeat_interleave(x, r, dim=1, output_size=3))
    assert_close(f(x, r), expected)
    g = jax.grad(lambda x: ops.repeat_interleave(x, r, dim=1).sum())(x)
    assert_close(g, np.array([[1, 0, 2], [1, 0, 2]], np.float32))
    assert_close(
        ops.repeat_interleave(x, 2, output_size=12), np.repeat(np.arange(6.0, dtype=np.float32), 2)
    )


def test_0d_inputs_with_a_dim_are_accepted_as_1_element():
    # torch raises for these 0-d cases; accepting dim 0/-1 on a 0-d array is the rule everywhere
    # else (normalize_dim), so repeat_interleave and roll follow it.
    assert ops.repeat_interleave(jnp.float32(5), 2, dim=0).tolist() == [5.0, 5.0]
    assert ops.roll(jnp.float32(5), 1, 0).tolist() == 5.0


def test_broadcast_shapes():
    assert ops.broadcast_shapes((2, 1), (3,), 1) == torch.broadcast_shapes((2, 1), (3,), 1)
    assert ops.broadcast_shapes() == ()
    assert ops.broadcast_shapes((0, 1), (1, 4)) == (0, 4)


def test_shape_ops_under_vmap(rng):
    x = jnp.asarray(randn(rng, 5, 2, 3))
    out = jax.vmap(lambda a: ops.cat([ops.t(a), ops.flip(ops.t(a), 0)], dim=-1))(x)
    expected = torch.cat([to_torch(x).mT, to_torch(x).mT.flip(1)], dim=-1)
    assert_close(out, expected)


ERRORS = [
    (
        lambda: ops.reshape(jnp.zeros(6), 2, 4),
        ShapeError,
        r"shape '\[2, 4\]' is invalid for input of size 6",
    ),
    (
        lambda: ops.view(jnp.zeros(6), (4, -1)),
        ShapeError,
        r"view: shape '\[4, -1\]' is invalid for input of size 6",
    ),
    (lambda: ops.reshape(jnp.zeros(6), -1, -1), ShapeError, "only one dimension can be inferred"),
    (lambda: ops.reshape(jnp.zeros((0, 3)), 0, -1), ShapeError, "ambiguous"),
    (lambda: ops.reshape(jnp.zeros(6), -2, -3), ShapeError, "invalid shape dimension"),
    (lambda: ops.reshape(jnp.zeros(6), 2.0, 3), ArgumentTypeError, "must be an int or a sequence"),
    (
        lambda: ops.reshape("abc", 3),
        ArgumentTypeError,
        "reshape: argument 'input' must be an array",
    ),
    (lambda: ops.permute(jnp.zeros((2, 3)), 0), ShapeError, "number of dims don't match"),
    (lambda: ops.permute(jnp.zeros((2, 3)), 0, 0), InvalidArgumentError, "duplicate dims"),
    (lambda: ops.permute(jnp.zeros((2, 3)), 0, 2), IndexOutOfRangeError, r"dimension out of range"),
    (lambda: ops.transpose(jnp.zeros((2, 3)), 0, 2), IndexOutOfRangeError, "but got 2"),
    (
        lambda: ops.t(jnp.zeros((2, 3, 4))),
        ShapeError,
        "t: expects an array with <= 2 dimensions, but input is 3D",
    ),
    (lambda: ops.adjoint(jnp.zeros(3)), ShapeError, "adjoint: expected an array with at least 2"),
    (lambda: ops.matrix_transpose(jnp.zeros(3)), ShapeError, "at least 2 dimensions"),
    (lambda: ops.movedim(jnp.zeros((2, 3)), (0, 1), 0), ShapeError, "same number of dims"),
    (
        lambda: ops.movedim(jnp.zeros((2, 3)), (0, 0), (0, 1)),
        InvalidArgumentError,
        "repeated dim in source",
    ),
    (
        lambda: ops.movedim(jnp.zeros((2, 3)), (0, 1), (1, -1)),
        InvalidArgumentError,
        "repeated dim in destination",
    ),
    (lambda: ops.squeeze(jnp.zeros((1, 2)), 2), IndexOutOfRangeError, "dimension out of range"),
    (lambda: ops.unsqueeze(jnp.zeros((2,)), 2), IndexOutOfRangeError, r"\[-2, 1\]"),
    (
        lambda: ops.flatten(jnp.zeros((2, 3)), 1, 0),
        InvalidArgumentError,
        "start_dim .1. cannot come after end_dim .0.",
    ),
    (
        lambda: ops.unflatten(jnp.zeros((2, 3)), 1, (2, 2)),
        ShapeError,
        r"sizes \[2, 2\] don't multiply up to the size of dim 1 \(3\)",
    ),
    (lambda: ops.unflatten(jnp.zeros((2, 3)), 1, ()), ShapeError, "sizes must be non-empty"),
    (lambda: ops.cat([]), InvalidArgumentError, "non-empty"),
    (lambda: ops.cat(jnp.zeros((2, 3))), ArgumentTypeError, "sequence of arrays"),
    (
        lambda: ops.cat([jnp.zeros((2, 3)), jnp.zeros((2, 4))]),
        ShapeError,
        r"Expected size 3 but got size 4 for tensor number 1 in the list \(shapes \(2, 3\) and \(2, 4\)\)",
    ),
    (
        lambda: ops.cat([jnp.zeros((2, 3)), jnp.zeros(3)]),
        ShapeError,
        r"same number of dimensions: got 2 .* and 1 \(tensor number 1",
    ),
    (
        lambda: ops.cat([jnp.zeros(()), jnp.zeros(3)]),
        ShapeError,
        r"zero-dimensional array \(at position 0\)",
    ),
    (lambda: ops.cat([jnp.zeros((2, 3))], 2), IndexOutOfRangeError, "dimension out of range"),
    (
        lambda: ops.stack([jnp.zeros(3), jnp.zeros(4)]),
        ShapeError,
        r"\(3,\) at entry 0 and \(4,\) at entry 1",
    ),
    (lambda: ops.stack([jnp.zeros(3)], 3), IndexOutOfRangeError, "dimension out of range"),
    (
        lambda: ops.hstack([jnp.zeros((2, 1)), jnp.zeros((3, 1))]),
        ShapeError,
        "hstack: sizes of tensors must match",
    ),
    (lambda: ops.vstack([jnp.zeros(2), jnp.zeros(3)]), ShapeError, "vstack"),
    (
        lambda: ops.split(jnp.zeros(6), [2, 3]),
        ShapeError,
        r"sum exactly to 6 .* split_sizes=\[2, 3\]",
    ),
    (lambda: ops.split(jnp.zeros(6), [7, -1]), InvalidArgumentError, "non-negative"),
    (lambda: ops.split(jnp.zeros(6), 0), InvalidArgumentError, "split_size can only be 0"),
    (lambda: ops.split(jnp.zeros(()), 1), ShapeError, "at least 1 dimensions, got 0"),
    (lambda: ops.split(jnp.zeros(6), 2.5), ArgumentTypeError, "split_size_or_sections"),
    (lambda: ops.chunk(jnp.zeros(6), 0), InvalidArgumentError, "chunks must be greater than 0"),
    (lambda: ops.chunk(jnp.zeros(6), 1.5), ArgumentTypeError, "chunks"),
    (lambda: ops.tensor_split(jnp.zeros(6), 0), InvalidArgumentError, "larger than 0"),
    (lambda: ops.unbind(jnp.zeros(()), 0), ShapeError, "at least 1"),
    (
        lambda: ops.expand(jnp.zeros((2, 3)), 3, 3),
        ShapeError,
        r"expanded size of the array \(3\) must match the existing size \(2\) at non-singleton dimension 0",
    ),
    (
        lambda: ops.expand(jnp.zeros((2, 3)), -1, 2, 3),
        ShapeError,
        r"\(-1\) isn't allowed in a leading, non-existing dimension 0",
    ),
    (lambda: ops.expand(jnp.zeros((2, 3)), 3), ShapeError, r"number of sizes provided \(1\)"),
    (lambda: ops.expand(jnp.zeros((1, 3)), -2, 3), ShapeError, r"\(-2\) must match"),
    (lambda: ops.expand_as(jnp.zeros(3), jnp.zeros((2, 2))), ShapeError, "expand_as"),
    (lambda: ops.broadcast_to(jnp.zeros(3), (4,)), ShapeError, "broadcast_to"),
    (lambda: ops.broadcast_shapes((2, 3), (4, 3)), ShapeError, "size 2 does not match size 4"),
    (lambda: ops.broadcast_shapes((-1,)), ShapeError, "negative dimension"),
    (lambda: ops.broadcast_tensors(jnp.zeros(2), jnp.zeros(3)), ShapeError, "cannot be broadcast"),
    (
        lambda: ops.repeat(jnp.zeros((2, 3)), 2),
        ShapeError,
        r"repeat dims \(1\) can not be smaller than number of dimensions of the array \(2\)",
    ),
    (lambda: ops.repeat(jnp.zeros(3), -1), InvalidArgumentError, "negative"),
    (lambda: ops.tile(jnp.zeros(3), (-1,)), InvalidArgumentError, "negative"),
    (lambda: ops.repeat_interleave(jnp.zeros(3), -1), InvalidArgumentError, "can not be negative"),
    (
        lambda: ops.repeat_interleave(jnp.zeros(3), jnp.array([1, -1, 1])),
        InvalidArgumentError,
        "can not be negative",
    ),
    (
        lambda: ops.repeat_interleave(jnp.zeros(2), jnp.array([1, 2, 3])),
        ShapeError,
        r"repeats of shape \(3,\) and input.size\(0\) = 2",
    ),
    (
        lambda: ops.repeat_interleave(jnp.zeros(2), jnp.array([1.0, 2.0])),
        DTypeError,
        "integer array",
    ),
    (
        lambda: ops.repeat_interleave(jnp.zeros(2), 2, output_size=5),
        ShapeError,
        r"output_size \(5\) does not match 4",
    ),
    (
        lambda: ops.repeat_interleave(jnp.zeros(2), jnp.array([1, 2]), output_size=4),
        ShapeError,
        r"sum of repeats \(3\)",
    ),
    (lambda: ops.repeat_interleave(jnp.zeros((2, 2))), ShapeError, "1-D"),
    (
        lambda: jax.jit(lambda r: ops.repeat_interleave(jnp.zeros(2), r))(jnp.array([1, 2])),
        TracingError,
        "output_size",
    ),
    (lambda: ops.flip(jnp.zeros((2, 3)), (0, 0)), InvalidArgumentError, "appears multiple times"),
    (lambda: ops.flip(jnp.zeros((2, 3)), 2), IndexOutOfRangeError, "dimension out of range"),
    (lambda: ops.fliplr(jnp.zeros(3)), ShapeError, "fliplr"),
    (lambda: ops.flipud(jnp.zeros(())), ShapeError, "flipud"),
    (
        lambda: ops.roll(jnp.zeros((2, 3)), (1, 2), (0,)),
        ShapeError,
        "shifts and dimensions must align. shifts: 2, dims: 1",
    ),
    (lambda: ops.roll(jnp.zeros((2, 3)), (1, 2)), ShapeError, "single int"),
    (lambda: ops.rot90(jnp.zeros((2, 3)), 1, (0,)), ShapeError, "rotation dims == 2"),
    (lambda: ops.rot90(jnp.zeros((2, 3)), 1, (0, -2)), InvalidArgumentError, "different"),
    (lambda: ops.rot90(jnp.zeros(3)), ShapeError, "at least 2"),
    (lambda: ops.rot90(jnp.zeros((2, 2)), 1.0), ArgumentTypeError, "'k'"),
    (
        lambda: ops.narrow(jnp.zeros((2, 3)), 1, 2, 2),
        IndexOutOfRangeError,
        r"start \(2\) \+ length \(2\) exceeds dimension size \(3\)",
    ),
    (
        lambda: ops.narrow(jnp.zeros((2, 3)), 1, -4, 1),
        IndexOutOfRangeError,
        r"start \(-4\) out of range",
    ),
    (
        lambda: ops.narrow(jnp.zeros((2, 3)), 1, 0, -1),
        InvalidArgumentError,
        "length must be non-negative",
    ),
    (lambda: ops.narrow(jnp.zeros((2, 3)), 1, 0.5, 1), ArgumentTypeError, "'start'"),
    (
        lambda: ops.select(jnp.zeros((2, 3)), 1, 3),
        IndexOutOfRangeError,
        r"index 3 out of range for array of size \[2, 3\] at dimension 1",
    ),
    (lambda: ops.select(jnp.zeros((2, 3)), 0, -3), IndexOutOfRangeError, "index -3 out of range"),
    (lambda: ops.select(jnp.zeros((2, 3)), 0, 1.0), ArgumentTypeError, "'index'"),
    (lambda: ops.tril(jnp.zeros(3)), ShapeError, "tril: expected an array with at least 2"),
    (lambda: ops.triu(jnp.zeros((2, 2)), 0.5), ArgumentTypeError, "'diagonal'"),
    (
        lambda: ops.diagonal(jnp.zeros((2, 3)), 0, 1, -1),
        InvalidArgumentError,
        "cannot be identical",
    ),
    (lambda: ops.diagonal(jnp.zeros((2, 3)), 0.5), ArgumentTypeError, "'offset'"),
    (lambda: ops.diagonal(jnp.zeros((2, 3)), 0, 0, 2), IndexOutOfRangeError, "but got 2"),
    (
        lambda: ops.diag(jnp.zeros((2, 3, 4))),
        ShapeError,
        "diag: expected an array with 1 to 2 dimensions, got 3",
    ),
    (lambda: ops.diag(jnp.zeros(3), 0.5), ArgumentTypeError, "'diagonal'"),
    (
        lambda: ops.diag_embed(
            jnp.zeros(()),
        ),
        ShapeError,
        "at least 1",
    ),
    (lambda: ops.diag_embed(jnp.zeros(3), 0, 0, -2), InvalidArgumentError, "cannot be identical"),
    (lambda: ops.diag_embed(jnp.zeros(3), 0.5), ArgumentTypeError, "'offset'"),
    (lambda: ops.diagflat(jnp.zeros(3), 0.5), ArgumentTypeError, "'offset'"),
    (lambda: ops.meshgrid(), InvalidArgumentError, "non-empty"),
    (lambda: ops.meshgrid(jnp.zeros(2), indexing="ji"), InvalidArgumentError, "'ij' or 'xy'"),
    (lambda: ops.meshgrid(jnp.zeros((2, 2))), ShapeError, "0-D or 1-D"),
    (
        lambda: ops.meshgrid(jnp.zeros(2), jnp.zeros(2, jnp.int32)),
        DTypeError,
        "same dtype, got float32 and int32",
    ),
]


@pytest.mark.parametrize(
    ("call", "error", "match"), ERRORS, ids=[f"e{i}" for i in range(len(ERRORS))]
)
def test_bad_inputs_raise(call, error, match):
    with pytest.raises(error, match=match):
        call()
