"""Grad mode: whether operations record the graph. Thread-local, as in PyTorch."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from rustorch_fx.errors import ArgumentTypeError

__all__ = [
    "is_grad_enabled",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "inference_mode",
    "is_inference_mode_enabled",
    "detect_anomaly",
    "set_detect_anomaly",
    "is_anomaly_enabled",
    "is_anomaly_check_nan_enabled",
]

F = TypeVar("F", bound=Callable[..., Any])


class _State(threading.local):
    def __init__(self) -> None:
        self.enabled = True
        self.inference = False
        self.anomaly = False
        self.check_nan = True
        # The active autocast region's caster ``(fn, args) -> args`` (compat.amp), or None.
        self.autocast = None
        # compat._engine's lazy mode: the segment of pending ops being recorded (main thread).
        self.segment = None
        self.lazy_thread = threading.current_thread() is threading.main_thread()


_state = _State()


def is_grad_enabled() -> bool:
    """Return whether operations on tensors that require grad record the autograd graph.

    Returns:
        ``True`` unless inside :class:`no_grad`, ``set_grad_enabled(False)`` or
        :class:`inference_mode`. The setting is per thread, as in PyTorch.

    Example:
        >>> import compat
        >>> with compat.no_grad():
        ...     compat.is_grad_enabled()
        False
    """
    return _state.enabled


def is_inference_mode_enabled() -> bool:
    """Return whether :class:`inference_mode` is active in this thread.

    Returns:
        ``True`` inside ``inference_mode()`` (or ``inference_mode(True)``).

    Example:
        >>> import compat
        >>> compat.is_inference_mode_enabled()
        False
    """
    return _state.inference


class _Mode:
    """Base of the grad-mode guards: a context manager that also decorates functions."""

    _enabled: bool

    def __enter__(self) -> None:
        self._saved = (_state.enabled, _state.inference)
        _state.enabled = self._enabled

    def __exit__(self, *exc: object) -> None:
        _state.enabled, _state.inference = self._saved

    def __call__(self, fn: F) -> F:
        if not callable(fn):
            raise ArgumentTypeError(
                f"{type(self).__name__}: expected a function to decorate, got {type(fn).__name__}"
            )

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self._clone():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    def _clone(self) -> _Mode:
        return self


class no_grad(_Mode):
    """Context manager and decorator that disables graph recording.

    Results computed inside have ``requires_grad=False``, even from inputs that require grad.
    This is how parameter updates are written: ``with no_grad(): p -= lr * p.grad``.

    Example:
        >>> import compat
        >>> x = compat.ones(2, requires_grad=True)
        >>> with compat.no_grad():
        ...     y = x * 2
        >>> y.requires_grad
        False
    """

    def __init__(self) -> None:
        self._enabled = False

    def _clone(self) -> _Mode:
        return no_grad()


class enable_grad(_Mode):
    """Context manager and decorator that enables graph recording (inside ``no_grad``).

    Example:
        >>> import compat
        >>> x = compat.ones(2, requires_grad=True)
        >>> with compat.no_grad(), compat.enable_grad():
        ...     (x * 2).requires_grad
        True
    """

    def __init__(self) -> None:
        self._enabled = True

    def _clone(self) -> _Mode:
        return enable_grad()


class set_grad_enabled(_Mode):
    """Set grad mode on or off, as a function call, a context manager or a decorator.

    Called as a function it takes effect at once (and stays after the call), like torch; used
    in a ``with`` block, the previous mode comes back at the end of the block.

    Args:
        mode: ``True`` to record the graph, ``False`` not to.

    Raises:
        ArgumentTypeError: If ``mode`` is not a bool.

    Example:
        >>> import compat
        >>> with compat.set_grad_enabled(False):
        ...     compat.is_grad_enabled()
        False
        >>> compat.is_grad_enabled()
        True
    """

    def __init__(self, mode: bool) -> None:
        if not isinstance(mode, bool):
            raise ArgumentTypeError(
                f"set_grad_enabled: mode must be a bool, got {type(mode).__name__}"
            )
        self._enabled = mode
        self._saved = (_state.enabled, _state.inference)
        _state.enabled = mode

    def __enter__(self) -> None:
        # The constructor already switched the mode; keep what it replaced for __exit__.
        pass

    def __call__(self, fn: F) -> F:
        # As a decorator it must not leave the mode switched (torch restores it too).
        _state.enabled = self._saved[0]
        return super().__call__(fn)

    def _clone(self) -> _Mode:
        mode = _CallMode()
        mode._enabled = self._enabled
        return mode


class _CallMode(_Mode):
    """set_grad_enabled's mode applied around one decorated call."""


