"""Discovery run directories: ``config.yaml``, ``trainings/`` (the journal: every training
recorded as it runs, see :mod:`pinnjax.runs.journal`), ``equation.txt`` (one line per
seed) and ``summary.json``, written as each discovery of a :class:`DiscoveryExperiment` ends.
Running it again in the same directory (``pinnjax resume``) replays the recorded trainings
and continues the interrupted one."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import yaml

from ..config.discovery import DiscoveryExperiment
from ..discovery import PDEDiscovery, System
from .experiment import versions, write_atomic
from .journal import DIRECTORY, FileJournal


def run_discovery(exp: DiscoveryExperiment, run_dir: Path, say: Callable[[str], None] | None = None,
                  progress: Callable | None = None, warn: Callable[[str], None] = lambda message: None) -> dict:
    """Discover once per seed, writing ``config.yaml``, the journal of trainings,
    ``equation.txt`` (one line per seed) and ``summary.json`` into ``run_dir``; returns the
    summary. ``progress(info)`` receives training progress (see
    :func:`pinnjax.discovery.discover`); ``warn`` is told of damaged records skipped."""
    run_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(run_dir / "config.yaml", yaml.safe_dump(exp.config, sort_keys=False))

    def replayed(key: str, finished: bool, step: int) -> None:
        if say:
            say(f"training {key}: {'done before, read back' if finished else f'continues from step {step}'}")

    journal = FileJournal(run_dir / DIRECTORY, exp.output["checkpoint_every"], warn, replayed)
    t0, results = time.perf_counter(), []
    for seed in exp.seeds:
        start = time.perf_counter()
        if say:
            say(f"seed {seed}: fitting the network, selecting among {len(exp.library)} terms ...")
        model = exp.estimator((seed,))
        model.callback, model.journal = progress, journal
        results += model.fit(exp.data).results_
        if say:
            say(f"seed {seed}: {results[-1].equation} ({time.perf_counter() - start:.1f} s)")
    model = exp.estimator()
    model.results_ = results
    wall = time.perf_counter() - t0
    write_atomic(run_dir / "equation.txt", "".join(e + "\n" for e in model.equations()))
    summary = summarize(exp, model, wall, versions())
    write_atomic(run_dir / "summary.json", json.dumps(summary, indent=2, default=_json))
    return summary


def _json(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def _failed(r) -> str | None:
    """Why one seed's discovery failed (non-finite loss or coefficients), or None."""
    bad = [p.message or p.name for p in getattr(r.result, "phases", []) if p.stop_reason == "non-finite loss"]
    if bad:
        return "non-finite loss in " + "; ".join(bad)
    if not np.all(np.isfinite(r.equation.coefficients)):
        return "non-finite coefficients"
    return None


def summarize(exp: DiscoveryExperiment, model: PDEDiscovery, wall: float, versions: dict) -> dict:
    """The run's summary; with several fields also ``system`` (and per seed): each field's
    equation, kept coefficients, their intervals and the terms' selection frequencies."""
    eq = model.equation_
    failures = [f"seed {s}: {why}" for s, r in zip(exp.seeds, model.results_) if (why := _failed(r))]
    summary = {
        "name": exp.name, "status": "failed" if failures else "ok", "failures": failures,
        "equation": str(eq), "equations": model.equations(), "lhs": eq.lhs, "terms": list(eq.terms),
        "coefficients": eq.active(), "mask": eq.mask.tolist(), "frequencies": model.frequencies_,
        "rounds": model.results_[0].rounds,
        "per_seed": [{"seed": s, "equation": str(r.equation), "coefficients": r.equation.active(),
                      "frequencies": r.frequencies, "rounds": r.rounds, "checks": r.checks}
                     for s, r in zip(exp.seeds, model.results_)],
        "selector": exp.options["selector"], "alternate": exp.options["alternate"],
        "penalty": exp.options["penalty"], "screen_penalty": exp.options["screen_penalty"],
        "stable_fraction": exp.options["stable_fraction"], "seeds": list(exp.seeds),
        "dtype": exp.setup_options["dtype"], "recipe": str(exp.recipe),
        "n_points": len(exp.data), "n_trajectories": exp.data.n_trajectories, "noise": exp.source["noise"],
        "data": exp.source, "wall_time": wall, "jax_version": versions["jax"], "device": versions["device"],
        "versions": versions,
    }
    if isinstance(eq, System):
        summary["system"] = model.results_[0].per_equation()
        for entry, r in zip(summary["per_seed"], model.results_):
            entry["system"] = r.per_equation()
    return summary
