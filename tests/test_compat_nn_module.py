"""compat.nn.Module, Parameter, containers, hooks and state dicts against torch.nn."""

from __future__ import annotations

import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import torch
from conftest import assert_close, randn

import compat
from compat import nn
from rustorch_fx.errors import (
    ArgumentTypeError,
    DTypeError,
    IndexOutOfRangeError,
    InvalidArgumentError,
    InvalidNameError,
    MissingAttributeError,
    SerializationError,
    ShapeError,
    UnsupportedError,
)


def _affine_class(lib):
    """The same small module written against torch and against compat."""
    n = lib.nn

    class Affine(n.Module):
        def __init__(self, features, persistent=True):
            super().__init__()
            self.weight = n.Parameter(lib.ones(features))
            self.bias = n.Parameter(lib.zeros(features))
            self.register_buffer("count", lib.zeros((), dtype=lib.int64))
            self.register_buffer("scratch", lib.zeros(features), persistent=persistent)

        def forward(self, x, y=None):
            out = x * self.weight + self.bias
            return out if y is None else out + y

    return Affine


TAffine = _affine_class(torch)
CAffine = _affine_class(compat)
CAffine.__qualname__ = "CAffine"  # picklable by its module-level name


def _net(lib, Affine):
    n = lib.nn
    return n.Sequential(
        OrderedDict(
            [
                ("first", Affine(3, persistent=False)),
                ("act", n.Tanh()),
                ("blocks", n.ModuleList([Affine(3), n.Sequential(Affine(3), n.ReLU())])),
                ("heads", n.ModuleDict({"b": Affine(3), "a": n.Identity()})),
            ]
        )
    )


def _loss(net, x):
    """Every Affine of the net applied to ``x`` (the ModuleList in the net has no forward)."""
    return sum((m(x).sum() for m in net.modules() if type(m).__name__ == "Affine"), 0.0 * x.sum())


@pytest.fixture
def pair():
    return _net(torch, TAffine), _net(compat, CAffine)


def _randomize(tnet, cnet, rng):
    sd = {
        k: torch.tensor(randn(rng, *v.shape)) if v.is_floating_point() else v
        for k, v in tnet.state_dict().items()
    }
    tnet.load_state_dict(sd)
    cnet.load_state_dict(sd)


# -- traversal and state dict ------------------------------------------------------------------


def test_names_and_state_dict_match_torch(pair):
    tnet, cnet = pair
    assert list(cnet.state_dict()) == list(tnet.state_dict())
    for (k, v), (tk, tv) in zip(cnet.state_dict().items(), tnet.state_dict().items(), strict=True):
        assert k == tk and tuple(v.shape) == tuple(tv.shape)
        assert str(v.dtype) == str(tv.dtype)
    assert [n for n, _ in cnet.named_parameters()] == [n for n, _ in tnet.named_parameters()]
    assert [n for n, _ in cnet.named_buffers()] == [n for n, _ in tnet.named_buffers()]
    assert [n for n, _ in cnet.named_modules()] == [n for n, _ in tnet.named_modules()]
    assert [n for n, _ in cnet.named_children()] == [n for n, _ in tnet.named_children()]
    assert [n for n, _ in cnet.named_parameters(prefix="m", recurse=False)] == []
    assert [n for n, _ in cnet.first.named_parameters(prefix="m")] == ["m.weight", "m.bias"]
    assert len(list(cnet.parameters())) == len(list(tnet.parameters()))
    assert len(list(cnet.buffers())) == len(list(tnet.buffers()))
    assert [type(m).__name__ for m in cnet.modules()] == [type(m).__name__ for m in tnet.modules()]
    assert cnet.state_dict()._metadata == tnet.state_dict()._metadata


def test_shared_parameters_and_modules_are_listed_once(rng):
    for lib in (torch, compat):
        shared = lib.nn.Tanh()
        seq = lib.nn.Sequential(shared, shared)
        assert len(list(seq.modules())) == 2
        assert len(list(seq.named_modules(remove_duplicate=False))) == 3
    a = CAffine(2)
    b = CAffine(2)
    b.weight = a.weight
    seq = nn.Sequential(a, b)
    assert len(list(seq.parameters())) == 3
    assert len(list(seq.named_parameters(remove_duplicate=False))) == 4
    assert list(seq.state_dict()) == [
        "0.weight",
        "0.bias",
        "0.count",
        "0.scratch",
        "1.weight",
        "1.bias",
        "1.count",
        "1.scratch",
    ]


