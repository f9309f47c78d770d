"""pinnjax: physics-informed neural networks and law discovery in JAX.

A problem (domain, fields, terms) is compiled into one jit-compiled loss and minimized
with optax phases:

>>> import pinnjax as pj
>>> domain = pj.SpaceTime(pj.Interval(-1.0, 1.0), 0.0, 1.0)
"""

from .engine import METHODS, CompiledProblem, compile_problem, evaluate_derivatives
from .geometry import (
    AbstractDomain,
    AbstractGeometry,
    AbstractTimeDomain,
    Box,
    Difference,
    Disk,
    Intersection,
    Interval,
    Polygon,
    Rectangle,
    SpaceTime,
    TimeInterval,
    Union,
    lshape,
)
from .nn import (
    MLP,
    Embedded,
    FourierFeatures,
    ModifiedMLP,
    PirateNet,
    PeriodicEmbedding,
    factorize,
    fourier_mlp,
    from_flax_linen,
    from_flax_nnx,
)
from .problem import (
    LOSSES,
    MAE,
    MSE,
    PDE,
    RAD,
    RARD,
    AbstractAdaptive,
    AbstractPointwiseLoss,
    AbstractTerm,
    AbstractValueCondition,
    Cauchy,
    Causal,
    Coefficient,
    Data,
    Dirichlet,
    Energy,
    ExpressionError,
    Given,
    Noise,
    Huber,
    Inequality,
    Initial,
    Integral,
    LogCosh,
    Neumann,
    Periodic,
    Point,
    PointWeights,
    Problem,
    PseudoHuber,
    Quadrature,
    Robin,
    Sample,
    parse_expression,
)
from .reference import zoo  # noqa: F401  (pj.zoo: the classic problems)
from .train import (
    BFGS,
    LBFGS,
    AbstractBalancer,
    AbstractPhase,
    Adam,
    EnsembleResult,
    GradNorm,
    History,
    NTKTrace,
    Optax,
    PhaseReport,
    Result,
    TrainState,
    point_mesh,
    relative_l2,
    solve,
    solve_ensemble,
)

__all__ = [
    # problems
    "Problem", "Coefficient", "Sample", "Given", "Noise",
    "PDE", "Dirichlet", "Neumann", "Robin", "Periodic", "Initial", "Data", "AbstractTerm", "AbstractValueCondition",
    "Inequality", "Integral", "Quadrature", "Point", "Energy",
    "Causal", "RAD", "RARD", "AbstractAdaptive", "PointWeights",
    # domains
    "AbstractDomain", "AbstractGeometry", "Interval", "Rectangle", "Box", "Disk", "Polygon", "lshape",
    "Union", "Difference", "Intersection", "SpaceTime", "TimeInterval", "AbstractTimeDomain",
    # losses
    "LOSSES", "AbstractPointwiseLoss", "MSE", "MAE", "Huber", "PseudoHuber", "LogCosh", "Cauchy",
    # networks
    "MLP", "ModifiedMLP", "PirateNet", "FourierFeatures", "PeriodicEmbedding", "Embedded", "fourier_mlp", "factorize",
    "from_flax_linen", "from_flax_nnx",
    # training
    "solve", "solve_ensemble", "EnsembleResult", "AbstractPhase", "Adam", "BFGS", "LBFGS", "Optax", "Result",
    "History", "PhaseReport", "TrainState",
    "relative_l2", "point_mesh", "AbstractBalancer", "GradNorm", "NTKTrace",
    # lower level
    "CompiledProblem", "compile_problem", "evaluate_derivatives", "METHODS",
    "parse_expression", "ExpressionError",
]
__version__ = "0.1.0"
