"""Multiscale reference solutions (issue 23): PDE residuals, invariants, term sizes.

Residuals are checked independently of the solvers: u_t by a fourth-order central
difference in time on a fine output grid (or exactly, for the exact series), x-derivatives
spectrally on the output grid, nonlinear terms pointwise. Tolerances sit ~10x above the
measured values, whose source (finite-difference truncation, ETDRK4 error, rounding) is
named in each comment; every residual bound is also far (>= 1e4x) below the smallest
term of its equation, so a wrong small coefficient would fail.
"""

import numpy as np
import pytest
from scipy.integrate import simpson
from scipy.linalg import expm

import pinnjax.reference as ref
import pinnjax.reference.multiscale as ms
from pinnjax.reference.spectral import spectral_derivative

L = 2.0


def _dx(u, order):
    return spectral_derivative(u, L, order)


def _dt4(u, h):
    """Fourth-order central difference along axis 1 at columns 2 .. nt-3."""
    return (u[:, :-4] - 8 * u[:, 1:-3] + 8 * u[:, 3:-1] - u[:, 4:]) / (12 * h)


def _rms(a):
    return float(np.sqrt(np.mean(a**2)))


def _fine(builder, t_end, h):
    """The reference on its default x grid, output every h over [0, t_end]."""
    return builder(t_end=t_end, nt=int(round(t_end / h)) + 1)


# ----------------------------------------------------------------------------- KdV–Burgers


def test_kdv_burgers_pde_residual():
    # Every 1e-3 over the whole window [0, 2]. Measured max residual 9e-8 (h = 5e-4
    # gives 6e-9: the 16x drop of 4th-order FD truncation; ETDRK4 error ~3e-10) against
    # max|u_t| = 2.3 and RMS(nu u_xx) = 0.1.
    r = _fine(ms.kdv_burgers, 2.0, 1e-3)
    u = r.fields["u"]
    c = u[:, 2:-2]
    rhs = -c * _dx(c, 1) + ms.KDV_BURGERS_NU * _dx(c, 2) - ms.KDV_BURGERS_DELTA * _dx(c, 3)
    assert np.abs(_dt4(u, 1e-3) - rhs).max() < 1e-6


def test_kdv_burgers_initial_converged_and_energy_decay():
    r = ms.kdv_burgers()
    u = r.fields["u"]
    np.testing.assert_allclose(u[:, 0], np.cos(np.pi * r.coords["x"]), atol=1e-15)
    # dt 1e-3 vs 5e-4: 3e-10 measured; 256 vs 512 modes: 4e-16 (spectrum ~1e-16 above mode 40).
    assert np.abs(ms.kdv_burgers(dt=5e-4).fields["u"] - u).max() < 3e-9
    assert np.abs(ms.kdv_burgers(n_internal=512).fields["u"] - u).max() < 1e-12
    # Advection and dispersion conserve mass and ∫u²; viscosity alone dissipates:
    # E(t) - E(0) = -nu ∫0^t ∫ u_x² dx dt with E = ∫u²/2. Grid sums are exact for these
    # band-limited products; Simpson in t on 0.02 spacing: measured 2e-8 relative. The
    # term 14x smaller than u u_x in RMS dissipates 39% of the energy over the window.
    assert np.abs(u.mean(axis=0)).max() < 1e-14
    t = r.coords["t"]
    energy = L * (u**2).mean(axis=0) / 2
    dissipated = ms.KDV_BURGERS_NU * L * simpson((_dx(u, 1) ** 2).mean(axis=0), x=t)
    loss = energy[0] - energy[-1]
    assert 0.3 < loss / energy[0] < 0.5
    assert abs(loss - dissipated) < 1e-6 * dissipated


def test_kdv_burgers_term_sizes():
    u = ms.kdv_burgers().fields["u"]
    adv, visc = _rms(u * _dx(u, 1)), _rms(ms.KDV_BURGERS_NU * _dx(u, 2))
    disp = _rms(ms.KDV_BURGERS_DELTA * _dx(u, 3))
    np.testing.assert_allclose([adv, disp, visc], [1.53, 1.94, 0.106], rtol=0.01)  # docstring
    assert 10 < adv / visc < 20


