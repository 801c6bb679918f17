"""Reading and writing the safetensors format, validated byte by byte.

A safetensors file is an 8-byte little-endian unsigned length ``N``, then ``N`` bytes of a UTF-8
JSON object (padded with spaces to a multiple of 8) mapping each tensor name to
``{"dtype", "shape", "data_offsets": [begin, end]}`` plus an optional ``"__metadata__"`` object of
strings, then the tensors' raw little-endian, C-ordered bytes. Offsets are relative to the end of
the header; the tensors are contiguous, do not overlap and cover the data area exactly.

:func:`write` streams arrays (numpy or jax) into any binary file object; :func:`read` parses and
validates a file (or bytes) and returns numpy arrays, by default as read-only memory maps so
nothing is read until it is used. Both are the one implementation of the format in the library:
:func:`rustorch_fx.save`/:func:`rustorch_fx.load`, ``compat.load`` and export build on them.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, BinaryIO

import ml_dtypes
import numpy as np

from rustorch_fx.errors import SerializationError

__all__ = ["write", "read", "dtype_name", "numpy_dtype", "SUPPORTED_DTYPES"]

# The spec's dtype names (huggingface/safetensors ``Dtype``) and their numpy dtypes.
_NAME_TO_DTYPE: dict[str, np.dtype] = {
    "BOOL": np.dtype(np.bool_),
    "U8": np.dtype(np.uint8),
    "I8": np.dtype(np.int8),
    "I16": np.dtype(np.int16),
    "U16": np.dtype(np.uint16),
    "I32": np.dtype(np.int32),
    "U32": np.dtype(np.uint32),
    "I64": np.dtype(np.int64),
    "U64": np.dtype(np.uint64),
    "F16": np.dtype(np.float16),
    "BF16": np.dtype(ml_dtypes.bfloat16),
    "F32": np.dtype(np.float32),
    "F64": np.dtype(np.float64),
    "C64": np.dtype(np.complex64),
    "F8_E5M2": np.dtype(ml_dtypes.float8_e5m2),
    "F8_E4M3": np.dtype(ml_dtypes.float8_e4m3fn),
    "F8_E5M2FNUZ": np.dtype(ml_dtypes.float8_e5m2fnuz),
    "F8_E4M3FNUZ": np.dtype(ml_dtypes.float8_e4m3fnuz),
    "F8_E8M0": np.dtype(ml_dtypes.float8_e8m0fnu),
}
_DTYPE_TO_NAME: dict[np.dtype, str] = {dt: name for name, dt in _NAME_TO_DTYPE.items()}

#: The safetensors dtype names this module reads and writes.
SUPPORTED_DTYPES: tuple[str, ...] = tuple(_NAME_TO_DTYPE)

_MAX_HEADER = 100_000_000  # the reference implementation's limit
_CHUNK = 1 << 24  # bytes per write call when streaming an array
_ZIP_MAGIC = b"PK\x03\x04"


def dtype_name(dtype: Any) -> str:
    """Return the safetensors name of a numpy/jax dtype (``float32`` -> ``"F32"``).

    Args:
        dtype: Anything ``numpy.dtype`` accepts, including ``ml_dtypes.bfloat16``.

    Returns:
        The dtype's name in the safetensors header.

    Raises:
        SerializationError: If the format has no such dtype (for example ``complex128``).

    Example:
        >>> import numpy as np
        >>> dtype_name(np.float32)
        'F32'
    """
    dt = np.dtype(dtype).newbyteorder("=") if np.dtype(dtype).byteorder == ">" else np.dtype(dtype)
    try:
        return _DTYPE_TO_NAME[dt]
    except KeyError:
        raise SerializationError(
            f"safetensors: dtype {np.dtype(dtype).name} cannot be stored; the format supports "
            f"{', '.join(sorted(str(d) for d in _DTYPE_TO_NAME))}"
        ) from None


def numpy_dtype(name: str) -> np.dtype:
    """Return the numpy dtype of a safetensors dtype name (``"BF16"`` -> ``bfloat16``).

    Args:
        name: A dtype name from a safetensors header.

    Returns:
        The numpy dtype (``ml_dtypes`` types for BF16 and the 8-bit floats).

    Raises:
        SerializationError: If the name is not one of :data:`SUPPORTED_DTYPES`.

    Example:
        >>> numpy_dtype("I64")
        dtype('int64')
    """
    try:
        return _NAME_TO_DTYPE[name]
    except (KeyError, TypeError):
        raise SerializationError(
            f"safetensors: unknown dtype {name!r}; expected one of {', '.join(SUPPORTED_DTYPES)}"
        ) from None


def _host_arrays(arrays: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Bring every value to a C-contiguous little-endian numpy array (one device_get for jax)."""
    import jax

    jax_names = [k for k, v in arrays.items() if isinstance(v, jax.Array)]
    try:
        values = jax.device_get([arrays[k] for k in jax_names])
    except Exception as exc:
        raise SerializationError(
            f"safetensors.write: cannot fetch the values of {', '.join(map(repr, jax_names))} "
            f"from their devices ({type(exc).__name__}: {str(exc).splitlines()[0]}); traced "
            "values inside jit/grad, and deleted or donated arrays, cannot be saved"
        ) from exc
    fetched = dict(zip(jax_names, values, strict=True))
    out: dict[str, np.ndarray] = {}
    for key, value in arrays.items():
        if not isinstance(key, str):
            raise SerializationError(
                f"safetensors.write: tensor names must be str, got {type(key).__name__} {key!r}"
            )
        if key == "__metadata__":
            raise SerializationError(
                "safetensors.write: '__metadata__' is reserved by the format and cannot name "
                "a tensor"
            )
        arr = fetched.get(key, value)
        try:
            arr = np.asarray(arr)
        except Exception as exc:
            raise SerializationError(
                f"safetensors.write: tensor {key!r} is a {type(value).__name__}, expected an "
                f"array ({exc})"
            ) from exc
        if arr.dtype == object:
            raise SerializationError(
                f"safetensors.write: tensor {key!r} is a {type(value).__name__} of Python "
                "objects, expected a numeric array"
            )
        try:
            dtype_name(arr.dtype)
        except SerializationError as exc:
            raise SerializationError(f"safetensors.write: tensor {key!r}: {exc}") from None
        if arr.dtype.byteorder == ">":
            arr = arr.astype(arr.dtype.newbyteorder("<"))
        out[key] = np.asarray(arr, order="C")  # keeps 0-d arrays 0-d
    return out


