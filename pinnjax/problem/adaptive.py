"""Residual-based adaptive sampling (Wu, Zhu, Tan, Kartha & Lu 2023, "A comprehensive
study of non-adaptive and residual-based adaptive sampling for PINNs").

At each resampling round (``resample_every`` steps) new points of a term are drawn from
``candidates`` × n fresh candidates of its domain part, with probability

    p(x) ∝ |r(x)|^k / mean(|r|^k) + c

where r is the term's residual at the current parameters: ``k`` sharpens the preference
for large residuals, ``c`` keeps a uniform share (c → ∞ is plain uniform resampling).
Two strategies share this density and differ in how many points they replace:

- :class:`RAD` (residual-based adaptive distribution) replaces all n points; the
  paper's default k = 1, c = 1 worked well across its problems.
- :class:`RARD` (residual-based adaptive refinement with distribution) keeps the term's
  current points and replaces only the fraction ``replace`` with the smallest residual
  (the points the network already fits) by new points drawn with the density (defaults
  k = 2, c = 0, as in the paper). The paper's RAR-D *adds* points; here they replace the
  least useful ones so that the number of points, and so the compiled step, stays fixed.
  Kept points stay at their rows (with their per-point weights, if the term has any).

The number of points does not change; the draws come from the run's random stream, so a
resumed run draws the same points.
"""

from __future__ import annotations

import abc
import dataclasses
import numbers
import typing

import numpy as np


def _check(owner: str, name: str, value, ok: bool, want: str) -> None:
    if isinstance(value, bool) or not ok:
        raise ValueError(f"{owner}.{name} must be {want}, got {value!r}")


@dataclasses.dataclass(frozen=True)
class AbstractAdaptive(abc.ABC):
    """The residual density shared by the strategies (see the module docstring); a
    subclass says how many of a term's n points a round replaces (:meth:`replaced`)."""

    k: float
    c: float
    candidates: int

    def __post_init__(self):
        owner = type(self).__name__
        for name in ("k", "c"):
            value = getattr(self, name)
            _check(owner, name, value, isinstance(value, numbers.Real) and 0 <= value <= 1e3,
                   f"a number in [0, 1000] (e.g. {name}={getattr(type(self), name)})")
        _check(owner, "candidates", self.candidates,
               isinstance(self.candidates, numbers.Integral) and 1 <= self.candidates <= 1000,
               "an integer in [1, 1000] (candidates per point drawn, e.g. 10)")

    @abc.abstractmethod
    def replaced(self, n: int) -> int:
        """How many of a term's ``n`` points one round replaces (1..n)."""

    def probabilities(self, residual: np.ndarray) -> np.ndarray:
        """p over candidates (M,) from their residuals (M,) or (M, k) (norm over components)."""
        size = residual_sizes(residual) ** self.k
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

    def lowest(self, residual: np.ndarray, n: int) -> np.ndarray:
        """Rows of the ``replaced(n)`` current points with the smallest residual (M,) or (M, k),
        sorted (a non-finite residual counts as large: that point is kept)."""
        size = residual_sizes(residual)
        size = np.where(np.isfinite(size), size, np.inf)
        return np.sort(np.argsort(size, kind="stable")[: self.replaced(n)])


def residual_sizes(residual: np.ndarray) -> np.ndarray:
    """|r| per point (M,): the norm over components of a residual (M,) or (M, k)."""
    r = np.abs(np.asarray(residual, np.float64)).reshape(len(residual), -1)
    return np.linalg.norm(r, axis=1)


@typing.final
@dataclasses.dataclass(frozen=True)
class RAD(AbstractAdaptive):
    """Residual-based adaptive distribution: every round redraws all of a term's points
    (see the module docstring)."""

    k: float = 1.0
    c: float = 1.0
    candidates: int = 10

    def replaced(self, n: int) -> int:
        return n


@typing.final
@dataclasses.dataclass(frozen=True)
class RARD(AbstractAdaptive):
    """Residual-based adaptive refinement with distribution: every round replaces the
    fraction ``replace`` of a term's points with the smallest residual (see the module
    docstring)."""

    k: float = 2.0
    c: float = 0.0
    candidates: int = 10
    replace: float = 0.1

    def __post_init__(self):
        super().__post_init__()
        _check("RARD", "replace", self.replace, isinstance(self.replace, numbers.Real) and 0 < self.replace <= 1,
               "a fraction in (0, 1] of the term's points replaced per round (e.g. replace=0.1)")

    def replaced(self, n: int) -> int:
        return min(n, max(1, round(self.replace * n)))
