"""Hostile inputs for every entry point, and an in-process runner that classifies the outcome.

Shared by the hypothesis tests beside it and by `benchmarks/fuzz.py` (which puts this
directory on `sys.path`): each generator takes a `random.Random` and returns a `Case`, so a
seed reproduces an input exactly. Seeds are real documents: AWS managed policies from the
snapshot the package ships, and the account files of `examples/` and `tests/account/data`.

The property every case must have: the command ends with exit 0, 1 or 2 within a few seconds;
exit 2 prints exactly one line on standard error; no exception escapes the command (the
console script would turn one into "internal error", exit 70).
"""

from __future__ import annotations

import functools
import gzip
import json
import os
import random
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
ACCOUNT_SEEDS = [
    *sorted((REPO / "examples" / "accounts").glob("*/account.yaml")),
    REPO / "tests" / "account" / "data" / "accounts.yaml",
]
SNAPSHOT_SEED = REPO / "tests" / "account" / "data" / "snapshot.json"
CASES_SEED = REPO / "examples" / "simulate" / "cases.jsonl"

# --- hostile atoms ----------------------------------------------------------------------------

CONTROL = "".join(map(chr, range(32))) + "\x7f\x85\u2028\u2029\x1b[2K\x1b]0;t\x07"
HOSTILE_STRINGS = [
    "",
    " ",
    "*",
    "?",
    "\x00",
    "\ud800",
    "\udfff",
    "a\ud83d",
    "\x1b[1A\x1b[2K\x1b[32mAllowed",
    "line\nbreak",
    "tab\there",
    "\r",
    "\u202e",
    "\ufeff",
    "${aws:username}",
    "${",
    "$}",
    "arn:",
    "arn:aws",
    "arn:aws:s3:::",
    "arn:aws:iam::111122223333:user/",
    "arn:aws:iam::111122223333:role/",
    "arn:aws:iam::111122223333:root",
    "service/lambda",
    "s3",
    "s3:",
    ":",
    "*:*",
    "s3:*a*a*a*a*a*a*a*a*b",
    "arn:aws:s3:::*a*a*a*a*a*a*a*a*a*a*b",
    "a" * 1000,
    "*" * 200,
    "2024-02-30",
    "2024-13-01T00:00:00Z",
    "999.1.1.1",
    "10.0.0.0/33",
    "::1/129",
    "-0",
    "1e999",
    "NaN",
    "true",
    "maybe",
    "user alice",
    "role/",
    "anonymous",
    "root",
    "account/",
    "account/12",
]
HOSTILE_NUMBERS: list[Any] = [
    0,
    -1,
    2**63,
    -(2**64),
    10**40,
    1.5,
    1e308,
    -0.0,
    float("inf"),
    True,
    False,
    None,
]
GLOB_VALUES = ["a" * 64, "a" * 1000, "arn:aws:s3:::" + "a" * 500]


def random_text(rnd: random.Random, size: int = 12) -> str:
    """Short text mixing letters, punctuation that matters to IAM, control characters,
    surrogates and other awkward code points."""
    pools = [
        "abcxyzABC019",
        ":/*?$.{}-_ ,=",
        CONTROL,
        "\ud800\udbff\udc00\udfff",
        "\u00e9\u4e2d\U0001f600\u202e\ufeff",
    ]
    return "".join(rnd.choice(rnd.choice(pools)) for _ in range(rnd.randint(0, size)))


def hostile_string(rnd: random.Random) -> str:
    pick = rnd.random()
    if pick < 0.45:
        return rnd.choice(HOSTILE_STRINGS)
    if pick < 0.8:
        return random_text(rnd)
    stars = rnd.randint(2, 12)
    return "arn:aws:s3:::" + "*a" * stars + "*b" if rnd.random() < 0.5 else "*a" * stars + "b"


