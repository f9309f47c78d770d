"""``pinnjax compare CONFIG --vary KEY=V1,V2 --seeds N --out DIR`` (being written)."""

from __future__ import annotations


def add_parsers(sub) -> dict:
    return {}
