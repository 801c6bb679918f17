"""``torch.nn.init`` for compat tensors: fill a tensor in place from a distribution.

Each function draws from :mod:`rustorch_fx.nn.init` with a key from compat's default generator
(or the ``generator`` given), writes the values into the tensor without recording a gradient,
and returns the tensor, as torch's do. ``compat.manual_seed`` makes initialisation reproducible;
the numbers differ from torch's (a different generator), the distributions are the same.

Example:
    >>> import compat
    >>> w = compat.empty(3, 5)
    >>> _ = compat.nn.init.xavier_uniform_(w)
    >>> bool(w.abs().max() <= (6 / 8) ** 0.5)
    True
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import jax

from compat._grad_mode import no_grad
from compat._random import _default_generator
from compat._tensor import Tensor
from rustorch_fx.errors import ArgumentTypeError
from rustorch_fx.nn import init as _init

__all__ = [
    "calculate_gain",
    "constant_",
    "dirac_",
    "eye_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "orthogonal_",
    "sparse_",
    "trunc_normal_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]

calculate_gain = _init.calculate_gain


def _check(op: str, tensor: Any) -> None:
    if not isinstance(tensor, Tensor):
        raise ArgumentTypeError(f"{op}: expected a compat Tensor, got {type(tensor).__name__}")


def _key(generator: Any) -> jax.Array:
    return (generator if generator is not None else _default_generator())._next_key()


def _write(op: str, tensor: Tensor, value: jax.Array) -> Tensor:
    """Write ``value`` into ``tensor`` in place, on its device, without recording a gradient."""
    devices = tensor._value.devices()
    if value.devices() != devices:
        value = jax.device_put(value, next(iter(devices)))
    with no_grad():
        tensor._inplace(op, Tensor._wrap(value))
    return tensor


def _draw(op: str, tensor: Any, fn: Any, generator: Any, *args: Any) -> Tensor:
    _check(op, tensor)
    value = fn(_key(generator), tensor.shape, *args, dtype=tensor._value.dtype)
    return _write(op, tensor, value)


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight tensor, as torch's private helper of that name.

    Args:
        tensor: At least 2-D, ``(out, in, *kernel)``.

    Returns:
        ``(in * prod(kernel), out * prod(kernel))``.

    Raises:
        InvalidArgumentError: For fewer than 2 dimensions.
    """
    _check("_calculate_fan_in_and_fan_out", tensor)
    return _init.fan_in_and_fan_out(tensor.shape, "_calculate_fan_in_and_fan_out")


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    """``fan_in`` or ``fan_out`` of ``tensor`` by ``mode`` (torch's private helper).

    Args:
        tensor: At least 2-D.
        mode: ``"fan_in"`` or ``"fan_out"``.

    Returns:
        The fan.

    Raises:
        InvalidArgumentError: For an unknown mode or fewer than 2 dimensions.
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    if mode not in ("fan_in", "fan_out"):
        from rustorch_fx.errors import InvalidArgumentError

        raise InvalidArgumentError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Any = None) -> Tensor:
    """Fill ``tensor`` with values from ``U(a, b)``.

    Args:
        tensor: A floating tensor, modified in place.
        a: Lower bound.
        b: Upper bound.
        generator: A :class:`compat.Generator` (the default generator if None).

    Returns:
        ``tensor``.

    Raises:
        ArgumentTypeError: If ``tensor`` is not a compat Tensor.
        InvalidArgumentError: If ``a > b``.

    Example:
        >>> import compat
        >>> w = compat.nn.init.uniform_(compat.empty(4), -1, 1)
        >>> bool(w.abs().max() <= 1)
        True
    """
    return _draw("uniform_", tensor, _init.uniform, generator, a, b)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Any = None) -> Tensor:
    """Fill ``tensor`` with values from ``N(mean, std**2)``.

    Args:
        tensor: A floating tensor, modified in place.
        mean: The mean.
        std: The standard deviation.
        generator: A :class:`compat.Generator` (the default generator if None).

    Returns:
        ``tensor``.

    Raises:
        InvalidArgumentError: If ``std < 0``.

    Example:
        >>> import compat
        >>> compat.nn.init.normal_(compat.empty(2, 3), std=0.02).shape
        (2, 3)
    """
    return _draw("normal_", tensor, _init.normal, generator, mean, std)


def trunc_normal_(
    tensor: Tensor,
    mean: float = 0.0,
    std: float = 1.0,
    a: float = -2.0,
    b: float = 2.0,
    generator: Any = None,
) -> Tensor:
    """Fill ``tensor`` from ``N(mean, std**2)`` truncated to ``[a, b]`` (absolute bounds).

    Args:
        tensor: A floating tensor, modified in place.
        mean: The mean of the untruncated normal.
        std: Its standard deviation.
        a: Lower bound.
        b: Upper bound.
        generator: A :class:`compat.Generator` (the default generator if None).

    Returns:
        ``tensor``.

    Raises:
        InvalidArgumentError: If ``std <= 0`` or ``a >= b``.

    Example:
        >>> import compat
        >>> w = compat.nn.init.trunc_normal_(compat.empty(100), std=0.02, a=-0.04, b=0.04)
        >>> bool(w.abs().max() <= 0.04)
        True
    """
    return _draw("trunc_normal_", tensor, _init.trunc_normal, generator, mean, std, a, b)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill ``tensor`` with ``val``.

    Args:
        tensor: The tensor, modified in place.
        val: The value.

    Returns:
        ``tensor``.

    Example:
        >>> import compat
        >>> compat.nn.init.constant_(compat.empty(2), 0.5).tolist()
        [0.5, 0.5]
    """
    _check("constant_", tensor)
    with no_grad():
        return tensor.fill_(val)


