"""Functional autodiff against torch.func / torch.autograd.functional, raw JAX and finite differences."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
import torch.autograd.functional as taf
import torch.func as tf
from conftest import assert_close, assert_tree_close, randn, to_torch

import rustorch_fx as rt
from rustorch_fx import autodiff

# ----------------------------------------------------------------------------------------------
# The same functions in both libraries
# ----------------------------------------------------------------------------------------------


def sin_cube_j(x):
    return jnp.sum(jnp.sin(x) * x**3)


def sin_cube_t(x):
    return torch.sum(torch.sin(x) * x**3)


def sin_cube_vec_j(x):
    return jnp.sin(x) * x**3


def sin_cube_vec_t(x):
    return torch.sin(x) * x**3


def mlp_j(params, x, y):
    h = jnp.tanh(x @ params["0.weight"].T + params["0.bias"])
    out = h @ params["2.weight"].T + params["2.bias"]
    return jnp.mean((out - y) ** 2)


def mlp_t(params, x, y):
    h = torch.tanh(x @ params["0.weight"].T + params["0.bias"])
    out = h @ params["2.weight"].T + params["2.bias"]
    return torch.mean((out - y) ** 2)


def xent_j(w, x, labels):
    logp = jax.nn.log_softmax(x @ w, axis=-1)
    return -jnp.mean(jnp.take_along_axis(logp, labels[:, None], axis=1))


def xent_t(w, x, labels):
    return torch.nn.functional.cross_entropy(x @ w, labels)


def mlp_params(rng):
    shapes = {"0.weight": (4, 3), "0.bias": (4,), "2.weight": (2, 4), "2.bias": (2,)}
    return {k: randn(rng, *s) for k, s in shapes.items()}


def jx_tree(tree):
    return jax.tree_util.tree_map(jnp.asarray, tree)


def tt_tree(tree):
    return {k: to_torch(v) for k, v in tree.items()}


# ----------------------------------------------------------------------------------------------
# grad / value_and_grad
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("jit", [False, True])
def test_grad_sin_cube_matches_torch(rng, jit):
    x = randn(rng, 5)
    g = rt.grad(sin_cube_j)
    g = jax.jit(g) if jit else g
    assert_close(g(jnp.asarray(x)), tf.grad(sin_cube_t)(to_torch(x)))


def test_grad_mlp_dict_params_matches_torch(rng):
    params, x, y = mlp_params(rng), randn(rng, 6, 3), randn(rng, 6, 2)
    ours = rt.grad(mlp_j)(jx_tree(params), jnp.asarray(x), jnp.asarray(y))
    ref = tf.grad(mlp_t)(tt_tree(params), to_torch(x), to_torch(y))
    assert set(ours) == set(ref)
    for k in ref:
        assert_close(ours[k], ref[k])


def test_grad_xent_argnums_tuple_matches_torch(rng):
    w, x = randn(rng, 3, 4), randn(rng, 5, 3)
    labels = rng.integers(0, 4, size=5)
    gw, gx = rt.grad(xent_j, argnums=(0, 1))(
        jnp.asarray(w), jnp.asarray(x), jnp.asarray(labels, dtype=jnp.int32)
    )
    rw, rx = tf.grad(xent_t, argnums=(0, 1))(to_torch(w), to_torch(x), to_torch(labels))
    assert_close(gw, rw)
    assert_close(gx, rx)


def test_grad_negative_argnums_and_kwargs(rng):
    w, x = randn(rng, 3), randn(rng, 3)

    def f(w, x, scale=1.0):
        return jnp.sum(w * x) * scale

    g = rt.grad(f, argnums=-1)(jnp.asarray(w), jnp.asarray(x), scale=2.0)
    assert_close(g, 2.0 * w)


def test_grad_has_aux_and_value_and_grad(rng):
    x = jnp.asarray(randn(rng, 4))

    def f(x):
        return sin_cube_j(x), {"norm": jnp.linalg.norm(x)}

    g, aux = rt.grad(f, has_aux=True)(x)
    assert_close(g, jax.grad(sin_cube_j)(x))
    assert_close(aux["norm"], jnp.linalg.norm(x))
    (value, _aux2), g2 = rt.value_and_grad(f, has_aux=True)(x)
    assert_close(value, sin_cube_j(x))
    assert_close(g2, g)
    v, g3 = rt.value_and_grad(sin_cube_j)(x)
    assert_close(v, sin_cube_j(x))
    assert_close(g3, g)


def test_grad_accepts_python_float_output_and_input():
    assert float(rt.grad(lambda x: x * 3.0)(2.0)) == 3.0
    assert float(rt.grad(lambda x: 2.5)(2.0)) == 0.0


def test_grad_complex_input_allowed_like_jax():
    x = jnp.asarray([1.0 + 2.0j], dtype=jnp.complex64)
    f = lambda z: jnp.sum(jnp.abs(z) ** 2)  # noqa: E731
    assert_close(rt.grad(f)(x), jax.grad(f)(x))


def test_grad_dtypes_in_both_modes(both_modes, rng):
    x = jnp.asarray(randn(rng, 3), dtype=jnp.float32)
    g = rt.grad(sin_cube_j)(x)
    assert g.dtype == jnp.float32
    assert_close(g, jax.grad(sin_cube_j)(x))


def test_grad_matches_finite_differences(rng):
    x = randn(rng, 4).astype(np.float64)
    with jax.enable_x64(True):
        g = np.asarray(rt.grad(sin_cube_j)(jnp.asarray(x)))
        eps = 1e-6
        fd = [
            (
                float(sin_cube_j(jnp.asarray(x + eps * e)))
                - float(sin_cube_j(jnp.asarray(x - eps * e)))
            )
            / (2 * eps)
            for e in np.eye(4)
        ]
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)


# ----------------------------------------------------------------------------------------------
# Jacobians and Hessians
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("transform", "reference"),
    [
        (rt.jacfwd, tf.jacfwd),
        (rt.jacrev, tf.jacrev),
        (lambda f: rt.jacobian(f, mode="fwd"), tf.jacfwd),
        (lambda f: rt.jacobian(f, mode="rev"), tf.jacrev),
        (rt.jacobian, tf.jacrev),
    ],
)
def test_jacobians_match_torch(rng, transform, reference):
    x = randn(rng, 4)
    assert_close(transform(sin_cube_vec_j)(jnp.asarray(x)), reference(sin_cube_vec_t)(to_torch(x)))


def test_jacobian_non_square_layout_matches_torch_functional(rng):
    x, y = randn(rng, 2), randn(rng, 3)

    def fj(x, y):
        return jnp.outer(x, y) ** 2

    def ft(x, y):
        return torch.outer(x, y) ** 2

    ours = rt.jacobian(fj, argnums=(0, 1))(jnp.asarray(x), jnp.asarray(y))
    ref = taf.jacobian(ft, (to_torch(x), to_torch(y)))
    assert ours[0].shape == (2, 3, 2)
    assert ours[1].shape == (2, 3, 3)
    assert_close(ours[0], ref[0])
    assert_close(ours[1], ref[1])


@pytest.mark.parametrize(
    ("n_in", "n_out", "expected"), [(2, 6, "fwd"), (6, 2, "rev"), (3, 3, "rev")]
)
def test_jacobian_auto_mode_choice(monkeypatch, n_in, n_out, expected):
    calls = []
    real = {"fwd": jax.jacfwd, "rev": jax.jacrev}
    for name, fn in real.items():
        monkeypatch.setattr(
            autodiff.jax,
            f"jac{name}",
            lambda *a, _n=name, _f=fn, **k: calls.append(_n) or _f(*a, **k),
        )
    mat = jnp.ones((n_out, n_in), dtype=jnp.float32)
    jac = rt.jacobian(lambda x: jnp.tanh(mat @ x))(jnp.zeros(n_in, dtype=jnp.float32))
    assert calls == [expected]
    assert_close(jac, mat)


def test_jacobian_pytree_and_has_aux(rng):
    p = {"a": jnp.asarray(randn(rng, 2)), "b": jnp.asarray(randn(rng, 3))}

    def f(p):
        return {"s": p["a"] * 2.0, "t": jnp.sum(p["b"] ** 2)}, p["a"].sum()

    for mode in ("fwd", "rev", "auto"):
        jac, aux = rt.jacobian(f, mode=mode, has_aux=True)(p)
        assert_close(aux, p["a"].sum())
        assert_tree_close(jac, jax.jacrev(f, has_aux=True)(p)[0])


def test_hessian_matches_torch(rng):
    x = randn(rng, 4)
    ours = rt.hessian(sin_cube_j)(jnp.asarray(x))
    assert_close(ours, tf.hessian(sin_cube_t)(to_torch(x)), rtol=1e-5, atol=1e-5)
    assert_close(ours, taf.hessian(sin_cube_t, to_torch(x)), rtol=1e-5, atol=1e-5)


def test_hessian_mlp_dict_params_matches_torch(rng):
    params, x, y = mlp_params(rng), randn(rng, 5, 3), randn(rng, 5, 2)
    ours = jax.jit(rt.hessian(mlp_j))(jx_tree(params), jnp.asarray(x), jnp.asarray(y))
    ref = tf.hessian(mlp_t)(tt_tree(params), to_torch(x), to_torch(y))
    for k1 in ref:
        for k2 in ref[k1]:
            assert_close(ours[k1][k2], ref[k1][k2], rtol=1e-4, atol=1e-5)


def test_hessian_of_hessian_matches_jax_and_torch(rng):
    # jitted: eager nested transforms spend seconds compiling each small primitive.
    x = randn(rng, 2)
    ours = jax.jit(rt.hessian(rt.hessian(sin_cube_j)))(jnp.asarray(x))
    assert ours.shape == (2, 2, 2, 2)
    raw = jax.jit(jax.hessian(jax.hessian(sin_cube_j)))(jnp.asarray(x))
    assert_close(ours, raw, rtol=1e-5, atol=1e-5)
    ref = tf.hessian(tf.hessian(sin_cube_t))(to_torch(x))
    assert_close(ours, ref, rtol=1e-4, atol=1e-4)


def test_hessian_has_aux_and_jit_vmap(rng):
    xs = randn(rng, 3, 2)

    def f(x):
        return sin_cube_j(x), x.sum()

    h, aux = jax.jit(rt.hessian(f, has_aux=True))(jnp.asarray(xs[0]))
    assert_close(h, jax.jit(jax.hessian(sin_cube_j))(jnp.asarray(xs[0])))
    assert_close(aux, xs[0].sum())
    batched = jax.jit(jax.vmap(rt.hessian(sin_cube_j)))(jnp.asarray(xs))
    for i in range(3):
        assert_close(batched[i], tf.hessian(sin_cube_t)(to_torch(xs[i])), atol=1e-5)


# ----------------------------------------------------------------------------------------------
# jvp, vjp, hvp, vhp
# ----------------------------------------------------------------------------------------------


def test_jvp_matches_torch(rng):
    x, t = randn(rng, 4), randn(rng, 4)
    out, tout = rt.jvp(sin_cube_vec_j, (jnp.asarray(x),), (jnp.asarray(t),))
    rout, rtout = tf.jvp(sin_cube_vec_t, (to_torch(x),), (to_torch(t),))
    assert_close(out, rout)
    assert_close(tout, rtout)


def test_vjp_matches_torch_and_has_aux(rng):
    x, v = randn(rng, 4), randn(rng, 4)
    out, vjp_fn = rt.vjp(sin_cube_vec_j, jnp.asarray(x))
    rout, rvjp = tf.vjp(sin_cube_vec_t, to_torch(x))
    assert_close(out, rout)
    (g,) = vjp_fn(jnp.asarray(v))
    assert_close(g, rvjp(to_torch(v))[0])
    _out2, vjp_fn2, aux = rt.vjp(lambda x: (x * 2.0, "a"), jnp.asarray(x), has_aux=True)
    assert aux == "a"
    assert_close(vjp_fn2(jnp.asarray(v))[0], 2.0 * v)


@pytest.mark.parametrize("jit", [False, True])
def test_hvp_and_vhp_match_torch(rng, jit):
    x, v = randn(rng, 4), randn(rng, 4)
    hvp = jax.jit(rt.hvp, static_argnums=0) if jit else rt.hvp
    vhp = jax.jit(rt.vhp, static_argnums=0) if jit else rt.vhp
    ours = hvp(sin_cube_j, (jnp.asarray(x),), (jnp.asarray(v),))
    assert isinstance(ours, tuple)
    _, ref = taf.hvp(sin_cube_t, to_torch(x), to_torch(v))
    assert_close(ours[0], ref, atol=1e-5)
    _, ref_v = taf.vhp(sin_cube_t, to_torch(x), to_torch(v))
    assert_close(vhp(sin_cube_j, (jnp.asarray(x),), (jnp.asarray(v),))[0], ref_v, atol=1e-5)
    assert_close(ours[0], jax.hessian(sin_cube_j)(jnp.asarray(x)) @ jnp.asarray(v), atol=1e-5)


def test_hvp_vhp_several_pytree_arguments_match_torch(rng):
    params, x, y = mlp_params(rng), randn(rng, 5, 3), randn(rng, 5, 2)
    v_params, v_x = mlp_params(rng), randn(rng, 5, 3)
    prim = (jx_tree(params), jnp.asarray(x))
    tang = (jx_tree(v_params), jnp.asarray(v_x))
    keys = list(params)

    def ft(*flat):
        return mlp_t(dict(zip(keys, flat[:-1], strict=True)), flat[-1], to_torch(y))

    t_prim = (*[to_torch(params[k]) for k in keys], to_torch(x))
    t_tang = (*[to_torch(v_params[k]) for k in keys], to_torch(v_x))
    _, ref_h = taf.hvp(ft, t_prim, t_tang)
    _, ref_v = taf.vhp(ft, t_prim, t_tang)
    loss = lambda p, x: mlp_j(p, x, jnp.asarray(y))  # noqa: E731
    for fn, ref in ((rt.hvp, ref_h), (rt.vhp, ref_v)):
        out = fn(loss, prim, tang)
        assert len(out) == 2
        for i, k in enumerate(keys):
            assert_close(out[0][k], ref[i], rtol=1e-4, atol=1e-5)
        assert_close(out[1], ref[-1], rtol=1e-4, atol=1e-5)


def test_tangents_cast_to_primal_dtype(rng):
    x, v = randn(rng, 3), randn(rng, 3)
    with jax.enable_x64(True):
        x64 = jnp.asarray(x, dtype=jnp.float64)
        (h,) = rt.hvp(sin_cube_j, (x64,), (jnp.asarray(v, dtype=jnp.float32),))
        assert h.dtype == jnp.float64
        _, t = rt.jvp(sin_cube_vec_j, (x64,), (jnp.asarray(v, dtype=jnp.float32),))
        assert t.dtype == jnp.float64
        _, vjp_fn = rt.vjp(sin_cube_vec_j, x64)
        assert vjp_fn(jnp.asarray(v, dtype=jnp.float32))[0].dtype == jnp.float64
    assert_close(h, jax.hessian(sin_cube_j)(jnp.asarray(x)) @ v, atol=1e-5, check_dtype=False)


def test_hvp_accepts_lists_and_numpy(rng):
    x, v = randn(rng, 3), randn(rng, 3)
    ours = rt.hvp(sin_cube_j, [x], [v])
    assert_close(ours[0], jax.hessian(sin_cube_j)(jnp.asarray(x)) @ v, atol=1e-5)


# ----------------------------------------------------------------------------------------------
# per-example gradients, vmap/jit composition
# ----------------------------------------------------------------------------------------------


def test_per_example_grad_matches_torch_vmap_grad(rng):
    params, x, y = mlp_params(rng), randn(rng, 6, 3), randn(rng, 6, 2)
    ours = rt.per_example_grad(mlp_j, batch_argnums=(1, 2))(
        jx_tree(params), jnp.asarray(x), jnp.asarray(y)
    )
    ref = torch.func.vmap(tf.grad(mlp_t), in_dims=(None, 0, 0))(
        tt_tree(params), to_torch(x), to_torch(y)
    )
    for k in ref:
        assert ours[k].shape == (6, *params[k].shape)
        assert_close(ours[k], ref[k], atol=1e-6)


def test_per_example_grad_default_batch_argnum_kwargs_aux_and_jit(rng):
    w, x = randn(rng, 3), randn(rng, 4, 3)

    def loss(w, x, scale=1.0):
        return jnp.sum(w * x) ** 2 * scale, x.sum()

    pe = rt.per_example_grad(loss, has_aux=True)
    g, aux = jax.jit(pe, static_argnames="scale")(jnp.asarray(w), jnp.asarray(x), scale=3.0)
    expected = 6.0 * (x @ w)[:, None] * x
    assert_close(g, expected, rtol=1e-5, atol=1e-5)
    assert_close(aux, x.sum(axis=1), atol=1e-5)


def test_grad_under_vmap_equals_per_example_grad(rng):
    w, x = jnp.asarray(randn(rng, 3)), jnp.asarray(randn(rng, 4, 3))

    def loss(w, x):
        return jnp.sum(jnp.sin(w * x))

    assert_close(jax.vmap(rt.grad(loss), in_axes=(None, 0))(w, x), rt.per_example_grad(loss)(w, x))


def test_jit_cost_is_raw_jax_program(rng):
    """Validation runs at trace time only: the jitted program is JAX's own."""
    x = jnp.asarray(randn(rng, 3))
    ours = jax.jit(rt.grad(sin_cube_j)).lower(x).as_text()
    raw = jax.jit(jax.grad(sin_cube_j)).lower(x).as_text()
    strip = lambda s: [ln for ln in s.splitlines() if "module @" not in ln and "loc(" not in ln]  # noqa: E731
    assert strip(ours) == strip(raw)


