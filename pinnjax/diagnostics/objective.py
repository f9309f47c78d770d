"""The loss a diagnostic looks at: ``losses(params) -> (total, {term: loss})`` around ``params``.

An :class:`Objective` is built from whatever the user has (:func:`objective`):

- a trained ``Result`` (``pinnjax.solve(...)`` or ``load_result``): its compiled problem
  and parameters, a fresh batch of points drawn with ``seed`` and the terms' weights (the
  last weights a balancer recorded in its history, else the configured ones);
- a ``CompiledProblem`` with ``params`` (and optionally ``batch``, ``weights``);
- a plain function ``f(params)`` returning a scalar or ``(scalar, {name: scalar})``.

The batch is fixed: every diagnostic looks at one deterministic loss surface. Causal ε and
per-point weights are their initial values in a fresh batch.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np


@dataclasses.dataclass(frozen=True)
class Objective:
    """``losses(params) -> (total, {term: loss})`` (jit-able) and the parameters to look around."""

    losses: Callable[[Any], tuple[jax.Array, dict]]
    params: Any

    @property
    def dtype(self):
        return param_dtype(self.params)

    def precision(self):
        """A context in which JAX computes in the parameters' precision (x64 for float64)."""
        return precision(self.params)


def param_dtype(params) -> np.dtype:
    """The dtype of the parameters' floating leaves (float32 when there are none)."""
    leaves = [np.dtype(leaf.dtype) for leaf in jax.tree_util.tree_leaves(params)
              if np.issubdtype(np.dtype(leaf.dtype), np.floating)]
    return max(leaves, key=lambda d: d.itemsize) if leaves else np.dtype(np.float32)


def precision(params):
    """``jax.enable_x64(True)`` for float64 parameters, else a context that changes nothing."""
    if param_dtype(params) == np.float64:
        return jax.enable_x64(True)
    return contextlib.nullcontext()


def objective(source, params=None, batch=None, weights=None, seed: int = 0) -> Objective:
    """An :class:`Objective` from a Result, a CompiledProblem (+ params) or a function ``f(params)``."""
    if isinstance(source, Objective):
        return source
    if hasattr(source, "compiled") and hasattr(source, "params"):  # a trained Result
        params = source.params if params is None else params
        weights = _recorded_weights(source) if weights is None else weights
        return _compiled_objective(source.compiled, params, batch, weights, seed)
    if params is None:
        raise TypeError("objective: give params (the point to look around) with a compiled problem or a loss "
                        "function, or pass a Result from pinnjax.solve")
    if hasattr(source, "loss_fn") and hasattr(source, "draw_batch"):  # a CompiledProblem
        return _compiled_objective(source, params, batch, weights, seed)
    if callable(source):
        return Objective(_as_losses(source), params)
    raise TypeError(f"objective: expected a Result, a CompiledProblem or a loss function f(params), "
                    f"got {type(source).__name__}")


def _as_losses(f):
    """``f(params)`` returning a scalar or (scalar, dict) as ``params -> (total, dict)``."""

    def losses(params):
        out = f(params)
        return out if isinstance(out, tuple) else (out, {})

    return losses


def _compiled_objective(compiled, params, batch, weights, seed: int) -> Objective:
    dtype = param_dtype(params)
    with precision(params):
        if batch is None:
            batch = compiled.draw_batch(np.random.default_rng(seed))
        batch = jax.tree_util.tree_map(lambda a: jnp.asarray(np.asarray(a, dtype)), batch)
        defaults = compiled.initial_weights(dtype)
        weights = {k: jnp.asarray((weights or {}).get(k, v), dtype) for k, v in defaults.items()}
    return Objective(lambda p: compiled.loss_fn(p, batch, weights), params)


def _recorded_weights(result) -> dict[str, float]:
    """The terms' last finite weights in a Result's history (a balancer's), else {}."""
    history = getattr(result, "history", None)
    out = {}
    for name, series in (getattr(history, "weights", None) or {}).items():
        finite = np.asarray(series, float)
        finite = finite[np.isfinite(finite)]
        if finite.size:
            out[name] = float(finite[-1])
    return out
