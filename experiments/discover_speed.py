"""Discovery speed (issue 21 item 4): the headline cells of the discovery benchmark (Burgers,
KdV, Kuramoto–Sivashinsky at 10% noise, seed 0, each with its config's recipe, as
experiments/discover_noise.py runs them) in six variants, in one script on one machine:
old (every training to its whole budget, all in float64: the recipe before this change),
plateau (joint trainings end on a plateau of their loss, all in float64), new (plateau, and
every training before the polish in float32; the polish, and a term the challenge admits,
trained in float64), finish (new, with the polish too in float32 and ended by 1,000 float64
L-BFGS steps, ``finish_steps``), removal (finish, and each challenge round also retrains
without the weakest kept term, issue 23's test of kept terms) and current (the defaults now:
removal, with the challenge's trials trained half the polish's budget, 3,000 L-BFGS steps
instead of 6,000; the control is trained alike, so the comparison stays fair). The first five
pin the challenge's trials at the polish's 6,000 steps (``challenge_steps``).

Where the time goes: every training is recorded through the journal interface (its
optimizer phases' steps, stop reasons, wall and compile times); what is left of the run's
wall time is selections, bootstraps and checks.

Why: a profile of the old recipe on Burgers (783 s) spent 9 s in the data-only fit, 88 s
smoothing, 139 s in two pruning rounds, 101 s in the polish and 442 s in the challenge's
three trainings (6,000 L-BFGS steps each, whatever the loss did), under 5 s outside
trainings; compiles took about 5 s per training. The loss of the polish fell by 0.46 %
over its 6,000 steps, a seventh of its statistical resolution √(2/N) = 3.2 % (N = 2,000),
while u_xx drifted by ±1.5 % along that flat valley (its Cramér–Rao std is 4.2 %). A float64
step on this CPU costs 2.3-2.5x a float32 one (26.2 vs 11.3 ms for the whole library).

The rule (pinnjax.discovery.early_stop.PlateauStop): a joint training's last phase ends once
the rest of its budget, at the rate the loss fell over the last 500 steps, would lower it by
less than 0.1 × √(2/N), the relative standard error of a mean square over the N data
points: the remaining steps could not change the fit by an amount the data can tell apart.

Each run is appended to experiments/discover_speed.jsonl as it finishes (a rerun skips the
runs logged); ``--write`` puts the table into experiments/RESULTS.md.

    python experiments/discover_speed.py [--pdes burgers,kdv,ks] [--variants old,new] [--write]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from discover_noise import _fmt_err, _plain
from discovery_cases import CASES, score
from results import write_section

from pinnjax import LBFGS
from pinnjax.discovery import Widen, default_recipe, discover
from pinnjax.discovery.challenge import Challenge
from pinnjax.discovery.journal import AbstractJournal

LOG = Path(__file__).resolve().parent / "discover_speed.jsonl"
# old: every training to its budget, all in float64 (the recipe before issue 21 item 4);
# plateau: joint trainings end on a plateau, all in float64; new: plateau, and the trainings
# before the polish in float32 (the defaults issue 21 item 4 measured first); finish: new with
# a float32 polish ended in float64; removal: finish, and the challenge also tests the weakest
# kept term for removal (issue 23); current: the library's defaults now (removal, the trials
# at half the polish's budget)
VARIANTS = {"old": {"plateau": 0.0, "explore_dtype": None, "removals": 0, "finish_steps": 0, "challenge_steps": 6000},
            "plateau": {"explore_dtype": None, "removals": 0, "challenge_steps": 6000},
            "new": {"removals": 0, "finish_steps": 0, "challenge_steps": 6000},
            "finish": {"removals": 0, "challenge_steps": 6000}, "removal": {"challenge_steps": 6000}, "current": {}}
NOISE, SEED = 0.1, 0
# each PDE's config recipe beyond the case's budgets (configs/discovery/ks.yaml; as
# experiments/discover_noise.py's "pinnjax (weak by parts)" rows)
RECIPES = {"ks": {"weak_form": True, "test_width": 0.06, "smooth_first": False}}
SETUP = {"ks": {"residual_data_points": 2000}}


def _with_trials(recipe, steps: int):
    """``recipe`` with its challenges' trials trained for ``steps`` L-BFGS steps (also in a widening's retry)."""
    def change(stage):
        if isinstance(stage, Challenge):
            return dataclasses.replace(stage, phases=(LBFGS(steps),))
        if isinstance(stage, Widen):
            return dataclasses.replace(stage, retry=tuple(map(change, stage.retry)))
        return stage
    return dataclasses.replace(recipe, stages=tuple(map(change, recipe.stages)))


class Recorder(AbstractJournal):
    """Keeps nothing to replay; records each finished training's phases."""

    def __init__(self):
        super().__init__()
        self.trainings = []

    def load(self, key, params_like, phases):
        return None

    def save(self, key, state, extra, extra_params, finished):
        if finished:
            self.trainings.append({"key": key, "phases": [
                {"name": r.name, "steps": r.steps, "budget": r.budget, "stop": r.stop_reason,
                 "wall": r.wall_time, "compile": r.compile_time} for r in state.reports]})