# ----------------------------------------------------------------------------------------------
# checkpoint
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "policy",
    [None, *autodiff._POLICIES, jax.checkpoint_policies.dots_saveable],
)
def test_checkpoint_policies_keep_values_and_gradients(rng, policy):
    w, x = jnp.asarray(randn(rng, 3, 3)), jnp.asarray(randn(rng, 3))

    def block(w, x):
        return jnp.sum(jnp.tanh(w @ jnp.sin(w @ x)))

    ck = rt.checkpoint(block, policy=policy)
    assert_close(ck(w, x), block(w, x))
    assert_tree_close(
        jax.jit(jax.grad(ck, argnums=(0, 1)))(w, x), jax.grad(block, argnums=(0, 1))(w, x)
    )
    assert "remat" in str(jax.make_jaxpr(jax.grad(ck))(w, x)) or "checkpoint" in str(
        jax.make_jaxpr(jax.grad(ck))(w, x)
    )


def test_checkpoint_static_argnums():
    def f(x, n):
        for _ in range(n):
            x = jnp.sin(x)
        return x

    ck = rt.checkpoint(f, static_argnums=1, prevent_cse=False)
    assert_close(jax.grad(lambda x: ck(x, 2))(0.5), jax.grad(lambda x: f(x, 2))(0.5))
    ck2 = rt.checkpoint(f, static_argnums=(1,))
    assert_close(ck2(jnp.float32(0.5), 3), f(jnp.float32(0.5), 3))


