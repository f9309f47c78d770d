"""Periodic Fourier pseudo-spectral solutions with ETDRK4 time stepping.

Solves u_t = L u + N(u) on a periodic interval of length ``length``: L is diagonal in
Fourier space (its symbol L(k)) and integrated exactly; N is treated by the fourth-order
exponential time-differencing Runge–Kutta scheme of Cox & Matthews (2002) in the form of
Kassam & Trefethen (2005). The phi-type coefficients are evaluated by a contour average
(circle of radius 1 around dt L(k)) where |dt L(k)| is small, and by their closed forms
elsewhere, so no coefficient suffers cancellation or a near-zero denominator.

Fourier coefficients are those of ``numpy.fft.rfft`` of n point values on
``x = x0 + length * arange(n) / n``; wavenumbers ``k = 2 pi / length * arange(n//2 + 1)``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .grid import ReferenceSolution

ALLEN_CAHN_EPS = 1e-4
KDV_ETA = 1.0
KDV_MU = 0.022


def wavenumbers(n: int, length: float) -> np.ndarray:
    """Angular wavenumbers (n//2 + 1,) matching ``numpy.fft.rfft`` of n points."""
    return 2.0 * np.pi / length * np.arange(n // 2 + 1)


def derivative_symbol(k: np.ndarray, order: int, n: int) -> np.ndarray:
    """(i k)^order (n//2 + 1,), with the Nyquist mode zeroed for odd orders (n even)."""
    s = (1j * k) ** order
    if order % 2 == 1 and n % 2 == 0:
        s = s.copy()
        s[-1] = 0.0
    return s


def spectral_derivative(u: np.ndarray, length: float, order: int = 1) -> np.ndarray:
    """d^order u / dx^order of periodic samples u (n, ...) along axis 0; same shape."""
    n = u.shape[0]
    k = wavenumbers(n, length)
    s = derivative_symbol(k, order, n).reshape((-1,) + (1,) * (u.ndim - 1))
    return np.fft.irfft(s * np.fft.rfft(u, axis=0), n=n, axis=0)


def _phi_coefficients(z: np.ndarray, dt: float, contour_points: int):
    """ETDRK4 coefficients for z = dt L (m,): E, E2, Q, f1, f2, f3 (each (m,) complex).

    Q = dt (e^{z/2} - 1)/z, f1 = dt (-4 - z + e^z (4 - 3z + z²))/z³,
    f2 = dt (2 + z + e^z (z - 2))/z³, f3 = dt (-4 - 3z - z² + e^z (4 - z))/z³.
    """
    z = np.asarray(z, np.complex128)

    def closed(w):
        ew, ew2 = np.exp(w), np.exp(w / 2)
        w3 = w**3
        return (
            (ew2 - 1.0) / w,
            (-4.0 - w + ew * (4.0 - 3.0 * w + w * w)) / w3,
            (2.0 + w + ew * (w - 2.0)) / w3,
            (-4.0 - 3.0 * w - w * w + ew * (4.0 - w)) / w3,
        )

    small = np.abs(z) < 0.5
    out = [np.empty_like(z) for _ in range(4)]
    if np.any(~small):
        for o, c in zip(out, closed(z[~small])):
            o[~small] = c
    if np.any(small):
        # Mean over a circle of radius 1 around z: the value at z of an entire function
        # (trapezoid rule on a circle, exponentially accurate); |w| >= 0.5 on the circle.
        r = np.exp(2j * np.pi * (np.arange(contour_points) + 0.5) / contour_points)
        w = z[small, None] + r[None, :]
        for o, c in zip(out, closed(w)):
            o[small] = np.mean(c, axis=1)
    q, f1, f2, f3 = (dt * o for o in out)
    return np.exp(z), np.exp(z / 2), q, f1, f2, f3


def etdrk4_periodic(
    u0: np.ndarray,
    length: float,
    linear_symbol: Callable[[np.ndarray], np.ndarray],
    nonlinear: Callable[[np.ndarray, np.ndarray], np.ndarray],
    dt: float,
    t_out: np.ndarray,
    *,
    dealias: bool = True,
    contour_points: int = 64,
    u0_hat: np.ndarray | None = None,
) -> np.ndarray:
    """Integrate u_t = L u + N(u) from t_out[0]; returns u at t_out, shape (n, nt).

    ``u0``: (n,) real samples at ``length * arange(n) / n`` (shifted by any origin).
    ``linear_symbol(k)``: (n//2+1,) complex symbol of L. ``nonlinear(u_hat, k)``: rfft
    coefficients (n//2+1,) of N(u) from those of u. ``dt``: largest internal step; each
    output interval is split into equal steps of at most ``dt``. ``dealias``: zero the
    modes above 2/3 of the Nyquist wavenumber in N(u) (2/3 rule). ``u0_hat``: optional
    (n//2+1,) rfft coefficients of the initial state (e.g. exact ones, free of aliasing);
    replaces ``rfft(u0)``. The first column is u0 itself.
    """
    u0 = np.asarray(u0, np.float64)
    n = u0.shape[0]
    t_out = np.asarray(t_out, np.float64)
    if u0.ndim != 1 or t_out.ndim != 1 or t_out.size == 0:
        raise ValueError("etdrk4_periodic: u0 must be (n,) and t_out (nt,) with nt >= 1")
    if np.any(np.diff(t_out) < 0) or dt <= 0:
        raise ValueError("etdrk4_periodic: t_out must be non-decreasing and dt positive")
    k = wavenumbers(n, length)
    lin = np.broadcast_to(np.asarray(linear_symbol(k), np.complex128), k.shape)
    mask = np.ones(k.shape)
    if dealias:
        mask[k > (2.0 / 3.0) * k[-1]] = 0.0

    def nl(v):
        return mask * nonlinear(v, k)

    v = np.fft.rfft(u0) if u0_hat is None else np.asarray(u0_hat, np.complex128).copy()
    if v.shape != k.shape:
        raise ValueError(f"etdrk4_periodic: u0_hat must have shape {k.shape}, got {v.shape}")
    out = np.empty((n, t_out.size))
    out[:, 0] = u0 if u0_hat is None else np.fft.irfft(v, n=n)
    return etdrk4_steps(v, lin, nl, dt, t_out, contour_points, lambda w: np.fft.irfft(w, n=n), out)


def etdrk4_steps(v, lin, nl, dt: float, t_out, contour_points: int, to_real, out):
    """Advance the Fourier coefficients ``v`` (any shape, e.g. (m,) or (fields, m)) of
    v_t = lin v + nl(v) through ``t_out``, each output interval split into equal steps of at
    most ``dt``; ``out[..., j] = to_real(v)`` at t_out[j] (column 0 is the caller's)."""
    cache: dict[float, tuple] = {}
    for j in range(1, t_out.size):
        span = t_out[j] - t_out[j - 1]
        steps = int(np.ceil(span / dt - 1e-9))
        if steps > 0:
            h = span / steps
            key = round(h, 15)
            if key not in cache:
                coeffs = _phi_coefficients((h * lin).ravel(), h, contour_points)
                cache[key] = tuple(co.reshape(lin.shape) for co in coeffs)
            e, e2, q, f1, f2, f3 = cache[key]
            for _ in range(steps):
                nv = nl(v)
                a = e2 * v + q * nv
                na = nl(a)
                b = e2 * v + q * na
                nb = nl(b)
                c = e2 * a + q * (2.0 * nb - nv)
                v = e * v + f1 * nv + 2.0 * f2 * (na + nb) + f3 * nl(c)
        out[..., j] = to_real(v)
    return out


def _subsample(u: np.ndarray, n_internal: int, nx: int) -> np.ndarray:
    """Rows of u (n_internal, nt) at the nx-point periodic output grid."""
    if n_internal % nx == 0:
        return u[:: n_internal // nx]
    # Not nested: evaluate the trigonometric interpolant (exact for the computed modes).
    v = np.fft.rfft(u, axis=0)[: nx // 2 + 1].copy()
    if nx % 2 == 0 and nx // 2 < n_internal // 2:
        v[-1] *= 2.0  # the output Nyquist entry stands for both modes ±nx/2
    if nx > n_internal and n_internal % 2 == 0:
        v[n_internal // 2] *= 0.5  # the internal Nyquist entry splits into ±n_internal/2
    return np.fft.irfft(v, n=nx, axis=0) * (nx / n_internal)


def allen_cahn_initial_hat(n: int) -> np.ndarray:
    """Exact rfft-normalised Fourier coefficients (n//2+1,) of x² cos(pi x) on [-1, 1).

    The periodic extension has a kink at x = ±1 (coefficients decay like 1/m²), so
    sampling would alias at O(1/n²); these are the exact truncated coefficients.
    """
    m = np.arange(n // 2 + 1)

    def moment(j):  # ∫_{-1}^{1} x² cos(pi j x) dx
        j = np.abs(j)
        safe = np.where(j == 0, 1, j)
        return np.where(j == 0, 2.0 / 3.0, 4.0 * (-1.0) ** safe / (np.pi * safe) ** 2)

    c = 0.25 * (moment(m - 1) + moment(m + 1))  # exp(i pi m x) coefficient, x in [-1, 1)
    # Grid starts at x = -1: rfft of samples at -1 + 2j/n equals n c_m e^{-i pi m}.
    hat = n * c * (-1.0) ** m
    if n % 2 == 0:
        hat[-1] *= 2.0  # the Nyquist entry stands for both c_{n/2} and c_{-n/2}
    return hat.astype(np.complex128)


def allen_cahn(
    nx: int = 512,
    nt: int = 201,
    eps: float = ALLEN_CAHN_EPS,
    t_end: float = 1.0,
    n_internal: int = 4096,
    dt: float = 2.5e-4,
) -> ReferenceSolution:
    """Allen–Cahn u_t - eps u_xx + 5u³ - 5u = 0, x ∈ [-1, 1) periodic, u0 = x² cos(pi x).

    Grid ``x = linspace(-1, 1, nx, endpoint=False)``, ``t = linspace(0, t_end, nt)``;
    field ``u``: (nx, nt). Computed on ``n_internal`` modes (exact initial coefficients)
    with ETDRK4 step ``dt``; L = 5 - eps k², N(u) = -5u³. The periodic extension of u0 has
    a kink at x = ±1 that diffusion smooths only over sqrt(eps t); 4096 modes resolve it to
    ~1e-11 from the first output time t = 0.005 on (1024 modes: ~4e-5 there). The t = 0
    column holds u0 itself. An nx that does not divide ``n_internal`` is served by
    trigonometric interpolation.
    """
    x_int = np.linspace(-1.0, 1.0, n_internal, endpoint=False)
    t = np.linspace(0.0, t_end, nt)

    def nonlinear(v, k):
        u = np.fft.irfft(v, n=n_internal)
        return -5.0 * np.fft.rfft(u * u * u)

    u = etdrk4_periodic(
        x_int**2 * np.cos(np.pi * x_int), 2.0, lambda k: 5.0 - eps * k**2, nonlinear, dt, t,
        dealias=False, u0_hat=allen_cahn_initial_hat(n_internal),
    )
    u = _subsample(u, n_internal, nx)
    x = np.linspace(-1.0, 1.0, nx, endpoint=False)
    u[:, 0] = x**2 * np.cos(np.pi * x)
    return ReferenceSolution({"x": x, "t": t}, {"u": u}, name="allen_cahn")


def kdv(
    nx: int = 512,
    nt: int = 201,
    eta: float = KDV_ETA,
    mu: float = KDV_MU,
    t_end: float = 1.0,
    n_internal: int = 512,
    dt: float = 5e-5,
) -> ReferenceSolution:
    """KdV u_t + eta u u_x + mu² u_xxx = 0, x ∈ [-1, 1) periodic, u0 = cos(pi x).

    Grid ``x = linspace(-1, 1, nx, endpoint=False)``, ``t = linspace(0, t_end, nt)``;
    field ``u``: (nx, nt). Computed on ``n_internal`` modes, 2/3-rule dealiased, ETDRK4
    step ``dt``; L = i mu² k³, N(u) = -eta (u²/2)_x. An nx that does not divide
    ``n_internal`` is served by trigonometric interpolation.
    """
    x_int = np.linspace(-1.0, 1.0, n_internal, endpoint=False)
    t = np.linspace(0.0, t_end, nt)
    d1 = derivative_symbol(wavenumbers(n_internal, 2.0), 1, n_internal)

    def nonlinear(v, k):
        u = np.fft.irfft(v, n=n_internal)
        return -0.5 * eta * d1 * np.fft.rfft(u * u)

    u = etdrk4_periodic(
        np.cos(np.pi * x_int), 2.0, lambda k: 1j * mu**2 * k**3, nonlinear, dt, t, dealias=True,
    )
    u = _subsample(u, n_internal, nx)
    return ReferenceSolution({"x": np.linspace(-1.0, 1.0, nx, endpoint=False), "t": t},
                             {"u": u}, name="kdv")


def kuramoto_sivashinsky(
    nx: int = 256,
    nt: int = 101,
    t_end: float = 40.0,
    length: float = 32.0 * np.pi,
    n_internal: int = 256,
    dt: float = 0.025,
    coefficients: tuple[float, float, float] = (1.0, 1.0, 1.0),
) -> ReferenceSolution:
    """Kuramoto–Sivashinsky u_t + u u_x + u_xx + u_xxxx = 0, x ∈ [0, 32π) periodic,
    u0 = cos(x/16)(1 + sin(x/16)) (Kassam & Trefethen 2005).
    ``coefficients`` (a, b, c) solve u_t + a u u_x + b u_xx + c u_xxxx = 0 instead (same u0).

    Grid ``x = length * arange(nx) / nx``, ``t = linspace(0, t_end, nt)``; field ``u``:
    (nx, nt). ETDRK4 on ``n_internal`` modes, 2/3-rule dealiased, step ``dt``;
    L = k² - k⁴, N(u) = -(u²/2)_x. Up to t ≈ 40 the cellular pattern grows smoothly;
    chaos sets in later.
    """
    x_int = length * np.arange(n_internal) / n_internal
    t = np.linspace(0.0, t_end, nt)
    d1 = derivative_symbol(wavenumbers(n_internal, length), 1, n_internal)
    a, b, c = coefficients

    def nonlinear(v, k):
        u = np.fft.irfft(v, n=n_internal)
        return -0.5 * a * d1 * np.fft.rfft(u * u)

    u0 = np.cos(x_int / 16.0) * (1.0 + np.sin(x_int / 16.0))
    u = etdrk4_periodic(u0, length, lambda k: b * k**2 - c * k**4, nonlinear, dt, t, dealias=True)
    u = _subsample(u, n_internal, nx)
    return ReferenceSolution({"x": length * np.arange(nx) / nx, "t": t}, {"u": u},
                             name="kuramoto_sivashinsky")
