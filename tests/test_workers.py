"""Worker processes: a worker that dies fails its own job only, and the rest of the batch goes on."""

import os

from mangaclean.batch.workers import worker_pool


def _nothing():
    pass


def _square_or_die(job: int) -> int:
    if job == 3:
        os._exit(9)  # as the out-of-memory killer would end it
    return job * job


def test_a_dying_worker_fails_only_its_own_job():
    with worker_pool(2, _nothing, ()) as run:
        results = list(run(_square_or_die, range(8), lambda job: f"died on {job}"))
    assert results == [0, 1, 4, "died on 3", 16, 25, 36, 49]


def test_one_worker_runs_in_this_process():
    with worker_pool(1, _nothing, ()) as run:
        assert list(run(abs, [-1, 2], None)) == [1, 2]


def _die_first(job: int) -> int:
    if job == 0:
        os._exit(9)
    return job


def test_a_death_while_jobs_are_queued_fails_only_that_job():
    with worker_pool(2, _nothing, ()) as run:
        results = list(run(_die_first, range(400), lambda job: -1))
    assert results == [-1, *range(1, 400)]
