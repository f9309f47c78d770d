"""Reading YAML safely, remembering the line of every key, and applying overrides."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

import yaml

from .errors import ConfigError, did_you_mean


class LineDict(dict):
    """A mapping that knows the YAML line of each key (``lines[key]``) and its own."""

    line: int | None = None
    lines: dict


class LineList(list):
    """A sequence that knows the YAML line of each item (``lines[i]``) and its own."""

    line: int | None = None
    lines: list


class _Loader(yaml.SafeLoader):
    """The safe loader (no Python objects, no code) recording line numbers."""


def _mapping(loader, node):
    loader.flatten_mapping(node)
    out = LineDict()
    out.line, out.lines = node.start_mark.line + 1, {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            raise ConfigError(str(key), f"key {key!r} appears twice in one mapping; keep one", key_node.start_mark.line + 1)
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = key_node.start_mark.line + 1
    return out


def _sequence(loader, node):
    out = LineList(loader.construct_object(child, deep=True) for child in node.value)
    out.line, out.lines = node.start_mark.line + 1, [child.start_mark.line + 1 for child in node.value]
    return out


# YAML 1.2 booleans: only true/false. YAML 1.1 would read the key `on:` (a boundary
# part) or the value `no` as booleans.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


def parse_yaml(text: str, source: str = "config"):
    try:
        loader = _Loader(text)  # a SafeLoader: builds plain data only, never objects or code
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except ConfigError:
        raise
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else None
        raise ConfigError("", f"{source} is not valid YAML: {err.problem or err}. Only plain YAML "
                          "(mappings, lists, numbers, strings) is accepted", line) from None
    except yaml.YAMLError as err:
        raise ConfigError("", f"{source} is not valid YAML: {err}") from None


def load_config(path: str | os.PathLike, overrides: Sequence[str] = ()) -> dict:
    """The config at ``path`` as a dict (with line numbers), overrides applied."""
    try:
        text = open(path, encoding="utf-8").read()
    except FileNotFoundError:
        raise ConfigError("", f"config file {str(path)!r} does not exist") from None
    except OSError as err:
        raise ConfigError("", f"cannot read config file {str(path)!r}: {err.strerror}") from None
    if not text.strip():
        raise ConfigError("", f"config file {str(path)!r} is empty; see configs/burgers.yaml for a complete example")
    config = parse_yaml(text, f"config file {str(path)!r}")
    if not isinstance(config, dict):
        raise ConfigError("", f"a config must be a mapping of keys (name, domain, fields, terms, ...), got a {type(config).__name__}")
    for item in overrides:
        apply_override(config, item)
    return config


def apply_override(config: dict, item: str) -> None:
    """Set ``a.b.0.c=value`` (value read as YAML). Every step but the last must exist."""
    if "=" not in item:
        raise ConfigError(item, f"override {item!r} must look like key.path=value, e.g. training.phases.0.steps=500")
    dotted, raw = item.split("=", 1)
    keys = dotted.strip().split(".")
    value = parse_yaml(raw, f"override {item!r}") if raw.strip() else ""
    node, walked = config, []
    for i, key in enumerate(keys):
        last = i == len(keys) - 1
        here = ".".join(walked) or "the top level"
        if isinstance(node, list):
            if not key.isdigit() or int(key) >= len(node):
                raise ConfigError(dotted, f"override {item!r}: {here} is a list of {len(node)} items; "
                                  f"use an index 0..{len(node) - 1}, got {key!r}")
            key = int(key)
        elif isinstance(node, dict):
            if key not in node and not last:
                raise ConfigError(dotted, f"override {item!r}: {here} has no key {key!r}."
                                  f"{did_you_mean(key, node)} Keys there: {', '.join(map(str, node))}")
        else:
            raise ConfigError(dotted, f"override {item!r}: {here} is a value, not a mapping or list")
        if last:
            node[key] = value
        else:
            node = node[key]
        walked.append(str(key))
