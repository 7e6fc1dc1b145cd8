"""Output files the user names are written whole or not at all: a write that fails part-way leaves
the file as it was, not half-written."""

from __future__ import annotations

import errno
import os
import secrets
import stat
from pathlib import Path

_TEMP_TRIES = 100
_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)  # the text layer translates newlines


def write_atomic(path: str | os.PathLike[str], data: str | bytes, *, encoding: str = "utf-8") -> None:
    """Write `data` to `path` as `Path.write_text(data, encoding)` or `write_bytes(data)` would, but
    through a temporary file in the same directory, flushed to disk and then renamed onto `path`;
    on any error the temporary file is removed and `path` is untouched. The file's mode is kept
    when it exists (else the umask's, as for a new file), and a symbolic link is written through.
    A device or pipe (`/dev/stdout`) is written directly: it cannot be replaced, and must not be."""
    target = Path(os.path.realpath(path))
    try:
        mode: int | None = target.stat().st_mode
    except OSError:
        mode = None  # not there yet (or not reachable: creating the temporary file says why)
    if mode is not None and not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        _write(target, data, encoding)
        return
    if mode is not None and stat.S_ISREG(mode) and not os.access(target, os.W_OK):
        # a read-only file is refused, as writing to it in place was, not replaced
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(target))
    fd, temp = _create_temp(target)
    text = isinstance(data, str)
    try:
        fh = open(fd, "w" if text else "wb", encoding=encoding if text else None)  # noqa: SIM115 - closed below
    except BaseException:
        os.close(fd)
        temp.unlink(missing_ok=True)
        raise
    try:
        with fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(temp, stat.S_IMODE(mode))
        os.replace(temp, target)  # a directory there: IsADirectoryError, as writing to it was
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _write(target: Path, data: str | bytes, encoding: str) -> None:
    if isinstance(data, str):
        target.write_text(data, encoding=encoding)
    else:
        target.write_bytes(data)


def _create_temp(target: Path) -> tuple[int, Path]:
    """A new empty file beside `target`, open for writing, with mode 0o666 less the umask as `open`
    gives a new file (`tempfile.mkstemp` gives 0o600, which would become the written file's)."""
    for _ in range(_TEMP_TRIES):
        temp = target.with_name(f".{target.name[:64]}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(temp, _FLAGS, 0o666), temp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {target}")
