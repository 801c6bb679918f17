import pickle

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import compat
import rustorch_fx as rt
from rustorch_fx import _boundary, _checks, _dtypes, errors


@pytest.mark.parametrize(
    ("cls", "builtins"),
    [
        (rt.ShapeError, (RuntimeError, ValueError)),
        (rt.DTypeError, (RuntimeError, TypeError)),
        (rt.IndexOutOfRangeError, (IndexError, RuntimeError)),
        (rt.InvalidArgumentError, (ValueError, RuntimeError)),
        (rt.ArgumentTypeError, (TypeError,)),
        (rt.AutogradError, (RuntimeError,)),
        (rt.NonFiniteError, (RuntimeError, rt.AutogradError)),
        (rt.TracingError, (RuntimeError,)),
        (rt.DataError, (RuntimeError,)),
        (rt.SerializationError, (RuntimeError,)),
        (rt.OptimizerError, (ValueError, RuntimeError)),
        (rt.DeviceError, (RuntimeError,)),
        (rt.ExportError, (RuntimeError,)),
        (rt.UnsupportedError, (NotImplementedError, RuntimeError)),
    ],
)
def test_each_error_is_a_rustorch_error_and_the_torch_builtin(cls, builtins):
    err = cls("op: got this, expected that")
    assert isinstance(err, rt.RusTorchError)
    for b in builtins:
        assert isinstance(err, b)
    with pytest.raises(builtins[0], match="got this"):
        raise err
    assert err.message == "op: got this, expected that"


def test_errors_pickle_with_their_attributes():
    err = rt.DataError("collate: bad sample", index=7, worker_id=2, traceback_text="Trace...")
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is rt.DataError
    assert str(back) == "collate: bad sample"
    assert (back.index, back.worker_id, back.traceback_text) == (7, 2, "Trace...")
    assert pickle.loads(pickle.dumps(rt.ShapeError())).message == ""


def test_error_names_are_exported_everywhere():
    assert set(errors.__all__) <= set(rt.__all__)
    for name in compat.__all__:
        if name in errors.__all__:
            assert getattr(compat, name) is getattr(rt, name)


@pytest.mark.parametrize(
    ("exc", "cls"),
    [
        (TypeError("Incompatible shapes for broadcasting: (3,) and (4,)"), rt.ShapeError),
        (ValueError("size mismatch"), rt.ShapeError),
        (TypeError("unsupported dtype object"), rt.DTypeError),
        (TypeError("expected a callable"), rt.ArgumentTypeError),
        (IndexError("index 9 out of range"), rt.IndexOutOfRangeError),
        (ValueError("bad option 'x'"), rt.InvalidArgumentError),
        (jax.errors.JaxRuntimeError("RESOURCE_EXHAUSTED: out of memory"), rt.DeviceError),
    ],
)
def test_boundary_converts_jax_errors_with_the_cause_chained(exc, cls):
    @_boundary.boundary("myop")
    def fails():
        raise exc

    with pytest.raises(cls, match="^myop: ") as info:
        fails()
    assert info.value.__cause__ is exc


def test_boundary_turns_concretization_into_tracing_error():
    @_boundary.boundary("nonzero")
    def data_dependent(x):
        return jnp.nonzero(x)

    with pytest.raises(rt.TracingError, match="nonzero: .*outside jax.jit") as info:
        jax.jit(data_dependent)(jnp.ones(3))
    assert isinstance(info.value.__cause__, jax.errors.ConcretizationTypeError)


def test_boundary_passes_our_errors_and_results_through():
    mine = rt.ShapeError("mine")

    @_boundary.boundary("op")
    def raises_ours():
        raise mine

    with pytest.raises(rt.ShapeError) as info:
        raises_ours()
    assert info.value is mine
    assert _boundary.convert("op", mine) is mine
    assert _boundary.boundary("op")(lambda: 3)() == 3
    assert str(_boundary.convert("op", ValueError(""))) == "op: ValueError"


def test_normalize_dim_and_dims():
    assert _checks.normalize_dim("sum", -1, 3) == 2
    assert _checks.normalize_dim("sum", 0, 0) == 0
    assert _checks.normalize_dim("sum", -1, 0) == 0
    with pytest.raises(
        rt.IndexOutOfRangeError, match=r"sum: dimension out of range .*\[-3, 2\].* 3"
    ):
        _checks.normalize_dim("sum", 3, 3)
    with pytest.raises(IndexError):
        _checks.normalize_dim("sum", 1, 0)
    with pytest.raises(rt.ArgumentTypeError, match="'dim' must be an int, got float"):
        _checks.normalize_dim("sum", 1.0, 3)
    with pytest.raises(rt.ArgumentTypeError):
        _checks.normalize_dim("sum", True, 3)
    assert _checks.normalize_dims("sum", None, 3) == (0, 1, 2)
    assert _checks.normalize_dims("sum", (-1, 0), 3) == (0, 2)
    assert _checks.normalize_dims("sum", [], 2) == (0, 1)
    assert _checks.normalize_dims("sum", 1, 2) == (1,)
    assert _checks.normalize_dims("sum", 0, 0) == ()
    assert _checks.normalize_dims("sum", (0,), 0) == ()
    with pytest.raises(rt.InvalidArgumentError, match="dim -1 appears multiple times"):
        _checks.normalize_dims("sum", (1, -1), 2)
    with pytest.raises(rt.ArgumentTypeError, match="tuple of ints, got str"):
        _checks.normalize_dims("sum", "0", 2)


