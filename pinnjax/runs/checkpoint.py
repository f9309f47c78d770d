"""Saving and restoring a :class:`~pinnjax.train.TrainState`, atomically.

Format: one directory per checkpoint, ``step_<step>/`` holding

- ``arrays.eqx``: parameters and optimizer state (``equinox.tree_serialise_leaves``:
  small, dependency-free, exact; restoring needs a template of the same structure,
  which the problem and the phases rebuild);
- ``batch.npz``: the current collocation points of every term;
- ``state.json``: counters, the sampler's random state, phase reports, loss history.

A checkpoint is written to a temporary directory and renamed into place, so a crash
(even SIGKILL) leaves either the complete checkpoint or none.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import tempfile
from pathlib import Path

import equinox as eqx
import numpy as np

from ..train.loop import History, PhaseReport, TrainState

PREFIX = "step_"


def _batch_to_npz(batch: dict) -> dict[str, np.ndarray]:
    return {f"{term}/{key}": np.asarray(a) for term, arrays in batch.items() for key, a in arrays.items()}


def _batch_from_npz(data) -> dict:
    batch: dict = {}
    for name in data.files:
        term, key = name.rsplit("/", 1)
        batch.setdefault(term, {})[key] = data[name]
    return batch


def save_checkpoint(directory: str | os.PathLike, state: TrainState, keep: int = 2) -> Path:
    """Write ``state`` to ``directory/step_<step>`` atomically; keep the last ``keep``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / f"{PREFIX}{state.step:010d}"
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=directory))
    try:
        eqx.tree_serialise_leaves(tmp / "arrays.eqx", (state.params, state.opt_state))
        np.savez(tmp / "batch.npz", **_batch_to_npz(state.host_batch))
        meta = {
            "phase": state.phase, "phase_step": state.phase_step, "step": state.step,
            "has_opt_state": state.opt_state is not None,
            "lbfgs_prev": state.lbfgs_prev, "lbfgs_stall": state.lbfgs_stall,
            "rng_state": state.rng_state,
            "reports": [dataclasses.asdict(r) for r in state.reports],
            "history": dataclasses.asdict(state.history),
        }
        (tmp / "state.json").write_text(json.dumps(meta))
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    for old in list_checkpoints(directory)[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    return final


def list_checkpoints(directory: str | os.PathLike) -> list[Path]:
    """Complete checkpoints in ``directory``, oldest first."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    found = [p for p in directory.iterdir() if p.is_dir() and p.name.startswith(PREFIX)
             and (p / "state.json").exists()]
    return sorted(found, key=lambda p: int(p.name[len(PREFIX):]))


def load_checkpoint(path: str | os.PathLike, params_like, phases) -> TrainState:
    """Restore a state saved by :func:`save_checkpoint`.

    ``params_like``: parameters of the same structure (e.g. the freshly initialised
    ones); ``phases``: the run's phases, whose optimizer rebuilds the state template.
    """
    path = Path(path)
    meta = json.loads((path / "state.json").read_text())
    opt_like = None
    if meta["has_opt_state"]:
        opt_like = phases[meta["phase"]].build().init(params_like)
    params, opt_state = eqx.tree_deserialise_leaves(path / "arrays.eqx", (params_like, opt_like))
    with np.load(path / "batch.npz") as data:
        host_batch = _batch_from_npz(data)
    history = History(**meta["history"])
    return TrainState(
        params=params, host_batch=host_batch, rng_state=meta["rng_state"],
        phase=meta["phase"], phase_step=meta["phase_step"], step=meta["step"],
        opt_state=opt_state, lbfgs_prev=meta["lbfgs_prev"], lbfgs_stall=meta["lbfgs_stall"],
        reports=[PhaseReport(**r) for r in meta["reports"]], history=history,
    )
