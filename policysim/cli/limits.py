"""The `--max-file-size` option that every command reading input files takes.

Input files are read whole and bounded (`policysim.files`): a file over the limit is refused
with one line naming it, rather than filling a CI runner's memory. This option, or the
environment variable it defaults from, is the one way to raise the limit.
"""

from __future__ import annotations

from typing import Annotated

import typer

from policysim.files import (
    DEFAULT_MAX_FILE_BYTES,
    MAX_FILE_SIZE_ENV,
    MAX_FILE_SIZE_OPTION,
    format_size,
    parse_size,
    set_max_file_bytes,
)


def _apply(value: str | None) -> str | None:
    """Set the limit for this run as the option is parsed, before the command reads a file."""
    try:
        set_max_file_bytes(parse_size(value) if value else None)
    except ValueError as err:
        raise typer.BadParameter(str(err)) from None
    return value


MaxFileSizeOpt = Annotated[
    str | None,
    typer.Option(
        MAX_FILE_SIZE_OPTION,
        envvar=MAX_FILE_SIZE_ENV,
        callback=_apply,
        metavar="SIZE",
        show_default=False,
        help="Largest input file read (policy, account, test, config, template or plan file;"
        " for a --batch stream, its longest line), e.g. 200MiB or 2GiB."
        f" Default: {format_size(DEFAULT_MAX_FILE_BYTES)}. FIFOs and devices are never read,"
        " pipes only when named on the command line.",
    ),
]
