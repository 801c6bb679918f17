"""What runs in a DataLoader worker process, and the fetching both processes share.

A worker never touches JAX (it may be a fork of a process where JAX is running, and JAX is
not fork-safe): it indexes the dataset, collates to numpy and sends the batch back through
shared memory. Its messages to the main process are ``(task, status, payload)`` tuples.
"""

from __future__ import annotations

import gc
import os
import random
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from rustorch_fx.data import _shm
from rustorch_fx.errors import DataError, InvalidArgumentError

__all__ = ["WorkerInfo", "get_worker_info", "SkippedSample"]

_PARENT_CHECK_S = 1.0


class WorkerInfo:
    """What a worker process knows about itself (``get_worker_info()`` in a worker).

    Attributes:
        id: The worker's id, in ``[0, num_workers)``.
        num_workers: The number of workers.
        seed: The seed of this worker (the loader's base seed plus ``id``); Python's
            ``random`` and numpy's global generator are seeded from it.
        dataset: This worker's copy of the dataset.

    Raises:
        InvalidArgumentError: On an attempt to set an attribute (the info is read-only).

    Example:
        >>> info = WorkerInfo(id=0, num_workers=2, seed=7, dataset=None)
        >>> info.id, info.num_workers
        (0, 2)
    """

    __initialized = False

    def __init__(self, **kwargs: Any) -> None:
        for k, v in kwargs.items():
            setattr(self, k, v)
        self.__keys = tuple(kwargs)
        self.__initialized = True

    def __setattr__(self, key: str, val: Any) -> None:
        if self.__initialized:
            raise InvalidArgumentError(f"Cannot assign attributes to {type(self).__name__} objects")
        super().__setattr__(key, val)

    def __repr__(self) -> str:
        items = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__keys)
        return f"{type(self).__name__}({items})"


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """Return this worker's :class:`WorkerInfo`, or None in the main process.

    An ``IterableDataset`` calls it in ``__iter__`` to yield only its share of the data.

    Returns:
        The info in a DataLoader worker, None elsewhere.

    Example:
        >>> get_worker_info() is None  # in the main process
        True
    """
    return _worker_info


class SkippedSample(NamedTuple):
    """A sample that the ``on_error="skip"`` policy left out of its batch.

    Attributes:
        index: The sample's index (None for an iterable dataset's sample).
        worker_id: The worker that tried to load it (None in the main process).
        error: ``"ExceptionType: message"`` of the failure.

    Example:
        >>> SkippedSample(index=4, worker_id=1, error="KeyError: 4").index
        4
    """

    index: Any
    worker_id: int | None
    error: str


@dataclass
class Failure:
    """A failure to load or collate, as it travels from a worker (picklable)."""

    index: Any
    worker_id: int | None
    error_type: str
    message: str
    traceback: str
    exception: BaseException | None = None

    def to_error(self) -> DataError:
        where = f"worker {self.worker_id}" if self.worker_id is not None else "the main process"
        what = f"sample {self.index!r}" if self.index is not None else "data"
        err = DataError(
            f"DataLoader: {where} failed to load {what}: {self.error_type}: {self.message}\n\n"
            f"Original traceback in {where}:\n{self.traceback}",
            index=self.index,
            worker_id=self.worker_id,
            original_traceback=self.traceback,
        )
        return err


def _failure(exc: BaseException, index: Any, worker_id: int | None) -> Failure:
    import pickle

    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    try:
        pickle.loads(pickle.dumps(exc))
        carried: BaseException | None = exc
    except Exception:
        carried = None
    return Failure(index, worker_id, type(exc).__name__, str(exc), tb, carried)


