"""The training loop: jit-compiled steps, many per host round trip.

First-order phases scan ``chunk`` steps inside one compiled call; line-search phases
(L-BFGS) iterate in a ``lax.while_loop`` with their stopping test. Between chunks the
host resamples points, advances causal ε and per-point weights (first-order phases),
records history and calls the callback. A step whose loss is not finite is not applied,
and the phase stops naming the term that went bad.
"""

from __future__ import annotations

import copy
import dataclasses
import time
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from ..engine.compiled import CompiledProblem
from ..problem.causal import EPSILON
from ..problem.point_weights import POINT_WEIGHTS
from .balancing import AbstractBalancer, term_statistics
from .phases import AbstractPhase, StopTest
from .sharding import place, to_host

STOP_REASONS = {0: "step budget", 1: "gradient tolerance", 2: "no progress", 3: "non-finite loss"}


@dataclasses.dataclass
class PhaseReport:
    """How a phase went: steps run, why it stopped, wall and compile seconds."""

    name: str
    steps: int
    budget: int
    stop_reason: str
    wall_time: float
    compile_time: float
    final_loss: float
    message: str = ""


@dataclasses.dataclass
class History:
    """Per-step losses and trainable-coefficient trajectories. ``terms[name][i]`` is NaN
    where a phase logs only the total (L-BFGS logs the terms once per chunk);
    ``coefficients[name][i]`` (physical values) is recorded at the end of every chunk, NaN
    elsewhere."""

    step: list = dataclasses.field(default_factory=list)
    phase: list = dataclasses.field(default_factory=list)
    total: list = dataclasses.field(default_factory=list)
    terms: dict = dataclasses.field(default_factory=dict)
    coefficients: dict = dataclasses.field(default_factory=dict)
    weights: dict = dataclasses.field(default_factory=dict)

    def extend(self, start: int, phase: int, totals: np.ndarray, terms: dict[str, np.ndarray],
               coefficients: dict[str, float] | None = None, weights: dict[str, float] | None = None):
        """Append a chunk of ``len(totals)`` steps; ``coefficients`` and ``weights`` (the
        terms' weights, when a balancer updated them) are recorded at its last step."""
        n = len(totals)
        if n and (weights or self.weights):
            for name in set(self.weights) | set(weights or {}):
                past = self.weights.setdefault(name, [float("nan")] * len(self.step))
                past.extend([float("nan")] * (n - 1) + [float((weights or {}).get(name, float("nan")))])
        self.step.extend(range(start, start + n))
        self.phase.extend([phase] * n)
        self.total.extend(np.asarray(totals, float).tolist())
        for name, values in terms.items():
            self.terms.setdefault(name, []).extend(np.asarray(values, float).tolist())
        for name, value in (coefficients or {}).items():
            if n:
                self.coefficients.setdefault(name, []).extend([float("nan")] * (n - 1) + [float(value)])

    def as_arrays(self) -> dict[str, np.ndarray]:
        """{"step", "phase", "total", term names..., "coefficient:<name>"..., "weight:<term>"...}:
        arrays (steps,)."""
        out = {"step": np.array(self.step), "phase": np.array(self.phase), "total": np.array(self.total)}
        out.update({k: np.array(v) for k, v in self.terms.items()})
        out.update({f"coefficient:{k}": np.array(v) for k, v in self.coefficients.items()})
        out.update({f"weight:{k}": np.array(v) for k, v in self.weights.items()})
        return out


def _placed(weights: dict, values: dict[str, float]) -> dict:
    """``values`` as arrays of ``weights``' dtype on their devices (an argument of the
    compiled step: new values, no new trace)."""
    return {k: place(np.asarray(values[k], w.dtype), w.sharding) for k, w in weights.items()}


def _where_finite(ok, new, old):
    return jax.tree_util.tree_map(lambda a, b: jnp.where(ok, a, b), new, old)


