"""Set operations on geometries: Union (``a | b``), Difference (``a - b``) and
Intersection (``a & b``).

Interior points: rejection from the bounding box. Boundary points: each child's
boundary is sampled in proportion to its boundary measure and a point is kept when it
lies on the result's boundary, judged by stepping a small distance ``OFFSET * scale``
along its normal: a point of ∂a is on ∂(a ∪ b) when the step outward leaves b, on
∂(a ∩ b) when the step inward stays in b, on ∂(a − b) when the step inward is outside
b; a point of ∂b is on ∂(a − b), with its normal flipped, when the step outward (out of
b) lands in a. This drops shared edges (two touching rectangles' common side is not on
their union's boundary). Points of ∂b that also lie on ∂a are dropped, so coincident
boundary pieces are counted once.

``measure()`` and ``boundary_measure()`` are Monte Carlo estimates with a fixed seed
(relative standard error about 0.1 % and 0.5 %), cached per object.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from .geometry_base import AbstractGeometry, as_points, box_volume
from .sampling import sample_unit_cube, unit_rows, unknown_choice_error

OFFSET = 1e-6
_MC_VOLUME_POINTS = 200_000
_MC_BOUNDARY_POINTS = 40_000


class _CSG(AbstractGeometry):
    """Shared code; subclasses define ``inside`` and ``_keep``."""

    a: AbstractGeometry
    b: AbstractGeometry

    def __post_init__(self):
        name = type(self).__name__
        for field in ("a", "b"):
            g = getattr(self, field)
            if not isinstance(g, AbstractGeometry):
                raise TypeError(
                    f"{name}.{field} must be a geometry (Interval, Disk, …), got {type(g).__name__}"
                )
        if self.a.dim != self.b.dim:
            raise ValueError(
                f"{name} needs geometries of the same dimension, got a.dim={self.a.dim} and "
                f"b.dim={self.b.dim}; combine shapes of one dimension"
            )
        if self.a.coordinate_names != self.b.coordinate_names:
            raise ValueError(
                f"{name}: a has coordinates {self.a.coordinate_names} but b has "
                f"{self.b.coordinate_names}; give both the same coordinates="
            )

    @property
    def dim(self) -> int:
        return self.a.dim

    @property
    def coordinates(self):
        return self.a.coordinate_names

    boundary_parts = ("boundary",)

    def on_boundary(self, points, tol=None):
        """Near a child's boundary, in the (tolerant) region, and with an axis step of
        about ``2 sqrt(dim) tol`` leaving it (so shared interior edges are excluded)."""
        p = as_points(points, self.dim)
        tol = self._boundary_tol(tol)
        near = (self.a.on_boundary(p, tol) | self.b.on_boundary(p, tol)) & self.inside(p, tol)
        step = max(2 * np.sqrt(self.dim) * tol, OFFSET * self.scale())
        leaves = np.zeros(p.shape[0], dtype=bool)
        idx = np.flatnonzero(near)
        for axis in range(self.dim):
            for sign in (-1.0, 1.0):
                q = p[idx].copy()
                q[:, axis] += sign * step
                leaves[idx] |= ~self.inside(q)
        return near & leaves

    def _keep(self, child: int, p, n):
        """(mask (N,), normals (N, dim)) for points p of child 0 (a) or 1 (b) with
        normals n: which lie on this set's boundary, and their outward normals."""
        raise NotImplementedError

    def _filtered(self, child, points, normals):
        mask, normals = self._keep(child, points, normals)
        if child == 1:
            mask &= ~self.a.on_boundary(points, OFFSET * self.scale() * 1e-3)
        return points[mask], normals[mask]

    def _sample_boundary_joint(self, part, n, sampler, rng, extra=0):
        if part is not None:
            raise unknown_choice_error(f"boundary part of {type(self).__name__}", part, ("boundary",))
        ma, mb = self.a.boundary_measure(), self.b.boundary_measure()
        pts, nrm = [], []
        count = drawn = 0
        rate = max(self.boundary_measure() / (ma + mb), 1e-3)
        for _ in range(64):
            batch = int(np.ceil((n - count) / rate * 1.2)) + 16
            ka = int(round(batch * ma / (ma + mb)))
            for child, geom, k in ((0, self.a, ka), (1, self.b, batch - ka)):
                if k <= 0:
                    continue
                p, q, _ = geom._sample_boundary_joint(None, k, sampler, rng)
                p, q = self._filtered(child, p, q)
                pts.append(p)
                nrm.append(q)
                count += p.shape[0]
            drawn += batch
            rate = max(count / drawn, 1e-4)
            if count >= n:
                order = rng.permutation(count)[:n]
                points = np.concatenate(pts)[order]
                normals = np.concatenate(nrm)[order]
                return points, normals, unit_rows(n, extra, sampler, rng)
        raise RuntimeError(
            f"{type(self).__name__}: could not find boundary points; is the result empty?"
        )

    @functools.cached_property
    def _mc_measure(self) -> float:
        rng = np.random.default_rng(20240601)
        lo, hi = self.bounding_box()
        u = sample_unit_cube(_MC_VOLUME_POINTS, self.dim, "uniform", rng)
        return float(self.inside(lo + u * (hi - lo)).mean() * box_volume(lo, hi))

    @functools.cached_property
    def _mc_boundary_measure(self) -> float:
        rng = np.random.default_rng(20240602)
        total = 0.0
        for child, geom in ((0, self.a), (1, self.b)):
            p, q, _ = geom._sample_boundary_joint(None, _MC_BOUNDARY_POINTS, "uniform", rng)
            kept, _ = self._filtered(child, p, q)
            total += geom.boundary_measure() * kept.shape[0] / _MC_BOUNDARY_POINTS
        return total

    def measure(self):
        """Monte Carlo estimate (fixed seed, 200 000 points in the bounding box)."""
        return self._mc_measure

    def boundary_measure(self, part=None):
        """Monte Carlo estimate (fixed seed, 40 000 boundary points per child)."""
        self.resolve_part(part)
        return self._mc_boundary_measure

    def _step(self):
        return OFFSET * self.scale()


