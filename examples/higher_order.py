"""Newton-CG for a regularised logistic regression, using only Hessian-vector products.

Each Newton step solves ``H p = -g`` by conjugate gradient, where every product ``H v`` comes
from :func:`rustorch_fx.hvp` (forward-over-reverse): the Hessian is never formed. On this small
problem the script also forms the Hessian with :func:`rustorch_fx.hessian` to compare the CG
step with the exact Newton step, and checks the derivatives themselves against finite
differences with :func:`rustorch_fx.gradcheck` before optimising.

Run::

    python examples/higher_order.py              # 10 Newton steps at most
    python examples/higher_order.py --steps 3 --seed 1

``main(argv)`` prints the report and also returns it as a dict (the tests use it).
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

import rustorch_fx as rt

Params = dict[str, jax.Array]


# ----------------------------------------------------------------------------------------------
# The problem: L2-regularised logistic regression with labels in {-1, +1}
# ----------------------------------------------------------------------------------------------


def make_data(seed: int, n: int, dim: int) -> tuple[jax.Array, jax.Array]:
    """Synthetic, non-separable data: labels drawn from a logistic model with a known weight."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, dim))
    w_true = rng.standard_normal(dim) / math.sqrt(dim) * 2.0
    p = 1.0 / (1.0 + np.exp(-(x @ w_true + 0.5)))
    y = np.where(rng.random(n) < p, 1.0, -1.0)
    return jnp.asarray(x, dtype=jnp.float32), jnp.asarray(y, dtype=jnp.float32)


def loss_fn(params: Params, x: jax.Array, y: jax.Array, l2: float) -> jax.Array:
    """Mean logistic loss plus ``l2 / 2 * |w|^2`` (the bias is not regularised)."""
    margins = y * (x @ params["w"] + params["b"])
    return jnp.mean(jax.nn.softplus(-margins)) + 0.5 * l2 * jnp.sum(params["w"] ** 2)


def init_params(dim: int) -> Params:
    return {"w": jnp.zeros((dim,), jnp.float32), "b": jnp.zeros((), jnp.float32)}


# ----------------------------------------------------------------------------------------------
# Conjugate gradient on pytrees
# ----------------------------------------------------------------------------------------------


def _vdot(a: Any, b: Any) -> jax.Array:
    return sum(jnp.vdot(u, v) for u, v in zip(jax.tree.leaves(a), jax.tree.leaves(b), strict=True))


def _axpy(alpha: jax.Array, x: Any, y: Any) -> Any:
    return jax.tree.map(lambda u, v: alpha * u + v, x, y)


def conjugate_gradient(
    matvec: Callable[[Any], Any], b: Any, tol: jax.Array, maxiter: int
) -> tuple[Any, jax.Array, jax.Array]:
    """Solve ``A x = b`` for symmetric positive definite ``A`` given only ``x -> A x``.

    Stops when ``|r| <= tol`` or after ``maxiter`` iterations. Returns ``(x, iterations, |r|)``.
    """
    x0 = jax.tree.map(jnp.zeros_like, b)
    rs0 = _vdot(b, b)

    def cond(state: tuple[Any, ...]) -> jax.Array:
        _, _, _, rs, k = state
        return (k < maxiter) & (jnp.sqrt(rs) > tol)

    def body(state: tuple[Any, ...]) -> tuple[Any, ...]:
        x, r, p, rs, k = state
        ap = matvec(p)
        alpha = rs / _vdot(p, ap)
        x = _axpy(alpha, p, x)
        r = _axpy(-alpha, ap, r)
        rs_new = _vdot(r, r)
        p = _axpy(rs_new / rs, p, r)
        return x, r, p, rs_new, k + 1

    x, _, _, rs, k = jax.lax.while_loop(cond, body, (x0, b, b, rs0, jnp.int32(0)))
    return x, k, jnp.sqrt(rs)


# ----------------------------------------------------------------------------------------------
# One Newton-CG step (jitted) and the exact Newton step used to check it
# ----------------------------------------------------------------------------------------------


