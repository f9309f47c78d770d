"""A discovery's journal in its run directory: one checkpoint folder per training,
``trainings/seed<s>/<n>-<stage>/step_<step>/`` (the format of
:mod:`pinnjax.runs.checkpoint`: atomic, with checksums). A training's last record is
marked finished and replaces its mid-training checkpoints."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from ..discovery.journal import FINISHED, AbstractJournal
from .checkpoint import CheckpointError, latest_record, save_checkpoint

DIRECTORY = "trainings"


class FileJournal(AbstractJournal):
    """Records under ``directory``; ``every``: steps between mid-training checkpoints;
    ``warn(message)``: told of a damaged record skipped (an older one, or a fresh
    training, takes its place); ``replayed(key, finished, step)``: told of each record read back."""

    def __init__(self, directory: str | Path, every: int = 1000, warn: Callable[[str], None] = lambda m: None,
                 replayed: Callable[[str, bool, int], None] = lambda key, finished, step: None):
        super().__init__()
        self.directory, self.every, self.warn, self.replayed = Path(directory), int(every), warn, replayed

    def _folder(self, key: str) -> Path:
        return self.directory.joinpath(*(re.sub(r"[^A-Za-z0-9_.-]", "_", part) for part in key.split("/")))

    def load(self, key, params_like, phases):
        try:
            record = latest_record(self._folder(key), params_like, phases, self.warn)
        except CheckpointError as err:
            self.warn(f"training {key}: {err}; training it again")
            return None
        if record is not None:
            self.replayed(key, bool(record[1].get(FINISHED)), record[0].step)
        return record

    def save(self, key, state, extra, extra_params, finished):
        save_checkpoint(self._folder(key), state, keep=1 if finished else 2, extra=extra, extra_params=extra_params)

    def recorded(self) -> int:
        """How many trainings have a record (finished or not)."""
        return sum(1 for p in self.directory.glob("seed*/*") if p.is_dir()) if self.directory.is_dir() else 0
