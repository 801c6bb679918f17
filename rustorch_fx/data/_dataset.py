"""Datasets with PyTorch's names and semantics, over numpy (or any indexable) arrays.

A map-style dataset has ``__getitem__`` and ``__len__``; an iterable one has ``__iter__``. A
dataset may also define ``__getitems__(indices)`` returning the list of samples at once, which
:class:`~rustorch_fx.data.DataLoader` then calls once per batch instead of ``__getitem__`` per
sample (as torch's does).
"""

from __future__ import annotations

import bisect
import math
import numbers
import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Generic, TypeVar

import numpy as np

from rustorch_fx.data._random import as_rng
from rustorch_fx.errors import (
    ArgumentTypeError,
    IndexOutOfRangeError,
    InvalidArgumentError,
    ShapeError,
    UnsupportedError,
)

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
]

T_co = TypeVar("T_co", covariant=True)


class Dataset(Generic[T_co]):
    """A map-style dataset: subclasses define ``__getitem__(index)`` and usually ``__len__``.

    ``a + b`` is ``ConcatDataset([a, b])``, as in torch.

    Example:
        >>> class Squares(Dataset):
        ...     def __len__(self):
        ...         return 4
        ...     def __getitem__(self, i):
        ...         return i * i
        >>> (Squares() + Squares())[5]
        1
    """

    def __getitem__(self, index: Any) -> T_co:
        """Return the sample at ``index`` (subclasses override this).

        Raises:
            UnsupportedError: Always, on the base class.
        """
        raise UnsupportedError(
            f"{type(self).__name__}: subclasses of Dataset should implement __getitem__"
        )

    def __add__(self, other: Dataset[T_co]) -> ConcatDataset[T_co]:
        return ConcatDataset([self, other])


class IterableDataset(Dataset[T_co]):
    """An iterable-style dataset: subclasses define ``__iter__``.

    With worker processes, every worker iterates its own copy; use
    :func:`~rustorch_fx.data.get_worker_info` in ``__iter__`` to give each worker its shard.
    ``a + b`` is ``ChainDataset([a, b])``.

    Example:
        >>> class Count(IterableDataset):
        ...     def __iter__(self):
        ...         return iter(range(3))
        >>> list(Count() + Count())
        [0, 1, 2, 0, 1, 2]
    """

    def __iter__(self) -> Iterator[T_co]:
        """Iterate over the samples (subclasses override this).

        Raises:
            UnsupportedError: Always, on the base class.
        """
        raise UnsupportedError(
            f"{type(self).__name__}: subclasses of IterableDataset should implement __iter__"
        )

    def __add__(self, other: Dataset[T_co]) -> ChainDataset[T_co]:  # type: ignore[override]
        return ChainDataset([self, other])


class StackedSamples(list):
    """The list of samples ``__getitems__`` returns, with the batch already stacked.

    It is an ordinary list of samples (each a tuple of row views), so any ``collate_fn`` works
    on it; :func:`~rustorch_fx.data.default_collate` recognises it and returns the stacked
    arrays without stacking rows again.

    Args:
        columns: The stacked arrays, one per field, each with the batch as its first axis.

    Example:
        >>> import numpy as np
        >>> batch = StackedSamples([np.arange(6).reshape(3, 2), np.arange(3)])
        >>> len(batch), batch[1][0].tolist(), batch.columns[1].tolist()
        (3, [2, 3], [0, 1, 2])
    """

    def __init__(self, columns: Sequence[Any]) -> None:
        n = len(columns[0]) if columns else 0
        super().__init__(tuple(c[i] for c in columns) for i in range(n))
        self.columns = tuple(columns)


class TensorDataset(Dataset[tuple[Any, ...]]):
    """Rows of arrays that share their first dimension, as ``torch.utils.data.TensorDataset``.

    Args:
        *tensors: numpy (or other indexable) arrays with the same size of dimension 0.

    Raises:
        ShapeError: If the arrays' first dimensions differ (torch asserts).

    Example:
        >>> import numpy as np
        >>> ds = TensorDataset(np.zeros((5, 3)), np.arange(5))
        >>> x, y = ds[2]
        >>> x.shape, int(y), len(ds)
        ((3,), 2, 5)
    """

    def __init__(self, *tensors: Any) -> None:
        sizes = [len(t) for t in tensors]
        if any(s != sizes[0] for s in sizes):
            raise ShapeError(
                f"TensorDataset: size mismatch between tensors: first dimensions {sizes}"
            )
        self.tensors = tensors

    def __getitem__(self, index: Any) -> tuple[Any, ...]:
        return tuple(t[index] for t in self.tensors)

    def __getitems__(self, indices: Sequence[int]) -> StackedSamples:
        """Return the samples at ``indices`` with one gather per array (a fast batch path)."""
        idx = np.asarray(indices, dtype=np.int64)
        return StackedSamples([t[idx] for t in self.tensors])

    def __len__(self) -> int:
        return len(self.tensors[0]) if self.tensors else 0


