"""Early stopping on held-out data: a training callback that tracks the error of the
fields at validation points and ends training when it stops improving (noise is being
fitted), keeping the best parameters seen."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .journal import Tracked


class ValidationStop(Tracked):
    """``callback(info)`` for :func:`pinnjax.solve`; True (stop) after ``patience`` steps
    without a new best validation error.

    ``compiled``: the :class:`~pinnjax.compiled.CompiledProblem` being trained (for its
    field function). ``points`` (N, d), ``values`` (N,) of output column ``columns`` (N,) ints.
    After training, ``best_params`` holds the parameters with the lowest error.
    """

    def __init__(self, compiled, points: np.ndarray, values: np.ndarray, columns: np.ndarray, patience: int = 1000):
        self.compiled, self.patience = compiled, patience
        self.points, self.values, self.columns = points, values, columns
        self.best, self.best_step, self.best_params, self._error = np.inf, 0, None, None

    def error(self, params) -> float:
        """Mean squared error of the fields at the validation points."""
        if self._error is None:
            x, v = jnp.asarray(self.points), jnp.asarray(self.values)
            rows, cols = jnp.arange(len(self.values)), jnp.asarray(self.columns)

            def mse(p):
                pred = jax.vmap(self.compiled.field_function(p))(x.astype(jnp.result_type(float)))
                return jnp.mean((pred[rows, cols] - v) ** 2)

            self._error = jax.jit(mse)
        return float(self._error(params))

    def __call__(self, info) -> bool:
        state = info["state"]
        err = self.error(state.params)
        if err < self.best:
            self.best, self.best_step, self.best_params = err, info["step"], state.params
        return info["step"] - self.best_step >= self.patience

    def snapshot(self) -> tuple[dict, object]:
        return {"best": float(self.best), "best_step": int(self.best_step)}, self.best_params

    def restore(self, extra: dict, extra_params) -> None:
        self.best, self.best_step = float(extra.get("best", np.inf)), int(extra.get("best_step", 0))
        self.best_params = extra_params
