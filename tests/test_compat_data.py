"""compat.utils.data: torch's face over rustorch_fx.data, checked against torch.utils.data.

Collate is compared with torch's for structure, dtypes and values; samplers and the loader for
their properties, ``len`` and errors; randomness for reproducibility from ``compat.manual_seed``
and ``compat.Generator`` whatever ``num_workers`` is.
"""

from __future__ import annotations

import collections
import multiprocessing
import time

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import compat
import compat.utils.data as cud
from compat._tensor import Tensor
from rustorch_fx.errors import ArgumentTypeError, DataError, InvalidArgumentError, ShapeError

Point = collections.namedtuple("Point", ["x", "y"])


class Numbers(cud.Dataset):
    """Returns numpy arrays and Python numbers (what a worker may produce without JAX)."""

    def __len__(self) -> int:
        return 12

    def __getitem__(self, i: int):
        return {"x": np.full(3, i, np.float32), "y": i, "w": 0.5 * i, "id": f"s{i}"}


class Broken(Numbers):
    def __getitem__(self, i: int):
        if i == 3:
            raise ValueError("bad image")
        return super().__getitem__(i)


@pytest.fixture(autouse=True)
def _no_leaked_workers():
    before = {p.pid for p in multiprocessing.active_children()}
    yield
    deadline = time.monotonic() + 15  # generous: CI machines are loaded
    while (
        time.monotonic() < deadline and {p.pid for p in multiprocessing.active_children()} - before
    ):
        time.sleep(0.05)
    assert not {p.pid for p in multiprocessing.active_children()} - before


def _to_torch_tree(tree):
    """The same sample with compat tensors replaced by torch tensors."""
    if isinstance(tree, Tensor):
        return torch.from_numpy(np.array(tree.numpy()))
    if isinstance(tree, dict):
        return {k: _to_torch_tree(v) for k, v in tree.items()}
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):
        return type(tree)(*(_to_torch_tree(v) for v in tree))
    if isinstance(tree, list | tuple):
        return type(tree)(_to_torch_tree(v) for v in tree)
    return tree


def _assert_same(ours, theirs):
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, Tensor), type(ours)
        expected = theirs.numpy()
        got = ours.numpy()
        assert got.dtype == expected.dtype and got.shape == expected.shape
        np.testing.assert_array_equal(got, expected)
        return
    assert type(ours) is type(theirs), (type(ours), type(theirs))
    if isinstance(theirs, dict):
        assert list(ours) == list(theirs)
        for k in theirs:
            _assert_same(ours[k], theirs[k])
    elif isinstance(theirs, list | tuple):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _assert_same(a, b)
    else:
        assert ours == theirs


def _samples(rng, make_tensor):
    return [
        {
            "t": make_tensor(rng.standard_normal((2, 2)).astype(np.float32)),
            "a": rng.standard_normal(3),
            "i": i,
            "f": 1.5 * i,
            "b": bool(i % 2),
            "np_scalar": np.int32(i),
            "s": f"name{i}",
            "nested": (i, [float(i), 2.0], Point(x=make_tensor(np.arange(2) + i), y=i)),
        }
        for i in range(3)
    ]


def test_default_collate_matches_torch(rng):
    state = rng.bit_generator.state
    ours = cud.default_collate(_samples(rng, compat.from_numpy))
    rng.bit_generator.state = state
    theirs = tud.default_collate(_samples(rng, torch.from_numpy))
    _assert_same(ours, theirs)
    assert ours["i"].dtype == compat.int64 and ours["f"].dtype == compat.float64


def test_default_convert_matches_torch():
    sample = {"a": np.arange(3.0), "n": 1, "s": "x", "p": Point(np.zeros(2), 2.0)}
    _assert_same(cud.default_convert(sample), tud.default_convert(sample))


def test_default_collate_errors():
    with pytest.raises(TypeError, match="batch must contain tensors") as theirs:
        tud.default_collate([object()])
    with pytest.raises(ArgumentTypeError, match="batch must contain tensors") as ours:
        cud.default_collate([object()])
    assert str(ours.value).split(";")[0] == str(theirs.value).split(";")[0]
    with pytest.raises(ShapeError, match="each element in list of batch should be of equal size"):
        cud.default_collate([[1, 2], [3]])


