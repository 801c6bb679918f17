"""Functional checkpoints: :func:`save` and :func:`load` a pytree to and from one safetensors file.

Arrays become tensors named by their path in the tree (``"params.dense.kernel"``,
``"opt_state.0.mu.w"``); the structure and the plain values (None, bool, int, float, str) go, as
JSON, into the file's ``__metadata__``. Nothing is pickled. The file is a valid safetensors file
that any safetensors reader opens, and :func:`load` also reads safetensors files written by
others (as a flat ``{name: array}`` dict, or into a ``like`` tree by name).

Integrity: the metadata records a CRC-32 of every tensor's bytes and one of the structure and
metadata themselves; :func:`load` checks them, so a flipped byte is a
:class:`~rustorch_fx.errors.SerializationError`, not a silently different model. Writes are
atomic (:func:`~rustorch_fx.serialization.atomic_write`): a crash mid-save leaves the previous
file whole.
"""

from __future__ import annotations

import collections
import json
import os
import warnings
from collections.abc import Mapping
from typing import Any, NamedTuple

import jax
import numpy as np

from rustorch_fx.errors import SerializationError
from rustorch_fx.serialization._atomic import atomic_write
from rustorch_fx.serialization._crc import crc32
from rustorch_fx.serialization._safetensors import (
    _host_arrays,
    _read,
    _write_checked,
    dtype_name,
)

__all__ = ["save", "load", "compare", "load_metadata", "LoadReport"]

_TREE_KEY = "rustorch_fx.tree"
_CRC_KEY = "rustorch_fx.crc32"
_RESERVED = "rustorch_fx"
_FORMAT = "rustorch_fx"
_VERSION = 1
_ROOT = "root"  # the tensor name of a tree that is a single array
_PLAIN = (bool, int, float, str)
_ARRAY_TYPES = (np.ndarray, np.generic, jax.Array)


class LoadReport(NamedTuple):
    """How a checkpoint matches a ``like`` tree, key by key (paths are dotted names).

    Attributes:
        missing: Paths in ``like`` that the file lacks.
        unexpected: Paths in the file that ``like`` lacks.
        shape_mismatch: ``(path, saved_shape, expected_shape)`` for arrays of another shape.
        dtype_mismatch: ``(path, saved, expected)`` for arrays of another dtype, or values of
            another kind (an array where a Python number was expected, a str for an int).

    Example:
        >>> LoadReport((), (), (), ()).ok
        True
    """

    missing: tuple[str, ...]
    unexpected: tuple[str, ...]
    shape_mismatch: tuple[tuple[str, tuple[int, ...], tuple[int, ...]], ...]
    dtype_mismatch: tuple[tuple[str, str, str], ...]

    @property
    def ok(self) -> bool:
        """Whether every key matches: nothing missing, unexpected or mismatched.

        Example:
            >>> LoadReport((), ("extra",), (), ()).ok
            False
        """
        return not (self.missing or self.unexpected or self.shape_mismatch or self.dtype_mismatch)

    def describe(self) -> str:
        """Describe every problem on one line, as strict :func:`load` reports it.

        Returns:
            For example ``"1 missing key: params.b; 1 shape mismatch: params.w saved (3, 4),
            expected (4, 3)"``; empty if :attr:`ok`.

        Example:
            >>> LoadReport(("params.b",), (), (), ()).describe()
            '1 missing key: params.b'
        """

        def count(n: int, word: str, plural: str) -> str:
            return f"{n} {word if n == 1 else plural}"

        parts = []
        if self.missing:
            parts.append(
                f"{count(len(self.missing), 'missing key', 'missing keys')}: "
                + ", ".join(self.missing)
            )
        if self.unexpected:
            parts.append(
                f"{count(len(self.unexpected), 'unexpected key', 'unexpected keys')}: "
                + ", ".join(self.unexpected)
            )
        if self.shape_mismatch:
            parts.append(
                f"{count(len(self.shape_mismatch), 'shape mismatch', 'shape mismatches')}: "
                + ", ".join(f"{p} saved {s}, expected {e}" for p, s, e in self.shape_mismatch)
            )
        if self.dtype_mismatch:
            parts.append(
                f"{count(len(self.dtype_mismatch), 'dtype mismatch', 'dtype mismatches')}: "
                + ", ".join(f"{p} saved {s}, expected {e}" for p, s, e in self.dtype_mismatch)
            )
        return "; ".join(parts)


# ----------------------------------------------------------------------------- naming


