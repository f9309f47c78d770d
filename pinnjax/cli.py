"""The ``pinnjax`` command: run, resume, predict, validate, list, discover, and the commands of
:mod:`pinnjax.commands` (compare, landscape, hessian).

Exit codes: 0 success, 2 bad input (one short paragraph, no traceback), 1 failed run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .commands import MODULES, BadInput

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def _parser() -> tuple[argparse.ArgumentParser, dict]:
    p = argparse.ArgumentParser(prog="pinnjax", description="Physics-informed neural networks in JAX.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = sub.add_parser("run", help="validate a config, train, write a run directory",
                         description="Validate CONFIG, train, and write runs/<name>-<timestamp>/.")
    run.add_argument("config", help="YAML experiment file")
    run.add_argument("overrides", nargs="*", help="dotted overrides, e.g. training.phases.0.steps=500")
    run.add_argument("--out", help="run directory (default: <output.dir>/<name>-<timestamp>)")
    run.add_argument("--quiet", action="store_true", help="no progress output")
    many = run.add_argument_group("several processes or hosts (jax.distributed; under SLURM or Open MPI detected "
                                  "when left out; process 0 writes the run directory)")
    many.add_argument("--coordinator", metavar="HOST:PORT",
                      help="process 0's address (default: $JAX_COORDINATOR_ADDRESS)")
    many.add_argument("--num-processes", type=int, metavar="N", help="processes in the run (1: run alone)")
    many.add_argument("--process-id", type=int, metavar="I", help="this process's number, 0 to N-1")
    res = sub.add_parser("resume", help="continue a run or a discovery from its latest checkpoint",
                         description="Continue RUN_DIR (made by 'pinnjax run' or 'pinnjax discover') from its latest "
                                     "checkpoint; a discovery replays its recorded trainings.")
    res.add_argument("run_dir")
    res.add_argument("--quiet", action="store_true")
    pred = sub.add_parser("predict", help="evaluate a trained run at new points",
                          description="Evaluate RUN_DIR's model at the coordinates in POINTS (.npz, one array per coordinate).")
    pred.add_argument("run_dir")
    pred.add_argument("points", help=".npz with one 1-D array per coordinate (e.g. x, t)")
    pred.add_argument("-o", "--output", required=True, help="output .npz")
    pred.add_argument("--derivatives", default="", help="comma-separated, e.g. u_x,u_xx")
    val = sub.add_parser("validate", help="check a config without training",
                         description="Check CONFIG (and overrides) without training.")
    val.add_argument("config")
    val.add_argument("overrides", nargs="*")
    val.add_argument("--estimate", action="store_true",
                     help="also time a short calibration (~20 s) and estimate the run's training time on this machine")
    sub.add_parser("list", help="available geometries, terms, losses, networks, optimizers, samplers",
                   description="List every component a config can name, with its parameters.")
    disc = sub.add_parser("discover", help="discover a PDE from data, write a run directory",
                          description="Fit CONFIG's data, select a PDE from its candidate library, and write "
                                      "runs/<name>-<timestamp>/ (config.yaml, equation.txt, summary.json).")
    disc.add_argument("config", help="YAML discovery file (kind: discovery)")
    disc.add_argument("overrides", nargs="*", help="dotted overrides, e.g. fit.0.steps=500 data.noise=0.01")
    disc.add_argument("--out", help="run directory (default: <output.dir>/<name>-<timestamp>)")
    disc.add_argument("--quiet", action="store_true", help="no progress output")
    return p, _more_commands(sub)


def _more_commands(sub) -> dict:
    """The subcommands of :mod:`pinnjax.commands`' modules: {name: function}."""
    import importlib

    found = {}
    for module in MODULES:
        found.update(importlib.import_module(f".commands.{module}", __package__).add_parsers(sub))
    return found


