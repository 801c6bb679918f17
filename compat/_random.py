"""The global random number generator and :class:`Generator`, shaped like torch's.

A :class:`Generator` holds a 64-bit seed and a counter. Each random operation asks it for a key
(``_next_key``): the JAX key ``fold_in(key(seed), counter)``, after which the counter moves on.
So the same seed gives the same sequence of keys, hence the same numbers, on every run and every
device (JAX's threefry generator is the same on CPU and GPU), and saving the state (seed and
counter) and restoring it later resumes the sequence exactly.

Warning:
    compat cannot reproduce PyTorch's random numbers: torch uses a Mersenne Twister (CPU) and
    Philox (CUDA), compat uses JAX's threefry. ``manual_seed(0)`` makes runs of compat
    reproducible, not equal to torch's.

As in PyTorch, the default generator starts from a non-deterministic seed, a new
``Generator()`` from 67280421310721, and :func:`manual_seed` seeds the CPU generator and every
CUDA generator. ``compat.cuda`` keeps one generator per GPU, created when first used.

The state (:meth:`Generator.get_state`, :func:`get_rng_state`) is a ``uint8`` numpy array of 24
bytes: ``b"RTFXRNG1"``, then the seed and the counter as little-endian uint64. PyTorch's is a
5056-byte ByteTensor; the two are not interchangeable. :meth:`Generator.set_state` accepts that
array, the same bytes (``bytes``/``bytearray``), or any uint8 array-like (a compat or torch
tensor).
"""

from __future__ import annotations

import numbers
import secrets
import threading
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from compat._device import _as_device, _current_cuda_index, device
from rustorch_fx.errors import ArgumentTypeError, DTypeError, InvalidArgumentError

__all__ = [
    "Generator",
    "manual_seed",
    "seed",
    "initial_seed",
    "get_rng_state",
    "set_rng_state",
]

_NEW_GENERATOR_SEED = 67280421310721  # torch's default_rng_seed_val
_MASK64 = (1 << 64) - 1
_MASK32 = (1 << 32) - 1
_MAGIC = b"RTFXRNG1"
_STATE_BYTES = len(_MAGIC) + 16


def _check_seed(op: str, value: Any, integral: bool = False) -> int:
    # torch.manual_seed converts with int(); Generator.manual_seed takes ints only (integral).
    # Negative seeds wrap to uint64 as in torch; beyond 64 bits torch overflows.
    accepted = numbers.Integral if integral else (numbers.Real, np.bool_)
    if not isinstance(value, accepted) or (integral and isinstance(value, bool)):
        raise ArgumentTypeError(
            f"{op}: seed must be an int, got {value!r} ({type(value).__name__})"
        )
    try:
        as_int = int(value)
    except (ValueError, OverflowError) as exc:
        raise InvalidArgumentError(f"{op}: seed must be a finite number, got {value!r}") from exc
    if not -(1 << 63) <= as_int <= _MASK64:
        raise InvalidArgumentError(
            f"{op}: seed {as_int} is out of range (expected an int in "
            f"[-2**63, 2**64 - 1], negative seeds wrapping to uint64 as in torch)"
        )
    return as_int & _MASK64


@jax.jit
def _step(seed_words: jax.Array, counter_words: jax.Array) -> tuple[jax.Array, jax.Array]:
    # counter_words is the counter as uint32 [high, low]. The key is fold_in(key(seed), low)
    # while the high word is 0, and fold_in(fold_in(key(seed), high), low) after that. The
    # counter stays on the device and is advanced here, so that a draw moves no data from the
    # host (a host-to-device copy per draw costs about 100 µs on a GPU).
    high, low = counter_words[0], counter_words[1]
    base = jax.random.wrap_key_data(seed_words, impl="threefry2x32")
    narrow = jax.random.key_data(jax.random.fold_in(base, low))
    wide = jax.random.key_data(jax.random.fold_in(jax.random.fold_in(base, high), low))
    key = jax.random.wrap_key_data(jnp.where(high == 0, narrow, wide), impl="threefry2x32")
    low = low + jnp.uint32(1)
    high = high + (low == 0).astype(jnp.uint32)
    return key, jnp.stack([high, low])


def _words(value: int) -> np.ndarray:
    return np.array([value >> 32, value & _MASK32], dtype=np.uint32)


