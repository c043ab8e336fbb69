"""Writing an export to a path given on the command line, safely.

The file appears whole or not at all (written to a temporary file beside it, then renamed),
and tricks are refused with a clear message: a NUL byte, a folder that does not exist, a
target that is a folder, a symlink or a device, or an existing file without --force.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


class OutputError(Exception):
    pass


def check_output(raw: str, *, force: bool = False) -> Path:
    if not raw or "\x00" in raw:
        raise OutputError("The output path is empty or contains a NUL byte.")
    path = Path(raw).expanduser()
    if path.name in ("", ".", ".."):
        raise OutputError(f"“{raw}” names a folder, not a file.")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"The folder “{parent}” does not exist.")
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    if info is not None:
        if stat.S_ISLNK(info.st_mode):
            raise OutputError(f"“{raw}” is a symbolic link: refusing to write through it.")
        if stat.S_ISDIR(info.st_mode):
            raise OutputError(f"“{raw}” is a folder, not a file.")
        if not stat.S_ISREG(info.st_mode):
            raise OutputError(f"“{raw}” is not a regular file (a device or pipe?).")
        if not force:
            raise OutputError(f"“{raw}” already exists: use --force to replace it.")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"The folder “{parent}” is not writable.")
    return path


def write_output(path: Path, data: bytes) -> None:
    """Write atomically: a temporary file in the same folder, then a rename over the target."""
    try:
        handle, tmp = tempfile.mkstemp(prefix=".bt-export-", dir=path.parent)
    except OSError as error:
        raise OutputError(f"Cannot write in “{path.parent}”: {error.strerror}.") from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o640)
        os.replace(tmp, path)
    except OSError as error:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"Cannot write “{path}”: {error.strerror}.") from None
