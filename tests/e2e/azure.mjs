// End-to-end test of Azure OpenAI in the real window (registered by run.mjs): a new profile made
// in the drawer against the Azure fake, the deployments route chosen in the Connection section
// (the fields show for Azure only), connected, and a reply streamed through
// `/openai/deployments/{deployment}/chat/completions?api-version=…` with the key in `api-key`.

/**
 * @param test  run.mjs's `test(name, fn)`
 * @param h     run.mjs's helpers: openApp, closeApp, until, assert, screenshot, send,
 *              lastAssistant, connectionState, openDrawer, setField, startFake, REPLY_TEXT
 */
export function registerAzureTests(test, h) {
  const { openApp, closeApp, until, assert, screenshot, send, lastAssistant, connectionState, openDrawer, setField, startFake, REPLY_TEXT } = h;
  const AZURE_KEY = "az-e2e-SECRET-key-8080";
  const DEPLOYMENT = "gpt-4o-prod";

  test("Azure OpenAI: a profile on the deployments route connects and streams a reply", async () => {
    const azure = await startFake(["--dialect", "azure", "--api-key", AZURE_KEY, "--model", DEPLOYMENT, "--slow-delay-ms", "20"]);
    const browser = await openApp();
    try {
      await openDrawer(browser);
      await (await browser.$("#profile-switcher")).selectByAttribute("value", "");
      const azureFields = await browser.$("#azure-fields");
      await (await browser.$("#source")).selectByAttribute("value", "custom");
      assert(!(await azureFields.isDisplayed()), "the Azure fields show for another source");
      await (await browser.$("#source")).selectByAttribute("value", "azure_openai");
      await azureFields.waitForDisplayed({ timeout: 15_000 });
      const version = await browser.$("#azure-api-version");
      assert(!(await version.isDisplayed()), "the API version shows on the v1 route");
      await (await browser.$("#azure-route")).selectByAttribute("value", "deployments");
      await version.waitForDisplayed({ timeout: 15_000 });
      assert((await version.getAttribute("placeholder")) === "2024-10-21", "no default version shown");

      await setField(browser, "#url", azure.url);
      await setField(browser, "#profile-name", "E2E Azure");
      await setField(browser, "#api-key", AZURE_KEY);
      await setField(browser, "#model-input", DEPLOYMENT);
      await (await browser.$("#connect")).click();
      await until(browser, "connected", async () => (await connectionState(browser)) === "connected");
      await screenshot(browser, "azure-deployments-connected");

      await send(browser, "hello Azure");
      const reply = await until(browser, "the streamed reply", async () => {
        const last = await lastAssistant(browser);
        return last && last.state === "complete" ? last : null;
      });
      assert(reply.text.trim() === REPLY_TEXT, `reply: ${JSON.stringify(reply.text)}`);

      const chats = (await azure.requests()).filter((r) => r.path.endsWith("/chat/completions"));
      const chat = chats[chats.length - 1];
      assert(chat.path === `/openai/deployments/${DEPLOYMENT}/chat/completions`, `path: ${chat.path}`);
      assert(chat.query === "api-version=2024-10-21", `query: ${chat.query}`);
      assert(chat.headers.some(([k, v]) => k === "api-key" && v === AZURE_KEY), "key not in api-key");
      assert(!chat.headers.some(([k]) => k === "authorization"), "an Authorization header was sent");
      const body = JSON.parse(chat.body);
      assert(body.stream === true && body.model === undefined, `body: ${chat.body}`);
    } finally {
      await closeApp(browser);
    }
  });
}
