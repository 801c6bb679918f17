"""``torch.nn.functional`` attention over compat tensors: each call is one rustorch_fx op.

:func:`scaled_dot_product_attention` and :func:`multi_head_attention_forward` run their
:mod:`rustorch_fx.nn` counterparts through :func:`compat._engine.apply`; tensors (and the
dropout PRNG key, drawn from compat's default generator only when dropout is active) are
traced, hyperparameters static. Masks follow torch: in :func:`scaled_dot_product_attention` a
bool ``True`` means *attend*; in :func:`multi_head_attention_forward` it means *blocked*.
The dropout masks cannot equal torch's (the generators differ).
"""

from __future__ import annotations

from typing import Any

import rustorch_fx.nn as _nn
from compat._engine import apply
from compat._random import _default_generator
from compat._tensor import Tensor
from compat.nn.functional._linear import _require_tensor

__all__ = ["multi_head_attention_forward", "scaled_dot_product_attention"]


def _sdpa(query: Any, key: Any, value: Any, attn_mask: Any, dropout_key: Any, **static: Any) -> Any:
    return _nn.scaled_dot_product_attention(
        query, key, value, attn_mask, dropout_key=dropout_key, **static
    )


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    *,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Tensor:
    """``softmax(query @ key^T * scale + mask) @ value``, one op of rustorch_fx's function.

    See :func:`rustorch_fx.nn.scaled_dot_product_attention`.

    Long sequences take the memory-efficient blockwise path automatically (see
    :func:`rustorch_fx.nn.scaled_dot_product_attention` for the rule).

    Args:
        query: ``(..., L, E)``.
        key: ``(..., S, E)``.
        value: ``(..., S, Ev)``.
        attn_mask: None, a bool tensor (True = attend) or a float tensor added to the scores,
            broadcastable to ``(..., L, S)``.
        dropout_p: Dropout on the attention weights (applied whenever positive, as torch).
        is_causal: Top-left aligned causal mask; ``attn_mask`` must be None.
        scale: Score scale, default ``1 / sqrt(E)``.
        enable_gqa: Let key/value have fewer heads (dim -3) than query.

    Returns:
        ``(..., L, Ev)``.

    Shape:
        - query ``(N, ..., L, E)``, key ``(N, ..., S, E)``, value ``(N, ..., S, Ev)``,
          output ``(N, ..., L, Ev)``.

    Raises:
        ArgumentTypeError: If an input is not a Tensor.
        ShapeError: For mismatched sizes or masks that do not broadcast.
        DTypeError: For mixed dtypes or a mask neither bool nor of query's dtype.
        InvalidArgumentError: For ``is_causal`` with ``attn_mask`` or a bad ``dropout_p``.

    Example:
        >>> q = compat.randn(2, 4, 8, 16)
        >>> scaled_dot_product_attention(q, q, q, is_causal=True).shape
        (2, 4, 8, 16)
    """
    op = "scaled_dot_product_attention"
    for name, t in (("query", query), ("key", key), ("value", value)):
        _require_tensor(op, name, t)
    _require_tensor(op, "attn_mask", attn_mask, optional=True)
    dkey = _default_generator()._next_key() if dropout_p > 0 else None
    return apply(
        _sdpa, query, key, value, attn_mask, dkey,
        dropout_p=dropout_p, is_causal=is_causal, scale=scale, enable_gqa=enable_gqa,
    )  # fmt: skip


def _mha(
    query: Any,
    key: Any,
    value: Any,
    in_proj_weight: Any,
    in_proj_bias: Any,
    bias_k: Any,
    bias_v: Any,
    out_proj_weight: Any,
    out_proj_bias: Any,
    key_padding_mask: Any,
    attn_mask: Any,
    q_proj_weight: Any,
    k_proj_weight: Any,
    v_proj_weight: Any,
    static_k: Any,
    static_v: Any,
    dropout_key: Any,
    **static: Any,
) -> Any:
    return tuple(
        _nn.multi_head_attention_forward(
            query, key, value, static["embed_dim_to_check"], static["num_heads"],
            in_proj_weight, in_proj_bias, bias_k, bias_v, static["add_zero_attn"],
            static["dropout_p"], out_proj_weight, out_proj_bias, training=static["training"],
            key_padding_mask=key_padding_mask, need_weights=static["need_weights"],
            attn_mask=attn_mask, use_separate_proj_weight=static["use_separate_proj_weight"],
            q_proj_weight=q_proj_weight, k_proj_weight=k_proj_weight,
            v_proj_weight=v_proj_weight, static_k=static_k, static_v=static_v,
            average_attn_weights=static["average_attn_weights"],
            is_causal=static["is_causal"], dropout_key=dropout_key,
        )
    )  # fmt: skip


