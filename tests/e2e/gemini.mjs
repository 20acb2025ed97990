// End-to-end test of Google AI Studio (Gemini) in the real window (registered by run.mjs): a new
// profile made in the drawer with Gemini picked in the source list, its key pasted and its URL
// pointed at the Gemini fake, connected, a model picked from the paged list, and a reply streamed
// through `models/{model}:streamGenerateContent?alt=sse` with the key in `x-goog-api-key`, the
// model's thoughts shown as reasoning, and the thinking chosen in the drawer sent as the model
// takes it (`thinkingBudget` for Gemini 2.5).

/**
 * @param test  run.mjs's `test(name, fn)`
 * @param h     run.mjs's helpers: openApp, closeApp, until, assert, screenshot, cli, send,
 *              lastAssistant, connectionState, openDrawer, setField, startFake, REPLY_TEXT,
 *              REASONING_TEXT
 */
export function registerGeminiTests(test, h) {
  const { openApp, closeApp, until, assert, screenshot, cli, send, lastAssistant, connectionState, openDrawer, setField, startFake, REPLY_TEXT, REASONING_TEXT } = h;
  const GEMINI_KEY = "AIza-e2e-SECRET-gemini-5150";
  const MODELS = ["gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.0-flash"];

  test("Gemini: picked in the source list, connected with a pasted key, a model picked, a reply with its thoughts", async () => {
    const gemini = await startFake(["--family", "gemini", "--api-key", GEMINI_KEY, "--model", MODELS.join(","), "--slow-delay-ms", "20"]);
    await gemini.scenario("reasoning");
    const browser = await openApp();
    let saved = false;
    try {
      await openDrawer(browser);
      await (await browser.$("#profile-switcher")).selectByAttribute("value", "");
      await (await browser.$("#source")).selectByAttribute("value", "gemini");
      const url = await browser.$("#url");
      await until(browser, "Gemini's default URL", async () =>
        (await url.getValue()) === "https://generativelanguage.googleapis.com/v1beta");
      await setField(browser, "#url", `${gemini.url}/v1beta`);
      await setField(browser, "#profile-name", "E2E Gemini");
      await setField(browser, "#api-key", GEMINI_KEY);
      // The thinking choice shows for Gemini; "High" goes out as the model takes it.
      const thinking = await browser.$("#gemini-thinking");
      await thinking.waitForDisplayed({ timeout: 15_000 });
      await thinking.selectByAttribute("value", "high");
      const connect = await browser.$("#connect");
      await connect.scrollIntoView();
      await connect.click();
      await until(browser, "connected to Gemini", async () => (await connectionState(browser)) === "connected");
      saved = true;
      // Every page of the list, and only the models that generate content.
      const listed = await until(browser, "Gemini's models", async () => {
        const values = await browser.execute(() =>
          Array.from(document.querySelectorAll("#model-select option")).map((o) => o.value),
        );
        return MODELS.every((m) => values.includes(m)) ? values : null;
      });
      assert(!listed.includes("text-embedding-004"), `listed: ${listed}`);
      const modelSelect = await browser.$("#model-select");
      await modelSelect.scrollIntoView();
      await modelSelect.selectByAttribute("value", "gemini-2.5-pro");
      await screenshot(browser, "gemini-connected-light");

      await send(browser, "think first, Gemini");
      const reply = await until(browser, "the Gemini reply", async () => {
        const last = await lastAssistant(browser);
        return last && last.state === "complete" ? last : null;
      });
      assert(reply.text.trim().endsWith(REPLY_TEXT), `reply: ${JSON.stringify(reply.text)}`);
      const reasoning = await browser.execute((el) => {
        const details = el.querySelector("details.reasoning");
        return details ? details.textContent : null;
      }, reply.element);
      assert(reasoning && reasoning.includes(REASONING_TEXT), `reasoning: ${JSON.stringify(reasoning)}`);
      await screenshot(browser, "gemini-reply-light");

      const generations = (await gemini.requests()).filter((r) => r.path.includes(":streamGenerateContent"));
      const sent = generations[generations.length - 1];
      assert(sent.path === "/v1beta/models/gemini-2.5-pro:streamGenerateContent", `path: ${sent.path}`);
      assert(sent.query === "alt=sse", `query: ${sent.query}`);
      assert(sent.headers.some(([k, v]) => k === "x-goog-api-key" && v === GEMINI_KEY), "key not in x-goog-api-key");
      assert(!sent.headers.some(([k]) => k === "authorization"), "an Authorization header was sent");
      const body = JSON.parse(sent.body);
      assert(
        body.generationConfig.thinkingConfig.thinkingBudget === 24576 && body.generationConfig.thinkingConfig.includeThoughts === true,
        `thinkingConfig: ${JSON.stringify(body.generationConfig)}`,
      );
      const last = body.contents[body.contents.length - 1];
      assert(last.role === "user" && last.parts[0].text === "think first, Gemini", `contents: ${sent.body}`);
    } finally {
      await closeApp(browser);
      if (saved) cli(["profile", "rm", "E2E Gemini"]);
    }
  });
}
