"""Analyses of finished trainings (no I/O): statistical comparison of variants over seeds."""

from .comparison import Comparison, PairTest, VariantStats, cliffs_delta, compare_samples, holm

__all__ = ["Comparison", "PairTest", "VariantStats", "cliffs_delta", "compare_samples", "holm"]
