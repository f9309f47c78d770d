"""Warnings that catch silent failures: each on a training built to trigger it, none on a
training that converged, and what `pinnjax run` prints at its end."""

from __future__ import annotations

import jax
import numpy as np
import pytest

import pinnjax as pj
from pinnjax.train.health import training_warnings
from pinnjax.train.loop import History, PhaseReport


def _poisson(weight_bc=1.0):
    return pj.Problem(pj.Interval(0.0, 1.0), ("u",), [pj.PDE("u_xx + pi**2*sin(pi*x)", 64),
                                                      pj.Dirichlet("u", 0.0, points=2, weight=weight_bc)])


def _solve(problem, phases, seed=0):
    with jax.enable_x64(True):
        net = pj.MLP(1, 1, 12, 2, key=jax.random.key(seed), dtype=jax.numpy.float64)
        return pj.solve(problem, net, phases, dtype="float64", chunk=50, seed=seed)


def _codes(result, weights=None):
    return [w["code"] for w in training_warnings(result.history, result.phases, weights)]


@pytest.mark.slow
def test_a_converged_run_raises_no_warning():
    result = _solve(_poisson(), [pj.Adam(300, 1e-2), pj.LBFGS(300)])
    assert result.final_losses["pde"] < 1e-6  # measured ~1e-9: converged
    assert _codes(result) == []


def test_stopping_after_a_short_adam_warns_that_the_loss_still_falls():
    result = _solve(_poisson(), [pj.Adam(200, 1e-3)])
    warnings = training_warnings(result.history, result.phases)
    assert [w["code"] for w in warnings] == ["still_falling"]
    assert "ended on its step budget while the loss was still falling" in warnings[0]["message"]


def test_an_inverse_coefficient_still_moving_is_flagged_with_its_trajectory():
    x = np.linspace(0, 1, 50)[:, None]
    problem = pj.Problem(pj.Interval(0.0, 1.0), ("u",),
                         [pj.PDE("u_xx + k*pi**2*sin(pi*x)", 64), pj.Dirichlet("u", 0.0, points=2),
                          pj.Data("u", pj.Given(x, 2 * np.sin(np.pi * x[:, 0])))],
                         coefficients={"k": pj.Coefficient(0.5)})
    result = _solve(problem, [pj.Adam(300, 1e-2)])  # k: 0.5, down to 0.27, up to 0.49 by step 300 (truth 2)
    messages = {w["code"]: w["message"] for w in training_warnings(result.history, result.phases)}
    assert "coefficient_moving" in messages and "k (" in messages["coefficient_moving"]


def test_a_term_that_outweighs_the_others_by_orders_of_magnitude():
    history = History()
    history.extend(0, 0, np.linspace(1, 0.5, 40), {"pde": np.full(40, 1e-9), "data": np.full(40, 0.5)})
    reports = [PhaseReport("lbfgs", 40, 100, "gradient tolerance", 1.0, 0.1, 0.5)]
    warnings = training_warnings(history, reports, {"pde": 1.0, "data": 1.0})
    assert [w["code"] for w in warnings] == ["dominant_term"]
    assert "'data' dominates the loss" in warnings[0]["message"]
    # weighted, the same losses are balanced
    assert "dominant_term" not in [w["code"] for w in training_warnings(history, reports, {"pde": 1e8, "data": 1.0})]
    # a converged run whose terms end far apart, the larger 1e10 below its start: not flagged
    converged = History()
    converged.extend(0, 0, np.geomspace(50, 1e-9, 40), {"pde": np.geomspace(50, 1e-9, 40),
                                                         "bc": np.geomspace(1.0, 1e-15, 40)})
    assert training_warnings(converged, reports, {"pde": 1.0, "bc": 1.0}) == []


def test_a_loss_flat_at_a_high_value_and_a_line_search_that_fails_at_once():
    history = History()
    history.extend(0, 0, np.r_[np.linspace(1.0, 0.6, 50), np.full(100, 0.6)], {})
    reports = [PhaseReport("adam", 140, 140, "step budget", 1.0, 0.1, 0.6),
               PhaseReport("lbfgs", 2, 1000, "no progress", 1.0, 0.1, 0.6)]
    codes = [w["code"] for w in training_warnings(history, reports)]
    assert codes == ["flat_high", "early_line_search_stop"]
    reports[1] = PhaseReport("lbfgs", 2, 1000, "gradient tolerance", 1.0, 0.1, 0.6)  # converged already: fine
    assert "early_line_search_stop" not in [w["code"] for w in training_warnings(history, reports)]


def test_run_prints_losses_coefficients_and_warnings_at_its_end(tmp_path, capsys):
    from pinnjax.cli import main

    path = tmp_path / "c.yaml"
    path.write_text("""
name: short
dtype: float64
domain: {geometry: {type: interval, min: 0.0, max: 1.0}}
fields: [u]
coefficients: {k: {init: 0.5}}
terms:
  - {type: pde, residual: "u_xx + k*pi**2*sin(pi*x)", points: 64}
  - {type: dirichlet, field: u, points: 2}
network: {type: mlp, width: 12, depth: 2}
training: {phases: [{type: adam, steps: 200, learning_rate: 0.001}]}
""")
    assert main(["run", str(path), "--out", str(tmp_path / "run"), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "pinnjax: final losses: dirichlet_boundary_u " in err and ", pde " in err and "pinnjax: trained coefficients: k = " in err
    assert "warning: the last phase (adam) ended on its step budget while the loss was still falling" in err
    import json

    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert "still_falling" in [w["code"] for w in summary["warnings"]]
