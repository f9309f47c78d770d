"""A config mapping -> the same objects the Python API builds (an :class:`Experiment`)."""

from __future__ import annotations

import copy
import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from ..geometry.spacetime import AbstractTimeDomain, SpaceTime, TimeInterval
from ..engine.compiled import domain_bounds
from ..nn.networks import Embedded, PeriodicEmbedding, factorize
from ..problem.causal import Causal
from ..problem.constraints import INITIAL, Inequality, Integral, parse_constraint
from ..problem.energy import Energy
from ..problem.expressions import parse_expression
from ..problem.losses import get_loss
from ..problem.point_terms import Point
from ..problem.point_weights import PointWeights
from ..problem.points import Given, Sample
from ..problem.problem import Coefficient, Problem, unused_coefficient_message
from ..problem.residuals import Namespace, as_residual, coordinate_function
from ..problem.terms import PDE, Data, Periodic
from ..train.balancing import Fixed
from . import registry as R
from .errors import ConfigError, describe, did_you_mean
from .loader import load_config
from .data_terms import _columns, _data_term, _wrap, _wrap_params
from .references import build_reference
from .schema import (
    check_value,
    choice_error,
    choose,
    join,
    line_of,
    require_list,
    require_mapping,
    take,
)


@dataclasses.dataclass(frozen=True, eq=False)
class Experiment:
    """Everything a run needs, built from a config.

    ``pinnjax.solve(exp.problem, exp.network, exp.phases, **exp.solve_kwargs)`` trains it;
    ``reference`` is ``(points (N, d), values (N,), field)`` or None; ``config`` is the
    resolved config (defaults not filled in, overrides applied, file paths absolute).
    """

    name: str
    seed: int
    dtype: str
    problem: Problem
    network: object
    phases: list
    solve_kwargs: dict
    reference: tuple | None
    output: dict
    config: dict
    ensemble: tuple[int, ...] | None = None  # the members' seeds (`ensemble:`), one network each
    networks: tuple = ()


# ---------------------------------------------------------------- domain
def build_geometry(node, path: str, line=None, coordinates=None):
    kind, entry = choose(node, R.GEOMETRIES, path, "geometry", line)
    params = take(node, entry.table, path, ignore=("type",))
    if params["coordinates"] is None:
        params["coordinates"] = coordinates  # inherited from an enclosing union/intersection/difference
    if kind in R.CSG:
        parts = params["of"]
        if len(parts) != 2:
            raise ConfigError(join(path, "of"), f"{kind} takes a list of exactly 2 geometries [a, b], got {len(parts)}",
                              line_of(node, "of"))
        a, b = (build_geometry(g, f"{path}.of[{i}]", line_of(parts, i), params["coordinates"])
                for i, g in enumerate(parts))
        return _wrap(path, line_of(node, "type"), lambda: entry.make(a, b))
    return _wrap_params(path, node, entry, lambda: entry.make(**params))


def build_domain(node, path="domain"):
    """A geometry, a geometry × time (``SpaceTime``), or time alone (``TimeInterval``: an ODE)."""
    params = take(node, R.DOMAIN, path)
    if params["geometry"] is None and params["time"] is None:
        raise ConfigError(path, "a domain needs a geometry, a time interval, or both: e.g. {geometry: {type: "
                          "interval, min: 0, max: 1}}, or {time: [0, 5]} for an ODE in t", line_of(node))
    geometry = None
    if params["geometry"] is not None:
        geometry = build_geometry(params["geometry"], f"{path}.geometry", line_of(node, "geometry"))
    if params["time"] is None:
        return geometry
    if len(params["time"]) != 2:
        raise ConfigError(f"{path}.time", f"expected [t0, t1], got {describe(params['time'])}", line_of(node, "time"))
    if geometry is None:
        return _wrap(f"{path}.time", line_of(node, "time"), lambda: TimeInterval(*params["time"]))
    return _wrap(f"{path}.time", line_of(node, "time"), lambda: SpaceTime(geometry, *params["time"]))


