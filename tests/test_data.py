"""rustorch_fx.data: datasets, samplers, collate and the multi-process DataLoader.

Samplers are checked for their properties (and against torch where the order is not random),
collate against ``torch.utils.data.default_collate``, the loader against torch's ``len`` and
argument errors, and its worker machinery for determinism, shared memory, errors, skipping,
timeouts and leaked processes.
"""

from __future__ import annotations

import collections
import glob
import inspect
import multiprocessing
import os
import signal
import time
import warnings

import jax
import numpy as np
import pytest
import torch
import torch.utils.data as tud

from rustorch_fx import data as rd
from rustorch_fx.errors import (
    ArgumentTypeError,
    DataError,
    IndexOutOfRangeError,
    InvalidArgumentError,
    ShapeError,
)

Point = collections.namedtuple("Point", ["x", "y"])


# ----------------------------------------------------------------------------------------------
# datasets used by the worker tests (module level: picklable for spawn)
# ----------------------------------------------------------------------------------------------


class Images(rd.Dataset):
    """Deterministic per index: a 3x4x4 float32 array filled with the index."""

    def __init__(self, n: int = 20) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int):
        return np.full((3, 4, 4), i, np.float32), i


class Failing(Images):
    """Raises on the given indices."""

    def __init__(self, bad: tuple[int, ...], n: int = 20) -> None:
        super().__init__(n)
        self.bad = bad

    def __getitem__(self, i: int):
        if i in self.bad:
            raise KeyError(f"corrupted record {i}")
        return super().__getitem__(i)


class Killer(Images):
    def __getitem__(self, i: int):
        if i == 7 and rd.get_worker_info() is not None:
            os.kill(os.getpid(), signal.SIGKILL)
        return super().__getitem__(i)


class Slow(Images):
    def __getitem__(self, i: int):
        if i >= 4:
            time.sleep(3)
        return super().__getitem__(i)


class SlowFirst(Images):
    """Sample 0 takes a while to load; the others are immediate."""

    def __getitem__(self, i: int):
        if i == 0:
            time.sleep(0.6)
        return super().__getitem__(i)


class _Unpicklable(Exception):
    def __init__(self, code: int, detail: str) -> None:  # pickle cannot rebuild it
        super().__init__(f"code {code}: {detail}")


class RaisesUnpicklable(Images):
    def __getitem__(self, i: int):
        if i == 2:
            raise _Unpicklable(7, "unreadable header")
        return super().__getitem__(i)


class WhoAmI(Images):
    def __getitem__(self, i: int):
        info = rd.get_worker_info()
        return (-1 if info is None else info.id, os.getpid(), int(np.random.randint(1 << 30)))


class Shards(rd.IterableDataset):
    """Yields range(n), each worker its interleaved share."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __iter__(self):
        info = rd.get_worker_info()
        if info is None:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))

    def __len__(self) -> int:
        return self.n


class TorchShards(tud.IterableDataset):
    """torch's counterpart of Shards (torch checks its own IterableDataset class)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __iter__(self):
        info = tud.get_worker_info()
        if info is None:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))

    def __len__(self) -> int:
        return self.n


def _init_marker(worker_id: int) -> None:
    np.random.seed(1000 + worker_id)


def _children() -> list[multiprocessing.Process]:
    return multiprocessing.active_children()


def _orphan_segments() -> list[str]:
    """Shared-memory segments whose creating process is gone (a leak: nobody removes them).

    Segments of live processes belong to running loaders (possibly another test process's).
    """
    out = []
    for path in glob.glob("/dev/shm/rtfx_data_*"):
        pid = int(os.path.basename(path).split("_")[2])
        if not os.path.exists(f"/proc/{pid}"):
            out.append(path)
    return out


@pytest.fixture(autouse=True)
def _no_leaked_workers():
    before = {p.pid for p in _children()}
    yield
    deadline = time.monotonic() + 15  # a segment of a worker killed in another test process
    while time.monotonic() < deadline and (  # lives until that process removes it
        {p.pid for p in _children()} - before or _orphan_segments()
    ):
        time.sleep(0.05)
    leaked = {p.pid for p in _children()} - before
    assert not leaked, f"worker processes left behind: {leaked}"
    assert not _orphan_segments(), "shared-memory segments left behind"


# ----------------------------------------------------------------------------------------------
# datasets
# ----------------------------------------------------------------------------------------------


def test_tensor_dataset_rows_len_and_batched_getitems():
    x, y = np.arange(12.0).reshape(6, 2), np.arange(6)
    ds = rd.TensorDataset(x, y)
    assert len(ds) == 6
    a, b = ds[4]
    np.testing.assert_array_equal(a, x[4])
    assert b == 4
    got = ds.__getitems__([5, 0])
    assert isinstance(got, rd.StackedSamples) and len(got) == 2
    np.testing.assert_array_equal(got[0][0], x[5])
    np.testing.assert_array_equal(got.columns[1], [5, 0])
    with pytest.raises(
        ShapeError, match=r"size mismatch between tensors: first dimensions \[6, 5\]"
    ):
        rd.TensorDataset(x, np.arange(5))


