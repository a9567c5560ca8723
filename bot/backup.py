"""`lotse backup` and `lotse restore`: a consistent copy of the SQLite database, and putting one
back in its place.

A backup is SQLite's online backup API run inside one read transaction, which also counts
every table's rows: the copy is the database as that transaction saw it, while the bot goes
on writing (WAL readers block no writer), and the counts it reports are the copy's. It is
written to a temporary file, synced and renamed, so ``FILE`` is whole or untouched.

A restore checks the file first (a SQLite database, intact, with a schema revision this
version knows), refuses while any connection has the configured database open (a running
bot), keeps the previous file aside under a dated name and renames the copy, with the
previous file's owner and mode, into place.

PostgreSQL has its own tools; for it both commands name the ``pg_dump``/``pg_restore`` line to
run instead.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from bot.output_file import check_writable

MIGRATE_HINT = "its schema is older than this version's: run `lotse migrate` before `lotse run`"


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why and what to do, in one line."""


@dataclass(frozen=True)
class Snapshot:
    """What a database file holds: its schema revision and every table's row count."""

    revision: str
    rows: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def sqlite_file(url: str) -> Path | None:
    """The database file of a ``sqlite`` URL; None for any other database."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def postgres_commands(url: str, file: Path) -> tuple[str, str]:
    """The ``pg_dump`` and ``pg_restore`` lines for this database (password left out)."""
    parsed = make_url(url)
    plain = URL.create("postgresql", username=parsed.username, host=parsed.host,
                       port=parsed.port, database=parsed.database, query=parsed.query
                       ).render_as_string(hide_password=False)
    return (f"pg_dump --format=custom --file={file} --dbname={plain}",
            f"pg_restore --clean --if-exists --no-owner --dbname={plain} {file}")


def backup(url: str, target: Path) -> Snapshot:
    """Copy the SQLite database of ``url`` to ``target``; the bot may be running."""
    source = sqlite_file(url)
    if source is None:
        dump, _ = postgres_commands(url, target)
        raise BackupError("lotse backup copies SQLite databases; for PostgreSQL run "
                          f"`{dump}` (password from ~/.pgpass or PGPASSWORD)")
    if not source.is_file():
        raise BackupError(f"there is no database file {source} to back up")
    if target.resolve() in {source.resolve(), *(_companions(source.resolve()))}:
        raise BackupError(f"{target} is the database itself: name another file")
    check_writable(target)
    with _temporary_beside(target) as temporary:
        with _connect(source) as connection:
            connection.execute("BEGIN")  # one read transaction: the counts are the copy's
            snapshot = _snapshot(connection, source)
            _copy(connection, temporary)
            connection.execute("COMMIT")
        temporary.chmod(0o600)  # personal data: for the owner only
        _replace(temporary, target)
    return snapshot


def restore(url: str, backup_file: Path, *, now: datetime) -> tuple[Snapshot, Path, Path | None]:
    """Put ``backup_file`` in place of the SQLite database of ``url``.

    Returns the backup's snapshot, the database file and where the previous one was kept.
    """
    target = sqlite_file(url)
    if target is None:
        _, restore_line = postgres_commands(url, backup_file)
        raise BackupError("lotse restore replaces SQLite databases; for PostgreSQL stop the "
                          f"bot and run `{restore_line}`, then `lotse migrate`")
    if not backup_file.is_file():
        raise BackupError(f"there is no backup file {backup_file}")
    if backup_file.resolve() == target.resolve():
        raise BackupError(f"{backup_file} is the configured database itself")
    snapshot = inspect(backup_file)
    check_writable(target)
    with _temporary_beside(target) as temporary:
        with _connect(backup_file, read_only=True) as source:
            _copy(source, temporary)
        with _moved_aside(target, now) as kept:
            try:
                if kept is not None:
                    _same_owner_and_mode(temporary, kept)
                _replace(temporary, target)
            except BackupError:
                if kept is not None:  # the previous database goes back where it was
                    os.replace(kept, target)
                raise
    return snapshot, target, kept


def inspect(path: Path) -> Snapshot:
    """The snapshot of a Lotse database file; BackupError if it is none this version can use."""
    from models.migrate import known_revisions

    with _connect(path, read_only=True) as connection:
        try:
            problems = [row[0] for row in connection.execute("PRAGMA quick_check")]
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{path} is not a SQLite database ({exc})") from None
        if problems != ["ok"]:
            raise BackupError(f"{path} is damaged: {'; '.join(problems)[:200]}")
        snapshot = _snapshot(connection, path)
    if snapshot.revision not in known_revisions():
        raise BackupError(f"{path} is at schema revision {snapshot.revision}, which this "
                          "version of Lotse does not know (a newer version wrote it): "
                          "update Lotse first")
    return snapshot


def is_older(snapshot: Snapshot) -> bool:
    from models.migrate import head_revision

    return snapshot.revision != head_revision()


def _snapshot(connection: sqlite3.Connection, path: Path) -> Snapshot:
    tables = [name for (name,) in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name")]
    if "alembic_version" not in tables:
        raise BackupError(f"{path} is not a Lotse database (it has no schema revision)")
    revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    if revision is None:
        raise BackupError(f"{path} is not a Lotse database (its schema revision is empty)")
    rows = {name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            for name in tables}
    return Snapshot(revision=revision[0], rows=rows)


@contextmanager
def _connect(path: Path, *, read_only: bool = False) -> Iterator[sqlite3.Connection]:
    """A connection in autocommit mode (transactions are explicit); errors as one line."""
    uri = f"{path.resolve().as_uri()}?mode={'ro' if read_only else 'rw'}"
    try:
        connection = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=30)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot open {path}: {exc}") from None
    try:
        yield connection
    except sqlite3.Error as exc:
        raise BackupError(f"cannot copy {path}: {exc}") from None
    finally:
        connection.close()


def _copy(source: sqlite3.Connection, temporary: Path) -> None:
    with closing(sqlite3.connect(temporary, isolation_level=None)) as copy:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal


@contextmanager
def _temporary_beside(target: Path) -> Iterator[Path]:
    """A temporary file name in ``target``'s directory (so a rename replaces it at once)."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    for leftover in (temporary, *_companions(temporary)):
        leftover.unlink(missing_ok=True)
    try:
        yield temporary
    finally:
        for leftover in (temporary, *_companions(temporary)):
            with suppress(OSError):
                leftover.unlink(missing_ok=True)


