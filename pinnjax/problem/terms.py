"""Loss terms: named points + a pointwise residual + a pointwise loss + a weight.

Every part of a problem is a term: PDE residuals, boundary and initial conditions,
data. A term is *bound* to a problem's :class:`~pinnjax.residuals.Namespace` before
compiling, which checks every name it reads and yields a :class:`BoundTerm`.
Values of conditions (``value=``) are numbers, text in the coordinates
(``"-sin(pi*x)"``) or Python functions of named coordinates (``lambda x, t: ...``).
"""

from __future__ import annotations

import abc
import dataclasses
import typing
from collections.abc import Callable, Mapping

import equinox as eqx
import jax
import jax.numpy as jnp

from .causal import Causal
from .losses import AbstractLoss, check_reduction, get_loss, reads_residuals, residual_loss
from .point_weights import PointWeights
from .points import Given, Sample, as_points
from .residuals import Namespace, as_residual, coordinate_function

Values = Mapping[str, jax.Array]


@dataclasses.dataclass(frozen=True)
class BoundTerm:
    """A term checked against a namespace, ready to compile.

    ``names`` are read at the batch points ``x`` and ``pair_names`` at ``x_pair``
    (periodic terms); ``fn(values, pair_values, batch) -> (N,) or (N, k)``.
    ``locate(x, scalars) -> x``: moves points to where constants and coefficients say
    (:class:`~pinnjax.problem.point_terms.Point`). ``reduce``: the term's loss is the
    ``"mean"`` of its pointwise losses, or their ``"sum"`` (an energy). ``observed(batch)``:
    set when ``fn`` returns predictions to compare with labels (a data term with a
    classification or divergence loss), not residuals.
    """

    name: str
    names: tuple[str, ...]
    pair_names: tuple[str, ...]
    fn: Callable[[Values, Values, Mapping[str, jax.Array]], jax.Array]
    loss: AbstractLoss
    weight: float
    points: Sample | Given
    pair_axis: int | None = None
    causal: Causal | None = None
    point_weights: PointWeights | None = None
    locate: Callable[[jax.Array, Values], jax.Array] | None = None
    reduce: str = "mean"
    observed: Callable[[Mapping[str, jax.Array]], jax.Array] | None = None


class AbstractTerm(eqx.Module):
    """Base of all terms: ``name``, ``points``, ``loss``, ``weight``; every final term also
    takes ``point_weights``: self-adaptive per-point weights
    (:class:`~pinnjax.problem.point_weights.PointWeights`) or None."""

    name: eqx.AbstractVar[str]
    points: eqx.AbstractVar[Sample | Given]
    loss: eqx.AbstractVar[AbstractLoss]
    weight: eqx.AbstractVar[float]

    @abc.abstractmethod
    def bind(self, ns: Namespace) -> BoundTerm:
        """Check names against ``ns`` and build the residual."""

    def check_domain(self, domain) -> None:
        """Check what the term needs of ``domain`` (called by ``Problem``); nothing by default."""

    def _bound(self, names, fn, pair_names=(), pair_axis=None) -> BoundTerm:
        return BoundTerm(
            self.name, tuple(dict.fromkeys(names)), tuple(pair_names), fn,
            self.loss, float(self.weight), self.points, pair_axis, getattr(self, "causal", None),
            getattr(self, "point_weights", None),
        )


def _check_point_weights(value, owner: str, loss=None) -> PointWeights | None:
    if value is not None and not isinstance(value, PointWeights):
        raise TypeError(f"{owner}.point_weights must be a pinnjax.PointWeights(lr=..., decay=..., every=...) or "
                        f"None, got {type(value).__name__}")
    if loss is not None:
        check_reduction(loss, owner, value)
    return value


def _check_normals(term, domain) -> None:
    """A normal derivative needs space: a domain of time alone (TimeInterval) has no normals."""
    if not domain.spatial_coordinate_names:
        raise ValueError(
            f"{type(term).__name__} term {term.name!r} reads a normal derivative, but a {type(domain).__name__} has "
            "no spatial boundary (only time); set a rate instead, e.g. Initial('x_t', 0.0) or "
            "Dirichlet('x_t', 0.0, on='final')")


def _check_weight(weight) -> float:
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not weight >= 0:
        raise ValueError(f"weight must be a number >= 0, got {weight!r}")
    return float(weight)


