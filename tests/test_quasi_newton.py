"""Full-matrix quasi-Newton phase (BFGS, self-scaled BFGS, self-scaled Broyden)."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import pinnjax as pj
from pinnjax.config import ConfigError, load_experiment
from pinnjax.train.quasi_newton import VARIANTS, broyden_update


@pytest.fixture(autouse=True)
def x64():
    with jax.enable_x64(True):
        yield


def _pair(n=6, seed=0):
    """A symmetric positive definite H and a pair (s, y) with curvature, plus the
    previous gradient and direction the step came from (s = α d, d = −H g)."""
    rng = np.random.default_rng(seed)
    m = rng.normal(size=(n, n))
    H = m @ m.T + n * np.eye(n)
    g = rng.normal(size=n)
    d = -H @ g
    s = 0.7 * d
    A = rng.normal(size=(n, n))
    A = A @ A.T + np.eye(n)  # y = A s: a curvature pair of the quadratic ½ xᵀA x
    return tuple(jnp.asarray(a) for a in (H, s, A @ s, g, d))


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_update_keeps_the_secant_condition_symmetry_and_positive_definiteness(variant):
    H, s, y, g, d = _pair()
    for first in (True, False):
        new, applied = broyden_update(variant, H, s, y, g, d, jnp.asarray(first))
        assert bool(applied)
        np.testing.assert_allclose(new @ y, s, rtol=1e-10, atol=1e-12)  # H⁺ y = s
        np.testing.assert_allclose(new, new.T, rtol=1e-12, atol=1e-12)
        assert np.linalg.eigvalsh(np.asarray(new)).min() > 0


def test_the_bfgs_variant_is_the_textbook_inverse_update():
    H, s, y, g, d = _pair(seed=1)
    rho = 1 / (y @ s)
    eye = jnp.eye(len(s))
    textbook = (eye - rho * jnp.outer(s, y)) @ H @ (eye - rho * jnp.outer(y, s)) + rho * jnp.outer(s, s)
    new, _ = broyden_update("bfgs", H, s, y, g, d, jnp.asarray(False))
    np.testing.assert_allclose(new, textbook, rtol=1e-10)


def test_ssbfgs_first_update_scales_by_h_and_later_by_min_one_over_b():
    """τ = h = ρ yᵀHy at the first update, then min(1, 1/b) with b = −α ρ sᵀg."""
    H, s, y, g, d = _pair(seed=2)
    rho, alpha = 1 / (y @ s), 0.7
    h, b = rho * (y @ H @ y), -alpha * rho * (s @ g)
    for first, tau in ((True, h), (False, min(1.0, 1 / float(b)))):
        scaled_H = H / tau  # SSBFGS = BFGS applied to H / τ
        expected, _ = broyden_update("bfgs", scaled_H, s, y, g, d, jnp.asarray(False))
        new, _ = broyden_update("ssbfgs", H, s, y, g, d, jnp.asarray(first))
        np.testing.assert_allclose(new, expected, rtol=1e-9)


def test_an_update_without_curvature_is_skipped():
    H, s, y, g, d = _pair(seed=3)
    new, applied = broyden_update("ssbfgs", H, s, -y, g, d, jnp.asarray(False))
    assert not bool(applied)
    np.testing.assert_array_equal(new, H)


def _rosenbrock(p):
    x = p["x"]
    return jnp.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_variant_finds_the_minimum_of_the_rosenbrock_function(variant):
    """10-D Rosenbrock from x = −1.2: each variant reaches x = 1 to 1e-8 (L-BFGS with
    memory 50 needs about 140 iterations here; the full-matrix methods 40-80)."""
    phase = pj.BFGS(150, variant=variant)
    opt = phase.build()
    params = {"x": -1.2 * jnp.ones(10, jnp.float64)}
    state = opt.init(params)
    value_and_grad = optax.value_and_grad_from_state(_rosenbrock)

    @jax.jit
    def step(params, state):
        value, grad = value_and_grad(params, state=state)
        updates, state = opt.update(grad, state, params, value=value, grad=grad, value_fn=_rosenbrock)
        return optax.apply_updates(params, updates), state

    with jax.numpy_dtype_promotion("standard"):
        for _ in range(150):
            params, state = step(params, state)
    np.testing.assert_allclose(params["x"], np.ones(10), atol=1e-8)
    assert "0 resets" in phase.describe(state)


def _poisson():
    """−u'' = π² sin(πx) on [0, 1], u = x(1 − x) N(x): exact solution sin(πx)."""
    domain = pj.Interval(0.0, 1.0)
    return pj.Problem(domain, ("u",), [pj.PDE("u_xx + pi**2*sin(pi*x)", 128)],
                      transform=lambda x, y: x[0] * (1 - x[0]) * y)


@pytest.mark.slow
def test_bfgs_after_adam_solves_a_poisson_problem_far_below_lbfgs_at_the_same_iterations():
    """Same network, points and Adam start; 300 iterations each. Measured: self-scaled
    BFGS 1.3e-8, L-BFGS 9.8e-7 (self-scaled Broyden 1.4e-9, plain BFGS 4.4e-7)."""
    x = np.linspace(0, 1, 201)[:, None]
    errors = {}
    for phase in (pj.BFGS(300), pj.LBFGS(300)):
        net = pj.MLP(1, 1, 10, 2, key=jax.random.PRNGKey(0))
        result = pj.solve(_poisson(), net, [pj.Adam(200, 1e-2), phase], dtype="float64", chunk=100)
        errors[phase.name] = result.relative_l2(x, np.sin(math.pi * x))
    assert errors["bfgs"] < 1e-7
    assert errors["bfgs"] < errors["lbfgs"] / 10
    bfgs_report = result.phases  # the last run is L-BFGS: its report has no quasi-Newton line
    assert bfgs_report[-1].message == ""


@pytest.mark.slow
def test_bfgs_resamples_without_retracing_and_reports_its_safeguards(loss_traces):
    net = pj.MLP(1, 1, 8, 2, key=jax.random.PRNGKey(1))
    seen = []
    result = pj.solve(_poisson(), net, [pj.BFGS(200)], dtype="float64", chunk=50, resample_every=50,
                      callback=lambda info: seen.append(len(loss_traces)))
    assert len(seen) == 4 and len(set(seen)) == 1  # traced before the first chunk, never again
    report = result.phases[0]
    assert report.steps == 200 and report.stop_reason == "step budget"
    assert "updates skipped" in report.message and "resets to the identity" in report.message
    x = np.linspace(0, 1, 101)[:, None]
    assert result.relative_l2(x, np.sin(math.pi * x)) < 1e-3


def test_a_network_too_large_for_a_dense_matrix_is_refused_with_the_fix():
    net = pj.MLP(1, 1, 64, 3, key=jax.random.PRNGKey(0))
    with pytest.raises(ValueError, match=r"max_parameters 1000; use a smaller network, raise max_parameters, or use L-BFGS"):
        pj.solve(_poisson(), net, [pj.BFGS(10, max_parameters=1000)], dtype="float64")


def test_bad_variant_is_refused_in_python_and_in_yaml(tmp_path):
    with pytest.raises(ValueError, match="BFGS.variant must be one of bfgs, ssbfgs, ssbroyden, got 'dfp'"):
        pj.BFGS(10, variant="dfp")
    text = """
