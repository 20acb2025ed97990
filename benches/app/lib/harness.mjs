// What every app benchmark needs: the binaries, a private D-Bus session, a private X display
// (Xvfb), tauri-driver, the fake provider server, a fresh HOME/XDG/SWITCHBOARD_DATA_DIR per
// launch, and cleanup of every process started here (by pid, never by name).
//
// Environment (all optional):
//   SWITCHBOARD_APP    app binary to measure (default target/release/switchboard, built with
//                      `ui/node_modules/.bin/tauri build --no-bundle`; a debug build
//                      `tauri build --debug --no-bundle` gives target/debug/switchboard)
//   SWITCHBOARD_FAKES  switchboard-fakes (default target/release/switchboard-fakes if built,
//                      else target/debug/switchboard-fakes)
//   SWITCHBOARD_CLI    switchboard-cli (default target/release/switchboard-cli if built, else debug)
//   BENCH_KEEP=1       keep the scratch directory (logs, databases) and print where it is
//   BENCH_APP_ENV      more environment for the app, "NAME=value NAME2=value2"

import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/**
 * Environment every launch of the app gets (besides its fresh HOME/XDG/data dirs);
 * BENCH_APP_ENV="NAME=value NAME2=value2" adds to it (e.g. to try a WebKit or GTK setting).
 */
export const APP_ENV = {
  WEBKIT_DISABLE_COMPOSITING_MODE: "1",
  ...Object.fromEntries(
    (process.env.BENCH_APP_ENV ?? "").split(/\s+/).filter(Boolean).map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]),
  ),
};

function pick(envName, candidates) {
  const given = process.env[envName];
  if (given) return resolve(given);
  const found = candidates.map((c) => join(ROOT, c)).find((c) => existsSync(c));
  return found ?? join(ROOT, candidates[0]);
}

export const APP = pick("SWITCHBOARD_APP", ["target/release/switchboard"]);
export const FAKES = pick("SWITCHBOARD_FAKES", ["target/release/switchboard-fakes", "target/debug/switchboard-fakes"]);
export const CLI = pick("SWITCHBOARD_CLI", ["target/release/switchboard-cli", "target/debug/switchboard-cli"]);

/** Stops the benchmark: the measurement itself could not be made. */
export function fail(message) {
  console.error(`\nBENCHMARK FAILED: ${message}`);
  process.exitCode = 2;
  throw new BenchFailure(message);
}
export class BenchFailure extends Error {}

/** Stops with a clear message when a command the benchmark needs is not installed. */
export function requireCommands(names) {
  const missing = names.filter((name) => spawnSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" }).status !== 0);
  if (missing.length) fail(`missing: ${missing.join(", ")} (apt-get install xdotool xvfb dbus webkit2gtk-driver; cargo install tauri-driver@2.1.0 --locked)`);
}

export function requireFile(path, hint) {
  if (!existsSync(path)) fail(`${path} does not exist. ${hint}`);
  return path;
}

/** Epoch milliseconds with sub-millisecond resolution. */
export const nowMs = () => performance.timeOrigin + performance.now();

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- statistics and output

export function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}
export const median = (values) => quantile(values, 0.5);

export function fmt(value, digits = 0) {
  if (value === null || value === undefined || Number.isNaN(value)) return "n/a";
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/**
 * Prints rows of [what, figure, budget, verdict] as an aligned table. `verdict` is computed
 * from `ok` (true: within budget, false: over, null: no budget, a string: itself).
 */
export function printTable(title, rows) {
  const cells = rows.map(({ what, value, budget = "", ok = null }) => [
    what,
    value,
    budget,
    typeof ok === "string" ? ok : ok === null ? "" : ok ? "ok" : "OVER BUDGET",
  ]);
  const head = ["measurement", "figure", "budget", ""];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => String(c[i]).length)));
  const line = (c) => c.map((x, i) => (i === 1 ? String(x).padStart(widths[i]) : String(x).padEnd(widths[i]))).join("  ").trimEnd();
  console.log(`\n${title}`);
  console.log(line(head));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const c of cells) console.log(line(c));
}

export function describeSetup(extra = []) {
  const app = existsSync(APP) ? `${APP} (${(statSync(APP).size / 1e6).toFixed(1)} MB, built ${statSync(APP).mtime.toISOString()})` : APP;
  const lines = [
    `app:     ${app}${/\/debug\//.test(APP) ? "  <-- DEBUG build: figures are not representative" : ""}`,
    `machine: ${cpuModel()}, ${cpuCount()} cores; load average at start ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`,
    `display: Xvfb 1280x800x24, no window manager, private D-Bus session (dbus-run-session)`,
    `env:     ${Object.entries(APP_ENV).map(([k, v]) => `${k}=${v}`).join(" ")}, fresh HOME/XDG_*/SWITCHBOARD_DATA_DIR per launch`,
    ...extra,
  ];
  console.log(lines.join("\n"));
  warnIfBusy("at start");
  process.on("exit", () => warnIfBusy("at the end"));
}

