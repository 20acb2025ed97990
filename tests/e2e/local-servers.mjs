// End-to-end test of a local server through its own API in the real window (registered by
// run.mjs): a llama.cpp server (the fake of its native API) is connected from the drawer, lists
// its model, streams a reply through `POST /completion`, says under the reply when the server cut
// a prompt longer than its context, and Stop closes the stream, which the server sees.

/**
 * @param test  run.mjs's `test(name, fn)`
 * @param h     run.mjs's helpers: openApp, closeApp, until, assert, screenshot, send,
 *              lastAssistant, connectionState, openDrawer, setField, startFake, REPLY_TEXT
 */
export function registerLocalServerTests(test, h) {
  const { openApp, closeApp, until, assert, screenshot, send, lastAssistant, connectionState, openDrawer, setField, startFake } = h;
  const MODEL = "qwen2.5-0.5b-instruct-q8_0.gguf";

  test("llama.cpp's own server: connect, list the model, stream, the prompt it cut told, stop", async () => {
    const server = await startFake(["--family", "llamacpp", "--model", MODEL, "--context-length", "48", "--slow-delay-ms", "60"]);
    const browser = await openApp();
    try {
      await openDrawer(browser);
      await (await browser.$("#profile-switcher")).selectByAttribute("value", "");
      await (await browser.$("#source")).selectByAttribute("value", "llamacpp");
      await setField(browser, "#url", server.url);
      await setField(browser, "#profile-name", "E2E llama.cpp");
      // More context than the server runs with: a long prompt reaches it whole and it cuts it.
      await setField(browser, "#context-size", "32768");
      await (await browser.$("#connect")).click();
      await until(browser, "llama.cpp connected", async () => (await connectionState(browser)) === "connected");
      await until(browser, "the server's model", async () =>
        browser.execute((model) => Array.from(document.querySelectorAll("#model-select option")).some((o) => o.value === model), MODEL));
      await browser.execute((model) => {
        const select = document.querySelector("#model-select");
        select.value = model;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }, MODEL);
      await until(browser, "the model saved", async () =>
        (await browser.execute(() => document.querySelector("#status-text")?.textContent ?? "")).includes(MODEL));
      await browser.keys("Escape");

      await send(browser, "hello llama");
      const reply = await until(browser, "the reply", async () => {
        const last = await lastAssistant(browser);
        return last && ["complete", "failed"].includes(last.state) ? last : null;
      });
      assert(reply.state === "complete" && reply.text.trim() === h.REPLY_TEXT, `reply (${reply.state}): ${reply.text}`);
      const completions = async () => (await server.requests()).filter((r) => r.method === "POST" && r.path === "/completion");
      const body = JSON.parse((await completions()).at(-1).body);
      assert(body.cache_prompt === true && body.stream === true, `body: ${JSON.stringify(body)}`);
      assert(body.prompt.includes("hello llama"), `prompt: ${body.prompt}`);

      await send(browser, `a long one: ${"word ".repeat(50)}`);
      const cut = await until(browser, "the reply to the long prompt", async () => {
        const last = await lastAssistant(browser);
        return last && last.state === "complete" ? last : null;
      });
      const note = await (await cut.element.$('[data-testid="history-trimmed"]')).getText();
      assert(/^The prompt was longer than the server's context: it read only the last [\d,]+ tokens\.$/.test(note), `note: ${note}`);
      await screenshot(browser, "llamacpp-prompt-cut-light");

      await server.scenario("slow");
      await send(browser, "count slowly");
      await until(browser, "streaming", async () => {
        const last = await lastAssistant(browser);
        return last && last.state === "streaming" && last.text.length > 12;
      });
      await browser.keys("Escape");
      await until(browser, "stopped", async () => (await lastAssistant(browser))?.state === "stopped");
      await until(browser, "the server sees Stop", async () => (await server.stops("closed-early")) > 0);
    } finally {
      await closeApp(browser);
    }
  });
}
