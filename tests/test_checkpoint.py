"""Checkpoints: atomic, pruned, and a resumed run equals the uninterrupted one."""

import jax
import numpy as np
import pytest

import pinnjax as pj
from pinnjax.runs.checkpoint import list_checkpoints, load_checkpoint, save_checkpoint
from pinnjax.train.solve import initial_params


def problem():
    domain = pj.SpaceTime(pj.Interval(-1.0, 1.0), 0.0, 1.0)
    return pj.Problem(domain, ("u",), [
        pj.PDE("u_t + u*u_x - nu*u_xx", 128), pj.Dirichlet("u", 0.0, points=32),
        pj.Initial("u", "-sin(pi*x)", points=32)], {"nu": 0.01 / np.pi})


def net():
    return pj.MLP(2, 1, 12, 2, key=jax.random.PRNGKey(1))


@pytest.mark.slow
def test_checkpoint_files_restore_the_run_exactly(tmp_path):
    phases = [pj.Adam(200), pj.LBFGS(60)]
    kw = dict(chunk=20, resample_every=40, dtype="float64")
    saved = []

    def checkpoint(info):
        if info["step"] in (100, 220):
            saved.append(save_checkpoint(tmp_path / "ckpt", info["state"], keep=5))

    full = pj.solve(problem(), net(), phases, callback=checkpoint, **kw)
    assert [p.name for p in list_checkpoints(tmp_path / "ckpt")] == ["step_0000000100", "step_0000000220"]
    for path in saved:
        with jax.enable_x64(True):
            state = load_checkpoint(path, initial_params(problem(), net(), "float64"), phases)
        resumed = pj.solve(problem(), net(), phases, resume=state, **kw)
        # float64 and identical inputs: bit-identical losses, not just close ones.
        assert resumed.history.total == full.history.total
        np.testing.assert_array_equal(
            np.asarray(resumed.params["net"].hidden[0].weight), np.asarray(full.params["net"].hidden[0].weight)
        )


def test_only_complete_checkpoints_count_and_old_ones_are_pruned(tmp_path):
    result = pj.solve(problem(), net(), [pj.Adam(20)], chunk=10)
    state = result.state
    for step in (10, 20, 30):
        state.step = step
        save_checkpoint(tmp_path, state, keep=2)
    (tmp_path / ".tmp-crashed").mkdir()  # a write interrupted before its rename
    (tmp_path / "step_0000000099").mkdir()  # no state.json: incomplete
    assert [p.name for p in list_checkpoints(tmp_path)] == ["step_0000000020", "step_0000000030"]
