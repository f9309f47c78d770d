"""The weak form of the library: test-function integrals, and why selections read them."""

import math

import numpy as np
import pytest

from pinnjax.discovery.sparse import refit, select_terms
from pinnjax.discovery.weak import (
    BUMP_POWER,
    WeakForm,
    check_test_width,
    fits_grid,
    grid_sizes,
)


def _bump_integral(power: int) -> float:
    """∫_{-1}^{1} (1 - s²)^p ds = √π Γ(p+1) / Γ(p+3/2)."""
    return math.sqrt(math.pi) * math.gamma(power + 1) / math.gamma(power + 1.5)


def test_test_function_integrals_match_gauss_legendre_quadrature():
    # Box [0, 2] x [0, 1], half-widths 0.2 and 0.1 (width 0.1), centers h/2 apart inside it.
    weak = WeakForm([0.0, 0.0], [2.0, 1.0], 0.1)
    rows_x, rows_t = (len(r) for r in weak.rows)
    assert (rows_x, rows_t) == (17, 17) and weak.n_tests == 289
    assert weak.points.shape == (161 * 161, 2)  # >= 16 grid points per half-width
    # ∫ bump = h · I_p per coordinate, to rounding (the trapezoid rule is exact-ish for the bump)
    ones = weak.project(np.ones(len(weak.points)))
    assert np.allclose(ones, 0.2 * 0.1 * _bump_integral(BUMP_POWER) ** 2, rtol=1e-9)
    # a smooth field: the 5th test function (centers 0.2 + 4 * 0.1 = 0.6 in x, 0.1 in t) against
    # a 200-point Gauss-Legendre rule on its support
    x, t = weak.points.T
    values = np.stack([np.cos(3 * x) * np.exp(t), x * t], axis=1)
    projected = weak.project(values)
    assert projected.shape == (289, 2)
    s, w = np.polynomial.legendre.leggauss(200)
    bump = (1 - s**2) ** BUMP_POWER
    gx, gt = 0.6 + 0.2 * s, 0.1 + 0.1 * s
    want = [(0.2 * w * bump) @ np.cos(3 * gx) * ((0.1 * w * bump) @ np.exp(gt)),
            (0.2 * w * bump) @ gx * ((0.1 * w * bump) @ gt)]
    assert np.allclose(projected[4 * rows_t], want, rtol=1e-6)


def _wiggly_heat_library(points):
    """Library [u, u_x, u_xx, u_xxx, u_xxxx, u*u_x] and u_t of u = e^{-t} sin x + e^{-4t} sin 2x
    (u_t = u_xx) plus a wiggle 1e-3 sin(40 x + 40 t), like a network fitted to noise: tiny in u,
    but its 4th x-derivative (1e-3 · 40⁴ = 2,560) dwarfs the solution's (~16)."""
    x, t = points.T

    def dx(n):  # n-th x-derivative of the field
        modes = sum(k**n * np.exp(-k * k * t) * np.sin(k * x + n * np.pi / 2) for k in (1, 2))
        return modes + 1e-3 * 40**n * np.sin(40 * x + 40 * t + n * np.pi / 2)

    u_t = -sum(k * k * np.exp(-k * k * t) * np.sin(k * x) for k in (1, 2)) + 1e-3 * 40 * np.cos(40 * x + 40 * t)
    return np.stack([dx(0), dx(1), dx(2), dx(3), dx(4), dx(0) * dx(1)], axis=1), u_t


def test_weak_form_sees_through_small_scale_wiggles_that_swamp_pointwise_derivatives():
    # Pointwise, the wiggle's derivatives dominate the high-order columns and the selection
    # keeps a spurious u_xxxx (measured: u_xx 1.002, u_xxxx 6e-4); against test functions of
    # half-width 0.1 x 2π (the wiggle's wavelength is 0.16) its integrals all but vanish and
    # u_xx alone comes out with coefficient 1 (measured 1 - 2e-10).
    rng = np.random.default_rng(0)
    pointwise = rng.uniform([0.0, 0.0], [2 * np.pi, 1.0], (4000, 2))
    theta, y = _wiggly_heat_library(pointwise)
    _, strong = select_terms("stlsq", theta, y, rng)
    assert not np.array_equal(strong, [False, False, True, False, False, False])
    weak = WeakForm([0.0, 0.0], [2 * np.pi, 1.0], 0.1)
    theta, y = _wiggly_heat_library(weak.points)
    w_theta, w_y = weak.project(theta), weak.project(y)
    _, mask = select_terms("stlsq", w_theta, w_y, rng)
    assert mask.tolist() == [False, False, True, False, False, False]
    assert refit(w_theta, w_y, mask)[2] == pytest.approx(1.0, abs=1e-6)


def test_test_width_errors_name_the_value_and_the_fix():
    with pytest.raises(ValueError, match=r"test_width must be in \(0, 0.25\] .*e.g. 0.06\), got 0.5"):
        check_test_width(0.5, 2)
    with pytest.raises(ValueError, match=r"test_width must be one number or one per coordinate \(2\), got"):
        check_test_width((0.1, 0.1, 0.1), 2)
    with pytest.raises(ValueError, match=r"test_width 0.01 needs a quadrature grid of 4,103,684,801 points "
                                         r"\(1601 x 1601 x 1601\).*use wider test functions"):
        WeakForm([0, 0, 0], [1, 1, 1], 0.01)
    assert check_test_width([0.05, 0.1], 2) == (0.05, 0.1)


def test_fits_grid_says_whether_a_widening_can_read_the_weak_form():
    # 16 points per half-width: 0.06 needs ceil(16 / 0.06) + 1 = 268 points per coordinate, so
    # 268² = 71,824 in (x, t) but 268³ = 19,248,832 > 1,000,000 in (x, y, t); 0.2 needs 81³ = 531,441.
    assert grid_sizes((0.06, 0.06)) == [268, 268] and grid_sizes((0.2,)) == [81]
    assert fits_grid(0.06, 2) and not fits_grid(0.06, 3) and fits_grid(0.2, 3)
    with pytest.raises(ValueError, match=r"test_width must be in \(0, 0.25\]"):
        fits_grid(0.0, 2)
