"""Parameter initialisers with ``torch.nn.init``'s distributions, as pure functions of a PRNG key.

Each function takes a JAX PRNG ``key``, a ``shape`` and a floating ``dtype`` (float32 by default)
and returns a new array drawn from the distribution torch's in-place function of the same name
(without the trailing underscore) fills a tensor with. The fan computation is torch's: for a
weight of shape ``(out, in, *kernel)``, ``fan_in = in * prod(kernel)`` and
``fan_out = out * prod(kernel)``. ``compat.nn.init`` calls these and writes the result into the
tensor.

The numbers cannot equal torch's (JAX's threefry generator is not torch's Mersenne Twister); the
distributions, bounds and moments are the same, and the same key gives the same numbers.

Example:
    >>> import jax
    >>> from rustorch_fx.nn import init
    >>> w = init.kaiming_uniform(jax.random.key(0), (16, 8), a=5**0.5)
    >>> bool(abs(w).max() <= 1 / 8**0.5)
    True
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from rustorch_fx import _dtypes
from rustorch_fx._checks import size_arg
from rustorch_fx.errors import ArgumentTypeError, DTypeError, InvalidArgumentError

__all__ = [
    "calculate_gain",
    "dirac",
    "eye",
    "fan_in_and_fan_out",
    "kaiming_normal",
    "kaiming_uniform",
    "normal",
    "orthogonal",
    "sparse",
    "trunc_normal",
    "uniform",
    "xavier_normal",
    "xavier_uniform",
]

_LINEAR = (
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
)


def _float_dtype(op: str, dtype: Any) -> np.dtype:
    dt = _dtypes.resolve(op, dtype, _dtypes.DEFAULT_FLOAT)
    if not _dtypes.is_floating(dt):
        raise DTypeError(f"{op}: expected a floating point dtype, got {dt.name}")
    return dt


def _shape(op: str, shape: Any) -> tuple[int, ...]:
    return size_arg(op, shape, "shape")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity, as ``torch.nn.init.calculate_gain``.

    ========================  ===================================
    nonlinearity              gain
    ========================  ===================================
    linear, conv*, sigmoid    1
    tanh                      5/3
    relu                      sqrt(2)
    leaky_relu                sqrt(2 / (1 + negative_slope**2))
    selu                      3/4
    ========================  ===================================

    Args:
        nonlinearity: The function's name.
        param: The negative slope of ``leaky_relu`` (default 0.01); ignored otherwise.

    Returns:
        The gain, a Python float.

    Raises:
        InvalidArgumentError: For an unknown nonlinearity or a non-numeric slope.

    Example:
        >>> calculate_gain("leaky_relu", 0.2)
        1.3867504905630728
    """
    if nonlinearity in _LINEAR:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise InvalidArgumentError(
                f"calculate_gain: negative_slope {param!r} not a valid number"
            )
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise InvalidArgumentError(
        f"calculate_gain: unsupported nonlinearity {nonlinearity!r}; expected one of "
        f"{', '.join(_LINEAR)}, tanh, relu, leaky_relu, selu"
    )


