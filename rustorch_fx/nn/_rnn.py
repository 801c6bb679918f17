"""Recurrent layers: torch's RNN, LSTM and GRU cells and multi-layer sequences, and packing.

Every function is pure and composes with ``jax.jit``, ``jax.vmap`` and ``jax.grad``. The weights
have PyTorch's layouts, so a ``torch.nn.LSTM`` state dict plugs in unchanged:

- ``w_ih`` is ``(G * H, I)``, ``w_hh`` is ``(G * H, H)`` (``(G * H, P)`` with an LSTM
  projection), ``b_ih`` and ``b_hh`` are ``(G * H,)``, with ``G`` = 1 (RNN), 4 (LSTM, gates in
  the order input, forget, cell, output) or 3 (GRU, gates reset, update, new);
- an LSTM projection ``w_hr`` is ``(P, H)``: ``h = (o * tanh(c)) @ w_hr.T``;
- the GRU keeps ``b_hn`` inside the reset product, as torch does:
  ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``;
- the sequence functions take the parameters as one flat list in the order of torch's
  ``_flat_weights``: for each layer, for each direction (forward, then reverse),
  ``w_ih, w_hh[, b_ih, b_hh][, w_hr]``.

The sequence functions run each layer and direction as one ``lax.scan`` over time, with the input
projection of all time steps done before the scan as one matrix product; the whole sequence is
one compiled program. Its derivative is a rule of its own (a ``jax.custom_jvp``, so forward and
reverse mode, ``vmap`` and higher derivatives all work): the backward loop carries only the
state's gradient, and the weight gradients are one large matrix product over all time steps
each, as in cuDNN and torch.

Variable-length batches follow torch's packed-sequence semantics (pass ``lengths``): outputs past
a sequence's length are zero, the final state is the state at each sequence's last valid step,
and the reverse direction starts at each sequence's own last step. The packing functions convert
between padded arrays and torch's packed layout (time-major rows, ``batch_sizes`` per step): the
index plan is computed on the host from concrete lengths (:func:`packing_indices`), and the
gathers (:func:`pack_padded`, :func:`pad_packed`) are jit-friendly array functions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from rustorch_fx import _dtypes
from rustorch_fx._boundary import boundary
from rustorch_fx._checks import as_array, is_int, is_tracer
from rustorch_fx.errors import (
    ArgumentTypeError,
    DTypeError,
    InvalidArgumentError,
    ShapeError,
    TracingError,
)

__all__ = [
    "PackedSequence",
    "PackingIndices",
    "gru",
    "gru_cell",
    "lstm",
    "lstm_cell",
    "pack_padded",
    "pack_padded_sequence",
    "packing_indices",
    "packing_indices_from_batch_sizes",
    "pad_packed",
    "pad_packed_sequence",
    "pad_sequence",
    "rnn",
    "rnn_relu_cell",
    "rnn_tanh_cell",
]

# Time steps per iteration of the compiled loop: fewer loop iterations (less per-step overhead)
# against a larger program. Measured on the LSTM benchmark (benchmarks/_layers_lstm.py): on a
# GPU (H200) the per-iteration launch overhead dominates and unrolling 16 steps runs the
# forward + backward 2x faster than 1; on CPUs unrolling gained nothing and compiles longer
# (re-measured with the recurrences' own derivative rule: 1, 2 and 4 steps run equally fast).
_UNROLL_CPU = 1
_UNROLL_ACCELERATOR = 16


def _unroll() -> int:
    return _UNROLL_CPU if jax.default_backend() == "cpu" else _UNROLL_ACCELERATOR


_GATES = {"rnn_tanh": 1, "rnn_relu": 1, "lstm": 4, "gru": 3}


# --------------------------------------------------------------------------------------------
# Validation helpers.
# --------------------------------------------------------------------------------------------


def _floating(op: str, name: str, x: Any) -> jax.Array:
    a = as_array(op, name, x)
    if not _dtypes.is_floating(a.dtype):
        raise DTypeError(f"{op}: expected a floating point '{name}', got {np.dtype(a.dtype).name}")
    return a


def _same_dtype(op: str, input: jax.Array, name: str, w: jax.Array) -> None:
    if w.dtype != input.dtype:
        raise DTypeError(
            f"{op}: input dtype ({np.dtype(input.dtype).name}) does not match {name} dtype "
            f"({np.dtype(w.dtype).name}); convert the input or the weights to one dtype"
        )


def _shape_of(op: str, name: str, x: jax.Array, expected: tuple[int, ...]) -> None:
    if tuple(x.shape) != tuple(expected):
        raise ShapeError(f"{op}: {name} has shape {tuple(x.shape)}, expected {tuple(expected)}")


# --------------------------------------------------------------------------------------------
# Cell math on batched arrays (no validation): shared by the cells and the sequences.
# --------------------------------------------------------------------------------------------


def _mm(x: jax.Array, w: jax.Array) -> jax.Array:
    """``x @ w.T`` for ``x`` (..., K) and a torch-layout weight ``w`` (N, K).

    One ``dot_general`` contracting ``w``'s second axis, with no ``w.T`` in the program: the
    derivative rule of the recurrences then keeps ``w_hh`` itself (not a transposed copy) for
    the backward loop, whose product ``d_gates @ w_hh`` runs on the torch layout ``(4H, H)``
    as it is. Measured on a 2-core CPU (2-layer LSTM, hidden 256, batch 32, 64 steps): the
    backward loop's products ran 10-20% faster (profiled: 168 -> 130 us each), the programs
    3-4% faster in all (five interleaved runs), and the forward no longer copies each
    ``w_hh`` transposed; results differ from ``x @ w.T`` by rounding only.
    """
    return lax.dot_general(x, w, (((x.ndim - 1,), (1,)), ((), ())))


# The step math of each mode, in four pieces (see "The recurrences over time" below):
# ``step(states, xw_t, weights) -> new states`` (the output is the first state);
# ``saving_step(...) -> (new states, (coefficients, hoist_inputs))``, the same step also
# returning the per-step arrays its tangent needs: the tangent's coefficients (the derivatives
# of the step's elementwise math, computed where the step's values are at hand) and the inputs
# of ``hoist(hoist_inputs, d_xw, d_weights, weights)``, the per-step tangent inputs computed
# for all steps at once (linear in the tangents); ``tangent_step(d_states, hoisted_t,
# coefficients_t, weights) -> new d_states``. The cells call ``step`` once.
_Steps = tuple[
    Callable[..., Any],
    Callable[..., Any],
    Callable[..., Any],
    Callable[..., Any],
]


def _lstm_activations(pre: jax.Array) -> jax.Array:
    """The activated gates ``[sigmoid(i), sigmoid(f), tanh(g), sigmoid(o)]`` in one pass.

    ``sigmoid(x) = (tanh(x / 2) + 1) / 2``, so all four gates are ``tanh(s * x) * s + t``
    with per-gate constants ``s`` (1/2 or 1) and ``t`` (1/2 or 0): one elementwise loop over
    the ``4 * H`` gate columns instead of four slices, three sigmoids and a tanh.
    """
    size = pre.shape[-1] // 4
    scale = np.repeat(np.array([0.5, 0.5, 1.0, 0.5]), size)
    shift = np.repeat(np.array([0.5, 0.5, 0.0, 0.5]), size)
    scale, shift = jnp.asarray(scale, pre.dtype), jnp.asarray(shift, pre.dtype)
    return jnp.tanh(pre * scale) * scale + shift


def _with_bias(pre: jax.Array, w: tuple[jax.Array, ...], bias: bool) -> jax.Array:
    """``pre`` plus the step's bias (the weights' last entry) when the steps carry one.

    The sequences add the input projection's bias in the loop, inside the step's elementwise
    pass, rather than to the whole projection before it: one pass over the ``(T, B, G * H)``
    projection less per layer (two 8 MB passes, about 1 ms, in the 2-layer LSTM benchmark).
    """
    return pre + w[-1] if bias else pre


def _lstm_steps(proj: bool, bias: bool = False) -> _Steps:
    def cell(states: Any, xw_t: jax.Array, w: tuple[jax.Array, ...]) -> Any:
        """The activated gates, the new cell state and the unprojected output."""
        h, c = states
        acts = _lstm_activations(_with_bias(xw_t + _mm(h, w[0]), w, bias))
        i, f, g, o = jnp.split(acts, 4, axis=-1)
        c_new = f * c + i * g
        return acts, c_new, o * jnp.tanh(c_new)

    def step(states: Any, xw_t: jax.Array, w: tuple[jax.Array, ...]) -> Any:
        _, c_new, r = cell(states, xw_t, w)
        return (_mm(r, w[1]) if proj else r), c_new

    def saving_step(states: Any, xw_t: jax.Array, w: tuple[jax.Array, ...]) -> Any:
        acts, c_new, r = cell(states, xw_t, w)
        new = ((_mm(r, w[1]) if proj else r), c_new)
        # The tangent's coefficients, computed here where the step's values are at hand:
        # d c_new = k_i di + k_f df + k_g dg + f dc and d r = k_o do + e dc_new, with
        # (di, df, dg, do) the tangents of the gates before their activations.
        # k = (k_i, k_f, k_g, k_o) is returned in blocks: the loop writes each block into its
        # columns of the step's row (no concatenation, a separate ~50 us op per step on CPU).
        h, c = states
        i, f, g, o = jnp.split(acts, 4, axis=-1)
        tc = jnp.tanh(c_new)
        k = (i * (1 - i) * g, f * (1 - f) * c, (1 - g * g) * i, o * (1 - o) * tc)
        return new, ((k, f, o * (1 - tc * tc)), (h, r) if proj else (h,))

    def hoist(saved: Any, d_xw: jax.Array, dw: Any, w: Any) -> Any:
        h_prev = saved[0]
        d_pre = _with_bias(d_xw + _mm(h_prev, dw[0]), dw, bias)
        return (d_pre, _mm(saved[1], dw[1])) if proj else (d_pre,)

    def tangent_step(d_states: Any, hoisted: Any, coef: Any, w: tuple[jax.Array, ...]) -> Any:
        dh, dc = d_states
        k, f, e = coef
        di, df, dg, do = jnp.split((hoisted[0] + _mm(dh, w[0])) * k, 4, axis=-1)
        dc_new = di + df + dg + f * dc
        dr = do + e * dc_new
        return (_mm(dr, w[1]) + hoisted[1] if proj else dr), dc_new

    return step, saving_step, hoist, tangent_step


def _rnn_steps(relu: bool, bias: bool = False) -> _Steps:
    act = jax.nn.relu if relu else jnp.tanh

    def step(states: Any, xw_t: jax.Array, w: tuple[jax.Array, ...]) -> Any:
        return (act(_with_bias(xw_t + _mm(states[0], w[0]), w, bias)),)

    def saving_step(states: Any, xw_t: jax.Array, w: tuple[jax.Array, ...]) -> Any:
        h_new = act(_with_bias(xw_t + _mm(states[0], w[0]), w, bias))
        slope = (h_new > 0).astype(h_new.dtype) if relu else 1 - h_new * h_new
        return (h_new,), ((slope,), (states[0],))

    def hoist(saved: Any, d_xw: jax.Array, dw: Any, w: Any) -> Any:
        return (_with_bias(d_xw + _mm(saved[0], dw[0]), dw, bias),)

    def tangent_step(d_states: Any, hoisted: Any, coef: Any, w: tuple[jax.Array, ...]) -> Any:
        return ((hoisted[0] + _mm(d_states[0], w[0])) * coef[0],)

    return step, saving_step, hoist, tangent_step


def _gru_steps(bias: bool, input_bias: bool = False) -> _Steps:
    """The GRU's steps; ``bias``: ``w[1]`` is ``b_hh``; ``input_bias``: ``w[-1]`` is ``b_ih``."""

    def parts(xw_t: jax.Array, h: jax.Array, w: tuple[jax.Array, ...]) -> Any:
        hw = _mm(h, w[0])
        if bias:
            hw = hw + w[1]
        x_r, x_z, x_n = jnp.split(_with_bias(xw_t, w, input_bias), 3, axis=-1)
        h_r, h_z, h_n = jnp.split(hw, 3, axis=-1)
        r = jax.nn.sigmoid(x_r + h_r)
        z = jax.nn.sigmoid(x_z + h_z)
        n = jnp.tanh(x_n + r * h_n)
        return r, z, n, h_n

    def step(states: Any, xw_t: jax.Array, w: tuple[jax.Array, ...]) -> Any:
        h = states[0]
        _, z, n, _ = parts(xw_t, h, w)
        return (n + z * (h - n),)

    def saving_step(states: Any, xw_t: jax.Array, w: tuple[jax.Array, ...]) -> Any:
        h = states[0]
        r, z, n, h_n = parts(xw_t, h, w)
        # dh' = dh + (1 - z) (dn - dh) + z (1 - z) (h - n) a_z, dr = r (1 - r) a_r,
        # dn = (1 - n^2) (q_n + dr h_n + r u_n), with a = q + u, u = dh W_hh^T and q the hoisted
        # input tangents (``1 - z`` is saved: the tangent loop computes nothing on primal values).
        coef = (r * (1 - r), z * (1 - z) * (h - n), 1 - n * n, h_n, r, 1 - z)
        return (n + z * (h - n),), (coef, (h, r))

    def hoist(saved: Any, d_xw: jax.Array, dw: Any, w: Any) -> Any:
        h_prev, r = saved
        d_hw = _mm(h_prev, dw[0])
        if bias:
            d_hw = d_hw + dw[1]
        dx_r, dx_z, dx_n = jnp.split(_with_bias(d_xw, dw, input_bias), 3, axis=-1)
        dh_r, dh_z, dh_n = jnp.split(d_hw, 3, axis=-1)
        return (jnp.concatenate([dx_r + dh_r, dx_z + dh_z, dx_n + r * dh_n], axis=-1),)

    def tangent_step(d_states: Any, hoisted: Any, coef: Any, w: tuple[jax.Array, ...]) -> Any:
        dh = d_states[0]
        kr, kz, kn, h_n, r, one_minus_z = coef
        q_r, q_z, q_n = jnp.split(hoisted[0], 3, axis=-1)
        u_r, u_z, u_n = jnp.split(_mm(dh, w[0]), 3, axis=-1)
        a_z = q_z + u_z
        dr = kr * (q_r + u_r)
        dn = kn * (q_n + dr * h_n + r * u_n)
        return (dh + one_minus_z * (dn - dh) + kz * a_z,)

    return step, saving_step, hoist, tangent_step


