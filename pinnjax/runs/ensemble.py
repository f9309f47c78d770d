"""An ensemble run directory: every member's results and the members' statistics.

    RUN_DIR/config.yaml
    RUN_DIR/summary.json                 members' statistics + one entry per member
    RUN_DIR/members/seed_<s>/summary.json
    RUN_DIR/members/seed_<s>/model.eqx   that member's parameters
    RUN_DIR/members/seed_<s>/history.npz its per-step losses

The members train together in one compiled step (:func:`pinnjax.solve_ensemble`). After
every phase each member's state is checkpointed in ``members/seed_<s>/checkpoints/``;
``pinnjax resume RUN_DIR`` continues from the last phase every member finished, exactly as
the uninterrupted run (a crash loses at most the phase in progress).
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import jax
import numpy as np
import yaml

from ..train.ensemble import solve_ensemble
from ..train.solve import initial_params
from .checkpoint import CheckpointError, list_checkpoints, load_checkpoint, save_checkpoint
from .experiment import _save_model, summarize, versions, write_atomic

ENSEMBLE_KWARGS = ("dtype", "method", "chunk", "resample_every", "scale_inputs")


def statistics(values) -> dict:
    """Median, quartiles, min and max of the members' values (NaN-free members only)."""
    v = np.asarray([x for x in values if x is not None and np.isfinite(x)], float)
    if not v.size:
        return {"median": None, "q25": None, "q75": None, "min": None, "max": None, "n": 0}
    q25, median, q75 = np.percentile(v, [25, 50, 75])
    return {"median": float(median), "q25": float(q25), "q75": float(q75), "min": float(v.min()),
            "max": float(v.max()), "n": int(v.size)}


def _member_summary(exp, result, seed: int, wall: float) -> dict:
    summary = summarize(exp, result, wall, 0)
    summary["seed"] = seed
    return summary


def _checkpoints(run_dir: Path, seed: int) -> Path:
    return run_dir / "members" / f"seed_{seed}" / "checkpoints"


def save_members(run_dir: Path, seeds, states) -> None:
    """Each member's phase-boundary state into its own checkpoints folder."""
    for seed, state in zip(seeds, states):
        save_checkpoint(_checkpoints(run_dir, seed), state)


def resume_states(run_dir: Path, exp, warn=lambda message: None):
    """Every member's state at the last phase boundary all of them reached (None: none)."""
    found = []
    for seed, network in zip(exp.ensemble, exp.networks):
        states = {}
        for path in list_checkpoints(_checkpoints(run_dir, seed)):
            try:
                with jax.enable_x64(exp.dtype == "float64"):
                    state = load_checkpoint(path, initial_params(exp.problem, network, exp.dtype), exp.phases)
            except CheckpointError as err:
                warn(f"member seed {seed}: checkpoint {path.name} is damaged ({err}); skipped it")
                continue
            states[state.phase] = state
        found.append(states)
    common = set.intersection(*(set(f) for f in found)) if found else set()
    if not common:
        return None
    phase = max(common)
    if any(max(f, default=0) > phase for f in found):
        warn(f"some members had finished later phases; all resume from the end of phase {phase}")
    return [f[phase] for f in found]


def finished_summary(run_dir: Path) -> dict | None:
    """The summary of an ensemble that finished (every member written), else None."""
    try:
        summary = json.loads((run_dir / "summary.json").read_text())
    except (OSError, ValueError):
        return None
    return summary if isinstance(summary, dict) and isinstance(summary.get("members"), list) else None


def run_ensemble(exp, run_dir: Path, progress=None, resume=None) -> dict:
    """Train ``exp``'s members as one ensemble, writing ``run_dir``; returns the summary.
    ``resume``: the members' states from :func:`resume_states`."""
    run_dir.mkdir(parents=True, exist_ok=True)
    if resume is None:  # a fresh start: no member state of an earlier run may be resumed later
        shutil.rmtree(run_dir / "members", ignore_errors=True)
    write_atomic(run_dir / "config.yaml", yaml.safe_dump(exp.config, sort_keys=False))
    kwargs = {k: exp.solve_kwargs[k] for k in ENSEMBLE_KWARGS}
    t0 = time.perf_counter()
    ens = solve_ensemble(exp.problem, list(exp.networks), exp.phases, seeds=exp.ensemble, callback=progress,
                         resume=resume, on_phase=lambda states: save_members(run_dir, exp.ensemble, states), **kwargs)
    wall = time.perf_counter() - t0
    members = []
    for seed, result in zip(ens.seeds, ens.members()):
        folder = run_dir / "members" / f"seed_{seed}"
        folder.mkdir(parents=True, exist_ok=True)
        summary = _member_summary(exp, result, seed, wall)
        if summary["status"] == "ok":
            _save_model(folder, result.params)
        np.savez(folder / "history.npz", **result.history.as_arrays())
        write_atomic(folder / "summary.json", json.dumps(summary, indent=2))
        members.append(summary)
    summary = aggregate(exp, members, wall, ens.compile_time)
    write_atomic(run_dir / "summary.json", json.dumps(summary, indent=2))
    return summary


def aggregate(exp, members: list[dict], wall: float, compile_time: float) -> dict:
    """The ensemble's summary: statistics of every metric over the members, then the members."""
    fields = sorted({f for m in members for f in m["relative_l2"]})
    coefficients = sorted({c for m in members for c in m["coefficients"]})
    terms = sorted({t for m in members for t in m["final_losses"]})
    return {
        "name": exp.name, "ensemble": [m["seed"] for m in members], "dtype": exp.dtype,
        "status": "ok" if all(m["status"] == "ok" for m in members) else "failed",
        "relative_l2": {f: statistics([m["relative_l2"].get(f) for m in members]) for f in fields},
        "coefficients": {c: statistics([m["coefficients"].get(c) for m in members]) for c in coefficients},
        "final_losses": {t: statistics([m["final_losses"].get(t) for m in members]) for t in terms},
        "wall_time": wall, "compile_time": compile_time, "versions": versions(),
        "members": [{k: m[k] for k in ("seed", "status", "relative_l2", "coefficients", "final_losses", "steps")}
                    for m in members],
    }
