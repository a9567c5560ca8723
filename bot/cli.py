"""The ``lotse`` command line: run, migrate, backup, restore, invite, import-waste, report, stats,
close-quarter, invoice, credit-note, check.

Every failure is one line on stderr and a non-zero exit code (2 for bad input, configuration
or an unusable database), never a traceback. Output paths are checked before any work, so a
failing command leaves nothing half done; the database is opened in one place
(:mod:`bot.cli_database`), which turns every driver error into one line.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.backup import BackupError
from bot.cli_database import DatabaseProblem, migrate_database, open_database
from bot.config import ConfigError, Settings, load_settings
from bot.i18n import LANGUAGES
from bot.municipalities import sync_municipalities
from bot.onboarding.invites import (
    MAX_NAME,
    CreatedInvite,
    create_caseworker_invite,
    create_client_invite,
    deep_link,
    qr_png,
)
from bot.output_file import OutputError, check_writable, write_file
from bot.text_limits import telegram_length

EXIT_BAD_INPUT = 2


class CliError(Exception):
    """Something the operator must fix; the message says what."""


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except (BackupError, ConfigError, CliError, DatabaseProblem, OutputError) as exc:
        print(f"lotse: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lotse", description="Lotse Telegram bot")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run the bot (long polling, or webhook if configured)")
    run.add_argument("--migrate", action="store_true",
                     help="bring the database schema up to date first")
    run.set_defaults(handler=_cmd_run)

    migrate = commands.add_parser("migrate", help="bring the database to the newest schema")
    migrate.set_defaults(handler=_cmd_migrate)

    backup = commands.add_parser(
        "backup", help="copy the SQLite database to FILE (safe while the bot runs)")
    backup.add_argument("file", type=Path, metavar="FILE")
    backup.set_defaults(handler=_cmd_backup)

    restore = commands.add_parser(
        "restore", help="put a backup in place of the SQLite database (the bot stopped)")
    restore.add_argument("file", type=Path, metavar="FILE")
    restore.set_defaults(handler=_cmd_restore)

    check = commands.add_parser("check", help="validate configuration and translations")
    check.set_defaults(handler=_cmd_check)

    waste = commands.add_parser("import-waste", help="import a waste calendar (.ics) for a zone")
    waste.add_argument("file", type=Path, metavar="FILE.ics")
    waste.add_argument("--municipality", required=True, help="municipality key")
    waste.add_argument("--zone", required=True, help="collection zone, e.g. the street or area")
    waste.set_defaults(handler=_cmd_import_waste)

    report = commands.add_parser("report", help="quarterly billing report as CSV or PDF")
    report.add_argument("--municipality", required=True, help="municipality key")
    report.add_argument("--quarter", required=True, help="quarter such as 2025Q1")
    report.add_argument("--format", choices=("csv", "pdf"), required=True)
    report.add_argument("--out", type=Path, required=True, metavar="FILE")
    report.set_defaults(handler=_cmd_report)

    stats = commands.add_parser("stats", help="funding report figures of a quarter")
    stats.add_argument("--municipality", required=True, help="municipality key")
    stats.add_argument("--quarter", required=True, help="quarter such as 2025Q1")
    stats.set_defaults(handler=_cmd_stats)

    close = commands.add_parser(
        "close-quarter", help="close a quarter and issue its invoice (PDF and XRechnung XML)")
    close.add_argument("--municipality", required=True, help="municipality key")
    close.add_argument("--quarter", required=True, help="quarter such as 2026Q1")
    close.add_argument("--out-dir", type=Path, default=Path("."), metavar="DIR",
                       help="where the invoice files are written (default: here)")
    close.set_defaults(handler=_cmd_close_quarter)

    invoice = commands.add_parser("invoice", help="write an issued invoice's files again")
    invoice.add_argument("--number", required=True, help="invoice number such as IM-2026-0001")
    invoice.add_argument("--out-dir", type=Path, default=Path("."), metavar="DIR")
    invoice.set_defaults(handler=_cmd_invoice)

    credit = commands.add_parser("credit-note",
                                 help="withdraw an issued invoice with a credit note (381)")
    credit.add_argument("--invoice", required=True, help="the invoice number to withdraw")
    credit.add_argument("--out-dir", type=Path, default=Path("."), metavar="DIR")
    credit.set_defaults(handler=_cmd_credit_note)
    retention = commands.add_parser(
        "retention", help="erase closed cases after [privacy] retention_months")
    retention.add_argument("--dry-run", action="store_true",
                           help="only list the cases that are due")
    retention.set_defaults(handler=_cmd_retention)

    invite = commands.add_parser("invite", help="print a single-use invite link")
    kinds = invite.add_subparsers(dest="kind", required=True, metavar="KIND")
    client = kinds.add_parser("client", help="invite a client")
    client.add_argument("--name", required=True, help="first name or pseudonym")
    client.add_argument("--municipality", required=True, help="municipality key")
    client.add_argument("--language", choices=sorted(LANGUAGES), help="client's language")
    client.add_argument("--qr", type=Path, metavar="PNG", help="also write a QR code PNG")
    client.set_defaults(handler=_cmd_invite)
    caseworker = kinds.add_parser("caseworker", help="invite a caseworker or admin")
    caseworker.add_argument("--name", required=True)
    caseworker.add_argument("--municipality", required=True, action="append",
                            help="municipality key (repeat for several)")
    caseworker.add_argument("--admin", action="store_true", help="with admin rights")
    caseworker.add_argument("--qr", type=Path, metavar="PNG", help="also write a QR code PNG")
    caseworker.set_defaults(handler=_cmd_invite)
    return parser


def _settings(*, require_token: bool = True) -> Settings:
    return load_settings(os.environ, require_token=require_token)


def _cmd_run(args: argparse.Namespace) -> int:
    from bot.app import run
    from bot.logs import setup_logging

    settings = _settings()
    setup_logging()
    if args.migrate:
        migrate_database(settings.database_url)
    else:
        asyncio.run(_check_schema(settings))
    # A wrong token or an unreachable Bot API is one clear line, not a network traceback.
    asyncio.run(_bot_username(settings))
    run(settings)
    return 0


def _cmd_migrate(args: argparse.Namespace) -> int:
    migrate_database(_settings(require_token=False).database_url)
    print("database schema is up to date")
    return 0


def _cmd_backup(args: argparse.Namespace) -> int:
    from bot.backup import backup

    snapshot = backup(_settings(require_token=False).database_url, args.file)
    print(f"backup written to {args.file}: schema revision {snapshot.revision}, "
          f"{len(snapshot.rows)} tables, {snapshot.total} rows")
    return 0


def _cmd_restore(args: argparse.Namespace) -> int:
    from bot.backup import MIGRATE_HINT, is_older, restore

    snapshot, target, kept = restore(_settings(require_token=False).database_url, args.file,
                                     now=datetime.now(UTC))
    print(f"restored {args.file} into {target}: schema revision {snapshot.revision}, "
          f"{len(snapshot.rows)} tables, {snapshot.total} rows")
    if kept is not None:
        print(f"the previous database is kept as {kept}")
    if is_older(snapshot):
        print(f"note: {MIGRATE_HINT}")
    return 0


async def _check_schema(settings: Settings) -> None:
    """Refuse to run on a database that is not at this code's schema."""
    async with open_database(settings.database_url):
        pass


