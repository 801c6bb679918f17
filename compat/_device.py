"""Devices shaped like ``torch.device``, and their mapping onto JAX's devices.

``device("cpu")``, ``device("cuda", 0)`` and ``device("cuda:0")`` parse as in PyTorch (the same
device types, the same invalid strings). compat computes with JAX, so only ``cpu`` and ``cuda``
name places where arrays can live: ``cpu`` is JAX's first CPU device and ``cuda:i`` is the i-th
device of JAX's GPU backend (:func:`_to_jax_device`). Other types (``mps``, ``meta``, ...) parse,
so scripts that name them in a branch still run, but cannot hold arrays.

The current CUDA device (``compat.cuda.set_device``) is process-global here; in PyTorch it is
per thread.
"""

from __future__ import annotations

import re
import threading
from functools import cache
from typing import Any

import jax

from rustorch_fx.errors import ArgumentTypeError, DeviceError

__all__ = ["device"]

_pytype = type  # the builtin, which device's argument named ``type`` shadows

# torch 2.13's device types, in the order its error message lists them.
_TYPES = (
    "cpu",
    "cuda",
    "ipu",
    "xpu",
    "mkldnn",
    "opengl",
    "opencl",
    "ideep",
    "hip",
    "ve",
    "fpga",
    "maia",
    "xla",
    "lazy",
    "vulkan",
    "mps",
    "meta",
    "hpu",
    "mtia",
    "privateuseone",
)
_PATTERN = re.compile(r"([a-zA-Z_]+)(?::(0|[1-9][0-9]*))?")


def _check_index(index: Any) -> int | None:
    if index is None:
        return None
    if isinstance(index, bool) or not isinstance(index, int):
        raise ArgumentTypeError(
            f"device: argument 'index' must be an int or None, got {type(index).__name__}"
        )
    if index < 0:
        raise DeviceError(f"device: device index must not be negative, got {index}")
    return index


def _parse(text: str) -> tuple[str, int | None]:
    if not text:
        raise DeviceError("device: device string must not be empty (expected e.g. 'cpu', 'cuda:0')")
    match = _PATTERN.fullmatch(text)
    if match is None:
        raise DeviceError(
            f"device: invalid device string {text!r} (expected 'type' or 'type:index', "
            "such as 'cpu', 'cuda' or 'cuda:0')"
        )
    kind, index = match.groups()
    if kind not in _TYPES:
        raise DeviceError(
            f"device: expected one of {', '.join(_TYPES)} at the start of the device string, "
            f"got {text!r}"
        )
    return kind, None if index is None else int(index)


class device:
    """Where a tensor lives, shaped like ``torch.device``: an immutable, hashable value.

    Args:
        type: A device string (``"cpu"``, ``"cuda"``, ``"cuda:1"``), another device, or an int
            ``i`` for ``cuda:i`` (as torch, which maps an int to its accelerator; compat raises
            when JAX sees no GPU).
        index: The device index, when ``type`` is a string without one.

    Attributes:
        type: The device type, such as ``"cuda"``.
        index: The device index, or None when not given (``device("cuda") != device("cuda:0")``,
            as in torch).

    Raises:
        DeviceError: If the string is empty or malformed, names an unknown device type, holds
            an index while ``index`` is given too, or the index is negative; or if ``type`` is
            an int and JAX sees no GPU.
        ArgumentTypeError: If ``type`` or ``index`` has the wrong Python type.

    Example:
        >>> from compat._device import device
        >>> device("cuda:1"), str(device("cuda", 1)), device("cpu").index
        (device(type='cuda', index=1), 'cuda:1', None)
    """

    __slots__ = ("_index", "_type")

    def __init__(self, type: Any, index: Any = None) -> None:
        index = _check_index(index)
        if isinstance(type, str):
            kind, parsed = _parse(type)
            if parsed is not None and index is not None:
                raise DeviceError(
                    f"device: type {type!r} must not include an index because index "
                    f"{index} was passed explicitly"
                )
            index = parsed if index is None else index
        elif isinstance(type, device) and index is None:
            kind, index = type._type, type._index
        elif isinstance(type, int) and not isinstance(type, bool) and index is None:
            count = len(_gpu_devices())
            if count == 0:
                raise DeviceError(
                    f"device: an int ({type}) names an accelerator device, but none is "
                    "available: JAX sees 0 GPU(s)"
                )
            kind, index = "cuda", _check_index(type)
        else:
            raise ArgumentTypeError(
                "device: expected a device string, a compat.device or an int (and 'index' "
                f"only with a string), got {type!r} ({_pytype(type).__name__})"
            )
        self._type = kind
        self._index = index

    @property
    def type(self) -> str:
        """The device type, such as ``"cpu"`` or ``"cuda"``."""
        return self._type

    @property
    def index(self) -> int | None:
        """The device index, or None when the device was named without one."""
        return self._index

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, device):
            return NotImplemented
        return (self._type, self._index) == (other._type, other._index)

    def __hash__(self) -> int:
        return hash((self._type, self._index))

    def __repr__(self) -> str:
        if self._index is None:
            return f"device(type={self._type!r})"
        return f"device(type={self._type!r}, index={self._index})"

    def __str__(self) -> str:
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (device, (self._type, self._index))


