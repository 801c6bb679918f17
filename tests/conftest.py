"""Shared test helpers: conversions to and from torch, tolerant comparison, JAX mode switching.

PyTorch is the oracle: tests build the same inputs for both libraries (from numpy), run the op
in each, and compare with :func:`assert_close` (float32 at rtol=1e-5, atol=1e-6 by default).
"""

from __future__ import annotations

import contextlib
import gc
import os
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch

torch.set_default_dtype(torch.float32)

# The suite builds millions of small, mostly long-lived objects (jaxprs, compiled programs,
# torch's and JAX's modules); with CPython's default thresholds (700, 10, 10) the cyclic
# collector keeps rescanning them and takes about a fifth of the run. Freeze what the imports
# made and collect less often.
gc.collect()
gc.freeze()
gc.set_threshold(50_000, 20, 100)


def _share_compiled_programs() -> None:
    """Let every test process reuse XLA programs that any of them compiled before.

    Tests build many distinct jitted functions that lower to the same XLA program (the same op
    in another test, a rebuilt module, the same step in an example subprocess); JAX's persistent
    compilation cache is keyed by the program, so each is compiled once per run instead of once
    per function object and per process. Measured on tests/test_losses.py alone: 37.8 s without
    the cache, 31 s with an empty one, 22 s with a warm one. Every entry is kept (no minimum
    compile time or size); no size limit is set because JAX's eviction takes a file lock and
    rescans the directory on every write (measured 3x slower). The directory lives in pytest's
    cache folder (``pytest --cache-clear`` does not remove it; delete it by hand) and
    ``RUSTORCH_TEST_JAX_CACHE`` moves it or, set to an empty string, turns this off. The
    environment variables pass the same setting to the scripts the tests run in subprocesses.
    """
    default = Path(__file__).resolve().parent.parent / ".pytest_cache" / "jax-compilation-cache"
    path = os.environ.get("RUSTORCH_TEST_JAX_CACHE", str(default))
    if not path:
        return
    settings = {
        "jax_compilation_cache_dir": path,
        "jax_persistent_cache_min_compile_time_secs": 0.0,
        "jax_persistent_cache_min_entry_size_bytes": -1,
    }
    for name, value in settings.items():
        jax.config.update(name, value)
        os.environ[name.upper()] = str(value)


_share_compiled_programs()


def _cheap_llvm_codegen() -> None:
    """Compile the tests' XLA programs with LLVM's optimizations off (``-O0``).

    Most of the suite's time is XLA compiling thousands of small programs once each, and most
    of a CPU compile is LLVM optimizing the generated code. XLA's HLO passes (fusion, layout,
    algebraic simplification) still run: the programs compute what users' programs compute,
    op for op; only the machine code is less tuned, which tiny test shapes do not notice.
    Results differ from the optimized build by rounding only (LLVM at -O3 contracts some
    multiply-adds into FMAs): on a GELU + normalization program and its gradient, at most
    2.6e-6 absolute on values of order 1, well inside the tests' float32 tolerances; every
    comparison against torch still holds. Measured on tests/test_nn_attention.py + tests/test_autodiff.py from an empty
    compilation cache: 61.6 -> 45.0 s of CPU time (the XLA compile of a mixed set of programs
    alone: 1.26 -> 0.79 s). ``RUSTORCH_TEST_XLA_OPT=1`` keeps XLA's default level. Set in the
    environment before the first computation (XLA reads its flags when the backend starts), so
    the scripts the tests run in subprocesses compile alike and share the cached programs.
    """
    if os.environ.get("RUSTORCH_TEST_XLA_OPT", "") not in ("", "0"):
        return
    flags = os.environ.get("XLA_FLAGS", "")
    if "xla_backend_optimization_level" not in flags:
        os.environ["XLA_FLAGS"] = f"{flags} --xla_backend_optimization_level=0".strip()


_cheap_llvm_codegen()

_TORCH_TO_NP = {
    torch.float16: np.float16,
    torch.float32: np.float32,
    torch.float64: np.float64,
    torch.int8: np.int8,
    torch.int16: np.int16,
    torch.int32: np.int32,
    torch.int64: np.int64,
    torch.uint8: np.uint8,
    torch.bool: np.bool_,
    torch.complex64: np.complex64,
    torch.complex128: np.complex128,
}