def test_state_dict_values_share_storage_and_keep_vars(pair):
    _, cnet = pair
    sd = cnet.state_dict()
    assert not sd["first.weight"].requires_grad
    sd["first.weight"].add_(1.0)
    assert cnet.first.weight[0].item() == 2.0
    kept = cnet.state_dict(keep_vars=True)
    assert kept["first.weight"] is cnet.first.weight
    dest = OrderedDict()
    assert cnet.state_dict(dest, "p.") is dest and next(iter(dest)) == "p.first.weight"


def test_load_state_dict_from_torch_numpy_and_compat(pair, rng):
    tnet, cnet = pair
    _randomize(tnet, cnet, rng)
    for k, v in tnet.state_dict().items():
        assert_close(cnet.state_dict()[k].numpy(), v)
    np_sd = {k: v.numpy() * 2 for k, v in tnet.state_dict().items()}
    assert repr(cnet.load_state_dict(np_sd)) == "<All keys matched successfully>"
    assert_close(cnet.first.weight.detach().numpy(), np_sd["first.weight"])
    other = _net(compat, CAffine)
    other.load_state_dict(cnet.state_dict())
    assert_close(other.blocks[0].bias.detach().numpy(), np_sd["blocks.0.bias"])
    # dtype of the module is kept: float64 values are cast to float32
    cnet.load_state_dict(
        {k: v.double() if v.is_floating_point() else v for k, v in tnet.state_dict().items()}
    )
    assert cnet.first.weight.dtype == compat.float32


def test_load_state_dict_strict_false_reports_keys_like_torch(pair):
    tnet, cnet = pair
    sd = tnet.state_dict()
    del sd["first.bias"]
    sd["extra.weight"] = torch.zeros(1)
    sd["blocks.0.nope"] = torch.zeros(1)
    theirs = tnet.load_state_dict(sd, strict=False)
    ours = cnet.load_state_dict(sd, strict=False)
    assert ours.missing_keys == theirs.missing_keys
    assert ours.unexpected_keys == theirs.unexpected_keys
    assert repr(ours) == repr(theirs)
    with pytest.raises(
        SerializationError, match=r'Missing key\(s\) in state_dict: "first.bias"'
    ) as info:
        cnet.load_state_dict(sd)
    assert isinstance(info.value, RuntimeError)
    assert 'Unexpected key(s) in state_dict: "extra.weight", "blocks.0.nope"' in str(info.value)


def test_load_state_dict_shape_mismatch_names_key_and_both_shapes(pair):
    _, cnet = pair
    sd = cnet.state_dict()
    sd["blocks.0.weight"] = compat.zeros(4)
    with pytest.raises(
        ShapeError,
        match=r"size mismatch for blocks.0.weight: copying a param with shape \[4\] from checkpoint, the shape in current model is \[3\]",
    ):
        cnet.load_state_dict(sd)
    with pytest.raises(ArgumentTypeError, match="expected state_dict to be dict-like"):
        cnet.load_state_dict([1, 2])
    sd = cnet.state_dict()
    sd["first.weight"] = "not a tensor"
    with pytest.raises(
        SerializationError, match='While copying the parameter named "first.weight"'
    ):
        cnet.load_state_dict(sd)


def test_load_state_dict_assign_replaces_parameters():
    m = CAffine(2)
    old = m.weight
    new = compat.tensor([5.0, 6.0])
    m.load_state_dict({**m.state_dict(), "weight": new}, assign=True)
    assert m.weight is not old and isinstance(m.weight, nn.Parameter)
    assert m.weight.requires_grad and m.weight.tolist() == [5.0, 6.0]


# -- attribute rules ----------------------------------------------------------------------------