def _check_part(domain, part: str, path: str, line, needs_normals: bool):
    geometry = getattr(domain, "geometry", domain)
    valid = tuple(domain.parts) + tuple(getattr(geometry, "part_aliases", dict)())
    if part not in valid:
        raise choice_error(path, f"part of the domain ({type(domain).__name__})", part, valid, line)
    if needs_normals and not domain.spatial_coordinate_names:
        raise ConfigError(path, f"a normal derivative needs a spatial boundary, and a {type(domain).__name__} has "
                          "none (only time); set a rate instead, e.g. {type: initial, field: x_t, value: 0} or "
                          "{type: dirichlet, field: x_t, on: final}", line)
    if needs_normals and part in ("interior", "initial", "final"):
        boundary = [p for p in valid if p not in ("interior", "initial", "final")]
        raise ConfigError(path, f"a normal derivative needs a boundary part, got {part!r}; use one of: "
                          f"{', '.join(boundary)}", line)


# ---------------------------------------------------------------- terms
def build_points(value, path: str, default_part: str, line, domain, needs_normals: bool):
    if isinstance(value, int) and not isinstance(value, bool):
        if value <= 0:
            raise ConfigError(path, f"expected a positive number of points, got {describe(value)}", line)
        check_value(value, R.POINTS["n"][0], path, line)
        return Sample(value, default_part)
    params = take(require_mapping(value, path, "points: a number of points or {n, sampler, part, resample}", line),
                  R.POINTS, path)
    part = params["part"] or default_part
    if params["part"] is not None:
        _check_part(domain, part, join(path, "part"), line_of(value, "part"), needs_normals)
    adaptive = params["adaptive"]
    if adaptive is not None:
        adaptive = _adaptive(adaptive, join(path, "adaptive"), line_of(value, "adaptive"))
    return _wrap(path, line, lambda: Sample(params["n"], part, params["sampler"], params["resample"], adaptive))


def _adaptive(node, path: str, line):
    """``adaptive: {type: rad | rard, k, c, candidates, replace (rard)}``; type defaults to rad."""
    node = require_mapping(node, path, "{type: rad, k: 1, c: 1, candidates: 10} or {type: rard, replace: 0.1} "
                           "(or {} for RAD's defaults)", line)
    entry = choose(node, R.ADAPTIVES, path, "adaptive sampling", line)[1] if "type" in node else R.ADAPTIVES["rad"]
    params = take(node, entry.table, path, ignore=("type",))
    return _wrap(path, line, lambda: entry.make(**params))


def build_loss(value, path: str, line):
    if isinstance(value, str):
        if value.lower().replace("-", "_") not in R.LOSS_ENTRIES:
            raise choice_error(path, "loss", value, R.LOSS_ENTRIES, line)
        return get_loss(value)
    kind, entry = choose(value, R.LOSS_ENTRIES, path, "loss", line)
    params = take(value, entry.table, path, ignore=("type",))
    return _wrap(path, line, lambda: get_loss(kind, **params))


def build_term(node, path: str, base_dir: Path, domain, line):
    kind, entry = choose(node, R.TERMS, path, "term", line)
    p = take(node, entry.table, path, ignore=("type",))
    common = {"weight": p["weight"]}
    if "loss" in p:
        common["loss"] = build_loss(p["loss"], f"{path}.loss", line_of(node, "loss"))
    if p["name"]:
        common["name"] = p["name"]
    if p.get("causal") is not None:
        common["causal"] = _causal(p["causal"], join(path, "causal"), line_of(node, "causal"), domain)
    if p.get("point_weights") is not None:
        common["point_weights"] = _point_weights(p["point_weights"], join(path, "point_weights"),
                                                 line_of(node, "point_weights"))
    if kind == "data":
        return _data_term(p, path, node, base_dir, tuple(domain.coordinate_names), common, entry)
    if kind == "inequality":
        return _inequality_term(p, path, node, domain, common, entry)
    if kind == "energy":
        return _energy_term(p, path, node, base_dir, domain, common, entry)
    if kind == "point":
        term = _wrap_params(path, node, entry, lambda: entry.make(p, None, common))
        _wrap_params(path, node, entry, lambda: term.check_domain(domain))
        return term
    if kind == "integral":
        _check_part(domain, p["over"], join(path, "over"), line_of(node, "over"), False)
        term = _wrap_params(path, node, entry, lambda: entry.make(p, None, common))
        _wrap_params(path, node, entry, lambda: term.check_domain(domain))
        return term
    if kind == "initial" and not isinstance(domain, AbstractTimeDomain):
        raise ConfigError(join(path, "type"), "an initial condition needs a time interval: add domain.time: [t0, t1]",
                          line_of(node, "type"))
    needs_normals = kind in ("neumann", "robin")
    if "on" in p:
        _check_part(domain, p["on"], join(path, "on"), line_of(node, "on"), needs_normals)
    default_part = entry.part or p["on"]
    points = build_points(p["points"], join(path, "points"), default_part, line_of(node, "points"), domain, needs_normals)
    return _wrap(path, line_of(node, "type"), lambda: entry.make(p, points, common))


