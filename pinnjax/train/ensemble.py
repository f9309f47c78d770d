"""Ensembles: N independent trainings of one problem in one vmapped, compiled step.

Each member has its own network initialization and its own point draws (its seed), and
its own optimizer state: the step is ``jax.vmap`` of the single-run step, so member i
follows exactly the path ``solve(problem, networks[i], phases, seed=seeds[i])`` would, up
to floating-point rounding, and the step is compiled once for all members. Line-search
phases (L-BFGS, BFGS) run per member too: a member that meets its stop test waits
while the others go on.

>>> result = solve_ensemble(problem, [pj.MLP(2, 1, 20, 3, key=jax.random.key(s)) for s in range(8)],
...                         [pj.Adam(2000)], seeds=range(8))                      # doctest: +SKIP
>>> [m.relative_l2(x, u) for m in result.members()]                              # doctest: +SKIP
"""

from __future__ import annotations

import copy
import dataclasses
import time
from collections.abc import Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from ..engine.compiled import compile_problem
from ..engine.derivatives import DEFAULT_METHOD
from .loop import STOP_REASONS, History, PhaseReport, TrainState, first_order_chunk, line_search_chunk
from .result import Result
from .solve import DTYPES, _check_output_size, _check_solve_args, initial_params


@dataclasses.dataclass
class EnsembleResult:
    """Stacked parameters (leading axis: member), one history and report list per member."""

    compiled: object
    params: dict
    histories: list[History]
    reports: list[list[PhaseReport]]
    seeds: tuple[int, ...]
    wall_time: float
    compile_time: float
    dtype: object

    @property
    def size(self) -> int:
        return len(self.seeds)

    def member(self, i: int) -> Result:
        """Member ``i`` as a single-run :class:`Result` (predict, relative_l2, coefficients)."""
        params = jax.tree_util.tree_map(lambda a: a[i], self.params)
        return Result(self.compiled, params, self.histories[i], self.reports[i], self.wall_time, self.dtype)

    def members(self) -> list[Result]:
        return [self.member(i) for i in range(self.size)]


def _check_members(problem, networks, seeds) -> tuple[int, ...]:
    seeds = tuple(int(s) for s in seeds)
    if not networks or len(networks) != len(seeds):
        raise ValueError(f"solve_ensemble: give one network per seed; got {len(networks)} network(s) and "
                         f"{len(seeds)} seed(s)")
    shapes = {jax.tree_util.tree_structure(eqx.filter(n, eqx.is_inexact_array)) for n in networks}
    if len(shapes) != 1:
        raise ValueError("solve_ensemble: the members' networks differ in structure; an ensemble trains copies of "
                         "one architecture (different initial weights)")
    unsupported = [t.name for t in problem.terms if getattr(t, "causal", None) is not None
                   or getattr(t, "point_weights", None) is not None]
    if unsupported:
        raise ValueError(f"solve_ensemble: term(s) {unsupported} use causal weighting or point weights, which "
                         "ensembles do not support yet; train them one run at a time with pinnjax.solve")
    return seeds


def _stack(trees):
    return jax.tree_util.tree_map(lambda *a: jnp.stack(a), *trees)


@dataclasses.dataclass
class _Members:
    """The host side of an ensemble: per-member random streams, batches and histories."""

    compiled: object
    rngs: list
    dtype: object
    put: object
    host: list = dataclasses.field(default_factory=list)
    histories: list = dataclasses.field(default_factory=list)
    reports: list = dataclasses.field(default_factory=list)
    step: int = 0
    callback: object = None

    def notify(self, phase, step: int) -> None:
        """``callback({"phase", "step", "total", "losses"})``: the members' median latest values."""
        if self.callback is None:
            return
        last = [h for h in self.histories if h.total]
        total = float(np.median([h.total[-1] for h in last])) if last else float("nan")
        names = last[0].terms if last else {}
        losses = {k: float(np.nanmedian([h.terms[k][-1] for h in last])) for k in names}
        self.callback({"phase": phase.name, "step": step, "total": total, "losses": losses})

    def draw(self, params=None):
        """(Re)draw every member's points (adaptive at the member's own parameters)."""
        previous = self.host or [None] * len(self.rngs)
        self.host = [
            jax.tree_util.tree_map(lambda a: np.asarray(a, self.dtype), self.compiled.draw_batch(
                rng, prev, 1, None if params is None else jax.tree_util.tree_map(lambda a: a[i], params)))
            for i, (rng, prev) in enumerate(zip(self.rngs, previous))]
        return self.put(_stack(self.host))

    def log(self, phase, totals, losses, params, start_step=None):
        """Append each member's chunk: totals (N, L), losses {term: (N, L)}."""
        coefficients = self.compiled.problem.coefficient_values(params["coefficients"])
        for i, history in enumerate(self.histories):
            history.extend(self.step if start_step is None else start_step, phase, totals[i],
                           {k: v[i] for k, v in losses.items()}, {k: float(v[i]) for k, v in coefficients.items()})


