"""``compat.cuda``: the GPUs JAX sees, shaped like ``torch.cuda``.

Every function works on a machine without a GPU: :func:`is_available` is False and
:func:`device_count` 0 there, the seeding functions are silently ignored (as in torch), and the
functions that need a GPU raise :class:`~rustorch_fx.errors.DeviceError` (torch raises an
``AssertionError`` from a CPU build). "GPU" means a device of JAX's GPU backend (CUDA, or ROCm
for a ROCm build of jaxlib).
"""

from __future__ import annotations

from typing import Any

import jax

from compat import _device, _random
from rustorch_fx.errors import DeviceError

__all__ = [
    "is_available",
    "device_count",
    "current_device",
    "set_device",
    "get_device_name",
    "manual_seed",
    "manual_seed_all",
    "synchronize",
]


def _require_gpus(op: str) -> tuple[Any, ...]:
    gpus = _device._gpu_devices()
    if not gpus:
        raise DeviceError(f"{op}: no GPU is available: JAX sees 0 GPU(s)")
    return gpus


def _index(op: str, where: Any) -> int:
    # The GPU index ``where`` names: None is the current device; an int, a string or a device.
    _require_gpus(op)
    if where is None:
        return _device._current_cuda_index()
    if isinstance(where, int) and not isinstance(where, bool):
        where = _device.device("cuda", where)
    d = _device._as_device(where, op)
    if d.type != "cuda":
        raise DeviceError(f"{op}: expected a cuda device, got {d}")
    _device._to_jax_device(d, op)  # raises when it is not there
    return _device._current_cuda_index() if d.index is None else d.index


def is_available() -> bool:
    """Whether JAX sees at least one GPU, as ``torch.cuda.is_available``.

    Returns:
        True if a GPU is available.

    Example:
        >>> import compat.cuda
        >>> isinstance(compat.cuda.is_available(), bool)
        True
    """
    return device_count() > 0


def device_count() -> int:
    """Return the number of GPUs JAX sees, as ``torch.cuda.device_count`` (0 without a GPU).

    Returns:
        The number of GPUs.

    Example:
        >>> import compat.cuda
        >>> compat.cuda.device_count() >= 0
        True
    """
    return len(_device._gpu_devices())


def current_device() -> int:
    """Return the index of the current GPU, as ``torch.cuda.current_device``.

    Returns:
        The index that ``"cuda"`` without an index means (0 unless :func:`set_device` changed it).

    Raises:
        DeviceError: If JAX sees no GPU.

    Example:
        >>> import compat.cuda
        >>> if compat.cuda.is_available():
        ...     print(compat.cuda.current_device())
    """
    _require_gpus("cuda.current_device")
    return _device._current_cuda_index()


def set_device(device: Any) -> None:
    """Make ``device`` the current GPU, as ``torch.cuda.set_device`` (process-wide here).

    Args:
        device: A GPU index, ``"cuda:i"`` or a compat device.

    Raises:
        DeviceError: If JAX sees no GPU, the device is not a cuda device, or it does not exist.

    Example:
        >>> import compat.cuda
        >>> if compat.cuda.is_available():
        ...     compat.cuda.set_device(0)
    """
    _device._set_current_cuda_index(_index("cuda.set_device", device))


def get_device_name(device: Any = None) -> str:
    """Return a GPU's name, as ``torch.cuda.get_device_name`` (``"NVIDIA H100 80GB HBM3"``).

    Args:
        device: A GPU index, ``"cuda:i"`` or a compat device; the current GPU when None.

    Returns:
        JAX's ``device_kind`` of that GPU.

    Raises:
        DeviceError: If JAX sees no GPU, or the device is not one of its GPUs.

    Example:
        >>> import compat.cuda
        >>> if compat.cuda.is_available():
        ...     print(compat.cuda.get_device_name(0))
    """
    index = _index("cuda.get_device_name", device)
    return str(_device._gpu_devices()[index].device_kind)


def manual_seed(seed: Any) -> None:
    """Seed the current GPU's generator, as ``torch.cuda.manual_seed``.

    Without a GPU the call is ignored after checking ``seed``, as in torch.

    Args:
        seed: An int in ``[-2**63, 2**64 - 1]``.

    Raises:
        ArgumentTypeError: If ``seed`` is not a real number.
        InvalidArgumentError: If ``seed`` is out of range.

    Example:
        >>> import compat.cuda
        >>> compat.cuda.manual_seed(0)
    """
    value = _random._check_seed("cuda.manual_seed", seed)
    if is_available():
        _random._seed_cuda(value, _device._current_cuda_index())


def manual_seed_all(seed: Any) -> None:
    """Seed the generator of every GPU, as ``torch.cuda.manual_seed_all``.

    The seed also applies to GPU generators first used later. The CPU generator is unchanged.

    Args:
        seed: An int in ``[-2**63, 2**64 - 1]``.

    Raises:
        ArgumentTypeError: If ``seed`` is not a real number.
        InvalidArgumentError: If ``seed`` is out of range.

    Example:
        >>> import compat.cuda
        >>> compat.cuda.manual_seed_all(0)
    """
    _random._seed_cuda(_random._check_seed("cuda.manual_seed_all", seed))


def synchronize(device: Any = None) -> None:
    """Wait until the work JAX has dispatched is done, as ``torch.cuda.synchronize``.

    JAX dispatches asynchronously; this waits for every live array to be computed and for
    pending side effects (``jax.effects_barrier``). It waits for all devices, not only
    ``device`` (JAX has no per-device barrier).

    Args:
        device: Checked as in torch (a GPU index, ``"cuda:i"`` or a compat device); None for the
            current GPU.

    Raises:
        DeviceError: If JAX sees no GPU, or ``device`` is not one of its GPUs.

    Example:
        >>> import compat.cuda
        >>> if compat.cuda.is_available():
        ...     compat.cuda.synchronize()
    """
    _index("cuda.synchronize", device)
    jax.block_until_ready(jax.live_arrays())
    jax.effects_barrier()
