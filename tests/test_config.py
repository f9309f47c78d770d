"""YAML configs: shipped files build, overrides work, every bad input names key and line."""

import re
from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pytest

import pinnjax as pj
from pinnjax.config import (
    ConfigError,
    build_experiment,
    describe_components,
    load_config,
    load_experiment,
)
from pinnjax.reference import zoo

_ROOT = Path(__file__).resolve().parents[1] / "configs"
CONFIGS = sorted([*_ROOT.glob("*.yaml"), *_ROOT.glob("long/*.yaml")])  # long/: accelerator budgets
SHIPPED = {"burgers", "heat_mixed_bc", "laplace_plate", "poisson_lshape", "allen_cahn", "kdv"}

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


def config_path(stem):
    return _ROOT / f"{stem}.yaml"


# ---------------------------------------------------------------- shipped configs
def test_every_shipped_config_builds():
    assert {p.stem for p in CONFIGS} >= SHIPPED
    _builds([p for p in CONFIGS if p.parent == _ROOT])


@pytest.mark.slow
def test_every_long_budget_config_builds():
    long = [p for p in CONFIGS if p.parent.name == "long"]
    assert {p.stem for p in long} == {"allen_cahn", "kdv"}
    _builds(long)


def _builds(paths):
    for path in paths:
        exp = load_experiment(path)
        assert exp.reference is not None, path.name
        points, values, field = exp.reference
        assert points.shape == (len(values), len(exp.problem.coordinates)) and field in exp.problem.fields
        assert np.all(np.isfinite(values))
        exp.problem.bind()
        assert exp.phases and exp.solve_kwargs["dtype"] == exp.dtype


def test_burgers_config_builds_the_zoo_problem():
    exp = load_experiment(config_path("burgers"), ["reference=null"])
    ref = zoo.burgers(n_interior=4096, hard=True, adaptive=pj.RAD()).problem
    assert [t.name for t in exp.problem.terms] == [t.name for t in ref.terms]
    assert exp.problem.terms[0].residual == ref.terms[0].residual
    assert exp.problem.terms[0].points == ref.terms[0].points == pj.Sample(4096, "interior", "sobol", adaptive=pj.RAD())
    assert exp.problem.bind()[0].names == ref.bind()[0].names
    assert exp.problem.fields == ref.fields and exp.problem.coordinates == ref.coordinates
    assert exp.problem.constants["nu"] == pytest.approx(ref.constants["nu"], rel=1e-15)
    for x, y in [([0.3, 0.7], [1.7]), ([-0.9, 0.1], [-2.0]), ([1.0, 1.0], [0.5]), ([-0.2, 0.0], [3.0])]:
        x, y = jnp.array(x, jnp.float32), jnp.array(y, jnp.float32)
        np.testing.assert_allclose(exp.problem.transform(x, y), zoo._burgers_hard(x, y), rtol=1e-6)
    adam, bfgs = exp.phases
    assert adam == pj.Adam(1000, 1e-3) and bfgs == pj.BFGS(8000)
    assert isinstance(exp.network, pj.MLP) and (exp.network.width, exp.network.depth) == (20, 3)
    method = pj.engine.derivatives.DEFAULT_METHOD
    assert exp.solve_kwargs == {"seed": 0, "dtype": "float64", "method": method, "chunk": 100,
                                "resample_every": 1000, "scale_inputs": True, "balancing": None}
    assert exp.output == {"dir": "runs", "checkpoint_every": 1000, "loggers": []}


@pytest.mark.parametrize("stem, make", [("heat_mixed_bc", zoo.heat_mixed), ("laplace_plate", zoo.laplace),
                                        ("poisson_lshape", zoo.poisson_lshape)])
def test_configs_build_the_zoo_problems(stem, make):
    got = load_experiment(config_path(stem), ["reference=null"]).problem
    want = make().problem
    assert got.coordinates == want.coordinates and got.fields == want.fields
    assert dict(got.constants) == pytest.approx(dict(want.constants))
    assert [type(t) for t in got.terms] == [type(t) for t in want.terms]
    for a, b in zip(got.terms, want.terms):
        assert a.name == b.name and a.points == b.points and a.weight == b.weight
        assert getattr(a, "residual", None) == getattr(b, "residual", None)
        assert (getattr(a, "target", None), getattr(a, "value", None)) == (getattr(b, "target", None),
                                                                           getattr(b, "value", None))