def test_dtype_and_array_checks():
    f = jnp.ones(2)
    i = jnp.ones(2, dtype=jnp.int32)
    b = jnp.ones(2, dtype=bool)
    _checks.require_integer("gather", "index", i)
    _checks.require_bool("masked_fill", "mask", b)
    _checks.require_inexact("grad", "x", f)
    with pytest.raises(
        rt.DTypeError, match="gather: expected an integer dtype for 'index', got float32"
    ):
        _checks.require_integer("gather", "index", f)
    with pytest.raises(rt.DTypeError, match="expected a bool dtype for 'mask', got int32"):
        _checks.require_bool("masked_fill", "mask", i)
    with pytest.raises(rt.DTypeError, match="floating point or complex dtype for 'x', got int32"):
        _checks.require_inexact("grad", "x", i)
    assert _checks.as_array("op", "x", [1.0, 2.0]).shape == (2,)
    assert _checks.as_array("op", "x", f) is f
    assert _checks.as_array("op", "x", 3).shape == ()
    for value, dtype in [
        (2.0, jnp.float32),
        (3, jnp.int32),
        (True, jnp.bool_),
        (1j, jnp.complex64),
        ([1.0, 2.0], jnp.float32),
        ([[1, 2]], jnp.int32),
        ([True], jnp.bool_),
    ]:
        for mode in (False, True):
            with jax.enable_x64(mode):
                assert _checks.as_array("op", "x", value).dtype == dtype
    assert _checks.as_array("op", "x", np.ones(2, np.float16)).dtype == jnp.float16
    with pytest.raises(
        rt.InvalidArgumentError, match="'x' holds an integer outside the range of int32"
    ):
        _checks.as_array("op", "x", [1, 2**40])
    for bad in ("abc", None, [object()], ["a", "b"], [[1, 2], [3]]):
        with pytest.raises(rt.ArgumentTypeError, match="argument 'x' must be an array"):
            _checks.as_array("op", "x", bad)


def test_index_bounds_check():
    _checks.check_index_bounds("gather", jnp.array([0, 2]), 3, 0)
    _checks.check_index_bounds("gather", jnp.zeros((0,), jnp.int32), 0, 0)
    with pytest.raises(
        rt.IndexOutOfRangeError, match="index 3 is out of bounds for dimension 1 with size 3"
    ):
        _checks.check_index_bounds("gather", jnp.array([0, 3]), 3, 1)
    with pytest.raises(rt.IndexOutOfRangeError, match="index -1 is out of bounds"):
        _checks.check_index_bounds("gather", jnp.array([-1, 0]), 3, 0)
    # Under a trace the values are unknown: nothing is checked there.
    jax.jit(lambda ix: _checks.check_index_bounds("gather", ix, 3, 0) or ix)(jnp.array([5]))


def test_result_type_follows_torch(both_modes):
    f32, i32, b = jnp.ones(2, jnp.float32), jnp.ones(2, jnp.int32), jnp.ones(2, bool)
    assert _dtypes.result_type(f32, 2.0) == jnp.float32
    assert _dtypes.result_type(i32, 2.5) == jnp.float32
    assert _dtypes.result_type(b, 1) == jnp.int32
    assert _dtypes.result_type(b, True) == jnp.bool_
    assert _dtypes.result_type(i32, 1j) == jnp.complex64
    assert _dtypes.result_type(f32, jnp.ones((), jnp.float16)) == jnp.float32
    assert _dtypes.result_type(jnp.ones(2, jnp.int8), jnp.ones((), jnp.float16)) == jnp.float16
    assert _dtypes.result_type(jnp.ones(2, jnp.float16), jnp.ones(2, jnp.bfloat16)) == jnp.float32
    assert _dtypes.result_type(jnp.ones(2, jnp.complex64), 1.0) == jnp.complex64
    assert _dtypes.result_type(f32, jnp.ones((), jnp.int32), 1) == jnp.float32
    assert _dtypes.result_type(2.0) == jnp.float32
    if both_modes:
        assert _dtypes.result_type(jnp.ones(2, jnp.float64), 1j) == jnp.complex128
        assert _dtypes.result_type(i32, jnp.ones((), jnp.float64)) == jnp.float64
    with pytest.raises(rt.DTypeError, match="at least one operand"):
        _dtypes.result_type()


def test_canonical_dtype_refuses_silent_truncation():
    with jax.enable_x64(False):
        assert _dtypes.canonical("arange", "float32") == jnp.float32
        with pytest.raises(rt.DTypeError, match="arange: dtype int64 needs JAX's 64-bit mode"):
            _dtypes.canonical("arange", "int64")
    with jax.enable_x64(True):
        assert _dtypes.canonical("arange", "int64") == jnp.int64
    with pytest.raises(rt.DTypeError, match="'nope' is not a dtype"):
        _dtypes.canonical("arange", "nope")
    assert _dtypes.is_floating(jnp.bfloat16)
    assert not _dtypes.is_floating(jnp.int32)
