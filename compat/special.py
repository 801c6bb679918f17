"""``torch.special``: the special functions under their ``torch.special`` names.

Every name here is another name of a compat function (``special.gammaln`` is
:func:`compat.lgamma`, ``special.expit`` is :func:`compat.sigmoid`, ``special.gammainc`` is
:func:`compat.igamma`...), so values, dtypes and gradients are those functions'. torch's
Bessel, orthogonal-polynomial, ``zeta``, ``ndtr``/``ndtri``/``log_ndtr``, ``erfcx``,
``entr``, ``i0e``/``i1``/``i1e`` and ``xlog1py`` are not provided yet.

Example:
    >>> import compat
    >>> compat.special.gammainc(compat.tensor([1.0]), compat.tensor([1.0])).round(decimals=4)
    tensor([0.6321])
"""

from compat._methods import (
    digamma,
    erf,
    erfc,
    erfinv,
    exp2,
    expm1,
    i0,
    igamma,
    igammac,
    lgamma,
    log1p,
    logit,
    logsumexp,
    mvlgamma,
    polygamma,
    round,
    sigmoid,
    sinc,
    xlogy,
)
from compat.nn.functional import log_softmax, softmax

gammainc = igamma
gammaincc = igammac
gammaln = lgamma
psi = digamma
expit = sigmoid
multigammaln = mvlgamma

__all__ = [
    "digamma",
    "erf",
    "erfc",
    "erfinv",
    "exp2",
    "expit",
    "expm1",
    "gammainc",
    "gammaincc",
    "gammaln",
    "i0",
    "log1p",
    "log_softmax",
    "logit",
    "logsumexp",
    "multigammaln",
    "polygamma",
    "psi",
    "round",
    "sinc",
    "softmax",
    "xlogy",
]
