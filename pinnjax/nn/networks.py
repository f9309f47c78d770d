"""Networks for PINNs, as Equinox modules mapping ONE point to its field values.

Every network's ``__call__(x)`` takes ``x: (in_size,)`` and returns ``(out_size,)``; the
engine vmaps over points and differentiates by interpreting the network's jaxpr on
Taylor series (the collapsed mode) or with ``jax.jvp`` / ``jax.experimental.jet``, so
everything here is built from smooth ``jnp`` ops with no data-dependent Python control
flow. Hyperparameters are static fields; weights are arrays (the trainable
leaves, ``eqx.filter(model, eqx.is_inexact_array)``).

- :class:`MLP`: tanh (by default) multilayer perceptron with a linear output layer.
- :class:`FourierFeatures`: random Fourier features (Tancik et al. 2020).
- :class:`PeriodicEmbedding`: exact periodicity in chosen coordinates.
- :class:`Embedded`: ``network(embedding(x))``; :func:`fourier_mlp` builds one.
- :class:`ModifiedMLP`: the gated MLP of Wang, Teng & Perdikaris (2021).
- :class:`PirateNet`: adaptive residual blocks that start as the identity (Wang et al. 2024).
- :func:`factorize`: random weight factorization of every dense layer of any of them
  (Wang, Wang, Seidman & Perdikaris 2022).
"""

from __future__ import annotations

import difflib
import math
import numbers
import operator
from collections.abc import Callable, Mapping

import equinox as eqx
import jax
import jax.numpy as jnp

Array = jax.Array

# Activations use primitives that jax.experimental.jet differentiates (jax.nn.softplus
# and jax.nn.relu go through custom_jvp rules that jet cannot trace).


def _softplus(x: Array) -> Array:
    return jnp.log1p(jnp.exp(-jnp.abs(x))) + jnp.maximum(x, 0.0)


def _gelu(x: Array) -> Array:
    return 0.5 * x * (1.0 + jax.lax.erf(x / math.sqrt(2.0)))


def _silu(x: Array) -> Array:
    return x * jax.nn.sigmoid(x)


def _relu(x: Array) -> Array:
    return jnp.maximum(x, 0.0)


ACTIVATIONS: dict[str, Callable[[Array], Array]] = {
    "tanh": jnp.tanh,
    "sin": jnp.sin,
    "sigmoid": jax.nn.sigmoid,
    "softplus": _softplus,
    "gelu": _gelu,  # exact (erf) form
    "swish": _silu,
    "silu": _silu,
    "relu": _relu,  # piecewise linear: zero second derivative, see below
}
"""Activation name -> elementwise function. ``relu`` is piecewise linear, so its second
derivative is zero almost everywhere: a relu network cannot represent u_xx and is
unsuitable for second-order PDEs. Prefer ``tanh``, ``sin``, ``gelu`` or ``swish``."""


def _lookup(kind: str, name, table: Mapping) -> Callable:
    """``table[name]``, a callable ``name`` itself, or a ValueError with did-you-mean."""
    if callable(name):
        return name
    if name not in table:
        hint = difflib.get_close_matches(str(name), sorted(table), n=1)
        raise ValueError(f"unknown {kind} {name!r}; valid names are "
                         f"{', '.join(sorted(table))}."
                         + (f" Did you mean {hint[0]!r}?" if hint else ""))
    return table[name]


def get_activation(activation: str | Callable[[Array], Array]) -> Callable[[Array], Array]:
    """Resolve an activation name (see :data:`ACTIVATIONS`) or pass a callable through."""
    return _lookup("activation", activation, ACTIVATIONS)


# Initializers: init(key, shape=(fan_out, fan_in), dtype) -> weights. Biases start at 0.


def glorot_normal(key: Array, shape: tuple[int, int], dtype) -> Array:
    """Xavier normal: N(0, 2 / (fan_in + fan_out)) (plain, not truncated)."""
    return math.sqrt(2.0 / sum(shape)) * jax.random.normal(key, shape, dtype)


