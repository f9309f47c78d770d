"""The loss library: regression, classification, divergences, sequences and energies.

Three contracts (see :mod:`pinnjax.losses.base`): pointwise losses of residuals
(``loss(r) -> (N,)``), per-point losses of predictions against targets
(``pointwise(pred, target) -> (N,)``) and batch losses (``batch(pred, target) -> scalar``);
every loss has ``value(pred, target) -> scalar``. ``LOSSES`` maps names to classes and
``get_loss`` builds one from a name and keyword options.

This package imports nothing from the rest of pinnjax (it is the lowest layer).

>>> import jax.numpy as jnp
>>> float(get_loss("mse").value(jnp.array([3.0, 4.0]), jnp.zeros(2)))
12.5
"""

from __future__ import annotations

import difflib

from .base import AbstractBatchLoss, AbstractLoss, AbstractPointwiseLoss, AbstractTargetLoss
from .classification import (
    MCC,
    BinaryCrossEntropy,
    CategoricalCrossEntropy,
    Focal,
    SoftF1,
    SoftFBeta,
    TreeLoss,
    soft_fbeta_score,
    soft_mcc,
    tree_distances,
)
from .divergences import KL, JensenShannon, js_divergence, js_smoothness, kl_divergence
from .energies import (
    all_states,
    boltzmann_energy,
    boltzmann_to_ising,
    fit_boltzmann,
    ising_energy,
    ising_to_boltzmann,
    log_likelihood,
    log_partition,
)
from .regression import MAE, MSE, RMSE, Cauchy, Huber, LogCosh, PseudoHuber, Quantile, StudentT
from .sequences import SoftEditDistance, levenshtein, soft_edit_distance

LOSSES: dict[str, type[AbstractLoss]] = {
    "mse": MSE,
    "mae": MAE,
    "rmse": RMSE,
    "huber": Huber,
    "pseudo_huber": PseudoHuber,
    "log_cosh": LogCosh,
    "cauchy": Cauchy,
    "quantile": Quantile,
    "student_t": StudentT,
    "binary_cross_entropy": BinaryCrossEntropy,
    "categorical_cross_entropy": CategoricalCrossEntropy,
    "focal": Focal,
    "soft_f1": SoftF1,
    "soft_fbeta": SoftFBeta,
    "mcc": MCC,
    "tree": TreeLoss,
    "kl": KL,
    "jensen_shannon": JensenShannon,
    "soft_edit_distance": SoftEditDistance,
}


def _normalise(name: str) -> str:
    return name.lower().replace("-", "_")


def get_loss(spec: str | AbstractLoss, **options) -> AbstractLoss:
    """A loss object from a name (``"huber"``, ``"log-cosh"``, …) and its options, or the object itself."""
    if isinstance(spec, AbstractLoss):
        return spec
    if not isinstance(spec, str):
        raise TypeError(f"loss must be a name ({', '.join(LOSSES)}) or a loss object, got {type(spec).__name__}")
    key = _normalise(spec)
    if key not in LOSSES:
        near = difflib.get_close_matches(key, LOSSES, n=1)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        raise ValueError(f"unknown loss {spec!r}{hint} Known losses: {', '.join(LOSSES)}")
    return LOSSES[key](**options)


__all__ = [
    "LOSSES", "get_loss",
    "AbstractLoss", "AbstractPointwiseLoss", "AbstractTargetLoss", "AbstractBatchLoss",
    "MSE", "MAE", "RMSE", "Huber", "PseudoHuber", "LogCosh", "Cauchy", "Quantile", "StudentT",
    "BinaryCrossEntropy", "CategoricalCrossEntropy", "Focal", "SoftF1", "SoftFBeta", "MCC", "TreeLoss",
    "soft_fbeta_score", "soft_mcc", "tree_distances",
    "KL", "JensenShannon", "kl_divergence", "js_divergence", "js_smoothness",
    "SoftEditDistance", "soft_edit_distance", "levenshtein",
    "ising_energy", "boltzmann_energy", "ising_to_boltzmann", "boltzmann_to_ising", "all_states",
    "log_partition", "log_likelihood", "fit_boltzmann",
]
