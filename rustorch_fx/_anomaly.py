"""``detect_anomaly``: run a function so that the first NaN/Inf raises a ``NonFiniteError``."""

from __future__ import annotations

import contextlib
import functools
import os
import re
import traceback
from collections.abc import Callable
from typing import Any

import jax

from rustorch_fx import _checks
from rustorch_fx.errors import NonFiniteError, TracingError

__all__ = ["detect_anomaly"]

_OP = "detect_anomaly"
_MESSAGE = re.compile(r"invalid value \((nan|inf)\) encountered in ([\w.\-]+)")
_JAX_DIRS = tuple(
    os.path.dirname(m.__file__) + os.sep for m in (jax, __import__("jaxlib")) if m.__file__
)
_HERE = os.path.dirname(os.path.abspath(__file__))
# Wrappers whose frames say nothing about where a value came from.
_WRAPPERS = tuple(os.path.join(_HERE, name) for name in ("_anomaly.py", "autodiff.py"))


def detect_anomaly(fun: Callable[..., Any], *, check_inf: bool = True) -> Callable[..., Any]:
    """Wrap ``fun`` so that the first NaN (and Inf) it produces raises ``NonFiniteError``.

    The wrapped function runs ``fun`` under a local ``jax.debug_nans`` (and
    ``jax.debug_infs``) context: JAX checks the output of every primitive it executes. Eager
    code stops at the first primitive producing a non-finite value; jitted code (``fun`` may
    be, or call, a ``jax.jit`` function) runs compiled at full speed and, only when its outputs
    contain a NaN/Inf, is re-run op by op to find the primitive that produced it. The error
    names the primitive and the user source line that called it.

    Gradients are checked by wrapping the function that computes them:
    ``detect_anomaly(rt.grad(loss))(params)`` reports a NaN created in the backward pass
    (for example ``sqrt``'s derivative at 0), naming the backward primitive; JAX runs the
    backward pass after ``loss`` has returned, so the source given is the innermost user
    frame still active (the line that called ``grad`` when it is called from a user
    function), or none. ``torch.autograd.detect_anomaly`` only checks the backward pass
    for NaN; this checks the forward pass too, and Inf unless ``check_inf=False`` (turn it off
    for code that uses ``-inf`` on purpose, such as attention masks).

    The wrapper must be the outermost call, with concrete arrays: inside ``jax.jit``,
    ``vmap`` or ``grad`` the values are not known yet and nothing could be checked, so it
    raises ``TracingError``; put the transform inside instead
    (``detect_anomaly(jax.jit(step))``). Under ``jit``, a NaN that never reaches the outputs
    is not reported (XLA only shows the outputs); run ``fun`` eagerly to catch those too.

    Args:
        fun: The function to run.
        check_inf: Also raise on the first Inf (NaN is always checked).

    Returns:
        A function with ``fun``'s signature and results.

    Raises:
        ArgumentTypeError: If ``fun`` is not callable or ``check_inf`` is not a bool.

    Note:
        When a jitted function (``jnp`` functions are jitted too) produces the NaN/Inf, JAX
        prints ``Invalid nan value encountered in the output of a jax.jit function. Calling
        the de-optimized version.`` before re-running it op by op to locate the primitive.

    Example:
        >>> import jax
        >>> import jax.numpy as jnp
        >>> import rustorch_fx as rt
        >>> def f(x):
        ...     return jax.lax.log(x) * 2.0
        >>> try:
        ...     rt.detect_anomaly(f)(jnp.array([1.0, -1.0]))
        ... except rt.NonFiniteError as e:
        ...     print(e.primitive, e.kind)
        log nan
    """
    from rustorch_fx import autodiff as ad

    ad._check_callable(_OP, fun)
    ad._check_bool(_OP, "check_inf", check_inf)

    @functools.wraps(fun)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if any(_checks.is_tracer(leaf) for leaf in jax.tree_util.tree_leaves((args, kwargs))):
            raise TracingError(
                f"{_OP}: the wrapped function was called inside jax.jit, vmap or grad, where "
                f"values are not known and cannot be checked; make detect_anomaly the outermost "
                f"call, e.g. detect_anomaly(jax.jit(fun))(x)"
            )
        with contextlib.ExitStack() as stack:
            stack.enter_context(jax.debug_nans(True))
            if check_inf:
                stack.enter_context(jax.debug_infs(True))
            try:
                return fun(*args, **kwargs)
            except FloatingPointError as exc:
                raise _non_finite(exc) from exc

    return checked


def _non_finite(exc: FloatingPointError) -> NonFiniteError:
    """Turn JAX's ``FloatingPointError`` into a ``NonFiniteError`` naming the op and the line."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    match = _MESSAGE.search(text)
    source = _user_frame(exc)
    where = (
        f"at {source}"
        if source
        else "(JAX gives no source line: it was produced in a backward pass)"
    )
    if match:
        kind, primitive = match.group(1), match.group(2)
        message = f"{_OP}: {kind} produced by primitive '{primitive}' {where}"
    else:
        kind, primitive = "non-finite", "unknown"
        message = f"{_OP}: {text or 'non-finite value'} ({where})"
    return NonFiniteError(
        message,
        kind=kind,
        primitive=primitive,
        source=source,
    )


def _user_frame(exc: BaseException) -> str | None:
    """The innermost traceback frame outside JAX and the autodiff wrappers: ``file:line (fn)``.

    ``None`` when there is none: JAX executes a backward pass after the user's function has
    returned, so a value produced there has no user frame in the traceback.
    """
    frames = [
        (frame.f_code.co_filename, lineno, frame.f_code.co_name)
        for frame, lineno in traceback.walk_tb(exc.__traceback__)
        if not os.path.abspath(frame.f_code.co_filename).startswith(_JAX_DIRS + _WRAPPERS)
    ]
    if not frames:
        return None
    filename, lineno, name = frames[-1]
    return f"{filename}:{lineno} ({name})"
