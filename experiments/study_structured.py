"""Loss lab, study 4: structured outputs, three toys, each variant over several seeds (medians).

Every model is an ``equinox.nn.MLP`` (tanh) trained full-batch by Adam (optax) in one
``lax.scan``; a seed draws the data, the split and the initialization. float32.

a. Sequence labelling with contiguous segments. 3 classes, signal level (-1, 0, 1) per class
   plus N(0, 1) noise, sequences of 128 positions whose labels come in runs of 8-40 positions
   (each run a different class from the one before). A per-position classifier: an MLP on the
   window of the 15 noisy values around the position (edge-padded) -> 3 logits, 2 x 32 hidden.
   Trained on 24 sequences with the categorical cross-entropy alone, or plus lam times the
   Jensen-Shannon smoothness (``js_smoothness``: the mean JS divergence between neighbouring
   positions' predicted distributions, per sequence). Judged on 64 held-out sequences by the
   per-position accuracy of the argmax labels, their boundaries per sequence (positions whose
   label differs from the one before) against the truth's, and the spurious ones: predicted
   boundaries with no true boundary within 3 positions.
b. Hierarchical classification. A tree of 13 nodes (root, 3 groups of 3 leaves; parent links
   ``PARENTS``), the 9 leaves the classes: siblings 2 apart, cousins 4. 2-D inputs: group
   centres at radius 2 (90, 210, 330 degrees), each leaf 1 from its group centre (towards 0, 120
   and 240 degrees turned with the group), N(0, 0.6²) around its leaf centre; 50 training points
   per class, 400 test points per class. MLP 2 x 64. Variants: cross-entropy (CE); CE + lam x
   the tree loss (``TreeLoss``: the expected tree distance under the predicted distribution);
   the tree loss alone; and, without retraining, the CE model with the decision that minimizes
   the expected tree distance under its own probabilities (argmin_k sum_j p_j d(k, j)).
   Judged by accuracy, the mean tree distance of the mistakes, the mean tree distance over all
   test points, and the share of mistakes that leave their group.
c. Spelling correction. A dictionary of 40 words of 5 letters over a 6-letter alphabet, drawn at
   random with every pair at least 3 edits apart (so one edit is correctable). Inputs: every
   word with one edit (each distinct substitution, deletion, insertion), padded to 6 with a
   pad symbol and one-hot encoded; per word, half of its corruptions train and half are held
   out. The MLP (2 x 128) outputs 5 distributions over the 6 letters. Trained with the
   per-position cross-entropy against the clean word, or the soft edit distance
   (``soft_edit_distance``, temperature 0.1) of the softmax to the clean word, or both summed.
   Judged on the held-out corruptions by the exact Levenshtein distance of the argmax string
   to the clean word (mean) and the share corrected exactly; copying the input scores 1.

    python experiments/study_structured.py [--toys a b c] [--seeds 5] [--no-figure] [--write]
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from results import write_section  # noqa: E402

from pinnjax.losses import TreeLoss, get_loss, js_smoothness, levenshtein, tree_distances  # noqa: E402

FIGURE = HERE / "figures" / "study_structured.png"


# ---------------------------------------------------------------- training


def train(model, loss: Callable, data: tuple, steps: int, lr: float):
    """Adam on loss(model, *data) for ``steps`` full-batch steps, in one compiled scan."""
    params, static = eqx.partition(model, eqx.is_inexact_array)
    optimizer = optax.adam(lr)

    @jax.jit
    def run(params, data):
        def step(carry, _):
            params, state = carry
            value, grads = jax.value_and_grad(lambda p: loss(eqx.combine(p, static), *data))(params)
            with jax.numpy_dtype_promotion("standard"):  # optax raises its int step counter to float powers
                updates, state = optimizer.update(grads, state, params)
            return (optax.apply_updates(params, updates), state), value

        (params, _), values = jax.lax.scan(step, (params, optimizer.init(params)), None, length=steps)
        return params, values

    params, values = run(params, data)
    return eqx.combine(params, static), np.asarray(values)


# ---------------------------------------------------------------- a. sequence labelling

SEQ_CLASSES = 3
SEQ_LENGTH = 128
SEQ_WINDOW = 9
SEQ_NOISE = 0.8
SEQ_RUNS = (8, 40)
SEQ_FILTER = 7  # width of the post-hoc mode filter
SEQ_TOLERANCE = 3


def segment_labels(rng: np.random.Generator, n: int, length: int = SEQ_LENGTH) -> np.ndarray:
    """(n, length) labels in runs of SEQ_RUNS positions, each run a new class."""
    labels = np.empty((n, length), dtype=np.int32)
    for s in range(n):
        t, c = 0, int(rng.integers(SEQ_CLASSES))
        while t < length:
            run = int(rng.integers(SEQ_RUNS[0], SEQ_RUNS[1] + 1))
            labels[s, t:t + run] = c
            t += run
            c = (c + 1 + int(rng.integers(SEQ_CLASSES - 1))) % SEQ_CLASSES
    return labels


def windows(signal: np.ndarray, width: int) -> np.ndarray:
    """(n, T) -> (n, T, width): the values around each position, edges padded by repetition."""
    half = width // 2
    padded = np.pad(signal, ((0, 0), (half, half)), mode="edge")
    return np.stack([padded[:, k:k + signal.shape[1]] for k in range(width)], axis=-1)


def sequence_data(rng: np.random.Generator, n: int):
    labels = segment_labels(rng, n)
    signal = (labels - 1.0) + SEQ_NOISE * rng.standard_normal(labels.shape)
    return windows(signal, SEQ_WINDOW).astype(np.float32), labels


def boundaries(labels: np.ndarray) -> np.ndarray:
    """Positions t >= 1 with labels[t] != labels[t - 1] (one sequence)."""
    return np.flatnonzero(labels[1:] != labels[:-1]) + 1


def spurious_boundaries(pred: np.ndarray, truth: np.ndarray, tolerance: int = SEQ_TOLERANCE) -> int:
    """Predicted boundaries with no true boundary within ``tolerance`` positions."""
    true_b = boundaries(truth)
    return int(sum(1 for b in boundaries(pred) if true_b.size == 0 or np.abs(true_b - b).min() > tolerance))


def mode_filter(labels: np.ndarray, width: int = SEQ_FILTER) -> np.ndarray:
    """(n, T) labels -> the most frequent label in the window of ``width`` around each position
    (edges padded by repetition; ties to the smaller label)."""
    counts = windows(np.eye(SEQ_CLASSES, dtype=np.int64)[labels].transpose(2, 0, 1).reshape(-1, labels.shape[1]),
                     width).sum(axis=-1).reshape(SEQ_CLASSES, *labels.shape)
    return np.argmax(counts, axis=0)


def sequence_scores(pred: np.ndarray, truth: np.ndarray) -> dict:
    return {"accuracy": float(np.mean(pred == truth)),
            "boundaries": float(np.mean([boundaries(p).size for p in pred])),
            "true_boundaries": float(np.mean([boundaries(t).size for t in truth])),
            "spurious": float(np.mean([spurious_boundaries(p, t) for p, t in zip(pred, truth)]))}


def sequence_loss(lam: float):
    ce = get_loss("categorical_cross_entropy")

    def loss(model, x, y):
        logits = jax.vmap(jax.vmap(model))(x)  # (n, T, K)
        value = ce.value(logits.reshape(-1, SEQ_CLASSES), y.reshape(-1))
        if lam:
            value = value + lam * jnp.mean(jax.vmap(js_smoothness)(jax.nn.softmax(logits, axis=-1)))
        return value

    return loss


SEQ_LAMS = (0.0, 10.0, 100.0, 1000.0)


def run_sequence(seed: int, lams=SEQ_LAMS, steps: int = 1500, n_train: int = 24, n_test: int = 64) -> dict:
    """Toy a for one seed: {variant: scores}, and the test predictions {variant: (n_test, T)}."""
    rng = np.random.default_rng(seed)
    x, y = sequence_data(rng, n_train)
    xt, yt = sequence_data(rng, n_test)
    scores, preds = {}, {"truth": yt}
    for lam in lams:
        model = eqx.nn.MLP(SEQ_WINDOW, SEQ_CLASSES, 32, 2, activation=jnp.tanh, key=jax.random.key(seed))
        model, _ = train(model, sequence_loss(lam), (jnp.asarray(x), jnp.asarray(y)), steps, 3e-3)
        pred = np.asarray(jnp.argmax(jax.vmap(jax.vmap(model))(jnp.asarray(xt)), axis=-1))
        name = "cross-entropy" if lam == 0 else f"cross-entropy + {lam:g} x JS smoothness"
        scores[name], preds[name] = sequence_scores(pred, yt), pred
        if lam == 0:
            filtered = mode_filter(pred)
            name = f"cross-entropy, then a mode filter of width {SEQ_FILTER}"
            scores[name], preds[name] = sequence_scores(filtered, yt), filtered
    return scores, preds


# ---------------------------------------------------------------- b. hierarchical classification

PARENTS = (-1, 0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3)
LEAF_GROUP = np.repeat(np.arange(3), 3)  # class (leaf) -> its group
GEOMETRIES = {  # name -> (leaf offset from its group centre per group, group radius, noise)
    "even groups": ((1.0, 1.0, 1.0), 2.0, 0.6),
    "group 1's leaves close together": ((0.15, 1.0, 1.0), 1.5, 0.5),
}


def leaf_distances() -> np.ndarray:
    """(9, 9) tree distances between the leaves (the classes)."""
    return tree_distances(PARENTS)[np.ix_(range(4, 13), range(4, 13))]


def leaf_centres(offsets, radius: float) -> np.ndarray:
    """(9, 2): group centres at ``radius`` (90, 210, 330 degrees), leaves ``offsets[g]`` from them."""
    centres = []
    for g, angle in enumerate(np.deg2rad([90.0, 210.0, 330.0])):
        c = radius * np.array([np.cos(angle), np.sin(angle)])
        for k in range(3):
            a = angle + np.deg2rad(120.0 * k)
            centres.append(c + offsets[g] * np.array([np.cos(a), np.sin(a)]))
    return np.array(centres)


def hierarchy_data(rng: np.random.Generator, per_class: int, geometry: str):
    offsets, radius, noise = GEOMETRIES[geometry]
    y = np.repeat(np.arange(9, dtype=np.int32), per_class)
    x = leaf_centres(offsets, radius)[y] + noise * rng.standard_normal((y.size, 2))
    return x.astype(np.float32), y


def bayes_probs(x: np.ndarray, geometry: str) -> np.ndarray:
    """The true class probabilities (equal priors, isotropic Gaussians) at x (n, 2)."""
    offsets, radius, noise = GEOMETRIES[geometry]
    logp = -((x[:, None, :] - leaf_centres(offsets, radius)[None]) ** 2).sum(-1) / (2 * noise**2)
    logp -= logp.max(axis=1, keepdims=True)
    p = np.exp(logp)
    return p / p.sum(axis=1, keepdims=True)


def hierarchy_loss(ce_weight: float, tree_weight: float):
    ce = get_loss("categorical_cross_entropy")
    tree = get_loss("tree", parents=PARENTS)

    def loss(model, x, y):
        logits = jax.vmap(model)(x)
        value = 0.0
        if ce_weight:
            value = value + ce_weight * ce.value(logits, y)
        if tree_weight:
            value = value + tree_weight * tree.value(logits, y)
        return value

    return loss


def tree_decision(probs: np.ndarray, distances: np.ndarray) -> np.ndarray:
    """argmin_k sum_j p_j d(k, j): the class of least expected tree distance."""
    return np.argmin(probs @ distances.T, axis=-1)


def mistake_stats(pred: np.ndarray, y: np.ndarray, distances: np.ndarray) -> dict:
    """Accuracy, mean tree distance of the mistakes and of all points, share of mistakes leaving their group."""
    d = distances[pred, y]
    wrong = pred != y
    return {"accuracy": float(np.mean(~wrong)),
            "mistake_distance": float(d[wrong].mean()) if wrong.any() else 0.0,
            "mean_distance": float(d.mean()),
            "cross_group": float(np.mean(LEAF_GROUP[pred[wrong]] != LEAF_GROUP[y[wrong]])) if wrong.any() else 0.0}


HIER_VARIANTS = {  # name -> (ce weight, tree weight, decision); None weights: the true probabilities
    "cross-entropy": (1.0, 0.0, "argmax"),
    "cross-entropy, tree-cost decision": (1.0, 0.0, "tree"),
    "cross-entropy + tree loss": (1.0, 1.0, "argmax"),
    "tree loss alone": (0.0, 1.0, "argmax"),
    "reference: true probabilities, argmax": (None, None, "argmax"),
    "reference: true probabilities, tree-cost decision": (None, None, "tree"),
}


def run_hierarchy(seed: int, geometry: str, steps: int = 600, per_class: int = 200,
                  per_class_test: int = 1000) -> dict:
    """All variants of toy b for one seed and geometry (the tree-cost decisions reuse the CE model)."""
    rng = np.random.default_rng(seed)
    x, y = hierarchy_data(rng, per_class, geometry)
    xt, yt = hierarchy_data(rng, per_class_test, geometry)
    distances = leaf_distances()
    out, probs_by_weights = {}, {(None, None): bayes_probs(xt.astype(np.float64), geometry)}
    for name, (wc, wt, decision) in HIER_VARIANTS.items():
        if (wc, wt) not in probs_by_weights:
            model = eqx.nn.MLP(2, 9, 64, 2, activation=jnp.tanh, key=jax.random.key(seed))
            model, _ = train(model, hierarchy_loss(wc, wt), (jnp.asarray(x), jnp.asarray(y)), steps, 3e-3)
            probs_by_weights[(wc, wt)] = np.asarray(jax.nn.softmax(jax.vmap(model)(jnp.asarray(xt)), axis=-1))
        probs = probs_by_weights[(wc, wt)]
        pred = tree_decision(probs, distances) if decision == "tree" else np.argmax(probs, axis=-1)
        out[name] = mistake_stats(pred, yt, distances)
    return out


# ---------------------------------------------------------------- c. spelling correction

ALPHABET = 6
WORD = 5
PAD = ALPHABET  # the input's pad symbol
DICTIONARY = 40
MIN_DISTANCE = 3


def dictionary(rng: np.random.Generator, n: int = DICTIONARY) -> list[tuple[int, ...]]:
    """n random words, each at least MIN_DISTANCE edits from every other."""
    words: list[tuple[int, ...]] = []
    while len(words) < n:
        w = tuple(int(c) for c in rng.integers(ALPHABET, size=WORD))
        if all(levenshtein(w, v) >= MIN_DISTANCE for v in words):
            words.append(w)
    return words


def corruptions(word: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Every distinct string one substitution, deletion or insertion away from ``word``."""
    out = set()
    for i in range(len(word)):
        out.add(word[:i] + word[i + 1:])
        for c in range(ALPHABET):
            if c != word[i]:
                out.add(word[:i] + (c,) + word[i + 1:])
    for i in range(len(word) + 1):
        for c in range(ALPHABET):
            out.add(word[:i] + (c,) + word[i:])
    out.discard(word)
    return sorted(out)


