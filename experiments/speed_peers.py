"""Training-step speed on Burgers: pinnjax against its peers (DeepXDE on PyTorch and on JAX, jinns).

Same problem for all: u_t + u u_x - nu u_xx = 0 on [-1, 1] x [0, 1], nu = 0.01/pi, u = 0 at
x = +-1, u(x, 0) = -sin(pi x); network 2-20-20-20-1 tanh; 2,780 points (2,540 interior, 80
boundary, 160 initial); float32; Adam (lr 1e-3), every point in every step (no mini-batches).
Each variant runs in its own subprocess (DeepXDE's backend is chosen there by DDE_BACKEND);
the variants are interleaved over ``--rounds`` rounds so machine noise hits all alike; the
table gives medians over the rounds. Run with the extra ``pinnjax[peers]`` in an environment
of its own (not the test environment):

    flock /tmp/pinnjax-train.lock python experiments/speed_peers.py [--steps 500] [--rounds 3] [--write]

What is timed, per variant (each after a warm-up that compiles / primes the step):

* pinnjax: the default derivative mode, one compiled chunk of 100 Adam steps
  (``train.loop.first_order_chunk``) exactly as in experiments/speed_burgers.py (whose
  ``run_pinnjax`` is called); median over windows of 100 steps, divided by 100.
* DeepXDE (1.15): ``model.train(iterations=N, display_every=10**9)`` after a warm-up
  ``train`` of 100 iterations; median over 3 windows, divided by N (N = ``--steps``). The same
  points: interior points as ``anchors`` of a ``TimePDE`` (num_domain = num_boundary =
  num_initial = 0), boundary and initial values as two ``PointSetBC``; DeepXDE evaluates the
  residual on all 2,780 inputs and keeps the interior rows (its own design). Each ``train``
  call also evaluates the loss at its start and end (display/test): two evaluations per N steps.
  PyTorch 2.13 (CPU wheel) with ``torch.set_num_threads(1)`` as in the issue, and with the
  default thread count (this machine's cores); DeepXDE's JAX backend (flax MLP, jitted train
  step) likewise.
* jinns (1.10): ``jinns.solve`` with its own ``CubicMeshPDENonStatio`` sampler at the same
  counts (n = 2,540, nb = 80, ni = 160, no mini-batches; its own random points), its
  ``BurgersEquation`` (reverse-mode ``grad`` per point, vmapped), ``Dirichlet`` boundary and
  the initial condition, ``verbose=False``. Every ``solve`` call compiles its
  ``lax.while_loop`` again, so the step time is a difference: (time of ``solve(n_iter=100+N)``
  - time of ``solve(n_iter=100)``) / N, median over 3 pairs, after a warm-up solve. (jinns's
  own "Training took" timer, which needs ``verbose=True``, read 4-5% more per step in a check
  at N = 1,000 and more again at N = 100, where a fixed cost per call weighs in.)

'warm-up s' is the first call: pinnjax compiling its 100-step chunk, DeepXDE's first
``train(100)`` (the JAX backend jits its step there), jinns's first ``solve(100)`` (compile +
run). Peak RSS is per process.

Ratios are (peer ms/step) / (pinnjax ms/step): > 1 means pinnjax is faster.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from speed_burgers import _median_window, _points, run_pinnjax  # noqa: E402

NU = 0.01 / 3.141592653589793
CHUNK = 100
WINDOWS = 3  # DeepXDE and jinns: timing windows per round
LAYERS = [2, 20, 20, 20, 1]


def _deepxde_model():
    import deepxde as dde
    import numpy as np

    pts = _points()
    bc_x, ic_x = pts["bc"].astype("f4"), pts["ic"].astype("f4")

    def pde(x, y):
        dy_x = dde.grad.jacobian(y, x, i=0, j=0)
        dy_t = dde.grad.jacobian(y, x, i=0, j=1)
        dy_xx = dde.grad.hessian(y, x, i=0, j=0)
        if dde.backend.backend_name == "jax":  # jax backend passes (values, function) pairs
            y, dy_x, dy_t, dy_xx = y[0], dy_x[0], dy_t[0], dy_xx[0]
        return dy_t + y * dy_x - NU * dy_xx

    geom = dde.geometry.GeometryXTime(dde.geometry.Interval(-1, 1), dde.geometry.TimeDomain(0, 1))
    bcs = [dde.icbc.PointSetBC(bc_x, np.zeros((len(bc_x), 1), "f4")),
           dde.icbc.PointSetBC(ic_x, -np.sin(np.pi * ic_x[:, :1]).astype("f4"))]
    data = dde.data.TimePDE(geom, pde, bcs, num_domain=0, num_boundary=0, num_initial=0, anchors=pts["pde"])
    net = dde.nn.FNN(LAYERS, "tanh", "Glorot normal")
    model = dde.Model(data, net)
    model.compile("adam", lr=1e-3)
    return model


def run_deepxde(threads: int | None, steps: int) -> dict:
    import deepxde as dde

    if dde.backend.backend_name == "pytorch":
        import torch

        if threads:
            torch.set_num_threads(threads)
        threads = torch.get_num_threads()
    model = _deepxde_model()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        model.train(iterations=CHUNK, display_every=10**9, verbose=0)
        setup = time.perf_counter() - t0
        window = lambda: model.train(iterations=steps, display_every=10**9, verbose=0)  # noqa: E731
        ms = _median_window(window, WINDOWS, steps) * 1e3
    return {"ms_per_step": ms, "warmup_s": setup, "threads": threads}


def _jinns_setup():
    import equinox as eqx
    import jax
    import jax.numpy as jnp
    import jinns
    import optax

    key = jax.random.PRNGKey(0)
    k_data, k_net = jax.random.split(key)
    data = jinns.data.CubicMeshPDENonStatio(
        key=k_data, n=2540, nb=80, ni=160, dim=1, min_pts=(-1.0,), max_pts=(1.0,), tmin=0.0, tmax=1.0,
        method="uniform")
    eqx_list = ((eqx.nn.Linear, 2, 20), (jax.nn.tanh,), (eqx.nn.Linear, 20, 20), (jax.nn.tanh,),
                (eqx.nn.Linear, 20, 20), (jax.nn.tanh,), (eqx.nn.Linear, 20, 1))
    u, nn_params = jinns.nn.PINN_MLP.create(key=k_net, eqx_list=eqx_list, eq_type="PDENonStatio")
    params = jinns.parameters.Params(nn_params=nn_params, eq_params={"nu": jnp.array(NU)})
    loss = jinns.loss.LossPDENonStatio(
        u=u, dynamic_loss=jinns.loss.BurgersEquation(Tmax=1.0),
        loss_weights=jinns.loss.LossWeightsPDENonStatio(dyn_loss=1.0, initial_condition=1.0, boundary_loss=1.0),
        boundary_condition=jinns.loss.Dirichlet(), initial_condition_fun=lambda x: -jnp.sin(jnp.pi * x),
        params=params)
    return data, loss, params, optax.adam(1e-3)


def run_jinns(steps: int) -> dict:
    import jax
    import jinns

    data, loss, params, optimizer = _jinns_setup()

    def solve(n_iter: int) -> float:
        t0 = time.perf_counter()
        res = jinns.solve(n_iter=n_iter, init_params=params, data=data, loss=loss, optimizer=optimizer,
                          verbose=False)
        jax.block_until_ready(res[0])
        return time.perf_counter() - t0

    setup = solve(CHUNK)
    diffs = sorted(solve(CHUNK + steps) - solve(CHUNK) for _ in range(WINDOWS))
    return {"ms_per_step": diffs[len(diffs) // 2] / steps * 1e3, "warmup_s": setup}


def _pinnjax(steps: int) -> dict:
    from pinnjax.engine.compiled import DEFAULT_METHOD

    out = run_pinnjax(DEFAULT_METHOD, steps, "burgers")
    return {"ms_per_step": out["ms_per_step"], "warmup_s": out["compile_s"], "mode": DEFAULT_METHOD}


# variant -> (runner, DDE_BACKEND)
VARIANTS = {
    "pinnjax (default mode)": (_pinnjax, None),
    "DeepXDE + PyTorch, 1 thread": (lambda s: run_deepxde(1, s), "pytorch"),
    "DeepXDE + PyTorch, default threads": (lambda s: run_deepxde(None, s), "pytorch"),
    "DeepXDE + JAX": (lambda s: run_deepxde(None, s), "jax"),
    "jinns": (run_jinns, None),
}
BASE = "pinnjax (default mode)"
TITLE = "Speed: pinnjax against its peers"


def versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for name in ("deepxde", "torch", "jinns", "flax"):
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


def child(variant: str, steps: int) -> None:
    out = VARIANTS[variant][0](steps)
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def launch(variant: str, steps: int) -> dict:
    env = dict(os.environ)
    if VARIANTS[variant][1]:
        env["DDE_BACKEND"] = VARIANTS[variant][1]
    cmd = [sys.executable, __file__, "--child", variant, "--steps", str(steps)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def table(runs: dict[str, list[dict]]) -> str:
    from results import median

    base = median([r["ms_per_step"] for r in runs[BASE] if "error" not in r])
    rows = ["| variant | ms/step | pinnjax faster by | per-round ms/step | warm-up s | peak RSS MiB |",
            "|---|---|---|---|---|---|"]
    for v, rs in runs.items():
        ok = [r for r in rs if "error" not in r]
        if not ok:
            rows.append(f"| {v} | failed: {rs[0]['error'][:80]} | — | — | — | — |")
            continue
        ms = median([r["ms_per_step"] for r in ok])
        if ok[0].get("threads") and "default threads" in v:
            v = f"{v} ({ok[0]['threads']})"
        each = " / ".join(f"{r['ms_per_step']:.2f}" for r in ok)
        rows.append(f"| {v} | {ms:.3f} | {ms / base:.2f}x | {each} | {median([r['warmup_s'] for r in ok]):.1f} | "
                    f"{median([r['peak_rss_mib'] for r in ok]):.0f} |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=500, help="timed steps per variant and round")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; medians reported")
    parser.add_argument("--only", nargs="*", choices=sorted(VARIANTS), help="time these variants only")
    parser.add_argument("--write", action="store_true", help="write the table into experiments/RESULTS.md")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.steps)
        return
    variants = [v for v in VARIANTS if not args.only or v in args.only or v == BASE]
    runs: dict[str, list[dict]] = {v: [] for v in variants}
    for _ in range(args.rounds):  # interleave variants so machine noise hits all alike
        for v in variants:
            runs[v].append(launch(v, args.steps))
            print(v, runs[v][-1], flush=True)
    text = table(runs)
    print(text)
    if args.write:
        from results import write_section

        write_section(
            TITLE,
            f"Time per Adam step of the Burgers PINN (2-20-20-20-1 tanh, 2,780 points, float32) in pinnjax, DeepXDE "
            f"and jinns, each in its own process; median over {args.rounds} interleaved rounds of {args.steps} "
            f"steps. 'pinnjax faster by' = peer ms/step / pinnjax ms/step. Peers: {versions()}. What is timed "
            f"for each: the docstring of experiments/speed_peers.py.",
            text,
        )


if __name__ == "__main__":
    main()
