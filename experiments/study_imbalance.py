"""Loss lab study: class imbalance 1:20 with label noise — which classification loss?

Data (per seed its own draw): points uniform on [-1, 1]², the minority class inside two
discs (centres (0.45, 0.35) and (-0.5, -0.4), radii chosen so the minority covers 1/21 of
the square, a 1:20 imbalance); 2,000 training points; label noise flips 3 % of the minority
labels and the same *number* of majority labels (so the observed ratio stays 1:20). The test
set: 40,000 fresh points with clean labels.

Model: an MLP 2-32-32-1 (tanh) giving a logit, trained full-batch by Adam (lr 3e-3, 3,000
steps) with each loss of :mod:`pinnjax.losses`: binary cross-entropy, focal (γ = 2),
soft-F1 and the differentiable MCC (both over the whole batch, from logits). The 30 seeds
of one loss train as one ``jax.vmap`` over networks and data (one compiled step). Judged
on the test set by the minority class's F1 and by MCC of the hard predictions (p ≥ 0.5),
computed with the library's soft scores on 0/1 predictions (equal to the hard metrics).

Statistics: :func:`pinnjax.analysis.compare_samples` (median, IQR, bootstrap CI of the mean,
Mann–Whitney with Holm, Cliff's δ), higher is better.

    python experiments/study_imbalance.py [--seeds 30] [--steps 3000] [--write]
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
import optax

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from results import write_section

from pinnjax.analysis import compare_samples
from pinnjax.losses import get_loss
from pinnjax.losses.classification import soft_fbeta_score, soft_mcc

CENTRES = np.array([[0.45, 0.35], [-0.5, -0.4]])
RADIUS = float(np.sqrt(4.0 / 21.0 / (2 * np.pi)))  # two discs cover 1/21 of the area 4
STUCK = 0.75  # one disc found and the other missed gives F1 ≈ 2/3 (precision 1, recall 1/2)
LOSSES = {"cross-entropy": ("binary_cross_entropy", {}), "focal (γ = 2)": ("focal", {"gamma": 2.0}),
          "soft-F1": ("soft_f1", {"from_logits": True}), "MCC": ("mcc", {"from_logits": True})}


def labels(x: np.ndarray) -> np.ndarray:
    d = np.linalg.norm(x[:, None, :] - CENTRES[None], axis=-1)
    return (d.min(axis=1) < RADIUS).astype(np.float64)


def draw(seed: int, n: int, flip: float) -> tuple[np.ndarray, np.ndarray]:
    """n training points with labels; ``flip`` of the minority flipped, as many majority."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (n, 2))
    y = labels(x)
    minority = np.flatnonzero(y == 1)
    k = int(round(flip * len(minority)))
    y[rng.choice(minority, k, replace=False)] = 0
    y[rng.choice(np.flatnonzero(labels(x) == 0), k, replace=False)] = 1
    return x, y


def train(loss_name: str, options: dict, xs, ys, seeds, steps: int, lr: float) -> jax.Array:
    """Final logits' networks for every seed (vmapped); returns the stacked models."""
    loss = get_loss(loss_name, **options)
    keys = jax.vmap(jax.random.PRNGKey)(jnp.asarray(seeds))
    models = eqx.filter_vmap(lambda k: eqx.nn.MLP(2, 1, 32, 2, activation=jnp.tanh, key=k))(keys)
    params, static = eqx.partition(models, eqx.is_inexact_array)
    opt = optax.adam(lr)

    def objective(p, x, y):
        net = eqx.combine(p, static)
        return loss.value(jax.vmap(net)(x)[:, 0], y)

    def step(carry, _):
        p, s = carry
        g = jax.vmap(jax.grad(objective))(p, xs, ys)
        updates, s = jax.vmap(opt.update)(g, s, p)
        return (optax.apply_updates(p, updates), s), None

    run = jax.jit(lambda p: jax.lax.scan(step, (p, jax.vmap(opt.init)(p)), None, length=steps)[0][0])
    return eqx.combine(run(params), static)


