"""Classic forward problems with their reference solutions, for examples, tests, benchmarks.

Each function returns a :class:`Benchmark`: the :class:`~pinnjax.Problem` and reference
points (N, d) with values (N,) of its first field.

>>> b = burgers(n_interior=100)
>>> b.points.shape, b.values.shape
((25856, 2), (25856,))
"""

from __future__ import annotations

import dataclasses
import math

import jax.numpy as jnp
import numpy as np

from ..geometry.shapes import Interval, Rectangle, lshape
from ..geometry.spacetime import SpaceTime
from ..problem.points import Sample
from ..problem.problem import Problem
from ..problem.terms import PDE, Dirichlet, Initial, Neumann
from . import analytic
from .burgers import burgers as burgers_reference


@dataclasses.dataclass(frozen=True, eq=False)
class Benchmark:
    """A problem and its reference: ``points`` (N, d), ``values`` (N,) of ``field``."""

    name: str
    problem: Problem
    points: np.ndarray
    values: np.ndarray
    field: str = "u"


def _burgers_hard(x, y):
    """u = -sin(pi x) + t (1 - x²) N(x, t): exact initial and boundary values."""
    return -jnp.sin(math.pi * x[:1]) + x[1] * (1 - x[0] ** 2) * y


def burgers(
    n_interior: int = 2540, n_boundary: int = 80, n_initial: int = 160,
    hard: bool = False, sampler: str = "sobol", nu: float = 0.01 / math.pi, adaptive=None,
) -> Benchmark:
    """u_t + u u_x = nu u_xx on [-1, 1] × [0, 1], u0 = -sin(pi x), u(±1, t) = 0.

    ``hard=True`` builds the initial and boundary conditions into the output transform
    and keeps only the PDE term; ``adaptive`` (e.g. ``RAD()``) redraws the PDE points
    where the residual is large. Reference: Hopf–Cole on the 256 × 101 grid.
    """
    domain = SpaceTime(Interval(-1.0, 1.0), 0.0, 1.0)
    pde = PDE("u_t + u*u_x - nu*u_xx", Sample(n_interior, sampler=sampler, adaptive=adaptive))
    terms = [pde]
    if not hard:
        terms += [
            Dirichlet("u", 0.0, points=Sample(n_boundary, "boundary", sampler)),
            Initial("u", "-sin(pi*x)", points=Sample(n_initial, "initial", sampler)),
        ]
    problem = Problem(domain, ("u",), terms, {"nu": nu}, transform=_burgers_hard if hard else None)
    ref = burgers_reference(nu=nu)
    return Benchmark("burgers", problem, ref.points(), ref.values("u"))


def heat_mixed(n_interior: int = 2000, n_boundary: int = 100, n_initial: int = 200,
               alpha: float = analytic.HEAT_ALPHA, sampler: str = "sobol") -> Benchmark:
    """u_t = alpha u_xx on [0, 1] × [0, 1]: u(0, t) = 0 (Dirichlet), u_x(1, t) = 0
    (Neumann), u0 = x (2 - x). Reference: the eigenfunction series."""
    domain = SpaceTime(Interval(0.0, 1.0), 0.0, 1.0)
    terms = [
        PDE("u_t - alpha*u_xx", Sample(n_interior, sampler=sampler)),
        Dirichlet("u", 0.0, on="left", points=Sample(n_boundary, "left", sampler)),
        Neumann("u", 0.0, on="right", points=Sample(n_boundary, "right", sampler)),
        Initial("u", "x*(2 - x)", points=Sample(n_initial, "initial", sampler)),
    ]
    problem = Problem(domain, ("u",), terms, {"alpha": alpha})
    ref = analytic.heat_mixed(alpha=alpha)
    return Benchmark("heat_mixed", problem, ref.points(), ref.values("u"))


LAPLACE_EXACT = "sin(pi*x)*sinh(pi*y)/sinh(pi) + exp(x)*cos(y)"
POISSON_EXACT = "sin(pi*x)*sin(pi*y) + x*y"


def laplace(n_interior: int = 2000, n_boundary: int = 400, sampler: str = "sobol") -> Benchmark:
    """Δu = 0 on the unit square, Dirichlet data from the harmonic
    u = sin(pi x) sinh(pi y)/sinh(pi) + exp(x) cos(y)."""
    domain = Rectangle((0.0, 0.0), (1.0, 1.0))
    terms = [
        PDE("u_xx + u_yy", Sample(n_interior, sampler=sampler)),
        Dirichlet("u", LAPLACE_EXACT, points=Sample(n_boundary, "boundary", sampler)),
    ]
    ref = analytic.laplace_square()
    return Benchmark("laplace", Problem(domain, ("u",), terms), ref.points(), ref.values("u"))


def poisson_lshape(n_interior: int = 3000, n_boundary: int = 600, sampler: str = "sobol") -> Benchmark:
    """-Δu = 2 pi² sin(pi x) sin(pi y) on the L-shape, Dirichlet data from
    u = sin(pi x) sin(pi y) + x y. Reference: the exact u at grid points inside."""
    domain = lshape()
    terms = [
        PDE("u_xx + u_yy + 2*pi**2*sin(pi*x)*sin(pi*y)", Sample(n_interior, sampler=sampler)),
        Dirichlet("u", POISSON_EXACT, points=Sample(n_boundary, "boundary", sampler)),
    ]
    g = np.linspace(-1.0, 1.0, 101)
    xx, yy = np.meshgrid(g, g, indexing="ij")
    pts = np.c_[xx.ravel(), yy.ravel()]
    pts = pts[domain.inside(pts)]
    values = analytic.poisson_exact(pts[:, 0], pts[:, 1])
    return Benchmark("poisson_lshape", Problem(domain, ("u",), terms), pts, values)


BENCHMARKS = {"burgers": burgers, "heat_mixed": heat_mixed, "laplace": laplace, "poisson_lshape": poisson_lshape}
