"""Diagnostics of a trained problem: loss landscapes and curvature (pure JAX, no I/O).

>>> land = landscape(result, dims=2, points=31)          # filter-normalized random slice
>>> curv = curvature(result, top=5, probes=100)          # Lanczos top-5, Hutchinson trace

Each takes a ``Result`` (``pinnjax.solve``), a ``CompiledProblem`` with ``params=`` (and
``batch=``, ``weights=``), or a plain loss ``f(params)`` with ``params=``. ``pinnjax
landscape RUN_DIR`` and ``pinnjax hessian RUN_DIR`` write them for a run directory.
"""

from .curvature import Curvature, Lanczos, curvature, flat_loss, hessian_vector_product, hutchinson, lanczos
from .landscape import (
    Landscape,
    coefficient_names,
    filter_normalize,
    grid_losses,
    landscape,
    leaf_names,
    named_direction,
    random_direction,
    resolve_name,
)
from .objective import Objective, objective

__all__ = [
    "Curvature", "Lanczos", "Landscape", "Objective", "coefficient_names", "curvature", "filter_normalize",
    "flat_loss", "grid_losses", "hessian_vector_product", "hutchinson", "lanczos", "landscape", "leaf_names",
    "named_direction", "objective", "random_direction", "resolve_name",
]
