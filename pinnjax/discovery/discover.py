"""PDE discovery from data: fit, select terms by sparse regression, retrain with physics.

1. Fit the network to the data (a Data term).
2. At collocation points, evaluate the library Θ and the left-hand side (e.g. ``u_t``)
   from the network's derivatives; choose the active set by STLSQ with an automatic
   threshold (validation error + sparsity penalty).
3. Retrain network and coefficients jointly on data + the residual ``lhs - Θ_active ξ``:
   an unregularized fit of the kept terms, coefficients in physical units.
4. Re-select on the retrained network (the set only shrinks); if it shrank, retrain
   with the smaller set (at most ``max_rounds`` times).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..expressions import parse_expression
from ..points import Given
from ..problem import Coefficient, Problem
from ..solve import solve
from ..terms import PDE, Data
from .library import Library
from .sparse import choose_threshold, refit


@dataclasses.dataclass(frozen=True)
class Equation:
    """``lhs = Σ coefficients[k] · terms[k]`` over the nonzero coefficients."""

    lhs: str
    terms: tuple[str, ...]
    coefficients: np.ndarray

    @property
    def mask(self) -> np.ndarray:
        return self.coefficients != 0

    def active(self) -> dict[str, float]:
        return {t: float(c) for t, c in zip(self.terms, self.coefficients) if c != 0}

    def __str__(self) -> str:
        parts = []
        for term, c in self.active().items():
            sign = "-" if c < 0 else "+"
            body = f"{abs(c):.5g}" if term == "1" else f"{abs(c):.5g} {term}"
            parts.append(f"{sign} {body}")
        rhs = " ".join(parts).lstrip("+ ") if parts else "0"
        if rhs.startswith("- "):
            rhs = "-" + rhs[2:]
        return f"{self.lhs} = {rhs}"


@dataclasses.dataclass
class DiscoveryResult:
    """The discovered equation, the selection rounds, and the final training result."""

    equation: Equation
    rounds: list
    result: object


def library_matrix(result, library: Library, lhs: str, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(Θ (N, K), lhs values (N,)) from the trained network's derivatives at points (N, d)."""
    problem = result.compiled.problem
    exprs = [parse_expression(t, fields=problem.fields, coordinates=problem.coordinates) for t in library.terms]
    coords = set(problem.coordinates)
    names = sorted({n for e in exprs for n in e.names if n not in coords} | {lhs})
    values = result.predict(points, names)
    values.update({c: points[:, i] for i, c in enumerate(problem.coordinates)})
    theta = np.stack([np.broadcast_to(np.asarray(e(values), float), (len(points),)) for e in exprs], axis=1)
    return theta, np.asarray(values[lhs], float)


def discover(domain, points: np.ndarray, values: np.ndarray, network, library: Library, *, field: str = "u",
             lhs: str | None = None, fit_phases, physics_phases, n_collocation: int = 4000,
             penalty: float = 1e-3, data_loss: str = "mse", dtype: str = "float64", seed: int = 0,
             max_rounds: int = 3) -> DiscoveryResult:
    """Discover ``lhs = Θ ξ`` from measurements ``values`` (N,) of ``field`` at ``points`` (N, d)."""
    coords = tuple(domain.coordinate_names)
    lhs = lhs or f"{field}_{coords[-1]}"
    rng = np.random.default_rng(seed)
    data = Data(field, Given(points, values), loss=data_loss)
    fit = solve(Problem(domain, (field,), [data]), network, fit_phases, dtype=dtype, seed=seed)
    colloc = domain.sample("interior", n_collocation, "sobol", rng).points
    theta, y = library_matrix(fit, library, lhs, colloc)
    tau, mask = choose_threshold(theta, y, rng, penalty)
    rounds = [{"stage": "fit", "threshold": tau, "terms": [t for t, m in zip(library.terms, mask) if m]}]
    network = fit.network
    for _ in range(max_rounds):
        xi = refit(theta, y, mask)
        active = [k for k in range(len(library)) if mask[k]]
        # Each coefficient is trained as a multiple of its least-squares estimate, so all
        # are O(1) for the optimizer whatever their physical scale (1 vs 0.003).
        scale = {k: float(xi[k]) if xi[k] != 0 else 1.0 for k in active}
        rhs = " + ".join(f"{scale[k]!r}*c{k}*({library.terms[k]})" for k in active) or "0"
        coefficients = {f"c{k}": Coefficient(1.0) for k in active}
        pde = PDE(f"{lhs} - ({rhs})", Given(np.concatenate([points, colloc])), name="pde")
        physics = Problem(domain, (field,), [data, pde], coefficients=coefficients)
        result = solve(physics, network, physics_phases, dtype=dtype, seed=seed)
        network = result.network
        theta, y = library_matrix(result, library, lhs, colloc)
        tau, new_mask = choose_threshold(theta, y, rng, penalty, mask=mask)
        rounds.append({"stage": "physics", "threshold": tau, "terms": [t for t, m in zip(library.terms, new_mask) if m]})
        if np.array_equal(new_mask, mask):
            break
        mask = new_mask
    trained = result.coefficients
    final = np.array([scale[k] * trained[f"c{k}"] if mask[k] else 0.0 for k in range(len(library))])
    return DiscoveryResult(Equation(lhs, library.terms, final), rounds, result)
