"""Atomic, durable file writes: the one helper every saver in the library uses."""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from collections.abc import Iterator
from typing import IO

from rustorch_fx.errors import SerializationError


def _keep_old(path: str) -> str | None:
    """A second name for the file at ``path``, so the rename does not have to free its blocks.

    Freeing a large file's blocks (which ``os.replace`` does when it drops the last name of the
    old file) takes tens of milliseconds; with a second name, the rename only drops a link and
    the blocks are freed on a helper thread afterwards.
    """
    if not os.path.isfile(path):
        return None
    old = f"{path}.{os.getpid()}.{threading.get_ident()}.old"
    try:
        os.link(path, old)
    except OSError:  # no hard links here (some filesystems): rename frees the blocks itself
        return None
    return old


def _discard_later(old: str) -> None:
    # not a daemon: the interpreter waits for it at exit, so no .old file is left behind
    threading.Thread(target=_unlink_quietly, args=(old,), name="atomic_write-discard").start()


def _unlink_quietly(old: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(old)


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], op: str = "save") -> Iterator[IO[bytes]]:
    """Open a temporary file next to ``path``; on success make it ``path`` atomically.

    The data goes to a temporary file in the same directory, which is flushed and fsync'ed and
    then renamed over ``path`` (an atomic replace on POSIX and Windows); the directory is fsync'ed
    too where the platform allows it. If the block raises, or the process dies before the rename,
    ``path`` keeps its previous content and the temporary file is removed (or, after a crash,
    left as a ``.<name>.*.tmp`` file that is never read).

    Args:
        path: The destination file.
        op: The public operation's name, used in error messages.

    Yields:
        A binary file object open for writing.

    Raises:
        SerializationError: If the directory does not exist or cannot be written.

    Example:
        >>> with atomic_write("/tmp/example.bin") as f:  # doctest: +SKIP
        ...     _ = f.write(b"data")
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(
            prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory
        )
    except OSError as exc:
        raise SerializationError(f"{op}: cannot write {path!r}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        old = _keep_old(path)
        os.replace(tmp, path)
        if old is not None:
            _discard_later(old)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if hasattr(os, "O_DIRECTORY"):  # make the rename itself durable
        with contextlib.suppress(OSError):
            dfd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
