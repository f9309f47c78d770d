"""Point constraints: a named quantity equals a value at a few points, which may move.

``Point("E_V", at={"V": "V0"})`` asks the pressure ``-E_V`` to vanish at the equilibrium
volume ``V0``, a trainable coefficient: the point's coordinate is the coefficient's value,
so training moves the point and the curve together. ``Point("V*E_VV", at={"V": "V0"},
value="B0")`` fixes the bulk modulus there. A coordinate of ``at`` is a number (a fixed
point), or the name of a constant or a coefficient (the point follows it).

The points travel in the batch like any term's (:class:`Locations`); the coordinates that
read a name are set inside the compiled loss (``BoundTerm.locate``), so the gradient
reaches the coefficient through the point as well as through the residual.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import typing
from collections.abc import Mapping

import jax.numpy as jnp
import numpy as np

from .losses import AbstractLoss, residual_loss
from .residuals import as_residual, coordinate_function
from .terms import AbstractTerm, _check_weight

MAX_LOCATIONS = 100_000  # points of one Point term: they are listed one by one


def _as_rows(at) -> tuple[dict, ...]:
    """``at``: a mapping coordinate -> number or name, or a list of them (one per point)."""
    rows = [at] if isinstance(at, Mapping) else at
    if isinstance(rows, (str, bytes)) or not hasattr(rows, "__iter__"):
        raise TypeError(f"Point.at must be a mapping such as {{'x': 0.5}} or {{'V': 'V0'}}, or a list of them "
                        f"(one per point), got {at!r}")
    rows = list(rows)
    if not rows or len(rows) > MAX_LOCATIONS:
        raise ValueError(f"Point.at must list 1 to {MAX_LOCATIONS} points, got {len(rows)}")
    out = []
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping) or not row:
            raise TypeError(f"Point.at[{i}] must be a mapping coordinate -> number or name, e.g. {{'x': 0.5}}, "
                            f"got {row!r}")
        clean = {}
        for key, value in row.items():
            if isinstance(value, str):
                if not value.isidentifier():
                    raise ValueError(f"Point.at[{i}].{key} = {value!r}: give a number or the name of a constant "
                                     "or coefficient (e.g. 'V0')")
                clean[key] = value
            elif isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
                raise ValueError(f"Point.at[{i}].{key} must be a finite number or the name of a constant or "
                                 f"coefficient, got {value!r}")
            else:
                clean[key] = float(value)
        out.append(clean)
    return tuple(out)


@dataclasses.dataclass(frozen=True, eq=False)
class Locations:
    """The points of a :class:`Point` term: fixed coordinates, and zeros where a coordinate
    reads a name (set in the compiled loss). Padding for devices repeats the points in turn."""

    rows: tuple[dict, ...]
    resample: bool = dataclasses.field(default=False, init=False)

    def draw(self, domain, rng, multiple_of: int = 1) -> dict[str, np.ndarray]:
        coords = tuple(domain.coordinate_names)
        x = np.array([[v if isinstance(v, float) else 0.0 for v in (r[c] for c in coords)]
                      for r in self.rows], dtype=np.float64)
        n = -(-len(x) // multiple_of) * multiple_of
        return {"x": x[np.arange(n) % len(x)]}


@typing.final
class Point(AbstractTerm):
    """``expression = value`` at the points ``at``; coordinates there may be trainable.

    ``expression``: text or a Python function of named quantities, like a PDE residual
    (``"E_V"``, ``"V*E_VV"``). ``value``: a number or text in coordinates, constants and
    coefficients (``"B0"``). ``at``: ``{coordinate: number or name}`` for one point, or
    a list of them; every coordinate of the domain is given, and a name (a constant or a
    coefficient) makes that coordinate follow it. Fixed coordinates must lie in the
    domain's bounding box; moving ones are kept there only if their coefficient has
    ``bounds``. The loss is the mean pointwise loss over the points, as for every term.
    """

    expression: object
    value: object
    at: tuple[dict, ...]
    points: Locations
    name: str
    loss: AbstractLoss
    weight: float

    def __init__(self, expression, at, value=0.0, *, name=None, loss="mse", weight=1.0):
        self.expression, self.value = expression, value
        self.at = _as_rows(at)
        self.points = Locations(self.at)
        slug = expression if isinstance(expression, str) and expression.isidentifier() else ""
        self.name = name or (f"point_{slug}" if slug else "point")
        self.loss = residual_loss(loss, "Point")
        self.weight = _check_weight(weight)

    def check_domain(self, domain) -> None:
        coords = tuple(domain.coordinate_names)
        lower, upper = domain.bounds()
        for i, row in enumerate(self.at):
            unknown = [k for k in row if k not in coords]
            if unknown:
                raise ValueError(f"Point.at[{i}] of term {self.name!r} names {unknown[0]!r}, which is not a "
                                 f"coordinate; the coordinates are {', '.join(coords)}")
            missing = [c for c in coords if c not in row]
            if missing:
                raise ValueError(f"Point.at[{i}] of term {self.name!r} lacks coordinate(s) {', '.join(missing)}; "
                                 f"give every coordinate ({', '.join(coords)}) a number or a coefficient name")
            for j, c in enumerate(coords):
                v = row[c]
                if isinstance(v, float) and not lower[j] <= v <= upper[j]:
                    raise ValueError(f"Point.at[{i}].{c} = {v:g} of term {self.name!r} lies outside the domain's "
                                     f"range [{lower[j]:g}, {upper[j]:g}] of {c}; move it inside")

    def bind(self, ns):
        e = as_residual(self.expression, ns, f"Point.expression of term {self.name!r}")
        g = coordinate_function(self.value, ns, f"Point.value of term {self.name!r}")
        movers = sorted({v for row in self.at for v in row.values() if isinstance(v, str)})
        for name in movers:
            if name not in ns.constants and name not in ns.coefficients:
                raise ValueError(f"Point.at of term {self.name!r} reads {name!r}, which is neither a constant nor a "
                                 f"coefficient; known: {', '.join(list(ns.constants) + list(ns.coefficients))}")
        rows, coords = self.at, ns.coordinates

        def locate(x, scalars):
            if not movers:
                return x
            n = len(rows)
            built = jnp.stack([jnp.stack([jnp.asarray(scalars[v], x.dtype) if isinstance(v, str) else x[i, j]
                                          for j, v in enumerate(r[c] for c in coords)])
                               for i, r in enumerate(rows)])
            return built[jnp.arange(x.shape[0]) % n]

        bound = self._bound(e.names + g.names + tuple(movers), lambda values, _p, _b: e.fn(values) - g.fn(values))
        return dataclasses.replace(bound, locate=locate)
