"""``torch.optim.LBFGS`` over :func:`rustorch_fx.optim.lbfgs`, the closure called back from XLA.

:func:`rustorch_fx.optim.lbfgs` runs one torch ``step()`` (the inner iterations, the optional
strong-Wolfe line search, the history) as one compiled program given a function returning the
loss and gradient. Here that function is an ``io_callback`` into the host: it writes the trial
point into the parameters, runs the user's closure (compat forward and backward, eager) and
hands the loss and the gradients back. The algorithm is therefore rustorch_fx's, evaluated
exactly where torch evaluates it, and the parameters end at the step's last iterate.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jax
import numpy as np
from jax.experimental import io_callback

import rustorch_fx.optim as fx
from compat._grad_mode import enable_grad, no_grad
from compat._tensor import Tensor
from compat.optim.optimizer import Optimizer, _closure_required, _number, _validate
from rustorch_fx.errors import OptimizerError, UnsupportedError

__all__ = ["LBFGS"]


class LBFGS(Optimizer):
    r"""L-BFGS with torch's algorithm (minFunc's, with optional strong-Wolfe line search).

    Each :meth:`step` re-evaluates the closure up to ``max_eval`` times while running up to
    ``max_iter`` quasi-Newton iterations, and returns the closure's first loss, as in torch.
    The state (``optimizer.state[params[0]]``) uses torch's keys: ``func_evals``,
    ``n_iter``, ``d``, ``t``, ``old_dirs``, ``old_stps``, ``ro``, ``H_diag``,
    ``prev_flat_grad``, ``prev_loss`` (``al``, torch's scratch list, is kept as
    ``history_size`` Nones).

    Args:
        params: Parameters (a single group, as torch requires).
        lr: Learning rate (step length).
        max_iter: Maximal number of iterations per step.
        max_eval: Maximal number of closure evaluations per step (default
            ``max_iter * 5 // 4``).
        tolerance_grad: Termination tolerance on first-order optimality.
        tolerance_change: Termination tolerance on parameter and loss changes.
        history_size: Update history size.
        line_search_fn: ``None`` or ``"strong_wolfe"``.

    Raises:
        OptimizerError: For a negative ``lr``, several parameter groups, an unknown
            ``line_search_fn`` (at ``step``, as torch), or a step without closure.
        UnsupportedError: For complex parameters.

    Example:
        >>> import compat
        >>> from compat.optim import LBFGS
        >>> w = compat.nn.Parameter(compat.zeros(2, dtype=compat.float64))
        >>> opt = LBFGS([w], line_search_fn="strong_wolfe")
        >>> def closure():
        ...     opt.zero_grad()
        ...     loss = ((w - 3.0) ** 2).sum()
        ...     loss.backward()
        ...     return loss
        >>> float(opt.step(closure))
        18.0
        >>> [round(v, 4) for v in w.tolist()]
        [3.0, 3.0]
    """

    def __init__(
        self,
        params: Any,
        lr: Any = 1,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        """Validate the hyperparameters like torch and build the single group."""
        name = "LBFGS"
        _validate(name, [(_number(name, "lr", lr) >= 0.0, f"Invalid learning rate: {lr}")])
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = {
            "lr": lr,
            "max_iter": max_iter,
            "max_eval": max_eval,
            "tolerance_grad": tolerance_grad,
            "tolerance_change": tolerance_change,
            "history_size": history_size,
            "line_search_fn": line_search_fn,
        }
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise OptimizerError(
                f"{name}: LBFGS doesn't support per-parameter options (parameter groups)"
            )
        self._restore()

    def _restore(self) -> None:
        self._params: list[Tensor] = self.param_groups[0]["params"]
        self._closure: Callable[[], Any] | None = None
        self._first_loss: Any = None
        self._error: Exception | None = None
        self._cache: tuple[Any, Any] | None = None  # (options, jitted step)
        self._fx_state: tuple[Any, Any] | None = None  # (state['d'] it matches, LBFGSState)

    # -- the objective, evaluated on the host -----------------------------------------------

    def _evaluate(self, *values: Any) -> tuple[Any, ...]:
        """Set the parameters to ``values``, run the closure, return (loss, *grads) as numpy.

        An exception from the closure cannot cross XLA: it is kept, NaNs are returned (the
        loop then stops at its next test) and :meth:`step` re-raises it.
        """
        dtype = self._params[0]._value.dtype
        if self._error is None:
            try:
                with no_grad():
                    for p, value in zip(self._params, values, strict=True):
                        p._inplace("LBFGS.step", Tensor._wrap(jax.device_put(np.array(value))))
                with enable_grad():
                    loss = self._closure()  # type: ignore[misc]
                if self._first_loss is None:
                    self._first_loss = loss
                loss_value = loss.item() if isinstance(loss, Tensor) else float(loss)
                grads = [
                    np.zeros(p.shape, p._value.dtype)
                    if p.grad is None
                    else np.asarray(p.grad._value, p._value.dtype)
                    for p in self._params
                ]
                return (np.asarray(loss_value, dtype), *grads)
            except Exception as error:  # re-raised by step()
                self._error = error
        nan = [np.full(p.shape, np.nan, p._value.dtype) for p in self._params]
        return (np.asarray(np.nan, dtype), *nan)

    def _objective(self, params: tuple[Any, ...]) -> tuple[Any, tuple[Any, ...]]:
        shapes = (
            jax.ShapeDtypeStruct((), params[0].dtype),
            *(jax.ShapeDtypeStruct(p.shape, p.dtype) for p in params),
        )
        out = io_callback(self._evaluate, shapes, *params, ordered=True)
        return out[0], tuple(out[1:])

    def _step_fn(self, group: dict[str, Any]) -> Any:
        options = tuple(
            group[k]
            for k in (
                "lr",
                "max_iter",
                "max_eval",
                "tolerance_grad",
                "tolerance_change",
                "history_size",
                "line_search_fn",
            )
        )
        if self._cache is None or self._cache[0] != options:
            lr, max_iter, max_eval, tol_grad, tol_change, size, ls = options
            if ls not in (None, "strong_wolfe"):
                raise OptimizerError("LBFGS.step: only 'strong_wolfe' is supported")
            opt = fx.lbfgs(
                float(lr.item() if isinstance(lr, Tensor) else lr),
                max_iter,
                max_eval,
                tol_grad,
                tol_change,
                size,
                ls,
            )
            step = jax.jit(functools.partial(opt.step, self._objective))
            self._cache = (options, (opt, step))
        return self._cache[1]

    def step(self, closure: Callable[[], Any] | None = None) -> Any:  # type: ignore[override]
        """Run one torch L-BFGS step (several closure evaluations); return the first loss.

        Args:
            closure: A function that zeroes the gradients, computes the loss, calls
                ``backward()`` and returns the loss (required).

        Returns:
            The loss the closure returned at the first evaluation.

        Raises:
            OptimizerError: Without a closure, or for an unknown ``line_search_fn``.
            UnsupportedError: For complex parameters.

        Example:
            >>> import compat
            >>> from compat.optim import LBFGS
            >>> w = compat.nn.Parameter(compat.ones(1, dtype=compat.float64))
            >>> opt = LBFGS([w])
            >>> def closure():
            ...     opt.zero_grad()
            ...     loss = (w**2).sum()
            ...     loss.backward()
            ...     return loss
            >>> float(opt.step(closure))
            1.0
        """
        _closure_required("LBFGS", closure)
        group = self.param_groups[0]
        for p in self._params:
            if p.is_complex():
                raise UnsupportedError(
                    f"LBFGS.step: complex parameters are not supported (got a {p._describe()})"
                )
        opt, step = self._step_fn(group)
        values = tuple(p._value for p in self._params)
        state = self._load_fx_state(opt, values, group["history_size"])
        self._closure, self._first_loss, self._error = closure, None, None
        try:
            new_values, new_state, _ = step(values, state)
            first, error = self._first_loss, self._error
        finally:
            self._closure, self._first_loss, self._error = None, None, None
        if error is not None:
            with no_grad():
                for p, value in zip(self._params, values, strict=True):
                    p._inplace("LBFGS.step", Tensor._wrap(value))
            raise error
        with no_grad():
            for p, value in zip(self._params, new_values, strict=True):
                p._inplace("LBFGS.step", Tensor._wrap(value))
        self._store_fx_state(new_state, group["history_size"])
        return first

    # -- state in torch's layout ------------------------------------------------------------

    def _load_fx_state(self, opt: Any, values: tuple[Any, ...], size: int) -> Any:
        st = self.state[self._params[0]]
        if self._fx_state is not None and st.get("d") is self._fx_state[0] and st:
            return self._fx_state[1]
        fresh = opt.init(values)
        if not st:
            return fresh
        dtype = np.dtype(fresh.d.dtype)

        def arr(value: Any) -> np.ndarray:
            if isinstance(value, Tensor):
                value = value._value
            return np.asarray(value, dtype)

        old_dirs = st.get("old_dirs") or []
        n = len(old_dirs)
        rows = np.zeros(fresh.old_dirs.shape, dtype)
        stps = np.zeros(fresh.old_stps.shape, dtype)
        ro = np.zeros(fresh.ro.shape, dtype)
        for i in range(min(n, size)):
            rows[i] = arr(old_dirs[i]).reshape(-1)
            stps[i] = arr(st["old_stps"][i]).reshape(-1)
            ro[i] = arr(st["ro"][i]).reshape(())
        return fresh._replace(
            func_evals=np.asarray(int(st.get("func_evals", 0)), np.int32),
            n_iter=np.asarray(int(st.get("n_iter", 0)), np.int32),
            d=arr(st["d"]).reshape(-1) if st.get("d") is not None else fresh.d,
            t=arr(st.get("t") or 0.0).reshape(()),
            old_dirs=rows,
            old_stps=stps,
            ro=ro,
            num_old=np.asarray(min(n, size), np.int32),
            head=np.asarray(0, np.int32),
            H_diag=arr(st["H_diag"]).reshape(()) if st.get("H_diag") is not None else fresh.H_diag,
            prev_flat_grad=(
                arr(st["prev_flat_grad"]).reshape(-1)
                if st.get("prev_flat_grad") is not None
                else fresh.prev_flat_grad
            ),
            prev_loss=arr(st.get("prev_loss") or 0.0).reshape(()),
        )

    def _store_fx_state(self, fs: Any, size: int) -> None:
        st: dict[str, Any] = {"func_evals": int(fs.func_evals), "n_iter": int(fs.n_iter)}
        if st["n_iter"] > 0:
            num_old, head = int(fs.num_old), int(fs.head)
            order = [(head + i) % size for i in range(num_old)]
            dirs, stps, ro = np.asarray(fs.old_dirs), np.asarray(fs.old_stps), np.asarray(fs.ro)
            st.update(
                {
                    "al": [None] * size,
                    "d": Tensor._wrap(fs.d),
                    "t": float(fs.t),
                    "old_dirs": [Tensor._wrap(jax.device_put(dirs[r].copy())) for r in order],
                    "old_stps": [Tensor._wrap(jax.device_put(stps[r].copy())) for r in order],
                    "ro": [Tensor._wrap(jax.device_put(ro[r].copy())) for r in order],
                    "H_diag": Tensor._wrap(fs.H_diag),
                    "prev_flat_grad": Tensor._wrap(fs.prev_flat_grad),
                    "prev_loss": float(fs.prev_loss),
                }
            )
        self.state[self._params[0]] = st
        self._fx_state = (st.get("d"), fs)
