"""The abstract interfaces: domains, value conditions and training phases."""

import equinox as eqx
import jax
import numpy as np
import optax
import pytest

import pinnjax as pj
from pinnjax.engine.compiled import compile_problem, domain_bounds
from pinnjax.geometry import PointSet
from pinnjax.problem.residuals import Namespace
from pinnjax.train.phases import StopTest, has_line_search


# ---------------------------------------------------------------- domains
class Grid(pj.AbstractDomain):
    """[0, 1] on an evenly spaced grid: a domain that is not a geometry."""

    dim = 1
    coordinate_names = ("s",)
    spatial_coordinate_names = ("s",)
    parts = ("interior", "boundary")

    def bounding_box(self):
        return np.zeros(1), np.ones(1)

    def sample(self, part, n, sampler="uniform", rng=None):
        if part == "interior":
            return PointSet(np.linspace(0.0, 1.0, n)[:, None], None)
        ends = np.arange(n) % 2
        return PointSet(ends[:, None].astype(float), np.where(ends, 1.0, -1.0)[:, None])


def test_geometries_and_space_time_are_domains_with_float_bounds():
    st = pj.SpaceTime(pj.Rectangle((0, -1), (2, 1)), 0.0, 3.0)
    for domain in (pj.Interval(0, 1), pj.Disk((0, 0), 1.0) - pj.Disk((1, 0), 0.5), st):
        assert isinstance(domain, pj.AbstractDomain)
    lo, hi = st.bounds()
    np.testing.assert_array_equal(lo, [0.0, -1.0, 0.0])
    np.testing.assert_array_equal(hi, [2.0, 1.0, 3.0])
    assert lo.dtype == np.float64 and st.spatial_coordinate_names == ("x", "y")
    lo, hi = domain_bounds(pj.Interval(-1, 2))
    assert lo.shape == (1,) and (lo[0], hi[0]) == (-1.0, 2.0)
    assert pj.Rectangle((0, 0), (1, 1), coordinates=("r", "z")).spatial_coordinate_names == ("r", "z")


@pytest.mark.slow
def test_a_domain_of_ones_own_trains_and_a_non_domain_is_refused_with_the_fix():
    # u'' = -2 on [0, 1], u = 0 at both ends: u = s (1 - s).
    problem = pj.Problem(Grid(), ("u",), [pj.PDE("u_ss + 2", 32), pj.Dirichlet("u", 0.0, points=2)])
    assert problem.coordinates == ("s",) and problem.spatial_coordinates == ("s",)
    result = pj.solve(problem, pj.MLP(1, 1, 16, 2, key=jax.random.PRNGKey(0)), [pj.LBFGS(300)], dtype="float64")
    s = np.linspace(0, 1, 11)[:, None]
    assert result.relative_l2(s[1:-1], s[1:-1, 0] * (1 - s[1:-1, 0])) < 1e-2
    with pytest.raises(TypeError, match=r"got dict; .*subclass pinnjax.AbstractDomain"):
        pj.Problem({"x": (0, 1)}, ("u",), [pj.PDE("u_x", 4)])
    with pytest.raises(TypeError, match=r"domain_bounds needs a domain .* got tuple"):
        domain_bounds((0.0, 1.0))
    with pytest.raises(TypeError, match="abstract"):
        type("Half", (pj.AbstractDomain,), {"dim": 1})()


# ---------------------------------------------------------------- value conditions
def test_value_conditions_share_an_abstract_base_and_keep_their_names_and_targets():
    with pytest.raises(TypeError, match="abstract"):
        pj.AbstractValueCondition("u", 0.0, pj.Sample(4), "c", "mse", 1.0)
    d, n, i = pj.Dirichlet("u", 1.0, on="left"), pj.Neumann("u", on="right"), pj.Initial("u", "x")
    assert all(isinstance(t, pj.AbstractValueCondition) for t in (d, n, i))
    assert not isinstance(n, pj.Dirichlet) and not isinstance(i, pj.Dirichlet)
    assert (d.name, d.target, d.points.part) == ("dirichlet_left_u", "u", "left")
    assert (n.name, n.target, n.points.part) == ("neumann_right_u", "u_n", "right")
    assert (i.name, i.target, i.points.part, i.points.n) == ("initial_u", "u", "initial", 200)
    ns = Namespace(("u",), ("x", "t"))
    assert n.bind(ns).names == ("u_n",)  # the normal derivative is readable on its own term
    assert d.bind(ns).names == ("u",) and i.bind(ns).names == ("u", "x")
    with pytest.raises(ValueError, match="unknown name 'u_n'"):
        pj.Dirichlet("u_n").bind(ns)


# ---------------------------------------------------------------- phases
def line_problem():
    pts = np.random.default_rng(0).uniform(0, 1, (64, 1))
    return pj.Problem(pj.Interval(0.0, 1.0), ("u",), [pj.Data("u", pj.Given(pts, 2 * pts[:, 0] + 1))])