def _causal(node, path: str, line, domain) -> Causal:
    """``causal: {slices: 32, epsilon: 1.0, ...}`` of a pde term."""
    node = require_mapping(node, path, "causal weighting, e.g. {slices: 32, epsilon: 1.0}", line)
    if not isinstance(domain, AbstractTimeDomain):
        raise ConfigError(path, "causal weighting orders the residual in time: add domain.time: [t0, t1]", line)
    params = take(node, R.CAUSAL, path)
    return _wrap(path, line, lambda: Causal(**params))


def _point_weights(node, path: str, line) -> PointWeights:
    """``point_weights: {lr: 0.01, decay: 0.999, every: 10}`` of a term."""
    node = require_mapping(node, path, "self-adaptive point weights, e.g. {lr: 0.01, decay: 0.999, every: 10} "
                           "(or {} for these)", line)
    params = take(node, R.POINT_WEIGHTS, path)
    return _wrap(path, line, lambda: PointWeights(**params))


def _inequality_term(p, path, node, domain, common, entry):
    """``{expression, lower, upper}`` or the compact ``{constraint: "0 <= c <= 1"}``."""
    points = build_points(p["points"], join(path, "points"), "interior", line_of(node, "points"), domain, False)
    bounds = {k: p[k] for k in ("expression", "lower", "upper")}
    if p["constraint"] is not None:
        where, line = join(path, "constraint"), line_of(node, "constraint")
        given = [k for k, v in bounds.items() if v is not None]
        if given:
            raise ConfigError(where, f"give either constraint (e.g. 'G_xx >= 0') or expression with lower/upper, "
                              f"not both; remove {', '.join(given)}", line)
        bounds = dict(zip(bounds, _wrap(where, line, lambda: parse_constraint(p["constraint"]))))
    elif bounds["expression"] is None:
        raise ConfigError(path, "an inequality needs expression (with lower and/or upper) or constraint, e.g. "
                          "{type: inequality, constraint: 'G_xx >= 0'}", line_of(node, "type"))
    return _wrap_params(path, node, entry, lambda: entry.make({**p, **bounds}, points, common))


def _energy_term(p, path, node, base_dir, domain, common, entry):
    """``points`` (drawn) or ``table`` (given points: a column per coordinate, the others per-point data)."""
    coords = tuple(domain.coordinate_names)
    columns = ()
    if p["table"] is not None:
        where, line = join(path, "table"), line_of(node, "table")
        if "points" in node:
            raise ConfigError(where, "give the energy's points either as points (drawn) or as a table (given), not "
                              "both; remove points", line)
        table = _columns(p["table"], base_dir, where, line)
        missing = [c for c in coords if c not in table]
        if missing:
            raise ConfigError(where, f"the table lacks the coordinate column(s) {missing}; it has {sorted(table)}",
                              line)
        columns = tuple(k for k in table if k not in coords)
        values = np.stack([table[c] for c in columns], axis=1) if columns else None
        points = _wrap(where, line, lambda: Given(np.stack([table[c] for c in coords], axis=1), values))
    else:
        points = build_points(p["points"], join(path, "points"), "interior", line_of(node, "points"), domain, False)
    if p["sites"] is not None:
        p = {**p, "sites": _columns(p["sites"], base_dir, join(path, "sites"), line_of(node, "sites"))}
    return _wrap_params(path, node, entry, lambda: entry.make({**p, "columns": columns}, points, common))