# ----------------------------------------------------------------------------------------------
# mapping to JAX
# ----------------------------------------------------------------------------------------------


@cache
def _gpu_devices() -> tuple[Any, ...]:
    """JAX's GPU devices (CUDA or ROCm), in JAX's order; empty when it has no GPU backend."""
    try:
        return tuple(jax.devices("gpu"))
    except RuntimeError:
        return ()


_current_lock = threading.Lock()
_current_cuda = [0]


def _current_cuda_index() -> int:
    """The index ``cuda`` without an index means (``compat.cuda.set_device`` changes it)."""
    return _current_cuda[0]


def _set_current_cuda_index(index: int) -> None:
    with _current_lock:
        _current_cuda[0] = index


def _as_device(x: Any, op: str = "device") -> device:
    """Return ``x`` as a compat device: a device, a string, an int (``cuda:i``) or a torch.device.

    Raises:
        DeviceError: As :class:`device` does, with ``op`` named.
        ArgumentTypeError: As :class:`device` does, with ``op`` named.
    """
    if isinstance(x, device):
        return x
    if _pytype(x).__name__ == "device" and _pytype(x).__module__ == "torch":
        x = str(x)  # a torch.device
    try:
        return device(x)
    except (DeviceError, ArgumentTypeError) as exc:
        if op == "device":
            raise
        raise _pytype(exc)(f"{op}: {exc.message.removeprefix('device: ')}") from exc


def _to_jax_device(x: Any, op: str = "device") -> Any:
    """Return the JAX device a compat device names.

    ``cpu`` (any index: torch ignores it) is ``jax.devices("cpu")[0]``; ``cuda:i`` is the i-th
    GPU JAX sees, and ``cuda`` the current one (index 0 unless ``compat.cuda.set_device``
    changed it).

    Args:
        x: Anything :func:`_as_device` accepts.
        op: The operation asking, for error messages.

    Returns:
        A ``jax.Device``.

    Raises:
        DeviceError: If the GPU is not there ("cuda:1 is not available: JAX sees 0 GPU(s)"),
            or the type is neither ``cpu`` nor ``cuda``.
    """
    d = _as_device(x, op)
    if d.type == "cpu":
        return jax.devices("cpu")[0]
    if d.type != "cuda":
        raise DeviceError(
            f"{op}: device {d} has no JAX counterpart (compat places arrays on 'cpu' and "
            "'cuda' devices only)"
        )
    gpus = _gpu_devices()
    index = _current_cuda_index() if d.index is None else d.index
    if index >= len(gpus):
        raise DeviceError(f"{op}: cuda:{index} is not available: JAX sees {len(gpus)} GPU(s)")
    return gpus[index]


def _from_jax_device(jax_device: Any) -> device:
    """Return the compat device of a JAX device: ``cpu`` for CPU, ``cuda:i`` for the i-th GPU.

    Raises:
        DeviceError: For a device of another platform (a TPU).
    """
    if jax_device.platform == "cpu":
        return device("cpu")
    gpus = _gpu_devices()
    if jax_device in gpus:
        return device("cuda", gpus.index(jax_device))
    raise DeviceError(
        f"device: JAX device {jax_device} (platform {jax_device.platform!r}) has no compat "
        "device (expected a CPU or GPU device)"
    )