def glorot_uniform(key: Array, shape: tuple[int, int], dtype) -> Array:
    """Xavier uniform: U(-a, a) with a = sqrt(6 / (fan_in + fan_out))."""
    a = math.sqrt(6.0 / sum(shape))
    return jax.random.uniform(key, shape, dtype, minval=-a, maxval=a)


def he_normal(key: Array, shape: tuple[int, int], dtype) -> Array:
    """He / Kaiming normal: N(0, 2 / fan_in)."""
    return math.sqrt(2.0 / shape[1]) * jax.random.normal(key, shape, dtype)


def lecun_normal(key: Array, shape: tuple[int, int], dtype) -> Array:
    """LeCun normal: N(0, 1 / fan_in)."""
    return math.sqrt(1.0 / shape[1]) * jax.random.normal(key, shape, dtype)


INITIALIZERS: dict[str, Callable] = {
    f.__name__: f for f in (glorot_normal, glorot_uniform, he_normal, lecun_normal)}
"""Weight initializer name -> ``init(key, (fan_out, fan_in), dtype)``."""


def get_initializer(init: str | Callable) -> Callable:
    """Resolve an initializer name (see :data:`INITIALIZERS`) or pass a callable through."""
    return _lookup("initializer", init, INITIALIZERS)


_HINTS = dict(in_size="the number of coordinates, e.g. in_size=2 for (x, t)",
              out_size="the number of fields, e.g. out_size=1 for u",
              width="the number of units per hidden layer, e.g. width=64",
              depth="the number of hidden layers, e.g. depth=4",
              num_features="the number of frequencies, e.g. num_features=128")


def _sizes(**sizes: object) -> tuple[int, ...]:
    """Check that every size is a positive integer; the error names the argument."""
    for name, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
            raise ValueError(f"{name} must be a positive integer, got {value!r}; it is "
                             + _HINTS.get(name, "a size") + ".")
    return tuple(int(value) for value in sizes.values())


def _float_dtype(dtype) -> jnp.dtype:
    dtype = jnp.dtype(dtype)
    if not jnp.issubdtype(dtype, jnp.floating):
        raise ValueError(f"dtype must be a floating dtype, got {dtype}; use jnp.float32.")
    if jax.dtypes.canonicalize_dtype(dtype) != dtype:
        raise ValueError(
            f"dtype={dtype} needs 64-bit mode, which is off; construct the network inside "
            "`with jax.enable_x64(True):` or call "
            "jax.config.update('jax_enable_x64', True) first.")
    return dtype


def _check_input(x: Array, in_size: int, who: str) -> None:
    if x.shape != (in_size,):
        raise ValueError(
            f"{who} maps one point x of shape ({in_size},), got shape {x.shape}; "
            "use jax.vmap for a batch of points.")


class Linear(eqx.Module):
    """Affine map ``W x + b``: x (in_size,) -> (out_size,); W (out_size, in_size)."""

    weight: Array
    bias: Array

    def __init__(self, in_size: int, out_size: int, init="glorot_normal", *,
                 key: Array, dtype=jnp.float32):
        dtype = _float_dtype(dtype)
        shape = _sizes(out_size=out_size, in_size=in_size)
        self.weight = jnp.asarray(get_initializer(init)(key, shape, dtype), dtype)
        self.bias = jnp.zeros((shape[0],), dtype)

    def __call__(self, x: Array) -> Array:
        return self.weight @ x + self.bias


RWF_MEAN, RWF_STD = 1.0, 0.1  # the defaults of random weight factorization (as in jaxpi)


