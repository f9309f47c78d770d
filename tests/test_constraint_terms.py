"""Constraint terms: inequalities act on the violation only; integrals by quadrature are
accurate, conserve mass per time, normalize a trained field, and never retrace."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import pinnjax as pj
from pinnjax.config import ConfigError, build_experiment
from pinnjax.config.loader import parse_yaml
from pinnjax.engine.compiled import compile_problem

X5 = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
CUBIC = lambda x, y: jnp.stack([x[0] ** 3 - x[0]])


@pytest.fixture(autouse=True)
def _x64():
    with jax.enable_x64(True):
        yield


def residuals(problem, dtype=np.float64, multiple_of=1):
    """{term: residual (N,)} of ``problem`` (its fields fixed by its transform)."""
    net = pj.MLP(problem.domain.dim, len(problem.fields), 4, 1, key=jax.random.PRNGKey(0), dtype=jnp.dtype(dtype))
    compiled, arrays = compile_problem(problem, net)
    params = {"net": arrays, "coefficients": problem.initial_coefficients(dtype)}
    batch = compiled.draw_batch(np.random.default_rng(0), multiple_of=multiple_of)
    batch = jax.tree_util.tree_map(lambda a: jnp.asarray(a, dtype), batch)
    return {t.name: np.asarray(compiled.term_residual(t, params, batch[t.name])) for t in compiled.terms}, compiled, \
        params, batch


def one(term, domain=None, transform=CUBIC, **kw):
    problem = pj.Problem(domain or pj.Interval(-1.0, 1.0), ("u",), [term], transform=transform, **kw)
    return residuals(problem)[0][term.name]


# ---------------------------------------------------------------- inequality
@pytest.mark.parametrize("term, expected", [
    (pj.Inequality("u_xx", pj.Given(X5), lower=0), [-6, -3, 0, 0, 0]),  # u_xx = 6x >= 0
    (pj.Inequality("u", pj.Given(X5), upper=0.1), [0, 0.275, 0, 0, 0]),  # u = x³ - x <= 0.1
    (pj.Inequality("u_xx", pj.Given(X5), lower=-1, upper=2), [-5, -2, 0, 1, 4]),
    (pj.Inequality("u_xx >= 0", pj.Given(X5)), [-6, -3, 0, 0, 0]),
    (pj.Inequality("-1 <= u_xx <= 2", pj.Given(X5)), [-5, -2, 0, 1, 4]),
    (pj.Inequality("2 >= u_xx", pj.Given(X5)), [0, 0, 0, 1, 4]),
    (pj.Inequality("u >= u_xx", pj.Given(X5)), [0, 0, 0, -3.375, -6]),  # u - u_xx >= 0
    (pj.Inequality("u_xx", pj.Given(X5), lower="-c", upper="2*c"), [-5, -2, 0, 1, 4]),  # constants c = 1
    (pj.Inequality("u_xx", pj.Given(X5), lower="x"), [-5, -2.5, 0, 0, 0]),  # 6x >= x
])
def test_the_inequality_residual_is_the_violation_only(term, expected):
    r = one(term, constants={"c": 1.0})
    np.testing.assert_allclose(r, expected, atol=1e-12)


def test_the_inequality_loss_is_the_pointwise_loss_of_the_violation():
    term = pj.Inequality("u_xx", pj.Given(X5), lower=-1, upper=2, loss="mae")
    problem = pj.Problem(pj.Interval(-1.0, 1.0), ("u",), [term], transform=CUBIC)
    _, compiled, params, batch = residuals(problem)
    loss = compiled.term_loss(compiled.terms[0], params, batch[term.name])
    assert float(loss) == pytest.approx((5 + 2 + 0 + 1 + 4) / 5, abs=1e-12)


@pytest.mark.parametrize("make, message", [
    (lambda: pj.Inequality("u_xx", 10), "an inequality needs lower and/or upper, e.g. lower=0"),
    (lambda: pj.Inequality("u_xx", 10, lower=2, upper=1), "Inequality.lower = 2.0 is above Inequality.upper = 1.0"),
    (lambda: pj.Inequality("u_xx >= 0", 10, lower=1), "give its bounds in the text or as lower=/upper=, not both"),
    (lambda: pj.Inequality("1 <= u_xx >= 0", 10), "mixes < and >"),
    (lambda: pj.Inequality("0 <= 1", 10), "compares two numbers"),
    (lambda: pj.Inequality("u", 10, lower=float("nan")), "Inequality.lower must be a finite number"),
])
def test_bad_inequalities_say_what_to_write(make, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        make()


def test_text_bounds_in_the_wrong_order_are_refused_when_bound():
    term = pj.Inequality("u", 10, lower="c", upper=0.0)
    with pytest.raises(ValueError, match="is above Inequality.upper"):
        pj.Problem(pj.Interval(0.0, 1.0), ("u",), [term], constants={"c": 1.0}).bind()


YAML = """\
name: t
dtype: float64
domain:
  geometry: {type: interval, min: -1.0, max: 1.0}
