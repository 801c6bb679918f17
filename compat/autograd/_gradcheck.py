"""``compat.autograd.gradcheck`` and ``gradgradcheck``: compat's backward against finite differences.

Unlike :func:`rustorch_fx.gradcheck` (which checks JAX's derivatives of a pure function), these
check what compat's engine computes: the recorded graph, hooks and custom
:class:`~compat.autograd.Function` backwards included, as ``torch.autograd.gradcheck`` does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import numpy as np

from compat import _grad_mode
from compat._tensor import Tensor
from rustorch_fx.errors import ArgumentTypeError, AutogradError

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]


class GradcheckError(AutogradError):
    """Raised by :func:`gradcheck` when analytic and numerical derivatives disagree."""


def _inputs(op: str, inputs: Any) -> tuple[Any, ...]:
    items = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    if not any(isinstance(t, Tensor) and t.requires_grad for t in items):
        raise AutogradError(f"{op}: at least one input tensor should require gradient")
    return items


def _outputs(op: str, out: Any) -> tuple[Tensor, ...]:
    outs = (out,) if isinstance(out, Tensor) else out
    if not isinstance(outs, tuple | list) or not all(isinstance(o, Tensor) for o in outs):
        raise ArgumentTypeError(f"{op}: func must return a Tensor or a tuple of Tensors")
    return tuple(outs)


def _numerical(
    func: Callable[..., Any], inputs: tuple[Any, ...], i: int, eps: float, out_sizes: list[int]
) -> list[np.ndarray]:
    """Central-difference Jacobian blocks d out_k / d inputs[i], each ``(out_k.size, in.size)``."""
    base = np.array(inputs[i]._value, dtype=np.float64)
    blocks = [np.zeros((n, base.size)) for n in out_sizes]
    for j in range(base.size):
        vals = []
        for sign in (1.0, -1.0):
            moved = base.copy().reshape(-1)
            moved[j] += sign * eps
            args = list(inputs)
            args[i] = Tensor._wrap(
                jax.numpy.asarray(moved.reshape(base.shape), inputs[i]._value.dtype),
                requires_grad=True,
            )
            outs = _outputs("gradcheck", func(*args))
            vals.append([np.asarray(o._value, np.float64).reshape(-1) for o in outs])
        for k in range(len(out_sizes)):
            blocks[k][:, j] = (vals[0][k] - vals[1][k]) / (2 * eps)
    return blocks


def _analytic(
    func: Callable[..., Any], inputs: tuple[Any, ...], i: int, out_sizes: list[int]
) -> list[np.ndarray]:
    """Jacobian blocks d out_k / d inputs[i] from compat's backward, one row per backward."""
    from compat import autograd

    size = int(np.prod(inputs[i].shape))
    blocks = [np.zeros((n, size)) for n in out_sizes]
    outs = _outputs("gradcheck", func(*inputs))
    for k, out in enumerate(outs):
        if not out.requires_grad:
            continue
        for r in range(out_sizes[k]):
            seed = np.zeros(out_sizes[k])
            seed[r] = 1.0
            g = Tensor._wrap(jax.numpy.asarray(seed.reshape(out.shape), out._value.dtype))
            (grad,) = autograd.grad(out, inputs[i], g, retain_graph=True, allow_unused=True)
            if grad is not None:
                blocks[k][r] = np.asarray(grad._value, np.float64).reshape(-1)
    return blocks


