"""Subcommands of ``pinnjax`` beyond run/resume/predict/validate/list/discover.

Each module here has ``add_parsers(sub) -> {command: function(args) -> exit code}``; the
functions raise :class:`BadInput` for a user error (reported in one paragraph, exit 2).
"""

from __future__ import annotations


class BadInput(Exception):
    """A user error reported as one paragraph with exit code 2."""


MODULES = ("compare", "diagnostics")
