"""Sharding the collocation batch across devices with ``jax.sharding``.

Parameters are replicated; every batch array is split along its leading (point) axis.
Problem code does not change: the loss is written pointwise and jit partitions it.

>>> mesh = point_mesh()            # all local devices on one "points" axis
"""

from __future__ import annotations

from collections.abc import Sequence

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec


def point_mesh(devices: Sequence[jax.Device] | None = None, axis: str = "points") -> Mesh:
    """A 1-D mesh over ``devices`` (default: all devices, every host after
    ``jax.distributed.initialize``)."""
    devices = jax.devices() if devices is None else list(devices)
    return Mesh(np.asarray(devices), (axis,))


def batch_placer(mesh: Mesh | None):
    """A function placing a host batch pytree: split over ``mesh`` or on the default device."""
    if mesh is None:
        return lambda tree: jax.tree_util.tree_map(jax.numpy.asarray, tree)
    sharding = NamedSharding(mesh, PartitionSpec(mesh.axis_names[0]))
    whole = NamedSharding(mesh, PartitionSpec())  # scalars (e.g. a causal term's epsilon)
    return lambda tree: jax.tree_util.tree_map(lambda a: jax.device_put(a, sharding if np.ndim(a) else whole), tree)


def replicate(tree, mesh: Mesh | None):
    """Copy every array of ``tree`` to all devices of ``mesh`` (no-op without a mesh)."""
    if mesh is None:
        return tree
    sharding = NamedSharding(mesh, PartitionSpec())
    return jax.tree_util.tree_map(lambda a: jax.device_put(a, sharding), tree)
