"""The data's verdict on the answer's terms, both ways: :class:`Challenge`.

A sparse regression judges a term by how much of the library's fit to ``lhs`` it
explains, read from a network's derivatives. A term 10-20x smaller than the dominant one
explains well under 1 % of var(lhs), less than the derivative errors of a network fitted
to noisy data, so no variance share can keep it (experiments/NOTES.md, "terms of different
sizes"). The data themselves can: enforcing an equation that lacks a real term costs data
fit everywhere the term acts, and the noise in the data is independent from point to point,
so that cost can be tested against the misfit's own statistical resolution.

:class:`Challenge` does that test for the dropped terms most likely to matter. It ranks the
excluded candidates by how much each lowers the least-squares error of the current set on
the last screen's library matrix (a forward step of stepwise regression), retrains network
and coefficients from the current network with each of the ``challengers`` best-ranked terms
added, and admits the one with the lowest data misfit when it beats, by more than the
misfit's resolution 1/√(2N) and the data-only fit's held-out misfit
(:func:`~pinnjax.discovery.checks.needed_by_data`), the control:
the current set retrained from the same network with the same budget (so further training
alone, when the polish had not converged, is not credited to a term). The same round tests
the kept terms the other way (a backward step): the ``removals`` kept terms whose loss the
regression feels least are each retrained out, and when no addition is admitted, the best of
them is dropped if the data do not need it (the misfit without it within the resolution of
the control's): a spurious term that a network's derivatives supported, e.g. one fitted to
gross outliers, goes. Rounds repeat until nothing changes, at most ``max_added`` additions
and as many removals. The answer is the last admitted change's training (finished by
``finish`` L-BFGS steps in the run's ``dtype`` when the trials ran in the recipe's
``explore_dtype``; 0 or a finish of half the budget or more: trained again there with
the whole budget), or, when the data change nothing, the answer trained before the
challenge. Every trial is recorded as
evidence: the data misfit with and without the term, and for an admitted term its
``rivals``: the other additions that fit within the resolution of it (the data cannot tell
them apart; the answer says so). A spurious term cannot lower the
misfit beyond that resolution: one global coefficient absorbs about one noise variance of N,
a relative change of 1/N. Under a robust data loss the misfit is robust too
(:meth:`~pinnjax.discovery.training.Setup.misfit`), so outliers do not decide.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from ..train.phases import LBFGS
from .checks import data_misfit, needed_by_data
from .equation import Equation
from .sparse import refit
from .stages import AbstractStage, _phases, check_integer
from .training import FINISH_NOTE, FINISH_STEPS, answer_round, physics_round


REMOVALS_NOTE = "0: no data test of kept terms"


def _names(setup, columns) -> list[str]:
    return [setup.terms.terms[k] for k in columns]


def _ranked(theta: np.ndarray, y: np.ndarray, mask: np.ndarray, candidates: np.ndarray) -> list[int]:
    """``candidates`` (column indices) ordered by the least-squares error on ``y`` (N,) of
    ``mask`` with each one's membership flipped (lowest first)."""
    errors = {}
    for k in candidates:
        trial = mask.copy()
        trial[k] = not trial[k]
        errors[int(k)] = float(np.mean((theta @ refit(theta, y, trial) - y) ** 2))
    return sorted(errors, key=errors.get)


def ranked_additions(theta: np.ndarray, y: np.ndarray, mask: np.ndarray) -> list[int]:
    """Excluded columns of Θ (N, K) ordered by the least-squares error of ``mask`` plus that
    column (best first): a forward step of stepwise regression on ``y`` (N,)."""
    return _ranked(theta, y, mask, np.flatnonzero(~mask))


