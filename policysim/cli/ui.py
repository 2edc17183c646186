"""`policysim ui`: the console's policy simulator as a local web page (the `ui` extra)."""

from __future__ import annotations

from typing import Annotated

import typer

from policysim.cli.account import AccountOpt, _resolver
from policysim.cli.app import EXIT_USAGE, app, fail, print_error, say

INSTALL_HINT = "policysim ui needs the ui extra: pip install 'policysim[ui]'"


def ui_extra_missing() -> str | None:
    """The missing package of the ui extra, or None when it is installed."""
    import importlib

    for module in ("flask", "waitress"):
        try:
            importlib.import_module(module)
        except ImportError:
            return module
    return None


@app.command(
    epilog=(
        "Examples:\n\n  policysim ui --account examples/accounts/deploy-user\n\n"
        "  policysim ui --account org/ --port 0\n\n"
        "Serves until Ctrl-C. Only loopback by default: the page shows every policy of the"
        " account. Exit status: 0 stopped; 2 usage or input error (including a missing ui"
        " extra)."
    )
)
def ui(
    account: AccountOpt = None,
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="Port; 0 picks a free one.")
    ] = 8765,
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (default: loopback only).")
    ] = "127.0.0.1",
) -> None:
    """Serve the policy simulator page: principals, policies to tick, actions, Run."""
    from policysim.policy.errors import PolicyError

    missing = ui_extra_missing()
    if missing is not None:
        print_error(f"{INSTALL_HINT} ({missing} is not installed)", code=EXIT_USAGE)
        raise typer.Exit(EXIT_USAGE)
    from policysim.ui.serve import LOOPBACK, make_server, page_url

    try:
        resolver = _resolver(account, None, None, None, None)
    except PolicyError as err:
        fail(err)
    try:
        server, bound = make_server(resolver, host, port)
    except OSError as err:
        fail(f"--host {host} --port {port}: cannot listen there ({err.strerror or err})")
    if host not in LOOPBACK:
        say(
            f"policysim: warning: listening on {host}: anyone who can reach it sees every"
            " policy of the account",
            err=True,
        )
    say(f"policysim ui: serving {page_url(host, bound)} (Ctrl-C to stop)")
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