def _part(entry: Any) -> str:
    """One path entry of ``jax.tree_util`` as a name component."""
    for attr in ("key", "name", "idx"):
        if hasattr(entry, attr):
            return str(getattr(entry, attr))
    return str(entry)  # pragma: no cover - jax has no other key kinds


def _join(parts: tuple[str, ...]) -> str:
    return ".".join(parts) if parts else _ROOT


def _type_name(x: Any) -> str:
    return type(x).__name__


# ----------------------------------------------------------------------------- encoding


def _encode(
    x: Any, parts: tuple[str, ...], arrays: dict[str, Any], plain: dict[str, Any]
) -> list[Any]:
    """Encode ``x`` as a JSON node; collect its arrays (and plain values) by dotted name."""
    if isinstance(x, _ARRAY_TYPES):
        name = _join(parts)
        if name in arrays or name in plain:
            raise SerializationError(
                f"save: two leaves are both named {name!r} (a key containing '.' collides "
                "with a nested path); rename one of them"
            )
        arrays[name] = x
        return ["a", name]
    if x is None or isinstance(x, _PLAIN):
        if x is not None:
            name = _join(parts)
            if name in arrays or name in plain:
                raise SerializationError(
                    f"save: two leaves are both named {name!r}; rename one of them"
                )
            plain[name] = x
        return ["v", x]
    if isinstance(x, dict):
        items = []
        for key, value in x.items():
            if isinstance(key, bool) or not isinstance(key, str | int):
                raise SerializationError(
                    f"save: dict key {key!r} at {_join(parts)!r} is a {_type_name(key)}; "
                    "expected str or int keys"
                )
            items.append([key, _encode(value, (*parts, str(key)), arrays, plain)])
        return ["d", items]
    if isinstance(x, tuple) and hasattr(type(x), "_fields"):
        fields = [
            [f, _encode(v, (*parts, f), arrays, plain)]
            for f, v in zip(type(x)._fields, x, strict=True)
        ]
        return ["n", _type_name(x), fields]
    if isinstance(x, list | tuple):
        tag = "l" if isinstance(x, list) else "t"
        return [tag, [_encode(v, (*parts, str(i)), arrays, plain) for i, v in enumerate(x)]]
    children, treedef = jax.tree_util.tree_flatten_with_path(x, is_leaf=lambda y: y is not x)
    if treedef.num_nodes == 1 and treedef.num_leaves == 1:
        raise SerializationError(
            f"save: leaf {_join(parts)!r} is a {_type_name(x)}; expected arrays, None, bool, "
            "int, float, str, or containers of them (dict, list, tuple, NamedTuple, "
            "jax pytree nodes)"
        )
    items = []
    for path, child in children:
        key = ".".join(_part(e) for e in path)
        items.append([key, _encode(child, (*parts, key), arrays, plain)])
    return ["p", _type_name(x), items]


_NAMEDTUPLES: dict[tuple[str, tuple[str, ...]], type] = {}


def _namedtuple(name: str, fields: tuple[str, ...]) -> type:
    key = (name, fields)
    if key not in _NAMEDTUPLES:
        typename = name if name.isidentifier() else "Restored"
        _NAMEDTUPLES[key] = collections.namedtuple(typename, fields, rename=True)
    return _NAMEDTUPLES[key]


def _decode(node: Any, arrays: Mapping[str, Any], used: set[str]) -> Any:
    """Rebuild a value from its JSON node (raises KeyError/TypeError/ValueError if malformed)."""
    tag = node[0]
    if tag == "a":
        name = node[1]
        if name in used:
            raise ValueError(f"tensor {name!r} is referenced twice")
        used.add(name)
        return arrays[name]
    if tag == "v":
        value = node[1]
        if value is not None and not isinstance(value, _PLAIN):
            raise TypeError(f"plain value of type {_type_name(value)}")
        return value
    if tag == "d":
        out = {}
        for key, child in node[1]:
            if isinstance(key, bool) or not isinstance(key, str | int):
                raise TypeError(f"dict key {key!r}")
            out[key] = _decode(child, arrays, used)
        return out
    if tag in ("l", "t"):
        items = [_decode(child, arrays, used) for child in node[1]]
        return items if tag == "l" else tuple(items)
    if tag == "n":
        fields = tuple(str(f) for f, _ in node[2])
        cls = _namedtuple(str(node[1]), fields)
        return cls(*(_decode(child, arrays, used) for _, child in node[2]))
    if tag == "p":
        return {str(key): _decode(child, arrays, used) for key, child in node[1]}
    raise ValueError(f"unknown node tag {tag!r}")


