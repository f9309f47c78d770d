"""Loss balancing: each scheme against a hand computation, no retracing, exact resume, YAML.

The tiny problem: u(x) on [0, 1] with u_xx = -π² sin(πx) (a PDE term of 64 points) and
u = 0 at both ends (a Dirichlet term), a 1-8-1 tanh network in float64.
"""

import json

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import pinnjax as pj
from pinnjax.engine.compiled import compile_problem
from pinnjax.train.balancing import Fixed, GradNorm, NTKTrace, term_statistics
from pinnjax.train.solve import initial_params


def tiny(weight=1.0):
    terms = [pj.PDE("u_xx + pi**2*sin(pi*x)", pj.Given(np.linspace(0.05, 0.95, 64)[:, None])),
             pj.Dirichlet("u", 0.0, points=pj.Given(np.array([[0.0], [1.0]])), weight=weight, name="dirichlet")]
    return pj.Problem(pj.Interval(0.0, 1.0), ("u",), terms)


def net():
    return pj.MLP(1, 1, 8, 1, key=jax.random.PRNGKey(0))


def _by_hand(problem):
    """Each term's gradient norm and NTK trace, from first principles: the loss and the
    residual written out with the network applied directly (no pinnjax engine)."""
    with jax.enable_x64(True):
        params = initial_params(problem, net(), "float64")
        model = net()
        xs = jnp.linspace(0.05, 0.95, 64)

        static = eqx.filter(model, eqx.is_inexact_array, inverse=True)

        def u(netp, x):
            return eqx.combine(netp, static)(jnp.array([x]))[0]

        def r_pde(netp, x):
            # the engine scales inputs to [-1, 1] before the network: x -> 2x - 1
            f = lambda y: u(netp, 2 * y - 1)
            return jax.grad(jax.grad(f))(x) + jnp.pi**2 * jnp.sin(jnp.pi * x)

        def r_bc(netp, x):
            return u(netp, 2 * x - 1)

        sets = {"pde": (r_pde, xs), "dirichlet": (r_bc, jnp.array([0.0, 1.0]))}
        out = {}
        for name, (r, x) in sets.items():
            loss = lambda p: jnp.mean(jax.vmap(lambda xi: r(p, xi))(x) ** 2)  # noqa: B023
            g = jax.grad(loss)(params["net"])
            gnorm = float(jnp.sqrt(sum(jnp.sum(a**2) for a in jax.tree_util.tree_leaves(g))))
            jac = jax.vmap(lambda xi: jax.grad(r)(params["net"], xi))(x)  # noqa: B023
            trace = float(sum(jnp.sum(a**2) for a in jax.tree_util.tree_leaves(jac)) / len(x))
            out[name] = (gnorm, trace)
        return out, params


@pytest.mark.slow
def test_statistics_match_a_hand_computation_of_gradient_norms_and_ntk_traces():
    problem = tiny()
    hand, params = _by_hand(problem)
    with jax.enable_x64(True):
        compiled, _ = compile_problem(problem, net())
        batch = compiled.draw_batch(np.random.default_rng(0))
        g = term_statistics(compiled, "grad_norm")(params, batch)
        k = term_statistics(compiled, "ntk_trace")(params, batch)
    for name, (gnorm, trace) in hand.items():
        assert float(g[name]) == pytest.approx(gnorm, rel=1e-10)
        assert float(k[name]) == pytest.approx(trace, rel=1e-10)


def test_grad_norm_and_ntk_updates_are_the_published_ratios_with_a_moving_average():
    base = {"pde": 1.0, "dirichlet": 10.0}
    sizes = {"pde": 4.0, "dirichlet": 1.0}  # total 5: λ̂ = 5/4, 5/1
    for scheme in (GradNorm(every=10, alpha=0.0), NTKTrace(every=10, alpha=0.0)):
        weights, state = scheme.update(scheme.init(base), sizes)
        assert weights == {"pde": 1.25, "dirichlet": 50.0}  # base × λ̂
    scheme = GradNorm(every=10, alpha=0.9)
    weights, state = scheme.update(scheme.init(base), sizes)
    assert weights["pde"] == pytest.approx(0.9 + 0.1 * 1.25) and weights["dirichlet"] == pytest.approx(10 * (0.9 + 0.5))
    weights, _ = scheme.update(state, {"pde": 0.0, "dirichlet": 1.0})  # a vanished gradient keeps its λ
    assert weights["pde"] == pytest.approx(0.9 + 0.1 * 1.25)
    assert Fixed().update(Fixed().init(base), sizes)[0] == base
    with pytest.raises(ValueError, match=r"GradNorm.every must be a positive number of steps"):
        GradNorm(every=0)
    with pytest.raises(ValueError, match=r"NTKTrace.alpha must be in \[0, 1\)"):
        NTKTrace(alpha=1.0)


