"""Engine layer: derivatives by name and the compiled loss (pure, jit/vmap-able).
Imports from ``geometry`` and ``problem``."""

from .compiled import CompiledProblem, compile_problem
from .derivatives import METHODS, evaluate_derivatives

__all__ = ["CompiledProblem", "METHODS", "compile_problem", "evaluate_derivatives"]
