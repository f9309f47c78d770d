"""The convex free-energy gallery system (configs/gallery/free_energy.yaml): its data are
the script's noise draw 0, the convexity terms penalize exactly the negative part of G_xx,
the override ``terms.1.weight=0 terms.2.weight=0`` turns them off, and a training keeps
G convex on a fine grid."""

import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import pinnjax as pj
from pinnjax.config import build_experiment, load_config

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "experiments"))
import gallery_free_energy as fe

CONFIG = ROOT / "configs" / "gallery" / "free_energy.yaml"
OFF = ["terms.1.weight=0", "terms.2.weight=0"]


def _experiment(overrides=()):
    return build_experiment(load_config(CONFIG, list(overrides)), base_dir=CONFIG.parent)


def _losses(exp):
    """(total, per-term losses) of the config's problem at its initial network."""
    with jax.enable_x64(True):
        compiled, arrays = pj.compile_problem(exp.problem, exp.network)
        params = {"net": arrays, "coefficients": exp.problem.initial_coefficients(np.float64)}
        batch = jax.tree_util.tree_map(jnp.asarray, compiled.draw_batch(np.random.default_rng(0)))
        total, losses = compiled.loss_fn(params, batch, compiled.initial_weights(np.float64))
    return float(total), {k: float(v) for k, v in losses.items()}, batch


def test_the_model_is_convex_above_its_critical_temperature():
    assert fe.RT / (fe.OMEGA / 2) == pytest.approx(1.1)
    x = np.linspace(0.03, 0.97, 95)
    h = 1e-4
    by_differences = (fe.free_energy(x + h) - 2 * fe.free_energy(x) + fe.free_energy(x - h)) / h**2
    np.testing.assert_allclose(fe.curvature(x), by_differences, rtol=1e-5)
    assert fe.curvature(fe.grid()).min() == pytest.approx(0.4, abs=1e-6) == pytest.approx(fe.G_XX_MIN)
    assert fe.MARGIN == pytest.approx(0.04)
    # the least-squares baseline recovers the model's parameters from noiseless samples
    x = np.linspace(fe.LO, fe.HI, fe.N_DATA)
    assert fe.least_squares(x, fe.free_energy(x)) == pytest.approx((fe.OMEGA, fe.RT), rel=1e-10)


def test_the_committed_data_are_noise_draw_zero():
    x, g = fe.read_csv(fe.DATA)
    x0, g0 = fe.make_data(0)
    assert np.array_equal(x, x0) and np.array_equal(g, g0)
    assert len(x) == 40 and x.min() == pytest.approx(0.02) and x.max() == pytest.approx(0.98)
    residual = g - fe.free_energy(x)
    assert fe.noise_sigma() == pytest.approx(0.02 * 0.1938, rel=1e-3)
    assert 0.5 * fe.noise_sigma() < residual.std() < 1.5 * fe.noise_sigma()
    # another draw differs
    assert not np.array_equal(fe.make_data(1)[1], g)


def test_the_config_fits_data_with_convexity_inside_and_at_both_ends():
    exp = _experiment()
    p = exp.problem
    assert p.fields == ("G",) and exp.dtype == "float64"
    assert [type(ph) for ph in exp.phases] == [pj.Adam, pj.BFGS]
    data, inside, ends = p.terms
    assert isinstance(data, pj.Data) and data.targets == ("G",)
    np.testing.assert_array_equal(np.asarray(data.points.values).ravel(), fe.make_data(0)[1])
    for term in (inside, ends):
        assert isinstance(term, pj.Inequality)
        assert (term.expression, term.lower, term.upper, term.weight) == ("G_xx", 0.04, None, 1.0)
        assert term.lower == pytest.approx(fe.MARGIN)
    _, _, batch = _losses(exp)
    inner = np.asarray(batch["convexity"]["x"]).ravel()
    assert inner.size == 4096 and fe.LO < inner.min() and inner.max() < fe.HI
    assert sorted(np.asarray(batch["convexity_ends"]["x"]).ravel()) == pytest.approx([fe.LO, fe.HI])


def test_the_convexity_terms_penalize_only_negative_curvature_and_weight_zero_turns_them_off():
    # a known field, concave near x = 1/2 only: G = (x - 1/2)^4 - x^2/10, G_xx = 12 (x - 1/2)^2 - 1/5
    field = ["transform={G: '(x - 0.5)**4 - 0.1*x**2 + 0*G'}"]
    total, losses, batch = _losses(_experiment(field))
    x = np.asarray(batch["convexity"]["x"]).ravel()
    gxx = 12 * (x - 0.5) ** 2 - 0.2
    assert (gxx < 0).any() and (gxx > 0).any()
    assert losses["convexity"] == pytest.approx(np.mean(np.minimum(gxx - fe.MARGIN, 0) ** 2), rel=1e-10)
    assert losses["convexity_ends"] == 0.0  # convex at both ends
    xd, gd = fe.read_csv(fe.DATA)
    assert losses["data"] == pytest.approx(np.mean(((xd - 0.5) ** 4 - 0.1 * xd**2 - gd) ** 2), rel=1e-10)
    assert total == pytest.approx(sum(losses.values()), rel=1e-12)
    # concave everywhere: G = -x^2 gives G_xx = -2, a violation of 2 + the margin at every point
    _, concave, _ = _losses(_experiment(["transform={G: '-x**2 + 0*G'}"]))
    assert concave["convexity"] == pytest.approx(2.04**2) and concave["convexity_ends"] == pytest.approx(2.04**2)
    # the unconstrained variant: the terms still computed, weighing nothing
    off_total, off, _ = _losses(_experiment(field + OFF))
    assert off["convexity"] == pytest.approx(losses["convexity"]) and off_total == pytest.approx(off["data"], rel=1e-12)


@pytest.mark.slow
def test_the_shipped_recipe_keeps_g_convex_and_close_to_the_truth():
    """The config at a shorter budget (Adam 1000 + BFGS 800 instead of 2000 + 2000, ~25 s), seed 0:
    no negative curvature anywhere on the 10,000-point grid (the term asks G_xx >= 0.04; the full
    budget keeps min G_xx at 0.039-0.040 for seeds 0-2), relative L2 below 0.02 (full budget 9.4e-3;
    a factor 2 for other platforms' roundoff along the BFGS trajectory, and 6x below the
    unconstrained fit's 0.12 at seed 0)."""
    exp = _experiment(["training.phases.0.steps=1000", "training.phases.1.steps=800"])
    with jax.enable_x64(True):
        result = pj.solve(exp.problem, exp.network, exp.phases, **exp.solve_kwargs)
    out = result.predict(fe.grid(), ["G", "G_xx"])
    assert out["G_xx"].min() >= 0
    rel, _ = fe.errors(out["G"])
    assert rel < 0.02
