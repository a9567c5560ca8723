"""The deployment files as far as this machine can check them: the Dockerfile passes hadolint
and names real commands (its health check is run against a server), compose.yaml gives the
bot only variables it reads, with values it accepts, and the systemd unit passes
``systemd-analyze verify``.

No Docker daemon or image registry is reachable here, so the image itself is not built.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import _parser
from bot.config import load_settings
from tests.conftest import EXAMPLE_CONFIG, ROOT, TOKEN

BIN = Path(sys.executable).parent  # the virtualenv the test command installed
# Set for the runtime, not read by Lotse.
RUNTIME = {"PATH", "PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED"}
HARDENING = {
    "DynamicUser=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
    "NoNewPrivileges=yes", "StateDirectory=lotse", "WorkingDirectory=%S/lotse",
    "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX", "SystemCallFilter=@system-service",
    "CapabilityBoundingSet=", "EnvironmentFile=/etc/lotse/lotse.env",
}


class _Recording(dict[str, str]):
    """An environment that notes every variable the configuration asks for."""

    def __init__(self, values: Mapping[str, str]) -> None:
        super().__init__(values)
        self.asked: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.asked.add(key)
        return super().get(key, default)


def _read_variables() -> set[str]:
    environ = _Recording({"LOTSE_CONFIG": str(EXAMPLE_CONFIG)})
    load_settings(environ, require_token=False)
    return environ.asked


def _accepts(environ: Mapping[str, str]) -> None:
    """The settings load from exactly these variables (plus token and TOML file)."""
    known = _read_variables()
    assert set(environ) - RUNTIME <= known, set(environ) - RUNTIME - known
    load_settings({**environ, "TELEGRAM_BOT_TOKEN": TOKEN, "LOTSE_CONFIG": str(EXAMPLE_CONFIG)})


def _instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions with continuation lines joined, comments left out."""
    text = (ROOT / "Dockerfile").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1])
            for line in joined.splitlines() if line.strip()]


def _one(instruction: str) -> str:
    (value,) = [value for name, value in _instructions() if name == instruction]
    return value


def test_dockerfile_passes_hadolint_without_a_single_finding() -> None:
    hadolint = shutil.which("hadolint", path=str(BIN)) or shutil.which("hadolint")
    assert hadolint, "hadolint is missing: install the test extra (pip install -e '.[test]')"
    result = subprocess.run(
        [hadolint, "--no-color", "--failure-threshold", "style", "Dockerfile"],
        cwd=ROOT, capture_output=True, text=True)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_dockerfile_migrates_runs_and_sets_only_variables_lotse_reads() -> None:
    command = json.loads(_one("CMD"))
    assert command == ["sh", "-c", "lotse migrate && exec lotse run"]
    for subcommand in re.findall(r"lotse (\w+)", command[2]):  # each one the CLI knows
        assert _parser().parse_args([subcommand]).command == subcommand
    environment = dict(re.findall(r"(\w+)=(\S+)", _one("ENV")))
    _accepts(environment)
    assert environment["LOTSE_HEALTH_LISTEN"] == "0.0.0.0:8080"
    assert "EXPOSE 8080" in (ROOT / "Dockerfile").read_text()
    copied = {word for name, value in _instructions() if name == "COPY"
              and not value.startswith("--from") for word in value.split()[:-1]}
    allowed = {line[1:].rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.startswith("!")}
    assert copied <= allowed and all((ROOT / path).exists() for path in copied)


class _Health(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_docker_health_check_asks_healthz_on_the_port_of_the_mode(
    health_server: ThreadingHTTPServer, monkeypatch: pytest.MonkeyPatch,
) -> None:
    flags, _, command = _one("HEALTHCHECK").partition(" CMD ")
    assert "--timeout=5s" in flags
    program, option, code = json.loads(command)
    assert (program, option) == ("python", "-c")
    port = health_server.server_address[1]

    def check(**environ: str) -> bool:
        """Run the check's code as ``python -c`` would: an exception is exit code 1."""
        with monkeypatch.context() as patch:
            for name in ("LOTSE_HEALTH_LISTEN", "LOTSE_WEBHOOK_URL", "LOTSE_LISTEN"):
                patch.delenv(name, raising=False)
            for name, value in environ.items():
                patch.setenv(name, value)
            try:
                exec(compile(code, "<healthcheck>", "exec"), {})
            except OSError:  # urllib's HTTPError and URLError
                return False
        return True

    assert check(LOTSE_HEALTH_LISTEN=f"0.0.0.0:{port}")
    assert check(LOTSE_HEALTH_LISTEN="0.0.0.0:9", LOTSE_WEBHOOK_URL="https://x.example/hook",
                 LOTSE_LISTEN=f"0.0.0.0:{port}")
    assert not check(LOTSE_HEALTH_LISTEN="0.0.0.0:9")  # nothing listens there
    _Health.status = 503
    try:
        assert not check(LOTSE_HEALTH_LISTEN=f"0.0.0.0:{port}")
    finally:
        _Health.status = 200


def test_compose_runs_the_bot_on_a_healthy_postgres_with_variables_lotse_accepts() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    postgres, bot = compose["services"]["postgres"], compose["services"]["bot"]
    assert bot["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert "pg_isready" in postgres["healthcheck"]["test"]
    assert bot["env_file"] == ".env" and bot["build"] == "."
    volume = postgres["volumes"][0].split(":")[0]
    assert volume in compose["volumes"]
    password = "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}"
    assert postgres["environment"]["POSTGRES_PASSWORD"] == password
    environment = {name: value.replace(password, "s3cret")
                   for name, value in bot["environment"].items()}
    user, database = postgres["environment"]["POSTGRES_USER"], postgres["environment"][
        "POSTGRES_DB"]
    assert environment.pop("DATABASE_URL") == f"postgresql://{user}:s3cret@postgres:5432/{database}"
    assert environment["LOTSE_HEALTH_LISTEN"] == "0.0.0.0:8080"  # as in the Dockerfile
    assert environment.pop("LOTSE_CONFIG") == "/etc/lotse/lotse.toml"
    assert bot["volumes"] == ["./lotse.toml:/etc/lotse/lotse.toml:ro"]
    _accepts(environment)


def test_systemd_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is missing (Debian package systemd)"
    unit = (ROOT / "lotse.service").read_text()
    assert set(unit.splitlines()) >= HARDENING
    assert "ExecStartPre=/opt/lotse/bin/lotse migrate" in unit
    assert "ExecStart=/opt/lotse/bin/lotse run" in unit
    environment = dict(re.findall(r"^Environment=(\w+)=(\S+)$", unit, re.MULTILINE))
    assert environment["LOTSE_HEALTH_LISTEN"] == "127.0.0.1:8080"  # for a local monitor
    assert environment.pop("LOTSE_CONFIG") == "/etc/lotse/lotse.toml"
    _accepts({name: value.replace("%S", str(tmp_path)) for name, value in environment.items()})
    # verify needs the programs to exist: the same unit, with this virtualenv's lotse.
    copy = tmp_path / "lotse.service"
    copy.write_text(unit.replace("/opt/lotse/bin/lotse", str(BIN / "lotse")))
    result = subprocess.run([analyze, "verify", str(copy)], capture_output=True, text=True)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")
    copy.write_text(copy.read_text().replace("Type=exec", "Type=exec\nProtectEverything=yes"))
    result = subprocess.run([analyze, "verify", str(copy)], capture_output=True, text=True)
    assert "Unknown key 'ProtectEverything'" in result.stderr  # its findings are seen
