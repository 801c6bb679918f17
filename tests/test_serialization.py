"""rustorch_fx.save / load and the safetensors reader/writer: format, API, like trees, errors."""

from __future__ import annotations

import io
import json
import os
import struct
import warnings
from typing import NamedTuple

import jax
import jax.numpy as jnp
import ml_dtypes
import numpy as np
import optax
import pytest
from conftest import x64_mode

from rustorch_fx.errors import SerializationError
from rustorch_fx.serialization import LoadReport, compare, load, load_metadata, save
from rustorch_fx.serialization._safetensors import (
    SUPPORTED_DTYPES,
    dtype_name,
    numpy_dtype,
    read,
    write,
)


def _raw(header: dict, data: bytes) -> bytes:
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


# ----------------------------------------------------------------------------- the format


def test_write_matches_reference_bytes():
    # The byte string the reference implementation (huggingface/safetensors) produces for
    # {"attn.0": float32 [[[0..5]]]}: compact JSON, padded to 8 with spaces, LE data.
    buf = io.BytesIO()
    write(buf, {"attn.0": np.arange(6, dtype=np.float32).reshape(1, 2, 3)})
    header = b'{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}'
    expected = struct.pack("<Q", 64) + header + np.arange(6, dtype="<f4").tobytes()
    assert buf.getvalue() == expected
    empty = io.BytesIO()
    write(empty, {})
    assert empty.getvalue() == bytes([8, 0, 0, 0, 0, 0, 0, 0]) + b"{}      "


def test_read_hand_built_file_from_the_spec():
    data = np.array([[1, -2], [3, 4]], "<i4").tobytes() + np.array([1.5], "<f2").tobytes()
    raw = _raw(
        {
            "__metadata__": {"format": "pt"},
            "b": {"dtype": "F16", "shape": [1], "data_offsets": [16, 18]},
            "a": {"dtype": "I32", "shape": [2, 2], "data_offsets": [0, 16]},
        },
        data,
    )
    arrays, meta = read(raw)
    assert meta == {"format": "pt"}
    np.testing.assert_array_equal(arrays["a"], [[1, -2], [3, 4]])
    assert arrays["b"].dtype == np.float16 and arrays["b"][0] == 1.5
    assert not arrays["a"].flags.writeable
    copies, _ = read(raw, mmap=False)
    assert copies["a"].flags.writeable


def test_every_dtype_round_trips_through_the_format(tmp_path):
    rng = np.random.default_rng(0)
    arrays = {
        name: (rng.standard_normal((2, 3)) * 4).astype(numpy_dtype(name))
        for name in SUPPORTED_DTYPES
        if name != "BOOL"
    }
    arrays["BOOL"] = rng.random((2, 3)) > 0.5
    arrays["scalar"] = np.array(3.5, np.float32)
    arrays["empty"] = np.zeros((0, 4), np.int16)
    arrays["bigendian"] = np.arange(4, dtype=">i4")
    path = tmp_path / "all.safetensors"
    with open(path, "wb") as f:
        write(f, arrays, {"k": "v"})
    for mmap in (True, False):
        got, meta = read(path, mmap=mmap)
        assert meta == {"k": "v"}
        assert set(got) == set(arrays)
        for name, arr in arrays.items():
            assert got[name].shape == arr.shape, name
            assert got[name].dtype == arr.dtype.newbyteorder("="), name
            assert got[name].tobytes() == arr.astype(got[name].dtype).tobytes(), name
    lazy, _ = read(path)
    assert isinstance(lazy["F32"], np.memmap) and not lazy["F32"].flags.writeable


def test_tensors_are_aligned_to_their_element_size():
    buf = io.BytesIO()
    write(buf, {"a": np.ones(3, np.int8), "b": np.ones(3, np.float64), "c": np.ones(1, np.int16)})
    raw = buf.getvalue()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8 : 8 + n])
    assert n % 8 == 0
    for name, itemsize in (("a", 1), ("b", 8), ("c", 2)):
        assert header[name]["data_offsets"][0] % itemsize == 0


def test_jax_arrays_and_dtype_names():
    buf = io.BytesIO()
    write(buf, {"x": jnp.arange(3.0), "bf": jnp.ones(2, jnp.bfloat16)})
    got, _ = read(buf.getvalue())
    np.testing.assert_array_equal(got["x"], [0.0, 1.0, 2.0])
    assert got["bf"].dtype == ml_dtypes.bfloat16
    assert dtype_name(ml_dtypes.bfloat16) == "BF16" and dtype_name(np.complex64) == "C64"
    assert numpy_dtype("U16") == np.uint16


