"""Weak-form integrals of library terms with their derivatives moved onto the test function.

For a term ``θ = g · ∂^α f`` (``f`` a field, ``g`` a product of powers of fields and their
derivatives) and a test function φ that vanishes with its derivatives at its support's edge,
integration by parts gives, for any ``β ≤ α``,

    ∫ φ g ∂^α f = (-1)^|β| Σ_{γ ≤ β} C(β, γ) ∫ ∂^γ φ · ∂^(β-γ) g · ∂^(α-β) f.

Mathematically every ``β`` gives the same number; numerically they differ a lot. A network
fitted to noisy data wiggles at small scales, its 4th derivative amplifies the wiggles by k⁴,
and a quadrature grid of a few points per test-function width aliases them: on KS at 10%
noise the integrals of the network's own ``u_xxxx`` came out near zero while ``∫ φ_xxxx u``
on the same network is within 4% of the clean value. So linear terms (``g`` constant) move
every derivative onto φ (``β = α``), and products split them (``β = ⌊α/2⌋``, so ``u·u_x``
stays as it is), so the network is sampled to at most about half the term's derivative order.

A *plan* maps each test-function derivative ``γ`` (one order per coordinate) to a
polynomial in named network derivatives: ``{monomial: coefficient}``, a monomial being a
sorted tuple of ``(derivative name, power)``. Terms that are not such products (``sin(u)``,
``x*u_x``) get no plan; the weak form integrates their values as they are.
"""

from __future__ import annotations

import ast
import itertools
import math
from collections.abc import Sequence

import numpy as np

from ..problem.names import canonical_name, parse_derivative_name

Monomial = tuple[tuple[str, int], ...]
Plan = dict[tuple[int, ...], dict[Monomial, float]]

def _monomial(factors: dict[str, int]) -> Monomial:
    return tuple(sorted((n, p) for n, p in factors.items() if p))


def _multiply(a: tuple[float, dict] | None, b: tuple[float, dict] | None) -> tuple[float, dict] | None:
    if a is None or b is None:
        return None
    factors = dict(a[1])
    for name, power in b[1].items():
        factors[name] = factors.get(name, 0) + power
    return a[0] * b[0], factors


def _product_of(node: ast.AST, fields, coordinates) -> tuple[float, dict] | None:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return float(node.value), {}
    if isinstance(node, ast.Name):
        d = parse_derivative_name(node.id, fields, coordinates)
        return None if d is None else (1.0, {canonical_name(d.field, d.axes, coordinates): 1})
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        return _multiply(_product_of(node.left, fields, coordinates), _product_of(node.right, fields, coordinates))
    if (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow) and isinstance(node.right, ast.Constant)
            and type(node.right.value) is int and node.right.value >= 1 and isinstance(node.left, ast.Name)):
        base = _product_of(node.left, fields, coordinates)
        return None if base is None else (1.0, {name: node.right.value for name in base[1]})
    return None


def parse_product(text: str, fields: Sequence[str], coordinates: Sequence[str]) -> tuple[float, dict] | None:
    """``"2*u**2*u_xxx"`` -> (2.0, {"u": 2, "u_xxx": 1}); None unless ``text`` is a product
    of numbers and (positive integer powers of) fields and their derivatives."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        return None
    return _product_of(tree.body, fields, coordinates)


def _differentiate(poly: dict[Monomial, float], axis: int, fields, coordinates) -> dict[Monomial, float]:
    """∂/∂(coordinate ``axis``) of a polynomial in named derivatives (product rule)."""
    out: dict[Monomial, float] = {}
    for mono, c in poly.items():
        for name, power in mono:
            d = parse_derivative_name(name, fields, coordinates)
            factors = dict(mono)
            factors[name] -= 1
            up = canonical_name(d.field, d.axes + (axis,), coordinates)
            factors[up] = factors.get(up, 0) + 1
            key = _monomial(factors)
            out[key] = out.get(key, 0.0) + c * power
    return {m: c for m, c in out.items() if c != 0.0}


def _counts(axes: Sequence[int], n: int) -> tuple[int, ...]:
    return tuple(sum(a == k for a in axes) for k in range(n))


def plan_term(text: str, fields: Sequence[str], coordinates: Sequence[str]) -> Plan | None:
    """The by-parts plan of a library term (see the module docstring); None if it has none."""
    parsed = parse_product(text, fields, coordinates)
    if parsed is None:
        return None
    coef, factors = parsed
    n = len(coordinates)
    zero = (0,) * n
    derived = [(d.order, k, d) for k, p in factors.items() if p == 1
               for d in [parse_derivative_name(k, fields, coordinates)] if d.order > 0]
    if not derived:
        return {zero: {_monomial(factors): coef}}
    _, top, d = max(derived, key=lambda item: item[:2])
    alpha = _counts(d.axes, n)
    rest = {k: p for k, p in factors.items() if k != top}
    beta = alpha if not rest else tuple(a // 2 for a in alpha)
    kept = canonical_name(d.field, [k for k in range(n) for _ in range(alpha[k] - beta[k])], coordinates)
    sign = (-1.0) ** sum(beta)
    plan: Plan = {}
    for gamma in itertools.product(*(range(b + 1) for b in beta)):
        g = {_monomial(rest): coef * sign * math.prod(math.comb(b, c) for b, c in zip(beta, gamma))}
        for k in range(n):
            for _ in range(beta[k] - gamma[k]):
                g = _differentiate(g, k, fields, coordinates)
        if not g:  # a derivative of a constant
            continue
        poly = plan.setdefault(tuple(gamma), {})
        for mono, c in g.items():
            factors_k = dict(mono)
            factors_k[kept] = factors_k.get(kept, 0) + 1
            key = _monomial(factors_k)
            poly[key] = poly.get(key, 0.0) + c
    return plan


def plan_names(plans: Sequence[Plan | None]) -> list[str]:
    """Every derivative name the plans sample, sorted."""
    return sorted({n for p in plans if p for poly in p.values() for mono in poly for n, _ in mono})


def evaluate_plan(plan: Plan, values: dict[str, np.ndarray], project) -> np.ndarray:
    """Σ_γ ``project(F_γ, γ)`` with F_γ the plan's polynomial at the grid (``values``:
    {name: (G,)}); ``project(values (G,), orders) -> (M,)``."""
    shape = next(iter(values.values())).shape  # constants ("1") broadcast to the grid
    parts = []
    for gamma, poly in plan.items():
        f = sum(c * math.prod(values[n] ** p for n, p in mono) for mono, c in poly.items())
        parts.append(project(np.broadcast_to(f, shape), gamma))
    return sum(parts[1:], parts[0])