def test_tensor_dataset_and_loader_match_torch():
    x = np.random.default_rng(0).standard_normal((10, 3)).astype(np.float32)
    y = np.arange(10)
    ours = cud.TensorDataset(compat.from_numpy(x), compat.from_numpy(y))
    theirs = tud.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    assert len(ours) == len(theirs)
    _assert_same(ours[4], theirs[4])
    for drop_last in (False, True):
        a = list(cud.DataLoader(ours, batch_size=4, drop_last=drop_last))
        b = list(tud.DataLoader(theirs, batch_size=4, drop_last=drop_last))
        assert len(a) == len(b) == len(cud.DataLoader(ours, batch_size=4, drop_last=drop_last))
        _assert_same(a, b)
    workers = list(cud.DataLoader(ours, batch_size=4, num_workers=2))
    _assert_same(workers, list(tud.DataLoader(theirs, batch_size=4)))
    with pytest.raises(ShapeError, match=r"Size mismatch between tensors: sizes \[10, 9\]"):
        cud.TensorDataset(compat.zeros(10), compat.zeros(9))


def test_tensor_dataset_rows_that_require_grad_stay_tensors():
    w = compat.ones(4, 2, requires_grad=True)
    (batch,) = next(iter(cud.DataLoader(cud.TensorDataset(w), batch_size=2)))
    assert batch.requires_grad and tuple(batch.shape) == (2, 2)


def test_loader_of_dicts_matches_torch():
    ours = list(cud.DataLoader(Numbers(), batch_size=5))
    theirs = list(tud.DataLoader(Numbers(), batch_size=5))
    _assert_same(ours, theirs)
    _assert_same(
        list(cud.DataLoader(Numbers(), batch_size=None))[:2],
        list(tud.DataLoader(Numbers(), batch_size=None))[:2],
    )


@pytest.mark.parametrize("num_workers", [0, 2])
def test_shuffle_is_reproducible_from_manual_seed_and_generator(num_workers):
    ds = Numbers()

    def order(**kw):
        return [b["y"].tolist() for b in cud.DataLoader(ds, batch_size=4, shuffle=True, **kw)]

    compat.manual_seed(3)
    base = order()
    compat.manual_seed(3)
    assert order(num_workers=num_workers) == base
    assert sorted(i for b in base for i in b) == list(range(12))
    g = compat.Generator().manual_seed(11)
    with_gen = order(generator=g)
    assert order(generator=g) != with_gen  # the generator moves on between epochs
    assert order(generator=compat.Generator().manual_seed(11), num_workers=num_workers) == with_gen


def test_random_samplers_with_compat_generators():
    g = compat.Generator().manual_seed(0)
    s = cud.RandomSampler(range(20), generator=g)
    e1, e2 = list(s), list(s)
    assert sorted(e1) == list(range(20)) and e1 != e2
    assert list(cud.RandomSampler(range(20), generator=compat.Generator().manual_seed(0))) == e1
    compat.manual_seed(4)
    a = list(cud.SubsetRandomSampler([3, 5, 7, 9]))
    compat.manual_seed(4)
    assert list(cud.SubsetRandomSampler([3, 5, 7, 9])) == a and sorted(a) == [3, 5, 7, 9]
    w = compat.tensor([0.0, 1.0, 3.0])
    draws = np.array(list(cud.WeightedRandomSampler(w, 4000)))
    np.testing.assert_allclose(np.bincount(draws, minlength=3) / 4000, [0, 0.25, 0.75], atol=0.03)
    with pytest.raises(ArgumentTypeError, match="generator must be a compat.Generator or None"):
        cud.RandomSampler(range(3), generator=0)


def test_random_split_with_compat_generator_matches_torch_lengths():
    lengths = [0.5, 0.3, 0.2]
    ours = cud.random_split(range(11), lengths, generator=compat.Generator().manual_seed(1))
    again = cud.random_split(range(11), lengths, generator=compat.Generator().manual_seed(1))
    theirs = tud.random_split(range(11), lengths, generator=torch.Generator().manual_seed(1))
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    assert [s.indices for s in ours] == [s.indices for s in again]
    assert sorted(i for s in ours for i in s.indices) == list(range(11))
    compat.manual_seed(2)
    first = cud.random_split(range(6), [3, 3])[0].indices
    compat.manual_seed(2)
    assert cud.random_split(range(6), [3, 3])[0].indices == first


def test_distributed_sampler_matches_torch_without_shuffle():
    for r in range(3):
        ours = list(cud.DistributedSampler(range(10), num_replicas=3, rank=r, shuffle=False))
        theirs = list(tud.DistributedSampler(range(10), num_replicas=3, rank=r, shuffle=False))
        assert ours == theirs


