"""``compat.autograd``: ``backward``, ``grad`` and the grad-mode guards, shaped like ``torch.autograd``."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import jax.numpy as jnp

from compat import _engine
from compat._grad_mode import (
    detect_anomaly,
    enable_grad,
    inference_mode,
    is_anomaly_check_nan_enabled,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    set_detect_anomaly,
    set_grad_enabled,
)
from compat._tensor import Tensor
from compat.autograd._function import Function, FunctionCtx
from compat.autograd._gradcheck import GradcheckError, gradcheck, gradgradcheck
from rustorch_fx.errors import ArgumentTypeError, AutogradError, ShapeError

__all__ = [
    "Function",
    "FunctionCtx",
    "GradcheckError",
    "gradcheck",
    "gradgradcheck",
    "backward",
    "detect_anomaly",
    "grad",
    "is_anomaly_check_nan_enabled",
    "is_anomaly_enabled",
    "set_detect_anomaly",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "inference_mode",
    "is_grad_enabled",
]


def _tensors(op: str, name: str, value: Any) -> list[Tensor]:
    items = [value] if isinstance(value, Tensor) else value
    if not isinstance(items, Sequence) or not all(isinstance(t, Tensor) for t in items):
        raise ArgumentTypeError(
            f"{op}: {name} must be a Tensor or a sequence of Tensors, got {type(value).__name__}"
        )
    return list(items)


@functools.lru_cache(maxsize=64)
def _ones(shape: tuple[int, ...], dtype: Any) -> Any:
    """The implicit gradient of a one-element output (cached: JAX arrays are immutable)."""
    return jnp.ones(shape, dtype)


def _grads(op: str, outputs: list[Tensor], grad_outputs: Any, create_graph: bool) -> list[Any]:
    if grad_outputs is None:
        given: list[Any] = [None] * len(outputs)
    elif isinstance(grad_outputs, Tensor) or not isinstance(grad_outputs, Sequence):
        given = [grad_outputs]  # one gradient: a tensor, an array or a number
    else:
        given = list(grad_outputs)
    if len(given) != len(outputs):
        raise ShapeError(
            f"{op}: got {len(given)} gradients for {len(outputs)} outputs "
            "(grad_tensors should be a sequence of length matching the outputs)"
        )
    grads = []
    for i, (out, g) in enumerate(zip(outputs, given, strict=True)):
        if g is None:
            if out.numel() != 1:
                raise AutogradError(f"{op}: grad can be implicitly created only for scalar outputs")
            g = Tensor._wrap(_ones(out.shape, _engine._raw_value(out).dtype))
        elif not isinstance(g, Tensor):
            g = Tensor._wrap(jnp.asarray(g, _engine._raw_value(out).dtype))
        if g.shape != out.shape:
            raise ShapeError(
                f"{op}: Mismatch in shape: grad_output[{i}] has a shape of {list(g.shape)} and "
                f"output[{i}] has a shape of {list(out.shape)}."
            )
        grads.append(g if create_graph else _engine._raw_value(g))
    return grads


def _check_requires_grad(op: str, outputs: list[Tensor]) -> None:
    for i, out in enumerate(outputs):
        if not out.requires_grad:
            raise AutogradError(
                f"{op}: element {i} of tensors does not require grad and does not have a grad_fn"
            )


def backward(
    tensors: Any,
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Any = None,
) -> None:
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of the graph's leaves.

    Args:
        tensors: A tensor or a sequence of tensors to differentiate.
        grad_tensors: Their gradients (``None`` allowed for one-element tensors).
        retain_graph: Keep the graph for another backward (default: ``create_graph``).
        create_graph: Record the backward for higher-order derivatives.
        inputs: Accumulate only into these tensors.

    Raises:
        AutogradError: If a tensor does not require grad, a gradient is missing for a
            non-scalar output, or the graph was freed.
        ShapeError: If a gradient has the wrong shape or count.

    Example:
        >>> import compat
        >>> x = compat.tensor([3.0], requires_grad=True)
        >>> compat.autograd.backward((x * x).sum())
        >>> x.grad.tolist()
        [6.0]
    """
    outputs = _tensors("backward", "tensors", tensors)
    _check_requires_grad("backward", outputs)
    grads = _grads("backward", outputs, grad_tensors, create_graph)
    keep = create_graph if retain_graph is None else retain_graph
    chosen = None if inputs is None else _tensors("backward", "inputs", inputs)
    _engine.run_backward(
        outputs, grads, retain_graph=keep, create_graph=create_graph, inputs=chosen, accumulate=True
    )


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool | None = None,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
) -> tuple[Tensor | None, ...]:
    """Return the gradients of ``outputs`` with respect to ``inputs`` (without touching ``.grad``).

    Args:
        outputs: A tensor or a sequence of tensors.
        inputs: The tensors to differentiate with respect to.
        grad_outputs: Gradients of ``outputs`` (``None`` for one-element outputs).
        retain_graph: Keep the graph (default: ``create_graph``).
        create_graph: Record the backward, so the result can be differentiated again.
        allow_unused: Return ``None`` for an input the outputs do not depend on, instead of
            raising (implied by ``materialize_grads``).
        is_grads_batched: Not supported; must be ``False``.
        materialize_grads: Return zeros instead of ``None`` for unused inputs.

    Returns:
        A tuple with one gradient per input.

    Raises:
        AutogradError: If an output or input does not require grad, or an input is unused
            and ``allow_unused`` is false.
        ShapeError: If a gradient has the wrong shape.

    Example:
        >>> import compat
        >>> x = compat.tensor(2.0, requires_grad=True)
        >>> (g,) = compat.autograd.grad(x**3, x, create_graph=True)
        >>> compat.autograd.grad(g, x)[0].item()
        12.0
    """
    if is_grads_batched:
        from rustorch_fx.errors import UnsupportedError

        raise UnsupportedError("grad: is_grads_batched=True is not supported; use compat.func.vmap")
    outs = _tensors("grad", "outputs", outputs)
    ins = _tensors("grad", "inputs", inputs)
    _check_requires_grad("grad", outs)
    for i, t in enumerate(ins):
        if not t.requires_grad:
            raise AutogradError(
                f"grad: One of the differentiated Tensors (input {i}) does not require grad"
            )
    if allow_unused is None:
        allow_unused = materialize_grads
    grads = _grads("grad", outs, grad_outputs, create_graph)
    keep = create_graph if retain_graph is None else retain_graph
    results = _engine.run_backward(
        outs, grads, retain_graph=keep, create_graph=create_graph, inputs=ins, accumulate=False
    )
    final: list[Tensor | None] = []
    for i, (t, g) in enumerate(zip(ins, results, strict=True)):
        if g is None:
            if materialize_grads:
                final.append(Tensor._wrap(jnp.zeros(t.shape, _engine._raw_value(t).dtype)))
                continue
            if not allow_unused:
                raise AutogradError(
                    f"grad: One of the differentiated Tensors (input {i}) appears to not have "
                    "been used in the graph. Set allow_unused=True if this is the desired behavior."
                )
            final.append(None)
        else:
            final.append(g if isinstance(g, Tensor) else Tensor._wrap(g))
    return tuple(final)
