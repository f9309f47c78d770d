"""Trainings that survive a crash: a discovery run with a journal records every training
it finishes (and checkpoints long ones as they go), so running it again replays what is
recorded and continues the interrupted training from its last checkpoint.

A discovery is deterministic given its seed: each stage draws from its own stream and
every selection reads only the networks trained before it. So a rerun reaches the same
trainings in the same order; :func:`train` numbers them (``seed0/003-physics``), returns a
recorded one without training, resumes a checkpointed one exactly (same batches,
optimizer state and early-stop state: the same parameters to the last bit) and records
the rest. The journal here is an interface; :class:`pinnjax.runs.journal.FileJournal`
keeps it in a run directory (this package does no I/O).
"""

from __future__ import annotations

import abc
from collections.abc import Callable

import jax

from ..train.loop import TrainState
from ..train.solve import initial_params, solve


class AbstractJournal(abc.ABC):
    """Where a discovery's trainings are recorded. ``every``: optimizer steps between
    checkpoints within a training. Keys are made by :meth:`key` in the order trainings run."""

    every: int = 1000

    def __init__(self):
        self._count: dict[int, int] = {}

    def key(self, seed: int, stage: str) -> str:
        """``seed<seed>/<n>-<stage>``: the n-th training of this seed's run."""
        n = self._count.get(seed, 0)
        self._count[seed] = n + 1
        return f"seed{seed}/{n:03d}-{stage}"

    @abc.abstractmethod
    def load(self, key: str, params_like, phases) -> tuple[TrainState, dict, object] | None:
        """The newest intact record of ``key``: (state, extra, extra_params), or None."""

    @abc.abstractmethod
    def save(self, key: str, state: TrainState, extra: dict, extra_params, finished: bool) -> None:
        """Record ``state`` of ``key`` (``finished``: the training's last record)."""


class Tracked(abc.ABC):
    """A training callback whose state a checkpoint must keep (e.g. an early stop)."""

    @abc.abstractmethod
    def __call__(self, info: dict) -> bool:
        ...

    @abc.abstractmethod
    def snapshot(self) -> tuple[dict, object]:
        """(JSON-able state, a tree shaped like the parameters or None)."""

    @abc.abstractmethod
    def restore(self, extra: dict, extra_params) -> None:
        ...


FINISHED = "finished"


def train(problem, network, phases, *, dtype: str, seed: int, callback: Callable | None = None,
          tracker: Tracked | None = None, journal: AbstractJournal | None = None, stage: str = "training"):
    """``solve(problem, network, phases)`` with ``tracker`` (called first; True ends the
    training) and ``callback`` between chunks; with a ``journal``, recorded (see above)."""
    if journal is None:
        return solve(problem, network, phases, dtype=dtype, seed=seed,
                     callback=_chain(tracker, callback) if tracker is not None else callback)
    key = journal.key(seed, stage)
    with jax.enable_x64(dtype == "float64"):
        like = initial_params(problem, network, dtype)
        record = journal.load(key, like, phases)
    resume = None
    if record is not None:
        resume, extra, extra_params = record
        if tracker is not None:
            tracker.restore(extra.get("tracker", {}), extra_params)
        if extra.get(FINISHED):  # ran to its end before: no training, the same Result
            return solve(problem, network, phases, dtype=dtype, seed=seed, resume=resume)
    last, step = [resume.step if resume is not None else 0], _chain(tracker, callback)

    def watch(info):
        halt = bool(step(info))
        state = info["state"]
        if not halt and state.step - last[0] >= journal.every:  # a halting chunk is recorded as finished
            journal.save(key, state, *_extras(tracker, False))
            last[0] = state.step
        return halt

    result = solve(problem, network, phases, dtype=dtype, seed=seed, callback=watch, resume=resume)
    with jax.enable_x64(dtype == "float64"):  # arrays are written in the dtype they are read back in
        journal.save(key, result.state.copy(phase=len(phases)), *_extras(tracker, True))
    return result


def _extras(tracker, finished: bool) -> tuple[dict, object, bool]:
    snap, arrays = tracker.snapshot() if tracker is not None else ({}, None)
    return {"tracker": snap, FINISHED: finished}, arrays, finished


def _chain(tracker, callback):
    """One callback: ``tracker`` first (its answer ends training), then ``callback``."""
    if tracker is None:
        return callback if callback is not None else (lambda info: False)

    def both(info):
        halt = tracker(info)
        if callback is not None:
            callback(info)
        return halt

    return both
