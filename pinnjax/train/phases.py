"""Training phases: an optax optimizer and a step budget.

>>> phases = [Adam(5000, learning_rate=1e-3, decay_rate=0.9, decay_steps=1000), LBFGS(5000)]

First-order phases run ``chunk`` steps per host round trip inside ``lax.scan``;
L-BFGS runs inside ``lax.while_loop`` until its own convergence test or its budget and
reports why it stopped.
"""

from __future__ import annotations

import dataclasses
import numbers

import optax


def _positive_int(owner: str, name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{owner}.{name} must be a positive integer, got {value!r}")


def _positive(owner: str, name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise ValueError(f"{owner}.{name} must be a number > 0, got {value!r}")


@dataclasses.dataclass(frozen=True)
class Optax:
    """Any optax GradientTransformation for ``steps`` steps."""

    steps: int
    optimizer: optax.GradientTransformation
    name: str = "optax"

    def __post_init__(self):
        _positive_int(type(self).__name__, "steps", self.steps)

    def build(self) -> optax.GradientTransformation:
        return self.optimizer


@dataclasses.dataclass(frozen=True)
class Adam:
    """Adam with an optional exponential decay and linear warm-up of the learning rate.

    lr(k) = learning_rate * decay_rate ** (k / decay_steps) after ``warmup`` steps.
    """

    steps: int
    learning_rate: float = 1e-3
    decay_rate: float | None = None
    decay_steps: int = 1000
    warmup: int = 0
    name: str = "adam"

    def __post_init__(self):
        _positive_int("Adam", "steps", self.steps)
        _positive("Adam", "learning_rate", self.learning_rate)
        _positive_int("Adam", "decay_steps", self.decay_steps)
        if self.decay_rate is not None and not 0 < self.decay_rate <= 1:
            raise ValueError(f"Adam.decay_rate must be in (0, 1], got {self.decay_rate!r}")
        if isinstance(self.warmup, bool) or not isinstance(self.warmup, int) or self.warmup < 0:
            raise ValueError(f"Adam.warmup must be an integer >= 0, got {self.warmup!r}")

    def schedule(self) -> optax.Schedule:
        if self.decay_rate is None:
            main = optax.constant_schedule(self.learning_rate)
        else:
            main = optax.exponential_decay(self.learning_rate, self.decay_steps, self.decay_rate)
        if self.warmup:
            warm = optax.linear_schedule(0.0, self.learning_rate, self.warmup)
            return optax.join_schedules([warm, main], [self.warmup])
        return main

    def build(self) -> optax.GradientTransformation:
        return optax.adam(self.schedule())


@dataclasses.dataclass(frozen=True)
class LBFGS:
    """L-BFGS with a zoom (strong Wolfe) line search.

    Stops at ``steps`` iterations, when the gradient norm falls below ``gtol``, or when
    the loss has not decreased by more than ``ftol`` (relative) for ``patience``
    consecutive iterations; ``Result.phases`` records which.
    """

    steps: int
    memory: int = 50
    gtol: float = 1e-10
    ftol: float = 0.0
    patience: int = 50
    max_linesearch_steps: int = 30
    name: str = "lbfgs"

    def __post_init__(self):
        _positive_int("LBFGS", "steps", self.steps)
        _positive_int("LBFGS", "memory", self.memory)
        _positive_int("LBFGS", "patience", self.patience)
        _positive_int("LBFGS", "max_linesearch_steps", self.max_linesearch_steps)
        if not self.gtol >= 0 or not self.ftol >= 0:
            raise ValueError(f"LBFGS.gtol and ftol must be >= 0, got {self.gtol!r}, {self.ftol!r}")

    def build(self) -> optax.GradientTransformation:
        return optax.lbfgs(
            memory_size=self.memory,
            linesearch=optax.scale_by_zoom_linesearch(
                max_linesearch_steps=self.max_linesearch_steps, verbose=False
            ),
        )


PHASES = {"adam": Adam, "lbfgs": LBFGS}
