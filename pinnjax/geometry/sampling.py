"""Host-side point sampling in the unit cube, and helpers shared by the geometries.

Everything here is numpy: sampling prepares data for training, it is never traced.

Samplers (``SAMPLERS``):

- ``"uniform"``: independent uniform draws from ``rng``.
- ``"sobol"``: scrambled Sobol' sequence (``scipy.stats.qmc.Sobol``).
- ``"halton"``: scrambled Halton sequence.
- ``"lhs"``: Latin hypercube: each of the ``n`` strata of every axis holds one point.
- ``"grid"``: cell-centred tensor grid ``(k + 0.5) / m`` with ``m = ceil(n ** (1/dim))``;
  it has ``m ** dim >= n`` points (see ``sample_unit_cube(exact=...)``).

The QMC scrambles are seeded from ``rng``: the same generator state gives the same points.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import numbers
from collections.abc import Callable, Sequence

import numpy as np

SAMPLERS = ("uniform", "sobol", "halton", "lhs", "grid")

_MAX_BATCH = 4_000_000  # points drawn per rejection round, at most


@dataclasses.dataclass(frozen=True, eq=False)
class PointSet:
    """Points drawn from one part of a domain.

    ``points``: (n, dim), all coordinates, time last for space-time domains.
    ``normals``: (n, spatial_dim) outward unit normals on spatial boundary parts, else None.
    """

    points: np.ndarray
    normals: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.points.shape[0])


def unknown_choice_error(what: str, value, valid: Sequence[str], extra: str = "") -> ValueError:
    """A ValueError naming ``value``, listing ``valid`` and suggesting the closest name."""
    msg = f"unknown {what} {value!r}; choose one of: {', '.join(valid)}"
    if isinstance(value, str):
        close = difflib.get_close_matches(value, list(valid), n=1)
        if close:
            msg += f". Did you mean {close[0]!r}?"
    return ValueError(msg + extra)


def check_sampler(sampler) -> str:
    """Return ``sampler`` if it is one of ``SAMPLERS``; otherwise raise ValueError."""
    if not isinstance(sampler, str) or sampler not in SAMPLERS:
        raise unknown_choice_error("sampler", sampler, SAMPLERS)
    return sampler


def check_count(n, name: str = "n") -> int:
    """Return ``n`` as an int if it is a positive integer; otherwise raise ValueError."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n <= 0:
        raise ValueError(f"{name} must be a positive integer number of points, got {name}={n!r}")
    return int(n)


def check_rng(rng) -> np.random.Generator:
    """``rng`` itself, or a fresh unseeded generator for None."""
    if rng is None:
        return np.random.default_rng()
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy.random.Generator (e.g. np.random.default_rng(0)), "
            f"got {type(rng).__name__}"
        )
    return rng


def grid_size(n: int, dim: int) -> int:
    """Smallest ``m`` with ``m ** dim >= n``."""
    m = max(1, int(round(n ** (1.0 / dim))))
    while m**dim < n:
        m += 1
    while m > 1 and (m - 1) ** dim >= n:
        m -= 1
    return m


def sample_unit_cube(
    n: int, dim: int, sampler: str, rng: np.random.Generator, *, exact: bool = False
) -> np.ndarray:
    """Points in [0, 1)^dim, shape (n, dim).

    ``"grid"`` returns all ``m ** dim`` cell-centred points (``m = ceil(n ** (1/dim))``),
    which may be more than ``n``; with ``exact=True`` a random subset of ``n`` of them
    is returned (grid order kept), so every sampler gives exactly ``n`` rows.
    """
    n = check_count(n)
    if isinstance(dim, bool) or not isinstance(dim, numbers.Integral) or dim <= 0:
        raise ValueError(f"dim must be a positive integer, got dim={dim!r}")
    dim = int(dim)
    check_sampler(sampler)
    rng = check_rng(rng)
    if sampler == "uniform":
        u = rng.random((n, dim))
    elif sampler == "grid":
        m = grid_size(n, dim)
        axes = (np.arange(m) + 0.5) / m
        mesh = np.meshgrid(*([axes] * dim), indexing="ij")
        u = np.stack([g.ravel() for g in mesh], axis=-1)
        if exact and u.shape[0] > n:
            u = take_subset(u, n, rng)
    else:
        from scipy.stats import qmc  # imported on first use: scipy.stats costs ~55 MB

        seed = np.random.default_rng(rng.integers(2**63))
        if sampler == "sobol":
            # Draw a power of two (Sobol' balance) and keep the first n points.
            u = qmc.Sobol(dim, scramble=True, rng=seed).random_base2(math.ceil(math.log2(n)))[:n]
        elif sampler == "halton":
            u = qmc.Halton(dim, scramble=True, rng=seed).random(n)
        else:
            u = qmc.LatinHypercube(dim, scramble=True, rng=seed).random(n)
    return np.minimum(np.asarray(u, dtype=np.float64), np.nextafter(1.0, 0.0))


