"""A run's figures: the error map's colour scale (log where the error spans decades),
titles with the run name and its numbers, NaN reference points drawn as outside the domain."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from matplotlib.colors import LogNorm, Normalize
from matplotlib.image import imread

from pinnjax.runs.plots import OUTSIDE, error_norm, error_values, plot_error, plot_field, plot_losses, plot_run
from pinnjax.train.loop import History

GREY = np.array(matplotlib.colors.to_rgb(OUTSIDE))


def grey_pixels(path) -> int:
    """Pixels of the 'outside the domain' colour in a PNG (to 1/255: PNG stores 8 bits)."""
    image = imread(path)[..., :3]
    return int(np.count_nonzero(np.all(np.abs(image - GREY) < 1.5 / 255, axis=-1)))


def grid(nx=24, ny=16):
    x, y = np.meshgrid(np.linspace(0, 1, nx), np.linspace(0, 1, ny), indexing="ij")
    return np.stack([x.ravel(), y.ravel()], axis=1)


def test_error_norm_is_log_when_errors_span_more_than_two_decades():
    wide = np.logspace(-6, 0, 200)
    norm, label = error_norm(wide)
    assert isinstance(norm, LogNorm) and "log scale" in label
    assert norm.vmax == 1.0
    assert norm.vmin == pytest.approx(np.percentile(wide, 1))  # 1.15e-6: above the 1e-6 floor
    narrow, label = error_norm(np.linspace(0.1, 1.0, 200))  # one decade
    assert type(narrow) is Normalize and label == "linear scale"
    assert (narrow.vmin, narrow.vmax) == (0.0, 1.0)
    # exact zeros (e.g. on a Dirichlet boundary) do not make a one-decade error "span decades"
    half_zero = np.concatenate([np.zeros(100), np.linspace(0.1, 1.0, 100)])
    assert type(error_norm(half_zero)[0]) is Normalize


def test_log_scale_clips_zeros_and_tiny_values_to_six_decades_below_the_max():
    errors = np.concatenate([np.logspace(-14, 0, 1000), [0.0, np.nan]])
    norm, label = error_norm(errors)
    assert isinstance(norm, LogNorm)
    assert norm.vmin == pytest.approx(1e-6) and "1.0e-06" in label  # 1st percentile 1.4e-14 < 1e-6 floor
    shown = error_values(errors, norm)
    assert np.nanmin(shown) == pytest.approx(1e-6)  # the zero and the tiny values take the lowest colour
    assert np.isnan(shown[-1])  # outside the domain stays outside
    np.testing.assert_array_equal(shown[:-2][errors[:-2] > 1e-6], errors[:-2][errors[:-2] > 1e-6])


def test_error_map_is_titled_with_the_run_and_its_numbers_and_masks_nan(tmp_path):
    pts = grid()
    reference = np.sin(3 * pts[:, 0]) + pts[:, 1]
    hole = (pts[:, 0] > 0.6) & (pts[:, 1] > 0.5)  # a corner outside the domain
    reference[hole] = np.nan
    error = 1e-5 * np.exp(12 * pts[:, 0])  # 1e-5 .. 1.6: five decades
    predicted = reference + error
    predicted[hole] = 7.0  # whatever the network says there must not count
    facts = plot_error(tmp_path / "error.png", pts, predicted, reference, "u", ("x", "y"), "heat_robin")
    inside = ~hole
    l2 = np.linalg.norm(error[inside]) / np.linalg.norm(reference[inside])
    assert facts.title.startswith("heat_robin: ")
    assert f"relative L2 {l2:.3e}" in facts.title and f"max error {error[inside].max():.3e}" in facts.title
    assert isinstance(facts.norm, LogNorm) and "log scale" in facts.label
    assert facts.outside == hole.sum() > 0
    assert grey_pixels(tmp_path / "error.png") > 5000  # the hole, in grey (the legend patch alone: ~150 pixels)


def test_field_without_nan_has_no_outside_colour(tmp_path):
    pts = grid()
    facts = plot_field(tmp_path / "u.png", pts, np.cos(pts[:, 0]), "run: predicted u", ("x", "y"), label="u")
    assert facts.outside == 0 and grey_pixels(tmp_path / "u.png") < 200  # antialiased text: 24
    assert (facts.norm.vmin, facts.norm.vmax) == (pytest.approx(np.cos(1.0)), pytest.approx(1.0))


def test_scattered_points_outside_the_domain_are_counted(tmp_path):
    rng = np.random.default_rng(0)
    pts = rng.uniform(size=(300, 2))
    values = pts[:, 0] * 0.2 + 0.1  # 0.1 .. 0.3: linear
    values[np.hypot(pts[:, 0] - 0.5, pts[:, 1] - 0.5) < 0.2] = np.nan
    facts = plot_error(tmp_path / "e.png", pts, np.zeros(300), values, "u", ("x", "y"), "run")
    assert facts.outside == np.isnan(values).sum() > 0
    assert type(facts.norm) is Normalize and "linear" in facts.label


def test_losses_title_gives_final_total_and_steps(tmp_path):
    h = History()
    h.extend(0, 0, np.array([1.0, 0.5, 0.25]), {"pde": np.array([0.6, 0.3, 0.125])})
    h.extend(3, 1, np.array([1.2345e-3]), {"pde": np.array([np.nan])})
    title = plot_losses(tmp_path / "losses.png", h, "poisson_hole")
    assert title == "poisson_hole: final total loss 1.234e-03 after 4 steps"  # 1.2345 rounds to even
    assert (tmp_path / "losses.png").stat().st_size > 5000


class _Result:
    """What plot_run reads of a Result: the history and predict(points, fields)."""

    def __init__(self, predicted, history):
        self.history, self._predicted = history, predicted

    def predict(self, points, fields):
        return {fields[0]: self._predicted}


def test_plot_run_draws_prediction_outside_the_domain_in_grey(tmp_path):
    from types import SimpleNamespace

    pts = grid()
    reference = pts[:, 0] + pts[:, 1]
    hole = pts[:, 0] < 0.3
    reference[hole] = np.nan
    h = History()
    h.extend(0, 0, np.array([1.0, 0.1]), {"pde": np.array([1.0, 0.1])}, coefficients={"k": 0.1002})
    exp = SimpleNamespace(name="inverse_heat", problem=SimpleNamespace(coordinates=("x", "t")),
                          reference=(pts, reference, "u"))
    written = plot_run(tmp_path, exp, _Result(pts[:, 0] + pts[:, 1] + 0.01, h))
    assert sorted(p.name for p in written) == ["coefficients.png", "error.png", "losses.png", "prediction.png",
                                                "reference.png"]
    for name in ("prediction.png", "reference.png", "error.png"):
        assert grey_pixels(tmp_path / "plots" / name) > 5000, name
