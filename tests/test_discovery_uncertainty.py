"""How sure a discovery is: bootstrap intervals against ordinary least squares' standard
errors, borderline verdicts, and the per-region misfit test on built cases."""

from __future__ import annotations

import numpy as np
import pytest

from pinnjax.discovery.challenge import ranked_additions
from pinnjax.discovery.checks import check_warnings
from pinnjax.discovery.uncertainty import (
    coefficient_intervals,
    describe_region,
    regional_misfits,
    term_evidence,
    verdict,
)


def test_bootstrap_intervals_match_the_least_squares_standard_errors():
    rng = np.random.default_rng(0)
    n, sigma = 4000, 0.3
    theta = rng.normal(size=(n, 3))
    y = theta @ np.array([2.0, -0.5, 0.0]) + sigma * rng.normal(size=n)
    mask = np.array([True, True, False])
    iv = coefficient_intervals(theta, y, mask, np.random.default_rng(1), n_resamples=400)
    assert np.isnan(iv[2]).all()
    se = sigma / np.sqrt(n)  # unit-variance, independent columns: se of each coefficient
    widths = iv[:2, 1] - iv[:2, 0]
    np.testing.assert_allclose(widths, 2 * 1.96 * se, rtol=0.2)  # 400 resamples: ~5 % error in the width
    ols = np.linalg.lstsq(theta[:, :2], y, rcond=None)[0]  # the interval is centred on the estimate
    np.testing.assert_allclose(iv[:2].mean(axis=1), ols, atol=0.5 * se)


def test_a_term_selected_in_between_is_borderline_either_way():
    assert verdict(True, 1.0) == "kept" and verdict(False, 0.05) == "dropped"
    assert verdict(True, 0.55) == "kept, borderline" and verdict(False, 0.3) == "dropped, borderline"
    xi = np.array([1.5, 0.0])
    terms = term_evidence(("u_xx", "u"), xi, np.array([[1.4, 1.6], [np.nan, np.nan]]), np.array([0.97, 0.4]))
    assert terms[0] == {"term": "u_xx", "coefficient": 1.5, "interval": [1.4, 1.6], "frequency": 0.97,
                        "data_test": None, "verdict": "kept"}
    assert terms[1]["verdict"] == "dropped, borderline" and terms[1]["interval"] is None
    warnings = check_warnings({"terms": terms}, "u_t")
    assert len(warnings) == 1 and "u (dropped, borderline, selected in 40% of resamples)" in warnings[0]


def test_a_term_the_data_tested_is_decided_by_the_data_not_the_bootstrap():
    test = {"misfit_with": 0.99, "misfit_without": 1.0, "needed": False}
    terms = term_evidence(("u_xx", "u"), np.array([1.5, 0.0]), np.array([[1.4, 1.6], [np.nan, np.nan]]),
                          np.array([0.97, 0.4]), {"u": test})
    assert terms[1]["verdict"] == "dropped by the data" and terms[1]["data_test"] == test
    assert check_warnings({"terms": terms}, "u_t") == []  # decided: no borderline warning