class PDE(AbstractTerm):
    """A residual that should vanish at ``points`` (default: the interior).

    ``residual``: text (``"u_t + u*u_x - nu*u_xx"``) or a Python function of named
    quantities (``lambda u_t, u, u_x, u_xx, nu: ...``). Any point set works, so this
    is also the general term for custom boundary residuals. ``causal``: weight the
    residual over time slices so that later times train only once earlier ones are
    fitted (:class:`~pinnjax.problem.causal.Causal`; needs a ``SpaceTime`` or ``TimeInterval``).
    ``point_weights``: a self-adaptive weight per point, rising where the residual stays
    large (:class:`~pinnjax.problem.point_weights.PointWeights`).
    """

    residual: object
    points: Sample | Given
    name: str = "pde"
    loss: AbstractLoss = eqx.field(default_factory=lambda: get_loss("mse"))
    weight: float = 1.0
    causal: Causal | None = None
    point_weights: PointWeights | None = None

    def __init__(self, residual, points=1000, *, name="pde", loss="mse", weight=1.0, causal=None,
                 point_weights=None):
        self.residual = residual
        self.points = as_points(points, "interior")
        self.name = name
        self.loss = residual_loss(loss, "PDE")
        self.weight = _check_weight(weight)
        check_reduction(self.loss, "PDE", point_weights, causal)
        if causal is not None and not isinstance(causal, Causal):
            raise TypeError(f"PDE.causal must be a pinnjax.Causal(slices=..., epsilon=...) or None, "
                            f"got {type(causal).__name__}")
        self.causal = causal
        self.point_weights = _check_point_weights(point_weights, "PDE", self.loss)

    def bind(self, ns):
        r = as_residual(self.residual, ns, f"term {self.name!r}")
        return self._bound(r.names, lambda values, _p, _b: r.fn(values))


class AbstractValueCondition(AbstractTerm):
    """``target - value`` on a point set; ``value`` is a function of the coordinates.

    The final subclasses (Dirichlet, Neumann, Initial) choose the target, the default
    points and the name in ``__init__``, and which names the target may read.
    """

    target: str
    value: object
    points: Sample | Given
    name: str
    loss: AbstractLoss
    weight: float
    point_weights: PointWeights | None

    def __init__(self, target, value, points, name, loss, weight, point_weights=None):
        self.target = target
        self.value = value
        self.points = points
        self.name = name
        self.loss = residual_loss(loss, type(self).__name__)
        self.weight = _check_weight(weight)
        self.point_weights = _check_point_weights(point_weights, type(self).__name__, self.loss)

    @abc.abstractmethod
    def target_namespace(self, ns: Namespace) -> Namespace:
        """The names ``target`` may read."""

    def bind(self, ns):
        where = f"term {self.name!r}"
        target = as_residual(self.target, self.target_namespace(ns), where)
        g = coordinate_function(self.value, ns, f"value of term {self.name!r}")

        def fn(values, _p, _b):
            return target.fn(values) - g.fn(values)

        return self._bound(target.names + g.names, fn)


@typing.final
class Dirichlet(AbstractValueCondition):
    """``field = value`` on boundary part ``on`` (``field`` may name a derivative)."""

    def __init__(self, field, value=0.0, on="boundary", points=100, *, name=None, loss="mse", weight=1.0,
                 point_weights=None):
        points = as_points(points, on)
        super().__init__(field, value, points, name or f"dirichlet_{on}_{field}", loss, weight, point_weights)

    def target_namespace(self, ns):
        return ns


@typing.final
class Neumann(AbstractValueCondition):
    """Outward normal derivative ``d field / dn = value`` on boundary part ``on``."""

    def __init__(self, field, value=0.0, on="boundary", points=100, *, name=None, loss="mse", weight=1.0,
                 point_weights=None):
        points = as_points(points, on)
        super().__init__(f"{field}_n", value, points, name or f"neumann_{on}_{field}", loss, weight, point_weights)

    def target_namespace(self, ns):
        return ns.with_extras((self.target,))

    def check_domain(self, domain):
        _check_normals(self, domain)


@typing.final
class Initial(AbstractValueCondition):
    """``field = value`` at the initial time; ``field="u_t"`` sets the initial rate."""

    def __init__(self, field, value, points=200, *, name=None, loss="mse", weight=1.0, point_weights=None):
        points = as_points(points, "initial")
        super().__init__(field, value, points, name or f"initial_{field}", loss, weight, point_weights)

    def target_namespace(self, ns):
        return ns


