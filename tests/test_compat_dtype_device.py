"""compat dtypes, devices, the RNG and ``compat.cuda``, checked against torch 2.13 where it has the same."""

from __future__ import annotations

import copy
import itertools
import pickle

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch

import compat._device as dv
import compat._dtype as dt
import compat._random as rd
import compat.cuda as cuda
from rustorch_fx import ops
from rustorch_fx.errors import (
    ArgumentTypeError,
    DeviceError,
    DTypeError,
    InvalidArgumentError,
)

NAMES = [
    "float32",
    "float16",
    "bfloat16",
    "float64",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "bool",
    "complex64",
    "complex128",
]
ALIASES = ["float", "half", "double", "int", "long", "cfloat", "cdouble"]
PAIRS = list(itertools.product(NAMES, NAMES))


@pytest.fixture
def default_dtype():
    yield
    dt.set_default_dtype(dt.float32)
    torch.set_default_dtype(torch.float32)


class _FakeGpu:
    platform = "gpu"

    def __init__(self, i: int) -> None:
        self.device_kind = f"Fake GPU {i}"


@pytest.fixture
def gpus(monkeypatch):
    """Pretend JAX sees two GPUs (the test passes the same on a machine with or without one)."""
    fake = (_FakeGpu(0), _FakeGpu(1))
    monkeypatch.setattr(dv, "_gpu_devices", lambda: fake)
    yield fake
    dv._set_current_cuda_index(0)


@pytest.fixture
def no_gpu(monkeypatch):
    monkeypatch.setattr(dv, "_gpu_devices", lambda: ())


@pytest.fixture
def rng_state():
    """Restore every generator after a test that seeds them."""
    state = rd.get_rng_state()
    cuda_seed = rd._cuda_seed[0]
    gens = dict(rd._cuda_generators)
    yield
    rd.set_rng_state(state)
    rd._cuda_seed[0] = cuda_seed
    rd._cuda_generators.clear()
    rd._cuda_generators.update(gens)


# ----------------------------------------------------------------------------------------------
# dtype
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES + ALIASES)
def test_dtype_attributes_match_torch(name):
    ours, theirs = getattr(dt, name), getattr(torch, name)
    assert repr(ours) == repr(theirs)
    assert str(ours) == str(theirs)
    assert ours.is_floating_point == theirs.is_floating_point
    assert ours.is_complex == theirs.is_complex
    assert ours.is_signed == theirs.is_signed
    assert ours.itemsize == theirs.itemsize
    assert ours is getattr(dt, str(theirs).removeprefix("torch."))
    assert isinstance(ours, dt.dtype)


@pytest.mark.parametrize("name", NAMES)
def test_to_real_and_to_complex_match_torch(name):
    ours, theirs = getattr(dt, name), getattr(torch, name)
    assert str(ours.to_real()) == str(theirs.to_real())
    if name in ("float32", "float64", "complex64", "complex128"):
        assert str(ours.to_complex()) == str(theirs.to_complex())
    elif name in ("float16", "bfloat16"):  # torch: complex32, which compat does not have
        with pytest.raises(DTypeError, match=r"to_complex: torch\.\w+16 has no complex"):
            ours.to_complex()
    else:
        with pytest.raises(RuntimeError):
            theirs.to_complex()
        with pytest.raises(DTypeError, match="expected float32, float64 or a complex dtype"):
            ours.to_complex()


@pytest.mark.parametrize("name", NAMES)
def test_to_jax_and_numpy_mapping(name):
    ours = getattr(dt, name)
    expected = (
        jnp.bfloat16 if name == "bfloat16" else getattr(np, "bool_" if name == "bool" else name)
    )
    assert ours.to_jax() == np.dtype(expected)
    assert dt._to_numpy_dtype(ours) == np.dtype(expected)
    assert dt._from_any(np.dtype(expected)) is ours
    assert dt._from_any(expected) is ours
    assert dt._from_any(name) is ours
    assert dt._from_any(f"torch.{name}") is ours
    assert dt._from_any(getattr(torch, name)) is ours
    assert jnp.zeros(2, ours.to_jax()).dtype == ours.to_jax() or name.endswith("64")


