"""Checking a config mapping against a parameter table, with messages that name the fix.

A table maps each key to ``(kind, default)``; ``REQUIRED`` marks keys without a default.
Kinds: "float", "int", "posint", "bool", "str", "expr" (text or number), "floats"
(list of numbers), "strs" (list of names), "any".
"""

from __future__ import annotations

import numbers

from .errors import ConfigError, describe, did_you_mean

REQUIRED = object()

KIND_TEXT = {
    "float": "a number", "int": "an integer", "posint": "a positive integer", "bool": "true or false",
    "str": "a text", "expr": "a number or a text expression", "floats": "a list of numbers",
    "strs": "a list of names", "any": "any value", "mapping": "a mapping", "list": "a list",
}


def _is_number(v) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def check_kind(value, kind: str) -> bool:
    if kind == "any":
        return True
    if kind == "float":
        return _is_number(value)
    if kind == "int":
        return isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if kind == "posint":
        return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value > 0
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "str":
        return isinstance(value, str)
    if kind == "expr":
        return isinstance(value, str) or _is_number(value)
    if kind == "floats":
        return isinstance(value, list) and all(_is_number(v) for v in value)
    if kind == "strs":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind == "mapping":
        return isinstance(value, dict)
    if kind == "list":
        return isinstance(value, list)
    raise KeyError(kind)


def line_of(node, key=None) -> int | None:
    """The YAML line of ``node[key]`` (or of ``node``), when the loader recorded it."""
    lines = getattr(node, "lines", None)
    if key is not None and lines is not None:
        try:
            return lines[key]
        except (KeyError, IndexError, TypeError):
            pass
    return getattr(node, "line", None)


def require_mapping(node, path: str, what: str) -> dict:
    if not isinstance(node, dict):
        raise ConfigError(path, f"expected {what} (a mapping of keys), got {describe(node)}", line_of(node))
    return node


def take(node: dict, table: dict, path: str, ignore: tuple = ()) -> dict:
    """Validated ``{key: value}`` for every key of ``table`` (defaults filled in)."""
    for key in node:
        if key not in table and key not in ignore:
            valid = [k for k in table] + list(ignore)
            raise ConfigError(
                _join(path, key), f"unknown key {key!r}.{did_you_mean(key, valid)} Valid keys here: {', '.join(valid)}",
                line_of(node, key),
            )
    out = {}
    for key, (kind, default) in table.items():
        if key not in node:
            if default is REQUIRED:
                raise ConfigError(_join(path, key), f"missing required key {key!r} ({KIND_TEXT[kind]})", line_of(node))
            out[key] = default
            continue
        value = node[key]
        if value is None and default is None:
            out[key] = None
            continue
        if not check_kind(value, kind):
            raise ConfigError(_join(path, key), f"expected {KIND_TEXT[kind]}, got {describe(value)}", line_of(node, key))
        out[key] = value
    return out


def _join(path: str, key) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def choose(node: dict, registry: dict, path: str, what: str):
    """The registry entry named by ``node['type']``; errors list the valid types."""
    node = require_mapping(node, path, what)
    if "type" not in node:
        raise ConfigError(_join(path, "type"), f"missing key 'type' for the {what}; one of: {', '.join(registry)}", line_of(node))
    kind = node["type"]
    if kind not in registry:
        raise ConfigError(
            _join(path, "type"), f"unknown {what} type {kind!r}.{did_you_mean(kind, registry)} Valid types: {', '.join(registry)}",
            line_of(node, "type"),
        )
    return kind, registry[kind]


join = _join