def test_checkpoint_bad_arguments():
    with pytest.raises(
        rt.InvalidArgumentError,
        match="unknown policy 'dots'.*everything_saveable, nothing_saveable, dots_saveable, dots_with_no_batch_dims_saveable",
    ):
        rt.checkpoint(jnp.sin, policy="dots")
    with pytest.raises(rt.ArgumentTypeError, match="checkpoint: policy must be"):
        rt.checkpoint(jnp.sin, policy=3)
    with pytest.raises(rt.ArgumentTypeError, match="checkpoint: fun must be callable, got int"):
        rt.checkpoint(3)
    with pytest.raises(rt.ArgumentTypeError, match="static_argnums must be an int or a tuple"):
        rt.checkpoint(jnp.sin, static_argnums="a")
    with pytest.raises(rt.ArgumentTypeError, match="prevent_cse must be a bool"):
        rt.checkpoint(jnp.sin, prevent_cse=None)


# ----------------------------------------------------------------------------------------------
# Validation
# ----------------------------------------------------------------------------------------------


def test_grad_non_scalar_output():
    with pytest.raises(
        rt.AutogradError, match=r"^grad: fun must return a scalar, got an output of shape \(3,\)$"
    ):
        rt.grad(lambda x: x * 2)(jnp.ones(3))
    with pytest.raises(
        rt.AutogradError, match="value_and_grad: fun must return a scalar, got a dict"
    ):
        rt.value_and_grad(lambda x: {"a": x})(jnp.ones(()))
    with pytest.raises(
        rt.AutogradError, match=r"fun must return a scalar, got an output of shape \(3,\)"
    ):
        jax.jit(rt.grad(lambda x: x * 2))(jnp.ones(3))
    with pytest.raises(rt.AutogradError, match="per_example_grad: fun must return a scalar"):
        rt.per_example_grad(lambda w, x: w * x)(jnp.ones(2), jnp.ones((3, 2)))