@pytest.mark.slow
@pytest.mark.parametrize("stem", sorted(SHIPPED))
def test_every_shipped_config_trains_a_few_steps(stem):
    # Shrunk by overrides, the user's own mechanism: few points, one short Adam phase.
    cfg = load_config(config_path(stem), ["training.phases=[{type: adam, steps: 5}]", "training.chunk=5",
                                          "reference=null"])
    for term in cfg["terms"]:
        if isinstance(term.get("points"), dict):
            term["points"]["n"] = 32
        else:
            term["points"] = 32
    exp = build_experiment(cfg)
    result = pj.solve(exp.problem, exp.network, exp.phases, **exp.solve_kwargs)
    assert len(result.history.total) == 5 and np.isfinite(result.history.total[-1])


def test_a_tiny_laplace_run_end_to_end():
    exp = load_experiment(config_path("laplace_plate"), [
        "terms.0.points.n=64", "terms.1.points=32", "training.phases=[{type: adam, steps: 20}]", "training.chunk=10"])
    assert [p.steps for p in exp.phases] == [20]
    result = pj.solve(exp.problem, exp.network, exp.phases, **exp.solve_kwargs)
    assert len(result.history.total) == 20 and np.isfinite(result.history.total[-1])
    points, values, _ = exp.reference
    assert pj.relative_l2(result.predict(points[:500], ["u"])["u"], values[:500]) < 10


def test_command_line_validate_and_list(tmp_path, capsys):
    from pinnjax.cli import main

    assert main(["validate", str(write(tmp_path, "  \n", "empty.yaml"))]) == 2
    err = capsys.readouterr().err
    assert "is empty" in err and "Traceback" not in err
    assert main(["list"]) == 0
    assert capsys.readouterr().out.strip() == describe_components()


def test_describe_components_lists_every_component():
    text = describe_components()
    for word in ("interval", "rectangle", "box", "disk", "polygon", "lshape", "union", "difference",
                 "pde", "dirichlet", "neumann", "robin", "initial", "periodic", "data",
                 "mse", "huber", "cauchy", "mlp", "modified_mlp", "fourier_mlp", "num_features",
                 "adam", "lbfgs", "patience", "sobol", "halton", "burgers", "heat_mixed", "kdv", "allen_cahn",
                 "decay_steps: int > 0, at most 1e6 = 1000", "steps: int > 0, at most 1e6 (required)",
                 "learning_rate: number in (0, 10] = 0.001"):
        assert word in text, word


# ---------------------------------------------------------------- building blocks
def test_geometries_terms_losses_and_coefficients(tmp_path):
    text = """\
name: blocks
domain:
  geometry:
    type: difference
    coordinates: [r, z]
    of:
      - {type: rectangle, lo: [0, 0], hi: [2, 2]}
      - {type: disk, center: [1, 1], radius: 0.5}
fields: [u, v]
constants: {k: 2.0}
coefficients: {a: 1.5, b: {init: 0.1, log: true}, c: {init: 0.5, bounds: [0, 1]}}
transform: {v: "r*z*v + k"}
terms:
  - {type: pde, residual: "u_rr + u_zz - a*v", points: {n: 50, sampler: halton, resample: false}}
  - {type: pde, residual: "v - b*c", points: {n: 20, part: boundary}, name: link, loss: {type: huber, delta: 0.1}}
  - {type: robin, field: u, alpha: 1.0, beta: 2.0, value: "r", points: 10, loss: log-cosh, weight: 3}
network: {type: fourier_mlp, width: 8, depth: 2, num_features: 4, scale: 2.0}
training: {phases: [{type: lbfgs, steps: 3, memory: 5}], method: taylor, scale_inputs: false}
"""
    exp = load_experiment(write(tmp_path, text))
    p = exp.problem
    assert p.coordinates == ("r", "z") and isinstance(p.domain, pj.Difference)
    assert p.coefficients["b"] == pj.Coefficient(0.1, log=True) and p.coefficients["c"].bounds == (0.0, 1.0)
    assert p.terms[0].points == pj.Sample(50, "interior", "halton", False)
    assert p.terms[1].name == "link" and p.terms[1].loss == pj.Huber(0.1)
    assert isinstance(p.terms[2], pj.Robin) and p.terms[2].weight == 3.0 and isinstance(p.terms[2].loss, pj.LogCosh)
    np.testing.assert_allclose(p.transform(jnp.array([2.0, 3.0]), jnp.array([5.0, 7.0])), [5.0, 44.0])
    assert exp.solve_kwargs["method"] == "taylor" and exp.solve_kwargs["scale_inputs"] is False
    assert exp.phases == [pj.LBFGS(3, memory=5)] and exp.dtype == "float32"