def test_from_any_accepts_aliases_python_types_and_jax_types():
    assert dt._from_any("float") is dt.float32  # torch's name first, not numpy's float64
    assert dt._from_any("long") is dt.int64
    assert dt._from_any("f8") is dt.float64
    assert dt._from_any(float) is dt.float64  # dtype=float in torch is float64
    assert dt._from_any(int) is dt.int64
    assert dt._from_any(bool) is dt.bool
    assert dt._from_any(jnp.bfloat16) is dt.bfloat16
    assert dt._from_any(jnp.int8) is dt.int8
    assert dt._to_numpy_dtype("half") == np.float16


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        ("flaot32", r"dtype: expected a dtype .* got 'flaot32' \(str\)"),
        (None, r"got None \(NoneType\)"),
        (np.zeros(3), r"got array\(.*\) \(ndarray\)"),
        (3, r"got 3 \(int\)"),
        (np.uint16, "dtype: uint16 has no compat dtype"),
        ("float8_e4m3fn", "float8_e4m3fn has no compat dtype"),
    ],
)
def test_from_any_rejects_non_dtypes(bad, match):
    with pytest.raises(DTypeError, match=match):
        dt._from_any(bad)


def test_dtype_is_an_immutable_hashable_singleton():
    with pytest.raises(ArgumentTypeError, match="compat dtypes cannot be created"):
        dt.dtype("float32", np.float32, 2)
    with pytest.raises(AttributeError):
        dt.float32.is_complex = True
    with pytest.raises(AttributeError):
        dt.float32.extra = 1
    assert {dt.float: 1}[dt.float32] == 1
    for d in (dt.float32, dt.long, dt.bool, dt.cdouble):
        assert pickle.loads(pickle.dumps(d)) is d
        assert copy.deepcopy(d) is d
        assert copy.copy(d) is d
    assert dt.float32 != dt.float64
    assert dt.float32 != torch.float32


def test_default_dtype_get_and_set_match_torch(default_dtype):
    assert dt.get_default_dtype() is dt.float32
    assert str(torch.get_default_dtype()) == str(dt.get_default_dtype())
    for name in ("float64", "float16", "bfloat16", "float32"):
        dt.set_default_dtype(getattr(dt, name))
        torch.set_default_dtype(getattr(torch, name))
        assert str(dt.get_default_dtype()) == str(torch.get_default_dtype())
    dt.set_default_dtype("float64")
    assert dt.get_default_dtype() is dt.float64


@pytest.mark.parametrize("name", ["int32", "int64", "bool", "complex64", "uint8"])
def test_set_default_dtype_rejects_non_floating_like_torch(name, default_dtype):
    with pytest.raises(TypeError):
        torch.set_default_dtype(getattr(torch, name))
    with pytest.raises(DTypeError, match=f"set_default_dtype: only floating-point .* torch.{name}"):
        dt.set_default_dtype(getattr(dt, name))
    assert dt.get_default_dtype() is dt.float32


def test_set_default_dtype_rejects_non_dtypes():
    with pytest.raises(DTypeError, match="set_default_dtype: expected a dtype"):
        dt.set_default_dtype(None)


@pytest.mark.parametrize(
    "name", ["float16", "bfloat16", "float32", "float64", "complex64", "complex128"]
)
def test_finfo_matches_torch(name):
    ours, theirs = dt.finfo(getattr(dt, name)), torch.finfo(getattr(torch, name))
    for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
        assert type(getattr(ours, attr)) is type(getattr(theirs, attr)), attr
    assert repr(ours) == repr(theirs)


def test_finfo_defaults_to_the_default_dtype(default_dtype):
    assert repr(dt.finfo()) == repr(torch.finfo())
    dt.set_default_dtype(dt.float64)
    assert dt.finfo().dtype == "float64"


@pytest.mark.parametrize("name", ["int8", "int16", "int32", "int64", "uint8", "bool"])
def test_finfo_rejects_integer_dtypes_like_torch(name):
    with pytest.raises(TypeError):
        torch.finfo(getattr(torch, name))
    with pytest.raises(
        DTypeError, match=f"finfo: expected a floating point or complex dtype, got torch.{name}"
    ):
        dt.finfo(getattr(dt, name))


