"""ConfigError: one paragraph naming the key path, its YAML line, what came, what fits."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class ConfigError(ValueError):
    """A problem in a config. ``path`` like ``terms[0].residual``; ``line`` 1-based or None."""

    def __init__(self, path: str, message: str, line: int | None = None):
        self.path, self.line, self.detail = path, line, message
        where = f"{shorten(path, 200) or 'the config'}" + (f" (line {line})" if line else "")
        super().__init__(one_line(f"{where}: {message}"))


def one_line(text: str) -> str:
    """``text`` with line breaks as spaces and other unprintable characters escaped (user
    text quoted in a message must not break it into several lines or move the cursor)."""
    text = " ".join(text.splitlines())
    return text if text.isprintable() else "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def shorten(text: str, limit: int = 120) -> str:
    """``text``, cut to ``limit`` characters with "..." (user input quoted in a message)."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def did_you_mean(value, choices: Iterable[str]) -> str:
    near = difflib.get_close_matches(str(value), list(choices), n=1, cutoff=0.6)
    return f" Did you mean {near[0]!r}?" if near else ""


def describe(value) -> str:
    """``'abc' (str)`` — the received value and its type, shortened."""
    return f"{shorten(repr(value), 60)} ({type_name(value)})"


def type_name(value) -> str:
    """``str``, ``int``, ``mapping``, ``list``, ... (the loader's own classes hidden)."""
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, list):
        return "list"
    return "null" if value is None else type(value).__name__
