"""The CPU lowerings with custom JVPs: small-channel conv2d, training batch norm, max pooling.

Also the per-jit XLA:CPU compiler options of :mod:`rustorch_fx._xla`.

Each path is checked against torch (values and gradients) and against a plain-autodiff
reference written with ``lax.conv_general_dilated`` / the textbook formulas, for forward-mode
(``jax.jvp``) and second-order derivatives, which the custom rules must keep.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from conftest import assert_close, randn
from jax import lax

import rustorch_fx
import rustorch_fx.nn as nn
from rustorch_fx import _xla
from rustorch_fx.nn import _conv

# --------------------------------------------------------------------------------------------
# conv2d: channels-first im2col with a per-offset weight tangent (C * kh * kw <= 64, stride 1).
# --------------------------------------------------------------------------------------------


def _reference_conv(x, w, padding):
    pads = [(padding[0], padding[0]), (padding[1], padding[1])]
    return lax.conv_general_dilated(
        x, w, (1, 1), pads, dimension_numbers=_conv._dims(2), precision=lax.Precision.HIGHEST
    )


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "padding"),
    [
        ((2, 3, 7, 6), (4, 3, 3, 3), (1, 1)),
        ((1, 2, 5, 4), (3, 2, 2, 3), (0, 2)),
        ((2, 5, 4, 3), (3, 5, 1, 1), (1, 0)),  # pointwise
    ],
)
def test_im2col_conv2d_values_and_grads_match_torch(x_shape, w_shape, padding, rng):
    x, w, b = randn(rng, *x_shape), randn(rng, *w_shape), randn(rng, w_shape[0])
    assert _conv._use_im2col(jnp.asarray(x), jnp.asarray(w), (1, 1), (1, 1), 1) == (
        jax.default_backend() == "cpu"
    )
    ts = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    ref = TF.conv2d(*ts, padding=padding)
    cot = randn(rng, *ref.shape)
    ref.backward(torch.tensor(cot))
    out, pullback = jax.vjp(lambda *a: nn.conv2d(*a, padding=padding), x, w, b)
    assert_close(out, ref, atol=3e-5)
    for g, t in zip(pullback(jnp.asarray(cot)), ts, strict=True):
        assert_close(g, t.grad, atol=3e-5)
    # Only the weight (the input's tangent is a symbolic zero), only the input.
    gw = jax.grad(lambda w: jnp.vdot(cot, nn.conv2d(x, w, padding=padding)))(w)
    assert_close(gw, ts[1].grad, atol=3e-5)
    gx = jax.grad(lambda x: jnp.vdot(cot, nn.conv2d(x, w, padding=padding)))(x)
    assert_close(gx, ts[0].grad, atol=3e-5)


def test_im2col_conv2d_forward_mode_and_second_order(rng):
    x, w = jnp.asarray(randn(rng, 1, 2, 4, 4)), jnp.asarray(randn(rng, 2, 2, 3, 3))
    dx, dw = jnp.asarray(randn(rng, 1, 2, 4, 4)), jnp.asarray(randn(rng, 2, 2, 3, 3))

    @jax.jit
    def derivatives(x, w, dx, dw):
        """jvp, reverse-over-reverse and forward-over-reverse (hessian) of ours and ref."""
        results = []
        for f in (
            lambda x, w: nn.conv2d(x, w, padding=1),
            lambda x, w: _reference_conv(x, w, (1, 1)),
        ):

            def grad_norm(x, w, f=f):
                return jnp.sum(jax.grad(lambda w: jnp.sum(jnp.sin(f(x, w))))(w) ** 2)

            results.append(
                (
                    jax.jvp(f, (x, w), (dx, dw)),
                    jax.grad(grad_norm, argnums=(0, 1))(x, w),
                    jax.hessian(lambda w, f=f: jnp.sum(jnp.sin(f(x, w))))(w),
                )
            )
        return results

    ours, ref = derivatives(x, w, dx, dw)
    for a, b in zip(jax.tree.leaves(ours), jax.tree.leaves(ref), strict=True):
        assert_close(a, b, rtol=1e-4, atol=1e-4)


def test_offset_weight_grad_conv2d_matches_torch_and_reference(rng):
    # Many input channels, stride 1: native forward, per-offset weight gradient (on CPU).
    x, w, b = randn(rng, 2, 32, 4, 3), randn(rng, 3, 32, 3, 3), randn(rng, 3)
    assert _conv._use_offset_weight_grad(jnp.asarray(x), (1, 1), (1, 1), 1) == (
        jax.default_backend() == "cpu"
    )
    ts = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    ref = TF.conv2d(*ts, padding=1)
    cot = randn(rng, *ref.shape)
    ref.backward(torch.tensor(cot))
    out, pullback = jax.vjp(lambda *a: nn.conv2d(*a, padding=1), x, w, b)
    assert_close(out, ref, atol=3e-5)
    for g, t in zip(pullback(jnp.asarray(cot)), ts, strict=True):
        assert_close(g, t.grad, atol=1e-4)

    @jax.jit
    def derivatives(x, w):
        results = []
        for f in (
            lambda x, w: nn.conv2d(x, w, padding=1),
            lambda x, w: _reference_conv(x, w, (1, 1)),
        ):

            def grad_norm(x, w, f=f):
                return jnp.sum(jax.grad(lambda w: jnp.sum(jnp.sin(f(x, w))))(w) ** 2)

            results.append((jax.jvp(f, (x, w), (x, w)), jax.grad(grad_norm, (0, 1))(x, w)))
        return results

    ours, reference = derivatives(jnp.asarray(x[:1]), jnp.asarray(w[:1]))
    for a, r in zip(jax.tree.leaves(ours), jax.tree.leaves(reference), strict=True):
        assert_close(a, r, rtol=1e-4, atol=1e-3)


def test_im2col_conv2d_under_vmap(rng):
    x, w = jnp.asarray(randn(rng, 3, 2, 2, 6, 5)), jnp.asarray(randn(rng, 4, 2, 3, 3))
    out = jax.vmap(lambda x: nn.conv2d(x, w, padding=1))(x)
    assert_close(out, jnp.stack([_reference_conv(xi, w, (1, 1)) for xi in x]), atol=3e-5)
    g = jax.vmap(jax.grad(lambda x: jnp.sum(nn.conv2d(x, w, padding=1) ** 2)))(x)
    g_ref = jax.vmap(jax.grad(lambda x: jnp.sum(_reference_conv(x, w, (1, 1)) ** 2)))(x)
    assert_close(g, g_ref, rtol=1e-4, atol=1e-4)


@pytest.mark.skipif(jax.default_backend() != "cpu", reason="CPU lowering")
def test_direct_conv2d_runs_float_spatial_kernels_only(monkeypatch, rng):
    # float32/float64 with a spatial kernel: the direct sum; float16 and 1x1: im2col matmuls.
    x, w, b = randn(rng, 2, 3, 6, 5), randn(rng, 4, 3, 3, 3), randn(rng, 4)
    pads = ((1, 1), (1, 1))
    assert_close(_conv._direct_sum(x, w, b, pads), _conv._im2col_matmul(x, w, b, pads), atol=3e-5)
    calls = []
    direct_sum = _conv._direct_sum
    monkeypatch.setattr(_conv, "_direct_sum", lambda *a: calls.append(1) or direct_sum(*a))
    for dtype, k, used in ((np.float32, 3, True), (np.float16, 3, False), (np.float32, 1, False)):
        calls.clear()
        nn.conv2d(x.astype(dtype), w[:, :, :k, :k].astype(dtype), padding=1)
        assert bool(calls) is used, (dtype, k)


# --------------------------------------------------------------------------------------------
# Batch norm in training mode: one custom-JVP function.
# --------------------------------------------------------------------------------------------


def _reference_batch_norm(x, w, b, eps=1e-5):
    axes = (0, *range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    mean = jnp.mean(x, axis=axes, keepdims=True)
    var = jnp.mean((x - mean) ** 2, axis=axes, keepdims=True)
    return (x - mean) / jnp.sqrt(var + eps) * w.reshape(shape) + b.reshape(shape)


@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 5), (3, 2, 4, 3)])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_train_matches_torch(shape, affine, rng):
    c = shape[1]
    x = randn(rng, *shape)
    w, b = (randn(rng, c), randn(rng, c)) if affine else (None, None)
    rm, rv = np.zeros(c, np.float32), np.ones(c, np.float32)
    ts = [torch.tensor(a, requires_grad=True) for a in (x, w, b) if a is not None]
    t_rm, t_rv = torch.tensor(rm), torch.tensor(rv)
    ref = TF.batch_norm(ts[0], t_rm, t_rv, *(ts[1:] or (None, None)), training=True)
    cot = randn(rng, *shape)
    ref.backward(torch.tensor(cot))

    def f(x, *wb):
        out = nn.batch_norm_with_stats(x, rm, rv, *(wb or (None, None)), training=True)
        return out.output, (out.running_mean, out.running_var)

    arrays = [jnp.asarray(a) for a in (x, w, b) if a is not None]
    out, pullback, (new_mean, new_var) = jax.vjp(f, *arrays, has_aux=True)
    assert_close(out, ref)
    assert_close(new_mean, t_rm)
    assert_close(new_var, t_rv)
    for g, t in zip(pullback(jnp.asarray(cot)), ts, strict=True):
        assert_close(g, t.grad, atol=1e-5)


def test_batch_norm_train_forward_mode_and_second_order(rng):
    x, w, b = (jnp.asarray(randn(rng, *s)) for s in ((4, 2, 3), (2,), (2,)))
    tangents = tuple(jnp.asarray(randn(rng, *a.shape)) for a in (x, w, b))

    @jax.jit
    def derivatives(x, w, b, tangents):
        """jvp (all inputs; the weight alone), hessian and grad-of-grad of ours and ref."""
        results = []
        for f in (
            lambda x, w, b: nn.batch_norm(x, None, None, w, b, training=True),
            _reference_batch_norm,
        ):

            def loss(x, w, b, f=f):
                return jnp.sum(jnp.sin(f(x, w, b)) * x)

            results.append(
                (
                    jax.jvp(f, (x, w, b), tangents),
                    # the input's tangent is a symbolic zero here
                    jax.jvp(lambda w, f=f: f(x, w, b), (w,), (tangents[1],)),
                    jax.hessian(loss)(x, w, b),
                    jax.grad(lambda x, loss=loss: jnp.sum(jax.grad(loss, 1)(x, w, b) ** 2))(x),
                )
            )
        return results

    ours, ref = derivatives(x, w, b, tangents)
    for a, r in zip(jax.tree.leaves(ours), jax.tree.leaves(ref), strict=True):
        assert_close(a, r, rtol=1e-3, atol=1e-4)


def test_batch_norm_train_half_precision_keeps_dtype(rng):
    x = jnp.asarray(randn(rng, 4, 3, 5), jnp.bfloat16)
    g = jax.grad(lambda x: jnp.sum(nn.batch_norm(x, None, None, training=True).astype(float)))(x)
    assert g.dtype == jnp.bfloat16
    assert nn.batch_norm(x, None, None, training=True).dtype == jnp.bfloat16


# --------------------------------------------------------------------------------------------
# Max pooling: a compare-and-select chain with a custom JVP.
# --------------------------------------------------------------------------------------------

POOL_CASES = [
    {"kernel_size": 2},
    {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
    {"kernel_size": 2, "stride": 1, "dilation": 2},
]


@pytest.mark.parametrize("kw", POOL_CASES, ids=lambda k: "-".join(f"{a}={v}" for a, v in k.items()))
def test_max_pool2d_values_indices_grads_match_torch(kw, rng):
    x = randn(rng, 2, 3, 7, 5)
    x[0, 0, :2, :2] = 1.5  # a tie: the first maximum wins
    xt = torch.tensor(x, requires_grad=True)
    ref, ref_idx = TF.max_pool2d(xt, return_indices=True, **kw)
    cot = randn(rng, *ref.shape)
    ref.backward(torch.tensor(cot))
    out, idx = nn.max_pool2d(jnp.asarray(x), return_indices=True, **kw)
    assert_close(out, ref)
    np.testing.assert_array_equal(np.asarray(idx), ref_idx.numpy())
    g = jax.grad(lambda x: jnp.vdot(cot, nn.max_pool2d(x, **kw)))(jnp.asarray(x))
    assert_close(g, xt.grad)


def test_max_pool_nan_windows_match_torch():
    nan = np.nan
    x = np.array([[[[nan, 1.0, 4.0], [nan, 2.0, 4.0]]]], np.float32)
    ref, ref_idx = TF.max_pool2d(torch.tensor(x), 2, stride=1, return_indices=True)
    out, idx = nn.max_pool2d(jnp.asarray(x), 2, stride=1, return_indices=True)
    assert_close(out, ref, equal_nan=True)
    # Several NaNs in a window: torch's kernel (and ours) name the last one.
    np.testing.assert_array_equal(np.asarray(idx), ref_idx.numpy())


def test_max_pool_integer_input_matches_torch(rng):
    x = rng.integers(-5, 5, (2, 3, 6, 6)).astype(np.int64)
    ref, ref_idx = TF.max_pool2d(torch.tensor(x), 2, return_indices=True)
    out, idx = nn.max_pool2d(jnp.asarray(x.astype(np.int32)), 2, return_indices=True)
    np.testing.assert_array_equal(np.asarray(out), ref.numpy())
    np.testing.assert_array_equal(np.asarray(idx), ref_idx.numpy())


def test_max_pool_forward_mode_and_second_order(rng):
    x = jnp.asarray(randn(rng, 1, 2, 4, 6))
    dx = jnp.asarray(randn(rng, 1, 2, 4, 6))

    def reference(x):  # the maximum as a one-hot masked sum of 2x2 windows
        w = x.reshape(1, 2, 2, 2, 3, 2).transpose(0, 1, 2, 4, 3, 5).reshape(1, 2, 2, 3, 4)
        onehot = jax.nn.one_hot(jnp.argmax(w, -1), 4, dtype=w.dtype)
        return jnp.sum(w * jax.lax.stop_gradient(onehot), -1)

    @jax.jit
    def derivatives(x, dx):
        results = []
        for f in (lambda x: nn.max_pool2d(x, 2), reference):
            results.append(
                (jax.jvp(f, (x,), (dx,)), jax.hessian(lambda x, f=f: jnp.sum(f(x) ** 3))(x))
            )
        return results

    ours, ref = derivatives(x, dx)
    for a, r in zip(jax.tree.leaves(ours), jax.tree.leaves(ref), strict=True):
        assert_close(a, r, rtol=1e-5, atol=1e-5)


# --------------------------------------------------------------------------------------------
# Per-jit XLA:CPU compiler options (rustorch_fx._xla).
# --------------------------------------------------------------------------------------------

_ON_CPU = jax.default_backend() == "cpu"


@pytest.fixture
def fresh_xla_caches():
    """Forget the cached probe before and after the test (it may monkeypatch the options)."""
    _xla._cpu_options.cache_clear()
    yield
    _xla._cpu_options.cache_clear()


def test_xla_cpu_compiler_options_on_cpu():
    assert rustorch_fx.xla_cpu_compiler_options is _xla.xla_cpu_compiler_options
    opts = rustorch_fx.xla_cpu_compiler_options()
    if not _ON_CPU:
        assert opts == {}
        return
    assert opts == _xla._CPU_OPTIONS
    assert opts["xla_cpu_scheduler_type"] == "CPU_SCHEDULER_TYPE_MEMORY_OPTIMIZED"
    opts.clear()  # a copy: the cached options are untouched
    assert _xla.xla_cpu_compiler_options()
    x, w = jnp.ones((1, 2, 5, 5)), jnp.ones((3, 2, 3, 3))
    f = jax.jit(
        lambda x: nn.conv2d(x, w, padding=1), compiler_options=_xla.xla_cpu_compiler_options()
    )
    assert_close(f(x), _reference_conv(x, w, (1, 1)))


def test_xla_options_empty_when_jaxlib_rejects_them(monkeypatch, fresh_xla_caches):
    # An option this jaxlib does not know: the real probe compiles, fails, and answers {}.
    monkeypatch.setattr(_xla, "_CPU_OPTIONS", {"xla_cpu_no_such_option_for_tests": "1"})
    assert _xla.xla_cpu_compiler_options() == {}
    f = _xla._jit(lambda x: x * 2)
    assert type(f) is not _xla._CpuJit
    assert float(f(jnp.float32(2))) == 4.0


def test_xla_options_probed_one_by_one(monkeypatch, fresh_xla_caches):
    # An option this jaxlib does not know is left out; the known one stays.
    known = {"xla_cpu_scheduler_type": "CPU_SCHEDULER_TYPE_MEMORY_OPTIMIZED"}
    monkeypatch.setattr(_xla, "_CPU_OPTIONS", {**known, "xla_cpu_no_such_option_for_tests": "1"})
    assert _xla.xla_cpu_compiler_options() == (known if _ON_CPU else {})


def test_xla_options_empty_off_cpu(monkeypatch, fresh_xla_caches):
    monkeypatch.setattr(jax, "default_backend", lambda: "gpu")
    assert _xla.xla_cpu_compiler_options() == {}


def _optimized_hlo(f, *args, **jit_kwargs):
    text = jax.jit(f, **jit_kwargs).lower(*args).compile().as_text()
    # Instructions only (not the stack-frame table, which names the caller's lines).
    return [
        line.split(", metadata=")[0]
        for line in text.splitlines()
        if "=" in line and "file_name_id=" not in line
    ]


@pytest.mark.skipif(not _ON_CPU, reason="XLA:CPU options")
def test_xla_options_change_only_convolution_programs():
    """Without a convolution the instructions are the same (the memory-optimised schedule
    may order them differently); with one, they differ.

    If this fails after a jaxlib upgrade, XLA:CPU's default library fusions changed:
    update ``_xla._CPU_OPTIONS`` to the new default less INDIVIDUAL_CONVOLUTION.
    """
    opts = {"compiler_options": _xla.xla_cpu_compiler_options()}
    a, b = jnp.ones((64, 32)), jnp.ones((32, 16))

    def no_conv(a, b):
        h = jnp.tanh(a @ b)
        return jax.nn.softmax(h, -1).sum(0), jnp.max(h, 1), (a * 2 + 1).mean()

    assert sorted(_optimized_hlo(no_conv, a, b)) == sorted(_optimized_hlo(no_conv, a, b, **opts))
    x, w = jnp.ones((2, 32, 8, 8)), jnp.ones((16, 32, 3, 3))

    def conv(x, w):
        return jnp.sum(_reference_conv(x, w, (1, 1)) ** 2)

    assert sorted(_optimized_hlo(conv, x, w)) != sorted(_optimized_hlo(conv, x, w, **opts))


def test_convolutions_are_marked_for_tuned_jits():
    # compat's jit sites tune the programs of marked functions only (others pay no wrapper).
    for fn in (nn.conv1d, nn.conv2d, nn.conv3d):
        assert _xla._uses_convolution(fn)
    # Measured slower with the options: transposed and grouped convolutions.
    assert not _xla._uses_convolution(nn.conv_transpose2d)
    assert not _xla._uses_convolution(nn.linear)
    from compat.nn.functional import _conv as compat_conv

    grouped = compat_conv._GROUPED[nn.conv2d]
    assert grouped.__name__ == "conv2d" and not _xla._uses_convolution(grouped)
    assert type(_xla._jit(nn.linear, tuned=False)) is type(jax.jit(nn.linear))
    assert _xla._uses_convolution(_xla._jit(nn.conv2d)) == _ON_CPU


def test_cpu_jit_runs_at_top_level_and_under_transformations():
    # JAX refuses compiler options on a jit traced inside another one: _jit's wrapper then
    # runs the plain jit.
    w = jnp.asarray(np.arange(12, dtype=np.float32).reshape(4, 3) / 10)
    f = _xla._jit(lambda x: jnp.sum(jnp.tanh(x @ w)))
    ref = lambda x: jnp.sum(jnp.tanh(x @ w))  # noqa: E731
    x = jnp.asarray(np.linspace(-1, 1, 8, dtype=np.float32).reshape(2, 4))
    assert type(f) is (_xla._CpuJit if _ON_CPU else type(jax.jit(ref)))
    assert_close(f(x), ref(x))
    assert_close(jax.jit(lambda x: f(x) * 2)(x), 2 * ref(x))
    assert_close(jax.grad(f)(x), jax.grad(ref)(x))
    assert_close(jax.vmap(f)(x[:, None]), jax.vmap(ref)(x[:, None]))
    assert jax.eval_shape(f, x).shape == ()


def test_own_program_ops_run_alone_without_the_convolution_options():
    """The recurrent sequence op is never fused into a lazy segment, and its jits are plain."""
    from compat.nn.modules import rnn as rnn_modules

    op = rnn_modules._sequence_op
    assert _xla._runs_alone(op) and not _xla._uses_convolution(op)
    assert _xla._runs_alone(nn.conv2d) and not _xla._runs_alone(nn.linear)