/** The figures are only meaningful on an otherwise idle machine: say so when it is not. */
function warnIfBusy(when) {
  const load = Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
  const others = busyOthers();
  if (others.length > 0) {
    console.log(`WARNING ${when}: the machine is busy (busy processes not ours: ${others.join(", ")}; 1-min load ${load}); figures are inflated.`);
  } else {
    console.log(`${when}: no other busy process (1-min load ${load})`);
  }
}

/** Processes outside this benchmark's tree that used more than 20 % of a core over the last 0.3 s. */
function busyOthers() {
  const ours = new Set(processTree(process.ppid));
  const sample = () => {
    const m = new Map();
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry) || ours.has(Number(entry))) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
        const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        m.set(entry, [stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")), Number(f[11]) + Number(f[12])]);
      } catch {
        // gone
      }
    }
    return m;
  };
  const a = sample();
  spawnSync("sleep", ["0.3"]);
  const b = sample();
  const busy = [];
  for (const [pid, [name, ticks]] of b) {
    const before = a.get(pid);
    if (before && ticks - before[1] > 0.2 * 0.3 * CLOCK_TICKS) busy.push(name);
  }
  return busy;
}

function cpuModel() {
  const m = /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"));
  return m ? m[1].trim() : "unknown CPU";
}
function cpuCount() {
  return readFileSync("/proc/cpuinfo", "utf8").split("\n").filter((l) => l.startsWith("processor")).length;
}

// ---------------------------------------------------------------- processes

const children = new Set();
let scratch = null;

/** Spawns a process that is stopped (by pid) when the benchmark ends. */
export function track(child) {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

function cleanup() {
  for (const child of children) {
    try {
      child.kill("SIGTERM");
    } catch {
      // gone
    }
  }
  if (scratch && !process.env.BENCH_KEEP) rmSync(scratch, { recursive: true, force: true });
  else if (scratch) console.log(`scratch kept in ${scratch}`);
}
process.on("exit", cleanup);
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    cleanup();
    process.exit(130);
  });
}

/**
 * Re-runs this script inside a private D-Bus session (dbus-run-session), so the app's
 * single-instance lock and its D-Bus services never meet another running Switchboard. Returns
 * true in the re-run child; in the parent it waits and exits with the child's status.
 */
export async function inPrivateSession(scriptUrl) {
  if (process.env.SWITCHBOARD_BENCH_SESSION === "1") return true;
  const child = spawn("dbus-run-session", ["--", process.execPath, fileURLToPath(scriptUrl), ...process.argv.slice(2)], {
    stdio: ["inherit", "inherit", "pipe"],
    env: { ...process.env, SWITCHBOARD_BENCH_SESSION: "1" },
  });
  // dbus-daemon's own chatter (service activation, fd limits) is noise here.
  createInterface({ input: child.stderr }).on("line", (line) => {
    if (/^dbus-daemon\[\d+\]|^SpiRegistry daemon is running/.test(line)) return;
    process.stderr.write(`${line}\n`);
  });
  const code = await new Promise((r) => child.on("exit", (code, signal) => r(code ?? (signal ? 128 : 1))));
  process.exit(code);
}

/** A scratch directory for this benchmark run (removed at exit unless BENCH_KEEP=1). */
export function scratchDir() {
  if (!scratch) scratch = mkdtempSync(join(tmpdir(), "switchboard-bench-"));
  return scratch;
}

/** Starts a private Xvfb and sets DISPLAY for this process and its children. */
export async function startXvfb() {
  const log = join(scratchDir(), "xvfb.log");
  const xvfb = track(
    spawn("Xvfb", ["-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp"], {
      stdio: ["ignore", "ignore", "pipe", "pipe"],
    }),
  );
  let errors = "";
  xvfb.stderr.on("data", (d) => (errors += d));
  const display = await new Promise((resolveDisplay, reject) => {
    const timer = setTimeout(() => reject(new Error(`Xvfb did not start: ${errors}`)), 20_000);
    xvfb.stdio[3].once("data", (d) => {
      clearTimeout(timer);
      resolveDisplay(String(d).trim());
    });
    xvfb.once("exit", (code) => reject(new Error(`Xvfb exited (${code}): ${errors}`)));
  }).catch((e) => fail(e.message));
  writeFileSync(log, errors);
  process.env.DISPLAY = `:${display}`;
  return process.env.DISPLAY;
}

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

export async function waitForPort(port, timeout = 20_000) {
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    const ok = await new Promise((r) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        r(true);
      });
      socket.once("error", () => r(false));
    });
    if (ok) return;
    await sleep(50);
  }
  fail(`nothing listens on port ${port}`);
}

/** Starts tauri-driver (which starts WebKitWebDriver on a port of its own); returns its port. */
export async function startDriver() {
  const port = await freePort();
  const native = await freePort();
  const log = join(scratchDir(), "tauri-driver.log");
  const driver = track(spawn("tauri-driver", ["--port", String(port), "--native-port", String(native)], { stdio: ["ignore", "pipe", "pipe"] }));
  let text = "";
  driver.stdout.on("data", (d) => (text += d));
  driver.stderr.on("data", (d) => (text += d));
  driver.once("exit", () => writeFileSync(log, text));
  await waitForPort(port);
  return port;
}

