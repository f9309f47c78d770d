"""Collapsed Taylor mode: every requested derivative in one pass through the network.

Nested ``jvp`` differentiates once per nesting level, recomputing the value and the
lower orders inside every level: a 4th derivative along x costs 2^4 = 16 passes through
the network. Here the point function's jaxpr is interpreted on truncated multivariate
Taylor series (:mod:`.series`): each x-dependent quantity carries the stack of all the
coefficients the requested derivatives need (for Burgers: value, ∂t, ∂x, ∂xx/2; for
Kuramoto–Sivashinsky: value, ∂t, and four orders in x), each computed once, and an
activation combines them by the chain rule on the coefficients. Quantities that do not depend on x (weights, biases) are
computed once, as usual; the parameter gradient is ordinary reverse mode through this.

Linear primitives (matrix products, sums, reshapes, concatenation, ...) act on each
coefficient (one product per coefficient: stacking them into one larger product measured
slower on CPU, the copies in and out cost more than the product saves); products and smooth elementwise functions follow
:class:`.series.Basis`. A primitive with no rule here raises :class:`Unsupported`, and
the caller falls back to nested forward mode for that function (e.g. a user transform
built from an exotic primitive).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax.extend import core

from . import series as S
from .series import Basis

SCALING = {
    "neg", "reduce_sum", "broadcast_in_dim", "reshape", "slice", "squeeze", "expand_dims",
    "transpose", "convert_element_type", "copy", "copy_p", "dot_general", "cumsum", "rev",
    "reduce_precision", "real", "stop_gradient", "mul", "div", "gather", "dynamic_slice", "split",
}
"""Primitives linear in their one x-dependent operand, the others (weights, indices) kept."""
STACKING = {"concatenate": None, "stack": None, "select_n": 0, "pad": None}
"""Primitives that place x-dependent and constant values side by side: a constant's higher
coefficients are zero (the value is the predicate's index that stays, else None)."""

UNARY = {
    "tanh": S.tanh_derivatives, "logistic": S.logistic_derivatives, "sin": S.sin_derivatives,
    "cos": S.cos_derivatives, "exp": S.exp_derivatives,
}
SMOOTH = {"log", "log1p", "expm1", "sqrt", "rsqrt", "integer_pow", "pow", "erf", "atan", "sinh",
          "cosh", "asinh", "atanh", "tan", "exp2", "cbrt", "square", "erf_inv", "lgamma", "digamma"}
"""Smooth elementwise primitives of one x-dependent operand, differentiated by nested jvp."""

CALLS = {"pjit": "jaxpr", "jit": "jaxpr", "closed_call": "call_jaxpr", "core_call": "call_jaxpr",
         "custom_jvp_call": "call_jaxpr", "custom_vjp_call": "call_jaxpr",
         "custom_vjp_call_jaxpr": "fun_jaxpr", "remat": "jaxpr", "checkpoint": "jaxpr"}


class Unsupported(Exception):
    """A primitive without a collapsed-mode rule, applied to an x-dependent value."""


class _Series:
    """An x-dependent value: its Taylor coefficients, one array per basis index (None = 0)."""

    __slots__ = ("rows",)

    def __init__(self, rows: list):
        self.rows = rows


def _rows_of(args, k: int, zero_constants: bool):
    """Operands for coefficient k: a series' row k; constants as they are, or zero."""
    out = []
    for a in args:
        if isinstance(a, _Series):
            out.append(a.rows[k])
        else:
            out.append(jnp.zeros_like(a) if zero_constants and k else a)
    return out


def _rowwise(prim, params, args, zero_constants: bool, keep: int | None = None) -> _Series:
    rows = []
    for k in range(len(next(a for a in args if isinstance(a, _Series)).rows)):
        ops = _rows_of(args, k, zero_constants)
        if keep is not None:
            ops[keep] = args[keep].rows[0] if isinstance(args[keep], _Series) else args[keep]
        series_ops = [o for a, o in zip(args, ops) if isinstance(a, _Series)]
        if k and all(o is None for o in series_ops):
            rows.append(None)
            continue
        ops = [jnp.zeros_like(a.rows[0]) if o is None else o for a, o in zip(args, ops)]
        rows.append(prim.bind(*ops, **params))
    if prim.multiple_results:  # one series per output
        return [_Series([None if r is None else r[i] for r in rows]) for i in range(len(rows[0]))]
    return _Series(rows)


def _scaling(prim, params, args):
    if sum(isinstance(a, _Series) for a in args) != 1:
        raise Unsupported(f"{prim.name} of several x-dependent values")
    if prim.name == "div" and isinstance(args[1], _Series):
        raise Unsupported("division by an x-dependent value")
    if prim.name in ("gather", "dynamic_slice") and not isinstance(args[0], _Series):
        raise Unsupported(f"{prim.name} with x-dependent indices")
    return _rowwise(prim, params, args, zero_constants=False)


def _stacking(prim, params, args):
    keep = STACKING[prim.name]
    if keep is not None and isinstance(args[keep], _Series):
        raise Unsupported(f"{prim.name} with an x-dependent predicate")
    return _rowwise(prim, params, args, zero_constants=True, keep=keep)


def _add(prim, args):
    a, b = args
    negate = prim.name == "sub"
    rows = []
    for k in range(len((a if isinstance(a, _Series) else b).rows)):
        ra = a.rows[k] if isinstance(a, _Series) else (a if k == 0 else None)
        rb = b.rows[k] if isinstance(b, _Series) else (b if k == 0 else None)
        if ra is None or rb is None:
            rows.append(ra if rb is None else (-rb if negate else rb))
        else:
            rows.append(prim.bind(ra, rb))
    shape = jnp.shape(rows[0])
    return _Series([r if r is None else jnp.broadcast_to(r, shape) for r in rows])


def _product(prim, params, args, basis):
    a, b = args
    if isinstance(a, _Series) and isinstance(b, _Series):
        return _Series(basis.product(a.rows, b.rows))
    return _scaling(prim, params, args)


def _quotient(prim, params, args, basis):
    a, b = args
    if not isinstance(b, _Series):
        return _scaling(prim, params, args)
    z = b.rows[0]
    recip = [(-1.0) ** j * math.factorial(j) / z ** (j + 1) for j in range(basis.degree + 1)]
    inverse = _Series(basis.compose(recip, b.rows))
    if not isinstance(a, _Series):
        return _Series([None if r is None else a * r for r in inverse.rows])
    return _Series(basis.product(a.rows, inverse.rows))


def _piecewise(prim, args):
    """max/min with one x-dependent operand, abs: the active branch's series."""
    if prim.name == "abs":
        (s,) = args
        sign = jnp.sign(s.rows[0])
        return _Series([jnp.abs(s.rows[0])] + [None if r is None else sign * r for r in s.rows[1:]])
    a, b = args
    if isinstance(a, _Series) and isinstance(b, _Series):
        raise Unsupported(f"{prim.name} of two x-dependent values")
    s, const = (a, b) if isinstance(a, _Series) else (b, a)
    keep = (s.rows[0] > const) if prim.name == "max" else (s.rows[0] < const)
    head = prim.bind(s.rows[0], const) if isinstance(a, _Series) else prim.bind(const, s.rows[0])
    return _Series([head] + [None if r is None else jnp.where(keep, r, 0.0) for r in s.rows[1:]])


def _unary(prim, params, args, basis: Basis) -> _Series:
    if len(args) != 1 and any(isinstance(a, _Series) for a in args[1:]):
        raise Unsupported(f"{prim.name} with an x-dependent exponent")
    s, z = args[0], args[0].rows[0]
    rest = args[1:]
    if prim.name in UNARY:
        derivatives = UNARY[prim.name](z, basis.degree)
    else:
        derivatives = S.nested_derivatives(lambda v: prim.bind(v, *rest, **params), z, basis.degree)
    return _Series(basis.compose(derivatives, s.rows))


def _apply(eqn, args, basis):
    prim, params = eqn.primitive, eqn.params
    if not any(isinstance(a, _Series) for a in args):
        return prim.bind(*args, **params)
    name = prim.name
    if name in CALLS and CALLS[name] in params:
        inner = params[CALLS[name]]
        closed = inner if hasattr(inner, "consts") else core.ClosedJaxpr(inner, ())
        out = interpret(closed, args, basis)
        return out if prim.multiple_results else out[0]
    if name in ("add", "sub", "add_any"):
        return _add(prim, args)
    if name == "mul":
        return _product(prim, params, args, basis)
    if name == "div":
        return _quotient(prim, params, args, basis)
    if name in ("max", "min", "abs"):
        return _piecewise(prim, args)
    if name in SCALING:
        return _scaling(prim, params, args)
    if name in STACKING:
        return _stacking(prim, params, args)
    if (name in UNARY or name in SMOOTH) and isinstance(args[0], _Series):
        return _unary(prim, params, args, basis)
    raise Unsupported(name)


def interpret(closed: core.ClosedJaxpr, args, basis: Basis):
    """Evaluate a closed jaxpr on a mix of plain values and :class:`_Series`."""
    env = {}

    def read(v):
        return v.val if isinstance(v, core.Literal) else env[v]

    for var, val in zip(closed.jaxpr.constvars, closed.consts):
        env[var] = val
    for var, val in zip(closed.jaxpr.invars, args):
        env[var] = val
    for eqn in closed.jaxpr.eqns:
        out = _apply(eqn, [read(v) for v in eqn.invars], basis)
        outs = out if eqn.primitive.multiple_results else [out]
        for var, val in zip(eqn.outvars, outs):
            env[var] = val
    return [read(v) for v in closed.jaxpr.outvars]


def taylor_coefficients(f, x: jax.Array, basis: Basis) -> list:
    """Coefficients of the point function ``f`` (d,) -> (m,) at x over ``basis``: one
    (m,) array per basis index, in its order.

    Raises :class:`Unsupported` when ``f`` uses a primitive with no rule here."""
    closed = jax.make_jaxpr(f)(x)
    outs = interpret(closed, [_Series(basis.variable(x, x.shape[0]))], basis)
    if len(outs) != 1:
        raise Unsupported("a point function with several outputs")
    (out,) = outs
    if not isinstance(out, _Series):
        return [out] + [jnp.zeros_like(out)] * (len(basis) - 1)
    return [jnp.zeros_like(out.rows[0]) if r is None else r for r in out.rows]