def test_concat_dataset_matches_torch():
    parts = [list(range(3)), list(range(10, 12)), list(range(20, 24))]
    ours, theirs = rd.ConcatDataset(parts), tud.ConcatDataset(parts)
    assert len(ours) == len(theirs) == 9
    assert ours.cumulative_sizes == theirs.cumulative_sizes
    for i in range(-9, 9):
        assert ours[i] == theirs[i]
    with pytest.raises(InvalidArgumentError, match="should not exceed dataset length"):
        ours[-10]
    with pytest.raises(IndexOutOfRangeError, match="index 9 is out of range"):
        ours[9]
    with pytest.raises(InvalidArgumentError, match="empty iterable"):
        rd.ConcatDataset([])
    with pytest.raises(InvalidArgumentError, match="does not support IterableDataset"):
        rd.ConcatDataset([Shards(3)])
    assert (rd.TensorDataset(np.zeros(2)) + rd.TensorDataset(np.ones(3))).cumulative_sizes == [2, 5]


def test_chain_subset_stack_datasets():
    chain = Shards(3) + Shards(2)
    assert isinstance(chain, rd.ChainDataset)
    assert list(chain) == [0, 1, 2, 0, 1] and len(chain) == 5
    with pytest.raises(ArgumentTypeError, match="only supports IterableDataset"):
        len(rd.ChainDataset([[1, 2]]))

    base = rd.TensorDataset(np.arange(10) * 10)
    sub = rd.Subset(base, [9, 2, 4])
    assert len(sub) == 3 and sub[0][0] == 90
    assert [int(s[0]) for s in sub.__getitems__([2, 1])] == [40, 20]
    plain = rd.Subset(["a", "b", "c"], [2, 0])
    assert plain.__getitems__([0, 1]) == ["c", "a"]

    st = rd.StackDataset([1, 2, 3], ["a", "b", "c"])
    assert st[1] == (2, "b") and len(st) == 3
    assert st.__getitems__([0, 2]) == [(1, "a"), (3, "c")]
    sd = rd.StackDataset(x=[1, 2], y=rd.Subset(base, [0, 1]))
    assert sd[1]["x"] == 2 and int(sd[1]["y"][0]) == 10
    assert [d["x"] for d in sd.__getitems__([1, 0])] == [2, 1]
    with pytest.raises(InvalidArgumentError, match="size mismatch between datasets"):
        rd.StackDataset([1, 2], [1])
    with pytest.raises(InvalidArgumentError, match="not both"):
        rd.StackDataset([1], y=[1])


@pytest.mark.parametrize(
    ("n", "lengths"),
    [(10, [0.5, 0.3, 0.2]), (7, [0.5, 0.5]), (11, [0.1, 0.2, 0.7]), (10, [3, 7]), (5, [1.0])],
)
def test_random_split_lengths_match_torch_and_partition(n, lengths):
    ours = rd.random_split(range(n), lengths, generator=0)
    theirs = tud.random_split(range(n), lengths, generator=torch.Generator().manual_seed(0))
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    assert sorted(i for s in ours for i in s.indices) == list(range(n))
    again = rd.random_split(range(n), lengths, generator=0)
    assert [s.indices for s in again] == [s.indices for s in ours]


def test_random_split_errors_and_generators():
    with pytest.raises(InvalidArgumentError, match=r"sum of input lengths \(9\) does not equal"):
        rd.random_split(range(10), [4, 5])
    with pytest.raises(InvalidArgumentError, match="non-negative ints or fractions"):
        rd.random_split(range(10), [4.5, 5.5])
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        rd.random_split(range(2), [1.0, 0.0])
    g = np.random.default_rng(3)
    first = rd.random_split(range(8), [4, 4], generator=g)[0].indices
    second = rd.random_split(range(8), [4, 4], generator=g)[0].indices
    assert first != second  # a Generator is drawn from, not reset
    k1 = rd.random_split(range(8), [4, 4], generator=jax.random.key(1))[0].indices
    k2 = rd.random_split(range(8), [4, 4], generator=jax.random.PRNGKey(1))[0].indices
    assert k1 == k2
    with pytest.raises(ArgumentTypeError, match="generator must be None, an int seed"):
        rd.random_split(range(8), [4, 4], generator="seed")


# ----------------------------------------------------------------------------------------------
# samplers
# ----------------------------------------------------------------------------------------------


def test_sequential_sampler():
    assert list(rd.SequentialSampler(range(4))) == [0, 1, 2, 3]
    assert len(rd.SequentialSampler(range(4))) == 4


def test_random_sampler_permutation_per_epoch_and_seed():
    s = rd.RandomSampler(range(50), generator=0)
    e1, e2 = list(s), list(s)
    assert sorted(e1) == sorted(e2) == list(range(50))
    assert e1 != e2
    assert list(rd.RandomSampler(range(50), generator=0)) == e1
    assert len(s) == 50