def _check_names(term, node, path, ns):
    """Bind ``term``; an unknown name is reported at the key that holds it."""
    def probe(key, names):
        for name in names:
            _wrap(join(path, key), line_of(node, key), lambda name=name: as_residual(name, ns, f"{path}.{key}"))

    if isinstance(term, Periodic):
        if term.coordinate not in ns.coordinates:
            raise choice_error(join(path, "coordinate"), "coordinate", term.coordinate, ns.coordinates,
                               line_of(node, "coordinate"))
        probe("fields", term.fields)
    elif isinstance(term, Data):
        probe("targets", term.targets)
    elif isinstance(term, (Inequality, Integral)):
        key = "integrand" if isinstance(term, Integral) else "constraint" if "constraint" in node else "expression"
        text = term.integrand if isinstance(term, Integral) else term.expression
        _wrap(join(path, key), line_of(node, key), lambda: as_residual(text, ns, f"{path}.{key}"))
        scalars = Namespace((), (), ns.constants, ns.coefficients)  # an integral's value
        for key, names in (("lower", ns), ("upper", ns), ("value", scalars)):
            value = node.get(key)
            if isinstance(value, str) and not (key == "value" and value == INITIAL):
                _wrap(join(path, key), line_of(node, key), lambda v=value, n=names, k=key: coordinate_function(
                    v, n, f"{path}.{k}"))
        _wrap_params(path, node, R.TERMS[node["type"]], lambda: term.bind(ns))  # bounds, value: at their keys
        return
    elif isinstance(term, Point):
        _wrap(join(path, "expression"), line_of(node, "expression"),
              lambda: as_residual(term.expression, ns, f"{path}.expression"))
        _wrap(join(path, "value"), line_of(node, "value"),
              lambda: coordinate_function(term.value, ns, f"{path}.value"))
        _wrap_params(path, node, R.TERMS[node["type"]], lambda: term.bind(ns))  # `at`: named in the message
        return
    elif isinstance(term, Energy):
        try:
            term.bind(ns)
        except (ValueError, TypeError) as err:
            key = "distance" if "Energy.distance" in str(err) and "distance" in node else "energy"
            raise ConfigError(join(path, key), str(err), line_of(node, key)) from None
        return
    elif not isinstance(term, PDE):
        probe("field", [node["field"]])
    key = {PDE: "residual", Periodic: "fields", Data: "targets"}.get(type(term), "value")
    _wrap(join(path, key), line_of(node, key) or line_of(node), lambda: term.bind(ns))


# ---------------------------------------------------------------- problem
def build_transform(node, fields, coordinates, constants, path="transform"):
    """Text per field -> ``transform(x (d,), y (m,)) -> (m,)``; raw outputs under field names."""
    exprs = {}
    for field, text in node.items():
        if field not in fields:
            raise ConfigError(join(path, field), f"transform names {describe(field)}, which is not a field.{did_you_mean(field, fields)}"
                              f" Fields: {', '.join(fields)}", line_of(node, field))
        check_value(text, "expr", join(path, field), line_of(node, field))
        exprs[field] = _wrap(join(path, field), line_of(node, field), lambda text=text: parse_expression(
            text, coordinates=coordinates, constants=constants, parameters=fields))

    def transform(x, y):
        values = {c: x[i] for i, c in enumerate(coordinates)} | {f: y[j] for j, f in enumerate(fields)}
        return jnp.stack([jnp.broadcast_to(exprs[f](values), ()).astype(y.dtype) if f in exprs else y[j]
                          for j, f in enumerate(fields)])

    return transform


def _fields(value, config) -> tuple[str, ...]:
    line = line_of(config, "fields")
    if not value:
        raise ConfigError("fields", "the list is empty; name at least one field, e.g. fields: [u]", line)
    for name in value:
        if not name.isidentifier():
            raise ConfigError("fields", f"field names must be identifiers like u or rho, got {describe(name)}", line)
    if len(set(value)) != len(value):
        raise ConfigError("fields", f"field names must be distinct, got {list(value)}", line)
    return tuple(value)