def _header_bytes(
    arrays: Mapping[str, np.ndarray], order: Iterable[str], metadata: Mapping[str, str] | None
) -> bytes:
    header: dict[str, Any] = {}
    if metadata is not None:
        meta: dict[str, str] = {}
        for k, v in metadata.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise SerializationError(
                    "safetensors.write: metadata must map str to str, got "
                    f"{type(k).__name__} {k!r}: {type(v).__name__}"
                )
            meta[k] = v
        header["__metadata__"] = meta
    offset = 0
    for name in order:
        arr = arrays[name]
        header[name] = {
            "dtype": dtype_name(arr.dtype),
            "shape": [int(s) for s in arr.shape],
            "data_offsets": [offset, offset + arr.nbytes],
        }
        offset += arr.nbytes
    raw = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return raw + b" " * (-len(raw) % 8)


def _order(arrays: Mapping[str, np.ndarray]) -> list[str]:
    # Largest elements first (then by name), as the reference writer does: with the header padded
    # to 8 bytes every tensor then starts at a multiple of its own element size.
    return sorted(arrays, key=lambda n: (-arrays[n].dtype.itemsize, n))


def _write_data(f: BinaryIO, arrays: Mapping[str, np.ndarray], order: Iterable[str]) -> None:
    for name in order:
        arr = arrays[name]
        if arr.nbytes == 0:
            continue
        flat = memoryview(arr.reshape(-1).view(np.uint8))
        for start in range(0, len(flat), _CHUNK):
            f.write(flat[start : start + _CHUNK])