# ----------------------------------------------------------------------------- heat + reaction


def _heat_series(x, t):
    """(u, u_t, u_xx) of the default series, differentiated term by term."""
    d, k = ms.HEAT_REACTION_D, ms.HEAT_REACTION_K
    u, ut, uxx = (np.zeros(np.broadcast(x, t).shape) for _ in range(3))
    for n, a, phi in ms.HEAT_REACTION_MODES:
        kn = n * np.pi
        term = a * np.exp(-(d * kn**2 + k) * t) * np.cos(kn * x + phi)
        u, ut, uxx = u + term, ut - (d * kn**2 + k) * term, uxx - kn**2 * term
    return u, ut, uxx


def test_heat_reaction_matches_series_and_solves_pde():
    r = ms.heat_reaction()
    x, t = r.coords["x"], r.coords["t"]
    u = r.fields["u"]
    np.testing.assert_allclose(
        u[:, 0],
        0.5 + np.cos(np.pi * x) + 0.5 * np.cos(2 * np.pi * x + 1) + 0.25 * np.cos(3 * np.pi * x + 2),
        atol=1e-14,
    )
    s, st, sxx = _heat_series(x[:, None], t[None, :])
    np.testing.assert_allclose(u, s, atol=1e-14)
    # Exact u_t of the series against d u_xx - k u with u_xx taken spectrally from the
    # grid field (exact for 3 modes on 256 points up to rounding ~1e-13).
    d, k = ms.HEAT_REACTION_D, ms.HEAT_REACTION_K
    np.testing.assert_allclose(_dx(u, 2), sxx, atol=1e-11)
    assert np.abs(st - (d * _dx(u, 2) - k * u)).max() < 1e-11
    # Each Fourier mode of the grid field decays at d (n pi)² + k: least-squares slope of
    # log|û_n(t)| (exact exponentials: rounding only).
    spec = np.abs(np.fft.rfft(u, axis=0))
    for n, _, _ in ms.HEAT_REACTION_MODES:
        slope = np.polyfit(t, np.log(spec[n]), 1)[0]
        assert abs(-slope - (d * (n * np.pi) ** 2 + k)) < 1e-10


def test_heat_reaction_fd_residual():
    # The same check as the spectral solutions (FD in time on the grid field, spacing 1e-3):
    # measured 5e-10 (4th-order truncation of the fastest mode, rate 8.96).
    r = _fine(ms.heat_reaction, 1.0, 1e-3)
    u = r.fields["u"]
    c = u[:, 2:-2]
    res = _dt4(u, 1e-3) - (ms.HEAT_REACTION_D * _dx(c, 2) - ms.HEAT_REACTION_K * c)
    assert np.abs(res).max() < 5e-9


def test_heat_reaction_term_sizes_and_distinct_regressors():
    u = ms.heat_reaction().fields["u"]
    uxx = _dx(u, 2)
    diff, react = _rms(ms.HEAT_REACTION_D * uxx), _rms(ms.HEAT_REACTION_K * u)
    np.testing.assert_allclose([diff, react], [0.7745, 0.054], rtol=0.01)  # docstring
    assert 10 < diff / react < 20
    cosine = np.sum(u * uxx) / np.sqrt(np.sum(u * u) * np.sum(uxx * uxx))
    assert -0.6 < cosine < -0.5  # u and u_xx far from collinear (documented -0.54)


# ----------------------------------------------------------------------------- convection–diffusion–reaction


