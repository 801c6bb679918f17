"""``torch.nn.MultiheadAttention`` for compat (torch keeps it in ``torch.nn.modules.activation``).

Parameters are registered with torch's names, order and initialisation (``in_proj_weight`` or
``q_proj_weight``/``k_proj_weight``/``v_proj_weight``, ``in_proj_bias``, ``out_proj``,
``bias_k``/``bias_v``), so ``state_dict()`` keys and layouts equal torch's. ``forward`` is one
call of :func:`compat.nn.functional.multi_head_attention_forward`. Torch's fused inference fast
path gives the same values as its reference path, which is the one reproduced here.
"""

from __future__ import annotations

from typing import Any

import compat
from compat._tensor import Tensor
from compat.nn import functional as F
from compat.nn import init
from compat.nn.modules.linear import Linear
from compat.nn.modules.module import Module
from compat.nn.parameter import Parameter
from rustorch_fx._checks import is_int
from rustorch_fx.errors import InvalidArgumentError

__all__ = ["MultiheadAttention", "NonDynamicallyQuantizableLinear"]


class NonDynamicallyQuantizableLinear(Linear):
    """A :class:`~compat.nn.Linear` under torch's name for ``MultiheadAttention.out_proj``.

    Torch uses the subclass to keep dynamic quantization away from the output projection;
    here it only keeps the class name (and so ``repr`` and type checks) identical.

    Args:
        in_features: Size of each input sample.
        out_features: Size of each output sample.
        bias: Learn an additive bias.
        device: Device of the parameters.
        dtype: Dtype of the parameters.

    Shape:
        - input: ``(*, in_features)``, output: ``(*, out_features)``.

    Example:
        >>> NonDynamicallyQuantizableLinear(4, 4)(compat.ones(2, 4)).shape
        (2, 4)
    """


