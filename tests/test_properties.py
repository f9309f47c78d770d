"""Property-based tests (hypothesis): random expressions and random YAML documents (and
overrides) never execute code, never raise anything but the project's own errors
(ExpressionError; ConfigError, which `pinnjax validate` turns into exit 2), and each
example finishes within a second. The quick runs are small and derandomized (the same
examples every time); the long ones are marked slow."""

import copy
import os
import tempfile
import time
from pathlib import Path

import jax.numpy as jnp
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pinnjax.cli import main
from pinnjax.config import ConfigError, load_config
from pinnjax.problem.expressions import ExpressionError, parse_expression
from test_config import BASE
from test_discover_cli import HEAT, write_npz

# A file that only code run by an attack could create.
SENTINEL = Path(tempfile.gettempdir()) / f"pinnjax-property-{os.getpid()}-pwned"
ATTACKS = [f"__import__('os').system('touch {SENTINEL}')", f"open('{SENTINEL}', 'w')",
           f"exec(\"open('{SENTINEL}', 'w')\")", f"eval('__import__(\"os\")')", "().__class__.__base__.__subclasses__()",
           "x.__globals__", "(lambda: 0)()", "[c for c in ().__class__.__mro__]", "globals()", "breakpoint()"]
QUICK = settings(max_examples=100, deadline=1000, database=None, derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow])
LONG = settings(QUICK, max_examples=500, derandomize=False)
PROFILES = [pytest.param(QUICK, id="quick"), pytest.param(LONG, id="long", marks=pytest.mark.slow)]
# Validating a config that builds builds its network: a new width compiles JAX's initializers
# (1-2 s on a busy 2-core machine). The loader itself is held to a second in `validates`.
BUILDS = 5000


def holds(strategy, check, profile) -> None:
    """Assert ``check(example)`` for the examples of ``strategy`` under ``profile``."""
    settings(profile)(given(strategy)(check))()
    assert not SENTINEL.exists(), "an example ran code"


# ---------------------------------------------------------------- expressions
NAMES = ["u", "x", "t", "nu", "k", "pi", "e", "u_x", "u_xx", "u_tx", "u_xxxxxxxx", "u_" + "x" * 9, "u_" + "t" * 300,
         "v", "sin", "__import__", "__builtins__", "os", "None", "True", "nan", "inf"]
LITERALS = ["1e400", "9" * 400, "0x1F", "1_000", "1j", "''", "'s'", "b'x'", "...", "[1, 2]", "{1: 2}", "(1, 2)",
            "f'{u}'", "x.real", "u[0]", "lambda: 0", "*u", "**u", "u if x else t", "u < x", "u and x", "not u"]
OPERATORS = ["+", "-", "*", "/", "**", "//", "%", "@", "<", "==", "and", "|", ","]
FUNCTIONS = ["sin", "exp", "log", "sqrt", "minimum", "maximum", "erf", "sigmoid", "abs", "foo", "getattr", "u"]
ATOMS = st.one_of(st.sampled_from(NAMES + LITERALS + ATTACKS), st.integers(-10**30, 10**30).map(str),
                  st.floats().map(repr), st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True))


def _compose(children):
    return st.one_of(
        st.tuples(children, st.sampled_from(OPERATORS), children).map(" ".join),
        st.tuples(st.sampled_from(["-", "+", "~", "not "]), children).map("".join),
        children.map(lambda c: f"({c})"),
        st.tuples(st.sampled_from(FUNCTIONS), st.lists(children, max_size=3)).map(lambda f: f"{f[0]}({', '.join(f[1])})"),
    )


EXPRESSIONS = st.one_of(st.recursive(ATOMS, _compose, max_leaves=25),
                        st.text(alphabet="uxt()+-*/.,0123456789e_'\"[]{}:;=<>!@#%^&|~\\\n ", max_size=80),
                        st.text(max_size=40))


def check_expression(text: str) -> None:
    """Parsing raises ExpressionError or gives a function that evaluates without error."""
    try:
        expression = parse_expression(text, fields=("u",), coordinates=("x", "t"), constants={"nu": 0.1},
                                      parameters=("k",))
    except ExpressionError:
        return
    value = expression({name: jnp.asarray([0.25, -1.5]) for name in expression.names})
    assert value.shape in ((), (2,)), (text, value.shape)


@pytest.mark.parametrize("profile", PROFILES)
def test_random_expressions_raise_only_expression_errors(profile):
    holds(EXPRESSIONS, check_expression, profile)