def _constants(node, path="constants") -> dict:
    for name, value in node.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise ConfigError(join(path, str(name)), f"a constant's name must be an identifier, got {describe(name)}",
                              line_of(node, name))
        check_value(value, R.CONSTANT, join(path, name), line_of(node, name))
    return dict(node)


def _coefficients(node, path="coefficients") -> dict:
    out = {}
    for name, spec in node.items():
        where, line = join(path, str(name)), line_of(node, name)
        if not isinstance(name, str) or not name.isidentifier():
            raise ConfigError(where, f"a coefficient's name must be an identifier, got {describe(name)}", line)
        if isinstance(spec, (int, float)) and not isinstance(spec, bool):
            check_value(spec, R.COEFFICIENT["init"][0], where, line)
            out[name] = Coefficient(float(spec))
            continue
        params = take(require_mapping(spec, where, "a coefficient: a number or {init, log, bounds}", line),
                      R.COEFFICIENT, where)
        bounds = params["bounds"]
        if bounds is not None and len(bounds) != 2:
            raise ConfigError(join(where, "bounds"), f"expected [lo, hi], got {describe(bounds)}", line_of(spec, "bounds"))
        out[name] = _wrap(where, line, lambda p=params, b=bounds: Coefficient(
            float(p["init"]), p["log"], None if b is None else (float(b[0]), float(b[1]))))
    return out


def build_problem(top: dict, config: dict, base_dir: Path) -> Problem:
    domain = build_domain(require_mapping(top["domain"], "domain", "the domain", line_of(config, "domain")))
    coords = tuple(domain.coordinate_names)
    fields = _fields(top["fields"], config)
    terms_node = top["terms"]
    if not terms_node:
        raise ConfigError("terms", "the list is empty; add at least one term (e.g. {type: pde, residual: ...})",
                          line_of(config, "terms"))
    terms = [build_term(t, f"terms[{i}]", base_dir, domain, line_of(terms_node, i)) for i, t in enumerate(terms_node)]
    seen = {}
    for i, t in enumerate(terms):
        if t.name in seen:
            key = "name" if "name" in terms_node[i] else "type"
            raise ConfigError(f"terms[{i}].{key}", f"term name {t.name!r} is already used by terms[{seen[t.name]}]; "
                              "give one of them another `name:`", line_of(terms_node[i], key))
        seen[t.name] = i
    constants = _constants(require_mapping(top["constants"], "constants", "constants (name: number)",
                                           line_of(config, "constants")))
    coefficients = _coefficients(require_mapping(top["coefficients"], "coefficients", "coefficients",
                                                 line_of(config, "coefficients")))
    transform = None
    if top["transform"] is not None:
        transform = build_transform(top["transform"], fields, coords, constants)
    problem = _wrap("", None, lambda: Problem(domain, fields, terms, constants, coefficients, transform))
    ns = problem.namespace()
    for i, term in enumerate(problem.terms):
        _check_names(term, terms_node[i], f"terms[{i}]", ns)
    for name in problem.unused_coefficients():
        raise ConfigError(join("coefficients", name), unused_coefficient_message(name),
                          line_of(top["coefficients"], name))
    return problem


# ---------------------------------------------------------------- training, network
def build_phases(training: dict, node) -> list:
    phases_node = require_list(training["phases"], "training.phases", "phases", line_of(node, "phases"))
    if not phases_node:
        raise ConfigError("training.phases", "the list is empty; add e.g. {type: adam, steps: 5000}", line_of(node, "phases"))
    phases = []
    for i, ph in enumerate(phases_node):
        path = f"training.phases[{i}]"
        _, entry = choose(ph, R.PHASES, path, "optimizer", line_of(phases_node, i))
        params = take(ph, entry.table, path, ignore=("type",))
        phases.append(_wrap(path, line_of(phases_node, i), lambda e=entry, p=params: e.make(**p)))
    return phases


