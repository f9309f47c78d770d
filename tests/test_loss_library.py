"""The loss library (pinnjax.losses) against formulas, limits and independent computations.

Everything runs in float64: agreements with closed forms are to rounding (1e-12) unless a
test says why its tolerance is looser.
"""

import itertools
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.spatial.distance
import scipy.stats

import pinnjax.losses as L
from pinnjax.losses import LOSSES, get_loss

LN2 = math.log(2.0)


@pytest.fixture(autouse=True)
def _x64():
    with jax.enable_x64(True):
        yield


def dirichlet(rng, n, k, zeros=False):
    p = rng.dirichlet(np.ones(k), size=n)
    if zeros:  # one impossible class per row
        p[np.arange(n), rng.integers(0, k, n)] = 0.0
        p /= p.sum(axis=1, keepdims=True)
    return p


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def log_softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


# ---------------------------------------------------------------- divergences


def test_jensen_shannon_is_symmetric_bounded_by_ln2_and_matches_scipy():
    rng = np.random.default_rng(0)
    p, q = dirichlet(rng, 40, 5, zeros=True), dirichlet(rng, 40, 5)
    js = L.JensenShannon()
    pq, qp = np.asarray(js.pointwise(p, q)), np.asarray(js.pointwise(q, p))
    np.testing.assert_allclose(pq, qp, rtol=0, atol=1e-15)
    assert (pq >= 0).all() and (pq <= LN2).all()
    # scipy's jensenshannon is the square root of the divergence (natural log by default)
    expected = np.array([scipy.spatial.distance.jensenshannon(a, b) ** 2 for a, b in zip(p, q)])
    np.testing.assert_allclose(pq, expected, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(js.pointwise(p, p), 0.0, atol=1e-15)


def test_jensen_shannon_equals_ln2_for_disjoint_supports_and_kl_matches_scipy():
    p = np.array([[0.5, 0.5, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0]])
    q = np.array([[0.0, 0.0, 0.3, 0.7], [0.0, 0.2, 0.2, 0.6]])
    np.testing.assert_allclose(L.JensenShannon().pointwise(p, q), [LN2, LN2], rtol=1e-15)
    rng = np.random.default_rng(1)
    pred, target = dirichlet(rng, 10, 4), dirichlet(rng, 10, 4, zeros=True)
    expected = [scipy.stats.entropy(t, pr) for pr, t in zip(pred, target)]  # KL(target || pred)
    np.testing.assert_allclose(L.KL().pointwise(pred, target), expected, rtol=1e-12)
    logits = np.log(pred) + 3.0  # softmax(log p + c) = p
    np.testing.assert_allclose(L.KL(from_logits=True).pointwise(logits, target), expected, rtol=1e-10)


def test_js_smoothness_counts_each_jump_between_segments():
    a, b = np.array([1.0, 0.0, 0.0]), np.array([0.0, 0.5, 0.5])
    seq = np.stack([a, a, a, b, b])  # 4 consecutive pairs, one jump between disjoint supports
    assert float(L.js_smoothness(seq)) == pytest.approx(LN2 / 4, rel=1e-14)
    assert float(L.js_smoothness(np.stack([a, a]))) == 0.0
    assert float(L.js_smoothness(a[None])) == 0.0


# ---------------------------------------------------------------- F-beta and MCC


def hard_counts(pred, y):
    return (np.sum((pred == 1) & (y == 1)), np.sum((pred == 1) & (y == 0)),
            np.sum((pred == 0) & (y == 1)), np.sum((pred == 0) & (y == 0)))


@pytest.mark.parametrize("seed", range(4))
def test_soft_fbeta_and_mcc_equal_the_hard_metrics_on_hard_predictions(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 30)
    pred = np.where(rng.random(30) < 0.7, y, 1 - y)  # a classifier right about 70% of the time
    tp, fp, fn, tn = hard_counts(pred, y)
    for beta in (0.5, 1.0, 2.0):
        f = (1 + beta**2) * tp / ((1 + beta**2) * tp + beta**2 * fn + fp)
        assert float(L.SoftFBeta(beta=beta).value(pred.astype(float), y)) == pytest.approx(1 - f, abs=1e-14)
    f1 = 2 * tp / (2 * tp + fn + fp)
    assert float(L.SoftF1().value(pred.astype(float), y)) == pytest.approx(1 - f1, abs=1e-14)
    mcc = (tp * tn - fp * fn) / math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    assert float(L.soft_mcc(pred.astype(float), y)) == pytest.approx(mcc, abs=1e-14)
    assert float(L.MCC().value(pred.astype(float), y)) == pytest.approx(1 - mcc, abs=1e-14)
    # from logits: +-40 is 0/1 to rounding
    assert float(L.MCC(from_logits=True).value(80.0 * pred - 40.0, y)) == pytest.approx(1 - mcc, abs=1e-12)


def test_fbeta_and_mcc_degenerate_cases():
    zeros = np.zeros(6)
    assert float(L.soft_fbeta_score(zeros, zeros)) == 1.0  # no positives anywhere: perfect
    assert float(L.SoftF1().value(zeros, np.ones(6))) == 1.0  # all positives missed: F1 = 0
    # one class only in the labels: MCC undefined, defined as 0 (loss 1), gradient finite
    p = np.full(6, 0.3)
    assert float(L.soft_mcc(p, zeros)) == 0.0
    assert np.isfinite(jax.grad(L.MCC().value)(jnp.asarray(p), zeros)).all()
    # a perfect and a perfectly wrong prediction
    y = np.array([0, 1, 1, 0, 1.0])
    assert float(L.soft_mcc(y, y)) == pytest.approx(1.0) and float(L.soft_mcc(1 - y, y)) == pytest.approx(-1.0)


# ---------------------------------------------------------------- edit distances


def test_levenshtein_known_values():
    assert L.levenshtein("kitten", "sitting") == 3
    assert L.levenshtein("", "abc") == 3 and L.levenshtein("abc", "") == 3
    assert L.levenshtein([1, 2, 3], np.array([1, 3])) == 1


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(6))
def test_soft_edit_distance_tends_to_levenshtein_with_one_hot_probs(seed):
    rng = np.random.default_rng(seed)
    k = 4
    pred, target = rng.integers(0, k, rng.integers(2, 9)), rng.integers(0, k, rng.integers(1, 9))
    probs = np.eye(k)[pred]
    exact = L.levenshtein(pred, target)
    assert float(L.soft_edit_distance(probs, target, 0.0)) == exact
    bound = (len(pred) + len(target)) * math.log(3.0)  # each soft-min lowers a cell by <= t ln 3
    errors = []
    for t in (0.3, 0.1, 1e-3):
        soft = float(L.soft_edit_distance(probs, target, t))
        assert exact - bound * t - 1e-12 <= soft <= exact + 1e-12
        errors.append(exact - soft)
    assert errors[0] >= errors[1] >= errors[2] and errors[2] < 0.05
    # differentiable: finite gradient with respect to soft probabilities
    soft_probs = jnp.asarray(dirichlet(rng, len(pred), k))
    grad = jax.grad(L.soft_edit_distance)(soft_probs, target, 0.1)
    assert np.isfinite(grad).all() and np.abs(grad).sum() > 0