def test_data_term_from_npz_and_csv(tmp_path):
    x = np.linspace(0, 1, 5)
    np.savez(tmp_path / "d.npz", x=x, t=np.full(5, 0.5), u=np.sin(x))
    (tmp_path / "d.csv").write_text("x,t,u\n" + "\n".join(f"{a},0.5,{np.sin(a)}" for a in x))
    for name in ("d.npz", "d.csv"):
        text = BASE.replace("terms:\n", f"terms:\n  - {{type: data, targets: [u], file: {name}}}\n")
        exp = load_experiment(write(tmp_path, text))
        data = exp.problem.terms[0]
        assert isinstance(data, pj.Data) and data.targets == ("u",)
        np.testing.assert_allclose(data.points.points, np.c_[x, np.full(5, 0.5)])
        np.testing.assert_allclose(data.points.values, np.sin(x))
        assert exp.config["terms"][0]["file"] == str(tmp_path / name)  # resolved: absolute
    np.savez(tmp_path / "bad.npz", x=x, u=np.sin(x))
    text = BASE.replace("terms:\n", "terms:\n  - {type: data, targets: [u], file: bad.npz}\n")
    with pytest.raises(ConfigError, match=r"lacks column\(s\) \['t'\]") as err:
        load_experiment(write(tmp_path, text))
    assert (err.value.path, err.value.line) == ("terms[0].file", 9)


def test_resolved_config_round_trips(tmp_path):
    # A run directory stores exp.config (overrides applied, file paths absolute); building
    # it again, from another directory, gives the same experiment.
    import yaml

    x = np.linspace(0, 1, 5)
    np.savez(tmp_path / "d.npz", x=x, t=x, u=x)
    text = BASE.replace("terms:\n", "terms:\n  - {type: data, targets: [u], file: d.npz}\n")
    exp = load_experiment(write(tmp_path, text), ["training.phases.0.learning_rate=1e-4", "terms.2.type=dirichlet",
                                                  "terms.2.on=left"])  # the new type's own key
    (tmp_path / "run").mkdir()
    again = load_experiment(write(tmp_path / "run", yaml.safe_dump(exp.config, sort_keys=False)))
    assert again.config == exp.config and again.phases == exp.phases == [pj.Adam(10, 1e-4)]
    assert [t.name for t in again.problem.terms] == ["data", "pde", "dirichlet_left_u"]
    np.testing.assert_allclose(again.problem.terms[0].points.values, x)


def test_reference_from_an_npz_grid(tmp_path):
    x, t = np.linspace(0, 1, 4), np.linspace(0, 1, 3)
    np.savez(tmp_path / "ref.npz", x=x, t=t, u=np.add.outer(x, t))
    exp = load_experiment(write(tmp_path, BASE + "reference: {file: ref.npz, field: u}\n"))
    points, values, field = exp.reference
    assert points.shape == (12, 2) and field == "u"
    np.testing.assert_allclose(values, points[:, 0] + points[:, 1])


# ---------------------------------------------------------------- overrides
def test_overrides_set_add_and_replace(tmp_path):
    p = write(tmp_path, BASE)
    cfg = load_config(p, ["training.phases.0.steps=500", "training.phases.0.learning_rate=3e-3",
                          "training.resample_every=5", "terms.1.weight=2.5", "network.activation=sin",
                          "terms.0.loss={type: huber, delta: 0.1}", "output.dir=elsewhere", "seed=3"])
    exp = build_experiment(cfg)
    assert exp.phases[0] == pj.Adam(500, 3e-3) and exp.solve_kwargs["resample_every"] == 5
    assert exp.problem.terms[1].weight == 2.5 and exp.network.activation == "sin"
    assert exp.problem.terms[0].loss == pj.Huber(0.1)
    assert exp.output["dir"] == "elsewhere" and exp.seed == 3  # `output` itself was absent: created
    cfg = load_config(p, ["network.type=fourier_mlp", "network.num_features=4"])  # the new type's own keys
    assert isinstance(build_experiment(cfg).network, pj.Embedded)
    cfg = load_config(p, ["training.phases=[{type: adam, steps: 3}, {type: lbfgs, steps: 2}]"])
    assert [type(ph).__name__ for ph in build_experiment(cfg).phases] == ["Adam", "LBFGS"]