def take_subset(points: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` rows of ``points`` (N, d) chosen at random without replacement, order kept."""
    idx = np.sort(rng.choice(points.shape[0], size=n, replace=False))
    return points[idx]


def allocate(n: int, weights: Sequence[float], rng: np.random.Generator) -> np.ndarray:
    """Split ``n`` into integer counts (k,) proportional to ``weights`` (k,).

    Largest-remainder rounding; ties are broken at random with ``rng``.
    """
    w = np.asarray(weights, dtype=np.float64)
    share = n * w / w.sum()
    counts = np.floor(share).astype(np.int64)
    left = n - int(counts.sum())
    if left > 0:
        order = rng.permutation(w.size)
        ranked = order[np.argsort(-(share - counts)[order], kind="stable")]
        counts[ranked[:left]] += 1
    return counts


def unit_rows(n: int, dim: int, sampler: str, rng: np.random.Generator) -> np.ndarray:
    """``sample_unit_cube(n, dim, sampler, rng, exact=True)``, allowing ``dim == 0``: (n, dim)."""
    if dim == 0:
        check_sampler(sampler)
        return np.empty((n, 0))
    return sample_unit_cube(n, dim, sampler, rng, exact=True)


def rejection_sample(
    n: int,
    lo: np.ndarray,
    hi: np.ndarray,
    accept: Callable[[np.ndarray], np.ndarray],
    sampler: str,
    rng: np.random.Generator,
    extra: int = 0,
    rate_hint: float | None = None,
    max_rounds: int = 64,
) -> np.ndarray:
    """Exactly ``n`` rows (n, d + extra): points of the box ``[lo, hi]`` (d,) kept by
    ``accept`` ((N, d) -> bool (N,)), followed by ``extra`` unit-cube columns drawn
    jointly with them by ``sampler``.

    Random and QMC samplers draw batches (each QMC batch a freshly scrambled sequence)
    until ``n`` are accepted, keeping the first ``n``; ``"grid"`` refines the grid until
    at least ``n`` grid points are accepted and keeps a random subset of ``n``.
    ``rate_hint`` is the expected acceptance fraction, used to size the first batch.
    """
    lo = np.asarray(lo, dtype=np.float64)
    hi = np.asarray(hi, dtype=np.float64)
    d = lo.size
    rate = min(max(rate_hint if rate_hint else 0.5, 1e-6), 1.0)
    kept: list[np.ndarray] = []
    count = drawn = accepted = 0
    k = 0
    for _ in range(max_rounds):
        need = n if sampler == "grid" else n - count
        k = min(max(int(math.ceil(need / rate * 1.1)) + 8, 16, 2 * k if sampler == "grid" else 0), _MAX_BATCH)
        u = sample_unit_cube(k, d + extra, sampler, rng)
        x = lo + u[:, :d] * (hi - lo)
        mask = np.asarray(accept(x), dtype=bool)
        rows = np.concatenate([x, u[:, d:]], axis=1)[mask]
        drawn += u.shape[0]
        accepted += rows.shape[0]
        rate = min(max(accepted / drawn, 1e-6), 1.0)
        if sampler == "grid":
            if rows.shape[0] >= n:
                return take_subset(rows, n, rng)
        else:
            kept.append(rows)
            count += rows.shape[0]
            if count >= n:
                return np.concatenate(kept, axis=0)[:n]
    raise RuntimeError(
        f"rejection sampling accepted only {accepted} of {drawn} points drawn in the "
        f"bounding box; the region is (nearly) empty there, check the geometry"
    )
