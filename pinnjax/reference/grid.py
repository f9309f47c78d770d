"""Reference solutions on tensor-product grids.

A :class:`ReferenceSolution` holds ordered 1-D coordinate arrays and field arrays laid out
like ``numpy.meshgrid(*coords, indexing="ij")``: a field on coordinates ``{"x": (nx,),
"t": (nt,)}`` has shape ``(nx, nt)``. :meth:`ReferenceSolution.points` and
:meth:`ReferenceSolution.values` flatten grid and field the same way (C order), so the two
can be fed straight to an error metric.
"""

from __future__ import annotations

import dataclasses

import numpy as np


@dataclasses.dataclass(frozen=True, eq=False)
class ReferenceSolution:
    """Fields sampled on a tensor-product grid.

    ``coords``: ordered ``{name: (n_i,)}``. ``fields``: ``{name: (n_1, ..., n_d)}``
    (``indexing="ij"`` order). Values may be NaN at grid points outside a non-rectangular
    domain (see :meth:`finite`).
    """

    coords: dict[str, np.ndarray]
    fields: dict[str, np.ndarray]
    name: str = ""

    def __post_init__(self):
        # Private read-only copies: the caller's arrays are neither aliased nor frozen.
        coords = {str(k): np.array(v, dtype=np.float64) for k, v in self.coords.items()}
        if not coords:
            raise ValueError("ReferenceSolution needs at least one coordinate")
        for k, v in coords.items():
            if v.ndim != 1 or v.size == 0:
                raise ValueError(f"coordinate {k!r} must be a non-empty 1-D array, got shape {v.shape}")
        shape = tuple(v.size for v in coords.values())
        fields = {str(k): np.array(v, dtype=np.float64) for k, v in self.fields.items()}
        for k, v in fields.items():
            if v.shape != shape:
                raise ValueError(
                    f"field {k!r} has shape {v.shape}; the coordinates "
                    f"{tuple(coords)} need shape {shape}"
                )
        for v in (*coords.values(), *fields.values()):
            v.setflags(write=False)
        object.__setattr__(self, "coords", coords)
        object.__setattr__(self, "fields", fields)

    @property
    def coordinate_names(self) -> tuple[str, ...]:
        """Coordinate names in order (the columns of :meth:`points`)."""
        return tuple(self.coords)

    @property
    def shape(self) -> tuple[int, ...]:
        """Grid shape ``(n_1, ..., n_d)``, the shape of every field."""
        return tuple(v.size for v in self.coords.values())

    def mesh(self) -> tuple[np.ndarray, ...]:
        """Coordinate arrays, each ``(n_1, ..., n_d)`` (``meshgrid(indexing="ij")``)."""
        return tuple(np.meshgrid(*self.coords.values(), indexing="ij"))

    def points(self) -> np.ndarray:
        """All grid points ``(N, d)``, N = n_1 * ... * n_d, C order, columns in coordinate order."""
        return np.stack([m.ravel() for m in self.mesh()], axis=-1)

    def values(self, field: str = "u") -> np.ndarray:
        """Field ``field`` flattened like :meth:`points`: shape ``(N,)``."""
        try:
            return self.fields[field].ravel()
        except KeyError:
            raise KeyError(f"no field {field!r}; fields are {tuple(self.fields)}") from None

    def finite(self, field: str = "u") -> tuple[np.ndarray, np.ndarray]:
        """Points ``(M, d)`` and values ``(M,)`` where ``field`` is not NaN."""
        v = self.values(field)
        keep = np.isfinite(v)
        return self.points()[keep], v[keep]