def test_the_noise_through_a_joint_training_gives_the_least_squares_standard_error(monkeypatch):
    # A straight-line "network" u = w t + b fitted to 200 noisy points of 2 t + 1 (sigma 0.1)
    # while the residual u_t - c holds at 50 points: at the minimum c is the least-squares
    # slope, whose standard error is s / sqrt(sum (t - mean t)^2) with s the residuals' RMS.
    # The sandwich H+ G H+ of the joint training must give it to rounding (measured 1e-14
    # relative); its interval is c1's trained value x the term's scale (3 here) +- 1.96 sd.
    import equinox as eqx
    import jax
    import jax.numpy as jnp

    import pinnjax as pj
    from pinnjax.discovery.linearized import coefficient_covariance, joint_intervals

    class Line(eqx.Module):
        w: jax.Array
        b: jax.Array

        def __call__(self, x):
            return self.w * x[:1] + self.b

    rng = np.random.default_rng(0)
    t = rng.uniform(0, 1, (200, 1))
    y = 2.0 * t[:, 0] + 1.0 + 0.1 * rng.standard_normal(200)
    problem = pj.Problem(pj.TimeInterval(0.0, 1.0), ("u",),
                         [pj.Data("u", pj.Given(t, y)), pj.PDE("u_t - c1", pj.Given(t[:50]))],
                         coefficients={"c1": pj.Coefficient(1.0)})
    result = pj.solve(problem, Line(jnp.array([0.5]), jnp.array([0.0])), [pj.LBFGS(300)], dtype="float64")
    slope, intercept = np.polyfit(t[:, 0], y, 1)
    s = np.sqrt(np.mean((y - slope * t[:, 0] - intercept) ** 2))
    se = s / np.sqrt(np.sum((t[:, 0] - t[:, 0].mean()) ** 2))
    names, cov = coefficient_covariance(result)
    assert names == ["c1"] and result.coefficients["c1"] == pytest.approx(slope, rel=1e-8)
    assert np.sqrt(cov[0, 0]) == pytest.approx(se, rel=1e-6)
    xi = np.array([0.0, 3.0 * result.coefficients["c1"]])
    intervals = joint_intervals(result, xi)
    assert np.isnan(intervals[0]).all()
    np.testing.assert_allclose(intervals[1], xi[1] + np.array([-1, 1]) * 1.959964 * 3.0 * se, rtol=1e-6)
    assert joint_intervals(result, np.array([1.0, 0.0])) is None  # c0 was not trained: no interval
    import pinnjax.discovery.linearized as linearized

    assert linearized.parameters(result) == 3  # w, b, c1
    monkeypatch.setattr(linearized, "MAX_PARAMETERS", 2)  # a network too large for the dense Hessian
    assert joint_intervals(result, xi) is None
    # 5 gross outliers (+5, 50 sigma) under a Huber loss (delta 0.5: the inliers stay quadratic):
    # robust, the rows beyond 3 robust sigmas leave H and G, and sigma is the residuals' MAD
    # (normal-scaled): the standard error is sigma / sqrt(sum over the inliers of (t - mean)^2)
    # to rounding, and within 10 % of the inliers' own least-squares one (the MAD's sampling
    # error on 195 points is ~8 %)
    from scipy import stats

    from pinnjax.discovery.checks import inliers

    y[:5] += 5.0
    robust = pj.Problem(pj.TimeInterval(0.0, 1.0), ("u",),
                        [pj.Data("u", pj.Given(t, y), loss=pj.Huber(0.5)), pj.PDE("u_t - c1", pj.Given(t[:50]))],
                        coefficients={"c1": pj.Coefficient(1.0)})
    result = pj.solve(robust, Line(jnp.array([0.5]), jnp.array([0.0])), [pj.LBFGS(300)], dtype="float64")
    inner = t[5:, 0]
    fit = np.polyfit(inner, y[5:], 1)
    s = np.sqrt(np.mean((y[5:] - np.polyval(fit, inner)) ** 2))
    se = s / np.sqrt(np.sum((inner - inner.mean()) ** 2))
    r = result.predict(t)["u"] - y
    inner_t = t[inliers(r), 0]
    exact = stats.median_abs_deviation(r, scale="normal") / np.sqrt(np.sum((inner_t - inner_t.mean()) ** 2))
    sd = np.sqrt(coefficient_covariance(result, robust=True)[1][0, 0])
    assert not inliers(r)[:5].any() and sd == pytest.approx(exact, rel=1e-6) and sd == pytest.approx(se, rel=0.1)
    assert np.sqrt(coefficient_covariance(result)[1][0, 0]) > 3 * se  # the outliers counted as noise


def test_an_admitted_term_that_another_fits_as_well_is_reported_tied_with_it():
    # The convection-diffusion-reaction benchmark at 10 % (2,000 points, resolution 1.58 %):
    # without a reaction the misfit is 0.015113; a constant source brings it to 0.0143827 and
    # u to 0.014395 (0.09 % apart), u*u_x to 0.0149 (3.6 % above the source's: not a rival).
    from types import SimpleNamespace

    from pinnjax.discovery.challenge import Challenge
    from pinnjax.discovery.stages import State

    setup = SimpleNamespace(data=range(2000), terms=SimpleNamespace(terms=("1", "u", "u*u_x")))
    evidence = {}
    change = Challenge()._verdict(setup, State(misfit_floor=0.0139), [0, 1, 2], [], 0.015113,
                                  {0: 0.0143827, 1: 0.014395, 2: 0.0149}, evidence)
    assert change == 0 and evidence["1"]["rivals"] == ["u"] and "rivals" not in evidence["u"]
    # the next round's removal trial of 1 (needed: 0.0151 without it) keeps the rivalry on record
    Challenge()._verdict(setup, State(misfit_floor=0.0139), [2], [0], 0.01438, {2: 0.01437, 0: 0.0151}, evidence)
    assert evidence["1"]["rivals"] == ["u"] and evidence["1"]["misfit_without"] == 0.0151 and evidence["1"]["needed"]
    intervals = np.array([[0.03, 0.036], [np.nan, np.nan], [np.nan, np.nan]])
    terms = term_evidence(("1", "u", "u*u_x"), np.array([0.033, 0.0, 0.0]), intervals, None, evidence)
    assert terms[0]["verdict"] == "kept by the data, tied with u" and terms[1]["verdict"] == "dropped by the data"
    warnings = check_warnings({"terms": terms}, "u_t")
    assert len(warnings) == 1 and "1 (as well fitted with u instead)" in warnings[0]


