"""PNG figures of a run: prediction, reference, absolute error, per-term loss curves."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def _grid_image(points: np.ndarray, values: np.ndarray):
    """Points on a tensor grid (N, 2) -> (x axis, y axis, image (ny, nx)) or None."""
    xs, ys = np.unique(points[:, 0]), np.unique(points[:, 1])
    if len(xs) * len(ys) > 4 * len(points) or len(xs) < 2 or len(ys) < 2:
        return None
    image = np.full((len(ys), len(xs)), np.nan)
    image[np.searchsorted(ys, points[:, 1]), np.searchsorted(xs, points[:, 0])] = values
    return xs, ys, image


def _field_figure(path: Path, points, values, title, names, cmap="RdBu_r"):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4.2), dpi=110)
    grid = _grid_image(points, values)
    if grid is not None:
        xs, ys, image = grid
        im = ax.pcolormesh(xs, ys, image, shading="auto", cmap=cmap)
    else:
        im = ax.scatter(points[:, 0], points[:, 1], c=values, s=4, cmap=cmap)
    fig.colorbar(im, ax=ax)
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_losses(path: Path, history) -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=110)
    steps = np.asarray(history.step)
    ax.semilogy(steps, history.total, color="black", lw=1.2, label="total")
    for name, values in history.terms.items():
        v = np.asarray(values)
        ok = np.isfinite(v) & (v > 0)
        ax.semilogy(steps[ok], v[ok], lw=0.9, label=name)
    boundaries = [steps[i] for i in range(1, len(steps)) if history.phase[i] != history.phase[i - 1]]
    for b in boundaries:
        ax.axvline(b, color="gray", ls=":", lw=0.8)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_trajectories(path: Path, steps, series: dict, log: bool = False) -> None:
    """One panel per named series (NaN where not recorded) against the step: trainable
    coefficients (physical values) or the terms' weights under balancing (log scale)."""
    import matplotlib.pyplot as plt

    names = list(series)
    fig, axes = plt.subplots(len(names), 1, figsize=(7, 2.2 * len(names)), dpi=110, sharex=True, squeeze=False)
    steps = np.asarray(steps)
    for ax, name in zip(axes[:, 0], names):
        v = np.asarray(series[name])
        ok = np.isfinite(v)
        ax.plot(steps[: len(v)][ok], v[ok], lw=1.2, marker="." if ok.sum() < 50 else None)
        ax.set_ylabel(name)
        if log:
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
    axes[-1, 0].set_xlabel("step")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_run(run_dir: Path, exp, result) -> list[Path]:
    """Write the run's figures into ``run_dir/plots``; returns the files written."""
    import matplotlib

    matplotlib.use("Agg")
    out = Path(run_dir) / "plots"
    out.mkdir(exist_ok=True)
    written = [out / "losses.png"]
    plot_losses(written[0], result.history)
    h = result.history
    for name, series, log in (("coefficients.png", h.coefficients, False), ("weights.png", h.weights, True)):
        if series:
            written.append(out / name)
            plot_trajectories(written[-1], h.step, series, log)
    names = exp.problem.coordinates
    if exp.reference is not None and len(names) == 2:
        points, values, field = exp.reference
        predicted = result.predict(points, [field])[field]
        for fname, vals, title, cmap in (
            ("prediction.png", predicted, f"pinnjax {field}", "RdBu_r"),
            ("reference.png", values, f"reference {field}", "RdBu_r"),
            ("error.png", np.abs(predicted - values), f"|{field} - reference|", "magma"),
        ):
            _field_figure(out / fname, points, vals, title, names, cmap)
            written.append(out / fname)
    return written