def to_numpy(x: Any) -> np.ndarray:
    """Return a numpy copy of a torch tensor, a jax array, or a Python value."""
    if isinstance(x, torch.Tensor):
        x = x.detach()
        if x.dtype == torch.bfloat16:
            x = x.float()
        return x.numpy().copy()
    return np.asarray(x)


def to_torch(x: Any, requires_grad: bool = False) -> torch.Tensor:
    """Return a torch tensor holding the same values as a numpy/jax array."""
    arr = np.array(x)
    t = torch.from_numpy(arr.copy())
    if requires_grad:
        t.requires_grad_(True)
    return t


def assert_close(
    actual: Any,
    expected: Any,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    check_dtype: bool = True,
    equal_nan: bool = True,
) -> None:
    """Assert that ``actual`` (ours) matches ``expected`` (torch or numpy) in shape, values, dtype.

    ``check_dtype`` compares dtypes exactly, except that torch's int64 index outputs match our
    int32 ones (rustorch_fx's index dtype is int32 in both JAX modes).
    """
    a, e = to_numpy(actual), to_numpy(expected)
    assert a.shape == e.shape, f"shape {a.shape} != expected {e.shape}"
    if check_dtype:
        same = a.dtype == e.dtype or (a.dtype == np.int32 and e.dtype == np.int64)
        assert same, f"dtype {a.dtype} != expected {e.dtype}"
    if a.dtype == np.bool_ or e.dtype == np.bool_:
        np.testing.assert_array_equal(a, e)
    else:
        np.testing.assert_allclose(a, e, rtol=rtol, atol=atol, equal_nan=equal_nan)


def assert_tree_close(actual: Any, expected: Any, **kwargs: Any) -> None:
    """:func:`assert_close` over two pytrees with the same structure."""
    la, ta = jax.tree_util.tree_flatten(actual)
    le, te = jax.tree_util.tree_flatten(expected)
    assert ta == te, f"tree structure {ta} != expected {te}"
    for x, y in zip(la, le, strict=False):
        assert_close(x, y, **kwargs)


@contextlib.contextmanager
def x64_mode(enabled: bool) -> Iterator[None]:
    """Run a block with JAX's 64-bit mode set to ``enabled``, restoring it afterwards."""
    with jax.enable_x64(enabled):
        yield


@pytest.fixture(autouse=True, scope="module")
def _jax_mode_per_module(request: pytest.FixtureRequest) -> Iterator[None]:
    """The same mode as :func:`_jax_mode_per_layer` while a module's own fixtures are built.

    Module-scoped fixtures are set up before function-scoped ones, so without this they would
    see whatever mode the previous test file on the same worker left.
    """
    with x64_mode(request.node.path.name.startswith("test_compat")):
        yield


@pytest.fixture(autouse=True)
def _jax_mode_per_layer(request: pytest.FixtureRequest) -> Iterator[None]:
    """rustorch_fx tests run in JAX's default 32-bit mode, compat tests in 64-bit mode.

    Importing compat turns 64-bit mode on for the whole process (as it must for torch
    scripts); this keeps each layer's tests in the mode its users have, whatever was imported.
    """
    with x64_mode(request.node.path.name.startswith("test_compat")):
        yield


@pytest.fixture(params=[False, True], ids=["x32", "x64"])
def both_modes(request: pytest.FixtureRequest) -> Iterator[bool]:
    """Run the test once with JAX's 64-bit mode off and once with it on."""
    with x64_mode(request.param):
        yield request.param


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> np.random.Generator:
    """A numpy Generator seeded from the test's name, so each test is reproducible."""
    seed = zlib.crc32(request.node.nodeid.encode())
    return np.random.default_rng(seed)


def randn(rng: np.random.Generator, *shape: int, dtype: Any = np.float32) -> np.ndarray:
    """Standard-normal numpy array of ``shape`` and ``dtype``."""
    return rng.standard_normal(shape).astype(dtype)


def jx(x: np.ndarray) -> jax.Array:
    """The numpy array as a jax array (same dtype, where the current mode allows it)."""
    return jnp.asarray(x)
