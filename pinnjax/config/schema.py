"""Checking a config mapping against a parameter table, with messages that name the fix.

A table maps each key to ``(kind, default)``; ``REQUIRED`` marks keys without a default.
Kinds: "float", "optfloat" (a number or null), "int", "posint", "nonnegint", "bool", "str",
"name" (an identifier), "expr" (text or number), "floats" (list of numbers), "strs" (list of names), "mapping",
"list", "any", "seeds" (list of ints >= 0), "files" (a path or a list of paths), "pairs"
(a list of [x, y]), "runname" (names the run directory), a tuple of allowed strings (a
choice, e.g. the samplers), or a :class:`Range`: a number kind with the bounds a sane value
lies in (every numeric key of the registry has one). Numbers are finite: YAML's ``.inf``
and ``.nan`` never pass a number kind.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import re

from .errors import ConfigError, describe, did_you_mean

REQUIRED = object()
MAX_NAME = 100  # characters of a name (a run, a term, a field)

KIND_TEXT = {
    "float": "a finite number", "optfloat": "a finite number or null", "int": "an integer",
    "posint": "a positive integer",
    "nonnegint": "an integer >= 0", "bool": "true or false", "str": "a text",
    "name": f"a name (letters, digits, _; not starting with a digit; at most {MAX_NAME} characters)",
    "runname": f"a run name; it names the run directory, so it may hold only letters, digits, '_', '-' and '.' "
               f"(1 to {MAX_NAME} characters)",
    "expr": "a number or a text expression", "floats": "a list of finite numbers",
    "pairs": "a list of [x, y] pairs of finite numbers",
    "strs": "a list of names", "names": "a non-empty list of names", "any": "any value", "mapping": "a mapping", "list": "a list",
    "points": "a number of points or {n, sampler, part, resample}", "loss": "a loss name or {type, ...}",
    "seeds": "a non-empty list of integers >= 0, e.g. [0, 1, 2]",
    "files": "a file path or a non-empty list of file paths (.npz or .csv)",
    "at": "a point {coordinate: number or coefficient name} or a list of them",
    "ensemble": "a number of members (seeds seed, seed+1, ...) or a list of seeds, e.g. 8 or [0, 1, 2]",
    "table": "a table {name: [numbers]} or a file (.csv with a header, or .npz)",
}
SHORT = {"float": "number", "optfloat": "number|null", "posint": "int > 0", "nonnegint": "int >= 0", "floats": "[numbers]", "strs": "[names]", "names": "[names]",
         "name": "identifier", "runname": "run name", "pairs": "[[x, y], ...]", "expr": "text|number", "points": "n|{n, ...}", "loss": "name|{type, ...}",
         "seeds": "[int >= 0]", "files": "path|[paths]",
         "at": "{coord: value}|[...]", "ensemble": "N|[seeds]", "table": "{name: [numbers]}|path"}


def _number_text(x) -> str:
    """``0.25``, ``1000``, ``1e6`` (a power of ten from 1e5 on), ``4294967295``."""
    if not float(x).is_integer():
        return f"{x:g}"
    exponent = math.log10(abs(x)) if x else 0
    if exponent >= 5 and exponent.is_integer():
        return f"{'-' if x < 0 else ''}1e{int(exponent)}"
    return str(int(x))


@dataclasses.dataclass(frozen=True)
class Range:
    """A number kind (``kind``: "float", "optfloat", "posint", "nonnegint", "floats",
    "pairs" or "seeds"; lists are checked item by item) with bounds ``lo``/``hi``
    (``open_lo``/``open_hi``: strict). ``note`` says what the number is, ``hint`` how to
    fix it: "{note} must be in (0, 1], got 0 (int); {hint}"."""

    kind: str
    lo: float | None = None
    hi: float | None = None
    open_lo: bool = False
    open_hi: bool = False
    note: str = ""
    hint: str = ""

    def contains(self, value) -> bool:
        if isinstance(value, list):
            return all(self.contains(v) for v in value)
        if value is None:
            return True
        lo_ok = self.lo is None or (value > self.lo if self.open_lo else value >= self.lo)
        return lo_ok and (self.hi is None or (value < self.hi if self.open_hi else value <= self.hi))

    def bounds(self) -> str:
        """``in (0, 1]``, or ``at most 1000`` when the kind implies the lower bound."""
        if self.lo is None:
            return f"{'below' if self.open_hi else 'at most'} {_number_text(self.hi)}"
        return (f"in {'(' if self.open_lo else '['}{_number_text(self.lo)}, "
                f"{_number_text(self.hi)}{')' if self.open_hi else ']'}")


def short_kind(kind) -> str:
    """The kind as ``pinnjax list`` shows it."""
    if isinstance(kind, Range):
        return f"{short_kind(kind.kind)}{',' if kind.lo is None else ''} {kind.bounds()}"
    return "|".join(kind) if isinstance(kind, tuple) else SHORT.get(kind, kind)


def kind_text(kind) -> str:
    if isinstance(kind, tuple):
        return "one of: " + ", ".join(kind)
    if isinstance(kind, Range):
        each = ", each " if kind.kind in ("floats", "pairs", "seeds") else ", " if kind.lo is None else " "
        return f"{kind.note or KIND_TEXT[kind.kind]}{each}{kind.bounds()}"
    return KIND_TEXT[kind]


def _is_number(v) -> bool:
    """A real number, finite (an int always is; a float may be inf or nan)."""
    return isinstance(v, numbers.Real) and not isinstance(v, bool) and (
        isinstance(v, numbers.Integral) or math.isfinite(v))


def _is_int(v) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


CHECKS = {
    "any": lambda v: True,
    "float": _is_number,
    "optfloat": lambda v: v is None or _is_number(v),
    "int": _is_int,
    "posint": lambda v: _is_int(v) and v > 0,
    "nonnegint": lambda v: _is_int(v) and v >= 0,
    "bool": lambda v: isinstance(v, bool),
    "str": lambda v: isinstance(v, str),
    "name": lambda v: isinstance(v, str) and v.isidentifier() and len(v) <= MAX_NAME,
    "runname": lambda v: isinstance(v, str) and re.fullmatch(r"[A-Za-z0-9_.\-]+", v) is not None and len(v) <= MAX_NAME,
    "expr": lambda v: isinstance(v, str) or _is_number(v),
    "floats": lambda v: isinstance(v, list) and all(_is_number(x) for x in v),
    "pairs": lambda v: isinstance(v, list) and all(isinstance(p, list) and len(p) == 2 and all(map(_is_number, p))
                                                   for p in v),
    "strs": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
    "names": lambda v: isinstance(v, list) and len(v) > 0 and all(isinstance(x, str) for x in v),
    "mapping": lambda v: isinstance(v, dict),
    "list": lambda v: isinstance(v, list),
    "points": lambda v: True,  # checked where it is built: a number or a mapping
    "loss": lambda v: True,
    "seeds": lambda v: isinstance(v, list) and len(v) > 0 and all(_is_int(x) and x >= 0 for x in v),
    "ensemble": lambda v: (_is_int(v) and v > 0) or (isinstance(v, list) and len(v) > 0
                                                    and all(_is_int(x) and x >= 0 for x in v)),
    "at": lambda v: isinstance(v, dict) or (isinstance(v, list) and len(v) > 0 and all(isinstance(x, dict) for x in v)),
    "table": lambda v: isinstance(v, str) or (isinstance(v, dict) and len(v) > 0),
    "files": lambda v: isinstance(v, str) or (isinstance(v, list) and len(v) > 0 and all(isinstance(x, str) for x in v)),
}


def check_kind(value, kind) -> bool:
    if isinstance(kind, tuple):
        return isinstance(value, str) and value in kind
    if isinstance(kind, Range):
        return CHECKS[kind.kind](value) and kind.contains(value)
    return CHECKS[kind](value)


def line_of(node, key=None) -> int | None:
    """The YAML line of ``node[key]`` (or of ``node``), when the loader recorded it."""
    lines = getattr(node, "lines", None)
    if key is not None and lines:
        try:
            return lines[key]
        except (KeyError, IndexError, TypeError):
            pass
    return getattr(node, "line", None)


def join(path: str, key) -> str:
    """``terms`` + 0 -> ``terms[0]``; ``terms[0]`` + ``points`` -> ``terms[0].points``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def require_mapping(node, path: str, what: str, line=None) -> dict:
    if not isinstance(node, dict):
        raise ConfigError(path, f"expected {what} (a mapping of keys), got {describe(node)}",
                          line if line is not None else line_of(node))
    return node


