"""Measured data for discovery: points, values of one field, and trajectory ids.

Read from ``.npz`` (one array per column, any shape, same size) or ``.csv`` (a header
row naming the columns), one or several files; an optional ``trajectory`` column (or
one file per trajectory) says which solution each row belongs to. Every check names the
file, the column and the fix.
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Sequence
from pathlib import Path

import numpy as np


class DataError(ValueError):
    """Bad measurement data (a clear, user-facing message)."""


@dataclasses.dataclass(frozen=True, eq=False)
class Measurements:
    """``points`` (N, d) with columns ``coordinates``; ``values`` (N,) of ``field``;
    ``trajectory`` (N,) ints 0..T-1 naming the solution each row was measured on."""

    coordinates: tuple[str, ...]
    field: str
    points: np.ndarray
    values: np.ndarray
    trajectory: np.ndarray

    @property
    def n_trajectories(self) -> int:
        return int(self.trajectory.max()) + 1

    def __len__(self) -> int:
        return len(self.values)

    def of_trajectory(self, j: int) -> tuple[np.ndarray, np.ndarray]:
        """(points (Nj, d), values (Nj,)) of trajectory ``j``."""
        rows = self.trajectory == j
        return self.points[rows], self.values[rows]


def _finite(name: str, arr: np.ndarray, where: str) -> None:
    bad = ~np.isfinite(arr)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise DataError(f"{where}: column {name!r} has {int(bad.sum())} NaN/Inf value(s) (first at row "
                        f"{first}, value {arr[first]}); drop or fill those rows")


def measurements(points, values, coordinates: Sequence[str], field: str = "u", trajectory=None,
                 where: str = "data") -> Measurements:
    """Validated :class:`Measurements` from arrays: points (N, d), values (N,), trajectory (N,) or None."""
    coordinates = tuple(coordinates)
    pts = np.asarray(points, np.float64)
    if pts.ndim == 1 and len(coordinates) == 1:
        pts = pts[:, None]
    if pts.ndim != 2 or pts.shape[1] != len(coordinates):
        raise DataError(f"{where}: points must have shape (N, {len(coordinates)}) for coordinates "
                        f"{coordinates}, got {pts.shape}")
    vals = np.asarray(values, np.float64).reshape(-1)
    if len(vals) != len(pts):
        raise DataError(f"{where}: {len(vals)} values of {field!r} for {len(pts)} points; "
                        "every point needs exactly one value")
    if len(vals) == 0:
        raise DataError(f"{where}: no rows")
    for i, c in enumerate(coordinates):
        _finite(c, pts[:, i], where)
    _finite(field, vals, where)
    if trajectory is None:
        ids = np.zeros(len(vals), int)
    else:
        raw = np.asarray(trajectory).reshape(-1)
        if len(raw) != len(vals):
            raise DataError(f"{where}: {len(raw)} trajectory ids for {len(vals)} rows")
        _, ids = np.unique(raw.astype(str) if raw.dtype == object else raw, return_inverse=True)  # any labels -> 0..T-1 in sorted order
    return Measurements(coordinates, field, pts, vals, ids.astype(int))


def _read_columns(path: Path, labels: str) -> dict[str, np.ndarray]:
    """Columns of a .npz/.csv file; the column ``labels`` may hold text (trajectory names)."""
    if not path.exists():
        raise DataError(f"data file {str(path)!r} does not exist")
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as z:
            return {k: np.asarray(z[k]).reshape(-1) for k in z.files}
    if path.suffix == ".csv":
        with path.open(newline="") as f:
            rows = list(csv.reader(f))
        if not rows:
            raise DataError(f"{path}: empty file; the first row must name the columns (e.g. x,t,u)")
        header = [h.strip() for h in rows[0]]
        body = [r for r in rows[1:] if any(c.strip() for c in r)]
        out = {h: np.empty(len(body), object if h == labels else float) for h in header}
        for i, r in enumerate(body):
            if len(r) != len(header):
                raise DataError(f"{path}: line {i + 2} has {len(r)} values for {len(header)} columns {header}")
            for h, cell in zip(header, r):
                if h == labels:
                    out[h][i] = cell.strip()
                    continue
                try:
                    out[h][i] = float(cell)
                except ValueError:
                    raise DataError(f"{path}: line {i + 2}, column {h!r}: {cell!r} is not a number") from None
        return out
    raise DataError(f"{path}: unknown data format {path.suffix!r}; use .npz or .csv")


def load_measurements(paths, coordinates: Sequence[str], field: str = "u",
                      trajectory_column: str = "trajectory") -> Measurements:
    """:class:`Measurements` from one file or a list of files (.npz/.csv).

    Each file holds one column per coordinate and one for ``field`` (same length); an
    optional ``trajectory_column`` labels rows; several files are several trajectories.
    """
    paths = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
    if not paths:
        raise DataError("no data files given")
    pts, vals, ids, offset = [], [], [], 0
    for path in paths:
        cols = _read_columns(path, trajectory_column)
        missing = [c for c in (*coordinates, field) if c not in cols]
        if missing:
            raise DataError(f"{path}: missing column(s) {missing}; it has {sorted(cols)}. Name one column "
                            f"per coordinate {tuple(coordinates)} and one for the field {field!r}")
        sizes = {c: cols[c].size for c in (*coordinates, field)}
        if len(set(sizes.values())) != 1:
            raise DataError(f"{path}: columns have different lengths {sizes}; each row is one measurement")
        one = measurements(np.stack([cols[c] for c in coordinates], axis=1), cols[field], coordinates, field,
                           cols.get(trajectory_column), where=str(path))
        pts.append(one.points)
        vals.append(one.values)
        ids.append(one.trajectory + offset)
        offset += one.n_trajectories
    return Measurements(tuple(coordinates), field, np.concatenate(pts), np.concatenate(vals), np.concatenate(ids))
