"""compat.nn RNN/LSTM/GRU, their cells and compat.nn.utils.rnn against torch (weights copied)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
from conftest import assert_close, randn

import compat
import compat.nn as nn
from compat.nn.utils import rnn as rnn_utils
from rustorch_fx.errors import ArgumentTypeError, InvalidArgumentError, ShapeError

IN, H, T, B = 3, 4, 5, 2
CLASSES = {
    "RNN": (nn.RNN, torch.nn.RNN),
    "LSTM": (nn.LSTM, torch.nn.LSTM),
    "GRU": (nn.GRU, torch.nn.GRU),
}
CELLS = {
    "RNNCell": (nn.RNNCell, torch.nn.RNNCell),
    "LSTMCell": (nn.LSTMCell, torch.nn.LSTMCell),
    "GRUCell": (nn.GRUCell, torch.nn.GRUCell),
}


def _pair(kind: str, *args, table=CLASSES, **kw):
    """A torch module and a compat module holding the same weights."""
    ours_cls, torch_cls = table[kind]
    torch.manual_seed(0)
    theirs = torch_cls(*args, **kw)
    ours = ours_cls(*args, **kw)
    ours.load_state_dict(
        {k: compat.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()}
    )
    return ours, theirs


def _c(x: np.ndarray, grad: bool = True) -> compat.Tensor:
    return compat.tensor(x, requires_grad=grad)


def _t(x: np.ndarray, grad: bool = True) -> torch.Tensor:
    return torch.tensor(x, requires_grad=grad)


def _flat(kind: str, result):
    out, hidden = result
    return [out, *hidden] if kind == "LSTM" else [out, hidden]


def _hidden_shapes(kind: str, m: torch.nn.Module, batch: int | None) -> list[tuple[int, ...]]:
    lead = (m.num_layers * (2 if m.bidirectional else 1),) + (() if batch is None else (batch,))
    if kind == "LSTM":
        return [(*lead, m.proj_size or m.hidden_size), (*lead, m.hidden_size)]
    return [(*lead, m.hidden_size)]


def _compare_params(ours: nn.Module, theirs: torch.nn.Module) -> None:
    named = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        assert_close(named[name].grad, p.grad)


CASES = [
    ("RNN", {}),
    ("RNN", {"nonlinearity": "relu", "num_layers": 2, "bidirectional": True}),
    ("LSTM", {}),
    ("LSTM", {"num_layers": 2, "bidirectional": True, "batch_first": True}),
    ("LSTM", {"proj_size": 2, "num_layers": 2}),
    ("LSTM", {"bias": False, "bidirectional": True, "proj_size": 3}),
    ("GRU", {"num_layers": 2}),
    ("GRU", {"bidirectional": True, "batch_first": True, "bias": False}),
]
IDS = [f"{k}-{'-'.join(f'{a}={b}' for a, b in kw.items())}" for k, kw in CASES]


@pytest.mark.parametrize(("kind", "kw"), CASES, ids=IDS)
@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
def test_forward_and_backward_match_torch(kind, kw, train, rng):
    ours, theirs = _pair(kind, IN, H, **kw)
    ours.train(train)
    theirs.train(train)
    x = randn(rng, *((B, T, IN) if theirs.batch_first else (T, B, IN)))
    hs = [randn(rng, *s) for s in _hidden_shapes(kind, theirs, B)]
    hx_c = [_c(h) for h in hs]
    hx_t = [_t(h) for h in hs]
    xc, xt = _c(x), _t(x)
    res_c = _flat(kind, ours(xc, tuple(hx_c) if kind == "LSTM" else hx_c[0]))
    res_t = _flat(kind, theirs(xt, tuple(hx_t) if kind == "LSTM" else hx_t[0]))
    for a, b in zip(res_c, res_t, strict=True):
        assert_close(a, b)
    cts = [randn(rng, *r.shape) for r in res_t]
    sum((r * compat.tensor(c)).sum() for r, c in zip(res_c, cts, strict=True)).backward()
    sum((r * torch.tensor(c)).sum() for r, c in zip(res_t, cts, strict=True)).backward()
    assert_close(xc.grad, xt.grad)
    for a, b in zip(hx_c, hx_t, strict=True):
        assert_close(a.grad, b.grad)
    _compare_params(ours, theirs)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_whole_forward_is_one_op(kind, rng):
    ours, _ = _pair(kind, IN, H, num_layers=2, bidirectional=True)
    out, hidden = ours(_c(randn(rng, T, B, IN)))
    states = hidden if kind == "LSTM" else (hidden,)
    assert all(h.grad_fn is out.grad_fn for h in states)
    assert out.grad_fn.name() == "SequenceOpBackward0"


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_unbatched_input(kind, rng):
    ours, theirs = _pair(kind, IN, H, num_layers=2)
    x = randn(rng, T, IN)
    for a, b in zip(_flat(kind, ours(_c(x))), _flat(kind, theirs(_t(x))), strict=True):
        assert_close(a, b)
    hs = [randn(rng, *s) for s in _hidden_shapes(kind, theirs, None)]
    hx_c = tuple(_c(h) for h in hs) if kind == "LSTM" else _c(hs[0])
    hx_t = tuple(_t(h) for h in hs) if kind == "LSTM" else _t(hs[0])
    for a, b in zip(_flat(kind, ours(_c(x), hx_c)), _flat(kind, theirs(_t(x), hx_t)), strict=True):
        assert_close(a, b)


@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_packed_input_matches_torch(kind, enforce_sorted, rng):
    kw = {"num_layers": 2, "bidirectional": True}
    if kind == "LSTM":
        kw["proj_size"] = 2
    ours, theirs = _pair(kind, IN, H, **kw)
    lengths = [5, 3, 2] if enforce_sorted else [2, 5, 3]
    x = randn(rng, 3, T, IN)
    hs = [randn(rng, *s) for s in _hidden_shapes(kind, theirs, 3)]
    xc, xt = _c(x), _t(x)
    hx_c = [_c(h) for h in hs]
    hx_t = [_t(h) for h in hs]
    pc = rnn_utils.pack_padded_sequence(
        xc, lengths, batch_first=True, enforce_sorted=enforce_sorted
    )
    pt = torch.nn.utils.rnn.pack_padded_sequence(
        xt, torch.tensor(lengths), batch_first=True, enforce_sorted=enforce_sorted
    )
    out_c, hid_c = ours(pc, tuple(hx_c) if kind == "LSTM" else hx_c[0])
    out_t, hid_t = theirs(pt, tuple(hx_t) if kind == "LSTM" else hx_t[0])
    assert isinstance(out_c, rnn_utils.PackedSequence)
    assert_close(out_c.data, out_t.data)
    assert_close(out_c.batch_sizes, out_t.batch_sizes)
    if enforce_sorted:
        assert out_c.sorted_indices is None and out_t.sorted_indices is None
    else:
        assert_close(out_c.sorted_indices, out_t.sorted_indices)
        assert_close(out_c.unsorted_indices, out_t.unsorted_indices)
    res_c = [out_c.data, *(hid_c if kind == "LSTM" else (hid_c,))]
    res_t = [out_t.data, *(hid_t if kind == "LSTM" else (hid_t,))]
    for a, b in zip(res_c[1:], res_t[1:], strict=True):
        assert_close(a, b)
    cts = [randn(rng, *r.shape) for r in res_t]
    sum((r * compat.tensor(c)).sum() for r, c in zip(res_c, cts, strict=True)).backward()
    sum((r * torch.tensor(c)).sum() for r, c in zip(res_t, cts, strict=True)).backward()
    assert_close(xc.grad, xt.grad)
    for a, b in zip(hx_c, hx_t, strict=True):
        assert_close(a.grad, b.grad)
    _compare_params(ours, theirs)
    padded_c, len_c = rnn_utils.pad_packed_sequence(out_c, batch_first=True)
    padded_t, len_t = torch.nn.utils.rnn.pad_packed_sequence(out_t, batch_first=True)
    assert_close(padded_c, padded_t)
    assert_close(len_c, len_t)


@pytest.mark.parametrize(
    ("kind", "kw"),
    [
        ("RNNCell", {}),
        ("RNNCell", {"nonlinearity": "relu", "bias": False}),
        ("LSTMCell", {}),
        ("GRUCell", {}),
    ],
    ids=["rnn-tanh", "rnn-relu-nobias", "lstm", "gru"],
)
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("with_hx", [True, False])
def test_cells_match_torch(kind, kw, batched, with_hx, rng):
    ours, theirs = _pair(kind, IN, H, table=CELLS, **kw)
    lead = (B,) if batched else ()
    x = randn(rng, *lead, IN)
    lstm = kind == "LSTMCell"
    hs = [randn(rng, *lead, H) for _ in range(2 if lstm else 1)]
    hx_c = [_c(h) for h in hs]
    hx_t = [_t(h) for h in hs]
    xc, xt = _c(x), _t(x)
    args_c = (tuple(hx_c) if lstm else hx_c[0],) if with_hx else ()
    args_t = (tuple(hx_t) if lstm else hx_t[0],) if with_hx else ()
    res_c = ours(xc, *args_c)
    res_t = theirs(xt, *args_t)
    res_c, res_t = (list(res_c), list(res_t)) if lstm else ([res_c], [res_t])
    for a, b in zip(res_c, res_t, strict=True):
        assert_close(a, b)
    cts = [randn(rng, *r.shape) for r in res_t]
    sum((r * compat.tensor(c)).sum() for r, c in zip(res_c, cts, strict=True)).backward()
    sum((r * torch.tensor(c)).sum() for r, c in zip(res_t, cts, strict=True)).backward()
    assert_close(xc.grad, xt.grad)
    if with_hx:
        for a, b in zip(hx_c, hx_t, strict=True):
            assert_close(a.grad, b.grad)
    _compare_params(ours, theirs)


# --------------------------------------------------------------------------------------------
# Parameters, state dict, init, repr.
# --------------------------------------------------------------------------------------------

CONFIGS = [
    ("RNN", {"num_layers": 2, "bidirectional": True}),
    ("LSTM", {"num_layers": 2, "bidirectional": True, "proj_size": 2}),
    ("LSTM", {"bias": False, "proj_size": 3}),
    ("GRU", {"bias": False, "num_layers": 3}),
]


@pytest.mark.parametrize(("kind", "kw"), CONFIGS, ids=[k for k, _ in CONFIGS])
def test_state_dict_keys_shapes_and_repr_match_torch(kind, kw):
    ours_cls, torch_cls = CLASSES[kind]
    ours, theirs = ours_cls(IN, H, **kw), torch_cls(IN, H, **kw)
    sd_c, sd_t = ours.state_dict(), theirs.state_dict()
    assert list(sd_c) == list(sd_t)
    for k in sd_t:
        assert tuple(sd_c[k].shape) == tuple(sd_t[k].shape)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert ours._flat_weights_names == theirs._flat_weights_names
    assert [[tuple(p.shape) for p in w] for w in ours.all_weights] == [
        [tuple(p.shape) for p in w] for w in theirs.all_weights
    ]
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cell_state_dict_and_repr(kind):
    ours_cls, torch_cls = CELLS[kind]
    for kw in ({}, {"bias": False}):
        ours, theirs = ours_cls(IN, H, **kw), torch_cls(IN, H, **kw)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        assert repr(ours) == repr(theirs)
    assert repr(nn.RNNCell(2, 3, nonlinearity="relu")) == repr(
        torch.nn.RNNCell(2, 3, nonlinearity="relu")
    )
    assert repr(nn.RNN(2, 3, dropout=0.5, num_layers=2, batch_first=True)) == repr(
        torch.nn.RNN(2, 3, dropout=0.5, num_layers=2, batch_first=True)
    )


def test_default_init_is_uniform_in_one_over_sqrt_hidden():
    compat.manual_seed(0)
    hidden = 64
    m = nn.LSTM(IN, hidden)
    bound = 1 / math.sqrt(hidden)
    values = np.concatenate([p.detach().numpy().ravel() for p in m.parameters()])
    assert np.abs(values).max() <= bound
    assert abs(values.mean()) < 0.03 * bound
    assert abs(values.std() - bound / math.sqrt(3)) < 0.05 * bound
    cell = nn.GRUCell(IN, H)
    assert all(float(p.abs().max()) <= 1 / math.sqrt(H) for p in cell.parameters())
    # reproducible under manual_seed
    compat.manual_seed(0)
    again = np.concatenate([p.detach().numpy().ravel() for p in nn.LSTM(IN, hidden).parameters()])
    np.testing.assert_array_equal(values, again)


def test_float64_module(rng):
    ours, theirs = _pair("GRU", IN, H)
    ours.double()
    theirs.double()
    x = randn(rng, T, B, IN, dtype=np.float64)
    for a, b in zip(_flat("GRU", ours(_c(x))), _flat("GRU", theirs(_t(x))), strict=True):
        assert_close(a, b, rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------------------------
# Dropout.
# --------------------------------------------------------------------------------------------


def test_dropout_between_layers_is_seeded_and_off_in_eval(rng):
    m = nn.LSTM(IN, H, num_layers=2, dropout=0.5)
    x = _c(randn(rng, T, B, IN), grad=False)
    compat.manual_seed(1)
    a = m(x)[0].detach().numpy()
    compat.manual_seed(1)
    b = m(x)[0].detach().numpy()
    c = m(x)[0].detach().numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    m.eval()
    np.testing.assert_array_equal(m(x)[0].detach().numpy(), m(x)[0].detach().numpy())
    m.dropout = 0.0  # without dropout, train mode is eval mode
    m.train()
    assert_close(m(x)[0], m.eval()(x)[0])


def test_dropout_warning_and_validation():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.GRU(IN, H, dropout=0.2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.GRU(IN, H, dropout=0.2, num_layers=2)
    with pytest.raises(ValueError, match=r"dropout should be a number in range \[0, 1\]"):
        nn.LSTM(IN, H, dropout=1.5)
    with pytest.raises(InvalidArgumentError, match="dropout should be a number"):
        nn.LSTM(IN, H, dropout=True)


def test_training_over_1000_steps_stays_finite_with_clip_grad_norm(rng):
    from compat.nn.utils import clip_grad_norm_

    compat.manual_seed(0)
    m = nn.RNN(2, 8)
    with compat.no_grad():
        m.weight_hh_l0.mul_(6.0)  # large recurrent weights: large gradients over 1000 steps
    x = compat.tensor(randn(rng, 1000, 2, 2))
    target = compat.tensor(randn(rng, 1000, 2, 8) * 0.5)
    for _ in range(3):
        m.zero_grad()
        out, _ = m(x)
        loss = ((out - target) ** 2).mean()
        loss.backward()
        norm = clip_grad_norm_(list(m.parameters()), 0.01)  # list: see report
        assert math.isfinite(loss.item()) and math.isfinite(norm.item())
        assert norm.item() > 0.01  # clipping is active
        clipped = math.sqrt(sum(float((p.grad**2).sum()) for p in m.parameters()))
        assert clipped <= 0.01 * (1 + 1e-4)
        with compat.no_grad():
            for p in m.parameters():
                p.sub_(1.0 * p.grad)
        assert all(bool(compat.isfinite(p).all()) for p in m.parameters())


# --------------------------------------------------------------------------------------------
# Errors.
# --------------------------------------------------------------------------------------------


def test_constructor_errors():
    with pytest.raises(ValueError, match="proj_size argument is only supported for LSTM"):
        nn.GRU(IN, H, proj_size=1)
    with pytest.raises(InvalidArgumentError, match="proj_size has to be smaller than hidden_size"):
        nn.LSTM(IN, H, proj_size=H)
    with pytest.raises(
        InvalidArgumentError, match="proj_size should be a positive integer or zero"
    ):
        nn.LSTM(IN, H, proj_size=-1)
    with pytest.raises(
        ValueError, match="Unknown nonlinearity 'gelu'. Select from 'tanh' or 'relu'."
    ):
        nn.RNN(IN, H, nonlinearity="gelu")
    with pytest.raises(TypeError, match="input_size should be of type int, got: float"):
        nn.LSTM(3.0, H)
    with pytest.raises(ArgumentTypeError, match="bias should be of type bool, got: int"):
        nn.GRU(IN, H, bias=1)
    with pytest.raises(InvalidArgumentError, match="hidden_size must be greater than zero"):
        nn.RNN(IN, 0)
    with pytest.raises(InvalidArgumentError, match="num_layers must be greater than zero"):
        nn.RNN(IN, H, num_layers=0)
    with pytest.raises(InvalidArgumentError, match="Unknown nonlinearity: sigmoid"):
        nn.RNNCell(IN, H, nonlinearity="sigmoid")
    # RNN's nonlinearity may be given positionally, as in torch
    assert nn.RNN(IN, H, 2, "relu").nonlinearity == "relu"


def test_forward_errors_use_torch_messages(rng):
    lstm = nn.LSTM(IN, H, num_layers=2)
    x = compat.randn(T, B, 7)
    with pytest.raises(
        RuntimeError, match=r"input.size\(-1\) must be equal to input_size. Expected 3, got 7"
    ):
        lstm(x)
    x = compat.randn(T, B, IN)
    with pytest.raises(
        RuntimeError, match=r"Expected hidden\[0\] size \(2, 2, 4\), got \[2, 2, 5\]"
    ):
        lstm(x, (compat.zeros(2, B, 5), compat.zeros(2, B, H)))
    gru = nn.GRU(IN, H, num_layers=2)
    with pytest.raises(ShapeError, match=r"Expected hidden size \(2, 2, 4\), got \[2, 3, 4\]"):
        gru(x, compat.zeros(2, 3, H))
    with pytest.raises(
        ValueError, match="GRU: Expected input to be 2D or 3D, got 4D tensor instead"
    ):
        gru(compat.zeros(1, T, B, IN))
    with pytest.raises(RuntimeError, match="For batched 3-D input, hx should also be 3-D"):
        gru(x, compat.zeros(B, H))
    with pytest.raises(RuntimeError, match="For unbatched 2-D input, hx should also be 2-D"):
        gru(x[:, 0], compat.zeros(2, 1, H))
    with pytest.raises(ArgumentTypeError, match="hx must be a tuple"):
        lstm(x, compat.zeros(2, B, H))
    with pytest.raises(
        TypeError, match=r"input dtype \(float64\) does not match weight dtype \(float32\)"
    ):
        gru(x.double())
    cell = nn.LSTMCell(IN, H)
    with pytest.raises(ValueError, match="LSTMCell: Expected input to be 1D or 2D, got 3D instead"):
        cell(x)
    with pytest.raises(RuntimeError, match="input has inconsistent input_size: got 7 expected 3"):
        cell(compat.zeros(B, 7))
    with pytest.raises(
        ValueError, match=r"GRUCell: Expected hidden to be 1D or 2D, got 3D instead"
    ):
        nn.GRUCell(IN, H)(compat.zeros(B, IN), compat.zeros(1, B, H))
    with pytest.raises(RuntimeError, match="Input batch size 3 doesn't match hidden batch size 2"):
        nn.RNNCell(IN, H)(compat.zeros(3, IN), compat.zeros(2, H))


# --------------------------------------------------------------------------------------------
# compat.nn.utils.rnn.
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("batch_first", [False, True])
def test_pack_pad_round_trip_and_gradients_match_torch(batch_first, rng):
    lengths = [2, 4, 1]
    shape = (3, 4, 2) if batch_first else (4, 3, 2)
    x = randn(rng, *shape)
    xc, xt = _c(x), _t(x)
    pc = rnn_utils.pack_padded_sequence(
        xc, compat.tensor(lengths), batch_first, enforce_sorted=False
    )
    pt = torch.nn.utils.rnn.pack_padded_sequence(
        xt, torch.tensor(lengths), batch_first, enforce_sorted=False
    )
    for a, b in zip(pc, pt, strict=True):
        assert_close(a, b)
    assert pc.batch_sizes.dtype == compat.int64
    padded_c, lc = rnn_utils.pad_packed_sequence(
        pc, batch_first, padding_value=-2.0, total_length=6
    )
    padded_t, lt = torch.nn.utils.rnn.pad_packed_sequence(
        pt, batch_first, padding_value=-2.0, total_length=6
    )
    assert_close(padded_c, padded_t)
    assert_close(lc, lt)
    ct = randn(rng, *padded_t.shape)
    (padded_c * compat.tensor(ct)).sum().backward()
    (padded_t * torch.tensor(ct)).sum().backward()
    assert_close(xc.grad, xt.grad)


@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence_and_list_helpers_match_torch(padding_side, rng):
    seqs = [randn(rng, n, 2) for n in (3, 1, 4)]
    sc = [_c(s) for s in seqs]
    st = [_t(s) for s in seqs]
    pad_c = rnn_utils.pad_sequence(
        sc, batch_first=True, padding_value=0.5, padding_side=padding_side
    )
    pad_t = torch.nn.utils.rnn.pad_sequence(
        st, batch_first=True, padding_value=0.5, padding_side=padding_side
    )
    assert_close(pad_c, pad_t)
    pad_c.sum().backward()
    for a in sc:
        assert_close(a.grad, np.ones_like(a.detach().numpy()))
    packed_c = rnn_utils.pack_sequence(sc, enforce_sorted=False)
    packed_t = torch.nn.utils.rnn.pack_sequence(st, enforce_sorted=False)
    for a, b in zip(packed_c, packed_t, strict=True):
        assert_close(a, b)
    for a, b in zip(
        rnn_utils.unpack_sequence(packed_c),
        torch.nn.utils.rnn.unpack_sequence(packed_t),
        strict=True,
    ):
        assert_close(a, b)
    padded = rnn_utils.pad_sequence(sc)
    unpadded = rnn_utils.unpad_sequence(padded, compat.tensor([3, 1, 4]))
    for a, b in zip(
        unpadded,
        torch.nn.utils.rnn.unpad_sequence(
            torch.nn.utils.rnn.pad_sequence(st), torch.tensor([3, 1, 4])
        ),
        strict=True,
    ):
        assert_close(a, b)


def test_packed_sequence_object():
    p = rnn_utils.PackedSequence(compat.zeros(3, 2), compat.tensor([2, 1]), compat.tensor([1, 0]))
    assert p.unsorted_indices.tolist() == [1, 0]
    assert p.is_cuda is False
    q = p.double()
    assert q.data.dtype == compat.float64 and q.batch_sizes.dtype == compat.int64
    assert p.to(compat.float32) is p
    data, batch_sizes, sorted_indices, unsorted_indices = p
    assert tuple(data.shape) == (3, 2) and batch_sizes.tolist() == [2, 1]
    assert sorted_indices.tolist() == [1, 0] and unsorted_indices.tolist() == [1, 0]
    assert rnn_utils.invert_permutation(None) is None
    assert rnn_utils.invert_permutation(compat.tensor([2, 0, 1])).tolist() == [1, 2, 0]


def test_utils_errors():
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order"):
        rnn_utils.pack_padded_sequence(compat.zeros(3, 2), [1, 3])
    with pytest.raises(RuntimeError, match="Expected `len\\(lengths\\)` to be equal to batch_size"):
        rnn_utils.pack_padded_sequence(compat.zeros(3, 2), [3])
    packed = rnn_utils.pack_sequence([compat.zeros(3), compat.zeros(2)])
    with pytest.raises(ValueError, match="Expected total_length to be at least"):
        rnn_utils.pad_packed_sequence(packed, total_length=2)
    with pytest.raises(ArgumentTypeError, match="expected a PackedSequence"):
        rnn_utils.pad_packed_sequence(compat.zeros(3))
    with pytest.raises(ArgumentTypeError, match="Expected iterable for input sequences"):
        rnn_utils.pad_sequence(3)


def test_lstm_benchmark_case_runs_the_same_model_in_both_libraries():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "_layers_lstm.py"
    spec = importlib.util.spec_from_file_location("layers_lstm_bench", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    compat_step, torch_step = bench.lstm_case(quick=True)
    compat_step()
    torch_step()
    ours, theirs, xs = bench._modules(quick=True)
    assert_close(ours(compat.tensor(xs))[0], theirs(torch.tensor(xs))[0])
    bench.jax_step(quick=True)()


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_double_backward_matches_torch(kind, rng):
    # create_graph=True differentiates the sequence's own derivative rule a second time
    ours, theirs = _pair(kind, IN, H)
    ours.double()
    theirs.double()
    x = randn(rng, T, B, IN, dtype=np.float64)
    grads = []
    for lib, m in ((compat, ours), (torch, theirs)):
        out, _ = m(lib.tensor(x))
        first = lib.autograd.grad((out**2).sum(), list(m.parameters()), create_graph=True)
        sum((g**2).sum() for g in first).backward()
        grads.append([p.grad for p in m.parameters()])
    for g, expected in zip(*grads, strict=True):
        assert_close(g, expected, rtol=1e-10, atol=1e-12)


def test_sequence_op_runs_as_its_own_programs_in_lazy_mode(rng):
    # Fused with the rest of a step, a long sequence's forward + backward needs one large
    # scratch block that is mapped afresh on every call; the op runs on its own instead.
    from compat import _engine

    previous = _engine.set_lazy(True)
    try:
        m = nn.LSTM(IN, H)
        x = compat.tensor(randn(rng, T, B, IN))
        for _ in range(2):  # the first use of an op in grad mode runs eagerly anyway
            out, _ = m(x)
            assert not isinstance(_engine._raw_value(out), _engine._Pending)
            (out * out).mean().backward()
        assert m.weight_hh_l0.grad is not None
    finally:
        _engine.set_lazy(previous)


def test_forward_residuals_that_are_inputs_are_the_inputs_not_copies(rng):
    # The forward program would return each such residual as a copy of its input (XLA does
    # not alias undonated inputs to outputs): the pullback holds the caller's arrays instead.
    import jax

    ours, theirs = _pair("LSTM", IN, H, num_layers=2)
    xs = randn(rng, T, B, IN)
    x = _c(xs, grad=False)
    out, _ = ours(x)
    residuals = jax.tree_util.tree_leaves(out.grad_fn.pullback)
    assert any(r is x._value for r in residuals)
    assert any(r is ours.weight_hh_l1._value for r in residuals)
    (out * out).mean().backward()
    out_t, _ = theirs(_t(xs, grad=False))
    (out_t * out_t).mean().backward()
    _compare_params(ours, theirs)


@pytest.mark.parametrize("lazy", [True, False])
def test_input_residuals_of_a_recorded_op_are_its_inputs(lazy, rng):
    # An op with a loop keeps its forward residuals; in lazy mode its forward is recorded in
    # a segment, and the pullback's input residuals are the (pending or concrete) inputs.
    import jax
    import jax.numpy as jnp

    from compat import _engine

    def op(x, w):
        return jax.lax.fori_loop(0, 3, lambda i, h: jnp.tanh(h @ w), x)

    previous = _engine.set_lazy(lazy)
    try:
        xs, ws = randn(rng, 2, 3), randn(rng, 3, 3)
        x, w = _c(xs), _c(ws)
        for _ in range(2):  # the first use of an op in grad mode runs eagerly
            x.grad = w.grad = None
            out = _engine.apply(op, x, w)
            leaves = jax.tree_util.tree_leaves(out.grad_fn.pullback)
            assert any(r is _engine._raw_value(w) for r in leaves)
            out.sum().backward()
        first_x_grad = x.grad
        # A NumPy input residual is copied, as the program's output was: changing the array
        # in place after the forward does not change the gradient.
        x.grad = None
        w_np = ws.copy()
        out = _engine.apply(op, x, w_np)
        w_np[:] = 0.0
        out.sum().backward()
        assert_close(x.grad, first_x_grad)
        xt, wt = _t(xs), _t(ws)
        h = xt
        for _ in range(3):
            h = torch.tanh(h @ wt)
        h.sum().backward()
        assert_close(x.grad, xt.grad)
        assert_close(w.grad, wt.grad)
    finally:
        _engine.set_lazy(previous)
