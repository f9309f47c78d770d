"""Reading YAML safely, remembering the line of every key, and applying overrides."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

import yaml

from .errors import ConfigError, did_you_mean, type_name


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
        if isinstance(key, (dict, list)):
            raise ConfigError("", f"a key must be a name, got a {type_name(key)} {key!r}; "
                              "write keys as plain words (name: value)", key_node.start_mark.line + 1)
        if key in out:
            raise ConfigError(str(key), f"key {key!r} appears twice in one mapping; keep one", key_node.start_mark.line + 1)
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = key_node.start_mark.line + 1
    return out


def _sequence(loader, node):
    out = LineList(loader.construct_object(child, deep=True) for child in node.value)
    out.line, out.lines = node.start_mark.line + 1, [child.start_mark.line + 1 for child in node.value]
    return out


# YAML 1.2 booleans and floats. YAML 1.1 (PyYAML's default) reads the key `on:` (a
# boundary part) or the value `no` as booleans, and `1e-3` (no dot) as a string.
_REPLACED = ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:float")
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _REPLACED]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
                  |[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+
                  |[-+]?\.[0-9_]+(?:[eE][-+]?[0-9]+)?
                  |[-+]?\.(?:inf|Inf|INF)
                  |\.(?:nan|NaN|NAN))$""", re.VERBOSE),
    list("-+0123456789."),
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
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("", f"config file {str(path)!r} does not exist") from None
    except OSError as err:
        raise ConfigError("", f"cannot read config file {str(path)!r}: {err.strerror}") from None
    except UnicodeDecodeError as err:
        raise ConfigError("", f"config file {str(path)!r} is not UTF-8 text ({err.reason} at byte {err.start})") from None
    if not text.strip():
        raise ConfigError("", f"config file {str(path)!r} is empty; see configs/burgers.yaml for a complete example")
    config = parse_yaml(text, f"config file {str(path)!r}")
    if config is None:
        raise ConfigError("", f"config file {str(path)!r} is empty (only comments); see configs/burgers.yaml for a complete example")
    if not isinstance(config, dict):
        raise ConfigError("", f"a config must be a mapping of keys (name, domain, fields, terms, ...), got a {type_name(config)}")
    for item in overrides:
        apply_override(config, item)
    return config


def _strip_lines(node):
    """Values from an override have no line in the file: forget the override's own."""
    if isinstance(node, (LineDict, LineList)):
        node.line = None
        node.lines = {} if isinstance(node, LineDict) else []
        for v in node.values() if isinstance(node, dict) else node:
            _strip_lines(v)
    return node


def apply_override(config: dict, item: str) -> None:
    """Set ``a.b.0.c=value`` (value read as YAML, safely) in ``config``.

    Every key on the way must exist, except keys the schema allows there: an optional
    key may be added (``training.resample_every=500``), and an optional section is
    created on the way (``output.dir=runs/x`` when ``output`` is absent).
    """
    from .registry import table_at
    from .schema import join, kind_text

    if not isinstance(item, str) or "=" not in item:
        raise ConfigError("", f"override {item!r} must look like key.path=value, e.g. training.phases.0.steps=500")
    dotted, raw = item.split("=", 1)
    dotted = dotted.strip()
    keys = dotted.split(".")
    if not all(keys):
        raise ConfigError("", f"override {item!r}: the key path {dotted!r} has an empty part; write e.g. training.chunk=50")
    value = _strip_lines(parse_yaml(raw, f"override {item!r}")) if raw.strip() else None
    node, walked, path = config, [], ""
    for i, key in enumerate(keys):
        last = i == len(keys) - 1
        here = path or "the top level"
        if isinstance(node, list):
            if not key.isdigit() or int(key) >= len(node):
                raise ConfigError(join(path, int(key) if key.isdigit() else key), f"override {item!r}: {here} is a list of {len(node)} item(s); "
                                  f"use an index 0..{len(node) - 1}, got {key!r}")
            key = int(key)
        elif isinstance(node, dict):
            if key not in node:
                table = table_at(walked, node)
                if table is not None and key not in table:
                    valid = list(dict.fromkeys([*node, *table]))
                    raise ConfigError(join(path, key), f"override {item!r}: {here} has no key {key!r}."
                                      f"{did_you_mean(key, valid)} Keys allowed there: {', '.join(map(str, valid))}")
                if not last:
                    kind = table[key][0] if table is not None else "mapping"
                    if kind not in ("mapping", "points"):
                        raise ConfigError(join(path, key), f"override {item!r}: {join(path, key)} is not set, and it is "
                                          f"{kind_text(kind)}, not a mapping; set it whole, e.g. {'.'.join(keys[:i + 1])}=...")
                    node[key] = LineDict()
                    node[key].line, node[key].lines = None, {}
        else:
            raise ConfigError(path, f"override {item!r}: {here} is a value ({type_name(node)}), not a mapping or a list")
        if last:
            node[key] = value
        else:
            node = node[key]
        walked.append(key)
        path = join(path, key)