def test_soft_edit_distance_loss_class_averages_a_batch():
    rng = np.random.default_rng(7)
    probs = dirichlet(rng, 10, 3).reshape(2, 5, 3)
    target = rng.integers(0, 3, (2, 4))
    each = [float(L.soft_edit_distance(probs[i], target[i], 0.2)) for i in range(2)]
    assert float(L.SoftEditDistance(temperature=0.2).value(probs, target)) == pytest.approx(np.mean(each), rel=1e-12)


# ---------------------------------------------------------------- every loss at zero error


def _zero_error_cases():
    rng = np.random.default_rng(3)
    r = rng.normal(size=(6, 2))
    y = np.array([0, 1, 1, 0, 1, 0])
    ids = np.array([0, 2, 1, 3, 2, 0])
    onehot = np.eye(4)[ids]
    dist = dirichlet(rng, 6, 4, zeros=True)
    cases = {name: (get_loss(name), r, r) for name in
             ("mse", "mae", "rmse", "huber", "pseudo_huber", "log_cosh", "cauchy", "quantile", "student_t")}
    cases |= {
        "binary_cross_entropy": (get_loss("binary_cross_entropy", from_logits=False), y.astype(float), y),
        "categorical_cross_entropy": (get_loss("categorical_cross_entropy", from_logits=False), onehot, ids),
        "focal": (get_loss("focal", from_logits=False), y.astype(float), y),
        "soft_f1": (get_loss("soft_f1"), y.astype(float), y),
        "soft_fbeta": (get_loss("soft_fbeta", beta=2.0), y.astype(float), y),
        "mcc": (get_loss("mcc"), y.astype(float), y),
        "tree": (get_loss("tree", parents=(-1, 0, 0, 1, 1, 2, 2), from_logits=False), onehot, ids),
        "kl": (get_loss("kl"), dist, dist),
        "jensen_shannon": (get_loss("jensen-shannon"), dist, dist),
        "soft_edit_distance": (get_loss("soft_edit_distance", temperature=0.0), onehot, ids),
    }
    return cases


