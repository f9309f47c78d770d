"""Whether a discovered equation explains the data: misfits, their statistical resolution,
the checks every result carries and the warnings they raise."""

from __future__ import annotations

import numpy as np
from scipy import stats

from .data import Measurements
from .uncertainty import describe_region, regional_misfits


def data_residuals(result, data: Measurements, outputs) -> tuple[np.ndarray, np.ndarray]:
    """(points (N, d), prediction − data (N,)) of the trained network, every trajectory
    (and field: ``outputs`` one per :attr:`Measurements.channel`)."""
    points, residuals = [], []
    for j, out in enumerate(outputs):
        pts, vals = data.of_channel(j)
        points.append(pts)
        residuals.append(np.asarray(result.predict(pts, [out])[out], float) - vals)
    return np.concatenate(points), np.concatenate(residuals)


def data_misfit(result, data: Measurements, outputs, robust: bool = False) -> float:
    """RMS misfit of the trained network at all data points (every trajectory); ``robust``:
    :func:`trimmed_rms` of the residuals, which a few gross outliers leave alone."""
    return residual_misfit(data_residuals(result, data, outputs)[1], robust)


def residual_misfit(residuals: np.ndarray, robust: bool = False) -> float:
    """:func:`data_misfit` of residuals already computed: their RMS, or :func:`trimmed_rms`."""
    return trimmed_rms(residuals) if robust else float(np.sqrt(np.mean(residuals**2)))


# trimmed_rms keeps the residuals within this many robust standard deviations of their median
TRIM = 3.0


def trimmed_rms(residuals: np.ndarray) -> float:
    """RMS of the residuals within :data:`TRIM` robust standard deviations (the normal-scaled
    median absolute deviation) of their median: the noise's scale with gross outliers left
    out. On Gaussian residuals it is 0.987 × the RMS whatever the fit, so two fits' misfits
    compare as plain RMS ones do (resolution :func:`rms_resolution`)."""
    r = np.asarray(residuals, float).ravel()
    return float(np.sqrt(np.mean(r[inliers(r)] ** 2)))


def inliers(residuals: np.ndarray) -> np.ndarray:
    """Which residuals (N,) lie within :data:`TRIM` robust standard deviations of their
    median (bool (N,); all of them when that deviation is 0)."""
    sigma = stats.median_abs_deviation(residuals, scale="normal")
    if not sigma > 0:
        return np.ones(len(residuals), bool)
    return np.abs(residuals - np.median(residuals)) <= TRIM * sigma


def rms_resolution(n_points: int) -> float:
    """Relative standard error 1/√(2N) of an RMS misfit from ``n_points`` residuals."""
    return 1.0 / np.sqrt(2.0 * n_points)


def loss_resolution(n_points: int) -> float:
    """Relative standard error √(2/N) of a mean squared misfit over ``n_points`` residuals
    with independent noise (twice :func:`rms_resolution`): two losses closer than this are
    statistically the same fit."""
    return 2.0 * rms_resolution(n_points)


def needed_by_data(misfit_with: float, misfit_without: float, n_points: int, floor: float = 0.0) -> bool:
    """Whether removing terms raised the data misfit by more than the RMS misfit's own
    statistical resolution from ``n_points`` residuals (:func:`rms_resolution`), above
    ``floor``: the data-only fit's held-out misfit (noise + what a network can fit at all).

    The resolution is the noise's; it does not bound what training alone changes. On
    noise-free data a misfit is the network's approximation error, and a spurious term
    can lower it far beyond 1/√(2N) by letting the network bend where it fits worst (Burgers
    at 0 %: a −7.6e-07 u_xxx, 0.00220 → 0.00128). A misfit without the terms at or below
    what a network fits without any equation shows the data need nothing more."""
    return misfit_without > max(misfit_with, floor) * (1.0 + rms_resolution(n_points))


def explains_data(misfit_ratio: float | None, n_held: int) -> bool:
    """Whether the final network's RMS data misfit is within 3 standard errors of the
    data-only fit's held-out RMS error (``misfit_ratio`` = their ratio; the held-out RMS
    from ``n_held`` points has relative standard error :func:`rms_resolution`); True when unknown."""
    if misfit_ratio is None or n_held <= 0:
        return True
    return bool(misfit_ratio <= 1.0 + 3.0 * rms_resolution(n_held))


