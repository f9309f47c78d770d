"""Energy terms: a scalar function of the fields over a set of points, or over pairs.

The loss of an :class:`Energy` term is the energy itself (times the term's weight), not a
misfit: training lowers it. Three forms:

- per point: ``E = Σ_i e(values at point i)``, e.g. a control energy ``"i**2"``;
- ``pairs=True``: ``E = Σ_{i<j} e(values at i as name_1, values at j as name_2)``, e.g. a
  Lennard-Jones + Coulomb energy of predicted atom coordinates;
- ``sites={...}``: ``E = Σ_i Σ_k e(values at i as name_1, site k as name_2)``: the
  interaction with fixed sites (a pocket of point charges).

In pair forms ``r`` is the distance between the two sides' ``distance`` quantities
(e.g. ``("X", "Y", "Z")``), computed so that its gradient stays finite when the two
coincide. Per-point data (charges, radii) come as the ``values`` of ``pinnjax.Given``
points, named by ``columns``.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping

import jax.numpy as jnp
import numpy as np

from .losses import AbstractLoss, AbstractPointwiseLoss
from .points import Given, Sample, as_points
from .residuals import Namespace, as_residual
from .terms import AbstractTerm, _check_weight

REDUCTIONS = ("sum", "mean")
REDUCE = "sum"
ENERGY_POINTS = 1000  # points of a per-point energy drawn in the interior
DISTANCE = "r"  # the name of the pair distance
SIDES = ("_1", "_2")
MAX_SITES = 100_000


class Value(AbstractPointwiseLoss):
    """The residual itself: an energy term's contributions, summed or averaged as they are."""

    def elementwise(self, r):
        return r


def _as_sites(sites) -> dict[str, np.ndarray] | None:
    if sites is None:
        return None
    if not isinstance(sites, Mapping) or not sites:
        raise TypeError(f"Energy.sites must be a mapping name -> values, e.g. {{'X': [...], 'Q': [...]}}, got {sites!r}")
    out = {}
    for k, v in sites.items():
        if not isinstance(k, str) or not k.isidentifier():
            raise ValueError(f"Energy.sites: {k!r} is not a name; use identifiers such as 'X' or 'Q'")
        arr = np.asarray(v, dtype=np.float64).reshape(-1)
        if not 0 < len(arr) <= MAX_SITES or not np.all(np.isfinite(arr)):
            raise ValueError(f"Energy.sites[{k!r}] must hold 1 to {MAX_SITES} finite numbers, got {v!r}")
        out[k] = arr
    lengths = {len(v) for v in out.values()}
    if len(lengths) != 1:
        raise ValueError(f"Energy.sites columns must have one length (one entry per site), got lengths "
                         f"{ {k: len(v) for k, v in out.items()} }")
    return out


def _names(values, kind: str) -> tuple[str, ...]:
    values = (values,) if isinstance(values, str) else tuple(values)
    for v in values:
        if not isinstance(v, str) or not v.isidentifier():
            raise ValueError(f"Energy.{kind} must name quantities such as 'X' or 'q', got {v!r}")
    return values


