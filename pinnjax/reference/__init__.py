"""Reference solutions shipped with pinnjax (pure numpy/scipy).

Each builder returns a :class:`ReferenceSolution` (ordered coordinates, fields on the
``indexing="ij"`` grid, ``points()`` (N, d) / ``values()`` (N,)). Pointwise exact
functions and source terms are exported so a problem definition can use them directly.

- :func:`burgers`: viscous Burgers, u0 = -sin(pi x), exact via Hopf–Cole.
- :func:`allen_cahn`, :func:`kdv`: periodic Fourier pseudo-spectral + ETDRK4.
- :func:`kuramoto_sivashinsky`: periodic, ETDRK4 (Kassam–Trefethen initial state).
- :func:`kdv_two_soliton`: exact two-soliton KdV (Hirota).
- :func:`heat_mixed`: heat equation with Dirichlet/Neumann ends, exact sine series.
- :func:`laplace_square`, :func:`poisson_lshape`: closed-form elliptic solutions.
- :func:`kdv_burgers`, :func:`heat_reaction`, :func:`convection_diffusion_reaction`,
  :func:`reaction_diffusion_pair`: periodic benchmarks whose terms differ ~10-20x in size.
"""

from .analytic import (
    HEAT_ALPHA,
    heat_mixed,
    heat_mixed_coefficients,
    heat_mixed_exact,
    heat_mixed_initial,
    kdv_two_soliton,
    kdv_two_soliton_exact,
    laplace_square,
    laplace_square_exact,
    lshape_contains,
    poisson_exact,
    poisson_lshape,
    poisson_source,
)
from .burgers import burgers, burgers_exact
from .grid import ReferenceSolution
from .multiscale import (
    convection_diffusion_reaction,
    etdrk4_periodic_system,
    heat_reaction,
    heat_reaction_exact,
    kdv_burgers,
    reaction_diffusion_pair,
)
from .spectral import (
    allen_cahn,
    allen_cahn_initial_hat,
    derivative_symbol,
    etdrk4_periodic,
    kdv,
    kuramoto_sivashinsky,
    spectral_derivative,
    wavenumbers,
)

__all__ = [
    "HEAT_ALPHA",
    "ReferenceSolution",
    "allen_cahn",
    "allen_cahn_initial_hat",
    "burgers",
    "burgers_exact",
    "convection_diffusion_reaction",
    "derivative_symbol",
    "etdrk4_periodic",
    "etdrk4_periodic_system",
    "heat_mixed",
    "heat_mixed_coefficients",
    "heat_mixed_exact",
    "heat_mixed_initial",
    "heat_reaction",
    "heat_reaction_exact",
    "kdv",
    "kdv_burgers",
    "kdv_two_soliton",
    "kdv_two_soliton_exact",
    "kuramoto_sivashinsky",
    "laplace_square",
    "laplace_square_exact",
    "lshape_contains",
    "poisson_exact",
    "poisson_lshape",
    "poisson_source",
    "reaction_diffusion_pair",
    "spectral_derivative",
    "wavenumbers",
]
