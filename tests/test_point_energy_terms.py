"""Point constraints (fixed and trainable points) and energy terms (per point, pairs, sites),
against hand computations on fields made exact by the output transform."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import pinnjax as pj
from pinnjax.config import ConfigError, build_experiment
from pinnjax.config.loader import parse_yaml


def _losses(problem, coefficients=None, seed=0):
    """(per-term losses, d total / d raw coefficients) at the initial parameters."""
    net = pj.MLP(len(problem.coordinates), len(problem.fields), 8, 2, key=jax.random.key(seed), dtype=jnp.float64)
    compiled, arrays = pj.compile_problem(problem, net)
    coeffs = problem.initial_coefficients(jnp.float64)
    params = {"net": arrays, "coefficients": coeffs}
    batch = jax.tree_util.tree_map(jnp.asarray, compiled.draw_batch(np.random.default_rng(seed)))
    weights = compiled.initial_weights(jnp.float64)
    (_, losses), grads = jax.value_and_grad(compiled.loss_fn, has_aux=True)(params, batch, weights)
    return {k: float(v) for k, v in losses.items()}, grads


def cubic(x, y):  # E(V) = V^3 whatever the network
    return jnp.atleast_1d(x[0] ** 3 + 0.0 * y[0])


# ---------------------------------------------------------------- point constraints
@pytest.mark.slow
def test_a_point_on_a_trainable_coordinate_matches_the_hand_value_and_gradient():
    with jax.enable_x64(True):
        problem = pj.Problem(pj.Interval(0.5, 2.0, coordinates=("V",)), ("E",),
                             [pj.Point("V*E_VV", at={"V": "V0"}, value="B0", name="bulk"),
                              pj.Point("E_V", at=[{"V": 1.0}, {"V": 1.5}], value=1.0, name="slopes")],
                             constants={"B0": 3.0}, coefficients={"V0": 1.2}, transform=cubic)
        losses, grads = _losses(problem)
    r = 6 * 1.2**2 - 3.0  # V * 6V - B0 at V0 = 1.2
    assert losses["bulk"] == pytest.approx(r**2, rel=1e-12)
    assert losses["slopes"] == pytest.approx(((3 * 1.0 - 1) ** 2 + (3 * 1.5**2 - 1) ** 2) / 2, rel=1e-12)
    # the gradient reaches V0 through the point: d r^2 / d V0 = 2 r * 12 V0
    assert float(grads["coefficients"]["V0"]) == pytest.approx(2 * r * 12 * 1.2, rel=1e-10)


def test_a_space_time_point_may_move_in_time_only():
    def field(x, y):
        return jnp.atleast_1d(jnp.sin(x[0]) * x[1] ** 2 + 0.0 * y[0])

    with jax.enable_x64(True):
        problem = pj.Problem(pj.SpaceTime(pj.Interval(0.0, 2.0), 0.0, 1.0), ("u",),
                             [pj.Point("u_t", at={"x": 0.5, "t": "tau"}, value=0.3)],
                             coefficients={"tau": 0.6}, transform=field)
        losses, grads = _losses(problem)
    r = 2 * np.sin(0.5) * 0.6 - 0.3
    assert losses["point_u_t"] == pytest.approx(r**2, rel=1e-12)
    assert float(grads["coefficients"]["tau"]) == pytest.approx(2 * r * 2 * np.sin(0.5), rel=1e-10)


@pytest.mark.parametrize("at, message", [
    ({"V": 1.0, "W": 2.0}, "names 'W', which is not a coordinate"),
    ({"x": 1.0}, "names 'x'"),
    ({"V": 3.0}, r"at\[0\].V = 3 .* lies outside the domain's range \[0.5, 2\]"),
    ([{"V": 1.0}, {}], r"at\[1\] must be a mapping"),
    ({"V": float("nan")}, "must be a finite number or the name"),
    ({"V": "1+V0"}, "give a number or the name of a constant or coefficient"),
])
def test_bad_points_are_refused_with_the_fix(at, message):
    with pytest.raises((ValueError, TypeError), match=message):
        pj.Problem(pj.Interval(0.5, 2.0, coordinates=("V",)), ("E",), [pj.Point("E_V", at=at)])


def test_a_point_naming_an_unknown_coefficient_says_which():
    problem = pj.Problem(pj.Interval(0.5, 2.0, coordinates=("V",)), ("E",), [pj.Point("E_V", at={"V": "V1"})],
                         coefficients={"V0": 1.0})
    with pytest.raises(ValueError, match="reads 'V1', which is neither a constant nor a coefficient; known: V0"):
        problem.bind()


@pytest.mark.slow
def test_training_moves_a_trainable_point_to_the_minimum_of_the_fitted_curve():
    """Data of E = (V - 1.3)^2 and zero slope at V0: V0 must settle at the minimum, 1.3."""
    v = np.linspace(0.6, 2.0, 15)
    with jax.enable_x64(True):
        problem = pj.Problem(pj.Interval(0.5, 2.0, coordinates=("V",)), ("E",),
                             [pj.Data("E", pj.Given(v, (v - 1.3) ** 2)), pj.Point("E_V", at={"V": "V0"})],
                             coefficients={"V0": pj.Coefficient(1.0, bounds=(0.5, 2.0))})
        result = pj.solve(problem, pj.MLP(1, 1, 16, 2, key=jax.random.key(1), dtype=jnp.float64),
                          [pj.Adam(1500, 1e-2), pj.BFGS(300)], dtype="float64")
    # a 15-point fit of a parabola by a small network: its minimum is resolved to ~1e-3
    assert result.coefficients["V0"] == pytest.approx(1.3, abs=5e-3)


# ---------------------------------------------------------------- energies
S = np.array([0.0, 0.25, 1.0])
Q = np.array([1.0, -1.0, 2.0])


def atoms(x, y):  # X = 2 s, whatever the network
    return jnp.atleast_1d(2 * x[0] + 0.0 * y[0])


def test_a_per_point_energy_is_the_sum_or_mean_of_its_values():
    with jax.enable_x64(True):
        problem = pj.Problem(pj.Interval(0.0, 1.0, coordinates=("s",)), ("X",),
                             [pj.Energy("q*X**2", pj.Given(S, Q), columns="q", name="total"),
                              pj.Energy("X", pj.Given(S), reduce="mean", name="mean")], transform=atoms)
        losses, _ = _losses(problem)
    assert losses["total"] == pytest.approx(np.sum(Q * (2 * S) ** 2), rel=1e-12)
    assert losses["mean"] == pytest.approx(np.mean(2 * S), rel=1e-12)


def test_a_pair_energy_sums_over_distinct_pairs_and_keeps_a_finite_gradient():
    with jax.enable_x64(True):
        problem = pj.Problem(pj.Interval(0.0, 1.0, coordinates=("s",)), ("X",),
                             [pj.Energy("q_1*q_2/r", pj.Given(S, Q), columns="q", pairs=True, distance="X")],
                             transform=lambda x, y: jnp.atleast_1d(2 * x[0] + 0.1 * y[0]))
        net = pj.MLP(1, 1, 8, 2, key=jax.random.key(0), dtype=jnp.float64)
        compiled, arrays = pj.compile_problem(problem, net)
        params = {"net": arrays, "coefficients": {}}
        batch = jax.tree_util.tree_map(jnp.asarray, compiled.draw_batch(np.random.default_rng(0)))
        (_, losses), grads = jax.value_and_grad(compiled.loss_fn, has_aux=True)(
            params, batch, compiled.initial_weights(jnp.float64))
        x = np.array(jax.vmap(compiled.field_function(params))(jnp.asarray(S[:, None])))[:, 0]
    hand = sum(Q[i] * Q[j] / abs(x[i] - x[j]) for i in range(3) for j in range(i + 1, 3))
    assert float(losses["energy"]) == pytest.approx(hand, rel=1e-12)
    assert all(np.all(np.isfinite(g)) for g in jax.tree_util.tree_leaves(grads))


def test_an_energy_against_fixed_sites_and_a_python_pair_function():
    sites = {"X": [0.7, 3.0], "Q": [2.0, -1.0]}
    with jax.enable_x64(True):
        problem = pj.Problem(pj.Interval(0.0, 1.0, coordinates=("s",)), ("X",),
                             [pj.Energy("q_1*Q_2/r", pj.Given(S, Q), columns="q", sites=sites, distance="X",
                                        name="coulomb"),
                              pj.Energy(lambda X_1, X_2: (X_1 - X_2) ** 2, pj.Given(S), pairs=True, name="spread")],
                             transform=atoms)
        losses, _ = _losses(problem)
    x = 2 * S
    coulomb = sum(Q[i] * sites["Q"][k] / abs(x[i] - sites["X"][k]) for i in range(3) for k in range(2))
    assert losses["coulomb"] == pytest.approx(coulomb, rel=1e-12)
    assert losses["spread"] == pytest.approx(sum((x[i] - x[j]) ** 2 for i in range(3) for j in range(i + 1, 3)),
                                             rel=1e-12)


def test_an_energy_penalty_trades_against_the_data_as_the_closed_form_says():
    """mean (u - 1)^2 + w mean u^2 is least at u = 1 / (1 + w): w = 1 gives 0.5 everywhere."""
    x = np.linspace(0.0, 1.0, 9)
    with jax.enable_x64(True):
        problem = pj.Problem(pj.Interval(0.0, 1.0), ("u",),
                             [pj.Data("u", pj.Given(x, np.ones_like(x))),
                              pj.Energy("u**2", pj.Given(x), reduce="mean", weight=1.0)])
        result = pj.solve(problem, pj.MLP(1, 1, 8, 2, key=jax.random.key(0), dtype=jnp.float64), [pj.Adam(400, 1e-2), pj.BFGS(100)],
                          dtype="float64")
        u = result.predict(x[:, None])["u"]
    np.testing.assert_allclose(u, 0.5, atol=1e-6)


@pytest.mark.parametrize("kwargs, message", [
    ({"pairs": True, "sites": {"X": [0.0]}}, "not both; use two Energy terms"),
    ({"distance": "X"}, "distance defines r between the two points of a pair"),
    ({"reduce": "max"}, "Energy.reduce must be one of sum, mean"),
    ({"columns": ("q", "p")}, r"names 2 column\(s\).*but the points carry 1"),
    ({"sites": {"X": [0.0, 1.0], "Q": [1.0]}}, "must have one length"),
])
def test_bad_energies_are_refused_with_the_fix(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        pj.Energy("X_1", pj.Given(S, Q), **kwargs)


def test_an_energy_reading_r_needs_a_distance_and_sites_must_hold_it():
    domain = pj.Interval(0.0, 1.0, coordinates=("s",))
    bare = pj.Problem(domain, ("X",), [pj.Energy("1/r", pj.Given(S), pairs=True)])
    with pytest.raises(ValueError, match="reads r; name the quantities it is the distance between"):
        bare.bind()
    lacking = pj.Problem(domain, ("X",), [pj.Energy("1/r", pj.Given(S), sites={"Y": [0.0]}, distance="X")])
    with pytest.raises(ValueError, match="distance of term 'energy' reads 'X', which its sites lack"):
        lacking.bind()


# ---------------------------------------------------------------- YAML
BASE = """
name: eos
domain: {geometry: {type: interval, min: 0.5, max: 2.0, coordinates: [V]}}
fields: [E]
coefficients: {V0: 1.2}
constants: {B0: 3.0}
network: {type: mlp, width: 8, depth: 2}
training: {phases: [{type: adam, steps: 5}]}
terms:
  - {type: point, name: pressure, expression: E_V, at: {V: V0}}
  - {type: point, name: bulk, expression: "V*E_VV", at: {V: V0}, value: B0}
  - {type: energy, name: pairs, energy: "q_1*q_2/r", table: {V: [0.6, 1.0, 1.9], q: [1, -1, 2]}, pairs: true,
     distance: [E]}
  - {type: energy, name: sites, energy: "E_1*Q_2", table: {V: [0.6, 1.0]}, sites: {E: [0.0, 1.0], Q: [1, 2]}}
