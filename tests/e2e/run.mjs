// End-to-end tests of the real app: the built binary in a WebKit window under Xvfb, driven
// through tauri-driver + WebKitWebDriver, against switchboard-fakes on loopback and the real
// keychain. Started by scripts/e2e.sh, which provides:
//   SWITCHBOARD_APP      the app binary (built with `tauri build --debug --no-bundle`)
//   SWITCHBOARD_FAKES    the switchboard-fakes binary
//   SWITCHBOARD_CLI      switchboard-cli (default: beside the app), for what the window cannot
//                        set up itself (a profile's extra headers)
//   E2E_ARTIFACTS        where screenshots go
//   E2E_DRIVER_PORT      tauri-driver's port (light theme); E2E_DARK_DRIVER_PORT (dark theme)
//   E2E_KOBOLD_PORT      where the KoboldCpp fake listens (the only port "Find local servers"
//                        probes: the app gets SWITCHBOARD_DETECT_PORTS)
// Prints one line per test and a closing "N passed, N failed".

import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { Key, remote } from "webdriverio";
import { registerAttachmentTests } from "./attachments.mjs";
import { registerAzureTests } from "./azure.mjs";
import { registerVertexTests } from "./vertex.mjs";
import { registerOpenAiApiTests } from "./openai-api.mjs";
import { registerChatTargetTests } from "./chat-target.mjs";
import { registerCitationsTests } from "./citations.mjs";
import { registerContextTests } from "./context.mjs";
import { registerDoctorTests } from "./doctor.mjs";
import { registerDrawerTests } from "./drawer.mjs";
import { registerFilesTests } from "./files.mjs";
import { registerGeminiTests } from "./gemini.mjs";
import { registerHabitsTests } from "./habits.mjs";
import { registerKeysErrorsTests } from "./keys-errors.mjs";
import { registerLocalServerTests } from "./local-servers.mjs";
import { registerNavigationTests } from "./navigation.mjs";
import { registerNetworkTests } from "./network.mjs";
import { registerPickerTests } from "./picker.mjs";
import { registerOllamaTests } from "./ollama.mjs";
import { registerRenderTests } from "./render.mjs";
import { registerUndoTests } from "./undo.mjs";

const APP = required("SWITCHBOARD_APP");
const FAKES = required("SWITCHBOARD_FAKES");
const ARTIFACTS = required("E2E_ARTIFACTS");
const DRIVER_PORT = Number(process.env.E2E_DRIVER_PORT ?? 4444);
const DARK_DRIVER_PORT = Number(process.env.E2E_DARK_DRIVER_PORT ?? 0);
const KOBOLD_PORT = required("E2E_KOBOLD_PORT");
mkdirSync(ARTIFACTS, { recursive: true });

// Must match switchboard-fakes (tests/fakes/src/lib.rs).
const REPLY_TEXT = "Hello from the fake server — héllo wörld 👋 ✓ 日本語.";
const KEY = "sk-e2e-SECRET-key-31337";
const CLAUDE_KEY = "sk-ant-e2e-SECRET-4242";
const REASONING_TEXT = "Thinking about it… 🤔 step one.";
const WRONG_KEY = "sk-e2e-WRONG-key-00000";
const NOVELAI_KEY = "pst-e2e-SECRET-token-777";
const MANCER_KEY = "mcr-e2e-SECRET-key-555";
const TIMEOUT = 15_000;
const CLI = process.env.SWITCHBOARD_CLI ?? join(dirname(APP), "switchboard-cli");
const SHOW_KEY = "sk-e2e-SHOW-secret-2718";
const HEADER_SECRET = "hdr-e2e-SECRET-1618";

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is not set; run the end-to-end tests through scripts/e2e.sh`);
    process.exit(2);
  }
  return value;
}

// ----- fake provider servers -----

const fakes = [];

/** Starts switchboard-fakes and resolves to its base URL once it listens. */
function startFake(args, port = "0") {
  const child = spawn(FAKES, ["--port", port, ...args], { stdio: ["ignore", "pipe", "inherit"] });
  fakes.push(child);
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once("line", (line) => {
      const url = line.replace(/^listening on /, "").trim();
      resolve({
        url,
        async scenario(name, reply) {
          const body = reply === undefined ? { scenario: name } : { scenario: name, reply };
          const res = await fetch(`${url}/__fake/scenario`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(body),
          });
          if (res.status !== 204) throw new Error(`scenario ${name}: HTTP ${res.status}`);
        },
        async requests() {
          return (await fetch(`${url}/__fake/requests`)).json();
        },
        /** KoboldCpp aborts (`/__fake/aborts`) or AI Horde cancels (`/__fake/cancels`). */
        async stops(kind) {
          return (await fetch(`${url}/__fake/${kind}`)).json();
        },
      });
    });
    child.once("exit", (code) => reject(new Error(`switchboard-fakes exited (${code})`)));
  });
}

// ----- WebDriver helpers -----

/** Opens the app (`application`: another binary or a wrapper script that starts it). */
async function openApp(port = DRIVER_PORT, ready = "#composer", application = APP) {
  const browser = await remote({
    hostname: "127.0.0.1",
    port,
    logLevel: "error",
    connectionRetryCount: 1,
    capabilities: { "tauri:options": { application }, "wdio:enforceWebDriverClassic": true },
  });
  await browser.$(ready).waitForExist({ timeout: TIMEOUT });
  return browser;
}

async function closeApp(browser) {
  try {
    await browser.deleteSession();
  } catch {
    // The app may already be gone.
  }
}

/** Waits until `check` returns a truthy value and returns it. */
async function until(browser, what, check, timeout = TIMEOUT) {
  let last;
  await browser.waitUntil(
    async () => {
      last = await check();
      return Boolean(last);
    },
    { timeout, interval: 50, timeoutMsg: `timed out waiting for ${what}` },
  ).catch(async (error) => {
    throw new Error(`${error.message}\n  the window then: ${await windowSnapshot(browser)}`);
  });
  return last;
}

/** What the window showed when a wait timed out: the connection, the messages it gave, the form. */
async function windowSnapshot(browser) {
  try {
    return await browser.execute(() => {
      const text = (id) => {
        const element = document.getElementById(id);
        if (!element) return "absent";
        if (element.hidden || element.offsetParent === null) return "hidden";
        return JSON.stringify((element.textContent ?? "").trim().slice(0, 300));
      };
      const value = (id) => JSON.stringify(document.getElementById(id)?.value ?? null);
      const light = document.getElementById("status-light")?.getAttribute("data-state") ?? "absent";
      const busy = [...document.querySelectorAll('[aria-busy="true"]')].map((e) => e.id || e.className).join(",");
      return [
        `state=${light}`, `status=${text("status-text")}`, `banner=${text("banner")}`, `url=${value("url")}`,
        `url-note=${text("url-preview")}`, `key-error=${text("key-error")}`, `busy=[${busy}]`,
        `focus=#${document.activeElement?.id ?? ""}`,
      ].join(" ");
    });
  } catch (error) {
    return `(not readable: ${error.message})`;
  }
}

/**
 * A screenshot once the page has settled: fonts loaded, no transition or finite animation
 * running (a pulsing light never ends), then two animation frames (a WebDriver screenshot can lag a frame).
 */
async function screenshot(browser, name) {
  await until(browser, "the page to settle", async () =>
    browser.executeAsync((done) =>
      document.fonts.ready.then(() =>
        done(
          document
            .getAnimations()
            .every((a) => a.playState !== "running" || a.effect?.getComputedTiming().iterations === Infinity),
        ),
      ),
    ),
  );
  await browser.executeAsync((done) => requestAnimationFrame(() => requestAnimationFrame(() => done())));
  await browser.saveScreenshot(`${ARTIFACTS}/${name}.png`);
}

/** Waits until the fake has received no new request for a few polls in a row; the count. */
async function quietRequests(browser, fake) {
  let last = -1;
  let same = 0;
  await until(browser, "the server to go quiet", async () => {
    const count = (await fake.requests()).length;
    same = count === last ? same + 1 : 0;
    last = count;
    return same >= 4;
  });
  return last;
}

async function openDrawer(browser) {
  const url = await browser.$("#url");
  if (!(await url.isDisplayed())) {
    await browser.$("#drawer-toggle").click();
    await url.waitForDisplayed({ timeout: TIMEOUT });
  }
}

async function setField(browser, selector, value) {
  // A field under a collapsed section (the drawer's "Advanced") is opened to, as a person would.
  await browser.execute((selector) => {
    for (let details = document.querySelector(selector)?.closest("details:not([open])"); details; details = details.parentElement?.closest("details:not([open])")) {
      details.open = true;
    }
  }, selector);
  const field = await browser.$(selector);
  await field.waitForDisplayed({ timeout: TIMEOUT });
  await field.clearValue();
  if (value !== "") await field.setValue(value);
}