def _first_order(members: _Members, phase, index, params, batch, weights, chunk, resample_every):
    optimizer = phase.build()
    state = jax.vmap(optimizer.init)(params)
    runners, done, compile_time = {}, 0, 0.0
    finite = np.ones(len(members.rngs), bool)
    while done < phase.steps:
        length = min(chunk, phase.steps - done)
        if resample_every:
            length = min(length, resample_every - done % resample_every)
        if length not in runners:
            tc = time.perf_counter()
            step = jax.vmap(first_order_chunk(members.compiled, optimizer, length), in_axes=(0, 0, 0, None))
            runners[length] = jax.jit(step).lower(params, state, batch, weights).compile()
            compile_time += time.perf_counter() - tc
        params, state, totals, losses = runners[length](params, state, batch, weights)
        totals = np.asarray(totals)
        finite &= np.all(np.isfinite(totals), axis=1)  # a member's non-finite step was not taken
        members.log(index, totals, {k: np.asarray(v) for k, v in losses.items()}, params)
        done += length
        members.step += length
        if resample_every and done % resample_every == 0 and done < phase.steps:
            batch = members.draw(params)
        members.notify(phase, members.step)
    reasons = np.where(finite, "step budget", "non-finite loss")
    return params, batch, compile_time, [PhaseReport(phase.name, done, phase.steps, str(r), 0.0, compile_time,
                                                     float(f)) for r, f in zip(reasons, totals[:, -1])]


