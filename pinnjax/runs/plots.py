"""PNG figures of a run: prediction, reference, absolute error, per-term loss curves.

Every figure is titled with the run's name and the numbers a reader needs (the error map:
relative L2 and max error; the losses: final total and steps). Points where the reference
is NaN (outside the domain, see :func:`pinnjax.config.references.build_reference`) are drawn
in a separate grey, with a legend entry, never as an error of zero. An error map that spans
more than :data:`LOG_DECADES` decades is drawn on a log colour scale, so one large error (a
kink, a corner) does not hide the rest; the colour bar's label says which scale it is.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from ..train.result import relative_l2

LOG_DECADES = 2.0  # an error map spanning more decades than this gets a log colour scale
FLOOR_DECADES = 6.0  # on a log scale, errors below max * 10**-6 (zeros included) take the lowest colour
OUTSIDE = "lightgrey"  # the colour of points outside the domain (NaN in the reference)


@dataclasses.dataclass(frozen=True)
class FieldPlot:
    """What a field figure shows: its ``title``, the colour ``norm`` it chose
    (``matplotlib.colors.Normalize`` or ``LogNorm``), the colour bar's ``label`` and how many
    points or grid cells it drew as ``outside`` the domain (NaN)."""

    title: str
    norm: object
    label: str
    outside: int


def _grid_image(points: np.ndarray, values: np.ndarray):
    """Points on a tensor grid (N, 2) -> (x axis, y axis, image (ny, nx)) or None."""
    xs, ys = np.unique(points[:, 0]), np.unique(points[:, 1])
    if len(xs) * len(ys) > 4 * len(points) or len(xs) < 2 or len(ys) < 2:
        return None
    image = np.full((len(ys), len(xs)), np.nan)
    image[np.searchsorted(ys, points[:, 1]), np.searchsorted(xs, points[:, 0])] = values
    return xs, ys, image


def error_norm(errors) -> tuple[object, str]:
    """The colour scale of an error map and the words for its colour bar.

    Method: over the finite, positive errors, the span is max / (1st percentile), so that
    a few exact zeros or round-off values do not decide it. Above ``10**LOG_DECADES`` the
    scale is ``LogNorm(floor, max)`` with floor = max(1st percentile, max * 10**-FLOOR_DECADES);
    values below the floor (zeros included) are clipped to it by :func:`error_values`.
    Otherwise it is linear from 0 to the max."""
    from matplotlib.colors import LogNorm, Normalize

    e = np.asarray(errors, np.float64)
    positive = e[np.isfinite(e) & (e > 0)]
    if positive.size == 0:
        return Normalize(0.0, 1.0), "linear scale"
    top, low = float(positive.max()), float(np.percentile(positive, 1))
    if top / low <= 10**LOG_DECADES:
        return Normalize(0.0, top), "linear scale"
    floor = max(low, top * 10**-FLOOR_DECADES)
    clipped = np.any(e[np.isfinite(e)] < floor)
    return LogNorm(floor, top), "log scale" + (f", below {floor:.1e} clipped" if clipped else "")


def error_values(errors, norm) -> np.ndarray:
    """``errors`` as drawn under ``norm``: on a log scale, finite values below its floor
    (zeros included) raised to the floor; NaN (outside the domain) left NaN."""
    from matplotlib.colors import LogNorm

    e = np.asarray(errors, np.float64)
    if isinstance(norm, LogNorm):
        return np.where(np.isfinite(e), np.maximum(e, norm.vmin), np.nan)
    return e


def plot_field(path: Path, points, values, title: str, names, cmap="RdBu_r", norm=None, label: str = "") -> FieldPlot:
    """One field at 2-D points: an image when they lie on a tensor grid, else a scatter.
    NaN values (and grid cells without a point) are drawn in :data:`OUTSIDE` with a legend
    entry "outside the domain". ``norm``: a matplotlib norm (None: the finite values' range)."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import Normalize
    from matplotlib.patches import Patch

    points, values = np.asarray(points), np.asarray(values, np.float64)
    finite = values[np.isfinite(values)]
    if norm is None:
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        norm = Normalize(lo, hi)
    colours = plt.get_cmap(cmap).with_extremes(bad=OUTSIDE)
    fig, ax = plt.subplots(figsize=(6, 4.4), dpi=110)
    grid = _grid_image(points, values)
    if grid is not None:
        xs, ys, image = grid
        outside = int(np.count_nonzero(~np.isfinite(image)))
        im = ax.pcolormesh(xs, ys, np.ma.masked_invalid(image), shading="auto", cmap=colours, norm=norm)
    else:
        inside = np.isfinite(values)
        outside = int(np.count_nonzero(~inside))
        ax.scatter(points[~inside, 0], points[~inside, 1], color=OUTSIDE, s=4)
        im = ax.scatter(points[inside, 0], points[inside, 1], c=values[inside], s=4, cmap=colours, norm=norm)
    clipped = finite.size > 0 and norm.vmin is not None and finite.min() < norm.vmin
    fig.colorbar(im, ax=ax, label=label or None, extend="min" if clipped else "neither")
    if outside:
        ax.legend(handles=[Patch(facecolor=OUTSIDE, edgecolor="gray", label="outside the domain")],
                  loc="upper right", fontsize=8, framealpha=0.9)
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return FieldPlot(title, norm, label, outside)


def plot_error(path: Path, points, predicted, reference, field: str, names, run: str) -> FieldPlot:
    """|predicted - reference| at 2-D points, on the scale :func:`error_norm` chooses; the
    title gives the relative L2 (:func:`pinnjax.train.result.relative_l2`, over the finite
    reference values, as in summary.json) and the max error."""
    predicted, reference = np.asarray(predicted, np.float64), np.asarray(reference, np.float64)
    errors = np.abs(predicted - reference)
    inside = errors[np.isfinite(errors)]
    top = float(inside.max()) if inside.size else float("nan")
    title = (f"{run}: |{field} - reference|\n"
             f"relative L2 {relative_l2(predicted, reference):.3e}, max error {top:.3e}")
    norm, scale = error_norm(errors)
    return plot_field(path, points, error_values(errors, norm), title, names, "magma", norm,
                      f"|{field} - reference| ({scale})")


def losses_title(run: str, history) -> str:
    """``run: final total loss 1.234e-04 after 5000 steps``."""
    if not history.total:
        return f"{run}: no steps recorded"
    return f"{run}: final total loss {history.total[-1]:.3e} after {len(history.total)} steps"


def plot_losses(path: Path, history, run: str = "") -> str:
    """The total and per-term losses (log scale) against the step, phases split by dotted
    lines; returns the title."""
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
    title = losses_title(run, history)
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return title


def _last_finite(values) -> float:
    v = np.asarray(values, np.float64)
    v = v[np.isfinite(v)]
    return float(v[-1]) if v.size else float("nan")


def plot_trajectories(path: Path, steps, series: dict, log: bool = False, title: str = "") -> str:
    """One panel per named series (NaN where not recorded) against the step: trainable
    coefficients (physical values) or the terms' weights under balancing (log scale). The
    title adds each series' last recorded value; returns it."""
    import matplotlib.pyplot as plt

    names = list(series)
    fig, axes = plt.subplots(len(names), 1, figsize=(7, 2.2 * len(names) + 0.4), dpi=110, sharex=True,
                             squeeze=False)
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
    full = f"{title}: " * bool(title) + "final " + ", ".join(f"{k} = {_last_finite(series[k]):.6g}" for k in names)
    axes[0, 0].set_title(full, fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return full


def plot_run(run_dir: Path, exp, result) -> list[Path]:
    """Write the run's figures into ``run_dir/plots``; returns the files written."""
    import matplotlib

    matplotlib.use("Agg")
    out = Path(run_dir) / "plots"
    out.mkdir(exist_ok=True)
    written = [out / "losses.png"]
    plot_losses(written[0], result.history, exp.name)
    h = result.history
    for name, series, log, what in (("coefficients.png", h.coefficients, False, "coefficients"),
                                    ("weights.png", h.weights, True, "term weights")):
        if series:
            written.append(out / name)
            plot_trajectories(written[-1], h.step, series, log, f"{exp.name} {what}")
    names = exp.problem.coordinates
    if exp.reference is not None and len(names) == 2:
        points, values, field = exp.reference
        values = np.asarray(values, np.float64)
        predicted = np.asarray(result.predict(points, [field])[field], np.float64)
        shown = np.where(np.isfinite(values), predicted, np.nan)  # no extrapolation outside the domain
        plot_field(out / "prediction.png", points, shown, f"{exp.name}: predicted {field}", names, label=field)
        plot_field(out / "reference.png", points, values, f"{exp.name}: reference {field}", names, label=field)
        plot_error(out / "error.png", points, predicted, values, field, names, exp.name)
        written += [out / "prediction.png", out / "reference.png", out / "error.png"]
    return written
