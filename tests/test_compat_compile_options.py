"""compat.compile's options, compat.compiler / compat._dynamo controls, graph breaks in lazy mode."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest

import compat
import compat.nn as nn
import compat.nn.functional as F
from compat import _compile, _dynamo, _engine, compiler
from rustorch_fx.errors import (
    ArgumentTypeError,
    IndexOutOfRangeError,
    InvalidArgumentError,
    TracingError,
    UnsupportedError,
)


def _double(x):
    return x * 2


def test_options_are_validated_like_torch():
    for mode in (
        "default",
        "lite",
        "reduce-overhead",
        "max-autotune",
        "max-autotune-no-cudagraphs",
    ):
        assert compat.compile(_double, mode=mode, dynamic=True)(compat.ones(1)).tolist() == [2.0]
    assert compat.compile(_double, options={"triton.cudagraphs": False}, dynamic=False)
    with pytest.raises(InvalidArgumentError, match="either mode or options"):
        compat.compile(_double, mode="max-autotune", options={"max_autotune": True})
    with pytest.raises(ArgumentTypeError, match="option names must be strings"):
        compat.compile(_double, options={1: True})
    with pytest.raises(ArgumentTypeError, match="dynamic must be True, False or None, got 'yes'"):
        compat.compile(_double, dynamic="yes")
    with pytest.raises(ArgumentTypeError, match="disable must be a bool"):
        compat.compile(_double, disable=1)
    assert "inductor" in compiler.list_backends() and "eager" in compiler.list_backends()


def test_recompile_limit_warns_once_and_names_the_fix():
    fast = compat.compile(_double, dynamic=True)
    old = _dynamo.config.recompile_limit
    _dynamo.config.cache_size_limit = 2  # torch's older name
    try:
        assert _dynamo.config.recompile_limit == 2
        fast(compat.ones(1))  # warm-up (eager)
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            for n in (1, 2, 3, 4):
                assert fast(compat.ones(n)).tolist() == [2.0] * n
        texts = [str(w.message) for w in record if "recompile_limit" in str(w.message)]
        assert len(texts) == 1 and "compiled 3 times" in texts[0] and "drop_last" in texts[0]
    finally:
        _dynamo.config.recompile_limit = old
    with pytest.raises(AttributeError):
        _dynamo.config.no_such_setting = 1


def test_mark_dynamic_refuses_and_the_hints_are_accepted():
    x = compat.ones(4, 2)
    with pytest.raises(UnsupportedError, match="static shapes.*maybe_mark_dynamic"):
        _dynamo.mark_dynamic(x, 0, min=2, max=8)
    _dynamo.maybe_mark_dynamic(x, [0, 1])
    _dynamo.mark_static(x)
    _dynamo.mark_static(x, -1)
    _dynamo.mark_static(nn.Linear)
    _dynamo.mark_static_address(x)
    with pytest.raises(IndexOutOfRangeError, match="dimension 2 is out of range.*\\(4, 2\\)"):
        _dynamo.maybe_mark_dynamic(x, 2)
    with pytest.raises(ArgumentTypeError, match="index must be an int"):
        _dynamo.mark_dynamic(x, "0")
    with pytest.raises(ArgumentTypeError, match="expected a compat Tensor, got ndarray"):
        _dynamo.maybe_mark_dynamic(np.ones(3), 0)
    with pytest.raises(ArgumentTypeError, match="Tensor or a Module class"):
        _dynamo.mark_static(3)
    assert _dynamo.disable is compiler.disable and _dynamo.reset is compiler.reset


def _model_and_step(log):
    compat.manual_seed(0)
    m = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    opt = compat.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    x = compat.tensor(np.random.default_rng(0).standard_normal((6, 3)).astype(np.float32))
    y = compat.tensor([0, 1, 1, 0, 1, 0])

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(m(x), y)
        log(loss)
        loss.backward()
        opt.step()
        return loss

    return m, step


def test_disabled_function_is_a_graph_break_and_runs_eagerly():
    seen = []

    @compiler.disable(reason="logs a value")
    def log(loss):
        seen.append(loss.item())

    assert compat.compile(log) is log
    m, step = _model_and_step(log)
    strict = compat.compile(step, fullgraph=True)
    strict()
    with pytest.raises(TracingError, match=r"test_compat_compile_options.py:\d+: `log\(loss\)`"):
        strict()
    # the same step eagerly and compiled with fullgraph=False (lazy mode after the break)
    m_eager, eager_step = _model_and_step(lambda loss: seen.append(loss.item()))
    eager_step()  # as the strict warm-up call did to ``m``
    loose = compat.compile(step)
    flushes = _engine.stats["flushes"]
    breaks = []
    previous = _engine.set_lazy(False)  # the caller runs eagerly; compile must restore that
    try:
        for _ in range(3):
            eager_step()
            with warnings.catch_warnings(record=True) as record:
                warnings.simplefilter("always")
                loose()
            breaks.extend(str(w.message) for w in record if "graph break" in str(w.message))
            assert not _engine.is_lazy()  # restored after each call
    finally:
        _engine.set_lazy(previous)
    assert len(breaks) == 1 and "`log(loss)`" in breaks[0] and "lazy mode" in breaks[0]
    assert _engine.stats["flushes"] > flushes  # the pieces ran as lazy segments
    for a, b in zip(m_eager.parameters(), m.parameters(), strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)
    assert len(seen) == 8


def test_disabled_module_reset_and_is_compiling():
    lin = nn.Linear(2, 2)
    assert compiler.disable(lin) is lin and compat.compile(lin) is lin
    assert lin(compat.ones(1, 2)).shape == (1, 2)
    inside = []

    def f(x):
        inside.append(compiler.is_compiling())
        return x + 1

    fast = compat.compile(f)
    for _ in range(3):
        fast(compat.ones(2))
    assert inside == [False, True] and fast._compiles == 1  # eager warm-up, then one trace
    assert not compiler.is_compiling() and not compiler.is_dynamo_compiling()
    compiler.reset()
    assert fast._compiles == 0
    fast(compat.ones(2))
    fast(compat.ones(2))
    assert fast._compiles == 1 and inside[-2:] == [False, True]
    with pytest.raises(ArgumentTypeError, match="expected a function or a compat.nn.Module"):
        compiler.disable(3)


def test_graph_break_after_reset_compiles_again():
    calls = []

    def f(x):
        calls.append(1)
        if len(calls) == 2:
            return float(x.sum())  # a value read on the traced call only
        return x.sum()

    fast = compat.compile(f)
    fast(compat.ones(2))
    with pytest.warns(UserWarning, match="graph break"):
        assert fast(compat.ones(2)) == 2.0
    assert fast._eager_reason is not None
    compiler.reset()
    assert fast._eager_reason is None
    fast(compat.ones(2))
    assert fast(compat.ones(2)).item() == 2.0 and fast._compiles == 1


def test_engine_mode_compiled_module_inside_matches_eager():
    # A compiled function returning a loss to backpropagate, with a compiled module inside.
    compat.manual_seed(0)
    m1 = nn.Sequential(nn.Linear(3, 3), nn.GELU(), nn.Linear(3, 1))
    m2 = copy.deepcopy(m1)
    inner = compat.compile(m2)
    x = compat.ones(4, 3)
    fast = compat.compile(lambda x: inner(x).square().mean())
    for _ in range(3):
        m1.zero_grad()
        m2.zero_grad()
        m1(x).square().mean().backward()
        fast(x).backward()
    for a, b in zip(m1.parameters(), m2.parameters(), strict=True):
        np.testing.assert_allclose(np.asarray(a.grad), np.asarray(b.grad), rtol=1e-5, atol=1e-6)
    assert _compile.counters["compiles"] > 0


def test_engine_mode_inputs_that_are_results_or_views():
    base = compat.ones(6, requires_grad=True)
    double_sum = compat.compile(lambda t: (t * 2).sum())
    for _ in range(3):  # a non-leaf argument: the gradient flows on to its leaf
        base.grad = None
        double_sum(base * 3).backward()
        assert base.grad.tolist() == [6.0] * 6
    strict = compat.compile(lambda t: (t * 2).sum(), fullgraph=True)
    strict(base[:3])
    with pytest.raises(TracingError, match="a view that requires grad"):
        strict(base[:3])


def test_only_steps_with_convolutions_get_the_cpu_compiler_options():
    """A step with an XLA convolution compiles with rustorch_fx's CPU options; one without, plain.

    (8 input channels: a 3x3 convolution with fewer is computed directly, without one.)
    """
    from rustorch_fx import _xla

    def compiled_program(net, x, y):
        opt = compat.optim.SGD(net.parameters(), lr=0.1)

        @compat.compile
        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(net(x), y)
            loss.backward()
            opt.step()
            return loss

        for _ in range(3):
            step(x, y)
        (program,) = step._programs.values()
        return program.jitted

    y = compat.tensor([0, 1])
    mlp = compiled_program(
        nn.Sequential(nn.Linear(4, 8), nn.GELU(), nn.Linear(8, 2)), compat.randn(2, 4), y
    )
    cnn = compiled_program(
        nn.Sequential(nn.Conv2d(8, 2, 3), nn.Flatten(), nn.Linear(8, 2)),
        compat.randn(2, 8, 4, 4),
        y,
    )
    assert type(mlp) is not _xla._CpuJit
    assert (type(cnn) is _xla._CpuJit) == bool(_xla.xla_cpu_compiler_options())


def test_grouped_and_transposed_convolutions_do_not_get_the_options_nested_ones_do():
    import jax
    from jax import lax

    from compat import _engine

    def tuned(fn, *args):
        jaxpr = jax.make_jaxpr(fn)(*args).jaxpr
        return _engine._has_primitive(jaxpr, _compile._CONVOLUTION, _compile._tuned_convolution)

    x, w = np.ones((1, 4, 6, 6), np.float32), np.ones((4, 4, 3, 3), np.float32)
    dn = ("NCHW", "OIHW", "NCHW")

    def plain(x, w):
        return lax.conv_general_dilated(x, w, (1, 1), "SAME", dimension_numbers=dn)

    def grouped(x, w):
        return lax.conv_general_dilated(
            x, w[:, :1], (1, 1), "SAME", dimension_numbers=dn, feature_group_count=4
        )

    def transposed(x, w):
        return lax.conv_general_dilated(
            x, w, (1, 1), ((1, 1), (1, 1)), lhs_dilation=(2, 2), dimension_numbers=dn
        )

    def in_cond(x, w):
        return lax.cond(True, plain, lambda x, w: x, x, w)

    assert tuned(plain, x, w) and tuned(in_cond, x, w)
    assert not tuned(grouped, x, w) and not tuned(transposed, x, w)
