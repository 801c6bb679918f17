"""compat.amp.GradScaler against torch.amp.GradScaler("cpu").

The same small regression is trained in both libraries from identical parameters; infinite and
NaN gradients are injected at fixed steps. The scale sequence, which steps are skipped, the
growth tracker and the parameters must follow torch's.
"""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
import torch

import compat
import compat.optim
from compat.amp import GradScaler
from compat.amp.grad_scaler import OptState
from rustorch_fx.errors import InvalidArgumentError, OptimizerError

STEPS = 20


def _setup(rng: np.random.Generator, n_opt: int = 1) -> tuple[list, list, np.ndarray]:
    w = rng.standard_normal((4, 3)).astype(np.float32)
    b = rng.standard_normal(3).astype(np.float32)
    t_params = [torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)]
    c_params = [compat.tensor(w, requires_grad=True), compat.tensor(b, requires_grad=True)]
    x = rng.standard_normal((5, 4)).astype(np.float32)
    return t_params, c_params, x


def _loss(lib: object, params: list, x: np.ndarray) -> object:
    w, b = params
    xs = lib.tensor(x)
    return ((xs @ w + b) ** 2).mean()


def _inject(step: int, grads: list, lib: object) -> None:
    """Overflow at fixed steps: inf, nan, -inf, in different tensors."""
    bad = {2: float("inf"), 3: float("nan"), 9: float("-inf"), 10: float("inf")}
    if step in bad:
        g = grads[step % 2]
        g.data = lib.tensor(
            np.where(
                np.arange(g.numel()).reshape(tuple(g.shape)) == 1,
                bad[step],
                g.detach().numpy() if lib is torch else g.numpy(),
            ).astype(np.float32)
        )


@pytest.mark.parametrize(
    "config",
    [
        {"init_scale": 2.0**10, "growth_interval": 3},
        {"init_scale": 1000.0, "growth_factor": 1.7, "backoff_factor": 0.3, "growth_interval": 2},
        {},
    ],
    ids=["pow2", "odd_factors", "defaults"],
)
@pytest.mark.parametrize("explicit_unscale", [False, True])
def test_scale_sequence_and_skipped_steps_match_torch(
    rng: np.random.Generator, config: dict, explicit_unscale: bool
) -> None:
    t_params, c_params, x = _setup(rng)
    t_opt = torch.optim.SGD(t_params, lr=0.05, momentum=0.9)
    c_opt = compat.optim.SGD(c_params, lr=0.05, momentum=0.9)
    t_sc = torch.amp.GradScaler("cpu", **config)
    c_sc = GradScaler("cpu", **config)
    for step in range(STEPS):
        t_opt.zero_grad()
        c_opt.zero_grad()
        t_sc.scale(_loss(torch, t_params, x)).backward()
        c_sc.scale(_loss(compat, c_params, x)).backward()
        _inject(step, [p.grad for p in t_params], torch)
        _inject(step, [p.grad for p in c_params], compat)
        if explicit_unscale:
            t_sc.unscale_(t_opt)
            c_sc.unscale_(c_opt)
            for tp, cp in zip(t_params, c_params, strict=True):
                np.testing.assert_allclose(
                    cp.grad.numpy(), tp.grad.numpy(), rtol=1e-5, atol=1e-6, equal_nan=True
                )
        t_before = [p.detach().clone() for p in t_params]
        t_ret = t_sc.step(t_opt)
        c_ret = c_sc.step(c_opt)
        t_skipped = all(torch.equal(a, p.detach()) for a, p in zip(t_before, t_params, strict=True))
        assert (c_ret is None) and (t_ret is None)
        t_sc.update()
        c_sc.update()
        assert c_sc.get_scale() == pytest.approx(t_sc.get_scale(), rel=1e-6), step
        assert c_sc._get_growth_tracker() == t_sc._get_growth_tracker(), step
        assert c_sc.state_dict() == pytest.approx(t_sc.state_dict(), rel=1e-6)
        for tp, cp in zip(t_params, c_params, strict=True):
            np.testing.assert_allclose(
                cp.detach().numpy(),
                tp.detach().numpy(),
                rtol=1e-5,
                atol=1e-6,
                err_msg=f"step {step}",
            )
        assert t_skipped == (step in (2, 3, 9, 10))