def test_balanced_training_updates_weights_between_chunks_without_retracing(loss_traces):
    traces = loss_traces
    problem = tiny()
    result = pj.solve(problem, net(), [pj.Adam(300, 1e-2)], dtype="float64", chunk=50,
                      balancing=GradNorm(every=100, alpha=0.0))
    assert len(traces) == 1  # three weight updates, one compiled step
    w = result.history.weights
    steps = [i for i, v in enumerate(w["pde"]) if not np.isnan(v)]
    assert steps == [99, 199, 299]  # recorded where they were updated
    # the last update is the ratio of the gradient norms at step 300's parameters
    with jax.enable_x64(True):
        compiled, _ = compile_problem(problem, net())
        g = term_statistics(compiled, "grad_norm")(result.params, result.state.host_batch)
    total = float(g["pde"] + g["dirichlet"])
    assert w["pde"][-1] == pytest.approx(total / float(g["pde"]), rel=1e-9)
    assert w["dirichlet"][-1] == pytest.approx(total / float(g["dirichlet"]), rel=1e-9)
    assert result.state.weights == {"pde": w["pde"][-1], "dirichlet": w["dirichlet"][-1]}


@pytest.mark.slow
def test_a_balanced_run_resumed_from_its_state_reproduces_the_uninterrupted_run():
    phases, kw = [pj.Adam(300, 1e-2), pj.LBFGS(50)], dict(dtype="float64", chunk=50,
                                                           balancing=GradNorm(every=100))
    states = []
    full = pj.solve(tiny(), net(), phases, callback=lambda i: states.append(i["state"].copy()) if i["step"] == 150
                    else None, **kw)
    resumed = pj.solve(tiny(), net(), phases, resume=states[0], **kw)
    assert resumed.history.total == full.history.total
    assert resumed.state.weights == full.state.weights and resumed.state.weights != {"pde": 1.0, "dirichlet": 1.0}


CONFIG = """\
name: tiny_poisson
dtype: float64
domain: {geometry: {type: interval, min: 0.0, max: 1.0}}
fields: [u]
terms:
  - {type: pde, residual: "u_xx + pi**2*sin(pi*x)", points: 64}
  - {type: dirichlet, field: u, value: 0.0, on: boundary, points: 2, weight: 10.0}
network: {type: mlp, width: 8, depth: 1}
training:
  phases: [{type: adam, steps: 200, learning_rate: 1.0e-2}]
  chunk: 50
  balancing: BALANCING
"""


def test_yaml_balancing_logs_the_weights_and_plots_them(tmp_path):
    from pinnjax.cli import main

    path = tmp_path / "b.yaml"
    path.write_text(CONFIG.replace("BALANCING", "{type: grad_norm, every: 100, alpha: 0.5}"))
    run = tmp_path / "run"
    assert main(["run", str(path), "--out", str(run), "--quiet"]) == 0
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    logged = [(r["step"], r["weights"]) for r in rows if "weights" in r]
    assert [s for s, _ in logged] == [99, 199]
    # half-way from the term's own weight (λ = 1) to the gradient-norm ratio, times that weight
    first = logged[0][1]
    assert first["dirichlet_boundary_u"] / 10.0 > 0.5 and first["pde"] > 0.5
    assert (run / "plots" / "weights.png").stat().st_size > 1000


@pytest.mark.parametrize("text, message", [
    ("{type: grad_norm, alpha: 1.5}", "training.balancing.alpha"),
    ("{type: grad_norm, every: 0}", "training.balancing.every"),
    ("{type: softadapt}", "fixed, grad_norm, ntk_trace"),
    ("grad_norm", "training.balancing"),
])
def test_bad_balancing_exits_2_naming_the_key(tmp_path, capsys, text, message):
    from pinnjax.cli import main

    path = tmp_path / "b.yaml"
    path.write_text(CONFIG.replace("BALANCING", text))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_yaml_builds_the_scheme_with_the_python_defaults(tmp_path):
    from pinnjax.config import build_experiment, load_config

    path = tmp_path / "b.yaml"
    path.write_text(CONFIG.replace("BALANCING", "{type: ntk_trace}"))
    assert build_experiment(load_config(path)).solve_kwargs["balancing"] == NTKTrace()
    assert build_experiment(load_config(path, ["training.balancing.type=grad_norm", "training.balancing.every=50"])
                            ).solve_kwargs["balancing"] == GradNorm(every=50, alpha=0.9)
