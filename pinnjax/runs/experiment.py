"""Run directories: resolved config, metrics.jsonl, checkpoints, final model, summary, plots.

```
runs/<name>-<timestamp>/
  config.yaml        the resolved config (overrides applied)
  metrics.jsonl      one line per step: step, phase, total, per-term losses, lr, wall_time
                     (and coefficients, the terms' weights under balancing, where updated)
  checkpoints/       step_<n>/ (atomic, with checksums; the last two kept)
  model.eqx          final parameters (equinox leaves; its SHA-256 in checksums.json)
  summary.json       final losses, relative L2 per field, wall time, steps/s, versions, seed
  tensorboard/       event files, with output.loggers: [tensorboard] (see pinnjax.runs.loggers)
  plots/             prediction.png, reference.png, error.png, losses.png (coefficients.png,
                     weights.png where there are any)
```
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import time
from pathlib import Path

import equinox as eqx
import jax
import numpy as np
import yaml

from .checkpoint import (
    CheckpointError,
    clean_temporaries,
    latest_intact,
    save_checkpoint,
    verify_checksums,
    write_checksums,
)
from ..train.health import training_warnings
from ..train.solve import initial_params, solve
from ..train.loop import TrainState


def new_run_dir(root: str | os.PathLike, name: str) -> Path:
    """``root/<name>-<YYYYmmdd-HHMMSS>`` (with a suffix if it exists)."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = Path(root) / f"{name}-{stamp}"
    path, i = base, 1
    while path.exists():
        path, i = Path(f"{base}-{i}"), i + 1
    path.mkdir(parents=True)
    return path


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _step_of(line: str) -> float:
    """The step of a metrics line; a line cut short by a crash counts as past the end."""
    try:
        return json.loads(line)["step"]
    except (ValueError, KeyError, TypeError):
        return float("inf")


class MetricsLog:
    """Appends one JSON line per step; on resume, drops lines past the checkpoint. Each
    ``loggers`` object (:class:`~pinnjax.runs.loggers.AbstractLogger`) then receives the same
    numbers; leaving a ``with MetricsLog(...)`` block closes them."""

    def __init__(self, path: Path, phases, start_step: int = 0, loggers=()):
        self.path, self.phases, self.loggers = path, phases, list(loggers)
        self.written = start_step
        self.t0 = time.perf_counter()
        if path.exists():
            keep = [ln for ln in path.read_text().splitlines() if _step_of(ln) < start_step]
            write_atomic(path, "".join(ln + "\n" for ln in keep))
            if keep:  # wall time continues from where the resumed run left off
                self.t0 -= json.loads(keep[-1])["wall_time"]
        self.phase_start: dict[int, int] = {}

    def _lr(self, phase_index: int, phase_step: int):
        return self.phases[phase_index].learning_rate_at(phase_step)

    def write(self, state: TrainState) -> None:
        """Append the steps recorded since the last call (fsync'd)."""
        h = state.history
        lines = []
        for i in range(self.written, len(h.total)):
            p = h.phase[i]
            if p not in self.phase_start:
                j = i
                while j > 0 and h.phase[j - 1] == p:
                    j -= 1
                self.phase_start[p] = h.step[j]
            row = {"step": h.step[i], "phase": self.phases[p].name, "total": h.total[i]}
            row.update({k: (None if np.isnan(v[i]) else v[i]) for k, v in h.terms.items()})
            for key, series in (("coefficients", h.coefficients), ("weights", h.weights)):
                recorded = {k: v[i] for k, v in series.items() if i < len(v) and not np.isnan(v[i])}
                if recorded:
                    row[key] = recorded
            row["lr"] = self._lr(p, h.step[i] - self.phase_start[p])
            row["wall_time"] = round(time.perf_counter() - self.t0, 3)
            lines.append(json.dumps(row))
        if lines:
            with self.path.open("a") as f:
                f.write("\n".join(lines) + "\n")
                f.flush()
                os.fsync(f.fileno())
        self.written = len(h.total)
        self._tell_loggers(lines)

    def _tell_loggers(self, lines: list[str]) -> None:
        """The lines just written, as each logger's scalars (read back: the very numbers of the file)."""
        from .loggers import scalars

        rows = [json.loads(line) for line in lines] if self.loggers else []
        for logger in self.loggers:
            for row in rows:
                logger.log(row["step"], scalars(row))
            logger.flush()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        for logger in self.loggers:
            logger.close()


