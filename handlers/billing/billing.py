"""Admins: /report <town> <quarter> sends the CSV and the PDF; /close_quarter locks a quarter
and issues its invoice (the PDF with the embedded e-invoice, and the XRechnung XML);
/invoices <town> lists the issued invoices.

Callback data "cq:<municipality id>:<quarter>" confirms closing; "cq:no" keeps it open;
"inv:<invoice id>" sends an issued invoice's documents again, exactly as issued.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select
from telegram import InlineKeyboardButton, InputFile, Update

from bot.billing.billing import QuarterReport, check_closable
from bot.billing.invoice import (
    IssuedDocuments,
    close_and_invoice,
    issued_documents,
    list_invoices,
)
from bot.billing.report_export import csv_bytes, file_name, load_report
from bot.i18n import N_
from bot.quarters import Quarter, local_date
from bot.refusal import Refused
from handlers.casework.casework_ui import (
    answer_stale,
    casework_uow,
    duration,
    keyboard,
    money_text,
    refusal,
)
from handlers.context import LotseApp, LotseContext
from handlers.guard import button, command
from models import CREDIT_NOTE, Invoice, Municipality


def _summary(context: LotseContext, report: QuarterReport) -> str:
    t = context.t
    text = t._("%(municipality)s, %(quarter)s: %(duration)s recorded; net %(net)s €, VAT "
               "%(vat)s €, gross %(gross)s €.", municipality=report.municipality_name,
               quarter=report.quarter.key, duration=duration(t, report.total_minutes),
               net=money_text(t, report.net), vat=money_text(t, report.vat),
               gross=money_text(t, report.gross))
    if report.closed_at is None:
        text += " " + t._("Provisional: the quarter is not closed yet.")
    else:
        text += " " + t._("Closed on %(date)s; these are the billed figures.",
                          date=report.closed_at)
    return text


def _arguments(context: LotseContext, usage: str) -> tuple[str, Quarter] | str:
    """(town key, quarter) from the command, or the text that explains what is missing."""
    t = context.t
    args = context.args or []
    keys = ", ".join(m.key for m in context.settings.municipalities)
    today = local_date(context.now(), context.settings.timezone)
    previous = Quarter.of(Quarter.of(today).first_day - timedelta(days=1))
    if len(args) != 2:
        return t._(usage, keys=keys, example=previous.key)
    quarter = Quarter.parse(args[1])
    if quarter is None:
        return t._("“%(value)s” is not a quarter. Please write it like %(example)s.",
                   value=args[1][:20], example=previous.key)
    if quarter.first_day > today:
        return t._("%(quarter)s has not begun yet.", quarter=quarter.key)
    return args[0], quarter


async def send_report(update: Update, context: LotseContext) -> None:
    """Send the quarter's billing report as CSV and PDF."""
    message, t = update.effective_message, context.t
    assert message is not None
    parsed = _arguments(context, N_("Please write /report <town> <quarter>, for example "
                                    "/report cleebronn %(example)s. Towns: %(keys)s."))
    if isinstance(parsed, str):
        await message.reply_text(parsed)
        return
    key, quarter = parsed
    timezone = context.settings.timezone
    try:
        async with casework_uow(context) as session:
            bundle = await load_report(session, actor=context.actor, municipality_key=key,
                                       quarter=quarter, configs=context.settings.municipalities,
                                       timezone=timezone)
    except Refused as exc:
        await message.reply_text(refusal(t, exc))
        return
    report = bundle.report
    # Building a PDF takes a moment of CPU: keep the bot answering meanwhile.
    from bot.billing.report_pdf import report_pdf  # fpdf only when a report is asked for

    pdf = await asyncio.to_thread(report_pdf, report, bundle.entries, timezone, bundle.stats)
    csv = csv_bytes(report, bundle.entries, timezone, bundle.stats)
    await message.reply_text(_summary(context, report))
    await message.reply_document(InputFile(csv, filename=file_name(report, "csv")))
    await message.reply_document(InputFile(pdf, filename=file_name(report, "pdf")))


async def ask_close_quarter(update: Update, context: LotseContext) -> None:
    """Show the quarter's totals and ask for confirmation before closing it."""
    message, t = update.effective_message, context.t
    assert message is not None
    parsed = _arguments(context, N_("Please write /close_quarter <town> <quarter>, for "
                                    "example /close_quarter cleebronn %(example)s. Towns: "
                                    "%(keys)s."))
    if isinstance(parsed, str):
        await message.reply_text(parsed)
        return
    key, quarter = parsed
    try:
        check_closable(quarter, now=context.now(), timezone=context.settings.timezone)
        async with casework_uow(context) as session:
            bundle = await load_report(session, actor=context.actor, municipality_key=key,
                                       quarter=quarter, configs=context.settings.municipalities,
                                       timezone=context.settings.timezone)
            municipality_id = await session.scalar(
                select(Municipality.id).where(Municipality.key == bundle.report.municipality_key))
    except Refused as exc:
        await message.reply_text(refusal(t, exc))
        return
    text = _summary(context, bundle.report)
    if bundle.report.closed_at is not None:
        await message.reply_text(text)
        return
    await message.reply_text(
        text + "\n\n" + t._("Close %(quarter)s for %(municipality)s now? Its entries are then "
                            "locked; later changes are booked as corrections in the next "
                            "quarter. This cannot be undone.", quarter=quarter.key,
                            municipality=bundle.report.municipality_name),
        reply_markup=keyboard([[
            InlineKeyboardButton(t._("Close quarter"),
                                 callback_data=f"cq:{municipality_id}:{quarter.key}"),
            InlineKeyboardButton(t._("Cancel"), callback_data="cq:no")]]))