async function connectionState(browser) {
  return (await browser.$("#status-light")).getAttribute("data-state");
}

async function lastAssistant(browser) {
  const messages = await browser.$$('#messages .message[data-role="assistant"]');
  if (messages.length === 0) return null;
  const last = messages[messages.length - 1];
  return {
    state: await last.getAttribute("data-state"),
    text: await last.$(".message-content").getText(),
    element: last,
  };
}

/** Waits for the launch's reconnection to the saved profile, connecting by hand if it did not. */
async function connectSaved(browser) {
  await until(browser, "reconnected to the saved profile", async () => {
    const state = await connectionState(browser);
    return state === "connected" || state === "idle" ? state : null;
  });
  if ((await connectionState(browser)) !== "connected") {
    await openDrawer(browser);
    await (await browser.$("#connect")).click();
    await until(browser, "connected", async () => (await connectionState(browser)) === "connected");
  }
}

/** Waits until the reply is streaming and has some text. */
async function someStreamedText(browser) {
  await until(browser, "some streamed text", async () => {
    const last = await lastAssistant(browser);
    return last && last.state === "streaming" && last.text.length > 12;
  });
}

async function send(browser, text) {
  const composer = await browser.$("#composer");
  await composer.click();
  await composer.setValue(text);
  await browser.keys("Enter");
}

