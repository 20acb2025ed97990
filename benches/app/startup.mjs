// Cold start and idle memory of the app.
//
//   node benches/app/startup.mjs [--runs N] [--idle SECONDS]      (or benches/app/startup.sh)
//
// Two passes, each of N launches (after one warm-up launch that is not counted, so the page
// cache is warm as in docs platform.md §8), each launch with a fresh HOME, XDG_* and
// SWITCHBOARD_DATA_DIR (so a new database and empty WebKit caches), under a private Xvfb
// inside a private D-Bus session, with WEBKIT_DISABLE_COMPOSITING_MODE=1.
//
// 1. Direct launch (no WebDriver): the app binary is exec'd by a launcher script that records
//    the time just before `exec`.
//    - window mapped: `xev -root -event substructure` reports the X MapNotify of each top-level
//      window as it happens; the first one that `xdotool search --onlyvisible --name
//      '^Switchboard$'` then lists is the app's window. (`xdotool search --sync` itself polls
//      only every 500 ms, too coarse to time with.)
//    - idle memory: after SECONDS (default 10) from exec, PSS and RSS from
//      /proc/PID/smaps_rollup of the app and every descendant (WebKitWebProcess,
//      WebKitNetworkProcess); the at-spi accessibility daemons that D-Bus activates are not the
//      app's children and are not counted.
// 2. Through WebDriver (tauri-driver → WebKitWebDriver → the same launcher): the page has no
//    start-up log, so a script is injected as soon as WebDriver lets one run (at the page's
//    load event). It wraps the IPC callbacks still pending in `__TAURI_INTERNALS__.callbacks`
//    (the answer to the first command, `startup_problem`, which `main()` sends while the module
//    loads) and watches the DOM:
//    - first IPC answered: the app's own User Timing mark `switchboard:first-answer` (start.ts);
//      without it (an older build), when the first pending IPC callback runs in the page, and if
//      the answer came before the script could run, an upper bound (the time the script ran)
//      marked "≤".
//    - interactive: `#composer` in the DOM (the UI builds the window only after that answer).
//    - ready: `#app[data-ready=true]` (profiles and chats loaded).
//    - first contentful paint (WebKit's Paint Timing): the first frame of index.html's first
//      view (the window's frame, painted before any script runs), which the built window then
//      replaces.
//    A launch by WebKitWebDriver runs with automation on, so these are upper bounds of a plain
//    launch.

import { Session } from "./lib/webdriver.mjs";
import {
  APP, BenchFailure, requireCommands, alive, buildXwatch, cpuMsOf, startedMsOf, describeSetup, fail, fmt, inPrivateSession, makeLaunch, median, memoryOf,
  nowMs, printTable, processTree, requireFile, sleep, startDriver, startXvfb, track, waitGone,
} from "./lib/harness.mjs";
import { spawn, spawnSync } from "node:child_process";
import { createInterface } from "node:readline";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const RUNS = option("--runs", 5);
const IDLE_S = option("--idle", 10);
/** Pause between one launch's end and the next's start, so a teardown never overlaps a start-up. */
const GAP_S = option("--gap", 1);
const TIMEOUT = 60_000;

// ---------------------------------------------------------------- window mapped, first frames (X)