def multi_head_attention_forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    embed_dim_to_check: int,
    num_heads: int,
    in_proj_weight: Tensor | None,
    in_proj_bias: Tensor | None,
    bias_k: Tensor | None,
    bias_v: Tensor | None,
    add_zero_attn: bool,
    dropout_p: float,
    out_proj_weight: Tensor,
    out_proj_bias: Tensor | None,
    training: bool = True,
    key_padding_mask: Tensor | None = None,
    need_weights: bool = True,
    attn_mask: Tensor | None = None,
    use_separate_proj_weight: bool = False,
    q_proj_weight: Tensor | None = None,
    k_proj_weight: Tensor | None = None,
    v_proj_weight: Tensor | None = None,
    static_k: Tensor | None = None,
    static_v: Tensor | None = None,
    average_attn_weights: bool = True,
    is_causal: bool = False,
) -> tuple[Tensor, Tensor | None]:
    """Multi-head attention, one op (:func:`rustorch_fx.nn.multi_head_attention_forward`).

    Args:
        query: ``(L, N, E)`` or ``(L, E)``.
        key: ``(S, N, Ek)`` or ``(S, Ek)``.
        value: ``(S, N, Ev)`` or ``(S, Ev)``.
        embed_dim_to_check: ``E``.
        num_heads: Number of heads.
        in_proj_weight: ``(3E, E)`` packed projection, or None with separate weights.
        in_proj_bias: ``(3E,)`` or None.
        bias_k: ``(1, 1, E)`` or None.
        bias_v: ``(1, 1, E)`` or None.
        add_zero_attn: Append a zero key/value.
        dropout_p: Dropout on the attention weights when ``training``.
        out_proj_weight: ``(E, E)``.
        out_proj_bias: ``(E,)`` or None.
        training: Apply dropout.
        key_padding_mask: ``(N, S)``/``(S,)``, bool True = ignore, or float.
        need_weights: Also return the attention weights.
        attn_mask: ``(L, S)`` or ``(N * num_heads, L, S)``, bool True = blocked, or float.
        use_separate_proj_weight: Use the three separate projection weights.
        q_proj_weight: ``(E, E)``.
        k_proj_weight: ``(E, Ek)``.
        v_proj_weight: ``(E, Ev)``.
        static_k: ``(N * num_heads, S, E / num_heads)``.
        static_v: ``(N * num_heads, S, E / num_heads)``.
        average_attn_weights: Average the weights over heads.
        is_causal: Hint that ``attn_mask`` is causal.

    Returns:
        ``(attn_output, attn_output_weights)``; the weights are None unless ``need_weights``.

    Raises:
        ArgumentTypeError: If ``query``, ``key`` or ``value`` is not a Tensor.
        ShapeError: For inputs, masks or weights of the wrong shape.
        InvalidArgumentError: For ``is_causal`` without ``attn_mask`` or missing weights.

    Example:
        >>> x = compat.randn(5, 3, 8)
        >>> w, ow = compat.randn(24, 8), compat.randn(8, 8)
        >>> out, weights = multi_head_attention_forward(
        ...     x, x, x, 8, 2, w, None, None, None, False, 0.0, ow, None)
        >>> out.shape, weights.shape
        ((5, 3, 8), (3, 5, 5))
    """
    op = "multi_head_attention_forward"
    for name, t in (("query", query), ("key", key), ("value", value)):
        _require_tensor(op, name, t)
    dkey = _default_generator()._next_key() if training and dropout_p > 0 else None
    out, weights = apply(
        _mha, query, key, value, in_proj_weight, in_proj_bias, bias_k, bias_v,
        out_proj_weight, out_proj_bias, key_padding_mask, attn_mask, q_proj_weight,
        k_proj_weight, v_proj_weight, static_k, static_v, dkey,
        embed_dim_to_check=embed_dim_to_check, num_heads=num_heads,
        add_zero_attn=bool(add_zero_attn), dropout_p=dropout_p, training=bool(training),
        need_weights=bool(need_weights), use_separate_proj_weight=bool(use_separate_proj_weight),
        average_attn_weights=bool(average_attn_weights), is_causal=bool(is_causal),
    )  # fmt: skip
    return out, weights
