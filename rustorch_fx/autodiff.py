"""Functional autodiff: ``grad``, ``jacobian``, ``hessian``, ``hvp``, ``jvp``, ``vjp``, ``gradcheck``.

Every transform takes a pure function over pytrees of ``jax.Array`` and returns another pure
function, so they compose with each other (``hessian(hessian(f))``), with ``jax.jit`` and with
``jax.vmap``. Each one is a thin layer over the matching JAX transform: it validates its
arguments with a message naming the transform, what it got and what it expected, and the
validation runs while JAX traces, so a jitted call costs exactly what the raw JAX call costs.

=========================  ===================================================================
transform                  what it computes
=========================  ===================================================================
:func:`grad`               gradient of a scalar function (reverse mode)
:func:`value_and_grad`     the value and the gradient in one pass
:func:`jacobian`           full Jacobian, forward or reverse mode chosen from the shapes
:func:`jacfwd`/:func:`jacrev`  full Jacobian in forward / reverse mode
:func:`hessian`            full Hessian (forward over reverse)
:func:`hvp`/:func:`vhp`    Hessian-vector / vector-Hessian product without forming the Hessian
:func:`jvp`/:func:`vjp`    Jacobian-vector / vector-Jacobian products
:func:`checkpoint`         rematerialisation: trade compute for memory in the backward pass
:func:`per_example_grad`   gradient of a per-example loss for every example of a batch
:func:`gradcheck`          analytic derivatives (orders 1-3) against finite differences
:func:`detect_anomaly`     raise :class:`~rustorch_fx.errors.NonFiniteError` at the first NaN/Inf
=========================  ===================================================================
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from rustorch_fx import _checks
from rustorch_fx._anomaly import detect_anomaly
from rustorch_fx._gradcheck import GradcheckReport, gradcheck
from rustorch_fx.errors import (
    ArgumentTypeError,
    AutogradError,
    DTypeError,
    IndexOutOfRangeError,
    InvalidArgumentError,
    RusTorchError,
    ShapeError,
)

__all__ = [
    "grad",
    "value_and_grad",
    "jacobian",
    "jacfwd",
    "jacrev",
    "hessian",
    "hvp",
    "vhp",
    "jvp",
    "vjp",
    "checkpoint",
    "per_example_grad",
    "gradcheck",
    "GradcheckReport",
    "detect_anomaly",
]

ArgNums = int | Sequence[int]

_JACOBIAN_MODES = ("auto", "fwd", "rev")

_JAX_NOTE = "JAX has removed its internal frames"

_POLICIES = (
    "everything_saveable",
    "nothing_saveable",
    "dots_saveable",
    "dots_with_no_batch_dims_saveable",
)


# ----------------------------------------------------------------------------------------------
# Validation helpers (they run while JAX traces, never inside the compiled program)
# ----------------------------------------------------------------------------------------------


def _check_callable(op: str, fun: Any) -> None:
    if not callable(fun):
        raise ArgumentTypeError(f"{op}: fun must be callable, got {type(fun).__name__}")


def _check_argnums_type(op: str, argnums: Any, name: str = "argnums") -> None:
    """Check that ``argnums`` is an int or a non-empty sequence of distinct ints."""
    if _checks.is_int(argnums):
        return
    if not isinstance(argnums, (tuple, list)) or not all(_checks.is_int(a) for a in argnums):
        raise ArgumentTypeError(f"{op}: {name} must be an int or a tuple of ints, got {argnums!r}")
    if len(argnums) == 0:
        raise InvalidArgumentError(f"{op}: {name} must not be empty")
    if len(set(argnums)) != len(argnums):
        raise InvalidArgumentError(f"{op}: {name} {tuple(argnums)} contains duplicates")


def _resolve_argnums(op: str, argnums: ArgNums, nargs: int, name: str = "argnums") -> Any:
    """Return ``argnums`` with negative entries made non-negative, checked against ``nargs``."""
    single = _checks.is_int(argnums)
    nums = [int(argnums)] if single else [int(a) for a in argnums]  # type: ignore[union-attr]
    resolved = []
    for a in nums:
        if not -nargs <= a < nargs:
            raise IndexOutOfRangeError(
                f"{op}: {name} {a} is out of range for a function called with {nargs} "
                f"positional argument(s)"
            )
        resolved.append(a % nargs)
    if len(set(resolved)) != len(resolved):
        raise InvalidArgumentError(f"{op}: {name} {tuple(nums)} refer to the same argument twice")
    return resolved[0] if single else tuple(resolved)


def _as_tuple(nums: Any) -> tuple[int, ...]:
    return (nums,) if isinstance(nums, int) else tuple(nums)


def _where(argnum: int, path: Any) -> str:
    text = jax.tree_util.keystr(path)
    return f"argument {argnum}{text}" if text else f"argument {argnum}"


def _leaf_dtype(op: str, argnum: int, path: Any, leaf: Any) -> np.dtype:
    dtype = getattr(leaf, "dtype", None)
    if dtype is None:
        if isinstance(leaf, (bool, int, float, complex, np.generic)):
            return np.asarray(leaf).dtype
        raise ArgumentTypeError(
            f"{op}: {_where(argnum, path)} must be an array, got {type(leaf).__name__}"
        )
    return np.dtype(dtype)


def _check_inputs(op: str, args: Sequence[Any], nums: Any, real: bool) -> None:
    """Raise :class:`DTypeError` unless every differentiated leaf is floating (or complex)."""
    for argnum in _as_tuple(nums):
        leaves = jax.tree_util.tree_flatten_with_path(args[argnum])[0]
        for path, leaf in leaves:
            dtype = _leaf_dtype(op, argnum, path, leaf)
            ok = jnp.issubdtype(dtype, jnp.floating) or (
                not real and jnp.issubdtype(dtype, jnp.complexfloating)
            )
            if not ok:
                kind = "a real floating point" if real else "a floating point or complex"
                raise DTypeError(
                    f"{op}: can only differentiate with respect to inputs of {kind} dtype, "
                    f"got {dtype.name} for {_where(argnum, path)}"
                )


def _split_aux(op: str, out: Any, has_aux: bool) -> Any:
    """Return the differentiated part of ``fun``'s output, checking the pair when ``has_aux``."""
    if not has_aux:
        return out
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        got = (
            f"a {type(out).__name__} of length {len(out)}"
            if isinstance(out, (tuple, list))
            else _describe(out)
        )
        raise AutogradError(
            f"{op}: has_aux=True requires fun to return a pair (output, aux), got {got}"
        )
    return out[0]


