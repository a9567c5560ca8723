"""Telegram: closing a quarter sends the invoice's PDF and XML to the admin; /invoices lists
them with a button that sends the very same files again; caseworkers cannot."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.casework.test_casework_e2e import _setup, calm
from tests.conftest import ADMIN_ID, FakeClock
from tests.support.builders import tr
from tests.support.harness import Harness

de = tr("de")


def _files(harness: Harness) -> list[tuple[str, bytes]]:
    calls = [c for c in harness.fake.calls_to("sendDocument") if c.chat_id == ADMIN_ID]
    return [(f.filename, f.content) for c in calls for f in c.files.values()]


async def test_close_sends_invoice_and_invoices_sends_it_again(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock,
) -> None:
    clock.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    await _setup(sessions, clock)
    worker = harness.user(811, "Anna", "de")
    await worker.send("/log C-0001 90 hausbesuch 2026-03-02")
    admin = harness.user(ADMIN_ID, "Petra", "de")
    await admin.send("/invoices cleebronn")
    assert admin.texts == de._("No invoices have been issued for %(municipality)s yet.",
                               municipality="Gemeinde Cleebronn")
    clock.now = datetime(2026, 4, 2, 8, 0, tzinfo=UTC)
    calm(harness)
    await admin.send("/close_quarter cleebronn 2026Q1")
    await admin.press(de._("Close quarter"))
    assert de._("Invoice %(number)s: %(gross)s € gross. The PDF contains the e-invoice "
                "(ZUGFeRD); the XML is the XRechnung for upload portals.",
                number="IM-2026-0001", gross="110,67") in admin.texts  # 93.00 + 17.67
    sent = _files(harness)
    assert [name for name, _ in sent] == ["IM-2026-0001.pdf", "IM-2026-0001.xml"]
    assert sent[0][1].startswith(b"%PDF") and b"<rsm:CrossIndustryInvoice" in sent[1][1]

    await admin.send("/invoices")
    assert "/invoices" in admin.texts
    await admin.send("/invoices cleebronn")
    assert de._("%(number)s: %(quarter)s, issued %(date)s, %(gross)s € gross",
                number="IM-2026-0001", quarter="2026Q1",
                date=datetime(2026, 4, 2).date(), gross="110,67") in admin.texts
    await admin.press("IM-2026-0001")
    assert _files(harness)[2:] == sent  # byte for byte as issued

    await worker.send("/invoices cleebronn")
    await worker.press_data("inv:1")
    assert len(_files(harness)) == 4
    assert de._("This button is not available to you.") in [
        c.params.get("text") for c in worker.callback_answers()[-1:]]