def test_attribute_rules_match_torch():
    m = CAffine(2)
    with pytest.raises(
        ArgumentTypeError, match="cannot assign 'compat.Tensor' as parameter 'weight'"
    ):
        m.weight = compat.zeros(2)
    m.bias = None
    assert m.bias is None and "bias" not in m.state_dict()
    m.count = compat.ones((), dtype=compat.int64)
    assert m.state_dict()["count"].item() == 1
    with pytest.raises(ArgumentTypeError, match="as buffer 'count'"):
        m.count = 3
    m.sub = nn.Tanh()
    assert list(dict(m.named_children())) == ["sub"]
    with pytest.raises(ArgumentTypeError, match="as child module 'sub'"):
        m.sub = 3
    m.sub = None
    assert list(m.children()) == []
    m.plain = 3
    assert m.plain == 3 and "plain" in dir(m)
    del m.weight
    assert "weight" not in m.state_dict()
    with pytest.raises(MissingAttributeError, match="'Affine' object has no attribute 'weight'"):
        m.weight
    assert not hasattr(m, "nothing")
    m.buf = nn.Buffer(compat.zeros(1), persistent=False)
    assert "buf" not in m.state_dict() and dict(m.named_buffers())["buf"].shape == (1,)
    m.extra = nn.Parameter(compat.ones(1))
    assert "extra" in m.state_dict()
    del m.count
    del m.plain
    with pytest.raises(AttributeError):
        del m.plain


def test_registration_errors_match_torch():
    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(compat.zeros(1))

    with pytest.raises(
        MissingAttributeError, match=r"cannot assign parameters before Module.__init__\(\) call"
    ):
        Early()

    class EarlyModule(nn.Module):
        def __init__(self):
            self.m = nn.Tanh()

    with pytest.raises(MissingAttributeError, match="cannot assign module before"):
        EarlyModule()
    m = nn.Module()
    with pytest.raises(
        InvalidNameError, match='parameter name can\'t contain ".", got: a.b'
    ) as info:
        m.register_parameter("a.b", None)
    assert isinstance(info.value, KeyError) and str(info.value).startswith("parameter name")
    with pytest.raises(InvalidNameError, match="buffer name can't be empty string"):
        m.register_buffer("", None)
    m.x = 1
    with pytest.raises(InvalidNameError, match="attribute 'x' already exists"):
        m.add_module("x", nn.Tanh())
    with pytest.raises(ArgumentTypeError, match="module name should be a string. Got int"):
        m.add_module(1, nn.Tanh())
    with pytest.raises(ArgumentTypeError, match="is not a Module subclass"):
        m.add_module("y", 3)
    with pytest.raises(ArgumentTypeError, match="to parameter 'p'"):
        m.register_parameter("p", compat.zeros(1))
    with pytest.raises(ArgumentTypeError, match="to buffer 'b'"):
        m.register_buffer("b", 3)
    w = nn.Parameter(compat.ones(1))
    p = nn.Parameter(compat.ones(1))
    p.grad_fn = (w * 2).grad_fn
    with pytest.raises(
        InvalidArgumentError, match="Cannot assign non-leaf Tensor to parameter 'q'"
    ):
        m.register_parameter("q", p)
    with pytest.raises(
        UnsupportedError, match=r'Module \[Module\] is missing the required "forward" function'
    ):
        m(compat.zeros(1))
    with pytest.raises(ArgumentTypeError, match="unexpected arguments"):
        nn.Module(3)


def test_get_submodule_parameter_buffer(pair):
    _, cnet = pair
    assert cnet.get_submodule("blocks.1.0") is cnet.blocks[1][0]
    assert cnet.get_submodule("") is cnet
    assert cnet.get_parameter("heads.b.bias") is cnet.heads["b"].bias
    assert cnet.get_buffer("blocks.0.count").dtype == compat.int64
    with pytest.raises(MissingAttributeError, match="Sequential has no attribute `nope`"):
        cnet.get_submodule("nope")
    with pytest.raises(MissingAttributeError, match="has no parameter `nope`"):
        cnet.get_parameter("first.nope")
    with pytest.raises(MissingAttributeError, match="has no buffer `weight`"):
        cnet.get_buffer("first.weight")
    cnet.first.not_module = 3
    cnet._modules["empty"] = None
    with pytest.raises(MissingAttributeError, match="`empty` is not an nn.Module"):
        cnet.get_submodule("empty")


# -- modes, gradients, conversion ---------------------------------------------------------------