def _cmd_import_waste(args: argparse.Namespace) -> int:
    from bot.reminders.waste_calendar import WasteCalendarError
    from bot.reminders.waste_import import run_import

    settings = _settings(require_token=False)
    try:
        report = asyncio.run(run_import(settings, args.file, municipality=args.municipality,
                                        zone=args.zone, now=datetime.now(UTC)))
    except WasteCalendarError as exc:
        raise CliError(_one_line(exc)) from None
    print("\n".join(report.lines()))
    return 0


def _billing(run: Callable[[Settings], Coroutine[Any, Any, str | list[str]]]) -> int:
    """Run one billing command and print its lines; a ReportError is one line, exit 2."""
    from bot.billing.report_cli import ReportError

    settings = _settings(require_token=False)
    try:
        result = asyncio.run(run(settings))
    except ReportError as exc:
        raise CliError(str(exc)) from None
    print(result if isinstance(result, str) else "\n".join(result))
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from bot.billing.report_cli import parse_quarter, run_report

    return _billing(lambda settings: run_report(
        settings, municipality=args.municipality, quarter=parse_quarter(args.quarter),
        fmt=args.format, out=args.out))


def _cmd_retention(args: argparse.Namespace) -> int:
    from bot.privacy.retention import retention_cli

    settings = _settings(require_token=False)
    print("\n".join(asyncio.run(retention_cli(settings, dry_run=args.dry_run,
                                               now=datetime.now(UTC)))))
    return 0


def _cmd_stats(args: argparse.Namespace) -> int:
    from bot.billing.report_cli import parse_quarter, run_stats

    return _billing(lambda settings: run_stats(
        settings, municipality=args.municipality, quarter=parse_quarter(args.quarter)))


def _cmd_close_quarter(args: argparse.Namespace) -> int:
    from bot.billing.report_cli import parse_quarter, run_close_quarter

    return _billing(lambda settings: run_close_quarter(
        settings, municipality=args.municipality, quarter=parse_quarter(args.quarter),
        out_dir=args.out_dir))


