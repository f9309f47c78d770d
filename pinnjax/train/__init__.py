"""Training layer: optax phases, the compiled loop, ``solve``, its ``Result``, sharding.
Imports from ``geometry``, ``problem``, ``engine`` and ``nn``; writes no files."""

from .balancing import AbstractBalancer, Fixed, GradNorm, NTKTrace
from .ensemble import EnsembleResult, solve_ensemble
from .loop import History, PhaseReport, Trainer, TrainState
from .phases import BFGS, LBFGS, AbstractPhase, Adam, Optax
from .result import Result, relative_l2
from .sharding import point_mesh
from .solve import solve

__all__ = [
           "BFGS",
           "EnsembleResult",
           "LBFGS",
           "AbstractBalancer",
           "AbstractPhase",
           "Adam",
           "Fixed",
           "GradNorm",
           "History",
           "NTKTrace",
           "Optax",
           "PhaseReport",
           "Result",
           "TrainState",
           "Trainer",
           "point_mesh",
           "relative_l2",
           "solve",
           "solve_ensemble",
]