def test_train_eval_requires_grad_zero_grad(pair):
    _, cnet = pair
    assert cnet.eval() is cnet
    assert not any(m.training for m in cnet.modules())
    cnet.train()
    assert all(m.training for m in cnet.modules())
    with pytest.raises(InvalidArgumentError, match="training mode is expected to be boolean"):
        cnet.train("yes")
    cnet.requires_grad_(False)
    assert not any(p.requires_grad for p in cnet.parameters())
    cnet.requires_grad_()
    x = compat.ones(2, 3)
    _loss(cnet, x).backward()
    grads = [p.grad for p in cnet.parameters()]
    assert all(g is not None for g in grads)
    cnet.zero_grad(set_to_none=False)
    assert all(p.grad is not None and p.grad.abs().sum().item() == 0 for p in cnet.parameters())
    cnet.zero_grad()
    assert all(p.grad is None for p in cnet.parameters())


def test_to_and_casts_keep_parameter_objects_and_integer_buffers(pair):
    _, cnet = pair
    w = cnet.first.weight
    _loss(cnet, compat.ones(1, 3)).backward()
    assert cnet.to(compat.float64) is cnet
    assert cnet.first.weight is w and w.dtype == compat.float64 and w.grad.dtype == compat.float64
    assert cnet.blocks[0].count.dtype == compat.int64
    assert cnet.half().first.weight.dtype == compat.float16
    assert cnet.bfloat16().first.bias.dtype == compat.bfloat16
    assert cnet.float().first.bias.dtype == compat.float32
    assert cnet.double().first.bias.dtype == compat.float64
    assert cnet.to("cpu", compat.float32).first.bias.dtype == compat.float32
    assert cnet.to(device="cpu").first.bias.device.type == "cpu"
    assert cnet.to(compat.zeros(1, dtype=compat.float64)).first.bias.dtype == compat.float64
    assert cnet.cpu().type(compat.float32).first.bias.dtype == compat.float32
    with pytest.raises(
        DTypeError, match="nn.Module.to only accepts floating point or complex dtypes"
    ):
        cnet.to(compat.int64)
    with pytest.raises(ArgumentTypeError, match="unexpected keyword argument 'foo'"):
        cnet.to(foo=1)
    assert cnet.share_memory() is cnet


def test_apply_order_matches_torch(pair):
    tnet, cnet = pair
    theirs, ours = [], []
    tnet.apply(lambda m: theirs.append(type(m).__name__))
    cnet.apply(lambda m: ours.append(type(m).__name__))
    assert ours == theirs


def test_deepcopy_and_pickle(pair, rng):
    tnet, cnet = pair
    _randomize(tnet, cnet, rng)
    _loss(cnet, compat.ones(1, 3)).backward()
    clone = copy.deepcopy(cnet)
    assert clone.first.weight is not cnet.first.weight
    assert clone.first.weight.grad is not None
    for (k, a), b in zip(cnet.state_dict().items(), clone.state_dict().values(), strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=k)
    clone.first.weight.data.add_(1)
    assert clone.first.weight[0].item() != cnet.first.weight[0].item()
    restored = pickle.loads(pickle.dumps(cnet))
    assert isinstance(restored.first.weight, nn.Parameter)
    assert list(restored.state_dict()) == list(cnet.state_dict())
    with pytest.raises(Exception, match="graph leaves"):
        copy.deepcopy(cnet.first.weight * 2)


def test_parameter_repr_and_semantics():
    t = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    p = nn.Parameter(compat.tensor([1.0, 2.0]))
    assert repr(p) == repr(t)
    assert p.is_leaf and p.requires_grad
    assert type(p * 2) is compat.Tensor
    frozen = nn.Parameter(compat.zeros(1), requires_grad=False)
    assert not frozen.requires_grad
    base = compat.zeros(2)
    shared = nn.Parameter(base)
    with compat.no_grad():
        shared.add_(1)
    assert base.tolist() == [1.0, 1.0]
    assert nn.Parameter().shape == (0,)
    with pytest.raises(ArgumentTypeError, match="Parameter: expected a Tensor"):
        nn.Parameter([1.0])


# -- hooks ----------------------------------------------------------------------------------


