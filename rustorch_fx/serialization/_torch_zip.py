"""PyTorch's ``torch.save`` zip format, read and written without torch and without running pickles.

A ``.pt`` file written by ``torch.save`` is a zip archive (stored, not compressed) holding
``<archive>/data.pkl`` (a protocol-2 pickle of the saved object), one record
``<archive>/data/<key>`` per tensor storage (raw little-endian bytes) and a few small
records (``byteorder``, ``version``, ``.format_version``, ``.storage_alignment``,
``.data/serialization_id``). Tensors are pickled as calls of ``torch._utils._rebuild_tensor_v2``
on a *persistent id* ``('storage', <storage type>, key, location, numel)``.

:func:`read` unpickles ``data.pkl`` with a restricted :class:`pickle.Unpickler`: its
``find_class`` only answers globals from a fixed allowlist (tensor and parameter rebuild
functions, storage types, dtypes, devices, ``torch.Size``, ``OrderedDict``, ``set`` ...),
each mapped to a function of this module, plus what the caller's ``resolve`` hook accepts.
Any other global raises :class:`~rustorch_fx.errors.SerializationError` naming it, so no
callable from the file is ever called (``REDUCE`` needs a callable, and callables only come
from ``find_class``). Tensors come back as :class:`TensorRecord` (a numpy array plus
``requires_grad`` and whether it was a ``Parameter``), or whatever the caller's ``tensor`` hook
makes of them.

:func:`write` does the reverse: numpy or JAX arrays and :class:`TensorRecord` objects become
tensors that ``torch.load(f, weights_only=True)`` reads; storages shared by several tensors
are written once; records are 64-byte aligned, as torch writes them (which ``torch.load``'s
``mmap=True`` relies on, and which lets :func:`read` hand buffers to JAX without a copy).

Malformed input (not a zip, truncated, a CRC mismatch, a missing record, a pickle that refers
to a missing storage or is itself corrupt, a legacy non-zip torch file) raises
``SerializationError`` naming the file and the problem, never a raw zipfile or pickle error.
"""

from __future__ import annotations

import _compat_pickle
import collections
import contextlib
import gc
import io
import math
import os
import pickle
import struct
import uuid
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import IO, Any

import ml_dtypes
import numpy as np

from rustorch_fx.errors import RusTorchError, SerializationError
from rustorch_fx.serialization._crc import crc32 as _crc32

__all__ = [
    "DTYPE_NAMES",
    "TensorRecord",
    "TorchDType",
    "TorchDevice",
    "TorchGlobal",
    "detect_format",
    "load_torch",
    "read",
    "save_torch",
    "write",
]

#: torch dtype name -> numpy dtype, for every dtype a storage can hold here.
DTYPE_NAMES: dict[str, np.dtype] = {
    "float64": np.dtype(np.float64),
    "float32": np.dtype(np.float32),
    "float16": np.dtype(np.float16),
    "bfloat16": np.dtype(ml_dtypes.bfloat16),
    "int64": np.dtype(np.int64),
    "int32": np.dtype(np.int32),
    "int16": np.dtype(np.int16),
    "int8": np.dtype(np.int8),
    "uint8": np.dtype(np.uint8),
    "uint16": np.dtype(np.uint16),
    "uint32": np.dtype(np.uint32),
    "uint64": np.dtype(np.uint64),
    "bool": np.dtype(np.bool_),
    "complex64": np.dtype(np.complex64),
    "complex128": np.dtype(np.complex128),
    "float8_e4m3fn": np.dtype(ml_dtypes.float8_e4m3fn),
    "float8_e5m2": np.dtype(ml_dtypes.float8_e5m2),
    "float8_e4m3fnuz": np.dtype(ml_dtypes.float8_e4m3fnuz),
    "float8_e5m2fnuz": np.dtype(ml_dtypes.float8_e5m2fnuz),
    "float8_e8m0fnu": np.dtype(ml_dtypes.float8_e8m0fnu),
}
_NP_TO_NAME = {v: k for k, v in DTYPE_NAMES.items()}

# Legacy typed storage classes (``torch.FloatStorage`` ...), as torch pickles them.
_STORAGE_CLASSES = {
    "DoubleStorage": "float64",
    "FloatStorage": "float32",
    "HalfStorage": "float16",
    "LongStorage": "int64",
    "IntStorage": "int32",
    "ShortStorage": "int16",
    "CharStorage": "int8",
    "ByteStorage": "uint8",
    "BoolStorage": "bool",
    "BFloat16Storage": "bfloat16",
    "ComplexDoubleStorage": "complex128",
    "ComplexFloatStorage": "complex64",
}
_DTYPE_TO_STORAGE = {v: k for k, v in _STORAGE_CLASSES.items()}
# All other torch dtype names, accepted as dtype objects (but not as tensor element types).
_OTHER_TORCH_DTYPES = (
    "complex32",
    "qint8",
    "qint32",
    "quint8",
    "quint4x2",
    "quint2x4",
    "float4_e2m1fn_x2",
    "bits8",
    "bits16",
    "bits1x8",
    "bits2x4",
    "bits4x2",
    *(f"uint{i}" for i in range(1, 8)),
    *(f"int{i}" for i in range(1, 8)),
)
_ALIGN = 64
_MAGIC_LEGACY = b"\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19"  # torch's legacy magic number, pickled


# -- neutral values ----------------------------------------------------------------------------


