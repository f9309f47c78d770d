"""How sure a discovery is: intervals for kept coefficients, the evidence on every candidate,
and where in the domain the final equation misfits the data.

- Coefficient intervals: the data's noise carried through the final joint training
  (:mod:`~pinnjax.discovery.linearized`). Where no joint training trained the kept terms,
  a bootstrap over the rows of the final regression (Θ, lhs), the kept columns refitted by
  least squares on each resample, percentile interval (:func:`coefficient_intervals`): the
  rows are collocation points read from one network, so that interval is the regression's
  spread given that network, 10-100x narrower than the error on the benchmarks
  (experiments/interval_coverage.py).
- Evidence per candidate: how often the bootstrapped selection kept it (the screen's
  frequencies). A term kept or dropped with a frequency inside ``BORDERLINE`` is reported as
  borderline rather than as a firm answer, unless the data decided it: a term the
  :class:`~pinnjax.discovery.challenge.Challenge` retrained with carries the data misfit
  with and without it, and its verdict says "by the data".
- Misfit per region: the data's bounding box cut into equal-count bins per coordinate; in
  each region the final network's mean squared data misfit over the noise variance estimated
  by the data-only fit's held-out error. Under a right equation and Gaussian noise the ratio
  is 1 with standard error √(2/n + 2/n_held); a region above 1 + z·SE, z the one-sided
  Bonferroni quantile of ``alpha`` over the regions, is flagged: a term that matters only
  there (a boundary layer, a front) may be missing. Where the data-only fit itself misfits
  its held-out points in a region beyond the noise variance by the same test (approximation error where the
  field is hard to fit: noise-free data with a shock), the region is compared with that fit's
  misfit there instead: a network fitting as well as one without any equation is not flagged. The physics rounds train on every data
  point, so the misfit is measured on training data: the test is conservative.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy import stats

from .sparse import refit

BORDERLINE = (0.2, 0.8)
MIN_REGION_POINTS = 30
MIN_HELD_POINTS = 10


def coefficient_intervals(theta: np.ndarray, y: np.ndarray, mask: np.ndarray, rng: np.random.Generator,
                          n_resamples: int = 200, confidence: float = 0.95) -> np.ndarray:
    """(K, 2) percentile bootstrap intervals of the kept coefficients (NaN for dropped ones)."""
    out = np.full((len(mask), 2), np.nan)
    if not mask.any():
        return out
    rows = rng.integers(0, len(y), size=(n_resamples, len(y)))
    draws = np.array([refit(theta[r], y[r], mask)[mask] for r in rows])
    tail = 100 * (1 - confidence) / 2
    out[mask] = np.percentile(draws, [tail, 100 - tail], axis=0).T
    return out


def verdict(kept: bool, frequency: float | None, test: dict | None = None) -> str:
    """kept / dropped, "by the data" when a retraining tested it (``test``; "tied with" the
    additions that fit as well, its ``rivals``), or borderline when only the bootstrap
    selection judged it and was undecided."""
    word = "kept" if kept else "dropped"
    if test is not None:
        rivals = test.get("rivals") if kept else None
        return f"{word} by the data" + (f", tied with {', '.join(rivals)}" if rivals else "")
    if frequency is not None and BORDERLINE[0] <= frequency < BORDERLINE[1]:
        return f"{word}, borderline"
    return word


def term_evidence(terms, xi: np.ndarray, intervals: np.ndarray, frequencies: np.ndarray | None,
                  data_tests: dict | None = None) -> list[dict]:
    """One entry per candidate: coefficient, interval, bootstrap selection frequency, the
    data test where one was run ({"misfit_with", "misfit_without", "needed"}, and "rivals"
    for an admitted term), verdict."""
    out = []
    data_tests = data_tests or {}
    for k, term in enumerate(terms):
        kept = bool(xi[k] != 0)
        freq = None if frequencies is None else float(frequencies[k])
        test = data_tests.get(term)
        out.append({"term": term, "coefficient": float(xi[k]) if kept else 0.0,
                    "interval": [float(v) for v in intervals[k]] if kept else None,
                    "frequency": freq, "data_test": test, "verdict": verdict(kept, freq, test)})
    return out


def _bins(n: int, d: int, max_bins: int = 4) -> int:
    """Bins per coordinate so that each of the bins**d regions holds MIN_REGION_POINTS on average."""
    return int(max(1, min(max_bins, np.floor((n / MIN_REGION_POINTS) ** (1.0 / d)))))


def regional_misfits(points: np.ndarray, residuals: np.ndarray, noise_mse: float | None, n_held: int,
                     coordinates, alpha: float = 0.01, held: tuple | None = None) -> list[dict]:
    """Per region of equal-count bins: its bounds, points, misfit ratio and whether it is
    flagged. ``held``: (points, residuals) of the data-only fit at its held-out points; a
    region where that fit itself misfits beyond ``noise_mse`` by the same test (an
    approximation error that stays where the field is hard to fit, e.g. a shock in
    noise-free data) is compared with the fit's misfit there instead (from at least
    :data:`MIN_HELD_POINTS` of them); elsewhere the noise stays the reference, so noise alone
    rarely weakens the test."""
    if noise_mse is None or noise_mse <= 0 or n_held <= 0:
        return []
    n, d = points.shape
    b = _bins(n, d)
    edges = [np.quantile(points[:, j], np.linspace(0, 1, b + 1)) for j in range(d)]
    cell_of = lambda pts: np.stack([np.clip(np.searchsorted(e, pts[:, j], side="right") - 1, 0, b - 1)
                                    for j, e in enumerate(edges)], axis=1)
    index = cell_of(points)
    held_index = cell_of(held[0]) if held else None
    cells = list(itertools.product(range(b), repeat=d))
    z = stats.norm.ppf(1 - alpha / len(cells))
    out = []
    for cell in cells:
        inside = np.all(index == cell, axis=1)
        m = int(inside.sum())
        if m < 2:
            continue
        here = None if held_index is None else held[1][np.all(held_index == cell, axis=1)]
        reference, n_reference, source = _reference(here, noise_mse, n_held, z)
        ratio = float(np.mean(residuals[inside] ** 2) / reference)
        se = float(np.sqrt(2.0 / m + 2.0 / n_reference))
        bounds = {c: [float(edges[j][cell[j]]), float(edges[j][cell[j] + 1])] for j, c in enumerate(coordinates)}
        out.append({"bounds": bounds, "n": m, "misfit_ratio": ratio, "threshold": 1.0 + z * se,
                    "flagged": bool(ratio > 1.0 + z * se), "reference": source})
    return out


def _reference(held_here: np.ndarray | None, noise_mse: float, n_held: int, z: float) -> tuple[float, int, str]:
    """(mean square, points, name) a region's misfit is compared with: the noise's, or the
    data-only fit's own at its held-out points there (``held_here``) when the fit misfits
    them beyond the noise by the regional test itself."""
    if held_here is not None and len(held_here) >= MIN_HELD_POINTS:
        fit = float(np.mean(held_here**2))
        if fit / noise_mse > 1.0 + z * np.sqrt(2.0 / len(held_here) + 2.0 / n_held):
            return fit, len(held_here), "fit here"
    return noise_mse, n_held, "noise"


def describe_region(region: dict) -> str:
    where = ", ".join(f"{c} in [{lo:.3g}, {hi:.3g}]" for c, (lo, hi) in region["bounds"].items())
    against = "the noise variance" if region.get("reference", "noise") == "noise" else "the data-only fit's there"
    return f"{where} ({region['n']} points, mean squared misfit {region['misfit_ratio']:.2f}x {against})"
