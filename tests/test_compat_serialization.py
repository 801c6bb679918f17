"""compat.serialization (torch.save / torch.load) against torch: interop, allowlist, reliability."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import textwrap
import time

import jax
import ml_dtypes
import numpy as np
import pytest
import torch

import compat
from compat import serialization as cs
from compat.optim import AdamW
from rustorch_fx.errors import ArgumentTypeError, InvalidArgumentError, SerializationError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _roundtrip(obj: object, **kw: object) -> object:
    buf = io.BytesIO()
    cs.save(obj, buf)
    buf.seek(0)
    return cs.load(buf, **kw)


def _torch_then_compat(obj: object, **kw: object) -> object:
    buf = io.BytesIO()
    torch.save(obj, buf)
    buf.seek(0)
    return cs.load(buf, **kw)


DTYPES = ["float32", "float64", "float16", "bfloat16", "int8", "int16", "int32", "int64"]
DTYPES += ["uint8", "bool", "complex64", "complex128"]


def test_compat_tensors_to_torch_and_back(tmp_path) -> None:
    x = compat.arange(12.0).reshape(3, 4)
    obj = {d: compat.ones(2, 3, dtype=getattr(compat, d)) for d in DTYPES}
    obj |= {
        "x": x,
        "col": x[:, 1],
        "xt": x.t(),
        "p": compat.nn.Parameter(compat.ones(2, dtype=compat.float64)),
        "frozen": compat.nn.Parameter(compat.zeros(2), requires_grad=False),
        "rg": compat.ones(2, requires_grad=True),
        "dtype": compat.bfloat16,
        "device": compat.device("cpu"),
        "plain": [1, "a", None, (2.5, b"b")],
    }
    path = tmp_path / "c.pt"
    cs.save(obj, path)
    t = torch.load(path, weights_only=True)
    for d in DTYPES:
        assert t[d].dtype == getattr(torch, d) and t[d].shape == (2, 3)
        assert (t[d] == 1).all()
    assert isinstance(t["p"], torch.nn.Parameter) and t["p"].dtype == torch.float64
    assert not t["frozen"].requires_grad and t["rg"].requires_grad
    assert t["dtype"] == torch.bfloat16 and t["device"] == torch.device("cpu")
    np.testing.assert_array_equal(t["xt"].numpy(), np.arange(12.0).reshape(3, 4).T)
    t["x"][0, 1] = 50.0  # views of one compat base share one torch storage
    assert t["col"][0].item() == 50.0 and t["xt"][1, 0].item() == 50.0
    back = cs.load(path)
    for d in DTYPES:
        assert back[d].dtype == getattr(compat, d)
    np.testing.assert_array_equal(back["col"].numpy(), [1.0, 5.0, 9.0])
    assert isinstance(back["p"], compat.nn.Parameter) and back["p"].requires_grad
    assert back["rg"].requires_grad and not back["x"].requires_grad
    assert back["dtype"] is compat.bfloat16 and back["device"] == compat.device("cpu")
    assert back["plain"] == obj["plain"]


def test_torch_tensors_load_as_compat_tensors() -> None:
    base = torch.arange(24.0).reshape(4, 6)
    obj = {d: torch.ones(2, dtype=getattr(torch, d)) for d in DTYPES}
    obj |= {"v": base[1:, ::2], "p": torch.nn.Parameter(torch.ones(1)), "s": torch.Size([3])}
    out = _torch_then_compat(obj)
    for d in DTYPES:
        assert isinstance(out[d], compat.Tensor) and out[d].dtype == getattr(compat, d)
    np.testing.assert_array_equal(out["v"].numpy(), base[1:, ::2].numpy())
    assert isinstance(out["p"], compat.nn.Parameter) and out["s"] == (3,)
    bf = _torch_then_compat(torch.tensor([1.5, -2.0]).to(torch.bfloat16))
    assert bf.numpy().dtype == ml_dtypes.bfloat16


def _torch_and_compat_mlp() -> tuple[torch.nn.Module, compat.nn.Module]:
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.ReLU(), torch.nn.Linear(5, 2))
    cm = compat.nn.Sequential(compat.nn.Linear(3, 5), compat.nn.ReLU(), compat.nn.Linear(5, 2))
    return tm, cm


def test_torch_state_dict_into_compat_model_same_outputs() -> None:
    tm, cm = _torch_and_compat_mlp()
    cm.load_state_dict(_torch_then_compat(tm.state_dict()))
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    np.testing.assert_allclose(
        cm(compat.tensor(x)).detach().numpy(), tm(torch.tensor(x)).detach().numpy(), rtol=1e-6
    )
    # and back: compat's state dict loads into torch
    buf = io.BytesIO()
    cs.save(cm.state_dict(), buf)
    buf.seek(0)
    tm2 = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.ReLU(), torch.nn.Linear(5, 2))
    tm2.load_state_dict(torch.load(buf, weights_only=True))
    np.testing.assert_allclose(
        tm2(torch.tensor(x)).detach().numpy(), tm(torch.tensor(x)).detach().numpy(), rtol=1e-6
    )


def _train(model, opt, steps: int, framework) -> list[float]:
    x = framework.tensor(np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3))
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = (model(x) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(float(loss.item()))
    return losses


def test_optimizer_state_dict_continues_identically_and_crosses_to_torch() -> None:
    tm, cm = _torch_and_compat_mlp()
    cm.load_state_dict(_torch_then_compat(tm.state_dict()))
    t_opt = torch.optim.AdamW(tm.parameters(), lr=0.01)
    c_opt = AdamW(cm.parameters(), lr=0.01)
    _train(tm, t_opt, 2, torch)
    _train(cm, c_opt, 2, compat)
    # torch's optimizer + model state saved by torch -> a fresh compat model and optimizer
    ckpt = _torch_then_compat({"model": tm.state_dict(), "opt": t_opt.state_dict()})
    _, cm2 = _torch_and_compat_mlp()
    cm2.load_state_dict(ckpt["model"])
    c_opt2 = AdamW(cm2.parameters(), lr=0.5)
    c_opt2.load_state_dict(ckpt["opt"])
    assert c_opt2.param_groups[0]["lr"] == 0.01
    # compat's own state saved by compat -> another compat model
    ckpt_c = _roundtrip({"model": cm.state_dict(), "opt": c_opt.state_dict()})
    _, cm3 = _torch_and_compat_mlp()
    cm3.load_state_dict(ckpt_c["model"])
    c_opt3 = AdamW(cm3.parameters(), lr=0.5)
    c_opt3.load_state_dict(ckpt_c["opt"])
    # compat's state saved by compat -> torch
    buf = io.BytesIO()
    cs.save({"model": cm.state_dict(), "opt": c_opt.state_dict()}, buf)
    buf.seek(0)
    t_ckpt = torch.load(buf, weights_only=True)
    tm4 = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.ReLU(), torch.nn.Linear(5, 2))
    tm4.load_state_dict(t_ckpt["model"])
    t_opt4 = torch.optim.AdamW(tm4.parameters(), lr=0.5)
    t_opt4.load_state_dict(t_ckpt["opt"])
    expected = _train(tm, t_opt, 3, torch)
    np.testing.assert_allclose(_train(cm2, c_opt2, 3, compat), expected, rtol=1e-5)
    np.testing.assert_allclose(_train(cm3, c_opt3, 3, compat), _train(cm, c_opt, 3, compat))
    np.testing.assert_allclose(_train(tm4, t_opt4, 3, torch), expected, rtol=1e-5)


# -- whole objects and the allowlist -----------------------------------------------------------


def test_torch_whole_model_loads_as_compat_modules_only_when_allowed() -> None:
    tm, _ = _torch_and_compat_mlp()
    torch.manual_seed(1)
    lstm = torch.nn.LSTM(3, 4, num_layers=2, batch_first=True)
    with pytest.raises(SerializationError, match=r"torch\.nn\.modules\.container\.Sequential.*"):
        _torch_then_compat(tm)
    with pytest.raises(SerializationError, match="add_safe_globals"):
        _torch_then_compat(tm, weights_only=True)
    state = compat.get_rng_state()
    out = _torch_then_compat({"mlp": tm, "lstm": lstm}, weights_only=False)
    assert np.array_equal(compat.get_rng_state(), state)  # loading draws no random numbers
    mlp, clstm = out["mlp"], out["lstm"]
    assert isinstance(mlp, compat.nn.Sequential) and isinstance(mlp[0], compat.nn.Linear)
    assert isinstance(clstm, compat.nn.LSTM) and clstm.batch_first and clstm.num_layers == 2
    x = np.random.default_rng(1).standard_normal((2, 5, 3)).astype(np.float32)
    np.testing.assert_allclose(
        mlp(compat.tensor(x)).detach().numpy(), tm(torch.tensor(x)).detach().numpy(), rtol=1e-5
    )
    c_out, (c_h, _) = clstm(compat.tensor(x))
    t_out, (t_h, _) = lstm(torch.tensor(x))
    np.testing.assert_allclose(c_out.detach().numpy(), t_out.detach().numpy(), atol=1e-6)
    np.testing.assert_allclose(c_h.detach().numpy(), t_h.detach().numpy(), atol=1e-6)


def test_torch_whole_transformer_layer_without_constructor_arguments_in_its_state() -> None:
    torch.manual_seed(2)
    layer = torch.nn.TransformerEncoderLayer(4, 2, 8, batch_first=True).eval()
    clayer = _torch_then_compat(layer, weights_only=False)  # activation: F.relu, mapped
    assert isinstance(clayer, compat.nn.TransformerEncoderLayer) and not clayer.training
    x = np.random.default_rng(2).standard_normal((2, 3, 4)).astype(np.float32)
    np.testing.assert_allclose(
        clayer(compat.tensor(x)).detach().numpy(),
        layer(torch.tensor(x)).detach().numpy(),
        atol=1e-5,
    )


class Point:
    """A user class that a checkpoint may construct once allowed."""

    def __init__(self, x: int) -> None:
        self.x = x


def test_safe_globals_allow_user_classes() -> None:
    buf = io.BytesIO()
    torch.save({"pt": Point(3)}, buf)
    with pytest.raises(SerializationError, match="test_compat_serialization.Point"):
        cs.load(io.BytesIO(buf.getvalue()))
    with cs.safe_globals([Point]):
        assert cs.load(io.BytesIO(buf.getvalue()))["pt"].x == 3
    assert cs.get_safe_globals() == []
    cs.add_safe_globals([(Point, f"{__name__}.Point")])
    try:
        assert cs.load(io.BytesIO(buf.getvalue()))["pt"].x == 3
    finally:
        cs.clear_safe_globals()
    with pytest.raises(ArgumentTypeError, match="add_safe_globals"):
        cs.add_safe_globals([(Point, 3)])


def test_numpy_arrays_in_a_checkpoint_need_weights_only_false() -> None:
    buf = io.BytesIO()
    torch.save({"a": np.arange(3.0), "s": np.float32(2.5), "d": np.dtype("int16")}, buf)
    with pytest.raises(SerializationError, match="numpy"):
        cs.load(io.BytesIO(buf.getvalue()))
    out = cs.load(io.BytesIO(buf.getvalue()), weights_only=False)
    np.testing.assert_array_equal(out["a"], np.arange(3.0))
    assert out["s"] == np.float32(2.5) and out["d"] == np.dtype("int16")
    buf = io.BytesIO()
    torch.save({"o": np.array([1, "x"], dtype=object)}, buf)
    with pytest.raises(SerializationError, match="objects"):
        cs.load(io.BytesIO(buf.getvalue()), weights_only=False)


def test_env_switches(monkeypatch) -> None:
    tm, _ = _torch_and_compat_mlp()
    buf = io.BytesIO()
    torch.save(tm, buf)
    monkeypatch.setenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "1")
    with pytest.warns(UserWarning, match="TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD"):
        assert isinstance(cs.load(io.BytesIO(buf.getvalue())), compat.nn.Sequential)
    monkeypatch.setenv("TORCH_FORCE_WEIGHTS_ONLY_LOAD", "1")
    with pytest.raises(InvalidArgumentError, match="both were set"):
        cs.load(io.BytesIO(buf.getvalue()))
    monkeypatch.delenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD")
    with pytest.raises(SerializationError, match="Sequential"):
        cs.load(io.BytesIO(buf.getvalue()), weights_only=False)


@pytest.mark.parametrize("weights_only", [True, False])
def test_malicious_pickle_never_runs(tmp_path, weights_only: bool) -> None:
    import zipfile

    marker = tmp_path / "pwned"
    cmd = f"touch {marker}".encode()
    payload = b"\x80\x02cos\nsystem\nX" + len(cmd).to_bytes(4, "little") + cmd + b"\x85R."
    path = tmp_path / "evil.pt"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("archive/data.pkl", payload)
    with pytest.raises(SerializationError, match="'os.system'.*add_safe_globals"):
        cs.load(path, weights_only=weights_only)
    assert not marker.exists()


def test_compat_whole_model_and_optimizer_in_a_fresh_interpreter(tmp_path) -> None:
    path = tmp_path / "whole.pt"
    compat.manual_seed(0)
    model = compat.nn.Sequential(compat.nn.Linear(3, 4), compat.nn.Tanh(), compat.nn.Linear(4, 1))
    opt = AdamW(model.parameters(), lr=0.01)
    x = compat.ones(2, 3)
    model(x).sum().backward()
    opt.step()
    cs.save({"model": model, "opt": opt}, path)
    expected = model(x).detach().numpy().tolist()
    code = textwrap.dedent(
        f"""
        import compat, compat.serialization as cs
        ck = cs.load({str(path)!r}, weights_only=False)
        model, opt = ck["model"], ck["opt"]
        assert opt.param_groups[0]["params"][0] is model[0].weight
        print(model(compat.ones(2, 3)).detach().numpy().tolist())
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert out.returncode == 0, out.stderr
    np.testing.assert_allclose(eval(out.stdout), expected, rtol=1e-6)
    with pytest.raises(SerializationError, match="compat.nn.modules.container.Sequential"):
        cs.load(path)