fields: [u]
transform: {u: "x**3 - x"}
terms:
  - TERM
network: {type: mlp, width: 4, depth: 1}
training:
  phases:
    - {type: adam, steps: 1}
"""


def built(term_text):
    return build_experiment(parse_yaml(YAML.replace("TERM", term_text)))


def test_the_compact_yaml_form_builds_the_same_term():
    compact = built('{type: inequality, constraint: "-1 <= u_xx <= 2", points: {n: 64}}').problem
    long = built("{type: inequality, expression: u_xx, lower: -1, upper: 2.0, points: {n: 64}}").problem
    a, b = compact.terms[0], long.terms[0]
    assert (a.expression, a.lower, a.upper, a.name) == (b.expression, b.lower, b.upper, b.name) == (
        "u_xx", -1.0, 2.0, "inequality_u_xx")
    assert a.points == b.points == pj.Sample(64, "interior")
    ra, rb = residuals(compact)[0]["inequality_u_xx"], residuals(long)[0]["inequality_u_xx"]
    np.testing.assert_array_equal(ra, rb)
    x = residuals(compact)[3]["inequality_u_xx"]["x"][:, 0]
    np.testing.assert_allclose(ra, np.minimum(0, 6 * x + 1) + np.maximum(0, 6 * x - 2), atol=1e-12)
    assert built('{type: inequality, constraint: "u_xx >= 0"}').problem.terms[0].lower == 0.0


@pytest.mark.parametrize("term, path, message", [
    ('{type: inequality, constraint: "u_xx"}', "terms[0].constraint", "has no comparison (<= or >=); write it as"),
    ('{type: inequality, constraint: "u_xx >= 0", lower: 1}', "terms[0].constraint", "not both; remove lower"),
    ("{type: inequality, expression: u_xx}", "terms[0]", "an inequality needs lower and/or upper"),
    ("{type: inequality, lower: 0}", "terms[0]", "needs expression (with lower and/or upper) or constraint"),
    ("{type: inequality, expression: u_xx, lower: 3, upper: 1}", "terms[0].lower", "lower = 3.0 is above upper"),
    ("{type: inequality, expression: v_xx, lower: 0}", "terms[0].expression", "unknown name 'v_xx'"),
    ('{type: inequality, constraint: "u_xx >= cc"}', "terms[0].constraint", "unknown name 'cc'"),
    ("{type: integral, integrand: u, value: 1, over: lft}", "terms[0].over", "Did you mean 'left'?"),
    ("{type: integral, integrand: u, value: 1, order: 0}", "terms[0].order", "expected a positive integer"),
    ("{type: integral, integrand: u, value: 1, quadrature: simpson}", "terms[0].quadrature", "Valid: gauss, qmc"),
    ("{type: integral, integrand: u, value: 1, per_time: true}", "terms[0].per_time", "needs a time coordinate"),
    ("{type: integral, integrand: u, value: initial}", "terms[0].value", "needs per_time=True"),
    ("{type: integral, integrand: u, value: mass}", "terms[0].value", "unknown name 'mass'"),
    ("{type: integral, integrand: w, value: 1}", "terms[0].integrand", "unknown name 'w'"),
])
def test_bad_constraint_configs_name_the_key_and_the_fix(term, path, message):
    with pytest.raises(ConfigError) as err:
        built(term)
    assert err.value.path == path and message in err.value.detail, (err.value.path, err.value.detail)


def test_gauss_on_a_disk_is_refused_with_the_fix():
    text = YAML.replace("{type: interval, min: -1.0, max: 1.0}", "{type: disk, center: [0, 0], radius: 1}")
    text = text.replace('transform: {u: "x**3 - x"}\n', "")
    with pytest.raises(ConfigError, match="use quadrature='qmc'") as err:
        build_experiment(parse_yaml(text.replace("TERM", "{type: integral, integrand: u, value: 1}")))
    assert err.value.path == "terms[0]"
    with pytest.raises(ValueError, match="Integral.quadrature 'gauss' .* needs an Interval, Rectangle or Box"):
        pj.Problem(pj.Disk((0.0, 0.0), 1.0), ("u",), [pj.Integral("u", 1.0)])


def test_the_new_terms_are_listed():
    from pinnjax.config import describe_components
    text = describe_components()
    assert "inequality" in text and "integral" in text and "order: int > 0, at most 1024 = 32" in text


# ---------------------------------------------------------------- integral
def integral_of(integrand, domain, transform=None, **kw):
    """The value of ∫ integrand (the residual of ``= 0``), one per time slice."""
    term = pj.Integral(integrand, 0.0, **kw)
    r = residuals(pj.Problem(domain, ("u",), [term], transform=transform))[0][term.name]
    return r.reshape(term.points.slices, -1)[:, 0]


def test_gauss_legendre_is_accurate_on_intervals_boxes_and_their_faces():
    sine = lambda x, y: jnp.stack([jnp.sin(jnp.pi * x[0])])
    assert abs(integral_of("u", pj.Interval(0.0, 1.0), sine)[0] - 2 / math.pi) < 1e-12
    rect = pj.Rectangle((0.0, 0.0), (1.0, 2.0))
    assert abs(integral_of("x**2*y", rect)[0] - 2 / 3) < 1e-12
    assert abs(integral_of("x**2*y", rect, order=2)[0] - 2 / 3) < 1e-12  # degree <= 2n - 1: exact
    assert abs(integral_of("x**2", rect, over="top")[0] - 1 / 3) < 1e-12
    assert abs(integral_of("1", rect, over="boundary")[0] - 6.0) < 1e-12  # the perimeter
    # divergence theorem: ∮ u_n ds = ∫ Δu dA = 4 · area for u = x² + y²
    square = lambda x, y: jnp.stack([x[0] ** 2 + x[1] ** 2])
    assert abs(integral_of("u_n", rect, square, over="boundary")[0] - 8.0) < 1e-12
    box = pj.Box((0.0, 0.0, 0.0), (1.0, 1.0, 1.0))
    assert abs(integral_of("x*y*z", box, order=4)[0] - 1 / 8) < 1e-12
    assert abs(integral_of("u", pj.Interval(0.0, 1.0), sine, over="right")[0]) < 1e-12  # a point: u(1)


def test_qmc_integrates_over_a_disk_and_an_l_shape():
    disk = pj.Disk((0.0, 0.0), 1.0)
    assert abs(integral_of("1", disk, quadrature="qmc")[0] - math.pi) < 1e-2
    assert abs(integral_of("x**2 + y**2", disk, quadrature="qmc")[0] - math.pi / 2) < 1e-2
    assert abs(integral_of("1", pj.lshape(), quadrature="qmc")[0] - 3.0) < 1e-2
    assert abs(integral_of("x**2", pj.lshape(), quadrature="qmc")[0] - 1.0) < 1e-2
    assert abs(integral_of("x**2", disk, quadrature="qmc", over="circle")[0] - math.pi) < 2e-2


@pytest.mark.slow
def test_space_time_integrals_and_mass_conservation_per_time():
    domain = pj.SpaceTime(pj.Interval(0.0, 1.0), 0.0, 1.0)
    assert abs(integral_of("x*t", domain)[0] - 1 / 4) < 1e-12
    steady = lambda x, y: jnp.stack([jnp.sin(jnp.pi * x[0])])
    growing = lambda x, y: jnp.stack([(1 + x[1]) * jnp.sin(jnp.pi * x[0])])
    assert abs(integral_of("u", domain, growing, over="initial")[0] - 2 / math.pi) < 1e-12
    assert abs(integral_of("u", domain, growing, over="final")[0] - 4 / math.pi) < 1e-12
    for transform, factor in ((steady, 0.0), (growing, 1.0)):
        term = pj.Integral("u", "initial", per_time=True, n_times=5)
        r = residuals(pj.Problem(domain, ("u",), [term], transform=transform))[0][term.name]
        per_time = r.reshape(5, -1)
        assert np.all(per_time == per_time[:, :1])  # one residual per time, on each of its nodes
        np.testing.assert_allclose(per_time[:, 0], factor * np.linspace(0, 1, 5) * 2 / math.pi, atol=1e-12)
    mass = pj.Integral("u", "2*m", per_time=True, n_times=3, quadrature="qmc", qmc_points=512)
    r = residuals(pj.Problem(domain, ("u",), [mass], transform=steady, constants={"m": 1 / math.pi}))[0]
    assert np.max(np.abs(r["integral_u"])) < 1e-2


def test_nodes_padded_for_devices_keep_the_integral_and_the_time_blocks():
    domain = pj.SpaceTime(pj.Interval(0.0, 1.0), 0.0, 2.0)
    for rule in (pj.Quadrature(order=5), pj.Quadrature(order=5, per_time=True, n_times=4)):
        plain = rule.draw(domain, np.random.default_rng(0))
        padded = rule.draw(domain, np.random.default_rng(0), multiple_of=3)
        assert len(padded["x"]) % 3 == 0 and len(padded["x"]) > len(plain["x"])
        blocks = rule.slices
        np.testing.assert_allclose(padded["w"].reshape(blocks, -1).sum(1), plain["w"].reshape(blocks, -1).sum(1))
        assert np.all(domain.inside(padded["x"]))
    per_time = pj.Quadrature(order=5, per_time=True, n_times=4).draw(domain, None, multiple_of=3)
    np.testing.assert_array_equal(np.unique(per_time["x"][:, 1]), np.linspace(0.0, 2.0, 4))


@pytest.mark.parametrize("make, message", [
    (lambda: pj.Integral("u", 1.0, order=0), "Integral.order must be an integer in [1, 1024], got 0"),
    (lambda: pj.Integral("u", 1.0, quadrature="simpson"), "Integral.quadrature must be one of gauss, qmc"),
    (lambda: pj.Integral("u", "initial"), "needs per_time=True"),
    (lambda: pj.Integral("u", float("inf")), "Integral.value must be a finite number"),
    (lambda: pj.Problem(pj.Interval(0.0, 1.0), ("u",), [pj.Integral("u", 1.0, over="lft")]),
     "Integral.over 'lft' is not a part of the domain (Interval); use one of: interior, boundary, left, right"),
    (lambda: pj.Problem(pj.Interval(0.0, 1.0), ("u",), [pj.Integral("u", 1.0, per_time=True)]),
     "make the domain a pinnjax.SpaceTime"),
    (lambda: pj.Problem(pj.SpaceTime(pj.Interval(0.0, 1.0), 0.0, 1.0), ("u",),
                        [pj.Integral("u", 1.0, over="initial", per_time=True)]), "is one time"),
    (lambda: pj.Problem(pj.Box((0, 0, 0), (1, 1, 1)), ("u",), [pj.Integral("u", 1.0, order=200)]),
     "lower the order"),
])
def test_bad_integrals_name_the_parameter_and_the_fix(make, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        make()


# ---------------------------------------------------------------- training
def test_training_normalizes_the_field_and_traces_the_step_once(loss_traces):
    # u'' = 0 (lines) with ∫ u² = 1 and u >= 0: u = 1 is one solution.
    domain = pj.Interval(0.0, 1.0)
    terms = [pj.PDE("u_xx", 64), pj.Integral("u**2", 1.0, order=16, name="norm"),
             pj.Inequality("u >= 0", 32)]
    problem = pj.Problem(domain, ("u",), terms)
    seen = []
    result = pj.solve(problem, pj.MLP(1, 1, 8, 1, key=jax.random.PRNGKey(0)), [pj.Adam(200, learning_rate=1e-2)],
                      chunk=50, resample_every=100, callback=lambda info: seen.append(len(loss_traces)))
    assert seen == [1, 1, 1, 1]  # traced once, before the first chunk; resampling keeps the quadrature
    f = jax.vmap(result.compiled.field_function(result.params))
    z, w = np.polynomial.legendre.leggauss(32)
    x = jnp.asarray((z + 1) / 2, jnp.float32)[:, None]
    norm = float(np.sum(w / 2 * np.asarray(f(x)[:, 0], np.float64) ** 2))
    assert abs(norm - 1.0) < 1e-2, norm
    assert result.final_losses["norm"] < 1e-4