class FactorizedLinear(eqx.Module):
    """``diag(exp(s)) V x + b``: a dense layer whose weight is factorized into a trained
    per-unit scale exp(s) and a direction matrix V (random weight factorization). Built from
    a :class:`Linear` with s ~ N(mean, std²) and V = W / exp(s), so it starts as the same map."""

    scale: Array
    direction: Array
    bias: Array

    def __init__(self, linear: Linear, mean: float = RWF_MEAN, std: float = RWF_STD, *, key: Array):
        dtype = linear.weight.dtype
        self.scale = mean + std * jax.random.normal(key, (linear.weight.shape[0],), dtype)
        self.direction = linear.weight / jnp.exp(self.scale)[:, None]
        self.bias = linear.bias

    @property
    def weight(self) -> Array:
        return jnp.exp(self.scale)[:, None] * self.direction

    def __call__(self, x: Array) -> Array:
        return self.weight @ x + self.bias


def factorize(network: eqx.Module, mean: float = RWF_MEAN, std: float = RWF_STD, *, key: Array) -> eqx.Module:
    """``network`` with every :class:`Linear` layer replaced by a :class:`FactorizedLinear`
    (the same function at the start; trained through scale and direction). Works for
    :class:`MLP`, :class:`ModifiedMLP`, :func:`fourier_mlp` and any module built from
    :class:`Linear` layers; raises ValueError when ``network`` has none."""
    if not (isinstance(mean, numbers.Real) and math.isfinite(mean)) or not (isinstance(std, numbers.Real) and std >= 0):
        raise ValueError(f"factorize: mean must be a finite number and std >= 0 (e.g. mean=1.0, std=0.1), "
                         f"got mean={mean!r}, std={std!r}")
    layers = [leaf for leaf in jax.tree_util.tree_leaves(network, is_leaf=lambda n: isinstance(n, Linear))
              if isinstance(leaf, Linear)]
    if not layers:
        raise ValueError(f"factorize: {type(network).__name__} has no pinnjax Linear layer to factorize")
    keys = iter(jax.random.split(key, len(layers)))
    return jax.tree_util.tree_map(
        lambda n: FactorizedLinear(n, mean, std, key=next(keys)) if isinstance(n, Linear) else n,
        network, is_leaf=lambda n: isinstance(n, Linear))


class MLP(eqx.Module):
    """Multilayer perceptron: x (in_size,) -> (out_size,).

    ``depth`` hidden layers of ``width`` units with ``activation``, then a linear output
    layer. ``MLP(2, 1, 20, 3)`` has 2*20+20 + 2*(20*20+20) + 20+1 = 921 parameters.
    """

    hidden: tuple[Linear, ...]
    output: Linear
    in_size: int = eqx.field(static=True)
    out_size: int = eqx.field(static=True)
    width: int = eqx.field(static=True)
    depth: int = eqx.field(static=True)
    activation: str | Callable = eqx.field(static=True)

    def __init__(self, in_size: int, out_size: int, width: int, depth: int,
                 activation="tanh", init="glorot_normal", *, key: Array,
                 dtype=jnp.float32):
        self.in_size, self.out_size, self.width, self.depth = _sizes(
            in_size=in_size, out_size=out_size, width=width, depth=depth)
        get_activation(activation), get_initializer(init)  # fail early on bad names
        self.activation = activation
        keys = jax.random.split(key, self.depth + 1)
        sizes = [self.in_size] + [self.width] * self.depth
        self.hidden = tuple(Linear(sizes[i], self.width, init, key=keys[i], dtype=dtype)
                            for i in range(self.depth))
        self.output = Linear(self.width, self.out_size, init, key=keys[-1], dtype=dtype)

    def __call__(self, x: Array) -> Array:
        _check_input(x, self.in_size, "MLP")
        act = get_activation(self.activation)
        for layer in self.hidden:
            x = act(layer(x))
        return self.output(x)


