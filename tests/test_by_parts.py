"""Weak-form integrals with derivatives moved onto the test functions (integration by parts)."""

import numpy as np

from pinnjax.discovery import Library
from pinnjax.discovery.by_parts import parse_product, plan_names, plan_term
from pinnjax.discovery.evaluation import LibraryTerms
from pinnjax.discovery.weak import WeakForm

TERMS = ("1", "u", "u_x", "u*u_x", "u_xx", "u*u_xx", "u**2*u_xxx", "u_xxxx", "u**2*u_xxxx", "sin(u)")


class _Analytic:
    """Stands in for a trained network: u = e^{-t} sin x + e^{-4t} sin 2x + eps cos(k x),
    its x-derivatives to 4th order and u_t, exactly."""

    def __init__(self, eps: float = 0.0, k: float = 160.0):
        self.eps, self.k = eps, k

    def _dx(self, n, x, t):
        modes = sum(m**n * np.exp(-m * m * t) * np.sin(m * x + n * np.pi / 2) for m in (1, 2))
        return modes + self.eps * self.k**n * np.cos(self.k * x + n * np.pi / 2)

    def predict(self, points, names):
        x, t = np.asarray(points).T
        out = {}
        for name in names:
            if name == "u_t":
                out[name] = -sum(m * m * np.exp(-m * m * t) * np.sin(m * x) for m in (1, 2))
            else:
                out[name] = self._dx(0 if name == "u" else len(name) - 2, x, t)
        return out


def _weak():
    return WeakForm([0.0, 0.0], [2 * np.pi, 1.0], 0.1)


def test_parse_product_reads_products_of_field_derivatives_only():
    assert parse_product("2*u**2*u_xxx", ["u"], ["x", "t"]) == (2.0, {"u": 2, "u_xxx": 1})
    assert parse_product("u*u", ["u"], ["x", "t"]) == (1.0, {"u": 2})
    assert parse_product("u_tx", ["u"], ["x", "t"]) == (1.0, {"u_xt": 1})  # canonical name
    for text in ("sin(u)", "x*u_x", "u**", "u*", "u+u_x", "u**v"):
        assert parse_product(text, ["u"], ["x", "t"]) is None, text


def test_plans_sample_at_most_half_the_derivative_order():
    # a linear term samples the field alone; a product of order 4 samples at most 2nd derivatives
    assert plan_term("u_xxxx", ["u"], ["x", "t"]) == {(4, 0): {(("u", 1),): 1.0}}
    assert plan_term("u_t", ["u"], ["x", "t"]) == {(0, 1): {(("u", 1),): -1.0}}
    assert plan_names([plan_term("u**2*u_xxxx", ["u"], ["x", "t"])]) == ["u", "u_x", "u_xx"]
    assert plan_names([plan_term("u*u_xxx", ["u"], ["x", "t"])]) == ["u", "u_x", "u_xx"]
    assert plan_term("sin(u)", ["u"], ["x", "t"]) is None


def test_by_parts_integrals_equal_the_direct_ones_for_a_smooth_field():
    # The identity holds exactly, so the by-parts columns (signs, binomials, product rule) must
    # match the direct integrals. The one quadrature error: u_xxxx by parts integrates
    # (4th derivative of φ) · u, whose own 4th derivative jumps at the support's edge
    # (φ = (1 - s²)^8): a trapezoid error of ~1e-3 at 16 points per half-width (measured
    # 5e-4 to 1.8e-3 against Gauss-Legendre, where the direct integral is within 1e-8).
    # A slip in a sign, binomial or product rule would be O(1).
    lib, weak, net = LibraryTerms(Library(TERMS), "u", ("x", "t"), "u_t"), _weak(), _Analytic()
    theta, y = lib.weak_matrix(net, weak, "u")
    direct_theta, direct_y = (weak.project(v) for v in lib.matrix(net, weak.points, "u"))
    assert theta.shape == (weak.n_tests, len(TERMS))
    relative = np.abs(theta - direct_theta).max(axis=0) / np.abs(direct_theta).max(axis=0)
    assert np.all(relative < np.where(np.array(TERMS) == "u_xxxx", 3e-3, 1e-6)), relative
    assert np.allclose(y, direct_y, rtol=0, atol=1e-8 * np.abs(direct_y).max())


def test_by_parts_integrals_see_through_wiggles_the_quadrature_grid_aliases():
    # A wiggle 1e-6 cos(160 x), as a network fitted to noise has at many wavenumbers: the grid
    # (161 points on [0, 2π]) samples it at its crests, so it aliases to a constant. Its 4th
    # derivative (1e-6 * 160^4 = 655) then swamps the direct integrals of u_xxxx (~1 here); by
    # parts the grid samples u itself, where the wiggle is 1e-6, and u_xx (0.026) for u²u_xxxx
    # (measured relative errors: by parts 1e-9 and 1.2e-2, direct 62 and 61).
    lib, weak = LibraryTerms(Library(("u_xx", "u_xxxx", "u**2*u_xxxx")), "u", ("x", "t"), "u_t"), _weak()
    assert weak.shape[0] == 161
    clean, _ = lib.weak_matrix(_Analytic(), weak, "u")
    by_parts, _ = lib.weak_matrix(_Analytic(eps=1e-6), weak, "u")
    direct = weak.project(lib.matrix(_Analytic(eps=1e-6), weak.points, "u")[0])
    err = lambda theta: np.abs(theta - clean).max(axis=0) / np.abs(clean).max(axis=0)
    assert err(by_parts)[1] < 1e-4 and err(direct)[1] > 10.0, (err(by_parts), err(direct))
    assert err(by_parts)[2] < 0.05 and err(direct)[2] > 10.0, (err(by_parts), err(direct))


def test_terms_without_a_plan_are_integrated_as_values():
    lib, weak, net = LibraryTerms(Library(("sin(u)", "u")), "u", ("x", "t"), "u_t"), _weak(), _Analytic()
    theta, _ = lib.weak_matrix(net, weak, "u")
    values = net.predict(weak.points, ["u"])["u"]
    assert np.allclose(theta[:, 0], weak.project(np.sin(values)))
