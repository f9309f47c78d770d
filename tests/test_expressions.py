"""Tests for pinnjax.problem.expressions: values, names, tracing and rejection of hostile text."""
import ast
import builtins
import math
import os
import subprocess

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.special import erf as np_erf

from pinnjax.problem.expressions import (
    FUNCTIONS,
    MAX_LENGTH,
    Expression,
    ExpressionError,
    parse_expression,
)

FIELDS = ("u", "v")
COORDS = ("x", "t")
CONSTANTS = {"nu": 0.01, "k": 3}

RNG = np.random.default_rng(0)
X = RNG.uniform(0.1, 0.9, 7)
T = RNG.uniform(0.1, 0.9, 7)
U = RNG.uniform(-1.0, 1.0, 7)
V = RNG.uniform(0.2, 1.5, 7)


def parse(text, **kwargs):
    kwargs.setdefault("fields", FIELDS)
    kwargs.setdefault("coordinates", COORDS)
    kwargs.setdefault("constants", CONSTANTS)
    return parse_expression(text, **kwargs)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


VALUE_CASES = [
    ("u + v * x", lambda: U + V * X),
    ("(u + v) * x", lambda: (U + V) * X),
    ("u - v - x", lambda: U - V - X),
    ("u / v / x", lambda: U / V / X),
    ("-u**2", lambda: -(U**2)),
    ("(-u)**2", lambda: U**2),
    ("-u + +v", lambda: -U + V),
    ("v**x**2", lambda: V ** (X**2)),
    ("2**3**2 * x", lambda: 512.0 * X),
    ("u**3 - 2*u**-1", lambda: U**3 - 2 / U),
    ("v**0.5", lambda: np.sqrt(V)),
    ("2**x", lambda: 2.0**X),
    ("u**k", lambda: U**3),
    ("-sin(pi*x)", lambda: -np.sin(np.pi * X)),
    ("exp(-t) * cos(2*pi*x)", lambda: np.exp(-T) * np.cos(2 * np.pi * X)),
    ("e**x", lambda: np.e**X),
    ("nu/pi * u", lambda: 0.01 / np.pi * U),
    ("log(v) + sqrt(v) + tanh(u) + abs(u)", lambda: np.log(V) + np.sqrt(V) + np.tanh(U) + np.abs(U)),
    ("sinh(u) + cosh(u) + tan(u)", lambda: np.sinh(U) + np.cosh(U) + np.tan(U)),
    ("arcsin(u) + arccos(u) + arctan(v)", lambda: np.arcsin(U) + np.arccos(U) + np.arctan(V)),
    ("sign(u) * sigmoid(v) + erf(x)", lambda: np.sign(U) * sigmoid(V) + np_erf(X)),
    ("minimum(u, v) + maximum(u, 0.5)", lambda: np.minimum(U, V) + np.maximum(U, 0.5)),
    ("1e-3 * u + 2.5e1", lambda: 1e-3 * U + 25.0),
    ("u_t + u*u_x - nu*u_xx", lambda: T * 2 + U * X - 0.01 * V),
]


@pytest.mark.parametrize("text, reference", VALUE_CASES, ids=[c[0] for c in VALUE_CASES])
def test_values_match_numpy(text, reference):
    expr = parse(text)
    values = {"u": U, "v": V, "x": X, "t": T, "u_t": T * 2, "u_x": X, "u_xx": V}
    result = expr({name: jnp.asarray(values[name]) for name in expr.names})
    np.testing.assert_allclose(np.asarray(result), reference(), rtol=2e-5, atol=2e-6)


def test_constant_expressions_are_folded():
    expr = parse("0.01/pi")
    assert expr.names == ()
    np.testing.assert_allclose(expr({}), 0.01 / math.pi, rtol=1e-6)
    assert float(parse("2**3**2")({})) == 512.0
    assert float(parse("-2**2")({})) == -4.0
    np.testing.assert_allclose(parse("sin(pi/6) + nu")({}), 0.51, rtol=1e-6)
    assert float(parse_expression(0)({})) == 0.0
    assert float(parse_expression(1.5)({})) == 1.5


def test_names_in_order_of_first_appearance_without_constants():
    expr = parse("u_t + u*u_x - nu*u_xx + u*sin(pi*x)")
    assert expr.names == ("u_t", "u", "u_x", "u_xx", "x")
    assert isinstance(expr, Expression)
    assert "u_t + u*u_x" in repr(expr)


