"""``torch.nn.modules.sparse`` for compat: :class:`Embedding` and :class:`EmbeddingBag`.

The weight is ``(num_embeddings, embedding_dim)`` drawn from ``N(0, 1)`` with the padding row
zeroed, as in torch. With ``max_norm`` the looked-up rows of the weight are renormalised in
place at each forward (torch's behaviour). ``sparse=True`` is accepted and recorded, but
gradients are dense tensors.
"""

from __future__ import annotations

from typing import Any

import compat
from compat._grad_mode import no_grad
from compat._tensor import Tensor
from compat.nn import functional as F
from compat.nn import init
from compat.nn.modules.module import Module
from compat.nn.parameter import Parameter
from rustorch_fx._checks import is_int
from rustorch_fx.errors import ArgumentTypeError, InvalidArgumentError, ShapeError

__all__ = ["Embedding", "EmbeddingBag"]


def _padding(cls: str, padding_idx: Any, num_embeddings: int) -> int | None:
    """``padding_idx`` checked against the table and made non-negative (torch's rule)."""
    if padding_idx is None:
        return None
    if not is_int(padding_idx):
        raise ArgumentTypeError(f"{cls}: padding_idx must be an int or None, got {padding_idx!r}")
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise InvalidArgumentError(
            f"{cls}: Padding_idx must be within num_embeddings (got padding_idx={padding_idx} "
            f"for num_embeddings={num_embeddings})"
        )
    return padding_idx + num_embeddings if padding_idx < 0 else int(padding_idx)


def _sizes(cls: str, num_embeddings: Any, embedding_dim: Any) -> None:
    for name, value in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
        if not is_int(value) or value < 0:
            raise InvalidArgumentError(f"{cls}: {name} must be a non-negative int, got {value!r}")


def _table(cls: str, weight: Tensor, num_embeddings: int, embedding_dim: int) -> None:
    if list(weight.shape) != [num_embeddings, embedding_dim]:
        raise ShapeError(
            f"{cls}: Shape of weight does not match num_embeddings and embedding_dim (got "
            f"{list(weight.shape)}, expected {[num_embeddings, embedding_dim]})"
        )


def _pretrained(cls: str, embeddings: Any) -> tuple[int, int]:
    if not isinstance(embeddings, Tensor) or embeddings.dim() != 2:
        shape = tuple(embeddings.shape) if isinstance(embeddings, Tensor) else type(embeddings)
        raise ShapeError(
            f"{cls}.from_pretrained: Embeddings parameter is expected to be 2-dimensional, "
            f"got {shape}"
        )
    rows, cols = embeddings.shape
    return rows, cols


