"""Run directories: the only package that writes files (checkpoints, metrics, plots,
summaries, discovery results) and reports progress. Imports from every layer below it."""

from .checkpoint import list_checkpoints, load_checkpoint, save_checkpoint
from .experiment import latest_state, load_result, new_run_dir, run_experiment

__all__ = ["latest_state", "list_checkpoints", "load_checkpoint", "load_result", "new_run_dir", "run_experiment",
           "save_checkpoint"]