def _cmd_invoice(args: argparse.Namespace) -> int:
    from bot.billing.report_cli import run_invoice_copy

    return _billing(lambda settings: run_invoice_copy(settings, number=args.number,
                                                      out_dir=args.out_dir))


def _cmd_credit_note(args: argparse.Namespace) -> int:
    from bot.billing.report_cli import run_credit_note

    return _billing(lambda settings: run_credit_note(settings, number=args.invoice,
                                                     out_dir=args.out_dir))


def _cmd_check(args: argparse.Namespace) -> int:
    from bot.catalog_check import catalog_problems

    settings = _settings(require_token=False)
    print(f"configuration {settings.config_path}: "
          f"{len(settings.municipalities)} municipalities: "
          + ", ".join(m.key for m in settings.municipalities))
    if not settings.token:
        print("note: TELEGRAM_BOT_TOKEN is not set; `lotse run` will need it")
    billed = [m for m in settings.municipalities if m.invoice is not None]
    if settings.issuer is None:
        print("note: no [issuer] table; closing a quarter issues no invoice")
    else:
        print(f"invoices: issued by {settings.issuer.name}, numbers "
              f"{settings.issuer.number_prefix}-YYYY-NNNN, billed: "
              + (", ".join(m.key + (" (Leitweg-ID)" if m.invoice and m.invoice.leitweg_id
                                    else "") for m in billed) or "none"))
        for m in settings.municipalities:
            if m.hourly_rate > 0 and m.invoice is None:
                print(f"note: {m.key} has an hourly rate but no [municipality.invoice]; "
                      "closing its quarters issues no invoice")
    problems = catalog_problems()
    for problem in problems:
        print(f"translations: {problem}", file=sys.stderr)
    if problems:
        return EXIT_BAD_INPUT
    print(f"translations: {len(LANGUAGES)} languages complete")
    return 0


def _cmd_invite(args: argparse.Namespace) -> int:
    settings = _settings()
    keys = [args.municipality] if isinstance(args.municipality, str) else args.municipality
    for key in keys:
        if settings.municipality(key) is None:
            known = ", ".join(m.key for m in settings.municipalities)
            raise CliError(f"unknown municipality {key!r} (configured: {known})")
    name = " ".join(args.name.split())
    if not 1 <= telegram_length(name) <= MAX_NAME:
        raise CliError(f"--name must be 1 to {MAX_NAME} characters as Telegram counts them "
                       f"(emoji count as two); this one has {telegram_length(name)}")
    if args.qr:
        check_writable(args.qr)
    username = asyncio.run(_bot_username(settings))
    created, label = asyncio.run(_create_invite(settings, args, name, keys, username))
    print(deep_link(username, created.code))
    print(f"{label}; single use, valid until {created.expires_at:%Y-%m-%d %H:%M} UTC")
    if args.qr:
        print(f"QR code written to {args.qr}")
    return 0


async def _bot_username(settings: Settings) -> str:
    from telegram import Bot
    from telegram.error import InvalidToken, TelegramError

    try:
        async with Bot(settings.token, base_url=settings.api_url) as bot:
            return bot.username
    except InvalidToken:
        raise CliError("Telegram rejected TELEGRAM_BOT_TOKEN") from None
    except TelegramError as exc:
        raise CliError(f"cannot reach the Bot API at {settings.api_url}: {exc}") from None


async def _create_invite(
    settings: Settings, args: argparse.Namespace, name: str, keys: list[str], username: str
) -> tuple[CreatedInvite, str]:
    from models import Municipality
    from models.session import make_sessionmaker, unit_of_work

    qr_written = False
    try:
        async with (open_database(settings.database_url) as engine,
                    unit_of_work(make_sessionmaker(engine)) as session):
            await sync_municipalities(session, settings.municipalities)
            rows = list(await session.scalars(select(Municipality).where(
                Municipality.key.in_(keys))))
            now = datetime.now(UTC)
            if args.kind == "client":
                created = await create_client_invite(
                    session, display_name=name, municipality=rows[0],
                    language=args.language or "", created_by=None, now=now,
                )
                assert created.invite.client is not None
                label = f"client {created.invite.client.reference} ({rows[0].name})"
            else:
                created = await create_caseworker_invite(
                    session, name=name, municipalities=rows, admin=args.admin,
                    created_by=None, now=now,
                )
                role = "admin" if args.admin else "caseworker"
                label = f"{role} {name} ({', '.join(m.name for m in rows)})"
            if args.qr:
                # Written before the commit: if the file cannot be written, no invite is stored.
                write_file(args.qr, qr_png(deep_link(username, created.code)))
                qr_written = True
    except BaseException:
        if qr_written:  # the commit failed: no QR code for an invite that does not exist
            args.qr.unlink(missing_ok=True)
        raise
    return created, label


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300] or type(exc).__name__
