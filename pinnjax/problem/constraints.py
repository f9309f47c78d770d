"""Constraint terms: an inequality on any expression, an integral by quadrature.

Both have the shape of every term (points + a residual + a pointwise loss + a weight):

- :class:`Inequality`: the residual is the violation only, ``min(0, e - lower) +
  max(0, e - upper)``, zero where the bound holds (convexity: ``"G_xx >= 0"``).
- :class:`Integral`: one residual per integral, ``∫ integrand - value``, from quadrature
  nodes and weights (:class:`Quadrature`) computed from the domain when the batch is
  drawn and carried in it (``batch["w"]``): fixed arrays, so the compiled step is traced
  once. Normalization (``∫ u² = 1``), mass conservation over time (``per_time``), fluxes.

The defaults below are the one source of both the Python API and the YAML tables.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import re
import typing

import jax
import jax.numpy as jnp
import numpy as np

from ..geometry.shapes import Box, Interval, Rectangle
from ..geometry.spacetime import SpaceTime, TimeInterval
from .expressions import ExpressionError, parse_expression
from .losses import AbstractLoss, residual_loss
from .point_weights import PointWeights
from .points import Given, Sample, as_points
from .residuals import Namespace, as_residual, coordinate_function
from .terms import AbstractTerm, _check_point_weights, _check_weight

INEQUALITY_POINTS = 1000  # points of an inequality term (drawn in the interior)
QUADRATURES = ("gauss", "qmc")
QUADRATURE = "gauss"
GAUSS_ORDER = 32  # Gauss–Legendre nodes per axis
MAX_GAUSS_ORDER = 1024
QMC_POINTS = 4096  # a power of 2: Sobol' points are balanced in blocks of 2^k
MAX_QMC_POINTS = 10_000_000
N_TIMES = 11  # per_time: the integral at this many equally spaced times, t0 and t1 included
MAX_TIMES = 10_000
MAX_NODES = 4_000_000  # Gauss nodes of one integral (order ** axes)
WEIGHTS = "w"  # the batch key of the quadrature weights
INITIAL = "initial"  # Integral value: the integral at t0 (conservation)

_COMPARISON = re.compile(r"(<=|>=|<|>)")
_BOX_GEOMETRIES = (Interval, Rectangle, Box)


# ---------------------------------------------------------------- inequality
def _constant(text: str) -> float | None:
    """The value of ``text`` if it reads no names (``"0"``, ``"pi/2"``), else None."""
    try:
        expr = parse_expression(text)
    except ExpressionError:
        return None
    with jax.enable_x64(True):
        return float(expr({}))


def parse_constraint(text: str) -> tuple[str, float | str | None, float | str | None]:
    """``"G_xx >= 0"`` -> ``("G_xx", 0.0, None)``; ``"0 <= c <= 1"`` -> ``("c", 0.0, 1.0)``.

    Split on ``<=``/``>=`` (``<``/``>`` read the same) with a regex, never ``eval``. In a
    two-sided form the number side is the bound; with names on both sides, ``a >= b``
    becomes ``a - b >= 0``. In ``lo <= e <= hi`` the outer sides are the bounds: numbers
    or text in constants, coefficients and coordinates (checked when the term is bound).
    """
    if not isinstance(text, str):
        raise TypeError(f"an inequality constraint must be text such as 'G_xx >= 0', got {type(text).__name__}")
    pieces = _COMPARISON.split(text)
    sides, ops = [p.strip() for p in pieces[0::2]], pieces[1::2]
    fix = ("write it as a comparison, e.g. 'G_xx >= 0', 'u <= 1' or '0 <= c <= 1' (or give expression= with "
           "lower= and/or upper=)")
    if not ops:
        raise ValueError(f"the constraint {text!r} has no comparison (<= or >=); {fix}")
    if any(not s for s in sides):
        raise ValueError(f"the constraint {text!r} has an empty side; {fix}")
    if len(ops) > 2:
        raise ValueError(f"the constraint {text!r} chains {len(ops)} comparisons; at most two: '0 <= c <= 1'")
    up = [op.startswith("<") for op in ops]
    if len(ops) == 2:
        if up[0] != up[1]:
            raise ValueError(f"the constraint {text!r} mixes < and >; write it as 'lo <= expression <= hi'")
        lo, expr, hi = sides if up[0] else sides[::-1]
        bounds = [_constant(lo), _constant(hi)]
        return expr, (lo if bounds[0] is None else bounds[0]), (hi if bounds[1] is None else bounds[1])
    small, big = sides if up[0] else sides[::-1]  # small <= big
    values = _constant(small), _constant(big)
    if values[0] is not None and values[1] is not None:
        raise ValueError(f"the constraint {text!r} compares two numbers; one side must read a field, e.g. 'u >= 0'")
    if values[0] is not None:
        return big, values[0], None
    if values[1] is not None:
        return small, None, values[1]
    return f"({big}) - ({small})", 0.0, None


def _check_bound(value, key: str):
    if value is None or isinstance(value, str) or (callable(value) and not isinstance(value, numbers.Number)):
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"Inequality.{key} must be a finite number, text in constants/coordinates "
                         f"(e.g. 'c_max') or None, got {value!r}")
    return float(value)


def _slug(text) -> str:
    return text if isinstance(text, str) and text.isidentifier() else ""


def _fixed(bound, ns: Namespace) -> float | None:
    """A bound's value when it reads only constants, else None (it varies, or trains)."""
    if not set(bound.names) <= set(ns.constants):
        return None
    with jax.enable_x64(True):
        return float(jnp.asarray(bound.fn({n: ns.constants[n] for n in bound.names})))


