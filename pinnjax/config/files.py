"""Files a config or a command names: why a path cannot be read."""

from __future__ import annotations

import stat
from pathlib import Path


def path_problem(path: Path) -> str | None:
    """Why ``path`` is not a readable regular file ("does not exist", "is a directory, not a
    file", ...), or None when it is one."""
    try:
        mode = Path(path).stat().st_mode
    except FileNotFoundError:
        return "does not exist"
    except OSError as err:  # e.g. a name too long, a part of the path that is a file
        return f"cannot be opened ({err.strerror or err})"
    if stat.S_ISDIR(mode):
        return "is a directory, not a file"
    return None if stat.S_ISREG(mode) else "is not a regular file"
