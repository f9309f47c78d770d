"""Building problems: names are checked eagerly with messages that name the fix."""

import math

import numpy as np
import pytest

import pinnjax as pj

DOMAIN = pj.SpaceTime(pj.Interval(-1.0, 1.0), 0.0, 1.0)


def burgers_terms(pde="u_t + u*u_x - nu*u_xx"):
    return [pj.PDE(pde, 50), pj.Initial("u", "-sin(pi*x)", 20), pj.Dirichlet("u", 0.0, points=20)]


def test_problem_binds_text_and_python_residuals():
    p = pj.Problem(DOMAIN, ("u",), burgers_terms(), {"nu": 0.01 / math.pi})
    bound = p.bind()
    assert [t.name for t in bound] == ["pde", "initial_u", "dirichlet_boundary_u"]
    assert bound[0].names == ("u_t", "u", "u_x", "u_xx")
    python = pj.Problem(DOMAIN, "u", [pj.PDE(lambda u_t, u, u_x, u_xx, nu: u_t + u * u_x - nu * u_xx)], {"nu": 0.1})
    assert python.bind()[0].names == ("u_t", "u", "u_x", "u_xx", "nu")


def test_unknown_names_are_reported_with_the_term_and_a_suggestion():
    with pytest.raises(ValueError, match="unknown name 'nuu'.*did you mean 'nu'"):
        pj.Problem(DOMAIN, ("u",), burgers_terms("u_t - nuu*u_xx"), {"nu": 0.1}).bind()
    with pytest.raises(ValueError, match="term 'pde' reads unknown name 'v_x'"):
        pj.Problem(DOMAIN, ("u",), [pj.PDE(lambda u_t, v_x: u_t - v_x)]).bind()


def test_problem_validation_messages():
    with pytest.raises(ValueError, match="term names must be distinct; repeated: \\['pde'\\]"):
        pj.Problem(DOMAIN, ("u",), [pj.PDE("u_t", 10), pj.PDE("u_x", 10)])
    with pytest.raises(ValueError, match="Problem.terms is empty"):
        pj.Problem(DOMAIN, ("u",), [])
    with pytest.raises(ValueError, match="constant 'nu' must be a finite real number"):
        pj.Problem(DOMAIN, ("u",), [pj.PDE("u_t", 10)], {"nu": float("nan")})
    with pytest.raises(ValueError, match="clash with a field or coordinate"):
        pj.Problem(DOMAIN, ("u",), [pj.PDE("u_t", 10)], {"x": 1.0})
    with pytest.raises(TypeError, match="Problem.domain must be a geometry .* got str; .*subclass pinnjax.AbstractDomain"):
        pj.Problem("square", ("u",), [pj.PDE("u_t", 10)])
    with pytest.raises(ValueError, match="Sample.n must be a positive integer"):
        pj.Sample(0)
    with pytest.raises(ValueError, match="weight must be a number >= 0"):
        pj.PDE("u_t", 10, weight=-1)
    with pytest.raises(ValueError, match="Given.values has 3 rows but Given.points has 2"):
        pj.Given(np.zeros((2, 2)), np.zeros(3))
    with pytest.raises(ValueError, match="Given.points contains NaN"):
        pj.Given(np.array([[0.0, np.nan]]))


def test_coefficients_scaling():
    c = pj.Coefficient(0.01, log=True)
    # float32 round trip through exp(log(0.01)): relative error ~ float32 eps (1.2e-7).
    assert abs(float(c.value(c.raw_init())) - 0.01) < 0.01 * 3e-7
    b = pj.Coefficient(0.5, bounds=(0.0, 2.0))
    assert abs(float(b.value(b.raw_init())) - 0.5) < 1e-7
    with pytest.raises(ValueError, match="needs init > 0"):
        pj.Coefficient(-1.0, log=True)


def test_solve_rejects_bad_arguments():
    import jax

    problem = pj.Problem(DOMAIN, ("u",), burgers_terms(), {"nu": 0.01})
    net = pj.MLP(2, 1, 8, 2, key=jax.random.PRNGKey(0))
    with pytest.raises(ValueError, match="dtype must be 'float32' or 'float64', got 'float16'"):
        pj.solve(problem, net, [pj.Adam(10)], dtype="float16")
    with pytest.raises(ValueError, match="Adam.steps must be a positive integer, got 0"):
        pj.Adam(0)
    wrong = pj.MLP(2, 3, 8, 2, key=jax.random.PRNGKey(0))
    with pytest.raises(ValueError, match=r"returns shape \(3,\) for one point, but the problem has 1 field"):
        pj.solve(problem, wrong, [pj.Adam(10)])
    with pytest.raises(ValueError, match="cannot be applied to one point of 2 coordinates"):
        pj.solve(problem, pj.MLP(3, 1, 8, 2, key=jax.random.PRNGKey(0)), [pj.Adam(10)])
