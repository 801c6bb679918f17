"""Per-``jit`` XLA compiler options that make CNN programs faster on CPU.

Two options, each measured on ``benchmarks/layers.py``'s CNN (jax 0.10.2, 2-core x86):

- ``xla_cpu_experimental_ynn_fusion_type``: XLA:CPU (jaxlib 0.10) hands each convolution to
  YNNPACK by default, and YNNPACK runs it on one thread; XLA's own (Eigen) convolution uses
  every thread. The value keeps YNNPACK for what it does well (single dots and reductions,
  the rest of XLA:CPU's default) and takes convolutions off it. A 64x32x32x32 -> 64-channel
  3x3 convolution: forward 42 -> 17 ms, forward and both gradients 110 -> 66 ms.
- ``xla_cpu_scheduler_type = CPU_SCHEDULER_TYPE_MEMORY_OPTIMIZED``: the default schedule
  maximises concurrency, so in a large program (a whole training step) independent
  multi-threaded thunks run at the same time and compete for the two cores; the
  memory-optimised schedule orders them so that each runs alone on warm caches. The whole
  CNN forward and backward as one jit, under the shared machine's load (interleaved medians,
  three runs): process CPU time 76 -> 62, 84 -> 62 and 83 -> 69 ms per step, wall time
  152 -> 114, 222 -> 136 and 218 -> 174 ms; results bit-identical. It changes only the order
  of a program's instructions, never their numerics.

A program without a convolution gets the same instructions with or without the options (only
their order may differ; checked by ``tests/test_nn_lowering.py``), but the order can cost: a
whole MLP training step (benchmarks/step.py) ran 6-8% slower under the memory-optimised
schedule. Ungrouped convolutions get faster; grouped (depthwise) ones got about 2x slower and
transposed ones slightly slower (measurements in :mod:`rustorch_fx.nn._conv`). So compat tunes
only ungrouped convolution ops, and ``compat.compile`` gives the options only to steps that
contain an ungrouped, non-transposed convolution.

The options are passed per ``jax.jit`` (``jax.jit(f, compiler_options=...)``), never through
the global ``XLA_FLAGS``: importing rustorch_fx or compat changes no JAX setting. On GPU or TPU
the options are empty; an option the installed jaxlib does not know is left out (each is
probed on its own), never an error.

compat marks the convolution functions (:func:`_mark_convolution`; :func:`_mark_own_program`
marks other ops that should not be fused, without the options) and compiles the programs of
convolution ops, of fused lazy segments and of compiled steps with convolutions with the
options (:func:`_jit`); every other program stays a plain ``jax.jit``.

Example:
    >>> import jax.numpy as jnp
    >>> double = _jit(lambda x: x * 2)
    >>> float(double(jnp.ones(())))
    2.0
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jax
import numpy as np

__all__ = ["xla_cpu_compiler_options"]

# XLA:CPU's default library fusions (jaxlib 0.10) less LIBRARY_FUSION_TYPE_INDIVIDUAL_CONVOLUTION,
# and the memory-optimised instruction schedule (see the module docstring).
_CPU_OPTIONS: dict[str, str] = {
    "xla_cpu_experimental_ynn_fusion_type": (
        "LIBRARY_FUSION_TYPE_INDIVIDUAL_DOT,LIBRARY_FUSION_TYPE_REDUCE"
    ),
    "xla_cpu_scheduler_type": "CPU_SCHEDULER_TYPE_MEMORY_OPTIMIZED",
}


def _options_accepted(options: dict[str, str]) -> bool:
    """Whether this jaxlib compiles a tiny program with ``options`` (False if it rejects them)."""
    try:
        jax.jit(lambda x: x + 1, compiler_options=options).lower(np.zeros((), np.float32)).compile()
    except Exception:  # an unknown option or value: jaxlib raises JaxRuntimeError
        return False
    return True


@functools.cache
def _cpu_options() -> dict[str, str]:
    """The options this jaxlib accepts when the default backend is CPU, else ``{}``.

    Each option is probed on its own, so one unknown to a jaxlib does not drop the others.
    Decided once per process (one tiny compile per option the first time).
    """
    try:
        backend = jax.default_backend()
    except RuntimeError:  # no backend could be initialized
        return {}
    if backend != "cpu":
        return {}
    return {k: v for k, v in _CPU_OPTIONS.items() if _options_accepted({k: v})}


try:  # the current trace: ``eval_trace`` when no transformation is tracing
    from jax._src.core import eval_trace as _EVAL_TRACE
    from jax._src.core import trace_state_strong_ref as _TRACE_STATE
except ImportError:  # another jax: no tuned jits (correct, only slower on CPU)
    _EVAL_TRACE = _TRACE_STATE = None


def _at_top_level() -> bool:
    """Whether no JAX transformation is tracing now (``False`` when this jax cannot tell)."""
    return _TRACE_STATE is not None and _TRACE_STATE.value is _EVAL_TRACE


class _CpuJit:
    """``jax.jit(fun)`` that compiles with the CPU options when called at top level.

    JAX refuses ``compiler_options`` on a jit that is traced inside another transformation
    (``jax.jit``, ``jax.grad``, ``jax.vmap``, ``jax.make_jaxpr`` of a caller), and compat runs
    its ops on tracers too. So a call on concrete arrays (no trace active) runs the tuned
    jit, and a call under a trace the plain one, which the enclosing program inlines (that
    program's own options then apply). The check is one identity test.
    """

    __slots__ = ("__weakref__", "_plain", "_tuned")

    def __init__(self, fun: Callable[..., Any], options: dict[str, str], **kwargs: Any) -> None:
        self._tuned = jax.jit(fun, compiler_options=options, **kwargs)
        self._plain = jax.jit(fun, **kwargs)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if _TRACE_STATE.value is _EVAL_TRACE:
            return self._tuned(*args, **kwargs)
        return self._plain(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:  # lower, trace, eval_shape, clear_cache, ...
        return getattr(self._tuned, name)


# The attribute that marks a function whose programs contain convolutions.
_CONV_ATTR = "_rustorch_fx_convolution"
# The attribute that marks a function to run as programs of its own (see _mark_own_program).
_OWN_ATTR = "_rustorch_fx_own_program"


def _mark_convolution(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Mark ``fn`` as containing convolutions (its compat programs get the CPU options)."""
    setattr(fn, _CONV_ATTR, True)
    return fn


def _mark_own_program(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Mark ``fn`` to run as programs of its own in compat's lazy mode, as convolutions do.

    For ops whose fused programs are slower than their own (e.g. the recurrent sequence op:
    fused forward and backward need one scratch block above glibc's 32 MiB heap limit). Its
    programs stay plain jits, as every program without a convolution: the LSTM of
    benchmarks/layers.py ran forward and backward as fast under XLA's default schedule as
    under the memory-optimised one (eight alternating pairs of runs: the default faster by a
    median 3%, within the machine's run-to-run noise of 5%).
    """
    setattr(fn, _OWN_ATTR, True)
    return fn


def _uses_convolution(fn: Any) -> bool:
    """Whether ``fn`` is a marked function, or a :func:`_jit` of one (a tuned jit)."""
    return type(fn) is _CpuJit or getattr(fn, _CONV_ATTR, False) is True


def _runs_alone(fn: Any) -> bool:
    """Whether compat runs ``fn`` as programs of its own (never fused into a lazy segment)."""
    return _uses_convolution(fn) or getattr(fn, _OWN_ATTR, False) is True


def _jit(fun: Callable[..., Any], *, tuned: bool = True, **kwargs: Any) -> Callable[..., Any]:
    """``jax.jit(fun, **kwargs)``, compiled with :func:`xla_cpu_compiler_options` if ``tuned``.

    For compat's jit sites: ``tuned=_uses_convolution(op)`` for one op's programs (the tuned
    jit costs about half a microsecond more per call, the trace check, and the options do
    little for a single small op, so unmarked ops stay plain ``jax.jit``), and tuned for the
    fused programs of lazy segments (their schedule matters). The result may also be called
    inside a JAX trace (it then runs as a plain nested jit). Without options (GPU, TPU, a
    jaxlib without the option) it is always ``jax.jit``'s.
    """
    if not tuned or _TRACE_STATE is None:
        return jax.jit(fun, **kwargs)
    options = _cpu_options()
    if not options:
        return jax.jit(fun, **kwargs)
    return _CpuJit(fun, options, **kwargs)


def xla_cpu_compiler_options() -> dict[str, str]:
    """XLA compiler options for a faster ``jax.jit`` on CPU (convolutions use every thread).

    Pass them per jit: ``jax.jit(step, compiler_options=xla_cpu_compiler_options())``. They
    change how XLA:CPU runs convolutions (XLA's multi-threaded kernel instead of
    single-threaded YNNPACK; about 1.6x faster for a typical CNN layer's forward and backward
    on two cores) and schedule a program's instructions for memory rather than concurrency
    (a whole CNN training step used about 20% less CPU time on two cores). Programs without
    convolutions keep their instructions, but the order can make them slower (an MLP training
    step: 6-8%): pass the options to programs with convolutions. Grouped (depthwise)
    convolutions run about 2x slower with them: leave them out of a program dominated by
    those. No global JAX setting is touched.

    Returns:
        A new dict of option names to values. Empty when the default backend is not CPU; an
        option the installed jaxlib does not know is left out (so passing it is always safe).

    Example:
        >>> import jax, jax.numpy as jnp
        >>> import rustorch_fx
        >>> opts = rustorch_fx.xla_cpu_compiler_options()
        >>> f = jax.jit(lambda x: rustorch_fx.nn.conv2d(x, jnp.ones((2, 1, 3, 3))),
        ...             compiler_options=opts)
        >>> f(jnp.ones((1, 1, 5, 5))).shape
        (1, 2, 3, 3)
    """
    return dict(_cpu_options())