def _clean_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Drop the note JAX adds to exceptions (ours) that cross its API boundary while tracing."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except RusTorchError as exc:
            notes = getattr(exc, "__notes__", None)
            if notes is not None:
                exc.__notes__ = [n for n in notes if _JAX_NOTE not in n]
            raise

    return wrapper


def _describe(out: Any) -> str:
    shape = getattr(out, "shape", None)
    if shape is not None:
        return f"an output of shape {tuple(shape)}"
    return f"a {type(out).__name__}"


def _check_scalar_output(op: str, out: Any) -> None:
    if isinstance(out, (float, np.floating)):
        return
    if not hasattr(out, "shape") or not hasattr(out, "dtype"):
        raise AutogradError(f"{op}: fun must return a scalar, got {_describe(out)}")
    if tuple(out.shape) != ():
        raise AutogradError(f"{op}: fun must return a scalar, got {_describe(out)}")
    if not jnp.issubdtype(out.dtype, jnp.floating):
        raise DTypeError(
            f"{op}: fun must return a real floating point scalar, got dtype {np.dtype(out.dtype).name}"
        )


def _check_real_outputs(op: str, out: Any) -> None:
    for path, leaf in jax.tree_util.tree_flatten_with_path(out)[0]:
        dtype = np.dtype(leaf.dtype if hasattr(leaf, "dtype") else np.asarray(leaf).dtype)
        if not jnp.issubdtype(dtype, jnp.floating):
            where = f"output{jax.tree_util.keystr(path)}"
            raise DTypeError(
                f"{op}: fun must return real floating point outputs, got {dtype.name} for {where}"
            )


def _scalar_fun(op: str, fun: Callable[..., Any], has_aux: bool) -> Callable[..., Any]:
    """``fun`` with a trace-time check that its (main) output is a real floating scalar."""

    def checked(*args: Any, **kwargs: Any) -> Any:
        out = fun(*args, **kwargs)
        _check_scalar_output(op, _split_aux(op, out, has_aux))
        return out

    return checked


def _real_fun(op: str, fun: Callable[..., Any], has_aux: bool) -> Callable[..., Any]:
    """``fun`` with a trace-time check that its (main) outputs are real floating arrays."""

    def checked(*args: Any, **kwargs: Any) -> Any:
        out = fun(*args, **kwargs)
        _check_real_outputs(op, _split_aux(op, out, has_aux))
        return out

    return checked


