"""compat.compile's per-call guards: a change made between calls is seen by the next call.

After a call whose write-back leaves the state in the form the program was compiled for, the
next call checks only identities and mutation counters (:class:`compat._compile._Fast`). Each
test changes something between compiled calls (a new submodule, a replaced parameter, a new
parameter group, a loaded state, a dtype conversion, an in-place edit, a module option, a
rebound closure variable) and
checks that the compiled step still matches the same eager steps, recompiling where the
program must change.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

import compat
import compat.nn as nn
import compat.nn.functional as F

X = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
Y = np.random.default_rng(1).standard_normal((4, 2)).astype(np.float32)


class _Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(3, 2)
        self.act = nn.LeakyReLU(0.1)
        self.extra = nn.Sequential()

    def forward(self, x):
        h = self.act(self.fc(x))
        for m in self.extra:
            h = m(h)
        return h


class _Twin:
    """The same model and optimizer twice: one stepped eagerly, one through compat.compile."""

    def __init__(self, make_opt=lambda m: compat.optim.SGD(m.parameters(), lr=0.1)) -> None:
        compat.manual_seed(0)
        self.models = [_Net()]
        self.models.append(copy.deepcopy(self.models[0]))
        self.opts = [make_opt(m) for m in self.models]
        self.dtype = compat.float32
        steps = [self._step_of(m, o) for m, o in zip(self.models, self.opts, strict=True)]
        self.eager, self.compiled = steps[0], compat.compile(steps[1])

    @staticmethod
    def _step_of(model, opt):
        def step(x, y):
            opt.zero_grad()
            loss = F.mse_loss(model(x), y)
            loss.backward()
            opt.step()
            return loss

        return step

    def run(self, n: int) -> None:
        x, y = compat.tensor(X, dtype=self.dtype), compat.tensor(Y, dtype=self.dtype)
        for _ in range(n):
            a, b = self.eager(x, y), self.compiled(x, y)
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=2e-5, atol=2e-6)

    def both(self, change) -> None:
        for m, o in zip(self.models, self.opts, strict=True):
            change(m, o)

    def check(self) -> None:
        (m1, m2), (o1, o2) = self.models, self.opts
        for (k, a), (_, b) in zip(m1.state_dict().items(), m2.state_dict().items(), strict=True):
            np.testing.assert_allclose(
                np.asarray(a), np.asarray(b), rtol=2e-5, atol=2e-6, err_msg=k
            )
        for (k, a), (_, b) in zip(m1.named_parameters(), m2.named_parameters(), strict=True):
            assert (a.grad is None) == (b.grad is None), k
            if a.grad is not None:
                np.testing.assert_allclose(
                    np.asarray(a.grad), np.asarray(b.grad), rtol=2e-5, atol=2e-6
                )
        assert len(o1.param_groups) == len(o2.param_groups)

    @property
    def compiles(self) -> int:
        return self.compiled._compiles


@pytest.fixture
def twin():
    t = _Twin()
    t.run(3)  # warm-up, compile, fast path
    assert t.compiled._fast is not None  # the steady state is armed
    assert t.compiles == 1
    return t


def test_steady_state_calls_take_the_fast_path_and_match_eager(twin, monkeypatch):
    from compat import _compile

    slow_calls = []  # the full path re-arms the fast one after each call it serves
    arm = _compile._CompiledFunction._arm
    monkeypatch.setattr(
        _compile._CompiledFunction, "_arm", lambda *a: slow_calls.append(1) or arm(*a)
    )
    twin.run(3)  # (the eager twin's optimizer steps in between: its own count, not ours)
    twin.check()
    assert twin.compiles == 1 and twin.compiled._fast is not None
    assert not slow_calls


def test_added_submodule_recompiles(twin):
    compat.manual_seed(1)
    layer = nn.Linear(2, 2)
    layers = iter([layer, copy.deepcopy(layer)])
    twin.run(1)  # (creating the layer counted as a change: re-armed after it)
    assert twin.compiled._fast is not None
    # Sequential.insert replaces the children table: a change only the counter reports.
    twin.both(lambda m, o: m.extra.insert(0, next(layers)))
    twin.run(3)
    twin.check()
    # The new layer is not in the optimizer: its .grad accumulates, and the first call after
    # the change creates it (None -> tensor is a new signature, as it is in torch).
    assert twin.compiles == 3


def test_replaced_parameter_is_used(twin):
    twin.both(lambda m, o: setattr(m.fc, "bias", nn.Parameter(compat.full((2,), 0.5))))
    twin.run(3)  # (not in the optimizer: its .grad accumulates over the calls)
    twin.check()
    assert twin.models[1].fc.bias.grad is not None


def test_added_param_group_is_stepped(twin):
    def add(m, o):
        compat.manual_seed(2)
        layer = nn.Linear(2, 2)
        m.extra.append(layer)
        o.add_param_group({"params": list(layer.parameters()), "lr": 0.05})

    twin.both(add)
    twin.run(2)
    twin.check()
    before = np.asarray(twin.models[1].extra[0].weight).copy()
    twin.run(1)
    assert not np.allclose(before, np.asarray(twin.models[1].extra[0].weight))


def test_loaded_module_and_optimizer_state_are_seen():
    t = _Twin(lambda m: compat.optim.Adam(m.parameters(), lr=0.01))
    t.run(3)
    compat.manual_seed(3)
    other = _Net()
    fresh = compat.optim.Adam(other.parameters(), lr=0.01)
    t.both(lambda m, o: m.load_state_dict(other.state_dict()))
    t.both(lambda m, o: o.load_state_dict(fresh.state_dict()))  # no state: lazily re-created
    t.run(3)
    t.check()


def test_module_to_float64_recompiles(twin):
    twin.both(lambda m, o: m.to(compat.float64))
    twin.dtype = compat.float64
    twin.run(2)
    twin.check()
    assert twin.compiles == 2
    assert twin.models[1].fc.weight.dtype == compat.float64


def test_in_place_edit_between_calls_is_seen(twin):
    def edit(m, o):
        with compat.no_grad():
            m.fc.weight.mul_(0.5)

    twin.both(edit)
    twin.run(2)
    twin.check()
    assert twin.compiles == 1


def test_module_option_change_recompiles(twin):
    twin.both(lambda m, o: setattr(m.act, "negative_slope", 0.3))
    twin.run(2)
    twin.check()
    assert twin.compiles == 2


def test_hyperparameter_change_reaches_the_fast_path(twin):
    # The first change recompiles once (the lr was a compile-time constant); the program
    # then takes the hyperparameters as inputs and later changes keep the fast path.
    twin.both(lambda m, o: o.param_groups[0].__setitem__("lr", 0.02))
    twin.run(2)
    twin.check()
    assert twin.compiles == 2 and twin.compiled._fast is not None
    twin.both(lambda m, o: o.param_groups[0].__setitem__("lr", 0.03))
    twin.run(2)
    twin.check()
    assert twin.compiles == 2 and twin.compiled._fast is not None


def test_new_argument_shape_recompiles(twin):
    x, y = compat.tensor(X[:2]), compat.tensor(Y[:2])
    a, b = twin.eager(x, y), twin.compiled(x, y)
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=2e-5, atol=2e-6)
    assert twin.compiles == 2
    twin.run(1)
    twin.check()
    assert twin.compiles == 2


def test_rebinding_a_closure_variable_reaches_the_new_model():
    compat.manual_seed(0)
    first, second = nn.Linear(3, 2), nn.Linear(3, 2)
    twin = copy.deepcopy(second)
    model = first
    opt = compat.optim.SGD(first.parameters(), lr=0.1)

    def step(x, y):
        opt.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        return loss

    compiled = compat.compile(step)
    x, y = compat.tensor(X), compat.tensor(Y)
    for _ in range(3):
        compiled(x, y)
    assert compiled._fast is not None
    model = second  # the step now reads another model (its optimizer still steps the first)
    opt = compat.optim.SGD(second.parameters(), lr=0.1)
    eager = _Twin._step_of(twin, compat.optim.SGD(twin.parameters(), lr=0.1))
    for _ in range(2):
        got, want = compiled(x, y), eager(x, y)
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=2e-5, atol=2e-6)
    np.testing.assert_allclose(
        np.asarray(second.weight), np.asarray(twin.weight), rtol=2e-5, atol=2e-6
    )


def test_programs_are_keyed_by_the_autocast_policy_not_the_region_object():
    from compat import _compile, _grad_mode

    keys = []
    for dtype in (compat.bfloat16, compat.bfloat16, compat.float16):
        with compat.autocast("cpu", dtype=dtype):
            keys.append(_compile._autocast_key(_grad_mode._state.autocast))
    assert keys[0] == keys[1] != keys[2]
    assert _compile._autocast_key(None) is None


def test_unheld_grad_tensors_are_reused_and_held_ones_keep_their_values(twin):
    fc = twin.models[1].fc
    twin.run(1)
    before = id(fc.weight.grad)
    twin.run(2)  # nobody else holds the .grad tensors: the fast path refills them
    assert id(fc.weight.grad) == before
    held = fc.weight.grad
    kept = np.asarray(held).copy()
    view = fc.bias.grad[:1]
    kept_view = np.asarray(view).copy()
    twin.run(2)  # a held tensor (and a view's base) is replaced, as eager mode's zero_grad does
    assert fc.weight.grad is not held
    np.testing.assert_array_equal(np.asarray(held), kept)
    np.testing.assert_array_equal(np.asarray(view), kept_view)
    twin.check()
    assert twin.compiles == 1 and twin.compiled._fast is not None


def _autocast_twin(inside: bool):
    compat.manual_seed(0)
    models = [nn.Linear(3, 2)]
    models.append(copy.deepcopy(models[0]))
    opts = [compat.optim.SGD(m.parameters(), lr=0.1) for m in models]

    def step_of(model, opt):
        def step(x, y):
            opt.zero_grad()
            if inside:
                with compat.autocast("cpu", dtype=compat.bfloat16):
                    out = model(x)
            else:
                out = model(x)
            loss = F.mse_loss(out.float(), y)
            loss.backward()
            opt.step()
            return loss

        return step

    return models, step_of(models[0], opts[0]), step_of(models[1], opts[1])


@pytest.mark.parametrize("inside", [True, False], ids=["region-in-step", "step-in-region"])
def test_autocast_region_compiles_without_a_graph_break(inside):
    models, eager, step = _autocast_twin(inside)
    compiled = compat.compile(step, fullgraph=True)  # a graph break would raise
    x, y = compat.tensor(X), compat.tensor(Y)
    for _ in range(3):
        if inside:
            want, got = eager(x, y), compiled(x, y)
        else:
            with compat.autocast("cpu", dtype=compat.bfloat16):
                want, got = eager(x, y), compiled(x, y)
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-2, atol=1e-3)
    assert compiled._compiles == 1
    np.testing.assert_allclose(
        np.asarray(models[1].weight), np.asarray(models[0].weight), rtol=1e-2, atol=1e-3
    )
    assert models[1].weight.dtype == compat.float32