def _write_host(
    f: BinaryIO, arrays: Mapping[str, np.ndarray], metadata: Mapping[str, str] | None
) -> None:
    order = _order(arrays)
    header = _header_bytes(arrays, order, metadata)
    f.write(len(header).to_bytes(8, "little"))
    f.write(header)
    _write_data(f, arrays, order)


def _write_checked(
    f: BinaryIO,
    arrays: Mapping[str, np.ndarray],
    checksum: Callable[[np.ndarray], int],
    metadata_for: Callable[[Mapping[str, int]], Mapping[str, str]],
) -> None:
    """Write like :func:`write`, with metadata that depends on every tensor's checksum.

    The checksums are computed in a background thread while the data is written (CRC-32
    releases the GIL), then the header is written over a placeholder of the same length, so
    checksumming costs almost no extra time. ``metadata_for`` must give metadata of the same
    JSON length whatever the checksums are (fixed-width digits); ``f`` must be seekable.
    """
    order = _order(arrays)
    with ThreadPoolExecutor(max_workers=1) as pool:
        futures = [pool.submit(checksum, arrays[name]) for name in order]
        try:
            draft = _header_bytes(arrays, order, metadata_for(dict.fromkeys(order, 0)))
            begin = f.tell()
            f.write(len(draft).to_bytes(8, "little"))
            f.write(draft)
            _write_data(f, arrays, order)
            sums = {name: fut.result() for name, fut in zip(order, futures, strict=True)}
        finally:
            for fut in futures:
                fut.cancel()
    header = _header_bytes(arrays, order, metadata_for(sums))
    if len(header) != len(draft):  # pragma: no cover - metadata_for breaks its contract
        raise SerializationError("safetensors.write: checksummed header changed length")
    end = f.tell()
    f.seek(begin + 8)
    f.write(header)
    f.seek(end)


def write(
    f: BinaryIO, arrays: Mapping[str, Any], metadata: Mapping[str, str] | None = None
) -> None:
    """Write ``arrays`` to the binary file ``f`` in the safetensors format.

    Tensors are laid out largest element size first, then by name (the reference writer's
    order), so every tensor is aligned to its element size. Arrays are streamed in chunks from
    their own memory: no copy of the whole file is built.

    Args:
        f: A binary file object open for writing (for example from
            :func:`~rustorch_fx.serialization.atomic_write`).
        arrays: Tensor name to array: numpy arrays, jax arrays (fetched from their devices
            together, once), or anything ``numpy.asarray`` accepts.
        metadata: Optional ``__metadata__``: a mapping of str to str.

    Raises:
        SerializationError: If a name is not a str or is ``"__metadata__"``, a value is not a
            numeric array, its dtype has no safetensors name (for example complex128), or the
            metadata is not str to str.

    Example:
        >>> import io
        >>> import numpy as np
        >>> buf = io.BytesIO()
        >>> write(buf, {"w": np.ones((2, 3), np.float32)}, {"format": "np"})
        >>> arrays, meta = read(buf.getvalue())
        >>> arrays["w"].shape, meta
        ((2, 3), {'format': 'np'})
    """
    _write_host(f, _host_arrays(arrays), metadata)


def _fail(op: str, where: str, message: str) -> SerializationError:
    return SerializationError(f"{op}({where}): {message}")