def encode(strings: list[tuple[int, ...]]) -> np.ndarray:
    """Strings of length <= WORD + 1 -> one-hot (n, (WORD + 1) (ALPHABET + 1)), padded with PAD."""
    ids = np.full((len(strings), WORD + 1), PAD, dtype=np.int32)
    for k, s in enumerate(strings):
        ids[k, :len(s)] = s
    return np.eye(ALPHABET + 1, dtype=np.float32)[ids].reshape(len(strings), -1)


def spelling_data(seed: int):
    """Training and held-out (one-hot inputs, clean ids), the held-out strings, the dictionary."""
    rng = np.random.default_rng(seed)
    words = dictionary(rng)
    train_in, train_out, test_in, test_out = [], [], [], []
    for w in words:
        cs = corruptions(w)
        order = rng.permutation(len(cs))
        half = len(cs) // 2
        train_in += [cs[i] for i in order[:half]]
        test_in += [cs[i] for i in order[half:]]
        train_out += [w] * half
        test_out += [w] * (len(cs) - half)
    return {"x": encode(train_in), "y": np.array(train_out, dtype=np.int32), "test_strings": test_in,
            "xt": encode(test_in), "yt": np.array(test_out, dtype=np.int32), "words": words}


SPELL_TEMPERATURE = 0.1


