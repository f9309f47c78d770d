"""pinnjax: physics-informed neural networks and law discovery in JAX.

A problem (domain, fields, terms) is compiled into one jit-compiled loss and minimized
with optax phases:

>>> import pinnjax as pj
>>> domain = pj.SpaceTime(pj.Interval(-1.0, 1.0), 0.0, 1.0)
"""

from .compiled import CompiledProblem, compile_problem
from .derivatives import METHODS, evaluate_derivatives
from .distributed import point_mesh
from .expressions import ExpressionError, parse_expression
from .flax_adapter import from_flax_linen, from_flax_nnx
from .geometry import (
    AbstractGeometry,
    Box,
    Difference,
    Disk,
    Intersection,
    Interval,
    Polygon,
    Rectangle,
    Union,
    lshape,
)
from .losses import LOSSES, MAE, MSE, AbstractPointwiseLoss, Cauchy, Huber, LogCosh, PseudoHuber
from .nn import MLP, Embedded, FourierFeatures, ModifiedMLP, PeriodicEmbedding, fourier_mlp
from .phases import LBFGS, Adam, Optax
from .points import Given, Sample
from .problem import Coefficient, Problem
from .result import Result, relative_l2
from .solve import solve
from .spacetime import SpaceTime
from .terms import PDE, AbstractTerm, Data, Dirichlet, Initial, Neumann, Periodic, Robin
from .train import History, PhaseReport, TrainState

__all__ = [
    # problems
    "Problem", "Coefficient", "Sample", "Given",
    "PDE", "Dirichlet", "Neumann", "Robin", "Periodic", "Initial", "Data", "AbstractTerm",
    # domains
    "AbstractGeometry", "Interval", "Rectangle", "Box", "Disk", "Polygon", "lshape",
    "Union", "Difference", "Intersection", "SpaceTime",
    # losses
    "LOSSES", "AbstractPointwiseLoss", "MSE", "MAE", "Huber", "PseudoHuber", "LogCosh", "Cauchy",
    # networks
    "MLP", "ModifiedMLP", "FourierFeatures", "PeriodicEmbedding", "Embedded", "fourier_mlp",
    "from_flax_linen", "from_flax_nnx",
    # training
    "solve", "Adam", "LBFGS", "Optax", "Result", "History", "PhaseReport", "TrainState",
    "relative_l2", "point_mesh",
    # lower level
    "CompiledProblem", "compile_problem", "evaluate_derivatives", "METHODS",
    "parse_expression", "ExpressionError",
]
__version__ = "0.1.0"
