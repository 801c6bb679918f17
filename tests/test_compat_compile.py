"""compat.compile: N compiled steps equal N eager steps, recompilation, graph breaks, modules."""

from __future__ import annotations

import copy
import logging
import warnings

import numpy as np
import pytest

import compat
import compat.nn as nn
import compat.nn.functional as F
from compat import _compile, _engine
from compat._compile import OptimizedModule
from compat.optim import lr_scheduler
from rustorch_fx.errors import ArgumentTypeError, InvalidArgumentError, TracingError

X = np.random.default_rng(0).standard_normal((8, 3)).astype(np.float32)
Y = np.random.default_rng(1).integers(0, 2, 8)


def _data():
    return compat.tensor(X), compat.tensor(Y)


def _tensors_of(model, opt):
    """Every tensor of the training state, by name, as numpy."""
    out = {f"p.{k}": np.asarray(v) for k, v in model.state_dict().items()}
    for k, p in model.named_parameters():
        out[f"grad.{k}"] = None if p.grad is None else np.asarray(p.grad)
    for gi, group in enumerate(opt.param_groups):
        for pi, p in enumerate(group["params"]):
            for key, v in opt.state.get(p, {}).items():
                out[f"state.{gi}.{pi}.{key}"] = np.asarray(v) if isinstance(v, compat.Tensor) else v
    return out


def _assert_same_state(a, b):
    ta, tb = _tensors_of(*a), _tensors_of(*b)
    assert ta.keys() == tb.keys()
    for k in ta:
        if ta[k] is None or tb[k] is None:
            assert ta[k] is None and tb[k] is None, k
        else:
            np.testing.assert_allclose(ta[k], tb[k], rtol=2e-5, atol=2e-6, err_msg=k)


def _step_fn(model, opt, sched=None, clip=None, scaler=None):
    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        if scaler is not None:
            scaler.scale(loss).backward()
            scaler.unscale_(opt)
        else:
            loss.backward()
        if clip is not None:
            nn.utils.clip_grad_norm_(model.parameters(), clip)
        if scaler is not None:
            scaler.step(opt)
            scaler.update()
        else:
            opt.step()
        if sched is not None:
            sched.step()
        return loss

    return step


def _eager_losses(step, x, y, steps):
    """``step(x, y).item()`` for ``steps`` steps, op by op.

    The eager reference runs with the lazy engine off: in lazy mode each of its first steps
    would compile a fused program the comparison does not need (the lazy engine's own
    equivalence with op-by-op runs is tested in test_compat_engine_lazy.py).
    """
    previous = _engine.set_lazy(False)
    try:
        return [step(x, y).item() for _ in range(steps)]
    finally:
        _engine.set_lazy(previous)


def _run_both(make_model, make_opt, steps=4, make_sched=None, **kw):
    """Run ``steps`` eager and compiled steps from the same state and seed; return both."""
    compat.manual_seed(0)
    m1 = make_model()
    m2 = copy.deepcopy(m1)
    o1, o2 = make_opt(m1), make_opt(m2)
    s1 = make_sched(o1) if make_sched else None
    s2 = make_sched(o2) if make_sched else None
    extra1 = {k: v() for k, v in kw.items()}
    extra2 = {k: v() for k, v in kw.items()}
    eager = _step_fn(m1, o1, s1, **extra1)
    fast = compat.compile(_step_fn(m2, o2, s2, **extra2))
    x, y = _data()
    v1 = [p._version for p in m1.parameters()]
    v2 = [p._version for p in m2.parameters()]
    compat.manual_seed(5)
    l1 = _eager_losses(eager, x, y, steps)
    rng1 = compat.get_rng_state()
    compat.manual_seed(5)
    l2 = [fast(x, y).item() for _ in range(steps)]
    rng2 = compat.get_rng_state()
    np.testing.assert_allclose(l1, l2, rtol=2e-5, atol=2e-6)
    np.testing.assert_array_equal(rng1, rng2)
    # versions bump as eager's do
    d1 = [p._version - v for p, v in zip(m1.parameters(), v1, strict=True)]
    d2 = [p._version - v for p, v in zip(m2.parameters(), v2, strict=True)]
    assert d1 == d2
    return (m1, o1, s1, extra1), (m2, o2, s2, extra2), fast


