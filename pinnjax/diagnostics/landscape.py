"""Loss landscapes: the total loss and each term's loss on 1-D and 2-D slices through trained parameters.

A slice is ``L(θ + α d₁)`` (1-D) or ``L(θ + α d₁ + β d₂)`` (2-D) on a grid of α, β in
``[-span, span]``. The directions are either

- **filter-normalized random** (Li et al. 2018, "Visualizing the loss landscape of neural
  nets"): a Gaussian direction with each filter rescaled to the norm of the corresponding
  trained filter. A filter is a row of a weight matrix (one output neuron; an equinox
  ``Linear.weight`` is (out, in)); a leaf of more dimensions is split along its first axis.
  **Choice:** biases and other 1-D or scalar leaves (trainable coefficients included) get
  direction 0, as in Li et al.; ``include_1d=True`` instead scales each such leaf as one
  filter (norm of the direction = norm of the trained leaf). At α = 1 every filter has moved
  by its own norm, so slices of networks of different scales compare.
- **named parameters**: a scalar leaf (a trainable coefficient ``nu`` or
  ``coefficients.nu``, in its raw, trained units) gets the unit direction, so α is the change of
  that raw value; an array leaf (e.g. ``net.hidden.0.weight``) gets a filter-normalized random
  direction restricted to that leaf.

The grid is evaluated in one jit: ``lax.map`` over the grid points, ``batch_size`` of them
vmapped at a time (bounding the memory of a large problem's loss).
"""

from __future__ import annotations

import dataclasses
import functools

import jax
import jax.numpy as jnp
import numpy as np

from .objective import objective


@dataclasses.dataclass(frozen=True)
class Landscape:
    """A slice: ``total`` and ``terms[name]`` have shape (len(alphas),) or (len(alphas), len(betas))."""

    alphas: np.ndarray
    betas: np.ndarray | None
    total: np.ndarray
    terms: dict[str, np.ndarray]
    directions: tuple[str, ...]

    @property
    def dims(self) -> int:
        return 1 if self.betas is None else 2

    def center(self) -> dict[str, float]:
        """The losses at the grid point nearest α = β = 0 (the trained parameters for an odd grid)."""
        index = self._nearest_origin()
        return {"total": float(self.total[index]), **{k: float(v[index]) for k, v in self.terms.items()}}

    def minimum(self) -> dict:
        """The grid's smallest total and where it is."""
        index = np.unravel_index(np.nanargmin(self.total), self.total.shape)
        where = {"alpha": float(self.alphas[index[0]])}
        if self.betas is not None:
            where["beta"] = float(self.betas[index[1]])
        return {"total": float(self.total[index]), **where}

    def _nearest_origin(self) -> tuple[int, ...]:
        axes = (self.alphas,) if self.betas is None else (self.alphas, self.betas)
        return tuple(int(np.argmin(np.abs(a))) for a in axes)


def leaf_names(params) -> dict[str, jax.Array]:
    """{dotted path: leaf} of a parameter pytree (``net.hidden.0.weight``, ``coefficients.nu``)."""
    return {jax.tree_util.keystr(path, simple=True, separator="."): leaf
            for path, leaf in jax.tree_util.tree_leaves_with_path(params)}


def coefficient_names(params) -> tuple[str, ...]:
    """The trainable coefficients' names (the keys of ``params["coefficients"]``)."""
    coefficients = params.get("coefficients", {}) if isinstance(params, dict) else {}
    return tuple(coefficients)


def resolve_name(params, name: str) -> str:
    """The leaf path of ``name`` (a coefficient's name or a leaf path); ValueError naming the valid ones."""
    paths = leaf_names(params)
    if name in paths:
        return name
    if f"coefficients.{name}" in paths:
        return f"coefficients.{name}"
    coefficients = coefficient_names(params)
    listed = (f"the trainable coefficients are {', '.join(coefficients)}" if coefficients
              else "the problem has no trainable coefficients")
    raise ValueError(f"unknown parameter {name!r}: {listed}; parameter leaves are {', '.join(paths)}")


def filter_normalize(direction: jax.Array, reference: jax.Array, include_1d: bool = False) -> jax.Array:
    """``direction`` with each filter (row along the first axis) rescaled to the norm of the
    same filter of ``reference``; 1-D and scalar leaves become 0 (or, ``include_1d``, are scaled
    as one filter)."""
    if reference.ndim <= 1:
        if not include_1d:
            return jnp.zeros_like(reference)
        return direction * (jnp.linalg.norm(reference) / jnp.maximum(jnp.linalg.norm(direction), _tiny(reference)))
    rows_d = direction.reshape(direction.shape[0], -1)
    rows_r = reference.reshape(reference.shape[0], -1)
    scale = jnp.linalg.norm(rows_r, axis=1) / jnp.maximum(jnp.linalg.norm(rows_d, axis=1), _tiny(reference))
    return (rows_d * scale[:, None]).reshape(direction.shape)