def test_cdr_pde_residual_and_mass_balance():
    # Spacing 1e-3 over [0, 0.5]: measured 4e-10 (FD truncation; ETDRK4 error ~6e-13)
    # against max|u_t| = 2.1 and RMS(reaction) = 0.034.
    r = _fine(ms.convection_diffusion_reaction, 0.5, 1e-3)
    u = r.fields["u"]
    c = u[:, 2:-2]
    rhs = -ms.CDR_C * _dx(c, 1) + ms.CDR_D * _dx(c, 2) + ms.CDR_R * c * (1 - c)
    assert np.abs(_dt4(u, 1e-3) - rhs).max() < 5e-9
    # Convection and diffusion conserve mass; only the small reaction changes it:
    # d/dt mean(u) = r mean(u (1 - u)), which pins r alone (measured 2e-12).
    mass_rate = _dt4(u.mean(axis=0, keepdims=True), 1e-3)[0]
    np.testing.assert_allclose(mass_rate, ms.CDR_R * (c * (1 - c)).mean(axis=0), atol=1e-10)


def test_cdr_initial_converged_bounded():
    r = ms.convection_diffusion_reaction()
    u = r.fields["u"]
    x = r.coords["x"]
    np.testing.assert_allclose(u[:, 0], 0.4 + 0.3 * np.cos(np.pi * x) + 0.1 * np.sin(2 * np.pi * x),
                               atol=1e-15)
    # dt 2.5e-3 vs 1.25e-3: 6e-13 measured; 256 vs 512 modes: 1e-16.
    assert np.abs(ms.convection_diffusion_reaction(dt=1.25e-3).fields["u"] - u).max() < 1e-11
    assert np.abs(ms.convection_diffusion_reaction(n_internal=512).fields["u"] - u).max() < 1e-13
    assert 0.05 < u.min() and u.max() < 0.75  # logistic range (0, 1), no saturation


def test_cdr_term_sizes():
    u = ms.convection_diffusion_reaction().fields["u"]
    conv, diff = _rms(ms.CDR_C * _dx(u, 1)), _rms(ms.CDR_D * _dx(u, 2))
    lin, quad, react = (_rms(ms.CDR_R * a) for a in (u, u * u, u * (1 - u)))
    np.testing.assert_allclose([conv, diff, lin, quad, react], [0.47, 0.34, 0.065, 0.033, 0.034],
                               rtol=0.015)  # docstring, 2 significant digits
    assert 10 < conv / react < 20
    assert ms.CDR_C * L / ms.CDR_D == pytest.approx(10.0)  # Péclet number


# ----------------------------------------------------------------------------- pair and its stepper


def test_system_stepper_matches_exact_linear_pair():
    # Linear coupling in N: each mode evolves by expm(M_k t), M_k = [[-Du k², -a], [g, -Dv k²]].
    # ETDRK4 errors at t = 1 for dt 0.02, 0.01, 0.005: measured 1.0e-7, 6.6e-9, 4.1e-10
    # (ratios 15.9, 16.0: fourth order).
    n, du, dv, a, g = 64, 0.01, 0.03, 2.0, 3.0
    x = np.linspace(-1, 1, n, endpoint=False)
    w0 = np.stack([np.cos(np.pi * x) + 0.3 * np.sin(3 * np.pi * x), 0.5 * np.sin(2 * np.pi * x)])
    k = ref.wavenumbers(n, L)
    w_hat = np.fft.rfft(w0, axis=1)
    exact_hat = np.stack([expm(np.array([[-du * q**2, -a], [g, -dv * q**2]])) @ w_hat[:, i]
                          for i, q in enumerate(k)], axis=1)
    exact = np.fft.irfft(exact_hat, n=n, axis=1)
    errors = []
    for dt in (0.02, 0.01, 0.005):
        out = ms.etdrk4_periodic_system(
            w0, L, lambda k: np.stack([-du * k**2, -dv * k**2]),
            lambda w, k: np.stack([-a * w[1], g * w[0]]), dt, [0.0, 0.5, 1.0], dealias=False)
        np.testing.assert_array_equal(out[:, :, 0], w0)
        errors.append(np.abs(out[:, :, -1] - exact).max())
    assert all(14 < e0 / e1 < 18 for e0, e1 in zip(errors, errors[1:])), errors
    assert errors[-1] < 2e-9