def ones_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` with ones.

    Args:
        tensor: The tensor, modified in place.

    Returns:
        ``tensor``.

    Example:
        >>> import compat
        >>> compat.nn.init.ones_(compat.empty(2)).tolist()
        [1.0, 1.0]
    """
    return constant_(tensor, 1)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` with zeros.

    Args:
        tensor: The tensor, modified in place.

    Returns:
        ``tensor``.

    Example:
        >>> import compat
        >>> compat.nn.init.zeros_(compat.empty(2)).tolist()
        [0.0, 0.0]
    """
    return constant_(tensor, 0)


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D ``tensor`` with the identity (ones on the diagonal).

    Args:
        tensor: A 2-D floating tensor, modified in place.

    Returns:
        ``tensor``.

    Raises:
        InvalidArgumentError: If ``tensor`` is not 2-D.

    Example:
        >>> import compat
        >>> compat.nn.init.eye_(compat.empty(2, 2)).tolist()
        [[1.0, 0.0], [0.0, 1.0]]
    """
    _check("eye_", tensor)
    return _write("eye_", tensor, _init.eye(tensor.shape, dtype=tensor._value.dtype))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fill a 3-, 4- or 5-D convolution weight with the Dirac delta (identity convolution).

    Args:
        tensor: The weight ``(out, in, *kernel)``, modified in place.
        groups: The number of groups along ``out``.

    Returns:
        ``tensor``.

    Raises:
        InvalidArgumentError: For another rank or ``out`` not divisible by ``groups``.

    Example:
        >>> import compat
        >>> compat.nn.init.dirac_(compat.empty(2, 2, 3))[:, :, 1].tolist()
        [[1.0, 0.0], [0.0, 1.0]]
    """
    _check("dirac_", tensor)
    return _write("dirac_", tensor, _init.dirac(tensor.shape, groups, dtype=tensor._value.dtype))


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Glorot uniform: ``U(-t, t)``, ``t = gain * sqrt(6 / (fan_in + fan_out))``.

    Args:
        tensor: At least 2-D, modified in place.
        gain: A scale factor (see :func:`calculate_gain`).
        generator: A :class:`compat.Generator` (the default generator if None).

    Returns:
        ``tensor``.

    Raises:
        InvalidArgumentError: For fewer than 2 dimensions.

    Example:
        >>> import compat
        >>> compat.nn.init.xavier_uniform_(compat.empty(3, 5)).shape
        (3, 5)
    """
    return _draw("xavier_uniform_", tensor, _init.xavier_uniform, generator, gain)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Glorot normal: ``N(0, std**2)``, ``std = gain * sqrt(2 / (fan_in + fan_out))``.

    Args:
        tensor: At least 2-D, modified in place.
        gain: A scale factor.
        generator: A :class:`compat.Generator` (the default generator if None).

    Returns:
        ``tensor``.

    Raises:
        InvalidArgumentError: For fewer than 2 dimensions.

    Example:
        >>> import compat
        >>> compat.nn.init.xavier_normal_(compat.empty(3, 5)).shape
        (3, 5)
    """
    return _draw("xavier_normal_", tensor, _init.xavier_normal, generator, gain)


def _kaiming(
    op: str, fn: Any, tensor: Any, a: Any, mode: str, nonlinearity: str, generator: Any
) -> Tensor:
    _check(op, tensor)
    if math.prod(tensor.shape) == 0:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return tensor
    return _draw(op, tensor, fn, generator, a, mode, nonlinearity)


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Any = None,
) -> Tensor:
    """He uniform: ``U(-bound, bound)``, ``bound = gain * sqrt(3 / fan)``.

    Args:
        tensor: At least 2-D, modified in place.
        a: The negative slope of the rectifier that follows (``leaky_relu``).
        mode: ``"fan_in"`` or ``"fan_out"``.
        nonlinearity: The function that follows (see :func:`calculate_gain`).
        generator: A :class:`compat.Generator` (the default generator if None).

    Returns:
        ``tensor``.

    Raises:
        InvalidArgumentError: For fewer than 2 dimensions or an unknown mode.

    Example:
        >>> import compat, math
        >>> w = compat.nn.init.kaiming_uniform_(compat.empty(8, 4), a=math.sqrt(5))
        >>> bool(w.abs().max() <= 0.5)
        True
    """
    return _kaiming(
        "kaiming_uniform_", _init.kaiming_uniform, tensor, a, mode, nonlinearity, generator
    )


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Any = None,
) -> Tensor:
    """He normal: ``N(0, std**2)``, ``std = gain / sqrt(fan)``.

    Args:
        tensor: At least 2-D, modified in place.
        a: The negative slope of the rectifier that follows (``leaky_relu``).
        mode: ``"fan_in"`` or ``"fan_out"``.
        nonlinearity: The function that follows.
        generator: A :class:`compat.Generator` (the default generator if None).

    Returns:
        ``tensor``.

    Raises:
        InvalidArgumentError: For fewer than 2 dimensions or an unknown mode.

    Example:
        >>> import compat
        >>> compat.nn.init.kaiming_normal_(compat.empty(8, 4), mode="fan_out").shape
        (8, 4)
    """
    return _kaiming(
        "kaiming_normal_", _init.kaiming_normal, tensor, a, mode, nonlinearity, generator
    )


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Fill ``tensor`` with a (semi-)orthogonal matrix times ``gain``.

    Args:
        tensor: At least 2-D (viewed as ``(shape[0], -1)``), modified in place.
        gain: A scale factor.
        generator: A :class:`compat.Generator` (the default generator if None).

    Returns:
        ``tensor``.

    Raises:
        InvalidArgumentError: For fewer than 2 dimensions.

    Example:
        >>> import compat
        >>> q = compat.nn.init.orthogonal_(compat.empty(3, 3))
        >>> bool(((q @ q.T) - compat.eye(3)).abs().max() < 1e-5)
        True
    """
    return _draw("orthogonal_", tensor, _init.orthogonal, generator, gain)


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01, generator: Any = None) -> Tensor:
    """Fill a 2-D ``tensor`` from ``N(0, std**2)`` with ``ceil(sparsity * rows)`` zeros per column.

    Args:
        tensor: A 2-D floating tensor, modified in place.
        sparsity: The fraction of each column set to zero.
        std: The standard deviation of the non-zero values.
        generator: A :class:`compat.Generator` (the default generator if None).

    Returns:
        ``tensor``.

    Raises:
        InvalidArgumentError: If ``tensor`` is not 2-D or ``sparsity`` is outside ``[0, 1]``.

    Example:
        >>> import compat
        >>> (compat.nn.init.sparse_(compat.empty(10, 2), 0.3) == 0).sum(0).tolist()
        [3, 3]
    """
    return _draw("sparse_", tensor, _init.sparse, generator, sparsity, std)