def test_random_sampler_num_samples_and_replacement():
    chained = list(rd.RandomSampler(range(5), num_samples=12, generator=1))
    assert len(chained) == 12
    assert sorted(chained[:5]) == sorted(chained[5:10]) == list(range(5))
    assert len(set(chained[10:])) == 2
    drawn = list(rd.RandomSampler(range(5), replacement=True, num_samples=400, generator=2))
    assert len(drawn) == 400 and set(drawn) == set(range(5))
    assert len(rd.RandomSampler(range(5), replacement=True, num_samples=400)) == 400


@pytest.mark.parametrize(
    ("kwargs", "error", "builtin"),
    [
        ({"replacement": 1}, ArgumentTypeError, TypeError),
        ({"num_samples": 0}, InvalidArgumentError, ValueError),
        ({"num_samples": 2.0}, InvalidArgumentError, ValueError),
    ],
)
def test_random_sampler_errors_like_torch(kwargs, error, builtin):
    with pytest.raises(builtin) as theirs:
        tud.RandomSampler(range(5), **kwargs)
    with pytest.raises(error) as ours:
        rd.RandomSampler(range(5), **kwargs)
    assert str(ours.value) == str(theirs.value)
    assert isinstance(ours.value, builtin)


def test_subset_random_sampler():
    s = rd.SubsetRandomSampler([7, 3, 9, 1], generator=0)
    assert sorted(s) == [1, 3, 7, 9] and len(s) == 4


def test_weighted_random_sampler_frequencies():
    w = [1.0, 3.0, 0.0, 6.0]
    draws = np.array(list(rd.WeightedRandomSampler(w, 20000, generator=0)))
    freq = np.bincount(draws, minlength=4) / len(draws)
    np.testing.assert_allclose(freq, [0.1, 0.3, 0.0, 0.6], atol=0.015)
    unique = list(rd.WeightedRandomSampler(w, 3, replacement=False, generator=1))
    assert sorted(unique) == [0, 1, 3]


def test_weighted_random_sampler_errors():
    with pytest.raises(InvalidArgumentError, match="num_samples should be a positive integer"):
        rd.WeightedRandomSampler([1.0], 0)
    with pytest.raises(ArgumentTypeError, match="replacement should be a boolean"):
        rd.WeightedRandomSampler([1.0], 1, replacement="yes")
    with pytest.raises(InvalidArgumentError, match=r"weights should be a 1d sequence .* \(2, 2\)"):
        rd.WeightedRandomSampler(np.ones((2, 2)), 1)
    with pytest.raises(InvalidArgumentError, match="non-negative and not all zero"):
        rd.WeightedRandomSampler([1.0, -1.0], 1)
    with pytest.raises(InvalidArgumentError, match="cannot draw 3 samples without replacement"):
        rd.WeightedRandomSampler([1.0, 0.0, 1.0], 3, replacement=False)


@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize(("n", "bs"), [(10, 3), (9, 3), (2, 5)])
def test_batch_sampler_matches_torch(n, bs, drop_last):
    ours = rd.BatchSampler(rd.SequentialSampler(range(n)), bs, drop_last)
    theirs = tud.BatchSampler(tud.SequentialSampler(range(n)), bs, drop_last)
    assert list(ours) == list(theirs)
    assert len(ours) == len(theirs)


@pytest.mark.parametrize(("bs", "drop_last"), [(0, False), (True, False), (2, 1)])
def test_batch_sampler_errors_like_torch(bs, drop_last):
    with pytest.raises(ValueError) as theirs:
        tud.BatchSampler(range(3), bs, drop_last)
    with pytest.raises(InvalidArgumentError) as ours:
        rd.BatchSampler(range(3), bs, drop_last)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize(("n", "replicas"), [(10, 3), (11, 4), (3, 5), (8, 2)])
