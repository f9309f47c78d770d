"""What ``solve`` returns: trained parameters, history, phase reports, evaluation."""

from __future__ import annotations

import dataclasses

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ..engine.compiled import CompiledProblem
from ..engine.derivatives import evaluate_derivatives
from ..problem.names import parse_derivative_name
from .loop import History, PhaseReport


def relative_l2(predicted, reference) -> float:
    """||predicted - reference||₂ / ||reference||₂ over all entries."""
    p = np.asarray(predicted, np.float64).ravel()
    r = np.asarray(reference, np.float64).ravel()
    if p.shape != r.shape:
        raise ValueError(f"relative_l2: predicted has {p.size} values, reference {r.size}")
    mask = np.isfinite(r)
    return float(np.linalg.norm(p[mask] - r[mask]) / np.linalg.norm(r[mask]))


@dataclasses.dataclass
class Result:
    """A trained problem.

    ``params``: {"net": arrays, "coefficients": raw values}; ``history``: per-step
    losses; ``phases``: one :class:`PhaseReport` per phase; ``wall_time`` in seconds;
    ``state``: the final :class:`~pinnjax.train.TrainState`.
    """

    compiled: CompiledProblem
    params: dict
    history: History
    phases: list[PhaseReport]
    wall_time: float
    dtype: object
    state: object = None
    # one jit'd evaluator per tuple of predicted names; jit keeps one compilation per
    # input shape and dtype, and the parameters are an argument (never baked in)
    _evaluators: dict = dataclasses.field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def network(self) -> eqx.Module:
        return eqx.combine(self.params["net"], self.compiled.net_static)

    @property
    def coefficients(self) -> dict[str, float]:
        values = self.compiled.problem.coefficient_values(self.params["coefficients"])
        return {k: float(v) for k, v in values.items()}

    @property
    def final_losses(self) -> dict[str, float]:
        """The last finite loss of each term (NaN if it never had one)."""
        out = {}
        for k, v in self.history.terms.items():
            finite = np.asarray(v)[np.isfinite(v)]
            out[k] = float(finite[-1]) if finite.size else float("nan")
        return out

    def _points(self, points) -> jax.Array:
        x = np.asarray(points, np.float64)
        d = len(self.compiled.problem.coordinates)
        if x.ndim == 1 and d == 1:
            x = x[:, None]
        if x.ndim != 2 or x.shape[1] != d:
            raise ValueError(
                f"points must have shape (N, {d}) with columns {self.compiled.problem.coordinates}, "
                f"got shape {x.shape}"
            )
        return jnp.asarray(x, self.dtype)

    def _evaluator(self, names: tuple[str, ...]):
        """jit'd (params, points (N, d)) -> {name: (N,)}, made once per ``names``."""
        if names in self._evaluators:
            return self._evaluators[names]
        compiled, p = self.compiled, self.compiled.problem
        requests = []
        for n in names:
            d = parse_derivative_name(n, p.fields, p.coordinates)
            if d is None:
                raise ValueError(
                    f"cannot predict {n!r}: not a field or a derivative of one. Fields: "
                    f"{', '.join(p.fields)}; coordinates: {', '.join(p.coordinates)}"
                )
            requests.append(d)
        index = {name: i for i, name in enumerate(p.fields)}

        def evaluate(params, pts):
            return evaluate_derivatives(compiled.field_function(params), pts, requests, index, compiled.method)

        self._evaluators[names] = jax.jit(evaluate)
        return self._evaluators[names]

    def predict(self, points, names=None, batch_size: int = 65536) -> dict[str, np.ndarray]:
        """Fields and named derivatives at points (N, d) -> {name: (N,)}.

        ``names`` defaults to all fields; derivatives like ``"u_x"``, ``"u_xx"`` work.
        Compiled once per ``names`` and batch shape; later calls reuse it.
        """
        p = self.compiled.problem
        names = tuple(p.fields) if names is None else ((names,) if isinstance(names, str) else tuple(names))
        run = self._evaluator(names)
        with jax.enable_x64(self.dtype == jnp.float64):
            x = self._points(points)
            parts = [run(self.params, x[i : i + batch_size]) for i in range(0, x.shape[0], batch_size)]
            return {n: np.concatenate([np.asarray(part[n]) for part in parts]) for n in names}

    def relative_l2(self, points, reference, field: str | None = None) -> float:
        """Relative L2 error of a field at points (N, d) against reference values (N,)."""
        field = field or self.compiled.problem.fields[0]
        return relative_l2(self.predict(points, [field])[field], reference)
