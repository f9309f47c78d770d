"""Every library loss on a term: residual terms take residual losses, data terms take
classification, divergence and batch losses too; term losses equal the library's values."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import pinnjax as pj
from pinnjax.config import ConfigError, build_experiment
from pinnjax.config.loader import parse_yaml
from pinnjax.losses import MCC, RMSE, BinaryCrossEntropy, CategoricalCrossEntropy, get_loss

X = np.linspace(-1.0, 1.0, 40)[:, None]
STEP = (X[:, 0] > 0.2).astype(float)
THREE = np.digitize(X[:, 0], [-0.3, 0.4]).astype(float)


def _at_start(problem, outputs):
    """(per-term losses, network outputs at X) at the initial parameters."""
    with jax.enable_x64(True):
        net = pj.MLP(1, outputs, 8, 2, key=jax.random.key(0), dtype=jnp.float64)
        compiled, arrays = pj.compile_problem(problem, net)
        params = {"net": arrays, "coefficients": {}}
        batch = jax.tree_util.tree_map(jnp.asarray, compiled.draw_batch(np.random.default_rng(0)))
        _, losses = compiled.loss_fn(params, batch, compiled.initial_weights(jnp.float64))
        out = jax.vmap(compiled.field_function(params))(jnp.asarray(X))
    return {k: float(v) for k, v in losses.items()}, out


def test_data_terms_take_label_losses_and_give_the_librarys_values():
    terms = [pj.Data("l", pj.Given(X, STEP), loss="binary_cross_entropy", name="bce"),
             pj.Data("l", pj.Given(X, STEP), loss=get_loss("mcc", from_logits=True), name="mcc")]
    losses, out = _at_start(pj.Problem(pj.Interval(-1.0, 1.0), ("l",), terms), 1)
    logits = out[:, 0]
    with jax.enable_x64(True):
        assert losses["bce"] == pytest.approx(float(BinaryCrossEntropy().value(logits, STEP)), rel=1e-12)
        assert losses["mcc"] == pytest.approx(float(MCC(from_logits=True).batch(logits, STEP)), rel=1e-12)
    # by hand: BCE of logits z against labels y is mean(softplus(z) - y z)
    z = np.asarray(logits)
    assert losses["bce"] == pytest.approx(np.mean(np.logaddexp(0, z) - STEP * z), rel=1e-10)


def test_three_class_logits_against_one_column_of_labels():
    term = pj.Data(("a", "b", "c"), pj.Given(X, THREE), loss="categorical_cross_entropy")
    losses, out = _at_start(pj.Problem(pj.Interval(-1.0, 1.0), ("a", "b", "c"), [term]), 3)
    z = np.asarray(out)
    hand = np.mean(np.log(np.exp(z).sum(1)) - z[np.arange(len(z)), THREE.astype(int)])
    assert losses["data"] == pytest.approx(hand, rel=1e-10)
    with jax.enable_x64(True):
        assert losses["data"] == pytest.approx(float(CategoricalCrossEntropy().value(out, THREE)), rel=1e-12)


def test_a_residual_batch_loss_on_a_pde_term_is_the_root_mean_square():
    problem = pj.Problem(pj.Interval(-1.0, 1.0), ("u",),
                         [pj.PDE("u - x", pj.Given(X), loss="rmse", name="rmse"),
                          pj.PDE("u - x", pj.Given(X), name="mse")])
    losses, out = _at_start(problem, 1)
    r = np.asarray(out[:, 0]) - X[:, 0]
    assert losses["rmse"] == pytest.approx(np.sqrt(np.mean(r**2)), rel=1e-12)
    with jax.enable_x64(True):
        assert losses["rmse"] == pytest.approx(float(RMSE().value(r, np.zeros_like(r))), rel=1e-12)
    assert losses["rmse"] ** 2 == pytest.approx(losses["mse"], rel=1e-12)


def test_a_classifier_trained_through_a_data_term_separates_the_step():
    with jax.enable_x64(True):
        problem = pj.Problem(pj.Interval(-1.0, 1.0), ("l",), [pj.Data("l", pj.Given(X, STEP), loss="focal")])
        result = pj.solve(problem, pj.MLP(1, 1, 8, 2, key=jax.random.key(0), dtype=jnp.float64),
                          [pj.Adam(400, 1e-2)], dtype="float64")
    predicted = result.predict(X)["l"] > 0
    assert np.mean(predicted == (STEP > 0.5)) == 1.0  # separable at x = 0.2 between grid points


@pytest.mark.parametrize("make, error, message", [
    (lambda: pj.PDE("u_xx", loss="focal"), TypeError, "PDE.loss Focal compares predictions with labels, so it "
     "belongs on a data term"),
    (lambda: pj.Dirichlet("u", loss="kl"), TypeError, "Dirichlet.loss KL"),
    (lambda: pj.Data("l", pj.Given(X, STEP), loss="mcc", point_weights=pj.PointWeights()), ValueError,
     "Data.point_weights weights each point's loss, but the loss MCC is one value for the whole batch"),
    (lambda: pj.PDE("u_t", loss="rmse", causal=pj.Causal(4)), ValueError, "PDE.causal"),
    (lambda: pj.Data("l", pj.Given(X, STEP), loss="focla"), ValueError, "did you mean 'focal'"),
])
def test_a_loss_on_the_wrong_term_is_refused_with_the_fix(make, error, message):
    with pytest.raises(error, match=message):
        make()


CONFIG = """
name: cls
domain: {geometry: {type: interval, min: -1.0, max: 1.0}}
fields: [a, b, c]
terms:
  - {type: data, targets: [a, b, c], file: FILE, loss: {type: tree, parents: [-1, 0, 0, 2, 2], from_logits: true}}
network: {type: mlp, width: 8, depth: 2}
training: {phases: [{type: adam, steps: 5}]}
"""


def test_yaml_selects_any_library_loss_by_name_with_its_options(tmp_path):
    onehot = np.eye(3)[THREE.astype(int)]  # YAML data files hold one column per target: one-hot rows
    np.savez(tmp_path / "labels.npz", x=X[:, 0], a=onehot[:, 0], b=onehot[:, 1], c=onehot[:, 2])
    text = CONFIG.replace("FILE", str(tmp_path / "labels.npz"))
    exp = build_experiment(parse_yaml(text))
    loss = exp.problem.terms[0].loss
    assert type(loss).__name__ == "TreeLoss" and loss.nodes == (1, 3, 4)  # the leaves are the classes
    with pytest.raises(ConfigError, match="compares predictions with labels") as err:
        build_experiment(parse_yaml(text.replace("{type: data, targets: [a, b, c], file: " + str(tmp_path / "labels.npz"),
                                                 "{type: pde, residual: a_x")))
    assert err.value.path.startswith("terms[0]")