@pytest.mark.parametrize("name", ["int8", "int16", "int32", "int64", "uint8"])
def test_iinfo_matches_torch(name):
    ours, theirs = dt.iinfo(getattr(dt, name)), torch.iinfo(getattr(torch, name))
    for attr in ("bits", "max", "min", "dtype"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
        assert type(getattr(ours, attr)) is type(getattr(theirs, attr)), attr
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize(
    ("name", "match"),
    [
        ("bool", r"iinfo: expected an integer dtype, got torch\.bool$"),
        ("float32", "got torch.float32 \\(use compat.finfo for floating dtypes\\)"),
        ("complex64", "got torch.complex64"),
    ],
)
def test_iinfo_rejects_non_integer_dtypes_like_torch(name, match):
    with pytest.raises(TypeError):
        torch.iinfo(getattr(torch, name))
    with pytest.raises(DTypeError, match=match):
        dt.iinfo(getattr(dt, name))


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_promote_types_matches_torch(a, b):
    expected = torch.promote_types(getattr(torch, a), getattr(torch, b))
    assert str(dt.promote_types(getattr(dt, a), getattr(dt, b))) == str(expected)


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_can_cast_matches_torch(a, b):
    expected = torch.can_cast(getattr(torch, a), getattr(torch, b))
    assert dt.can_cast(getattr(dt, a), getattr(dt, b)) == expected


def test_promote_types_and_can_cast_reject_non_dtypes():
    with pytest.raises(DTypeError, match="promote_types: expected a dtype"):
        dt.promote_types(dt.float32, "nope")
    with pytest.raises(DTypeError, match="can_cast: expected a dtype"):
        dt.can_cast(None, dt.float32)


_SCALARS = [True, 2, 2.5, 1 + 2j]
_TENSOR_DTYPES = [
    "bool",
    "uint8",
    "int8",
    "int32",
    "int64",
    "float16",
    "bfloat16",
    "float32",
    "float64",
    "complex64",
]


def _pair(name: str, zero_dim: bool):
    shape = () if zero_dim else (2,)
    t = torch.zeros(shape, dtype=getattr(torch, name))
    return np.zeros(shape, dt._to_numpy_dtype(name)), t


def _case_list():
    cases = []
    for name, zero_dim, scalar in itertools.product(_TENSOR_DTYPES, [False, True], _SCALARS):
        cases.append(((name, zero_dim), scalar))
    for (a, za), (b, zb) in itertools.product(
        itertools.product(_TENSOR_DTYPES, [False, True]), repeat=2
    ):
        cases.append(((a, za), (b, zb)))
    cases += [(x, y) for x, y in itertools.product(_SCALARS, repeat=2)]
    return cases


@pytest.mark.parametrize("default", ["float32", "float64", "float16"])
def test_result_type_matches_torch(default, default_dtype):
    dt.set_default_dtype(getattr(dt, default))
    torch.set_default_dtype(getattr(torch, default))
    checked = 0
    for x, y in _case_list():
        ours_args, torch_args = [], []
        for v in (x, y):
            if isinstance(v, tuple):
                arr, t = _pair(*v)
                ours_args.append(arr)
                torch_args.append(t)
            else:
                ours_args.append(v)
                torch_args.append(v)
        expected = str(torch.result_type(*torch_args))
        if expected == "torch.complex32":  # compat has no complex32 and gives complex64
            assert dt.result_type(*ours_args) is dt.complex64
            continue
        assert str(dt.result_type(*ours_args)) == expected, (default, x, y)
        checked += 1
    assert checked > 400


def test_result_type_accepts_jax_and_torch_operands_and_any_count():
    assert dt.result_type(jnp.zeros(2, jnp.int8), 3) is dt.int8
    assert dt.result_type(torch.zeros(2, dtype=torch.int64), 1.5) is dt.float32
    assert dt.result_type(np.zeros(2, np.int16)) is dt.int16
    assert dt.result_type(np.zeros(2, np.int8), np.zeros((), np.float64), 1j) is dt.complex128
    assert dt.result_type(1, 2, 3) is dt.int64

    class NoNdim:  # an array-like with a dtype but no ndim: treated as 0-d
        dtype = np.dtype(np.float16)

    assert dt.result_type(np.zeros(2, np.int8), NoNdim()) is dt.float16


@pytest.mark.parametrize(
    ("operands", "error", "match"),
    [
        ((), DTypeError, "result_type: expected at least one operand"),
        (
            ([1, 2], 3),
            ArgumentTypeError,
            r"result_type: expected tensors, .* got \[1, 2\] \(list\)",
        ),
        ((dt.float32, 1), ArgumentTypeError, r"got torch.float32 \(dtype\)"),
        ((np.float32, 1), ArgumentTypeError, "got <class 'numpy.float32'>"),
        ((np.zeros(2, np.uint16), 1), DTypeError, "result_type: uint16 has no compat dtype"),
    ],
)
def test_result_type_rejects_bad_operands(operands, error, match):
    with pytest.raises(error, match=match):
        dt.result_type(*operands)


# ----------------------------------------------------------------------------------------------
# device
# ----------------------------------------------------------------------------------------------

VALID = [
    "cpu",
    "cuda",
    "cuda:0",
    "cpu:0",
    "cuda:12",
    "mps",
    "meta",
    "xpu:1",
    "hip",
    "xla",
    "privateuseone",
]


@pytest.mark.parametrize("text", VALID)
def test_device_parsing_matches_torch(text):
    ours, theirs = dv.device(text), torch.device(text)
    assert (ours.type, ours.index) == (theirs.type, theirs.index)
    assert repr(ours) == repr(theirs)
    assert str(ours) == str(theirs)
    assert dv.device(ours) == ours
    assert dv._as_device(theirs) == ours  # a torch.device converts


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "device: device string must not be empty"),
        ("cuda:01", "device: invalid device string 'cuda:01'"),
        ("cuda:-1", "invalid device string 'cuda:-1'"),
        ("cuda:x", "invalid device string"),
        ("cuda:", "invalid device string"),
        ("cuda:0:1", "invalid device string"),
        (" cuda", "invalid device string"),
        ("cuda: 1", "invalid device string"),
        (
            "foo",
            r"device: expected one of cpu, cuda, .* at the start of the device string, got 'foo'",
        ),
        ("CUDA", "expected one of cpu, cuda"),
        ("cuda_x", "expected one of"),
    ],
)
def test_device_rejects_bad_strings_like_torch(text, match):
    with pytest.raises(RuntimeError):
        torch.device(text)
    with pytest.raises(DeviceError, match=match):
        dv.device(text)


