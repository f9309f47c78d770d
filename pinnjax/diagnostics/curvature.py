"""Curvature of a loss at trained parameters: Hessian–vector products, top eigenvalues, trace.

- **Hessian–vector products**: the parameters are flattened with
  ``jax.flatten_util.ravel_pytree`` and ``H v = jvp(grad f)(x; v)`` (forward over reverse:
  one gradient's cost, about 2-4 loss evaluations, never the n × n matrix), jit-compiled once.
- **Top-k eigenvalues by Lanczos** with full reorthogonalization (classical Gram–Schmidt
  applied twice against every stored Lanczos vector), written here as a short host loop in
  float64 around the compiled product. After each step the tridiagonal T_j is diagonalized
  (``scipy.linalg.eigh_tridiagonal``); the Ritz residual of pair i is ``β_j |s_{j,i}|``, a
  bound on the eigenvalue error, and the loop stops when the k largest Ritz values all have
  residual ≤ ``tol`` · max|θ|. On a breakdown (β ≈ 0: an invariant subspace, e.g. repeated
  eigenvalues) it continues from a fresh random vector orthogonal to all before, so
  multiplicities are found. Why not ``scipy.sparse.linalg.eigsh``: its ARPACK restarts
  cost more products for the few extreme eigenvalues wanted here, it hides the tridiagonal
  (whose Ritz values and weights give the spectral-density picture of the sharpness figure,
  stochastic Lanczos quadrature with one probe) and its stopping test is not the residual
  bound we report. Memory: ``max_iter`` vectors of n floats.
- **Trace by Hutchinson's estimator**: tr H ≈ mean of zᵀ H z over Rademacher probes z
  (entries ±1, E[z zᵀ] = I), with the standard error std(zᵀHz) / √probes (its variance is
  2 Σ_{i≠j} H_ij² per probe). The probes reuse the one compiled product (a vmapped batch of
  probes would compile a second program, which costs more than the products on a CPU).

Pure: no I/O; arrays in, numbers out.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import scipy.linalg
from jax.flatten_util import ravel_pytree

from .objective import objective


@dataclasses.dataclass(frozen=True)
class Lanczos:
    """What :func:`lanczos` found: ``top`` (k largest Ritz values, descending) and their
    residual bounds; every Ritz value (ascending) with its weight (squared first component:
    the spectral measure seen from the start vector); iterations (= matrix–vector products)."""

    top: np.ndarray
    residuals: np.ndarray
    ritz_values: np.ndarray
    ritz_weights: np.ndarray
    ritz_residuals: np.ndarray
    iterations: int
    converged: bool


@dataclasses.dataclass(frozen=True)
class Curvature:
    """Top Hessian eigenvalues (descending), the smallest Ritz value, Hutchinson's trace ± SE."""

    top: np.ndarray
    residuals: np.ndarray
    smallest: float
    smallest_residual: float
    trace: float | None
    trace_se: float | None
    probes: int
    n_params: int
    loss: float
    lanczos: Lanczos


def flat_loss(source, term: str | None = None, **objective_kw):
    """(f, x0): the loss (total, or one term's) as a function of the flattened parameters, and
    the flattened trained parameters (``ravel_pytree``)."""
    obj = objective(source, **objective_kw)
    x0, unravel = ravel_pytree(obj.params)
    if term is not None:
        with obj.precision():
            names = tuple(jax.eval_shape(obj.losses, obj.params)[1])
        if term not in names:
            raise ValueError(f"unknown term {term!r}: the loss has terms {', '.join(names) or '(none)'}")
    pick = (lambda out: out[0]) if term is None else (lambda out: out[1][term])
    return (lambda x: pick(obj.losses(unravel(x)))), x0


def hessian_vector_product(f, x0: jax.Array):
    """``v -> H(x0) v`` for a scalar ``f`` of a flat vector: forward over reverse, jit-compiled."""
    product = jax.jit(lambda x, v: jax.jvp(jax.grad(f), (x,), (v,))[1])
    return lambda v: product(x0, v)


