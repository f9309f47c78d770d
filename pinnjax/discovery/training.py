"""The two trainings a discovery runs: the network fitted to the data alone (early-stopped
on held-out points) and the joint training of network and coefficients on data + the
residual ``lhs - Θ_active ξ``; and :class:`Setup`, what every stage of a run reads."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import jax
import numpy as np

from ..engine.compiled import compile_problem
from ..losses.regression import MSE, RMSE
from ..problem.points import Given
from ..problem.problem import Coefficient, Problem
from ..problem.terms import PDE, Data
from ..train.phases import LBFGS
from .data import Measurements
from .checks import data_misfit, loss_resolution
from .early_stop import PlateauStop, ValidationStop
from .evaluation import AbstractTerms
from .journal import AbstractJournal, train
from .sparse import refit
from .strategies import AbstractSelector, AbstractView


@dataclasses.dataclass(frozen=True, eq=False)
class Setup:
    """Fixed for one discovery run: the data, the library, the network's ``outputs`` (one
    per trajectory and field, :meth:`Measurements.outputs`), where the residual is enforced
    (``residual_points``: one (N_j, d) array per trajectory), where a pointwise view reads
    the library (``collocation`` (N, d)), the network to start from, the strategies, and
    the training options (``plateau``: see :class:`~.early_stop.PlateauStop`; ``dtype``: the
    answer's precision, ``explore_dtype``: that of the trainings that only decide, None: ``dtype``)."""

    domain: object
    data: Measurements
    terms: AbstractTerms
    outputs: tuple[str, ...]
    network: object
    collocation: np.ndarray
    residual_points: tuple[np.ndarray, ...]
    selector: AbstractSelector
    view: AbstractView
    data_loss: object = "mse"
    dtype: str = "float64"
    seed: int = 0
    callback: Callable | None = None
    journal: AbstractJournal | None = None
    plateau: float = 0.0
    explore_dtype: str | None = None

    @property
    def n_terms(self) -> int:
        return len(self.terms.terms)

    def named(self, mask: np.ndarray) -> list[str]:
        return [t for t, m in zip(self.terms.terms, mask) if m]

    def tagged(self, stage: str):
        """The progress callback with ``info["stage"]`` set."""
        cb = self.callback
        return None if cb is None else (lambda info: cb({**info, "stage": stage}))

    def precision(self, final: bool) -> str:
        """The dtype of a training: ``dtype`` for one that trains the answer (``final``), else
        ``explore_dtype`` (or ``dtype`` without one)."""
        return self.dtype if final or self.explore_dtype is None else self.explore_dtype

    def misfit(self, result, rows=None) -> float:
        """The data misfit the data tests compare (:func:`~.checks.data_misfit`), at every
        data point or at ``rows`` (an index or a bool mask): robust
        (:func:`~.checks.trimmed_rms`) when the data loss is, so gross outliers that the
        training discounts do not decide which terms the data need."""
        data = self.data if rows is None else self.data.subset(rows)
        return data_misfit(result, data, self.outputs, robust=self.robust)

    @property
    def robust(self) -> bool:
        """Whether the data loss is a robust one (not a squared error)."""
        return not (self.data_loss in ("mse", "rmse") or isinstance(self.data_loss, (MSE, RMSE)))

    def train(self, problem, network, phases, stage: str, tracker=None, final: bool = False):
        """:func:`~pinnjax.discovery.journal.train` with this run's options (and journal), in
        :meth:`precision`."""
        return train(problem, network, phases, dtype=self.precision(final), seed=self.seed, callback=self.tagged(stage),
                     tracker=tracker, journal=self.journal, stage=stage)

    def data_terms(self, held: np.ndarray | None = None) -> list[Data]:
        """One Data term per output (trajectory and field), without the ``held`` rows (N,) bool."""
        keep = np.ones(len(self.data), bool) if held is None else ~held
        terms, channel, several = [], self.data.channel, len(self.data.fields) > 1
        for j, out in enumerate(self.outputs):
            rows = (channel == j) & keep
            name = f"data_{out}" if several else "data" if len(self.outputs) == 1 else f"data{j}"
            terms.append(Data(out, Given(self.data.points[rows], self.data.values[rows]), loss=self.data_loss,
                              name=name))
        return terms


def fit_data(setup: Setup, phases, validation: float, patience: int, rng: np.random.Generator, stage: str):
    """Fit the network to the data alone, early-stopped on a held-out ``validation``
    fraction (drawn from ``rng``); returns (result with the best parameters, best held-out
    MSE or None, the held-out rows (bool mask, none held: all False))."""
    held = rng.random(len(setup.data)) < validation if validation > 0 else np.zeros(len(setup.data), bool)
    problem = Problem(setup.domain, setup.outputs, setup.data_terms(held))
    if not held.any():
        return setup.train(problem, setup.network, phases, stage), None, held
    with jax.enable_x64(setup.precision(False) == "float64"):
        compiled, _ = compile_problem(problem, setup.network)
    data = setup.data
    stop = ValidationStop(compiled, data.points[held], data.values[held], data.channel[held], patience=patience)
    result = setup.train(problem, setup.network, phases, stage, tracker=stop)
    if stop.best_params is None:
        return result, None, np.zeros_like(held)
    return dataclasses.replace(result, params=stop.best_params), stop.best, held


def joint_problem(setup: Setup, active: list[int], scale: dict[int, float], weight: float) -> Problem:
    """Data + ``weight`` × the residual ``lhs - Σ_k scale[k] c_k Θ_k`` of the ``active`` terms,
    each coefficient ``c_k`` trained from 1."""
    terms = setup.data_terms()
    for j, name, residual in setup.terms.residuals(active, scale, setup.outputs):
        terms.append(PDE(residual, Given(setup.residual_points[j]), name=name, weight=weight))
    return Problem(setup.domain, setup.outputs, terms, coefficients={f"c{k}": Coefficient(1.0) for k in active})


def physics_round(setup: Setup, mask: np.ndarray, matrix: tuple, network, phases, weight: float, stage: str,
                  start: np.ndarray | None = None, final: bool = False):
    """Retrain network + coefficients of the terms in ``mask`` on data + ``weight`` × residual,
    from ``network``; returns (result, ξ (K,), the view's matrix on the new network);
    ``final``: a training of the answer (in the run's ``dtype``, see :meth:`Setup.precision`);
    ended on a plateau of its loss when ``setup.plateau`` > 0 (:class:`~.early_stop.PlateauStop`).

    Each coefficient trains as a multiple of its starting value, ``start`` (K,) or else its
    least-squares estimate on ``matrix`` (Θ, lhs), so all are O(1) for the optimizer
    whatever their physical scale (1 vs 0.003).
    """
    result, xi = _joint_training(setup, mask, matrix, network, phases, weight, stage, start, final)
    return result, xi, setup.view.matrix(setup.terms, result, setup)


def _joint_training(setup: Setup, mask, matrix, network, phases, weight, stage, start, final):
    """:func:`physics_round` without the view's matrix of the new network: (result, ξ)."""
    xi = refit(*matrix, mask) if start is None else np.where(mask, start, 0.0)
    active = [k for k in range(setup.n_terms) if mask[k]]
    scale = {k: float(xi[k]) if xi[k] != 0 else 1.0 for k in active}
    plateau = PlateauStop(phases, setup.plateau * loss_resolution(len(setup.data))) if setup.plateau > 0 else None
    result = setup.train(joint_problem(setup, active, scale, weight), network, phases, stage, plateau, final)
    trained = result.coefficients
    return result, np.array([scale[k] * trained[f"c{k}"] if mask[k] else 0.0 for k in range(setup.n_terms)])


# L-BFGS steps in the run's dtype that finish an answer trained in the explore dtype.
FINISH_STEPS = 1000
FINISH_NOTE = "0: the answer trains in the run's dtype throughout"


def finish_budget(phases, finish: int) -> int:
    """The steps of a finish of ``finish`` steps after ``phases``: 0 unless under half their
    budget (a float32 step costs 0.4-0.5x a float64 one, so a longer finish would cost more
    than the whole budget in float64)."""
    return finish if 0 < 2 * finish < sum(p.steps for p in phases) else 0


def answer_round(setup: Setup, mask: np.ndarray, matrix: tuple, network, phases, weight: float, stage: str,
                 start: np.ndarray | None = None, finish: int = FINISH_STEPS, explored: bool = False):
    """The answer's training (:func:`physics_round`, ``final``). When the run explores in a
    lower precision (:meth:`Setup.precision`) and the finish fits (:func:`finish_budget`),
    ``phases`` train there and ``finish`` L-BFGS steps in the run's ``dtype`` then continue
    from that network and those coefficients (the finish takes float32's rounding out of the
    answer); ``explored``: ``network`` and ``start`` are such a training already, only the
    finish runs (or, when it does not fit, ``phases`` again in ``dtype``)."""
    if finish_budget(phases, finish) and setup.precision(False) != setup.precision(True):
        if not explored:  # (the finish starts from ``start``: no view's matrix of this network needed)
            result, start = _joint_training(setup, mask, matrix, network, phases, weight, stage, start, False)
            network = result.network
        phases = (LBFGS(finish),)
    return physics_round(setup, mask, matrix, network, phases, weight, stage, start, final=True)
