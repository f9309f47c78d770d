"""Problem layer: derivative names, safe expressions, residuals, points, pointwise losses,
terms and the Problem that holds them. Imports only from ``geometry``."""

from .adaptive import RAD, RARD, AbstractAdaptive
from .causal import Causal
from .constraints import Inequality, Integral, Quadrature, parse_constraint
from .energy import Energy
from .expressions import ExpressionError, parse_expression
from .losses import (
           LOSSES,
           MAE,
           MSE,
           AbstractPointwiseLoss,
           Cauchy,
           Huber,
           LogCosh,
           PseudoHuber,
)
from .point_terms import Point
from .point_weights import PointWeights
from .noise import Noise
from .points import Given, Sample
from .problem import Coefficient, Problem
from .terms import (
           PDE,
           AbstractTerm,
           AbstractValueCondition,
           Data,
           Dirichlet,
           Initial,
           Neumann,
           Periodic,
           Robin,
)

__all__ = [
           "LOSSES",
           "MAE",
           "MSE",
           "PDE",
           "RAD",
           "RARD",
           "AbstractAdaptive",
           "AbstractPointwiseLoss",
           "AbstractTerm",
           "AbstractValueCondition",
           "Cauchy",
           "Causal",
           "Coefficient",
           "Data",
           "Dirichlet",
           "Energy",
           "ExpressionError",
           "Given",
           "Noise",
           "Huber",
           "Inequality",
           "Initial",
           "Integral",
           "LogCosh",
           "Neumann",
           "Periodic",
           "Point",
           "PointWeights",
           "Problem",
           "PseudoHuber",
           "Quadrature",
           "Robin",
           "Sample",
           "parse_constraint",
           "parse_expression",
]
