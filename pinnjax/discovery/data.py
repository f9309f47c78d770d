"""Measured data for discovery: points, values of one field or several, and trajectory ids.

Read from ``.npz`` (one array per column, any shape, same size) or ``.csv`` (a header
row naming the columns), one or several files; an optional ``trajectory`` column (or
one file per trajectory) says which solution each row belongs to. Every check names the
file, the column and the fix.

Several fields (a system such as a reaction-diffusion pair) are kept one row per measured
value: the rows of ``points``/``values``/``trajectory`` run field by field and ``component``
says which field each row measures, so each field may be measured at its own points.
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
    """``points`` (N, d) with columns ``coordinates``; ``values`` (N,) measured;
    ``trajectory`` (N,) ints 0..T-1 naming the solution each row was measured on. One field:
    ``field``. Several: ``field`` and ``more`` name them, ``component`` (N,) ints says
    which one each row measures (0: ``field``; None: every row measures ``field``)."""

    coordinates: tuple[str, ...]
    field: str
    points: np.ndarray
    values: np.ndarray
    trajectory: np.ndarray
    more: tuple[str, ...] = ()
    component: np.ndarray | None = None

    @property
    def fields(self) -> tuple[str, ...]:
        return (self.field, *self.more)

    @property
    def n_trajectories(self) -> int:
        return int(self.trajectory.max()) + 1

    @property
    def channel(self) -> np.ndarray:
        """(N,) ints: the network output each row measures, trajectory-major
        (``trajectory × n_fields + component``; with one field, the trajectory)."""
        return self.trajectory if self.component is None else self.trajectory * len(self.fields) + self.component

    def outputs(self) -> tuple[str, ...]:
        """The network's outputs, one per trajectory and field (trajectory-major): ``u``;
        ``u0, u1`` for two trajectories; ``u, v``; ``u0, v0, u1, v1``."""
        if self.n_trajectories == 1:
            return self.fields
        return tuple(f"{f}{j}" for j in range(self.n_trajectories) for f in self.fields)

    def __len__(self) -> int:
        return len(self.values)

    def of_trajectory(self, j: int) -> tuple[np.ndarray, np.ndarray]:
        """(points (Nj, d), values (Nj,)) of trajectory ``j``."""
        rows = self.trajectory == j
        return self.points[rows], self.values[rows]

    def of_channel(self, c: int) -> tuple[np.ndarray, np.ndarray]:
        """(points, values) of network output ``c`` (see :attr:`channel`)."""
        rows = self.channel == c
        return self.points[rows], self.values[rows]

    def trajectory_points(self, j: int) -> np.ndarray:
        """The points where trajectory ``j`` was measured, each once (in row order for one field)."""
        points = self.of_trajectory(j)[0]
        return points if self.component is None else np.unique(points, axis=0)

    def subset(self, rows) -> Measurements:
        """These rows (an index or a bool mask); the trajectories left renumbered 0..T'-1."""
        return dataclasses.replace(self, points=self.points[rows], values=self.values[rows],
                                   trajectory=np.unique(self.trajectory[rows], return_inverse=True)[1].astype(int),
                                   component=None if self.component is None else self.component[rows])


def _finite(name: str, arr: np.ndarray, where: str) -> None:
    bad = ~np.isfinite(arr)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise DataError(f"{where}: column {name!r} has {int(bad.sum())} NaN/Inf value(s) (first at row "
                        f"{first}, value {arr[first]}); drop or fill those rows")


def measurements(points, values, coordinates: Sequence[str], field: str | Sequence[str] = "u", trajectory=None,
                 where: str = "data") -> Measurements:
    """Validated :class:`Measurements` from arrays: points (N, d), values (N,), trajectory (N,)
    or None. Several fields: ``field`` a list of F names and values (N, F), one column per field."""
    if not isinstance(field, str):
        return _several(points, values, coordinates, tuple(field), trajectory, where)
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


def _several(points, values, coordinates, fields: tuple[str, ...], trajectory, where: str) -> Measurements:
    """:class:`Measurements` of F fields measured at the same N points: values (N, F)."""
    bad = [f for f in fields if not isinstance(f, str) or not f.isidentifier()]
    if not fields or bad or len(set(fields)) != len(fields):
        raise DataError(f"{where}: fields must be distinct names like u and v, got {list(fields)}")
    vals = np.asarray(values, np.float64)
    if len(fields) == 1 and vals.ndim == 1:
        vals = vals[:, None]
    if vals.ndim != 2 or vals.shape[1] != len(fields):
        raise DataError(f"{where}: values must have shape (N, {len(fields)}), one column per field {list(fields)}, "
                        f"got {vals.shape}")
    one = [measurements(points, vals[:, i], coordinates, f, trajectory, where) for i, f in enumerate(fields)]
    if len(fields) == 1:
        return one[0]
    return Measurements(one[0].coordinates, fields[0], np.concatenate([m.points for m in one]),
                        np.concatenate([m.values for m in one]), np.concatenate([m.trajectory for m in one]),
                        fields[1:], np.repeat(np.arange(len(fields)), len(vals)))


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


def load_measurements(paths, coordinates: Sequence[str], field: str | Sequence[str] = "u",
                      trajectory_column: str = "trajectory") -> Measurements:
    """:class:`Measurements` from one file or a list of files (.npz/.csv).

    Each file holds one column per coordinate and one for ``field`` (or for each field of a
    list of them; same length); an optional ``trajectory_column`` labels rows; several files
    are several trajectories.
    """
    paths = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
    if not paths:
        raise DataError("no data files given")
    fields = (field,) if isinstance(field, str) else tuple(field)
    parts, offset = [], 0
    for path in paths:
        cols = _read_columns(path, trajectory_column)
        missing = [c for c in (*coordinates, *fields) if c not in cols]
        if missing:
            named = f"the field {field!r}" if isinstance(field, str) else f"each field {list(fields)}"
            raise DataError(f"{path}: missing column(s) {missing}; it has {sorted(cols)}. Name one column "
                            f"per coordinate {tuple(coordinates)} and one for {named}")
        sizes = {c: cols[c].size for c in (*coordinates, *fields)}
        if len(set(sizes.values())) != 1:
            raise DataError(f"{path}: columns have different lengths {sizes}; each row is one measurement")
        values = cols[field] if isinstance(field, str) else np.stack([cols[f] for f in fields], axis=1)
        one = measurements(np.stack([cols[c] for c in coordinates], axis=1), values, coordinates, field,
                           cols.get(trajectory_column), where=str(path))
        parts.append(dataclasses.replace(one, trajectory=one.trajectory + offset))
        offset += one.n_trajectories
    first = parts[0]
    component = None if first.component is None else np.concatenate([m.component for m in parts])
    return Measurements(tuple(coordinates), first.field, np.concatenate([m.points for m in parts]),
                        np.concatenate([m.values for m in parts]), np.concatenate([m.trajectory for m in parts]),
                        first.more, component)
