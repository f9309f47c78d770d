"""Sparse regression y ≈ Θ ξ: sequential thresholded least squares with an automatic
threshold, and the unregularized refit of the kept terms. Host-side numpy.

Columns of Θ (N, K) and y (N,) are scaled to unit norm before thresholding, so a
threshold compares each term's *relative* contribution, whatever the units.
"""

from __future__ import annotations

import numpy as np


def _lstsq(theta: np.ndarray, y: np.ndarray, ridge: float) -> np.ndarray:
    k = theta.shape[1]
    if k == 0:
        return np.zeros(0)
    a = theta.T @ theta + ridge * np.eye(k)
    return np.linalg.solve(a, theta.T @ y)


def stlsq(theta: np.ndarray, y: np.ndarray, threshold: float, ridge: float = 1e-8, max_iter: int = 25,
          mask: np.ndarray | None = None) -> np.ndarray:
    """Sequential thresholded least squares: ξ (K,) in physical units, zeros where pruned.

    ``mask`` (K,) bool restricts the candidates (the active set only shrinks).
    """
    norms = np.linalg.norm(theta, axis=0)
    norms = np.where(norms > 0, norms, 1.0)
    scale_y = np.linalg.norm(y) or 1.0
    t, z = theta / norms, y / scale_y
    active = np.ones(theta.shape[1], bool) if mask is None else mask.copy()
    xi = np.zeros(theta.shape[1])
    for _ in range(max_iter):
        xi[:] = 0.0
        xi[active] = _lstsq(t[:, active], z, ridge)
        keep = active & (np.abs(xi) >= threshold)
        if np.array_equal(keep, active):
            break
        active = keep
    xi[~active] = 0.0
    return xi * scale_y / norms


def refit(theta: np.ndarray, y: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Ordinary least squares on the kept columns: ξ (K,), zeros elsewhere."""
    xi = np.zeros(theta.shape[1])
    if mask.any():
        xi[mask] = np.linalg.lstsq(theta[:, mask], y, rcond=None)[0]
    return xi


def choose_threshold(theta: np.ndarray, y: np.ndarray, rng: np.random.Generator, penalty: float = 1e-3,
                     thresholds: np.ndarray | None = None, mask: np.ndarray | None = None) -> tuple[float, np.ndarray]:
    """The threshold minimizing validation error / var(y) + penalty × (number of terms).

    Fits STLSQ on 80% of the rows, scores on the other 20%; returns (threshold, mask).
    """
    if thresholds is None:
        thresholds = np.concatenate([[0.0], np.logspace(-4, 0, 41)])
    n = len(y)
    order = rng.permutation(n)
    train, valid = order[: int(0.8 * n)], order[int(0.8 * n):]
    var = np.var(y[valid]) or 1.0
    best = (np.inf, 0.0, None)
    for tau in thresholds:
        xi = stlsq(theta[train], y[train], tau, mask=mask)
        keep = xi != 0
        xi = refit(theta[train], y[train], keep)
        err = np.mean((theta[valid] @ xi - y[valid]) ** 2) / var
        score = err + penalty * keep.sum()
        if score < best[0]:
            best = (score, float(tau), keep)
    return best[1], best[2]
