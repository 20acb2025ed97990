// `npm audit --omit=dev` of one folder's shipped packages, read from its JSON report.
// Usage: node scripts/npm-audit.mjs DIR [REGISTRY]
// Exit status: 0 no known vulnerability; 1 known vulnerabilities (each one listed) or an answer
// it cannot read; 3 the registry's audit endpoint cannot be reached (scripts/deps-check.sh
// reports the check as skipped). It changes nothing: no `npm audit fix`, no lock file written.

import { spawnSync } from "node:child_process";

const [dir, registry] = process.argv.slice(2);
if (!dir) {
  console.error("usage: node scripts/npm-audit.mjs DIR [REGISTRY]");
  process.exit(2);
}

const args = ["audit", "--omit=dev", "--json", "--no-fund", "--no-update-notifier"];
if (registry) args.push("--registry", registry);
const run = spawnSync("npm", args, { cwd: dir, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
if (run.error) {
  console.error(`npm audit could not run in ${dir}: ${run.error.message}`);
  process.exit(1);
}

let report;
try {
  report = JSON.parse(run.stdout);
} catch {
  console.error(`npm audit in ${dir} answered something other than its JSON report:`);
  console.error((run.stdout + run.stderr).trim().slice(0, 2000));
  process.exit(1);
}

/** Network failures npm reports for a registry it cannot reach. */
const NETWORK_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENETUNREACH", "EHOSTUNREACH"]);

if (report.auditReportVersion !== undefined) {
  const counts = report.metadata?.vulnerabilities ?? {};
  const total = Number(counts.total ?? 0);
  const packages = report.metadata?.dependencies?.prod ?? "?";
  if (total === 0) {
    console.log(`npm audit: no known vulnerability in the ${packages} production packages of ${dir}`);
    process.exit(0);
  }
  console.error(`npm audit: ${total} known vulnerabilit${total === 1 ? "y" : "ies"} in the production packages of ${dir}:`);
  for (const [name, v] of Object.entries(report.vulnerabilities ?? {})) {
    const advisories = (v.via ?? []).filter((via) => typeof via === "object");
    const through = (v.via ?? []).filter((via) => typeof via === "string");
    console.error(`  ${name} (${v.severity})${v.range ? ` ${v.range}` : ""}`);
    for (const a of advisories) console.error(`    ${a.title} — ${a.url} (affects ${a.range})`);
    if (through.length > 0) console.error(`    through ${through.join(", ")}`);
    const fix = v.fixAvailable;
    console.error(`    fix: ${fix === true ? "npm audit fix" : fix ? `${fix.name}@${fix.version}` : "none published yet"}`);
  }
  process.exit(1);
}

const status = report.statusCode ?? report.error?.statusCode;
const code = report.code ?? report.error?.code;
if (status !== undefined || NETWORK_CODES.has(code)) {
  const message = report.message ?? report.error?.summary ?? code;
  const allowed = report.headers?.allow ? ` (it allows only ${[].concat(report.headers.allow).join(", ")})` : "";
  console.log(`npm audit in ${dir}: the audit endpoint cannot be reached: ${message}${allowed}`);
  process.exit(3);
}

console.error(`npm audit in ${dir} failed:`);
console.error(JSON.stringify(report, null, 2).slice(0, 2000));
process.exit(1);
