"""What a discovery returns: the :class:`Equation` and the :class:`DiscoveryResult`."""

from __future__ import annotations

import dataclasses

import numpy as np


@dataclasses.dataclass(frozen=True)
class Equation:
    """``lhs = Σ coefficients[k] · terms[k]`` over the nonzero coefficients."""

    lhs: str
    terms: tuple[str, ...]
    coefficients: np.ndarray

    @property
    def mask(self) -> np.ndarray:
        return self.coefficients != 0

    def active(self) -> dict[str, float]:
        return {t: float(c) for t, c in zip(self.terms, self.coefficients) if c != 0}

    def __str__(self) -> str:
        parts = []
        for term, c in self.active().items():
            sign = "-" if c < 0 else "+"
            body = f"{abs(c):.5g}" if term == "1" else f"{abs(c):.5g} {term}"
            parts.append(f"{sign} {body}")
        rhs = " ".join(parts).lstrip("+ ") if parts else "0"
        if rhs.startswith("- "):
            rhs = "-" + rhs[2:]
        return f"{self.lhs} = {rhs}"


@dataclasses.dataclass
class DiscoveryResult:
    """The equation, how often each term was selected under bootstrap resampling
    (``frequencies``: {term: fraction}), the selection rounds, the final training result,
    and the library values the first selection read (``selection_data``: Θ (N, K), lhs (N,);
    with ``weak_form`` one row per test function and trajectory),
    to try other selectors or thresholds on without retraining. ``checks``: whether the
    equation explains the data (see :func:`consistency`)."""

    equation: Equation
    frequencies: dict[str, float]
    rounds: list
    result: object
    selection_data: tuple = ()
    checks: dict = dataclasses.field(default_factory=dict)
