// The dependency check (scripts/deps-check.sh) against real advisory sources on 127.0.0.1: a
// RustSec-format database served by `git daemon` and an npm registry's audit endpoint, each
// holding one made-up advisory for a package the tree really has. Proves that a known
// vulnerability, a licence deny.toml does not allow, and an unreachable advisory source each do
// what the check promises. Run with `node --test tests/deps/` (scripts/test-session.sh does).

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { connect, createServer as createTcpServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const SCRATCH = mkdtempSync(join(tmpdir(), "switchboard-deps-"));
const started = [];

/**
 * Runs the check; resolves to `{ status, output }` (stdout and stderr together). Asynchronous:
 * the fake registry answers from this process's event loop while the check runs.
 */
function check(args, env = {}) {
  const child = spawn("bash", ["scripts/deps-check.sh", ...args], {
    cwd: ROOT,
    // A cache of its own: npm keeps audit answers, and one from another registry must not count.
    env: { ...process.env, SWITCHBOARD_REQUIRE_ADVISORIES: "", npm_config_cache: join(SCRATCH, "npm-cache"), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  return new Promise((resolve) => child.on("close", (status) => resolve({ status, output })));
}

async function freePort() {
  const server = createTcpServer().listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function listening(port) {
  for (let i = 0; i < 200; i++) {
    const open = await new Promise((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => (socket.destroy(), resolve(true)));
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing listens on ${port}`);
}

/** deny.toml with its advisory database replaced by `url`, cloned into the scratch dir. */
function denyConfigWithDatabase(name, url) {
  const config = readFileSync(join(ROOT, "deny.toml"), "utf8").replace(
    "[advisories]\n",
    `[advisories]\ndb-path = "${join(SCRATCH, `dbs-${name}`)}"\ndb-urls = ["${url}"]\n`,
  );
  assert.notEqual(config, readFileSync(join(ROOT, "deny.toml"), "utf8"), "deny.toml has no [advisories] table");
  const path = join(SCRATCH, `deny-${name}.toml`);
  writeFileSync(path, config);
  return path;
}

function git(cwd, ...args) {
  const run = spawnSync("git", ["-c", "user.name=test", "-c", "user.email=test@localhost", ...args], { cwd, encoding: "utf8" });
  assert.equal(run.status, 0, `git ${args.join(" ")}: ${run.stderr}`);
}

let gitPort;

before(async () => {
  // A RustSec-format database with one advisory against memchr, which the tree has.
  const db = join(SCRATCH, "advisory-db");
  mkdirSync(join(db, "crates/memchr"), { recursive: true });
  writeFileSync(
    join(db, "crates/memchr/RUSTSEC-2099-0001.md"),
    [
      "```toml",
      "[advisory]",
      'id = "RUSTSEC-2099-0001"',
      'package = "memchr"',
      'date = "2099-01-01"',
      'url = "https://example.invalid/RUSTSEC-2099-0001"',
      'categories = ["memory-corruption"]',
      "",
      "[versions]",
      'patched = [">= 99.0.0"]',
      "```",
      "",
      "# Made-up advisory for the dependency check's test",
      "",
      "Every memchr release before 99 is affected.",
      "",
    ].join("\n"),
  );
  git(db, "init", "-q", "-b", "main");
  git(db, "add", ".");
  git(db, "commit", "-q", "-m", "one advisory");
  mkdirSync(join(SCRATCH, "served"));
  git(SCRATCH, "clone", "-q", "--bare", db, join(SCRATCH, "served/advisory-db.git"));
  gitPort = await freePort();
  // Its own process group, so stopping it stops the git-daemon process it starts as well.
  const daemon = spawn("git", ["daemon", "--export-all", `--base-path=${join(SCRATCH, "served")}`, "--listen=127.0.0.1", `--port=${gitPort}`, join(SCRATCH, "served")], {
    stdio: "ignore",
    detached: true,
  });
  started.push(daemon);
  await listening(gitPort);
});

after(() => {
  for (const child of started) process.kill(-child.pid, "SIGTERM");
  rmSync(SCRATCH, { recursive: true, force: true });
});

test("a known vulnerability in a Rust crate fails the check and is named", async () => {
  const config = denyConfigWithDatabase("served", `git://localhost:${gitPort}/advisory-db.git`);
  const { status, output } = await check(["advisories"], { DEPS_DENY_CONFIG: config });
  assert.equal(status, 1, output);
  assert.match(output, /RUSTSEC-2099-0001/);
  assert.match(output, /memchr/);
  assert.match(output, /dependency check FAILED/);
});

test("an advisory database that cannot be fetched is reported as skipped, or fails when required", async () => {
  const closed = await freePort();
  const config = denyConfigWithDatabase("unreachable", `git://localhost:${closed}/advisory-db.git`);
  const skipped = await check(["advisories"], { DEPS_DENY_CONFIG: config });
  assert.equal(skipped.status, 0, skipped.output);
  assert.match(skipped.output, /SKIPPED: Rust advisories .*cannot be fetched — fatal: /);
  assert.match(skipped.output, /NOT checked: Rust advisories/);
  const required = await check(["advisories"], { DEPS_DENY_CONFIG: config, SWITCHBOARD_REQUIRE_ADVISORIES: "1" });
  assert.equal(required.status, 1, required.output);
  assert.match(required.output, /FAILED: Rust advisories .*cannot run/);
});

test("a crate under a licence deny.toml does not allow fails the check", async () => {
  const { status, output } = await check(["licenses"], { DEPS_MANIFEST: "tests/fixtures/deny-licence/Cargo.toml" });
  assert.equal(status, 1, output);
  assert.match(output, /GPL-3\.0-only/);
  assert.match(output, /rejected: license is not explicitly allowed/);
});

/** An npm registry on 127.0.0.1 whose audit endpoint answers with `answer(packages)`. */
async function fakeRegistry(answer) {
  const asked = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => {
      if (req.method === "POST" && req.url.endsWith("/-/npm/v1/security/advisories/bulk")) {
        let body = Buffer.concat(chunks);
        if (req.headers["content-encoding"] === "gzip") body = gunzipSync(body);
        const packages = JSON.parse(body.toString("utf8"));
        asked.push(packages);
        const { status, json } = answer(packages);
        res.writeHead(status, status === 405 ? { allow: "GET,HEAD" } : { "content-type": "application/json" });
        res.end(json === undefined ? "" : JSON.stringify(json));
        return;
      }
      res.writeHead(404).end();
    });
  });
  server.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  return { url: `http://127.0.0.1:${server.address().port}/`, asked, close: () => server.close() };
}

test("a known vulnerability in a shipped npm package fails the check; only shipped packages are asked about", async () => {
  const registry = await fakeRegistry((packages) => ({
    status: 200,
    json: {
      marked: [
        {
          id: 1099001,
          url: "https://example.invalid/GHSA-test-test-test",
          title: "Made-up advisory for marked",
          severity: "high",
          vulnerable_versions: "<99.0.0",
          cwe: [],
          cvss: { score: 7.5, vectorString: null },
        },
      ].filter(() => "marked" in packages),
    },
  }));
  try {
    const { status, output } = await check(["npm"], { DEPS_NPM_REGISTRY: registry.url });
    assert.equal(status, 1, output);
    assert.match(output, /1 known vulnerability in the production packages of ui/);
    assert.match(output, /marked \(high\)/);
    assert.match(output, /Made-up advisory for marked — https:\/\/example\.invalid\/GHSA-test-test-test/);
    assert.equal(registry.asked.length, 1);
    const names = Object.keys(registry.asked[0]);
    assert.ok(names.includes("marked") && names.includes("dompurify"), names.join(", "));
    assert.ok(!names.includes("vite") && !names.includes("vitest"), `build tools were audited: ${names}`);
  } finally {
    registry.close();
  }
});

test("an npm audit endpoint that refuses is reported as skipped, or fails when required", async () => {
  const registry = await fakeRegistry(() => ({ status: 405 }));
  try {
    const skipped = await check(["npm"], { DEPS_NPM_REGISTRY: registry.url });
    assert.equal(skipped.status, 0, skipped.output);
    assert.match(skipped.output, /405 Method Not Allowed .*\(it allows only GET,HEAD\)/);
    assert.match(skipped.output, /SKIPPED: npm advisories for ui/);
    const required = await check(["npm"], { DEPS_NPM_REGISTRY: registry.url, SWITCHBOARD_REQUIRE_ADVISORIES: "1" });
    assert.equal(required.status, 1, required.output);
  } finally {
    registry.close();
  }
});

test("no known vulnerability passes", async () => {
  const registry = await fakeRegistry(() => ({ status: 200, json: {} }));
  try {
    const { status, output } = await check(["npm"], { DEPS_NPM_REGISTRY: registry.url });
    assert.equal(status, 0, output);
    assert.match(output, /no known vulnerability in the \d+ production packages of ui/);
    assert.match(output, /dependency check passed$/m);
  } finally {
    registry.close();
  }
});
