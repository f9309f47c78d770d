"""Loss lab, study 1: the (w, b) loss surfaces of a one-neuron network y = tanh(w x + b).

Losses (``pinnjax.losses.get_loss``, library defaults): mse r², mae |r|, huber (delta = 1:
r²/2 inside |r| <= 1, linear beyond) and log_cosh (scale 1), each the mean over the points of
the residual r = tanh(w x_i + b) - y_i. Data sets:

* ``two points``: (-1, -0.5), (1, 0.8). tanh reaches both, so every loss has the same exact
  interpolating minimum w* = (atanh 0.8 - atanh(-0.5))/2, b* = (atanh 0.8 + atanh(-0.5))/2 with
  loss 0; the losses differ only in the shape of the basin.
* ``two points, one out of reach``: (-1, -0.5), (1, 1.2). tanh < 1, so the infimum is
  approached along the valley b - w = atanh(-0.5), w + b -> infinity (the first residual 0,
  the second -> -0.2) and is not attained: the minimum is at infinity.
* ``sloped line``: 25 points x in [-3, 3], y = 0.8 x + 0.2 + N(0, 0.1²) (numpy seed 0); the 14
  points with |y| > 1 lie beyond tanh's range, so residuals up to 1.7 remain and the losses
  weigh them differently.

Method, in float64: each surface on a dense grid (401 x 401 over the box of the figure)
evaluated in one ``jax.vmap``; the grid's smallest value starts the refinement. Smooth losses
(mse, huber, log_cosh): scipy BFGS with JAX gradients (gtol 1e-10). mae: Nelder-Mead, then,
if two residuals are within 1e-3 of zero, the vertex where both are exactly zero (two linear
equations w x_i + b = atanh y_i), kept if its loss is not higher: a minimum of a sum of |r_i|
in two parameters sits at such a kink. The minimum is declared at infinity when the grid's
smallest value lies on the grid's boundary and the refinement ran off to where a prediction is
saturated (|w x_i + b| > 10: tanh within 1e-8 of ±1, its derivative below 1e-8, so no finite
point does better than the asymptote by more than that); then the table gives the loss the
refinement reached (the infimum, up to 1e-9) and the direction it ran off in. At a finite
minimum: the eigenvalues of ``jax.hessian`` and their ratio (condition number); for mae the
Hessian does not exist at the kink (jax's derivative of |r| at 0 is 0, so its "Hessian" there
is meaningless) and the table says which residuals are zero instead.

Figures: experiments/figures/study_one_neuron.png (log10(loss - loss* + 1e-4) on each grid,
loss* the located minimum or infimum; minima marked, an arrow where the minimum is at infinity) and study_one_neuron_fits.png (data and fitted curves).
Run time: a few seconds.

    python experiments/study_one_neuron.py [--grid 401] [--no-figure] [--write]
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import scipy.optimize

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from results import write_section  # noqa: E402

from pinnjax.losses import get_loss  # noqa: E402

LOSSES = ("mse", "mae", "huber", "log_cosh")
SATURATED = 10.0  # |w x + b| beyond which tanh is within 1e-8 of ±1
FIGURE = HERE / "figures" / "study_one_neuron.png"
FIGURE_FITS = HERE / "figures" / "study_one_neuron_fits.png"


@dataclass(frozen=True)
class DataSet:
    name: str
    x: np.ndarray
    y: np.ndarray
    box: tuple[float, float, float, float]  # w_lo, w_hi, b_lo, b_hi of the grid


def data_sets() -> tuple[DataSet, ...]:
    """The three data sets of the docstring, with their grid boxes."""
    rng = np.random.default_rng(0)
    x_line = np.linspace(-3.0, 3.0, 25)
    y_line = 0.8 * x_line + 0.2 + 0.1 * rng.standard_normal(25)
    return (
        DataSet("two points", np.array([-1.0, 1.0]), np.array([-0.5, 0.8]), (-2.0, 4.0, -3.0, 3.0)),
        DataSet("two points, one out of reach", np.array([-1.0, 1.0]), np.array([-0.5, 1.2]),
                (-2.0, 4.0, -3.0, 3.0)),
        DataSet("sloped line", x_line, y_line, (-1.0, 4.0, -2.0, 2.0)),
    )


def loss_function(name: str, x, y):
    """theta = (w, b) -> mean loss of tanh(w x + b) against y (call under float64)."""
    loss = get_loss(name)
    x = jnp.asarray(x, dtype=jnp.float64)
    y = jnp.asarray(y, dtype=jnp.float64)

    def f(theta):
        return loss.value(jnp.tanh(theta[0] * x + theta[1]), y)

    return f


def grid_values(f, ws: np.ndarray, bs: np.ndarray) -> np.ndarray:
    """f on the grid (len(bs), len(ws)) (rows b, columns w), by one vmap over all grid points."""
    W, B = np.meshgrid(ws, bs)
    thetas = jnp.stack([jnp.asarray(W.ravel()), jnp.asarray(B.ravel())], axis=1)
    return np.asarray(jax.jit(jax.vmap(f))(thetas)).reshape(W.shape)


def _refine_smooth(f, theta0: np.ndarray) -> np.ndarray:
    value_and_grad = jax.jit(jax.value_and_grad(f))

    def fun(t):
        v, g = value_and_grad(jnp.asarray(t))
        return float(v), np.asarray(g)

    return scipy.optimize.minimize(fun, theta0, jac=True, method="BFGS", options={"gtol": 1e-10, "maxiter": 2000}).x


def _refine_kinked(f, theta0: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    fj = jax.jit(f)
    fun = lambda t: float(fj(jnp.asarray(t)))  # noqa: E731
    best = scipy.optimize.minimize(fun, theta0, method="Nelder-Mead",
                                   options={"xatol": 1e-12, "fatol": 1e-15, "maxiter": 20000, "maxfev": 40000}).x
    r = np.abs(np.tanh(best[0] * x + best[1]) - y)
    near = np.argsort(r)[:2]
    if len(x) >= 2 and r[near].max() < 1e-3 and np.all(np.abs(y[near]) < 1) and x[near[0]] != x[near[1]]:
        vertex = np.linalg.solve(np.stack([x[near], np.ones(2)], axis=1), np.arctanh(y[near]))
        if fun(vertex) <= fun(best):
            best = vertex
    return best


@dataclass(frozen=True)
class Minimum:
    w: float
    b: float
    loss: float
    at_infinity: bool
    eigenvalues: tuple[float, ...] | None  # None for mae (a kink); at infinity: at the refinement's end
    zero_residuals: tuple[int, ...]  # indices of points fitted exactly (|r| < 1e-8)
    grid_argmin: tuple[float, float]
    direction: tuple[float, float]  # unit vector from the grid's best point to the refined one

    @property
    def condition(self) -> float | None:
        if self.at_infinity or self.eigenvalues is None or min(self.eigenvalues) <= 0:
            return None
        return max(self.eigenvalues) / min(self.eigenvalues)


def locate(name: str, data: DataSet, n_grid: int = 401) -> tuple[Minimum, np.ndarray]:
    """The minimum of loss ``name`` on ``data`` (grid, then scipy), and the grid values."""
    with jax.enable_x64(True):
        f = loss_function(name, data.x, data.y)
        ws = np.linspace(data.box[0], data.box[1], n_grid)
        bs = np.linspace(data.box[2], data.box[3], n_grid)
        values = grid_values(f, ws, bs)
        i, j = np.unravel_index(np.argmin(values), values.shape)
        theta0 = np.array([ws[j], bs[i]])
        on_boundary = i in (0, n_grid - 1) or j in (0, n_grid - 1)
        theta = _refine_kinked(f, theta0, data.x, data.y) if name == "mae" else _refine_smooth(f, theta0)
        fj = jax.jit(f)
        step = theta - theta0
        direction = step / max(np.linalg.norm(step), 1e-300)
        saturated = np.abs(theta[0] * data.x + theta[1]).max() > SATURATED
        at_infinity = bool(on_boundary and saturated)
        r = np.tanh(theta[0] * data.x + theta[1]) - data.y
        zero = tuple(int(k) for k in np.flatnonzero(np.abs(r) < 1e-8))
        eig = None
        if name != "mae":
            eig = tuple(float(e) for e in np.linalg.eigvalsh(np.asarray(jax.hessian(f)(jnp.asarray(theta)))))
        loss = float(fj(jnp.asarray(theta)))
    return Minimum(float(theta[0]), float(theta[1]), loss, at_infinity, eig, zero, (float(ws[j]), float(bs[i])),
                   (float(direction[0]), float(direction[1]))), values


def two_point_minimum(x0, y0, x1, y1) -> tuple[float, float]:
    """The exact (w, b) with tanh(w x_k + b) = y_k for two points with |y_k| < 1."""
    a0, a1 = math.atanh(y0), math.atanh(y1)
    w = (a1 - a0) / (x1 - x0)
    return w, a0 - w * x0


def _describe(name: str, m: Minimum) -> tuple[str, str, str]:
    """(w*, b*) text, Hessian text, remark for one table row."""
    if m.at_infinity:
        dw, db = m.direction
        hess = "none (at infinity)"
        if m.eigenvalues is not None:
            hess += f"; at the refinement's end {m.eigenvalues[0]:.2g}, {m.eigenvalues[1]:.3g} (a flat valley)"
        return (f"at infinity, along ({dw:.3f}, {db:.3f})", hess,
                f"refinement ran off to ({m.w:.1f}, {m.b:.1f}); the grid's best value is on its edge")
    where = f"({m.w:.4f}, {m.b:.4f})"
    if m.eigenvalues is None:
        zeros = ", ".join(str(k) for k in m.zero_residuals)
        return where, f"kink: residuals of points {zeros} are 0", "not differentiable at the minimum"
    lo, hi = m.eigenvalues
    return where, f"{lo:.3g}, {hi:.3g}", f"condition {m.condition:.3g}"


def table(results: dict) -> str:
    rows = ["| data set | loss | (w*, b*) | loss at minimum | Hessian eigenvalues | remark |",
            "|---|---|---|---|---|---|"]
    for (data_name, name), (m, _) in results.items():
        where, hess, remark = _describe(name, m)
        label = "infimum" if m.at_infinity else "minimum"
        rows.append(f"| {data_name} | {name} | {where} | {m.loss:.4g} ({label}) | {hess} | {remark} |")
    return "\n".join(rows)


def figure(results: dict, sets: tuple[DataSet, ...]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(sets), len(LOSSES), figsize=(4.0 * len(LOSSES), 3.4 * len(sets)),
                             constrained_layout=True)
    for r, data in enumerate(sets):
        for c, name in enumerate(LOSSES):
            ax = axes[r, c]
            m, values = results[(data.name, name)]
            shown = np.log10(np.maximum(values - m.loss, 0.0) + 1e-4)
            image = ax.imshow(shown, origin="lower", extent=data.box, aspect="auto", cmap="viridis")
            ax.contour(np.linspace(*data.box[:2], values.shape[1]), np.linspace(*data.box[2:], values.shape[0]),
                       shown, levels=12, colors="white", linewidths=0.4, alpha=0.6)
            fig.colorbar(image, ax=ax, label="log10(loss - loss* + 1e-4)")
            if m.at_infinity:
                gw, gb = m.grid_argmin
                dw, db = m.direction
                ax.annotate("", xy=(gw, gb), xytext=(gw - 1.5 * dw, gb - 1.5 * db),
                            arrowprops={"arrowstyle": "->", "color": "red", "lw": 2})
            else:
                ax.plot(m.w, m.b, marker="*", color="red", markersize=14, markeredgecolor="white")
            ax.set_title(f"{data.name}: {name}" + ("\n(arrow: minimum at infinity)" if m.at_infinity else ""),
                         fontsize=9)
            ax.set_xlabel("w")
            ax.set_ylabel("b")
    fig.savefig(FIGURE, dpi=90)
    plt.close(fig)

    fig, axes = plt.subplots(1, len(sets), figsize=(4.5 * len(sets), 3.6), constrained_layout=True)
    for ax, data in zip(axes, sets):
        xs = np.linspace(data.x.min() - 0.5, data.x.max() + 0.5, 300)
        ax.plot(data.x, data.y, "ko", markersize=4, label="data")
        for name in LOSSES:
            m = results[(data.name, name)][0]
            ax.plot(xs, np.tanh(m.w * xs + m.b), label=name + (" (refinement's end)" if m.at_infinity else ""))
        ax.axhline(1, color="grey", lw=0.5, ls=":")
        ax.axhline(-1, color="grey", lw=0.5, ls=":")
        ax.set_title(data.name, fontsize=9)
        ax.legend(fontsize=7)
    fig.savefig(FIGURE_FITS, dpi=90)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--grid", type=int, default=401)
    parser.add_argument("--no-figure", action="store_true")
    parser.add_argument("--write", action="store_true", help="write the section 'Loss lab: one-neuron landscapes'")
    args = parser.parse_args()
    sets = data_sets()
    results = {}
    for data in sets:
        for name in LOSSES:
            results[(data.name, name)] = locate(name, data, args.grid)
            print(data.name, name, results[(data.name, name)][0], flush=True)
    text = table(results)
    print(text)
    if not args.no_figure:
        figure(results, sets)
    if args.write:
        write_section(
            "Loss lab: one-neuron landscapes",
            "y = tanh(w x + b); mean of mse r², mae |r|, huber (delta 1), log_cosh (scale 1) over the points. Minima: "
            f"a {args.grid}² grid (one vmap), then scipy (BFGS; mae: Nelder-Mead and the exact kink), float64. "
            "Figures: experiments/figures/study_one_neuron.png (surfaces), study_one_neuron_fits.png (fits).",
            text)


if __name__ == "__main__":
    main()