def test_grad_integer_output():
    with pytest.raises(
        rt.DTypeError, match="grad: fun must return a real floating point scalar, got dtype int32"
    ):
        rt.grad(lambda x: jnp.int32(1))(jnp.ones(()))


@pytest.mark.parametrize(
    "transform", [rt.grad, rt.value_and_grad, rt.jacfwd, rt.jacrev, rt.jacobian, rt.hessian]
)
def test_integer_and_bool_inputs_rejected(transform):
    name = "hessian" if transform is rt.hessian else transform.__name__
    with pytest.raises(
        rt.DTypeError, match=rf"^{name}: can only differentiate .* got int32 for argument 0$"
    ):
        transform(lambda x: jnp.sum(x * 1.0))(jnp.arange(3, dtype=jnp.int32))
    with pytest.raises(rt.DTypeError, match=r"got bool for argument 1\['m'\]"):
        transform(lambda x, m: jnp.sum(x), argnums=1)(jnp.ones(2), {"m": jnp.ones(2, dtype=bool)})
    with pytest.raises(rt.DTypeError, match="got int64 for argument 0"):
        transform(lambda x: x * 1.0)(3)


def test_non_array_leaf_rejected():
    with pytest.raises(
        rt.ArgumentTypeError, match=r"grad: argument 0\['s'\] must be an array, got str"
    ):
        rt.grad(lambda p: 1.0)({"s": "text"})


