"""The discovery benchmark's three equations: reference data, library, truth, budgets.

Noise is Gaussian with standard deviation ``noise × std(u)`` added to the whole reference
grid (seeded); pinnjax gets ``n_points`` scattered samples of that noisy grid, and the
PySINDy baseline gets the full noisy grid (more data than pinnjax, on a grid as
PDE-FIND needs).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import jax
import numpy as np

import pinnjax as pj
from pinnjax.discovery import measurements, polynomial_library
from pinnjax.reference import burgers, kdv_two_soliton, kuramoto_sivashinsky


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    reference: Callable  # () -> ReferenceSolution on a uniform (x, t) grid
    domain: object
    degree: int
    order: int
    truth: dict  # {term: coefficient}
    n_points: int
    network: Callable  # seed -> equinox module
    fit_phases: tuple
    physics_phases: tuple
    periodic: bool
    polish_phases: tuple = (pj.LBFGS(6000),)
    polish_pde_weight: float = 1.0  # KS: 10, as configs/discovery/ks.yaml (its u_t is small; see there)
    fields: tuple = ("u",)  # several: one equation each, truth keyed "u_t:term"

    @property
    def library(self):
        return polynomial_library(list(self.fields), ["x"], self.degree, self.order)

    def noisy_grid(self, noise: float, seed: int):
        """(reference, noisy field (nx, nt)) with noise × std(u) Gaussian noise; several
        fields: (nx, nt, F), each with noise × its own std, drawn in the fields' order."""
        ref = self.reference()
        rng = np.random.default_rng([seed, int(round(noise * 1000))])
        noisy = [f + noise * np.std(f) * rng.standard_normal(f.shape) for f in (ref.fields[n] for n in self.fields)]
        return ref, noisy[0] if len(noisy) == 1 else np.stack(noisy, axis=-1)

    def grid_size(self) -> int:
        """Number of points of the reference grid."""
        return self.reference().fields["u"].size

    def scattered(self, noise: float, seed: int):
        """Measurements: ``n_points`` random grid points of the noisy grid (every field there)."""
        ref, u = self.noisy_grid(noise, seed)
        values = u.reshape(-1, len(self.fields))
        idx = np.random.default_rng(seed).choice(len(values), self.n_points, replace=False)
        if len(self.fields) == 1:
            return measurements(ref.points()[idx], values[idx, 0], ("x", "t"))
        return measurements(ref.points()[idx], values[idx], ("x", "t"), list(self.fields))


def _mlp(width, depth):
    return lambda seed: pj.MLP(2, 1, width, depth, key=jax.random.PRNGKey(seed))


def _periodic_mlp(width, depth, outputs: int = 1):
    # inputs are scaled to [-1, 1] before the network, so the period in x is 2
    return lambda seed: pj.Embedded(pj.PeriodicEmbedding({0: 2.0}),
                                    pj.MLP(3, outputs, width, depth, key=jax.random.PRNGKey(seed)))


CASES = {
    "burgers": Case(
        "burgers", burgers, pj.SpaceTime(pj.Interval(-1.0, 1.0), 0.0, 1.0), 2, 3,
        {"u*u_x": -1.0, "u_xx": 0.01 / math.pi}, 2000, _mlp(32, 4),
        (pj.Adam(1000, 1e-3), pj.LBFGS(2000)), (pj.Adam(1000, 1e-3), pj.LBFGS(2000)), False),
    "kdv": Case(
        "kdv", kdv_two_soliton, pj.SpaceTime(pj.Interval(-10.0, 10.0), 0.0, 5.0), 2, 3,
        {"u*u_x": -6.0, "u_xxx": -1.0}, 2000, _mlp(32, 4),
        (pj.Adam(1000, 1e-3), pj.LBFGS(2000)), (pj.Adam(1000, 1e-3), pj.LBFGS(2000)), False),
    "ks": Case(
        "ks", kuramoto_sivashinsky, pj.SpaceTime(pj.Interval(0.0, 32 * math.pi), 0.0, 40.0), 2, 4,
        {"u*u_x": -1.0, "u_xx": -1.0, "u_xxxx": -1.0}, 8000, _periodic_mlp(48, 4),
        # 4th derivatives need a tight fit: 10k steps give u_xxxx within 18% on clean data
        (pj.Adam(2000, 1e-3), pj.LBFGS(8000)), (pj.Adam(1000, 1e-3), pj.LBFGS(3000)), True,
        polish_pde_weight=10.0),
}


def score(found: dict, truth: dict) -> tuple[bool, dict]:
    """(right terms?, {true term: percent error or None if missed})."""
    errors = {t: (abs(found[t] - c) / abs(c) * 100 if t in found else None) for t, c in truth.items()}
    return set(found) == set(truth), errors
