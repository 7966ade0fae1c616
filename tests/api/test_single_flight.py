"""SingleFlight: one computation per key for the callers that ask while it runs (api.single_flight)."""

from __future__ import annotations

import asyncio

import pytest

from api.single_flight import SingleFlight


def test_callers_during_a_run_share_it_and_a_later_caller_computes_again() -> None:
    async def scenario() -> tuple[list[int], list[int], int]:
        flights = SingleFlight[int]()
        runs: list[int] = []
        gate = asyncio.Event()

        async def compute() -> int:
            runs.append(len(runs) + 1)
            await gate.wait()
            return len(runs)

        waiting = [asyncio.create_task(flights.run("k", compute)) for _ in range(5)]
        await asyncio.sleep(0)
        gate.set()
        first = await asyncio.gather(*waiting)
        again = await flights.run("k", compute)
        return first, runs, again

    first, runs, again = asyncio.run(scenario())
    assert first == [1] * 5 and runs == [1, 2] and again == 2


def test_a_caller_that_gives_up_does_not_stop_the_others() -> None:
    async def scenario() -> tuple[int, bool, int]:
        flights = SingleFlight[int]()
        gate = asyncio.Event()

        async def compute() -> int:
            await gate.wait()
            return 7

        leaver = asyncio.create_task(flights.run("k", compute))
        stayer = asyncio.create_task(flights.run("k", compute))
        await asyncio.sleep(0)
        leaver.cancel()  # its client disconnected
        await asyncio.sleep(0)
        gate.set()
        value = await stayer
        return value, leaver.cancelled(), len(flights)

    assert asyncio.run(scenario()) == (7, True, 0)


def test_an_error_reaches_every_caller_and_is_not_kept() -> None:
    async def scenario() -> tuple[list[BaseException | int], int]:
        flights = SingleFlight[int]()
        gate = asyncio.Event()

        async def compute() -> int:
            await gate.wait()
            raise ValueError("store down")

        waiting = [asyncio.create_task(flights.run("k", compute)) for _ in range(3)]
        await asyncio.sleep(0)
        gate.set()
        results = await asyncio.gather(*waiting, return_exceptions=True)
        return results, len(flights)

    results, running = asyncio.run(scenario())
    assert [type(r) for r in results] == [ValueError] * 3 and running == 0


def test_different_keys_run_apart() -> None:
    async def scenario() -> tuple[str, str]:
        flights = SingleFlight[str]()

        async def named(name: str) -> str:
            await asyncio.sleep(0.01)
            return name

        return await asyncio.gather(flights.run("a", lambda: named("a")), flights.run("b", lambda: named("b")))

    assert list(asyncio.run(scenario())) == ["a", "b"]


def test_a_task_of_another_loop_is_never_awaited() -> None:
    """A test client's portal runs its own loop and closes it; a task it left behind must not be joined."""
    flights = SingleFlight[int]()

    async def never() -> int:
        await asyncio.Event().wait()
        return 0

    async def leave_one() -> asyncio.Task[int]:
        left = asyncio.create_task(flights.run("k", never))
        await asyncio.sleep(0)
        return left

    loop = asyncio.new_event_loop()
    left = loop.run_until_complete(leave_one())  # that loop no longer runs, its task is left pending
    assert not left.done() and len(flights) == 1

    async def compute() -> int:
        return 5

    try:
        assert asyncio.run(flights.run("k", compute)) == 5
    finally:
        left.cancel()
        loop.run_until_complete(asyncio.gather(left, return_exceptions=True))
        loop.close()


@pytest.mark.parametrize("size", [1, 50])
def test_many_callers_one_run(size: int) -> None:
    async def scenario() -> int:
        flights = SingleFlight[int]()
        runs = 0

        async def compute() -> int:
            nonlocal runs
            runs += 1
            await asyncio.sleep(0.01)
            return runs

        await asyncio.gather(*(flights.run("k", compute) for _ in range(size)))
        return runs

    assert asyncio.run(scenario()) == 1
