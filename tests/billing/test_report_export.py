"""The Hauptamt's documents for Cleebronn, 2025Q1: a CSV and a PDF that reads right."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.billing.billing import money
from bot.billing.report_cli import CLI_ACTOR
from bot.billing.report_export import ReportBundle, csv_bytes, load_report
from bot.billing.report_pdf import report_pdf
from bot.cli import main
from bot.config import load_municipalities
from bot.quarters import Quarter
from models import ContactEntry, ContactKind
from tests.conftest import EXAMPLE_CONFIG
from tests.support.builders import add_caseworker, add_client, municipality

BERLIN = ZoneInfo("Europe/Berlin")
CONFIGS = load_municipalities(EXAMPLE_CONFIG)
Q1 = Quarter(2025, 1)
NAMES = ("Olena", "Amal", "Karim")
KINDS = list(ContactKind)


async def _fixture_quarter(sessions: async_sessionmaker[AsyncSession]) -> list[ContactEntry]:
    """Three clients and a group event: 40 entries spread over the quarter, one deleted."""
    worker = await add_caseworker(sessions, telegram_id=831, towns=("cleebronn",))
    for number, name in enumerate(NAMES):
        await add_client(sessions, telegram_id=5400 + number, name=name,
                         now=datetime(2025, 1, 2, tzinfo=UTC))
    rows = []
    async with sessions() as session, session.begin():
        cleebronn = await municipality(session, "cleebronn")
        for n in range(40):
            client = n % 4  # 3 = the prevention evening, without a client
            rows.append(ContactEntry(
                caseworker_id=worker, client_id=client + 1 if client < 3 else None,
                case_reference=f"C-{client + 1:04d}" if client < 3 else None,
                municipality_id=cleebronn.id,
                kind=KINDS[n % 4] if client < 3 else ContactKind.GROUP_EVENT,
                minutes=15 + (n * 37) % 170, entry_date=Q1.first_day + timedelta(days=2 * n),
                quarter=Q1.key, is_correction=False, note=f"Notiz {NAMES[n % 3]}",
                deleted_at=datetime(2025, 2, 1, tzinfo=UTC) if n == 7 else None))
        session.add_all(rows)
    return [row for row in rows if row.deleted_at is None]


async def _bundle(sessions: async_sessionmaker[AsyncSession]) -> ReportBundle:
    async with sessions() as session, session.begin():
        return await load_report(session, actor=CLI_ACTOR, municipality_key="cleebronn",
                                 quarter=Q1, configs=CONFIGS, timezone=BERLIN)


async def test_csv_report_for_cleebronn_first_quarter_2025(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    entries = await _fixture_quarter(sessions)
    bundle = await _bundle(sessions)
    content = csv_bytes(bundle.report, bundle.entries, BERLIN, bundle.stats)
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    summary = {row[0]: row[1] for row in rows if len(row) == 2}
    total = sum(e.minutes for e in entries)
    net = money(total, Decimal("62.00"))
    vat = (net * Decimal("0.19")).quantize(Decimal("0.01"))
    assert summary["Gemeinde"] == "Gemeinde Cleebronn"
    assert summary["1. Quartal 2025"] == "01.01.2025 – 31.03.2025"
    assert summary["Stundensatz (netto)"] == "62,00 €"
    assert summary["Nettobetrag"] == f"{net:,.2f} €".replace(",", "X").replace(
        ".", ",").replace("X", ".")
    assert summary["Umsatzsteuer 19 %"].endswith(" €") and summary["Bruttobetrag"].endswith(" €")
    assert summary["Leistungen gesamt"] == f"{total // 60}:{total % 60:02d} h"
    assert summary["Zugesagte Stunden (15 h/Woche × 12,86 Wochen)"] == "192,86 h"
    assert summary["Anzahl Einträge"] == "39"
    assert summary["Beratungen"] == str(sum(e.kind is ContactKind.CONSULTATION for e in entries))
    assert summary["Betreute Personen (mit Kontakt im Quartal)"] == "3"
    assert bundle.report.vat == vat and bundle.report.gross == net + vat
    header = rows.index(["Nr.", "Datum", "Fall", "Art", "Minuten", "Korrektur zu Nr."])
    table = rows[header + 1:]
    assert len(table) == 39 and sum(int(r[4]) for r in table) == total
    assert table[0][1:5] == ["01.01.2025", "C-0001", "Beratung", "15"]
    assert table[3][2:4] == ["ohne Fall", "Gruppenveranstaltung"]
    text = content.decode("utf-8-sig")
    assert not any(name in text for name in NAMES)  # no names, and no notes


async def test_pdf_report_renders_summary_and_entry_list(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    entries = await _fixture_quarter(sessions)
    bundle = await _bundle(sessions)
    pdf = report_pdf(bundle.report, bundle.entries, BERLIN, bundle.stats)
    reader = PdfReader(io.BytesIO(pdf))
    pages = [page.extract_text() for page in reader.pages]
    first = pages[0]
    for label in ("Abrechnung Integrationsmanagement", "Gemeinde Cleebronn", "1. Quartal 2025",
                  "Nettobetrag", "Umsatzsteuer 19 %", "Bruttobetrag", "62,00 €",
                  "Kennzahlen für den Förderbericht", "vorläufig"):
        assert label in first, label
    gross = bundle.report.gross
    assert f"{gross:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".") in first
    rest = "\n".join(pages[1:])
    assert "Einzelnachweis" in rest and "C-0003" in rest and "Telefonat" in rest
    assert rest.count("ohne Fall") == sum(e.client_id is None for e in entries)
    assert not any(name in "\n".join(pages) for name in NAMES)
    assert f"Seite 1 von {len(pages)}" in first


async def test_cli_writes_report_files_and_prints_statistics(
    sessions: async_sessionmaker[AsyncSession], database_url: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    await _fixture_quarter(sessions)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("LOTSE_CONFIG", str(EXAMPLE_CONFIG))
    for fmt in ("csv", "pdf"):
        out = tmp_path / f"q1.{fmt}"
        code = await asyncio.to_thread(main, ["report", "--municipality", "cleebronn",
                                              "--quarter", "2025Q1", "--format", fmt,
                                              "--out", str(out)])
        assert code == 0, capsys.readouterr().err
        assert "39 entries" in capsys.readouterr().out
    assert (tmp_path / "q1.pdf").read_bytes().startswith(b"%PDF")
    assert "C-0002" in (tmp_path / "q1.csv").read_text(encoding="utf-8-sig")
    assert await asyncio.to_thread(main, ["stats", "--municipality", "cleebronn",
                                          "--quarter", "2025Q1"]) == 0
    out = capsys.readouterr().out
    assert "Betreute Personen (mit Kontakt im Quartal): 3" in out
    for bad, message in ((["--quarter", "2025-1"], "--quarter must be a quarter"),
                         (["--municipality", "atlantis"], "Unknown town")):
        args = {"--municipality": "cleebronn", "--quarter": "2025Q1"}
        args.update(dict(zip(bad[::2], bad[1::2], strict=True)))
        code = await asyncio.to_thread(main, ["stats", *[x for kv in args.items() for x in kv]])
        err = capsys.readouterr().err
        assert code == 2 and message in err and err.count("\n") == 1, err
    assert date.today() >= date(2025, 4, 1)  # the quarter is over: a real report
