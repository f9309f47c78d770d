"""Reading data tables and reference solutions named by a config."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import registry as R
from .errors import ConfigError
from .schema import choose, line_of, take


def _resolve(file: str, base_dir: Path, path: str, line) -> Path:
    p = Path(file)
    p = p if p.is_absolute() else base_dir / p
    if not p.is_file():
        raise ConfigError(path, f"file {file!r} does not exist (looked for {str(p)!r}); paths are relative to the config file", line)
    return p


def read_table(file: str, base_dir: Path, path: str, line) -> dict[str, np.ndarray]:
    """Named 1-D columns from an .npz (one array per name) or a .csv with a header row."""
    p = _resolve(file, base_dir, path, line)
    try:
        if p.suffix == ".csv":
            data = np.genfromtxt(p, delimiter=",", names=True, dtype=float)
            table = {n: np.atleast_1d(data[n]) for n in data.dtype.names}
        else:
            with np.load(p) as data:
                table = {n: np.asarray(data[n], float).ravel() for n in data.files}
    except Exception as err:  # noqa: BLE001 - any unreadable file is a config problem
        raise ConfigError(path, f"cannot read {file!r} as a table (.npz arrays or .csv with a header): {err}", line) from None
    lengths = {n: len(v) for n, v in table.items()}
    if len(set(lengths.values())) > 1:
        raise ConfigError(path, f"columns of {file!r} differ in length: {lengths}; each row is one point", line)
    for n, v in table.items():
        if not np.all(np.isfinite(v)):
            raise ConfigError(path, f"column {n!r} of {file!r} contains NaN or Inf; remove those rows", line)
    return table


def _builtin(kind: str, params: dict):
    from ..reference import analytic, spectral
    from ..reference.burgers import burgers

    solution = {
        "burgers": lambda: burgers(nu=params["nu"]),
        "heat_mixed": lambda: analytic.heat_mixed(alpha=params["alpha"]),
        "laplace": analytic.laplace_square,
        "poisson_lshape": analytic.poisson_lshape,
        "allen_cahn": spectral.allen_cahn,
        "kdv": spectral.kdv,
    }[kind]()
    return solution


def build_reference(node, coords: tuple[str, ...], base_dir: Path, path: str = "reference"):
    """``(points (N, d), values (N,), field)`` from a built-in solution or an .npz grid."""
    if isinstance(node, dict) and "file" in node and "type" not in node:
        node = {"type": "file", **node}
    kind, table = choose(node, R.REFERENCES, path, "reference")
    params = take(node, table, path, ignore=("type",))
    if kind != "file":
        solution = _builtin(kind, params)
        if tuple(solution.coordinate_names) != coords:
            raise ConfigError(path, f"reference {kind!r} has coordinates {solution.coordinate_names}, the domain {coords}",
                              line_of(node, "type"))
        points, values = solution.finite("u")
        return points, values, "u"
    p = _resolve(params["file"], base_dir, f"{path}.file", line_of(node, "file"))
    field = params["field"]
    with np.load(p) as data:
        arrays = {n: np.asarray(data[n], float) for n in data.files}
    missing = [n for n in (*coords, field) if n not in arrays]
    if missing:
        raise ConfigError(f"{path}.file", f"{params['file']!r} lacks {missing}; it needs one 1-D array per coordinate "
                          f"{list(coords)} and the field {field!r} on their grid", line_of(node, "file"))
    axes = [arrays[c].ravel() for c in coords]
    expected = tuple(len(a) for a in axes)
    if arrays[field].shape != expected:
        raise ConfigError(f"{path}.file", f"field {field!r} in {params['file']!r} has shape {arrays[field].shape}, but the "
                          f"coordinate arrays {list(coords)} make a grid of shape {expected}", line_of(node, "file"))
    mesh = np.meshgrid(*axes, indexing="ij")
    points = np.stack([m.ravel() for m in mesh], axis=1)
    values = arrays[field].ravel()
    keep = np.isfinite(values)
    return points[keep], values[keep], field