def test_derivative_names_mixed_and_multifield():
    expr = parse("u_xt + v_xx*u_tx - v_tt + v")
    # u_tx is the same derivative as u_xt, read under its canonical name
    assert expr.names == ("u_xt", "v_xx", "v_tt", "v")
    values = {"u_xt": X, "v_xx": T, "v_tt": U, "v": V}
    np.testing.assert_allclose(expr(values), X + T * X - U + V, rtol=1e-6)
    assert parse("u_xxxx", coordinates=("x",)).names == ("u_xxxx",)
    with pytest.raises(ExpressionError, match="unknown name 'u_y'"):
        parse("u_y")


def test_parameters_are_variables():
    expr = parse("u_t - lam*u_xx", parameters=("lam",))
    assert expr.names == ("u_t", "lam", "u_xx")
    np.testing.assert_allclose(expr({"u_t": U, "lam": 2.0, "u_xx": V}), U - 2.0 * V, rtol=1e-6)


def test_jit_and_grad():
    expr = parse("u_t + u*u_x - nu*u_xx + lam*sin(u)", parameters=("lam",))
    args = {"u_t": jnp.asarray(T), "u_x": jnp.asarray(X), "u_xx": jnp.asarray(V)}

    def loss(u, lam):
        return jnp.sum(expr({**args, "u": u, "lam": lam}) ** 2)

    g_u, g_lam = jax.jit(jax.grad(loss, argnums=(0, 1)))(jnp.asarray(U), 0.5)
    r = T + U * X - 0.01 * V + 0.5 * np.sin(U)
    np.testing.assert_allclose(g_u, 2 * r * (X + 0.5 * np.cos(U)), rtol=1e-4)
    np.testing.assert_allclose(g_lam, np.sum(2 * r * np.sin(U)), rtol=1e-4)


@pytest.mark.parametrize("text, derivative", [("u**2", 0.0), ("u**3", 0.0), ("u**2.0", 0.0),
                                              ("u**1", 1.0), ("u**0", 0.0)])
def test_integer_power_gradient_at_zero(text, derivative):
    expr = parse(text)
    g = jax.grad(lambda u: expr({"u": u}))(0.0)
    assert not np.isnan(g)
    assert float(g) == derivative
    assert float(expr({"u": 0.0})) == (1.0 if text == "u**0" else 0.0)


def test_missing_value_is_reported():
    expr = parse("u + v")
    with pytest.raises(ExpressionError, match="missing value for 'v'"):
        expr({"u": U})


def test_unknown_name_message():
    text = "u_t + u*u_x - nuu*u_xx"
    with pytest.raises(ExpressionError, match="unknown name 'nuu'") as info:
        parse(text, fields=("u",))
    message = str(info.value)
    assert "did you mean 'nu'" in message
    assert f'"{text}"' in message
    assert "Known fields: u;" in message
    assert "coordinates: x, t" in message
    assert "constants: nu, k, pi, e" in message
    assert "parameters: none" in message
    assert "functions: sin, cos" in message
    with pytest.raises(ExpressionError, match="unknown function 'sine'.*did you mean 'sin'"):
        parse("sine(x)")


def test_declaration_errors():
    with pytest.raises(ExpressionError, match="'u' is declared as a field and a constant"):
        parse("u", constants={"u": 1.0})
    with pytest.raises(ExpressionError, match="'x' is declared as a coordinate and a parameter"):
        parse("x", parameters=("x",))
    with pytest.raises(ExpressionError, match="'u_x' is ambiguous"):
        parse("u_x", parameters=("u_x",))
    with pytest.raises(ExpressionError, match="clashes with the built-in function 'sin'"):
        parse("sin", fields=("sin",))
    for bad in (float("inf"), float("nan"), "0.1", True, 1j):
        with pytest.raises(ExpressionError, match="constant 'c' must be a finite real number"):
            parse("c", constants={"c": bad})


def test_declared_name_shadows_builtin_constant():
    expr = parse("e * u", fields=("u", "e"))
    assert expr.names == ("e", "u")


@pytest.fixture
def no_side_effects(monkeypatch, tmp_path):
    """Record any attempt to run a command or evaluate code; run in an empty directory."""
    calls = []

    def recorder(name, original=None):
        def fake(*args, **kwargs):
            calls.append((name, args))
            if original is None:
                raise AssertionError(f"{name} called with {args}")
            return original(*args, **kwargs)

        return fake

    for name in ("system", "popen", "execv", "execvp"):
        monkeypatch.setattr(os, name, recorder("os." + name))
    monkeypatch.setattr(subprocess, "Popen", recorder("subprocess.Popen"))
    for name in ("eval", "exec"):
        monkeypatch.setattr(builtins, name, recorder(name, getattr(builtins, name)))
    original_compile = builtins.compile

    def compile_to_ast_only(source, filename, mode, flags=0, *args, **kwargs):
        # ast.parse compiles to a syntax tree only; compiling to code would be a bug.
        if not flags & ast.PyCF_ONLY_AST:
            calls.append(("compile", source))
        return original_compile(source, filename, mode, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "compile", compile_to_ast_only)
    monkeypatch.chdir(tmp_path)
    yield calls
    assert list(tmp_path.iterdir()) == []


