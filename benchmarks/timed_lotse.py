"""`lotse run` with the CPU time of each per-update step counted, for
``benchmarks.cpu_per_update --steps``: the middleware steps, /help and the whole update are
wrapped before the Application is built, and the totals (process CPU nanoseconds, calls) are
written as JSON to ``$LOTSE_STEP_COSTS`` at exit; SIGUSR1 sets them to zero (after the warm-up).

Process CPU time includes the database thread's work for the step; another task running while
a step waits (the outbox dispatcher) is counted too, so the figures are a close upper bound.
"""

from __future__ import annotations

import atexit
import functools
import gc
import json
import os
import signal
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.ext import Application

import handlers.help
import handlers.middleware

STEPS = ("remember_update", "ignore_group_chats", "limit_flood", "load_actor", "authorize")
totals: dict[str, list[int]] = {}

AsyncFunction = Callable[..., Coroutine[Any, Any, Any]]


def timed(name: str, function: AsyncFunction) -> AsyncFunction:
    """The same coroutine function, adding its process CPU time to ``totals[name]``."""
    entry = totals.setdefault(name, [0, 0])

    @functools.wraps(function)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time_ns()
        try:
            return await function(*args, **kwargs)
        finally:
            entry[0] += time.process_time_ns() - started
            entry[1] += 1

    return wrapper


def install() -> None:
    for name in STEPS:
        setattr(handlers.middleware, name, timed(name, getattr(handlers.middleware, name)))
    gc.callbacks.append(time_gc)
    handlers.help.show_help = timed("/help (with the reply)", handlers.help.show_help)
    Application.process_update = timed(  # type: ignore[method-assign]
        "whole update in PTB", Application.process_update)


_gc_started = [0]


def time_gc(phase: str, info: dict[str, int]) -> None:
    """Count the cyclic garbage collector's runs and CPU time per generation."""
    if phase == "start":
        _gc_started[0] = time.process_time_ns()
        return
    entry = totals.setdefault(f"garbage collection, gen {info['generation']}", [0, 0])
    entry[0] += time.process_time_ns() - _gc_started[0]
    entry[1] += 1


def dump() -> None:
    with open(os.environ["LOTSE_STEP_COSTS"], "w") as handle:
        json.dump(totals, handle)


def reset(*_: Any) -> None:
    for entry in totals.values():
        entry[:] = [0, 0]


def main() -> None:
    install()
    signal.signal(signal.SIGUSR1, reset)
    atexit.register(dump)
    from bot.cli import main as lotse

    raise SystemExit(lotse(["run"]))


if __name__ == "__main__":
    main()
