"""The console script: run the app so that every failure is one line, never a traceback."""

from __future__ import annotations

import gc
import os
import sys
from typing import NoReturn

import typer

from policysim.cli.app import (
    EXIT_BROKEN_PIPE,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    app,
    print_error,
    report_errors_as_json,
    wants_json,
)


def _usage_error(err: Exception) -> int:
    """Click/Typer usage errors as one line (help text when no arguments were given)."""
    message = err.format_message()  # type: ignore[attr-defined]
    if type(err).__name__ == "NoArgsIsHelpError":
        typer.echo(message)
        return 0
    ctx = getattr(err, "ctx", None)
    command = getattr(ctx, "command_path", "policysim") if ctx is not None else "policysim"
    code = int(getattr(err, "exit_code", EXIT_USAGE))
    print_error(f"{message} (see '{command} --help')", code=code)
    return code


def main() -> None:
    """Entry point: run the app; every failure is one line, never a traceback."""
    # A command is short-lived and its data (snapshots, policies) is kept until it ends: the
    # cyclic collector would only rescan the growing heap, so it stays off (refcounting frees
    # everything else as usual).
    gc.disable()
    report_errors_as_json(wants_json(sys.argv[1:]))
    try:
        code = app(standalone_mode=False)
    except KeyboardInterrupt:
        print_error("", code=EXIT_INTERRUPTED, kind="interrupted")
        sys.exit(EXIT_INTERRUPTED)
    except BrokenPipeError:
        _quiet_broken_pipe()
    except SystemExit:
        if type(sys.stdout).__name__ == "PacifyFlushWrapper":
            # click met EPIPE on our output, wrapped stdout to silence it and exits 1, the
            # status that means "denied": say what happened instead
            _quiet_broken_pipe()
        raise
    except Exception as err:
        if hasattr(err, "format_message") and hasattr(err, "exit_code"):
            sys.exit(_usage_error(err))
        print_error(
            f"{type(err).__name__}: {err} (please report this)",
            code=EXIT_INTERNAL,
            kind="internal error",
        )
        sys.exit(EXIT_INTERNAL)
    if code == EXIT_INTERRUPTED:
        # typer turns Ctrl-C inside a command into this code rather than an exception
        print_error("", code=EXIT_INTERRUPTED, kind="interrupted")
    _exit_now(code if isinstance(code, int) else 0)


def _exit_now(code: int) -> NoReturn:
    """Exit without tearing down the heap: freeing a large account snapshot object by object
    at interpreter exit takes longer than the command itself."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        _quiet_broken_pipe()
    os._exit(code)


def _quiet_broken_pipe() -> NoReturn:
    """The reader closed our output early (`| head -1`): leave quietly, with a status that is
    not an answer. Nothing more can be written to the closed pipe, not even an error."""
    os._exit(EXIT_BROKEN_PIPE)