def _same_owner_and_mode(path: Path, like: Path) -> None:
    """Give the restored file the owner and mode of the one it replaces: restored by root,
    it must still be writable for the bot's user."""
    status = like.stat()
    try:
        os.chmod(path, status.st_mode & 0o777)
        if (status.st_uid, status.st_gid) != (os.geteuid(), os.getegid()):
            os.chown(path, status.st_uid, status.st_gid)
    except OSError as exc:
        raise BackupError(f"cannot give {path} the owner of {like}: "
                          f"{exc.strerror or exc}") from None


def _replace(temporary: Path, target: Path) -> None:
    """Sync the finished copy to disk and rename it to ``target``: whole or not at all."""
    try:
        with temporary.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except OSError as exc:
        raise BackupError(f"cannot write {target}: {exc.strerror or exc}") from None


@contextmanager
def _moved_aside(target: Path, now: datetime) -> Iterator[Path | None]:
    """Rename the database (and any -wal/-shm) to a dated name, unless a connection has it open.

    Switching the journal mode out of WAL needs the database to itself: it fails while any
    other connection that has read the database (a running bot's pool, within seconds of its
    start) has it open, and otherwise merges the -wal file in. The exclusive lock keeps new
    connections out until the copy is in place.
    """
    if not target.exists():
        yield None
        return
    kept = target.with_name(f"{target.name}.before-restore-{now:%Y%m%dT%H%M%SZ}")
    for number in range(2, 100):  # a second restore in the same second keeps both
        if not kept.exists():
            break
        kept = kept.with_name(f"{target.name}.before-restore-{now:%Y%m%dT%H%M%SZ}-{number}")
    try:
        probe = sqlite3.connect(target, isolation_level=None, timeout=0)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot open {target}: {exc}") from None
    with closing(probe):
        try:
            mode = probe.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
            probe.execute("BEGIN EXCLUSIVE")
        except sqlite3.OperationalError:
            mode = "busy"
        except sqlite3.DatabaseError:
            mode = "delete"  # not a database at all: nothing can be using it as one
        if mode != "delete":
            raise BackupError(f"the database {target} is in use: stop the bot first "
                              "(e.g. `systemctl stop lotse`), then restore")
        try:
            for path in (target, *_companions(target)):
                if path.exists():
                    os.replace(path, path.with_name(kept.name + path.name[len(target.name):]))
        except OSError as exc:
            raise BackupError(f"cannot keep {target} as {kept}: {exc.strerror or exc}") from None
        yield kept


def _companions(path: Path) -> tuple[Path, ...]:
    return tuple(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal"))
