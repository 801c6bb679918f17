"""``torch.func`` for compat: functional transforms over compat tensors and modules.

The bridge between compat's stateful facade and rustorch_fx's pure functions:

* :func:`functional_call` runs a module with some of its parameters and buffers replaced by
  given tensors (compat tensors, through which autograd flows, or JAX arrays and tracers, which
  lets ``jax.jit``/``jax.grad`` of a function calling it work);
* :func:`grad`, :func:`grad_and_value`, :func:`vjp`, :func:`jvp`, :func:`jacrev`,
  :func:`jacfwd`, :func:`hessian` and :func:`vmap` are shaped like ``torch.func``'s: they take
  and return compat tensors (and pytrees of them) and are implemented by rustorch_fx's
  transforms (and ``jax.vmap``), never by differentiating anew;
* :func:`stateless` turns any compat module into ``(pure_fn, params)``, a pure function of a
  dict of JAX arrays, for ``rustorch_fx.grad``, ``hessian``, ``jax.jit`` and sharding (in the
  spirit of flax's ``nnx.split``).

Inside a transform the function runs in ``no_grad`` mode: the transforms differentiate, the
autograd engine records nothing. Results are compat tensors that do not require grad (torch's
transforms would also connect them to an outer autograd graph; compat's do not).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

import rustorch_fx as _rt
from compat import _random
from compat._grad_mode import no_grad
from compat._tensor import Tensor
from rustorch_fx.errors import (
    ArgumentTypeError,
    InvalidArgumentError,
    UnsupportedError,
)

__all__ = [
    "functional_call",
    "grad",
    "grad_and_value",
    "hessian",
    "jacfwd",
    "jacrev",
    "jvp",
    "stateless",
    "vjp",
    "vmap",
]


# --------------------------------------------------------------------------- tensors <-> arrays


def _is_leaf(x: Any) -> bool:
    return isinstance(x, Tensor)


def _to_arrays(tree: Any) -> Any:
    """Replace every compat tensor of a pytree by its value (a JAX array or tracer)."""
    return jax.tree_util.tree_map(
        lambda x: x._value if isinstance(x, Tensor) else x, tree, is_leaf=_is_leaf
    )


def _to_tensors(tree: Any) -> Any:
    """Wrap every JAX array (or tracer) of a pytree as a compat tensor."""
    return jax.tree_util.tree_map(
        lambda x: Tensor._wrap(x) if isinstance(x, jax.Array) else x, tree, is_leaf=_is_leaf
    )


def _pure(op: str, func: Callable[..., Any], kwargs: dict[str, Any]) -> Callable[..., Any]:
    """``func`` over compat tensors as a function of JAX arrays (run in no_grad mode)."""
    if not callable(func):
        raise ArgumentTypeError(f"{op}: expected a callable, got {type(func).__name__}")

    def pure(*arrays: Any) -> Any:
        with no_grad():
            out = func(*_to_tensors(arrays), **kwargs)
        return _to_arrays(out)

    return pure


# --------------------------------------------------------------------------- functional_call


def _merge_dicts(op: str, dicts: Any) -> dict[str, Any]:
    if isinstance(dicts, Mapping):
        return dict(dicts)
    if isinstance(dicts, Sequence) and not isinstance(dicts, str):
        if not all(isinstance(d, Mapping) for d in dicts):
            raise InvalidArgumentError(
                f"{op}: expected all elements of parameter_and_buffer_dicts to be dicts"
            )
        merged: dict[str, Any] = {}
        repeated = []
        for d in dicts:
            for k, v in d.items():
                if k in merged:
                    repeated.append(k)
                merged[k] = v
        if repeated:
            raise InvalidArgumentError(
                f"{op}: {repeated} appeared in multiple dictionaries; behavior of functional "
                "call is ambiguous"
            )
        return merged
    raise InvalidArgumentError(
        f"{op}: expected parameter_and_buffer_dicts to be a dict, or a list/tuple of dicts, "
        f"but got {type(dicts).__name__}"
    )


def _as_tensor(op: str, name: str, value: Any) -> Tensor:
    if isinstance(value, Tensor):
        return value
    if isinstance(value, jax.Array | np.ndarray):
        return Tensor._wrap(jnp.asarray(value))
    raise ArgumentTypeError(
        f"{op}: the value for {name!r} must be a compat Tensor or a JAX/numpy array, "
        f"got {type(value).__name__}"
    )


def _slots(module: Any) -> dict[str, tuple[Any, str, str]]:
    """Every parameter and buffer name (tied duplicates included) -> (owner, registry, attr)."""
    out: dict[str, tuple[Any, str, str]] = {}
    for prefix, sub in module.named_modules(remove_duplicate=False):
        for registry in ("_parameters", "_buffers"):
            for attr, value in sub.__dict__[registry].items():
                if value is not None:
                    out[f"{prefix}.{attr}" if prefix else attr] = (sub, registry, attr)
    return out


def _untie(
    op: str, slots: dict[str, tuple[Any, str, str]], values: dict[str, Any]
) -> dict[str, Any]:
    """Extend ``values`` to every name tied (the same tensor) to a given one."""
    groups: dict[int, list[str]] = {}
    for name, (owner, registry, attr) in slots.items():
        groups.setdefault(id(owner.__dict__[registry][attr]), []).append(name)
    out = dict(values)
    for names in groups.values():
        if len(names) < 2:
            continue
        given = [n for n in names if n in values]
        if not given:
            continue
        first = values[given[0]]
        if any(values[n] is not first for n in given[1:]):
            raise InvalidArgumentError(
                f"{op}: got multiple values for keys {given}, which are tied. Consider using "
                "tie_weights=False"
            )
        for n in names:
            out[n] = first
    return out


@contextlib.contextmanager
def _reparametrized(
    op: str, module: Any, values: dict[str, Any], tie_weights: bool, strict: bool
) -> Iterator[dict[str, Tensor]]:
    """Swap the named parameters/buffers of ``module`` for ``values``; restore on exit.

    Yields the tensors put in place, by name (after the exit they hold what the module wrote
    into them in place; a name the module reassigned maps to its new tensor).
    """
    from compat.nn.modules.module import Module

    if not isinstance(module, Module):
        raise ArgumentTypeError(f"{op}: expected a compat.nn.Module, got {type(module).__name__}")
    slots = _slots(module)
    if tie_weights:
        values = _untie(op, slots, values)
    unexpected = [k for k in values if k not in slots]
    if strict:
        missing = [k for k in slots if k not in values]
        msgs = []
        if unexpected:
            msgs.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
        if missing:
            msgs.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
        if msgs:
            raise InvalidArgumentError(
                f"{op}: Error(s) in reparametrizing for {module._get_name()}:\n\t"
                + "\n\t".join(msgs)
            )
    if unexpected:
        raise InvalidArgumentError(
            f"{op}: {', '.join(map(repr, unexpected))} name(s) no parameter or buffer of "
            f"{module._get_name()} (its names: {', '.join(slots) or 'none'})"
        )
    placed = {k: _as_tensor(op, k, v) for k, v in values.items()}
    saved: list[tuple[dict[str, Any], str, Any]] = []
    try:
        for name, tensor in placed.items():
            owner, registry, attr = slots[name]
            table = owner.__dict__[registry]
            saved.append((table, attr, table[attr]))
            table[attr] = tensor
        yield placed
    finally:
        for name in placed:
            owner, registry, attr = slots[name]
            now = owner.__dict__[registry].get(attr)
            if now is not None:
                placed[name] = now
        for table, attr, old in reversed(saved):
            table[attr] = old


def functional_call(
    module: Any,
    parameter_and_buffer_dicts: Any,
    args: Any = None,
    kwargs: dict[str, Any] | None = None,
    *,
    tie_weights: bool = True,
    strict: bool = False,
) -> Any:
    """Call ``module`` with some parameters and buffers replaced, as ``torch.func.functional_call``.

    The named (dotted) parameters and buffers are swapped for the given values for the length
    of the call and restored afterwards, even if the call raises. The values may be compat
    tensors (autograd flows into them) or JAX arrays, tracers included, so that ``jax.jit``,
    ``jax.grad`` and rustorch_fx's transforms of a function calling this work.

    Args:
        module: The compat module to call.
        parameter_and_buffer_dicts: A dict ``name -> value``, or a sequence of dicts with
            distinct keys.
        args: The positional arguments; a non-tuple is one argument. JAX arrays among them
            (and in ``kwargs``) are wrapped as compat tensors.
        kwargs: The keyword arguments.
        tie_weights: Treat tied parameters and buffers (the same tensor under several names)
            as tied: a value given for one name is used for all of them, and different values
            for tied names are an error.
        strict: Require the dicts to name exactly the module's parameters and buffers.

    Returns:
        What ``module(*args, **kwargs)`` returns. When the module replaces a swapped entry
        (``self.buf = ...``), the dict's entry is updated to the new tensor, as in torch.

    Raises:
        ArgumentTypeError: If ``module`` is not a compat module or a value is not a tensor or
            an array.
        InvalidArgumentError: If a key names no parameter or buffer, tied names get different
            values, keys repeat across dicts, or (``strict``) keys are missing.

    Example:
        >>> import compat
        >>> from compat.func import functional_call
        >>> lin = compat.nn.Linear(2, 1, bias=False)
        >>> w = compat.ones(1, 2)
        >>> functional_call(lin, {"weight": w}, (compat.tensor([[1.0, 2.0]]),)).tolist()
        [[3.0]]
    """
    op = "functional_call"
    values = _merge_dicts(op, parameter_and_buffer_dicts)
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    kwargs = {} if kwargs is None else kwargs
    with _reparametrized(op, module, values, tie_weights, strict) as placed:
        out = module(*_to_tensors(args), **_to_tensors(kwargs))
    if isinstance(parameter_and_buffer_dicts, dict):
        for k in parameter_and_buffer_dicts:
            if k in placed and placed[k] is not values[k] and isinstance(values[k], Tensor):
                parameter_and_buffer_dicts[k] = placed[k]
    return out


# --------------------------------------------------------------------------- module -> pure fn


def stateless(module: Any, *, with_buffers: bool = False) -> tuple[Callable[..., Any], Any]:
    """Split a compat module into a pure function and its parameters (JAX arrays).

    ``fn, params = stateless(model)`` gives ``fn(params, *args, **kwargs)``, a pure function
    of a dict ``name -> jax.Array`` (the ``state_dict`` names of the parameters) and of the
    call's arguments (compat tensors or JAX arrays), returning the module's output with every
    tensor as a JAX array. It is safe under ``jax.jit``, ``jax.grad``, ``rustorch_fx.grad``,
    ``hessian``, ``jax.vmap`` and sharding; ``params`` is a plain pytree.

    Buffers are read from the module at each call and never changed by ``fn`` (a BatchNorm in
    train mode normalizes with batch statistics, and its running-statistics update is
    dropped). With ``with_buffers=True`` the buffers are explicit state instead:
    ``fn, (params, buffers) = stateless(model, with_buffers=True)`` and
    ``fn(params, buffers, *args)`` returns ``(output, new_buffers)``. Random layers (dropout)
    draw their key when ``fn`` is traced: under ``jax.jit`` every call reuses it, so use
    ``model.eval()`` or :func:`compat.compile` for training with dropout.

    Args:
        module: The compat module.
        with_buffers: Make the buffers an explicit input and output (see above).

    Returns:
        ``(fn, params)``, or ``(fn, (params, buffers))`` with ``with_buffers``.

    Raises:
        ArgumentTypeError: If ``module`` is not a compat module.

    Example:
        >>> import compat
        >>> import rustorch_fx as rt
        >>> from compat.func import stateless
        >>> lin = compat.nn.Linear(3, 1)
        >>> fn, params = stateless(lin)
        >>> loss = lambda p, x: fn(p, x).sum()
        >>> g = rt.grad(loss)(params, compat.ones(2, 3))
        >>> sorted(g), g["weight"].shape
        (['bias', 'weight'], (1, 3))
    """
    from compat.nn.modules.module import Module

    if not isinstance(module, Module):
        raise ArgumentTypeError(
            f"stateless: expected a compat.nn.Module, got {type(module).__name__}"
        )
    params = {k: v._value for k, v in module.named_parameters()}
    buffer_names = [k for k, _ in module.named_buffers()]

    def call(values: dict[str, Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        with _reparametrized("stateless", module, values, True, False) as placed:
            out = module(*_to_tensors(args), **_to_tensors(kwargs))
        return _to_arrays(out), placed

    if not with_buffers:

        def fn(params: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
            current = {k: v._value for k, v in module.named_buffers()}
            return call({**current, **params}, args, kwargs)[0]

        return fn, params

    buffers = {k: v._value for k, v in module.named_buffers()}

    def fn_buffers(
        params: dict[str, Any], buffers: dict[str, Any], *args: Any, **kwargs: Any
    ) -> tuple[Any, dict[str, Any]]:
        out, placed = call({**buffers, **params}, args, kwargs)
        return out, {k: placed[k]._value for k in buffer_names if k in placed}

    return fn_buffers, (params, buffers)


# --------------------------------------------------------------------------- transforms


def grad(
    func: Callable[..., Any], argnums: int | tuple[int, ...] = 0, has_aux: bool = False
) -> Callable[..., Any]:
    """The gradient of a scalar function of compat tensors, as ``torch.func.grad``.

    Computed by :func:`rustorch_fx.grad`; keyword arguments of the returned function are passed
    to ``func`` and not differentiated.

    Args:
        func: A function of tensors (pytrees of them) returning a one-element tensor, or
            ``(output, aux)`` with ``has_aux``.
        argnums: The positional argument(s) to differentiate.
        has_aux: Whether ``func`` returns ``(output, aux)``.

    Returns:
        A function returning the gradient (a tuple of them for a tuple ``argnums``), and
        ``(gradient, aux)`` with ``has_aux``.

    Raises:
        ArgumentTypeError: If ``func`` is not callable.
        RusTorchError: What :func:`rustorch_fx.grad` raises (non-scalar output, integer input).

    Example:
        >>> import compat
        >>> from compat.func import grad
        >>> grad(lambda x: (x ** 2).sum())(compat.tensor([1.0, 2.0])).tolist()
        [2.0, 4.0]
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        pure = _pure("grad", func, kwargs)
        return _to_tensors(_rt.grad(pure, argnums, has_aux)(*_to_arrays(args)))

    return wrapper


