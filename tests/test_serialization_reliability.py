"""Reliability of rustorch_fx.save/load: corruption fuzzing, a save killed mid-write, round-trips."""

from __future__ import annotations

import glob
import json
import os
import signal
import struct
import subprocess
import sys
import textwrap
import time

import jax
import jax.numpy as jnp
import ml_dtypes
import numpy as np
import pytest
from conftest import x64_mode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rustorch_fx.errors import SerializationError
from rustorch_fx.serialization import load, save

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

_TREE = {
    "params": {"w": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.array([1, -1], np.int8)},
    "state": [np.array(True), np.ones(2, ml_dtypes.bfloat16)],
    "step": 12,
    "lr": 0.25,
    "tag": "fuzz",
    "none": None,
}


def _equal(a, b) -> bool:
    la, ta = jax.tree_util.tree_flatten(a)
    lb, tb = jax.tree_util.tree_flatten(b)
    if ta != tb:
        return False
    for x, y in zip(la, lb, strict=True):
        if hasattr(y, "dtype"):
            x, y = np.asarray(x), np.asarray(y)
            if x.dtype != y.dtype or x.shape != y.shape or x.tobytes() != y.tobytes():
                return False
        elif type(x) is not type(y) or x != y:
            return False
    return True


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    directory = tmp_path_factory.mktemp("fuzz")
    path = directory / "ckpt.safetensors"
    save(_TREE, path)
    raw = path.read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    text = raw[8 : 8 + n]
    padding = set(range(8 + len(text.rstrip(b" ")), 8 + n))
    return directory, raw, padding


def test_saved_fixture_round_trips(saved):
    directory, raw, _ = saved
    assert _equal(load(directory / "ckpt.safetensors"), _TREE)
    assert len(raw) < 1200  # keep the fuzzed file small


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_random_corruption_raises_or_is_harmless(saved, data):
    directory, raw, padding = saved
    count = data.draw(st.integers(1, 8), label="count")
    corrupted = bytearray(raw)
    for _ in range(count):
        pos = data.draw(st.integers(0, len(raw) - 1), label="pos")
        corrupted[pos] = data.draw(st.integers(0, 255), label="byte")
    changed = {i for i in range(len(raw)) if corrupted[i] != raw[i]}
    path = directory / "corrupt.safetensors"
    path.write_bytes(bytes(corrupted))
    try:
        out = load(path)
    except SerializationError:
        return
    # Loading succeeded: only the header's padding may have changed (into other JSON
    # whitespace), and the tree must be exactly what was saved.
    assert changed <= padding, f"corruption at {sorted(changed - padding)} went undetected"
    assert _equal(out, _TREE)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cut=st.integers(0, 10_000))
def test_truncation_always_raises(saved, cut):
    directory, raw, _ = saved
    path = directory / "truncated.safetensors"
    path.write_bytes(raw[: cut % len(raw)])
    with pytest.raises(SerializationError):
        load(path)


def test_corrupted_structure_payload_is_a_serialization_error(tmp_path):
    # A file whose header checksum was recomputed by hand (a crafted file, not a random
    # flip) must still fail cleanly on a malformed structure.
    from rustorch_fx.serialization import _tree

    path = tmp_path / "c.safetensors"
    save({"a": np.ones(2, np.float32)}, path)
    raw = path.read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8 : 8 + n])
    meta = header["__metadata__"]
    for bad_tree in (["x", 1], ["d", [[1.5, ["v", 1]]]], ["a", "missing"], ["l", 3], 5):
        payload = json.loads(meta["rustorch_fx.tree"])
        payload["tree"] = bad_tree
        meta["rustorch_fx.tree"] = json.dumps(payload, separators=(",", ":"))
        meta["rustorch_fx.crc32"] = _tree._header_digest(meta["rustorch_fx.tree"], {})
        text = json.dumps(header, separators=(",", ":")).encode()
        text += b" " * (-len(text) % 8)
        path.write_bytes(struct.pack("<Q", len(text)) + text + raw[8 + n :])
        with pytest.raises(SerializationError, match="corrupted checkpoint"):
            load(path)


_WRITER = textwrap.dedent(
    """
    import sys
    import numpy as np
    from rustorch_fx.serialization import save

    path = sys.argv[1]
    k = 0
    while True:
        k += 1
        tree = {"step": k, "w": [np.full(2_500_000, k, np.float32) for _ in range(5)]}
        save(tree, path)  # about 50 MB
    """
)


