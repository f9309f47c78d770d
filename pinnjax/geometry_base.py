"""The interface every spatial geometry implements (``AbstractGeometry``).

Concrete shapes live in ``geometry.py``, set operations in ``geometry_csg.py``.

Tolerances are relative to the largest side of the bounding box (``scale``):
``inside`` accepts points up to ``INSIDE_TOL * scale`` outside (the set is closed), and
``on_boundary`` uses ``BOUNDARY_TOL * scale`` unless ``tol`` is given.
"""

from __future__ import annotations

import abc
import math
from collections.abc import Sequence

import numpy as np

from .sampling import (
    PointSet,
    allocate,
    check_count,
    check_rng,
    check_sampler,
    rejection_sample,
    unit_rows,
    unknown_choice_error,
)

INSIDE_TOL = 1e-10
BOUNDARY_TOL = 1e-8
DEFAULT_COORDINATES = {1: ("x",), 2: ("x", "y"), 3: ("x", "y", "z")}


def as_points(points, dim: int) -> np.ndarray:
    """``points`` as a float array (N, dim); a 1D array is read as N points when dim == 1."""
    p = np.asarray(points, dtype=np.float64)
    if p.ndim == 1 and dim == 1:
        p = p[:, None]
    elif p.ndim == 1 and p.shape[0] == dim:
        p = p[None, :]
    if p.ndim != 2 or p.shape[1] != dim:
        raise ValueError(f"points must have shape (N, {dim}), got shape {np.shape(points)}")
    return p


