"""A problem compiled into one pure loss: ``loss_fn(params, batch, weights)``.

``params = {"net": network arrays, "coefficients": {name: raw scalar}}``;
``batch = {term name: {"x": (N, d), ...}}``; ``weights = {term name: scalar}``.
``loss_fn`` returns ``(total, {term name: loss})`` and is jit/vmap/grad-able; the
network's non-array part is static and nothing else is closed over. A term's batch may
also hold its causal ε (``"epsilon"``, a scalar) and its per-point weights
(``"point_weights"``, (N,)); both are arguments, updated between compiled chunks.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ..geometry.base import AbstractDomain
from ..geometry.spacetime import AbstractTimeDomain
from ..problem.causal import EPSILON
from ..problem.losses import AbstractBatchLoss, AbstractTargetLoss
from ..problem.names import parse_derivative_name
from ..problem.point_weights import POINT_WEIGHTS, per_point, weigh
from ..problem.problem import Problem
from ..problem.terms import BoundTerm
from .derivatives import DEFAULT_METHOD, evaluate_derivatives


def domain_bounds(domain: AbstractDomain) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper corners (d,) of the domain's bounding box (time last)."""
    if not isinstance(domain, AbstractDomain):
        raise TypeError(
            f"domain_bounds needs a domain (a geometry such as Interval or Rectangle, a SpaceTime or a TimeInterval), "
            f"got {type(domain).__name__}; subclass pinnjax.AbstractDomain for a domain of your own"
        )
    return domain.bounds()


