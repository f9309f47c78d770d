"""The library's terms evaluated on a trained network: pointwise values Θ (N, K) and the
left-hand side, their integrals against test functions (weak form, by parts where a term
allows), and the residual ``lhs - Θ_active ξ`` a physics training enforces; for one field
(:class:`LibraryTerms`) or a system of one equation per field (:class:`SystemTerms`)."""

from __future__ import annotations

import abc

import numpy as np

from ..problem.expressions import parse_expression
from ..problem.names import parse_derivative_name
from ..problem.residuals import Residual
from .by_parts import evaluate_plan, plan_names, plan_term
from .equation import Equation, System
from .library import Library
from .weak import WeakForm


def _as_map(output, fields: tuple[str, ...]) -> dict[str, str]:
    """{field: network output} from one output name (one field) or a mapping."""
    return dict(output) if isinstance(output, dict) else {fields[0]: output}


class AbstractTerms(abc.ABC):
    """What a discovery run reads of its library: ``terms``, the labels of the regression's
    columns; ``lhs``, the left-hand side(s) as text; ``n_equations``; and the three below."""

    terms: tuple[str, ...]
    lhs: str
    n_equations: int = 1

    @abc.abstractmethod
    def stacked(self, result, points, outputs, weak: WeakForm | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(Θ, lhs) of ``result``'s network, stacked over trajectories (``outputs``: the
        network's, one per trajectory and field): values at ``points`` (N, d), or with
        ``weak`` their integrals against its test functions (``points`` must be ``weak.points``)."""

    @abc.abstractmethod
    def residuals(self, active, scale: dict[int, float], outputs) -> list[tuple[int, str, Residual]]:
        """(trajectory, term name, residual) of every PDE term a physics training enforces:
        ``lhs - Σ scale_k c_k θ_k`` over the ``active`` columns k, coefficients ``c{k}``."""

    @abc.abstractmethod
    def equation(self, xi: np.ndarray) -> Equation | System:
        """The equation(s) of coefficients ξ (one per column)."""


class LibraryTerms(AbstractTerms):
    """Library terms of one equation ``lhs = Θ ξ``, parsed once over ``fields`` (one name or
    several: the terms may mix them); evaluated for any trajectory's outputs (a name, or
    {field: output name} for several fields)."""

    def __init__(self, library: Library, fields: str | tuple[str, ...], coordinates: tuple[str, ...], lhs: str):
        self.fields = (fields,) if isinstance(fields, str) else tuple(fields)
        self.terms, self.field, self.coordinates, self.lhs = library.terms, self.fields[0], coordinates, lhs
        self.exprs = [parse_expression(t, fields=self.fields, coordinates=coordinates) for t in library.terms]
        if parse_derivative_name(lhs, self.fields, coordinates) is None:
            which = repr(self.field) if len(self.fields) == 1 else f"one of the fields {list(self.fields)}"
            raise ValueError(f"lhs {lhs!r} is not {which} or a derivative of it (e.g. {self.field}_{coordinates[-1]})")
        # integration-by-parts plans of the terms and lhs for the weak form (None: integrate the values)
        self.plans = [plan_term(t, self.fields, coordinates) for t in library.terms + (lhs,)]

    def rename(self, name: str, output) -> str:
        derivative = parse_derivative_name(name, self.fields, self.coordinates)
        if derivative is None:
            return name
        return _as_map(output, self.fields)[derivative.field] + name[len(derivative.field):]

    def needed(self, ks) -> list[str]:
        names = {n for k in ks for n in self.exprs[k].names if n not in self.coordinates}
        return sorted(names | {self.lhs})

    def values(self, result, points: np.ndarray, output, names) -> dict[str, np.ndarray]:
        """{name: values at points} of the network derivatives ``names`` and the coordinates."""
        pred = result.predict(points, [self.rename(n, output) for n in names])
        values = {n: pred[self.rename(n, output)] for n in names}
        values.update({c: points[:, i] for i, c in enumerate(self.coordinates)})
        return values

    def theta(self, values: dict, n: int) -> np.ndarray:
        """Θ (n, K) from :meth:`values`."""
        return np.stack([np.broadcast_to(np.asarray(e(values), float), (n,)) for e in self.exprs], 1)

    def matrix(self, result, points: np.ndarray, output) -> tuple[np.ndarray, np.ndarray]:
        values = self.values(result, points, output, self.needed(range(len(self.terms))))
        return self.theta(values, len(points)), np.asarray(values[self.lhs], float)

    def weak_matrix(self, result, weak: WeakForm, output) -> tuple[np.ndarray, np.ndarray]:
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

    def residual(self, active, scale: dict[int, float], output, offset: int = 0) -> Residual:
        """``lhs - Σ scale_k c_k θ_k`` for trajectory ``output``, coefficients ``c{k}``
        (``c{offset + k}`` and ``scale[offset + k]`` when this equation's terms start there)."""
        local = self.needed(active) + [c for c in self.coordinates]
        renamed = {n: self.rename(n, output) for n in local}
        coefs = [f"c{offset + k}" for k in active]

        def fn(values):
            v = {n: values[renamed[n]] for n in local}
            rhs = sum(scale[offset + k] * values[f"c{offset + k}"] * self.exprs[k](v) for k in active)
            return values[renamed[self.lhs]] - rhs

        text = f"{self.lhs} - ({' + '.join(f'c{offset + k}*({self.terms[k]})' for k in active) or '0'})"
        return Residual(tuple(dict.fromkeys(list(renamed.values()) + coefs)), fn, text)

    def stacked(self, result, points, outputs, weak: WeakForm | None = None):
        if weak is None:
            parts = [self.matrix(result, points, out) for out in outputs]
        else:
            parts = [self.weak_matrix(result, weak, out) for out in outputs]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def residuals(self, active, scale: dict[int, float], outputs):
        return [(j, "pde" if len(outputs) == 1 else f"pde{j}", self.residual(active, scale, out))
                for j, out in enumerate(outputs)]

    def equation(self, xi: np.ndarray) -> Equation:
        return Equation(self.lhs, self.terms, xi)


class SystemTerms(AbstractTerms):
    """One equation ``lhs_f = Θ ξ_f`` per field over one shared library of K terms (built
    from all the fields), posed as one regression over F·K coefficients whose matrix is
    block-diagonal, kron(I_F, Θ): equation f's coefficients are columns f·K..(f+1)·K, its
    rows (every trajectory's) the f-th block of rows. Every stage of a recipe then runs on
    it unchanged; only the selection runs per equation (:class:`~.strategies.PerEquation`).
    ``terms``: the F·K labels ``"lhs:term"``."""

    def __init__(self, library: Library, fields: tuple[str, ...], coordinates: tuple[str, ...], lhs):
        self.fields, self.coordinates, self.library = tuple(fields), tuple(coordinates), library.terms
        if len(lhs) != len(self.fields) or len(set(lhs)) != len(lhs):
            raise ValueError(f"one lhs per field {list(self.fields)}, each different, got {list(lhs)}")
        self.equations = tuple(LibraryTerms(library, self.fields, coordinates, one) for one in lhs)
        self.lhs = ", ".join(lhs)
        self.terms = tuple(f"{one}:{t}" for one in lhs for t in library.terms)

    @property
    def n_equations(self) -> int:
        return len(self.equations)

    def _per_trajectory(self, outputs) -> list[dict[str, str]]:
        f = len(self.fields)
        return [dict(zip(self.fields, outputs[j:j + f])) for j in range(0, len(outputs), f)]

    def stacked(self, result, points, outputs, weak: WeakForm | None = None):
        """(kron(I_F, Θ), lhs of each equation in turn): Θ and each lhs stacked over trajectories."""
        first, k = self.equations[0], len(self.library)
        thetas, lhs = [], []
        for out in self._per_trajectory(outputs):
            if weak is None:
                names = sorted(set(first.needed(range(k))) | {e.lhs for e in self.equations})
                values = first.values(result, points, out, names)
                thetas.append(first.theta(values, len(points)))
                lhs.append([np.asarray(values[e.lhs], float) for e in self.equations])
            else:
                parts = [e.weak_matrix(result, weak, out) for e in self.equations]
                thetas.append(parts[0][0])
                lhs.append([y for _, y in parts])
        theta = np.concatenate(thetas)
        y = np.concatenate([np.concatenate([per[f] for per in lhs]) for f in range(self.n_equations)])
        return np.kron(np.eye(self.n_equations), theta), y

    def residuals(self, active, scale: dict[int, float], outputs):
        k, several = len(self.library), len(outputs) > len(self.fields)
        out = []
        for j, named in enumerate(self._per_trajectory(outputs)):
            for f, eq in enumerate(self.equations):
                mine = [a - f * k for a in active if f * k <= a < (f + 1) * k]
                name = f"pde{j}_{self.fields[f]}" if several else f"pde_{self.fields[f]}"
                out.append((j, name, eq.residual(mine, scale, named, offset=f * k)))
        return out

    def equation(self, xi: np.ndarray) -> System:
        k = len(self.library)
        return System(tuple(Equation(e.lhs, self.library, xi[f * k:(f + 1) * k])
                            for f, e in enumerate(self.equations)))


def make_terms(library: Library, fields: tuple[str, ...], coordinates: tuple[str, ...], lhs=None):
    """The terms object of a run: :class:`LibraryTerms` for one field, :class:`SystemTerms`
    for several; ``lhs`` (one name per field) defaults to each field's derivative in the
    last coordinate."""
    lhs = [lhs] if isinstance(lhs, str) else list(lhs or [f"{f}_{coordinates[-1]}" for f in fields])
    if len(fields) == 1:
        if len(lhs) != 1:
            raise ValueError(f"one lhs for the one field {fields[0]!r}, got {lhs}")
        return LibraryTerms(library, fields[0], coordinates, lhs[0])
    return SystemTerms(library, fields, coordinates, lhs)


def library_matrix(result, library: Library, lhs: str, points: np.ndarray, field: str | None = None,
                   output: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(Θ (N, K), lhs values (N,)) from the trained network's derivatives at points (N, d);
    ``output``: the network field holding ``field`` (one trajectory's output). Without
    ``field`` the terms may use every field of the network (a system's library)."""
    problem = result.compiled.problem
    fields = (field,) if field else tuple(problem.fields)
    lib = LibraryTerms(library, fields, tuple(problem.coordinates), lhs)
    return lib.matrix(result, np.asarray(points, float), {fields[0]: output} if output else {f: f for f in fields})

