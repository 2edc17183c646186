"""`policysim diff` and `policysim verify`: prove that a change grants nothing new, that a policy
does not grant given actions, or that a resource policy is not public, offline, with a
counterexample request for every "no".

The commands read their inputs with `policysim.diff.sources` (documents, templates, plans and
account files as units to compare), ask the prover (`policysim.diff`) one question per unit and
print the answers with `cli.diff_output`. Exit status: 0 PASS, 1 FAIL, 3 UNKNOWN, 2 input error.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

import typer

from policysim.cli.app import app, fail
from policysim.cli.diff_output import (
    EXIT_CODES,
    Answered,
    overall,
    print_json,
    render_text,
    to_json,
)
from policysim.cli.limits import MaxFileSizeOpt

if TYPE_CHECKING:
    from policysim.diff.sources import ComparisonUnit, Document, Sources

TYPE_HELP = (
    "Policy type of plain documents: identity, resource, trust, scp, rcp or boundary."
    " Default: detected as lint does (a Principal with sts:AssumeRole* is a trust policy,"
    " another Principal a resource policy, none an identity policy)."
)

_DIFF_EPILOG = (
    "Examples:\n\n"
    "  policysim diff old.json new.json\n\n"
    "  policysim diff <(git show origin/main:policies/app.json) policies/app.json\n\n"
    "  policysim diff old-scp.json new-scp.json --type scp --both\n\n"
    "  policysim diff old-stack.yaml new-stack.yaml       # CloudFormation, by logical id\n\n"
    "  policysim diff old-plan.json new-plan.json         # terraform show -json, by address\n\n"
    "  policysim diff before.yaml after.yaml              # account files: every principal\n\n"
    "  policysim diff --against origin/main policies/*.json stack.yaml   # in CI\n\n"
    "OLD and NEW are two policy documents (JSON or YAML), two CloudFormation templates, two"
    " Terraform plans or two account files. PASS: NEW allows no request OLD does not (proved);"
    " FAIL: here is a request NEW allows and OLD does not, re-checked by the engine, as a"
    " `policysim simulate` command and a batch line; UNKNOWN: some part could not be decided"
    " (each is named, with why).\n\n"
    "Exit status: 0 PASS; 1 FAIL; 3 UNKNOWN; 2 unusable input. See docs/diff.md."
)

_VERIFY_EPILOG = (
    "Examples:\n\n"
    "  policysim verify new.json --no-new-access old.json\n\n"
    "  policysim verify role-policy.json --not-granted iam:PassRole,iam:CreateAccessKey\n\n"
    "  policysim verify p.json --not-granted s3:DeleteObject --resource 'arn:aws:s3:::prod/*'\n\n"
    "  policysim verify bucket-policy.json --no-public-access --resource-type AWS::S3::Bucket\n\n"
    "  policysim verify template.yaml --no-public-access   # every resource policy in it\n\n"
    "--not-granted asks AWS's question: is any of the actions allowed on any of the resources?"
    " --no-public-access uses one definition of public (docs/diff.md): a grant to * or to"
    " every AWS principal that no condition pins to fixed accounts, organizations, VPCs, VPC"
    " endpoints, source ARNs or accounts, or an IP range of at least /8 (IPv6 /32). Over a"
    " CloudFormation template or Terraform plan every policy in it is checked (resource and"
    " trust policies for --no-public-access).\n\n"
    "Exit status: 0 PASS; 1 FAIL; 3 UNKNOWN; 2 unusable input. See docs/diff.md."
)


def _prover() -> Any:
    """The prover package, imported when a command runs (it may load the optional solver);
    its reports are read through the protocols of `cli.diff_output`."""
    return importlib.import_module("policysim.diff")


def _prove_unit(prover: Any, unit: ComparisonUnit, both: bool) -> Any:
    """The prover's report on one unit: two documents standing alone through
    `diff_documents`; whole stacks (principals, resource policies with their account's RCPs,
    documents added or removed) through `diff_policy_sets`."""
    if unit.standalone and unit.old_policy is not None and unit.new_policy is not None:
        return prover.diff_documents(unit.old_policy, unit.new_policy, unit.kind, both=both)
    return prover.diff_policy_sets(
        unit.old,
        unit.new,
        principal=unit.principal,
        resource_account=unit.resource_account,
        both=both,
    )


def _finish(
    answers: Sequence[Answered],
    *,
    as_json: bool,
    question: str,
    unchanged: int = 0,
    notes: Sequence[str] = (),
) -> None:
    if as_json:
        print_json(to_json(answers, unchanged=unchanged, notes=notes))
    else:
        render_text(answers, question=question, unchanged=unchanged, notes=notes)
    raise typer.Exit(EXIT_CODES[overall(answers)])


def _answers(prover: Any, sources: Sources, both: bool, prefix: str = "") -> list[Answered]:
    return [
        Answered(
            u.name if not prefix or u.name.startswith(prefix) else f"{prefix}: {u.name}",
            u.kind,
            u.status,
            _prove_unit(prover, u, both),
            u.also,
        )
        for u in sources.units
    ]


def _compare(
    old: str, new: str, policy_type: str | None, *, both: bool, as_json: bool, question: str
) -> None:
    from policysim.diff.sources import load_pair
    from policysim.policy.errors import PolicyError

    try:
        sources = load_pair(old, new, policy_type)
        answers = _answers(_prover(), sources, both)
    except (PolicyError, ValueError) as err:
        fail(err)
    _finish(
        answers,
        as_json=as_json,
        question=question,
        unchanged=sources.unchanged,
        notes=sources.notes,
    )


def _compare_against(
    ref: str,
    paths: Sequence[str],
    policy_type: str | None,
    *,
    both: bool,
    as_json: bool,
    skip_other: bool,
) -> None:
    from policysim.diff.sources import load_against
    from policysim.policy.errors import PolicyError

    answers: list[Answered] = []
    notes: list[str] = []
    unchanged = 0
    try:
        prover = _prover()
        for path in paths:
            sources = load_against(ref, path, policy_type, skip_other=skip_other)
            answers.extend(_answers(prover, sources, both, prefix=path))
            unchanged += sources.unchanged
            notes.extend(sources.notes)
    except (PolicyError, ValueError) as err:
        fail(err)
    _finish(
        answers,
        as_json=as_json,
        question=f"new access since {ref}",
        unchanged=unchanged,
        notes=notes,
    )


@app.command(epilog=_DIFF_EPILOG)
def diff(
    paths: Annotated[
        list[str],
        typer.Argument(
            metavar="OLD NEW | FILE...",
            help="The policy before and after ('-': stdin); with --against, the files as they"
            " are now.",
        ),
    ],
    against: Annotated[
        str | None,
        typer.Option(
            "--against",
            metavar="REF",
            help="Compare each FILE with its version at this git revision (origin/main, HEAD);"
            " a file new since REF is compared with nothing.",
        ),
    ] = None,
    policy_type: Annotated[
        str | None, typer.Option("--type", metavar="TYPE", help=TYPE_HELP)
    ] = None,
    both: Annotated[
        bool, typer.Option("--both", help="Report access lost as well as access gained.")
    ] = False,
    skip_non_policies: Annotated[
        bool,
        typer.Option(
            "--skip-non-policies",
            help="With --against: skip files that hold no policy (as pre-commit passes every"
            " JSON and YAML file).",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    max_file_size: MaxFileSizeOpt = None,
) -> None:
    """Prove that NEW grants nothing OLD does not, or show a request it newly allows."""
    if against is not None:
        _compare_against(
            against,
            paths,
            policy_type,
            both=both,
            as_json=as_json,
            skip_other=skip_non_policies,
        )
    if skip_non_policies:
        fail("--skip-non-policies goes with --against")
    if len(paths) != 2:
        fail(f"give OLD and NEW (2 files), not {len(paths)}; or --against REF with files")
    _compare(paths[0], paths[1], policy_type, both=both, as_json=as_json, question="new access")


def _split_actions(text: str) -> list[str]:
    """The actions of --not-granted, each known to the catalog (or a pattern matching some):
    a misspelt name would otherwise be proved "not granted"."""
    from policysim.catalog.names import action_problem

    actions = [a.strip() for a in text.split(",") if a.strip()]
    if not actions:
        fail("--not-granted needs at least one action, e.g. iam:PassRole")
    for action in actions:
        problem = action_problem(action)
        if problem is not None:
            fail(f"--not-granted: {problem}")
    return actions


def _documents(paths: Sequence[str], policy_type: str | None, skip_other: bool) -> list[Document]:
    from policysim.diff.sources import load_documents

    found: list[Document] = []
    for path in paths:
        found.extend(load_documents(path, policy_type, skip_other=skip_other))
    return found


def _check_resource_type(given: str) -> None:
    from policysim.account.errors import did_you_mean
    from policysim.diff import PUBLIC_RESOURCE_TYPES

    if given not in PUBLIC_RESOURCE_TYPES:
        fail(
            f"unknown --resource-type {given!r}"
            + (did_you_mean(given, PUBLIC_RESOURCE_TYPES) or "; see docs/diff.md for the list")
        )


def _public_type(document: Document, given: str | None, standalone: bool) -> str | None:
    """The resource type to check `document` as; None (with a note) for a policy in a template
    or plan whose type the prover does not know; an error for a plain document."""
    from policysim.diff import PUBLIC_RESOURCE_TYPES

    if given is not None:
        return given
    if document.resource_type in PUBLIC_RESOURCE_TYPES:
        return document.resource_type
    if standalone:
        fail(
            f"{document.location}: cannot tell which resource {document.name!r} belongs to;"
            " give --resource-type (e.g. AWS::S3::Bucket)"
        )
    return None


def _verify_documents(
    documents: Sequence[Document],
    *,
    not_granted: str | None,
    resources: Sequence[str],
    resource_type: str | None,
) -> tuple[list[Answered], list[str]]:
    prover = _prover()
    answers: list[Answered] = []
    notes: list[str] = []
    for document in documents:
        if not_granted is not None:
            report = prover.verify_not_granted(
                document.policy,
                document.kind,
                _split_actions(not_granted),
                tuple(resources) or ("*",),
            )
        elif document.kind not in ("resource", "trust"):
            notes.append(f"{document.name}: a {document.kind} policy, not a resource policy")
            continue
        else:
            kind = _public_type(document, resource_type, document.name == document.file)
            if kind is None:
                notes.append(f"{document.name}: a resource type public access is not checked for")
                continue
            report = prover.verify_no_public_access(document.policy, kind)
        answers.append(Answered(document.name, document.kind, "checked", report))
    return answers, notes


@app.command(epilog=_VERIFY_EPILOG)
def verify(
    policies: Annotated[
        list[str],
        typer.Argument(
            metavar="POLICY...",
            help="Policy documents, CloudFormation templates or Terraform plans ('-': stdin).",
        ),
    ],
    no_new_access: Annotated[
        str | None,
        typer.Option(
            "--no-new-access",
            metavar="REFERENCE",
            help="Prove POLICY allows nothing REFERENCE does not (the same as diff).",
        ),
    ] = None,
    not_granted: Annotated[
        str | None,
        typer.Option(
            "--not-granted",
            metavar="ACTION[,ACTION...]",
            help="Prove none of these actions is allowed on any --resource.",
        ),
    ] = None,
    resource: Annotated[
        list[str] | None,
        typer.Option(
            "--resource", metavar="ARN", help="With --not-granted: resources (repeatable; '*')."
        ),
    ] = None,
    no_public_access: Annotated[
        bool,
        typer.Option("--no-public-access", help="Prove no resource policy grants public access."),
    ] = False,
    resource_type: Annotated[
        str | None,
        typer.Option(
            "--resource-type",
            metavar="TYPE",
            help="With --no-public-access: AWS::S3::Bucket, AWS::KMS::Key, AWS::SQS::Queue,"
            " AWS::SNS::Topic, AWS::Lambda::Function, AWS::SecretsManager::Secret,"
            " AWS::IAM::AssumeRolePolicyDocument, ... Default: from the template, or from the"
            " service the policy's actions name.",
        ),
    ] = None,
    policy_type: Annotated[
        str | None, typer.Option("--type", metavar="TYPE", help=TYPE_HELP)
    ] = None,
    skip_non_policies: Annotated[
        bool,
        typer.Option(
            "--skip-non-policies",
            help="Skip files that hold no policy (as pre-commit passes every JSON and YAML file).",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    max_file_size: MaxFileSizeOpt = None,
) -> None:
    """Prove one property of policies: no new access, actions not granted, or not public."""
    from policysim.policy.errors import PolicyError

    modes = [m for m in (no_new_access, not_granted) if m is not None]
    chosen = len(modes) + int(no_public_access)
    if chosen != 1:
        fail("give exactly one of --no-new-access, --not-granted and --no-public-access")
    if resource and not_granted is None:
        fail("--resource goes with --not-granted")
    if resource_type is not None:
        if not no_public_access:
            fail("--resource-type goes with --no-public-access")
        _check_resource_type(resource_type)
    if no_new_access is not None:
        if len(policies) != 1:
            fail("--no-new-access compares one POLICY with its REFERENCE")
        _compare(
            no_new_access,
            policies[0],
            policy_type,
            both=False,
            as_json=as_json,
            question="new access",
        )
    if not_granted is not None:
        _split_actions(not_granted)
    try:
        documents = _documents(policies, policy_type, skip_non_policies)
        answers, notes = _verify_documents(
            documents,
            not_granted=not_granted,
            resources=resource or [],
            resource_type=resource_type,
        )
    except (PolicyError, ValueError) as err:
        fail(err)
    question = "actions granted" if not_granted is not None else "public access"
    _finish(answers, as_json=as_json, question=question, notes=notes)
