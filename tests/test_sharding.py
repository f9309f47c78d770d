"""The collocation batch sharded over 4 (host CPU) devices gives the single-device losses.

Runs in a subprocess because the device count is fixed when JAX starts.
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import json, jax, numpy as np
    import pinnjax as pj
    assert len(jax.devices()) == 4, jax.devices()
    domain = pj.SpaceTime(pj.Interval(-1.0, 1.0), 0.0, 1.0)
    problem = pj.Problem(domain, ("u",), [
        pj.PDE("u_t + u*u_x - nu*u_xx", 256),
        pj.Dirichlet("u", 0.0, points=64),
        pj.Initial("u", "-sin(pi*x)", points=64),
    ], {"nu": 0.01 / np.pi})
    out = {}
    for label, mesh in (("one", None), ("four", pj.point_mesh())):
        net = pj.MLP(2, 1, 16, 2, key=jax.random.PRNGKey(0))
        r = pj.solve(problem, net, [pj.Adam(60), pj.LBFGS(20)], dtype="float64", chunk=20,
                     resample_every=40, mesh=mesh)
        out[label] = r.history.total
        if mesh is not None:
            leaf = r.params["net"].hidden[0].weight
            out["replicated"] = bool(leaf.sharding.is_fully_replicated)
            out["param_devices"] = len(leaf.sharding.device_set)
            from pinnjax.train.sharding import batch_placer
            batch = batch_placer(mesh)({"x": np.zeros((8, 2))})
            out["batch_shards"] = len(batch["x"].addressable_shards)
            out["shard_rows"] = batch["x"].addressable_shards[0].data.shape[0]
    print(json.dumps(out))
    """
)


@pytest.mark.slow
def test_four_devices_match_one_device():
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=4", JAX_PLATFORMS="cpu")
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    one, four = out["one"], out["four"]
    assert len(one) == len(four) == 80
    # float64: the sharded means add the same numbers in a different order (rounding
    # ~1e-16 relative), which 80 optimizer steps may amplify a little; 1e-9 is far above
    # that and far below any real difference.
    for a, b in zip(one, four):
        assert abs(a - b) <= 1e-9 * max(abs(a), 1e-12), (a, b)
    assert out["replicated"] and out["param_devices"] == 4  # parameters on all 4, whole
    assert out["batch_shards"] == 4 and out["shard_rows"] == 2  # points split 4 ways


def test_point_mesh_spans_every_device_and_places_whole_batches():
    # In-process, on however many devices this JAX has (one on a plain CPU): the mesh names its
    # axis and holds every device; a placed batch keeps its values, and replication without a mesh is a no-op.
    import jax
    import numpy as np

    from pinnjax.train.sharding import batch_placer, point_mesh, replicate

    mesh = point_mesh()
    assert mesh.axis_names == ("points",) and mesh.devices.size == len(jax.devices())
    batch = {"x": np.arange(8.0 * len(jax.devices())).reshape(-1, 1)}
    placed = batch_placer(mesh)(batch)
    np.testing.assert_array_equal(np.asarray(placed["x"]), batch["x"])
    assert len(placed["x"].addressable_shards) == len(jax.devices())
    unplaced = batch_placer(None)(batch)["x"]  # a jax array on the default device, same values
    assert isinstance(unplaced, jax.Array) and np.array_equal(np.asarray(unplaced), batch["x"])
    tree = {"w": np.ones(3)}
    assert replicate(tree, None) is tree
    assert replicate(tree, mesh)["w"].sharding.is_fully_replicated