def _flat_saved(node: Any, parts: tuple[str, ...], out: dict[str, Any]) -> None:
    """Map dotted path -> ("a", tensor name) or ("v", value) for every leaf of a saved node."""
    tag = node[0]
    if tag == "a":
        out[_join(parts)] = ("a", node[1])
    elif tag == "v":
        if node[1] is not None:
            out[_join(parts)] = ("v", node[1])
    elif tag in ("d", "p"):
        for key, child in node[1]:
            _flat_saved(child, (*parts, str(key)), out)
    elif tag in ("l", "t"):
        for i, child in enumerate(node[1]):
            _flat_saved(child, (*parts, str(i)), out)
    elif tag == "n":
        for field, child in node[2]:
            _flat_saved(child, (*parts, str(field)), out)
    else:
        raise ValueError(f"unknown node tag {tag!r}")


# ----------------------------------------------------------------------------- checksums


def _crc(arr: np.ndarray) -> int:
    if arr.nbytes == 0:
        return 0
    return crc32(memoryview(np.ascontiguousarray(arr).reshape(-1).view(np.uint8)))


def _header_digest(payload: str, user: Mapping[str, str]) -> str:
    blob = payload + "\0" + json.dumps(sorted(user.items()), ensure_ascii=False)
    return f"{crc32(blob.encode('utf-8')):08x}"


# ----------------------------------------------------------------------------- save


def save(
    tree: Any, path: str | os.PathLike[str], *, metadata: Mapping[str, str] | None = None
) -> None:
    """Save a pytree of arrays and plain values to one safetensors file, atomically.

    Arrays (jax or numpy, any device; fetched together) are stored as tensors named by their
    dotted path (``{"params": {"w": w}}`` -> ``"params.w"``, list and tuple items by index,
    NamedTuple fields by name, e.g. optax's ``"opt_state.0.mu.w"``). The structure (dicts with
    str or int keys, lists, tuples, NamedTuples, other ``jax.tree_util`` nodes) and the plain
    values (None, bool, int, float, str) are stored as JSON in the metadata, with a CRC-32 of
    every tensor and of the metadata. Nothing is pickled.

    The file is written to a temporary file beside ``path``, flushed, fsync'ed and renamed over
    ``path``: a crash at any point leaves the previous file whole.

    Args:
        tree: The pytree to save.
        path: The destination file (``.safetensors`` by convention).
        metadata: Extra str-to-str metadata, stored in the safetensors header; read it back
            with :func:`load_metadata`. Keys starting with ``"rustorch_fx"`` are reserved.

    Raises:
        SerializationError: If a leaf is not an array or a plain value, an array's dtype has
            no safetensors name (complex128), two leaves get the same dotted name, the
            metadata is not str to str, or the file cannot be written.

    Example:
        >>> import tempfile, os
        >>> import jax.numpy as jnp
        >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.safetensors")
        >>> save({"params": {"w": jnp.ones((2, 3))}, "step": 10}, path)
        >>> load(path)["step"]
        10
    """
    arrays: dict[str, Any] = {}
    plain: dict[str, Any] = {}
    node = _encode(tree, (), arrays, plain)
    user = dict(metadata or {})
    for key, value in user.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise SerializationError(
                f"save: metadata must map str to str, got {_type_name(key)} {key!r}: "
                f"{_type_name(value)}"
            )
        if key.startswith(_RESERVED):
            raise SerializationError(
                f"save: metadata key {key!r} is reserved (keys starting with {_RESERVED!r})"
            )
    try:
        host = _host_arrays(arrays)
    except SerializationError as exc:
        raise SerializationError(str(exc).replace("safetensors.write", "save", 1)) from None

    def metadata_for(crcs: Mapping[str, int]) -> dict[str, str]:
        # Fixed-width hex checksums: the header has the same length whatever their values.
        tensors = {
            name: [dtype_name(arr.dtype), list(arr.shape), f"{crcs[name]:08x}"]
            for name, arr in host.items()
        }
        payload = json.dumps(
            {"format": _FORMAT, "version": _VERSION, "tree": node, "tensors": tensors},
            separators=(",", ":"),
            ensure_ascii=False,
        )
        return {**user, _TREE_KEY: payload, _CRC_KEY: _header_digest(payload, user)}

    fspath = os.fspath(path)
    if os.path.isdir(fspath):
        raise SerializationError(f"save({fspath!r}): is a directory; expected a file path")
    try:
        with atomic_write(fspath, op="save") as f:
            _write_checked(f, host, _crc, metadata_for)
    except OSError as exc:
        raise SerializationError(f"save({fspath!r}): cannot write ({exc.strerror or exc})") from exc


