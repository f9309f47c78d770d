"""Safe arithmetic expressions over fields, derivatives and coordinates.

``parse_expression("u_t + u*u_x - nu*u_xx", fields=["u"], coordinates=["x", "t"],
constants={"nu": 0.01})`` returns an :class:`Expression`: a JAX-traceable function of a
mapping ``{name: array}`` that computes the expression elementwise.

Expressions are data, never code. The text is parsed with :func:`ast.parse` (mode
``"eval"``) and every node is checked against a whitelist: number literals, names,
``+ - * / **``, unary ``+ -``, parentheses and calls of a fixed set of ``jax.numpy``
functions with positional arguments. Nothing is ever evaluated by Python: the checked
tree is turned into nested closures that call ``jax.numpy``. Everything else (attributes,
subscripts, strings, comparisons, lambdas, keyword arguments, unknown names, ...) is
rejected with an :class:`ExpressionError` that names the offending construct, quotes the
expression and lists what is known.

Names, in order of lookup:

- declared ``constants`` (numbers, folded into the function) and the built-ins ``pi`` and
  ``e`` (a declared name shadows a built-in constant);
- ``parameters`` (trainable coefficients, read from the values like fields);
- ``coordinates`` and ``fields``;
- derivatives of fields, ``u_x``, ``u_xt``, ... up to order ``MAX_ORDER`` (8; see
  :mod:`pinnjax.problem.names`). They are read
  under their canonical name (axes in coordinate order), so ``u_tx`` reads ``"u_xt"``;
  :attr:`Expression.names` lists the canonical names.

Pure-constant subexpressions (``0.01/pi``, ``sin(pi/4)``) are folded to Python numbers in
double precision (integers past the int32 range become floats: JAX reads a Python int as
int32). Constant integer-valued exponents (``u**2``, ``u**3.0``) use integer
powers, exact and differentiable at 0; constant exponents larger than 64 in magnitude are
rejected.
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import math
import numbers
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Union

import jax
import jax.numpy as jnp
import jax.scipy.special
import numpy as np

from .names import MAX_ORDER, canonical_name, parse_derivative_name

MAX_LENGTH = 2000  # characters of expression text
MAX_NESTING = 100  # levels of brackets
MAX_TREE_DEPTH = 200  # levels of the syntax tree (e.g. a chain of 200 additions)
MAX_EXPONENT = 64  # largest magnitude of a constant exponent
_MAX_EXACT_INT = 2**31 - 1  # larger folded integers become floats (JAX reads a Python int as int32)
_QUOTE_CHARS = 120  # longer expression texts are shortened in messages

BUILTIN_CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}


def _np_sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


# name -> (jax function, numpy function for constant folding, number of arguments)
FUNCTIONS: dict[str, tuple[Callable, Callable, int]] = {
    "sin": (jnp.sin, np.sin, 1),
    "cos": (jnp.cos, np.cos, 1),
    "tan": (jnp.tan, np.tan, 1),
    "exp": (jnp.exp, np.exp, 1),
    "log": (jnp.log, np.log, 1),
    "sqrt": (jnp.sqrt, np.sqrt, 1),
    "tanh": (jnp.tanh, np.tanh, 1),
    "sinh": (jnp.sinh, np.sinh, 1),
    "cosh": (jnp.cosh, np.cosh, 1),
    "arcsin": (jnp.arcsin, np.arcsin, 1),
    "arccos": (jnp.arccos, np.arccos, 1),
    "arctan": (jnp.arctan, np.arctan, 1),
    "abs": (jnp.abs, np.abs, 1),
    "sign": (jnp.sign, np.sign, 1),
    "sigmoid": (jax.nn.sigmoid, _np_sigmoid, 1),
    "erf": (jax.scipy.special.erf, np.vectorize(math.erf), 1),
    "minimum": (jnp.minimum, np.minimum, 2),
    "maximum": (jnp.maximum, np.maximum, 2),
}

_BINARY_SYMBOLS = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**",
    ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.LShift: "<<",
    ast.RShift: ">>", ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&",
}
_UNARY_SYMBOLS = {ast.UAdd: "+", ast.USub: "-", ast.Not: "not", ast.Invert: "~"}
_COMPARE_SYMBOLS = {
    ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
    ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in",
}
_CONSTRUCT_NAMES = {
    ast.Attribute: "attribute access", ast.Subscript: "subscript (indexing)",
    ast.Lambda: "lambda", ast.IfExp: "conditional expression (... if ... else ...)",
    ast.ListComp: "list comprehension", ast.SetComp: "set comprehension",
    ast.DictComp: "dict comprehension", ast.GeneratorExp: "generator expression",
    ast.Tuple: "tuple", ast.List: "list", ast.Set: "set", ast.Dict: "dict",
    ast.JoinedStr: "f-string", ast.FormattedValue: "f-string",
    ast.NamedExpr: "assignment expression (:=)", ast.Starred: "starred argument",
    ast.Slice: "slice", ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield",
}

# A compiled node is a folded constant (int or float) or a function of the values.
_Node = Union[int, float, Callable[[Mapping[str, jax.Array]], jax.Array]]


class ExpressionError(ValueError):
    """An expression that cannot be parsed, or values that cannot be evaluated."""


@dataclasses.dataclass(frozen=True, eq=False)
class Expression:
    """A parsed expression: call it with ``{name: array}`` for every name in ``names``.

    ``names`` are the variables it reads (fields, canonical derivative names,
    coordinates, parameters) in order of first appearance; constants are folded in.
    The result is elementwise over the (equally shaped) values; an expression that reads
    no variable returns a 0-d array. Equality and hashing are by identity: the same text
    with other constants is another function.
    """

    text: str
    names: tuple[str, ...]
    _function: Callable = dataclasses.field(repr=False, compare=False)

    def __call__(self, values: Mapping[str, jax.Array | float]) -> jax.Array:
        resolved = {}
        for name in self.names:
            try:
                resolved[name] = jnp.asarray(values[name])
            except KeyError:
                given = ", ".join(sorted(map(str, values))) or "none"
                raise ExpressionError(
                    f"missing value for {name!r} needed by expression {_quote(self.text)}; "
                    f"it reads {', '.join(self.names)}; values were given for: {given}"
                ) from None
        return jnp.asarray(self._function(resolved))

    def __repr__(self) -> str:
        return f"Expression({self.text!r}, names={self.names!r})"


def _quote(text: str) -> str:
    if len(text) > _QUOTE_CHARS:
        text = text[: _QUOTE_CHARS - 3] + "..."
    return '"' + text + '"'


def _as_names(kind: str, names: Sequence[str]) -> tuple[str, ...]:
    if isinstance(names, str):
        raise TypeError(f"{kind} must be a sequence of names, not the string {names!r}")
    names = tuple(names)
    for name in names:
        if not isinstance(name, str) or not name.isidentifier():
            raise ExpressionError(f"{kind[:-1]} name {name!r} is not a valid identifier")
        if name.startswith("__"):
            raise ExpressionError(f"{kind[:-1]} name {name!r} may not start with '__'")
    return names


def _as_constant(name: str, value) -> int | float:
    """A declared constant as a Python int or float; it must be finite and real."""
    bad = ExpressionError(f"constant {name!r} must be a finite real number, got {value!r}")
    if isinstance(value, (bool, np.bool_)) or np.iscomplexobj(value) or not (
        isinstance(value, numbers.Real) or getattr(value, "shape", None) == ()
    ):
        raise bad
    if isinstance(value, numbers.Integral) and abs(int(value)) <= _MAX_EXACT_INT:
        return int(value)
    try:
        result = float(value)
    except (TypeError, ValueError, OverflowError):
        raise bad from None
    if not math.isfinite(result):
        raise bad
    return result


def _normalize(what: str, value: int | float) -> int | float:
    """Keep small integers exact; larger ones become floats; reject inf and nan."""
    if isinstance(value, int) and abs(value) > _MAX_EXACT_INT:
        try:
            value = float(value)
        except OverflowError:
            value = math.inf
    if isinstance(value, float) and not math.isfinite(value):
        raise ExpressionError(f"{what} is not a finite real number ({value})")
    return value


class _Compiler:
    def __init__(self, text, fields, coordinates, constants, parameters):
        self.text = text
        self.fields = fields
        self.coordinates = coordinates
        self.parameters = parameters
        declared = {*fields, *coordinates, *constants, *parameters}
        self.constants = {**constants, **{
            k: v for k, v in BUILTIN_CONSTANTS.items() if k not in declared}}
        self.names: list[str] = []
        self.source = ""

    # -- messages -------------------------------------------------------------------

    def known(self) -> str:
        def listing(names):
            return ", ".join(names) if names else "none"

        if self.fields and self.coordinates:
            f, c = self.fields[0], self.coordinates
            examples = [f"{f}_{c[0]}", f"{f}_{c[0]}{c[0]}"]
            if len(c) > 1:
                examples.append(f"{f}_{c[0]}{c[1]}")
            derivatives = f"{'/'.join(self.fields)}_<coords> e.g. {', '.join(examples)}"
        else:
            derivatives = "none"
        return (
            f"Known fields: {listing(self.fields)}; derivatives: {derivatives}; "
            f"coordinates: {listing(self.coordinates)}; "
            f"constants: {listing(list(self.constants))}; "
            f"parameters: {listing(self.parameters)}; functions: {listing(list(FUNCTIONS))}"
        )

    def error(self, problem: str, hint: str = "") -> ExpressionError:
        message = f"{problem} in expression {_quote(self.text)}"
        if hint:
            message += "; " + hint
        end = " " if message.endswith("?") else ". "
        return ExpressionError(message + end + self.known())

    def segment(self, node: ast.AST) -> str:
        text = ast.get_source_segment(self.source, node) or type(node).__name__
        return text if len(text) <= 60 else text[:57] + "..."

    def variable_candidates(self) -> list[str]:
        out = list(self.constants) + list(self.parameters) + list(self.coordinates)
        for f in self.fields:
            out.append(f)
            for i, a in enumerate(self.coordinates):
                out.append(f"{f}_{a}")
                out += [canonical_name(f, (i, j), self.coordinates)
                        for j in range(len(self.coordinates))]
        return out

    def did_you_mean(self, name: str, candidates: list[str]) -> str:
        matches = difflib.get_close_matches(name, candidates, n=3, cutoff=0.6)
        return "did you mean " + " or ".join(map(repr, matches)) + "?" if matches else ""

    # -- compilation ----------------------------------------------------------------

    def compile(self, node: ast.AST) -> _Node:
        method = getattr(self, "compile_" + type(node).__name__, None)
        if method is not None:
            return method(node)
        if isinstance(node, ast.Compare):
            op = _COMPARE_SYMBOLS.get(type(node.ops[0]), "?")
            raise self.error(f"comparison '{op}' is not allowed",
                             "comparisons and conditions are not supported")
        if isinstance(node, ast.BoolOp):
            op = "and" if isinstance(node.op, ast.And) else "or"
            raise self.error(f"boolean operator '{op}' is not allowed")
        construct = _CONSTRUCT_NAMES.get(type(node), f"construct {type(node).__name__}")
        if isinstance(node, ast.Attribute):
            construct += f" '.{node.attr}'"
        else:
            construct += f" '{self.segment(node)}'"
        raise self.error(
            f"{construct} is not allowed",
            "only numbers, names, + - * / **, parentheses and function calls are allowed",
        )

    def compile_Expression(self, node: ast.Expression) -> _Node:
        return self.compile(node.body)

    def compile_Constant(self, node: ast.Constant) -> _Node:
        value = node.value
        if isinstance(value, bool):
            raise self.error(f"boolean literal {value!r} is not allowed")
        if isinstance(value, complex):
            raise self.error(f"complex number literal {self.segment(node)!r} is not allowed")
        if isinstance(value, (str, bytes)):
            raise self.error(f"string literal {repr(value)[:40]} is not allowed")
        if isinstance(value, (int, float)):
            return self.normalize(node, value)
        raise self.error(f"literal {value!r} is not allowed")

    def compile_Name(self, node: ast.Name) -> _Node:
        name = node.id
        if name.startswith("__"):
            raise self.error(f"name {name!r} is not allowed",
                             "names starting with '__' are reserved")
        if name in self.constants:
            return self.constants[name]
        if name in FUNCTIONS:
            raise self.error(f"function {name!r} used without arguments",
                             f"write {name}(...)")
        if name in self.parameters or name in self.coordinates:
            return self.read(name)
        derivative = parse_derivative_name(name, self.fields, self.coordinates)
        if derivative is not None:
            if derivative.order > MAX_ORDER:
                raise self.error(f"derivative {self.segment(node)!r} has order {derivative.order}",
                                 f"derivatives are computed up to order {MAX_ORDER}")
            return self.read(canonical_name(derivative.field, derivative.axes, self.coordinates))
        hint = self.did_you_mean(name, self.variable_candidates())
        if not hint:
            for f in self.fields:
                if name.startswith(f + "_"):
                    hint = (f"{name!r} looks like a derivative of field {f!r}, but "
                            f"{name[len(f) + 1:]!r} is not made of coordinates")
                    break
        raise self.error(f"unknown name {name!r}", hint)

    def read(self, name: str) -> _Node:
        if name not in self.names:
            self.names.append(name)
        return lambda values: values[name]

    def compile_UnaryOp(self, node: ast.UnaryOp) -> _Node:
        symbol = _UNARY_SYMBOLS.get(type(node.op), "?")
        if not isinstance(node.op, (ast.UAdd, ast.USub)):
            raise self.error(f"operator '{symbol}' is not allowed")
        operand = self.compile(node.operand)
        if isinstance(node.op, ast.UAdd):
            return operand
        if isinstance(operand, (int, float)):
            return -operand
        return lambda values: -operand(values)

    def compile_BinOp(self, node: ast.BinOp) -> _Node:
        symbol = _BINARY_SYMBOLS.get(type(node.op), "?")
        if symbol not in ("+", "-", "*", "/", "**"):
            raise self.error(f"operator '{symbol}' is not allowed",
                             "allowed operators are + - * / **")
        left = self.compile(node.left)
        right = self.compile(node.right)
        if symbol == "**":
            return self.power(node, left, right)
        if symbol == "/" and isinstance(right, (int, float)) and right == 0:
            raise self.error(f"division by zero in {self.segment(node)!r}")
        if isinstance(left, (int, float)) and isinstance(right, (int, float)):
            folded = {"+": left + right, "-": left - right, "*": left * right}.get(symbol)
            if symbol == "/":
                folded = left / right
            return self.normalize(node, folded)
        f, g = self.lift(left), self.lift(right)
        if symbol == "+":
            return lambda values: f(values) + g(values)
        if symbol == "-":
            return lambda values: f(values) - g(values)
        if symbol == "*":
            return lambda values: f(values) * g(values)
        return lambda values: f(values) / g(values)

    def power(self, node: ast.BinOp, base: _Node, exponent: _Node) -> _Node:
        if isinstance(exponent, (int, float)):
            if abs(exponent) > MAX_EXPONENT:
                raise self.error(
                    f"exponent {exponent!r} in {self.segment(node)!r} is too large",
                    f"constant exponents must be at most {MAX_EXPONENT} in magnitude",
                )
            if float(exponent).is_integer():
                exponent = int(exponent)
        if isinstance(base, (int, float)) and isinstance(exponent, (int, float)):
            try:
                if isinstance(base, int) and isinstance(exponent, int) and exponent >= 0:
                    folded = base**exponent
                else:
                    folded = math.pow(base, exponent)
            except (ValueError, OverflowError, ZeroDivisionError):
                raise self.error(
                    f"constant {self.segment(node)!r} is not a finite real number"
                ) from None
            return self.normalize(node, folded)
        f, g = self.lift(base), self.lift(exponent)
        if isinstance(exponent, int):
            return lambda values: jnp.power(f(values), exponent)
        return lambda values: jnp.power(f(values), g(values))

    def compile_Call(self, node: ast.Call) -> _Node:
        if not isinstance(node.func, ast.Name):
            raise self.error(
                f"call of {self.segment(node.func)!r} is not allowed",
                "only the listed functions can be called, by name",
            )
        name = node.func.id
        if name not in FUNCTIONS:
            if name in self.variable_candidates() or parse_derivative_name(
                name, self.fields, self.coordinates
            ):
                raise self.error(f"{name!r} is not a function",
                                 "write * for multiplication")
            raise self.error(f"unknown function {name!r}",
                             self.did_you_mean(name, list(FUNCTIONS)))
        if node.keywords:
            raise self.error(
                f"keyword argument in {self.segment(node)!r} is not allowed",
                "pass arguments by position",
            )
        jax_function, np_function, arity = FUNCTIONS[name]
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.error(f"starred argument in {self.segment(node)!r} is not allowed")
        if len(node.args) != arity:
            plural = "s" if arity != 1 else ""
            raise self.error(
                f"function {name!r} takes {arity} argument{plural}, got {len(node.args)}"
            )
        args = [self.compile(arg) for arg in node.args]
        if all(isinstance(a, (int, float)) for a in args):
            with np.errstate(all="ignore"):
                folded = float(np_function(*(np.float64(a) for a in args)))
            return self.normalize(node, folded)
        lifted = [self.lift(a) for a in args]
        if arity == 1:
            (f,) = lifted
            return lambda values: jax_function(f(values))
        f, g = lifted
        return lambda values: jax_function(f(values), g(values))

    def normalize(self, node: ast.AST, value) -> int | float:
        try:
            return _normalize(f"constant {self.segment(node)!r}", value)
        except ExpressionError as error:
            raise self.error(str(error)) from None

    @staticmethod
    def lift(node: _Node) -> Callable[[Mapping[str, jax.Array]], jax.Array]:
        if isinstance(node, (int, float)):
            return lambda values: node
        return node


def _tree_depth(tree: ast.AST) -> int:
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _bracket_depth(text: str) -> int:
    depth = deepest = 0
    for char in text:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
    return deepest


def parse_expression(
    text: str,
    *,
    fields: Sequence[str] = (),
    coordinates: Sequence[str] = (),
    constants: Mapping[str, float] = {},  # noqa: B006 - read only
    parameters: Sequence[str] = (),
) -> Expression:
    """Parse ``text`` into an :class:`Expression`; raise :class:`ExpressionError` if the
    text is not a valid expression over the given names.

    A real number (int or float) is accepted for ``text`` and treated as its decimal text.
    """
    if isinstance(text, numbers.Real) and not isinstance(text, (bool, np.bool_)):
        text = repr(text.item() if hasattr(text, "item") else text)
    if not isinstance(text, str):
        raise TypeError(f"an expression must be a string, got {type(text).__name__}")
    fields = _as_names("fields", fields)
    coordinates = _as_names("coordinates", coordinates)
    parameters = _as_names("parameters", parameters)
    user_constants = {
        name: _as_constant(name, value)
        for name, value in zip(_as_names("constants", list(constants)), constants.values())
    }
    _check_declarations(fields, coordinates, user_constants, parameters)
    compiler = _Compiler(text, fields, coordinates, user_constants, parameters)

    if len(text) > MAX_LENGTH:
        raise compiler.error(
            f"expression is too long ({len(text)} characters, at most {MAX_LENGTH})"
        )
    if _bracket_depth(text) > MAX_NESTING:
        raise compiler.error(f"expression is nested too deeply (more than {MAX_NESTING} "
                             "levels of parentheses)")
    source = text.replace("\r", " ").replace("\n", " ")
    indent = len(source) - len(source.lstrip())
    source = source.strip()
    if not source:
        raise compiler.error("empty expression")
    compiler.source = " " * indent + source
    try:
        with warnings.catch_warnings():  # e.g. an invalid escape in a string literal, refused below anyway
            warnings.simplefilter("ignore")
            tree = ast.parse(source, mode="eval")
    except SyntaxError as error:
        if not error.offset or error.offset > len(source):
            where = "at the end"
        else:
            column = indent + error.offset
            where = f"at column {column}, near {text[column - 1:column + 19]!r}"
        raise compiler.error(f"syntax error ({error.msg}) {where}") from None
    except (ValueError, RecursionError, MemoryError) as error:
        raise compiler.error(f"cannot parse ({type(error).__name__}: {error})") from None
    if _tree_depth(tree) > MAX_TREE_DEPTH:
        raise compiler.error(f"expression is nested too deeply (more than "
                             f"{MAX_TREE_DEPTH} levels of operations)")
    # Syntax tree positions refer to the stripped source; shift them to the text.
    for node in ast.walk(tree):
        if hasattr(node, "col_offset"):
            node.col_offset += indent
            if getattr(node, "end_col_offset", None) is not None:
                node.end_col_offset += indent

    function = compiler.lift(compiler.compile(tree))
    return Expression(text=text, names=tuple(compiler.names), _function=function)


def _check_declarations(fields, coordinates, constants, parameters) -> None:
    seen: dict[str, str] = {}
    for kind, names in (("field", fields), ("coordinate", coordinates),
                        ("constant", list(constants)), ("parameter", parameters)):
        for name in names:
            if name in seen:
                same = "twice" if seen[name] == kind else f"as a {seen[name]} and a {kind}"
                raise ExpressionError(f"name {name!r} is declared {same}; names must be unique")
            if name in FUNCTIONS:
                raise ExpressionError(
                    f"{kind} name {name!r} clashes with the built-in function {name!r}"
                )
            seen[name] = kind
    for kind, names in (("coordinate", coordinates), ("constant", list(constants)),
                        ("parameter", parameters)):
        for name in names:
            derivative = parse_derivative_name(name, fields, coordinates)
            if derivative is not None:
                raise ExpressionError(
                    f"{kind} name {name!r} is ambiguous: it is also the derivative name of "
                    f"field {derivative.field!r}"
                )
