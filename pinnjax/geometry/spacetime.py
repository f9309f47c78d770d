"""Domains with time: a spatial geometry × [t0, t1] (``SpaceTime``), or [t0, t1] alone
(``TimeInterval``, the domain of an ODE); time is the last coordinate of both."""

from __future__ import annotations

import dataclasses

import numpy as np

from .base import AbstractDomain, AbstractGeometry, as_points, check_finite
from .sampling import (
    PointSet,
    check_count,
    check_rng,
    check_sampler,
    unit_rows,
    unknown_choice_error,
)


class AbstractTimeDomain(AbstractDomain):
    """A domain whose last coordinate is time, running over [``t0``, ``t1``], with parts
    "initial" (t = t0) and "final" (t = t1). What initial conditions and causal weighting
    need of a domain."""

    t0: float
    t1: float
    time_name: str


def _check_times(owner: str, t0, t1, time_name) -> tuple[float, float]:
    t0 = check_finite(owner, "t0", t0)
    t1 = check_finite(owner, "t1", t1)
    if not t0 < t1:
        raise ValueError(
            f"{owner}.t0 = {t0!r} must be less than {owner}.t1 = {t1!r}; swap them "
            f"or give a time interval of positive length"
        )
    if not isinstance(time_name, str) or not time_name.isidentifier():
        raise ValueError(f"{owner}.time_name must be an identifier such as 't', got {time_name!r}")
    return t0, t1


@dataclasses.dataclass(frozen=True)
class SpaceTime(AbstractTimeDomain):
    """``geometry`` × [t0, t1]; points (n, geometry.dim + 1) with time last.

    Parts for ``sample``: "interior"; "initial" (t = t0) and "final" (t = t1), no
    normals; "boundary" (the whole spatial boundary × [t0, t1]) and each named spatial
    part of the geometry (part × [t0, t1]), with outward spatial normals (n, spatial_dim).
    Spatial parameters and time are drawn jointly by the sampler.
    """

    geometry: AbstractGeometry
    t0: float
    t1: float
    time_name: str = "t"

    def __post_init__(self):
        if not isinstance(self.geometry, AbstractGeometry):
            raise TypeError(
                f"SpaceTime.geometry must be a geometry (Interval, Rectangle, Disk, …), "
                f"got {type(self.geometry).__name__}"
            )
        t0, t1 = _check_times("SpaceTime", self.t0, self.t1, self.time_name)
        object.__setattr__(self, "t0", t0)
        object.__setattr__(self, "t1", t1)
        if self.time_name in self.geometry.coordinate_names:
            raise ValueError(
                f"SpaceTime.time_name {self.time_name!r} is already a spatial coordinate "
                f"{self.geometry.coordinate_names}; pick another time_name"
            )

    @property
    def spatial_dim(self) -> int:
        return self.geometry.dim

    @property
    def dim(self) -> int:
        return self.geometry.dim + 1

    @property
    def coordinate_names(self) -> tuple[str, ...]:
        return tuple(self.geometry.coordinate_names) + (self.time_name,)

    @property
    def spatial_coordinate_names(self) -> tuple[str, ...]:
        return tuple(self.geometry.coordinate_names)

    @property
    def parts(self) -> tuple[str, ...]:
        """Every part name ``sample`` accepts (aliases of spatial parts excluded)."""
        spatial = tuple(p for p in self.geometry.boundary_parts if p != "boundary")
        return ("interior", "boundary", "initial", "final") + spatial

    def bounding_box(self) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper corners (dim,), time last."""
        lo, hi = self.geometry.bounding_box()
        return np.append(lo, self.t0), np.append(hi, self.t1)

    def inside(self, points, tol: float | None = None) -> np.ndarray:
        """bool (N,) for points (N, dim): spatially inside and t in [t0, t1]."""
        p = as_points(points, self.dim)
        ttol = 1e-10 * (self.t1 - self.t0) if tol is None else tol
        t = p[:, -1]
        return self.geometry.inside(p[:, :-1], tol) & (t >= self.t0 - ttol) & (t <= self.t1 + ttol)

    def measure(self) -> float:
        return self.geometry.measure() * (self.t1 - self.t0)

    def boundary_measure(self, part: str | None = None) -> float:
        """Measure of a part: spatial parts × duration, "initial"/"final" the geometry's."""
        if part in ("initial", "final"):
            return self.geometry.measure()
        return self.geometry.boundary_measure(part) * (self.t1 - self.t0)

    def _times(self, u: np.ndarray) -> np.ndarray:
        return self.t0 + u[:, :1] * (self.t1 - self.t0)

    def sample(self, part: str, n: int, sampler: str = "uniform", rng=None) -> PointSet:
        """``n`` points (n, dim) of ``part``; normals (n, spatial_dim) on spatial
        boundary parts, None otherwise. ``rng`` None: unseeded."""
        n, sampler, rng = check_count(n), check_sampler(sampler), check_rng(rng)
        geom, d = self.geometry, self.spatial_dim
        if part == "interior":
            rows = geom._sample_interior_joint(n, sampler, rng, extra=1)
            return PointSet(np.concatenate([rows[:, :d], self._times(rows[:, d:])], axis=1), None)
        if part in ("initial", "final"):
            x = geom.sample_interior(n, sampler, rng)
            t = np.full((n, 1), self.t0 if part == "initial" else self.t1)
            return PointSet(np.concatenate([x, t], axis=1), None)
        aliases = geom.part_aliases()
        if not isinstance(part, str) or (part not in self.parts and part not in aliases):
            raise unknown_choice_error("part of SpaceTime", part, self.parts + tuple(aliases))
        points, normals, u = geom._sample_boundary_joint(geom.resolve_part(part), n, sampler, rng, extra=1)
        return PointSet(np.concatenate([points, self._times(u)], axis=1), normals)

    def sample_interior(self, n: int, sampler: str = "uniform", rng=None) -> np.ndarray:
        """``sample("interior", …).points``: (n, dim)."""
        return self.sample("interior", n, sampler, rng).points

    def sample_boundary(self, n: int, sampler: str = "uniform", rng=None, part: str | None = None):
        """(points (n, dim), normals (n, spatial_dim)) on spatial boundary ``part`` × time."""
        ps = self.sample("boundary" if part is None else part, n, sampler, rng)
        if ps.normals is None:
            raise ValueError(f"part {part!r} has no normals; use sample({part!r}, …) instead")
        return ps.points, ps.normals



