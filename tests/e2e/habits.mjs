// End-to-end tests of the window's habits (registered by run.mjs): its own context menus on a
// chat, a message and the composer (WebKit's Back/Forward/Reload menu never opens: every
// `contextmenu` event is cancelled), the keyboard (arrow keys through the chat list and the
// messages, F2 and Delete on the chat on screen, the Menu key), branches that link to their
// parent and back, and streamed replies read out once per finished paragraph. Each test brings
// its own chats (and profile) with the CLI, so it runs alone as well as after the others.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Key } from "webdriverio";

/**
 * @param test  run.mjs's `test(name, fn)`
 * @param h     run.mjs's helpers: openApp, closeApp, until, assert, screenshot, cli, send,
 *              lastAssistant, connectionState, openDrawer, fake() (the OpenAI-compatible fake)
 *              and key (the key it wants)
 */
export function registerHabitsTests(test, h) {
  const { openApp, closeApp, until, assert, cli, send, lastAssistant, connectionState, openDrawer } = h;

  /** A chat with four messages (question, answer, question, answer), imported under `title`. */
  const importChat = (title) => {
    const folder = mkdtempSync(join(tmpdir(), "switchboard-habits-"));
    const path = join(folder, "chat.jsonl");
    const lines = [JSON.stringify({ user_name: "You", character_name: "Bot", switchboard_title: title, chat_metadata: {} })];
    ["first question", "first answer", "second question", "second answer"].forEach((text, i) =>
      lines.push(JSON.stringify({ name: i % 2 === 0 ? "You" : "Bot", is_user: i % 2 === 0, mes: `${title}: ${text}` })),
    );
    writeFileSync(path, `${lines.join("\n")}\n`);
    cli(["chats", "import", path]);
  };

  /** Records every `contextmenu` event after the window's handlers ran: was WebKit's menu cancelled? */
  const watchContextMenus = (browser) =>
    browser.execute(() => {
      window.__contextMenus = [];
      window.addEventListener("contextmenu", (event) => {
        window.__contextMenus.push({ prevented: event.defaultPrevented, target: event.target?.id || event.target?.className || event.target?.tagName });
      });
    });
  const contextMenusSeen = (browser) => browser.execute(() => window.__contextMenus);

  /** The app's menu when it is open: its role, label, items and the item focused. */
  const openMenu = (browser) =>
    browser.execute(() => {
      const menu = document.getElementById("context-menu");
      if (!menu || menu.hidden) return null;
      return {
        role: menu.getAttribute("role"),
        label: menu.getAttribute("aria-label"),
        items: Array.from(menu.querySelectorAll('[role="menuitem"]')).map((i) => i.dataset.item),
        focused: document.activeElement?.closest?.("#context-menu") ? document.activeElement.dataset.item : null,
      };
    });
  const menuShown = (browser, what) => until(browser, `the menu of ${what}`, () => openMenu(browser));

  /** Right-clicks an element as the pointer does (a real right button press through WebDriver). */
  const rightClick = async (browser, selector) => {
    const element = await browser.$(selector);
    await element.waitForDisplayed({ timeout: 15_000 });
    await element.scrollIntoView({ block: "center" });
    await element.click({ button: "right" });
  };

  const chatSelector = (id) => `#chat-list .chat-item[data-chat-id="${id}"]`;
  const chatIdOf = (browser, title) =>
    until(browser, `the chat “${title}” listed`, () =>
      browser.execute((title) => {
        const item = Array.from(document.querySelectorAll('[data-testid="chat-item"][data-chat-id]')).find((b) => b.querySelector(".chat-item-title")?.textContent === title);
        return item ? item.dataset.chatId : null;
      }, title),
    );
  const titles = (browser) =>
    browser.execute(() => Array.from(document.querySelectorAll('[data-testid="chat-item"][data-chat-id] .chat-item-title')).map((t) => t.textContent));
  const openChat = async (browser, title) => {
    const id = await chatIdOf(browser, title);
    await browser.execute((id) => document.querySelector(`[data-chat-id="${id}"]`).click(), id);
    await until(browser, `“${title}” open`, () =>
      browser.execute((title) => document.getElementById("chat-title")?.textContent === title &&
        document.querySelectorAll("#messages article.message").length > 0, title),
    );
    return id;
  };
  const messageTexts = (browser) =>
    browser.execute(() => Array.from(document.querySelectorAll("#messages article.message .message-content")).map((m) => m.textContent.trim()));
  const focused = (browser) =>
    browser.execute(() => {
      const a = document.activeElement;
      return { id: a?.id ?? "", chatId: a?.dataset?.chatId ?? null, key: a?.dataset?.key ?? null, item: a?.dataset?.item ?? null, tag: a?.tagName ?? "" };
    });

  test("menus of our own: a chat, a message and the composer each open the app's menu, its items work, WebKit's never shows", async () => {
    importChat("Habits menus");
    importChat("Habits menus other");
    const browser = await openApp();
    try {
      await watchContextMenus(browser);
      const id = await openChat(browser, "Habits menus");

      // A chat: Rename, Pin, Export…, Delete; Rename works.
      await rightClick(browser, chatSelector(id));
      let menu = await menuShown(browser, "a chat");
      assert(menu.role === "menu", `role ${menu.role}`);
      assert(JSON.stringify(menu.items) === JSON.stringify(["rename", "pin", "export-sillytavern", "export-markdown", "export-json", "delete"]), `chat menu: ${menu.items}`);
      assert(menu.focused === "rename", `focus in the menu: ${menu.focused}`);
      // No screenshot here: after a WebDriver click on a list entry that the re-render
      // replaces, WebKitWebDriver's next screenshot never answers (and the session is lost).
      await (await browser.$('[data-testid="menu-rename"]')).click();
      const input = await browser.$('[data-testid="chat-rename-input"]');
      await input.waitForDisplayed({ timeout: 15_000 });
      // The field opens focused with its text selected: typing replaces it (WebDriver's clear
      // would blur the field, which saves it).
      await until(browser, "the title field focused", () =>
        browser.execute(() => document.activeElement?.getAttribute("data-testid") === "chat-rename-input"),
      );
      // Lower case: WebKitWebDriver may drop the Shift of typed capitals.
      await browser.keys("renamed from its menu");
      await browser.keys("Enter");
      await until(browser, "the new title", async () => (await titles(browser)).includes("renamed from its menu"));

      // A message: Copy, Edit, Branch from here, (Regenerate,) Delete; Copy puts its text on the clipboard.
      await rightClick(browser, "#messages article.message:nth-child(1)");
      menu = await menuShown(browser, "a message");
      assert(JSON.stringify(menu.items) === JSON.stringify(["copy", "edit", "branch", "delete"]), `user message menu: ${menu.items}`);
      await (await browser.$('[data-testid="menu-copy"]')).click();
      await until(browser, "the menu closed", async () => (await openMenu(browser)) === null);
      const composer = await browser.$("#composer");
      await composer.click();
      await browser.keys([Key.Ctrl, "v"]);
      await until(browser, "the copied text pasted", async () => (await composer.getValue()) === "Habits menus: first question");

      // The composer: Cut, Copy, Paste, Select all.
      await rightClick(browser, "#composer");
      menu = await menuShown(browser, "the composer");
      assert(JSON.stringify(menu.items) === JSON.stringify(["cut", "copy", "paste", "select-all"]), `composer menu: ${menu.items}`);
      await (await browser.$('[data-testid="menu-select-all"]')).click();
      await until(browser, "all selected", () =>
        browser.execute(() => {
          const c = document.getElementById("composer");
          return document.activeElement === c && c.selectionStart === 0 && c.selectionEnd === c.value.length && c.value.length > 0;
        }),
      );
      await rightClick(browser, "#composer");
      await menuShown(browser, "the composer, again");
      await (await browser.$('[data-testid="menu-cut"]')).click();
      await until(browser, "the text cut", async () => (await composer.getValue()) === "");
      await browser.keys([Key.Ctrl, "v"]);
      await until(browser, "the cut text pasted back", async () => (await composer.getValue()) === "Habits menus: first question");
      await composer.clearValue();

      // An assistant message offers Regenerate where its toolbar does; Delete from the menu deletes it.
      await rightClick(browser, '#messages article.message[data-role="assistant"]:last-child');
      menu = await menuShown(browser, "the last reply");
      assert(menu.items.includes("regenerate") && menu.items.includes("delete"), `reply menu: ${menu.items}`);
      await (await browser.$('[data-testid="menu-delete"]')).click();
      await until(browser, "the reply deleted", async () => !(await messageTexts(browser)).includes("Habits menus: second answer"));

      // Elsewhere (the header, the sidebar's footer): no menu at all, and still not WebKit's.
      await rightClick(browser, "#chat-title");
      await rightClick(browser, "#backup-all");
      assert((await openMenu(browser)) === null, "a menu opened over the title or a button");
      const seen = await contextMenusSeen(browser);
      assert(seen.length >= 7, `contextmenu events seen: ${JSON.stringify(seen)}`);
      assert(seen.every((e) => e.prevented), `WebKit's menu was let through: ${JSON.stringify(seen)}`);

      // The keyboard: Shift+F10 on the focused chat opens its menu; ↓ moves; Esc closes and gives focus back.
      await browser.execute((selector) => document.querySelector(selector).focus(), chatSelector(id));
      await browser.keys([Key.Shift, Key.F10]);
      menu = await menuShown(browser, "the chat, from the keyboard");
      assert(menu.focused === "rename", `first item focused: ${menu.focused}`);
      await browser.keys(Key.ArrowDown);
      await until(browser, "the next item focused", async () => (await openMenu(browser))?.focused === "pin");
      await browser.keys(Key.Escape);
      await until(browser, "the menu closed, focus back on the chat", async () =>
        (await openMenu(browser)) === null && (await focused(browser)).chatId === id,
      );
      // Enter runs the focused item: Pin.
      await browser.keys([Key.Shift, Key.F10]);
      await menuShown(browser, "the chat, again");
      await browser.keys(Key.ArrowDown);
      await until(browser, "Pin focused", async () => (await openMenu(browser))?.focused === "pin");
      await browser.keys(Key.Enter);
      await until(browser, "the chat pinned", () =>
        browser.execute((id) => document.querySelector(`[data-row="${id}"]`)?.dataset.pinned === "true", id),
      );
    } finally {
      await closeApp(browser);
    }
  });

  test("keyboard: arrow keys move through the chat list and the messages, one Tab stop each; F2 renames, Delete deletes and Undo brings it back", async () => {
    importChat("Habits keys one");
    importChat("Habits keys two");
    const browser = await openApp();
    try {
      const id = await openChat(browser, "Habits keys two");
      const stops = await browser.execute(() => ({
        chats: document.querySelectorAll('#chat-list [tabindex="0"]').length,
        current: document.querySelector('#chat-list [tabindex="0"]')?.dataset.chatId,
        actions: Array.from(document.querySelectorAll("#chat-list .chat-action")).every((b) => b.tabIndex === -1),
        messages: document.querySelectorAll('#messages article.message[tabindex="0"]').length,
        toolbar: Array.from(document.querySelectorAll("#messages .message-actions button")).every((b) => b.tabIndex === -1),
      }));
      assert(stops.chats === 1 && stops.current === id && stops.actions, `chat list Tab stops: ${JSON.stringify(stops)}`);
      assert(stops.messages === 1 && stops.toolbar, `message Tab stops: ${JSON.stringify(stops)}`);

      // ↓ from the open chat: focus and selection move to the next chat, which opens.
      const order = await browser.execute(() => Array.from(document.querySelectorAll("#chat-list .chat-item[data-chat-id]")).map((b) => b.dataset.chatId));
      const at = order.indexOf(id);
      assert(at >= 0 && at < order.length - 1, `the chat's place: ${at} of ${order.length}`);
      await browser.execute((selector) => document.querySelector(selector).focus(), chatSelector(id));
      await browser.keys(Key.ArrowDown);
      const next = order[at + 1];
      await until(browser, "the next chat focused and open", async () =>
        (await focused(browser)).chatId === next &&
        (await browser.execute((next) => document.querySelector(`[data-chat-id="${next}"]`)?.getAttribute("aria-current") === "page", next)),
      );
      await browser.keys(Key.ArrowUp);
      await until(browser, "back on the first chat, open", async () =>
        (await focused(browser)).chatId === id &&
        (await browser.execute(() => document.getElementById("chat-title").textContent)) === "Habits keys two",
      );

      // The messages: the last is the Tab stop; ↑ and Home move the focus.
      const keys = await browser.execute(() => Array.from(document.querySelectorAll("#messages article.message")).map((m) => m.dataset.key));
      await browser.execute(() => document.querySelector('#messages article.message[tabindex="0"]').focus());
      assert((await focused(browser)).key === keys.at(-1), `the messages' Tab stop: ${JSON.stringify(await focused(browser))}`);
      await browser.keys(Key.ArrowUp);
      await until(browser, "the message before focused", async () => (await focused(browser)).key === keys.at(-2));
      await browser.keys(Key.Home);
      await until(browser, "the first message focused", async () => (await focused(browser)).key === keys[0]);
      await browser.keys(Key.ArrowDown);
      await until(browser, "the second message focused", async () => (await focused(browser)).key === keys[1]);

      // F2 from a message: the open chat's title field; Esc leaves it as it was.
      await browser.keys(Key.F2);
      const input = await browser.$('[data-testid="chat-rename-input"]');
      await input.waitForDisplayed({ timeout: 15_000 });
      assert((await input.getValue()) === "Habits keys two", `rename field: ${await input.getValue()}`);
      await browser.keys(Key.Escape);
      await until(browser, "the rename closed", async () => !(await input.isExisting()));

      // Delete (not in a text field): the open chat goes; Ctrl+Z brings it back.
      await browser.execute(() => document.querySelector('#messages article.message[tabindex="0"]').focus());
      await browser.keys(Key.Delete);
      await until(browser, "the chat deleted", async () => !(await titles(browser)).includes("Habits keys two"));
      await browser.execute(() => document.querySelector("#undo-delete, [data-testid='undo-delete']")?.focus());
      await browser.keys([Key.Ctrl, "z"]);
      await until(browser, "the chat back", async () => (await titles(browser)).includes("Habits keys two"));
      // Delete in a text field deletes text, not the chat.
      const composer = await browser.$("#composer");
      await composer.click();
      await composer.setValue("ab");
      await browser.keys([Key.ArrowLeft, Key.Delete]);
      await until(browser, "a character deleted", async () => (await composer.getValue()) === "a");
      assert((await titles(browser)).includes("Habits keys two"), "Delete in the composer deleted the chat");
    } finally {
      await closeApp(browser);
    }
  });

  test("branches: titled by where they fork, linked to their parent, listed under it; the link opens the parent", async () => {
    importChat("Habits branch parent");
    const browser = await openApp();
    try {
      const parentId = await openChat(browser, "Habits branch parent");
      await rightClick(browser, "#messages article.message:nth-child(3)");
      await menuShown(browser, "the third message");
      await (await browser.$('[data-testid="menu-branch"]')).click();
      const title = "Habits branch parent — branch at message 3";
      const opened = await until(browser, "the branch open", () =>
        browser.execute(() => {
          const text = document.getElementById("chat-title")?.textContent ?? "";
          return text.startsWith("Habits branch parent — ") ? text : null;
        }),
      );
      assert(opened === title, `the branch's title: ${opened}`);
      const origin = await until(browser, "the link to the parent", () =>
        browser.execute(() => {
          const link = document.querySelector('[data-testid="branch-parent"]');
          return link ? { text: link.textContent, line: link.closest('[data-testid="branch-origin"]').textContent, parent: link.dataset.chatId } : null;
        }),
      );
      assert(origin.parent === parentId && origin.text === "Habits branch parent", `parent link: ${JSON.stringify(origin)}`);
      assert(origin.line === "Branch of Habits branch parent at message 3", `origin: ${origin.line}`);
      assert((await messageTexts(browser)).length === 3, `the branch's messages: ${await messageTexts(browser)}`);
      const branchId = await chatIdOf(browser, title);

      await (await browser.$('[data-testid="branch-parent"]')).click();
      await until(browser, "the parent open", () =>
        browser.execute(() => document.getElementById("chat-title")?.textContent === "Habits branch parent"),
      );
      const listed = await until(browser, "the parent's branches", () =>
        browser.execute(() => {
          const links = Array.from(document.querySelectorAll('[data-testid="branch-link"]'));
          return links.length ? links.map((l) => ({ id: l.dataset.chatId, text: l.textContent })) : null;
        }),
      );
      assert(JSON.stringify(listed) === JSON.stringify([{ id: branchId, text: title }]), `branches listed: ${JSON.stringify(listed)}`);
      assert((await messageTexts(browser)).length === 4, "the parent changed");
      await (await browser.$('[data-testid="branch-link"]')).click();
      await until(browser, "the branch open again", () =>
        browser.execute((title) => document.getElementById("chat-title")?.textContent === title, title),
      );
    } finally {
      await closeApp(browser);
    }
  });

  test("a streamed reply is read out through a polite live region once per finished paragraph, not per delta", async () => {
    const fake = h.fake();
    const profile = "Habits announcer";
    cli(["profile", "add", profile, "--source", "custom", "--url", `${fake.url}/v1`, "--model", "fake-model-1"]);
    cli(["key", "set", profile], h.key);
    const paragraphs = ["Alpha paragraph, line one", "still alpha.", "", "Beta paragraph.", "", "```", "code one", "", "code two", "```", "", "Gamma ends it."];
    await fake.scenario("normal", paragraphs.join("\n"));
    const browser = await openApp();
    try {
      await openDrawer(browser);
      const id = await until(browser, "the profile listed", () =>
        browser.execute((name) => Array.from(document.querySelectorAll("#profile-switcher option")).find((o) => o.textContent.trim() === name)?.value ?? null, profile),
      );
      await (await browser.$("#profile-switcher")).selectByAttribute("value", id);
      await until(browser, "connected", async () =>
        (await connectionState(browser)) === "connected" && (await browser.execute(() => document.querySelector("#profile-name").value)) === profile,
      );
      await browser.execute(() => document.querySelector("#drawer-close").click());
      const region = await browser.execute(() => {
        const region = document.getElementById("reply-announcer");
        window.__announced = [];
        new MutationObserver((records) => {
          for (const record of records) for (const node of record.addedNodes) window.__announced.push(node.textContent);
        }).observe(region, { childList: true });
        return { live: region.getAttribute("aria-live"), log: document.getElementById("messages").getAttribute("aria-live") };
      });
      assert(region.live === "polite" && region.log === "off", `live regions: ${JSON.stringify(region)}`);
      const announced = () => browser.execute(() => window.__announced);

      await browser.keys([Key.Ctrl, "n"]);
      await send(browser, "three paragraphs please");
      await until(browser, "the reply", async () => (await lastAssistant(browser))?.state === "complete");
      await until(browser, "the last paragraph read out", async () => (await announced()).length >= 3);
      const said = await announced();
      assert(
        JSON.stringify(said) === JSON.stringify(["Alpha paragraph, line one still alpha.", "Beta paragraph.", "code one code two", "Gamma ends it."]),
        `announced: ${JSON.stringify(said)}`,
      );

      // A reply streamed in a hundred deltas, one paragraph: nothing while it streams, one line at its end.
      await fake.scenario("slow");
      await send(browser, "one long paragraph please");
      await until(browser, "some streamed text", async () => {
        const last = await lastAssistant(browser);
        return last && last.state === "streaming" && last.text.length > 30;
      });
      assert((await announced()).length === 4, `announced while streaming: ${JSON.stringify((await announced()).slice(4))}`);
      await until(browser, "the slow reply", async () => (await lastAssistant(browser))?.state === "complete", 30_000);
      await until(browser, "its one announcement", async () => (await announced()).length === 5);
      const last = (await announced())[4];
      assert(last.startsWith("s1 s2 s3") && last.endsWith("s100"), `the slow reply read out: ${last}`);
    } finally {
      await fake.scenario("normal");
      await closeApp(browser);
      try {
        cli(["profile", "rm", profile]);
      } catch {
        // Already gone.
      }
    }
  });
}
