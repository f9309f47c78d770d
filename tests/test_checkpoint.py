"""Checkpoints: atomic and pruned. That a run resumed from checkpoint files equals the
uninterrupted one is tested end to end by SIGKILLs at random moments (test_cli.py) and for
discoveries (test_discovery_resume.py); from an in-memory state in test_training.py."""

import jax
import numpy as np

import pinnjax as pj
from pinnjax.runs.checkpoint import list_checkpoints, save_checkpoint


def problem():
    domain = pj.SpaceTime(pj.Interval(-1.0, 1.0), 0.0, 1.0)
    return pj.Problem(domain, ("u",), [
        pj.PDE("u_t + u*u_x - nu*u_xx", 128), pj.Dirichlet("u", 0.0, points=32),
        pj.Initial("u", "-sin(pi*x)", points=32)], {"nu": 0.01 / np.pi})


def net():
    return pj.MLP(2, 1, 12, 2, key=jax.random.PRNGKey(1))


def test_only_complete_checkpoints_count_and_old_ones_are_pruned(tmp_path):
    result = pj.solve(problem(), net(), [pj.Adam(20)], chunk=10)
    state = result.state
    for step in (10, 20, 30):
        state.step = step
        save_checkpoint(tmp_path, state, keep=2)
    (tmp_path / ".tmp-crashed").mkdir()  # a write interrupted before its rename
    (tmp_path / "step_0000000099").mkdir()  # no state.json: incomplete
    assert [p.name for p in list_checkpoints(tmp_path)] == ["step_0000000020", "step_0000000030"]