/** xwatch's reports: top-level windows mapped, and frames drawn into them (see lib/xwatch.c). */
async function watchX(binary) {
  const child = track(spawn(binary, [String(CONTENT_COLOURS), String(CONTENT_SHARE)], { stdio: ["ignore", "pipe", "inherit"] }));
  const maps = [];
  const frames = [];
  const waiters = [];
  const lines = createInterface({ input: child.stdout });
  await new Promise((resolveReady, reject) => {
    lines.once("line", (line) => (line === "ready" ? resolveReady() : reject(new Error(line))));
    child.once("exit", (code) => reject(new Error(`xwatch exited (${code})`)));
  }).catch((e) => fail(`xwatch: ${e.message}`));
  lines.on("line", (line) => {
    const [kind, at, window, a, b] = line.split(" ");
    if (kind === "map") maps.push({ at: Number(at), window: parseInt(window, 16), override: a === "1" });
    else if (kind === "frame") frames.push({ at: Number(at), window: parseInt(window, 16), colours: Number(a), share: Number(b) });
    for (const w of waiters.splice(0)) w();
  });
  const changed = () => new Promise((r) => {
    waiters.push(r);
    setTimeout(r, 200);
  });
  return {
    child,
    /** The first window mapped after `since` that xdotool lists as visible and named ^Switchboard$. */
    async appWindow(since, timeout, gone = () => false) {
      const end = Date.now() + timeout;
      let checked = 0;
      for (;;) {
        if (gone()) return null;
        const fresh = maps.filter((e) => e.at >= since && !e.override);
        for (; checked < fresh.length; checked++) {
          const event = fresh[checked];
          const found = spawnSync("xdotool", ["search", "--onlyvisible", "--name", "^Switchboard$"], { encoding: "utf8" });
          if (found.stdout.split(/\s+/).filter(Boolean).map(Number).includes(event.window)) return event;
        }
        if (Date.now() > end) return null;
        await changed();
      }
    },
    /** The first frame of `window` with content (at least CONTENT_COLOURS colours, CONTENT_SHARE off the main one). */
    async contentFrame({ window, at: since }, timeout) {
      const end = Date.now() + timeout;
      for (;;) {
        // X reuses window ids once a client is gone: only frames since this window was mapped.
        const own = frames.filter((f) => f.window === window && f.at >= since);
        const frame = own.find((f) => f.colours >= CONTENT_COLOURS && f.share >= CONTENT_SHARE);
        if (frame) return { frame, blankFrames: own.filter((f) => f.at < frame.at).length };
        if (Date.now() > end) return null;
        await changed();
      }
    },
  };
}
/** A frame "with content": the blank window and the empty page are one colour each. */
const CONTENT_COLOURS = 16;
const CONTENT_SHARE = 0.02;

async function directLaunch(name, x) {
  const launch = makeLaunch(name);
  const since = nowMs();
  const child = track(spawn(launch.launcher, [], { stdio: ["ignore", "ignore", "ignore"] }));
  let exited = null;
  child.once("exit", (code, signal) => (exited = `${code ?? signal}`));
  const hint = `log in ${launch.dir}/app.log (BENCH_KEEP=1 keeps it)`;
  try {
    const mapped = await x.appWindow(since, TIMEOUT, () => exited !== null);
    if (!mapped) {
      fail(`${name}: ${exited !== null ? `the app exited (${exited}) before showing a` : `within ${TIMEOUT} ms the app showed no`} visible window named "Switchboard"; ${hint}`);
    }
    const content = await x.contentFrame(mapped, TIMEOUT);
    if (!content) fail(`${name}: the window never showed content within ${TIMEOUT} ms; ${hint}`);
    const exec = launch.execTime();
    // CPU use while idle: over the last 3 s of the idle wait.
    const idleUntil = exec + IDLE_S * 1000;
    const cpuFrom = idleUntil - 3000;
    while (nowMs() < cpuFrom) await sleep(Math.min(500, cpuFrom - nowMs()));
    const cpuStart = processTree(child.pid).reduce((sum, pid) => sum + cpuMsOf(pid), 0);
    const cpuStartAt = nowMs();
    while (nowMs() < idleUntil) await sleep(Math.min(500, idleUntil - nowMs()));
    if (exited) fail(`${name}: the app exited during the idle wait (${exited}); ${hint}`);
    const tree = processTree(child.pid);
    const cpuEnd = tree.reduce((sum, pid) => sum + cpuMsOf(pid), 0);
    const idleCpu = (100 * (cpuEnd - cpuStart)) / (nowMs() - cpuStartAt);
    const processes = tree.map((pid) => ({ ...memoryOf(pid), startedAfterApp: startedMsOf(pid) - startedMsOf(child.pid) }));
    if (!processes.some((p) => /^WebKitWebProces/.test(p.comm))) fail(`${name}: no WebKitWebProcess under the app (pids ${tree})`);
    return { mapped: mapped.at - exec, content: content.frame.at - exec, blankFrames: content.blankFrames, idleCpu, processes };
  } finally {
    const tree = alive(child.pid) ? processTree(child.pid) : [];
    if (alive(child.pid)) child.kill("SIGTERM");
    await waitGone([child.pid, ...tree]);
    await sleep(GAP_S * 1000);
  }
}