# --------------------------------------------------------------------------------------------
# Cells.
# --------------------------------------------------------------------------------------------


def _cell_args(
    op: str,
    gates: int,
    input: Any,
    hx: Any,
    w_ih: Any,
    w_hh: Any,
    b_ih: Any,
    b_hh: Any,
    hidden_name: str = "hidden",
) -> tuple[jax.Array, jax.Array | None, jax.Array, jax.Array, Any, Any, bool]:
    """Validate a cell call; return batched arrays and whether the input was batched."""
    x = _floating(op, "input", input)
    w_ih = _floating(op, "w_ih", w_ih)
    w_hh = _floating(op, "w_hh", w_hh)
    if x.ndim not in (1, 2):
        raise ShapeError(f"{op}: Expected input to be 1D or 2D, got {x.ndim}D instead")
    if w_ih.ndim != 2 or w_ih.shape[0] % gates:
        raise ShapeError(
            f"{op}: w_ih must be 2-D with a multiple of {gates} rows, got shape {tuple(w_ih.shape)}"
        )
    size = w_ih.shape[0] // gates
    if x.shape[-1] != w_ih.shape[1]:
        raise ShapeError(
            f"{op}: input has inconsistent input_size: got {x.shape[-1]} expected "
            f"{w_ih.shape[1]} (input shape {tuple(x.shape)}, w_ih shape {tuple(w_ih.shape)})"
        )
    if w_hh.ndim != 2 or w_hh.shape[0] != w_ih.shape[0]:
        raise ShapeError(
            f"{op}: w_hh has shape {tuple(w_hh.shape)}, expected ({w_ih.shape[0]}, hidden) "
            f"to match w_ih shape {tuple(w_ih.shape)}"
        )
    for name, w in (("w_ih", w_ih), ("w_hh", w_hh)):
        _same_dtype(op, x, name, w)
    biases = []
    for name, b in (("b_ih", b_ih), ("b_hh", b_hh)):
        if b is not None:
            b = _floating(op, name, b)
            _shape_of(op, name, b, (gates * size,))
            _same_dtype(op, x, name, b)
        biases.append(b)
    batched = x.ndim == 2
    xb = x if batched else x[None]
    h = None
    if hx is not None:
        h = _floating(op, hidden_name, hx)
        if h.ndim != x.ndim:
            raise ShapeError(
                f"{op}: Expected {hidden_name} to be {x.ndim}D like the input, got {h.ndim}D "
                f"(input shape {tuple(x.shape)}, {hidden_name} shape {tuple(h.shape)})"
            )
        h = h if batched else h[None]
        if h.shape[0] != xb.shape[0]:
            raise ShapeError(
                f"{op}: Input batch size {xb.shape[0]} doesn't match {hidden_name} batch size "
                f"{h.shape[0]}"
            )
        _same_dtype(op, x, hidden_name, h)
    return xb, h, w_ih, w_hh, biases[0], biases[1], batched


