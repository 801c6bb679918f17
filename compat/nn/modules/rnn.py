"""torch.nn.modules.rnn for compat: RNN, LSTM, GRU and their cells.

The modules hold torch's parameters under torch's names and in torch's registration order
(``weight_ih_l0``, ``weight_hh_l0``, ``bias_ih_l0``, ``bias_hh_l0``, ``weight_hr_l0``, then
``..._reverse``, then the next layer), so ``state_dict()`` keys and order match torch's and a
torch checkpoint loads unchanged. All parameters start uniform in ``(-1/sqrt(H), 1/sqrt(H))``.

A forward pass over the whole sequence, all layers and directions, is ONE op of the engine:
:func:`rustorch_fx.nn.rnn`, :func:`~rustorch_fx.nn.lstm` or :func:`~rustorch_fx.nn.gru` (one
``lax.scan`` per layer and direction) runs as one compiled call, and its backward as one more.
A :class:`~compat.nn.utils.rnn.PackedSequence` input is unpacked, run with per-sequence lengths
and packed again inside that same op.

Differences from torch:

- A weight/input dtype mismatch raises :class:`~rustorch_fx.errors.DTypeError` (a
  ``RuntimeError`` and ``TypeError``; torch raises ``ValueError``).
- Dropout between layers draws from compat's generator: reproducible under
  ``compat.manual_seed``, not equal to torch's masks.
- ``flatten_parameters()`` is a no-op (there is no cuDNN weight buffer to compact).
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

import numpy as np

import rustorch_fx.nn as _nn
from compat._creation import empty
from compat._engine import apply
from compat._random import _default_generator
from compat._tensor import Tensor
from compat.nn import init
from compat.nn.modules.module import Module
from compat.nn.parameter import Parameter
from compat.nn.utils.rnn import PackedSequence
from rustorch_fx import _xla
from rustorch_fx.errors import ArgumentTypeError, InvalidArgumentError, ShapeError

__all__ = ["GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNBase", "RNNCell", "RNNCellBase"]

_SEQUENCE_FNS = {"RNN_TANH": _nn.rnn, "RNN_RELU": _nn.rnn, "LSTM": _nn.lstm, "GRU": _nn.gru}


# --------------------------------------------------------------------------------------------
# The ops: one engine call per forward. Optional arguments are present or absent according to
# static flags (positional arguments are all arrays, so the engine can trace each one).
# --------------------------------------------------------------------------------------------


def _sequence_op(
    *args: Any,
    mode: str,
    has_hx: bool,
    packed: bool,
    has_key: bool,
    n_params: int,
    num_layers: int,
    bias: bool,
    dropout: float,
    training: bool,
    bidirectional: bool,
    batch_first: bool,
) -> Any:
    """``args = input[, pad_index, pack_index, lengths][, h0[, c0]][, key], *params``."""
    it = iter(args[: len(args) - n_params])
    params = list(args[len(args) - n_params :])
    x = next(it)
    pad_index = pack_index = lengths = None
    if packed:
        pad_index, pack_index, lengths = next(it), next(it), next(it)
        x = _nn.pad_packed(x, pad_index)
    hx = None
    if has_hx:
        hx = (next(it), next(it)) if mode == "LSTM" else next(it)
    key = next(it) if has_key else None
    extra: dict[str, Any] = {"lengths": lengths}
    if mode.startswith("RNN"):
        extra["nonlinearity"] = "tanh" if mode == "RNN_TANH" else "relu"
    out, hidden = _SEQUENCE_FNS[mode](
        x,
        hx,
        params,
        num_layers,
        bias,
        dropout,
        training,
        bidirectional,
        batch_first and not packed,
        key,
        **extra,
    )
    if packed:
        out = _nn.pack_padded(out, pack_index)
    return out, hidden


# The sequence op runs as programs of its own (its forward, then its backward), never fused
# into a lazy segment: the engine runs marked ops eagerly (see compat/_engine.py), as it does
# convolutions. A fused forward + backward of the benchmark LSTM needs 56 MiB of scratch
# memory in one block, above glibc's largest malloc size served from the heap (32 MiB), so
# every call maps it afresh and page-faults through it (~14,000 faults per step); split, the
# blocks are 8 and 26 MiB and are reused. Measured (2-layer LSTM, benchmarks/_layers_lstm.py,
# process CPU time per step): 173 ms fused, 156 ms split. The programs are plain jits (the
# XLA:CPU options of convolutions made no measurable difference here).
_xla._mark_own_program(_sequence_op)


_CELL_FNS = {
    "RNN_TANH": _nn.rnn_tanh_cell,
    "RNN_RELU": _nn.rnn_relu_cell,
    "LSTM": _nn.lstm_cell,
    "GRU": _nn.gru_cell,
}


def _cell_op(*args: Any, mode: str, has_hx: bool, bias: bool) -> Any:
    """``args = input[, h[, c]], w_ih, w_hh[, b_ih, b_hh]``."""
    n_w = 4 if bias else 2
    x, states, weights = args[0], args[1 : len(args) - n_w], list(args[len(args) - n_w :])
    if not bias:
        weights += [None, None]
    hx = None
    if has_hx:
        hx = tuple(states) if mode == "LSTM" else states[0]
    return _CELL_FNS[mode](x, hx, *weights)


def _dropout_key() -> Any:
    return _default_generator()._next_key()


def _check_number(name: str, value: Any, positive: bool = True) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ArgumentTypeError(f"{name} should be of type int, got: {type(value).__name__}")
    if positive and value <= 0:
        raise InvalidArgumentError(f"{name} must be greater than zero")
    return int(value)


# --------------------------------------------------------------------------------------------
# RNN, LSTM, GRU.
# --------------------------------------------------------------------------------------------


class RNNBase(Module):
    """The base of :class:`RNN`, :class:`LSTM` and :class:`GRU`: parameters and the forward.

    Args:
        mode: ``"RNN_TANH"``, ``"RNN_RELU"``, ``"LSTM"`` or ``"GRU"``.
        input_size: Features of the input ``I``.
        hidden_size: Features of the hidden state ``H``.
        num_layers: Stacked layers ``L``.
        bias: Whether the layers have ``b_ih`` and ``b_hh``.
        batch_first: Whether input and output are ``(B, T, *)`` (the states never are).
        dropout: Dropout probability on the outputs of every layer but the last (training).
        bidirectional: Whether each layer also runs backwards (``D = 2``).
        proj_size: LSTM only: project ``h`` to this size (``0``: no projection).
        device: Device of the parameters.
        dtype: Floating dtype of the parameters.

    Raises:
        ArgumentTypeError: For a non-int size or a non-bool flag (torch's ``TypeError``).
        InvalidArgumentError: For a size ``<= 0``, ``dropout`` outside ``[0, 1]``, a bad
            ``proj_size`` or mode.

    Example:
        >>> rnn = compat.nn.LSTM(10, 20, num_layers=2)
        >>> [name for name, _ in rnn.named_parameters()][:3]
        ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0']
    """

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if mode not in _SEQUENCE_FNS:
            raise InvalidArgumentError(f"Unrecognized RNN mode: {mode}")
        if (
            not isinstance(dropout, numbers.Number)
            or isinstance(dropout, bool)
            or not 0 <= dropout <= 1  # type: ignore[operator]
        ):
            raise InvalidArgumentError(
                "dropout should be a number in range [0, 1] representing the probability of an "
                f"element being zeroed, got {dropout!r}"
            )
        if dropout > 0 and num_layers == 1:  # type: ignore[operator]
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero "
                "dropout expects num_layers greater than 1, but got "
                f"dropout={dropout} and num_layers={num_layers}",
                stacklevel=2,
            )
        for name, flag in (("bias", bias), ("batch_first", batch_first)):
            if not isinstance(flag, bool):
                raise ArgumentTypeError(
                    f"{name} should be of type bool, got: {type(flag).__name__}"
                )
        self.mode = mode
        self.input_size = _check_number("input_size", input_size)
        self.hidden_size = _check_number("hidden_size", hidden_size)
        self.num_layers = _check_number("num_layers", num_layers)
        proj_size = _check_number("proj_size", proj_size, positive=False)
        if proj_size < 0:
            raise InvalidArgumentError(
                "proj_size should be a positive integer or zero to disable projections"
            )
        if proj_size >= hidden_size:
            raise InvalidArgumentError("proj_size has to be smaller than hidden_size")
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)  # type: ignore[arg-type]
        self.bidirectional = bool(bidirectional)
        self.proj_size = proj_size
        gates = {"LSTM": 4, "GRU": 3}.get(mode, 1) * hidden_size
        real_hidden = proj_size or hidden_size
        directions = 2 if bidirectional else 1
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else real_hidden * directions
            for direction in range(directions):
                suffix = "_reverse" if direction == 1 else ""
                shapes = {
                    f"weight_ih_l{layer}{suffix}": (gates, layer_input),
                    f"weight_hh_l{layer}{suffix}": (gates, real_hidden),
                }
                if bias:
                    shapes[f"bias_ih_l{layer}{suffix}"] = (gates,)
                    shapes[f"bias_hh_l{layer}{suffix}"] = (gates,)
                if proj_size:
                    shapes[f"weight_hr_l{layer}{suffix}"] = (proj_size, hidden_size)
                for name, shape in shapes.items():
                    setattr(self, name, Parameter(empty(shape, device=device, dtype=dtype)))
                self._flat_weights_names.extend(shapes)
                self._all_weights.append(list(shapes))
        self.reset_parameters()

    @property
    def _flat_weights(self) -> list[Tensor | None]:
        """The parameters in torch's ``_flat_weights`` order (what the op receives)."""
        return [getattr(self, name, None) for name in self._flat_weights_names]

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """The parameters grouped per layer and direction, as torch's ``all_weights``."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def flatten_parameters(self) -> None:
        """A no-op, kept for torch's API (there is no cuDNN weight buffer to compact)."""

    def reset_parameters(self) -> None:
        """Draw every parameter from ``uniform(-1/sqrt(H), 1/sqrt(H))``, as torch does."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self) -> str:
        """Torch's summary: sizes, then the options that differ from their defaults."""
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    def _run(self, input: Any, hx: Any) -> tuple[Any, Any]:
        """The shared forward of RNN, LSTM and GRU (torch's checks, then one op)."""
        name = "RNN" if self.mode.startswith("RNN") else self.mode
        lstm = self.mode == "LSTM"
        packed = isinstance(input, PackedSequence)
        args: list[Any]
        if packed:
            data = input.data
            if data.dim() != 2:
                raise ShapeError(f"input must have 2 dimensions, got {data.dim()}")
            plan = _nn.packing_indices_from_batch_sizes(
                input.batch_sizes.numpy(),
                None if input.sorted_indices is None else input.sorted_indices.numpy(),
            )
            args = [data, plan.pad_index, plan.pack_index, plan.lengths]
        else:
            if not isinstance(input, Tensor):
                raise ArgumentTypeError(
                    f"{name}: input must be a Tensor or PackedSequence, got {type(input).__name__}"
                )
            if input.dim() not in (2, 3):
                raise ShapeError(
                    f"{name}: Expected input to be 2D or 3D, got {input.dim()}D tensor instead"
                )
            args = [input]
        has_hx = hx is not None
        if has_hx:
            states = list(hx) if lstm else [hx]
            if lstm and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
                raise ArgumentTypeError(f"{name}: hx must be a tuple (h_0, c_0)")
            if not all(isinstance(h, Tensor) for h in states):
                raise ArgumentTypeError(f"{name}: hx must be a Tensor (or a pair of Tensors)")
            args += states
        # Dropout is the only thing train mode changes: without it, train and eval share one
        # compiled program.
        has_key = bool(self.training) and self.dropout > 0 and self.num_layers > 1
        if has_key:
            args.append(_dropout_key())
        weights = self._flat_weights
        out, hidden = apply(
            _sequence_op,
            *args,
            *weights,
            mode=self.mode,
            has_hx=has_hx,
            packed=packed,
            has_key=has_key,
            n_params=len(weights),
            num_layers=self.num_layers,
            bias=self.bias,
            dropout=self.dropout if has_key else 0.0,
            training=has_key,
            bidirectional=self.bidirectional,
            batch_first=self.batch_first,
        )
        if packed:
            out = PackedSequence(
                out, input.batch_sizes, input.sorted_indices, input.unsorted_indices
            )
        return out, hidden


class RNN(RNNBase):
    """A multi-layer Elman RNN, ``h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)``.

    Args:
        input_size: Features of the input ``I``.
        hidden_size: Features of the hidden state ``H``.
        num_layers: Stacked layers ``L`` (default 1).
        nonlinearity: ``"tanh"`` (default) or ``"relu"``.
        bias: Whether the layers have biases (default True).
        batch_first: Whether input and output are ``(B, T, *)`` (default False).
        dropout: Dropout on the outputs of every layer but the last, in training (default 0).
        bidirectional: Whether each layer also runs backwards, ``D = 2`` (default False).
        device: Device of the parameters.
        dtype: Floating dtype of the parameters.

    Shape:
        - input: ``(T, B, I)``, ``(B, T, I)`` with ``batch_first``, ``(T, I)`` unbatched, or a
          :class:`~compat.nn.utils.rnn.PackedSequence`.
        - hx: ``(L * D, B, H)`` (``(L * D, H)`` unbatched), zeros if omitted.
        - output: ``(T, B, D * H)`` (or packed, like the input), ``h_n``: ``(L * D, B, H)``.

    Raises:
        InvalidArgumentError: For an unknown ``nonlinearity``, ``proj_size`` or bad sizes.
        ShapeError: In forward, for input or hidden shapes that do not match (torch's messages).

    Example:
        >>> rnn = compat.nn.RNN(10, 20, 2)
        >>> output, h_n = rnn(compat.randn(5, 3, 10), compat.randn(2, 3, 20))
        >>> output.shape, h_n.shape
        ((5, 3, 20), (2, 3, 20))
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if "proj_size" in kwargs:
            raise InvalidArgumentError(
                "proj_size argument is only supported for LSTM, not RNN or GRU"
            )
        if len(args) > 3:
            nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if nonlinearity not in ("tanh", "relu"):
            raise InvalidArgumentError(
                f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'."
            )
        mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(mode, *args, **kwargs)
        self.nonlinearity = nonlinearity

    def forward(self, input: Any, hx: Tensor | None = None) -> tuple[Any, Tensor]:
        """Run the sequence; returns ``(output, h_n)``."""
        return self._run(input, hx)


class LSTM(RNNBase):
    """A multi-layer LSTM (gates i, f, g, o), with an optional projection of ``h``.

    Args:
        input_size: Features of the input ``I``.
        hidden_size: Features of the cell state ``H``.
        num_layers: Stacked layers ``L`` (default 1).
        bias: Whether the layers have biases (default True).
        batch_first: Whether input and output are ``(B, T, *)`` (default False).
        dropout: Dropout on the outputs of every layer but the last, in training (default 0).
        bidirectional: Whether each layer also runs backwards, ``D = 2`` (default False).
        proj_size: If ``> 0``, ``h`` is projected to this size ``P`` by ``weight_hr_l{k}``.
        device: Device of the parameters.
        dtype: Floating dtype of the parameters.

    Shape:
        - input: ``(T, B, I)``, ``(B, T, I)`` with ``batch_first``, ``(T, I)`` unbatched, or a
          :class:`~compat.nn.utils.rnn.PackedSequence`.
        - hx: ``(h_0, c_0)``, ``(L * D, B, P)`` and ``(L * D, B, H)``, zeros if omitted
          (``P = H`` without projection).
        - output: ``(T, B, D * P)`` (or packed), ``(h_n, c_n)`` shaped like ``hx``.

    Raises:
        InvalidArgumentError: For bad sizes or ``proj_size >= hidden_size``.
        ShapeError: In forward, for input or hidden shapes that do not match (torch's messages).

    Example:
        >>> lstm = compat.nn.LSTM(10, 20, 2)
        >>> output, (h_n, c_n) = lstm(compat.randn(5, 3, 10))
        >>> output.shape, c_n.shape
        ((5, 3, 20), (2, 3, 20))
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__("LSTM", *args, **kwargs)

    def forward(
        self, input: Any, hx: tuple[Tensor, Tensor] | None = None
    ) -> tuple[Any, tuple[Tensor, Tensor]]:
        """Run the sequence; returns ``(output, (h_n, c_n))``."""
        out, hidden = self._run(input, hx)
        return out, tuple(hidden)  # type: ignore[return-value]


class GRU(RNNBase):
    """A multi-layer GRU (gates r, z, n; ``b_hn`` inside the reset product, as torch).

    Args:
        input_size: Features of the input ``I``.
        hidden_size: Features of the hidden state ``H``.
        num_layers: Stacked layers ``L`` (default 1).
        bias: Whether the layers have biases (default True).
        batch_first: Whether input and output are ``(B, T, *)`` (default False).
        dropout: Dropout on the outputs of every layer but the last, in training (default 0).
        bidirectional: Whether each layer also runs backwards, ``D = 2`` (default False).
        device: Device of the parameters.
        dtype: Floating dtype of the parameters.

    Shape:
        - input: ``(T, B, I)``, ``(B, T, I)`` with ``batch_first``, ``(T, I)`` unbatched, or a
          :class:`~compat.nn.utils.rnn.PackedSequence`.
        - hx: ``(L * D, B, H)`` (``(L * D, H)`` unbatched), zeros if omitted.
        - output: ``(T, B, D * H)`` (or packed), ``h_n``: ``(L * D, B, H)``.

    Raises:
        InvalidArgumentError: For bad sizes or a ``proj_size`` argument.
        ShapeError: In forward, for input or hidden shapes that do not match (torch's messages).

    Example:
        >>> gru = compat.nn.GRU(10, 20, batch_first=True)
        >>> output, h_n = gru(compat.randn(3, 5, 10))
        >>> output.shape, h_n.shape
        ((3, 5, 20), (1, 3, 20))
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if "proj_size" in kwargs:
            raise InvalidArgumentError(
                "proj_size argument is only supported for LSTM, not RNN or GRU"
            )
        super().__init__("GRU", *args, **kwargs)

    def forward(self, input: Any, hx: Tensor | None = None) -> tuple[Any, Tensor]:
        """Run the sequence; returns ``(output, h_n)``."""
        return self._run(input, hx)


# --------------------------------------------------------------------------------------------
# Cells.
# --------------------------------------------------------------------------------------------


class RNNCellBase(Module):
    """The base of the cells: ``weight_ih`` ``(G * H, I)``, ``weight_hh`` ``(G * H, H)``, biases.

    Args:
        input_size: Features of the input ``I``.
        hidden_size: Features of the hidden state ``H``.
        bias: Whether the cell has ``bias_ih`` and ``bias_hh``.
        num_chunks: Gates ``G`` (1 RNN, 4 LSTM, 3 GRU).
        device: Device of the parameters.
        dtype: Floating dtype of the parameters.

    Raises:
        ArgumentTypeError: For a non-int size.
        InvalidArgumentError: For a size ``<= 0``.

    Example:
        >>> cell = compat.nn.GRUCell(4, 8)
        >>> cell.weight_ih.shape
        (24, 4)
    """

    _mode = "RNN_TANH"

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool,
        num_chunks: int,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.input_size = _check_number("input_size", input_size)
        self.hidden_size = _check_number("hidden_size", hidden_size)
        if not isinstance(bias, bool):
            raise ArgumentTypeError(f"bias should be of type bool, got: {type(bias).__name__}")
        self.bias = bias
        rows = num_chunks * hidden_size
        self.weight_ih = Parameter(empty((rows, input_size), device=device, dtype=dtype))
        self.weight_hh = Parameter(empty((rows, hidden_size), device=device, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(empty(rows, device=device, dtype=dtype))
            self.bias_hh = Parameter(empty(rows, device=device, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self) -> str:
        """Torch's summary: sizes, then ``bias``/``nonlinearity`` when not the default."""
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        nonlinearity = self.__dict__.get("nonlinearity", "tanh")
        if nonlinearity != "tanh":
            s += f", nonlinearity={nonlinearity}"
        return s

    def reset_parameters(self) -> None:
        """Draw every parameter from ``uniform(-1/sqrt(H), 1/sqrt(H))``, as torch does."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _step(self, input: Any, states: list[Any], name: str) -> Any:
        if not isinstance(input, Tensor):
            raise ArgumentTypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
        if input.dim() not in (1, 2):
            raise ShapeError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        for i, h in enumerate(states):
            label = "hidden" if len(states) == 1 else f"hx[{i}]"
            if not isinstance(h, Tensor):
                raise ArgumentTypeError(f"{name}: {label} must be a Tensor, got {type(h).__name__}")
            if h.dim() not in (1, 2):
                raise ShapeError(f"{name}: Expected {label} to be 1D or 2D, got {h.dim()}D instead")
        weights = [self.weight_ih, self.weight_hh]
        if self.bias:
            weights += [self.bias_ih, self.bias_hh]
        return apply(
            _cell_op, input, *states, *weights, mode=self._mode, has_hx=bool(states), bias=self.bias
        )


class RNNCell(RNNCellBase):
    """An Elman RNN cell, ``h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)``.

    Args:
        input_size: Features of the input ``I``.
        hidden_size: Features of the hidden state ``H``.
        bias: Whether the cell has biases (default True).
        nonlinearity: ``"tanh"`` (default) or ``"relu"``.
        device: Device of the parameters.
        dtype: Floating dtype of the parameters.

    Shape:
        - input: ``(B, I)`` or ``(I,)``; hx: ``(B, H)`` or ``(H,)``, zeros if omitted.
        - output: ``(B, H)`` or ``(H,)``.

    Raises:
        InvalidArgumentError: For an unknown ``nonlinearity`` or a size ``<= 0``.

    Example:
        >>> cell = compat.nn.RNNCell(10, 20)
        >>> cell(compat.randn(3, 10)).shape
        (3, 20)
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise InvalidArgumentError(f"Unknown nonlinearity: {nonlinearity}")
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity
        self._mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """One step; returns ``h'``."""
        return self._step(input, [] if hx is None else [hx], "RNNCell")


class LSTMCell(RNNCellBase):
    """An LSTM cell (gates i, f, g, o).

    Args:
        input_size: Features of the input ``I``.
        hidden_size: Features of the states ``H``.
        bias: Whether the cell has biases (default True).
        device: Device of the parameters.
        dtype: Floating dtype of the parameters.

    Shape:
        - input: ``(B, I)`` or ``(I,)``; hx: ``(h, c)``, each ``(B, H)`` or ``(H,)``, zeros if
          omitted.
        - output: ``(h', c')`` shaped like ``hx``.

    Raises:
        InvalidArgumentError: For a size ``<= 0``.

    Example:
        >>> cell = compat.nn.LSTMCell(10, 20)
        >>> h, c = cell(compat.randn(3, 10))
        >>> h.shape, c.shape
        ((3, 20), (3, 20))
    """

    _mode = "LSTM"

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(
        self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None
    ) -> tuple[Tensor, Tensor]:
        """One step; returns ``(h', c')``."""
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise ArgumentTypeError("LSTMCell: hx must be a tuple (h, c)")
        return tuple(self._step(input, [] if hx is None else list(hx), "LSTMCell"))  # type: ignore[return-value]


class GRUCell(RNNCellBase):
    """A GRU cell (gates r, z, n; ``b_hn`` inside the reset product, as torch).

    Args:
        input_size: Features of the input ``I``.
        hidden_size: Features of the hidden state ``H``.
        bias: Whether the cell has biases (default True).
        device: Device of the parameters.
        dtype: Floating dtype of the parameters.

    Shape:
        - input: ``(B, I)`` or ``(I,)``; hx: ``(B, H)`` or ``(H,)``, zeros if omitted.
        - output: ``(B, H)`` or ``(H,)``.

    Raises:
        InvalidArgumentError: For a size ``<= 0``.

    Example:
        >>> cell = compat.nn.GRUCell(10, 20)
        >>> cell(compat.randn(10)).shape
        (20,)
    """

    _mode = "GRU"

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """One step; returns ``h'``."""
        return self._step(input, [] if hx is None else [hx], "GRUCell")