@dataclass(eq=False)
class TensorRecord:
    """A tensor as stored in a ``.pt`` file, independent of any framework.

    For writing, ``storage`` may name the storage the tensor views (any object; tensors with
    the same ``storage`` object share one record in the file), with ``storage_array`` its
    whole flat content and ``offset``/``stride`` (in elements) the view's place in it.

    Attributes:
        array: The tensor's values (a numpy array; for writing, anything ``np.asarray`` takes).
        requires_grad: The tensor's ``requires_grad`` flag.
        is_parameter: Whether it was (or is to be saved as) a ``torch.nn.Parameter``.
        storage: For writing: the identity of a storage shared with other records, or None.
        storage_array: For writing with ``storage``: the storage's flat values.
        offset: For writing with ``storage``: the first element's position in the storage.
        stride: For writing with ``storage``: the view's strides in elements.
        location: For reading: where torch kept the storage (``"cpu"``, ``"cuda:0"``).

    Example:
        >>> import numpy as np
        >>> rec = TensorRecord(np.zeros(3, np.float32), requires_grad=True, is_parameter=True)
        >>> rec.array.shape, rec.is_parameter
        ((3,), True)
    """

    array: Any
    requires_grad: bool = False
    is_parameter: bool = False
    storage: Any = None
    storage_array: Any = None
    offset: int = 0
    stride: tuple[int, ...] | None = None
    location: str | None = None


@dataclass(frozen=True)
class TorchDType:
    """A ``torch.dtype`` read from (or to be written to) a file, by name (``"float32"``).

    Attributes:
        name: The dtype's name in the ``torch`` namespace.

    Example:
        >>> TorchDType("bfloat16").numpy_dtype
        dtype(bfloat16)
    """

    name: str

    @property
    def numpy_dtype(self) -> np.dtype:
        """The numpy dtype of the same name.

        Raises:
            SerializationError: For a torch dtype numpy cannot hold (``qint8``, ``complex32``).
        """
        try:
            return DTYPE_NAMES[self.name]
        except KeyError:
            raise SerializationError(
                f"load: torch.{self.name} tensors are not supported (no numpy equivalent)"
            ) from None


@dataclass(frozen=True)
class TorchDevice:
    """A ``torch.device`` read from (or to be written to) a file.

    Attributes:
        type: ``"cpu"``, ``"cuda"``, ...
        index: The device index, or None.

    Example:
        >>> str(TorchDevice("cuda", 0))
        'cuda:0'
    """

    type: str
    index: int | None = None

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"


@dataclass(frozen=True)
class TorchGlobal:
    """A reference to a global ``module.name`` that :func:`write` pickles by name.

    Lets callers write references to classes that need not be importable here (a torch
    class path, for example).

    Attributes:
        module: The module path.
        name: The qualified name inside the module.

    Example:
        >>> TorchGlobal("collections", "OrderedDict").module
        'collections'
    """

    module: str
    name: str

    def __call__(self, *args: Any) -> Any:
        """Refuse: a reference is only pickled (pickle needs reduce functions callable).

        Raises:
            SerializationError: Always.
        """
        raise SerializationError(f"{self.module}.{self.name} is a reference, not callable here")


# -- reading -----------------------------------------------------------------------------------


@dataclass(eq=False)
class _StorageData:
    """A storage read from the archive: its flat values and its element dtype."""

    key: str
    array: np.ndarray  # 1-D, dtype = the storage's element type (uint8 for untyped storages)
    location: str = "cpu"  # where torch kept it ("cpu", "cuda:0")


class _Marker:
    """A stand-in for an allowlisted non-callable torch global (storage classes, torch.Tensor)."""

    def __init__(self, qualname: str, dtype: str | None = None) -> None:
        self.qualname = qualname
        self.dtype = dtype

    def __repr__(self) -> str:
        return self.qualname


_TENSOR_CLASS = _Marker("torch.Tensor")
_PARAMETER_CLASS = _Marker("torch.nn.parameter.Parameter")
_STRIDED = _Marker("torch.strided")


def _describe(source: Any) -> str:
    if isinstance(source, str | os.PathLike):
        return repr(os.fspath(source))
    name = getattr(source, "name", None)
    if isinstance(name, str):
        return repr(name)
    return f"<{type(source).__name__}>"


