// Feeds policysim's batch cases (JSON Lines, docs/cases.md) to iam-simulate's `runSimulation`.
//
// Used only by benchmarks/bench_simulate.py, which installs @cloud-copilot/iam-simulate with
// npm into a temporary folder and passes that folder here. iam-simulate is AGPL: this script
// runs it and never copies any of it.
//
// Usage: node iam_simulate_driver.mjs NODE_MODULES_PARENT CASES.jsonl DECISIONS.jsonl
//
// Streams the cases line by line, runs each one (one after another, awaiting each, as a batch
// caller would) and writes one line per case: {"id": ..., "decision": ...} with the decision
// spelt as policysim spells it (Allowed, ExplicitDeny, ImplicitDeny, or Error). Prints a JSON
// summary on stdout: the library's version, the cases run and the seconds spent on them
// (start-up excluded; reading the input included).

import { createReadStream, createWriteStream, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { createInterface } from "node:readline";

const [installDir, casesPath, outPath] = process.argv.slice(2);
const require = createRequire(path.join(installDir, "package.json"));
const { runSimulation, anonymousPrincipal } = require("@cloud-copilot/iam-simulate");
const version = JSON.parse(
  readFileSync(
    path.join(installDir, "node_modules", "@cloud-copilot", "iam-simulate", "package.json"),
    "utf8",
  ),
).version;

const DECISIONS = {
  Allowed: "Allowed",
  ExplicitlyDenied: "ExplicitDeny",
  ImplicitlyDenied: "ImplicitDeny",
};

function named(docs, kind) {
  return (docs || []).map((policy, i) => ({ name: `${kind}${i}`, policy }));
}

function levels(data, kind) {
  return (data || []).map((level, i) => ({
    orgIdentifier: `${kind}-level-${i}`,
    policies: named(level, `${kind}${i}-`),
  }));
}

function accountOf(principal) {
  const parts = principal.split(":");
  return parts.length > 4 && /^[0-9]{12}$/.test(parts[4]) ? parts[4] : "111122223333";
}

function simulation(c) {
  const r = c.request;
  const principal = r.principal === "anonymous" ? anonymousPrincipal : r.principal;
  const sim = {
    request: {
      principal,
      action: r.action,
      resource: {
        resource: r.resource || "*",
        accountId: r.resource_account || accountOf(r.principal),
      },
      contextVariables: r.context || {},
    },
    identityPolicies: named(c.identity_policies, "identity"),
    serviceControlPolicies: levels(c.scps, "scp"),
    resourceControlPolicies: levels(c.rcps, "rcp"),
  };
  if (c.resource_policy) sim.resourcePolicy = c.resource_policy;
  if (c.session_policy) sim.sessionPolicy = c.session_policy;
  if (c.permission_boundaries) {
    sim.permissionBoundaryPolicies = named(c.permission_boundaries, "boundary");
  }
  return sim;
}

const out = createWriteStream(outPath);
const lines = createInterface({ input: createReadStream(casesPath), crlfDelay: Infinity });
let count = 0;
const start = process.hrtime.bigint();
for await (const text of lines) {
  if (!text.trim()) continue;
  // Reading and parsing each case is part of the work, as for `policysim simulate --batch`.
  const c = JSON.parse(text);
  let decision = "Error";
  try {
    const result = await runSimulation(simulation(c), { simulationMode: "Strict" });
    if (result.resultType !== "error") decision = DECISIONS[result.overallResult] || "Error";
  } catch {
    decision = "Error";
  }
  count += 1;
  if (!out.write(`${JSON.stringify({ id: c.id, decision })}\n`)) {
    await new Promise((resolve) => out.once("drain", resolve));
  }
}
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
await new Promise((resolve) => out.end(resolve));
process.stdout.write(`${JSON.stringify({ version, cases: count, seconds })}\n`);