def _check_bool(op: str, name: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise ArgumentTypeError(f"{op}: {name} must be a bool, got {type(value).__name__}")


def _positional(op: str, name: str, value: Any) -> tuple[Any, ...]:
    if not isinstance(value, (tuple, list)):
        raise ArgumentTypeError(
            f"{op}: {name} must be a tuple of positional arguments, got {type(value).__name__}"
        )
    return tuple(value)


def _as_arrays(op: str, name: str, tree: Any) -> Any:
    return jax.tree_util.tree_map(lambda leaf: _checks.as_array(op, name, leaf), tree)


def _match_trees(
    op: str, primals: tuple[Any, ...], others: tuple[Any, ...], other_name: str
) -> tuple[Any, ...]:
    """Check that ``others`` has the structure and shapes of ``primals``; cast to its dtypes.

    A floating point tangent is cast to its primal's floating point dtype (JAX requires them
    equal); any other dtype mismatch raises.
    """
    if len(primals) != len(others):
        raise ShapeError(
            f"{op}: primals has {len(primals)} argument(s) but {other_name} has {len(others)}"
        )
    cast = []
    for argnum, (p, t) in enumerate(zip(primals, others, strict=True)):
        p_leaves, _ = jax.tree_util.tree_flatten_with_path(p)
        t_def = jax.tree_util.tree_structure(t)
        if t_def != jax.tree_util.tree_structure(p):
            raise ShapeError(
                f"{op}: {other_name}[{argnum}] has tree structure {t_def}, expected the "
                f"structure of primals[{argnum}], {jax.tree_util.tree_structure(p)}"
            )
        for (path, pl), tl in zip(p_leaves, jax.tree_util.tree_leaves(t), strict=True):
            where = f"[{argnum}]{jax.tree_util.keystr(path)}"
            if tuple(pl.shape) != tuple(tl.shape):
                raise ShapeError(
                    f"{op}: {other_name}{where} has shape {tuple(tl.shape)}, expected the shape "
                    f"of primals{where}, {tuple(pl.shape)}"
                )
            if pl.dtype != tl.dtype and not (
                jnp.issubdtype(pl.dtype, jnp.floating) and jnp.issubdtype(tl.dtype, jnp.floating)
            ):
                raise DTypeError(
                    f"{op}: {other_name}{where} has dtype {np.dtype(tl.dtype).name}, expected the "
                    f"floating point dtype of primals{where}, {np.dtype(pl.dtype).name}"
                )
        cast.append(jax.tree_util.tree_map(lambda a, b: b.astype(a.dtype), p, t))
    return tuple(cast)


def _prepare_pair(
    op: str, fun: Any, primals: Any, others: Any, other_name: str
) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """Validate ``fun``, ``primals`` and tangents/cotangents for jvp, hvp and vhp."""
    _check_callable(op, fun)
    primals = _positional(op, "primals", primals)
    others = _positional(op, other_name, others)
    if not primals:
        raise InvalidArgumentError(f"{op}: primals must contain at least one argument, got ()")
    primals = tuple(_as_arrays(op, "primals", p) for p in primals)
    others = tuple(_as_arrays(op, other_name, t) for t in others)
    _check_inputs(op, primals, tuple(range(len(primals))), real=True)
    return primals, _match_trees(op, primals, others, other_name)


# ----------------------------------------------------------------------------------------------
# Gradients
# ----------------------------------------------------------------------------------------------


def _make_grad(
    op: str, fun: Any, argnums: ArgNums, has_aux: bool, with_value: bool
) -> Callable[..., Any]:
    _check_callable(op, fun)
    _check_argnums_type(op, argnums)
    _check_bool(op, "has_aux", has_aux)
    checked = _scalar_fun(op, fun, has_aux)
    transform = jax.value_and_grad if with_value else jax.grad

    @functools.wraps(fun)
    @_clean_errors
    def grad_fun(*args: Any, **kwargs: Any) -> Any:
        nums = _resolve_argnums(op, argnums, len(args))
        _check_inputs(op, args, nums, real=False)
        return transform(checked, argnums=nums, has_aux=has_aux)(*args, **kwargs)

    return grad_fun


def grad(
    fun: Callable[..., Any], argnums: ArgNums = 0, has_aux: bool = False
) -> Callable[..., Any]:
    """Gradient of a scalar-valued function (reverse mode), like ``torch.func.grad``.

    Args:
        fun: Function of pytrees of arrays returning a real floating point scalar (or a pair
            ``(scalar, aux)`` when ``has_aux``). Keyword arguments are passed through and not
            differentiated.
        argnums: Which positional argument(s) to differentiate with respect to: an int, or a
            tuple of ints (negative values count from the end).
        has_aux: Whether ``fun`` returns ``(output, aux)``; ``aux`` is returned unchanged.

    Returns:
        A function with ``fun``'s signature returning the gradient, shaped like the argument
        (a tuple of such pytrees when ``argnums`` is a tuple), or ``(gradient, aux)`` when
        ``has_aux``.

    Raises:
        ArgumentTypeError: If ``fun`` is not callable or ``argnums`` is not an int or tuple of
            ints.
        IndexOutOfRangeError: If ``argnums`` names an argument that the call does not pass.
        DTypeError: If a differentiated input is not floating point or complex, or the output
            is not a real floating point scalar.
        AutogradError: If ``fun`` returns a non-scalar, or not a pair when ``has_aux``.

    Example:
        >>> import jax.numpy as jnp
        >>> import rustorch_fx as rt
        >>> rt.grad(lambda x: jnp.sum(x**2))(jnp.array([1.0, 2.0]))
        Array([2., 4.], dtype=float32)
    """
    return _make_grad("grad", fun, argnums, has_aux, with_value=False)


def value_and_grad(
    fun: Callable[..., Any], argnums: ArgNums = 0, has_aux: bool = False
) -> Callable[..., Any]:
    """Value and gradient of a scalar-valued function in one forward and one backward pass.

    Args:
        fun: Function returning a real floating point scalar (or ``(scalar, aux)``).
        argnums: Which positional argument(s) to differentiate with respect to.
        has_aux: Whether ``fun`` returns ``(output, aux)``.

    Returns:
        A function returning ``(value, gradient)``, or ``((value, aux), gradient)`` when
        ``has_aux`` (JAX's convention).

    Raises:
        ArgumentTypeError: If ``fun`` is not callable or ``argnums`` has the wrong type.
        IndexOutOfRangeError: If ``argnums`` is out of range for the call.
        DTypeError: If a differentiated input is integer or boolean.
        AutogradError: If ``fun`` returns a non-scalar, or not a pair when ``has_aux``.

    Example:
        >>> import jax.numpy as jnp
        >>> import rustorch_fx as rt
        >>> value, g = rt.value_and_grad(lambda x: jnp.sum(x**2))(jnp.array([1.0, 2.0]))
        >>> float(value), g.tolist()
        (5.0, [2.0, 4.0])
    """
    return _make_grad("value_and_grad", fun, argnums, has_aux, with_value=True)


def per_example_grad(
    fun: Callable[..., Any],
    argnums: ArgNums = 0,
    batch_argnums: ArgNums = (1,),
    has_aux: bool = False,
) -> Callable[..., Any]:
    """Gradient of a single-example loss for every example of a batch (``vmap`` of ``grad``).

    ``fun`` is written for ONE example: ``fun(params, x, y)`` with ``x`` of shape ``[...]``.
    The returned function takes the batch (``x`` of shape ``[B, ...]``): the arguments in
    ``batch_argnums`` are mapped over their leading dimension, the others (the parameters) are
    shared, and the gradient for each example comes back with a leading batch dimension. This
    is what differential privacy (per-example clipping) and influence functions need, at the
    cost of one vectorised backward pass rather than ``B`` separate ones.

    Args:
        fun: Per-example function returning a real floating point scalar (or
            ``(scalar, aux)``).
        argnums: Which positional argument(s) to differentiate with respect to.
        batch_argnums: Which positional argument(s) carry the batch along their leading
            dimension (every leaf of those pytrees is mapped over axis 0).
        has_aux: Whether ``fun`` returns ``(output, aux)``; ``aux`` is returned per example,
            with a leading batch dimension.

    Returns:
        A function with ``fun``'s signature (batched) returning the gradients, each leaf of
        shape ``[B, *param_leaf_shape]`` (and the batched ``aux`` when ``has_aux``).

    Raises:
        ArgumentTypeError: If ``fun`` is not callable or an argnums has the wrong type.
        IndexOutOfRangeError: If ``argnums`` or ``batch_argnums`` is out of range.
        ShapeError: If a batched leaf is 0-d or batched leaves disagree on the batch size.
        AutogradError: If ``fun`` does not return a scalar for one example.

    Example:
        >>> import jax.numpy as jnp
        >>> import rustorch_fx as rt
        >>> def loss(w, x):
        ...     return jnp.sum(w * x) ** 2
        >>> g = rt.per_example_grad(loss)(jnp.ones(2), jnp.array([[1.0, 0.0], [1.0, 1.0]]))
        >>> g.tolist()
        [[2.0, 0.0], [4.0, 4.0]]
    """
    op = "per_example_grad"
    _check_argnums_type(op, batch_argnums, "batch_argnums")
    grad_fun = _make_grad(op, fun, argnums, has_aux, with_value=False)

    @functools.wraps(fun)
    @_clean_errors
    def batched(*args: Any, **kwargs: Any) -> Any:
        batch = _as_tuple(_resolve_argnums(op, batch_argnums, len(args), "batch_argnums"))
        _check_batch(op, args, batch)
        in_axes = tuple(0 if i in batch else None for i in range(len(args)))
        call = functools.partial(grad_fun, **kwargs) if kwargs else grad_fun
        return jax.vmap(call, in_axes=in_axes)(*args)

    return batched


def _check_batch(op: str, args: Sequence[Any], batch: tuple[int, ...]) -> None:
    size: tuple[int, str] | None = None
    for argnum in batch:
        for path, leaf in jax.tree_util.tree_flatten_with_path(args[argnum])[0]:
            shape = tuple(np.shape(leaf))
            where = _where(argnum, path)
            if not shape:
                raise ShapeError(
                    f"{op}: batched {where} must have a leading batch dimension, got a 0-d array"
                )
            if size is None:
                size = (shape[0], where)
            elif shape[0] != size[0]:
                raise ShapeError(
                    f"{op}: batched arguments must share their leading (batch) dimension, got "
                    f"{size[0]} for {size[1]} and {shape[0]} for {where}"
                )


# ----------------------------------------------------------------------------------------------
# Jacobians and Hessians
# ----------------------------------------------------------------------------------------------


def _total_size(tree: Any) -> int:
    return sum(
        int(np.prod(np.shape(leaf), dtype=np.int64)) for leaf in jax.tree_util.tree_leaves(tree)
    )


def _make_jacobian(
    op: str, fun: Any, argnums: ArgNums, mode: str, has_aux: bool
) -> Callable[..., Any]:
    _check_callable(op, fun)
    _check_argnums_type(op, argnums)
    _check_bool(op, "has_aux", has_aux)
    if not isinstance(mode, str) or mode not in _JACOBIAN_MODES:
        raise InvalidArgumentError(
            f"{op}: mode must be one of {', '.join(map(repr, _JACOBIAN_MODES))}, got {mode!r}"
        )
    checked = _real_fun(op, fun, has_aux)

    @functools.wraps(fun)
    @_clean_errors
    def jac_fun(*args: Any, **kwargs: Any) -> Any:
        nums = _resolve_argnums(op, argnums, len(args))
        _check_inputs(op, args, nums, real=True)
        chosen = mode
        if chosen == "auto":
            out = jax.eval_shape(checked, *args, **kwargs)
            out = out[0] if has_aux else out
            in_size = sum(_total_size(args[i]) for i in _as_tuple(nums))
            chosen = "fwd" if in_size < _total_size(out) else "rev"
        transform = jax.jacfwd if chosen == "fwd" else jax.jacrev
        return transform(checked, argnums=nums, has_aux=has_aux)(*args, **kwargs)

    return jac_fun


def jacobian(
    fun: Callable[..., Any], argnums: ArgNums = 0, mode: str = "auto", has_aux: bool = False
) -> Callable[..., Any]:
    """Full Jacobian of ``fun``, in forward or reverse mode.

    Forward mode costs one JVP per input element, reverse mode one VJP per output element;
    ``mode="auto"`` picks forward mode when the total size of the differentiated inputs is
    smaller than the total size of the outputs and reverse mode otherwise, deciding per call
    from the shapes seen at trace time (a jitted function decides once per input shape).

    Args:
        fun: Function of pytrees of arrays returning a pytree of real floating point arrays (or
            ``(output, aux)`` when ``has_aux``).
        argnums: Which positional argument(s) to differentiate with respect to.
        mode: ``"fwd"``, ``"rev"`` or ``"auto"``.
        has_aux: Whether ``fun`` returns ``(output, aux)``.

    Returns:
        A function returning the Jacobian laid out as JAX's ``jacfwd``/``jacrev``: for each
        output leaf of shape ``O`` and input leaf of shape ``I``, an array of shape ``O + I``
        (nested as output tree, then input tree; a tuple over ``argnums`` when it is a tuple).
        With ``has_aux``, ``(jacobian, aux)``.

    Raises:
        ArgumentTypeError: If ``fun`` is not callable or ``argnums`` has the wrong type.
        InvalidArgumentError: If ``mode`` is not one of the three names.
        IndexOutOfRangeError: If ``argnums`` is out of range for the call.
        DTypeError: If an input or output is not real floating point.
        AutogradError: If ``has_aux`` and ``fun`` does not return a pair.

    Example:
        >>> import jax.numpy as jnp
        >>> import rustorch_fx as rt
        >>> rt.jacobian(lambda x: x**2)(jnp.array([1.0, 2.0]))
        Array([[2., 0.],
               [0., 4.]], dtype=float32)
    """
    return _make_jacobian("jacobian", fun, argnums, mode, has_aux)


def jacfwd(
    fun: Callable[..., Any], argnums: ArgNums = 0, has_aux: bool = False
) -> Callable[..., Any]:
    """Full Jacobian in forward mode (one JVP per input element), like ``torch.func.jacfwd``.

    Args:
        fun: Function returning a pytree of real floating point arrays.
        argnums: Which positional argument(s) to differentiate with respect to.
        has_aux: Whether ``fun`` returns ``(output, aux)``.

    Returns:
        A function returning the Jacobian (output shape + input shape), as :func:`jacobian`.

    Raises:
        ArgumentTypeError: If ``fun`` is not callable or ``argnums`` has the wrong type.
        IndexOutOfRangeError: If ``argnums`` is out of range for the call.
        DTypeError: If an input or output is not real floating point.
        AutogradError: If ``has_aux`` and ``fun`` does not return a pair.

    Example:
        >>> import jax.numpy as jnp
        >>> import rustorch_fx as rt
        >>> rt.jacfwd(lambda x: jnp.stack([x[0] * x[1], x[0]]))(jnp.array([2.0, 3.0]))
        Array([[3., 2.],
               [1., 0.]], dtype=float32)
    """
    return _make_jacobian("jacfwd", fun, argnums, "fwd", has_aux)


def jacrev(
    fun: Callable[..., Any], argnums: ArgNums = 0, has_aux: bool = False
) -> Callable[..., Any]:
    """Full Jacobian in reverse mode (one VJP per output element), like ``torch.func.jacrev``.

    Args:
        fun: Function returning a pytree of real floating point arrays.
        argnums: Which positional argument(s) to differentiate with respect to.
        has_aux: Whether ``fun`` returns ``(output, aux)``.

    Returns:
        A function returning the Jacobian (output shape + input shape), as :func:`jacobian`.

    Raises:
        ArgumentTypeError: If ``fun`` is not callable or ``argnums`` has the wrong type.
        IndexOutOfRangeError: If ``argnums`` is out of range for the call.
        DTypeError: If an input or output is not real floating point.
        AutogradError: If ``has_aux`` and ``fun`` does not return a pair.

    Example:
        >>> import jax.numpy as jnp
        >>> import rustorch_fx as rt
        >>> rt.jacrev(lambda x: jnp.stack([x[0] * x[1], x[0]]))(jnp.array([2.0, 3.0]))
        Array([[3., 2.],
               [1., 0.]], dtype=float32)
    """
    return _make_jacobian("jacrev", fun, argnums, "rev", has_aux)


def hessian(
    fun: Callable[..., Any], argnums: ArgNums = 0, has_aux: bool = False
) -> Callable[..., Any]:
    """Full Hessian, computed forward-over-reverse (``jacfwd(jacrev(fun))``).

    Materialises an ``n x n`` matrix for ``n`` input elements and costs ``n`` Hessian-vector
    products; when only products with vectors are needed, :func:`hvp` is much cheaper. The
    result is itself differentiable, so ``hessian(hessian(f))`` gives fourth derivatives.

    Args:
        fun: Function returning a pytree of real floating point arrays (usually a scalar).
        argnums: Which positional argument(s) to differentiate with respect to.
        has_aux: Whether ``fun`` returns ``(output, aux)``.

    Returns:
        A function returning the Hessian: for a scalar output and an input leaf of shape ``I``,
        an array of shape ``I + I`` (generally output shape + input shape + input shape, nested
        as output tree, input tree, input tree). With ``has_aux``, ``(hessian, aux)``.

    Raises:
        ArgumentTypeError: If ``fun`` is not callable or ``argnums`` has the wrong type.
        IndexOutOfRangeError: If ``argnums`` is out of range for the call.
        DTypeError: If an input or output is not real floating point.
        AutogradError: If ``has_aux`` and ``fun`` does not return a pair.

    Example:
        >>> import jax.numpy as jnp
        >>> import rustorch_fx as rt
        >>> rt.hessian(lambda x: jnp.sum(x**3))(jnp.array([1.0, 2.0]))
        Array([[ 6.,  0.],
               [ 0., 12.]], dtype=float32)
    """
    inner = _make_jacobian("hessian", fun, argnums, "rev", has_aux)
    return _make_jacobian("hessian", inner, argnums, "fwd", has_aux)


# ----------------------------------------------------------------------------------------------
# Products: jvp, vjp, hvp, vhp
# ----------------------------------------------------------------------------------------------


@_clean_errors
def jvp(
    fun: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]
) -> tuple[Any, Any]:
    """Jacobian-vector product (forward mode), like ``jax.jvp`` and ``torch.func.jvp``.

    Args:
        fun: Function of ``len(primals)`` positional pytree arguments.
        primals: Tuple of the positional arguments at which to differentiate.
        tangents: Tuple of the same structure and shapes as ``primals`` (floating point
            tangents are cast to their primal's dtype).

    Returns:
        ``(out, tangent_out)``: ``fun(*primals)`` and the directional derivative ``J @ t``,
        shaped like ``out``.

    Raises:
        ArgumentTypeError: If ``fun`` is not callable or ``primals``/``tangents`` is not a tuple.
        InvalidArgumentError: If ``primals`` is empty.
        ShapeError: If ``tangents`` does not match ``primals`` in length, tree structure or
            leaf shapes.
        DTypeError: If a primal or tangent is not real floating point.

    Example:
        >>> import jax.numpy as jnp
        >>> import rustorch_fx as rt
        >>> out, t = rt.jvp(jnp.sin, (jnp.array(0.0),), (jnp.array(2.0),))
        >>> float(out), float(t)
        (0.0, 2.0)
    """
    primals, tangents = _prepare_pair("jvp", fun, primals, tangents, "tangents")
    return jax.jvp(fun, primals, tangents)


