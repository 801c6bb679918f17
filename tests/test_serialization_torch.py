"""PyTorch ``.pt`` files without torch: rustorch_fx.serialization._torch_zip against torch itself."""

from __future__ import annotations

import collections
import io
import os
import pickle
import zipfile

import ml_dtypes
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rustorch_fx.errors import SerializationError
from rustorch_fx.serialization import _torch_zip as tz

DTYPES = [
    (torch.float32, np.float32),
    (torch.float64, np.float64),
    (torch.float16, np.float16),
    (torch.bfloat16, ml_dtypes.bfloat16),
    (torch.complex64, np.complex64),
    (torch.complex128, np.complex128),
    (torch.bool, np.bool_),
    (torch.int8, np.int8),
    (torch.int16, np.int16),
    (torch.int32, np.int32),
    (torch.int64, np.int64),
    (torch.uint8, np.uint8),
    (torch.uint16, np.uint16),
]


def _values(np_dtype: type) -> np.ndarray:
    base = np.array([[0, 1, -2], [3, 4, 5]], np.float64)
    if np_dtype is np.bool_:
        return base > 1
    if np.dtype(np_dtype).kind == "u":
        base = np.abs(base)
    if np.dtype(np_dtype).kind == "c":
        return (base + 0.5j).astype(np_dtype)
    return base.astype(np_dtype)


def _torch_of(arr: np.ndarray, dtype: torch.dtype) -> torch.Tensor:
    if dtype == torch.bfloat16:
        return torch.tensor(arr.astype(np.float32)).to(torch.bfloat16)
    if dtype == torch.uint16:
        return torch.tensor(arr.astype(np.int64)).to(torch.uint16)
    return torch.from_numpy(arr.copy())


def _np_of(t: torch.Tensor) -> np.ndarray:
    t = t.detach()
    if t.dtype == torch.bfloat16:
        return t.float().numpy().astype(ml_dtypes.bfloat16)
    if t.dtype == torch.uint16:
        return t.to(torch.int64).numpy().astype(np.uint16)
    return t.numpy()


def _torch_bytes(obj: object) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def test_torch_writes_we_read_every_dtype() -> None:
    saved = {str(t).removeprefix("torch."): _torch_of(_values(n), t) for t, n in DTYPES}
    out = tz.read(io.BytesIO(_torch_bytes(saved)))
    for t, n in DTYPES:
        rec = out[str(t).removeprefix("torch.")]
        assert isinstance(rec, tz.TensorRecord)
        assert rec.array.dtype == np.dtype(n), t
        np.testing.assert_array_equal(rec.array, _values(n))


def test_torch_writes_views_shared_storages_parameters_and_plain_values(tmp_path) -> None:
    base = torch.arange(24.0).reshape(4, 6)
    p = torch.nn.Parameter(torch.ones(3))
    obj = {
        "base": base,
        "t": base.t(),
        "col": base[1:, 2],
        "strided": base[::2, 1::3],
        "p": p,
        "frozen": torch.nn.Parameter(torch.zeros(2), requires_grad=False),
        "rg": torch.ones(2, requires_grad=True),
        "nested": collections.OrderedDict(a=[1, 2.5, "s", None, (True, b"xy")], b={"c": {3, 4}}),
        "meta": (torch.float16, torch.device("cpu"), torch.Size([2, 3]), 1 + 2j),
        "empty": torch.zeros(0, 3),
        "scalar": torch.tensor(7),
    }
    path = tmp_path / "x.pt"
    torch.save(obj, path)
    for mmap in (False, True):
        out = tz.read(path, mmap=mmap)
        for key in ("base", "t", "col", "strided", "empty", "scalar"):
            np.testing.assert_array_equal(out[key].array, obj[key].numpy(), err_msg=key)
            assert out[key].array.shape == tuple(obj[key].shape)
        assert out["p"].is_parameter and out["p"].requires_grad
        assert out["frozen"].is_parameter and not out["frozen"].requires_grad
        assert out["rg"].requires_grad and not out["rg"].is_parameter
        assert not out["base"].requires_grad
        assert isinstance(out["nested"], collections.OrderedDict)
        assert out["nested"]["a"] == [1, 2.5, "s", None, (True, b"xy")]
        assert out["nested"]["b"] == {"c": {3, 4}}
        assert out["meta"] == (tz.TorchDType("float16"), tz.TorchDevice("cpu"), (2, 3), 1 + 2j)


