"""``torch.nn.modules.transformer`` for compat: the Transformer encoder/decoder family.

The modules are built exactly as torch builds them, from :class:`MultiheadAttention`,
:class:`~compat.nn.Linear`, :class:`~compat.nn.LayerNorm` and :class:`~compat.nn.Dropout`,
so parameter names, registration order and ``state_dict()`` keys equal torch's
(``layers.0.self_attn.in_proj_weight``, ``layers.0.linear1.weight``, ``norm.weight``...).
:class:`TransformerEncoder` and :class:`TransformerDecoder` deep-copy their layer, so every
layer starts with the same weights, as in torch. Torch's inference fast paths
(``_transformer_encoder_layer_fwd``, nested tensors) compute the same values as the reference
path reproduced here; ``enable_nested_tensor`` and ``mask_check`` are accepted and stored.

:class:`TransformerEncoderLayer` runs as ONE engine op when it is safe: the layer and its
submodules are the standard classes (``MultiheadAttention`` with packed weights and no
``bias_k``/``add_zero_attn``, ``Linear``, ``LayerNorm``, ``Dropout``; activation
``F.relu``/``F.gelu``, which the names ``"relu"``/``"gelu"`` give), no forward or backward hooks
are registered on the submodules (nor global module hooks), the input and parameters are
concrete tensors of one floating dtype (not JAX tracers: ``compat.func``, ``compat.compile``
and export trace the per-module path) and no autocast region is active. The op is
:func:`rustorch_fx.nn.transformer_encoder_layer`, differentiated by a rule that keeps JAX's
forward residuals (the engine would otherwise recompute the whole layer in the backward).
Otherwise the layer calls its submodules one by one, as torch's reference path; both paths
give the same values and gradients (to rounding), double backward included.

Dropout in the fused path draws from compat's generator exactly the keys the submodules would
draw, in their order (attention weights, ``dropout1``, ``dropout``, ``dropout2``; none in eval
mode or for ``p == 0``), so seeding and ``get_rng_state`` behave identically. The masks are
drawn from those keys with XLA's RngBitGenerator (``dropout_impl="rbg"``; several times
faster on CPU than ``jax.random``'s threefry, the dominant cost of a train-mode step
otherwise): the same Bernoulli(1 - p) distribution, not the same masks as the per-module
path. With ``_FUSED_DROPOUT_IMPL = "threefry"`` the masks are bit-identical to it (tested).

Also here, beyond torch: :class:`SinusoidalPositionalEncoding`,
:class:`LearnedPositionalEncoding` and :class:`RotaryEmbedding`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, ClassVar

import jax
import jax.numpy as jnp
import numpy as np

import compat
import rustorch_fx.nn as _nn
from compat import _grad_mode
from compat._engine import _raw_value, apply
from compat._random import _default_generator
from compat._tensor import Tensor
from compat.nn import functional as F
from compat.nn import init
from compat.nn.modules.attention import MultiheadAttention
from compat.nn.modules.container import ModuleList
from compat.nn.modules.dropout import Dropout
from compat.nn.modules.linear import Linear
from compat.nn.modules.module import Module, _global_forward_hooks, _global_forward_pre_hooks
from compat.nn.modules.normalization import LayerNorm
from compat.nn.parameter import Parameter
from rustorch_fx._checks import is_int
from rustorch_fx.errors import InvalidArgumentError, ShapeError

__all__ = [
    "LearnedPositionalEncoding",
    "RotaryEmbedding",
    "SinusoidalPositionalEncoding",
    "Transformer",
    "TransformerDecoder",
    "TransformerDecoderLayer",
    "TransformerEncoder",
    "TransformerEncoderLayer",
]

Activation = str | Callable[[Tensor], Tensor]


def _square_subsequent_mask(sz: int, device: Any = None, dtype: Any = None) -> Tensor:
    if not is_int(sz) or sz < 0:
        raise InvalidArgumentError(
            f"generate_square_subsequent_mask: sz must be a non-negative int, got {sz!r}"
        )
    return compat.triu(compat.full((sz, sz), float("-inf"), dtype=dtype, device=device), diagonal=1)


def _activation(cls: str, activation: Activation) -> Callable[[Tensor], Tensor]:
    """``"relu"`` and ``"gelu"`` (exact) by name, or any callable."""
    if isinstance(activation, str):
        if activation == "relu":
            return F.relu
        if activation == "gelu":
            return F.gelu
        raise InvalidArgumentError(f"{cls}: activation should be relu/gelu, not {activation}")
    if not callable(activation):
        raise InvalidArgumentError(
            f"{cls}: activation must be 'relu', 'gelu' or a callable, got {activation!r}"
        )
    return activation


def _check_sizes(cls: str, d_model: Any, nhead: Any, dim_feedforward: Any, dropout: Any) -> None:
    for name, value in (
        ("d_model", d_model),
        ("nhead", nhead),
        ("dim_feedforward", dim_feedforward),
    ):
        if not is_int(value) or value <= 0:
            raise InvalidArgumentError(f"{cls}: {name} must be a positive int, got {value!r}")
    if d_model % nhead:
        raise InvalidArgumentError(
            f"{cls}: d_model ({d_model}) must be divisible by nhead ({nhead})"
        )
    if not 0.0 <= dropout <= 1.0:
        raise InvalidArgumentError(
            f"{cls}: dropout probability has to be between 0 and 1, but got {dropout}"
        )


def _seq_len(src: Tensor, batch_first: bool) -> int:
    if src.dim() == 2:
        return src.shape[0]
    return src.shape[1 if batch_first else 0]


def _detect_is_causal(mask: Tensor | None, is_causal: bool | None, size: int) -> bool:
    """Torch's ``_detect_is_causal_mask``: is_causal, or (when None) whether mask is causal."""
    if is_causal is not None or mask is None:
        return is_causal is True
    if mask.shape != (size, size):
        return False
    if mask.dtype == compat.bool:
        causal = compat.triu(compat.ones((size, size), dtype=compat.bool), diagonal=1)
    else:
        causal = _square_subsequent_mask(size, dtype=mask.dtype)
    return bool((mask == causal).all())


