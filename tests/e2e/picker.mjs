// End-to-end tests of finding things in long lists, in the real window (registered by run.mjs):
// "Find a model" over a fake server that lists 500 models in OpenRouter's shape (typing filters
// them, each row shows the context and price the list told, the keyboard picks one and the
// profile keeps it), and "Search sources" over the grouped source list ("groq" shows only Groq;
// a source is picked with the keyboard).

/**
 * @param test  run.mjs's `test(name, fn)`
 * @param h     run.mjs's helpers: openApp, closeApp, until, assert, screenshot, cli, openDrawer,
 *              connectionState, startFake, send, lastAssistant
 */
export function registerPickerTests(test, h) {
  const { openApp, closeApp, until, assert, screenshot, cli, openDrawer, connectionState, startFake, send, lastAssistant } = h;
  const PROFILE = "E2E 500 models";

  /** Chooses `name` in the profile switcher ("" for "New profile…"). */
  const chooseProfile = async (browser, name) => {
    await openDrawer(browser);
    const value = await until(browser, `“${name || "New profile…"}” in the switcher`, () =>
      browser.execute((name) => {
        const option = Array.from(document.querySelectorAll("#profile-switcher option")).find((o) =>
          name === "" ? o.value === "" : o.textContent.trim() === name,
        );
        return option ? { value: option.value } : null;
      }, name),
    );
    const switcher = await browser.$("#profile-switcher");
    await switcher.scrollIntoView({ block: "center" });
    await switcher.selectByAttribute("value", value.value);
    await until(browser, `“${name || "New profile…"}” chosen`, async () => (await switcher.getValue()) === value.value);
  };

  /** The rows the list under `input` shows: value, label, detail; and its "more" line. */
  const rowsOf = (browser, input) =>
    browser.execute((input) => {
      const rows = Array.from(document.querySelectorAll(`#${input}-list [role=option]`)).map((o) => ({
        value: o.dataset.value,
        label: o.querySelector(".filter-option-label")?.textContent ?? "",
        detail: o.querySelector(".filter-option-detail")?.textContent ?? "",
        disabled: o.getAttribute("aria-disabled") === "true",
        active: o.getAttribute("aria-selected") === "true",
      }));
      const more = document.getElementById(`${input}-more`);
      const groups = Array.from(document.querySelectorAll(`#${input}-list .filter-group-label`)).map((g) => g.textContent);
      const field = document.getElementById(input);
      return { rows, groups, more: more && !more.hidden ? more.textContent : "", expanded: field.getAttribute("aria-expanded"), typed: field.value };
    }, input);

  /**
   * Empties the field `selector` and types `text` into it key by key, as a person does; the
   * focus stays in the field (WebDriver's clear takes it away, so the field is clicked after).
   */
  const typeInto = async (browser, selector, text) => {
    const field = await browser.$(selector);
    await field.waitForDisplayed({ timeout: 15_000 });
    await field.scrollIntoView({ block: "center" });
    await field.clearValue();
    await field.click();
    // Element Send Keys (WebDriver's action keys would take a doubled letter as press and release).
    if (text !== "") await field.addValue(text);
  };

  test("the model picker filters 500 models, shows context and price, picks one with the keyboard, and it is saved", async () => {
    const catalogue = await startFake(["--model-catalogue", "500"]);
    cli(["profile", "add", PROFILE, "--source", "custom", "--url", `${catalogue.url}/v1`]);
    const browser = await openApp();
    try {
      await chooseProfile(browser, PROFILE);
      await until(browser, "connected", async () => (await connectionState(browser)) === "connected");
      await until(browser, "500 models listed", async () =>
        (await (await browser.$("#model-note")).getText()) === "500 models on this server.",
      );

      // Typing filters, any case; the row shows the name, then id, context and price.
      await typeInto(browser, "#model-search", "QWEN/model-04");
      const qwen = await until(browser, "one match and the typed id", async () => {
        const shown = await rowsOf(browser, "model-search");
        return shown.rows.length === 2 ? shown : null;
      });
      assert(qwen.expanded === "true", `expanded: ${qwen.expanded}`);
      assert(qwen.rows[0].value === "qwen/model-045", `row: ${JSON.stringify(qwen.rows)}`);
      assert(qwen.rows[1].value === "QWEN/model-04" && qwen.rows[1].label === "Use “QWEN/model-04” as the model id", `typed: ${JSON.stringify(qwen.rows[1])}`);
      assert(qwen.rows[0].label === "Qwen: Model 045", `label: ${qwen.rows[0].label}`);
      assert(qwen.rows[0].detail === "qwen/model-045 · 4K context · $2.00 in · $8.00 out per 1M", `detail: ${qwen.rows[0].detail}`);

      // A filter most models match: at most 50 rows drawn, the rest counted.
      await typeInto(browser, "#model-search", "model");
      const wide = await until(browser, "the wide match", async () => {
        const shown = await rowsOf(browser, "model-search");
        return shown.more !== "" ? shown : null;
      });
      assert(wide.rows.length === 51 && wide.rows[50].value === "model", `rows drawn: ${wide.rows.length}`);
      assert(wide.more === "450 more match: type to narrow the list.", `more: ${wide.more}`);
      await screenshot(browser, "model-picker-500");

      // The keyboard: two rows down, Enter.
      await typeInto(browser, "#model-search", "deepseek/model-1");
      let seen = null;
      await until(browser, "deepseek's hundreds", async () => {
        seen = await rowsOf(browser, "model-search");
        return seen.rows[1]?.value === "deepseek/model-116";
      }).catch((error) => {
        throw new Error(`${error.message}; the list: ${JSON.stringify({ ...seen, rows: seen?.rows.slice(0, 3) })}`);
      });
      // One call a press (WebDriver's action keys take a repeated key as press and release).
      await browser.keys("ArrowDown");
      await browser.keys("ArrowDown");
      const active = await rowsOf(browser, "model-search");
      assert(active.rows[1].active && !active.rows[0].active, `active: ${JSON.stringify(active.rows.slice(0, 3))}`);
      await browser.keys(["Enter"]);
      await until(browser, "the list closed", async () => (await rowsOf(browser, "model-search")).expanded === "false");
      await until(browser, "the model chosen", async () => (await (await browser.$("#model-select")).getValue()) === "deepseek/model-116");
      const saved = await until(browser, "the model saved", () => {
        const shown = JSON.parse(cli(["--json", "profile", "show", PROFILE]));
        return shown.model === "deepseek/model-116" ? shown : null;
      });
      assert(saved.source === "custom", `saved: ${JSON.stringify(saved)}`);

      // A model used lately comes first: after a chat with it, it leads the unfiltered list.
      await send(browser, "hello");
      await until(browser, "the reply", async () => (await lastAssistant(browser))?.state === "complete");
      await openDrawer(browser);
      await typeInto(browser, "#model-search", "");
      await browser.keys(["ArrowDown"]);
      const recent = await until(browser, "the list with the recent model first", async () => {
        const shown = await rowsOf(browser, "model-search");
        return shown.groups[0] === "Used lately" ? shown : null;
      });
      assert(recent.rows[0].value === "deepseek/model-116", `first: ${JSON.stringify(recent.rows.slice(0, 2))}`);
      await browser.keys(["Escape"]);
      await until(browser, "the list closed", async () => (await rowsOf(browser, "model-search")).expanded === "false");
    } finally {
      await closeApp(browser);
    }
  });

  test("the source list is searched: “groq” shows only Groq, and a source is picked with the keyboard", async () => {
    const browser = await openApp();
    try {
      await chooseProfile(browser, "");
      await typeInto(browser, "#source-search", "groq");
      const groq = await until(browser, "only Groq", async () => {
        const shown = await rowsOf(browser, "source-search");
        return shown.rows.length === 1 ? shown : null;
      });
      assert(groq.rows[0].value === "groq" && groq.rows[0].label.startsWith("Groq"), `rows: ${JSON.stringify(groq.rows)}`);
      assert(JSON.stringify(groq.groups) === JSON.stringify(["Cloud chat APIs"]), `groups: ${JSON.stringify(groq.groups)}`);
      await screenshot(browser, "source-search-groq");

      await typeInto(browser, "#source-search", "koboldcpp");
      await until(browser, "KoboldCpp", async () => (await rowsOf(browser, "source-search")).rows[0]?.value === "koboldcpp");
      await browser.keys(["ArrowDown", "Enter"]);
      await until(browser, "KoboldCpp chosen", async () => (await (await browser.$("#source")).getValue()) === "koboldcpp");
      const url = await (await browser.$("#url")).getValue();
      assert(url === "http://127.0.0.1:5001", `the URL follows the source: ${url}`);
    } finally {
      await closeApp(browser);
    }
  });
}