def random_value(rnd: random.Random, depth: int = 0) -> Any:
    """A random JSON value: scalars of every kind, lists, objects, sometimes deeply nested."""
    roll = rnd.random()
    if depth > 3 or roll < 0.35:
        return hostile_string(rnd)
    if roll < 0.55:
        return rnd.choice(HOSTILE_NUMBERS)
    if roll < 0.75:
        return [random_value(rnd, depth + 1) for _ in range(rnd.randint(0, 3))]
    if roll < 0.95:
        keys = [
            "Version",
            "Statement",
            "Effect",
            "Action",
            "Resource",
            "Condition",
            "Principal",
        ]
        return {
            rnd.choice(keys) if rnd.random() < 0.5 else hostile_string(rnd): random_value(
                rnd, depth + 1
            )
            for _ in range(rnd.randint(0, 3))
        }
    return deep(rnd.randint(50, 800), rnd.choice(["list", "dict"]))


def deep(levels: int, shape: str) -> Any:
    """Nesting `levels` deep, built without recursion."""
    value: Any = "x"
    for _ in range(levels):
        value = [value] if shape == "list" else {"a": value}
    return value


# --- structure-level mutation -----------------------------------------------------------------


def _paths(root: Any) -> Iterator[tuple[Any, ...]]:
    """Paths to the nodes of `root`, not below depth 30 (deep nesting is one of the inputs)."""
    stack: list[tuple[tuple[Any, ...], Any]] = [((), root)]
    while stack:
        path, value = stack.pop()
        yield path
        if len(path) >= 30:
            continue
        if isinstance(value, dict):
            stack.extend(((*path, key), child) for key, child in value.items())
        elif isinstance(value, list):
            stack.extend(((*path, index), child) for index, child in enumerate(value))


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


def mutate_data(rnd: random.Random, data: Any, rounds: int = 3) -> Any:
    """Copy `data` and change a few random places: replace a value, drop or rename a key, wrap
    in a list, plant a glob, a huge number, a control character or deep nesting."""
    data = json.loads(json.dumps(data))
    for _ in range(rnd.randint(1, rounds)):
        paths = list(_paths(data))
        path = rnd.choice(paths)
        if not path:
            if rnd.random() < 0.2:
                data = random_value(rnd)
            continue
        parent = _get(data, path[:-1])
        last = path[-1]
        op = rnd.random()
        if op < 0.4:
            parent[last] = random_value(rnd)
        elif op < 0.55 and isinstance(parent, dict):
            del parent[last]
        elif op < 0.65 and isinstance(parent, dict):
            parent[hostile_string(rnd)] = parent.pop(last)
        elif op < 0.75:
            parent[last] = [parent[last]] if rnd.random() < 0.5 else []
        elif op < 0.85:
            parent[last] = hostile_string(rnd)
        elif op < 0.92 and isinstance(parent[last], str):
            text = parent[last]
            cut = rnd.randint(0, len(text))
            parent[last] = text[:cut] + hostile_string(rnd) + text[cut:]
        else:
            parent[last] = rnd.choice(HOSTILE_NUMBERS)
    return data


# --- text-level mutation ----------------------------------------------------------------------

YAML_BOMB = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
    "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
    "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
    "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
)
YAML_SNIPPETS = [
    "2024-02-30",
    "!!timestamp x",
    "!!int x",
    "!!float x",
    "!!binary '%%'",
    "!!python/object:os.system x",
    "!Ref X",
    "!GetAtt a.b",
    "*undefined",
    "&a x",
    "<<: *a",
    "? complex\n: key",
    "1" * 4400,
    "0x" + "f" * 5000,
    "{",
    "[",
    "'",
    '"\\ud800"',
    '"\\x1b[2K"',
    "~",
    "- - - -",
    ".inf",
    "%YAML 1.1",
    "---\n---",
]
JSON_SNIPPETS = [
    "1" * 4400,
    "-" + "9" * 4400,
    "1e99999",
    "[" * 5000 + "]" * 5000,
    '{"a":' * 3000 + "1" + "}" * 3000,
    '"\\ud800"',
    '"\\udfff\\ud800"',
    '"\\u0000"',
    '"\x1b[2K"',
    "NaN",
    "Infinity",
    '{"Statement": 1, "Statement": 2}',
    "\ufeff",
    "\x00",
    "//",
    "'x'",
    ",",
]