ZERO_AT_ZERO_ERROR = set(LOSSES) - {"student_t"}  # the Student-t NLL keeps its normalising constant


def test_every_named_loss_has_a_zero_error_case():
    assert set(_zero_error_cases()) == set(LOSSES)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_every_loss_is_finite_and_differentiable_at_zero_error(name):
    loss, pred, target = _zero_error_cases()[name]
    value, grad = jax.value_and_grad(loss.value)(jnp.asarray(pred), target)
    assert np.isfinite(float(value)) and np.isfinite(grad).all()
    if name in ZERO_AT_ZERO_ERROR:
        # probabilities are clipped at the dtype's eps inside logs: -log(1 - eps) ~ 2e-16 per point
        assert abs(float(value)) < 1e-14, (name, float(value))
    else:
        assert float(value) == pytest.approx(-scipy.stats.t.logpdf(0.0, 3.0) * 2, rel=1e-12)  # 2 components


def test_get_loss_names_errors_and_option_checks():
    assert isinstance(get_loss("Log-Cosh"), L.LogCosh)
    assert get_loss(L.Quantile(tau=0.2)) == L.Quantile(tau=0.2)
    with pytest.raises(ValueError, match="unknown loss 'focl'; did you mean 'focal'"):
        get_loss("focl")
    with pytest.raises(TypeError, match="loss must be a name"):
        get_loss(1.5)
    for build, match in [(lambda: L.Quantile(tau=1.0), r"tau must be in \(0.0, 1.0\)"),
                         (lambda: L.StudentT(nu=0.0), "nu must be > 0"),
                         (lambda: L.StudentT(scale=-1.0), "scale must be > 0"),
                         (lambda: L.BinaryCrossEntropy(label_smoothing=1.5), "label_smoothing must be in"),
                         (lambda: L.Focal(gamma=-1.0), "gamma must be >= 0"),
                         (lambda: L.Focal(alpha=(0.5, 0.5)), "alpha must be in"),
                         (lambda: L.Focal(alpha=0.5, multiclass=True), "alpha must be None or a tuple"),
                         (lambda: L.SoftFBeta(beta=0.0), "beta must be > 0"),
                         (lambda: L.SoftEditDistance(temperature=-0.1), "temperature must be >= 0"),
                         (lambda: L.TreeLoss((-1, 0), classes="roots"), "classes must be 'leaves' or 'nodes'"),
                         (lambda: L.TreeLoss((-1, -1, 0)), "exactly one root"),
                         (lambda: L.TreeLoss((-1, 2, 1)), "one tree"),
                         (lambda: L.KL(from_logits="yes"), "from_logits must be True or False")]:
        with pytest.raises(ValueError, match=match):
            build()


# ---------------------------------------------------------------- regression


