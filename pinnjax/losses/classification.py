"""Classification losses: predictions are logits (``from_logits=True``) or probabilities.

Per point (AbstractTargetLoss, pointwise -> (N,)): BinaryCrossEntropy, CategoricalCrossEntropy,
Focal, TreeLoss. Over the batch (AbstractBatchLoss): SoftF1, SoftFBeta, MCC.

Categorical targets are either integer class ids, shape (N,) for predictions (N, K), or
probability rows (one-hot or soft), shape (N, K); the shape decides which. Binary targets
have the prediction's shape and lie in [0, 1]. Probabilities given as predictions are
clipped to [eps, 1] inside logarithms (eps: the dtype's machine epsilon), so that a
perfect prediction has a finite loss and gradient.
"""

from __future__ import annotations

from collections import deque

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .base import (
    AbstractBatchLoss,
    AbstractTargetLoss,
    check_bool,
    check_interval,
    check_nonnegative,
    check_positive,
    per_point,
    safe_log,
)


def _float(x) -> jax.Array:
    x = jnp.asarray(x)
    return x if jnp.issubdtype(x.dtype, jnp.floating) else x.astype(jnp.result_type(float))


def _binary(pred, from_logits: bool):
    """(p, log p, log(1 - p)) from logits or probabilities."""
    pred = _float(pred)
    if from_logits:
        return jax.nn.sigmoid(pred), jax.nn.log_sigmoid(pred), jax.nn.log_sigmoid(-pred)
    return pred, safe_log(pred), safe_log(1.0 - pred)


def _categorical(pred, from_logits: bool):
    """(p, log p) over the last axis from logits or probabilities (N, K)."""
    pred = _float(pred)
    if pred.ndim != 2:
        raise ValueError(f"categorical predictions must have shape (N, K), got {pred.shape}")
    if from_logits:
        logp = jax.nn.log_softmax(pred, axis=-1)
        return jnp.exp(logp), logp
    return pred, safe_log(pred)


def target_rows(target, pred_shape: tuple[int, ...], dtype) -> jax.Array:
    """Class targets as probability rows (N, K): integer ids (N,) become one-hot rows."""
    target = jnp.asarray(target)
    n, k = pred_shape
    if target.shape == (n,):
        if jnp.issubdtype(target.dtype, jnp.floating):
            target = target.astype(jnp.int32)
        return jax.nn.one_hot(target, k, dtype=dtype)
    if target.shape == (n, k):
        return target.astype(dtype)
    raise ValueError(f"class targets must be ids of shape ({n},) or rows of shape ({n}, {k}), got {target.shape}")


class BinaryCrossEntropy(AbstractTargetLoss):
    """-[y log p + (1 - y) log(1 - p)] per point (extra axes summed), with y smoothed to
    y(1 - label_smoothing) + label_smoothing/2."""

    from_logits: bool = eqx.field(static=True, default=True)
    label_smoothing: float = eqx.field(static=True, default=0.0)

    def __check_init__(self):
        check_bool("from_logits", self.from_logits)
        check_interval("label_smoothing", self.label_smoothing, 0.0, 1.0, closed_lo=True, closed_hi=True)

    def pointwise(self, pred, target):
        _, logp, log1mp = _binary(pred, self.from_logits)
        y = jnp.asarray(target).astype(logp.dtype)
        y = y * (1.0 - self.label_smoothing) + 0.5 * self.label_smoothing
        return per_point(-(y * logp + (1.0 - y) * log1mp))


class CategoricalCrossEntropy(AbstractTargetLoss):
    """-sum_k q_k log p_k per point, pred (N, K), target ids (N,) or rows (N, K), with q
    smoothed to q(1 - label_smoothing) + label_smoothing/K."""

    from_logits: bool = eqx.field(static=True, default=True)
    label_smoothing: float = eqx.field(static=True, default=0.0)

    def __check_init__(self):
        check_bool("from_logits", self.from_logits)
        check_interval("label_smoothing", self.label_smoothing, 0.0, 1.0, closed_lo=True, closed_hi=True)

    def pointwise(self, pred, target):
        _, logp = _categorical(pred, self.from_logits)
        q = target_rows(target, logp.shape, logp.dtype)
        q = q * (1.0 - self.label_smoothing) + self.label_smoothing / logp.shape[-1]
        return -(q * logp).sum(axis=-1)


def _tuple_if_list(value):
    return tuple(value) if isinstance(value, list) else value