def _mlp():
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))


OPTIMIZERS = {
    "SGD": lambda m: compat.optim.SGD(m.parameters(), lr=0.1, momentum=0.9, nesterov=True),
    "Adam": lambda m: compat.optim.Adam(m.parameters(), lr=0.05, amsgrad=True),
    "AdamW": lambda m: compat.optim.AdamW(m.parameters(), lr=0.05),
    "Adadelta": lambda m: compat.optim.Adadelta(m.parameters(), lr=0.5),
    "Adagrad": lambda m: compat.optim.Adagrad(m.parameters(), lr=0.1, lr_decay=0.01),
    "Adamax": lambda m: compat.optim.Adamax(m.parameters(), lr=0.05),
    "ASGD": lambda m: compat.optim.ASGD(m.parameters(), lr=0.05, t0=1),
    "NAdam": lambda m: compat.optim.NAdam(m.parameters(), lr=0.05),
    "RAdam": lambda m: compat.optim.RAdam(m.parameters(), lr=0.05, weight_decay=0.1),
    "RMSprop": lambda m: compat.optim.RMSprop(m.parameters(), lr=0.01, momentum=0.5),
    "Rprop": lambda m: compat.optim.Rprop(m.parameters(), lr=0.01),
}


def _multi_step(models, opts):
    def step(x, y):
        total = 0.0
        for m, o in zip(models, opts, strict=True):
            o.zero_grad()
            loss = F.cross_entropy(m(x), y)
            loss.backward()
            o.step()
            total = total + loss
        return total

    return step


def test_every_optimizer_matches_eager():
    # One step trains a model per optimizer: one compiled program checks them all. (One
    # Linear each: every distinct parameter shape costs each optimizer's eager update a
    # compilation.)
    names = sorted(OPTIMIZERS)
    compat.manual_seed(0)
    models1 = [nn.Linear(3, 2) for _ in names]
    models2 = [copy.deepcopy(m) for m in models1]
    opts1 = [OPTIMIZERS[n](m) for n, m in zip(names, models1, strict=True)]
    opts2 = [OPTIMIZERS[n](m) for n, m in zip(names, models2, strict=True)]
    v1 = [[p._version for p in m.parameters()] for m in models1]
    v2 = [[p._version for p in m.parameters()] for m in models2]
    eager, fast = _multi_step(models1, opts1), compat.compile(_multi_step(models2, opts2))
    x, y = _data()
    l1 = _eager_losses(eager, x, y, 3)
    l2 = [fast(x, y).item() for _ in range(3)]
    np.testing.assert_allclose(l1, l2, rtol=2e-5)
    assert fast._compiles == 1
    for i, name in enumerate(names):
        try:
            _assert_same_state((models1[i], opts1[i]), (models2[i], opts2[i]))
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from None
        d1 = [p._version - v for p, v in zip(models1[i].parameters(), v1[i], strict=True)]
        d2 = [p._version - v for p, v in zip(models2[i].parameters(), v2[i], strict=True)]
        assert d1 == d2, name


def test_lbfgs_graph_break_falls_back_to_eager_with_one_warning():
    compat.manual_seed(0)
    m = _mlp()
    opt = compat.optim.LBFGS(m.parameters(), lr=0.5, max_iter=2)
    x, y = _data()

    @compat.compile
    def step():
        def closure():
            opt.zero_grad()
            loss = F.cross_entropy(m(x), y)
            loss.backward()
            return loss

        return opt.step(closure)

    step()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        step()
        step()
    assert len([w for w in record if "graph break" in str(w.message)]) == 1


def _bn_dropout_model():
    return nn.Sequential(
        nn.Linear(3, 6, bias=False), nn.BatchNorm1d(6), nn.GELU(), nn.Dropout(0.4), nn.Linear(6, 2)
    )


