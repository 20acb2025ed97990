// End-to-end tests of the connection drawer in the real window (registered by run.mjs): its
// sections in order, "Advanced" collapsed until opened, a slider and its number in step and
// saved, a preset setting the sampler values, the URL's note appearing while typing without
// moving Connect (a click there right after typing lands on it), a readable chat beside the
// drawer, the theme switch: applied at once, kept for the next start before the first paint, and
// the "single" post-processing chosen under Advanced: saved, and the conversation sent as one
// user message.

import { execFileSync } from "node:child_process";

/** The narrowest chat column worth reading beside the drawer, in CSS pixels. */
const READABLE_WIDTH = 480;

/** The theme in the app's settings, as saved in its database. */
function savedTheme() {
  const db = `${process.env.SWITCHBOARD_DATA_DIR}/switchboard.db`;
  const query =
    "import json,sqlite3,sys\n" +
    "c=sqlite3.connect('file:'+sys.argv[1]+'?mode=ro',uri=True)\n" +
    "r=c.execute(\"SELECT value FROM settings WHERE key='app'\").fetchone()\n" +
    "print(json.loads(r[0]).get('theme','') if r else '',end='')";
  return execFileSync("python3", ["-c", query, db], { encoding: "utf8" });
}

/**
 * @param test  run.mjs's `test(name, fn)`
 * @param h     run.mjs's helpers: openApp, closeApp, until, assert, screenshot, cli, openDrawer,
 *              setField, connectionState, send, lastAssistant, fake() (the OpenAI-compatible
 *              fake) and key (its key)
 */