def build_balancing(node, training_node):
    """The balancer of ``training.balancing`` ({type: grad_norm, every: 100, alpha: 0.9}), or None."""
    if node is None:
        return None
    line = line_of(training_node, "balancing")
    node = require_mapping(node, "training.balancing", "a balancing scheme, e.g. {type: grad_norm, every: 100}", line)
    _, entry = choose(node, R.BALANCERS, "training.balancing", "balancing scheme", line)
    params = take(node, entry.table, "training.balancing", ignore=("type",))
    return _wrap("training.balancing", line, lambda: entry.make(**params))


def build_periods(node, coords, scale, path: str) -> dict[int, float]:
    """{input axis: period as the network sees it} from ``{x: 2.0}`` (expressions allowed);
    ``scale``: (lower, upper) when inputs are scaled to [-1, 1], else None."""
    out = {}
    for name, period in node.items():
        where, line = join(path, str(name)), line_of(node, name)
        if name not in coords:
            raise ConfigError(where, f"{describe(name)} is not a coordinate; coordinates: {', '.join(coords)}", line)
        check_value(period, "expr", where, line)
        with jax.enable_x64(True):
            value = float(_wrap(where, line, lambda p=period: parse_expression(p)({})))
        if not np.isfinite(value) or not R.PERIOD.contains(value):
            raise ConfigError(where, f"a period must be a positive number {R.PERIOD.bounds()} (e.g. 32*pi), got "
                              f"{describe(period)}", line)
        axis = coords.index(name)
        out[axis] = value if scale is None else 2.0 * value / (scale[1][axis] - scale[0][axis])
    return out


def build_network(node, coords, out_size: int, seed: int, dtype: str, scale=None, periods=None):
    """The network of ``node`` for inputs named ``coords``; exactly periodic in the axes of
    ``network.periodic`` (and of ``periods``, {axis: period}, given by the caller)."""
    _, entry = choose(node, R.NETWORKS, "network", "network")
    params = take(node, entry.table, "network", ignore=("type",))
    rwf, harmonics = params.pop("rwf"), params.pop("harmonics")
    own = require_mapping(params.pop("periodic"), "network.periodic", "{x: 2.0} (coordinate: period)",
                          line_of(node, "periodic"))
    periods = {**(periods or {}), **build_periods(own, coords, scale, "network.periodic")}
    if rwf is not None:  # random weight factorization of every dense layer: {mean, std}
        rwf = take(require_mapping(rwf, "network.rwf", "{mean: 1.0, std: 0.1} (or {} for these defaults)",
                                   line_of(node, "rwf")), R.RWF, "network.rwf")
    rwf_key = jax.random.fold_in(jax.random.PRNGKey(seed), 1)  # the network's own key stays as it was
    in_size = len(coords) + (2 * harmonics - 1) * len(periods)
    with jax.enable_x64(dtype == "float64"):
        net = _wrap("network", line_of(node, "type"), lambda: entry.make(
            in_size, out_size, jax.random.PRNGKey(seed), jnp.dtype(dtype), **params))
        net = net if rwf is None else factorize(net, rwf["mean"], rwf["std"], key=rwf_key)
    return Embedded(PeriodicEmbedding(periods, harmonics), net) if periods else net


def take_top(config: dict, table: dict) -> dict:
    """The top-level keys of ``config`` checked against ``table`` (the run ``name`` too)."""
    return take(require_mapping(config, "", "a config"), table, "")