class _DataFailed(Exception):
    """Raised by :class:`Fetcher` with the :class:`Failure` that describes it."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.message)
        self.failure = failure


@dataclass
class Fetcher:
    """Loads one batch (or one sample) by index: dataset access, skip policy, collate.

    Attributes:
        dataset: The dataset.
        iterable: Whether it is an ``IterableDataset``.
        auto_collation: Whether indices come in lists (a batch sampler).
        collate_fn: The collate (or convert) function.
        drop_last: For iterable datasets: drop a short last batch.
        skip: The ``on_error="skip"`` policy.
        worker_id: The worker id, or None in the main process.
    """

    dataset: Any
    iterable: bool
    auto_collation: bool
    collate_fn: Callable[[Any], Any]
    drop_last: bool
    skip: bool
    worker_id: int | None = None
    _iterator: Iterator[Any] | None = field(default=None, init=False)
    skipped: list[SkippedSample] = field(default_factory=list, init=False)

    def reset(self) -> None:
        self._iterator = None

    def _note(self, exc: BaseException, index: Any) -> None:
        if not self.skip:
            raise _DataFailed(_failure(exc, index, self.worker_id)) from exc
        self.skipped.append(SkippedSample(index, self.worker_id, f"{type(exc).__name__}: {exc}"))

    def _one(self, index: Any) -> tuple[bool, Any]:
        try:
            return True, self.dataset[index]
        except Exception as exc:
            self._note(exc, index)
            return False, None

    def _samples(self, indices: Sequence[Any]) -> list[Any]:
        getitems = getattr(self.dataset, "__getitems__", None)
        if callable(getitems):
            try:
                return getitems(list(indices))
            except Exception:  # find the failing sample(s) one by one
                pass
        dataset, out = self.dataset, []
        append = out.append
        rest = iter(indices)
        while True:  # one tight loop; a failing sample is noted and the loop resumes after it
            index = None
            try:
                for index in rest:
                    append(dataset[index])
                return out
            except Exception as exc:
                self._note(exc, index)

    def _next_iterable(self, count: int | None) -> Any:
        if self._iterator is None:
            self._iterator = iter(self.dataset)
        if count is None:
            while True:
                try:
                    return next(self._iterator)
                except StopIteration:
                    raise
                except Exception as exc:
                    self._note(exc, None)
        data: list[Any] = []
        while len(data) < count:
            try:
                data.append(next(self._iterator))
            except StopIteration:
                break
            except Exception as exc:
                self._note(exc, None)
        if not data or (self.drop_last and len(data) < count):
            raise StopIteration
        return data

    def fetch(self, index: Any, batch_size: int | None = None) -> tuple[bool, Any]:
        """Load the batch (or sample) at ``index``.

        Returns:
            ``(True, data)``, or ``(False, None)`` when every sample was skipped.

        Raises:
            StopIteration: When an iterable dataset is exhausted.
            _DataFailed: When loading or collating fails (and skipping is off or impossible).
        """
        if self.iterable:
            data = self._next_iterable(batch_size if self.auto_collation else None)
        elif self.auto_collation:
            data = self._samples(index)
            if not data:
                return False, None
        else:
            ok, data = self._one(index)
            if not ok:
                return False, None
        try:
            return True, self.collate_fn(data)
        except Exception as exc:
            raise _DataFailed(_failure(exc, index, self.worker_id)) from exc


def _detach_from_jax() -> None:
    # A forked worker inherits JAX's garbage-collection hook, which calls into the XLA runtime
    # (not fork-safe); the worker never holds JAX arrays of its own, so drop the hook.
    gc.callbacks[:] = [
        cb for cb in gc.callbacks if not getattr(cb, "__module__", "").startswith(("jax", "jaxlib"))
    ]


def _seed_worker(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % (1 << 32))


def worker_loop(
    fetcher: Fetcher,
    batch_size: int | None,
    index_conn: Any,
    result_conn: Any,
    seed: int,
    worker_id: int,
    num_workers: int,
    init_fn: Callable[[int], None] | None,
    parent: int | None = None,
) -> None:
    """The body of a worker process: fetch what the main process asks for until told to stop.

    ``parent`` is the pid of the process that started this worker, read there before the
    start (None where a fork server starts it, which then is the parent). Comparing against a
    pid read in the worker instead would miss a main process that died before the worker got
    that far: the worker would read its new parent (init) and never notice.

    Messages in: ``(task, index)``, ``("resume", None)`` (start a new epoch of an iterable
    dataset) or None (stop). Messages out: ``(task, "ok", batch, skipped)``,
    ``(task, "skip", None, skipped)``, ``(task, "end", None, skipped)``,
    ``(task, "error", Failure, skipped)`` and ``("resume", "ack", None, [])``.
    """
    global _worker_info
    if parent is None:
        parent = os.getppid()
    _watch_parent(parent)
    _detach_from_jax()
    _shm.enable_shared_allocation()
    _seed_worker(seed)
    _worker_info = WorkerInfo(
        id=worker_id, num_workers=num_workers, seed=seed, dataset=fetcher.dataset
    )
    fetcher.worker_id = worker_id
    init_failure = None
    if init_fn is not None:
        try:
            init_fn(worker_id)
        except Exception as exc:
            init_failure = _failure(exc, None, worker_id)
    ended = False
    try:
        while True:
            try:
                if not index_conn.poll(_PARENT_CHECK_S):
                    if os.getppid() != parent:  # the main process is gone
                        return
                    continue
                message = index_conn.recv()
            except (EOFError, OSError):  # the main process closed the pipe
                return
            if message is None:
                return
            task, index = message
            if task == "resume":
                fetcher.reset()
                ended = False
                result_conn.send(("resume", "ack", None, []))
                continue
            if init_failure is not None:
                result_conn.send((task, "error", init_failure, []))
                continue
            if ended:
                result_conn.send((task, "end", None, []))
                continue
            status, payload = _run(fetcher, index, batch_size)
            _shm.release_unsent()
            ended = status == "end"
            skipped, fetcher.skipped = fetcher.skipped, []
            result_conn.send((task, status, payload, skipped))
            del payload
    except (BrokenPipeError, EOFError, KeyboardInterrupt):
        return
    finally:
        _shm.remove_leftovers(os.getpid())


def _watch_parent(parent: int) -> None:
    """Exit this worker soon after the main process dies, whatever its main thread is doing.

    The fetch loop also checks, but only between messages; a worker stuck in a dataset's
    ``__getitem__`` (or in a lock inherited through ``fork``) would otherwise outlive its parent.
    """

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                _shm.remove_leftovers(os.getpid())
                os._exit(0)
            time.sleep(_PARENT_CHECK_S)

    threading.Thread(target=watch, name="rustorch_fx-worker-watchdog", daemon=True).start()


def _run(fetcher: Fetcher, index: Any, batch_size: int | None) -> tuple[str, Any]:
    try:
        ok, data = fetcher.fetch(index, batch_size)
    except StopIteration:
        return "end", None
    except _DataFailed as failed:
        return "error", failed.failure
    except Exception as exc:  # a failure outside the dataset (e.g. the skip bookkeeping)
        return "error", _failure(exc, index, fetcher.worker_id)
    if not ok:
        return "skip", None
    try:
        return "ok", _shm.pack(data)
    except Exception as exc:
        return "error", _failure(exc, index, fetcher.worker_id)
