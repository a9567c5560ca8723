"""Typed settings: environment variables (12-factor) plus the municipalities' TOML file.

The TOML file is read and checked here, whole and once (municipalities and ``[booking]``);
no other module reads it. Loading never raises anything but :class:`ConfigError`, whose
message is one line that names the problem (and for the TOML file, the file and the line of
the wrong value), so the CLI can print it and exit 2.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.audit import DEFAULT_AUDIT_KEY
from bot.booking_policy import DEFAULT_POLICY, BookingPolicy, PolicyError, parse_policy
from bot.toml_lines import KeyPath, key_lines, line_of

DEFAULT_API_URL = "https://api.telegram.org/bot"
DEFAULT_RETENTION_MONTHS = 24  # closed cases are erased this long after closing
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///lotse.db"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]{10,}$")
_KEY_RE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_LEITWEG_RE = re.compile(r"^\d{2,12}(-[A-Za-z0-9]{1,30})?-\d{2}$")


def _iban_ok(iban: str) -> bool:
    """ISO 13616: letters and digits, moved and read as a number, leave 1 modulo 97."""
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", iban):
        return False
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1


class ConfigError(Exception):
    """A configuration problem, described in one line for the operator."""


@dataclass(frozen=True)
class OfficeHours:
    weekday: int  # 0 = Monday, as in datetime.weekday()
    start: time
    end: time


@dataclass(frozen=True)
class LocationConfig:
    key: str
    name: str
    address: str
    hours: tuple[OfficeHours, ...] = ()


@dataclass(frozen=True)
class MunicipalityConfig:
    key: str
    name: str
    hourly_rate: Decimal
    vat_rate: Decimal
    weekly_hours: Decimal | None
    care_limit_months: int | None
    phone: str
    service_start: date | None
    annual_subsidy: Decimal | None
    locations: tuple[LocationConfig, ...] = ()
    waste_reminder_time: time = time(18, 0)  # the evening before each collection
    invoice: InvoiceRecipient | None = None  # [municipality.invoice]: where its invoice goes


@dataclass(frozen=True)
class PostalAddress:
    street: str
    postcode: str
    city: str
    country: str = "DE"  # ISO 3166-1 alpha-2

    @property
    def lines(self) -> tuple[str, str]:
        return self.street, f"{self.postcode} {self.city}"


@dataclass(frozen=True)
class InvoiceRecipient:
    """A billed municipality's invoice address and, if it has one, its Leitweg-ID."""

    name: str  # the legal name on the invoice (defaults to the municipality's name)
    address: PostalAddress
    leitweg_id: str | None = None  # buyer reference (BT-10); selects XRechnung


@dataclass(frozen=True)
class IssuerConfig:
    """[issuer]: who issues the invoices (the municipality employing the team)."""

    name: str
    address: PostalAddress
    tax_number: str | None  # Steuernummer
    vat_id: str | None  # USt-IdNr. (DE + 9 digits)
    iban: str
    bic: str
    account_holder: str
    contact_name: str
    contact_phone: str
    contact_email: str
    payment_days: int = 30  # payment term: due this many days after the issue date
    number_prefix: str = "IM"  # invoice numbers IM-2026-0001

    @property
    def payment_terms(self) -> str:
        return (f"Zahlbar ohne Abzug innerhalb von {self.payment_days} Tagen "
                "ab Rechnungsdatum.")


@dataclass(frozen=True)
class DispatchConfig:
    interval: float = 2.0  # seconds between wake-ups of the job
    batch_size: int = 30  # messages claimed at once (one second's worth)
    per_second: float = 30.0  # the whole bot's budget (LOTSE_SEND_RATE), replies included
    max_pause_wait: float = 5.0  # a longer flood pause puts the batch back instead of waiting
    max_attempts: int = 8  # network errors and 5xx: then the row fails
    backoff: timedelta = timedelta(seconds=10)  # doubled after each failed attempt
    max_backoff: timedelta = timedelta(minutes=10)
    retry_after_rounds: int = 3  # RetryAfter waits within one attempt
    uncertain_delay: timedelta = timedelta(minutes=1)
    quiet_start: time = time(21)
    quiet_end: time = time(7)
    progress_every: float = 3.0  # seconds between progress edits of a broadcast

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> DispatchConfig:
        """Read LOTSE_DISPATCH_INTERVAL, LOTSE_SEND_RATE and LOTSE_UNCERTAIN_RETRY_SECONDS."""
        interval = _seconds(environ, "LOTSE_DISPATCH_INTERVAL", cls.interval, 0.1, 60)
        rate = _seconds(environ, "LOTSE_SEND_RATE", cls.per_second, 1, 1000)
        delay = _seconds(environ, "LOTSE_UNCERTAIN_RETRY_SECONDS",
                         cls.uncertain_delay.total_seconds(), 0, 86400)
        return cls(interval=interval, per_second=rate, batch_size=max(1, int(rate)),
                   uncertain_delay=timedelta(seconds=delay))


