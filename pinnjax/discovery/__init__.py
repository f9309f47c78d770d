"""Law discovery: candidate libraries, sparse regression, the discovered equation."""

from .discover import DiscoveryResult, Equation, discover, library_matrix
from .library import Library, polynomial_library
from .sparse import choose_threshold, refit, stlsq

__all__ = ["DiscoveryResult", "Equation", "Library", "choose_threshold", "discover", "library_matrix",
           "polynomial_library", "refit", "stlsq"]