async def confirm_close(update: Update, context: LotseContext) -> None:
    """Close the quarter and show the stored totals."""
    query, t = update.callback_query, context.t
    assert query is not None and query.data is not None
    parts = query.data.split(":")[1:]
    if parts == ["no"]:
        await query.answer()
        await query.edit_message_text(t._("Cancelled. Nothing was changed."))
        return
    quarter = Quarter.parse(parts[1]) if len(parts) == 2 and parts[0].isdigit() else None
    if quarter is None:
        await answer_stale(update, t)
        return
    try:
        async with casework_uow(context) as session:
            municipality = await session.get(Municipality, int(parts[0]))
            if municipality is None or not context.actor.may_touch(municipality.id):
                raise Refused(N_("This button is no longer valid. Please start again with /start."))
            config = context.settings.municipality(municipality.key)
            report, issued = await close_and_invoice(
                session, actor=context.actor, municipality=municipality, config=config,
                issuer=context.settings.issuer, quarter=quarter, now=context.now(),
                timezone=context.settings.timezone)
    except Refused as exc:
        await query.answer(refusal(t, exc), show_alert=True)
        return
    await query.answer()
    await query.edit_message_text(_summary(context, report))
    if issued is not None and query.message is not None:
        await _send_documents(update, context, issued)


async def _send_documents(update: Update, context: LotseContext,
                          issued: IssuedDocuments) -> None:
    message = update.effective_message
    assert message is not None
    await message.reply_text(context.t._(
        "Invoice %(number)s: %(gross)s € gross. The PDF contains the e-invoice (ZUGFeRD); the "
        "XML is the XRechnung for upload portals.", number=issued.number,
        gross=money_text(context.t, issued.gross)))
    await message.reply_document(InputFile(issued.pdf, filename=issued.pdf_name))
    await message.reply_document(InputFile(issued.xml, filename=issued.xml_name))


async def show_invoices(update: Update, context: LotseContext) -> None:
    """List a town's issued invoices, each with a button to get its documents again."""
    message, t = update.effective_message, context.t
    assert message is not None
    keys = ", ".join(m.key for m in context.settings.municipalities)
    args = context.args or []
    if len(args) != 1:
        await message.reply_text(t._("Please write /invoices <town>, for example /invoices "
                                     "cleebronn. Towns: %(keys)s.", keys=keys))
        return
    async with casework_uow(context) as session:
        municipality = await session.scalar(select(Municipality).where(
            Municipality.key == args[0].strip().lower()))
        if municipality is None or not context.actor.may_touch(municipality.id):
            await message.reply_text(t._("Unknown town %(key)s. Known towns: %(keys)s.",
                                         key=args[0][:40], keys=keys))
            return
        invoices = await list_invoices(session, municipality_id=municipality.id)
    if not invoices:
        await message.reply_text(t._("No invoices have been issued for %(municipality)s yet.",
                                     municipality=municipality.name))
        return
    lines = [t._("Invoices of %(municipality)s, newest first:", municipality=municipality.name)]
    buttons = []
    for invoice in invoices:
        gross = money_text(t, invoice.gross)
        if invoice.kind == CREDIT_NOTE:
            lines.append(t._("%(number)s: credit note for %(original)s, issued %(date)s, "
                             "%(gross)s € gross", number=invoice.number,
                             original=invoice.refers_to or "", date=invoice.issue_date,
                             gross=gross))
        else:
            lines.append(t._("%(number)s: %(quarter)s, issued %(date)s, %(gross)s € gross",
                             number=invoice.number, quarter=invoice.quarter,
                             date=invoice.issue_date, gross=gross))
        buttons.append([InlineKeyboardButton(f"📄 {invoice.number}",
                                             callback_data=f"inv:{invoice.id}")])
    await message.reply_text("\n".join(lines), reply_markup=keyboard(buttons))


async def resend_invoice(update: Update, context: LotseContext) -> None:
    """Send an issued invoice's PDF and XML again, byte for byte as issued."""
    query, t = update.callback_query, context.t
    assert query is not None and query.data is not None
    raw = query.data.split(":", 1)[1]
    if not raw.isdigit():
        await answer_stale(update, t)
        return
    try:
        async with casework_uow(context) as session:
            number = await session.scalar(select(Invoice.number).where(Invoice.id == int(raw)))
            if number is None:
                raise Refused(N_("This button is no longer valid. Please start again with /start."))
            issued = await issued_documents(session, actor=context.actor, number=number)
    except Refused as exc:
        await query.answer(refusal(t, exc), show_alert=True)
        return
    await query.answer()
    await _send_documents(update, context, issued)


def register(app: LotseApp) -> None:
    app.add_handler(command("report", send_report))
    app.add_handler(command("close_quarter", ask_close_quarter))
    app.add_handler(button("cq", confirm_close))
    app.add_handler(command("invoices", show_invoices))
    app.add_handler(button("inv", resend_invoice))