def _seconds(environ: Mapping[str, str], name: str, default: float, low: float, high: float
             ) -> float:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:
        raise ConfigError(f"{name} must be a number from {low:g} to {high:g}, not {raw!r}")
    return value


@dataclass(frozen=True)
class Settings:
    token: str
    api_url: str
    database_url: str
    config_path: Path
    admin_ids: frozenset[int]
    timezone: ZoneInfo
    municipalities: tuple[MunicipalityConfig, ...]
    webhook_url: str | None = None
    webhook_secret: str | None = None
    listen: str = "0.0.0.0:8443"
    health_listen: str | None = None  # LOTSE_HEALTH_LISTEN: /healthz and /metrics with polling
    booking: BookingPolicy = DEFAULT_POLICY  # the [booking] table
    dispatch: DispatchConfig = DispatchConfig()  # sending: LOTSE_SEND_RATE and friends
    issuer: IssuerConfig | None = None  # [issuer]: needed to issue invoices
    audit_key: str = DEFAULT_AUDIT_KEY  # LOTSE_AUDIT_KEY: hashes strangers' ids in the audit log
    retention_months: int = DEFAULT_RETENTION_MONTHS  # [privacy] retention_months
    privacy_notice_url: str = ""  # [privacy] notice_url: the full privacy notice

    @property
    def file_api_url(self) -> str:
        """Where files are downloaded: the Bot API URL with ``/file`` before ``/bot``."""
        base = self.api_url.rstrip("/")
        return base[: -len("/bot")] + "/file/bot" if base.endswith("/bot") else base + "/file"

    @property
    def listen_address(self) -> tuple[str, int]:
        host, _, port = self.listen.rpartition(":")
        return host, int(port)

    @property
    def http_address(self) -> tuple[str, int] | None:
        """Where the process serves HTTP (/healthz, /metrics and the webhook), if anywhere.

        With a webhook that is ``LOTSE_LISTEN``; with polling ``LOTSE_HEALTH_LISTEN``, if set.
        """
        if self.webhook_url:
            return self.listen_address
        if self.health_listen is None:
            return None
        host, _, port = self.health_listen.rpartition(":")
        return host, int(port)

    def municipality(self, key: str) -> MunicipalityConfig | None:
        return next((m for m in self.municipalities if m.key == key), None)


def load_settings(environ: Mapping[str, str], *, require_token: bool = True) -> Settings:
    """Build settings from ``environ``; raise :class:`ConfigError` on the first problem."""
    token = environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    if require_token and not token:
        raise ConfigError("TELEGRAM_BOT_TOKEN is not set; get a token from @BotFather")
    if token and not _TOKEN_RE.match(token):
        raise ConfigError("TELEGRAM_BOT_TOKEN does not look like a bot token (digits:letters)")
    api_url = _http_url(environ.get("TELEGRAM_API_URL", DEFAULT_API_URL), "TELEGRAM_API_URL")
    config_path = _config_path(environ)
    webhook_url = environ.get("LOTSE_WEBHOOK_URL", "").strip() or None
    webhook_secret = environ.get("LOTSE_WEBHOOK_SECRET", "").strip() or None
    if webhook_url:
        _http_url(webhook_url, "LOTSE_WEBHOOK_URL")
        if not webhook_secret or not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", webhook_secret):
            raise ConfigError(
                "LOTSE_WEBHOOK_SECRET must be set with webhook mode: 16-256 characters "
                "of A-Z, a-z, 0-9, _ and -"
            )
    municipalities, booking, issuer, privacy = load_config_file(config_path)
    return Settings(
        token=token,
        api_url=api_url,
        database_url=normalise_database_url(
            environ.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
        ),
        config_path=config_path,
        admin_ids=_admin_ids(environ.get("LOTSE_ADMIN_IDS", "")),
        timezone=_timezone(environ.get("LOTSE_TIMEZONE", "").strip() or "Europe/Berlin"),
        municipalities=municipalities,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        listen=_listen(environ.get("LOTSE_LISTEN", "").strip() or "0.0.0.0:8443",
                       "LOTSE_LISTEN"),
        health_listen=_listen(environ.get("LOTSE_HEALTH_LISTEN", "").strip(),
                              "LOTSE_HEALTH_LISTEN") or None,
        booking=booking,
        dispatch=DispatchConfig.from_environ(environ),
        issuer=issuer,
        audit_key=environ.get("LOTSE_AUDIT_KEY", "").strip() or DEFAULT_AUDIT_KEY,
        retention_months=privacy[0],
        privacy_notice_url=privacy[1],
    )