/** Starts switchboard-fakes; resolves to its base URL once it listens. */
export function startFake(args) {
  requireFile(FAKES, "Build it: cargo build -p switchboard-fakes (or set SWITCHBOARD_FAKES).");
  const child = track(spawn(FAKES, ["--port", "0", ...args], { stdio: ["ignore", "pipe", "inherit"] }));
  return new Promise((resolveUrl, reject) => {
    createInterface({ input: child.stdout }).once("line", (line) => resolveUrl(line.replace(/^listening on /, "").trim()));
    child.once("exit", (code) => reject(new Error(`switchboard-fakes exited (${code})`)));
  });
}

/**
 * A launch directory with fresh HOME, XDG_* and SWITCHBOARD_DATA_DIR, and a launcher script
 * that records the time just before it `exec`s the app (bash's $EPOCHREALTIME, no fork), so
 * "exec → X" can be measured however the app is started (directly or by WebKitWebDriver).
 */
export function makeLaunch(name, { extraEnv = {}, dataDir = null } = {}) {
  const dir = join(scratchDir(), name);
  rmSync(dir, { recursive: true, force: true });
  const dirs = {
    HOME: join(dir, "home"),
    XDG_CACHE_HOME: join(dir, "cache"),
    XDG_CONFIG_HOME: join(dir, "config"),
    XDG_DATA_HOME: join(dir, "xdg-data"),
    SWITCHBOARD_DATA_DIR: dataDir ?? join(dir, "data"),
  };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  const env = { ...dirs, ...APP_ENV, ...extraEnv };
  const exports = Object.entries(env).map(([k, v]) => `export ${k}=${shellQuote(v)}`).join("\n");
  const launcher = join(dir, "launch.sh");
  const execFile = join(dir, "exec-time");
  const pidFile = join(dir, "pid");
  // The pid stays the same across `exec`: it is the app's.
  writeFileSync(
    launcher,
    `#!/bin/bash\n${exports}\necho $$ > ${shellQuote(pidFile)}\nprintf '%s\\n' "$EPOCHREALTIME" > ${shellQuote(execFile)}\nexec ${shellQuote(APP)} "$@" 2>>${shellQuote(join(dir, "app.log"))}\n`,
  );
  chmodSync(launcher, 0o755);
  return {
    dir,
    env: dirs,
    launcher,
    /** Epoch ms at which the launcher exec'd the app. */
    execTime() {
      if (!existsSync(execFile)) fail(`the launcher in ${dir} never ran`);
      return Number(readFileSync(execFile, "utf8").trim()) * 1000;
    },
    /** The app's pid (null if it was not launched). */
    pid() {
      return existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8").trim()) : null;
    },
  };
}

function shellQuote(s) {
  return `'${String(s).replace(/'/g, `'\\''`)}'`;
}

/** The pids of `pid` and all its descendants. */
export function processTree(pid) {
  const parents = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const after = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parents.set(Number(entry), Number(after[1]));
    } catch {
      // exited meanwhile
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child);
  }
  return tree.filter((p) => existsSync(`/proc/${p}`));
}

/** When a process started, in milliseconds since boot (clock ticks: 10 ms resolution). */
export function startedMsOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[19]) * 1000) / CLOCK_TICKS;
}

/** CPU time (user + system) of a process so far, in milliseconds. */
export function cpuMsOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}
const CLOCK_TICKS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

/**
 * Compiles benches/app/lib/xwatch.c (X MapNotify and DAMAGE watcher) into the scratch dir.
 * Needs a C compiler and the libx11-dev and libxdamage-dev headers.
 */
export function buildXwatch() {
  const out = join(scratchDir(), "xwatch");
  const result = spawnSync("cc", ["-O2", "-o", out, join(ROOT, "benches/app/lib/xwatch.c"), "-lX11", "-lXdamage"], { encoding: "utf8" });
  if (result.status !== 0) fail(`cannot compile xwatch.c (needs cc, libx11-dev, libxdamage-dev): ${result.stderr}`);
  return out;
}

/** Name, PSS and RSS (KiB) of a process, from /proc/PID/smaps_rollup. */
export function memoryOf(pid) {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  const field = (name) => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(rollup);
    return m ? Number(m[1]) : NaN;
  };
  const comm = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  return { pid, comm, pss: field("Pss"), rss: field("Rss"), pssAnon: field("Pss_Anon"), pssFile: field("Pss_File") };
}

export function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits until none of `pids` is alive; SIGKILLs stragglers after `timeout`. */
export async function waitGone(pids, timeout = 10_000) {
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    if (!pids.some(alive)) return;
    await sleep(50);
  }
  for (const pid of pids.filter(alive)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
  await sleep(200);
}

/** Runs a command to completion; throws with its output when it fails. */
export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: "utf8", maxBuffer: 256 << 20, ...options });
  if (result.status !== 0) {
    fail(`${command} ${args.join(" ")} exited with ${result.status}: ${result.stderr || result.stdout}`);
  }
  return result.stdout;
}