def test_device_with_explicit_index_matches_torch():
    for args in [("cuda", 1), ("cpu", 0), ("cuda", None), ("mps", 3)]:
        assert repr(dv.device(*args)) == repr(torch.device(*args))
    assert repr(dv.device(type="cuda", index=2)) == repr(torch.device(type="cuda", index=2))


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        (
            ("cuda:0", 1),
            DeviceError,
            "device: type 'cuda:0' must not include an index because index 1",
        ),
        (("cpu", -1), DeviceError, "device: device index must not be negative, got -1"),
        (
            ("cuda", "0"),
            ArgumentTypeError,
            "device: argument 'index' must be an int or None, got str",
        ),
        (("cuda", 1.0), ArgumentTypeError, "got float"),
        (("cuda", True), ArgumentTypeError, "got bool"),
        ((1.5,), ArgumentTypeError, r"device: expected a device string, .* got 1.5 \(float\)"),
        ((None,), ArgumentTypeError, r"got None \(NoneType\)"),
    ],
)
def test_device_rejects_bad_arguments_like_torch(args, error, match):
    with pytest.raises((RuntimeError, TypeError)) as theirs:
        torch.device(*args)
    assert isinstance(theirs.value, RuntimeError) == issubclass(error, RuntimeError)
    with pytest.raises(error, match=match):
        dv.device(*args)


def test_device_from_a_device_with_an_index_is_rejected():
    with pytest.raises(ArgumentTypeError, match="device: expected a device string"):
        dv.device(dv.device("cpu"), 0)


def test_device_from_int_needs_a_gpu(no_gpu):
    if not torch.cuda.is_available():  # the CPU build of torch has no accelerator either
        with pytest.raises(RuntimeError):
            torch.device(0)
    with pytest.raises(
        DeviceError, match=r"device: an int \(0\) names an accelerator .* JAX sees 0 GPU"
    ):
        dv.device(0)


def test_device_from_int_is_cuda_when_a_gpu_exists(gpus):
    assert dv.device(1) == dv.device("cuda:1")
    with pytest.raises(DeviceError, match="must not be negative"):
        dv.device(-1)


def test_device_equality_hash_pickle_and_immutability():
    assert dv.device("cuda") != dv.device("cuda:0")  # as torch
    assert torch.device("cuda") != torch.device("cuda:0")
    assert dv.device("cuda", 0) == dv.device("cuda:0")
    assert dv.device("cpu") != "cpu"
    assert len({dv.device("cpu"), dv.device("cpu"), dv.device("cpu:0")}) == 2
    d = dv.device("cuda:3")
    assert pickle.loads(pickle.dumps(d)) == d
    with pytest.raises(AttributeError):
        d.index = 1
    with pytest.raises(AttributeError):
        d.extra = 1


