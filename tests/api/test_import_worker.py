"""Imports and index syncs run in a child process at a lower CPU priority (issue 15, item 10): the answer and
the job still say what happened, a bad file is still refused with its 4xx, and a child that is killed leaves
its job failed (or its upload refused with a 503), never waiting forever. Each test that kills a child makes
it wait first: on the index's writer lock, held here, or before it has read anything."""

from __future__ import annotations

import multiprocessing
import os
import signal
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from api.import_worker import MAX_WORKERS, NICENESS, index_writer, lower_priority
from matcher.demo import demo_data
from matcher.pipeline import Matcher
from matcher.services.index_catchup import IndexCatchUp
from matcher.store import TenderFilter
from tests.api.conftest import World

FIRMS_CSV = b"firm_id,name,description\nkr-new,New Co,Membrane filtration plants\nkr-bad,,no name\n"
DEADLINE = 300  # seconds a test waits for a child to reach a state (a loaded machine is slow, never this slow)


def wait_for(what: str, check: Callable[[], Any]) -> Any:
    deadline = time.monotonic() + DEADLINE
    while not (found := check()):
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)
    return found


def worker_process(kind: str) -> multiprocessing.process.BaseProcess | None:
    """This test process's import worker of ``kind`` (the app runs in-process under TestClient)."""
    return next((p for p in multiprocessing.active_children() if p.name == f"matcher-{kind}-worker"), None)