class Generator:
    """A random number generator, shaped like ``torch.Generator``: a seed plus a counter.

    Pass it as ``generator=`` to compat's random functions; each call draws a fresh JAX key
    from it. See the module docstring for how keys are derived and how they differ from torch.

    Args:
        device: The device it generates for (``"cpu"``, ``"cuda"``, ...). The keys are the same
            on every device; the argument is kept for torch's API and reported by ``device``.

    Raises:
        DeviceError: If ``device`` is not a valid device.

    Example:
        >>> import jax
        >>> from compat._random import Generator
        >>> g = Generator().manual_seed(0)
        >>> state = g.get_state()
        >>> k1 = g._next_key()
        >>> _ = g.set_state(state)
        >>> bool((jax.random.key_data(g._next_key()) == jax.random.key_data(k1)).all())
        True
    """

    def __init__(self, device: Any = "cpu") -> None:
        self._device = _as_device(device, "Generator")
        self._lock = threading.Lock()
        self._set(_NEW_GENERATOR_SEED, 0)

    def _set(self, seed_value: int, counter: int) -> None:
        with self._lock:
            self._seed = seed_value
            self._counter = counter
            # Put on the device at the first draw, so that importing compat starts no backend.
            self._on_device: tuple[jax.Array, jax.Array] | None = None

    @property
    def device(self) -> device:
        """The device this generator was created for."""
        return self._device

    def manual_seed(self, seed: Any) -> Generator:
        """Seed the generator and restart its sequence, as ``torch.Generator.manual_seed``.

        Args:
            seed: An int in ``[-2**63, 2**64 - 1]``; negative seeds wrap to uint64, as in
                torch (which, unlike :func:`manual_seed`, takes no floats or bools here).

        Returns:
            This generator.

        Raises:
            ArgumentTypeError: If ``seed`` is not an int (a float or a bool included).
            InvalidArgumentError: If ``seed`` is out of range.

        Example:
            >>> from compat._random import Generator
            >>> Generator().manual_seed(-1).initial_seed()
            18446744073709551615
        """
        self._set(_check_seed("Generator.manual_seed", seed, integral=True), 0)
        return self

    def seed(self) -> int:
        """Seed the generator from the OS's entropy source and return the seed, as torch.

        Returns:
            The new seed, an int in ``[0, 2**64)``.

        Example:
            >>> from compat._random import Generator
            >>> g = Generator()
            >>> g.seed() == g.initial_seed()
            True
        """
        value = secrets.randbits(64)
        self._set(value, 0)
        return value

    def initial_seed(self) -> int:
        """Return the seed the generator was last seeded with.

        Returns:
            An int in ``[0, 2**64)``.

        Example:
            >>> from compat._random import Generator
            >>> Generator().manual_seed(7).initial_seed()
            7
        """
        return self._seed

    def get_state(self) -> np.ndarray:
        """Return the generator's state: seed and counter, as 24 bytes (see the module docstring).

        Returns:
            A ``uint8`` numpy array of shape ``(24,)``; ``set_state`` of it resumes the sequence.

        Example:
            >>> from compat._random import Generator
            >>> Generator().get_state().shape
            (24,)
        """
        with self._lock:
            packed = _MAGIC + np.array([self._seed, self._counter], dtype="<u8").tobytes()
        return np.frombuffer(packed, dtype=np.uint8).copy()

    def set_state(self, new_state: Any) -> Generator:
        """Restore a state from :meth:`get_state`, as ``torch.Generator.set_state``.

        Args:
            new_state: The ``uint8`` array :meth:`get_state` returned, its bytes, or a uint8
                array-like holding them (a compat or torch tensor).

        Returns:
            This generator.

        Raises:
            DTypeError: If ``new_state`` is not of dtype uint8.
            InvalidArgumentError: If it does not hold a compat generator state (a torch state,
                24 bytes of something else).

        Example:
            >>> from compat._random import Generator
            >>> state = Generator().manual_seed(3).get_state()
            >>> Generator().set_state(state).initial_seed()
            3
        """
        seed_value, counter = _unpack_state("Generator.set_state", new_state)
        self._set(seed_value, counter)
        return self

    def _next_key(self) -> jax.Array:
        """Return a fresh JAX key, ``fold_in(key(seed), counter)``, and advance the counter.

        The key is a typed threefry key, whatever JAX's default PRNG implementation. Counters
        from 2**32 on fold in their high word too. Called under a JAX trace, the key is drawn
        once, when the function is traced.

        Returns:
            A scalar ``jax.Array`` of a PRNG key dtype, for ``rustorch_fx.ops.rand(key, ...)``.
        """
        # ensure_compile_time_eval: the state stays concrete when called under a JAX trace.
        with self._lock, jax.ensure_compile_time_eval():
            counter = self._counter
            self._counter = (counter + 1) & _MASK64
            if self._on_device is None:
                self._on_device = (
                    jax.device_put(_words(self._seed)),
                    jax.device_put(_words(counter)),
                )
            seed_words, counter_words = self._on_device
            key, counter_words = _step(seed_words, counter_words)
            self._on_device = (seed_words, counter_words)
        return key

    def __repr__(self) -> str:
        return f"Generator(device='{self._device}', initial_seed={self._seed})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (str(self._device), self.get_state().tobytes()))


def _rebuild(device_name: str, state: bytes) -> Generator:
    return Generator(device_name).set_state(state)