def _parse_header(
    head: bytes | memoryview, size: int, op: str, where: str
) -> tuple[int, list[tuple[str, np.dtype, tuple[int, ...], int, int]], dict[str, str]]:
    """Validate the header; return (data start, [(name, dtype, shape, begin, end)], metadata)."""
    expected = "expected a safetensors file (8-byte header length, JSON header, tensor data)"
    if size < 8:
        raise _fail(
            op, where, f"file is {size} bytes, too short for a safetensors header; {expected}"
        )
    if bytes(head[:4]) == _ZIP_MAGIC:
        raise _fail(
            op,
            where,
            f"this is a zip archive (PyTorch's torch.save format?), not safetensors; {expected}; "
            "use compat.load for .pt files",
        )
    n = int.from_bytes(bytes(head[:8]), "little")
    if n > _MAX_HEADER:
        raise _fail(op, where, f"header length {n} exceeds the format's limit; {expected}")
    if 8 + n > size:
        raise _fail(
            op,
            where,
            f"header length {n} runs past the end of the {size}-byte file (truncated?); {expected}",
        )
    if len(head) < 8 + n:
        raise _fail(op, where, "the file shrank while its header was read")
    try:
        text = bytes(head[8 : 8 + n]).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _fail(op, where, f"header is not valid UTF-8 ({exc.reason}); {expected}") from None

    def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in pairs:
            if k in out:
                raise ValueError(f"duplicate key {k!r}")
            out[k] = v
        return out

    try:
        header = json.loads(text, object_pairs_hook=_no_duplicates)
    except (ValueError, RecursionError) as exc:
        raise _fail(op, where, f"header is not valid JSON ({exc}); {expected}") from None
    if not isinstance(header, dict):
        raise _fail(op, where, f"header is a JSON {type(header).__name__}, expected an object")
    meta = header.pop("__metadata__", None)
    if meta is None:
        meta = {}
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        raise _fail(op, where, "'__metadata__' must be an object of strings")
    data_size = size - 8 - n
    entries: list[tuple[str, np.dtype, tuple[int, ...], int, int]] = []
    for name, info in header.items():
        bad = f"tensor {name!r}:"
        if not isinstance(info, dict):
            raise _fail(op, where, f"{bad} entry is {type(info).__name__}, expected an object")
        missing = [k for k in ("dtype", "shape", "data_offsets") if k not in info]
        if missing:
            raise _fail(op, where, f"{bad} entry lacks {', '.join(missing)}")
        dt_name = info["dtype"]
        if not isinstance(dt_name, str) or dt_name not in _NAME_TO_DTYPE:
            raise _fail(
                op,
                where,
                f"{bad} unknown dtype {dt_name!r}; supported: {', '.join(SUPPORTED_DTYPES)}",
            )
        shape = info["shape"]
        if not isinstance(shape, list) or not all(type(d) is int and d >= 0 for d in shape):
            raise _fail(op, where, f"{bad} shape {shape!r} is not a list of non-negative ints")
        offsets = info["data_offsets"]
        if (
            not isinstance(offsets, list)
            or len(offsets) != 2
            or not all(type(o) is int and o >= 0 for o in offsets)
        ):
            raise _fail(
                op, where, f"{bad} data_offsets {offsets!r} is not a pair of non-negative ints"
            )
        begin, end = offsets
        dtype = _NAME_TO_DTYPE[dt_name]
        nbytes = math.prod(shape) * dtype.itemsize
        if end - begin != nbytes:
            raise _fail(
                op,
                where,
                f"{bad} data_offsets [{begin}, {end}] hold {end - begin} bytes, but shape "
                f"{tuple(shape)} of {dt_name} needs {nbytes}",
            )
        if end > data_size:
            raise _fail(
                op,
                where,
                f"{bad} data_offsets [{begin}, {end}] run past the {data_size}-byte data area "
                "(truncated file?)",
            )
        entries.append((name, dtype, tuple(shape), begin, end))
    entries.sort(key=lambda e: (e[3], e[4]))
    position = 0
    for name, _, _, begin, end in entries:
        if begin != position:
            what = "overlaps the previous tensor" if begin < position else "leaves a gap before it"
            raise _fail(
                op, where, f"tensor {name!r}: data_offsets [{begin}, {end}] {what} (at {position})"
            )
        position = end
    if position != data_size:
        raise _fail(
            op,
            where,
            f"tensors cover {position} bytes but the data area has {data_size} "
            "(trailing bytes or a wrong header)",
        )
    return 8 + n, entries, meta