async function pageHtml(browser) {
  return browser.execute(() => document.documentElement.outerHTML);
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

// ----- the tests -----

const tests = [];
const test = (name, fn) => tests.push({ name, fn });
let fake;
let claude;
let kobold;
let horde;
let united;
let novelai;
let ooba;
let mancer;

/** The text of the found-server row of `source`, once it is listed. */
async function foundServer(browser, source) {
  return until(browser, `the ${source} server found`, () =>
    browser.execute((source) => {
      const row = document.querySelector(`[data-testid="found-server"][data-source="${source}"]`);
      return row ? row.textContent : null;
    }, source),
  );
}

test("connect with a key, pick a model from the dropdown, stream a reply", async () => {
  const browser = await openApp();
  try {
    await openDrawer(browser);
    // First launch: the panel has already looked for local servers and offers what it found.
    const found = await foundServer(browser, "koboldcpp");
    assert(found.includes("KoboldCpp 1.76"), `found: ${found}`);
    await screenshot(browser, "first-launch-light");
    await (await browser.$("#source")).selectByAttribute("value", "custom");
    await setField(browser, "#url", `${fake.url}/v1/chat/completions`);
    await until(browser, "the URL preview", async () =>
      (await (await browser.$("#url-preview")).getText()).includes(fake.url),
    );
    await setField(browser, "#profile-name", "E2E local");
    await setField(browser, "#api-key", KEY);
    await (await browser.$("#connect")).click();
    await until(browser, "connected", async () => (await connectionState(browser)) === "connected");

    // The key went to the keychain: the field is empty and only "saved" is shown.
    assert((await (await browser.$("#api-key")).getValue()) === "", "the key field was not cleared");
    assert(/saved/i.test(await (await browser.$("#key-status")).getText()), "no 'key saved' status");

    const select = await browser.$("#model-select");
    await select.waitForDisplayed({ timeout: TIMEOUT });
    await until(browser, "the model list", () =>
      browser.execute(() => {
        const values = Array.from(document.querySelectorAll("#model-select option")).map((o) => o.value);
        return values.includes("fake-model-1") && values.includes("fake-model-2");
      }),
    );
    await select.selectByAttribute("value", "fake-model-2");

    await send(browser, "hello");
    const reply = await until(browser, "the streamed reply", async () => {
      const last = await lastAssistant(browser);
      return last && last.state === "complete" ? last : null;
    });
    assert(reply.text.trim() === REPLY_TEXT, `reply: ${JSON.stringify(reply.text)}`);

    const chats = (await fake.requests()).filter((r) => r.path.endsWith("/chat/completions"));
    const body = JSON.parse(chats[chats.length - 1].body);
    assert(body.model === "fake-model-2", `model sent: ${body.model}`);
    assert(body.stream === true, "the reply was not streamed");
    assert(chats[chats.length - 1].headers.some(([k, v]) => k === "authorization" && v === `Bearer ${KEY}`), "key not sent");

    const html = await pageHtml(browser);
    assert(!html.includes(KEY) && !html.includes("31337"), "the key is in the page");
    await screenshot(browser, "chat-light");
    await browser.setWindowSize(800, 600);
    await screenshot(browser, "chat-light-800x600");
  } finally {
    await closeApp(browser);
  }
});

test("Stop (Esc) keeps the partial text of a slow stream", async () => {
  await fake.scenario("slow");
  const browser = await openApp();
  try {
    await connectSaved(browser);
    await send(browser, "count slowly");
    await someStreamedText(browser);
    assert(await (await browser.$("#stop")).isDisplayed(), "Stop is not shown while streaming");
    await browser.keys("Escape");
    const stopped = await until(browser, "the stopped reply", async () => {
      const last = await lastAssistant(browser);
      return last && last.state === "stopped" ? last : null;
    });
    const full = Array.from({ length: 100 }, (_, i) => `s${i + 1} `).join("");
    assert(stopped.text.length > 0 && stopped.text.length < full.trim().length, `partial: ${stopped.text.length}`);
    assert(full.startsWith(stopped.text.trim()), `not a prefix: ${stopped.text}`);
    await screenshot(browser, "stopped-light");
    await openDrawer(browser);
    await screenshot(browser, "connect-light");
  } finally {
    await closeApp(browser);
    await fake.scenario("normal");
  }
});

/** The text of the reply being streamed, as saved in the app's database so far ("" if none). */
function savedStreamingText() {
  const db = `${required("SWITCHBOARD_DATA_DIR")}/switchboard.db`;
  const query =
    "import sqlite3,sys\n" +
    "c=sqlite3.connect('file:'+sys.argv[1]+'?mode=ro',uri=True)\n" +
    "r=c.execute(\"SELECT content FROM messages WHERE role='assistant' AND state='streaming' ORDER BY created_at DESC LIMIT 1\").fetchone()\n" +
    "print(r[0] if r else '',end='')";
  return execFileSync("python3", ["-c", query, db], { encoding: "utf8" });
}

test("the app killed (SIGKILL) mid-reply: on the next start the partial reply is there, interrupted", async () => {
  await fake.scenario("slow");
  let browser = await openApp();
  let seen = "";
  try {
    await connectSaved(browser);
    await send(browser, "count until the crash");
    await someStreamedText(browser);
    // Past the reply's first save (once a second while streaming): read from the database.
    await until(browser, "the streaming reply saved", async () => savedStreamingText().length >= 12, 20000);
    seen = (await lastAssistant(browser)).text.trim();
    const pids = execFileSync("pgrep", ["-f", "-x", APP], { encoding: "utf8" }).trim().split(/\s+/).map(Number);
    assert(pids.length === 1, `app processes: ${pids}`);
    process.kill(pids[0], "SIGKILL");
  } finally {
    await closeApp(browser);
  }
  browser = await openApp();
  try {
    await browser.execute(() => document.querySelector("#chat-list [data-chat-id]").click());
    const last = await until(browser, "the interrupted reply", async () => {
      const reply = await lastAssistant(browser);
      return reply && reply.state === "interrupted" ? reply : null;
    });
    const full = Array.from({ length: 100 }, (_, i) => `s${i + 1}`).join(" ");
    const text = last.text.trim();
    assert(text.length >= 12 && full.startsWith(text), `kept: ${JSON.stringify(text)}`);
    assert(text.length <= seen.length + 40, `kept more than was streamed: ${text.length} vs ${seen.length}`);
    await screenshot(browser, "interrupted-light");
  } finally {
    await closeApp(browser);
    await fake.scenario("normal");
  }
});

test("a reply with an XSS payload renders inert", async () => {
  const payload = [
    "Safe **bold** and a [good link](https://example.com).",
    "",
    '<img src=x onerror="window.__xss=\'img\'">',
    "<script>window.__xss='script'</script>",
    "[click me](javascript:window.__xss='link')",
    '<a href="javascript:window.__xss=\'a\'">anchor</a>',
    '<iframe src="javascript:window.__xss=\'iframe\'"></iframe>',
    '<svg onload="window.__xss=\'svg\'"></svg>',
    "",
    "```js",
    "console.log('code');",
    "```",
  ].join("\n");
  await fake.scenario("normal", payload);
  const browser = await openApp();
  try {
    await until(browser, "connected", async () => (await connectionState(browser)) === "connected");
    await send(browser, "show me html");
    const reply = await until(browser, "the reply", async () => {
      const last = await lastAssistant(browser);
      return last && last.state === "complete" ? last : null;
    });
    const report = await browser.execute((el) => {
      const content = el.querySelector(".message-content");
      return {
        xss: window.__xss ?? null,
        dangerous: content.querySelectorAll("img, script, iframe, svg, object, embed, style, form").length,
        hrefs: Array.from(content.querySelectorAll("a")).map((a) => a.getAttribute("href")),
        handlers: Array.from(content.querySelectorAll("*")).flatMap((n) =>
          Array.from(n.attributes).filter((a) => a.name.startsWith("on")).map((a) => a.name),
        ),
        bold: content.querySelectorAll("strong").length,
        code: content.querySelectorAll("pre code").length,
      };
    }, reply.element);
    assert(report.xss === null, `script ran: ${report.xss}`);
    assert(report.dangerous === 0, `${report.dangerous} dangerous elements survived`);
    assert(report.handlers.length === 0, `event handlers survived: ${report.handlers}`);
    assert(report.hrefs.every((h) => h === null || /^(https?:|mailto:)/.test(h)), `hrefs: ${report.hrefs}`);
    assert(report.bold === 1 && report.code === 1, "ordinary markdown did not render");
    const link = await reply.element.$("a*=click me");
    if (await link.isExisting()) await link.click();
    // Not synchronisation: the window in which a script from the link must not run.
    await browser.pause(200);
    assert((await browser.execute(() => window.__xss ?? null)) === null, "clicking the link ran script");
    await screenshot(browser, "markdown-light");
  } finally {
    await closeApp(browser);
    await fake.scenario("normal");
  }
});

test("the page's content policy and permissions refuse what it does not need", async () => {
  const browser = await openApp();
  try {
    // The app's own status check on launch (from Rust, not the page) comes first.
    await until(browser, "the launch's connection settled", async () => {
      const state = await connectionState(browser);
      return state === "connected" || state === "idle" || state === "failed" ? state : null;
    });
    // The window's own requests after connecting (the model list) are over.
    const before = await quietRequests(browser, fake);
    const report = await browser.executeAsync(async (target, done) => {
      const out = {};
      // Network from the page: only IPC is allowed.
      try {
        await fetch(`${target}/v1/models`);
        out.fetch = "allowed";
      } catch (error) {
        out.fetch = `refused: ${error}`;
      }
      await new Promise((resolve) => {
        const img = new Image();
        img.onload = () => ((out.image = "loaded"), resolve());
        img.onerror = () => ((out.image = "refused"), resolve());
        img.src = `${target}/pixel.png`;
      });
      // Script that is not the app's own.
      try {
        out.eval = String(eval("6 * 7"));
      } catch (error) {
        out.eval = `refused: ${error.name}`;
      }
      const script = document.createElement("script");
      script.textContent = "window.__inline = 'ran'";
      document.body.append(script);
      out.inline = window.__inline ?? "did not run";
      const frame = document.createElement("iframe");
      frame.src = `${target}/v1/models`;
      document.body.append(frame);
      // Commands beyond the app's own and its events.
      const invoke = window.__TAURI_INTERNALS__.invoke;
      for (const [name, cmd, args] of [
        ["opener", "plugin:opener|open_url", { url: "https://example.com" }],
        ["emit", "plugin:event|emit", { event: "tray-action", payload: "newChat" }],
        ["window", "plugin:window|close", { label: "main" }],
        ["path", "plugin:path|resolve_directory", { directory: 1 }],
      ]) {
        try {
          await invoke(cmd, args);
          out[name] = "allowed";
        } catch (error) {
          out[name] = `refused: ${error}`;
        }
      }
      // The app's own commands still work.
      out.own = Array.isArray(await invoke("list_sources")) ? "works" : "broken";
      // Not synchronisation: the window in which the frame must not reach the server.
      setTimeout(() => done(out), 300);
    }, fake.url);
    assert(report.fetch.startsWith("refused"), `fetch: ${report.fetch}`);
    assert(report.image === "refused", `image: ${report.image}`);
    assert(report.eval.startsWith("refused"), `eval: ${report.eval}`);
    assert(report.inline === "did not run", `inline script: ${report.inline}`);
    for (const name of ["opener", "emit", "window", "path"]) {
      assert(report[name].startsWith("refused") && /not allowed|denied|permission/i.test(report[name]), `${name}: ${report[name]}`);
    }
    assert(report.own === "works", `own commands: ${report.own}`);
    const after = await fake.requests();
    assert(after.length === before, `the page reached the server: ${JSON.stringify(after.slice(before).map((r) => r.path))}`);
    assert(await (await browser.$("#composer")).isExisting(), "the window went away");
  } finally {
    await closeApp(browser);
  }
});

registerNavigationTests(test, {
  openApp, closeApp, until, assert, screenshot, send, lastAssistant, connectionState, fake: () => fake,
});

registerUndoTests(test, {
  openApp, closeApp, until, assert, screenshot, cli, openDrawer, fake: () => fake, key: KEY,
});

registerFilesTests(test, { openApp, closeApp, until, assert, screenshot, press, appPath: APP, cliPath: CLI });

test("a wrong key shows the auth error at the key field", async () => {
  const browser = await openApp();
  try {
    await openDrawer(browser);
    await setField(browser, "#api-key", WRONG_KEY);
    await (await browser.$("#connect")).click();
    await until(browser, "failed", async () => (await connectionState(browser)) === "failed");
    const error = await browser.$("#key-error");
    await error.waitForDisplayed({ timeout: TIMEOUT });
    const text = await error.getText();
    assert(/key/i.test(text) && text.includes("E2E local"), `key error: ${text}`);
    const focused = await browser.execute(() => document.activeElement?.id ?? "");
    assert(focused === "api-key", `focus is on #${focused}`);
    const html = await pageHtml(browser);
    assert(!html.includes(WRONG_KEY) && !html.includes(KEY), "a key is in the page");
    await screenshot(browser, "auth-error-light");

    // Put the right key back: the error goes away.
    await setField(browser, "#api-key", KEY);
    await (await browser.$("#connect")).click();
    await until(browser, "connected", async () => (await connectionState(browser)) === "connected");
  } finally {
    await closeApp(browser);
  }
});

test("keyboard only: shortcuts, Tab to Connect, Enter to send, Shift+Enter for a new line", async () => {
  const browser = await openApp();
  const focused = () => browser.execute(() => document.activeElement?.id ?? "");
  try {
    await until(browser, "connected", async () => (await connectionState(browser)) === "connected");
    await browser.keys([Key.Ctrl, "n"]);
    await until(browser, "an empty new chat", async () => (await browser.$$("#messages .message")).length === 0);
    assert((await focused()) === "composer", `after Ctrl+N focus is on #${await focused()}`);

    await browser.keys([Key.Ctrl, "k"]);
    await (await browser.$("#url")).waitForDisplayed({ timeout: TIMEOUT });
    let tabs = 0;
    while ((await focused()) !== "connect" && tabs < 40) {
      await browser.keys(Key.Tab);
      tabs += 1;
    }
    assert((await focused()) === "connect", "Tab never reached Connect");
    const ring = await browser.execute(() => getComputedStyle(document.activeElement).outlineStyle);
    assert(ring !== "none", "the focused button shows no focus ring");
    await browser.keys(Key.Enter);
    await until(browser, "connected again", async () => (await connectionState(browser)) === "connected");
    await browser.keys([Key.Ctrl, "k"]);
    await until(browser, "the composer focused", async () => (await focused()) === "composer");

    await browser.keys("line one".split(""));
    await browser.keys([Key.Shift, Key.Enter]);
    await browser.keys("line two".split(""));
    const draft = await (await browser.$("#composer")).getValue();
    assert(draft === "line one\nline two", `composer: ${JSON.stringify(draft)}`);
    await browser.keys(Key.Enter);
    const reply = await until(browser, "the reply", async () => {
      const last = await lastAssistant(browser);
      return last && last.state === "complete" ? last : null;
    });
    assert(reply.text.trim() === REPLY_TEXT, `reply: ${reply.text}`);
    const sent = await browser.execute(() =>
      document.querySelector('#messages .message[data-role="user"] .message-content')?.textContent ?? "",
    );
    assert(sent.includes("line one") && sent.includes("line two"), `sent: ${sent}`);
  } finally {
    await closeApp(browser);
  }
});

test("a second launch hands over to the running window and exits", async () => {
  const browser = await openApp();
  try {
    const second = spawn(APP, [], { stdio: "ignore" });
    const code = await new Promise((resolve) => {
      const timer = setTimeout(() => {
        second.kill("SIGKILL");
        resolve("still running after 15 s");
      }, 15_000);
      second.once("exit", (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    assert(code === 0, `the second instance: ${code}`);
    // The first one is still there and answering.
    assert(await (await browser.$("#composer")).isExisting(), "the first window went away");
  } finally {
    await closeApp(browser);
  }
});

test("Claude: reasoning streams collapsed, Stop keeps the text, the request preview shows the conversion", async () => {
  await claude.scenario("reasoning");
  const browser = await openApp();
  try {
    await openDrawer(browser);
    await (await browser.$("#profile-switcher")).selectByAttribute("value", "");
    await (await browser.$("#source")).selectByAttribute("value", "claude");
    await setField(browser, "#url", claude.url);
    await setField(browser, "#profile-name", "E2E Claude");
    await setField(browser, "#api-key", CLAUDE_KEY);
    await (await browser.$("#connect")).click();
    await until(browser, "connected to Claude", async () => (await connectionState(browser)) === "connected");
    // The list may fill in just after the light turns green.
    await until(browser, "Claude's models", () =>
      browser.execute(() =>
        Array.from(document.querySelectorAll("#model-select option")).some((o) => o.value === "fake-model-1"),
      ),
    );
    const modelSelect = await browser.$("#model-select");
    await modelSelect.scrollIntoView();
    await screenshot(browser, "claude-connected-light");
    await modelSelect.selectByAttribute("value", "fake-model-1");
    await browser.execute(() => {
      const section = document.querySelector("#generation-settings");
      if (section && !section.open) section.open = true;
    });
    const prefill = await browser.$("#prefill");
    assert(await prefill.isDisplayed(), "no prefill field for Claude");

    await browser.keys([Key.Ctrl, "n"]);
    await send(browser, "think first");
    const reply = await until(browser, "the Claude reply", async () => {
      const last = await lastAssistant(browser);
      return last && last.state === "complete" ? last : null;
    });
    assert(reply.text.trim().endsWith(REPLY_TEXT), `reply: ${reply.text}`);
    const reasoning = await browser.execute((el) => {
      const details = el.querySelector("details.reasoning");
      return details ? { open: details.open, text: details.textContent } : null;
    }, reply.element);
    assert(reasoning && !reasoning.open && reasoning.text.includes(REASONING_TEXT), `reasoning: ${JSON.stringify(reasoning)}`);
    const sent = (await claude.requests()).filter((r) => r.path.endsWith("/v1/messages")).pop();
    assert(sent.headers.some(([k, v]) => k === "x-api-key" && v === CLAUDE_KEY), "x-api-key not sent");

    // The request preview of the next message: the system prompt apart, alternating turns.
    await (await browser.$("#composer")).setValue("and now?");
    await (await browser.$("#preview-request")).click();
    const panel = await browser.$("#request-preview");
    await panel.waitForDisplayed({ timeout: TIMEOUT });
    const shown = await panel.getText();
    assert(shown.includes("/v1/messages") && shown.includes("x-api-key: <redacted>"), `preview: ${shown}`);
    assert(shown.includes('"role": "assistant"') && shown.includes("and now?"), `preview body: ${shown}`);
    assert(!shown.includes(CLAUDE_KEY), "the preview shows the key");
    await screenshot(browser, "request-preview-light");
    await browser.keys("Escape");
    await panel.waitForDisplayed({ timeout: TIMEOUT, reverse: true });

    // Stop mid-stream keeps the partial reply.
    await claude.scenario("slow");
    await send(browser, "count slowly");
    await someStreamedText(browser);
    await browser.keys("Escape");
    const stopped = await until(browser, "the stopped reply", async () => {
      const last = await lastAssistant(browser);
      return last && last.state === "stopped" ? last : null;
    });
    assert(stopped.text.trim().length > 0, "the partial text is gone");
  } finally {
    await closeApp(browser);
  }
});

/** Runs switchboard-cli on the app's data (the environment's SWITCHBOARD_DATA_DIR). */
function cli(args, input = "") {
  return execFileSync(CLI, args, { input, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] });
}

/** `name: value` lines back into pairs (split at the first ": "). */
function headerPairs(text) {
  if (text === "(none)") return [];
  return text.split("\n").map((line) => {
    const at = line.indexOf(": ");
    return [line.slice(0, at), line.slice(at + 2)];
  });
}

test("Show request shows the very request the server then receives, secrets masked only in the window", async () => {
  const server = await startFake(["--api-key", SHOW_KEY]);
  const name = "E2E Show request";
  // A key and a secret extra header (the window has no field for headers: the CLI adds them).
  cli([
    "profile", "add", name, "--source", "custom", "--url", `${server.url}/v1`, "--model", "fake-model-2",
    "--system", "Answer in one line.", "--temperature", "0.7", "--header", `X-E2E-Secret: ${HEADER_SECRET}`,
  ]);
  cli(["key", "set", name], SHOW_KEY);
  const browser = await openApp();
  try {
    await openDrawer(browser);
    const id = await until(browser, "the profile in the switcher", () =>
      browser.execute(
        (name) => Array.from(document.querySelectorAll("#profile-switcher option")).find((o) => o.textContent.trim() === name)?.value ?? null,
        name,
      ),
    );
    await (await browser.$("#profile-switcher")).selectByAttribute("value", id);
    await until(browser, "connected", async () => (await connectionState(browser)) === "connected");
    await browser.keys([Key.Ctrl, "n"]);

    const text = 'Show me — exactly ✓ "quoted" <b>markup</b> & a tab-free line';
    const composer = await browser.$("#composer");
    await composer.setValue(text);
    await (await browser.$("#preview-request")).click();
    const panel = await browser.$("#request-preview");
    await panel.waitForDisplayed({ timeout: TIMEOUT });
    const shown = await browser.execute(() => ({
      line: document.querySelector("#request-preview-line").textContent,
      headers: document.querySelector("#request-preview-headers").textContent,
      body: document.querySelector("#request-preview-body").textContent,
    }));
    const html = await pageHtml(browser);
    for (const secret of [SHOW_KEY, HEADER_SECRET]) assert(!html.includes(secret), `the window shows a secret: ${secret}`);
    await browser.keys("Escape");
    await panel.waitForDisplayed({ timeout: TIMEOUT, reverse: true });

    // Send that message as it is.
    const before = (await server.requests()).length;
    assert((await composer.getValue()) === text, "the composer lost the text");
    await composer.click();
    await browser.keys("Enter");
    await until(browser, "the reply", async () => {
      const last = await lastAssistant(browser);
      return last && last.state === "complete" ? last : null;
    });
    const posts = (await server.requests()).slice(before).filter((r) => r.method === "POST");
    assert(posts.length === 1, `${posts.length} POSTs reached the server`);
    const got = posts[0];

    // Method and URL.
    const url = `${server.url}${got.path}${got.query ? `?${got.query}` : ""}`;
    assert(shown.line === `${got.method} ${url}`, `shown "${shown.line}", received "${got.method} ${url}"`);
    // Every header shown was received with that value, a secret in place of <redacted>.
    const pairs = headerPairs(shown.headers);
    const secretOf = { authorization: SHOW_KEY, "x-e2e-secret": HEADER_SECRET };
    for (const [header, value] of pairs) {
      const key = header.toLowerCase();
      const received = got.headers.filter(([k]) => k === key).map(([, v]) => v);
      const expected = value.includes("<redacted>") ? value.replace("<redacted>", secretOf[key] ?? "?") : value;
      assert(received.length === 1 && received[0] === expected, `header ${header}: shown "${value}", received ${JSON.stringify(received)}`);
    }
    const shownAs = (header) => pairs.find(([n]) => n.toLowerCase() === header)?.[1];
    assert(shownAs("authorization") === "Bearer <redacted>", `authorization shown as ${shownAs("authorization")}`);
    assert(shownAs("x-e2e-secret") === "<redacted>", `x-e2e-secret shown as ${shownAs("x-e2e-secret")}`);
    // Nothing else was sent but what the HTTP client adds to every request on its own, with
    // the values it always has (the window shows the request Switchboard builds).
    const clientOwn = {
      host: (v) => v === new URL(server.url).host,
      "content-length": (v) => v === String(Buffer.byteLength(got.body)),
      "accept-encoding": () => true,
      connection: () => true,
      accept: (v) => v === "*/*",
      "user-agent": (v) => /^Switchboard\/\d/.test(v),
    };
    const unshown = got.headers.filter(([k, v]) => !pairs.some(([n]) => n.toLowerCase() === k) && !clientOwn[k]?.(v));
    assert(unshown.length === 0, `received but not shown: ${JSON.stringify(unshown.map(([k]) => k))}`);
    // The body: the window pretty-prints the JSON; written compactly it is the bytes received.
    assert(JSON.stringify(JSON.parse(shown.body)) === got.body, `body shown:\n${shown.body}\nreceived:\n${got.body}`);
    assert(got.body.includes(JSON.stringify(text)), `the message is not in the body: ${got.body}`);
  } finally {
    await closeApp(browser);
  }
});

test("Find local servers adds KoboldCpp: the template's prompt, history left out, Stop aborts on the server", async () => {
  const browser = await openApp();
  try {
    await openDrawer(browser);
    await browser.execute(() => document.querySelector('[data-testid="find-servers"]').click());
    await foundServer(browser, "koboldcpp");
    await browser.execute(() =>
      document
        .querySelector('[data-testid="found-server"][data-source="koboldcpp"] [data-testid="found-server-add"]')
        .click(),
    );
    await until(browser, "connected", async () => (await connectionState(browser)) === "connected");

    await send(browser, "hello kobold");
    const reply = await until(browser, "the streamed reply", async () => {
      const last = await lastAssistant(browser);
      return last && last.state === "complete" ? last : null;
    });
    assert(reply.text.trim() === REPLY_TEXT, `reply: ${JSON.stringify(reply.text)}`);
    const generations = (await kobold.requests()).filter((r) => r.path === "/api/extra/generate/stream");
    const body = JSON.parse(generations[generations.length - 1].body);
    assert(
      body.prompt.endsWith("<|im_start|>user\nhello kobold<|im_end|>\n<|im_start|>assistant\n"),
      `prompt: ${JSON.stringify(body.prompt)}`,
    );
    assert(body.stop_sequence.includes("<|im_end|>"), `stops: ${body.stop_sequence}`);

    // A context too small for the history: the oldest messages are left out, and the reply says so.
    await openDrawer(browser);
    await setField(browser, "#context-size", "64");
    await (await browser.$("#connect")).click();
    await until(browser, "connected", async () => (await connectionState(browser)) === "connected");
    await send(browser, "and again");
    const trimmed = await until(browser, "the history-trimmed note", async () => {
      const last = await lastAssistant(browser);
      if (!last || last.state !== "complete") return null;
      const note = await last.element.$('[data-testid="history-trimmed"]');
      return (await note.isExisting()) ? note.getText() : null;
    });
    assert(/left out/.test(trimmed) && trimmed.includes("64"), `note: ${trimmed}`);
    const last = (await kobold.requests()).filter((r) => r.path === "/api/extra/generate/stream").pop();
    const trimmedBody = JSON.parse(last.body);
    assert(!trimmedBody.prompt.includes("hello kobold"), "the oldest message was still sent");
    assert(trimmedBody.max_context_length === 64, `context: ${trimmedBody.max_context_length}`);
    await screenshot(browser, "kobold-trimmed-light");

    // Stop: the generation is aborted on the server, the partial reply kept.
    await kobold.scenario("slow");
    await send(browser, "count slowly");
    await someStreamedText(browser);
    await browser.keys("Escape");
    await until(browser, "the stopped reply", async () => {
      const last = await lastAssistant(browser);
      return last && last.state === "stopped" && last.text.trim().length > 0 ? last : null;
    });
    const aborts = await until(browser, "the abort at the server", async () => {
      const list = await kobold.stops("aborts");
      return list.length > 0 ? list : null;
    });
    assert(aborts.length === 1 && aborts[0].genkey?.startsWith("KCPP"), `aborts: ${JSON.stringify(aborts)}`);
  } finally {
    await closeApp(browser);
    await kobold.scenario("normal");
  }
});

test("AI Horde anonymously: queue progress while waiting, the reply, Stop cancels the request", async () => {
  const browser = await openApp();
  try {
    await openDrawer(browser);
    await (await browser.$("#profile-switcher")).selectByAttribute("value", "");
    await (await browser.$("#source")).selectByAttribute("value", "horde");
    await setField(browser, "#url", `${horde.url}/api/v2`);
    await setField(browser, "#profile-name", "E2E Horde");
    await (await browser.$("#connect")).click();
    await until(browser, "connected", async () => (await connectionState(browser)) === "connected");
    const options = await until(browser, "the Horde's models", () =>
      browser.execute(() => {
        const boxes = document.querySelectorAll('[data-testid="model-multi"] input[type=checkbox]');
        return boxes.length > 0 ? Array.from(boxes).map((b) => b.value) : null;
      }),
    );
    assert(options.includes("fake-model-1"), `models: ${options}`);

    await send(browser, "hello horde");
    const reply = await until(browser, "the Horde's reply", async () => {
      const last = await lastAssistant(browser);
      return last && ["complete", "failed", "stopped"].includes(last.state) ? last : null;
    });
    const error = await reply.element.$(".message-error").getText();
    assert(reply.state === "complete" && reply.text.trim() === REPLY_TEXT, `reply (${reply.state}): ${reply.text} ${error}`);
    const submit = (await horde.requests()).find((r) => r.path === "/api/v2/generate/text/async");
    const header = (name) => submit.headers.find(([k]) => k === name)?.[1];
    assert(header("apikey") === "0000000000", `apikey: ${header("apikey")}`);
    assert(header("client-agent")?.startsWith("Switchboard:"), `client-agent: ${header("client-agent")}`);

    // A long queue: its position shows and updates; Stop cancels the request on the Horde.
    await horde.scenario("slow");
    await send(browser, "wait in line");
    const queue = await until(browser, "the queue position", () =>
      browser.execute(() => {
        const replies = document.querySelectorAll('#messages .message[data-role="assistant"]');
        const last = replies[replies.length - 1];
        const line = last?.querySelector('[data-testid="queue-status"]')?.textContent ?? "";
        return /position \d+/.test(line) ? line : null;
      }),
    );
    assert(/queue/i.test(queue) && /position \d+/.test(queue), `queue: ${queue}`);
    await screenshot(browser, "horde-queue-light");
    await browser.keys("Escape");
    await until(browser, "the stopped reply", async () => {
      const last = await lastAssistant(browser);
      return last && last.state === "stopped" ? last : null;
    });
    const cancels = await until(browser, "the cancel at the Horde", async () => {
      const list = await horde.stops("cancels");
      return list.length > 0 ? list : null;
    });
    assert(cancels.length === 1, `cancels: ${JSON.stringify(cancels)}`);
  } finally {
    await closeApp(browser);
    await horde.scenario("normal");
  }
});

test("KoboldAI United, NovelAI, Oobabooga and Mancer: connect, list models, reply, stop", async () => {
  const cases = [
    { source: "kobold", server: united, path: "/api", model: "fake-model-1", streams: false },
    { source: "novelai", server: novelai, path: "", key: NOVELAI_KEY, model: "kayra-v1", streams: true },
    { source: "ooba", server: ooba, path: "/v1", model: "fake-model-1", streams: true },
    { source: "mancer", server: mancer, path: "/oai/v1", key: MANCER_KEY, model: "fake-model-2", streams: true },
  ];
  const browser = await openApp();
  try {
    for (const c of cases) {
      await openDrawer(browser);
      await (await browser.$("#profile-switcher")).selectByAttribute("value", "");
      await (await browser.$("#source")).selectByAttribute("value", c.source);
      await setField(browser, "#url", `${c.server.url}${c.path}`);
      await setField(browser, "#profile-name", `E2E ${c.source}`);
      if (c.key) await setField(browser, "#api-key", c.key);
      await (await browser.$("#connect")).click();
      await until(browser, `${c.source} connected`, async () => (await connectionState(browser)) === "connected");
      let options = [];
      try {
        await until(browser, `${c.source}'s models`, async () => {
          options = await browser.execute(() =>
            Array.from(document.querySelectorAll("#model-select option")).map((o) => o.value),
          );
          return options.includes(c.model);
        });
      } catch (error) {
        throw new Error(`${error.message}; models: ${options}`);
      }
      // Chosen from the page: a model that is already selected fires no change from WebDriver.
      await browser.execute((model) => {
        const select = document.querySelector("#model-select");
        select.value = model;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }, c.model);
      let status = "";
      try {
        await until(browser, `${c.source} model saved`, async () => {
          status = await browser.execute(() => document.querySelector("#status-text")?.textContent ?? "");
          return status.includes(c.model);
        });
      } catch (error) {
        throw new Error(`${error.message}; status: ${status}`);
      }

      await send(browser, `hello ${c.source}`);
      const reply = await until(browser, `${c.source}'s reply`, async () => {
        const last = await lastAssistant(browser);
        return last && ["complete", "failed"].includes(last.state) ? last : null;
      });
      const error = await reply.element.$(".message-error").getText();
      assert(reply.state === "complete" && reply.text.trim() === REPLY_TEXT, `${c.source} (${reply.state}): ${reply.text} ${error}`);
      const posts = (await c.server.requests()).filter((r) => r.method === "POST");
      const body = JSON.parse(posts[posts.length - 1].body);
      const prompt = body.prompt ?? body.input;
      assert(typeof prompt === "string" && prompt.includes(`hello ${c.source}`), `${c.source} prompt: ${prompt}`);

      await c.server.scenario("slow");
      const postsBefore = (await c.server.requests()).filter((r) => r.method === "POST").length;
      await send(browser, "count slowly");
      if (c.streams) {
        await until(browser, `${c.source} streaming`, async () => {
          const last = await lastAssistant(browser);
          return last && last.state === "streaming" && last.text.length > 12;
        });
      } else {
        await until(browser, `${c.source} working`, async () => (await lastAssistant(browser))?.state === "streaming");
        // Stopped once the server has the request (the reply comes only at the end).
        await until(browser, `${c.source} has the request`, async () =>
          (await c.server.requests()).filter((r) => r.method === "POST").length > postsBefore);
      }
      await browser.keys("Escape");
      await until(browser, `${c.source} stopped`, async () => (await lastAssistant(browser))?.state === "stopped");
      await c.server.scenario("normal");
    }
    const html = await pageHtml(browser);
    assert(!html.includes(NOVELAI_KEY) && !html.includes(MANCER_KEY), "a key is in the page");
    await screenshot(browser, "text-sources-light");
  } finally {
    await closeApp(browser);
  }
});

/** Clicks the `testid` control inside `root` (or the page) from the page itself. */
async function press(browser, testid, rootSelector = null) {
  const ok = await browser.execute(
    (testid, rootSelector) => {
      const root = rootSelector ? document.querySelector(rootSelector) : document;
      const all = root ? root.querySelectorAll(`[data-testid="${testid}"]`) : [];
      const target = all[all.length - 1];
      if (!target) return false;
      target.click();
      return true;
    },
    testid,
    rootSelector,
  );
  assert(ok, `no ${testid} to press`);
}

async function lastReplyText(browser) {
  return browser.execute(() => {
    const replies = document.querySelectorAll('#messages .message[data-role="assistant"]');
    const last = replies[replies.length - 1];
    return last ? last.querySelector(".message-content").textContent.trim() : null;
  });
}

async function swipeCounter(browser) {
  return browser.execute(() => {
    const replies = document.querySelectorAll('#messages .message[data-role="assistant"]');
    return replies[replies.length - 1]?.querySelector('[data-testid="swipe-counter"]')?.textContent ?? null;
  });
}

test("chats that last: two chats, swipes, an edit, a branch, all there after a restart", async () => {
  const SLOW = Array.from({ length: 100 }, (_, i) => `s${i + 1} `).join("").trim();
  let browser = await openApp();
  try {
    await openDrawer(browser);
    await (await browser.$("#profile-switcher")).selectByAttribute("value", "");
    await (await browser.$("#source")).selectByAttribute("value", "custom");
    await setField(browser, "#url", `${fake.url}/v1`);
    await setField(browser, "#profile-name", "E2E chats");
    await setField(browser, "#api-key", KEY);
    await (await browser.$("#connect")).click();
    await until(browser, "connected", async () => (await connectionState(browser)) === "connected");
    await browser.keys(["Control", "n"]);

    // Chat one: a reply, then a regenerated one (slow), then back to the first version.
    await send(browser, "first chat question");
    await until(browser, "the first reply", async () => (await lastAssistant(browser))?.state === "complete");
    await fake.scenario("slow");
    await press(browser, "regenerate");
    await until(browser, "the second version", async () => {
      const last = await lastAssistant(browser);
      return last && last.state === "complete" && (await lastReplyText(browser)) === SLOW;
    });
    assert((await swipeCounter(browser)) === "2/2", `counter: ${await swipeCounter(browser)}`);
    await fake.scenario("normal");
    await press(browser, "swipe-prev");
    await until(browser, "back to the first version", async () => (await lastReplyText(browser)) === REPLY_TEXT);
    assert((await swipeCounter(browser)) === "1/2", `counter: ${await swipeCounter(browser)}`);

    // Edit the question.
    await press(browser, "edit-message", '#messages .message[data-role="user"]');
    const editor = await browser.$('#messages .message[data-role="user"] textarea');
    await editor.waitForDisplayed({ timeout: TIMEOUT });
    await editor.clearValue();
    await editor.setValue("first chat question, edited");
    await press(browser, "edit-save");
    await until(browser, "the edited question", () =>
      browser.execute(() =>
        document.querySelector('#messages .message[data-role="user"] .message-content')?.textContent.includes("edited"),
      ),
    );

    // Branch from the reply: a new chat with the history so far.
    await press(browser, "branch-chat", '#messages .message[data-role="assistant"]');
    await until(browser, "the branch opened", () =>
      browser.execute(() => document.querySelector("#chat-title, .chat-title, h1")?.textContent?.includes("— branch at message") ?? false),
    );

    // Chat two.
    await browser.keys(["Control", "n"]);
    await send(browser, "second chat question");
    await until(browser, "the second chat's reply", async () => (await lastAssistant(browser))?.state === "complete");
    await screenshot(browser, "chats-light");
  } finally {
    await closeApp(browser);
  }

  // After a restart everything is where it was.
  browser = await openApp();
  try {
    const titles = await until(browser, "the chat list", () =>
      browser.execute(() => {
        const items = Array.from(document.querySelectorAll('[data-testid="chat-item"]')).map((i) => i.textContent);
        return items.length >= 3 ? items : null;
      }),
    );
    for (const want of ["first chat question", "— branch at message", "second chat question"]) {
      assert(titles.some((t) => t.includes(want)), `missing ${want} in ${JSON.stringify(titles)}`);
    }
    await browser.execute(() =>
      Array.from(document.querySelectorAll('[data-testid="chat-item"]'))
        .find((i) => i.textContent.includes("first chat question") && !i.textContent.includes("— branch at message"))
        .click(),
    );
    await until(browser, "the first chat reopened", () =>
      browser.execute(() =>
        document.querySelector('#messages .message[data-role="user"] .message-content')?.textContent.includes("edited"),
      ),
    );
    assert((await swipeCounter(browser)) === "1/2", `counter after restart: ${await swipeCounter(browser)}`);
    assert((await lastReplyText(browser)) === REPLY_TEXT, "the chosen version was not kept");
    await press(browser, "swipe-next");
    await until(browser, "the other version", async () => (await lastReplyText(browser)) === SLOW);
    // Search finds the edited text by its words, in any order and case, each word marked.
    const search = await browser.$('[data-testid="chat-search"]');
    await search.setValue("EDITED question");
    await until(browser, "a search hit with both words marked", () =>
      browser.execute(() =>
        Array.from(document.querySelectorAll('[data-testid="search-hit"] .chat-hit-snippet')).some(
          (snippet) => Array.from(snippet.querySelectorAll("mark"), (m) => m.textContent).join("|") === "question|edited",
        ),
      ),
    );
    await screenshot(browser, "chats-after-restart-light");
  } finally {
    await closeApp(browser);
  }
});

test("a damaged database: the window says why it cannot start, and the file is left as it is", async () => {
  const data = required("SWITCHBOARD_DATA_DIR");
  const aside = mkdtempSync(join(tmpdir(), "switchboard-db-aside-"));
  mkdirSync(data, { recursive: true });
  const moved = readdirSync(data).filter((name) => name.startsWith("switchboard.db"));
  for (const name of moved) renameSync(join(data, name), join(aside, name));
  const damaged = Buffer.alloc(8192, "not a database, just noise. ");
  writeFileSync(join(data, "switchboard.db"), damaged);
  try {
    const browser = await openApp(DRIVER_PORT, "#startup-problem-message");
    try {
      const title = await browser.execute(() => document.querySelector("h1")?.textContent);
      assert(title === "Switchboard cannot start", `title: ${title}`);
      const message = await browser.execute(() => document.getElementById("startup-problem-message")?.textContent);
      for (const part of [join(data, "switchboard.db"), "is damaged", "left the file as it is", ".bak"]) {
        assert(message.includes(part), `the message lacks ${part}: ${message}`);
      }
      assert(!(await (await browser.$("#composer")).isExisting()), "the chat opened over a damaged database");
      // On screen, not only in the document (the window stays hidden until it is ready).
      assert(await (await browser.$("#startup-problem-message")).isDisplayed(), "the reason is in the page but not shown");
      // No screenshot here: WebKitWebDriver's screenshot of this page never answers.
    } finally {
      await closeApp(browser);
    }
    assert(readFileSync(join(data, "switchboard.db")).equals(damaged), "the damaged file was changed");
  } finally {
    for (const name of readdirSync(data).filter((n) => n.startsWith("switchboard.db"))) rmSync(join(data, name));
    for (const name of moved) renameSync(join(aside, name), join(data, name));
    rmSync(aside, { recursive: true, force: true });
  }
});

test("the saved chat reopens with its stopped reply, in the dark theme", async () => {
  if (!DARK_DRIVER_PORT) throw new Error("E2E_DARK_DRIVER_PORT is not set");
  const browser = await openApp(DARK_DRIVER_PORT);
  try {
    const dark = await browser.execute(() => matchMedia("(prefers-color-scheme: dark)").matches);
    assert(dark, "the window is not in the dark theme");
    const items = await browser.$$("#chat-list [data-chat-id]");
    assert(items.length >= 1, "no saved chats are listed");
    // Clicked from the page: after a WebDriver click on a list entry that the re-render
    // replaces, WebKitWebDriver's next screenshot never answers.
    await browser.execute(() => document.querySelector("#chat-list [data-chat-id]").click());
    await until(browser, "the chat's messages", async () => (await browser.$$("#messages .message")).length >= 2);
    const states = await browser.execute(() =>
      Array.from(document.querySelectorAll("#messages .message")).map((m) => m.getAttribute("data-state")),
    );
    assert(states.includes("stopped") || states.includes("complete"), `states: ${states}`);
    await screenshot(browser, "chat-dark");
    await openDrawer(browser);
    await screenshot(browser, "connect-dark");
  } finally {
    await closeApp(browser);
  }
});

test("no key in any file the app wrote: database, WebKit storage and caches, config, logs", async () => {
  const keys = [KEY, CLAUDE_KEY, NOVELAI_KEY, MANCER_KEY, WRONG_KEY, SHOW_KEY, HEADER_SECRET];
  const needles = keys.flatMap((key) => [Buffer.from(key, "utf8"), Buffer.from(key, "utf16le")]);
  const roots = ["SWITCHBOARD_DATA_DIR", "HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"]
    .map((name) => process.env[name])
    .filter(Boolean)
    .concat([ARTIFACTS]);
  const scanned = [];
  const walk = (dir) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      // The keychain itself (encrypted on disk) is where keys belong.
      if (entry.isDirectory() && entry.name !== "keyrings") walk(path);
      else if (entry.isFile()) {
        const bytes = readFileSync(path);
        for (const needle of needles) {
          assert(!bytes.includes(needle), `a key is in ${path}`);
        }
        scanned.push(path);
      }
    }
  };
  for (const root of new Set(roots)) walk(root);
  assert(scanned.some((p) => p.endsWith("switchboard.db") || p.endsWith("switchboard.db-wal")), "the database was not scanned");
  assert(scanned.some((p) => p.endsWith("tauri-driver.log")), "the app's log was not scanned");
  assert(scanned.length >= 20, `only ${scanned.length} files scanned`);
  console.log(`  scanned ${scanned.length} files for ${keys.length} keys`);
});

/** The id of the X window titled `title`, or null while there is none. */
function xWindow(title) {
  try {
    return execFileSync("xdotool", ["search", "--name", `^${title}$`], { encoding: "utf8" }).trim().split("\n")[0] || null;
  } catch {
    return null;
  }
}

test("Import chats…: the system's file dialog, a file chosen by its path, the chat imported", async () => {
  const folder = mkdtempSync(join(tmpdir(), "switchboard-import-"));
  const path = join(folder, "picked chat.jsonl");
  writeFileSync(
    path,
    [
      JSON.stringify({ user_name: "You", character_name: "Bot", switchboard_title: "Picked in the file dialog", chat_metadata: {} }),
      JSON.stringify({ name: "You", is_user: true, mes: "chosen in GTK's own dialog" }),
      JSON.stringify({ name: "Bot", is_user: false, mes: "and read by the app, not the page" }),
    ].join("\n"),
  );
  const browser = await openApp();
  try {
    await press(browser, "import-chats");
    // GTK's file chooser, a real window of its own: type the path into its location field.
    const dialog = await until(browser, "the file dialog", async () => xWindow("Import chats"));
    // No window manager under Xvfb: focus it directly; keys go in as real (XTEST) input.
    execFileSync("xdotool", ["windowfocus", "--sync", dialog]);
    execFileSync("xdotool", ["key", "ctrl+l"]);
    execFileSync("xdotool", ["type", "--delay", "5", path]);
    // Enter accepts once the field has taken in the whole path (GTK completes it as it comes;
    // an Enter before that is ignored): pressed again until the dialog closes.
    await until(browser, "the dialog to accept the file", async () => {
      if (xWindow("Import chats") === null) return true;
      execFileSync("xdotool", ["key", "Return"]);
      // A moment for GTK to take the key before the next look (this loop is the polling).
      await browser.pause(200);
      return xWindow("Import chats") === null;
    });
    await until(browser, "the imported chat in the list", async () =>
      browser.execute(() =>
        Array.from(document.querySelectorAll('[data-testid="chat-item"]')).some((i) => i.textContent.includes("Picked in the file dialog")),
      ),
    );
    const notice = await until(browser, "the import toast", async () =>
      browser.execute(() => document.querySelector('[data-testid="notice"]')?.textContent ?? ""),
    );
    assert(notice.includes("Imported 1 chat"), notice);
    assert(xWindow("Import chats") === null, "the dialog stayed open");
    await screenshot(browser, "import-done");
  } finally {
    await closeApp(browser);
    rmSync(folder, { recursive: true, force: true });
  }
});

test("Restore from a snapshot…: a deleted chat comes back, what it replaced is kept, the window reloads", async () => {
  const browser = await openApp();
  const chatIds = () =>
    browser.execute(() => Array.from(document.querySelectorAll('[data-testid="chat-item"]')).map((i) => i.getAttribute("data-chat-id")));
  const openDialog = async () => {
    await openDrawer(browser);
    await press(browser, "restore-snapshot");
    return until(browser, "the snapshots listed", () =>
      browser.execute(() => {
        const rows = Array.from(document.querySelectorAll('[data-testid="snapshot-row"]'));
        return rows.length > 0 ? rows.map((r) => ({ kind: r.getAttribute("data-kind"), text: r.textContent })) : null;
      }),
    );
  };
  /** Restores the newest daily snapshot; resolves with the confirmation's text once the window has reloaded. */
  const restoreDaily = async () => {
    await browser.execute(() => {
      window.__beforeRestore = true;
      document.querySelector('[data-testid="snapshot-pick"][data-kind="daily"]:not([disabled])').click();
    });
    const summary = await browser.execute(() => document.getElementById("restore-snapshot-message").textContent);
    await press(browser, "restore-snapshot-confirm");
    await until(browser, "the window reloaded on the restored data", () =>
      browser.execute(() => window.__beforeRestore === undefined && document.getElementById("app")?.dataset.ready === "true"),
    );
    return summary;
  };
  try {
    const rows = await openDialog();
    assert(rows.some((r) => r.kind === "daily" && /\d+ chats?, \d+ messages?/.test(r.text)), `rows: ${JSON.stringify(rows)}`);
    await restoreDaily();
    const before = await until(browser, "the restored chats", async () => {
      const ids = await chatIds();
      return ids.length > 0 ? ids : null;
    });
    const gone = before[0];
    await press(browser, "chat-delete", `[data-row="${gone}"]`);
    await until(browser, "the chat deleted", async () => !(await chatIds()).includes(gone));

    await openDialog();
    const summary = await restoreDaily();
    const now = before.length - 1;
    assert(summary.includes(`Now: ${now} chat${now === 1 ? "" : "s"}`), summary);
    assert(summary.includes(`In the snapshot: ${before.length} chat`), summary);
    await until(browser, "the deleted chat back in the list", async () => (await chatIds()).includes(gone));

    const after = await openDialog();
    assert(after.filter((r) => r.kind === "beforeRestore").length >= 2, `rows: ${JSON.stringify(after)}`);
    await screenshot(browser, "restore-snapshot");
  } finally {
    await closeApp(browser);
  }
});

test("a search hit in an old message of a long chat opens where it is: in view and marked", async () => {
  // 1,500 messages brought in as a SillyTavern file; one word only in message #300.
  const TOTAL = 1500;
  const AT = 300;
  const WORD = "quetzalcoatlus";
  const folder = mkdtempSync(join(tmpdir(), "switchboard-long-"));
  const path = join(folder, "long chat.jsonl");
  const lines = [JSON.stringify({ user_name: "You", character_name: "Bot", switchboard_title: "A long chat for search", chat_metadata: {} })];
  for (let i = 1; i <= TOTAL; i++) {
    const text = `Message ${i} of the long chat.${i === AT ? ` A ${WORD} flew over the water.` : ""}`;
    lines.push(JSON.stringify({ name: i % 2 === 1 ? "You" : "Bot", is_user: i % 2 === 1, mes: text }));
  }
  writeFileSync(path, `${lines.join("\n")}\n`);
  try {
    cli(["chats", "import", path]);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
  const browser = await openApp();
  try {
    const search = await browser.$('[data-testid="chat-search"]');
    await search.setValue(WORD);
    const messageId = await until(browser, "the hit in the old message", () =>
      browser.execute(() => {
        const hits = Array.from(document.querySelectorAll('[data-testid="search-hit"]'));
        return hits.length === 1 ? hits[0].getAttribute("data-message-id") || null : null;
      }),
    );
    // Clicked from the page, which then waits (each frame) for the message to be marked and
    // inside the scroller's box: the mark lasts two seconds.
    const seen = await browser.executeAsync((id, done) => {
      const started = performance.now();
      document.querySelector(`[data-testid="search-hit"][data-message-id="${id}"]`).click();
      const look = () => {
        const target = document.querySelector(`#messages [data-message-id="${id}"]`);
        const scroller = document.querySelector("#messages")?.closest(".conversation");
        if (target && scroller && target.classList.contains("is-revealed")) {
          const box = target.getBoundingClientRect();
          const view = scroller.getBoundingClientRect();
          if (box.top >= view.top - 1 && box.bottom <= view.bottom + 1) {
            const texts = Array.from(document.querySelectorAll("#messages .message-content"), (m) => m.textContent);
            done({ ms: performance.now() - started, text: target.textContent, texts });
            return;
          }
        }
        if (performance.now() - started > 10_000) {
          done({ error: target ? `found but ${target.classList.contains("is-revealed") ? "not in view" : "not marked"}` : "not in the log" });
          return;
        }
        requestAnimationFrame(look);
      };
      requestAnimationFrame(look);
    }, messageId);
    assert(!seen.error, `the message of the hit: ${seen.error}`);
    assert(seen.text.includes(`Message ${AT} of the long chat. A ${WORD}`), `the message shown: ${seen.text}`);
    assert(!seen.texts.some((t) => t.includes(`Message ${TOTAL} `)), "the chat opened on its latest page");
    await screenshot(browser, "search-hit-old-message");
    // Scrolling down from there brings in the newer pages, up to the last message.
    await until(browser, "the last message after scrolling down", () =>
      browser.execute((total) => {
        const scroller = document.querySelector("#messages").closest(".conversation");
        scroller.scrollTop = scroller.scrollHeight;
        return Array.from(document.querySelectorAll("#messages .message-content")).some((m) => m.textContent.includes(`Message ${total} `));
      }, TOTAL),
    );
  } finally {
    await closeApp(browser);
  }
});

// After the tests above (these make other profiles the live one and the default for new chats).
registerChatTargetTests(test, {
  openApp, closeApp, until, assert, send, lastAssistant, connectionState, openDrawer, setField, cli, screenshot, key: KEY, fake: () => fake,
});

// Last: they select profiles of their own, which the tests above do not expect.
registerContextTests(test, {
  openApp, closeApp, until, assert, screenshot, send, lastAssistant, connectionState, openDrawer, setField, startFake, cli, REPLY_TEXT, Key,
});

// Last: it adds a profile of its own from the drawer and leaves it selected.
registerLocalServerTests(test, {
  openApp, closeApp, until, assert, screenshot, send, lastAssistant, connectionState, openDrawer, setField, startFake, REPLY_TEXT,
});

// Last of all: they add profiles and leave another one selected.
registerKeysErrorsTests(test, {
  openApp, closeApp, until, assert, screenshot, send, lastAssistant, connectionState, openDrawer, setField, startFake,
  appPath: APP, cliPath: CLI, replyText: REPLY_TEXT, fakeKeychainPath: join(dirname(FAKES), "switchboard-fake-keychain"),
});

// After those: it connects a profile of its own.
registerRenderTests(test, {
  openApp, closeApp, until, assert, screenshot, send, lastAssistant, connectionState, openDrawer, startFake, cli,
});

// After everything: its announcer test adds (and removes) a profile of its own and connects to it.
registerHabitsTests(test, {
  openApp, closeApp, until, assert, screenshot, cli, send, lastAssistant, connectionState, openDrawer, fake: () => fake, key: KEY,
});

// After everything: it adds a profile of its own and leaves it the live one.
registerAzureTests(test, {
  openApp, closeApp, until, assert, screenshot, send, lastAssistant, connectionState, openDrawer, setField, startFake, REPLY_TEXT,
});

// After everything: it adds a profile of its own (removed at the end).
registerVertexTests(test, { openApp, closeApp, until, assert, screenshot, cli, openDrawer, setField });

// After everything: it adds a profile of its own and leaves it the live one.
registerOpenAiApiTests(test, {
  openApp, closeApp, until, assert, screenshot, send, lastAssistant, connectionState, openDrawer, setField, startFake, cli, REPLY_TEXT,
});

// After everything: they add profiles of their own, and leave the theme as the system's.
registerDrawerTests(test, {
  openApp, closeApp, until, assert, screenshot, cli, openDrawer, setField, connectionState, send, lastAssistant, fake: () => fake, key: KEY,
});

// After everything: it adds a profile of its own (removed at the end) and connects to it.
registerNetworkTests(test, {
  openApp, closeApp, until, assert, cli, openDrawer, setField, connectionState, startFake, fake: () => fake, key: KEY,
});

// After everything: they add a profile of their own and leave it the live one.
registerPickerTests(test, {
  openApp, closeApp, until, assert, screenshot, cli, openDrawer, connectionState, startFake, send, lastAssistant,
});

// After everything: it adds a profile of its own (removed at the end) and connects to it.
registerGeminiTests(test, {
  openApp, closeApp, until, assert, screenshot, cli, send, lastAssistant, connectionState, openDrawer, setField, startFake,
  REPLY_TEXT, REASONING_TEXT,
});

// After everything: it adds a profile of its own (removed at the end) and connects to it.
registerCitationsTests(test, {
  openApp, closeApp, until, assert, screenshot, send, lastAssistant, connectionState, openDrawer, setField, startFake, cli, REPLY_TEXT,
});

// After everything: each adds a profile of its own (removed at the end) and connects to it.
registerAttachmentTests(test, {
  openApp, closeApp, until, assert, screenshot, cli, openDrawer, connectionState, startFake, lastAssistant,
});

// After everything: each adds a profile of its own (removed at the end) and connects to it.
registerDoctorTests(test, {
  openApp, closeApp, until, assert, screenshot, cli, openDrawer, connectionState, startFake, send, lastAssistant, REPLY_TEXT,
});

// Last: it remembers a port for auto-detect in the settings and adds (then removes) a profile.
registerOllamaTests(test, {
  openApp, closeApp, until, assert, screenshot, cli, send, lastAssistant, connectionState, openDrawer, setField, startFake,
  replyText: REPLY_TEXT,
});

// ----- runner -----

let passed = 0;
let failed = 0;
try {
  fake = await startFake(["--api-key", KEY, "--slow-delay-ms", "80"]);
  claude = await startFake(["--family", "anthropic", "--api-key", CLAUDE_KEY, "--slow-delay-ms", "80"]);
  claude.url = `${claude.url}/v1`;
  kobold = await startFake(["--family", "kobold", "--slow-delay-ms", "80"], KOBOLD_PORT);
  horde = await startFake(["--family", "horde", "--slow-delay-ms", "80"]);
  united = await startFake(["--family", "kobold", "--kobold-server", "united", "--slow-delay-ms", "80"]);
  novelai = await startFake(["--family", "novelai", "--api-key", NOVELAI_KEY, "--slow-delay-ms", "80"]);
  ooba = await startFake(["--dialect", "ooba", "--slow-delay-ms", "80"]);
  mancer = await startFake(["--dialect", "mancer", "--api-key", MANCER_KEY, "--slow-delay-ms", "80"]);
  const only = process.env.E2E_ONLY ? new RegExp(process.env.E2E_ONLY) : null;
  for (const { name, fn } of tests) {
    if (only && !only.test(name)) continue;
    const started = Date.now();
    try {
      await fn();
      passed += 1;
      console.log(`ok - ${name} (${Date.now() - started} ms)`);
    } catch (error) {
      failed += 1;
      console.log(`not ok - ${name}\n  ${String(error?.stack ?? error).split("\n").join("\n  ")}`);
    }
  }
} finally {
  for (const child of fakes) child.kill("SIGTERM");
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