def make_newton_cg_step(
    x: jax.Array, y: jax.Array, l2: float, forcing: float | None = None
) -> Callable[[Params], Any]:
    """Return a jitted ``params -> (new_params, stats)``: CG on ``H p = -g``, then a line search.

    CG stops at a residual of ``forcing * |g|``; by default ``forcing = min(0.5, sqrt|g|)``
    (an inexact Newton method: loose far from the optimum, tight near it, superlinear rate).
    """
    size = x.shape[1] + 1

    def loss(params: Params) -> jax.Array:
        return loss_fn(params, x, y, l2)

    @jax.jit
    def step(params: Params) -> tuple[Params, dict[str, jax.Array]]:
        value, g = rt.value_and_grad(loss)(params)
        gnorm = jnp.sqrt(_vdot(g, g))
        eta = jnp.minimum(0.5, jnp.sqrt(gnorm)) if forcing is None else jnp.float32(forcing)
        tol = eta * gnorm
        minus_g = jax.tree.map(jnp.negative, g)

        def hess_vec(v: Params) -> Params:
            (hv,) = rt.hvp(loss, (params,), (v,))
            return hv

        p, cg_iters, residual = conjugate_gradient(hess_vec, minus_g, tol, maxiter=2 * size)

        # Backtracking (Armijo) line search; the full step t = 1 is accepted near the optimum.
        slope = _vdot(g, p)

        def too_high(t: jax.Array) -> jax.Array:
            trial = loss(_axpy(t, p, params))
            return (trial > value + 1e-4 * t * slope) & (t > 1e-6)

        t = jax.lax.while_loop(too_high, lambda t: 0.5 * t, jnp.float32(1.0))
        stats = {
            "loss": value,
            "grad_norm": gnorm,
            "cg_iters": cg_iters,
            "cg_residual": residual / jnp.maximum(gnorm, 1e-30),
            "step_size": t,
            "direction": p,
        }
        return _axpy(t, p, params), stats

    return step


def make_exact_newton(x: jax.Array, y: jax.Array, l2: float, like: Params) -> Callable[..., Any]:
    """Return a jitted ``params -> (newton_step, hessian)`` with the Hessian materialised."""
    _, unravel = ravel_pytree(like)

    def flat_loss(theta: jax.Array) -> jax.Array:
        return loss_fn(unravel(theta), x, y, l2)

    @jax.jit
    def exact(params: Params) -> tuple[jax.Array, jax.Array]:
        theta, _ = ravel_pytree(params)
        h = rt.hessian(flat_loss)(theta)
        g = rt.grad(flat_loss)(theta)
        return jnp.linalg.solve(h, -g), h

    return exact


# ----------------------------------------------------------------------------------------------
# Checks before optimising
# ----------------------------------------------------------------------------------------------


def check_hvp_against_hessian(
    x: jax.Array, y: jax.Array, l2: float, params: Params, seed: int, probes: int = 4
) -> float:
    """Largest relative difference between ``hvp`` and ``hessian(...) @ v`` over random ``v``.

    The ``hvp`` calls for all probes run as one ``vmap``-ed, jitted computation.
    """
    flat, unravel = ravel_pytree(params)

    def flat_loss(theta: jax.Array) -> jax.Array:
        return loss_fn(unravel(theta), x, y, l2)

    @jax.jit
    def both(theta: jax.Array, vs: jax.Array) -> tuple[jax.Array, jax.Array]:
        hvs = jax.vmap(lambda v: rt.hvp(flat_loss, (theta,), (v,))[0])(vs)
        dense = rt.hessian(flat_loss)(theta) @ vs.T
        return hvs, dense.T

    vs = jax.random.normal(jax.random.key(seed), (probes, flat.shape[0]), jnp.float32)
    hvs, dense = both(flat, vs)
    rel = jnp.linalg.norm(hvs - dense, axis=1) / jnp.linalg.norm(dense, axis=1)
    return float(jnp.max(rel))


def run_gradcheck(x: jax.Array, y: jax.Array, l2: float, seed: int, order: int) -> Any:
    """``gradcheck`` of the loss on a small slice of the problem, up to ``order``."""
    rng = np.random.default_rng(seed + 1)
    sub_x, sub_y = x[:16, :4], y[:16]
    params = {
        "w": jnp.asarray(rng.standard_normal(4) * 0.5, dtype=jnp.float32),
        "b": jnp.asarray(0.1, dtype=jnp.float32),
    }

    def loss(w: jax.Array, b: jax.Array) -> jax.Array:
        return loss_fn({"w": w, "b": b}, sub_x, sub_y, l2)

    return rt.gradcheck(loss, (params["w"], params["b"]), order=order)