def test_forward_hooks_match_torch(rng):
    x = randn(rng, 2, 3)
    log = {}
    for lib, Affine in ((torch, TAffine), (compat, CAffine)):
        m = Affine(3)
        calls = []
        m.register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
        m.register_forward_pre_hook(
            lambda mod, args, kw: (args, {"y": lib.ones(3)}), with_kwargs=True
        )
        h = m.register_forward_hook(lambda mod, args, out: calls.append("late"))
        m.register_forward_hook(lambda mod, args, out: calls.append("early"), prepend=True)
        m.register_forward_hook(lambda mod, args, kw, out: out + kw["y"].sum(), with_kwargs=True)
        out = m(lib.tensor(x))
        h.remove()
        out2 = m(lib.tensor(x))
        log[lib.__name__] = (out.detach().numpy(), out2.detach().numpy(), calls)
    assert log["compat"][2] == log["torch"][2] == ["early", "late", "early"]
    np.testing.assert_allclose(log["compat"][0], log["torch"][0], rtol=1e-6)
    np.testing.assert_allclose(log["compat"][1], log["torch"][1], rtol=1e-6)


def test_forward_hook_always_call_and_bad_pre_hook_result():
    class Boom(nn.Module):
        def forward(self, x):
            raise ValueError("boom")

    m = Boom()
    seen = []
    m.register_forward_hook(lambda mod, args, out: seen.append(out), always_call=True)
    with pytest.raises(ValueError, match="boom"):
        m(compat.zeros(1))
    assert seen == [None]
    m2 = nn.Identity()
    m2.register_forward_pre_hook(lambda mod, args, kw: 3, with_kwargs=True)
    with pytest.raises(InvalidArgumentError, match="forward pre-hook must return None or a tuple"):
        m2(compat.zeros(1))


def test_global_forward_hooks():
    from compat.nn.modules.module import (
        register_module_forward_hook,
        register_module_forward_pre_hook,
    )

    names = []
    h1 = register_module_forward_pre_hook(lambda m, args: names.append(type(m).__name__))
    h2 = register_module_forward_hook(lambda m, args, out: out * 0)
    try:
        out = nn.Sequential(nn.Tanh())(compat.ones(1))
    finally:
        h1.remove()
        h2.remove()
    assert names == ["Sequential", "Tanh"] and out.item() == 0
    assert nn.Tanh()(compat.zeros(1)).item() == 0


def _backward_hook_run(lib, Affine, x, y, modify):
    m = Affine(3)
    with lib.no_grad():
        m.weight.mul_(lib.tensor([1.0, 2.0, 3.0]))
    record = {}

    def hook(mod, grad_input, grad_output):
        record["gi"] = [None if g is None else g.detach().numpy().copy() for g in grad_input]
        record["go"] = [g.detach().numpy().copy() for g in grad_output]
        if modify:
            return tuple(None if g is None else g * 10 for g in grad_input)
        return None

    def pre_hook(mod, grad_output):
        record["pre"] = [g.detach().numpy().copy() for g in grad_output]
        return (grad_output[0] * 2,) if modify else None

    m.register_full_backward_hook(hook)
    m.register_full_backward_pre_hook(pre_hook)
    xt = lib.tensor(x, requires_grad=True)
    yt = lib.tensor(y, requires_grad=False)
    (m(xt, yt) ** 2).sum().backward()
    return record, xt.grad.numpy(), m.weight.grad.numpy()


@pytest.mark.parametrize("modify", [False, True])
def test_full_backward_hooks_match_torch(rng, modify):
    x, y = randn(rng, 2, 3), randn(rng, 3)
    theirs = _backward_hook_run(torch, TAffine, x, y, modify)
    ours = _backward_hook_run(compat, CAffine, x, y, modify)
    assert len(ours[0]["gi"]) == len(theirs[0]["gi"]) == 2
    assert_close(ours[0]["gi"][0], theirs[0]["gi"][0])
    assert_close(ours[0]["gi"][1], theirs[0]["gi"][1])  # zeros: y does not require grad
    assert_close(ours[0]["go"][0], theirs[0]["go"][0])
    assert_close(ours[0]["pre"][0], theirs[0]["pre"][0])
    assert_close(ours[1], theirs[1])
    assert_close(ours[2], theirs[2])