def spelling_loss(ce_weight: float, sed_weight: float, temperature: float = SPELL_TEMPERATURE):
    ce = get_loss("categorical_cross_entropy")
    sed = get_loss("soft_edit_distance", temperature=temperature, from_logits=True)

    def loss(model, x, y):
        logits = jax.vmap(model)(x).reshape(x.shape[0], WORD, ALPHABET)
        value = 0.0
        if ce_weight:
            value = value + ce_weight * ce.value(logits.reshape(-1, ALPHABET), y.reshape(-1))
        if sed_weight:
            value = value + sed_weight * sed.value(logits, y)
        return value

    return loss


SPELL_VARIANTS = {  # name -> (ce weight, soft edit distance weight)
    "per-position cross-entropy": (1.0, 0.0),
    "soft edit distance": (0.0, 1.0),
    "cross-entropy + soft edit distance": (1.0, 1.0),
}


def mean_edit_distance(pred: np.ndarray, target: np.ndarray) -> tuple[float, float]:
    """(mean exact Levenshtein distance, share of exact matches) of predicted against target strings."""
    dist = np.array([levenshtein(p, t) for p, t in zip(pred, target)])
    return float(dist.mean()), float(np.mean(dist == 0))


def run_spelling(seed: int, steps: int = 2000) -> dict:
    """Toy c for one seed: {variant: scores}, references included."""
    data = spelling_data(seed)
    x, y = jnp.asarray(data["x"]), jnp.asarray(data["y"])
    out = {}
    for name, (wc, ws) in SPELL_VARIANTS.items():
        model = eqx.nn.MLP(x.shape[1], WORD * ALPHABET, 128, 2, activation=jnp.tanh, key=jax.random.key(seed))
        model, _ = train(model, spelling_loss(wc, ws), (x, y), steps, 3e-3)
        predict = lambda inputs: np.asarray(  # noqa: E731
            jnp.argmax(jax.vmap(model)(jnp.asarray(inputs)).reshape(-1, WORD, ALPHABET), axis=-1))
        test, exact = mean_edit_distance(predict(data["xt"]), data["yt"])
        out[name] = {"edit_distance": test, "exact": exact,
                     "train_edit_distance": mean_edit_distance(predict(data["x"]), data["y"])[0]}
    copy = mean_edit_distance(data["test_strings"], data["yt"])
    out["reference: copy the input"] = {"edit_distance": copy[0], "exact": copy[1], "train_edit_distance": 1.0}
    nearest = [min(data["words"], key=lambda w: levenshtein(s, w)) for s in data["test_strings"]]
    look = mean_edit_distance(nearest, data["yt"])
    out["reference: nearest dictionary word"] = {"edit_distance": look[0], "exact": look[1],
                                                 "train_edit_distance": 0.0}
    return out