def test_ranked_additions_put_the_missing_small_term_first():
    rng = np.random.default_rng(0)
    theta = rng.normal(size=(2000, 4)) * np.array([1.0, 1.0, 0.05, 1.0])  # column 2: a small term
    y = theta @ np.array([3.0, 0.0, 1.0, 0.0]) + 0.01 * rng.normal(size=2000)
    order = ranked_additions(theta, y, np.array([True, False, False, False]))
    assert order[0] == 2 and sorted(order) == [1, 2, 3]


def _cloud(seed, n=3000):
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 1, (n, 2)), rng


def test_noise_alone_flags_no_region():
    flagged = 0
    for seed in range(20):  # 20 data sets x 16 regions; family level 1 % per data set
        points, rng = _cloud(seed)
        residuals = 0.1 * rng.normal(size=len(points))
        held = 0.1 * rng.normal(size=600)
        regions = regional_misfits(points, residuals, float(np.mean(held**2)), 600, ("x", "t"))
        assert len(regions) == 16 and sum(r["n"] for r in regions) == len(points)
        flagged += any(r["flagged"] for r in regions)
    assert flagged <= 2  # expected 0.2 false alarms


def test_a_misfit_confined_to_a_corner_is_flagged_there_only():
    points, rng = _cloud(0)
    residuals = 0.1 * rng.normal(size=len(points))
    corner = (points[:, 0] > 0.75) & (points[:, 1] > 0.75)
    residuals[corner] += 0.1 * np.sin(40 * points[corner, 0])  # a missing term's signature, RMS 0.07
    regions = regional_misfits(points, residuals, 0.01, 600, ("x", "t"))
    flagged = [r for r in regions if r["flagged"]]
    assert len(flagged) == 1
    (lo_x, _), (lo_t, _) = flagged[0]["bounds"]["x"], flagged[0]["bounds"]["t"]
    assert lo_x > 0.7 and lo_t > 0.7 and flagged[0]["misfit_ratio"] == pytest.approx(1.5, abs=0.25)
    # the average over the whole domain hides it: 1 + 0.5/16
    assert np.mean(residuals**2) / 0.01 < 1.1
    warning = check_warnings({"misfit_regions": ["x in [0.75, 1]"]}, "u_t")[0]
    assert "misfits the data beyond the noise in part of the domain: x in [0.75, 1]" in warning


def test_a_region_the_data_only_fit_also_misfits_is_compared_with_that_fit():
    # Noise-free data with a shock (Burgers at 0 %, experiments/RESULTS.md): the right
    # equation's network misfits the shock's corner 4.8x the average held-out error, and so
    # does a network fitted to the data alone on its held-out points there: approximation
    # error, not a missing term. With the fit's held-out residuals that corner is compared with
    # the fit's own misfit there (ratio ~1, not flagged); a corner where the fit does well but
    # the equation's network does not stays flagged.
    points, rng = _cloud(0)
    edge = np.quantile(points, 0.25, axis=0)  # the first equal-count bins' upper edges
    shock = (points[:, 0] < edge[0]) & (points[:, 1] < edge[1])
    residuals = 0.1 * rng.normal(size=len(points)) * np.where(shock, 2.2, 1.0)
    held_points = rng.uniform(0, 1, (600, 2))
    at_shock = (held_points[:, 0] < edge[0]) & (held_points[:, 1] < edge[1])
    held_residuals = 0.1 * rng.normal(size=600) * np.where(at_shock, 2.2, 1.0)
    alone = regional_misfits(points, residuals, 0.01, 600, ("x", "t"))
    near = [r["bounds"]["x"][0] < 0.3 and r["bounds"]["t"][0] < 0.3 for r in alone if r["flagged"]]
    assert near and all(near)  # flagged at the shock (the equal-count bins' edges are near 0.25)
    both = regional_misfits(points, residuals, 0.01, 600, ("x", "t"), held=(held_points, held_residuals))
    assert not any(r["flagged"] for r in both)
    corner = min(both, key=lambda r: (r["bounds"]["x"][0], r["bounds"]["t"][0]))  # the shock's region
    assert corner["reference"] == "fit here" and corner["misfit_ratio"] == pytest.approx(1.0, abs=0.5)
    residuals[~shock & (points[:, 0] > 0.75) & (points[:, 1] > 0.75)] *= 2.2  # misfit where the fit does well
    flagged = [r for r in regional_misfits(points, residuals, 0.01, 600, ("x", "t"), held=(held_points, held_residuals))
               if r["flagged"]]
    assert len(flagged) == 1 and flagged[0]["bounds"]["x"][0] > 0.7 and flagged[0]["reference"] == "noise"
    assert "x the data-only fit's there" in describe_region(corner)


def test_no_held_out_error_means_no_regional_test():
    points, rng = _cloud(0, 200)
    assert regional_misfits(points, rng.normal(size=200), None, 0, ("x", "t")) == []