@dataclasses.dataclass(frozen=True)
class Union(_CSG):
    """Points in a or in b."""

    a: AbstractGeometry
    b: AbstractGeometry

    def bounding_box(self):
        (la, ha), (lb, hb) = self.a.bounding_box(), self.b.bounding_box()
        return np.minimum(la, lb), np.maximum(ha, hb)

    def inside(self, points, tol=None):
        p = as_points(points, self.dim)
        return self.a.inside(p, tol) | self.b.inside(p, tol)

    def _keep(self, child, p, n):
        other = self.b if child == 0 else self.a
        return ~other.inside(p + self._step() * n), n


@dataclasses.dataclass(frozen=True)
class Intersection(_CSG):
    """Points in both a and b."""

    a: AbstractGeometry
    b: AbstractGeometry

    def __post_init__(self):
        super().__post_init__()
        lo, hi = self.bounding_box()
        if np.any(lo > hi):
            raise ValueError(
                "Intersection: the bounding boxes of a and b do not overlap, so the "
                "intersection is empty; move the shapes so they overlap"
            )

    def bounding_box(self):
        (la, ha), (lb, hb) = self.a.bounding_box(), self.b.bounding_box()
        return np.maximum(la, lb), np.minimum(ha, hb)

    def inside(self, points, tol=None):
        p = as_points(points, self.dim)
        return self.a.inside(p, tol) & self.b.inside(p, tol)

    def _keep(self, child, p, n):
        other = self.b if child == 0 else self.a
        return other.inside(p - self._step() * n), n


@dataclasses.dataclass(frozen=True)
class Difference(_CSG):
    """Points in a and not strictly inside b (the closure of a minus b)."""

    a: AbstractGeometry
    b: AbstractGeometry

    def bounding_box(self):
        return self.a.bounding_box()

    def inside(self, points, tol=None):
        p = as_points(points, self.dim)
        return self.a.inside(p, tol) & ~self.b.strictly_inside(p, tol)

    def _keep(self, child, p, n):
        step = self._step()
        if child == 0:
            return ~self.b.inside(p - step * n), n
        return self.a.inside(p + step * n), -n
