"""The package's shape: every module imports only from its own layer or the layers below,
no import cycles, and only ``runs/``, ``commands/`` and the CLI write files (a short ``ast`` walk)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "pinnjax"
# lowest first: a module may import from its own layer and the ones before it
LAYERS = ("losses", "analysis", "geometry", "problem", "engine", "nn", "train", "reference", "discovery", "diagnostics",
          "config", "runs", "commands", "cli")
WRITERS = ("runs", "commands", "cli")
# method names that only ever write, and module functions that write (``os.replace``, ``np.save``)
WRITE_METHODS = {"write_text", "write_bytes", "savefig", "mkdir", "makedirs", "tree_serialise_leaves", "rmtree",
                 "copyfile", "savez", "savez_compressed", "touch"}
WRITE_FUNCTIONS = {"os.replace", "os.rename", "os.remove", "os.unlink", "np.save", "numpy.save", "json.dump",
                   "yaml.dump", "yaml.safe_dump", "pickle.dump", "shutil.move", "shutil.copy"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imported(path: Path) -> set[str]:
    """Every pinnjax module ``path`` imports, at module level or inside functions."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "pinnjax"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            elif (node.module or "").split(".")[0] == "pinnjax":
                target = node.module
            else:
                continue
            for alias in node.names:  # "from . import registry" imports a module
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in MODULES else target)
    return found


def layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 else None  # None: the top-level public API


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_only_go_down(module):
    own = layer(module)
    upward = [t for t in imported(MODULES[module]) if own is not None and (layer(t) is None or layer(t) > own)]
    assert not upward, f"{module} (layer {LAYERS[own]}) imports from a higher layer: {sorted(upward)}"


def test_no_import_cycles():
    graph = {m: {t for t in imported(p) if t in MODULES and t != m} for m, p in MODULES.items()}
    state: dict[str, int] = {}

    def visit(m, stack):
        state[m] = 1
        for t in sorted(graph[m]):
            if state.get(t) == 1:
                raise AssertionError("import cycle: " + " -> ".join(stack[stack.index(t):] + [t]))
            if t not in state:
                visit(t, stack + [t])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])


def writes_files(path: Path) -> list[str]:
    """Calls that write files: open(..., "w"/"a"/"x") and the write methods in WRITE_CALLS."""
    hits = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        fn = node.func
        name = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", "")
        if name == "open":
            modes = [a.value for a in node.args[1:2] + [k.value for k in node.keywords if k.arg == "mode"]
                     if isinstance(a, ast.Constant)]
            if any(set(str(m)) & set("wax+") for m in modes):
                hits.append(f"line {node.lineno}: open(..., {modes[0]!r})")
        elif name in WRITE_METHODS or _qualified(fn) in WRITE_FUNCTIONS:
            if _qualified(fn) in ("yaml.safe_dump", "yaml.dump") and len(node.args) < 2:
                continue  # yaml.safe_dump(obj) returns text
            hits.append(f"line {node.lineno}: {name}()")
    return hits


def _qualified(fn) -> str:
    owner = fn.value if isinstance(fn, ast.Attribute) else None
    return f"{owner.id}.{fn.attr}" if isinstance(owner, ast.Name) else ""


@pytest.mark.parametrize("module", sorted(m for m in MODULES if layer(m) is not None and LAYERS[layer(m)] not in WRITERS))
def test_only_runs_and_cli_write_files(module):
    assert not writes_files(MODULES[module]), f"{module} writes files: {writes_files(MODULES[module])}"


def test_the_checks_catch_violations(tmp_path):
    """The walk sees an upward import and a write (so the tests above can fail)."""
    fake = PACKAGE / "geometry" / "base.py"
    assert "pinnjax.geometry.sampling" in imported(fake)
    src = tmp_path / "w.py"
    src.write_text("import os\nopen('f', 'w')\nos.replace('a', 'b')\n'x'.replace('a', 'b')\n")
    assert [h.split(":")[0] for h in writes_files(src)] == ["line 2", "line 3"]
