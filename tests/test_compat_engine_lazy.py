"""compat's lazy engine mode: ops batched into cached programs, with eager mode's results.

Every test runs the same code eagerly and lazily (``compat._engine.set_lazy``) and compares
values, gradients, errors and version counters; the lazy-specific ones check when pending
values run (flush points) and that a repeated segment is compiled once and then reused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import compat
from compat import _engine
from rustorch_fx.errors import AutogradError, ShapeError


@pytest.fixture
def lazy() -> Iterator[None]:
    previous = _engine.set_lazy(True)
    _engine.stats.clear()
    try:
        yield
    finally:
        _engine.set_lazy(previous)


def _both(run: Callable[[], Any]) -> tuple[Any, Any]:
    """``run()`` eagerly and lazily (twice, so the second lazy run is fused)."""
    previous = _engine.set_lazy(False)
    try:
        eager = run()
        _engine.set_lazy(True)
        run()
        lazy = run()
    finally:
        _engine.set_lazy(previous)
    return eager, lazy


def _pending(t: Any) -> bool:
    """Whether ``t``'s value has not been computed yet."""
    v = _engine._raw_value(t)
    return isinstance(v, _engine._Pending) and v.value is None


def _arr(t: Any) -> Any:
    return None if t is None else np.asarray(t.detach().numpy())


def _assert_same(a: Any, b: Any) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        if x is None or y is None:
            assert x is None and y is None
        else:
            np.testing.assert_allclose(x, y, rtol=1e-6, atol=1e-7)


