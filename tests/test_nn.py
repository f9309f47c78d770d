"""Tests for pinnjax.nn: equinox networks and the flax adapters."""

import math
import sys

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from jax.experimental import jet

from pinnjax.nn import networks as nn
from pinnjax.nn.flax_adapter import from_flax_linen, from_flax_nnx

KEY = jax.random.key(0)


def _networks(dtype=jnp.float32):
    """One instance of every network type: name -> (model, in_size, out_size)."""
    k = jax.random.split(KEY, 6)
    periodic = nn.Embedded(nn.PeriodicEmbedding({0: 2.0}),
                           nn.MLP(3, 2, 8, 2, "sin", key=k[2], dtype=dtype))
    return {
        "mlp": (nn.MLP(2, 3, 16, 3, key=k[0], dtype=dtype), 2, 3),
        "fourier": (nn.fourier_mlp(2, 1, 16, 2, 8, 1.0, key=k[1], dtype=dtype), 2, 1),
        "periodic": (periodic, 2, 2),
        "modified": (nn.ModifiedMLP(2, 2, 16, 3, "gelu", key=k[3], dtype=dtype), 2, 2),
        "modified_emb": (nn.ModifiedMLP(2, 1, 8, 2, "swish", key=k[4], dtype=dtype,
                                        embedding=nn.PeriodicEmbedding({1: 1.0})), 2, 1),
        "pirate": (_opened(nn.PirateNet(2, 2, 8, 2, key=k[5], dtype=dtype)), 2, 2),
    }


def _opened(pirate):
    """A PirateNet whose blocks are no longer the identity (α = 0.3, 0.7)."""
    alphas = [jnp.asarray(a, pirate.blocks[0].alpha.dtype) for a in (0.3, 0.7)]
    return eqx.tree_at(lambda m: [b.alpha for b in m.blocks], pirate, alphas)


# ------------------------------------------------------------------ shapes, dtypes, init

@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_shapes_and_dtypes(dtype):
    with jax.enable_x64(dtype == "float64"):
        dt = jnp.dtype(dtype)
        for name, (model, d_in, d_out) in _networks(dt).items():
            y, batch = _point_and_batch(model, jnp.full((5, d_in), 0.3, dt))
            assert y.shape == (d_out,) and batch.shape == (5, d_out), name
            assert y.dtype == dt and batch.dtype == dt, name
            for leaf in jax.tree.leaves(eqx.filter(model, eqx.is_inexact_array)):
                assert leaf.dtype == dt, name


@eqx.filter_jit
def _point_and_batch(model, xs):
    return model(xs[0]), jax.vmap(model)(xs)


def test_float64_without_x64_is_a_clear_error():
    with jax.enable_x64(False), pytest.raises(ValueError, match="enable_x64"):
        nn.MLP(2, 1, 4, 1, key=KEY, dtype=jnp.float64)


def test_parameter_count():
    assert nn.count_parameters(nn.MLP(2, 1, 20, 3, key=KEY)) == 921


def test_same_key_same_weights_different_key_different():
    a = nn.MLP(2, 1, 20, 3, key=jax.random.key(1))
    b = nn.MLP(2, 1, 20, 3, key=jax.random.key(1))
    c = nn.MLP(2, 1, 20, 3, key=jax.random.key(2))
    for la, lb, lc in zip(jax.tree.leaves(a), jax.tree.leaves(b), jax.tree.leaves(c)):
        np.testing.assert_array_equal(la, lb)
        if la.ndim == 2:  # weights differ; biases are all zero
            assert not np.allclose(la, lc)
    assert len({id(layer.weight) for layer in a.hidden}) == 3