def _check_hidden(op: str, name: str, h: jax.Array, size: int) -> None:
    if h.shape[-1] != size:
        raise ShapeError(
            f"{op}: {name} has inconsistent hidden_size: got {h.shape[-1]}, expected {size}"
        )


def _simple_cell(op: str, relu: bool, gates: int, *args: Any) -> Any:
    x, h, w_ih, w_hh, b_ih, b_hh, batched = _cell_args(op, gates, *args)
    size = w_ih.shape[0] // gates
    if w_hh.shape[1] != size:
        raise ShapeError(
            f"{op}: w_hh has shape {tuple(w_hh.shape)}, expected ({w_ih.shape[0]}, {size})"
        )
    if h is None:
        h = jnp.zeros((x.shape[0], size), x.dtype)
    _check_hidden(op, "hidden", h, size)
    xw = _mm(x, w_ih) if b_ih is None else _mm(x, w_ih) + b_ih
    if gates == 3:
        weights = (w_hh,) if b_hh is None else (w_hh, b_hh)
        (out,) = _gru_steps(b_hh is not None)[0]((h,), xw, weights)
    else:
        (out,) = _rnn_steps(relu)[0]((h,), xw if b_hh is None else xw + b_hh, (w_hh,))
    return out if batched else out[0]


@boundary("rnn_tanh_cell")
def rnn_tanh_cell(
    input: Any, hx: Any, w_ih: Any, w_hh: Any, b_ih: Any = None, b_hh: Any = None
) -> jax.Array:
    """One step of an Elman RNN with tanh: ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)``.

    Args:
        input: ``(B, I)`` or unbatched ``(I,)``.
        hx: The hidden state ``(B, H)`` (or ``(H,)``); ``None`` means zeros.
        w_ih: ``(H, I)``.
        w_hh: ``(H, H)``.
        b_ih: ``(H,)`` or ``None``.
        b_hh: ``(H,)`` or ``None``.

    Returns:
        The next hidden state, ``(B, H)`` (or ``(H,)``).

    Raises:
        ShapeError: If the input, hidden state and weights do not fit together.
        DTypeError: For non-floating arrays or arrays of different dtypes.

    Example:
        >>> x, h = jnp.ones((2, 3)), jnp.zeros((2, 4))
        >>> rnn_tanh_cell(x, h, jnp.ones((4, 3)), jnp.eye(4)).shape
        (2, 4)
    """
    return _simple_cell("rnn_tanh_cell", False, 1, input, hx, w_ih, w_hh, b_ih, b_hh)


@boundary("rnn_relu_cell")
def rnn_relu_cell(
    input: Any, hx: Any, w_ih: Any, w_hh: Any, b_ih: Any = None, b_hh: Any = None
) -> jax.Array:
    """One step of an Elman RNN with ReLU: ``h' = relu(x W_ih^T + b_ih + h W_hh^T + b_hh)``.

    Args:
        input: ``(B, I)`` or unbatched ``(I,)``.
        hx: The hidden state ``(B, H)`` (or ``(H,)``); ``None`` means zeros.
        w_ih: ``(H, I)``.
        w_hh: ``(H, H)``.
        b_ih: ``(H,)`` or ``None``.
        b_hh: ``(H,)`` or ``None``.

    Returns:
        The next hidden state, ``(B, H)`` (or ``(H,)``); the ReLU has gradient 0 at 0.

    Raises:
        ShapeError: If the input, hidden state and weights do not fit together.
        DTypeError: For non-floating arrays or arrays of different dtypes.

    Example:
        >>> rnn_relu_cell(jnp.ones(3), None, jnp.ones((4, 3)), jnp.eye(4))
        Array([3., 3., 3., 3.], dtype=float32)
    """
    return _simple_cell("rnn_relu_cell", True, 1, input, hx, w_ih, w_hh, b_ih, b_hh)


@boundary("gru_cell")
def gru_cell(
    input: Any, hx: Any, w_ih: Any, w_hh: Any, b_ih: Any = None, b_hh: Any = None
) -> jax.Array:
    """One step of a GRU, torch's formulation (``b_hn`` inside the reset product).

    .. code-block:: text

        r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)
        z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
        n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
        h' = (1 - z) * n + z * h

    Args:
        input: ``(B, I)`` or unbatched ``(I,)``.
        hx: The hidden state ``(B, H)`` (or ``(H,)``); ``None`` means zeros.
        w_ih: ``(3H, I)``, gates stacked as r, z, n.
        w_hh: ``(3H, H)``.
        b_ih: ``(3H,)`` or ``None``.
        b_hh: ``(3H,)`` or ``None``.

    Returns:
        The next hidden state, ``(B, H)`` (or ``(H,)``).

    Raises:
        ShapeError: If the input, hidden state and weights do not fit together.
        DTypeError: For non-floating arrays or arrays of different dtypes.

    Example:
        >>> gru_cell(jnp.ones((2, 3)), jnp.zeros((2, 4)), jnp.ones((12, 3)), jnp.ones((12, 4))).shape
        (2, 4)
    """
    return _simple_cell("gru_cell", False, 3, input, hx, w_ih, w_hh, b_ih, b_hh)


@boundary("lstm_cell")
def lstm_cell(
    input: Any,
    hx: Any,
    w_ih: Any,
    w_hh: Any,
    b_ih: Any = None,
    b_hh: Any = None,
    w_hr: Any = None,
) -> tuple[jax.Array, jax.Array]:
    """One step of an LSTM (gates i, f, g, o), optionally with a projection of ``h``.

    .. code-block:: text

        i, f, g, o = split(x W_ih^T + b_ih + h W_hh^T + b_hh)
        c' = sigmoid(f) * c + sigmoid(i) * tanh(g)
        h' = sigmoid(o) * tanh(c')            (then h' = h' W_hr^T with a projection)

    Args:
        input: ``(B, I)`` or unbatched ``(I,)``.
        hx: ``(h, c)`` with ``h`` ``(B, P)`` (``P = H`` without projection) and ``c``
            ``(B, H)``, unbatched ``(P,)`` and ``(H,)``; ``None`` means zeros.
        w_ih: ``(4H, I)``.
        w_hh: ``(4H, P)``.
        b_ih: ``(4H,)`` or ``None``.
        b_hh: ``(4H,)`` or ``None``.
        w_hr: The projection ``(P, H)`` or ``None`` (torch's ``lstm_cell`` has none; its LSTM
            module does).

    Returns:
        ``(h', c')``, shaped like ``hx``.

    Raises:
        ShapeError: If the input, states and weights do not fit together.
        DTypeError: For non-floating arrays or arrays of different dtypes.
        ArgumentTypeError: If ``hx`` is not a pair.

    Example:
        >>> h, c = lstm_cell(jnp.ones((2, 3)), None, jnp.ones((16, 3)), jnp.ones((16, 4)))
        >>> h.shape, c.shape
        ((2, 4), (2, 4))
    """
    op = "lstm_cell"
    if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
        raise ArgumentTypeError(f"{op}: hx must be a pair (h, c), got {type(hx).__name__}")
    h0, c0 = (None, None) if hx is None else hx
    x, h, w_ih, w_hh, b_ih, b_hh, batched = _cell_args(
        op, 4, input, h0, w_ih, w_hh, b_ih, b_hh, "hx[0]"
    )
    size = w_ih.shape[0] // 4
    out_size = size
    if w_hr is not None:
        w_hr = _floating(op, "w_hr", w_hr)
        if w_hr.ndim != 2 or w_hr.shape[1] != size:
            raise ShapeError(
                f"{op}: w_hr has shape {tuple(w_hr.shape)}, expected (proj_size, {size})"
            )
        _same_dtype(op, x, "w_hr", w_hr)
        out_size = w_hr.shape[0]
    if w_hh.shape[1] != out_size:
        raise ShapeError(
            f"{op}: w_hh has shape {tuple(w_hh.shape)}, expected ({4 * size}, {out_size})"
        )
    if h is None:
        h = jnp.zeros((x.shape[0], out_size), x.dtype)
        c = jnp.zeros((x.shape[0], size), x.dtype)
    else:
        _check_hidden(op, "hx[0]", h, out_size)
        c = _floating(op, "hx[1]", c0)
        c = c if batched else c[None]
        _shape_of(op, "hx[1]", c, (x.shape[0], size))
        _same_dtype(op, x, "hx[1]", c)
    xw = _mm(x, w_ih) if b_ih is None else _mm(x, w_ih) + b_ih
    if b_hh is not None:
        xw = xw + b_hh
    weights = (w_hh,) if w_hr is None else (w_hh, w_hr)
    h1, c1 = _lstm_steps(w_hr is not None)[0]((h, c), xw, weights)
    return (h1, c1) if batched else (h1[0], c1[0])