def test_step_returns_optimizer_value_and_skips_per_optimizer(rng: np.random.Generator) -> None:
    """Two optimizers: an overflow in one skips only its step; the scale backs off once."""
    t_params, c_params, x = _setup(rng)
    c_opts = [compat.optim.SGD([c_params[0]], lr=0.1), compat.optim.SGD([c_params[1]], lr=0.1)]
    t_opts = [torch.optim.SGD([t_params[0]], lr=0.1), torch.optim.SGD([t_params[1]], lr=0.1)]
    c_sc, t_sc = GradScaler("cpu", init_scale=64.0), torch.amp.GradScaler("cpu", init_scale=64.0)
    c_sc.scale(_loss(compat, c_params, x)).backward()
    t_sc.scale(_loss(torch, t_params, x)).backward()
    c_params[1].grad.data = compat.full((3,), float("inf"))
    t_params[1].grad.data = torch.full((3,), float("inf"))
    w0 = c_params[0].detach().numpy().copy()
    b0 = c_params[1].detach().numpy().copy()
    for c_o, t_o in zip(c_opts, t_opts, strict=True):
        c_sc.step(c_o)
        t_sc.step(t_o)
    assert not np.array_equal(c_params[0].detach().numpy(), w0)  # stepped
    np.testing.assert_array_equal(c_params[1].detach().numpy(), b0)  # skipped
    np.testing.assert_allclose(
        c_params[0].detach().numpy(), t_params[0].detach().numpy(), rtol=1e-5, atol=1e-6
    )
    c_sc.update()
    t_sc.update()
    assert c_sc.get_scale() == t_sc.get_scale() == 32.0


def test_scale_structures_and_gradient(rng: np.random.Generator) -> None:
    sc = GradScaler("cpu", init_scale=4.0)
    a = compat.tensor(np.float32(1.5), requires_grad=True)
    out = sc.scale([a, (a * 2, a)])
    assert isinstance(out, list) and isinstance(out[1], tuple)
    assert out[1][0].item() == 12.0
    out[0].backward()
    assert a.grad.item() == 4.0
    gen = sc.scale(iter([a]))
    assert [t.item() for t in gen] == [6.0]
    with pytest.raises(InvalidArgumentError, match="outputs must be a Tensor or an iterable"):
        sc.scale([a, 3.0])


def test_protocol_errors_match_torch(rng: np.random.Generator) -> None:
    _, c_params, x = _setup(rng)
    opt = compat.optim.SGD(c_params, lr=0.1)
    sc = GradScaler("cpu")
    with pytest.raises(OptimizerError, match="Attempted unscale_ but _scale is None"):
        sc.unscale_(opt)
    with pytest.raises(OptimizerError, match="Attempted step but _scale is None"):
        sc.step(opt)
    sc.scale(_loss(compat, c_params, x)).backward()
    with pytest.raises(OptimizerError, match="No inf checks were recorded prior to update"):
        sc.update()
    sc.unscale_(opt)
    assert sc._per_optimizer_states[id(opt)]["stage"] is OptState.UNSCALED
    with pytest.raises(OptimizerError, match="unscale_\\(\\) has already been called on this"):
        sc.unscale_(opt)
    sc.step(opt)
    with pytest.raises(OptimizerError, match="unscale_\\(\\) is being called after step"):
        sc.unscale_(opt)
    with pytest.raises(OptimizerError, match="step\\(\\) has already been called since the last"):
        sc.step(opt)
    with pytest.raises(OptimizerError, match="Closure use is not currently supported"):
        sc.step(opt, closure=lambda: 0.0)
    sc.update()
    assert len(sc._per_optimizer_states) == 0
    empty = compat.optim.SGD([compat.zeros(2, requires_grad=True)], lr=0.1)
    with pytest.raises(OptimizerError, match="No inf checks were recorded for this optimizer"):
        sc.step(empty)
    half = compat.zeros(2, dtype=compat.float16, requires_grad=True)
    half.grad = compat.ones(2, dtype=compat.float16)
    with pytest.raises(InvalidArgumentError, match="Attempting to unscale FP16 gradients"):
        sc.unscale_(compat.optim.SGD([half], lr=0.1))
    with pytest.raises(OptimizerError, match="growth factor must be > 1.0"):
        GradScaler("cpu", growth_factor=1.0)
    with pytest.raises(OptimizerError, match="backoff factor must be < 1.0"):
        GradScaler("cpu", backoff_factor=1.0)
    with pytest.raises(OptimizerError, match="new_scale should be a float or a 1-element"):
        sc.update(compat.ones(2))


