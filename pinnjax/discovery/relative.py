"""A robust data loss whose scale is relative to the data: Huber's ``delta`` (or the
``scale`` of Cauchy, log-cosh, Student-t, pseudo-Huber's ``delta``) as a multiple of the
measured values' robust standard deviation, so that one setting suits data in any units.

>>> loss = RelativeLoss("huber", delta=0.2)        # delta = 0.2 × robust_std(values)
>>> loss.resolve(np.array([0.0, 1.0, 2.0, 3.0, 50.0])).delta   # doctest: +ELLIPSIS
0.29652...

The robust standard deviation is 1.4826 × the median absolute deviation from the median
(scipy's ``median_abs_deviation(scale="normal")``): the standard deviation for Gaussian
values, while gross outliers, which a robust loss is there to resist, barely move it. It
is not ``std(values)``, which ``data.noise`` levels are fractions of: on the shipped data
Burgers' u gives 0.81 against 0.61, the KdV solitons 0.17 against 0.29.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import median_abs_deviation

from ..problem.losses import AbstractLoss, get_loss
from .data import DataError

# The scale parameter of each loss that has one: in units of the residual (value - prediction).
SCALES = {"huber": "delta", "pseudo_huber": "delta", "cauchy": "scale", "log_cosh": "scale", "student_t": "scale"}


def robust_std(values) -> float:
    """1.4826 × the median absolute deviation of ``values`` (all of them, flattened)."""
    return float(median_abs_deviation(np.asarray(values, np.float64).ravel(), scale="normal"))


class RelativeLoss:
    """The loss ``kind`` (a key of :data:`SCALES`) with its scale parameter given as a
    multiple of the data's :func:`robust_std`; its other parameters (Student-t's ``nu``) as
    they are. :meth:`resolve` makes the loss once the data is known (a discovery does so
    with its measured values)."""

    def __init__(self, kind: str, **params):
        if kind not in SCALES:
            raise ValueError(f"RelativeLoss: {kind!r} has no scale to set relative to the data; the losses with one: "
                             + ", ".join(f"{k} ({v})" for k, v in SCALES.items()))
        scale = SCALES[kind]
        factor = params.get(scale)
        if factor is None:
            raise ValueError(f"RelativeLoss({kind!r}) needs {scale}=, a multiple of the data's robust standard "
                             f"deviation, e.g. RelativeLoss({kind!r}, {scale}=0.2)")
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not 0 < factor < np.inf:
            raise ValueError(f"RelativeLoss({kind!r}): {scale} must be a number > 0 (a multiple of the data's robust "
                             f"standard deviation, e.g. 0.2), got {factor!r}")
        get_loss(kind, **params)  # the other parameters are checked now, not after the data is read
        self.kind, self.params, self.scale = kind, dict(params), scale

    @property
    def factor(self) -> float:
        return float(self.params[self.scale])

    def resolve(self, values) -> AbstractLoss:
        """The loss with its scale = factor × robust_std(``values``); DataError when the
        values have no spread (more than half of them equal)."""
        spread = robust_std(values)
        if not spread > 0:
            raise DataError(f"the data's robust standard deviation (1.4826 × median absolute deviation) is {spread:g}: "
                            f"more than half the values are equal, so a {self.scale} relative to it is 0; give "
                            f"{self.scale} in the field's units instead, e.g. {{type: {self.kind}, {self.scale}: 0.05}}")
        return get_loss(self.kind, **{**self.params, self.scale: self.factor * spread})

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"RelativeLoss({self.kind!r}, {args})"


def resolve_loss(loss, values):
    """``loss`` itself, or a :class:`RelativeLoss` made for ``values``."""
    return loss.resolve(values) if isinstance(loss, RelativeLoss) else loss
