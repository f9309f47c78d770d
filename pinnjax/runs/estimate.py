"""How long a run will take on this machine, from a short calibration (``pinnjax validate
--estimate``).

Each optimizer of the run is timed on the run's own problem for a few chunks of steps
(:data:`CHUNK` steps per compiled call, at most :data:`CHUNKS` chunks, fewer once
:data:`BUDGET` seconds of steps have passed after the first): the chunks after the first
give the seconds per step (fastest and slowest chunk), the first also carries a training's
start-up (building the loss, compiling, drawing points). The estimate is the run's step
budgets times those costs plus one start-up per optimizer of every training. An L-BFGS or
BFGS iteration costs most at the start, where its line search tries several steps, and
later often one loss-and-gradient evaluation, what an Adam step costs: so the least cost
of a step is no more than an Adam step's on the same problem (timed too).

A discovery's trainings differ in cost. The data-only fit is timed as it is; the smoothing
training carries the whole library's residual; the other joint trainings (pruning rounds,
polish, challenges) carry the active terms' residual, somewhere between the whole library
(timed: their most) and no term at all (an Adam step with the residual of the left-hand
side alone: their least). The range is the recipe's fewest trainings at the least costs
to its most at the most (:meth:`~pinnjax.discovery.recipe.Recipe.cost_range`), per seed.
Each is timed in its own precision: the polish in the run's ``dtype``, the trainings before
it in the recipe's ``explore_dtype`` (a polish that trains in ``explore_dtype`` and ends with
``finish_steps`` in ``dtype`` costs less than its whole budget in ``dtype``, the most counted).
Left out: selections, checks and plots between and after trainings, and the command's own
start-up; line-search phases that stop early (L-BFGS on its tolerance) take less than their
budget. A joint training may end on a plateau of its loss (the recipe's ``plateau``): its
last phase is counted at its whole budget at the most and at the plateau's window at the
least.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from ..discovery.discover import make_setup
from ..discovery.early_stop import PLATEAU_WINDOW
from ..discovery.stages import FitData, Polish, Smooth
from ..discovery.training import joint_problem
from ..problem.problem import Problem
from ..train.phases import Adam
from ..train.solve import solve
from .progress import _duration

CHUNK = 25  # steps per compiled call while timing (runs use 100: the host's share per step is small either way)
CHUNKS = 3  # chunks per optimizer: the first carries the compilation, the others the cost per step
BUDGET = 1.0  # seconds of steps per optimizer after its first chunk (a slow step is timed over 2 chunks)


@dataclasses.dataclass(frozen=True)
class StepCost:
    """One optimizer on one problem: (least, most) seconds per step and (least, most)
    seconds a training of it spends before its steps (building, compiling)."""

    per_step: tuple[float, float]
    startup: tuple[float, float]

    def seconds(self, steps: int, most: bool) -> float:
        return self.startup[int(most)] + steps * self.per_step[int(most)]


def _key(phase) -> tuple:
    return type(phase).__name__, phase.name


def time_phase(problem, network, phase, **solve_kwargs) -> StepCost:
    """Time ``phase`` (any step budget: it runs at most ``CHUNKS × CHUNK`` steps) on ``problem``."""
    marks, t0 = [], time.perf_counter()

    def mark(info):
        marks.append((time.perf_counter(), info["step"]))
        return len(marks) >= 2 and marks[-1][0] - marks[0][0] >= BUDGET

    cut = dataclasses.replace(phase, steps=CHUNK * CHUNKS)
    result = solve(problem, network, [cut], callback=mark, **{**solve_kwargs, "chunk": CHUNK})
    rates = [(b[0] - a[0]) / (b[1] - a[1]) for a, b in zip(marks, marks[1:]) if b[1] > a[1]]
    if not rates:  # stopped within its first chunk (a line search on its tolerance): the report's average
        report = result.phases[0]
        rate = max(report.wall_time - report.compile_time, 0.0) / max(report.steps, 1)
        startup = result.wall_time - rate * report.steps
        return StepCost((rate, rate), (startup, startup))
    first = marks[0]
    startup = max(first[0] - t0 - first[1] * float(np.median(rates)), 0.0)
    return StepCost((min(rates), max(rates)), (startup, startup))


@dataclasses.dataclass(frozen=True)
class Estimate:
    """(fewest, most) seconds of training, the costs measured ({label: StepCost}) and the
    seconds the calibration took."""

    seconds: tuple[float, float]
    costs: dict
    calibration: float
    scope: str

    def text(self) -> str:
        lo, hi = self.seconds
        costs = "; ".join(f"{label} {_ms(c.per_step)} per step, start-up {_range(c.startup, 's', '.2g')}"
                          for label, c in self.costs.items())
        return (f"estimated training time on this machine: {_duration(lo)} to {_duration(hi)} {self.scope} "
                f"({costs}; measured in a {self.calibration:.0f} s calibration)")


def _range(pair, unit: str, form: str) -> str:
    lo, hi = (format(x, form) for x in pair)
    return f"{lo}-{hi} {unit}" if lo != hi else f"{lo} {unit}"


def _ms(per_step: tuple[float, float]) -> str:
    return _range(tuple(1e3 * x for x in per_step), "ms", ".3g")


class Timer:
    """Times each (problem, optimizer) once: ``problems`` {name: problem}, on ``network``."""

    def __init__(self, problems: dict, network, **solve_kwargs):
        self.problems, self.network, self.kwargs, self.timed = problems, network, solve_kwargs, {}

    def __call__(self, problem: str, phase) -> StepCost:
        key = (problem, *_key(phase))
        if key not in self.timed:
            self.timed[key] = time_phase(self.problems[problem], self.network, phase, **self.kwargs)
        return self.timed[key]

    def floored(self, problem: str, phase, least: str | None = None) -> StepCost:
        """``phase``'s cost on ``problem``, its least no more than one loss-and-gradient
        evaluation per step (an Adam step) on ``least`` (default: the same problem): what an
        L-BFGS iteration costs once its line search takes the first step it tries."""
        cost, floor = self(problem, phase), self(least or problem, Adam(1))
        return StepCost((min(cost.per_step[0], floor.per_step[0]), cost.per_step[1]),
                        (min(cost.startup[0], floor.startup[0]), cost.startup[1]))


def estimate_run(exp) -> Estimate:
    """A forward/inverse run: every phase's budget at its optimizer's measured cost."""
    t0 = time.perf_counter()
    timer = Timer({"run": exp.problem}, exp.network, **{k: v for k, v in exp.solve_kwargs.items() if k != "chunk"})
    costs = {_key(p): timer.floored("run", p) for p in exp.phases}
    lo, hi = (sum(costs[_key(p)].seconds(p.steps, most) for p in exp.phases) for most in (False, True))
    return Estimate((lo, hi), {name: c for (_, name), c in costs.items()}, time.perf_counter() - t0,
                    f"for {sum(p.steps for p in exp.phases):,} steps (less where L-BFGS/BFGS stops early)")


def _stages(recipe) -> list:
    """Every stage of ``recipe`` that trains, retries included."""
    out = []
    for stage in recipe.stages:
        out += [s for s in (stage, *getattr(stage, "retry", ())) if s.steps()]
    return out


KINDS = {"data-only": "data-only", "whole": "whole-library", "joint": "joint",
         "final": "polish"}  # labels in the printed costs


def _kind(stage) -> str:
    """Which cost a stage's trainings have: the data-only fit, the whole library's (smoothing),
    a joint training of some terms, or the polish's (the answer, in the run's dtype)."""
    if isinstance(stage, (FitData, Smooth)):
        return "data-only" if isinstance(stage, FitData) else "whole"
    return "final" if isinstance(stage, Polish) else "joint"


def estimate_discovery(exp) -> Estimate:
    """A discovery: its recipe's fewest to most trainings and steps, per seed, at the costs
    measured (see the module's docstring)."""
    t0, seed = time.perf_counter(), exp.seeds[0]
    network = exp.make_network(len(exp.data.coordinates), len(exp.data.outputs()), seed)
    setup = make_setup(exp.domain, exp.data, network, exp.library, exp.recipe, lhs=exp.lhs, seed=seed,
                       **exp.setup_options)
    everything = list(range(setup.n_terms))
    problems = {"data-only": Problem(setup.domain, setup.outputs, setup.data_terms()),
                "whole": joint_problem(setup, everything, dict.fromkeys(everything, 1.0), 1.0),
                "none": joint_problem(setup, [], {}, 1.0)}
    explore = Timer(problems, network, dtype=setup.precision(False), seed=seed)  # trainings that decide
    final = explore if setup.precision(True) == setup.precision(False) else Timer(
        problems, network, dtype=setup.precision(True), seed=seed)  # the polish, in the run's dtype
    costs = {}
    for stage in _stages(exp.recipe):
        kind = _kind(stage)
        timer = final if kind == "final" else explore
        for phase in stage.phases:
            costs[(kind, *_key(phase))] = (timer.floored("whole", phase, "none") if kind in ("joint", "final")
                                           else timer.floored(kind, phase))
    n, steps = len(exp.seeds), exp.recipe.step_range()
    return Estimate(discovery_seconds(exp.recipe, costs, n), {f"{KINDS[k]} {name}": c for (k, _, name), c in costs.items()},
                    time.perf_counter() - t0, f"for {n * steps[0]:,} to {n * steps[1]:,} steps at their budgets ({n} "
                    f"seed{'s' if n > 1 else ''}; selections, checks and plots come on top; L-BFGS phases that stop "
                    "early take less" + ("; the least counts joint trainings ended on a plateau" if exp.recipe.plateau
                                         else "") + ")")


def _least_steps(recipe, stage, phase, last: bool) -> int:
    """The fewest steps ``phase`` of one of ``stage``'s trainings runs: a joint training's
    last phase may end on a plateau after :data:`PLATEAU_WINDOW` steps (``recipe.plateau``)."""
    if last and recipe.plateau > 0 and not isinstance(stage, FitData):
        return min(phase.steps, PLATEAU_WINDOW)
    return phase.steps


def discovery_seconds(recipe, costs: dict, n_seeds: int) -> tuple[float, float]:
    """(fewest, most) seconds of ``n_seeds`` runs of ``recipe``: its fewest trainings at the
    least costs, its most at the most. ``costs``: {(kind (see :func:`_kind`), phase class
    name, phase name): StepCost}."""
    def training(stage, most: bool) -> float:
        last = len(stage.phases) - 1
        return sum(costs[(_kind(stage), *_key(p))].seconds(p.steps if most else _least_steps(recipe, stage, p, i == last),
                                                           most) for i, p in enumerate(stage.phases))

    lo = recipe.cost_range(lambda stage: training(stage, False))[0]
    hi = recipe.cost_range(lambda stage: training(stage, True))[1]
    return n_seeds * lo, n_seeds * hi
