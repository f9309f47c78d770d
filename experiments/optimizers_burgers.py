"""Second-phase optimizers on Burgers at the same wall time.

Every run: viscous Burgers (nu = 0.01/pi) with the initial and boundary conditions in the
output transform, a 2-20-20-20-1 tanh MLP (921 parameters), float64, 4,096 Sobol PDE
points redrawn every 1,000 iterations by RAD (k = c = 1), Adam 1,000 steps (lr 1e-3),
then the optimizer under test until the run's total wall time (compilation included)
reaches ``--wall`` seconds. Rows:

- lbfgs (fixed points): L-BFGS, memory 50, zoom line search, on the points of its start
  (what the shipped Burgers config does);
- lbfgs: the same, redrawing the points like the others;
- bfgs / ssbfgs / ssbroyden: the full-matrix BFGS phase (pj.BFGS) with each variant.

Relative L2 against the Hopf-Cole reference (256 x 101 grid); median over seeds. The wall
limit is checked after every 100 iterations, so runs end up to one chunk past it.

    python experiments/optimizers_burgers.py [--wall 120] [--seeds 0,1,2] [--only ssbfgs,lbfgs] [--write]
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

MANY = 1_000_000  # iteration budget: the wall limit ends every run
OPTIMIZERS = {
    "lbfgs (fixed points)": lambda: pj.LBFGS(MANY),
    "lbfgs": lambda: pj.LBFGS(MANY, resample=True),
    "bfgs": lambda: pj.BFGS(MANY, variant="bfgs"),
    "ssbfgs": lambda: pj.BFGS(MANY, variant="ssbfgs"),
    "ssbroyden": lambda: pj.BFGS(MANY, variant="ssbroyden"),
}


def run(name: str, seed: int, wall: float) -> dict:
    bench = zoo.burgers(n_interior=4096, hard=True, adaptive=pj.RAD())
    net = pj.MLP(2, 1, 20, 3, key=jax.random.PRNGKey(seed))
    t0 = time.perf_counter()
    result = pj.solve(bench.problem, net, [pj.Adam(1000, 1e-3), OPTIMIZERS[name]()], seed=seed, dtype="float64",
                      chunk=100, resample_every=1000, callback=lambda info: time.perf_counter() - t0 > wall)
    spent = time.perf_counter() - t0
    err = result.relative_l2(bench.points, bench.values)
    second = result.phases[-1]
    print(f"{name} seed {seed}: rel L2 {err:.3e}, {second.steps} iterations, loss {second.final_loss:.2e}, "
          f"{spent:.0f} s; {second.message}", flush=True)
    return {"error": err, "iterations": second.steps, "loss": second.final_loss, "wall": spent}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wall", type=float, default=120.0, help="seconds per run, compilation included")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--only", default=",".join(OPTIMIZERS))
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    rows = ["| optimizer after Adam | relative L2 (median) | per seed | iterations (median) | final loss (median) "
            "| wall s (median) |", "|---|---|---|---|---|---|"]
    for name in args.only.split(","):
        runs = [run(name, s, args.wall) for s in seeds]
        rows.append(f"| {name} | {median([r['error'] for r in runs]):.2e} | "
                    f"{', '.join(format(r['error'], '.2e') for r in runs)} | "
                    f"{median([r['iterations'] for r in runs]):.0f} | {median([r['loss'] for r in runs]):.1e} | "
                    f"{median([r['wall'] for r in runs]):.0f} |")
    table = "\n".join(rows)
    print(table)
    if args.write:
        write_section(
            "Optimizers: Burgers at the same wall time",
            f"Burgers, 921-parameter MLP, float64, RAD points; Adam 1,000 steps, then each optimizer until "
            f"{args.wall:.0f} s of total wall time (median of {len(seeds)} seeds; setup in the script's docstring).",
            table,
        )


if __name__ == "__main__":
    main()