def _half_compiled_model():
    # A compiled module (its forward runs inline in the step's program) followed by plain
    # BatchNorm and dropout layers: one program checks both paths. (Tanh keeps the inner
    # last bias's gradient away from zero: BatchNorm right after it would cancel it, and
    # AdamW would turn the rounding noise left into full-size steps.)
    inner = compat.compile(_bn_dropout_model())
    return nn.Sequential(inner, nn.Tanh(), nn.BatchNorm1d(2), nn.Dropout(0.3), nn.Linear(2, 2))


def test_onecycle_batchnorm_dropout_clipping_and_inner_compiled_module_match_eager():
    def sched(o):
        return lr_scheduler.OneCycleLR(o, max_lr=0.1, total_steps=10)

    a, b, fast = _run_both(
        _half_compiled_model,
        lambda m: compat.optim.AdamW(m.parameters(), lr=0.01),
        steps=3,
        make_sched=sched,
        clip=lambda: 0.5,
    )
    _assert_same_state(a[:2], b[:2])
    assert a[2].last_epoch == b[2].last_epoch == 3
    assert a[1].param_groups[0]["lr"] == pytest.approx(b[1].param_groups[0]["lr"])
    assert a[1].param_groups[0]["betas"] == pytest.approx(b[1].param_groups[0]["betas"])
    assert fast._compiles == 1  # lr and betas change every step: traced, no recompile
    assert int(b[0][2].num_batches_tracked.item()) == 3
    assert int(b[0][0]._orig_mod[1].num_batches_tracked.item()) == 3


def test_steplr_sgd_matches_eager():
    a, b, fast = _run_both(
        _mlp,
        lambda m: compat.optim.SGD(m.parameters(), lr=0.1),
        steps=4,
        make_sched=lambda o: lr_scheduler.StepLR(o, step_size=2, gamma=0.5),
    )
    _assert_same_state(a[:2], b[:2])
    assert b[2].get_last_lr() == a[2].get_last_lr() == [0.025]
    assert fast._compiles == 1


@pytest.mark.parametrize("init_scale", [1e37, 1e38], ids=["steps", "overflows"])
def test_grad_scaler_matches_eager(init_scale):
    def scaler():
        return compat.amp.GradScaler("cpu", init_scale=init_scale, growth_interval=1)

    a, b, _ = _run_both(
        _mlp, lambda m: compat.optim.Adam(m.parameters(), lr=0.05), steps=4, scaler=scaler
    )
    _assert_same_state(a[:2], b[:2])
    assert a[3]["scaler"].get_scale() == b[3]["scaler"].get_scale()
    assert a[3]["scaler"]._get_growth_tracker() == b[3]["scaler"]._get_growth_tracker()


def test_recompiles_exactly_when_the_signature_changes(caplog):
    compat.manual_seed(0)
    m = _mlp()
    opt = compat.optim.SGD(m.parameters(), lr=0.1)
    fast = compat.compile(_step_fn(m, opt))
    x, y = _data()
    fast(x, y)  # warm-up (eager)
    fast(x, y)
    fast(x, y)
    assert fast._compiles == 1 and fast._fast.program.baked == (0.1,)
    _compile.set_logs(recompiles=True)
    try:
        with caplog.at_level(logging.INFO, logger="compat.compile"):
            # The lr was a constant: its first change recompiles once, with the
            # hyperparameters as inputs; later changes reuse that program.
            opt.param_groups[0]["lr"] = 0.05
            fast(x, y)
            assert fast._compiles == 2 and "constants (0.1,) -> inputs" in caplog.text
            opt.param_groups[0]["lr"] = 0.02
            fast(x, y)
            fast(x, y)
            assert fast._compiles == 2 and fast._fast.program.baked is None
            fast(x[:4], y[:4])  # new batch shape
            assert fast._compiles == 3
            assert (
                "arg0" in caplog.text and "(8, 3) -> (4, 3)" in caplog.text.replace("'", "")
            ) or "(4, 3)" in caplog.text
            fast(x[:4], y[:4])
            fast(x, y)  # back to a known signature: cached
            assert fast._compiles == 3
            m.eval()  # train/eval mode is part of the signature
            fast(x, y)
            assert fast._compiles == 4
            m.train()
            opt.param_groups[0]["weight_decay"] = 0.1  # zero -> nonzero changes the program
            fast(x, y)
            assert fast._compiles == 5
            assert "weight_decay" in caplog.text
    finally:
        _compile.set_logs(recompiles=False)


