"""pinnjax compare: the statistics against hand computations and scipy, the recommendation,
and the command end to end (variants trained as ensembles, read back on a second call)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from pinnjax.analysis import cliffs_delta, compare_samples, holm
from pinnjax.cli import main

HEAT = Path(__file__).resolve().parents[1] / "configs" / "heat_mixed_bc.yaml"
SMALL = ["training.phases=[{type: adam, steps: 150, learning_rate: 0.003}]", "terms.0.points.n=200", "network.depth=2"]


def test_holm_matches_the_step_down_by_hand():
    # sorted 0.01, 0.03, 0.04 -> 3*0.01, max(0.03, 2*0.03), max(0.06, 1*0.04)
    np.testing.assert_allclose(holm([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06])
    np.testing.assert_allclose(holm([0.5, 0.9]), [1.0, 1.0])  # capped at 1


def test_cliffs_delta_is_the_pairwise_dominance_by_brute_force():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=9), rng.normal(0.5, size=7)
    brute = np.mean([np.sign(x - y) for x, y in itertools.product(a, b)])
    assert cliffs_delta(a, b) == pytest.approx(brute, abs=1e-12)
    assert cliffs_delta(a + 100, b) == 1.0


def test_separated_variants_are_recommended_with_significance():
    z = np.random.default_rng(0).normal(size=30)
    # mae: huber's values shifted by 0.01, a tenth of their spread: worse, but not detectably
    samples = {"mse": 1.0 + 0.1 * z[::-1], "huber": 0.5 + 0.1 * z, "mae": 0.51 + 0.1 * z}
    result = compare_samples(samples)
    assert (result.best, result.runner_up) == ("huber", "mae")
    assert not result.significant and result.recommendation.startswith("no significant difference")
    assert result.tied == ("mae",) and result.beaten == ("mse",)
    assert "huber is better than mse at the 0.05 level" in result.recommendation
    pair = next(p for p in result.pairs if {p.a, p.b} == {"mse", "huber"})
    raw = stats.mannwhitneyu(samples["mse"], samples["huber"]).pvalue
    assert pair.mann_whitney_p == pytest.approx(min(1.0, 3 * raw), rel=1e-9) or pair.mann_whitney_p < 1e-9
    assert pair.cliffs_delta > 0.9 and pair.effect == "large"
    two = compare_samples({k: samples[k] for k in ("mse", "huber")})
    assert two.best == "huber" and two.significant and two.recommendation.startswith("use huber")
    v = next(s for s in two.variants if s.name == "huber")
    assert v.median == pytest.approx(np.median(samples["huber"]))
    assert v.ci_low < np.mean(samples["huber"]) < v.ci_high and v.ci_high - v.ci_low < 0.1


def test_higher_is_better_and_failed_members_are_counted_not_compared():
    result = compare_samples({"a": [0.9, 0.8, np.nan, 0.85], "b": [0.5, 0.4, 0.45, 0.55]}, lower_is_better=False)
    assert result.best == "a"
    a = next(s for s in result.variants if s.name == "a")
    assert (a.n, a.failed) == (3, 1)
    with pytest.raises(ValueError, match="no finite values for b"):
        compare_samples({"a": [1.0, 2.0], "b": [np.nan, np.nan]})


@pytest.mark.parametrize("argv, message", [
    (["--vary", "network.width"], "must look like KEY=V1,V2"),
    (["--vary", "network.widht=8,16"], "has no key 'widht'"),
    (["--vary", "network.width=8,16", "--seeds", "1"], "at least 2 seeds"),
    (["--vary", "network.width=8,16", "--metric", "coefficients.nu"], "choose one of ['relative_l2.u'"),
    (["--vary", "network.width=8"], "give at least two values"),
])
def test_bad_arguments_exit_2_naming_the_fix(argv, message, tmp_path, capsys):
    assert main(["compare", str(HEAT), *argv, "--out", str(tmp_path)]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.slow
def test_compare_trains_each_variant_as_an_ensemble_and_reads_it_back(tmp_path, capsys):
    argv = ["compare", str(HEAT), *SMALL, "--vary", "terms.0.loss=mse,mae", "--seeds", "3", "--out", str(tmp_path),
            "--quiet"]
    assert main(argv) == 0
    report = json.loads((tmp_path / "comparison.json").read_text())
    assert set(report["values"]) == {"terms.0.loss=mse", "terms.0.loss=mae"}
    for label, values in report["values"].items():  # each value is that member's own relative L2
        folder = tmp_path / "variants" / label
        for seed, value in values.items():
            member = json.loads((folder / "members" / f"seed_{seed}" / "summary.json").read_text())
            assert member["relative_l2"]["u"] == pytest.approx(value)
            assert 1e-4 < value < 0.5  # a short training: a rough but finite solution
    assert report["best"] in report["values"] and (tmp_path / "comparison.png").stat().st_size > 5000
    capsys.readouterr()
    assert main(argv) == 0  # read back, not retrained
    assert capsys.readouterr().err.count("read back") == 2
    assert json.loads((tmp_path / "comparison.json").read_text())["values"] == report["values"]