# ----------------------------------------------------------------------------------------------
# The report
# ----------------------------------------------------------------------------------------------


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10, help="Newton steps at most (default 10)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic data")
    parser.add_argument("--samples", type=int, default=512, help="training examples")
    parser.add_argument("--features", type=int, default=20, help="input features")
    parser.add_argument("--l2", type=float, default=1e-2, help="L2 regularisation strength")
    parser.add_argument(
        "--tol", type=float, default=1e-6, help="stop once the gradient norm is below this"
    )
    parser.add_argument("--gradcheck-order", type=int, default=3, choices=(1, 2, 3))
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the fit, print a report and return its figures.

    Args:
        argv: Command-line arguments (``sys.argv[1:]`` when None).

    Returns:
        A dict: ``gradcheck_passed``, ``hvp_vs_hessian``, ``tight_cg_vs_exact``, ``history`` (one dict per step with
        ``loss``, ``grad_norm``, ``cg_iters``, ``step_size``, ``step_vs_exact``), ``final_loss``,
        ``final_grad_norm``, ``accuracy`` and ``converged``.
    """
    args = _parse(argv)
    x, y = make_data(args.seed, args.samples, args.features)
    params = init_params(args.features)
    size = args.features + 1
    print("Newton-CG on L2-regularised logistic regression")
    print(
        f"  {args.samples} examples, {args.features} features + bias ({size} parameters), "
        f"l2={args.l2:g}, seed={args.seed}, JAX backend: {jax.default_backend()}"
    )

    # 1. The derivatives the method relies on, against finite differences in float64.
    report = run_gradcheck(x, y, args.l2, args.seed, args.gradcheck_order)
    passed = bool(report)
    print(
        f"\ngradcheck (order {args.gradcheck_order}, central differences in float64): "
        f"{'passed' if passed else 'FAILED'}"
    )
    print(f"  {report}")

    # 2. hvp (forward-over-reverse, no Hessian formed) against the materialised Hessian.
    probe = {
        "w": jnp.full((args.features,), 0.1, jnp.float32),
        "b": jnp.asarray(-0.2, jnp.float32),
    }
    agreement = check_hvp_against_hessian(x, y, args.l2, probe, args.seed)
    print(f"hvp vs hessian @ v (4 random v): max relative difference {agreement:.2e}")

    # 3. Newton-CG, each step compared with the exact Newton step.
    step = make_newton_cg_step(x, y, args.l2)
    exact = make_exact_newton(x, y, args.l2, params)
    t0 = time.perf_counter()
    jax.block_until_ready(step(params))
    jax.block_until_ready(exact(params))
    compile_s = time.perf_counter() - t0
    loss0 = float(loss_fn(params, x, y, args.l2))

    # A CG solve to a tight residual reproduces the exact Newton step: the only difference in
    # the iterations below is the deliberately loose inexact-Newton tolerance.
    _, tight = make_newton_cg_step(x, y, args.l2, forcing=1e-5)(params)
    p_tight, _ = ravel_pytree(tight["direction"])
    p_exact0, _ = exact(params)
    tight_vs_exact = float(jnp.linalg.norm(p_tight - p_exact0) / jnp.linalg.norm(p_exact0))
    print(
        f"CG to residual 1e-5 |g| ({int(tight['cg_iters'])} hvps) vs exact Newton step "
        f"solve(hessian, -g): relative difference {tight_vs_exact:.2e}"
    )
    print("\nInexact Newton-CG: CG stops at residual min(0.5, sqrt|g|) * |g|; p* = exact step")
    print(f"{'step':>4} {'loss':>12} {'|grad|':>10} {'CG iters':>8} {'t':>6} {'|p-p*|/|p*|':>12}")
    history: list[dict[str, float]] = []
    t0 = time.perf_counter()
    for k in range(args.steps):
        p_exact, _ = exact(params)
        new_params, stats = step(params)
        p_cg, _ = ravel_pytree(stats["direction"])
        rel = float(jnp.linalg.norm(p_cg - p_exact) / jnp.maximum(jnp.linalg.norm(p_exact), 1e-30))
        row = {
            "loss": float(stats["loss"]),
            "grad_norm": float(stats["grad_norm"]),
            "cg_iters": int(stats["cg_iters"]),
            "step_size": float(stats["step_size"]),
            "step_vs_exact": rel,
        }
        history.append(row)
        print(
            f"{k:>4} {row['loss']:>12.8f} {row['grad_norm']:>10.3e} {row['cg_iters']:>8d} "
            f"{row['step_size']:>6.3g} {rel:>12.2e}"
        )
        if row["grad_norm"] < args.tol:
            break
        params = new_params
    run_s = time.perf_counter() - t0

    final_loss = float(loss_fn(params, x, y, args.l2))
    final_grad = rt.grad(loss_fn)(params, x, y, args.l2)
    final_gnorm = float(jnp.sqrt(_vdot(final_grad, final_grad)))
    accuracy = float(jnp.mean(jnp.sign(x @ params["w"] + params["b"]) == y))
    converged = final_gnorm < args.tol
    total_cg = sum(r["cg_iters"] for r in history)
    print(
        f"\nloss {loss0:.6f} -> {final_loss:.6f}, |grad| {final_gnorm:.2e} "
        f"({'converged' if converged else 'not converged'}: tol {args.tol:g})"
    )
    print(
        f"{len(history)} Newton steps, {total_cg} Hessian-vector products in total "
        f"(a dense Hessian would need {size} per step), training accuracy {accuracy:.1%}"
    )
    print(f"compile {compile_s:.2f} s, run {run_s * 1e3:.1f} ms")
    return {
        "gradcheck_passed": passed,
        "hvp_vs_hessian": agreement,
        "tight_cg_vs_exact": tight_vs_exact,
        "history": history,
        "initial_loss": loss0,
        "final_loss": final_loss,
        "final_grad_norm": final_gnorm,
        "accuracy": accuracy,
        "converged": converged,
    }


if __name__ == "__main__":
    main()