def test_system_stepper_one_field_equals_scalar_stepper():
    n = 128
    x = np.linspace(-1, 1, n, endpoint=False)
    d1 = ref.derivative_symbol(ref.wavenumbers(n, L), 1, n)

    def nl(v, k):
        return -0.5 * d1 * np.fft.rfft(np.fft.irfft(v, n=n, axis=-1) ** 2, axis=-1)

    lin = lambda k: -0.01 * k**2 + 0.02j * k**3  # noqa: E731
    t = [0.0, 0.1, 0.3]
    scalar = ref.etdrk4_periodic(np.cos(np.pi * x), L, lin, nl, 1e-3, t)
    system = ms.etdrk4_periodic_system(np.cos(np.pi * x)[None], L, lambda k: lin(k)[None], nl, 1e-3, t)
    np.testing.assert_allclose(system[0], scalar, atol=1e-14)


def test_system_stepper_bad_input():
    with pytest.raises(ValueError, match="u0 must be"):
        ms.etdrk4_periodic_system(np.zeros(8), L, lambda k: -k**2, lambda v, k: 0 * v, 0.1, [0, 1])
    with pytest.raises(ValueError, match="dt positive"):
        ms.etdrk4_periodic_system(np.zeros((2, 8)), L, lambda k: -k**2, lambda v, k: 0 * v, 0.0, [0, 1])


def test_pair_pde_residual_and_fourth_order():
    # Spacing 1e-3 over [0, 2]: measured 2e-11 / 3e-11 (FD truncation) against max|u_t| ~1.5
    # and RMS(d_u u_xx) = 0.036.
    r = _fine(ms.reaction_diffusion_pair, 2.0, 1e-3)
    u, v = r.fields["u"], r.fields["v"]
    cu, cv = u[:, 2:-2], v[:, 2:-2]
    ru = _dt4(u, 1e-3) - (ms.PAIR_DU * _dx(cu, 2) - ms.PAIR_ALPHA * cv * (1 + cu))
    rv = _dt4(v, 1e-3) - (ms.PAIR_DV * _dx(cv, 2) + ms.PAIR_GAMMA * cu * (1 + cv))
    assert max(np.abs(ru).max(), np.abs(rv).max()) < 3e-10
    # Successive dt halvings shrink the difference by ~2^4 (fourth order; measured 15.9, 15.9).
    runs = [ms.reaction_diffusion_pair(nt=3, dt=h) for h in (0.02, 0.01, 0.005, 0.0025)]
    diffs = [max(np.abs(a.fields[f] - b.fields[f]).max() for f in "uv") for a, b in zip(runs, runs[1:])]
    ratios = [diffs[0] / diffs[1], diffs[1] / diffs[2]]
    assert all(13 < q < 19 for q in ratios), ratios


def test_pair_term_sizes():
    r = ms.reaction_diffusion_pair()
    u, v = r.fields["u"], r.fields["v"]
    x = r.coords["x"]
    np.testing.assert_allclose(u[:, 0], 0.4 * np.cos(np.pi * x), atol=1e-15)
    np.testing.assert_allclose(v[:, 0], 0.3 * np.sin(np.pi * x) + 0.2 * np.cos(2 * np.pi * x), atol=1e-15)
    a, g = ms.PAIR_ALPHA, ms.PAIR_GAMMA
    sizes_u = [_rms(a * v), _rms(a * u * v), _rms(ms.PAIR_DU * _dx(u, 2))]
    sizes_v = [_rms(g * u), _rms(g * u * v), _rms(ms.PAIR_DV * _dx(v, 2))]
    np.testing.assert_allclose(sizes_u, [0.557, 0.102, 0.036], rtol=0.015)  # docstring
    np.testing.assert_allclose(sizes_v, [0.698, 0.152, 0.052], rtol=0.015)
    assert 10 < sizes_u[0] / sizes_u[2] < 20 and 10 < sizes_v[0] / sizes_v[2] < 20
    assert u.min() > -1 and v.min() > -1  # the populations U*(1 + u), V*(1 + v) stay positive