class MultiheadAttention(Module):
    """Multi-head attention: ``Concat(head_1..head_h) W_o``, ``head_i = Attn(Q W_q, K W_k, V W_v)``.

    Args:
        embed_dim: Model dimension ``E``.
        num_heads: Number of heads; must divide ``embed_dim``.
        dropout: Dropout probability on the attention weights (training mode).
        bias: Learn input and output projection biases.
        add_bias_kv: Learn a bias appended to the keys and values (``bias_k``, ``bias_v``).
        add_zero_attn: Append a zero key and value.
        kdim: Key features (default ``embed_dim``); with ``vdim`` different from
            ``embed_dim``, separate ``q/k/v_proj_weight`` replace ``in_proj_weight``.
        vdim: Value features (default ``embed_dim``).
        batch_first: Inputs and outputs are ``(N, L, E)`` instead of ``(L, N, E)``.
        device: Device of the parameters.
        dtype: Dtype of the parameters (default float32).

    Attributes:
        in_proj_weight: ``(3E, E)``, ``xavier_uniform_`` (None with separate weights).
        q_proj_weight: ``(E, E)``; ``k_proj_weight``: ``(E, kdim)``; ``v_proj_weight``:
            ``(E, vdim)``; ``xavier_uniform_`` (None when packed).
        in_proj_bias: ``(3E,)``, zeros (None without bias).
        out_proj: A :class:`NonDynamicallyQuantizableLinear` ``(E, E)`` with zero bias.
        bias_k: ``(1, 1, E)``, ``xavier_normal_`` (None without ``add_bias_kv``).
        bias_v: ``(1, 1, E)``, ``xavier_normal_``.

    Shape:
        - query: ``(L, E)``, ``(L, N, E)`` or ``(N, L, E)`` with ``batch_first``.
        - key: ``(S, kdim)``, ``(S, N, kdim)`` or ``(N, S, kdim)``; value likewise with vdim.
        - key_padding_mask: ``(S)`` or ``(N, S)``; attn_mask: ``(L, S)`` or
          ``(N * num_heads, L, S)``.
        - attn_output: like query; attn_output_weights: ``(N, L, S)`` averaged over heads or
          ``(N, num_heads, L, S)`` (no ``N`` when unbatched).

    Raises:
        InvalidArgumentError: If ``embed_dim`` or ``num_heads`` is not positive, or
            ``num_heads`` does not divide ``embed_dim``.

    Example:
        >>> mha = MultiheadAttention(16, 4, batch_first=True)
        >>> x = compat.randn(2, 5, 16)
        >>> out, weights = mha(x, x, x)
        >>> out.shape, weights.shape
        ((2, 5, 16), (2, 5, 5))
    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        add_bias_kv: bool = False,
        add_zero_attn: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        if not is_int(embed_dim) or not is_int(num_heads) or embed_dim <= 0 or num_heads <= 0:
            raise InvalidArgumentError(
                "MultiheadAttention: embed_dim and num_heads must be greater than 0, got "
                f"embed_dim={embed_dim} and num_heads={num_heads} instead"
            )
        if embed_dim % num_heads:
            raise InvalidArgumentError(
                f"MultiheadAttention: embed_dim must be divisible by num_heads, got "
                f"embed_dim={embed_dim} and num_heads={num_heads}"
            )
        if not 0.0 <= dropout <= 1.0:
            raise InvalidArgumentError(
                f"MultiheadAttention: dropout probability has to be between 0 and 1, "
                f"but got {dropout}"
            )
        factory = {"device": device, "dtype": dtype}
        super().__init__()
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if not self._qkv_same_embed_dim:
            self.q_proj_weight = Parameter(compat.empty((embed_dim, embed_dim), **factory))
            self.k_proj_weight = Parameter(compat.empty((embed_dim, self.kdim), **factory))
            self.v_proj_weight = Parameter(compat.empty((embed_dim, self.vdim), **factory))
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = Parameter(compat.empty((3 * embed_dim, embed_dim), **factory))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(compat.empty(3 * embed_dim, **factory))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, **factory)
        if add_bias_kv:
            self.bias_k = Parameter(compat.empty((1, 1, embed_dim), **factory))
            self.bias_v = Parameter(compat.empty((1, 1, embed_dim), **factory))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """Torch's init: xavier-uniform projections, zero biases, xavier-normal bias_k/v."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: Tensor | None = None,
        need_weights: bool = True,
        attn_mask: Tensor | None = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        """Attend from ``query`` to ``key``/``value``.

        Args:
            query: ``(L, N, E)`` (``(N, L, E)`` with ``batch_first``) or ``(L, E)``.
            key: ``(S, N, kdim)`` (or batch-first) or ``(S, kdim)``.
            value: ``(S, N, vdim)`` (or batch-first) or ``(S, vdim)``.
            key_padding_mask: ``(N, S)`` or ``(S,)``: bool True = ignore that key, or float.
            need_weights: Also return the attention weights.
            attn_mask: ``(L, S)`` or ``(N * num_heads, L, S)``: bool True = blocked, or float.
            average_attn_weights: Average the returned weights over heads.
            is_causal: Hint that ``attn_mask`` is the causal mask.

        Returns:
            ``(attn_output, attn_output_weights)``, the weights None unless ``need_weights``.
        """
        is_batched = query.dim() == 3
        if self.batch_first and is_batched:
            query, key, value = (x.transpose(1, 0) for x in (query, key, value))
        separate = not self._qkv_same_embed_dim
        out, weights = F.multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight,
            self.in_proj_bias, self.bias_k, self.bias_v, self.add_zero_attn, self.dropout,
            self.out_proj.weight, self.out_proj.bias, training=self.training,
            key_padding_mask=key_padding_mask, need_weights=need_weights, attn_mask=attn_mask,
            use_separate_proj_weight=separate, q_proj_weight=self.q_proj_weight,
            k_proj_weight=self.k_proj_weight, v_proj_weight=self.v_proj_weight,
            average_attn_weights=average_attn_weights, is_causal=is_causal,
        )  # fmt: skip
        if self.batch_first and is_batched:
            out = out.transpose(1, 0)
        return out, weights