# --------------------------------------------------------------------------------------------
# Sequences.
# --------------------------------------------------------------------------------------------


class _Layout(NamedTuple):
    """The static structure of a call, derived from the flat parameter list."""

    mode: str
    num_layers: int
    directions: int
    bias: bool
    proj: bool
    input_size: int
    hidden_size: int
    out_size: int  # per direction: proj_size or hidden_size


def _layout(
    op: str,
    mode: str,
    params: Any,
    num_layers: Any,
    bias: Any,
    bidirectional: Any,
) -> tuple[_Layout, list[jax.Array]]:
    if not is_int(num_layers) or num_layers <= 0:
        raise InvalidArgumentError(f"{op}: num_layers must be a positive int, got {num_layers!r}")
    if not isinstance(params, (list, tuple)):
        raise ArgumentTypeError(
            f"{op}: params must be a list of weight arrays, got {type(params).__name__}"
        )
    directions = 2 if bidirectional else 1
    units = num_layers * directions
    base = 4 if bias else 2
    if len(params) not in (units * base, units * (base + 1)) or (
        mode != "lstm" and len(params) != units * base
    ):
        expected = f"{units * base}" + (f" or {units * (base + 1)}" if mode == "lstm" else "")
        raise ShapeError(
            f"{op}: got {len(params)} parameter arrays, expected {expected} for "
            f"num_layers={num_layers}, bias={bool(bias)}, bidirectional={bool(bidirectional)} "
            "(per layer and direction: w_ih, w_hh[, b_ih, b_hh][, w_hr])"
        )
    proj = len(params) == units * (base + 1)
    arrays = [_floating(op, f"params[{i}]", p) for i, p in enumerate(params)]
    gates = _GATES[mode]
    w_ih, w_hh = arrays[0], arrays[1]
    if w_ih.ndim != 2 or w_hh.ndim != 2 or w_ih.shape[0] % gates:
        raise ShapeError(
            f"{op}: params[0] (w_ih) and params[1] (w_hh) must be 2-D with {gates} * hidden_size "
            f"rows, got shapes {tuple(w_ih.shape)} and {tuple(w_hh.shape)}"
        )
    hidden = w_ih.shape[0] // gates
    out = arrays[base].shape[0] if proj else hidden
    lay = _Layout(mode, int(num_layers), directions, bool(bias), proj, w_ih.shape[1], hidden, out)
    per = base + proj
    for layer in range(lay.num_layers):
        in_size = lay.input_size if layer == 0 else out * directions
        for d in range(directions):
            first = (layer * directions + d) * per
            suffix = "_reverse" if d else ""
            expected = [(gates * hidden, in_size), (gates * hidden, out)]
            names = [f"weight_ih_l{layer}{suffix}", f"weight_hh_l{layer}{suffix}"]
            if bias:
                expected += [(gates * hidden,), (gates * hidden,)]
                names += [f"bias_ih_l{layer}{suffix}", f"bias_hh_l{layer}{suffix}"]
            if proj:
                expected.append((out, hidden))
                names.append(f"weight_hr_l{layer}{suffix}")
            for k, (shape, name) in enumerate(zip(expected, names, strict=True)):
                _shape_of(op, f"params[{first + k}] ({name})", arrays[first + k], shape)
                _same_dtype(op, arrays[0], f"params[{first + k}] ({name})", arrays[first + k])
    return lay, arrays


def _hidden(
    op: str, name: str, label: str, h: Any, expected: tuple[int, ...], x: jax.Array
) -> jax.Array:
    if h is None:
        return jnp.zeros(expected, x.dtype)
    h = _floating(op, name, h)
    if tuple(h.shape) != expected:
        raise ShapeError(f"{op}: Expected {label} size {expected}, got {list(h.shape)}")
    _same_dtype(op, x, name, h)
    return h


def _dropout(x: jax.Array, p: float, key: jax.Array) -> jax.Array:
    if p >= 1.0:
        return jnp.zeros_like(x)
    keep = jax.random.bernoulli(key, 1.0 - p, x.shape)
    return jnp.where(keep, x / jnp.asarray(1.0 - p, x.dtype), jnp.zeros((), x.dtype))


# --------------------------------------------------------------------------------------------
# The recurrences over time, with their own derivative rule.
#
# Differentiating a plain scan (``jax.vjp`` of ``lax.scan``) accumulates ``dW_hh`` inside the
# reverse loop: one small matrix product and one read-modify-write of the whole weight gradient
# per time step, and the forward saves a dozen per-step arrays. The rule below is cuDNN's and
# torch's scheme, written as a forward-mode (JVP) rule so that reverse mode comes from JAX's
# transposition and forward mode, ``vmap`` and higher derivatives keep working:
#
# - the forward loop also emits, per step, the state it started from and the derivatives of
#   the step's elementwise math, folded into a few coefficient arrays;
# - the tangents of the recurrent weights enter through ``h_prev @ dW_hh^T`` (and the LSTM
#   projection's ``r @ dW_hr^T``) for all steps at once, before the loop, so that the
#   transposed (backward) loop carries only the state's gradient and emits the gate gradients:
#   ``dW_hh`` is then ONE large matrix product over all steps (as ``dW_ih``, ``db`` and ``dx``
#   are, the input projection being one already);
# - the tangent loop is linear in the tangents with no computation on primal values in it, so
#   JAX's partial evaluation keeps it whole (no second forward loop).
#
# A recurrence is ``recur(xw, states, weights, *valid) -> (outputs, final_states)`` with ``xw``
# ``(T, B, G * H)`` (the input projection, without biases), ``weights`` ``(w_hh,)`` plus
# ``w_hr`` (LSTM projection) or ``b_hh`` (GRU), then, with biases, what each step adds to its
# row of the projection (``bias``: LSTM and RNN the sum of both biases, GRU ``b_ih``), and
# ``valid``
# ``(T, B, 1)`` booleans when lengths are given (past its length a sequence keeps its state and
# outputs zeros).
# --------------------------------------------------------------------------------------------


