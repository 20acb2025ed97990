// End-to-end test of OpenAI's API choice in the real window (registered by run.mjs): a new OpenAI
// profile made in the drawer against the OpenAI fake, the "API" select shown for OpenAI only,
// a codex model's reply streamed through `/v1/responses` on Auto, and Chat Completions forced
// for the same model refused with OpenAI's own words.

/**
 * @param test  run.mjs's `test(name, fn)`
 * @param h     run.mjs's helpers: openApp, closeApp, until, assert, screenshot, send,
 *              lastAssistant, connectionState, openDrawer, setField, startFake, cli, REPLY_TEXT
 */
export function registerOpenAiApiTests(test, h) {
  const { openApp, closeApp, until, assert, screenshot, send, lastAssistant, connectionState, openDrawer, setField, startFake, cli, REPLY_TEXT } = h;
  const KEY = "sk-e2e-responses-SECRET-4242";
  const CODEX = "gpt-5-codex";
  const NAME = "E2E OpenAI Responses";

  test("OpenAI: a codex model streams through the Responses API on Auto; Chat Completions forced is refused", async () => {
    const openai = await startFake(["--api-key", KEY, "--slow-delay-ms", "20"]);
    const browser = await openApp();
    try {
      await openDrawer(browser);
      await (await browser.$("#profile-switcher")).selectByAttribute("value", "");
      const apiField = await browser.$("#openai-api-field");
      await (await browser.$("#source")).selectByAttribute("value", "custom");
      assert(!(await apiField.isDisplayed()), "the API select shows for another source");
      await (await browser.$("#source")).selectByAttribute("value", "openai");
      await apiField.waitForDisplayed({ timeout: 15_000 });
      const select = await browser.$("#openai-api");
      assert((await select.getValue()) === "auto", "a new OpenAI profile is not on Auto");

      await setField(browser, "#url", `${openai.url}/v1`);
      await setField(browser, "#profile-name", NAME);
      await setField(browser, "#api-key", KEY);
      await setField(browser, "#model-input", CODEX);
      await (await browser.$("#connect")).click();
      await until(browser, "connected", async () => (await connectionState(browser)) === "connected");
      await screenshot(browser, "openai-api-auto-connected");
      const saved = JSON.parse(cli(["--json", "profile", "show", NAME]));
      assert(saved.options.source.openaiApi === "auto", `saved: ${JSON.stringify(saved)}`);

      await send(browser, "hello Responses");
      const reply = await until(browser, "the streamed reply", async () => {
        const last = await lastAssistant(browser);
        return last && last.state === "complete" ? last : null;
      });
      assert(reply.text.trim() === REPLY_TEXT, `reply: ${JSON.stringify(reply.text)}`);
      const posts = (await openai.requests()).filter((r) => r.method === "POST");
      const sent = posts[posts.length - 1];
      assert(sent.path === "/v1/responses", `path: ${sent.path}`);
      const body = JSON.parse(sent.body);
      assert(body.model === CODEX && body.store === false && Array.isArray(body.input), `body: ${sent.body}`);

      // Chat Completions forced: OpenAI refuses the codex model there.
      await openDrawer(browser);
      await select.selectByAttribute("value", "chatCompletions");
      await until(browser, "the note for Chat Completions", async () =>
        (await (await browser.$("#openai-api-note")).getText()).includes("/v1/chat/completions"));
      await until(browser, "the choice saved", async () =>
        JSON.parse(cli(["--json", "profile", "show", NAME])).options.source.openaiApi === "chatCompletions");
      await send(browser, "hello again");
      const refused = await until(browser, "the refusal", async () => {
        const posts = (await openai.requests()).filter((r) => r.method === "POST");
        return posts[posts.length - 1].path === "/v1/chat/completions" ? posts[posts.length - 1] : null;
      });
      assert(JSON.parse(refused.body).model === CODEX, `body: ${refused.body}`);
      await until(browser, "the refusal shown", async () => {
        const text = await browser.execute(() => document.body.innerText);
        return text.includes("only supported in v1/responses");
      });
      await screenshot(browser, "openai-api-chat-refused");
    } finally {
      await closeApp(browser);
    }
  });
}