@_clean_errors
def vjp(fun: Callable[..., Any], *primals: Any, has_aux: bool = False) -> tuple[Any, ...]:
    """Vector-Jacobian product (reverse mode), like ``jax.vjp`` and ``torch.func.vjp``.

    Args:
        fun: Function of ``len(primals)`` positional pytree arguments.
        *primals: The arguments at which to differentiate (real floating point).
        has_aux: Whether ``fun`` returns ``(output, aux)``.

    Returns:
        ``(out, vjp_fn)``, or ``(out, vjp_fn, aux)`` when ``has_aux``. ``vjp_fn(cotangent)``
        takes a pytree shaped like ``out`` and returns a tuple with one cotangent per primal.
        ``vjp_fn`` checks its argument's structure and shapes (``ShapeError``) and casts it to
        the output's floating point dtypes (``DTypeError`` for a non-floating cotangent).

    Raises:
        ArgumentTypeError: If ``fun`` is not callable.
        InvalidArgumentError: If no primal is given.
        DTypeError: If a primal is not real floating point.
        AutogradError: If ``has_aux`` and ``fun`` does not return a pair.

    Example:
        >>> import jax.numpy as jnp
        >>> import rustorch_fx as rt
        >>> out, vjp_fn = rt.vjp(lambda x: x * 3.0, jnp.array([1.0, 2.0]))
        >>> vjp_fn(jnp.array([1.0, 10.0]))
        (Array([ 3., 30.], dtype=float32),)
    """
    op = "vjp"
    _check_callable(op, fun)
    _check_bool(op, "has_aux", has_aux)
    if not primals:
        raise InvalidArgumentError(f"{op}: at least one primal argument is required, got none")
    primals = tuple(_as_arrays(op, "primals", p) for p in primals)
    _check_inputs(op, primals, tuple(range(len(primals))), real=True)

    def checked(*args: Any) -> Any:
        out = fun(*args)
        _split_aux(op, out, has_aux)
        return out

    result = jax.vjp(checked, *primals, has_aux=has_aux)
    out, pullback = result[0], result[1]

    def vjp_fn(cotangent: Any) -> tuple[Any, ...]:
        ct = _as_arrays("vjp_fn", "cotangent", cotangent)
        return pullback(_match_trees("vjp_fn", (out,), (ct,), "cotangent")[0])

    return (out, vjp_fn, *result[2:])


