"""A comparison run: every variant of a config trained as an ensemble, then tested.

    DIR/variants/<label>/...     one ensemble run directory per variant (pinnjax.runs.ensemble)
    DIR/comparison.json          per-variant values and statistics, pairwise tests, recommendation
    DIR/comparison.md            the same as tables
    DIR/comparison.png           box plot with every seed's value

A variant whose directory already holds a finished ensemble of the same config is read, not
retrained: a comparison stopped part-way resumes where it stopped.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
from pathlib import Path

import numpy as np
import yaml

from ..analysis import compare_samples
from .ensemble import finished_summary, resume_states, run_ensemble
from .experiment import write_atomic


@dataclasses.dataclass(frozen=True)
class Variant:
    label: str  # e.g. "terms.1.loss=huber"
    overrides: tuple[str, ...]

    @property
    def folder(self) -> str:
        return re.sub(r"[^A-Za-z0-9_.=-]+", "_", self.label)[:120]


@dataclasses.dataclass(frozen=True)
class Metric:
    """A summary field by path (``relative_l2.u``, ``coefficients.nu``, ``final_total``);
    with ``truth``, the relative error |value − truth| / |truth|."""

    path: str
    truth: float | None = None
    lower_is_better: bool = True

    @property
    def label(self) -> str:
        return f"relative error of {self.path}" if self.truth is not None else self.path

    def of(self, summary: dict) -> float:
        node = summary
        for key in self.path.split("."):
            if not isinstance(node, dict) or key not in node:
                return float("nan")
            node = node[key]
        if node is None or not isinstance(node, (int, float)):
            return float("nan")
        value = float(node)
        return abs(value - self.truth) / abs(self.truth) if self.truth is not None else value


def split_values(text: str) -> list[str]:
    """``V1,V2,...`` split on commas outside brackets and braces (``[1,2],[3,4]`` is two values)."""
    parts, depth, current = [], 0, ""
    for ch in text:
        depth += ch in "[{"
        depth -= ch in "]}"
        if ch == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += ch
    parts.append(current.strip())
    return parts


def variants(vary: list[tuple[str, list[str]]]) -> list[Variant]:
    """The product of every ``(key, values)``: one variant per combination."""
    combos = itertools.product(*[[f"{key}={v}" for v in values] for key, values in vary])
    return [Variant(" ".join(c), tuple(c)) for c in combos]


def _same_config(folder: Path, config: dict) -> bool:
    try:
        return yaml.safe_load((folder / "config.yaml").read_text()) == yaml.safe_load(yaml.safe_dump(config))
    except (OSError, yaml.YAMLError):
        return False


def run_variant(exp, folder: Path, progress=None, warn=lambda message: None) -> tuple[dict, bool]:
    """(summary, reused): ``exp`` trained as an ensemble into ``folder``, read back when it
    finished there, or resumed from its members' checkpoints when it stopped part-way."""
    same = _same_config(folder, exp.config)
    done = finished_summary(folder) if same else None
    if done is not None:
        return done, True
    states = resume_states(folder, exp, warn) if same else None
    return run_ensemble(exp, folder, progress, resume=states), False


def member_values(summary: dict, metric: Metric) -> dict[int, float]:
    return {m["seed"]: metric.of(m) if m["status"] == "ok" else float("nan") for m in summary["members"]}


def write_comparison(out: Path, metric: Metric, values: dict[str, dict[int, float]], alpha: float,
                     walls: dict[str, float]) -> dict:
    """Statistics of ``values`` ({variant: {seed: value}}) into comparison.json/.md/.png."""
    samples = {name: list(v.values()) for name, v in values.items()}
    result = compare_samples(samples, alpha, metric.lower_is_better, metric=metric.label)
    report = {"metric": metric.label, "path": metric.path, "truth": metric.truth,
              "lower_is_better": metric.lower_is_better, "values": {k: {str(s): x for s, x in v.items()}
                                                                     for k, v in values.items()},
              "wall_time": walls, **result.as_dict()}
    write_atomic(out / "comparison.json", json.dumps(report, indent=2, default=float))
    write_atomic(out / "comparison.md", tables(result, metric.label))
    plot_comparison(out / "comparison.png", samples, result, metric.label)
    return report


def tables(result, label: str) -> str:
    lines = [f"# Comparison: {label}", "", "| variant | n | median | IQR | mean [95% CI] | failed |", "|---|---|---|---|---|---|"]
    lines += [f"| {v.name} | {v.n} | {v.median:.4g} | {v.q25:.4g} .. {v.q75:.4g} | {v.mean:.4g} "
              f"[{v.ci_low:.4g}, {v.ci_high:.4g}] | {v.failed} |" for v in result.variants]
    lines += ["", "| pair | Mann–Whitney p (Holm) | Welch p (Holm) | Cliff's δ |", "|---|---|---|---|"]
    lines += [f"| {p.a} vs {p.b} | {p.mann_whitney_p:.3g} | {p.welch_p:.3g} | {p.cliffs_delta:+.2f} ({p.effect}) |"
              for p in result.pairs]
    return "\n".join(lines + ["", f"Recommendation: {result.recommendation}", ""])


def plot_comparison(path: Path, samples: dict, result, label: str) -> None:
    """Box plot of each variant's values with every seed as a point; log scale over decades."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(samples)
    data = [np.asarray(samples[n], float)[np.isfinite(samples[n])] for n in names]
    fig, ax = plt.subplots(figsize=(1.6 + 1.3 * len(names), 4))
    ax.boxplot(data, showfliers=False)
    jitter = np.random.default_rng(0)
    for i, d in enumerate(data, start=1):
        ax.plot(i + jitter.uniform(-0.12, 0.12, d.size), d, "o", ms=3, alpha=0.6, color="C1")
    ax.set_xticks(range(1, len(names) + 1), names, rotation=20, ha="right", fontsize=8)
    every = np.concatenate(data)
    if every.size and every.min() > 0 and every.max() / every.min() > 10:
        ax.set_yscale("log")
    ax.set_ylabel(label)
    ax.set_title(f"best: {result.best}" + (" (significant)" if result.significant else " (not significant)"),
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
