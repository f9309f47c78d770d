"""Reference solutions whose right-hand-side terms differ in size by ~10-20x.

Benchmarks for equation discovery with small but real terms (issue 23). Every solution
lives on the periodic interval x ∈ [-1, 1) (period 2) with the grid
``x = linspace(-1, 1, nx, endpoint=False)``, ``t = linspace(0, t_end, nt)``; fields are
(nx, nt). Spectral ones use the Fourier pseudo-spectral ETDRK4 solver of
:mod:`pinnjax.reference.spectral` (2/3-rule dealiased, quadratic nonlinearities);
:func:`heat_reaction` is an exact sum of decaying Fourier modes.

The term sizes quoted in each docstring are RMS values over the default output grid
(t = 0 included), with x-derivatives taken spectrally on that grid; the library names
of :func:`pinnjax.discovery.polynomial_library` are given for each term.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .grid import ReferenceSolution
from .spectral import _subsample, derivative_symbol, etdrk4_periodic, etdrk4_steps, wavenumbers

LENGTH = 2.0
KDV_BURGERS_NU = 0.008
KDV_BURGERS_DELTA = 0.02
HEAT_REACTION_D = 0.1
HEAT_REACTION_K = 0.08
# (n, amplitude, phase): a cos(n pi x + phase); n = 0 is the mean, decaying only by reaction.
HEAT_REACTION_MODES = ((0, 0.5, 0.0), (1, 1.0, 0.0), (2, 0.5, 1.0), (3, 0.25, 2.0))
CDR_C = 1.0
CDR_D = 0.2
CDR_R = 0.15
PAIR_ALPHA = 2.0
PAIR_GAMMA = 3.0
PAIR_DU = 0.008
PAIR_DV = 0.01


def _x(n: int) -> np.ndarray:
    return np.linspace(-1.0, 1.0, n, endpoint=False)


def kdv_burgers(
    nx: int = 256,
    nt: int = 101,
    nu: float = KDV_BURGERS_NU,
    delta: float = KDV_BURGERS_DELTA,
    t_end: float = 2.0,
    n_internal: int = 256,
    dt: float = 1e-3,
) -> ReferenceSolution:
    """KdV–Burgers u_t = -u u_x + nu u_xx - delta u_xxx, x ∈ [-1, 1) periodic, u0 = cos(pi x).

    Defaults nu = 0.008, delta = 0.02, t ∈ [0, 2], grid 256 × 101; field ``u``. ETDRK4 on
    ``n_internal`` modes, 2/3-rule dealiased, step ``dt``; L = -nu k² + i delta k³,
    N(u) = -(u²/2)_x. The front steepens, dispersion turns it into a smooth wave train of
    ~6 significant Fourier modes (|û| > 1e-3 max|û| at t = 2); std(u) 0.71 → 0.55,
    max|u(·, 2)| = 1.18.

    RMS over the default grid: u u_x (``u*u_x``) 1.53, delta u_xxx (``u_xxx``) 1.94,
    nu u_xx (``u_xx``) 0.106 (14.5× smaller than u u_x); u_t 0.96.
    """
    x_int = _x(n_internal)
    t = np.linspace(0.0, t_end, nt)
    d1 = derivative_symbol(wavenumbers(n_internal, LENGTH), 1, n_internal)

    def nonlinear(v, k):
        u = np.fft.irfft(v, n=n_internal)
        return -0.5 * d1 * np.fft.rfft(u * u)

    u = etdrk4_periodic(np.cos(np.pi * x_int), LENGTH, lambda k: -nu * k**2 + 1j * delta * k**3,
                        nonlinear, dt, t, dealias=True)
    return ReferenceSolution({"x": _x(nx), "t": t}, {"u": _subsample(u, n_internal, nx)},
                             name="kdv_burgers")


def heat_reaction_exact(x, t, d: float = HEAT_REACTION_D, k: float = HEAT_REACTION_K,
                        modes=HEAT_REACTION_MODES) -> np.ndarray:
    """u = Σ a_n exp(-(d (n pi)² + k) t) cos(n pi x + phi_n) at broadcast x, t.

    Solves u_t = d u_xx - k u exactly (each mode separately); ``modes``: (n, a_n, phi_n).
    """
    x, t = np.broadcast_arrays(np.asarray(x, np.float64), np.asarray(t, np.float64))
    u = np.zeros(x.shape)
    for n, a, phi in modes:
        kn = n * np.pi
        u += a * np.exp(-(d * kn**2 + k) * t) * np.cos(kn * x + phi)
    return u


def heat_reaction(
    nx: int = 256,
    nt: int = 101,
    d: float = HEAT_REACTION_D,
    k: float = HEAT_REACTION_K,
    t_end: float = 1.0,
    modes=HEAT_REACTION_MODES,
) -> ReferenceSolution:
    """Heat equation with weak linear decay u_t = d u_xx - k u, x ∈ [-1, 1) periodic; exact.

    u0 = 0.5 + cos(pi x) + 0.5 cos(2 pi x + 1) + 0.25 cos(3 pi x + 2) (``modes``), so
    u = Σ a_n exp(-(d n² pi² + k) t) cos(n pi x + phi_n) (:func:`heat_reaction_exact`).
    Defaults d = 0.1, k = 0.08, t ∈ [0, 1], grid 256 × 101; field ``u``. The mean mode
    decays by reaction only, which keeps k u distinguishable from d u_xx (cosine of the
    angle between u and u_xx over the grid: -0.54); std(u) 0.81 → 0.24.

    RMS over the default grid: d u_xx (``u_xx``) 0.77, k u (``u``) 0.054 (14× smaller);
    u_t 0.81.
    """
    x, t = _x(nx), np.linspace(0.0, t_end, nt)
    xx, tt = np.meshgrid(x, t, indexing="ij")
    return ReferenceSolution({"x": x, "t": t}, {"u": heat_reaction_exact(xx, tt, d, k, modes)},
                             name="heat_reaction")


def convection_diffusion_reaction(
    nx: int = 256,
    nt: int = 101,
    c: float = CDR_C,
    d: float = CDR_D,
    r: float = CDR_R,
    t_end: float = 0.5,
    n_internal: int = 256,
    dt: float = 2.5e-3,
) -> ReferenceSolution:
    """Convection–diffusion–logistic reaction u_t = -c u_x + d u_xx + r u (1 - u),
    x ∈ [-1, 1) periodic, u0 = 0.4 + 0.3 cos(pi x) + 0.1 sin(2 pi x) (0.05 < u < 0.75 throughout).

    Defaults c = 1, d = 0.2 (Péclet c L / d = 10 with L = 2), r = 0.15, t ∈ [0, 0.5]
    (a quarter of the domain is advected; the mode cos(pi x) decays by exp(-d pi² t) to
    0.37), grid 256 × 101; field ``u``. ETDRK4 on ``n_internal`` modes, 2/3-rule
    dealiased, step ``dt``; L = -i c k - d k², N(u) = r u (1 - u).

    RMS over the default grid: c u_x (``u_x``) 0.47, d u_xx (``u_xx``) 0.34, r u (``u``)
    0.065, r u² (``u**2``) 0.033, the reaction r u (1 - u) 0.034 (14× smaller than c u_x);
    u_t 0.58. At Péclet 10 convection and diffusion are of like size (ratio 2 pi / Pe per
    mode cos(pi x)); the reaction is the small term.
    """
    x_int = _x(n_internal)
    t = np.linspace(0.0, t_end, nt)

    def nonlinear(v, k):
        u = np.fft.irfft(v, n=n_internal)
        return r * (v - np.fft.rfft(u * u))

    u0 = 0.4 + 0.3 * np.cos(np.pi * x_int) + 0.1 * np.sin(2 * np.pi * x_int)
    u = etdrk4_periodic(u0, LENGTH, lambda k: -1j * c * k - d * k**2, nonlinear, dt, t, dealias=True)
    return ReferenceSolution({"x": _x(nx), "t": t}, {"u": _subsample(u, n_internal, nx)},
                             name="convection_diffusion_reaction")


def etdrk4_periodic_system(
    u0: np.ndarray,
    length: float,
    linear_symbols: Callable[[np.ndarray], np.ndarray],
    nonlinear: Callable[[np.ndarray, np.ndarray], np.ndarray],
    dt: float,
    t_out: np.ndarray,
    *,
    dealias: bool = True,
    contour_points: int = 64,
) -> np.ndarray:
    """ETDRK4 for several coupled periodic fields with a diagonal linear part.

    ``u0``: (f, n) samples of f fields on ``length * arange(n) / n`` (shifted by any
    origin). ``linear_symbols(k)``: (f, n//2+1) symbol of each field's L (e.g. -D_i k²).
    ``nonlinear(v, k)``: rfft coefficients (f, n//2+1) of N(u) from those of u, which may
    couple the fields. Same scheme, step splitting and 2/3 rule as
    :func:`~pinnjax.reference.spectral.etdrk4_periodic`, applied to the stacked
    coefficients. Returns (f, n, nt); the first column is u0.
    """
    u0 = np.asarray(u0, np.float64)
    t_out = np.asarray(t_out, np.float64)
    if u0.ndim != 2 or t_out.ndim != 1 or t_out.size == 0:
        raise ValueError("etdrk4_periodic_system: u0 must be (f, n) and t_out (nt,) with nt >= 1")
    if np.any(np.diff(t_out) < 0) or dt <= 0:
        raise ValueError("etdrk4_periodic_system: t_out must be non-decreasing and dt positive")
    f, n = u0.shape
    k = wavenumbers(n, length)
    lin = np.broadcast_to(np.asarray(linear_symbols(k), np.complex128), (f, k.size))
    mask = np.where(k > (2.0 / 3.0) * k[-1], 0.0, 1.0) if dealias else np.ones(k.shape)

    def nl(v):
        return mask * nonlinear(v, k)

    v = np.fft.rfft(u0, axis=1)
    out = np.empty((f, n, t_out.size))
    out[:, :, 0] = u0
    return etdrk4_steps(v, lin, nl, dt, t_out, contour_points, lambda w: np.fft.irfft(w, n=n, axis=1), out)


def reaction_diffusion_pair(
    nx: int = 256,
    nt: int = 101,
    alpha: float = PAIR_ALPHA,
    gamma: float = PAIR_GAMMA,
    d_u: float = PAIR_DU,
    d_v: float = PAIR_DV,
    t_end: float = 2.0,
    n_internal: int = 256,
    dt: float = 2e-3,
) -> ReferenceSolution:
    """Diffusive Lotka–Volterra pair about its coexistence state, x ∈ [-1, 1) periodic:

        u_t = d_u u_xx - alpha v - alpha u v,
        v_t = d_v v_xx + gamma u + gamma u v,

    (U = U*(1 + u), V = V*(1 + v) for prey U_t = alpha' U - beta U V and predator
    V_t = -gamma' V + delta U V). u0 = 0.4 cos(pi x), v0 = 0.3 sin(pi x) + 0.2 cos(2 pi x).
    Defaults alpha = 2, gamma = 3 (local period 2 pi / sqrt(alpha gamma) = 2.6), d_u = 0.008,
    d_v = 0.01, t ∈ [0, 2], grid 256 × 101; fields ``u`` and ``v``. ETDRK4 on the stacked
    coefficients (:func:`etdrk4_periodic_system`), ``n_internal`` modes, 2/3-rule
    dealiased, step ``dt``; L = diag(-d_u k², -d_v k²), the reaction terms in N.

    u >= -0.41 and v >= -0.5 (U, V stay positive); std(u) 0.28 → 0.16, std(v) 0.26 → 0.30.

    RMS over the default grid. u equation: alpha v (``v``) 0.557, alpha u v (``u*v``)
    0.102, d_u u_xx (``u_xx``) 0.036 (15.5× smaller than alpha v); u_t 0.578. v equation:
    gamma u (``u``) 0.698, gamma u v (``u*v``) 0.152, d_v v_xx (``v_xx``) 0.052 (13.4×
    smaller than gamma u); v_t 0.707.
    """
    x_int = _x(n_internal)
    t = np.linspace(0.0, t_end, nt)

    def nonlinear(w, k):
        u, v = np.fft.irfft(w, n=n_internal, axis=1)
        uv = np.fft.rfft(u * v)
        return np.stack([-alpha * (w[1] + uv), gamma * (w[0] + uv)])

    w0 = np.stack([0.4 * np.cos(np.pi * x_int),
                   0.3 * np.sin(np.pi * x_int) + 0.2 * np.cos(2 * np.pi * x_int)])
    w = etdrk4_periodic_system(w0, LENGTH, lambda k: np.stack([-d_u * k**2, -d_v * k**2]),
                               nonlinear, dt, t, dealias=True)
    return ReferenceSolution({"x": _x(nx), "t": t},
                             {"u": _subsample(w[0], n_internal, nx), "v": _subsample(w[1], n_internal, nx)},
                             name="reaction_diffusion_pair")