# ---------------------------------------------------------------- YAML documents and overrides
FRAGMENTS = ["&a ", "*a", "&b [*a, *a, *a]", "<<: *a", "? ", "- ", ": ", "[", "]", "{", "}", ", ", "\n", "  ", "'",
             '"', "|\n  ", ">\n  ", "%YAML 1.2\n", "---\n", "...\n", "!!python/object/apply:os.system ['touch "
             f"{SENTINEL}']", "!!python/name:os.system", "!!binary aGk=", "!!timestamp 2001-13-45", "!!float x",
             "!!set {a}", "!!omap [a: 1]", ".nan", ".inf", "1e999", "0x1F", "~", "null", "name", "terms", "type",
             "steps", "domain", "u_t - u_xx", "#", "\t"]
RANDOM_TEXT = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=6)), max_size=30).map("".join)
SCALARS = st.one_of(st.integers(1, 64), st.floats(1e-3, 2.0), st.none(), st.booleans(), st.integers(-10**20, 10**20),
                    st.floats(), st.text(max_size=12),
                    st.sampled_from(["u_t - u_xx", "sin(pi*x)", "u_" + "x" * 12, "adam", "lbfgs", "interval", "mlp",
                                     "float64", "left", "boundary", "sobol", *ATTACKS[:2]]))
KEYS = st.one_of(st.sampled_from(["type", "n", "steps", "min", "max", "width", "file", "of", "points"]),
                 st.text(max_size=6))
VALUES = st.recursive(SCALARS, lambda c: st.one_of(st.lists(c, max_size=4), st.dictionaries(KEYS, c, max_size=4)),
                      max_leaves=10)


def _paths(node, prefix=()):
    """Every key path of a plain config, e.g. ("terms", 0, "points")."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        yield prefix + (key,)
        yield from _paths(value, prefix + (key,))


def _set(node, path, value) -> None:
    """``node[path[0]]...[path[-1]] = value``, unless an earlier change removed the path."""
    try:
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    except (KeyError, IndexError, TypeError):
        pass


def _mutated(text: str):
    """Documents made from ``text`` with up to three values replaced by random ones."""
    plain = yaml.safe_load(text)
    changes = st.lists(st.tuples(st.sampled_from(list(_paths(plain))), VALUES), min_size=1, max_size=3)

    def apply(pairs):
        out = copy.deepcopy(plain)
        for path, value in pairs:
            _set(out, path, value)
        return yaml.safe_dump(out, sort_keys=False)

    return changes.map(apply)


def _flow(value) -> str:
    return yaml.safe_dump(value, default_flow_style=True, width=10**6).removesuffix("\n...\n").strip()


def _override(text: str):
    """``key.path=value`` overrides of ``text``'s keys (and random ones)."""
    keys = [".".join(map(str, p)) for p in _paths(yaml.safe_load(text))]
    return st.one_of(st.tuples(st.sampled_from(keys), VALUES).map(lambda kv: f"{kv[0]}={_flow(kv[1])}"),
                     st.tuples(st.text(max_size=12), RANDOM_TEXT).map("=".join), st.text(max_size=20))


def validates(directory: Path, capsys, text: str, *overrides: str) -> None:
    """The loader reads the config within a second (or refuses it with a ConfigError), and
    `pinnjax validate` exits 0, or 2 with one paragraph; nothing else escapes."""
    path = directory / "c.yaml"
    path.write_text(text, encoding="utf-8", errors="replace")
    start = time.perf_counter()
    try:
        load_config(path, overrides)
    except ConfigError:
        pass
    assert time.perf_counter() - start < 1.0
    try:
        code = main(["validate", str(path), *overrides])
    except SystemExit as exit:  # argparse's own exit 2: an override that looks like an option ("-x")
        assert exit.code == 2 and "error: unrecognized arguments" in capsys.readouterr().err
        return
    err = capsys.readouterr().err
    assert code in (0, 2) and "Traceback" not in err, err
    assert code == 0 or "pinnjax: error: " in err.splitlines()[-1], err


@pytest.fixture
def data_dir(tmp_path, capsys):
    """A directory with the data HEAT names, after one validation of each base config (the
    first one compiles what building a network needs, which is not what the deadline measures)."""
    write_npz(tmp_path / "a.npz")
    for text in (BASE, HEAT):
        validates(tmp_path, capsys, text)
    return tmp_path


@pytest.mark.parametrize("profile", PROFILES)
def test_random_yaml_documents_exit_0_or_2(profile, data_dir, capsys):
    documents = st.one_of(RANDOM_TEXT, _mutated(BASE), _mutated(HEAT))
    holds(documents, lambda text: validates(data_dir, capsys, text), settings(profile, deadline=BUILDS))


@pytest.mark.parametrize("profile", PROFILES)
def test_random_overrides_exit_0_or_2(profile, data_dir, capsys):
    overrides = st.one_of(st.tuples(st.just(BASE), st.lists(_override(BASE), min_size=1, max_size=3)),
                          st.tuples(st.just(HEAT), st.lists(_override(HEAT), min_size=1, max_size=3)))
    holds(overrides, lambda case: validates(data_dir, capsys, case[0], *case[1]), settings(profile, deadline=BUILDS))