def test_distributed_sampler_partitions_like_torch(n, replicas, drop_last):
    ours = [
        list(rd.DistributedSampler(range(n), replicas, r, shuffle=False, drop_last=drop_last))
        for r in range(replicas)
    ]
    theirs = [
        list(tud.DistributedSampler(range(n), replicas, r, shuffle=False, drop_last=drop_last))
        for r in range(replicas)
    ]
    assert ours == theirs
    shuffled = [
        rd.DistributedSampler(range(n), replicas, r, seed=5, drop_last=drop_last)
        for r in range(replicas)
    ]
    parts = [list(s) for s in shuffled]
    assert all(len(p) == len(shuffled[0]) == len(theirs[0]) for p in parts)
    flat = sorted(i for p in parts for i in p)
    if drop_last:
        assert len(set(flat)) == len(flat) == replicas * (n // replicas)
    else:
        assert set(flat) == set(range(n))  # every index, padded by repetition
        assert len(flat) == replicas * -(-n // replicas)
    for s in shuffled:
        s.set_epoch(1)
    assert [list(s) for s in shuffled] != parts or not parts[0]


def test_distributed_sampler_errors():
    with pytest.raises(
        InvalidArgumentError, match=r"Invalid rank 2, rank should be in the interval \[0, 1\]"
    ):
        rd.DistributedSampler(range(4), num_replicas=2, rank=2)
    with pytest.raises(InvalidArgumentError, match="num_replicas must be a positive int"):
        rd.DistributedSampler(range(4), num_replicas=0, rank=0)
    single = rd.DistributedSampler(range(4), shuffle=False)  # jax.process_count() == 1
    assert list(single) == [0, 1, 2, 3]


# ----------------------------------------------------------------------------------------------
# collate
# ----------------------------------------------------------------------------------------------


def _as_numpy_tree(tree):
    if isinstance(tree, torch.Tensor):
        return tree.numpy()
    if isinstance(tree, dict):
        return {k: _as_numpy_tree(v) for k, v in tree.items()}
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):
        return type(tree)(*(_as_numpy_tree(v) for v in tree))
    if isinstance(tree, list | tuple):
        return type(tree)(_as_numpy_tree(v) for v in tree)
    return tree


def _assert_same_tree(ours, theirs):
    assert type(ours) is type(theirs), (type(ours), type(theirs))
    if isinstance(ours, np.ndarray):
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
        np.testing.assert_array_equal(ours, theirs)
    elif isinstance(ours, dict):
        assert list(ours) == list(theirs)
        for k in ours:
            _assert_same_tree(ours[k], theirs[k])
    elif isinstance(ours, list | tuple):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _assert_same_tree(a, b)
    else:
        assert ours == theirs


def _samples(rng):
    return [
        {
            "image": rng.standard_normal((2, 3)).astype(np.float32),
            "label": i,
            "weight": 0.5 * i,
            "flag": bool(i % 2),
            "name": f"s{i}",
            "raw": b"x",
            "scalar": np.float32(i),
            "pair": (np.arange(2) + i, [i, i + 1]),
            "point": Point(x=float(i), y=np.int16(i)),
        }
        for i in range(3)
    ]


def test_default_collate_matches_torch_on_nested_samples(rng):
    batch = _samples(rng)
    ours = rd.default_collate(batch)
    theirs = _as_numpy_tree(tud.default_collate(batch))
    _assert_same_tree(ours, theirs)
    assert ours["label"].dtype == np.int64 and ours["weight"].dtype == np.float64


def test_default_collate_errors():
    with pytest.raises(ArgumentTypeError, match="batch must contain tensors, numpy arrays"):
        rd.default_collate([object(), object()])
    with pytest.raises(ArgumentTypeError, match="found <U1"):
        rd.default_collate([np.array(["a"]), np.array(["b"])])
    with pytest.raises(ShapeError, match="each element in list of batch should be of equal size"):
        rd.default_collate([[1, 2], [1]])
    with pytest.raises(ShapeError, match=r"equal size, got shapes \[\(2,\), \(3,\)\]"):
        rd.default_collate([np.zeros(2), np.zeros(3)])


def test_default_convert_and_collate_of_jax_arrays():
    sample = {"a": (np.zeros(2), 1), "b": [Point(1, 2)], "s": "x"}
    assert rd.default_convert(sample)["b"] == [Point(1, 2)]
    out = rd.default_collate([jax.numpy.ones(2), jax.numpy.zeros(2)])
    assert isinstance(out, jax.Array) and out.shape == (2, 2)


# ----------------------------------------------------------------------------------------------
# DataLoader: arguments and length
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize(("n", "bs"), [(10, 3), (10, 5), (4, 8)])
def test_len_matches_torch(n, bs, drop_last):
    ds = rd.TensorDataset(np.arange(n))
    tds = tud.TensorDataset(torch.arange(n))
    assert len(rd.DataLoader(ds, batch_size=bs, drop_last=drop_last)) == len(
        tud.DataLoader(tds, batch_size=bs, drop_last=drop_last)
    )
    batches = list(rd.DataLoader(ds, batch_size=bs, drop_last=drop_last))
    assert len(batches) == len(rd.DataLoader(ds, batch_size=bs, drop_last=drop_last))
    it = rd.DataLoader(Shards(n), batch_size=bs, drop_last=drop_last)
    assert len(it) == len(tud.DataLoader(TorchShards(n), batch_size=bs, drop_last=drop_last))
    assert len(list(it)) == len(it)


_BAD_LOADER_ARGS = [
    {"sampler": [0, 1], "shuffle": True},
    {"batch_sampler": [[0]], "batch_size": 2},
    {"batch_sampler": [[0]], "shuffle": True},
    {"batch_sampler": [[0]], "sampler": [0]},
    {"batch_sampler": [[0]], "drop_last": True},
    {"batch_size": None, "drop_last": True},
    {"num_workers": -1},
    {"timeout": -1},
    {"prefetch_factor": 2},
    {"num_workers": 1, "prefetch_factor": -1},
    {"persistent_workers": True},
    {"multiprocessing_context": "spawn"},
    {"num_workers": 1, "multiprocessing_context": "nope"},
]


@pytest.mark.parametrize("kwargs", _BAD_LOADER_ARGS, ids=lambda k: "-".join(k))
def test_argument_errors_match_torch(kwargs):
    with pytest.raises(ValueError) as theirs:
        tud.DataLoader(tud.TensorDataset(torch.arange(4)), **kwargs)
    with pytest.raises(InvalidArgumentError) as ours:
        rd.DataLoader(rd.TensorDataset(np.arange(4)), **kwargs)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("kwargs", [{"shuffle": True}, {"sampler": [0]}, {"batch_sampler": [[0]]}])
def test_iterable_dataset_option_errors_match_torch(kwargs):
    with pytest.raises(ValueError) as theirs:
        tud.DataLoader(TorchShards(4), **kwargs)
    with pytest.raises(InvalidArgumentError) as ours:
        rd.DataLoader(Shards(4), **kwargs)
    assert str(ours.value).split(", but got")[0] == str(theirs.value).split(", but got")[0]


_TORCH_NAMES = [
    "DataLoader",
    "RandomSampler",
    "SequentialSampler",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
    "BatchSampler",
    "DistributedSampler",
    "TensorDataset",
    "ConcatDataset",
    "ChainDataset",
    "Subset",
    "StackDataset",
    "random_split",
]


@pytest.mark.parametrize("name", _TORCH_NAMES)
def test_signatures_match_torch(name):
    import compat.utils.data as cud

    theirs = list(inspect.signature(getattr(tud, name)).parameters.values())
    for module in (rd, cud):
        ours = list(inspect.signature(getattr(module, name)).parameters.values())
        assert [(p.name, p.kind) for p in ours[: len(theirs)]] == [
            (p.name, p.kind) for p in theirs
        ], f"{module.__name__}.{name}"
        for a, b in zip(ours, theirs):  # defaults, except generators (numpy's / compat's)
            if "generator" not in a.name:
                assert a.default == b.default, (name, a.name)
        extra = ours[len(theirs) :]  # DataLoader's on_error: keyword-only, defaulted
        assert all(p.kind is p.KEYWORD_ONLY and p.default is not p.empty for p in extra)


def test_frozen_attributes_and_on_error_value():
    loader = rd.DataLoader(rd.TensorDataset(np.arange(4)))
    with pytest.raises(
        InvalidArgumentError,
        match="batch_size attribute should not be set after DataLoader is initialized",
    ):
        loader.batch_size = 3
    loader.num_workers = 0  # not frozen, as in torch
    with pytest.raises(InvalidArgumentError, match="on_error must be 'raise' or 'skip'"):
        rd.DataLoader(rd.TensorDataset(np.arange(4)), on_error="ignore")


def test_no_batching_custom_sampler_and_collate():
    ds = rd.TensorDataset(np.arange(6) * 2)
    assert [int(x[0]) for x in rd.DataLoader(ds, batch_size=None, sampler=[5, 0])] == [10, 0]
    loader = rd.DataLoader(ds, batch_sampler=[[1, 2], [3]], collate_fn=lambda b: len(b))
    assert list(loader) == [2, 1]
    assert len(loader) == 2


# ----------------------------------------------------------------------------------------------
# DataLoader: workers
# ----------------------------------------------------------------------------------------------


def _labels(loader):
    return [y.tolist() for _, y in loader]


def test_order_is_the_same_for_0_and_2_workers_and_batches_match():
    ds = Images(23)
    kw = {"batch_size": 4, "shuffle": True}
    single = list(rd.DataLoader(ds, generator=7, **kw))
    multi = list(rd.DataLoader(ds, generator=7, num_workers=2, **kw))
    assert [y.tolist() for _, y in single] == [y.tolist() for _, y in multi]
    for (xs, _), (xm, _) in zip(single, multi):
        np.testing.assert_array_equal(xs, xm)
    assert _labels(rd.DataLoader(ds, generator=8, **kw)) != [y.tolist() for _, y in single]
    g1, g2 = np.random.default_rng(1), np.random.default_rng(1)
    assert _labels(rd.DataLoader(ds, generator=g1, **kw)) == _labels(
        rd.DataLoader(ds, generator=g2, num_workers=2, **kw)
    )


def test_batches_come_through_shared_memory():
    images = np.random.default_rng(0).standard_normal((16, 3, 8, 8)).astype(np.float32)
    loader = rd.DataLoader(rd.TensorDataset(images, np.arange(16)), batch_size=8, num_workers=2)
    x, y = next(iter(loader))
    assert x.shape == (8, 3, 8, 8) and x.flags.writeable
    np.testing.assert_array_equal(x, images[:8])
    import mmap

    assert isinstance(x.base, mmap.mmap)  # a view of the worker's segment, not an unpickled copy
    assert isinstance(y.base, mmap.mmap) or y.nbytes < 4096


def test_in_order_false_prefetch_and_worker_init():
    loader = rd.DataLoader(
        Images(30),
        batch_size=3,
        num_workers=2,
        in_order=False,
        prefetch_factor=3,
        worker_init_fn=_init_marker,
    )
    labels = sorted(i for _, y in loader for i in y.tolist())
    assert labels == list(range(30))
    who = rd.DataLoader(WhoAmI(4), batch_size=1, num_workers=2, worker_init_fn=_init_marker)
    rows = [tuple(int(v[0]) for v in b) for b in who]
    assert sorted({r[0] for r in rows}) == [0, 1]
    for wid, _, draw in rows[:2]:  # the first draw after worker_init_fn seeded numpy
        assert draw == np.random.RandomState(1000 + wid).randint(1 << 30)


def test_in_order_false_yields_batches_as_they_arrive():
    kw = {"batch_size": 1, "num_workers": 2, "prefetch_factor": 2}
    first = [int(y[0]) for _, y in rd.DataLoader(SlowFirst(6), in_order=False, **kw)]
    assert first[0] != 0 and sorted(first) == list(range(6))  # batch 0 came in late
    it = iter(rd.DataLoader(Images(40), batch_size=2, num_workers=2, prefetch_factor=3))
    assert it._send_idx == 6  # prefetch_factor batches handed to each worker up front
    next(it)
    assert it._send_idx == 7 and max(it._outstanding) <= 3
    del it


def test_workers_start_without_jax_fork_warning():
    jax.devices()  # JAX's backend is up: from now on it warns on every os.fork()
    ctx = multiprocessing.get_context("fork")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plain = ctx.Process(target=int)
        plain.start()
        plain.join()
        control = [w for w in caught if "os.fork() was called" in str(w.message)]
        caught.clear()
        loader = rd.DataLoader(Images(8), batch_size=2, num_workers=2)
        assert [y.tolist() for _, y in loader] == [[0, 1], [2, 3], [4, 5], [6, 7]]
    assert control, "JAX's at-fork warning is not active; the check below proves nothing"
    assert not [w for w in caught if "fork" in str(w.message)], [str(w.message) for w in caught]


def test_worker_seeds_and_persistent_workers():
    loader = rd.DataLoader(
        WhoAmI(4), batch_size=None, num_workers=2, persistent_workers=True, generator=0
    )
    first = list(loader)
    second = list(loader)
    assert {r[1] for r in first} == {r[1] for r in second}  # the same processes
    assert len({r[1] for r in first}) == 2
    assert [r[0] for r in first] == [0, 1, 0, 1]
    del loader
    fresh = [
        list(rd.DataLoader(WhoAmI(2), batch_size=None, num_workers=2, generator=5))
        for _ in range(2)
    ]
    assert [r[2] for r in fresh[0]] == [r[2] for r in fresh[1]]  # seeded from the generator


@pytest.mark.filterwarnings("ignore:os.fork:RuntimeWarning")
def test_iterable_dataset_sharded_with_get_worker_info_matches_torch():
    ours = [b.tolist() for b in rd.DataLoader(Shards(10), batch_size=2, num_workers=2)]
    theirs = [b.tolist() for b in tud.DataLoader(TorchShards(10), batch_size=2, num_workers=2)]
    assert ours == theirs
    assert sorted(i for b in ours for i in b) == list(range(10))
    assert [b.tolist() for b in rd.DataLoader(Shards(5), batch_size=2)] == [[0, 1], [2, 3], [4]]


def test_worker_info_is_read_only_and_none_in_main():
    assert rd.get_worker_info() is None
    info = rd.WorkerInfo(id=0, num_workers=1, seed=3, dataset=None)
    assert "seed=3" in repr(info)
    with pytest.raises(InvalidArgumentError, match="Cannot assign attributes to WorkerInfo"):
        info.id = 2


@pytest.mark.parametrize("num_workers", [0, 2])
def test_exception_becomes_data_error_with_index_worker_and_traceback(num_workers):
    loader = rd.DataLoader(Failing((5,)), batch_size=None, num_workers=num_workers)
    with pytest.raises(
        DataError, match=r"failed to load sample 5: KeyError: 'corrupted record 5'"
    ) as info:
        list(loader)
    err = info.value
    assert err.index == 5
    assert isinstance(err.__cause__, KeyError)
    assert "Original traceback in" in str(err) and "in __getitem__" in str(err)
    if num_workers:
        assert err.worker_id in (0, 1) and f"worker {err.worker_id} failed" in str(err)
    else:
        assert err.worker_id is None and "the main process failed" in str(err)


def test_unpicklable_worker_exception_keeps_type_message_and_traceback():
    loader = rd.DataLoader(RaisesUnpicklable(6), batch_size=None, num_workers=2)
    with pytest.raises(
        DataError, match=r"failed to load sample 2: _Unpicklable: code 7: unreadable header"
    ) as info:
        list(loader)
    assert "in __getitem__" in info.value.original_traceback
    assert isinstance(info.value.__cause__, RuntimeError)
    assert "_Unpicklable: code 7" in str(info.value.__cause__)


def test_unpicklable_dataset_with_spawn_raises_data_error():
    loader = rd.DataLoader(
        Images(4),
        batch_size=2,
        num_workers=2,
        multiprocessing_context="spawn",
        collate_fn=lambda b: b,
    )
    with pytest.raises(
        DataError, match=r"cannot start worker 0 with the 'spawn' start method: .*lambda.*pickled"
    ) as info:
        list(loader)
    assert info.value.worker_id == 0 and info.value.__cause__ is not None


def test_exception_in_batch_names_the_failing_sample():
    loader = rd.DataLoader(Failing((6,)), batch_size=4, num_workers=2)
    with pytest.raises(DataError, match="failed to load sample 6") as info:
        list(loader)
    assert info.value.index == 6


def test_collate_error_names_the_batch():
    loader = rd.DataLoader(Images(4), batch_size=2, collate_fn=lambda b: 1 / 0)
    with pytest.raises(DataError, match=r"failed to load sample \[0, 1\]: ZeroDivisionError"):
        list(loader)


@pytest.mark.parametrize("num_workers", [0, 2])
def test_skip_policy_reports_skipped_samples(num_workers):
    loader = rd.DataLoader(
        Failing((1, 4, 5, 6, 7)), batch_size=4, num_workers=num_workers, on_error="skip"
    )
    batches = [y.tolist() for _, y in loader]
    assert batches == [[0, 2, 3]] + [list(range(8, 12)), list(range(12, 16)), list(range(16, 20))]
    assert sorted(s.index for s in loader.skipped) == [1, 4, 5, 6, 7]
    assert all(s.error.startswith("KeyError") for s in loader.skipped)
    assert {s.worker_id for s in loader.skipped} <= ({None} if num_workers == 0 else {0, 1})
    list(loader)
    assert len(loader.skipped) == 5  # reset per epoch


def test_killed_worker_raises_quickly():
    loader = rd.DataLoader(Killer(20), batch_size=2, num_workers=2)
    start = time.monotonic()
    with pytest.raises(
        DataError, match=r"worker \(pid \d+, worker id \d\) exited unexpectedly with exit code -9"
    ):
        list(loader)
    assert time.monotonic() - start < 30  # not a timing check: it must not wait for a hang


def test_timeout_raises_data_error():
    loader = rd.DataLoader(Slow(8), batch_size=2, num_workers=2, timeout=0.5)
    it = iter(loader)
    next(it)
    next(it)
    start = time.monotonic()
    with pytest.raises(DataError, match=r"DataLoader timed out after 0.5 seconds"):
        next(it)
    assert time.monotonic() - start < 5  # not a timing check: a Slow batch takes 6 s


def test_breaking_out_leaves_no_workers_or_segments():
    loader = rd.DataLoader(Images(40), batch_size=4, num_workers=2)
    it = iter(loader)
    next(it)
    pids = [p.pid for p in it._workers.procs]
    del it
    for pid in pids:
        assert not glob.glob(f"/dev/shm/rtfx_data_{pid}_*")
    for _ in loader:
        break

    def train_step_fails():
        for _ in loader:
            1 / 0  # an error in the loop body drops the iterator, which stops its workers

    with pytest.raises(ZeroDivisionError):
        train_step_fails()
    # the autouse fixture checks that no worker process and no segment is left


def test_spawn_context():
    ds = rd.TensorDataset(np.arange(12.0).reshape(6, 2), np.arange(6))
    loader = rd.DataLoader(ds, batch_size=2, num_workers=2, multiprocessing_context="spawn")
    assert [y.tolist() for _, y in loader] == [[0, 1], [2, 3], [4, 5]]


# ----------------------------------------------------------------------------------------------
# lazy loading, caching, prefetch, randomness helpers
# ----------------------------------------------------------------------------------------------


def test_npy_dataset_is_memory_mapped_and_loads_in_workers(tmp_path):
    x = np.random.default_rng(0).standard_normal((10, 3)).astype(np.float32)
    y = np.arange(10)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    ds = rd.NpyDataset(tmp_path / "x.npy", tmp_path / "y.npy")
    assert ds._arrays is None  # nothing mapped until used, nothing read
    a, b = ds[3]
    assert isinstance(ds._arrays[0], np.memmap)
    np.testing.assert_array_equal(a, x[3])
    assert b == 3
    batches = list(rd.DataLoader(ds, batch_size=4, num_workers=2))
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), x)
    single = rd.NpyDataset(tmp_path / "y.npy")
    assert int(single[4]) == 4 and [int(v) for v in single.__getitems__([2, 1])] == [2, 1]
    np.save(tmp_path / "short.npy", np.arange(3))
    with pytest.raises(ShapeError, match="equal first dimensions"):
        rd.NpyDataset(tmp_path / "x.npy", tmp_path / "short.npy")
    with pytest.raises(DataError, match="cannot map"):
        rd.NpyDataset(tmp_path / "missing.npy")


