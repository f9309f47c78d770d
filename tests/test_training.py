"""The training loop: no recompilation, determinism, history, stopping, bad losses."""

import math

import equinox as eqx
import jax
import numpy as np
import pytest

import pinnjax as pj


def heat_problem(n=256):
    domain = pj.SpaceTime(pj.Interval(0.0, 1.0), 0.0, 1.0)
    terms = [
        pj.PDE("u_t - 0.1*u_xx", n),
        pj.Dirichlet("u", 0.0, on="left", points=32),
        pj.Neumann("u", 0.0, on="right", points=32),
        pj.Initial("u", "x*(2 - x)", points=64),
    ]
    return pj.Problem(domain, ("u",), terms)


def small_net(seed=0):
    return pj.MLP(2, 1, 16, 2, key=jax.random.PRNGKey(seed))


def test_training_traces_the_step_once_even_across_resampling(loss_traces):
    traces = loss_traces
    seen = []
    result = pj.solve(
        heat_problem(), small_net(), [pj.Adam(500)], chunk=50, resample_every=100,
        callback=lambda info: seen.append((info["step"], len(traces))),
    )
    assert [s for s, _ in seen] == list(range(50, 501, 50))
    # One trace for the scanned step, made before the first chunk; nine more chunks and
    # four resamplings later the count has not moved.
    assert {n for _, n in seen} == {1}
    assert len(result.history.total) == 500


@pytest.mark.slow
def test_same_seed_same_result_and_different_seed_differs():
    runs = [pj.solve(heat_problem(), small_net(), [pj.Adam(100)], seed=s).history.total for s in (3, 3, 4)]
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


@pytest.mark.slow
def test_history_records_every_term_and_lbfgs_reports_its_stop_reason():
    result = pj.solve(heat_problem(), small_net(), [pj.Adam(200), pj.LBFGS(150)], chunk=100)
    h = result.history.as_arrays()
    assert h["total"].shape == (result.phases[0].steps + result.phases[1].steps,)
    assert set(result.history.terms) == {"pde", "dirichlet_left_u", "neumann_right_u", "initial_u"}
    assert result.phases[1].stop_reason in {"step budget", "gradient tolerance", "no progress"}
    # L-BFGS must improve on where Adam stopped (it starts from Adam's parameters).
    assert h["total"][-1] < h["total"][199]
    weighted = sum(result.final_losses[k] for k in result.history.terms)
    assert math.isclose(weighted, h["total"][-1], rel_tol=0.2)


def test_lbfgs_stops_at_gradient_tolerance_on_an_easy_problem():
    # Fitting line data with a linear model (any equinox module works as the network)
    # is a convex quadratic in (w, b): L-BFGS reaches a gradient norm below 1e-9 in
    # float64 within a few iterations, far inside the budget.
    pts = np.random.default_rng(0).uniform(0, 1, (64, 1))
    problem = pj.Problem(pj.Interval(0.0, 1.0), ("u",), [pj.Data("u", pj.Given(pts, 2 * pts[:, 0] + 1))])
    net = eqx.nn.Linear(1, 1, key=jax.random.PRNGKey(0))
    result = pj.solve(problem, net, [pj.LBFGS(2000, gtol=1e-9)], dtype="float64", scale_inputs=False)
    assert result.phases[0].stop_reason == "gradient tolerance"
    assert result.phases[0].steps < 50
    assert result.history.total[-1] < 1e-16
    np.testing.assert_allclose(np.asarray(result.network.weight).ravel(), [2.0], rtol=1e-8)


def test_a_non_finite_loss_stops_with_the_term_named_and_keeps_finite_parameters():
    problem = pj.Problem(
        pj.Interval(0.0, 1.0), ("u",),
        [pj.PDE("u_xx", 32), pj.PDE("log(u - 1e6)", 32, name="bad")],
    )
    result = pj.solve(problem, pj.MLP(1, 1, 8, 1, key=jax.random.PRNGKey(0)), [pj.Adam(100)])
    report = result.phases[0]
    assert report.stop_reason == "non-finite loss"
    assert "bad" in report.message
    leaves = jax.tree_util.tree_leaves(result.params)
    assert all(np.all(np.isfinite(np.asarray(x))) for x in leaves)


def test_predict_fields_and_derivatives_of_a_hard_constrained_model():
    # With the transform u = x(1-x) and a zero network contribution... check shapes and
    # that predicted derivatives equal the analytic derivatives of the transform.
    problem = pj.Problem(pj.Interval(0.0, 1.0), ("u",), [pj.PDE("u_xx + 2", 16)],
                         transform=lambda x, y: x * (1 - x) + 0.0 * y)
    result = pj.solve(problem, pj.MLP(1, 1, 4, 1, key=jax.random.PRNGKey(0)), [pj.Adam(1)])
    x = np.linspace(0, 1, 5)[:, None]
    out = result.predict(x, ["u", "u_x", "u_xx"])
    np.testing.assert_allclose(out["u"], x[:, 0] * (1 - x[:, 0]), atol=1e-6)
    np.testing.assert_allclose(out["u_x"], 1 - 2 * x[:, 0], atol=1e-5)
    np.testing.assert_allclose(out["u_xx"], -2.0, atol=1e-4)
    with pytest.raises(ValueError, match="cannot predict 'v'"):
        result.predict(x, ["v"])
    with pytest.raises(ValueError, match=r"points must have shape \(N, 1\)"):
        result.predict(np.zeros((3, 2)))


