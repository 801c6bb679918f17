"""Data loading: datasets, samplers, collate and a multi-process ``DataLoader``.

Framework-neutral machinery with PyTorch's names and semantics: batches are numpy arrays
(moved from worker processes through shared memory), and :func:`prefetch_to_device` places
them on the JAX device ahead of use. ``compat.utils.data`` is the torch-shaped face over it,
whose batches are compat tensors.

Example:
    >>> import numpy as np
    >>> from rustorch_fx.data import DataLoader, TensorDataset
    >>> ds = TensorDataset(np.random.rand(10, 3).astype(np.float32), np.arange(10))
    >>> x, y = next(iter(DataLoader(ds, batch_size=4, shuffle=True, generator=0)))
    >>> x.shape, y.dtype
    ((4, 3), dtype('int64'))
"""

from rustorch_fx.data._collate import (
    collate,
    default_collate,
    default_collate_fn_map,
    default_convert,
)
from rustorch_fx.data._dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    StackDataset,
    StackedSamples,
    Subset,
    TensorDataset,
    random_split,
    split_lengths,
)
from rustorch_fx.data._loader import DataLoader
from rustorch_fx.data._random import as_rng, rng_from_key
from rustorch_fx.data._sampler import (
    BatchSampler,
    DistributedSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
from rustorch_fx.data._storage import CachedDataset, NpyDataset, prefetch_to_device
from rustorch_fx.data._worker import SkippedSample, WorkerInfo, get_worker_info

__all__ = [
    "Dataset",
    "IterableDataset",
    "TensorDataset",
    "ConcatDataset",
    "ChainDataset",
    "Subset",
    "StackDataset",
    "StackedSamples",
    "random_split",
    "split_lengths",
    "Sampler",
    "SequentialSampler",
    "RandomSampler",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
    "BatchSampler",
    "DistributedSampler",
    "DataLoader",
    "collate",
    "default_collate",
    "default_collate_fn_map",
    "default_convert",
    "get_worker_info",
    "WorkerInfo",
    "SkippedSample",
    "NpyDataset",
    "CachedDataset",
    "prefetch_to_device",
    "as_rng",
    "rng_from_key",
]
