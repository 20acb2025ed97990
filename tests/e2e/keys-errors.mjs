// End-to-end tests of keys without a keychain and of errors a person can act on (registered by
// run.mjs): with no Secret Service on the app's session bus, or one whose keyring is locked and
// never unlocks (switchboard-fake-keychain), a typed key stays in its field, the window says why
// it cannot be saved and offers it for this session only, the connection works and the key is
// written nowhere; an error is said once (at its field, or in the banner) and is
// gone once what it reported is fixed; a proxy that answers a wrong key with HTTP 400 still gets
// "check the key".

import { execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

/** The only keys the session-only tests use: no other test saves them anywhere. */
const SESSION_KEYS = { missing: "sk-e2e-SESSION-only-8128", locked: "sk-e2e-SESSION-locked-5150" };
/** The key of the LiteLLM-like proxy, and a wrong one. */
const PROXY_KEY = "sk-e2e-PROXY-key-4096";
const PROXY_WRONG_KEY = "sk-e2e-PROXY-wrong-0404";

/**
 * A private D-Bus session bus on which nothing provides the Secret Service and nothing can be
 * started (no service directories): the keychain is missing, as on a minimal desktop.
 */
async function busWithoutKeychain(dir) {
  const config = join(dir, "bus.conf");
  writeFileSync(
    config,
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=${dir}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`,
  );
  const daemon = spawn("dbus-daemon", ["--config-file", config, "--nofork", "--print-address"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const address = await new Promise((resolve, reject) => {
    createInterface({ input: daemon.stdout }).once("line", (line) => resolve(line.trim()));
    daemon.once("exit", (code) => reject(new Error(`dbus-daemon exited (${code})`)));
  });
  return { address, stop: () => daemon.kill("SIGTERM") };
}

/** A Secret Service on `address` whose keyring is locked and never unlocks. */
async function neverUnlockingKeychain(binary, address) {
  const child = spawn(binary, [], { env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: address }, stdio: ["ignore", "pipe", "inherit"] });
  await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", (line) =>
      line.trim() === "ready" ? resolve() : reject(new Error(`switchboard-fake-keychain: ${line}`)),
    );
    child.once("exit", (code) => reject(new Error(`switchboard-fake-keychain exited (${code})`)));
  });
  return child;
}

/** Every file under `dir` that holds `secret` (UTF-8 or UTF-16), and how many files were read. */
function filesHolding(dir, secret) {
  const needles = [Buffer.from(secret, "utf8"), Buffer.from(secret, "utf16le")];
  const found = [];
  let scanned = 0;
  const walk = (path) => {
    let entries;
    try {
      entries = readdirSync(path, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) {
        scanned += 1;
        const bytes = readFileSync(child);
        if (needles.some((needle) => bytes.includes(needle))) found.push(child);
      }
    }
  };
  walk(dir);
  return { found, scanned };
}

/**
 * @param test  run.mjs's `test(name, fn)`
 * @param h     run.mjs's helpers: openApp (with an optional application path), closeApp, until,
 *              assert, screenshot, send, lastAssistant, connectionState, openDrawer, setField,
 *              startFake, replyText, appPath, cliPath and fakeKeychainPath
 */
export function registerKeysErrorsTests(test, h) {
  const { openApp, closeApp, until, assert, screenshot, send, lastAssistant, connectionState, openDrawer, setField, startFake } = h;

  const shown = (browser, selector) =>
    browser.execute((selector) => {
      const element = document.querySelector(selector);
      return Boolean(element && !element.hidden && element.getClientRects().length > 0);
    }, selector);
  const text = (browser, selector) =>
    browser.execute((selector) => document.querySelector(selector)?.textContent ?? "", selector);

  /** A new profile of the OpenAI-compatible kind at `url`, with `key` typed, and Connect. */
  /** Clicks Connect once the last attempt has finished (it stays disabled a moment after "connected"). */
  async function clickConnect(browser) {
    const button = await browser.$("#connect");
    await until(browser, "Connect enabled", async () => (await button.getAttribute("aria-busy")) !== "true" && (await button.isEnabled()));
    await button.click();
  }

  async function connectNew(browser, name, url, key) {
    await openDrawer(browser);
    await (await browser.$("#profile-switcher")).selectByAttribute("value", "");
    await (await browser.$("#source")).selectByAttribute("value", "custom");
    await setField(browser, "#url", url);
    await setField(browser, "#profile-name", name);
    await setField(browser, "#api-key", key);
    await clickConnect(browser);
  }

  const cases = [
    ["missing", "no keychain", /no system keychain \(Secret Service\) is running/],
    ["locked", "a keychain that never unlocks", /locked and was not unlocked within 10 seconds/],
  ];
  for (const [keychain, title, why] of cases) {
    test(`${title}: the typed key is kept, used for this session only, connects, and is written nowhere`, () =>
      sessionKeyCase(keychain, why),
    );
  }

  async function sessionKeyCase(keychain, expected) {
    const SESSION_KEY = SESSION_KEYS[keychain];
    const dir = mkdtempSync(join(tmpdir(), "switchboard-nokeychain-"));
    const data = join(dir, "data");
    const server = await startFake(["--api-key", SESSION_KEY]);
    const bus = await busWithoutKeychain(dir);
    const service = keychain === "locked" ? await neverUnlockingKeychain(h.fakeKeychainPath, bus.address) : null;
    // tauri-driver starts only an application with arguments: the wrapper gives the app the
    // bus without a keychain and a data directory of its own.
    const app = join(dir, "switchboard-without-keychain");
    writeFileSync(
      app,
      `#!/bin/sh\nexport DBUS_SESSION_BUS_ADDRESS='${bus.address}' SWITCHBOARD_DATA_DIR='${data}'\nexec '${h.appPath}' "$@"\n`,
    );
    chmodSync(app, 0o755);
    let browser = null;
    try {
      browser = await openApp(undefined, "#composer", app);
      await connectNew(browser, "E2E session", `${server.url}/v1`, SESSION_KEY);
      // A locked keychain is waited for 10 s.
      await until(browser, "the offer to use the key for this session", () => shown(browser, "#session-key"), 30_000);
      const why = await text(browser, "#key-error");
      assert(/cannot be saved/.test(why) && expected.test(why), `why: ${why}`);
      assert(/GNOME Keyring.*KeePassXC/.test(why), `how to get or unlock a keychain: ${why}`);
      assert(!(await shown(browser, "#banner")), "the keychain error is in a banner too");
      assert((await (await browser.$("#api-key")).getValue()) === SESSION_KEY, "the typed key was wiped");
      await screenshot(browser, `keychain-${keychain}-light`);

      await (await browser.$("#session-key")).click();
      await until(browser, "connected", async () => (await connectionState(browser)) === "connected");
      const status = await text(browser, "#key-status");
      assert(status === "used for this session only", `key status: ${status}`);
      assert(!(await shown(browser, "#key-error")), "the keychain error is still shown");
      assert(!(await shown(browser, "#session-key")), "the offer is still shown");

      await send(browser, "hello");
      const reply = await until(browser, "the reply", async () => {
        const last = await lastAssistant(browser);
        return last && last.state === "complete" ? last : null;
      });
      assert(reply.text.trim() === h.replyText, `reply: ${reply.text}`);
      const html = await browser.execute(() => document.documentElement.outerHTML);
      assert(!html.includes(SESSION_KEY), "the key is in the page");
    } finally {
      if (browser) await closeApp(browser);
      service?.kill("SIGTERM");
      bus.stop();
    }
    try {
      // Written nowhere: not in any file of the app's data, and not in the real keychain.
      const { found, scanned } = filesHolding(data, SESSION_KEY);
      assert(found.length === 0, `the key is in ${found.join(", ")}`);
      assert(scanned >= 2 && readdirSync(data).some((f) => f.startsWith("switchboard.db")), `only ${scanned} files in ${data}`);
      let keyring = "";
      try {
        keyring = execFileSync("secret-tool", ["search", "--all", "service", "switchboard"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
      } catch (error) {
        keyring = `${error.stdout ?? ""}${error.stderr ?? ""}`;
      }
      assert(!keyring.includes(SESSION_KEY), "the key is in the keychain");
      // The CLI, over the same data and the real keychain: the profile has no key saved, so the
      // server refuses it (exit 4), and the CLI names the command that saves one.
      let failure = null;
      try {
        execFileSync(h.cliPath, ["--data-dir", data, "test", "E2E session"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
      } catch (error) {
        failure = error;
      }
      assert(failure && failure.status === 4, `the CLI: ${failure?.status} ${failure?.stderr}`);
      assert(failure.stderr.includes("key set"), `the CLI's advice: ${failure.stderr}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  test("errors said once and cleared when fixed: a proxy's 400 for a wrong key asks to check the key", async () => {
    const proxy = await startFake(["--api-key", PROXY_KEY, "--bad-key-400"]);
    const browser = await openApp();
    try {
      // A LiteLLM-like proxy answers the wrong key with 400: the window still says "check the key", at the field only.
      // (Once the launch's own reconnection has settled: it is not this test's to watch.)
      const before = await until(browser, "the launch's connection settled", async () => {
        const state = await connectionState(browser);
        return state === "checking" ? null : state;
      });
      await connectNew(browser, "E2E proxy", `${proxy.url}/v1`, PROXY_WRONG_KEY);
      await until(browser, "the key error", () => shown(browser, "#key-error"));
      // A new profile that did not connect is not saved, and the live connection is left as it was.
      assert((await connectionState(browser)) === before, `the live connection changed from ${before}`);
      const said = await text(browser, "#key-error");
      assert(/rejected the API key/.test(said) && /Check the key in the API key field/.test(said), `key error: ${said}`);
      assert(!/key set|--key|profile add/.test(said), `CLI wording: ${said}`);
      assert(!(await shown(browser, "#banner")), "the key error is in a banner too");
      const status = await text(browser, "#status-text");
      assert(!/rejected|API key|check/i.test(status), `the status box repeats the error: ${status}`);
      const focused = await browser.execute(() => document.activeElement?.id ?? "");
      assert(focused === "api-key", `focus is on #${focused}`);

      // Fixed: the right key connects and no error is left.
      await setField(browser, "#api-key", PROXY_KEY);
      await clickConnect(browser);
      await until(browser, "connected", async () => (await connectionState(browser)) === "connected");
      await until(browser, "the key error gone", async () => !(await shown(browser, "#key-error")));
      assert(!(await shown(browser, "#banner")), "a banner is left beside Connected");

      // A server that cannot be reached: the banner asks once whether it runs; fixed, it goes.
      // (Once the saved profile, key and all, is what the form shows: refilled later, the URL
      // field would get the old address back in front of the one typed.)
      await until(browser, "the new profile's key saved", async () => (await (await browser.$("#key-status")).getAttribute("data-saved")) === "true");
      await setField(browser, "#url", "http://127.0.0.1:9/v1");
      await clickConnect(browser);
      await until(browser, "the banner", () => shown(browser, "#banner"));
      const banner = await text(browser, "#banner");
      assert((banner.match(/server running/gi) ?? []).length === 1, `banner: ${banner}`);
      await setField(browser, "#url", `${proxy.url}/v1`);
      await clickConnect(browser);
      await until(browser, "connected", async () => (await connectionState(browser)) === "connected");
      await until(browser, "the banner gone", async () => !(await shown(browser, "#banner")));
    } finally {
      await closeApp(browser);
    }
  });
}
