"""``torch.jit`` for compat: trace modules and functions into portable compiled programs.

:func:`trace` runs a compat module (or function) once and exports what it computed as a
StableHLO program (through :mod:`rustorch_fx.export`), lowered for CPU and CUDA; the result,
a :class:`ScriptModule`, is called like the original, shares its parameters, and
differentiates through the autograd engine. :func:`save` writes it to one file and
:func:`load` runs it in any process, without the model's Python code.

Unlike TorchScript, nothing is compiled from Python source: :func:`script` traces too (at the
first call, or for given example inputs or symbolic ``input_specs``), and :func:`is_scripting`
is always False. See ``docs/export.md``.

Example:
    >>> import compat
    >>> model = compat.nn.Sequential(compat.nn.Linear(3, 4), compat.nn.ReLU())
    >>> traced = compat.jit.trace(model, compat.ones(2, 3))
    >>> traced(compat.ones(6, 3)).shape
    (6, 4)
"""

from compat.jit._script import (
    ScriptFunction,
    ScriptModule,
    TracingCheckError,
    freeze,
    ignore,
    is_scripting,
    is_tracing,
    load,
    optimize_for_inference,
    save,
    script,
    trace,
    unused,
)

__all__ = [
    "ScriptFunction",
    "ScriptModule",
    "TracingCheckError",
    "freeze",
    "ignore",
    "is_scripting",
    "is_tracing",
    "load",
    "optimize_for_inference",
    "save",
    "script",
    "trace",
    "unused",
]
