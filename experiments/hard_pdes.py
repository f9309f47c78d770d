"""Hard PDEs: the shipped Allen-Cahn and KdV configs, plain and with each training
ingredient added, median relative L2 over seeds against the spectral references.

Each variant is the shipped YAML config with dotted overrides (the same ones a user can
pass to `pinnjax run`), so every row is reproducible from the command line:

- plain: the config as shipped;
- +causal: the PDE term's residual weighted causally over 32 time slices (pj.Causal);
- +rwf: random weight factorization of the network's dense layers;
- +rad: the PDE points redrawn where the residual is large (RAD, k = c = 1);
- +grad_norm: the terms' weights balanced by their gradient norms every 100 Adam steps;
- all: every ingredient above together.

``--adam`` / ``--lbfgs`` set the step budgets for every variant (default: the configs' own);
wall times include compilation.

    python experiments/hard_pdes.py [--problems allen_cahn,kdv] [--variants plain,all] [--seeds 0,1,2]
                                    [--adam 5000 --lbfgs 2000] [--write]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from results import median, write_section  # noqa: E402

CONFIGS = {"allen_cahn": HERE.parent / "configs" / "allen_cahn.yaml", "kdv": HERE.parent / "configs" / "kdv.yaml"}
VARIANTS = {
    "plain": [],
    "+causal": ["terms.0.causal.slices=32"],
    "+rwf": ["network.rwf.mean=1.0"],
    "+rad": ["terms.0.points.adaptive.k=1.0"],
    "+grad_norm": ["training.balancing.type=grad_norm", "training.balancing.every=100"],
}
VARIANTS["all"] = [o for name in ("+causal", "+rwf", "+rad", "+grad_norm") for o in VARIANTS[name]]


def run(problem: str, overrides: list[str], seed: int) -> dict:
    import pinnjax as pj
    from pinnjax.config import build_experiment, load_config

    exp = build_experiment(load_config(CONFIGS[problem], [*overrides, f"seed={seed}"]), base_dir=CONFIGS[problem].parent)
    t0 = time.perf_counter()
    result = pj.solve(exp.problem, exp.network, exp.phases, **exp.solve_kwargs)
    wall = time.perf_counter() - t0
    points, values, field = exp.reference
    return {"error": result.relative_l2(points, values, field), "wall": wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--problems", default="allen_cahn,kdv")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--adam", type=int, help="Adam steps for every variant (default: the config's)")
    parser.add_argument("--lbfgs", type=int, help="L-BFGS steps for every variant (default: the config's)")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    budget = ([f"training.phases.0.steps={args.adam}"] if args.adam else []) + (
        [f"training.phases.1.steps={args.lbfgs}"] if args.lbfgs else [])
    seeds = [int(s) for s in args.seeds.split(",")]
    rows = ["| problem | variant | relative L2 (median) | per seed | wall s (median) | overrides |",
            "|---|---|---|---|---|---|"]
    for problem in args.problems.split(","):
        for variant in args.variants.split(","):
            runs = [run(problem, VARIANTS[variant] + budget, s) for s in seeds]
            for s, r in zip(seeds, runs):
                print(f"{problem} {variant} seed {s}: rel L2 {r['error']:.3e} ({r['wall']:.0f} s)", flush=True)
            rows.append(f"| {problem} | {variant} | {median([r['error'] for r in runs]):.2e} | "
                        f"{', '.join(format(r['error'], '.2e') for r in runs)} | "
                        f"{median([r['wall'] for r in runs]):.0f} | {' '.join(VARIANTS[variant] + budget) or '-'} |")
    table = "\n".join(rows)
    print(table)
    if args.write:
        write_section("Hard PDEs: ingredients",
                      "The shipped Allen-Cahn and KdV configs, plain and with each training ingredient added "
                      "(dotted overrides, as on the command line), relative L2 against the spectral reference, "
                      "median over the seeds; wall time includes compilation.", table)


if __name__ == "__main__":
    main()
