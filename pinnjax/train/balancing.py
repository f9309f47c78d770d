"""Loss balancing: how the weights of a problem's terms change during training.

A balancer is a strategy in the ``(init, update)`` style of optax, with explicit state:
``init(base) -> state`` and ``update(state, stats) -> (weights, state)``, where ``base``
holds each term's own weight (``Term.weight``), ``stats`` what :meth:`measure` asked for
(e.g. each term's gradient norm) and ``weights`` the multipliers of the term losses in
the next steps: ``total = Σ weights[i] · L_i``. Weights are an argument of the compiled
step, so changing them never recompiles. Updates happen every ``every`` first-order steps
(between compiled chunks); line-search phases (L-BFGS) keep the last weights, whose
curvature model would not survive a changing loss. The weights are recorded in the
history (``metrics.jsonl``: ``weights``) and in checkpoints (a resumed run continues
with the same weights and state).

- :class:`Fixed`: the terms' own weights (the default).
- :class:`GradNorm`: learning-rate annealing (Wang, Teng & Perdikaris 2021, as in jaxpi):
  λ̂_i = Σ_j ‖∇θ L_j‖ / ‖∇θ L_i‖, every term pulling on the parameters with the same
  strength; λ_i ← α λ_i + (1 − α) λ̂_i, weight_i = base_i · λ_i.
- :class:`NTKTrace`: the same with the trace of each term's neural tangent kernel,
  tr K_i = mean over its points of ‖∇θ r_p‖² (Wang, Yu & Perdikaris 2022).
"""

from __future__ import annotations

import abc
import dataclasses
import math

import jax
import jax.numpy as jnp


class AbstractBalancer(abc.ABC):
    """A weighting scheme. ``every``: first-order steps between updates (0: never)."""

    every: int = 0
    name: str = "balancer"

    def measure(self) -> str | None:
        """What :meth:`update` reads per term: ``"grad_norm"``, ``"ntk_trace"`` or None."""
        return None

    def init(self, base: dict[str, float]) -> dict:
        """The starting state: JSON-able (saved in checkpoints)."""
        return {"base": dict(base), "lambda": dict.fromkeys(base, 1.0)}

    @abc.abstractmethod
    def update(self, state: dict, stats: dict[str, float]) -> tuple[dict[str, float], dict]:
        ...

    @staticmethod
    def weights(state: dict) -> dict[str, float]:
        return {k: state["base"][k] * state["lambda"][k] for k in state["base"]}


@dataclasses.dataclass(frozen=True)
class Fixed(AbstractBalancer):
    """Each term keeps its own weight."""

    name: str = "fixed"

    def update(self, state, stats):
        return self.weights(state), state


def _check(owner: str, every, alpha) -> None:
    if isinstance(every, bool) or not isinstance(every, int) or every <= 0:
        raise ValueError(f"{owner}.every must be a positive number of steps, e.g. 100, got {every!r}")
    if not 0.0 <= alpha < 1.0:
        raise ValueError(f"{owner}.alpha must be in [0, 1) (the moving average's memory, e.g. 0.9), got {alpha!r}")


@dataclasses.dataclass(frozen=True)
class _Ratio(AbstractBalancer):
    """λ̂_i = Σ_j s_j / s_i for a per-term size s (terms whose s is 0 or not finite keep λ)."""

    every: int = 100
    alpha: float = 0.9

    def __post_init__(self):
        _check(type(self).__name__, self.every, self.alpha)

    def update(self, state, stats):
        sizes = {k: float(stats[k]) for k in state["base"]}
        usable = {k: s for k, s in sizes.items() if s > 0 and math.isfinite(s)}
        total = sum(usable.values())
        lam = dict(state["lambda"])
        for k, s in usable.items():
            lam[k] = self.alpha * lam[k] + (1.0 - self.alpha) * total / s
        state = {**state, "lambda": lam}
        return self.weights(state), state


@dataclasses.dataclass(frozen=True)
class GradNorm(_Ratio):
    """Learning-rate annealing: balance the terms' gradient norms ‖∇θ L_i‖."""

    name: str = "grad_norm"

    def measure(self):
        return "grad_norm"


@dataclasses.dataclass(frozen=True)
class NTKTrace(_Ratio):
    """Balance the traces of the terms' neural tangent kernels (mean ‖∇θ r_p‖² per point)."""

    name: str = "ntk_trace"

    def measure(self):
        return "ntk_trace"


def _norm(tree) -> jax.Array:
    return jnp.sqrt(sum(jnp.sum(jnp.square(x)) for x in jax.tree_util.tree_leaves(tree)))


def term_statistics(compiled, kind: str):
    """jit'd ``(params, batch) -> {term: size}`` for ``kind`` (see :meth:`AbstractBalancer.measure`).
    Gradients are taken with respect to the network's parameters only."""

    if kind == "grad_norm":
        def stats(params, batch):
            out = {}
            for t in compiled.terms:
                def loss(net, t=t):  # the term's loss as trained (causal reduction included)
                    return compiled.term_loss(t, {**params, "net": net}, batch[t.name])
                out[t.name] = _norm(jax.grad(loss)(params["net"]))
            return out
    elif kind == "ntk_trace":
        def stats(params, batch):
            out = {}
            for t in compiled.terms:
                def residual(net, point, t=t):  # one point's arrays (x, values, normals, ...)
                    one = jax.tree_util.tree_map(lambda a: a[None], point)
                    return compiled.term_residual(t, {**params, "net": net}, one).reshape(-1)
                jac = jax.vmap(lambda point: jax.jacrev(residual)(params["net"], point))(batch[t.name])
                n = batch[t.name]["x"].shape[0]
                out[t.name] = sum(jnp.sum(jnp.square(j)) for j in jax.tree_util.tree_leaves(jac)) / n
            return out
    else:
        raise ValueError(f"unknown balancing statistic {kind!r}; one of 'grad_norm', 'ntk_trace'")
    return jax.jit(stats)


BALANCERS = {"fixed": Fixed, "grad_norm": GradNorm, "ntk_trace": NTKTrace}
