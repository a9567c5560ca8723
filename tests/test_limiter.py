"""The one flood limiter, on virtual time: budgets, priorities, bursts, pauses."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from bot.limiter import Deferred, FloodLimiter, Priority
from tests.support.dispatch_helpers import VirtualTime


def limiter(vt: VirtualTime, **options: float) -> FloodLimiter:
    return FloodLimiter(monotonic=vt.monotonic, sleep=vt.sleep, **options)  # type: ignore[arg-type]


async def send(lim: FloodLimiter, vt: VirtualTime, log: list[tuple[float, int | None, str]],
               chat: int | None, priority: Priority = Priority.REPLY, name: str = "",
               answer_after: float = 0.0) -> None:
    """One request: wait for a slot, note when it left, answer ``answer_after`` s later."""
    async with lim.slot(chat, priority):
        log.append((vt.now, chat, name))
        if answer_after:
            await asyncio.sleep(0)
            vt.advance(answer_after)


async def test_thirty_a_second_with_bursts_of_thirty_counted_from_answers() -> None:
    vt = VirtualTime()
    lim = limiter(vt, per_second=30)
    log: list[tuple[float, int | None, str]] = []
    await asyncio.gather(*(send(lim, vt, log, chat) for chat in range(1, 151)))
    times = sorted(at for at, _, _ in log)
    assert len(times) == 150
    assert all(j - i + 1 <= 30 + 30 * (times[j] - times[i]) + 1e-6
               for i in range(len(times)) for j in range(i, len(times)))
    assert times[-1] - times[0] < 4.1  # a burst of 30, then 120 at 30 a second: none wasted


async def test_a_persons_burst_of_three_then_one_per_second_in_order() -> None:
    vt = VirtualTime()
    lim = limiter(vt)
    log: list[tuple[float, int | None, str]] = []
    await asyncio.gather(*(send(lim, vt, log, 42, name=str(i)) for i in range(10)))
    assert [name for _, _, name in log] == [str(i) for i in range(10)]  # in order
    times = [at for at, _, _ in log]
    assert times[2] - times[0] < 0.01  # a burst of three at once
    assert all(b - a >= 1.0 - 1e-9 for a, b in itertools.pairwise(times[2:]))


async def test_background_messages_to_one_chat_keep_strictly_to_one_per_second() -> None:
    vt = VirtualTime()
    lim = limiter(vt)
    log: list[tuple[float, int | None, str]] = []
    await asyncio.gather(*(send(lim, vt, log, 42, Priority.BACKGROUND) for _ in range(4)))
    times = [at for at, _, _ in log]
    assert all(b - a >= 1.0 - 1e-9 for a, b in itertools.pairwise(times))


async def test_groups_get_twenty_per_minute() -> None:
    vt = VirtualTime()
    lim = limiter(vt)
    log: list[tuple[float, int | None, str]] = []
    await asyncio.gather(*(send(lim, vt, log, -100123) for _ in range(21)))
    times = [at for at, _, _ in log]
    assert times[20] - times[0] >= 60.0 - 1e-9


async def test_replies_and_callback_answers_go_before_the_outbox() -> None:
    vt = VirtualTime()
    lim = limiter(vt, per_second=30)
    log: list[tuple[float, int | None, str]] = []
    outbox = [asyncio.ensure_future(send(lim, vt, log, 1000 + i, Priority.BACKGROUND, "bg"))
              for i in range(90)]
    await asyncio.sleep(0)
    people = [asyncio.ensure_future(send(lim, vt, log, 10 + i, Priority.REPLY, "reply"))
              for i in range(5)]
    spinner = asyncio.ensure_future(send(lim, vt, log, None, Priority.URGENT, "callback"))
    await asyncio.gather(*outbox, *people, spinner)
    order = [name for _, _, name in log]
    # Only the one outbox message granted before the others arrived goes first.
    assert order[:7] == ["bg", "callback", *["reply"] * 5]
    background = [at for at, _, name in log if name == "bg"]
    assert all(b - a >= 1 / 30 - 1e-9 for a, b in itertools.pairwise(background))  # spread


async def test_a_flood_pause_holds_everyone_and_defers_the_outbox_when_long() -> None:
    vt = VirtualTime()
    lim = limiter(vt)
    log: list[tuple[float, int | None, str]] = []
    lim.pause(3)
    start = vt.now
    await send(lim, vt, log, 5)
    await send(lim, vt, log, None, Priority.URGENT)
    assert all(at >= start + 3 for at, _, _ in log)
    lim.pause(30)
    with pytest.raises(Deferred) as deferred:
        async with lim.slot(6, Priority.BACKGROUND, max_pause_wait=5):
            pass
    assert deferred.value.seconds == pytest.approx(30)
    await send(lim, vt, log, 7, Priority.BACKGROUND)  # without a limit on the wait, it waits
    assert log[-1][0] >= start + 33


async def test_a_caller_who_gives_up_frees_nothing_it_did_not_take() -> None:
    vt = VirtualTime()
    lim = limiter(vt, per_second=1)
    log: list[tuple[float, int | None, str]] = []
    holder = asyncio.Event()

    async def hold() -> None:
        async with lim.slot(1):
            await holder.wait()

    held = asyncio.ensure_future(hold())
    await asyncio.sleep(0.01)
    waiting = asyncio.ensure_future(send(lim, vt, log, 2))
    await asyncio.sleep(0.01)
    waiting.cancel()
    holder.set()
    await held
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await send(lim, vt, log, 3)
    assert [chat for _, chat, _ in log] == [3]
