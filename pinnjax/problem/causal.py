"""Causal weighting of a residual over time (Wang, Sankaran & Perdikaris 2022, "Respecting
causality is all you need for training physics-informed neural networks").

A time-dependent PINN can drive the residual down at late times before the solution at
early times is right, and settle on a wrong one. With causal weighting the residual's
points are grouped into ``slices`` time slices; slice i's loss L_i counts with weight

    w_i = exp(-ε Σ_{k<i} L_k)        (no gradient flows through w)

so a slice trains only once every earlier one is fitted. ε starts at ``epsilon``; every
``every`` first-order steps, when the smallest weight exceeds ``tol`` (every slice is
being trained), ε is multiplied by ``factor`` up to ``max_epsilon``, which makes the
ordering stricter. ε lives in the term's batch (``batch["epsilon"]``): an argument of the
compiled step, so the schedule never recompiles, and it is saved with checkpoints.
"""

from __future__ import annotations

import dataclasses
import numbers

import jax
import jax.numpy as jnp
import numpy as np

EPSILON = "epsilon"


def _check(name: str, value, lo: float, hi: float | None = None, integer: bool = False) -> None:
    ok = isinstance(value, numbers.Integral if integer else numbers.Real) and not isinstance(value, bool)
    if not ok or not (value >= lo if integer else value > lo) or (hi is not None and value > hi):
        kind = "an integer" if integer else "a number"
        bounds = f">= {lo}" if integer else f"> {lo}"
        raise ValueError(f"Causal.{name} must be {kind} {bounds}{'' if hi is None else f' and <= {hi}'}, "
                         f"got {value!r}")


@dataclasses.dataclass(frozen=True)
class Causal:
    """Causal weighting for a residual term (see the module docstring); the time
    coordinate is the domain's last (``SpaceTime`` or ``TimeInterval``)."""

    slices: int = 32
    epsilon: float = 1.0
    tol: float = 0.99
    factor: float = 10.0
    max_epsilon: float = 100.0
    every: int = 100

    def __post_init__(self):
        _check("slices", self.slices, 2, 10_000, integer=True)
        _check("epsilon", self.epsilon, 0.0, 1e6)
        _check("tol", self.tol, 0.0, 1.0)
        _check("factor", self.factor, 1.0 - 1e-12, 1e3)
        _check("max_epsilon", self.max_epsilon, 0.0, 1e6)
        _check("every", self.every, 1, integer=True)
        if self.max_epsilon < self.epsilon:
            raise ValueError(f"Causal.max_epsilon ({self.max_epsilon}) must be >= epsilon ({self.epsilon})")

    def slice_losses(self, pointwise: jax.Array, t: jax.Array, t0: float, t1: float) -> jax.Array:
        """The mean pointwise loss in each time slice (M,); an empty slice counts 0."""
        per_point = pointwise.reshape(pointwise.shape[0], -1).mean(axis=1)
        index = jnp.clip(jnp.floor((t - t0) / (t1 - t0) * self.slices), 0, self.slices - 1).astype(jnp.int32)
        sums = jax.ops.segment_sum(per_point, index, self.slices)
        counts = jax.ops.segment_sum(jnp.ones_like(per_point), index, self.slices)
        return sums / jnp.maximum(counts, 1)

    @staticmethod
    def weights(losses: jax.Array, epsilon) -> jax.Array:
        """w_i = exp(-ε Σ_{k<i} L_k), without gradient."""
        before = jnp.cumsum(losses) - losses
        return jax.lax.stop_gradient(jnp.exp(-epsilon * before))

    def reduce(self, pointwise: jax.Array, batch, t0: float, t1: float) -> jax.Array:
        """The term's loss: mean over slices of w_i L_i."""
        losses = self.slice_losses(pointwise, batch["x"][:, -1], t0, t1)
        return jnp.mean(self.weights(losses, batch[EPSILON]) * losses)

    def min_weight(self, pointwise: jax.Array, batch, t0: float, t1: float) -> jax.Array:
        losses = self.slice_losses(pointwise, batch["x"][:, -1], t0, t1)
        return jnp.min(self.weights(losses, batch[EPSILON]))

    def next_epsilon(self, epsilon: float, min_weight: float) -> float:
        """ε after a check: stricter once every slice is trained (min weight > tol)."""
        return min(epsilon * self.factor, self.max_epsilon) if min_weight > self.tol else epsilon

    def initial(self, dtype) -> np.ndarray:
        return np.asarray(self.epsilon, dtype)
