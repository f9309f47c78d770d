"""A discovery as a recipe: named stages run in order over an explicit state, with the
selector and the view of the library as strategy objects.

The default recipe, as :func:`default_recipe` builds it with the defaults in
:data:`DEFAULTS` (the one source of defaults for :func:`~pinnjax.discovery.discover`,
:class:`~pinnjax.discovery.PDEDiscovery` and YAML configs)::

    Recipe(stages=(
        FitData(phases=(Adam(3000), LBFGS(3000)), validation=0.2),   # data only, early-stopped
        Screen(penalty=0.05, name="select-fit"),                     # select on that fit
        Smooth(phases=(Adam(5000), LBFGS(8000))),                   # data + the whole library
        Screen(penalty=0.05, bootstrap=Bootstrap(100, 0.5)),         # select again, unite, bootstrap
        Prune(phases=(Adam(5000), LBFGS(8000)), max_rounds=3),      # retrain + re-select, shrinking
        Polish(phases=(LBFGS(6000),), finish=1000),                  # last joint training (float32, then
                                                                     # 1000 steps in float64), probation
        Challenge(phases=(LBFGS(3000),), challengers=2, removals=1), # terms the data need, both ways
                                                                     # (half the polish's budget)
        Widen(retry=(Prune(...), Polish(...), Challenge(...)), max_widenings=1),  # misfit? wider set
    ), selector=STLSQ(), view=PointwiseView())

A recipe of one's own uses the same stages: ``Recipe((FitData(), Screen(), Prune()))``.
"""

from __future__ import annotations

import dataclasses

from ..train.phases import LBFGS, Adam
from .challenge import REMOVALS_NOTE, Challenge
from .early_stop import PLATEAU, check_plateau
from .training import FINISH_NOTE, FINISH_STEPS
from .sparse import (
    DEFAULT_PENALTY,
    MAX_WIDENINGS,
    SCREEN_PENALTY,
    STABLE_FRACTION,
    check_sparsity_options,
)
from .stages import (
    AbstractStage,
    FitData,
    Polish,
    Prune,
    Screen,
    Smooth,
    State,
    Widen,
    check_integer,
    checked,
    stream,
)
from .strategies import (
    STLSQ,
    AbstractSelector,
    AbstractView,
    Bootstrap,
    PointwiseView,
    WeakView,
    as_selector,
)
from .weak import TEST_WIDTH

# The one source of the defaults of a discovery's options (Python API and YAML alike).
DEFAULTS = {
    "selector": "stlsq", "alternate": True, "penalty": DEFAULT_PENALTY, "screen_penalty": SCREEN_PENALTY,
    "stable_fraction": STABLE_FRACTION, "n_bootstrap": 100, "smooth_first": True, "union_fit": True,
    "validation": 0.2, "max_rounds": 3, "max_widenings": MAX_WIDENINGS, "weak_form": False, "test_width": TEST_WIDTH,
    "polish_pde_weight": 1.0, "challengers": 2, "removals": 1, "plateau": PLATEAU,
    "explore_dtype": "auto", "finish_steps": FINISH_STEPS,
    "fit_phases": (Adam(3000, 1e-3), LBFGS(3000)),
    "physics_phases": (Adam(5000, 1e-3), LBFGS(8000)),
    "polish_phases": (LBFGS(6000),),
}
# Options of the run rather than the recipe: where the residual and the library are evaluated.
SETUP_DEFAULTS = {"n_collocation": 4000, "residual_data_points": None, "data_loss": "mse", "dtype": "float64"}


