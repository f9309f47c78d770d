"""Loggers: optional sinks for a run's metrics besides ``metrics.jsonl``.

``metrics.jsonl`` stays the source of truth: :class:`~pinnjax.runs.experiment.MetricsLog`
writes each step's line there first, then hands the same numbers to every logger as
``log(step, scalars)`` (see :func:`scalars` for the names), calls ``flush()`` after each
chunk and ``close()`` at the end, also when training is interrupted.

From YAML: ``output: {loggers: [tensorboard, wandb]}``; from Python:
``run_experiment(exp, run_dir, loggers=["tensorboard"])`` or logger objects,
``loggers=[TensorBoardLogger("tb"), MyLogger()]`` (any :class:`AbstractLogger`).
``tensorboard`` writes event files into ``RUN_DIR/tensorboard/`` with tensorboardX
(``pip install "pinnjax[loggers]"``); ``wandb`` logs to Weights & Biases (``pip install
wandb``), the project from ``$WANDB_PROJECT`` or "pinnjax", the run named after the run
directory. Neither package is needed unless its logger is asked for.
"""

from __future__ import annotations

import abc
import importlib
import importlib.util
import os
from collections.abc import Sequence
from pathlib import Path
from typing import final

from ..config.errors import ConfigError, describe, did_you_mean
from ..config.registry import LOGGERS

TENSORBOARD_DIR = "tensorboard"  # RUN_DIR/tensorboard/: the event files
PACKAGES = {"tensorboard": ("tensorboardX", 'pip install "pinnjax[loggers]"'), "wandb": ("wandb", "pip install wandb")}
assert set(PACKAGES) == set(LOGGERS)


class AbstractLogger(abc.ABC):
    """Receives a run's metrics: ``log(step, scalars)`` once per recorded step (the numbers
    of that step's metrics.jsonl line), ``flush()`` after each chunk, ``close()`` once."""

    @abc.abstractmethod
    def log(self, step: int, metrics: dict[str, float]) -> None:
        """Record ``metrics`` ({name: number}) at ``step``."""

    def flush(self) -> None:
        """Make what was logged so far durable (called after each chunk); by default nothing."""

    @abc.abstractmethod
    def close(self) -> None:
        """Flush and release the logger (called once, at the end of the run)."""


def scalars(row: dict) -> dict[str, float]:
    """A metrics.jsonl line as a logger's scalars: ``loss/total``, ``loss/<term>`` (terms
    left out where the line has null: not computed that step), ``lr``, ``wall_time``,
    ``coefficients/<name>`` and ``weights/<term>`` where recorded; the phase name is not a number
    and is dropped."""
    out = {"loss/total": row["total"]}
    skip = {"step", "phase", "total", "lr", "wall_time", "coefficients", "weights"}
    out.update({f"loss/{k}": v for k, v in row.items() if k not in skip and v is not None})
    out.update({k: row[k] for k in ("lr", "wall_time") if row.get(k) is not None})
    for group in ("coefficients", "weights"):
        out.update({f"{group}/{k}": v for k, v in row.get(group, {}).items()})
    return out


def _require(name: str):
    """The package logger ``name`` needs, imported; a ConfigError naming output.loggers and the fix when it is missing."""
    module, fix = PACKAGES[name]
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ConfigError("output.loggers", f"logger {name!r} needs the package {module}, which is not installed; "
                          f"install it with {fix}, or remove {name!r} from output.loggers") from None


def check_available(names: Sequence) -> None:
    """Fail before a run starts (ConfigError) when a named logger's package is missing."""
    for name in names:
        if isinstance(name, str) and name in PACKAGES and importlib.util.find_spec(PACKAGES[name][0]) is None:
            _require(name)


@final
class TensorBoardLogger(AbstractLogger):
    """Event files in ``log_dir`` through tensorboardX's ``SummaryWriter`` (one scalar per
    name and step, float32 as TensorBoard stores them). ``purge_step``: a resumed run's first
    step; TensorBoard then hides what an earlier attempt logged from that step on."""

    def __init__(self, log_dir: str | os.PathLike, purge_step: int | None = None, flush_secs: int = 30):
        writer = _require("tensorboard").SummaryWriter
        self.log_dir = Path(log_dir)
        self.writer = writer(logdir=str(self.log_dir), purge_step=purge_step or None, flush_secs=flush_secs)

    def log(self, step, metrics):
        for name, value in metrics.items():
            self.writer.add_scalar(name, value, step)

    def flush(self):
        self.writer.flush()

    def close(self):
        self.writer.close()


@final
class WandbLogger(AbstractLogger):
    """A Weights & Biases run: ``wandb.init(project, name, config, dir)``; each step's
    scalars go to ``run.log(metrics, step=step)``, ``close`` finishes the run."""

    def __init__(self, project: str | None = None, name: str | None = None, config: dict | None = None,
                 directory: str | os.PathLike | None = None):
        wandb = _require("wandb")
        project = project or os.environ.get("WANDB_PROJECT") or "pinnjax"
        self.run = wandb.init(project=project, name=name, config=config,
                              dir=None if directory is None else str(directory))

    def log(self, step, metrics):
        self.run.log(dict(metrics), step=step)

    def close(self):
        self.run.finish()


def unknown_logger(value, path: str = "output.loggers") -> ConfigError:
    """The error for a logger name that is not one of :data:`~pinnjax.config.registry.LOGGERS`."""
    return ConfigError(path, f"unknown logger {describe(value)}.{did_you_mean(value, LOGGERS)} "
                       f"Valid: {', '.join(LOGGERS)} (or, from Python, an AbstractLogger)")


def make_loggers(requested: Sequence, run_dir: Path, run_name: str, config: dict | None = None,
                 start_step: int = 0) -> list[AbstractLogger]:
    """Logger objects for ``requested``: names (``tensorboard`` into ``run_dir/tensorboard``,
    ``wandb`` named after ``run_dir``) or :class:`AbstractLogger` objects, kept as given."""
    check_available(requested)
    loggers = []
    for item in requested:
        if isinstance(item, AbstractLogger):
            loggers.append(item)
        elif item == "tensorboard":
            loggers.append(TensorBoardLogger(Path(run_dir) / TENSORBOARD_DIR, purge_step=start_step))
        elif item == "wandb":
            loggers.append(WandbLogger(name=Path(run_dir).name or run_name, config=config, directory=run_dir))
        else:
            raise unknown_logger(item)
    return loggers