@pytest.mark.parametrize("override, path, message", [
    ("trainig.chunk=5", "trainig", "has no key 'trainig'. Did you mean 'training'?"),
    ("training.phases.0.stepz=5", "training.phases[0].stepz", "has no key 'stepz'. Did you mean 'steps'?"),
    ("network.widht=5", "network.widht", "Did you mean 'width'?"),
    ("training.phases.3.steps=5", "training.phases[3]", "is a list of 1 item(s); use an index 0..0"),
    ("network.width.x=5", "network.width", "is a value (int), not a mapping"),
    ("domain.time.0=5", "domain.time[0]", None),
    ("training.phases.0.steps", "", "must look like key.path=value"),
])
def test_bad_overrides(tmp_path, override, path, message):
    p = write(tmp_path, BASE)
    if message is None:  # a valid override, for contrast
        assert load_config(p, [override])["domain"]["time"] == [5, 1.0]
        return
    with pytest.raises(ConfigError, match=re.escape(message)) as err:
        load_config(p, [override])
    assert err.value.path == path


def test_override_values_are_validated_when_built(tmp_path):
    with pytest.raises(ConfigError, match="expected a positive integer, at most 1e6, got 'many' \\(str\\)") as err:
        load_experiment(write(tmp_path, BASE), ["training.phases.0.steps=many"])
    assert err.value.path == "training.phases[0].steps"


