"""``torch.nn.utils.rnn`` for compat: padding and packing of variable-length sequences.

A :class:`PackedSequence` holds a batch of sequences of different lengths in torch's packed
layout: the rows of all sequences interleaved step by step (``data``), how many sequences are
still running at each step (``batch_sizes``, an int64 CPU tensor), and the permutation that
sorted the batch by decreasing length (``sorted_indices``/``unsorted_indices``, or ``None``).
``compat.nn.RNN``, ``LSTM`` and ``GRU`` take and return packed sequences.

The index plans are computed on the host from the concrete lengths
(:func:`rustorch_fx.nn.packing_indices`); each gather or scatter of ``data`` is one op of
:mod:`rustorch_fx.nn` with the indices as traced arrays, so batches of different lengths but the
same total size share one compiled program, and gradients flow through packing and unpacking.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

import numpy as np

import rustorch_fx.nn as _nn
from compat._creation import tensor as _tensor
from compat._engine import apply
from compat._tensor import Tensor
from rustorch_fx.errors import ArgumentTypeError, ShapeError

__all__ = [
    "PackedSequence",
    "invert_permutation",
    "pack_padded_sequence",
    "pack_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "unpack_sequence",
    "unpad_sequence",
]


def _index_tensor(values: np.ndarray | None) -> Tensor | None:
    """An int64 CPU tensor holding ``values`` (torch's dtype for lengths and permutations)."""
    return None if values is None else _tensor(np.asarray(values, dtype=np.int64))


def _host(op: str, name: str, x: Any) -> np.ndarray | None:
    """The concrete integer values of a tensor, list or array (``None`` stays ``None``)."""
    if x is None:
        return None
    if isinstance(x, Tensor):
        return np.asarray(x.detach().numpy())
    try:
        return np.asarray(x)
    except (TypeError, ValueError) as exc:
        raise ArgumentTypeError(
            f"{op}: '{name}' must be a 1-D tensor or list of ints, got {type(x).__name__}"
        ) from exc


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse of a permutation tensor: ``out[permutation[i]] = i``.

    Args:
        permutation: A 1-D integer tensor holding a permutation of ``range(n)``, or ``None``.

    Returns:
        The inverse permutation (int64), or ``None`` for ``None``.

    Example:
        >>> invert_permutation(compat.tensor([2, 0, 1])).tolist()
        [1, 2, 0]
    """
    if permutation is None:
        return None
    perm = _host("invert_permutation", "permutation", permutation).astype(np.int64)
    inverse = np.empty_like(perm)
    inverse[perm] = np.arange(perm.shape[0])
    return _index_tensor(inverse)


class _PackedSequenceFields(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(_PackedSequenceFields):
    """A batch of variable-length sequences in torch's packed layout.

    Build one with :func:`pack_padded_sequence` or :func:`pack_sequence` rather than by hand.
    As in torch, it is a named tuple of ``(data, batch_sizes, sorted_indices,
    unsorted_indices)``; constructing it with ``sorted_indices`` alone fills in the inverse.

    Attributes:
        data: ``(N, *)`` the rows of every sequence, step by step (``N = sum(lengths)``).
        batch_sizes: ``(T,)`` int64 CPU tensor, sequences running at each step.
        sorted_indices: ``(B,)`` int64, the original index of each sequence in length order,
            or ``None`` when the batch was packed already sorted.
        unsorted_indices: The inverse of ``sorted_indices``, or ``None``.

    Example:
        >>> seqs = [compat.ones(3, 2), compat.ones(1, 2)]
        >>> packed = pack_sequence(seqs)
        >>> packed.data.shape, packed.batch_sizes.tolist()
        ((4, 2), [2, 1, 1])
    """

    __slots__ = ()

    def __new__(
        cls,
        data: Tensor,
        batch_sizes: Tensor | None = None,
        sorted_indices: Tensor | None = None,
        unsorted_indices: Tensor | None = None,
    ) -> PackedSequence:
        """Build a packed sequence; ``unsorted_indices`` defaults to the inverse permutation."""
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            raise ArgumentTypeError(
                "PackedSequence: batch_sizes is required; build packed sequences with "
                "pack_padded_sequence or pack_sequence"
            )
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """``data.to(*args, **kwargs)``; the index tensors stay int64 (moved with the device).

        Returns:
            ``self`` when ``data`` does not change, else a new packed sequence.
        """
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        device = data.device
        move = lambda t: None if t is None else t.to(device=device)  # noqa: E731
        return type(self)(
            data, self.batch_sizes, move(self.sorted_indices), move(self.unsorted_indices)
        )

    def cpu(self) -> PackedSequence:
        """The packed sequence with ``data`` on the CPU."""
        return self.to("cpu")

    def cuda(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """The packed sequence with ``data`` on a GPU (see ``Tensor.cuda``)."""
        data = self.data.cuda(*args, **kwargs)
        return self if data is self.data else self.to(data.device)

    def double(self) -> PackedSequence:
        """``data`` as float64."""
        return self.to(dtype=_dtype("float64"))

    def float(self) -> PackedSequence:
        """``data`` as float32."""
        return self.to(dtype=_dtype("float32"))

    def half(self) -> PackedSequence:
        """``data`` as float16."""
        return self.to(dtype=_dtype("float16"))

    def bfloat16(self) -> PackedSequence:
        """``data`` as bfloat16."""
        return self.to(dtype=_dtype("bfloat16"))

    @property
    def is_cuda(self) -> bool:
        """Whether ``data`` is on a GPU."""
        return bool(self.data.is_cuda)

    def is_pinned(self) -> bool:
        """Whether ``data`` is in pinned memory (never, for compat tensors)."""
        return False


def _dtype(name: str) -> Any:
    import compat

    return getattr(compat, name)


def _plan_of(sequence: PackedSequence) -> _nn.PackingIndices:
    op = "pad_packed_sequence"
    return _nn.packing_indices_from_batch_sizes(
        _host(op, "batch_sizes", sequence.batch_sizes),
        _host(op, "sorted_indices", sequence.sorted_indices),
    )


def pack_padded_sequence(
    input: Tensor, lengths: Any, batch_first: bool = False, enforce_sorted: bool = True
) -> PackedSequence:
    """Pack a padded batch of variable-length sequences.

    Args:
        input: ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``), padded after each sequence.
        lengths: ``(B,)`` lengths (a list or a CPU integer tensor), each in ``[1, T]``.
        batch_first: The layout of ``input``.
        enforce_sorted: If True, ``lengths`` must be decreasing (``sorted_indices`` is then
            ``None``); if False the batch is sorted by decreasing length (stable for ties).

    Returns:
        A :class:`PackedSequence`; the gather is one op, differentiable w.r.t. ``input``.

    Raises:
        InvalidArgumentError: For a length ``<= 0`` or unsorted lengths with ``enforce_sorted``.
        ShapeError: If ``lengths`` does not match the batch size or exceeds ``T``.

    Example:
        >>> x = compat.zeros(4, 2, 3)
        >>> pack_padded_sequence(x, [4, 2]).batch_sizes.tolist()
        [2, 2, 1, 1]
    """
    op = "pack_padded_sequence"
    if not isinstance(input, Tensor):
        raise ArgumentTypeError(f"{op}: input must be a Tensor, got {type(input).__name__}")
    if input.dim() < 2:
        raise ShapeError(f"{op}: input must have at least 2 dimensions, got {input.dim()}")
    steps, batch = (input.shape[1], input.shape[0]) if batch_first else input.shape[:2]
    plan = _nn.packing_indices(
        _host(op, "lengths", lengths), enforce_sorted, batch_size=batch, padded_length=steps
    )
    data = apply(_nn.pack_padded, input, plan.pack_index, batch_first=bool(batch_first))
    return PackedSequence(
        data,
        _index_tensor(plan.batch_sizes),
        _index_tensor(plan.sorted_indices),
        _index_tensor(plan.unsorted_indices),
    )


def pad_packed_sequence(
    sequence: PackedSequence,
    batch_first: bool = False,
    padding_value: float = 0.0,
    total_length: int | None = None,
) -> tuple[Tensor, Tensor]:
    """Unpack a :class:`PackedSequence` into a padded batch (the inverse of packing).

    Args:
        sequence: The packed batch.
        batch_first: Return ``(B, T, *)`` instead of ``(T, B, *)``.
        padding_value: The value past each sequence's end.
        total_length: Pad to this many steps (at least the longest length); ``None`` for the
            longest length.

    Returns:
        ``(padded, lengths)``: the batch in its original order and the int64 lengths.

    Raises:
        InvalidArgumentError: If ``total_length`` is shorter than the longest sequence.

    Example:
        >>> packed = pack_sequence([compat.ones(2, 3), compat.ones(1, 3)])
        >>> padded, lengths = pad_packed_sequence(packed, batch_first=True)
        >>> padded.shape, lengths.tolist()
        ((2, 2, 3), [2, 1])
    """
    if not isinstance(sequence, PackedSequence):
        raise ArgumentTypeError(
            f"pad_packed_sequence: expected a PackedSequence, got {type(sequence).__name__}"
        )
    plan = _plan_of(sequence)
    padded = apply(
        _nn.pad_packed,
        sequence.data,
        plan.pad_index,
        batch_first=bool(batch_first),
        padding_value=float(padding_value),
        total_length=total_length,
    )
    return padded, _index_tensor(plan.lengths)


def _pad_all(*sequences: Any, batch_first: bool, padding_value: float, padding_side: str) -> Any:
    return _nn.pad_sequence(list(sequences), batch_first, padding_value, padding_side)


def pad_sequence(
    sequences: Iterable[Tensor],
    batch_first: bool = False,
    padding_value: float = 0.0,
    padding_side: str = "right",
) -> Tensor:
    """Stack tensors of different lengths ``(L_i, *)`` into one padded tensor (one op).

    Args:
        sequences: The tensors, same trailing shape and dtype.
        batch_first: Return ``(B, T, *)`` instead of ``(T, B, *)``, ``T = max(L_i)``.
        padding_value: The fill value.
        padding_side: ``"right"`` (after each sequence) or ``"left"``.

    Returns:
        The padded tensor.

    Raises:
        ShapeError: For an empty list or mismatched trailing shapes.
        InvalidArgumentError: For another ``padding_side``.

    Example:
        >>> pad_sequence([compat.ones(2), compat.ones(1)], batch_first=True).tolist()
        [[1.0, 1.0], [1.0, 0.0]]
    """
    if isinstance(sequences, Tensor):
        sequences = sequences.unbind(0)
    if not isinstance(sequences, Iterable):
        raise ArgumentTypeError(
            "pad_sequence: Expected iterable for input sequences, but got arg of type: "
            f"{type(sequences).__name__}"
        )
    seqs = tuple(sequences)
    for i, s in enumerate(seqs):
        if not isinstance(s, Tensor):
            raise ArgumentTypeError(
                f"pad_sequence: sequences[{i}] must be a Tensor, got {type(s).__name__}"
            )
    return apply(
        _pad_all,
        *seqs,
        batch_first=bool(batch_first),
        padding_value=float(padding_value),
        padding_side=padding_side,
    )


def pack_sequence(sequences: list[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of tensors ``(L_i, *)`` of different lengths.

    Args:
        sequences: The tensors; with ``enforce_sorted`` in decreasing length order.
        enforce_sorted: See :func:`pack_padded_sequence`.

    Returns:
        A :class:`PackedSequence`.

    Raises:
        InvalidArgumentError: For unsorted lengths with ``enforce_sorted``.

    Example:
        >>> pack_sequence([compat.ones(1), compat.ones(3)], enforce_sorted=False).batch_sizes.tolist()
        [2, 1, 1]
    """
    lengths = [int(s.shape[0]) for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(
    padded_sequences: Tensor, lengths: Any, batch_first: bool = False
) -> list[Tensor]:
    """Split a padded batch back into a list of tensors of their own lengths.

    Args:
        padded_sequences: ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``).
        lengths: ``(B,)`` lengths.
        batch_first: The layout of ``padded_sequences``.

    Returns:
        ``B`` tensors ``(L_i, *)`` (views of the padded batch).

    Example:
        >>> padded = compat.zeros(2, 3, 4)
        >>> [t.shape[0] for t in unpad_sequence(padded, [3, 1], batch_first=True)]
        [3, 1]
    """
    values = _host("unpad_sequence", "lengths", lengths).reshape(-1).tolist()
    padded = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    return [padded[i][: int(n)] for i, n in enumerate(values)]


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """Split a :class:`PackedSequence` into its list of tensors, in the original order.

    Args:
        packed_sequences: The packed batch.

    Returns:
        ``B`` tensors ``(L_i, *)``.

    Example:
        >>> seqs = [compat.ones(1, 2), compat.ones(3, 2)]
        >>> [t.shape[0] for t in unpack_sequence(pack_sequence(seqs, enforce_sorted=False))]
        [1, 3]
    """
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