def in_thread(call: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    """``call()`` (a request through the test client, which waits for its background tasks) in a thread."""
    out: list[Any] = []
    thread = threading.Thread(target=lambda: out.append(call()), daemon=True)
    thread.start()
    return thread, out


def stored_count(matcher: Matcher) -> int:
    return matcher.search_tenders(TenderFilter(), limit=1)[0]


def test_an_import_is_stored_and_indexed_by_a_child_and_its_job_follows(empty_matcher: Matcher) -> None:
    from fastapi.testclient import TestClient

    from api.main import create_app
    from matcher.services.access import AccessControl

    officer = {"Authorization": f"Bearer {AccessControl(empty_matcher.engine.db).create_key('officer', 'o').token}"}
    client = TestClient(create_app(matcher=empty_matcher))
    with demo_data().tenders.open("rb") as notices:
        imported = client.post("/tenders/import", files={"file": ("demo.tar.gz", notices)}, headers=officer)
    assert imported.status_code == 200, imported.text
    assert (imported.json()["new"], imported.json()["unchanged"]) == (125, 0)
    job = client.get(f"/jobs/{imported.json()['index_job']['job_id']}", headers=officer).json()
    assert job["status"] == "done" and "index rebuilt: 125 added" in job["detail"]
    # What the child wrote is what this process serves: the store and the swapped-in build.
    assert stored_count(empty_matcher) == 125 and len(empty_matcher.index.current().vectors) == 125
    assert worker_process("tenders") is None  # the child has exited and been reaped
    # The child recorded its build for the serving processes' catch-up, which so has nothing to sync again.
    assert IndexCatchUp(empty_matcher.catalog, 5).due() is None

    with demo_data().tenders.open("rb") as notices:  # the same bytes again: stored as they were, no sync
        again = client.post("/tenders/import", files={"file": ("demo.tar.gz", notices)}, headers=officer)
    assert (again.json()["new"], again.json()["unchanged"], again.json()["index_job"]) == (0, 125, None)


def test_the_child_runs_at_a_lower_priority_and_a_killed_sync_fails_its_job(world: World) -> None:
    """The index sync after a batch upsert waits on the writer lock held here; its child, at the lower
    priority, is killed there: the job ends failed, naming the signal, and the previous index serves on."""
    tender = {"tender_id": "api:kill-1", "source": "api", "title": "Ultrafiltration membranes",
              "countries": ["KE"], "published": "2021-04-20"}
    before = world.matcher.index.current().build_id
    with index_writer(world.matcher.index.folder.root):
        thread, out = in_thread(lambda: world.client.post("/tenders", json={"tenders": [tender]},
                                                          headers=world.auth("officer")))
        child = wait_for("the sync worker", lambda: worker_process("index"))
        expected = min(19, os.getpriority(os.PRIO_PROCESS, 0) + NICENESS)
        pid = child.pid
        assert pid is not None
        wait_for(f"the worker at nice {expected}",
                 lambda: os.getpriority(os.PRIO_PROCESS, pid) == expected)
        os.kill(pid, signal.SIGKILL)
        thread.join(DEADLINE)
    (response,) = out
    assert response.status_code == 200 and response.json()["new"] == 1
    job = world.client.get(f"/jobs/{response.json()['index_job']['job_id']}", headers=world.auth("officer")).json()
    assert job["status"] == "failed" and job["finished_at"] is not None
    assert job["detail"].startswith("WorkerStopped: the index worker stopped (exit code -9)"), job["detail"]
    assert world.matcher.index.current().build_id == before


def test_an_upload_whose_child_is_killed_is_a_503_and_stores_nothing(world: World) -> None:
    before = stored_count(world.matcher)
    with demo_data().tenders.open("rb") as notices:
        data = notices.read()
    thread, out = in_thread(lambda: world.client.post(
        "/tenders/import", files={"file": ("more.tar.gz", data)}, headers=world.auth("officer")))
    child = wait_for("the import worker", lambda: worker_process("tenders"))
    assert child.pid is not None
    os.kill(child.pid, signal.SIGKILL)  # at once: it is still starting, long before it could store anything
    thread.join(DEADLINE)
    (response,) = out
    assert response.status_code == 503, response.text
    assert response.json()["error"] == "unavailable"
    assert response.json()["detail"].startswith("the tenders worker stopped (exit code -9) before it reported")
    assert stored_count(world.matcher) == before


@pytest.mark.slow
def test_a_child_that_hangs_is_stopped_after_its_timeout_and_frees_its_slot(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15: a child that never reports (here: waiting for the index lock a stuck holder keeps) was waited
    for forever, holding the request and one of the process's ``MAX_WORKERS`` slots."""
    monkeypatch.setattr(world.matcher.settings, "import_store_timeout_seconds", 1.0)
    before = stored_count(world.matcher)
    with demo_data().tenders.open("rb") as notices:
        data = notices.read()
    with index_writer(world.matcher.index.folder.root):
        for _ in range(MAX_WORKERS + 1):  # more than the slots: each hung child's slot came back
            response = world.client.post("/tenders/import", files={"file": ("more.tar.gz", data)},
                                         headers=world.auth("officer"))
            assert response.status_code == 503, response.text
            assert response.json()["detail"].startswith("the tenders worker gave no report within 1 s and was stopped")
            assert worker_process("tenders") is None
    assert stored_count(world.matcher) == before
    monkeypatch.setattr(world.matcher.settings, "import_store_timeout_seconds", 1800.0)
    response = world.client.post("/tenders/import", files={"file": ("more.tar.gz", data)},
                                 headers=world.auth("officer"))
    assert response.status_code == 200, response.text  # the lock is free: the same upload is stored


def test_a_bad_file_is_refused_by_the_child_with_its_error_and_no_temporary_file_stays(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(uploads))  # where saved_upload puts the file
    before = stored_count(world.matcher)
    bad = world.client.post("/tenders/import", files={"file": ("notice.xml", b"<TED_EXPORT><CODED")},
                            headers=world.auth("officer"))
    assert bad.status_code == 400 and bad.json()["error"] == "unreadable_file", bad.text
    assert bad.json()["detail"].startswith("notice.xml: ")
    unknown = world.client.post("/tenders/import", files={"file": ("notice.pdf", b"%PDF-1.7")},
                                headers=world.auth("officer"))
    assert unknown.status_code == 422 and "unsupported tender file 'notice.pdf'" in unknown.json()["detail"]
    firms = world.client.post("/firms/import", files={"file": ("firms.csv", FIRMS_CSV)},
                              headers=world.auth("officer"))
    assert firms.status_code == 200 and firms.json()["new"] == 1, firms.text
    assert [r["record"] for r in firms.json()["rejected"]] == ["firms.csv:3"]  # named as the client sent it
    assert world.matcher.get_firm("kr-new").name == "New Co"
    assert stored_count(world.matcher) == before
    assert list(uploads.iterdir()) == []


@pytest.mark.slow
def test_lower_priority_reaches_threads_started_before_it() -> None:
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        own, early, later = pool.apply(_priorities_after_lowering, (5,))
    base = os.getpriority(os.PRIO_PROCESS, 0)  # the pool's process starts at this process's nice value
    assert (own, early, later) == (min(19, base + 5),) * 3


def _priorities_after_lowering(niceness: int) -> tuple[int, int, int]:
    """In a child: a thread started before ``lower_priority`` and one started after, as BLAS threads are."""
    ready, done = threading.Event(), threading.Event()
    seen: dict[str, int] = {}

    def early() -> None:
        seen["early_tid"] = threading.get_native_id()
        ready.set()
        done.wait()

    thread = threading.Thread(target=early)
    thread.start()
    ready.wait()
    lower_priority(niceness)
    later = threading.Thread(target=lambda: seen.update(later=os.getpriority(os.PRIO_PROCESS, 0)))
    later.start()
    later.join()
    early_priority = os.getpriority(os.PRIO_PROCESS, seen["early_tid"])
    done.set()
    thread.join()
    return os.getpriority(os.PRIO_PROCESS, 0), early_priority, seen["later"]
