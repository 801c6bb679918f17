"""rustorch_fx.export: trace/script to StableHLO, save/load, errors, a fresh-process round trip."""

from __future__ import annotations

import collections
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from conftest import assert_close, assert_tree_close
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rustorch_fx as rt
from rustorch_fx import export

ROOT = Path(__file__).resolve().parents[1]


def mlp(p, x):
    h = rt.nn.relu(rt.nn.linear(x, p["0.weight"], p["0.bias"]))
    return rt.nn.linear(h, p["2.weight"], p["2.bias"])


def convnet(p, x):
    h = rt.nn.relu(rt.nn.conv2d(x, p["conv.weight"], p["conv.bias"], padding=1))
    h = rt.nn.max_pool2d(h, 2)
    return rt.nn.linear(h.reshape(h.shape[0], -1), p["fc.weight"], p["fc.bias"])


def loss(p, x, y):
    return jnp.mean((mlp(p, x) - y) ** 2)


def tree_fn(inputs, scale):
    return {"sum": inputs["a"] + inputs["b"][0], "prod": (inputs["a"] * scale, inputs["b"][1])}


def _params(rng, shapes):
    return {k: jnp.asarray(rng.standard_normal(s), dtype=jnp.float32) for k, s in shapes.items()}


MLP_SHAPES = {"0.weight": (5, 3), "0.bias": (5,), "2.weight": (2, 5), "2.bias": (2,)}
CONV_SHAPES = {"conv.weight": (2, 1, 3, 3), "conv.bias": (2,), "fc.weight": (3, 8), "fc.bias": (3,)}


@pytest.fixture(scope="module")
def mlp_case():
    rng = np.random.default_rng(0)
    p = _params(rng, MLP_SHAPES)
    x = jnp.asarray(rng.standard_normal((4, 3)), dtype=jnp.float32)
    return p, x, export.trace(mlp, x, params=p)


@pytest.fixture(scope="module")
def mlp_scripted(mlp_case):
    p, _, _ = mlp_case
    return export.script(mlp, export.spec("b, 3"), params=p)


@pytest.fixture(scope="module")
def saved_mlp(mlp_case, tmp_path_factory):
    _, _, m = mlp_case
    path = tmp_path_factory.mktemp("export") / "mlp.rtx"
    m.save(path)
    return path


# -- trace: outputs equal to the function ---------------------------------------------------


def test_trace_mlp_matches_function(mlp_case):
    p, x, m = mlp_case
    assert_close(m(x), mlp(p, x))
    assert m.in_specs == (jax.ShapeDtypeStruct((4, 3), jnp.float32),)
    assert m.out_specs == jax.ShapeDtypeStruct((4, 2), jnp.float32)
    assert m.platforms == ("cpu", "cuda")
    assert_tree_close(m.params, p)


def test_trace_convnet_matches_function(rng):
    p = _params(rng, CONV_SHAPES)
    x = jnp.asarray(rng.standard_normal((2, 1, 4, 4)), dtype=jnp.float32)
    m = export.trace(convnet, x, params=p)
    assert_close(m(x), convnet(p, x), rtol=1e-5, atol=1e-5)
    assert "stablehlo.dot_general" in m.graph


def test_trace_pytree_in_and_out(rng):
    inputs = {"a": jnp.ones((2, 3)), "b": [jnp.arange(3.0), jnp.zeros((), jnp.int32)]}
    m = export.trace(tree_fn, inputs, 2.0)
    new = {"a": jnp.full((2, 3), 3.0), "b": [jnp.ones(3), jnp.array(7, jnp.int32)]}
    assert_tree_close(m(new, 0.5), tree_fn(new, jnp.float32(0.5)))
    assert m.out_specs["prod"][1] == jax.ShapeDtypeStruct((), jnp.int32)


def test_scalar_loss_and_grads_through_saved_module(mlp_case, rng, tmp_path):
    p, x, _ = mlp_case
    y = jnp.asarray(rng.standard_normal((4, 2)), dtype=jnp.float32)
    m = export.trace(loss, x, y, params=p)
    m.save(tmp_path / "loss.rtx")
    loaded = export.load(tmp_path / "loss.rtx")
    assert_close(loaded(x, y), loss(p, x, y))
    g_params = jax.grad(lambda q: loaded.apply(q, x, y))(loaded.params)
    assert_tree_close(g_params, jax.grad(loss)(p, x, y), rtol=1e-5, atol=1e-6)
    g_x = jax.grad(lambda v: loaded(v, y))(x)
    assert_close(g_x, jax.grad(loss, argnums=1)(p, x, y), rtol=1e-5, atol=1e-6)
    assert_close(jax.jit(loaded)(x, y), loss(p, x, y))


