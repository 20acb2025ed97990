// End-to-end tests of who answers a chat, in the real window (registered by run.mjs): the chat
// header's picker switches the model for one chat only (another chat and a new chat keep theirs,
// and the server receives the model chosen), and making, duplicating and editing profiles leave
// the live chat connected, its next message going to the same profile. Each test adds its own
// profiles with the CLI, so it runs alone as well as after the others.

import { Key } from "webdriverio";

/**
 * @param test  run.mjs's `test(name, fn)`
 * @param h     run.mjs's helpers: openApp, closeApp, until, assert, send, lastAssistant,
 *              connectionState, openDrawer, setField, cli, screenshot, key (the fake's key),
 *              and fake() (the OpenAI-compatible fake)
 */
export function registerChatTargetTests(test, h) {
  const { openApp, closeApp, until, assert, send, lastAssistant, connectionState, openDrawer, setField, cli, screenshot } = h;

  /** A profile for the OpenAI-compatible fake, added with the CLI (the app is not running). */
  const addProfile = (name, model) => {
    cli(["profile", "add", name, "--source", "custom", "--url", `${h.fake().url}/v1`, "--model", model]);
    cli(["key", "set", name], h.key);
  };

  /** The id of the profile named `name`, from the drawer's list. */
  const profileId = (browser, name) =>
    until(browser, `the profile “${name}” listed`, () =>
      browser.execute(
        (name) => Array.from(document.querySelectorAll("#profile-switcher option")).find((o) => o.textContent.trim() === name)?.value ?? null,
        name,
      ),
    );

  /** Connects to `name` by choosing it in the drawer's list (a click), then closes the drawer. */
  const useProfile = async (browser, name) => {
    await openDrawer(browser);
    const id = await profileId(browser, name);
    await (await browser.$("#profile-switcher")).selectByAttribute("value", id);
    await until(browser, `connected to “${name}”`, async () =>
      (await connectionState(browser)) === "connected" &&
      (await browser.execute(() => document.querySelector("#profile-name").value)) === name,
    );
    await browser.execute(() => document.querySelector("#drawer-close").click());
    return id;
  };

  /** Sends `text` and waits for the whole reply; the request the fake received for it. */
  const exchange = async (browser, text) => {
    const before = (await h.fake().requests()).length;
    await send(browser, text);
    await until(browser, `the reply to “${text}”`, async () => {
      const last = await lastAssistant(browser);
      return last && last.state === "complete" && last.text.length > 0;
    });
    const requests = (await h.fake().requests()).slice(before).filter((r) => r.path.endsWith("/chat/completions"));
    assert(requests.length === 1, `${requests.length} chat requests for “${text}”`);
    const request = requests[0];
    const body = JSON.parse(request.body);
    assert(body.messages.at(-1).content === text, `the request was not for “${text}”: ${request.body}`);
    return body;
  };

  /** What the header's picker shows. */
  const picker = (browser) =>
    browser.execute(() => {
      const profile = document.querySelector("#chat-profile");
      return {
        profile: profile.value,
        profileName: profile.selectedOptions[0]?.textContent ?? "",
        model: document.querySelector("#chat-model").value,
      };
    });

  /**
   * Opens the chat whose title starts with `title` and waits until it is shown. Clicked from the
   * page: the list re-renders under WebDriver's element handles.
   */
  const openChat = async (browser, title) => {
    await until(browser, `the chat “${title}” listed and clicked`, () =>
      browser.execute((title) => {
        const item = Array.from(document.querySelectorAll('[data-testid="chat-item"]')).find((b) => b.textContent.startsWith(title));
        item?.click();
        return Boolean(item);
      }, title),
    );
    await until(browser, `the chat “${title}” open`, async () =>
      browser.execute(
        (title) => document.querySelector("#chat-title").textContent.startsWith(title) && document.querySelectorAll("#messages .message").length > 0,
        title,
      ),
    );
  };

  /** Types a model over the one in the header's picker and presses Enter, as a person would. */
  const pickModel = async (browser, model) => {
    await browser.execute(() => {
      const field = document.querySelector("#chat-model");
      field.focus();
      field.select();
    });
    await browser.keys(model);
    await browser.keys("Enter");
    await until(browser, `the picker set to ${model}`, () =>
      browser.execute((model) => document.activeElement?.id !== "chat-model" && document.querySelector("#chat-model").value === model, model),
    );
  };

  test("the header's picker switches the model for one chat only", async () => {
    addProfile("Picker", "fake-model-1");
    let browser = await openApp();
    try {
      const picked = await useProfile(browser, "Picker");
      await browser.keys([Key.Ctrl, "n"]);
      const first = await exchange(browser, "Picker first chat");
      assert(first.model === "fake-model-1", `first chat sent ${first.model}`);
      await browser.keys([Key.Ctrl, "n"]);
      const second = await exchange(browser, "Picker second chat");
      assert(second.model === "fake-model-1", `second chat sent ${second.model}`);

      // The first chat switches to the other model, from its header.
      await openChat(browser, "Picker first chat");
      const shown = await picker(browser);
      assert(shown.profile === picked && shown.model === "fake-model-1", `picker: ${JSON.stringify(shown)}`);
      await pickModel(browser, "fake-model-2");
      const again = await exchange(browser, "Picker first chat, again");
      assert(again.model === "fake-model-2", `the switched chat sent ${again.model}`);
      const modelLabel = () =>
        browser.execute(() => {
          const replies = document.querySelectorAll('#messages .message[data-role="assistant"]');
          return replies[replies.length - 1]?.querySelector(".message-model")?.textContent ?? "";
        });
      await until(browser, "the reply's model label", async () => (await modelLabel()) === "fake-model-2").catch(async () => {
        throw new Error(`the reply says it came from “${await modelLabel()}”`);
      });
      await screenshot(browser, "chat-target-picker");

      // The other chat keeps its model, and so does a new chat.
      await openChat(browser, "Picker second chat");
      assert((await picker(browser)).model === "fake-model-1", `the other chat: ${JSON.stringify(await picker(browser))}`);
      const other = await exchange(browser, "Picker second chat, again");
      assert(other.model === "fake-model-1", `the other chat sent ${other.model}`);
      await browser.keys([Key.Ctrl, "n"]);
      const fresh = await picker(browser);
      assert(fresh.profile === picked && fresh.model === "fake-model-1", `a new chat: ${JSON.stringify(fresh)}`);
      const newest = await exchange(browser, "Picker third chat");
      assert(newest.model === "fake-model-1", `a new chat sent ${newest.model}`);
      assert((await connectionState(browser)) === "connected", "the connection changed");
      await closeApp(browser);

      // After a restart, the chat still answers with the model picked for it.
      browser = await openApp();
      await openChat(browser, "Picker first chat");
      const kept = await until(browser, "the picker after a restart", async () => {
        const now = await picker(browser);
        return now.model === "fake-model-2" ? now : null;
      });
      assert(kept.profile === picked, `after a restart: ${JSON.stringify(kept)}`);
    } finally {
      await closeApp(browser);
    }
  });

  test("making, duplicating and editing profiles leave the live chat connected", async () => {
    addProfile("Steady", "fake-model-1");
    const browser = await openApp();
    try {
      const steady = await useProfile(browser, "Steady");
      await browser.keys([Key.Ctrl, "n"]);
      await exchange(browser, "Steady before the edits");

      // Duplicate the live profile: the copy is shown to edit, the chat stays connected.
      await openDrawer(browser);
      await browser.execute(() => document.querySelector('[data-testid="duplicate-profile"]').click());
      await until(browser, "the copy shown", async () =>
        (await browser.execute(() => document.querySelector("#profile-name").value)) === "Steady copy",
      );
      assert((await connectionState(browser)) === "connected", "duplicating disconnected the chat");
      const dot = () => browser.execute(() => document.querySelector("#drawer-toggle .status-dot").dataset.state);
      assert((await dot()) === "connected", `the header's light: ${await dot()}`);

      // Edit the copy: another name and a server that is down. Saved, and still connected.
      await setField(browser, "#profile-name", "Steady experiments");
      await setField(browser, "#url", "http://127.0.0.1:9/v1");
      await browser.execute(() => document.querySelector("#url").blur());
      await until(browser, "the copy renamed", () =>
        browser.execute(() => Array.from(document.querySelectorAll("#profile-switcher option")).some((o) => o.textContent === "Steady experiments")),
      );
      assert((await connectionState(browser)) === "connected", "editing a profile disconnected the chat");

      // A new profile whose server is down: Connect checks it, saves nothing, offers to.
      const count = () => browser.execute(() => document.querySelectorAll("#profile-switcher option").length);
      const before = await count();
      await (await browser.$("#profile-switcher")).selectByAttribute("value", "");
      await (await browser.$("#source")).selectByAttribute("value", "custom");
      await setField(browser, "#url", "http://127.0.0.1:9/v1");
      await setField(browser, "#profile-name", "Steady never saved");
      await (await browser.$("#connect")).click();
      const offer = await until(browser, "Save anyway offered", () =>
        browser.execute(() => {
          const button = Array.from(document.querySelectorAll("#banner button")).find((b) => b.textContent === "Save anyway");
          return button ? document.querySelector("#banner").textContent : null;
        }),
      );
      assert(/running/i.test(offer), `banner: ${offer}`);
      assert((await count()) === before, "a profile that did not connect was saved");
      assert((await connectionState(browser)) === "connected", "a failed new profile replaced the live connection");
      await browser.execute(() => document.querySelector("#drawer-close").click());

      // The next message goes to the same profile, with its model and key.
      const shown = await picker(browser);
      assert(shown.profile === steady && shown.model === "fake-model-1", `picker: ${JSON.stringify(shown)}`);
      const body = await exchange(browser, "Steady after the edits");
      assert(body.model === "fake-model-1", `sent ${body.model}`);
      const last = (await h.fake().requests()).filter((r) => r.path.endsWith("/chat/completions")).at(-1);
      assert(last.headers.some(([k, v]) => k === "authorization" && v === `Bearer ${h.key}`), "not sent with the live profile's key");
      assert((await connectionState(browser)) === "connected", "not connected after sending");
    } finally {
      await closeApp(browser);
    }
  });
}