name: p
domain: {geometry: {type: interval, min: 0.0, max: 1.0}}
fields: [u]
terms: [{type: pde, residual: "u_xx + 1", points: 64}]
network: {type: mlp, width: 8, depth: 2}
training: {phases: [{type: bfgs, steps: 10, variant: dfp}]}
"""
    path = tmp_path / "p.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_experiment(path)
    assert "training.phases[0].variant" in str(err.value) and "dfp" in str(err.value)
    path.write_text(text.replace("variant: dfp", "variant: ssbroyden"))
    ok = load_experiment(path)
    assert ok.phases[0] == pj.BFGS(10, variant="ssbroyden")


@pytest.mark.slow
def test_a_bfgs_run_resumed_from_checkpoint_files_matches_the_uninterrupted_run(tmp_path):
    """Killed inside BFGS after a RAD redraw: the dense matrix, the line search's state and
    the points come back from disk, and the resumed run's losses equal the uninterrupted
    run's exactly (float64, same batches)."""
    from pinnjax.runs.checkpoint import list_checkpoints, load_checkpoint, save_checkpoint

    domain = pj.Interval(0.0, 1.0)
    problem = pj.Problem(domain, ("u",), [pj.PDE("u_xx + pi**2*sin(pi*x)", pj.Sample(64, adaptive=pj.RAD()))],
                         transform=lambda x, y: x[0] * (1 - x[0]) * y)
    phases = [pj.Adam(50, 1e-2), pj.BFGS(150)]

    def grab(info):
        if info["step"] == 150:  # 100 BFGS iterations in, just after the redraw at 100
            save_checkpoint(tmp_path, info["state"])

    def run(**kw):
        net = pj.MLP(1, 1, 8, 2, key=jax.random.PRNGKey(2))
        return pj.solve(problem, net, phases, dtype="float64", chunk=50, resample_every=50, **kw)

    full = run(callback=grab)
    state = load_checkpoint(list_checkpoints(tmp_path)[-1], full.state.params, phases)
    assert state.step == 150 and state.phase == 1
    resumed = run(resume=state)
    assert resumed.history.total == full.history.total
    assert resumed.phases[-1].message == full.phases[-1].message
