"""Statistics of a comparison of variants over seeds, and a recommendation.

For every variant: median, quartiles, mean with a bootstrap confidence interval
(``scipy.stats.bootstrap``, BCa, 9,999 resamples). For every pair: the two-sided
Mann–Whitney U test (rank-based: the headline, no normality assumed) and Welch's t test
(``scipy.stats.mannwhitneyu``, ``scipy.stats.ttest_ind(equal_var=False)``), each family of
p-values Holm-corrected over all pairs (Holm's step-down is four lines; scipy.stats has no
Holm), and Cliff's δ = 2U/(n₁n₂) − 1 from the U statistic: the probability that a value of
the first variant exceeds one of the second minus the reverse (|δ| < 0.147 negligible,
< 0.33 small, < 0.474 medium, else large: Romano et al. 2006).

The recommendation: the variant with the best median, and whether it beats the runner-up
(second-best median) at level ``alpha`` by the Holm-corrected Mann–Whitney test.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping, Sequence

import numpy as np
from scipy import stats

CLIFF_LABELS = ((0.147, "negligible"), (0.33, "small"), (0.474, "medium"), (np.inf, "large"))


@dataclasses.dataclass(frozen=True)
class VariantStats:
    name: str
    n: int
    median: float
    q25: float
    q75: float
    mean: float
    ci_low: float
    ci_high: float
    failed: int = 0  # members without a finite value (not in the statistics)


@dataclasses.dataclass(frozen=True)
class PairTest:
    a: str
    b: str
    mann_whitney_p: float  # Holm-corrected, two-sided
    welch_p: float  # Holm-corrected, two-sided
    cliffs_delta: float  # > 0: a's values tend to be larger than b's
    effect: str


@dataclasses.dataclass(frozen=True)
class Comparison:
    variants: tuple[VariantStats, ...]
    pairs: tuple[PairTest, ...]
    best: str
    runner_up: str | None
    significant: bool
    tied: tuple[str, ...]  # variants the best does not beat at level alpha
    beaten: tuple[str, ...]  # variants significantly worse than the best
    recommendation: str
    alpha: float
    lower_is_better: bool

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def holm(p_values: Sequence[float]) -> np.ndarray:
    """Holm's step-down adjusted p-values (family-wise error control), in the input order."""
    p = np.asarray(p_values, float)
    order = np.argsort(p)
    adjusted = np.maximum.accumulate((len(p) - np.arange(len(p))) * p[order])
    out = np.empty_like(p)
    out[order] = np.minimum(adjusted, 1.0)
    return out


def cliffs_delta(a, b) -> float:
    """P(a > b) − P(a < b) over all pairs, from the Mann–Whitney U statistic of ``a``."""
    u = stats.mannwhitneyu(a, b, alternative="two-sided").statistic
    return float(2 * u / (len(a) * len(b)) - 1)


def effect_label(delta: float) -> str:
    return next(label for bound, label in CLIFF_LABELS if abs(delta) < bound)


def describe(name: str, values, failed: int = 0, confidence: float = 0.95, seed: int = 0) -> VariantStats:
    """Median, quartiles and the mean with a BCa bootstrap interval of a variant's values."""
    v = np.asarray(values, float)
    q25, median, q75 = np.percentile(v, [25, 50, 75])
    if v.size > 1 and np.ptp(v) > 0:
        ci = stats.bootstrap((v,), np.mean, confidence_level=confidence, n_resamples=9999, method="BCa",
                             random_state=np.random.default_rng(seed)).confidence_interval
        low, high = float(ci.low), float(ci.high)
    else:  # one value, or all equal: the interval is the value
        low = high = float(v.mean())
    return VariantStats(name, int(v.size), float(median), float(q25), float(q75), float(v.mean()), low, high, failed)


def _pairs(samples: Mapping[str, np.ndarray]) -> tuple[PairTest, ...]:
    names = [n for n in samples if len(samples[n]) >= 2]
    combos = list(itertools.combinations(names, 2))
    if not combos:
        return ()
    mw = holm([stats.mannwhitneyu(samples[a], samples[b], alternative="two-sided").pvalue for a, b in combos])
    welch = [stats.ttest_ind(samples[a], samples[b], equal_var=False).pvalue for a, b in combos]
    welch = holm(np.nan_to_num(welch, nan=1.0))  # NaN: both constant; no evidence of a difference
    deltas = [cliffs_delta(samples[a], samples[b]) for a, b in combos]
    return tuple(PairTest(a, b, float(p), float(w), d, effect_label(d))
                 for (a, b), p, w, d in zip(combos, mw, welch, deltas))


def compare_samples(samples: Mapping[str, Sequence[float]], alpha: float = 0.05, lower_is_better: bool = True,
                    failed: Mapping[str, int] | None = None, metric: str = "metric") -> Comparison:
    """Statistics of each variant's values (non-finite ones dropped and counted), pairwise
    tests, and the recommendation. ``samples``: {variant: values over seeds}."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    clean, dropped = {}, dict(failed or {})
    for name, values in samples.items():
        v = np.asarray(values, float)
        clean[name] = v[np.isfinite(v)]
        dropped[name] = dropped.get(name, 0) + int((~np.isfinite(v)).sum())
    empty = [n for n, v in clean.items() if not v.size]
    if empty or len(clean) < 2:
        raise ValueError(f"a comparison needs at least two variants with finite values; "
                         f"{'no finite values for ' + ', '.join(empty) if empty else f'got {len(clean)} variant(s)'}")
    variants = tuple(describe(n, v, dropped[n]) for n, v in clean.items())
    pairs = _pairs(clean)
    ranked = sorted(variants, key=lambda s: s.median if lower_is_better else -s.median)
    best, runner = ranked[0].name, ranked[1].name
    against = {n: next((p for p in pairs if {p.a, p.b} == {best, n}), None) for n in clean if n != best}
    tied = tuple(s.name for s in ranked[1:] if against[s.name] is None or against[s.name].mann_whitney_p >= alpha)
    beaten = tuple(s.name for s in ranked[1:] if s.name not in tied)
    significant = runner in beaten
    return Comparison(variants, pairs, best, runner, significant, tied, beaten,
                      _recommend(ranked, against, tied, beaten, alpha, metric, lower_is_better), alpha, lower_is_better)


def _recommend(ranked, against, tied, beaten, alpha, metric, lower_is_better) -> str:
    best, runner = ranked[0], ranked[1]
    word = "lower" if lower_is_better else "higher"
    test = against[runner.name]
    if test is None:
        return (f"{best.name} has the {word} median {metric} ({best.median:.4g} vs {runner.median:.4g} for "
                f"{runner.name}), but with fewer than 2 values per variant there is no test; use more seeds")
    evidence = f"Mann–Whitney p = {test.mann_whitney_p:.3g} (Holm), Cliff's δ = {abs(test.cliffs_delta):.2f} ({test.effect})"
    if not tied:
        return (f"use {best.name}: its median {metric} {best.median:.4g} is {word} than the runner-up {runner.name}'s "
                f"{runner.median:.4g} at the {alpha:g} level ({evidence}), and than every other variant's")
    text = (f"no significant difference between {best.name} (the {word} median {metric}, {best.median:.4g}) and "
            f"{', '.join(tied)} (runner-up {runner.median:.4g}; {evidence}); pick any of them, or add seeds")
    if beaten:
        worst_p = max(against[n].mann_whitney_p for n in beaten)
        text += f". {best.name} is better than {', '.join(beaten)} at the {alpha:g} level (p <= {worst_p:.3g}, Holm)"
    return text
