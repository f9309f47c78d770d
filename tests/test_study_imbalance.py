"""experiments/study_imbalance.py's data and scores: the 1:20 ratio, label flips that keep it,
and the scores of hard predictions equal to F1 and MCC counted by hand."""

import sys
from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "experiments"))
import study_imbalance as imb  # noqa: E402


def test_the_minority_covers_one_part_in_21_and_flips_keep_the_counts():
    x = np.random.default_rng(0).uniform(-1, 1, (400_000, 2))
    assert imb.labels(x).mean() == pytest.approx(1 / 21, abs=0.001)  # binomial sd 3e-4
    x, y = imb.draw(3, 2000, 0.03)
    clean = imb.labels(x)
    k = int(round(0.03 * clean.sum()))
    assert y.sum() == clean.sum()  # as many majority labels flipped up as minority down
    assert np.sum((clean == 1) & (y == 0)) == k and np.sum((clean == 0) & (y == 1)) == k


def test_one_disc_found_and_one_missed_scores_two_thirds():
    x = np.random.default_rng(1).uniform(-1, 1, (20_000, 2))
    y = imb.labels(x)
    near_first = np.linalg.norm(x - imb.CENTRES[0], axis=1) < imb.RADIUS
    f1, mcc = (np.asarray(v) for v in imb.scores_of(jnp.asarray(near_first, float)[None], jnp.asarray(y)))
    tp, fn = np.sum(near_first & (y == 1)), np.sum(~near_first & (y == 1))
    assert f1[0] == pytest.approx(2 * tp / (2 * tp + fn), abs=1e-6) and f1[0] == pytest.approx(2 / 3, abs=0.02)
    tn, fp = np.sum(~near_first & (y == 0)), 0
    expected = (tp * tn - fp * fn) / np.sqrt(float(tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    assert mcc[0] == pytest.approx(expected, abs=1e-6)  # float32 scores
