"""The library's terms evaluated on a trained network: pointwise values Θ (N, K) and the
left-hand side, their integrals against test functions (weak form, by parts where a term
allows), and the residual ``lhs - Θ_active ξ`` a physics training enforces."""

from __future__ import annotations

import numpy as np

from ..problem.expressions import parse_expression
from ..problem.names import parse_derivative_name
from ..problem.residuals import Residual
from .by_parts import evaluate_plan, plan_names, plan_term
from .library import Library
from .weak import WeakForm


class LibraryTerms:
    """Library terms parsed once for ``field``; evaluated for any output (trajectory) name."""

    def __init__(self, library: Library, field: str, coordinates: tuple[str, ...], lhs: str):
        self.terms, self.field, self.coordinates, self.lhs = library.terms, field, coordinates, lhs
        self.exprs = [parse_expression(t, fields=(field,), coordinates=coordinates) for t in library.terms]
        if parse_derivative_name(lhs, (field,), coordinates) is None:
            raise ValueError(f"lhs {lhs!r} is not {field!r} or a derivative of it (e.g. {field}_{coordinates[-1]})")
        # integration-by-parts plans of the terms and lhs for the weak form (None: integrate the values)
        self.plans = [plan_term(t, (field,), coordinates) for t in library.terms + (lhs,)]

    def rename(self, name: str, output: str) -> str:
        if parse_derivative_name(name, (self.field,), self.coordinates) is None:
            return name
        return output + name[len(self.field):]

    def needed(self, ks) -> list[str]:
        names = {n for k in ks for n in self.exprs[k].names if n not in self.coordinates}
        return sorted(names | {self.lhs})

    def matrix(self, result, points: np.ndarray, output: str) -> tuple[np.ndarray, np.ndarray]:
        names = self.needed(range(len(self.terms)))
        pred = result.predict(points, [self.rename(n, output) for n in names])
        values = {n: pred[self.rename(n, output)] for n in names}
        values.update({c: points[:, i] for i, c in enumerate(self.coordinates)})
        theta = np.stack([np.broadcast_to(np.asarray(e(values), float), (len(points),)) for e in self.exprs], 1)
        return theta, np.asarray(values[self.lhs], float)

    def weak_matrix(self, result, weak: WeakForm, output: str) -> tuple[np.ndarray, np.ndarray]:
        """(Θ (M, K), lhs (M,)): integrals against ``weak``'s M test functions, derivatives moved
        onto the test functions by parts where a term allows (:mod:`.by_parts`)."""
        names = plan_names(self.plans)
        pred = result.predict(weak.points, [self.rename(n, output) for n in names])
        values = {n: np.asarray(pred[self.rename(n, output)], float) for n in names}
        cols = [None if p is None else evaluate_plan(p, values, weak.project) for p in self.plans]
        if any(c is None for c in cols):
            theta, y = self.matrix(result, weak.points, output)
            direct = weak.project(np.column_stack([theta, y]))
            cols = [direct[:, k] if c is None else c for k, c in enumerate(cols)]
        return np.stack(cols[:-1], 1), cols[-1]

    def residual(self, active, scale: dict[int, float], output: str) -> Residual:
        """``lhs - Σ scale_k c_k θ_k`` for trajectory ``output``, coefficients ``c{k}``."""
        local = self.needed(active) + [c for c in self.coordinates]
        renamed = {n: self.rename(n, output) for n in local}
        coefs = [f"c{k}" for k in active]

        def fn(values):
            v = {n: values[renamed[n]] for n in local}
            rhs = sum(scale[k] * values[f"c{k}"] * self.exprs[k](v) for k in active)
            return values[renamed[self.lhs]] - rhs

        text = f"{self.lhs} - ({' + '.join(f'c{k}*({self.terms[k]})' for k in active) or '0'})"
        return Residual(tuple(dict.fromkeys(list(renamed.values()) + coefs)), fn, text)


def library_matrix(result, library: Library, lhs: str, points: np.ndarray, field: str | None = None,
                   output: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(Θ (N, K), lhs values (N,)) from the trained network's derivatives at points (N, d);
    ``output``: the network field holding ``field`` (one trajectory's output)."""
    problem = result.compiled.problem
    field = field or problem.fields[0]
    lib = LibraryTerms(library, field, tuple(problem.coordinates), lhs)
    return lib.matrix(result, np.asarray(points, float), output or field)


def stacked_matrix(lib: LibraryTerms, result, points, outputs, weak: WeakForm | None = None):
    """(Θ, lhs) stacked over trajectories: values at ``points`` (N, d), or with ``weak``
    their integrals against its test functions (``points`` must be ``weak.points``)."""
    if weak is None:
        parts = [lib.matrix(result, points, out) for out in outputs]
    else:
        parts = [lib.weak_matrix(result, weak, out) for out in outputs]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
