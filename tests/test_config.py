"""YAML configs: shipped files build, overrides work, every bad input names key and line."""

from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pytest

import pinnjax as pj
from pinnjax import zoo
from pinnjax.cli import main
from pinnjax.config import ConfigError, build_experiment, load_config, load_experiment

CONFIGS = sorted((Path(__file__).resolve().parents[1] / "configs").glob("*.yaml"))

BASE = """\
name: t
dtype: float64
domain:
  geometry: {type: interval, min: 0.0, max: 1.0}
  time: [0.0, 1.0]
fields: [u]
constants: {alpha: 0.1}
terms:
  - {type: pde, residual: "u_t - alpha*u_xx", points: 64}
  - {type: initial, field: u, value: "sin(pi*x)", points: 16}
network: {type: mlp, width: 8, depth: 2}
training:
  phases:
    - {type: adam, steps: 10}
"""


def write(tmp_path, text, name="c.yaml"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_every_shipped_config_builds():
    assert {p.name for p in CONFIGS} >= {"burgers.yaml", "heat_mixed_bc.yaml", "laplace_plate.yaml",
                                         "poisson_lshape.yaml", "allen_cahn.yaml", "kdv.yaml"}
    for path in CONFIGS:
        exp = load_experiment(path)
        assert exp.reference is not None, path.name
        points, values, field = exp.reference
        assert points.shape == (len(values), len(exp.problem.coordinates))
        exp.problem.bind()


def test_burgers_config_builds_the_zoo_problem():
    exp = load_experiment(next(p for p in CONFIGS if p.name == "burgers.yaml"))
    ref = zoo.burgers(n_interior=8192, hard=True).problem
    assert [t.name for t in exp.problem.terms] == [t.name for t in ref.terms]
    assert exp.problem.bind()[0].names == ref.bind()[0].names
    assert exp.problem.constants["nu"] == pytest.approx(ref.constants["nu"], rel=1e-15)
    x = jnp.array([0.3, 0.7])
    y = jnp.array([1.7])
    np.testing.assert_allclose(exp.problem.transform(x, y), ref.transform(x, y), rtol=1e-12)
    assert [type(p).__name__ for p in exp.phases] == ["Adam", "LBFGS"]
    assert exp.solve_kwargs["resample_every"] == 1000 and exp.dtype == "float64"


def test_overrides(tmp_path):
    p = write(tmp_path, BASE)
    cfg = load_config(p, ["training.phases.0.steps=500", "training.resample_every=5", "terms.1.weight=2.5"])
    exp = build_experiment(cfg)
    assert exp.phases[0].steps == 500 and exp.solve_kwargs["resample_every"] == 5
    assert exp.problem.terms[1].weight == 2.5
    with pytest.raises(ConfigError, match="has no key 'trainig'. Did you mean 'training'"):
        load_config(p, ["trainig.chunk=5"])
    with pytest.raises(ConfigError, match="unknown key 'stepz'. Did you mean 'steps'") as err:
        build_experiment(load_config(p, ["training.phases.0.stepz=5"]))
    assert err.value.path == "training.phases[0].stepz"
    with pytest.raises(ConfigError, match="use an index 0..0"):
        load_config(p, ["training.phases.3.steps=5"])


CASES = [
    # (replace this, with that, path, line, message)
    ("name: t\n", "name: t\nepochs: 3\n", "epochs", 2, "unknown key 'epochs'"),
    ("width: 8", "width: eight", "network.width", 11, "expected a positive integer, got 'eight' (str)"),
    ("type: mlp", "type: mlpp", "network.type", 11, "unknown network type 'mlpp'. Did you mean 'mlp'"),
    ("fields: [u]\n", "", "fields", None, "missing required key 'fields'"),
    ('residual: "u_t - alpha*u_xx"', 'residual: "u_t - alphaa*u_xx"', "terms[0].residual", 9, "unknown name 'alphaa'"),
    ("{type: pde, residual", "{type: pdee, residual", "terms[0].type", 9, "unknown term type 'pdee'"),
    ("steps: 10}", "steps: 0}", "training.phases[0].steps", 14, "expected a positive integer, got 0"),
    ("steps: 10}", "steps: -5}", "training.phases[0].steps", 14, "expected a positive integer, got -5"),
    ("min: 0.0, max: 1.0", "min: 1.0, max: 0.0", "domain.geometry", 4, "Interval"),
    ('value: "sin(pi*x)"', 'value: "sin(pi*y)"', "terms[1].value", 10, "unknown name 'y'"),
    ("points: 64}", "points: {n: 64, sampler: sobolx}}", "terms[0].points", 9, "sampler 'sobolx'"),
]


@pytest.mark.parametrize("old, new, path, line, message", CASES)
def test_bad_input_names_path_line_and_fix(tmp_path, old, new, path, line, message):
    assert old in BASE
    p = write(tmp_path, BASE.replace(old, new, 1))
    with pytest.raises(ConfigError) as err:
        load_experiment(p)
    assert err.value.path == path
    if line is not None:
        assert err.value.line == line
    assert message in str(err.value)


def test_files_yaml_and_emptiness(tmp_path, capsys):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match="is empty"):
        load_config(write(tmp_path, "  \n"))
    with pytest.raises(ConfigError, match="not valid YAML") as err:
        load_config(write(tmp_path, "name: t\nterms: [1, 2\nfields: [u]\n"))
    assert err.value.line is not None
    with pytest.raises(ConfigError, match="a config must be a mapping"):
        load_config(write(tmp_path, "- 1\n- 2\n"))
    # the command line turns each into exit code 2 with one paragraph, no traceback
    assert main(["validate", str(write(tmp_path, "  \n", "empty.yaml"))]) == 2
    err = capsys.readouterr().err
    assert "is empty" in err and "Traceback" not in err


