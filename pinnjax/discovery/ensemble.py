"""Bootstrap ensembles of the selection step, vmapped: how often each term is kept.

STLSQ is written with a fixed number of iterations and masked normal equations (pruned
rows/columns replaced by the identity), so one jitted function serves every resample and
``jax.vmap`` runs them all at once.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np


def _masked_lstsq(gram: jax.Array, rhs: jax.Array, keep: jax.Array, ridge: float) -> jax.Array:
    k = keep.astype(gram.dtype)
    a = gram * k[:, None] * k[None, :] + jnp.diag(1.0 - k) + ridge * jnp.eye(gram.shape[0])
    return jnp.linalg.solve(a, rhs * k) * k


def stlsq_masks(theta: jax.Array, y: jax.Array, threshold: float, mask: jax.Array,
                iterations: int = 10, ridge: float = 1e-8) -> jax.Array:
    """STLSQ on unit-normalized columns of Θ (N, K), y (N,), candidates ``mask`` (K,);
    returns the kept terms (K,) bool. Traceable; vmap it over resamples."""
    norms = jnp.linalg.norm(theta, axis=0)
    t = theta / jnp.where(norms > 0, norms, 1.0)[None, :]
    z = y / jnp.maximum(jnp.linalg.norm(y), 1e-300)
    gram, rhs = t.T @ t, t.T @ z

    def step(keep, _):
        xi = _masked_lstsq(gram, rhs, keep, ridge)
        return keep & (jnp.abs(xi) >= threshold), None

    keep, _ = jax.lax.scan(step, mask, None, length=iterations)
    return keep


def resampled_stlsq(theta: np.ndarray, y: np.ndarray, threshold: float, rows: np.ndarray,
                    mask: np.ndarray | None = None) -> np.ndarray:
    """Kept terms (R, K) bool of STLSQ at ``threshold`` on each row resample ``rows`` (R, N)
    of Θ (N, K), y (N,); all resamples in one vmapped call."""
    theta, y = np.asarray(theta, np.float64), np.asarray(y, np.float64)
    mask = np.ones(theta.shape[1], bool) if mask is None else np.asarray(mask, bool)
    with jax.enable_x64(True):
        th, yy, m = jnp.asarray(theta), jnp.asarray(y), jnp.asarray(mask)
        run = jax.jit(jax.vmap(lambda r: stlsq_masks(th[r], yy[r], threshold, m)))
        return np.asarray(run(jnp.asarray(rows)))


def selection_frequencies(theta: np.ndarray, y: np.ndarray, threshold: float, *, n_models: int = 100,
                          seed: int = 0, mask: np.ndarray | None = None) -> np.ndarray:
    """Fraction of ``n_models`` bootstrap resamples of the rows of Θ (N, K), y (N,) in
    which STLSQ at ``threshold`` keeps each term: (K,) floats in [0, 1]."""
    rows = np.random.default_rng(seed).integers(0, len(y), size=(n_models, len(y)))
    return resampled_stlsq(theta, y, threshold, rows, mask).mean(axis=0)