def _load_any(config_path: str, overrides, discovery: bool | None = None):
    """The experiment of a config: a forward/inverse one, or a discovery one; ``discovery``
    True/False refuses the other kind, None accepts both."""
    from .config import build_experiment, load_config
    from .config.discovery import build_discovery
    from .config.files import path_problem
    from .config.registry import is_discovery

    problem = path_problem(Path(config_path))
    if problem:
        raise BadInput(f"config file {config_path!r} {problem}; give the path of a YAML experiment file")
    config = load_config(config_path, overrides)
    found = is_discovery(config)
    if discovery is False and found:
        raise BadInput(f"{config_path!r} is a discovery config (it has kind: discovery, library: or data:); "
                       f"run it with 'pinnjax discover {config_path}'")
    if discovery is True and not found:
        raise BadInput(f"{config_path!r} is not a discovery config (no kind: discovery, library: or data: key); run a "
                       f"forward or inverse problem with 'pinnjax run {config_path}'")
    build = build_discovery if found else build_experiment
    return build(config, base_dir=Path(config_path).resolve().parent)


def _load(config_path: str, overrides):
    return _load_any(config_path, overrides, discovery=False)


def _run_dir(out: str | None, root: str, name: str) -> Path:
    """``--out``, or a new ``root/<name>-<timestamp>``, created; BadInput when it cannot be."""
    from .config.errors import shorten
    from .runs.experiment import new_run_dir

    try:
        if out is None:
            return new_run_dir(root, name)
        Path(out).mkdir(parents=True, exist_ok=True)
        return Path(out)
    except OSError as err:
        where = out if out is not None else f"{root}/{name}-<timestamp>"
        raise BadInput(f"cannot create the run directory {shorten(where)!r}: {err.strerror or err}; give another "
                       "--out or output.dir") from None


def _total_steps(exp) -> int:
    return sum(p.steps for p in exp.phases)


def cmd_run(args) -> int:
    from .runs.experiment import run_experiment
    from .runs.loggers import check_available
    from .runs.progress import Progress

    clustered = _join_cluster(args)
    exp = _load(args.config, args.overrides)
    if clustered:
        return _run_on_cluster(exp, args)
    check_available(exp.output.get("loggers", ()))  # a missing logger package: before any directory is made
    run_dir = _run_dir(args.out, exp.output.get("dir", "runs"), exp.name)
    print(f"pinnjax: run {exp.name!r} -> {run_dir} ({_dtype_note(exp.dtype)})", file=sys.stderr)
    progress = Progress(_total_steps(exp), quiet=args.quiet)
    if exp.ensemble:
        from .runs.ensemble import run_ensemble

        print(f"pinnjax: ensemble of {len(exp.ensemble)} members (seeds {_seeds_text(exp.ensemble)}) in one "
              "compiled step", file=sys.stderr)
        summary = run_ensemble(exp, run_dir, progress)
        progress.close()
        return _finish_ensemble(summary, run_dir)
    summary = run_experiment(exp, run_dir, progress)
    progress.close()
    return _finish(summary, run_dir)


def _join_cluster(args) -> bool:
    """Join the run of several processes that the flags or the environment ask for (before
    any JAX computation); False for a run on this process alone."""
    from .runs.distributed import ClusterError, join, requested

    try:
        cluster = requested(args.coordinator, args.num_processes, args.process_id)
    except ClusterError as err:
        raise BadInput(str(err)) from None
    if cluster is not None:
        join(cluster)
    return cluster is not None


def _run_on_cluster(exp, args) -> int:
    """This process's part of a run over several: process 0 trains and writes like a run
    alone, the others train and write nothing; every process waits for the others at the end."""
    import jax

    from .runs.distributed import is_writer, leave, train_without_writing
    from .runs.experiment import run_experiment
    from .runs.progress import Progress
    from .train.sharding import point_mesh

    if exp.ensemble:
        raise BadInput("an ensemble (ensemble:) runs on one process; drop the distributed flags or ensemble:")
    mesh = point_mesh()
    if not is_writer():
        ok = train_without_writing(exp, mesh)
        leave()
        return EXIT_OK if ok else EXIT_FAILED
    run_dir = _run_dir(args.out, exp.output.get("dir", "runs"), exp.name)
    print(f"pinnjax: run {exp.name!r} -> {run_dir} ({_dtype_note(exp.dtype)}) on {jax.process_count()} processes, "
          f"{mesh.size} devices", file=sys.stderr)
    progress = Progress(_total_steps(exp), quiet=args.quiet)
    summary = run_experiment(exp, run_dir, progress, mesh=mesh)
    progress.close()
    code = _finish(summary, run_dir)
    leave()
    return code