def build_experiment(config: dict, base_dir: str | os.PathLike = ".") -> Experiment:
    """Validate ``config`` and build every object; raises ConfigError at the first problem."""
    base_dir = Path(base_dir)
    top = take_top(config, R.TOP)
    problem = build_problem(top, config, base_dir)
    training_node = require_mapping(top["training"], "training", "training", line_of(config, "training"))
    training = take(training_node, R.TRAINING, "training")
    phases = build_phases(training, training_node)
    network_node = require_mapping(top["network"], "network", "the network", line_of(config, "network"))
    scale = domain_bounds(problem.domain) if training["scale_inputs"] else None
    network = build_network(network_node, problem.coordinates, len(problem.fields), top["seed"], top["dtype"], scale)
    reference = None
    if top["reference"] is not None:
        ref_node = require_mapping(top["reference"], "reference", "the reference", line_of(config, "reference"))
        reference = build_reference(ref_node, problem.coordinates, problem.fields, base_dir)
    output = take(require_mapping(top["output"], "output", "output", line_of(config, "output")), R.OUTPUT, "output")
    solve_kwargs = {"seed": top["seed"], "dtype": top["dtype"], "method": training["method"], "chunk": training["chunk"],
                    "resample_every": training["resample_every"], "scale_inputs": training["scale_inputs"],
                    "balancing": build_balancing(training["balancing"], training_node)}
    seeds = _ensemble_seeds(top, config, problem, solve_kwargs)
    _check_loggers(output["loggers"], top["output"], seeds)
    networks = tuple(build_network(network_node, problem.coordinates, len(problem.fields), s, top["dtype"], scale)
                     for s in seeds or ())
    return Experiment(top["name"], top["seed"], top["dtype"], problem, network, phases, solve_kwargs, reference,
                      output, _absolute_files(config, base_dir), seeds, networks)


def _ensemble_seeds(top, config, problem, solve_kwargs) -> tuple[int, ...] | None:
    """``ensemble: N`` -> seeds seed .. seed + N - 1; ``ensemble: [s, ...]`` -> those; checked."""
    value, line = top["ensemble"], line_of(config, "ensemble")
    if value is None:
        return None
    seeds = tuple(range(top["seed"], top["seed"] + value)) if isinstance(value, int) else tuple(value)
    if len(seeds) > R.MAX_MEMBERS:
        raise ConfigError("ensemble", f"at most {R.MAX_MEMBERS} members, got {len(seeds)}", line)
    if len(set(seeds)) != len(seeds):
        raise ConfigError("ensemble", f"the seeds repeat ({list(seeds)}): repeated members train identically; give "
                          "distinct seeds", line)
    if solve_kwargs["balancing"] is not None and not isinstance(solve_kwargs["balancing"], Fixed):
        raise ConfigError("ensemble", "ensembles train with fixed term weights; remove training.balancing or "
                          "train the members one run at a time", line)
    odd = [t.name for t in problem.terms if getattr(t, "causal", None) or getattr(t, "point_weights", None)]
    if odd:
        raise ConfigError("ensemble", f"term(s) {odd} use causal weighting or point weights, which ensembles do not "
                          "support yet; remove those keys or train the members one run at a time", line)
    return seeds


def _check_loggers(names: list, node: dict, ensemble) -> None:
    """``output.loggers``: names from ``R.LOGGERS``, each once, and none for an ensemble (it
    writes no metrics.jsonl to feed them). Their packages are checked when a run starts."""
    line = line_of(node, "loggers")
    for i, name in enumerate(names):
        if name not in R.LOGGERS:
            raise choice_error(f"output.loggers[{i}]", "logger", name, R.LOGGERS, line)
    if len(set(names)) != len(names):
        raise ConfigError("output.loggers", f"{names} names a logger twice; give each once", line)
    if names and ensemble:
        raise ConfigError("output.loggers", "an ensemble writes no metrics.jsonl, so loggers would receive nothing; "
                          "remove output.loggers or train the members one run at a time", line)


def _absolute_files(config: dict, base_dir: Path) -> dict:
    """A plain copy of the config with data/reference file paths made absolute."""
    plain = _plain(config)
    for t in plain.get("terms", []):
        if isinstance(t, dict) and isinstance(t.get("file"), str):
            t["file"] = str((base_dir / t["file"]).resolve())
    ref = plain.get("reference")
    if isinstance(ref, dict) and isinstance(ref.get("file"), str):
        ref["file"] = str((base_dir / ref["file"]).resolve())
    return plain


def _plain(node):
    if isinstance(node, dict):
        return {k: _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return copy.copy(node)


def load_experiment(path: str | os.PathLike, overrides: Sequence[str] = ()) -> Experiment:
    """``build_experiment(load_config(path, overrides))`` with files relative to ``path``."""
    return build_experiment(load_config(path, overrides), base_dir=Path(path).resolve().parent)
