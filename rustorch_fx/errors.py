"""The error hierarchy: everything rustorch_fx and compat raise is a :class:`RusTorchError`.

Each subclass also derives from the builtin exception PyTorch raises in the same situation, so
code written against PyTorch (``except RuntimeError:``, ``except IndexError:``) keeps working:

================================  =========================================  ==========================
class                             raised for                                 also an instance of
================================  =========================================  ==========================
:class:`ShapeError`               incompatible shapes, sizes, lengths        ``RuntimeError``, ``ValueError``
:class:`DTypeError`               a dtype an operation does not accept       ``RuntimeError``, ``TypeError``
:class:`IndexOutOfRangeError`     a dim or an index outside its range        ``IndexError``, ``RuntimeError``
:class:`InvalidArgumentError`     a bad option or hyperparameter value       ``ValueError``, ``RuntimeError``
:class:`ArgumentTypeError`        an argument of the wrong Python type       ``TypeError``
:class:`AutogradError`            misuse of differentiation                  ``RuntimeError``
:class:`NonFiniteError`           a NaN or Inf found by an anomaly check     ``RuntimeError``
:class:`TracingError`             a value-dependent operation under ``jit``  ``RuntimeError``
:class:`DataError`                a failure loading or collating data        ``RuntimeError``
:class:`SerializationError`       a file that cannot be saved or loaded      ``RuntimeError``
:class:`OptimizerError`           a bad optimizer setting or state           ``ValueError``, ``RuntimeError``
:class:`DeviceError`              a device that is missing or mismatched     ``RuntimeError``
:class:`ExportError`              a program that cannot be traced/exported   ``RuntimeError``
:class:`UnsupportedError`         a feature this library does not provide    ``NotImplementedError``
:class:`MissingAttributeError`    an attribute or submodule that is absent   ``AttributeError``
:class:`InvalidNameError`         a name that cannot be registered           ``KeyError``
================================  =========================================  ==========================

Errors survive pickling, keyword attributes included, so a worker process can send one to its
parent. Messages name the operation, what it was given and what it expected.

Example:
    >>> import rustorch_fx as rt
    >>> try:
    ...     raise rt.ShapeError("linear: input has 7 features, weight expects 8")
    ... except RuntimeError as e:
    ...     print(type(e).__name__, "-", e)
    ShapeError - linear: input has 7 features, weight expects 8
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "RusTorchError",
    "ShapeError",
    "DTypeError",
    "IndexOutOfRangeError",
    "InvalidArgumentError",
    "ArgumentTypeError",
    "AutogradError",
    "NonFiniteError",
    "TracingError",
    "DataError",
    "SerializationError",
    "OptimizerError",
    "DeviceError",
    "ExportError",
    "UnsupportedError",
    "MissingAttributeError",
    "InvalidNameError",
]


class RusTorchError(Exception):
    """Base class of every error raised by rustorch_fx and compat.

    Args:
        message: What went wrong: the operation, what it got and what it expected.
        **attributes: Structured details (for example ``index=3, worker_id=1``), stored as
            attributes of the exception and preserved when it is pickled.

    Example:
        >>> err = RusTorchError("load: file is empty", path="model.pt")
        >>> err.path
        'model.pt'
    """

    def __init__(self, message: str = "", **attributes: Any) -> None:
        super().__init__(message)
        for name, value in attributes.items():
            setattr(self, name, value)

    @property
    def message(self) -> str:
        """The message the error was raised with."""
        return str(self.args[0]) if self.args else ""

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception's default reduce drops keyword attributes; carry them in the state.
        return (_rebuild, (type(self), self.args), dict(self.__dict__))


def _rebuild(cls: type[RusTorchError], args: tuple[Any, ...]) -> RusTorchError:
    err = cls.__new__(cls)
    Exception.__init__(err, *args)
    return err


class ShapeError(RusTorchError, RuntimeError, ValueError):
    """Shapes, sizes or lengths that do not fit together (torch raises ``RuntimeError``)."""


class DTypeError(RusTorchError, RuntimeError, TypeError):
    """A dtype the operation does not accept, or two dtypes that do not go together."""


class IndexOutOfRangeError(RusTorchError, IndexError, RuntimeError):
    """A dimension or an index outside its valid range.

    torch raises ``IndexError`` for dims and for ``index_select``-style indices, and
    ``RuntimeError`` for ``gather``/``scatter`` bounds; this error is both.
    """


class InvalidArgumentError(RusTorchError, ValueError, RuntimeError):
    """An option or hyperparameter outside its valid set (``k`` too large, ``q`` not in [0, 1])."""


class ArgumentTypeError(RusTorchError, TypeError):
    """An argument of the wrong Python type (a callable expected, a float given, ...)."""


class AutogradError(RusTorchError, RuntimeError):
    """Misuse of differentiation: a non-scalar loss for ``grad``, integer inputs, a freed graph."""


class NonFiniteError(AutogradError):
    """A NaN or Inf found by an anomaly check, naming where it first appeared."""


class TracingError(RusTorchError, RuntimeError):
    """A value-dependent operation (data-dependent shape, Python control flow) under ``jit``."""


class DataError(RusTorchError, RuntimeError):
    """A dataset, sampler, worker or collate failure: corrupted or missing data."""


class SerializationError(RusTorchError, RuntimeError):
    """A file that cannot be written or read, or content that is not allowed to load."""


class OptimizerError(RusTorchError, ValueError, RuntimeError):
    """An invalid optimizer or scheduler setting, or a state that does not match."""


class DeviceError(RusTorchError, RuntimeError):
    """A device that does not exist here, or arrays on different devices."""


class ExportError(RusTorchError, RuntimeError):
    """A function or module that cannot be traced, scripted or exported."""


class UnsupportedError(RusTorchError, NotImplementedError):
    """A PyTorch feature or option that this library deliberately does not provide."""


class MissingAttributeError(RusTorchError, AttributeError):
    """An attribute, parameter, buffer or submodule that an object does not have.

    An ``AttributeError``, so ``hasattr`` and ``getattr(obj, name, default)`` keep working.
    """


class InvalidNameError(RusTorchError, KeyError):
    """A name that cannot be registered: empty, containing ``"."``, or already taken."""

    def __str__(self) -> str:
        # KeyError quotes its message; the message here is a sentence, not a key.
        return self.message
