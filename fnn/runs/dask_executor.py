"""Sweeps on a Dask cluster: an :class:`~fnn.runs.sweep.Executor` that trains a sweep's tasks on dask.distributed.

``with dask_executor("tcp://HOST:8786") as executor: run_sweep(configs, executor=executor)``
connects to a running scheduler; ``dask_executor("local:4")`` starts a
``LocalCluster`` of 4 worker processes on this machine and closes it at the
end. Each task (a stack of configurations, or one) is one future running the
function the local pool's workers run, :func:`fnn.runs.sweep._train_task`,
with the plugin settings sent along, so a worker needs only fnn and the same
plugins installed. Results come back as they finish (``as_completed``) and
keep the configs' order; with as many workers as the local pool, the tasks and
so the numbers are the same.

dask is an optional extra (``pip install "fnn[dask]"``), imported here only
when a cluster is asked for: ``import fnn`` never loads it.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from types import ModuleType
from typing import Any, Callable, Iterator, NamedTuple, Sequence

from fnn.errors import ConfigError, FnnError
from fnn.plugins.registry import Registry
from fnn.runs.settings import RunConfig
from fnn.runs.sweep import (WORKER_DIED, SweepRun, _failed, _reason, _train_task, _workers_ignore_sigint,
                            worker_plugins)

LOCAL = "local:"
"""An address that starts a cluster here: ``local:N``, N worker processes of one thread each."""
CONNECT_SECONDS = 10.0
"""How long to wait for a scheduler to answer before saying it cannot be reached."""
RETRIES = 2
"""How often Dask runs a task again after it raised. A task whose worker dies is rescheduled by Dask
itself (up to its ``distributed.scheduler.allowed-failures``, 3 by default), then fails its runs."""
INSTALL = 'pip install "fnn[dask]"'


class DaskExecutor(NamedTuple):
    """Trains a sweep's tasks as futures of a ``distributed.Client``; see :class:`~fnn.runs.sweep.Executor`."""

    client: Any  # a distributed.Client: typed loosely, so that this module imports without dask

    @property
    def workers(self) -> int:
        """The cluster's threads, over all its workers (at least 1, for a cluster whose workers have not joined)."""
        return max(1, sum(self.client.nthreads().values()))

    def train(self, configs: Sequence[RunConfig], tasks: list[list[int]],
              done: Callable[[list[int], list[SweepRun]], None], registry: Registry) -> None:
        from distributed import KilledWorker, as_completed

        plugins = worker_plugins(registry, "a Dask cluster's workers", "train without a scheduler")
        sweep = uuid.uuid4().hex  # keys unique to this sweep; the dashboard groups them under "fnn-sweep"
        futures = {self.client.submit(_train_task, [configs[i] for i in task], plugins, pure=False, retries=RETRIES,
                                      key=f"fnn-sweep-{sweep}-{number}"): task
                   for number, task in enumerate(tasks)}
        try:
            for future in as_completed(futures):
                task = futures[future]
                try:
                    runs = future.result()
                except KilledWorker:  # its workers died, as many times as the scheduler allows
                    runs = [_failed(configs[i], WORKER_DIED) for i in task]
                except Exception as error:  # a result that cannot come back (unpicklable, say)
                    runs = [_failed(configs[i], _reason(error)) for i in task]
                done(task, runs)
        except BaseException:
            # A task already running on a worker finishes there (Dask cannot stop it); nothing new starts.
            self.client.cancel(list(futures), force=True)
            raise


@contextlib.contextmanager
def dask_executor(address: str, timeout: float = CONNECT_SECONDS) -> Iterator[DaskExecutor]:
    """A :class:`DaskExecutor` on the scheduler at ``address``, or on a cluster of N local worker processes
    for ``local:N``, started now and closed on exit. ``ConfigError`` without dask installed or for a bad
    ``local:N``; ``FnnError`` when no scheduler answers at ``address`` within ``timeout`` seconds."""
    distributed = _distributed()
    count = local_workers(address)
    with contextlib.ExitStack() as stack:
        if count is None:
            client = _connect(distributed, address, timeout)
        else:
            # Workers that ignore Ctrl-C from their first instruction: the sweep's process decides what it does.
            with _workers_ignore_sigint():
                # Errors only: Dask's warnings on closing (a cancelled task, a worker killed after a few
                # seconds of finishing its run) are about its own housekeeping, not the sweep.
                # No dashboard; the scheduler's HTTP server (health, metrics) on a free port, not 8787, so that
                # two sweeps, or a cluster already running, do not warn that it is taken.
                cluster = distributed.LocalCluster(n_workers=count, threads_per_worker=1, processes=True,
                                                   dashboard_address=None, silence_logs=logging.ERROR,
                                                   scheduler_kwargs={"dashboard_address": ":0"})
            stack.enter_context(cluster)
            client = distributed.Client(cluster)
        stack.enter_context(client)
        yield DaskExecutor(client)


def local_workers(address: str) -> int | None:
    """N for ``local:N`` (a cluster to start here), None for the address of a running scheduler."""
    if not address.startswith(LOCAL):
        return None
    count = address.removeprefix(LOCAL)
    if not count.isdigit() or int(count) < 1:
        raise ConfigError(f"{address!r}: local:N takes a number of worker processes, at least 1 (local:2, say)")
    return int(count)


def _distributed() -> ModuleType:
    try:
        import distributed
    except ImportError:
        raise ConfigError(f"sweeps on a Dask cluster need dask.distributed, which is not installed: {INSTALL}") \
            from None
    return distributed


def _connect(distributed: ModuleType, address: str, timeout: float) -> Any:
    try:
        return distributed.Client(address, timeout=timeout)
    except ValueError as error:  # dask's words: "missing port number in address 'x'"
        raise ConfigError(f"{address!r} is not a Dask scheduler's address ({error}); give tcp://HOST:PORT "
                          f"(dask scheduler prints it), or {LOCAL}N to start a cluster here") from None
    except (OSError, TimeoutError):  # refused or timed out: dask retries a refused address until the timeout
        raise FnnError(f"cannot reach a Dask scheduler at {address!r} within {timeout:g} s; start one "
                       f"(dask scheduler), or give {LOCAL}N to start a cluster here") from None
