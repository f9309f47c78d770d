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

LOSSES = dict(LIBRARY_LOSSES)  # every loss is selectable by name; which term takes which: below
RESIDUAL_BATCH = (RMSE,)  # batch losses that read residuals alone (no labels)


def get_loss(spec: str | AbstractLoss, **options) -> AbstractLoss:
    """Any loss of the library from a name and options, or the object itself."""
    return get_library_loss(spec, **options)


def reads_residuals(loss: AbstractLoss) -> bool:
    """True for losses of a residual alone (pointwise ones, RMSE); False for those that
    compare a prediction with labels or a target distribution (data terms only)."""
    return isinstance(loss, (AbstractPointwiseLoss, *RESIDUAL_BATCH))


def residual_loss(spec, owner: str) -> AbstractLoss:
    """The loss of a term whose residual should vanish (PDE, conditions, constraints): a
    residual loss; a loss of predictions against labels is refused, naming the fix."""
    loss = get_loss(spec)
    if not reads_residuals(loss):
        fit = [n for n, c in LOSSES.items() if issubclass(c, (AbstractPointwiseLoss, *RESIDUAL_BATCH))]
        raise TypeError(f"{owner}.loss {type(loss).__name__} compares predictions with labels, so it belongs on a "
                        f"data term; a residual term takes one of: {', '.join(fit)}")
    return loss


def check_reduction(loss: AbstractLoss, owner: str, point_weights=None, causal=None) -> None:
    """A batch loss (one value for the whole batch) has no per-point losses to weight."""
    if isinstance(loss, AbstractBatchLoss) and (point_weights is not None or causal is not None):
        what = "point_weights" if point_weights is not None else "causal"
        raise ValueError(f"{owner}.{what} weights each point's loss, but the loss {type(loss).__name__} is one value "
                         "for the whole batch; use a pointwise loss (e.g. mse) or drop " + what)


__all__ = [
    "LOSSES", "LIBRARY_LOSSES", "RESIDUAL_BATCH", "get_loss", "get_library_loss", "reads_residuals",
    "residual_loss", "check_reduction",
    "AbstractLoss", "AbstractPointwiseLoss", "AbstractTargetLoss", "AbstractBatchLoss",
    "MSE", "MAE", "RMSE", "Huber", "PseudoHuber", "LogCosh", "Cauchy", "Quantile", "StudentT",
    "BinaryCrossEntropy", "CategoricalCrossEntropy", "Focal", "SoftF1", "SoftFBeta", "MCC", "TreeLoss",
    "KL", "JensenShannon", "SoftEditDistance",
]
