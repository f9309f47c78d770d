"""``pinnjax landscape RUN_DIR`` and ``pinnjax hessian RUN_DIR``: loss slices and curvature of a trained run.

Both write into ``RUN_DIR/diagnostics/`` (or ``--out``); see :mod:`pinnjax.runs.diagnose`.
The arguments are checked before the run is loaded, then the parameter names against it.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from . import BadInput

MAX_POINTS = {1: 2001, 2: 201}


def add_parsers(sub) -> dict:
    land = sub.add_parser(
        "landscape", help="1-D/2-D slices of a run's loss (total and per term) around its trained parameters",
        description="Evaluate RUN_DIR's loss (total and each term) on a 1-D or 2-D slice through the trained "
                    "parameters, along filter-normalized random directions (Li et al. 2018) or named parameters; "
                    "write landscape.npz, landscape.json and landscape.png into RUN_DIR/diagnostics/.")
    land.add_argument("run_dir")
    land.add_argument("--directions", default="random",
                      help="'random', or NAME or NAME1,NAME2: trainable coefficients or parameter leaves "
                           "(e.g. net.hidden.0.weight)")
    land.add_argument("--points", default="41", help="grid points per axis (default 41)")
    land.add_argument("--span", default="1.0", help="the slice covers [-span, span] on each axis (default 1.0)")
    land.add_argument("--dims", default=None, help="1 or 2 (default: 1 for random, the number of names given)")
    land.add_argument("--seed", default="0", help="seed of the random directions and of the points (default 0)")
    land.add_argument("--out", help="output directory (default RUN_DIR/diagnostics)")
    hes = sub.add_parser(
        "hessian", help="top Hessian eigenvalues (Lanczos) and trace (Hutchinson) of a run's loss",
        description="Top eigenvalues of the Hessian of RUN_DIR's total loss at its trained parameters (Lanczos "
                    "with full reorthogonalization) and its trace (Hutchinson, Rademacher probes, ± standard "
                    "error); write hessian.json and hessian.png into RUN_DIR/diagnostics/.")
    hes.add_argument("run_dir")
    hes.add_argument("--top", default="5", help="how many of the largest eigenvalues (default 5)")
    hes.add_argument("--probes", default="100", help="Hutchinson probes for the trace; 0 skips it (default 100)")
    hes.add_argument("--seed", default="0", help="seed of the start vector, the probes and the points (default 0)")
    hes.add_argument("--out", help="output directory (default RUN_DIR/diagnostics)")
    return {"landscape": cmd_landscape, "hessian": cmd_hessian}


def _integer(option: str, text: str, low: int, high: int, fix: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise BadInput(f"{option} {text!r} is not an integer from {low} to {high}; {fix}")
    return value


def _span(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise BadInput(f"--span {text!r} is not a positive number; give e.g. --span 1.0 (the slice covers "
                       "[-span, span] in units of the directions)")
    return value


def _slice_options(args) -> tuple[object, int]:
    """(directions: 'random' or a tuple of names, dims)."""
    names = tuple(n.strip() for n in args.directions.split(",")) if args.directions != "random" else ()
    if any(not n for n in names) or len(names) > 2:
        raise BadInput(f"--directions {args.directions!r} is not 'random', NAME or NAME1,NAME2; give e.g. "
                       "--directions random or --directions nu,k (trainable coefficients or parameter leaves)")
    default = len(names) or 1
    dims = default if args.dims is None else _integer("--dims", args.dims, 1, 2, "give --dims 1 or --dims 2")
    if names and dims != len(names):
        raise BadInput(f"--dims {dims} does not match --directions {args.directions!r} ({len(names)} name(s)); "
                       f"give {dims} name(s) or leave --dims out")
    return (names or "random"), dims


def _load(run_dir: str):
    from ..config.errors import shorten
    from ..runs.diagnose import load_run

    path = Path(run_dir)
    try:
        return path, load_run(path, _warn)
    except FileNotFoundError as err:
        raise BadInput(f"{err}; give a run directory made by 'pinnjax run'"
                       if "ensemble" not in str(err) else str(err)) from None
    except OSError as err:
        raise BadInput(f"cannot read the run directory {shorten(run_dir)!r}: {err}") from None


def _out(args, run_dir: Path) -> Path:
    from ..runs.diagnose import DIRECTORY

    out = Path(args.out) if args.out else run_dir / DIRECTORY
    if out.exists() and not out.is_dir():
        raise BadInput(f"--out {str(out)!r} is a file; give a directory")
    return out


def _warn(message: str) -> None:
    print(f"pinnjax: warning: {message}", file=sys.stderr)


def cmd_landscape(args) -> int:
    from ..diagnostics import resolve_name
    from ..runs.diagnose import write_landscape

    directions, dims = _slice_options(args)
    points = _integer("--points", args.points, 3, MAX_POINTS[dims],
                      f"give e.g. --points 41 (at most {MAX_POINTS[dims]} per axis for a {dims}-D slice)")
    span = _span(args.span)
    seed = _integer("--seed", args.seed, 0, 2**32 - 1, "give a non-negative integer")
    run_dir, result = _load(args.run_dir)
    for name in () if directions == "random" else directions:
        try:
            resolve_name(result.params, name)
        except ValueError as err:
            raise BadInput(f"--directions: {err}") from None
    out = _out(args, run_dir)
    info = write_landscape(result, run_dir, out, dims, points, span, directions, seed)
    c, m = info["center"], info["minimum"]
    where = ", ".join(f"{k} {m[k]:+.3g}" for k in ("alpha", "beta") if k in m)
    print(f"loss at the trained parameters {c['total']:.6e}; grid minimum {m['total']:.6e} at {where}")
    print(f"pinnjax: wrote landscape.npz, landscape.json, landscape.png ({dims}-D, {points} points per axis, "
          f"span {span:g}, directions {', '.join(info['directions'])}) to {out}", file=sys.stderr)
    return 0


def cmd_hessian(args) -> int:
    from ..diagnostics import leaf_names
    from ..runs.diagnose import write_hessian

    top = _integer("--top", args.top, 1, 1000, "give e.g. --top 5")
    probes = _integer("--probes", args.probes, 0, 100_000, "give e.g. --probes 100 (0 skips the trace; at least "
                      "2 for a standard error)")
    if probes == 1:
        raise BadInput("--probes 1 gives no standard error; give 0 (no trace) or at least 2, e.g. --probes 100")
    seed = _integer("--seed", args.seed, 0, 2**32 - 1, "give a non-negative integer")
    run_dir, result = _load(args.run_dir)
    n = sum(int(getattr(v, "size", 1)) for v in leaf_names(result.params).values())
    if top > n:
        raise BadInput(f"--top {top} exceeds the run's {n} parameters; give --top {n} or fewer")
    out = _out(args, run_dir)
    info = write_hessian(result, run_dir, out, top, probes, seed)
    print(f"parameters {info['n_params']}; loss {info['loss']:.6e}")
    print("top eigenvalues " + " ".join(f"{v:.6e}" for v in info["top_eigenvalues"])
          + f" ({info['lanczos_iterations']} Lanczos steps{'' if info['converged'] else ', NOT converged'})")
    print(f"smallest Ritz value {info['smallest_ritz_value']:.6e}")
    if info["trace"] is not None:
        print(f"trace {info['trace']:.6e} ± {info['trace_se']:.2e} (Hutchinson, {probes} probes)")
    print(f"pinnjax: wrote hessian.json, hessian.png to {out}", file=sys.stderr)
    return 0