def lanczos(matvec, n: int, k: int = 5, seed: int = 0, max_iter: int | None = None, tol: float = 1e-10) -> Lanczos:
    """The k largest eigenvalues of the symmetric operator ``matvec`` (numpy (n,) -> (n,)) by
    Lanczos with full reorthogonalization; stops when their residual bounds are ≤ tol · max|θ|
    (but not before min(n, 2k + 10) steps, so that an eigenvalue the start vector barely sees
    has time to appear), after n steps (exact) or after ``max_iter`` (default min(n, 300)) steps."""
    if not 1 <= k <= n:
        raise ValueError(f"lanczos: k must be between 1 and the dimension {n}, got {k!r}")
    rng = np.random.default_rng(seed)
    steps = min(n, 300 if max_iter is None else max_iter)
    basis = np.zeros((steps, n))
    alphas, betas = [], []
    q = _unit(rng.standard_normal(n))
    for j in range(steps):
        basis[j] = q
        w = np.asarray(matvec(q), np.float64)
        alphas.append(float(q @ w))
        w = _orthogonalized(w, basis[: j + 1])
        beta = float(np.linalg.norm(w))
        found = _ritz(alphas, betas, beta, k)
        if j + 1 == steps or (j + 1 >= min(n, 2 * k + 10) and _converged(found, k, tol)):
            return _finish(found, k, j + 1, _converged(found, k, tol) or j + 1 == n)
        if beta <= 1e-12 * max(np.abs(found[0]).max(), 1e-300):  # invariant subspace: start afresh
            betas.append(0.0)
            q = _unit(_orthogonalized(rng.standard_normal(n), basis[: j + 1]))
        else:
            betas.append(beta)
            q = w / beta
    raise AssertionError("unreachable")


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def _orthogonalized(w: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """w minus its projection on the rows of ``basis`` (classical Gram–Schmidt, twice)."""
    for _ in range(2):
        w = w - basis.T @ (basis @ w)
    return w


def _ritz(alphas, betas, beta_next: float, k: int):
    """(Ritz values ascending, first components, residual bounds β_{j+1} |s_{j,i}|) of T_j."""
    theta, s = scipy.linalg.eigh_tridiagonal(np.asarray(alphas), np.asarray(betas))
    return theta, s[0], beta_next * np.abs(s[-1])


def _converged(found, k: int, tol: float) -> bool:
    theta, _, residuals = found
    return len(theta) >= k and bool(np.all(residuals[-k:] <= tol * np.abs(theta).max()))


def _finish(found, k: int, iterations: int, converged: bool) -> Lanczos:
    theta, first, residuals = found
    return Lanczos(theta[::-1][:k].copy(), residuals[::-1][:k].copy(), theta, first**2, residuals,
                   iterations, converged)


def hutchinson(matvec, n: int, probes: int, seed: int = 0) -> tuple[float, float, np.ndarray]:
    """(estimate, standard error, samples) of the trace of the symmetric operator ``matvec``
    (numpy (n,) -> (n,)) from ``probes`` Rademacher quadratic forms zᵀ H z (in float64)."""
    if probes < 2:
        raise ValueError(f"hutchinson: probes must be at least 2 (for a standard error), got {probes!r}")
    rng = np.random.default_rng([seed, 1])
    z = rng.choice(np.array([-1.0, 1.0]), size=(probes, n))
    samples = np.array([v @ np.asarray(matvec(v), np.float64) for v in z])
    return float(samples.mean()), float(samples.std(ddof=1) / np.sqrt(probes)), samples


def curvature(source, top: int = 5, probes: int = 100, seed: int = 0, term: str | None = None,
              tol: float | None = None, max_iter: int | None = None, **objective_kw) -> Curvature:
    """Top-``top`` Hessian eigenvalues (Lanczos) and the trace (Hutchinson, ``probes`` probes;
    0 skips it) of the loss (the total, or ``term``'s) at the trained parameters.

    ``source``: a Result, a CompiledProblem with ``params=``, a function ``f(params)`` with
    ``params=``, or an :class:`~.objective.Objective`; ``seed`` fixes the start vector, the
    probes and (for a compiled problem) the batch of points. ``tol``: Lanczos' relative residual
    bound, by default 1e-10 for float64 parameters and 1e-5 for float32 (whose products are
    only good to ~1e-7 of λ_max).
    """
    obj = objective(source, seed=seed, **objective_kw)
    with obj.precision():
        f, x0 = flat_loss(obj, term)
        if probes and probes < 2:
            raise ValueError(f"curvature: probes must be 0 (no trace) or at least 2, got {probes!r}")
        product = hessian_vector_product(f, x0)
        matvec = lambda v: product(jnp.asarray(v, x0.dtype))  # noqa: E731
        tol = (1e-10 if x0.dtype == jnp.float64 else 1e-5) if tol is None else tol
        found = lanczos(matvec, x0.size, top, seed, max_iter, tol)
        trace, se = hutchinson(matvec, x0.size, probes, seed)[:2] if probes else (None, None)
        loss = float(jax.jit(f)(x0))
    low = int(np.argmin(found.ritz_values))
    return Curvature(found.top, found.residuals, float(found.ritz_values[low]), float(found.ritz_residuals[low]),
                     trace, se, probes, int(x0.size), loss, found)