@_clean_errors
def hvp(
    fun: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]
) -> tuple[Any, ...]:
    """Hessian-vector product ``H @ v``, forward-over-reverse, without forming the Hessian.

    Computes ``jvp(grad(fun), primals, tangents)``: one forward pass through the gradient
    computation, so the cost is a small constant times one gradient evaluation, whatever the
    number of parameters, while :func:`hessian` costs ``n`` of them and ``n**2`` memory.
    ``fun`` is differentiated with respect to all of its positional arguments.

    Args:
        fun: Function of ``len(primals)`` positional pytree arguments returning a real
            floating point scalar.
        primals: Tuple of positional arguments (as in ``jax.jvp``).
        tangents: Tuple of vectors, same structure and shapes as ``primals`` (cast to their
            dtypes).

    Returns:
        The product alone: a tuple shaped like ``primals``.

    Raises:
        ArgumentTypeError: If ``fun`` is not callable or ``primals``/``tangents`` is not a tuple.
        InvalidArgumentError: If ``primals`` is empty.
        ShapeError: If ``tangents`` does not match ``primals`` in length, structure or shapes.
        DTypeError: If a primal or tangent is not real floating point.
        AutogradError: If ``fun`` does not return a scalar.

    Example:
        >>> import jax.numpy as jnp
        >>> import rustorch_fx as rt
        >>> rt.hvp(lambda x: jnp.sum(x**3), (jnp.array([1.0, 2.0]),), (jnp.array([1.0, 1.0]),))
        (Array([ 6., 12.], dtype=float32),)
    """
    op = "hvp"
    primals, tangents = _prepare_pair(op, fun, primals, tangents, "tangents")
    grad_all = jax.grad(_scalar_fun(op, fun, False), argnums=tuple(range(len(primals))))
    return jax.jvp(grad_all, primals, tangents)[1]


