"""Lazy values first read inside a JAX trace (compat.func transforms, jax.jit, compat.compile).

The lazy engine runs a pending segment under ``jax.ensure_compile_time_eval`` when its value
is first read while a trace is active. A segment holding an op that keeps its forward
residuals (the fused TransformerEncoderLayer) once came back with one residual leaf more than
predicted when run under that context at top level, which shifted every later value of the
segment. These tests read such segments inside traces, op by op (a new signature) and fused
(a seen one), and compare every value with eager mode's.
"""

from __future__ import annotations

import jax
import numpy as np
import pytest

import compat
from compat import _engine
from compat.func import grad as func_grad
from compat.nn.modules.transformer import TransformerEncoderLayer

D, NH, FF, L, N = 8, 2, 16, 3, 2


def _np(t: compat.Tensor) -> np.ndarray:
    return np.asarray(t.detach().numpy())


def _layer() -> TransformerEncoderLayer:
    compat.manual_seed(0)
    return TransformerEncoderLayer(D, NH, FF, dropout=0.0)


def _pending_step(layer: TransformerEncoderLayer, x: np.ndarray) -> compat.Tensor:
    """One forward and backward of the fused layer; lazy mode leaves the results pending."""
    layer.zero_grad()
    src = compat.tensor(x, requires_grad=True)
    (layer(src) ** 2).mean().backward()
    return src


@pytest.fixture(scope="module")
def reference() -> list[tuple[np.ndarray, ...]]:
    """Eager mode's input and weight gradients of three steps."""
    x = np.random.default_rng(0).standard_normal((L, N, D)).astype(np.float32)
    previous = _engine.set_lazy(False)
    try:
        layer, out = _layer(), []
        for k in range(3):
            src = _pending_step(layer, x * (k + 1))
            out.append((_np(src.grad), _np(layer.linear1.weight.grad)))
        return out
    finally:
        _engine.set_lazy(previous)


@pytest.mark.parametrize("reader", ["func.grad", "jax.jit"])
def test_pending_residual_segment_read_inside_a_trace(reference, reader):
    x = np.random.default_rng(0).standard_normal((L, N, D)).astype(np.float32)
    previous = _engine.set_lazy(True)
    try:
        layer = _layer()
        for k in range(3):  # recorded, then op by op, then fused
            src = _pending_step(layer, x * (k + 1))
            w_grad = layer.linear1.weight.grad
            assert _engine._lazy_active()
            if reader == "func.grad":
                # d/dv sum(v * g) = g, with g's pending value first read under jax.grad's trace
                got_w = func_grad(lambda v, g=w_grad: (v * g).sum())(compat.zeros(FF, D))
                got_x = func_grad(lambda v, g=src.grad: (v * g).sum())(compat.zeros(L, N, D))
                got = (_np(got_x), _np(got_w))
            else:
                got = jax.jit(lambda a, b: (a + src.grad._value, b + w_grad._value))(
                    np.zeros((L, N, D), np.float32), np.zeros((FF, D), np.float32)
                )
                got = tuple(np.asarray(v) for v in got)
            want = reference[k]
            np.testing.assert_allclose(got[0], want[0], rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(got[1], want[1], rtol=1e-5, atol=1e-6)
            # the values the trace forced are the tensors' own, concrete ones
            np.testing.assert_allclose(_np(w_grad), want[1], rtol=1e-5, atol=1e-6)
    finally:
        _engine.set_lazy(previous)


def test_compiled_function_reads_pending_residual_values(reference):
    """A compiled function over tensors the lazy engine left pending sees eager's values."""
    x = np.random.default_rng(0).standard_normal((L, N, D)).astype(np.float32)
    previous = _engine.set_lazy(True)
    try:
        layer = _layer()
        held: list[compat.Tensor] = []

        @compat.compile(fullgraph=True)
        def scaled(v: compat.Tensor) -> compat.Tensor:
            return v * held[0]

        ones = compat.ones(FF, D)
        for k in range(3):  # warm-up (eager), compile, fast path: each on a pending value
            _pending_step(layer, x * (k + 1))
            held[:] = [layer.linear1.weight.grad]
            np.testing.assert_allclose(_np(scaled(ones)), reference[k][1], rtol=1e-5, atol=1e-6)
        assert scaled._compiles == 1
    finally:
        _engine.set_lazy(previous)