def grad_and_value(
    func: Callable[..., Any], argnums: int | tuple[int, ...] = 0, has_aux: bool = False
) -> Callable[..., Any]:
    """The gradient and the value of a scalar function, as ``torch.func.grad_and_value``.

    Args:
        func: As for :func:`grad`.
        argnums: The positional argument(s) to differentiate.
        has_aux: Whether ``func`` returns ``(output, aux)``.

    Returns:
        A function returning ``(gradient, value)``, or ``(gradient, (value, aux))`` with
        ``has_aux`` (torch's order).

    Raises:
        ArgumentTypeError: If ``func`` is not callable.
        RusTorchError: What :func:`rustorch_fx.value_and_grad` raises.

    Example:
        >>> import compat
        >>> from compat.func import grad_and_value
        >>> g, v = grad_and_value(lambda x: (x ** 2).sum())(compat.tensor([3.0]))
        >>> g.tolist(), v.item()
        ([6.0], 9.0)
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        pure = _pure("grad_and_value", func, kwargs)
        value, g = _rt.value_and_grad(pure, argnums, has_aux)(*_to_arrays(args))
        return _to_tensors((g, value))

    return wrapper


def vjp(func: Callable[..., Any], *primals: Any, has_aux: bool = False) -> tuple[Any, ...]:
    """The output of ``func`` and its vector-Jacobian product function, as ``torch.func.vjp``.

    Args:
        func: A function of ``len(primals)`` tensors (pytrees of them).
        *primals: The arguments at which to differentiate.
        has_aux: Whether ``func`` returns ``(output, aux)``.

    Returns:
        ``(output, vjp_fn)`` or ``(output, vjp_fn, aux)``; ``vjp_fn(cotangents)`` takes
        tensors shaped like the output and returns a tuple with one tensor per primal.

    Raises:
        ArgumentTypeError: If ``func`` is not callable.
        RusTorchError: What :func:`rustorch_fx.vjp` raises.

    Example:
        >>> import compat
        >>> from compat.func import vjp
        >>> out, fn = vjp(lambda x: x * 3.0, compat.tensor([1.0, 2.0]))
        >>> fn(compat.ones(2))[0].tolist()
        [3.0, 3.0]
    """
    pure = _pure("vjp", func, {})
    result = _rt.vjp(pure, *_to_arrays(primals), has_aux=has_aux)
    pullback = result[1]

    def vjp_fn(cotangents: Any) -> tuple[Any, ...]:
        return _to_tensors(pullback(_to_arrays(cotangents)))

    return (_to_tensors(result[0]), vjp_fn, *_to_tensors(result[2:]))


def jvp(
    func: Callable[..., Any],
    primals: Any,
    tangents: Any,
    *,
    strict: bool = False,
    has_aux: bool = False,
) -> tuple[Any, ...]:
    """The output of ``func`` and its Jacobian-vector product, as ``torch.func.jvp``.

    Args:
        func: A function of ``len(primals)`` tensors (pytrees of them).
        primals: A tuple of the arguments.
        tangents: A tuple of tangents, shaped like ``primals``.
        strict: Accepted for torch's signature (compat never produces an independent output
            silently: every output gets its tangent, zero where it does not depend on the
            inputs).
        has_aux: Whether ``func`` returns ``(output, aux)``.

    Returns:
        ``(output, jvp_out)``, or ``(output, jvp_out, aux)`` with ``has_aux``.

    Raises:
        ArgumentTypeError: If ``func`` is not callable or ``primals``/``tangents`` are not
            tuples.
        RusTorchError: What :func:`rustorch_fx.jvp` raises (mismatched shapes).

    Example:
        >>> import compat
        >>> from compat.func import jvp
        >>> out, t = jvp(lambda x: x ** 2, (compat.tensor([3.0]),), (compat.ones(1),))
        >>> t.tolist()
        [6.0]
    """
    for name, value in (("primals", primals), ("tangents", tangents)):
        if not isinstance(value, tuple | list):
            raise ArgumentTypeError(
                f"jvp: expected {name} to be a tuple of tensors, got {type(value).__name__}"
            )
    pure = _pure("jvp", func, {})
    p, t = tuple(_to_arrays(tuple(primals))), tuple(_to_arrays(tuple(tangents)))
    if not has_aux:
        return _to_tensors(_rt.jvp(pure, p, t))
    aux_box: list[Any] = []

    def main(*args: Any) -> Any:
        out = pure(*args)
        if not (isinstance(out, tuple) and len(out) == 2):
            raise ArgumentTypeError("jvp: with has_aux=True, func must return (output, aux)")
        aux_box.append(jax.lax.stop_gradient(out[1]))
        return out[0]

    out, tangent_out = _rt.jvp(main, p, t)
    return (_to_tensors(out), _to_tensors(tangent_out), _to_tensors(aux_box[-1]))


def jacrev(
    func: Callable[..., Any],
    argnums: int | tuple[int, ...] = 0,
    *,
    has_aux: bool = False,
    chunk_size: int | None = None,
) -> Callable[..., Any]:
    """The Jacobian of ``func`` in reverse mode, as ``torch.func.jacrev``.

    Args:
        func: A function of tensors returning a tensor (or a pytree of them).
        argnums: The positional argument(s) to differentiate.
        has_aux: Whether ``func`` returns ``(output, aux)``.
        chunk_size: Accepted for torch's signature; the Jacobian is computed in one batch.

    Returns:
        A function returning the Jacobian (``output.shape + input.shape``), and
        ``(jacobian, aux)`` with ``has_aux``.

    Raises:
        ArgumentTypeError: If ``func`` is not callable.
        RusTorchError: What :func:`rustorch_fx.jacrev` raises.

    Example:
        >>> import compat
        >>> from compat.func import jacrev
        >>> jacrev(lambda x: x * 2.0)(compat.ones(2)).tolist()
        [[2.0, 0.0], [0.0, 2.0]]
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        pure = _pure("jacrev", func, kwargs)
        return _to_tensors(_rt.jacrev(pure, argnums, has_aux)(*_to_arrays(args)))

    return wrapper


