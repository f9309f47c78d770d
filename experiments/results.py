"""Writing benchmark tables into experiments/RESULTS.md, stamped with machine, versions, date.

Each benchmark owns one section (``## title``): a caption of a few lines and its table;
rewriting it replaces that section only. Method notes and the history of variants live in
experiments/NOTES.md (one heading per section), not in the captions. A table too long for
RESULTS.md goes to a page of its own (:func:`write_page`).
"""

from __future__ import annotations

import datetime
import os
import platform
import re
import statistics
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HEADER = ("# Results\n\nTables written by the scripts in experiments/; how each is made, the method notes "
          "and the history of variants are in [NOTES.md](NOTES.md).\n")


def median(values):
    return statistics.median(values)


def stamp() -> str:
    import jax
    import jaxlib
    import optax

    try:
        import equinox

        eqx_version = equinox.__version__
    except Exception:  # noqa: BLE001 - version is informative only
        eqx_version = "?"
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    devices = ", ".join(sorted({d.device_kind for d in jax.devices()}))
    return (
        f"_{datetime.date.today().isoformat()} · {cpu}, {os.cpu_count()} cores · {devices} · "
        f"Python {platform.python_version()} · jax {jax.__version__} / jaxlib {jaxlib.__version__} · "
        f"optax {optax.__version__} · equinox {eqx_version}_"
    )


def write_section(title: str, description: str, table: str) -> None:
    """Replace (or append) the section ``## title`` of RESULTS.md."""
    body = f"## {title}\n\n{stamp()}\n\n{description}\n\n{table}\n"
    text = RESULTS.read_text() if RESULTS.exists() else HEADER
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: body + "\n", text)
    else:
        text = text.rstrip("\n") + "\n\n" + body
    RESULTS.write_text(text.rstrip("\n") + "\n")


def write_page(path: Path, title: str, description: str, table: str) -> None:
    """Write ``path`` as a whole generated page ``# title``: stamp, caption, table."""
    Path(path).write_text(f"# {title}\n\n{stamp()}\n\n{description}\n\n{table}\n")
