"""Discovery building blocks: libraries, sparse regression, the printed equation."""

import numpy as np
import pytest

from pinnjax.discovery import Equation, Library, choose_threshold, polynomial_library, refit, stlsq


def test_polynomial_library_and_combinations():
    lib = polynomial_library(["u"], ["x"], degree=2, order=2)
    assert lib.terms == ("1", "u", "u**2", "u_x", "u*u_x", "u**2*u_x", "u_xx", "u*u_xx", "u**2*u_xx")
    assert len(polynomial_library(["u", "v"], ["x", "y"], degree=1, order=1)) == 3 * 5
    both = Library(("u", "v")) * Library(("1", "u_x")) + Library(("sin(x)", "u"))
    assert both.terms == ("u", "v", "u*u_x", "v*u_x", "sin(x)")  # duplicates dropped
    with pytest.raises(ValueError, match="at least one non-empty term"):
        Library(())


def test_stlsq_recovers_a_sparse_law_with_its_coefficients():
    # y = 2 θ1 - 0.003 θ4 with columns of very different scales (like u·u_x and u_xx)
    # plus 1e-6 noise: thresholding on unit-normalized columns keeps exactly those two,
    # and the refit is exact to the noise level.
    rng = np.random.default_rng(0)
    theta = rng.standard_normal((500, 6)) * np.array([1, 1, 3, 0.1, 300, 10])
    y = 2 * theta[:, 1] - 0.003 * theta[:, 4] + 1e-6 * rng.standard_normal(500)
    xi = stlsq(theta, y, threshold=0.05)
    assert np.flatnonzero(xi).tolist() == [1, 4]
    np.testing.assert_allclose(xi[[1, 4]], [2, -0.003], rtol=1e-5)
    tau, mask = choose_threshold(theta, y, rng)
    assert np.flatnonzero(mask).tolist() == [1, 4]
    np.testing.assert_allclose(refit(theta, y, mask)[[1, 4]], [2, -0.003], rtol=1e-5)
    # a given mask is respected: the set only shrinks
    xi = stlsq(theta, y, 0.0, mask=np.array([0, 1, 1, 0, 0, 0], bool))
    assert np.flatnonzero(xi).tolist() in ([1], [1, 2])


def test_equation_prints_signs_and_constants():
    eq = Equation("u_t", ("1", "u*u_x", "u_xx"), np.array([0.0, -1.0002, 0.003186]))
    assert str(eq) == "u_t = -1.0002 u*u_x + 0.003186 u_xx"
    assert eq.active() == {"u*u_x": -1.0002, "u_xx": 0.003186}
    assert str(Equation("u_t", ("1",), np.array([2.5]))) == "u_t = 2.5"


def test_library_matrix_from_network_derivatives_selects_the_heat_law():
    # A 'network' that is an exact two-mode heat solution with a = 0.1 (two modes, so
    # u_xx is not a multiple of u):
    # the library built from its derivatives must select u_t = a u_xx alone, and the
    # refit must give a to float64 precision (columns are exact derivatives).
    import equinox as eqx
    import jax
    import jax.numpy as jnp

    import pinnjax as pj
    from pinnjax.compiled import compile_problem
    from pinnjax.discovery import library_matrix
    from pinnjax.result import Result
    from pinnjax.train import History

    class Exact(eqx.Module):
        def __call__(self, p):
            x, t = p[0], p[1]
            u = jnp.exp(-jnp.pi**2 * 0.1 * t) * jnp.sin(jnp.pi * x)
            u += 0.5 * jnp.exp(-4 * jnp.pi**2 * 0.1 * t) * jnp.sin(2 * jnp.pi * x)
            return jnp.stack([u])

    with jax.enable_x64(True):
        domain = pj.SpaceTime(pj.Interval(0.0, 1.0), 0.0, 1.0)
        problem = pj.Problem(domain, ("u",), [pj.PDE("u_t", 10)])
        compiled, arrays = compile_problem(problem, Exact(), scale_inputs=False)
        result = Result(compiled, {"net": arrays, "coefficients": {}}, History(), [], 0.0, jnp.float64)
        rng = np.random.default_rng(0)
        pts = domain.sample("interior", 400, "sobol", rng).points
        lib = polynomial_library(["u"], ["x"], degree=2, order=3)
        theta, y = library_matrix(result, lib, "u_t", pts)
    assert theta.shape == (400, len(lib))
    _, mask = choose_threshold(theta, y, rng)
    assert [t for t, m in zip(lib.terms, mask) if m] == ["u_xx"]
    np.testing.assert_allclose(refit(theta, y, mask)[lib.terms.index("u_xx")], 0.1, rtol=1e-10)