def test_quantile_hand_values_and_its_minimiser_is_the_quantile():
    tau = 0.25
    got = L.Quantile(tau=tau).pointwise(np.array([1.0, 2.0, 5.0]), np.array([3.0, 2.0, 2.0]))
    np.testing.assert_allclose(got, [0.5, 0.0, 2.25], rtol=1e-15)  # r = -2: 0.25*2; r = 3: 0.75*3
    sample = np.array([4.0, -1.0, 7.0, 2.0, 0.5, 3.0, 9.0, -2.0, 5.0])
    means = [float(L.Quantile(tau=tau).value(np.full(9, c), sample)) for c in sample]
    # n tau = 2.25: the minimiser is the 3rd smallest value
    assert sample[int(np.argmin(means))] == np.sort(sample)[2]


@pytest.mark.parametrize("nu, scale", [(1.0, 1.0), (3.0, 0.5), (30.0, 2.0)])
def test_student_t_is_the_negative_log_density(nu, scale):
    r = np.array([-7.0, -1.0, 0.0, 0.2, 3.0])
    np.testing.assert_allclose(L.StudentT(nu=nu, scale=scale)(r), -scipy.stats.t.logpdf(r, nu, scale=scale),
                               rtol=1e-12, atol=1e-13)


def test_rmse_is_the_root_of_the_mean_squared_vector_error():
    rng = np.random.default_rng(4)
    pred, target = rng.normal(size=(8, 3)), rng.normal(size=(8, 3))
    expected = math.sqrt(np.mean(np.sum((pred - target) ** 2, axis=1)))
    assert float(L.RMSE().value(pred, target)) == pytest.approx(expected, rel=1e-14)


# ---------------------------------------------------------------- cross entropies and focal


def test_binary_cross_entropy_formula_from_logits_and_probabilities_with_label_smoothing():
    rng = np.random.default_rng(5)
    z, y = rng.normal(scale=3.0, size=(7, 2)), rng.random((7, 2))
    p = sigmoid(z)

    def bce(y):
        return -(y * np.log(p) + (1 - y) * np.log(1 - p)).sum(axis=1)

    np.testing.assert_allclose(L.BinaryCrossEntropy().pointwise(z, y), bce(y), rtol=1e-12)
    np.testing.assert_allclose(L.BinaryCrossEntropy(from_logits=False).pointwise(p, y), bce(y), rtol=1e-12)
    np.testing.assert_allclose(L.BinaryCrossEntropy(label_smoothing=0.2).pointwise(z, y), bce(0.8 * y + 0.1),
                               rtol=1e-12)
    # label smoothing 1: the targets are all 1/2
    np.testing.assert_allclose(L.BinaryCrossEntropy(label_smoothing=1.0).pointwise(z, y), bce(np.full_like(y, 0.5)),
                               rtol=1e-12)


def test_categorical_cross_entropy_formula_ids_rows_and_label_smoothing():
    rng = np.random.default_rng(6)
    z, ids = rng.normal(size=(9, 4)), rng.integers(0, 4, 9)
    logp, rows = log_softmax(z), np.eye(4)[ids]
    cce = L.CategoricalCrossEntropy()
    np.testing.assert_allclose(cce.pointwise(z, ids), -logp[np.arange(9), ids], rtol=1e-12)
    np.testing.assert_allclose(cce.pointwise(z, rows), -logp[np.arange(9), ids], rtol=1e-12)
    soft = dirichlet(rng, 9, 4)
    np.testing.assert_allclose(cce.pointwise(z, soft), -(soft * logp).sum(axis=1), rtol=1e-12)
    smoothed = 0.9 * rows + 0.1 / 4
    np.testing.assert_allclose(L.CategoricalCrossEntropy(label_smoothing=0.1).pointwise(z, ids),
                               -(smoothed * logp).sum(axis=1), rtol=1e-12)
    np.testing.assert_allclose(L.CategoricalCrossEntropy(from_logits=False).pointwise(np.exp(logp), ids),
                               -logp[np.arange(9), ids], rtol=1e-12)