@pytest.mark.parametrize("init, std", [
    ("glorot_normal", math.sqrt(2 / 512)),
    ("glorot_uniform", math.sqrt(2 / 512)),  # U(-a, a): std a/sqrt(3) = sqrt(2/512)
    ("he_normal", math.sqrt(2 / 256)),
    ("lecun_normal", math.sqrt(1 / 256)),
])
def test_initializer_std(init, std):
    # For n = 256*256 = 65536 normal samples the sample std has relative standard error
    # 1/sqrt(2n) ~ 0.28%; (uniform: sqrt(0.8/(4n)) ~ 0.17%). 2% is > 7 standard errors.
    layer = nn.Linear(256, 256, init, key=jax.random.key(3))
    w = np.asarray(layer.weight)
    assert abs(w.std() / std - 1) < 0.02
    assert abs(w.mean()) < 5 * std / 256
    np.testing.assert_array_equal(layer.bias, 0.0)


# ------------------------------------------------------------------ embeddings

def test_fourier_features_formula_and_frozen_B():
    ff = nn.FourierFeatures(3, 5, 2.0, key=KEY)
    x = jnp.array([0.1, -0.4, 0.7])
    B = np.asarray(ff.B, np.float64)
    z = 2 * np.pi * B @ np.asarray(x, np.float64)
    np.testing.assert_allclose(ff(x), np.concatenate([np.cos(z), np.sin(z)]), atol=1e-5)
    assert ff.B.shape == (5, 3) and ff.out_size == 10

    model = nn.fourier_mlp(3, 1, 8, 1, 5, 2.0, key=KEY)
    assert model.embedding.B in jax.tree.leaves(eqx.filter(model, eqx.is_inexact_array))

    def loss(m):
        return jnp.sum(jax.vmap(m)(jnp.ones((4, 3))) ** 2)

    g = eqx.filter_grad(loss)(model)
    np.testing.assert_array_equal(g.embedding.B, 0.0)
    assert np.any(np.asarray(g.network.output.weight) != 0)

    trainable = nn.fourier_mlp(3, 1, 8, 1, 5, 2.0, key=KEY, trainable=True)
    assert np.any(np.asarray(eqx.filter_grad(loss)(trainable).embedding.B) != 0)


def test_periodic_embedding_is_exactly_periodic():
    emb = nn.PeriodicEmbedding(((0, 2.0), (2, 0.5)))
    net = nn.Embedded(emb, nn.MLP(emb.out_size(3), 2, 16, 2, key=KEY))
    x = jnp.array([0.3, -0.7, 0.1])
    shifted = x + jnp.array([2.0, 0.0, 0.0])
    np.testing.assert_allclose(net(shifted), net(x), atol=1e-6)
    np.testing.assert_allclose(net(x + jnp.array([-4.0, 0.0, 1.5])), net(x), atol=1e-5)
    assert not np.allclose(net(x + jnp.array([0.0, 1.0, 0.0])), net(x))
    e = emb(x)
    assert e.shape == (5,)
    np.testing.assert_allclose(e, [np.cos(np.pi * 0.3), np.sin(np.pi * 0.3), -0.7,
                                   np.cos(4 * np.pi * 0.1), np.sin(4 * np.pi * 0.1)],
                               atol=1e-6)


# ------------------------------------------------------------------ ModifiedMLP

def test_modified_mlp_matches_numpy():
    m = nn.ModifiedMLP(3, 2, 10, 4, "tanh", key=jax.random.key(7))
    # give the biases nonzero values so they are checked too
    leaves, tree = jax.tree.flatten(m)
    keys = jax.random.split(jax.random.key(8), len(leaves))
    leaves = [leaf + 0.1 * jax.random.normal(k, leaf.shape) for leaf, k in zip(leaves, keys)]
    m = jax.tree.unflatten(tree, leaves)

    def np_lin(layer, v):
        return np.asarray(layer.weight, np.float64) @ v + np.asarray(layer.bias, np.float64)

    x = np.array([0.2, -0.5, 0.9])
    U, V = np.tanh(np_lin(m.encoder_u, x)), np.tanh(np_lin(m.encoder_v, x))
    H = np.tanh(np_lin(m.first, x))
    assert len(m.gates) == 3
    for gate in m.gates:
        Z = np.tanh(np_lin(gate, H))
        H = (1 - Z) * U + Z * V
    expected = np_lin(m.output, H)
    np.testing.assert_allclose(m(jnp.asarray(x, jnp.float32)), expected, rtol=1e-5, atol=1e-5)


