"""Reading data tables and reference solutions named by a config."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import registry as R
from .errors import ConfigError
from .files import UnreadableFile, load_npz, path_problem
from .loader import LineDict
from ..problem.noise import Noise
from .schema import check_kind, choose, join, line_of, take


def _resolve(file: str, base_dir: Path, path: str, line) -> Path:
    p = Path(file)
    p = p if p.is_absolute() else base_dir / p
    problem = path_problem(p)
    if problem:
        raise ConfigError(path, f"file {file!r} {problem} (looked for {str(p)!r}); paths are relative to the config file",
                          line)
    return p


def read_npz(file: str, p: Path, path: str, line) -> dict[str, np.ndarray]:
    """The arrays of the .npz ``p`` (named ``file`` in the config); never a pickle."""
    try:
        return load_npz(p)
    except UnreadableFile as err:
        raise ConfigError(path, f"file {file!r} {err}", line) from None


def read_table(file: str, base_dir: Path, path: str, line) -> dict[str, np.ndarray]:
    """Named 1-D columns from an .npz (one array per name) or a .csv with a header row."""
    p = _resolve(file, base_dir, path, line)
    try:
        if p.suffix == ".csv":
            data = np.genfromtxt(p, delimiter=",", names=True, dtype=float)
            table = {n: np.atleast_1d(data[n]) for n in data.dtype.names}
        else:
            table = {n: np.asarray(a, float).ravel() for n, a in read_npz(file, p, path, line).items()}
    except ConfigError:
        raise
    except Exception as err:  # noqa: BLE001 - any unreadable file is a config problem
        raise ConfigError(path, f"cannot read {file!r} as a table (.npz arrays or .csv with a header): {err}", line) from None
    lengths = {n: len(v) for n, v in table.items()}
    if len(set(lengths.values())) > 1:
        raise ConfigError(path, f"columns of {file!r} differ in length: {lengths}; each row is one point", line)
    for n, v in table.items():
        if not np.all(np.isfinite(v)):
            raise ConfigError(path, f"column {n!r} of {file!r} contains NaN or Inf; remove those rows", line)
    return table


def build_reference(node, coords: tuple[str, ...], fields: tuple[str, ...], base_dir: Path, path: str = "reference"):
    """``(points (N, d), values (N,), field)`` from a built-in solution or an .npz grid."""
    if isinstance(node, dict) and "file" in node and "type" not in node:
        typed = LineDict({"type": "file", **node})  # `{file: ref.npz}` needs no type
        typed.line, typed.lines = line_of(node), {"type": line_of(node), **(getattr(node, "lines", None) or {})}
        node = typed
    kind, entry = choose(node, R.REFERENCES, path, "reference")
    params = take(node, entry.table, path, ignore=("type",))
    field = params.get("field", "u")
    if field not in fields:
        key = "field" if "field" in node else "type"
        raise ConfigError(join(path, key), f"reference field {field!r} is not one of the fields {list(fields)}",
                          line_of(node, key))
    if kind != "file":
        try:
            solution = entry.make(**params)
        except (ValueError, TypeError) as err:
            raise ConfigError(path, str(err), line_of(node, "type")) from None
        if tuple(solution.coordinate_names) != coords:
            raise ConfigError(join(path, "type"), f"reference {kind!r} has coordinates {list(solution.coordinate_names)}, "
                              f"but the domain has {list(coords)}", line_of(node, "type"))
        points, values = solution.finite("u")
        return points, values, "u"
    where, line = join(path, "file"), line_of(node, "file")
    p = _resolve(params["file"], base_dir, where, line)
    raw = read_npz(params["file"], p, where, line)
    try:
        arrays = {n: np.asarray(a, float) for n, a in raw.items()}
    except Exception as err:  # noqa: BLE001 - any unreadable file is a config problem
        raise ConfigError(where, f"cannot read {params['file']!r} as an .npz of arrays: {err}", line) from None
    missing = [n for n in (*coords, field) if n not in arrays]
    if missing:
        raise ConfigError(where, f"{params['file']!r} lacks {missing} (it has {sorted(arrays)}); it needs one 1-D array "
                          f"per coordinate {list(coords)} and the field {field!r} on their grid", line)
    bad = [c for c in coords if arrays[c].ndim != 1]
    if bad:
        raise ConfigError(where, f"coordinate array(s) {bad} in {params['file']!r} must be 1-D (the grid axes), got "
                          f"shape(s) {[arrays[c].shape for c in bad]}", line)
    axes = [arrays[c] for c in coords]
    expected = tuple(len(a) for a in axes)
    if arrays[field].shape != expected:
        raise ConfigError(where, f"field {field!r} in {params['file']!r} has shape {arrays[field].shape}, but the "
                          f"coordinate arrays {list(coords)} make a grid of shape {expected} (meshgrid, indexing='ij')", line)
    mesh = np.meshgrid(*axes, indexing="ij")
    points = np.stack([m.ravel() for m in mesh], axis=1)
    values = arrays[field].ravel()
    keep = np.isfinite(values)
    if not keep.any():
        raise ConfigError(where, f"field {field!r} in {params['file']!r} has no finite value", line)
    return points[keep], values[keep], field


def build_noise(node, path: str, line) -> Noise:
    """``noise: 0.05`` (Gaussian, a fraction of the values' std) or ``noise: {level, distribution,
    df, outliers, outlier_size}``."""
    if node is None:
        return Noise()
    if not isinstance(node, dict):
        if not check_kind(node, R.NOISE["level"][0]):
            raise ConfigError(path, f"noise must be a level in [0, 10] (a fraction of the values' standard deviation, "
                              f"e.g. 0.05) or a mapping {{level: 0.05, distribution: student_t, df: 2}}, got {node!r}",
                              line)
        return Noise(float(node))
    return Noise(**take(node, R.NOISE, path))


def draw_rows(n_total: int, n_points: int | None, rng: np.random.Generator, path: str, line) -> np.ndarray:
    """Sorted rows of a subsample of ``n_points`` of ``n_total`` (all rows when None)."""
    if n_points is None:
        return np.arange(n_total)
    if n_points > n_total:
        raise ConfigError(path, f"asks for {n_points} points, but the data have {n_total}; use at most {n_total} "
                          "(or leave n_points out to use them all)", line)
    return np.sort(rng.choice(n_total, n_points, replace=False))


def reference_data(p: dict, node, coords, fields, base_dir: Path, path: str):
    """``(points, clean values, field, noise)`` of a data term drawn from a built-in reference:
    ``n_points`` rows chosen by ``seed``; the noise is drawn later, per training."""
    where, line = join(path, "reference"), line_of(node, "reference")
    points, values, field = build_reference(p["reference"], coords, fields, base_dir, where)
    rows = draw_rows(len(values), p["n_points"], np.random.default_rng(p["seed"]), join(path, "n_points"),
                     line_of(node, "n_points"))
    noise = build_noise(p["noise"], join(path, "noise"), line_of(node, "noise"))
    return points[rows], values[rows], field, noise
