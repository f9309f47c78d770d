"""Derivatives by name: the engine computes exactly the derivatives a residual asks for.

A *point function* ``f(x: (d,)) -> (m,)`` maps one point's coordinates to the values of
all m fields. :func:`derivative_function` turns it into a function
``x: (d,) -> {name: scalar}`` computing the requested field derivatives, and
:func:`evaluate_derivatives` applies that over a batch ``(N, d) -> {name: (N,)}``.

Three mechanisms are available (``method=``):

- ``"forward"``: nested forward mode, one ``jax.jvp`` per differentiation.
- ``"taylor"``: Taylor mode (``jax.experimental.jet``) along the axis a derivative
  differentiates most often, which yields every order along that axis in one pass;
  the remaining axes (mixed derivatives) are nested ``jax.jvp`` around it.
- ``"reverse"``: nested ``jax.grad`` (the textbook approach, kept as a baseline).

Every distinct multi-index is computed once for all fields; requests that share a
Taylor pass share it. ``experiments/derivative_modes.py`` measures the three; the
default (``DEFAULT_METHOD``) is the fastest there.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp
from jax.experimental import jet

from .names import DerivativeName

PointFunction = Callable[[jax.Array], jax.Array]
METHODS = ("forward", "taylor", "reverse")
DEFAULT_METHOD = "taylor"


def _unit(x: jax.Array, axis: int) -> jax.Array:
    # Built from the shape only, so under vmap the direction stays one unbatched
    # constant and the first layer's tangent W @ e is computed once, not per point.
    return jnp.zeros(x.shape, x.dtype).at[axis].set(1.0)


def _jvp_along(g: PointFunction, axis: int) -> PointFunction:
    """x -> d g(x) / d x_axis, by forward mode."""

    def dg(x):
        return jax.jvp(g, (x,), (_unit(x, axis),))[1]

    return dg


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


def _plan_taylor(multi_indices: set[tuple[int, ...]]) -> dict:
    """Group multi-indices into Taylor passes.

    Each multi-index is split into a Taylor axis (the one it differentiates most often)
    with its count k, and the remaining axes. Returns
    ``{(remaining_axes, taylor_axis): max_k}``; the pass for a key yields all orders up
    to max_k at once.
    """
    passes: dict = {}
    for idx in multi_indices:
        if not idx:
            continue
        counts = collections.Counter(idx)
        axis, k = max(counts.items(), key=lambda item: (item[1], -item[0]))
        remaining = list(idx)
        for _ in range(k):
            remaining.remove(axis)
        key = (tuple(remaining), axis)
        passes[key] = max(passes.get(key, 0), k)
    return passes


def _split_taylor(idx: tuple[int, ...]) -> tuple[tuple[int, ...], int, int]:
    counts = collections.Counter(idx)
    axis, k = max(counts.items(), key=lambda item: (item[1], -item[0]))
    remaining = list(idx)
    for _ in range(k):
        remaining.remove(axis)
    return tuple(remaining), axis, k


def derivative_function(
    f: PointFunction,
    requests: Sequence[DerivativeName],
    field_index: dict[str, int],
    method: str = DEFAULT_METHOD,
) -> Callable[[jax.Array], dict[str, jax.Array]]:
    """Build ``x: (d,) -> {request.name: scalar}`` for one point.

    ``f`` maps x (d,) to all fields (m,); ``field_index`` gives each field's output
    position.
    """
    if method not in METHODS:
        raise ValueError(
            f"derivative method {method!r} is not known; use one of {', '.join(METHODS)}"
        )
    multi_indices = {r.axes for r in requests}

    def point(x: jax.Array) -> dict[str, jax.Array]:
        values: dict[tuple[int, ...], jax.Array] = {}
        if method == "taylor":
            for (remaining, axis), order in _plan_taylor(multi_indices).items():
                series = _taylor_along(f, axis, order)
                if remaining:
                    stacked = lambda z, s=series: jnp.stack(s(z))  # noqa: E731
                    out = _nested(stacked, remaining, _jvp_along)(x)
                else:
                    out = series(x)
                for idx in multi_indices:
                    if idx and _split_taylor(idx)[:2] == (remaining, axis):
                        values[idx] = out[_split_taylor(idx)[2]]
            if () in multi_indices:
                values[()] = f(x)
        else:
            along = _jvp_along if method == "forward" else _grad_along
            for idx in multi_indices:
                values[idx] = _nested(f, idx, along)(x)
        return {r.name: values[r.axes][field_index[r.field]] for r in requests}

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
