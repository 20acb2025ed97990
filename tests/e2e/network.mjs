// End-to-end test of a profile's proxy in the real window (registered by run.mjs): the proxy set
// under the drawer's Advanced is saved with the profile, and Connect then reaches the fake
// through it (the loopback forward proxy, `switchboard-fakes --forward-proxy`, lists what it
// relayed). The test brings its own profile and proxy, so it runs alone as well as after the others.

/**
 * @param test  run.mjs's `test(name, fn)`
 * @param h     run.mjs's helpers: openApp, closeApp, until, assert, cli, openDrawer, setField,
 *              connectionState, startFake, fake() (the OpenAI-compatible fake) and key (its key)
 */
export function registerNetworkTests(test, h) {
  const { openApp, closeApp, until, assert, cli, openDrawer, setField, connectionState, startFake, fake, key } = h;
  const PROFILE = "E2E proxied";

  /** What the proxy relayed: `{ method, target, authorized }` each. */
  const relayed = async (proxy) => (await fetch(`${proxy.url}/__proxy/requests`)).json();

  test("a proxy set in the drawer is saved and Connect goes through it", async () => {
    const proxy = await startFake(["--forward-proxy"]);
    cli(["profile", "add", PROFILE, "--source", "custom", "--url", `${fake().url}/v1`, "--model", "fake-model-1", "--proxy", "direct"]);
    cli(["key", "set", PROFILE], key);
    const browser = await openApp();
    try {
      await openDrawer(browser);
      const id = JSON.parse(cli(["--json", "profile", "show", PROFILE])).id;
      const switcher = await browser.$("#profile-switcher");
      await until(browser, "the profile in the switcher", () =>
        browser.execute((id) => Array.from(document.querySelectorAll("#profile-switcher option")).some((o) => o.value === id), id),
      );
      await switcher.scrollIntoView({ block: "center" });
      await switcher.selectByAttribute("value", id);
      await until(browser, "connected directly", async () => (await connectionState(browser)) === "connected");
      assert((await relayed(proxy)).length === 0, "the proxy was used before it was set");

      // Advanced (opened as a person would) shows the saved choice: None.
      await (await browser.$("#drawer-advanced-title")).scrollIntoView({ block: "center" });
      if (!(await browser.execute(() => document.getElementById("drawer-advanced").open))) {
        await (await browser.$("#drawer-advanced-title")).click();
      }
      await (await browser.$("#proxy-choice")).waitForDisplayed({ timeout: 15_000 });
      assert(await (await browser.$("#proxy-mode-direct")).isSelected(), "the profile's “None” is not shown");
      assert(!(await (await browser.$("#proxy-url")).isDisplayed()), "the proxy URL shows for “None”");

      await (await browser.$("label[for='proxy-mode-url']")).click();
      await (await browser.$("#proxy-url")).waitForDisplayed({ timeout: 15_000 });
      await (await browser.$("#proxy-url")).scrollIntoView({ block: "center" });
      await setField(browser, "#proxy-url", proxy.url);
      await browser.keys("Tab"); // leaving the field saves it
      await until(browser, "the proxy saved with the profile", () => {
        const shown = JSON.parse(cli(["--json", "profile", "show", PROFILE]));
        return shown.options?.network?.proxy?.mode === "url" && shown.options.network.proxy.url.startsWith(proxy.url);
      });

      await (await browser.$("#connect")).scrollIntoView({ block: "center" });
      await (await browser.$("#connect")).click();
      const through = await until(browser, "a request relayed by the proxy", async () => {
        const seen = await relayed(proxy);
        return seen.find((r) => r.target.startsWith(`${fake().url}/v1/`)) ?? null;
      });
      await until(browser, "connected through the proxy", async () => (await connectionState(browser)) === "connected");
      assert(through.authorized, `relayed: ${JSON.stringify(through)}`);
    } finally {
      await closeApp(browser);
      cli(["profile", "rm", PROFILE]);
    }
  });
}
