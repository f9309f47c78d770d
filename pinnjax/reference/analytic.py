"""Closed-form reference solutions: heat equation with mixed BCs, Laplace, Poisson.

Heat, x ∈ [0, L], t ≥ 0:  u_t = alpha u_xx,  u(0, t) = 0,  u_x(L, t) = 0,
u(x, 0) = x (2L - x) / L². With lambda_n = (n + 1/2) pi / L (n = 0, 1, ...),

    u(x, t) = Σ_n b_n exp(-alpha lambda_n² t) sin(lambda_n x),
    b_n = (2/L) ∫_0^L u0 sin(lambda_n x) dx = 4 / (lambda_n L)³ = 32 / ((2n + 1) pi)³

(two integrations by parts; the boundary terms vanish because u0(0) = 0, u0'(L) = 0 and
cos(lambda_n L) = 0, leaving (2/L³) ∫_0^L 2 sin(lambda_n x) dx / lambda_n²).

Laplace on [0, 1]²:  u = sin(pi x) sinh(pi y) / sinh(pi) + exp(x) cos(y).

Poisson on the L-shape [-1, 1]² minus (0, 1] × [-1, 0) (``pinnjax.lshape()``):
-Δu = f with u = sin(pi x) sin(pi y) + x y, f = 2 pi² sin(pi x) sin(pi y); Dirichlet data
is u itself (non-zero on the boundary through x y).
"""

from __future__ import annotations

import numpy as np

from .grid import ReferenceSolution

HEAT_ALPHA = 0.1


# ----------------------------------------------------------------------------- heat


def heat_mixed_initial(x, length: float = 1.0) -> np.ndarray:
    """u0(x) = x (2L - x) / L², same shape as x."""
    x = np.asarray(x, np.float64)
    return x * (2.0 * length - x) / length**2


def heat_mixed_coefficients(n_terms: int) -> np.ndarray:
    """Sine-series coefficients b_n = 32 / ((2n + 1) pi)³, n = 0..n_terms-1: (n_terms,).

    They do not depend on L (u0 is a function of x / L).
    """
    return 32.0 / ((2.0 * np.arange(n_terms) + 1.0) * np.pi) ** 3


def _tail_bound(n: np.ndarray, decay: float) -> np.ndarray:
    """Upper bound on Σ_{m >= n} b_m exp(-decay (m + 1/2)²) for decay >= 0."""
    n = np.asarray(n, np.float64)
    s = 1.0 / (2.0 * n + 1.0) ** 3 + 1.0 / (4.0 * (2.0 * n + 1.0) ** 2)
    return 32.0 / np.pi**3 * s * np.exp(-decay * (n + 0.5) ** 2)


def _terms_needed(decay: float, tol: float, cap: int) -> int:
    candidates = np.unique(np.geomspace(1, cap, 4000).astype(np.int64))
    ok = np.flatnonzero(_tail_bound(candidates, decay) < tol)
    return int(candidates[ok[0]]) if ok.size else cap


def heat_mixed_exact(
    x,
    t,
    alpha: float = HEAT_ALPHA,
    length: float = 1.0,
    n_terms: int | None = None,
    tol: float = 1e-14,
    chunk: int = 20000,
) -> np.ndarray:
    """Series solution at broadcast points (x, t); returns the broadcast shape.

    ``n_terms``: fixed number of series terms (the series is used at every t, t = 0
    included). ``None``: per distinct t, enough terms that the tail is below ``tol``
    (bounded analytically), and at t = 0 the series limit u0 is returned in closed form.
    """
    x, t = np.broadcast_arrays(np.asarray(x, np.float64), np.asarray(t, np.float64))
    shape = x.shape
    x, t = x.ravel(), t.ravel()
    if np.any(t < 0):
        raise ValueError("heat_mixed_exact: t must be >= 0")
    u = np.empty_like(x)
    lam_unit = np.pi / length
    for tv in np.unique(t):
        sel = t == tv
        if n_terms is None and tv == 0.0:
            u[sel] = heat_mixed_initial(x[sel], length)
            continue
        decay = alpha * lam_unit**2 * tv
        m = int(n_terms) if n_terms is not None else _terms_needed(decay, tol, 10**7)
        xs = x[sel]
        acc = np.zeros_like(xs)
        for start in range(0, m, chunk):
            n = np.arange(start, min(start + chunk, m))
            lam = (n + 0.5) * lam_unit
            amp = 32.0 / ((2.0 * n + 1.0) * np.pi) ** 3 * np.exp(-alpha * lam**2 * tv)
            acc += np.sin(xs[:, None] * lam[None, :]) @ amp
        u[sel] = acc
    return u.reshape(shape)


def heat_mixed(
    nx: int = 101,
    nt: int = 101,
    alpha: float = HEAT_ALPHA,
    length: float = 1.0,
    t_end: float = 1.0,
) -> ReferenceSolution:
    """Heat equation with u(0,t)=0, u_x(L,t)=0, u0 = x(2L-x)/L²: field ``u`` (nx, nt).

    Grid ``x = linspace(0, L, nx)``, ``t = linspace(0, t_end, nt)``. With the defaults
    the first mode decays by exp(-alpha pi² / 4) ≈ 0.78 over the run.
    """
    x = np.linspace(0.0, length, nx)
    t = np.linspace(0.0, t_end, nt)
    u = heat_mixed_exact(x[:, None], t[None, :], alpha=alpha, length=length)
    return ReferenceSolution({"x": x, "t": t}, {"u": u}, name="heat_mixed")


