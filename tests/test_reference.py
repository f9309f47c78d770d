"""Reference solutions: self-consistency, PDE residuals, convergence orders, invariants.

Tolerances are chosen from the error sources named in each comment (quadrature/series
truncation, time-step error, finite-difference truncation, rounding), with roughly an
order of magnitude of margin over values measured in float64.
"""

import numpy as np
import pytest
from scipy.special import logsumexp, roots_legendre

import pinnjax.reference as ref
from pinnjax.reference.spectral import spectral_derivative

NU = 0.01 / np.pi


# ----------------------------------------------------------------------------- grid


def test_grid_points_and_values_follow_ij_c_order():
    x, t = np.array([0.0, 1.0, 2.0]), np.array([10.0, 20.0])
    u = x[:, None] + 100 * t[None, :]
    r = ref.ReferenceSolution({"x": x, "t": t}, {"u": u}, name="demo")
    assert r.coordinate_names == ("x", "t")
    assert r.shape == (3, 2)
    p = r.points()
    assert p.shape == (6, 2)
    np.testing.assert_array_equal(p[:3], [[0, 10], [0, 20], [1, 10]])
    np.testing.assert_array_equal(r.values(), p[:, 0] + 100 * p[:, 1])
    with pytest.raises(ValueError, match="shape"):
        ref.ReferenceSolution({"x": x, "t": t}, {"u": u.T})
    with pytest.raises(KeyError, match="fields are"):
        r.values("v")


# ----------------------------------------------------------------------------- Burgers


@pytest.fixture(scope="module")
def burgers_ref():
    return ref.burgers()


def test_burgers_grid_initial_and_boundary(burgers_ref):
    r = burgers_ref
    x, t, u = r.coords["x"], r.coords["t"], r.fields["u"]
    assert u.shape == (256, 101) and x[0] == -1 and x[-1] == 1 and t[-1] == 1
    # t = 0 is returned in closed form; anything above rounding would be a bug.
    np.testing.assert_allclose(u[:, 0], -np.sin(np.pi * x), rtol=0, atol=1e-12)
    # By oddness the two Hermite sums cancel at x = ±1 up to rounding (~1e-16 measured).
    assert np.abs(u[[0, -1], :]).max() < 1e-10
    assert np.all(np.isfinite(u)) and np.abs(u).max() <= 1.0 + 1e-12  # maximum principle


def test_burgers_quadrature_converged(burgers_ref):
    # Doubling the Gauss-Hermite order changes nothing above rounding (5e-15 measured),
    # shock region at t = 1 included.
    x, t = burgers_ref.coords["x"], burgers_ref.coords["t"]
    fine = ref.burgers_exact(x[:, None], t[None, :], n_nodes=800)
    assert np.abs(fine - burgers_ref.fields["u"]).max() < 1e-12


def _burgers_periodic_trapezoid(x, t, m=4000):
    """Independent evaluation: periodize the heat kernel, trapezoid rule over one period."""
    s = np.linspace(0.0, 2.0, m, endpoint=False)
    shifts = s[:, None] + 2.0 * np.arange(-20, 21)[None, :]
    log_kernel = logsumexp(-(shifts**2) / (4 * NU * t), axis=1)
    y = np.pi * (np.asarray(x)[:, None] - s[None, :])
    la = log_kernel[None, :] - np.cos(y) / (2 * np.pi * NU)
    a = np.exp(la - la.max(axis=1, keepdims=True))
    return -np.sum(np.sin(y) * a, axis=1) / np.sum(a, axis=1)


@pytest.mark.parametrize("t", [0.05, 0.3, 0.7, 1.0])
def test_burgers_matches_independent_quadrature(t):
    # Periodic trapezoid rule converges geometrically; both agree to ~1e-15 (measured).
    x = np.linspace(-1, 1, 41)
    np.testing.assert_allclose(ref.burgers_exact(x, t), _burgers_periodic_trapezoid(x, t),
                               rtol=0, atol=1e-12)