def _recurrence(
    mode: str, option: bool, reverse: bool, masked: bool, unroll: int, bias: bool = False
) -> Any:
    """The ``custom_jvp`` recurrence of ``mode`` (cached: one function object per structure).

    ``option`` is the LSTM projection, the GRU's ``b_hh`` or the RNN's ReLU; ``bias`` that
    the weights end with the bias each step adds to its input projection (LSTM and RNN: the
    sum of both biases; GRU: ``b_ih``).
    """
    key = (mode, option, reverse, masked, unroll, bias)
    recur = _RECURRENCES.get(key)
    if recur is not None:
        return recur
    if mode == "lstm":
        step, saving_step, hoist, tangent_step = _lstm_steps(option, bias)
    elif mode == "gru":
        step, saving_step, hoist, tangent_step = _gru_steps(option, bias)
    else:
        step, saving_step, hoist, tangent_step = _rnn_steps(option, bias)
    in_place = mode != "gru"

    def loop(body: Callable[..., Any], init: Any, xs: Any, valid: Any) -> Any:
        """``lax.scan`` of ``body(carry, x) -> (new carry, extra)``, outputs the new ``[0]``."""

        def scan_step(carry: Any, inputs: Any) -> Any:
            x, v = inputs if masked else (inputs, None)
            new, extra = body(carry, x)
            if not masked:
                return new, (new[0], extra)
            kept = tuple(jnp.where(m, n, c) for m, n, c in zip(v, new, carry, strict=True))
            return kept, (jnp.where(v[0], new[0], jnp.zeros((), new[0].dtype)), extra)

        return lax.scan(
            scan_step, init, (xs, valid) if masked else xs, reverse=reverse, unroll=unroll
        )

    def masks(valid: tuple[Any, ...], states: Any) -> Any:
        # Broadcast outside the loops: in the tangent loop, a broadcast of a primal value would
        # be split off by JAX's partial evaluation into a loop of its own.
        if not masked:
            return None
        v = valid[0]
        return tuple(jnp.broadcast_to(v, (*v.shape[:-1], s.shape[-1])) for s in states)

    def forward(xw: jax.Array, states: Any, weights: Any, *valid: Any) -> Any:
        v = masks(valid, states)
        final, (out, _) = loop(lambda s, x: (step(s, x, weights), ()), states, xw, v)
        return out, final

    recur = jax.custom_jvp(forward)

    def saving_loop(xw: jax.Array, states: Any, weights: Any, v: Any) -> Any:
        """The forward loop that also emits the tangent's per-step arrays.

        LSTM and RNN: the first coefficient of step ``t`` has the shape of ``xw[t]``, which
        the step has read, so it is written over ``xw[t]`` (in column blocks when the step
        returns a tuple of blocks). The input projection is carried through the loop as that
        buffer: XLA updates it in place, and the loop allocates no output buffer for it.
        """
        if not in_place:
            return loop(lambda s, x: saving_step(s, x, weights), states, xw, v)

        def scan_step(carry: Any, inputs: Any) -> Any:
            t, m = inputs if masked else (inputs, None)
            s, buf = carry
            new, ((first, *rest), for_hoist) = saving_step(
                s, lax.dynamic_index_in_dim(buf, t, keepdims=False), weights
            )
            column = 0
            for block in first if isinstance(first, tuple) else (first,):
                at = (t, jnp.zeros((), t.dtype), jnp.asarray(column, t.dtype))
                buf = lax.dynamic_update_slice(buf, block[None], at)
                column += block.shape[-1]
            extra = (tuple(rest), for_hoist)
            if not masked:
                return (new, buf), (new[0], extra)
            kept = tuple(jnp.where(a, n, c) for a, n, c in zip(m, new, s, strict=True))
            return (kept, buf), (jnp.where(m[0], new[0], jnp.zeros((), new[0].dtype)), extra)

        steps = jnp.arange(xw.shape[0], dtype=jnp.int32)
        (final, buf), (out, (rest, for_hoist)) = lax.scan(
            scan_step,
            (states, xw),
            (steps, v) if masked else steps,
            reverse=reverse,
            unroll=unroll,
        )
        return final, (out, ((buf, *rest), for_hoist))

    @recur.defjvp
    def _jvp(primals: tuple[Any, ...], tangents: tuple[Any, ...]) -> Any:
        xw, states, weights, *valid = primals
        d_xw, d_states, d_weights, *_ = tangents
        v = masks(tuple(valid), states)
        final, (out, (coef, for_hoist)) = saving_loop(xw, states, weights, v)
        hoisted = hoist(for_hoist, d_xw, d_weights, weights)
        d_final, (d_out, _) = loop(
            lambda ds, x: (tangent_step(ds, x[0], x[1], weights), ()),
            tuple(d_states),
            (hoisted, coef),
            v,
        )
        return (out, final), (d_out, d_final)

    _RECURRENCES[key] = recur
    return recur


# One custom_jvp function per static structure, so that JAX's tracing caches see the same
# function object on every call.
_RECURRENCES: dict[tuple[str, bool, bool, bool, int, bool], Any] = {}


def _scan_direction(
    lay: _Layout,
    x: jax.Array,
    state: tuple[jax.Array, ...],
    weights: list[jax.Array],
    mask: jax.Array | None,
    reverse: bool,
) -> tuple[jax.Array, tuple[jax.Array, ...]]:
    """Run one layer in one direction over ``x`` (T, B, I): outputs (T, B, out) and final state."""
    w_ih, w_hh = weights[0], weights[1]
    b_ih, b_hh = (weights[2], weights[3]) if lay.bias else (None, None)
    xw = _mm(x, w_ih)
    recurrent: tuple[jax.Array, ...] = (w_hh,)
    # The biases are added in the loop, once per step (see ``_with_bias``).
    if lay.mode == "gru":
        option = lay.bias
        if lay.bias:  # b_hn stays inside the reset product: b_hh separate from b_ih
            recurrent = (w_hh, b_hh, b_ih)
    else:
        option = lay.proj if lay.mode == "lstm" else lay.mode == "rnn_relu"
        if lay.proj:
            recurrent = (w_hh, weights[-1])
        if lay.bias:  # both biases add to every gate
            recurrent = (*recurrent, b_ih + b_hh)
    recur = _recurrence(lay.mode, option, reverse, mask is not None, _unroll(), lay.bias)
    out, final = recur(xw, state, recurrent, *(() if mask is None else (mask,)))
    return out, tuple(final)


def _sequence(
    op: str,
    mode: str,
    input: Any,
    hx: Any,
    params: Any,
    num_layers: Any,
    bias: Any,
    dropout: Any,
    training: Any,
    bidirectional: Any,
    batch_first: Any,
    key: Any,
    lengths: Any,
) -> tuple[jax.Array, tuple[jax.Array, ...]]:
    lay, weights = _layout(op, mode, params, num_layers, bias, bidirectional)
    x = _floating(op, "input", input)
    if x.ndim not in (2, 3):
        raise ShapeError(f"{op}: Expected input to be 2D or 3D, got {x.ndim}D instead")
    if x.shape[-1] != lay.input_size:
        raise ShapeError(
            f"{op}: input.size(-1) must be equal to input_size. Expected {lay.input_size}, "
            f"got {x.shape[-1]} (input shape {tuple(x.shape)})"
        )
    _same_dtype(op, x, "weight", weights[0])
    if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout <= 1:
        raise InvalidArgumentError(
            f"{op}: dropout should be a number in range [0, 1], got {dropout!r}"
        )
    batched = x.ndim == 3
    if not batched:
        x = x[:, None]
    elif batch_first:
        x = jnp.swapaxes(x, 0, 1)
    steps, batch = x.shape[0], x.shape[1]
    states = _initial_states(op, mode, lay, hx, batched, batch, x)
    mask = _length_mask(op, lengths, steps, batch, batched)
    use_dropout = bool(training) and dropout > 0 and lay.num_layers > 1
    if use_dropout and key is None:
        raise InvalidArgumentError(
            f"{op}: dropout={dropout} in training mode needs a PRNG key (key=jax.random.key(0))"
        )
    keys = jax.random.split(key, lay.num_layers - 1) if use_dropout else None
    per = 2 + 2 * lay.bias + lay.proj
    finals: list[list[jax.Array]] = [[] for _ in states]
    for layer in range(lay.num_layers):
        outs = []
        for d in range(lay.directions):
            u = layer * lay.directions + d
            state = tuple(s[u] for s in states)
            out, final = _scan_direction(
                lay, x, state, weights[u * per : (u + 1) * per], mask, reverse=d == 1
            )
            outs.append(out)
            for k, f in enumerate(final):
                finals[k].append(f)
        x = outs[0] if lay.directions == 1 else jnp.concatenate(outs, axis=-1)
        if use_dropout and layer < lay.num_layers - 1:
            x = _dropout(x, float(dropout), keys[layer])
    h_n = tuple(jnp.stack(f) for f in finals)
    if not batched:
        return x[:, 0], tuple(h[:, 0] for h in h_n)
    if batch_first:
        x = jnp.swapaxes(x, 0, 1)
    return x, h_n


def _initial_states(
    op: str, mode: str, lay: _Layout, hx: Any, batched: bool, batch: int, x: jax.Array
) -> tuple[jax.Array, ...]:
    units = lay.num_layers * lay.directions
    if mode == "lstm":
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise ArgumentTypeError(f"{op}: hx must be a pair (h_0, c_0), got {type(hx).__name__}")
        pair = (None, None) if hx is None else tuple(hx)
        specs = [
            ("hx[0]", "hidden[0]", pair[0], lay.out_size),
            ("hx[1]", "hidden[1]", pair[1], lay.hidden_size),
        ]
    else:
        specs = [("hx", "hidden", hx, lay.hidden_size)]
    states = []
    for name, label, h, size in specs:
        if h is not None and not batched:
            h = _floating(op, name, h)
            if h.ndim != 2:
                raise ShapeError(
                    f"{op}: For unbatched 2-D input, {name} should also be 2-D but got "
                    f"{h.ndim}-D tensor"
                )
            h = h[:, None]
        elif h is not None:
            h = _floating(op, name, h)
            if h.ndim != 3:
                raise ShapeError(
                    f"{op}: For batched 3-D input, {name} should also be 3-D but got "
                    f"{h.ndim}-D tensor"
                )
        states.append(_hidden(op, name, label, h, (units, batch, size), x))
    return tuple(states)


def _length_mask(op: str, lengths: Any, steps: int, batch: int, batched: bool) -> jax.Array | None:
    """``(T, B, 1)`` booleans, ``t < lengths[b]``; ``None`` without lengths."""
    if lengths is None:
        return None
    if not batched:
        raise ShapeError(f"{op}: lengths needs a batched (3-D) input")
    n = as_array(op, "lengths", lengths)
    if _dtypes.category(n.dtype) != 1 or n.shape != (batch,):
        raise ShapeError(
            f"{op}: lengths must be an integer array of shape ({batch},), got "
            f"{np.dtype(n.dtype).name} {tuple(n.shape)}"
        )
    if not is_tracer(n):
        values = np.asarray(n)
        if values.size and (values.min() < 1 or values.max() > steps):
            raise ShapeError(
                f"{op}: lengths must be in [1, {steps}] (the padded length), got {values.tolist()}"
            )
    return (jnp.arange(steps)[:, None] < n[None, :])[:, :, None]