def test_yaml_cannot_execute_code(tmp_path):
    marker = tmp_path / "marker"
    text = f'name: !!python/object/apply:os.system ["touch {marker}"]\n'
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(write(tmp_path, text))
    assert not marker.exists()


def test_data_term_from_npz_and_csv(tmp_path):
    x = np.linspace(0, 1, 5)
    np.savez(tmp_path / "d.npz", x=x, t=np.zeros(5), u=np.sin(x))
    (tmp_path / "d.csv").write_text("x,t,u\n" + "\n".join(f"{a},0,{np.sin(a)}" for a in x))
    for name in ("d.npz", "d.csv"):
        text = BASE.replace("terms:\n", f"terms:\n  - {{type: data, targets: [u], file: {name}}}\n")
        exp = load_experiment(write(tmp_path, text))
        data = exp.problem.terms[0]
        assert isinstance(data, pj.Data)
        np.testing.assert_allclose(data.points.points[:, 0], x)
        np.testing.assert_allclose(data.points.values, np.sin(x))
    np.savez(tmp_path / "bad.npz", x=x, u=np.sin(x))
    text = BASE.replace("terms:\n", "terms:\n  - {type: data, targets: [u], file: bad.npz}\n")
    with pytest.raises(ConfigError, match=r"lacks column\(s\) \['t'\]") as err:
        load_experiment(write(tmp_path, text))
    assert err.value.path == "terms[0].file" and err.value.line == 9
    text = BASE.replace("terms:\n", "terms:\n  - {type: data, targets: [u], file: missing.npz}\n")
    with pytest.raises(ConfigError, match="file 'missing.npz' does not exist"):
        load_experiment(write(tmp_path, text))


def test_reference_grid_shape_is_checked(tmp_path):
    np.savez(tmp_path / "ref.npz", x=np.linspace(0, 1, 4), t=np.linspace(0, 1, 3), u=np.zeros((3, 4)))
    with pytest.raises(ConfigError, match=r"has shape \(3, 4\), but the coordinate arrays \['x', 't'\] make a grid of shape \(4, 3\)"):
        load_experiment(write(tmp_path, BASE + "reference: {file: ref.npz}\n"))
    np.savez(tmp_path / "ref.npz", x=np.linspace(0, 1, 4), t=np.linspace(0, 1, 3), u=np.ones((4, 3)))
    exp = load_experiment(write(tmp_path, BASE + "reference: {file: ref.npz}\n"))
    assert exp.reference[0].shape == (12, 2)


def test_a_tiny_config_trains(tmp_path):
    exp = load_experiment(write(tmp_path, BASE))
    result = pj.solve(exp.problem, exp.network, exp.phases, **exp.solve_kwargs)
    assert len(result.history.total) == 10 and np.isfinite(result.history.total[-1])


def test_list_names_every_component(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for word in ("interval", "lshape", "robin", "periodic", "cauchy", "modified_mlp", "lbfgs", "sobol", "kdv"):
        assert word in out


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.stem)
def test_every_shipped_config_runs_a_few_steps(path, tmp_path):
    # Shrunk by overrides (the same mechanism a user has): every term's points, the
    # phase budgets; the run must finish with finite losses and a relative L2 report.
    cfg = load_config(path)
    overrides = ["training.phases.0.steps=20", "training.phases.1.steps=5"]
    for i, term in enumerate(cfg["terms"]):
        if isinstance(term.get("points"), dict):
            overrides.append(f"terms.{i}.points.n=64")
        elif "points" in term:
            overrides.append(f"terms.{i}.points=32")
    out = tmp_path / "run"
    assert main(["run", str(path), *overrides, "--out", str(out), "--quiet"]) == 0
    import json

    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "ok" and np.isfinite(summary["final_total"])
    assert 0 < summary["relative_l2"]["u"] < 10
