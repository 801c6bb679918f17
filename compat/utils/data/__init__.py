"""``torch.utils.data`` for compat: datasets, samplers, ``DataLoader``, ``default_collate``.

The machinery is :mod:`rustorch_fx.data` (worker processes, shared memory, error handling);
this package gives it torch's face: batches of compat tensors, randomness from
``compat.Generator`` and ``compat.manual_seed``.

Example:
    >>> import compat
    >>> from compat.utils.data import DataLoader, TensorDataset
    >>> ds = TensorDataset(compat.randn(10, 3), compat.arange(10))
    >>> x, y = next(iter(DataLoader(ds, batch_size=4, shuffle=True)))
    >>> tuple(x.shape), y.dtype
    ((4, 3), torch.int64)
"""

from compat.utils.data._collate import default_collate, default_convert
from compat.utils.data._dataset import TensorDataset, random_split
from compat.utils.data._loader import DataLoader
from compat.utils.data._sampler import RandomSampler, SubsetRandomSampler, WeightedRandomSampler
from rustorch_fx.data import (
    BatchSampler,
    ChainDataset,
    ConcatDataset,
    Dataset,
    DistributedSampler,
    IterableDataset,
    Sampler,
    SequentialSampler,
    StackDataset,
    Subset,
    WorkerInfo,
    get_worker_info,
)

__all__ = [
    "Dataset",
    "IterableDataset",
    "TensorDataset",
    "ConcatDataset",
    "ChainDataset",
    "Subset",
    "StackDataset",
    "random_split",
    "Sampler",
    "SequentialSampler",
    "RandomSampler",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
    "BatchSampler",
    "DistributedSampler",
    "DataLoader",
    "default_collate",
    "default_convert",
    "get_worker_info",
    "WorkerInfo",
]