class _Reader:
    """Reads one archive; :meth:`load` unpickles ``data.pkl``."""

    def __init__(
        self,
        f: IO[bytes],
        desc: str,
        op: str,
        mmap_path: str | None,
    ) -> None:
        self.f = f
        self.desc = desc
        self.op = op
        self.storages: dict[str, _StorageData] = {}
        self._mm: np.memmap | None = None
        self.pool: ThreadPoolExecutor | None = None
        self.pending: list[tuple[zipfile.ZipInfo, Any]] = []
        try:
            self.zf = zipfile.ZipFile(f)
            infos = self.zf.infolist()
        except SerializationError:
            raise
        except Exception as exc:
            raise self.error(f"not a readable zip archive ({_reason(exc)})") from None
        names = [i.filename for i in infos]
        pkl = [n for n in names if n.endswith("/data.pkl") and n.count("/") == 1]
        if not pkl:
            if any(n.endswith("/constants.pkl") for n in names):
                raise self.error(
                    "this is a TorchScript archive (torch.jit.save), not a torch.save checkpoint"
                )
            raise self.error("the archive has no '<name>/data.pkl' record (not a torch.save file)")
        self.prefix = pkl[0][: -len("data.pkl")]
        self.infos = {i.filename: i for i in infos}
        if mmap_path is not None:
            try:
                self._mm = np.memmap(mmap_path, dtype=np.uint8, mode="r")
            except (OSError, ValueError) as exc:
                raise self.error(f"cannot memory-map the file ({_reason(exc)})") from None
        byteorder = self.record("byteorder", optional=True)
        self.big_endian = byteorder is not None and bytes(byteorder).strip() == b"big"

    def error(self, what: str) -> SerializationError:
        return SerializationError(f"{self.op}: {self.desc}: {what}", path=self.desc)

    def _data_offset(self, info: zipfile.ZipInfo) -> int:
        self.f.seek(info.header_offset)
        header = self.f.read(30)
        if len(header) != 30 or header[:4] != b"PK\x03\x04":
            raise self.error(f"record {info.filename!r} has a corrupt local header")
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        return info.header_offset + 30 + name_len + extra_len

    def record(self, name: str, optional: bool = False, check: bool = True) -> np.ndarray | None:
        """The bytes of record ``<prefix><name>`` as a (64-byte aligned) uint8 array."""
        info = self.infos.get(self.prefix + name)
        if info is None:
            if optional:
                return None
            raise self.error(f"record {self.prefix + name!r} is missing from the archive")
        if info.compress_type != zipfile.ZIP_STORED:
            try:
                data = self.zf.read(info)  # checks the CRC
            except Exception as exc:
                raise self.error(f"record {info.filename!r} is corrupt ({_reason(exc)})") from None
            buf = _aligned_empty(len(data))
            buf[:] = np.frombuffer(data, np.uint8)
            return buf
        start = self._data_offset(info)
        n = info.file_size
        if self._mm is not None and name != "data.pkl":
            if start + n > self._mm.size:
                raise self.error(f"record {info.filename!r} is truncated")
            return self._mm[start : start + n]
        buf = _aligned_empty(n)
        self.f.seek(start)
        view = memoryview(buf)
        got = 0
        while got < n:
            k = self.f.readinto(view[got:])
            if not k:
                raise self.error(
                    f"record {info.filename!r} is truncated ({got} of {n} bytes present)"
                )
            got += k
        if check and self.pool is not None and n >= _PARALLEL_CRC:
            self.pending.append((info, self.pool.submit(_crc32, buf)))
        elif check and _crc32(buf) != info.CRC:
            raise self.error(f"record {info.filename!r} is corrupt (CRC-32 mismatch)")
        return buf

    def verify(self) -> None:
        """Check the CRC-32s computed on the worker thread."""
        for info, crc in self.pending:
            if crc.result() != info.CRC:
                raise self.error(f"record {info.filename!r} is corrupt (CRC-32 mismatch)")

    def storage(self, pid: Any) -> _StorageData:
        """``persistent_load``: the storage a persistent id names, read once per key."""
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise self.error(f"unsupported persistent id {pid!r} in data.pkl")
        _, stype, key, location, numel = pid
        if not isinstance(stype, _Marker) or stype.dtype is None:
            raise self.error(f"persistent id {pid!r} does not name a storage type")
        if not isinstance(key, str) or not isinstance(numel, int) or numel < 0:
            raise self.error(f"malformed storage id {pid!r} in data.pkl")
        found = self.storages.get(key)
        if found is not None:
            return found
        dtype = DTYPE_NAMES[stype.dtype]
        raw = self.record(f"data/{key}")
        assert raw is not None
        need = numel * dtype.itemsize
        if raw.size < need:
            raise self.error(
                f"storage data/{key} holds {raw.size} bytes; {numel} elements of "
                f"{stype.dtype} need {need}"
            )
        raw = raw[:need]
        if self.big_endian and dtype.itemsize > 1:
            arr = raw.view(dtype.newbyteorder(">")).astype(dtype)
        else:
            arr = raw.view(dtype)
        found = _StorageData(key, arr, location if isinstance(location, str) else "cpu")
        self.storages[key] = found
        return found


