"""Every ``torch.nn`` loss as a pure function with ``torch.nn.functional``'s name and signature.

Each function takes and returns ``jax.Array`` values, is safe under ``jax.jit``, ``jax.vmap``
and ``jax.grad``, and gives the same results with JAX's 64-bit mode on or off. Every loss
accepts ``reduction='none' | 'mean' | 'sum'`` (``kl_div`` also ``'batchmean'``) and, where
torch's does, the deprecated ``size_average``/``reduce`` pair. float16 and bfloat16 inputs are
computed in float32 and the result is returned in the input's dtype.
"""

from rustorch_fx.losses._classification import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    multi_margin_loss,
    multilabel_margin_loss,
    multilabel_soft_margin_loss,
    nll_loss,
    soft_margin_loss,
)
from rustorch_fx.losses._ctc import ctc_loss
from rustorch_fx.losses._linear_ce import LinearCrossEntropyOptions, linear_cross_entropy
from rustorch_fx.losses._ranking import (
    cosine_embedding_loss,
    hinge_embedding_loss,
    margin_ranking_loss,
    triplet_margin_loss,
    triplet_margin_with_distance_loss,
)
from rustorch_fx.losses._regression import (
    gaussian_nll_loss,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    poisson_nll_loss,
    smooth_l1_loss,
)

__all__ = [
    "LinearCrossEntropyOptions",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cosine_embedding_loss",
    "cross_entropy",
    "ctc_loss",
    "gaussian_nll_loss",
    "hinge_embedding_loss",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "linear_cross_entropy",
    "margin_ranking_loss",
    "mse_loss",
    "multi_margin_loss",
    "multilabel_margin_loss",
    "multilabel_soft_margin_loss",
    "nll_loss",
    "poisson_nll_loss",
    "smooth_l1_loss",
    "soft_margin_loss",
    "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
]