def _dtype_note(dtype: str) -> str:
    """The dtype in use; for float32 (the default), that the shipped recipes use float64."""
    if dtype == "float64":
        return "float64"
    return ("float32, the default: single precision limits relative errors to ~1e-4 and L-BFGS/BFGS curvature; "
            "every shipped recipe sets dtype: float64")


def _seeds_text(seeds) -> str:
    return ", ".join(map(str, seeds)) if len(seeds) <= 6 else f"{seeds[0]}, {seeds[1]}, ..., {seeds[-1]}"


def _finish_ensemble(summary: dict, run_dir: Path) -> int:
    def stats(s):
        return f"median {s['median']:.3e} (IQR {s['q25']:.3e} .. {s['q75']:.3e}, {s['n']} members)"

    for field, s in summary["relative_l2"].items():
        print(f"pinnjax: relative L2 of {field}: {stats(s)}", file=sys.stderr)
    for name, s in summary["coefficients"].items():
        print(f"pinnjax: coefficient {name}: {stats(s)}", file=sys.stderr)
    failed = [m["seed"] for m in summary["members"] if m["status"] != "ok"]
    if failed:
        print(f"pinnjax: members with seeds {failed} failed (non-finite loss); see members/seed_<s>/summary.json",
              file=sys.stderr)
    print(f"pinnjax: done in {summary['wall_time']:.1f} s; outputs in {run_dir}", file=sys.stderr)
    return EXIT_FAILED if failed else EXIT_OK


def cmd_resume(args) -> int:
    from .config import build_experiment, load_config
    from .config.registry import is_discovery
    from .runs.experiment import completed_summary, latest_state, run_experiment
    from .runs.progress import Progress

    run_dir = Path(args.run_dir)
    if not (run_dir / "config.yaml").is_file():
        raise BadInput(f"{str(run_dir)!r} is not a run directory (no config.yaml); give a directory made by 'pinnjax run'")
    config = load_config(run_dir / "config.yaml")
    if is_discovery(config):
        return _resume_discovery(run_dir, config, args.quiet)
    exp = build_experiment(config, base_dir=run_dir)
    if exp.ensemble:
        return _resume_ensemble(exp, run_dir, args.quiet)
    state = latest_state(run_dir, exp, _warn)
    if state is None:
        raise BadInput(f"run directory {str(run_dir)!r} has no checkpoint yet; start it again with 'pinnjax run'")
    done = completed_summary(run_dir)
    if state.phase >= len(exp.phases) and done is not None:
        print(f"pinnjax: {run_dir} is already complete ({done['steps']} steps, final loss {done['final_total']:.3e}); "
              f"nothing to resume. Start a new run with 'pinnjax run {run_dir / 'config.yaml'}'", file=sys.stderr)
        return EXIT_OK
    print(f"pinnjax: resuming {run_dir} from step {state.step}", file=sys.stderr)
    progress = Progress(_total_steps(exp), quiet=args.quiet, start_step=state.step)
    summary = run_experiment(exp, run_dir, progress, resume=state)
    progress.close()
    return _finish(summary, run_dir)


def _resume_ensemble(exp, run_dir: Path, quiet: bool) -> int:
    from .runs.ensemble import finished_summary, resume_states, run_ensemble
    from .runs.progress import Progress

    done = finished_summary(run_dir)
    if done is not None:
        print(f"pinnjax: {run_dir} is already complete (an ensemble of {len(done['members'])}); nothing to resume. "
              f"Start a new run with 'pinnjax run {run_dir / 'config.yaml'}'", file=sys.stderr)
        return EXIT_OK
    states = resume_states(run_dir, exp, _warn)
    if states is None:
        raise BadInput(f"ensemble {str(run_dir)!r} has no checkpoint yet (members are checkpointed after each phase); "
                       "start it again with 'pinnjax run'")
    print(f"pinnjax: resuming ensemble {run_dir} from the end of phase {states[0].phase} (step {states[0].step})",
          file=sys.stderr)
    progress = Progress(_total_steps(exp), quiet=quiet, start_step=states[0].step)
    summary = run_ensemble(exp, run_dir, progress, resume=states)
    progress.close()
    return _finish_ensemble(summary, run_dir)


