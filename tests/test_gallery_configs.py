"""The gallery configs (configs/gallery/*.yaml) build and train a few steps; a coefficient no
term reads is an error that names it."""

from pathlib import Path

import jax
import numpy as np
import pytest

import pinnjax as pj
from pinnjax.config import ConfigError, build_experiment, load_config
from pinnjax.config.loader import parse_yaml

GALLERY = Path(__file__).resolve().parent.parent / "configs" / "gallery"
SHORT = ["training.phases=[{type: adam, steps: 20}]"]


@pytest.mark.slow
@pytest.mark.parametrize("path", sorted(GALLERY.glob("*.yaml")), ids=lambda p: p.stem)
def test_a_gallery_config_builds_and_trains_twenty_steps(path):
    exp = build_experiment(load_config(path, SHORT), base_dir=path.parent)
    with jax.enable_x64(exp.dtype == "float64"):
        result = pj.solve(exp.problem, exp.network, exp.phases, **exp.solve_kwargs)
    losses = result.final_losses
    assert set(losses) == {t.name for t in exp.problem.terms}
    assert all(np.isfinite(v) for v in losses.values())
    assert all(np.isfinite(v) for v in result.coefficients.values())


@pytest.mark.slow
def test_the_double_well_has_three_states_and_ordered_eigenvalues():
    path = GALLERY / "double_well.yaml"
    exp = build_experiment(load_config(path), base_dir=path.parent)
    p = exp.problem
    assert p.fields == ("psi0", "psi1", "psi2") and tuple(p.coefficients) == ("E0", "E1", "E2")
    inits = [p.coefficients[f"E{i}"].init for i in range(3)]
    assert inits == sorted(inits)
    assert exp.dtype == "float64" and [type(ph) for ph in exp.phases] == [pj.Adam, pj.BFGS]
    # the hard boundary values: psi = 0 at x = ±5 whatever the network
    with jax.enable_x64(True):
        for x in (-5.0, 5.0):
            np.testing.assert_allclose(p.transform(np.array([x]), np.ones(3)), 0.0, atol=1e-12)
    # an ordering inequality acts when the initial values are out of order (E1 = 2.5 < E0 = 3)
    swapped = build_experiment(load_config(path, ["coefficients.E0=3.0"]), base_dir=path.parent)
    with jax.enable_x64(True):
        compiled, arrays = pj.compile_problem(swapped.problem, swapped.network)
        params = {"net": arrays, "coefficients": swapped.problem.initial_coefficients(np.float64)}
        batch = jax.tree_util.tree_map(jax.numpy.asarray, compiled.draw_batch(np.random.default_rng(0)))
        _, losses = compiled.loss_fn(params, batch, compiled.initial_weights(np.float64))
    assert float(losses["order01"]) == pytest.approx(0.25) and float(losses["order12"]) == 0.0


# ---------------------------------------------------------------- unused coefficients
def test_a_coefficient_no_term_reads_is_an_error_naming_it():
    problem = pj.Problem(pj.Interval(0.0, 1.0), ("u",), [pj.PDE("u_xx + E0*u")],
                         coefficients={"E0": 1.0, "E3": 2.0})
    with pytest.raises(ValueError, match="coefficient E3 is never used by any term.*or remove it"):
        problem.bind()
    assert problem.unused_coefficients() == ("E3",)
    read = pj.Problem(pj.Interval(0.0, 1.0), ("u",), [pj.PDE("u_xx + E0*u"), pj.Inequality("E3 >= 0", 1)],
                      coefficients={"E0": 1.0, "E3": 2.0})
    assert read.unused_coefficients() == () and len(read.bind()) == 2


def test_an_unused_coefficient_in_yaml_is_reported_at_its_key():
    text = """
name: unused
domain: {geometry: {type: interval, min: 0, max: 1}}
fields: [u]
coefficients: {E0: 1.0, E3: 2.0}
terms: [{type: pde, residual: "u_xx + E0*u"}, {type: integral, integrand: "u**2", value: 1}]
network: {type: mlp, width: 8, depth: 1}
training: {phases: [{type: adam, steps: 1}]}
"""
    with pytest.raises(ConfigError, match="coefficient E3 is never used by any term") as err:
        build_experiment(parse_yaml(text))
    assert err.value.path == "coefficients.E3" and err.value.line == 5
