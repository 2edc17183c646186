"""The `policysim` command line: parse arguments, call the library, render the answer.

`app.py` holds the typer app and the shared helpers; each command group lives in its own module
and registers on that app when imported. This list is the only place that imports them.
"""

from policysim.cli import (  # noqa: F401  (registration list)
    account,
    diff,
    fetch,
    lint,
    paths,
    principal_can,
    show,
    simulate,
    ui,
)
from policysim.cli.app import EXIT_INTERRUPTED, EXIT_USAGE, app, fail
from policysim.cli.entry import main

__all__ = ["EXIT_INTERRUPTED", "EXIT_USAGE", "app", "fail", "main"]