"""


def test_yaml_point_and_energy_terms_build_with_their_keys():
    exp = build_experiment(parse_yaml(BASE))
    terms = {t.name: t for t in exp.problem.terms}
    assert isinstance(terms["pressure"], pj.Point) and terms["pressure"].at == ({"V": "V0"},)
    assert terms["pairs"].columns == ("q",) and terms["pairs"].pairs
    np.testing.assert_array_equal(terms["sites"].sites["Q"], [1.0, 2.0])


@pytest.mark.parametrize("old, new, where, message", [
    ("at: {V: V0}}", "at: {V: V1}}", "terms[0].at", "reads 'V1', which is neither a constant nor a coefficient"),
    ("at: {V: V0}}", "at: {W: 1.0}}", "terms[0].at", "names 'W', which is not a coordinate"),
    ("at: {V: V0}}", "at: 3}", "terms[0].at", "a point {coordinate: number or coefficient name}"),
    ("expression: E_V,", "expression: E_W,", "terms[0].expression", "unknown name 'E_W'"),
    ("table: {V: [0.6, 1.0, 1.9], q: [1, -1, 2]}", "table: {q: [1, -1, 2]}", "terms[2].table",
     "lacks the coordinate column"),
    ("pairs: true,\n", "pairs: true, points: 10,\n", "terms[2].table", "not both; remove points"),
    ("distance: [E]", "distance: [F]", "terms[2].distance", "reads 'F', which its points lack"),
    ("energy: \"q_1*q_2/r\"", "energy: \"q_1*p_2/r\"", "terms[2].energy", "unknown name 'p_2'"),
])
def test_yaml_point_and_energy_errors_name_the_key(old, new, where, message):
    assert old in BASE
    with pytest.raises(ConfigError, match=message) as err:
        build_experiment(parse_yaml(BASE.replace(old, new, 1)))
    assert err.value.path == where