# --------------------------------------------------------------------------------------------
# The fused path: a whole encoder layer as one engine op.
# --------------------------------------------------------------------------------------------


def _keeping_residuals(f: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    """``f(*args)``, differentiated by a rule that keeps the forward's residuals.

    The engine recomputes an op's forward in its backward unless the op contains an expensive
    primitive (a ``custom_vjp`` counts): for a whole layer, recomputing costs a second forward,
    while keeping JAX's residuals (what torch calls the saved tensors) costs their memory only.
    The rule is ``jax.vjp`` of ``f`` itself, so values and gradients are ``f``'s. Forward-mode
    differentiation of a ``custom_vjp`` is not possible, hence the caller's guard against
    tracers (``compat.func``, ``compat.compile`` and export take the unfused path).
    """
    diff = tuple(
        i for i, a in enumerate(args) if a is not None and jnp.issubdtype(a.dtype, jnp.inexact)
    )

    @jax.custom_vjp
    def run(*xs: Any) -> Any:
        return f(*xs)

    def fwd(*xs: Any) -> Any:
        full = list(xs)

        def inner(*diff_args: Any) -> Any:
            for i, a in zip(diff, diff_args, strict=True):
                full[i] = a
            return f(*full)

        return jax.vjp(inner, *(xs[i] for i in diff))

    def bwd(pullback: Any, cotangent: Any) -> tuple[Any, ...]:
        grads = dict(zip(diff, pullback(cotangent), strict=True))
        return tuple(grads.get(i) for i in range(len(args)))

    run.defvjp(fwd, bwd)
    return run(*args)


def _layer_fn(static: dict[str, Any]) -> Callable[..., Any]:
    def layer(x: Any, *rest: Any) -> Any:
        return _nn.transformer_encoder_layer(
            x, *rest[:12], rest[12], rest[13], dropout_key=list(rest[14:18]), **static
        )

    return layer


def _encoder_layer_op(src: Any, *arrays: Any, **static: Any) -> Any:
    """The engine op of :class:`TransformerEncoderLayer`'s fused path (eager engine).

    ``arrays``: the 12 parameters in :func:`rustorch_fx.nn.transformer_encoder_layer`'s order,
    ``src_mask``, ``src_key_padding_mask`` and the four dropout keys. The backward applies the
    forward's residuals.
    """
    return _keeping_residuals(_layer_fn(static), (src, *arrays))


# How the fused path draws its dropout masks from the keys (see the module docstring):
# "rbg" is XLA's RngBitGenerator, "threefry" the per-module path's jax.random masks.
_FUSED_DROPOUT_IMPL = "rbg"


_STANDARD_SUBMODULES = (
    ("self_attn", MultiheadAttention),
    ("linear1", Linear),
    ("dropout", Dropout),
    ("linear2", Linear),
    ("norm1", LayerNorm),
    ("norm2", LayerNorm),
    ("dropout1", Dropout),
    ("dropout2", Dropout),
)


def _has_hooks(module: Module) -> bool:
    return bool(
        module._forward_pre_hooks
        or module._forward_hooks
        or module._backward_hooks
        or module._backward_pre_hooks
    )


def _traced(tensors: tuple[Any, ...]) -> bool:
    return any(
        isinstance(t, Tensor) and isinstance(_raw_value(t), jax.core.Tracer) for t in tensors
    )


def _dropout_p(module: Module, p: float) -> float:
    """The probability a submodule applies now: 0 in eval mode."""
    return float(p) if module.training else 0.0


class TransformerEncoderLayer(Module):
    """Self-attention and a feed-forward block, each with a residual connection and LayerNorm.

    ``norm_first=False`` (post-norm): ``x = norm1(x + sa(x)); x = norm2(x + ff(x))``;
    ``norm_first=True`` (pre-norm): ``x = x + sa(norm1(x)); x = x + ff(norm2(x))``, where
    ``ff(x) = dropout2(linear2(dropout(activation(linear1(x)))))``.

    Args:
        d_model: Model dimension.
        nhead: Number of attention heads.
        dim_feedforward: Hidden size of the feed-forward block.
        dropout: Dropout probability.
        activation: ``"relu"``, ``"gelu"`` (the exact GELU) or a callable (function or module).
        layer_norm_eps: LayerNorm epsilon.
        batch_first: Inputs are ``(N, S, E)`` instead of ``(S, N, E)``.
        norm_first: Pre-norm instead of post-norm.
        bias: Learn biases in the Linear and LayerNorm layers.
        device: Device of the parameters.
        dtype: Dtype of the parameters.

    Shape:
        - src: ``(S, E)``, ``(S, N, E)`` or ``(N, S, E)`` with ``batch_first``; output likewise.

    Raises:
        InvalidArgumentError: For non-positive sizes, ``nhead`` not dividing ``d_model``, a
            bad dropout or an unknown activation name.

    Example:
        >>> layer = TransformerEncoderLayer(d_model=16, nhead=4, dim_feedforward=32)
        >>> layer(compat.randn(10, 2, 16)).shape
        (10, 2, 16)
    """

    __constants__: ClassVar[list[str]] = ["norm_first"]

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: Activation = F.relu,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        _check_sizes("TransformerEncoderLayer", d_model, nhead, dim_feedforward, dropout)
        activation = _activation("TransformerEncoderLayer", activation)
        factory = {"device": device, "dtype": dtype}
        super().__init__()
        self.self_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, **factory
        )
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **factory)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **factory)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation_relu_or_gelu = (
            1 if activation is F.relu else 2 if activation is F.gelu else 0
        )
        self.activation = activation

    def forward(
        self,
        src: Tensor,
        src_mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        is_causal: bool = False,
    ) -> Tensor:
        """Run the layer.

        Args:
            src: The input sequence.
            src_mask: ``(S, S)`` or ``(N * nhead, S, S)``; bool True = blocked, or float.
            src_key_padding_mask: ``(N, S)`` (``(S,)`` unbatched); bool True = padding.
            is_causal: Hint that ``src_mask`` is the causal mask.

        Returns:
            A tensor shaped like ``src``.
        """
        fused = self._fused(src, src_mask, src_key_padding_mask, is_causal)
        if fused is not None:
            return fused
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _fusable(self) -> bool:
        """Whether one op computes exactly what calling the submodules one by one computes."""
        cls = type(self)
        if (
            cls.forward is not TransformerEncoderLayer.forward
            or cls._sa_block is not TransformerEncoderLayer._sa_block
            or cls._ff_block is not TransformerEncoderLayer._ff_block
            or self.activation not in (F.relu, F.gelu)
            or _global_forward_hooks
            or _global_forward_pre_hooks
        ):
            return False
        for name, kind in _STANDARD_SUBMODULES:
            module = self._modules.get(name)
            if type(module) is not kind or _has_hooks(module):
                return False
        attn = self.self_attn
        n1, n2 = self.norm1, self.norm2
        return (
            attn._qkv_same_embed_dim
            and attn.bias_k is None
            and not attn.add_zero_attn
            and n1.normalized_shape == n2.normalized_shape == (attn.embed_dim,)
            and n1.eps == n2.eps
            and (n1.weight is None) == (n2.weight is None)
        )

    def _fused(
        self,
        src: Any,
        src_mask: Any,
        src_key_padding_mask: Any,
        is_causal: bool,
    ) -> Tensor | None:
        """The layer as one op (:func:`rustorch_fx.nn.transformer_encoder_layer`), or None.

        None (run the submodules) unless the layer and its submodules are the standard
        classes without hooks, the input and parameters are concrete floating tensors of one
        dtype (not JAX tracers), and no autocast region is active. The dropout keys are drawn
        from compat's generator in the order the submodules draw them, so both paths draw the
        same masks.
        """
        if (
            not isinstance(src, Tensor)
            or _grad_mode._state.autocast is not None
            or not self._fusable()
        ):
            return None
        attn = self.self_attn
        params = (
            attn.in_proj_weight, attn.in_proj_bias, attn.out_proj.weight, attn.out_proj.bias,
            self.linear1.weight, self.linear1.bias, self.linear2.weight, self.linear2.bias,
            self.norm1.weight, self.norm1.bias, self.norm2.weight, self.norm2.bias,
        )  # fmt: skip
        dtype = src.dtype
        if not src.is_floating_point() or any(p is not None and p.dtype != dtype for p in params):
            return None
        masks = (src_mask, src_key_padding_mask)
        if _traced((src, *params, *masks)):
            return None
        probs = (
            _dropout_p(attn, attn.dropout),
            _dropout_p(self.dropout, self.dropout.p),
            _dropout_p(self.dropout1, self.dropout1.p),
            _dropout_p(self.dropout2, self.dropout2.p),
        )
        # The submodules' order of drawing: attention, dropout1, then dropout, dropout2.
        draw = _default_generator()._next_key
        k_attn = draw() if probs[0] > 0 else None
        k1 = draw() if probs[2] > 0 else None
        k_ff = draw() if probs[1] > 0 else None
        k2 = draw() if probs[3] > 0 else None
        return apply(
            _encoder_layer_op, src, *params, src_mask, src_key_padding_mask,
            k_attn, k_ff, k1, k2, num_heads=attn.num_heads,
            activation="relu" if self.activation is F.relu else "gelu",
            layer_norm_eps=float(self.norm1.eps), norm_first=bool(self.norm_first),
            batch_first=bool(attn.batch_first), is_causal=bool(is_causal), dropout=probs,
            dropout_impl=_FUSED_DROPOUT_IMPL,
        )  # fmt: skip

    def _sa_block(
        self, x: Tensor, attn_mask: Tensor | None, key_padding_mask: Tensor | None, is_causal: bool
    ) -> Tensor:
        x = self.self_attn(
            x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
            need_weights=False, is_causal=is_causal,
        )[0]  # fmt: skip
        return self.dropout1(x)

    def _ff_block(self, x: Tensor) -> Tensor:
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout2(x)