def test_write_rejects_what_the_format_cannot_hold():
    with pytest.raises(SerializationError, match=r"tensor 'z'.*complex128 cannot be stored"):
        write(io.BytesIO(), {"z": np.zeros(2, np.complex128)})
    with pytest.raises(SerializationError, match="'__metadata__' is reserved"):
        write(io.BytesIO(), {"__metadata__": np.zeros(1)})
    with pytest.raises(SerializationError, match="names must be str"):
        write(io.BytesIO(), {1: np.zeros(1)})
    with pytest.raises(SerializationError, match="metadata must map str to str"):
        write(io.BytesIO(), {}, {"a": 1})
    with pytest.raises(SerializationError, match="Python objects"):
        write(io.BytesIO(), {"o": np.array([object()])})
    with pytest.raises(SerializationError, match="unknown dtype 'X9'"):
        numpy_dtype("X9")


_GOOD = {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}


@pytest.mark.parametrize(
    ("raw", "match"),
    [
        (b"", "too short"),
        (b"PK\x03\x04" + bytes(20), "zip archive"),
        (struct.pack("<Q", 1 << 40) + b"{}", "exceeds the format's limit"),
        (struct.pack("<Q", 64) + b"{}", "runs past the end"),
        (struct.pack("<Q", 8) + b"\xff\xfe{}    ", "not valid UTF-8"),
        (struct.pack("<Q", 8) + b"{'a':1} ", "not valid JSON"),
        (struct.pack("<Q", 8) + b"[1,2]   ", "JSON list, expected an object"),
        (_raw({"__metadata__": {"a": 1}}, b""), "object of strings"),
        (_raw({"a": 3}, b""), "tensor 'a': entry is int"),
        (_raw({"a": {"dtype": "F32", "shape": [2]}}, bytes(8)), "lacks data_offsets"),
        (_raw({"a": {**_GOOD["a"], "dtype": "F128"}}, bytes(8)), "unknown dtype 'F128'"),
        (_raw({"a": {**_GOOD["a"], "shape": [-2]}}, bytes(8)), "not a list of non-negative"),
        (_raw({"a": {**_GOOD["a"], "shape": [2.0]}}, bytes(8)), "not a list of non-negative"),
        (_raw({"a": {**_GOOD["a"], "data_offsets": [0]}}, bytes(8)), "not a pair"),
        (_raw({"a": {**_GOOD["a"], "shape": [3]}}, bytes(8)), "needs 12"),
        (_raw(_GOOD, bytes(4)), "run past the 4-byte data area"),
        (_raw(_GOOD, bytes(12)), "cover 8 bytes but the data area has 12"),
        (
            _raw({**_GOOD, "b": {"dtype": "U8", "shape": [4], "data_offsets": [4, 8]}}, bytes(8)),
            "overlaps",
        ),
        (_raw({"a": {**_GOOD["a"], "data_offsets": [4, 12]}}, bytes(12)), "gap"),
        (struct.pack("<Q", 16) + b'{"a":1,"a":2}   ', "duplicate key 'a'"),
    ],
)
def test_read_validates_everything(raw, match):
    with pytest.raises(SerializationError, match=match):
        read(raw)


def test_read_path_errors(tmp_path):
    with pytest.raises(SerializationError, match=r"read\('.*nope'\): no such file"):
        read(tmp_path / "nope")
    with pytest.raises(SerializationError, match="is a directory"):
        read(tmp_path)
    with pytest.raises(SerializationError, match="expected a path or bytes, got int"):
        read(3)


