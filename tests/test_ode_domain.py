"""ODE problems: a domain that is a time interval alone (``TimeInterval``, YAML ``domain: {time:
[t0, t1]}``) samples its parts, compiles, trains to the exact solution from Python and from
YAML, and refuses bad input with errors that name the fix."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import pinnjax as pj
from pinnjax.config import ConfigError, build_experiment
from pinnjax.config.loader import parse_yaml

TWO_PI = 2 * np.pi
T = np.linspace(0.0, TWO_PI, 401)


def rel_l2(predicted, exact):
    return float(np.linalg.norm(predicted - exact) / np.linalg.norm(exact))


# ---------------------------------------------------------------- the domain
def test_a_time_interval_has_one_coordinate_and_the_parts_of_time():
    d = pj.TimeInterval(0.0, 5.0)
    assert isinstance(d, pj.AbstractDomain) and isinstance(d, pj.AbstractTimeDomain)
    assert d.dim == 1 and d.coordinate_names == ("t",) and d.spatial_coordinate_names == ()
    assert d.parts == ("interior", "boundary", "initial", "final")
    lo, hi = d.bounds()
    np.testing.assert_array_equal(lo, [0.0]) and np.testing.assert_array_equal(hi, [5.0])
    rng = np.random.default_rng(0)
    for sampler in pj.geometry.SAMPLERS:
        ps = d.sample("interior", 50, sampler, rng)
        assert ps.points.shape == (50, 1) and ps.normals is None
        assert np.all((ps.points >= 0.0) & (ps.points <= 5.0))
    np.testing.assert_array_equal(d.sample("initial", 3, rng=rng).points, np.zeros((3, 1)))
    np.testing.assert_array_equal(d.sample("final", 3, rng=rng).points, np.full((3, 1), 5.0))
    ends = d.sample("boundary", 10, rng=rng).points[:, 0]
    assert sorted(ends.tolist()) == [0.0] * 5 + [5.0] * 5
    assert d.measure() == 5.0 and d.boundary_measure() == 2.0 and d.boundary_measure("final") == 1.0
    assert d.inside([[0.0], [5.0], [5.1]]).tolist() == [True, True, False]
    assert pj.TimeInterval(0.0, 1.0, time_name="s").coordinate_names == ("s",)


@pytest.mark.parametrize("t0, t1", [(1.0, 1.0), (2.0, 0.0)])
def test_a_time_interval_must_run_forward(t0, t1):
    with pytest.raises(ValueError, match=rf"TimeInterval.t0 = {t0} must be less than TimeInterval.t1 = {t1}; swap"):
        pj.TimeInterval(t0, t1)


def test_an_unknown_part_lists_the_parts_of_time():
    with pytest.raises(ValueError, match="part of TimeInterval 'left'; choose one of: interior, boundary, initial"):
        pj.TimeInterval(0.0, 1.0).sample("left", 4)


def test_a_spatial_derivative_in_an_ode_is_an_unknown_name_that_lists_the_time_coordinate():
    problem = pj.Problem(pj.TimeInterval(0.0, 1.0), ("u",), [pj.PDE("u_x + u")])
    with pytest.raises(ValueError, match=r"unknown name 'u_x'.*did you mean 'u_t'.*coordinates: t"):
        problem.bind()


def test_normal_derivatives_need_space():
    with pytest.raises(ValueError, match="Neumann term .* TimeInterval has no spatial boundary.*Initial\\('x_t'"):
        pj.Problem(pj.TimeInterval(0.0, 1.0), ("u",), [pj.PDE("u_t"), pj.Neumann("u", 0.0)])
    problem = pj.Problem(pj.TimeInterval(0.0, 1.0), ("u",), [pj.PDE("u_t")])
    assert "u_n" not in problem.namespace().extras


@pytest.mark.slow
def test_an_integral_over_time_is_accurate_and_an_end_is_a_value():
    """∫_0^2 t³ dt = 4 by Gauss and (roughly) by Sobol'; over final: x(2) = 8."""
    def cube(x, y):
        return jnp.stack([x[0] ** 3])

    terms = [pj.Integral("x", 4.0, name="gauss", order=4), pj.Integral("x", 4.0, quadrature="qmc", name="qmc"),
             pj.Integral("x", 8.0, over="final", name="end"), pj.Integral("x", 8.0, over="boundary", name="ends")]
    problem = pj.Problem(pj.TimeInterval(0.0, 2.0), ("x",), terms, transform=cube)
    with jax.enable_x64(True):
        net = pj.MLP(1, 1, 4, 1, key=jax.random.PRNGKey(0), dtype=jnp.float64)
        compiled, arrays = pj.compile_problem(problem, net)
        params = {"net": arrays, "coefficients": {}}
        batch = jax.tree_util.tree_map(jnp.asarray, compiled.draw_batch(np.random.default_rng(0)))
        r = {t.name: np.asarray(compiled.term_residual(t, params, batch[t.name])) for t in compiled.terms}
    np.testing.assert_allclose(r["gauss"], 0.0, atol=1e-12)
    np.testing.assert_allclose(r["qmc"], 0.0, atol=1e-2)
    np.testing.assert_allclose(r["end"], 0.0, atol=1e-12)
    np.testing.assert_allclose(r["ends"], 0.0, atol=1e-12)  # 0³ + 2³ = 8
    with pytest.raises(ValueError, match="per_time .* TimeInterval has no space"):
        pj.Problem(pj.TimeInterval(0.0, 2.0), ("x",), [pj.Integral("x", 1.0, per_time=True)])