export function registerDrawerTests(test, h) {
  const { openApp, closeApp, until, assert, screenshot, cli, openDrawer, setField, connectionState, send, lastAssistant, fake, key } = h;
  const PROFILE = "E2E drawer";

  /** The profile of the fake the tests edit, saved from the command line once. */
  let added = false;
  const addProfile = () => {
    if (added) return;
    cli(["profile", "add", PROFILE, "--source", "custom", "--url", `${fake().url}/v1`, "--model", "fake-model-1"]);
    cli(["key", "set", PROFILE], key);
    added = true;
  };

  /** Chooses `name` in the profile switcher ("" for "New profile…"); waits for it to connect. */
  const chooseProfile = async (browser, name) => {
    await openDrawer(browser);
    const id = await until(browser, `“${name || "New profile…"}” in the switcher`, () =>
      browser.execute(
        (name) => {
          const option = Array.from(document.querySelectorAll("#profile-switcher option")).find((o) =>
            name === "" ? o.value === "" : o.textContent.trim() === name,
          );
          return option ? { value: option.value } : null;
        },
        name,
      ),
    );
    const switcher = await browser.$("#profile-switcher");
    await switcher.scrollIntoView({ block: "center" });
    try {
      await switcher.selectByAttribute("value", id.value);
    } catch (error) {
      const over = await browser.execute(() => {
        const r = document.querySelector("#profile-switcher").getBoundingClientRect();
        const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
        return { rect: [r.x, r.y, r.width, r.height], top: top ? `${top.tagName}#${top.id}.${top.className}` : null, inner: [innerWidth, innerHeight] };
      });
      throw new Error(`${error.message}; at the switcher: ${JSON.stringify(over)}`);
    }
    await until(browser, `“${name || "New profile…"}” chosen`, async () => (await switcher.getValue()) === id.value);
    if (name !== "") await until(browser, "connected", async () => (await connectionState(browser)) === "connected");
  };

  /** The window's inner size, once it is about `width` × `height` (less any frame). */
  const resize = async (browser, width, height) => {
    await browser.setWindowSize(width, height);
    return until(browser, `the window at ${width}×${height}`, () =>
      browser.execute((width) => (Math.abs(window.innerWidth - width) <= 40 ? { width: window.innerWidth, height: window.innerHeight } : null), width),
    );
  };

  const rectOf = (browser, selector) =>
    browser.execute((selector) => {
      const r = document.querySelector(selector).getBoundingClientRect();
      return { x: r.x, y: r.y, width: r.width, height: r.height };
    }, selector);

  const sameRect = (a, b) => ["x", "y", "width", "height"].every((k) => Math.abs(a[k] - b[k]) < 0.5);

  const valueOf = async (browser, selector) => (await browser.$(selector)).getValue();

  test("the drawer: sections in order, Advanced opens, a slider and its number in step and saved, a preset", async () => {
    addProfile();
    const browser = await openApp();
    try {
      await resize(browser, 1280, 800);
      await chooseProfile(browser, PROFILE);

      const sections = await browser.execute(() =>
        Array.from(document.querySelectorAll("#drawer .drawer-section-title")).map((t) => ({
          text: t.textContent.trim(),
          top: t.getBoundingClientRect().top + document.getElementById("drawer").scrollTop,
          shown: t.offsetParent !== null,
        })),
      );
      assert(
        JSON.stringify(sections.map((s) => s.text)) === JSON.stringify(["Connection", "Model", "System prompt", "Generation", "Advanced"]),
        `sections: ${JSON.stringify(sections)}`,
      );
      assert(sections.every((s, i) => s.shown && (i === 0 || s.top > sections[i - 1].top)), `not shown in order: ${JSON.stringify(sections)}`);

      // Advanced is collapsed: its fields are not shown until it is opened.
      const contextSize = await browser.$("#context-size");
      assert(!(await contextSize.isDisplayed()), "the context size shows with Advanced collapsed");
      assert((await browser.execute(() => document.getElementById("drawer-advanced").open)) === false, "Advanced is open");
      await (await browser.$("#drawer-advanced-title")).scrollIntoView();
      await (await browser.$("#drawer-advanced-title")).click();
      await contextSize.waitForDisplayed({ timeout: 15_000 });
      assert(await (await browser.$("#theme-system")).isExisting(), "no theme switch under Advanced");
      await (await browser.$("#drawer-advanced-title")).click();
      await until(browser, "Advanced collapsed again", async () => !(await contextSize.isDisplayed()));

      // The slider moves the number…
      const slider = await browser.$("#param-temperature-slider");
      await slider.scrollIntoView({ block: "center" });
      const before = await valueOf(browser, "#param-temperature");
      const box = await rectOf(browser, "#param-temperature-slider");
      // A click three quarters along the slider (0–2) puts the thumb near 1.5.
      await slider.click({ x: Math.round(box.width / 4) });
      const dragged = await until(browser, "the number to follow the slider", async () => {
        const number = await valueOf(browser, "#param-temperature");
        return number !== before && number !== "" ? number : null;
      });
      assert(dragged === (await valueOf(browser, "#param-temperature-slider")), `number ${dragged}, slider ${await valueOf(browser, "#param-temperature-slider")}`);
      assert(Number(dragged) > 1.2 && Number(dragged) < 1.8, `the thumb went to ${dragged}`);
      // …and the number moves the slider.
      await setField(browser, "#param-temperature", "0.45");
      await until(browser, "the slider to follow the number", async () => (await valueOf(browser, "#param-temperature-slider")) === "0.45");
      await browser.keys("Tab"); // leaving the field saves it
      await screenshot(browser, "drawer-generation-light");

      // Saved: shown again after another profile was shown.
      await chooseProfile(browser, "");
      assert((await valueOf(browser, "#param-temperature")) === "", "the new profile's form kept the temperature");
      await chooseProfile(browser, PROFILE);
      assert((await valueOf(browser, "#param-temperature")) === "0.45", `reopened: ${await valueOf(browser, "#param-temperature")}`);
      assert((await valueOf(browser, "#param-temperature-slider")) === "0.45", "the reopened slider is elsewhere");

      // A preset sets the sampler values, and is saved as well.
      const precise = await browser.$("#preset-precise");
      await precise.scrollIntoView({ block: "center" });
      await precise.click();
      await until(browser, "Precise's values", async () =>
        (await valueOf(browser, "#param-temperature")) === "0.3" &&
        (await valueOf(browser, "#param-top-p")) === "0.9" &&
        (await valueOf(browser, "#param-top-k")) === "40" &&
        (await valueOf(browser, "#param-temperature-slider")) === "0.3",
      );
      assert((await precise.getAttribute("aria-pressed")) === "true", "Precise is not marked");
      await until(browser, "the preset saved", () => {
        const shown = JSON.parse(cli(["--json", "profile", "show", PROFILE]));
        return shown.params?.temperature === 0.3 && shown.params?.topK === 40;
      });
      await chooseProfile(browser, "");
      await chooseProfile(browser, PROFILE);
      assert((await valueOf(browser, "#param-top-p")) === "0.9", `reopened top P: ${await valueOf(browser, "#param-top-p")}`);
    } finally {
      await closeApp(browser);
    }
  });

  test("typing a URL (and its note appearing) moves nothing: a click on Connect right after typing connects", async () => {
    addProfile();
    const browser = await openApp();
    try {
      await resize(browser, 1280, 800);
      await chooseProfile(browser, "");
      await (await browser.$("#source")).selectByAttribute("value", "custom");
      await setField(browser, "#profile-name", "E2E drawer typed");
      await setField(browser, "#api-key", key);
      await setField(browser, "#url", "");
      await until(browser, "the URL note empty", async () => (await (await browser.$("#url-preview")).getText()) === "");
      // The drawer scrolls: Connect in view first (with the URL field above it), as a person would have it.
      await browser.execute(() => document.querySelector("#connect").scrollIntoView({ block: "center" }));
      const connect = await rectOf(browser, "#connect");

      // A plain http:// server elsewhere, with a key typed: the warning appears.
      await (await browser.$("#url")).setValue("http://192.0.2.10:5000/v1/chat/completions");
      await (await browser.$("#url-warning")).waitForDisplayed({ timeout: 15_000 });
      let now = await rectOf(browser, "#connect");
      assert(sameRect(connect, now), `Connect moved with the warning: ${JSON.stringify(connect)} → ${JSON.stringify(now)}`);
      // A URL that cannot be used: the error appears in the same place.
      await setField(browser, "#url", "ftp://example.org/v1");
      await until(browser, "the URL's error", async () => (await (await browser.$("#url-preview")).getAttribute("data-tone")) === "error");
      now = await rectOf(browser, "#connect");
      assert(sameRect(connect, now), `Connect moved with the error: ${JSON.stringify(connect)} → ${JSON.stringify(now)}`);

      // The fake's URL with a path to normalise, then at once a click where Connect was.
      await setField(browser, "#url", `${fake().url}/v1/chat/completions`);
      await browser
        .action("pointer")
        .move({ x: Math.round(connect.x + connect.width / 2), y: Math.round(connect.y + connect.height / 2), origin: "viewport" })
        .down()
        .up()
        .perform();
      await until(browser, "the typed profile saved and connected by that click", async () =>
        (await browser.execute(() => document.querySelector("#profile-switcher").selectedOptions[0]?.textContent)) === "E2E drawer typed" &&
        (await connectionState(browser)) === "connected",
      );
      await until(browser, "Connect no longer busy", async () => (await (await browser.$("#connect")).getAttribute("aria-busy")) !== "true");
      const note = await until(browser, "the normalised URL's note", async () => (await (await browser.$("#url-preview")).getText()) || null);
      assert(/normalised/i.test(note), `note: ${note}`);
      now = await rectOf(browser, "#connect");
      assert(sameRect(connect, now), `Connect moved with the note: ${JSON.stringify(connect)} → ${JSON.stringify(now)}`);
    } finally {
      await closeApp(browser);
      try {
        cli(["profile", "rm", "E2E drawer typed"]);
      } catch {
        // Not made when the test failed before connecting.
      }
    }
  });

  test("the chat keeps a readable width beside the drawer; narrower windows lay the drawer over it", async () => {
    const browser = await openApp();
    try {
      for (const [width, height, overlays] of [[1280, 800, false], [1000, 700, true]]) {
        const inner = await resize(browser, width, height);
        assert(overlays ? inner.width > 900 && inner.width < 1112 : inner.width >= 1112, `the window is ${JSON.stringify(inner)}`);
        await openDrawer(browser);
        const layout = await browser.execute(() => {
          const chat = document.getElementById("chat").getBoundingClientRect();
          const drawer = document.getElementById("drawer").getBoundingClientRect();
          return { chat: chat.width, chatRight: chat.right, drawerLeft: drawer.left, drawer: drawer.width, position: getComputedStyle(document.getElementById("drawer")).position };
        });
        assert(layout.chat >= READABLE_WIDTH, `${width}×${height}: the chat is ${layout.chat}px wide`);
        if (overlays) {
          assert(layout.position === "fixed" && layout.drawerLeft < layout.chatRight, `${width}×${height}: the drawer does not lay over: ${JSON.stringify(layout)}`);
        } else {
          assert(layout.drawerLeft >= layout.chatRight - 0.5, `${width}×${height}: the drawer covers the chat: ${JSON.stringify(layout)}`);
        }
        await screenshot(browser, `drawer-open-${width}x${height}`);
      }
    } finally {
      await closeApp(browser);
    }
  });

  test("the theme switch: applied at once, kept for the next start before the first paint; drawer screenshots light and dark", async () => {
    const background = (browser) => browser.execute(() => getComputedStyle(document.body).backgroundColor);
    const chooseTheme = async (browser, theme) => {
      await openDrawer(browser);
      await browser.execute(() => {
        const advanced = document.getElementById("drawer-advanced");
        if (!advanced.open) advanced.open = true;
      });
      const radio = await browser.$(`#theme-${theme}`);
      await radio.scrollIntoView({ block: "center" });
      await radio.click();
    };
    const LIGHT = "rgb(246, 246, 244)";
    const DARK = "rgb(20, 21, 23)";
    let browser = await openApp();
    try {
      await resize(browser, 1280, 800);
      // The light driver's system theme is light.
      assert((await background(browser)) === LIGHT, `system background: ${await background(browser)}`);
      await chooseTheme(browser, "dark");
      await until(browser, "the dark background at once", async () => (await background(browser)) === DARK);
      await until(browser, "the dark theme saved", () => savedTheme() === "dark");
      await screenshot(browser, "drawer-advanced-dark");
      await closeApp(browser);

      browser = await openApp();
      const start = await browser.execute(() => ({
        theme: document.documentElement.dataset.theme,
        background: getComputedStyle(document.body).backgroundColor,
        mark: performance.getEntriesByName("switchboard:theme")[0]?.startTime ?? null,
        paint: performance.getEntriesByType("paint").map((p) => ({ name: p.name, at: p.startTime })),
      }));
      assert(start.theme === "dark" && start.background === DARK, `after the restart: ${JSON.stringify(start)}`);
      assert(start.mark !== null, "the theme was not marked by the start-up script");
      // Marked before anything was painted: no light flash first.
      for (const paint of start.paint) assert(start.mark <= paint.at, `painted before the theme: ${JSON.stringify(start)}`);
      console.log(`  the theme marked at ${start.mark.toFixed(1)} ms; paints: ${JSON.stringify(start.paint)}`);
      await resize(browser, 1280, 800);
      await openDrawer(browser);
      await (await browser.$("#drawer-title")).scrollIntoView();
      await screenshot(browser, "drawer-dark");

      await chooseTheme(browser, "light");
      await until(browser, "the light background at once", async () => (await background(browser)) === LIGHT);
      await (await browser.$("#drawer-title")).scrollIntoView();
      await screenshot(browser, "drawer-light");
    } finally {
      // The tests after these expect the system's theme.
      try {
        await chooseTheme(browser, "system");
        await until(browser, "the system theme", () => browser.execute(() => document.documentElement.dataset.theme === "system"));
      } finally {
        await closeApp(browser);
      }
    }
  });

  test("single post-processing, chosen under Advanced, is saved and sends the conversation as one user message", async () => {
    addProfile();
    const browser = await openApp();
    try {
      await chooseProfile(browser, PROFILE);
      const title = await browser.$("#drawer-advanced-title");
      await title.scrollIntoView({ block: "center" });
      if (!(await browser.execute(() => document.getElementById("drawer-advanced").open))) await title.click();
      const select = await browser.$("#post-processing");
      await select.waitForDisplayed({ timeout: 15_000 });
      await select.scrollIntoView({ block: "center" });
      await select.selectByAttribute("value", "single");
      await browser.keys("Tab"); // leaving the field saves it
      await until(browser, "single saved", () => JSON.parse(cli(["--json", "profile", "show", PROFILE])).postProcessing === "single");

      const before = (await fake().requests()).length;
      await send(browser, "one message please");
      await until(browser, "the reply", async () => {
        const last = await lastAssistant(browser);
        return last && last.state === "complete";
      });
      const chats = (await fake().requests()).slice(before).filter((r) => r.path.endsWith("/chat/completions"));
      const messages = JSON.parse(chats[chats.length - 1].body).messages;
      assert(messages.length === 1 && messages[0].role === "user", `sent: ${JSON.stringify(messages)}`);
      assert(messages[0].content.endsWith("one message please"), `sent: ${JSON.stringify(messages)}`);

      // Back to none, for whatever runs after.
      await select.selectByAttribute("value", "none");
      await browser.keys("Tab");
      await until(browser, "none saved", () => JSON.parse(cli(["--json", "profile", "show", PROFILE])).postProcessing === "none");
    } finally {
      await closeApp(browser);
    }
  });
}
