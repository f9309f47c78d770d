"""pinnjax.diagnostics and ``pinnjax landscape`` / ``pinnjax hessian``: Lanczos and Hutchinson against the
dense ``jax.hessian`` of a small network in float64, slices against direct evaluation and closed forms,
filter normalization, and the commands on a tiny trained run."""

import json

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import pinnjax as pj
from pinnjax.cli import main
from pinnjax.diagnostics import (
    curvature,
    filter_normalize,
    flat_loss,
    hutchinson,
    lanczos,
    landscape,
    objective,
    random_direction,
    resolve_name,
)


def small_regression(dtype=np.float64):
    """(loss(params) -> (total, terms), params): a 2-8-8-1 tanh MLP fitting 64 points plus a
    coefficient c with a quadratic penalty; 106 parameters. Made in float64 and cast to
    ``dtype`` (so both precisions hold the same problem); float64: call under x64."""
    with jax.enable_x64(True):
        net = eqx.nn.MLP(2, 1, 8, 2, activation=jnp.tanh, key=jax.random.key(0))
        x = np.asarray(jax.random.normal(jax.random.key(1), (64, 2), jnp.float64))
    arrays, static = eqx.partition(net, eqx.is_inexact_array)
    arrays = jax.tree_util.tree_map(lambda a: jnp.asarray(np.asarray(a, dtype)), arrays)
    x, y = jnp.asarray(x.astype(dtype)), jnp.asarray((np.sin(x[:, 0]) * x[:, 1]).astype(dtype))

    def loss(p):
        pred = jax.vmap(eqx.combine(p["net"], static))(x)[:, 0]
        fit = jnp.mean((pred - y) ** 2)
        penalty = 0.1 * (p["coefficients"]["c"] - 0.3) ** 2 * (1.0 + fit)
        return fit + penalty, {"fit": fit, "penalty": penalty}

    return loss, {"net": arrays, "coefficients": {"c": jnp.asarray(np.asarray(0.5, dtype))}}


def dense_spectrum(loss, params):
    f, x0 = flat_loss(loss, params=params)
    hessian = np.asarray(jax.jit(jax.hessian(f))(x0))
    return hessian, np.linalg.eigvalsh(hessian)[::-1]


def test_lanczos_top_eigenvalues_match_the_dense_hessian_in_float64():
    with jax.enable_x64(True):
        loss, params = small_regression()
        hessian, exact = dense_spectrum(loss, params)
        curv = curvature(loss, params=params, top=6, probes=0)
        direct = float(loss(params)[0])
    assert curv.n_params == hessian.shape[0] == 106 and curv.lanczos.converged
    np.testing.assert_allclose(curv.top, exact[:6], rtol=1e-6)  # measured: 1.7e-15
    assert curv.lanczos.iterations < 106  # converged before the Krylov space is the whole space
    assert curv.loss == pytest.approx(direct, rel=1e-14)


def test_float32_curvature_converges_to_float32_accuracy():
    with jax.enable_x64(True):
        loss, params = small_regression()
        _, exact = dense_spectrum(loss, params)
    loss32, params32 = small_regression(np.float32)
    curv = curvature(loss32, params=params32, top=3, probes=0)
    assert curv.lanczos.converged  # the float32 default tolerance (1e-5) is reachable
    np.testing.assert_allclose(curv.top, exact[:3], rtol=1e-4)  # float32 products; measured 8e-8


def test_lanczos_finds_repeated_eigenvalues_after_a_breakdown():
    """diag(5, 5, 5, 3, 1, ..., 1): the Krylov space of one start vector holds one copy of each
    distinct eigenvalue; the restart after the breakdown finds the other copies."""
    d = np.array([5.0, 5.0, 5.0, 3.0] + [1.0] * 36)
    found = lanczos(lambda v: d * v, d.size, k=4, seed=3)
    np.testing.assert_allclose(found.top, [5, 5, 5, 3], rtol=1e-12)


def test_hutchinson_is_within_its_standard_error_of_the_exact_trace():
    with jax.enable_x64(True):
        loss, params = small_regression()
        hessian, _ = dense_spectrum(loss, params)
        estimate, se, samples = hutchinson(lambda v: hessian @ v, hessian.shape[0], probes=400, seed=0)
        curv = curvature(loss, params=params, top=1, probes=400, seed=0)
    exact = np.trace(hessian)
    assert abs(estimate - exact) < 3 * se  # measured 0.08 SE
    assert curv.trace == pytest.approx(estimate, rel=1e-10) and curv.trace_se == pytest.approx(se, rel=1e-8)
    # Rademacher probes: var(z'Hz) = 2 * sum of the squared off-diagonal entries
    theory = np.sqrt(2 * (np.sum(hessian**2) - np.sum(np.diag(hessian) ** 2)) / 400)
    assert se == pytest.approx(theory, rel=0.25)  # the sample SD of 400 draws; measured 3 % off


