// End-to-end test of sources under a reply in the real window (registered by run.mjs): a
// Perplexity profile made in the drawer against the OpenAI-compatible fake answering as Perplexity
// does (`--citations perplexity`: `citations` and `search_results` in every chunk), a reply
// streamed, and its sources listed under it, numbered, "title (host)" linking each page.

/**
 * @param test  run.mjs's `test(name, fn)`
 * @param h     run.mjs's helpers: openApp, closeApp, until, assert, screenshot, send,
 *              lastAssistant, connectionState, openDrawer, setField, startFake, cli, REPLY_TEXT
 */
export function registerCitationsTests(test, h) {
  const { openApp, closeApp, until, assert, screenshot, send, lastAssistant, connectionState, openDrawer, setField, startFake, cli, REPLY_TEXT } = h;
  const KEY = "pplx-e2e-SECRET-cited-77";
  const NAME = "E2E Perplexity";

  test("Perplexity: a reply's sources are listed under it, numbered, each title (host) linking its page", async () => {
    const pplx = await startFake(["--api-key", KEY, "--citations", "perplexity", "--slow-delay-ms", "20"]);
    const browser = await openApp();
    let saved = false;
    try {
      await openDrawer(browser);
      await (await browser.$("#profile-switcher")).selectByAttribute("value", "");
      await (await browser.$("#source")).selectByAttribute("value", "perplexity");
      await setField(browser, "#url", pplx.url);
      await setField(browser, "#profile-name", NAME);
      await setField(browser, "#api-key", KEY);
      await setField(browser, "#model-input", "fake-model-1");
      const connect = await browser.$("#connect");
      await connect.scrollIntoView();
      await connect.click();
      await until(browser, "connected to Perplexity", async () => (await connectionState(browser)) === "connected");
      saved = true;

      await send(browser, "who ran the first switchboard?");
      const reply = await until(browser, "the cited reply", async () => {
        const last = await lastAssistant(browser);
        return last && last.state === "complete" ? last : null;
      });
      assert(reply.text.includes(REPLY_TEXT), `reply: ${JSON.stringify(reply.text)}`);
      const listed = await until(browser, "the sources under the reply", () =>
        browser.execute((el) => {
          const section = el.querySelector('[data-testid="message-sources"]');
          if (!section) return null;
          return {
            heading: section.querySelector("h3")?.textContent ?? "",
            items: [...section.querySelectorAll("ol > li")].map((li) => ({
              text: li.textContent,
              href: li.querySelector("a.source-link")?.getAttribute("href") ?? null,
            })),
          };
        }, reply.element),
      );
      assert(listed.heading === "Sources", `heading: ${listed.heading}`);
      const expected = [
        ["Telephone switchboard - Wikipedia (en.wikipedia.org)", "https://en.wikipedia.org/wiki/Telephone_switchboard"],
        ["Telephone exchange | Britannica (www.britannica.com)", "https://www.britannica.com/technology/telephone-exchange"],
        ["The operators who connected the world (example.org)", "https://example.org/history/operators"],
      ];
      assert(
        JSON.stringify(listed.items.map((i) => [i.text, i.href])) === JSON.stringify(expected),
        `listed: ${JSON.stringify(listed.items)}`,
      );
      await screenshot(browser, "citations-sources-light");
    } finally {
      await closeApp(browser);
      if (saved) cli(["profile", "rm", NAME]);
    }
  });
}