def _unpack_state(op: str, state: Any) -> tuple[int, int]:
    if isinstance(state, (bytes, bytearray, memoryview)):
        array = np.frombuffer(bytes(state), dtype=np.uint8)
    else:
        array = np.asarray(state)
    if array.dtype != np.uint8:
        raise DTypeError(f"{op}: RNG state must be a uint8 array, got dtype {array.dtype}")
    data = array.reshape(-1).tobytes()
    if len(data) != _STATE_BYTES or not data.startswith(_MAGIC):
        raise InvalidArgumentError(
            f"{op}: expected a compat RNG state ({_STATE_BYTES} bytes starting with "
            f"{_MAGIC!r}, from get_state()), got {len(data)} bytes that are not one"
        )
    seed_value, counter = np.frombuffer(data[len(_MAGIC) :], dtype="<u8")
    return int(seed_value), int(counter)


# ----------------------------------------------------------------------------------------------
# the default generators
# ----------------------------------------------------------------------------------------------

default_generator = Generator()
default_generator.seed()  # non-deterministic at start, as torch's default generator

_cuda_lock = threading.RLock()
_cuda_generators: dict[int, Generator] = {}
# The seed CUDA generators created later start from (manual_seed/seed/cuda.manual_seed_all).
_cuda_seed = [default_generator.initial_seed()]


def _cuda_generator(index: int) -> Generator:
    """The default generator of GPU ``index``, created on first use from the last global seed."""
    with _cuda_lock:
        gen = _cuda_generators.get(index)
        if gen is None:
            gen = Generator(device("cuda", index)).manual_seed(_cuda_seed[0])
            _cuda_generators[index] = gen
        return gen


def _seed_cuda(seed_value: int, index: int | None = None) -> None:
    """Seed GPU ``index``'s generator, or every GPU's (present and future) when None."""
    with _cuda_lock:
        if index is not None:
            _cuda_generator(index).manual_seed(seed_value)
            return
        _cuda_seed[0] = seed_value
        for gen in _cuda_generators.values():
            gen.manual_seed(seed_value)


def _default_generator(where: Any = None) -> Generator:
    """The generator random ops use when given none: the CPU one, or the GPU's for ``cuda``.

    Args:
        where: A device (anything ``compat.device`` accepts) or None for the CPU.

    Returns:
        :data:`default_generator` for None and non-CUDA devices; for ``cuda:i`` GPU i's
        generator (``cuda`` alone: the current GPU's).
    """
    if where is None:
        return default_generator
    d = _as_device(where, "generator")
    if d.type != "cuda":
        return default_generator
    return _cuda_generator(_current_cuda_index() if d.index is None else d.index)


def manual_seed(seed: Any) -> Generator:
    """Seed the CPU generator and every CUDA generator, as ``torch.manual_seed``.

    Args:
        seed: An int in ``[-2**63, 2**64 - 1]`` (negative seeds wrap, floats truncate).

    Returns:
        The default (CPU) generator.

    Raises:
        ArgumentTypeError: If ``seed`` is not a real number.
        InvalidArgumentError: If ``seed`` is out of range.

    Example:
        >>> from compat._random import manual_seed, initial_seed
        >>> _ = manual_seed(42)
        >>> initial_seed()
        42
    """
    value = _check_seed("manual_seed", seed)
    default_generator.manual_seed(value)
    _seed_cuda(value)
    return default_generator


def seed() -> int:
    """Seed every generator from the OS's entropy source, as ``torch.seed``.

    Returns:
        The new seed, an int in ``[0, 2**64)``.

    Example:
        >>> from compat._random import seed, initial_seed
        >>> s = seed()
        >>> s == initial_seed()
        True
    """
    value = default_generator.seed()
    _seed_cuda(value)
    return value


def initial_seed() -> int:
    """Return the seed of the default (CPU) generator, as ``torch.initial_seed``.

    Returns:
        An int in ``[0, 2**64)``.

    Example:
        >>> from compat._random import manual_seed, initial_seed
        >>> manual_seed(5).initial_seed() == initial_seed() == 5
        True
    """
    return default_generator.initial_seed()


def get_rng_state() -> np.ndarray:
    """Return the default generator's state, as ``torch.get_rng_state``.

    Returns:
        A ``uint8`` numpy array of 24 bytes (torch returns a 5056-byte ByteTensor; see the
        module docstring).

    Example:
        >>> from compat._random import get_rng_state
        >>> get_rng_state().dtype
        dtype('uint8')
    """
    return default_generator.get_state()


def set_rng_state(new_state: Any) -> None:
    """Restore the default generator's state from :func:`get_rng_state`, as torch.

    Args:
        new_state: The array :func:`get_rng_state` returned, or its bytes.

    Raises:
        DTypeError: If ``new_state`` is not of dtype uint8.
        InvalidArgumentError: If it is not a compat generator state.

    Example:
        >>> from compat._random import get_rng_state, set_rng_state
        >>> set_rng_state(get_rng_state())
    """
    default_generator.set_state(new_state)