// ---------------------------------------------------------------- first IPC (WebDriver)

/** Injected at the page's load event (the first moment WebDriver runs a script). */
function probe(done) {
  const t = () => performance.timeOrigin + performance.now();
  const result = {
    scriptAt: t(),
    timeOrigin: performance.timeOrigin,
    composerAlready: document.querySelector("#composer") !== null,
    wrapped: 0,
    firstAnswerAt: null,
    composerAt: null,
    readyAt: null,
    fcpAt: null,
    domContentLoadedAt: null,
    loadAt: null,
  };
  const callbacks = window.__TAURI_INTERNALS__ && window.__TAURI_INTERNALS__.callbacks;
  if (!result.composerAlready && callbacks) {
    for (const [id, fn] of callbacks) {
      result.wrapped++;
      callbacks.set(id, (data) => {
        if (result.firstAnswerAt === null) result.firstAnswerAt = t();
        return fn(data);
      });
    }
  }
  if (result.composerAlready) result.composerAt = null;
  // The app marks its own steps (start.ts): exact, even when they came before this script ran.
  const appMark = (name) => {
    const entry = performance.getEntriesByName(name, "mark")[0];
    return entry ? performance.timeOrigin + entry.startTime : null;
  };
  const app = document.getElementById("app");
  const check = () => {
    if (result.composerAt === null && !result.composerAlready && document.querySelector("#composer")) result.composerAt = t();
    if (result.readyAt === null && app && app.dataset.ready === "true") result.readyAt = t();
  };
  const observer = new MutationObserver(check);
  observer.observe(document.documentElement, { childList: true, subtree: true, attributes: true, attributeFilter: ["data-ready"] });
  check();
  const started = Date.now();
  const poll = () => {
    check();
    const fcp = performance.getEntriesByType("paint").find((e) => e.name === "first-contentful-paint");
    if (fcp) result.fcpAt = performance.timeOrigin + fcp.startTime;
    const done_ = (result.composerAlready || result.composerAt !== null) && result.readyAt !== null && result.fcpAt !== null;
    if (done_ || Date.now() - started > 20000) {
      observer.disconnect();
      result.markedAnswerAt = appMark("switchboard:first-answer");
      result.markedReadyAt = appMark("switchboard:ready");
      const nav = performance.getEntriesByType("navigation")[0];
      if (nav) {
        result.domContentLoadedAt = performance.timeOrigin + nav.domContentLoadedEventStart;
        result.loadAt = performance.timeOrigin + nav.loadEventStart;
      }
      done(result);
    } else {
      setTimeout(poll, 20);
    }
  };
  poll();
}

async function webdriverLaunch(name, port, x) {
  const launch = makeLaunch(name);
  const since = nowMs();
  let session;
  try {
    session = await Session.create(port, launch.launcher);
    const r = await session.executeAsync(probe);
    const exec = launch.execTime();
    if (r.readyAt === null && r.composerAt === null && !r.composerAlready) fail(`${name}: the window never became interactive (#composer)`);
    const mapped = await x.appWindow(since, 5000);
    const content = mapped ? await x.contentFrame(mapped, 5000) : null;
    const rel = (t) => (t === null || t === undefined ? null : t - exec);
    return {
      mapped: rel(mapped?.at),
      navigation: rel(r.timeOrigin),
      domContentLoaded: rel(r.domContentLoadedAt),
      firstIpc: rel(r.markedAnswerAt ?? r.firstAnswerAt ?? r.scriptAt),
      firstIpcUpperBound: r.markedAnswerAt === null && r.firstAnswerAt === null,
      wrapped: r.wrapped,
      composer: rel(r.composerAt ?? r.scriptAt),
      composerUpperBound: r.composerAt === null,
      ready: rel(r.readyAt),
      fcp: rel(r.fcpAt),
      content: rel(content?.frame.at),
    };
  } finally {
    const pid = launch.pid();
    const tree = pid && alive(pid) ? processTree(pid) : [];
    if (session) await session.close();
    if (pid) await waitGone([pid, ...tree]);
    await sleep(GAP_S * 1000);
  }
}

// ---------------------------------------------------------------- main

