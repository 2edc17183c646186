"""Lint inputs end to end: find files, load their documents, run the rules, apply suppressions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from policysim.lint.config import LintConfig
from policysim.lint.finding import REPORT_ORDER, Finding
from policysim.lint.inputs import discover, load_path
from policysim.lint.inputs.target import LintTarget, Loaded
from policysim.lint.policy_type import PolicyKind, detect_kind
from policysim.lint.runner import LintOptions, lint_node
from policysim.policy.errors import Position
from policysim.policy.source import Node
from policysim.policy.unknown import has_unknown, show

if TYPE_CHECKING:
    from policysim.lint.guardrails import Guardrails


@dataclass(slots=True)
class LintRun:
    """The outcome of linting some inputs."""

    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    documents: int = 0
    suppressed: int = 0
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """Problems with the run itself, such as a configuration that left nothing to lint."""


def _statement_nodes(root: Node) -> list[Node]:
    if root.kind != "object":
        return []
    node = root.value.get("Statement")
    if node is None:
        return []
    if node.kind == "array":
        return list(node.value)
    return [node]


def _sid(statement: Node | None) -> str | None:
    if statement is None or statement.kind != "object":
        return None
    sid = statement.value.get("Sid")
    return sid.value if sid is not None and sid.kind == "string" else None


def _suppressed(
    finding: Finding,
    target: LintTarget | None,
    loaded: Loaded,
    config: LintConfig,
    statements: list[Node] | None = None,
) -> bool:
    """Whether a configured ignore, the target's own ignores or a comment hides the finding
    (`statements`: the target's statement nodes, when the caller has them already)."""
    if statements is None:
        statements = _statement_nodes(target.root) if target is not None else []
    statement = (
        statements[finding.statement]
        if finding.statement is not None and finding.statement < len(statements)
        else None
    )
    sid = _sid(statement)
    if config.ignored(finding.file, finding.rule, sid):
        return True
    if target is not None:
        if finding.rule in target.ignore:
            return True
        if sid is not None and finding.rule in target.ignore_sids.get(sid, frozenset()):
            return True
    if loaded.line_ignores:
        lines = {finding.line}
        if statement is not None:
            lines.add(statement.position.line)
        for line in lines:
            for comment_line in (line, line - 1):
                if finding.rule in loaded.line_ignores.get(comment_line, frozenset()):
                    return True
    return False


def lint_loaded(
    loaded: Loaded,
    config: LintConfig,
    options: LintOptions,
    run: LintRun,
    guardrails: Guardrails | None = None,
) -> None:
    """Lint the documents of one loaded file into `run`; with `guardrails` (`lint --account`),
    findings an SCP or RCP already blocks are lowered or dropped."""
    run.notes.extend(loaded.notes)
    for finding in loaded.findings:
        if _suppressed(finding, None, loaded, config):
            run.suppressed += 1
        else:
            run.findings.append(finding)
    for target in loaded.targets:
        run.documents += 1
        findings = lint_node(
            target.root,
            target.file,
            kind=target.kind,
            service=target.service,
            options=options,
            attachment=target.attachment,
            source=target.text,
        )
        if guardrails is not None:
            findings = _guarded(findings, target, guardrails)
        statements = _statement_nodes(target.root) if findings else []
        for finding in findings:
            if target.opaque and Position(finding.line, finding.column) in target.opaque:
                continue
            if _suppressed(finding, target, loaded, config, statements):
                run.suppressed += 1
                continue
            if has_unknown(finding.message) or (finding.hint and has_unknown(finding.hint)):
                hint = show(finding.hint) if finding.hint else finding.hint
                finding = replace(finding, message=show(finding.message), hint=hint)
            if target.label:
                pointer = f"{target.label}{finding.pointer}" if target.label else finding.pointer
                finding = replace(
                    finding, message=f"{target.label}: {finding.message}", pointer=pointer
                )
            run.findings.append(finding)


def _guarded(findings: list[Finding], target: LintTarget, guardrails: Guardrails) -> list[Finding]:
    kind = target.kind or detect_kind(target.root.to_plain())[0]
    statements = [node.to_plain() for node in _statement_nodes(target.root)]
    account, principal = target.attachment.get("account"), target.attachment.get("principal")
    return guardrails.apply(
        findings,
        statements,
        kind,
        account if isinstance(account, str) else None,
        principal if isinstance(principal, str) else None,
    )


def lint_paths(
    paths: Iterable[str],
    config: LintConfig,
    *,
    kind: PolicyKind | None = None,
    service: str | None = None,
    options: LintOptions | None = None,
    skip_non_policies: bool = False,
    jobs: int = 1,
    resource_arn: str | None = None,
    guardrails: Guardrails | None = None,
) -> LintRun:
    """Lint files, directories and '-' (standard input). With `skip_non_policies`, named files
    that hold no policy are skipped as in a directory walk (pre-commit passes every JSON/YAML).

    With `jobs` > 1, large runs are spread over that many worker processes
    (`lint.inputs.parallel`); the findings are the same, in the same order. `resource_arn` is
    the resource that documents without CloudFormation, Terraform or account file context are
    attached to (PS113); `guardrails` lowers findings that an SCP or RCP blocks.
    """
    options = options or config.options()
    paths = list(paths)
    skipped_notes: list[str] = []
    files = list(discover(paths, config.exclude, skipped_notes))
    job = FileJob(config, options, kind, service, skip_non_policies, resource_arn, guardrails)
    if jobs > 1:
        from policysim.catalog import get_catalog
        from policysim.lint.inputs.parallel import run_in_workers, worker_count

        if worker_count(len(files), jobs) > 1:
            # Built once here and inherited by every forked worker, instead of by each.
            get_catalog().preload()
        per_file = run_in_workers(job, files, jobs)
    else:
        per_file = [job(path, discovered) for path, discovered in files]
    run = LintRun(notes=skipped_notes)
    linted = [path for (path, _), part in zip(files, per_file, strict=True) if part is not None]
    run.warnings.extend(nothing_left(paths, len(files), linted, config))
    for part in per_file:
        if part is None:
            continue
        run.files += part.files
        run.documents += part.documents
        run.suppressed += part.suppressed
        run.notes.extend(part.notes)
        run.findings.extend(part.findings)
    run.findings.sort(key=REPORT_ORDER)
    return run


def nothing_left(paths: list[str], found: int, linted: list[str], config: LintConfig) -> list[str]:
    """Warnings for a configuration that left nothing to lint: `exclude` patterns that left
    out every file of the walk, or ignores that hide every finding of every file linted. A
    repository's own configuration can otherwise turn linting off with "0 findings"."""
    source = str(config.source) if config.source is not None else "the configuration"
    if not linted and config.exclude:
        everything = sum(1 for _ in discover(paths))
        if everything > found:
            which = "every file was" if found == 0 else f"{everything - found} files were"
            return [
                f"0 files linted: {which} excluded by {source} (exclude = {list(config.exclude)!r})"
            ]
    if linted:
        entries = {config.blanket_ignore(path) for path in linted}
        if None not in entries:
            described = ", ".join(
                f"ignore[{i}] (path = {config.ignores[i].path!r}, rules = ['*'])"
                for i in sorted(i for i in entries if i is not None)
            )
            count = "the file" if len(linted) == 1 else f"all {len(linted)} files"
            return [f"every finding in {count} linted is hidden by {source}: {described}"]
    return []


@dataclass(frozen=True, slots=True)
class FileJob:
    """Linting one discovered file: what a worker process needs to know."""

    config: LintConfig
    options: LintOptions
    kind: PolicyKind | None
    service: str | None
    skip_non_policies: bool
    resource_arn: str | None = None
    guardrails: Guardrails | None = None

    def __call__(self, path: str, discovered: bool) -> LintRun | None:
        """The file's outcome, or None when it is skipped (not a policy in a walk)."""
        loaded = load_path(
            path,
            kind=self.kind,
            service=self.service,
            discovered=discovered or self.skip_non_policies,
        )
        if loaded.source == "skipped":
            return None
        if self.resource_arn:
            for target in loaded.targets:
                target.attachment.setdefault("target_arn", self.resource_arn)
        run = LintRun(files=1)
        lint_loaded(loaded, self.config, self.options, run, self.guardrails)
        return run
