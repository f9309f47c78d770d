"""Candidate libraries for PDE discovery: named terms as text expressions.

A library is an ordered tuple of unique term texts (``"u*u_x"``, ``"u_xx"``, ``"1"``).
Libraries combine: ``a + b`` concatenates, ``a * b`` takes all pairwise products.

>>> lib = polynomial_library(["u"], ["x"], degree=2, order=2)
>>> lib.terms
('1', 'u', 'u**2', 'u_x', 'u*u_x', 'u**2*u_x', 'u_xx', 'u*u_xx', 'u**2*u_xx')
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence


def _product(a: str, b: str) -> str:
    if a == "1":
        return b
    if b == "1":
        return a
    return f"{a}*{b}"


@dataclasses.dataclass(frozen=True)
class Library:
    """Ordered, duplicate-free candidate terms; each is a text expression."""

    terms: tuple[str, ...]

    def __post_init__(self):
        terms = tuple(dict.fromkeys(str(t).strip() for t in self.terms))
        if not terms or any(not t for t in terms):
            raise ValueError(f"a library needs at least one non-empty term, got {self.terms!r}")
        object.__setattr__(self, "terms", terms)

    def __add__(self, other: Library) -> Library:
        return Library(self.terms + other.terms)

    def __mul__(self, other: Library) -> Library:
        return Library(tuple(_product(a, b) for b in other.terms for a in self.terms))

    def __len__(self) -> int:
        return len(self.terms)


def _monomials(fields: Sequence[str], degree: int) -> list[str]:
    """1, then every product of field powers of total degree 1..degree."""
    out = ["1"]
    for total in range(1, degree + 1):
        exps = [e for e in itertools.product(range(total, -1, -1), repeat=len(fields)) if sum(e) == total]
        for e in exps:
            out.append("*".join(f if k == 1 else f"{f}**{k}" for f, k in zip(fields, e) if k))
    return out


def polynomial_library(fields: Sequence[str], spatial: Sequence[str], degree: int = 2, order: int = 3) -> Library:
    """Products of field powers up to total ``degree`` with one spatial derivative of
    each field up to ``order`` (or none): 1, u, u², u_x, u·u_x, u²·u_x, u_xx, …"""
    if degree < 0 or order < 0:
        raise ValueError(f"degree and order must be >= 0, got degree={degree}, order={order}")
    monomials = _monomials(fields, degree)
    derivatives = ["1"] + [f"{f}_{c * k}" for k in range(1, order + 1) for c in spatial for f in fields]
    return Library(tuple(_product(m, d) for d in derivatives for m in monomials))