# -- Tensor.uniform_ / Tensor.normal_ -----------------------------------------------------------
# Unlike the functions above, the methods are ordinary in-place ops: torch rejects them on a
# leaf that requires grad unless grad mode is off.


def _method(op: str, tensor: Tensor, fn: Any, generator: Any, *args: Any) -> Tensor:
    value = fn(_key(generator), tensor.shape, *args, dtype=tensor._value.dtype)
    devices = tensor._value.devices()
    if value.devices() != devices:
        value = jax.device_put(value, next(iter(devices)))
    return tensor._inplace(op, Tensor._wrap(value))


def _tensor_uniform_(self: Tensor, *args: Any, generator: Any = None, **kwargs: Any) -> Tensor:
    """Fill the tensor in place from ``U(from, to)`` (``Tensor.uniform_(from=0, to=1)``).

    Args:
        self: A floating tensor.
        *args: ``from`` and ``to``.
        generator: A :class:`compat.Generator` (the default generator if None).
        **kwargs: ``from`` and ``to`` by name.

    Returns:
        The tensor.

    Example:
        >>> import compat
        >>> bool(compat.empty(5).uniform_(2, 3).min() >= 2)
        True
    """
    names = ("from", "to")
    values = dict(zip(names, args, strict=False))
    for k, v in kwargs.items():
        if k not in names:
            raise ArgumentTypeError(f"uniform_: got an unexpected keyword argument '{k}'")
        values[k] = v
    return _method(
        "uniform_", self, _init.uniform, generator, values.get("from", 0.0), values.get("to", 1.0)
    )


def _tensor_normal_(
    self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator: Any = None
) -> Tensor:
    """Fill the tensor in place from ``N(mean, std**2)`` (``Tensor.normal_``).

    Args:
        self: A floating tensor.
        mean: The mean.
        std: The standard deviation.
        generator: A :class:`compat.Generator` (the default generator if None).

    Returns:
        The tensor.

    Example:
        >>> import compat
        >>> compat.empty(2, 2).normal_(0, 0.02).shape
        (2, 2)
    """
    return _method("normal_", self, _init.normal, generator, mean, std)


Tensor.uniform_ = _tensor_uniform_  # type: ignore[attr-defined]
Tensor.normal_ = _tensor_normal_  # type: ignore[attr-defined]
