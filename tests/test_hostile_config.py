"""Hostile configs: `pinnjax validate` bounds what it reads (size, nesting, alias expansion)
and refuses values that cannot be meant, each with exit 2 and one paragraph naming the key,
the limit and the fix."""

import time

import pytest

from pinnjax.cli import main
from pinnjax.config.loader import MAX_CHARS, MAX_DEPTH, MAX_NODES
from test_config import BASE  # a small valid forward config


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