class ConcatDataset(Dataset[T_co]):
    """Datasets one after another, as ``torch.utils.data.ConcatDataset``.

    Args:
        datasets: Map-style datasets (at least one).

    Raises:
        InvalidArgumentError: If ``datasets`` is empty or holds an ``IterableDataset``.

    Example:
        >>> ds = ConcatDataset([[0, 1], [2, 3, 4]])
        >>> len(ds), ds[3], ds.cumulative_sizes
        (5, 3, [2, 5])
    """

    def __init__(self, datasets: Iterable[Dataset[T_co]]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise InvalidArgumentError("ConcatDataset: datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise InvalidArgumentError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]).tolist())

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx: int) -> T_co:
        n = len(self)
        if idx < 0:
            if -idx > n:
                raise InvalidArgumentError(
                    f"ConcatDataset: absolute value of index {idx} should not exceed dataset "
                    f"length {n}"
                )
            idx += n
        if idx >= n:
            raise IndexOutOfRangeError(
                f"ConcatDataset: index {idx} is out of range for a dataset of length {n}"
            )
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        offset = self.cumulative_sizes[which - 1] if which > 0 else 0
        return self.datasets[which][idx - offset]


class ChainDataset(IterableDataset[T_co]):
    """Iterable datasets chained one after another, as ``torch.utils.data.ChainDataset``.

    Args:
        datasets: Iterable datasets.

    Example:
        >>> list(ChainDataset([[1, 2], [3]]))
        [1, 2, 3]
    """

    def __init__(self, datasets: Iterable[Any]) -> None:
        self.datasets = datasets

    def __iter__(self) -> Iterator[T_co]:
        for d in self.datasets:
            yield from d

    def __len__(self) -> int:
        """The total length, when every dataset has one.

        Raises:
            ArgumentTypeError: If a member is not an ``IterableDataset`` (torch asserts).
        """
        total = 0
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise ArgumentTypeError(
                    f"ChainDataset only supports IterableDataset, got {type(d).__name__}"
                )
            total += len(d)  # type: ignore[arg-type]
        return total


class Subset(Dataset[T_co]):
    """The samples of ``dataset`` at ``indices``, as ``torch.utils.data.Subset``.

    Args:
        dataset: The whole dataset.
        indices: The indices of the subset, in order.

    Example:
        >>> s = Subset(["a", "b", "c", "d"], [3, 1])
        >>> len(s), s[0], s.__getitems__([0, 1])
        (2, 'd', ['d', 'b'])
    """

    def __init__(self, dataset: Dataset[T_co], indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx: Any) -> T_co:
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: Sequence[int]) -> list[T_co]:
        """Return the samples at ``indices``, through the dataset's ``__getitems__`` if any."""
        inner = [self.indices[i] for i in indices]
        getitems = getattr(self.dataset, "__getitems__", None)
        if callable(getitems):
            return getitems(inner)
        return [self.dataset[i] for i in inner]

    def __len__(self) -> int:
        return len(self.indices)