class inference_mode(_Mode):
    """Context manager and decorator for inference: no graph is recorded (like ``no_grad``).

    Args:
        mode: ``True`` (default) to enable inference mode, ``False`` for a no-op.

    Raises:
        ArgumentTypeError: If ``mode`` is not a bool.

    Example:
        >>> import compat
        >>> with compat.inference_mode():
        ...     compat.is_grad_enabled(), compat.is_inference_mode_enabled()
        (False, True)
    """

    def __init__(self, mode: bool = True) -> None:
        if not isinstance(mode, bool):
            raise ArgumentTypeError(
                f"inference_mode: mode must be a bool, got {type(mode).__name__}"
            )
        self._mode = mode
        self._enabled = not mode and _state.enabled

    def __enter__(self) -> None:
        self._saved = (_state.enabled, _state.inference)
        if self._mode:
            _state.enabled = False
            _state.inference = True

    def _clone(self) -> _Mode:
        return inference_mode(self._mode)


def is_anomaly_enabled() -> bool:
    """Whether anomaly detection is on in this thread.

    Returns:
        ``True`` inside :class:`detect_anomaly` or after ``set_detect_anomaly(True)``.

    Example:
        >>> import compat
        >>> compat.autograd.is_anomaly_enabled()
        False
    """
    return _state.anomaly


def is_anomaly_check_nan_enabled() -> bool:
    """Whether anomaly detection also checks for NaN/Inf values.

    Returns:
        The ``check_nan`` setting of the active anomaly mode.

    Example:
        >>> import compat
        >>> with compat.autograd.detect_anomaly():
        ...     compat.autograd.is_anomaly_check_nan_enabled()
        True
    """
    return _state.anomaly and _state.check_nan


class _AnomalyMode:
    """Base of the anomaly guards: a context manager that also decorates functions."""

    def __init__(self, mode: bool, check_nan: bool) -> None:
        if not isinstance(mode, bool) or not isinstance(check_nan, bool):
            raise ArgumentTypeError(
                f"{type(self).__name__}: mode and check_nan must be bools, got "
                f"{type(mode).__name__} and {type(check_nan).__name__}"
            )
        self._mode = mode
        self._check_nan = check_nan

    def __enter__(self) -> None:
        self._saved = (_state.anomaly, _state.check_nan)
        _state.anomaly, _state.check_nan = self._mode, self._check_nan

    def __exit__(self, *exc: object) -> None:
        _state.anomaly, _state.check_nan = self._saved

    def __call__(self, fn: F) -> F:
        if not callable(fn):
            raise ArgumentTypeError(
                f"{type(self).__name__}: expected a function to decorate, got {type(fn).__name__}"
            )

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with _AnomalyMode(self._mode, self._check_nan):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class detect_anomaly(_AnomalyMode):
    """Context manager and decorator that turns on anomaly detection for autograd.

    While it is on, every op records where in the user's code it was called, and an op whose
    forward result, or whose gradient in backward, holds a NaN or Inf raises
    :class:`~rustorch_fx.errors.NonFiniteError` (an ``AutogradError``) naming the op and that
    place. Every op then waits for its result, so it is slow: use it for debugging.

    Args:
        check_nan: Check values for NaN/Inf (default True).

    Raises:
        ArgumentTypeError: If ``check_nan`` is not a bool.

    Example:
        >>> import compat
        >>> x = compat.tensor([-1.0], requires_grad=True)
        >>> with compat.autograd.detect_anomaly():
        ...     try:
        ...         x.log()
        ...     except compat.AutogradError as e:
        ...         print(str(e).split(":")[0])
        Function 'LogBackward0' returned nan values in its 0th output
    """

    def __init__(self, check_nan: bool = True) -> None:
        super().__init__(True, check_nan)


class set_detect_anomaly(_AnomalyMode):
    """Turn anomaly detection on or off, as a function call or a context manager.

    Args:
        mode: ``True`` to enable.
        check_nan: Check values for NaN/Inf (default True).

    Raises:
        ArgumentTypeError: If ``mode`` or ``check_nan`` is not a bool.

    Example:
        >>> import compat
        >>> with compat.autograd.set_detect_anomaly(True):
        ...     compat.autograd.is_anomaly_enabled()
        True
    """

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        super().__init__(mode, check_nan)
        self._saved = (_state.anomaly, _state.check_nan)
        _state.anomaly, _state.check_nan = mode, check_nan

    def __enter__(self) -> None:
        # The constructor already switched the mode; keep what it replaced for __exit__.
        pass