def mutate_text(rnd: random.Random, text: str, yaml: bool) -> str:
    """Insert, delete or replace a few spans of `text` with awkward snippets."""
    snippets = YAML_SNIPPETS if yaml else JSON_SNIPPETS
    for _ in range(rnd.randint(1, 3)):
        at = rnd.randint(0, len(text))
        op = rnd.random()
        if op < 0.45:
            text = text[:at] + rnd.choice(snippets) + text[at:]
        elif op < 0.6:
            text = text[:at] + text[at + rnd.randint(1, 20) :]
        elif op < 0.75:
            text = text[:at] + random_text(rnd, 4) + text[at:]
        elif op < 0.85:
            text = text[:at]
        else:
            text = text[:at] + hostile_string(rnd) + text[at:]
    if yaml and rnd.random() < 0.08:
        text = YAML_BOMB + text
    return text


def to_yaml(data: Any) -> str:
    """Block-style YAML; JSON (also YAML) when PyYAML cannot represent the data (deep
    nesting exhausts its recursive representer)."""
    import yaml

    try:
        return str(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    except (RecursionError, ValueError, yaml.YAMLError):
        try:
            return json.dumps(data)
        except (RecursionError, ValueError):
            return "[]"


def encode(text: str) -> bytes:
    """Text as a file's bytes, lone surrogates included (as invalid UTF-8)."""
    return text.encode("utf-8", "surrogatepass")


def file_bytes(text: str, rnd: random.Random) -> bytes:
    if rnd.random() < 0.05:
        return text.encode("utf-16", "replace")
    if rnd.random() < 0.05:
        return text.encode("utf-8", "surrogatepass") + bytes([rnd.randrange(256)])
    return text.encode("utf-8", "surrogatepass")


# --- seeds ------------------------------------------------------------------------------------


@functools.cache
def managed_seeds() -> list[dict[str, Any]]:
    """AWS managed policy documents of at most 3 KB from the package's own snapshot."""
    raw = resources.files("policysim.data").joinpath("aws_managed_policies.json.gz").read_bytes()
    policies = json.loads(gzip.decompress(raw))["policies"]
    small = [p["document"] for _, p in sorted(policies.items())]
    return [d for d in small if len(json.dumps(d)) <= 3000]


@functools.cache
def account_seeds() -> list[str]:
    return [path.read_text(encoding="utf-8") for path in ACCOUNT_SEEDS]


@functools.cache
def batch_seeds() -> list[dict[str, Any]]:
    lines = CASES_SEED.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


# --- cases ------------------------------------------------------------------------------------

POLICY = "p"  # file names used in argv are replaced by their paths in the case's directory
ACTIONS = ["s3:GetObject", "s3:PutObject", "iam:PassRole", "ec2:RunInstances", "sts:AssumeRole"]
RESOURCES = ["*", "arn:aws:s3:::b/k", "arn:aws:iam::111122223333:role/r"]
PRINCIPALS = [
    "user alice",
    "role app",
    "user/carol",
    "group readers",
    "arn:aws:iam::111122223333:user/alice",
    "root",
    "anonymous",
    "account/111122223333",
    "service/lambda.amazonaws.com",
]
CONTEXT_KEYS = [
    "aws:SourceIp",
    "aws:CurrentTime",
    "aws:MultiFactorAuthPresent",
    "aws:SecureTransport",
    "s3:max-keys",
    "aws:PrincipalTag/team",
    "aws:TagKeys",
    "x",
    "",
]


@dataclass
class Case:
    """One input: a command line whose `@name` arguments name files of `files`."""

    entry: str
    argv: list[str]
    files: dict[str, bytes] = field(default_factory=dict)
    stdin: bytes | None = None

    def describe(self) -> str:
        shown = {name: data[:300] for name, data in self.files.items()}
        return f"{self.entry}: policysim {self.argv!r} files={shown!r} stdin={self.stdin!r:.300}"


def value(rnd: random.Random, choices: list[str]) -> str:
    return rnd.choice(choices) if rnd.random() < 0.7 else hostile_string(rnd)


def context_args(rnd: random.Random, flag: str = "--context") -> list[str]:
    args: list[str] = []
    for _ in range(rnd.choice([0, 0, 1, 2])):
        key = value(rnd, CONTEXT_KEYS)
        args += [flag, f"{key}={hostile_string(rnd)}" if rnd.random() < 0.9 else key]
    return args


def policy_file(rnd: random.Random) -> tuple[str, bytes]:
    """A mutated managed policy (or random structure) as JSON or YAML text, maybe also
    mutated as text."""
    yaml = rnd.random() < 0.3
    data = (
        mutate_data(rnd, rnd.choice(managed_seeds())) if rnd.random() < 0.85 else random_value(rnd)
    )
    try:
        text = to_yaml(data) if yaml else json.dumps(data, indent=rnd.choice([None, 2]))
    except (RecursionError, ValueError):
        text = "[" * 900 + "]" * 900
    if rnd.random() < 0.4:
        text = mutate_text(rnd, text, yaml)
    return ("p.yaml" if yaml else "p.json"), file_bytes(text, rnd)


def gen_simulate(rnd: random.Random) -> Case:
    name, data = policy_file(rnd)
    argv = ["simulate", "--policy", "@" + name, "--action", value(rnd, ACTIONS)]
    argv += ["--resource", value(rnd, RESOURCES)] if rnd.random() < 0.8 else []
    if rnd.random() < 0.3:
        argv += ["--principal", value(rnd, [*PRINCIPALS[4:5], "anonymous"])]
    argv += context_args(rnd)
    files = {name: data}
    if rnd.random() < 0.25:
        other, more = policy_file(rnd)
        flag = rnd.choice(["--resource-policy", "--boundary", "--scp", "--session-policy"])
        files["r-" + other] = more
        argv += [flag, "@r-" + other]
    if rnd.random() < 0.2:
        argv.append("--json")
    return Case("simulate", argv, files)


def gen_batch(rnd: random.Random) -> Case:
    lines = []
    for _ in range(rnd.randint(1, 4)):
        roll = rnd.random()
        if roll < 0.7:
            line = json.dumps(mutate_data(rnd, rnd.choice(batch_seeds()), rounds=4))
        elif roll < 0.8:
            line = json.dumps(random_value(rnd))
        else:
            line = mutate_text(rnd, json.dumps(rnd.choice(batch_seeds())), yaml=False)
        lines.append(line)
    argv = ["simulate", "--batch", "@cases.jsonl"]
    if rnd.random() < 0.4:
        argv.append("--check")
    if rnd.random() < 0.2:
        argv.append("--json")
    return Case("batch", argv, {"cases.jsonl": "\n".join(lines).encode("utf-8", "surrogatepass")})


def account_file(rnd: random.Random) -> tuple[str, bytes]:
    """A mutated account: compact YAML, a snapshot, or authorization details."""
    roll = rnd.random()
    if roll < 0.6:
        import yaml

        text = rnd.choice(account_seeds())
        if rnd.random() < 0.6:
            text = to_yaml(mutate_data(rnd, yaml.safe_load(text), rounds=4))
        if rnd.random() < 0.4:
            text = mutate_text(rnd, text, yaml=True)
        return "account.yaml", file_bytes(text, rnd)
    data = json.loads(SNAPSHOT_SEED.read_text(encoding="utf-8"))
    if roll < 0.8:
        data = data["accounts"][0]["authorization_details"]
    text = json.dumps(mutate_data(rnd, data, rounds=5))
    if rnd.random() < 0.3:
        text = mutate_text(rnd, text, yaml=False)
    return "account.json", file_bytes(text, rnd)


def gen_account(rnd: random.Random) -> Case:
    name, data = account_file(rnd)
    files = {name: data}
    command = rnd.choice(["check", "explain", "who-can", "query", "test"])
    account = ["--account", "@" + name]
    principal = value(rnd, PRINCIPALS)
    action = value(rnd, ACTIONS)
    resource = value(rnd, RESOURCES)
    if command in ("check", "explain"):
        argv = [command, principal, action, *account, "--resource", resource]
        argv += context_args(rnd)
    elif command == "who-can":
        argv = [command, action, *([resource] if rnd.random() < 0.7 else []), *account]
        argv += context_args(rnd)
    elif command == "query":
        when = ""
        if rnd.random() < 0.3:
            when = f" when {value(rnd, CONTEXT_KEYS)}={hostile_string(rnd)}"
        text = f"can {principal} do {action} on {resource}{when}"
        if rnd.random() < 0.3:
            text = mutate_text(rnd, text, yaml=False)
        argv = [command, text, *account]
    else:
        test = {
            "tests": [
                {
                    "principal": principal,
                    "action": action,
                    "resource": resource,
                    "expect": rnd.choice(["Allowed", "denied", "ImplicitDeny", "bogus"]),
                }
            ]
        }
        if rnd.random() < 0.5:
            test = mutate_data(rnd, test)
        text = to_yaml(test)
        if rnd.random() < 0.3:
            text = mutate_text(rnd, text, yaml=True)
        files["t.yaml"] = file_bytes(text, rnd)
        argv = [command, "@t.yaml", *account]
    if rnd.random() < 0.15:
        argv.append("--json")
    return Case(command, argv, files)


TEMPLATE: dict[str, Any] = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Resources": {
        "Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                },
                "Policies": [{"PolicyName": "p", "PolicyDocument": None}],
            },
        },
        "Bucket": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {"Bucket": {"Ref": "B"}, "PolicyDocument": None},
        },
    },
}