def _finish(summary: dict, run_dir: Path) -> int:
    errors = ", ".join(f"{k} {v:.3e}" for k, v in summary["relative_l2"].items())
    if summary["status"] != "ok":
        bad = [p["message"] for p in summary["phases"] if p["message"]]
        print(f"pinnjax: run failed: {'; '.join(bad)}. Last good checkpoint kept in {run_dir / 'checkpoints'}",
              file=sys.stderr)
        return EXIT_FAILED
    losses = ", ".join(f"{k} {v:.3e}" for k, v in summary["final_losses"].items())
    print(f"pinnjax: final losses: {losses}", file=sys.stderr)
    if summary["coefficients"]:
        print("pinnjax: trained coefficients: " + ", ".join(f"{k} = {v:.6g}" for k, v in summary["coefficients"].items()),
              file=sys.stderr)
    for warning in summary.get("warnings", ()):
        _warn(warning["message"])
    print(f"pinnjax: done in {summary['wall_time']:.1f} s; final loss {summary['final_total']:.3e}"
          + (f"; relative L2 {errors}" if errors else "") + f"; outputs in {run_dir}", file=sys.stderr)
    return EXIT_OK


def _warn(message: str) -> None:
    print(f"pinnjax: warning: {message}", file=sys.stderr)


def _points(path: str) -> dict:
    """The arrays of a points file (.npz, never a pickle)."""
    from .config.files import UnreadableFile, load_npz, path_problem

    problem = path_problem(Path(path))
    if problem:
        raise BadInput(f"points file {path!r} {problem}")
    try:
        return load_npz(Path(path))
    except UnreadableFile as err:
        raise BadInput(f"points file {path!r} {err}") from None


def cmd_predict(args) -> int:
    import numpy as np

    from .runs.experiment import load_result

    if Path(args.output).is_dir():
        raise BadInput(f"output {args.output!r} is a directory; give a file name, e.g. {args.output}/prediction.npz")
    try:
        result = load_result(Path(args.run_dir), _warn)
    except FileNotFoundError as err:
        raise BadInput(str(err)) from None
    coords = result.compiled.problem.coordinates
    data = _points(args.points)
    missing = [c for c in coords if c not in data]
    if missing:
        raise BadInput(f"points file {args.points!r} lacks coordinate(s) {missing}; it has {list(data)}, "
                       f"and needs one 1-D array per coordinate {list(coords)}")
    try:
        columns = [np.asarray(data[c], float).ravel() for c in coords]
    except (TypeError, ValueError) as err:
        raise BadInput(f"points file {args.points!r}: the coordinates must be numbers ({err})") from None
    if len({len(c) for c in columns}) != 1:
        raise BadInput(f"coordinate arrays in {args.points!r} differ in length: "
                       + ", ".join(f"{c}: {len(a)}" for c, a in zip(coords, columns)))
    names = list(result.compiled.problem.fields) + [d for d in args.derivatives.split(",") if d.strip()]
    try:
        out = result.predict(np.stack(columns, axis=1), names)
    except ValueError as err:
        raise BadInput(str(err)) from None
    np.savez(args.output, **{c: a for c, a in zip(coords, columns)}, **out)
    print(f"pinnjax: wrote {', '.join(out)} at {len(columns[0])} points to {args.output}", file=sys.stderr)
    return EXIT_OK


