"""Truncated multivariate Taylor polynomials, the values the collapsed mode propagates.

A quantity q(x) near a point is stored as the stack ``c`` of its Taylor coefficients
``c[k] = ∂^α q / α!`` over a *basis* of multi-indices α (sorted tuples of axes, e.g.
``(0, 0)`` for ∂²/∂x_0²) closed under taking sub-multisets, with ``c[0]`` the value itself.
Linear maps act on every coefficient alike; products and smooth functions of one
argument follow the Cauchy product and the Taylor series of the function (Faà di Bruno in
coefficient form), truncated to the basis. A closed basis keeps truncation exact: the
coefficient at α only ever needs coefficients at sub-multisets of α.
"""

from __future__ import annotations

import collections
import itertools
import math
from collections.abc import Callable, Iterable

import jax
import jax.numpy as jnp
import numpy as np


def _sub_multisets(idx: tuple[int, ...]) -> set[tuple[int, ...]]:
    return {tuple(sorted(c)) for r in range(len(idx) + 1) for c in itertools.combinations(idx, r)}


def _minus(big: tuple[int, ...], small: tuple[int, ...]) -> tuple[int, ...]:
    rest = collections.Counter(big)
    rest.subtract(small)
    return tuple(sorted(rest.elements()))


class Basis:
    """The closed set of multi-indices that covers ``requests``, with product tables."""

    def __init__(self, requests: Iterable[tuple[int, ...]]):
        closed = set().union(*(_sub_multisets(tuple(sorted(r))) for r in requests), {()})
        self.indices: tuple[tuple[int, ...], ...] = tuple(sorted(closed, key=lambda i: (len(i), i)))
        self.position = {idx: k for k, idx in enumerate(self.indices)}
        self.degree = max(len(i) for i in self.indices)
        # pairs[k]: (i, j) with indices[i] + indices[j] == indices[k] (as multisets)
        self.pairs = tuple(
            tuple((self.position[s], self.position[_minus(idx, s)]) for s in sorted(_sub_multisets(idx)))
            for idx in self.indices)

    def __len__(self) -> int:
        return len(self.indices)

    def factorial(self, idx: tuple[int, ...]) -> int:
        """α! = Π (count of each axis)!: derivative = α! × coefficient."""
        return math.prod(math.factorial(k) for k in collections.Counter(idx).values())

    def variable(self, x: jax.Array, axis_count: int) -> list:
        """The input point x (d,) as a series: value x, first coefficients the unit vectors."""
        rows: list = [x] + [None] * (len(self) - 1)
        for a in range(axis_count):
            k = self.position.get((a,))
            if k is not None:  # from the shape only: under vmap it stays one unbatched constant
                rows[k] = jnp.zeros(x.shape, x.dtype).at[a].set(1.0)
        return rows

    def product(self, a: list, b: list) -> list:
        """Truncated product of two series (lists of rows, None = known zero)."""
        rows = []
        for pairs in self.pairs:
            terms = [a[i] * b[j] for i, j in pairs if a[i] is not None and b[j] is not None]
            rows.append(sum(terms[1:], terms[0]) if terms else None)
        return rows

    def compose(self, derivatives: list[jax.Array], c: list) -> list:
        """f(c) for a series c, given ``derivatives[j] = f^(j)(c[0])`` for j = 0..degree."""
        delta = [None] + list(c[1:])
        out = [derivatives[0]] + [None if r is None else derivatives[1] * r for r in delta[1:]]
        power = delta
        for j in range(2, self.degree + 1):
            power = self.product(power, delta)
            scale = derivatives[j] / math.factorial(j)
            out = [o if p is None else (scale * p if o is None else o + scale * p) for o, p in zip(out, power)]
        return out


# ---- derivatives of elementwise functions, f^(j)(z) for j = 0..n ----

def _polynomial_chain(value: jax.Array, grow: np.polynomial.Polynomial, n: int) -> list[jax.Array]:
    """f^(j) = P_j(f) with P_0 = id and P_{j+1} = grow · P_j' (tanh, logistic)."""
    p = np.polynomial.Polynomial([0.0, 1.0])
    out = []
    for _ in range(n + 1):
        out.append(jnp.polyval(jnp.asarray(p.coef[::-1], value.dtype), value))
        p = grow * p.deriv()
    return out


def tanh_derivatives(z: jax.Array, n: int) -> list[jax.Array]:
    return _polynomial_chain(jnp.tanh(z), np.polynomial.Polynomial([1.0, 0.0, -1.0]), n)


def logistic_derivatives(z: jax.Array, n: int) -> list[jax.Array]:
    return _polynomial_chain(jax.nn.sigmoid(z), np.polynomial.Polynomial([0.0, 1.0, -1.0]), n)


def sin_derivatives(z: jax.Array, n: int) -> list[jax.Array]:
    s, c = jnp.sin(z), jnp.cos(z)
    return [(s, c, -s, -c)[j % 4] for j in range(n + 1)]


def cos_derivatives(z: jax.Array, n: int) -> list[jax.Array]:
    s, c = jnp.sin(z), jnp.cos(z)
    return [(c, -s, -c, s)[j % 4] for j in range(n + 1)]


def exp_derivatives(z: jax.Array, n: int) -> list[jax.Array]:
    return [jnp.exp(z)] * (n + 1)


def nested_derivatives(f: Callable[[jax.Array], jax.Array], z: jax.Array, n: int) -> list[jax.Array]:
    """Any elementwise f: its derivatives by nested jvp along the all-ones direction."""
    out, g = [], f
    for _ in range(n + 1):
        out.append(g(z))
        g = (lambda h: lambda v: jax.jvp(h, (v,), (jnp.ones_like(v),))[1])(g)
    return out