def test_torch_adamw_state_dict_reads() -> None:
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.AdamW(model.parameters(), lr=0.1)
    model(torch.ones(4, 3)).sum().backward()
    opt.step()
    out = tz.load_torch(io.BytesIO(_torch_bytes(opt.state_dict())))
    sd = opt.state_dict()
    assert out["param_groups"][0]["params"] == [0, 1]
    assert out["param_groups"][0]["lr"] == 0.1
    for i in (0, 1):
        for k in ("exp_avg", "exp_avg_sq", "step"):
            np.testing.assert_array_equal(out["state"][i][k], sd["state"][i][k].numpy())


def test_we_write_torch_reads_weights_only(tmp_path) -> None:
    base = np.arange(12, dtype=np.float32)
    view = tz.TensorRecord(base.reshape(3, 4)[:, 1], False, False, "S", base, 1, (4,))
    whole = tz.TensorRecord(base.reshape(3, 4), False, False, "S", base, 0, (4, 1))
    obj = {
        "dtypes": {np.dtype(n).name: _values(n) for _, n in DTYPES},
        "whole": whole,
        "view": view,
        "param": tz.TensorRecord(np.ones(2, np.float64), True, True),
        "rg": tz.TensorRecord(np.ones(2, np.float32), requires_grad=True),
        "plain": [1, 2.5, "s", None, (True, b"xy"), {"k": {1}}],
        "meta": (tz.TorchDType("bfloat16"), tz.TorchDevice("cpu"), 1 + 2j),
        "empty": np.zeros((0, 2), np.float32),
        "scalar": np.array(3, np.int64),
        "fortran": np.asfortranarray(np.arange(6.0).reshape(2, 3)),
    }
    path = tmp_path / "ours.pt"
    tz.save_torch(obj, path)
    for mmap in (False, True):
        out = torch.load(path, weights_only=True, mmap=mmap)
        for t, n in DTYPES:
            got = out["dtypes"][np.dtype(n).name]
            assert got.dtype == t
            np.testing.assert_array_equal(_np_of(got), _values(n))
        assert isinstance(out["param"], torch.nn.Parameter) and out["param"].requires_grad
        assert out["param"].dtype == torch.float64
        assert out["rg"].requires_grad and not isinstance(out["rg"], torch.nn.Parameter)
        assert out["plain"] == obj["plain"]
        assert out["meta"] == (torch.bfloat16, torch.device("cpu"), 1 + 2j)
        assert out["empty"].shape == (0, 2) and out["scalar"].shape == ()
        np.testing.assert_array_equal(out["fortran"].numpy(), obj["fortran"])
        # the view shares the base's storage in torch, as it would had torch written it
        assert out["view"].untyped_storage().data_ptr() == out["whole"].untyped_storage().data_ptr()
        np.testing.assert_array_equal(out["view"].numpy(), [1.0, 5.0, 9.0])
    out["whole"][0, 1] = 100.0
    assert out["view"][0].item() == 100.0
    with zipfile.ZipFile(path) as zf:  # one storage record for base + view
        assert sum(n.startswith("archive/data/") for n in zf.namelist()) == len(DTYPES) + 6


def test_records_are_64_byte_aligned(tmp_path) -> None:
    path = tmp_path / "a.pt"
    tz.save_torch({"a": np.ones(3, np.float32), "b": np.ones(5, np.int8)}, path)
    raw = path.read_bytes()
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            n, m = np.frombuffer(raw[info.header_offset + 26 : info.header_offset + 30], "<u2")
            assert (info.header_offset + 30 + n + m) % 64 == 0, info.filename


def test_save_torch_rejects_object_arrays() -> None:
    with pytest.raises(SerializationError, match="dtype object cannot be saved"):
        tz.save_torch({"a": np.array([object()])}, io.BytesIO())


