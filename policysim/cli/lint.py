"""The `lint` command (registered on the app of `cli/app.py`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from policysim.cli.app import app, fail, say
from policysim.cli.limits import MaxFileSizeOpt

if TYPE_CHECKING:
    from policysim.lint.guardrails import Guardrails

LINT_EPILOG = (
    "Examples:\n\n"
    "  policysim lint policies/ template.yaml\n\n"
    "  terraform show -json plan.out | policysim lint - --format sarif -o policysim.sarif\n\n"
    "  policysim lint --list-rules\n\n"
    "  policysim lint --account org.yaml policies/   (findings the SCPs/RCPs block are lowered)\n\n"
    "Inputs: policy files (JSON or YAML), directories (recursively), '-' for standard input,"
    " CloudFormation templates and Terraform plan JSON. Settings: [tool.policysim.lint] in"
    " pyproject.toml or [lint] in .policysim.toml, found from this directory up to the"
    " repository root; --no-config for untrusted pull requests. A warning says when the"
    " settings leave nothing to lint.\n\n"
    "Exit status: 0 no finding at or above --fail-on; 1 some finding is; 2 usage error."
)


def _split(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for value in values or []:
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return out


def _list_rules() -> None:
    from policysim.lint.registry import all_rules

    for rule in all_rules().values():
        off = "" if rule.default_enabled else "  (off by default)"
        typer.echo(f"{rule.id}  {rule.severity.value:<10}  {rule.title}{off}")


def _guardrails(account: Path | None, mode: str) -> Guardrails | None:
    """The guardrails of `--account`, or None; a bad file or mode is a one-line error."""
    if account is None and mode == "lower":
        # The usual run: no guardrails, and no need to import their machinery (the account
        # model, resolver and engine: a fifth of the start-up of `policysim lint`).
        return None
    from policysim.lint.guardrails import GuardrailMode, Guardrails
    from policysim.policy.errors import PolicyError

    try:
        chosen = GuardrailMode(mode)
    except ValueError:
        fail(f"--guardrails {mode!r}: expected lower or drop")
    if account is None:
        if chosen is not GuardrailMode.LOWER:
            fail("--guardrails needs --account FILE (the account or organization file)")
        return None
    from policysim.account.loaders import load_snapshot

    try:
        snapshot = load_snapshot(account)
    except PolicyError as err:
        fail(err)
    for warning in snapshot.warnings:
        say(f"policysim: warning: {warning}", err=True)
    guardrails = Guardrails(snapshot, str(account), chosen)
    if not guardrails.members():
        say(
            f"policysim: warning: {account}: no organization member account, so no SCP or"
            " RCP applies; only the permissions boundaries of users and roles linted inside"
            " this file count",
            err=True,
        )
    return guardrails


@app.command(epilog=LINT_EPILOG)
def lint(
    paths: Annotated[
        list[str] | None,
        typer.Argument(help="Files, directories, or '-' for standard input.", show_default=False),
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", "-f", help="Report format: text, json, sarif or github.")
    ] = "text",
    fail_on: Annotated[
        str | None,
        typer.Option(
            "--fail-on",
            help="Exit 1 when a finding is at least this severe: error, security, warning,"
            " suggestion or never. Default: security (error and security findings).",
        ),
    ] = None,
    policy_type: Annotated[
        str | None,
        typer.Option(
            "--type",
            "-t",
            help="Type of plain policy files: identity, trust, scp, rcp, boundary, session,"
            " endpoint, resource or resource:SERVICE. Default: detected from each document.",
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="Settings file. Default: the nearest .policysim.toml, or pyproject.toml with"
            " [tool.policysim.lint], from this directory up to the repository root (never above"
            " your home directory; docs/configuration.md).",
        ),
    ] = None,
    no_config: Annotated[
        bool,
        typer.Option(
            "--no-config",
            help="Ignore configuration files. Use it to lint an untrusted pull request: its"
            " own .policysim.toml or pyproject.toml could turn rules off or exclude its files.",
        ),
    ] = False,
    disable: Annotated[
        list[str] | None, typer.Option("--disable", help="Rule ids to turn off (repeatable).")
    ] = None,
    enable: Annotated[
        list[str] | None,
        typer.Option("--enable", help="Off-by-default rule ids to turn on (repeatable)."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report to this file.")
    ] = None,
    color: Annotated[
        str, typer.Option("--color", help="Colour the text report: auto, always or never.")
    ] = "auto",
    skip_non_policies: Annotated[
        bool,
        typer.Option(
            "--skip-non-policies",
            help="Skip named files that are not policies, templates or plans, as a directory"
            " walk does (the pre-commit hook passes every JSON and YAML file).",
        ),
    ] = False,
    resource_arn: Annotated[
        str | None,
        typer.Option(
            "--resource-arn",
            help="The resource that the linted resource policies are attached to, e.g."
            " arn:aws:s3:::my-bucket (checks that Resource names it: PS113). CloudFormation and"
            " Terraform inputs say this themselves where they can.",
        ),
    ] = None,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            "-j",
            help="Worker processes for large runs; 0 (default) uses every available CPU,"
            " 1 lints in this process. Findings and their order do not depend on it.",
            min=0,
        ),
    ] = 0,
    no_fold: Annotated[
        bool,
        typer.Option(
            "--no-fold",
            help="Report every finding that a statement granting everything implies (escalation"
            " paths, over-permissions), not one finding that lists them (fold = false).",
        ),
    ] = False,
    list_rules: Annotated[
        bool, typer.Option("--list-rules", help="List the rules (id, severity, title) and exit.")
    ] = False,
    account: Annotated[
        Path | None,
        typer.Option(
            "--account",
            help="An account or organization file (compact YAML, snapshot or authorization"
            " details) whose SCPs and RCPs apply (and, for a user's or role's own policies"
            " linted inside that file, its permissions boundary): a security or warning finding"
            " on an Allow statement that they deny for every member account, whatever the"
            " request's context, is lowered to a suggestion naming the guardrail"
            " (docs/guardrails.md).",
        ),
    ] = None,
    guardrails_mode: Annotated[
        str,
        typer.Option(
            "--guardrails",
            help="With --account: 'lower' findings a guardrail blocks (default) or 'drop' them.",
        ),
    ] = "lower",
    max_file_size: MaxFileSizeOpt = None,
) -> None:
    """Lint IAM policies: syntax, catalog, security, escalation, exposure and hygiene rules."""
    from policysim.lint.config import (
        ConfigError,
        LintConfig,
        fails,
        from_table,
        load_config,
        parse_fail_on,
    )
    from policysim.lint.policy_type import parse_kind
    from policysim.lint.registry import all_rules
    from policysim.lint.report import FORMATS, render
    from policysim.policy.arn import is_arn

    if list_rules:
        _list_rules()
        raise typer.Exit(0)
    if not paths:
        fail("give files or directories to lint, or '-' for standard input (see --help)")
    if output_format not in FORMATS:
        fail(f"--format {output_format!r}: expected one of {', '.join(FORMATS)}")
    if color not in ("auto", "always", "never"):
        fail(f"--color {color!r}: expected auto, always or never")
    rules = all_rules()
    known = set(rules)
    try:
        settings = LintConfig() if no_config else load_config(config, known)
        if disable or enable:
            extra = from_table({"disable": _split(disable), "enable": _split(enable)}, None, known)
            settings.disable = settings.disable | extra.disable
            settings.enable = settings.enable | extra.enable
        if fail_on is not None:
            settings.fail_on = parse_fail_on(fail_on)
        if no_fold:
            settings.fold = False
    except ConfigError as err:
        fail(err)
    kind = service = None
    if policy_type is not None:
        try:
            kind, service = parse_kind(policy_type)
        except ValueError as err:
            fail(f"--type: {err}")
    if paths.count("-") > 1:
        fail("standard input ('-') can be read only once")
    for path in paths:
        if path != "-" and not os.path.exists(path):
            fail(f"{path}: no such file or directory")
    if resource_arn is not None and not is_arn(resource_arn):
        fail(f"--resource-arn {resource_arn!r}: expected an ARN such as arn:aws:s3:::my-bucket")

    guardrails = _guardrails(account, guardrails_mode)

    from policysim.lint.inputs.parallel import available_cpus
    from policysim.lint.inputs.run import lint_paths

    run = lint_paths(
        paths,
        settings,
        kind=kind,
        service=service,
        skip_non_policies=skip_non_policies,
        jobs=jobs or available_cpus(),
        resource_arn=resource_arn,
        guardrails=guardrails,
    )
    use_color = output is None and (
        color == "always"
        or (color == "auto" and sys.stdout.isatty() and "NO_COLOR" not in os.environ)
    )
    report = render(run, output_format, rules, color=use_color)
    for note in run.notes:
        say(f"policysim: note: {note}", err=True)
    for warning in run.warnings:
        say(f"policysim: warning: {warning}", err=True)
    if output is not None:
        from policysim.files import write_atomic

        try:
            write_atomic(output, report)
        except OSError as err:
            fail(f"{output}: cannot write: {err.strerror or err}")
    else:
        sys.stdout.write(report)
        sys.stdout.flush()
    failed = any(fails(f.severity, settings.fail_on) for f in run.findings)
    raise typer.Exit(1 if failed else 0)