def test_jacobian_rejects_complex_and_integer_outputs():
    with pytest.raises(
        rt.DTypeError, match="jacfwd: can only differentiate with respect to inputs of a real"
    ):
        rt.jacfwd(lambda z: z)(jnp.ones(2, dtype=jnp.complex64))
    with pytest.raises(
        rt.DTypeError,
        match=r"jacrev: fun must return real floating point outputs, got int32 for output\['i'\]",
    ):
        rt.jacrev(lambda x: {"i": jnp.ones(2, dtype=jnp.int32), "f": x})(jnp.ones(2))
    with pytest.raises(
        rt.DTypeError, match=r"fun must return real floating point outputs, got bool for output$"
    ):
        rt.jacobian(lambda x: True)(jnp.ones(2))


@pytest.mark.parametrize("argnums", [2, -3, (0, 5)])
def test_argnums_out_of_range(argnums):
    with pytest.raises(
        rt.IndexOutOfRangeError,
        match=r"grad: argnums -?\d is out of range for a function called with 2 positional argument\(s\)",
    ):
        rt.grad(lambda x, y: jnp.sum(x * y), argnums=argnums)(jnp.ones(2), jnp.ones(2))
    with pytest.raises(rt.IndexOutOfRangeError, match="jacobian: argnums"):
        rt.jacobian(lambda x, y: x * y, argnums=argnums)(jnp.ones(2), jnp.ones(2))