@boundary("rnn")
def rnn(
    input: Any,
    hx: Any,
    params: Sequence[Any],
    num_layers: int = 1,
    bias: bool = True,
    dropout: float = 0.0,
    training: bool = False,
    bidirectional: bool = False,
    batch_first: bool = False,
    key: Any = None,
    *,
    nonlinearity: str = "tanh",
    lengths: Any = None,
) -> tuple[jax.Array, jax.Array]:
    """A multi-layer Elman RNN over a sequence (torch's ``nn.RNN``), one ``lax.scan`` per layer.

    Args:
        input: ``(T, B, I)`` (``(B, T, I)`` with ``batch_first``) or unbatched ``(T, I)``.
        hx: ``h_0`` ``(L * D, B, H)`` (unbatched ``(L * D, H)``) or ``None`` for zeros.
        params: The weights, flat, in torch's ``_flat_weights`` order: for each layer, for
            each direction (forward, then reverse), ``w_ih, w_hh[, b_ih, b_hh]``.
        num_layers: Number of stacked layers.
        bias: Whether ``params`` holds the biases.
        dropout: Probability of zeroing an output of every layer but the last (training only).
        training: Whether dropout is active.
        bidirectional: Whether each layer also runs in reverse (outputs concatenated).
        batch_first: Whether ``input`` and the output are ``(B, T, ...)``. ``hx`` is always
            ``(L * D, B, H)``, as torch.
        key: A PRNG key, required when dropout is active.
        lengths: Optional ``(B,)`` integer lengths (``1 <= lengths <= T``, may be traced) for a
            variable-length batch: outputs past a length are zero, the final state is the state
            at each sequence's last step, the reverse direction starts there.
        nonlinearity: ``"tanh"`` or ``"relu"``.

    Returns:
        ``(output, h_n)``: ``output`` ``(T, B, D * H)`` (the last layer's states), ``h_n``
        ``(L * D, B, H)`` (each layer's final state); unbatched: ``(T, D * H)``, ``(L * D, H)``.

    Raises:
        ShapeError: For inconsistent input, state and parameter shapes (torch's messages).
        DTypeError: For non-floating arrays or mixed dtypes.
        InvalidArgumentError: For a bad ``dropout``/``nonlinearity`` or a missing ``key``.

    Example:
        >>> params = [jnp.ones((4, 3)) * 0.1, jnp.eye(4) * 0.5, jnp.zeros(4), jnp.zeros(4)]
        >>> out, h_n = rnn(jnp.ones((5, 2, 3)), None, params)
        >>> out.shape, h_n.shape
        ((5, 2, 4), (1, 2, 4))
    """
    if nonlinearity not in ("tanh", "relu"):
        raise InvalidArgumentError(
            f"rnn: Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'."
        )
    out, (h_n,) = _sequence(
        "rnn",
        f"rnn_{nonlinearity}",
        input,
        hx,
        params,
        num_layers,
        bias,
        dropout,
        training,
        bidirectional,
        batch_first,
        key,
        lengths,
    )
    return out, h_n


@boundary("lstm")
def lstm(
    input: Any,
    hx: Any,
    params: Sequence[Any],
    num_layers: int = 1,
    bias: bool = True,
    dropout: float = 0.0,
    training: bool = False,
    bidirectional: bool = False,
    batch_first: bool = False,
    key: Any = None,
    *,
    lengths: Any = None,
) -> tuple[jax.Array, tuple[jax.Array, jax.Array]]:
    """A multi-layer LSTM over a sequence (torch's ``nn.LSTM``), one ``lax.scan`` per layer.

    A projection (``proj_size > 0`` in torch) is on when ``params`` holds a ``w_hr`` per layer
    and direction; ``P`` below is then the projection size, else ``P = H``.

    Args:
        input: ``(T, B, I)`` (``(B, T, I)`` with ``batch_first``) or unbatched ``(T, I)``.
        hx: ``(h_0, c_0)``, ``(L * D, B, P)`` and ``(L * D, B, H)`` (unbatched without ``B``),
            or ``None`` for zeros.
        params: The weights, flat, in torch's ``_flat_weights`` order: for each layer, for
            each direction (forward, then reverse), ``w_ih, w_hh[, b_ih, b_hh][, w_hr]``.
        num_layers: Number of stacked layers.
        bias: Whether ``params`` holds the biases.
        dropout: Probability of zeroing an output of every layer but the last (training only).
        training: Whether dropout is active.
        bidirectional: Whether each layer also runs in reverse (outputs concatenated).
        batch_first: Whether ``input`` and the output are ``(B, T, ...)``. ``hx`` is always
            ``(L * D, B, H)``, as torch.
        key: A PRNG key, required when dropout is active.
        lengths: Optional ``(B,)`` integer lengths (``1 <= lengths <= T``, may be traced) for a
            variable-length batch: outputs past a length are zero, the final state is the state
            at each sequence's last step, the reverse direction starts there.

    Returns:
        ``(output, (h_n, c_n))``: ``output`` ``(T, B, D * P)``, ``h_n`` ``(L * D, B, P)``,
        ``c_n`` ``(L * D, B, H)``; unbatched without the ``B`` axis.

    Raises:
        ShapeError: For inconsistent input, state and parameter shapes (torch's messages).
        DTypeError: For non-floating arrays or mixed dtypes.
        InvalidArgumentError: For a bad ``dropout`` or a missing ``key``.

    Example:
        >>> params = [jnp.ones((16, 3)) * 0.1, jnp.ones((16, 4)) * 0.1]
        >>> out, (h_n, c_n) = lstm(jnp.ones((5, 2, 3)), None, params, bias=False)
        >>> out.shape, h_n.shape, c_n.shape
        ((5, 2, 4), (1, 2, 4), (1, 2, 4))
    """
    out, (h_n, c_n) = _sequence(
        "lstm",
        "lstm",
        input,
        hx,
        params,
        num_layers,
        bias,
        dropout,
        training,
        bidirectional,
        batch_first,
        key,
        lengths,
    )
    return out, (h_n, c_n)


@boundary("gru")
def gru(
    input: Any,
    hx: Any,
    params: Sequence[Any],
    num_layers: int = 1,
    bias: bool = True,
    dropout: float = 0.0,
    training: bool = False,
    bidirectional: bool = False,
    batch_first: bool = False,
    key: Any = None,
    *,
    lengths: Any = None,
) -> tuple[jax.Array, jax.Array]:
    """A multi-layer GRU over a sequence (torch's ``nn.GRU``), one ``lax.scan`` per layer.

    Args:
        input: ``(T, B, I)`` (``(B, T, I)`` with ``batch_first``) or unbatched ``(T, I)``.
        hx: ``h_0`` ``(L * D, B, H)`` (unbatched ``(L * D, H)``) or ``None`` for zeros.
        params: The weights, flat, in torch's ``_flat_weights`` order: for each layer, for
            each direction (forward, then reverse), ``w_ih, w_hh[, b_ih, b_hh]``.
        num_layers: Number of stacked layers.
        bias: Whether ``params`` holds the biases.
        dropout: Probability of zeroing an output of every layer but the last (training only).
        training: Whether dropout is active.
        bidirectional: Whether each layer also runs in reverse (outputs concatenated).
        batch_first: Whether ``input`` and the output are ``(B, T, ...)``. ``hx`` is always
            ``(L * D, B, H)``, as torch.
        key: A PRNG key, required when dropout is active.
        lengths: Optional ``(B,)`` integer lengths (``1 <= lengths <= T``, may be traced) for a
            variable-length batch: outputs past a length are zero, the final state is the state
            at each sequence's last step, the reverse direction starts there.

    Returns:
        ``(output, h_n)``: ``output`` ``(T, B, D * H)``, ``h_n`` ``(L * D, B, H)``;
        unbatched without the ``B`` axis.

    Raises:
        ShapeError: For inconsistent input, state and parameter shapes (torch's messages).
        DTypeError: For non-floating arrays or mixed dtypes.
        InvalidArgumentError: For a bad ``dropout`` or a missing ``key``.

    Example:
        >>> params = [jnp.ones((12, 3)) * 0.1, jnp.ones((12, 4)) * 0.1]
        >>> out, h_n = gru(jnp.ones((2, 5, 3)), None, params, bias=False, batch_first=True)
        >>> out.shape, h_n.shape
        ((2, 5, 4), (1, 2, 4))
    """
    out, (h_n,) = _sequence(
        "gru",
        "gru",
        input,
        hx,
        params,
        num_layers,
        bias,
        dropout,
        training,
        bidirectional,
        batch_first,
        key,
        lengths,
    )
    return out, h_n


