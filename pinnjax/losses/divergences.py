"""Divergences between discrete distributions over the last axis (natural log, nats).

KL(target || pred) and the Jensen-Shannon divergence per point, and ``js_smoothness``: the
mean JS between consecutive rows of a sequence of distributions (a penalty that favours
contiguous segments). Terms with a zero probability weight count 0 (0 log 0 = 0), with
finite gradients.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from .base import AbstractTargetLoss, check_bool


def _probs(x, from_logits: bool) -> jax.Array:
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.floating):
        x = x.astype(jnp.result_type(float))
    return jax.nn.softmax(x, axis=-1) if from_logits else x


def _xlogy_ratio(p: jax.Array, q: jax.Array) -> jax.Array:
    """p log(p / q) elementwise, 0 where p = 0 (value and gradient), for q > 0 wherever p > 0."""
    on = p > 0
    p_safe = jnp.where(on, p, 1.0)
    q_safe = jnp.where(on, q, 1.0)
    return jnp.where(on, p_safe * (jnp.log(p_safe) - jnp.log(q_safe)), 0.0)


def kl_divergence(p, q) -> jax.Array:
    """KL(p || q) = sum_k p_k log(p_k / q_k) over the last axis (infinite where q_k = 0 < p_k)."""
    return _xlogy_ratio(p, q).sum(axis=-1)


def js_divergence(p, q) -> jax.Array:
    """JS(p, q) = KL(p || m)/2 + KL(q || m)/2 with m = (p + q)/2: symmetric, in [0, ln 2]."""
    m = 0.5 * (p + q)
    return 0.5 * (_xlogy_ratio(p, m) + _xlogy_ratio(q, m)).sum(axis=-1)


def js_smoothness(probs) -> jax.Array:
    """Mean JS divergence between consecutive rows of probs (N, K); 0 for N < 2."""
    probs = jnp.asarray(probs)
    if probs.shape[0] < 2:
        return jnp.zeros((), dtype=probs.dtype if jnp.issubdtype(probs.dtype, jnp.floating) else float)
    return jnp.mean(js_divergence(probs[1:], probs[:-1]))


def _rows(values: jax.Array) -> jax.Array:
    """(N, ...) -> (N,) after the reduction over the class axis (extra axes summed)."""
    if values.ndim > 1:
        values = values.sum(axis=tuple(range(1, values.ndim)))
    return values


class KL(AbstractTargetLoss):
    """KL(target || pred) per point: the divergence of the predicted distribution (last axis)
    from the target's."""

    from_logits: bool = eqx.field(static=True, default=False)

    def __check_init__(self):
        check_bool("from_logits", self.from_logits)

    def pointwise(self, pred, target):
        return _rows(kl_divergence(_probs(target, False), _probs(pred, self.from_logits)))


class JensenShannon(AbstractTargetLoss):
    """Jensen-Shannon divergence per point between predicted and target distributions
    (natural log: symmetric, <= ln 2)."""

    from_logits: bool = eqx.field(static=True, default=False)

    def __check_init__(self):
        check_bool("from_logits", self.from_logits)

    def pointwise(self, pred, target):
        return _rows(js_divergence(_probs(pred, self.from_logits), _probs(target, False)))