# ------------------------------------------------------------------ derivatives

@pytest.mark.parametrize("name", list(_networks()))
def test_derivatives_match_finite_differences(name):
    with jax.enable_x64(True):
        model, d_in, _ = _networks(jnp.float64)[name]
        x = jnp.linspace(0.1, 0.6, d_in)
        e = jnp.zeros(d_in).at[0].set(1.0)
        jvp, d2, j1, j2, fd1, fd2 = _derivatives(model, x, e)
        assert d2.dtype == jnp.float64
        np.testing.assert_allclose(jvp, fd1, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(j1, jvp, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(j2, d2, rtol=1e-9, atol=1e-11)
        np.testing.assert_allclose(d2, fd2, rtol=1e-5, atol=1e-5)


@eqx.filter_jit
def _derivatives(model, x, e):
    """d/de and d²/de² of model at x by jvp, by jet, and by central differences."""
    jvp = jax.jvp(model, (x,), (e,))[1]
    d2 = jax.jvp(lambda y: jax.jvp(model, (y,), (e,))[1], (x,), (e,))[1]
    _, (j1, j2) = jet.jet(model, (x,), ((e, jnp.zeros_like(e)),))
    # h = 1e-4 in float64: truncation h²/12·f'''' ~ 1e-9·f'''' (f'''' ~ (2π·scale)⁴ for
    # Fourier features), rounding ~ 1e-16·|f|/h² ~ 1e-8·|f|: both well below 1e-5
    h = 1e-4
    fd1 = (model(x + h * e) - model(x - h * e)) / (2 * h)
    fd2 = (model(x + h * e) - 2 * model(x) + model(x - h * e)) / h**2
    return jvp, d2, j1, j2, fd1, fd2


def test_every_activation_is_jet_friendly():
    @jax.jit
    def check(x):
        out = {}
        for name, f in nn.ACTIVATIONS.items():
            _, (d1, d2) = jet.jet(f, (x,), ((jnp.ones(2), jnp.zeros(2)),))
            out[name] = (d1, d2, jax.vmap(jax.grad(f))(x),
                         jax.vmap(jax.grad(jax.grad(f)))(x))
        return out

    for name, (d1, d2, g1, g2) in check(jnp.array([0.3, -0.2])).items():
        np.testing.assert_allclose(d1, g1, rtol=1e-5, atol=1e-6, err_msg=name)
        np.testing.assert_allclose(d2, g2, rtol=1e-4, atol=1e-6, err_msg=name)


# ------------------------------------------------------------------ bad inputs

def test_bad_inputs_have_clear_messages():
    with pytest.raises(ValueError, match=r"unknown activation 'tahn'.*Did you mean 'tanh'"):
        nn.MLP(2, 1, 8, 2, "tahn", key=KEY)
    with pytest.raises(ValueError, match="Did you mean 'glorot_normal'"):
        nn.MLP(2, 1, 8, 2, init="glorot_norml", key=KEY)
    with pytest.raises(ValueError, match=r"depth must be a positive integer, got 0"):
        nn.MLP(2, 1, 8, 0, key=KEY)
    with pytest.raises(ValueError, match=r"width must be a positive integer, got -3"):
        nn.MLP(2, 1, -3, 2, key=KEY)
    with pytest.raises(ValueError, match=r"in_size must be a positive integer, got 2.5"):
        nn.MLP(2.5, 1, 8, 2, key=KEY)
    with pytest.raises(ValueError, match="depth must be >= 2"):
        nn.ModifiedMLP(2, 1, 8, 1, key=KEY)
    with pytest.raises(ValueError, match="scale"):
        nn.FourierFeatures(2, 8, -1.0, key=KEY)
    with pytest.raises(ValueError, match="periods"):
        nn.PeriodicEmbedding({0: 0.0})
    with pytest.raises(ValueError, match=r"shape \(2,\).*vmap"):
        nn.MLP(2, 1, 8, 2, key=KEY)(jnp.ones((4, 2)))


# ------------------------------------------------------------------ flax adapters

def _mse(model, xs):
    return jnp.mean(jax.vmap(model)(xs) ** 2)


def _adam_step_reduces_loss(model, xs):
    opt = optax.adam(1e-2)
    params, static = eqx.partition(model, eqx.is_inexact_array)
    state = opt.init(params)

    @eqx.filter_jit
    def step(params, state):
        loss, g = eqx.filter_value_and_grad(
            lambda p: _mse(eqx.combine(p, static), xs))(params)
        with jax.numpy_dtype_promotion("standard"):  # optax's own step counter arithmetic
            updates, state = opt.update(g, state, params)
        return eqx.apply_updates(params, updates), state, loss

    new_params, state, loss0 = step(params, state)
    loss1 = _mse(eqx.combine(new_params, static), xs)
    assert loss1 < loss0


@pytest.mark.slow
def test_flax_linen_adapter():
    import flax.linen as fnn

    class Net(fnn.Module):
        @fnn.compact
        def __call__(self, x):
            x = jnp.tanh(fnn.Dense(16)(x))
            x = jnp.tanh(fnn.Dense(16)(x))
            return fnn.Dense(2)(x)

    class Scalar(fnn.Module):
        @fnn.compact
        def __call__(self, x):
            return fnn.Dense(1)(jnp.tanh(fnn.Dense(8)(x)))[0]

    net = Net()
    variables = net.init(jax.random.key(1), jnp.zeros(3))
    model = from_flax_linen(net, variables)
    x = jnp.array([0.1, 0.2, -0.3])
    np.testing.assert_allclose(model(x), net.apply(variables, x), rtol=1e-6)
    xs = jax.random.normal(jax.random.key(2), (8, 3))

    g_adapter = eqx.filter_grad(_mse)(model, xs)
    g_flax = jax.grad(lambda p: jnp.mean(jax.vmap(lambda v: net.apply(p, v))(xs) ** 2))(
        variables)
    jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7),
                 g_adapter.params, g_flax["params"])
    np.testing.assert_allclose(eqx.filter_jit(model)(x), model(x), rtol=1e-6)
    # second derivative through the adapter (the engine's jvp / jet path)
    d2 = jax.jvp(lambda y: jax.jvp(model, (y,), (jnp.eye(3)[0],))[1], (x,),
                 (jnp.eye(3)[0],))[1]
    _, (_, j2) = jet.jet(model, (x,), ((jnp.eye(3)[0], jnp.zeros(3)),))
    np.testing.assert_allclose(j2, d2, rtol=1e-4, atol=1e-6)
    _adam_step_reduces_loss(model, xs)

    scalar = from_flax_linen(Scalar(), key=jax.random.key(3), in_size=3)
    assert scalar(x).shape == (1,)
    assert jax.vmap(scalar)(xs).shape == (8, 1)


