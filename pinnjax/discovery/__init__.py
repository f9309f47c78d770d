"""Law discovery: measurements, candidate libraries, sparse regression, the discovered equation."""

from .data import DataError, Measurements, load_measurements, measurements
from .discover import (
           DiscoveryResult,
           Equation,
           discover,
           domain_from_data,
           library_matrix,
)
from .ensemble import selection_frequencies, stlsq_masks
from .estimator import PDEDiscovery, default_network
from .library import Library, polynomial_library
from .sparse import (
           SELECTORS,
           choose_l1,
           choose_threshold,
           lasso,
           refit,
           select_terms,
           stlsq,
)

__all__ = [
           "SELECTORS",
           "DataError",
           "DiscoveryResult",
           "Equation",
           "Library",
           "Measurements",
           "PDEDiscovery",
           "choose_l1",
           "choose_threshold",
           "default_network",
           "discover",
           "domain_from_data",
           "lasso",
           "library_matrix",
           "load_measurements",
           "measurements",
           "polynomial_library",
           "refit",
           "select_terms",
           "selection_frequencies",
           "stlsq",
           "stlsq_masks",
]