def test_cached_dataset_respects_budget_and_evicts_lru():
    calls = []

    class Decoded(rd.Dataset):
        def __len__(self):
            return 10

        def __getitem__(self, i):
            calls.append(i)
            return np.full(4, i, np.float64)  # 32 bytes

    ds = rd.CachedDataset(Decoded(), max_bytes=64)
    for i in [0, 1, 0, 2, 0, 1]:
        assert ds[i][0] == i
    assert calls == [0, 1, 2, 1]  # 1 was evicted by 2 (least recently used), 0 stayed
    assert (ds.hits, ds.misses) == (2, 4) and ds.cached_bytes == 64 and len(ds) == 10
    with pytest.raises(InvalidArgumentError, match="max_bytes must be non-negative"):
        rd.CachedDataset(Decoded(), -1)
    loader = rd.DataLoader(rd.CachedDataset(Images(8), 10_000), batch_size=4, num_workers=2)
    assert [y.tolist() for _, y in loader] == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_prefetch_to_device():
    batches = [{"x": np.full(3, i, np.float32), "name": f"b{i}"} for i in range(5)]
    out = list(rd.prefetch_to_device(iter(batches), size=2))
    assert [int(b["x"][0]) for b in out] == list(range(5))
    assert all(isinstance(b["x"], jax.Array) and b["name"] == f"b{i}" for i, b in enumerate(out))
    dev = jax.devices()[0]
    assert next(rd.prefetch_to_device(batches, device=dev))["x"].devices() == {dev}
    with pytest.raises(InvalidArgumentError, match="size must be at least 1"):
        next(rd.prefetch_to_device(batches, size=0))
    with pytest.raises(InvalidArgumentError, match="device or sharding, not both"):
        next(rd.prefetch_to_device(batches, device=dev, sharding=dev))