def read(
    source: str | os.PathLike[str] | bytes | bytearray | memoryview, *, mmap: bool = True
) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Read and validate a safetensors file; return its arrays and its metadata.

    Everything is checked before any array is made: the header length lies within the file,
    the header is a JSON object, each entry has a known dtype, a shape of non-negative ints and
    offsets that match ``prod(shape) * itemsize``, and the tensors are contiguous, do not
    overlap and cover the data area exactly.

    Args:
        source: A path, or the file's bytes.
        mmap: With a path, return read-only ``numpy.memmap`` views over the file: nothing is
            read until an array is used (large files load lazily). With bytes, return read-only
            views of those bytes (no copy). If False, every array is a fresh writable copy.

    Returns:
        ``(arrays, metadata)``: tensor name to numpy array (in file order), and the
        ``__metadata__`` strings (empty if the file has none).

    Raises:
        SerializationError: If the file is missing, a directory, unreadable, truncated or not
            valid safetensors; the message names the file, the tensor and what was wrong.

    Example:
        >>> import io
        >>> import numpy as np
        >>> buf = io.BytesIO()
        >>> write(buf, {"b": np.arange(3, dtype=np.int64)})
        >>> arrays, _ = read(buf.getvalue(), mmap=False)
        >>> arrays["b"]
        array([0, 1, 2])
    """
    return _read(source, mmap=mmap, op="safetensors.read")


def _read(
    source: str | os.PathLike[str] | bytes | bytearray | memoryview, *, mmap: bool, op: str
) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    if isinstance(source, bytes | bytearray | memoryview):
        buf = memoryview(source).cast("B")
        where = f"<{len(buf)} bytes>"
        start, entries, meta = _parse_header(buf, len(buf), op, where)
        base = np.frombuffer(buf, dtype=np.uint8)
        arrays = {}
        for name, dtype, shape, begin, end in entries:
            view = base[start + begin : start + end].view(dtype).reshape(shape)
            if mmap:
                view.flags.writeable = False
                arrays[name] = view
            else:
                arrays[name] = view.copy()
        return arrays, meta
    try:
        path = os.fspath(source)
    except TypeError:
        raise SerializationError(
            f"{op}: expected a path or bytes, got {type(source).__name__}"
        ) from None
    where = repr(path)
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            head = f.read(8)
            if len(head) == 8:
                n = int.from_bytes(head, "little")
                if n <= _MAX_HEADER and 8 + n <= size:
                    head += f.read(n)
            start, entries, meta = _parse_header(head, size, op, where)
            if mmap and size > start:
                mapped = np.memmap(path, dtype=np.uint8, mode="r")
                return {
                    name: mapped[start + begin : start + end].view(dtype).reshape(shape)
                    for name, dtype, shape, begin, end in entries
                }, meta
            arrays = {}
            for name, dtype, shape, begin, end in entries:
                arr = np.empty(shape, dtype)
                f.seek(start + begin)
                got = f.readinto(memoryview(arr.reshape(-1).view(np.uint8))) if end > begin else 0
                if got != end - begin:
                    raise _fail(op, where, f"tensor {name!r}: file changed while reading")
                if mmap:
                    arr.flags.writeable = False
                arrays[name] = arr
            return arrays, meta
    except FileNotFoundError:
        raise _fail(op, where, "no such file; expected a safetensors file") from None
    except IsADirectoryError:
        raise _fail(op, where, "is a directory; expected a safetensors file") from None
    except PermissionError as exc:
        raise _fail(op, where, f"permission denied ({exc.strerror})") from None
    except OSError as exc:
        raise _fail(op, where, f"cannot read ({exc.strerror or exc})") from None