def require_list(node, path: str, what: str, line=None) -> list:
    if not isinstance(node, list):
        raise ConfigError(path, f"expected {what} (a list), got {describe(node)}",
                          line if line is not None else line_of(node))
    return node


def choice_error(path: str, what: str, value, valid, line) -> ConfigError:
    """Unknown ``what`` ``value``: lists ``valid`` and suggests the nearest."""
    valid = list(valid)
    return ConfigError(path, f"unknown {what} {describe(value)}.{did_you_mean(value, valid)} "
                       f"Valid: {', '.join(valid)}", line)


def check_value(value, kind, path: str, line) -> None:
    if check_kind(value, kind):
        return
    if isinstance(kind, tuple) and isinstance(value, str):
        raise choice_error(path, path.rsplit(".", 1)[-1], value, kind, line)
    if isinstance(kind, Range) and kind.note and isinstance(value, numbers.Real) and not isinstance(value, bool):
        hint = f"; {kind.hint}" if kind.hint else ""
        raise ConfigError(path, f"{kind.note} must be {kind.bounds()}, got {describe(value)}{hint}", line)
    raise ConfigError(path, f"expected {kind_text(kind)}, got {describe(value)}", line)


def take(node: dict, table: dict, path: str, ignore: tuple = ()) -> dict:
    """Validated ``{key: value}`` for every key of ``table`` (defaults filled in)."""
    for key in node:
        if key not in table and key not in ignore:
            valid = list(table) + list(ignore)
            raise ConfigError(
                join(path, key),
                f"unknown key {describe(key)}.{did_you_mean(key, valid)} Valid keys here: {', '.join(map(str, valid))}",
                line_of(node, key),
            )
    out = {}
    for key, (kind, default) in table.items():
        if key not in node:
            if default is REQUIRED:
                raise ConfigError(join(path, key), f"missing required key {key!r} ({kind_text(kind)})",
                                  line_of(node) if path else None)  # the enclosing mapping's line
            out[key] = default
            continue
        value = node[key]
        if value is None and default is None:
            out[key] = None
            continue
        check_value(value, kind, join(path, key), line_of(node, key))
        out[key] = value
    return out


def choose(node, registry: dict, path: str, what: str, line=None):
    """``(type, registry[type])`` for the mapping ``node``; errors list the valid types."""
    node = require_mapping(node, path, what, line)
    if "type" not in node:
        raise ConfigError(join(path, "type"), f"missing key 'type' for the {what}; one of: {', '.join(registry)}",
                          line_of(node))
    kind = node["type"]
    if not isinstance(kind, str) or kind not in registry:
        raise ConfigError(
            join(path, "type"),
            f"unknown {what} type {describe(kind)}.{did_you_mean(kind, registry)} Valid types: {', '.join(registry)}",
            line_of(node, "type"),
        )
    return kind, registry[kind]