def test_argnums_bad_type_empty_duplicates():
    with pytest.raises(
        rt.ArgumentTypeError, match=r"grad: argnums must be an int or a tuple of ints, got 1.5"
    ):
        rt.grad(jnp.sum, argnums=1.5)
    with pytest.raises(rt.ArgumentTypeError, match="got True"):
        rt.grad(jnp.sum, argnums=True)
    with pytest.raises(rt.InvalidArgumentError, match="grad: argnums must not be empty"):
        rt.grad(jnp.sum, argnums=())
    with pytest.raises(rt.InvalidArgumentError, match=r"argnums \(0, 0\) contains duplicates"):
        rt.grad(jnp.sum, argnums=(0, 0))
    with pytest.raises(
        rt.InvalidArgumentError, match=r"argnums \(0, -2\) refer to the same argument twice"
    ):
        rt.grad(lambda x, y: jnp.sum(x), argnums=(0, -2))(jnp.ones(2), jnp.ones(2))
    with pytest.raises(rt.ArgumentTypeError, match="batch_argnums must be an int or a tuple"):
        rt.per_example_grad(jnp.sum, batch_argnums="x")


@pytest.mark.parametrize(
    "make",
    [
        rt.grad,
        rt.value_and_grad,
        rt.jacfwd,
        rt.jacrev,
        rt.jacobian,
        rt.hessian,
        rt.per_example_grad,
    ],
)
def test_non_callable_fun(make):
    with pytest.raises(rt.ArgumentTypeError, match="fun must be callable, got ndarray"):
        make(np.ones(3))


def test_has_aux_requires_pair():
    with pytest.raises(
        rt.AutogradError,
        match=r"^grad: has_aux=True requires fun to return a pair \(output, aux\), got an output of shape \(\)$",
    ):
        rt.grad(jnp.sum, has_aux=True)(jnp.ones(2))
    with pytest.raises(rt.AutogradError, match="got a str$"):
        rt.grad(lambda x: "a", has_aux=True)(jnp.ones(2))
    with pytest.raises(rt.AutogradError, match="got a tuple of length 3"):
        rt.jacrev(lambda x: (x, x, x), has_aux=True)(jnp.ones(2))
    with pytest.raises(rt.AutogradError, match="vjp: has_aux=True requires fun to return a pair"):
        rt.vjp(lambda x: x, jnp.ones(2), has_aux=True)
    with pytest.raises(rt.ArgumentTypeError, match="grad: has_aux must be a bool, got str"):
        rt.grad(jnp.sum, has_aux="yes")


def test_jacobian_bad_mode():
    with pytest.raises(
        rt.InvalidArgumentError,
        match="jacobian: mode must be one of 'auto', 'fwd', 'rev', got 'forward'",
    ):
        rt.jacobian(jnp.sin, mode="forward")