class Focal(AbstractTargetLoss):
    """Focal loss: cross entropy with each class's term weighted by alpha (1 - p)^gamma; equals
    the cross entropy at gamma = 0 and alpha None. Binary (sigmoid, the default) or
    ``multiclass=True`` (softmax over (N, K), targets ids or rows)."""

    gamma: float = eqx.field(static=True, default=2.0)
    alpha: float | tuple[float, ...] | None = eqx.field(static=True, default=None, converter=_tuple_if_list)
    from_logits: bool = eqx.field(static=True, default=True)
    multiclass: bool = eqx.field(static=True, default=False)

    def __check_init__(self):
        check_nonnegative("gamma", self.gamma)
        check_bool("from_logits", self.from_logits)
        check_bool("multiclass", self.multiclass)
        if self.alpha is None:
            return
        if self.multiclass:
            if not (isinstance(self.alpha, tuple) and self.alpha
                    and all(isinstance(a, (int, float)) and a >= 0 for a in self.alpha)):
                raise ValueError(f"alpha must be None or a tuple of per-class weights >= 0 for a multiclass "
                                 f"focal loss, got {self.alpha!r}")
        else:
            check_interval("alpha", self.alpha, 0.0, 1.0, closed_lo=True, closed_hi=True)

    def _modulate(self, one_minus_p):
        return 1.0 if self.gamma == 0 else one_minus_p**self.gamma

    def pointwise(self, pred, target):
        if self.multiclass:
            p, logp = _categorical(pred, self.from_logits)
            q = target_rows(target, logp.shape, logp.dtype)
            weight = 1.0
            if self.alpha is not None:
                if len(self.alpha) != logp.shape[-1]:
                    raise ValueError(f"alpha has {len(self.alpha)} weights for {logp.shape[-1]} classes")
                weight = jnp.asarray(self.alpha, dtype=logp.dtype)[None, :]
            return -(weight * q * self._modulate(1.0 - p) * logp).sum(axis=-1)
        p, logp, log1mp = _binary(pred, self.from_logits)
        one_minus_p = jax.nn.sigmoid(-_float(pred)) if self.from_logits else 1.0 - p
        y = jnp.asarray(target).astype(logp.dtype)
        a = 1.0 if self.alpha is None else self.alpha
        b = 1.0 if self.alpha is None else 1.0 - self.alpha
        positive = a * y * self._modulate(one_minus_p) * logp
        negative = b * (1.0 - y) * self._modulate(p) * log1mp
        return per_point(-(positive + negative))


def _confusion(pred, target, from_logits: bool):
    pred = _float(pred)
    p = jax.nn.sigmoid(pred) if from_logits else pred
    y = jnp.asarray(target).astype(p.dtype)
    tp = jnp.sum(p * y)
    fp = jnp.sum(p * (1.0 - y))
    fn = jnp.sum((1.0 - p) * y)
    tn = jnp.sum((1.0 - p) * (1.0 - y))
    return tp, fp, fn, tn


def soft_fbeta_score(probs, target, beta: float = 1.0) -> jax.Array:
    """F-beta from the soft confusion counts TP = sum p y, FP = sum p (1 - y), FN = sum (1 - p) y
    (all entries pooled): (1 + b²) TP / ((1 + b²) TP + b² FN + FP); 1 when there are neither
    predicted nor actual positives. Equals the hard F-beta for 0/1 predictions."""
    tp, fp, fn, _ = _confusion(probs, target, False)
    b2 = beta * beta
    den = (1.0 + b2) * tp + b2 * fn + fp
    ok = den > 0
    return jnp.where(ok, (1.0 + b2) * tp / jnp.where(ok, den, 1.0), 1.0)


def soft_mcc(probs, target) -> jax.Array:
    """Matthews correlation (TP TN - FP FN) / sqrt((TP+FP)(TP+FN)(TN+FP)(TN+FN)) of the soft
    confusion counts; 0 when a factor of the denominator is 0 (as scikit-learn does: all
    labels, or all predictions, in one class). Equals the hard MCC for 0/1 predictions."""
    tp, fp, fn, tn = _confusion(probs, target, False)
    den = (tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)
    ok = den > 0
    return jnp.where(ok, (tp * tn - fp * fn) / jnp.sqrt(jnp.where(ok, den, 1.0)), 0.0)


class SoftFBeta(AbstractBatchLoss):
    """1 - soft F-beta of the batch (probabilities of the positive class vs 0/1 labels)."""

    beta: float = eqx.field(static=True, default=1.0)
    from_logits: bool = eqx.field(static=True, default=False)

    def __check_init__(self):
        check_positive("beta", self.beta)
        check_bool("from_logits", self.from_logits)

    def batch(self, pred, target):
        p = jax.nn.sigmoid(_float(pred)) if self.from_logits else pred
        return 1.0 - soft_fbeta_score(p, target, self.beta)


