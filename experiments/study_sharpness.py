"""Loss lab, study 5: sharpness of small- and large-batch (and small-rate) solutions of one PINN.

Problem: u_xx + 4π² sin(2πx) = 0 on [0, 1], u(0) = u(1) = 0 (exact u = sin 2πx), a tanh MLP
1-16-16-1 (321 parameters), float64. Three ways of training it, same optimizer, budget and
seeds, differing in the number of collocation points drawn per step or in the learning rate:

* ``small batch``: 16 interior points redrawn (uniformly at random) every step, rate 1e-2;
* ``large batch``: 1024 interior points redrawn every step, rate 1e-2;
* ``large batch, rate / 10``: 1024 points, rate 1e-3 (the learning-rate side of the question).

All use Adam for STEPS (10,000) steps with the rate decaying exponentially by 100x over them
(so the small-batch noise is annealed and the runs end at comparable losses), the boundary's two
points in every batch, the network's initialization and point draws from the seed. Seeds 0-2
(medians reported, and every seed's λ_max and error).

Every trained solution is then judged on one common objective: the same problem with 4096
interior points drawn with seed 1234 (the two boundary points), at the configured weights —
"full-batch loss" below is this loss, the same objective for every condition. On it
(``pinnjax.diagnostics.curvature``): the top 5 Hessian eigenvalues by Lanczos with full
reorthogonalization (forward-over-reverse Hessian-vector products; converged to residual
bounds ≤ 1e-10·λ_max) and the trace by Hutchinson's estimator (100 Rademacher probes, ± SE).
The test error is the relative L2 of u against sin 2πx on 1001 evenly spaced points.
Sharpness is compared at (near) equal training loss only if the two conditions reach it; the
table says what they reached. Figure: experiments/figures/study_sharpness.png (filter-normalized
1-D slices of the common objective through seed 0's three solutions, Li et al. 2018; and λ_max
against the test error for every seed). Run time: about 3 minutes on 2 CPU cores.

    python experiments/study_sharpness.py [--seeds 3] [--steps 10000] [--no-figure] [--write]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import jax
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from results import write_section  # noqa: E402

import pinnjax as pj  # noqa: E402
from pinnjax.diagnostics import curvature, landscape, objective  # noqa: E402

# name: (interior points per step, initial learning rate); the rate decays 100x over the steps
CONDITIONS = {"small batch": (16, 1e-2), "large batch": (1024, 1e-2), "large batch, rate / 10": (1024, 1e-3)}
DECAY = 0.01
EVAL_POINTS, EVAL_SEED = 4096, 1234
SLICE_SPAN = 0.05  # the basin: at α = 1 every filter has moved by its own norm
FIGURE = HERE / "figures" / "study_sharpness.png"


def problem(points: int) -> pj.Problem:
    return pj.Problem(pj.Interval(0.0, 1.0), ("u",),
                      [pj.PDE("u_xx + 4*pi**2*sin(2*pi*x)", pj.Sample(points, sampler="uniform")),
                       pj.Dirichlet("u", 0.0, on="boundary", points=2)])


def network(seed: int):
    return pj.MLP(1, 1, width=16, depth=2, key=jax.random.key(seed))


def train(points: int, rate: float, seed: int, steps: int):
    """One solution: Adam decaying exponentially from ``rate`` to DECAY * rate, points redrawn every step."""
    phase = pj.Adam(steps, rate, decay_rate=DECAY, decay_steps=steps)
    return pj.solve(problem(points), network(seed), [phase], dtype="float64", seed=seed, resample_every=1,
                    chunk=steps)


def judge(result, common) -> dict:
    """Training loss, curvature and test error of one solution on the common objective."""
    obj = objective(common, result.params, seed=EVAL_SEED)
    curv = curvature(obj, top=5, probes=100, seed=0)
    x = np.linspace(0.0, 1.0, 1001)
    error = result.relative_l2(x[:, None], np.sin(2 * np.pi * x))
    return {"loss": curv.loss, "top": curv.top, "converged": curv.lanczos.converged, "trace": curv.trace,
            "trace_se": curv.trace_se, "error": error, "obj": obj}


def run(seeds: int, steps: int) -> dict[str, list[dict]]:
    with jax.enable_x64(True):
        common, _ = pj.compile_problem(problem(EVAL_POINTS), network(0))
    out = {name: [] for name in CONDITIONS}
    for seed in range(seeds):
        for name, (points, rate) in CONDITIONS.items():
            t0 = time.perf_counter()
            result = train(points, rate, seed, steps)
            row = judge(result, common)
            row["wall"] = time.perf_counter() - t0
            out[name].append(row)
            print(f"{name:12s} seed {seed}: loss {row['loss']:.3e}, lambda_max {row['top'][0]:.4g}, "
                  f"trace {row['trace']:.4g} ± {row['trace_se']:.2g}, test rel L2 {row['error']:.3e} "
                  f"({row['wall']:.1f} s)", flush=True)
    return out


def median(rows, key, index=None) -> float:
    return statistics.median(r[key] if index is None else r[key][index] for r in rows)


def table(out: dict[str, list[dict]]) -> str:
    lines = ["| training | points per step | learning rate | full-batch loss | λ_max | λ_2 | λ_5 | trace (± SE) | test rel. L2 | "
             "λ_max per seed | test rel. L2 per seed |", "|" + "---|" * 11]
    for name, rows in out.items():
        se = median(rows, "trace_se")
        sharp = ", ".join(format(r["top"][0], ".4g") for r in rows)
        errors = ", ".join(format(r["error"], ".1e") for r in rows)
        lines.append(
            f"| {name} | {CONDITIONS[name][0]} | {CONDITIONS[name][1]:g} → {CONDITIONS[name][1] * DECAY:g} | "
            f"{median(rows, 'loss'):.2e} | {median(rows, 'top', 0):.4g} | "
            f"{median(rows, 'top', 1):.4g} | {median(rows, 'top', 4):.3g} | {median(rows, 'trace'):.4g} (± {se:.2g}) | "
            f"{median(rows, 'error'):.2e} | {sharp} | {errors} |")
    return "\n".join(lines)


def figure(out: dict[str, list[dict]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2), dpi=110)
    for (name, rows), color in zip(out.items(), ("tab:red", "tab:blue", "tab:green")):
        land = landscape(rows[0]["obj"], dims=1, points=81, span=SLICE_SPAN, seed=0)
        left.semilogy(land.alphas, land.total, color=color, label=f"{name} (seed 0)")
        right.scatter([r["top"][0] for r in rows], [r["error"] for r in rows], color=color, label=name)
    left.set_xlabel("α (filter-normalized random direction, seed 0)")
    left.set_ylabel("full-batch loss")
    left.legend(fontsize=8)
    left.grid(alpha=0.3, which="both")
    right.set_xscale("log")
    right.set_yscale("log")
    right.set_xlabel("λ_max of the Hessian")
    right.set_ylabel("test relative L2")
    right.legend(fontsize=8)
    right.grid(alpha=0.3, which="both")
    fig.suptitle("Poisson 1-D PINN: solutions trained with small / large batches and rates", fontsize=10)
    fig.tight_layout()
    fig.savefig(FIGURE)
    plt.close(fig)


def caption(out: dict[str, list[dict]], steps: int) -> str:
    """Four lines: setup, method, what λ_max says (per seed too), what the losses and errors say."""
    small, large, slow = (out[name] for name in CONDITIONS)
    n = len(small)
    converged = all(r["converged"] for rows in out.values() for r in rows)
    state = "converged for every solution" if converged else "NOT converged for some solutions"
    sharper = sum(a["top"][0] > b["top"][0] for a, b in zip(small, large))
    flatter = sum(a["top"][0] < b["top"][0] for a, b in zip(slow, large))
    spread = {name: max(r["error"] for r in rows) / min(r["error"] for r in rows) for name, rows in out.items()}
    widest = max(spread, key=spread.get)
    return "\n".join([
        f"Poisson u_xx = -4π² sin 2πx on [0, 1], MLP 1-16-16-1 (321 parameters, float64), Adam {steps:,} steps, rate "
        f"decaying 100x, points redrawn every step; medians of {n} seeds, each solution judged on one "
        f"{EVAL_POINTS}-point objective.",
        f"Top-5 Hessian eigenvalues by Lanczos ({state}), trace by Hutchinson (100 probes, ± SE).",
        f"λ_max small / large batch = {_ratio(small, large, 'top'):.2f} (small batch sharper in {sharper} of {n} "
        f"seeds); rate / 10 vs rate = {_ratio(slow, large, 'top'):.2f} (flatter in {flatter} of {n}).",
        f"Losses: small batch {_ratio(small, large, 'loss'):.2g}x the large batch's, test error "
        f"{_ratio(small, large, 'error'):.2g}x; widest spread of test errors over seeds: {widest} "
        f"({spread[widest]:.3g}x). Method: experiments/study_sharpness.py; figure figures/study_sharpness.png.",
    ])


def _ratio(a: list[dict], b: list[dict], key: str) -> float:
    """median of a / median of b (λ_max for key 'top')."""
    index = 0 if key == "top" else None
    return median(a, key, index) / median(b, key, index)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=10000)
    parser.add_argument("--no-figure", action="store_true")
    parser.add_argument("--write", action="store_true", help="write the section into experiments/RESULTS.md")
    args = parser.parse_args()
    t0 = time.perf_counter()
    out = run(args.seeds, args.steps)
    print(table(out))
    if not args.no_figure:
        with jax.enable_x64(True):
            figure(out)
    print(f"total {time.perf_counter() - t0:.0f} s")
    if args.write:
        write_section("Loss lab: sharpness", caption(out, args.steps), table(out))


if __name__ == "__main__":
    main()