class TransformerDecoderLayer(Module):
    """Self-attention, cross-attention over ``memory`` and a feed-forward block.

    Post-norm by default (``x = norm1(x + sa(x)); x = norm2(x + mha(x, memory));
    x = norm3(x + ff(x))``), pre-norm with ``norm_first=True``.

    Args:
        d_model: Model dimension.
        nhead: Number of attention heads.
        dim_feedforward: Hidden size of the feed-forward block.
        dropout: Dropout probability.
        activation: ``"relu"``, ``"gelu"`` (the exact GELU) or a callable.
        layer_norm_eps: LayerNorm epsilon.
        batch_first: Inputs are ``(N, T, E)`` instead of ``(T, N, E)``.
        norm_first: Pre-norm instead of post-norm.
        bias: Learn biases in the Linear and LayerNorm layers.
        device: Device of the parameters.
        dtype: Dtype of the parameters.

    Shape:
        - tgt: ``(T, E)``, ``(T, N, E)`` or ``(N, T, E)``; memory: ``(S, E)``, ``(S, N, E)`` or
          ``(N, S, E)``; output like ``tgt``.

    Raises:
        InvalidArgumentError: For non-positive sizes, ``nhead`` not dividing ``d_model``, a
            bad dropout or an unknown activation name.

    Example:
        >>> layer = TransformerDecoderLayer(d_model=16, nhead=4, dim_feedforward=32)
        >>> layer(compat.randn(7, 2, 16), compat.randn(10, 2, 16)).shape
        (7, 2, 16)
    """

    __constants__: ClassVar[list[str]] = ["norm_first"]

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: Activation = F.relu,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        _check_sizes("TransformerDecoderLayer", d_model, nhead, dim_feedforward, dropout)
        activation = _activation("TransformerDecoderLayer", activation)
        factory = {"device": device, "dtype": dtype}
        super().__init__()
        self.self_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, batch_first=batch_first, bias=bias, **factory
        )
        self.multihead_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, batch_first=batch_first, bias=bias, **factory
        )
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **factory)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **factory)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = activation

    def forward(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> Tensor:
        """Run the layer.

        Args:
            tgt: The target sequence.
            memory: The encoder output.
            tgt_mask: ``(T, T)`` or ``(N * nhead, T, T)``; bool True = blocked, or float.
            memory_mask: ``(T, S)`` or ``(N * nhead, T, S)``.
            tgt_key_padding_mask: ``(N, T)``; bool True = padding.
            memory_key_padding_mask: ``(N, S)``.
            tgt_is_causal: Hint that ``tgt_mask`` is the causal mask.
            memory_is_causal: Hint that ``memory_mask`` is the causal mask.

        Returns:
            A tensor shaped like ``tgt``.
        """
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(
                self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal
            )
            x = x + self._ff_block(self.norm3(x))
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
            x = self.norm2(
                x
                + self._mha_block(x, memory, memory_mask, memory_key_padding_mask, memory_is_causal)
            )
            x = self.norm3(x + self._ff_block(x))
        return x

    def _sa_block(
        self, x: Tensor, attn_mask: Tensor | None, key_padding_mask: Tensor | None, is_causal: bool
    ) -> Tensor:
        x = self.self_attn(
            x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
            is_causal=is_causal, need_weights=False,
        )[0]  # fmt: skip
        return self.dropout1(x)

    def _mha_block(
        self,
        x: Tensor,
        mem: Tensor,
        attn_mask: Tensor | None,
        key_padding_mask: Tensor | None,
        is_causal: bool,
    ) -> Tensor:
        x = self.multihead_attn(
            x, mem, mem, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
            is_causal=is_causal, need_weights=False,
        )[0]  # fmt: skip
        return self.dropout2(x)

    def _ff_block(self, x: Tensor) -> Tensor:
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout3(x)


def _clones(cls: str, module: Module, n: Any) -> ModuleList:
    if not is_int(n) or n < 0:
        raise InvalidArgumentError(f"{cls}: num_layers must be a non-negative int, got {n!r}")
    return ModuleList([copy.deepcopy(module) for _ in range(n)])


class TransformerEncoder(Module):
    """A stack of ``num_layers`` deep copies of ``encoder_layer``, then an optional norm.

    Args:
        encoder_layer: The layer to copy (all copies start with its weights).
        num_layers: Number of layers.
        norm: Optional module applied to the output (e.g. a LayerNorm).
        enable_nested_tensor: Accepted for torch's signature (no nested tensors here).
        mask_check: Accepted for torch's signature.

    Shape:
        - src: ``(S, E)``, ``(S, N, E)`` or ``(N, S, E)``; output likewise.

    Raises:
        InvalidArgumentError: If ``num_layers`` is not a non-negative int.

    Example:
        >>> layer = TransformerEncoderLayer(d_model=16, nhead=4, dim_feedforward=32)
        >>> encoder = TransformerEncoder(layer, num_layers=2)
        >>> encoder(compat.randn(10, 2, 16)).shape
        (10, 2, 16)
    """

    __constants__: ClassVar[list[str]] = ["norm"]

    def __init__(
        self,
        encoder_layer: TransformerEncoderLayer,
        num_layers: int,
        norm: Module | None = None,
        enable_nested_tensor: bool = True,
        mask_check: bool = True,
    ) -> None:
        super().__init__()
        self.layers = _clones("TransformerEncoder", encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.use_nested_tensor = False
        self.mask_check = mask_check

    def forward(
        self,
        src: Tensor,
        mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        is_causal: bool | None = None,
    ) -> Tensor:
        """Run every layer, then the norm.

        Args:
            src: The input sequence.
            mask: ``(S, S)`` or ``(N * nhead, S, S)``; bool True = blocked, or float.
            src_key_padding_mask: ``(N, S)``; bool True = padding.
            is_causal: Whether ``mask`` is causal; None detects it (as torch).

        Returns:
            A tensor shaped like ``src``.
        """
        output = src
        if len(self.layers):
            batch_first = self.layers[0].self_attn.batch_first
            is_causal = _detect_is_causal(mask, is_causal, _seq_len(src, batch_first))
        for mod in self.layers:
            output = mod(
                output, src_mask=mask, is_causal=bool(is_causal),
                src_key_padding_mask=src_key_padding_mask,
            )  # fmt: skip
        if self.norm is not None:
            output = self.norm(output)
        return output


class TransformerDecoder(Module):
    """A stack of ``num_layers`` deep copies of ``decoder_layer``, then an optional norm.

    Args:
        decoder_layer: The layer to copy.
        num_layers: Number of layers.
        norm: Optional module applied to the output.

    Shape:
        - tgt: ``(T, E)``, ``(T, N, E)`` or ``(N, T, E)``; memory likewise with ``S``; output
          like ``tgt``.

    Raises:
        InvalidArgumentError: If ``num_layers`` is not a non-negative int.

    Example:
        >>> layer = TransformerDecoderLayer(d_model=16, nhead=4, dim_feedforward=32)
        >>> decoder = TransformerDecoder(layer, num_layers=2)
        >>> decoder(compat.randn(7, 2, 16), compat.randn(10, 2, 16)).shape
        (7, 2, 16)
    """

    __constants__: ClassVar[list[str]] = ["norm"]

    def __init__(
        self, decoder_layer: TransformerDecoderLayer, num_layers: int, norm: Module | None = None
    ) -> None:
        super().__init__()
        self.layers = _clones("TransformerDecoder", decoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        """Run every layer over ``tgt`` attending to ``memory``, then the norm.

        Args:
            tgt: The target sequence.
            memory: The encoder output.
            tgt_mask: ``(T, T)`` or ``(N * nhead, T, T)``.
            memory_mask: ``(T, S)`` or ``(N * nhead, T, S)``.
            tgt_key_padding_mask: ``(N, T)``.
            memory_key_padding_mask: ``(N, S)``.
            tgt_is_causal: Whether ``tgt_mask`` is causal; None detects it.
            memory_is_causal: Hint that ``memory_mask`` is causal.

        Returns:
            A tensor shaped like ``tgt``.
        """
        output = tgt
        if len(self.layers):
            batch_first = self.layers[0].self_attn.batch_first
            tgt_is_causal = _detect_is_causal(tgt_mask, tgt_is_causal, _seq_len(tgt, batch_first))
        for mod in self.layers:
            output = mod(
                output, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                tgt_key_padding_mask=tgt_key_padding_mask,
                memory_key_padding_mask=memory_key_padding_mask,
                tgt_is_causal=bool(tgt_is_causal), memory_is_causal=memory_is_causal,
            )  # fmt: skip
        if self.norm is not None:
            output = self.norm(output)
        return output


class Transformer(Module):
    """The encoder-decoder Transformer of "Attention Is All You Need" (torch's layout).

    Args:
        d_model: Model dimension.
        nhead: Number of attention heads.
        num_encoder_layers: Encoder depth.
        num_decoder_layers: Decoder depth.
        dim_feedforward: Hidden size of the feed-forward blocks.
        dropout: Dropout probability.
        activation: ``"relu"``, ``"gelu"`` or a callable.
        custom_encoder: Use this module as the encoder.
        custom_decoder: Use this module as the decoder.
        layer_norm_eps: LayerNorm epsilon.
        batch_first: Inputs are ``(N, S, E)``.
        norm_first: Pre-norm layers.
        bias: Learn biases in the Linear and LayerNorm layers.
        device: Device of the parameters.
        dtype: Dtype of the parameters.

    Shape:
        - src: ``(S, E)``, ``(S, N, E)`` or ``(N, S, E)``; tgt: ``(T, E)``, ``(T, N, E)`` or
          ``(N, T, E)``; output like ``tgt``.

    Raises:
        InvalidArgumentError: For bad hyperparameters (see the layers).

    Example:
        >>> model = Transformer(d_model=16, nhead=4, num_encoder_layers=1,
        ...                     num_decoder_layers=1, dim_feedforward=32)
        >>> model(compat.randn(10, 2, 16), compat.randn(7, 2, 16)).shape
        (7, 2, 16)
    """

    def __init__(
        self,
        d_model: int = 512,
        nhead: int = 8,
        num_encoder_layers: int = 6,
        num_decoder_layers: int = 6,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: Activation = F.relu,
        custom_encoder: Any = None,
        custom_decoder: Any = None,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        factory = {"device": device, "dtype": dtype}
        super().__init__()
        args = (d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            layer = TransformerEncoderLayer(*args, batch_first, norm_first, bias, **factory)
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
            self.encoder = TransformerEncoder(layer, num_encoder_layers, norm)
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            layer = TransformerDecoderLayer(*args, batch_first, norm_first, bias, **factory)
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
            self.decoder = TransformerDecoder(layer, num_decoder_layers, norm)
        self._reset_parameters()
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first

    def forward(
        self,
        src: Tensor,
        tgt: Tensor,
        src_mask: Tensor | None = None,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        src_is_causal: bool | None = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        """Encode ``src``, then decode ``tgt`` against the encoding.

        Args:
            src: The source sequence.
            tgt: The target sequence.
            src_mask: Encoder self-attention mask ``(S, S)``.
            tgt_mask: Decoder self-attention mask ``(T, T)``.
            memory_mask: Decoder cross-attention mask ``(T, S)``.
            src_key_padding_mask: ``(N, S)``.
            tgt_key_padding_mask: ``(N, T)``.
            memory_key_padding_mask: ``(N, S)``.
            src_is_causal: Whether ``src_mask`` is causal (None: detect).
            tgt_is_causal: Whether ``tgt_mask`` is causal (None: detect).
            memory_is_causal: Hint that ``memory_mask`` is causal.

        Returns:
            A tensor shaped like ``tgt``.

        Raises:
            ShapeError: If the batch sizes of ``src`` and ``tgt`` differ, or their feature
                size is not ``d_model``.
        """
        is_batched = src.dim() == 3
        axis = 0 if self.batch_first else 1
        if is_batched and src.shape[axis] != tgt.shape[axis]:
            raise ShapeError(
                f"Transformer: the batch number of src and tgt must be equal, got src shape "
                f"{src.shape} and tgt shape {tgt.shape}"
            )
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise ShapeError(
                f"Transformer: the feature number of src and tgt must be equal to d_model "
                f"({self.d_model}), got src shape {src.shape} and tgt shape {tgt.shape}"
            )
        memory = self.encoder(
            src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal
        )
        return self.decoder(
            tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
            tgt_key_padding_mask=tgt_key_padding_mask,
            memory_key_padding_mask=memory_key_padding_mask, tgt_is_causal=tgt_is_causal,
            memory_is_causal=memory_is_causal,
        )  # fmt: skip

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device: Any = None, dtype: Any = None) -> Tensor:
        """The ``(sz, sz)`` float causal mask: ``-inf`` above the diagonal, 0 elsewhere.

        Args:
            sz: Sequence length.
            device: Device of the mask.
            dtype: Dtype of the mask (default float32).

        Returns:
            ``(sz, sz)`` tensor.

        Raises:
            InvalidArgumentError: If ``sz`` is not a non-negative int.

        Example:
            >>> Transformer.generate_square_subsequent_mask(3)
            tensor([[  0., -inf, -inf],
                    [  0.,   0., -inf],
                    [  0.,   0.,   0.]])
        """
        return _square_subsequent_mask(sz, device=device, dtype=dtype)

    def _reset_parameters(self) -> None:
        """Xavier-uniform every parameter with more than one dim, as torch."""
        for p in self.parameters():
            if p.dim() > 1:
                init.xavier_uniform_(p)


# --------------------------------------------------------------------------------------------
# Positional encodings (not in torch.nn; the usual companions of the modules above).
# --------------------------------------------------------------------------------------------


def _seq_axis(x: Tensor, batch_first: bool) -> int:
    return 1 if batch_first and x.dim() == 3 else 0


def _add_positions(cls: str, x: Tensor, table: Tensor, batch_first: bool) -> Tensor:
    """``x + table[:L]``, broadcast over the batch dim of an (L, N, E), (N, L, E) or (L, E) x."""
    if x.dim() not in (2, 3) or x.shape[-1] != table.shape[-1]:
        raise ShapeError(
            f"{cls}: expected input of shape (L, E), (L, N, E) or (N, L, E) with "
            f"E={table.shape[-1]}, got shape {tuple(x.shape)}"
        )
    length = x.shape[_seq_axis(x, batch_first)]
    if length > table.shape[0]:
        raise ShapeError(
            f"{cls}: sequence length {length} exceeds max_len {table.shape[0]} "
            f"(input shape {tuple(x.shape)})"
        )
    pe = table[:length]
    if x.dim() == 3 and not batch_first:
        pe = pe.unsqueeze(1)
    return x + pe


class SinusoidalPositionalEncoding(Module):
    """Add the fixed sinusoidal encoding of "Attention Is All You Need", then dropout.

    The table (:func:`rustorch_fx.nn.sinusoidal_positional_encoding`) is a non-persistent
    buffer ``pe`` of shape ``(max_len, d_model)``, so it stays out of ``state_dict()``.

    Args:
        d_model: Embedding size.
        max_len: Longest sequence.
        dropout: Dropout probability applied after the addition (training mode).
        batch_first: Inputs are ``(N, L, E)`` instead of ``(L, N, E)``.
        base: The wavelength base.
        device: Device of the table.
        dtype: Dtype of the table (default float32).

    Shape:
        - input: ``(L, E)``, ``(L, N, E)`` or ``(N, L, E)`` with ``batch_first``; output likewise.

    Raises:
        InvalidArgumentError: For non-positive sizes or a bad dropout.
        ShapeError: In ``forward``, for a wrong feature size or ``L > max_len``.

    Example:
        >>> pe = SinusoidalPositionalEncoding(16, max_len=100)
        >>> pe(compat.zeros(10, 2, 16)).shape
        (10, 2, 16)
    """

    def __init__(
        self,
        d_model: int,
        max_len: int = 5000,
        dropout: float = 0.0,
        batch_first: bool = False,
        base: float = 10000.0,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        for name, value in (("d_model", d_model), ("max_len", max_len)):
            if not is_int(value) or value <= 0:
                raise InvalidArgumentError(
                    f"SinusoidalPositionalEncoding: {name} must be a positive int, got {value!r}"
                )
        self.d_model, self.max_len, self.batch_first, self.base = (
            d_model,
            max_len,
            batch_first,
            base,
        )
        self.dropout = Dropout(dropout)
        table = _nn.sinusoidal_positional_encoding(max_len, d_model, base=base)
        pe = compat.tensor(np.asarray(table), device=device)
        self.register_buffer("pe", pe if dtype is None else pe.to(dtype), persistent=False)

    def forward(self, x: Tensor) -> Tensor:
        """Return ``dropout(x + pe[:L])``.

        Args:
            x: The input sequence.

        Returns:
            A tensor shaped like ``x``.
        """
        return self.dropout(_add_positions(type(self).__name__, x, self.pe, self.batch_first))

    def extra_repr(self) -> str:
        """``d_model=..., max_len=...``."""
        return f"d_model={self.d_model}, max_len={self.max_len}, batch_first={self.batch_first}"


class LearnedPositionalEncoding(Module):
    """Add a learned embedding per position (GPT-2's ``wpe``), then dropout.

    Args:
        max_len: Number of positions.
        d_model: Embedding size.
        dropout: Dropout probability applied after the addition (training mode).
        batch_first: Inputs are ``(N, L, E)`` instead of ``(L, N, E)``.
        device: Device of the parameter.
        dtype: Dtype of the parameter.

    Attributes:
        weight: ``(max_len, d_model)``, initialised from ``N(0, 0.02**2)``.

    Shape:
        - input: ``(L, E)``, ``(L, N, E)`` or ``(N, L, E)`` with ``batch_first``; output likewise.

    Raises:
        InvalidArgumentError: For non-positive sizes or a bad dropout.
        ShapeError: In ``forward``, for a wrong feature size or ``L > max_len``.

    Example:
        >>> pos = LearnedPositionalEncoding(100, 16, batch_first=True)
        >>> pos(compat.zeros(2, 10, 16)).shape
        (2, 10, 16)
    """

    def __init__(
        self,
        max_len: int,
        d_model: int,
        dropout: float = 0.0,
        batch_first: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        for name, value in (("max_len", max_len), ("d_model", d_model)):
            if not is_int(value) or value <= 0:
                raise InvalidArgumentError(
                    f"LearnedPositionalEncoding: {name} must be a positive int, got {value!r}"
                )
        self.max_len, self.d_model, self.batch_first = max_len, d_model, batch_first
        self.weight = Parameter(compat.empty((max_len, d_model), device=device, dtype=dtype))
        self.dropout = Dropout(dropout)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw ``weight`` from ``N(0, 0.02**2)``."""
        init.normal_(self.weight, std=0.02)

    def forward(self, x: Tensor) -> Tensor:
        """Return ``dropout(x + weight[:L])``.

        Args:
            x: The input sequence.

        Returns:
            A tensor shaped like ``x``.
        """
        return self.dropout(_add_positions(type(self).__name__, x, self.weight, self.batch_first))

    def extra_repr(self) -> str:
        """``max_len, d_model``."""
        return f"{self.max_len}, {self.d_model}, batch_first={self.batch_first}"


def _rope(x: Any, positions: Any, *, base: float, interleaved: bool) -> Any:
    return _nn.rotary_embedding(x, positions, base=base, interleaved=interleaved)


class RotaryEmbedding(Module):
    """Rotary position embedding (:func:`rustorch_fx.nn.rotary_embedding`) as one op.

    Apply it to the queries and keys of each head, e.g. before
    :func:`~compat.nn.functional.scaled_dot_product_attention`.

    Args:
        dim: Head dimension (even).
        base: The wavelength base.
        interleaved: Rotate adjacent feature pairs (RoFormer) instead of the two halves.

    Shape:
        - x: ``(..., T, dim)``; positions: broadcastable to ``(..., T)``; output like ``x``.

    Raises:
        InvalidArgumentError: If ``dim`` is not a positive even int.

    Example:
        >>> rope = RotaryEmbedding(8)
        >>> rope(compat.randn(2, 4, 10, 8)).shape
        (2, 4, 10, 8)
    """

    def __init__(self, dim: int, base: float = 10000.0, interleaved: bool = False) -> None:
        super().__init__()
        if not is_int(dim) or dim <= 0 or dim % 2:
            raise InvalidArgumentError(
                f"RotaryEmbedding: dim must be a positive even int, got {dim!r}"
            )
        self.dim, self.base, self.interleaved = dim, float(base), bool(interleaved)

    def forward(self, x: Tensor, positions: Tensor | None = None) -> Tensor:
        """Rotate ``x`` by its positions (default ``arange(T)``).

        Args:
            x: ``(..., T, dim)``.
            positions: Optional positions broadcastable to ``(..., T)``.

        Returns:
            A tensor shaped like ``x``.

        Raises:
            ShapeError: If the last dim of ``x`` is not ``dim``.
        """
        if x.shape[-1] != self.dim:
            raise ShapeError(
                f"RotaryEmbedding: input has {x.shape[-1]} features, expected {self.dim} "
                f"(input shape {tuple(x.shape)})"
            )
        return apply(_rope, x, positions, base=self.base, interleaved=self.interleaved)

    def extra_repr(self) -> str:
        """``dim, base, interleaved``."""
        return f"{self.dim}, base={self.base}, interleaved={self.interleaved}"
