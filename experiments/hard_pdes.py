"""Hard PDEs: the shipped Allen-Cahn and KdV configs, and an ablation of their recipe.

Each row is the shipped YAML config with dotted overrides (the same a user can pass to
`pinnjax run`), so every row is reproducible from the command line. The recipe's
ingredients:

- float64: the whole run in float64 (plain: float32);
- hard IC: the initial condition in the output transform, u = u0(x) + t N (plain: an
  initial-condition term, weight 100 for Allen-Cahn and 10 for KdV, as the configs had);
- periodic: cos(pi x), sin(pi x) in place of x (plain: a periodic term matching u and its
  first 1 (Allen-Cahn) or 2 (KdV) x-derivatives at x = -1 and 1);
- rad: PDE points redrawn by RAD (k = c = 1) every 1,000 steps (plain: uniform redraws);
- bfgs: self-scaled BFGS after Adam (plain: L-BFGS, memory 50, on the points it starts on).

Rows: ``plain`` and the ingredients added one by one in the order above up to ``full``
(the shipped config), then ``full`` minus each ingredient, then ``full`` plus each of
causal weighting (32 slices), random weight factorization and a PirateNet (width 16, 2
blocks, 2,200 parameters: a size the dense BFGS handles). ``--adam`` / ``--second`` set the step
budgets of every row (default: the configs' own); wall times include compilation. Each
finished run is kept in hard_pdes.jsonl and read back instead of rerun (delete a line to rerun).

    python experiments/hard_pdes.py [--problems allen_cahn,kdv] [--variants full,-bfgs] [--seeds 0,1,2]
                                    [--adam 1000 --second 3000] [--write]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from results import median, write_section  # noqa: E402

CONFIGS = {"allen_cahn": HERE.parent / "configs" / "allen_cahn.yaml", "kdv": HERE.parent / "configs" / "kdv.yaml"}
SOFT = {  # what the plain PINN trains instead of the hard constraints
    "allen_cahn": {"ic": "x**2*cos(pi*x)", "ic_weight": 100.0, "derivatives": 1},
    "kdv": {"ic": "cos(pi*x)", "ic_weight": 10.0, "derivatives": 2},
}
INGREDIENTS = ("float64", "hard_ic", "periodic", "rad", "bfgs")
EXTRAS = {
    "+causal": ["terms.0.causal.slices=32"],
    "+rwf": ["network.rwf.mean=1.0"],
    "+piratenet": ["network={type: piratenet, width: 16, blocks: 2, periodic: {x: 2.0}}"],
}


def overrides(problem: str, on: set[str]) -> list[str]:
    """Overrides turning the shipped (full) config into the recipe with only ``on``."""
    soft, out = SOFT[problem], []
    if "float64" not in on:
        out.append("dtype=float32")
    if "bfgs" not in on:
        out.append("training.phases.1={type: lbfgs, steps: 10000}")
    if not {"hard_ic", "periodic", "rad"} <= on:
        from pinnjax.config import load_config

        pde = dict(load_config(CONFIGS[problem])["terms"][0])
        points = dict(pde["points"])
        if "rad" not in on:
            points.pop("adaptive")
        terms = [{**pde, "points": points}]
        if "hard_ic" not in on:
            out.append("transform=null")
            terms.append({"type": "initial", "field": "u", "value": soft["ic"], "points": 512,
                          "weight": soft["ic_weight"]})
        if "periodic" not in on:
            out.append("network.periodic={}")
            terms.append({"type": "periodic", "fields": ["u"], "coordinate": "x",
                          "derivatives": soft["derivatives"], "points": 256})
        out.append("terms=" + json.dumps(terms))
    return out


def variants() -> dict[str, set[str] | list[str]]:
    rows: dict[str, set[str] | list[str]] = {"plain": set()}
    for i, name in enumerate(INGREDIENTS[:-1]):
        rows["+" + "+".join(INGREDIENTS[: i + 1])] = set(INGREDIENTS[: i + 1])
    rows["full"] = set(INGREDIENTS)
    rows.update({f"-{name}": set(INGREDIENTS) - {name} for name in INGREDIENTS})
    rows.update(EXTRAS)
    return rows


JOURNAL = HERE / "hard_pdes.jsonl"  # every finished run, so that separate invocations add up


def journaled(problem: str, variant: str, extra: list[str], seed: int) -> dict:
    """The run's result from the journal, or run it and record it."""
    key = {"problem": problem, "variant": variant, "overrides": extra, "seed": seed}
    if JOURNAL.exists():
        for line in JOURNAL.read_text().splitlines():
            row = json.loads(line)
            if {k: row[k] for k in key} == key:
                return row
    row = {**key, **run(problem, extra, seed)}
    with JOURNAL.open("a") as f:
        f.write(json.dumps(row) + "\n")
    return row


def run(problem: str, extra: list[str], seed: int) -> dict:
    import pinnjax as pj
    from pinnjax.config import build_experiment, load_config

    cfg = load_config(CONFIGS[problem], [*extra, f"seed={seed}"])
    exp = build_experiment(cfg, base_dir=CONFIGS[problem].parent)
    t0 = time.perf_counter()
    result = pj.solve(exp.problem, exp.network, exp.phases, **exp.solve_kwargs)
    wall = time.perf_counter() - t0
    points, values, field = exp.reference
    return {"error": result.relative_l2(points, values, field), "wall": wall}


def main() -> None:
    table = variants()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--problems", default="allen_cahn,kdv")
    parser.add_argument("--variants", default=",".join(table))
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--adam", type=int, help="Adam steps for every row (default: the config's)")
    parser.add_argument("--second", type=int, help="BFGS / L-BFGS steps for every row (default: the config's)")
    parser.add_argument("--title", default="Hard PDEs: ablation of the recipe")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    rows = ["| problem | variant | relative L2 (median) | per seed | wall s (median) |", "|---|---|---|---|---|"]
    for problem in args.problems.split(","):
        for variant in args.variants.split(","):
            spec = table[variant]
            extra = overrides(problem, spec) if isinstance(spec, set) else list(spec)
            extra += [f"training.phases.0.steps={args.adam}"] if args.adam else []
            extra += [f"training.phases.1.steps={args.second}"] if args.second else []
            runs = []
            for s in seeds:
                runs.append(journaled(problem, variant, extra, s))
                print(f"{problem} {variant} seed {s}: rel L2 {runs[-1]['error']:.3e} ({runs[-1]['wall']:.0f} s)",
                      flush=True)
            rows.append(f"| {problem} | {variant} | {median([r['error'] for r in runs]):.2e} | "
                        f"{', '.join(format(r['error'], '.2e') for r in runs)} | "
                        f"{median([r['wall'] for r in runs]):.0f} |")
    text = "\n".join(rows)
    print(text)
    if args.write:
        budget = (f"Adam {args.adam or 'as shipped'}, then {args.second or 'as shipped'} BFGS / L-BFGS steps; "
                  f"median of {len(seeds)} seed(s)")
        write_section(args.title, f"Relative L2 against the spectral references; {budget}. Variants and "
                      "ingredients: experiments/hard_pdes.py's docstring.", text)


if __name__ == "__main__":
    main()
