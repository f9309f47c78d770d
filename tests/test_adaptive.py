"""Residual-based adaptive sampling (RAD): the published density, points drawn where the
residual is large, no retracing, exact resume, YAML."""

import jax
import numpy as np
import pytest

import pinnjax as pj
from pinnjax.engine.compiled import compile_problem


def test_the_density_is_the_published_formula():
    r = np.array([0.0, 1.0, 3.0])  # mean |r| = 4/3
    rad = pj.RAD(k=1.0, c=1.0)
    density = r / (4 / 3) + 1.0
    np.testing.assert_allclose(rad.probabilities(r), density / density.sum())
    # k = 2 on vector residuals: the norm over components, squared
    r2 = np.array([[3.0, 4.0], [0.0, 0.0]])  # norms 5, 0
    np.testing.assert_allclose(pj.RAD(k=2.0, c=0.0).probabilities(r2), [1.0, 0.0])
    assert pj.RAD(k=1.0, c=0.0).probabilities(np.zeros(4)).tolist() == [0.25] * 4  # nothing to prefer: uniform
    chosen = pj.RAD(k=1.0, c=0.0).choose(np.random.default_rng(0), np.array([0.0, 0.0, 2.0, 1.0]), 2)
    assert sorted(chosen.tolist()) == [2, 3]  # zero-residual candidates are never drawn when c = 0
    with pytest.raises(ValueError, match=r"RAD.candidates must be an integer in \[1, 1000\]"):
        pj.RAD(candidates=0)
    with pytest.raises(ValueError, match="resample must be True"):
        pj.Sample(100, adaptive=pj.RAD(), resample=False)


def _bump_problem(adaptive):
    # u_x = f(x) with f a narrow bump at x = 0.7: an untrained network's residual u_x - f is
    # largest there, so adaptive points gather around it
    f = "50*exp(-((x - 0.7)/0.02)**2)"
    return pj.Problem(pj.Interval(0.0, 1.0), ("u",), [pj.PDE(f"u_x - {f}", pj.Sample(400, adaptive=adaptive))])


def test_adaptive_points_gather_where_the_residual_is_large():
    with jax.enable_x64(True):
        net = pj.MLP(1, 1, 8, 1, key=jax.random.PRNGKey(0), dtype=jax.numpy.float64)
        compiled, arrays = compile_problem(_bump_problem(pj.RAD(k=1.0, c=1.0, candidates=20)), net)
        params = {"net": arrays, "coefficients": {}}
        uniform = compiled.draw_batch(np.random.default_rng(0))["pde"]["x"][:, 0]
        adaptive = compiled.draw_batch(np.random.default_rng(0), params=params)["pde"]["x"][:, 0]
    near = lambda x: np.mean(np.abs(x - 0.7) < 0.05)
    assert adaptive.shape == uniform.shape == (400,)
    assert near(uniform) == pytest.approx(0.1, abs=0.03)  # 10% of [0, 1]
    # the bump holds ~1/2 of the residual's mass here, so with c = 1 about a quarter to a half
    # of the points land in the 10% around it (measured 0.35)
    assert near(adaptive) > 0.25


def test_adaptive_training_does_not_retrace_and_resumes_exactly(loss_traces):
    import copy

    problem = _bump_problem(pj.RAD())
    net = pj.MLP(1, 1, 8, 1, key=jax.random.PRNGKey(0))
    snapshots = []
    full = pj.solve(problem, net, [pj.Adam(300, 1e-2)], dtype="float64", chunk=50, resample_every=100,
                    callback=lambda i: snapshots.append(copy.deepcopy(i["state"])) if i["step"] == 150 else None)
    assert len(loss_traces) == 1  # redrawn twice, adaptively: the same compiled step
    resumed = pj.solve(problem, net, [pj.Adam(300, 1e-2)], dtype="float64", chunk=50, resample_every=100,
                       resume=snapshots[0])
    assert resumed.history.total == full.history.total
    np.testing.assert_array_equal(resumed.state.host_batch["pde"]["x"], full.state.host_batch["pde"]["x"])
    with pytest.raises(ValueError, match=r"\['pde'\] sample adaptively.*set resample_every"):
        pj.solve(problem, net, [pj.Adam(10)])


def test_yaml_adaptive_points(tmp_path, capsys):
    from pinnjax.cli import main
    from pinnjax.config import build_experiment, load_config

    text = """\
name: rad
domain: {geometry: {type: interval, min: 0.0, max: 1.0}}
fields: [u]
terms: [{type: pde, residual: "u_xx + 1", points: {n: 64, adaptive: ADAPTIVE}}]
network: {type: mlp, width: 8, depth: 1}
training: {phases: [{type: adam, steps: 10}], resample_every: 5}
"""
    path = tmp_path / "r.yaml"
    path.write_text(text.replace("ADAPTIVE", "{k: 2}"))
    assert build_experiment(load_config(path)).problem.terms[0].points.adaptive == pj.RAD(k=2.0)
    assert main(["run", str(path), "--out", str(tmp_path / "run"), "--quiet"]) == 0
    path.write_text(text.replace("ADAPTIVE", "{candidates: 0}"))
    assert main(["validate", str(path)]) == 2
    assert "terms[0].points.adaptive.candidates" in capsys.readouterr().err
