"""The one registry of config names: each component type, its parameters and its builder.

Every entry is ``(table, builder)``: ``table`` maps parameter -> (kind, default) and
``builder(**params)`` makes the Python object (the same one the Python API makes).
"""

from __future__ import annotations

import jax

from .. import geometry as geo
from ..losses import LOSSES
from ..nn import MLP, ModifiedMLP, fourier_mlp
from ..phases import LBFGS, Adam
from ..sampling import SAMPLERS
from .schema import REQUIRED

COORDS = {"coordinates": ("strs", None)}

GEOMETRIES = {
    "interval": ({"min": ("float", REQUIRED), "max": ("float", REQUIRED), **COORDS},
                 lambda min, max, coordinates: geo.Interval(min, max, coordinates=_t(coordinates))),
    "rectangle": ({"lo": ("floats", REQUIRED), "hi": ("floats", REQUIRED), **COORDS},
                  lambda lo, hi, coordinates: geo.Rectangle(lo, hi, coordinates=_t(coordinates))),
    "box": ({"lo": ("floats", REQUIRED), "hi": ("floats", REQUIRED), **COORDS},
            lambda lo, hi, coordinates: geo.Box(lo, hi, coordinates=_t(coordinates))),
    "disk": ({"center": ("floats", REQUIRED), "radius": ("float", REQUIRED), **COORDS},
             lambda center, radius, coordinates: geo.Disk(center, radius, coordinates=_t(coordinates))),
    "polygon": ({"vertices": ("list", REQUIRED), **COORDS},
                lambda vertices, coordinates: geo.Polygon(vertices, coordinates=_t(coordinates))),
    "lshape": ({**COORDS}, lambda coordinates: geo.lshape(_t(coordinates))),
    "union": ({"of": ("list", REQUIRED)}, None),
    "intersection": ({"of": ("list", REQUIRED)}, None),
    "difference": ({"of": ("list", REQUIRED)}, None),
}
CSG = {"union": geo.Union, "intersection": geo.Intersection, "difference": geo.Difference}


def _t(coordinates):
    return None if coordinates is None else tuple(coordinates)


COMMON_TERM = {"name": ("str", None), "loss": ("any", "mse"), "weight": ("float", 1.0)}
TERMS = {
    "pde": {"residual": ("expr", REQUIRED), "points": ("any", 1000), **COMMON_TERM},
    "dirichlet": {"field": ("str", REQUIRED), "value": ("expr", 0.0), "on": ("str", "boundary"), "points": ("any", 100), **COMMON_TERM},
    "neumann": {"field": ("str", REQUIRED), "value": ("expr", 0.0), "on": ("str", "boundary"), "points": ("any", 100), **COMMON_TERM},
    "robin": {"field": ("str", REQUIRED), "alpha": ("float", REQUIRED), "beta": ("float", REQUIRED), "value": ("expr", 0.0),
              "on": ("str", "boundary"), "points": ("any", 100), **COMMON_TERM},
    "initial": {"field": ("str", REQUIRED), "value": ("expr", REQUIRED), "points": ("any", 200), **COMMON_TERM},
    "periodic": {"fields": ("strs", REQUIRED), "coordinate": ("str", "x"), "derivatives": ("int", 1), "points": ("any", 100), **COMMON_TERM},
    "data": {"targets": ("strs", REQUIRED), "file": ("str", REQUIRED), **COMMON_TERM},
}

POINTS = {"n": ("posint", REQUIRED), "sampler": ("str", "sobol"), "part": ("str", None), "resample": ("bool", True)}

LOSS_PARAMS = {"mse": {}, "mae": {}, "huber": {"delta": ("float", 1.0)}, "pseudo_huber": {"delta": ("float", 1.0)},
               "log_cosh": {"scale": ("float", 1.0)}, "cauchy": {"scale": ("float", 1.0)}}
assert set(LOSS_PARAMS) == set(LOSSES)