@typing.final
class Energy(AbstractTerm):
    """A scalar energy of the fields at ``points``: the term's loss is the energy.

    ``energy``: text or a Python function of named quantities. Per point (default) it
    reads fields, derivatives, coordinates, constants, coefficients and ``columns``, and
    returns one value per point (or, from a Python function, the total as a scalar).
    With ``pairs=True`` or ``sites`` it reads ``name_1`` (point i) and ``name_2`` (point
    j > i, or site k), constants, coefficients and ``r``. ``columns``: names of the
    columns of ``points.values`` (a ``Given``). ``distance``: the quantities whose
    Euclidean distance is ``r``. ``reduce``: ``"sum"`` (the energy) or ``"mean"`` (per
    point). No pointwise loss: the term adds ``weight × energy`` to the total, which may
    be negative.
    """

    energy: object
    points: Sample | Given
    columns: tuple[str, ...]
    pairs: bool
    sites: dict | None
    distance: tuple[str, ...]
    reduce: str
    name: str
    loss: AbstractLoss
    weight: float

    def __init__(self, energy, points=ENERGY_POINTS, *, columns=(), pairs=False, sites=None, distance=(),
                 reduce=REDUCE, name="energy", weight=1.0):
        self.energy, self.points = energy, as_points(points, "interior")
        self.columns, self.distance = _names(columns, "columns"), _names(distance, "distance")
        if not isinstance(pairs, bool):
            raise TypeError(f"Energy.pairs must be True or False, got {pairs!r}")
        self.pairs, self.sites = pairs, _as_sites(sites)
        if pairs and self.sites is not None:
            raise ValueError("Energy takes pairs=True (among its points) or sites (points against fixed sites), not "
                             "both; use two Energy terms")
        if self.distance and not (pairs or self.sites is not None):
            raise ValueError("Energy.distance defines r between the two points of a pair: it needs pairs=True or sites")
        if reduce not in REDUCTIONS:
            raise ValueError(f"Energy.reduce must be one of {', '.join(REDUCTIONS)}, got {reduce!r}")
        self.reduce = reduce
        if self.columns:
            given = self.points.values if isinstance(self.points, Given) else None
            width = 0 if given is None else (1 if given.ndim == 1 else given.shape[1])
            if width != len(self.columns):
                raise ValueError(f"Energy.columns names {len(self.columns)} column(s) {self.columns}, but the points "
                                 f"carry {width}: give pinnjax.Given(points, values) with one column per name")
        self.name, self.loss, self.weight = name, Value(), _check_weight(weight)

    @property
    def paired(self) -> bool:
        return self.pairs or self.sites is not None

    def bind(self, ns):
        where = f"Energy.energy of term {self.name!r}"
        if not self.paired:
            e = as_residual(self.energy, ns.with_extras(self.columns), where)
            fn = _per_point(e, self.columns)
            return self._energy(tuple(n for n in e.names if n not in self.columns), fn)
        sides = self._sides(ns)
        pair_ns = Namespace((), (), ns.constants, ns.coefficients,
                            tuple(n + s for s, names in zip(SIDES, sides) for n in names) + (DISTANCE,))
        e = as_residual(self.energy, pair_ns, where)
        read = tuple(n for n in sides[0] if n not in self.columns) + tuple(n for n in e.names if n in ns.coefficients)
        return self._energy(read, self._pairwise(e, sides))

    def _sides(self, ns) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The base names each side of a pair may read; checks ``distance`` against both."""
        first = tuple(ns.fields) + tuple(ns.coordinates) + self.columns
        second = first if self.sites is None else tuple(self.sites)
        for side, names in (("points", first), ("sites", second)):
            missing = [d for d in self.distance if d not in names]
            if missing:
                raise ValueError(f"Energy.distance of term {self.name!r} reads {missing[0]!r}, which its {side} lack; "
                                 f"they have {', '.join(names)}")
        return first, second

    def _pairwise(self, e, sides):
        """fn(values, _, batch) -> (N,) contributions c_i = Σ_j e_ij over the pairs of i."""
        used = {n[: -len(s)]: s for n in e.names for s in SIDES if n.endswith(s) and n[: -len(s)] in sides[SIDES.index(s)]}
        sites, columns, distance = self.sites, self.columns, self.distance

        def fn(values, _p, batch):
            here = _side(values, batch, columns)
            there = here if sites is None else {k: jnp.asarray(v, batch["x"].dtype) for k, v in sites.items()}
            n, m = batch["x"].shape[0], len(next(iter(there.values())))
            mask = jnp.triu(jnp.ones((n, m), bool), 1) if sites is None else jnp.ones((n, m), bool)
            named = {k: v for k, v in values.items() if k in e.names}
            named.update({b + "_1": here[b][:, None] for b in used if b + "_1" in e.names})
            named.update({b + "_2": there[b][None, :] for b in used if b + "_2" in e.names})
            if DISTANCE in e.names:
                d2 = sum((here[q][:, None] - there[q][None, :]) ** 2 for q in distance)
                named[DISTANCE] = jnp.sqrt(jnp.where(mask, d2, 1.0))  # finite gradient on the diagonal
            pair = jnp.broadcast_to(e.fn(named), (n, m))
            return jnp.where(mask, pair, 0.0).sum(axis=1)

        if DISTANCE in e.names and not distance:
            raise ValueError(f"Energy.distance: term {self.name!r} reads r; name the quantities it is the distance between, "
                             "e.g. distance=('X', 'Y', 'Z')")
        return fn

    def _energy(self, names, fn):
        return dataclasses.replace(self._bound(names, fn), reduce=self.reduce)


def _side(values, batch, columns) -> dict:
    """One side's base quantities at the points: values, and the points' named columns."""
    out = dict(values)
    if columns:
        cols = batch["values"].reshape(batch["x"].shape[0], -1)
        out.update({c: cols[:, k] for k, c in enumerate(columns)})
    return out


def _per_point(e, columns):
    def fn(values, _p, batch):
        named = _side(values, batch, columns)
        v = e.fn({k: named[k] for k in e.names})
        n = batch["x"].shape[0]
        return v / n * jnp.ones(n, v.dtype) if jnp.ndim(v) == 0 else v

    return fn
