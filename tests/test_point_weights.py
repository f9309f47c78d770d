"""Self-adaptive per-point weights (SA-PINN / residual-based attention) and RAR-D: the
reduction and the update against a hand computation, the RBA bound, resets on redraw, no
retracing in training, RAR-D replacing exactly the lowest-residual points, YAML."""

import jax
import numpy as np
import pytest

import pinnjax as pj
from pinnjax.engine.compiled import compile_problem
from pinnjax.problem.point_weights import next_weights, per_point, weighted_loss

YAML = """\
name: pw
domain: {geometry: {type: interval, min: 0.0, max: 1.0}}
fields: [u]
terms:
  - {type: pde, residual: "u_xx + 1", points: POINTS, point_weights: WEIGHTS}
  - {type: dirichlet, field: u, points: 8, point_weights: {lr: 0.5}}
network: {type: mlp, width: 8, depth: 1}
training: {phases: [{type: adam, steps: 10}], resample_every: 5}
"""


def test_the_reduction_and_the_update_are_the_published_formulas():
    pointwise = np.array([[1.0, 3.0], [4.0, 4.0], [0.0, 0.0]])  # l = 2, 4, 0 (mean over components)
    lam = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(per_point(pointwise), [2.0, 4.0, 0.0])
    assert float(weighted_loss(pointwise, lam)) == pytest.approx((1 * 2 + 2 * 4 + 3 * 0) / 3)
    # s = sqrt(l) = (√2, 2, 0), normalized by max s = 2: λ <- 0.5 λ + 0.1 s / 2
    new = next_weights(lam, np.array([2.0, 4.0, 0.0]), lr=0.1, decay=0.5)
    np.testing.assert_allclose(new, [0.5 + 0.1 * np.sqrt(2) / 2, 1.0 + 0.1, 1.5])
    assert new.dtype == lam.dtype
    assert pj.PointWeights(lr=0.1, decay=0.5).update(lam, np.array([2.0, 4.0, 0.0])).tolist() == new.tolist()
    # nothing to prefer (all zero, or non-finite): only the decay acts
    np.testing.assert_allclose(next_weights(lam, np.array([0.0, np.nan, 0.0]), 0.1, 0.5), lam / 2)


def test_weights_stay_below_lr_over_one_minus_decay_and_grow_without_decay():
    rng = np.random.default_rng(0)
    rba, sa = pj.PointWeights(lr=0.5, decay=0.9), pj.PointWeights(lr=0.5, decay=1.0)
    assert rba.bound == pytest.approx(5.0) and sa.bound == np.inf
    lam_rba = lam_sa = rba.initial(50, np.float64)
    for _ in range(500):
        losses = rng.uniform(0, 1, 50) ** 4
        losses[7] = 2.0  # point 7 always has the largest residual
        lam_rba, lam_sa = rba.update(lam_rba, losses), sa.update(lam_sa, losses)
        assert lam_rba.max() <= max(1.0, rba.bound) + 1e-12
    assert lam_rba[7] == pytest.approx(rba.bound, rel=1e-9)  # 5 (1 - 0.9^500) + 0.9^500
    assert lam_sa[7] == pytest.approx(1 + 500 * 0.5) and lam_sa.min() >= 1.0  # min-max: ascent only


def test_bad_values_are_refused_with_the_fix():
    for kwargs, message in (({"lr": 0}, r"PointWeights.lr must be a number in \(0, 1000\]"),
                            ({"decay": 2}, r"PointWeights.decay must be a number in \[0, 1\].*got 2"),
                            ({"every": 0}, r"PointWeights.every must be an integer >= 1"),
                            ({"every": 2.5}, r"PointWeights.every must be an integer >= 1"),
                            ({"lr": True}, r"PointWeights.lr must be")):
        with pytest.raises(ValueError, match=message):
            pj.PointWeights(**kwargs)
    with pytest.raises(TypeError, match=r"PDE.point_weights must be a pinnjax.PointWeights"):
        pj.PDE("u_xx", point_weights={"lr": 0.1})
    with pytest.raises(TypeError, match=r"Dirichlet.point_weights must be a pinnjax.PointWeights"):
        pj.Dirichlet("u", point_weights=0.1)
    with pytest.raises(ValueError, match=r"RARD.replace must be a fraction in \(0, 1\].*got 1.5"):
        pj.RARD(replace=1.5)
    with pytest.raises(TypeError, match="RAD\\(k=1, c=1\\), a pinnjax.RARD"):
        pj.Sample(10, adaptive="rard")


def _compiled(problem):
    net = pj.MLP(1, 1, 8, 1, key=jax.random.PRNGKey(0), dtype=jax.numpy.float64)
    compiled, arrays = compile_problem(problem, net)
    return compiled, {"net": arrays, "coefficients": {}}