TIME_PARTS = ("interior", "boundary", "initial", "final")


@dataclasses.dataclass(frozen=True)
class TimeInterval(AbstractTimeDomain):
    """[t0, t1] alone, no space: the domain of an ODE (dynamics, control). Points (n, 1).

    Parts for ``sample``: "interior"; "initial" (t = t0) and "final" (t = t1);
    "boundary", both ends (half the points each, a boundary-value problem's
    ``Dirichlet(..., on="boundary")``). No part has normals (there is no space), so
    ``u_n`` and Neumann/Robin terms do not apply: set a rate as ``Initial("x_t", v)`` or
    ``Dirichlet("x_t", v, on="final")``.

    >>> TimeInterval(0.0, 5.0).coordinate_names
    ('t',)
    """

    t0: float
    t1: float
    time_name: str = "t"

    def __post_init__(self):
        t0, t1 = _check_times("TimeInterval", self.t0, self.t1, self.time_name)
        object.__setattr__(self, "t0", t0)
        object.__setattr__(self, "t1", t1)

    @property
    def dim(self) -> int:
        return 1

    @property
    def spatial_dim(self) -> int:
        return 0

    @property
    def coordinate_names(self) -> tuple[str, ...]:
        return (self.time_name,)

    @property
    def spatial_coordinate_names(self) -> tuple[str, ...]:
        return ()

    @property
    def parts(self) -> tuple[str, ...]:
        return TIME_PARTS

    def bounding_box(self) -> tuple[np.ndarray, np.ndarray]:
        return np.array([self.t0]), np.array([self.t1])

    def inside(self, points, tol: float | None = None) -> np.ndarray:
        """bool (N,) for times (N, 1) or (N,): t in [t0, t1] (up to ``tol``)."""
        t = as_points(points, 1)[:, 0]
        ttol = 1e-10 * (self.t1 - self.t0) if tol is None else tol
        return (t >= self.t0 - ttol) & (t <= self.t1 + ttol)

    def measure(self) -> float:
        """The duration t1 - t0."""
        return self.t1 - self.t0

    def boundary_measure(self, part: str | None = None) -> float:
        """Points count 1 each: "initial"/"final" 1, the whole boundary 2."""
        if part not in (None, "boundary", "initial", "final"):
            raise unknown_choice_error("boundary part of TimeInterval", part, ("boundary", "initial", "final"))
        return 1.0 if part in ("initial", "final") else 2.0

    def sample(self, part: str, n: int, sampler: str = "uniform", rng=None) -> PointSet:
        """``n`` times (n, 1) of ``part``; no normals. ``rng`` None: unseeded."""
        n, sampler, rng = check_count(n), check_sampler(sampler), check_rng(rng)
        if part == "interior":
            u = unit_rows(n, 1, sampler, rng)
            return PointSet(self.t0 + u * (self.t1 - self.t0), None)
        if part in ("initial", "final"):
            return PointSet(np.full((n, 1), self.t0 if part == "initial" else self.t1), None)
        if part == "boundary":
            ends = np.where(rng.permutation(n) % 2 == 0, self.t0, self.t1)
            return PointSet(ends[:, None].astype(np.float64), None)
        raise unknown_choice_error("part of TimeInterval", part, TIME_PARTS)
