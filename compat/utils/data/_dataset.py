"""torch's ``TensorDataset`` over compat tensors and ``random_split`` with a compat.Generator."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from compat._random import default_generator
from compat._tensor import Tensor
from compat.utils.data._random import check_generator, rng_from
from rustorch_fx import data as _data
from rustorch_fx.errors import ShapeError

__all__ = ["TensorDataset", "random_split"]


class TensorDataset(_data.Dataset[tuple[Tensor, ...]]):
    """Rows of compat tensors that share their first dimension (torch's ``TensorDataset``).

    ``dataset[i]`` indexes the tensors (rows are compat tensors). A ``DataLoader`` fetches a
    whole batch at once through ``__getitems__``: one numpy gather per tensor, no per-row
    tensor, stacked into compat tensors in the main process. Before worker processes start, the
    loader takes a host (numpy) view of the tensors, which is what the workers read (they
    must not use JAX).

    Args:
        *tensors: Tensors with the same size of dimension 0.

    Raises:
        ShapeError: If the first dimensions differ (torch asserts "Size mismatch between
            tensors").

    Example:
        >>> import compat
        >>> ds = TensorDataset(compat.zeros(4, 2), compat.arange(4))
        >>> x, y = ds[3]
        >>> tuple(x.shape), int(y), len(ds)
        ((2,), 3, 4)
    """

    def __init__(self, *tensors: Tensor) -> None:
        sizes = [t.size(0) for t in tensors]
        if any(s != sizes[0] for s in sizes):
            raise ShapeError(f"TensorDataset: Size mismatch between tensors: sizes {sizes}")
        self.tensors = tensors
        self._host: tuple[np.ndarray, ...] | None = None

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(t[index] for t in self.tensors)

    def _host_arrays(self) -> tuple[np.ndarray, ...]:
        if self._host is not None and _data.get_worker_info() is not None:
            return self._host
        return tuple(np.asarray(t) for t in self.tensors)

    def _prepare_for_workers(self) -> None:
        """Take the host view that worker processes will read (called before they start)."""
        self._host = tuple(np.asarray(t) for t in self.tensors)

    def __getitems__(self, indices: Sequence[int]) -> list[Any]:
        """Return the samples at ``indices`` as numpy rows of one gather per tensor."""
        if any(t.requires_grad for t in self.tensors):
            return [self[i] for i in indices]
        idx = np.asarray(indices, dtype=np.int64)
        return _data.StackedSamples([a[idx] for a in self._host_arrays()])

    def __len__(self) -> int:
        return self.tensors[0].size(0) if self.tensors else 0


def random_split(
    dataset: Any, lengths: Sequence[float], generator: Any = default_generator
) -> list[_data.Subset[Any]]:
    """Split a dataset into non-overlapping random subsets (torch's ``random_split``).

    Args:
        dataset: The dataset to split.
        lengths: The subsets' lengths, or fractions summing to 1 (floored, the remainder given
            out round-robin, as torch).
        generator: A ``compat.Generator`` (default: the global one); the same seed gives the
            same split.

    Returns:
        A list of ``Subset``.

    Raises:
        InvalidArgumentError: If the lengths do not sum to the dataset's length (or 1).
        ArgumentTypeError: If ``generator`` is not a ``compat.Generator``.

    Example:
        >>> import compat
        >>> a, b = random_split(range(5), [3, 2], generator=compat.Generator().manual_seed(0))
        >>> len(a), len(b)
        (3, 2)
    """
    check_generator(generator, "random_split")
    return _data.random_split(dataset, lengths, generator=rng_from(generator))
