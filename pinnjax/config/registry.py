"""The one registry of config names: each component type, its parameters and its maker.

Every entry is an :class:`Entry`: ``table`` maps parameter -> (kind, default) (see
:mod:`.schema`), ``make`` builds the Python object (the same one the Python API makes)
and ``doc`` says what it is. ``describe_components`` (``pinnjax list``), the validation
of configs and of overrides all read these tables, so they cannot disagree.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from .. import geometry as geo
from ..discovery.recipe import DEFAULTS, SETUP_DEFAULTS
from ..discovery.strategies import SELECTORS
from ..engine.derivatives import DEFAULT_METHOD, METHODS
from ..geometry.sampling import SAMPLERS
from ..nn.networks import ACTIVATIONS, INITIALIZERS, MLP, RWF_MEAN, RWF_STD, ModifiedMLP, PirateNet, fourier_mlp
from ..problem.adaptive import RAD, RARD
from ..problem.causal import Causal
from ..problem.constraints import (
    GAUSS_ORDER,
    INEQUALITY_POINTS,
    MAX_GAUSS_ORDER,
    MAX_TIMES,
    N_TIMES,
    QMC_POINTS,
    QUADRATURE,
    QUADRATURES,
    Inequality,
    Integral,
)
from ..problem.energy import ENERGY_POINTS, REDUCE, REDUCTIONS, Energy
from ..problem.losses import LOSSES
from ..problem.names import MAX_ORDER
from ..problem.noise import DISTRIBUTIONS, Noise
from ..problem.point_terms import Point
from ..problem.point_weights import PointWeights
from ..problem.terms import PDE, Data, Dirichlet, Initial, Neumann, Periodic, Robin
from ..reference import analytic, spectral
from ..reference.burgers import NU as BURGERS_NU
from ..reference.burgers import burgers as burgers_reference
from ..train.balancing import Fixed, GradNorm, NTKTrace
from ..train.phases import BFGS, LBFGS, Adam
from ..train.quasi_newton import VARIANTS
from .schema import REQUIRED, Range, short_kind


@dataclasses.dataclass(frozen=True)
class Entry:
    table: dict
    make: Callable | None
    doc: str = ""
    part: str | None = None  # terms: the default part their points are drawn from
    renamed: dict = dataclasses.field(default_factory=dict)  # the maker's parameter -> its key here


# Sane ranges: every numeric key has one (checked by tests/test_hostile_config.py), and a
# value outside it is refused with the range in the message.
MAX_STEPS = 1_000_000  # steps of one phase: every step's losses are kept, in memory and in checkpoints
MAX_POINTS = 10_000_000  # points of one term, or of the data
MAX_SEED = 2**32 - 1
MAX_COORDINATE = 1e6  # |coordinate| of a domain; inputs are float32: rescale larger problems
STEPS = Range("posint", hi=MAX_STEPS)
POINT_COUNT = Range("posint", hi=MAX_POINTS)
SEED = Range("nonnegint", hi=MAX_SEED)
COORDINATE = Range("float", -MAX_COORDINATE, MAX_COORDINATE)
COORDINATES = Range("floats", -MAX_COORDINATE, MAX_COORDINATE)
LENGTH = Range("float", 0, MAX_COORDINATE, open_lo=True)
FACTOR = Range("float", -1e9, 1e9)  # a coefficient, a term weight's sign aside
POSITIVE = Range("float", 0, 1e6, open_lo=True)
CONSTANT = Range("float", -1e30, 1e30)  # a value of `constants:`
ORDER = Range("nonnegint", hi=MAX_ORDER)  # the highest derivative order the engine computes


def _t(coordinates):
    return None if coordinates is None else tuple(coordinates)


COORDS = {"coordinates": ("strs", None)}
GEOMETRIES = {
    "interval": Entry({"min": (COORDINATE, REQUIRED), "max": (COORDINATE, REQUIRED), **COORDS},
                      lambda min, max, coordinates: geo.Interval(min, max, coordinates=_t(coordinates)),
                      "[min, max]; coordinate x; parts left, right", renamed={"a": "min", "b": "max"}),
    "rectangle": Entry({"lo": (COORDINATES, REQUIRED), "hi": (COORDINATES, REQUIRED), **COORDS},
                       lambda lo, hi, coordinates: geo.Rectangle(lo, hi, coordinates=_t(coordinates)),
                       "[lo, hi] in 2-D; coordinates x, y; parts left, right, bottom, top"),
    "box": Entry({"lo": (COORDINATES, REQUIRED), "hi": (COORDINATES, REQUIRED), **COORDS},
                 lambda lo, hi, coordinates: geo.Box(lo, hi, coordinates=_t(coordinates)),
                 "[lo, hi] in 3-D; coordinates x, y, z; parts x_min ... z_max"),
    "disk": Entry({"center": (COORDINATES, REQUIRED), "radius": (LENGTH, REQUIRED), **COORDS},
                  lambda center, radius, coordinates: geo.Disk(center, radius, coordinates=_t(coordinates)),
                  "a disk; part circle"),
    "polygon": Entry({"vertices": (Range("pairs", -MAX_COORDINATE, MAX_COORDINATE), REQUIRED), **COORDS},
                     lambda vertices, coordinates: geo.Polygon(vertices, coordinates=_t(coordinates)),
                     "vertices [[x, y], ...] counter-clockwise; parts edge0, edge1, ..."),
    "lshape": Entry({**COORDS}, lambda coordinates: geo.lshape(_t(coordinates)),
                    "[-1, 1]^2 minus (0, 1] x [-1, 0]"),
    "union": Entry({"of": ("list", REQUIRED), **COORDS}, geo.Union, "of: [a, b]"),
    "intersection": Entry({"of": ("list", REQUIRED), **COORDS}, geo.Intersection, "of: [a, b]"),
    "difference": Entry({"of": ("list", REQUIRED), **COORDS}, geo.Difference, "of: [a, b]: a minus b"),
}
CSG = ("union", "intersection", "difference")
DOMAIN = {"geometry": ("mapping", None), "time": (COORDINATES, None)}  # at least one; time alone: an ODE

CAUSAL = {"slices": (Range("posint", hi=10_000), Causal.slices),
          "epsilon": (Range("float", 0, 1e6, open_lo=True), Causal.epsilon),
          "tol": (Range("float", 0, 1, open_lo=True), Causal.tol), "factor": (Range("float", 1, 1e3), Causal.factor),
          "max_epsilon": (Range("float", 0, 1e6, open_lo=True), Causal.max_epsilon), "every": (STEPS, Causal.every)}
POINT_WEIGHTS = {"lr": (Range("float", 0, 1e3, open_lo=True), PointWeights.lr),
                 "decay": (Range("float", 0, 1, note="decay",
                                 hint="1: SA-PINN min-max; < 1 (e.g. 0.999): residual-based attention"),
                           PointWeights.decay),
                 "every": (STEPS, PointWeights.every)}
COMMON_TERM = {"name": ("name", None), "loss": ("loss", "mse"), "weight": (Range("float", 0, 1e9), 1.0),
               "point_weights": ("mapping", None)}
COND = {"on": ("str", "boundary"), "points": ("points", 100)}
TERMS = {
    "pde": Entry({"residual": ("expr", REQUIRED), "points": ("points", 1000), "causal": ("mapping", None),
                  **COMMON_TERM},
                 lambda p, pts, c: PDE(p["residual"], pts, **c), "residual = 0 at points", "interior"),
    "dirichlet": Entry({"field": ("str", REQUIRED), "value": ("expr", 0.0), **COND, **COMMON_TERM},
                       lambda p, pts, c: Dirichlet(p["field"], p["value"], p["on"], pts, **c), "field = value on part `on`"),
    "neumann": Entry({"field": ("str", REQUIRED), "value": ("expr", 0.0), **COND, **COMMON_TERM},
                     lambda p, pts, c: Neumann(p["field"], p["value"], p["on"], pts, **c), "d field/dn = value on part `on`"),
    "robin": Entry({"field": ("str", REQUIRED), "alpha": (FACTOR, REQUIRED), "beta": (FACTOR, REQUIRED),
                    "value": ("expr", 0.0), **COND, **COMMON_TERM},
                   lambda p, pts, c: Robin(p["field"], p["alpha"], p["beta"], p["value"], p["on"], pts, **c),
                   "alpha field + beta d field/dn = value on part `on`"),
    "initial": Entry({"field": ("str", REQUIRED), "value": ("expr", REQUIRED), "points": ("points", 200), **COMMON_TERM},
                     lambda p, pts, c: Initial(p["field"], p["value"], pts, **c), "field = value at t0", "initial"),
    "periodic": Entry({"fields": ("names", REQUIRED), "coordinate": ("str", "x"), "derivatives": (ORDER, 1),
                       "points": ("points", 100), **COMMON_TERM},
                      lambda p, pts, c: Periodic(p["fields"], p["coordinate"], p["derivatives"], pts, **c),
                      "equal values (and derivatives) at both ends of coordinate", "interior"),
    "inequality": Entry({"expression": ("expr", None), "constraint": ("str", None), "lower": ("expr", None),
                         "upper": ("expr", None), "points": ("points", INEQUALITY_POINTS), **COMMON_TERM},
                        lambda p, pts, c: Inequality(p["expression"], pts, p["lower"], p["upper"], **c),
                        "lower <= expression <= upper at points, the violation penalized; or constraint: "
                        "'G_xx >= 0' / '0 <= c <= 1'", "interior"),
    "integral": Entry({"integrand": ("expr", REQUIRED), "value": ("expr", REQUIRED), "over": ("str", "interior"),
                       "quadrature": (QUADRATURES, QUADRATURE), "order": (Range("posint", hi=MAX_GAUSS_ORDER), GAUSS_ORDER),
                       "qmc_points": (POINT_COUNT, QMC_POINTS), "per_time": ("bool", False),
                       "n_times": (Range("posint", hi=MAX_TIMES), N_TIMES),
                       **{k: v for k, v in COMMON_TERM.items() if k != "point_weights"}},
                      lambda p, _pts, c: Integral(p["integrand"], p["value"], p["over"], p["quadrature"], p["order"],
                                                  qmc_points=p["qmc_points"], per_time=p["per_time"],
                                                  n_times=p["n_times"], **c),
                      "integral of integrand over part `over` = value (gauss: Gauss-Legendre on boxes, qmc: Sobol'); "
                      "per_time: at each of n_times times, value: initial conserves it"),
    "point": Entry({"expression": ("expr", REQUIRED), "at": ("at", REQUIRED), "value": ("expr", 0.0),
                    **{k: v for k, v in COMMON_TERM.items() if k != "point_weights"}},
                   lambda p, _pts, c: Point(p["expression"], p["at"], p["value"], **c),
                   "expression = value at given points; a coordinate of `at` may name a coefficient (a point that "
                   "trains): {type: point, expression: E_V, at: {V: V0}}"),
    "energy": Entry({"energy": ("expr", REQUIRED), "points": ("points", ENERGY_POINTS), "table": ("table", None),
                     "pairs": ("bool", False), "sites": ("table", None), "distance": ("strs", None),
                     "reduce": (REDUCTIONS, REDUCE), "name": ("name", None), "weight": COMMON_TERM["weight"]},
                    lambda p, pts, c: Energy(p["energy"], pts, columns=p["columns"], pairs=p["pairs"],
                                             sites=p["sites"], distance=p["distance"] or (), reduce=p["reduce"], **c),
                    "the loss is the energy: sum of `energy` over points (table: given points with per-point "
                    "columns), over pairs i < j (pairs: true; names x_1, x_2 and r, the distance over `distance`), "
                    "or against fixed sites", "interior"),
    "data": Entry({"targets": ("names", None), "file": ("str", None), "reference": ("mapping", None),
                   "n_points": (POINT_COUNT, None), "noise": ("any", None), "seed": (SEED, 0), **COMMON_TERM},
                  lambda targets, given, c: Data(targets, given, **c),
                  "measured values: a file (.npz or .csv, one column per coordinate and per target), or a built-in "
                  "reference subsampled to n_points (rows chosen by seed) with noise drawn per training seed: "
                  "noise: 0.05 or {level: 0.05, distribution: student_t, df: 2, outliers: 0.02}"),
}
POINTS = {"n": (POINT_COUNT, REQUIRED), "sampler": (tuple(SAMPLERS), "sobol"), "part": ("str", None),
          "resample": ("bool", True), "adaptive": ("mapping", None)}


def _adaptive(cls, **extra) -> dict:
    return {"k": (Range("float", 0, 1e3), cls.k), "c": (Range("float", 0, 1e3), cls.c),
            "candidates": (Range("posint", hi=1000), cls.candidates), **extra}


REPLACE = Range("float", 0, 1, open_lo=True, note="the fraction of points replaced per round", hint="e.g. replace: 0.1")
ADAPTIVES = {  # points.adaptive: {type: rad (the default) | rard, ...}
    "rad": Entry(_adaptive(RAD), RAD, "redraw every point, with probability ∝ |r|^k / mean|r|^k + c"),
    "rard": Entry(_adaptive(RARD, replace=(REPLACE, RARD.replace)), RARD,
                  "replace the fraction `replace` of points with the smallest residual by points drawn like rad"),
}

LOGITS = {"from_logits": ("bool", True)}
PROBABILITIES = {"from_logits": ("bool", False)}
SMOOTHING = {"label_smoothing": (Range("float", 0, 1, open_hi=True), 0.0)}
LOSSES_TABLE = {"mse": {}, "mae": {}, "rmse": {}, "huber": {"delta": (POSITIVE, 1.0)},
                "pseudo_huber": {"delta": (POSITIVE, 1.0)}, "log_cosh": {"scale": (POSITIVE, 1.0)},
                "cauchy": {"scale": (POSITIVE, 1.0)},
                "quantile": {"tau": (Range("float", 0, 1, open_lo=True, open_hi=True), 0.5)},
                "student_t": {"nu": (POSITIVE, 3.0), "scale": (POSITIVE, 1.0)},
                "binary_cross_entropy": {**LOGITS, **SMOOTHING}, "categorical_cross_entropy": {**LOGITS, **SMOOTHING},
                "focal": {"gamma": (Range("float", 0, 100), 2.0), **LOGITS, "multiclass": ("bool", False)},
                "soft_f1": PROBABILITIES, "soft_fbeta": {"beta": (POSITIVE, 1.0), **PROBABILITIES},
                "mcc": PROBABILITIES, "tree": {"parents": (Range("floats", -1, 1e6), REQUIRED),
                                               "classes": (("leaves", "nodes"), "leaves"), **LOGITS},
                "kl": PROBABILITIES, "jensen_shannon": PROBABILITIES,
                "soft_edit_distance": {"temperature": (POSITIVE, 0.1), **PROBABILITIES}}
LOSS_ENTRIES = {name: Entry(table, LOSSES[name], (LOSSES[name].__doc__ or "").strip().split("\n")[0])
                for name, table in LOSSES_TABLE.items()}
assert set(LOSS_ENTRIES) == set(LOSSES)
# A discovery's data_loss may give its scale relative to the data: `delta: {robust_std: 0.2}`.
RELATIVE_SCALE = {"robust_std": (Range("float", 0, 1e6, open_lo=True, note="a multiple of the data's robust standard "
                                       "deviation (1.4826 x the median absolute deviation of the measured values)",
                                       hint="e.g. robust_std: 0.2, or a number in the field's units instead of the "
                                       "mapping"), REQUIRED)}

NET_COMMON = {"width": (Range("posint", hi=4096), 32), "depth": (Range("posint", hi=64), 4), "activation": (tuple(ACTIVATIONS), "tanh"),
              "init": (tuple(INITIALIZERS), "glorot_normal"), "rwf": ("mapping", None),
              "periodic": ("mapping", {}), "harmonics": (Range("posint", hi=64), 1)}
RWF = {"mean": (Range("float", -10, 10), RWF_MEAN), "std": (Range("float", 0, 10), RWF_STD)}
NETWORKS = {
    "mlp": Entry(NET_COMMON, lambda d, m, key, dtype, width, depth, activation, init:
                 MLP(d, m, width, depth, activation, init, key=key, dtype=dtype), "multilayer perceptron"),
    "modified_mlp": Entry(NET_COMMON, lambda d, m, key, dtype, width, depth, activation, init:
                          ModifiedMLP(d, m, width, depth, activation, init, key=key, dtype=dtype),
                          "MLP with two gating encoders (Wang et al.)"),
    "fourier_mlp": Entry({**NET_COMMON, "num_features": (Range("posint", hi=4096), 64),
                          "scale": (Range("float", 0, 1e4, open_lo=True), 1.0)},
                         lambda d, m, key, dtype, width, depth, activation, init, num_features, scale: fourier_mlp(
                             d, m, width, depth, num_features, scale, activation, init, key=key, dtype=dtype),
                         "random Fourier features, then an MLP"),
    "piratenet": Entry({**{k: v for k, v in NET_COMMON.items() if k != "depth"},
                        "blocks": (Range("posint", hi=64), 3), "scale": (Range("float", 0, 1e4, open_lo=True), 1.0)},
                       lambda d, m, key, dtype, width, blocks, scale, activation, init: PirateNet(
                           d, m, width, blocks, scale, activation, init, key=key, dtype=dtype),
                       "Fourier features, gates and residual blocks starting as the identity (Wang et al. 2024)"),
}

PHASES = {
    "adam": Entry({"steps": (STEPS, REQUIRED), "learning_rate": (Range("float", 0, 10, open_lo=True), 1e-3),
                   "decay_rate": (Range("float", 0, 1, open_lo=True), None), "decay_steps": (STEPS, 1000),
                   "warmup": (Range("nonnegint", hi=MAX_STEPS), 0)}, Adam,
                  "lr * decay_rate ** (step / decay_steps), after a linear warm-up"),
    "lbfgs": Entry({"steps": (STEPS, REQUIRED), "memory": (Range("posint", hi=1000), 50), "gtol": (Range("float", 0, 1), 1e-10),
                    "ftol": (Range("float", 0, 1), 0.0), "patience": (STEPS, 50),
                    "max_linesearch_steps": (Range("posint", hi=1000), 30), "resample": ("bool", LBFGS.resample)}, LBFGS,
                   "L-BFGS, zoom line search; stops at gtol, patience or steps"),
    "bfgs": Entry({"steps": (STEPS, REQUIRED), "variant": (VARIANTS, BFGS.variant),
                   "gtol": (Range("float", 0, 1), BFGS.gtol), "ftol": (Range("float", 0, 1), BFGS.ftol),
                   "patience": (STEPS, BFGS.patience),
                   "max_linesearch_steps": (Range("posint", hi=1000), BFGS.max_linesearch_steps),
                   "stepsize_precision": (Range("float", 0, 1, open_lo=True), BFGS.stepsize_precision),
                   "max_parameters": (Range("posint", hi=100_000), BFGS.max_parameters),
                   "resample": ("bool", BFGS.resample)}, BFGS,
                  "full-matrix (self-scaled) BFGS / Broyden, zoom line search; small networks, float64"),
}
BALANCE = {"every": (STEPS, GradNorm.every), "alpha": (Range("float", 0, 1, open_hi=True), GradNorm.alpha)}
BALANCERS = {
    "fixed": Entry({}, Fixed, "each term keeps its own weight"),
    "grad_norm": Entry(BALANCE, GradNorm, "learning-rate annealing: equal gradient norms, moving average alpha"),
    "ntk_trace": Entry(BALANCE, NTKTrace, "equal neural-tangent-kernel traces, moving average alpha"),
}
TRAINING = {"phases": ("list", REQUIRED), "resample_every": (STEPS, None), "chunk": (Range("posint", hi=100_000), 100),
            "method": (METHODS, DEFAULT_METHOD), "scale_inputs": ("bool", True), "balancing": ("mapping", None)}

GRID = {"nx": (Range("posint", hi=8192), 256), "nt": (Range("posint", hi=10_000), 101)}
REFERENCES = {
    "burgers": Entry({"nu": (Range("float", 0, 10, open_lo=True), BURGERS_NU)}, lambda nu: burgers_reference(nu=nu),
                     "exact (Hopf-Cole), 256 x 101 grid"),
    "heat_mixed": Entry({"alpha": (Range("float", 0, 100, open_lo=True), analytic.HEAT_ALPHA)}, lambda alpha: analytic.heat_mixed(alpha=alpha),
                        "exact series, u(0,t) = 0, u_x(1,t) = 0, u0 = x(2-x)"),
    "laplace": Entry({}, analytic.laplace_square, "exact, unit square"),
    "poisson_lshape": Entry({}, analytic.poisson_lshape, "exact, L-shape"),
    "allen_cahn": Entry({"eps": (Range("float", 0, 1, open_lo=True), spectral.ALLEN_CAHN_EPS)}, lambda eps: spectral.allen_cahn(eps=eps),
                        "ETDRK4 spectral, u0 = x^2 cos(pi x)"),
    "kdv": Entry({"eta": (Range("float", -100, 100), spectral.KDV_ETA), "mu": (Range("float", -10, 10), spectral.KDV_MU)},
                 lambda eta, mu: spectral.kdv(eta=eta, mu=mu), "ETDRK4 spectral, u0 = cos(pi x)"),
    "kdv_two_soliton": Entry({**GRID, "t_end": (Range("float", 0, 100, open_lo=True), 5.0)},
                             analytic.kdv_two_soliton, "exact (Hirota), u_t + 6 u u_x + u_xxx = 0, x in [-10, 10]"),
    "kuramoto_sivashinsky": Entry({**GRID, "t_end": (Range("float", 0, 1000, open_lo=True), 40.0)},
                                  spectral.kuramoto_sivashinsky,
                                  "ETDRK4, u_t + u u_x + u_xx + u_xxxx = 0, x in [0, 32 pi) periodic"),
    "file": Entry({"file": ("str", REQUIRED), "field": ("str", "u")}, None,
                  ".npz: one 1-D array per coordinate, the field on their grid (ij)"),
}

DTYPES = ("float32", "float64")
TOP = {
    "name": ("runname", REQUIRED), "seed": (SEED, 0), "dtype": (DTYPES, "float32"),
    "domain": ("mapping", REQUIRED), "fields": ("strs", REQUIRED), "constants": ("mapping", {}),
    "coefficients": ("mapping", {}), "transform": ("mapping", None), "terms": ("list", REQUIRED),
    "network": ("mapping", REQUIRED), "training": ("mapping", REQUIRED), "reference": ("mapping", None),
    "output": ("mapping", {}), "ensemble": ("ensemble", None),
}
MAX_MEMBERS = 1024  # members of one ensemble: each holds its own network, optimizer state and points
LOGGERS = ("tensorboard", "wandb")  # output.loggers: pinnjax.runs.loggers makes them (optional packages)
OUTPUT = {"dir": ("str", "runs"), "checkpoint_every": (STEPS, 1000), "loggers": ("strs", [])}
COEFFICIENT = {"init": (FACTOR, 1.0), "log": ("bool", False), "bounds": (Range("floats", -1e9, 1e9), None)}

# Discovery configs (`pinnjax discover`): recognised by `kind: discovery` or a top-level
# `library` or `data` key; domain, network, phases and references are the entries above.
def phase_entries(phases) -> list[dict]:
    """The YAML entries of optimizer phases (non-default parameters only)."""
    entries = []
    for phase in phases:
        kind = next(k for k, e in PHASES.items() if e.make is type(phase))
        table = PHASES[kind].table
        entries.append({"type": kind, **{k: getattr(phase, k) for k, (_, d) in table.items() if getattr(phase, k) != d}})
    return entries


# Defaults from pinnjax.discovery.recipe.DEFAULTS: a config and its Python twin run the same recipe.
D, S = DEFAULTS, SETUP_DEFAULTS
PENALTY = Range("float", 0, 100, note="a fraction of var(lhs)", hint="e.g. 5.0e-2")
DISCOVERY_TOP = {
    "kind": (("discovery",), "discovery"), "name": ("runname", REQUIRED), "data": ("mapping", REQUIRED),
    "library": ("mapping", {}), "lhs": ("any", None),  # a name, or a list: one per field (checked in build)
    "selector": (tuple(SELECTORS), D["selector"]),
    "alternate": ("bool", D["alternate"]), "penalty": (PENALTY, D["penalty"]),
    "screen_penalty": (PENALTY, D["screen_penalty"]), "max_rounds": (Range("posint", hi=100), D["max_rounds"]),
    "max_widenings": (Range("nonnegint", hi=100), D["max_widenings"]), "weak_form": ("bool", D["weak_form"]),
    "test_width": (Range("float", 0, 0.25, open_lo=True, note="a test function's half-width as a fraction of the "
                         "data's extent", hint=f"e.g. {D['test_width']}"), D["test_width"]),
    "stable_fraction": (Range("optfloat", 0, 1, open_lo=True, note="the fraction of bootstrap resamples that must "
                              "keep a term for it to join the first active set", hint="use null to turn it off"),
                        D["stable_fraction"]),
    "smooth_first": ("bool", D["smooth_first"]), "union_fit": ("bool", D["union_fit"]),
    "validation": (Range("float", 0, 1, open_hi=True, note="the fraction of data held out to early-stop the fit",
                         hint="use 0 to fit all data to the end"), D["validation"]),
    "polish_pde_weight": (Range("float", 0, 1e6, open_lo=True, note="the residual's weight in the polish training "
                                "(data: 1)", hint="e.g. 10 enforces the equation harder"), D["polish_pde_weight"]),
    "challengers": (Range("nonnegint", hi=100), D["challengers"]),
    "removals": (Range("nonnegint", hi=100), D["removals"]),
    "plateau": (Range("float", 0, 1, note="a joint training ends once the rest of its budget could change the loss "
                      "by less than this fraction of its statistical resolution", hint="use 0 to run every budget "
                      "to its end"), D["plateau"]),
    "explore_dtype": (("auto",) + DTYPES, D["explore_dtype"]),  # the trainings before the polish; the polish in `dtype`
    "finish_steps": (Range("nonnegint", hi=MAX_STEPS, note="L-BFGS steps in dtype that end the polish when exploring "
                           "in float32", hint="use 0 to train the polish in dtype throughout"), D["finish_steps"]),
    "fit": ("list", phase_entries(D["fit_phases"])), "physics": ("list", phase_entries(D["physics_phases"])),
    "polish": ("list", phase_entries(D["polish_phases"])), "network": ("mapping", REQUIRED),
    "periodic": ("mapping", {}), "n_collocation": (POINT_COUNT, S["n_collocation"]),
    "residual_data_points": (POINT_COUNT, S["residual_data_points"]), "data_loss": ("loss", S["data_loss"]),
    "dtype": (DTYPES, S["dtype"]), "seeds": (Range("seeds", hi=MAX_SEED), [0]),
    "n_bootstrap": (Range("nonnegint", hi=10_000), D["n_bootstrap"]), "domain": ("mapping", None),
    "output": ("mapping", {}),
}
NOISE = {"level": (Range("float", 0, 10, note="the noise level, a fraction of the values' standard deviation",
                         hint="e.g. 0.05"), Noise.level),
         "distribution": (tuple(DISTRIBUTIONS), Noise.distribution),
         "df": (Range("float", 0, 1e6, open_lo=True, note="Student-t degrees of freedom"), Noise.df),
         "outliers": (Range("float", 0, 0.5, note="the fraction of gross outliers"), Noise.outliers),
         "outlier_size": (Range("float", 0, 1e3, note="the outliers' size in standard deviations"), Noise.outlier_size)}
DISCOVERY_DATA = {
    "reference": ("mapping", None), "files": ("files", None), "field": ("name", "u"), "coordinates": ("names", ["x", "t"]),
    "fields": ("names", None),  # several fields (one equation each), instead of field
    "n_points": (POINT_COUNT, None),
    "noise": ("any", 0.0),  # a level (fraction of the field's std) or a NOISE mapping
    "seed": (SEED, 0), "trajectory_column": ("str", "trajectory"),
}
LIBRARY = {"degree": (Range("nonnegint", hi=6), 2), "order": (ORDER, 3), "extra": ("strs", [])}
# A period of `periodic: {x: 32*pi}` (an expression, checked once evaluated).
PERIOD = Range("float", 0, MAX_COORDINATE, open_lo=True)
# checkpoint_every: steps between checkpoints within each training (no loggers: discovery writes no metrics.jsonl)
DISCOVERY_OUTPUT = {k: v for k, v in OUTPUT.items() if k != "loggers"}


def is_discovery(config) -> bool:
    """A discovery config (for `pinnjax validate` and overrides) rather than a forward one."""
    return isinstance(config, dict) and (config.get("kind") == "discovery" or "library" in config or "data" in config)


# Where each typed component lives: path pattern -> registry ("*" = a list index).
TYPED = {("domain", "geometry"): GEOMETRIES, ("terms", "*"): TERMS, ("terms", "*", "loss"): LOSS_ENTRIES,
         ("network",): NETWORKS, ("training", "phases", "*"): PHASES, ("reference",): REFERENCES,
         ("training", "balancing"): BALANCERS,
         ("fit", "*"): PHASES, ("physics", "*"): PHASES, ("polish", "*"): PHASES, ("data", "reference"): REFERENCES,
         ("data_loss",): LOSS_ENTRIES, ("terms", "*", "reference"): REFERENCES}
PLAIN = {(): TOP, ("domain",): DOMAIN, ("training",): TRAINING, ("output",): OUTPUT,
         ("terms", "*", "points"): POINTS, ("coefficients", "?"): COEFFICIENT,
         ("data",): DISCOVERY_DATA, ("library",): LIBRARY, ("terms", "*", "noise"): NOISE, ("data", "noise"): NOISE}
FREE = {("constants",), ("coefficients",), ("transform",), ("periodic",), ("network", "periodic")}


def _pattern(keys: Sequence) -> tuple:
    out = []
    for i, k in enumerate(keys):
        if isinstance(k, int):
            out.append("*")
        elif i == 1 and keys[0] == "coefficients":
            out.append("?")
        else:
            out.append(k)
    # union/intersection/difference nest geometries under `of`: domain.geometry.of.0...
    while len(out) > 2 and out[:2] == ["domain", "geometry"] and out[2:4] == ["of", "*"]:
        out[2:4] = []
    return tuple(out)


def table_at(keys: Sequence, node) -> dict | None:
    """The keys allowed in the mapping ``node`` at ``keys`` (None: any name, or unknown)."""
    pattern = _pattern(keys)
    if not pattern and is_discovery(node):
        return DISCOVERY_TOP
    if pattern in PLAIN:
        return PLAIN[pattern]
    if pattern in TYPED:
        entries = TYPED[pattern]
        if pattern[-1] == "reference" and isinstance(node, dict) and "file" in node and "type" not in node:
            return {**entries["file"].table, "type": ("str", None)}
        kind = node.get("type") if isinstance(node, dict) else None
        if kind not in entries:
            return None  # the build step reports the missing or unknown type
        return {"type": ("str", REQUIRED), **entries[kind].table}
    return None


def _params(table: dict) -> str:
    def show(kind, default):
        return short_kind(kind) + (
            " (required)" if default is REQUIRED else f" = {default!r}")

    return ", ".join(f"{k}: {show(*v)}" for k, v in table.items()) or "(no parameters)"


def describe_components() -> str:
    """Every component a config can name, with its parameters and defaults."""
    lines = ["top level: " + _params(TOP), "domain: " + _params(DOMAIN) + "   (time adds coordinate t, last; time alone, no geometry: an ODE in t)"]
    for title, entries in [("geometries (domain.geometry.type)", GEOMETRIES), ("terms (terms[i].type)", TERMS),
                           ("losses (a term's loss: a name, or {type, ...})", LOSS_ENTRIES),
                           ("networks (network.type)", NETWORKS), ("optimizers (training.phases[i].type)", PHASES),
                           ("loss balancing (training.balancing.type)", BALANCERS),
                           ("references (reference.type)", REFERENCES)]:
        lines.append(title + ":")
        for name, e in entries.items():
            lines.append(f"  {name:<14} {_params(e.table)}")
            if e.doc:
                lines.append(f"  {'':<14}   {e.doc}")
    lines += [
        "points (a term's points): a number n, or " + _params(POINTS),
        *(f"  adaptive: {{type: {name}, {_params(e.table)}}}   ({e.doc})" for name, e in ADAPTIVES.items()),
        "point_weights (any term; self-adaptive per-point weights): " + _params(POINT_WEIGHTS),
        "samplers: " + ", ".join(SAMPLERS),
        "activations: " + ", ".join(ACTIVATIONS),
        "initializers: " + ", ".join(INITIALIZERS),
        "training: " + _params(TRAINING),
        "coefficients (name: number, or): " + _params(COEFFICIENT),
        "output: " + _params(OUTPUT) + f"   (loggers: any of {', '.join(LOGGERS)})",
        "discovery configs (pinnjax discover; kind: discovery): " + _params(DISCOVERY_TOP),
        "  data: " + _params(DISCOVERY_DATA) + "   (reference: {type, ...} or files: [a.npz, b.csv])",
        "  library: " + _params(LIBRARY) + "   (extra: text terms, e.g. sin(x))",
        "  fit, physics: lists of optimizers; periodic: {coordinate: period}; output: " + _params(DISCOVERY_OUTPUT),
    ]
    return "\n".join(lines)