# -- formats, arguments, reliability ----------------------------------------------------------


def test_format_by_content_safetensors_and_errors(tmp_path) -> None:
    from rustorch_fx.serialization import _safetensors

    path = tmp_path / "weights.pt"  # a safetensors file, whatever its name
    with open(path, "wb") as f:
        _safetensors.write(f, {"w": np.arange(4, dtype=np.float32)}, None)
    out = cs.load(path)
    assert isinstance(out["w"], compat.Tensor)
    np.testing.assert_array_equal(out["w"].numpy(), np.arange(4.0))
    torch_file = tmp_path / "model.safetensors"  # a torch file named .safetensors
    torch.save({"w": torch.ones(1)}, torch_file)
    assert cs.load(torch_file)["w"].tolist() == [1.0]
    legacy = io.BytesIO()
    torch.save({"w": torch.ones(1)}, legacy, _use_new_zipfile_serialization=False)
    with pytest.raises(SerializationError, match="legacy"):
        cs.load(io.BytesIO(legacy.getvalue()))
    with pytest.raises(SerializationError, match="not a torch.save file"):
        cs.load(io.BytesIO(b"plain text, not a checkpoint"))


def test_arguments() -> None:
    buf = io.BytesIO()
    cs.save({"w": compat.ones(1)}, buf)
    data = buf.getvalue()
    for loc in (None, "cpu", compat.device("cpu"), {"cuda:0": "cpu"}, lambda s, loc: s):
        assert cs.load(io.BytesIO(data), map_location=loc)["w"].tolist() == [1.0]
    with pytest.raises(ArgumentTypeError, match="map_location"):
        cs.load(io.BytesIO(data), map_location=3)
    with pytest.raises(InvalidArgumentError, match="mmap"):
        cs.load(io.BytesIO(data), mmap=True)
    with pytest.raises(ArgumentTypeError, match="unexpected arguments"):
        cs.load(io.BytesIO(data), fix_imports=False)
    with pytest.raises(compat.RusTorchError, match="legacy"):
        cs.save({}, io.BytesIO(), _use_new_zipfile_serialization=False)
    with pytest.raises(SerializationError, match="cannot write"):
        cs.save({}, os.path.join("/nonexistent-dir", "x.pt"))
    assert cs.DEFAULT_PROTOCOL == 2


