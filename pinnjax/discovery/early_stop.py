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


# Joint trainings end once the rest of their budget could lower the loss by less than this
# fraction of its resolution √(2/N) (why: experiments/discover_speed.py).
PLATEAU = 0.1
PLATEAU_WINDOW = 500  # steps over which the rate of decrease is measured


def check_plateau(plateau) -> None:
    """ValueError unless ``plateau`` is a number in [0, 1]."""
    if isinstance(plateau, bool) or not isinstance(plateau, (int, float)) or not 0.0 <= plateau <= 1.0:
        raise ValueError(f"plateau must be a fraction in [0, 1] of the loss's statistical resolution (e.g. "
                         f"{PLATEAU}; 0: every training runs its whole budget), got {plateau!r}")


class PlateauStop(Tracked):
    """``callback(info)`` that ends a training in its last phase once the rest of that
    phase's budget, at the rate the loss fell over the last ``window`` steps, would lower
    it by less than ``tolerance`` (relative): the remaining steps cannot change the answer
    by an amount the data could tell apart (``tolerance`` a fraction of
    :func:`~.checks.loss_resolution`). Earlier phases always run to their end."""

    def __init__(self, phases, tolerance: float, window: int = PLATEAU_WINDOW):
        if not tolerance > 0 or isinstance(window, bool) or not isinstance(window, int) or window < 1:
            raise ValueError(f"PlateauStop needs tolerance > 0 and window >= 1, got {tolerance!r}, {window!r}")
        self.last, self.budget = len(phases) - 1, phases[-1].steps
        self.tolerance, self.window = tolerance, window
        self.seen: list[tuple[int, float]] = []  # (step within the last phase, loss) at chunk ends

    def __call__(self, info) -> bool:
        state = info["state"]
        if state.phase != self.last or state.phase_step >= self.budget:  # (a phase at its budget ends anyway)
            return False
        step, loss = int(state.phase_step), float(info["total"])
        self.seen.append((step, loss))
        earlier = [(s, value) for s, value in self.seen if s <= step - self.window]
        if not earlier or not np.isfinite(loss) or loss <= 0:
            return False
        start, before = earlier[-1]
        rate = max(before - loss, 0.0) / loss / (step - start)
        return rate * (self.budget - step) < self.tolerance

    def snapshot(self) -> tuple[dict, object]:
        return {"seen": [[s, v] for s, v in self.seen]}, None

    def restore(self, extra: dict, extra_params) -> None:
        self.seen = [(int(s), float(v)) for s, v in extra.get("seen", [])]
