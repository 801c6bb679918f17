"""compat.optim against torch.optim: updates over many steps, groups, state dicts, errors, LBFGS."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import compat
import compat.optim as co
from compat import nn
from rustorch_fx.errors import (
    ArgumentTypeError,
    OptimizerError,
    UnsupportedError,
)

RTOL, ATOL = 1e-5, 1e-6

# (class name, kwargs): every optimizer with its defaults and each main option.
CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "maximize": True}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1, "maximize": True}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("AdamW", {"lr": 0.01}),
    ("AdamW", {"lr": 0.01, "amsgrad": True, "betas": (0.8, 0.99)}),
    ("NAdam", {}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("RAdam", {"lr": 0.01}),
    ("RAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("Adamax", {"lr": 0.01, "weight_decay": 0.01}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.1}),
    ("Adagrad", {"lr": 0.1, "weight_decay": 0.1, "maximize": True}),
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.5, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9, "centered": True, "weight_decay": 0.01}),
    ("Rprop", {"lr": 0.01}),
    ("Rprop", {"lr": 0.01, "etas": (0.4, 1.5), "step_sizes": (1e-4, 0.1), "maximize": True}),
    ("ASGD", {"lr": 0.01, "t0": 10}),
    ("ASGD", {"lr": 0.01, "lambd": 1e-2, "weight_decay": 0.1}),
]


def _ids(case):
    name, kw = case
    return name + "-" + "-".join(f"{k}={v}" for k, v in kw.items()) if kw else name + "-defaults"


class _Pair:
    """The same linear model and data in torch and compat, from identical parameters."""

    def __init__(self, seed: int = 0, groups: bool = False) -> None:
        rng = np.random.default_rng(seed)
        self.w0 = rng.standard_normal((3, 4)).astype(np.float32)
        self.b0 = rng.standard_normal(3).astype(np.float32)
        self.x = rng.standard_normal((8, 4)).astype(np.float32)
        self.y = rng.standard_normal((8, 3)).astype(np.float32)
        self.tp = [torch.nn.Parameter(torch.tensor(v)) for v in (self.w0, self.b0)]
        self.cp = [nn.Parameter(compat.tensor(v)) for v in (self.w0, self.b0)]
        self.groups = groups

    def params(self, lib: str, **group_kw):
        ps = self.tp if lib == "torch" else self.cp
        if not self.groups:
            return ps
        return [{"params": [ps[0]]}, {"params": [ps[1]], **group_kw}]

    def backward(self, lib: str) -> None:
        if lib == "torch":
            (w, b), x, y = self.tp, torch.tensor(self.x), torch.tensor(self.y)
        else:
            (w, b), x, y = self.cp, compat.tensor(self.x), compat.tensor(self.y)
        loss = ((x @ w.T + b - y) ** 2).mean()
        loss.backward()
        return loss

    def check(self) -> None:
        for t, c in zip(self.tp, self.cp, strict=True):
            np.testing.assert_allclose(c.detach().numpy(), t.detach().numpy(), rtol=RTOL, atol=ATOL)


def _train(pair: _Pair, topt, copt, steps: int) -> None:
    for _ in range(steps):
        topt.zero_grad()
        pair.backward("torch")
        topt.step()
        copt.zero_grad()
        pair.backward("compat")
        copt.step()


def _to_torch(value):
    """A compat state-dict value converted to torch (tensors through numpy)."""
    if isinstance(value, compat.Tensor):
        return torch.tensor(value.numpy())
    if isinstance(value, dict):
        return {k: _to_torch(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_torch(v) for v in value]
    return value


def _to_compat(value):
    if isinstance(value, torch.Tensor):
        return compat.tensor(value.numpy())  # compat.tensor copies, as torch.tensor
    if isinstance(value, dict):
        return {k: _to_compat(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_compat(v) for v in value]
    return value


def _structure(value):
    """Keys, nesting, Python types and tensor shapes/dtypes of a state dict."""
    if isinstance(value, (torch.Tensor, compat.Tensor)):
        return ("tensor", tuple(value.shape), str(value.dtype).removeprefix("torch."))
    if isinstance(value, dict):
        return {k: _structure(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value).__name__, [_structure(v) for v in value]
    if isinstance(value, float):
        return "float", float(f"{value:.6g}")
    return value


# --------------------------------------------------------------------------- updates


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_matches_torch_over_steps(case):
    name, kw = case
    pair = _Pair()
    topt = getattr(torch.optim, name)(pair.params("torch"), **kw)
    copt = getattr(co, name)(pair.params("compat"), **kw)
    for _ in range(10):  # 100 steps, checked every 10
        _train(pair, topt, copt, 10)
        pair.check()
    assert _structure(copt.state_dict()) == _structure(topt.state_dict())
    assert repr(copt) == repr(topt)


@pytest.mark.parametrize(
    "case",
    [("SGD", {"lr": 0.1, "momentum": 0.5}), ("Adam", {"lr": 0.01}), ("RMSprop", {"lr": 0.01})],
    ids=_ids,
)
def test_param_groups_with_own_hyperparameters(case):
    name, kw = case
    pair = _Pair(seed=1, groups=True)
    topt = getattr(torch.optim, name)(pair.params("torch", lr=0.002), **kw)
    copt = getattr(co, name)(pair.params("compat", lr=0.002), **kw)
    assert copt.param_groups[1]["lr"] == 0.002
    _train(pair, topt, copt, 30)
    pair.check()


def test_changing_lr_does_not_recompile():
    pair = _Pair(seed=2)
    topt = torch.optim.Adam(pair.params("torch"), lr=0.01)
    copt = co.Adam(pair.params("compat"), lr=0.01)
    update = co.optimizer._update_fn(co.Adam, copt._static_key(copt.param_groups[0]))
    sizes = []
    for i in range(20):
        for opt in (topt, copt):
            for g in opt.param_groups:
                g["lr"] = 0.01 / (1 + i)
                g["betas"] = (0.9 - 0.01 * i, 0.999)
        _train(pair, topt, copt, 1)
        sizes.append(update._cache_size())
    pair.check()
    # Step 1 compiles the program without state, step 2 the one with state; then no more.
    assert len(set(sizes[1:])) == 1


def test_per_parameter_step_counts():
    # A parameter without a gradient is skipped: its own step count stays behind, as in torch.
    pair = _Pair(seed=3)
    topt = torch.optim.Adam(pair.params("torch"), lr=0.01)
    copt = co.Adam(pair.params("compat"), lr=0.01)
    for i in range(12):
        for lib, opt, ps in (("torch", topt, pair.tp), ("compat", copt, pair.cp)):
            opt.zero_grad()
            pair.backward(lib)
            if i % 3 == 0:
                ps[1].grad = None
            opt.step()
    pair.check()
    assert float(copt.state[pair.cp[0]]["step"]) == 12
    assert float(copt.state[pair.cp[1]]["step"]) == 8
    assert copt.state[pair.cp[0]]["step"].dtype == compat.float32


def test_skips_parameters_without_grad_and_bumps_versions():
    a, b = nn.Parameter(compat.ones(2)), nn.Parameter(compat.ones(2))
    opt = co.Adam([a, b], lr=0.1)
    version = a._version
    (a * a).sum().backward()
    opt.step()
    assert a._version == version + 1
    assert b not in opt.state
    assert b.tolist() == [1.0, 1.0]
    assert a.is_leaf and a.requires_grad


def test_linear_module_train_and_eval_modes():
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2))
    cm = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 2))
    cm.load_state_dict(_to_compat(dict(tm.state_dict())))
    topt = torch.optim.AdamW(tm.parameters(), lr=0.01)
    copt = co.AdamW(cm.parameters(), lr=0.01)
    x = np.random.default_rng(4).standard_normal((6, 4)).astype(np.float32)
    for step in range(30):
        for model, opt, lib in ((tm, topt, torch), (cm, copt, compat)):
            model.train(step % 2 == 0)
            opt.zero_grad()
            (model(lib.tensor(x)) ** 2).mean().backward()
            opt.step()
    for (k, t), (k2, c) in zip(tm.state_dict().items(), cm.state_dict().items(), strict=True):
        assert k == k2
        np.testing.assert_allclose(c.numpy(), t.numpy(), rtol=RTOL, atol=ATOL)


# --------------------------------------------------------------------------- state dicts


@pytest.mark.parametrize("case", CASES[::2], ids=_ids)
def test_state_dict_crosses_to_torch_and_back(case):
    name, kw = case
    pair = _Pair(seed=5)
    topt = getattr(torch.optim, name)(pair.params("torch"), **kw)
    copt = getattr(co, name)(pair.params("compat"), **kw)
    _train(pair, topt, copt, 10)
    # compat -> a fresh torch optimizer, and torch -> a fresh compat optimizer, mid-training.
    topt2 = getattr(torch.optim, name)(pair.params("torch"), **kw)
    topt2.load_state_dict(_to_torch(copt.state_dict()))
    copt2 = getattr(co, name)(pair.params("compat"), **kw)
    copt2.load_state_dict(_to_compat(topt.state_dict()))
    assert _structure(copt2.state_dict()) == _structure(topt.state_dict())
    _train(pair, topt2, copt2, 20)
    pair.check()


def test_load_state_dict_casts_to_param_dtype_except_step():
    w = nn.Parameter(compat.ones(3, dtype=compat.float64))
    opt = co.NAdam([w])
    (w * w).sum().backward()
    opt.step()
    sd = opt.state_dict()
    assert sd["state"][0]["mu_product"].dtype == compat.float32
    assert sd["state"][0]["exp_avg"].dtype == compat.float64
    sd["state"][0]["exp_avg"] = sd["state"][0]["exp_avg"].float()
    opt.load_state_dict(sd)
    assert opt.state[w]["exp_avg"].dtype == compat.float64
    assert opt.state[w]["mu_product"].dtype == compat.float64  # torch casts it too
    assert opt.state[w]["step"].dtype == compat.float32
    opt.step()
    assert float(opt.state[w]["step"]) == 2


def test_load_state_dict_keeps_its_own_params_and_copies_state():
    a = nn.Parameter(compat.ones(2))
    opt = co.SGD([a], lr=0.1, momentum=0.9)
    (a * a).sum().backward()
    opt.step()
    sd = opt.state_dict()
    b = nn.Parameter(compat.ones(2))
    opt2 = co.SGD([b], lr=0.5, momentum=0.9)
    opt2.load_state_dict(sd)
    assert opt2.param_groups[0]["params"][0] is b
    assert opt2.param_groups[0]["lr"] == 0.1
    buf = opt2.state[b]["momentum_buffer"]
    assert buf is not sd["state"][0]["momentum_buffer"]
    np.testing.assert_allclose(buf.numpy(), [2.0, 2.0])


def test_load_state_dict_errors():
    a, b = nn.Parameter(compat.ones(2)), nn.Parameter(compat.ones(2))
    sd = co.Adam([a, b]).state_dict()
    with pytest.raises(OptimizerError, match="different number of parameter groups"):
        co.Adam([{"params": [a]}, {"params": [b]}]).load_state_dict(sd)
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        co.Adam([a]).load_state_dict(sd)


def test_adagrad_state_is_created_at_construction():
    pair = _Pair(seed=6)
    topt = torch.optim.Adagrad(pair.params("torch"), initial_accumulator_value=0.5)
    copt = co.Adagrad(pair.params("compat"), initial_accumulator_value=0.5)
    assert _structure(copt.state_dict()) == _structure(topt.state_dict())
    np.testing.assert_allclose(copt.state[pair.cp[1]]["sum"].numpy(), [0.5] * 3)


def test_named_parameters():
    torch.manual_seed(0)
    tm = torch.nn.Linear(2, 2)
    cm = nn.Linear(2, 2)
    topt = torch.optim.SGD(tm.named_parameters(), lr=0.1)
    copt = co.SGD(cm.named_parameters(), lr=0.1)
    assert copt.param_groups[0]["param_names"] == ["weight", "bias"]
    assert _structure(copt.state_dict()) == _structure(topt.state_dict())
    with pytest.raises(OptimizerError, match="with/without names"):
        copt.add_param_group({"params": [nn.Parameter(compat.ones(1))]})


# --------------------------------------------------------------------------- the API


def test_zero_grad():
    w = nn.Parameter(compat.ones(2))
    opt = co.SGD([w], lr=0.1)
    (w * w).sum().backward()
    grad = w.grad
    opt.zero_grad(set_to_none=False)
    assert w.grad is grad
    assert w.grad.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert w.grad is None


def test_closure_runs_with_grad_enabled_and_returns_loss():
    pair = _Pair(seed=7)
    topt = torch.optim.RMSprop(pair.params("torch"), lr=0.01)
    copt = co.RMSprop(pair.params("compat"), lr=0.01)

    def closure(lib, opt):
        def run():
            opt.zero_grad()
            return pair.backward(lib)

        return run

    for _ in range(10):
        tloss = topt.step(closure("torch", topt))
        with compat.no_grad():
            closs = copt.step(closure("compat", copt))
        np.testing.assert_allclose(closs.item(), tloss.item(), rtol=RTOL)
    pair.check()
    assert co.SGD(pair.cp, lr=0.1).step() is None


def test_step_hooks():
    w = nn.Parameter(compat.ones(2))
    opt = co.SGD([w], lr=0.1)
    calls = []
    h1 = opt.register_step_pre_hook(lambda o, args, kwargs: calls.append(("pre", o)))
    opt.register_step_post_hook(lambda o, args, kwargs: calls.append(("post", o)))
    g = co.optimizer.register_optimizer_step_pre_hook(lambda o, a, k: calls.append(("global",)))
    opt.step()
    assert calls == [("global",), ("pre", opt), ("post", opt)]
    h1.remove()
    g.remove()
    calls.clear()
    opt.step()
    assert calls == [("post", opt)]
    replaced = []
    opt.register_step_pre_hook(lambda o, args, kwargs: ((lambda: replaced.append(1) or 7,), {}))
    assert opt.step() == 7 and replaced == [1]


def test_add_param_group():
    a, b = nn.Parameter(compat.ones(2)), nn.Parameter(compat.ones(3))
    opt = co.Adam([a], lr=0.1, betas=(0.8, 0.9))
    opt.add_param_group({"params": b, "lr": 0.01})
    assert opt.param_groups[1]["params"] == [b]
    assert opt.param_groups[1]["betas"] == (0.8, 0.9)
    assert opt.param_groups[1]["lr"] == 0.01
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(TypeError, match="ordered collections"):
        opt.add_param_group({"params": {nn.Parameter(compat.ones(1))}})
    with pytest.raises(TypeError, match="param_group must be a dict"):
        opt.add_param_group([nn.Parameter(compat.ones(1))])


def test_base_optimizer_errors():
    w = nn.Parameter(compat.ones(2))
    with pytest.raises(TypeError, match="iterable of Tensors or dicts, but got compat.Tensor"):
        co.SGD(w)
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        co.SGD([])
    with pytest.raises(ArgumentTypeError, match="can only optimize Tensors"):
        co.SGD([1.0])
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        co.SGD([w * 2])
    with pytest.raises(NotImplementedError, match="must implement step"):
        co.Optimizer([w], {}).step()
    with pytest.raises(ValueError, match="required optimization parameter lr"):
        co.Optimizer([w], {"lr": co.optimizer.required})


@pytest.mark.parametrize(
    ("name", "kw", "match"),
    [
        ("SGD", {"lr": -1.0}, "Invalid learning rate: -1.0"),
        ("SGD", {"momentum": -0.1}, "Invalid momentum value: -0.1"),
        ("SGD", {"weight_decay": -1}, "Invalid weight_decay value: -1"),
        ("SGD", {"nesterov": True}, "Nesterov momentum requires a momentum and zero dampening"),
        ("Adam", {"eps": -1e-8}, "Invalid epsilon value: -1e-08"),
        ("Adam", {"betas": (1.0, 0.9)}, "Invalid beta parameter at index 0: 1.0"),
        ("AdamW", {"betas": (0.9, -0.1)}, "Invalid beta parameter at index 1: -0.1"),
        ("NAdam", {"momentum_decay": -1}, "Invalid momentum_decay value: -1"),
        ("RAdam", {"weight_decay": -0.5}, "Invalid weight_decay value: -0.5"),
        ("Adamax", {"lr": -0.5}, "Invalid learning rate: -0.5"),
        ("Adagrad", {"lr_decay": -1}, "Invalid lr_decay value: -1"),
        ("Adagrad", {"initial_accumulator_value": -1}, "Invalid initial_accumulator_value"),
        ("Adadelta", {"rho": 1.5}, "Invalid rho value: 1.5"),
        ("RMSprop", {"alpha": -1}, "Invalid alpha value: -1"),
        ("Rprop", {"etas": (1.5, 1.2)}, "Invalid eta values: 1.5, 1.2"),
        ("ASGD", {"weight_decay": -1}, "Invalid weight_decay value: -1"),
        ("LBFGS", {"lr": -1}, "Invalid learning rate: -1"),
    ],
)
def test_hyperparameter_validation(name, kw, match):
    w = nn.Parameter(compat.ones(2))
    with pytest.raises(OptimizerError, match=match):
        getattr(co, name)([w], **kw)
    with pytest.raises(ValueError, match=match):  # torch raises ValueError with this message
        getattr(torch.optim, name)([torch.nn.Parameter(torch.ones(2))], **kw)


def test_kernel_options():
    w = nn.Parameter(compat.ones(2))
    # foreach / fused / capturable are accepted: compat's step is always one compiled program.
    for kw in ({"foreach": True}, {"fused": True}, {"capturable": True}):
        opt = co.Adam([w], **kw)
        (w * w).sum().backward()
        opt.step()
    with pytest.raises(OptimizerError, match="`fused` and `foreach` cannot be `True` together"):
        co.SGD([w], lr=0.1, fused=True, foreach=True)
    with pytest.raises(UnsupportedError, match="differentiable=True"):
        co.Adam([w], differentiable=True)
    with pytest.raises(ArgumentTypeError, match="betas must be a pair"):
        co.Adam([w], betas=0.9)


def test_grad_mismatch_and_complex_errors():
    w = nn.Parameter(compat.ones(2))
    w.grad = compat.ones(3)
    with pytest.raises(OptimizerError, match=r"gradient of shape \(3,\)"):
        co.SGD([w], lr=0.1).step()
    z = nn.Parameter(compat.ones(2, dtype=compat.complex64))
    z.grad = compat.ones(2, dtype=compat.complex64)
    with pytest.raises(UnsupportedError, match="complex parameters"):
        co.Adam([z]).step()


def test_tensor_lr():
    pair = _Pair(seed=8)
    topt = torch.optim.SGD(pair.params("torch"), lr=torch.tensor(0.05), momentum=0.9)
    copt = co.SGD(pair.params("compat"), lr=compat.tensor(0.05), momentum=0.9)
    _train(pair, topt, copt, 10)
    pair.check()


# --------------------------------------------------------------------------- LBFGS


def _rosenbrock(lib, w):
    x, y = w[0], w[1]
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def _logistic_data():
    rng = np.random.default_rng(9)
    x = rng.standard_normal((20, 3))
    y = (x @ np.array([1.0, -2.0, 0.5]) + 0.3 * rng.standard_normal(20) > 0).astype(np.float64)
    return x, y


def _logistic(lib, w):
    x, y = _logistic_data()
    x, y = lib.tensor(x), lib.tensor(y)
    z = x @ w
    return (lib.nn.functional.softplus(z) - y * z).mean() + 0.01 * (w * w).sum()


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
@pytest.mark.parametrize(
    ("loss_fn", "w0", "kw"),
    [
        (_rosenbrock, [-1.5, 2.0], {"lr": 1.0, "max_iter": 5}),
        (_logistic, [0.1, 0.2, -0.3], {"lr": 0.5, "max_iter": 4, "history_size": 3}),
    ],
    ids=["rosenbrock", "logistic"],
)
def test_lbfgs_iterate_by_iterate(loss_fn, w0, kw, line_search_fn):
    tw = torch.nn.Parameter(torch.tensor(w0, dtype=torch.float64))
    cw = nn.Parameter(compat.tensor(np.array(w0)))  # a float64 list is rounded via float32
    topt = torch.optim.LBFGS([tw], line_search_fn=line_search_fn, **kw)
    copt = co.LBFGS([cw], line_search_fn=line_search_fn, **kw)
    evals = {"torch": 0, "compat": 0}

    def closure(lib, opt, w):
        def run():
            evals[lib.__name__] += 1
            opt.zero_grad()
            loss = loss_fn(lib, w)
            loss.backward()
            return loss

        return run

    for _ in range(6):
        tloss = topt.step(closure(torch, topt, tw))
        closs = copt.step(closure(compat, copt, cw))
        np.testing.assert_allclose(closs.item(), tloss.item(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(cw.detach().numpy(), tw.detach().numpy(), rtol=1e-9, atol=1e-12)
        assert evals["compat"] == evals["torch"]
        tstate, cstate = topt.state[tw], copt.state[cw]
        assert cstate["n_iter"] == tstate["n_iter"]
        assert cstate["func_evals"] == tstate["func_evals"]
        assert len(cstate["old_dirs"]) == len(tstate["old_dirs"])
    ts = {k: v for k, v in topt.state_dict()["state"][0].items() if k != "al"}
    cs = {k: v for k, v in copt.state_dict()["state"][0].items() if k != "al"}
    assert _structure(cs) == _structure(ts)


def test_lbfgs_state_dict_crosses_to_torch():
    w0 = [-1.2, 1.0]
    tw = torch.nn.Parameter(torch.tensor(w0, dtype=torch.float64))
    cw = nn.Parameter(compat.tensor(np.array(w0)))  # a float64 list is rounded via float32
    copt = co.LBFGS([cw], max_iter=3, history_size=4, line_search_fn="strong_wolfe")

    def closure(lib, opt, w):
        def run():
            opt.zero_grad()
            loss = _rosenbrock(lib, w)
            loss.backward()
            return loss

        return run

    for _ in range(2):
        copt.step(closure(compat, copt, cw))
    with torch.no_grad():
        tw.copy_(torch.tensor(cw.detach().numpy().copy()))
    topt = torch.optim.LBFGS([tw], max_iter=3, history_size=4, line_search_fn="strong_wolfe")
    topt.load_state_dict(_to_torch(copt.state_dict()))
    copt2 = co.LBFGS([cw], max_iter=3, history_size=4, line_search_fn="strong_wolfe")
    copt2.load_state_dict(_to_compat(topt.state_dict()))
    for _ in range(3):
        topt.step(closure(torch, topt, tw))
        copt2.step(closure(compat, copt2, cw))
        np.testing.assert_allclose(cw.detach().numpy(), tw.detach().numpy(), rtol=1e-9)


def test_lbfgs_errors():
    a, b = nn.Parameter(compat.ones(2)), nn.Parameter(compat.ones(2))
    with pytest.raises(OptimizerError, match="doesn't support per-parameter options"):
        co.LBFGS([{"params": [a]}, {"params": [b]}])
    opt = co.LBFGS([a])
    with pytest.raises(OptimizerError, match="closure .* is required"):
        opt.step()

    def failing():
        raise KeyError("from the closure")

    with pytest.raises(KeyError, match="from the closure"):
        opt.step(failing)
    assert a.tolist() == [1.0, 1.0]
    bad = co.LBFGS([b], line_search_fn="backtracking")
    with pytest.raises(OptimizerError, match="only 'strong_wolfe' is supported"):
        bad.step(lambda: (b * b).sum())


@pytest.mark.parametrize(
    ("name", "kw", "sched", "skw"),
    [
        ("SGD", {"lr": 0.1, "momentum": 0.9}, "OneCycleLR", {"max_lr": 0.2, "total_steps": 30}),
        ("Adam", {"lr": 0.01}, "OneCycleLR", {"max_lr": 0.05, "total_steps": 30}),
        ("AdamW", {"lr": 0.01}, "StepLR", {"step_size": 7, "gamma": 0.5}),
    ],
)
def test_with_lr_scheduler(name, kw, sched, skw):
    # Schedulers write lr (and momentum / betas) into the groups each step: traced, no recompile.
    pair = _Pair(seed=10)
    topt = getattr(torch.optim, name)(pair.params("torch"), **kw)
    copt = getattr(co, name)(pair.params("compat"), **kw)
    tsched = getattr(torch.optim.lr_scheduler, sched)(topt, **skw)
    csched = getattr(co.lr_scheduler, sched)(copt, **skw)
    for _ in range(30):
        _train(pair, topt, copt, 1)
        tsched.step()
        csched.step()
    pair.check()
    assert copt.param_groups[0]["lr"] == pytest.approx(topt.param_groups[0]["lr"], rel=1e-12)


@pytest.mark.parametrize("name", ["Adam", "LBFGS"])
def test_deepcopy(name):
    import copy

    w = nn.Parameter(compat.tensor(np.array([1.0, -2.0])))
    opt = getattr(co, name)([w], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    opt.step(closure)
    clone = copy.deepcopy(opt)
    (w2,) = clone.param_groups[0]["params"]
    assert w2 is not w and w2.tolist() == w.tolist()
    assert clone.state_dict()["param_groups"] == opt.state_dict()["param_groups"]
    key = "exp_avg" if name == "Adam" else "d"
    np.testing.assert_array_equal(clone.state[w2][key].numpy(), opt.state[w][key].numpy())
    opt.step(closure)
    if name == "Adam":
        assert float(clone.state[w2]["step"]) == 1  # independent copies


def test_subclass_step_calling_super_runs_hooks_once():
    class Clipped(co.SGD):
        def step(self, closure=None):
            return super().step(closure)

    w = nn.Parameter(compat.ones(2))
    opt = Clipped([w], lr=0.1)
    calls = []
    opt.register_step_post_hook(lambda o, args, kwargs: calls.append(1))
    (w * w).sum().backward()
    opt.step()
    assert calls == [1]
    assert w.tolist() == pytest.approx([0.8, 0.8])
