"""The stages a discovery recipe is made of. Each is a small frozen class whose call maps
``(setup, state, rng) -> state``: it reads the explicit, immutable :class:`State`, returns a
new one, and draws its random numbers from its own stream ``rng`` (derived from the seed
and the stage's name by :func:`pinnjax.discovery.recipe.stream`).

- :class:`FitData`: the network fitted to the data alone, early-stopped on held-out points.
- :class:`Screen`: a sparse selection on the current network, united with the active set
  so far; optionally a bootstrap whose stable terms join on probation.
- :class:`Smooth`: data + the whole library's residual (damps noise before a selection).
- :class:`Prune`: joint trainings with the active terms, re-selecting after each (the set
  only shrinks).
- :class:`Polish`: a last joint training of the final terms; terms on probation stay only
  if dropping them raises the data misfit beyond its resolution.
- :class:`Widen`: when the answer misfits the data, retry from a wider first set.
"""

from __future__ import annotations

import abc
import dataclasses
import zlib
from collections.abc import Sequence

import numpy as np

from ..train.phases import LBFGS, Adam
from .checks import consistency, data_residuals, fits_better, needed_by_data, residual_misfit
from .equation import Equation
from .linearized import MAX_PARAMETERS, joint_intervals, parameters
from .sparse import DEFAULT_PENALTY, refit
from .strategies import Bootstrap, WeakView
from .training import FINISH_NOTE, FINISH_STEPS, Setup, answer_round, finish_budget, fit_data, physics_round
from .uncertainty import coefficient_intervals, term_evidence


@dataclasses.dataclass(frozen=True, eq=False)
class State:
    """What a discovery knows so far. ``result``: the training whose network the next stage
    reads; ``matrix``: (Θ, lhs) of the run's view on it; ``mask`` / ``xi``: the active set and
    its coefficients (K,); ``probation``: terms admitted on the bootstrap's evidence alone;
    ``evidence``: {term: data misfit with and without it} from :class:`~.challenge.Challenge`;
    ``held``: the data-only fit's (points, residuals) at its held-out points;
    ``misfit_floor``: the data-only fit's held-out misfit (as :meth:`~.training.Setup.misfit`
    measures it; 0: none held out), below which the data tests see no difference;
    ``screens``: each screen's (matrix, penalty); ``start``: (result, matrix) where pruning
    starts and ``first``: the active set it starts from; ``rounds``: the log."""

    result: object = None
    matrix: tuple = ()
    mask: np.ndarray | None = None
    xi: np.ndarray | None = None
    probation: np.ndarray | None = None
    frequencies: np.ndarray | None = None
    validation_mse: float | None = None
    n_held: int = 0
    held: tuple | None = None
    misfit_floor: float = 0.0
    screens: tuple = ()
    start: tuple = ()
    first: np.ndarray | None = None
    checks: dict = dataclasses.field(default_factory=dict)
    evidence: dict = dataclasses.field(default_factory=dict)
    rounds: tuple = ()

    def log(self, **entry) -> State:
        return dataclasses.replace(self, rounds=self.rounds + (entry,))

    def coefficients(self) -> np.ndarray:
        """ξ (K,): the trained coefficients, or least squares on the current matrix."""
        return self.xi if self.xi is not None else refit(*self.matrix, self.mask)


class AbstractStage(abc.ABC):
    """One named step of a recipe: ``stage(setup, state, rng) -> state``."""

    name: str

    @abc.abstractmethod
    def __call__(self, setup: Setup, state: State, rng: np.random.Generator) -> State:
        ...

    def steps(self) -> int:
        """Optimizer steps of one training of this stage (0: it does not train)."""
        return sum(p.steps for p in getattr(self, "phases", ()))

    def trainings(self) -> tuple[int, int]:
        """(fewest, most) trainings this stage runs, whatever the data."""
        return (1, 1) if self.steps() else (0, 0)

    def cost_range(self, cost) -> tuple[float, float]:
        """(fewest, most) total cost of the whole stage, ``cost(stage)`` that of one of its
        trainings (its steps, its seconds, ...)."""
        lo, hi = self.trainings()
        one = cost(self) if hi else 0
        return lo * one, hi * one

    def step_range(self) -> tuple[int, int]:
        """(fewest, most) optimizer steps of the whole stage (early stops can only cut them)."""
        return self.cost_range(lambda stage: stage.steps())


