"""Spatial geometries: Interval, Rectangle, Box, Disk, Polygon, and set operations.

All are frozen dataclasses implementing ``AbstractGeometry`` (``base.py``);
``a | b``, ``a - b`` and ``a & b`` build ``Union``, ``Difference`` and ``Intersection``
(``base.py``). Boundary part names:

- ``Interval(a, b)``: "left", "right" (aliases "x_min", "x_max").
- ``Rectangle(lo, hi)``: "left", "right", "bottom", "top" (aliases "x_min", "x_max",
  "y_min", "y_max").
- ``Box(lo, hi)``: "x_min", "x_max", "y_min", "y_max", "z_min", "z_max".
- ``Disk(center, radius)``: "circle".
- ``Polygon(vertices)``: "edge0" … "edge{k-1}", edge i joining vertices i and i+1.
- CSG results: "boundary" only.

Axis-aligned shapes name their aliases after their coordinates: with
``coordinates=("r", "z")`` a Rectangle accepts "r_min" … "z_max" (and a Box uses them
as its part names).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .base import (
    AbstractGeometry,
    Difference,
    Intersection,
    Union,
    as_points,
    box_volume,
    check_finite,
)
from .sampling import unit_rows

__all__ = [
    "AbstractGeometry", "Interval", "Rectangle", "Box", "Disk", "Polygon",
    "Union", "Difference", "Intersection", "lshape",
]


class _AxisBox(AbstractGeometry):
    """Shared code of the axis-aligned boxes; subclasses provide ``_lo``/``_hi`` (dim,)
    and ``_faces``: (name, axis, side) with side 0 at lo and 1 at hi."""

    _faces: tuple[tuple[str, int, int], ...]

    def _lo(self) -> np.ndarray:
        raise NotImplementedError

    def _hi(self) -> np.ndarray:
        raise NotImplementedError

    def _check_box(self, owner: str, lo_name: str, hi_name: str) -> None:
        lo, hi = self._lo(), self._hi()
        for i in range(lo.size):
            if not lo[i] < hi[i]:
                where = "" if lo.size == 1 else f"[{i}]"
                raise ValueError(
                    f"{owner}.{lo_name}{where} = {float(lo[i])!r} must be less than "
                    f"{owner}.{hi_name}{where} = {float(hi[i])!r}; swap them or widen the range"
                )
        self._check_coordinates(owner)

    def _face_table(self) -> dict[str, tuple[int, int]]:
        return {name: (axis, side) for name, axis, side in self._faces}

    @property
    def dim(self) -> int:
        return int(self._lo().size)

    @property
    def boundary_parts(self) -> tuple[str, ...]:
        return tuple(name for name, _, _ in self._faces)

    def part_aliases(self) -> dict[str, str]:
        out = {}
        for name, axis, side in self._faces:
            alias = f"{self.coordinate_names[axis]}_{'max' if side else 'min'}"
            if alias != name:
                out[alias] = name
        return out

    def bounding_box(self):
        return self._lo().copy(), self._hi().copy()

    def inside(self, points, tol=None):
        p = as_points(points, self.dim)
        tol = self._inside_tol(tol)
        return np.all((p >= self._lo() - tol) & (p <= self._hi() + tol), axis=1)

    def on_boundary(self, points, tol=None):
        p = as_points(points, self.dim)
        tol = self._boundary_tol(tol)
        near = (np.abs(p - self._lo()) <= tol) | (np.abs(p - self._hi()) <= tol)
        return self.inside(p, tol) & np.any(near, axis=1)

    def measure(self):
        return box_volume(self._lo(), self._hi())

    def boundary_measure(self, part=None):
        part = self.resolve_part(part)
        if part is None:
            return float(sum(self.boundary_measure(p) for p in self.boundary_parts))
        axis, _ = self._face_table()[part]
        ext = np.delete(self._hi() - self._lo(), axis)
        return float(np.prod(ext))

    def _part_param_dim(self, part):
        return self.dim - 1

    def _part_map(self, part, u):
        axis, side = self._face_table()[part]
        lo, hi = self._lo(), self._hi()
        others = [i for i in range(self.dim) if i != axis]
        points = np.empty((u.shape[0], self.dim))
        points[:, others] = lo[others] + u * (hi[others] - lo[others])
        points[:, axis] = hi[axis] if side else lo[axis]
        normals = np.zeros_like(points)
        normals[:, axis] = 1.0 if side else -1.0
        return points, normals

    def _rate_hint(self):
        return 1.0

    def _sample_interior_joint(self, n, sampler, rng, extra=0):
        u = unit_rows(n, self.dim + extra, sampler, rng)
        lo, hi = self._lo(), self._hi()
        u[:, : self.dim] = lo + u[:, : self.dim] * (hi - lo)
        return u


@dataclasses.dataclass(frozen=True)
class Interval(_AxisBox):
    """The segment [a, b]; parts "left" (normal -1) and "right" (normal +1)."""

    a: float
    b: float
    coordinates: tuple[str, ...] | None = dataclasses.field(default=None, kw_only=True)

    _faces = (("left", 0, 0), ("right", 0, 1))

    def __post_init__(self):
        object.__setattr__(self, "a", check_finite("Interval", "a", self.a))
        object.__setattr__(self, "b", check_finite("Interval", "b", self.b))
        self._check_box("Interval", "a", "b")

    def _lo(self):
        return np.array([self.a])

    def _hi(self):
        return np.array([self.b])


@dataclasses.dataclass(frozen=True)
class Rectangle(_AxisBox):
    """[x0, x1] × [y0, y1] with ``lo=(x0, y0)``, ``hi=(x1, y1)``; parts "left",
    "right", "bottom", "top". A corner point belongs to the side it was sampled on."""

    lo: tuple[float, float]
    hi: tuple[float, float]
    coordinates: tuple[str, ...] | None = dataclasses.field(default=None, kw_only=True)

    _faces = (("left", 0, 0), ("right", 0, 1), ("bottom", 1, 0), ("top", 1, 1))

    def __post_init__(self):
        object.__setattr__(self, "lo", check_finite("Rectangle", "lo", self.lo, 2))
        object.__setattr__(self, "hi", check_finite("Rectangle", "hi", self.hi, 2))
        self._check_box("Rectangle", "lo", "hi")

    def _lo(self):
        return np.array(self.lo)

    def _hi(self):
        return np.array(self.hi)


@dataclasses.dataclass(frozen=True)
class Box(_AxisBox):
    """[x0, x1] × [y0, y1] × [z0, z1]; parts "x_min", "x_max", "y_min", "y_max",
    "z_min", "z_max" (named after ``coordinate_names``)."""

    lo: tuple[float, float, float]
    hi: tuple[float, float, float]
    coordinates: tuple[str, ...] | None = dataclasses.field(default=None, kw_only=True)

    def __post_init__(self):
        object.__setattr__(self, "lo", check_finite("Box", "lo", self.lo, 3))
        object.__setattr__(self, "hi", check_finite("Box", "hi", self.hi, 3))
        self._check_box("Box", "lo", "hi")

    @property
    def _faces(self):
        c = self.coordinate_names
        return tuple((f"{c[a]}_{'max' if s else 'min'}", a, s) for a in range(3) for s in (0, 1))

    def _lo(self):
        return np.array(self.lo)

    def _hi(self):
        return np.array(self.hi)


@dataclasses.dataclass(frozen=True)
class Disk(AbstractGeometry):
    """The closed disk |p - center| <= radius; one part "circle"."""

    center: tuple[float, float]
    radius: float
    coordinates: tuple[str, ...] | None = dataclasses.field(default=None, kw_only=True)

    def __post_init__(self):
        object.__setattr__(self, "center", check_finite("Disk", "center", self.center, 2))
        r = check_finite("Disk", "radius", self.radius)
        if not r > 0:
            raise ValueError(f"Disk.radius must be > 0, got radius={self.radius!r}; give a positive radius")
        object.__setattr__(self, "radius", r)
        self._check_coordinates("Disk")

    dim = 2
    boundary_parts = ("circle",)

    def bounding_box(self):
        c = np.array(self.center)
        return c - self.radius, c + self.radius

    def _dist(self, points):
        return np.linalg.norm(as_points(points, 2) - np.array(self.center), axis=1)

    def inside(self, points, tol=None):
        return self._dist(points) <= self.radius + self._inside_tol(tol)

    def on_boundary(self, points, tol=None):
        return np.abs(self._dist(points) - self.radius) <= self._boundary_tol(tol)

    def measure(self):
        return float(np.pi * self.radius**2)

    def boundary_measure(self, part=None):
        self.resolve_part(part)
        return float(2 * np.pi * self.radius)

    def _rate_hint(self):
        return np.pi / 4

    def _part_param_dim(self, part):
        return 1

    def _part_map(self, part, u):
        theta = 2 * np.pi * u[:, 0]
        normals = np.stack([np.cos(theta), np.sin(theta)], axis=1)
        return np.array(self.center) + self.radius * normals, normals


def _segments_cross(p1, p2, q1, q2) -> bool:
    """Whether closed segments p1p2 and q1q2 (each (2,)) share a point."""

    def orient(a, b, c):
        v = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
        tol = 1e-12 * np.hypot(b[0] - a[0], b[1] - a[1]) * np.hypot(c[0] - a[0], c[1] - a[1])
        return 0 if abs(v) <= tol else (1 if v > 0 else -1)

    def on_seg(a, b, c):
        return min(a[0], b[0]) <= c[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= c[1] <= max(a[1], b[1])

    o1, o2, o3, o4 = orient(p1, p2, q1), orient(p1, p2, q2), orient(q1, q2, p1), orient(q1, q2, p2)
    if o1 != o2 and o3 != o4 and 0 not in (o1, o2, o3, o4):
        return True
    return (
        (o1 == 0 and on_seg(p1, p2, q1)) or (o2 == 0 and on_seg(p1, p2, q2))
        or (o3 == 0 and on_seg(q1, q2, p1)) or (o4 == 0 and on_seg(q1, q2, p2))
    )


@dataclasses.dataclass(frozen=True)
class Polygon(AbstractGeometry):
    """A simple polygon with ``vertices`` (k, 2), k >= 3, in either orientation.

    Part "edge{i}" joins ``vertices[i]`` and ``vertices[(i + 1) % k]``; normals point
    outward whatever the orientation (``ccw_vertices`` gives the counter-clockwise order).
    Do not repeat the first vertex at the end.
    """

    vertices: tuple[tuple[float, float], ...]
    coordinates: tuple[str, ...] | None = dataclasses.field(default=None, kw_only=True)

    def __post_init__(self):
        try:
            v = np.asarray(self.vertices, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                f"Polygon.vertices must be a (k, 2) array of numbers, got {self.vertices!r}"
            ) from None
        if v.ndim != 2 or v.shape[1] != 2 or v.shape[0] < 3:
            raise ValueError(
                f"Polygon.vertices must have shape (k, 2) with k >= 3, got shape {v.shape}; "
                f"list at least three (x, y) corners"
            )
        if not np.all(np.isfinite(v)):
            raise ValueError("Polygon.vertices must be finite; remove NaN/Inf entries")
        k = v.shape[0]
        lengths = np.linalg.norm(np.roll(v, -1, axis=0) - v, axis=1)
        scale = float(np.max(v.max(0) - v.min(0)))
        for i in np.flatnonzero(lengths <= 1e-12 * max(scale, 1e-300)):
            raise ValueError(
                f"Polygon.vertices: vertex {i} and vertex {(i + 1) % k} coincide "
                f"({v[i].tolist()}), giving a zero-length edge; remove the repeated vertex "
                f"(do not close the ring by repeating the first vertex)"
            )
        for i in range(k):
            for j in range(i + 1, k):
                if j == i + 1 or (i == 0 and j == k - 1):
                    continue
                if _segments_cross(v[i], v[(i + 1) % k], v[j], v[(j + 1) % k]):
                    raise ValueError(
                        f"Polygon.vertices: edge{i} and edge{j} intersect, so the polygon is "
                        f"not simple; reorder the vertices along the outline"
                    )
        area2 = float(np.sum(v[:, 0] * np.roll(v[:, 1], -1) - np.roll(v[:, 0], -1) * v[:, 1]))
        if abs(area2) <= 1e-12 * scale**2:
            raise ValueError(
                f"Polygon.vertices enclose zero area (all on a line?), got {v.tolist()}; "
                f"give the corners of a non-degenerate polygon"
            )
        object.__setattr__(self, "vertices", tuple((float(a), float(b)) for a, b in v))
        object.__setattr__(self, "_sign", 1.0 if area2 > 0 else -1.0)
        object.__setattr__(self, "_area", abs(area2) / 2)
        self._check_coordinates("Polygon")

    dim = 2

    @property
    def ccw_vertices(self) -> np.ndarray:
        """Vertices (k, 2) in counter-clockwise order."""
        v = np.array(self.vertices)
        return v if self._sign > 0 else v[::-1].copy()

    def _edges(self):
        v = np.array(self.vertices)
        return v, np.roll(v, -1, axis=0)

    @property
    def boundary_parts(self):
        return tuple(f"edge{i}" for i in range(len(self.vertices)))

    def bounding_box(self):
        v = np.array(self.vertices)
        return v.min(axis=0), v.max(axis=0)

    def _edge_distance(self, p):
        """Distance (N,) from points (N, 2) to the polygon outline."""
        a, b = self._edges()
        d = b - a
        t = np.clip(((p[:, None, :] - a) * d).sum(-1) / (d * d).sum(-1), 0.0, 1.0)
        closest = a + t[..., None] * d
        return np.linalg.norm(p[:, None, :] - closest, axis=-1).min(axis=1)

    def inside(self, points, tol=None):
        p = as_points(points, 2)
        a, b = self._edges()
        px, py = p[:, :1], p[:, 1:]
        straddles = (a[:, 1] > py) != (b[:, 1] > py)
        dy = np.where(b[:, 1] == a[:, 1], 1.0, b[:, 1] - a[:, 1])
        x_cross = a[:, 0] + (py - a[:, 1]) * (b[:, 0] - a[:, 0]) / dy
        odd = (np.sum(straddles & (px < x_cross), axis=1) % 2) == 1
        return odd | (self._edge_distance(p) <= self._inside_tol(tol))

    def on_boundary(self, points, tol=None):
        return self._edge_distance(as_points(points, 2)) <= self._boundary_tol(tol)

    def measure(self):
        return float(self._area)

    def boundary_measure(self, part=None):
        part = self.resolve_part(part)
        a, b = self._edges()
        lengths = np.linalg.norm(b - a, axis=1)
        return float(lengths.sum() if part is None else lengths[int(part[4:])])

    def _rate_hint(self):
        lo, hi = self.bounding_box()
        return self._area / box_volume(lo, hi)

    def _part_param_dim(self, part):
        return 1

    def _part_map(self, part, u):
        i = int(part[4:])
        a, b = self._edges()
        d = b[i] - a[i]
        normal = self._sign * np.array([d[1], -d[0]]) / np.linalg.norm(d)
        return a[i] + u[:, :1] * d, np.tile(normal, (u.shape[0], 1))


def lshape(coordinates: tuple[str, ...] | None = None) -> Polygon:
    """The L-shaped polygon [-1, 1]² minus (0, 1] × [-1, 0): six edges, re-entrant
    corner at the origin."""
    return Polygon(((-1, -1), (0, -1), (0, 0), (1, 0), (1, 1), (-1, 1)), coordinates=coordinates)
