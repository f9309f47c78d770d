"""Edit distances between a predicted sequence of class distributions and a target sequence.

``soft_edit_distance``: the Levenshtein dynamic program with each min replaced by a soft-min
at a temperature (differentiable); ``levenshtein``: the exact distance, for evaluation.
"""

from __future__ import annotations

from collections.abc import Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from .base import AbstractBatchLoss, check_bool, check_nonnegative


def _softmin(a: jax.Array, temperature: float) -> jax.Array:
    """min over the last axis (temperature 0) or -t log sum exp(-a/t), which lies in
    [min - t log n, min]."""
    if temperature == 0:
        return jnp.min(a, axis=-1)
    return -temperature * jax.nn.logsumexp(-a / temperature, axis=-1)


def soft_edit_distance(probs, target, temperature: float = 0.1) -> jax.Array:
    """Soft edit distance from probs (T, K) (one distribution per predicted position) to the
    integer ids target (S,).

    D[i, j] = softmin(D[i-1, j] + 1, D[i, j-1] + 1, D[i-1, j-1] + 1 - probs[i-1, target[j-1]]),
    D[i, 0] = i, D[0, j] = j; returns D[T, S]. Deleting a predicted position or inserting a
    target symbol costs 1, a substitution 1 - p(target symbol). For one-hot probs and
    temperature 0 this is the Levenshtein distance between the argmax string and the target;
    each soft-min lowers a cell by at most temperature ln 3, so at temperature t the result
    lies in [hard - (T + S) t ln 3, hard], where hard is the same recursion with exact mins."""
    probs = jnp.asarray(probs)
    if not jnp.issubdtype(probs.dtype, jnp.floating):
        probs = probs.astype(jnp.result_type(float))
    target = jnp.asarray(target, dtype=jnp.int32)
    if probs.ndim != 2 or target.ndim != 1:
        raise ValueError(f"probs must be (T, K) and target (S,), got {probs.shape} and {target.shape}")
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature!r}")
    dtype = probs.dtype
    n_target = target.shape[0]
    cost = 1.0 - probs[:, target]  # (T, S): substitution costs
    first_row = jnp.arange(n_target + 1, dtype=dtype)

    def row_step(previous, inputs):
        i, sub = inputs

        def cell(left, x):
            diagonal, up, c = x
            value = _softmin(jnp.stack([up + 1.0, left + 1.0, diagonal + c]), temperature)
            return value, value

        _, rest = lax.scan(cell, i, (previous[:-1], previous[1:], sub))
        return jnp.concatenate([i[None], rest]), None

    rows = jnp.arange(1, probs.shape[0] + 1, dtype=dtype)
    last, _ = lax.scan(row_step, first_row, (rows, cost))
    return last[n_target]


def levenshtein(a: Sequence, b: Sequence) -> int:
    """Exact edit distance (unit insertions, deletions, substitutions) between two sequences."""
    a, b = (x if isinstance(x, str) else np.asarray(x).tolist() for x in (a, b))
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        current = [i]
        for j, y in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


class SoftEditDistance(AbstractBatchLoss):
    """Soft edit distance of predicted distributions (T, K) to target ids (S,); a batch
    (B, T, K) with targets (B, S) gives the mean over the batch."""

    temperature: float = eqx.field(static=True, default=0.1)
    from_logits: bool = eqx.field(static=True, default=False)

    def __check_init__(self):
        check_nonnegative("temperature", self.temperature)
        check_bool("from_logits", self.from_logits)

    def batch(self, pred, target):
        pred = jnp.asarray(pred)
        if not jnp.issubdtype(pred.dtype, jnp.floating):
            pred = pred.astype(jnp.result_type(float))
        probs = jax.nn.softmax(pred, axis=-1) if self.from_logits else pred
        if probs.ndim == 3:
            return jnp.mean(jax.vmap(lambda p, t: soft_edit_distance(p, t, self.temperature))(probs, target))
        return soft_edit_distance(probs, target, self.temperature)
