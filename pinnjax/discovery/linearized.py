"""How far the data's noise can move a trained coefficient: :func:`coefficient_covariance`.

A joint training minimizes L(p) = Σ_t w_t/N_t Σ_i r_ti(p)² over the network's parameters
and the coefficients together (data terms r = prediction − y, residual terms r = the PDE's
residual). Near its minimum, noise δy in the data moves the minimizer by
δp = H⁺ Σ_data (2 w_t/N_t) J_tᵀ δy, with H = Σ_t (2 w_t/N_t) J_tᵀ J_t the Gauss–Newton
Hessian and J_t the per-point Jacobians of the residuals. With independent noise of variance
σ_t² per data term the coefficients' covariance is the sandwich H⁺ G H⁺ (rows of the
coefficients), G = Σ_data (2 w_t/N_t)² σ_t² J_tᵀ J_t. This is the noise's spread propagated
through the trained network and equation together: the quantity a bootstrap over one
network's regression rows leaves out. It is a linearization (first order in the noise) and
leaves out the network's bias; σ_t² is read from the data term's residuals at the minimum.
Under a robust data loss (``robust``) the gross outliers, residuals beyond
:data:`~.checks.TRIM` robust standard deviations, are left out of both: such a loss gives
them no curvature and a bounded pull (an approximation: Huber's transition is not modelled),
and σ_t is the residuals' normal-scaled median absolute deviation.

H of an overparameterized network is singular (directions the loss does not see): its
pseudo-inverse keeps the eigenvalues above ``rcond`` × the largest.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree
from scipy import stats

from ..problem.terms import Data
from .checks import inliers

CHUNK = 256  # points per vmapped Jacobian evaluation
# The dense Hessian's size limit: 10,000 parameters make a 0.8 GB matrix and an eigendecomposition
# of about a minute on 2 cores (experiments' KS network: 7,300); beyond it the intervals fall back.
MAX_PARAMETERS = 10_000


def _jacobian(compiled, term, unravel, flat, batch) -> tuple[np.ndarray, np.ndarray]:
    """(residuals (N,), their per-point gradients (N, P)) of one term at ``flat`` params."""

    def residual(p, one):
        single = jax.tree_util.tree_map(lambda a: a[None], one)
        return compiled.term_residual(term, unravel(p), single).reshape(-1)[0]

    both = jax.jit(jax.vmap(jax.value_and_grad(residual), in_axes=(None, 0)))
    n = len(batch["x"])
    parts = [both(flat, jax.tree_util.tree_map(lambda a: a[i : i + CHUNK], batch)) for i in range(0, n, CHUNK)]
    return (np.concatenate([np.asarray(r, np.float64) for r, _ in parts]),
            np.concatenate([np.asarray(g, np.float64) for _, g in parts]))


def parameters(result) -> int:
    """How many scalars ``result`` trained (network and coefficients)."""
    return sum(np.size(leaf) for leaf in jax.tree_util.tree_leaves(result.params))


def _variance(residuals: np.ndarray, robust: bool) -> float:
    """The noise variance of a data term's residuals: their mean square, or robustly the
    squared normal-scaled median absolute deviation (unbiased on Gaussian noise, unlike the
    trimmed RMS, which trimming lowers)."""
    if robust:
        return float(stats.median_abs_deviation(residuals, scale="normal") ** 2)
    return float(np.mean(residuals**2))


def _gauss_newton(result, robust: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(H, G, each flat parameter's coefficient number: 1.. for the sorted coefficients, 0
    for the network's) of ``result``'s training (the module's text)."""
    compiled, params = result.compiled, result.params
    batch = compiled.draw_batch(np.random.default_rng(0))
    with jax.enable_x64(np.dtype(result.dtype) == np.float64):
        flat, unravel = ravel_pytree(params)
        marks = jax.tree_util.tree_map(jnp.zeros_like, params)
        marks["coefficients"] = {k: jnp.full_like(v, i + 1.0) for i, (k, v) in
                                 enumerate(sorted(params["coefficients"].items()))}
        hessian, noise = np.zeros((flat.size, flat.size)), np.zeros((flat.size, flat.size))
        for source, term in zip(compiled.problem.terms, compiled.terms):
            r, jac = _jacobian(compiled, term, unravel, flat, {k: jnp.asarray(v) for k, v in batch[term.name].items()})
            scale = 2.0 * term.weight / len(r)
            data = isinstance(source, Data)
            if data and robust:  # gross outliers: no curvature and a bounded pull under a robust loss
                jac = jac[inliers(r)]
            gram = jac.T @ jac
            hessian += scale * gram
            if data:
                noise += scale**2 * _variance(r, robust) * gram
        return hessian, noise, np.asarray(ravel_pytree(marks)[0])


def coefficient_covariance(result, robust: bool = False, rcond: float = 1e-10) -> tuple[list[str], np.ndarray]:
    """(coefficient names, their covariance (m, m) in raw values) of a trained problem with
    data terms, from the data's noise (the module's text). ``robust``: the data terms'
    outliers (:func:`~.checks.inliers`) left out."""
    names = sorted(result.params["coefficients"])
    hessian, noise, position = _gauss_newton(result, robust)
    values, vectors = np.linalg.eigh(hessian)
    keep = values > rcond * values.max()
    rows = np.array([np.flatnonzero(position == i + 1)[0] for i in range(len(names))])
    solve = (vectors[rows][:, keep] / values[keep]) @ vectors[:, keep].T  # rows of H⁺ (m, P)
    return names, solve @ noise @ solve.T


def joint_intervals(result, xi: np.ndarray, robust: bool = False, confidence: float = 0.95) -> np.ndarray | None:
    """(K, 2) intervals of the kept coefficients ξ (K,) (NaN for dropped ones) from
    :func:`coefficient_covariance` of ``result``, a joint training that trained each kept
    ξ_k as ``c{k}`` × a fixed scale; None when ``result`` did not train every kept one, or
    has more than :data:`MAX_PARAMETERS` parameters."""
    kept = np.flatnonzero(xi != 0)
    trained = result.coefficients
    if not kept.size or any(trained.get(f"c{k}", 0.0) == 0.0 for k in kept) or parameters(result) > MAX_PARAMETERS:
        return None
    names, cov = coefficient_covariance(result, robust)
    sd = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    z = stats.norm.ppf(0.5 + confidence / 2)
    out = np.full((len(xi), 2), np.nan)
    for k in kept:
        half = z * abs(xi[k] / trained[f"c{k}"]) * sd[names.index(f"c{k}")]
        out[k] = xi[k] - half, xi[k] + half
    return out
