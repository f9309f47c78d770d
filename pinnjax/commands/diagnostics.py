"""``pinnjax landscape RUN_DIR`` and ``pinnjax hessian RUN_DIR`` (being written)."""

from __future__ import annotations


def add_parsers(sub) -> dict:
    return {}
