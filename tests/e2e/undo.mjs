// End-to-end tests of deleting with undo in the real window (registered by run.mjs): a chat, a
// message and a profile each go at once, come back with the toast's Undo or with Ctrl+Z, and are
// gone for good when neither is used before the toast ends. What was under the pointer stays
// there: the deleted row's place is held by "Deleted · Undo".

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** How long the toast offers Undo (ui/src/state/undo.ts), with room for a slow machine. */
const UNDO_WINDOW = 10_000;

/**
 * @param test  run.mjs's `test(name, fn)`
 * @param h     run.mjs's helpers: openApp, closeApp, until, assert, screenshot, cli, openDrawer,
 *              fake() (the OpenAI-compatible fake) and key (the key it wants)
 */
export function registerUndoTests(test, h) {
  const { openApp, closeApp, until, assert, screenshot, cli, openDrawer, fake, key } = h;

  /** A chat with four messages, brought in as a SillyTavern file under a title of its own. */
  const importChat = (title) => {
    const folder = mkdtempSync(join(tmpdir(), "switchboard-undo-"));
    const path = join(folder, `${title}.jsonl`);
    const lines = [JSON.stringify({ user_name: "You", character_name: "Bot", switchboard_title: title, chat_metadata: {} })];
    ["first question", "first answer", "second question", "second answer"].forEach((text, i) =>
      lines.push(JSON.stringify({ name: i % 2 === 0 ? "You" : "Bot", is_user: i % 2 === 0, mes: `${title}: ${text}` })),
    );
    writeFileSync(path, `${lines.join("\n")}\n`);
    cli(["chats", "import", path]);
  };

  /** A profile of the fake with its key, saved from the command line. */
  const addProfile = (name) => {
    cli(["profile", "add", name, "--source", "custom", "--url", `${fake().url}/v1`, "--model", "fake-model-1"]);
    cli(["key", "set", name], key);
  };

  /** The chat list's chats by title (placeholders left out). */
  const listed = (browser) =>
    browser.execute(() =>
      Array.from(document.querySelectorAll('[data-testid="chat-item"][data-chat-id] .chat-item-title')).map((t) => t.textContent),
    );

  const chatIdOf = (browser, title) =>
    until(browser, `the chat “${title}” listed`, () =>
      browser.execute((title) => {
        const item = Array.from(document.querySelectorAll('[data-testid="chat-item"][data-chat-id]')).find((b) => b.querySelector(".chat-item-title")?.textContent === title);
        return item ? item.dataset.chatId : null;
      }, title),
    );

  /**
   * Clicks the element `selector` (as the pointer would, at its centre) and returns what is at
   * that point afterwards, once `settled` says the deletion landed: the test id of the element
   * there or of its closest ancestor with one.
   */
  const clickAndLookUnder = async (browser, selector, settled) => {
    const point = await browser.execute((selector) => {
      const target = document.querySelector(selector);
      target.scrollIntoView({ block: "center" });
      const box = target.getBoundingClientRect();
      target.click();
      return { x: box.left + box.width / 2, y: box.top + box.height / 2 };
    }, selector);
    await until(browser, "the deletion", settled);
    return browser.execute(({ x, y }, selector) => {
      const at = document.elementFromPoint(x, y);
      const marked = at?.closest("[data-testid]");
      const now = document.querySelector(selector)?.getBoundingClientRect();
      return {
        testid: marked?.getAttribute("data-testid") ?? null,
        text: ((marked ?? at)?.textContent ?? "").slice(0, 80),
        at: `${at?.tagName}.${at?.className}`,
        point: [x, y],
        now: now ? [now.left, now.top, now.width, now.height] : null,
        spacers: Array.from(document.querySelectorAll(".footer-spacer")).map((e) => `${e.hidden}:${e.offsetHeight}`),
        drawer: ((d) => (d ? [d.scrollTop, d.scrollHeight, d.clientHeight] : null))(document.getElementById("drawer")),
      };
    }, point, selector);
  };

  const toast = (browser) =>
    browser.execute(() => {
      const element = document.getElementById("toast");
      return element && !element.hidden ? element.textContent : null;
    });

  /** The chat `title` open, its message elements' ids in order. */
  const openChat = async (browser, title) => {
    const id = await chatIdOf(browser, title);
    await browser.execute((id) => document.querySelector(`[data-chat-id="${id}"]`).click(), id);
    return until(browser, "its messages", () =>
      browser.execute(() => {
        const ids = Array.from(document.querySelectorAll("#messages article.message")).map((m) => m.dataset.messageId);
        return ids.length === 4 ? ids : null;
      }),
    );
  };

  const messageIds = (browser) =>
    browser.execute(() => Array.from(document.querySelectorAll("#messages article.message")).map((m) => m.dataset.messageId));

  const profileNames = (browser) =>
    browser.execute(() => Array.from(document.querySelectorAll("#profile-switcher option")).filter((o) => o.value).map((o) => o.text));

  /** Shows profile `name` in the drawer. */
  const showProfile = async (browser, name) => {
    await openDrawer(browser);
    await browser.execute((name) => {
      const select = document.getElementById("profile-switcher");
      const option = Array.from(select.options).find((o) => o.text === name);
      select.value = option.value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }, name);
    await until(browser, `profile “${name}” shown`, async () => (await (await browser.$("#profile-name")).getValue()) === name);
  };

  /**
   * Removes a profile these tests made (with the app closed), so that the tests after them find
   * the profile they expect shown: the window shows the newest profile at launch.
   */
  const removeProfile = (name) => {
    try {
      cli(["profile", "rm", name]);
    } catch {
      // Left deleted by a test that failed: purged at the next start.
    }
  };

  /**
   * Deletes a chat, a message and a profile in turn, each brought back by `undo` (run right after
   * its deletion); checks that nothing moved under the pointer and that each is back as it was.
   */
  const deleteAndBringBack = async (browser, tag, undo) => {
    const chatTitle = `Undo chat ${tag}`;
    const before = await listed(browser);
    const chatId = await chatIdOf(browser, chatTitle);
    const under = await clickAndLookUnder(browser, `[data-row="${chatId}"] [data-testid="chat-delete"]`, async () =>
      !(await listed(browser)).includes(chatTitle),
    );
    assert(under.testid === "undo-placeholder", `under the pointer after deleting the chat: ${JSON.stringify(under)}`);
    assert((await toast(browser))?.includes(`Deleted “${chatTitle}”.`), `toast: ${await toast(browser)}`);
    await undo("the chat");
    await until(browser, "the chat back in the list", async () => (await listed(browser)).length === before.length);
    assert(JSON.stringify(await listed(browser)) === JSON.stringify(before), `list after Undo: ${await listed(browser)}`);

    const ids = await openChat(browser, chatTitle);
    const gone = ids[1];
    const message = await clickAndLookUnder(browser, `article[data-message-id="${gone}"] [data-testid="delete-message"]`, async () =>
      !(await messageIds(browser)).includes(gone),
    );
    assert(message.testid === "undo-placeholder", `under the pointer after deleting the message: ${JSON.stringify(message)}`);
    await undo("the message");
    await until(browser, "the message back in its place", async () => JSON.stringify(await messageIds(browser)) === JSON.stringify(ids));

    const profile = `Undo profile ${tag}`;
    await showProfile(browser, profile);
    const names = await profileNames(browser);
    const footer = await clickAndLookUnder(browser, '[data-testid="delete-profile"]', async () => !(await profileNames(browser)).includes(profile));
    assert(footer.testid === "delete-profile" && footer.text === "Deleted · Undo", `under the pointer after deleting the profile: ${JSON.stringify(footer)}`);
    await undo("the profile");
    await until(browser, "the profile back", async () => JSON.stringify(await profileNames(browser)) === JSON.stringify(names));
    // With its key: it was kept in the keychain meanwhile.
    await showProfile(browser, profile);
    await until(browser, "its key saved", async () => /saved/i.test(await (await browser.$("#key-status")).getText()));
  };

  test("Undo in the toast brings back a deleted chat, message and profile in their places", async () => {
    importChat("Undo chat toast");
    importChat("Undo chat toast neighbour");
    addProfile("Undo profile toast");
    const browser = await openApp();
    try {
      await deleteAndBringBack(browser, "toast", async (what) => {
        const undo = await browser.$('[data-testid="undo-delete"]');
        await undo.waitForDisplayed({ timeout: 5_000 });
        assert((await toast(browser)) !== null, `no toast after deleting ${what}`);
        await undo.click();
      });
      await screenshot(browser, "undo-after-toast");
    } finally {
      await closeApp(browser);
      removeProfile("Undo profile toast");
    }
  });

  test("Undo with Ctrl+Z brings back a deleted chat, message and profile, newest first", async () => {
    importChat("Undo chat keys");
    importChat("Undo chat keys neighbour");
    addProfile("Undo profile keys");
    const browser = await openApp();
    try {
      await deleteAndBringBack(browser, "keys", async (what) => {
        // Focus is on the toast's Undo (a button, not a text field): Ctrl+Z is the window's.
        await until(browser, `the toast after deleting ${what}`, () => toast(browser));
        await browser.keys(["Control", "z"]);
      });

      // In a text field, Ctrl+Z is the field's own: nothing comes back.
      const title = "Undo chat keys neighbour";
      const id = await chatIdOf(browser, title);
      await browser.execute((id) => document.querySelector(`[data-row="${id}"] [data-testid="chat-delete"]`).click(), id);
      await until(browser, "the chat deleted", async () => !(await listed(browser)).includes(title));
      await browser.execute(() => document.getElementById("composer").focus());
      await browser.keys(["Control", "z"]);
      assert(!(await listed(browser)).includes(title), "Ctrl+Z in the composer brought the chat back");
      // Still offered: the toast goes the moment an undo starts.
      assert((await toast(browser))?.includes(`Deleted “${title}”.`), `toast after Ctrl+Z in the composer: ${await toast(browser)}`);
      await browser.execute(() => document.getElementById("composer").blur());
      await browser.keys(["Control", "z"]);
      await until(browser, "the chat back after Ctrl+Z outside the composer", async () => (await listed(browser)).includes(title));
    } finally {
      await closeApp(browser);
      removeProfile("Undo profile keys");
    }
  });

  test("Undo: what is not brought back before the toast ends is gone, also after a restart", async () => {
    importChat("Undo chat final");
    importChat("Undo chat final doomed");
    addProfile("Undo profile final");
    let browser = await openApp();
    let ids;
    try {
      ids = await openChat(browser, "Undo chat final");
      await browser.execute((id) => document.querySelector(`article[data-message-id="${id}"] [data-testid="delete-message"]`).click(), ids[2]);
      await until(browser, "the message deleted", async () => !(await messageIds(browser)).includes(ids[2]));
      await showProfile(browser, "Undo profile final");
      await browser.execute(() => document.querySelector('[data-testid="delete-profile"]').click());
      await until(browser, "the profile deleted", async () => !(await profileNames(browser)).includes("Undo profile final"));
      const doomed = await chatIdOf(browser, "Undo chat final doomed");
      await browser.execute((id) => document.querySelector(`[data-row="${id}"] [data-testid="chat-delete"]`).click(), doomed);
      await until(browser, "the chat deleted", async () => !(await listed(browser)).includes("Undo chat final doomed"));

      await until(browser, "the toast to end", async () => (await toast(browser)) === null, UNDO_WINDOW + 5_000);
      const placeholders = await browser.execute(() => document.querySelectorAll('[data-testid="undo-placeholder"]').length);
      assert(placeholders === 0, `${placeholders} placeholder(s) left after the toast ended`);
      await browser.execute(() => document.activeElement?.blur());
      await browser.keys(["Control", "z"]);
      assert(!(await listed(browser)).includes("Undo chat final doomed"), "Ctrl+Z brought the chat back after the toast ended");
      assert(!(await profileNames(browser)).includes("Undo profile final"), "the profile came back after the toast ended");
      assert(!(await messageIds(browser)).includes(ids[2]), "the message came back after the toast ended");
    } finally {
      await closeApp(browser);
    }
    // The next start (alone) makes it final: none of them is anywhere.
    const chats = cli(["chats", "list"]);
    assert(!chats.includes("Undo chat final doomed"), `chats: ${chats}`);
    const shown = cli(["chats", "show", "Undo chat final"]);
    assert(!shown.includes("second question") && shown.includes("second answer"), `the chat: ${shown}`);
    const profiles = cli(["profile", "list"]);
    assert(!profiles.includes("Undo profile final"), `profiles: ${profiles}`);
    browser = await openApp();
    try {
      assert(!(await listed(browser)).includes("Undo chat final doomed"), "the chat is listed after a restart");
      const left = await openChat3(browser, "Undo chat final");
      assert(JSON.stringify(left) === JSON.stringify([ids[0], ids[1], ids[3]]), `messages after a restart: ${left}`);
      assert(!(await profileNames(browser)).includes("Undo profile final"), "the profile is listed after a restart");
    } finally {
      await closeApp(browser);
    }
  });

  /** The chat `title` open with three messages; their ids in order. */
  const openChat3 = async (browser, title) => {
    const id = await chatIdOf(browser, title);
    await browser.execute((id) => document.querySelector(`[data-chat-id="${id}"]`).click(), id);
    return until(browser, "its three messages", async () => {
      const ids = await messageIds(browser);
      return ids.length === 3 ? ids : null;
    });
  };
}