def test_update_with_new_scale() -> None:
    for lib_scaler, lib in ((GradScaler, compat), (torch.amp.GradScaler, torch)):
        sc = lib_scaler("cpu")
        sc.scale(lib.ones(()))
        sc.update(128.0)
        assert sc.get_scale() == 128.0
        sc.update(lib.tensor(32.0))
        assert sc.get_scale() == 32.0


def test_disabled_scaler_is_a_pass_through(rng: np.random.Generator) -> None:
    _, c_params, x = _setup(rng)
    opt = compat.optim.SGD(c_params, lr=0.1)
    sc = GradScaler("cpu", enabled=False)
    loss = _loss(compat, c_params, x)
    assert sc.scale(loss) is loss
    loss.backward()
    w0 = c_params[0].detach().numpy().copy()
    assert sc.step(opt) is None
    assert not np.array_equal(c_params[0].detach().numpy(), w0)
    sc.unscale_(opt)
    sc.update()
    assert (sc.get_scale(), sc.is_enabled(), sc.state_dict()) == (1.0, False, {})
    sc.load_state_dict({})


@pytest.mark.skipif(compat.cuda.is_available(), reason="needs a machine without a GPU")
def test_cuda_scaler_without_gpu_disables_itself() -> None:
    with pytest.warns(UserWarning, match="CUDA is not available.  Disabling."):
        sc = GradScaler()
    assert not sc.is_enabled()


def test_state_dict_crosses_to_torch_and_back(rng: np.random.Generator) -> None:
    sc = GradScaler("cpu", init_scale=256.0, growth_factor=3.0, growth_interval=5)
    sc.scale(compat.ones(()))
    _, c_params, x = _setup(rng)
    opt = compat.optim.SGD(c_params, lr=0.1)
    for _ in range(3):
        opt.zero_grad()
        sc.scale(_loss(compat, c_params, x)).backward()
        sc.step(opt)
        sc.update()
    sd = sc.state_dict()
    assert sd == {
        "scale": 256.0,
        "growth_factor": 3.0,
        "backoff_factor": 0.5,
        "growth_interval": 5,
        "_growth_tracker": 3,
    }
    t_sc = torch.amp.GradScaler("cpu")
    t_sc.load_state_dict(sd)
    assert t_sc.state_dict() == sd
    back = GradScaler("cpu")
    back.load_state_dict(t_sc.state_dict())
    assert back.state_dict() == sd
    # Two more clean steps grow the scale in both (tracker 3 -> 5 = growth_interval).
    for s, lib in ((back, compat), (t_sc, torch)):
        for _ in range(2):
            s.scale(lib.ones(()))
            s._per_optimizer_states[0]["found_inf_per_device"] = {
                "cpu": lib.tensor(False) if lib is compat else torch.tensor(0.0)
            }
            s.update()
    assert back.get_scale() == t_sc.get_scale() == 768.0
    with pytest.raises(OptimizerError, match="The source state dict is empty"):
        GradScaler("cpu").load_state_dict({})
    restored = pickle.loads(pickle.dumps(back))
    assert restored.state_dict() == back.state_dict()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert GradScaler("cpu").get_scale() == 2.0**16


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
@pytest.mark.parametrize("shape", [(), (2,)])
def test_scaled_dtype_follows_torch_promotion(dtype: str, shape: tuple) -> None:
    t = torch.amp.GradScaler("cpu").scale(torch.ones(shape, dtype=getattr(torch, dtype)))
    c = GradScaler("cpu").scale(compat.ones(shape, dtype=getattr(compat, dtype)))
    assert str(c.dtype) == str(t.dtype)
    np.testing.assert_array_equal(c.float().numpy(), t.float().numpy())
