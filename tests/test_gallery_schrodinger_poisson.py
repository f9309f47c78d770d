"""The Schrödinger–Poisson gallery system: the config's terms on a field known by hand, the
self-consistent finite-difference reference against closed forms, and a short training."""

import dataclasses
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import pinnjax as pj
from pinnjax.config import build_experiment, load_config

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "configs" / "gallery" / "schrodinger_poisson.yaml"
sys.path.insert(0, str(ROOT / "experiments"))
import gallery_schrodinger_poisson as sp

PI = np.pi


def known_fields(x, _y):
    """psi0 = √2 sin πx, psi1 = √2 sin 2πx (normalized, orthogonal) and the phi that solves
    -phi'' = 10 (psi0² + psi1²) = 20 - 10 cos 2πx - 10 cos 4πx with phi(0) = phi(1) = 0."""
    x = x[0]
    phi = 10 * x * (1 - x) + 10 * (1 - jnp.cos(2 * PI * x)) / (4 * PI**2) + 10 * (1 - jnp.cos(4 * PI * x)) / (16 * PI**2)
    return jnp.stack([jnp.sqrt(2.0) * jnp.sin(PI * x), jnp.sqrt(2.0) * jnp.sin(2 * PI * x), phi])


def known_phi(x):
    return 10 * x * (1 - x) + 10 * (1 - np.cos(2 * PI * x)) / (4 * PI**2) + 10 * (1 - np.cos(4 * PI * x)) / (16 * PI**2)


def test_the_config_has_three_fields_two_eigenvalues_from_physics_and_exact_end_values():
    exp = build_experiment(load_config(CONFIG), base_dir=CONFIG.parent)
    p = exp.problem
    assert p.fields == ("psi0", "psi1", "phi") and tuple(p.coefficients) == ("E0", "E1")
    assert exp.dtype == "float64" and [type(ph) for ph in exp.phases] == [pj.Adam, pj.BFGS]
    assert {t.name for t in p.terms} == {"state0", "state1", "poisson", "norm0", "norm1", "orth01", "order01"}
    # the initial values: ordered, and above the bare box's (n+1)² π²/2, since phi > 0 raises them
    inits = [p.coefficients[f"E{i}"].init for i in range(2)]
    assert inits == sorted(inits) and all(e > (i + 1) ** 2 * PI**2 / 2 for i, e in enumerate(inits))
    with jax.enable_x64(True):
        for x in (0.0, 1.0):
            np.testing.assert_allclose(p.transform(np.array([x]), np.full(3, 7.0)), 0.0, atol=1e-12)


def test_the_terms_on_fields_known_by_hand():
    """Each residual of the config, evaluated on known_fields, against its value worked out by hand."""
    exp = build_experiment(load_config(CONFIG), base_dir=CONFIG.parent)
    problem = dataclasses.replace(exp.problem, transform=known_fields)
    with jax.enable_x64(True):
        net = pj.MLP(1, 3, 4, 1, key=jax.random.PRNGKey(0), dtype=jnp.float64)
        compiled, arrays = pj.compile_problem(problem, net)
        params = {"net": arrays, "coefficients": problem.initial_coefficients(np.float64)}
        batch = jax.tree_util.tree_map(jnp.asarray, compiled.draw_batch(np.random.default_rng(0)))
        r = {t.name: np.asarray(compiled.term_residual(t, params, batch[t.name])) for t in compiled.terms}
        x = {name: np.asarray(batch[name]["x"])[:, 0] for name in ("state0", "state1")}
    e0, e1 = (problem.coefficients[k].init for k in ("E0", "E1"))
    # -1/2 psi_n'' = (n+1)² π²/2 psi_n for the box states, so state_n = ((n+1)² π²/2 + phi - E_n) psi_n
    for n, (name, e) in enumerate((("state0", e0), ("state1", e1))):
        xs = x[name]
        expected = ((n + 1) ** 2 * PI**2 / 2 + known_phi(xs) - e) * np.sqrt(2) * np.sin((n + 1) * PI * xs)
        np.testing.assert_allclose(r[name], expected, atol=1e-9)
    np.testing.assert_allclose(r["poisson"], 0.0, atol=1e-9)  # phi solves the Poisson equation exactly
    for name in ("norm0", "norm1", "orth01"):  # ∫ 2 sin² = 1, ∫ 2 sin πx sin 2πx = 0 by Gauss-Legendre
        np.testing.assert_allclose(r[name], 0.0, atol=1e-12)
    assert np.all(r["order01"] == 0.0)  # E0 <= E1 holds


def test_the_reference_without_charge_is_the_discrete_box():
    """q = 0: phi = 0 and the FD levels are exactly 2 sin²(kπh/2)/h², k = 1, 2."""
    n = 400
    ref = sp.self_consistent(n, q=0.0)
    h = 1.0 / (n + 1)
    exact = 2 * np.sin(np.arange(1, 3) * PI * h / 2) ** 2 / h**2
    np.testing.assert_allclose(ref["E"], exact, rtol=1e-10)  # eigensolver round-off ~ eps / h²
    assert np.all(ref["phi"] == 0.0)


def test_the_reference_is_self_consistent_and_converged():
    n = 1000
    ref = sp.self_consistent(n)
    h, phi, psi = ref["h"], ref["phi"], ref["psi"]
    # the converged phi solves the discrete Poisson problem for the final states' density
    padded = np.concatenate([[0.0], phi, [0.0]])
    minus_laplacian = -(padded[2:] - 2 * padded[1:-1] + padded[:-2]) / h**2
    np.testing.assert_allclose(minus_laplacian, 10 * np.sum(psi**2, axis=1), atol=1e-7)
    np.testing.assert_allclose(h * psi.T @ psi, np.eye(2), atol=1e-12)  # normalized, orthogonal
    assert np.all(phi > 0) and np.all(ref["E"] > (np.arange(1, 3) ** 2) * PI**2 / 2)  # phi raises the levels
    # the Richardson-extrapolated values barely move between (N/2, N) and (N, 2N)
    assert sp.reference(n)["change"].max() < 1e-7


@pytest.mark.slow
def test_a_short_training_finds_both_eigenvalues():
    """Adam 1000 + BFGS 600 steps (the config's recipe, shortened; about 20 s). Measured: 2.4e-7 and
    3.9e-8 relative; the bound 1e-5 is 40x the larger and 100x under the gallery's 1e-3 target."""
    result, _ = sp.train(adam=1000, bfgs=600)
    exact = sp.reference(1000)["E"]
    errors = [abs(result.coefficients[f"E{i}"] - exact[i]) / exact[i] for i in range(2)]
    assert max(errors) < 1e-5, errors
