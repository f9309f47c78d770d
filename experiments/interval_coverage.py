"""Do the coefficient intervals a discovery reports cover the truth? Read from the logged runs.

Every right answer logged by experiments/discover_noise.py, discover_multiscale.py and
discover_outliers.py carries, for each kept term, the 95 % interval the run reported
(pinnjax.discovery.uncertainty.coefficient_intervals: a percentile bootstrap over the rows of
the final regression, Θ and lhs read from the final network). This script compares each true
term's interval with the true coefficient: covered or not, the error, the interval's
half-width (both in % of the truth) and their ratio (how many half-widths the truth lies
from the answer). Nothing is trained: the rows are the logs' (each with its tool label, PDE,
noise and seed); a 95 % interval should cover ~95 % of them.

Two methods appear (each run's ``checks.intervals``): the regression bootstrap (runs before
the linearized intervals) resamples collocation rows of one network: it measures how well
that network's derivatives pin the coefficients, not how far the network is from the truth
(the error a noisy fit leaves in its derivatives, the same at every row); "noise through the
joint training" (pinnjax.discovery.linearized) carries the data's noise through the final
joint training, to first order, without the network's bias.

    python experiments/interval_coverage.py [--write]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from discover_multiscale import MULTISCALE
from discovery_cases import CASES
import statistics

from results import write_page, write_section

HERE = Path(__file__).resolve().parent
PAGE = HERE / "interval_coverage.md"
LOGS = ("discover_noise.jsonl", "discover_multiscale.jsonl", "discover_outliers.jsonl")


def covered_rows(truths: dict) -> list[dict]:
    """One row per true term of every right, logged answer that reports intervals."""
    rows = []
    for log in LOGS:
        path = HERE / log
        for line in path.read_text().splitlines() if path.exists() else ():
            run = json.loads(line)
            terms = {t["term"]: t for t in run.get("checks", {}).get("terms", ())}
            truth = truths.get(run.get("pde"))
            if not run.get("right") or not terms or truth is None:
                continue
            for term, true in truth.items():
                lo, hi = terms[term]["interval"]
                c = terms[term]["coefficient"]
                method = run["checks"].get("intervals", "regression bootstrap")
                rows.append({"run": f"{run['pde']} {run['noise']:.0%} s{run['seed']} ({run['tool']})", "term": term,
                             "method": method,
                             "covered": lo <= true <= hi, "error": abs(c - true) / abs(true) * 100,
                             "half": (hi - lo) / 2 / abs(true) * 100})
    return rows


def table(rows: list[dict]) -> str:
    lines = ["| run | term | interval | covered | error % | half-width % | error / half-width |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        ratio = r["error"] / r["half"] if r["half"] > 0 else float("inf")
        lines.append(f"| {r['run']} | {r['term']} | {r['method']} | {'yes' if r['covered'] else 'no'} | {r['error']:.2f} | "
                     f"{r['half']:.3f} | {ratio:.0f} |")
    return "\n".join(lines)


def summary(rows: list[dict]) -> str:
    """One row per interval method and PDE: terms covered, median error / half-width."""
    groups: dict = {}
    for r in rows:
        groups.setdefault((r["method"], r["run"].split()[0]), []).append(r)
    lines = ["| interval | PDE | true terms covered | median error / half-width |", "|---|---|---|---|"]
    for (method, pde), group in sorted(groups.items()):
        ratio = statistics.median(r["error"] / r["half"] if r["half"] > 0 else float("inf") for r in group)
        lines.append(f"| {method} | {pde} | {sum(r['covered'] for r in group)} of {len(group)} | {ratio:.1f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    truths = {name: case.truth for name, case in {**CASES, **MULTISCALE}.items()}
    rows = covered_rows(truths)
    counts = {}
    for r in rows:
        hit, total = counts.get(r["method"], (0, 0))
        counts[r["method"]] = (hit + r["covered"], total + 1)
    caption = ("How often the 95 % intervals of the logged right answers cover the true coefficient: "
               + "; ".join(f"{m}: **{h} of {n}**" for m, (h, n) in counts.items())
               + ". Read from the logs, nothing trained (method: experiments/interval_coverage.py).")
    print(caption)
    print(table(rows))
    if args.write:
        write_section("Discovery: do the intervals cover the truth?",
                      caption + " Every term: [interval_coverage.md](interval_coverage.md).", summary(rows))
        write_page(PAGE, "Discovery: do the intervals cover the truth? (every term)", caption, table(rows))


if __name__ == "__main__":
    main()