def test_as_rng_accepts_seeds_generators_sequences_and_keys():
    assert rd.as_rng(None) is None
    g = np.random.default_rng(0)
    assert rd.as_rng(g) is g
    assert rd.as_rng(np.random.SeedSequence(4)).integers(1 << 30) == np.random.default_rng(
        np.random.SeedSequence(4)
    ).integers(1 << 30)
    assert rd.rng_from_key(jax.random.key(2)).integers(1 << 30) == rd.as_rng(
        jax.random.key(2)
    ).integers(1 << 30)
    with pytest.raises(ArgumentTypeError, match="got bool"):
        rd.as_rng(True)


_ORPHAN_SCRIPT = """
import os, sys
import numpy as np
from rustorch_fx.data import DataLoader, TensorDataset
it = iter(DataLoader(TensorDataset(np.arange(100)), batch_size=2, num_workers=2))
next(it)
print(" ".join(str(p.pid) for p in it._workers.procs), flush=True)
os._exit(0)  # the main process dies without shutting its workers down
"""


def test_workers_exit_when_the_main_process_dies():
    alive = _wait_for_exit(_ORPHAN_SCRIPT, 15)
    assert not alive, f"orphaned workers still running: {alive}"


# The race behind a flaky CI run: the main process dies before a slow worker has started.
# Each worker is made to start late (its process target sleeps first), so by then its parent
# is already init; it must still exit instead of waiting for messages forever.
_LATE_WORKER_SCRIPT = """
import os, sys, time
import numpy as np
from rustorch_fx.data import DataLoader, TensorDataset
loader_module = sys.modules["rustorch_fx.data._loader"]
loop = loader_module.worker_loop

def late(*args):
    time.sleep(1.5)
    loop(*args)

loader_module.worker_loop = late
loader = DataLoader(TensorDataset(np.arange(100)), batch_size=2, num_workers=2)
it = iter(loader)
print(" ".join(str(p.pid) for p in it._workers.procs), flush=True)
os._exit(0)
"""


