"""Discovery configs (``pinnjax discover``): YAML -> the arguments of
:func:`pinnjax.discovery.discover`, and the run directory a discovery writes.

```yaml
kind: discovery
name: heat
data: {files: [heat.npz], coordinates: [x, t], field: u}   # or reference: {type: burgers}
# several fields, one equation each: data: {files: [pair.npz], fields: [u, v]}, lhs: [u_t, v_t]
library: {degree: 2, order: 2}
network: {type: mlp, width: 20, depth: 3}
fit: [{type: adam, steps: 500, learning_rate: 3.0e-3}, {type: lbfgs, steps: 1500}]
alternate: false
```

Domains, networks, optimizers, losses and references are the registry's entries (the
same as for ``pinnjax run``); every problem is a :class:`ConfigError` naming the key,
its line and the fix, raised before any training.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ..discovery import (
    DataError,
    Library,
    Measurements,
    PDEDiscovery,
    domain_from_data,
    load_measurements,
    measurements,
    polynomial_library,
)
from ..discovery.recipe import Recipe, default_recipe
from ..discovery.relative import SCALES, RelativeLoss
from ..engine.compiled import domain_bounds
from ..geometry.spacetime import SpaceTime
from ..problem.expressions import parse_expression
from ..problem.names import MAX_ORDER, parse_derivative_name
from . import registry as R
from .build import (
    _plain,
    build_domain,
    build_loss,
    build_network,
    build_periods,
    build_phases,
    take_top,
)
from .data_terms import _wrap
from .errors import ConfigError
from .loader import LineDict, load_config
from .references import _resolve, build_noise, build_reference, draw_rows, read_npz
from .schema import REQUIRED, choose, join, line_of, require_list, require_mapping, take


@dataclasses.dataclass(frozen=True, eq=False)
class DiscoveryExperiment:
    """Everything ``pinnjax discover`` needs, built from a config.

    ``recipe``: the stages it runs (:func:`~pinnjax.discovery.default_recipe` of
    ``options``, the same as the Python API builds from the same options); ``estimator(seeds)``
    is the :class:`~pinnjax.discovery.PDEDiscovery` that runs it; ``make_network(n_in, n_out,
    seed)`` builds the (possibly periodic) network; ``source`` says where the data came from;
    ``config`` is the resolved config.
    """

    name: str
    data: Measurements
    domain: object
    library: Library
    lhs: str | tuple[str, ...]  # one per field for several
    seeds: tuple[int, ...]
    make_network: Callable
    options: dict  # the options of default_recipe (pinnjax.discovery.recipe.DEFAULTS's keys)
    setup_options: dict  # n_collocation, residual_data_points, data_loss, dtype
    recipe: Recipe
    source: dict
    output: dict
    config: dict

    def estimator(self, seeds: Sequence[int] | None = None) -> PDEDiscovery:
        return PDEDiscovery(self.library, lhs=self.lhs, recipe=self.recipe, network=self.make_network,
                            domain=self.domain, seeds=tuple(self.seeds if seeds is None else seeds),
                            **self.setup_options)


# ---------------------------------------------------------------- data
def _data_error(path: str, line, fn):
    """Run ``fn``; a DataError (bad measurements) becomes a ConfigError at ``path``."""
    try:
        return fn()
    except DataError as err:
        raise ConfigError(path, str(err), line) from None


def build_data(node, base_dir: Path, line=None, path: str = "data") -> tuple[Measurements, dict]:
    """(measurements, source description) from ``data:``: a reference or files,
    subsampled to ``n_points`` and given Gaussian ``noise`` (a fraction of std(field))."""
    node = require_mapping(node, path, "the data: {reference: {type: ...}} or {files: [...]}", line)
    p = take(node, R.DISCOVERY_DATA, path)
    coords, field = tuple(p["coordinates"]), _fields(p, node, path)
    bad = [c for c in coords if not c.isidentifier()]
    if bad or len(set(coords)) != len(coords):
        raise ConfigError(join(path, "coordinates"), f"coordinates must be distinct names like x and t, got {list(coords)}",
                          line_of(node, "coordinates"))
    if (p["reference"] is None) == (p["files"] is None):
        both = "not both" if p["reference"] is not None else "none was given"
        raise ConfigError(path, f"give exactly one source of data ({both}): reference: {{type: burgers}} (a built-in "
                          "solution, see 'pinnjax list') or files: [a.npz, b.csv] (one column per coordinate and one "
                          f"for the field {field!r})", line_of(node))
    if p["reference"] is not None:
        where, ref_line = join(path, "reference"), line_of(node, "reference")
        if not isinstance(field, str):
            raise ConfigError(join(path, "fields"), f"a built-in reference gives one field; for the fields "
                              f"{list(field)} give files: [a.npz] with one column per field", line_of(node, "fields"))
        points, values, _ = build_reference(require_mapping(p["reference"], where, "the reference", ref_line),
                                            coords, (field,), base_dir, where)
        data = _data_error(where, ref_line, lambda: measurements(points, values, coords, field, where=where))
        source = {"reference": dict(p["reference"])}
    else:
        where, files_line = join(path, "files"), line_of(node, "files")
        files = [p["files"]] if isinstance(p["files"], str) else list(p["files"])
        resolved = [_resolve(f, base_dir, where, files_line) for f in files]
        for name, resolved_path in zip(files, resolved):  # a pickle is refused before pinnjax.discovery reads it
            if resolved_path.suffix == ".npz":
                read_npz(name, resolved_path, where, files_line)
        data = _data_error(where, files_line, lambda: load_measurements(resolved, coords, field, p["trajectory_column"]))
        source = {"files": [str(f.resolve()) for f in resolved]}
    rng = np.random.default_rng(p["seed"])
    if p["n_points"] is not None:  # measured values (several fields: over all of them)
        data = data.subset(draw_rows(len(data), p["n_points"], rng, join(path, "n_points"), line_of(node, "n_points")))
    noise = build_noise(p["noise"], join(path, "noise"), line_of(node, "noise"))
    if noise.active:  # each field's noise a fraction of its own values' std
        values = data.values.copy()
        for f in range(len(data.fields)):
            rows = slice(None) if data.component is None else data.component == f
            values[rows] = noise.apply(data.values[rows], rng)
        data = dataclasses.replace(data, values=values)
    return data, {**source, "noise": p["noise"], "n_points": len(data), "seed": p["seed"]}


def _fields(p: dict, node, path: str) -> str | tuple[str, ...]:
    """``field`` (one name), or ``fields`` (several: one equation each; not both)."""
    if p["fields"] is None:
        return p["field"]
    fields = tuple(p["fields"])
    if "field" in node:
        raise ConfigError(join(path, "fields"), "give field (one) or fields (several), not both",
                          line_of(node, "fields"))
    if any(not f.isidentifier() for f in fields) or len(set(fields)) != len(fields):
        raise ConfigError(join(path, "fields"), f"fields must be distinct names like u and v, got {list(fields)}",
                          line_of(node, "fields"))
    return fields[0] if len(fields) == 1 else fields


# ---------------------------------------------------------------- library, lhs
def build_library(node, data: Measurements, domain, line=None, path: str = "library") -> Library:
    """Polynomial terms of degree ``degree`` × spatial derivatives up to ``order``, plus ``extra``."""
    node = require_mapping(node, path, "the library: {degree, order, extra}", line)
    p = take(node, R.LIBRARY, path)
    spatial = domain.geometry.coordinate_names if isinstance(domain, SpaceTime) else data.coordinates
    library = polynomial_library(data.fields, spatial, p["degree"], p["order"])
    extra = p["extra"]
    for i, text in enumerate(extra):
        where, item_line = f"{path}.extra[{i}]", line_of(extra, i) or line_of(node, "extra")
        _wrap(where, item_line, lambda t=text: parse_expression(t, fields=data.fields, coordinates=data.coordinates))
    return library + Library(tuple(extra)) if extra else library


def _lhs(value, data: Measurements, library: Library, config) -> str | tuple[str, ...]:
    """The lhs: one name (one field), or one per field in the fields' order (several)."""
    line, fields, time = line_of(config, "lhs"), data.fields, data.coordinates[-1]
    if len(fields) == 1:
        if value is not None and not (isinstance(value, str) and value.isidentifier()):
            raise ConfigError("lhs", f"lhs must be a name like {data.field}_{time}, got {value!r}", line)
        return _one_lhs(value or f"{data.field}_{time}", data.field, data, library, line)
    default = [f"{f}_{time}" for f in fields]
    if value is not None and not (isinstance(value, list) and len(value) == len(fields)
                                  and all(isinstance(v, str) and v.isidentifier() for v in value)):
        raise ConfigError("lhs", f"with the fields {list(fields)} lhs is a list of names, one per field in that order "
                          f"(e.g. {default}), got {value!r}", line)
    return tuple(_one_lhs(one, f, data, library, line) for one, f in zip(value or default, fields))