def check_integer(name: str, value, lo: int, note: str = "") -> None:
    """ValueError unless ``value`` is an int (not a bool) >= ``lo``; ``note`` says what the low end means."""
    if isinstance(value, bool) or not isinstance(value, int) or value < lo:
        raise ValueError(f"{name} must be an integer >= {lo}{f' ({note})' if note else ''}, got {value!r}")


def _phases(owner: str, phases) -> tuple:
    phases = tuple(phases)
    if not phases:
        raise ValueError(f"{owner} trains, so it needs optimizer phases, e.g. (pinnjax.Adam(2000), pinnjax.LBFGS(3000))")
    return phases


@dataclasses.dataclass(frozen=True)
class FitData(AbstractStage):
    """Fit the network to the data alone; ``validation``: the fraction held out (0: none),
    training stops ``patience`` steps after their error last improved and keeps the best
    parameters (so noise is not fitted)."""

    phases: Sequence = (Adam(3000, 1e-3), LBFGS(3000))
    validation: float = 0.2
    patience: int = 1000
    name: str = "fit"

    def __post_init__(self):
        object.__setattr__(self, "phases", _phases("FitData", self.phases))
        if not 0.0 <= self.validation < 1.0:
            raise ValueError(f"validation must be a fraction in [0, 1), got {self.validation!r}")

    def __call__(self, setup, state, rng):
        result, mse, held = fit_data(setup, self.phases, self.validation, self.patience, rng, self.name)
        residuals = data_residuals(result, setup.data.subset(held), setup.outputs) if held.any() else None
        floor = residual_misfit(residuals[1], setup.robust) if held.any() else 0.0  # what Setup.misfit reads there
        return dataclasses.replace(state, result=result, matrix=setup.view.matrix(setup.terms, result, setup),
                                   validation_mse=mse, n_held=int(held.sum()), held=residuals, misfit_floor=floor)


@dataclasses.dataclass(frozen=True)
class Screen(AbstractStage):
    """Select terms on the current network (a kept term must lower the selection's
    validation error by ``penalty`` × var(lhs)) and unite them with the active set so far.
    ``bootstrap``: also count how often each term is kept under resampling; its stable
    terms join on probation (see :class:`Polish`)."""

    penalty: float = DEFAULT_PENALTY
    bootstrap: Bootstrap | None = None
    name: str = "select"

    def __post_init__(self):
        if not self.penalty >= 0:
            raise ValueError(f"penalty must be >= 0 (a fraction of var(lhs), e.g. 0.05), got {self.penalty!r}")

    def __call__(self, setup, state, rng):
        theta, y = state.matrix
        level, mask = setup.selector.select(theta, y, rng, self.penalty)
        if state.mask is not None:
            mask = mask | state.mask
        freq, added = state.frequencies, np.zeros_like(mask)
        if self.bootstrap is not None:
            freq = self.bootstrap.frequencies(setup.selector, theta, y, level, rng)
            added = self.bootstrap.frequent(freq) & ~mask
        mask = mask | added
        state = dataclasses.replace(state, mask=mask, first=mask, probation=added, frequencies=freq,
                                    screens=state.screens + ((state.matrix, self.penalty),),
                                    start=(state.result, state.matrix))
        entry = {"from_bootstrap": setup.named(added)} if self.bootstrap is not None else {}
        return state.log(stage=self.name, level=level, terms=setup.named(mask), **entry)


@dataclasses.dataclass(frozen=True)
class Smooth(AbstractStage):
    """Train data + the residual of the whole library (every coefficient trained), so noise
    is smoothed by some PDE in the library's span before the next selection reads it."""

    phases: Sequence = (Adam(5000, 1e-3), LBFGS(8000))
    name: str = "smooth"

    def __post_init__(self):
        object.__setattr__(self, "phases", _phases("Smooth", self.phases))

    def __call__(self, setup, state, rng):
        everything = np.ones(setup.n_terms, bool)
        result, _, matrix = physics_round(setup, everything, state.matrix, state.result.network, self.phases, 1.0,
                                          self.name)
        return dataclasses.replace(state, result=result, matrix=matrix).log(stage=self.name, level=None,
                                                                           terms=list(setup.terms.terms))


