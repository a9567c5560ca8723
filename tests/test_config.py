"""Configuration: every mistake is one clear line naming the problem, exit code 2."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ConfigError, load_settings, normalise_database_url
from bot.toml_lines import key_lines
from tests.conftest import EXAMPLE_CONFIG, TOKEN


def _env(**extra: str) -> dict[str, str]:
    return {"TELEGRAM_BOT_TOKEN": TOKEN, "LOTSE_CONFIG": str(EXAMPLE_CONFIG), **extra}


def test_example_configuration_describes_brackenheim_and_cleebronn() -> None:
    settings = load_settings(_env())
    brackenheim, cleebronn = settings.municipalities
    assert brackenheim.care_limit_months == 36
    assert cleebronn.care_limit_months is None
    assert str(cleebronn.weekly_hours) == "15"
    assert [h.weekday for h in cleebronn.locations[0].hours] == [0, 2]  # Monday, Wednesday
    assert "Alte Schule" in cleebronn.locations[0].name
    assert settings.api_url == "https://api.telegram.org/bot"
    assert settings.database_url == "sqlite+aiosqlite:///lotse.db"
    assert str(settings.timezone) == "Europe/Berlin"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TELEGRAM_BOT_TOKEN": ""}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": "not a token"}, "does not look like a bot token"),
        ({"TELEGRAM_API_URL": "ftp://example.org"}, "TELEGRAM_API_URL must be an http(s) URL"),
        ({"TELEGRAM_API_URL": "api.telegram.org"}, "TELEGRAM_API_URL must be an http(s) URL"),
        ({"LOTSE_ADMIN_IDS": "12,abc"}, "LOTSE_ADMIN_IDS must list Telegram user ids"),
        ({"LOTSE_TIMEZONE": "Mars/Olympus"}, "unknown time zone"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL must start with"),
        ({"LOTSE_CONFIG": "/nonexistent/lotse.toml"}, "no such file"),
        ({"LOTSE_WEBHOOK_URL": "https://bot.example.org/hook"}, "LOTSE_WEBHOOK_SECRET"),
        ({"LOTSE_HEALTH_LISTEN": "9100"}, "LOTSE_HEALTH_LISTEN must be host:port"),
        ({"LOTSE_LISTEN": "0.0.0.0:70000"}, "LOTSE_LISTEN must be host:port"),
    ],
)
def test_bad_environment_is_named(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_settings(_env(**env))


def test_database_urls_get_asyncio_drivers() -> None:
    assert normalise_database_url("sqlite:///x.db") == "sqlite+aiosqlite:///x.db"
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+asyncpg://u@h/db"


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "lotse.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_broken_toml_names_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, '[[municipality]]\nkey = "x"\nname = "X\n')
    with pytest.raises(ConfigError, match=r"lotse\.toml: invalid TOML: .*line 3"):
        load_settings(_env(LOTSE_CONFIG=path))


def test_wrong_value_names_file_and_line(tmp_path: Path) -> None:
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8").replace(
        'hourly_rate = "62.00"', "hourly_rate = 62.5")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "hourly_rate = 62.5" in row)
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError, match=rf"lotse\.toml:{line}: hourly_rate must be a decimal"):
        load_settings(_env(LOTSE_CONFIG=path))


@pytest.mark.parametrize(
    ("replace", "by", "message"),
    [
        ('care_limit_months = 36', 'care_limit_months = -1', "care_limit_months"),
        ('vat_rate = "0.19"', 'vat_rate = "19"', "vat_rate must be a fraction"),
        ('from = "09:00"', 'from = "25:00"', "from must be a time"),
        ('to = "12:00"', 'to = "08:00"', "end before they start"),
        ('weekday = "monday"', 'weekday = "montag"', "weekday = one of"),
        ('key = "cleebronn"', 'key = "brackenheim"', "used twice"),
    ],
)
def test_semantic_errors_are_named(tmp_path: Path, replace: str, by: str, message: str) -> None:
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    assert replace in text
    path = _write(tmp_path, text.replace(replace, by, 1))
    with pytest.raises(ConfigError, match=message):
        load_settings(_env(LOTSE_CONFIG=path))


def test_cli_prints_one_line_and_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setenv("LOTSE_CONFIG", str(EXAMPLE_CONFIG))
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("lotse: error: TELEGRAM_BOT_TOKEN")

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("LOTSE_CONFIG", _write(tmp_path, "[[municipality]\n"))
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "lotse.toml: invalid TOML" in err and "Traceback" not in err


def test_check_validates_configuration_and_translations(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LOTSE_CONFIG", str(EXAMPLE_CONFIG))
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert "2 municipalities: brackenheim, cleebronn" in out
    assert "7 languages complete" in out


# Two municipalities with the same location key and office hours that share every key: an
# error must point at the entry that is wrong, not at the first line with the same key.
SHARED_KEYS = '''\
[[municipality]]
key = "a"
name = "A"
hourly_rate = "1"
vat_rate = "0.19"
note = """text over two lines,
weekday = "monday" is not a key here"""

[[municipality.location]]
key = "rathaus"
name = "Rathaus"
address = "Platz 1"

[[municipality.location.hours]]
weekday = "monday"
from = "09:00"
to = "12:00"

[[municipality.location.hours]]
weekday = "tuesday"
from = "09:00"
to = "12:00"

[[municipality]]
key = "b"
name = "B"
hourly_rate = "1"
vat_rate = "0.19"
tags = [
  "x",  # [[municipality.location]] in a comment
]

[[municipality.location]]
key = "rathaus"
name = "Rathaus"
address = "Platz 1"

[[municipality.location.hours]]
weekday = "monday"
from = "09:00"
to = "12:00"

[[municipality.location.hours]]
weekday = "wednesday"
from = "14:00"
to = "17:00"
'''


@pytest.mark.parametrize(
    ("old", "new", "occurrence", "message"),
    [
        ('weekday = "monday"', 'weekday = "mittwoch"', 2, "weekday = one of"),
        ('weekday = "wednesday"', 'weekday = "mittwoch"', 1, "weekday = one of"),
        ('from = "09:00"', 'from = "14:70"', 3, "from must be a time"),
        ('hourly_rate = "1"', 'hourly_rate = 1.5', 2, "hourly_rate must be a decimal"),
        ('to = "17:00"', 'to = "13:00"', 1, "end before they start"),
        ('name = "Rathaus"', 'name = " "', 2, "name must be a non-empty text"),
        ('key = "rathaus"', 'key = "Rathaus"', 2, "needs a key"),
        ('vat_rate = "0.19"', 'vat_rate = "19"', 2, "vat_rate must be a fraction"),
        ('key = "b"', 'key = "a"', 1, "used twice"),
    ],
)
def test_wrong_value_is_reported_on_its_own_line_among_entries_with_the_same_keys(
    tmp_path: Path, old: str, new: str, occurrence: int, message: str
) -> None:
    lines = SHARED_KEYS.splitlines()
    numbers = [n for n, row in enumerate(lines, 1) if row == old]
    line = numbers[occurrence - 1]
    lines[line - 1] = new
    path = _write(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(ConfigError, match=rf"lotse\.toml:{line}: .*{re.escape(message)}"):
        load_settings(_env(LOTSE_CONFIG=path))


def test_key_lines_follow_tables_dotted_and_quoted_keys() -> None:
    text = ('a.b = 1\n[t]\n"x.y" = 2  # x = 3\n[[t.arr]]\nk = {c = "}"}\n'
            "s = '''\n[[t.arr]]\n'''\n[[t.arr]]\n[t.arr.sub]\nm = [\n 1,\n]\nn = 2\n")
    assert key_lines(text) == {
        ("a", "b"): 1, ("t",): 2, ("t", "x.y"): 3, ("t", "arr", 0): 4, ("t", "arr", 0, "k"): 5,
        ("t", "arr", 0, "s"): 6, ("t", "arr", 1): 9, ("t", "arr", 1, "sub"): 10,
        ("t", "arr", 1, "sub", "m"): 11, ("t", "arr", 1, "sub", "n"): 14,
    }
    assert tomllib.loads(text)["t"]["arr"][1]["sub"] == {"m": [1], "n": 2}


@pytest.mark.parametrize(
    ("replace", "by", "message"),
    [
        ('iban = "DE89 3704 0044 0532 0130 00"', 'iban = "DE88 3704 0044 0532 0130 00"',
         "iban is not a valid IBAN"),
        ('bic = "COBADEFFXXX"', 'bic = "COBA"', "bic must be"),
        ('tax_number = "65208/00000"', 'vat_id = "DE12"', "vat_id must be"),
        ('tax_number = "65208/00000"', 'contact_phone2 = "x"', "needs tax_number or vat_id"),
        ('contact_email = "rechnung@example.org"', 'contact_email = "nobody"', "contact_email"),
        ('payment_days = 30', 'payment_days = "30"', "payment_days"),
        ('postcode = "74389"', 'postcode = "7438"', "postcode must be five digits"),
        ('leitweg_id = "08125017-0001-57"', 'leitweg_id = "Cleebronn"', "leitweg_id"),
    ],
)
def test_invoice_data_errors_name_file_and_line(tmp_path: Path, replace: str, by: str,
                                                message: str) -> None:
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    assert replace in text
    text = text.replace(replace, by, 1)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.startswith(by)
                or (message.startswith("[issuer]") and row == "[issuer]"))
    path = _write(tmp_path, text)
    expected = line if "needs tax_number" not in message else next(
        n for n, row in enumerate(text.splitlines(), 1) if row == "[issuer]")
    with pytest.raises(ConfigError, match=rf"lotse\.toml:{expected}: .*{message}"):
        load_settings(_env(LOTSE_CONFIG=path))


def test_example_configuration_carries_invoice_data() -> None:
    settings = load_settings(_env(), require_token=False)
    assert settings.issuer is not None and settings.issuer.iban == "DE89370400440532013000"
    cleebronn = settings.municipality("cleebronn")
    assert cleebronn is not None and cleebronn.invoice is not None
    assert cleebronn.invoice.leitweg_id == "08125017-0001-57"
    assert cleebronn.invoice.address.lines == ("Keltergasse 2", "74389 Cleebronn")


@pytest.mark.parametrize(
    ("replace", "by", "message"),
    [
        ("retention_months = 24", "retention_months = 0", "retention_months must be"),
        ('notice_url = "https://', 'notice_url = "http://', "notice_url must be an https"),
    ],
)
def test_privacy_values_are_read_with_the_file_and_named_on_their_line(
    tmp_path: Path, replace: str, by: str, message: str
) -> None:
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8").replace(replace, by, 1)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.startswith(by))
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError, match=rf"lotse\.toml:{line}: \[privacy\] {message}"):
        load_settings(_env(LOTSE_CONFIG=path))


def test_http_server_listens_on_the_webhook_port_or_the_health_port_or_nowhere() -> None:
    assert load_settings(_env()).http_address is None
    polling = load_settings(_env(LOTSE_HEALTH_LISTEN="127.0.0.1:9100"))
    assert polling.http_address == ("127.0.0.1", 9100)
    webhook = load_settings(_env(
        LOTSE_HEALTH_LISTEN="127.0.0.1:9100", LOTSE_LISTEN="0.0.0.0:8443",
        LOTSE_WEBHOOK_URL="https://bot.example.org/hook",
        LOTSE_WEBHOOK_SECRET="a-secret-of-sixteen-or-more"))
    assert webhook.http_address == ("0.0.0.0", 8443)
