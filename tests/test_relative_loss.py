"""A discovery's robust data loss with its scale relative to the data (`delta: {robust_std: 0.2}`
in YAML, `RelativeLoss("huber", delta=0.2)` in Python): resolved to the factor times the
measured values' robust standard deviation (1.4826 x MAD), every bad input refused."""

import numpy as np
import pytest

from pinnjax.cli import main
from pinnjax.config import load_discovery
from pinnjax.discovery import DataError, RelativeLoss, default_recipe, measurements
from pinnjax.discovery.discover import domain_from_data, make_setup
from pinnjax.discovery.library import polynomial_library
from pinnjax.losses import Cauchy, Huber, StudentT

from test_discover_cli import HEAT, write_npz  # a small discovery config and its data (a.npz)
from test_hostile_config import refused_at  # exit 2 at exactly that key, with that message

NORMAL_MAD = 1.482602218505602  # 1 / Phi^-1(3/4): MAD x this = the std of Gaussian values


def mad_std(values) -> float:
    v = np.asarray(values, float)
    return NORMAL_MAD * float(np.median(np.abs(v - np.median(v))))


def noisy_data(n=400, seed=0):
    """Gaussian values (std 0.3) with 5 % gross outliers of +-40: std(values) ~ 9, MAD-std ~ 0.3."""
    rng = np.random.default_rng(seed)
    points = rng.uniform(size=(n, 2))
    values = 0.3 * rng.standard_normal(n)
    hit = rng.random(n) < 0.05
    values[hit] = rng.choice([-40.0, 40.0], hit.sum())
    return measurements(points, values, ("x", "t"), "u")


def setup_with(data, loss):
    library = polynomial_library(["u"], ["x"], degree=1, order=1)
    return make_setup(domain_from_data(data), data, None, library, default_recipe(), data_loss=loss, n_collocation=16)


def test_the_discovery_resolves_the_scale_to_the_factor_times_the_robust_std_of_its_data():
    data = noisy_data()
    expected = mad_std(data.values)
    assert 0.25 < expected < 0.4 < 5 < np.std(data.values)  # the outliers inflate the std, not the MAD
    setup = setup_with(data, RelativeLoss("huber", delta=1.5))
    assert isinstance(setup.data_loss, Huber)
    assert setup.data_loss.delta == pytest.approx(1.5 * expected, rel=1e-12)
    student = setup_with(data, RelativeLoss("student_t", nu=4.0, scale=0.5)).data_loss
    assert isinstance(student, StudentT) and student.nu == 4.0 and student.scale == pytest.approx(0.5 * expected)
    plain = Cauchy(scale=0.1)
    assert setup_with(data, plain).data_loss is plain  # a loss in the field's units is left alone


def test_yaml_relative_scale_builds_the_same_loss_and_validate_prints_it(tmp_path, capsys):
    write_npz(tmp_path / "a.npz")
    path = tmp_path / "heat.yaml"
    path.write_text(HEAT + "data_loss: {type: huber, delta: {robust_std: 0.2}}\n")
    exp = load_discovery(path)
    loss = exp.setup_options["data_loss"]
    assert isinstance(loss, RelativeLoss) and loss.kind == "huber" and loss.factor == 0.2
    delta = loss.resolve(exp.data.values).delta
    assert delta == pytest.approx(0.2 * mad_std(exp.data.values), rel=1e-12)
    assert main(["validate", str(path)]) == 0
    assert f"data_loss huber with delta 0.2 x the data's robust std {mad_std(exp.data.values):.4g} = {delta:.4g}" \
        in capsys.readouterr().err


@pytest.mark.parametrize("loss, where, says", [
    ("{type: huber, delta: {robust_std: -1}}", "data_loss.delta.robust_std", "must be in (0, 1e6], got -1"),
    ("{type: huber, delta: {std: 0.2}}", "data_loss.delta.std", "unknown key 'std' (str). Valid keys here: robust_std"),
    ("{type: huber, delta: '0.2 std'}", "data_loss.delta", "or {robust_std: 0.2}"),
    ("{type: student_t, nu: {robust_std: 2}}", "data_loss.nu", "only 'scale' can be relative to the data"),
    ("{type: quantile, tau: {robust_std: 0.5}}", "data_loss.tau", "losses with a scale: huber (delta)"),
])
def test_bad_relative_scales_exit_2_naming_the_key_the_value_and_the_fix(tmp_path, capsys, loss, where, says):
    write_npz(tmp_path / "a.npz")
    refused_at(where, says, tmp_path, capsys, HEAT + f"data_loss: {loss}\n")


def test_python_relative_loss_refuses_what_it_cannot_resolve():
    with pytest.raises(ValueError, match="'mse' has no scale to set relative to the data"):
        RelativeLoss("mse", delta=1.0)
    with pytest.raises(ValueError, match=r"needs delta=, a multiple of the data's robust standard deviation"):
        RelativeLoss("huber")
    with pytest.raises(ValueError, match="delta must be a number > 0 .* got -0.5"):
        RelativeLoss("huber", delta=-0.5)
    with pytest.raises(DataError, match="robust standard deviation .* is 0: more than half the values are equal"):
        RelativeLoss("cauchy", scale=0.1).resolve(np.r_[np.zeros(10), 1.0, 2.0])
