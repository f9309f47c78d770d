"""Sharding the collocation batch across devices with ``jax.sharding``.

Parameters are replicated; every batch array is split along its leading (point) axis.
Problem code does not change: the loss is written pointwise and jit partitions it.

The mesh may span several processes (after ``jax.distributed.initialize``). Every
process then holds the same host values (the same seed draws the same global batch)
and hands JAX only the rows of its own devices, so the global batch does not depend on
how it is split, and a run on many processes takes the steps of a run on one.

>>> mesh = point_mesh()            # all devices on one "points" axis (every process's)
"""

from __future__ import annotations

from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec


def point_mesh(devices: Sequence[jax.Device] | None = None, axis: str = "points") -> Mesh:
    """A 1-D mesh over ``devices`` (default: all devices, every host after
    ``jax.distributed.initialize``)."""
    devices = jax.devices() if devices is None else list(devices)
    return Mesh(np.asarray(devices), (axis,))


def spans_processes(mesh: Mesh | None) -> bool:
    """Whether ``mesh`` holds devices of other processes."""
    return mesh is not None and any(d.process_index != jax.process_index() for d in mesh.devices.flat)


def place(value, sharding: NamedSharding) -> jax.Array:
    """``value`` (the same on every process) as a global array on ``sharding``: each process
    supplies the slices of its own devices."""
    if sharding.is_fully_addressable:
        return jax.device_put(value, sharding)
    host = np.asarray(value)
    return jax.make_array_from_callback(host.shape, sharding, lambda index: host[index])


def to_host(array) -> np.ndarray:
    """A numpy copy of the whole of ``array``; across processes, rows held elsewhere are
    gathered (a collective: every process must call it)."""
    if not isinstance(array, jax.Array) or array.is_fully_addressable or array.is_fully_replicated:
        return np.asarray(array)
    from jax.experimental import multihost_utils

    return np.asarray(multihost_utils.process_allgather(array, tiled=True))


def local_copy(tree, mesh: Mesh | None):
    """``tree``'s replicated arrays as this process's own arrays on its default device (for work
    one process does alone, e.g. predictions); unchanged unless ``mesh`` spans processes."""
    if not spans_processes(mesh):
        return tree
    return jax.tree_util.tree_map(lambda a: jnp.asarray(to_host(a)), tree)


def batch_placer(mesh: Mesh | None):
    """A function placing a host batch pytree: split over ``mesh`` or on the default device."""
    if mesh is None:
        return lambda tree: jax.tree_util.tree_map(jax.numpy.asarray, tree)
    sharding = NamedSharding(mesh, PartitionSpec(mesh.axis_names[0]))
    whole = NamedSharding(mesh, PartitionSpec())  # scalars (e.g. a causal term's epsilon)
    return lambda tree: jax.tree_util.tree_map(lambda a: place(a, sharding if np.ndim(a) else whole), tree)


def replicate(tree, mesh: Mesh | None):
    """Copy every array of ``tree`` to all devices of ``mesh`` (no-op without a mesh)."""
    if mesh is None:
        return tree
    sharding = NamedSharding(mesh, PartitionSpec())
    return jax.tree_util.tree_map(lambda a: place(a, sharding), tree)