# ---------------------------------------------------------------- training
def oscillator(first_order=False):
    if first_order:  # x' = v, v' = -x
        terms = [pj.PDE("x_t - v", 256, name="dx"), pj.PDE("v_t + x", 256, name="dv"),
                 pj.Initial("x", 1.0, 1), pj.Initial("v", 0.0, 1)]
        return pj.Problem(pj.TimeInterval(0.0, TWO_PI), ("x", "v"), terms)
    terms = [pj.PDE("x_tt + x", 256), pj.Initial("x", 1.0, 1), pj.Initial("x_t", 0.0, 1)]
    return pj.Problem(pj.TimeInterval(0.0, TWO_PI), ("x",), terms)


@pytest.mark.slow
@pytest.mark.parametrize("first_order", [False, True], ids=["second_order", "first_order_system"])
def test_the_harmonic_oscillator_trains_to_cos_t(first_order):
    problem = oscillator(first_order)
    with jax.enable_x64(True):
        net = pj.MLP(1, len(problem.fields), 16, 2, key=jax.random.PRNGKey(0), dtype=jnp.float64)
        result = pj.solve(problem, net, [pj.Adam(1000, 1e-2), pj.BFGS(500)], dtype="float64", seed=0)
        names = list(problem.fields) if first_order else ["x", "x_t"]
        out = result.predict(T[:, None], names)
    assert rel_l2(out["x"], np.cos(T)) < 1e-3
    assert rel_l2(out[names[1]], -np.sin(T)) < 1e-3


ODE_YAML = """
name: oscillator
dtype: float64
domain: {time: [0, TWO_PI]}
fields: [x]
constants: {omega: 1.0}
terms:
  - {type: pde, residual: "x_tt + omega**2*x", points: 256}
  - {type: initial, field: x, value: 1.0, points: 1}
  - {type: initial, field: x_t, value: 0.0, points: 1}
network: {type: mlp, width: 16, depth: 2}
training:
  phases: [{type: adam, steps: 1000, learning_rate: 0.01}, {type: bfgs, steps: 500}]
"""


@pytest.mark.slow
def test_the_oscillator_from_yaml_matches_the_python_api():
    exp = build_experiment(parse_yaml(ODE_YAML.replace("TWO_PI", repr(TWO_PI))))
    assert isinstance(exp.problem.domain, pj.TimeInterval) and exp.problem.coordinates == ("t",)
    with jax.enable_x64(True):
        result = pj.solve(exp.problem, exp.network, exp.phases, **exp.solve_kwargs)
        x = result.predict(T[:, None], ["x"])["x"]
    assert rel_l2(x, np.cos(T)) < 1e-3