def _leaves(seed: int = 0) -> tuple[Any, Any, Any]:
    rng = np.random.default_rng(seed)
    w = compat.tensor(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    b = compat.tensor(rng.standard_normal(4).astype(np.float32), requires_grad=True)
    x = compat.tensor(rng.standard_normal((2, 3)).astype(np.float32))
    return w, b, x


def test_branches_shared_inputs_and_integer_outputs_match_eager() -> None:
    def run() -> list[Any]:
        w, b, x = _leaves()
        h = x @ w + b
        a = h.tanh() * h  # h used twice (shared input)
        c = (h * h).sum(1, keepdim=True)  # a branch
        idx = h.argmax(1)  # an integer output, not differentiable
        loss = (a + c).mean() + idx.sum() * 0.0
        loss.backward()
        return [_arr(loss), _arr(w.grad), _arr(b.grad), _arr(idx)]

    eager, lazy = _both(run)
    _assert_same(eager, lazy)


def test_inplace_views_and_retained_grads_match_eager() -> None:
    def run() -> list[Any]:
        w, b, x = _leaves(1)
        y = x @ w
        y.retain_grad()
        z = y * 2.0
        z.add_(b)  # in place on a non-leaf
        z[0].mul_(3.0)  # in place through a view
        s = z.exp().sum()
        s.backward()
        return [_arr(s), _arr(w.grad), _arr(b.grad), _arr(y.grad), np.asarray(z._version)]

    eager, lazy = _both(run)
    _assert_same(eager, lazy)


def test_accumulation_hooks_and_manual_sgd_match_eager() -> None:
    def run() -> list[Any]:
        w, b, x = _leaves(2)
        seen = []
        b.register_hook(lambda g: seen.append(_arr(g)) or g * 2.0)
        for _ in range(3):
            loss = ((x @ w + b) ** 2).mean()
            loss.backward()  # accumulates into .grad across iterations
        grads = [_arr(w.grad), _arr(b.grad)]
        with compat.no_grad():
            w.sub_(0.1 * w.grad)
            b.sub_(0.1 * b.grad)
        return [*grads, _arr(w), _arr(b), *seen]

    eager, lazy = _both(run)
    _assert_same(eager, lazy)


def test_create_graph_and_autograd_grad_match_eager() -> None:
    def run() -> list[Any]:
        w, _, x = _leaves(3)
        y = (x @ w).sin().sum()
        (g,) = compat.autograd.grad(y, w, create_graph=True)
        (gg,) = compat.autograd.grad(g.sum(), w)
        return [_arr(g), _arr(gg)]

    eager, lazy = _both(run)
    _assert_same(eager, lazy)


def test_a_repeated_segment_runs_op_by_op_first_then_fused_from_one_compile(lazy: None) -> None:
    w, b, x = _leaves(4)

    def step() -> float:
        loss = (x @ w + b).tanh().sum()
        loss.backward()
        with compat.no_grad():
            w.sub_(0.01 * w.grad)
            w.grad = None
        return loss.item()

    step()  # the first op in grad mode runs eagerly (its residual policy is decided once)
    _engine.stats.clear()
    values = [step() for _ in range(5)]
    # Each step: the updates plus forward (flushed when backward reads the loss) and the
    # backward; the first sighting of each signature runs op by op, later ones fused, and a
    # fused program is built once per signature.
    assert _engine.stats["op_by_op"] >= 1
    assert _engine.stats["fused"] >= 4
    compiles = _engine.stats["compiles"]
    before = _engine.stats["fused"]
    step()
    assert _engine.stats["compiles"] == compiles
    assert _engine.stats["fused"] > before
    assert values == sorted(values, reverse=True)  # the loss decreases: updates land


def test_ops_do_not_run_until_a_value_is_read(lazy: None) -> None:
    x = compat.tensor([1.0, 2.0, 3.0])
    y = (x * 2.0 + 1.0).exp()
    assert _pending(y)
    assert y.shape == (3,) and y.dtype == compat.float32 and y.dim() == 1  # no run needed
    assert _engine.stats["flushes"] == 0
    np.testing.assert_allclose(y.tolist(), np.exp([3.0, 5.0, 7.0]), rtol=1e-6)
    assert _engine.stats["flushes"] == 1
    z = x + 1.0
    assert float(z.sum()) == 9.0  # item/float/bool/numpy/print all run pending ops
    assert "tensor([2., 3., 4.])" in repr(z)


def test_only_values_still_referenced_are_computed(lazy: None) -> None:
    x = compat.tensor([1.0, 2.0])
    y = x * 3.0
    del y  # dropped before anything ran: nothing to compute
    _engine.flush()
    assert _engine.stats["flushes"] == 0
    z = x * 4.0
    _engine.flush()
    assert _engine.stats["flushes"] == 1 and z.tolist() == [4.0, 8.0]


def test_a_segment_runs_when_it_reaches_the_size_bound(lazy: None, monkeypatch) -> None:
    monkeypatch.setattr(_engine, "_SEGMENT_LIMIT", 8)
    x = compat.tensor([1.0])
    for _ in range(8):
        x = x + 1.0
    assert _engine.stats["flushes"] == 1
    assert not _pending(x)
    assert x.item() == 9.0


def test_at_the_size_bound_unreferenced_results_are_dropped_not_run(
    lazy: None, monkeypatch
) -> None:
    monkeypatch.setattr(_engine, "_SEGMENT_LIMIT", 8)
    x = compat.tensor([1.0])
    kept = x * 5.0
    for _ in range(20):
        _ = x * 2.0  # each result is dropped at once
    assert _engine.stats["flushes"] == 0 and _pending(kept)
    assert len(_engine._grad_mode._state.segment.ops) < 8
    assert kept.item() == 5.0


def test_shape_errors_raise_at_the_op_in_lazy_mode(lazy: None) -> None:
    a = compat.ones(2, 3)
    b = compat.ones(4, 5)
    with pytest.raises(ShapeError, match="matmul"):
        a @ b
    assert _engine.stats["flushes"] == 0


def test_inplace_version_check_is_the_same_in_lazy_mode(lazy: None) -> None:
    w, _, x = _leaves(5)
    y = x @ w
    z = y * y
    y.add_(1.0)
    with pytest.raises(AutogradError, match="modified by an inplace operation"):
        z.sum().backward()


def test_backward_twice_without_retain_graph_raises_in_lazy_mode(lazy: None) -> None:
    w, _, x = _leaves(6)
    loss = (x @ w).exp().sum()
    loss.backward()
    with pytest.raises(AutogradError, match="backward through the graph a second time"):
        loss.backward()


def test_set_lazy_off_runs_what_is_pending() -> None:
    previous = _engine.set_lazy(True)
    try:
        y = compat.tensor([2.0]) * 5.0
        assert _pending(y)
        _engine.set_lazy(False)
        assert not _pending(y)
    finally:
        _engine.set_lazy(previous)
    assert y.item() == 10.0


def test_tracers_and_anomaly_mode_run_eagerly(lazy: None) -> None:
    model = compat.nn.Linear(3, 2)
    x = compat.ones(4, 3)
    compiled = compat.compile(lambda t: model(t).sum())
    np.testing.assert_allclose(compiled(x).item(), model(x).sum().item(), rtol=1e-6)
    with compat.autograd.detect_anomaly():
        y = x * 2.0
        assert not _pending(y)


def test_a_pending_value_first_read_inside_a_jax_trace_stays_concrete(lazy: None) -> None:
    import jax

    x = compat.ones(3)
    z = x * 3.0
    out = jax.jit(lambda a: a + z._value)(x._value)  # the read happens while tracing
    np.testing.assert_allclose(np.asarray(out), [4.0, 4.0, 4.0])
    assert z.tolist() == [3.0, 3.0, 3.0]  # no tracer leaked into z


class _Cube(compat.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        (x,) = ctx.saved_tensors
        return g * 3.0 * x * x


def test_custom_functions_residual_ops_and_retain_graph_match_eager() -> None:
    import jax

    def cumulative_tanh(x: Any) -> Any:
        def body(c: Any, v: Any) -> Any:
            c = jax.numpy.tanh(c + v)
            return c, c

        return jax.lax.scan(body, x[0] * 0, x)[1]

    def run() -> list[Any]:
        w, b, _ = _leaves(7)
        h = _Cube.apply(w * 0.5).sum(0) + b  # a custom Function inside a lazy graph
        s = _engine.apply(cumulative_tanh, h)  # an op that keeps forward residuals
        loss = (s * s).sum()
        loss.backward(retain_graph=True)
        first = [_arr(w.grad), _arr(b.grad)]
        loss.backward()  # the retained graph, a second time
        return [*first, _arr(w.grad), _arr(b.grad)]

    eager, lazy = _both(run)
    _assert_same(eager, lazy)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, True), ("1", True), ("0", False), ("false", False), (" Off ", False), ("no", False)],
)
def test_lazy_mode_is_the_default_and_compat_lazy_0_turns_it_off(value, expected) -> None:
    assert _engine._lazy_from_env(value) is expected


