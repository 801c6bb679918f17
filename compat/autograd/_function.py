"""``compat.autograd.Function``: user-defined ops with a hand-written backward."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from compat import _engine, _grad_mode
from compat._tensor import Tensor
from rustorch_fx.errors import ArgumentTypeError, AutogradError, ShapeError

__all__ = ["Function", "FunctionCtx"]


class FunctionCtx:
    """The ``ctx`` object passed to a :class:`Function`'s ``forward`` and ``backward``.

    Attributes:
        needs_input_grad: One bool per input of ``forward``: whether it requires grad.

    Example:
        >>> import compat
        >>> class Square(compat.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return x * x
        ...     @staticmethod
        ...     def backward(ctx, g):
        ...         (x,) = ctx.saved_tensors
        ...         return 2 * x * g
        >>> x = compat.tensor([3.0], requires_grad=True)
        >>> Square.apply(x).sum().backward()
        >>> x.grad.tolist()
        [6.0]
    """

    def __init__(self) -> None:
        self.needs_input_grad: tuple[bool, ...] = ()
        self._saved: tuple[Any, ...] | None = ()
        self._versions: tuple[int, ...] = ()
        self._non_differentiable: set[int] = set()
        self._materialize = True
        self._freed = False

    def save_for_backward(self, *tensors: Tensor | None) -> None:
        """Save tensors (or None) for ``backward``; read them back as ``ctx.saved_tensors``.

        Args:
            *tensors: Inputs or outputs of ``forward``.

        Raises:
            ArgumentTypeError: If an argument is neither a Tensor nor None.
        """
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise ArgumentTypeError(
                    "save_for_backward: can only save tensors or None, got "
                    f"{type(t).__name__}; store other values as attributes of ctx"
                )
        self._saved = tensors
        self._versions = tuple(t._version if t is not None else 0 for t in tensors)

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        """The tensors given to :meth:`save_for_backward`.

        Raises:
            AutogradError: After the graph was freed by a backward without ``retain_graph``.
        """
        if self._freed:
            raise AutogradError(_engine._FREED)
        return tuple(self._saved or ())

    def mark_non_differentiable(self, *outputs: Tensor) -> None:
        """Declare outputs that are not differentiable (their gradient is always zero).

        Args:
            *outputs: Outputs of ``forward``.
        """
        self._non_differentiable.update(id(t) for t in outputs)

    def set_materialize_grads(self, value: bool) -> None:
        """Whether missing output gradients reach ``backward`` as zeros (default) or None.

        Args:
            value: The setting.
        """
        self._materialize = bool(value)

    def mark_dirty(self, *tensors: Tensor) -> None:
        """Accepted for torch compatibility: compat's forward sees copies, never aliases.

        Args:
            *tensors: Inputs modified in place by ``forward``.
        """


class _FunctionNode(_engine.Node):
    """The graph node of one ``Function.apply`` call: its vjp is the user's ``backward``."""

    __slots__ = ("cls", "ctx", "n_inputs")

    def check_versions(self) -> None:
        for i, t in enumerate(self.ctx._saved or ()):
            if t is not None and t._version != self.ctx._versions[i]:
                raise AutogradError(
                    "one of the variables needed for gradient computation has been modified "
                    f"by an inplace operation: [{t._describe()}] (saved tensor {i} of "
                    f"{self.name()}) is at version {t._version}; expected version "
                    f"{self.ctx._versions[i]} instead."
                )

    def release(self) -> None:
        super().release()
        self.ctx._freed = True

    def vjp(self, cts: list[Any], create_graph: bool) -> tuple[Any, ...]:
        grads_in = []
        for c in cts:
            grads_in.append(c if isinstance(c, Tensor) else Tensor._wrap(c))
        with _grad_mode.set_grad_enabled(create_graph):
            out = self.cls.backward(self.ctx, *grads_in)
        out = out if isinstance(out, tuple) else (out,)
        if len(out) < self.n_inputs:
            raise AutogradError(
                f"{self.name()}: function backward returned an incorrect number of gradients "
                f"(expected {self.n_inputs}, got {len(out)})"
            )
        result = []
        for i in self.diff:
            g = out[i]
            ref = self.saved[i]
            if g is None:
                g = Tensor._wrap(jnp.zeros(ref.shape, ref._value.dtype))
            if not isinstance(g, Tensor):
                raise ArgumentTypeError(
                    f"{self.name()}: backward must return Tensors or None, got {type(g).__name__} "
                    f"for input {i}"
                )
            if g.shape != ref.shape:
                raise ShapeError(
                    f"{self.name()}: function backward returned an invalid gradient at index {i} "
                    f"- got {list(g.shape)} but expected shape compatible with {list(ref.shape)}"
                )
            if g._value.dtype != ref._value.dtype:  # torch casts a gradient to its input's dtype
                with _grad_mode.set_grad_enabled(create_graph):
                    g = g.to(ref.dtype)
            result.append(g if create_graph else g._value)
        return tuple(result)


def _identity(x: Any) -> Any:
    return x


class Function:
    """Base class for custom differentiable operations, as ``torch.autograd.Function``.

    Subclass it with static methods ``forward(ctx, *args)`` (or ``forward(*args)`` plus
    ``setup_context(ctx, inputs, output)``) and ``backward(ctx, *grad_outputs)`` returning one
    gradient (or None) per input of ``forward``, then call ``MyFunction.apply(*args)``.
    ``forward`` runs without recording; ``backward`` runs with recording only when a
    higher-order gradient is asked for (``create_graph=True``), so a backward written in
    compat ops is differentiable again.

    Example:
        >>> import compat
        >>> class Exp(compat.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         y = x.exp()
        ...         ctx.save_for_backward(y)
        ...         return y
        ...     @staticmethod
        ...     def backward(ctx, g):
        ...         (y,) = ctx.saved_tensors
        ...         return g * y
        >>> x = compat.tensor([0.0], requires_grad=True)
        >>> Exp.apply(x).backward()
        >>> x.grad.tolist()
        [1.0]
    """

    @staticmethod
    def forward(*args: Any, **kwargs: Any) -> Any:
        """Compute the outputs (override in a subclass)."""
        raise AutogradError("Function.forward: subclasses must implement forward as a staticmethod")

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs: Any) -> Any:
        """Compute the input gradients (override in a subclass)."""
        raise AutogradError(
            "Function.backward: subclasses must implement backward as a staticmethod"
        )

    @staticmethod
    def setup_context(ctx: FunctionCtx, inputs: tuple[Any, ...], output: Any) -> Any:
        """Save what backward needs, when ``forward`` does not take ``ctx``."""
        return None

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run the function and, if an input requires grad, record it in the graph.

        Args:
            *args: The inputs of ``forward``.
            **kwargs: Keyword inputs of ``forward`` (not differentiated).

        Returns:
            ``forward``'s output, a tensor or a tuple of tensors.

        Raises:
            ArgumentTypeError: If ``forward`` returns something other than tensors.
        """
        ctx = FunctionCtx()
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        separate = cls.setup_context is not Function.setup_context
        with _grad_mode.no_grad():
            out = cls.forward(*args, **kwargs) if separate else cls.forward(ctx, *args, **kwargs)
            if separate:
                cls.setup_context(ctx, args, out)
        single = not isinstance(out, tuple)
        outs = (out,) if single else out
        for o in outs:
            if not isinstance(o, Tensor):
                raise ArgumentTypeError(
                    f"{cls.__name__}.forward: must return a Tensor or a tuple of Tensors, got "
                    f"{type(o).__name__}"
                )
        diff = tuple(i for i, need in enumerate(ctx.needs_input_grad) if need)
        if not diff or not _grad_mode.is_grad_enabled():
            return out
        node = _FunctionNode.__new__(_FunctionNode)
        _engine.Node.__init__(node, _identity, {}, ("function", cls), args, diff, [])
        node.storages = (None,) * len(args)
        node.ctx = ctx
        node.cls = cls
        node.n_inputs = len(args)
        node._name = f"{cls.__name__}Backward"
        wrapped = []
        for o in outs:
            if id(o) in ctx._non_differentiable or not jnp.issubdtype(o._value.dtype, jnp.inexact):
                wrapped.append(Tensor._wrap(o._value))
                continue
            node.out_avals.append((o.shape, o._value.dtype))
            wrapped.append(Tensor._wrap(o._value, grad_fn=node, output_nr=len(node.out_avals) - 1))
        return wrapped[0] if single else tuple(wrapped)
