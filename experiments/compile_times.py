"""Compile time of each optimizer's compiled loop on Burgers (issue 21 item 3: L-BFGS ≤ 4 s).

pj.zoo.burgers() (2,780 points, hard-constrained 2-20-20-20-1 tanh MLP), one phase of 100
steps per run: Adam (a ``lax.scan`` of steps), L-BFGS and BFGS (a ``lax.while_loop`` around
optax's zoom line search), float32 and float64, the default derivative mode. Each run is a
fresh subprocess (no in-memory or persistent compilation cache), so the number is what a
first run pays; ``compile_time`` is the phase's own lower + compile, as `pinnjax run`
reports it. Rounds interleave the variants; medians over rounds.

    python experiments/compile_times.py [--rounds 3] [--write]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

from results import write_section

PHASES = {"Adam": "pj.Adam(100, 1e-3)", "L-BFGS": "pj.LBFGS(100)", "BFGS": "pj.BFGS(100)"}
CHILD = """
import json, jax, pinnjax as pj
bench = pj.zoo.burgers()
net = pj.MLP(2, 1, 20, 3, key=jax.random.key(0))
r = pj.solve(bench.problem, net, [{phase}], seed=0, dtype="{dtype}")
print(json.dumps({{"compile": r.phases[0].compile_time}}))
"""


def child(phase: str, dtype: str) -> float:
    code = CHILD.format(phase=PHASES[phase], dtype=dtype)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])["compile"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    variants = [(p, d) for p in PHASES for d in ("float32", "float64")]
    times: dict = {v: [] for v in variants}
    for _ in range(args.rounds):
        for v in variants:
            times[v].append(child(*v))
            print(v, f"{times[v][-1]:.2f} s", flush=True)
    rows = ["| optimizer | dtype | compile s (median) | rounds |", "|---|---|---|---|"]
    for (p, d), ts in times.items():
        rows.append(f"| {p} | {d} | {statistics.median(ts):.2f} | {', '.join(f'{t:.2f}' for t in ts)} |")
    table = "\n".join(rows)
    print(table)
    if args.write:
        write_section("Speed: compile time per optimizer",
                      "Burgers (pj.zoo.burgers, 2,780 points, 2-20-20-20-1 tanh), one 100-step phase per fresh "
                      f"process, no compilation cache; median of {args.rounds} interleaved rounds. "
                      "Target (issue 21): L-BFGS ≤ 4 s.", table)


if __name__ == "__main__":
    main()