def cmd_validate(args) -> int:
    from .config import DiscoveryExperiment

    exp = _load_any(args.config, args.overrides)
    if isinstance(exp, DiscoveryExperiment):
        trainings = ", ".join(f"{name} {steps}" for name, steps in exp.recipe.steps().items() if steps)
        lo, hi = exp.recipe.step_range()
        print(f"pinnjax: {args.config} is a valid discovery config: {_describe_discovery(exp)}; recipe "
              f"{exp.recipe} (optimizer steps per training: {trainings}); {lo:,} to {hi:,} optimizer steps per "
              f"seed (pruning rounds, challenges and widenings decide), seeds {list(exp.seeds)}; physics steps cost "
              "far more than the data-only fit's (every residual point carries the library's derivatives)",
              file=sys.stderr)
    else:
        print(f"pinnjax: {args.config} is valid: {len(exp.problem.terms)} terms "
              f"({', '.join(t.name for t in exp.problem.terms)}), {len(exp.phases)} phases, "
              f"{_total_steps(exp)} steps", file=sys.stderr)
    if args.estimate:
        _estimate(exp)
    return EXIT_OK


def _estimate(exp) -> None:
    """The training time from a short calibration (:mod:`pinnjax.runs.estimate`)."""
    from .config import DiscoveryExperiment
    from .runs.estimate import estimate_discovery, estimate_run

    if getattr(exp, "ensemble", None):
        _say("no time estimate for an ensemble (its members train together in one compiled step; the calibration "
             "times one network)")
        return
    _say("timing a short calibration of each optimizer on this machine ...")
    _say((estimate_discovery if isinstance(exp, DiscoveryExperiment) else estimate_run)(exp).text())


def cmd_list(args) -> int:
    from .config import describe_components

    print(describe_components())
    return EXIT_OK


def _describe_discovery(exp) -> str:
    several = len(exp.data.fields) > 1  # one equation per field
    what = f"values of {', '.join(exp.data.fields)}" if several else f"points of {exp.data.field}"
    lhs = ", ".join(exp.lhs) if several else exp.lhs
    return (f"{len(exp.data)} {what} ({exp.data.n_trajectories} trajector"
            f"{'y' if exp.data.n_trajectories == 1 else 'ies'}), {lhs} from a library of {len(exp.library)} terms"
            + _relative_loss_text(exp))


def _relative_loss_text(exp) -> str:
    """A data_loss whose scale is relative to the data, resolved (DataError when it cannot be)."""
    from .discovery.relative import RelativeLoss, robust_std

    loss = exp.setup_options["data_loss"]
    if not isinstance(loss, RelativeLoss):
        return ""
    resolved = getattr(loss.resolve(exp.data.values), loss.scale)
    return (f"; data_loss {loss.kind} with {loss.scale} {loss.factor:g} x the data's robust std "
            f"{robust_std(exp.data.values):.4g} = {resolved:.4g}")


def _say(message: str) -> None:
    print(f"pinnjax: {message}", file=sys.stderr, flush=True)


def cmd_discover(args) -> int:
    exp = _load_any(args.config, args.overrides, discovery=True)
    run_dir = _run_dir(args.out, exp.output["dir"], exp.name)
    print(f"pinnjax: discover {exp.name!r} -> {run_dir}: {_describe_discovery(exp)}", file=sys.stderr)
    return _discover(exp, run_dir, args.quiet)


def _evidence_text(terms) -> str:
    """Kept terms with their 95 % intervals and selection frequencies; borderline drops."""
    def freq(t):
        return "" if t["frequency"] is None else f", selected in {t['frequency']:.0%}"

    kept = [f"{t['term']} {t['coefficient']:.5g} [{t['interval'][0]:.5g}, {t['interval'][1]:.5g}]{freq(t)}"
            + (" (borderline)" if t["verdict"].endswith("borderline") else "") for t in terms if t["interval"]]
    doubtful = [f"{t['term']}{freq(t)}" for t in terms if t["verdict"] == "dropped, borderline"]
    tested = [f"{t['term']} ({'needed' if t['data_test']['needed'] else 'not needed'}: data misfit "
              f"{t['data_test']['misfit_with'] / t['data_test']['misfit_without']:.4f}x with it)"
              for t in terms if t.get("data_test")]
    text = ("kept (95 % interval): " + "; ".join(kept)) if kept else ""
    text += f"; dropped but borderline: {', '.join(doubtful)}" if doubtful else ""
    return text + (f"; tested on the data: {', '.join(tested)}" if tested else "")