def test_filter_normalized_rows_match_the_trained_rows_and_biases_are_zero():
    with jax.enable_x64(True):
        _, params = small_regression()
        d = random_direction(params, jax.random.key(7))
        d_all = random_direction(params, jax.random.key(7), include_1d=True)
        w, dw = params["net"].layers[1].weight, d["net"].layers[1].weight
        np.testing.assert_allclose(np.linalg.norm(dw, axis=1), np.linalg.norm(w, axis=1), rtol=1e-12)
        assert not np.allclose(dw, w)  # a random direction, not the weights themselves
        assert np.all(np.asarray(d["net"].layers[1].bias) == 0) and float(d["coefficients"]["c"]) == 0
        b = params["net"].layers[0].bias
        assert np.linalg.norm(d_all["net"].layers[0].bias) == pytest.approx(np.linalg.norm(b), rel=1e-12)
        kernel = filter_normalize(jnp.ones((3, 2, 2)), jnp.arange(12.0).reshape(3, 2, 2))
        np.testing.assert_allclose(np.linalg.norm(np.asarray(kernel).reshape(3, -1), axis=1),
                                   np.linalg.norm(np.arange(12.0).reshape(3, 4), axis=1), rtol=1e-12)


def test_a_named_2d_slice_equals_the_closed_form():
    """f = (a - 1)^2 + 3 (b + 2)^2 + a b, sliced along the coefficients a, b around (0.5, -1)."""
    def loss(p):
        a, b = p["coefficients"]["a"], p["coefficients"]["b"]
        return (a - 1) ** 2 + 3 * (b + 2) ** 2 + a * b, {"ab": a * b}

    params = {"coefficients": {"a": jnp.asarray(0.5), "b": jnp.asarray(-1.0)}}
    land = landscape(loss, params=params, dims=2, points=5, span=2.0, directions=("a", "coefficients.b"))
    a, b = np.meshgrid(0.5 + land.alphas, -1.0 + land.betas, indexing="ij")
    np.testing.assert_allclose(land.total, (a - 1) ** 2 + 3 * (b + 2) ** 2 + a * b, rtol=1e-5)
    np.testing.assert_allclose(land.terms["ab"], a * b, rtol=1e-5)
    assert land.directions == ("coefficients.a", "coefficients.b")
    assert land.center()["total"] == pytest.approx(0.25 + 3 - 0.5, rel=1e-5)


def test_a_random_slice_of_a_compiled_problem_matches_direct_evaluation():
    problem = pj.Problem(pj.Interval(0.0, 1.0), ("u",),
                         [pj.PDE("u_xx + pi**2*sin(pi*x)", pj.Sample(32)), pj.Dirichlet("u", 0.0, on="boundary")])
    with jax.enable_x64(True):
        net = pj.MLP(1, 1, width=6, depth=2, key=jax.random.key(0))
        compiled, arrays = pj.compile_problem(problem, net)
        params = {"net": jax.tree_util.tree_map(lambda a: jnp.asarray(a, jnp.float64), arrays), "coefficients": {}}
        obj = objective(compiled, params, seed=4)
        land = landscape(obj, dims=1, points=7, span=0.6, seed=2)
        d = random_direction(params, jax.random.split(jax.random.key(2), 1)[0])
        shifted = jax.tree_util.tree_map(lambda p, v: p + 0.4 * v, params, d)
        losses = jax.jit(obj.losses)
        total, terms = losses(shifted)
        center = float(losses(params)[0])
    assert land.alphas[5] == pytest.approx(0.4)
    assert land.total[5] == pytest.approx(float(total), rel=1e-12)
    for name, value in terms.items():
        assert land.terms[name][5] == pytest.approx(float(value), rel=1e-12)
    assert land.center()["total"] == pytest.approx(center, rel=1e-12)


def test_an_unknown_parameter_name_lists_the_valid_ones():
    params = {"net": {"w": jnp.ones((2, 2))}, "coefficients": {"nu": jnp.asarray(1.0), "k": jnp.asarray(2.0)}}
    assert resolve_name(params, "nu") == "coefficients.nu" and resolve_name(params, "net.w") == "net.w"
    with pytest.raises(ValueError, match=r"unknown parameter 'mu': the trainable coefficients are nu, k"):
        resolve_name(params, "mu")