@_clean_errors
def vhp(
    fun: Callable[..., Any], primals: Sequence[Any], cotangents: Sequence[Any]
) -> tuple[Any, ...]:
    """Vector-Hessian product ``v @ H``, reverse-over-reverse, without forming the Hessian.

    Computes ``vjp(grad(fun), primals)`` applied to ``cotangents`` (what
    ``torch.autograd.functional.vhp`` does with a double backward). For a twice continuously
    differentiable ``fun`` the Hessian is symmetric and the result equals :func:`hvp`'s;
    :func:`hvp` (forward over reverse) is usually cheaper in memory, since reverse over reverse
    stores the residuals of the gradient computation.

    Args:
        fun: Function of ``len(primals)`` positional pytree arguments returning a real
            floating point scalar.
        primals: Tuple of positional arguments.
        cotangents: Tuple of vectors, same structure and shapes as ``primals`` (cast to their
            dtypes).

    Returns:
        The product alone: a tuple shaped like ``primals``.

    Raises:
        ArgumentTypeError: If ``fun`` is not callable or ``primals``/``cotangents`` is not a
            tuple.
        InvalidArgumentError: If ``primals`` is empty.
        ShapeError: If ``cotangents`` does not match ``primals`` in length, structure or shapes.
        DTypeError: If a primal or cotangent is not real floating point.
        AutogradError: If ``fun`` does not return a scalar.

    Example:
        >>> import jax.numpy as jnp
        >>> import rustorch_fx as rt
        >>> rt.vhp(lambda x: jnp.sum(x**3), (jnp.array([1.0, 2.0]),), (jnp.array([1.0, 1.0]),))
        (Array([ 6., 12.], dtype=float32),)
    """
    op = "vhp"
    primals, cotangents = _prepare_pair(op, fun, primals, cotangents, "cotangents")
    grad_all = jax.grad(_scalar_fun(op, fun, False), argnums=tuple(range(len(primals))))
    _, pullback = jax.vjp(grad_all, *primals)
    return pullback(cotangents)