def fits_better(misfit: float, n_terms: int, other_misfit: float, other_terms: int, n_points: int) -> bool:
    """Whether an answer (RMS data misfit, number of terms) beats another: a misfit lower by
    more than its resolution (:func:`rms_resolution` of N), or one within it with fewer terms."""
    if abs(misfit - other_misfit) > rms_resolution(n_points) * other_misfit:
        return misfit < other_misfit
    return n_terms < other_terms


def consistency(result, data: Measurements, outputs, theta: np.ndarray, y: np.ndarray, xi: np.ndarray,
                validation_mse: float | None, n_held: int = 0, held: tuple | None = None) -> dict:
    """How well the final network and equation explain the data.

    ``data_rmse``: RMS misfit of the final network at all data points; ``fit_rmse``: the
    held-out RMS error of the early-stopped data-only fit (≈ the noise level; None without
    validation); ``misfit_ratio``: their ratio (≈ 1 when the equation is consistent with
    the data, clearly above 1 when enforcing it costs data fit); ``residual_relative``:
    ‖lhs − Θ ξ‖ / ‖lhs‖ at the collocation points or test functions (Θ (N, K), lhs (N,), ξ (K,));
    ``explains_data``: :func:`explains_data` of the ratio with the fit's ``n_held`` held-out points;
    ``regions``: :func:`~.uncertainty.regional_misfits` (``held``: the data-only fit's held-out
    (points, residuals)).
    """
    points, residuals = data_residuals(result, data, outputs)
    data_rmse = float(np.sqrt(np.mean(residuals**2)))
    fit_rmse = None if validation_mse is None else float(np.sqrt(validation_mse))
    ratio = None if not fit_rmse else data_rmse / fit_rmse
    regions = regional_misfits(points, residuals, validation_mse, n_held, data.coordinates, held=held)
    return {"data_rmse": data_rmse, "fit_rmse": fit_rmse, "misfit_ratio": ratio,
            "residual_relative": float(np.linalg.norm(y - theta @ xi) / (np.linalg.norm(y) or 1.0)),
            "explains_data": explains_data(ratio, n_held), "regions": regions,
            "misfit_regions": [describe_region(r) for r in regions if r["flagged"]]}


# check_warnings flags |lhs - Θξ| / |lhs| above this on the final network: every right answer in
# experiments/RESULTS.md stays at or below 0.18, a collapsed fit (KS at 50% noise) reaches 0.996.
UNEXPLAINED_LHS = 0.5


def check_warnings(checks: dict, lhs: str) -> list[str]:
    """What a discovery's ``checks`` say is wrong with its answer (empty when nothing is)."""
    warnings = []
    if not checks.get("explains_data", True):
        warnings.append("the equation does not explain the data (the final network misfits it beyond the "
                        "data-only fit's held-out error): a true term may be missing; try a smaller screen_penalty, "
                        "max_widenings=2, weak_form=True (high derivatives of a noisy fit), a larger library or "
                        "more data")
    if checks.get("misfit_regions"):
        warnings.append("the equation misfits the data beyond the noise in part of the domain: "
                        + "; ".join(checks["misfit_regions"]) + ". A term that matters only there may be missing: "
                        "try a smaller penalty or screen_penalty, or max_widenings=2")
    borderline = [f"{t['term']} ({t['verdict']}, selected in {t['frequency']:.0%} of resamples)"
                  for t in checks.get("terms", ()) if t["verdict"].endswith("borderline")]
    if borderline:
        warnings.append(f"the evidence on {', '.join(borderline)} is borderline: the bootstrap selection is "
                        "undecided; more data or less noise would settle it")
    tied = [f"{t['term']} (as well fitted with {' or '.join(t['data_test']['rivals'])} instead)"
            for t in checks.get("terms", ()) if t["coefficient"] and (t["data_test"] or {}).get("rivals")]
    if tied:
        warnings.append(f"the data needed {', '.join(tied)}: their misfits are within the resolution, so the data "
                        "cannot tell these terms apart and either equation explains them; data where they differ "
                        "more (a wider range of the field, other initial conditions) would settle it")
    if checks.get("residual_relative", 0.0) > UNEXPLAINED_LHS:
        warnings.append(f"the equation leaves {checks['residual_relative']:.0%} of |{lhs}| unexplained on the final "
                        "network, so its coefficients are not pinned down (noisy data can train them toward 0 when "
                        "the residual weighs little beside the data loss): try a larger polish_pde_weight, more "
                        "data or less noise")
    return warnings
