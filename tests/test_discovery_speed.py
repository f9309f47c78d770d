"""What makes a discovery fast: joint trainings end on a plateau of their loss (PlateauStop),
where the rest of the budget could not change the loss by an amount the data could tell
apart; and the trainings that only decide which terms to keep run in float32."""

from types import SimpleNamespace

import numpy as np
import pytest

import pinnjax as pj
from pinnjax.discovery.checks import loss_resolution
from pinnjax.discovery.early_stop import PlateauStop


def _feed(stop, losses, phase=1):
    """Call ``stop`` at chunk ends (every 100 steps) of phase ``phase`` with ``losses(step)``;
    the step it asked to end at, or None."""
    for step in range(100, stop.budget + 1, 100):
        info = {"state": SimpleNamespace(phase=phase, phase_step=step), "total": losses(step)}
        if stop(info):
            return step
    return None


PHASES = (pj.Adam(100), pj.LBFGS(2000))


def test_a_loss_that_stops_falling_ends_the_last_phase_one_window_later():
    # falls by 10% per 100 steps until step 300, then flat: over a 500-step window the first
    # chunk end with no decrease is 300 + 500 = 800 (at 700 the window still holds 200 -> 300)
    def loss(s):
        return 1.0 + 0.1 * max(3 - s // 100, 0)

    assert _feed(PlateauStop(PHASES, 1e-3), loss) == 800


def test_a_steady_decrease_runs_until_the_rest_of_the_budget_could_not_matter():
    # exp(-a s) with exp(500 a) = 1.01: every window lowers the loss by 1% of its value, a
    # rate of 2e-5 per step; the rest of the budget, 2000 - s steps, could lower it by less
    # than 0.005 once 2000 - s < 250: first at the chunk end s = 1800
    a = np.log(1.01) / 500
    assert _feed(PlateauStop(PHASES, 0.005), lambda s: np.exp(-a * s)) == 1800
    # a tolerance the rate never meets: runs to the end of its budget
    assert _feed(PlateauStop(PHASES, 1e-6), lambda s: np.exp(-a * s)) is None


def test_earlier_phases_run_to_their_end_and_a_resumed_stop_remembers_its_window():
    flat = PlateauStop(PHASES, 0.5)
    assert _feed(flat, lambda s: 1.0, phase=0) is None  # the Adam phase is never ended
    first = PlateauStop(PHASES, 1e-3)
    for step in (100, 200, 300):
        first({"state": SimpleNamespace(phase=1, phase_step=step), "total": 1.0})
    again = PlateauStop(PHASES, 1e-3)
    again.restore(*first.snapshot())
    # a flat loss since step 100: with the restored history the window is complete at 600
    assert again({"state": SimpleNamespace(phase=1, phase_step=600), "total": 1.0}) is True
    assert PlateauStop(PHASES, 1e-3)({"state": SimpleNamespace(phase=1, phase_step=600), "total": 1.0}) is False


def test_the_resolution_is_that_of_a_mean_square_over_n_points():
    # var of a mean of N squared N(0, s^2) values is 2 s^4 / N: relative std sqrt(2 / N)
    rng = np.random.default_rng(0)
    n = 400
    mse = np.mean(rng.standard_normal((4000, n)) ** 2, axis=1)
    assert abs(np.std(mse) / np.mean(mse) - loss_resolution(n)) < 0.05 * loss_resolution(n)


def test_bad_plateau_values_are_refused_with_the_option_named():
    from pinnjax.discovery.recipe import default_recipe

    for bad in (-0.1, 2.0, True, "0.1"):
        with pytest.raises(ValueError, match="plateau must be a fraction in \\[0, 1\\]"):
            default_recipe(plateau=bad)
    with pytest.raises(ValueError, match="tolerance > 0"):
        PlateauStop(PHASES, 0.0)


def test_trainings_before_the_polish_explore_in_float32_unless_there_is_no_polish():
    from pinnjax.discovery.recipe import Recipe, default_recipe
    from pinnjax.discovery.training import Setup

    assert default_recipe().explore_dtype == "float32"  # "auto" with a polish
    assert default_recipe(explore_dtype="float64").explore_dtype == "float64"
    # without a polish the pruning rounds train the answer: in the run's dtype
    assert default_recipe(polish_phases=()).explore_dtype is None
    assert default_recipe(polish_phases=(), explore_dtype="float32").explore_dtype == "float32"  # as asked
    setup = Setup(*([None] * 9), dtype="float64", explore_dtype="float32")
    assert (setup.precision(final=False), setup.precision(final=True)) == ("float32", "float64")
    assert Setup(*([None] * 9), dtype="float64").precision(final=False) == "float64"
    with pytest.raises(ValueError, match="explore_dtype must be 'float32', 'float64' or None"):
        Recipe(default_recipe().stages, explore_dtype="half")


def _heat_polished(finish: int):
    """u_xx (D = 0.1) from 600 noisy (5%) points of a heat solution (a mean and two modes), polished with ``finish``
    float64 L-BFGS steps after a float32 polish (0: the polish all in float64)."""
    import dataclasses

    import jax

    from pinnjax.discovery.stages import AbstractStage
    from pinnjax.discovery import FitData, Polish, Recipe, Screen, discover, measurements, polynomial_library

    rng = np.random.default_rng(0)
    pts = rng.uniform([0, 0], [1, 1], (600, 2))
    x, t = pts[:, 0], pts[:, 1]  # two modes: no linear reaction stands in for diffusion
    u = 0.5 + np.exp(-0.1 * np.pi**2 * t) * np.cos(np.pi * x) + 0.5 * np.exp(-0.4 * np.pi**2 * t) * np.cos(2 * np.pi * x)
    data = measurements(pts, u + 0.05 * np.std(u) * rng.standard_normal(len(u)), ("x", "t"))
    library = polynomial_library(["u"], ["x"], 2, 2)

    class Heat(AbstractStage):  # the answer u_xx given (this tests the polish, not the selection)
        name = "heat"

        def __call__(self, setup, state, rng):
            mask = np.isin(library.terms, ["u_xx"])
            return dataclasses.replace(state, mask=mask, first=mask, probation=np.zeros_like(mask))

    recipe = Recipe((FitData((pj.Adam(400, 3e-3), pj.LBFGS(400))), Screen(), Heat(),
                     Polish((pj.LBFGS(3000),), finish=finish)), explore_dtype="float32")
    return discover(pj.SpaceTime(pj.Interval(0.0, 1.0), 0.0, 1.0), data, pj.MLP(2, 1, 20, 3, key=jax.random.PRNGKey(0)),
                    library, recipe=recipe, n_collocation=500)


@pytest.mark.slow
def test_a_polish_in_float32_finished_in_float64_gives_the_float64_answer():
    # The float32 polish (L-BFGS 3000, plateau stop) + 1000 float64 L-BFGS steps: u_xx measured
    # 0.09891, against 0.09881 for the same polish in float64 throughout (and 0.0965 for a
    # float64 polish of 600 steps only: unconverged); the noise-limited error is ~1%, so 2%
    # from the truth. The answer is float64.
    finished = _heat_polished(1000)
    assert list(finished.equation.active()) == ["u_xx"]
    assert finished.equation.active()["u_xx"] == pytest.approx(0.1, rel=0.02)
    assert np.dtype(finished.result.dtype) == np.float64
    with pytest.raises(ValueError, match=r"finish_steps must be an integer >= 0 \(0: the answer trains in the run's"):
        pj.discovery.default_recipe(finish_steps=-1)