@pytest.mark.parametrize("fn", [rt.jvp, rt.hvp, rt.vhp])
def test_product_structure_shape_dtype_mismatch(fn):
    name = fn.__name__
    other = "tangents" if name in ("jvp", "hvp") else "cotangents"
    f = lambda x, y=None: jnp.sum(jnp.sin(x["a"]))  # noqa: E731
    p = ({"a": jnp.ones(3)},)
    with pytest.raises(
        rt.ShapeError,
        match=rf"{name}: {other}\[0\]\['a'\] has shape \(2,\), expected the shape of primals\[0\]\['a'\], \(3,\)",
    ):
        fn(f, p, ({"a": jnp.ones(2)},))
    with pytest.raises(rt.ShapeError, match=rf"{name}: {other}\[0\] has tree structure"):
        fn(f, p, ({"b": jnp.ones(3)},))
    with pytest.raises(
        rt.ShapeError, match=rf"{name}: primals has 1 argument\(s\) but {other} has 2"
    ):
        fn(f, p, (p[0], p[0]))
    with pytest.raises(
        rt.DTypeError,
        match=rf"{other}\[0\]\['a'\] has dtype int32, expected the floating point dtype of primals\[0\]\['a'\], float32",
    ):
        fn(f, p, ({"a": jnp.ones(3, dtype=jnp.int32)},))
    with pytest.raises(
        rt.ArgumentTypeError,
        match=rf"{name}: primals must be a tuple of positional arguments, got ArrayImpl",
    ):
        fn(f, jnp.ones(3), (jnp.ones(3),))
    with pytest.raises(rt.ArgumentTypeError, match=rf"{name}: {other} must be a tuple"):
        fn(f, p, jnp.ones(3))
    with pytest.raises(
        rt.InvalidArgumentError, match=rf"{name}: primals must contain at least one argument"
    ):
        fn(f, (), ())
    with pytest.raises(
        rt.DTypeError, match=rf"{name}: can only differentiate .* got int32 for argument 0"
    ):
        fn(f, (jnp.ones(3, dtype=jnp.int32),), (jnp.ones(3, dtype=jnp.int32),))
    with pytest.raises(rt.ArgumentTypeError, match=rf"{name}: fun must be callable"):
        fn(None, p, p)
    with pytest.raises(
        rt.ArgumentTypeError, match=rf"{name}: argument 'primals' must be an array, got str"
    ):
        fn(f, ("x",), ("x",))


def test_hvp_vhp_require_scalar():
    with pytest.raises(
        rt.AutogradError, match=r"hvp: fun must return a scalar, got an output of shape \(2,\)"
    ):
        rt.hvp(jnp.sin, (jnp.ones(2),), (jnp.ones(2),))
    with pytest.raises(rt.AutogradError, match=r"vhp: fun must return a scalar"):
        rt.vhp(jnp.sin, (jnp.ones(2),), (jnp.ones(2),))


def test_vjp_bad_inputs_and_cotangent_checks():
    _out, vjp_fn = rt.vjp(lambda x: {"y": x * 2.0}, jnp.ones(3))
    with pytest.raises(
        rt.ShapeError,
        match=r"vjp_fn: cotangent\[0\]\['y'\] has shape \(2,\), expected the shape of primals\[0\]\['y'\], \(3,\)",
    ):
        vjp_fn({"y": jnp.ones(2)})
    with pytest.raises(rt.ShapeError, match=r"vjp_fn: cotangent\[0\] has tree structure"):
        vjp_fn(jnp.ones(3))
    with pytest.raises(rt.DTypeError, match="vjp_fn: cotangent.* has dtype int32"):
        vjp_fn({"y": jnp.ones(3, dtype=jnp.int32)})
    with pytest.raises(
        rt.InvalidArgumentError, match="vjp: at least one primal argument is required"
    ):
        rt.vjp(jnp.sin)
    with pytest.raises(rt.DTypeError, match="vjp: can only differentiate .* got int32"):
        rt.vjp(jnp.sin, jnp.ones(2, dtype=jnp.int32))
    with pytest.raises(rt.ArgumentTypeError, match="vjp: fun must be callable"):
        rt.vjp("f", jnp.ones(2))
    with pytest.raises(rt.ArgumentTypeError, match="vjp: has_aux must be a bool"):
        rt.vjp(jnp.sin, jnp.ones(2), has_aux=1)


def test_per_example_grad_batch_errors():
    loss = lambda w, x, y: jnp.sum(w * x * y)  # noqa: E731
    w = jnp.ones(2)
    with pytest.raises(
        rt.ShapeError,
        match=r"per_example_grad: batched arguments must share their leading \(batch\) dimension, got 3 for argument 1 and 4 for argument 2",
    ):
        rt.per_example_grad(loss, batch_argnums=(1, 2))(w, jnp.ones((3, 2)), jnp.ones((4, 2)))
    with pytest.raises(
        rt.ShapeError,
        match=r"per_example_grad: batched argument 1\['x'\] must have a leading batch dimension, got a 0-d array",
    ):
        rt.per_example_grad(lambda w, d: jnp.sum(w * d["x"]))(w, {"x": jnp.float32(1.0)})
    with pytest.raises(
        rt.IndexOutOfRangeError, match="per_example_grad: batch_argnums 3 is out of range"
    ):
        rt.per_example_grad(loss, batch_argnums=3)(w, jnp.ones((3, 2)), jnp.ones((3, 2)))