# ---------------------------------------------------------------- tables, figure, main


def medians(per_seed: list[dict]) -> dict:
    """{variant: {metric: median over seeds}} from one {variant: {metric: value}} per seed."""
    return {v: {m: statistics.median(r[v][m] for r in per_seed) for m in per_seed[0][v]} for v in per_seed[0]}


def fewer(per_seed: list[dict], variant: str, base: str, metric: str) -> str:
    """'k/n': the seeds in which ``variant`` has a lower ``metric`` than ``base`` ('-' for base itself or a reference)."""
    if variant == base or variant.startswith("reference"):
        return "-"
    return f"{sum(r[variant][metric] < r[base][metric] for r in per_seed)}/{len(per_seed)}"


def sequence_table(per_seed: list[dict]) -> str:
    rows = ["| variant | accuracy | boundaries per sequence (truth) | spurious boundaries per sequence | "
            "seeds with fewer spurious than cross-entropy |", "|---|---|---|---|---|"]
    for v, m in medians(per_seed).items():
        rows.append(f"| {v} | {m['accuracy']:.3f} | {m['boundaries']:.1f} ({m['true_boundaries']:.1f}) | "
                    f"{m['spurious']:.1f} | {fewer(per_seed, v, 'cross-entropy', 'spurious')} |")
    return "\n".join(rows)