class Embedding(Module):
    """A lookup table of ``num_embeddings`` vectors of size ``embedding_dim``.

    Args:
        num_embeddings: The size of the table.
        embedding_dim: The size of each vector.
        padding_idx: A row that receives no gradient and starts at zeros (negative counts
            from the end).
        max_norm: Renormalise looked-up rows in place to at most this norm.
        norm_type: The ``p`` of the p-norm for ``max_norm``.
        scale_grad_by_freq: Divide each row's gradient by its frequency in the batch.
        sparse: Recorded for torch's API; gradients are dense.
        _weight: An initial weight tensor ``(num_embeddings, embedding_dim)`` (shared).
        _freeze: Make the weight not require grad.
        device: Device of the weight.
        dtype: Dtype of the weight.

    Attributes:
        weight: ``(num_embeddings, embedding_dim)`` from ``N(0, 1)``.

    Shape:
        - input: ``(*)`` integer indices
        - output: ``(*, embedding_dim)``

    Raises:
        InvalidArgumentError: For a bad size or ``padding_idx``.
        ShapeError: If ``_weight`` does not have the shape of the table.

    Example:
        >>> m = Embedding(10, 3, padding_idx=0)
        >>> m(compat.tensor([[1, 2, 0]])).shape
        (1, 3, 3)
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
        _weight: Tensor | None = None,
        _freeze: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        _sizes("Embedding", num_embeddings, embedding_dim)
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = _padding("Embedding", padding_idx, num_embeddings)
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        if _weight is None:
            self.weight = Parameter(
                compat.empty((num_embeddings, embedding_dim), device=device, dtype=dtype),
                requires_grad=not _freeze,
            )
            self.reset_parameters()
        else:
            _table("Embedding", _weight, num_embeddings, embedding_dim)
            self.weight = Parameter(_weight, requires_grad=not _freeze)
        self.sparse = sparse

    def reset_parameters(self) -> None:
        """Draw the weight from ``N(0, 1)`` and zero the padding row."""
        init.normal_(self.weight)
        self._fill_padding_idx_with_zero()

    def _fill_padding_idx_with_zero(self) -> None:
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx].fill_(0)

    def forward(self, input: Tensor) -> Tensor:
        """Apply :func:`compat.nn.functional.embedding`.

        Args:
            input: Integer indices, any shape.

        Returns:
            ``(*input.shape, embedding_dim)``.
        """
        return F.embedding(
            input,
            self.weight,
            self.padding_idx,
            self.max_norm,
            self.norm_type,
            self.scale_grad_by_freq,
            self.sparse,
        )

    def extra_repr(self) -> str:
        """``num_embeddings, embedding_dim`` and the options that differ from the defaults."""
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        if self.sparse is not False:
            s += ", sparse=True"
        return s

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Tensor,
        freeze: bool = True,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
    ) -> Embedding:
        """Create an Embedding whose weight is ``embeddings`` (shared, not copied).

        Args:
            embeddings: A 2-D floating tensor ``(num_embeddings, embedding_dim)``.
            freeze: Make the weight not require grad.
            padding_idx: See :class:`Embedding` (the row is not zeroed).
            max_norm: See :class:`Embedding`.
            norm_type: See :class:`Embedding`.
            scale_grad_by_freq: See :class:`Embedding`.
            sparse: See :class:`Embedding`.

        Returns:
            The module.

        Raises:
            ShapeError: If ``embeddings`` is not 2-D.

        Example:
            >>> m = Embedding.from_pretrained(compat.tensor([[1.0, 2.3], [4.0, 5.1]]))
            >>> m(compat.tensor([1]))
            tensor([[4.0000, 5.1000]])
        """
        rows, cols = _pretrained("Embedding", embeddings)
        return cls(
            num_embeddings=rows,
            embedding_dim=cols,
            _weight=embeddings,
            _freeze=freeze,
            padding_idx=padding_idx,
            max_norm=max_norm,
            norm_type=norm_type,
            scale_grad_by_freq=scale_grad_by_freq,
            sparse=sparse,
        )


class EmbeddingBag(Module):
    """Sums, averages or max-pools bags of embeddings without materialising each lookup.

    Args:
        num_embeddings: The size of the table.
        embedding_dim: The size of each vector.
        max_norm: Renormalise looked-up rows in place to at most this norm.
        norm_type: The ``p`` of the p-norm for ``max_norm``.
        scale_grad_by_freq: Divide each row's gradient by its frequency in the batch.
        mode: ``"sum"``, ``"mean"`` or ``"max"``.
        sparse: Recorded for torch's API; gradients are dense.
        _weight: An initial weight tensor ``(num_embeddings, embedding_dim)`` (shared).
        include_last_offset: ``offsets`` ends with the end of the last bag.
        padding_idx: An index left out of every bag; its row starts at zeros.
        device: Device of the weight.
        dtype: Dtype of the weight.

    Attributes:
        weight: ``(num_embeddings, embedding_dim)`` from ``N(0, 1)``.

    Shape:
        - input: ``(B, N)``, or ``(L,)`` with ``offsets`` ``(B,)``
        - output: ``(B, embedding_dim)``

    Raises:
        InvalidArgumentError: For a bad size, ``mode`` or ``padding_idx``.
        ShapeError: If ``_weight`` does not have the shape of the table.

    Example:
        >>> m = EmbeddingBag(10, 3, mode="sum")
        >>> m(compat.tensor([1, 2, 4, 5, 4, 3, 2, 9]), compat.tensor([0, 4])).shape
        (2, 3)
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        mode: str = "mean",
        sparse: bool = False,
        _weight: Tensor | None = None,
        include_last_offset: bool = False,
        padding_idx: int | None = None,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        _sizes("EmbeddingBag", num_embeddings, embedding_dim)
        if mode not in ("sum", "mean", "max"):
            raise InvalidArgumentError(
                f"EmbeddingBag: mode has to be one of sum, mean or max, got {mode!r}"
            )
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.padding_idx = _padding("EmbeddingBag", padding_idx, num_embeddings)
        if _weight is None:
            self.weight = Parameter(
                compat.empty((num_embeddings, embedding_dim), device=device, dtype=dtype)
            )
            self.reset_parameters()
        else:
            _table("EmbeddingBag", _weight, num_embeddings, embedding_dim)
            self.weight = Parameter(_weight)
        self.mode = mode
        self.sparse = sparse
        self.include_last_offset = include_last_offset

    def reset_parameters(self) -> None:
        """Draw the weight from ``N(0, 1)`` and zero the padding row."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx].fill_(0)

    def forward(
        self,
        input: Tensor,
        offsets: Tensor | None = None,
        per_sample_weights: Tensor | None = None,
    ) -> Tensor:
        """Apply :func:`compat.nn.functional.embedding_bag`.

        Args:
            input: ``(B, N)`` bags, or ``(L,)`` indices cut at ``offsets``.
            offsets: Start of each bag of a 1-D ``input``.
            per_sample_weights: Weights shaped like ``input`` (``"sum"`` mode only).

        Returns:
            ``(B, embedding_dim)``.
        """
        return F.embedding_bag(
            input,
            self.weight,
            offsets,
            self.max_norm,
            self.norm_type,
            self.scale_grad_by_freq,
            self.mode,
            self.sparse,
            per_sample_weights,
            self.include_last_offset,
            self.padding_idx,
        )

    def extra_repr(self) -> str:
        """``num_embeddings, embedding_dim``, the options that differ, and ``mode``, as torch."""
        s = f"{self.num_embeddings!r}, {self.embedding_dim!r}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm!r}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type!r}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq!r}"
        s += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx!r}"
        return s

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Tensor,
        freeze: bool = True,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        mode: str = "mean",
        sparse: bool = False,
        include_last_offset: bool = False,
        padding_idx: int | None = None,
    ) -> EmbeddingBag:
        """Create an EmbeddingBag whose weight is ``embeddings`` (shared, not copied).

        Args:
            embeddings: A 2-D floating tensor ``(num_embeddings, embedding_dim)``.
            freeze: Make the weight not require grad.
            max_norm: See :class:`EmbeddingBag`.
            norm_type: See :class:`EmbeddingBag`.
            scale_grad_by_freq: See :class:`EmbeddingBag`.
            mode: See :class:`EmbeddingBag`.
            sparse: See :class:`EmbeddingBag`.
            include_last_offset: See :class:`EmbeddingBag`.
            padding_idx: See :class:`EmbeddingBag` (the row is not zeroed).

        Returns:
            The module.

        Raises:
            ShapeError: If ``embeddings`` is not 2-D.

        Example:
            >>> m = EmbeddingBag.from_pretrained(compat.tensor([[1.0, 2.0], [3.0, 4.0]]))
            >>> m(compat.tensor([[0, 1]]))
            tensor([[2., 3.]])
        """
        rows, cols = _pretrained("EmbeddingBag", embeddings)
        bag = cls(
            num_embeddings=rows,
            embedding_dim=cols,
            _weight=embeddings,
            max_norm=max_norm,
            norm_type=norm_type,
            scale_grad_by_freq=scale_grad_by_freq,
            mode=mode,
            sparse=sparse,
            include_last_offset=include_last_offset,
            padding_idx=padding_idx,
        )
        bag.weight.requires_grad = not freeze
        return bag