def first_order_chunk(compiled: CompiledProblem, optimizer: optax.GradientTransformation, length: int):
    """jit'd (params, opt_state, batch, weights) -> (params, opt_state, totals (L,), losses {term: (L,)})."""

    def body(carry, _, batch, weights):
        params, state = carry
        (total, losses), grads = jax.value_and_grad(compiled.loss_fn, has_aux=True)(params, batch, weights)
        with jax.numpy_dtype_promotion("standard"):  # optax raises its int step counters to float powers
            updates, new_state = optimizer.update(grads, state, params)
        new_params = optax.apply_updates(params, updates)
        ok = jnp.isfinite(total)
        return _where_finite(ok, (new_params, new_state), (params, state)), (total, losses)

    def run(params, state, batch, weights):
        (params, state), (totals, losses) = jax.lax.scan(
            lambda c, s: body(c, s, batch, weights), (params, state), None, length=length
        )
        return params, state, totals, losses

    return jax.jit(run)


def _value_and_grad(loss: Callable, state) -> Callable:
    """``params -> (value, grad)``: reuses what the line search stored in ``state`` when it
    keeps both (zoom), else evaluates afresh (a backtracking search without its grad)."""
    if optax.tree_utils.tree_get(state, "value") is None or optax.tree_utils.tree_get(state, "grad") is None:
        return lambda params, state: jax.value_and_grad(loss)(params)
    return optax.value_and_grad_from_state(loss)


def line_search_chunk(compiled: CompiledProblem, optimizer: optax.GradientTransformation, stop: StopTest,
                      length: int):
    """jit'd line-search iterations (L-BFGS) from k0 until k_end or ``stop``'s test."""

    def run(params, state, batch, weights, k0, k_end, prev, stall):
        def loss(p):
            return compiled.loss_fn(p, batch, weights)[0]

        value_and_grad = _value_and_grad(loss, state)

        def cond(c):
            k, reason = c[2], c[6]
            return (k < k_end) & (reason == 0)

        def body(c):
            params, state, k, prev, stall, totals, reason = c
            value, grad = value_and_grad(params, state=state)
            finite = jnp.isfinite(value)
            gnorm = optax.tree_utils.tree_norm(grad)
            with jax.numpy_dtype_promotion("standard"):  # optax's line search mixes int32/int64 counters
                updates, new_state = optimizer.update(grad, state, params, value=value, grad=grad, value_fn=loss)
            new_params = optax.apply_updates(params, updates)
            decrease = (prev - value) / jnp.maximum(jnp.maximum(jnp.abs(prev), jnp.abs(value)), 1e-30)
            stall = jnp.where(decrease <= stop.ftol, stall + 1, 0)
            reason = jnp.where(
                ~finite, 3, jnp.where(gnorm <= stop.gtol, 1, jnp.where(stall >= stop.patience, 2, 0))
            )
            step = reason == 0
            params, state = _where_finite(step, (new_params, new_state), (params, state))
            totals = totals.at[k - k0].set(value)
            return params, state, k + 1, value, stall, totals, reason

        totals = jnp.full((length,), jnp.nan, dtype=prev.dtype)
        init = (params, state, k0, prev, stall, totals, jnp.asarray(0))
        params, state, k, prev, stall, totals, reason = jax.lax.while_loop(cond, body, init)
        return params, state, k, prev, stall, totals, reason

    return jax.jit(run)


def _bad_term(losses: dict[str, np.ndarray]) -> str:
    bad = [n for n, v in losses.items() if not np.all(np.isfinite(np.asarray(v)))]
    return ", ".join(bad) if bad else "(total)"


