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

__all__ = [name for name in dir() if not name.startswith("_")]
__version__ = "0.1.0"