def plan(document: Any) -> dict[str, Any]:
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.0",
        "planned_values": {
            "root_module": {
                "resources": [
                    {
                        "address": "aws_iam_policy.p",
                        "type": "aws_iam_policy",
                        "name": "p",
                        "values": {"name": "p", "policy": json.dumps(document)},
                    }
                ]
            }
        },
    }


def gen_lint(rnd: random.Random) -> Case:
    roll = rnd.random()
    files: dict[str, bytes] = {}
    if roll < 0.45:
        name, data = policy_file(rnd)
        files[name] = data
    elif roll < 0.7:
        template = json.loads(json.dumps(TEMPLATE))
        props = template["Resources"]["Role"]["Properties"]
        props["Policies"][0]["PolicyDocument"] = rnd.choice(managed_seeds())
        template["Resources"]["Bucket"]["Properties"]["PolicyDocument"] = rnd.choice(
            managed_seeds()
        )
        template = mutate_data(rnd, template, rounds=4)
        yaml = rnd.random() < 0.5
        text = to_yaml(template) if yaml else json.dumps(template)
        if yaml and rnd.random() < 0.5:
            text = text.replace("Ref:", "!Ref") if rnd.random() < 0.5 else "x: !GetAtt a.b\n" + text
        if rnd.random() < 0.3:
            text = mutate_text(rnd, text, yaml)
        files["template.yaml" if yaml else "template.json"] = file_bytes(text, rnd)
    else:
        data = mutate_data(rnd, plan(mutate_data(rnd, rnd.choice(managed_seeds()))), rounds=3)
        text = json.dumps(data)
        if rnd.random() < 0.3:
            text = mutate_text(rnd, text, yaml=False)
        files["plan.json"] = file_bytes(text, rnd)
    argv = ["lint", "--jobs", "1"]
    if rnd.random() < 0.35:
        files.update(config_file(rnd))
    else:
        argv.append("--no-config")
    argv += rnd.choice([["."], ["@" + next(iter(files))], ["@" + next(iter(files)), "."]])
    if rnd.random() < 0.3:
        argv += ["--format", rnd.choice(["json", "sarif", "text"])]
    if rnd.random() < 0.1:
        argv += ["--resource-arn", hostile_string(rnd)]
    return Case("lint", argv, files)


