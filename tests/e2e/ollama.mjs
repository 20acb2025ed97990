// End-to-end test of Ollama through its native API in the real window (registered by run.mjs):
// "Find local servers" with a port the person typed finds the Ollama fake there (the usual ports
// are not where it listens), Add saves an `ollama` profile and connects, a reply streams from
// `/api/chat` with `options.num_ctx` sent; the port is remembered for the next search.

/**
 * @param test  run.mjs's `test(name, fn)`
 * @param h     run.mjs's helpers: openApp, closeApp, until, assert, screenshot, cli, send,
 *              lastAssistant, connectionState, openDrawer, setField, startFake, and the reply
 *              text of the fakes
 */
export function registerOllamaTests(test, h) {
  const { openApp, closeApp, until, assert, screenshot, cli, send, lastAssistant, connectionState, openDrawer, setField, startFake, replyText } = h;

  /** The found row of the server at `url`, once listed: its text and whether it needs a key. */
  const foundAt = (browser, url) =>
    until(browser, `the server at ${url} found`, () =>
      browser.execute((url) => {
        const row = document.querySelector(`[data-testid="found-server"][data-url="${url}"]`);
        return row ? { text: row.textContent, source: row.dataset.source } : null;
      }, url),
    );

  test("Find local servers on an added port finds Ollama, adds it and streams a reply through /api/chat", async () => {
    const ollama = await startFake(["--family", "ollama", "--model", "llama3.2"]);
    const port = new URL(ollama.url).port;
    const browser = await openApp();
    let profile = null;
    try {
      await openDrawer(browser);
      await setField(browser, "#detect-port", port);
      await browser.execute(() => document.querySelector('[data-testid="find-servers"]').click());
      const found = await foundAt(browser, ollama.url);
      assert(found.source === "ollama", `proposed source: ${found.source}`);
      assert(found.text.includes("Ollama 0.12.6 with model llama3.2:latest"), `found: ${found.text}`);
      await screenshot(browser, "ollama-found-light");
      await browser.execute((url) =>
        document.querySelector(`[data-testid="found-server"][data-url="${url}"] [data-testid="found-server-add"]`).click(),
      ollama.url);
      await until(browser, "connected", async () => (await connectionState(browser)) === "connected");
      profile = `Ollama (${port})`;

      await send(browser, "hello ollama");
      const reply = await until(browser, "the streamed reply", async () => {
        const last = await lastAssistant(browser);
        return last && last.state === "complete" ? last : null;
      });
      assert(reply.text.trim() === replyText, `reply: ${JSON.stringify(reply.text)}`);
      const chats = (await ollama.requests()).filter((r) => r.path === "/api/chat");
      assert(chats.length === 1, `chat requests: ${chats.length}`);
      const body = JSON.parse(chats[0].body);
      assert(body.model === "llama3.2:latest", `model: ${body.model}`);
      assert(body.messages.at(-1).content === "hello ollama", `messages: ${JSON.stringify(body.messages)}`);
      assert(Number.isInteger(body.options.num_ctx) && body.options.num_ctx > 0, `options: ${JSON.stringify(body.options)}`);

      // Remembered: the next search, with the field empty, probes the port again.
      const probes = async () => (await ollama.requests()).filter((r) => r.path === "/api/version").length;
      const before = await probes();
      await openDrawer(browser);
      await setField(browser, "#detect-port", "");
      await browser.execute(() => document.querySelector('[data-testid="find-servers"]').click());
      await until(browser, "the remembered port probed again", async () => (await probes()) > before);
      await foundAt(browser, ollama.url);
    } finally {
      await closeApp(browser);
      if (profile) cli(["profile", "rm", profile]);
    }
  });
}
