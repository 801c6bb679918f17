"""Random sampling with an explicit PRNG key, JAX style: ``rand(key, 2, 3)``.

Every function is pure: the same key gives the same numbers, and nothing global changes. Split
keys with ``jax.random.split`` for independent draws. The key is either a typed key
(``jax.random.key(seed)``) or a raw ``uint32`` key (``jax.random.PRNGKey(seed)``).

The distributions follow torch's functions of the same names, but the numbers cannot match
torch's generator. Value checks that need concrete inputs (``p`` in ``[0, 1]``, non-negative
weights) run outside ``jax.jit`` only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from rustorch_fx import _dtypes
from rustorch_fx._checks import as_array, is_int, is_tracer, size_arg
from rustorch_fx.errors import (
    ArgumentTypeError,
    DTypeError,
    InvalidArgumentError,
    ShapeError,
)

__all__ = [
    "rand",
    "randn",
    "randint",
    "randperm",
    "normal",
    "uniform",
    "bernoulli",
    "multinomial",
    "exponential",
    "cauchy",
    "geometric",
    "log_normal",
]

ArrayLike = Any
DTypeLike = Any
KeyArray = Any


# ----------------------------------------------------------------------------------------------
# private helpers
# ----------------------------------------------------------------------------------------------


def _key(op: str, key: Any) -> jax.Array:
    if isinstance(key, jax.Array):
        if jax.dtypes.issubdtype(key.dtype, jax.dtypes.prng_key):
            return key
        if key.dtype == jnp.uint32 and key.ndim == 1:
            return key
    raise ArgumentTypeError(
        f"{op}: argument 'key' must be a PRNG key (jax.random.key(seed) or "
        f"jax.random.PRNGKey(seed)), got {getattr(key, 'dtype', type(key).__name__)}"
    )


def _floating(op: str, dt: np.dtype) -> None:
    if not _dtypes.is_floating(dt):
        raise DTypeError(f"{op}: expected a floating point dtype, got {dt.name}")


def _number(op: str, name: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise ArgumentTypeError(f"{op}: argument '{name}' must be a real number, got {v!r}")
    return float(v)


def _concrete(x: jax.Array) -> np.ndarray | None:
    return None if is_tracer(x) else np.asarray(x)


# ----------------------------------------------------------------------------------------------
# samplers
# ----------------------------------------------------------------------------------------------


def rand(key: KeyArray, *size: int | Sequence[int], dtype: DTypeLike = None) -> jax.Array:
    """Uniform samples from ``[0, 1)``.

    Args:
        key: A PRNG key.
        *size: The shape, as varargs or one sequence.
        dtype: A floating dtype; ``float32`` by default.

    Returns:
        An array of shape ``size``.

    Raises:
        ArgumentTypeError: If ``key`` is not a PRNG key.
        DTypeError: If ``dtype`` is not floating.
        ShapeError: If a size is negative.

    Example:
        >>> import jax
        >>> from rustorch_fx import ops
        >>> ops.rand(jax.random.key(0), 2, 3).shape
        (2, 3)
    """
    k = _key("rand", key)
    dt = _dtypes.resolve("rand", dtype, _dtypes.DEFAULT_FLOAT)
    _floating("rand", dt)
    return jax.random.uniform(k, size_arg("rand", size), dt)


def randn(key: KeyArray, *size: int | Sequence[int], dtype: DTypeLike = None) -> jax.Array:
    """Standard normal samples (complex dtypes: real and imaginary parts each of variance 1/2).

    Args:
        key: A PRNG key.
        *size: The shape, as varargs or one sequence.
        dtype: A floating or complex dtype; ``float32`` by default.

    Returns:
        An array of shape ``size``.

    Raises:
        ArgumentTypeError: If ``key`` is not a PRNG key.
        DTypeError: If ``dtype`` is not floating or complex.
        ShapeError: If a size is negative.

    Example:
        >>> import jax
        >>> from rustorch_fx import ops
        >>> ops.randn(jax.random.key(0), (4,)).dtype
        dtype('float32')
    """
    k = _key("randn", key)
    dt = _dtypes.resolve("randn", dtype, _dtypes.DEFAULT_FLOAT)
    if not _dtypes.is_inexact(dt):
        raise DTypeError(f"randn: expected a floating point or complex dtype, got {dt.name}")
    return jax.random.normal(k, size_arg("randn", size), dt)


def randint(
    key: KeyArray,
    low: int,
    high: int | Sequence[int] | None = None,
    size: Sequence[int] | None = None,
    *,
    dtype: DTypeLike = None,
) -> jax.Array:
    """Integers drawn uniformly from ``[low, high)``.

    As in torch, ``low`` may be omitted: ``randint(key, high, size)`` draws from ``[0, high)``.

    Args:
        key: A PRNG key.
        low: The lowest value (or ``high`` when only two arguments follow the key).
        high: One above the highest value.
        size: The shape.
        dtype: The dtype; ``int32`` by default (torch: int64). Floating dtypes hold the
            integer values.

    Returns:
        An array of shape ``size``.

    Raises:
        ArgumentTypeError: If ``key`` is not a PRNG key or a bound is not an int.
        InvalidArgumentError: If ``low >= high``.
        DTypeError: If ``dtype`` is bool.

    Example:
        >>> import jax
        >>> from rustorch_fx import ops
        >>> x = ops.randint(jax.random.key(0), 3, 10, (100,))
        >>> bool((x >= 3).all() and (x < 10).all())
        True
    """
    k = _key("randint", key)
    if size is None:
        low, high, size = 0, low, high
    shape = size_arg("randint", size)
    for name, v in (("low", low), ("high", high)):
        if not is_int(v):
            raise ArgumentTypeError(f"randint: argument '{name}' must be an int, got {v!r}")
    if low >= high:
        raise InvalidArgumentError(
            f"randint: expects 'low' to be less than 'high', but got low={low} >= high={high}"
        )
    dt = _dtypes.resolve("randint", dtype, _dtypes.DEFAULT_INT)
    if dt == _dtypes.BOOL:
        raise DTypeError("randint: not implemented for dtype bool")
    draw_dt = dt if _dtypes.category(dt) == 1 else _dtypes.DEFAULT_INT
    return jax.random.randint(k, shape, int(low), int(high), draw_dt).astype(dt)


def randperm(key: KeyArray, n: int, *, dtype: DTypeLike = None) -> jax.Array:
    """A random permutation of ``0, ..., n - 1``.

    Args:
        key: A PRNG key.
        n: The number of elements, non-negative.
        dtype: The dtype; ``int32`` by default (torch: int64).

    Returns:
        A 1-D array of length ``n``.

    Raises:
        ArgumentTypeError: If ``key`` is not a PRNG key or ``n`` is not an int.
        InvalidArgumentError: If ``n`` is negative.
        DTypeError: If ``dtype`` is bool, invalid or needs 64-bit mode.

    Example:
        >>> import jax
        >>> from rustorch_fx import ops
        >>> sorted(ops.randperm(jax.random.key(0), 4).tolist())
        [0, 1, 2, 3]
    """
    k = _key("randperm", key)
    if not is_int(n):
        raise ArgumentTypeError(f"randperm: argument 'n' must be an int, got {n!r}")
    if n < 0:
        raise InvalidArgumentError(f"randperm: n must be non-negative, got {n}")
    dt = _dtypes.resolve("randperm", dtype, _dtypes.INDEX)
    if dt == _dtypes.BOOL:
        raise DTypeError("randperm: not implemented for dtype bool")
    return jax.random.permutation(k, jnp.arange(int(n), dtype=dt))


def normal(
    key: KeyArray,
    mean: float | ArrayLike = 0.0,
    std: float | ArrayLike = 1.0,
    size: Sequence[int] | None = None,
    *,
    dtype: DTypeLike = None,
) -> jax.Array:
    """Normal samples with the given ``mean`` and standard deviation ``std`` (broadcast).

    Args:
        key: A PRNG key.
        mean: A number or a floating array of means.
        std: A number or a floating array of standard deviations, non-negative.
        size: The shape; by default the broadcast shape of ``mean`` and ``std``.
        dtype: The dtype; by default that of the array arguments, else ``float32``.

    Returns:
        An array of shape ``size`` (or the broadcast shape).

    Raises:
        ArgumentTypeError: If ``key`` is not a PRNG key.
        InvalidArgumentError: If a (concrete) ``std`` is negative.
        ShapeError: If ``mean``, ``std`` and ``size`` do not broadcast.
        DTypeError: If the dtype is not floating.

    Example:
        >>> import jax
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.normal(jax.random.key(0), jnp.zeros(3), 2.0).shape
        (3,)
    """
    k = _key("normal", key)
    m = as_array("normal", "mean", mean)
    s = as_array("normal", "std", std)
    arrays = [x for x, v in ((m, mean), (s, std)) if not isinstance(v, (int, float))]
    default = _dtypes.result_type(*arrays) if arrays else _dtypes.DEFAULT_FLOAT
    dt = _dtypes.resolve("normal", dtype, default if _dtypes.is_floating(default) else np.float32)
    _floating("normal", dt)
    values = _concrete(s)
    if values is not None and (values < 0).any():
        raise InvalidArgumentError(f"normal: expects std >= 0.0, but found std {values.min()}")
    try:
        shape = jnp.broadcast_shapes(m.shape, s.shape)
        if size is not None:
            target = size_arg("normal", size)
            if jnp.broadcast_shapes(shape, target) != target:
                raise ValueError
            shape = target
    except ValueError as exc:
        raise ShapeError(
            f"normal: mean (shape {m.shape}), std (shape {s.shape}) and size {size} do not "
            "broadcast together"
        ) from exc
    z = jax.random.normal(k, shape, dt)
    return (m.astype(dt) + s.astype(dt) * z).astype(dt)


def uniform(
    key: KeyArray,
    size: Sequence[int],
    low: float = 0.0,
    high: float = 1.0,
    *,
    dtype: DTypeLike = None,
) -> jax.Array:
    """Uniform samples from ``[low, high)``.

    Args:
        key: A PRNG key.
        size: The shape.
        low: The lower bound.
        high: The upper bound, at least ``low``.
        dtype: A floating dtype; ``float32`` by default.

    Returns:
        An array of shape ``size``.

    Raises:
        ArgumentTypeError: If ``key`` is not a PRNG key.
        InvalidArgumentError: If ``low > high``.
        DTypeError: If ``dtype`` is not floating.

    Example:
        >>> import jax
        >>> from rustorch_fx import ops
        >>> x = ops.uniform(jax.random.key(0), (100,), -2.0, -1.0)
        >>> bool((x >= -2).all() and (x < -1).all())
        True
    """
    k = _key("uniform", key)
    shape = size_arg("uniform", size)
    lo, hi = _number("uniform", "low", low), _number("uniform", "high", high)
    if lo > hi:
        raise InvalidArgumentError(
            f"uniform: expects low <= high, but found low={low} > high={high}"
        )
    dt = _dtypes.resolve("uniform", dtype, _dtypes.DEFAULT_FLOAT)
    _floating("uniform", dt)
    return jax.random.uniform(k, shape, dt, lo, hi)


def bernoulli(
    key: KeyArray,
    p: float | ArrayLike,
    size: Sequence[int] | None = None,
    *,
    dtype: DTypeLike = None,
) -> jax.Array:
    """Samples that are 1 with probability ``p`` and 0 otherwise.

    Args:
        key: A PRNG key.
        p: A probability or an array of probabilities in ``[0, 1]``.
        size: The shape; by default ``p``'s shape.
        dtype: The dtype of the 0/1 result (bool allowed); by default ``p``'s dtype when it is a
            floating array, else ``float32``.

    Returns:
        An array of shape ``size`` (or ``p.shape``).

    Raises:
        ArgumentTypeError: If ``key`` is not a PRNG key.
        InvalidArgumentError: If a (concrete) probability is outside ``[0, 1]``.
        ShapeError: If ``p`` does not broadcast to ``size``.

    Example:
        >>> import jax
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.bernoulli(jax.random.key(0), jnp.array([0.0, 1.0])).tolist()
        [0.0, 1.0]
    """
    k = _key("bernoulli", key)
    prob = as_array("bernoulli", "p", p)
    is_array = isinstance(p, (jax.Array, np.ndarray))
    if is_array and not _dtypes.is_floating(prob.dtype):
        raise DTypeError(
            f"bernoulli: expected floating point probabilities, got {np.dtype(prob.dtype).name}"
        )
    default = prob.dtype if is_array else _dtypes.DEFAULT_FLOAT
    dt = _dtypes.resolve("bernoulli", dtype, default)
    values = _concrete(prob)
    if values is not None and ((values < 0) | (values > 1) | np.isnan(values)).any():
        raise InvalidArgumentError(
            f"bernoulli: expected all probabilities in [0, 1], got values from {values.min()} "
            f"to {values.max()}"
        )
    shape = prob.shape
    if size is not None:
        shape = size_arg("bernoulli", size)
        try:
            ok = jnp.broadcast_shapes(prob.shape, shape) == shape
        except ValueError:
            ok = False
        if not ok:
            raise ShapeError(f"bernoulli: p of shape {prob.shape} does not broadcast to {shape}")
    u = jax.random.uniform(k, shape, _dtypes.DEFAULT_FLOAT)
    return (u < prob.astype(_dtypes.DEFAULT_FLOAT)).astype(dt)


def multinomial(
    key: KeyArray, input: ArrayLike, num_samples: int, replacement: bool = False
) -> jax.Array:
    """Sample category indices from the rows of ``input`` (non-negative, unnormalised weights).

    Without replacement, each row yields ``num_samples`` distinct categories, drawn with the
    Gumbel-top-k trick (the same distribution as sequential sampling without replacement).
    Categories of weight 0 are never drawn, so ``num_samples`` may not exceed the number of
    non-zero weights of a row (torch documents this rule; its CPU kernel only checks the
    number of categories). Under ``jax.jit`` the weights are not inspected: only the number of
    categories is checked, and a row with too few non-zero weights yields zero-weight indices.

    Args:
        key: A PRNG key.
        input: Weights, shape ``(n,)`` or ``(rows, n)``, floating.
        num_samples: Samples per row, positive.
        replacement: Whether a category may be drawn more than once.

    Returns:
        Indices in ``[0, n)``, ``int32`` (torch: int64), shape ``(num_samples,)`` or
        ``(rows, num_samples)``.

    Raises:
        ArgumentTypeError: If ``key`` is not a PRNG key or ``num_samples`` is not an int.
        ShapeError: If ``input`` is not 1-D or 2-D, or has no categories.
        DTypeError: If ``input`` is not floating.
        InvalidArgumentError: If ``num_samples`` is not positive, exceeds what can be drawn
            without replacement, or a (concrete) weight is negative or non-finite or a row sums
            to 0.

    Example:
        >>> import jax
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.multinomial(jax.random.key(0), jnp.array([0.0, 1.0, 0.0]), 1).tolist()
        [1]
    """
    op = "multinomial"
    k = _key(op, key)
    w = as_array(op, "input", input)
    if w.ndim not in (1, 2):
        raise ShapeError(f"{op}: prob_dist must be 1 or 2 dim, got shape {w.shape}")
    if not _dtypes.is_floating(w.dtype):
        raise DTypeError(f"{op}: expected a floating point input, got {np.dtype(w.dtype).name}")
    if not is_int(num_samples):
        raise ArgumentTypeError(f"{op}: argument 'num_samples' must be an int, got {num_samples!r}")
    if num_samples <= 0:
        raise InvalidArgumentError(f"{op}: cannot sample {num_samples} (<= 0) samples")
    n = w.shape[-1]
    if n == 0:
        raise ShapeError(f"{op}: number of categories cannot be zero (input shape {w.shape})")
    if not replacement and num_samples > n:
        raise InvalidArgumentError(
            f"{op}: cannot sample num_samples ({num_samples}) > number of categories ({n}) "
            "without replacement"
        )
    values = _concrete(w)
    if values is not None:
        if not np.isfinite(values).all() or (values < 0).any():
            raise InvalidArgumentError(
                f"{op}: probability array contains either inf, nan or element < 0"
            )
        if (values.sum(-1) <= 0).any():
            raise InvalidArgumentError(
                f"{op}: invalid multinomial distribution (sum of probabilities <= 0)"
            )
        nonzero = int((values > 0).sum(-1).min())
        if not replacement and num_samples > nonzero:
            raise InvalidArgumentError(
                f"{op}: cannot sample num_samples ({num_samples}) without replacement from a row "
                f"with only {nonzero} non-zero weights"
            )
    logits = jnp.log(w.astype(_dtypes.DEFAULT_FLOAT))
    if replacement:
        batch = w.shape[:-1]
        draws = jax.random.categorical(k, logits, axis=-1, shape=(num_samples, *batch))
        return jnp.moveaxis(draws, 0, -1).astype(_dtypes.INDEX)
    scores = logits + jax.random.gumbel(k, w.shape, _dtypes.DEFAULT_FLOAT)
    return lax.top_k(scores, num_samples)[1].astype(_dtypes.INDEX)


# ----------------------------------------------------------------------------------------------
# the distributions of torch's in-place fills (exponential_, cauchy_, geometric_, log_normal_)
# ----------------------------------------------------------------------------------------------


def _sample_dtype(op: str, dtype: DTypeLike) -> np.dtype:
    dt = _dtypes.resolve(op, dtype, _dtypes.DEFAULT_FLOAT)
    if dt == np.bool_ or _dtypes.category(dt) == 3:
        raise DTypeError(f"{op}: expected a real floating or integer dtype, got {dt.name}")
    return dt


def _floating_dtype(op: str, dtype: DTypeLike) -> np.dtype:
    dt = _sample_dtype(op, dtype)
    _floating(op, dt)
    return dt


def exponential(
    key: KeyArray, size: Sequence[int], lambd: float = 1.0, *, dtype: DTypeLike = None
) -> jax.Array:
    """Exponential samples with rate ``lambd`` (mean ``1 / lambd``), as ``Tensor.exponential_``.

    Args:
        key: A PRNG key.
        size: The shape.
        lambd: The rate, positive.
        dtype: A floating dtype; ``float32`` by default.

    Returns:
        An array of shape ``size``.

    Raises:
        ArgumentTypeError: If ``key`` is not a PRNG key or ``lambd`` not a number.
        InvalidArgumentError: If ``lambd <= 0``.
        DTypeError: If ``dtype`` is not floating.

    Example:
        >>> import jax
        >>> from rustorch_fx import ops
        >>> bool((ops.exponential(jax.random.key(0), (100,), 2.0) >= 0).all())
        True
    """
    k = _key("exponential", key)
    shape = size_arg("exponential", size)
    rate = _number("exponential", "lambd", lambd)
    if not rate > 0:
        raise InvalidArgumentError(f"exponential: expects lambda > 0.0, but found lambda={lambd}")
    dt = _floating_dtype("exponential", dtype)
    return (jax.random.exponential(k, shape, dt) / rate).astype(dt)


def cauchy(
    key: KeyArray,
    size: Sequence[int],
    median: float = 0.0,
    sigma: float = 1.0,
    *,
    dtype: DTypeLike = None,
) -> jax.Array:
    """Cauchy samples ``median + sigma * tan(pi * (U - 1/2))``, as ``Tensor.cauchy_``.

    Args:
        key: A PRNG key.
        size: The shape.
        median: The location.
        sigma: The scale (half width at half maximum), positive.
        dtype: A floating dtype; ``float32`` by default.

    Returns:
        An array of shape ``size``.

    Raises:
        ArgumentTypeError: If ``key`` is not a PRNG key or a parameter not a number.
        InvalidArgumentError: If ``sigma <= 0``.
        DTypeError: If ``dtype`` is not floating.

    Example:
        >>> import jax
        >>> from rustorch_fx import ops
        >>> ops.cauchy(jax.random.key(0), (2, 3)).shape
        (2, 3)
    """
    k = _key("cauchy", key)
    shape = size_arg("cauchy", size)
    loc = _number("cauchy", "median", median)
    scale = _number("cauchy", "sigma", sigma)
    if not scale > 0:
        raise InvalidArgumentError(f"cauchy: expects sigma > 0.0, but found sigma={sigma}")
    dt = _floating_dtype("cauchy", dtype)
    return (loc + scale * jax.random.cauchy(k, shape, dt)).astype(dt)


def geometric(
    key: KeyArray, size: Sequence[int], p: float, *, dtype: DTypeLike = None
) -> jax.Array:
    """Geometric samples: the number of Bernoulli(``p``) trials up to the first success (>= 1).

    As ``Tensor.geometric_``: ``P(X = k) = (1 - p)^(k - 1) p`` for ``k = 1, 2, ...``.

    Args:
        key: A PRNG key.
        size: The shape.
        p: The success probability, in ``(0, 1)``.
        dtype: A real dtype (floating or integer); ``float32`` by default.

    Returns:
        An array of shape ``size`` holding positive integers.

    Raises:
        ArgumentTypeError: If ``key`` is not a PRNG key or ``p`` not a number.
        InvalidArgumentError: If ``p`` is not in ``(0, 1)``.
        DTypeError: If ``dtype`` is bool or complex.

    Example:
        >>> import jax
        >>> from rustorch_fx import ops
        >>> bool((ops.geometric(jax.random.key(0), (100,), 0.3) >= 1).all())
        True
    """
    k = _key("geometric", key)
    shape = size_arg("geometric", size)
    prob = _number("geometric", "p", p)
    if not 0 < prob < 1:
        raise InvalidArgumentError(f"geometric: expects p to be in (0, 1), but got p={p}")
    dt = _sample_dtype("geometric", dtype)
    u = jax.random.uniform(k, shape, jnp.float64 if dt == np.float64 else jnp.float32)
    # inverse CDF: the smallest k with 1 - (1 - p)^k >= u; 1 - u is in (0, 1]
    trials = jnp.ceil(jnp.log1p(-u) / np.log1p(-prob))
    return jnp.maximum(trials, 1).astype(dt)


def log_normal(
    key: KeyArray,
    size: Sequence[int],
    mean: float = 1.0,
    std: float = 2.0,
    *,
    dtype: DTypeLike = None,
) -> jax.Array:
    """Log-normal samples ``exp(mean + std * N(0, 1))``, as ``Tensor.log_normal_``.

    Args:
        key: A PRNG key.
        size: The shape.
        mean: The mean of the underlying normal.
        std: Its standard deviation, positive.
        dtype: A floating dtype; ``float32`` by default.

    Returns:
        An array of shape ``size``, positive.

    Raises:
        ArgumentTypeError: If ``key`` is not a PRNG key or a parameter not a number.
        InvalidArgumentError: If ``std <= 0``.
        DTypeError: If ``dtype`` is not floating.

    Example:
        >>> import jax
        >>> from rustorch_fx import ops
        >>> bool((ops.log_normal(jax.random.key(0), (100,)) > 0).all())
        True
    """
    k = _key("log_normal", key)
    shape = size_arg("log_normal", size)
    mu = _number("log_normal", "mean", mean)
    sd = _number("log_normal", "std", std)
    if not sd > 0:
        raise InvalidArgumentError(f"log_normal: expects std > 0.0, but found std={std}")
    dt = _floating_dtype("log_normal", dtype)
    return jnp.exp(mu + sd * jax.random.normal(k, shape, dt)).astype(dt)