def test_burgers_fd_residual_second_order():
    # Smooth window t in [0.1, 0.2] (the shock forms at t ~ 1/pi). Central differences have
    # O(h² + k²) truncation error: the residual at common points must drop by ~4 per halving.
    def residual(nx, nt):
        r = ref.burgers(nx=nx, nt=nt, t_range=(0.1, 0.2))
        u = r.fields["u"]
        h, k = 2.0 / (nx - 1), 0.1 / (nt - 1)
        c = u[1:-1, 1:-1]
        ut = (u[1:-1, 2:] - u[1:-1, :-2]) / (2 * k)
        ux = (u[2:, 1:-1] - u[:-2, 1:-1]) / (2 * h)
        uxx = (u[2:, 1:-1] - 2 * c + u[:-2, 1:-1]) / h**2
        return ut + c * ux - NU * uxx

    r1, r2, r3 = residual(101, 11), residual(201, 21), residual(401, 41)
    common = [r1, r2[1::2, 1::2], r3[3::4, 3::4]]
    e = [np.abs(c).max() for c in common]
    assert 3.7 < e[0] / e[1] < 4.3 and 3.7 < e[1] / e[2] < 4.3  # measured 3.99, 4.00
    # Richardson-extrapolated residual is a further factor >50 smaller than the finest one.
    extrap = np.abs((4 * common[2] - common[1]) / 3).max()
    assert extrap < e[2] / 50


def test_burgers_maximum_slope_matches_literature():
    # Basdevant et al. (1986), Comput. Fluids 14: max |u_x| = 152.00516 at x = 0,
    # t = 1.6037/pi for nu = 0.01/pi. Richardson-extrapolated central difference (h = 1e-4)
    # is accurate to ~1e-6 here; the quoted value has 8 digits.
    t = 1.6037 / np.pi

    def slope(h):
        return (ref.burgers_exact(h, t) - ref.burgers_exact(-h, t)) / (2 * h)

    s = (4 * slope(5e-5) - slope(1e-4)) / 3
    assert abs(-s - 152.00516) < 1e-4


# ----------------------------------------------------------------------------- spectral


@pytest.fixture(scope="module")
def ac_ref():
    return ref.allen_cahn()


@pytest.fixture(scope="module")
def kdv_ref():
    return ref.kdv()


def test_allen_cahn_grid_and_initial(ac_ref):
    x, t, u = ac_ref.coords["x"], ac_ref.coords["t"], ac_ref.fields["u"]
    assert u.shape == (512, 201) and x[0] == -1 and x[-1] < 1 and t[-1] == 1
    np.testing.assert_allclose(u[:, 0], x**2 * np.cos(np.pi * x), atol=1e-15)
    # Bistable dynamics settle into the stable states ±1 (|u| <= 1 + rounding).
    assert np.abs(u).max() < 1 + 1e-9 and np.abs(u[:, -1]).min() > 0.0