def _wait_for_exit(script: str, seconds: float) -> list[int]:
    """Run ``script``, which prints its two workers' pids and dies; the workers still alive.

    Reads the pids, then waits for the main process only: the workers inherit its stdout, so
    waiting for the pipe to close would wait for them too.
    """
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert proc.wait(timeout=60) == 0
    proc.stdout.close()
    pids = [int(p) for p in line.split()]
    assert len(pids) == 2, line
    deadline = time.monotonic() + seconds
    alive = pids
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = [p for p in pids if os.path.exists(f"/proc/{p}") and "Z" not in _state(p)]
    for pid in alive:  # a failing run must not leave them behind
        os.kill(pid, signal.SIGKILL)
    return alive


def test_workers_that_start_after_the_main_process_died_exit():
    alive = _wait_for_exit(_LATE_WORKER_SCRIPT, 15)
    assert not alive, f"orphaned workers still running: {alive}"


def _state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0]
    except FileNotFoundError:
        return "Z"


def test_prefetch_keeps_size_batches_in_flight():
    pulled = []

    def source():
        for i in range(6):
            pulled.append(i)
            yield np.full(2, i, np.float32)

    it = rd.prefetch_to_device(source(), size=3)
    first = next(it)
    assert int(first[0]) == 0 and len(pulled) == 4  # the first plus the next 3 already put
    assert [int(b[0]) for b in it] == [1, 2, 3, 4, 5]


def test_persistent_workers_restart_an_iterable_dataset_each_epoch():
    loader = rd.DataLoader(Shards(6), batch_size=2, num_workers=2, persistent_workers=True)
    first = [b.tolist() for b in loader]
    it = iter(loader)
    next(it)  # abandon the second epoch after one batch
    del it
    assert [b.tolist() for b in loader] == first
    assert sorted(i for b in first for i in b) == list(range(6))
    del loader


def test_pin_memory_is_accepted_and_changes_nothing():
    ds = rd.TensorDataset(np.arange(8.0).reshape(4, 2))
    plain = [b[0].tolist() for b in rd.DataLoader(ds, batch_size=2)]
    pinned = rd.DataLoader(ds, batch_size=2, pin_memory=True, pin_memory_device="cuda")
    assert [b[0].tolist() for b in pinned] == plain and pinned.pin_memory