# --------------------------------------------------------------------------------------------
# Packing.
# --------------------------------------------------------------------------------------------


class PackedSequence(NamedTuple):
    """A batch of variable-length sequences in torch's packed layout (arrays, not tensors).

    Attributes:
        data: ``(N, *)``, the rows of every sequence interleaved time step by time step (all
            sequences' step 0, longest first, then step 1, ...); ``N = sum(lengths)``.
        batch_sizes: ``(T,)`` int32, how many sequences are still running at each step.
        sorted_indices: ``(B,)`` int32, the original index of each sequence in length order,
            or ``None`` when the batch was already sorted.
        unsorted_indices: The inverse permutation, or ``None``.
    """

    data: Any
    batch_sizes: Any
    sorted_indices: Any = None
    unsorted_indices: Any = None


class PackingIndices(NamedTuple):
    """The host-side index plan between a padded batch and its packed rows.

    Attributes:
        batch_sizes: ``(T,)`` int32 numpy array, running sequences per step (``T`` = the longest).
        sorted_indices: ``(B,)`` int32, original index of each sequence in decreasing length
            order (stable for equal lengths); ``None`` for an already-sorted batch packed with
            ``enforce_sorted=True``.
        unsorted_indices: The inverse of ``sorted_indices`` (``None`` with it).
        lengths: ``(B,)`` int32 lengths in the original batch order.
        pack_index: ``(N,)`` int32: packed row ``k`` is row ``pack_index[k]`` of the time-major
            padded batch flattened to ``(T * B, *)``.
        pad_index: ``(T, B)`` int32: padded position ``(t, b)`` holds packed row
            ``pad_index[t, b]``, or ``N`` (a padding row) past the sequence's end.
    """

    batch_sizes: np.ndarray
    sorted_indices: np.ndarray | None
    unsorted_indices: np.ndarray | None
    lengths: np.ndarray
    pack_index: np.ndarray
    pad_index: np.ndarray


def _concrete_ints(op: str, name: str, x: Any) -> np.ndarray:
    if is_tracer(x):
        raise TracingError(
            f"{op}: '{name}' must be concrete (a list, numpy or jax array outside jit): packing "
            "decides the output shape from its values"
        )
    values = np.asarray(x)
    if values.ndim != 1 or values.dtype.kind not in "iu":
        raise ShapeError(
            f"{op}: '{name}' must be a 1-D sequence of integers, got {values.dtype.name} "
            f"array of shape {values.shape}"
        )
    return values.astype(np.int64)


def _plan(lengths: np.ndarray, order: np.ndarray | None) -> PackingIndices:
    """The plan for ``lengths`` (original order) packed in ``order`` (None: identity)."""
    count = lengths.shape[0]
    perm = np.arange(count) if order is None else order
    inverse = np.empty(count, np.int64)
    inverse[perm] = np.arange(count)
    sorted_lengths = lengths[perm]
    steps = int(sorted_lengths[0]) if count else 0
    batch_sizes = (sorted_lengths[None, :] > np.arange(steps)[:, None]).sum(axis=1)
    offsets = np.concatenate([[0], np.cumsum(batch_sizes)[:-1]]).astype(np.int64)
    total = int(batch_sizes.sum())
    t_idx = np.repeat(np.arange(steps), batch_sizes)
    s_idx = np.arange(total) - offsets[t_idx]
    pack_index = t_idx * count + perm[s_idx]
    pos = offsets[:, None] + inverse[None, :]
    valid = np.arange(steps)[:, None] < lengths[None, :]
    pad_index = np.where(valid, pos, total)
    i32 = np.int32
    sorted_idx = None if order is None else perm.astype(i32)
    unsorted_idx = None if order is None else inverse.astype(i32)
    return PackingIndices(
        batch_sizes.astype(i32),
        sorted_idx,
        unsorted_idx,
        lengths.astype(i32),
        pack_index.astype(i32),
        pad_index.astype(i32),
    )


@boundary("packing_indices")
def packing_indices(
    lengths: Any,
    enforce_sorted: bool = True,
    *,
    batch_size: int | None = None,
    padded_length: int | None = None,
) -> PackingIndices:
    """The index plan that packs a padded batch whose sequences have ``lengths`` (host-side).

    Args:
        lengths: ``(B,)`` concrete integer lengths (a list, numpy or jax array), each ``>= 1``.
        enforce_sorted: If True, ``lengths`` must be in decreasing order and the plan has no
            permutation; if False, sequences are ordered by decreasing length (stable).
        batch_size: If given, the number of lengths required (the padded batch's size).
        padded_length: If given, the largest length allowed (the padded batch's ``T``).

    Returns:
        A :class:`PackingIndices` of numpy arrays.

    Raises:
        InvalidArgumentError: For a length ``<= 0`` or unsorted lengths with ``enforce_sorted``.
        ShapeError: If the lengths do not fit ``batch_size`` or ``padded_length``.
        TracingError: If ``lengths`` is traced (the packed size depends on its values).

    Example:
        >>> plan = packing_indices([3, 1, 2], enforce_sorted=False)
        >>> plan.batch_sizes.tolist(), plan.sorted_indices.tolist()
        ([3, 2, 1], [0, 2, 1])
    """
    op = "packing_indices"
    n = _concrete_ints(op, "lengths", lengths)
    if batch_size is not None and n.shape[0] != batch_size:
        raise ShapeError(
            f"{op}: Expected `len(lengths)` to be equal to batch_size, but got {n.shape[0]} "
            f"(batch_size={batch_size})"
        )
    if padded_length is not None and n.size and n.max() > padded_length:
        raise ShapeError(f"{op}: lengths {n.tolist()} exceed the padded length {padded_length}")
    if n.size and n.min() <= 0:
        raise InvalidArgumentError(
            f"{op}: Length of all samples has to be greater than 0, but found an element in "
            f"'lengths' that is <= 0 (lengths {n.tolist()})"
        )
    if enforce_sorted:
        if np.any(n[1:] > n[:-1]):
            raise InvalidArgumentError(
                f"{op}: `lengths` array must be sorted in decreasing order when `enforce_sorted` "
                "is True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                "pack_sequence to sidestep this requirement if you do not need ONNX "
                f"exportability. (lengths {n.tolist()})"
            )
        return _plan(n, None)
    return _plan(n, np.argsort(-n, kind="stable"))


@boundary("packing_indices_from_batch_sizes")
def packing_indices_from_batch_sizes(
    batch_sizes: Any, sorted_indices: Any = None
) -> PackingIndices:
    """The index plan of an existing packed batch, from its ``batch_sizes`` (host-side).

    Args:
        batch_sizes: ``(T,)`` concrete, non-increasing positive counts.
        sorted_indices: ``(B,)`` the packed batch's permutation, or ``None`` for identity.

    Returns:
        A :class:`PackingIndices` of numpy arrays (``lengths`` in the original order).

    Raises:
        InvalidArgumentError: If ``batch_sizes`` is not a non-increasing positive sequence or
            ``sorted_indices`` is not a permutation of ``range(batch_sizes[0])``.

    Example:
        >>> packing_indices_from_batch_sizes([2, 1]).lengths.tolist()
        [2, 1]
    """
    op = "packing_indices_from_batch_sizes"
    bs = _concrete_ints(op, "batch_sizes", batch_sizes)
    if bs.size == 0 or bs.min() <= 0 or np.any(bs[1:] > bs[:-1]):
        raise InvalidArgumentError(
            f"{op}: batch_sizes must be a non-empty, non-increasing sequence of positive "
            f"counts, got {bs.tolist()}"
        )
    count = int(bs[0])
    sorted_lengths = (bs[None, :] > np.arange(count)[:, None]).sum(axis=1)
    order = None
    if sorted_indices is not None:
        order = _concrete_ints(op, "sorted_indices", sorted_indices)
        if order.shape != (count,) or not np.array_equal(np.sort(order), np.arange(count)):
            raise InvalidArgumentError(
                f"{op}: sorted_indices must be a permutation of range({count}), got "
                f"{order.tolist()}"
            )
        lengths = np.empty(count, np.int64)
        lengths[order] = sorted_lengths
    else:
        lengths = sorted_lengths
    return _plan(lengths, order)