CONFIG_LINES = [
    "[tool.policysim]",
    "[tool.policysim.lint]",
    "[lint]",
    'disable = ["PS505"]',
    'enable = ["PS999"]',
    "disable = 1",
    'exclude = ["**"]',
    'exclude = "x"',
    'tool = "x"',
    "tool = 1",
    "policysim = 3",
    'severity = {PS505 = "error"}',
    'severity = {PS505 = "loud"}',
    'fail-on = "never"',
    "[",
    "x = ",
    'x = "\\ud800"',
    "x = 1" + "0" * 5000,
]


def config_file(rnd: random.Random) -> dict[str, bytes]:
    lines = [
        rnd.choice(CONFIG_LINES) if rnd.random() < 0.85 else random_text(rnd)
        for _ in range(rnd.randint(1, 4))
    ]
    name = rnd.choice(["pyproject.toml", ".policysim.toml"])
    return {name: "\n".join(lines).encode("utf-8", "surrogatepass")}


def gen_cli_values(rnd: random.Random) -> Case:
    """Awkward values on the command line itself, against a fixed valid policy or account."""
    policy = json.dumps(rnd.choice(managed_seeds())).encode()
    if rnd.random() < 0.5:
        argv = [
            "simulate",
            "--policy",
            "@p.json",
            "--action",
            hostile_string(rnd),
            "--resource",
            hostile_string(rnd),
            "--principal",
            hostile_string(rnd),
            *context_args(rnd),
        ]
        if rnd.random() < 0.3:
            argv += ["--option", f"{random_text(rnd)}={random_text(rnd)}"]
        if rnd.random() < 0.3:
            argv += ["--region", hostile_string(rnd)]
        return Case("cli-simulate", argv, {"p.json": policy})
    account = {"account.yaml": encode(rnd.choice(account_seeds()))}
    command = rnd.choice(["check", "who-can", "explain"])
    if command == "who-can":
        argv = [command, hostile_string(rnd), hostile_string(rnd), "--account", "@account.yaml"]
    else:
        argv = [command, hostile_string(rnd), hostile_string(rnd), "--account", "@account.yaml"]
        argv += ["--resource", hostile_string(rnd)]
    argv += context_args(rnd, rnd.choice(["--context", "-c"]))
    if rnd.random() < 0.2:
        argv += ["--now", hostile_string(rnd)]
    return Case("cli-" + command, argv, account)


