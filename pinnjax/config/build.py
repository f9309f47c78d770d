"""A config mapping -> the same objects the Python API builds (an :class:`Experiment`)."""

from __future__ import annotations

import copy
import dataclasses
import os
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from ..expressions import parse_expression
from ..losses import get_loss
from ..points import Given, Sample
from ..problem import Coefficient, Problem
from ..spacetime import SpaceTime
from ..terms import PDE, Data, Dirichlet, Initial, Neumann, Periodic, Robin
from . import registry as R
from .errors import ConfigError, describe
from .loader import load_config
from .references import build_reference, read_table
from .schema import choose, join, line_of, require_mapping, take


@dataclasses.dataclass(frozen=True, eq=False)
class Experiment:
    """Everything a run needs, built from a config."""

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


def _wrap(path: str, node, key, fn):
    """Run ``fn``; a ValueError/TypeError from the core becomes a ConfigError at ``path``."""
    try:
        return fn()
    except ConfigError:
        raise
    except (ValueError, TypeError) as err:
        raise ConfigError(path, str(err), line_of(node, key)) from None


def build_geometry(node, path: str):
    kind, (table, builder) = choose(node, R.GEOMETRIES, path, "geometry")
    params = take(node, table, path, ignore=("type",))
    if kind in R.CSG:
        parts = params["of"]
        if len(parts) != 2:
            raise ConfigError(join(path, "of"), f"{kind} takes a list of exactly 2 geometries, got {len(parts)}", line_of(node, "of"))
        a, b = (build_geometry(p, f"{path}.of[{i}]") for i, p in enumerate(parts))
        return _wrap(path, node, "type", lambda: R.CSG[kind](a, b))
    return _wrap(path, node, "type", lambda: builder(**params))


def build_domain(node, path="domain"):
    params = take(require_mapping(node, path, "domain"), R.DOMAIN, path)
    geometry = build_geometry(params["geometry"], f"{path}.geometry")
    if params["time"] is None:
        return geometry
    if len(params["time"]) != 2:
        raise ConfigError(f"{path}.time", f"expected [t0, t1], got {describe(params['time'])}", line_of(node, "time"))
    return _wrap(f"{path}.time", node, "time", lambda: SpaceTime(geometry, *params["time"]))


def build_points(value, path: str, default_part: str, node, key):
    if isinstance(value, int) and not isinstance(value, bool):
        return _wrap(path, node, key, lambda: Sample(value, default_part))
    params = take(require_mapping(value, path, "points ({n, sampler, part, resample} or a number)"), R.POINTS, path)
    part = params["part"] or default_part
    return _wrap(path, value, "n", lambda: Sample(params["n"], part, params["sampler"], params["resample"]))


def build_loss(value, path: str, node, key):
    if isinstance(value, str):
        return _wrap(path, node, key, lambda: get_loss(value))
    kind, table = choose(value, R.LOSS_PARAMS, path, "loss")
    return _wrap(path, value, "type", lambda: get_loss(kind, **take(value, table, path, ignore=("type",))))


def build_term(node, path: str, base_dir: Path, coords: tuple[str, ...]):
    kind, table = choose(node, R.TERMS, path, "term")
    p = take(node, table, path, ignore=("type",))
    common = {"loss": build_loss(p["loss"], f"{path}.loss", node, "loss"), "weight": p["weight"]}
    if p["name"]:
        common["name"] = p["name"]
    if kind == "data":
        return _data_term(p, path, node, base_dir, coords, common)
    default_part = {"pde": "interior", "initial": "initial", "periodic": "interior"}.get(kind, p.get("on", "boundary"))
    points = build_points(p["points"], f"{path}.points", default_part, node, "points")
    make = {
        "pde": lambda: PDE(p["residual"], points, **common),
        "dirichlet": lambda: Dirichlet(p["field"], p["value"], p["on"], points, **common),
        "neumann": lambda: Neumann(p["field"], p["value"], p["on"], points, **common),
        "robin": lambda: Robin(p["field"], p["alpha"], p["beta"], p["value"], p["on"], points, **common),
        "initial": lambda: Initial(p["field"], p["value"], points, **common),
        "periodic": lambda: Periodic(p["fields"], p["coordinate"], p["derivatives"], points, **common),
    }[kind]
    return _wrap(path, node, "type", make)


def _data_term(p, path, node, base_dir, coords, common):
    table = read_table(p["file"], base_dir, f"{path}.file", line_of(node, "file"))
    targets = p["targets"]
    missing = [c for c in (*coords, *targets) if c not in table]
    if missing:
        raise ConfigError(f"{path}.file", f"data file lacks column(s) {missing}; it has {sorted(table)}, and needs one per "
                          f"coordinate {list(coords)} and target {list(targets)}", line_of(node, "file"))
    pts = np.stack([table[c] for c in coords], axis=1)
    values = np.stack([table[t] for t in targets], axis=1)
    given = _wrap(f"{path}.file", node, "file", lambda: Given(pts, values[:, 0] if values.shape[1] == 1 else values))
    return _wrap(path, node, "type", lambda: Data(targets, given, **common))