MARKER = "pinnjax_expression_marker"
HOSTILE = [
    (f"__import__('os').system('echo hi > {MARKER}')", r"call of .*__import__.* is not allowed"),
    ("().__class__.__bases__[0].__subclasses__()", r"call of .*__subclasses__' is not allowed"),
    ("u.real", r"attribute access '\.real' is not allowed"),
    ("u[0]", r"subscript \(indexing\) 'u\[0\]' is not allowed"),
    ("lambda: 1", r"lambda 'lambda: 1' is not allowed"),
    ("(lambda: 1)()", r"call of .*lambda.* is not allowed"),
    ("[x for x in u]", r"list comprehension .* is not allowed"),
    ("open('f')", r"unknown function 'open'"),
    ("eval('1')", r"unknown function 'eval'"),
    ("exec('import os')", r"unknown function 'exec'"),
    ("__builtins__", r"name '__builtins__' is not allowed"),
    ("'abc'", r"string literal 'abc' is not allowed"),
    ("2**99999999", r"exponent 99999999 .*too large"),
    ("9**9**9", r"exponent 387420489 .*too large"),
    ("u**100", r"exponent 100 .*too large"),
    ("u if x else v", r"conditional expression .* is not allowed"),
    ("u > 0", r"comparison '>' is not allowed"),
    ("u and v", r"boolean operator 'and' is not allowed"),
    ("not u", r"operator 'not' is not allowed"),
    ("u // 2", r"operator '//' is not allowed"),
    ("sin(u, v)", r"function 'sin' takes 1 argument, got 2"),
    ("maximum(u)", r"function 'maximum' takes 2 arguments, got 1"),
    ("sin(x=1)", r"keyword argument in 'sin\(x=1\)' is not allowed"),
    ("sin(*u)", r"starred argument .* is not allowed"),
    ("u +", r"syntax error .*at the end"),
    ("u + * v", r"syntax error .*at column 5"),
    ("x" * 5000, rf"expression is too long \(5000 characters, at most {MAX_LENGTH}\)"),
    ("(" * 500 + "u" + ")" * 500, r"nested too deeply"),
    ("-" * 1500 + "u", r"nested too deeply"),
    ("1j*u", r"complex number literal '1j' is not allowed"),
    ("True", r"boolean literal True is not allowed"),
    ("u(x)", r"'u' is not a function"),
    ("sin", r"function 'sin' used without arguments"),
    ("(u:=1)", r"assignment expression"),
    ("f'{u}'", r"f-string"),
    ("u, v", r"tuple 'u, v' is not allowed"),
    ("1/0", r"division by zero"),
    ("log(0)", r"constant 'log\(0\)' is not a finite real number"),
    ("(-8)**(1/3)", r"is not a finite real number"),
    ("", r"empty expression"),
]


@pytest.mark.parametrize("text, message", HOSTILE, ids=[h[0][:30] for h in HOSTILE])
def test_hostile_text_is_rejected_without_side_effects(text, message, no_side_effects):
    with pytest.raises(ExpressionError, match=message) as info:
        parse(text)
    assert "Known fields: u, v" in str(info.value)
    assert "in expression \"" in str(info.value)
    assert no_side_effects == []
    assert not os.path.exists(MARKER)


def test_errors_are_value_errors():
    assert issubclass(ExpressionError, ValueError)
    with pytest.raises(TypeError):
        parse_expression(["u"])
    with pytest.raises(TypeError):
        parse_expression("u", fields="u")


def test_whitespace_and_newlines_are_allowed():
    expr = parse("  u +\n  v  ")
    assert expr.names == ("u", "v")


def test_every_function_is_traceable():
    for name, (_, _, arity) in FUNCTIONS.items():
        expr = parse(f"{name}({', '.join(['v / 2'] * arity)})")
        g = jax.grad(lambda v: expr({"v": v}))(0.3)
        assert np.isfinite(g), name


def test_dtype_is_preserved_and_equality_is_identity():
    expr = parse("-sin(pi*x) * u**2 + 0.01/pi")
    result = expr({"x": jnp.ones(3, jnp.float32), "u": jnp.ones(3, jnp.float32)})
    assert result.dtype == jnp.float32 and result.shape == (3,)
    a = parse("nu*u", constants={"nu": 1.0})
    b = parse("nu*u", constants={"nu": 2.0})
    assert a != b and a == a
    assert float(a({"u": 1.0})) == 1.0 and float(b({"u": 1.0})) == 2.0