def versions() -> dict:
    import optax

    return {"python": platform.python_version(), "jax": jax.__version__, "optax": optax.__version__,
            "equinox": eqx.__version__ if hasattr(eqx, "__version__") else "?",
            "device": ", ".join(sorted({d.device_kind for d in jax.devices()})),
            "platform": platform.platform()}


def latest_state(run_dir: Path, exp, warn=lambda message: None) -> TrainState | None:
    """The newest intact checkpoint of a run, restored against ``exp``'s templates (see
    :func:`~pinnjax.runs.checkpoint.latest_intact`); what a crash left half-written is removed."""
    clean_temporaries(run_dir)
    with jax.enable_x64(exp.dtype == "float64"):
        like = initial_params(exp.problem, exp.network, exp.dtype)
        return latest_intact(run_dir / "checkpoints", like, exp.phases, warn)


def completed_summary(run_dir: Path) -> dict | None:
    """The summary of a run that finished (status ok, model written), else None."""
    try:
        summary = json.loads((run_dir / "summary.json").read_text())
    except (OSError, ValueError):
        return None
    ok = isinstance(summary, dict) and summary.get("status") == "ok"
    return summary if ok and (run_dir / "model.eqx").is_file() else None


def _save_model(run_dir: Path, params) -> None:
    tmp = run_dir / ".model.eqx.tmp"
    eqx.tree_serialise_leaves(tmp, params)
    os.replace(tmp, run_dir / "model.eqx")
    write_checksums(run_dir, ["model.eqx"])


def run_experiment(exp, run_dir: Path, progress=None, resume: TrainState | None = None, loggers=(),
                   mesh=None) -> dict:
    """Train ``exp`` writing everything into ``run_dir``; returns the summary dict. ``loggers``:
    names ("tensorboard", "wandb") or :class:`~pinnjax.runs.loggers.AbstractLogger` objects, added
    to ``exp.output["loggers"]`` and closed at the end. ``mesh``: the devices the points are split
    over (a run over several processes: this is process 0's part, see :mod:`.distributed`)."""
    from .loggers import check_available, make_loggers

    check_available([*exp.output.get("loggers", ()), *loggers])
    run_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(run_dir / "config.yaml", yaml.safe_dump(exp.config, sort_keys=False))
    every = int(exp.output.get("checkpoint_every", 1000))
    start = resume.step if resume is not None else 0
    sinks = make_loggers([*exp.output.get("loggers", ()), *loggers], run_dir, exp.name, exp.config, start)
    metrics = MetricsLog(run_dir / "metrics.jsonl", exp.phases, start, sinks)
    last_ckpt = [start]

    def on_chunk(info):
        state = info["state"]
        metrics.write(state)
        if state.step - last_ckpt[0] >= every:
            save_checkpoint(run_dir / "checkpoints", state)
            last_ckpt[0] = state.step
        if progress is not None:
            progress(info)

    t0 = time.perf_counter()
    with metrics:  # closes the loggers, also on an interrupt
        result = solve(exp.problem, exp.network, exp.phases, callback=on_chunk, resume=resume, mesh=mesh,
                       **exp.solve_kwargs)
        wall = time.perf_counter() - t0
        metrics.write(result.state)
    failed = any(r.stop_reason == "non-finite loss" for r in result.phases)
    if not failed:
        save_checkpoint(run_dir / "checkpoints", result.state)
        _save_model(run_dir, result.params)
    summary = summarize(exp, result, wall, start)
    write_atomic(run_dir / "summary.json", json.dumps(summary, indent=2))
    if not failed:
        from .plots import plot_run

        plot_run(run_dir, exp, result)
    return summary