def _line_search(members: _Members, phase, index, params, batch, weights, chunk, resample_every):
    optimizer = phase.build()
    state = jax.vmap(optimizer.init)(params)
    n = len(members.rngs)
    run = jax.vmap(line_search_chunk(members.compiled, optimizer, phase.stop_test(), chunk),
                   in_axes=(0, 0, 0, None, 0, 0, 0, 0))
    terms = jax.jit(jax.vmap(members.compiled.term_losses, in_axes=(0, 0)))
    dtype = jax.tree_util.tree_leaves(params)[0].dtype
    k, code = np.zeros(n, int), np.zeros(n, int)
    prev, stall = jnp.full(n, jnp.inf, dtype), jnp.zeros(n, int)
    every = resample_every if phase.resamples() else None
    runner, compile_time = None, 0.0
    while np.any((k < phase.steps) & (code == 0)):
        top = int(k.max())
        target = min(top + chunk, phase.steps, (top // every + 1) * every if every else phase.steps)
        k_end = np.where(code == 0, target, k)  # a stopped member stays put
        args = (params, state, batch, weights, jnp.asarray(k), jnp.asarray(k_end), prev, stall)
        if runner is None:
            tc = time.perf_counter()
            runner = jax.jit(run).lower(*args).compile()
            compile_time += time.perf_counter() - tc
        params, state, k_new, prev, stall, totals, reason = runner(*args)
        k_new, reason, totals = np.asarray(k_new), np.asarray(reason), np.asarray(totals)
        now = {name: np.asarray(v) for name, v in terms(params, batch).items()}
        for i, history in enumerate(members.histories):  # each member logs the iterations it made
            made = int(k_new[i] - k[i])
            logged = {name: np.r_[np.full(max(made - 1, 0), np.nan), v[i]][:made] for name, v in now.items()}
            coefficients = members.compiled.problem.coefficient_values(
                jax.tree_util.tree_map(lambda a: a[i], params["coefficients"]))
            history.extend(members.step + int(k[i]), index, totals[i][:made], logged,
                           {c: float(v) for c, v in coefficients.items()})
        code = np.where(code == 0, reason, code)
        k = k_new
        if every and np.any((k % every == 0) & (k < phase.steps) & (code == 0)):
            batch = members.draw(params)
            state = jax.vmap(phase.restart)(state)
            prev = jnp.full(n, jnp.inf, dtype)
        members.notify(phase, members.step + int(k.max()))
    members.step += int(k.max())
    finals = [float(np.asarray(h.total)[-1]) if h.total else float("nan") for h in members.histories]
    reports = [PhaseReport(phase.name, int(k[i]), phase.steps, STOP_REASONS[int(code[i])], 0.0, compile_time,
                           finals[i], phase.describe(jax.tree_util.tree_map(lambda a, i=i: a[i], state)))
               for i in range(n)]
    return params, batch, compile_time, reports


def member_placer(mesh: Mesh | None):
    """Place stacked member arrays: split over ``mesh``'s devices along the member axis, or on the default device."""
    if mesh is None:
        return lambda tree: jax.tree_util.tree_map(jnp.asarray, tree)
    sharding = NamedSharding(mesh, PartitionSpec(mesh.axis_names[0]))
    return lambda tree: jax.tree_util.tree_map(lambda a: jax.device_put(a, sharding), tree)


def member_states(members: _Members, params, phase: int) -> list[TrainState]:
    """Each member's state at the start of phase ``phase`` (a phase boundary: optimizer
    states start afresh there, so this is all a resumed ensemble needs)."""
    return [TrainState(jax.tree_util.tree_map(lambda a, i=i: np.asarray(a[i]), params), dict(members.host[i]),
                       copy.deepcopy(members.rngs[i].bit_generator.state), phase=phase, step=members.step,
                       reports=list(members.reports[i]), history=copy.deepcopy(members.histories[i]))
            for i in range(len(members.rngs))]


def _restore(members: _Members, resume: Sequence[TrainState], n_phases: int):
    """Members' streams, batches, histories and reports from ``resume``; the stacked params."""
    if len(resume) != len(members.rngs) or len({s.phase for s in resume}) != 1:
        raise ValueError(f"solve_ensemble: resume needs one state per member ({len(members.rngs)}), all at one phase "
                         f"boundary; got {len(resume)} at phases {sorted({s.phase for s in resume})}")
    if not 0 < resume[0].phase <= n_phases:
        raise ValueError(f"solve_ensemble: a resumed state's phase {resume[0].phase} is not a boundary of {n_phases} phases")
    for rng, state in zip(members.rngs, resume):
        rng.bit_generator.state = copy.deepcopy(state.rng_state)
    members.host = [dict(s.host_batch) for s in resume]
    members.histories = [copy.deepcopy(s.history) for s in resume]
    members.reports = [list(s.reports) for s in resume]
    members.step = resume[0].step
    return members.put(_stack([s.params for s in resume]))


def solve_ensemble(problem, networks: Sequence[eqx.Module], phases, *, seeds: Sequence[int], dtype: str = "float32",
                   method: str = DEFAULT_METHOD, chunk: int = 100, resample_every: int | None = None,
                   scale_inputs: bool = True, mesh: Mesh | None = None, callback=None,
                   resume: Sequence[TrainState] | None = None, on_phase=None) -> EnsembleResult:
    """Train ``networks[i]`` with points drawn from ``seeds[i]``, all members in one compiled
    step; returns an :class:`EnsembleResult`. ``mesh``: members split over its devices (the
    number of members must be a multiple of the device count). ``callback(info)`` after
    every chunk: ``{"phase", "step", "total", "losses"}``, the members' medians.
    ``on_phase(states)`` after every phase with :func:`member_states` (what a checkpoint
    keeps); ``resume=states`` continues from them exactly as the uninterrupted run."""
    _check_solve_args(problem, networks[0] if networks else None, phases, dtype, chunk, resample_every)
    seeds = _check_members(problem, list(networks), seeds)
    if mesh is not None and len(seeds) % mesh.size:
        raise ValueError(f"solve_ensemble: {len(seeds)} members cannot be split evenly over {mesh.size} devices; "
                         f"use a multiple of {mesh.size} members")
    start = time.perf_counter()
    put = member_placer(mesh)
    with jax.enable_x64(dtype == "float64"):
        compiled, _ = compile_problem(problem, networks[0], method, scale_inputs)
        params = put(_stack([initial_params(problem, net, dtype) for net in networks]))
        _check_output_size(compiled, jax.tree_util.tree_map(lambda a: a[0], params), DTYPES[dtype])
        members = _Members(compiled, [np.random.default_rng(s) for s in seeds], np.dtype(dtype), put,
                           histories=[History() for _ in seeds], reports=[[] for _ in seeds], callback=callback)
        if resume is None:
            batch, first = members.draw(), 0
        else:
            params, first = _restore(members, resume, len(phases)), resume[0].phase
            batch = put(_stack(members.host))
        weights = compiled.initial_weights(DTYPES[dtype])
        compile_time = 0.0
        for index, phase in enumerate(phases):
            if index < first:
                continue
            t0 = time.perf_counter()
            one = jax.tree_util.tree_map(lambda a: a[0], params)
            runner = _line_search if phase.needs_line_search(one) else _first_order
            params, batch, seconds, reports = runner(members, phase, index, params, batch, weights, chunk,
                                                     resample_every)
            compile_time += seconds
            for i, report in enumerate(reports):
                report.wall_time = time.perf_counter() - t0
                members.reports[i].append(report)
            if on_phase is not None:
                on_phase(member_states(members, params, index + 1))
    return EnsembleResult(compiled, params, members.histories, members.reports, seeds, time.perf_counter() - start,
                          compile_time, DTYPES[dtype])
