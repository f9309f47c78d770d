"""The data's verdict on terms the selection dropped: :class:`Challenge`.

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
misfit's resolution 1/√(2N) (:func:`~pinnjax.discovery.checks.needed_by_data`), the control:
the current set retrained from the same network with the same budget (so further training
alone, when the polish had not converged, is not credited to a term). Then again, at most
``max_added`` times. The answer is the admitted terms' training (trained again in the run's
``dtype`` when the trials ran in the recipe's ``explore_dtype``), or, when the data admit
none, the answer trained before the challenge. Every trial is recorded as evidence: the data misfit with and without
the term. A spurious term cannot lower the misfit beyond that resolution: one global
coefficient absorbs about one noise variance of N, a relative change of 1/N.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from ..train.phases import LBFGS
from .checks import data_misfit, needed_by_data
from .equation import Equation
from .sparse import refit
from .stages import AbstractStage, _phases
from .training import physics_round


def ranked_additions(theta: np.ndarray, y: np.ndarray, mask: np.ndarray) -> list[int]:
    """Excluded columns of Θ (N, K) ordered by the least-squares error of ``mask`` plus that
    column (best first): a forward step of stepwise regression on ``y`` (N,)."""
    errors = {}
    for k in np.flatnonzero(~mask):
        trial = mask.copy()
        trial[k] = True
        errors[int(k)] = float(np.mean((theta @ refit(theta, y, trial) - y) ** 2))
    return sorted(errors, key=errors.get)


@dataclasses.dataclass(frozen=True)
class Challenge(AbstractStage):
    """Retrain with each of the ``challengers`` most promising dropped terms added (ranked
    on the last screen's matrix) and admit the best one when the data need it (misfit lower
    than the control's, the current set retrained alike, by more than its resolution);
    repeat at most ``max_added`` times (per equation: a system of F equations may add
    ``max_added`` × F terms, one per round, ranked over all its equations).
    ``pde_weight``: the residual's weight against the data's 1 (as the polish's)."""

    phases: Sequence = (LBFGS(3000),)
    challengers: int = 2
    max_added: int = 2
    pde_weight: float = 1.0
    name: str = "challenge"

    def __post_init__(self):
        object.__setattr__(self, "phases", _phases("Challenge", self.phases))
        for key in ("challengers", "max_added"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{key} must be an integer >= 1, got {value!r}")

    def trainings(self):
        # challengers and their control, and the answer trained again when a term was admitted
        return self.challengers + 1, (self.challengers + 1) * self.max_added + 1

    def __call__(self, setup, state, rng):
        if state.mask is None or not state.mask.any() or not state.screens:
            return state
        screen_theta, screen_y = state.screens[-1][0]
        evidence, admitted = dict(state.evidence), False
        for _ in range(self.max_added * setup.terms.n_equations):
            ranked = ranked_additions(screen_theta, screen_y, state.mask)[: self.challengers]
            if not ranked:
                break
            control = self._trial(setup, state, None)
            trials = {k: self._trial(setup, state, k) for k in ranked}
            misfit = data_misfit(control[0], setup.data, setup.outputs)
            misfits = {k: data_misfit(t[0], setup.data, setup.outputs) for k, t in trials.items()}
            best = min(misfits, key=misfits.get)
            added = needed_by_data(misfits[best], misfit, len(setup.data))
            for k, m in misfits.items():
                evidence[setup.terms.terms[k]] = {"misfit_with": m, "misfit_without": misfit,
                                                  "needed": bool(added and k == best)}
            state = state.log(stage=self.name, terms=setup.named(state.mask), tried=[setup.terms.terms[k] for k in ranked],
                              misfit=misfit,
                              misfits={setup.terms.terms[k]: m for k, m in misfits.items()},
                              added=[setup.terms.terms[best]] if added else [])
            if not added:  # the answer stays the one trained before (the control only compares)
                break
            result, xi, matrix = trials[best]
            mask = state.mask.copy()
            mask[best] = True
            state = dataclasses.replace(state, result=result, xi=xi, matrix=matrix, mask=mask)
            state = state.log(stage=self.name, trained=Equation("", setup.terms.terms, xi).active(),
                              terms=setup.named(mask))
            admitted = True
        if admitted and setup.precision(False) != setup.precision(True):  # the answer in the run's precision
            result, xi, matrix = physics_round(setup, state.mask, state.matrix, state.result.network, self.phases,
                                               self.pde_weight, self.name, state.coefficients(), final=True)
            state = dataclasses.replace(state, result=result, xi=xi, matrix=matrix)
            state = state.log(stage=self.name, trained=Equation("", setup.terms.terms, xi).active(),
                              terms=setup.named(state.mask), dtype=setup.precision(True))
        return dataclasses.replace(state, evidence=evidence)

    def _trial(self, setup, state, k: int | None):
        """The current set (plus term ``k``) retrained from the current network and
        coefficients; ``k`` starts at its least-squares value on the last screen's matrix
        (the current network obeys the equation without it, so its own estimate is ~0)."""
        mask, start = state.mask.copy(), state.coefficients().copy()
        if k is not None:
            mask[k] = True
            start[k] = refit(*state.screens[-1][0], mask)[k]
        return physics_round(setup, mask, state.matrix, state.result.network, self.phases, self.pde_weight,
                             self.name, start)