def _reason(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _aligned_empty(nbytes: int) -> np.ndarray:
    """An uninitialised uint8 array whose data starts on a 64-byte boundary."""
    buf = np.empty(nbytes + _ALIGN, np.uint8)
    start = (-buf.ctypes.data) % _ALIGN
    return buf[start : start + nbytes]


def _view(storage: Any, offset: Any, size: Any, stride: Any, dtype: np.dtype | None) -> np.ndarray:
    """The array a tensor shows of ``storage`` (a view when it is the whole storage)."""
    if not isinstance(storage, _StorageData):
        raise SerializationError(f"load: a tensor was rebuilt from {type(storage).__name__}")
    arr = storage.array
    if dtype is not None:  # untyped storage (uint8) holding `dtype` elements
        usable = arr.size - arr.size % dtype.itemsize
        arr = arr[:usable].view(dtype)
    size = tuple(size)
    stride = tuple(stride)
    ints = all(isinstance(v, int) for v in (offset, *size, *stride))
    if not ints or len(size) != len(stride) or offset < 0 or min((*size, *stride, 0)) < 0:
        raise SerializationError(
            f"load: malformed tensor geometry (offset={offset!r}, size={size!r}, "
            f"stride={stride!r}) for storage data/{storage.key}"
        )
    numel = math.prod(size)
    if numel == 0:
        return np.zeros(size, arr.dtype)
    last = offset + sum((n - 1) * s for n, s in zip(size, stride, strict=True))
    if last >= arr.size:
        raise SerializationError(
            f"load: a tensor of size {size} at offset {offset} with stride {stride} reaches "
            f"past the end of storage data/{storage.key} ({arr.size} elements)"
        )
    contiguous = tuple(math.prod(size[i + 1 :]) for i in range(len(size)))
    if all(s == c or n == 1 for n, s, c in zip(size, stride, contiguous, strict=True)):
        return arr[offset : offset + numel].reshape(size)
    item = arr.dtype.itemsize
    out = np.lib.stride_tricks.as_strided(
        arr[offset:], size, tuple(s * item for s in stride), writeable=False
    )
    return np.ascontiguousarray(out)


def _rebuild_tensor_v2(
    storage: Any,
    storage_offset: Any,
    size: Any,
    stride: Any,
    requires_grad: Any = False,
    backward_hooks: Any = None,
    metadata: Any = None,
) -> TensorRecord:
    arr = _view(storage, storage_offset, size, stride, None)
    return TensorRecord(arr, bool(requires_grad), location=storage.location)


def _rebuild_tensor_v3(
    storage: Any,
    storage_offset: Any,
    size: Any,
    stride: Any,
    requires_grad: Any,
    backward_hooks: Any,
    dtype: Any,
    metadata: Any = None,
) -> TensorRecord:
    if not isinstance(dtype, TorchDType):  # a caller's own dtype object, named torch.<name>
        dtype = TorchDType(str(dtype).removeprefix("torch."))
    arr = _view(storage, storage_offset, size, stride, dtype.numpy_dtype)
    return TensorRecord(arr, bool(requires_grad), location=storage.location)


def _rebuild_tensor(storage: Any, storage_offset: Any, size: Any, stride: Any) -> TensorRecord:
    return _rebuild_tensor_v2(storage, storage_offset, size, stride)


def _rebuild_parameter(data: Any, requires_grad: Any, backward_hooks: Any = None) -> TensorRecord:
    if not isinstance(data, TensorRecord):
        raise SerializationError(f"load: a Parameter was rebuilt from {type(data).__name__}")
    return TensorRecord(data.array, bool(requires_grad), True, location=data.location)


def _rebuild_parameter_with_state(
    data: Any, requires_grad: Any, backward_hooks: Any, state: Any
) -> TensorRecord:
    return _rebuild_parameter(data, requires_grad, backward_hooks)


def _rebuild_from_type_v2(func: Any, new_type: Any, args: Any, state: Any) -> Any:
    raise SerializationError("load: _rebuild_from_type_v2 is only called bound to an unpickler")


def _encode(obj: Any, encoding: Any = "utf-8") -> bytes:
    """``_codecs.encode`` as protocol-2 pickles use it for ``bytes``: text codecs only."""
    if not isinstance(obj, str) or encoding not in ("latin1", "latin-1", "utf-8", "utf8", "ascii"):
        raise SerializationError(f"load: _codecs.encode({type(obj).__name__}, {encoding!r})")
    return obj.encode(encoding)


def _size(dims: Any = ()) -> tuple[int, ...]:
    out = tuple(dims)
    if not all(isinstance(d, int) for d in out):
        raise SerializationError(f"load: torch.Size got {dims!r}")
    return out


def _device(kind: Any, index: Any = None) -> TorchDevice:
    if not isinstance(kind, str):
        raise SerializationError(f"load: torch.device got {kind!r}")
    if ":" in kind and index is None:
        kind, _, idx = kind.partition(":")
        index = int(idx) if idx.isdigit() else None
    return TorchDevice(kind, index)


def _get_layout(name: Any) -> Any:
    if name != "torch.strided":
        raise SerializationError(f"load: tensor layout {name!r} is not supported")
    return _STRIDED


def _base_globals() -> dict[str, Any]:
    table: dict[str, Any] = {
        "torch._utils._rebuild_tensor_v2": _rebuild_tensor_v2,
        "torch._utils._rebuild_tensor_v3": _rebuild_tensor_v3,
        "torch._utils._rebuild_tensor": _rebuild_tensor,
        "torch._utils._rebuild_parameter": _rebuild_parameter,
        "torch._utils._rebuild_parameter_with_state": _rebuild_parameter_with_state,
        "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2,
        "torch.Tensor": _TENSOR_CLASS,
        "torch._tensor.Tensor": _TENSOR_CLASS,
        "torch.nn.parameter.Parameter": _PARAMETER_CLASS,
        "torch.Size": _size,
        "torch.device": _device,
        "torch.serialization._get_layout": _get_layout,
        "torch.storage.UntypedStorage": _Marker("torch.storage.UntypedStorage", "uint8"),
        "torch.UntypedStorage": _Marker("torch.UntypedStorage", "uint8"),
        "collections.OrderedDict": collections.OrderedDict,
        "collections.Counter": collections.Counter,
        "builtins.set": set,
        "builtins.frozenset": frozenset,
        "builtins.complex": complex,
        "builtins.bytearray": bytearray,
        "builtins.slice": slice,
        "_codecs.encode": _encode,
    }
    for cls, dt in _STORAGE_CLASSES.items():
        table[f"torch.{cls}"] = _Marker(f"torch.{cls}", dt)
    for name in (*DTYPE_NAMES, *_OTHER_TORCH_DTYPES):
        table[f"torch.{name}"] = TorchDType(name)
    return table


_BASE_GLOBALS = _base_globals()


class _Unpickler(pickle.Unpickler):
    """The restricted unpickler: allowlisted globals only, storages from the archive."""

    def __init__(
        self,
        data: IO[bytes],
        reader: _Reader,
        resolve: Callable[[str, str], Any] | None,
        hint: str,
        tensor: Callable[[TensorRecord], Any] | None,
    ) -> None:
        super().__init__(data, encoding="utf-8")
        self._reader = reader
        self._resolve = resolve
        self._hint = hint
        self._tensor = tensor
        self._records: dict[int, tuple[Any, TensorRecord]] = {}
        self._bound = {fn: self._bind(fn) for fn in _REBUILDERS}

    def _convert(self, rec: TensorRecord) -> Any:
        if self._tensor is None:
            return rec
        out = self._tensor(rec)
        self._records[id(out)] = (out, rec)  # a Parameter rebuild needs the record back
        return out

    def _record_of(self, data: Any) -> Any:
        found = self._records.get(id(data))
        return found[1] if found is not None and found[0] is data else data

    def _bind(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        if fn is _rebuild_from_type_v2:

            def from_type(func: Any, new_type: Any, args: Any, state: Any) -> Any:
                if new_type not in (_TENSOR_CLASS, _PARAMETER_CLASS):
                    raise SerializationError(f"load: tensor subclass {new_type!r} is not supported")
                if not isinstance(args, tuple) or not callable(func):
                    raise SerializationError("load: malformed _rebuild_from_type_v2 call")
                result = func(*args)
                if new_type is _PARAMETER_CLASS:
                    rec = self._record_of(result)
                    if isinstance(rec, TensorRecord) and not rec.is_parameter:
                        param = TensorRecord(rec.array, rec.requires_grad, True)
                        param.location = rec.location
                        return self._convert(param)
                return result

            return from_type
        if fn in (_rebuild_parameter, _rebuild_parameter_with_state):

            def parameter(data: Any, requires_grad: Any, *rest: Any) -> Any:
                return self._convert(fn(self._record_of(data), requires_grad, *rest))

            return parameter

        def tensor(*args: Any) -> Any:
            return self._convert(fn(*args))

        return tensor

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _compat_pickle.NAME_MAPPING:
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        elif module in _compat_pickle.IMPORT_MAPPING:
            module = _compat_pickle.IMPORT_MAPPING[module]
        qual = f"{module}.{name}"
        found = self._resolve(module, name) if self._resolve is not None else None
        if found is None:
            found = _BASE_GLOBALS.get(qual)
            if found is not None and callable(found):
                found = self._bound.get(found, found)
        if found is None:
            raise self._reader.error(
                f"refusing to load global '{qual}': it is not in the allowlist of what a "
                f"checkpoint may construct, and nothing from the file was run{self._hint}"
            )
        return found

    def persistent_load(self, pid: Any) -> Any:
        return self._reader.storage(pid)


def _open_source(source: Any, op: str) -> tuple[contextlib.AbstractContextManager[Any], str]:
    desc = _describe(source)
    if isinstance(source, str | os.PathLike):
        try:
            return open(os.fspath(source), "rb"), desc
        except OSError as exc:
            raise SerializationError(
                f"{op}: cannot open {desc}: {exc.strerror or exc}", path=desc
            ) from None
    if not hasattr(source, "read"):
        raise SerializationError(
            f"{op}: expected a path or a binary file object, got {type(source).__name__}"
        )
    seekable = getattr(source, "seekable", None)
    if seekable is None or not seekable() or not hasattr(source, "readinto"):
        data = source.read()
        if not isinstance(data, bytes | bytearray):
            raise SerializationError(f"{op}: {desc} is not opened in binary mode")
        return contextlib.nullcontext(io.BytesIO(data)), desc
    return contextlib.nullcontext(source), desc


def detect_format(head: bytes) -> str:
    r"""Which checkpoint format a file's first bytes show.

    Args:
        head: At least the first 16 bytes of the file (fewer if the file is shorter).

    Returns:
        ``"torch_zip"`` (a zip archive: ``torch.save``'s format), ``"safetensors"``,
        ``"torch_legacy"`` (torch's pre-1.6 pickle format), ``"empty"`` or ``"unknown"``.

    Example:
        >>> detect_format(b"PK\x03\x04" + bytes(12))
        'torch_zip'
    """
    if not head:
        return "empty"
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "torch_zip"
    if len(head) >= 10 and head[8:9] == b"{":
        n = int.from_bytes(head[:8], "little")
        if 0 < n < 1 << 32:
            return "safetensors"
    if head[:1] == b"\x80" and _MAGIC_LEGACY in head[:16]:
        return "torch_legacy"
    return "unknown"


def read(
    source: Any,
    *,
    mmap: bool = False,
    resolve: Callable[[str, str], Any] | None = None,
    tensor: Callable[[TensorRecord], Any] | None = None,
    hint: str = "",
    op: str = "load",
) -> Any:
    """Load a ``torch.save`` zip file without torch, running nothing from the file.

    Args:
        source: A path, or a binary file object (read from its current position's archive).
        mmap: Map the file instead of reading it (a path only); tensors are then read-only
            views of the map and storage CRCs are not checked.
        resolve: ``resolve(module, name)``, asked first for every global: the object to use,
            or None for the built-in allowlist's answer (globals in neither are refused).
        tensor: Called on each rebuilt :class:`TensorRecord` (after ``Parameter`` wrapping);
            its result replaces the record in the loaded object. Default: keep the record.
        hint: Appended to the message of a refused global.
        op: The public operation's name, for error messages.

    Returns:
        The saved object, with tensors as :class:`TensorRecord` (or ``tensor``'s results),
        dtypes as :class:`TorchDType`, devices as :class:`TorchDevice`, ``torch.Size`` as tuple.

    Raises:
        SerializationError: If the file is not a readable torch zip file, is corrupt or
            truncated, or its pickle refers to a global outside the allowlist.

    Example:
        >>> import io, numpy as np
        >>> buf = io.BytesIO()
        >>> write(buf, {"w": np.arange(3, dtype=np.float32)})
        >>> read(io.BytesIO(buf.getvalue()))["w"].array
        array([0., 1., 2.], dtype=float32)
    """
    opened, desc = _open_source(source, op)
    if mmap and not isinstance(source, str | os.PathLike):
        raise SerializationError(f"{op}: mmap=True needs a file path, got {desc}")
    with opened as f:
        try:
            start = f.tell()
            head = f.read(16)
            f.seek(start)
        except (OSError, ValueError) as exc:
            raise SerializationError(f"{op}: cannot read {desc}: {_reason(exc)}") from None
        kind = detect_format(head)
        if kind != "torch_zip":
            raise SerializationError(f"{op}: {desc}: {_not_zip_reason(kind)}", path=desc)
        if start:
            f = io.BytesIO(f.read())
        reader = _Reader(f, desc, op, os.fspath(source) if mmap else None)
        raw = reader.record("data.pkl")
        assert raw is not None
        unpickler = _Unpickler(io.BytesIO(raw.tobytes()), reader, resolve, hint, tensor)
        collecting = gc.isenabled()
        gc.disable()  # the loaded objects are not garbage; collections would only cost time
        try:
            with ThreadPoolExecutor(max_workers=1) as pool:
                reader.pool = pool
                result = unpickler.load()
                reader.verify()
            return result
        except SerializationError as exc:
            if str(exc).startswith(f"{op}: {desc}"):
                raise
            raise reader.error(str(exc).removeprefix("load: ")) from None
        except RusTorchError:  # the caller's hooks' own errors (a device that is missing)
            raise
        except RecursionError:
            raise reader.error("data.pkl nests too deeply") from None
        except Exception as exc:
            raise reader.error(f"data.pkl is corrupt ({_reason(exc)})") from None
        finally:
            if collecting:
                gc.enable()


def _not_zip_reason(kind: str) -> str:
    if kind == "empty":
        return "the file is empty"
    if kind == "torch_legacy":
        return (
            "this is a legacy (pre-zip) torch file, written by torch < 1.6 or with "
            "_use_new_zipfile_serialization=False; it is not supported: load it with torch "
            "and save it again with torch.save"
        )
    if kind == "safetensors":
        return "this is a safetensors file, not a torch.save zip file"
    return "not a torch.save file (expected a zip archive)"


_REBUILDERS = (
    _rebuild_tensor_v2,
    _rebuild_tensor_v3,
    _rebuild_tensor,
    _rebuild_parameter,
    _rebuild_parameter_with_state,
    _rebuild_from_type_v2,
)


# -- writing -----------------------------------------------------------------------------------


_PICKLE_BASE: type = pickle._Pickler  # type: ignore[attr-defined]


@dataclass(eq=False)
class _Storage:
    key: str
    array: np.ndarray  # flat, contiguous, little-endian


@dataclass(eq=False)
class _PlainTensor:
    """A tensor to pickle with ``_rebuild_tensor_v2``/``v3`` (the inside of a Parameter)."""

    storage: _Storage
    offset: int
    size: tuple[int, ...]
    stride: tuple[int, ...]
    requires_grad: bool


@dataclass(eq=False)
class _State:
    storages: dict[int, _Storage] = field(default_factory=dict)
    keep: list[Any] = field(default_factory=list)


def _as_numpy(x: Any) -> np.ndarray:
    arr = np.asarray(x)
    if arr.dtype not in _NP_TO_NAME:
        raise SerializationError(f"save: arrays of dtype {arr.dtype} cannot be saved as tensors")
    if arr.dtype.byteorder == ">":
        arr = arr.astype(arr.dtype.newbyteorder("<"))
    return arr


def _contiguous_strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(math.prod(shape[i + 1 :]) for i in range(len(shape)))


class _Pickler(_PICKLE_BASE):  # type: ignore[misc, valid-type]
    """Protocol-2 pickler writing tensors as torch does, and :class:`TorchGlobal` by name."""

    dispatch = _PICKLE_BASE.dispatch.copy()

    def __init__(
        self,
        f: IO[bytes],
        state: _State,
        hook: Callable[[Any], Any] | None,
        numpy_as_tensor: bool,
    ) -> None:
        super().__init__(f, protocol=2)
        self._state = state
        self._hook = hook
        self._numpy_as_tensor = numpy_as_tensor
        self._globals: dict[tuple[str, str], TorchGlobal] = {}
        self._replaced: dict[int, tuple[Any, Any]] = {}

    def persistent_id(self, obj: Any) -> Any:
        if type(obj) is _Storage:
            name = _NP_TO_NAME[obj.array.dtype]
            cls = _DTYPE_TO_STORAGE.get(name)
            stype = (
                TorchGlobal("torch", cls) if cls else TorchGlobal("torch.storage", "UntypedStorage")
            )
            numel = obj.array.size if cls else obj.array.nbytes
            return ("storage", stype, obj.key, "cpu", numel)
        return None

    def _storage_for(self, ident: Any, flat: np.ndarray) -> _Storage:
        found = self._state.storages.get(id(ident))
        if found is None:
            found = _Storage(str(len(self._state.storages)), flat)
            self._state.storages[id(ident)] = found
            self._state.keep.append(ident)
        return found

    def _record_parts(self, rec: TensorRecord) -> _PlainTensor:
        if rec.storage is not None and rec.storage_array is not None and rec.stride is not None:
            flat = _as_numpy(rec.storage_array).reshape(-1)
            shape = tuple(np.shape(rec.array))
            stride = tuple(int(s) for s in rec.stride)
            last = int(rec.offset) + sum((n - 1) * st for n, st in zip(shape, stride, strict=True))
            if len(stride) != len(shape) or (math.prod(shape) and last >= flat.size):
                raise SerializationError(
                    f"save: a tensor of shape {shape} at offset {rec.offset} with stride "
                    f"{stride} does not fit in its storage of {flat.size} elements"
                )
            return _PlainTensor(
                self._storage_for(rec.storage, flat),
                int(rec.offset),
                shape,
                tuple(int(s) for s in rec.stride),
                bool(rec.requires_grad),
            )
        arr = _as_numpy(rec.array)
        if not arr.flags.c_contiguous:
            arr = arr.copy(order="C")
        ident = rec if rec.storage is None else rec.storage
        storage = self._storage_for(ident, arr.reshape(-1))
        return _PlainTensor(
            storage, 0, arr.shape, _contiguous_strides(arr.shape), bool(rec.requires_grad)
        )

    def _global(self, module: str, name: str) -> TorchGlobal:
        found = self._globals.get((module, name))
        if found is None:
            found = self._globals[(module, name)] = TorchGlobal(module, name)
        return found

    def reducer_override(self, obj: Any) -> Any:
        t = type(obj)
        if t is TensorRecord:
            parts = self._record_parts(obj)
            if obj.is_parameter:
                return (
                    self._global("torch._utils", "_rebuild_parameter"),
                    (parts, bool(obj.requires_grad), collections.OrderedDict()),
                )
            return self._tensor_reduce(parts)
        if t is _PlainTensor:
            return self._tensor_reduce(obj)
        if t is TorchDevice:
            args = (obj.type,) if obj.index is None else (obj.type, obj.index)
            return (self._global("torch", "device"), args)
        is_array = isinstance(obj, np.ndarray | np.generic) or _is_jax_array(obj)
        if self._numpy_as_tensor and is_array:
            return self._tensor_reduce(self._record_parts(TensorRecord(obj)))
        return NotImplemented

    def _tensor_reduce(self, parts: _PlainTensor) -> tuple[Any, ...]:
        hooks: collections.OrderedDict[Any, Any] = collections.OrderedDict()
        name = _NP_TO_NAME[parts.storage.array.dtype]
        args: tuple[Any, ...] = (
            parts.storage,
            parts.offset,
            parts.size,
            parts.stride,
            parts.requires_grad,
            hooks,
        )
        if name in _DTYPE_TO_STORAGE:
            return (self._global("torch._utils", "_rebuild_tensor_v2"), args)
        v3 = (*args, self._global("torch", name))
        return (self._global("torch._utils", "_rebuild_tensor_v3"), v3)

    def save(self, obj: Any, save_persistent_id: bool = True) -> None:
        t = type(obj)
        if self._hook is not None and t not in _PLAIN_TYPES:
            found = self._replaced.get(id(obj))
            if found is None:
                rep = self._hook(obj)
                found = self._replaced[id(obj)] = (obj, obj if rep is NotImplemented else rep)
            obj = found[1]
            t = type(obj)
        if t is TorchDType:
            obj = self._global("torch", obj.name)
            t = TorchGlobal
        if t is TorchGlobal:
            x = self.memo.get(id(obj))
            if x is not None:
                self.write(self.get(x[0]))
                return
            self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode())
            self.memoize(obj)
            return
        super().save(obj, save_persistent_id)


_PLAIN_TYPES = frozenset(
    {
        type(None),
        bool,
        int,
        float,
        complex,
        str,
        bytes,
        tuple,
        list,
        dict,
        _Storage,
        TorchGlobal,
        TorchDType,
        TensorRecord,
        _PlainTensor,
        collections.OrderedDict,
    }
)


def _is_jax_array(obj: Any) -> bool:
    mod = type(obj).__module__
    return mod.startswith("jax") and hasattr(obj, "__array__") and hasattr(obj, "dtype")


_U32 = 0xFFFFFFFF  # the "see the zip64 field" marker
_ZIP64_AT = 0xFFFFFFFF  # sizes and offsets from here on need zip64 fields
_PARALLEL_CRC = 1 << 20  # records this large get their CRC-32 computed on a worker thread


class _ZipWriter:
    """A minimal zip writer (stored records, 64-byte aligned data, zip64 where needed).

    Each record's CRC-32 is computed on a worker thread while the next records are written
    (``_crc32`` releases the GIL), and patched into its local header at the end.
    """

    def __init__(self, f: IO[bytes], pool: ThreadPoolExecutor) -> None:
        self.f = f
        self.pool = pool
        self.base = f.tell()
        self.pos = 0
        self.entries: list[tuple[bytes, int, int, Any]] = []  # name, offset, size, crc

    def add(self, name: str, data: np.ndarray | bytes | memoryview) -> None:
        if isinstance(data, np.ndarray):
            payload: Any = data.reshape(-1).view(np.uint8).data if data.size else b""
            size = data.nbytes
        else:
            payload = data
            size = len(data)
        raw = name.encode()
        zip64 = size >= _ZIP64_AT
        header = 30 + len(raw) + (20 if zip64 else 0) + 4
        pad = (-(self.base + self.pos + header)) % _ALIGN
        extra = b""
        if zip64:
            extra += struct.pack("<HHQQ", 1, 16, size, size)
        extra += struct.pack("<HH", 0x4246, pad) + b"Z" * pad  # "FB" padding, as torch writes
        small = _U32 if zip64 else size
        self.f.write(
            struct.pack(
                "<IHHHHHIIIHH",
                0x04034B50,
                45 if zip64 else 20,
                0,
                0,
                0,
                (0 << 9) | (1 << 5) | 1,  # 1980-01-01
                0,  # CRC-32: patched in finish()
                small,
                small,
                len(raw),
                len(extra),
            )
        )
        self.f.write(raw)
        self.f.write(extra)
        crc: Any = self.pool.submit(_crc32, payload) if size >= _PARALLEL_CRC else _crc32(payload)
        self.f.write(payload)
        self.entries.append((raw, self.pos, size, crc))
        self.pos += header + pad + size

    def finish(self) -> None:
        end = self.pos
        central = io.BytesIO()
        for raw, offset, size, crc in self.entries:
            value = crc.result() if not isinstance(crc, int) else crc
            self.f.seek(self.base + offset + 14)
            self.f.write(struct.pack("<I", value))
            extra = b""
            fields = []
            big_size, big_offset = size >= _ZIP64_AT, offset >= _ZIP64_AT
            if big_size:
                fields += [size, size]
            if big_offset:
                fields.append(offset)
            if fields:
                extra = struct.pack(f"<HH{len(fields)}Q", 1, 8 * len(fields), *fields)
            version = 45 if fields else 20
            central.write(
                struct.pack(
                    "<IHHHHHHIIIHHHHHII",
                    0x02014B50,
                    version,
                    version,
                    0,
                    0,
                    0,
                    (0 << 9) | (1 << 5) | 1,
                    value,
                    _U32 if big_size else size,
                    _U32 if big_size else size,
                    len(raw),
                    len(extra),
                    0,
                    0,
                    0,
                    0,
                    _U32 if big_offset else offset,
                )
            )
            central.write(raw)
            central.write(extra)
        self.f.seek(self.base + end)
        cd = central.getvalue()
        self.f.write(cd)
        count = len(self.entries)
        zip64_end = end >= _ZIP64_AT or len(cd) >= _ZIP64_AT or count >= 0xFFFF
        if zip64_end:
            z64 = end + len(cd)
            self.f.write(
                struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count, len(cd), end)
            )
            self.f.write(struct.pack("<IIQI", 0x07064B50, 0, z64, 1))
        self.f.write(
            struct.pack(
                "<IHHHHIIH",
                0x06054B50,
                0,
                0,
                0xFFFF if zip64_end else count,
                0xFFFF if zip64_end else count,
                _U32 if zip64_end else len(cd),
                _U32 if zip64_end else end,
                0,
            )
        )