GENERATORS: dict[str, Callable[[random.Random], Case]] = {
    "simulate": gen_simulate,
    "batch": gen_batch,
    "account": gen_account,
    "lint": gen_lint,
    "cli": gen_cli_values,
}


def generate(rnd: random.Random) -> Case:
    """One case from a generator picked at random."""
    return rnd.choice(list(GENERATORS.values()))(rnd)


# --- running ----------------------------------------------------------------------------------


class CaseTimeoutError(BaseException):
    """Raised inside a command that ran past its time limit (a BaseException, so that no
    `except Exception` of the command under test can swallow it)."""


KNOWN = {
    "policysim/lint/config.py": "lint configuration (branch files)",
    "policysim/render.py": "output escaping (branch output)",
    "policysim/lint/report": "output escaping (branch output)",
    "policysim/aws/": "AWS fetch (branch aws)",
}
"""Where failures come from that other branches were fixing when this suite was written: the
tests set such inputs aside (and the benchmark labels them). Remove an entry once its branch is
merged, so that the fuzz tests hold the fix."""


def one_error(stderr: str) -> bool:
    """Standard error of a failed command: warnings and notes (about what was loaded) may come
    first, then exactly one error; every line is policysim's own."""
    lines = stderr.splitlines()
    errors = [line for line in lines if line.startswith("policysim: error: ")]
    return len(errors) == 1 and all(line.startswith("policysim: ") for line in lines)


MANY_LINES = frozenset({"batch", "lint"})
"""Entry points whose standard error is a report (a batch's invalid cases, lint's notes), not
one error line."""


