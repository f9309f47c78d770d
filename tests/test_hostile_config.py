"""Hostile configs: `pinnjax validate` bounds what it reads (size, nesting, alias expansion)
and refuses values that cannot be meant, each with exit 2 and one paragraph naming the key,
the limit and the fix."""

import time

import pytest

from pinnjax.cli import main
from pinnjax.config import registry as R
from pinnjax.config.loader import MAX_CHARS, MAX_DEPTH, MAX_NODES
from pinnjax.config.schema import REQUIRED, Range, check_kind
from pinnjax.problem.names import MAX_ORDER
from test_config import BASE  # a small valid forward config
from test_discover_cli import HEAT, write_npz  # a small discovery config and its data


# Nine levels of nine aliases each: 9**9 (387 million) values in a few hundred bytes.
LAUGHS = 'l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n' + "".join(
    f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 9))


def validate(tmp_path, capsys, text, *overrides):
    """Exit code and stderr of `pinnjax validate` on ``text``."""
    path = tmp_path / "c.yaml"
    path.write_text(text)
    code = main(["validate", str(path), *overrides])
    return code, capsys.readouterr().err


def refused(tmp_path, capsys, text, *overrides) -> str:
    """stderr of a validate that must exit 2 with one paragraph and no traceback."""
    code, err = validate(tmp_path, capsys, text, *overrides)
    assert code == 2, err
    assert err.startswith("pinnjax: error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    return err


def refused_at(path, message, *args) -> None:
    """A refusal (see :func:`refused`) at exactly the key ``path``, with ``message``, in a short paragraph."""
    err = refused(*args)
    assert f"error: {path} (line" in err or f"error: {path}: " in err, err
    assert message in err and len(err) < 1200, err


def test_the_base_config_is_valid(tmp_path, capsys):
    assert validate(tmp_path, capsys, BASE)[0] == 0


# ---------------------------------------------------------------- item 1: bounded reading
@pytest.mark.parametrize("where", [
    lambda t: LAUGHS + t.replace("name: t", "name: *l8"),
    lambda t: LAUGHS + t.replace("constants: {alpha: 0.1}", "constants: {alpha: *l8}"),
    lambda t: LAUGHS + t.replace("points: 64}", "points: *l8}"),
], ids=["name", "constant", "points"])
def test_billion_laughs_are_refused_quickly(tmp_path, capsys, where):
    start = time.perf_counter()
    err = refused(tmp_path, capsys, where(BASE))
    assert time.perf_counter() - start < 5
    assert f"holds more than {MAX_NODES:,} values once its aliases (*name) are expanded" in err
    assert "billions of values" in err and "use fewer aliases" in err


def test_billion_laughs_through_an_override(tmp_path, capsys):
    value = "{" + LAUGHS.replace("\n", ", ").rstrip(", ") + ", n: *l8}"
    err = refused(tmp_path, capsys, BASE, f"constants={value}")
    assert "override 'constants=" in err and f"more than {MAX_NODES:,} values" in err


@pytest.mark.parametrize("nested", ["[" * 5000 + "]" * 5000, "{a: " * 3000 + "1" + "}" * 3000,
                                    "\n" + "".join("  " * i + f"k{i}:\n" for i in range(200)) + "  " * 200 + "1"])
def test_deep_nesting_is_refused_without_a_recursion_error(tmp_path, capsys, nested):
    err = refused(tmp_path, capsys, BASE + "extra: " + nested + "\n")
    assert f"nests mappings and lists more than {MAX_DEPTH} levels deep" in err and "RecursionError" not in err


def test_nesting_built_from_aliases_is_refused(tmp_path, capsys):
    chain = "a0: &a0 " + "[" * 40 + "1" + "]" * 40 + "\n" + "".join(
        f"a{i}: &a{i} " + "[" * 40 + f"*a{i - 1}" + "]" * 40 + "\n" for i in range(1, 4))
    err = refused(tmp_path, capsys, chain + BASE)
    assert f"more than {MAX_DEPTH} levels deep once its aliases (*name) are expanded" in err


def test_a_recursive_alias_is_refused(tmp_path, capsys):
    err = refused(tmp_path, capsys, BASE + "extra: &loop [1, *loop]\n")
    assert "a recursive alias" in err and "line 15" in err


def test_a_huge_file_is_refused_before_it_is_read(tmp_path, capsys):
    err = refused(tmp_path, capsys, BASE + "#" * (MAX_CHARS + 10) + "\n")
    assert f"more than the {MAX_CHARS:,} a config may have" in err and "bytes" in err


def test_a_huge_override_is_refused_and_not_quoted_whole(tmp_path, capsys):
    err = refused(tmp_path, capsys, BASE, "name=" + "a" * (MAX_CHARS + 1))
    assert f"more than the {MAX_CHARS:,} a config may have" in err and len(err) < 500


def test_yaml_tags_and_bad_scalars_are_plain_errors(tmp_path, capsys):
    assert "is not valid YAML: month must be in 1..12" in refused(tmp_path, capsys, BASE + "extra: 2001-13-45\n")
    err = refused(tmp_path, capsys, BASE + "extra: !!python/object/apply:os.system ['touch pwned']\n")
    assert "could not determine a constructor" in err and not (tmp_path / "pwned").exists()


def test_a_directory_is_not_called_missing(tmp_path, capsys):
    assert main(["validate", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "is a directory, not a file" in err and "does not exist" not in err


# ---------------------------------------------------------------- item 2: values that cannot be meant
@pytest.mark.parametrize("override, path, message", [
    ("training.phases.0.learning_rate=.inf", "training.phases[0].learning_rate",
     "expected a finite number in (0, 10], got inf (float)"),
    ("training.phases.0.steps=1000000000000", "training.phases[0].steps",
     "expected a positive integer, at most 1e6, got 1000000000000 (int)"),
    ("network.width=100000", "network.width", "at most 4096, got 100000"),
    ("network.depth=1000", "network.depth", "at most 64, got 1000"),
    ("terms.0.points=100000000", "terms[0].points", "a positive integer, at most 1e7, got 100000000"),
    ("terms.0.points={n: 100000000}", "terms[0].points.n", "at most 1e7, got 100000000"),
    ("terms.0.weight=-1", "terms[0].weight", "expected a finite number in [0, 1e9], got -1"),
    ("constants.alpha=.nan", "constants.alpha", "expected a finite number in [-1e30, 1e30], got nan (float)"),
    ("coefficients={k: .nan}", "coefficients.k", "expected a finite number in [-1e9, 1e9], got nan"),
    ("seed=99999999999", "seed", "an integer >= 0, at most 4294967295, got 99999999999"),
    ("domain.time=[0, .inf]", "domain.time", "a list of finite numbers, each in [-1e6, 1e6], got [0, inf]"),
    ("domain.geometry.min=1e300", "domain.geometry.min", "in [-1e6, 1e6], got 1e+300"),
    ("domain.geometry.max=-1", "domain.geometry.min", "min = 0.0 must be less than max = -1.0; swap them"),
    ("domain.geometry={type: rectangle, lo: [0, 1], hi: [1, 0]}", "domain.geometry.lo",
     "lo[1] = 1.0 must be less than hi[1] = 0.0"),
    ("domain.geometry={type: disk, center: [0, 0], radius: 0}", "domain.geometry.radius", "in (0, 1e6], got 0"),
    ("training.chunk=10000000", "training.chunk", "at most 1e5, got 10000000"),
    ("training.phases.0={type: lbfgs, steps: 10, gtol: -1}", "training.phases[0].gtol", "in [0, 1], got -1"),
    ("terms.0.loss={type: huber, delta: 0}", "terms[0].loss.delta", "in (0, 1e6], got 0"),
    ("output={checkpoint_every: 0}", "output.checkpoint_every", "positive integer, at most 1e6"),
    ("terms.0.name=" + "p" * 101, "terms[0].name", "at most 100 characters"),
    ("name=" + "r" * 5000, "name", "(1 to 100 characters), got 'rrrr"),
])
def test_values_out_of_range_name_the_key_and_the_range(tmp_path, capsys, override, path, message):
    refused_at(path, message, tmp_path, capsys, BASE, override)


@pytest.mark.parametrize("residual, order", [("u_t - u_" + "x" * 400, 400), ("u_t - u_xxxxtttttt", 10)])
def test_derivative_orders_past_the_engine_limit_are_refused_at_validate(tmp_path, capsys, residual, order):
    err = refused(tmp_path, capsys, BASE, f"terms.0.residual={residual}")
    assert "terms[0].residual" in err and f"has order {order}" in err
    assert f"derivatives are computed up to order {MAX_ORDER}" in err


def test_the_highest_order_is_accepted(tmp_path, capsys):
    assert validate(tmp_path, capsys, BASE, "terms.0.residual=u_t - u_xxxxxxxx")[0] == 0
    err = refused(tmp_path, capsys, BASE, "terms.1={type: periodic, fields: [u], derivatives: 9}")
    assert "terms[1].derivatives" in err and f"at most {MAX_ORDER}, got 9" in err


def test_a_huge_run_name_is_refused_at_validate_and_at_run(tmp_path, capsys):
    err = refused(tmp_path, capsys, BASE.replace("name: t", "name: " + "n" * 300))
    assert "error: name (line 1): expected a run name" in err and "(1 to 100 characters)" in err
    assert main(["run", str(tmp_path / "c.yaml"), "--quiet"]) == 2
    assert "expected a run name" in capsys.readouterr().err
    long_dir = "output.dir=" + "d" * 5000
    assert main(["run", str(tmp_path / "c.yaml"), "name=t", long_dir, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "cannot create the run directory" in err and "File name too long" in err and len(err) < 500


def test_every_numeric_key_has_a_finite_range():
    tables = [R.TOP, R.DOMAIN, R.TRAINING, R.OUTPUT, R.POINTS, R.COEFFICIENT, R.DISCOVERY_TOP, R.DISCOVERY_DATA,
              R.LIBRARY, *(e.table for group in (R.GEOMETRIES, R.TERMS, R.LOSS_ENTRIES, R.NETWORKS, R.PHASES,
                                                 R.REFERENCES) for e in group.values())]
    numeric = {"float", "optfloat", "int", "posint", "nonnegint", "floats", "pairs", "seeds"}
    for table in tables:
        for key, (kind, default) in table.items():
            assert kind not in numeric, f"{key}: {kind} has no range"
            if isinstance(kind, Range):
                assert kind.hi is not None and (kind.lo is not None or kind.kind in ("posint", "nonnegint", "seeds")), key
                assert default is REQUIRED or default is None or check_kind(default, kind), (key, default)


@pytest.mark.parametrize("override, path, message", [
    ("data.noise=.nan", "data.noise", "noise must be a level in [0, 10] (a fraction of the values' standard deviation"),
    ("library.order=9", "library.order", f"at most {MAX_ORDER}, got 9"),
    ("library.degree=40", "library.degree", "at most 6, got 40"),
    ("lhs=u_ttttttttt", "lhs", f"'u_ttttttttt' is a derivative of order 9; derivatives are computed up to order {MAX_ORDER}"),
    ("library.extra=[u_xxxxxxxxxxxx]", "library.extra[0]", "has order 12"),
    ("periodic={x: 1e9}", "periodic.x", "a period must be a positive number in (0, 1e6] (e.g. 32*pi), got 1000000000.0"),
    ("seeds=[0, 99999999999]", "seeds", "each at most 4294967295, got [0, 99999999999]"),
    ("fit.0.learning_rate=.inf", "fit[0].learning_rate", "in (0, 10], got inf"),
    ("n_collocation=100000000", "n_collocation", "at most 1e7"),
])
def test_discovery_values_out_of_range(tmp_path, capsys, override, path, message):
    write_npz(tmp_path / "a.npz")
    refused_at(path, message, tmp_path, capsys, HEAT, override)