def test_trace_without_params_and_python_scalars():
    m = export.trace(lambda x, s: x * s, jnp.ones(3), 2.0)
    assert m.in_specs[1] == jax.ShapeDtypeStruct((), jnp.float32)
    assert m(jnp.arange(3.0), 3.0).tolist() == [0.0, 3.0, 6.0]
    with pytest.raises(rt.ArgumentTypeError, match="exported without params"):
        m.apply({}, jnp.ones(3), 1.0)


# -- script: symbolic dimensions ------------------------------------------------------------


@pytest.mark.parametrize("batch", [1, 3, 8])
def test_script_serves_every_batch_size(mlp_case, mlp_scripted, batch):
    p, _, _ = mlp_case
    x = jnp.asarray(np.random.default_rng(batch).standard_normal((batch, 3)), dtype=jnp.float32)
    assert_close(mlp_scripted(x), mlp(p, x))


def test_script_shared_names_and_expressions():
    m = export.script(lambda a, b: a + b, export.spec("n, 3"), export.spec(("n", 3)))
    assert m(jnp.ones((2, 3)), jnp.ones((2, 3))).shape == (2, 3)
    with pytest.raises(rt.ShapeError, match=r"input 1 has shape \(4, 3\).*float32\[n, 3\].*n=2"):
        m(jnp.ones((2, 3)), jnp.ones((4, 3)))
    doubled = export.script(lambda a: a[::2], export.spec("2*k, 3"))
    assert doubled(jnp.ones((6, 3))).shape == (3, 3)
    with pytest.raises(rt.ShapeError, match=r"2\*k, 3"):
        doubled(jnp.ones((5, 3)))


def test_script_constraints_and_struct_specs():
    (b,) = jax.export.symbolic_shape("b")
    m = export.script(jnp.sum, jax.ShapeDtypeStruct((b, 2), jnp.float32))
    assert m(jnp.ones((5, 2))) == 10.0
    c = export.script(lambda x: x[1:], export.spec("b, 2"), constraints=("b >= 2",))
    assert c(jnp.ones((3, 2))).shape == (2, 2)
    with pytest.raises(rt.ShapeError):
        c(jnp.ones((1, 2)))


def test_script_of_size_dependent_code_is_an_export_error():
    def branchy(x):
        return x * 2 if x.shape[0] > 3 else x

    with pytest.raises(rt.ExportError, match=r"script\(branchy\).*symbolic"):
        export.script(branchy, export.spec("b"))


def test_spec_validation():
    assert export.spec((2, 3)) == jax.ShapeDtypeStruct((2, 3), jnp.float32)
    assert repr(export.spec("b, 3", jnp.int32)) == "spec('b, 3', int32)"
    with pytest.raises(rt.ArgumentTypeError, match="spec: shape must be"):
        export.spec(3)
    with pytest.raises(rt.InvalidArgumentError, match="cannot parse"):
        export.spec("b, +")


# -- bad calls ------------------------------------------------------------------------------


def test_call_errors_name_the_input(mlp_scripted):
    x = jnp.ones((2, 3))
    with pytest.raises(
        rt.ArgumentTypeError, match=r"expected 1 input\(s\) \[float32\[b, 3\]\], got 2"
    ):
        mlp_scripted(x, x)
    with pytest.raises(rt.ShapeError, match=r"input 0 has shape \(2, 4\).*float32\[b, 3\]"):
        mlp_scripted(jnp.ones((2, 4)))
    with pytest.raises(rt.ShapeError, match=r"input 0 has shape \(0, 3\)"):
        mlp_scripted(jnp.ones((0, 3)))
    with pytest.raises(rt.ShapeError, match=r"input 0 has shape \(3,\)"):
        mlp_scripted(jnp.ones(3))
    with pytest.raises(rt.DTypeError, match="input 0 has dtype int32"):
        mlp_scripted(jnp.ones((2, 3), jnp.int32))
    with pytest.raises(rt.ArgumentTypeError, match="input 0 must be an array, got str"):
        mlp_scripted("x")


