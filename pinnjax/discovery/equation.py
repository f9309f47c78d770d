"""What a discovery returns: the :class:`Equation` (or, for several fields, the
:class:`System` of one equation per field) and the :class:`DiscoveryResult`."""

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


@dataclasses.dataclass(frozen=True)
class System:
    """One :class:`Equation` per field over the same library. Read like one equation over
    the F·K labels ``"lhs:term"`` (``terms``, ``coefficients``, ``mask``, ``active()``, the
    order of a discovery's regression); prints one line per equation."""

    equations: tuple[Equation, ...]

    @property
    def lhs(self) -> str:
        """The left-hand sides, comma-separated (``"u_t, v_t"``)."""
        return ", ".join(e.lhs for e in self.equations)

    @property
    def terms(self) -> tuple[str, ...]:
        return tuple(f"{e.lhs}:{t}" for e in self.equations for t in e.terms)

    @property
    def coefficients(self) -> np.ndarray:
        return np.concatenate([e.coefficients for e in self.equations])

    @property
    def mask(self) -> np.ndarray:
        return self.coefficients != 0

    def active(self) -> dict[str, float]:
        return {f"{e.lhs}:{t}": c for e in self.equations for t, c in e.active().items()}

    def __getitem__(self, lhs: str) -> Equation:
        """The equation of ``lhs`` (e.g. ``system["v_t"]``)."""
        for e in self.equations:
            if e.lhs == lhs:
                return e
        raise KeyError(f"no equation for {lhs!r}; the system has {[e.lhs for e in self.equations]}")

    def __str__(self) -> str:
        return "\n".join(map(str, self.equations))


@dataclasses.dataclass
class DiscoveryResult:
    """The equation (a :class:`System` for several fields), how often each term was selected
    under bootstrap resampling (``frequencies``: {term: fraction}; a system's terms are its
    ``"lhs:term"`` labels), the selection rounds, the final training result,
    and the library values the first selection read (``selection_data``: Θ (N, K), lhs (N,);
    with ``weak_form`` one row per test function and trajectory),
    to try other selectors or thresholds on without retraining. ``checks``: whether the
    equation explains the data (see :func:`consistency`)."""

    equation: Equation | System
    frequencies: dict[str, float]
    rounds: list
    result: object
    selection_data: tuple = ()
    checks: dict = dataclasses.field(default_factory=dict)

    def per_equation(self) -> list[dict]:
        """One entry per equation (one for a single field): its lhs, its text, the kept
        coefficients with their 95 % intervals (from ``checks``) and every term's selection
        frequency, by the library's plain term names."""
        system = isinstance(self.equation, System)
        evidence = {t["term"]: t for t in self.checks.get("terms", ())}
        out = []
        for eq in self.equation.equations if system else (self.equation,):
            label = (lambda t, lhs=eq.lhs: f"{lhs}:{t}") if system else (lambda t: t)
            out.append({"lhs": eq.lhs, "equation": str(eq), "coefficients": eq.active(),
                        "intervals": {t: evidence[label(t)]["interval"] for t in eq.active() if label(t) in evidence},
                        "frequencies": {t: self.frequencies[label(t)] for t in eq.terms
                                        if label(t) in self.frequencies}})
        return out
