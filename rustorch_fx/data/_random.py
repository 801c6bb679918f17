"""Randomness for the data pipeline: numpy Generators from seeds, keys and Generators.

Data loading runs on the host, in Python and in worker processes that must not touch JAX, so
its randomness is numpy's. Everything that shuffles takes a ``generator`` that is one of: None
(fresh OS entropy each epoch), an int seed, a ``numpy.random.Generator``, a
``numpy.random.SeedSequence`` or a JAX PRNG key.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from rustorch_fx.errors import ArgumentTypeError

__all__ = ["as_rng", "rng_from_key"]


def rng_from_key(key: Any) -> np.random.Generator:
    """Return a numpy Generator seeded from the bits of a JAX PRNG key.

    Args:
        key: A JAX PRNG key (typed, from ``jax.random.key``, or raw uint32, from
            ``jax.random.PRNGKey``).

    Returns:
        A ``numpy.random.Generator`` (PCG64) whose seed is the key's data: the same key gives
        the same stream.

    Example:
        >>> import jax
        >>> a = rng_from_key(jax.random.key(0)).integers(100, size=3)
        >>> b = rng_from_key(jax.random.key(0)).integers(100, size=3)
        >>> bool((a == b).all())
        True
    """
    import jax

    data = key
    if jax.dtypes.issubdtype(getattr(key, "dtype", None), jax.dtypes.prng_key):
        data = jax.random.key_data(key)
    words = np.asarray(data).astype(np.uint64).reshape(-1)
    return np.random.default_rng([int(w) for w in words])


def _is_jax_key(value: Any) -> bool:
    module = type(value).__module__
    return module.startswith(("jax", "jaxlib")) and hasattr(value, "dtype")


def as_rng(generator: Any, op: str = "data") -> np.random.Generator | None:
    """Normalise a ``generator`` argument into a numpy Generator (None stays None).

    Args:
        generator: None, an int seed, a ``numpy.random.Generator``, a
            ``numpy.random.SeedSequence`` or a JAX PRNG key.
        op: The name of the caller, for error messages.

    Returns:
        A ``numpy.random.Generator`` that the caller keeps and draws from (so successive
        epochs differ), or None when ``generator`` is None (the caller then draws fresh
        entropy each time).

    Raises:
        ArgumentTypeError: If ``generator`` is none of the accepted types.

    Example:
        >>> bool(as_rng(0).integers(10) == as_rng(0).integers(10))
        True
    """
    if generator is None or isinstance(generator, np.random.Generator):
        return generator
    if isinstance(generator, numbers.Integral) and not isinstance(generator, bool):
        return np.random.default_rng(int(generator))
    if isinstance(generator, np.random.SeedSequence):
        return np.random.default_rng(generator)
    if _is_jax_key(generator):
        return rng_from_key(generator)
    raise ArgumentTypeError(
        f"{op}: generator must be None, an int seed, a numpy.random.Generator, a "
        f"numpy.random.SeedSequence or a JAX PRNG key, got {type(generator).__name__}"
    )