@boundary("pack_padded")
def pack_padded(input: Any, pack_index: Any, batch_first: bool = False) -> jax.Array:
    """Gather the packed rows of a padded batch (jit-friendly: ``pack_index`` may be traced).

    Args:
        input: ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``), ``T`` at least the longest
            length of the plan.
        pack_index: ``PackingIndices.pack_index``, ``(N,)``.
        batch_first: The layout of ``input``.

    Returns:
        ``(N, *)``, the packed ``data``.

    Raises:
        ShapeError: If ``input`` has fewer than 2 dimensions.

    Example:
        >>> plan = packing_indices([2, 1])
        >>> pack_padded(jnp.arange(6.0).reshape(3, 2), plan.pack_index)
        Array([0., 1., 2.], dtype=float32)
    """
    x = as_array("pack_padded", "input", input)
    if x.ndim < 2:
        raise ShapeError(f"pack_padded: input must have at least 2 dimensions, got {x.ndim}")
    if batch_first:
        x = jnp.swapaxes(x, 0, 1)
    flat = x.reshape((-1, *x.shape[2:]))
    idx = as_array("pack_padded", "pack_index", pack_index)
    return jnp.take(flat, idx, axis=0, mode="clip")


@boundary("pad_packed")
def pad_packed(
    data: Any,
    pad_index: Any,
    batch_first: bool = False,
    padding_value: float = 0.0,
    total_length: int | None = None,
) -> jax.Array:
    """Scatter packed rows back into a padded batch (jit-friendly: ``pad_index`` may be traced).

    Args:
        data: ``(N, *)`` packed rows.
        pad_index: ``PackingIndices.pad_index``, ``(T, B)``.
        batch_first: Return ``(B, T_out, *)`` instead of ``(T_out, B, *)``.
        padding_value: The value past each sequence's end.
        total_length: Pad to this many steps (at least ``T``); ``None`` for ``T``.

    Returns:
        The padded batch.

    Raises:
        InvalidArgumentError: If ``total_length`` is shorter than ``T``.

    Example:
        >>> plan = packing_indices([2, 1])
        >>> pad_packed(jnp.array([1.0, 2.0, 3.0]), plan.pad_index, padding_value=-1.0)
        Array([[ 1.,  2.],
               [ 3., -1.]], dtype=float32)
    """
    op = "pad_packed"
    d = as_array(op, "data", data)
    idx = as_array(op, "pad_index", pad_index)
    if d.ndim < 1 or idx.ndim != 2:
        raise ShapeError(
            f"{op}: expected data (N, *) and pad_index (T, B), got shapes {tuple(d.shape)} and "
            f"{tuple(idx.shape)}"
        )
    steps = idx.shape[0]
    if total_length is not None:
        if not is_int(total_length) or total_length < steps:
            raise InvalidArgumentError(
                f"{op}: Expected total_length to be at least the length of the longest sequence "
                f"in input, but got total_length={total_length} and max sequence length being "
                f"{steps}"
            )
        idx = jnp.concatenate(
            [idx, jnp.full((total_length - steps, idx.shape[1]), d.shape[0], idx.dtype)]
        )
    fill = jnp.full((1, *d.shape[1:]), padding_value, d.dtype)
    out = jnp.take(jnp.concatenate([d, fill]), idx, axis=0, mode="clip")
    return jnp.swapaxes(out, 0, 1) if batch_first else out


@boundary("pack_padded_sequence")
def pack_padded_sequence(
    input: Any, lengths: Any, batch_first: bool = False, enforce_sorted: bool = True
) -> PackedSequence:
    """Pack a padded batch of variable-length sequences (torch's ``pack_padded_sequence``).

    Args:
        input: ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``).
        lengths: ``(B,)`` concrete lengths, each in ``[1, T]``.
        batch_first: The layout of ``input``.
        enforce_sorted: Require decreasing lengths (no permutation) if True.

    Returns:
        A :class:`PackedSequence` of arrays (index arrays int32).

    Raises:
        InvalidArgumentError: For bad lengths (see :func:`packing_indices`).
        ShapeError: If ``lengths`` does not match the batch or exceeds ``T``.

    Example:
        >>> packed = pack_padded_sequence(jnp.ones((3, 2, 4)), [3, 1])
        >>> packed.data.shape, packed.batch_sizes.tolist()
        ((4, 4), [2, 1, 1])
    """
    op = "pack_padded_sequence"
    x = as_array(op, "input", input)
    if x.ndim < 2:
        raise ShapeError(f"{op}: input must have at least 2 dimensions, got {x.ndim}")
    steps, batch = (x.shape[1], x.shape[0]) if batch_first else (x.shape[0], x.shape[1])
    plan = packing_indices(lengths, enforce_sorted, batch_size=batch, padded_length=steps)
    data = pack_padded(x, plan.pack_index, batch_first)
    return _packed_arrays(data, plan)


def _packed_arrays(data: jax.Array, plan: PackingIndices) -> PackedSequence:
    def arr(a: np.ndarray | None) -> jax.Array | None:
        return None if a is None else jnp.asarray(a)

    return PackedSequence(
        data, arr(plan.batch_sizes), arr(plan.sorted_indices), arr(plan.unsorted_indices)
    )


@boundary("pad_packed_sequence")
def pad_packed_sequence(
    sequence: PackedSequence,
    batch_first: bool = False,
    padding_value: float = 0.0,
    total_length: int | None = None,
) -> tuple[jax.Array, jax.Array]:
    """Unpack a :class:`PackedSequence` into a padded batch (torch's ``pad_packed_sequence``).

    Args:
        sequence: The packed batch (``batch_sizes`` concrete).
        batch_first: Return ``(B, T, *)`` instead of ``(T, B, *)``.
        padding_value: The value past each sequence's end.
        total_length: Pad to this many steps; ``None`` for the longest length.

    Returns:
        ``(padded, lengths)``, the batch in its original order and the ``(B,)`` int32 lengths.

    Raises:
        InvalidArgumentError: If ``total_length`` is shorter than the longest sequence.

    Example:
        >>> packed = pack_padded_sequence(jnp.ones((3, 2, 4)), [3, 1])
        >>> padded, lengths = pad_packed_sequence(packed)
        >>> padded.shape, lengths.tolist()
        ((3, 2, 4), [3, 1])
    """
    data, batch_sizes, sorted_indices = sequence[0], sequence[1], sequence[2]
    plan = packing_indices_from_batch_sizes(batch_sizes, sorted_indices)
    padded = pad_packed(data, plan.pad_index, batch_first, padding_value, total_length)
    return padded, jnp.asarray(plan.lengths)


@boundary("pad_sequence")
def pad_sequence(
    sequences: Sequence[Any],
    batch_first: bool = False,
    padding_value: float = 0.0,
    padding_side: str = "right",
) -> jax.Array:
    """Stack sequences of different lengths into one padded array (torch's ``pad_sequence``).

    Args:
        sequences: Arrays ``(L_i, *)`` with the same trailing shape and dtype.
        batch_first: Return ``(B, T, *)`` instead of ``(T, B, *)``; ``T = max(L_i)``.
        padding_value: The fill value.
        padding_side: ``"right"`` (pad after each sequence) or ``"left"``.

    Returns:
        The padded batch.

    Raises:
        ShapeError: For an empty list or mismatched trailing shapes.
        InvalidArgumentError: For another ``padding_side``.

    Example:
        >>> pad_sequence([jnp.ones(2), jnp.ones(1)], batch_first=True)
        Array([[1., 1.],
               [1., 0.]], dtype=float32)
    """
    op = "pad_sequence"
    if padding_side not in ("left", "right"):
        raise InvalidArgumentError(
            f"{op}: Expected padding_side to be one of left or right, but got {padding_side!r}"
        )
    if isinstance(sequences, jax.Array | np.ndarray):
        sequences = list(sequences)
    if not isinstance(sequences, (list, tuple)) or not sequences:
        raise ShapeError(f"{op}: received an empty list of sequences")
    arrays = [as_array(op, f"sequences[{i}]", s) for i, s in enumerate(sequences)]
    trailing = arrays[0].shape[1:]
    for i, a in enumerate(arrays):
        if a.ndim < 1 or a.shape[1:] != trailing:
            raise ShapeError(
                f"{op}: sequences[{i}] has shape {tuple(a.shape)}; every sequence must be "
                f"(L, *{tuple(trailing)})"
            )
    dtype = jnp.result_type(*arrays)
    steps = max(a.shape[0] for a in arrays)
    rows = []
    for a in arrays:
        extra = steps - a.shape[0]
        pad = [(0, extra) if padding_side == "right" else (extra, 0)] + [(0, 0)] * len(trailing)
        rows.append(jnp.pad(a.astype(dtype), pad, constant_values=padding_value))
    return jnp.stack(rows, axis=0 if batch_first else 1)