def test_missing_flax_gives_install_hint(monkeypatch):
    import flax.linen as fnn

    monkeypatch.setitem(sys.modules, "flax.linen", None)
    with pytest.raises(ImportError, match="pip install flax"):
        from_flax_linen(fnn.Dense(1), {})


def test_flax_nnx_adapter():
    from flax import nnx

    class Net(nnx.Module):
        def __init__(self, rngs):
            self.l1 = nnx.Linear(3, 16, rngs=rngs)
            self.l2 = nnx.Linear(16, 16, rngs=rngs)
            self.out = nnx.Linear(16, 2, rngs=rngs)

        def __call__(self, x):
            return self.out(jnp.tanh(self.l2(jnp.tanh(self.l1(x)))))

    net = Net(nnx.Rngs(0))
    model = from_flax_nnx(net)
    x = jnp.array([0.1, 0.2, -0.3])
    np.testing.assert_allclose(model(x), net(x), rtol=1e-6)
    xs = jax.random.normal(jax.random.key(2), (8, 3))

    g_adapter = eqx.filter_grad(_mse)(model, xs)
    g_flax = nnx.grad(lambda m: jnp.mean(jax.vmap(m)(xs) ** 2))(net)
    jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7),
                 g_adapter.params, g_flax)
    np.testing.assert_allclose(eqx.filter_jit(model)(x), net(x), rtol=1e-6)
    _, (_, j2) = jet.jet(model, (x,), ((jnp.eye(3)[1], jnp.zeros(3)),))
    assert j2.shape == (2,) and np.all(np.isfinite(j2))
    _adam_step_reduces_loss(model, xs)
    np.testing.assert_allclose(model.to_flax()(x), net(x), rtol=1e-6)


