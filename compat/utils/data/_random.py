"""compat Generators as the numpy randomness of the data pipeline (one draw per epoch)."""

from __future__ import annotations

from typing import Any

import numpy as np

from compat._random import Generator, _default_generator
from rustorch_fx.data import rng_from_key
from rustorch_fx.errors import ArgumentTypeError

__all__: list[str] = []


def check_generator(generator: Any, op: str) -> None:
    """Raise unless ``generator`` is None or a ``compat.Generator``."""
    if generator is not None and not isinstance(generator, Generator):
        raise ArgumentTypeError(
            f"{op}: generator must be a compat.Generator or None, got {type(generator).__name__}"
        )


def rng_from(generator: Generator | None) -> np.random.Generator:
    """A numpy Generator seeded by one key drawn from ``generator`` (default: the global one).

    Drawing advances the compat generator, so successive epochs differ, and
    ``compat.manual_seed`` (or ``generator.manual_seed``) makes the sequence reproducible.
    """
    gen = generator if generator is not None else _default_generator()
    return rng_from_key(gen._next_key())
