"""Saving and restoring a :class:`~pinnjax.train.TrainState`, atomically.

Format: one directory per checkpoint, ``step_<step>/`` holding

- ``arrays.eqx``: parameters and optimizer state (``equinox.tree_serialise_leaves``:
  small, dependency-free, exact; restoring needs a template of the same structure,
  which the problem and the phases rebuild);
- ``batch.npz``: the current collocation points of every term;
- ``state.json``: counters, the sampler's random state, phase reports, loss history, and
  the caller's ``extra`` (JSON; e.g. an early stop's best error), whose arrays (e.g. the
  best parameters so far, shaped like the parameters) ride in ``arrays.eqx``;
- ``checksums.json``: the SHA-256 of the three, written last.

A checkpoint is written to a temporary directory and renamed into place, so a crash
(even SIGKILL) leaves either the complete checkpoint or none; the temporary directory a
crash leaves behind is removed by the next save (or resume: one writer per run). A
checkpoint damaged later (a truncated or altered file) fails its checksums or its
structural check when loaded: :func:`latest_intact` then falls back to an older one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import equinox as eqx
import numpy as np

from ..train.loop import History, PhaseReport, TrainState

PREFIX = "step_"
FILES = ("arrays.eqx", "batch.npz", "state.json")
CHECKSUMS = "checksums.json"


class CheckpointError(Exception):
    """A checkpoint or model file that fails its checksum or cannot be restored."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_checksums(directory: Path, names) -> None:
    """Record the SHA-256 of ``directory/name`` for each name in ``directory/checksums.json``."""
    sums = {name: _sha256(directory / name) for name in names}
    tmp = directory / f".{CHECKSUMS}.tmp"
    tmp.write_text(json.dumps(sums, indent=1))
    os.replace(tmp, directory / CHECKSUMS)


def verify_checksums(directory: Path, names) -> None:
    """Raise :class:`CheckpointError` when one of ``names`` is missing, lacks a checksum or
    does not match it; nothing is checked where no checksums were written (older runs)."""
    if not (directory / CHECKSUMS).exists():
        return
    try:
        sums = json.loads((directory / CHECKSUMS).read_text())
    except (OSError, ValueError) as err:
        raise CheckpointError(f"{CHECKSUMS} is unreadable ({err})") from None
    for name in names:
        path = directory / name
        if name not in sums or not path.is_file():
            raise CheckpointError(f"{name} is missing" if name in sums else f"{name} has no checksum")
        if _sha256(path) != sums[name]:
            raise CheckpointError(f"{name} does not match its checksum (truncated or altered)")


def clean_temporaries(directory: Path) -> list[str]:
    """Remove what an interrupted write left in ``directory`` (``.tmp-*`` checkpoint
    directories, ``.*.tmp`` files); returns their names. Only one process writes a run."""
    directory = Path(directory)
    stale = [p for p in directory.iterdir() if p.name.startswith(".tmp-")
             or (p.name.startswith(".") and p.name.endswith(".tmp"))] if directory.is_dir() else []
    for p in stale:
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
    return [p.name for p in stale]


def _batch_to_npz(batch: dict) -> dict[str, np.ndarray]:
    return {f"{term}/{key}": np.asarray(a) for term, arrays in batch.items() for key, a in arrays.items()}


def _batch_from_npz(data) -> dict:
    batch: dict = {}
    for name in data.files:
        term, key = name.rsplit("/", 1)
        batch.setdefault(term, {})[key] = data[name]
    return batch


