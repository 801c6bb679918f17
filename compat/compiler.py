"""``compat.compiler``: torch.compiler's controls over :func:`compat.compile`.

``disable`` keeps a function (or module) out of compilation, ``reset`` forgets every compiled
program, ``is_compiling`` tells code whether it is being traced, ``list_backends`` names the
backends :func:`compat.compile` accepts. ``compat._dynamo`` re-exports them under torch's older
``torch._dynamo`` names.
"""

from __future__ import annotations

import functools
import linecache
import sys
import types
from collections.abc import Callable
from typing import Any

from compat import _compile
from compat.nn.modules.module import Module
from rustorch_fx.errors import ArgumentTypeError

__all__ = ["disable", "is_compiling", "is_dynamo_compiling", "list_backends", "reset"]


def _call_site(depth: int) -> str:
    """``file:line: `source``` of the frame ``depth`` levels above the caller."""
    frame = sys._getframe(depth + 1)
    where = f"{frame.f_code.co_filename}:{frame.f_lineno}"
    source = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
    return f"{where}: `{source}`" if source else where


def _disabled(fn: Callable[..., Any], name: str, reason: str | None) -> Callable[..., Any]:
    """``fn`` wrapped to run only eagerly: inside a trace, calling it is a graph break."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if _compile._TRACING[0]:
            why = f" ({reason})" if reason else ""
            raise _compile._GraphBreak(
                f"{_call_site(1)}: it calls {name}, which compat.compiler.disable keeps out of "
                f"compiled programs{why}"
            )
        return fn(*args, **kwargs)

    wrapper._compat_compile_disabled = True  # type: ignore[attr-defined]
    return wrapper


def disable(
    fn: Callable[..., Any] | None = None, recursive: bool = True, *, reason: str | None = None
) -> Any:
    """Keep a function or module out of :func:`compat.compile` (``torch.compiler.disable``).

    ``compat.compile`` returns a disabled function or module unchanged (it runs eagerly).
    Called inside a compiled function, a disabled function is a graph break: with
    ``fullgraph=True`` that raises :class:`~rustorch_fx.errors.TracingError`, otherwise the
    compiled function warns once and runs in lazy mode from then on (compiled pieces with
    eager glue). compat cannot compile the functions a disabled function calls separately, so
    ``recursive=False`` behaves as ``True``.

    Args:
        fn: The function or :class:`compat.nn.Module` (None: return a decorator).
        recursive: Accepted for torch's signature (see above).
        reason: Said in the graph-break message.

    Returns:
        The disabled function (a wrapper), the module itself (its ``forward`` wrapped), or a
        decorator when ``fn`` is None.

    Raises:
        ArgumentTypeError: If ``fn`` is not callable, or ``recursive`` is not a bool.

    Example:
        >>> import compat
        >>> @compat.compiler.disable
        ... def log_norm(t):
        ...     return float(t.norm())
        >>> compat.compile(log_norm) is log_norm
        True
        >>> log_norm(compat.ones(4))
        2.0
    """
    if not isinstance(recursive, bool):
        raise ArgumentTypeError(f"disable: recursive must be a bool, got {recursive!r}")
    if fn is None:
        return functools.partial(disable, recursive=recursive, reason=reason)
    if isinstance(fn, Module):
        current = fn.__dict__.get("forward")
        if current is None:
            current = types.MethodType(type(fn).forward, fn)
        name = f"{type(fn).__name__}.forward"
        fn.__dict__["forward"] = _disabled(current, name, reason)
        fn.__dict__["_compat_compile_disabled"] = True
        return fn
    if not callable(fn):
        raise ArgumentTypeError(
            f"disable: expected a function or a compat.nn.Module, got {type(fn).__name__}"
        )
    name = getattr(fn, "__qualname__", None) or repr(fn)
    return _disabled(fn, name, reason)


def reset() -> None:
    """Forget every compiled program and graph break (``torch.compiler.reset``).

    Every compiled function and compiled module forward compiles afresh on its next calls
    (its first call runs eagerly again, as a warm-up); one that fell back to lazy mode after
    a graph break tries to compile again.

    Example:
        >>> import compat
        >>> compat.compiler.reset()
    """
    for obj in list(_compile._LIVE):
        obj._reset()


def is_compiling() -> bool:
    """Whether the caller runs inside a trace of :func:`compat.compile`.

    Returns:
        True while a compiled function or compiled module forward is being traced.

    Example:
        >>> import compat
        >>> compat.compiler.is_compiling()
        False
    """
    return _compile._TRACING[0] > 0


#: torch's older name of :func:`is_compiling`.
is_dynamo_compiling = is_compiling


def list_backends(exclude_tags: Any = ("debug", "experimental")) -> list[str]:
    """The backend names :func:`compat.compile` accepts (all compile with XLA but ``"eager"``).

    Args:
        exclude_tags: Accepted for torch's signature.

    Returns:
        The names, sorted.

    Example:
        >>> import compat
        >>> "inductor" in compat.compiler.list_backends()
        True
    """
    return sorted(_compile._BACKENDS)
