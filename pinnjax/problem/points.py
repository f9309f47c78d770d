"""Where a term is evaluated: points sampled from a domain part, or given arrays.

Drawing produces a *batch*: a dict of host arrays whose leading axis is the point axis,
``{"x": (N, d), "normals": (N, d_space)?, "values": (N, k)?}``. Batches are arguments of
the compiled loss (never closed over), so resampling does not recompile.
"""

from __future__ import annotations

import dataclasses
import numbers

import numpy as np

from ..geometry.sampling import SAMPLERS
from .adaptive import AbstractAdaptive
from .noise import Noise


@dataclasses.dataclass(frozen=True)
class Sample:
    """``n`` points drawn from ``part`` of the domain with ``sampler``.

    ``part``: "interior", "boundary", a named boundary part ("left", "top", …),
    "initial" or "final" for space-time domains. ``resample``: draw new points at each
    resampling round of training (see ``solve(resample_every=…)``). ``adaptive``: draw
    them where the residual is large (:class:`~pinnjax.problem.adaptive.RAD`), or replace
    the points with the smallest residual (:class:`~pinnjax.problem.adaptive.RARD`).
    """

    n: int
    part: str = "interior"
    sampler: str = "sobol"
    resample: bool = True
    adaptive: AbstractAdaptive | None = None

    def __post_init__(self):
        if not isinstance(self.n, numbers.Integral) or isinstance(self.n, bool) or self.n <= 0:
            raise ValueError(f"Sample.n must be a positive integer number of points, got {self.n!r}")
        if self.sampler not in SAMPLERS:
            raise ValueError(
                f"Sample.sampler {self.sampler!r} is not known; use one of {', '.join(SAMPLERS)}"
            )
        if self.adaptive is not None and not isinstance(self.adaptive, AbstractAdaptive):
            raise TypeError(f"Sample.adaptive must be a pinnjax.RAD(k=1, c=1), a pinnjax.RARD(replace=0.1) or None, "
                            f"got {type(self.adaptive).__name__}")
        if self.adaptive is not None and not self.resample:
            raise ValueError("Sample.adaptive redraws points where the residual is large, so resample must be True")

    def draw(self, domain, rng: np.random.Generator, multiple_of: int = 1) -> dict[str, np.ndarray]:
        n = -(-self.n // multiple_of) * multiple_of
        pointset = domain.sample(self.part, n, self.sampler, rng)
        batch = {"x": np.asarray(pointset.points, dtype=np.float64)[:n]}
        if pointset.normals is not None:
            batch["normals"] = np.asarray(pointset.normals, dtype=np.float64)[:n]
        return batch


@dataclasses.dataclass(frozen=True, eq=False)
class Given:
    """Fixed points (N, d), optionally with values (N,) or (N, k) and normals (N, d_space).

    ``noise`` (a :class:`~pinnjax.problem.noise.Noise`): the values are clean, and every
    training draws its own noisy copy from its random stream (once: given points are never
    redrawn), so each seed and each ensemble member fits its own noise draw.
    """

    points: np.ndarray
    values: np.ndarray | None = None
    normals: np.ndarray | None = None
    resample: bool = dataclasses.field(default=False, init=False)
    noise: Noise | None = None

    def __post_init__(self):
        points = np.asarray(self.points, dtype=np.float64)
        if points.ndim == 1:
            points = points[:, None]
        if points.ndim != 2 or points.shape[0] == 0:
            raise ValueError(
                f"Given.points must be an array of shape (N, d) with N > 0, got shape {points.shape}"
            )
        if not np.all(np.isfinite(points)):
            raise ValueError("Given.points contains NaN or Inf; remove those rows")
        object.__setattr__(self, "points", points)
        for name in ("values", "normals"):
            arr = getattr(self, name)
            if arr is None:
                continue
            arr = np.asarray(arr, dtype=np.float64)
            if arr.shape[0] != points.shape[0]:
                raise ValueError(
                    f"Given.{name} has {arr.shape[0]} rows but Given.points has "
                    f"{points.shape[0]}; they must match one-to-one"
                )
            if not np.all(np.isfinite(arr)):
                raise ValueError(f"Given.{name} contains NaN or Inf; remove or fill those rows")
            object.__setattr__(self, name, arr)

    def draw(self, domain, rng, multiple_of: int = 1) -> dict[str, np.ndarray]:
        n = self.points.shape[0]
        if n % multiple_of:
            raise ValueError(
                f"{n} given points cannot be split evenly over {multiple_of} devices; "
                f"pass a multiple of {multiple_of} points"
            )
        batch = {"x": self.points}
        if self.values is not None:
            noisy = self.noise is not None and self.noise.active
            batch["values"] = self.noise.apply(self.values, rng) if noisy else self.values
        if self.normals is not None:
            batch["normals"] = self.normals
        return batch


def as_points(spec, default_part: str) -> Sample | Given:
    """An int means ``Sample(n, part=default_part)``; a Sample or Given passes through."""
    if isinstance(spec, (Sample, Given)):
        return spec
    if isinstance(spec, numbers.Integral) and not isinstance(spec, bool):
        return Sample(int(spec), part=default_part)
    raise TypeError(
        f"points must be a number of points, pinnjax.Sample(...) or pinnjax.Given(...), "
        f"got {type(spec).__name__}: {spec!r}"
    )
