"""Pointwise loss kinds against their formulas."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import pinnjax as pj
from pinnjax.problem.losses import get_loss

R = np.array([-30.0, -2.0, -0.5, 0.0, 0.3, 1.0, 4.0])


@pytest.mark.parametrize(
    "name, options, formula",
    [
        ("mse", {}, lambda r: r**2),
        ("mae", {}, np.abs),
        ("huber", {"delta": 1.0}, lambda r: np.where(np.abs(r) <= 1, 0.5 * r**2, np.abs(r) - 0.5)),
        ("pseudo-huber", {"delta": 2.0}, lambda r: 4.0 * (np.sqrt(1 + (r / 2) ** 2) - 1)),
        ("log_cosh", {"scale": 1.0}, lambda r: np.log(np.cosh(r))),
        ("cauchy", {"scale": 0.5}, lambda r: 0.125 * np.log1p((r / 0.5) ** 2)),
    ],
)
def test_loss_matches_formula(name, options, formula):
    with jax.enable_x64(True):
        got = get_loss(name, **options)(jnp.asarray(R))
    # float64 evaluation of closed forms: agreement to rounding (1e-12 relative).
    np.testing.assert_allclose(got, formula(R), rtol=1e-12, atol=1e-12)


def test_log_cosh_does_not_overflow_and_vector_residuals_sum_components():
    assert np.isfinite(float(pj.LogCosh()(jnp.array([1e4]))[0]))
    r = jnp.array([[1.0, 2.0], [3.0, 0.0]])
    np.testing.assert_allclose(pj.MSE()(r), [5.0, 9.0])


def test_robust_losses_grow_slower_than_mse_for_outliers():
    big = jnp.array([100.0])
    assert float(pj.Cauchy()(big)[0]) < float(pj.Huber()(big)[0]) < float(pj.MSE()(big)[0])


def test_bad_loss_names_and_parameters():
    with pytest.raises(ValueError, match="unknown loss 'hubr'; did you mean 'huber'"):
        get_loss("hubr")
    with pytest.raises(ValueError, match="delta must be > 0"):
        pj.Huber(delta=0.0)
    with pytest.raises(TypeError, match="loss must be a name"):
        get_loss(3)
