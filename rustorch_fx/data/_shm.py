"""Moving a batch's arrays between processes through POSIX shared memory, not pickles.

A worker packs every array of a batch above a small size into one shared-memory segment (the
``/dev/shm`` objects that :mod:`multiprocessing.shared_memory` uses) and sends only a
description of it. The main process maps the segment, removes its name at once and views the
arrays in place: the mapping lives exactly as long as the last array (or JAX buffer) that
views it, and nothing is left behind if a process dies. The segments are opened directly
rather than through ``SharedMemory`` so that their lifetime follows the arrays' reference
counts and no resource-tracker process is involved.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import mmap
import os
import secrets
import tempfile
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__: list[str] = []

_DIR = "/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir()
_PREFIX = "rtfx_data"
_ALIGN = 64
#: Arrays smaller than this are pickled with the message (a segment costs a few syscalls).
MIN_BYTES = 4096
_counter = itertools.count()


@dataclass(frozen=True)
class SharedArray:
    """Where an array lies: its segment (name and size), offset, shape and dtype."""

    segment: str
    segment_bytes: int
    offset: int
    shape: tuple[int, ...]
    dtype: str


@dataclass(frozen=True)
class SharedBatch:
    """A batch whose large arrays lie in shared segments (``SharedArray`` leaves)."""

    segments: tuple[str, ...]
    tree: Any


def _path(name: str) -> str:
    return os.path.join(_DIR, name)


def _map(tree: Any, fn: Any) -> Any:
    if isinstance(tree, dict):
        out = {k: _map(v, fn) for k, v in tree.items()}
        try:
            return type(tree)(out)
        except TypeError:
            return out
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):
        return type(tree)(*(_map(v, fn) for v in tree))
    if type(tree) in (list, tuple):
        return type(tree)(_map(v, fn) for v in tree)
    return fn(tree)


def _shareable(x: Any) -> bool:
    return type(x) is np.ndarray and x.dtype.kind in "biufc" and x.nbytes >= MIN_BYTES


# Segments this process allocated with shared_empty and has not sent yet: id(mmap) -> name.
_allocated: dict[int, tuple[str, int]] = {}
_allocate_shared = False


def enable_shared_allocation() -> None:
    """Let :func:`empty` allocate large arrays in shared memory (called in a worker)."""
    global _allocate_shared
    _allocate_shared = True


def _create(nbytes: int) -> tuple[str, mmap.mmap]:
    name = f"{_PREFIX}_{os.getpid()}_{next(_counter)}_{secrets.token_hex(4)}"
    fd = os.open(_path(name), os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.ftruncate(fd, max(nbytes, 1))
        mm = mmap.mmap(fd, max(nbytes, 1))
    finally:
        os.close(fd)
    return name, mm


def empty(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """A new 64-byte-aligned array; in a worker, a large one lies in its own shared segment.

    A batch collated into such an array is sent to the main process without another copy
    (as torch's workers collate straight into shared memory). Elsewhere the array is ordinary
    process memory, aligned so that ``jax.device_put`` on CPU can use it without a copy.
    """
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if _allocate_shared and nbytes >= MIN_BYTES:
        name, mm = _create(nbytes)
        _allocated[id(mm)] = (name, nbytes)
        return np.ndarray(shape, dtype, buffer=mm)
    raw = np.empty(nbytes + _ALIGN, np.uint8)
    offset = (-raw.ctypes.data) % _ALIGN
    return raw[offset : offset + nbytes].view(dtype).reshape(shape)


def release_unsent() -> None:
    """Remove the segments :func:`empty` allocated that no sent batch refers to."""
    for name, _ in _allocated.values():
        with contextlib.suppress(FileNotFoundError):
            os.unlink(_path(name))
    _allocated.clear()


def _in_own_segment(x: np.ndarray) -> tuple[str, int] | None:
    base = x.base
    if isinstance(base, mmap.mmap) and id(base) in _allocated and x.flags.c_contiguous:
        name, nbytes = _allocated[id(base)]
        if x.nbytes == nbytes and x.ctypes.data == np.frombuffer(base, np.uint8, 1).ctypes.data:
            return name, nbytes
    return None


def pack(tree: Any) -> Any:
    """Describe the large numeric arrays of ``tree`` by where they lie in shared memory.

    Arrays already in a segment of their own (from :func:`empty`) are described in place;
    the others are copied into one new segment.

    Args:
        tree: A batch: dicts, lists, tuples, namedtuples of arrays and other values.

    Returns:
        A :class:`SharedBatch` (or ``tree`` itself when it holds no large array).
    """
    placed: dict[int, SharedArray] = {}
    to_copy: list[np.ndarray] = []

    def collect(x: Any) -> Any:
        if _shareable(x) and id(x) not in placed:
            own = _in_own_segment(x)
            if own is not None:
                placed[id(x)] = SharedArray(own[0], own[1], 0, tuple(x.shape), x.dtype.str)
            else:
                to_copy.append(x)
                placed[id(x)] = None  # type: ignore[assignment]
        return x

    _map(tree, collect)
    if not placed:
        return tree
    segments = {p.segment for p in placed.values() if p is not None}
    if to_copy:
        total, offsets = 0, []
        for a in to_copy:
            offsets.append(total)
            total += -(-a.nbytes // _ALIGN) * _ALIGN
        name, mm = _create(total)
        try:
            for a, off in zip(to_copy, offsets, strict=True):
                view = np.ndarray(a.shape, a.dtype, buffer=mm, offset=off)
                view[...] = a
                del view
        except BaseException:
            mm.close()
            os.unlink(_path(name))
            raise
        mm.close()
        segments.add(name)
        for a, off in zip(to_copy, offsets, strict=True):
            placed[id(a)] = SharedArray(name, total, off, tuple(a.shape), a.dtype.str)
    for x in list(_allocated):
        if _allocated[x][0] in segments:
            del _allocated[x]

    def describe(x: Any) -> Any:
        return placed[id(x)] if _shareable(x) else x

    return SharedBatch(tuple(sorted(segments)), _map(tree, describe))


def unpack(message: Any) -> Any:
    """Map a :class:`SharedBatch`'s segments, unlink their names, view the arrays in place.

    Args:
        message: What :func:`pack` returned.

    Returns:
        The batch, its large arrays viewing the shared segments (writable).
    """
    if not isinstance(message, SharedBatch):
        return message
    maps: dict[str, mmap.mmap] = {}

    def view(x: Any) -> Any:
        if not isinstance(x, SharedArray):
            return x
        mm = maps.get(x.segment)
        if mm is None:
            path = _path(x.segment)
            fd = os.open(path, os.O_RDWR)
            try:
                mm = maps[x.segment] = mmap.mmap(fd, max(x.segment_bytes, 1))
            finally:
                os.close(fd)
                os.unlink(path)
        return np.ndarray(x.shape, np.dtype(x.dtype), buffer=mm, offset=x.offset)

    return _map(message.tree, view)


def discard(message: Any) -> None:
    """Remove the segment of a batch that will not be used."""
    if isinstance(message, SharedBatch):
        for name in message.segments:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(_path(name))


def remove_leftovers(pid: int) -> int:
    """Remove the segments a (dead or finished) process ``pid`` created and nobody took.

    Args:
        pid: The worker's process id.

    Returns:
        How many segments were removed.
    """
    count = 0
    for path in glob.glob(_path(f"{_PREFIX}_{pid}_*")):
        try:
            os.unlink(path)
            count += 1
        except FileNotFoundError:
            pass
    return count