def scores(models, x_test, y_test) -> tuple[np.ndarray, np.ndarray]:
    """Minority F1 and MCC of each member's hard predictions on the test set."""
    logits = eqx.filter_vmap(lambda m: jax.vmap(m)(x_test)[:, 0])(models)
    return scores_of((logits >= 0).astype(jnp.float64), y_test)


def scores_of(hard, y_test) -> tuple[np.ndarray, np.ndarray]:
    """F1 and MCC of 0/1 predictions (members, N): the soft scores equal the hard ones there."""
    f1 = jax.vmap(lambda h: soft_fbeta_score(h, y_test))(hard)
    mcc = jax.vmap(lambda h: soft_mcc(h, y_test))(hard)
    return np.asarray(f1), np.asarray(mcc)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=30)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--flip", type=float, default=0.03)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    jax.config.update("jax_enable_x64", True)
    seeds = list(range(args.seeds))
    data = [draw(s, args.n, args.flip) for s in seeds]
    xs, ys = jnp.asarray(np.stack([d[0] for d in data])), jnp.asarray(np.stack([d[1] for d in data]))
    x_test = np.random.default_rng(10_000).uniform(-1, 1, (40_000, 2))
    y_test = jnp.asarray(labels(x_test))
    print(f"minority fraction: train {float(ys.mean()):.4f}, test {float(y_test.mean()):.4f} (1/21 = {1 / 21:.4f})")
    f1s, mccs, walls = {}, {}, {}
    for name, (loss_name, options) in LOSSES.items():
        t0 = time.perf_counter()
        models = train(loss_name, options, xs, ys, seeds, args.steps, 3e-3)
        f1s[name], mccs[name] = scores(models, jnp.asarray(x_test), y_test)
        walls[name] = time.perf_counter() - t0
        print(f"{name}: F1 median {np.median(f1s[name]):.4f}, MCC median {np.median(mccs[name]):.4f} "
              f"({walls[name]:.0f} s for {args.seeds} seeds)", flush=True)
    by_f1 = compare_samples(f1s, lower_is_better=False, metric="minority F1")
    by_mcc = compare_samples(mccs, lower_is_better=False, metric="MCC")
    table = _table(by_f1, by_mcc, f1s, walls)
    print(table + f"\n\nF1: {by_f1.recommendation}\nMCC: {by_mcc.recommendation}")
    if args.write:
        write_section("Loss lab: class imbalance",
                      f"2-D, minority 1:20 inside two discs, {args.n} training points, {args.flip:.0%} of minority "
                      f"labels flipped (and as many majority), {args.seeds} seeds (own data and init) per loss as one "
                      f"vmapped training; test: 40,000 clean points. p (Holm over 6 pairs) and Cliff's δ against the best (negative: lower). "
                      f"F1: {by_f1.recommendation}. MCC: {by_mcc.recommendation}.", table)


def _table(by_f1, by_mcc, f1s, walls) -> str:
    def against(result, name):
        pair = next((p for p in result.pairs if {p.a, p.b} == {name, result.best}), None)
        if pair is None:
            return "—"
        delta = pair.cliffs_delta if pair.a == name else -pair.cliffs_delta
        return f"{pair.mann_whitney_p:.2g} / {delta:+.2f}"

    lines = ["| loss | minority F1: median (IQR) | vs best: p / δ | MCC: median (IQR) | vs best: p / δ | "
             f"seeds with F1 < {STUCK} | wall (all seeds) |", "|---|---|---|---|---|---|---|"]
    for f, m in zip(by_f1.variants, by_mcc.variants):
        lines.append(f"| {f.name} | {f.median:.4f} ({f.q25:.4f} .. {f.q75:.4f}) | {against(by_f1, f.name)} | "
                     f"{m.median:.4f} ({m.q25:.4f} .. {m.q75:.4f}) | {against(by_mcc, m.name)} | "
                     f"{int(np.sum(f1s[f.name] < STUCK))} of {len(f1s[f.name])} | {walls[f.name]:.0f} s |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