def test_focal_is_cross_entropy_at_gamma_zero_and_matches_its_formula():
    rng = np.random.default_rng(8)
    z, y = rng.normal(size=8), rng.integers(0, 2, 8)
    np.testing.assert_allclose(L.Focal(gamma=0.0).pointwise(z, y), L.BinaryCrossEntropy().pointwise(z, y), rtol=1e-14)
    zc, ids = rng.normal(size=(8, 3)), rng.integers(0, 3, 8)
    np.testing.assert_allclose(L.Focal(gamma=0.0, multiclass=True).pointwise(zc, ids),
                               L.CategoricalCrossEntropy().pointwise(zc, ids), rtol=1e-14)
    # gamma 2, alpha 0.25: -alpha (1-p)^2 log p for positives, -(1-alpha) p^2 log(1-p) for negatives
    p = sigmoid(z)
    expected = np.where(y == 1, -0.25 * (1 - p) ** 2 * np.log(p), -0.75 * p**2 * np.log(1 - p))
    np.testing.assert_allclose(L.Focal(gamma=2.0, alpha=0.25).pointwise(z, y), expected, rtol=1e-12)
    pc = np.exp(log_softmax(zc))[np.arange(8), ids]
    alpha = (1.0, 2.0, 0.5)
    expected = -np.asarray(alpha)[ids] * (1 - pc) ** 2 * np.log(pc)
    np.testing.assert_allclose(L.Focal(gamma=2.0, alpha=alpha, multiclass=True).pointwise(zc, ids), expected,
                               rtol=1e-12)
    assert L.Focal(alpha=list(alpha), multiclass=True).alpha == alpha  # a YAML list becomes a tuple
    # the focal weight shrinks well-classified points: one point, p = 0.9 on the true class
    assert float(L.Focal(from_logits=False).pointwise(np.array([0.9]), np.array([1]))[0]) == pytest.approx(
        -0.01 * math.log(0.9), rel=1e-12)


# ---------------------------------------------------------------- tree loss

#        0
#      /   \
#     1     2
#    / \   / \
#   3   4 5   6
PARENTS = (-1, 0, 0, 1, 1, 2, 2)


def test_tree_distances_and_expected_distance_by_hand():
    d = L.tree_distances(PARENTS)
    assert d[3, 4] == 2 and d[3, 5] == 4 and d[0, 6] == 2 and d[1, 2] == 2 and (np.diag(d) == 0).all()
    leaves = L.TreeLoss(PARENTS, from_logits=False)  # classes = leaves 3, 4, 5, 6
    assert leaves.nodes == (3, 4, 5, 6)
    p = np.array([[0.5, 0.3, 0.2, 0.0], [0.1, 0.1, 0.1, 0.7]])
    # true leaf 3: 0.3 * d(4,3) + 0.2 * d(5,3) = 0.6 + 0.8; true leaf 6: 0.1*4 + 0.1*4 + 0.1*2
    np.testing.assert_allclose(leaves.pointwise(p, np.array([0, 3])), [1.4, 1.0], rtol=1e-14)
    np.testing.assert_allclose(leaves.pointwise(p, np.eye(4)[[0, 3]]), [1.4, 1.0], rtol=1e-14)
    nodes = L.TreeLoss(list(PARENTS), classes="nodes", from_logits=False)
    q = np.zeros((1, 7))
    q[0, [0, 4]] = 0.5  # half on the root, half on leaf 4, true node 3: 0.5*2 + 0.5*2
    assert float(nodes.pointwise(q, np.array([3]))[0]) == pytest.approx(2.0, rel=1e-14)
    # from logits: the softmax weights
    z = np.log(p[:1] + 1e-300)
    assert float(L.TreeLoss(PARENTS).value(z, np.array([0]))) == pytest.approx(1.4, rel=1e-12)


# ---------------------------------------------------------------- energies


