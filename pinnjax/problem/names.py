"""Names of derivatives: ``u_xx`` means d²u/dx², ``v_xy`` means d²v/dxdy.

A derivative name is a field name, an underscore, and a sequence of coordinate names
(each coordinate once per differentiation). Coordinates may have several letters as long
as the split is unambiguous; single letters (x, y, z, t) are the common case.

The engine computes derivatives up to total order :data:`MAX_ORDER` (8): nested forward
mode differentiates once per order, and its work and compile time double with each order
(a derivative of order 8 is 256 nested passes), so higher orders are refused where they
are written (the expression parser, ``pinnjax validate``) rather than failing at ``run``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

MAX_ORDER = 8  # the highest total order of a derivative (u_xxxxxxxx, u_xxxxtttt)


@dataclasses.dataclass(frozen=True)
class DerivativeName:
    """A parsed derivative name.

    ``field`` is the field name and ``axes`` the coordinate indices, sorted, one per
    differentiation (``u_xt`` with coords ``("x", "t")`` gives ``axes=(0, 1)``).
    ``axes == ()`` means the field value itself.
    """

    name: str
    field: str
    axes: tuple[int, ...]

    @property
    def order(self) -> int:
        return len(self.axes)


def _split_coords(suffix: str, coordinates: Sequence[str]) -> tuple[int, ...] | None:
    """Split ``suffix`` into coordinate names; None when no split exists. The first
    coordinate (in order) that leaves a splittable rest is taken at each position.
    Without recursion, so a name of any length is split (or refused) in linear time."""
    n = len(suffix)
    splits = [False] * n + [True]  # splits[i]: suffix[i:] can be split
    for i in range(n - 1, -1, -1):
        splits[i] = any(suffix.startswith(c, i) and splits[i + len(c)] for c in coordinates if c)
    if not splits[0]:
        return None
    axes, i = [], 0
    while i < n:
        a = next(a for a, c in enumerate(coordinates) if c and suffix.startswith(c, i) and splits[i + len(c)])
        axes.append(a)
        i += len(coordinates[a])
    return tuple(axes)


def parse_derivative_name(
    name: str, fields: Sequence[str], coordinates: Sequence[str]
) -> DerivativeName | None:
    """Parse ``name`` as a field or a derivative of a field; None if it is neither.

    >>> parse_derivative_name("u_xt", ["u"], ["x", "t"]).axes
    (0, 1)
    >>> parse_derivative_name("u", ["u"], ["x"]).axes
    ()
    """
    if name in fields:
        return DerivativeName(name, name, ())
    for field in sorted(fields, key=len, reverse=True):
        prefix = field + "_"
        if name.startswith(prefix):
            axes = _split_coords(name[len(prefix):], coordinates)
            if axes is not None:
                return DerivativeName(name, field, tuple(sorted(axes)))
    return None


def canonical_name(field: str, axes: Sequence[int], coordinates: Sequence[str]) -> str:
    """The name of a derivative with sorted axes: ``canonical_name("u", (1, 0), ("x", "t"))
    == "u_xt"``."""
    if not axes:
        return field
    return field + "_" + "".join(coordinates[a] for a in sorted(axes))