def _saved_on_cuda() -> bytes:
    """A torch checkpoint whose storage location reads 'cuda:0' (as a GPU run writes it)."""
    import zipfile

    buf = io.BytesIO()
    torch.save({"w": torch.ones(2)}, buf)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("data.pkl"):
                data = data.replace(b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0")
            dst.writestr(info.filename, data)
    return out.getvalue()


def test_map_location_on_jax() -> None:
    data = _saved_on_cuda()
    assert torch.load(io.BytesIO(data), map_location="cpu")["w"].tolist() == [1.0, 1.0]
    if not any(d.platform == "gpu" for d in jax.devices()):
        with pytest.raises(compat.DeviceError, match="map_location='cpu'"):
            cs.load(io.BytesIO(data))
        with pytest.raises(compat.DeviceError, match="cuda:0"):
            cs.load(io.BytesIO(data), map_location=lambda s, loc: s)
    for loc in ("cpu", compat.device("cpu"), {"cuda:0": "cpu"}, lambda s, loc: s.cpu()):
        out = cs.load(io.BytesIO(data), map_location=loc)["w"]
        assert out.device == compat.device("cpu") and out.tolist() == [1.0, 1.0]
    with pytest.raises(ArgumentTypeError, match="map_location callable"):
        cs.load(io.BytesIO(data), map_location=lambda s, loc: "cpu")


def test_mmap_load(tmp_path) -> None:
    path = tmp_path / "m.pt"
    cs.save({"w": compat.arange(6.0).reshape(2, 3)}, path)
    out = cs.load(path, mmap=True)
    np.testing.assert_array_equal(out["w"].numpy(), np.arange(6.0).reshape(2, 3))


_WRITER = """
import sys, compat, compat.serialization as cs
path = sys.argv[1]
big = {f"w{i}": compat.full((1_000_000,), float(i)) for i in range(8)}
print("ready", flush=True)
while True:
    cs.save(big, path)
"""


def test_sigkill_mid_save_keeps_previous_checkpoint(tmp_path) -> None:
    path = tmp_path / "ckpt.pt"
    cs.save({"w0": compat.full((3,), 7.0)}, path)
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path)],
        stdout=subprocess.PIPE,
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
        deadline = time.monotonic() + 60
        while not any(n.endswith(".tmp") for n in os.listdir(tmp_path)):  # a save is under way
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.002)
        time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    out = cs.load(path)  # the previous file, or a complete newer one: never a torn one
    assert out["w0"].numpy()[0] == 0.0 or out["w0"].tolist() == [7.0] * 3