const ms = (v, bound = false) => `${bound ? "≤ " : ""}${fmt(v)} ms`;
const range = (values, unit = "ms", digits = 0) => `${fmt(Math.min(...values), digits)} … ${fmt(Math.max(...values), digits)} ${unit}`;

async function main() {
  requireCommands(["dbus-run-session"]);
  await inPrivateSession(import.meta.url);
  requireCommands(["Xvfb", "xdotool", "cc", "tauri-driver", "WebKitWebDriver"]);
  requireFile(APP, "Build it: ui/node_modules/.bin/tauri build --no-bundle (or set SWITCHBOARD_APP).");
  await startXvfb();
  const x = await watchX(buildXwatch());
  console.log(`Switchboard start-up benchmark, ${new Date().toISOString()}`);
  describeSetup([`runs:    ${RUNS} launches per pass after 1 warm-up launch each; idle memory read ${IDLE_S} s after exec`]);

  // Pass 1: direct launches.
  console.log("\npass 1: direct launch (window mapped, first frame with content, idle CPU and memory)");
  await directLaunch("direct-warmup", x);
  const direct = [];
  for (let i = 1; i <= RUNS; i++) {
    const r = await directLaunch(`direct-${i}`, x);
    direct.push(r);
    const total = r.processes.reduce((s, p) => s + p.pss, 0);
    console.log(
      `  run ${i}: window mapped ${ms(r.mapped)}, first frame with content ${ms(r.content)} (${r.blankFrames} blank frames before);` +
        ` idle CPU ${fmt(r.idleCpu, 1)} %; PSS ${r.processes.map((p) => `${p.comm} ${fmt(p.pss / 1024, 1)}`).join(", ")} = ${fmt(total / 1024, 1)} MiB`,
    );
  }

  // Pass 2: through WebDriver.
  console.log("\npass 2: launched by WebKitWebDriver (first IPC answered in the page, #composer, first contentful paint)");
  const port = await startDriver();
  await webdriverLaunch("webdriver-warmup", port, x);
  const wd = [];
  for (let i = 1; i <= RUNS; i++) {
    const r = await webdriverLaunch(`webdriver-${i}`, port, x);
    wd.push(r);
    console.log(
      `  run ${i}: window mapped ${ms(r.mapped)}, page navigation ${ms(r.navigation)}, first IPC answered ${ms(r.firstIpc, r.firstIpcUpperBound)}` +
        ` (${r.wrapped} pending callbacks wrapped), #composer ${ms(r.composer, r.composerUpperBound)},` +
        ` first contentful paint ${ms(r.fcp)}, first X frame with content ${ms(r.content)}, data-ready ${ms(r.ready)}`,
    );
  }
  x.child.kill("SIGTERM");

  // Memory per process kind, median over runs.
  const kinds = new Map();
  for (const r of direct) {
    const byKind = new Map();
    for (const p of r.processes) {
      const kind = p.comm.startsWith("WebKitWebProces") ? "WebKitWebProcess" : p.comm.startsWith("WebKitNetworkP") ? "WebKitNetworkProcess" : `${p.comm} (app)`;
      const k = byKind.get(kind) ?? { pss: 0, rss: 0, count: 0 };
      k.pss += p.pss;
      k.rss += p.rss;
      k.count += 1;
      byKind.set(kind, k);
    }
    for (const [kind, k] of byKind) kinds.set(kind, [...(kinds.get(kind) ?? []), k]);
  }
  const mib = (kib) => kib / 1024;
  const totals = direct.map((r) => mib(r.processes.reduce((s, p) => s + p.pss, 0)));
  const rssTotals = direct.map((r) => mib(r.processes.reduce((s, p) => s + p.rss, 0)));

  const spawned = (prefix) => direct.map((r) => r.processes.find((p) => p.comm.startsWith(prefix))?.startedAfterApp).filter((v) => v !== undefined);
  const mapped = direct.map((r) => r.mapped);
  const content = direct.map((r) => r.content);
  const firstIpc = wd.map((r) => r.firstIpc);
  const bounded = wd.filter((r) => r.firstIpcUpperBound).length;
  const navToIpc = wd.map((r) => r.firstIpc - r.navigation);
  const ipcToContent = wd.filter((r) => r.content !== null).map((r) => r.content - r.firstIpc);
  const fcpVsX = wd.filter((r) => r.content !== null && r.fcp !== null).map((r) => r.content - r.fcp);
  const estimate = median(content) - median(ipcToContent);
  const fast = content.filter((c) => c < 400).length;
  const rows = [
    { what: "exec → window mapped, median", value: ms(median(mapped)), budget: "< 500 ms", ok: median(mapped) < 500 },
    { what: "  min … max", value: range(mapped) },
    { what: "app start → WebKitNetworkProcess started (10 ms ticks), median", value: ms(median(spawned("WebKitNetworkP"))) },
    { what: "app start → WebKitWebProcess started (10 ms ticks), median", value: ms(median(spawned("WebKitWebProces"))) },
    {
      what: "exec → first frame with the window's content (index.html's first view), median",
      value: ms(median(content)),
    },
    { what: "  min … max", value: range(content) },
    {
      what: "  launches with content in < 400 ms",
      value: `${fast} of ${content.length}`,
      budget: `≥ ${Math.ceil(content.length * 0.9)} of ${content.length}`,
      ok: fast >= Math.ceil(content.length * 0.9),
    },
    {
      what: "  launches with content in < 700 ms (no slow mode)",
      value: `${content.filter((c) => c < 700).length} of ${content.length}`,
      budget: "all",
      ok: content.every((c) => c < 700),
    },
    {
      what: "exec → first IPC answered, estimate (the above − median(WebDriver pass: first IPC → content frame))",
      value: ms(estimate),
      budget: "< 300 ms",
      ok: estimate < 300,
    },
    { what: "idle CPU of the process tree (last 3 s of the idle wait), median", value: `${fmt(median(direct.map((r) => r.idleCpu)), 1)} % of one core` },
  ];
  for (const [kind, list] of kinds) {
    rows.push({ what: `idle PSS ${kind}${list.some((k) => k.count > 1) ? " (all of them)" : ""}, median`, value: `${fmt(mib(median(list.map((k) => k.pss))), 1)} MiB` });
  }
  rows.push({ what: "idle PSS, whole process tree, median", value: `${fmt(median(totals), 1)} MiB`, budget: "≤ 300 MiB", ok: median(totals) <= 300 });
  rows.push({ what: "  min … max", value: range(totals, "MiB", 1) });
  rows.push({ what: "idle RSS, whole process tree, median (for reference)", value: `${fmt(median(rssTotals), 1)} MiB` });
  printTable(`Pass 1, direct launch (${RUNS} runs)`, rows);

  printTable(`Pass 2, launched by WebKitWebDriver with automation on (${RUNS} runs); times from exec unless said`, [
    { what: "exec → window mapped, median", value: ms(median(wd.map((r) => r.mapped))) },
    { what: "exec → page navigation start, median (includes the WebDriver session set-up)", value: ms(median(wd.map((r) => r.navigation))) },
    {
      what: `exec → first IPC answered in the page, median${bounded ? ` (${bounded}/${wd.length} upper bounds)` : ""}`,
      value: ms(median(firstIpc)),
      budget: "(< 300 ms, plain launch)",
    },
    { what: "  min … max", value: range(firstIpc) },
    { what: "page navigation start → first IPC answered, median", value: ms(median(navToIpc)) },
    { what: "exec → #composer in the DOM, median", value: ms(median(wd.map((r) => r.composer))) },
    { what: "exec → first contentful paint (Paint Timing), median", value: ms(median(wd.map((r) => r.fcp))) },
    { what: "exec → first X frame with content, median", value: ms(median(wd.map((r) => r.content))) },
    { what: "first IPC answered → first X frame with content, median", value: ms(median(ipcToContent)) },
    { what: "first X frame with content − first contentful paint, median (checks the pixel test)", value: ms(median(fcpVsX)) },
    { what: "exec → profiles and chats loaded (#app[data-ready=true]), median", value: ms(median(wd.map((r) => r.ready))) },
  ]);
  if (bounded) console.log(`note: in ${bounded} run(s) the first answer came before the injected script could run; those figures are upper bounds (≤).`);
}

main().then(
  () => process.exit(0),
  (error) => {
    if (!(error instanceof BenchFailure)) console.error(`\nBENCHMARK FAILED: ${error?.stack ?? error}`);
    process.exit(2);
  },
);