def test_constant_and_input_hyperparameters_give_the_same_steps():
    # One program with lr, betas, eps and weight_decay compiled in, one taking them as inputs
    # (the form after a first change): the same float64 values, the same updates.
    states = []
    for as_inputs in (False, True):
        compat.manual_seed(0)
        m = _mlp()
        opt = compat.optim.AdamW(m.parameters(), lr=0.05, betas=(0.8, 0.95))
        fast = compat.compile(_step_fn(m, opt))
        fast._hyper_varied = as_inputs
        x, y = _data()
        for _ in range(4):
            fast(x, y)
        assert fast._compiles == 1
        assert (fast._fast.program.baked is None) == as_inputs
        states.append((m, opt))
    _assert_same_state(*states)


def test_item_is_a_graph_break(recwarn):
    compat.manual_seed(0)
    m = _mlp()
    opt = compat.optim.SGD(m.parameters(), lr=0.1)
    x, y = _data()

    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(m(x), y)
        loss.backward()
        opt.step()
        return loss.item()  # a value read into Python

    strict = compat.compile(step, fullgraph=True)
    strict(x, y)
    with pytest.raises(TracingError, match=r"test_compat_compile.py:\d+: `return loss.item\(\)"):
        strict(x, y)
    assert all(
        p.grad is None or isinstance(p.grad._value, compat.Tensor) is False for p in m.parameters()
    )
    loose = compat.compile(step)
    loose(x, y)
    with pytest.warns(UserWarning, match=r"graph break.*loss.item\(\)"):
        v = loose(x, y)
    assert isinstance(v, float)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loose(x, y)  # eager from now on, no second warning


def test_scheduler_before_optimizer_step_is_a_graph_break():
    compat.manual_seed(0)
    m = _mlp()
    opt = compat.optim.SGD(m.parameters(), lr=0.1)
    sched = lr_scheduler.StepLR(opt, 1, 0.5)
    x, y = _data()

    @compat.compile(fullgraph=True)
    def step():
        opt.zero_grad()
        F.cross_entropy(m(x), y).backward()
        sched.step()
        opt.step()

    step()
    with pytest.raises(TracingError, match="after StepLR.step"):
        step()


def test_returned_tensors_carry_grad_fn_like_eager():
    # A compiled function that returns what the caller backpropagates through: each call is
    # one engine op, its outputs have a grad_fn reaching the parameters and the arguments.
    compat.manual_seed(0)
    m1 = _bn_dropout_model()
    m2 = copy.deepcopy(m1)
    x, y = _data()
    xr1 = x.clone().requires_grad_(True)
    xr2 = x.clone().requires_grad_(True)

    def loss_of(m):
        def f(x, y):
            return F.cross_entropy(m(x), y), {"n": 2}

        return f

    eager, fast = loss_of(m1), compat.compile(loss_of(m2), fullgraph=True)
    for _ in range(3):  # warm-up, compile, cached
        for model, fn, xr in ((m1, eager, xr1), (m2, fast, xr2)):
            model.zero_grad()
            xr.grad = None
            compat.manual_seed(3)
            loss, extra = fn(xr, y)
            assert extra == {"n": 2} and loss.grad_fn is not None
            loss.backward()
        _assert_same_tensors([(xr1.grad, xr2.grad)])
        _assert_same_tensors((a.grad, b.grad) for a, b in zip(m1.parameters(), m2.parameters()))
        _assert_same_tensors(zip(m1.buffers(), m2.buffers(), strict=True))  # BatchNorm stats
    assert fast._compiles == 1 and fast._engine_mode
    with compat.no_grad():
        assert fast(xr2, y)[0].grad_fn is None


