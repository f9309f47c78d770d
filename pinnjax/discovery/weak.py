"""Weak form of the library: integrals of each column against smooth test functions.

A network fitted to noisy data wiggles at small scales, and its high derivatives amplify
the wiggles (a 4th derivative by k⁴), so pointwise library values can be dominated by
them even when the network fits the data well. Integrating ``lhs`` and every term against
compactly supported bumps averages the wiggles out while leaving the equation intact:
if ``lhs = Θ ξ`` pointwise, then ``∫φ lhs = Σ ξ_k ∫φ θ_k`` for every test function φ, with
the same coefficients in physical units.

The library's columns are integrated by parts where a term allows (:mod:`.by_parts`):
``∫ φ u_xxxx = ∫ φ_xxxx u``, so the quadrature samples smooth functions only.

Test functions are products over coordinates of ``(1 - s²)^p``, ``s = (z - c) / h``, with
half-width ``h`` a fraction ``width`` of the data's extent along that coordinate and centers
``h/2`` apart (supports inside the box). Integrals use the trapezoid rule on one shared
uniform grid, at least ``points_per_width`` points per half-width (the bumps vanish with
their first p-1 derivatives at the support's edge, so the rule is very accurate).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.polynomial import polynomial as P

# Half-width of the test functions as a fraction of the data's extent along each coordinate.
# Kuramoto-Sivashinsky at 10% noise (smoothed networks of two seeds that the pointwise
# selection got wrong): 0.05-0.08 keep all true terms; 0.1 and wider lose u_xxxx, whose
# integrals shrink as 1/h⁴ next to the others.
TEST_WIDTH = 0.06
BUMP_POWER = 8
MAX_GRID_POINTS = 1_000_000


def check_test_width(width, n_coordinates: int) -> tuple[float, ...]:
    """The half-width fraction per coordinate; ValueError naming the bad value."""
    widths = (width,) * n_coordinates if np.isscalar(width) else tuple(width)
    if len(widths) != n_coordinates:
        raise ValueError(f"test_width must be one number or one per coordinate ({n_coordinates}), got {width!r}")
    for w in widths:
        if not 0.0 < w <= 0.25:
            raise ValueError(f"test_width must be in (0, 0.25] (a test function's half-width as a fraction of the "
                             f"data's extent, e.g. {TEST_WIDTH}), got {w!r}")
    return tuple(float(w) for w in widths)


def bump_rows(lower: float, upper: float, n_grid: int, width: float, power: int = BUMP_POWER,
              derivative: int = 0) -> np.ndarray:
    """(M, n_grid): row m is the m-th bump (its ``derivative``-th derivative) on the uniform
    grid of [lower, upper], times the trapezoid weights, so ``rows @ f`` integrates
    ``bump_m · f`` along this coordinate."""
    z = np.linspace(lower, upper, n_grid)
    h = width * (upper - lower)
    weights = np.full(n_grid, z[1] - z[0])
    weights[[0, -1]] *= 0.5
    bump = P.polyder(P.polypow([1.0, 0.0, -1.0], power), derivative) / h**derivative
    centers = np.arange(lower + h, upper - h + 1e-9 * (upper - lower), 0.5 * h)
    s = (z[None, :] - centers[:, None]) / h
    return np.where(np.abs(s) < 1.0, P.polyval(s, bump), 0.0) * weights


def grid_sizes(widths: Sequence[float], points_per_width: int = 16) -> list[int]:
    """Quadrature grid points along each coordinate for half-width fractions ``widths``."""
    return [math.ceil(points_per_width / w) + 1 for w in widths]


def fits_grid(width, n_coordinates: int) -> bool:
    """Whether test functions of half-width ``width`` need at most MAX_GRID_POINTS quadrature points."""
    return math.prod(grid_sizes(check_test_width(width, n_coordinates))) <= MAX_GRID_POINTS


class WeakForm:
    """Test-function integrals over the box [lower, upper] (d,).

    ``points`` (G, d): the shared quadrature grid (C order over coordinates);
    :meth:`project` turns values at those points, (G,) or (G, K), into integrals against
    every test function, (M,) or (M, K).
    """

    def __init__(self, lower: Sequence[float], upper: Sequence[float], width=TEST_WIDTH,
                 points_per_width: int = 16):
        lower, upper = np.asarray(lower, float), np.asarray(upper, float)
        widths = check_test_width(width, len(lower))
        sizes = grid_sizes(widths, points_per_width)
        if math.prod(sizes) > MAX_GRID_POINTS:
            raise ValueError(f"test_width {width!r} needs a quadrature grid of {math.prod(sizes):,} points "
                             f"({' x '.join(map(str, sizes))}), more than {MAX_GRID_POINTS:,}; use wider test "
                             "functions (a larger test_width)")
        axes = [np.linspace(lo, hi, n) for lo, hi, n in zip(lower, upper, sizes)]
        self.shape = tuple(sizes)
        self.points = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, len(sizes))
        self._axes = list(zip(lower, upper, sizes, widths))
        self._rows = {}
        self.rows = [self.derivative_rows(axis, 0) for axis in range(len(sizes))]

    def derivative_rows(self, axis: int, order: int) -> np.ndarray:
        """(M_axis, G_axis): quadrature rows of the test functions' ``order``-th derivative along ``axis``."""
        if (axis, order) not in self._rows:
            self._rows[axis, order] = bump_rows(*self._axes[axis], derivative=order)
        return self._rows[axis, order]

    @property
    def n_tests(self) -> int:
        return math.prod(len(r) for r in self.rows)

    def project(self, values: np.ndarray, orders: Sequence[int] | None = None) -> np.ndarray:
        """Integrals against each test function (its derivative of ``orders``, one order per
        coordinate; None: the function itself): (G,) -> (M,), (G, K) -> (M, K)."""
        values = np.asarray(values, float)
        f = values.reshape(*self.shape, -1)
        for axis in range(len(self.shape)):
            rows = self.derivative_rows(axis, orders[axis] if orders is not None else 0)
            f = np.moveaxis(np.tensordot(rows, f, axes=([1], [axis])), 0, axis)
        out = f.reshape(-1, f.shape[-1])
        return out[:, 0] if values.ndim == 1 else out
