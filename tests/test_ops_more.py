"""The ops added for issue 3's Tensor surface, as pure functions, in JAX's default 32-bit mode.

``tests/test_ops_contract.py`` checks their docstrings, bad inputs and ``jax.jit``;
``tests/test_compat_ops.py`` compares them with torch through compat (64-bit mode). Here: the
dtypes rustorch_fx promises without 64-bit mode, values against torch, the behaviour under
``jit`` where eager checks cannot run (index_put drops out-of-range writes, masked_scatter),
and gradients that follow torch's conventions (cholesky_solve through the full factor).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import torch

from rustorch_fx import ops


def test_values_and_dtypes_in_32_bit_mode() -> None:
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 4)).astype(np.float32)
    t = torch.from_numpy(a)
    ints = np.array([[4, 6, 0], [9, -3, 5]], np.int32)
    ti = torch.from_numpy(ints)
    pairs = [
        (ops.angle(a), torch.angle(t)),
        (ops.frexp(a).mantissa, torch.frexp(t).mantissa),
        (ops.frexp(a).exponent, torch.frexp(t).exponent),
        (ops.ldexp(a[:2, :3], ints), torch.ldexp(t[:2, :3], ti)),
        (ops.gcd(ints, ints[::-1]), torch.gcd(ti, ti.flip(0))),
        (ops.lcm(ints, ints[::-1]), torch.lcm(ti, ti.flip(0))),
        (ops.nextafter(a, 0.0), torch.nextafter(t, torch.tensor(0.0))),
    ]
    for ours, theirs in pairs:
        got, want = np.asarray(ours), theirs.numpy()
        assert got.dtype == want.dtype, (got.dtype, want.dtype)
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    assert ops.imag(jnp.array([1 + 2j])).dtype == jnp.float32
    assert [p.shape for p in ops.dsplit(jnp.zeros((1, 2, 6)), [1, 4])] == [
        (1, 2, 1),
        (1, 2, 3),
        (1, 2, 2),
    ]


def test_traced_behaviour() -> None:
    x = jnp.zeros((2, 3))

    @jax.jit
    def put(x: jax.Array, i: jax.Array, v: jax.Array) -> jax.Array:
        return ops.index_put(x, (i,), v, accumulate=True)

    # under jit an out-of-range row cannot raise: its write is dropped (never clamped)
    out = put(x, jnp.array([0, 0, 5]), jnp.ones(3))
    np.testing.assert_array_equal(out, [[2.0, 2.0, 2.0], [0.0, 0.0, 0.0]])
    mask = jnp.array([[True, False, True], [False, True, False]])
    scattered = jax.jit(ops.masked_scatter)(x, mask, jnp.arange(1.0, 7.0))
    np.testing.assert_array_equal(scattered, [[1.0, 0.0, 2.0], [0.0, 3.0, 0.0]])
    grads = jax.grad(lambda s: ops.masked_scatter(x, mask, s).sum())(jnp.ones(6))
    np.testing.assert_array_equal(grads, [1.0, 1.0, 1.0, 0.0, 0.0, 0.0])
    filled = jax.jit(ops.fill_diagonal, static_argnums=2)(jnp.zeros((5, 2)), 1.0, True)
    np.testing.assert_array_equal(filled, torch.zeros(5, 2).fill_diagonal_(1.0, wrap=True))


def test_cholesky_solve_gradient_is_torchs() -> None:
    rng = np.random.default_rng(1)
    b = rng.standard_normal((3, 2)).astype(np.float32)
    m = rng.standard_normal((3, 3))
    low = np.linalg.cholesky(m @ m.T + 3 * np.eye(3)).astype(np.float32)
    for upper in (False, True):
        factor = low.T.copy() if upper else low
        gb, gl = jax.grad(lambda b_, f_: ops.cholesky_solve(b_, f_, upper).sum(), (0, 1))(b, factor)
        tb = torch.tensor(b, requires_grad=True)
        tl = torch.tensor(factor, requires_grad=True)
        torch.cholesky_solve(tb, tl, upper=upper).sum().backward()
        np.testing.assert_allclose(gb, tb.grad.numpy(), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(gl, tl.grad.numpy(), rtol=1e-4, atol=1e-5)
