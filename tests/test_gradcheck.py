"""gradcheck: passes on correct derivatives, names the first wrong one at orders 1, 2 and 3."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from conftest import randn

import rustorch_fx as rt


def wrong_exp(wrong_order: int, level: int = 0):
    """exp as a chain of custom_jvp functions whose derivative of ``wrong_order`` is doubled."""

    @jax.custom_jvp
    def e(x):
        return jnp.exp(x)

    @e.defjvp
    def _jvp(primals, tangents):
        (x,), (dx,) = primals, tangents
        if level + 1 == wrong_order:
            d = 2.0 * jnp.exp(x)
        elif level + 1 >= 3:
            d = jnp.exp(x)
        else:
            d = wrong_exp(wrong_order, level + 1)(x)
        return e(x), d * dx

    return e


def wrong_vjp_exp(wrong_order: int):
    """exp with a custom_vjp: wrong backward (order 1) or a backward whose own derivative is wrong."""

    @jax.custom_vjp
    def e(x):
        return jnp.exp(x)

    def fwd(x):
        return e(x), x

    def bwd(x, g):
        d = 2.0 * jnp.exp(x) if wrong_order == 1 else wrong_exp(wrong_order - 1)(x)
        return (g * d,)

    e.defvjp(fwd, bwd)
    return e


def mlp(params, x):
    h = jnp.tanh(x @ params["0.weight"].T + params["0.bias"])
    return jnp.mean((h @ params["2.weight"].T) ** 2)


@pytest.mark.parametrize("order", [1, 2, 3])
def test_passes_on_correct_functions(rng, order):
    x = jnp.asarray(randn(rng, 3))
    report = rt.gradcheck(lambda x: jnp.sin(x) * x**3, (x,), order=order)
    assert report
    assert report.passed
    assert report.failed_order is None
    assert len(report.max_error) == order
    assert str(report).startswith(f"gradcheck passed up to order {order}")
    assert repr(report).startswith("GradcheckReport(gradcheck passed")


def test_passes_on_dict_params_softmax_and_integer_leaves(rng):
    params = {
        "0.weight": jnp.asarray(randn(rng, 3, 2)),
        "0.bias": jnp.asarray(randn(rng, 3)),
        "2.weight": jnp.asarray(randn(rng, 1, 3)),
    }
    assert rt.gradcheck(mlp, (params, jnp.asarray(randn(rng, 4, 2))), order=2)

    def xent(w, x, labels):
        logp = jax.nn.log_softmax(x @ w, axis=-1)
        return -jnp.mean(jnp.take_along_axis(logp, labels[:, None], axis=1))

    labels = jnp.asarray([0, 2, 1], dtype=jnp.int32)
    assert rt.gradcheck(
        xent, (jnp.asarray(randn(rng, 2, 3)), jnp.asarray(randn(rng, 3, 2)), labels)
    )


@pytest.mark.parametrize("make", [wrong_exp, wrong_vjp_exp])
@pytest.mark.parametrize("wrong_order", [1, 2, 3])
def test_fails_at_the_wrong_order(make, wrong_order):
    f = make(wrong_order)
    x = jnp.asarray([0.3, -0.2], dtype=jnp.float32)
    fun = lambda a, p: jnp.sum(f(p["w"]) * a)  # noqa: E731
    args = (jnp.float32(1.5), {"w": x})
    if wrong_order > 1:
        assert rt.gradcheck(fun, args, order=wrong_order - 1)
    report = rt.gradcheck(fun, args, order=3)
    assert not report
    assert report.failed_order == wrong_order
    assert (report.argnum, report.path, report.element) == (1, "['w']", (0,))
    assert len(report.max_error) == wrong_order
    assert abs(report.analytic - report.numerical) > 0.1 * abs(report.numerical)
    text = str(report)
    assert f"gradcheck failed at order {wrong_order}: argument 1['w'] element (0,)" in text
    assert f"analytic {report.analytic!r} vs numerical {report.numerical!r}" in text
    assert ("output element ()" in text) == (wrong_order == 1)
    assert repr(report) == f"GradcheckReport({text})"


def test_failure_names_output_and_element_of_pytree_output():
    f = wrong_exp(1)

    def fun(x):
        return {"a": x * 2.0, "b": f(x)}

    report = rt.gradcheck(fun, (jnp.zeros((2, 2)),))
    assert not report
    assert (report.argnum, report.path, report.element) == (0, "", (0, 0))
    assert report.output == "output['b'] element (0, 0)"
    assert report.analytic == pytest.approx(2.0)
    assert report.numerical == pytest.approx(1.0)
    assert report.tolerance == pytest.approx(1e-5 + 1e-3 * 1.0)


def test_nan_derivative_fails():
    report = rt.gradcheck(lambda x: jnp.sqrt(x), (jnp.asarray([0.0]),))
    assert not report


def test_argnums_and_single_argument(rng):
    f = wrong_exp(1)
    x, y = jnp.asarray(randn(rng, 2)), jnp.asarray(randn(rng, 2))
    fun = lambda x, y: jnp.sum(jnp.sin(x) * f(y))  # noqa: E731
    assert rt.gradcheck(fun, (x, y), argnums=0)
    assert not rt.gradcheck(fun, (x, y), argnums=-1)
    assert not rt.gradcheck(fun, (x, y), argnums=(0, 1))
    assert rt.gradcheck(jnp.sin, x)  # a non-tuple is the single argument


@pytest.mark.parametrize("enabled", [False, True])
def test_caller_x64_setting_unchanged(enabled, rng):
    with jax.enable_x64(enabled):
        before = (jax.config.jax_enable_x64, jnp.zeros(2).dtype)
        assert rt.gradcheck(lambda x: jnp.sum(x**2), (jnp.asarray(randn(rng, 2)),), order=2)
        assert not rt.gradcheck(lambda x: jnp.sum(wrong_exp(1)(x)), (jnp.ones(2),))
        assert (jax.config.jax_enable_x64, jnp.zeros(2).dtype) == before
    assert not jax.config.jax_enable_x64
    assert jnp.zeros(2).dtype == jnp.float32


def test_computes_in_float64():
    # float32 could not resolve this: x*1e-4 differences vanish at eps=1e-6 around 1e4.
    x = jnp.asarray([1e4], dtype=jnp.float32)
    assert rt.gradcheck(lambda x: jnp.sum(jnp.log(x) * x), (x,), order=3, atol=1e-8)


@pytest.mark.parametrize("order", [0, 4, 1.5, True, "2"])
def test_bad_order(order):
    with pytest.raises(rt.InvalidArgumentError, match=r"gradcheck: order must be 1, 2 or 3, got"):
        rt.gradcheck(jnp.sin, (jnp.ones(2),), order=order)


def test_bad_arguments():
    x = (jnp.ones(2),)
    with pytest.raises(
        rt.InvalidArgumentError, match="gradcheck: eps must be finite and positive, got 0.0"
    ):
        rt.gradcheck(jnp.sin, x, eps=0.0)
    with pytest.raises(
        rt.InvalidArgumentError, match="gradcheck: atol must be finite and non-negative, got -1.0"
    ):
        rt.gradcheck(jnp.sin, x, atol=-1)
    with pytest.raises(
        rt.InvalidArgumentError, match="rtol must be finite and non-negative, got nan"
    ):
        rt.gradcheck(jnp.sin, x, rtol=float("nan"))
    with pytest.raises(rt.ArgumentTypeError, match="gradcheck: eps must be a number, got str"):
        rt.gradcheck(jnp.sin, x, eps="1e-6")
    with pytest.raises(rt.ArgumentTypeError, match="gradcheck: fun must be callable, got list"):
        rt.gradcheck([], x)
    with pytest.raises(rt.IndexOutOfRangeError, match="gradcheck: argnums 1 is out of range"):
        rt.gradcheck(jnp.sin, x, argnums=1)
    with pytest.raises(rt.ArgumentTypeError, match="gradcheck: argnums must be an int or a tuple"):
        rt.gradcheck(jnp.sin, x, argnums="0")
    with pytest.raises(
        rt.InvalidArgumentError,
        match=r"gradcheck: no floating point input elements to check in argument\(s\) \(0,\)",
    ):
        rt.gradcheck(lambda i: i * 1.0, (jnp.arange(3, dtype=jnp.int32),))
    with pytest.raises(
        rt.InvalidArgumentError, match="gradcheck: fun returns no floating point output elements"
    ):
        rt.gradcheck(lambda x: x > 0, x)
    with pytest.raises(
        rt.UnsupportedError,
        match="gradcheck: complex inputs are not supported, got complex64 for argument 0",
    ):
        rt.gradcheck(jnp.abs, (jnp.ones(2, dtype=jnp.complex64),))
    with pytest.raises(
        rt.UnsupportedError,
        match=r"gradcheck: complex outputs are not supported, got complex128 for output\[1\]",
    ):
        rt.gradcheck(lambda x: (x, x * 1j), x)
    with pytest.raises(
        rt.ArgumentTypeError, match="gradcheck: argument 0 must be an array, got str"
    ):
        rt.gradcheck(jnp.sin, ("a",))
    with pytest.raises(
        rt.TracingError, match="gradcheck: needs concrete values and cannot run inside jax.jit"
    ):
        jax.jit(lambda x: rt.gradcheck(jnp.sin, (x,)).passed)(jnp.ones(2))


def test_gradcheck_checks_our_transforms(rng):
    """gradcheck of rt.grad / rt.hvp outputs: derivatives of our transforms are right too."""
    x = jnp.asarray(randn(rng, 3))
    assert rt.gradcheck(rt.grad(lambda x: jnp.sum(jnp.sin(x) * x**3)), (x,), order=2)
    v = jnp.asarray(randn(rng, 3))
    hv = lambda x: rt.hvp(lambda y: jnp.sum(jnp.cos(y) * y**2), (x,), (v,))[0]  # noqa: E731
    assert rt.gradcheck(hv, (x,))
    assert np.isfinite(rt.gradcheck(hv, (x,)).max_error[0])