def check_finite(owner: str, field: str, value, length: int | None = None) -> tuple[float, ...] | float:
    """``value`` as a float (length None) or a tuple of ``length`` floats, all finite."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{owner}.{field} must be numeric, got {value!r}") from None
    if length is None:
        if arr.ndim != 0:
            raise ValueError(f"{owner}.{field} must be a single number, got {value!r}")
    elif arr.shape != (length,):
        raise ValueError(
            f"{owner}.{field} must hold {length} numbers (one per axis), got {value!r}"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{owner}.{field} must be finite, got {value!r}")
    return float(arr) if length is None else tuple(float(v) for v in arr)


class AbstractGeometry(abc.ABC):
    """A closed region of R^dim with a named, piecewise boundary.

    Subclasses are frozen dataclasses. Shapes: ``points`` (N, dim), masks (N,),
    normals (N, dim).
    """

    coordinates: tuple[str, ...] | None

    # -- the interface -------------------------------------------------------------
    @property
    @abc.abstractmethod
    def dim(self) -> int:
        """Number of spatial coordinates."""

    @property
    @abc.abstractmethod
    def boundary_parts(self) -> tuple[str, ...]:
        """Names of the boundary parts, e.g. ("left", "right")."""

    @abc.abstractmethod
    def bounding_box(self) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper corners, each (dim,)."""

    @abc.abstractmethod
    def inside(self, points, tol: float | None = None) -> np.ndarray:
        """bool (N,): points in the closed region, up to ``tol`` outside."""

    @abc.abstractmethod
    def on_boundary(self, points, tol: float | None = None) -> np.ndarray:
        """bool (N,): points within ``tol`` of the boundary."""

    @abc.abstractmethod
    def measure(self) -> float:
        """Length (1D), area (2D) or volume (3D)."""

    @abc.abstractmethod
    def boundary_measure(self, part: str | None = None) -> float:
        """Measure of boundary ``part`` (whole boundary for None); points count 1 each."""

    # -- parametric boundaries (primitives); CSG overrides the samplers instead --------
    def part_aliases(self) -> dict[str, str]:
        """Other accepted names of boundary parts: alias -> part."""
        return {}

    def _part_param_dim(self, part: str) -> int:
        raise NotImplementedError

    def _part_map(self, part: str, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Map unit parameters u (n, k) of ``part``, uniformly in measure, to
        (points (n, dim), outward normals (n, dim))."""
        raise NotImplementedError

    def _rate_hint(self) -> float | None:
        """Expected fraction of the bounding box inside the region (None: unknown)."""
        return None

    # -- shared ---------------------------------------------------------------------
    @property
    def coordinate_names(self) -> tuple[str, ...]:
        if self.coordinates is not None:
            return tuple(self.coordinates)
        return DEFAULT_COORDINATES.get(self.dim, tuple(f"x{i}" for i in range(self.dim)))

    @property
    def spatial_dim(self) -> int:
        return self.dim

    @property
    def parts(self) -> tuple[str, ...]:
        """Every name ``sample`` accepts (aliases excluded)."""
        extra = tuple(p for p in self.boundary_parts if p != "boundary")
        return ("interior", "boundary") + extra

    def scale(self) -> float:
        lo, hi = self.bounding_box()
        return float(np.max(np.asarray(hi) - np.asarray(lo)))

    def _inside_tol(self, tol):
        return INSIDE_TOL * self.scale() if tol is None else float(tol)

    def _boundary_tol(self, tol):
        return BOUNDARY_TOL * self.scale() if tol is None else float(tol)

    def _check_coordinates(self, owner: str) -> None:
        if self.coordinates is None:
            return
        names = self.coordinates
        if isinstance(names, str) or not isinstance(names, Sequence):
            raise ValueError(
                f"{owner}.coordinates must be a tuple of {self.dim} names, got {names!r}; "
                f"e.g. coordinates={DEFAULT_COORDINATES.get(self.dim)!r}"
            )
        names = tuple(names)
        if len(names) != self.dim or len(set(names)) != len(names) or not all(
            isinstance(c, str) and c.isidentifier() for c in names
        ):
            raise ValueError(
                f"{owner}.coordinates must be {self.dim} distinct identifier names, got "
                f"{names!r}; e.g. coordinates={DEFAULT_COORDINATES.get(self.dim)!r}"
            )
        object.__setattr__(self, "coordinates", names)

    def strictly_inside(self, points, tol: float | None = None) -> np.ndarray:
        """bool (N,): inside and farther than ``tol`` from the boundary."""
        tol = self._boundary_tol(tol)
        return self.inside(points, tol) & ~self.on_boundary(points, tol)

    def resolve_part(self, part: str | None) -> str | None:
        """Canonical boundary part name (None: whole boundary); ValueError if unknown."""
        if part is None or part == "boundary":
            return None
        if part in self.boundary_parts:
            return part
        aliases = self.part_aliases()
        if part in aliases:
            return aliases[part]
        valid = ("boundary",) + tuple(p for p in self.boundary_parts if p != "boundary")
        raise unknown_choice_error(
            f"boundary part of {type(self).__name__}", part, valid + tuple(aliases)
        )

    def _sample_interior_joint(self, n, sampler, rng, extra=0) -> np.ndarray:
        """(n, dim + extra): interior points and ``extra`` unit columns drawn jointly."""
        lo, hi = self.bounding_box()
        return rejection_sample(
            n, lo, hi, self.inside, sampler, rng, extra=extra, rate_hint=self._rate_hint()
        )

    def _sample_boundary_joint(self, part, n, sampler, rng, extra=0):
        """(points (n, dim), normals (n, dim), extra unit columns (n, extra)) on ``part``
        (canonical name or None), parameters and extra columns drawn jointly."""
        if part is not None:
            k = self._part_param_dim(part)
            u = unit_rows(n, k + extra, sampler, rng)
            points, normals = self._part_map(part, u[:, :k])
            return points, normals, u[:, k:]
        parts = self.boundary_parts
        counts = allocate(n, [self.boundary_measure(p) for p in parts], rng)
        out = [self._sample_boundary_joint(p, int(c), sampler, rng, extra)
               for p, c in zip(parts, counts) if c > 0]
        order = rng.permutation(n)
        return tuple(np.concatenate(arrs, axis=0)[order] for arrs in zip(*out))

    def sample_interior(self, n: int, sampler: str = "uniform", rng=None) -> np.ndarray:
        """Exactly ``n`` points (n, dim) of the closed region."""
        n, sampler, rng = check_count(n), check_sampler(sampler), check_rng(rng)
        return self._sample_interior_joint(n, sampler, rng)

    def sample_boundary(self, n: int, sampler: str = "uniform", rng=None, part: str | None = None):
        """(points (n, dim), outward unit normals (n, dim)) on boundary ``part``.

        ``part=None`` (or "boundary"): the whole boundary, each part getting a share of
        the ``n`` points proportional to its measure.
        """
        n, sampler, rng = check_count(n), check_sampler(sampler), check_rng(rng)
        points, normals, _ = self._sample_boundary_joint(self.resolve_part(part), n, sampler, rng)
        return points, normals

    def sample(self, part: str, n: int, sampler: str = "uniform", rng=None) -> PointSet:
        """``n`` points of ``part``: "interior", "boundary" or a named boundary part.

        Boundary parts carry outward normals (n, dim). ``rng`` None: unseeded.
        """
        n, sampler, rng = check_count(n), check_sampler(sampler), check_rng(rng)
        if part == "interior":
            return PointSet(self._sample_interior_joint(n, sampler, rng), None)
        if not isinstance(part, str) or (
            part != "boundary" and part not in self.boundary_parts and part not in self.part_aliases()
        ):
            raise unknown_choice_error(
                f"part of {type(self).__name__}", part, self.parts + tuple(self.part_aliases())
            )
        points, normals = self.sample_boundary(n, sampler, rng, part)
        return PointSet(points, normals)

    # -- set operations -----------------------------------------------------------
    def __or__(self, other):
        from .geometry_csg import Union

        return Union(self, other)

    def __and__(self, other):
        from .geometry_csg import Intersection

        return Intersection(self, other)

    def __sub__(self, other):
        from .geometry_csg import Difference

        return Difference(self, other)


def box_volume(lo, hi) -> float:
    return float(math.prod(np.asarray(hi, dtype=np.float64) - np.asarray(lo, dtype=np.float64)))