# ---------------------------------------------------------------- bad inputs
CASES = [
    # (replace this, with that, path, line, message)
    ("name: t\n", "name: t\nepochs: 3\n", "epochs", 2, "unknown key 'epochs' (str). Valid keys here: name, seed"),
    ("fields: [u]", "feilds: [u]", "feilds", 6, "unknown key 'feilds' (str). Did you mean 'fields'?"),
    ("width: 8", "widht: 8", "network.widht", 11, "Did you mean 'width'? Valid keys here: width, depth"),
    ("min: 0.0", "min: zero", "domain.geometry.min", 4, "expected a finite number in [-1e6, 1e6], got 'zero' (str)"),
    ("width: 8", "width: eight", "network.width", 11, "expected a positive integer, at most 4096, got 'eight' (str)"),
    ("fields: [u]", "fields: u", "fields", 6, "expected a list of names, got 'u' (str)"),
    ("dtype: float64", "dtype: float46", "dtype", 2, "unknown dtype 'float46' (str). Did you mean 'float64'?"),
    ("type: mlp", "type: mlpp", "network.type", 11, "unknown network type 'mlpp' (str). Did you mean 'mlp'?"),
    ("type: interval", "type: intervall", "domain.geometry.type", 4, "Valid types: interval, rectangle"),
    ("{type: pde, residual", "{type: pdee, residual", "terms[0].type", 9, "unknown term type 'pdee'"),
    ("type: adam", "type: adamw", "training.phases[0].type", 14, "Did you mean 'adam'? Valid types: adam, lbfgs"),
    ("fields: [u]\n", "", "fields", None, "missing required key 'fields' (a list of names)"),
    ('residual: "u_t - alpha*u_xx", ', "", "terms[0].residual", 9, "missing required key 'residual'"),
    ("  - {type: pde", "  - {name: p", "terms[0].type", 9, "missing key 'type' for the term; one of: pde"),
    ('residual: "u_t - alpha*u_xx"', 'residual: "u_t - alphaa*u_xx"', "terms[0].residual", 9, "'alphaa'"),
    ('value: "sin(pi*x)"', 'value: "sin(pi*y)"', "terms[1].value", 10, "'y'"),
    ("field: u,", "field: w,", "terms[1].field", 10, "'w'"),
    ("steps: 10}", "steps: 0}", "training.phases[0].steps", 14, "expected a positive integer, at most 1e6, got 0 (int)"),
    ("steps: 10}", "steps: -5}", "training.phases[0].steps", 14, "expected a positive integer, at most 1e6, got -5 (int)"),
    ("points: 64}", "points: 0}", "terms[0].points", 9, "expected a positive number of points, got 0"),
    ("points: 64}", "points: {n: 64, sampler: sobolx}}", "terms[0].points.sampler", 9, "Did you mean 'sobol'?"),
    ("points: 16}", "points: 16, loss: msee}", "terms[1].loss", 10, "unknown loss 'msee' (str). Did you mean 'mse'?"),
    ("min: 0.0, max: 1.0", "min: 1.0, max: 0.0", "domain.geometry.min", 4, "min = 1.0 must be less than max = 0.0"),
    ("width: 8", "width: 8, activation: tanhh", "network.activation", 11, "Did you mean 'tanh'?"),
    ("  - {type: initial", "  - {type: neumann, field: u, on: rigth}\n  - {type: initial", "terms[1].on", 10,
     "unknown part of the domain (SpaceTime) 'rigth' (str). Did you mean 'right'?"),
    ("  - {type: initial", "  - {type: neumann, field: u, points: {n: 5, part: interior}}\n  - {type: initial",
     "terms[1].points.part", 10, "a normal derivative needs a boundary part"),
    ("  time: [0.0, 1.0]\n", "", "terms[1].type", 9, "an initial condition needs a time interval"),
    ("points: 16}", "points: 16, name: pde}", "terms[1].name", 10, "term name 'pde' is already used by terms[0]"),
    ("constants: {alpha: 0.1}", "constants: {alpha: fast}", "constants.alpha", 7, "expected a finite number in [-1e30, 1e30], got 'fast'"),
    ("terms:\n", 'transform: {u: "t*u + sin(pi*y)"}\nterms:\n', "transform.u", 8, "'y'"),
    ("terms:\n", "transform: {w: u}\nterms:\n", "transform.w", 8, "'w' (str), which is not a field"),
    ("training:\n", "reference: {file: r.npz, field: v}\ntraining:\n", "reference.field", 12, "not one of the fields"),
    ("training:\n", "reference: {type: laplace}\ntraining:\n", "reference.type", 12, "coordinates ['x', 'y']"),
    ("name: t", "name: my/run", "name", 1, "names the run directory"),
    ("  - {type: initial", "  - {type: periodic, fields: []}\n  - {type: initial", "terms[1].fields", 10,
     "expected a non-empty list of names, got [] (list)"),
]


@pytest.mark.parametrize("old, new, path, line, message", CASES, ids=[c[2] + ":" + c[4][:20] for c in CASES])
def test_bad_input_names_path_line_and_fix(tmp_path, old, new, path, line, message):
    assert old in BASE
    p = write(tmp_path, BASE.replace(old, new, 1))
    with pytest.raises(ConfigError) as err:
        load_experiment(p)
    assert err.value.path == path, str(err.value)
    assert err.value.line == line, str(err.value)
    assert message in str(err.value)
    assert str(err.value).startswith(path or "the config")
    if line is not None:
        assert f"(line {line})" in str(err.value)
    assert isinstance(err.value, ValueError) and "\n" not in str(err.value)


def test_unknown_name_in_a_residual_wraps_the_core_error(tmp_path):
    p = write(tmp_path, BASE.replace("alpha*u_xx", "alpa*u_xx"))
    with pytest.raises(ConfigError, match="unknown name 'alpa'") as err:
        load_experiment(p)
    assert (err.value.path, err.value.line) == ("terms[0].residual", 9)
    assert isinstance(err.value.__context__, pj.ExpressionError) or "alpha" in str(err.value)


def test_missing_terms_and_empty_lists(tmp_path):
    text = BASE.split("terms:")[0] + "network: {type: mlp}\ntraining: {phases: [{type: adam, steps: 1}]}\n"
    with pytest.raises(ConfigError, match="missing required key 'terms'") as err:
        load_experiment(write(tmp_path, text))
    assert err.value.path == "terms"
    with pytest.raises(ConfigError, match="the list is empty") as err:
        load_experiment(write(tmp_path, BASE.replace("  phases:\n    - {type: adam, steps: 10}", "  phases: []")))
    assert (err.value.path, err.value.line) == ("training.phases", 13)


