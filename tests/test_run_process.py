"""`lotse run` as a real process: polls the Bot API, answers, stops cleanly on signals."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from pathlib import Path

import httpx
import pytest

from models.migrate import upgrade
from tests.conftest import EXAMPLE_CONFIG, TOKEN
from tests.support.fakes.telegram_api import FakeTelegramAPI

pytestmark = pytest.mark.slow


async def _start_bot(fake: FakeTelegramAPI, db: Path, *extra: str,
                     env_extra: dict[str, str] | None = None) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        **(env_extra or {}),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": fake.base_url,
        "DATABASE_URL": f"sqlite:///{db}",
        "LOTSE_CONFIG": str(EXAMPLE_CONFIG),
    }
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", *extra, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )


async def _stop(process: asyncio.subprocess.Process) -> None:
    """Kill the process if a failed assertion left it running."""
    if process.returncode is None:
        process.kill()
        await process.wait()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _start_update(user_id: int) -> dict[str, object]:
    return {"message": {
        "message_id": 1, "date": int(time.time()), "text": "/start",
        "chat": {"id": user_id, "type": "private", "first_name": "Olena"},
        "from": {"id": user_id, "is_bot": False, "first_name": "Olena", "language_code": "uk"},
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
    }}


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
async def test_bot_polls_answers_and_stops_cleanly(
    tmp_path: Path, stop_signal: signal.Signals
) -> None:
    db = tmp_path / "lotse.db"
    await asyncio.to_thread(upgrade, f"sqlite+aiosqlite:///{db}")
    async with FakeTelegramAPI() as fake:
        # An update waiting before the bot starts must be answered, not dropped.
        fake.push_update(_start_update(4242))
        health = f"http://127.0.0.1:{_free_port()}/healthz"
        process = await _start_bot(fake, db, env_extra={
            "LOTSE_HEALTH_LISTEN": health.split("/")[2]})
        try:
            await fake.wait_for_call("getUpdates", timeout=20)
            reply = await fake.wait_for_call("sendMessage", chat_id=4242, timeout=10)
            assert "Lotse" in (reply.text or "")
            async with httpx.AsyncClient() as client:  # polling: on LOTSE_HEALTH_LISTEN
                healthy = await client.get(health)
            assert healthy.status_code == 200, healthy.text
            drop = [c.params.get("drop_pending_updates") for c in fake.calls_to("deleteWebhook")]
            assert not any(drop)
            process.send_signal(stop_signal)
            code = await asyncio.wait_for(process.wait(), timeout=15)
        finally:
            await _stop(process)
        _, stderr = await process.communicate()
        log = stderr.decode()
        assert code == 0, log
        assert "Traceback" not in log and TOKEN not in log
        fake.assert_no_violations()


async def test_run_migrates_when_asked(tmp_path: Path) -> None:
    async with FakeTelegramAPI() as fake:
        process = await _start_bot(fake, tmp_path / "new.db", "--migrate")
        try:
            await fake.wait_for_call("getUpdates", timeout=20)
            process.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(process.wait(), timeout=15) == 0
        finally:
            await _stop(process)


async def test_webhook_mode_checks_the_secret_token_and_answers_healthz(tmp_path: Path
                                                                        ) -> None:
    import json

    db = tmp_path / "lotse.db"
    await asyncio.to_thread(upgrade, f"sqlite+aiosqlite:///{db}")
    port = _free_port()
    secret = "s3cret-token-of-the-test"
    hook = f"http://127.0.0.1:{port}/telegram"
    async with FakeTelegramAPI() as fake:
        process = await _start_bot(fake, db, env_extra={
            "LOTSE_WEBHOOK_URL": hook, "LOTSE_WEBHOOK_SECRET": secret,
            "LOTSE_LISTEN": f"127.0.0.1:{port}"})
        try:
            registered = await fake.wait_for_call("setWebhook", timeout=20)
            assert registered.params["url"] == hook
            assert registered.params["secret_token"] == secret
            body = json.dumps({"update_id": 1, **_start_update(4343)})
            headers = {"Content-Type": "application/json"}
            async with httpx.AsyncClient() as client:
                for _ in range(50):  # (it listens before setWebhook; this is belt and braces)
                    try:
                        wrong = await client.post(hook, content=body, headers={
                            **headers, "X-Telegram-Bot-Api-Secret-Token": "wrong"})
                        break
                    except httpx.ConnectError:
                        await asyncio.sleep(0.1)
                assert wrong.status_code == 403
                # /healthz and /metrics share the webhook's port
                healthy = await client.get(f"http://127.0.0.1:{port}/healthz")
                assert healthy.status_code == 200, healthy.text
                metrics = await client.get(f"http://127.0.0.1:{port}/metrics")
                assert "lotse_outbox_messages" in metrics.text
                right = await client.post(hook, content=body, headers={
                    **headers, "X-Telegram-Bot-Api-Secret-Token": secret})
                assert right.status_code == 200
            # Stopped at once: an update the server took is still answered, exactly once.
            process.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(process.wait(), timeout=15) == 0
            assert len([c for c in fake.calls_to("sendMessage")
                        if c.params["chat_id"] == 4343]) == 1
        finally:
            await _stop(process)
