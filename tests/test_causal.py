"""Causal weighting of a residual over time: the weights against a hand computation, no
gradient through them, the ε schedule between chunks without retracing, YAML."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import pinnjax as pj
from pinnjax.problem.causal import Causal


def test_slice_losses_and_weights_are_the_published_formula():
    # 4 slices of [0, 2]; two points per slice with pointwise losses (1, 3), (2, 2), (0, 4), (5, 5)
    c = Causal(slices=4, epsilon=0.5)
    t = jnp.array([0.1, 0.2, 0.6, 0.9, 1.1, 1.4, 1.6, 2.0])
    pointwise = jnp.array([1.0, 3.0, 2.0, 2.0, 0.0, 4.0, 5.0, 5.0])
    losses = c.slice_losses(pointwise, t, 0.0, 2.0)
    np.testing.assert_allclose(losses, [2.0, 2.0, 2.0, 5.0])
    w = c.weights(losses, 0.5)
    np.testing.assert_allclose(w, np.exp(-0.5 * np.array([0.0, 2.0, 4.0, 6.0])), rtol=1e-6)
    batch = {"x": jnp.stack([jnp.zeros(8), t], axis=1), "epsilon": jnp.asarray(0.5)}
    loss = c.reduce(pointwise, batch, 0.0, 2.0)
    assert float(loss) == pytest.approx(float(np.mean(np.asarray(w) * [2, 2, 2, 5])), rel=1e-6)
    # no gradient through the weights: d loss / d pointwise_p = w_slice(p) / (slices x points in the slice)
    grad = jax.grad(lambda p: c.reduce(p, batch, 0.0, 2.0))(pointwise)
    np.testing.assert_allclose(grad, np.repeat(np.asarray(w), 2) / (4 * 2), rtol=1e-6)
    assert float(c.min_weight(pointwise, batch, 0.0, 2.0)) == pytest.approx(np.exp(-3.0), rel=1e-6)


def test_the_schedule_tightens_epsilon_only_when_every_slice_is_trained():
    c = Causal(epsilon=1.0, tol=0.99, factor=10.0, max_epsilon=100.0)
    assert c.next_epsilon(1.0, 0.5) == 1.0  # late slices still waiting: keep ε
    assert c.next_epsilon(1.0, 0.995) == 10.0
    assert c.next_epsilon(10.0, 0.999) == 100.0 and c.next_epsilon(100.0, 0.999) == 100.0
    with pytest.raises(ValueError, match=r"Causal.slices must be an integer >= 2"):
        Causal(slices=1)
    with pytest.raises(ValueError, match=r"Causal.max_epsilon \(0.5\) must be >= epsilon \(1.0\)"):
        Causal(epsilon=1.0, max_epsilon=0.5)
    with pytest.raises(TypeError, match="PDE.causal must be a pinnjax.Causal"):
        pj.PDE("u_t - u_xx", causal={"slices": 8})


def heat(causal):
    domain = pj.SpaceTime(pj.Interval(0.0, 1.0), 0.0, 1.0)
    return pj.Problem(domain, ("u",), [
        pj.PDE("u_t - 0.1*u_xx", 256, causal=causal), pj.Dirichlet("u", 0.0, points=32),
        pj.Initial("u", "sin(pi*x)", points=64)])


@pytest.mark.slow
def test_causal_training_advances_epsilon_between_chunks_without_retracing(loss_traces):
    causal = Causal(slices=8, epsilon=1e-3, tol=0.5, factor=10.0, max_epsilon=1.0, every=100)
    net = pj.MLP(2, 1, 16, 2, key=jax.random.PRNGKey(0))
    result = pj.solve(heat(causal), net, [pj.Adam(400, 1e-2)], dtype="float64", chunk=50, resample_every=200)
    assert len(loss_traces) == 1  # one compiled step: ε is an argument, its changes are not retraced
    eps, lowest = (np.asarray(result.history.weights[k]) for k in ("pde:epsilon", "pde:causal_min"))
    checked = np.flatnonzero(~np.isnan(eps))
    assert checked.tolist() == [99, 199, 299, 399]
    # each check multiplies ε by 10 (capped at 1) when the smallest slice weight exceeded 0.5
    expected, now = [], 1e-3
    for m in lowest[checked]:
        now = min(now * 10, 1.0) if m > 0.5 else now
        expected.append(now)
    np.testing.assert_allclose(eps[checked], expected)
    assert expected[0] == 1e-2 and expected[-1] > expected[0]  # ε did advance (measured 1e-2, 0.1, 1, 1)
    assert float(result.state.host_batch["pde"]["epsilon"]) == expected[-1]  # kept across the resample at 200
    with jax.enable_x64(True):
        compiled, _ = pj.compile_problem(heat(causal), net)
        again = compiled.causal_min_weights(result.params, result.state.host_batch)
    assert 0 < float(again["pde"]) <= 1


def test_causal_needs_time_and_yaml_builds_it(tmp_path, capsys):
    from pinnjax.cli import main
    from pinnjax.config import build_experiment, load_config

    with pytest.raises(ValueError, match=r"\['pde'\] use causal weighting, which needs a time coordinate"):
        pj.compile_problem(pj.Problem(pj.Interval(0.0, 1.0), ("u",), [pj.PDE("u_xx", 16, causal=Causal())]),
                           pj.MLP(1, 1, 4, 1, key=jax.random.PRNGKey(0)))
    text = """\
name: causal_heat
domain: {geometry: {type: interval, min: 0.0, max: 1.0}, time: [0.0, 1.0]}
fields: [u]
terms:
  - {type: pde, residual: "u_t - 0.1*u_xx", points: 128, causal: CAUSAL}
  - {type: initial, field: u, value: "sin(pi*x)", points: 32}
network: {type: mlp, width: 8, depth: 1}
training: {phases: [{type: adam, steps: 10}]}
"""
    path = tmp_path / "c.yaml"
    path.write_text(text.replace("CAUSAL", "{slices: 16}"))
    exp = build_experiment(load_config(path))
    assert exp.problem.terms[0].causal == Causal(slices=16)
    for bad, key in (("{slices: 1}", "terms[0].causal"), ("{epsilon: -1}", "terms[0].causal.epsilon"),
                     ("{slice: 8}", "terms[0].causal")):
        path.write_text(text.replace("CAUSAL", bad))
        assert main(["validate", str(path)]) == 2
        err = capsys.readouterr().err
        assert key in err and "Traceback" not in err
    path.write_text(text.replace("CAUSAL", "{slices: 8}").replace(", time: [0.0, 1.0]", "").replace(
        "  - {type: initial, field: u, value: \"sin(pi*x)\", points: 32}\n", ""))
    assert main(["validate", str(path)]) == 2
    assert "causal weighting orders the residual in time: add domain.time" in capsys.readouterr().err