class FourierFeatures(eqx.Module):
    """Random Fourier features: x (in_size,) -> [cos(2π B x), sin(2π B x)] (2*num_features,).

    ``B`` (num_features, in_size) has entries ~ N(0, scale²) (Tancik et al. 2020; Wang,
    Wang & Perdikaris 2021). With ``trainable=False`` (default) ``B`` stays a leaf of the
    module but is wrapped in ``stop_gradient``, so its gradient is exactly zero (note that
    decoupled weight decay, e.g. adamw, would still shrink it).
    """

    B: Array
    in_size: int = eqx.field(static=True)
    num_features: int = eqx.field(static=True)
    scale: float = eqx.field(static=True)
    trainable: bool = eqx.field(static=True)

    def __init__(self, in_size: int, num_features: int, scale: float = 1.0, *,
                 key: Array, trainable: bool = False, dtype=jnp.float32):
        self.in_size, self.num_features = _sizes(in_size=in_size, num_features=num_features)
        self.scale, self.trainable = float(scale), bool(trainable)
        if not (math.isfinite(self.scale) and self.scale > 0):
            raise ValueError(
                f"scale must be a positive finite number, got {scale!r}; it is the std of "
                "the frequencies B, e.g. scale=1.0 (larger = higher frequencies).")
        shape = (self.num_features, self.in_size)
        self.B = self.scale * jax.random.normal(key, shape, _float_dtype(dtype))

    @property
    def out_size(self) -> int:
        return 2 * self.num_features

    def __call__(self, x: Array) -> Array:
        _check_input(x, self.in_size, "FourierFeatures")
        B = self.B if self.trainable else jax.lax.stop_gradient(self.B)
        z = (2.0 * math.pi) * (B @ x)
        return jnp.concatenate([jnp.cos(z), jnp.sin(z)])


class PeriodicEmbedding(eqx.Module):
    """Exact periodicity: x (d,) -> (d + (2 harmonics - 1) len(periods),).

    Each periodic axis i with period P is replaced, in place, by cos(2π m x_i / P),
    sin(2π m x_i / P) for m = 1..``harmonics``; the other axes pass through unchanged.
    Any network applied after it is exactly P-periodic in x_i (hard periodic BCs); more
    harmonics help when the period holds many wavelengths (e.g. Kuramoto–Sivashinsky).
    ``periods`` is ``{axis: period}`` or a sequence of ``(axis, period)`` pairs.
    """

    periods: tuple[tuple[int, float], ...] = eqx.field(static=True)
    harmonics: int = eqx.field(static=True, default=1)

    def __init__(self, periods: Mapping[int, float] | tuple[tuple[int, float], ...], harmonics: int = 1):
        if isinstance(harmonics, bool) or not isinstance(harmonics, int) or harmonics < 1:
            raise ValueError(f"harmonics must be an integer >= 1, got {harmonics!r}")
        self.harmonics = harmonics
        items = list(periods.items() if isinstance(periods, Mapping) else periods)
        try:
            pairs = [(operator.index(a), float(p)) for a, p in items]
        except (TypeError, ValueError):
            pairs = []
        axes = [a for a, _ in pairs]
        if (not pairs or len(set(axes)) < len(axes)
                or any(a < 0 or not (math.isfinite(p) and p > 0) for a, p in pairs)):
            raise ValueError(
                f"periods must map distinct axes >= 0 to positive finite periods, e.g. "
                f"{{0: 2.0}} for x_0 of period 2; got {periods!r}")
        self.periods = tuple(sorted(pairs))

    def out_size(self, in_size: int) -> int:
        """Output length for inputs of length ``in_size``."""
        return in_size + (2 * self.harmonics - 1) * len(self.periods)

    def __call__(self, x: Array) -> Array:
        if x.ndim != 1 or x.shape[0] <= self.periods[-1][0]:
            raise ValueError(
                f"PeriodicEmbedding needs one point x of shape (d,) with d > "
                f"{self.periods[-1][0]}, got shape {x.shape}")
        omega = {i: 2.0 * math.pi / p for i, p in self.periods}  # angular frequencies
        m = jnp.arange(1, self.harmonics + 1, dtype=x.dtype)
        parts = [jnp.concatenate([jnp.cos(m * omega[i] * x[i]), jnp.sin(m * omega[i] * x[i])])
                 if i in omega else x[i:i + 1] for i in range(x.shape[0])]
        return jnp.concatenate(parts)


