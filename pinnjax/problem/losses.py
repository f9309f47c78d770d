"""Pointwise loss kinds: residuals (N,) or (N, k) -> one non-negative loss per point (N,).

A term's loss is the mean of its pointwise losses; vector residuals (k components) sum
their components' losses per point.

>>> import jax.numpy as jnp
>>> float(MSE()(jnp.array([3.0, 4.0])).mean())
12.5
"""

from __future__ import annotations

import abc
import difflib

import equinox as eqx
import jax
import jax.numpy as jnp


class AbstractPointwiseLoss(eqx.Module):
    """Maps residuals to a loss per point."""

    @abc.abstractmethod
    def elementwise(self, r: jax.Array) -> jax.Array:
        """r (...) -> loss (...), elementwise."""

    def __call__(self, r: jax.Array) -> jax.Array:
        values = self.elementwise(r)
        if values.ndim > 1:
            values = values.sum(axis=tuple(range(1, values.ndim)))
        return values


class MSE(AbstractPointwiseLoss):
    """r²."""

    def elementwise(self, r):
        return r * r


class MAE(AbstractPointwiseLoss):
    """|r| (robust, not smooth at 0)."""

    def elementwise(self, r):
        return jnp.abs(r)


def _check_scale(name: str, value: float) -> None:
    if not value > 0:
        raise ValueError(f"{name} must be > 0 for this loss, got {value!r}")


class Huber(AbstractPointwiseLoss):
    """r²/2 for |r| <= delta, delta(|r| - delta/2) beyond."""

    delta: float = eqx.field(static=True, default=1.0)

    def __check_init__(self):
        _check_scale("delta", self.delta)

    def elementwise(self, r):
        a = jnp.abs(r)
        return jnp.where(a <= self.delta, 0.5 * r * r, self.delta * (a - 0.5 * self.delta))


class PseudoHuber(AbstractPointwiseLoss):
    """delta²(sqrt(1 + (r/delta)²) - 1): smooth Huber."""

    delta: float = eqx.field(static=True, default=1.0)

    def __check_init__(self):
        _check_scale("delta", self.delta)

    def elementwise(self, r):
        z = r / self.delta
        return self.delta**2 * (jnp.sqrt(1.0 + z * z) - 1.0)


class LogCosh(AbstractPointwiseLoss):
    """scale² log(cosh(r/scale)), computed without overflow."""

    scale: float = eqx.field(static=True, default=1.0)

    def __check_init__(self):
        _check_scale("scale", self.scale)

    def elementwise(self, r):
        z = jnp.abs(r / self.scale)
        return self.scale**2 * (z + jnp.log1p(jnp.exp(-2.0 * z)) - jnp.log(2.0))


class Cauchy(AbstractPointwiseLoss):
    """scale²/2 log(1 + (r/scale)²): heavy-tailed, down-weights outliers."""

    scale: float = eqx.field(static=True, default=1.0)

    def __check_init__(self):
        _check_scale("scale", self.scale)

    def elementwise(self, r):
        z = r / self.scale
        return 0.5 * self.scale**2 * jnp.log1p(z * z)


LOSSES: dict[str, type[AbstractPointwiseLoss]] = {
    "mse": MSE,
    "mae": MAE,
    "huber": Huber,
    "pseudo_huber": PseudoHuber,
    "log_cosh": LogCosh,
    "cauchy": Cauchy,
}


def _normalise(name: str) -> str:
    return name.lower().replace("-", "_")


def get_loss(spec: str | AbstractPointwiseLoss, **options) -> AbstractPointwiseLoss:
    """A loss object from a name (``"huber"``, ``"log-cosh"``, …) or the object itself."""
    if isinstance(spec, AbstractPointwiseLoss):
        return spec
    if not isinstance(spec, str):
        raise TypeError(
            f"loss must be a name ({', '.join(LOSSES)}) or an AbstractPointwiseLoss, "
            f"got {type(spec).__name__}"
        )
    key = _normalise(spec)
    if key not in LOSSES:
        near = difflib.get_close_matches(key, LOSSES, n=1)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        raise ValueError(f"unknown loss {spec!r}{hint} Known losses: {', '.join(LOSSES)}")
    return LOSSES[key](**options)