def _one_lhs(lhs: str, field: str, data: Measurements, library: Library, line) -> str:
    derivative = parse_derivative_name(lhs, (field,), data.coordinates)
    if derivative is None:
        raise ConfigError("lhs", f"{lhs!r} is not {field!r} or a derivative of it; write e.g. "
                          f"{field}_{data.coordinates[-1]}", line)
    if derivative.order > MAX_ORDER:
        raise ConfigError("lhs", f"{lhs!r} is a derivative of order {derivative.order}; derivatives are computed up "
                          f"to order {MAX_ORDER}", line)
    if lhs in library.terms:
        raise ConfigError("lhs", f"{lhs!r} is also a library term, so the regression would pick lhs = {lhs}; "
                          "remove it from library.extra or choose another lhs", line)
    return lhs


# ---------------------------------------------------------------- data_loss
def build_data_loss(value, line, path: str = "data_loss"):
    """The data terms' loss (a registry loss); its scale given as ``{robust_std: 0.2}``, a
    multiple of the data's robust standard deviation, makes it a :class:`RelativeLoss`
    (resolved by the discovery once the data is known)."""
    if not (isinstance(value, dict) and any(isinstance(v, (dict, str)) for k, v in value.items() if k != "type")):
        return build_loss(value, path, line)
    kind, entry = choose(value, R.LOSS_ENTRIES, path, "loss", line)
    scale = SCALES.get(kind)
    for key, v in value.items():
        if key in entry.table and isinstance(v, (dict, str)) and key != scale:
            fix = (f"only {scale!r} can be relative to the data ({scale}: {{robust_std: 0.2}})" if scale
                   else "losses with a scale: " + ", ".join(f"{k} ({s})" for k, s in SCALES.items()))
            raise ConfigError(join(path, key), f"the loss {kind} takes {key} as a number, got {v!r}; {fix}",
                              line_of(value, key))
    if scale is None:
        return build_loss(value, path, line)  # e.g. an unknown key
    if isinstance(value.get(scale), str):
        raise ConfigError(join(path, scale), f"expected a number in the field's units or {{robust_std: 0.2}} (a "
                          f"multiple of the data's robust standard deviation), got {value[scale]!r}", line_of(value, scale))
    params = take(value, {**entry.table, scale: ("mapping", REQUIRED)}, path, ignore=("type",))
    params[scale] = take(params[scale], R.RELATIVE_SCALE, join(path, scale))["robust_std"]
    return _wrap(path, line, lambda: RelativeLoss(kind, **params))