def hierarchy_table(per_geometry: dict) -> str:
    rows = ["| geometry | variant | accuracy | mean tree distance of mistakes (seeds lower than CE) | "
            "mean tree distance, all points (seeds lower than CE) | mistakes leaving their group |",
            "|---|---|---|---|---|---|"]
    for geometry, per_seed in per_geometry.items():
        for v, m in medians(per_seed).items():
            rows.append(f"| {geometry} | {v} | {m['accuracy']:.3f} | {m['mistake_distance']:.3f} "
                        f"({fewer(per_seed, v, 'cross-entropy', 'mistake_distance')}) | {m['mean_distance']:.3f} "
                        f"({fewer(per_seed, v, 'cross-entropy', 'mean_distance')}) | {m['cross_group']:.3f} |")
    return "\n".join(rows)


def spelling_table(per_seed: list[dict]) -> str:
    rows = ["| variant | mean edit distance, held out | seeds lower than cross-entropy | corrected exactly, held out | "
            "mean edit distance, training |", "|---|---|---|---|---|"]
    base = "per-position cross-entropy"
    for v, m in medians(per_seed).items():
        rows.append(f"| {v} | {m['edit_distance']:.3f} | {fewer(per_seed, v, base, 'edit_distance')} | "
                    f"{m['exact']:.3f} | {m['train_edit_distance']:.3f} |")
    return "\n".join(rows)