# ----------------------------------------------------------------------------- load


class _Checkpoint(NamedTuple):
    where: str
    arrays: dict[str, np.ndarray]  # read-only memory maps, or private copies (mmap=False)
    user: dict[str, str]
    node: Any  # None for a plain safetensors file
    crcs: dict[str, int]


def _is_ours(meta: Mapping[str, str]) -> bool:
    # Several independent marks, so that a corrupted key alone cannot make our file look foreign.
    return any(k.startswith(_RESERVED) for k in meta) or any(
        v.startswith('{"format":"' + _FORMAT) for v in meta.values()
    )


def _open(path: str | os.PathLike[str], op: str, *, mmap: bool = True) -> _Checkpoint:
    if isinstance(path, bytes | bytearray | memoryview):
        where = f"<{len(path)} bytes>"
    else:
        try:
            where = repr(os.fspath(path))
        except TypeError:
            raise SerializationError(
                f"{op}: expected a path to a safetensors file, got {_type_name(path)}"
            ) from None
    arrays, meta = _read(path, mmap=mmap, op=op)
    if not _is_ours(meta):
        return _Checkpoint(where, arrays, dict(meta), None, {})

    def corrupt(what: str) -> SerializationError:
        return SerializationError(f"{op}({where}): corrupted checkpoint: {what}")

    if _TREE_KEY not in meta or _CRC_KEY not in meta:
        raise corrupt("its rustorch_fx metadata is incomplete")
    payload = meta[_TREE_KEY]
    user = {k: v for k, v in meta.items() if k not in (_TREE_KEY, _CRC_KEY)}
    if _header_digest(payload, user) != meta[_CRC_KEY]:
        raise corrupt("the header checksum does not match (the structure or metadata changed)")
    try:
        doc = json.loads(payload)
        if doc["format"] != _FORMAT or not isinstance(doc["version"], int):
            raise ValueError("not a rustorch_fx checkpoint")
        if doc["version"] > _VERSION:
            raise SerializationError(
                f"{op}({where}): checkpoint format version {doc['version']} is newer than this "
                f"library reads ({_VERSION}); upgrade rustorch_fx"
            )
        records = doc["tensors"]
        crcs = {}
        for name, (dt, shape, crc) in records.items():
            if not isinstance(crc, str) or len(crc) != 8:
                raise ValueError(f"tensor {name!r} has a malformed checksum {crc!r}")
            crcs[name] = int(crc, 16)
            arr = arrays.get(name)
            if arr is None:
                raise ValueError(f"tensor {name!r} is recorded but not in the file")
            if dt != dtype_name(arr.dtype) or list(shape) != list(arr.shape):
                raise ValueError(
                    f"tensor {name!r} is {dtype_name(arr.dtype)}{list(arr.shape)} in the file, "
                    f"{dt}{list(shape)} when saved"
                )
        extra = set(arrays) - set(records)
        if extra:
            raise ValueError(f"tensors {sorted(extra)} are not recorded")
        node = doc["tree"]
    except SerializationError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, RecursionError) as exc:
        raise corrupt(f"malformed structure ({exc})") from None
    return _Checkpoint(where, arrays, user, node, crcs)


def _materialize(ckpt: _Checkpoint, names: Any, check: bool) -> dict[str, np.ndarray]:
    """The named arrays of the checkpoint, CRC-checked if asked."""
    out = {n: ckpt.arrays[n] for n in names}
    if check:
        for name, arr in out.items():
            if name in ckpt.crcs and _crc(arr) != ckpt.crcs[name]:
                raise SerializationError(
                    f"load({ckpt.where}): corrupted checkpoint: tensor {name!r} fails its CRC-32 "
                    "check (its bytes changed since it was saved)"
                )
    return out


