"""User residuals and values, Python functions or text, resolved into one form.

A :class:`Residual` reads named quantities (fields, derivatives, coordinates, constants,
coefficients) from a dict of arrays shaped (N,) and returns an array (N,) or (N, k).
Python functions declare what they read through their parameter names:

>>> r = as_residual(lambda u_t, u, u_x, nu: u_t + u * u_x - nu, Namespace(("u",), ("x", "t")))
>>> r.names
('u_t', 'u', 'u_x', 'nu')

Text is parsed by the safe parser in :mod:`pinnjax.expressions` (never ``eval``).
"""

from __future__ import annotations

import dataclasses
import difflib
import inspect
from collections.abc import Callable, Mapping

import jax
import jax.numpy as jnp

from .expressions import parse_expression
from .names import parse_derivative_name


@dataclasses.dataclass(frozen=True)
class Namespace:
    """What a residual may read: fields, coordinates, constants, coefficients, extras.

    ``extras`` are term-specific names such as normal derivatives ``u_n`` or normal
    components ``n_x`` on boundary terms.
    """

    fields: tuple[str, ...]
    coordinates: tuple[str, ...]
    constants: Mapping[str, float] = dataclasses.field(default_factory=dict)
    coefficients: tuple[str, ...] = ()
    extras: tuple[str, ...] = ()

    def with_extras(self, extras: tuple[str, ...]) -> "Namespace":
        return dataclasses.replace(self, extras=tuple(dict.fromkeys(self.extras + extras)))

    def knows(self, name: str) -> bool:
        return (
            name in self.coordinates
            or name in self.constants
            or name in self.coefficients
            or name in self.extras
            or parse_derivative_name(name, self.fields, self.coordinates) is not None
        )

    def describe(self) -> str:
        def show(items):
            return ", ".join(items) if items else "none"

        example = self.fields[0] if self.fields else "u"
        c0 = self.coordinates[0] if self.coordinates else "x"
        return (
            f"Known fields: {show(self.fields)} (derivatives like {example}_{c0}, "
            f"{example}_{c0}{c0}); coordinates: {show(self.coordinates)}; "
            f"constants: {show(self.constants)}; coefficients: {show(self.coefficients)}"
            + (f"; on this term also: {show(self.extras)}" if self.extras else "")
        )


@dataclasses.dataclass(frozen=True)
class Residual:
    """``names`` read from a values dict by ``fn``; ``fn(values) -> (N,) or (N, k)``."""

    names: tuple[str, ...]
    fn: Callable[[Mapping[str, jax.Array]], jax.Array]
    text: str


def _unknown_name_error(name: str, where: str, ns: Namespace) -> ValueError:
    candidates = list(ns.coordinates) + list(ns.constants) + list(ns.coefficients)
    candidates += list(ns.extras) + list(ns.fields)
    near = difflib.get_close_matches(name, candidates, n=1)
    hint = f" Did you mean {near[0]!r}?" if near else ""
    return ValueError(f"{where} reads unknown name {name!r}.{hint} {ns.describe()}")


def _from_callable(fn: Callable, ns: Namespace, where: str) -> Residual:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError) as err:
        raise TypeError(f"{where}: cannot read the parameter names of {fn!r}: {err}") from None
    names = []
    for p in params:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            raise TypeError(
                f"{where}: the function {getattr(fn, '__name__', fn)!r} takes *{p.name}; "
                "name each quantity it reads as a parameter instead, e.g. def pde(u_t, u, u_x): ..."
            )
        if not ns.knows(p.name):
            raise _unknown_name_error(p.name, where, ns)
        names.append(p.name)
    names = tuple(names)

    def call(values):
        return fn(**{n: values[n] for n in names})

    return Residual(names, call, getattr(fn, "__name__", repr(fn)))


def as_residual(spec, ns: Namespace, where: str = "residual") -> Residual:
    """Resolve a Python function, a text expression or a number into a Residual."""
    if isinstance(spec, Residual):
        return spec
    if isinstance(spec, str):
        expr = parse_expression(
            spec,
            fields=ns.fields,
            coordinates=ns.coordinates,
            constants=dict(ns.constants),
            parameters=tuple(ns.coefficients) + tuple(ns.extras),
        )
        return Residual(tuple(expr.names), expr, spec)
    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        value = float(spec)
        return Residual((), lambda values: jnp.asarray(value), repr(value))
    if callable(spec):
        return _from_callable(spec, ns, where)
    raise TypeError(
        f"{where} must be a text expression, a number or a Python function of named "
        f"quantities, got {type(spec).__name__}: {spec!r}"
    )


def coordinate_function(spec, ns: Namespace, where: str) -> Residual:
    """A value given as a function of coordinates (and constants) only, e.g. ``-sin(pi*x)``."""
    coords_only = Namespace((), ns.coordinates, ns.constants, ns.coefficients)
    return as_residual(spec, coords_only, where)