@pytest.mark.slow
def test_a_damped_forced_oscillator_in_yaml_with_a_boundary_value():
    """x'' + 0.5 x' + x = cos t with x(0) = 0 and x(5) given (a boundary-value problem: a
    Dirichlet term on the final time): 2 sin t plus a decaying transient."""
    w = np.sqrt(1 - 1 / 16)  # roots -1/4 ± i w

    def exact(t):  # 2 sin t + e^{-t/4} c sin(wt): x(0) = 0, and x'(0) = 2 + w c = 0
        return 2 * np.sin(t) - 2 / w * np.exp(-t / 4) * np.sin(w * t)

    b = float(exact(5.0))
    text = f"""
name: damped
dtype: float64
domain: {{time: [0, 5]}}
fields: [x]
terms:
  - {{type: pde, residual: "x_tt + 0.5*x_t + x - cos(t)", points: 256}}
  - {{type: initial, field: x, value: 0.0, points: 1}}
  - {{type: dirichlet, field: x, value: {b!r}, on: final, points: 1}}
network: {{type: mlp, width: 16, depth: 2}}
training:
  phases: [{{type: adam, steps: 1000, learning_rate: 0.01}}, {{type: bfgs, steps: 500}}]
"""
    exp = build_experiment(parse_yaml(text))
    t = np.linspace(0.0, 5.0, 201)
    with jax.enable_x64(True):
        result = pj.solve(exp.problem, exp.network, exp.phases, **exp.solve_kwargs)
        x = result.predict(t[:, None], ["x"])["x"]
    assert rel_l2(x, exact(t)) < 1e-3


# ---------------------------------------------------------------- YAML errors
BASE = """
name: ode
domain: DOMAIN
fields: [x]
terms: [TERM]
network: {type: mlp, width: 8, depth: 1}
training: {phases: [{type: adam, steps: 1}]}
"""


def build(domain="{time: [0, 1]}", term='{type: pde, residual: "x_t + x"}'):
    return build_experiment(parse_yaml(BASE.replace("DOMAIN", domain).replace("TERM", term)))


@pytest.mark.parametrize("domain, term, path, message", [
    ("{time: [1, 0]}", None, "domain.time", "TimeInterval.t0 = 1.0 must be less than TimeInterval.t1 = 0.0; swap"),
    ("{time: [0, 0]}", None, "domain.time", "must be less than TimeInterval.t1 = 0.0"),
    ("{time: [0, 1, 2]}", None, "domain.time", r"expected \[t0, t1\]"),
    ("{}", None, "domain", "a domain needs a geometry, a time interval, or both"),
    (None, '{type: pde, residual: "x_xx + x"}', "terms[0].residual", "unknown name 'x_xx'.*coordinates: t"),
    (None, '{type: pde, residual: "x_y"}', "terms[0].residual", "unknown name 'x_y'"),
    (None, "{type: neumann, field: x}", "terms[0].on",
     "a normal derivative needs a spatial boundary, and a TimeInterval has none"),
    (None, "{type: dirichlet, field: x, on: left}", "terms[0].on", r"unknown part of the domain \(TimeInterval\) 'left'"),
])
def test_bad_ode_configs_name_the_key_and_the_fix(domain, term, path, message):
    kwargs = {k: v for k, v in (("domain", domain), ("term", term)) if v is not None}
    with pytest.raises(ConfigError, match=message) as err:
        build(**kwargs)
    assert err.value.path == path


def test_initial_conditions_and_causal_weighting_accept_a_time_interval():
    exp = build(term='{type: pde, residual: "x_t + x", causal: {slices: 8}}')
    assert exp.problem.terms[0].causal.slices == 8
    exp = build(term="{type: initial, field: x_t, value: 1.0}")
    assert exp.problem.terms[0].points.part == "initial"