class Embedded(eqx.Module):
    """Composition ``network(embedding(x))``: x (d_in,) -> (d_out,)."""

    embedding: eqx.Module
    network: eqx.Module

    def __call__(self, x: Array) -> Array:
        return self.network(self.embedding(x))


def fourier_mlp(in_size: int, out_size: int, width: int, depth: int,
                num_features: int, scale: float, activation="tanh",
                init="glorot_normal", *, key: Array, trainable: bool = False,
                dtype=jnp.float32) -> Embedded:
    """``Embedded(FourierFeatures(in_size, num_features, scale), MLP(2*num_features, ...))``."""
    kf, km = jax.random.split(key)
    features = FourierFeatures(in_size, num_features, scale, key=kf,
                               trainable=trainable, dtype=dtype)
    mlp = MLP(features.out_size, out_size, width, depth, activation, init,
              key=km, dtype=dtype)
    return Embedded(features, mlp)


class ModifiedMLP(eqx.Module):
    """Gated MLP of Wang, Teng & Perdikaris (2021): x (in_size,) -> (out_size,).

    With e = embedding(x) (or x)::

        U = σ(W_u e + b_u),  V = σ(W_v e + b_v),  H_1 = σ(W_1 e + b_1)
        Z_k = σ(W_k H_k + b_k),  H_{k+1} = (1 - Z_k) ⊙ U + Z_k ⊙ V,  k = 1..depth-1
        output = W_out H_depth + b_out

    ``depth`` counts hidden layers H_1..H_depth as in :class:`MLP` (so depth >= 2).
    """

    encoder_u: Linear
    encoder_v: Linear
    first: Linear
    gates: tuple[Linear, ...]
    output: Linear
    embedding: eqx.Module | None
    in_size: int = eqx.field(static=True)
    out_size: int = eqx.field(static=True)
    width: int = eqx.field(static=True)
    depth: int = eqx.field(static=True)
    activation: str | Callable = eqx.field(static=True)

    def __init__(self, in_size: int, out_size: int, width: int, depth: int,
                 activation="tanh", init="glorot_normal", *, key: Array,
                 embedding: eqx.Module | None = None, dtype=jnp.float32):
        self.in_size, self.out_size, self.width, self.depth = _sizes(
            in_size=in_size, out_size=out_size, width=width, depth=depth)
        if self.depth < 2:
            raise ValueError(
                f"depth must be >= 2 for ModifiedMLP (depth-1 gated layers mix U and V), "
                f"got depth={depth}; use MLP for a single hidden layer.")
        get_activation(activation), get_initializer(init)  # fail early on bad names
        self.activation = activation
        dtype = _float_dtype(dtype)
        self.embedding = embedding
        d = self.in_size  # input size of the layers: that of the embedding's output
        if embedding is not None:
            (d,) = jax.eval_shape(embedding, jax.ShapeDtypeStruct((d,), dtype)).shape
        ku, kv, k1, ko, *kg = jax.random.split(key, 3 + self.depth)
        w = self.width
        self.encoder_u = Linear(d, w, init, key=ku, dtype=dtype)
        self.encoder_v = Linear(d, w, init, key=kv, dtype=dtype)
        self.first = Linear(d, w, init, key=k1, dtype=dtype)
        self.gates = tuple(Linear(w, w, init, key=k, dtype=dtype) for k in kg)
        self.output = Linear(w, self.out_size, init, key=ko, dtype=dtype)

    def __call__(self, x: Array) -> Array:
        _check_input(x, self.in_size, "ModifiedMLP")
        act = get_activation(self.activation)
        e = x if self.embedding is None else self.embedding(x)
        u, v = act(self.encoder_u(e)), act(self.encoder_v(e))
        h = act(self.first(e))
        for gate in self.gates:
            z = act(gate(h))
            h = (1.0 - z) * u + z * v
        return self.output(h)