def test_returning_a_tensor_that_needs_backward_after_an_eager_first_call_without():
    compat.manual_seed(0)
    m = _mlp()
    x, _ = _data()
    calls = []

    def fwd(x):
        calls.append(1)
        with compat.no_grad() if len(calls) == 1 else compat.enable_grad():
            return m(x).sum()

    strict = compat.compile(fwd, fullgraph=True)
    strict(x)
    with pytest.raises(TracingError, match="was not backpropagated.*first \\(eager\\) call"):
        strict(x)


def test_donation_keeps_deepcopies_valid():
    compat.manual_seed(0)
    m = _mlp()
    opt = compat.optim.Adam(m.parameters(), lr=0.1)
    fast = compat.compile(_step_fn(m, opt))
    x, y = _data()
    fast(x, y)
    fast(x, y)
    snapshot = copy.deepcopy(m)  # shares the current arrays
    fast(x, y)
    fast(x, y)
    assert np.isfinite(np.asarray(snapshot[0].weight)).all()
    assert not np.allclose(np.asarray(snapshot[0].weight), np.asarray(m[0].weight))


def _assert_same_tensors(pairs):
    for a, b in pairs:
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)


def test_compiled_module_and_module_compile_forward_backward_batchnorm_dropout():
    compat.manual_seed(0)
    m1 = _bn_dropout_model()
    m2 = copy.deepcopy(m1)
    m3 = copy.deepcopy(m1)
    fast = compat.compile(m2)
    assert isinstance(fast, OptimizedModule) and fast._orig_mod is m2
    assert list(fast.state_dict()) == [f"_orig_mod.{k}" for k in m1.state_dict()]
    m2.note = "kept"
    assert fast.note == "kept"  # attribute reads reach the original module
    assert m3.compile() is None  # in place (torch's Module.compile): same keys, same object
    assert list(m3.state_dict()) == list(m1.state_dict())
    seen = []
    m3.register_forward_hook(lambda mod, args, out: seen.append(out.shape))  # runs eagerly
    x, y = _data()
    for _ in range(2):
        for model in (m1, fast, m3):
            compat.manual_seed(3)
            F.cross_entropy(model(x), y).backward()
    assert seen == [(8, 2), (8, 2)]
    for other in (m2, m3):
        _assert_same_tensors(
            (p1.grad, p2.grad) for p1, p2 in zip(m1.parameters(), other.parameters(), strict=True)
        )
        _assert_same_tensors(zip(m1.buffers(), other.buffers(), strict=True))
    fast.eval()
    m1.eval()
    before = m2[1].num_batches_tracked._version
    _assert_same_tensors([(fast(x).detach(), m1(x).detach())])
    assert m2[1].num_batches_tracked._version == before  # eval: buffers untouched
    twin = copy.deepcopy(m3)  # the copy is compiled over its own parameters
    assert twin.forward.module is twin and twin.forward.call.__self__ is twin
    assert twin.forward.op is not m3.forward.op
    with pytest.raises(ArgumentTypeError, match="Sequential.compile: unexpected option"):
        m3.compile(fullgrph=True)
    with pytest.raises(ArgumentTypeError, match="keywords only"):
        m3.compile(True)
    with pytest.raises(InvalidArgumentError, match="unknown mode 'fast'"):
        m3.compile(mode="fast")
    m3.compile(disable=True)  # back to the eager forward
    assert "forward" not in m3.__dict__


def test_compiled_module_graph_break():
    class Bad(nn.Module):
        def forward(self, x):
            return x * 2 if x.sum() > 0 else x

    with pytest.raises(TracingError, match="Bad.forward"):
        compat.compile(Bad(), fullgraph=True)(compat.ones(2))
    loose = compat.compile(Bad())
    with pytest.warns(UserWarning, match="graph break"):
        assert loose(compat.ones(2)).tolist() == [2.0, 2.0]