# ---------------------------------------------------------------- network, phases
def _network_maker(node, periods, coords, scale, dtype: str) -> Callable:
    """``make(n_in, n_out, seed)``: the network, periodic in ``periods`` (top-level
    ``periodic``, already checked) and in its own ``network.periodic``."""
    def make(n_in: int, n_out: int, seed: int):
        return build_network(node, coords, n_out, seed, dtype, scale, periods)

    return make


def _phases(node, path: str, line) -> list:
    """Optimizer phases of ``fit`` / ``physics`` (the same entries as training.phases)."""
    phases = require_list(node, path, "a list of optimizers, e.g. [{type: adam, steps: 2000}]", line)
    if not phases:
        return []
    holder = LineDict({"phases": phases})
    holder.line, holder.lines = line, {"phases": line}
    try:
        return build_phases(holder, holder)
    except ConfigError as err:
        raise ConfigError(err.path.replace("training.phases", path, 1), err.detail, err.line) from None


# ---------------------------------------------------------------- the experiment
def build_discovery(config: dict, base_dir: str | os.PathLike = ".") -> DiscoveryExperiment:
    """Validate a discovery config and build everything; raises ConfigError at the first problem."""
    base_dir = Path(base_dir)
    top = take_top(config, R.DISCOVERY_TOP)
    data, source = build_data(top["data"], base_dir, line_of(config, "data"))
    if top["domain"] is None:
        domain = _data_error("data", line_of(config, "data"), lambda: domain_from_data(data))
    else:
        domain = build_domain(require_mapping(top["domain"], "domain", "the domain", line_of(config, "domain")))
        if tuple(domain.coordinate_names) != data.coordinates:
            raise ConfigError("domain", f"the domain's coordinates {list(domain.coordinate_names)} differ from "
                              f"data.coordinates {list(data.coordinates)}; they must be the same, in the same order "
                              "(time last)", line_of(config, "domain"))
    library = build_library(top["library"], data, domain, line_of(config, "library"))
    if len(data) < len(library):
        raise ConfigError("data.n_points" if "n_points" in top["data"] else "data",
                          f"{len(data)} data points for {len(library)} library terms; the regression needs at least as "
                          "many points as terms: add data (data.n_points) or shrink the library (library.degree, "
                          "library.order)", line_of(config, "data"))
    lhs = _lhs(top["lhs"], data, library, config)
    fit = _phases(top["fit"], "fit", line_of(config, "fit"))
    if not fit:
        raise ConfigError("fit", "the list is empty; add e.g. {type: adam, steps: 2000}", line_of(config, "fit"))
    physics = _phases(top["physics"], "physics", line_of(config, "physics"))
    polish = _phases(top["polish"], "polish", line_of(config, "polish"))
    retrain = [k for k in ("alternate", "smooth_first") if top[k]]
    if retrain and not physics:
        what = " and ".join(f"{k}: true" for k in retrain)
        raise ConfigError("physics", f"{what} retrain(s) network and coefficients with the PDE, so it needs "
                          "optimizer phases, e.g. physics: [{type: adam, steps: 2000}, {type: lbfgs, steps: 3000}]; "
                          f"or set {', '.join(f'{k}: false' for k in retrain)}",
                          line_of(config, "physics" if "physics" in config else retrain[0]))
    periodic = require_mapping(top["periodic"], "periodic", "periodic: {coordinate: period}", line_of(config, "periodic"))
    network_node = require_mapping(top["network"], "network", "the network", line_of(config, "network"))
    scale = domain_bounds(domain)  # discovery always scales its inputs to [-1, 1]
    periods = build_periods(periodic, data.coordinates, scale, "periodic")
    make_network = _network_maker(network_node, periods, data.coordinates, scale, top["dtype"])
    make_network(len(data.coordinates), len(data.outputs()), top["seeds"][0])  # report network errors now
    options = {"selector": top["selector"], "alternate": top["alternate"], "penalty": float(top["penalty"]),
               "screen_penalty": None if top["screen_penalty"] is None else float(top["screen_penalty"]),
               "stable_fraction": None if top["stable_fraction"] is None else float(top["stable_fraction"]),
               "fit_phases": tuple(fit), "physics_phases": tuple(physics), "polish_phases": tuple(polish),
               "max_rounds": top["max_rounds"], "max_widenings": top["max_widenings"],
               "n_bootstrap": top["n_bootstrap"], "weak_form": top["weak_form"], "test_width": float(top["test_width"]),
               "smooth_first": top["smooth_first"], "union_fit": top["union_fit"],
               "validation": float(top["validation"]), "polish_pde_weight": float(top["polish_pde_weight"]),
               "challengers": top["challengers"], "removals": top["removals"], "plateau": float(top["plateau"]),
               "explore_dtype": top["explore_dtype"], "finish_steps": top["finish_steps"]}
    setup = {"n_collocation": top["n_collocation"], "residual_data_points": top["residual_data_points"],
             "data_loss": build_data_loss(top["data_loss"], line_of(config, "data_loss")),
             "dtype": top["dtype"]}
    recipe = _wrap("discovery options", line_of(config), lambda: default_recipe(**options))
    output = take(require_mapping(top["output"], "output", "output", line_of(config, "output")), R.DISCOVERY_OUTPUT,
                  "output")
    return DiscoveryExperiment(top["name"], data, domain, library, lhs, tuple(top["seeds"]), make_network, options,
                               setup, recipe, source, output, _resolved(config, source, base_dir))


def _resolved(config: dict, source: dict, base_dir: Path) -> dict:
    """A plain copy of the config with data file paths made absolute."""
    plain = _plain(config)
    data = plain["data"]
    if "files" in source:
        data["files"] = source["files"]
    ref = data.get("reference")
    if isinstance(ref, dict) and isinstance(ref.get("file"), str):
        ref["file"] = source["reference"]["file"] = str((base_dir / ref["file"]).resolve())
    return plain


def load_discovery(path: str | os.PathLike, overrides: Sequence[str] = ()) -> DiscoveryExperiment:
    """``build_discovery(load_config(path, overrides))`` with files relative to ``path``."""
    return build_discovery(load_config(path, overrides), base_dir=Path(path).resolve().parent)