class StackDataset(Dataset[Any]):
    """Samples of several datasets side by side, as a tuple or a dict (torch's StackDataset).

    Args:
        *args: Datasets whose samples form a tuple.
        **kwargs: Datasets whose samples form a dict (not together with ``args``).

    Raises:
        InvalidArgumentError: If both or neither of ``args``/``kwargs`` are given, or the
            datasets' lengths differ.

    Example:
        >>> StackDataset([1, 2], ["a", "b"])[1]
        (2, 'b')
        >>> StackDataset(x=[1, 2], y=["a", "b"])[0]
        {'x': 1, 'y': 'a'}
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args and kwargs:
            raise InvalidArgumentError(
                "StackDataset: supported either tuple-like (args) or dict-like (kwargs) "
                "datasets, not both"
            )
        members = list(args) if args else list(kwargs.values())
        if not members:
            raise InvalidArgumentError("StackDataset: at least one dataset should be passed")
        lengths = [len(d) for d in members]
        if any(n != lengths[0] for n in lengths):
            raise InvalidArgumentError(f"StackDataset: size mismatch between datasets: {lengths}")
        self._length = lengths[0]
        self.datasets: tuple[Any, ...] | dict[str, Any] = args if args else dict(kwargs)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __getitems__(self, indices: Sequence[int]) -> list[Any]:
        """Return the samples at ``indices``, each member fetched in one go where it can."""

        def column(d: Any) -> list[Any]:
            getitems = getattr(d, "__getitems__", None)
            items = getitems(list(indices)) if callable(getitems) else [d[i] for i in indices]
            if len(items) != len(indices):
                raise InvalidArgumentError(
                    f"StackDataset: nested dataset's __getitems__ returned {len(items)} "
                    f"samples for {len(indices)} indices"
                )
            return list(items)

        if isinstance(self.datasets, dict):
            cols = {k: column(d) for k, d in self.datasets.items()}
            return [{k: c[i] for k, c in cols.items()} for i in range(len(indices))]
        tcols = [column(d) for d in self.datasets]
        return [tuple(c[i] for c in tcols) for i in range(len(indices))]

    def __len__(self) -> int:
        return self._length


def split_lengths(n: int, lengths: Sequence[float], op: str = "random_split") -> list[int]:
    """Turn ``lengths`` (counts, or fractions summing to 1) into counts summing to ``n``.

    Fractions are floored and the remainder is added one at a time round-robin, as torch.

    Args:
        n: The dataset's length.
        lengths: Integer counts summing to ``n``, or fractions summing to 1.
        op: The caller's name, for messages.

    Returns:
        The counts.

    Raises:
        InvalidArgumentError: If a fraction is outside [0, 1] or the counts do not sum to ``n``.

    Example:
        >>> split_lengths(10, [0.5, 0.3, 0.2]), split_lengths(5, [0.5, 0.5])
        ([5, 3, 2], [3, 2])
    """
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        counts = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise InvalidArgumentError(f"{op}: fraction at index {i} is not between 0 and 1")
            counts.append(math.floor(n * frac))
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        for i, c in enumerate(counts):
            if c == 0:
                warnings.warn(
                    f"Length of split at index {i} is 0. This might result in an empty dataset.",
                    stacklevel=3,
                )
        return counts
    counts = []
    for v in lengths:
        if not isinstance(v, numbers.Integral) or isinstance(v, bool) or v < 0:
            raise InvalidArgumentError(
                f"{op}: lengths must be non-negative ints or fractions summing to 1, got "
                f"{list(lengths)}"
            )
        counts.append(int(v))
    if sum(counts) != n:
        raise InvalidArgumentError(
            f"{op}: sum of input lengths ({sum(counts)}) does not equal the length of the input "
            f"dataset ({n})"
        )
    return counts


def _split_with_permutation(
    dataset: Dataset[T_co], lengths: Sequence[float], permutation: Any
) -> list[Subset[T_co]]:
    counts = split_lengths(len(dataset), lengths)  # type: ignore[arg-type]
    perm = [int(i) for i in permutation(sum(counts))]
    out, start = [], 0
    for c in counts:
        out.append(Subset(dataset, perm[start : start + c]))
        start += c
    return out


def random_split(
    dataset: Dataset[T_co], lengths: Sequence[float], generator: Any = None
) -> list[Subset[T_co]]:
    """Split a dataset into non-overlapping random subsets, as ``torch.utils.data.random_split``.

    Args:
        dataset: The dataset to split.
        lengths: The subsets' lengths, or fractions of ``len(dataset)`` summing to 1 (floored,
            the remainder given out round-robin, as torch).
        generator: The randomness (see :func:`~rustorch_fx.data.as_rng`); the same seed gives
            the same split.

    Returns:
        A list of :class:`Subset`.

    Raises:
        InvalidArgumentError: If the lengths do not sum to the dataset's length (or 1).

    Example:
        >>> a, b = random_split(list(range(10)), [0.7, 0.3], generator=0)
        >>> len(a), len(b), sorted(a.indices + b.indices) == list(range(10))
        (7, 3, True)
    """
    rng = as_rng(generator, "random_split") or np.random.default_rng()
    return _split_with_permutation(dataset, lengths, rng.permutation)
