"""``DataLoader``: torch's signature and semantics, real worker processes, shared-memory batches.

The main process runs the sampler and hands each worker the indices of whole batches (at most
``prefetch_factor`` outstanding per worker), over one pipe per worker; each worker loads and
collates the batch to numpy and returns it through shared memory over its own pipe. Batches
are yielded in sampler order (``in_order=True``), so the sequence of batches for a given seed
is the same whatever ``num_workers`` is. The main process waits on the worker pipes *and* the
worker processes, so a worker that dies is noticed at once, not after a timeout.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import multiprocessing.connection
import numbers
import os
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from rustorch_fx.data import _shm
from rustorch_fx.data._collate import default_collate, default_convert
from rustorch_fx.data._dataset import IterableDataset
from rustorch_fx.data._random import as_rng
from rustorch_fx.data._sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler
from rustorch_fx.data._worker import (
    Failure,
    Fetcher,
    SkippedSample,
    _DataFailed,
    worker_loop,
)
from rustorch_fx.errors import ArgumentTypeError, DataError, InvalidArgumentError

__all__ = ["DataLoader"]

_SHUTDOWN_JOIN_S = 2.0


class _InfiniteConstantSampler(Sampler[None]):
    """The sampler of an iterable dataset: None forever (each worker iterates its own copy)."""

    def __iter__(self) -> Iterator[None]:
        while True:
            yield None


def _mp_context(value: Any, num_workers: int) -> Any:
    if value is None:
        return None
    if num_workers == 0:
        raise InvalidArgumentError(
            "multiprocessing_context can only be used with multi-process loading "
            f"(num_workers > 0), but got num_workers={num_workers}"
        )
    if isinstance(value, str):
        methods = multiprocessing.get_all_start_methods()
        if value not in methods:
            raise InvalidArgumentError(
                "multiprocessing_context option should specify a valid start method in "
                f"{methods!r}, but got multiprocessing_context={value!r}"
            )
        return multiprocessing.get_context(value)
    if not isinstance(value, multiprocessing.context.BaseContext):
        raise ArgumentTypeError(
            "multiprocessing_context option should be a valid context object or a string "
            f"specifying the start method, but got multiprocessing_context={value!r}"
        )
    return value


class DataLoader:
    """Batches of a dataset, loaded in this process or in worker processes, as torch's.

    Args:
        dataset: A map-style dataset (``__getitem__``/``__len__``, optionally
            ``__getitems__``) or an :class:`~rustorch_fx.data.IterableDataset`.
        batch_size: Samples per batch; None disables batching (each sample goes through
            ``default_convert``).
        shuffle: Reshuffle every epoch (a :class:`RandomSampler` using ``generator``).
        sampler: The indices to load (exclusive with ``shuffle``).
        batch_sampler: Lists of indices, one per batch (exclusive with ``batch_size``,
            ``shuffle``, ``sampler`` and ``drop_last``).
        num_workers: Worker processes; 0 loads in this process.
        collate_fn: Makes a batch from a list of samples (default :func:`default_collate`).
            With workers it runs in the worker and must not use JAX.
        pin_memory: Accepted for torch's API. JAX has no user-visible pinned memory: batches
            are host numpy arrays (in shared memory when they come from a worker) that
            ``jax.device_put`` (or :func:`~rustorch_fx.data.prefetch_to_device`) copies to the
            accelerator; the flag changes nothing.
        drop_last: Drop the last batch when it is short.
        timeout: Seconds to wait for a batch from the workers before raising
            :class:`~rustorch_fx.errors.DataError`; 0 waits as long as the workers are alive.
        worker_init_fn: Called in each worker with its id, after seeding, before loading.
        multiprocessing_context: ``"fork"``, ``"spawn"``, ``"forkserver"`` or a context; None
            is Python's default (fork on Linux, as torch). Workers never use JAX, so a fork of a
            process running JAX is safe as long as the dataset and ``collate_fn`` do not (the
            warning JAX gives on every fork is silenced for worker starts; workers also drop
            JAX's garbage-collection hook).
        generator: The randomness of shuffling and of the workers' base seed (see
            :func:`~rustorch_fx.data.as_rng`).
        prefetch_factor: Batches outstanding per worker (default 2 with workers).
        persistent_workers: Keep the workers alive between epochs.
        pin_memory_device: Accepted for torch's API (see ``pin_memory``).
        in_order: Yield batches in sampler order; False yields them as they arrive.
        on_error: ``"raise"`` (default): a sample that fails to load raises
            :class:`~rustorch_fx.errors.DataError` naming the sample and worker, with the
            original exception chained. ``"skip"``: such samples are left out of their batch
            (a batch left empty is dropped) and recorded in :attr:`skipped`.

    Attributes:
        skipped: The :class:`~rustorch_fx.data.SkippedSample` records of the current epoch
            (``on_error="skip"``), in the order they were met; reset at each ``iter()``.

    Raises:
        InvalidArgumentError: For the combinations torch rejects (each with torch's message).
        DataError: While iterating: a failed sample, a worker that died, a timeout, a
            worker that cannot start (e.g. an unpicklable dataset with ``"spawn"``).

    Example:
        >>> import numpy as np
        >>> from rustorch_fx.data import TensorDataset
        >>> ds = TensorDataset(np.arange(10.0).reshape(5, 2), np.arange(5))
        >>> [y.tolist() for _, y in DataLoader(ds, batch_size=2)]
        [[0, 1], [2, 3], [4]]
    """

    _initialized = False
    _FROZEN = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset")

    def __init__(
        self,
        dataset: Any,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Sampler[Any] | Iterable[Any] | None = None,
        batch_sampler: Sampler[Any] | Iterable[Any] | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[Any], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: Any = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
        on_error: str = "raise",
    ) -> None:
        if not isinstance(num_workers, numbers.Integral) or num_workers < 0:
            raise InvalidArgumentError(
                "num_workers option should be non-negative; use num_workers=0 to disable "
                "multiprocessing."
            )
        if timeout < 0:
            raise InvalidArgumentError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise InvalidArgumentError(
                "prefetch_factor option could only be specified in multiprocessing."
                "let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor "
                "to None."
            )
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        if prefetch_factor is not None and prefetch_factor < 0:
            raise InvalidArgumentError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise InvalidArgumentError("persistent_workers option needs num_workers > 0")
        if on_error not in ("raise", "skip"):
            raise InvalidArgumentError(
                f"DataLoader: on_error must be 'raise' or 'skip', got {on_error!r}"
            )
        iterable = isinstance(dataset, IterableDataset)
        if iterable:
            if shuffle not in (False, None):
                raise InvalidArgumentError(
                    "DataLoader with IterableDataset: expected unspecified shuffle option, "
                    f"but got shuffle={shuffle}"
                )
            if sampler is not None:
                raise InvalidArgumentError(
                    "DataLoader with IterableDataset: expected unspecified sampler option, "
                    f"but got sampler={sampler}"
                )
            if batch_sampler is not None:
                raise InvalidArgumentError(
                    "DataLoader with IterableDataset: expected unspecified batch_sampler "
                    f"option, but got batch_sampler={batch_sampler}"
                )
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise InvalidArgumentError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise InvalidArgumentError(
                    "batch_sampler option is mutually exclusive with batch_size, shuffle, "
                    "sampler, and drop_last"
                )
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise InvalidArgumentError(
                "batch_size=None option disables auto-batching and is mutually exclusive "
                "with drop_last"
            )
        self.dataset = dataset
        self.num_workers = int(num_workers)
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.generator = generator
        self._np_rng = self._init_generator(generator)
        self.multiprocessing_context = _mp_context(multiprocessing_context, self.num_workers)
        if sampler is None:
            if iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = self._random_sampler(dataset, generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self._iterable = iterable
        if collate_fn is None:
            collate_fn = (
                self._default_collate() if self._auto_collation else self._default_convert()
            )
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        self.on_error = on_error
        self.skipped: list[SkippedSample] = []
        self._workers: _Workers | None = None
        self._initialized = True

    # -- hooks compat overrides ---------------------------------------------------------------

    def _init_generator(self, generator: Any) -> np.random.Generator | None:
        return as_rng(generator, "DataLoader")

    def _random_sampler(self, dataset: Any, generator: Any) -> Sampler[int]:
        return RandomSampler(dataset, generator=generator)

    def _default_collate(self) -> Callable[[Any], Any]:
        return default_collate

    def _default_convert(self) -> Callable[[Any], Any]:
        return default_convert

    def _fetch_collate(self) -> Callable[[Any], Any]:
        """The collate run where the data is loaded (a worker: must produce numpy)."""
        return self.collate_fn

    def _convert(self, batch: Any) -> Any:
        """Turn a loaded batch into what the loader yields (main process)."""
        return batch

    def _before_workers(self) -> None:
        """Called in the main process just before worker processes start."""

    def _base_seed(self) -> int:
        rng = self._np_rng if self._np_rng is not None else np.random.default_rng()
        return int(rng.integers(0, 1 << 62))

    # -- torch's API --------------------------------------------------------------------------

    def __setattr__(self, attr: str, val: Any) -> None:
        if self._initialized and attr in self._FROZEN:
            raise InvalidArgumentError(
                f"{attr} attribute should not be set after {type(self).__name__} is initialized"
            )
        super().__setattr__(attr, val)

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self) -> Any:
        return self.batch_sampler if self._auto_collation else self.sampler

    def __len__(self) -> int:
        if self._iterable:
            n = len(self.dataset)
            if self.batch_size is not None:
                n = n // self.batch_size if self.drop_last else -(-n // self.batch_size)
            return n
        return len(self._index_sampler)

    def __iter__(self) -> Iterator[Any]:
        self.skipped = []
        if self.num_workers == 0:
            return _SingleProcessIter(self)
        return _MultiProcessIter(self)

    def _acquire_workers(self, base_seed: int) -> _Workers:
        if self.persistent_workers and self._workers is not None and self._workers.alive():
            self._workers.resume()
            return self._workers
        self._before_workers()
        workers = _Workers(self, base_seed)
        if self.persistent_workers:
            self._workers = workers
        return workers

    def _fetcher(self) -> Fetcher:
        return Fetcher(
            dataset=self.dataset,
            iterable=self._iterable,
            auto_collation=self._auto_collation,
            collate_fn=self._fetch_collate(),
            drop_last=self.drop_last,
            skip=self.on_error == "skip",
        )

    def __del__(self) -> None:
        workers = self.__dict__.get("_workers")
        if workers is not None:
            workers.shutdown()


class _BaseIter:
    def __init__(self, loader: DataLoader) -> None:
        self._loader = loader
        self._sampler_iter = iter(loader._index_sampler)
        self._base_seed = loader._base_seed()

    def __iter__(self) -> _BaseIter:
        return self

    def __len__(self) -> int:
        return len(self._loader)


class _SingleProcessIter(_BaseIter):
    def __init__(self, loader: DataLoader) -> None:
        super().__init__(loader)
        self._fetcher = loader._fetcher()

    def __next__(self) -> Any:
        loader = self._loader
        while True:
            index = next(self._sampler_iter)
            try:
                ok, data = self._fetcher.fetch(index, loader.batch_size)
            except _DataFailed as failed:
                raise failed.failure.to_error() from failed.__cause__
            finally:
                loader.skipped.extend(self._fetcher.skipped)
                self._fetcher.skipped = []
            if ok:
                return loader._convert(data)


class _Workers:
    """The worker processes of a loader, their pipes, and their shutdown."""

    def __init__(self, loader: DataLoader, base_seed: int) -> None:
        ctx = loader.multiprocessing_context or multiprocessing.get_context()
        self.base_seed = base_seed
        self.fetcher = loader._fetcher()
        self.procs: list[Any] = []
        self.index_conns: list[Any] = []
        self.result_conns: list[Any] = []
        self.active: list[bool] = []
        self._closed = False
        forks = ctx.get_start_method() == "fork"
        with warnings.catch_warnings() if forks else contextlib.nullcontext():
            # Once JAX's backend is up, it warns on every os.fork() (an at-fork hook), because
            # a forked child that calls into JAX can deadlock on a lock that one of JAX's
            # threads held at the fork. Our workers never call into JAX: they index the
            # dataset, collate with numpy and write to shared memory; they drop JAX's
            # garbage-collection hook at start and end with os._exit (no interpreter shutdown). So
            # the warning is silenced for these forks only (spawn and forkserver do not fork
            # this process); a dataset that itself uses JAX needs
            # multiprocessing_context="spawn" (docs/data.md).
            if forks:
                warnings.filterwarnings(
                    "ignore", message=r"os\.fork\(\) was called", category=RuntimeWarning
                )
                # Python >= 3.12 says the same of any fork of a process with threads.
                warnings.filterwarnings(
                    "ignore",
                    message=r"This process .* is multi-threaded, use of fork\(\) may lead",
                    category=DeprecationWarning,
                )
            for wid in range(loader.num_workers):
                try:
                    self._start(ctx, loader, wid)
                except Exception as exc:
                    self.shutdown(force=True)
                    method = ctx.get_start_method()
                    hint = (
                        ""
                        if method == "fork"
                        else f" (with {method!r} the dataset, collate_fn and worker_init_fn are "
                        "pickled: use module-level classes and functions, no lambdas)"
                    )
                    raise DataError(
                        f"DataLoader: cannot start worker {wid} with the {method!r} start "
                        f"method: {type(exc).__name__}: {exc}{hint}",
                        worker_id=wid,
                    ) from exc

    def _start(self, ctx: Any, loader: DataLoader, wid: int) -> None:
        idx_recv, idx_send = ctx.Pipe(duplex=False)
        res_recv, res_send = ctx.Pipe(duplex=False)
        proc = ctx.Process(
            target=worker_loop,
            args=(
                self.fetcher,
                loader.batch_size,
                idx_recv,
                res_send,
                self.base_seed + wid,
                wid,
                loader.num_workers,
                loader.worker_init_fn,
                # A fork server, not this process, is the parent of its workers.
                None if ctx.get_start_method() == "forkserver" else os.getpid(),
            ),
            daemon=True,
        )
        try:
            proc.start()
        except BaseException:
            for conn in (idx_recv, idx_send, res_recv, res_send):
                conn.close()
            raise
        idx_recv.close()
        res_send.close()
        self.procs.append(proc)
        self.index_conns.append(idx_send)
        self.result_conns.append(res_recv)
        self.active.append(True)

    def alive(self) -> bool:
        return not self._closed and all(p.is_alive() for p in self.procs)

    def resume(self) -> None:
        """Start a new epoch on persistent workers: drop stale results, reset iterators."""
        for wid, conn in enumerate(self.index_conns):
            conn.send(("resume", None))
            self.active[wid] = True
        for wid, conn in enumerate(self.result_conns):
            while True:
                if not conn.poll(10.0):
                    raise DataError(f"DataLoader: worker {wid} did not restart for a new epoch")
                task, _status, payload, _ = conn.recv()
                if task == "resume":
                    break
                _shm.discard(payload)

    def shutdown(self, force: bool = False) -> None:
        """Stop the workers: ask them to exit (or, with ``force``, terminate them at once)."""
        if self._closed:
            return
        self._closed = True
        for conn in self.index_conns:
            with contextlib.suppress(BrokenPipeError, OSError):
                conn.send(None)
        deadline = time.monotonic() + (0.0 if force else _SHUTDOWN_JOIN_S)
        for proc in self.procs:
            proc.join(max(0.0, deadline - time.monotonic()))
        for proc in self.procs:
            if proc.is_alive():
                proc.terminate()
                proc.join(1.0)
            if proc.is_alive():
                proc.kill()
                proc.join()
        for conn in self.result_conns:
            try:
                while conn.poll(0):
                    _shm.discard(conn.recv()[2])
            except (EOFError, OSError):
                pass
            conn.close()
        for conn in self.index_conns:
            conn.close()
        for proc in self.procs:
            if proc.pid is not None:
                _shm.remove_leftovers(proc.pid)

    def __del__(self) -> None:
        self.shutdown()


class _MultiProcessIter(_BaseIter):
    def __init__(self, loader: DataLoader) -> None:
        super().__init__(loader)
        self._persistent = loader.persistent_workers
        n = loader.num_workers
        self._next_worker = itertools.cycle(range(n))
        self._outstanding = [0] * n
        self._send_idx = 0
        self._rcvd_idx = 0
        self._owner: dict[int, int] = {}
        self._done: dict[int, tuple[str, Any]] = {}
        self._exhausted = False
        self._limit = max(1, loader.prefetch_factor or 1)
        self._workers: _Workers | None = None
        self._workers = loader._acquire_workers(self._base_seed)
        for _ in range(n * self._limit):
            self._put()

    def _put(self) -> None:
        if self._exhausted:
            return
        workers = self._workers
        for _ in range(len(workers.procs)):
            wid = next(self._next_worker)
            if workers.active[wid] and self._outstanding[wid] < self._limit:
                break
        else:
            return
        try:
            index = next(self._sampler_iter)
        except StopIteration:
            self._exhausted = True
            return
        workers.index_conns[wid].send((self._send_idx, index))
        self._owner[self._send_idx] = wid
        self._outstanding[wid] += 1
        self._send_idx += 1

    def _receive(self) -> None:
        """Wait for one message from any worker; raise if a worker died or time ran out."""
        workers = self._workers
        timeout = self._loader.timeout or None
        started = time.monotonic()
        conns = list(workers.result_conns)
        waitables = conns + [p.sentinel for p in workers.procs]
        while True:
            left = None if timeout is None else timeout - (time.monotonic() - started)
            if left is not None and left <= 0:
                self._fail(DataError(f"DataLoader timed out after {self._loader.timeout} seconds"))
            ready = multiprocessing.connection.wait(waitables, left)
            for conn in ready:
                if conn in conns:
                    try:
                        task, status, payload, skipped = conn.recv()
                    except (EOFError, OSError):
                        continue  # the worker died; its sentinel says so below
                    self._loader.skipped.extend(skipped)
                    self._accept(task, status, payload)
                    return
            for wid, proc in enumerate(workers.procs):
                if not proc.is_alive():
                    self._fail(
                        DataError(
                            f"DataLoader worker (pid {proc.pid}, worker id {wid}) exited "
                            f"unexpectedly with exit code {proc.exitcode}",
                            worker_id=wid,
                        )
                    )

    def _accept(self, task: int, status: str, payload: Any) -> None:
        wid = self._owner.pop(task)
        self._outstanding[wid] -= 1
        if status == "end":
            self._workers.active[wid] = False
        self._done[task] = (status, payload)

    def _fail(self, error: DataError) -> None:
        self._shutdown(force=True)
        raise error

    def __next__(self) -> Any:
        while True:
            if not self._loader.in_order and self._done:
                task = next(iter(self._done))
            else:
                task = self._rcvd_idx
            if task in self._done:
                status, payload = self._done.pop(task)
                if task == self._rcvd_idx:
                    self._rcvd_idx += 1
                self._put()
                result = self._result(status, payload)
                if result is not _NOTHING:
                    return result
                continue
            if not self._owner:
                self._shutdown()
                raise StopIteration
            self._receive()

    def _result(self, status: str, payload: Any) -> Any:
        if status == "ok":
            return self._loader._convert(_shm.unpack(payload))
        if status == "error":
            failure: Failure = payload
            cause = failure.exception or RuntimeError(f"{failure.error_type}: {failure.message}")
            self._shutdown()
            raise failure.to_error() from cause
        return _NOTHING  # "skip" (every sample failed) or "end" (a worker's data ran out)

    def _shutdown(self, force: bool = False) -> None:
        for status, payload in self._done.values():
            if status == "ok":
                _shm.discard(payload)
        self._done.clear()
        if self._workers is not None and (force or not self._persistent):
            self._workers.shutdown(force)

    def __del__(self) -> None:
        try:
            self._shutdown()
        except Exception as exc:  # interpreter shutdown
            warnings.warn(f"DataLoader: shutting workers down failed: {exc}", stacklevel=1)


_NOTHING = object()