def test_compile_forms_and_bad_arguments():
    def f(x):
        return x + 1

    assert compat.compile(f, disable=True) is f
    assert compat.compile()(f)(compat.ones(1)).tolist() == [2.0]
    assert compat.compile(backend="eager")(f)(compat.ones(1)).tolist() == [2.0]
    with pytest.raises(InvalidArgumentError, match="unknown backend 'tvm'"):
        compat.compile(f, backend="tvm")
    with pytest.raises(InvalidArgumentError, match="custom backends"):
        compat.compile(f, backend=lambda gm, ex: gm)
    with pytest.raises(InvalidArgumentError, match="unknown mode 'fast'"):
        compat.compile(f, mode="fast")
    with pytest.raises(ArgumentTypeError, match="options must be a dict"):
        compat.compile(f, options=[1])
    with pytest.raises(ArgumentTypeError, match="expected a function or a compat.nn.Module"):
        compat.compile(3)


class _Trainer:
    """A step written as a method, with a plateau scheduler fed the loss and a step counter."""

    def __init__(self):
        compat.manual_seed(0)
        self.model = _mlp()
        self.opt = compat.optim.SGD(self.model.parameters(), lr=0.5)
        self.sched = lr_scheduler.ReduceLROnPlateau(self.opt, patience=0, factor=0.5)
        self.seen = compat.zeros((), dtype=compat.int64)

    def step(self, x, y):
        self.opt.zero_grad()
        loss = F.cross_entropy(self.model(x), y)
        loss.backward()
        self.opt.step()
        self.sched.step(loss * 0 + 1.0)  # a constant metric: the lr halves every step
        self.seen.add_(1)  # a tensor changed in place
        return {"loss": loss, "n": 3}


class _CompiledTrainer(_Trainer):
    step = compat.compile(_Trainer.step)


def test_method_plateau_scheduler_views_and_inplace_tensors_match_eager():
    eager, fast = _Trainer(), _CompiledTrainer()
    x, y = _data()
    for _ in range(4):
        e = eager.step(x[:6], y[:6])  # views as arguments
        f = fast.step(x[:6], y[:6])
    assert f["n"] == 3 and isinstance(f["loss"], compat.Tensor)
    np.testing.assert_allclose(e["loss"].item(), f["loss"].item(), rtol=1e-6)
    _assert_same_state((eager.model, eager.opt), (fast.model, fast.opt))
    assert fast.opt.param_groups[0]["lr"] == eager.opt.param_groups[0]["lr"] < 0.5
    assert fast.seen.item() == eager.seen.item() == 4
    assert _CompiledTrainer.step._compiles == 1


def test_hyperparameter_set_inside_the_step_is_written_back():
    compat.manual_seed(0)
    m = _mlp()
    opt = compat.optim.SGD(m.parameters(), lr=0.1)
    x, y = _data()

    @compat.compile
    def step():
        opt.zero_grad()
        F.cross_entropy(m(x), y).backward()
        opt.step()
        opt.param_groups[0]["lr"] = 0.05

    step()
    opt.param_groups[0]["lr"] = 0.1
    step()
    assert opt.param_groups[0]["lr"] == 0.05


