"""An ensemble run directory: every member's results and the members' statistics.

    RUN_DIR/config.yaml
    RUN_DIR/summary.json                 members' statistics + one entry per member
    RUN_DIR/members/seed_<s>/summary.json
    RUN_DIR/members/seed_<s>/model.eqx   that member's parameters
    RUN_DIR/members/seed_<s>/history.npz its per-step losses

The members train together in one compiled step (:func:`pinnjax.solve_ensemble`); the run
is not checkpointed while it trains (a crash loses the ensemble, not earlier runs).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import yaml

from ..train.ensemble import solve_ensemble
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


def run_ensemble(exp, run_dir: Path, progress=None) -> dict:
    """Train ``exp``'s members as one ensemble, writing ``run_dir``; returns the summary."""
    run_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(run_dir / "config.yaml", yaml.safe_dump(exp.config, sort_keys=False))
    kwargs = {k: exp.solve_kwargs[k] for k in ENSEMBLE_KWARGS}
    t0 = time.perf_counter()
    ens = solve_ensemble(exp.problem, list(exp.networks), exp.phases, seeds=exp.ensemble, callback=progress,
                         **kwargs)
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
