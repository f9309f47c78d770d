"""Training phases: an optax optimizer and a step budget.

>>> phases = [Adam(5000, learning_rate=1e-3, decay_rate=0.9, decay_steps=1000), LBFGS(5000)]

First-order phases run ``chunk`` steps per host round trip inside ``lax.scan``;
line-search phases (L-BFGS, or any optax transformation whose update needs ``value``,
``grad`` and ``value_fn``) run inside ``lax.while_loop`` until their stopping test or
their budget and report why they stopped.
"""

from __future__ import annotations

import abc
import dataclasses
import numbers

import jax
import jax.numpy as jnp
import optax

from .quasi_newton import VARIANTS, scale_by_broyden

# States of optax's line searches: a transformation holding one needs value, grad and
# value_fn in its update.
LINE_SEARCH_STATES = (optax.ScaleByZoomLinesearchState, optax.ScaleByBacktrackingLinesearchState)


def _positive_int(owner: str, name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{owner}.{name} must be a positive integer, got {value!r}")


def _positive(owner: str, name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise ValueError(f"{owner}.{name} must be a number > 0, got {value!r}")


def has_line_search(optimizer: optax.GradientTransformation, params) -> bool:
    """Whether ``optimizer``'s state for ``params`` holds an optax line search (zoom or
    backtracking, also inside ``optax.chain``); only shapes are traced."""
    state = jax.eval_shape(optimizer.init, params)

    def is_line_search(node):
        return isinstance(node, LINE_SEARCH_STATES)

    return any(is_line_search(n) for n in jax.tree_util.tree_leaves(state, is_leaf=is_line_search))


@dataclasses.dataclass(frozen=True)
class StopTest:
    """When a line-search phase stops before its budget: the gradient norm is at most
    ``gtol``, or the loss has not decreased by more than ``ftol`` (relative) for
    ``patience`` consecutive iterations."""

    gtol: float = 1e-10
    ftol: float = 0.0
    patience: int = 50


class AbstractPhase(abc.ABC):
    """A training phase: ``steps`` (its budget), ``name`` and an optax optimizer.

    Subclasses are frozen dataclasses with the fields ``steps`` and ``name`` and a
    ``build()``; the rest has defaults: first-order, no learning-rate schedule.
    """

    steps: int
    name: str

    @abc.abstractmethod
    def build(self) -> optax.GradientTransformation:
        """The optimizer (a fresh transformation; its state is made by ``init``)."""

    def needs_line_search(self, params) -> bool:
        """True: run the line-search path (``update`` gets value, grad and value_fn,
        iterations in a ``while_loop`` with :meth:`stop_test`); False: first-order steps."""
        return False

    def stop_test(self) -> StopTest:
        """The early stopping test of the line-search path."""
        return StopTest()

    def learning_rate_at(self, step: int) -> float | None:
        """The learning rate at ``step`` of this phase; None where there is no schedule."""
        return None

    def describe(self, opt_state) -> str:
        """A line on how the optimizer went, from its final state ("" when nothing to say)."""
        return ""

    def resamples(self) -> bool:
        """Whether a line-search phase redraws the points every ``resample_every``
        iterations (first-order phases always follow ``resample_every``)."""
        return False

    def restart(self, opt_state):
        """``opt_state`` fit for a changed loss (new points): the line search's stored
        value is marked stale so that it is evaluated afresh."""
        if optax.tree_utils.tree_get(opt_state, "value") is None:
            return opt_state
        return optax.tree_utils.tree_set(opt_state, value=jnp.asarray(jnp.inf, optax.tree_utils.tree_get(
            opt_state, "value").dtype))


@dataclasses.dataclass(frozen=True)
class Optax(AbstractPhase):
    """Any optax GradientTransformation for ``steps`` steps.

    ``line_search``: whether the update needs ``value``, ``grad`` and ``value_fn`` (as
    ``optax.lbfgs()`` does), which runs the line-search path with :class:`StopTest`'s
    defaults; None detects it: True when the optimizer's state holds an optax line
    search (zoom or backtracking). Say True for a custom transformation of that kind.
    """

    steps: int
    optimizer: optax.GradientTransformation
    name: str = "optax"
    line_search: bool | None = None

    def __post_init__(self):
        _positive_int(type(self).__name__, "steps", self.steps)
        if not isinstance(self.optimizer, optax.GradientTransformation):
            raise TypeError(
                f"Optax.optimizer must be an optax.GradientTransformation such as optax.adam(1e-3) "
                f"or optax.lbfgs(), got {type(self.optimizer).__name__}"
            )
        if self.line_search not in (None, True, False):
            raise ValueError(f"Optax.line_search must be True, False or None (detect), got {self.line_search!r}")

    def build(self) -> optax.GradientTransformation:
        return self.optimizer

    def needs_line_search(self, params) -> bool:
        if self.line_search is None:
            return has_line_search(self.optimizer, params)
        return self.line_search


@dataclasses.dataclass(frozen=True)
class Adam(AbstractPhase):
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

    def learning_rate_at(self, step: int) -> float:
        return float(self.schedule()(step))


@dataclasses.dataclass(frozen=True)
class LBFGS(AbstractPhase):
    """L-BFGS with a zoom (strong Wolfe) line search.

    Stops at ``steps`` iterations, when the gradient norm falls below ``gtol``, or when
    the loss has not decreased by more than ``ftol`` (relative) for ``patience``
    consecutive iterations; ``Result.phases`` records which. ``resample``: redraw the
    points every ``resample_every`` iterations (off by default: the curvature pairs in
    memory then span two draws).
    """

    steps: int
    memory: int = 50
    gtol: float = 1e-10
    ftol: float = 0.0
    patience: int = 50
    max_linesearch_steps: int = 30
    resample: bool = False
    name: str = "lbfgs"

    def __post_init__(self):
        _positive_int("LBFGS", "steps", self.steps)
        _positive_int("LBFGS", "memory", self.memory)
        _positive_int("LBFGS", "patience", self.patience)
        _positive_int("LBFGS", "max_linesearch_steps", self.max_linesearch_steps)
        if not self.gtol >= 0 or not self.ftol >= 0:
            raise ValueError(f"LBFGS.gtol and ftol must be >= 0, got {self.gtol!r}, {self.ftol!r}")

    def needs_line_search(self, params) -> bool:
        return True

    def stop_test(self) -> StopTest:
        return StopTest(self.gtol, self.ftol, self.patience)

    def resamples(self) -> bool:
        return self.resample

    def build(self) -> optax.GradientTransformation:
        return optax.lbfgs(
            memory_size=self.memory,
            linesearch=optax.scale_by_zoom_linesearch(
                max_linesearch_steps=self.max_linesearch_steps, verbose=False
            ),
        )


@dataclasses.dataclass(frozen=True)
class BFGS(AbstractPhase):
    """Full-matrix quasi-Newton: BFGS, self-scaled BFGS (default) or self-scaled Broyden,
    with a zoom (strong Wolfe) line search.

    Keeps an n × n inverse Hessian, so it is for networks up to ``max_parameters``
    parameters (memory 8 n² bytes in float64); use float64 (``dtype: float64``), where
    its curvature pairs stay accurate. The line search starts from the quasi-Newton step
    1 and narrows down to ``stepsize_precision`` before it gives up; an update the
    search left without curvature is skipped, a non-descent direction resets H, and
    :meth:`describe` reports both. Stops like :class:`LBFGS` (``gtol``, ``ftol`` with
    ``patience``, or ``steps``). With ``resample`` (default) the points are redrawn every
    ``resample_every`` iterations as in first-order phases (RAD where a term asks for it),
    keeping H: a fixed draw is fitted below its own resolution (the loss keeps falling
    while the error rises). See :mod:`pinnjax.train.quasi_newton` for the formulas.
    """

    steps: int
    variant: str = "ssbfgs"
    gtol: float = 1e-12
    ftol: float = 0.0
    patience: int = 200
    max_linesearch_steps: int = 40
    stepsize_precision: float = 1e-12
    max_parameters: int = 10_000
    resample: bool = True
    name: str = "bfgs"

    def __post_init__(self):
        _positive_int("BFGS", "steps", self.steps)
        _positive_int("BFGS", "patience", self.patience)
        _positive_int("BFGS", "max_linesearch_steps", self.max_linesearch_steps)
        _positive_int("BFGS", "max_parameters", self.max_parameters)
        _positive("BFGS", "stepsize_precision", self.stepsize_precision)
        if self.variant not in VARIANTS:
            raise ValueError(f"BFGS.variant must be one of {', '.join(VARIANTS)}, got {self.variant!r}")
        if not self.gtol >= 0 or not self.ftol >= 0:
            raise ValueError(f"BFGS.gtol and ftol must be >= 0, got {self.gtol!r}, {self.ftol!r}")

    def needs_line_search(self, params) -> bool:
        n = sum(int(x.size) for x in jax.tree_util.tree_leaves(params))
        if n > self.max_parameters:
            raise ValueError(
                f"BFGS keeps an {n} x {n} matrix for this network's {n} parameters, above its max_parameters "
                f"{self.max_parameters}; use a smaller network, raise max_parameters, or use L-BFGS"
            )
        return True

    def stop_test(self) -> StopTest:
        return StopTest(self.gtol, self.ftol, self.patience)

    def build(self) -> optax.GradientTransformation:
        return optax.chain(
            scale_by_broyden(self.variant),
            optax.scale_by_zoom_linesearch(
                max_linesearch_steps=self.max_linesearch_steps, initial_guess_strategy="one",
                stepsize_precision=self.stepsize_precision, verbose=False,
            ),
        )

    def resamples(self) -> bool:
        return self.resample

    def restart(self, opt_state):
        """Keeps H; the pair spanning the old and the new points is not used."""
        qn, search = super().restart(opt_state)
        return qn._replace(k=jnp.zeros_like(qn.k)), search

    def describe(self, opt_state) -> str:
        qn = opt_state[0]
        return (f"{self.variant}: {int(qn.skipped)} updates skipped (line search ended "
                f"without curvature), {int(qn.resets)} resets to the identity")


PHASES = {"adam": Adam, "lbfgs": LBFGS, "bfgs": BFGS}