@pytest.mark.parametrize(
    "kwargs",
    [
        {"sampler": [0], "shuffle": True},
        {"batch_sampler": [[0]], "batch_size": 3},
        {"batch_size": None, "drop_last": True},
        {"persistent_workers": True},
    ],
    ids=lambda k: "-".join(k),
)
def test_loader_errors_match_torch(kwargs):
    with pytest.raises(ValueError) as theirs:
        tud.DataLoader(Numbers(), **kwargs)
    with pytest.raises(InvalidArgumentError) as ours:
        cud.DataLoader(Numbers(), **kwargs)
    assert str(ours.value) == str(theirs.value)
    with pytest.raises(ArgumentTypeError, match="generator must be a compat.Generator"):
        cud.DataLoader(Numbers(), shuffle=True, generator=np.random.default_rng(0))


def test_worker_error_and_skip_policy():
    with pytest.raises(
        DataError, match=r"worker \d failed to load sample 3: ValueError: bad image"
    ) as info:
        list(cud.DataLoader(Broken(), batch_size=4, num_workers=2))
    assert isinstance(info.value.__cause__, ValueError)
    loader = cud.DataLoader(Broken(), batch_size=4, num_workers=2, on_error="skip")
    labels = [b["y"].tolist() for b in loader]
    assert labels[0] == [0, 1, 2] and [s.index for s in loader.skipped] == [3]


def test_custom_collate_runs_as_given_and_names_exported():
    loader = cud.DataLoader(Numbers(), batch_size=3, collate_fn=lambda b: [s["y"] for s in b])
    assert next(iter(loader)) == [0, 1, 2]
    import compat.utils.data as module

    for name in [
        "Dataset",
        "IterableDataset",
        "TensorDataset",
        "ConcatDataset",
        "ChainDataset",
        "Subset",
        "StackDataset",
        "random_split",
        "Sampler",
        "SequentialSampler",
        "RandomSampler",
        "SubsetRandomSampler",
        "WeightedRandomSampler",
        "BatchSampler",
        "DistributedSampler",
        "DataLoader",
        "default_collate",
        "default_convert",
        "get_worker_info",
    ]:
        assert name in module.__all__ and hasattr(tud, name)


def test_batches_are_placed_exactly_like_device_put(monkeypatch, tmp_path):
    import jax

    from compat.utils.data import _collate
    from rustorch_fx.data import _shm

    aligned = _shm.empty((2, 3, 4), np.float32)  # what collate makes
    aligned[...] = np.arange(24).reshape(2, 3, 4)
    mapped = np.memmap(tmp_path / "m.bin", np.float32, "w+", shape=(3,))  # an ndarray subclass
    mapped[:] = [1, 2, 3]
    arrays = [
        aligned,
        np.arange(5, dtype=np.int64),
        np.array([True, False]),
        np.arange(12.0).reshape(3, 4).T,  # not contiguous
        mapped,
    ]
    ref = jax.device_put(arrays)
    for placed in (_collate._place(arrays), _collate._place(arrays)):  # fresh, then cached
        for got, want, src in zip(placed, ref, arrays, strict=True):
            assert isinstance(got, jax.Array) and got.dtype == want.dtype == src.dtype
            assert got.sharding == want.sharding and got.committed == want.committed
            np.testing.assert_array_equal(np.asarray(got), src)
    assert placed[0].unsafe_buffer_pointer() == aligned.ctypes.data  # zero-copy on CPU
    del placed, ref, mapped
    with pytest.raises(ArgumentTypeError, match="cannot make a compat tensor of a numpy float128"):
        cud.default_collate([np.zeros(2, np.longdouble)])
    assert _collate._direct_failures == 0  # a bad input is not a failure of the direct path
    monkeypatch.setattr(_collate, "_placements", {None: ("stale", "device")})
    assert _collate._place([np.ones(2)])[0].tolist() == [1.0, 1.0]  # recovers, caches cleared
    assert _collate._placements == {} and _collate._direct_failures == 1
    monkeypatch.setattr(_collate, "_direct_failures", 0)
    monkeypatch.setattr(_collate, "_direct_put", False)  # JAX internals unavailable
    batch = cud.default_collate([(np.ones(2, np.float32), 1), (np.zeros(2, np.float32), 2)])
    assert batch[0].dtype == compat.float32 and batch[1].tolist() == [1, 2]