def summarize(exp, result, wall: float, start_step: int) -> dict:
    steps = len(result.history.total) - start_step
    errors = {}
    if exp.reference is not None:
        points, values, field = exp.reference
        errors[field] = result.relative_l2(points, values, field)
    return {
        "name": exp.name, "seed": exp.seed, "dtype": exp.dtype,
        "status": "failed" if any(r.stop_reason == "non-finite loss" for r in result.phases) else "ok",
        "final_losses": result.final_losses, "final_total": result.history.total[-1] if result.history.total else None,
        "relative_l2": errors, "coefficients": result.coefficients,
        "phases": [{"name": r.name, "steps": r.steps, "budget": r.budget, "stop_reason": r.stop_reason,
                    "wall_time": r.wall_time, "compile_time": r.compile_time, "message": r.message}
                   for r in result.phases],
        "warnings": training_warnings(result.history, result.phases, _final_weights(exp, result)),
        "steps": len(result.history.total), "wall_time": wall,
        "steps_per_second": steps / wall if wall > 0 and steps > 0 else None,
        "versions": versions(),
    }


def _final_weights(exp, result) -> dict:
    """Each term's weight at the end: a balancer's last one where it set them, else the term's."""
    weights = {t.name: t.weight for t in exp.problem.terms}
    for name, values in result.history.weights.items():
        finite = [v for v in values if v == v]
        if finite:
            weights[name] = finite[-1]
    return weights


def load_result(run_dir: Path, warn=lambda message: None):
    """A :class:`~pinnjax.result.Result` of a finished run (for prediction). A damaged
    ``model.eqx`` is reported through ``warn`` and replaced by the newest intact checkpoint's
    parameters; :class:`CheckpointError` when none is left."""
    from ..engine.compiled import compile_problem
    from ..config import build_experiment, load_config
    from ..train.result import Result
    from ..train.solve import DTYPES
    from ..train.loop import History

    model = run_dir / "model.eqx"
    if not (run_dir / "config.yaml").is_file() or not model.is_file():
        raise FileNotFoundError(
            f"{str(run_dir)!r} is not a finished run directory (needs config.yaml and model.eqx)"
        )
    exp = build_experiment(load_config(run_dir / "config.yaml"), base_dir=run_dir)
    kw = exp.solve_kwargs
    with jax.enable_x64(exp.dtype == "float64"):
        compiled, _ = compile_problem(exp.problem, exp.network, kw.get("method", "forward"), kw.get("scale_inputs", True))
        params = _model_params(run_dir, exp, warn)
    return Result(compiled, params, History(), [], 0.0, DTYPES[exp.dtype])


def _model_params(run_dir: Path, exp, warn):
    """The parameters in ``model.eqx``, or (damaged) those of the newest intact checkpoint."""
    like = initial_params(exp.problem, exp.network, exp.dtype)
    try:
        verify_checksums(run_dir, ["model.eqx"])
        return eqx.tree_deserialise_leaves(run_dir / "model.eqx", like)
    except Exception as err:  # noqa: BLE001 - a truncated file raises whatever numpy or equinox meets
        reason = err if isinstance(err, CheckpointError) else f"cannot be restored ({type(err).__name__}: {err})"
    try:
        state = latest_intact(run_dir / "checkpoints", like, exp.phases, warn)
    except CheckpointError as err:
        raise CheckpointError(f"model.eqx in {str(run_dir)!r} is damaged ({reason}), and {err}; train it again "
                              f"with 'pinnjax run {run_dir / 'config.yaml'}'") from None
    if state is None:
        raise CheckpointError(f"model.eqx in {str(run_dir)!r} is damaged ({reason}) and the run has no checkpoint; "
                              f"train it again with 'pinnjax run {run_dir / 'config.yaml'}'")
    warn(f"model.eqx is damaged ({reason}); predicting with the parameters of checkpoint step {state.step}")
    return state.params