def test_allen_cahn_initial_coefficients_exact():
    # Exact coefficients vs samples of x² cos(pi x) on 2^16 points, truncated to 64 modes.
    # Sampling aliases ≈ 0.66 / nf² ≈ 1.5e-10 into each c_m, ≈ 1e-8 after the rfft scaling
    # by n = 64 (measured 1e-8), against coefficients of size >= 1e-2.
    n, nf = 64, 2**16
    xf = np.linspace(-1, 1, nf, endpoint=False)
    sampled = np.fft.rfft(xf**2 * np.cos(np.pi * xf))[: n // 2] * (n / nf)
    np.testing.assert_allclose(ref.allen_cahn_initial_hat(n)[:-1], sampled, atol=1e-7)


@pytest.mark.slow
def test_allen_cahn_time_step_and_resolution_converged(ac_ref):
    # ETDRK4 error at dt = 2.5e-4 and the spatial error of 4096 modes are both ~1e-11
    # (measured 6e-12 and 3e-12 against dt = 1e-4 and 8192 modes).
    half = ref.allen_cahn(dt=1.25e-4)
    assert np.abs(half.fields["u"] - ac_ref.fields["u"]).max() < 1e-9
    finer = ref.allen_cahn(n_internal=8192)
    assert np.abs(finer.fields["u"] - ac_ref.fields["u"]).max() < 1e-9


def _etdrk4_orders(u0, length, lin, nonlinear, horizon, dts):
    u = [ref.etdrk4_periodic(u0, length, lin, nonlinear, dt, [0.0, horizon])[:, -1] for dt in dts]
    e = [np.abs(a - b).max() for a, b in zip(u, u[1:])]
    return e[0] / e[1], e[1] / e[2]


def test_etdrk4_fourth_order_allen_cahn():
    # Successive differences of a 4th-order scheme shrink by 2^4 = 16 per halving
    # (measured 17.4, 16.6 - still slightly pre-asymptotic).
    n = 512
    x = np.linspace(-1, 1, n, endpoint=False)

    def nl(v, k):
        return -5.0 * np.fft.rfft(np.fft.irfft(v, n=n) ** 3)

    u0 = 0.8 * np.cos(np.pi * x) + 0.1 * np.sin(3 * np.pi * x)
    ratios = _etdrk4_orders(u0, 2.0, lambda k: 5 - 1e-4 * k**2, nl, 0.2,
                            [0.02, 0.01, 0.005, 0.0025])
    assert all(13 < r < 20 for r in ratios), ratios


def test_etdrk4_fourth_order_kdv():
    # Dispersive stiff case (|dt L| up to ~60): measured ratios 15.94, 15.97.
    n = 256
    x = np.linspace(-1, 1, n, endpoint=False)
    d1 = ref.derivative_symbol(ref.wavenumbers(n, 2.0), 1, n)

    def nl(v, k):
        return -0.5 * d1 * np.fft.rfft(np.fft.irfft(v, n=n) ** 2)

    ratios = _etdrk4_orders(np.cos(np.pi * x), 2.0, lambda k: 1j * 0.022**2 * k**3, nl, 0.1,
                            [4e-3, 2e-3, 1e-3, 5e-4])
    assert all(14 < r < 18 for r in ratios), ratios


def _time_derivative(u, j, dt):
    """Fourth-order central difference along axis 1 at column j."""
    return (u[:, j - 2] - 8 * u[:, j - 1] + 8 * u[:, j + 1] - u[:, j + 2]) / (12 * dt)


def test_allen_cahn_pde_residual():
    # Full internal resolution (4096 points), outputs every 0.002 around t = 0.5:
    # u_t by 4th-order differences (error ~dt⁴ u^(5)), u_xx spectrally. Measured 5e-9
    # against terms of size ~2.
    r = ref.allen_cahn(nx=4096, t_end=0.504, nt=253)
    u = r.fields["u"]
    assert abs(r.coords["t"][250] - 0.5) < 1e-12
    c = u[:, 250]
    res = _time_derivative(u, 250, 0.002) - 1e-4 * spectral_derivative(c, 2.0, 2) - 5 * c + 5 * c**3
    assert np.abs(res).max() < 1e-7


def test_kdv_pde_residual():
    # Dispersive frequencies up to ~700 at t = 0.5 need output spacing 1e-4 for the
    # 4th-order time difference (error ~ (700 dt)^4 / 30 relative). Measured 4e-8 against
    # |u_t| ~ 13.
    r = ref.kdv(t_end=0.5002, nt=5003)
    u = r.fields["u"]
    c = u[:, 5000]
    res = (_time_derivative(u, 5000, 1e-4) + c * spectral_derivative(c, 2.0, 1)
           + 0.022**2 * spectral_derivative(c, 2.0, 3))
    assert np.abs(res).max() < 1e-6


@pytest.mark.slow
def test_kdv_converged_and_conserves_invariants(kdv_ref):
    u = kdv_ref.fields["u"]
    assert u.shape == (512, 201)
    np.testing.assert_allclose(u[:, 0], np.cos(np.pi * kdv_ref.coords["x"]), atol=1e-15)
    # Time step: dt 5e-5 vs 2.5e-5 differ by ~4e-11 (measured; rounding floor).
    assert np.abs(ref.kdv(dt=2.5e-5).fields["u"] - u).max() < 1e-9
    # Resolution: 512 vs 1024 modes differ by ~2e-13 (measured).
    assert np.abs(ref.kdv(n_internal=1024).fields["u"] - u).max() < 1e-10
    # The dealiased Fourier-Galerkin system conserves mass, ∫u² and the Hamiltonian
    # ∫(u³/6 - mu² u_x²/2) exactly; the grid sums are exact for these band-limited
    # products. Only the ETDRK4 error (~1e-11 measured) remains.
    mass = 2 * u.mean(axis=0)
    assert np.abs(mass).max() < 1e-12  # ∫cos(pi x) dx = 0
    energy = 2 * (u**2).mean(axis=0)
    assert np.abs(energy / energy[0] - 1).max() < 1e-8
    ux = spectral_derivative(u, 2.0, 1)
    ham = 2 * (u**3 / 6 - 0.022**2 * ux**2 / 2).mean(axis=0)
    scale = 2 * (np.abs(u) ** 3 / 6 + 0.022**2 * ux**2 / 2).mean(axis=0).max()
    assert np.abs(ham - ham[0]).max() < 1e-8 * scale


# ----------------------------------------------------------------------------- heat


def test_heat_coefficients_match_quadrature():
    # 200-point Gauss-Legendre is exact to rounding for these smooth integrands.
    z, w = roots_legendre(200)
    for length in (1.0, 2.5):
        x = 0.5 * length * (z + 1)
        n = np.arange(30)
        integrand = ref.heat_mixed_initial(x, length)[None, :] * np.sin(
            (n[:, None] + 0.5) * np.pi / length * x[None, :])
        numeric = (2 / length) * (0.5 * length) * integrand @ w
        np.testing.assert_allclose(ref.heat_mixed_coefficients(30), numeric, rtol=0, atol=1e-12)


def test_heat_series_initial_condition_and_tail():
    x = np.linspace(0, 1, 11)
    # Tail of Σ b_n at t = 0 after N terms is < 0.065 / N² = 4e-13 for N = 4e5.
    series = ref.heat_mixed_exact(x, 0.0, n_terms=400_000)
    np.testing.assert_allclose(series, ref.heat_mixed_initial(x), rtol=0, atol=1e-10)
    # The adaptive term count (analytic tail bound 1e-14) agrees with a long fixed sum.
    for t in (1e-4, 1e-2, 0.5):
        np.testing.assert_allclose(ref.heat_mixed_exact(x, t),
                                   ref.heat_mixed_exact(x, t, n_terms=200_000),
                                   rtol=0, atol=1e-12)


def test_heat_grid_boundary_conditions_and_residual():
    r = ref.heat_mixed()
    u = r.fields["u"]
    assert u.shape == (101, 101)
    np.testing.assert_allclose(u[:, 0], ref.heat_mixed_initial(r.coords["x"]), atol=1e-15)
    assert np.abs(u[0]).max() < 1e-14  # u(0, t) = 0: every sine vanishes
    # u_x(L, t) by a one-sided second-order difference: the O(h²) term involves u_xxx(L),
    # which also vanishes, so only rounding (~1e-11 at h = 1e-3) remains.
    h, t = 1e-3, np.array([0.01, 0.3, 1.0])
    ux = (3 * ref.heat_mixed_exact(1.0, t) - 4 * ref.heat_mixed_exact(1 - h, t)
          + ref.heat_mixed_exact(1 - 2 * h, t)) / (2 * h)
    assert np.abs(ux).max() < 1e-6
    # Central-difference residual u_t - alpha u_xx is O(h²): ratio ~4 per halving
    # (measured 4.00) and ~1e-6 at h = 2.5e-3.
    xs = np.linspace(0.1, 0.9, 9)
    f = ref.heat_mixed_exact

    def residual(h):
        ut = (f(xs, 0.3 + h) - f(xs, 0.3 - h)) / (2 * h)
        uxx = (f(xs + h, 0.3) - 2 * f(xs, 0.3) + f(xs - h, 0.3)) / h**2
        return np.abs(ut - ref.HEAT_ALPHA * uxx).max()

    e = [residual(h) for h in (1e-2, 5e-3, 2.5e-3)]
    assert 3.8 < e[0] / e[1] < 4.2 and 3.8 < e[1] / e[2] < 4.2 and e[2] < 3e-6


# ----------------------------------------------------------------------------- elliptic


def _fd_laplacian_errors(u, target, x0, x1, y0, y1, inside=None):
    """Max |5-point Laplacian - target| for h = 1/20, 1/40, 1/80 at the fixed points of the
    h = 1/20 grid whose whole stencil lies in the domain (fixed points: clean ratios)."""
    x = np.linspace(x0, x1, int(round((x1 - x0) * 20)) + 1)[1:-1]
    y = np.linspace(y0, y1, int(round((y1 - y0) * 20)) + 1)[1:-1]
    xx, yy = np.meshgrid(x, y, indexing="ij")
    if inside is not None:
        d = 1.0 / 20
        keep = inside(xx, yy) & inside(xx + d, yy) & inside(xx - d, yy)
        keep &= inside(xx, yy + d) & inside(xx, yy - d)
        xx, yy = xx[keep], yy[keep]
    errs = []
    for h in (1 / 20, 1 / 40, 1 / 80):
        lap = (u(xx + h, yy) + u(xx - h, yy) + u(xx, yy + h) + u(xx, yy - h) - 4 * u(xx, yy)) / h**2
        errs.append(np.abs(lap - target(xx, yy)).max())
    return errs


def test_laplace_exact_is_harmonic():
    # 5-point Laplacian error = h²/12 (u_xxxx + u_yyyy) + O(h⁴): ratio 4 per halving
    # (measured 4.000); |u_xxxx + u_yyyy| <= 2 pi⁴ + 2e, so e <= 2.6e-3 at h = 1/80.
    e = _fd_laplacian_errors(ref.laplace_square_exact, lambda x, y: 0 * x, 0, 1, 0, 1)
    assert 3.8 < e[0] / e[1] < 4.2 and 3.8 < e[1] / e[2] < 4.2 and e[2] < 2.6e-3
    r = ref.laplace_square(n=11)
    assert r.coordinate_names == ("x", "y") and r.fields["u"].shape == (11, 11)
    np.testing.assert_allclose(r.values(), ref.laplace_square_exact(*r.points().T))


def test_poisson_lshape_source_and_grid():
    e = _fd_laplacian_errors(ref.poisson_exact, lambda x, y: -ref.poisson_source(x, y),
                             -1, 1, -1, 1, inside=ref.lshape_contains)
    # As above: |u_xxxx + u_yyyy| <= 2 pi⁴ (the x y part is reproduced exactly), so the
    # error is <= 2 pi⁴ h² / 12 = 2.54e-3 at h = 1/80; ratios measured 3.998, 3.999.
    assert 3.8 < e[0] / e[1] < 4.2 and 3.8 < e[1] / e[2] < 4.2 and e[2] < 2.6e-3
    r = ref.poisson_lshape(n=101)
    u = r.fields["u"]
    assert u.shape == (101, 101)
    pts, vals = r.finite("u")
    # Closed L-shape on the 101² grid: 51 * 101 (x <= 0) + 50 * 51 (x > 0, y >= 0) points.
    assert len(vals) == 51 * 101 + 50 * 51
    assert np.all(ref.lshape_contains(pts[:, 0], pts[:, 1]))
    np.testing.assert_allclose(vals, ref.poisson_exact(pts[:, 0], pts[:, 1]))
    assert np.isnan(u[75, 25])  # (0.5, -0.5) lies in the removed quadrant
    # Boundary data is non-zero (x y term): e.g. at (-1, 1) u = -1.
    assert abs(ref.poisson_exact(-1.0, 1.0) + 1.0) < 1e-15


def test_spectral_output_grid_not_dividing_internal_grid():
    # KdV stays band-limited to the 2/3-rule modes (|m| <= 170 < 192), so trigonometric
    # interpolation onto 384 points is exact up to rounding (~1e-13 measured); the
    # comparison solution runs on 768 modes and is subsampled (768 = 2 * 384).
    a = ref.kdv(nx=384, nt=11, t_end=0.1).fields["u"]
    b = ref.kdv(nx=384, nt=11, t_end=0.1, n_internal=768).fields["u"]
    assert np.abs(a - b).max() < 1e-10
    # Upsampling: output 1024 points from 512 internal ones, nested points agree exactly.
    c = ref.kdv(nx=1024, nt=11, t_end=0.1).fields["u"]
    np.testing.assert_allclose(c[::2], ref.kdv(nt=11, t_end=0.1).fields["u"], atol=1e-13)
    finer = ref.kdv(nx=1024, nt=11, t_end=0.1, n_internal=1024).fields["u"]
    np.testing.assert_allclose(c, finer, atol=1e-10)


def test_reference_solution_copies_inputs():
    u = np.zeros((2, 3))
    r = ref.ReferenceSolution({"x": np.arange(2.0), "t": np.arange(3.0)}, {"u": u})
    u[0, 0] = 1.0  # the caller's array stays writable and is not aliased
    assert r.fields["u"][0, 0] == 0.0
    with pytest.raises(ValueError):
        r.fields["u"][0, 0] = 2.0


def test_kuramoto_sivashinsky_coefficients_linear_case_is_exact():
    # With a = 0 the equation is linear: each Fourier mode evolves as exp((b k² - c k⁴) t)
    # exactly, and ETDRK4 integrates linear terms exactly, so only rounding remains
    # (tolerance 1e-10 on u of order 1). Default coefficients leave the solution unchanged.
    b, c, length = 0.5, 2.0, 32.0 * np.pi
    sol = ref.kuramoto_sivashinsky(nt=5, t_end=2.0, coefficients=(0.0, b, c))
    x, t = sol.coords["x"], sol.coords["t"]
    u0_hat = np.fft.rfft(np.cos(x / 16.0) * (1.0 + np.sin(x / 16.0)))
    k = 2 * np.pi * np.arange(len(u0_hat)) / length
    for j, tj in enumerate(t):
        exact = np.fft.irfft(u0_hat * np.exp((b * k**2 - c * k**4) * tj), n=len(x))
        assert np.max(np.abs(sol.fields["u"][:, j] - exact)) < 1e-10
    plain = ref.kuramoto_sivashinsky(nt=3, t_end=1.0)
    same = ref.kuramoto_sivashinsky(nt=3, t_end=1.0, coefficients=(1.0, 1.0, 1.0))
    assert np.array_equal(plain.fields["u"], same.fields["u"])
