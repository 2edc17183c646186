"""Serve the page with waitress (a pure-Python WSGI server): on loopback by default, on the
port asked for or, with port 0, on a free one the operating system picks."""

from __future__ import annotations

import gc
import logging
import socket
from typing import Any, Protocol

from policysim.account.resolve import Resolver

LOOPBACK = ("127.0.0.1", "localhost", "::1")


class Server(Protocol):
    """The part of a waitress server the CLI and the tests use."""

    def run(self) -> None: ...

    def close(self) -> None: ...


def page_url(host: str, port: int) -> str:
    """The address to open in a browser."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def allowed_hosts(host: str, port: int) -> set[str]:
    """The Host header values the page answers: the address bound, and for a loopback
    address every loopback name (a page elsewhere that rebinds its own name to 127.0.0.1
    sends that name, and is refused)."""
    names = {host, *(LOOPBACK if host in LOOPBACK else ())}
    return {f"[{n}]:{port}" if ":" in n else f"{n}:{port}" for n in names}


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on `host:port` (0: a free port); OSError when it cannot be had."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(64)
    except OSError:
        sock.close()
        raise
    return sock


def settle_heap() -> None:
    """Before serving: move everything loaded so far (the account, the catalog, the modules)
    out of the cyclic collector's sight, and switch the collector on. The command line turns it
    off for short commands; a server runs long and needs it, but rescanning the loaded account
    and catalog at every collection would cost a Run more than its decisions."""
    gc.collect()
    gc.freeze()
    gc.enable()


def make_server(resolver: Resolver, host: str = "127.0.0.1", port: int = 0) -> tuple[Server, int]:
    """A server bound to `host:port`, not yet running, and the port it got."""
    from waitress import create_server

    from policysim.ui.app import create_app

    sock = bind(host, port)
    settle_heap()
    bound = int(sock.getsockname()[1])
    app = create_app(resolver, allowed_hosts=allowed_hosts(host, bound))
    # One request at a time: the resolver's caches are shared, and the work is CPU-bound
    # under the GIL, so more threads would only race. Requests waiting behind a Run are
    # expected then, not worth a warning on the user's terminal.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    server: Any = create_server(app, sockets=[sock], threads=1, ident="policysim")
    return server, bound