def ranked_removals(theta: np.ndarray, y: np.ndarray, mask: np.ndarray, block: int) -> list[int]:
    """Kept columns ordered by the least-squares error of ``mask`` without that column
    (the one the regression misses least first): a backward step of stepwise regression;
    never the last kept column of an equation (``block`` columns each)."""
    kept = np.flatnonzero(mask)
    counts = np.bincount(kept // block, minlength=len(mask) // block)
    return _ranked(theta, y, mask, [k for k in kept if counts[k // block] > 1])


@dataclasses.dataclass(frozen=True)
class Challenge(AbstractStage):
    """The data's test of the answer's terms, both ways. Each round retrains, from the
    current network, the current set (the control), the set plus each of the
    ``challengers`` most promising dropped terms, and the set less each of its ``removals``
    weakest kept terms (both ranked on the last screen's matrix); it admits the best
    addition when the data need it (misfit lower than the control's by more than its
    resolution), else drops the best removal when the data do not (misfit without it within
    the resolution of the control's). At most ``max_added`` additions and as many removals
    (per equation: a system of F equations may change ``max_added`` × F terms, one per
    round, ranked over all its equations). ``pde_weight``: the residual's weight against the
    data's 1 (as the polish's); ``finish``: see the module's text."""

    phases: Sequence = (LBFGS(3000),)
    challengers: int = 2
    max_added: int = 2
    pde_weight: float = 1.0
    removals: int = 1
    finish: int = FINISH_STEPS
    name: str = "challenge"

    def __post_init__(self):
        object.__setattr__(self, "phases", _phases("Challenge", self.phases))
        check_integer("challengers", self.challengers, 1)
        check_integer("max_added", self.max_added, 1)
        check_integer("removals", self.removals, 0, REMOVALS_NOTE)
        check_integer("finish_steps", self.finish, 0, FINISH_NOTE)

    def trainings(self):
        # the trials and their control each round, and the answer trained again after a change
        per_round = self.challengers + self.removals + 1
        return self.challengers + 1, per_round * self.max_added * (2 if self.removals else 1) + 1

    def __call__(self, setup, state, rng):
        if state.mask is None or not state.mask.any() or not state.screens:
            return state
        evidence, changes = dict(state.evidence), {"added": 0, "removed": 0}
        limit = self.max_added * setup.terms.n_equations
        while True:
            adds, drops = self._candidates(setup, state, changes, limit)
            if not adds and not drops:
                break
            control = self._trial(setup, state, None)
            trials = {k: self._trial(setup, state, k) for k in adds + drops}
            misfit = setup.misfit(control[0])
            misfits = {k: setup.misfit(t[0]) for k, t in trials.items()}
            change = self._verdict(setup, state, adds, drops, misfit, misfits, evidence)
            state = state.log(stage=self.name, terms=setup.named(state.mask), tried=_names(setup, adds),
                              tried_removing=_names(setup, drops), misfit=misfit, floor=state.misfit_floor,
                              misfits={setup.terms.terms[k]: m for k, m in misfits.items()},
                              added=_names(setup, [change] if change in adds else []),
                              removed=_names(setup, [change] if change in drops else []))
            if change is None:  # the answer stays the one trained before (the control only compares)
                break
            changes["added" if change in adds else "removed"] += 1
            result, xi, matrix = trials[change]
            mask = state.mask.copy()
            mask[change] = not mask[change]
            state = dataclasses.replace(state, result=result, xi=xi, matrix=matrix, mask=mask)
            state = state.log(stage=self.name, trained=Equation("", setup.terms.terms, xi).active(),
                              terms=setup.named(mask))
        if any(changes.values()) and setup.precision(False) != setup.precision(True):  # the answer in `dtype`
            result, xi, matrix = answer_round(setup, state.mask, state.matrix, state.result.network,
                                              self.phases, self.pde_weight, self.name, state.coefficients(),
                                              self.finish, explored=True)
            state = dataclasses.replace(state, result=result, xi=xi, matrix=matrix)
            state = state.log(stage=self.name, trained=Equation("", setup.terms.terms, xi).active(),
                              terms=setup.named(state.mask), dtype=setup.precision(True))
        return dataclasses.replace(state, evidence=evidence)

    def _candidates(self, setup, state, changes: dict, limit: int) -> tuple[list[int], list[int]]:
        """The dropped terms to try adding and the kept ones to try removing this round."""
        theta, y = state.screens[-1][0]
        adds = ranked_additions(theta, y, state.mask)[: self.challengers] if changes["added"] < limit else []
        drops = []
        if self.removals and changes["removed"] < limit:
            block = setup.n_terms // setup.terms.n_equations
            drops = ranked_removals(theta, y, state.mask, block)[: self.removals]
        return adds, drops

    def _verdict(self, setup, state, adds, drops, misfit: float, misfits: dict, evidence: dict) -> int | None:
        """The term whose membership changes (None: none), and each trial's evidence: the
        best addition if the data need it, else the best removal if they do not."""
        n, floor = len(setup.data), state.misfit_floor
        best_add = min(adds, key=misfits.get) if adds else None
        admit = best_add is not None and needed_by_data(misfits[best_add], misfit, n, floor)
        for k in adds:
            evidence[setup.terms.terms[k]] = {"misfit_with": misfits[k], "misfit_without": misfit,
                                              "needed": bool(admit and k == best_add)}
        if admit:  # the additions that fit as well as the admitted one: the data cannot tell them apart
            evidence[setup.terms.terms[best_add]]["rivals"] = [
                setup.terms.terms[k] for k in adds if k != best_add and not needed_by_data(misfits[best_add],
                                                                                          misfits[k], n, floor)]
        for k in drops:  # (an earlier round's rivals stay: the data still fit them as well)
            rivals = evidence.get(setup.terms.terms[k], {}).get("rivals")
            evidence[setup.terms.terms[k]] = {"misfit_with": misfit, "misfit_without": misfits[k],
                                              "needed": bool(needed_by_data(misfit, misfits[k], n, floor)),
                                              **({"rivals": rivals} if rivals else {})}
        if admit:
            return best_add
        best_drop = min(drops, key=misfits.get) if drops else None
        if best_drop is not None and not needed_by_data(misfit, misfits[best_drop], n, floor):
            return best_drop
        return None

    def _trial(self, setup, state, k: int | None):
        """The current set (with term ``k``'s membership flipped) retrained from the current
        network and coefficients; an added ``k`` starts at its least-squares value on the
        last screen's matrix (the current network obeys the equation without it, so its own
        estimate is ~0)."""
        mask, start = state.mask.copy(), state.coefficients().copy()
        if k is not None:
            mask[k] = not mask[k]
            if mask[k]:
                start[k] = refit(*state.screens[-1][0], mask)[k]
        return physics_round(setup, mask, state.matrix, state.result.network, self.phases, self.pde_weight,
                             self.name, start)
