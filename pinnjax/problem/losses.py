"""Pointwise loss kinds for terms: residuals (N,) or (N, k) -> one loss per point (N,).

The losses live in :mod:`pinnjax.losses` (the loss library); this module re-exports them so
that ``pinnjax.problem.losses`` imports keep working. Its ``get_loss`` takes the library's
names but returns only residual (pointwise) losses, the ones terms can use. A term's loss is
the mean of its pointwise losses; vector residuals (k components) sum their components'
losses per point.

``LOSSES`` here lists the residual losses the terms and the YAML registry
(pinnjax/config/registry.py, which asserts its table has exactly these names) take today;
``pinnjax.losses.LOSSES`` lists every loss of the library.

>>> import jax.numpy as jnp
>>> float(MSE()(jnp.array([3.0, 4.0])).mean())
12.5
"""

from __future__ import annotations

from ..losses import (
    KL,
    MAE,
    MCC,
    MSE,
    RMSE,
    AbstractBatchLoss,
    AbstractLoss,
    AbstractPointwiseLoss,
    AbstractTargetLoss,
    BinaryCrossEntropy,
    CategoricalCrossEntropy,
    Cauchy,
    Focal,
    Huber,
    JensenShannon,
    LogCosh,
    PseudoHuber,
    Quantile,
    SoftEditDistance,
    SoftF1,
    SoftFBeta,
    StudentT,
    TreeLoss,
)
from ..losses import LOSSES as LIBRARY_LOSSES
from ..losses import get_loss as get_library_loss

TERM_LOSS_NAMES = ("mse", "mae", "huber", "pseudo_huber", "log_cosh", "cauchy")
LOSSES = {name: LIBRARY_LOSSES[name] for name in TERM_LOSS_NAMES}


def get_loss(spec: str | AbstractLoss, **options) -> AbstractPointwiseLoss:
    """A pointwise residual loss from a name (any of the library's) and options, or the object
    itself; a loss of another contract (per-target or batch) is refused with a TypeError."""
    loss = get_library_loss(spec, **options)
    if not isinstance(loss, AbstractPointwiseLoss):
        residual = [n for n, c in LIBRARY_LOSSES.items() if issubclass(c, AbstractPointwiseLoss)]
        raise TypeError(f"loss {spec!r} is a {type(loss).__name__}, not a pointwise residual loss: "
                        f"terms take residual losses ({', '.join(residual)})")
    return loss

__all__ = [
    "LOSSES", "LIBRARY_LOSSES", "TERM_LOSS_NAMES", "get_loss", "get_library_loss",
    "AbstractLoss", "AbstractPointwiseLoss", "AbstractTargetLoss", "AbstractBatchLoss",
    "MSE", "MAE", "RMSE", "Huber", "PseudoHuber", "LogCosh", "Cauchy", "Quantile", "StudentT",
    "BinaryCrossEntropy", "CategoricalCrossEntropy", "Focal", "SoftF1", "SoftFBeta", "MCC", "TreeLoss",
    "KL", "JensenShannon", "SoftEditDistance",
]
