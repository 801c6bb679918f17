"""L-BFGS with torch's algorithm: one call runs one ``torch.optim.LBFGS.step()``, under ``jax.jit``.

torch's L-BFGS is not a gradient transformation: each ``step(closure)`` re-evaluates the
objective up to ``max_eval`` times, running up to ``max_iter`` quasi-Newton iterations (with an
optional strong-Wolfe line search) and keeping its history between steps. :func:`lbfgs` returns
the same machine as pure functions: ``init(params)`` and ``step(fun, params, state)``, where
``fun(params) -> (loss, grads)`` plays the closure. The iterations are a
``jax.lax.while_loop`` and the history lives in fixed-size ring buffers of ``history_size``
rows, so ``jax.jit(functools.partial(opt.step, fun))`` compiles the whole step, objective
evaluations included.

Reproduced exactly from torch: the first direction ``-g`` scaled by
``min(1, 1 / |g|_1) * lr`` on the very first iteration, later steps of length ``lr``; the
two-loop recursion with the ``y.s > 1e-10`` curvature check and ``H_diag = y.s / y.y``; the
termination tests and their order (``max|g| <= tolerance_grad`` before any iteration; then
``g.d > -tolerance_change`` before moving; after moving: ``max_iter``, ``max_eval``,
``tolerance_grad``, ``max|t d| <= tolerance_change``, ``|loss - prev_loss| <
tolerance_change``); and the counters ``n_iter``/``func_evals`` carried across steps.
Differences from ``optax.lbfgs``: optax runs one iteration per update with its own
zoom line search and initial scaling, so its iterates differ from torch's.

Parameters are flattened with ``jax.flatten_util.ravel_pytree`` (any pytree of real float
arrays, one dtype). torch views complex parameters as real pairs; that is not supported here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
from jax.flatten_util import ravel_pytree

from rustorch_fx import _dtypes
from rustorch_fx._checks import is_int
from rustorch_fx.errors import ArgumentTypeError, DTypeError, InvalidArgumentError
from rustorch_fx.optim._line_search import strong_wolfe

__all__ = ["LBFGS", "LBFGSState", "lbfgs"]

Array = jax.Array


class LBFGSState(NamedTuple):
    """The state of torch's LBFGS (``optimizer.state[params[0]]``), history as ring buffers.

    Attributes:
        func_evals: Objective evaluations over all steps (int32).
        n_iter: Iterations over all steps (int32).
        d: The last search direction (flat).
        t: The last step length.
        old_dirs: ``(history_size, n)`` gradient differences ``y`` (torch's ``old_dirs``).
        old_stps: ``(history_size, n)`` steps ``s`` (torch's ``old_stps``).
        ro: ``(history_size,)`` values ``1 / y.s``.
        num_old: Number of valid history rows (int32).
        head: Row of the oldest entry (int32); entry ``i`` is row ``(head + i) % history_size``.
        H_diag: Scale of the initial inverse Hessian.
        prev_flat_grad: The gradient at the start of the last iteration (flat).
        prev_loss: The loss at the start of the last iteration.
    """

    func_evals: Array
    n_iter: Array
    d: Array
    t: Array
    old_dirs: Array
    old_stps: Array
    ro: Array
    num_old: Array
    head: Array
    H_diag: Array
    prev_flat_grad: Array
    prev_loss: Array


class LBFGS(NamedTuple):
    """The pure functions returned by :func:`lbfgs`.

    Attributes:
        init: ``init(params) -> LBFGSState``.
        step: ``step(fun, params, state) -> (params, state, loss)``: one ``torch.optim.LBFGS
            .step(closure)``; ``loss`` is the loss at the incoming ``params`` (what torch's
            ``step`` returns).
    """

    init: Callable[[Any], LBFGSState]
    step: Callable[
        [Callable[[Any], tuple[Any, Any]], Any, LBFGSState], tuple[Any, LBFGSState, Array]
    ]


class _Loop(NamedTuple):
    x: Array
    loss: Array
    g: Array
    state: LBFGSState
    n_iter: Array  # iterations in this step
    current_evals: Array
    opt_cond: Array
    stop: Array


def _flat(op: str, params: Any) -> tuple[Array, Callable[[Array], Any]]:
    flat, unravel = ravel_pytree(params)
    if not _dtypes.is_floating(flat.dtype):
        raise DTypeError(
            f"{op}: parameters must be real floating point, got {jnp.dtype(flat.dtype).name}"
        )
    return flat, unravel


def lbfgs(
    lr: float = 1,
    max_iter: int = 20,
    max_eval: int | None = None,
    tolerance_grad: float = 1e-7,
    tolerance_change: float = 1e-9,
    history_size: int = 100,
    line_search_fn: str | None = None,
) -> LBFGS:
    """``torch.optim.LBFGS`` as pure ``init``/``step`` functions; one ``step`` = one torch step.

    Args:
        lr: Learning rate (step length of every iteration but the very first).
        max_iter: Maximum iterations per step.
        max_eval: Maximum objective evaluations per step (default ``max_iter * 5 // 4``).
        tolerance_grad: Stop when ``max|g| <= tolerance_grad``.
        tolerance_change: Stop when the step or the change of loss is below it.
        history_size: Number of ``(s, y)`` pairs kept.
        line_search_fn: ``None`` (fixed steps) or ``"strong_wolfe"``.

    Returns:
        ``LBFGS(init, step)``; ``step(fun, params, state)`` takes ``fun(params) -> (loss,
        grads)`` (for example ``jax.value_and_grad(loss_fn)``) and returns ``(params, state,
        loss)``.

    Raises:
        InvalidArgumentError: For a negative ``lr``, ``max_iter``/``max_eval``/
            ``history_size`` below 1, or an unknown ``line_search_fn`` (torch raises the
            last one at ``step``); at ``step``, if ``fun``'s gradients do not have the
            parameters' size.
        ArgumentTypeError: If an integer option is not an int.
        DTypeError: At ``init``/``step``, for non-floating parameters.

    Example:
        >>> import functools
        >>> fun = jax.value_and_grad(lambda p: jnp.sum((p["w"] - 3.0) ** 2))
        >>> opt = lbfgs(line_search_fn="strong_wolfe")
        >>> params = {"w": jnp.zeros(3)}
        >>> state = opt.init(params)
        >>> step = jax.jit(functools.partial(opt.step, fun))
        >>> params, state, loss = step(params, state)
        >>> [round(float(v), 4) for v in params["w"]]
        [3.0, 3.0, 3.0]
    """
    op = "lbfgs"
    if isinstance(lr, bool) or not isinstance(lr, (int, float)):
        raise ArgumentTypeError(f"{op}: lr must be a float, got {type(lr).__name__}")
    if not lr >= 0.0:
        raise InvalidArgumentError(f"{op}: Invalid learning rate: {lr}")
    if max_eval is None and is_int(max_iter):
        max_eval = max_iter * 5 // 4
    for name, value in (
        ("max_iter", max_iter),
        ("max_eval", max_eval),
        ("history_size", history_size),
    ):
        if not is_int(value):
            raise ArgumentTypeError(f"{op}: {name} must be an int, got {type(value).__name__}")
        if value < 1:
            raise InvalidArgumentError(f"{op}: {name} must be >= 1, got {value}")
    if line_search_fn not in (None, "strong_wolfe"):
        raise InvalidArgumentError(
            f"{op}: only 'strong_wolfe' is supported as line_search_fn, got {line_search_fn!r}"
        )
    lr, tol_grad, tol_change = float(lr), float(tolerance_grad), float(tolerance_change)
    max_iter, max_eval, size = int(max_iter), int(max_eval), int(history_size)  # type: ignore[arg-type]

    def init(params: Any) -> LBFGSState:
        flat, _ = _flat(op, params)
        n, dtype = flat.shape[0], flat.dtype
        zeros = jnp.zeros((n,), dtype)
        scalar = jnp.zeros((), dtype)
        count = jnp.zeros((), jnp.int32)
        return LBFGSState(
            func_evals=count,
            n_iter=count,
            d=zeros,
            t=scalar,
            old_dirs=jnp.zeros((size, n), dtype),
            old_stps=jnp.zeros((size, n), dtype),
            ro=jnp.zeros((size,), dtype),
            num_old=count,
            head=count,
            H_diag=jnp.ones((), dtype),
            prev_flat_grad=zeros,
            prev_loss=scalar,
        )

    def two_loop(g: Array, st: LBFGSState) -> Array:
        """The direction ``-H g`` from the history (torch's two loops, oldest row first)."""

        def row(i: Array) -> Array:
            return (st.head + i) % size

        def backward(k: Array, carry: tuple[Array, Array]) -> tuple[Array, Array]:
            q, al = carry
            i = st.num_old - 1 - k
            r = row(i)
            a = jnp.dot(st.old_stps[r], q) * st.ro[r]
            return q - a * st.old_dirs[r], al.at[i].set(a)

        q, al = jax.lax.fori_loop(0, st.num_old, backward, (-g, jnp.zeros((size,), g.dtype)))

        def forward(i: Array, r_vec: Array) -> Array:
            r = row(i)
            be = jnp.dot(st.old_dirs[r], r_vec) * st.ro[r]
            return r_vec + (al[i] - be) * st.old_stps[r]

        return jax.lax.fori_loop(0, st.num_old, forward, q * st.H_diag)

    def direction(g: Array, st: LBFGSState) -> LBFGSState:
        """Update the history with the last step and compute the new direction."""
        y = g - st.prev_flat_grad
        s = st.d * st.t
        ys = jnp.dot(y, s)
        accept = ys > 1e-10
        slot = (st.head + st.num_old) % size
        full = st.num_old == size
        # Row updates (O(n), in place under jit), not selects over the whole buffers.
        hist = st._replace(
            old_dirs=st.old_dirs.at[slot].set(jnp.where(accept, y, st.old_dirs[slot])),
            old_stps=st.old_stps.at[slot].set(jnp.where(accept, s, st.old_stps[slot])),
            ro=st.ro.at[slot].set(jnp.where(accept, 1.0 / ys, st.ro[slot])),
            num_old=jnp.where(accept & ~full, st.num_old + 1, st.num_old),
            head=jnp.where(accept & full, (st.head + 1) % size, st.head),
            H_diag=jnp.where(accept, ys / jnp.dot(y, y), st.H_diag),
        )
        return hist._replace(d=two_loop(g, hist))

    def step(
        fun: Callable[[Any], tuple[Any, Any]], params: Any, state: LBFGSState
    ) -> tuple[Any, LBFGSState, Array]:
        x0, unravel = _flat(op, params)
        dtype = x0.dtype

        def evaluate(x: Array) -> tuple[Array, Array]:
            loss, grads = fun(unravel(x))
            flat_g, _ = ravel_pytree(grads)
            if flat_g.shape != x.shape:
                raise InvalidArgumentError(
                    f"{op}: fun returned gradients with {flat_g.shape[0]} elements for "
                    f"{x.shape[0]} parameters; it must return (loss, grads) shaped like params"
                )
            return jnp.asarray(loss, dtype).reshape(()), flat_g.astype(dtype)

        loss0, g0 = evaluate(x0)
        state = state._replace(func_evals=state.func_evals + 1)
        opt_cond0 = jnp.max(jnp.abs(g0)) <= tol_grad

        def body(c: _Loop) -> _Loop:
            st = c.state
            n_iter = c.n_iter + 1
            global_iter = st.n_iter + 1
            first = global_iter == 1
            fresh = st._replace(
                d=-c.g,
                num_old=jnp.zeros((), jnp.int32),
                head=jnp.zeros((), jnp.int32),
                H_diag=jnp.ones((), dtype),
            )
            st = jax.lax.cond(first, lambda: fresh, lambda: direction(c.g, st))
            t = jnp.where(
                first, jnp.minimum(1.0, 1.0 / jnp.sum(jnp.abs(c.g))) * lr, jnp.asarray(lr, dtype)
            ).astype(dtype)
            st = st._replace(n_iter=global_iter, prev_flat_grad=c.g, prev_loss=c.loss, t=t)
            gtd = jnp.dot(c.g, st.d)
            no_descent = gtd > -tol_change

            def move(_: None) -> _Loop:
                if line_search_fn is not None:

                    def obj(x: Array, step_len: Array, d: Array) -> tuple[Array, Array]:
                        return evaluate(x + step_len * d)

                    res = strong_wolfe(
                        obj, c.x, t, st.d, c.loss, c.g, gtd, max_ls=max_eval - c.current_evals
                    )
                    loss, g, t_acc, evals = res.f, res.g, res.t.astype(dtype), res.func_evals
                    x = c.x + t_acc * st.d
                    opt_cond = jnp.max(jnp.abs(g)) <= tol_grad
                else:
                    t_acc = t
                    x = c.x + t * st.d

                    def reevaluate(_: None) -> tuple[Array, Array, Array, Array]:
                        loss, g = evaluate(x)
                        return loss, g, jnp.max(jnp.abs(g)) <= tol_grad, jnp.ones((), jnp.int32)

                    def keep(_: None) -> tuple[Array, Array, Array, Array]:
                        return c.loss, c.g, c.opt_cond, jnp.zeros((), jnp.int32)

                    loss, g, opt_cond, evals = jax.lax.cond(
                        n_iter != max_iter, reevaluate, keep, None
                    )
                new_st = st._replace(t=t_acc, func_evals=st.func_evals + evals)
                current_evals = c.current_evals + evals
                stop = (
                    (n_iter == max_iter)
                    | (current_evals >= max_eval)
                    | opt_cond
                    | (jnp.max(jnp.abs(st.d * t_acc)) <= tol_change)
                    | (jnp.abs(loss - c.loss) < tol_change)
                )
                return _Loop(x, loss, g, new_st, n_iter, current_evals, opt_cond, stop)

            def halt(_: None) -> _Loop:
                return c._replace(state=st, n_iter=n_iter, stop=jnp.ones((), bool))

            return jax.lax.cond(no_descent, halt, move, None)

        def cond(c: _Loop) -> Array:
            return ~c.stop & (c.n_iter < max_iter)

        start = _Loop(
            x0,
            loss0,
            g0,
            state,
            jnp.zeros((), jnp.int32),
            jnp.ones((), jnp.int32),
            opt_cond0,
            opt_cond0,
        )
        end = jax.lax.while_loop(cond, body, start)
        return unravel(end.x), end.state, loss0

    return LBFGS(init, step)
