"""Accuracy on the classic forward problems: relative L2 against the reference, wall time.

Burgers runs several seeds (errors vary several-fold from seed to seed) and reports the
median; Laplace, heat with mixed BCs and Poisson on the L-shape run one seed each.
Notes and recipes: experiments/NOTES.md, 'Forward problems: accuracy'.

Rows marked (bfgs) run the same recipe with self-scaled BFGS in place of L-BFGS.

    python experiments/forward_accuracy.py [--problems burgers,laplace] [--seeds 0,1,2] [--write]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import jax

import pinnjax as pj
from pinnjax.reference import zoo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import median, write_section  # noqa: E402

# What each problem is trained with. Burgers (= configs/burgers.yaml): hard initial and
# boundary conditions through the output transform, 4,096 Sobol points redrawn by RAD
# every 1,000 steps, a 921-parameter MLP, float64, Adam then self-scaled BFGS.
RECIPES = {
    "burgers": dict(
        build=lambda: zoo.burgers(n_interior=4096, hard=True, adaptive=pj.RAD()),
        net=dict(width=20, depth=3),
        phases=lambda: [pj.Adam(1000, 1e-3), pj.BFGS(8000)],
        dtype="float64", resample_every=1000,
    ),
    "laplace": dict(
        build=lambda: zoo.laplace(), net=dict(width=32, depth=3),
        phases=lambda: [pj.Adam(3000, 1e-3, decay_rate=0.5, decay_steps=1000), pj.LBFGS(3000)],
        dtype="float64", resample_every=None,
    ),
    "heat_mixed": dict(
        build=lambda: zoo.heat_mixed(), net=dict(width=32, depth=3),
        phases=lambda: [pj.Adam(3000, 1e-3, decay_rate=0.5, decay_steps=1000), pj.LBFGS(3000)],
        dtype="float64", resample_every=None,
    ),
    "poisson_lshape": dict(
        build=lambda: zoo.poisson_lshape(), net=dict(width=32, depth=3),
        phases=lambda: [pj.Adam(3000, 1e-3, decay_rate=0.5, decay_steps=1000), pj.LBFGS(5000)],
        dtype="float64", resample_every=None,
    ),
}
# Problems the hard-PDE recipe (Adam, then self-scaled BFGS) was not tuned on: the same
# networks, points and budgets as above with BFGS in place of L-BFGS.
for _name in ("laplace", "heat_mixed", "poisson_lshape"):
    RECIPES[_name + " (bfgs)"] = dict(RECIPES[_name], phases=lambda n=_name: [
        RECIPES[n]["phases"]()[0], pj.BFGS(RECIPES[n]["phases"]()[1].steps)])


def progress(every: int = 2000):
    """A callback printing the step and losses every ``every`` steps."""
    last = [0]

    def show(info):
        if info["step"] - last[0] >= every:
            last[0] = info["step"]
            terms = " ".join(f"{k} {v:.2e}" for k, v in info["losses"].items())
            print(f"  {info['phase']} step {info['step']}: total {info['total']:.3e} ({terms})", flush=True)

    return show


def run(name: str, seed: int) -> dict:
    recipe = RECIPES[name]
    bench = recipe["build"]()
    d = len(bench.problem.coordinates)
    net = pj.MLP(d, 1, recipe["net"]["width"], recipe["net"]["depth"], key=jax.random.PRNGKey(seed))
    t0 = time.perf_counter()
    result = pj.solve(
        bench.problem, net, recipe["phases"](), seed=seed, dtype=recipe["dtype"],
        resample_every=recipe["resample_every"], callback=progress(),
    )
    wall = time.perf_counter() - t0
    err = result.relative_l2(bench.points, bench.values)
    phases = ", ".join(f"{p.name} {p.steps}/{p.budget} ({p.stop_reason})" for p in result.phases)
    print(f"{name} seed {seed}: rel L2 {err:.3e}, {wall:.0f} s, {phases}", flush=True)
    return {"error": err, "wall": wall, "phases": phases}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--problems", default=",".join(RECIPES))
    parser.add_argument("--seeds", default="0,1,2", help="seeds for Burgers; others use the first")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    rows = ["| problem | seeds | relative L2 (median) | per seed | wall s (median) | phases (last seed) | recipe |",
            "|---|---|---|---|---|---|---|"]
    for name in args.problems.split(","):
        runs = [run(name, s) for s in (seeds if name == "burgers" else seeds[:1])]
        r = RECIPES[name]
        recipe = (f"MLP {r['net']['depth']}x{r['net']['width']} tanh, {r['dtype']}"
                  + (f", resample every {r['resample_every']}" if r["resample_every"] else ""))
        rows.append(
            f"| {name} | {len(runs)} | {median([x['error'] for x in runs]):.2e} | "
            f"{', '.join(format(x['error'], '.2e') for x in runs)} | {median([x['wall'] for x in runs]):.0f} | "
            f"{runs[-1]['phases']} | {recipe} |"
        )
    table = "\n".join(rows)
    print(table)
    if args.write:
        write_section(
            "Forward problems: accuracy",
            "Relative L2 error of the trained network against each problem's reference solution, median "
            "over the seeds run, and wall time including compilation. 'phases': each optimizer's steps / "
            "budget and why it stopped; 'recipe': the network (full recipes in NOTES.md).",
            table,
        )


if __name__ == "__main__":
    main()