def test_periodic_embedding_with_harmonics():
    emb = nn.PeriodicEmbedding({0: 2.0}, harmonics=3)
    assert emb.out_size(2) == 2 + 5
    e = np.asarray(emb(jnp.array([0.3, 0.9])))
    m = np.arange(1, 4)
    np.testing.assert_allclose(e, np.r_[np.cos(np.pi * m * 0.3), np.sin(np.pi * m * 0.3), 0.9], atol=1e-6)
    net = nn.Embedded(emb, nn.MLP(7, 1, 8, 1, key=KEY))
    np.testing.assert_allclose(net(jnp.array([0.3 + 2.0, 0.9])), net(jnp.array([0.3, 0.9])), atol=1e-6)
    with pytest.raises(ValueError, match="harmonics must be an integer >= 1, got 0"):
        nn.PeriodicEmbedding({0: 2.0}, harmonics=0)


def test_piratenet_starts_as_a_linear_map_of_its_fourier_features_and_counts_its_parameters():
    net = nn.PirateNet(3, 2, 16, 3, scale=2.0, key=KEY)
    x = jnp.asarray([0.1, -0.4, 0.7])
    phi = net.features(x)
    np.testing.assert_allclose(net(x), net.output.weight @ phi + net.output.bias, rtol=1e-6)
    opened = _opened(eqx.tree_at(lambda m: m.blocks, net, net.blocks[:2]))
    assert not np.allclose(opened(x), opened.output(phi), atol=1e-3)  # blocks now act
    # frozen B (8 x 3) + U, V (2 x (16·16 + 16)) + 3 blocks x (3 x (16·16 + 16) + α) + output 16·2 + 2
    assert nn.count_parameters(net) == 24 + 2 * 272 + 3 * (3 * 272 + 1) + 34
    with pytest.raises(ValueError, match="PirateNet width must be even"):
        nn.PirateNet(2, 1, 15, 2, key=KEY)


def test_piratenet_from_yaml_is_periodic_and_factorizes(tmp_path):
    from pinnjax.config import load_experiment

    path = tmp_path / "p.yaml"
    path.write_text("""
name: p
domain: {geometry: {type: interval, min: -1.0, max: 1.0}, time: [0.0, 1.0]}
fields: [u]
terms: [{type: pde, residual: "u_t + u_x", points: 64}]
network: {type: piratenet, width: 16, blocks: 2, scale: 1.0, periodic: {x: 2.0}, rwf: {}}
training: {phases: [{type: adam, steps: 10}]}
""")
    exp = load_experiment(path)
    net = exp.network
    assert isinstance(net, nn.Embedded) and isinstance(net.network, nn.PirateNet)
    assert any(isinstance(n, nn.FactorizedLinear) for n in jax.tree_util.tree_leaves(
        net, is_leaf=lambda n: isinstance(n, nn.FactorizedLinear)))
    x = jnp.asarray([-0.3, 0.2])
    np.testing.assert_allclose(net(x), net(x + jnp.asarray([2.0, 0.0])), rtol=1e-5, atol=1e-6)
