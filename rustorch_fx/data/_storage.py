"""Lazy loading, caching and device prefetch: the roadmap's data-pipeline requirements.

- :class:`NpyDataset` memory-maps ``.npy`` files: a sample is read from disk when indexed,
  never the whole file.
- :class:`CachedDataset` keeps decoded samples up to a byte budget (least recently used out).
- :func:`prefetch_to_device` keeps the next batches already on the JAX device.
"""

from __future__ import annotations

import collections
import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from rustorch_fx.data._dataset import Dataset
from rustorch_fx.errors import DataError, InvalidArgumentError, ShapeError

__all__ = ["NpyDataset", "CachedDataset", "prefetch_to_device"]


class NpyDataset(Dataset[Any]):
    """Rows of one or more ``.npy`` files, memory-mapped: nothing is read until indexed.

    Each file is opened with ``numpy.load(path, mmap_mode="r")`` when first used in a process
    (so a worker maps the file itself instead of receiving a pickled copy), and a sample is a
    copy of one row (so the mapping is not kept alive by the batch).

    Args:
        *paths: ``.npy`` files whose first dimensions are equal.

    Raises:
        DataError: If a file is missing or is not a valid ``.npy`` file.
        ShapeError: If the files' first dimensions differ.

    Example:
        >>> import numpy as np, tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "x.npy")
        >>> np.save(path, np.arange(6).reshape(3, 2))
        >>> NpyDataset(path)[1]
        array([2, 3])
    """

    def __init__(self, *paths: str | os.PathLike[str]) -> None:
        if not paths:
            raise InvalidArgumentError("NpyDataset: expected at least one .npy path")
        self.paths = tuple(os.fspath(p) for p in paths)
        self.shapes, self.dtypes = [], []
        for p in self.paths:
            arr = self._open(p)
            self.shapes.append(tuple(arr.shape))
            self.dtypes.append(arr.dtype)
        lengths = [s[0] if s else 0 for s in self.shapes]
        if any(not s for s in self.shapes) or any(n != lengths[0] for n in lengths):
            raise ShapeError(
                f"NpyDataset: the files must be arrays with equal first dimensions, got shapes "
                f"{self.shapes}"
            )
        self._length = lengths[0]
        self._arrays: tuple[np.ndarray, ...] | None = None

    @staticmethod
    def _open(path: str) -> np.ndarray:
        try:
            return np.load(path, mmap_mode="r", allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise DataError(f"NpyDataset: cannot map {path!r}: {exc}", path=path) from exc

    def _mapped(self) -> tuple[np.ndarray, ...]:
        if self._arrays is None:
            self._arrays = tuple(self._open(p) for p in self.paths)
        return self._arrays

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_arrays"] = None  # a worker maps the files itself
        return state

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index: int) -> Any:
        rows = tuple(np.array(a[index]) for a in self._mapped())
        return rows[0] if len(rows) == 1 else rows

    def __getitems__(self, indices: Sequence[int]) -> list[Any]:
        """Return the samples at ``indices``, reading the rows in sorted order."""
        idx = np.asarray(indices, dtype=np.int64)
        columns = [np.asarray(a[idx]) for a in self._mapped()]
        if len(columns) == 1:
            return list(columns[0])
        return [tuple(c[i] for c in columns) for i in range(len(idx))]


def _nbytes(sample: Any) -> int:
    if isinstance(sample, np.ndarray):
        return sample.nbytes
    if isinstance(sample, dict):
        return sum(_nbytes(v) for v in sample.values())
    if isinstance(sample, list | tuple):
        return sum(_nbytes(v) for v in sample)
    nbytes = getattr(sample, "nbytes", None)
    return int(nbytes) if isinstance(nbytes, int) else 64


class CachedDataset(Dataset[Any]):
    """Caches the samples of a map-style dataset up to a byte budget, least recently used out.

    Meant for datasets whose samples are expensive to decode. Each process keeps its own
    cache (a worker fills the cache of its copy of the dataset).

    Args:
        dataset: The map-style dataset.
        max_bytes: The budget: the total ``nbytes`` of the cached samples' arrays.

    Attributes:
        hits: How many lookups the cache answered.
        misses: How many went to ``dataset``.

    Raises:
        InvalidArgumentError: If ``max_bytes`` is negative.

    Example:
        >>> import numpy as np
        >>> ds = CachedDataset([np.zeros(4), np.ones(4)], max_bytes=64)
        >>> _ = ds[0], ds[0], ds[1]
        >>> ds.hits, ds.misses, ds.cached_bytes
        (1, 2, 64)
    """

    def __init__(self, dataset: Any, max_bytes: int) -> None:
        if max_bytes < 0:
            raise InvalidArgumentError(
                f"CachedDataset: max_bytes must be non-negative, got {max_bytes}"
            )
        self.dataset = dataset
        self.max_bytes = int(max_bytes)
        self.hits = 0
        self.misses = 0
        self.cached_bytes = 0
        self._cache: collections.OrderedDict[Any, tuple[Any, int]] = collections.OrderedDict()
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: Any) -> Any:
        key = int(index) if isinstance(index, int | np.integer) else index
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                self.hits += 1
                return self._cache[key][0]
        sample = self.dataset[index]
        size = _nbytes(sample)
        with self._lock:
            self.misses += 1
            if size <= self.max_bytes and key not in self._cache:
                self._cache[key] = (sample, size)
                self.cached_bytes += size
                while self.cached_bytes > self.max_bytes:
                    _, (_, dropped) = self._cache.popitem(last=False)
                    self.cached_bytes -= dropped
        return sample


def prefetch_to_device(
    batches: Iterable[Any], size: int = 2, device: Any = None, sharding: Any = None
) -> Iterator[Any]:
    """Yield ``batches`` with the next ``size`` already transferred to the JAX device.

    ``jax.device_put`` is asynchronous: it starts the copy and returns. Keeping ``size``
    batches in flight overlaps the host-to-device copies with the computation on the
    previous batch (the functional-path counterpart of torch's ``pin_memory=True`` plus
    ``non_blocking`` copies).

    Args:
        batches: An iterable of pytrees of numpy arrays (a DataLoader).
        size: How many batches to keep in flight (at least 1).
        device: The target device (default: JAX's default device).
        sharding: A ``jax.sharding.Sharding`` instead of a device (e.g. to split the batch
            axis across devices).

    Yields:
        Each batch, as a pytree of ``jax.Array``, in order.

    Raises:
        InvalidArgumentError: If ``size`` is less than 1, or both ``device`` and ``sharding``
            are given.

    Example:
        >>> import numpy as np
        >>> out = list(prefetch_to_device([np.zeros(2), np.ones(2)], size=2))
        >>> [float(b.sum()) for b in out]
        [0.0, 2.0]
    """
    import jax

    if size < 1:
        raise InvalidArgumentError(f"prefetch_to_device: size must be at least 1, got {size}")
    if device is not None and sharding is not None:
        raise InvalidArgumentError("prefetch_to_device: give device or sharding, not both")
    target = sharding if sharding is not None else device
    queue: collections.deque[Any] = collections.deque()
    iterator = iter(batches)

    def put(batch: Any) -> Any:
        def leaf(x: Any) -> Any:
            if isinstance(x, np.ndarray | np.generic | jax.Array):
                return jax.device_put(x, target)
            return x

        return jax.tree_util.tree_map(leaf, batch)

    for batch in iterator:
        queue.append(put(batch))
        if len(queue) > size:
            yield queue.popleft()
    while queue:
        yield queue.popleft()
