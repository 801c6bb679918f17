"""Strong-Wolfe line search with cubic interpolation: torch's ``_strong_wolfe``, under ``jax.jit``.

The algorithm and its constants are those of ``torch.optim.lbfgs._strong_wolfe`` (itself
after minFunc): a bracketing phase that extrapolates with a safeguarded cubic step, then a zoom
phase that bisects the bracket by cubic interpolation with torch's "insufficient progress"
guard, at most ``max_ls`` evaluations after the first. Both phases are ``jax.lax.while_loop``s,
so the search compiles into one program with the objective inlined; shapes are static.

The search works on flat vectors: ``x`` (the starting point), ``d`` (the direction), ``g``
(the gradient at ``x``); :func:`rustorch_fx.optim.lbfgs` flattens a pytree of parameters with
``jax.flatten_util.ravel_pytree`` before calling it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from rustorch_fx._checks import is_int
from rustorch_fx.errors import ArgumentTypeError, InvalidArgumentError

__all__ = ["LineSearchResult", "cubic_interpolate", "strong_wolfe"]

Array = jax.Array


class LineSearchResult(NamedTuple):
    """What :func:`strong_wolfe` returns (torch's ``f_new, g_new, t, ls_func_evals``).

    Attributes:
        f: The objective at the accepted step.
        g: Its gradient (flat).
        t: The accepted step length (0 is possible when no evaluation decreased ``f``).
        func_evals: Number of objective evaluations made (int32).
    """

    f: Array
    g: Array
    t: Array
    func_evals: Array


def cubic_interpolate(
    x1: Any,
    f1: Any,
    g1: Any,
    x2: Any,
    f2: Any,
    g2: Any,
    bounds: tuple[Any, Any] | None = None,
) -> Array:
    """Minimizer of the cubic through two points with values and slopes, clipped to ``bounds``.

    As torch's ``_cubic_interpolate``: when the cubic has no real minimizer
    (``d1**2 - g1*g2 < 0``) the midpoint of the bounds is returned. ``bounds`` defaults to the
    interval between ``x1`` and ``x2``.

    Args:
        x1: First abscissa.
        f1: Function value at ``x1``.
        g1: Derivative at ``x1``.
        x2: Second abscissa.
        f2: Function value at ``x2``.
        g2: Derivative at ``x2``.
        bounds: ``(xmin, xmax)`` to clip the result to.

    Returns:
        A scalar array.

    Example:
        >>> # f(x) = (x - 1)**2 through x=0 and x=3: the cubic is the parabola itself.
        >>> float(cubic_interpolate(0.0, 1.0, -2.0, 3.0, 4.0, 4.0))
        1.0
    """
    x1, f1, g1, x2, f2, g2 = (jnp.asarray(v) for v in (x1, f1, g1, x2, f2, g2))
    if bounds is None:
        xmin, xmax = jnp.minimum(x1, x2), jnp.maximum(x1, x2)
    else:
        xmin, xmax = jnp.asarray(bounds[0]), jnp.asarray(bounds[1])
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1**2 - g1 * g2
    d2 = jnp.sqrt(jnp.maximum(d2_square, 0))
    forward = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    backward = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    min_pos = jnp.where(x1 <= x2, forward, backward)
    clipped = jnp.minimum(jnp.maximum(min_pos, xmin), xmax)
    return jnp.where(d2_square >= 0, clipped, (xmin + xmax) / 2.0)


class _Bracketing(NamedTuple):
    t: Array
    f_new: Array
    g_new: Array
    gtd_new: Array
    t_prev: Array
    f_prev: Array
    g_prev: Array
    gtd_prev: Array
    ls_iter: Array
    evals: Array


class _Zoom(NamedTuple):
    b: Array  # (2,) bracket ends
    bf: Array  # (2,)
    bg: Array  # (2, n)
    bgtd: Array  # (2,)
    low: Array  # index of the lower-f end
    insuf: Array
    done: Array
    ls_iter: Array
    evals: Array


def strong_wolfe(
    obj_func: Callable[[Array, Array, Array], tuple[Array, Array]],
    x: Array,
    t: Any,
    d: Array,
    f: Any,
    g: Array,
    gtd: Any,
    c1: float = 1e-4,
    c2: float = 0.9,
    tolerance_change: float = 1e-9,
    max_ls: Any = 25,
) -> LineSearchResult:
    """The strong-Wolfe line search of ``torch.optim.lbfgs._strong_wolfe``, jit-safe.

    Finds a step ``t`` along ``d`` with sufficient decrease
    ``f(x + t d) <= f + c1 * t * gtd`` and curvature ``|g(x + t d) . d| <= -c2 * gtd``,
    starting from the trial step ``t``; when ``max_ls`` is exhausted it returns the better
    of ``0`` and the last trial, as torch does. ``max_ls`` may be traced (LBFGS passes the
    evaluations left in its budget).

    Args:
        obj_func: ``obj_func(x, t, d) -> (f, g)``: the objective and its flat gradient at
            ``x + t * d``.
        x: Starting point, a flat vector.
        t: Initial trial step.
        d: Descent direction, shaped like ``x``.
        f: Objective at ``x``.
        g: Gradient at ``x``.
        gtd: Directional derivative ``g . d`` (negative).
        c1: Sufficient-decrease constant.
        c2: Curvature constant.
        tolerance_change: Minimum bracket width (times ``max|d|``) of the zoom phase.
        max_ls: Maximum number of iterations after the first evaluation.

    Returns:
        ``LineSearchResult(f, g, t, func_evals)``.

    Raises:
        ArgumentTypeError: If ``obj_func`` is not callable.
        InvalidArgumentError: If ``max_ls`` is a negative int.

    Example:
        >>> fun = lambda x: (jnp.sum((x - 1.0) ** 2), 2 * (x - 1.0))
        >>> obj = lambda x, t, d: fun(x + t * d)
        >>> x = jnp.zeros(2)
        >>> f, g = fun(x)
        >>> res = strong_wolfe(obj, x, 1.0, -g, f, g, jnp.dot(g, -g))
        >>> round(float(res.t), 4)
        0.5
    """
    if not callable(obj_func):
        raise ArgumentTypeError(
            f"strong_wolfe: obj_func must be callable, got {type(obj_func).__name__}"
        )
    if is_int(max_ls) and max_ls < 0:
        raise InvalidArgumentError(f"strong_wolfe: max_ls must be >= 0, got {max_ls}")
    g = jnp.asarray(g)
    dtype = g.dtype
    f = jnp.asarray(f, dtype)
    gtd = jnp.asarray(gtd, dtype)
    max_ls = jnp.asarray(max_ls, jnp.int32)
    d_norm = jnp.max(jnp.abs(d))

    def evaluate(step: Array) -> tuple[Array, Array, Array]:
        f_new, g_new = obj_func(x, step, d)
        f_new = jnp.asarray(f_new, dtype)
        return f_new, g_new, jnp.dot(g_new, d)

    t = jnp.asarray(t, dtype)
    f_new, g_new, gtd_new = evaluate(t)
    one = jnp.ones((), jnp.int32)
    zero_t = jnp.zeros((), dtype)

    # -- Phase 1: extrapolate until the minimum is bracketed (or the step is acceptable).
    def sufficient_decrease_fails(s: _Bracketing) -> Array:
        return (s.f_new > f + c1 * s.t * gtd) | ((s.ls_iter > 1) & (s.f_new >= s.f_prev))

    def curvature_holds(gtd_new: Array) -> Array:
        return jnp.abs(gtd_new) <= -c2 * gtd

    def bracket_cond(s: _Bracketing) -> Array:
        stop = sufficient_decrease_fails(s) | curvature_holds(s.gtd_new) | (s.gtd_new >= 0)
        return (s.ls_iter < max_ls) & ~stop

    def bracket_body(s: _Bracketing) -> _Bracketing:
        min_step = s.t + 0.01 * (s.t - s.t_prev)
        max_step = s.t * 10
        t_next = cubic_interpolate(
            s.t_prev, s.f_prev, s.gtd_prev, s.t, s.f_new, s.gtd_new, bounds=(min_step, max_step)
        ).astype(dtype)
        f_n, g_n, gtd_n = evaluate(t_next)
        return _Bracketing(
            t_next, f_n, g_n, gtd_n, s.t, s.f_new, s.g_new, s.gtd_new, s.ls_iter + 1, s.evals + 1
        )

    s = jax.lax.while_loop(
        bracket_cond,
        bracket_body,
        _Bracketing(t, f_new, g_new, gtd_new, zero_t, f, g, gtd, 0 * one, one),
    )
    exhausted = s.ls_iter >= max_ls
    done = ~exhausted & ~sufficient_decrease_fails(s) & curvature_holds(s.gtd_new)
    # Bracket [t_prev, t] (or the single accepted point, stored twice); [0, t] when exhausted
    # (its slopes are never used then: the zoom loop does not run).
    b = jnp.where(
        exhausted,
        jnp.stack([zero_t, s.t]),
        jnp.where(done, jnp.stack([s.t, s.t]), jnp.stack([s.t_prev, s.t])),
    )
    bf = jnp.where(
        exhausted,
        jnp.stack([f, s.f_new]),
        jnp.where(done, jnp.stack([s.f_new, s.f_new]), jnp.stack([s.f_prev, s.f_new])),
    )
    bg = jnp.where(
        exhausted,
        jnp.stack([g, s.g_new]),
        jnp.where(done, jnp.stack([s.g_new, s.g_new]), jnp.stack([s.g_prev, s.g_new])),
    )
    bgtd = jnp.stack([s.gtd_prev, s.gtd_new])
    low = jnp.where(bf[0] <= bf[1], 0, 1).astype(jnp.int32)

    # -- Phase 2: zoom into the bracket.
    def zoom_cond(z: _Zoom) -> Array:
        wide = jnp.abs(z.b[1] - z.b[0]) * d_norm >= tolerance_change
        return ~z.done & (z.ls_iter < max_ls) & wide

    def zoom_body(z: _Zoom) -> _Zoom:
        high = 1 - z.low
        t_new = cubic_interpolate(z.b[0], z.bf[0], z.bgtd[0], z.b[1], z.bf[1], z.bgtd[1])
        t_new = t_new.astype(dtype)
        b_max, b_min = jnp.max(z.b), jnp.min(z.b)
        eps = 0.1 * (b_max - b_min)
        near_edge = jnp.minimum(b_max - t_new, t_new - b_min) < eps
        outside = z.insuf | (t_new >= b_max) | (t_new <= b_min)
        pushed = jnp.where(
            jnp.abs(t_new - b_max) < jnp.abs(t_new - b_min), b_max - eps, b_min + eps
        )
        t_new = jnp.where(near_edge & outside, pushed, t_new)
        insuf = near_edge & ~outside
        f_n, g_n, gtd_n = evaluate(t_new)
        ls_iter, evals = z.ls_iter + 1, z.evals + 1

        worse = (f_n > f + c1 * t_new * gtd) | (f_n >= z.bf[z.low])
        # Not worse: the new point becomes the low end; the old low end may replace the high.
        done = ~worse & curvature_holds(gtd_n)
        swap = ~worse & ~done & (gtd_n * (z.b[high] - z.b[z.low]) >= 0)
        b, bf, bg, bgtd = z.b, z.bf, z.bg, z.bgtd
        b = jnp.where(swap, b.at[high].set(b[z.low]), b)
        bf = jnp.where(swap, bf.at[high].set(bf[z.low]), bf)
        bg = jnp.where(swap, bg.at[high].set(bg[z.low]), bg)
        bgtd = jnp.where(swap, bgtd.at[high].set(bgtd[z.low]), bgtd)
        target = jnp.where(worse, high, z.low)
        b = b.at[target].set(t_new)
        bf = bf.at[target].set(f_n)
        bg = bg.at[target].set(g_n)
        bgtd = bgtd.at[target].set(gtd_n)
        low = jnp.where(worse, jnp.where(bf[0] <= bf[1], 0, 1), z.low).astype(jnp.int32)
        return _Zoom(b, bf, bg, bgtd, low, insuf, done, ls_iter, evals)

    false = jnp.zeros((), bool)
    z = jax.lax.while_loop(
        zoom_cond, zoom_body, _Zoom(b, bf, bg, bgtd, low, false, done, s.ls_iter, s.evals)
    )
    return LineSearchResult(z.bf[z.low], z.bg[z.low], z.b[z.low], z.evals)