def figure(sequence_preds: dict, per_geometry: dict, spelling: list[dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(14, 7.5), constrained_layout=True)
    grid = fig.add_gridspec(2, 2)
    ax = fig.add_subplot(grid[0, :])
    names = list(sequence_preds)
    strips = np.stack([sequence_preds[n][0] for n in names])
    ax.imshow(strips, aspect="auto", interpolation="nearest", cmap="viridis")
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.set_xlabel("position")
    ax.set_title("a. first held-out sequence (seed 0): labels by position", fontsize=10)
    ax = fig.add_subplot(grid[1, 0])
    trained = [v for v in HIER_VARIANTS if not v.startswith("reference")]
    for g, (geometry, per_seed) in enumerate(per_geometry.items()):
        for k, v in enumerate(trained):
            values = [r[v]["mean_distance"] for r in per_seed]
            ax.plot(np.full(len(values), k + 0.15 * (2 * g - 1)), values, "o", color=f"C{g}", alpha=0.7,
                    label=geometry if k == 0 else None)
        ref = statistics.median(r["reference: true probabilities, argmax"]["mean_distance"] for r in per_seed)
        ax.axhline(ref, color=f"C{g}", ls=":", lw=1)
    ax.set_xticks(range(len(trained)), [t.replace(", ", ",\n").replace(" + ", " +\n") for t in trained], fontsize=7)
    ax.set_ylabel("mean tree distance (all test points)")
    ax.set_title("b. hierarchy, per seed (dotted: true probabilities, argmax)", fontsize=10)
    ax.legend(fontsize=7)
    ax = fig.add_subplot(grid[1, 1])
    for k, v in enumerate(SPELL_VARIANTS):
        ax.plot(np.full(len(spelling), k), [r[v]["edit_distance"] for r in spelling], "o", alpha=0.7)
    ax.set_xticks(range(len(SPELL_VARIANTS)), [v.replace(" + ", " +\n") for v in SPELL_VARIANTS], fontsize=7)
    ax.set_ylabel("mean exact edit distance, held out")
    ax.set_title("c. spelling correction, per seed (copying the input: 1)", fontsize=10)
    fig.savefig(FIGURE, dpi=90)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--toys", nargs="+", default=["a", "b", "c"], choices=["a", "b", "c"])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--no-figure", action="store_true")
    parser.add_argument("--write", action="store_true", help="write the section 'Loss lab: structured outputs'")
    args = parser.parse_args()
    seeds = range(args.seeds)
    tables, times = [], {}
    sequence, preds, hierarchy, spelling = [], {}, {}, []
    if "a" in args.toys:
        t0 = time.perf_counter()
        for seed in seeds:
            scores, p = run_sequence(seed)
            sequence.append(scores)
            preds = preds or p
            print("a", seed, scores, flush=True)
        times["a"] = time.perf_counter() - t0
        tables.append("**a. Sequence labelling** (64 held-out sequences of 128 positions)\n\n" + sequence_table(sequence))
    if "b" in args.toys:
        t0 = time.perf_counter()
        for geometry in GEOMETRIES:
            hierarchy[geometry] = [run_hierarchy(seed, geometry) for seed in seeds]
            print("b", geometry, medians(hierarchy[geometry]), flush=True)
        times["b"] = time.perf_counter() - t0
        tables.append("**b. Hierarchical classification** (9,000 held-out points; siblings 2 apart, cousins 4)\n\n"
                      + hierarchy_table(hierarchy))
    if "c" in args.toys:
        t0 = time.perf_counter()
        for seed in seeds:
            spelling.append(run_spelling(seed))
            print("c", seed, spelling[-1], flush=True)
        times["c"] = time.perf_counter() - t0
        tables.append("**c. Spelling correction** (held-out one-edit corruptions of 40 dictionary words)\n\n"
                      + spelling_table(spelling))
    text = "\n\n".join(tables)
    print(text)
    print("times (s):", {k: round(v, 1) for k, v in times.items()})
    if not args.no_figure and len(args.toys) == 3:
        figure({k: v for k, v in preds.items()}, hierarchy, spelling)
    if args.write:
        write_section(
            "Loss lab: structured outputs",
            f"Medians over {args.seeds} seeds (each: data, split, initialization); MLPs (tanh) trained full-batch by Adam, "
            "float32. Toys and metrics: the docstring of experiments/study_structured.py; figure "
            f"experiments/figures/study_structured.png. Training time a / b / c: "
            + " / ".join(f"{times[k]:.0f} s" for k in ("a", "b", "c") if k in times) + " on this CPU.",
            text)


if __name__ == "__main__":
    main()