# ----------------------------------------------------------------------------- Laplace


def laplace_square_exact(x, y) -> np.ndarray:
    """Harmonic u = sin(pi x) sinh(pi y) / sinh(pi) + exp(x) cos(y) at broadcast points."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    return np.sin(np.pi * x) * np.sinh(np.pi * y) / np.sinh(np.pi) + np.exp(x) * np.cos(y)


def laplace_square(n: int = 101) -> ReferenceSolution:
    """Δu = 0 on [0, 1]², Dirichlet data from :func:`laplace_square_exact`: ``u`` (n, n)."""
    x = np.linspace(0.0, 1.0, n)
    y = np.linspace(0.0, 1.0, n)
    u = laplace_square_exact(x[:, None], y[None, :])
    return ReferenceSolution({"x": x, "y": y}, {"u": u}, name="laplace_square")


# ----------------------------------------------------------------------------- Poisson


def poisson_exact(x, y) -> np.ndarray:
    """u = sin(pi x) sin(pi y) + x y at broadcast points."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    return np.sin(np.pi * x) * np.sin(np.pi * y) + x * y


def poisson_source(x, y) -> np.ndarray:
    """f = -Δu = 2 pi² sin(pi x) sin(pi y) for :func:`poisson_exact`, broadcast shape."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    return 2.0 * np.pi**2 * np.sin(np.pi * x) * np.sin(np.pi * y)


def lshape_contains(x, y, tol: float = 1e-12) -> np.ndarray:
    """Boolean mask (broadcast shape): inside or on the boundary of the L-shape
    [-1, 1]² minus (0, 1] × [-1, 0)."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    in_box = (np.abs(x) <= 1.0 + tol) & (np.abs(y) <= 1.0 + tol)
    return in_box & ~((x > tol) & (y < -tol))


def poisson_lshape(n: int = 101) -> ReferenceSolution:
    """-Δu = f on the L-shape, sampled on the bounding-box grid ``linspace(-1, 1, n)``².

    Fields ``u`` and ``f``: (n, n), **NaN at grid points outside the L-shape** (boundary
    points count as inside). Use ``.finite("u")`` for the scattered points (M, 2) and
    values (M,) inside the domain.
    """
    x = np.linspace(-1.0, 1.0, n)
    y = np.linspace(-1.0, 1.0, n)
    xx, yy = np.meshgrid(x, y, indexing="ij")
    inside = lshape_contains(xx, yy)
    u = np.where(inside, poisson_exact(xx, yy), np.nan)
    f = np.where(inside, poisson_source(xx, yy), np.nan)
    return ReferenceSolution({"x": x, "y": y}, {"u": u, "f": f}, name="poisson_lshape")


KDV_SOLITONS = ((1.5, -7.0), (1.0, -3.0))  # (wavenumber k_i, initial position x_i)


def kdv_two_soliton_exact(x, t, solitons=KDV_SOLITONS) -> np.ndarray:
    """Two-soliton solution of u_t + 6 u u_x + u_xxx = 0 (Hirota): u = 2 (ln F)_xx with
    F = 1 + e1 + e2 + A e1 e2, e_i = exp(k_i (x - x_i) - k_i³ t), A = ((k1-k2)/(k1+k2))².

    Each soliton alone is (k_i²/2) sech²(k_i (x - x_i - k_i² t)/2); the fast one
    overtakes the slow one. Shapes of x and t broadcast.
    """
    (k1, x1), (k2, x2) = solitons
    x, t = np.asarray(x, np.float64), np.asarray(t, np.float64)
    e1 = np.exp(k1 * (x - x1) - k1**3 * t)
    e2 = np.exp(k2 * (x - x2) - k2**3 * t)
    a = ((k1 - k2) / (k1 + k2)) ** 2
    f = 1.0 + e1 + e2 + a * e1 * e2
    fx = k1 * e1 + k2 * e2 + a * (k1 + k2) * e1 * e2
    fxx = k1**2 * e1 + k2**2 * e2 + a * (k1 + k2) ** 2 * e1 * e2
    return 2.0 * (fxx / f - (fx / f) ** 2)


def kdv_two_soliton(nx: int = 256, nt: int = 101, x_range=(-10.0, 10.0), t_end: float = 5.0) -> ReferenceSolution:
    """:func:`kdv_two_soliton_exact` on ``linspace(*x_range, nx)`` × ``linspace(0, t_end, nt)``."""
    x, t = np.linspace(*x_range, nx), np.linspace(0.0, t_end, nt)
    xx, tt = np.meshgrid(x, t, indexing="ij")
    return ReferenceSolution({"x": x, "t": t}, {"u": kdv_two_soliton_exact(xx, tt)}, name="kdv_two_soliton")
