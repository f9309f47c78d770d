"""Use Flax networks (linen or nnx) as pinnjax point networks.

Both adapters return an Equinox module whose ``__call__(x: (d_in,)) -> (d_out,)`` and
whose trainable leaves are the Flax parameters (arrays in a pytree field), while the
Flax module structure is a static field. A scalar network output (shape ``()``) becomes
``(1,)``; any other output must already be 1-D.

Flax is imported lazily, so pinnjax does not depend on it.
"""

from __future__ import annotations

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp

Array = jax.Array


def _import(name: str):
    try:
        import importlib

        return importlib.import_module(name)
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError(
            f"{name} is needed to wrap Flax networks but could not be imported ({err}). "
            "Install it with `pip install flax` (or `pip install pinnjax[flax]`)."
        ) from err


def _as_vector(y: Array, who: str) -> Array:
    """() -> (1,), (d,) -> (d,); anything else is an error."""
    y = jnp.asarray(y)
    if y.ndim == 0:
        return y.reshape(1)
    if y.ndim == 1:
        return y
    raise ValueError(
        f"{who}: the wrapped Flax module returned shape {y.shape} for one point; it must "
        "return a scalar or a 1-D array of field values (d_out,)."
    )


def _frozen(tree: Any) -> Any:
    """stop_gradient on the inexact leaves (non-trainable collections / variables)."""
    return jax.tree.map(
        lambda a: jax.lax.stop_gradient(a) if eqx.is_inexact_array(a) else a, tree)


class FlaxLinen(eqx.Module):
    """A ``flax.linen`` module with its parameters: x (d_in,) -> (d_out,).

    ``params`` (the trainable leaves) is the ``"params"`` collection; other variable
    collections, if any, are kept in ``constants`` under ``stop_gradient``.
    """

    params: Any
    constants: Any
    module: Any = eqx.field(static=True)

    def __call__(self, x: Array) -> Array:
        variables = {"params": self.params, **_frozen(self.constants)}
        return _as_vector(self.module.apply(variables, x), "FlaxLinen")


def from_flax_linen(module, params=None, *, key: Array | None = None,
                    in_size: int | None = None) -> FlaxLinen:
    """Wrap a linen module; ``params`` is what ``module.init`` returns (the variables dict
    ``{"params": ...}``) or the bare ``"params"`` collection. Without ``params``, pass
    ``key`` and ``in_size`` to initialise with ``module.init(key, zeros((in_size,)))``.
    """
    linen = _import("flax.linen")
    if not isinstance(module, linen.Module):
        raise TypeError(f"from_flax_linen expects a flax.linen.Module, got {type(module)}")
    if params is None:
        if key is None or in_size is None:
            raise ValueError(
                "from_flax_linen needs params, or key= and in_size= to initialise them "
                "with module.init(key, jnp.zeros((in_size,)))")
        params = module.init(key, jnp.zeros((in_size,)))
    params = dict(params)
    if "params" in params:
        constants = {k: v for k, v in params.items() if k != "params"}
        params = params["params"]
    else:
        constants = {}
    return FlaxLinen(params=params, constants=constants, module=module)


class FlaxNNX(eqx.Module):
    """A ``flax.nnx`` module split into graphdef (static) and state: x (d_in,) -> (d_out,).

    ``params`` holds the ``nnx.Param`` variables (trainable); every other variable
    (RNG state, batch statistics, ...) is kept in ``rest`` under ``stop_gradient``.
    Calls are functional: state changes made during a call are discarded.
    """

    params: Any
    rest: Any
    graphdef: Any = eqx.field(static=True)

    def __call__(self, x: Array) -> Array:
        nnx = _import("flax.nnx")
        model = nnx.merge(self.graphdef, self.params, _frozen(self.rest))
        return _as_vector(model(x), "FlaxNNX")

    def to_flax(self):
        """The equivalent ``nnx.Module`` with the current parameters."""
        nnx = _import("flax.nnx")
        return nnx.merge(self.graphdef, self.params, self.rest)


def from_flax_nnx(module) -> FlaxNNX:
    """Wrap an ``nnx.Module`` via ``nnx.split(module, nnx.Param, ...)``."""
    nnx = _import("flax.nnx")
    if not isinstance(module, nnx.Module):
        raise TypeError(f"from_flax_nnx expects a flax.nnx.Module, got {type(module)}")
    graphdef, params, rest = nnx.split(module, nnx.Param, ...)
    return FlaxNNX(params=params, rest=rest, graphdef=graphdef)
