// End-to-end tests of the context in the real window (registered by run.mjs): a 40-message chat
// sent to a llama.cpp server with a 2,048-token context is trimmed, with the note on the reply
// and the meter under the message box; a prompt the server refuses as too long is reported as
// such and leaves no failed version behind; a first KoboldCpp reply gets the reply length the
// profile shows, not the server's own short default.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A SillyTavern chat file of 40 messages of about 90 tokens each; its path. */
function longChatFile(title) {
  const words = "lorem ipsum dolor sit amet ".repeat(13);
  const lines = [JSON.stringify({ user_name: "User", character_name: title, create_date: "2026-12-07 @10h 00m 00s 000ms", chat_metadata: {} })];
  for (let i = 0; i < 40; i += 1) {
    const user = i % 2 === 0;
    lines.push(JSON.stringify({ name: user ? "User" : title, is_user: user, is_system: false, send_date: "December 7, 2026 10:00am", mes: `message ${i}: ${words}` }));
  }
  const path = join(mkdtempSync(join(tmpdir(), "switchboard-e2e-context-")), "long.jsonl");
  writeFileSync(path, lines.join("\n"));
  return path;
}

/**
 * @param test  run.mjs's `test(name, fn)`
 * @param h     run.mjs's helpers: openApp, closeApp, until, assert, screenshot, send,
 *              lastAssistant, connectionState, openDrawer, setField, startFake, cli, REPLY_TEXT
 */
