// End-to-end tests of the connection doctor in the real window (registered by run.mjs): "Check
// connection" in the drawer on a profile with a wrong key shows the steps as they finish and the
// key's fix, Copy carries a report without the key; on a server that cannot stream, the fix the
// report offers turns streaming off for the profile (saved: "stream replies: no") and a chat is
// then answered whole. Each test brings its own fake and profile and removes the profile.

/**
 * @param test  run.mjs's `test(name, fn)`
 * @param h     run.mjs's helpers: openApp, closeApp, until, assert, screenshot, cli, openDrawer,
 *              connectionState, startFake, send, lastAssistant, REPLY_TEXT
 */
export function registerDoctorTests(test, h) {
  const { openApp, closeApp, until, assert, screenshot, cli, openDrawer, connectionState, startFake, send, lastAssistant, REPLY_TEXT } = h;
  const WRONG_KEY = "sk-e2e-doctor-WRONG-key-2718";

  /** Shows the profile named `name` in the drawer (and so connects to it). */
  async function showProfile(browser, name) {
    // The first load decides whether the drawer starts open: toggle it only after that.
    await until(browser, "the window's first load", () => browser.execute(() => document.querySelector('[data-ready="true"]') !== null));
    await openDrawer(browser);
    const id = JSON.parse(cli(["--json", "profile", "show", name])).id;
    await until(browser, "the profile in the switcher", () =>
      browser.execute((id) => Array.from(document.querySelectorAll("#profile-switcher option")).some((o) => o.value === id), id),
    );
    const switcher = await browser.$("#profile-switcher");
    await switcher.scrollIntoView({ block: "center" });
    await switcher.selectByAttribute("value", id);
    return id;
  }

  /** Clicks "Check connection" and waits for the report: its steps as `{name, outcome, text}`. */
  async function checkConnection(browser) {
    const button = await browser.$("#check-connection");
    await button.scrollIntoView({ block: "center" });
    await until(browser, "Check connection enabled", () => button.isEnabled());
    await button.click();
    return until(browser, "the doctor's five steps", async () => {
      const steps = await browser.execute(() =>
        Array.from(document.querySelectorAll("#doctor-steps .doctor-step")).map((li) => ({
          name: li.dataset.step, outcome: li.dataset.outcome, text: li.textContent,
        })),
      );
      const done = await browser.execute(() => document.getElementById("check-connection").getAttribute("aria-busy") !== "true");
      return steps.length === 5 && done ? steps : null;
    });
  }

  test("Check connection on a wrong key shows the steps and the key's fix; Copy leaves the key out", async () => {
    const server = await startFake(["--api-key", "the-right-e2e-key-1414"]);
    const name = "E2E doctor key";
    cli(["profile", "add", name, "--source", "custom", "--url", `${server.url}/v1`, "--model", "fake-model-1"]);
    cli(["key", "set", name], WRONG_KEY);
    const browser = await openApp();
    try {
      await showProfile(browser, name);
      await until(browser, "the connection refused", async () => (await connectionState(browser)) === "failed");
      const steps = await checkConnection(browser);
      await screenshot(browser, "doctor-wrong-key");
      assert(JSON.stringify(steps.map((s) => s.name)) === '["url","reach","models","reply","stream"]', `steps: ${JSON.stringify(steps)}`);
      assert(steps[0].outcome === "ok" && steps[1].outcome === "ok", `first steps: ${JSON.stringify(steps)}`);
      const models = steps[2];
      assert(models.outcome === "failed", `models: ${JSON.stringify(models)}`);
      assert(models.text.includes("Fix: The server refused the key"), `models: ${models.text}`);
      assert(models.text.includes("API key field"), `no hint at the key field: ${models.text}`);
      assert(steps[3].outcome === "skipped" && steps[4].outcome === "skipped", `later steps: ${JSON.stringify(steps)}`);
      const progress = await browser.$("#doctor-progress").getText();
      assert(progress.includes("“List the models” failed"), `progress: ${progress}`);
      assert(!(await browser.$("#doctor-fix").isDisplayed()), "a fix button for a key");

      const copy = await browser.$("#doctor-copy");
      await copy.scrollIntoView({ block: "center" });
      await copy.click();
      const copied = await until(browser, "the report copied", () =>
        browser.execute(() => document.getElementById("doctor-copy").dataset.copiedText ?? null),
      );
      assert(copied.includes(`Connection check of “${name}”`), `copied: ${copied}`);
      assert(copied.includes("[FAILED] List the models") && copied.includes("Fix: The server refused the key"), `copied: ${copied}`);
      assert(!copied.includes(WRONG_KEY), "the key is in the copied report");
      const page = await browser.execute(() => document.body.innerText);
      assert(!page.includes(WRONG_KEY), "the key is on the page");
    } finally {
      await closeApp(browser);
      cli(["profile", "rm", name]);
    }
  });

  test("on a server that cannot stream, the doctor's fix turns streaming off and a chat then works", async () => {
    const server = await startFake(["--refuses-streaming"]);
    const name = "E2E doctor whole";
    cli(["profile", "add", name, "--source", "custom", "--url", `${server.url}/v1`, "--model", "fake-model-1"]);
    const browser = await openApp();
    try {
      await showProfile(browser, name);
      await until(browser, "connected", async () => (await connectionState(browser)) === "connected");
      const steps = await checkConnection(browser);
      assert(steps[3].outcome === "ok", `reply: ${JSON.stringify(steps[3])}`);
      assert(steps[4].outcome === "failed" && steps[4].text.includes("This server cannot stream"), `stream: ${JSON.stringify(steps[4])}`);
      const fix = await browser.$("#doctor-fix");
      await fix.scrollIntoView({ block: "center" });
      assert((await fix.getText()) === "Turn streaming off for this profile", `fix: ${await fix.getText()}`);
      await screenshot(browser, "doctor-cannot-stream");
      await fix.click();
      await until(browser, "streaming off, saved", () => cli(["profile", "show", name]).includes("stream replies:      no"));
      await until(browser, "the checkbox unticked", () =>
        browser.execute(() => document.getElementById("stream-replies").checked === false),
      );

      await send(browser, "hello whole reply");
      const reply = await until(browser, "the whole reply", async () => {
        const last = await lastAssistant(browser);
        return last && last.state === "complete" ? last : null;
      });
      assert(reply.text.trim() === REPLY_TEXT, `reply: ${JSON.stringify(reply.text)}`);
      const chats = (await server.requests()).filter((r) => r.path.endsWith("/chat/completions"));
      assert(JSON.parse(chats[chats.length - 1].body).stream !== true, "the chat asked for a stream");
    } finally {
      await closeApp(browser);
      cli(["profile", "rm", name]);
    }
  });
}
