"""Refresh the outputs shown in the example walkthroughs from real runs.

Usage (from anywhere)::

    python tests/examples/regenerate.py            # rewrite every examples/accounts/*/README.md
    python tests/examples/regenerate.py --check    # only report READMEs that are out of date
    python tests/examples/regenerate.py examples/accounts/mfa-group/README.md

Walkthrough format, which `tests/examples/test_walkthroughs.py` checks:

* a fenced ```` ```sh ```` block holds exactly one `policysim ...` command (lines starting
  with `#` are comments; a trailing backslash continues the command on the next line);
* the next fenced block (```` ``` ```` or ```` ```text ````) is the command's standard output;
* the next non-blank line after it is ``exit status: N``, the command's exit status.

Commands run as ``python -m policysim ...`` with the repository root as the working
directory, ``NO_COLOR=1`` and no ``COLUMNS``/``LINES``/``FORCE_COLOR`` in the environment,
so the output does not depend on the terminal. Trailing whitespace at the end of each output
line is dropped (the tables pad their last column), both here and in the comparison; nothing
else is normalised. A command must not depend on the clock: pass ``--now`` to `check`,
`explain` and `who-can`.

This script is not a test: it writes what the commands print today. Read the new outputs
before committing them.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "accounts"

_EXIT_LINE = re.compile(r"^exit status: (\d+)$")
_OUTPUT_FENCES = ("```", "```text")
_DROPPED_ENV = (
    "COLUMNS",
    "LINES",
    "FORCE_COLOR",
    "TTY_COMPATIBLE",
    "TTY_INTERACTIVE",
    "AWS_REGION",  # --region defaults to these: a walkthrough names its region itself
    "AWS_DEFAULT_REGION",
)


@dataclass
class Step:
    """One command of a walkthrough, with the output and exit status the README shows."""

    readme: Path
    line: int  # 1-based line of the ```sh fence
    command: str
    expected_output: str | None  # None: no output block yet
    expected_status: int | None  # None: no `exit status:` line yet
    # Line spans (0-based, end exclusive) used by the rewriter.
    sh_end: int
    output_span: tuple[int, int] | None
    status_line: int | None

    @property
    def argv(self) -> list[str]:
        """The command's arguments after `policysim`."""
        words = shlex.split(self.command)
        assert words and words[0] == "policysim", f"not a policysim command: {self.command!r}"
        return words[1:]

    @property
    def id(self) -> str:
        return f"{self.readme.parent.name}:{self.line}"


@dataclass(frozen=True)
class Run:
    """A finished command."""

    output: str
    status: int
    stderr: str


def _fence_end(lines: list[str], start: int) -> int:
    """The index of the closing fence of the block opened at `start`."""
    for i in range(start + 1, len(lines)):
        if lines[i].rstrip() == "```":
            return i
    raise ValueError(f"unclosed code block opened at line {start + 1}")


def _next_nonblank(lines: list[str], start: int) -> int | None:
    for i in range(start, len(lines)):
        if lines[i].strip():
            return i
    return None


def _command(block: list[str], where: str) -> str:
    text = "\n".join(line for line in block if not line.lstrip().startswith("#"))
    text = text.replace("\\\n", " ").strip()
    commands = [c for c in text.splitlines() if c.strip()]
    if len(commands) != 1 or not commands[0].startswith("policysim "):
        raise ValueError(f"{where}: a ```sh block must hold exactly one policysim command")
    return commands[0]


def parse(readme: Path) -> list[Step]:
    """The commands of one walkthrough, in order."""
    lines = readme.read_text(encoding="utf-8").splitlines()
    steps: list[Step] = []
    i = 0
    while i < len(lines):
        if lines[i].rstrip() != "```sh":
            if lines[i].startswith("```"):
                i = _fence_end(lines, i) + 1
            else:
                i += 1
            continue
        end = _fence_end(lines, i)
        command = _command(lines[i + 1 : end], f"{readme}:{i + 1}")
        output: str | None = None
        output_span: tuple[int, int] | None = None
        status: int | None = None
        status_line: int | None = None
        after = end + 1
        nxt = _next_nonblank(lines, after)
        if nxt is not None and lines[nxt].rstrip() in _OUTPUT_FENCES:
            out_end = _fence_end(lines, nxt)
            output = "".join(line + "\n" for line in lines[nxt + 1 : out_end])
            output_span = (nxt, out_end + 1)
            after = out_end + 1
            nxt = _next_nonblank(lines, after)
        if nxt is not None and (match := _EXIT_LINE.match(lines[nxt].strip())):
            status = int(match.group(1))
            status_line = nxt
        steps.append(
            Step(readme, i + 1, command, output, status, end + 1, output_span, status_line)
        )
        i = (status_line + 1) if status_line is not None else after
    return steps


def normalise(output: str) -> str:
    """Drop trailing whitespace on each line; keep everything else."""
    return "".join(line.rstrip() + "\n" for line in output.splitlines())


def environment() -> dict[str, str]:
    """The environment commands run in: no colours, no terminal size."""
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
    env["NO_COLOR"] = "1"
    return env


def run(step: Step) -> Run:
    """Run the step's command the way the walkthrough shows it."""
    done = subprocess.run(
        [sys.executable, "-m", "policysim", *step.argv],
        cwd=ROOT,
        env=environment(),
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
        timeout=300,
    )
    return Run(normalise(done.stdout), done.returncode, done.stderr)


def readmes() -> list[Path]:
    """Every walkthrough."""
    return sorted(EXAMPLES.glob("*/README.md"))


def rewrite(readme: Path) -> tuple[str, list[str]]:
    """The README with every output block and exit status refreshed, and the changed steps."""
    lines = readme.read_text(encoding="utf-8").splitlines()
    steps = parse(readme)
    changed: list[str] = []
    # Work from the last step up so that earlier line numbers stay valid.
    for step in reversed(steps):
        result = run(step)
        if result.stderr.strip():
            print(f"{step.id}: stderr: {result.stderr.strip()}", file=sys.stderr)
        if result.output != step.expected_output or result.status != step.expected_status:
            changed.append(step.id)
        block = ["```", *result.output.splitlines(), "```", "", f"exit status: {result.status}"]
        start = step.sh_end
        if step.status_line is not None:
            stop = step.status_line + 1
        elif step.output_span is not None:
            stop = step.output_span[1]
        else:
            stop = step.sh_end
        lines[start:stop] = ["", *block]
    return "".join(line + "\n" for line in lines), list(reversed(changed))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("readme", nargs="*", type=Path, help="walkthroughs (default: all)")
    parser.add_argument("--check", action="store_true", help="report, do not write")
    args = parser.parse_args(argv)
    stale = 0
    for readme in [p.resolve() for p in args.readme] or readmes():
        text, changed = rewrite(readme)
        name = readme.relative_to(ROOT)
        if not changed:
            print(f"{name}: up to date")
            continue
        stale += 1
        print(f"{name}: {'out of date' if args.check else 'rewritten'}: {', '.join(changed)}")
        if not args.check:
            readme.write_text(text, encoding="utf-8")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