def test_interop_with_the_safetensors_package(tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    arrays = {"w": np.arange(6, dtype=np.float32).reshape(2, 3), "i": np.arange(3, dtype=np.int64)}
    with open(tmp_path / "ours.safetensors", "wb") as f:
        write(f, arrays, {"m": "1"})
    theirs = st.load_file(str(tmp_path / "ours.safetensors"))
    for k in arrays:
        np.testing.assert_array_equal(theirs[k], arrays[k])
    st.save_file(arrays, str(tmp_path / "theirs.safetensors"))
    got, _ = read(tmp_path / "theirs.safetensors")
    for k in arrays:
        np.testing.assert_array_equal(got[k], arrays[k])


# ----------------------------------------------------------------------------- save / load


class Pair(NamedTuple):
    first: jax.Array
    second: int


@pytest.fixture
def tree():
    # function-scoped: built after conftest's autouse fixture has set this file's x32 mode
    params = {"dense": {"kernel": jnp.arange(12.0).reshape(3, 4), "bias": jnp.zeros(4)}}
    return {
        "params": params,
        "opt_state": optax.adam(1e-3).init(params),
        "step": 7,
        "lr": 0.001,
        "name": "run-1",
        "done": False,
        "nothing": None,
        "items": [jnp.ones(2, jnp.int32), (np.float32(2.5), "x")],
        "pair": Pair(jnp.array([1.0, 2.0]), 3),
        "by_index": {0: jnp.array(1.0), 1: jnp.array(2.0)},
    }


def _assert_tree_equal(a, b):
    la, ta = jax.tree_util.tree_flatten(a)
    lb, tb = jax.tree_util.tree_flatten(b)
    assert ta == tb, f"{ta} != {tb}"
    for x, y in zip(la, lb, strict=True):
        if hasattr(y, "dtype"):
            assert np.asarray(x).dtype == np.asarray(y).dtype
            np.testing.assert_array_equal(np.asarray(x), np.asarray(y))
        else:
            assert type(x) is type(y) and x == y


def test_save_load_round_trip_without_like(tmp_path, tree):
    path = tmp_path / "ckpt.safetensors"
    save(tree, path)
    out = load(path)
    assert out["step"] == 7 and out["lr"] == 0.001 and out["name"] == "run-1"
    assert out["done"] is False and out["nothing"] is None
    assert isinstance(out["params"]["dense"]["kernel"], jax.Array)
    np.testing.assert_array_equal(
        out["params"]["dense"]["kernel"], tree["params"]["dense"]["kernel"]
    )
    assert isinstance(out["items"], list) and isinstance(out["items"][1], tuple)
    assert out["items"][1][1] == "x" and out["items"][1][0].shape == ()
    # NamedTuples come back as namedtuples of the same name and fields.
    assert type(out["pair"]).__name__ == "Pair" and out["pair"].second == 3
    assert type(out["opt_state"][0]).__name__ == "ScaleByAdamState"
    np.testing.assert_array_equal(out["opt_state"][0].mu["dense"]["bias"], np.zeros(4))
    assert list(out["by_index"]) == [0, 1]
    # The tensors are named by path, so any safetensors reader sees a readable state dict.
    arrays, _ = read(path)
    assert {"params.dense.kernel", "opt_state.0.mu.dense.bias", "pair.first"} <= set(arrays)


def test_load_with_like_restores_classes(tmp_path, tree):
    path = tmp_path / "ckpt.safetensors"
    save(tree, path)
    out = load(path, like=tree)
    _assert_tree_equal(out, tree)
    assert type(out["pair"]) is Pair
    assert type(out["opt_state"][0]) is optax.ScaleByAdamState
    # like may be abstract: eval_shape output gives jax arrays back.
    abstract = jax.eval_shape(lambda: tree["params"])
    params = load(path, like={"params": abstract}, strict=False)["params"]
    assert isinstance(params["dense"]["kernel"], jax.Array)


def test_lazy_load_is_a_read_only_memory_map(tmp_path, tree):
    path = tmp_path / "ckpt.safetensors"
    save(tree, path)
    out = load(path, lazy=True)
    kernel = out["params"]["dense"]["kernel"]
    assert isinstance(kernel, np.memmap) and not kernel.flags.writeable
    np.testing.assert_array_equal(kernel, np.arange(12.0).reshape(3, 4))
    like_out = load(path, like=tree, lazy=True)
    assert isinstance(like_out["params"]["dense"]["bias"], np.memmap)
    # Saving over a lazily loaded file replaces it atomically; the open maps keep the old data.
    save({"params": {"dense": {"kernel": jnp.zeros((3, 4))}}}, path)
    np.testing.assert_array_equal(kernel, np.arange(12.0).reshape(3, 4))


def test_eager_load_does_not_alias_the_file(tmp_path):
    path = tmp_path / "c.safetensors"
    save({"w": jnp.arange(4.0)}, path)
    w = load(path)["w"]
    with open(path, "wb") as f:  # a careless writer truncates the file in place
        f.write(b"")
    np.testing.assert_array_equal(np.asarray(w), np.arange(4.0))


def test_strict_like_reports_every_mismatch_in_one_error(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    save({"params": {"w": np.zeros((3, 4), np.float32), "i": np.zeros(2, np.int32)}, "n": 1}, path)
    like = {
        "params": {
            "w": np.zeros((4, 3), np.float32),
            "i": np.zeros(2, np.float32),
            "b": np.zeros(1, np.float32),
        },
    }
    with pytest.raises(SerializationError) as info:
        load(path, like=like)
    msg = str(info.value)
    assert msg.startswith(f"load({str(path)!r}): 1 missing key: params.b; ")
    assert "1 unexpected key: n;" in msg
    assert "1 shape mismatch: params.w saved (3, 4), expected (4, 3);" in msg
    assert "1 dtype mismatch: params.i saved int32, expected float32" in msg
    report = compare(path, like)
    assert report == LoadReport(
        ("params.b",), ("n",), (("params.w", (3, 4), (4, 3)),), (("params.i", "int32", "float32"),)
    )
    assert not report.ok
    # Kinds: an array where a Python value was saved, and a str where an int was saved.
    with pytest.raises(SerializationError, match=r"dtype mismatch: n saved int, expected float32"):
        load(
            path,
            like={
                "params": {"w": np.zeros((3, 4), np.float32), "i": np.zeros(2, np.int32)},
                "n": np.zeros(1, np.float32),
            },
        )
    with pytest.raises(SerializationError, match=r"n saved int, expected str"):
        load(path, like={"n": "s"}, strict=True)


def test_non_strict_keeps_like_values_and_warns(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    save({"w": np.full((3, 4), 5.0, np.float32), "i": np.ones(2, np.int32), "extra": 1}, path)
    like = {
        "w": np.zeros((4, 3), np.float32),
        "i": np.zeros(2, np.int32),
        "b": np.zeros(1),
        "lr": 1.0,
    }
    with pytest.warns(UserWarning, match=r"strict=False\): kept like's values for: 2 missing keys"):
        out = load(path, like=like, strict=False)
    np.testing.assert_array_equal(out["i"], [1, 1])  # matched: loaded
    assert out["w"].shape == (4, 3) and out["w"].sum() == 0  # shape mismatch: like's value
    assert out["b"] is like["b"] and out["lr"] == 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load(path, like={"i": np.zeros(2, np.int32)}, strict=False)["i"].sum() == 2


def test_int_saved_loads_into_float_like(tmp_path):
    path = tmp_path / "c.safetensors"
    save({"lr": 1}, path)
    out = load(path, like={"lr": 0.5})
    assert out["lr"] == 1.0 and type(out["lr"]) is float


def test_plain_safetensors_file_loads_flat_and_by_name(tmp_path):
    path = tmp_path / "foreign.safetensors"
    with open(path, "wb") as f:
        write(
            f, {"dense.kernel": np.ones((2, 2), np.float32), "dense.bias": np.zeros(2, np.float32)}
        )
    flat = load(path)
    assert set(flat) == {"dense.kernel", "dense.bias"} and isinstance(flat["dense.bias"], jax.Array)
    nested = load(path, like={"dense": {"kernel": jnp.zeros((2, 2)), "bias": jnp.ones(2)}})
    np.testing.assert_array_equal(nested["dense"]["kernel"], np.ones((2, 2)))
    assert load_metadata(path) == {}


def test_metadata_round_trip_and_reserved_keys(tmp_path):
    path = tmp_path / "c.safetensors"
    save({"a": jnp.ones(1)}, path, metadata={"epoch": "3"})
    assert load_metadata(path) == {"epoch": "3"}
    with pytest.raises(SerializationError, match="reserved"):
        save({}, path, metadata={"rustorch_fx.tree": "x"})
    with pytest.raises(SerializationError, match="metadata must map str to str"):
        save({}, path, metadata={"epoch": 3})


def test_single_array_and_empty_trees(tmp_path):
    path = tmp_path / "c.safetensors"
    save(jnp.arange(3), path)
    np.testing.assert_array_equal(load(path), [0, 1, 2])
    np.testing.assert_array_equal(load(path, like=jnp.zeros(3, jnp.int32)), [0, 1, 2])
    save({}, path)
    assert load(path) == {}
    save([], path)
    assert load(path) == []


def test_save_errors(tmp_path):
    with pytest.raises(
        SerializationError,
        match=r"save: leaf 'a\.f' is a builtin_function_or_method; expected arrays",
    ):
        save({"a": {"f": print}}, tmp_path / "c.safetensors")
    with pytest.raises(SerializationError, match=r"two leaves are both named 'a\.b'"):
        save({"a.b": jnp.ones(1), "a": {"b": jnp.ones(1)}}, tmp_path / "c.safetensors")
    with pytest.raises(SerializationError, match="dict key .* is a float"):
        save({1.5: 1}, tmp_path / "c.safetensors")
    with pytest.raises(SerializationError, match="complex128 cannot be stored"):
        save({"z": np.zeros(1, np.complex128)}, tmp_path / "c.safetensors")
    with pytest.raises(SerializationError, match="is a directory"):
        save({}, tmp_path)
    with pytest.raises(SerializationError, match="cannot write"):
        save({}, tmp_path / "missing_dir" / "c.safetensors")
    assert os.listdir(tmp_path) == []  # nothing half-written left behind


def test_load_errors_name_the_path_and_the_expectation(tmp_path):
    with pytest.raises(SerializationError, match=r"load\('.*nope.safetensors'\): no such file"):
        load(tmp_path / "nope.safetensors")
    with pytest.raises(SerializationError, match="is a directory; expected a safetensors file"):
        load(tmp_path)
    zipped = tmp_path / "model.pt"
    import zipfile

    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("archive/data.pkl", b"x")
    with pytest.raises(SerializationError, match=r"zip archive .* use compat.load"):
        load(zipped)
    junk = tmp_path / "junk.bin"
    junk.write_bytes(np.random.default_rng(0).bytes(64))
    with pytest.raises(SerializationError, match="expected a safetensors file"):
        load(junk)


def test_flipped_data_byte_is_detected(tmp_path):
    path = tmp_path / "c.safetensors"
    save({"w": np.arange(16, dtype=np.float32)}, path)
    raw = bytearray(path.read_bytes())
    raw[-5] ^= 0x01
    path.write_bytes(bytes(raw))
    with pytest.raises(SerializationError, match="tensor 'w' fails its CRC-32 check"):
        load(path)
    with pytest.raises(SerializationError, match="CRC-32"):
        load(path, like={"w": np.zeros(16, np.float32)})
    assert load(path, lazy=True)["w"].shape == (16,)  # lazy does not read the data...
    with pytest.raises(SerializationError, match="CRC-32"):
        load(path, lazy=True, verify=True)  # ...unless asked to


def test_changed_header_value_is_detected(tmp_path):
    path = tmp_path / "c.safetensors"
    save({"lr": 0.125, "w": np.zeros(2, np.int32)}, path)
    raw = path.read_bytes()
    assert raw.count(b"0.125") == 1
    path.write_bytes(raw.replace(b"0.125", b"0.126"))
    with pytest.raises(SerializationError, match="header checksum does not match"):
        load(path)
    path.write_bytes(raw.replace(b'"I32"', b'"U32"', 1))  # same size, other meaning
    with pytest.raises(SerializationError, match="corrupted checkpoint"):
        load(path)


def test_int64_in_x32_mode_stays_numpy(tmp_path):
    path = tmp_path / "c.safetensors"
    big = np.array([2**40, -1], np.int64)
    save({"big": big, "f64": np.array([0.1], np.float64)}, path)
    out = load(path)  # x32 mode: a jax array would truncate to int32
    assert isinstance(out["big"], np.ndarray) and out["big"].dtype == np.int64
    np.testing.assert_array_equal(out["big"], big)
    assert isinstance(out["f64"], np.ndarray) and out["f64"].dtype == np.float64
    with x64_mode(True):
        out = load(path)
        assert isinstance(out["big"], jax.Array) and out["big"].dtype == jnp.int64
        np.testing.assert_array_equal(out["big"], big)


def test_traced_and_deleted_arrays_cannot_be_saved(tmp_path):
    path = tmp_path / "c.safetensors"

    @jax.jit
    def inside(x):
        save({"x": x}, path)
        return x

    with pytest.raises(SerializationError, match=r"save: tensor 'x' is a .*Tracer, expected"):
        inside(jnp.ones(2))
    gone = jnp.ones(2)
    gone.delete()
    with pytest.raises(SerializationError, match="cannot fetch the values of 'a'.*deleted"):
        save({"a": gone}, path)
    assert not path.exists()