def test_a_module_training_step_with_adamw_is_one_program_per_step(lazy: None) -> None:
    compat.manual_seed(0)
    model = compat.nn.Sequential(
        compat.nn.Linear(4, 8), compat.nn.GELU(approximate="tanh"), compat.nn.Linear(8, 3)
    )
    opt = compat.optim.AdamW(model.parameters(), lr=1e-2)
    loss_fn = compat.nn.CrossEntropyLoss()
    x, y = compat.randn(5, 4), compat.tensor([0, 1, 2, 1, 0])

    def step() -> Any:
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    for _ in range(4):  # (the first update finds no state: its program is another one)
        step()
    _engine.stats.clear()
    losses = [step() for _ in range(3)]
    # the update is recorded (the parameters and the optimizer's state are pending), and
    # backward's end runs the update of the step before, this forward and backward as one
    assert _pending(model[0].weight) and _pending(opt.state[model[0].weight]["exp_avg"])
    assert _engine.stats["flushes"] == 3 and _engine.stats["fused"] == 3
    assert _engine.stats["compiles"] == 0
    values = [loss.item() for loss in losses]
    assert values == sorted(values, reverse=True)


def test_backward_computes_only_the_values_still_referenced(lazy: None) -> None:
    x = compat.tensor([0.1, 0.2, 0.3], requires_grad=True)
    for _ in range(2):  # an op's first use in grad mode runs eagerly
        x.grad = None
        _engine.stats.clear()
        y = x
        for _ in range(6):
            y = (y * 1.5).tanh()
        loss = y.sum()
        del y
        loss.backward()
    # the freed graph's intermediates are not computed: the loss (still held) and x.grad only
    assert _engine.stats["flushes"] == 1 and _engine.stats["values"] == 2
    expected = x.detach().numpy().astype(np.float64)
    g = np.ones(3)
    chain = [expected]
    for _ in range(6):
        chain.append(np.tanh(chain[-1] * 1.5))
    for v in reversed(chain[1:]):
        g = g * (1.0 - v * v) * 1.5
    np.testing.assert_allclose(x.grad.numpy(), g, rtol=1e-5)
    np.testing.assert_allclose(loss.item(), chain[-1].sum(), rtol=1e-6)


def test_views_and_the_implicit_gradient_of_a_pending_loss_do_not_run_anything(
    lazy: None,
) -> None:
    w = compat.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], requires_grad=True)
    for _ in range(2):  # an op's first use in grad mode runs eagerly
        w.grad = None
        _engine.stats.clear()
        h = w * 2.0
        v = h.t()  # a view of a pending value
        row = v[1]
        loss = (v * row.sum()).sum()
    assert _pending(v) and _pending(row) and v.shape == (2, 3)
    (g,) = compat.autograd.grad(loss, w, grad_outputs=compat.ones(()) * 1.0, retain_graph=True)
    assert _engine.stats["flushes"] == 1
    loss.backward()
    assert _engine.stats["flushes"] == 2
    assert row.tolist() == [4.0, 8.0, 12.0]
    s, total = 24.0, 42.0  # row.sum(), h.sum()
    expected = np.full((3, 2), 2.0 * s) + np.array([[0.0, 2.0]] * 3) * total
    np.testing.assert_allclose(g.numpy(), expected)
    np.testing.assert_allclose(w.grad.numpy(), expected)
    with compat.no_grad():
        h.add_(1.0)  # an in-place write on the base: the view reads the new values
    assert row.tolist() == [5.0, 9.0, 13.0]


