"""The one place where errors raised by JAX become :class:`~rustorch_fx.errors.RusTorchError`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import jax

from rustorch_fx import errors

F = TypeVar("F", bound=Callable[..., Any])

_TRACING_ERRORS: tuple[type[BaseException], ...] = (
    jax.errors.ConcretizationTypeError,
    jax.errors.NonConcreteBooleanIndexError,
    jax.errors.TracerArrayConversionError,
    jax.errors.TracerBoolConversionError,
    jax.errors.TracerIntegerConversionError,
)


def convert(op: str, exc: BaseException) -> errors.RusTorchError:
    """Translate an exception raised inside ``op`` into the matching :class:`RusTorchError`.

    The caller raises the result ``from exc`` so that the original stays chained.

    Args:
        op: Name of the public operation the error happened in, e.g. ``"gather"``.
        exc: The exception JAX (or numpy) raised.

    Returns:
        The error to raise; ``exc`` itself when it is already a :class:`RusTorchError`.
    """
    if isinstance(exc, errors.RusTorchError):
        return exc
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    message = f"{op}: {text}"
    lowered = text.lower()
    cls: type[errors.RusTorchError]
    if isinstance(exc, _TRACING_ERRORS):
        cls = errors.TracingError
        message += (
            " (this operation needs concrete values; call it outside jax.jit or pass the"
            " static arguments it documents)"
        )
    elif isinstance(exc, IndexError):
        cls = errors.IndexOutOfRangeError
    elif any(word in lowered for word in ("shape", "broadcast", "dimension", "size", "rank")):
        cls = errors.ShapeError
    elif "dtype" in lowered:
        cls = errors.DTypeError
    elif isinstance(exc, TypeError):
        cls = errors.ArgumentTypeError
    elif isinstance(exc, jax.errors.JaxRuntimeError):
        cls = errors.DeviceError
    else:
        cls = errors.InvalidArgumentError
    return cls(message)


def boundary(op: str) -> Callable[[F], F]:
    """Decorate a public function so that errors escaping it are :class:`RusTorchError`.

    Args:
        op: The operation name used in messages.

    Returns:
        A decorator. The wrapped function re-raises anything that is not already a
        ``RusTorchError`` through :func:`convert`, with the original exception chained.
    """

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except errors.RusTorchError:
                raise
            except (
                TypeError,
                ValueError,
                IndexError,
                jax.errors.JAXTypeError,
                jax.errors.JAXIndexError,
                jax.errors.JaxRuntimeError,
            ) as exc:
                raise convert(op, exc) from exc

        return wrapper  # type: ignore[return-value]

    return decorate
