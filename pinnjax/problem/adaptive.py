"""Residual-based adaptive sampling, RAD (Wu, Zhu, Tan, Kartha & Lu 2023, "A comprehensive
study of non-adaptive and residual-based adaptive sampling for PINNs").

At each resampling round (``resample_every`` steps) a term's new points are drawn from
``candidates`` × n fresh candidates of its domain part, with probability

    p(x) ∝ |r(x)|^k / mean(|r|^k) + c

where r is the term's residual at the current parameters: ``k`` sharpens the preference
for large residuals, ``c`` keeps a uniform share (c → ∞ is plain uniform resampling; the
paper's default k = 1, c = 1 worked well across its problems). The number of points and
so the compiled step do not change; the draws come from the run's random stream, so a
resumed run draws the same points.
"""

from __future__ import annotations

import dataclasses
import numbers

import numpy as np


@dataclasses.dataclass(frozen=True)
class RAD:
    """Residual-based adaptive distribution (see the module docstring)."""

    k: float = 1.0
    c: float = 1.0
    candidates: int = 10

    def __post_init__(self):
        for name, lo in (("k", 0.0), ("c", 0.0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value <= 1e3:
                raise ValueError(f"RAD.{name} must be a number in [0, 1000] (e.g. {name}=1), got {value!r}")
        if isinstance(self.candidates, bool) or not isinstance(self.candidates, numbers.Integral) \
                or not 1 <= self.candidates <= 1000:
            raise ValueError(f"RAD.candidates must be an integer in [1, 1000] (candidates per point drawn, "
                             f"e.g. 10), got {self.candidates!r}")

    def probabilities(self, residual: np.ndarray) -> np.ndarray:
        """p over candidates (M,) from their residuals (M,) or (M, k) (norm over components)."""
        r = np.abs(np.asarray(residual, np.float64)).reshape(len(residual), -1)
        size = np.linalg.norm(r, axis=1) ** self.k
        size = np.where(np.isfinite(size), size, 0.0)
        mean = size.mean()
        density = (size / mean if mean > 0 else np.zeros_like(size)) + self.c
        if not density.sum() > 0:  # k > 0, c = 0 and a zero residual everywhere: uniform
            density = np.ones_like(size)
        return density / density.sum()

    def choose(self, rng: np.random.Generator, residual: np.ndarray, n: int) -> np.ndarray:
        """Indices of ``n`` distinct candidates drawn with :meth:`probabilities`."""
        p = self.probabilities(residual)
        n_positive = int(np.count_nonzero(p))
        return rng.choice(len(p), size=n, replace=n > n_positive, p=p)