def _to_jax(arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """Move to jax arrays; 64-bit dtypes stay numpy when JAX's x64 mode is off (no truncation)."""
    x64 = bool(jax.config.jax_enable_x64)
    wide = (np.dtype(np.int64), np.dtype(np.uint64), np.dtype(np.float64))
    movable = [k for k, v in arrays.items() if x64 or v.dtype not in wide]
    # The arrays are private copies read from the file, so jax may use their memory as is.
    moved = dict(
        zip(movable, jax.device_put([arrays[k] for k in movable], may_alias=True), strict=True)
    )
    return {k: moved.get(k, v) for k, v in arrays.items()}


def _leaf_kind(x: Any) -> str:
    if hasattr(x, "shape") and hasattr(x, "dtype"):
        return f"{np.dtype(x.dtype).name}{list(x.shape)}"
    return _type_name(x)


def _match(ckpt: _Checkpoint, like: Any) -> tuple[LoadReport, list[Any], Any, dict[str, Any]]:
    """Compare a checkpoint with ``like``; return (report, like leaves with names, treedef, saved)."""
    flat_like, treedef = jax.tree_util.tree_flatten_with_path(like)
    saved: dict[str, Any] = {}
    if ckpt.node is None:
        saved = {name: ("a", name) for name in ckpt.arrays}
    else:
        try:
            _flat_saved(ckpt.node, (), saved)
        except (KeyError, TypeError, ValueError, IndexError, RecursionError) as exc:
            raise SerializationError(
                f"load({ckpt.where}): corrupted checkpoint: malformed structure ({exc})"
            ) from None
    missing, shape_mm, dtype_mm = [], [], []
    named = []
    for path, leaf in flat_like:
        name = _join(tuple(_part(e) for e in path))
        named.append((name, leaf))
        if name not in saved:
            missing.append(name)
            continue
        kind, ref = saved[name]
        if hasattr(leaf, "shape") and hasattr(leaf, "dtype"):
            if kind != "a":
                dtype_mm.append((name, _type_name(ref), _leaf_kind(leaf)))
                continue
            arr = ckpt.arrays[ref]
            if tuple(arr.shape) != tuple(leaf.shape):
                shape_mm.append((name, tuple(arr.shape), tuple(leaf.shape)))
            if np.dtype(arr.dtype) != np.dtype(leaf.dtype):
                dtype_mm.append((name, np.dtype(arr.dtype).name, np.dtype(leaf.dtype).name))
        elif kind == "a":
            dtype_mm.append((name, _leaf_kind(ckpt.arrays[ref]), _type_name(leaf)))
        elif not (type(ref) is type(leaf) or (type(leaf) is float and type(ref) is int)):
            dtype_mm.append((name, _type_name(ref), _type_name(leaf)))
    like_names = {n for n, _ in named}
    unexpected = [n for n in saved if n not in like_names]
    report = LoadReport(tuple(missing), tuple(unexpected), tuple(shape_mm), tuple(dtype_mm))
    return report, named, treedef, saved


def compare(path: str | os.PathLike[str], like: Any) -> LoadReport:
    """Report how a checkpoint's keys match a ``like`` tree, without loading any array.

    Args:
        path: A safetensors file (written by :func:`save` or by any safetensors writer).
        like: The pytree to match (arrays, ``jax.ShapeDtypeStruct``, Python values).

    Returns:
        A :class:`LoadReport` of missing, unexpected and mismatched keys (``.ok`` if none).

    Raises:
        SerializationError: If the file is missing, not safetensors, or corrupted.

    Example:
        >>> import tempfile, os
        >>> import numpy as np
        >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.safetensors")
        >>> save({"w": np.zeros(3, np.float32)}, path)
        >>> compare(path, {"w": np.zeros(3, np.float32), "b": np.zeros(1, np.float32)}).missing
        ('b',)
    """
    return _match(_open(path, "compare"), like)[0]


def load(
    path: str | os.PathLike[str],
    like: Any = None,
    *,
    strict: bool = True,
    lazy: bool = False,
    verify: bool | None = None,
) -> Any:
    """Load a checkpoint written by :func:`save` (or any safetensors file).

    Without ``like``, the saved structure is rebuilt: dicts, lists, tuples and plain values as
    saved, arrays as jax arrays (64-bit arrays stay numpy arrays while JAX's x64 mode is off,
    rather than being truncated to 32 bits). NamedTuples come back as namedtuples of the same
    name and fields (not the original class, which is never imported); other ``jax.tree_util``
    nodes come back as dicts of their children. Pass ``like`` to get the original classes back.
    A safetensors file written by another tool (no structure metadata) loads as a flat
    ``{name: array}`` dict.

    With ``like`` (a pytree such as freshly initialised params, an optax state, or
    ``jax.eval_shape`` output), the result has ``like``'s structure, and each leaf is taken from
    the file by its dotted path. Jax leaves (and ``ShapeDtypeStruct`` leaves) become jax arrays
    placed with the leaf's sharding; numpy leaves become numpy arrays; Python values stay Python
    values.

    Strictness follows ``torch.nn.Module.load_state_dict`` and flax's ``from_state_dict``: with
    ``strict=True`` (default) every missing key, unexpected key, shape mismatch and dtype
    mismatch is listed, by path, in one :class:`~rustorch_fx.errors.SerializationError`. With
    ``strict=False``, matching leaves are loaded, every other leaf keeps ``like``'s value and
    is listed in a ``UserWarning``; keys of the file that ``like`` lacks are ignored silently
    (so a subset, e.g. only the params of a training checkpoint, loads without noise). Use
    :func:`compare` to get every difference as a :class:`LoadReport`.

    Args:
        path: The file to read.
        like: Optional target pytree; see above.
        strict: Whether any mismatch with ``like`` is an error.
        lazy: Return read-only ``numpy.memmap`` arrays over the file instead of jax arrays:
            nothing is read until used, so large checkpoints open instantly.
        verify: Check every loaded tensor's CRC-32. Defaults to True for eager loads and False
            for lazy ones (verifying reads the whole file); the header checksum is always
            checked.

    Returns:
        The loaded pytree.

    Raises:
        SerializationError: If the file is missing, a directory, not safetensors (a zip, random
            bytes), truncated or corrupted (a checksum fails), or, when ``strict``, does not
            match ``like``.

    Example:
        >>> import tempfile, os
        >>> import jax.numpy as jnp
        >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.safetensors")
        >>> save({"w": jnp.arange(3.0), "b": jnp.zeros(2)}, path)
        >>> load(path, like={"w": jnp.zeros(3), "b": jnp.ones(2)})["w"]
        Array([0., 1., 2.], dtype=float32)
    """
    # Eager loads read private copies (not a memory map): the result never aliases the file,
    # so a later overwrite of the file cannot change or invalidate it.
    ckpt = _open(path, "load", mmap=lazy)
    check = (not lazy) if verify is None else verify
    if like is None:
        arrays = _materialize(ckpt, ckpt.arrays, check)
        if not lazy:
            arrays = _to_jax(arrays)
        if ckpt.node is None:
            return dict(arrays)
        used: set[str] = set()
        try:
            tree = _decode(ckpt.node, arrays, used)
        except (KeyError, TypeError, ValueError, IndexError, RecursionError) as exc:
            raise SerializationError(
                f"load({ckpt.where}): corrupted checkpoint: malformed structure ({exc})"
            ) from None
        if used != set(arrays):
            raise SerializationError(
                f"load({ckpt.where}): corrupted checkpoint: tensors "
                f"{sorted(set(arrays) - used)} are not part of the saved structure"
            )
        return tree

    report, named, treedef, saved = _match(ckpt, like)
    if not report.ok and strict:
        raise SerializationError(f"load({ckpt.where}): {report.describe()}")
    kept = report._replace(unexpected=())
    if not kept.ok:
        warnings.warn(
            f"load({ckpt.where}, strict=False): kept like's values for: {kept.describe()}",
            UserWarning,
            stacklevel=2,
        )
    bad = (
        set(report.missing)
        | {p for p, *_ in report.shape_mismatch}
        | {p for p, *_ in report.dtype_mismatch}
    )
    wanted = [saved[n][1] for n, _ in named if n not in bad and saved[n][0] == "a"]
    host = _materialize(ckpt, wanted, check)
    leaves = []
    for name, leaf in named:
        if name in bad:
            leaves.append(leaf)
            continue
        kind, ref = saved[name]
        if kind == "v":
            leaves.append(float(ref) if type(leaf) is float else ref)
        elif lazy or isinstance(leaf, np.ndarray | np.generic):
            leaves.append(host[ref])
        else:
            sharding = getattr(leaf, "sharding", None)
            leaves.append(jax.device_put(host[ref], sharding, may_alias=True))
    return jax.tree_util.tree_unflatten(treedef, leaves)


def load_metadata(path: str | os.PathLike[str]) -> dict[str, str]:
    """Return the user metadata a checkpoint was saved with (``save(..., metadata=...)``).

    For a safetensors file from another writer, returns its whole ``__metadata__``.

    Args:
        path: The file to read (only its header is read).

    Returns:
        The str-to-str metadata, without this library's own reserved keys.

    Raises:
        SerializationError: If the file is missing, not safetensors, or corrupted.

    Example:
        >>> import tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.safetensors")
        >>> save({"step": 1}, path, metadata={"run": "a"})
        >>> load_metadata(path)
        {'run': 'a'}
    """
    return dict(_open(path, "load_metadata").user)
