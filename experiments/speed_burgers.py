"""Training-step speed on Burgers (or Kuramoto–Sivashinsky): pinnjax vs a hand-written JAX + optax PINN.

Network 2-20-20-20-1 tanh, 2,780 points (2,540 interior, 80 boundary, 160 initial), Adam.
``--equation ks`` times the 4th-order residual u_t + u u_x + u_xx + u_xxxx on the same
points and network (the hand-written baseline nests four jvp along x).
Each variant runs in its own subprocess so peak resident memory is its own. Reports the
median step time over repeated timing windows, compile time and peak RSS, and the ratios
to the baselines measured in the same run. Notes: experiments/NOTES.md, 'Speed: Burgers
training step' (the table was written with --steps 2000).

    python experiments/speed_burgers.py [--steps 2000] [--equation burgers|ks] [--write]

Note on the collapsed mode: XLA's common-subexpression elimination already merges the
repeated passes of nested jvp (the compiled Burgers evaluation has 14 matrix products in
both modes, KS 19), so collapsing saves elementwise and backward work, not products.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
N_PDE, N_BC, N_IC = 2540, 80, 160


def _points(seed=0, factor=1):
    import numpy as np

    rng = np.random.default_rng(seed)
    n_pde, n_bc, n_ic = N_PDE * factor, N_BC * factor, N_IC * factor
    pde = np.c_[rng.uniform(-1, 1, n_pde), rng.uniform(0, 1, n_pde)]
    bc = np.c_[np.where(rng.uniform(size=n_bc) < 0.5, -1.0, 1.0), rng.uniform(0, 1, n_bc)]
    ic = np.c_[rng.uniform(-1, 1, n_ic), np.zeros(n_ic)]
    return {"pde": pde.astype("f4"), "bc": bc.astype("f4"), "ic": ic.astype("f4")}


def _median_window(run_window, windows: int, steps_per_window: int) -> float:
    times = []
    for _ in range(windows):
        t0 = time.perf_counter()
        run_window()
        times.append((time.perf_counter() - t0) / steps_per_window)
    times.sort()
    return times[len(times) // 2]


PDES = {"burgers": "u_t + u*u_x - nu*u_xx", "ks": "u_t + u*u_x + u_xx + u_xxxx"}


def run_handwritten(mode: str, steps: int, equation: str) -> dict:
    import jax
    import optax

    sys.path.insert(0, str(HERE))
    from handwritten_pinn import init_mlp, make_step

    params = init_mlp(jax.random.PRNGKey(0), [2, 20, 20, 20, 1])
    optimizer = optax.adam(1e-3)
    state = optimizer.init(params)
    batch = jax.tree_util.tree_map(jax.numpy.asarray, _points())
    step = make_step(mode, optimizer, equation)
    t0 = time.perf_counter()
    params, state, value = step(params, state, batch)
    value.block_until_ready()
    compile_time = time.perf_counter() - t0
    box = [params, state]

    def window():
        p, s = box
        for _ in range(100):
            p, s, v = step(p, s, batch)
        v.block_until_ready()
        box[:] = [p, s]

    ms = _median_window(window, max(1, steps // 100), 100) * 1e3
    return {"ms_per_step": ms, "compile_s": compile_time}


def run_pinnjax(method: str, steps: int, equation: str, factor: int = 1) -> dict:
    """Median ms per step of pinnjax's compiled Adam chunks, with ``factor`` times the points."""
    import jax
    import numpy as np

    import pinnjax as pj
    from pinnjax.engine.compiled import compile_problem
    from pinnjax.train.loop import first_order_chunk

    pts = _points(factor=factor)
    problem = pj.Problem(
        domain=pj.SpaceTime(pj.Interval(-1.0, 1.0), 0.0, 1.0),
        fields=("u",),
        terms=[
            pj.PDE(PDES[equation], pj.Given(pts["pde"])),
            pj.Dirichlet("u", 0.0, points=pj.Given(pts["bc"])),
            pj.Initial("u", "-sin(pi*x)", points=pj.Given(pts["ic"])),
        ],
        constants={"nu": 0.01 / np.pi},
    )
    net = pj.MLP(2, 1, 20, 3, key=jax.random.PRNGKey(0))
    compiled, arrays = compile_problem(problem, net, method=method, scale_inputs=False)
    params = {"net": arrays, "coefficients": {}}
    optimizer = pj.Adam(steps).build()
    state = optimizer.init(params)
    batch = jax.tree_util.tree_map(jax.numpy.asarray, compiled.draw_batch(np.random.default_rng(0)))
    batch = jax.tree_util.tree_map(lambda a: a.astype("float32"), batch)
    weights = compiled.initial_weights("float32")
    chunk = 100
    run = first_order_chunk(compiled, optimizer, chunk)
    t0 = time.perf_counter()
    out = run(params, state, batch, weights)
    out[2].block_until_ready()
    compile_time = time.perf_counter() - t0
    box = [out[0], out[1]]

    def window():
        p, s, totals, _ = run(box[0], box[1], batch, weights)
        totals.block_until_ready()
        box[:] = [p, s]

    ms = _median_window(window, max(1, steps // chunk), chunk) * 1e3
    return {"ms_per_step": ms, "compile_s": compile_time}


VARIANTS = {
    "handwritten nested grad": ("handwritten", "grad"),
    "handwritten nested jvp": ("handwritten", "jvp"),
    "pinnjax forward": ("pinnjax", "forward"),
    "pinnjax collapsed (default)": ("pinnjax", "collapsed"),
    "pinnjax taylor": ("pinnjax", "taylor"),
    "pinnjax reverse": ("pinnjax", "reverse"),
}
KS_VARIANTS = ("handwritten nested jvp", "pinnjax forward", "pinnjax collapsed (default)", "pinnjax taylor")
NAMES = {"burgers": "Burgers", "ks": "Kuramoto–Sivashinsky"}
TITLES = {eq: f"Speed: {name} training step" for eq, name in NAMES.items()}


def child(variant: str, steps: int, equation: str) -> None:
    kind, mode = VARIANTS[variant]
    out = (run_handwritten if kind == "handwritten" else run_pinnjax)(mode, steps, equation)
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=3000, help="timed steps per variant")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; medians reported")
    parser.add_argument("--write", action="store_true", help="append the table to experiments/RESULTS.md")
    parser.add_argument("--equation", choices=sorted(PDES), default="burgers")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.steps, args.equation)
        return
    variants = KS_VARIANTS if args.equation == "ks" else tuple(VARIANTS)
    runs: dict[str, list[dict]] = {v: [] for v in variants}
    for _ in range(args.rounds):  # interleave variants so machine noise hits all alike
        for v in variants:
            cmd = [sys.executable, __file__, "--child", v, "--steps", str(args.steps), "--equation", args.equation]
            line = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
            runs[v].append(json.loads(line))
            print(v, runs[v][-1], flush=True)
    sys.path.insert(0, str(HERE))
    from results import median, write_section

    table = {v: {k: median([r[k] for r in rs]) for k in rs[0]} for v, rs in runs.items()}
    base_jvp = table["handwritten nested jvp"]["ms_per_step"]
    base_grad = table.get("handwritten nested grad", {}).get("ms_per_step", float("nan"))
    base_rss = table["handwritten nested jvp"]["peak_rss_mib"]
    rows = ["| variant | ms/step | speed-up vs nested grad | vs nested jvp | compile s | peak RSS MiB | RSS vs handwritten jvp |",
            "|---|---|---|---|---|---|---|"]
    for v, r in table.items():
        rows.append(
            (f"| {v} | {r['ms_per_step']:.3f} | {base_grad / r['ms_per_step']:.2f}x | ").replace("nanx", "—") +
            f"{base_jvp / r['ms_per_step']:.2f}x | {r['compile_s']:.2f} | {r['peak_rss_mib']:.0f} | "
            f"{r['peak_rss_mib'] / base_rss:.2f}x |"
        )
    text = "\n".join(rows)
    print(text)
    if args.write:
        write_section(
            TITLES[args.equation],
            f"Time per Adam step of a {NAMES[args.equation]} PINN (2-20-20-20-1 tanh, 2,780 points, float32), pinnjax's "
            f"derivative modes against a hand-written JAX + optax PINN; median over {args.rounds} interleaved "
            f"rounds of {args.steps} steps. Speed-ups > 1 are faster than that baseline; RSS is per process.",
            text,
        )


if __name__ == "__main__":
    main()
