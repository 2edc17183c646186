"""Reading and writing files that other people control, safely.

policysim runs unattended in CI on repositories it did not write. A path there may be a FIFO
(reading blocks forever), a device (`/dev/zero` never ends), a huge file, or a symbolic link
placed so that writing a report overwrites something else. Every file policysim reads as input
goes through `read_input_file`, and every file it writes through `write_atomic`.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path


class UnsafeFileError(OSError):
    """A path that policysim refuses to read or write, with the reason as its message."""


def read_input_file(
    path: str | os.PathLike[str],
    max_bytes: int,
    *,
    what: str = "files",
    allow_pipes: bool = False,
) -> bytes:
    """The bytes of a regular file of at most `max_bytes`.

    The file is opened without blocking (a FIFO would otherwise wait for a writer), checked to
    be a regular file (not a FIFO, socket or device), and read up to one byte past the limit,
    so neither an endless device nor a file that grows while it is read costs more than the
    limit. `allow_pipes` accepts a pipe the user named on purpose (`--policy <(jq ...)` is one),
    still bounded. Raises `UnsafeFileError` naming the problem, or the `OSError` of the system.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        pipe = allow_pipes and stat.S_ISFIFO(info.st_mode)
        if not (stat.S_ISREG(info.st_mode) or pipe):
            raise UnsafeFileError(f"not a regular file ({_file_kind(info.st_mode)})")
        if info.st_size > max_bytes:
            raise UnsafeFileError(
                f"file is {info.st_size:,} bytes; {what} are limited to {max_bytes:,} bytes"
            )
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        chunks: list[bytes] = []
        left = max_bytes + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        if len(data) > max_bytes:
            raise UnsafeFileError(f"file grew past the limit of {max_bytes:,} bytes while read")
        return data
    finally:
        os.close(fd)


def _file_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a plain file"


def write_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write `text` (UTF-8) to `path` all at once, never through a symbolic link.

    The text goes to a new temporary file beside the target, is flushed to disk, and is then
    renamed over the target: a reader sees the old file or the whole new one, never half (a
    full disk leaves the old file). A target that is a symbolic link is refused rather than
    followed or replaced: a repository that plants `report.sarif -> ../something` must not get
    that file overwritten when CI writes its report.
    """
    target = Path(path)
    try:
        if stat.S_ISLNK(os.lstat(target).st_mode):
            raise UnsafeFileError("is a symbolic link; refusing to write through it")
    except FileNotFoundError:
        pass
    directory = target.parent if str(target.parent) else Path(".")
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def is_within(path: str | os.PathLike[str], root: str | os.PathLike[str]) -> bool:
    """Whether `path`, with every symbolic link resolved, lies inside `root` (resolved too)."""
    resolved = Path(os.path.realpath(path))
    base = Path(os.path.realpath(root))
    return resolved == base or base in resolved.parents