def test_compiled_module_with_keyword_and_python_arguments():
    class Scale(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(2, 2)

        def forward(self, x, *, factor=1.0, bias=None):
            out = self.lin(x) * factor
            return (out + bias if bias is not None else out), "tag"

    m = Scale()
    fast = compat.compile(m)
    x = compat.ones(3, 2)
    out, tag = fast(x, factor=2.0, bias=compat.ones(2))
    want, _ = m(x, factor=2.0, bias=compat.ones(2))
    assert tag == "tag"
    np.testing.assert_allclose(np.asarray(out.detach()), np.asarray(want.detach()), rtol=1e-6)


def test_rebinding_what_the_step_uses_is_noticed():
    t = _Trainer()
    fast = compat.compile(_Trainer.step)
    x, y = _data()
    fast(t, x, y)
    fast(t, x, y)
    old = t.model
    t.model = _mlp()  # a new model: the next call must train it, not the old one
    t.opt = compat.optim.SGD(t.model.parameters(), lr=0.5)
    t.sched = lr_scheduler.ReduceLROnPlateau(t.opt, patience=0, factor=0.5)
    before = np.asarray(old[0].weight).copy()
    fast(t, x, y)
    fast(t, x, y)
    np.testing.assert_array_equal(np.asarray(old[0].weight), before)
    assert t.model[0].weight.grad is not None


def test_fast_path_notices_changes_between_calls():
    # The per-call fast path reuses the last discovery; what it checks must still be noticed.
    compat.manual_seed(0)
    m = _mlp()
    opt = compat.optim.SGD(m.parameters(), lr=0.1)
    fast = compat.compile(_step_fn(m, opt))
    x, y = _data()
    for _ in range(3):
        fast(x, y)
    assert fast._compiles == 1
    m[0].weight.data = compat.zeros(4, 3)  # a new value in place: no recompile, it is used
    fast(x, y)
    assert fast._compiles == 1 and not np.allclose(np.asarray(m[0].weight), 0.0)
    m[2] = nn.Linear(4, 2)  # a replaced submodule: rediscovered, its parameters trained
    opt.add_param_group({"params": m[2].parameters()})
    before = np.asarray(m[2].weight).copy()
    fast(x, y)
    assert fast._compiles == 2 and not np.allclose(np.asarray(m[2].weight), before)
    fast(x, y=y)  # the same tensors by keyword: another signature
    assert fast._compiles == 3


def test_fast_path_check_is_released_on_a_miss_and_its_code_reused():
    # The generated check holds no reference cycle: a miss frees it (and the state it
    # names) at once, without the cyclic collector; re-arming for batches of two shapes
    # reuses the compiled check code (only new names are bound).
    import gc
    import weakref

    compat.manual_seed(0)
    m = _mlp()
    opt = compat.optim.Adam(m.parameters(), lr=0.1)
    fast = compat.compile(_step_fn(m, opt))
    x, y = _data()
    xs, ys = x[:4].clone(), y[:4].clone()
    for _ in range(3):
        fast(x, y)
    fast(xs, ys)
    fast(xs, ys)
    first = fast._fast.check
    code = first.__code__
    gone = weakref.ref(first)
    del first
    gc.disable()
    try:
        fast(x, y)  # another shape: a miss, then re-armed
        assert gone() is None
    finally:
        gc.enable()
    assert fast._fast.check.__code__ is code
    assert fast._compiles == 2


class _PartlyUsed(nn.Module):
    """An MLP and a layer that only some steps use (its parameters' steps fall behind)."""

    def __init__(self) -> None:
        super().__init__()
        self.body = _mlp()
        self.side = nn.Linear(3, 2)

    def forward(self, x, use_side=False):
        out = self.body(x)
        return out + self.side(x) if use_side else out


def test_equal_step_counts_share_one_array_and_still_match_eager():
    compat.manual_seed(0)
    m1 = _PartlyUsed()
    m2 = copy.deepcopy(m1)
    o1, o2 = (compat.optim.AdamW(m.parameters(), lr=0.05) for m in (m1, m2))

    def step_of(model, opt):
        def step(x, y, use_side):
            opt.zero_grad()
            loss = F.cross_entropy(model(x, use_side), y)
            loss.backward()
            opt.step()
            return loss

        return step

    eager, fast = step_of(m1, o1), compat.compile(step_of(m2, o2))
    x, y = _data()
    for use_side in (True, True, True, False, False):
        np.testing.assert_allclose(
            eager(x, y, use_side).item(), fast(x, y, use_side).item(), rtol=2e-5
        )
        _assert_same_state((m1, o1), (m2, o2))
    body = {id(o2.state[p]["step"]._data._v) for p in m2.body.parameters()}
    side = {id(o2.state[p]["step"]._data._v) for p in m2.side.parameters()}
    assert len(body) == 1 and len(side) == 1 and body != side  # 5 steps vs 3
    assert len({id(o1.state[p]["step"]._data._v) for p in m1.body.parameters()}) == 4
    # (use_side True, then False: the side layer's steps stop and split from the body's)
    assert fast._compiles <= 3