def test_pytree_structure_and_params_errors(mlp_case):
    p, x, m = mlp_case
    t = export.trace(tree_fn, {"a": jnp.ones(2), "b": [jnp.ones(2), jnp.ones(())]}, 1.0)
    with pytest.raises(rt.ArgumentTypeError, match="structure"):
        t({"a": jnp.ones(2)}, 1.0)
    with pytest.raises(rt.ArgumentTypeError, match=r"apply: params have the structure"):
        m.apply({"w": p["0.weight"]}, x)
    bad = dict(p, **{"0.bias": p["0.bias"].astype(jnp.int32)})
    with pytest.raises(rt.DTypeError, match=r"params\['0.bias'\] has dtype int32"):
        m.apply(bad, x)


def test_trace_errors():
    with pytest.raises(rt.ArgumentTypeError, match="trace: fn must be callable"):
        export.trace(3, jnp.ones(2))
    with pytest.raises(rt.InvalidArgumentError, match=r"unknown platform\(s\) \['metal'\]"):
        export.trace(jnp.sin, jnp.ones(2), platforms=("cpu", "metal"))
    with pytest.raises(rt.TracingError, match="trace"):
        export.trace(lambda x: x if x.sum() > 0 else -x, jnp.ones(2))
    with pytest.raises(rt.ArgumentTypeError, match="example input 0"):
        export.trace(jnp.sin, "text")
    with pytest.raises(rt.ExportError, match=r"trace\(fn\): cannot export"):
        export.trace(lambda x: "not an array", jnp.ones(2))


# -- inspection -----------------------------------------------------------------------------


def test_graph_code_and_print(mlp_case, capsys):
    _, _, m = mlp_case
    assert m.graph == m.code
    assert "func.func public @main" in m.graph and "stablehlo.dot_general" in m.graph
    print(m)
    out = capsys.readouterr().out
    assert out.startswith("// ScriptModule(mlp, inputs=[float32[4, 3]], params=True")
    assert "stablehlo" in out


# -- save and load --------------------------------------------------------------------------


def test_save_load_round_trip(mlp_case, mlp_scripted, tmp_path):
    p, x, m = mlp_case
    path = tmp_path / "m.rtx"
    m.save(path, metadata={"note": "hello"})
    loaded = export.load(path)
    assert_close(loaded(x), m(x))
    assert loaded.in_specs == m.in_specs and loaded.platforms == m.platforms
    assert loaded.metadata == {"note": "hello"}
    assert_tree_close(loaded.params, p)
    assert sorted(os.listdir(tmp_path)) == ["m.rtx"]  # the atomic write left no temporary
    buf = io.BytesIO()
    mlp_scripted.save(buf)
    again = export.load(io.BytesIO(buf.getvalue()))
    for n in (1, 5):
        assert_close(again(jnp.ones((n, 3))), mlp(p, jnp.ones((n, 3))))


def test_save_without_vjp(tmp_path):
    m = export.trace(jnp.cos, jnp.ones(2))
    m.save(tmp_path / "f.rtx", vjp_order=0)
    forward_only = export.load(tmp_path / "f.rtx")
    assert_close(forward_only(jnp.zeros(2)), jnp.ones(2))
    with pytest.raises(rt.AutogradError, match="saved without its derivative"):
        jax.grad(lambda x: forward_only(x).sum())(jnp.zeros(2))
    with pytest.raises(rt.UnsupportedError, match="forward-mode"):
        jax.jvp(m, (jnp.zeros(2),), (jnp.ones(2),))
    with pytest.raises(rt.UnsupportedError, match="jax.vmap"):
        jax.vmap(m)(jnp.zeros((3, 2)))
    with pytest.raises(rt.InvalidArgumentError, match="vjp_order"):
        m.save(tmp_path / "g.rtx", vjp_order=-1)
    with pytest.raises(rt.ArgumentTypeError, match="metadata"):
        m.save(tmp_path / "g.rtx", metadata={"a": 1})


