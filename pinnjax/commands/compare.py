"""``pinnjax compare CONFIG --vary KEY=V1,V2 --seeds N --out DIR``: variants over seeds, tested.

Every variant (one per value, or per combination of several ``--vary``) is built and checked
before any training; each then trains as one ensemble of the same seeds. The statistics and
the recommendation are :func:`pinnjax.analysis.compare_samples`'.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from . import BadInput

METRIC_ROOTS = ("relative_l2", "coefficients", "final_losses", "final_total")


def add_parsers(sub) -> dict:
    p = sub.add_parser("compare", help="train variants of a config over seeds and test which is better",
                       description="Train every variant of CONFIG (--vary KEY=V1,V2,...) as an ensemble of the same "
                                   "seeds, then write DIR/comparison.json, comparison.md and comparison.png: per-variant "
                                   "median, IQR, mean with a bootstrap CI, pairwise Mann-Whitney and Welch tests (Holm), "
                                   "Cliff's delta, and a recommendation.")
    p.add_argument("config", help="YAML experiment file")
    p.add_argument("overrides", nargs="*", help="dotted overrides applied to every variant")
    p.add_argument("--vary", action="append", required=True, metavar="KEY=V1,V2,...",
                   help="a config key and its values (repeat for a product of several keys)")
    p.add_argument("--seeds", type=int, default=10, help="members per variant: seeds seed .. seed+N-1 (default 10)")
    p.add_argument("--metric", help="summary field to compare: relative_l2.FIELD (default when the config has a "
                                    "reference), coefficients.NAME, final_losses.TERM or final_total")
    p.add_argument("--truth", type=float, help="compare |metric - TRUTH| / |TRUTH| (e.g. a coefficient's true value)")
    p.add_argument("--higher-is-better", action="store_true", help="the larger metric wins (default: the smaller)")
    p.add_argument("--alpha", type=float, default=0.05, help="significance level (default 0.05)")
    p.add_argument("--out", help="output directory (default: <output.dir>/<name>-compare-<timestamp>)")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    return {"compare": cmd_compare}


def _parse_vary(items: list[str]) -> list[tuple[str, list[str]]]:
    from ..runs.compare import split_values

    vary = []
    for item in items:
        key, sep, values = item.partition("=")
        parts = split_values(values) if sep else []
        if not key.strip() or not sep or not all(parts):
            raise BadInput(f"--vary {item!r} must look like KEY=V1,V2,..., e.g. --vary terms.1.loss=mse,huber")
        vary.append((key.strip(), parts))
    if len({k for k, _ in vary}) != len(vary):
        raise BadInput(f"--vary names a key twice ({[k for k, _ in vary]}); give each key once with all its values")
    return vary


def _check_args(args) -> None:
    if not 2 <= args.seeds <= 1000:
        raise BadInput(f"--seeds {args.seeds}: give at least 2 seeds per variant (a test needs them; 10-30 is usual)")
    if not 0 < args.alpha < 1:
        raise BadInput(f"--alpha {args.alpha}: give a significance level between 0 and 1, e.g. 0.05")
    if args.truth is not None and args.truth == 0:
        raise BadInput("--truth 0: a relative error needs a non-zero truth; compare the raw value (no --truth)")


def _build(args, variant, seeds):
    from ..config import ConfigError, build_experiment, load_config
    from ..config.registry import is_discovery

    overrides = [*args.overrides, *variant.overrides, f"ensemble=[{', '.join(map(str, seeds))}]"]
    try:
        config = load_config(args.config, overrides)
        if is_discovery(config):
            raise BadInput(f"{args.config!r} is a discovery config; compare compares forward and inverse runs")
        return build_experiment(config, base_dir=Path(args.config).resolve().parent)
    except ConfigError as err:
        raise BadInput(f"variant {variant.label!r}: {err}") from None


def _metric(args, exp):
    from ..runs.compare import Metric

    p = exp.problem
    if args.metric is None:
        if exp.reference is None:
            raise BadInput(f"{args.config!r} has no reference solution, so there is no default metric; give --metric, "
                           f"e.g. coefficients.NAME --truth VALUE or final_losses.TERM "
                           f"(terms: {', '.join(t.name for t in p.terms)})")
        return Metric(f"relative_l2.{exp.reference[2]}", args.truth, not args.higher_is_better)
    root, _, name = args.metric.partition(".")
    names = {"relative_l2": [exp.reference[2]] if exp.reference is not None else [],
             "coefficients": list(p.coefficients), "final_losses": [t.name for t in p.terms]}
    if root not in METRIC_ROOTS or (root == "final_total") != (not name) or (name and name not in names[root]):
        valid = [f"{r}.{n}" for r in names for n in names[r]] + ["final_total"]
        raise BadInput(f"--metric {args.metric!r} is not a summary field of this config; choose one of {valid}")
    return Metric(args.metric, args.truth, not args.higher_is_better)


def cmd_compare(args) -> int:
    from ..runs.compare import member_values, run_variant, variants, write_comparison
    from ..runs.experiment import new_run_dir
    from ..runs.progress import Progress

    _check_args(args)
    found = variants(_parse_vary(args.vary))
    if len(found) < 2:
        raise BadInput(f"--vary gives {len(found)} variant; give at least two values, e.g. --vary KEY=A,B")
    first = _build(args, found[0], [0])
    seeds = list(range(first.seed, first.seed + args.seeds))
    exps = [_build(args, v, seeds) for v in found]  # every variant checked before any training
    metric = _metric(args, exps[0])
    out = Path(args.out) if args.out else new_run_dir(exps[0].output.get("dir", "runs"), f"{exps[0].name}-compare")
    out.mkdir(parents=True, exist_ok=True)
    _say(f"compare {len(found)} variants x {len(seeds)} seeds of {exps[0].name!r} by {metric.label} -> {out}")
    values, walls = {}, {}
    for i, (variant, exp) in enumerate(zip(found, exps), start=1):
        t0 = time.perf_counter()
        progress = Progress(sum(p.steps for p in exp.phases), quiet=args.quiet)
        summary, reused = run_variant(exp, out / "variants" / variant.folder, progress)
        progress.close()
        values[variant.label], walls[variant.label] = member_values(summary, metric), time.perf_counter() - t0
        median = np.nanmedian(list(values[variant.label].values()))
        _say(f"variant {i}/{len(found)} {variant.label}: {'read back' if reused else 'trained'}; "
             f"median {metric.label} {median:.4g}")
    try:
        report = write_comparison(out, metric, values, args.alpha, walls)
    except ValueError as err:
        _say(f"no comparison: {err}; the variants' runs are in {out / 'variants'}")
        return 1
    print((out / "comparison.md").read_text().split("\nRecommendation:")[0])
    _say(f"recommendation: {report['recommendation']}")
    _say(f"outputs in {out}")
    return 0


def _say(message: str) -> None:
    print(f"pinnjax: {message}", file=sys.stderr, flush=True)