def test_full_backward_hook_without_input_grads_and_removal():
    m = CAffine(2)
    seen = []
    h = m.register_full_backward_hook(lambda mod, gi, go: seen.append((gi, go[0].shape)))
    m(compat.ones(2)).sum().backward()
    assert seen == [((None,), (2,))]
    h.remove()
    m(compat.ones(2)).sum().backward()
    assert len(seen) == 1
    m.register_backward_hook(lambda mod, gi, go: (compat.zeros(2), compat.zeros(2)))
    x = compat.ones(2, requires_grad=True)
    with pytest.raises(InvalidArgumentError, match="returned 2 gradients, expected 1"):
        m(x).sum().backward()


# -- printing -------------------------------------------------------------------------------


def test_repr_matches_torch(pair):
    tnet, cnet = pair
    assert repr(cnet) == repr(tnet)
    t_list = torch.nn.ModuleList(
        [torch.nn.ReLU(), torch.nn.ReLU(), torch.nn.Tanh(), torch.nn.ReLU()]
    )
    c_list = nn.ModuleList([nn.ReLU(), nn.ReLU(), nn.Tanh(), nn.ReLU()])
    assert repr(c_list) == repr(t_list)
    assert repr(nn.ModuleList()) == repr(torch.nn.ModuleList())
    assert repr(nn.Flatten()) == repr(torch.nn.Flatten())
    assert repr(nn.Unflatten(1, (2, 3))) == repr(torch.nn.Unflatten(1, (2, 3)))
    tp = torch.nn.ParameterList([torch.nn.Parameter(torch.zeros(2, 3)), torch.zeros(1)])
    cp = nn.ParameterList([nn.Parameter(compat.zeros(2, 3)), compat.zeros(1)])
    assert repr(cp) == repr(tp)
    tpd = torch.nn.ParameterDict({"b": torch.zeros(2), "a": torch.zeros(1, dtype=torch.float64)})
    cpd = nn.ParameterDict({"b": compat.zeros(2), "a": compat.zeros(1, dtype=compat.float64)})
    assert repr(cpd) == repr(tpd)


# -- containers ---------------------------------------------------------------------------------


def _names(seq):
    return [type(m).__name__ for m in seq]


def test_sequential_operations_match_torch():
    results = {}
    for lib in (torch, compat):
        n = lib.nn
        s = n.Sequential(n.ReLU(), n.Tanh(), n.Sigmoid())
        r = [_names(s), _names(s[1:]), type(s[-1]).__name__, len(s)]
        s.append(n.ELU())
        s.insert(1, n.SELU())
        s.insert(-1, n.CELU())
        s.extend([n.GELU()])
        r.append(_names(s))
        del s[0]
        r.append(list(s._modules))
        popped = s.pop(1)
        r.append(type(popped).__name__)
        s[0] = n.Softsign()
        r.append(_names(s))
        del s[1:3]
        r.append(_names(s))
        r.append(_names(s + n.Sequential(n.ReLU())))
        r.append(_names(s * 2))
        s += n.Sequential(n.Tanh())
        r.append(_names(s))
        results[lib.__name__] = r
    assert results["compat"] == results["torch"]
    s = nn.Sequential(nn.ReLU())
    with pytest.raises(IndexOutOfRangeError, match="index 3 is out of range"):
        s[3]
    with pytest.raises(ArgumentTypeError, match="add operator supports only objects of Sequential"):
        s + [nn.ReLU()]
    with pytest.raises(InvalidArgumentError, match="Non-positive multiplication factor"):
        s * 0
    with pytest.raises(ArgumentTypeError, match="should be called with an iterable"):
        s.extend(3)
    with pytest.raises(IndexOutOfRangeError, match="Index out of range: 5"):
        s.insert(5, nn.ReLU())
    with pytest.raises(ArgumentTypeError, match="module should be of type: Module"):
        s.insert(0, 3)
    assert _names(2 * s) == ["ReLU", "ReLU"]
    s *= 3
    assert len(s) == 3
    assert nn.Sequential()(compat.ones(1)).item() == 1.0


