"""Files a config or a command names: why a path cannot be read, and .npz arrays read
without ever unpickling (a pickle can run code when it is loaded)."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import numpy as np

PICKLES_REFUSED = ("holds pickled Python objects (an object array, or a pickle); pickles are refused because "
                   "loading one can run code: save plain numeric arrays, e.g. np.savez(path, x=x, t=t, u=u)")


class UnreadableFile(ValueError):
    """A file that exists but cannot be read as asked; the message completes "file '...' ..."."""


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


def load_npz(path: Path) -> dict[str, np.ndarray]:
    """The named arrays of an .npz file; :class:`UnreadableFile` for a pickle or a damaged file."""
    try:
        data = np.load(path, allow_pickle=False)
        if not isinstance(data, np.lib.npyio.NpzFile):
            raise UnreadableFile("holds one array (.npy), not named arrays (.npz); save them with np.savez(path, x=x, ...)")
        with data:
            return {name: data[name] for name in data.files}
    except UnreadableFile:
        raise
    except ValueError as err:
        if "pickle" in str(err):
            raise UnreadableFile(PICKLES_REFUSED) from None
        raise UnreadableFile(f"is not a readable .npz of arrays ({err})") from None
    except (OSError, EOFError, zipfile.BadZipFile, KeyError) as err:
        raise UnreadableFile(f"is not a readable .npz of arrays ({type(err).__name__}: {err})") from None