def test_to_jax_device_cpu_and_missing_gpu(no_gpu):
    cpu = jax.devices("cpu")[0]
    assert dv._to_jax_device("cpu") == cpu
    assert dv._to_jax_device(dv.device("cpu", 0)) == cpu
    assert dv._from_jax_device(cpu) == dv.device("cpu")
    with pytest.raises(
        DeviceError, match=r"^device: cuda:1 is not available: JAX sees 0 GPU\(s\)$"
    ):
        dv._to_jax_device("cuda:1")
    with pytest.raises(DeviceError, match="to: cuda:0 is not available"):
        dv._to_jax_device("cuda", "to")
    with pytest.raises(DeviceError, match="device: device mps has no JAX counterpart"):
        dv._to_jax_device("mps")
    with pytest.raises(DeviceError, match="to: invalid device string 'cuda:x'"):
        dv._to_jax_device("cuda:x", "to")
    with pytest.raises(ArgumentTypeError, match="to: expected a device string"):
        dv._to_jax_device(None, "to")
    with pytest.raises(DeviceError, match="^device: invalid device string"):
        dv._as_device("cuda:x")


def test_to_jax_device_and_back_with_gpus(gpus):
    assert dv._to_jax_device("cuda:1") is gpus[1]
    assert dv._to_jax_device("cuda") is gpus[0]
    assert dv._from_jax_device(gpus[1]) == dv.device("cuda:1")
    with pytest.raises(DeviceError, match=r"cuda:2 is not available: JAX sees 2 GPU\(s\)"):
        dv._to_jax_device("cuda:2")

    class Tpu:
        platform = "tpu"

    with pytest.raises(DeviceError, match="platform 'tpu'.* has no compat device"):
        dv._from_jax_device(Tpu())


def test_gpu_devices_is_what_jax_sees():
    gpus = dv._gpu_devices()
    assert isinstance(gpus, tuple)
    assert all(g.platform == "gpu" for g in gpus)
    assert cuda.device_count() == len(gpus)
    assert cuda.is_available() == bool(gpus)


# ----------------------------------------------------------------------------------------------
# compat.cuda
# ----------------------------------------------------------------------------------------------


def test_cuda_without_a_gpu(no_gpu, rng_state):
    assert cuda.is_available() is False
    assert cuda.device_count() == 0
    for call in (cuda.current_device, cuda.get_device_name, cuda.synchronize):
        with pytest.raises(
            DeviceError, match=r"cuda\.\w+: no GPU is available: JAX sees 0 GPU\(s\)"
        ):
            call()
    with pytest.raises(DeviceError, match="cuda.set_device: no GPU"):
        cuda.set_device(0)
    cpu_state = rd.get_rng_state()
    cuda.manual_seed(3)  # ignored, as torch does without CUDA
    cuda.manual_seed_all(3)
    torch.cuda.manual_seed(3)
    torch.cuda.manual_seed_all(3)
    np.testing.assert_array_equal(rd.get_rng_state(), cpu_state)
    with pytest.raises(ArgumentTypeError, match="cuda.manual_seed: seed must be an int"):
        cuda.manual_seed("3")


def test_cuda_with_gpus(gpus, rng_state):
    assert cuda.is_available() is True
    assert cuda.device_count() == 2
    assert cuda.current_device() == 0
    assert cuda.get_device_name() == "Fake GPU 0"
    assert cuda.get_device_name(1) == "Fake GPU 1"
    assert cuda.get_device_name("cuda:1") == "Fake GPU 1"
    cuda.set_device("cuda:1")
    assert cuda.current_device() == 1
    assert cuda.get_device_name("cuda") == "Fake GPU 1"
    assert dv._to_jax_device("cuda") is gpus[1]
    cuda.set_device(dv.device("cuda", 0))
    with pytest.raises(
        DeviceError, match=r"cuda.set_device: cuda:5 is not available: JAX sees 2 GPU\(s\)"
    ):
        cuda.set_device(5)
    with pytest.raises(DeviceError, match="cuda.get_device_name: expected a cuda device, got cpu"):
        cuda.get_device_name("cpu")
    x = jnp.arange(3.0) * 2
    cuda.synchronize()
    cuda.synchronize(1)
    assert float(x.sum()) == 6.0


