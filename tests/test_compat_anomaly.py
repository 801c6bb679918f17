"""compat.autograd.detect_anomaly / set_detect_anomaly."""

import pytest

import compat
from compat import _engine
from rustorch_fx import ops
from rustorch_fx.errors import ArgumentTypeError, NonFiniteError


def test_forward_nan_names_the_op_and_the_user_line():
    x = compat.tensor([-1.0, 1.0], requires_grad=True)
    with compat.autograd.detect_anomaly():
        assert compat.autograd.is_anomaly_enabled()
        assert compat.autograd.is_anomaly_check_nan_enabled()
        with pytest.raises(NonFiniteError, match="'LogBackward0' returned nan values") as info:
            _engine.apply(ops.log, x)
    assert "test_compat_anomaly.py" in str(info.value)
    assert isinstance(info.value, compat.AutogradError)
    assert not compat.autograd.is_anomaly_enabled()
    assert _engine.apply(ops.log, x).shape == (2,)  # off again: no check


def test_backward_inf_names_the_node_and_its_forward_call():
    w = compat.tensor([0.0], requires_grad=True)
    with compat.autograd.detect_anomaly():
        s = _engine.apply(ops.sqrt, w)
        with pytest.raises(NonFiniteError, match="'SqrtBackward0' returned nan values") as info:
            s.sum().backward()
    assert "_engine.apply(ops.sqrt, w)" in str(info.value)
    s2 = _engine.apply(ops.sqrt, w)
    with (
        compat.autograd.set_detect_anomaly(True),
        pytest.raises(NonFiniteError, match="before anomaly detection was enabled"),
    ):
        s2.sum().backward()
    assert not compat.autograd.is_anomaly_enabled()


def test_check_nan_false_and_function_form_and_decorator():
    x = compat.tensor([-1.0], requires_grad=True)
    with compat.autograd.detect_anomaly(check_nan=False):
        assert not compat.autograd.is_anomaly_check_nan_enabled()
        y = _engine.apply(ops.log, x)
        y.sum().backward()
    compat.autograd.set_detect_anomaly(True)
    try:
        assert compat.autograd.is_anomaly_enabled()
    finally:
        compat.autograd.set_detect_anomaly(False)
    assert not compat.autograd.is_anomaly_enabled()

    @compat.autograd.detect_anomaly()
    def f(t):
        return _engine.apply(ops.log, t)

    with pytest.raises(NonFiniteError):
        f(x)
    with pytest.raises(ArgumentTypeError, match="expected a function to decorate"):
        compat.autograd.detect_anomaly()(3)
    with pytest.raises(ArgumentTypeError, match="must be bools"):
        compat.autograd.set_detect_anomaly("yes")