class PirateBlock(eqx.Module):
    """One adaptive residual block of a PirateNet: with gates U, V (width,)::

        f = σ(W_1 x + b_1),  z_1 = f ⊙ U + (1 − f) ⊙ V
        g = σ(W_2 z_1 + b_2), z_2 = g ⊙ U + (1 − g) ⊙ V
        h = σ(W_3 z_2 + b_3), out = α h + (1 − α) x

    with a trainable scalar α = 0 at the start, so the block starts as the identity."""

    layers: tuple[Linear, Linear, Linear]
    alpha: Array

    def __init__(self, width: int, init, *, key: Array, dtype):
        keys = jax.random.split(key, 3)
        self.layers = tuple(Linear(width, width, init, key=k, dtype=dtype) for k in keys)
        self.alpha = jnp.zeros((), dtype)

    def __call__(self, x: Array, u: Array, v: Array, act: Callable) -> Array:
        f = act(self.layers[0](x))
        z = f * u + (1.0 - f) * v
        g = act(self.layers[1](z))
        z = g * u + (1.0 - g) * v
        h = act(self.layers[2](z))
        return self.alpha * h + (1.0 - self.alpha) * x


class PirateNet(eqx.Module):
    """PirateNet (Wang, Sankaran, Wang & Perdikaris 2024): x (in_size,) -> (out_size,).

    Random Fourier features Φ(x) of size ``width`` (``width / 2`` frequencies, std
    ``scale``), gates U = σ(W_u Φ + b_u), V = σ(W_v Φ + b_v), then ``blocks``
    blocks (:class:`PirateBlock`, three dense layers each) and a linear output layer. Every block
    starts as the identity (α = 0), so the network starts as a linear map of the Fourier
    features and deepens as the α's grow: deep networks without the trouble of training
    them from a deep random start. Compose with :class:`PeriodicEmbedding` for exact
    periodicity (``Embedded(PeriodicEmbedding(...), PirateNet(...))``).
    """

    features: FourierFeatures
    encoder_u: Linear
    encoder_v: Linear
    blocks: tuple[PirateBlock, ...]
    output: Linear
    in_size: int = eqx.field(static=True)
    out_size: int = eqx.field(static=True)
    width: int = eqx.field(static=True)
    activation: str | Callable = eqx.field(static=True)

    def __init__(self, in_size: int, out_size: int, width: int, blocks: int, scale: float = 1.0,
                 activation="tanh", init="glorot_normal", *, key: Array, dtype=jnp.float32):
        self.in_size, self.out_size, self.width, n_blocks = _sizes(
            in_size=in_size, out_size=out_size, width=width, blocks=blocks)
        if self.width % 2:
            raise ValueError(f"PirateNet width must be even (width / 2 Fourier frequencies), got width={width}")
        get_activation(activation), get_initializer(init)  # fail early on bad names
        self.activation = activation
        dtype = _float_dtype(dtype)
        kf, ku, kv, ko, *kb = jax.random.split(key, 4 + n_blocks)
        w = self.width
        self.features = FourierFeatures(self.in_size, w // 2, scale, key=kf, dtype=dtype)
        self.encoder_u = Linear(w, w, init, key=ku, dtype=dtype)
        self.encoder_v = Linear(w, w, init, key=kv, dtype=dtype)
        self.blocks = tuple(PirateBlock(w, init, key=k, dtype=dtype) for k in kb)
        self.output = Linear(w, self.out_size, init, key=ko, dtype=dtype)

    def __call__(self, x: Array) -> Array:
        _check_input(x, self.in_size, "PirateNet")
        act = get_activation(self.activation)
        h = self.features(x)
        u, v = act(self.encoder_u(h)), act(self.encoder_v(h))
        for block in self.blocks:
            h = block(h, u, v, act)
        return self.output(h)


def count_parameters(model) -> int:
    """Number of scalars in the inexact-array leaves of ``model`` (frozen B included)."""
    leaves = jax.tree.leaves(eqx.filter(model, eqx.is_inexact_array))
    return sum(leaf.size for leaf in leaves)