def build_transform(node, fields, coordinates, constants, path="transform"):
    """Text per field -> ``transform(x (d,), y (m,)) -> (m,)``; raw outputs under field names."""
    node = require_mapping(node, path, "transform (field: expression)")
    exprs = {}
    for field, text in node.items():
        if field not in fields:
            raise ConfigError(join(path, field), f"transform names {field!r}, which is not a field; fields: {', '.join(fields)}",
                              line_of(node, field))
        exprs[field] = _wrap(join(path, field), node, field, lambda text=text: parse_expression(
            str(text), coordinates=coordinates, constants=constants, parameters=fields))

    def transform(x, y):
        values = {c: x[i] for i, c in enumerate(coordinates)} | {f: y[j] for j, f in enumerate(fields)}
        return jnp.stack([exprs[f](values) * jnp.ones((), y.dtype) if f in exprs else y[j] for j, f in enumerate(fields)])

    return transform


def _coefficients(node, path="coefficients"):
    out = {}
    for name, spec in node.items():
        if isinstance(spec, (int, float)) and not isinstance(spec, bool):
            out[name] = Coefficient(float(spec))
            continue
        params = take(require_mapping(spec, join(path, name), "coefficient"), R.COEFFICIENT, join(path, name))
        bounds = tuple(params["bounds"]) if params["bounds"] is not None else None
        out[name] = _wrap(join(path, name), node, name, lambda p=params, b=bounds: Coefficient(p["init"], p["log"], b))
    return out


def build_experiment(config: dict, base_dir: str | os.PathLike = ".") -> Experiment:
    """Validate ``config`` and build every object; raises ConfigError at the first problem."""
    base_dir = Path(base_dir)
    top = take(require_mapping(config, "", "a config"), R.TOP, "")
    if top["dtype"] not in ("float32", "float64"):
        raise ConfigError("dtype", f"expected 'float32' or 'float64', got {describe(top['dtype'])}", line_of(config, "dtype"))
    domain = build_domain(top["domain"])
    coords = tuple(domain.coordinate_names)
    fields = tuple(top["fields"])
    terms_node = top["terms"]
    if not terms_node:
        raise ConfigError("terms", "the list is empty; add at least one term (e.g. {type: pde, residual: ...})", line_of(config, "terms"))
    terms = [build_term(t, f"terms[{i}]", base_dir, coords) for i, t in enumerate(terms_node)]
    constants = dict(top["constants"])
    transform = None if top["transform"] is None else build_transform(top["transform"], fields, coords, constants)
    problem = _wrap("", config, "terms", lambda: Problem(domain, fields, terms, constants, _coefficients(top["coefficients"]), transform))
    ns = problem.namespace()
    for i, term in enumerate(problem.terms):
        key = "residual" if isinstance(term, PDE) else "value"
        _wrap(f"terms[{i}].{key}", terms_node[i], key, lambda term=term: term.bind(ns))
    training = take(require_mapping(top["training"], "training", "training"), R.TRAINING, "training")
    phases = []
    for i, ph in enumerate(training["phases"]):
        path = f"training.phases[{i}]"
        kind, (table, cls) = choose(ph, R.PHASES, path, "optimizer")
        params = take(ph, table, path, ignore=("type",))
        phases.append(_wrap(path, ph, "steps", lambda cls=cls, params=params: cls(**params)))
    if not phases:
        raise ConfigError("training.phases", "the list is empty; add e.g. {type: adam, steps: 5000}", line_of(top["training"], "phases"))
    if training["method"] not in ("forward", "taylor", "reverse"):
        raise ConfigError("training.method", f"expected forward, taylor or reverse, got {describe(training['method'])}",
                          line_of(top["training"], "method"))
    net_kind, (net_table, net_builder) = choose(top["network"], R.NETWORKS, "network", "network")
    net_params = take(top["network"], net_table, "network", ignore=("type",))
    with jax.enable_x64(top["dtype"] == "float64"):
        network = _wrap("network", top["network"], "type", lambda: net_builder(
            len(coords), len(fields), R.network_key(top["seed"]), dtype=jnp.dtype(top["dtype"]), **net_params))
    reference = None
    if top["reference"] is not None:
        reference = build_reference(top["reference"], coords, base_dir)
    output = take(require_mapping(top["output"], "output", "output"), R.OUTPUT, "output")
    solve_kwargs = {"seed": top["seed"], "dtype": top["dtype"], "method": training["method"], "chunk": training["chunk"],
                    "resample_every": training["resample_every"], "scale_inputs": training["scale_inputs"]}
    resolved = _absolute_files(config, base_dir)
    return Experiment(top["name"], top["seed"], top["dtype"], problem, network, phases, solve_kwargs, reference, output, resolved)


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


def load_experiment(path: str | os.PathLike, overrides=()) -> Experiment:
    """``build_experiment(load_config(path, overrides))`` with files relative to ``path``."""
    return build_experiment(load_config(path, overrides), base_dir=Path(path).resolve().parent)