def write(
    f: IO[bytes],
    obj: Any,
    *,
    hook: Callable[[Any], Any] | None = None,
    numpy_as_tensor: bool = True,
    archive: str = "archive",
) -> None:
    r"""Write ``obj`` in ``torch.save``'s zip format to the binary file ``f``.

    Tensors may be given as :class:`TensorRecord`, numpy arrays (and scalars) or JAX arrays
    (each array object becomes one tensor; the same object twice is saved once). Storages are streamed
    into the archive without copies (except to make a strided array contiguous).

    Args:
        f: A seekable binary file object open for writing.
        obj: The object: tensors, plain containers and values, :class:`TorchDType`,
            :class:`TorchDevice`, and any other picklable object (pickled by reference).
        hook: Called on each object to pickle (except plain values); it may return a
            replacement (for example a :class:`TensorRecord` for a framework's tensor) or
            ``NotImplemented``.
        numpy_as_tensor: Save numpy/JAX arrays as torch tensors (otherwise as numpy objects).
        archive: The name of the archive's top folder.

    Raises:
        SerializationError: If an array has a dtype torch cannot hold, or ``obj`` cannot be
            pickled.

    Example:
        >>> import io, numpy as np
        >>> buf = io.BytesIO()
        >>> write(buf, {"w": np.ones((2, 2), np.float32)})
        >>> buf.getvalue()[:4]
        b'PK\x03\x04'
    """
    state = _State()
    pkl = io.BytesIO()
    try:
        _Pickler(pkl, state, hook, numpy_as_tensor).dump(obj)
    except SerializationError:
        raise
    except RecursionError:
        raise SerializationError("save: the object nests too deeply to pickle") from None
    except Exception as exc:
        raise SerializationError(f"save: cannot pickle the object ({_reason(exc)})") from None
    p = archive + "/"
    with ThreadPoolExecutor(max_workers=1) as pool:
        zw = _ZipWriter(f, pool)
        zw.add(p + "data.pkl", pkl.getbuffer())
        zw.add(p + ".format_version", b"1")
        zw.add(p + ".storage_alignment", str(_ALIGN).encode())
        zw.add(p + "byteorder", b"little")
        for storage in state.storages.values():
            zw.add(f"{p}data/{storage.key}", storage.array)
        zw.add(p + "version", b"3\n")
        zw.add(p + ".data/serialization_id", str(uuid.uuid4().int).encode())
        zw.finish()