def fan_in_and_fan_out(shape: Any, op: str = "fan_in_and_fan_out") -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight shaped ``(out, in, *kernel)``, as torch computes them.

    Args:
        shape: The weight's shape, at least 2-D.
        op: The operation named in errors.

    Returns:
        ``(in * prod(kernel), out * prod(kernel))``.

    Raises:
        InvalidArgumentError: For fewer than 2 dimensions.

    Example:
        >>> fan_in_and_fan_out((16, 3, 5, 5))
        (75, 400)
    """
    dims = _shape(op, shape)
    if len(dims) < 2:
        raise InvalidArgumentError(
            f"{op}: fan in and fan out can not be computed for a tensor with fewer than 2 "
            f"dimensions (got shape {dims})"
        )
    receptive = math.prod(dims[2:])
    return dims[1] * receptive, dims[0] * receptive


def _fan(op: str, shape: tuple[int, ...], mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise InvalidArgumentError(
            f"{op}: mode {mode!r} not supported, please use one of fan_in, fan_out"
        )
    fan_in, fan_out = fan_in_and_fan_out(shape, op)
    return fan_in if mode == "fan_in" else fan_out


def _real(op: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ArgumentTypeError(
            f"{op}: argument '{name}' must be a real number, got {type(value).__name__}"
        )
    return float(value)


def uniform(
    key: jax.Array, shape: Any, a: float = 0.0, b: float = 1.0, dtype: Any = None
) -> jax.Array:
    """Values drawn uniformly from ``[a, b)`` (``torch.nn.init.uniform_``).

    Args:
        key: A JAX PRNG key.
        shape: The output shape.
        a: Lower bound.
        b: Upper bound.
        dtype: A floating dtype (default float32).

    Returns:
        An array of ``shape`` and ``dtype``.

    Raises:
        InvalidArgumentError: If ``a > b``.

    Example:
        >>> float(uniform(jax.random.key(0), (1000,), -2.0, 2.0).min()) >= -2.0
        True
    """
    dt = _float_dtype("uniform", dtype)
    a, b = _real("uniform", "a", a), _real("uniform", "b", b)
    if a > b:
        raise InvalidArgumentError(f"uniform: expects a <= b, got a={a} and b={b}")
    shp = _shape("uniform", shape)
    u = jax.random.uniform(key, shp, jnp.float32 if dt.itemsize < 4 else dt)
    return (a + (b - a) * u).astype(dt)


def normal(
    key: jax.Array, shape: Any, mean: float = 0.0, std: float = 1.0, dtype: Any = None
) -> jax.Array:
    """Values drawn from ``N(mean, std**2)`` (``torch.nn.init.normal_``).

    Args:
        key: A JAX PRNG key.
        shape: The output shape.
        mean: The mean.
        std: The standard deviation, at least 0.
        dtype: A floating dtype (default float32).

    Returns:
        An array of ``shape`` and ``dtype``.

    Raises:
        InvalidArgumentError: If ``std < 0``.

    Example:
        >>> normal(jax.random.key(0), (2, 3), std=0.02).shape
        (2, 3)
    """
    dt = _float_dtype("normal", dtype)
    mean, std = _real("normal", "mean", mean), _real("normal", "std", std)
    if std < 0:
        raise InvalidArgumentError(f"normal: expects std >= 0.0, got std={std}")
    shp = _shape("normal", shape)
    z = jax.random.normal(key, shp, jnp.float32 if dt.itemsize < 4 else dt)
    return (mean + std * z).astype(dt)


def trunc_normal(
    key: jax.Array,
    shape: Any,
    mean: float = 0.0,
    std: float = 1.0,
    a: float = -2.0,
    b: float = 2.0,
    dtype: Any = None,
) -> jax.Array:
    """``N(mean, std**2)`` truncated to ``[a, b]`` (``torch.nn.init.trunc_normal_``).

    ``a`` and ``b`` are absolute bounds (not multiples of ``std``), as in torch.

    Args:
        key: A JAX PRNG key.
        shape: The output shape.
        mean: The mean of the untruncated normal.
        std: Its standard deviation, greater than 0.
        a: Lower bound.
        b: Upper bound, greater than ``a``.
        dtype: A floating dtype (default float32).

    Returns:
        An array of ``shape`` and ``dtype`` with values in ``[a, b]``.

    Raises:
        InvalidArgumentError: If ``std <= 0`` or ``a >= b``.

    Example:
        >>> w = trunc_normal(jax.random.key(0), (100,), std=0.02, a=-0.04, b=0.04)
        >>> bool(abs(w).max() <= 0.04)
        True
    """
    dt = _float_dtype("trunc_normal", dtype)
    mean, std = _real("trunc_normal", "mean", mean), _real("trunc_normal", "std", std)
    a, b = _real("trunc_normal", "a", a), _real("trunc_normal", "b", b)
    if std <= 0 or a >= b:
        raise InvalidArgumentError(
            f"trunc_normal: expects std > 0 and a < b, got std={std}, a={a}, b={b}"
        )
    shp = _shape("trunc_normal", shape)
    work = jnp.float32 if dt.itemsize < 4 else dt
    z = jax.random.truncated_normal(key, (a - mean) / std, (b - mean) / std, shp, work)
    return jnp.clip(mean + std * z, a, b).astype(dt)


def xavier_uniform(key: jax.Array, shape: Any, gain: float = 1.0, dtype: Any = None) -> jax.Array:
    """Glorot uniform: ``U(-t, t)`` with ``t = gain * sqrt(6 / (fan_in + fan_out))``.

    Args:
        key: A JAX PRNG key.
        shape: The weight shape ``(out, in, *kernel)``, at least 2-D.
        gain: A scale factor (see :func:`calculate_gain`).
        dtype: A floating dtype (default float32).

    Returns:
        An array of ``shape`` and ``dtype``.

    Raises:
        InvalidArgumentError: For fewer than 2 dimensions.

    Example:
        >>> xavier_uniform(jax.random.key(0), (4, 6)).shape
        (4, 6)
    """
    fan_in, fan_out = fan_in_and_fan_out(shape, "xavier_uniform")
    std = _real("xavier_uniform", "gain", gain) * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std
    return uniform(key, shape, -bound, bound, dtype)


def xavier_normal(key: jax.Array, shape: Any, gain: float = 1.0, dtype: Any = None) -> jax.Array:
    """Glorot normal: ``N(0, std**2)`` with ``std = gain * sqrt(2 / (fan_in + fan_out))``.

    Args:
        key: A JAX PRNG key.
        shape: The weight shape ``(out, in, *kernel)``, at least 2-D.
        gain: A scale factor (see :func:`calculate_gain`).
        dtype: A floating dtype (default float32).

    Returns:
        An array of ``shape`` and ``dtype``.

    Raises:
        InvalidArgumentError: For fewer than 2 dimensions.

    Example:
        >>> xavier_normal(jax.random.key(0), (4, 6)).shape
        (4, 6)
    """
    fan_in, fan_out = fan_in_and_fan_out(shape, "xavier_normal")
    std = _real("xavier_normal", "gain", gain) * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal(key, shape, 0.0, std, dtype)


def _kaiming_std(op: str, shape: Any, a: float, mode: str, nonlinearity: str) -> float:
    fan = _fan(op, _shape(op, shape), mode)
    gain = calculate_gain(nonlinearity, a)
    return gain / math.sqrt(fan) if fan else 0.0


def kaiming_uniform(
    key: jax.Array,
    shape: Any,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    dtype: Any = None,
) -> jax.Array:
    """He uniform: ``U(-bound, bound)``, ``bound = gain * sqrt(3 / fan)``.

    torch's default for Linear and Conv weights is ``a=sqrt(5)`` (``bound = 1/sqrt(fan_in)``).

    Args:
        key: A JAX PRNG key.
        shape: The weight shape ``(out, in, *kernel)``, at least 2-D.
        a: The negative slope of the rectifier that follows (for ``leaky_relu``).
        mode: ``"fan_in"`` (preserves forward variance) or ``"fan_out"`` (backward).
        nonlinearity: The function that follows (see :func:`calculate_gain`).
        dtype: A floating dtype (default float32).

    Returns:
        An array of ``shape`` and ``dtype`` (zeros of that shape if it has no elements).

    Raises:
        InvalidArgumentError: For fewer than 2 dimensions or an unknown ``mode``.

    Example:
        >>> kaiming_uniform(jax.random.key(0), (4, 6), nonlinearity="relu").shape
        (4, 6)
    """
    bound = math.sqrt(3.0) * _kaiming_std("kaiming_uniform", shape, a, mode, nonlinearity)
    return uniform(key, shape, -bound, bound, dtype)


def kaiming_normal(
    key: jax.Array,
    shape: Any,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    dtype: Any = None,
) -> jax.Array:
    """He normal: ``N(0, std**2)``, ``std = gain / sqrt(fan)``.

    Args:
        key: A JAX PRNG key.
        shape: The weight shape ``(out, in, *kernel)``, at least 2-D.
        a: The negative slope of the rectifier that follows (for ``leaky_relu``).
        mode: ``"fan_in"`` or ``"fan_out"``.
        nonlinearity: The function that follows (see :func:`calculate_gain`).
        dtype: A floating dtype (default float32).

    Returns:
        An array of ``shape`` and ``dtype``.

    Raises:
        InvalidArgumentError: For fewer than 2 dimensions or an unknown ``mode``.

    Example:
        >>> kaiming_normal(jax.random.key(0), (4, 6), mode="fan_out").shape
        (4, 6)
    """
    std = _kaiming_std("kaiming_normal", shape, a, mode, nonlinearity)
    return normal(key, shape, 0.0, std, dtype)


def orthogonal(key: jax.Array, shape: Any, gain: float = 1.0, dtype: Any = None) -> jax.Array:
    """A (semi-)orthogonal matrix, as ``torch.nn.init.orthogonal_``.

    The weight is viewed as ``(shape[0], prod(shape[1:]))``; the Q factor of a Gaussian matrix,
    with column signs fixed by the diagonal of R, gives rows (or columns) that are orthonormal,
    then it is scaled by ``gain``.

    Args:
        key: A JAX PRNG key.
        shape: At least 2-D.
        gain: A scale factor.
        dtype: A floating dtype (default float32).

    Returns:
        An array of ``shape`` and ``dtype``.

    Raises:
        InvalidArgumentError: For fewer than 2 dimensions.

    Example:
        >>> q = orthogonal(jax.random.key(0), (3, 3))
        >>> bool(jnp.allclose(q @ q.T, jnp.eye(3), atol=1e-5))
        True
    """
    dt = _float_dtype("orthogonal", dtype)
    dims = _shape("orthogonal", shape)
    if len(dims) < 2:
        raise InvalidArgumentError(
            f"orthogonal: only tensors with 2 or more dimensions are supported, got shape {dims}"
        )
    rows = dims[0]
    cols = math.prod(dims[1:])
    if rows * cols == 0:
        return jnp.zeros(dims, dt)
    work = jnp.float32 if dt.itemsize < 4 else dt
    flat = jax.random.normal(key, (rows, cols), work)
    if rows < cols:
        flat = flat.T
    q, r = jnp.linalg.qr(flat)
    q = q * jnp.sign(jnp.diagonal(r))
    if rows < cols:
        q = q.T
    return (_real("orthogonal", "gain", gain) * q).reshape(dims).astype(dt)


def sparse(
    key: jax.Array, shape: Any, sparsity: float, std: float = 0.01, dtype: Any = None
) -> jax.Array:
    """A 2-D ``N(0, std**2)`` matrix with ``ceil(sparsity * rows)`` zeros in each column.

    Args:
        key: A JAX PRNG key.
        shape: ``(rows, cols)``.
        sparsity: The fraction of each column set to zero, in ``[0, 1]``.
        std: The standard deviation of the non-zero values.
        dtype: A floating dtype (default float32).

    Returns:
        An array of ``shape`` and ``dtype``.

    Raises:
        InvalidArgumentError: If ``shape`` is not 2-D or ``sparsity`` is outside ``[0, 1]``.

    Example:
        >>> w = sparse(jax.random.key(0), (10, 3), 0.3)
        >>> (w == 0).sum(0).tolist()
        [3, 3, 3]
    """
    dims = _shape("sparse", shape)
    if len(dims) != 2:
        raise InvalidArgumentError(f"sparse: only 2-D shapes are supported, got {dims}")
    sparsity = _real("sparse", "sparsity", sparsity)
    if not 0.0 <= sparsity <= 1.0:
        raise InvalidArgumentError(f"sparse: sparsity must be in [0, 1], got {sparsity}")
    rows = dims[0]
    k_values, k_perm = jax.random.split(key)
    values = normal(k_values, dims, 0.0, std, dtype)
    # A random rank per entry within its column: the entries ranked below the count are zeroed,
    # so each column loses exactly ceil(sparsity * rows) entries at random rows.
    ranks = jnp.argsort(jnp.argsort(jax.random.uniform(k_perm, dims), axis=0), axis=0)
    return jnp.where(ranks < math.ceil(sparsity * rows), 0, values).astype(values.dtype)


def eye(shape: Any, dtype: Any = None) -> jax.Array:
    """The 2-D identity (``torch.nn.init.eye_``): ones on the diagonal, zeros elsewhere.

    Args:
        shape: ``(rows, cols)``; need not be square.
        dtype: A floating dtype (default float32).

    Returns:
        An array of ``shape`` and ``dtype``.

    Raises:
        InvalidArgumentError: If ``shape`` is not 2-D.

    Example:
        >>> eye((2, 3)).tolist()
        [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    """
    dims = _shape("eye", shape)
    if len(dims) != 2:
        raise InvalidArgumentError(f"eye: only tensors with 2 dimensions are supported, got {dims}")
    return jnp.eye(*dims, dtype=_float_dtype("eye", dtype))


def dirac(shape: Any, groups: int = 1, dtype: Any = None) -> jax.Array:
    """The Dirac delta for convolution weights (``torch.nn.init.dirac_``): identity convolution.

    For a weight ``(out, in, *kernel)`` split into ``groups`` along ``out``, output channel ``d``
    of each group copies input channel ``d`` at the kernel's centre, for ``d < min(out/groups,
    in)``; everything else is zero.

    Args:
        shape: 3-, 4- or 5-D, ``out`` divisible by ``groups``.
        groups: The number of groups.
        dtype: A floating dtype (default float32).

    Returns:
        An array of ``shape`` and ``dtype``.

    Raises:
        InvalidArgumentError: For another rank or ``out`` not divisible by ``groups``.

    Example:
        >>> dirac((2, 2, 3))[:, :, 1].tolist()
        [[1.0, 0.0], [0.0, 1.0]]
    """
    dims = _shape("dirac", shape)
    if len(dims) not in (3, 4, 5):
        raise InvalidArgumentError(
            f"dirac: only tensors with 3, 4, or 5 dimensions are supported, got shape {dims}"
        )
    if groups < 1 or dims[0] % groups:
        raise InvalidArgumentError(
            f"dirac: dim 0 ({dims[0]}) must be divisible by groups ({groups})"
        )
    per_group = dims[0] // groups
    out = np.zeros(dims, _float_dtype("dirac", dtype))
    centre = tuple(k // 2 for k in dims[2:])
    for g in range(groups):
        for d in range(min(per_group, dims[1])):
            out[(g * per_group + d, d, *centre)] = 1
    return jnp.asarray(out)
