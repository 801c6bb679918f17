"""compat.nn losses against torch: functional values and grads, modules, state dicts, errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn as tnn
import torch.nn.functional as TF
from conftest import assert_close, randn
from test_losses import CASES, IDS, REDUCTIONS, _probs, _weights

import compat
import compat.nn as nn
import compat.nn.functional as F
from rustorch_fx.errors import (
    ArgumentTypeError,
    IndexOutOfRangeError,
    InvalidArgumentError,
    ShapeError,
)


def _ours(a, grad=False):
    if isinstance(a, np.ndarray):
        return compat.tensor(a, requires_grad=grad)
    return a


def _theirs(a, grad=False):
    if isinstance(a, np.ndarray):
        return torch.tensor(a, requires_grad=grad)
    return a


def _run_both(fn_ours, fn_theirs, args, kw, diff, rng, rtol=1e-5, atol=1e-6):
    ours = [_ours(a, i in diff) for i, a in enumerate(args)]
    theirs = [_theirs(a, i in diff) for i, a in enumerate(args)]
    okw = {k: _ours(v) for k, v in kw.items()}
    tkw = {k: _theirs(v) for k, v in kw.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = fn_ours(*ours, **okw)
        ref = fn_theirs(*theirs, **tkw)
    assert_close(out.detach().numpy(), ref, rtol=rtol, atol=atol)
    cot = randn(rng, *ref.shape)
    (out * compat.tensor(cot)).sum().backward()
    (ref * torch.tensor(cot)).sum().backward()
    for i in diff:
        assert_close(ours[i].grad.numpy(), theirs[i].grad, rtol=rtol, atol=max(atol, 1e-5))
    return out


# Each case runs with one reduction (cycling), so every reduction is exercised across the
# losses while the number of compiled programs stays small; tests/test_losses.py runs every
# case with every reduction on the rustorch_fx functions themselves.
FUNCTIONAL = [(*case, REDUCTIONS[i % 3]) for i, case in enumerate(CASES)]


@pytest.mark.parametrize(
    ("name", "tag", "build", "reduction"),
    FUNCTIONAL,
    ids=[f"{i}-{c[-1]}" for i, c in zip(IDS, FUNCTIONAL, strict=True)],
)
def test_functional_values_and_grads_match_torch(name, tag, build, reduction, rng):
    args, kw, diff = build(rng)
    out = _run_both(
        getattr(F, name), getattr(TF, name), args, {**kw, "reduction": reduction}, diff, rng
    )
    assert out.dtype == compat.float32


def test_triplet_margin_with_compat_distance_function(rng):
    a, p, n = randn(rng, 3, 4), randn(rng, 3, 4), randn(rng, 3, 4)
    for reduction in REDUCTIONS:
        for swap in (False, True):
            _run_both(
                lambda *x, **k: F.triplet_margin_with_distance_loss(
                    *x, distance_function=lambda u, v: (u - v).abs().sum(-1), **k
                ),
                lambda *x, **k: TF.triplet_margin_with_distance_loss(
                    *x, distance_function=lambda u, v: (u - v).abs().sum(-1), **k
                ),
                [a, p, n],
                {"swap": swap, "reduction": reduction, "margin": 2.5},
                (0, 1, 2),
                rng,
            )


def test_gaussian_nll_loss_with_python_float_var(rng):
    x, y = randn(rng, 3, 4), randn(rng, 3, 4)
    for var in (0.5, 1e-9):
        _run_both(F.gaussian_nll_loss, TF.gaussian_nll_loss, [x, y, var], {}, (0, 1), rng)


def test_legacy_size_average_and_reduce_in_functional(rng):
    x, y = randn(rng, 3, 4), randn(rng, 3, 4)
    with pytest.warns(UserWarning, match="reduction='sum'"):
        out = F.l1_loss(compat.tensor(x), compat.tensor(y), size_average=False)
    assert_close(out.numpy(), TF.l1_loss(torch.tensor(x), torch.tensor(y), reduction="sum"))
    t = rng.integers(0, 4, 3)
    with pytest.warns(UserWarning, match="reduction='none'"):
        out = F.cross_entropy(compat.tensor(x), compat.tensor(t), reduce=False)
    assert_close(out.numpy(), TF.cross_entropy(torch.tensor(x), torch.tensor(t), reduction="none"))


def test_cross_entropy_in_a_training_step_matches_torch(rng):
    x, t, w = randn(rng, 4, 5), rng.integers(0, 5, 4), randn(rng, 5, 5)
    ours_w, theirs_w = compat.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    loss = F.cross_entropy(compat.tensor(x) @ ours_w, compat.tensor(t), label_smoothing=0.1)
    ref = TF.cross_entropy(torch.tensor(x) @ theirs_w, torch.tensor(t), label_smoothing=0.1)
    loss.backward()
    ref.backward()
    assert_close(loss.item(), ref.item())
    assert_close(ours_w.grad.numpy(), theirs_w.grad)


# --------------------------------------------------------------------------------------------
# CTC.
# --------------------------------------------------------------------------------------------


def _ctc_both(logits, targets, in_len, tgt_len, rng, as_lists=False, **kw):
    zo = compat.tensor(logits, requires_grad=True)
    zt = torch.tensor(logits, requires_grad=True)
    if as_lists:
        lens_o, lens_t = (
            (list(map(int, in_len)), list(map(int, tgt_len))),
            (
                tuple(map(int, in_len)),
                tuple(map(int, tgt_len)),
            ),
        )
    else:
        lens_o = (compat.tensor(in_len), compat.tensor(tgt_len))
        lens_t = (torch.tensor(in_len), torch.tensor(tgt_len))
    out = F.ctc_loss(zo.log_softmax(-1), compat.tensor(targets), *lens_o, **kw)
    ref = TF.ctc_loss(zt.log_softmax(-1), torch.tensor(targets), *lens_t, **kw)
    assert_close(out.detach().numpy(), ref, atol=1e-5)
    cot = randn(rng, *ref.shape)
    (out * compat.tensor(cot)).sum().backward()
    (ref * torch.tensor(cot)).sum().backward()
    # Sums over alignments in log space: a few float32 ulps per time step.
    assert_close(zo.grad.numpy(), zt.grad, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    ("form", "reduction"), [("padded", "mean"), ("concatenated", "none"), ("padded", "sum")]
)
def test_ctc_padded_concatenated_and_list_lengths(form, reduction, rng):
    logits = randn(rng, 6, 3, 4)
    in_len, tgt_len = np.array([6, 5, 4]), np.array([3, 1, 2])
    if form == "padded":
        targets = np.array([[1, 1, 2], [3, 0, 0], [2, 3, 0]])
        _ctc_both(logits, targets, in_len, tgt_len, rng, reduction=reduction)
    else:
        targets = np.array([1, 1, 2, 3, 2, 3])
        _ctc_both(logits, targets, in_len, tgt_len, rng, as_lists=True, reduction=reduction)


def test_ctc_zero_infinity_and_blank(rng):
    logits = randn(rng, 3, 2, 4)
    targets = np.array([[1, 1, 2], [0, 2, 1]])  # sequence 0 needs 4 steps: infinite loss
    _ctc_both(
        logits,
        targets,
        np.array([3, 3]),
        np.array([3, 3]),
        rng,
        blank=3,
        reduction="mean",
        zero_infinity=True,
    )


# --------------------------------------------------------------------------------------------
# Modules.
# --------------------------------------------------------------------------------------------

# (class name, constructor kwargs as numpy/python values, input builder, differentiable inputs)
MODULES = [
    ("L1Loss", {}, lambda r: [randn(r, 3, 4), randn(r, 3, 4)], (0, 1)),
    ("MSELoss", {"reduction": "sum"}, lambda r: [randn(r, 3, 4), randn(r, 3, 4)], (0, 1)),
    ("SmoothL1Loss", {"beta": 0.5}, lambda r: [randn(r, 3, 4), randn(r, 3, 4)], (0, 1)),
    ("HuberLoss", {"delta": 0.7}, lambda r: [randn(r, 3, 4), randn(r, 3, 4)], (0, 1)),
    (
        "PoissonNLLLoss",
        {"full": True},
        lambda r: [randn(r, 3, 4), _weights(r, 3, 4) * 2],
        (0, 1),
    ),
    (
        "GaussianNLLLoss",
        {"full": True, "eps": 1e-3},
        lambda r: [randn(r, 3, 4), randn(r, 3, 4), _weights(r, 3, 1)],
        (0, 1, 2),
    ),
    (
        "KLDivLoss",
        {"reduction": "batchmean", "log_target": True},
        lambda r: [np.log(_probs(r, 3, 4)), np.log(_probs(r, 3, 4))],
        (0, 1),
    ),
    (
        "BCELoss",
        {"weight": np.linspace(0.5, 2, 4).astype(np.float32)},
        lambda r: [
            r.uniform(0.1, 0.9, (3, 4)).astype(np.float32),
            r.uniform(0, 1, (3, 4)).astype(np.float32),
        ],
        (0, 1),
    ),
    (
        "BCEWithLogitsLoss",
        {
            "weight": np.linspace(0.5, 2, 4).astype(np.float32),
            "pos_weight": np.linspace(2, 0.5, 4).astype(np.float32),
        },
        lambda r: [randn(r, 3, 4), r.uniform(0, 1, (3, 4)).astype(np.float32)],
        (0, 1),
    ),
    (
        "NLLLoss",
        {"weight": np.linspace(0.5, 2, 5).astype(np.float32), "ignore_index": 1},
        lambda r: [np.log(_probs(r, 4, 5)), np.array([1, 0, 4, 2])],
        (0,),
    ),
    (
        "NLLLoss2d",
        {},
        lambda r: [randn(r, 2, 3, 2, 2), r.integers(0, 3, (2, 2, 2))],
        (0,),
    ),
    (
        "CrossEntropyLoss",
        {"weight": np.linspace(0.5, 2, 5).astype(np.float32), "label_smoothing": 0.1},
        lambda r: [randn(r, 4, 5), np.array([1, 0, 4, -100])],
        (0,),
    ),
    (
        "MultiLabelSoftMarginLoss",
        {"weight": np.linspace(0.5, 2, 4).astype(np.float32)},
        lambda r: [randn(r, 3, 4), r.integers(0, 2, (3, 4)).astype(np.float32)],
        (0,),
    ),
    ("SoftMarginLoss", {}, lambda r: [randn(r, 3, 4), np.sign(randn(r, 3, 4))], (0,)),
    (
        "MultiMarginLoss",
        {"p": 2, "margin": 0.7, "weight": np.linspace(0.5, 2, 5).astype(np.float32)},
        lambda r: [randn(r, 4, 5), np.array([1, 0, 4, 2])],
        (0,),
    ),
    (
        "MultiLabelMarginLoss",
        {},
        lambda r: [randn(r, 2, 4), np.array([[3, 0, -1, 1], [1, 2, 3, 0]])],
        (0,),
    ),
    (
        "HingeEmbeddingLoss",
        {"margin": 0.5},
        lambda r: [randn(r, 3, 4), np.sign(randn(r, 3, 4))],
        (0,),
    ),
    (
        "CosineEmbeddingLoss",
        {"margin": 0.1},
        lambda r: [randn(r, 3, 4), randn(r, 3, 4), np.sign(randn(r, 3))],
        (0, 1),
    ),
    (
        "MarginRankingLoss",
        {"margin": 0.2},
        lambda r: [randn(r, 4), randn(r, 4), np.sign(randn(r, 4))],
        (0, 1),
    ),
    (
        "TripletMarginLoss",
        {"margin": 0.5, "p": 1.0, "swap": True},
        lambda r: [randn(r, 3, 4), randn(r, 3, 4), randn(r, 3, 4)],
        (0, 1, 2),
    ),
    (
        "CTCLoss",
        {"blank": 0},
        lambda r: [
            np.log(_probs(r, 5, 2, 3)),
            np.array([[1, 2], [2, 0]]),
            np.array([5, 4]),
            np.array([2, 1]),
        ],
        (),
    ),
]
MODULE_IDS = [m[0] for m in MODULES]


def _module_pair(cls_name, kwargs):
    okw = {k: _ours(v) for k, v in kwargs.items()}
    tkw = {k: _theirs(v) for k, v in kwargs.items()}
    return getattr(nn, cls_name)(**okw), getattr(tnn, cls_name)(**tkw)


@pytest.mark.parametrize(("cls_name", "kwargs", "build", "diff"), MODULES, ids=MODULE_IDS)
def test_module_matches_torch(cls_name, kwargs, build, diff, rng):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = _module_pair(cls_name, kwargs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert ours.reduction == theirs.reduction
    ours.load_state_dict({k: compat.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    args = build(rng)
    for train in (True, False):
        ours.train(train)
        theirs.train(train)
        if diff:
            _run_both(ours, theirs, args, {}, diff, rng)
        else:
            out = ours(*[_ours(a) for a in args])
            assert_close(out.numpy(), theirs(*[_theirs(a) for a in args]), atol=1e-5)


def test_module_buffers_follow_state_dict_and_to(rng):
    w = np.linspace(0.5, 2, 3).astype(np.float32)
    ours = nn.CrossEntropyLoss(weight=compat.tensor(w))
    assert [name for name, _ in ours.named_buffers()] == ["weight"]
    bce = nn.BCEWithLogitsLoss(pos_weight=compat.tensor(w))
    assert list(bce.state_dict()) == ["pos_weight"]
    assert list(tnn.BCEWithLogitsLoss(pos_weight=torch.tensor(w)).state_dict()) == ["pos_weight"]
    assert ours.double().weight.dtype == compat.float64


@pytest.mark.parametrize(
    ("size_average", "reduce"), [(False, None), (None, False), (True, True), (False, True)]
)
def test_module_legacy_arguments(size_average, reduce):
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        ours = nn.MSELoss(size_average=size_average, reduce=reduce)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = tnn.MSELoss(size_average=size_average, reduce=reduce)
    assert ours.reduction == theirs.reduction
    with pytest.warns(UserWarning, match="reduction='sum'"):
        nll = nn.NLLLoss(size_average=False)
    assert nll.reduction == "sum"


def test_module_attributes_match_torch():
    pairs = [
        (
            nn.CrossEntropyLoss(ignore_index=3, label_smoothing=0.2),
            tnn.CrossEntropyLoss(ignore_index=3, label_smoothing=0.2),
        ),
        (nn.CTCLoss(blank=2, zero_infinity=True), tnn.CTCLoss(blank=2, zero_infinity=True)),
        (
            nn.TripletMarginLoss(margin=2.0, p=3.0, eps=0.1, swap=True),
            tnn.TripletMarginLoss(margin=2.0, p=3.0, eps=0.1, swap=True),
        ),
        (
            nn.PoissonNLLLoss(log_input=False, full=True, eps=0.1),
            tnn.PoissonNLLLoss(log_input=False, full=True, eps=0.1),
        ),
    ]
    for ours, theirs in pairs:
        for name in (
            "ignore_index",
            "label_smoothing",
            "blank",
            "zero_infinity",
            "margin",
            "p",
            "eps",
            "swap",
            "log_input",
            "full",
        ):
            if hasattr(theirs, name):
                assert getattr(ours, name) == getattr(theirs, name), name


def test_triplet_margin_with_distance_module_with_a_compat_distance(rng):
    a, p, n = randn(rng, 3, 4), randn(rng, 3, 4), randn(rng, 3, 4)
    ours = nn.TripletMarginWithDistanceLoss(
        distance_function=lambda u, v: ((u - v) ** 2).sum(-1), margin=3.0, swap=True
    )
    theirs = tnn.TripletMarginWithDistanceLoss(
        distance_function=lambda u, v: ((u - v) ** 2).sum(-1), margin=3.0, swap=True
    )
    _run_both(ours, theirs, [a, p, n], {}, (0, 1, 2), rng)
    default = nn.TripletMarginWithDistanceLoss(reduction="sum")
    assert repr(default) == repr(tnn.TripletMarginWithDistanceLoss(reduction="sum"))
    _run_both(
        default, tnn.TripletMarginWithDistanceLoss(reduction="sum"), [a, p, n], {}, (0, 1, 2), rng
    )
    # a non-default PairwiseDistance goes through the module call (compat ops)
    custom = nn.TripletMarginWithDistanceLoss(distance_function=nn.PairwiseDistance(p=1.0))
    theirs_custom = tnn.TripletMarginWithDistanceLoss(distance_function=tnn.PairwiseDistance(p=1.0))
    _run_both(custom, theirs_custom, [a, p, n], {}, (0, 1, 2), rng)


def test_module_init_validates_hyperparameters():
    with pytest.raises(InvalidArgumentError, match="only p == 1 and p == 2 supported"):
        nn.MultiMarginLoss(p=3)
    with pytest.raises(ShapeError, match="expected weight to be None or 1D tensor, got 2D"):
        nn.MultiMarginLoss(weight=compat.ones(2, 2))
    with pytest.raises(ValueError, match="expected margin to be greater than 0, got 0"):
        nn.TripletMarginLoss(margin=0)
    with pytest.raises(ValueError, match="expected margin to be greater than 0, got -1"):
        nn.TripletMarginWithDistanceLoss(margin=-1)
    with pytest.raises(TypeError, match="delta must be a float or int"):
        nn.HuberLoss(delta="1")
    with pytest.raises(InvalidArgumentError, match="'avg' is not a valid value for reduction"):
        nn.L1Loss(reduction="avg")
    with pytest.raises(InvalidArgumentError, match="label_smoothing must be between 0.0 and 1.0"):
        nn.CrossEntropyLoss(label_smoothing=-0.1)
    with pytest.raises(ArgumentTypeError, match="weight must be a Tensor or None"):
        nn.NLLLoss(weight=[1.0, 2.0])
    with pytest.raises(ArgumentTypeError, match="distance_function must be callable"):
        nn.TripletMarginWithDistanceLoss(distance_function=2)
    nn.KLDivLoss(reduction="batchmean")


# --------------------------------------------------------------------------------------------
# Errors checked before the op runs.
# --------------------------------------------------------------------------------------------


def test_out_of_range_class_indices_raise(rng):
    x = compat.tensor(randn(rng, 2, 3))
    with pytest.raises(IndexOutOfRangeError, match="Target 7 is out of bounds"):
        F.nll_loss(x, compat.tensor([0, 7]))
    with pytest.raises(IndexError, match="Target -3 is out of bounds"):
        F.cross_entropy(x, compat.tensor([-3, 1]))
    with pytest.raises(IndexOutOfRangeError, match="Target 5 is out of bounds"):
        nn.CrossEntropyLoss()(compat.tensor(randn(rng, 2, 3, 2)), compat.tensor([[0, 5], [1, 1]]))
    assert F.cross_entropy(x, compat.tensor([9, 1]), ignore_index=9).item() > 0
    assert F.nll_loss(x, compat.tensor([-100, 1])).item() == -x[1, 1].item()
    with pytest.raises(IndexOutOfRangeError, match="target 3 is out of range"):
        F.multi_margin_loss(x, compat.tensor([0, 3]))
    with pytest.raises(IndexOutOfRangeError, match="target -2 is out of range"):
        F.multilabel_margin_loss(x, compat.tensor([[0, -2, 1], [1, -1, 0]]))
    lp = compat.tensor(randn(rng, 4, 2, 3)).log_softmax(-1)
    with pytest.raises(IndexOutOfRangeError, match="target 3 is out of range"):
        F.ctc_loss(lp, compat.tensor([[1, 3], [1, 1]]), [4, 4], [2, 2])
    with pytest.raises(IndexOutOfRangeError, match="target 5 is out of range"):
        F.ctc_loss(lp, compat.tensor([1, 5, 2]), [4, 4], [2, 1])
    F.ctc_loss(lp, compat.tensor([[1, 7], [1, 1]]), [4, 4], [1, 2])  # padding is not read


def test_value_checks_before_the_op(rng):
    x = compat.tensor(randn(rng, 2, 3))
    with pytest.raises(ValueError, match="var has negative entry"):
        F.gaussian_nll_loss(x, x, -compat.ones(2, 3))
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(x, compat.zeros(2, 3))
    lp = compat.tensor(randn(rng, 4, 2, 3)).log_softmax(-1)
    with pytest.raises(ShapeError, match="Expected input_lengths to have value at most 4"):
        F.ctc_loss(lp, compat.tensor([[1, 2], [1, 1]]), [5, 4], [2, 2])
    with pytest.raises(ShapeError, match="size at least 3 at dimension 1"):
        F.ctc_loss(lp, compat.tensor([[1, 2], [1, 1]]), [4, 4], [3, 2])
    with pytest.raises(ShapeError, match="target_lengths sum to 4"):
        F.ctc_loss(lp, compat.tensor([1, 2, 1]), [4, 4], [2, 2])


def test_argument_errors(rng):
    x = compat.tensor(randn(rng, 2, 3))
    with pytest.raises(ArgumentTypeError, match="argument 'target' must be a Tensor"):
        F.mse_loss(x, np.zeros((2, 3), np.float32))
    with pytest.raises(ArgumentTypeError, match="argument 'weight' must be a Tensor or None"):
        F.cross_entropy(x, compat.tensor([0, 1]), weight=[1.0, 1.0, 1.0])
    with pytest.raises(InvalidArgumentError, match="mse_loss: 'avg' is not a valid value"):
        F.mse_loss(x, x, reduction="avg")
    with pytest.raises(InvalidArgumentError, match="'avg' is not a valid value"):
        F.triplet_margin_with_distance_loss(
            x, x, x, distance_function=lambda a, b: a - b, reduction="avg"
        )
    with pytest.raises(ValueError, match="must be the same as input size"):
        F.binary_cross_entropy_with_logits(x, compat.zeros(3))
    with pytest.raises(ValueError, match="Using a target size"):
        F.binary_cross_entropy(x.sigmoid(), compat.zeros(3))
    with pytest.raises(ValueError, match=r"Expected input batch_size \(2\) to match"):
        F.cross_entropy(x, compat.tensor([0, 1, 2]))
    with pytest.raises(RuntimeError, match="All input tensors should have same dimension"):
        F.margin_ranking_loss(x, x, compat.ones(2))
    with pytest.raises(ShapeError, match="same number of dimensions"):
        F.triplet_margin_with_distance_loss(x, x[0], x, distance_function=lambda a, b: a - b)
