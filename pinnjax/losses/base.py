"""The three loss contracts and the option checks they share.

* :class:`AbstractPointwiseLoss`: a function of the residual ``r = pred - target``,
  elementwise; ``loss(r)`` gives one value per point (N,), vector residuals summing their
  components.
* :class:`AbstractTargetLoss`: a per-point loss of a prediction (logits or probabilities)
  against a label or target distribution, ``pointwise(pred, target) -> (N,)``.
* :class:`AbstractBatchLoss`: a loss that only exists over a whole batch (RMSE, soft-F1,
  MCC, an edit distance), ``batch(pred, target) -> scalar``.

Every loss has ``value(pred, target) -> scalar``: the mean of the pointwise losses, or the
batch value. Options are static Python values checked in ``__check_init__``.

This package imports nothing from the rest of pinnjax (it is the lowest layer).
"""

from __future__ import annotations

import abc

import equinox as eqx
import jax
import jax.numpy as jnp


def per_point(values: jax.Array) -> jax.Array:
    """(N, ...) -> (N,): sums every axis after the first (a 0-d value stays 0-d)."""
    if values.ndim > 1:
        values = values.sum(axis=tuple(range(1, values.ndim)))
    return values


def safe_sqrt(x: jax.Array) -> jax.Array:
    """sqrt(x) for x >= 0 whose gradient at x = 0 is 0 instead of infinite."""
    positive = x > 0
    return jnp.where(positive, jnp.sqrt(jnp.where(positive, x, 1.0)), 0.0)


def safe_log(p: jax.Array) -> jax.Array:
    """log of probabilities clipped to [eps, 1] (eps: the dtype's machine epsilon), so that
    log 0 and its gradient stay finite."""
    p = jnp.asarray(p)
    dtype = p.dtype if jnp.issubdtype(p.dtype, jnp.floating) else jnp.result_type(float)
    eps = jnp.finfo(dtype).eps
    return jnp.log(jnp.clip(p, eps, 1.0))


class AbstractLoss(eqx.Module):
    """Any loss: ``value(pred, target)`` is one scalar."""

    @abc.abstractmethod
    def value(self, pred: jax.Array, target: jax.Array) -> jax.Array:
        """The scalar loss of a batch of predictions against their targets."""


class AbstractPointwiseLoss(AbstractLoss):
    """Maps residuals to a loss per point."""

    @abc.abstractmethod
    def elementwise(self, r: jax.Array) -> jax.Array:
        """r (...) -> loss (...), elementwise."""

    def __call__(self, r: jax.Array) -> jax.Array:
        return per_point(self.elementwise(r))

    def pointwise(self, pred: jax.Array, target: jax.Array) -> jax.Array:
        """The loss per point of the residual pred - target, (N,)."""
        return self(jnp.asarray(pred) - jnp.asarray(target))

    def value(self, pred, target):
        return jnp.mean(self.pointwise(pred, target))


class AbstractTargetLoss(AbstractLoss):
    """A loss per point of a prediction (logits or probabilities) against its target."""

    @abc.abstractmethod
    def pointwise(self, pred: jax.Array, target: jax.Array) -> jax.Array:
        """pred, target -> loss per point (N,)."""

    def value(self, pred, target):
        return jnp.mean(self.pointwise(pred, target))


class AbstractBatchLoss(AbstractLoss):
    """A loss defined only over the whole batch."""

    @abc.abstractmethod
    def batch(self, pred: jax.Array, target: jax.Array) -> jax.Array:
        """pred, target -> one scalar loss for the batch."""

    def value(self, pred, target):
        return self.batch(pred, target)


# option checks: each raises a ValueError that names the option


def check_positive(name: str, value: float) -> None:
    if not (isinstance(value, (int, float)) and value > 0):
        raise ValueError(f"{name} must be > 0 for this loss, got {value!r}")


def check_nonnegative(name: str, value: float) -> None:
    if not (isinstance(value, (int, float)) and value >= 0):
        raise ValueError(f"{name} must be >= 0 for this loss, got {value!r}")


def check_interval(name: str, value: float, lo: float, hi: float, *, closed_lo: bool, closed_hi: bool) -> None:
    ok = isinstance(value, (int, float)) and (lo <= value if closed_lo else lo < value) and (
        value <= hi if closed_hi else value < hi)
    if not ok:
        interval = f"{'[' if closed_lo else '('}{lo}, {hi}{']' if closed_hi else ')'}"
        raise ValueError(f"{name} must be in {interval} for this loss, got {value!r}")


def check_bool(name: str, value) -> None:
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be True or False, got {value!r}")
