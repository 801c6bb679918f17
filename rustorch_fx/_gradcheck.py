"""``gradcheck``: analytic derivatives of orders 1 to 3 against central finite differences."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from rustorch_fx import _checks
from rustorch_fx.errors import (
    ArgumentTypeError,
    InvalidArgumentError,
    TracingError,
    UnsupportedError,
)

__all__ = ["GradcheckReport", "gradcheck"]

_OP = "gradcheck"
_SEED = 0


@dataclasses.dataclass(frozen=True, repr=False)
class GradcheckReport:
    """The outcome of :func:`gradcheck`: truthy when every checked derivative matched.

    Attributes:
        passed: Whether every derivative up to ``order`` matched its finite difference.
        order: The highest derivative order requested.
        max_error: The largest ``|analytic - numerical|`` for each order checked (orders after
            a failing one are not checked).
        failed_order: On failure, the order of the first mismatching derivative.
        argnum: On failure, the positional argument holding the mismatching input.
        path: On failure, the pytree path of the input leaf inside that argument (``""`` when
            the argument is an array itself), as ``jax.tree_util.keystr`` writes it.
        element: On failure, the index of the input element inside its leaf.
        output: On a first-order failure, the output leaf and element, e.g.
            ``"output['loss'] element ()"``; ``None`` for higher orders, which contract the
            outputs and the other derivative slots with fixed random directions.
        analytic: On failure, the derivative computed by JAX.
        numerical: On failure, the central finite difference.
        tolerance: On failure, ``atol + rtol * |numerical|``, which the difference exceeded.
    """

    passed: bool
    order: int
    max_error: tuple[float, ...]
    failed_order: int | None = None
    argnum: int | None = None
    path: str | None = None
    element: tuple[int, ...] | None = None
    output: str | None = None
    analytic: float | None = None
    numerical: float | None = None
    tolerance: float | None = None

    def __bool__(self) -> bool:
        """Whether the check passed."""
        return self.passed

    def __str__(self) -> str:
        """A one-line summary naming the first mismatch on failure."""
        if self.passed:
            errors = ", ".join(f"{e:.3g}" for e in self.max_error)
            return (
                f"gradcheck passed up to order {self.order} "
                f"(max |analytic - numerical| per order: {errors})"
            )
        where = f"argument {self.argnum}{self.path} element {self.element}"
        if self.output is not None:
            where += f", {self.output}"
        return (
            f"gradcheck failed at order {self.failed_order}: {where}: analytic "
            f"{self.analytic!r} vs numerical {self.numerical!r} (|difference| "
            f"{abs(self.analytic - self.numerical)!r} > atol + rtol*|numerical| = "  # type: ignore[operator]
            f"{self.tolerance!r})"
        )

    def __repr__(self) -> str:
        """``GradcheckReport(<summary>)``."""
        return f"GradcheckReport({self})"


@dataclasses.dataclass(frozen=True)
class _Leaf:
    argnum: int
    index: int
    path: str
    shape: tuple[int, ...]
    offset: int
    size: int


def _check_number(name: str, value: Any, positive: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ArgumentTypeError(f"{_OP}: {name} must be a number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        expected = "positive" if positive else "non-negative"
        raise InvalidArgumentError(f"{_OP}: {name} must be finite and {expected}, got {value}")
    return value


def gradcheck(
    fun: Callable[..., Any],
    args: Any,
    *,
    order: int = 1,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    argnums: int | Sequence[int] | None = None,
) -> GradcheckReport:
    """Check ``fun``'s derivatives of every order up to ``order`` against finite differences.

    Everything runs in float64, switched on locally with ``jax.enable_x64(True)`` (a context
    manager: the caller's JAX configuration is unchanged afterwards); floating point leaves of
    ``args`` are cast to float64, integer and boolean leaves are passed through and not
    differentiated. Analytic derivatives are computed in reverse mode (what ``grad``, ``vjp``
    and the inner step of ``hessian`` use), so functions with a ``jax.custom_vjp`` are
    checkable too.

    The scheme, with ``x`` the concatenation of every floating point input element and ``y``
    the concatenation of every floating point output element:

    - Order 1: the full Jacobian ``dy/dx`` (``jacrev``) against central differences
      ``(y(x + eps e_i) - y(x - eps e_i)) / (2 eps)`` for every input element ``i``.
    - Order ``k`` in 2..3: contract the derivative with fixed random directions (seeded, so
      the check is reproducible): ``h_0(x) = w . y(x)`` and
      ``h_j(x) = grad(h_{j-1})(x) . u_j``, so that ``h_{k-1}`` is the analytic ``(k-1)``-th
      derivative applied to ``k - 1`` directions. Its analytic gradient (the ``k``-th
      derivative, contracted) is compared with central differences of ``h_{k-1}`` for every
      input element. A wrong ``k``-th derivative rule therefore fails at order ``k`` while the
      lower orders, checked first, pass.

    An element passes when ``|analytic - numerical| <= atol + rtol * |numerical|``
    (``torch.autograd.gradcheck``'s criterion); a NaN on either side fails. The central
    difference has error ``O(eps**2)`` plus rounding ``O(1e-16 / eps)``, well inside the default
    tolerances for smooth functions; a function that computes in float32 internally (explicit
    ``astype(jnp.float32)``) needs a larger ``eps`` and tolerances.

    Args:
        fun: Function of ``len(args)`` positional pytree arguments returning a pytree of arrays.
        args: A tuple of positional arguments; anything else is taken as the single argument.
        order: Highest derivative order to check, 1, 2 or 3.
        eps: Finite-difference step (in float64).
        atol: Absolute tolerance.
        rtol: Relative tolerance, relative to the numerical value.
        argnums: Which positional arguments to perturb: ``None`` for all of them, an int or a
            tuple of ints.

    Returns:
        A :class:`GradcheckReport`: truthy on success; on failure its ``str`` names the order,
        the argument index, the pytree path, the element index and both values.

    Raises:
        ArgumentTypeError: If ``fun`` is not callable, or ``eps``/``atol``/``rtol`` is not a
            number.
        InvalidArgumentError: If ``order`` is not 1, 2 or 3, ``eps`` is not positive, a
            tolerance is negative, or there is no floating point input or output to check.
        IndexOutOfRangeError: If ``argnums`` is out of range.
        TracingError: If called inside ``jax.jit`` or another transform (it needs values).
        UnsupportedError: For complex inputs or outputs.

    Example:
        >>> import jax.numpy as jnp
        >>> import rustorch_fx as rt
        >>> report = rt.gradcheck(lambda x: jnp.sin(x) * x**3, (jnp.array([0.5, 1.5]),), order=3)
        >>> bool(report)
        True
    """
    from rustorch_fx import autodiff as ad

    ad._check_callable(_OP, fun)
    if not _checks.is_int(order) or not 1 <= order <= 3:
        raise InvalidArgumentError(f"{_OP}: order must be 1, 2 or 3, got {order!r}")
    eps = _check_number("eps", eps, positive=True)
    atol = _check_number("atol", atol, positive=False)
    rtol = _check_number("rtol", rtol, positive=False)
    args = args if isinstance(args, tuple) else (args,)
    if argnums is None:
        nums: tuple[int, ...] = tuple(range(len(args)))
    else:
        ad._check_argnums_type(_OP, argnums)
        nums = ad._as_tuple(ad._resolve_argnums(_OP, argnums, len(args)))
    if any(_checks.is_tracer(leaf) for leaf in jax.tree_util.tree_leaves(args)):
        raise TracingError(
            f"{_OP}: needs concrete values and cannot run inside jax.jit, vmap or grad; call it "
            f"outside any transform"
        )
    with jax.enable_x64(True):
        return _Check(fun, args, nums, eps, atol, rtol).run(int(order))


class _Check:
    """One gradcheck run: the flattened inputs and outputs, and the comparison per order."""

    def __init__(
        self,
        fun: Callable[..., Any],
        args: tuple[Any, ...],
        nums: tuple[int, ...],
        eps: float,
        atol: float,
        rtol: float,
    ) -> None:
        self.fun, self.eps, self.atol, self.rtol = fun, eps, atol, rtol
        self.leaves: list[list[Any]] = []
        self.treedefs: list[Any] = []
        self.inputs: list[_Leaf] = []
        chunks: list[np.ndarray] = []
        offset = 0
        from rustorch_fx import autodiff as ad

        for argnum, arg in enumerate(args):
            pairs, treedef = jax.tree_util.tree_flatten_with_path(arg)
            self.treedefs.append(treedef)
            converted = []
            for index, (path, leaf) in enumerate(pairs):
                dtype = ad._leaf_dtype(_OP, argnum, path, leaf)
                if jnp.issubdtype(dtype, jnp.complexfloating):
                    raise UnsupportedError(
                        f"{_OP}: complex inputs are not supported, got {dtype.name} for "
                        f"{ad._where(argnum, path)}"
                    )
                if jnp.issubdtype(dtype, jnp.floating):
                    value = np.asarray(leaf, dtype=np.float64)
                    converted.append(jnp.asarray(value))
                    if argnum in nums:
                        key = jax.tree_util.keystr(path)
                        self.inputs.append(
                            _Leaf(argnum, index, key, value.shape, offset, value.size)
                        )
                        chunks.append(value.ravel())
                        offset += value.size
                else:
                    converted.append(leaf)
            self.leaves.append(converted)
        if offset == 0:
            raise InvalidArgumentError(
                f"{_OP}: no floating point input elements to check in argument(s) {nums}"
            )
        self.x0 = np.concatenate(chunks)
        self.outputs = self._output_leaves()

    def _rebuild(self, x: jax.Array) -> tuple[Any, ...]:
        leaves = [list(ls) for ls in self.leaves]
        for leaf in self.inputs:
            leaves[leaf.argnum][leaf.index] = x[leaf.offset : leaf.offset + leaf.size].reshape(
                leaf.shape
            )
        return tuple(
            jax.tree_util.tree_unflatten(td, ls)
            for td, ls in zip(self.treedefs, leaves, strict=True)
        )

    def _output_leaves(self) -> list[tuple[str, tuple[int, ...], int]]:
        shapes = jax.eval_shape(lambda x: self.fun(*self._rebuild(x)), self.x0)
        found, offset = [], 0
        for path, leaf in jax.tree_util.tree_flatten_with_path(shapes)[0]:
            where = f"output{jax.tree_util.keystr(path)}"
            if jnp.issubdtype(leaf.dtype, jnp.complexfloating):
                raise UnsupportedError(
                    f"{_OP}: complex outputs are not supported, got {np.dtype(leaf.dtype).name} "
                    f"for {where}"
                )
            if jnp.issubdtype(leaf.dtype, jnp.floating):
                found.append((where, tuple(leaf.shape), offset))
                offset += int(np.prod(leaf.shape, dtype=np.int64))
        if offset == 0:
            raise InvalidArgumentError(f"{_OP}: fun returns no floating point output elements")
        self.out_size = offset
        return found

    def _f(self, x: jax.Array) -> jax.Array:
        out = self.fun(*self._rebuild(x))
        parts = [
            jnp.ravel(leaf).astype(jnp.float64)
            for leaf in jax.tree_util.tree_leaves(out)
            if jnp.issubdtype(jnp.result_type(leaf), jnp.floating)
        ]
        return jnp.concatenate(parts)

    def _central(self, h: Callable[[jax.Array], jax.Array]) -> np.ndarray:
        """Central differences of ``h`` along every input element (rows: input elements)."""
        step = np.eye(self.x0.size) * self.eps
        batched = jax.jit(jax.vmap(h))
        return (np.asarray(batched(self.x0 + step)) - np.asarray(batched(self.x0 - step))) / (
            2 * self.eps
        )

    def run(self, order: int) -> GradcheckReport:
        max_error: list[float] = []
        for k in range(1, order + 1):
            if k == 1:
                analytic = np.asarray(jax.jit(jax.jacrev(self._f))(self.x0)).T  # (n, m)
                numerical = self._central(self._f)  # (n, m)
            else:
                h = self._contracted(k)
                analytic = np.asarray(jax.jit(jax.grad(h))(self.x0))[:, None]
                numerical = self._central(h)[:, None]
            diff = np.abs(analytic - numerical)
            tolerance = self.atol + self.rtol * np.abs(numerical)
            bad = ~(diff <= tolerance)
            max_error.append(float(np.max(diff)) if diff.size else 0.0)
            if bad.any():
                i, o = (int(v) for v in np.argwhere(bad)[0])
                return self._failure(
                    k, order, max_error, i, o if k == 1 else None, analytic, numerical, tolerance
                )
        return GradcheckReport(passed=True, order=order, max_error=tuple(max_error))

    def _contracted(self, k: int) -> Callable[[jax.Array], jax.Array]:
        rng = np.random.default_rng(_SEED + k)
        w = jnp.asarray(rng.standard_normal(self.out_size))
        directions = [jnp.asarray(rng.standard_normal(self.x0.size)) for _ in range(k - 1)]

        def h0(x: jax.Array) -> jax.Array:
            return jnp.dot(w, self._f(x))

        h = h0
        for u in directions:
            h = _directional(h, u)
        return h

    def _failure(
        self,
        k: int,
        order: int,
        max_error: list[float],
        i: int,
        o: int | None,
        analytic: np.ndarray,
        numerical: np.ndarray,
        tolerance: np.ndarray,
    ) -> GradcheckReport:
        leaf = next(lf for lf in self.inputs if lf.offset <= i < lf.offset + lf.size)
        element = tuple(int(e) for e in np.unravel_index(i - leaf.offset, leaf.shape))
        output = None
        col = 0
        if o is not None:
            col = o
            where, shape, offset = next(
                (w, s, off) for w, s, off in self.outputs if off <= o < off + math.prod(s)
            )
            out_elem = tuple(int(e) for e in np.unravel_index(o - offset, shape))
            output = f"{where} element {out_elem}"
        return GradcheckReport(
            passed=False,
            order=order,
            max_error=tuple(max_error),
            failed_order=k,
            argnum=leaf.argnum,
            path=leaf.path,
            element=element,
            output=output,
            analytic=float(analytic[i, col]),
            numerical=float(numerical[i, col]),
            tolerance=float(tolerance[i, col]),
        )


def _directional(
    h: Callable[[jax.Array], jax.Array], u: jax.Array
) -> Callable[[jax.Array], jax.Array]:
    def contracted(x: jax.Array) -> jax.Array:
        return jnp.dot(jax.grad(h)(x), u)

    return contracted