@dataclasses.dataclass(frozen=True)
class Recipe:
    """Stages run in order (unique names: each names its random stream), the selector every
    selection uses, the view of the library they read, and when a joint training may end
    before its budget: ``plateau`` (a fraction of the data misfit's statistical resolution;
    0: every training runs its whole budget; see :class:`~.early_stop.PlateauStop`), and the
    precision of the trainings that only decide which terms to keep (``explore_dtype``: the
    data-only fit, smoothing, pruning rounds, challenge trials; None: the run's ``dtype``,
    in which the polish trains the answer)."""

    stages: tuple
    selector: AbstractSelector = STLSQ()
    view: AbstractView = PointwiseView()
    plateau: float = PLATEAU
    explore_dtype: str | None = None

    def __post_init__(self):
        object.__setattr__(self, "stages", tuple(self.stages))
        check_plateau(self.plateau)
        if self.explore_dtype not in (None, "float32", "float64"):
            raise ValueError(f"explore_dtype must be 'float32', 'float64' or None (the run's dtype; 'auto' among "
                             f"discovery options), got {self.explore_dtype!r}")
        bad = [s for s in self.stages if not isinstance(s, AbstractStage)]
        if bad:
            raise TypeError(f"a recipe's stages must be stages (FitData, Screen, ...), got {type(bad[0]).__name__}")
        names = [s.name for s in self.stages]
        if len(set(names)) != len(names):
            raise ValueError(f"stage names must be unique (each names its random stream), got {names}; "
                             "pass name= to tell two stages of one kind apart")
        if not self.stages or not isinstance(self.stages[0], FitData):
            raise ValueError("a recipe starts with FitData (the network fitted to the data)")
        if not any(isinstance(s, Screen) for s in self.stages):
            raise ValueError("a recipe needs a Screen stage (the selection of terms)")

    def __str__(self) -> str:
        return " -> ".join(s.name for s in self.stages)

    def steps(self) -> dict[str, int]:
        """{stage name: optimizer steps of one of its trainings} (the retries' too)."""
        out = {}
        for stage in self.stages:
            out[stage.name] = stage.steps()
            out.update({s.name: s.steps() for s in getattr(stage, "retry", ())})
        return out

    def step_range(self) -> tuple[int, int]:
        """(fewest, most) optimizer steps of one seed's run: stages that repeat (pruning
        rounds, challenges, widenings) counted once and as often as they may run."""
        return self.cost_range(lambda stage: stage.steps())

    def cost_range(self, cost) -> tuple[float, float]:
        """(fewest, most) total ``cost(stage)`` of one seed's run, ``cost`` that of one of a
        stage's trainings (see :meth:`AbstractStage.cost_range`)."""
        ranges = [stage.cost_range(cost) for stage in self.stages]
        return sum(lo for lo, _ in ranges), sum(hi for _, hi in ranges)

    def run(self, setup) -> State:
        """Every stage in order, each with its own random stream; the final state, checked."""
        state = State()
        for stage in self.stages:
            state = stage(setup, state, stream(setup.seed, stage.name))
        state = dataclasses.replace(state, xi=state.coefficients())
        return checked(setup, state)


def options(**given) -> dict:
    """:data:`DEFAULTS` updated by ``given``; TypeError naming an unknown option."""
    unknown = sorted(set(given) - set(DEFAULTS))
    if unknown:
        raise TypeError(f"unknown discovery option(s) {unknown}; the options are {sorted(DEFAULTS)}")
    return {**DEFAULTS, **given}


