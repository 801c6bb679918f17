"""torch's ``DataLoader`` for compat: rustorch_fx's loader, yielding compat tensors.

With the default collate, samples are collated to numpy where they are loaded (a worker
process never uses JAX) and turned into compat tensors in the main process. Shuffling and the
workers' seeds draw from a ``compat.Generator`` (the global one by default), so
``compat.manual_seed`` makes the order reproducible, whatever ``num_workers`` is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from compat.utils.data._collate import (
    default_collate,
    default_convert,
    neutral_collate,
    to_tensors,
)
from compat.utils.data._dataset import TensorDataset
from compat.utils.data._random import check_generator, rng_from
from compat.utils.data._sampler import RandomSampler
from rustorch_fx import data as _data

__all__ = ["DataLoader"]


def _visit_datasets(dataset: Any, seen: set[int]) -> None:
    """Prepare every compat TensorDataset reachable from ``dataset`` for worker processes."""
    if id(dataset) in seen:
        return
    seen.add(id(dataset))
    if isinstance(dataset, TensorDataset):
        dataset._prepare_for_workers()
    inner = getattr(dataset, "dataset", None)
    if inner is not None:
        _visit_datasets(inner, seen)
    members = getattr(dataset, "datasets", None)
    if isinstance(members, dict):
        members = list(members.values())
    if isinstance(members, list | tuple):
        for d in members:
            _visit_datasets(d, seen)


class DataLoader(_data.DataLoader):
    """Batches of a dataset as compat tensors, with torch's ``DataLoader`` signature.

    See :class:`rustorch_fx.data.DataLoader` for every argument, the worker processes and
    the errors; the differences here are that batches are compat tensors and that
    ``generator`` is a ``compat.Generator`` (None: the global generator, seeded by
    ``compat.manual_seed``).

    With ``num_workers > 0`` the dataset (and a custom ``collate_fn``) run in worker processes
    that must not use JAX: return numpy arrays or Python numbers from ``__getitem__`` (the
    default collate makes compat tensors in the main process), or use
    ``multiprocessing_context="spawn"``. A compat :class:`TensorDataset` is handled for you.

    Example:
        >>> import compat
        >>> from compat.utils.data import TensorDataset
        >>> ds = TensorDataset(compat.arange(6.0).reshape(3, 2), compat.arange(3))
        >>> [y.tolist() for _, y in DataLoader(ds, batch_size=2)]
        [[0, 1], [2]]
    """

    def _init_generator(self, generator: Any) -> None:
        check_generator(generator, "DataLoader")
        return None

    def _random_sampler(self, dataset: Any, generator: Any) -> RandomSampler:
        return RandomSampler(dataset, generator=generator)

    def _default_collate(self) -> Callable[[Any], Any]:
        return default_collate

    def _default_convert(self) -> Callable[[Any], Any]:
        return default_convert

    def _uses_default(self) -> bool:
        return self.collate_fn in (default_collate, default_convert)

    def _fetch_collate(self) -> Callable[[Any], Any]:
        if self.collate_fn is default_collate:
            return neutral_collate
        if self.collate_fn is default_convert:
            return _data.default_convert
        return self.collate_fn

    def _convert(self, batch: Any) -> Any:
        return to_tensors(batch) if self._uses_default() else batch

    def _base_seed(self) -> int:
        rng: np.random.Generator = rng_from(self.generator)
        return int(rng.integers(0, 1 << 62))

    def _before_workers(self) -> None:
        _visit_datasets(self.dataset, set())