def heat_problem():
    terms = [pj.PDE("u_t - 0.1*u_xx", 128), pj.Dirichlet("u", 0.0, on="left", points=16),
             pj.Initial("u", "x*(2 - x)", points=32)]
    return pj.Problem(pj.SpaceTime(pj.Interval(0.0, 1.0), 0.0, 1.0), ("u",), terms)


def linear_net():
    return eqx.nn.Linear(1, 1, key=jax.random.PRNGKey(0))


def test_line_searches_are_detected_in_any_optax_transformation():
    params = {"net": {"w": jax.numpy.zeros((3, 2))}, "coefficients": {}}
    backtracking = optax.chain(optax.sgd(1.0), optax.scale_by_backtracking_linesearch(max_backtracking_steps=15))
    for optimizer in (optax.lbfgs(), optax.chain(optax.clip_by_global_norm(1.0), optax.lbfgs()), backtracking):
        assert has_line_search(optimizer, params)
        assert pj.Optax(5, optimizer).needs_line_search(params)
    assert not has_line_search(optax.adam(1e-3), params)
    assert not pj.Optax(5, optax.adam(1e-3)).needs_line_search(params)
    assert pj.Optax(5, optax.adam(1e-3), line_search=True).needs_line_search(params)
    assert pj.LBFGS(5).needs_line_search(params) and not pj.Adam(5).needs_line_search(params)


def test_optax_lbfgs_takes_the_line_search_path_and_converges_like_lbfgs():
    reference = pj.solve(line_problem(), linear_net(), [pj.LBFGS(200)], dtype="float64", scale_inputs=False)
    result = pj.solve(line_problem(), linear_net(), [pj.Optax(200, optax.lbfgs())], dtype="float64",
                      scale_inputs=False)
    for r in (reference, result):
        assert r.phases[0].stop_reason == "gradient tolerance" and r.phases[0].steps < 50
        assert r.history.total[-1] < 1e-20
        np.testing.assert_allclose(np.asarray(r.network.weight).ravel(), [2.0], rtol=1e-8)
    # A backtracking search does not store its gradient: the loop evaluates it afresh.
    backtracking = optax.chain(optax.sgd(1.0), optax.scale_by_backtracking_linesearch(max_backtracking_steps=15))
    r = pj.solve(line_problem(), linear_net(), [pj.Optax(150, backtracking)], dtype="float64", scale_inputs=False)
    assert r.history.total[-1] < 1e-12


@pytest.mark.slow
def test_an_optax_phase_wrapping_lbfgs_runs_exactly_as_lbfgs():
    lbfgs = pj.LBFGS(40)
    a, b = (pj.solve(heat_problem(), pj.MLP(2, 1, 8, 2, key=jax.random.PRNGKey(0)), [phase], chunk=40)
            for phase in (lbfgs, pj.Optax(40, lbfgs.build())))
    assert a.history.total == b.history.total and a.phases[0].stop_reason == b.phases[0].stop_reason


def test_phase_arguments_are_checked_with_the_fix_named():
    problem, net = line_problem(), linear_net()
    with pytest.raises(TypeError, match=r"holds a GradientTransformationExtraArgs, .*pinnjax.Optax\(steps, optimizer\)"):
        pj.solve(problem, net, [optax.lbfgs()])
    with pytest.raises(TypeError, match=r"holds a str, which is not a phase; use pinnjax.Adam\(steps\)"):
        pj.solve(problem, net, ["adam"])
    with pytest.raises(TypeError, match="Optax.optimizer must be an optax.GradientTransformation"):
        pj.Optax(10, "adam")
    with pytest.raises(ValueError, match="Optax.line_search must be True, False or None"):
        pj.Optax(10, optax.adam(1e-3), line_search="auto")
    with pytest.raises(TypeError, match="abstract"):
        pj.AbstractPhase()


def test_learning_rate_schedules_and_stop_tests_come_from_the_phase():
    adam = pj.Adam(100, 1e-2, decay_rate=0.5, decay_steps=10, warmup=10)
    assert adam.learning_rate_at(0) == 0.0 and adam.learning_rate_at(5) == pytest.approx(5e-3)
    assert adam.learning_rate_at(20) == pytest.approx(5e-3)
    assert pj.LBFGS(10).learning_rate_at(3) is None and pj.Optax(10, optax.sgd(0.1)).learning_rate_at(3) is None
    assert pj.LBFGS(10, gtol=1e-6, ftol=1e-9, patience=7).stop_test() == StopTest(1e-6, 1e-9, 7)
    assert pj.Optax(10, optax.lbfgs()).stop_test() == StopTest() == pj.LBFGS(10).stop_test()


def test_compile_problem_scales_by_the_domain_bounds():
    compiled, _ = compile_problem(heat_problem(), pj.MLP(2, 1, 4, 1, key=jax.random.PRNGKey(0)))
    np.testing.assert_array_equal(compiled.lower, [0.0, 0.0])
    np.testing.assert_array_equal(compiled.upper, [1.0, 1.0])
