"""Law discovery: measurements, candidate libraries, the recipe of stages (selectors and
views of the library as strategy objects), the discovered equation and its checks."""

from .checks import check_warnings, consistency
from .data import DataError, Measurements, load_measurements, measurements
from .discover import discover, domain_from_data
from .ensemble import selection_frequencies, stlsq_masks
from .equation import DiscoveryResult, Equation, System
from .estimator import PDEDiscovery, default_network
from .evaluation import LibraryTerms, SystemTerms, library_matrix
from .library import Library, polynomial_library
from .recipe import DEFAULTS, Recipe, default_recipe
from .relative import RelativeLoss, robust_std
from .sparse import choose_l1, choose_threshold, lasso, refit, select_terms, stlsq
from .challenge import Challenge
from .stages import AbstractStage, FitData, Polish, Prune, Screen, Smooth, State, Widen
from .strategies import (
    L1,
    SELECTORS,
    PerEquation,
    STLSQ,
    AbstractSelector,
    AbstractView,
    Bootstrap,
    PointwiseView,
    WeakView,
)

__all__ = [
    "DEFAULTS", "SELECTORS", "AbstractSelector", "AbstractStage", "AbstractView", "Bootstrap", "DataError",
    "Challenge", "DiscoveryResult", "Equation", "FitData", "L1", "Library", "LibraryTerms", "Measurements",
    "PDEDiscovery", "PerEquation", "PointwiseView", "Polish", "Prune", "Recipe", "STLSQ", "Screen", "Smooth", "State", "System",
    "SystemTerms", "WeakView", "Widen", "check_warnings",
    "choose_l1", "choose_threshold", "consistency", "default_network", "default_recipe", "discover",
    "domain_from_data", "lasso", "library_matrix", "load_measurements", "measurements", "polynomial_library",
    "refit", "select_terms", "selection_frequencies", "stlsq", "stlsq_masks", "RelativeLoss", "robust_std",
]
