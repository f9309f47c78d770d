"""Regression losses of the residual r = pred - target.

Pointwise (r (N,) or (N, k) -> (N,), vector residuals summing their components):
MSE, MAE, Huber, PseudoHuber, LogCosh, Cauchy, Quantile, StudentT. Batch: RMSE.

>>> import jax.numpy as jnp
>>> float(MSE()(jnp.array([3.0, 4.0])).mean())
12.5
"""

from __future__ import annotations

import math

import equinox as eqx
import jax.numpy as jnp

from .base import AbstractBatchLoss, AbstractPointwiseLoss, check_interval, check_positive, per_point, safe_sqrt


class MSE(AbstractPointwiseLoss):
    """r²."""

    def elementwise(self, r):
        return r * r


class MAE(AbstractPointwiseLoss):
    """|r| (robust, not smooth at 0)."""

    def elementwise(self, r):
        return jnp.abs(r)


class Huber(AbstractPointwiseLoss):
    """r²/2 for |r| <= delta, delta(|r| - delta/2) beyond."""

    delta: float = eqx.field(static=True, default=1.0)

    def __check_init__(self):
        check_positive("delta", self.delta)

    def elementwise(self, r):
        a = jnp.abs(r)
        return jnp.where(a <= self.delta, 0.5 * r * r, self.delta * (a - 0.5 * self.delta))


class PseudoHuber(AbstractPointwiseLoss):
    """delta²(sqrt(1 + (r/delta)²) - 1): smooth Huber."""

    delta: float = eqx.field(static=True, default=1.0)

    def __check_init__(self):
        check_positive("delta", self.delta)

    def elementwise(self, r):
        z = r / self.delta
        return self.delta**2 * (jnp.sqrt(1.0 + z * z) - 1.0)


class LogCosh(AbstractPointwiseLoss):
    """scale² log(cosh(r/scale)), computed without overflow."""

    scale: float = eqx.field(static=True, default=1.0)

    def __check_init__(self):
        check_positive("scale", self.scale)

    def elementwise(self, r):
        z = jnp.abs(r / self.scale)
        return self.scale**2 * (z + jnp.log1p(jnp.exp(-2.0 * z)) - jnp.log(2.0))


class Cauchy(AbstractPointwiseLoss):
    """scale²/2 log(1 + (r/scale)²): heavy-tailed, down-weights outliers."""

    scale: float = eqx.field(static=True, default=1.0)

    def __check_init__(self):
        check_positive("scale", self.scale)

    def elementwise(self, r):
        z = r / self.scale
        return 0.5 * self.scale**2 * jnp.log1p(z * z)


class Quantile(AbstractPointwiseLoss):
    """Pinball loss max((1 - tau) r, -tau r) of r = pred - target: its minimiser over pred is
    the tau-quantile of the target (tau = 0.5: half the absolute error)."""

    tau: float = eqx.field(static=True, default=0.5)

    def __check_init__(self):
        check_interval("tau", self.tau, 0.0, 1.0, closed_lo=False, closed_hi=False)

    def elementwise(self, r):
        return jnp.maximum((1.0 - self.tau) * r, -self.tau * r)


class StudentT(AbstractPointwiseLoss):
    """Negative log-likelihood of r under a Student-t (nu degrees of freedom, scale), constant
    included: equals -scipy.stats.t.logpdf(r, nu, scale=scale), so it may be negative."""

    nu: float = eqx.field(static=True, default=3.0)
    scale: float = eqx.field(static=True, default=1.0)

    def __check_init__(self):
        check_positive("nu", self.nu)
        check_positive("scale", self.scale)

    def elementwise(self, r):
        nu = self.nu
        const = (math.lgamma(nu / 2) - math.lgamma((nu + 1) / 2) + 0.5 * math.log(nu * math.pi)
                 + math.log(self.scale))
        z = r / self.scale
        return const + 0.5 * (nu + 1) * jnp.log1p(z * z / nu)


class RMSE(AbstractBatchLoss):
    """sqrt(mean over points of |pred - target|²) for the whole batch (gradient 0 at zero error)."""

    def batch(self, pred, target):
        r = jnp.asarray(pred) - jnp.asarray(target)
        return safe_sqrt(jnp.mean(per_point(r * r)))