def halved(phases) -> tuple:
    """``phases`` with half their steps (at least 1 each): the challenge's trials. A trial
    compares a set with its control trained alike from the same network; it needs their
    difference settled, not the answer converged, and a joint training's plateau stop weighs
    the loss's rate of decrease against the rest of its budget: with the polish's whole
    budget the trials ran 3,900-4,300 L-BFGS steps on KS, with half of it 600-700, to the
    same verdicts (experiments/RESULTS.md, "Discovery: speed")."""
    return tuple(dataclasses.replace(p, steps=max(p.steps // 2, 1)) for p in phases)


def default_recipe(**given) -> Recipe:
    """The recipe the options describe (see :data:`DEFAULTS`). ``alternate=False``: select
    once and refit by least squares (no pruning, polish or widening); ``smooth_first``:
    a whole-library round before the main selection, ``union_fit``: also select on the
    data-only fit; ``weak_form``: every selection reads the weak form (``test_width``);
    ``challengers``: how many dropped terms the data test after the polish (0: none; each
    trial trains half the polish's budget, :func:`halved`; see
    :class:`~pinnjax.discovery.challenge.Challenge`); ``removals``: how many of the weakest kept
    terms each challenge round tests for removal (0: none); ``plateau``: joint trainings end once the
    rest of their budget could change the loss by less than this fraction of its statistical
    resolution (0: run every budget to its end); ``explore_dtype``: the precision of every
    training before the polish (the polish trains the answer in the run's ``dtype``; "auto":
    float32 when there is a polish, else everything in ``dtype``); ``finish_steps``: L-BFGS
    steps in ``dtype`` that end the polish's trainings and a changed answer of the challenge
    when exploring in float32 (their budgets then train in float32; 0: the polish and that
    answer train in ``dtype`` throughout)."""
    o = options(**given)
    check_sparsity_options(o["penalty"], o["screen_penalty"], o["stable_fraction"])
    retraining = [k for k in ("alternate", "smooth_first") if o[k]]
    if retraining and not o["physics_phases"]:
        raise ValueError(f"{' and '.join(retraining)} retrain with the PDE but physics_phases is empty; pass "
                         "physics_phases=[pinnjax.Adam(1000), pinnjax.LBFGS(2000)] or set "
                         + ", ".join(f"{k}=False" for k in retraining))
    check_integer("challengers", o["challengers"], 0, "0: no data test of dropped terms")
    check_integer("removals", o["removals"], 0, REMOVALS_NOTE)
    check_integer("finish_steps", o["finish_steps"], 0, FINISH_NOTE)
    check_integer("max_widenings", o["max_widenings"], 0, "0: never widen")
    weak = WeakView(o["test_width"])  # checked now: a widening reads it even without weak_form
    screen = o["penalty"] if o["screen_penalty"] is None else o["screen_penalty"]
    bootstrap = None
    if o["n_bootstrap"] > 0:
        bootstrap = Bootstrap(o["n_bootstrap"], o["stable_fraction"] if o["alternate"] else None)
    stages = [FitData(tuple(o["fit_phases"]), o["validation"])]
    if o["smooth_first"]:
        if o["union_fit"]:
            stages.append(Screen(screen, name="select-fit"))
        stages.append(Smooth(tuple(o["physics_phases"])))
    stages.append(Screen(screen, bootstrap))
    if o["alternate"]:
        retry = [Prune(tuple(o["physics_phases"]), o["penalty"], o["max_rounds"])]
        if o["polish_phases"]:
            retry.append(Polish(tuple(o["polish_phases"]), o["polish_pde_weight"], finish=o["finish_steps"]))
        elif bootstrap is not None and bootstrap.stable_fraction is not None:
            retry.append(Polish(tuple(o["physics_phases"]), 1.0, only_for_probation=True, finish=o["finish_steps"]))
        if o["challengers"] > 0:
            retry.append(Challenge(halved(o["polish_phases"] or o["physics_phases"]), o["challengers"],
                                   pde_weight=o["polish_pde_weight"], removals=o["removals"],
                                   finish=o["finish_steps"]))
        stages += retry
        if o["max_widenings"] > 0:
            stages.append(Widen(tuple(retry), o["max_widenings"], weak=weak))
    view = weak if o["weak_form"] else PointwiseView()
    explore = o["explore_dtype"]  # checked by Recipe
    if explore == "auto":  # float32 before a polish; without one the pruning rounds train the answer
        explore = "float32" if o["alternate"] and o["polish_phases"] else None
    return Recipe(tuple(stages), as_selector(o["selector"]), view, o["plateau"], explore)