def test_the_term_loss_is_weighted_and_weights_reset_when_points_are_redrawn():
    weights = pj.PointWeights()
    problem = pj.Problem(pj.Interval(0.0, 1.0), ("u",), [
        pj.PDE("u_xx + 1", 16, point_weights=weights),
        pj.Dirichlet("u", 0.0, points=pj.Sample(4, "boundary", resample=False), point_weights=weights)])
    with jax.enable_x64(True):
        compiled, params = _compiled(problem)
        first = compiled.draw_batch(np.random.default_rng(0))
        assert first["pde"]["point_weights"].tolist() == [1.0] * 16
        batch = {**first["pde"], "point_weights": np.linspace(0, 2, 16)}
        r = np.asarray(compiled.term_residual(compiled.terms[0], params, batch))
        loss = compiled.term_loss(compiled.terms[0], params, batch)
        assert float(loss) == pytest.approx(np.mean(np.linspace(0, 2, 16) * r ** 2), rel=1e-12)
        previous = {k: {**b, "point_weights": np.full(len(b["x"]), 3.0)} for k, b in first.items()}
        again = compiled.draw_batch(np.random.default_rng(1), previous)
    assert again["pde"]["point_weights"].tolist() == [1.0] * 16  # new points: weights back to 1
    assert not np.array_equal(again["pde"]["x"], first["pde"]["x"])
    assert again["dirichlet_boundary_u"]["point_weights"].tolist() == [3.0] * 4  # not resampled: kept


def test_training_updates_weights_between_chunks_without_retracing(loss_traces):
    domain = pj.SpaceTime(pj.Interval(0.0, 1.0), 0.0, 1.0)
    weights = pj.PointWeights(lr=0.05, decay=0.99, every=10)
    problem = pj.Problem(domain, ("u",), [
        pj.PDE("u_t - 0.1*u_xx", 256, point_weights=weights), pj.Dirichlet("u", 0.0, on="left", points=32),
        pj.Initial("u", "x*(2 - x)", points=64, point_weights=pj.PointWeights(lr=0.1, decay=1.0, every=20))])
    net = pj.MLP(2, 1, 16, 2, key=jax.random.PRNGKey(0))
    result = pj.solve(problem, net, [pj.Adam(200, 1e-2)], dtype="float64", chunk=50, resample_every=100)
    assert len(loss_traces) == 1  # λ is an argument of the one compiled step
    mean, top = (np.asarray(result.history.weights[f"pde:{k}"]) for k in ("weights_mean", "weights_max"))
    checked = np.flatnonzero(~np.isnan(mean))
    assert checked.tolist() == list(range(9, 200, 10))
    assert np.all(top[checked] >= mean[checked]) and np.all(top[checked] <= weights.bound)
    # after 10 updates from 1 the worst point gained weight; redrawn at step 100, it starts again from 1
    # and one update later λ <= 0.99 + 0.05 (measured: max 1.35 at step 100, 1.04 at step 110)
    assert top[99] > 1.2 and top[109] <= 0.99 + 0.05 + 1e-12
    initial = np.asarray(result.history.weights["initial_u:weights_max"])
    assert np.flatnonzero(~np.isnan(initial)).tolist() == [19, 39, 59, 79, 99, 119, 139, 159, 179, 199]
    lam = result.state.host_batch["pde"]["point_weights"]
    assert lam.shape == (256,) and float(lam.mean()) == pytest.approx(mean[199])


def _bump(adaptive, n=400):
    # a residual that does not depend on the network: |r(x)| = f(x), a narrow bump at x = 0.7
    return pj.Problem(pj.Interval(0.0, 1.0), ("u",), [
        pj.PDE("0*u + exp(-((x - 0.7)/0.05)**2)", pj.Sample(n, adaptive=adaptive), point_weights=pj.PointWeights())])


def bump(x):
    return np.exp(-(((x - 0.7) / 0.05) ** 2))


def test_rard_replaces_exactly_the_lowest_residual_points_by_points_where_it_is_large():
    rard = pj.RARD(replace=0.25, candidates=20)
    assert rard.replaced(400) == 100 and rard.replaced(3) == 1 and pj.RAD().replaced(400) == 400
    np.testing.assert_array_equal(rard.lowest(np.array([[3.0], [0.1], [np.nan], [-0.5]]), 4), [1])
    with jax.enable_x64(True):
        compiled, params = _compiled(_bump(rard))
        first = compiled.draw_batch(np.random.default_rng(0))
        previous = {"pde": {**first["pde"], "point_weights": np.full(400, 3.0)}}
        new = compiled.draw_batch(np.random.default_rng(1), previous, params=params)["pde"]
        fresh = compiled.draw_batch(np.random.default_rng(2), params=params)["pde"]  # no previous: refines fresh points
    old, now = previous["pde"]["x"][:, 0], new["x"][:, 0]
    assert new["x"].shape == (400, 1) and fresh["x"].shape == (400, 1)
    changed = np.flatnonzero(now != old)
    np.testing.assert_array_equal(changed, np.sort(np.argsort(bump(old))[:100]))  # the 100 smallest |r|
    np.testing.assert_array_equal(new["point_weights"], np.where(now != old, 1.0, 3.0))  # kept rows keep λ
    # new points follow p ∝ |r|^2 (k = 2, c = 0): their residual's lower quartile is large, a uniform
    # draw's median is tiny (measured 0.70 against 1e-11)
    assert np.quantile(bump(now[changed]), 0.25) > 0.3 and np.median(bump(old)) < 1e-3


