"""RequestGuard: one lazily re-armed timer ends overdue requests, and nothing else."""

from __future__ import annotations

import asyncio

import pytest

from drivers.modbus.deadline import RequestGuard


async def _answer_soon(value: int) -> int:
    await asyncio.sleep(0)
    return value


def test_an_answered_request_returns_its_value_and_leaves_the_task_uncancelled() -> None:
    async def main() -> tuple[list[int], int]:
        guard = RequestGuard()
        values = [await guard.run(_answer_soon(n), 5.0) for n in range(3)]
        task = asyncio.current_task()
        assert task is not None
        guard.close()
        return values, task.cancelling()

    assert asyncio.run(main()) == ([0, 1, 2], 0)


def test_a_request_that_never_answers_raises_timeout_error() -> None:
    async def main() -> RequestGuard:
        guard = RequestGuard()
        with pytest.raises(TimeoutError):
            await guard.run(asyncio.Event().wait(), 0.05)
        task = asyncio.current_task()
        assert task is not None and task.cancelling() == 0
        assert await guard.run(_answer_soon(7), 5.0) == 7  # usable afterwards
        return guard

    assert asyncio.run(main()).expired == 1


def test_a_short_timeout_after_a_long_one_still_fires() -> None:
    """The timer armed for a long request moves earlier for a shorter one."""

    async def main() -> RequestGuard:
        guard = RequestGuard()
        await guard.run(_answer_soon(1), 3600.0)  # arms a timer an hour away
        with pytest.raises(TimeoutError):
            await guard.run(asyncio.Event().wait(), 0.05)
        return guard

    assert asyncio.run(main()).expired == 1


def test_a_timer_left_by_an_earlier_request_re_arms_for_the_one_in_flight() -> None:
    """The earlier request's timer fires while a later request is still within its time."""

    async def main() -> tuple[RequestGuard, str]:
        guard = RequestGuard()
        await guard.run(_answer_soon(1), 0.02)  # timer due in 20 ms, request already done
        waited = asyncio.create_task(asyncio.sleep(0.1, "late but in time"))
        result = await guard.run(waited, 30.0)  # outlives the first timer
        return guard, result

    guard, result = asyncio.run(main())
    assert result == "late but in time"
    assert guard.expired == 0


def test_cancelling_the_caller_is_not_turned_into_a_timeout() -> None:
    async def caller(guard: RequestGuard, started: asyncio.Event) -> None:
        started.set()
        await guard.run(asyncio.Event().wait(), 30.0)

    async def main() -> RequestGuard:
        guard = RequestGuard()
        started = asyncio.Event()
        task = asyncio.create_task(caller(guard, started))
        await started.wait()
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        guard.close()
        return guard

    assert asyncio.run(main()).expired == 0


def test_errors_of_the_request_pass_through() -> None:
    async def failing() -> None:
        await asyncio.sleep(0)
        raise ConnectionResetError("peer reset")

    async def main() -> None:
        with pytest.raises(ConnectionResetError):
            await RequestGuard().run(failing(), 5.0)

    asyncio.run(main())
