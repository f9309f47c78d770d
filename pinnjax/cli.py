"""The ``pinnjax`` command: run, resume, predict, validate, list.

Exit codes: 0 success, 2 bad input (one short paragraph, no traceback), 1 failed run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


class BadInput(Exception):
    """A user error reported as one paragraph with exit code 2."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pinnjax", description="Physics-informed neural networks in JAX.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = sub.add_parser("run", help="validate a config, train, write a run directory",
                         description="Validate CONFIG, train, and write runs/<name>-<timestamp>/.")
    run.add_argument("config", help="YAML experiment file")
    run.add_argument("overrides", nargs="*", help="dotted overrides, e.g. training.phases.0.steps=500")
    run.add_argument("--out", help="run directory (default: <output.dir>/<name>-<timestamp>)")
    run.add_argument("--quiet", action="store_true", help="no progress output")
    res = sub.add_parser("resume", help="continue a run from its latest checkpoint",
                         description="Continue RUN_DIR from its latest checkpoint.")
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
    sub.add_parser("list", help="available geometries, terms, losses, networks, optimizers, samplers",
                   description="List every component a config can name, with its parameters.")
    return p


def _load(config_path: str, overrides):
    from .config import load_experiment

    if not Path(config_path).is_file():
        raise BadInput(f"config file {config_path!r} does not exist; give the path of a YAML experiment file")
    return load_experiment(config_path, overrides)


def _total_steps(exp) -> int:
    return sum(p.steps for p in exp.phases)


def cmd_run(args) -> int:
    from .progress import Progress
    from .runs import new_run_dir, run_experiment

    exp = _load(args.config, args.overrides)
    run_dir = Path(args.out) if args.out else new_run_dir(exp.output.get("dir", "runs"), exp.name)
    print(f"pinnjax: run {exp.name!r} -> {run_dir}", file=sys.stderr)
    progress = Progress(_total_steps(exp), quiet=args.quiet)
    summary = run_experiment(exp, run_dir, progress)
    progress.close()
    return _finish(summary, run_dir)


def cmd_resume(args) -> int:
    from .config import build_experiment, load_config
    from .progress import Progress
    from .runs import latest_state, run_experiment

    run_dir = Path(args.run_dir)
    if not (run_dir / "config.yaml").is_file():
        raise BadInput(f"{str(run_dir)!r} is not a run directory (no config.yaml); give a directory made by 'pinnjax run'")
    exp = build_experiment(load_config(run_dir / "config.yaml"), base_dir=run_dir)
    state = latest_state(run_dir, exp)
    if state is None:
        raise BadInput(f"run directory {str(run_dir)!r} has no checkpoint yet; start it again with 'pinnjax run'")
    print(f"pinnjax: resuming {run_dir} from step {state.step}", file=sys.stderr)
    progress = Progress(_total_steps(exp), quiet=args.quiet, start_step=state.step)
    summary = run_experiment(exp, run_dir, progress, resume=state)
    progress.close()
    return _finish(summary, run_dir)


def _finish(summary: dict, run_dir: Path) -> int:
    errors = ", ".join(f"{k} {v:.3e}" for k, v in summary["relative_l2"].items())
    if summary["status"] != "ok":
        bad = [p["message"] for p in summary["phases"] if p["message"]]
        print(f"pinnjax: run failed: {'; '.join(bad)}. Last good checkpoint kept in {run_dir / 'checkpoints'}",
              file=sys.stderr)
        return EXIT_FAILED
    print(f"pinnjax: done in {summary['wall_time']:.1f} s; final loss {summary['final_total']:.3e}"
          + (f"; relative L2 {errors}" if errors else "") + f"; outputs in {run_dir}", file=sys.stderr)
    return EXIT_OK


def cmd_predict(args) -> int:
    import numpy as np

    from .runs import load_result

    try:
        result = load_result(Path(args.run_dir))
    except FileNotFoundError as err:
        raise BadInput(str(err)) from None
    coords = result.compiled.problem.coordinates
    if not Path(args.points).is_file():
        raise BadInput(f"points file {args.points!r} does not exist")
    try:
        data = np.load(args.points)
    except Exception as err:  # noqa: BLE001 - any unreadable file is bad input
        raise BadInput(f"cannot read points file {args.points!r} as .npz: {err}") from None
    missing = [c for c in coords if c not in data.files]
    if missing:
        raise BadInput(f"points file {args.points!r} lacks coordinate(s) {missing}; it has {data.files}, "
                       f"and needs one 1-D array per coordinate {list(coords)}")
    columns = [np.asarray(data[c], float).ravel() for c in coords]
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
    exp = _load(args.config, args.overrides)
    print(f"pinnjax: {args.config} is valid: {len(exp.problem.terms)} terms "
          f"({', '.join(t.name for t in exp.problem.terms)}), {len(exp.phases)} phases, "
          f"{_total_steps(exp)} steps", file=sys.stderr)
    return EXIT_OK


def cmd_list(args) -> int:
    from .config import describe_components

    print(describe_components())
    return EXIT_OK


COMMANDS = {"run": cmd_run, "resume": cmd_resume, "predict": cmd_predict, "validate": cmd_validate, "list": cmd_list}


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    from .config import ConfigError

    try:
        return COMMANDS[args.command](args)
    except (BadInput, ConfigError) as err:
        print(f"pinnjax: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("pinnjax: interrupted; resume with 'pinnjax resume RUN_DIR'", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