# ----------------------------------------------------------------------------------------------
# Rematerialisation
# ----------------------------------------------------------------------------------------------


def checkpoint(
    fun: Callable[..., Any],
    *,
    policy: str | Callable[..., Any] | None = None,
    static_argnums: int | Sequence[int] = (),
    prevent_cse: bool = True,
) -> Callable[..., Any]:
    """Rematerialisation (``jax.checkpoint``): recompute ``fun``'s intermediates in the backward.

    Without it, reverse mode keeps every intermediate of the forward pass alive until the
    backward pass uses it. A checkpointed ``fun`` keeps only what ``policy`` allows and
    recomputes the rest during the backward pass, the memory control for long networks
    (``torch.utils.checkpoint``). Values are unchanged; only memory and compute differ.

    Policies (names for ``jax.checkpoint_policies``):

    - ``None`` / ``"nothing_saveable"``: save nothing but the inputs; recompute everything.
    - ``"everything_saveable"``: save everything (no rematerialisation, as without checkpoint).
    - ``"dots_saveable"``: save the results of matrix multiplications, recompute the cheap
      elementwise work in between.
    - ``"dots_with_no_batch_dims_saveable"``: as above, only for dots without batch dimensions.

    Args:
        fun: The function whose intermediates are rematerialised.
        policy: A policy name above, a ``jax.checkpoint_policies`` callable, or ``None``.
        static_argnums: Positional arguments that are Python values, not arrays.
        prevent_cse: Keep XLA from merging the recomputation with the forward pass (leave it
            ``True`` except inside ``scan``, where it is unnecessary and can be slower).

    Returns:
        A function with ``fun``'s signature and values.

    Raises:
        ArgumentTypeError: If ``fun`` is not callable or ``policy`` is neither a string, a
            callable nor ``None``.
        InvalidArgumentError: If ``policy`` is an unknown name.

    Example:
        >>> import jax
        >>> import jax.numpy as jnp
        >>> import rustorch_fx as rt
        >>> f = rt.checkpoint(lambda x: jnp.sin(jnp.sin(x)), policy="dots_saveable")
        >>> float(jax.grad(f)(0.0))
        1.0
    """
    op = "checkpoint"
    _check_callable(op, fun)
    if isinstance(policy, str):
        if policy not in _POLICIES:
            raise InvalidArgumentError(
                f"{op}: unknown policy {policy!r}; valid names are {', '.join(_POLICIES)}"
            )
        policy = getattr(jax.checkpoint_policies, policy)
    elif policy is not None and not callable(policy):
        raise ArgumentTypeError(
            f"{op}: policy must be a policy name, a jax.checkpoint_policies callable or None, "
            f"got {type(policy).__name__}"
        )
    _check_bool(op, "prevent_cse", prevent_cse)
    if _checks.is_int(static_argnums):
        static_argnums = (int(static_argnums),)  # type: ignore[arg-type]
    elif not isinstance(static_argnums, (tuple, list)) or not all(
        _checks.is_int(a) for a in static_argnums
    ):
        raise ArgumentTypeError(
            f"{op}: static_argnums must be an int or a tuple of ints, got {static_argnums!r}"
        )
    return jax.checkpoint(
        fun, prevent_cse=prevent_cse, policy=policy, static_argnums=tuple(static_argnums)
    )
