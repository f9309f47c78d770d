"""Reading YAML safely, remembering the line of every key, and applying overrides.

What is read is bounded before anything is built, so a small hostile file cannot hang
or crash ``pinnjax validate``: at most :data:`MAX_CHARS` characters (a file or an
override), :data:`MAX_DEPTH` levels of nested mappings and lists, and :data:`MAX_NODES`
values once every alias (``*name``) is expanded into a copy of what it names (a few lines
of anchors and aliases can otherwise stand for billions of values, "billion laughs").
Each refusal is a :class:`ConfigError` naming the limit.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

import yaml

from .errors import ConfigError, did_you_mean, shorten, type_name
from .files import path_problem

MAX_CHARS = 1_000_000  # characters of a config file or of one override
MAX_DEPTH = 50  # levels of nested mappings and lists (a config needs about 8)
MAX_NODES = 100_000  # values in a document with every alias expanded


class LineDict(dict):
    """A mapping that knows the YAML line of each key (``lines[key]``) and its own."""

    line: int | None = None
    lines: dict


class LineList(list):
    """A sequence that knows the YAML line of each item (``lines[i]``) and its own."""

    line: int | None = None
    lines: list


class _Loader(yaml.SafeLoader):
    """The safe loader (no Python objects, no code) recording line numbers; it refuses
    documents nested more than MAX_DEPTH levels while composing them."""

    def __init__(self, text: str, source: str):
        super().__init__(text)
        self.source, self.depth = source, 0

    def compose_node(self, parent, index):
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _too_deep(self.source, self.peek_event().start_mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _too_deep(source: str, line: int | None, expanded: str = "") -> ConfigError:
    return ConfigError("", f"{source} nests mappings and lists more than {MAX_DEPTH} levels deep{expanded}; "
                       "a config needs fewer than 10: flatten it", line)


def _children(node) -> list:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def _check_expansion(root, source: str) -> None:
    """Refuse a document that, with every alias expanded, holds more than MAX_NODES values
    or nests deeper than MAX_DEPTH, or whose alias names a node that contains it.

    Aliases share nodes, so sizes are summed once per node (an iterative walk: no
    recursion, linear in the nodes written, whatever the expansion)."""
    size, depth = {}, {}
    stack = [(root, iter(_children(root)))]
    open_nodes = {id(root)}
    while stack:
        node, children = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            open_nodes.discard(id(node))
            below = _children(node)
            size[id(node)] = 1 + sum(size[id(c)] for c in below)
            depth[id(node)] = 1 + max((depth[id(c)] for c in below), default=0)
        elif id(child) in open_nodes:
            raise ConfigError("", f"{source}: an alias at line {child.start_mark.line + 1} names a mapping or list "
                              "that contains it (a recursive alias); a config must be a tree", child.start_mark.line + 1)
        elif id(child) not in size:
            open_nodes.add(id(child))
            stack.append((child, iter(_children(child))))
    if size[id(root)] > MAX_NODES:
        raise ConfigError("", f"{source} holds more than {MAX_NODES:,} values once its aliases (*name) are expanded; "
                          "refused, since a few lines of anchors and aliases can stand for billions of values: "
                          "write the values out, or use fewer aliases")
    if depth[id(root)] > MAX_DEPTH:
        raise _too_deep(source, None, " once its aliases (*name) are expanded")


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


def _too_long(source: str, size: int, unit: str = "characters") -> ConfigError:
    return ConfigError("", f"{source} has {size:,} {unit}, more than the {MAX_CHARS:,} a config may have; "
                       "a config names its data files rather than holding the data")


def parse_yaml(text: str, source: str = "config"):
    """The plain data of one YAML document, bounded as the module says."""
    if len(text) > MAX_CHARS:
        raise _too_long(source, len(text))
    try:
        loader = _Loader(text, source)  # a SafeLoader: builds plain data only, never objects or code
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            _check_expansion(node, source)
            return loader.construct_document(node)
        finally:
            loader.dispose()
    except ConfigError:
        raise
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else None
        raise ConfigError("", f"{source} is not valid YAML: {shorten(str(err.problem or err))}. Only plain YAML "
                          "(mappings, lists, numbers, strings) is accepted", line) from None
    except Exception as err:  # noqa: BLE001 - e.g. a malformed !!timestamp or !!float: any failure is bad YAML
        raise ConfigError("", f"{source} is not valid YAML: {shorten(str(err))}") from None


def load_config(path: str | os.PathLike, overrides: Sequence[str] = ()) -> dict:
    """The config at ``path`` as a dict (with line numbers), overrides applied."""
    problem = path_problem(Path(path))
    if problem:
        raise ConfigError("", f"config file {str(path)!r} {problem}")
    size = Path(path).stat().st_size
    if size > MAX_CHARS:  # checked before reading: the file may be huge
        raise _too_long(f"config file {str(path)!r}", size, "bytes")
    try:
        text = Path(path).read_text(encoding="utf-8")
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


def _is_index(key: str) -> bool:
    return key.isascii() and key.isdigit()


def apply_override(config: dict, item: str) -> None:
    """Set ``a.b.0.c=value`` (value read as YAML, safely) in ``config``.

    Every key on the way must exist, except keys the schema allows there: an optional
    key may be added (``training.resample_every=500``), and an optional section is
    created on the way (``output.dir=runs/x`` when ``output`` is absent).
    """
    from .registry import table_at
    from .schema import join, kind_text

    quoted = f"override {shorten(item)!r}" if isinstance(item, str) else f"override {item!r}"
    if not isinstance(item, str) or "=" not in item:
        raise ConfigError("", f"{quoted} must look like key.path=value, e.g. training.phases.0.steps=500")
    if len(item) > MAX_CHARS:
        raise _too_long(quoted, len(item))
    dotted, raw = item.split("=", 1)
    dotted = dotted.strip()
    keys = dotted.split(".")
    if not all(keys):
        raise ConfigError("", f"{quoted}: the key path {shorten(dotted)!r} has an empty part; write e.g. training.chunk=50")
    value = _strip_lines(parse_yaml(raw, quoted)) if raw.strip() else None
    node, walked, path = config, [], ""
    for i, key in enumerate(keys):
        last = i == len(keys) - 1
        here = path or "the top level"
        if isinstance(node, list):
            if not _is_index(key) or int(key) >= len(node):
                raise ConfigError(join(path, int(key) if _is_index(key) else key), f"{quoted}: {here} is a list of {len(node)} item(s); "
                                  f"use an index 0..{len(node) - 1}, got {shorten(key)!r}")
            key = int(key)
        elif isinstance(node, dict):
            if key not in node:
                table = table_at(walked, node)
                if table is not None and key not in table:
                    valid = list(dict.fromkeys([*node, *table]))
                    raise ConfigError(join(path, key), f"{quoted}: {here} has no key {shorten(key)!r}."
                                      f"{did_you_mean(key, valid)} Keys allowed there: {', '.join(map(str, valid))}")
                if not last:
                    kind = table[key][0] if table is not None else "mapping"
                    if kind not in ("mapping", "points"):
                        raise ConfigError(join(path, key), f"{quoted}: {join(path, key)} is not set, and it is "
                                          f"{kind_text(kind)}, not a mapping; set it whole, e.g. {'.'.join(keys[:i + 1])}=...")
                    node[key] = LineDict()
                    node[key].line, node[key].lines = None, {}
        else:
            raise ConfigError(path, f"{quoted}: {here} is a value ({type_name(node)}), not a mapping or a list")
        if last:
            node[key] = value
        else:
            node = node[key]
        walked.append(key)
        path = join(path, key)