@dataclasses.dataclass(frozen=True)
class Prune(AbstractStage):
    """At most ``max_rounds`` joint trainings of network and active coefficients, each
    followed by a selection restricted to the active set (at ``penalty``); stops when the
    set no longer shrinks. Out of rounds after a shrink: least squares on the last network."""

    phases: Sequence = (Adam(5000, 1e-3), LBFGS(8000))
    penalty: float = DEFAULT_PENALTY
    max_rounds: int = 3
    name: str = "physics"

    def __post_init__(self):
        object.__setattr__(self, "phases", _phases("Prune", self.phases))
        check_integer("max_rounds", self.max_rounds, 1)

    def trainings(self):
        return 1, self.max_rounds

    def __call__(self, setup, state, rng):
        mask, converged = state.mask, True
        for _ in range(self.max_rounds):
            result, xi, matrix = physics_round(setup, mask, state.matrix, state.result.network, self.phases, 1.0,
                                               self.name)
            level, new_mask = setup.selector.select(*matrix, rng, self.penalty, mask=mask)
            state = dataclasses.replace(state, result=result, xi=xi, matrix=matrix)
            state = state.log(stage=self.name, level=level, trained=Equation("", setup.terms.terms, xi).active(),
                              terms=setup.named(new_mask))
            converged = np.array_equal(new_mask, mask)
            if converged:
                break
            mask = new_mask
        xi = state.xi if converged else refit(*state.matrix, mask)
        return dataclasses.replace(state, mask=mask, xi=xi)


@dataclasses.dataclass(frozen=True)
class Polish(AbstractStage):
    """A last joint training of the final terms with the residual weighted ``pde_weight``
    (data: 1). Terms on probation (admitted by the bootstrap alone) stay only if training
    without them raises the data misfit beyond its statistical resolution 1/√(2N) (and
    beyond the data-only fit's held-out misfit, :func:`~.checks.needed_by_data`).
    ``only_for_probation``: skip the training when no term is on probation. When the run
    explores in float32 (``explore_dtype``), ``phases`` train in float32 and ``finish`` L-BFGS
    steps in the run's ``dtype`` end each training (:func:`~.training.answer_round`; 0, or
    half the budget or more: all of it in ``dtype``)."""

    phases: Sequence = (LBFGS(6000),)
    pde_weight: float = 1.0
    only_for_probation: bool = False
    finish: int = FINISH_STEPS
    name: str = "polish"

    def __post_init__(self):
        object.__setattr__(self, "phases", _phases("Polish", self.phases))
        check_integer("finish_steps", self.finish, 0, FINISH_NOTE)
        if not self.pde_weight > 0:
            raise ValueError(f"polish_pde_weight must be > 0 (the residual's weight against the data's 1, e.g. 10), "
                             f"got {self.pde_weight!r}")

    def trainings(self):
        return 0 if self.only_for_probation else 1, 2  # a second without the terms on probation

    def steps(self) -> int:
        return super().steps() + finish_budget(self.phases, self.finish)  # (run only when exploring in float32)

    def __call__(self, setup, state, rng):
        mask = state.mask
        probation = state.probation if state.probation is not None else np.zeros_like(mask)
        on_probation = mask & probation if (mask & ~probation).any() else np.zeros_like(mask)
        if not mask.any() or (self.only_for_probation and not on_probation.any()):
            return state
        network = state.result.network
        final = answer_round(setup, mask, state.matrix, network, self.phases, self.pde_weight, self.name,
                             finish=self.finish)
        if on_probation.any():
            without = answer_round(setup, mask & ~on_probation, state.matrix, network, self.phases,
                                   self.pde_weight, self.name, finish=self.finish)
            misfits = [setup.misfit(r[0]) for r in (final, without)]
            keep = bool(needed_by_data(*misfits, len(setup.data), state.misfit_floor))
            state = state.log(stage="probation", terms=setup.named(on_probation), misfit_with=misfits[0],
                              misfit_without=misfits[1], kept=keep)
            if not keep:
                mask, final = mask & ~on_probation, without
        result, xi, matrix = final
        state = dataclasses.replace(state, result=result, xi=xi, matrix=matrix, mask=mask)
        return state.log(stage=self.name, level=None, trained=Equation("", setup.terms.terms, xi).active(),
                         terms=setup.named(mask))