def _resume_discovery(run_dir: Path, config, quiet: bool) -> int:
    from .config.discovery import build_discovery
    from .runs.journal import DIRECTORY, FileJournal

    try:
        summary = json.loads((run_dir / "summary.json").read_text())
    except (OSError, ValueError):
        summary = None
    if isinstance(summary, dict) and summary.get("status") == "ok":
        print(f"pinnjax: {run_dir} is already complete ({summary.get('equation')}); nothing to resume. Start a new "
              f"discovery with 'pinnjax discover {run_dir / 'config.yaml'}'", file=sys.stderr)
        return EXIT_OK
    exp = build_discovery(config, base_dir=run_dir)
    recorded = FileJournal(run_dir / DIRECTORY).recorded()
    print(f"pinnjax: resuming discovery {run_dir} ({recorded} training(s) recorded)", file=sys.stderr)
    return _discover(exp, run_dir, quiet)


def _discover(exp, run_dir: Path, quiet: bool) -> int:
    from .runs.discovery import run_discovery
    from .runs.progress import StagedProgress

    _say(f"recipe: {exp.recipe}")
    lo, hi = exp.recipe.step_range()
    progress = StagedProgress(exp.recipe.steps(), quiet=quiet, run_steps=(lo * len(exp.seeds), hi * len(exp.seeds)))
    summary = run_discovery(exp, run_dir, None if quiet else _say, progress, _warn)
    progress.close()
    print("\n".join(summary["equations"]))
    from .discovery.checks import check_warnings

    for seed in summary["per_seed"]:
        evidence = _evidence_text((seed["checks"] or {}).get("terms", ()))
        if evidence:
            _say(f"seed {seed['seed']}: {evidence}")
        for warning in check_warnings(seed["checks"] or {}, summary["lhs"]):
            print(f"pinnjax: warning (seed {seed['seed']}): {warning}", file=sys.stderr)
    if summary["status"] != "ok":
        print(f"pinnjax: discovery failed: {'; '.join(summary['failures'])}. Outputs in {run_dir}", file=sys.stderr)
        return EXIT_FAILED
    print(f"pinnjax: done in {summary['wall_time']:.1f} s; outputs in {run_dir}", file=sys.stderr)
    return EXIT_OK


COMMANDS = {"run": cmd_run, "resume": cmd_resume, "predict": cmd_predict, "validate": cmd_validate, "list": cmd_list,
            "discover": cmd_discover}


CACHE_ENV, NO_CACHE_ENV = "PINNJAX_CACHE_DIR", "PINNJAX_NO_CACHE"


def compile_cache_dir() -> Path | None:
    """Where the CLI keeps JAX's persistent compilation cache: ``$PINNJAX_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/pinnjax/xla`` (``~/.cache/pinnjax/xla``); None with ``PINNJAX_NO_CACHE=1``."""
    if os.environ.get(NO_CACHE_ENV, "") not in ("", "0"):
        return None
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pinnjax" / "xla"


def _enable_compile_cache() -> None:
    """JAX's persistent compilation cache, so a second run of a config skips compiling
    (left alone when the process already set one, e.g. the test session's)."""
    import jax

    where = compile_cache_dir()
    if where is None or jax.config.jax_compilation_cache_dir:
        return
    try:
        where.mkdir(parents=True, exist_ok=True)
    except OSError:
        return  # an unwritable home: run without the cache
    jax.config.update("jax_compilation_cache_dir", str(where))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.5)


def main(argv=None) -> int:
    parser, more = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "estimate", False):  # an estimate times compilation as a first run meets it
        _enable_compile_cache()
    from .config import ConfigError
    from .config.errors import one_line
    from .discovery import DataError
    from .runs.checkpoint import CheckpointError
    from .runs.distributed import JoinError

    try:
        return {**COMMANDS, **more}[args.command](args)
    except (BadInput, ConfigError, DataError, CheckpointError) as err:
        print(f"pinnjax: error: {one_line(str(err))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except JoinError as err:
        print(f"pinnjax: error: {one_line(str(err))}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("pinnjax: interrupted; resume with 'pinnjax resume RUN_DIR'", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
