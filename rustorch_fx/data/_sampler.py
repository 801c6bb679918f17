"""Samplers with PyTorch's names, arguments and semantics; randomness from numpy.

A sampler is an iterable of dataset indices (or, for :class:`BatchSampler`, of lists of them).
Random samplers draw a fresh permutation each epoch from their ``generator`` (see
:func:`~rustorch_fx.data.as_rng`): an int seed or a numpy Generator makes the sequence of
epochs reproducible; None draws OS entropy each epoch. The orders are numpy's, not torch's.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Any, Generic, TypeVar

import numpy as np

from rustorch_fx.data._random import as_rng
from rustorch_fx.errors import ArgumentTypeError, InvalidArgumentError, UnsupportedError

__all__ = [
    "Sampler",
    "SequentialSampler",
    "RandomSampler",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
    "BatchSampler",
    "DistributedSampler",
]

T_co = TypeVar("T_co", covariant=True)


def _positive_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value > 0


class Sampler(Generic[T_co]):
    """Base class of samplers: an iterable of indices, optionally with a ``__len__``.

    Args:
        data_source: Ignored (kept for torch's signature).

    Example:
        >>> class Evens(Sampler):
        ...     def __iter__(self):
        ...         return iter(range(0, 6, 2))
        >>> list(Evens())
        [0, 2, 4]
    """

    def __init__(self, data_source: Sized | None = None) -> None:
        pass

    def __iter__(self) -> Iterator[T_co]:
        """Iterate over indices (subclasses override this).

        Raises:
            UnsupportedError: Always, on the base class.
        """
        raise UnsupportedError(f"{type(self).__name__}: subclasses of Sampler define __iter__")


class _RandomMixin:
    """Holds ``generator`` and gives each epoch a numpy Generator (compat overrides ``_rng``)."""

    generator: Any

    def _init_rng(self, generator: Any, op: str) -> None:
        self.generator = generator
        self._np_rng = as_rng(generator, op)

    def _rng(self) -> np.random.Generator:
        return self._np_rng if self._np_rng is not None else np.random.default_rng()


class SequentialSampler(Sampler[int]):
    """Indices ``0 .. len(data_source) - 1`` in order.

    Args:
        data_source: The dataset (only its length is used).

    Example:
        >>> list(SequentialSampler(range(3)))
        [0, 1, 2]
    """

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(_RandomMixin, Sampler[int]):
    """Random indices: a permutation per epoch, or draws with replacement.

    Args:
        data_source: The dataset (only its length is used).
        replacement: Draw with replacement.
        num_samples: How many indices per epoch (default ``len(data_source)``); without
            replacement, more than the length chains several permutations, as torch.
        generator: The randomness (see :func:`~rustorch_fx.data.as_rng`).

    Raises:
        ArgumentTypeError: If ``replacement`` is not a bool.
        InvalidArgumentError: If ``num_samples`` is not a positive int.

    Example:
        >>> sorted(RandomSampler(range(5), generator=0))
        [0, 1, 2, 3, 4]
    """

    def __init__(
        self,
        data_source: Sized,
        replacement: bool = False,
        num_samples: int | None = None,
        generator: Any = None,
    ) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self._init_rng(generator, "RandomSampler")
        if not isinstance(replacement, bool):
            raise ArgumentTypeError(
                f"replacement should be a boolean value, but got replacement={replacement}"
            )
        if not _positive_int(self.num_samples):
            raise InvalidArgumentError(
                f"num_samples should be a positive integer value, but got "
                f"num_samples={self.num_samples}"
            )

    @property
    def num_samples(self) -> int:
        """The number of indices per epoch (``len(data_source)`` unless given).

        Example:
            >>> RandomSampler(range(4)).num_samples
            4
        """
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n = len(self.data_source)
        rng = self._rng()
        if self.replacement:
            return iter(rng.integers(0, n, size=self.num_samples).tolist())
        full, rest = divmod(self.num_samples, n)
        parts = [rng.permutation(n) for _ in range(full)]
        if rest:
            parts.append(rng.permutation(n)[:rest])
        return iter(np.concatenate(parts).tolist() if parts else [])

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(_RandomMixin, Sampler[int]):
    """The given indices in a random order each epoch, without replacement.

    Args:
        indices: The indices to sample from.
        generator: The randomness (see :func:`~rustorch_fx.data.as_rng`).

    Example:
        >>> sorted(SubsetRandomSampler([7, 3, 5], generator=1))
        [3, 5, 7]
    """

    def __init__(self, indices: Sequence[int], generator: Any = None) -> None:
        self.indices = indices
        self._init_rng(generator, "SubsetRandomSampler")

    def __iter__(self) -> Iterator[int]:
        for i in self._rng().permutation(len(self.indices)).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(_RandomMixin, Sampler[int]):
    """Indices ``0 .. len(weights) - 1`` drawn with probabilities proportional to ``weights``.

    Args:
        weights: Non-negative weights (need not sum to one), a 1-d sequence.
        num_samples: How many indices per epoch.
        replacement: Draw with replacement; without it, ``num_samples`` must not exceed the
            number of positive weights.
        generator: The randomness (see :func:`~rustorch_fx.data.as_rng`).

    Raises:
        InvalidArgumentError: If ``num_samples`` is not a positive int, ``weights`` is not 1-d,
            or has a negative, non-finite or all-zero entry.
        ArgumentTypeError: If ``replacement`` is not a bool.

    Example:
        >>> set(WeightedRandomSampler([0.0, 1.0, 0.0], 4, generator=0))
        {1}
    """

    def __init__(
        self,
        weights: Sequence[float],
        num_samples: int,
        replacement: bool = True,
        generator: Any = None,
    ) -> None:
        if not _positive_int(num_samples):
            raise InvalidArgumentError(
                f"num_samples should be a positive integer value, but got num_samples={num_samples}"
            )
        if not isinstance(replacement, bool):
            raise ArgumentTypeError(
                f"replacement should be a boolean value, but got replacement={replacement}"
            )
        w = np.asarray(weights, dtype=np.float64)
        if w.ndim != 1:
            raise InvalidArgumentError(
                f"weights should be a 1d sequence but given weights have shape {tuple(w.shape)}"
            )
        if not np.all(np.isfinite(w)) or np.any(w < 0) or not w.sum() > 0:
            raise InvalidArgumentError(
                "WeightedRandomSampler: weights must be finite, non-negative and not all zero"
            )
        if not replacement and num_samples > int(np.count_nonzero(w)):
            raise InvalidArgumentError(
                f"WeightedRandomSampler: cannot draw {num_samples} samples without replacement "
                f"from {int(np.count_nonzero(w))} positive weights"
            )
        self.weights = w
        self.num_samples = int(num_samples)
        self.replacement = replacement
        self._init_rng(generator, "WeightedRandomSampler")

    def __iter__(self) -> Iterator[int]:
        p = self.weights / self.weights.sum()
        draws = self._rng().choice(len(p), size=self.num_samples, replace=self.replacement, p=p)
        return iter(draws.tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler[list[int]]):
    """Groups another sampler's indices into lists of ``batch_size``.

    Args:
        sampler: An iterable of indices.
        batch_size: The size of a batch, a positive int.
        drop_last: Drop the last batch when it is smaller than ``batch_size``.

    Raises:
        InvalidArgumentError: If ``batch_size`` is not a positive int or ``drop_last`` is not
            a bool.

    Example:
        >>> list(BatchSampler(range(5), 2, drop_last=False))
        [[0, 1], [2, 3], [4]]
        >>> list(BatchSampler(range(5), 2, drop_last=True))
        [[0, 1], [2, 3]]
    """

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool) -> None:
        if not _positive_int(batch_size):
            raise InvalidArgumentError(
                f"batch_size should be a positive integer value, but got batch_size={batch_size}"
            )
        if not isinstance(drop_last, bool):
            raise InvalidArgumentError(
                f"drop_last should be a boolean value, but got drop_last={drop_last}"
            )
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        indices = iter(self.sampler)
        size = self.batch_size
        while batch := list(itertools.islice(indices, size)):
            if len(batch) < size and self.drop_last:
                return
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]
        if self.drop_last:
            return n // self.batch_size
        return (n + self.batch_size - 1) // self.batch_size


class DistributedSampler(Sampler[int]):
    """The share of the indices that one of ``num_replicas`` processes loads, as torch's.

    Each epoch the indices are permuted with seed ``seed + epoch`` (the same on every rank;
    call :meth:`set_epoch` before each epoch), then padded by repeating the first indices so
    that the total divides evenly (or trimmed, with ``drop_last``), then rank ``r`` takes
    every ``num_replicas``-th index from position ``r``.

    Args:
        dataset: The dataset (only its length is used).
        num_replicas: The number of processes; default ``jax.process_count()``.
        rank: This process's rank; default ``jax.process_index()``.
        shuffle: Permute the indices each epoch.
        seed: The base seed of the permutation; must be the same on every rank.
        drop_last: Trim the tail instead of padding so that all ranks get the same count.

    Raises:
        InvalidArgumentError: If ``rank`` is not in ``[0, num_replicas - 1]`` or
            ``num_replicas`` is not positive.

    Example:
        >>> [list(DistributedSampler(range(5), 2, r, shuffle=False)) for r in (0, 1)]
        [[0, 2, 4], [1, 3, 0]]
    """

    def __init__(
        self,
        dataset: Sized,
        num_replicas: int | None = None,
        rank: int | None = None,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        if num_replicas is None or rank is None:
            import jax

            num_replicas = jax.process_count() if num_replicas is None else num_replicas
            rank = jax.process_index() if rank is None else rank
        if not _positive_int(num_replicas):
            raise InvalidArgumentError(
                f"DistributedSampler: num_replicas must be a positive int, got {num_replicas}"
            )
        if not isinstance(rank, numbers.Integral) or rank >= num_replicas or rank < 0:
            raise InvalidArgumentError(
                f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]"
            )
        self.dataset = dataset
        self.num_replicas = int(num_replicas)
        self.rank = int(rank)
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % self.num_replicas != 0:
            self.num_samples = math.ceil((n - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(n / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def _permutation(self, n: int) -> list[int]:
        return np.random.default_rng(self.seed + self.epoch).permutation(n).tolist()

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        indices = self._permutation(n) if self.shuffle else list(range(n))
        if not self.drop_last:
            pad = self.total_size - len(indices)
            if pad <= len(indices):
                indices += indices[:pad]
            else:
                indices += (indices * math.ceil(pad / len(indices)))[:pad]
        else:
            indices = indices[: self.total_size]
        return iter(indices[self.rank : self.total_size : self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch, so that each epoch gets its own permutation (the same on all ranks).

        Args:
            epoch: The epoch number.

        Example:
            >>> s = DistributedSampler(range(6), num_replicas=2, rank=0, seed=1)
            >>> s.set_epoch(3)
            >>> sorted(s) == sorted(DistributedSampler(range(6), 2, 0, seed=4))  # seed + epoch
            True
        """
        self.epoch = epoch