class Robin(AbstractTerm):
    """``alpha * field + beta * d field/dn = value`` on boundary part ``on``."""

    field: str
    alpha: float
    beta: float
    value: object
    points: Sample | Given
    name: str
    loss: AbstractLoss
    weight: float
    point_weights: PointWeights | None

    def __init__(self, field, alpha, beta, value=0.0, on="boundary", points=100, *, name=None, loss="mse", weight=1.0,
                 point_weights=None):
        self.field, self.alpha, self.beta, self.value = field, float(alpha), float(beta), value
        self.points = as_points(points, on)
        self.name = name or f"robin_{on}_{field}"
        self.loss = residual_loss(loss, "Robin")
        self.weight = _check_weight(weight)
        self.point_weights = _check_point_weights(point_weights, "Robin", self.loss)

    def check_domain(self, domain):
        _check_normals(self, domain)

    def bind(self, ns):
        u = as_residual(self.field, ns, f"term {self.name!r}")
        g = coordinate_function(self.value, ns, f"value of term {self.name!r}")
        normal = f"{self.field}_n"

        def fn(values, _p, _b):
            return self.alpha * values[self.field] + self.beta * values[normal] - g.fn(values)

        return self._bound(u.names + (normal,) + g.names, fn)


class Data(AbstractTerm):
    """Measured values of fields or derivatives at given points.

    ``targets``: one name (``"u"``) or several (``("u", "v")``) matching the columns
    of ``points.values``.
    """

    targets: tuple[str, ...]
    points: Given
    name: str
    loss: AbstractLoss
    weight: float
    point_weights: PointWeights | None

    def __init__(self, targets, points: Given, *, name="data", loss="mse", weight=1.0, point_weights=None):
        self.targets = (targets,) if isinstance(targets, str) else tuple(targets)
        if not isinstance(points, Given) or points.values is None:
            raise TypeError("Data needs points=pinnjax.Given(points, values) with values")
        self.loss = get_loss(loss)
        columns = 1 if points.values.ndim == 1 else points.values.shape[1]
        labels = not reads_residuals(self.loss) and columns == 1  # class ids, one column for k predicted fields
        if columns != len(self.targets) and not labels:
            raise ValueError(
                f"Data term {name!r}: {len(self.targets)} targets {self.targets} but values "
                f"have {columns} column(s); give one column per target"
            )
        self.points, self.name = points, name
        self.weight = _check_weight(weight)
        self.point_weights = _check_point_weights(point_weights, "Data", self.loss)

    def bind(self, ns):
        for t in self.targets:
            as_residual(t, ns, f"term {self.name!r}")
        if not reads_residuals(self.loss):  # predictions against labels or target distributions
            def predicted(values, _p, _b):
                return _stacked(values, self.targets)

            return dataclasses.replace(self._bound(self.targets, predicted), observed=_observed)

        def fn(values, _p, batch):
            predicted = jnp.stack([values[t] for t in self.targets], axis=-1)
            observed = batch["values"].reshape(predicted.shape)
            return predicted - observed

        return self._bound(self.targets, fn)


def _stacked(values, targets) -> jax.Array:
    """One target: (N,); several (logits of k classes): (N, k)."""
    return values[targets[0]] if len(targets) == 1 else jnp.stack([values[t] for t in targets], axis=-1)


def _observed(batch) -> jax.Array:
    return batch["values"]


class Periodic(AbstractTerm):
    """Equal values (and derivatives up to ``derivatives`` along ``coordinate``) at the
    two ends of ``coordinate``'s range. Points are drawn in the interior and moved to
    the low end; each is paired with its image at the high end."""

    fields: tuple[str, ...]
    coordinate: str
    derivatives: int
    points: Sample
    name: str
    loss: AbstractLoss
    weight: float
    point_weights: PointWeights | None

    def __init__(self, fields, coordinate="x", derivatives=1, points=100, *, name=None, loss="mse", weight=1.0,
                 point_weights=None):
        self.fields = (fields,) if isinstance(fields, str) else tuple(fields)
        self.coordinate = coordinate
        if not isinstance(derivatives, int) or derivatives < 0:
            raise ValueError(f"Periodic.derivatives must be an integer >= 0, got {derivatives!r}")
        self.derivatives = derivatives
        self.points = as_points(points, "interior")
        self.name = name or f"periodic_{coordinate}"
        self.loss = residual_loss(loss, "Periodic")
        self.weight = _check_weight(weight)
        self.point_weights = _check_point_weights(point_weights, "Periodic", self.loss)

    def bind(self, ns):
        if self.coordinate not in ns.coordinates:
            raise ValueError(
                f"Periodic term {self.name!r}: coordinate {self.coordinate!r} is not one of "
                f"the domain's coordinates {ns.coordinates}"
            )
        names = []
        for f in self.fields:
            as_residual(f, ns, f"term {self.name!r}")
            names += [f] + [f"{f}_{self.coordinate * k}" for k in range(1, self.derivatives + 1)]

        def fn(values, pair_values, _b):
            return jnp.stack([values[n] - pair_values[n] for n in names], axis=-1)

        return self._bound(names, fn, pair_names=names, pair_axis=ns.coordinates.index(self.coordinate))