def jacfwd(
    func: Callable[..., Any],
    argnums: int | tuple[int, ...] = 0,
    has_aux: bool = False,
    *,
    randomness: str = "error",
) -> Callable[..., Any]:
    """The Jacobian of ``func`` in forward mode, as ``torch.func.jacfwd``.

    Args:
        func: A function of tensors returning a tensor (or a pytree of them).
        argnums: The positional argument(s) to differentiate.
        has_aux: Whether ``func`` returns ``(output, aux)``.
        randomness: As for :func:`vmap` (``"error"``, ``"same"``).

    Returns:
        A function returning the Jacobian, and ``(jacobian, aux)`` with ``has_aux``.

    Raises:
        ArgumentTypeError: If ``func`` is not callable.
        InvalidArgumentError: For an unknown ``randomness``, or random ops with ``"error"``.
        RusTorchError: What :func:`rustorch_fx.jacfwd` raises.

    Example:
        >>> import compat
        >>> from compat.func import jacfwd
        >>> jacfwd(lambda x: x ** 2)(compat.tensor([1.0, 3.0])).tolist()
        [[2.0, 0.0], [0.0, 6.0]]
    """
    _check_randomness("jacfwd", randomness)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        pure = _pure("jacfwd", func, kwargs)
        with _watch_randomness("jacfwd", randomness):
            return _to_tensors(_rt.jacfwd(pure, argnums, has_aux)(*_to_arrays(args)))

    return wrapper


