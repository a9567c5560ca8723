"""Files the command line writes (``--out`` reports, ``--qr`` codes): checked first, written whole.

:func:`check_writable` runs before anything is computed or stored, so a wrong path is one
line and nothing else happens; :func:`write_file` goes through a temporary file in the same
directory, so a failed write leaves neither half a file nor a damaged older one.
"""

from __future__ import annotations

import os
from pathlib import Path


class OutputError(Exception):
    """The file cannot be written; the message names it and says why, in one line."""


def check_writable(path: Path) -> None:
    """Raise :class:`OutputError` unless ``path`` can be created or replaced."""
    directory = path.parent
    if path.is_dir():
        problem = "it is a directory"
    elif not directory.is_dir():
        problem = f"the directory {directory} does not exist"
    elif not os.access(directory, os.W_OK | os.X_OK):
        problem = f"the directory {directory} is not writable"
    elif path.exists() and not os.access(path, os.W_OK):
        problem = "the file is not writable"
    else:
        return
    raise OutputError(f"cannot write {path}: {problem}")


def write_file(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` completely or not at all."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("xb") as handle:
            handle.write(content)
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
