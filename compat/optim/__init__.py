"""``torch.optim`` for compat: torch's optimizer classes over :mod:`rustorch_fx.optim`.

Every class has torch's signature, defaults, validation, ``param_groups``/``state`` layout and
``state_dict`` format; the update itself is rustorch_fx's (one compiled program per parameter
group and step). See ``docs/optim.md``.
"""

from compat.optim import lr_scheduler, optimizer
from compat.optim.adadelta import Adadelta
from compat.optim.adagrad import Adagrad
from compat.optim.adam import Adam
from compat.optim.adamax import Adamax
from compat.optim.adamw import AdamW
from compat.optim.asgd import ASGD
from compat.optim.lbfgs import LBFGS
from compat.optim.nadam import NAdam
from compat.optim.optimizer import Optimizer
from compat.optim.radam import RAdam
from compat.optim.rmsprop import RMSprop
from compat.optim.rprop import Rprop
from compat.optim.sgd import SGD

__all__ = [
    "ASGD",
    "LBFGS",
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "NAdam",
    "Optimizer",
    "RAdam",
    "RMSprop",
    "Rprop",
    "lr_scheduler",
    "optimizer",
]
