"""Ensembles: N members in one vmapped, compiled step against N sequential runs.

Burgers (pj.zoo.burgers: 2,540 interior + 80 boundary + 160 initial Sobol' points, each
member its own draw), network 2-20-20-20-1 tanh (each member its own initialization),
Adam at 1e-3 for ``--steps`` steps, float32, points redrawn every 500 steps. The
sequential baseline is ``pinnjax.solve`` called N times in one process (each call
compiles its step, as N separate runs do); the ensemble is ``pinnjax.solve_ensemble``
with the same networks and seeds. Both run in the same process, one after the other, so
machine load is shared; the table gives total wall times, their ratio, the compile
times, and the median relative L2 of the members against the Hopf–Cole reference from
each side (they must agree: the members follow the same paths).

    python experiments/ensemble_speed.py [--steps 1000] [--sizes 8 30] [--write]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from results import write_section  # noqa: E402


def measure(n: int, steps: int) -> dict:
    import jax

    import pinnjax as pj

    bench = pj.zoo.burgers()
    nets = [pj.MLP(2, 1, 20, 3, key=jax.random.key(s)) for s in range(n)]
    phases = [pj.Adam(steps, 1e-3)]
    t0 = time.perf_counter()
    singles = [pj.solve(bench.problem, nets[s], phases, seed=s, resample_every=500) for s in range(n)]
    sequential = time.perf_counter() - t0
    t0 = time.perf_counter()
    ens = pj.solve_ensemble(bench.problem, nets, phases, seeds=range(n), resample_every=500)
    together = time.perf_counter() - t0
    errors_single = [r.relative_l2(bench.points, bench.values) for r in singles]
    errors_ens = [m.relative_l2(bench.points, bench.values) for m in ens.members()]
    compile_single = sum(p.compile_time for r in singles for p in r.phases)
    return {"n": n, "sequential": sequential, "ensemble": together, "ratio": sequential / together,
            "compile_sequential": compile_single, "compile_ensemble": ens.compile_time,
            "l2_sequential": statistics.median(errors_single), "l2_ensemble": statistics.median(errors_ens),
            "max_member_diff": max(abs(a - b) for a, b in zip(errors_single, errors_ens))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--sizes", type=int, nargs="+", default=[8, 30])
    parser.add_argument("--write", action="store_true", help="write the section 'Ensembles: one compiled step'")
    args = parser.parse_args()
    rows = ["| members | N sequential runs (s) | ensemble (s) | ratio | compile: sequential / ensemble (s) | "
            "median rel. L2: sequential / ensemble |", "|---|---|---|---|---|---|"]
    for n in args.sizes:
        m = measure(n, args.steps)
        print(m, flush=True)
        rows.append(f"| {n} | {m['sequential']:.1f} | {m['ensemble']:.1f} | {m['ratio']:.2f}x | "
                    f"{m['compile_sequential']:.1f} / {m['compile_ensemble']:.1f} | "
                    f"{m['l2_sequential']:.3g} / {m['l2_ensemble']:.3g} |")
    if args.write:
        write_section("Ensembles: one compiled step",
                      f"Burgers, 2-20-20-20-1 tanh, 2,780 points per member, Adam {args.steps} steps, float32: "
                      "N members trained by `solve_ensemble` (one vmapped step) against N `solve` calls in the same "
                      "process. Target: at least 1.5x less total time for N = 8.", "\n".join(rows))


if __name__ == "__main__":
    main()
