"""One functional entry point: ``solve(problem, network, phases) -> Result``."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax

from ..engine.compiled import compile_problem
from ..engine.derivatives import DEFAULT_METHOD
from ..problem.problem import Problem
from .balancing import AbstractBalancer
from .loop import Trainer, TrainState
from .phases import LBFGS, AbstractPhase, Adam
from .result import Result
from .sharding import batch_placer, local_copy, replicate

DTYPES = {"float32": jnp.float32, "float64": jnp.float64}


def _check_phase(phase) -> None:
    if isinstance(phase, AbstractPhase):
        return
    fix = "use pinnjax.Adam(steps), pinnjax.LBFGS(steps) or pinnjax.Optax(steps, optimizer)"
    if isinstance(phase, optax.GradientTransformation):
        fix = "wrap it with a step budget: pinnjax.Optax(steps, optimizer)"
    raise TypeError(f"solve: phases holds a {type(phase).__name__}, which is not a phase; {fix}")


def _check_solve_args(problem, network, phases, dtype, chunk, resample_every):
    if not isinstance(problem, Problem):
        raise TypeError(f"solve: problem must be a pinnjax.Problem, got {type(problem).__name__}")
    if not callable(network) or not isinstance(network, eqx.Module):
        raise TypeError(
            "solve: network must be an equinox Module mapping x (d,) -> fields (m,), e.g. "
            f"pinnjax.MLP(...) or pinnjax.from_flax_linen(...); got {type(network).__name__}"
        )
    if dtype not in DTYPES:
        raise ValueError(f"solve: dtype must be 'float32' or 'float64', got {dtype!r}")
    if not phases:
        raise ValueError("solve: phases is empty; give e.g. [pinnjax.Adam(5000), pinnjax.LBFGS(2000)]")
    for p in phases:
        _check_phase(p)
    if isinstance(chunk, bool) or not isinstance(chunk, int) or chunk <= 0:
        raise ValueError(f"solve: chunk must be a positive integer, got {chunk!r}")
    if resample_every is not None and (not isinstance(resample_every, int) or resample_every <= 0):
        raise ValueError(f"solve: resample_every must be a positive integer or None, got {resample_every!r}")
    adaptive = [t.name for t in problem.terms if getattr(t.points, "adaptive", None) is not None]
    if adaptive and resample_every is None:
        raise ValueError(f"solve: term(s) {adaptive} sample adaptively, which happens when points are redrawn; "
                         "set resample_every, e.g. resample_every=1000")


def _check_output_size(compiled, params, dtype):
    d = len(compiled.problem.coordinates)
    try:
        out = jax.eval_shape(compiled.field_function(params), jax.ShapeDtypeStruct((d,), dtype))
    except Exception as err:  # a network that cannot take a (d,) input
        raise ValueError(
            f"the network cannot be applied to one point of {d} coordinates "
            f"{compiled.problem.coordinates}: {type(err).__name__}: {err}"
        ) from None
    m = len(compiled.problem.fields)
    if out.shape != (m,):
        raise ValueError(
            f"the network (after the transform) returns shape {out.shape} for one point, but "
            f"the problem has {m} field(s) {compiled.problem.fields}; it must return ({m},)"
        )


def initial_params(problem: Problem, network: eqx.Module, dtype: str = "float32") -> dict:
    """The parameters ``solve`` starts from: ``{"net": arrays, "coefficients": raw}``.

    Call under ``jax.enable_x64(True)`` for float64 (as ``solve`` does)."""
    arrays = eqx.filter(network, eqx.is_inexact_array)
    arrays = jax.tree_util.tree_map(lambda a: jnp.asarray(a, DTYPES[dtype]), arrays)
    return {"net": arrays, "coefficients": problem.initial_coefficients(DTYPES[dtype])}


def solve(
    problem: Problem,
    network: eqx.Module,
    phases: Sequence = (Adam(5000), LBFGS(5000)),
    *,
    seed: int = 0,
    dtype: str = "float32",
    method: str = DEFAULT_METHOD,
    chunk: int = 100,
    resample_every: int | None = None,
    scale_inputs: bool = True,
    mesh: jax.sharding.Mesh | None = None,
    callback: Callable[[dict], None] | None = None,
    resume: TrainState | None = None,
    balancing: AbstractBalancer | None = None,
) -> Result:
    """Train ``network`` on ``problem`` through ``phases``; returns a :class:`Result`.

    ``seed`` fixes the sampled points (the network's own key fixes its weights).
    ``chunk``: steps per compiled call. ``resample_every``: redraw resampled points
    every that many first-order steps. ``mesh``: shard points over its devices
    (``pinnjax.point_mesh()``); after ``jax.distributed.initialize`` it may hold every
    process's devices, each process calling ``solve`` alike (the result's parameters are
    then each process's own copy). ``callback(info)`` is called between chunks with
    ``{"phase", "step", "total", "losses", "state"}``; ``state`` (a
    :class:`~pinnjax.train.TrainState`) is what a checkpoint saves; a callback returning
    ``True`` ends training there (stop reason "stopped by callback"). ``resume=state``
    continues from it exactly (same later batches and losses as an uninterrupted run)
    and leaves ``state`` itself unchanged. ``balancing``: how the terms' weights change
    during first-order phases (:mod:`pinnjax.train.balancing`; default: fixed).
    """
    _check_solve_args(problem, network, phases, dtype, chunk, resample_every)
    jdtype = DTYPES[dtype]
    start = time.perf_counter()
    with jax.enable_x64(dtype == "float64"):
        compiled, _ = compile_problem(problem, network, method, scale_inputs)
        params = initial_params(problem, network, dtype)
        _check_output_size(compiled, params, jdtype)
        rng = np.random.default_rng(seed)
        trainer = Trainer(
            compiled, np.dtype(dtype), chunk, resample_every, rng,
            batch_placer(mesh), callback, 1 if mesh is None else mesh.size, balancing,
        )
        if resume is None:
            host_batch = trainer.draw()
            state = TrainState(replicate(params, mesh), host_batch, rng.bit_generator.state)
        else:
            state = resume.copy(params=replicate(resume.params, mesh))
            rng.bit_generator.state = state.rng_state
        weights = replicate(compiled.initial_weights(jdtype), mesh)
        state = trainer.run(state, list(phases), weights)
        state.params = local_copy(state.params, mesh)  # a mesh over many processes: each keeps its own copy
    return Result(compiled, state.params, state.history, state.reports,
                  time.perf_counter() - start, jdtype, state)
