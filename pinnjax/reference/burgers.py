"""Exact viscous Burgers solution (Hopf–Cole) for the standard PINN benchmark.

    u_t + u u_x = nu u_xx,   u(x, 0) = -sin(pi x),   u(-1, t) = u(1, t) = 0.

With u = -2 nu phi_x / phi the equation becomes the heat equation phi_t = nu phi_xx, so

    u(x, t) = -∫ sin(pi (x - eta)) f(x - eta) G(eta, t) d eta / ∫ f(x - eta) G(eta, t) d eta,

f(y) = exp(-cos(pi y) / (2 pi nu)), G(eta, t) = exp(-eta² / (4 nu t)). The initial data is
odd and 2-periodic, so the whole-line solution vanishes at x = ±1 for all t. Substituting
eta = sqrt(4 nu t) z turns both integrals into Gauss–Hermite integrals ∫ g(z) exp(-z²) dz.
The log-weights -cos(pi y) / (2 pi nu) span ±1/(2 pi nu) (±50 for nu = 0.01/pi), so the
sums are formed log-sum-exp style: subtract the largest log-weight per point first.
"""

from __future__ import annotations

import functools

import numpy as np
from scipy.special import roots_hermite

from .grid import ReferenceSolution

NU = 0.01 / np.pi


@functools.lru_cache(maxsize=8)
def _hermite(n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss–Hermite nodes (m,) and log-weights (m,), nodes with underflowing weights dropped."""
    z, w = roots_hermite(n_nodes)
    keep = w > 0.0
    z, logw = z[keep], np.log(w[keep])
    z.setflags(write=False)
    logw.setflags(write=False)
    return z, logw


def burgers_exact(x, t, nu: float = NU, n_nodes: int = 400, chunk: int = 4096) -> np.ndarray:
    """u(x, t) of the Burgers benchmark at broadcast points; returns the broadcast shape.

    ``x``, ``t``: array-likes (broadcastable; t >= 0). ``n_nodes``: Gauss–Hermite order.
    At t = 0 the initial data -sin(pi x) is returned exactly.
    """
    x, t = np.broadcast_arrays(np.asarray(x, np.float64), np.asarray(t, np.float64))
    shape = x.shape
    x, t = x.ravel(), t.ravel()
    if np.any(t < 0):
        raise ValueError("burgers_exact: t must be >= 0")
    if nu <= 0:
        raise ValueError(f"burgers_exact: nu must be positive, got {nu}")
    u = -np.sin(np.pi * x)
    z, logw = _hermite(int(n_nodes))
    pos = np.flatnonzero(t > 0)
    for start in range(0, pos.size, chunk):
        idx = pos[start:start + chunk]
        scale = np.sqrt(4.0 * nu * t[idx])
        y = np.pi * (x[idx, None] - scale[:, None] * z[None, :])  # (m, n_nodes)
        log_a = logw[None, :] - np.cos(y) / (2.0 * np.pi * nu)
        a = np.exp(log_a - np.max(log_a, axis=1, keepdims=True))
        u[idx] = -np.sum(np.sin(y) * a, axis=1) / np.sum(a, axis=1)
    return u.reshape(shape)


def burgers(
    nx: int = 256,
    nt: int = 101,
    nu: float = NU,
    x_range: tuple[float, float] = (-1.0, 1.0),
    t_range: tuple[float, float] = (0.0, 1.0),
    n_nodes: int = 400,
) -> ReferenceSolution:
    """Burgers reference on ``x = linspace(*x_range, nx)``, ``t = linspace(*t_range, nt)``.

    Field ``u``: (nx, nt). The defaults give a 256 × 101 grid of the Raissi et al. benchmark
    (their published data holds the same solution on 256 × 100 points).
    """
    x = np.linspace(*x_range, nx)
    t = np.linspace(*t_range, nt)
    u = burgers_exact(x[:, None], t[None, :], nu=nu, n_nodes=n_nodes)
    return ReferenceSolution({"x": x, "t": t}, {"u": u}, name="burgers")
