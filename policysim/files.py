"""Reading and writing files that other people control, safely.

policysim runs unattended in CI on repositories it did not write. A path there may be a FIFO
(reading blocks forever), a device (`/dev/zero` never ends), a huge file, or a symbolic link
placed so that writing a report overwrites something else. Every file policysim reads as input
goes through `read_input` (`read_input_file` with the limit in force; `open_input_stream` and
`bounded_lines` for a stream read line by line), and every file it writes through
`write_atomic`. The size limit is one setting: `DEFAULT_MAX_FILE_BYTES`, raised by the
commands' `--max-file-size` or the `POLICYSIM_MAX_FILE_SIZE` environment variable.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024
"""Largest input file read (and longest line of a streamed batch), unless raised. Generous
for real inputs (the largest authorization-details files are tens of MB; AWS caps a policy at
32 KB) and small enough that parsing what it admits stays well within a CI runner's memory."""
MAX_FILE_SIZE_OPTION = "--max-file-size"
MAX_FILE_SIZE_ENV = "POLICYSIM_MAX_FILE_SIZE"
"""The one setting that raises (or lowers) the limit: the command-line option, or this
environment variable as its default (for CI files and library use)."""
RAISE_HINT = f"raise the limit with {MAX_FILE_SIZE_OPTION}"

_override: int | None = None


class UnsafeFileError(OSError):
    """A path that policysim refuses to read or write, with the reason as its message."""


_SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([kmgt]?)(?:i?b)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def parse_size(text: str) -> int:
    """A size in bytes from `67108864`, `64M`, `64MiB`, `64MB`, `1.5G` (units are binary:
    K, M, G, T are 1024, 1024², ...). Raises `ValueError` with a message for anything else."""
    match = _SIZE.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a size (a number of bytes, or e.g. 100MiB, 2GiB)")
    size = int(float(match.group(1)) * _UNITS[match.group(2).lower()])
    if size < 1:
        raise ValueError(f"{text!r}: the size must be at least one byte")
    return size


def format_size(size: int) -> str:
    """`64 MiB`, `1.5 GiB`, `1,000 bytes`: the limit as people write it."""
    for unit, scale in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale and size % (scale // 16) == 0:
            return f"{size / scale:g} {unit}"
    return f"{size:,} bytes"


def set_max_file_bytes(limit: int | None) -> None:
    """Set the input size limit for this process (the CLI's --max-file-size); None: unset."""
    global _override
    _override = limit


def max_file_bytes() -> int:
    """The input size limit in force: --max-file-size, else POLICYSIM_MAX_FILE_SIZE, else
    the default. A malformed environment value is an `UnsafeFileError` naming the variable."""
    if _override is not None:
        return _override
    raw = os.environ.get(MAX_FILE_SIZE_ENV)
    if raw is None or not raw.strip():
        return DEFAULT_MAX_FILE_BYTES
    try:
        return parse_size(raw)
    except ValueError as err:
        raise UnsafeFileError(f"{MAX_FILE_SIZE_ENV}: {err}") from None


def read_problem(err: OSError) -> str:
    """What to say when reading an input failed: the refusal itself (`not a regular file (a
    FIFO)`, `larger than 64 MiB; ...`), or `cannot read file: No such file or directory`."""
    if isinstance(err, UnsafeFileError):
        return str(err)
    return f"cannot read file: {err.strerror or err}"


def _too_large(limit: int, size: int | None, hint: str | None, what: str) -> UnsafeFileError:
    measured = f" ({size:,} bytes)" if size is not None else ""
    advice = f"; {hint}" if hint else f", the limit for {what}"
    return UnsafeFileError(f"larger than {format_size(limit)}{measured}{advice}")


def read_input(path: str | os.PathLike[str], *, allow_pipes: bool = False) -> bytes:
    """`read_input_file` with the limit in force (`max_file_bytes`): how commands read the
    files they are given. A refusal says how to raise the limit."""
    return read_input_file(path, max_file_bytes(), allow_pipes=allow_pipes, hint=RAISE_HINT)


def _open_checked(path: str | os.PathLike[str], allow_pipes: bool) -> tuple[int, os.stat_result]:
    """A blocking descriptor on a regular file (or, with `allow_pipes`, a pipe), and its
    status. The open itself does not block: a FIFO nobody writes to would wait forever."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        pipe = allow_pipes and stat.S_ISFIFO(info.st_mode)
        if not (stat.S_ISREG(info.st_mode) or pipe):
            raise UnsafeFileError(f"not a regular file ({_file_kind(info.st_mode)})")
        if pipe and hasattr(os, "set_blocking"):  # O_NONBLOCK means nothing to regular files
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd, info


def read_input_file(
    path: str | os.PathLike[str],
    max_bytes: int,
    *,
    what: str = "input files",
    allow_pipes: bool = False,
    hint: str | None = None,
) -> bytes:
    """The bytes of a regular file of at most `max_bytes`.

    The file is opened without blocking (a FIFO would otherwise wait for a writer), checked to
    be a regular file (not a FIFO, socket or device), and read up to one byte past the limit,
    so neither an endless device nor a file that grows while it is read costs more than the
    limit. `allow_pipes` accepts a pipe the user named on purpose (`--policy <(jq ...)` is one),
    still bounded; a FIFO with no writer reads as empty. Raises `UnsafeFileError` naming the
    problem (a size refusal ends with `hint`, how to raise the limit, or else names the limit
    as the one for `what`), or the `OSError` of the system.
    """
    fd, info = _open_checked(path, allow_pipes)
    try:
        if info.st_size > max_bytes:
            raise _too_large(max_bytes, info.st_size, hint, what)
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
            raise _too_large(max_bytes, None, hint, what)
        return data
    finally:
        os.close(fd)


def open_input_stream(path: str | os.PathLike[str], *, allow_pipes: bool = False) -> BinaryIO:
    """A buffered binary stream on a regular file (or, with `allow_pipes`, a pipe), for inputs
    read line by line however long they are (a batch of cases); pair with `bounded_lines`."""
    fd, _ = _open_checked(path, allow_pipes)
    return os.fdopen(fd, "rb")


class LineTooLongError(UnsafeFileError):
    """A line of a streamed input past the limit; `line` is its 1-based number."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


def bounded_lines(stream: BinaryIO, max_bytes: int | None = None) -> Iterator[bytes]:
    """The lines of `stream`, each at most `max_bytes` (default: the limit in force), read
    without ever holding more than one line: an endless line (a pipe of zeros) is refused
    with `LineTooLongError` once it passes the limit, rather than filling memory."""
    limit = max_file_bytes() if max_bytes is None else max_bytes
    number = 0
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) > limit:
            raise LineTooLongError(f"line longer than {format_size(limit)}; {RAISE_HINT}", number)
        yield line


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