def gradcheck(
    func: Callable[..., Any],
    inputs: Any,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_batched_forward_grad: bool = False,
    check_forward_ad: bool = False,
    check_backward_ad: bool = True,
    fast_mode: bool = False,
    masked: bool | None = None,
) -> bool:
    """Check compat's gradients of ``func`` against central finite differences, as torch does.

    Use float64 inputs (as with torch): float32 differences are too coarse for the tolerances.

    Args:
        func: Tensors in, a tensor or a tuple of tensors out.
        inputs: A tensor or a tuple of inputs; those that require grad are checked.
        eps: Finite-difference step.
        atol: Absolute tolerance.
        rtol: Relative tolerance.
        raise_exception: Raise :class:`GradcheckError` on failure instead of returning False.
        nondet_tol: Accepted for torch compatibility (compat's backward is deterministic).
        check_undefined_grad: Accepted for torch compatibility.
        check_grad_dtypes: Accepted for torch compatibility.
        check_batched_grad: Accepted for torch compatibility.
        check_batched_forward_grad: Accepted for torch compatibility.
        check_forward_ad: Accepted for torch compatibility (forward AD is not checked).
        check_backward_ad: Check the backward (default True).
        fast_mode: Accepted for torch compatibility (the full Jacobian is always checked).
        masked: Accepted for torch compatibility.

    Returns:
        True when every Jacobian entry agrees.

    Raises:
        GradcheckError: On a mismatch, naming the output, input and element, if
            ``raise_exception``.
        AutogradError: If no input requires grad.

    Example:
        >>> import compat
        >>> x = compat.tensor([1.0, 2.0], dtype=compat.float64, requires_grad=True)
        >>> compat.autograd.gradcheck(lambda t: (t * t).sum(), (x,))
        True
    """
    items = _inputs("gradcheck", inputs)
    if not check_backward_ad:
        return True
    outs = _outputs("gradcheck", func(*items))
    sizes = [int(np.prod(o.shape)) for o in outs]
    for i, t in enumerate(items):
        if not (isinstance(t, Tensor) and t.requires_grad):
            continue
        numerical = _numerical(func, items, i, eps, sizes)
        analytic = _analytic(func, items, i, sizes)
        for k, (num, ana) in enumerate(zip(numerical, analytic, strict=True)):
            bad = ~np.isclose(ana, num, rtol=rtol, atol=atol)
            if bad.any():
                r, c = (int(v) for v in np.argwhere(bad)[0])
                message = (
                    f"gradcheck: Jacobian mismatch for output {k} with respect to input {i}, "
                    f"at output element {r} and input element {c}: analytic {ana[r, c]:.6g}, "
                    f"numerical {num[r, c]:.6g} (atol={atol}, rtol={rtol})"
                )
                if raise_exception:
                    raise GradcheckError(message)
                return False
    return True


def gradgradcheck(
    func: Callable[..., Any],
    inputs: Any,
    grad_outputs: Any = None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    gen_non_contig_grad_outputs: bool = False,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_fwd_over_rev: bool = False,
    check_rev_over_rev: bool = True,
    fast_mode: bool = False,
    masked: bool = False,
) -> bool:
    """Check second derivatives: :func:`gradcheck` of the backward of ``func``.

    Args:
        func: Tensors in, a tensor or a tuple of tensors out.
        inputs: A tensor or a tuple of inputs.
        grad_outputs: Gradients of the outputs (random ones, seeded, when None).
        eps: Finite-difference step.
        atol: Absolute tolerance.
        rtol: Relative tolerance.
        gen_non_contig_grad_outputs: Accepted for torch compatibility.
        raise_exception: Raise :class:`GradcheckError` on failure.
        nondet_tol: Accepted for torch compatibility.
        check_undefined_grad: Accepted for torch compatibility.
        check_grad_dtypes: Accepted for torch compatibility.
        check_batched_grad: Accepted for torch compatibility.
        check_fwd_over_rev: Accepted for torch compatibility.
        check_rev_over_rev: Check reverse-over-reverse (default True).
        fast_mode: Accepted for torch compatibility.
        masked: Accepted for torch compatibility.

    Returns:
        True when the second derivatives agree.

    Raises:
        GradcheckError: On a mismatch, if ``raise_exception``.

    Example:
        >>> import compat
        >>> x = compat.tensor([1.0, 2.0], dtype=compat.float64, requires_grad=True)
        >>> compat.autograd.gradgradcheck(lambda t: (t * t * t).sum(), (x,))
        True
    """
    from compat import autograd

    items = _inputs("gradgradcheck", inputs)
    with _grad_mode.no_grad():
        outs = _outputs("gradgradcheck", func(*items))
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(
            Tensor._wrap(jax.numpy.asarray(rng.standard_normal(o.shape), o._value.dtype))
            for o in outs
        )
    gos = _outputs("gradgradcheck", grad_outputs)
    diff = [i for i, t in enumerate(items) if isinstance(t, Tensor) and t.requires_grad]

    def first_derivative(*args: Any) -> tuple[Tensor, ...]:
        out = _outputs("gradgradcheck", func(*args))
        grads = autograd.grad(
            out,
            [args[i] for i in diff],
            gos,
            create_graph=True,
            allow_unused=True,
            materialize_grads=True,
        )
        return tuple(grads)

    if not check_rev_over_rev:
        return True
    return gradcheck(
        first_derivative, items, eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception
    )