def test_module_list_and_dict_operations_match_torch():
    results = {}
    for lib in (torch, compat):
        n = lib.nn
        ml = n.ModuleList([n.ReLU(), n.Tanh()])
        ml.append(n.SELU())
        ml.insert(1, n.ELU())
        ml.extend([n.GELU()])
        ml += [n.CELU()]
        r = [_names(ml), _names(ml[1:3]), type(ml[-1]).__name__]
        del ml[0]
        ml[0] = n.Sigmoid()
        r.append(list(ml._modules))
        r.append(type(ml.pop(-1)).__name__)
        r.append(_names(ml + n.ModuleList([n.ReLU()])))
        del ml[1:3]
        r.append(_names(ml))
        md = n.ModuleDict({"z": n.ReLU(), "a": n.Tanh()})
        md["m"] = n.GELU()
        md.update([("q", n.ELU())])
        r.append(list(md))
        r.append(
            list(md.keys()) == [k for k, _ in md.items()] and len(list(md.values())) == len(md)
        )
        r.append(type(md.pop("a")).__name__)
        r.append("z" in md)
        md.clear()
        r.append(len(md))
        results[lib.__name__] = r
    assert results["compat"] == results["torch"]
    with pytest.raises(ArgumentTypeError, match="should be called with an iterable"):
        nn.ModuleList(3)
    md = nn.ModuleDict()
    with pytest.raises(MissingAttributeError, match="ModuleDict has no key 'x'"):
        md["x"]
    with pytest.raises(ArgumentTypeError, match="element #0 should be Iterable"):
        md.update([3])
    with pytest.raises(InvalidArgumentError, match="element #0 has length 3"):
        md.update([("a", nn.ReLU(), 1)])
    md.update(nn.ModuleDict({"r": nn.ReLU()}))
    assert list(md) == ["r"]


def test_parameter_list_and_dict_match_torch():
    results = {}
    for lib in (torch, compat):
        n = lib.nn
        pl = n.ParameterList([lib.zeros(2), n.Parameter(lib.ones(3))])
        pl.append(lib.zeros(1))
        pl.extend([lib.zeros(4)])
        pl[0] = lib.ones(2)
        r = [
            len(pl),
            [tuple(p.shape) for p in pl],
            [type(p).__name__ for p in pl],
            list(pl.state_dict()),
        ]
        r.append([tuple(p.shape) for p in pl[1:3]])
        pd = n.ParameterDict({"b": lib.zeros(2), "a": lib.ones(1)})
        pd["c"] = lib.zeros(3)
        pd.update([("d", lib.zeros(1))])
        r.append(list(pd))
        r.append(list(pd.state_dict()))
        r.append(tuple(pd.pop("a").shape))
        r.append(list(reversed(pd)))
        r.append(pd.popitem()[0])
        r.append(pd.get("zz", "default"))
        r.append(list(pd.copy()))
        r.append(list(pd | n.ParameterDict({"e": lib.zeros(1)})))
        r.append(list(pd.fromkeys(["x", "y"], lib.zeros(1))))
        r.append(tuple(pd.setdefault("f", lib.zeros(5)).shape))
        r.append(type(pd["f"]).__name__)
        pd.clear()
        r.append(len(pd))
        results[lib.__name__] = r
    ours, theirs = results["compat"], results["torch"]
    assert ours == theirs
    with pytest.raises(UnsupportedError, match="ParameterList should not be called"):
        nn.ParameterList()(1)
    with pytest.raises(ArgumentTypeError, match="ParameterDict keys must be strings"):
        nn.ParameterDict()[1] = compat.zeros(1)
    with pytest.raises(ArgumentTypeError, match="called with an iterable, but got Tensor"):
        nn.ParameterList().extend(compat.zeros(2))


# -- activation modules and flatten -------------------------------------------------------------

ACTIVATIONS = [
    ("Threshold", (0.1, 20.0), {}),
    ("ReLU", (), {}),
    ("RReLU", (0.1, 0.3), {}),
    ("Hardtanh", (-0.5, 0.5), {}),
    ("ReLU6", (), {"inplace": True}),
    ("Sigmoid", (), {}),
    ("Hardsigmoid", (), {}),
    ("Tanh", (), {}),
    ("SiLU", (), {}),
    ("Mish", (), {}),
    ("Hardswish", (), {}),
    ("ELU", (0.5,), {}),
    ("CELU", (1.5,), {}),
    ("SELU", (), {}),
    ("GLU", (), {"dim": 1}),
    ("GELU", (), {"approximate": "tanh"}),
    ("GELU", (), {}),
    ("Hardshrink", (0.3,), {}),
    ("LeakyReLU", (0.2,), {}),
    ("LogSigmoid", (), {}),
    ("Softplus", (2.0, 5.0), {}),
    ("Softshrink", (0.3,), {}),
    ("PReLU", (), {}),
    ("PReLU", (4,), {"init": 0.1}),
    ("Softsign", (), {}),
    ("Tanhshrink", (), {}),
    ("Softmin", (), {"dim": 1}),
    ("Softmax", (), {"dim": -1}),
    ("Softmax2d", (), {}),
    ("LogSoftmax", (), {"dim": 1}),
]