def normalise_database_url(url: str) -> str:
    """Map plain ``sqlite://`` and ``postgresql://`` URLs to their asyncio drivers."""
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url[len("sqlite:///") :]
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    if not url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        raise ConfigError(
            "DATABASE_URL must start with sqlite:/// or postgresql:// "
            f"(got a URL starting with {url.split(':', 1)[0]!r})"
        )
    return url


def _http_url(value: str, name: str) -> str:
    parsed = urlparse(value.strip())
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(f"{name} must be an http(s) URL such as {DEFAULT_API_URL}")
    return value.strip().rstrip("/")


def _config_path(environ: Mapping[str, str]) -> Path:
    explicit = environ.get("LOTSE_CONFIG", "").strip()
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"LOTSE_CONFIG: no such file: {path}")
        return path
    for candidate in (Path("lotse.toml"), Path("lotse.example.toml")):
        if candidate.is_file():
            return candidate
    raise ConfigError("no configuration file: set LOTSE_CONFIG (see lotse.example.toml)")


def _listen(value: str, name: str) -> str:
    """``host:port`` (port 0: any free port, for tests); empty stays empty."""
    if not value:
        return value
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 0 <= int(port) < 65536:
        raise ConfigError(f"{name} must be host:port such as 0.0.0.0:8443, not {value!r}")
    return value


def _admin_ids(value: str) -> frozenset[int]:
    ids = set()
    for part in filter(None, (p.strip() for p in value.split(","))):
        if not part.isdigit():
            raise ConfigError(f"LOTSE_ADMIN_IDS must list Telegram user ids, not {part!r}")
        ids.add(int(part))
    return frozenset(ids)


def _timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"LOTSE_TIMEZONE: unknown time zone {name!r}") from None


def load_municipalities(path: Path) -> tuple[MunicipalityConfig, ...]:
    """The municipalities of the TOML file (which is checked whole)."""
    return load_config_file(path)[0]


