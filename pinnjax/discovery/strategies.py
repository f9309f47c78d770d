"""Strategy objects a discovery recipe is made of: the selector (which terms a sparse
regression keeps), the view of the library (what the regression reads from a network)
and the bootstrap (how often a selection survives resampling); a system's selection runs
per equation (:class:`PerEquation`).

>>> STLSQ().select(theta, y, np.random.default_rng(0), penalty=0.05)    # doctest: +SKIP
(0.01, array([False,  True, ...]))
"""

from __future__ import annotations

import abc
import dataclasses

import numpy as np

from .ensemble import resampled_stlsq
from .evaluation import AbstractTerms
from .sparse import choose_l1, choose_threshold, lasso
from .weak import TEST_WIDTH, WeakForm, check_test_width, fits_grid


# ---------------------------------------------------------------- selectors
class AbstractSelector(abc.ABC):
    """Chooses the kept terms of ``y ≈ Θ ξ`` at an automatic sparsity level."""

    @abc.abstractmethod
    def select(self, theta: np.ndarray, y: np.ndarray, rng: np.random.Generator, penalty: float,
               mask: np.ndarray | None = None) -> tuple[float, np.ndarray]:
        """(level, kept (K,) bool): the level minimizing validation error / var(y) + ``penalty`` ×
        (number of terms) on a random 80/20 split of the rows drawn from ``rng``; ``mask``
        restricts the candidates."""

    @abc.abstractmethod
    def resampled(self, theta: np.ndarray, y: np.ndarray, level: float, rows: np.ndarray) -> np.ndarray:
        """Kept terms (R, K) bool at ``level`` for each row resample ``rows`` (R, N)."""


@dataclasses.dataclass(frozen=True)
class STLSQ(AbstractSelector):
    """Sequential thresholded least squares on unit-normalized columns; the bootstrap runs vmapped."""

    def select(self, theta, y, rng, penalty, mask=None):
        return choose_threshold(theta, y, rng, penalty, mask=mask)

    def resampled(self, theta, y, level, rows):
        return resampled_stlsq(theta, y, level, rows)


@dataclasses.dataclass(frozen=True)
class L1(AbstractSelector):
    """Proximal L1 (lasso by FISTA) on unit-normalized columns."""

    def select(self, theta, y, rng, penalty, mask=None):
        return choose_l1(theta, y, rng, penalty, mask=mask)

    def resampled(self, theta, y, level, rows):
        return np.array([lasso(theta[r], y[r], level) != 0 for r in rows])


@dataclasses.dataclass(frozen=True)
class PerEquation(AbstractSelector):
    """A system's selection: ``selector`` run on each of ``n`` equations separately. Θ is
    block-diagonal with ``n`` equal blocks (:class:`~.evaluation.SystemTerms`), so each
    equation's penalty and validation error are its own, as if it were discovered alone;
    the level is one per equation (a list)."""

    selector: AbstractSelector
    n: int

    def _blocks(self, theta, y):
        m, k = len(y) // self.n, theta.shape[1] // self.n
        return [(theta[f * m:(f + 1) * m, f * k:(f + 1) * k], y[f * m:(f + 1) * m], slice(f * k, (f + 1) * k))
                for f in range(self.n)]

    def select(self, theta, y, rng, penalty, mask=None):
        picks = [self.selector.select(t, yy, rng, penalty, mask=None if mask is None else mask[cols])
                 for t, yy, cols in self._blocks(theta, y)]
        return [level for level, _ in picks], np.concatenate([kept for _, kept in picks])

    def resampled(self, theta, y, level, rows):
        # equation f's resample: the draws at positions f·m..(f+1)·m, modulo m (each draw is
        # uniform over all n·m rows, so modulo m it is uniform over the equation's m rows)
        m = len(y) // self.n
        return np.concatenate([self.selector.resampled(t, yy, level[f], rows[:, f * m:(f + 1) * m] % m)
                               for f, (t, yy, _) in enumerate(self._blocks(theta, y))], axis=1)


SELECTORS = {"stlsq": STLSQ, "l1": L1}


def as_selector(selector) -> AbstractSelector:
    """A selector object from itself or its name ("stlsq", "l1")."""
    if isinstance(selector, AbstractSelector):
        return selector
    if selector in SELECTORS:
        return SELECTORS[selector]()
    raise ValueError(f"selector must be one of {tuple(SELECTORS)} or an AbstractSelector, got {selector!r}")


# ---------------------------------------------------------------- bootstrap
@dataclasses.dataclass(frozen=True)
class Bootstrap:
    """``n_resamples`` bootstrap resamples of the selection's rows: how often each term is
    kept at the selection's level. Terms kept in at least ``stable_fraction`` of them join
    the active set on probation (None: report the frequencies only)."""

    n_resamples: int = 100
    stable_fraction: float | None = 0.5

    def __post_init__(self):
        if isinstance(self.n_resamples, bool) or not isinstance(self.n_resamples, int) or self.n_resamples < 1:
            raise ValueError(f"Bootstrap.n_resamples must be an integer >= 1, got {self.n_resamples!r}")
        if self.stable_fraction is not None and not 0.0 < self.stable_fraction <= 1.0:
            raise ValueError(f"stable_fraction must be in (0, 1] (e.g. 0.5) or None, got {self.stable_fraction!r}")

    def frequencies(self, selector: AbstractSelector, theta, y, level: float, rng) -> np.ndarray:
        """(K,) fraction of the resamples that keep each term."""
        rows = rng.integers(0, len(y), size=(self.n_resamples, len(y)))
        return np.asarray(selector.resampled(theta, y, level, rows), float).mean(axis=0)

    def frequent(self, frequencies: np.ndarray) -> np.ndarray:
        """(K,) bool: the terms stable enough to join the active set."""
        if self.stable_fraction is None:
            return np.zeros(len(frequencies), bool)
        return frequencies >= self.stable_fraction


# ---------------------------------------------------------------- views
class AbstractView(abc.ABC):
    """What the sparse regression reads from a trained network: (Θ (M, K), lhs (M,))
    stacked over trajectories."""

    @abc.abstractmethod
    def matrix(self, terms: AbstractTerms, result, setup) -> tuple[np.ndarray, np.ndarray]:
        """The library and lhs of ``result``'s network, for the run described by ``setup``."""

    def available(self, n_coordinates: int) -> bool:
        """Whether this view can be computed for data with ``n_coordinates`` coordinates."""
        return True


@dataclasses.dataclass(frozen=True)
class PointwiseView(AbstractView):
    """Values of the network's derivatives at the run's collocation points."""

    def matrix(self, terms, result, setup):
        return terms.stacked(result, setup.collocation, setup.outputs)


@dataclasses.dataclass(frozen=True)
class WeakView(AbstractView):
    """Integrals against smooth bumps of half-width ``width`` (a fraction of the data's extent
    per coordinate), derivatives moved onto the bumps by parts: the small-scale wiggles that
    the high derivatives of a network fitted to noise amplify average out
    (see :mod:`pinnjax.discovery.weak`)."""

    width: float | tuple[float, ...] = TEST_WIDTH

    def __post_init__(self):
        check_test_width(self.width, np.size(self.width))

    def matrix(self, terms, result, setup):
        weak = WeakForm(setup.data.points.min(axis=0), setup.data.points.max(axis=0), self.width)
        return terms.stacked(result, weak.points, setup.outputs, weak)

    def available(self, n_coordinates):
        return fits_grid(self.width, n_coordinates)