def test_files_yaml_and_emptiness(tmp_path):
    with pytest.raises(ConfigError, match="does not exist") as err:
        load_config(tmp_path / "nope.yaml")
    for empty in ("", "  \n", "# only a comment\n"):
        with pytest.raises(ConfigError, match="is empty") as err:
            load_config(write(tmp_path, empty))
        assert err.value.path == ""
    with pytest.raises(ConfigError, match="is not valid YAML") as err:
        load_config(write(tmp_path, "name: t\nterms: [1, 2\nfields: [u]\n"))
    assert err.value.line == 3 and "(line 3)" in str(err.value)
    with pytest.raises(ConfigError, match="is not valid YAML") as err:
        load_config(write(tmp_path, "name: t\n  fields: [u]\n"))
    assert err.value.line == 2
    for text, kind in (("- 1\n- 2\n", "list"), ("just text\n", "str"), ("3\n", "int")):
        with pytest.raises(ConfigError, match=f"a config must be a mapping of keys .* got a {kind}$"):
            load_config(write(tmp_path, text))
    with pytest.raises(ConfigError, match="a key must be a name, got a list") as err:
        load_config(write(tmp_path, "name: t\n[a, b]: 1\n"))
    assert err.value.line == 2
    (tmp_path / "latin1.yaml").write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="is not UTF-8 text"):
        load_config(tmp_path / "latin1.yaml")
    with pytest.raises(ConfigError, match="key 'fields' appears twice") as err:
        load_config(write(tmp_path, "name: t\nfields: [u]\nfields: [v]\n"))
    assert err.value.line == 3


def test_missing_data_and_reference_files(tmp_path):
    text = BASE.replace("terms:\n", "terms:\n  - {type: data, targets: [u], file: missing.npz}\n")
    with pytest.raises(ConfigError, match="file 'missing.npz' does not exist .*relative to the config file") as err:
        load_experiment(write(tmp_path, text))
    assert (err.value.path, err.value.line) == ("terms[0].file", 9)
    with pytest.raises(ConfigError, match="file 'ref.npz' does not exist") as err:
        load_experiment(write(tmp_path, BASE + "reference:\n  file: ref.npz\n"))
    assert (err.value.path, err.value.line) == ("reference.file", 16)


def test_reference_grid_of_the_wrong_shape(tmp_path):
    np.savez(tmp_path / "ref.npz", x=np.linspace(0, 1, 4), t=np.linspace(0, 1, 3), u=np.zeros((3, 4)))
    with pytest.raises(ConfigError, match=r"has shape \(3, 4\), but the coordinate arrays \['x', 't'\] "
                                          r"make a grid of shape \(4, 3\)") as err:
        load_experiment(write(tmp_path, BASE + "reference: {file: ref.npz}\n"))
    assert (err.value.path, err.value.line) == ("reference.file", 15)


def test_yaml_cannot_execute_code(tmp_path):
    marker = tmp_path / "marker"
    for text in (f'name: !!python/object/apply:os.system ["touch {marker}"]\n',
                 f'!!python/object/apply:os.system ["touch {marker}"]\n',
                 'name: !!python/name:os.system ""\n'):
        with pytest.raises(ConfigError, match="not valid YAML.*could not determine a constructor") as err:
            load_config(write(tmp_path, text))
        assert err.value.line == 1
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(write(tmp_path, BASE), [f'name=!!python/object/apply:os.system ["touch {marker}"]'])
    assert not marker.exists()


def test_yaml_1_2_booleans_and_floats(tmp_path):
    # YAML 1.1 reads `on` and `no` as booleans (a boundary part named `on:` must stay a
    # key) and `1e-3` as a string; the loader reads them as YAML 1.2 does.
    cfg = load_config(write(tmp_path, "on: right\nx: no\ny: true\nlr: [1e-3, 2E+4, 1.5, 7]\n"))
    assert cfg == {"on": "right", "x": "no", "y": True, "lr": [1e-3, 2e4, 1.5, 7]}
    assert isinstance(cfg["lr"][3], int)
