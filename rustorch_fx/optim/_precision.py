"""Mixed precision: low-precision optimizer state, dynamic loss scaling, master weights.

Three independent pieces, each a pure function or an ``optax.GradientTransformation``:

* :func:`with_state_dtype` keeps an optimizer's per-element state (moments, buffers) in a
  smaller dtype such as bfloat16, halving its memory; updates are still computed in the
  parameters' precision.
* Dynamic loss scaling with torch ``GradScaler``'s schedule: :func:`init_loss_scale`,
  :func:`scale_loss`, :func:`unscale_grads`, :func:`all_finite`, :func:`update_loss_scale`, and
  :func:`dynamic_loss_scaling`, a wrapper that unscales the gradients, skips the update on
  overflow and adjusts the scale, all in one jittable ``update``.
* Float32 master weights with half-precision compute copies: :func:`cast_floating` and
  :func:`mixed_precision_value_and_grad`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from rustorch_fx.errors import ArgumentTypeError, DTypeError, OptimizerError

__all__ = [
    "DynamicLossScale",
    "DynamicLossScalingState",
    "all_finite",
    "cast_floating",
    "dynamic_loss_scaling",
    "init_loss_scale",
    "mixed_precision_value_and_grad",
    "scale_loss",
    "unscale_grads",
    "update_loss_scale",
    "with_state_dtype",
]


def _floating_dtype(op: str, dtype: Any) -> jnp.dtype:
    try:
        resolved = jnp.dtype(dtype)
    except TypeError as e:
        raise DTypeError(f"{op}: {dtype!r} is not a dtype") from e
    if not jnp.issubdtype(resolved, jnp.floating):
        raise DTypeError(f"{op}: expected a floating-point dtype, got {resolved}")
    return resolved


def _is_floating_array(x: Any) -> bool:
    return hasattr(x, "dtype") and jnp.issubdtype(x.dtype, jnp.floating)


# --------------------------------------------------------------------------- state dtype


def with_state_dtype(
    tx: optax.GradientTransformation, dtype: Any = jnp.bfloat16
) -> optax.GradientTransformation:
    """Store ``tx``'s per-element state in ``dtype`` (bfloat16 halves Adam's memory).

    Floating-point state leaves with at least one dimension (moments, momentum buffers,
    accumulators) are stored in ``dtype``; scalars (step counts, NAdam's ``mu_product``,
    ASGD's ``eta``) keep their dtype, since they are small and precision-critical. ``update``
    casts the state back to the dtypes ``tx`` creates, runs ``tx`` at full precision, and rounds
    the new state to ``dtype`` (round to nearest even), like optax's ``mu_dtype`` but for any
    transform.

    Args:
        tx: The optimizer to wrap.
        dtype: The storage dtype, a floating dtype (default bfloat16).

    Returns:
        An ``optax.GradientTransformation`` with the same state structure as ``tx``.

    Raises:
        DTypeError: If ``dtype`` is not a floating-point dtype.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx.optim import adam
        >>> tx = with_state_dtype(adam(lr=1e-3))
        >>> state = tx.init({"w": jnp.zeros(4)})
        >>> [leaf.dtype for leaf in jax.tree.leaves(state)]
        [dtype('int32'), dtype(bfloat16), dtype(bfloat16), dtype('int32')]
    """
    store = _floating_dtype("with_state_dtype", dtype)

    def down(state: Any) -> Any:
        def cast(x: Any) -> Any:
            return x.astype(store) if _is_floating_array(x) and x.ndim > 0 else x

        return jax.tree.map(cast, state)

    def init_fn(params: Any) -> Any:
        return down(tx.init(params))

    def update_fn(updates: Any, state: Any, params: Any = None) -> tuple[Any, Any]:
        template = jax.eval_shape(tx.init, params if params is not None else updates)
        full = jax.tree.map(lambda x, t: jnp.asarray(x).astype(t.dtype), state, template)
        new_updates, new_state = tx.update(updates, full, params)
        return new_updates, down(new_state)

    return optax.GradientTransformation(init_fn, update_fn)


# --------------------------------------------------------------------------- loss scaling


class DynamicLossScale(NamedTuple):
    """The state of dynamic loss scaling, as in torch's ``GradScaler``.

    Attributes:
        scale: The current loss scale, a float32 scalar.
        growth_tracker: Consecutive steps without overflow since the last change, int32.
    """

    scale: jax.Array
    growth_tracker: jax.Array


def init_loss_scale(init_scale: float = 2.0**16) -> DynamicLossScale:
    """A fresh :class:`DynamicLossScale` (torch ``GradScaler``'s default ``init_scale=2**16``).

    Args:
        init_scale: The initial scale, ``> 0``.

    Returns:
        The state, with a zero growth tracker.

    Raises:
        OptimizerError: If ``init_scale`` is not positive.

    Example:
        >>> init_loss_scale().scale
        Array(65536., dtype=float32)
    """
    if not isinstance(init_scale, (int, float)) or isinstance(init_scale, bool):
        raise ArgumentTypeError(
            f"init_loss_scale: init_scale must be a number, got {type(init_scale).__name__}"
        )
    if not init_scale > 0:
        raise OptimizerError(f"init_loss_scale: init_scale must be > 0, got {init_scale}")
    return DynamicLossScale(jnp.asarray(init_scale, jnp.float32), jnp.zeros([], jnp.int32))


def scale_loss(loss: jax.Array, state: DynamicLossScale) -> jax.Array:
    """Multiply ``loss`` by the current scale (torch's ``GradScaler.scale``), in ``loss``'s dtype.

    Args:
        loss: The loss (any floating dtype; float16 losses stay float16).
        state: The loss-scale state.

    Returns:
        ``loss * scale``.

    Example:
        >>> scale_loss(jnp.asarray(0.5), init_loss_scale(8.0))
        Array(4., dtype=float32)
    """
    loss = jnp.asarray(loss)
    return loss * state.scale.astype(loss.dtype)


def unscale_grads(grads: Any, state: DynamicLossScale) -> Any:
    """Divide gradients by the scale (torch's ``unscale_``: a multiply by float32 ``1 / scale``).

    Args:
        grads: A pytree of gradients of the scaled loss.
        state: The loss-scale state.

    Returns:
        The gradients of the unscaled loss, each in its own dtype.

    Example:
        >>> unscale_grads({"w": jnp.full(2, 8.0)}, init_loss_scale(4.0))["w"]
        Array([2., 2.], dtype=float32)
    """
    inv = (1.0 / state.scale.astype(jnp.float32)).astype(jnp.float32)
    return jax.tree.map(lambda g: (g.astype(jnp.float32) * inv).astype(g.dtype), grads)


def all_finite(tree: Any) -> jax.Array:
    """Whether every element of every floating leaf of ``tree`` is finite.

    Args:
        tree: A pytree of arrays.

    Returns:
        A boolean scalar (True for a tree without floating leaves).

    Example:
        >>> all_finite({"a": jnp.ones(2), "b": jnp.array([1.0, jnp.inf])})
        Array(False, dtype=bool)
    """
    leaves = [jnp.all(jnp.isfinite(x)) for x in jax.tree.leaves(tree) if _is_floating_array(x)]
    return jnp.all(jnp.stack(leaves)) if leaves else jnp.asarray(True)


def _check_schedule(growth_factor: float, backoff_factor: float, growth_interval: int) -> None:
    op = "dynamic loss scaling"
    if not growth_factor > 1.0:
        raise OptimizerError(f"{op}: the growth factor must be > 1.0, got {growth_factor}")
    if not 0.0 < backoff_factor < 1.0:
        raise OptimizerError(f"{op}: the backoff factor must be in (0, 1), got {backoff_factor}")
    if isinstance(growth_interval, bool) or not isinstance(growth_interval, int):
        raise ArgumentTypeError(
            f"{op}: growth_interval must be an int, got {type(growth_interval).__name__}"
        )
    if growth_interval < 1:
        raise OptimizerError(f"{op}: growth_interval must be >= 1, got {growth_interval}")


def update_loss_scale(
    state: DynamicLossScale,
    grads_finite: jax.Array,
    growth_factor: float = 2.0,
    backoff_factor: float = 0.5,
    growth_interval: int = 2000,
) -> DynamicLossScale:
    """The next loss scale, torch's ``GradScaler.update`` (``_amp_update_scale_``).

    On overflow the scale is multiplied by ``backoff_factor`` and the tracker reset; otherwise
    the tracker counts up, and when it reaches ``growth_interval`` the scale is multiplied by
    ``growth_factor`` (kept unchanged if that overflows float32) and the tracker reset.

    Args:
        state: The current loss-scale state.
        grads_finite: Whether this step's gradients were all finite (a boolean scalar).
        growth_factor: Factor applied after ``growth_interval`` clean steps, ``> 1``.
        backoff_factor: Factor applied on overflow, in ``(0, 1)``.
        growth_interval: Number of consecutive clean steps before growing.

    Returns:
        The new :class:`DynamicLossScale`.

    Raises:
        OptimizerError: For a growth factor ``<= 1``, a backoff factor outside ``(0, 1)`` or a
            growth interval ``< 1``.

    Example:
        >>> s = update_loss_scale(init_loss_scale(), jnp.asarray(False))
        >>> s.scale
        Array(32768., dtype=float32)
    """
    _check_schedule(growth_factor, backoff_factor, growth_interval)
    scale = state.scale
    successful = state.growth_tracker + 1
    grow = successful == growth_interval
    grown = scale * jnp.asarray(growth_factor, scale.dtype)
    grown = jnp.where(jnp.isfinite(grown), grown, scale)
    clean_scale = jnp.where(grow, grown, scale)
    clean_tracker = jnp.where(grow, 0, successful)
    new_scale = jnp.where(
        grads_finite, clean_scale, scale * jnp.asarray(backoff_factor, scale.dtype)
    )
    new_tracker = jnp.where(grads_finite, clean_tracker, 0).astype(state.growth_tracker.dtype)
    return DynamicLossScale(new_scale, new_tracker)


class DynamicLossScalingState(NamedTuple):
    """State of :func:`dynamic_loss_scaling`: the loss scale and the wrapped optimizer's state."""

    loss_scale: DynamicLossScale
    inner_state: Any


def dynamic_loss_scaling(
    tx: optax.GradientTransformation,
    init_scale: float = 2.0**16,
    growth_factor: float = 2.0,
    backoff_factor: float = 0.5,
    growth_interval: int = 2000,
) -> optax.GradientTransformation:
    """Wrap ``tx`` so it takes gradients of the *scaled* loss, as torch's ``GradScaler.step``.

    ``update(scaled_grads, state, params)`` checks the scaled gradients for infinities and
    NaNs, unscales them, and either applies ``tx`` (all finite) or returns zero updates and
    leaves ``tx``'s state untouched (the step is skipped, as ``GradScaler.step`` skips
    ``optimizer.step()``); then the scale follows :func:`update_loss_scale`. Scale the loss
    with ``scale_loss(loss, state.loss_scale)``. Defaults are ``GradScaler``'s. Unlike
    ``optax.apply_if_finite``, the scale is part of the transform and there is no limit on
    consecutive skips.

    Args:
        tx: The optimizer to wrap.
        init_scale: Initial loss scale, ``> 0``.
        growth_factor: Factor applied after ``growth_interval`` clean steps, ``> 1``.
        backoff_factor: Factor applied on overflow, in ``(0, 1)``.
        growth_interval: Number of consecutive clean steps before growing.

    Returns:
        An ``optax.GradientTransformation`` with :class:`DynamicLossScalingState`.

    Raises:
        OptimizerError: For invalid scaling hyperparameters.

    Example:
        >>> import jax, jax.numpy as jnp
        >>> from rustorch_fx.optim import sgd
        >>> tx = dynamic_loss_scaling(sgd(lr=0.1))
        >>> params = {"w": jnp.ones(2)}
        >>> state = tx.init(params)
        >>> loss_fn = lambda p: jnp.sum(p["w"] ** 2)
        >>> grads = jax.grad(lambda p: scale_loss(loss_fn(p), state.loss_scale))(params)
        >>> updates, state = tx.update(grads, state, params)
        >>> updates["w"]
        Array([-0.2, -0.2], dtype=float32)
    """
    loss_scale = init_loss_scale(init_scale)
    _check_schedule(growth_factor, backoff_factor, growth_interval)

    def init_fn(params: Any) -> DynamicLossScalingState:
        return DynamicLossScalingState(loss_scale, tx.init(params))

    def update_fn(
        updates: Any, state: DynamicLossScalingState, params: Any = None
    ) -> tuple[Any, Any]:
        finite = all_finite(updates)
        grads = unscale_grads(updates, state.loss_scale)

        def apply(_: None) -> tuple[Any, Any]:
            return tx.update(grads, state.inner_state, params)

        shapes = jax.eval_shape(apply, None)

        def skip(_: None) -> tuple[Any, Any]:
            zeros = jax.tree.map(lambda s: jnp.zeros(s.shape, s.dtype), shapes[0])
            old = jax.tree.map(lambda x, s: jnp.asarray(x, s.dtype), state.inner_state, shapes[1])
            return zeros, old

        # A conditional, not a select: a skipped step costs no optimizer arithmetic.
        new_updates, new_inner = jax.lax.cond(finite, apply, skip, None)
        new_scale = update_loss_scale(
            state.loss_scale, finite, growth_factor, backoff_factor, growth_interval
        )
        return new_updates, DynamicLossScalingState(new_scale, new_inner)

    return optax.GradientTransformation(init_fn, update_fn)


# --------------------------------------------------------------------------- master weights


def cast_floating(tree: Any, dtype: Any) -> Any:
    """Cast the floating-point leaves of ``tree`` to ``dtype``; other leaves are unchanged.

    Used to make half-precision compute copies of float32 master weights; under
    ``jax.grad`` the cast's transpose brings the gradients back to the masters' dtype.

    Args:
        tree: A pytree of arrays.
        dtype: The target floating dtype.

    Returns:
        The tree with its floating leaves in ``dtype``.

    Raises:
        DTypeError: If ``dtype`` is not a floating-point dtype.

    Example:
        >>> cast_floating({"w": jnp.ones(2), "n": jnp.arange(2)}, jnp.bfloat16)["w"].dtype
        dtype(bfloat16)
    """
    target = _floating_dtype("cast_floating", dtype)
    return jax.tree.map(lambda x: x.astype(target) if _is_floating_array(x) else x, tree)


def mixed_precision_value_and_grad(
    fn: Callable[..., Any],
    compute_dtype: Any = jnp.bfloat16,
    has_aux: bool = False,
    allow_int: bool = False,
) -> Callable[..., tuple[Any, Any]]:
    """``jax.value_and_grad`` of ``fn`` run on ``compute_dtype`` copies of the parameters.

    ``fn(params, *args)`` is evaluated with the floating leaves of ``params`` cast to
    ``compute_dtype`` (the forward and backward run in half precision); the returned
    gradients have the dtypes of the master ``params`` (float32), ready for an optimizer
    keeping float32 state. Multiply the loss by :func:`scale_loss` inside ``fn`` when float16
    gradients could underflow, and wrap the optimizer in :func:`dynamic_loss_scaling`.

    Args:
        fn: The loss function, ``fn(params, *args) -> loss`` (or ``(loss, aux)``).
        compute_dtype: The dtype of the compute copies (default bfloat16).
        has_aux: Whether ``fn`` returns ``(loss, aux)``.
        allow_int: Accept integer leaves in ``params`` (their gradients are ``float0``), as in
            ``jax.value_and_grad``.

    Returns:
        A function ``(params, *args) -> (value, grads)`` (``((loss, aux), grads)`` with aux).

    Raises:
        DTypeError: If ``compute_dtype`` is not a floating-point dtype.

    Example:
        >>> f = mixed_precision_value_and_grad(lambda p, x: jnp.sum(p["w"] * x))
        >>> loss, grads = f({"w": jnp.ones(2)}, jnp.arange(2.0))
        >>> grads["w"].dtype
        dtype('float32')
    """
    dtype = _floating_dtype("mixed_precision_value_and_grad", compute_dtype)

    def half_fn(params: Any, *args: Any) -> Any:
        return fn(cast_floating(params, dtype), *args)

    return jax.value_and_grad(half_fn, has_aux=has_aux, allow_int=allow_int)