def _tiny(a: jax.Array) -> jax.Array:
    return jnp.asarray(jnp.finfo(a.dtype).tiny, a.dtype)


def random_direction(params, key: jax.Array, include_1d: bool = False):
    """A filter-normalized Gaussian direction (a pytree like ``params``)."""
    leaves, treedef = jax.tree_util.tree_flatten(params)
    keys = jax.random.split(key, max(len(leaves), 1))
    out = [filter_normalize(jax.random.normal(k, leaf.shape, leaf.dtype), leaf, include_1d)
           for k, leaf in zip(keys, leaves)]
    return jax.tree_util.tree_unflatten(treedef, out)


def named_direction(params, name: str, key: jax.Array):
    """The direction of one named parameter: unit for a scalar leaf, filter-normalized random
    (that leaf only) for an array; zero elsewhere."""
    path = resolve_name(params, name)

    def one(p, leaf):
        here = jax.tree_util.keystr(p, simple=True, separator=".") == path
        if not here:
            return jnp.zeros_like(leaf)
        if leaf.ndim == 0 or leaf.size == 1:
            return jnp.ones_like(leaf)
        return filter_normalize(jax.random.normal(key, leaf.shape, leaf.dtype), leaf, include_1d=True)

    return jax.tree_util.tree_map_with_path(one, params)


def grid_losses(losses, params, directions, coords: jax.Array, batch_size: int = 16):
    """``losses(params + Σ_i coords[:, i] d_i)`` at every row of ``coords`` (M, k), in one jit
    (``lax.map``, ``batch_size`` rows vmapped at a time): returns (total (M,), {term: (M,)})."""
    run = jax.jit(functools.partial(_grid, losses, min(batch_size, coords.shape[0])))
    return run(params, list(directions), coords)


def _grid(losses, batch_size: int, params, directions, coords):
    def at(c):
        return losses(jax.tree_util.tree_map(lambda p, *ds: _shifted(p, ds, c), params, *directions))

    return jax.lax.map(at, coords, batch_size=batch_size)


def _shifted(p: jax.Array, ds, c: jax.Array) -> jax.Array:
    """p + Σ_i c_i d_i."""
    for i, d in enumerate(ds):
        p = p + c[i].astype(p.dtype) * d
    return p


def landscape(source, dims: int = 1, points: int = 41, span: float = 1.0, directions="random", seed: int = 0,
              include_1d: bool = False, batch_size: int = 16, **objective_kw) -> Landscape:
    """A ``dims``-D slice of ``points`` (per axis) in [-span, span] through the trained parameters.

    ``source``: a Result, a CompiledProblem with ``params=`` (``batch=``, ``weights=``), a
    function ``f(params)`` with ``params=``, or an :class:`~.objective.Objective`.
    ``directions``: ``"random"`` (filter-normalized, ``seed``) or a sequence of ``dims``
    parameter names (coefficients or leaf paths, see :func:`leaf_names`).
    """
    obj = objective(source, seed=seed, **objective_kw)
    with obj.precision():
        names, vectors = _directions(obj.params, dims, directions, seed, include_1d)
        axis = np.linspace(-span, span, points)
        mesh = np.stack(np.meshgrid(*[axis] * dims, indexing="ij"), axis=-1).reshape(-1, dims)
        total, terms = grid_losses(obj.losses, obj.params, vectors, jnp.asarray(mesh, obj.dtype), batch_size)
        shape = (points,) * dims
        total = np.asarray(total, np.float64).reshape(shape)
        terms = {k: np.asarray(v, np.float64).reshape(shape) for k, v in terms.items()}
    return Landscape(axis, axis.copy() if dims == 2 else None, total, terms, names)


def _directions(params, dims: int, directions, seed: int, include_1d: bool):
    """(labels, direction pytrees) for ``dims`` axes."""
    if dims not in (1, 2):
        raise ValueError(f"landscape: dims must be 1 or 2, got {dims!r}")
    keys = jax.random.split(jax.random.key(seed), dims)
    if isinstance(directions, str) and directions == "random":
        return ("random",) * dims, [random_direction(params, k, include_1d) for k in keys]
    names = (directions,) if isinstance(directions, str) else tuple(directions)
    if len(names) != dims:
        raise ValueError(f"landscape: {dims}-D slice needs {dims} parameter name(s), got {list(names)}")
    return tuple(resolve_name(params, n) for n in names), [named_direction(params, n, k) for n, k in zip(names, keys)]