def test_rard_training_with_point_weights_does_not_retrace_and_resumes_exactly(loss_traces):
    import copy

    problem, net, snapshots = _bump(pj.RARD(replace=0.5), n=64), pj.MLP(1, 1, 8, 1, key=jax.random.PRNGKey(0)), []
    run = dict(dtype="float64", chunk=30, resample_every=20)
    full = pj.solve(problem, net, [pj.Adam(60, 1e-2)], **run,
                    callback=lambda i: snapshots.append(copy.deepcopy(i["state"])) if i["step"] == 30 else None)
    assert len(loss_traces) == 1  # redrawn twice, half the points replaced, λ updated: the same step
    x = full.state.host_batch["pde"]["x"][:, 0]
    assert x.shape == (64,) and np.mean(bump(x) > 0.01) > 0.5  # refined around the bump
    resumed = pj.solve(problem, net, [pj.Adam(60, 1e-2)], **run, resume=snapshots[0])
    assert resumed.history.total == full.history.total
    for key in ("x", "point_weights"):
        np.testing.assert_array_equal(resumed.state.host_batch["pde"][key], full.state.host_batch["pde"][key])


def test_point_weights_compose_with_causal_weighting():
    causal, weights = pj.Causal(slices=4, epsilon=0.5), pj.PointWeights()
    problem = pj.Problem(pj.SpaceTime(pj.Interval(0.0, 1.0), 0.0, 1.0), ("u",), [
        pj.PDE("u_t - u_xx", 32, causal=causal, point_weights=weights)])
    with jax.enable_x64(True):
        net = pj.MLP(2, 1, 8, 1, key=jax.random.PRNGKey(0), dtype=jax.numpy.float64)
        compiled, arrays = compile_problem(problem, net)
        params = {"net": arrays, "coefficients": {}}
        batch = compiled.draw_batch(np.random.default_rng(0))["pde"]
        assert float(batch["epsilon"]) == 0.5 and batch["point_weights"].shape == (32,)
        batch["point_weights"] = np.linspace(0.5, 1.5, 32)
        r = compiled.term_residual(compiled.terms[0], params, batch)
        expected = causal.reduce(batch["point_weights"] * r ** 2, batch, 0.0, 1.0)  # slices average λ_i l_i
        assert float(compiled.term_loss(compiled.terms[0], params, batch)) == pytest.approx(float(expected), rel=1e-12)


def test_yaml_point_weights_and_rard(tmp_path, capsys):
    from pinnjax.cli import main
    from pinnjax.config import build_experiment, load_config

    path = tmp_path / "c.yaml"

    def config(points="64", weights="{lr: 0.02}"):
        path.write_text(YAML.replace("POINTS", points).replace("WEIGHTS", weights))
        return path

    terms = build_experiment(load_config(config())).problem.terms
    assert terms[0].point_weights == pj.PointWeights(lr=0.02) and terms[1].point_weights == pj.PointWeights(lr=0.5)
    rard = build_experiment(load_config(config("{n: 64, adaptive: {type: rard, replace: 0.2}}", "{}")))
    assert rard.problem.terms[0].points.adaptive == pj.RARD(replace=0.2)
    assert rard.problem.terms[0].point_weights == pj.PointWeights()
    plain = build_experiment(load_config(config("{n: 64, adaptive: {k: 2}}")))
    assert plain.problem.terms[0].points.adaptive == pj.RAD(k=2.0)  # no type: RAD, as before
    assert main(["run", str(config("{n: 64, adaptive: {type: rard}}")), "--out", str(tmp_path / "run"),
                 "--quiet"]) == 0
    for points, weights, key, message in (
            ("64", "{decay: 2}", "terms[0].point_weights.decay", "decay must be in [0, 1], got 2"),
            ("64", "{lr: 0}", "terms[0].point_weights.lr", "in (0, 1000]"),
            ("64", "{rate: 1}", "terms[0].point_weights.rate", "Valid keys here: lr, decay, every"),
            ("64", "3", "terms[0].point_weights", "expected a mapping, got 3"),
            ("{n: 64, adaptive: {type: rard, replace: 1.5}}", "{}", "terms[0].points.adaptive.replace",
             "the fraction of points replaced per round must be in (0, 1], got 1.5"),
            ("{n: 64, adaptive: {type: rad, replace: 0.5}}", "{}", "terms[0].points.adaptive.replace",
             "unknown key"),
            ("{n: 64, adaptive: {type: rar}}", "{}", "terms[0].points.adaptive.type", "Valid types: rad, rard")):
        assert main(["validate", str(config(points, weights))]) == 2
        err = capsys.readouterr().err
        assert key in err and message in err and "Traceback" not in err, err
