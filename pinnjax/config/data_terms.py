"""Building data terms from a config, and wrapping the core's errors as config errors.

A data term's values come from a table (``file``: .npz or .csv) or from a built-in
reference (``reference`` with ``n_points``, ``seed`` and ``noise``); tables of given
columns (``_columns``) also serve energy terms. :func:`_wrap` and :func:`_wrap_params`
turn a ValueError/TypeError of the core into a :class:`ConfigError` at the key.
"""

from __future__ import annotations

import re

import numpy as np

from ..problem.points import Given
from . import registry as R
from .errors import ConfigError
from .references import read_table, reference_data
from .schema import check_value, join, line_of


def _wrap(path: str, line, fn):
    """Run ``fn``; a ValueError/TypeError from the core becomes a ConfigError at ``path``."""
    try:
        return fn()
    except ConfigError:
        raise
    except (ValueError, TypeError) as err:
        raise ConfigError(path, str(err), line) from None


def _wrap_params(path: str, node, entry, fn):
    """Like :func:`_wrap` for a maker whose errors name its parameter ("Interval.a = 1.0
    must be less than Interval.b = 0.0"): reported at that key, under the name written there."""
    try:
        return fn()
    except ConfigError:
        raise
    except (ValueError, TypeError) as err:
        named = re.compile(r"\b[A-Z]\w*\.(\w+)")  # Owner.parameter
        text = named.sub(lambda m: entry.renamed.get(m[1], m[1]), str(err))
        found = named.search(str(err))
        key = entry.renamed.get(found[1], found[1]) if found else None
        if key in entry.table and key in node:
            raise ConfigError(join(path, key), text, line_of(node, key)) from None
        raise ConfigError(path, text, line_of(node, "type")) from None


def _columns(value, base_dir, path: str, line) -> dict[str, np.ndarray]:
    """A table given inline ``{name: [numbers]}`` or as a file: named columns of one length."""
    if isinstance(value, str):
        return read_table(value, base_dir, path, line)
    table = {}
    for name, column in value.items():
        check_value(column, R.COORDINATES, join(path, name), line_of(value, name))
        table[name] = np.asarray(column, np.float64)
    lengths = {k: len(v) for k, v in table.items()}
    if len(set(lengths.values())) != 1 or 0 in lengths.values():
        raise ConfigError(path, f"the columns must be non-empty and of one length (one entry per row), got {lengths}",
                          line)
    return table


def _data_term(p, path, node, base_dir, coords, common, entry):
    """Measured values from ``file``, or drawn from a built-in ``reference`` (with ``noise``)."""
    if (p["file"] is None) == (p["reference"] is None):
        raise ConfigError(path, "give the data either as file: data.npz (or .csv) or as reference: {type: ...} (a "
                          "built-in solution, see 'pinnjax list'), " + ("not both" if p["file"] else "one of them"),
                          line_of(node, "type"))
    if p["reference"] is not None:
        return _reference_data_term(p, path, node, base_dir, coords, common, entry)
    for key in ("n_points", "noise"):
        if p[key] is not None:
            raise ConfigError(join(path, key), f"{key} applies to data drawn from a reference; a file's data are used "
                              f"as they are: remove {key} (or subsample the file yourself)", line_of(node, key))
    if p["targets"] is None:
        raise ConfigError(join(path, "targets"), "a data file needs targets: the column names of the fields (or "
                          "derivatives) it measures, e.g. targets: [u]", line_of(node, "type"))
    where, line = join(path, "file"), line_of(node, "file")
    table = read_table(p["file"], base_dir, where, line)
    targets = p["targets"]
    missing = [c for c in (*coords, *targets) if c not in table]
    if missing:
        raise ConfigError(where, f"data file lacks column(s) {missing}; it has {sorted(table)}, and needs one per "
                          f"coordinate {list(coords)} and per target {list(targets)}", line)
    pts = np.stack([table[c] for c in coords], axis=1)
    values = np.stack([table[t] for t in targets], axis=1)
    given = _wrap(where, line, lambda: Given(pts, values[:, 0] if values.shape[1] == 1 else values))
    return _wrap(path, line_of(node, "type"), lambda: entry.make(targets, given, common))


def _reference_data_term(p, path, node, base_dir, coords, common, entry):
    fields = tuple(p["targets"] or ("u",))
    points, values, field, noise = reference_data(p, node, coords, fields, base_dir, path)
    if p["targets"] is not None and list(p["targets"]) != [field]:
        raise ConfigError(join(path, "targets"), f"a reference gives one field, {field!r}; write targets: [{field}] "
                          "or leave targets out", line_of(node, "targets"))
    given = _wrap(path, line_of(node, "reference"), lambda: Given(points, values, noise=noise))
    return _wrap(path, line_of(node, "type"), lambda: entry.make((field,), given, common))