def save_checkpoint(directory: str | os.PathLike, state: TrainState, keep: int = 2, extra: dict | None = None,
                    extra_params=None) -> Path:
    """Write ``state`` to ``directory/step_<step>`` atomically; keep the last ``keep``.
    ``extra`` (JSON) and ``extra_params`` (a tree shaped like ``state.params``) are saved
    with it and come back from :func:`load_record`."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    clean_temporaries(directory)
    final = directory / f"{PREFIX}{state.step:010d}"
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=directory))
    try:
        eqx.tree_serialise_leaves(tmp / "arrays.eqx", (state.params, state.opt_state, extra_params))
        np.savez(tmp / "batch.npz", **_batch_to_npz(state.host_batch))
        meta = {
            "phase": state.phase, "phase_step": state.phase_step, "step": state.step,
            "has_opt_state": state.opt_state is not None,
            "lbfgs_prev": state.lbfgs_prev, "lbfgs_stall": state.lbfgs_stall,
            "rng_state": state.rng_state,
            "reports": [dataclasses.asdict(r) for r in state.reports],
            "history": dataclasses.asdict(state.history),
            "extra": extra or {}, "has_extra_params": extra_params is not None,
            "weights": state.weights, "balance": state.balance,
        }
        (tmp / "state.json").write_text(json.dumps(meta))
        write_checksums(tmp, FILES)
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
    """Restore a state saved by :func:`save_checkpoint`, verified first.

    ``params_like``: parameters of the same structure (e.g. the freshly initialised
    ones); ``phases``: the run's phases, whose optimizer rebuilds the state template.
    Raises :class:`CheckpointError` (naming the file and the fault) for a damaged one.
    """
    return load_record(path, params_like, phases)[0]


def load_record(path: str | os.PathLike, params_like, phases) -> tuple[TrainState, dict, object]:
    """(state, extra, extra_params) of a checkpoint, as :func:`load_checkpoint` verifies it."""
    path = Path(path)
    verify_checksums(path, FILES)
    try:
        return _restore(path, params_like, phases)
    except Exception as err:  # noqa: BLE001 - whatever a damaged file raises (json, zip, equinox, KeyError)
        raise CheckpointError(f"cannot be restored ({type(err).__name__}: {str(err)[:200]})") from None


def _restore(path: Path, params_like, phases) -> tuple[TrainState, dict, object]:
    meta = json.loads((path / "state.json").read_text())
    opt_like = None
    if meta["has_opt_state"]:
        opt_like = phases[meta["phase"]].build().init(params_like)
    extra_like = params_like if meta.get("has_extra_params") else None
    params, opt_state, extra_params = eqx.tree_deserialise_leaves(path / "arrays.eqx",
                                                                  (params_like, opt_like, extra_like))
    with np.load(path / "batch.npz") as data:
        host_batch = _batch_from_npz(data)
    history = History(**meta["history"])
    state = TrainState(
        params=params, host_batch=host_batch, rng_state=meta["rng_state"],
        phase=meta["phase"], phase_step=meta["phase_step"], step=meta["step"],
        opt_state=opt_state, lbfgs_prev=meta["lbfgs_prev"], lbfgs_stall=meta["lbfgs_stall"],
        reports=[PhaseReport(**r) for r in meta["reports"]], history=history,
        weights=meta.get("weights"), balance=meta.get("balance"),
    )
    return state, meta.get("extra", {}), extra_params


def latest_intact(directory: str | os.PathLike, params_like, phases,
                  warn: Callable[[str], None] = lambda message: None) -> TrainState | None:
    """The newest checkpoint in ``directory`` that loads, None when there is none; each
    damaged one skipped is reported through ``warn``; :class:`CheckpointError` when every
    checkpoint is damaged."""
    record = latest_record(directory, params_like, phases, warn)
    return None if record is None else record[0]


def latest_record(directory: str | os.PathLike, params_like, phases,
                  warn: Callable[[str], None] = lambda message: None) -> tuple[TrainState, dict, object] | None:
    """:func:`latest_intact` with the checkpoint's extras: (state, extra, extra_params)."""
    directory = Path(directory)
    clean_temporaries(directory)
    damaged = []
    for path in reversed(list_checkpoints(directory)):
        try:
            return load_record(path, params_like, phases)
        except CheckpointError as err:
            damaged.append(f"{path.name} ({err})")
            warn(f"checkpoint {path.name} is damaged: {err}; skipped it, trying an older one")
    if damaged:
        raise CheckpointError(f"no intact checkpoint is left in {str(directory)!r}: {'; '.join(damaged)}")
    return None