@dataclasses.dataclass(frozen=True, eq=False)
class CompiledProblem:
    """The pieces training needs: initial params, the loss, the fields' point function.

    ``scale_inputs`` maps the domain's bounding box to [-1, 1]^d before the network.
    """

    problem: Problem
    terms: tuple[BoundTerm, ...]
    net_static: object
    lower: np.ndarray
    upper: np.ndarray
    method: str = DEFAULT_METHOD
    scale_inputs: bool = True
    # one jit'd residual per adaptive term (RAD / RAR-D draws): compiled once, candidates keep their shape
    _pointwise: dict = dataclasses.field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def term_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.terms)

    def field_function(self, params) -> Callable[[jax.Array], jax.Array]:
        """x (d,) -> fields (m,) for the given params."""
        net = eqx.combine(params["net"], self.net_static)
        transform = self.problem.transform
        center = (self.upper + self.lower) / 2
        half = (self.upper - self.lower) / 2

        def f(x):
            z = (x - center.astype(x.dtype)) / half.astype(x.dtype) if self.scale_inputs else x
            y = jnp.atleast_1d(net(z))
            return y if transform is None else jnp.atleast_1d(transform(x, y))

        return f

    def values_at(self, params, x: jax.Array, names, normals=None) -> dict[str, jax.Array]:
        """Every named quantity at points x (N, d) -> {name: (N,) or scalar}."""
        p = self.problem
        coords, spatial = p.coordinates, p.spatial_coordinates
        field_index = {f: i for i, f in enumerate(p.fields)}
        requests, values = {}, {}
        for name in names:
            d = parse_derivative_name(name, p.fields, coords)
            if d is not None:
                requests[name] = d
            elif name.endswith("_n") and name[:-2] in p.fields:
                for c in spatial:
                    g = f"{name[:-2]}_{c}"
                    requests[g] = parse_derivative_name(g, p.fields, coords)
        if requests:
            values.update(
                evaluate_derivatives(
                    self.field_function(params), x, list(requests.values()), field_index, self.method
                )
            )
        for i, c in enumerate(coords):
            values[c] = x[:, i]
        values.update({k: jnp.asarray(v, x.dtype) for k, v in p.constants.items()})
        values.update(p.coefficient_values(params["coefficients"]))
        if normals is not None:
            for i, c in enumerate(spatial):
                values[f"n_{c}"] = normals[:, i]
            for f in p.fields:
                if f"{f}_n" in names:
                    values[f"{f}_n"] = sum(normals[:, i] * values[f"{f}_{c}"] for i, c in enumerate(spatial))
        missing = [n for n in names if n not in values]
        if missing:
            raise ValueError(
                f"{missing} can only be read on boundary points with normals; use the term "
                "on a boundary part (on='left', 'boundary', …)"
            )
        return values

    def term_residual(self, term: BoundTerm, params, batch: Mapping[str, jax.Array]) -> jax.Array:
        """The term's residual (N,) or (N, k); a term comparing predictions with labels
        (``observed``) gives its per-point loss there, or prediction - observed for a batch loss."""
        out = self.term_output(term, params, batch)
        if term.observed is None:
            return out
        if isinstance(term.loss, AbstractTargetLoss):
            return term.loss.pointwise(out, term.observed(batch))
        return out - term.observed(batch).reshape(out.shape)

    def term_output(self, term: BoundTerm, params, batch: Mapping[str, jax.Array]) -> jax.Array:
        """What the term's function returns at its points: residuals, or predictions."""
        x = batch["x"]
        if term.locate is not None:  # points that follow constants or coefficients
            scalars = {k: jnp.asarray(v, x.dtype) for k, v in self.problem.constants.items()}
            x = term.locate(x, {**scalars, **self.problem.coefficient_values(params["coefficients"])})
        values = self.values_at(params, x, term.names, batch.get("normals"))
        pair_values = {}
        if term.pair_axis is not None:
            x_pair = x.at[:, term.pair_axis].set(jnp.asarray(self.upper[term.pair_axis], x.dtype))
            pair_values = self.values_at(params, x_pair, term.pair_names)
        r = term.fn(values, pair_values, batch)
        return jnp.broadcast_to(r, x.shape[:1] + jnp.shape(r)[1:])

    def term_losses(self, params, batch) -> dict[str, jax.Array]:
        return {t.name: self.term_loss(t, params, batch[t.name]) for t in self.terms}

    def term_loss(self, t: BoundTerm, params, batch: Mapping[str, jax.Array]) -> jax.Array:
        """One term's loss on its batch: the mean pointwise loss (mean λ_i l_i with point
        weights), or its causal reduction."""
        if isinstance(t.loss, AbstractBatchLoss):  # one value for the batch (RMSE, soft-F1, MCC, edit distance)
            out = self.term_output(t, params, batch)
            target = jnp.zeros_like(out) if t.observed is None else t.observed(batch)
            return t.loss.batch(out, target)
        pointwise = self._trained_pointwise(t, params, batch)
        if t.causal is None:
            return pointwise.sum() if t.reduce == "sum" else pointwise.mean()
        return t.causal.reduce(pointwise, batch, *self._time_span())

    def _trained_pointwise(self, t: BoundTerm, params, batch) -> jax.Array:
        """The pointwise loss as trained: λ_i l_i (N,) with point weights, else l (N,) or (N, k)."""
        pointwise = self._loss_per_point(t, params, batch)
        if t.point_weights is None:
            return pointwise
        return weigh(pointwise, batch[POINT_WEIGHTS])

    def _loss_per_point(self, t: BoundTerm, params, batch) -> jax.Array:
        """The loss at each point, unweighted: l(r_i), or a target loss's own per-point value."""
        r = self.term_residual(t, params, batch)
        return r if isinstance(t.loss, AbstractTargetLoss) else t.loss(r)

    def point_losses(self, params, batch) -> dict[str, jax.Array]:
        """{term with point weights: its per-point loss l_i (N,), unweighted} (what their
        update reads)."""
        return {t.name: per_point(self._loss_per_point(t, params, batch[t.name]))
                for t in self.terms if t.point_weights is not None}

    def _time_span(self) -> tuple[float, float]:
        return float(self.lower[-1]), float(self.upper[-1])

    def causal_min_weights(self, params, batch) -> dict[str, jax.Array]:
        """{causal term: its smallest time-slice weight} (what the ε schedule reads)."""
        return {t.name: t.causal.min_weight(self._trained_pointwise(t, params, batch[t.name]), batch[t.name],
                                            *self._time_span())
                for t in self.terms if t.causal is not None}

    def loss_fn(self, params, batch, weights) -> tuple[jax.Array, dict[str, jax.Array]]:
        """(total, per-term losses); total = sum of weight × term loss."""
        losses = self.term_losses(params, batch)
        total = sum(weights[n] * losses[n] for n in self.term_names)
        return total, losses

    def draw_batch(self, rng: np.random.Generator, previous=None, multiple_of: int = 1, params=None):
        """Host arrays for every term; with ``previous``, only resampled terms change; with
        ``params``, adaptive terms draw where their residual is large (RAR-D refines the
        term's ``previous`` points). Redrawn points get point weights 1."""
        batch = {}
        for t in self.terms:
            if previous is not None and not t.points.resample:
                batch[t.name] = previous[t.name]
                continue
            adaptive = getattr(t.points, "adaptive", None)
            if adaptive is not None and params is not None:
                before = previous.get(t.name) if previous is not None else None
                b = self._adaptive_draw(t, adaptive, rng, multiple_of, params, before)
            else:
                b = self._drawn(t, t.points, rng, multiple_of)
            if t.causal is not None:  # ε: kept across redraws (the schedule owns it)
                kept = previous.get(t.name, {}).get(EPSILON) if previous is not None else None
                b[EPSILON] = t.causal.initial(b["x"].dtype) if kept is None else kept
            if t.point_weights is not None and POINT_WEIGHTS not in b:  # new points: λ = 1
                b[POINT_WEIGHTS] = t.point_weights.initial(len(b["x"]), b["x"].dtype)
            batch[t.name] = b
        return batch

    def _drawn(self, t: BoundTerm, points, rng, multiple_of: int) -> dict[str, np.ndarray]:
        b = points.draw(self.problem.domain, rng, multiple_of)
        if t.pair_axis is not None:
            b["x"] = b["x"].copy()
            b["x"][:, t.pair_axis] = self.lower[t.pair_axis]
        return b

    def _adaptive_draw(self, t: BoundTerm, adaptive, rng, multiple_of: int, params,
                       previous=None) -> dict[str, np.ndarray]:
        """``candidates`` x n fresh points, ``adaptive.replaced(n)`` of them drawn with
        probability rising with the residual at ``params``: all n (RAD), or as many as
        :meth:`_refined` replaces in ``previous`` (RAR-D; fresh points without it)."""
        n = -(-t.points.n // multiple_of) * multiple_of
        candidates = self._drawn(t, dataclasses.replace(t.points, n=n * adaptive.candidates), rng, 1)
        if adaptive.replaced(n) == n:
            keep = adaptive.choose(rng, self._residual_at(t, params, candidates), n)
            return {k: v[keep] for k, v in candidates.items()}
        current = self._drawn(t, t.points, rng, multiple_of) if previous is None else previous
        return self._refined(t, adaptive, rng, params, current, candidates)

    def _refined(self, t: BoundTerm, adaptive, rng, params, current, candidates) -> dict[str, np.ndarray]:
        """RAR-D: the rows of ``current`` with the smallest residual take candidates drawn
        with the residual density; kept rows keep their arrays, new rows get point weights 1."""
        n = len(current["x"])
        both = {k: np.concatenate([np.asarray(current[k], np.float64), v]) for k, v in candidates.items()}
        residual = self._residual_at(t, params, both)  # one evaluation, one shape: current and candidates
        rows = adaptive.lowest(residual[:n], n)
        chosen = adaptive.choose(rng, residual[n:], len(rows))
        b = {k: np.array(v, copy=True) for k, v in current.items()}
        for k, v in candidates.items():
            b[k] = both[k][:n].copy()
            b[k][rows] = v[chosen]
        if POINT_WEIGHTS in b:
            b[POINT_WEIGHTS][rows] = 1
        return b

    def _residual_at(self, t: BoundTerm, params, points: dict[str, np.ndarray]) -> np.ndarray:
        """The term's residual at host ``points`` (one jit per term and shape)."""
        if t.name not in self._pointwise:
            self._pointwise[t.name] = jax.jit(lambda p, b, t=t: self.term_residual(t, p, b))
        dtype = jax.tree_util.tree_leaves(params)[0].dtype
        return np.asarray(self._pointwise[t.name](params, {k: np.asarray(v, dtype) for k, v in points.items()}))

    def initial_weights(self, dtype) -> dict[str, jax.Array]:
        return {t.name: jnp.asarray(t.weight, dtype) for t in self.terms}


def compile_problem(problem: Problem, network, method: str = DEFAULT_METHOD, scale_inputs: bool = True):
    """Bind the problem's terms and split the network; returns (CompiledProblem, net arrays)."""
    terms = problem.bind()
    causal = [t.name for t in terms if t.causal is not None]
    if causal and not isinstance(problem.domain, AbstractTimeDomain):
        raise ValueError(f"term(s) {causal} use causal weighting, which needs a time coordinate: make the domain "
                         "a pinnjax.SpaceTime(geometry, t0, t1) or a pinnjax.TimeInterval(t0, t1)")
    arrays, static = eqx.partition(network, eqx.is_inexact_array)
    lower, upper = domain_bounds(problem.domain)
    compiled = CompiledProblem(problem, terms, static, lower, upper, method, scale_inputs)
    return compiled, arrays