@typing.final
class Inequality(AbstractTerm):
    """``lower <= expression <= upper`` at ``points`` (default: the interior); only the
    violation is penalized.

    ``expression``: text in fields, derivatives, coordinates, constants and coefficients
    (the grammar of a PDE residual, e.g. ``"G_xx"``) or a Python function of named
    quantities. Text with a comparison (``"G_xx >= 0"``, ``"0 <= c <= 1"``) carries its
    own bounds (:func:`parse_constraint`). ``lower``/``upper``: numbers, text in
    constants, coefficients and coordinates, or None; at least one. The residual is
    ``r = min(0, e - lower) + max(0, e - upper)``, zero where the bounds hold, then any
    pointwise loss (``loss="mse"``: the mean squared violation). ``point_weights``: as
    for every pointwise term.
    """

    expression: object
    lower: object
    upper: object
    points: Sample | Given
    name: str
    loss: AbstractLoss
    weight: float
    point_weights: PointWeights | None

    def __init__(self, expression, points=INEQUALITY_POINTS, lower=None, upper=None, *, name=None, loss="mse",
                 weight=1.0, point_weights=None):
        if isinstance(expression, str) and _COMPARISON.search(expression):
            if lower is not None or upper is not None:
                raise ValueError(f"the inequality {expression!r} already compares; give its bounds in the text or "
                                 "as lower=/upper=, not both")
            expression, lower, upper = parse_constraint(expression)
        lower, upper = _check_bound(lower, "lower"), _check_bound(upper, "upper")
        if lower is None and upper is None:
            shown = expression if isinstance(expression, str) else "e"
            raise ValueError(f"an inequality needs lower and/or upper, e.g. lower=0 (keeps {shown} >= 0), or a "
                             f"comparison in the text such as '{shown} >= 0'")
        if isinstance(lower, float) and isinstance(upper, float) and lower > upper:
            raise ValueError(f"Inequality.lower = {lower!r} is above Inequality.upper = {upper!r}, so no value "
                             "satisfies both; swap them")
        self.expression, self.lower, self.upper = expression, lower, upper
        self.points = as_points(points, "interior")
        slug = _slug(expression)
        self.name = name or (f"inequality_{slug}" if slug else "inequality")
        self.loss = residual_loss(loss, "Inequality")
        self.weight = _check_weight(weight)
        self.point_weights = _check_point_weights(point_weights, "Inequality", self.loss)

    def bind(self, ns):
        where = f"term {self.name!r}"
        e = as_residual(self.expression, ns, where)
        lo, hi = (None if b is None else coordinate_function(b, ns, f"Inequality.{key} of {where}")
                  for key, b in (("lower", self.lower), ("upper", self.upper)))
        if lo is not None and hi is not None:
            a, b = _fixed(lo, ns), _fixed(hi, ns)
            if a is not None and b is not None and a > b:
                raise ValueError(f"Inequality.lower = {self.lower!r} ({a:g}) is above Inequality.upper = "
                                 f"{self.upper!r} ({b:g}) in {where}, so no value satisfies both; swap them")

        def fn(values, _p, _b):
            v = e.fn(values)
            r = jnp.zeros_like(v)
            if lo is not None:
                r = r + jnp.minimum(v - lo.fn(values), 0)
            if hi is not None:
                r = r + jnp.maximum(v - hi.fn(values), 0)
            return r

        names = e.names + (lo.names if lo else ()) + (hi.names if hi else ())
        return self._bound(names, fn)