@dataclass
class Outcome:
    """How a case ended: exit code ("internal" and "timeout" are failures), its output, and
    for an internal error the exception type and the place it was raised."""

    case: Case
    code: int | str
    stdout: str
    stderr: str
    seconds: float
    cause: str | None = None
    trace: str | None = None

    @property
    def known(self) -> str:
        """The branch fixing this outcome's failure, when it is in `KNOWN` (else "")."""
        where = self.cause or ""
        return next((who for place, who in KNOWN.items() if place in where), "")

    @property
    def problem(self) -> str | None:
        """Why this outcome breaks the property (None when it is fine)."""
        if self.code in ("internal", "timeout") or self.code == 70:
            return f"{self.code}: {self.cause}"
        if self.code not in (0, 1, 2):
            return f"exit {self.code}"
        checked = self.case.entry not in MANY_LINES and "--json" not in self.case.argv
        if self.code == 2 and checked and not one_error(self.stderr):
            return f"exit 2 without exactly one error line on stderr ({self.stderr[:80]!r})"
        return None


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise `CaseTimeoutError` in the main thread after `seconds` (POSIX timers)."""

    def expire(signum: int, frame: Any) -> None:
        raise CaseTimeoutError(f"over {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _where(err: BaseException) -> str:
    """`file:line (function)` of the innermost frame inside policysim."""
    inside = f"{os.sep}policysim{os.sep}"
    frames = [f for f in traceback.extract_tb(err.__traceback__) if inside in f.filename]
    if not frames:
        return "?"
    frame = frames[-1]
    name = frame.filename.split(f"{os.sep}policysim{os.sep}", 1)[1]
    return f"policysim/{name}:{frame.lineno} ({frame.name})"


def _invoke(argv: list[str], stdin: bytes | None) -> tuple[int | BaseException, str, str]:
    """What `policysim.cli.entry.main` does, without its `os._exit`: run the app with
    `standalone_mode=False`, usage errors as one line (the entry point's own helper); return the
    exit code, or the exception that escaped, and what was written to stdout and stderr."""
    from typer.testing import CliRunner

    from policysim.cli import app
    from policysim.cli.entry import _usage_error

    outcome: int | BaseException
    with CliRunner().isolation(input=stdin) as (out, err, _):
        try:
            code = app(args=argv, prog_name="policysim", standalone_mode=False)
            outcome = code if isinstance(code, int) else 0
        except SystemExit as exit_:
            outcome = exit_.code if isinstance(exit_.code, int) else 1
        except Exception as error:
            if hasattr(error, "format_message") and hasattr(error, "exit_code"):
                outcome = _usage_error(error)
            else:
                outcome = error
        sys.stdout.flush()
        sys.stderr.flush()
        stdout = out.getvalue().decode("utf-8", "replace")
        stderr = err.getvalue().decode("utf-8", "replace")
    return outcome, stdout, stderr


def as_argv(text: str) -> str:
    """`text` as a process would receive it: its UTF-8 bytes (lone surrogates included, as
    invalid UTF-8) decoded the way Python decodes a command line (surrogateescape)."""
    return os.fsdecode(text.encode("utf-8", "surrogatepass"))


def run_case(case: Case, seconds: float = 10.0) -> Outcome:
    """Run `case` in this process, in a scratch directory, the way the console script would
    (errors reported as JSON under --json), stopped after `seconds`."""
    from policysim.cli.app import report_errors_as_json, wants_json

    with tempfile.TemporaryDirectory(prefix="policysim-fuzz-") as scratch:
        base = Path(scratch) / "work"
        base.mkdir()
        for name, data in case.files.items():
            (base / name).write_bytes(data)
        argv = [str(base / a[1:]) if a.startswith("@") else as_argv(a) for a in case.argv]
        here = os.getcwd()
        os.chdir(base)
        report_errors_as_json(wants_json(argv))
        start = time.perf_counter()
        try:
            with time_limit(seconds):
                outcome, stdout, stderr = _invoke(argv, case.stdin)
        except CaseTimeoutError as err:
            return Outcome(case, "timeout", "", "", time.perf_counter() - start, _where(err))
        finally:
            os.chdir(here)
            report_errors_as_json(False)
        took = time.perf_counter() - start
    if isinstance(outcome, int):
        return Outcome(case, outcome, stdout, stderr, took)
    if isinstance(outcome, BrokenPipeError):
        return Outcome(case, 141, stdout, stderr, took)
    detail = "".join(traceback.format_exception(outcome))
    cause = f"{type(outcome).__name__} at {_where(outcome)}"
    return Outcome(case, "internal", stdout, stderr, took, cause, detail)