def _unwrap(rec: TensorRecord) -> np.ndarray:
    return rec.array


def load_torch(source: Any, *, mmap: bool = False, records: bool = False) -> Any:
    """Read a ``.pt``/``.pth`` file written by ``torch.save``, without torch and without pickle code.

    Only tensors, parameters, storages (shared storages and views included), dtypes, devices,
    ``OrderedDict`` and plain containers and values are rebuilt; any other global in the
    file raises ``SerializationError`` naming it, and nothing from the file is run.

    Args:
        source: A path, or a binary file object.
        mmap: Map the file instead of reading it (a path only; arrays are read-only views).
        records: Return tensors as :class:`TensorRecord` (with ``requires_grad`` and
            ``is_parameter``) instead of numpy arrays.

    Returns:
        The saved object with tensors as numpy arrays (bfloat16 as ``ml_dtypes.bfloat16``);
        ``jax.numpy.asarray`` turns them into JAX arrays.

    Raises:
        SerializationError: If the file is not a readable torch zip file, is corrupt, or refers
            to a global outside the allowlist.

    Example:
        >>> import io, numpy as np
        >>> buf = io.BytesIO()
        >>> save_torch({"w": np.eye(2, dtype=np.float32)}, buf)
        >>> load_torch(io.BytesIO(buf.getvalue()))["w"]
        array([[1., 0.],
               [0., 1.]], dtype=float32)
    """
    return read(source, mmap=mmap, tensor=None if records else _unwrap, op="load_torch")


def save_torch(obj: Any, f: Any) -> None:
    """Write numpy/JAX arrays (in plain containers) as a ``.pt`` file that ``torch.load`` reads.

    Every array becomes a tensor of the same dtype (bfloat16 included) and a
    :class:`TensorRecord` also carries ``requires_grad`` and ``Parameter``-ness; the file
    loads with ``torch.load(f, weights_only=True)``. Writing to a path is atomic and durable.

    Args:
        obj: Arrays, :class:`TensorRecord` objects, and plain containers and values.
        f: A path, or a seekable binary file object open for writing.

    Raises:
        SerializationError: For an array dtype torch cannot hold, an unpicklable object, or
            a file that cannot be written.

    Example:
        >>> import io, numpy as np
        >>> buf = io.BytesIO()
        >>> save_torch({"step": 1, "w": np.zeros(3, np.float32)}, buf)
        >>> sorted(load_torch(io.BytesIO(buf.getvalue())))
        ['step', 'w']
    """
    if isinstance(f, str | os.PathLike):
        from rustorch_fx.serialization._atomic import atomic_write

        with atomic_write(f, "save_torch") as out:
            write(out, obj)
        return
    write(f, obj)