class SoftF1(AbstractBatchLoss):
    """1 - soft F1 of the batch (probabilities of the positive class vs 0/1 labels)."""

    from_logits: bool = eqx.field(static=True, default=False)

    def __check_init__(self):
        check_bool("from_logits", self.from_logits)

    def batch(self, pred, target):
        p = jax.nn.sigmoid(_float(pred)) if self.from_logits else pred
        return 1.0 - soft_fbeta_score(p, target, 1.0)


class MCC(AbstractBatchLoss):
    """1 - soft Matthews correlation of the batch (in [0, 2]; 1 when it is undefined)."""

    from_logits: bool = eqx.field(static=True, default=False)

    def __check_init__(self):
        check_bool("from_logits", self.from_logits)

    def batch(self, pred, target):
        p = jax.nn.sigmoid(_float(pred)) if self.from_logits else pred
        return 1.0 - soft_mcc(p, target)


def tree_distances(parents: tuple[int, ...]) -> np.ndarray:
    """Edge counts between every pair of nodes of the tree given by parent indices (-1: root)."""
    n = len(parents)
    roots = [i for i, p in enumerate(parents) if p == -1]
    if len(roots) != 1:
        raise ValueError(f"parents must name exactly one root (-1), got {len(roots)}")
    bad = [p for p in parents if not (isinstance(p, (int, np.integer)) and -1 <= p < n)]
    if bad:
        raise ValueError(f"parents must be node indices in [0, {n}) or -1, got {bad[0]!r}")
    neighbours: list[list[int]] = [[] for _ in range(n)]
    for child, parent in enumerate(parents):
        if parent >= 0:
            if parent == child:
                raise ValueError(f"parents: node {child} is its own parent")
            neighbours[child].append(parent)
            neighbours[parent].append(child)
    dist = np.full((n, n), -1, dtype=np.int64)
    for source in range(n):
        dist[source, source] = 0
        queue = deque([source])
        while queue:
            node = queue.popleft()
            for other in neighbours[node]:
                if dist[source, other] < 0:
                    dist[source, other] = dist[source, node] + 1
                    queue.append(other)
    if (dist < 0).any():
        raise ValueError("parents must form one tree (a cycle leaves some nodes unreachable from the root)")
    return dist


class TreeLoss(AbstractTargetLoss):
    """Expected tree distance sum_k p_k d(k, y) under the predicted class distribution.

    ``parents[i]`` is node i's parent (-1 for the root); d counts edges. With
    ``classes="leaves"`` (the default) the classes are the leaves in increasing node order;
    with ``classes="nodes"`` every node is a class, class i = node i. Targets are class ids
    (N,) or probability rows (N, K) (then sum_kj p_k d(k, j) q_j). Distances are computed
    once, at construction."""

    parents: tuple[int, ...] = eqx.field(static=True)
    classes: str = eqx.field(static=True)
    from_logits: bool = eqx.field(static=True)
    nodes: tuple[int, ...] = eqx.field(static=True)
    distances: tuple[tuple[int, ...], ...] = eqx.field(static=True)

    def __init__(self, parents, classes: str = "leaves", from_logits: bool = True):
        self.parents = tuple(int(p) for p in parents)
        self.classes = classes
        self.from_logits = from_logits
        if classes not in ("leaves", "nodes"):
            raise ValueError(f"classes must be 'leaves' or 'nodes', got {classes!r}")
        dist = tree_distances(self.parents)
        if classes == "leaves":
            has_child = {p for p in self.parents if p >= 0}
            nodes = [i for i in range(len(self.parents)) if i not in has_child]
        else:
            nodes = list(range(len(self.parents)))
        self.nodes = tuple(nodes)
        self.distances = tuple(tuple(int(v) for v in row) for row in dist[np.ix_(nodes, nodes)])

    def __check_init__(self):
        check_bool("from_logits", self.from_logits)

    def pointwise(self, pred, target):
        p, _ = _categorical(pred, self.from_logits)
        d = jnp.asarray(self.distances, dtype=p.dtype)
        if p.shape[-1] != d.shape[0]:
            raise ValueError(f"the tree has {d.shape[0]} classes ({self.classes}), the prediction {p.shape[-1]}")
        q = target_rows(target, p.shape, p.dtype)
        return jnp.sum(p * (q @ d), axis=-1)