# ----------------------------------------------------------------------------------------------
# detect_anomaly
# ----------------------------------------------------------------------------------------------


def _log_then_sum(x):
    y = jnp.log(x)  # the line detect_anomaly must name
    return jnp.sum(y * 2.0)


def _line_of(fn, text):
    import inspect

    lines, start = inspect.getsourcelines(fn)
    return start + next(i for i, ln in enumerate(lines) if text in ln)


@pytest.mark.parametrize("jit", [False, True])
def test_detect_anomaly_forward_names_primitive_and_line(jit):
    fn = jax.jit(_log_then_sum) if jit else _log_then_sum
    with pytest.raises(
        rt.NonFiniteError,
        match=r"detect_anomaly: nan produced by primitive 'log' at .*test_autodiff.py:\d+ \(_log_then_sum\)",
    ) as info:
        rt.detect_anomaly(fn)(jnp.array([1.0, -1.0]))
    assert info.value.primitive == "log"
    assert info.value.kind == "nan"
    assert info.value.source.endswith(
        f"test_autodiff.py:{_line_of(_log_then_sum, 'jnp.log(x)')} (_log_then_sum)"
    )
    assert isinstance(info.value, rt.AutogradError)
    assert isinstance(info.value.__cause__, FloatingPointError)


def test_detect_anomaly_inf_and_check_inf_flag():
    f = lambda x: jnp.exp(x) * 2.0  # noqa: E731
    with pytest.raises(rt.NonFiniteError, match="inf produced by primitive 'exp'") as info:
        rt.detect_anomaly(f)(jnp.array([1000.0]))
    assert info.value.kind == "inf"
    out = rt.detect_anomaly(f, check_inf=False)(jnp.array([1000.0]))
    assert np.isinf(np.asarray(out)).all()


def test_detect_anomaly_in_gradient():
    def loss(x):
        return jnp.sum(jnp.sqrt(x) * 0.0)  # d/dx at 0: 0 * inf = nan in the backward pass

    def step(x):
        return rt.grad(loss)(x)

    x = jnp.array([0.0, 1.0])
    assert np.isnan(np.asarray(rt.grad(loss)(x))).any()
    with pytest.raises(
        rt.NonFiniteError,
        match=r"nan produced by primitive 'mul' at .*test_autodiff.py:\d+ \(step\)",
    ) as info:
        rt.detect_anomaly(step, check_inf=False)(x)
    assert info.value.kind == "nan"
    with pytest.raises(
        rt.NonFiniteError,
        match=r"nan produced by primitive 'mul' \(JAX gives no source line: it was produced in a backward pass\)",
    ) as info:
        rt.detect_anomaly(jax.jit(rt.grad(loss)), check_inf=False)(x)
    assert info.value.source is None


def test_detect_anomaly_passes_finite_values_and_restores_config(rng):
    x = jnp.asarray(randn(rng, 3)) ** 2 + 1.0
    out = rt.detect_anomaly(_log_then_sum)(x)
    assert_close(out, _log_then_sum(x))
    assert not jax.config.jax_debug_nans
    assert not jax.config.jax_debug_infs


def test_detect_anomaly_under_transform_and_bad_inputs():
    with pytest.raises(
        rt.TracingError, match="detect_anomaly: the wrapped function was called inside jax.jit"
    ):
        jax.jit(rt.detect_anomaly(_log_then_sum))(jnp.ones(2))
    with pytest.raises(rt.ArgumentTypeError, match="detect_anomaly: fun must be callable, got int"):
        rt.detect_anomaly(1)
    with pytest.raises(
        rt.ArgumentTypeError, match="detect_anomaly: check_inf must be a bool, got int"
    ):
        rt.detect_anomaly(jnp.sin, check_inf=1)


def test_detect_anomaly_other_floating_point_error():
    def f(x):
        raise FloatingPointError("overflow somewhere")

    with pytest.raises(
        rt.NonFiniteError,
        match=r"detect_anomaly: overflow somewhere \(at .*test_autodiff.py:\d+ \(f\)\)",
    ) as info:
        rt.detect_anomaly(f)(jnp.ones(2))
    assert info.value.kind == "non-finite"
    assert info.value.primitive == "unknown"


def test_public_names_reexported():
    for name in autodiff.__all__:
        assert getattr(rt, name) is getattr(autodiff, name)
        assert name in rt.__all__
    assert "autodiff" in rt.__all__