def test_save_killed_mid_write_leaves_previous_checkpoint(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    save({"step": 0, "w": [np.full(2_500_000, 0, np.float32) for _ in range(5)]}, path)
    full = path.stat().st_size
    env = {**os.environ, "PYTHONPATH": ROOT, "JAX_PLATFORMS": "cpu"}
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(path)], env=env)
    pattern = str(tmp_path / ".ckpt.safetensors.*.tmp")
    killed_mid_write = False
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            for tmp in glob.glob(pattern):
                try:
                    size = os.path.getsize(tmp)
                except FileNotFoundError:
                    continue
                if 0 < size < full:
                    proc.send_signal(signal.SIGKILL)
                    killed_mid_write = True
                    break
            if killed_mid_write:
                break
            time.sleep(0.0005)
    finally:
        proc.kill()
        proc.wait()
    assert killed_mid_write, "the writer never exposed a partly written temporary file"
    assert glob.glob(pattern), "the killed save should have left its temporary file behind"
    out = load(path)  # the temp file is never read: only the renamed, complete file
    k = out["step"]
    assert isinstance(k, int) and k >= 0
    for arr in out["w"]:
        assert arr.shape == (2_500_000,) and bool((np.asarray(arr) == k).all())


_DTYPES = [
    np.bool_,
    np.uint8,
    np.int8,
    np.int16,
    np.uint16,
    np.int32,
    np.uint32,
    np.int64,
    np.float16,
    ml_dtypes.bfloat16,
    np.float32,
    np.float64,
    np.complex64,
]


def _dtype_tree() -> dict:
    rng = np.random.default_rng(1)
    tree = {}
    for dt in _DTYPES:
        name = np.dtype(dt).name
        vals = rng.standard_normal((2, 3)) * 50
        tree[name] = {
            "full": (vals > 0) if dt is np.bool_ else vals.astype(dt),
            "scalar": np.array(vals[0, 0]).astype(dt),
            "empty": np.zeros((0, 2), dt),
        }
    return tree


@pytest.mark.parametrize("x64", [False, True], ids=["x32", "x64"])
def test_every_dtype_round_trips(tmp_path, x64):
    tree = _dtype_tree()
    path = tmp_path / "dtypes.safetensors"
    save(tree, path)
    with x64_mode(x64):
        out = load(path)
        lazy = load(path, lazy=True)
    wide = {"int64", "uint64", "float64"}
    for name, group in tree.items():
        for kind, arr in group.items():
            got = out[name][kind]
            # 64-bit dtypes stay numpy (uncut) in x32 mode; everything else becomes jax.
            expected_type = np.ndarray if (name in wide and not x64) else jax.Array
            assert isinstance(got, expected_type), (name, kind, type(got))
            got = np.asarray(got)
            assert got.dtype == arr.dtype and got.shape == arr.shape, (name, kind)
            assert got.tobytes() == arr.tobytes(), (name, kind)
            assert isinstance(lazy[name][kind], np.memmap) or arr.size == 0
            assert lazy[name][kind].tobytes() == arr.tobytes()


def test_jax_arrays_nested_containers_and_plain_values(tmp_path):
    tree = {
        "a": [jnp.arange(3), {"b": (jnp.ones((2, 2)), None, [])}],
        "c": {"d": {"e": 1.5, "f": -3, "g": True, "h": "text", "i": None}},
        "nan": float("nan"),
        "big": 2**70,
    }
    path = tmp_path / "nested.safetensors"
    save(tree, path)
    out = load(path)
    assert out["c"] == tree["c"] and out["big"] == 2**70 and np.isnan(out["nan"])
    assert out["a"][1]["b"][1:] == (None, [])
    np.testing.assert_array_equal(out["a"][0], [0, 1, 2])
    assert out["a"][0].dtype == jnp.int32


def test_atomic_write_replaces_whole_files_and_leaves_no_strays(tmp_path):
    import threading

    from rustorch_fx.serialization import atomic_write

    path = tmp_path / "state.bin"
    with atomic_write(path) as f:
        f.write(b"first")
    with open(path, "rb") as reader:  # a reader of the old file keeps seeing all of it
        with atomic_write(path) as f:
            f.write(b"second")
        assert reader.read() == b"first"

    def failing_writer():
        with atomic_write(path) as f:
            f.write(b"partial")
            raise RuntimeError("the writer failed")

    with pytest.raises(RuntimeError, match="the writer failed"):
        failing_writer()
    for t in threading.enumerate():
        if t.name == "atomic_write-discard":
            t.join()
    assert path.read_bytes() == b"second"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.bin"]
