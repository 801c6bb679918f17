"""compat.jit against torch.jit: trace, script, save/load (fresh process too), autograd, errors."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import jax
import numpy as np
import pytest
import torch
from conftest import assert_close

import compat
import compat.jit as jit
import rustorch_fx as rt
from compat import nn
from rustorch_fx import export

ROOT = Path(__file__).resolve().parents[1]

# torch 2.13 deprecates torch.jit; it is still the reference for compat.jit's behaviour.
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.trace:DeprecationWarning")


def _copy_weights(ours: nn.Module, theirs: torch.nn.Module) -> None:
    for name, t in theirs.state_dict().items():
        target = dict(ours.named_parameters()).get(name)
        if target is None:
            target = dict(ours.named_buffers())[name]
        with compat.no_grad():
            target.copy_(compat.from_numpy(t.detach().numpy().copy()))


def _mlp_pair():
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2))
    ours = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2))
    _copy_weights(ours, theirs)
    return ours, theirs


class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3, padding=1)
        self.bn = nn.BatchNorm2d(2)
        self.fc = nn.Linear(2 * 2 * 2, 3)

    def forward(self, x):
        h = nn.functional.max_pool2d(self.bn(self.conv(x)).relu(), 2)
        return self.fc(h.view(h.size(0), -1))


class TorchConvNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 2, 3, padding=1)
        self.bn = torch.nn.BatchNorm2d(2)
        self.fc = torch.nn.Linear(2 * 2 * 2, 3)

    def forward(self, x):
        h = torch.nn.functional.max_pool2d(self.bn(self.conv(x)).relu(), 2)
        return self.fc(h.view(h.size(0), -1))


@pytest.fixture(scope="module")
def mlp_traced():
    ours, theirs = _mlp_pair()
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    return ours, theirs, x, jit.trace(ours, compat.from_numpy(x))


@pytest.fixture(scope="module")
def conv_traced(tmp_path_factory):
    torch.manual_seed(1)
    theirs = TorchConvNet()
    with torch.no_grad():
        theirs.bn.running_mean.uniform_(-0.5, 0.5)
        theirs.bn.running_var.uniform_(0.5, 1.5)
    theirs.eval()
    ours = ConvNet()
    _copy_weights(ours, theirs)
    ours.eval()
    x = np.random.default_rng(1).standard_normal((2, 1, 4, 4)).astype(np.float32)
    traced = jit.trace(ours, compat.from_numpy(x))
    path = tmp_path_factory.mktemp("jit") / "conv.pt"
    jit.save(traced, str(path))
    return ours, theirs, x, traced, path


# -- trace matches torch.jit.trace ----------------------------------------------------------


def test_trace_mlp_matches_torch_jit_trace(mlp_traced):
    _ours, theirs, x, traced = mlp_traced
    torch_traced = torch.jit.trace(theirs, torch.from_numpy(x))
    assert_close(traced(compat.from_numpy(x)), torch_traced(torch.from_numpy(x)))
    assert isinstance(traced, jit.ScriptModule) and isinstance(traced, nn.Module)
    assert sorted(traced.state_dict()) == sorted(theirs.state_dict())
    assert traced.original_name == "Sequential"
    assert "stablehlo.dot_general" in traced.graph and traced.code == traced.graph


def test_trace_serves_other_batch_sizes(mlp_traced):
    _ours, theirs, _, traced = mlp_traced
    x = np.random.default_rng(2).standard_normal((7, 3)).astype(np.float32)
    assert_close(traced(compat.from_numpy(x)), theirs(torch.from_numpy(x)))


def test_trace_convnet_matches_torch(conv_traced):
    _ours, theirs, x, traced, _ = conv_traced
    torch_traced = torch.jit.trace(theirs, torch.from_numpy(x))
    assert_close(traced(compat.from_numpy(x)), torch_traced(torch.from_numpy(x)), atol=1e-5)
    assert not traced.training


def test_fixed_shape_program_explains_itself(conv_traced):
    # view(h.size(0), -1) cannot be traced for a symbolic batch: the program keeps the
    # example's shapes and says so.
    _, _, _, traced, _ = conv_traced
    with pytest.raises(rt.ShapeError, match=r"input 0 has shape \(3, 1, 4, 4\).*fixed shapes"):
        traced(compat.zeros(3, 1, 4, 4))


# -- autograd through the traced program ----------------------------------------------------


def test_backward_reaches_parameters_and_inputs(mlp_traced):
    ours, _, x, traced = mlp_traced
    xs = compat.from_numpy(x).requires_grad_()
    ours.zero_grad()
    (ours(xs) ** 2).sum().backward()
    eager = {n: p.grad.clone() for n, p in ours.named_parameters()}
    eager_x = xs.grad.clone()
    ours.zero_grad()
    xs.grad = None
    out = traced(xs)
    assert out.grad_fn.name() == "ScriptModuleBackward0"
    (out**2).sum().backward()
    for n, p in traced.named_parameters():
        assert_close(p.grad, eager[n], rtol=1e-5, atol=1e-6)
    assert_close(xs.grad, eager_x, rtol=1e-5, atol=1e-6)


def test_traced_module_shares_parameters_and_trains():
    ours, _ = _mlp_pair()
    x = compat.ones(4, 3)
    traced = jit.trace(ours, x)
    assert {id(p) for p in traced.parameters()} == {id(p) for p in ours.parameters()}
    opt = compat.optim.SGD(traced.parameters(), lr=0.1)
    before = traced(x).sum().item()
    for _ in range(3):
        opt.zero_grad()
        traced(x).sum().backward()
        opt.step()
    assert traced(x).sum().item() < before
    assert_close(traced(x), ours(x))


def test_batchnorm_traced_in_training_mode_updates_running_stats_like_torch():
    torch.manual_seed(2)
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    ours = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    _copy_weights(ours, theirs)
    rng = np.random.default_rng(3)
    traced = jit.trace(ours, compat.from_numpy(rng.standard_normal((5, 3)).astype(np.float32)))
    assert ours[1].num_batches_tracked.item() == 0  # tracing and its check change no state
    for _ in range(2):
        x = rng.standard_normal((5, 3)).astype(np.float32)
        assert_close(traced(compat.from_numpy(x)), theirs(torch.from_numpy(x)), atol=1e-5)
    for name, buf in theirs.state_dict().items():
        assert_close(traced.state_dict()[name], buf, atol=1e-6)
    assert ours[1].num_batches_tracked.item() == 2  # the buffers are shared with the original


def test_trace_function_and_backward_to_inputs():
    f = jit.trace(lambda a, b: (a * b).sum(dim=1), (compat.ones(2, 3), compat.ones(2, 3)))
    assert isinstance(f, jit.ScriptFunction)
    a = compat.arange(6.0).reshape(2, 3).requires_grad_()
    b = compat.full((2, 3), 2.0)
    f(a, b).sum().backward()
    assert a.grad.tolist() == [[2.0] * 3] * 2
    assert list(f.parameters()) == []
    g = jit.trace(lambda x, s: x * s, (compat.ones(2), 2.0))
    assert g(compat.ones(2), 3.0).tolist() == [3.0, 3.0]
    with pytest.raises(rt.UnsupportedError, match="compat.jit.trace"):
        jit.ScriptModule()(compat.ones(2))


# -- trace options --------------------------------------------------------------------------


def test_check_trace_detects_nondeterminism():
    model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5))  # training mode: random masks
    with pytest.raises(jit.TracingCheckError, match="does not match the Python function"):
        jit.trace(model, compat.ones(8, 4))


def test_size_comparisons_are_fixed_by_the_example_as_in_torch():
    def by_size(x):
        return x * 2 if x.size(0) == 4 else x  # a symbolic size is never "== 4"

    f = jit.trace(by_size, compat.ones(4, 2))
    assert f(compat.ones(4, 2)).tolist() == [[2.0, 2.0]] * 4
    with pytest.raises(rt.ShapeError, match="differs from the Python function"):
        f(compat.ones(3, 2))


def test_strict_refuses_dict_outputs_and_kwarg_inputs():
    class Heads(nn.Module):
        def forward(self, x, *, scale):
            return {"a": x * scale, "b": x + scale}

    m = Heads()
    kwargs = {"scale": compat.tensor(2.0)}
    with pytest.raises(rt.TracingError, match="dict at the output"):
        jit.trace(m, compat.ones(2), example_kwarg_inputs=kwargs)
    traced = jit.trace(m, compat.ones(2), example_kwarg_inputs=kwargs, strict=False)
    out = traced(compat.ones(2), scale=compat.tensor(3.0))
    assert out["a"].tolist() == [3.0, 3.0] and out["b"].tolist() == [4.0, 4.0]
    with pytest.raises(rt.ArgumentTypeError, match=r"expected keyword inputs \['scale'\]"):
        traced(compat.ones(2))


def test_trace_errors():
    with pytest.raises(rt.ArgumentTypeError, match="example_inputs"):
        jit.trace(nn.ReLU())
    with pytest.raises(rt.UnsupportedError, match="cannot compile the class Linear"):
        jit.trace(nn.Linear, compat.ones(2))
    with pytest.raises(rt.TracingError):
        jit.trace(lambda x: x if x.sum() > 0 else -x, compat.ones(2))
    with pytest.raises(rt.ExportError, match="only tensors"):
        jit.trace(lambda x: (x, "label"), compat.ones(2))
    traced = jit.trace(nn.ReLU(), compat.ones(2, 2))
    assert jit.trace(traced, compat.ones(2, 2)) is traced
    with pytest.raises(rt.DTypeError, match="dtype float64"):
        traced(compat.ones(2, 2, dtype=compat.float64))
    with pytest.raises(rt.ArgumentTypeError, match=r"expected 1 positional input\(s\), got 2"):
        traced(compat.ones(2, 2), compat.ones(2, 2))


# -- script ---------------------------------------------------------------------------------


def test_script_with_symbolic_specs():
    lin = nn.Linear(3, 2, bias=False)
    m = jit.script(lin, input_specs=["b, 3"])
    for n in (1, 5):
        x = compat.randn(n, 3)
        assert_close(m(x), lin(x))
    with pytest.raises(rt.ShapeError, match=r"float32\[b, 3\]"):
        m(compat.ones(2, 4))


def test_script_traces_at_first_call_and_with_examples(tmp_path):
    lin = nn.Linear(3, 2)
    lazy = jit.script(lin)
    with pytest.raises(rt.ExportError, match="traced at its first call"):
        lazy.save(tmp_path / "early.pt")
    x = compat.randn(4, 3)
    assert_close(lazy(x), lin(x))
    lazy.save(tmp_path / "lazy.pt")
    m = jit.script(lin, example_inputs=[(x,), (compat.randn(4, 3),)])
    assert_close(m(x), lin(x))
    with pytest.raises(rt.UnsupportedError, match="compile the class"):
        jit.script(nn.Linear)
    with pytest.raises(rt.ArgumentTypeError, match="expected a compat nn.Module"):
        jit.script(42)


def test_freeze_and_optimize_for_inference(mlp_traced):
    ours, _, x, traced = mlp_traced
    with pytest.raises(rt.ExportError, match="eval mode"):
        jit.freeze(traced)
    with pytest.raises(rt.ExportError, match="expects a ScriptModule"):
        jit.freeze(ours)
    frozen = jit.optimize_for_inference(traced)
    assert not traced.training and list(frozen.parameters()) == []
    assert frozen.state_dict() == {}
    assert_close(frozen(compat.from_numpy(x)), traced(compat.from_numpy(x)))
    traced.train()


def test_tracing_flags_and_decorators():
    seen = []

    def f(x):
        seen.append((jit.is_tracing(), jit.is_scripting()))
        return x + 1

    jit.trace(f, compat.ones(1), check_trace=False)
    assert (True, False) in seen
    assert not jit.is_tracing()
    assert jit.ignore(f) is f and jit.ignore(drop=True)(f) is f and jit.unused(f) is f


# -- save and load --------------------------------------------------------------------------


def test_save_load_in_process(conv_traced):
    ours, _, x, _traced, path = conv_traced
    loaded = jit.load(str(path), map_location="cpu")
    assert_close(loaded(compat.from_numpy(x)), ours(compat.from_numpy(x)))
    assert sorted(loaded.state_dict()) == sorted(ours.state_dict())
    assert all(p.requires_grad for p in loaded.parameters())
    assert not loaded.training
    out = loaded(compat.from_numpy(x))
    out.sum().backward()
    assert loaded.conv.weight.grad.shape == (2, 1, 3, 3)
    with pytest.raises(rt.DeviceError, match="cuda:7"):
        jit.load(str(path), map_location="cuda:7")


def test_save_writes_current_parameters_and_extra_files(tmp_path):
    lin = nn.Linear(2, 2)
    traced = jit.trace(lin, compat.ones(3, 2))
    with compat.no_grad():
        lin.weight.fill_(0.5)
    buf = io.BytesIO()
    traced.save(buf, _extra_files={"config.json": '{"a": 1}'})
    files = {"config.json": ""}
    loaded = jit.load(io.BytesIO(buf.getvalue()), _extra_files=files)
    assert files["config.json"] == b'{"a": 1}'
    assert loaded.weight.tolist() == [[0.5, 0.5], [0.5, 0.5]]
    assert_close(loaded(compat.ones(3, 2)), lin(compat.ones(3, 2)))


def test_save_falls_back_to_the_forward_program(tmp_path, monkeypatch):
    traced = jit.trace(nn.Linear(2, 2), compat.ones(3, 2))
    serialize = jax.export.Exported.serialize

    def no_vjp(self, vjp_order=0):
        if vjp_order:
            raise ValueError("Reverse-mode differentiation does not work here")
        return serialize(self, vjp_order=0)

    monkeypatch.setattr(jax.export.Exported, "serialize", no_vjp)
    with pytest.warns(UserWarning, match="saving the forward program only"):
        traced.save(tmp_path / "fwd.pt")
    monkeypatch.undo()
    loaded = jit.load(tmp_path / "fwd.pt")
    assert_close(loaded(compat.ones(3, 2)), traced(compat.ones(3, 2)))
    with pytest.raises(rt.AutogradError, match="without its derivative"):
        loaded(compat.ones(3, 2)).sum().backward()


def test_save_and_load_errors(tmp_path):
    with pytest.raises(rt.ArgumentTypeError, match="expected a ScriptModule"):
        jit.save(nn.Linear(2, 2), tmp_path / "x.pt")
    plain = export.trace(lambda x: x * 2, np.ones(2, np.float32))
    plain.save(tmp_path / "plain.rtx")
    with pytest.raises(rt.SerializationError, match="not a compat.jit module"):
        jit.load(tmp_path / "plain.rtx")
    (tmp_path / "junk.pt").write_bytes(b"\x00" * 64)
    with pytest.raises(rt.SerializationError):
        jit.load(tmp_path / "junk.pt")


def test_load_in_a_fresh_process(conv_traced, tmp_path):
    """A fresh interpreter, without this file's model classes, runs the saved module."""
    ours, _, x, _, path = conv_traced
    np.save(tmp_path / "x.npy", x)
    code = (
        "import sys, numpy as np, compat, compat.jit\n"
        "m = compat.jit.load(sys.argv[1])\n"
        "y = m(compat.from_numpy(np.load(sys.argv[2])))\n"
        "np.save(sys.argv[3], y.detach().numpy())\n"
    )
    out_path = tmp_path / "y.npy"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", code, str(path), str(tmp_path / "x.npy"), str(out_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    with compat.no_grad():
        expected = ours(compat.from_numpy(x)).numpy()
    np.testing.assert_allclose(np.load(out_path), expected, rtol=1e-6, atol=1e-6)
