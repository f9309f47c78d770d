"""Progress while training: a live bar on a terminal, periodic log lines elsewhere."""

from __future__ import annotations

import sys
import time


def _duration(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}h{m:02d}m" if h else (f"{m}m{s:02d}s" if m else f"{s}s")


class Progress:
    """A training callback: ``Progress(total_steps)(info)`` after every chunk.

    On a terminal it redraws one line (bar, steps/s, ETA, total and per-term losses);
    otherwise (logs, CI) it prints a line every ``log_every`` seconds. ``quiet``
    prints nothing.
    """

    def __init__(self, total_steps: int, stream=None, quiet: bool = False, log_every: float = 30.0, start_step: int = 0):
        self.total = max(total_steps, 1)
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.log_every = log_every
        self.t0 = self.last_log = time.perf_counter()
        self.start = start_step

    def line(self, info) -> str:
        step = info["step"]
        elapsed = time.perf_counter() - self.t0
        rate = (step - self.start) / elapsed if elapsed > 0 else 0.0
        eta = (self.total - step) / rate if rate > 0 else float("nan")
        frac = min(step / self.total, 1.0)
        bar = "#" * int(frac * 20) + "-" * (20 - int(frac * 20))
        terms = " ".join(f"{k} {v:.2e}" for k, v in info["losses"].items())
        eta_text = _duration(eta) if eta == eta else "?"
        return (f"[{info['phase']}] {bar} {step}/{self.total} {rate:.0f} steps/s ETA {eta_text} "
                f"| total {info['total']:.3e} | {terms}")

    def __call__(self, info) -> None:
        if self.quiet:
            return
        now = time.perf_counter()
        if self.tty:
            self.stream.write("\r\033[K" + self.line(info))
            self.stream.flush()
        elif now - self.last_log >= self.log_every:
            self.last_log = now
            self.stream.write(self.line(info) + "\n")
            self.stream.flush()

    def close(self) -> None:
        if self.tty and not self.quiet:
            self.stream.write("\n")
            self.stream.flush()


class StagedProgress:
    """Progress over several trainings in a row (discovery: fit, smooth, physics rounds).

    ``totals``: {stage: steps of one training in that stage}. A new bar starts whenever
    the stage changes or the step count goes back (a new training); lines are prefixed
    with the stage. ``run_steps``: (fewest, most) steps of the whole run; the prefix then
    also counts the run's steps so far and a rough ETA range for the rest at the run's
    average rate so far (stages differ in cost per step, so it sharpens as the run goes).
    """

    def __init__(self, totals: dict, stream=None, quiet: bool = False, log_every: float = 30.0,
                 run_steps: tuple[int, int] | None = None):
        self.totals, self.stream, self.quiet, self.log_every = totals, stream, quiet, log_every
        self.stage, self.last_step, self.bar = None, -1, None
        self.run_steps, self.finished, self.t0 = run_steps, 0, time.perf_counter()

    def __call__(self, info) -> None:
        stage = info.get("stage", "train")
        if stage != self.stage or info["step"] < self.last_step:
            self.close()
            self.finished += max(self.last_step, 0)
            self.bar = Progress(self.totals.get(stage, 1), self.stream, self.quiet, self.log_every)
            self.stage = stage
        self.last_step = info["step"]
        self.bar({**info, "phase": f"{stage}: {info['phase']}{self._run(info['step'])}"})

    def _run(self, step: int) -> str:
        if self.run_steps is None:
            return ""
        done, (lo, hi) = self.finished + step, self.run_steps
        rate = done / max(time.perf_counter() - self.t0, 1e-9)
        eta = "-".join(_duration(max(n - done, 0) / rate) for n in (lo, hi)) if rate > 0 else "?"
        return f"; run {done:,} of {lo:,}-{hi:,} steps, ETA {eta}"

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
