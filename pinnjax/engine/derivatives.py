"""Derivatives by name: the engine computes exactly the derivatives a residual asks for.

A *point function* ``f(x: (d,)) -> (m,)`` maps one point's coordinates to the values of
all m fields. :func:`derivative_function` turns it into a function
``x: (d,) -> {name: scalar}`` computing the requested field derivatives, and
:func:`evaluate_derivatives` applies that over a batch ``(N, d) -> {name: (N,)}``.

Four mechanisms are available (``method=``):

- ``"forward"``: nested forward mode, one ``jax.jvp`` per differentiation.
- ``"collapsed"``: every derivative in one pass of truncated multivariate Taylor series
  through the network's jaxpr (:mod:`.collapsed`); nested ``jvp`` for a function using a
  primitive it has no rule for.
- ``"taylor"``: Taylor mode (``jax.experimental.jet``) along the axis a derivative
  differentiates most often, which yields every order along that axis in one pass;
  the remaining axes (mixed derivatives) are nested ``jax.jvp`` around it.
- ``"reverse"``: nested ``jax.grad`` (the textbook approach, kept as a baseline).

Every distinct multi-index is computed once for all fields, and requests that lie on
one nested pass share it. On the training-step benchmark (``experiments/speed_burgers.py``,
2,780 points) the collapsed mode is the fastest: 1.25x a hand-written nested-jvp step on
Burgers and 1.60x on Kuramoto–Sivashinsky, where nested forward mode is 0.65x; so it is the
default (``DEFAULT_METHOD``). ``experiments/derivative_modes.py`` compares forward, Taylor
and reverse mode on single derivatives.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp
from jax.experimental import jet

from ..problem.names import MAX_ORDER, DerivativeName
from .collapsed import Unsupported, taylor_coefficients
from .series import Basis

PointFunction = Callable[[jax.Array], jax.Array]
METHODS = ("forward", "collapsed", "taylor", "reverse")
DEFAULT_METHOD = "collapsed"


def _unit(x: jax.Array, axis: int) -> jax.Array:
    # Built from the shape only, so under vmap the direction stays one unbatched
    # constant and the first layer's tangent W @ e is computed once, not per point.
    return jnp.zeros(x.shape, x.dtype).at[axis].set(1.0)


def _grad_along(g: PointFunction, axis: int) -> PointFunction:
    """x -> d g(x) / d x_axis, by reverse mode (one vjp per output component)."""

    def dg(x):
        return jax.jacrev(g)(x)[..., axis]

    return dg


def _taylor_along(g: PointFunction, axis: int, order: int) -> Callable[[jax.Array], list]:
    """x -> [g, d g/dx_a, ..., d^order g/dx_a^order] in one Taylor-mode pass."""

    def series(x):
        direction = _unit(x, axis)
        terms = (direction,) + (jnp.zeros(x.shape, x.dtype),) * (order - 1)
        primal, coefficients = jet.jet(g, (x,), (terms,))
        return [primal, *coefficients]

    return series


def _nested(g: PointFunction, axes: Sequence[int], along) -> PointFunction:
    for axis in axes:
        g = along(g, axis)
    return g


def _nested_tree(g: Callable, axes: tuple[int, ...]) -> Callable:
    """x -> nested (primal, tangent) pairs, one level per axis (outermost = last axis)."""
    for axis in axes:
        g = (lambda inner, a: lambda x: jax.jvp(inner, (x,), (_unit(x, a),)))(g, axis)
    return g


def _flatten(out, axes: tuple[int, ...], base: tuple[int, ...] = ()):
    """Yield (multi-index, value) for every leaf of a :func:`_nested_tree` output.

    The output for axes (a1, ..., ak) is (primal, tangent) along ak, each the output
    for (a1, ..., a(k-1)); the tangent branch carries one more ak.
    """
    if not axes:
        yield tuple(sorted(base)), out
        return
    primal, tangent = out
    yield from _flatten(primal, axes[:-1], base)
    yield from _flatten(tangent, axes[:-1], base + (axes[-1],))


def _is_sub_multiset(small: tuple[int, ...], big: tuple[int, ...]) -> bool:
    need, have = collections.Counter(small), collections.Counter(big)
    return all(have[a] >= k for a, k in need.items())


def _split_taylor(idx: tuple[int, ...]) -> tuple[tuple[int, ...], int, int]:
    """(remaining axes, Taylor axis, its count): the Taylor axis is the most repeated."""
    counts = collections.Counter(idx)
    axis, k = max(counts.items(), key=lambda item: (item[1], -item[0]))
    return tuple(a for a in idx if a != axis), axis, k


def _taylor_covers(idx: tuple[int, ...], chain: tuple[int, ...]) -> bool:
    """A Taylor chain yields a^j × (sub-multiset of the remaining axes), j <= k."""
    if not chain:
        return not idx
    remaining, axis, k = _split_taylor(chain)
    rest = tuple(a for a in idx if a != axis)
    return idx.count(axis) <= k and _is_sub_multiset(rest, remaining)


def plan_chains(multi_indices, covers) -> list[tuple[int, ...]]:
    """Few chains (highest order first) such that every multi-index is covered."""
    chains: list[tuple[int, ...]] = []
    for idx in sorted(multi_indices, key=lambda i: (-len(i), i)):
        if not any(covers(idx, c) for c in chains):
            chains.append(idx)
    return chains


def _chain_values(f: PointFunction, chain: tuple[int, ...], method: str):
    """x -> {multi-index: (m,)} for every derivative one chain yields."""
    if method == "forward" or not chain:
        tree = _nested_tree(f, chain)
        return lambda x: dict(_flatten(tree(x), chain))
    remaining, axis, k = _split_taylor(chain)
    series = _taylor_along(f, axis, k)
    tree = _nested_tree(lambda z: jnp.stack(series(z)), remaining)

    def values(x):
        out = {}
        for sub, stacked in _flatten(tree(x), remaining):
            for order in range(k + 1):
                out.setdefault(tuple(sorted(sub + (axis,) * order)), stacked[order])
        return out

    return values


def derivative_function(
    f: PointFunction,
    requests: Sequence[DerivativeName],
    field_index: dict[str, int],
    method: str = DEFAULT_METHOD,
) -> Callable[[jax.Array], dict[str, jax.Array]]:
    """Build ``x: (d,) -> {request.name: scalar}`` for one point.

    ``f`` maps x (d,) to all fields (m,); ``field_index`` gives each field's output
    position. Forward and Taylor requests are covered by a few *chains* (nested
    differentiations); a chain yields every derivative along a sub-multiset of its
    axes, so ``u``, ``u_x`` and ``u_xx`` come from one nested pass.
    """
    if method not in METHODS:
        raise ValueError(
            f"derivative method {method!r} is not known; use one of {', '.join(METHODS)}"
        )
    too_high = [r.name for r in requests if r.order > MAX_ORDER]
    if too_high:
        raise ValueError(f"derivative(s) {', '.join(too_high)} exceed order {MAX_ORDER}, the highest computed")
    multi_indices = {r.axes for r in requests}

    def pick(values):
        return {r.name: values[r.axes][field_index[r.field]] for r in requests}

    if method == "reverse":
        return lambda x: pick({i: _nested(f, i, _grad_along)(x) for i in multi_indices})
    if method == "collapsed":
        return _collapsed(f, multi_indices, pick, _chained(f, multi_indices, "forward", pick))
    return _chained(f, multi_indices, method, pick)


def _chained(f: PointFunction, multi_indices, method: str, pick):
    """Forward / Taylor requests covered by few nested chains."""
    covers = _is_sub_multiset if method == "forward" else _taylor_covers
    chains = plan_chains(multi_indices, covers)

    def point(x: jax.Array) -> dict[str, jax.Array]:
        values: dict[tuple[int, ...], jax.Array] = {}
        for chain in chains:
            for idx, v in _chain_values(f, chain, method)(x).items():
                values.setdefault(idx, v)
        return pick(values)

    return point


def _collapsed(f: PointFunction, multi_indices, pick, fallback):
    """Every derivative from one collapsed Taylor pass; nested jvp where a primitive has no rule."""
    basis = Basis(multi_indices)

    def point(x: jax.Array) -> dict[str, jax.Array]:
        try:
            coefficients = taylor_coefficients(f, x, basis)
        except Unsupported:
            return fallback(x)
        return pick({i: basis.factorial(i) * coefficients[basis.position[i]] for i in multi_indices})

    return point


def evaluate_derivatives(
    f: PointFunction,
    points: jax.Array,
    requests: Sequence[DerivativeName],
    field_index: dict[str, int],
    method: str = DEFAULT_METHOD,
) -> dict[str, jax.Array]:
    """Derivatives at a batch: points (N, d) -> {name: (N,)}."""
    return jax.vmap(derivative_function(f, requests, field_index, method))(points)