def test_ising_and_boltzmann_energies_correspond_by_exact_enumeration():
    """Mapping (s = 2x - 1): W = 4K, b = 2h - 2 K 1, E_ising(s) = E_bm(x) + sum h - sum_{i<j} J_ij,
    K the symmetric zero-diagonal matrix of J's strict upper triangle."""
    rng = np.random.default_rng(9)
    n = 5
    J, h = rng.normal(size=(n, n)), rng.normal(size=n)  # only J's strict upper triangle counts
    spins = np.array(list(itertools.product([-1.0, 1.0], repeat=n)))
    brute = np.array([-sum(J[i, j] * s[i] * s[j] for i in range(n) for j in range(i + 1, n)) - h @ s
                      for s in spins])
    np.testing.assert_allclose(L.ising_energy(spins, J, h), brute, rtol=1e-12)
    np.testing.assert_allclose(L.all_states(n), spins)

    W, b, offset = L.ising_to_boltzmann(J, h)
    assert np.allclose(W, W.T) and (np.diag(W) == 0).all()
    x = (spins + 1) / 2
    np.testing.assert_allclose(L.ising_energy(spins, J, h), L.boltzmann_energy(x, W, b) + offset, rtol=1e-12)
    log_z_ising = L.log_partition(lambda s: L.ising_energy(s, J, h), n)
    log_z_bm = L.log_partition(lambda x: L.boltzmann_energy(x, W, b), n, values=(0, 1))
    assert float(log_z_ising) == pytest.approx(np.log(np.exp(-brute).sum()), rel=1e-12)
    assert float(log_z_ising) == pytest.approx(float(log_z_bm - offset), rel=1e-12)
    # the same distribution over states, and the inverse map
    p_ising = np.exp(-np.asarray(L.ising_energy(spins, J, h)) - float(log_z_ising))
    p_bm = np.exp(-np.asarray(L.boltzmann_energy(x, W, b)) - float(log_z_bm))
    np.testing.assert_allclose(p_ising, p_bm, rtol=1e-10)
    J2, h2, offset2 = L.boltzmann_to_ising(W, b)
    np.testing.assert_allclose(J2, np.triu(J, 1), atol=1e-14)
    np.testing.assert_allclose(h2, h, atol=1e-14)
    assert float(offset2) == pytest.approx(float(offset), rel=1e-12)
    # on spins themselves the two energies agree with W = K, b = h
    K = np.triu(J, 1) + np.triu(J, 1).T
    np.testing.assert_allclose(L.boltzmann_energy(spins, K, h), L.ising_energy(spins, J, h), rtol=1e-12)


def test_fitted_boltzmann_machine_recovers_the_sampling_machine():
    """Samples drawn exactly (enumerated probabilities) from a known 4-unit {0,1} machine; the
    log-likelihood fit must (1) reach the maximum-likelihood point (data and model moments
    agree to 1e-6) and (2) land within 4 asymptotic standard deviations of the true W and b:
    the MLE's covariance is F^-1 / M, F the exact covariance of the sufficient statistics
    (x_i x_j for i < j, x_i) under the true machine."""
    rng = np.random.default_rng(10)
    n, m = 4, 20000
    iu = np.triu_indices(n, 1)
    W_true = np.zeros((n, n))
    W_true[iu] = rng.normal(scale=1.0, size=len(iu[0]))
    W_true = W_true + W_true.T
    b_true = rng.normal(scale=0.5, size=n)
    states = np.asarray(L.all_states(n, values=(0, 1)))
    log_p = -np.asarray(L.boltzmann_energy(states, W_true, b_true))
    p = np.exp(log_p - np.logaddexp.reduce(log_p))
    data = states[rng.choice(len(states), size=m, p=p)]

    W, b = L.fit_boltzmann(data, steps=3000, lr=0.1)
    W, b = np.asarray(W), np.asarray(b)
    assert np.allclose(W, W.T) and (np.diag(W) == 0).all()

    def stats(x):
        return np.concatenate([(x[:, :, None] * x[:, None, :])[:, iu[0], iu[1]], x], axis=1)

    fit_log_p = -np.asarray(L.boltzmann_energy(states, W, b))
    p_fit = np.exp(fit_log_p - np.logaddexp.reduce(fit_log_p))
    np.testing.assert_allclose(p_fit @ stats(states), stats(data).mean(axis=0), atol=1e-6)
    assert float(L.log_likelihood(W, b, data)) >= float(L.log_likelihood(W_true, b_true, data))

    t = stats(states)
    fisher = (t * p[:, None]).T @ t - np.outer(p @ t, p @ t)
    sigma = np.sqrt(np.diag(np.linalg.inv(fisher)) / m)
    error = np.concatenate([W[iu] - W_true[iu], b - b_true])
    assert (np.abs(error) < 4 * sigma).all(), (error, sigma)
    assert np.abs(W - W_true).max() < 0.15  # the stated tolerance, for these sizes (sigma_W <= 0.04)