def run(pde: str, variant: str) -> dict:
    case = CASES[pde]
    data, recorder = case.scattered(NOISE, SEED), Recorder()
    t0 = time.perf_counter()
    options = dict(VARIANTS[variant])
    trials = options.pop("challenge_steps", None)
    recipe = default_recipe(fit_phases=case.fit_phases, physics_phases=case.physics_phases,
                            polish_phases=case.polish_phases, polish_pde_weight=case.polish_pde_weight,
                            n_bootstrap=100, max_rounds=2, **RECIPES.get(pde, {}), **options)
    if trials:
        recipe = _with_trials(recipe, trials)
    res = discover(case.domain, data, case.network(SEED), case.library, recipe=recipe, seed=SEED,
                   n_collocation=2000, journal=recorder, **SETUP.get(pde, {}))
    wall = time.perf_counter() - t0
    right, errors = score(res.equation.active(), case.truth)
    return {"pde": pde, "variant": variant, "equation": str(res.equation), "right": right, "errors": errors,
            "wall": wall, "trainings": recorder.trainings}


def _max_error(row) -> str:
    errs = list(row["errors"].values())
    return "missed" if None in errs else f"{max(errs):.2f}"


def _profile(row) -> str:
    """Seconds in trainings by stage (compile included) and outside them."""
    by_stage: dict[str, float] = {}
    for t in row["trainings"]:
        stage = t["key"].split("-", 1)[1]
        by_stage[stage] = by_stage.get(stage, 0.0) + sum(p["wall"] for p in t["phases"])
    rest = row["wall"] - sum(by_stage.values())
    return ", ".join(f"{k} {v:.0f}" for k, v in by_stage.items()) + f", other {rest:.0f}"


def table(rows: list[dict]) -> str:
    lines = ["| PDE | variant | equation | right terms | max error % | steps | wall s | speed-up | seconds by stage |",
             "|---|---|---|---|---|---|---|---|---|"]
    by = {(r["pde"], r["variant"]): r for r in rows}
    for pde in CASES:
        for variant in VARIANTS:
            r = by.get((pde, variant))
            if r is None:
                continue
            old = by.get((pde, "old"))
            ratio = "1" if variant == "old" else "old not run" if old is None else f"{old['wall'] / r['wall']:.2f}x"
            steps = sum(p["steps"] for t in r["trainings"] for p in t["phases"])
            lines.append(f"| {pde} | {variant} | {r['equation']} | {'yes' if r['right'] else 'no'} | "
                         f"{_max_error(r)} | {steps:,} | {r['wall']:.0f} | {ratio} | {_profile(r)} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pdes", default="burgers,kdv,ks")
    parser.add_argument("--variants", default="new,old")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    rows = [json.loads(line) for line in LOG.read_text().splitlines() if line.strip()] if LOG.exists() else []
    done = {(r["pde"], r["variant"]) for r in rows}
    for pde in args.pdes.split(","):
        for variant in args.variants.split(","):
            if (pde, variant) in done:
                continue
            row = run(pde, variant)
            print(f"{variant:4s} {pde:8s}: {row['equation']} right={row['right']} errors={_fmt_err(row['errors'])} "
                  f"{row['wall']:.0f}s", flush=True)
            with LOG.open("a") as f:
                f.write(json.dumps(row, default=_plain) + "\n")
            rows.append(row)
    print(table(rows))
    if args.write:
        write_section("Discovery: speed", "The headline cells (10% noise, seed 0, each PDE's config recipe): old, "
                      "every training to its whole budget in float64; plateau, joint trainings ended on a plateau of "
                      "their loss; new, plateau and float32 before the polish; finish, new with a float32 polish "
                      "ended by 1,000 float64 steps; removal, finish and the challenge's removal trial; current (the "
                      "defaults), removal with the challenge's trials at half the polish's budget. Speed-up: old / "
                      "this row's wall time, one shared 2-core machine (the Burgers old cell took 783 s in a "
                      "profiling run of the same code). Steps: all trainings' optimizer steps; seconds by stage: "
                      "trainings (compiles included); other: selections, bootstraps, checks.", table(rows))


if __name__ == "__main__":
    main()