# ---------------------------------------------------------------- integral
def _gauss_unit(order: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Tensor Gauss–Legendre rule on [0, 1]^k: nodes (order^k, k), weights (order^k,)."""
    z, wz = np.polynomial.legendre.leggauss(order)
    u1, w1 = (z + 1) / 2, wz / 2
    if k == 0:
        return np.zeros((1, 0)), np.ones(1)
    u = np.stack([g.ravel() for g in np.meshgrid(*[u1] * k, indexing="ij")], axis=1)
    w = np.prod(np.stack([g.ravel() for g in np.meshgrid(*[w1] * k, indexing="ij")]), axis=0)
    return u, w


def _gauss_interval(a: float, b: float, order: int) -> tuple[np.ndarray, np.ndarray]:
    u, w = _gauss_unit(order, 1)
    return a + u[:, 0] * (b - a), w * (b - a)


@dataclasses.dataclass(frozen=True)
class Quadrature:
    """The points of an :class:`Integral`: nodes and weights of ``over`` (a part of the
    domain), built from the domain when drawn and never resampled.

    ``draw`` gives ``{"x": (N, d), "w": (N,), "normals": (N, d_space)?}``; with
    ``per_time``, N = ``n_times`` blocks of equal size (t0 first), one per time. Padding
    for devices adds nodes of weight 0.
    """

    over: str = "interior"
    quadrature: str = QUADRATURE
    order: int = GAUSS_ORDER
    qmc_points: int = QMC_POINTS
    per_time: bool = False
    n_times: int = N_TIMES
    resample: bool = dataclasses.field(default=False, init=False)

    def __post_init__(self):
        def count(key, value, lo, hi):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not lo <= value <= hi:
                raise ValueError(f"Integral.{key} must be an integer in [{lo}, {hi}], got {value!r}")

        if not isinstance(self.over, str):
            raise TypeError(f"Integral.over must be a part name such as 'interior' or 'left', got {self.over!r}")
        if self.quadrature not in QUADRATURES:
            raise ValueError(f"Integral.quadrature must be one of {', '.join(QUADRATURES)}, got {self.quadrature!r}")
        count("order", self.order, 1, MAX_GAUSS_ORDER)
        count("qmc_points", self.qmc_points, 1, MAX_QMC_POINTS)
        count("n_times", self.n_times, 1, MAX_TIMES)
        if not isinstance(self.per_time, bool):
            raise TypeError(f"Integral.per_time must be True or False, got {self.per_time!r}")

    @property
    def slices(self) -> int:
        """Residuals of the integral: one per time with ``per_time``, else one."""
        return self.n_times if self.per_time else 1

    def check(self, domain) -> None:
        """ValueError naming the parameter if the rule cannot be built on ``domain``."""
        if isinstance(domain, TimeInterval):
            if self.over not in domain.parts:
                raise ValueError(f"Integral.over {self.over!r} is not a part of the domain (TimeInterval); use one "
                                 f"of: {', '.join(domain.parts)}")
            if self.per_time:
                raise ValueError("Integral.per_time integrates over space at each time, and a TimeInterval has no "
                                 "space; drop per_time (over='interior' integrates over time)")
            return
        space_time = isinstance(domain, SpaceTime)
        geometry = domain.geometry if space_time else domain
        if not hasattr(geometry, "measure") or not hasattr(geometry, "part_aliases"):
            raise TypeError(f"an Integral needs a geometry (Interval, Rectangle, Disk, …) or a SpaceTime domain, "
                            f"got {type(domain).__name__}")
        valid = tuple(domain.parts) + tuple(geometry.part_aliases())
        if self.over not in valid:
            raise ValueError(f"Integral.over {self.over!r} is not a part of the domain ({type(domain).__name__}); "
                             f"use one of: {', '.join(valid)}")
        if self.per_time and not space_time:
            raise ValueError("Integral.per_time integrates over space at each time, so it needs a time coordinate: "
                             "make the domain a pinnjax.SpaceTime(geometry, t0, t1)")
        if self.per_time and self.over in ("initial", "final"):
            raise ValueError(f"Integral.per_time integrates at {self.n_times} times, but over={self.over!r} is one "
                             "time; use over='interior' (or a spatial boundary part) with per_time")
        if self.quadrature == "gauss":
            if not isinstance(geometry, _BOX_GEOMETRIES):
                raise ValueError(f"Integral.quadrature 'gauss' (tensor Gauss–Legendre) needs an Interval, Rectangle "
                                 f"or Box geometry, got {type(geometry).__name__}; use quadrature='qmc' (Sobol' "
                                 "points times the measure)")
            axes = geometry.dim + (1 if space_time and self.over not in ("initial", "final") else 0)
            nodes = self.order ** axes
            if nodes > MAX_NODES:
                raise ValueError(f"Integral.order = {self.order} gives {nodes:.3g} Gauss nodes over {axes} axes; "
                                 "lower the order (the rule is exact for polynomials of degree <= 2*order - 1)")

    def nodes(self, domain, rng, multiple_of: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """(x (N, d), w (N,), normals or None); per_time: ``n_times`` equal blocks."""
        self.check(domain)
        if isinstance(domain, TimeInterval):
            return _pad(*self._time(domain, rng), multiple_of)
        if not isinstance(domain, SpaceTime):
            return _pad(*self._spatial(domain, self.over, rng), multiple_of)
        geometry, t0, t1 = domain.geometry, domain.t0, domain.t1
        if self.over in ("initial", "final"):
            x, w, normals = _pad(*self._spatial(geometry, "interior", rng), multiple_of)
            return _with_time(x, np.full(len(x), t0 if self.over == "initial" else t1)), w, normals
        if self.per_time:
            x, w, normals = _pad(*self._spatial(geometry, self.over, rng), multiple_of)
            times = np.linspace(t0, t1, self.n_times)
            return (_with_time(np.tile(x, (len(times), 1)), np.repeat(times, len(x))), np.tile(w, len(times)),
                    None if normals is None else np.tile(normals, (len(times), 1)))
        if self.quadrature == "qmc":
            ps = domain.sample(self.over, self.qmc_points, "sobol", rng)
            measure = domain.measure() if self.over == "interior" else domain.boundary_measure(
                geometry.resolve_part(self.over))
            return _pad(ps.points, np.full(len(ps.points), measure / len(ps.points)), ps.normals, multiple_of)
        xs, ws, normals = self._spatial(geometry, self.over, rng)
        ts, wt = _gauss_interval(t0, t1, self.order)
        x = _with_time(np.repeat(xs, len(ts), axis=0), np.tile(ts, len(xs)))
        w = np.repeat(ws, len(ts)) * np.tile(wt, len(ws))
        return _pad(x, w, None if normals is None else np.repeat(normals, len(ts), axis=0), multiple_of)

    def _spatial(self, geometry, part: str, rng):
        """The rule of ``part`` of a spatial geometry: (x, w, normals or None)."""
        if self.quadrature == "qmc":
            ps = geometry.sample(part, self.qmc_points, "sobol", rng)
            measure = geometry.measure() if part == "interior" else geometry.boundary_measure(
                geometry.resolve_part(part))
            return ps.points, np.full(len(ps.points), measure / len(ps.points)), ps.normals
        lo, hi = (np.asarray(b, np.float64) for b in geometry.bounding_box())
        if part == "interior":
            u, w = _gauss_unit(self.order, geometry.dim)
            return lo + u * (hi - lo), w * np.prod(hi - lo), None
        resolved = geometry.resolve_part(part)
        faces = geometry.boundary_parts if resolved is None else (resolved,)
        rules = [self._face(geometry, f, lo, hi) for f in faces]
        return tuple(np.concatenate(arrays) for arrays in zip(*rules))

    def _face(self, geometry, part: str, lo, hi):
        """Gauss rule on one face of a box: its axis and side read from its outward normal."""
        probe = geometry.sample(part, 1, "uniform", np.random.default_rng(0))
        normal = probe.normals[0]
        axis = int(np.argmax(np.abs(normal)))
        others = [i for i in range(geometry.dim) if i != axis]
        u, w = _gauss_unit(self.order, len(others))
        x = np.empty((len(w), geometry.dim))
        x[:, others] = lo[others] + u * (hi - lo)[others]
        x[:, axis] = hi[axis] if normal[axis] > 0 else lo[axis]
        return x, w * np.prod((hi - lo)[others]), np.tile(normal, (len(w), 1))

    def _time(self, domain, rng):
        """Nodes over a TimeInterval: Gauss or Sobol' in time; an end (or both) weighs 1."""
        if self.over != "interior":
            t = domain.sample(self.over, 1 if self.over in ("initial", "final") else 2, "grid", rng).points
            return np.sort(t, axis=0), np.ones(len(t)), None
        if self.quadrature == "qmc":
            t = domain.sample("interior", self.qmc_points, "sobol", rng).points
            return t, np.full(len(t), domain.measure() / len(t)), None
        t, w = _gauss_interval(domain.t0, domain.t1, self.order)
        return t[:, None], w, None

    def draw(self, domain, rng, multiple_of: int = 1) -> dict[str, np.ndarray]:
        x, w, normals = self.nodes(domain, rng, multiple_of)
        batch = {"x": x, WEIGHTS: w}
        if normals is not None:
            batch["normals"] = normals
        return batch


def _with_time(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    return np.concatenate([x, t[:, None]], axis=1)


def _pad(x, w, normals, multiple_of: int):
    """Copies of the first node with weight 0 up to a multiple of ``multiple_of`` nodes."""
    extra = -len(x) % multiple_of
    if not extra:
        return x, w, normals
    rows = np.zeros(extra, dtype=int)
    return (np.concatenate([x, x[rows]]), np.concatenate([w, np.zeros(extra)]),
            None if normals is None else np.concatenate([normals, normals[rows]]))


@typing.final
class Integral(AbstractTerm):
    """``∫ integrand dx = value`` over part ``over`` of the domain, by quadrature.

    ``integrand``: text or a Python function of named quantities, like a PDE residual
    (``"u**2"``; on boundary parts also ``u_n``, ``n_x``). ``value``: a number or text in
    constants and coefficients; with ``per_time``, also ``"initial"``: the integral at
    t0 (conservation). ``over``: "interior", "boundary", a boundary part, or "initial" /
    "final" (space at t0 / t1) of a ``SpaceTime``; on a ``TimeInterval`` (an ODE) "interior"
    integrates over time and an end part is the value there (weight 1). The residual is one scalar per
    integral, ``∫ - value``, so with ``loss="mse"`` the loss is its square;
    ``per_time=True`` integrates over space at ``n_times`` equally spaced times (t0 and t1
    included) and the loss is the mean over times.

    ``quadrature="gauss"``: tensor Gauss–Legendre with ``order`` nodes per axis (in time
    too, unless ``per_time``) on an Interval, Rectangle or Box (and their faces); exact
    for polynomials of degree <= 2 order - 1 in each variable, and for smooth integrands
    the error falls faster than any power of 1/order. ``quadrature="qmc"``: ``qmc_points``
    scrambled Sobol' points in the part, each weighing measure / N (any geometry; the
    measure of a CSG shape is itself a Monte Carlo estimate); error ~ (log N)^d / N.
    """

    integrand: object
    value: object
    points: Quadrature
    name: str
    loss: AbstractLoss
    weight: float

    def __init__(self, integrand, value, over="interior", quadrature=QUADRATURE, order=GAUSS_ORDER, *,
                 qmc_points=QMC_POINTS, per_time=False, n_times=N_TIMES, name=None, loss="mse", weight=1.0):
        self.points = Quadrature(over, quadrature, order, qmc_points, per_time, n_times)
        if value == INITIAL and not per_time:
            raise ValueError("Integral.value 'initial' compares the integral at each time with the one at t0, so it "
                             "needs per_time=True")
        if not isinstance(value, str) and (isinstance(value, bool) or not isinstance(value, numbers.Real)
                                           or not math.isfinite(value)):
            raise ValueError(f"Integral.value must be a finite number, text in constants and coefficients (e.g. "
                             f"'mass'), or 'initial' with per_time, got {value!r}")
        self.integrand = integrand
        self.value = value if isinstance(value, str) else float(value)
        slug = _slug(integrand)
        self.name = name or (f"integral_{slug}" if slug else "integral")
        self.loss = residual_loss(loss, "Integral")
        self.weight = _check_weight(weight)

    def check_domain(self, domain) -> None:
        self.points.check(domain)

    def bind(self, ns):
        where = f"term {self.name!r}"
        f = as_residual(self.integrand, ns, where)
        target = None
        if self.value != INITIAL:
            scalars = Namespace((), (), ns.constants, ns.coefficients)
            target = as_residual(self.value, scalars, f"Integral.value of {where}")
        slices = self.points.slices

        def fn(values, _p, batch):
            w = batch[WEIGHTS]
            integrals = (w * jnp.broadcast_to(f.fn(values), w.shape)).reshape(slices, -1).sum(axis=1)
            goal = integrals[0] if target is None else target.fn(values)
            return jnp.repeat(integrals - goal, w.shape[0] // slices, total_repeat_length=w.shape[0])

        return self._bound(f.names + (target.names if target else ()), fn)