NET_COMMON = {"width": ("posint", 32), "depth": ("posint", 4), "activation": ("str", "tanh")}
NETWORKS = {
    "mlp": ({**NET_COMMON, "init": ("str", "glorot_normal")},
            lambda d, m, key, width, depth, activation, init, dtype: MLP(d, m, width, depth, activation, init, key=key, dtype=dtype)),
    "modified_mlp": ({**NET_COMMON, "init": ("str", "glorot_normal")},
                     lambda d, m, key, width, depth, activation, init, dtype: ModifiedMLP(d, m, width, depth, activation, init, key=key, dtype=dtype)),
    "fourier_mlp": ({**NET_COMMON, "num_features": ("posint", 64), "scale": ("float", 1.0)},
                    lambda d, m, key, width, depth, activation, num_features, scale, dtype: fourier_mlp(
                        d, m, width, depth, num_features, scale, activation, key=key, dtype=dtype)),
}

PHASES = {
    "adam": ({"steps": ("posint", REQUIRED), "learning_rate": ("float", 1e-3), "decay_rate": ("float", None),
              "decay_steps": ("posint", 1000), "warmup": ("int", 0)}, Adam),
    "lbfgs": ({"steps": ("posint", REQUIRED), "memory": ("posint", 50), "gtol": ("float", 1e-10), "ftol": ("float", 0.0),
               "patience": ("posint", 50), "max_linesearch_steps": ("posint", 30)}, LBFGS),
}

TRAINING = {"phases": ("list", REQUIRED), "resample_every": ("posint", None), "chunk": ("posint", 100),
            "method": ("str", "forward"), "scale_inputs": ("bool", True)}

REFERENCES = {
    "burgers": {"nu": ("float", 0.01 / 3.141592653589793)},
    "heat_mixed": {"alpha": ("float", 0.1)},
    "laplace": {},
    "poisson_lshape": {},
    "allen_cahn": {},
    "kdv": {},
    "file": {"file": ("str", REQUIRED), "field": ("str", "u")},
}

TOP = {
    "name": ("str", REQUIRED), "seed": ("int", 0), "dtype": ("str", "float32"), "domain": ("mapping", REQUIRED),
    "fields": ("strs", REQUIRED), "constants": ("mapping", {}), "coefficients": ("mapping", {}),
    "transform": ("mapping", None), "terms": ("list", REQUIRED), "network": ("mapping", REQUIRED),
    "training": ("mapping", REQUIRED), "reference": ("mapping", None), "output": ("mapping", {}),
}
DOMAIN = {"geometry": ("mapping", REQUIRED), "time": ("floats", None)}
OUTPUT = {"dir": ("str", "runs"), "checkpoint_every": ("posint", 1000)}
COEFFICIENT = {"init": ("float", 1.0), "log": ("bool", False), "bounds": ("floats", None)}


def network_key(seed: int) -> jax.Array:
    return jax.random.PRNGKey(seed)


def _table_text(table: dict) -> str:
    def show(kind, default):
        return f"{kind} (required)" if default is REQUIRED else f"{kind} = {default!r}"

    return ", ".join(f"{k}: {show(*v)}" for k, v in table.items()) or "(no parameters)"


def describe_components() -> str:
    """Every component a config can name, with its parameters and defaults."""
    sections = [
        ("geometries (domain.geometry)", {k: v[0] for k, v in GEOMETRIES.items()}),
        ("terms (terms[i])", TERMS),
        ("points (a term's points: an int n, or)", {"mapping": POINTS}),
        ("losses (a term's loss: a name, or {type, ...})", LOSS_PARAMS),
        ("networks (network)", {k: v[0] for k, v in NETWORKS.items()}),
        ("optimizers (training.phases[i])", {k: v[0] for k, v in PHASES.items()}),
        ("training", {"training": TRAINING}),
        ("references (reference)", REFERENCES),
    ]
    lines = []
    for title, entries in sections:
        lines.append(title + ":")
        lines += [f"  {name:<14} {_table_text(table)}" for name, table in entries.items()]
    lines.append("samplers: " + ", ".join(SAMPLERS))
    lines.append("derivative methods (training.method): forward, taylor, reverse")
    return "\n".join(lines)