def test_batchnorm_dropout_and_residual_ops_are_recorded_and_match_eager() -> None:
    import jax

    def cumulative(x: Any) -> Any:  # a scan: its forward keeps residuals for the backward
        return jax.lax.scan(lambda c, v: (jax.numpy.tanh(c + v),) * 2, x[0] * 0, x)[1]

    flushes: list[int] = []

    def run() -> list[Any]:
        compat.manual_seed(3)
        net = compat.nn.Sequential(
            compat.nn.Linear(3, 6), compat.nn.BatchNorm1d(6), compat.nn.Dropout(0.3)
        )
        x = compat.randn(4, 3)
        for _ in range(3):
            net.zero_grad()
            _engine.stats.clear()
            loss = _engine.apply(cumulative, net(x)).pow(2).sum()
            loss.backward()  # BatchNorm's running stats were updated in place meanwhile
            flushes.append(_engine.stats["flushes"])
        return [_arr(loss), *(_arr(p.grad) for p in net.parameters()), _arr(net[1].running_var)]

    eager, lazy = _both(run)
    for x, y in zip(eager, lazy, strict=True):  # a fused program rounds differently
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-5)
    # lazily, once every op was seen: dropout's key, the scan's residuals and the in-place
    # update of a saved buffer force no run before backward's end
    assert flushes[-1] == 1


def test_convolutions_and_their_backward_run_eagerly_in_lazy_mode(lazy: None) -> None:
    # XLA:CPU runs a convolution faster as its own tuned program than fused into a segment
    conv = compat.nn.Conv2d(2, 3, 3, padding=1)
    x = compat.ones(1, 2, 4, 4) * 0.5
    assert _pending(x)
    delivered: list[bool] = []
    conv.weight.register_post_accumulate_grad_hook(lambda p: delivered.append(_pending(p.grad)))
    for step in range(2):  # the first use of an op in grad mode is eager anyway
        y = conv(x)
        assert not _pending(y) and not _pending(x)  # the conv ran what it reads first
        z = y.relu().sum()
        assert _pending(z) or step == 0  # (relu and sum may be new on the first step)
        z.backward()
    # the backward's vjp ran as its own program too: the weight's gradient arrived computed
    assert delivered == [False, False]
    assert not _pending(conv.weight.grad)
    ref = compat.nn.functional.conv2d(x, conv.weight, conv.bias, padding=1)
    np.testing.assert_allclose(np.asarray(y.detach()), np.asarray(ref.detach()), rtol=1e-6)


@pytest.mark.parametrize("name", ["AdamW", "SGD"])
def test_an_optimizer_step_after_clip_grad_norm_is_recorded_and_matches_eager(name: str) -> None:
    stats: list[dict[str, int]] = []

    def run() -> list[Any]:
        compat.manual_seed(1)
        model = compat.nn.Sequential(compat.nn.Linear(4, 6), compat.nn.Tanh())
        opt = getattr(compat.optim, name)(model.parameters(), lr=0.1, weight_decay=0.01)
        x = compat.randn(3, 4)
        norms = []
        for i in range(5):
            if i == 3:  # steps 1-2 meet new structures (first use, no optimizer state yet)
                _engine.stats.clear()
            opt.zero_grad()
            loss = model(x).pow(2).sum()
            loss.backward()
            norms.append(compat.nn.utils.clip_grad_norm_(model.parameters(), 0.5))
            opt.step()
        stats.append(dict(_engine.stats))
        st = opt.state[model[0].weight]
        return [
            *(_arr(n) for n in norms),
            *(_arr(p) for p in model.parameters()),
            *(_arr(v) for v in st.values()),
        ]

    eager, lazy = _both(run)
    np.testing.assert_allclose(np.stack(eager[:5]), np.stack(lazy[:5]), rtol=1e-6)
    _assert_same(eager[5:], lazy[5:])
    # clipping and the update stay pending and run with the next forward and backward: one
    # program per step, compiled in the first lazy run (the counts stop before the last read)
    assert stats[-1] == {"flushes": 2, "fused": 2, "values": stats[-1]["values"]}


def test_reading_the_device_runs_nothing_and_a_tracer_is_on_the_default_device(
    lazy: None,
) -> None:
    import jax

    x = compat.ones(3) * 2.0
    assert x.device == compat.device("cpu") and _pending(x)
    seen = []

    def f(a: Any) -> Any:
        seen.append(compat.Tensor._wrap(a).device)
        return a

    jax.jit(f)(jax.numpy.ones(2))
    assert seen == [compat.device("cpu")]
