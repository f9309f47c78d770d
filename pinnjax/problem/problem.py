"""A physics problem: domain, fields, terms, constants, trainable coefficients.

>>> import pinnjax as pj
>>> problem = pj.Problem(
...     domain=pj.SpaceTime(pj.Interval(-1.0, 1.0), 0.0, 1.0),
...     fields=("u",),
...     terms=[pj.PDE("u_t + u*u_x - nu*u_xx", 2000),
...            pj.Initial("u", "-sin(pi*x)"), pj.Dirichlet("u", 0.0, on="boundary")],
...     constants={"nu": 0.01 / 3.141592653589793},
... )
>>> problem.coordinates
('x', 't')
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Callable, Mapping, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from ..geometry.base import AbstractDomain
from .residuals import Namespace
from .terms import AbstractTerm, BoundTerm


@dataclasses.dataclass(frozen=True)
class Coefficient:
    """A trainable scalar of an inverse problem.

    ``init``: initial guess (physical units). ``log``: train log(value), for a positive
    coefficient whose scale is unknown. ``bounds``: (lo, hi), the value is kept inside
    through a sigmoid.
    """

    init: float = 1.0
    log: bool = False
    bounds: tuple[float, float] | None = None

    def __post_init__(self):
        if self.log and not self.init > 0:
            raise ValueError(f"Coefficient(log=True) needs init > 0, got init={self.init!r}")
        if self.bounds is not None:
            lo, hi = self.bounds
            if not lo < self.init < hi:
                raise ValueError(
                    f"Coefficient init={self.init!r} must lie strictly inside bounds={self.bounds!r}"
                )

    def raw_init(self) -> float:
        if self.bounds is not None:
            lo, hi = self.bounds
            p = (self.init - lo) / (hi - lo)
            return math.log(p / (1 - p))
        return math.log(self.init) if self.log else float(self.init)

    def value(self, raw: jax.Array) -> jax.Array:
        if self.bounds is not None:
            lo, hi = self.bounds
            return lo + (hi - lo) * jax.nn.sigmoid(raw)
        return jnp.exp(raw) if self.log else raw


def _check_names(kind: str, names: Sequence[str]) -> tuple[str, ...]:
    names = tuple(names)
    for n in names:
        if not isinstance(n, str) or not n.isidentifier():
            raise ValueError(f"{kind} names must be identifiers like 'u' or 'rho', got {n!r}")
    if len(set(names)) != len(names):
        raise ValueError(f"{kind} names must be distinct, got {names}")
    return names


def _unused(coefficients, bound: Sequence[BoundTerm]) -> tuple[str, ...]:
    read = {n for b in bound for n in b.names + b.pair_names}
    return tuple(k for k in coefficients if k not in read)


def unused_coefficient_message(name: str) -> str:
    return (f"coefficient {name} is never used by any term, so training could not identify it; read it in a "
            f"term (e.g. a residual 'u_xx - {name}*u', or an inequality '{name} >= 0') or remove it from the "
            "coefficients")


@dataclasses.dataclass(frozen=True, eq=False)
class Problem:
    """Domain × fields × terms (+ constants, coefficients, an output transform).

    ``transform``: hard constraints, ``transform(x: (d,), y: (m,)) -> (m,)`` maps the
    network output y at point x to the fields, e.g. ``u = -sin(pi x) + t(1-x²) y`` makes
    the initial and boundary conditions exact.
    """

    domain: AbstractDomain
    fields: tuple[str, ...]
    terms: tuple[AbstractTerm, ...]
    constants: Mapping[str, float] = dataclasses.field(default_factory=dict)
    coefficients: Mapping[str, Coefficient] = dataclasses.field(default_factory=dict)
    transform: Callable[[jax.Array, jax.Array], jax.Array] | None = None

    def __post_init__(self):
        fields = (self.fields,) if isinstance(self.fields, str) else self.fields
        object.__setattr__(self, "fields", _check_names("field", fields))
        if not self.fields:
            raise ValueError("Problem.fields is empty; name at least one field, e.g. fields=('u',)")
        if not isinstance(self.domain, AbstractDomain):
            raise TypeError(
                f"Problem.domain must be a geometry (Interval, Rectangle, Disk, …), a SpaceTime or a TimeInterval, "
                f"got {type(self.domain).__name__}; build the region from those shapes, or subclass "
                f"pinnjax.AbstractDomain for a domain of your own"
            )
        terms = tuple(self.terms)
        if not terms:
            raise ValueError("Problem.terms is empty; add at least one term (PDE, Dirichlet, …)")
        for t in terms:
            if not isinstance(t, AbstractTerm):
                raise TypeError(f"Problem.terms holds {t!r}, which is not a term (PDE, Dirichlet, Data, …)")
        names = [t.name for t in terms]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"term names must be distinct; repeated: {dupes}. Pass name=... to tell them apart")
        object.__setattr__(self, "terms", terms)
        for t in terms:
            t.check_domain(self.domain)
        for k, v in self.constants.items():
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or not np.isfinite(v):
                raise ValueError(f"constant {k!r} must be a finite real number, got {v!r}")
        coeffs = {}
        for k, c in self.coefficients.items():
            coeffs[k] = c if isinstance(c, Coefficient) else Coefficient(float(c))
        object.__setattr__(self, "coefficients", coeffs)
        if self.transform is not None and not callable(self.transform):
            raise TypeError(
                "Problem.transform must be a function transform(x: (d,), y: (m,)) -> (m,), "
                f"got {type(self.transform).__name__}"
            )
        taken = set(self.coordinates) | set(self.fields)
        for kind, group in (("constant", self.constants), ("coefficient", coeffs)):
            clash = taken & set(group)
            if clash:
                raise ValueError(f"{kind} name(s) {sorted(clash)} clash with a field or coordinate name")
            taken |= set(group)

    @property
    def coordinates(self) -> tuple[str, ...]:
        return tuple(self.domain.coordinate_names)

    @property
    def spatial_coordinates(self) -> tuple[str, ...]:
        return tuple(self.domain.spatial_coordinate_names)

    def namespace(self) -> Namespace:
        spatial = self.spatial_coordinates  # none on a TimeInterval: no normals there
        normals = tuple(f"{f}_n" for f in self.fields if spatial) + tuple(f"n_{c}" for c in spatial)
        return Namespace(
            self.fields, self.coordinates, dict(self.constants), tuple(self.coefficients), normals
        )

    def bind(self) -> tuple[BoundTerm, ...]:
        """Check every term's names; raises ValueError naming the term and the name, or a
        coefficient that no term reads (training could not move it)."""
        bound = self._bind_terms()
        unused = _unused(self.coefficients, bound)
        if unused:
            raise ValueError(unused_coefficient_message(unused[0]))
        return bound

    def unused_coefficients(self) -> tuple[str, ...]:
        """The coefficients that no term reads, in their order (each is an error in ``bind``)."""
        return _unused(self.coefficients, self._bind_terms())

    def _bind_terms(self) -> tuple[BoundTerm, ...]:
        ns = self.namespace()
        return tuple(t.bind(ns) for t in self.terms)

    def initial_coefficients(self, dtype) -> dict[str, jax.Array]:
        return {k: jnp.asarray(c.raw_init(), dtype) for k, c in self.coefficients.items()}

    def coefficient_values(self, raw: Mapping[str, jax.Array]) -> dict[str, jax.Array]:
        return {k: c.value(raw[k]) for k, c in self.coefficients.items()}