def test_cuda_seeding_with_gpus(gpus, rng_state):
    g0, g1 = rd._default_generator("cuda:0"), rd._default_generator("cuda:1")
    assert g1.device == dv.device("cuda:1")
    cpu_seed = rd.initial_seed()
    cuda.manual_seed(11)  # the current GPU's only
    assert (g0.initial_seed(), g1.initial_seed()) == (11, rd._cuda_seed[0])
    cuda.manual_seed_all(12)
    assert (g0.initial_seed(), g1.initial_seed()) == (12, 12)
    assert rd._default_generator(dv.device("cuda", 5)).initial_seed() == 12  # created later
    assert rd.initial_seed() == cpu_seed
    rd.manual_seed(13)  # seeds everything, as torch.manual_seed
    assert (g0.initial_seed(), g1.initial_seed(), rd.initial_seed()) == (13, 13, 13)
    s = rd.seed()
    assert (g0.initial_seed(), g1.initial_seed(), rd.initial_seed()) == (s, s, s)
    cuda.set_device(1)
    assert rd._default_generator("cuda") is g1


# ----------------------------------------------------------------------------------------------
# RNG
# ----------------------------------------------------------------------------------------------


def _keys(gen: rd.Generator, n: int) -> list[list[int]]:
    return [jax.random.key_data(gen._next_key()).tolist() for _ in range(n)]


def test_same_seed_same_keys_and_numbers():
    a, b = rd.Generator().manual_seed(123), rd.Generator().manual_seed(123)
    ka = _keys(a, 5)
    assert ka == _keys(b, 5)
    assert len({tuple(k) for k in ka}) == 5
    assert _keys(a.manual_seed(123), 5) == ka
    x = ops.rand(a.manual_seed(1)._next_key(), 4)
    y = ops.rand(b.manual_seed(1)._next_key(), 4)
    np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def test_keys_are_fold_in_of_the_seed_key_and_counter():
    g = rd.Generator().manual_seed(2024)
    expected = [
        jax.random.key_data(jax.random.fold_in(jax.random.key(2024), c)).tolist() for c in range(3)
    ]
    assert _keys(g, 3) == expected
    assert jax.dtypes.issubdtype(g._next_key().dtype, jax.dtypes.prng_key)


def test_next_key_under_a_trace_is_concrete_and_keeps_the_generator_usable():
    g = rd.Generator().manual_seed(3)
    expected = _keys(rd.Generator().manual_seed(3), 2)

    @jax.jit
    def draw(x):
        return x + jax.random.uniform(g._next_key())

    first = draw(1.0)
    assert draw(1.0) == first  # drawn once, at trace time
    assert _keys(g, 1) == expected[1:]


def test_different_seeds_differ():
    assert _keys(rd.Generator().manual_seed(0), 3) != _keys(rd.Generator().manual_seed(1), 3)
    # The high 32 bits of the seed count too.
    assert _keys(rd.Generator().manual_seed(1), 2) != _keys(
        rd.Generator().manual_seed(1 + 2**32), 2
    )


def test_state_save_and_restore_resumes_the_sequence():
    g = rd.Generator().manual_seed(7)
    _keys(g, 2)
    state = g.get_state()
    assert state.dtype == np.uint8
    assert state.shape == (24,)
    after = _keys(g, 3)
    assert _keys(g.set_state(state), 3) == after
    assert _keys(rd.Generator().set_state(state.tobytes()), 3) == after
    assert _keys(rd.Generator().set_state(bytearray(state.tobytes())), 3) == after
    assert _keys(rd.Generator().set_state(torch.from_numpy(state.copy())), 3) == after
    assert rd.Generator().set_state(state).initial_seed() == 7


def test_counters_beyond_32_bits():
    g = rd.Generator().manual_seed(5)
    state = bytearray(g.get_state().tobytes())
    state[16:24] = (2**32 + 3).to_bytes(8, "little")
    g.set_state(bytes(state))
    key = jax.random.fold_in(jax.random.fold_in(jax.random.key(5), 1), 3)
    assert _keys(g, 1) == [jax.random.key_data(key).tolist()]
    assert int.from_bytes(g.get_state().tobytes()[16:], "little") == 2**32 + 4