@pytest.mark.slow
def test_resume_from_a_mid_run_state_reproduces_the_uninterrupted_run():
    import copy

    snapshots = {}

    def grab(info):
        if info["step"] in (150, 350):  # inside Adam (after a resample), inside L-BFGS
            snapshots[info["step"]] = copy.deepcopy(info["state"])

    phases = [pj.Adam(300), pj.LBFGS(100)]
    full = pj.solve(heat_problem(), small_net(), phases, chunk=50, resample_every=100,
                    dtype="float64", callback=grab)
    for stop_at, state in snapshots.items():
        assert state.step == stop_at and len(state.history.total) == stop_at
        resumed = pj.solve(heat_problem(), small_net(), phases, chunk=50, resample_every=100,
                           dtype="float64", resume=state)
        # Same batches, same optimizer state, same float64 arithmetic: identical losses.
        assert resumed.history.total == full.history.total
        assert [p.steps for p in resumed.phases] == [p.steps for p in full.phases]
    assert sorted(snapshots) == [150, 350]


@pytest.mark.slow
@pytest.mark.parametrize("phases", [[pj.Adam(1000), pj.LBFGS(500)], [pj.LBFGS(1000), pj.Adam(500)]])
def test_a_callback_returning_true_ends_training_there(phases):
    def stop_at_300(info):
        return info["step"] >= 300

    result = pj.solve(heat_problem(), small_net(), phases, callback=stop_at_300, chunk=100)
    assert len(result.phases) == 1  # the later phase never starts
    assert result.phases[0].stop_reason == "stopped by callback"
    assert result.phases[0].steps == 300
    assert len(result.history.total) == result.phases[0].steps


@pytest.mark.slow
def test_validation_early_stop_keeps_the_parameters_before_noise_is_fitted():
    # 1-D regression of sin(2 pi x) + 30% noise with an oversized network: the held-out
    # error reaches its minimum and then rises while the training error keeps falling;
    # the callback stops 1,000 steps after the minimum and keeps the best parameters.
    from pinnjax.discovery.early_stop import ValidationStop
    from pinnjax.engine.compiled import compile_problem

    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, 120)
    y = np.sin(2 * np.pi * x) + 0.3 * rng.standard_normal(120)
    train, held = slice(0, 80), slice(80, 120)
    problem = pj.Problem(pj.Interval(0.0, 1.0), ("u",), [pj.Data("u", pj.Given(x[train, None], y[train]))])
    net = pj.MLP(1, 1, 64, 3, key=jax.random.PRNGKey(0))
    with jax.enable_x64(True):
        compiled, _ = compile_problem(problem, net)
    stop = ValidationStop(compiled, x[held, None], y[held], np.zeros(40, int), patience=1000)
    result = pj.solve(problem, net, [pj.LBFGS(20000)], callback=stop, dtype="float64")
    assert result.phases[0].stop_reason == "stopped by callback"
    assert result.phases[0].steps < 20000
    assert result.phases[0].steps - stop.best_step >= 1000
    with jax.enable_x64(True):
        assert stop.error(stop.best_params) == stop.best < stop.error(result.params)
        truth = np.sin(2 * np.pi * x[held])
        best = np.asarray(jax.vmap(compiled.field_function(stop.best_params))(x[held, None]))[:, 0]
    # the kept fit is close to the noiseless curve (noise std 0.3)
    assert np.sqrt(np.mean((best - truth) ** 2)) < 0.15


def test_resume_leaves_the_callers_state_unchanged():
    import copy

    grabbed = {}

    def grab(info):
        if info["step"] == 30:
            grabbed["state"] = copy.deepcopy(info["state"])

    pj.solve(heat_problem(64), small_net(), [pj.Adam(60)], chunk=30, callback=grab)
    state = grabbed["state"]
    before = copy.deepcopy(state)
    resumed = pj.solve(heat_problem(64), small_net(), [pj.Adam(60)], chunk=30, resume=state)
    assert resumed.state is not state and len(resumed.history.total) == 60
    assert (state.step, state.phase, state.phase_step, state.opt_state is not None) == (30, 0, 30, True)
    assert state.history == before.history and state.reports == before.reports == []
    assert state.rng_state == before.rng_state and state.lbfgs_prev == before.lbfgs_prev
    for a, b in zip(jax.tree_util.tree_leaves((state.params, state.opt_state, state.host_batch)),
                    jax.tree_util.tree_leaves((before.params, before.opt_state, before.host_batch))):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_predict_compiles_once_per_names_and_shape_and_matches_a_direct_evaluation(monkeypatch):
    from pinnjax.engine.derivatives import evaluate_derivatives
    from pinnjax.problem.names import parse_derivative_name
    from pinnjax.train import result as result_module

    traces = []

    def counting(*args, **kwargs):
        traces.append(1)
        return evaluate_derivatives(*args, **kwargs)

    monkeypatch.setattr(result_module, "evaluate_derivatives", counting)
    result = pj.solve(heat_problem(64), small_net(), [pj.Adam(20)], dtype="float64")
    x = np.random.default_rng(0).uniform(0, 1, (50, 2))
    first = result.predict(x, ["u", "u_x", "u_xx"])
    second = result.predict(x + 0.1, ["u", "u_x", "u_xx"])
    assert len(traces) == 1  # same names, same shape: no retrace
    result.predict(x, "u")
    result.predict(x[:7], ["u", "u_x", "u_xx"])
    assert len(traces) == 3  # new names, then a new shape
    with jax.enable_x64(True):
        f = result.compiled.field_function(result.params)
        requests = [parse_derivative_name(n, ("u",), ("x", "t")) for n in ("u", "u_x", "u_xx")]
        for points, got in ((x, first), (x + 0.1, second)):
            direct = evaluate_derivatives(f, jax.numpy.asarray(points), requests, {"u": 0}, result.compiled.method)
            for n in ("u", "u_x", "u_xx"):
                np.testing.assert_allclose(got[n], np.asarray(direct[n]), rtol=1e-12, atol=1e-14)