def checked(setup: Setup, state: State) -> State:
    """``state`` with its ``checks``: whether its equation explains the data (:func:`consistency`)."""
    xi = state.coefficients()
    checks = consistency(state.result, setup.data, setup.outputs, *state.matrix, xi, state.validation_mse, state.n_held,
                         state.held)
    intervals, checks["intervals"] = joint_intervals(state.result, xi, setup.robust), "noise through the joint training"
    if intervals is None:
        intervals = coefficient_intervals(*state.matrix, xi != 0, stream(setup.seed, "uncertainty"))
        size = parameters(state.result)
        checks["intervals"] = "regression bootstrap" + (
            f" (the network's {size:,} parameters are more than the linearized intervals' {MAX_PARAMETERS:,})"
            if size > MAX_PARAMETERS else "")
    checks["terms"] = term_evidence(setup.terms.terms, xi, intervals, state.frequencies, state.evidence)
    return dataclasses.replace(state, checks=checks)


def stream(seed: int, name: str) -> np.random.Generator:
    """The random stream of the stage called ``name`` in a run with ``seed``: independent of
    every other stage's, so adding or removing a stage leaves the others' draws unchanged."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


@dataclasses.dataclass(frozen=True)
class Widen(AbstractStage):
    """When the answer misfits the data (a true term was missing from the first set; the
    pruning rounds cannot add one), rerun the ``retry`` stages from the screened network
    with a wider first set: the screens' selections at a ``factor``× smaller penalty each
    time and, where the run's view is pointwise, the selection on ``weak`` (the screened
    network's library in weak form, at the last screen's penalty; the retry's first
    coefficient estimates read it too). Keeps the answer that fits the data better
    (:func:`fits_better`); at most ``max_widenings`` times."""

    retry: tuple = ()
    max_widenings: int = 1
    factor: float = 5.0
    weak: WeakView | None = WeakView()
    name: str = "widen"

    def __post_init__(self):
        object.__setattr__(self, "retry", tuple(self.retry))
        check_integer("max_widenings", self.max_widenings, 0, "0: never widen")
        if not self.retry:
            raise ValueError("Widen needs the stages to retry, e.g. retry=(Prune(...), Polish(...))")

    def cost_range(self, cost):
        return 0, self.max_widenings * sum(stage.cost_range(cost)[1] for stage in self.retry)

    def __call__(self, setup, state, rng):
        state, weak_matrix = checked(setup, state), None
        for widening in range(1, self.max_widenings + 1):
            if state.checks["explains_data"]:
                break
            wider = state.first.copy()
            for matrix, penalty in state.screens:
                wider |= setup.selector.select(*matrix, rng, penalty / self.factor**widening)[1]
            weak_terms = []
            if self._reads_weak(setup):
                if weak_matrix is None:
                    weak_matrix = self.weak.matrix(setup.terms, state.start[0], setup)
                weak_mask = setup.selector.select(*weak_matrix, rng, state.screens[-1][1])[1]
                wider, weak_terms = wider | weak_mask, setup.named(weak_mask)
            state = state.log(stage=self.name, level=state.screens[-1][1] / self.factor**widening,
                              terms=setup.named(wider), weak_terms=weak_terms, checks=state.checks)
            if np.array_equal(wider, state.first):
                break
            state = self._retry(setup, state, wider, weak_matrix, widening)
        return state

    def _reads_weak(self, setup) -> bool:
        return (self.weak is not None and not isinstance(setup.view, WeakView)
                and self.weak.available(len(setup.data.coordinates)))

    def _retry(self, setup, state, wider, weak_matrix, widening) -> State:
        previous = state
        retry = dataclasses.replace(state, result=state.start[0], matrix=weak_matrix or state.start[1], mask=wider,
                                    first=wider, probation=np.zeros_like(wider), xi=None)
        for stage in self.retry:
            retry = stage(setup, retry, stream(setup.seed, f"{self.name}{widening}/{stage.name}"))
        retry = checked(setup, retry)
        better = fits_better(retry.checks["data_rmse"], int(retry.mask.sum()), previous.checks["data_rmse"],
                             int(previous.mask.sum()), len(setup.data))
        kept = retry if better else dataclasses.replace(previous, rounds=retry.rounds, first=wider)
        return kept.log(stage="widened", terms=setup.named(kept.mask), kept_wider=better, checks=kept.checks)
