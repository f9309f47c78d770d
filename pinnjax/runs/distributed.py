"""Runs over several processes or hosts, on JAX's own machinery (``jax.distributed``).

Every process builds the same experiment and trains it on one mesh over all processes'
devices; each process places only its own devices' rows of the batch (see
:mod:`pinnjax.train.sharding`), so the steps are those of a run on one process. Process 0
alone writes the run directory and reports progress; the others write nothing.

Which processes form the run comes from the flags (``--coordinator HOST:PORT
--num-processes N --process-id I``), else from the environment: ``JAX_COORDINATOR_ADDRESS``,
or a launcher JAX detects (a SLURM step or an Open MPI job of more than one task).
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping

ADDRESS = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d+)$")
SLURM = ("SLURM_JOB_ID", "SLURM_STEP_NODELIST", "SLURM_NTASKS", "SLURM_PROCID", "SLURM_LOCALID")


class ClusterError(ValueError):
    """Bad values for the processes of a run (a user error)."""


class JoinError(RuntimeError):
    """``jax.distributed.initialize`` failed (no coordinator, a platform without it, ...)."""


@dataclasses.dataclass(frozen=True)
class Cluster:
    """How this process joins a run of several: what is unset (None) JAX detects itself."""

    coordinator: str | None = None
    num_processes: int | None = None
    process_id: int | None = None

    def describe(self) -> str:
        def shown(value):
            return "detected" if value is None else value

        return (f"coordinator {shown(self.coordinator)}, process {shown(self.process_id)} of "
                f"{shown(self.num_processes)}")


def _launcher_tasks(environ: Mapping[str, str]) -> int:
    """Tasks of the SLURM step or Open MPI job this process belongs to (1 when none)."""
    try:
        if all(k in environ for k in SLURM):
            return int(environ.get("SLURM_STEP_NUM_TASKS") or environ["SLURM_NTASKS"])
        if "OMPI_MCA_orte_hnp_uri" in environ:
            return int(environ.get("OMPI_COMM_WORLD_SIZE", "1"))
    except ValueError:
        return 1
    return 1


def requested(coordinator: str | None = None, num_processes: int | None = None, process_id: int | None = None,
              environ: Mapping[str, str] | None = None) -> Cluster | None:
    """The run of several processes the flags or ``environ`` ask for; None for one process
    (also ``num_processes=1``). :class:`ClusterError` for values that cannot work."""
    environ = os.environ if environ is None else environ
    if num_processes is not None and num_processes < 1:
        raise ClusterError(f"--num-processes must be at least 1, got {num_processes}")
    if process_id is not None and process_id < 0:
        raise ClusterError(f"--process-id must be 0 or more, got {process_id}")
    if num_processes is not None and process_id is not None and process_id >= num_processes:
        raise ClusterError(f"--process-id {process_id} is not below --num-processes {num_processes}: the processes "
                           f"of a run of {num_processes} are numbered 0 to {num_processes - 1}")
    if not _address_ok(coordinator):
        raise ClusterError(f"--coordinator must be HOST:PORT (port 1-65535), e.g. node001:12345 or 10.0.0.1:12345, "
                           f"got {coordinator!r}")
    if num_processes == 1:
        return None
    coordinator = coordinator or environ.get("JAX_COORDINATOR_ADDRESS") or None
    launched = _launcher_tasks(environ) > 1
    if not launched and coordinator is None and num_processes is None and process_id is None:
        return None
    missing = [flag for flag, value in (("--coordinator HOST:PORT", coordinator), ("--num-processes N", num_processes),
                                        ("--process-id I", process_id)) if value is None]
    if missing and not launched:
        raise ClusterError(f"a run of several processes needs {', '.join(missing)} (no SLURM step or Open MPI job "
                           "of several tasks to detect them from); give all three on every process")
    return Cluster(coordinator, num_processes, process_id)


def _address_ok(coordinator: str | None) -> bool:
    match = ADDRESS.match(coordinator) if coordinator is not None else None
    return coordinator is None or (match is not None and 1 <= int(match.group(2)) <= 65535)


def join(cluster: Cluster, timeout_s: int = 300) -> None:
    """Join ``cluster`` (before any JAX computation); :class:`JoinError` when JAX cannot."""
    import jax

    if getattr(jax.config, "jax_cpu_collectives_implementation", "gloo") is None:
        jax.config.update("jax_cpu_collectives_implementation", "gloo")  # older JAX: none by default on CPU
    try:
        jax.distributed.initialize(cluster.coordinator, cluster.num_processes, cluster.process_id,
                                   initialization_timeout=timeout_s)
    except Exception as err:  # noqa: BLE001 - JAX raises ValueError, RuntimeError or its runtime's errors
        raise JoinError(f"cannot join the distributed run ({cluster.describe()}): "
                        f"{type(err).__name__}: {err}") from None


def leave() -> None:
    """Leave the run: waits until every process has finished its part."""
    import jax

    jax.distributed.shutdown()


def is_writer() -> bool:
    """Whether this process writes the run directory and reports (process 0)."""
    import jax

    return jax.process_index() == 0


def train_without_writing(exp, mesh) -> bool:
    """A non-writing process's part of the run: the same training, nothing written;
    True when it ended well (no phase stopped on a non-finite loss)."""
    from ..train.solve import solve

    result = solve(exp.problem, exp.network, exp.phases, mesh=mesh, **exp.solve_kwargs)
    return not any(r.stop_reason == "non-finite loss" for r in result.phases)
