"""``torch.nn.modules.channelshuffle`` for compat: ChannelShuffle."""

from __future__ import annotations

from compat._tensor import Tensor
from compat.nn import functional as F
from compat.nn.modules.module import Module

__all__ = ["ChannelShuffle"]


class ChannelShuffle(Module):
    """Interleave channel groups (``torch.nn.ChannelShuffle``); see :func:`F.channel_shuffle`.

    Args:
        groups: The number of groups, a positive int dividing the channel count.

    Shape:
        - input: ``(N, C, *)`` with at least 3 dims; output: the same shape.

    Example:
        >>> ChannelShuffle(2)(compat.arange(4.0).reshape(1, 4, 1)).flatten()
        tensor([0., 2., 1., 3.])
    """

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, input: Tensor) -> Tensor:
        """Shuffle ``input``'s channels.

        Args:
            input: ``(N, C, *)``.

        Returns:
            The shuffled tensor.
        """
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        """Torch's summary: the number of groups."""
        return f"groups={self.groups}"