def hessian(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """The Hessian of a scalar function, as ``torch.func.hessian`` (forward-over-reverse).

    Args:
        func: A function of tensors returning a one-element tensor.
        argnums: The positional argument(s) to differentiate.

    Returns:
        A function returning the Hessian (``input.shape + input.shape``).

    Raises:
        ArgumentTypeError: If ``func`` is not callable.
        RusTorchError: What :func:`rustorch_fx.hessian` raises.

    Example:
        >>> import compat
        >>> from compat.func import hessian
        >>> hessian(lambda x: (x ** 3).sum())(compat.tensor([1.0, 2.0])).tolist()
        [[6.0, 0.0], [0.0, 12.0]]
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        pure = _pure("hessian", func, kwargs)
        return _to_tensors(_rt.hessian(pure, argnums)(*_to_arrays(args)))

    return wrapper


_RANDOMNESS = ("error", "different", "same")


def _check_randomness(op: str, randomness: Any) -> None:
    if randomness not in _RANDOMNESS:
        raise InvalidArgumentError(
            f"{op}: randomness must be one of {_RANDOMNESS}, got {randomness!r}"
        )


@contextlib.contextmanager
def _watch_randomness(op: str, randomness: str) -> Iterator[None]:
    """Raise if the default generator is used under ``randomness`` other than ``"same"``.

    compat's random ops draw their key when traced, so every batch element of a vmapped
    function sees the same random numbers: that is torch's ``randomness="same"``.
    """
    gen = _random.default_generator
    before = gen._counter
    yield
    if randomness != "same" and gen._counter != before:
        if randomness == "error":
            raise InvalidArgumentError(
                f"{op}: called a random operation while randomness='error'; pass "
                "randomness='same' (one draw shared by the batch) or draw outside"
            )
        raise UnsupportedError(
            f"{op}: randomness='different' is not supported (compat draws one key per traced "
            "call); use randomness='same', or draw per-sample noise outside and vmap over it"
        )


def vmap(
    func: Callable[..., Any],
    in_dims: Any = 0,
    out_dims: Any = 0,
    randomness: str = "error",
    *,
    chunk_size: int | None = None,
) -> Callable[..., Any]:
    """Vectorize ``func`` over a batch dimension, as ``torch.func.vmap`` (via ``jax.vmap``).

    Args:
        func: A function of tensors (pytrees of them); keyword arguments are not batched.
        in_dims: The batched dimension of each positional argument (an int, None for
            unbatched, or a tuple/pytree of them per argument).
        out_dims: The dimension of the outputs that holds the batch.
        randomness: ``"error"`` (random ops raise), ``"same"`` (one draw shared by the
            batch); ``"different"`` raises UnsupportedError if a random op runs.
        chunk_size: Accepted for torch's signature; the batch is computed at once.

    Returns:
        The vectorized function.

    Raises:
        ArgumentTypeError: If ``func`` is not callable.
        InvalidArgumentError: For an unknown ``randomness``, a random op under ``"error"``,
            or batch sizes that disagree.

    Example:
        >>> import compat
        >>> from compat.func import vmap
        >>> vmap(lambda x: x.sum())(compat.ones(3, 2)).tolist()
        [2.0, 2.0, 2.0]
    """
    _check_randomness("vmap", randomness)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        pure = _pure("vmap", func, kwargs)
        dims = tuple(in_dims) if isinstance(in_dims, list) else in_dims
        with _watch_randomness("vmap", randomness):
            try:
                out = jax.vmap(pure, in_axes=dims, out_axes=out_dims)(*_to_arrays(args))
            except ValueError as exc:
                raise InvalidArgumentError(f"vmap: {exc}") from exc
        return _to_tensors(out)

    return wrapper
