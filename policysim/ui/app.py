"""The Flask application: three pages (simulator, who-can, lint) rendered on the server.

Every value reaches the page through Jinja2's autoescaping (policy names and texts are hostile
input); the Content-Security-Policy allows only this package's own script and style, so even a
value that slipped through could not run. Requests whose Host is not the address served are
refused (a web page elsewhere cannot reach the simulator through DNS rebinding).
"""

from __future__ import annotations

from collections.abc import Collection

from flask import Flask, Response, abort, render_template, request

from policysim.account.resolve import Resolver
from policysim.policy.text import policy_text
from policysim.ui.forms import CONTEXT_FIELD, RESOURCE_FIELD, read_simulator_form
from policysim.ui.simulator import Simulator
from policysim.ui.tools import LINT_KIND_OF, LINT_KINDS, lint_view, who_can_view

MAX_FORM_BYTES = 2 * 1024 * 1024
"""The largest form accepted (a pasted policy is at most a few kilobytes in IAM)."""

PLACEHOLDERS = {
    "IPAddress": "203.0.113.10",
    "Date": "2026-01-01T00:00:00Z",
    "Numeric": "0",
    "ARN": "arn:aws:service:region:account:resource",
    "Bool": "true",
}
"""An example value for a context-key field, by the key's catalog type."""

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
        " form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def create_app(resolver: Resolver, *, allowed_hosts: Collection[str] | None = None) -> Flask:
    """The web application over an opened account. `allowed_hosts`: the Host header values
    accepted (None accepts any, for the test client)."""
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_FORM_BYTES
    simulator = Simulator(resolver)
    hosts = None if allowed_hosts is None else frozenset(h.lower() for h in allowed_hosts)

    @app.before_request
    def _check_host() -> None:
        if hosts is not None and request.host.lower() not in hosts:
            abort(403)

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.context_processor
    def _names() -> dict[str, object]:
        return {
            "RESOURCE_FIELD": RESOURCE_FIELD,
            "CONTEXT_FIELD": CONTEXT_FIELD,
            "PLACEHOLDERS": PLACEHOLDERS,
        }

    @app.route("/", methods=["GET", "POST"])
    def simulate() -> str:
        data = request.form if request.method == "POST" else request.args
        form = read_simulator_form(data, posted=request.method == "POST")
        return render_template("simulator.html", page=simulator.page(form), active="simulator")

    @app.route("/who-can", methods=["GET", "POST"])
    def who_can() -> str:
        data = request.form if request.method == "POST" else request.args
        view = who_can_view(resolver, data.get("action", ""), data.get("resource", ""))
        return render_template("who_can.html", view=view, active="who-can")

    @app.route("/lint", methods=["GET", "POST"])
    def lint() -> str:
        data = request.form if request.method == "POST" else request.args
        policies = simulator.account_policies()
        text, kind = data.get("policy", ""), data.get("kind", "identity")
        chosen = data.get("choice", "")
        if data.get("do") == "load":
            picked = next((c for c in policies if c.key == chosen), None)
            if picked is not None:
                text, kind = policy_text(picked.policy), LINT_KIND_OF[picked.kind]
        view = lint_view(text, kind)
        return render_template(
            "lint.html",
            view=view,
            kinds=LINT_KINDS,
            policies=policies,
            chosen=chosen,
            active="lint",
        )

    return app
