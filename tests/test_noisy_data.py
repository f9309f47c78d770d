"""Synthetic data with noise: the noise models against their distributions, data terms drawn
from built-in references in YAML, and a noise draw of its own for every seed and member."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from pinnjax import Given, Noise
from pinnjax.config import ConfigError, build_experiment, load_config
from pinnjax.engine.compiled import compile_problem
from pinnjax.reference.burgers import burgers

CONFIG = """
name: noisy
seed: 0
dtype: float64
domain: {geometry: {type: interval, min: -1.0, max: 1.0}, time: [0.0, 1.0]}
fields: [u]
coefficients: {nu: {init: 0.05}}
terms:
  - {type: pde, residual: "u_t + u*u_x - nu*u_xx", points: 100}
  - {type: data, reference: {type: burgers}, n_points: 400, noise: 0.1}
network: {type: mlp, width: 8, depth: 2}
training: {phases: [{type: adam, steps: 10}]}
"""


@pytest.mark.parametrize("distribution, scale_of", [
    ("gaussian", lambda e: np.std(e)),  # std 1
    ("laplace", lambda e: np.mean(np.abs(e))),  # scale b = 1 is the mean absolute value
    ("cauchy", lambda e: np.median(np.abs(e))),  # scale 1 is the median absolute value
    ("student_t", lambda e: np.median(np.abs(e)) / stats.t(2).ppf(0.75)),
])
def test_each_distribution_is_scaled_by_the_level_times_the_values_spread(distribution, scale_of):
    values = np.linspace(-1, 1, 200_000)  # std 0.577
    noise = Noise(0.1, distribution, df=2)
    eps = (noise.apply(values, np.random.default_rng(0)) - values) / (0.1 * np.std(values))
    assert scale_of(eps) == pytest.approx(1.0, rel=0.02)  # 200k draws: sampling error < 1 %


def test_outliers_replace_a_fraction_by_gross_errors_of_the_given_size():
    values = np.random.default_rng(1).normal(size=100_000)
    noisy = Noise(0.01, outliers=0.02, outlier_size=5).apply(values, np.random.default_rng(2))
    gross = np.abs(noisy - values) > 1
    assert gross.mean() == pytest.approx(0.02, abs=0.002)  # binomial sd 0.00044
    np.testing.assert_allclose(np.abs(noisy - values)[gross], 5 * np.std(values))


def test_bad_noise_is_refused_with_its_bounds():
    with pytest.raises(ValueError, match="distribution 'pareto' is not one of"):
        Noise(0.1, "pareto")
    with pytest.raises(ValueError, match=r"outliers must be in \[0, 0.5\]"):
        Noise(0.1, outliers=0.7)


def _experiment(text, tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    return build_experiment(load_config(path), base_dir=tmp_path)


def _data_values(exp, seed):
    compiled, _ = compile_problem(exp.problem, exp.network)
    return np.asarray(compiled.draw_batch(np.random.default_rng(seed))["data"]["values"])


def test_reference_data_are_the_solution_at_the_chosen_points_and_each_seed_draws_its_own_noise(tmp_path):
    exp = _experiment(CONFIG, tmp_path)
    given = next(t for t in exp.problem.terms if t.name == "data").points
    ref = burgers()
    pts, vals = ref.finite("u")
    rows = [np.flatnonzero(np.all(pts == p, axis=1))[0] for p in given.points[:50]]
    np.testing.assert_array_equal(given.values[:50], vals[rows])  # clean values of the reference's own points
    a, b, a_again = _data_values(exp, 0), _data_values(exp, 1), _data_values(exp, 0)
    np.testing.assert_array_equal(a, a_again)
    assert not np.allclose(a, b)
    for draw in (a, b):  # Gaussian noise of std 0.1 std(u): measured to ~4 % with 400 points
        assert np.std(draw - given.values) / (0.1 * np.std(given.values)) == pytest.approx(1.0, abs=0.15)


def test_a_given_set_with_noise_keeps_its_clean_values():
    given = Given(np.zeros((3, 1)), np.ones(3), noise=Noise(0.5))
    drawn = given.draw(None, np.random.default_rng(0))["values"]
    np.testing.assert_array_equal(given.values, np.ones(3))
    np.testing.assert_array_equal(drawn, np.ones(3))  # std of constant values is 0: nothing to scale


@pytest.mark.parametrize("old, new, key, message", [
    ("n_points: 400", "n_points: 999999", "terms[1].n_points", "asks for 999999 points"),
    ("reference: {type: burgers}", "reference: {type: burgers}, file: d.npz", "terms[1]", "not both"),
    ("noise: 0.1", "noise: {level: 0.1, distribution: pareto}", "terms[1].noise.distribution", "pareto"),
    ("noise: 0.1", "noise: -1", "terms[1].noise", "noise must be a level in [0, 10]"),
    ("reference: {type: burgers}, ", "targets: [u], ", "terms[1]", "either as file"),
])
def test_bad_reference_data_is_refused_at_the_key(old, new, key, message, tmp_path):
    with pytest.raises(ConfigError) as err:
        _experiment(CONFIG.replace(old, new), tmp_path)
    assert err.value.path == key and message in str(err.value)


def test_noise_on_a_data_file_is_refused(tmp_path):
    np.savez(tmp_path / "d.npz", x=np.zeros(3), t=np.zeros(3), u=np.zeros(3))
    text = CONFIG.replace("reference: {type: burgers}, n_points: 400, noise: 0.1", "file: d.npz, targets: [u], noise: 0.1")
    with pytest.raises(ConfigError, match="noise applies to data drawn from a reference"):
        _experiment(text, tmp_path)
