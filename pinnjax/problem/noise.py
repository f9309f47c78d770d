"""Synthetic measurement noise: a distribution and a level relative to the data's spread.

``Noise(level, distribution, df, outliers)`` adds ``level × std(values) × ε`` to clean
values, ε drawn from the standard form of the distribution (``scipy.stats``: normal,
Laplace, Student-t with ``df`` degrees of freedom, Cauchy), and replaces a fraction
``outliers`` of the values by gross errors of ± ``outlier_size`` × std(values) (random
sign). For the heavy-tailed forms the level scales the distribution's scale parameter,
not its standard deviation (a Cauchy has none).

Noise is drawn from the random stream of the training that uses the data
(:class:`pinnjax.Given` with ``noise``): each seed, and each member of an ensemble, fits its
own draw of the same clean points.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy import stats

DISTRIBUTIONS = {"gaussian": lambda df: stats.norm, "laplace": lambda df: stats.laplace,
                 "student_t": lambda df: stats.t(df), "cauchy": lambda df: stats.cauchy}


@dataclasses.dataclass(frozen=True)
class Noise:
    level: float = 0.0
    distribution: str = "gaussian"
    df: float = 3.0  # Student-t degrees of freedom
    outliers: float = 0.0  # fraction of gross errors
    outlier_size: float = 5.0  # their size in std(values)

    def __post_init__(self):
        if self.distribution not in DISTRIBUTIONS:
            raise ValueError(f"noise distribution {self.distribution!r} is not one of {sorted(DISTRIBUTIONS)}")
        for name, value, low, high in (("level", self.level, 0, 10), ("df", self.df, 0, 1e6),
                                       ("outliers", self.outliers, 0, 0.5), ("outlier_size", self.outlier_size, 0, 1e3)):
            if not low <= value <= high or (name == "df" and value == 0):
                raise ValueError(f"noise {name} must be in [{low}, {high}]{' and > 0' if name == 'df' else ''}, "
                                 f"got {value}")

    @property
    def active(self) -> bool:
        return self.level > 0 or self.outliers > 0

    def apply(self, values, rng: np.random.Generator) -> np.ndarray:
        """``values`` (N,) or (N, k) with noise added column by column (each its own std)."""
        v = np.asarray(values, np.float64)
        spread = np.std(v, axis=0)
        eps = DISTRIBUTIONS[self.distribution](self.df).rvs(size=v.shape, random_state=rng)
        noisy = v + self.level * spread * eps
        if self.outliers > 0:
            hit = rng.random(v.shape) < self.outliers
            sign = rng.choice([-1.0, 1.0], size=v.shape)
            noisy = np.where(hit, v + sign * self.outlier_size * spread, noisy)
        return noisy