@dataclasses.dataclass
class TrainState:
    """Everything needed to continue training exactly where it stopped.

    Saved between chunks; training resumed from it with the same phases reproduces the
    uninterrupted run (same batches: the sampler's random state is part of it).
    """

    params: Any
    host_batch: dict
    rng_state: dict
    phase: int = 0
    phase_step: int = 0
    step: int = 0
    opt_state: Any = None
    lbfgs_prev: float = float("inf")
    lbfgs_stall: int = 0
    reports: list = dataclasses.field(default_factory=list)
    history: History = dataclasses.field(default_factory=History)
    weights: dict | None = None  # the terms' current weights when a balancer sets them
    balance: dict | None = None  # the balancer's state

    def copy(self, **changes) -> TrainState:
        """A copy with ``changes`` that training can advance without touching this state:
        its containers (history, reports, batch, random state) are new; arrays are shared
        (they are immutable)."""
        fresh = {"host_batch": dict(self.host_batch), "reports": list(self.reports),
                 "rng_state": copy.deepcopy(self.rng_state), "history": copy.deepcopy(self.history),
                 "weights": copy.deepcopy(self.weights), "balance": copy.deepcopy(self.balance)}
        return dataclasses.replace(self, **{**fresh, **changes})


@dataclasses.dataclass
class Trainer:
    """Runs phases on a compiled problem. ``put`` places a host batch on devices;
    ``callback(info)`` is called after every chunk with the live :class:`TrainState`."""

    compiled: CompiledProblem
    dtype: object
    chunk: int
    resample_every: int | None
    rng: np.random.Generator
    put: Callable
    callback: Callable | None = None
    multiple_of: int = 1
    balancer: AbstractBalancer | None = None
    _stats: Callable | None = dataclasses.field(default=None, init=False, repr=False)
    _causal: Callable | None = dataclasses.field(default=None, init=False, repr=False)
    _point_losses: Callable | None = dataclasses.field(default=None, init=False, repr=False)

    def draw(self, previous=None, params=None) -> dict:
        host = self.compiled.draw_batch(self.rng, previous, self.multiple_of, params)
        return jax.tree_util.tree_map(lambda a: np.asarray(a, self.dtype), host)

    def _coefficients(self, params) -> dict[str, float]:
        """Physical values of the trainable coefficients in ``params``."""
        if not params["coefficients"]:
            return {}
        values = self.compiled.problem.coefficient_values(params["coefficients"])
        return {k: float(v) for k, v in values.items()}

    def _notify(self, state: TrainState, phase, total, losses) -> bool:
        """Call the callback; True when it returned True (a request to stop training)."""
        if self.callback is None:
            return False
        return self.callback({"phase": phase.name, "step": state.step, "total": total,
                              "losses": losses, "state": state}) is True

    def run(self, state: TrainState, phases, weights) -> TrainState:
        """Run ``phases`` from ``state.phase`` / ``state.phase_step`` to the end."""
        batch = self.put(state.host_batch)
        if self.balancer is not None and state.balance is None:
            state.balance = self.balancer.init({k: float(v) for k, v in weights.items()})
            state.weights = self.balancer.weights(state.balance)
        if state.weights is not None:
            weights = _placed(weights, state.weights)
        while state.phase < len(phases):
            phase = phases[state.phase]
            t0 = time.perf_counter()
            if phase.needs_line_search(state.params):
                report, batch = self._line_search(state, phase, batch, weights)
            else:
                report, batch, weights = self._first_order(state, phase, batch, weights)
            report.wall_time = time.perf_counter() - t0
            state.reports.append(report)
            state.phase, state.phase_step, state.opt_state = state.phase + 1, 0, None
            state.lbfgs_prev, state.lbfgs_stall = float("inf"), 0
            if report.stop_reason in ("non-finite loss", "stopped by callback"):
                break
        return state

    def _report(self, state, phase, reason, compile_time, message=""):
        final = float(state.history.total[-1]) if state.history.total else float("nan")
        return PhaseReport(phase.name, state.phase_step, phase.steps, reason, 0.0, compile_time, final, message)

    def _first_order(self, state: TrainState, phase, batch, weights):
        optimizer = phase.build()
        opt_state = optimizer.init(state.params) if state.opt_state is None else state.opt_state
        runners: dict[int, Callable] = {}
        compile_time, reason, message = 0.0, "step budget", ""
        while state.phase_step < phase.steps:
            done = state.phase_step
            length = min(self.chunk, phase.steps - done)
            for every in (self.resample_every, self._balance_every(), *self._causal_every(), *self._weights_every()):
                if every:
                    length = min(length, every - (done % every))
            if length not in runners:
                tc = time.perf_counter()
                runners[length] = first_order_chunk(self.compiled, optimizer, length).lower(
                    state.params, opt_state, batch, weights).compile()
                compile_time += time.perf_counter() - tc
            params, opt_state, totals, losses = runners[length](state.params, opt_state, batch, weights)
            totals, losses = np.asarray(totals), {k: np.asarray(v) for k, v in losses.items()}
            state.params, state.opt_state = params, opt_state
            updated, reached = None, state.phase_step + length
            if self._balance_every() and reached % self._balance_every() == 0:
                updated = self._rebalance(state, batch)
                weights = _placed(weights, updated)
            logged = self._schedules(state, batch, reached)
            if logged:  # new ε / λ in the host batch, placed again (arguments of the step: no retrace)
                updated = {**(updated or {}), **logged}
                batch = self.put(state.host_batch)
            state.history.extend(state.step, state.phase, totals, losses, self._coefficients(params), updated)
            state.phase_step += length
            state.step += length
            if not np.all(np.isfinite(totals)):
                reason = "non-finite loss"
                message = f"loss became non-finite in term(s) {_bad_term(losses)}; kept the last finite parameters"
                break
            if self.resample_every and state.phase_step % self.resample_every == 0 and state.phase_step < phase.steps:
                batch = self._redraw(state)
            if self._notify(state, phase, float(totals[-1]), {k: float(v[-1]) for k, v in losses.items()}):
                reason = "stopped by callback"
                break
        return self._report(state, phase, reason, compile_time, message), batch, weights

    def _redraw(self, state: TrainState):
        """Fresh points (adaptive where asked, at ``state.params``), placed on devices."""
        state.host_batch = self.draw(state.host_batch, state.params)
        state.rng_state = self.rng.bit_generator.state
        return self.put(state.host_batch)

    def _schedules(self, state: TrainState, batch, reached: int) -> dict[str, float]:
        """Advance the causal ε and point weights due at step ``reached`` of the phase (in
        the host batch); returns what is logged."""
        logged = {}
        if any(reached % every == 0 for every in self._causal_every()):
            logged.update(self._causal_schedule(state, batch, reached))
        if any(reached % every == 0 for every in self._weights_every()):
            logged.update(self._weights_schedule(state, batch, reached))
        return logged

    def _causal_every(self) -> tuple[int, ...]:
        return tuple({t.causal.every for t in self.compiled.terms if t.causal is not None})

    def _causal_schedule(self, state: TrainState, batch, reached: int) -> dict[str, float]:
        """Advance each causal term's ε (in the host batch) that is due at step ``reached``
        of the phase; returns what is logged: ``<term>:epsilon``, ``<term>:causal_min``."""
        if self._causal is None:
            self._causal = jax.jit(self.compiled.causal_min_weights)
        lowest = self._causal(state.params, batch)
        logged = {}
        for t in self.compiled.terms:
            if t.causal is None or reached % t.causal.every:
                continue
            eps = float(state.host_batch[t.name][EPSILON])
            new = t.causal.next_epsilon(eps, float(lowest[t.name]))
            state.host_batch = {**state.host_batch, t.name: {**state.host_batch[t.name], EPSILON: np.asarray(
                new, state.host_batch[t.name][EPSILON].dtype)}}
            logged.update({f"{t.name}:epsilon": new, f"{t.name}:causal_min": float(lowest[t.name])})
        return logged

    def _weights_every(self) -> tuple[int, ...]:
        return tuple({t.point_weights.every for t in self.compiled.terms if t.point_weights is not None})

    def _weights_schedule(self, state: TrainState, batch, reached: int) -> dict[str, float]:
        """Update each term's point weights (in the host batch) that are due at step
        ``reached`` of the phase; returns what is logged: ``<term>:weights_mean``,
        ``<term>:weights_max``."""
        if self._point_losses is None:
            self._point_losses = jax.jit(self.compiled.point_losses)
        losses = self._point_losses(state.params, batch)
        logged = {}
        for t in self.compiled.terms:
            if t.point_weights is None or reached % t.point_weights.every:
                continue
            new = t.point_weights.update(state.host_batch[t.name][POINT_WEIGHTS], to_host(losses[t.name]))
            state.host_batch = {**state.host_batch, t.name: {**state.host_batch[t.name], POINT_WEIGHTS: new}}
            logged.update({f"{t.name}:weights_mean": float(new.mean()), f"{t.name}:weights_max": float(new.max())})
        return logged

    def _balance_every(self) -> int:
        return self.balancer.every if self.balancer is not None else 0

    def _rebalance(self, state: TrainState, batch) -> dict[str, float]:
        """New weights from the balancer, measured at ``state.params`` on ``batch``."""
        kind = self.balancer.measure()
        stats = {}
        if kind is not None:
            if self._stats is None:
                self._stats = term_statistics(self.compiled, kind)
            stats = {k: float(v) for k, v in self._stats(state.params, batch).items()}
        state.weights, state.balance = self.balancer.update(state.balance, stats)
        return state.weights

    def _line_search(self, state: TrainState, phase: AbstractPhase, batch, weights):
        optimizer = phase.build()
        opt_state = optimizer.init(state.params) if state.opt_state is None else state.opt_state
        runner = line_search_chunk(self.compiled, optimizer, phase.stop_test(), self.chunk)
        terms = jax.jit(self.compiled.term_losses)
        compile_time, reason, message, compiled_runner = 0.0, "step budget", "", None
        every = self.resample_every if phase.resamples() else None
        while state.phase_step < phase.steps:
            k = state.phase_step
            k_end = min(k + self.chunk, phase.steps, (k // every + 1) * every if every else phase.steps)
            args = (state.params, opt_state, batch, weights, jnp.asarray(k), jnp.asarray(k_end),
                    jnp.asarray(state.lbfgs_prev, self.dtype), jnp.asarray(state.lbfgs_stall))
            if compiled_runner is None:
                tc = time.perf_counter()
                compiled_runner = runner.lower(*args).compile()
                compile_time += time.perf_counter() - tc
            params, opt_state, k_new, prev, stall, totals, code = compiled_runner(*args)
            k_new, code = int(k_new), int(code)
            totals = np.asarray(totals)[: k_new - k]
            now = {n: np.asarray(v) for n, v in terms(params, batch).items()}
            logged = {n: np.r_[np.full(len(totals) - 1, np.nan), v] for n, v in now.items()} if len(totals) else {}
            state.history.extend(state.step, state.phase, totals, logged, self._coefficients(params))
            state.params, state.opt_state = params, opt_state
            state.lbfgs_prev, state.lbfgs_stall = float(prev), int(stall)
            state.step += k_new - k
            state.phase_step = k_new
            if code:
                reason = STOP_REASONS[code]
                if code == 3:
                    message = f"loss became non-finite in term(s) {_bad_term(now)}; {phase.name} stopped there"
                break
            if every and k_new % every == 0 and k_new < phase.steps:
                batch, opt_state = self._redraw(state), phase.restart(opt_state)
                state.opt_state, state.lbfgs_prev, state.lbfgs_stall = opt_state, float("inf"), 0
            if self._notify(state, phase, float(prev), {n: float(v) for n, v in now.items()}):
                reason = "stopped by callback"
                break
        if not message:
            message = phase.describe(opt_state)
        return self._report(state, phase, reason, compile_time, message), batch