# -- malicious and malformed files ------------------------------------------------------------


def _zip_with_pickle(payload: bytes, extra: dict[str, bytes] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("archive/data.pkl", payload)
        zf.writestr("archive/version", b"3\n")
        for k, v in (extra or {}).items():
            zf.writestr(f"archive/{k}", v)
    return buf.getvalue()


def _global_call(module: str, name: str, arg: str) -> bytes:
    """A protocol-2 pickle calling ``module.name(arg)``."""
    return (
        b"\x80\x02c"
        + f"{module}\n{name}\n".encode()
        + b"X"
        + len(arg.encode()).to_bytes(4, "little")
        + arg.encode()
        + b"\x85R."
    )


@pytest.mark.parametrize(
    ("module", "name"),
    [("os", "system"), ("posix", "system"), ("builtins", "eval"), ("subprocess", "getoutput")],
)
def test_malicious_pickle_is_refused_and_not_run(tmp_path, module: str, name: str) -> None:
    marker = tmp_path / "pwned"
    command = f"touch {marker}"
    if name == "eval":
        command = f"open({str(marker)!r}, 'w').close()"
    path = tmp_path / "evil.pt"
    path.write_bytes(_zip_with_pickle(_global_call(module, name, command)))
    assert pickle.loads(_global_call("builtins", "len", "abc")) == 3  # the payload shape works
    with pytest.raises(SerializationError, match=f"refusing to load global '{module}.{name}'"):
        tz.read(path)
    assert not marker.exists()


def _small_pt() -> bytes:
    return _torch_bytes({"w": torch.arange(6.0).reshape(2, 3), "b": torch.ones(2), "n": 3})


def test_malformed_files_raise_serialization_error(tmp_path) -> None:
    good = _small_pt()
    cases = {
        "empty": (b"", "the file is empty"),
        "random": (b"hello, this is not a checkpoint", "not a torch.save file"),
        "truncated": (good[: len(good) // 2], "not a readable zip archive"),
        "no_pkl": (_zip_only({"archive/x": b"1"}), "no .<name>/data"),
    }
    for name, (data, message) in cases.items():
        path = tmp_path / f"{name}.pt"
        path.write_bytes(data)
        with pytest.raises(SerializationError, match=message):
            tz.read(path)
    with zipfile.ZipFile(io.BytesIO(good)) as zf:
        info = zf.getinfo(next(n for n in zf.namelist() if n.endswith("data/0")))
        start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    raw = bytearray(good)
    local_extra = int.from_bytes(raw[info.header_offset + 28 : info.header_offset + 30], "little")
    start = info.header_offset + 30 + len(info.filename) + local_extra
    raw[start] ^= 0xFF
    with pytest.raises(SerializationError, match=r"data/0' is corrupt \(CRC-32 mismatch\)"):
        tz.read(io.BytesIO(bytes(raw)))
    # a pickle naming a storage that is not in the archive
    with zipfile.ZipFile(io.BytesIO(good)) as zf:
        pkl = zf.read(next(n for n in zf.namelist() if n.endswith("data.pkl")))
    with pytest.raises(SerializationError, match="data/0' is missing from the archive"):
        tz.read(io.BytesIO(_zip_with_pickle(pkl)))
    with pytest.raises(SerializationError, match=r"data.pkl is corrupt \(UnpicklingError"):
        tz.read(io.BytesIO(_zip_with_pickle(b"\x80\x02}q\x00(X")))


def _zip_only(records: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for k, v in records.items():
            zf.writestr(k, v)
    return buf.getvalue()


def test_legacy_torch_file_is_refused_clearly() -> None:
    buf = io.BytesIO()
    torch.save({"w": torch.ones(2)}, buf, _use_new_zipfile_serialization=False)
    with pytest.raises(SerializationError, match="legacy \\(pre-zip\\) torch file"):
        tz.read(io.BytesIO(buf.getvalue()))
    assert tz.detect_format(buf.getvalue()[:16]) == "torch_legacy"


def test_torchscript_archive_is_refused_clearly(tmp_path) -> None:
    data = _zip_only({"m/constants.pkl": b"", "m/code/m.py": b""})
    with pytest.raises(SerializationError, match="TorchScript archive"):
        tz.read(io.BytesIO(data))


_GOOD = _small_pt()
_EXPECTED = tz.load_torch(io.BytesIO(_GOOD))


@settings(max_examples=60, deadline=None)
@given(
    cut=st.one_of(st.none(), st.integers(0, len(_GOOD) - 1)),
    flips=st.lists(st.tuples(st.integers(0, len(_GOOD) - 1), st.integers(1, 255)), max_size=4),
)
def test_fuzz_corruptions_error_or_equal(cut: int | None, flips: list[tuple[int, int]]) -> None:
    raw = bytearray(_GOOD)
    for pos, x in flips:
        raw[pos] ^= x
    if cut is not None:
        raw = raw[:cut]
    try:
        out = tz.load_torch(io.BytesIO(bytes(raw)))
    except SerializationError:
        return
    assert out.keys() == _EXPECTED.keys() and out["n"] == 3
    for k in ("w", "b"):
        np.testing.assert_array_equal(out[k], _EXPECTED[k])


def test_bad_sources() -> None:
    with pytest.raises(SerializationError, match="cannot open"):
        tz.read(os.path.join("no", "such", "file.pt"))
    with pytest.raises(SerializationError, match="expected a path or a binary file object"):
        tz.read(3)
    with pytest.raises(SerializationError, match="mmap=True needs a file path"):
        tz.read(io.BytesIO(_GOOD), mmap=True)


def test_big_record_corruption_is_caught_by_the_background_crc(tmp_path) -> None:
    path = tmp_path / "big.pt"
    arr = np.arange(1 << 18, dtype=np.float32)  # 1 MiB: CRC-32 computed on the worker thread
    tz.save_torch({"a": arr}, path)
    np.testing.assert_array_equal(tz.load_torch(path)["a"], arr)
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    path.write_bytes(bytes(raw))
    with pytest.raises(SerializationError, match=r"data/0' is corrupt \(CRC-32 mismatch\)"):
        tz.load_torch(path)
    np.testing.assert_array_equal(tz.load_torch(path, mmap=True)["a"].size, arr.size)


def test_zip64_records_read_back_here_and_in_torch(tmp_path, monkeypatch) -> None:
    # Records past 4 GiB need zip64 fields; lower the threshold to check them on a small file.
    monkeypatch.setattr(tz, "_ZIP64_AT", 100)
    path = tmp_path / "z64.pt"
    arr = np.arange(300, dtype=np.float32)
    tz.save_torch({"a": arr, "b": tz.TensorRecord(arr[:5], requires_grad=True)}, path)
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None
        assert zf.getinfo("archive/data/0").file_size == arr.nbytes
    out = tz.load_torch(path)
    np.testing.assert_array_equal(out["a"], arr)
    loaded = torch.load(path, weights_only=True)
    np.testing.assert_array_equal(loaded["a"].numpy(), arr)
    assert loaded["b"].requires_grad


def test_reading_torch_files_needs_no_torch(tmp_path) -> None:
    # A fresh interpreter where `import torch` fails reads a torch.save file, both through
    # rustorch_fx.serialization.load_torch and through compat.load.
    import subprocess
    import sys

    model = torch.nn.Linear(3, 2)
    path = tmp_path / "linear.pt"
    torch.save({"model": model.state_dict(), "epoch": 4}, path)
    expected = model.weight.detach().numpy().tolist()
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "import numpy as np\n"
        "from rustorch_fx.serialization import load_torch\n"
        f"state = load_torch({str(path)!r})\n"
        "assert state['epoch'] == 4\n"
        f"np.testing.assert_array_equal(state['model']['weight'], np.float32({expected!r}))\n"
        "import compat\n"
        f"ckpt = compat.load({str(path)!r})\n"
        "assert isinstance(ckpt['model']['bias'], compat.Tensor)\n"
        "assert 'torch' not in {m.split('.')[0] for m in sys.modules if sys.modules[m]}\n"
        "print('ok')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