def load_config_file(path: Path) -> tuple[tuple[MunicipalityConfig, ...], BookingPolicy,
                                          IssuerConfig | None, tuple[int, str]]:
    """Parse and check the TOML file; every error names the file and, where known, the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    reader = _TomlReader(path, text)
    entries = data.get("municipality")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{path}: no [[municipality]] tables")
    municipalities = tuple(
        reader.municipality(entry, ("municipality", n)) for n, entry in enumerate(entries)
    )
    keys = [m.key for m in municipalities]
    for number, key in enumerate(keys):
        if key in keys[:number]:
            raise reader.error(f"municipality key {key!r} is used twice",
                               ("municipality", number, "key"))
    issuer = reader.issuer(data["issuer"], ("issuer",)) if "issuer" in data else None
    privacy = reader.privacy(data.get("privacy", {}))
    return municipalities, reader.booking(data.get("booking", {})), issuer, privacy


class _TomlReader:
    """Turns TOML tables into config objects, naming file and line in every error.

    Every method gets the path of its table in the parsed data (such as
    ``("municipality", 1, "location", 0)``), so an error points at the wrong value's own line
    even where several entries use the same keys.
    """

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = key_lines(text)

    def error(self, message: str, where: KeyPath) -> ConfigError:
        line = line_of(self.lines, where)
        place = f"{self.path}:{line}" if line else str(self.path)
        return ConfigError(f"{place}: {message}")

    def privacy(self, raw: Any) -> tuple[int, str]:
        """The ``[privacy]`` table: ``retention_months`` (default 24) and ``notice_url``."""
        if not isinstance(raw, dict):
            raise self.error("[privacy] must be a table", ("privacy",))
        months = raw.get("retention_months", DEFAULT_RETENTION_MONTHS)
        if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 240:
            raise self.error("[privacy] retention_months must be a whole number of months "
                             "from 1 to 240", ("privacy", "retention_months"))
        url = raw.get("notice_url", "")
        if url and (not isinstance(url, str) or not url.startswith("https://")):
            raise self.error("[privacy] notice_url must be an https:// URL",
                             ("privacy", "notice_url"))
        return months, str(url)

    def booking(self, raw: Any) -> BookingPolicy:
        if not isinstance(raw, dict):
            raise self.error("[booking] must be a table", ("booking",))
        try:
            return parse_policy(raw)
        except PolicyError as exc:
            raise self.error(f"[booking] {exc}", ("booking", exc.key)) from None

    def municipality(self, raw: Any, where: KeyPath) -> MunicipalityConfig:
        key = raw.get("key") if isinstance(raw, dict) else None
        if not isinstance(key, str) or not _KEY_RE.match(key):
            raise self.error(
                "every [[municipality]] needs key = \"...\" (lower-case letters, digits, - or _)",
                (*where, "key"),
            )
        name = self._text(raw, "name", where)
        rate = self._decimal(raw, "hourly_rate", where, required=True)
        vat = self._decimal(raw, "vat_rate", where, required=True)
        assert rate is not None and vat is not None
        if not Decimal(0) <= vat < Decimal(1):
            raise self.error("vat_rate must be a fraction such as \"0.19\"", (*where, "vat_rate"))
        weekly = self._decimal(raw, "weekly_hours", where, required=False)
        limit = raw.get("care_limit_months", "none")
        if limit == "none":
            care_limit = None
        elif isinstance(limit, int) and not isinstance(limit, bool) and limit > 0:
            care_limit = limit
        else:
            raise self.error('care_limit_months must be a number of months or "none"',
                             (*where, "care_limit_months"))
        service_start = raw.get("service_start")
        if service_start is not None and not isinstance(service_start, date):
            raise self.error("service_start must be a date such as 2025-01-01",
                             (*where, "service_start"))
        locations = raw.get("location", [])
        if not isinstance(locations, list):
            raise self.error("location must be a list of [[municipality.location]]",
                             (*where, "location"))
        return MunicipalityConfig(
            key=key,
            name=name,
            hourly_rate=rate,
            vat_rate=vat,
            weekly_hours=weekly,
            care_limit_months=care_limit,
            phone=str(raw.get("phone", "")),
            service_start=service_start,
            annual_subsidy=self._decimal(raw, "annual_subsidy", where, required=False),
            locations=tuple(self.location(loc, (*where, "location", n))
                            for n, loc in enumerate(locations)),
            waste_reminder_time=self._reminder_time(raw, where),
            invoice=self.recipient(raw["invoice"], name, (*where, "invoice"))
            if "invoice" in raw else None,
        )

    def address(self, raw: dict[str, Any], where: KeyPath) -> PostalAddress:
        postcode = self._text(raw, "postcode", where)
        if not re.fullmatch(r"\d{5}", postcode):
            raise self.error('postcode must be five digits such as "74336"',
                             (*where, "postcode"))
        country = str(raw.get("country", "DE"))
        if not re.fullmatch(r"[A-Z]{2}", country):
            raise self.error('country must be a two-letter code such as "DE"',
                             (*where, "country"))
        return PostalAddress(street=self._text(raw, "street", where), postcode=postcode,
                             city=self._text(raw, "city", where), country=country)

    def recipient(self, raw: Any, name: str, where: KeyPath) -> InvoiceRecipient:
        if not isinstance(raw, dict):
            raise self.error("invoice must be a table [municipality.invoice]", where)
        leitweg = raw.get("leitweg_id")
        if leitweg is not None and (not isinstance(leitweg, str) or not _LEITWEG_RE.match(
                leitweg)):
            raise self.error('leitweg_id must look like "08125017-0001-57" '
                             "(digits, optional fine address, check digits)",
                             (*where, "leitweg_id"))
        legal = raw.get("name", name)
        if not isinstance(legal, str) or not legal.strip():
            raise self.error("name must be a non-empty text", (*where, "name"))
        return InvoiceRecipient(name=legal.strip(), address=self.address(raw, where),
                                leitweg_id=leitweg)

    def issuer(self, raw: Any, where: KeyPath) -> IssuerConfig:
        if not isinstance(raw, dict):
            raise self.error("[issuer] must be a table", where)
        tax_number = raw.get("tax_number")
        vat_id = raw.get("vat_id")
        if tax_number is not None and (not isinstance(tax_number, str) or not re.fullmatch(
                r"[0-9][0-9 /]{9,15}[0-9]", tax_number)):
            raise self.error('tax_number must be a Steuernummer such as "65208/12345"',
                             (*where, "tax_number"))
        if vat_id is not None and (not isinstance(vat_id, str)
                                   or not re.fullmatch(r"DE\d{9}", vat_id)):
            raise self.error('vat_id must be DE and nine digits such as "DE123456789"',
                             (*where, "vat_id"))
        if tax_number is None and vat_id is None:
            raise self.error("[issuer] needs tax_number or vat_id (§ 14 (4) UStG)", where)
        iban = self._text(raw, "iban", where).replace(" ", "").upper()
        if not _iban_ok(iban):
            raise self.error("iban is not a valid IBAN (check digits)", (*where, "iban"))
        bic = self._text(raw, "bic", where).replace(" ", "").upper()
        if not re.fullmatch(r"[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?", bic):
            raise self.error('bic must be 8 or 11 letters/digits such as "SOLADES1HNB"',
                             (*where, "bic"))
        email = self._text(raw, "contact_email", where)
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            raise self.error("contact_email must be an e-mail address",
                             (*where, "contact_email"))
        days = raw.get("payment_days", 30)
        if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 365:
            raise self.error("payment_days must be a number of days from 0 to 365",
                             (*where, "payment_days"))
        prefix = raw.get("number_prefix", "IM")
        if not isinstance(prefix, str) or not re.fullmatch(r"[A-Z][A-Z0-9]{0,9}", prefix):
            raise self.error('number_prefix must be capital letters or digits such as "IM"',
                             (*where, "number_prefix"))
        return IssuerConfig(
            name=self._text(raw, "name", where), address=self.address(raw, where),
            tax_number=tax_number, vat_id=vat_id, iban=iban, bic=bic,
            account_holder=self._text(raw, "account_holder", where),
            contact_name=self._text(raw, "contact_name", where),
            contact_phone=self._text(raw, "contact_phone", where),
            contact_email=email, payment_days=days, number_prefix=prefix)

    def _reminder_time(self, raw: dict[str, Any], where: KeyPath) -> time:
        if "waste_reminder_time" not in raw:
            return time(18, 0)
        value = self._time(raw, "waste_reminder_time", where)
        if not time(7, 0) <= value <= time(20, 30):  # no reminders at night (21:00-07:00)
            raise self.error("waste_reminder_time must be between 07:00 and 20:30",
                             (*where, "waste_reminder_time"))
        return value

    def location(self, raw: Any, where: KeyPath) -> LocationConfig:
        key = raw.get("key") if isinstance(raw, dict) else None
        if not isinstance(key, str) or not _KEY_RE.match(key):
            raise self.error("every [[municipality.location]] needs a key", (*where, "key"))
        hours = raw.get("hours", [])
        if not isinstance(hours, list):
            raise self.error("hours must be a list of [[municipality.location.hours]]",
                             (*where, "hours"))
        return LocationConfig(
            key=key,
            name=self._text(raw, "name", where),
            address=self._text(raw, "address", where),
            hours=tuple(self.office_hours(h, (*where, "hours", n)) for n, h in enumerate(hours)),
        )

    def office_hours(self, raw: Any, where: KeyPath) -> OfficeHours:
        if not isinstance(raw, dict) or raw.get("weekday") not in WEEKDAYS:
            raise self.error(
                "office hours need weekday = one of " + ", ".join(WEEKDAYS), (*where, "weekday")
            )
        start = self._time(raw, "from", where)
        end = self._time(raw, "to", where)
        if end <= start:
            raise self.error("office hours end before they start", (*where, "to"))
        return OfficeHours(weekday=WEEKDAYS.index(raw["weekday"]), start=start, end=end)

    def _text(self, raw: dict[str, Any], name: str, where: KeyPath) -> str:
        value = raw.get(name)
        if not isinstance(value, str) or not value.strip():
            raise self.error(f"{name} must be a non-empty text", (*where, name))
        return value.strip()

    def _decimal(
        self, raw: dict[str, Any], name: str, where: KeyPath, *, required: bool
    ) -> Decimal | None:
        value = raw.get(name)
        if value is None and not required:
            return None
        # Floats would bring binary rounding into money; accept strings and integers only.
        if isinstance(value, str | int) and not isinstance(value, bool):
            try:
                number = Decimal(str(value))
            except InvalidOperation:
                number = None
            if number is not None and number.is_finite() and number >= 0:
                return number
        raise self.error(f'{name} must be a decimal in quotes such as "58.50"', (*where, name))

    def _time(self, raw: dict[str, Any], name: str, where: KeyPath) -> time:
        value = raw.get(name)
        if isinstance(value, str) and re.fullmatch(r"\d{2}:\d{2}", value):
            hour, minute = int(value[:2]), int(value[3:])
            if hour < 24 and minute < 60:
                return time(hour, minute)
        raise self.error(f'{name} must be a time such as "09:00"', (*where, name))