def test_save_errors_for_programs_jax_cannot_serialize(tmp_path):
    def loop(x):
        return jax.lax.while_loop(lambda c: c[0] < 3, lambda c: (c[0] + 1, c[1] * 2), (0, x))[1]

    m = export.trace(loop, jnp.ones(2))
    with pytest.raises(rt.ExportError, match="cannot export the derivative.*vjp_order=0"):
        m.save(tmp_path / "loop.rtx")
    m.save(tmp_path / "loop.rtx", vjp_order=0)
    assert export.load(tmp_path / "loop.rtx")(jnp.ones(2)).tolist() == [8.0, 8.0]
    pair = collections.namedtuple("pair", "a b")
    with pytest.raises(rt.ExportError, match="cannot serialize.*register_namedtuple"):
        export.trace(lambda x: pair(x, x), jnp.ones(2)).save(tmp_path / "nt.rtx")


def test_load_errors(saved_mlp, tmp_path):
    with pytest.raises(rt.SerializationError, match="cannot read"):
        export.load(tmp_path / "missing.rtx")
    with pytest.raises(rt.SerializationError, match="not a valid export archive"):
        export.load(b"definitely not a zip file")
    with pytest.raises(rt.SerializationError, match="cannot write"):
        export.trace(jnp.sin, jnp.ones(2)).save(tmp_path / "no" / "dir.rtx")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("manifest.json", "{}")
    with pytest.raises(
        rt.SerializationError,
        match=r"member\(s\) \['program.jaxexport', 'params.safetensors'\] missing",
    ):
        export.load(buf.getvalue())
    with pytest.raises(rt.ArgumentTypeError, match="expected a path"):
        export.load(3.5)


def _rewrite_manifest(path: Path, **changes) -> bytes:
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    manifest = json.loads(members["manifest.json"])
    manifest.update(changes)
    members["manifest.json"] = json.dumps(manifest).encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n, data in members.items():
            z.writestr(n, data)
    return buf.getvalue()


def test_version_and_platform_mismatch(saved_mlp, tmp_path, monkeypatch):
    with pytest.raises(rt.ExportError, match="format version 99.*upgrade"):
        export.load(_rewrite_manifest(saved_mlp, format_version=99))
    with pytest.raises(rt.SerializationError, match="not a rustorch_fx.export file"):
        export.load(_rewrite_manifest(saved_mlp, format="other"))
    monkeypatch.setattr(jax.export, "minimum_supported_calling_convention_version", 10**6)
    with pytest.raises(rt.ExportError, match="calling convention"):
        export.load(saved_mlp)
    monkeypatch.undo()
    gpu_only = export.trace(jnp.sin, jnp.ones(2), platforms=("cuda",))
    gpu_only.save(tmp_path / "gpu.rtx")
    if jax.default_backend() == "cpu":
        with pytest.raises(rt.ExportError, match=r"lowered for \('cuda',\).*runs on 'cpu'"):
            export.load(tmp_path / "gpu.rtx")


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_fuzz_corrupted_files(saved_mlp, mlp_case, data):
    """Random truncations and byte changes: SerializationError, or a module that still agrees."""
    _, x, m = mlp_case
    blob = bytearray(saved_mlp.read_bytes())
    if data.draw(st.booleans(), label="truncate"):
        blob = blob[: data.draw(st.integers(0, len(blob) - 1), label="length")]
    else:
        for _ in range(data.draw(st.integers(1, 4), label="flips")):
            i = data.draw(st.integers(0, len(blob) - 1), label="index")
            blob[i] ^= data.draw(st.integers(1, 255), label="mask")
    try:
        loaded = export.load(bytes(blob))
    except rt.SerializationError:
        return
    assert_close(loaded(x), m(x))


def test_load_in_a_fresh_process(saved_mlp, mlp_case, tmp_path):
    """The saved file alone runs in a new interpreter that has none of this file's code."""
    _, x, m = mlp_case
    np.save(tmp_path / "x.npy", np.asarray(x))
    code = (
        "import json, sys, numpy as np\n"
        "from rustorch_fx import export\n"
        "m = export.load(sys.argv[1])\n"
        "print(json.dumps(np.asarray(m(np.load(sys.argv[2]))).tolist()))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", code, str(saved_mlp), str(tmp_path / "x.npy")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = np.asarray(json.loads(result.stdout.strip().splitlines()[-1]), dtype=np.float32)
    np.testing.assert_array_equal(out, np.asarray(m(x)))
