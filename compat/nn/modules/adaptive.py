"""``torch.nn.modules.adaptive`` for compat: AdaptiveLogSoftmaxWithLoss.

The efficient softmax approximation of Grave et al. (2017): frequent classes (the shortlist)
and one entry per cluster of rarer classes share a "head" softmax; each cluster has its own
low-rank "tail" softmax. Parameters, state-dict keys, initialisation and results are torch's.
The module composes compat ops (its Linear submodules, ``log_softmax``, ``gather``, ``where``):
every cluster's tail runs on all rows and rows outside the cluster are masked out, so the
shapes do not depend on the targets and a step compiles (``compat.compile``). In eager mode,
clusters that no target falls in are skipped, as in torch (their parameters get no gradient).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence
from typing import Any

import jax
import numpy as np

import compat
from compat._tensor import Tensor
from compat.nn import functional as F
from compat.nn.modules.container import ModuleList, Sequential
from compat.nn.modules.linear import Linear
from compat.nn.modules.module import Module
from rustorch_fx.errors import IndexOutOfRangeError, InvalidArgumentError, ShapeError

__all__ = ["AdaptiveLogSoftmaxWithLoss"]

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


def _concrete(t: Tensor) -> np.ndarray | None:
    value = t._value
    return None if isinstance(value, jax.core.Tracer) else np.asarray(value)


class AdaptiveLogSoftmaxWithLoss(Module):
    """Efficient softmax approximation (``torch.nn.AdaptiveLogSoftmaxWithLoss``).

    Classes ``[0, cutoffs[0])`` are the shortlist, scored by the head together with one logit
    per cluster ``[cutoffs[i], cutoffs[i + 1])``; a class in cluster ``i`` gets the head's
    log-probability of the cluster plus the log-probability of the class in ``tail[i]``, a
    ``Linear(in, in // div_value ** (i + 1)) -> Linear(.., cluster size)`` projection.

    Args:
        in_features: Features of each input row.
        n_classes: Number of classes.
        cutoffs: Increasing, unique ints in ``[1, n_classes - 1]``: the cluster boundaries.
        div_value: Base of the tails' shrinking hidden sizes.
        head_bias: Whether the head has a bias.
        device: Device of the parameters.
        dtype: Dtype of the parameters.

    Shape:
        - input: ``(N, in_features)`` or ``(in_features,)``; target: ``(N,)`` or ``()``.
        - output: ``output`` ``(N,)`` (the target log-probabilities) or ``()``, ``loss`` ``()``.

    Raises:
        InvalidArgumentError: For bad ``cutoffs`` (also ValueError, as torch's).

    Example:
        >>> m = AdaptiveLogSoftmaxWithLoss(8, 10, [3, 6])
        >>> out = m(compat.randn(4, 8), compat.tensor([0, 4, 7, 9]))
        >>> out.output.shape, out.loss.shape
        ((4,), ())
    """

    def __init__(
        self,
        in_features: int,
        n_classes: int,
        cutoffs: Sequence[int],
        div_value: float = 4.0,
        head_bias: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        cutoffs = list(cutoffs)
        if (
            not cutoffs
            or cutoffs != sorted(cutoffs)
            or min(cutoffs) <= 0
            or max(cutoffs) > n_classes - 1
            or len(set(cutoffs)) != len(cutoffs)
            or any(int(c) != c for c in cutoffs)
        ):
            raise InvalidArgumentError(
                "cutoffs should be a sequence of unique, positive integers sorted in an "
                "increasing order, where each value is between 1 and n_classes-1"
            )
        self.in_features = in_features
        self.n_classes = n_classes
        self.cutoffs = [int(c) for c in cutoffs] + [n_classes]
        self.div_value = div_value
        self.head_bias = head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        factory = {"device": device, "dtype": dtype}
        self.head = Linear(in_features, self.head_size, bias=head_bias, **factory)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hidden = int(in_features // (div_value ** (i + 1)))
            size = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(
                Sequential(
                    Linear(in_features, hidden, bias=False, **factory),
                    Linear(hidden, size, bias=False, **factory),
                )
            )

    def reset_parameters(self) -> None:
        """Redraw the head's and the tails' parameters from their default distributions."""
        self.head.reset_parameters()
        for projection in self.tail:
            for layer in projection:
                layer.reset_parameters()

    def forward(self, input_: Tensor, target_: Tensor) -> Any:
        """The log-probability of each target and the mean negative log-likelihood.

        Args:
            input_: ``(N, in_features)`` or ``(in_features,)``.
            target_: Int class indices ``(N,)`` (or ``()`` for an unbatched input).

        Returns:
            ``_ASMoutput(output, loss)``, torch's named tuple.

        Raises:
            ShapeError: For mismatched ranks or batch sizes (also RuntimeError).
            IndexOutOfRangeError: For a target outside ``[0, n_classes)`` (also RuntimeError's
                torch message).
        """
        targ_dim = target_.dim()
        if targ_dim == 1:
            if input_.shape[0] != target_.shape[0]:
                raise ShapeError(
                    "Input and target should have the same size in the batch dimension."
                )
            if input_.dim() != 2:
                raise ShapeError(
                    "1D target tensor expects 2D input tensors, but found inputs with size "
                    f"{tuple(input_.shape)}"
                )
        elif targ_dim == 0:
            if input_.dim() != 1:
                raise ShapeError(
                    "0D target tensor expects 1D input tensors, but found inputs with size "
                    f"{tuple(input_.shape)}"
                )
        else:
            raise ShapeError("0D or 1D target tensor expected, multi-target not supported")
        batched = targ_dim > 0
        input = input_ if batched else input_.unsqueeze(0)
        target = target_ if batched else target_.unsqueeze(0)
        values = _concrete(target)
        if (
            values is not None
            and values.size
            and (values.min() < 0 or values.max() >= self.n_classes)
        ):
            raise IndexOutOfRangeError(
                f"Target values should be in [0, {self.n_classes - 1}], but values in range "
                f"[{values.min()}, {values.max()}] were found. "
            )
        short = self.shortlist_size
        bounds = compat.tensor(self.cutoffs[:-1], dtype=target.dtype)
        # Shortlist targets index the head directly; others index their cluster's head entry.
        cluster = (target.unsqueeze(1) >= bounds).long().sum(1) - 1
        head_index = compat.where(target < short, target, short + cluster)
        head_logprob = F.log_softmax(self.head(input), dim=1)
        output = head_logprob.gather(1, head_index.unsqueeze(1)).squeeze(1)
        for i in range(self.n_clusters):
            low, high = self.cutoffs[i], self.cutoffs[i + 1]
            if values is not None and not ((values >= low) & (values < high)).any():
                continue
            mask = (target >= low) & (target < high)
            relative = (target - low).clamp(0, high - low - 1)
            cluster_logprob = F.log_softmax(self.tail[i](input), dim=1)
            local = cluster_logprob.gather(1, relative.unsqueeze(1)).squeeze(1)
            output = output + compat.where(mask, local, 0.0)
        loss = (-output).mean()
        if not batched:
            output = output.squeeze(0)
        return _ASMoutput(output, loss)

    def _get_full_log_prob(self, input: Tensor, head_output: Tensor) -> Tensor:
        head_logprob = F.log_softmax(head_output, dim=1)
        parts = [head_logprob[:, : self.shortlist_size]]
        for i in range(self.n_clusters):
            cluster_logprob = F.log_softmax(self.tail[i](input), dim=1)
            parts.append(cluster_logprob + head_logprob[:, self.shortlist_size + i].unsqueeze(1))
        return compat.cat(parts, dim=1)

    def log_prob(self, input: Tensor) -> Tensor:
        """The log-probabilities of all ``n_classes`` classes.

        Args:
            input: ``(N, in_features)`` or ``(in_features,)``.

        Returns:
            ``(N, n_classes)`` or ``(n_classes,)``.

        Example:
            >>> m = AdaptiveLogSoftmaxWithLoss(8, 10, [3, 6])
            >>> m.log_prob(compat.randn(2, 8)).exp().sum(1).shape
            (2,)
        """
        batched = input.dim() > 1
        x = input if batched else input.unsqueeze(0)
        out = self._get_full_log_prob(x, self.head(x))
        return out if batched else out.squeeze(0)

    def predict(self, input: Tensor) -> Tensor:
        """The most likely class of each row (``argmax`` of :meth:`log_prob`).

        Args:
            input: ``(N, in_features)`` or ``(in_features,)``.

        Returns:
            Int64 class indices ``(N,)`` or ``()``.

        Example:
            >>> m = AdaptiveLogSoftmaxWithLoss(8, 10, [3, 6])
            >>> m.predict(compat.randn(2, 8)).shape
            (2,)
        """
        return self.log_prob(input).argmax(dim=-1)

    def extra_repr(self) -> str:
        """Nothing beyond the submodules, as torch."""
        return ""