export function registerContextTests(test, h) {
  const { openApp, closeApp, until, assert, screenshot, send, lastAssistant, connectionState, openDrawer, setField, startFake, cli } = h;

  /** Picks the saved profile `name` in the drawer's switcher and waits until it is connected. */
  async function useProfile(browser, name) {
    await openDrawer(browser);
    const id = await until(browser, "the profile in the switcher", () =>
      browser.execute(
        (name) => Array.from(document.querySelectorAll("#profile-switcher option")).find((o) => o.textContent.trim() === name)?.value ?? null,
        name,
      ),
    );
    await (await browser.$("#profile-switcher")).selectByAttribute("value", id);
    await until(browser, "connected", async () => (await connectionState(browser)) === "connected");
  }

  /** Opens the chat `id` from the list. */
  async function openChat(browser, id) {
    const item = await browser.$(`[data-testid="chat-item"][data-chat-id="${id}"]`);
    await item.waitForExist({ timeout: 15_000 });
    await browser.execute((id) => document.querySelector(`[data-testid="chat-item"][data-chat-id="${id}"]`).click(), id);
    await until(browser, "the chat's messages", async () => (await browser.$$("#messages .message")).length >= 40);
  }

  /** The stored chat as the CLI shows it. */
  const shown = (id) => JSON.parse(cli(["chats", "show", id, "--json"]));

  test("a 40-message chat fits a 2,048-token server: trimmed, with the note and the meter, and no failed versions", async () => {
    const server = await startFake(["--dialect", "llamacpp", "--context-limit", "2048", "--slow-delay-ms", "20"]);
    const name = "E2E small context";
    cli(["profile", "add", name, "--source", "custom", "--url", `${server.url}/v1`, "--model", "fake-model-1"]);
    cli(["chats", "import", longChatFile("Context")]);
    const chat = JSON.parse(cli(["chats", "list", "--json"])).find((c) => c.title.startsWith("Context"));
    assert(chat, "the imported chat is not listed");
    const browser = await openApp();
    try {
      await useProfile(browser, name);
      await browser.keys("Escape");
      await openChat(browser, chat.id);
      await send(browser, "last question");
      const reply = await until(browser, "the reply", async () => {
        const last = await lastAssistant(browser);
        return last && last.state === "complete" ? last : null;
      });
      assert(reply.text.trim() === h.REPLY_TEXT, `reply: ${JSON.stringify(reply.text)}`);
      const note = await reply.element.$('[data-testid="history-trimmed"]');
      const noteText = await note.getText();
      assert(/^\d+ older messages were left out to fit the 2048-token context\.$/.test(noteText), `note: ${noteText}`);
      const meter = await browser.$("#context-meter");
      await meter.waitForDisplayed({ timeout: 15_000 });
      const meterText = await meter.getText();
      assert(/^Context: [\d,]+ \+ 300 reserved for the reply, of 2,048 tokens \(\d+%\)$/.test(meterText), `meter: ${meterText}`);
      assert(Number(await meter.getAttribute("aria-valuenow")) > 50, "the meter shows an almost empty context");
      await screenshot(browser, "context-trimmed-light");

      // What reached the server fits, with the system prompt and the question kept.
      const posts = (await server.requests()).filter((r) => r.path.endsWith("/chat/completions"));
      const body = JSON.parse(posts[posts.length - 1].body);
      assert(body.max_tokens === 300, `max_tokens: ${body.max_tokens}`);
      assert(body.messages.length < 41, `${body.messages.length} messages sent`);
      assert(body.messages[body.messages.length - 1].content === "last question", "the question was left out");

      // A context larger than the server's: the server refuses, the window says why, and the
      // failed attempt is no version of the reply.
      await openDrawer(browser);
      await setField(browser, "#context-size", "16384");
      await (await browser.$("#connect")).click();
      await until(browser, "connected", async () => (await connectionState(browser)) === "connected");
      await browser.keys("Escape");
      await send(browser, "one more");
      await until(browser, "the failed reply", async () => {
        const last = await lastAssistant(browser);
        return last && last.state === "failed" ? last : null;
      });
      const said = await until(browser, "the context error", () =>
        browser.execute(() => {
          const text = document.body.innerText;
          return text.includes("longer than the model's context (2048 tokens)") ? text : null;
        }),
      );
      assert(!said.includes("Is the server running"), "the error blames the connection");
      // Retry twice more: still one version, failed and empty.
      const chatPosts = async () => (await server.requests()).filter((r) => r.path.endsWith("/chat/completions")).length;
      const retry = async (state) => {
        const before = await chatPosts();
        await browser.execute(() => {
          const replies = document.querySelectorAll('#messages .message[data-role="assistant"]');
          replies[replies.length - 1].querySelector('[data-action="regenerate"]').click();
        });
        await until(browser, "the retry to reach the server", async () => (await chatPosts()) > before);
        return until(browser, `the retried reply ${state}`, async () => {
          const last = await lastAssistant(browser);
          const streaming = await (await browser.$("#stop")).isDisplayed();
          return last && !streaming && last.state === state ? last : null;
        });
      };
      for (let i = 0; i < 2; i += 1) {
        await retry("failed");
        const stored = shown(chat.id);
        const last = stored.messages[stored.messages.length - 1];
        assert(last.state === "failed" && last.swipeCount === 1 && last.content === "", `after a retry: ${JSON.stringify(last)}`);
      }
      // The server's size again: the retry works, and it is still the one version.
      await openDrawer(browser);
      await setField(browser, "#context-size", "");
      await (await browser.$("#connect")).click();
      await until(browser, "connected", async () => (await connectionState(browser)) === "connected");
      await browser.keys("Escape");
      await retry("complete");
      const stored = shown(chat.id);
      const failed = stored.messages.filter((m) => m.state === "failed" || m.swipeCount > 1);
      assert(failed.length === 0, `failed or extra versions: ${JSON.stringify(failed.map((m) => [m.state, m.swipeCount]))}`);
      const counters = await browser.$$('#messages [data-testid="swipe-counter"]');
      for (const counter of counters) assert(!(await counter.isDisplayed()), "a reply shows versions");
    } finally {
      await closeApp(browser);
    }
  });

  test("a first KoboldCpp reply gets the reply length shown, not the server's short default", async () => {
    const long = Array.from({ length: 250 }, (_, i) => `word${i}`).join(" ");
    const server = await startFake(["--family", "kobold", "--reply", long]);
    const name = "E2E Kobold length";
    cli(["profile", "add", name, "--source", "koboldcpp", "--url", server.url]);
    const browser = await openApp();
    try {
      await useProfile(browser, name);
      const field = await browser.$("#param-max-tokens");
      assert((await field.getAttribute("placeholder")) === "300 (default)", "the default reply length is not shown");
      await browser.keys("Escape");
      await browser.keys([h.Key.Ctrl, "n"]);
      await send(browser, "tell me a long story");
      const reply = await until(browser, "the reply", async () => {
        const last = await lastAssistant(browser);
        return last && last.state === "complete" ? last : null;
      });
      const badge = await reply.element.$(".message-badge");
      assert(!(await badge.isDisplayed()) || !(await badge.getText()).includes("length limit"), "cut off at the length limit");
      assert(reply.text.includes("word249"), "the reply was cut");
      const generations = (await server.requests()).filter((r) => r.path.includes("/generate"));
      assert(JSON.parse(generations[generations.length - 1].body).max_length === 300, "max_length is not the 300 shown");
    } finally {
      await closeApp(browser);
    }
  });
}
