"""`anpo.files.write_atomic`: an output file is written whole or not at all. A write that fails
part-way leaves the file as it was and no temporary file behind; one that succeeds writes what
`Path.write_text` / `write_bytes` wrote, with the mode they gave."""

from __future__ import annotations

import errno
import os
import stat
import threading
from pathlib import Path

import pytest

from anpo.files import write_atomic

TEXT = "一行目 line one\nline two\r\nlast, no newline"


def _disk_full(seen: list[bytes]) -> object:
    """An `os.fsync` that records what the temporary file holds, then fails as a full disk."""

    def fsync(fd: int) -> None:
        seen.append(Path(f"/proc/self/fd/{fd}").read_bytes() if Path("/proc/self/fd").is_dir() else b"?")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    return fsync


def test_a_write_writes_what_write_text_and_write_bytes_wrote(tmp_path: Path) -> None:
    for data in (TEXT, TEXT.encode("utf-8") + b"\xff\x00"):
        before, after = tmp_path / "before", tmp_path / "after"
        if isinstance(data, str):
            before.write_text(data, encoding="utf-8")
        else:
            before.write_bytes(data)
        write_atomic(after, data)
        assert after.read_bytes() == before.read_bytes()
        assert stat.S_IMODE(after.stat().st_mode) == stat.S_IMODE(before.stat().st_mode)  # the umask's
        write_atomic(after, "again")  # over an existing file
        assert after.read_text(encoding="utf-8") == "again"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["after", "before"]


def test_an_existing_file_keeps_its_mode_and_a_link_is_written_through(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old")
    target.chmod(0o640)
    link = tmp_path / "latest.json"
    link.symlink_to(target.name)
    write_atomic(link, "new")
    assert link.is_symlink() and target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


@pytest.mark.parametrize("data", [TEXT, TEXT.encode()])
def test_a_write_that_fails_part_way_leaves_the_file_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: str | bytes
) -> None:
    target = tmp_path / "out.csv"
    target.write_bytes(b"the previous export\n")
    seen: list[bytes] = []
    monkeypatch.setattr(os, "fsync", _disk_full(seen))
    with pytest.raises(OSError) as err:
        write_atomic(target, data)
    assert err.value.errno == errno.ENOSPC
    assert seen and seen[0] in (b"?", data if isinstance(data, bytes) else data.encode())  # written, then failed
    assert target.read_bytes() == b"the previous export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_text_that_cannot_be_encoded_leaves_the_file_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "out.html"
    target.write_text("kept")
    with pytest.raises(UnicodeEncodeError):
        write_atomic(target, "x" * 100_000 + "\udc80")  # a lone surrogate at the end
    assert target.read_text() == "kept" and [p.name for p in tmp_path.iterdir()] == ["out.html"]


def test_a_missing_directory_or_a_directory_is_the_error_it_was(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as missing:
        write_atomic(tmp_path / "missing" / "x.csv", "x")
    assert missing.value.strerror == "No such file or directory"
    (tmp_path / "dir").mkdir()
    with pytest.raises(IsADirectoryError) as is_dir:
        write_atomic(tmp_path / "dir", "x")
    assert is_dir.value.strerror == "Is a directory"
    (tmp_path / "file").write_text("")
    with pytest.raises(NotADirectoryError):
        write_atomic(tmp_path / "file" / "x.csv", "x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir", "file"]


def test_a_pipe_is_written_to_not_replaced(tmp_path: Path) -> None:
    """A device or a named pipe (`-o /dev/stdout`) cannot be replaced by a file, and must not be."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    write_atomic(fifo, "through the pipe\n")
    reader.join(timeout=10)
    assert got == [b"through the pipe\n"] and stat.S_ISFIFO(fifo.stat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]


def test_a_read_only_file_is_refused_not_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Root may write any file, so the permission is simulated as the full disk above is.
    target = tmp_path / "report.json"
    target.write_text("old", encoding="utf-8")
    monkeypatch.setattr("anpo.files.os.access", lambda path, how: False)
    with pytest.raises(PermissionError):
        write_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]