@pytest.mark.parametrize(
    ("bad", "error", "match"),
    [
        (
            np.zeros(24, np.float32),
            DTypeError,
            "Generator.set_state: RNG state must be a uint8 array, got dtype float32",
        ),
        (np.zeros(3, np.uint8), InvalidArgumentError, "expected a compat RNG state .* got 3 bytes"),
        (np.zeros(24, np.uint8), InvalidArgumentError, "got 24 bytes that are not one"),
        (torch.get_rng_state(), InvalidArgumentError, "got 5056 bytes"),
        ("state", DTypeError, "got dtype <U5"),
    ],
)
def test_set_state_rejects_bad_states(bad, error, match):
    with pytest.raises(error, match=match):
        rd.Generator().set_state(bad)


def test_torch_rejects_the_same_kinds_of_state():
    g = torch.Generator()
    with pytest.raises(TypeError):
        g.set_state(torch.zeros(24))
    with pytest.raises(RuntimeError):
        g.set_state(torch.zeros(3, dtype=torch.uint8))


def test_generator_seeds_like_torch():
    assert rd.Generator().initial_seed() == torch.Generator().initial_seed()
    for value in (0, 42, -1, -(2**63), 2**64 - 1):
        ours = rd.Generator().manual_seed(value).initial_seed()
        assert ours == torch.Generator().manual_seed(value).initial_seed(), value
    assert rd.Generator().manual_seed(np.int64(9)).initial_seed() == 9  # torch rejects np.int64
    for value in (3.9, True):  # Generator.manual_seed takes ints only, as torch's
        with pytest.raises(RuntimeError):
            torch.Generator().manual_seed(value)
        with pytest.raises(ArgumentTypeError, match="Generator.manual_seed: seed must be an int"):
            rd.Generator().manual_seed(value)


def test_global_manual_seed_converts_numbers_like_torch(rng_state):
    for value in (2.7, np.float32(3.5), True, np.bool_(True), -5):
        assert rd.manual_seed(value).initial_seed() == torch.manual_seed(value).initial_seed()


@pytest.mark.parametrize(
    ("bad", "error", "match"),
    [
        (
            2**64,
            InvalidArgumentError,
            r"Generator.manual_seed: seed 18446744073709551616 is out of range",
        ),
        (-(2**63) - 1, InvalidArgumentError, "out of range"),
        (None, ArgumentTypeError, r"seed must be an int, got None \(NoneType\)"),
        ("3", ArgumentTypeError, "got '3'"),
    ],
)
def test_manual_seed_rejects_bad_seeds(bad, error, match):
    if bad != "3":  # torch takes int("3"); compat wants a number
        with pytest.raises((ValueError, TypeError, RuntimeError)):
            torch.Generator().manual_seed(bad)
    with pytest.raises(error, match=match):
        rd.Generator().manual_seed(bad)


def test_generator_seed_device_repr_and_pickle():
    g = rd.Generator()
    s = g.seed()
    assert 0 <= s < 2**64
    assert s == g.initial_seed()
    assert g.seed() != s
    assert g.device == dv.device("cpu")
    assert rd.Generator(device="cuda:1").device == dv.device("cuda:1")
    g.manual_seed(9)
    _keys(g, 2)
    assert repr(g) == "Generator(device='cpu', initial_seed=9)"
    clone = pickle.loads(pickle.dumps(g))
    assert _keys(clone, 3) == _keys(g, 3)
    with pytest.raises(DeviceError, match="Generator: invalid device string 'gpu:x'"):
        rd.Generator("gpu:x")


def test_global_seed_functions(rng_state):
    gen = rd.manual_seed(77)
    assert gen is rd.default_generator
    assert rd.initial_seed() == 77
    assert rd._default_generator() is rd.default_generator
    assert rd._default_generator("cpu") is rd.default_generator
    assert rd._default_generator("meta") is rd.default_generator
    first = _keys(gen, 2)
    assert _keys(rd.manual_seed(77), 2) == first
    state = rd.get_rng_state()
    after = _keys(gen, 2)
    rd.set_rng_state(state)
    assert _keys(gen, 2) == after
    s = rd.seed()
    assert rd.initial_seed() == s
    with pytest.raises(InvalidArgumentError, match="manual_seed: seed .* is out of range"):
        rd.manual_seed(2**70)
    for bad in (float("nan"), float("inf")):
        with pytest.raises((ValueError, OverflowError)):
            torch.manual_seed(bad)
        with pytest.raises(InvalidArgumentError, match="manual_seed: seed must be a finite number"):
            rd.manual_seed(bad)
    with pytest.raises(DeviceError, match="generator: invalid device string"):
        rd._default_generator("cuda:x")
