"""Self-adaptive per-point weights: the SA-PINN min-max (McClenny & Braga-Neto 2023,
"Self-adaptive physics-informed neural networks") and residual-based attention (RBA;
Anagnostopoulos, Toscano, Stergiopulos & Karniadakis 2024, "Residual-based attention in
physics-informed neural networks").

Each point i of a term carries a weight λ_i (starting at 1), and the term's loss becomes

    L = mean_i λ_i l_i

where l_i is the point's pointwise loss (the mean over components when the residual has
several). The network minimizes L (which is also what the history reports for the term);
every ``every`` steps of first-order phases, between compiled chunks, the weights rise
where the residual stays large:

    λ ← decay · λ + lr · s / max_j s_j,        s_i = sqrt(l_i)

so s_i is |r_i| for the mse loss (the root-mean-square over components for a vector
residual). With ``decay = 1`` this is gradient ascent on Σ_i λ_i s_i with a normalized
step, the SA-PINN min-max (the weights only grow, by at most ``lr`` per update); with
``decay < 1`` it is RBA, an exponential average of the normalized residual that stays
bounded: after k updates λ ≤ decay^k + (1 − decay^k) · lr / (1 − decay), so
λ ≤ max(1, lr / (1 − decay)) always and tends below lr / (1 − decay). Line-search phases
(L-BFGS) keep λ fixed, so their objective does not move under them.

λ lives in the term's batch (``batch["point_weights"]``, shape (n,)): an argument of the
compiled step, so updating it never retraces, and it is saved with checkpoints. When a
term's points are redrawn (``resample``), its weights reset to 1 (they belonged to the old
points); RAR-D keeps the weights of the points it keeps and gives its new points weight 1.
Works on any term kind and combines with causal weighting (the slices then average λ_i l_i).
"""

from __future__ import annotations

import dataclasses
import numbers

import jax
import jax.numpy as jnp
import numpy as np

POINT_WEIGHTS = "point_weights"


def per_point(pointwise: jax.Array) -> jax.Array:
    """l_i (N,): a pointwise loss (N,) or (N, k) averaged over its components."""
    return pointwise.reshape(pointwise.shape[0], -1).mean(axis=1)


def weigh(pointwise: jax.Array, weights: jax.Array) -> jax.Array:
    """λ_i l_i (N,) for a pointwise loss (N,) or (N, k) and weights λ (N,)."""
    return weights * per_point(pointwise)


def weighted_loss(pointwise: jax.Array, weights: jax.Array) -> jax.Array:
    """The term's loss mean_i λ_i l_i."""
    return jnp.mean(weigh(pointwise, weights))


def next_weights(weights: np.ndarray, losses: np.ndarray, lr: float, decay: float) -> np.ndarray:
    """λ ← decay · λ + lr · s / max s with s = sqrt(l) from per-point losses l (N,).
    A non-finite loss counts 0; with every s = 0 only the decay acts."""
    weights = np.asarray(weights)
    s = np.sqrt(np.abs(np.asarray(losses, np.float64)))
    s = np.where(np.isfinite(s), s, 0.0)
    top = s.max(initial=0.0)
    step = s / top if top > 0 else np.zeros_like(s)
    return (decay * weights.astype(np.float64) + lr * step).astype(weights.dtype)


def _real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and bool(np.isfinite(value))


def _check(name: str, value, ok: bool, want: str) -> None:
    if isinstance(value, bool) or not ok:
        raise ValueError(f"PointWeights.{name} must be {want}, got {value!r}")


@dataclasses.dataclass(frozen=True)
class PointWeights:
    """Self-adaptive per-point weights for a term (see the module docstring): ``lr`` the
    step, ``decay`` the memory (1: SA-PINN min-max, < 1: residual-based attention),
    ``every`` the number of first-order steps between updates."""

    lr: float = 0.01
    decay: float = 0.999
    every: int = 10

    def __post_init__(self):
        _check("lr", self.lr, _real(self.lr) and 0 < self.lr <= 1e3, "a number in (0, 1000] (e.g. lr=0.01)")
        _check("decay", self.decay, _real(self.decay) and 0 <= self.decay <= 1,
               "a number in [0, 1] (1: SA-PINN min-max, e.g. 0.999: residual-based attention)")
        _check("every", self.every, isinstance(self.every, numbers.Integral) and self.every >= 1,
               "an integer >= 1 (first-order steps between updates, e.g. every=10)")

    @property
    def bound(self) -> float:
        """The level the weights stay below after many updates (inf for decay = 1)."""
        return self.lr / (1.0 - self.decay) if self.decay < 1 else float("inf")

    def initial(self, n: int, dtype) -> np.ndarray:
        """λ = 1 for ``n`` points."""
        return np.ones(n, dtype)

    def update(self, weights: np.ndarray, losses: np.ndarray) -> np.ndarray:
        """The next λ (N,) from the per-point losses (N,) at the current parameters."""
        return next_weights(weights, losses, self.lr, self.decay)
