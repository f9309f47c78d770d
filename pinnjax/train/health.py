"""Warnings that catch silent failures of a finished training, read from its history.

Each check is a small class with ``__call__(history, reports, weights) -> message | None``;
:func:`training_warnings` runs them all. What each looks for:

- :class:`StillFalling`: the last phase, a first-order one (Adam, ...), ended on its step
  budget while the total loss was still falling fast (over the last tenth of its steps, the median of the second half below
  the first half's by more than ``drop``): more steps would change the answer.
- :class:`CoefficientMoving`: a trained coefficient changed by more than ``change`` (relative)
  over the last tenth of all steps: it has not settled, so its value is not an answer yet.
- :class:`DominantTerm`: at the end, one term's weighted loss exceeds every other's by more
  than ``ratio`` while it has not itself fallen by that ratio from its start: the others
  barely steer the training; weight them. (A converged run, every term orders of magnitude
  below its start, may end with its terms far apart, e.g. 1e-9 and 1e-14: not flagged.)
- :class:`FlatHigh`: the loss stopped moving (over the last fifth, less than ``still``
  relative change) while still above ``high`` × its initial value: training stalled.
- :class:`EarlyLineSearchStop`: an L-BFGS/BFGS phase stopped for want of progress within its
  first ``first`` iterations (a line search that failed at once; a stop on the gradient
  tolerance there means the previous phase had already converged, and is not flagged).
"""

from __future__ import annotations

import abc
import dataclasses

import numpy as np

LINE_SEARCH = ("lbfgs", "bfgs", "optax_lbfgs")


def _tail(values, fraction: float, minimum: int = 10) -> np.ndarray:
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    n = max(minimum, int(len(v) * fraction))
    return v[-n:] if len(v) >= 2 * minimum else np.array([])


class AbstractCheck(abc.ABC):
    code: str

    @abc.abstractmethod
    def __call__(self, history, reports, weights: dict) -> str | None:
        """A warning's text, or None when all is well."""


@dataclasses.dataclass(frozen=True)
class StillFalling(AbstractCheck):
    drop: float = 0.05
    code: str = "still_falling"

    def __call__(self, history, reports, weights):
        if not reports or reports[-1].stop_reason != "step budget" or reports[-1].name in LINE_SEARCH:
            return None  # a line-search phase stops on its own tests; on its budget it is usually polishing
        last = len(reports) - 1
        totals = [t for t, p in zip(history.total, history.phase) if p == last]
        tail = _tail(totals, 0.1)
        if not tail.size:
            return None
        first, second = np.median(tail[: len(tail) // 2]), np.median(tail[len(tail) // 2:])
        fall = 1 - second / first if first > 0 else 0.0
        if fall <= self.drop:
            return None
        return (f"the last phase ({reports[-1].name}) ended on its step budget while the loss was still falling "
                f"({fall:.0%} over its last {len(tail)} steps): the answer is not converged; give it more steps "
                "or add an L-BFGS phase")


@dataclasses.dataclass(frozen=True)
class CoefficientMoving(AbstractCheck):
    change: float = 0.01
    code: str = "coefficient_moving"

    def __call__(self, history, reports, weights):
        moving = []
        for name, values in history.coefficients.items():
            v = np.asarray(values, float)
            recorded = np.flatnonzero(np.isfinite(v))
            if len(recorded) < 2:
                continue
            end = recorded[-1]
            start = recorded[recorded <= end - max(1, len(v) // 10)]
            if not start.size:
                continue
            a, b = v[start[-1]], v[end]
            rel = abs(b - a) / max(abs(b), 1e-12)
            if rel > self.change:
                moving.append(f"{name} ({a:.4g} -> {b:.4g} over the last {end - start[-1]} steps)")
        if not moving:
            return None
        return (f"trained coefficient(s) still moving at the end: {'; '.join(moving)}; their values are not "
                "converged: train longer (an L-BFGS phase usually settles them)")


@dataclasses.dataclass(frozen=True)
class DominantTerm(AbstractCheck):
    ratio: float = 1e4
    code: str = "dominant_term"

    def __call__(self, history, reports, weights):
        final, first = {}, {}
        for name, values in history.terms.items():
            v = np.asarray(values, float)
            v = v[np.isfinite(v)]
            if v.size:
                final[name] = float(weights.get(name, 1.0)) * float(v[-1])
                first[name] = float(weights.get(name, 1.0)) * float(v[0])
        if len(final) < 2:
            return None
        ranked = sorted(final.items(), key=lambda kv: -kv[1])
        (top, big), (second, next_big) = ranked[0], ranked[1]
        if next_big > 0 and big / next_big < self.ratio or big <= 0:
            return None
        if big * self.ratio <= first[top]:  # it fell by the ratio too: every term is small, nothing was neglected
            return None
        return (f"the term {top!r} dominates the loss ({big:.3g}, {big / max(next_big, 1e-300):.0e}x the next, "
                f"{second!r}): the other terms barely steer the training; raise their weights or use "
                "training.balancing: {type: grad_norm}")


@dataclasses.dataclass(frozen=True)
class FlatHigh(AbstractCheck):
    still: float = 1e-3
    high: float = 0.1
    code: str = "flat_high"

    def __call__(self, history, reports, weights):
        total = np.asarray(history.total, float)
        total = total[np.isfinite(total)]
        tail = _tail(total, 0.2)
        if not tail.size or total[0] <= 0:
            return None
        moved = (tail.max() - tail.min()) / max(abs(tail[-1]), 1e-300)
        level = tail[-1] / total[0]
        if moved >= self.still or level <= self.high:
            return None
        return (f"the loss went flat at {tail[-1]:.3g}, {level:.0%} of its initial value: training stalled; try "
                "a smaller learning rate, another network size or input scaling, or check the terms for a "
                "contradiction")


@dataclasses.dataclass(frozen=True)
class EarlyLineSearchStop(AbstractCheck):
    first: int = 5
    code: str = "early_line_search_stop"

    def __call__(self, history, reports, weights):
        early = [r for r in reports if r.name in LINE_SEARCH and r.steps <= self.first
                 and r.budget > self.first and r.stop_reason == "no progress"]
        if not early:
            return None
        r = early[0]
        return (f"the {r.name} phase stopped after {r.steps} iteration(s) ({r.stop_reason}): its line search "
                "found no descent at once; the previous phase may have ended far from a minimum, or the loss "
                "is not smooth (an mae or huber term, a ReLU network)")


CHECKS = (StillFalling(), CoefficientMoving(), DominantTerm(), FlatHigh(), EarlyLineSearchStop())


def training_warnings(history, reports, weights: dict | None = None, checks=CHECKS) -> list[dict]:
    """[{"code", "message"}] of every check that fires on a finished training."""
    out = []
    for check in checks:
        message = check(history, reports, weights or {})
        if message:
            out.append({"code": check.code, "message": message})
    return out
