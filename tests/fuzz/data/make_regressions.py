import json
A = "111122223333"
def pol(*st): return json.dumps({"Version": "2012-10-17", "Statement": list(st)})
allow_star = pol({"Effect": "Allow", "Action": "*", "Resource": "*"})
glob_res = pol({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::*a*a*a*a*b"})
ten = "*a" * 10 + "*b"
glob10 = pol({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::" + ten})
like10 = pol({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
              "Condition": {"StringLike": {"aws:PrincipalTag/team": ten}}})
arnlike10 = pol({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                 "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::" + ten}}})
key1000 = "arn:aws:s3:::b/" + "a" * 1000
val64 = "a" * 64
bomb = open("/dev/stdin").read() if False else None
BOMB = (
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
account_bucket = f"""account: "{A}"
users:
  alice:
    inline:
      Read:
        Version: "2012-10-17"
        Statement:
          - {{Effect: Allow, Action: "s3:GetObject", Resource: "*"}}
resources:
  "arn:aws:s3:::b":
    policy:
      Version: "2012-10-17"
      Statement:
        - Effect: Deny
          Principal: "*"
          Action: s3:GetObject
          Resource: "arn:aws:s3:::{ten}"
"""
account_plain = f"""account: "{A}"
users:
  alice:
    inline:
      Read:
        Version: "2012-10-17"
        Statement:
          - {{Effect: Allow, Action: "s3:*", Resource: "*"}}
"""
batch_glob = json.dumps({"id": "glob", "identity_policies": [json.loads(glob10)],
    "request": {"principal": f"arn:aws:iam::{A}:user/alice", "action": "s3:GetObject",
                "resource": "arn:aws:s3:::b/" + val64}})
batch_deep = json.dumps({"id": "ok", "identity_policies": [json.loads(allow_star)],
    "request": {"principal": f"arn:aws:iam::{A}:user/alice", "action": "s3:GetObject", "resource": "*"}})
deep_line = '{"id": "deep", "identity_policies": ' + "[" * 100000 + "]" * 100000 + "}"
cases = []
def case(id, cause, argv, files, expect, seconds=5, known=None, memory=True, stdout=None):
    cases.append({"id": id, "cause": cause, "argv": argv, "files": files, "expect": expect,
                  "seconds": seconds, "memory_limit": memory, "known": known, "stdout": stdout})
G = "backtracking globs"
case("glob-resource-1000", G, ["simulate", "--policy", "@p.json", "--action", "s3:GetObject", "--resource", key1000], {"p.json": glob_res}, [1])
case("glob-resource-ten-stars", G, ["simulate", "--policy", "@p.json", "--action", "s3:GetObject", "--resource", "arn:aws:s3:::b/" + val64], {"p.json": glob10}, [1])
case("glob-stringlike", G, ["simulate", "--policy", "@p.json", "--action", "s3:GetObject", "--context", "aws:PrincipalTag/team=" + val64], {"p.json": like10}, [1])
case("glob-arnlike", G, ["simulate", "--policy", "@p.json", "--action", "s3:GetObject", "--context", "aws:SourceArn=arn:aws:s3:::" + val64], {"p.json": arnlike10}, [1])
case("glob-batch", G, ["simulate", "--batch", "@cases.jsonl"], {"cases.jsonl": batch_glob + "\n"}, [0], stdout="ImplicitDeny")
case("glob-bucket-policy-check", G, ["check", "user", "alice", "s3:GetObject", "--account", "@account.yaml", "--resource", "arn:aws:s3:::b/" + val64], {"account.yaml": account_bucket}, [0], stdout="Allowed")
case("glob-bucket-policy-who-can", G, ["who-can", "s3:GetObject", "arn:aws:s3:::b/" + val64, "--account", "@account.yaml"], {"account.yaml": account_bucket}, [0], stdout="alice")
case("glob-bucket-policy-explain", G, ["explain", "user", "alice", "s3:GetObject", "--account", "@account.yaml", "--resource", "arn:aws:s3:::b/" + val64], {"account.yaml": account_bucket}, [0])
case("glob-bucket-policy-query", G, ["query", "can user/alice do s3:GetObject on arn:aws:s3:::b/" + val64, "--account", "@account.yaml"], {"account.yaml": account_bucket}, [0])
case("glob-bucket-policy-test", G, ["test", "@t.yaml", "--account", "@account.yaml"], {"account.yaml": account_bucket, "t.yaml": f"tests:\n  - {{principal: user/alice, action: s3:GetObject, resource: 'arn:aws:s3:::b/{val64}', expect: Allowed}}\n"}, [0])
B = "YAML billion laughs"
bomb_policy = BOMB + 'Version: "2012-10-17"\nStatement: []\n'
case("bomb-policy", B, ["simulate", "--policy", "@p.yaml", "--action", "s3:GetObject"], {"p.yaml": bomb_policy}, [2])
case("bomb-account", B, ["check", "user", "alice", "s3:GetObject", "--account", "@account.yaml"], {"account.yaml": BOMB + account_plain}, [2])
case("bomb-test-file", B, ["test", "@t.yaml", "--account", "@account.yaml"], {"account.yaml": account_plain, "t.yaml": BOMB + "tests: []\n"}, [2])
case("bomb-cloudformation", B, ["lint", "--no-config", "--jobs", "1", "@template.yaml"], {"template.yaml": BOMB + "AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n"}, [1, 2])
case("bomb-lint-walk", B, ["lint", "--no-config", "--jobs", "1", "."], {"x.yaml": BOMB + "Statement: []\n"}, [0, 1, 2])
S = "YAML scalars that fail to construct"
for name, scalar in [("date", "2024-02-30"), ("timestamp-tag", "!!timestamp x"), ("int-tag", "!!int x"), ("long-int", "1" * 4400)]:
    case(f"yaml-{name}-policy", S, ["simulate", "--policy", "@p.yaml", "--action", "s3:GetObject"], {"p.yaml": f'Version: "2012-10-17"\nStatement:\n  - Sid: {scalar}\n    Effect: Allow\n    Action: "*"\n    Resource: "*"\n'}, [0, 2])
    case(f"yaml-{name}-account", S, ["check", "user", "alice", "s3:GetObject", "--account", "@account.yaml"], {"account.yaml": account_plain + f"alias: {scalar}\n"}, [0, 2])
    case(f"yaml-{name}-lint", S, ["lint", "--no-config", "--jobs", "1", "@p.yaml"], {"p.yaml": f'Version: "2012-10-17"\nStatement:\n  - Sid: {scalar}\n    Effect: Allow\n    Action: "*"\n    Resource: "*"\n'}, [1, 2])
J = "JSON integer of 4,300+ digits"
long_json = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Sid": ' + "1" * 4400 + "}]}"
case("json-long-int-simulate", J, ["simulate", "--policy", "@p.json", "--action", "s3:GetObject"], {"p.json": long_json}, [2])
case("json-long-int-grammar", J, ["simulate", "--policy", "@p.json", "--action", "s3:GetObject"], {"p.json": long_json.replace('"Effect"', ' "Effect"', 1).replace("}]}", "},]}")}, [2])
case("json-long-int-lint", J, ["lint", "--no-config", "--jobs", "1", "@p.json"], {"p.json": long_json}, [1, 2])
case("batch-deep-line", "deeply nested batch line", ["simulate", "--batch", "@cases.jsonl"], {"cases.jsonl": [[batch_deep + "\n" + '{"id": "deep", "identity_policies": ', 1], ["[", 100000], ["]", 100000], ["}\n" + batch_deep + "\n", 1]]}, [2], stdout="Allowed")
U = "lone surrogates"
sur = '{"Version": "2012-10-17", "Statement": [{"Sid": "\\ud800", "Effect": "Allow", "Action": "*", "Resource": "*"}]}'
case("surrogate-simulate-text", U, ["simulate", "--policy", "@p.json", "--action", "s3:GetObject"], {"p.json": sur}, [0, 2])
case("surrogate-explain", U, ["simulate", "--policy", "@p.json", "--action", "s3:GetObject", "--json"], {"p.json": sur}, [0, 2])
case("surrogate-lint-sarif", U, ["lint", "--no-config", "--jobs", "1", "--format", "sarif", "@p.json"], {"p.json": sur}, [0, 1, 2])
case("surrogate-lint-text", U, ["lint", "--no-config", "--jobs", "1", "@p.json"], {"p.json": sur}, [0, 1, 2])
L = "service name without a dot"
case("service-query", L, ["query", "can service/lambda do s3:GetObject on arn:aws:s3:::b/k", "--account", "@account.yaml"], {"account.yaml": account_plain}, [1, 2])
case("service-test", L, ["test", "@t.yaml", "--account", "@account.yaml"], {"account.yaml": account_plain, "t.yaml": "tests:\n  - {principal: service/lambda, action: s3:GetObject, expect: Allowed}\n"}, [1, 2])
authz = {"UserDetailList": [{"Path": "/", "UserName": "", "UserId": "AIDAX", "Arn": f"arn:aws:iam::{A}:user/", "GroupList": [], "AttachedManagedPolicies": [], "UserPolicyList": []}], "GroupDetailList": [], "RoleDetailList": [], "Policies": []}
case("authz-empty-user-name", "authorization details ARN with an empty name", ["check", f"arn:aws:iam::{A}:user/alice", "s3:GetObject", "--account", "@authz.json"], {"authz.json": json.dumps(authz)}, [2])
C = "lint configuration of the wrong type"
lint_ok = {"p.json": allow_star}
case("config-pyproject-tool-string", C, ["lint", "--jobs", "1", "p.json"], {**lint_ok, "pyproject.toml": 'tool = "x"\n'}, [0, 1, 2], known="files")
case("config-policysim-tool-int", C, ["lint", "--jobs", "1", "p.json"], {**lint_ok, ".policysim.toml": "tool = 1\n"}, [0, 1, 2], known="files")
case("config-long-integer", C, ["lint", "--jobs", "1", "p.json"], {**lint_ok, ".policysim.toml": "x = 1" + "0" * 5000 + "\n"}, [0, 1, 2], known="files")
json.dump(cases, open("tests/fuzz/data/regressions.json", "w"), indent=1, ensure_ascii=True)
print(len(cases))
