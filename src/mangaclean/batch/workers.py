"""Pages cleaned in worker processes that neither outlive the run nor take it down.

A worker exits within a second of its parent's death (even by SIGKILL). A worker that dies
mid-page (the kernel's out-of-memory killer, a crash in native code) fails that page alone: the
pool is restarted and the page retried once, alone, to tell the culprit from its neighbours.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager


def default_threads(workers: int) -> int:
    """Threads per worker so that workers x threads <= cores."""
    return max(1, (os.cpu_count() or 1) // max(workers, 1))


@contextmanager
def worker_pool(workers: int, initializer, initargs):
    """Yield ``run(function, jobs, on_crash) -> iterator of results``, in order, computed in
    ``workers`` processes (1: in this process). ``on_crash(job)`` is the result of a job whose
    worker died twice."""
    if workers <= 1:
        initializer(*initargs)
        yield lambda function, jobs, on_crash: map(function, jobs)
        return
    pool = _Pool(workers, initializer, initargs)
    try:
        yield pool.run
    finally:
        pool.close()


class _Pool:
    def __init__(self, workers: int, initializer, initargs):
        import multiprocessing

        self._make = lambda: ProcessPoolExecutor(
            workers, multiprocessing.get_context("spawn"), _init_child, (os.getpid(), initializer, initargs)
        )
        self._executor = self._make()
        self._window = 2 * workers

    def run(self, function: Callable, jobs: Iterable, on_crash: Callable) -> Iterator:
        """Results in order, with at most ``2 x workers`` jobs queued (a restart redoes few)."""
        jobs, done = list(jobs), 0  # jobs[:done] are yielded
        while done < len(jobs):
            try:
                queued: deque = deque()
                for job in jobs[done : done + self._window]:
                    queued.append(self._executor.submit(function, job))
                while queued:
                    result = queued.popleft().result()
                    following = done + len(queued) + 1
                    if following < len(jobs):
                        queued.append(self._executor.submit(function, jobs[following]))
                    done += 1
                    yield result
            except BrokenProcessPool:
                self._restart()
                yield self._alone(function, jobs[done], on_crash)
                done += 1

    def _alone(self, function: Callable, job, on_crash: Callable):
        try:
            return self._executor.submit(function, job).result()
        except BrokenProcessPool:
            self._restart()
            return on_crash(job)

    def _restart(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._executor = self._make()

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


def _init_child(parent: int, initializer, initargs) -> None:
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    initializer(*initargs)


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)