@pytest.mark.parametrize(("name", "args", "kwargs"), ACTIVATIONS, ids=lambda v: str(v))
def test_activation_modules_match_torch(name, args, kwargs, rng):
    tm = getattr(torch.nn, name)(*args, **kwargs).eval()
    cm = getattr(nn, name)(*args, **kwargs).eval()
    assert repr(cm) == repr(tm)
    assert list(cm.state_dict()) == list(tm.state_dict())
    x = randn(rng, 2, 4, 3, 3)
    inplace = kwargs.get("inplace", False)
    xt = torch.tensor(x, requires_grad=True)
    xc = compat.tensor(x, requires_grad=True)
    out_t = tm(xt * 1 if inplace else xt)
    out_c = cm(xc * 1 if inplace else xc)
    assert_close(out_c.detach().numpy(), out_t.detach())
    g = randn(rng, *out_t.shape)
    out_t.backward(torch.tensor(g))
    out_c.backward(compat.tensor(g))
    assert_close(xc.grad.numpy(), xt.grad)
    for p, tp in zip(cm.parameters(), tm.parameters(), strict=True):
        assert_close(p.grad.numpy(), tp.grad)


def test_activation_module_options():
    assert nn.Swish is nn.SiLU
    with pytest.warns(FutureWarning, match="`min_value` is deprecated"):
        ours = repr(nn.Hardtanh(min_value=-2.0, max_value=3.0))
    with pytest.warns(FutureWarning, match="`max_value` is deprecated"):
        theirs = repr(torch.nn.Hardtanh(min_value=-2.0, max_value=3.0))
    assert ours == theirs
    with pytest.raises(
        InvalidArgumentError, match=r"max_val \(1.0\) must be greater than min_val \(2.0\)"
    ):
        nn.Hardtanh(2.0, 1.0)
    with pytest.raises(ShapeError, match="Softmax2d: expected input to be 3-D or 4-D"):
        nn.Softmax2d()(compat.zeros(2, 2))
    m = nn.RReLU(0.1, 0.3)
    x = -compat.ones(1000)
    slopes = (m(x) / x).numpy()
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and slopes.std() > 0.03
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        assert_close(nn.Softmax()(compat.ones(2, 2)).numpy(), np.full((2, 2), 0.5, np.float32))


def test_flatten_unflatten_match_torch(rng):
    x = randn(rng, 2, 3, 4, 5)
    for args in [(), (0,), (1, 2), (-3, -2)]:
        assert_close(
            nn.Flatten(*args)(compat.tensor(x)).numpy(), torch.nn.Flatten(*args)(torch.tensor(x))
        )
    out = nn.Unflatten(2, (2, 2))(compat.tensor(x))
    assert out.shape == (2, 3, 2, 2, 5)
    with pytest.raises(ArgumentTypeError, match="invalid argument type for dim"):
        nn.Unflatten("a", (1,))
    with pytest.raises(ArgumentTypeError, match="unflattened_size must be a tuple or list of ints"):
        nn.Unflatten(1, 3)


def test_hook_handle_survives_deepcopy_and_pickle():
    m = compat.nn.Linear(2, 2)
    m.handle = m.register_forward_hook(_noop_hook)
    twin = copy.deepcopy(m)
    assert twin.handle.hooks_dict_ref() is twin._forward_hooks
    twin.handle.remove()  # removes the copy's hook only
    assert not twin._forward_hooks and len(m._forward_hooks) == 1
    restored = pickle.loads(pickle.dumps(m.handle))
    assert restored.id == m.handle.id
    restored.remove()  # its table is gone with the pickle: nothing happens
    assert len(m._forward_hooks) == 1


def _noop_hook(module, args, output):
    return None
