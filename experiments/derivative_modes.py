"""Which derivative mechanism is fastest? Nested reverse, nested forward, Taylor mode.

For each requested set (1st to 4th order, mixed) on a 2-32-32-32-1 tanh MLP at 4,096
points, times the jit-compiled evaluation and the evaluation + parameter gradient (what
training needs), interleaving the mechanisms over repeated rounds and reporting medians
and ratios to nested reverse mode. Notes: experiments/NOTES.md, 'Derivative mechanisms'
(the table was written with --rounds 9).

    python experiments/derivative_modes.py [--rounds 15] [--write]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

import pinnjax as pj
from pinnjax.engine.derivatives import METHODS, evaluate_derivatives
from pinnjax.problem.names import parse_derivative_name

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import median, write_section  # noqa: E402

CASES = {
    "1st: u_x, u_t": ["u", "u_x", "u_t"],
    "2nd: u_xx (+u_x, u_t)": ["u", "u_t", "u_x", "u_xx"],
    "3rd: u_xxx (+u_x)": ["u", "u_t", "u_x", "u_xxx"],
    "4th: u_xxxx (+u_xx)": ["u", "u_t", "u_xx", "u_xxxx"],
    "mixed 2nd: u_xt, u_xx, u_tt": ["u_xx", "u_xt", "u_tt"],
    "mixed 3rd: u_xxt": ["u", "u_x", "u_xxt"],
    "mixed 4th: u_xxtt": ["u_xxtt", "u_xx", "u_tt"],
}


def build(names, method, net, points):
    arrays, static = eqx.partition(net, eqx.is_inexact_array)
    requests = [parse_derivative_name(n, ["u"], ["x", "t"]) for n in names]

    def values(arrs):
        f = eqx.combine(arrs, static)
        out = evaluate_derivatives(f, points, requests, {"u": 0}, method)
        return sum(jnp.mean(v**2) for v in out.values())

    return jax.jit(values), jax.jit(jax.value_and_grad(values)), arrays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--points", type=int, default=4096)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    net = pj.MLP(2, 1, 32, 3, key=jax.random.PRNGKey(0))
    points = jnp.asarray(np.random.default_rng(0).uniform(-1, 1, (args.points, 2)), jnp.float32)
    rows = ["| derivatives | mode | eval ms | eval+grad ms | eval+grad vs reverse | compile s |", "|---|---|---|---|---|---|"]
    choice = {}
    for case, names in CASES.items():
        fns, compile_s = {}, {}
        for m in METHODS:
            ev, vg, arrays = build(names, m, net, points)
            t0 = time.perf_counter()
            jax.block_until_ready(vg(arrays))
            compile_s[m] = time.perf_counter() - t0
            jax.block_until_ready(ev(arrays))
            fns[m] = (ev, vg, arrays)
        times = {m: {"eval": [], "grad": []} for m in METHODS}
        for _ in range(args.rounds):
            for m, (ev, vg, arrays) in fns.items():
                for key, fn in (("eval", ev), ("grad", vg)):
                    t0 = time.perf_counter()
                    jax.block_until_ready(fn(arrays))
                    times[m][key].append((time.perf_counter() - t0) * 1e3)
        med = {m: {k: median(v) for k, v in t.items()} for m, t in times.items()}
        choice[case] = min(METHODS, key=lambda m: med[m]["grad"])
        for m in METHODS:
            rows.append(
                f"| {case} | {m} | {med[m]['eval']:.3f} | {med[m]['grad']:.3f} | "
                f"{med['reverse']['grad'] / med[m]['grad']:.2f}x | {compile_s[m]:.2f} |"
            )
        print(rows[-3:], flush=True)
    table = "\n".join(rows)
    summary = "Fastest eval+grad per case: " + "; ".join(f"{c}: **{m}**" for c, m in choice.items())
    print(table)
    print(summary)
    if args.write:
        write_section(
            "Derivative mechanisms",
            "Time to compute derivatives of orders 1-4 of a 2-32-32-32-1 tanh MLP at "
            f"{args.points} points (float32) by nested forward, Taylor and nested reverse mode; median of "
            f"{args.rounds} interleaved rounds. 'eval+grad' adds the parameter gradient a training step "
            "needs; ratios > 1 are faster than reverse mode.\n\n" + summary,
            table,
        )


if __name__ == "__main__":
    main()
