"""`pinnjax validate --estimate`: a training time from a short calibration, as a range, and
that range against real runs of the same configs."""

import json
import re

import pytest

from pinnjax.cli import main
from pinnjax.discovery.recipe import Recipe
from pinnjax.discovery.stages import FitData, Prune, Screen, Smooth, Widen
from pinnjax.runs.estimate import StepCost, discovery_seconds
from pinnjax.train.phases import LBFGS, Adam

from test_cli import TINY  # a tiny heat run: adam STEPS, then lbfgs 40

DISCOVERY = """
kind: discovery
name: tiny_burgers
data: {reference: {type: burgers}, field: u, coordinates: [x, t], n_points: 600, seed: 0}
library: {degree: 1, order: 2}
network: {type: mlp, width: 16, depth: 2}
fit: [{type: adam, steps: 200, learning_rate: 3.0e-3}, {type: lbfgs, steps: 150}]
physics: [{type: lbfgs, steps: 200}]
polish: [{type: lbfgs, steps: 100}]
max_rounds: 1
challengers: 0
max_widenings: 0
n_bootstrap: 10
n_collocation: 500
dtype: float64
"""

DURATION = r"\d+h\d+m|\d+m\d+s|\d+s"  # as progress prints it: 1h02m, 3m05s, 12s


def seconds(text: str) -> int:
    h, m, s = (re.search(rf"(\d+){unit}", text) for unit in "hms")
    return sum(int(x.group(1)) * f for x, f in ((h, 3600), (m, 60), (s, 1)) if x)


def printed_range(err: str) -> tuple[int, int]:
    found = re.search(rf"estimated training time on this machine: ({DURATION}) to ({DURATION}) ", err)
    assert found, err
    return seconds(found.group(1)), seconds(found.group(2))


def test_discovery_seconds_count_each_stage_trainings_at_the_measured_costs():
    recipe = Recipe((FitData((Adam(100),), validation=0.0), Screen(), Smooth((Adam(50),)),
                     Prune((Adam(200), LBFGS(300)), max_rounds=3),
                     Widen((Prune((Adam(200), LBFGS(300)), max_rounds=2),), max_widenings=1)))
    costs = {("data-only", "Adam", "adam"): StepCost((1e-3, 2e-3), (1.0, 1.0)),
             ("whole", "Adam", "adam"): StepCost((30e-3, 31e-3), (2.0, 2.0)),
             ("joint", "Adam", "adam"): StepCost((10e-3, 31e-3), (1.5, 2.0)),
             ("joint", "LBFGS", "lbfgs"): StepCost((10e-3, 40e-3), (1.5, 4.0))}
    fit = (1.0 + 100 * 1e-3, 1.0 + 100 * 2e-3)
    smooth = (2.0 + 50 * 30e-3, 2.0 + 50 * 31e-3)
    joint = (1.5 + 200 * 10e-3 + 1.5 + 300 * 10e-3, 2.0 + 200 * 31e-3 + 4.0 + 300 * 40e-3)
    lo, hi = discovery_seconds(recipe, costs, n_seeds=2)
    # fewest: the fit, the smoothing and one pruning round, no widening; most: 3 rounds, and a widening's 2
    assert lo == pytest.approx(2 * (fit[0] + smooth[0] + joint[0]))
    assert hi == pytest.approx(2 * (fit[1] + smooth[1] + 3 * joint[1] + 2 * joint[1]))
    assert recipe.step_range() == (100 + 50 + 500, 100 + 50 + 3 * 500 + 2 * 500)


def test_the_least_time_counts_joint_trainings_ended_on_a_plateau_and_the_most_their_budgets():
    # Prune's L-BFGS 3,000 may end after the plateau's 500-step window: the least counts
    # 500 steps of it, the most all 3,000; without a plateau both count 3,000.
    stages = (FitData((Adam(100),), validation=0.0), Screen(), Prune((Adam(200), LBFGS(3000)), max_rounds=1))
    costs = {("data-only", "Adam", "adam"): StepCost((1e-3, 1e-3), (0.0, 0.0)),
             ("joint", "Adam", "adam"): StepCost((10e-3, 10e-3), (0.0, 0.0)),
             ("joint", "LBFGS", "lbfgs"): StepCost((10e-3, 10e-3), (0.0, 0.0))}
    assert discovery_seconds(Recipe(stages, plateau=0.1), costs, 1) == pytest.approx((0.1 + 2.0 + 5.0, 0.1 + 2.0 + 30.0))
    assert discovery_seconds(Recipe(stages, plateau=0.0), costs, 1) == pytest.approx((0.1 + 2.0 + 30.0,) * 2)


def estimate_then_run(tmp_path, capsys, text: str, command: str) -> tuple[int, int, float, str]:
    """The range ``pinnjax validate --estimate`` prints for ``text``, the wall time of its
    training when ``pinnjax COMMAND`` runs it, and what validate printed."""
    path = tmp_path / "config.yaml"
    path.write_text(text)
    assert main(["validate", str(path), "--estimate"]) == 0
    err = capsys.readouterr().err
    lo, hi = printed_range(err)
    assert main([command, str(path), "--out", str(tmp_path / "run"), "--quiet"]) == 0
    return lo, hi, json.loads((tmp_path / "run" / "summary.json").read_text())["wall_time"], err


@pytest.mark.slow
def test_estimate_of_a_run_is_a_range_that_holds_its_real_wall_time(tmp_path, capsys):
    lo, hi, wall, err = estimate_then_run(tmp_path, capsys, TINY.replace("STEPS", "2000"), "run")
    assert 0 < lo <= hi
    assert "adam" in err and "lbfgs" in err and "for 2,040 steps" in err
    # A factor 3 either way: the calibration times 75 steps per optimizer on a machine other
    # jobs share (a chunk's time varies by tens of percent), the printed durations are whole
    # seconds, and the run may read compilations the test session already cached.
    assert lo / 3 <= wall <= 3 * max(hi, 1), (lo, hi, wall)


@pytest.mark.slow
def test_estimate_of_a_discovery_is_a_range_that_holds_its_real_wall_time(tmp_path, capsys):
    """Measured once with twice these budgets: 12 s to 1m19s estimated, 31.7 s run (2 shared
    cores); halved, then one pruning round, no challenge and no widening, to keep the suite
    within its 10 minutes (the test ran 57 s -> 36 s; with float32 exploration timed beside
    the float64 polish, 79 s -> 59 s; then L-BFGS alone in the physics phases, which spares
    two Adam calibrations). The trainings left: fit, smoothing, one pruning round (float32)
    and the polish (float64): both precisions' costs are still estimated."""
    lo, hi, wall, err = estimate_then_run(tmp_path, capsys, DISCOVERY, "discover")
    assert 0 < lo < hi
    for label in ("data-only adam", "data-only lbfgs", "whole-library lbfgs", "joint lbfgs", "polish lbfgs"):
        assert label in err
    # The factor 3 of the run's test; besides, the run selects and checks between trainings
    # (not estimated) and its L-BFGS phases may stop before their budgets.
    assert lo / 3 <= wall <= 3 * hi, (lo, hi, wall)