@pytest.mark.parametrize("argv, message", [
    (["landscape", "nowhere"], "'nowhere' is not a finished run directory"),
    (["landscape", "nowhere", "--points", "1"], "--points '1' is not an integer from 3 to 2001"),
    (["landscape", "nowhere", "--dims", "2", "--points", "500"], "--points '500' is not an integer from 3 to 201"),
    (["landscape", "nowhere", "--span", "-1"], "--span '-1' is not a positive number"),
    (["landscape", "nowhere", "--dims", "3"], "--dims '3' is not an integer from 1 to 2"),
    (["landscape", "nowhere", "--directions", "a,b,c"], "is not 'random', NAME or NAME1,NAME2"),
    (["landscape", "nowhere", "--directions", "a,b", "--dims", "1"], "--dims 1 does not match"),
    (["hessian", "nowhere", "--top", "0"], "--top '0' is not an integer from 1"),
    (["hessian", "nowhere", "--probes", "1"], "--probes 1 gives no standard error"),
    (["hessian", "nowhere"], "'nowhere' is not a finished run directory"),
])
def test_bad_arguments_exit_2_with_one_line(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("\n") == 1


TINY_INVERSE = """
name: tiny_inverse
seed: 0
dtype: float64
domain:
  geometry: {type: interval, min: 0.0, max: 1.0}
  time: [0.0, 1.0]
fields: [u]
coefficients: {alpha: {init: 0.05, log: true}, a: 1.0}
terms:
  - {type: pde, residual: "u_t - alpha*u_xx", points: {n: 64, sampler: sobol}}
  - {type: dirichlet, field: u, value: 0.0, on: left, points: 16}
  - {type: neumann, field: u, value: 0.0, on: right, points: 16}
  - {type: initial, field: u, value: "a*x*(2 - x)", points: 32}
network: {type: mlp, width: 8, depth: 2}
training:
  phases: [{type: adam, steps: 300, learning_rate: 1.0e-2}]
  chunk: 100
"""


@pytest.mark.slow
def test_landscape_and_hessian_commands_on_a_trained_run(tmp_path, capsys):
    from pathlib import Path

    from pinnjax.runs.diagnose import load_run, run_objective

    (tmp_path / "tiny.yaml").write_text(TINY_INVERSE)
    run = tmp_path / "run"
    assert main(["run", str(tmp_path / "tiny.yaml"), "--out", str(run), "--quiet"]) == 0
    assert main(["landscape", str(run), "--points", "9"]) == 0
    info = json.loads((run / "diagnostics" / "landscape.json").read_text())
    arrays = np.load(run / "diagnostics" / "landscape.npz")
    assert arrays["total"].shape == (9,) and set(info["terms"]) == {"pde", "dirichlet_left_u", "neumann_right_u",
                                                                    "initial_u"}
    assert (run / "diagnostics" / "landscape.png").is_file()

    result = load_run(Path(run))
    with jax.enable_x64(True):
        obj = run_objective(result, run, seed=0)
        f, x0 = flat_loss(obj)
        hessian = np.asarray(jax.jit(jax.hessian(f))(x0))
        center = float(jax.jit(f)(x0))
    exact = np.linalg.eigvalsh(hessian)[::-1]
    assert arrays["total"][4] == pytest.approx(center, rel=1e-12) and info["center"]["total"] == arrays["total"][4]
    assert info["minimum"]["total"] == pytest.approx(info["center"]["total"])  # trained: lowest at the centre

    out = tmp_path / "named"
    assert main(["landscape", str(run), "--directions", "alpha,a", "--points", "5", "--span", "0.2",
                 "--out", str(out)]) == 0
    named = json.loads((out / "landscape.json").read_text())
    assert named["dims"] == 2 and np.load(out / "landscape.npz")["total"].shape == (5, 5)
    assert named["directions"] == ["coefficients.alpha", "coefficients.a"] and set(named["center_values"]) == {
        "coefficients.alpha", "coefficients.a"}
    capsys.readouterr()
    assert main(["landscape", str(run), "--directions", "alpha,nu"]) == 2
    assert "unknown parameter 'nu': the trainable coefficients are a, alpha" in capsys.readouterr().err

    assert main(["hessian", str(run), "--top", "3", "--probes", "200"]) == 0
    printed = capsys.readouterr().out
    report = json.loads((run / "diagnostics" / "hessian.json").read_text())
    assert report["n_params"] == hessian.shape[0] == 8 * 2 + 8 + 8 * 8 + 8 + 8 + 1 + 2
    np.testing.assert_allclose(report["top_eigenvalues"], exact[:3], rtol=1e-6)
    assert abs(report["trace"] - np.trace(hessian)) < 4 * report["trace_se"]
    assert f"{report['top_eigenvalues'][0]:.6e}" in printed and (run / "diagnostics" / "hessian.png").is_file()
