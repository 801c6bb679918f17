"""torch's random samplers over ``compat.Generator``: the same seed gives the same order.

Each epoch draws one key from the generator (the global one when None, so that
``compat.manual_seed`` governs it, as ``torch.manual_seed`` does torch's) and permutes with
numpy from it. The orders differ from torch's (a different generator), the properties do not.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from compat.utils.data._random import check_generator, rng_from
from rustorch_fx import data as _data

__all__ = ["RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler"]


class _CompatRandom:
    generator: Any

    def _init_rng(self, generator: Any, op: str) -> None:
        check_generator(generator, op)
        self.generator = generator
        self._np_rng = None

    def _rng(self) -> np.random.Generator:
        return rng_from(self.generator)


class RandomSampler(_CompatRandom, _data.RandomSampler):
    """Random indices, as ``torch.utils.data.RandomSampler`` (a compat.Generator's randomness).

    Args:
        data_source: The dataset (only its length is used).
        replacement: Draw with replacement.
        num_samples: Indices per epoch (default ``len(data_source)``).
        generator: A ``compat.Generator``; None uses the global generator.

    Raises:
        ArgumentTypeError: If ``replacement`` is not a bool or ``generator`` not a Generator.
        InvalidArgumentError: If ``num_samples`` is not a positive int.

    Example:
        >>> import compat
        >>> g = compat.Generator().manual_seed(0)
        >>> sorted(RandomSampler(range(4), generator=g))
        [0, 1, 2, 3]
    """


class SubsetRandomSampler(_CompatRandom, _data.SubsetRandomSampler):
    """The given indices in a random order each epoch (torch's ``SubsetRandomSampler``).

    Args:
        indices: The indices to sample from.
        generator: A ``compat.Generator``; None uses the global generator.

    Raises:
        ArgumentTypeError: If ``generator`` is not a Generator.

    Example:
        >>> sorted(SubsetRandomSampler([5, 1, 3]))
        [1, 3, 5]
    """


class WeightedRandomSampler(_CompatRandom, _data.WeightedRandomSampler):
    """Indices drawn with probabilities proportional to ``weights`` (torch's sampler).

    Args:
        weights: Non-negative weights, a 1-d sequence (a compat tensor, list or array).
        num_samples: Indices per epoch.
        replacement: Draw with replacement.
        generator: A ``compat.Generator``; None uses the global generator.

    Raises:
        InvalidArgumentError: If ``num_samples`` is not a positive int, or the weights are not
            a 1-d sequence of non-negative, finite, not-all-zero numbers.
        ArgumentTypeError: If ``replacement`` is not a bool or ``generator`` not a Generator.

    Example:
        >>> set(WeightedRandomSampler([0.0, 2.0], 3))
        {1}
    """

    def __init__(
        self, weights: Any, num_samples: int, replacement: bool = True, generator: Any = None
    ) -> None:
        super().__init__(np.asarray(weights), num_samples, replacement, generator)
