// End-to-end tests of files the desktop way (registered by run.mjs): an export saved through
// GTK's own save dialog (the suggested name accepted, a path typed, the dialog cancelled), "Show
// in folder" reaching the system's opener (the recording xdg-open of scripts/e2e.sh), and a
// backup imported again into the install that made it: "N chats are already here" — Skip keeps
// one copy of each, Replace puts the backup's copies in their place.
//
// The dialogs are real GTK windows under Xvfb, driven with xdotool: found by their title, given
// the keyboard focus (there is no window manager), then keys as real (XTEST) input. Each test
// has a data folder of its own (the app started through a wrapper, the CLI given the same
// folder), so its counts are its own and the chats it replaces are no other test's.

import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";

/** The id of the X window titled `title`, or null while there is none. */
function xWindow(title) {
  try {
    return execFileSync("xdotool", ["search", "--name", `^${title}$`], { encoding: "utf8" }).trim().split("\n")[0] || null;
  } catch {
    return null;
  }
}

/**
 * @param test  run.mjs's `test(name, fn)`
 * @param h     run.mjs's helpers: openApp (with an optional application path), closeApp, until,
 *              assert, screenshot, press; appPath and cliPath (the binaries)
 */
export function registerFilesTests(test, h) {
  const { openApp, closeApp, until, assert, screenshot, press } = h;

  /** A data folder of its own: the app (a wrapper tauri-driver can start) and the CLI over it. */
  const ownData = () => {
    const dir = mkdtempSync(join(tmpdir(), "switchboard-files-data-"));
    const data = join(dir, "data");
    const app = join(dir, "switchboard-own-data");
    writeFileSync(app, `#!/bin/sh\nexport SWITCHBOARD_DATA_DIR='${data}'\nexec '${h.appPath}' "$@"\n`);
    chmodSync(app, 0o755);
    const cli = (args) =>
      execFileSync(h.cliPath, args, { encoding: "utf8", stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, SWITCHBOARD_DATA_DIR: data } });
    return { app, cli, remove: () => rmSync(dir, { recursive: true, force: true }) };
  };

  /** Waits for the GTK dialog titled `title` and gives it the keyboard. */
  const focusDialog = (browser, title) =>
    until(browser, `the “${title}” dialog to take the keyboard`, async () => {
      const dialog = xWindow(title);
      if (dialog === null) return null;
      try {
        execFileSync("xdotool", ["windowfocus", "--sync", dialog], { stdio: "pipe" });
        return dialog;
      } catch {
        // Found but not viewable yet (X's BadMatch): look again.
        return null;
      }
    });

  /** Presses Return until the dialog has gone (GTK ignores an Enter that comes while it still completes a typed path). */
  const accept = (browser, title) =>
    until(browser, `the “${title}” dialog to accept`, async () => {
      if (xWindow(title) === null) return true;
      execFileSync("xdotool", ["key", "Return"]);
      // A moment for GTK to take the key before the next look (this loop is the polling).
      await browser.pause(200);
      return xWindow(title) === null;
    });

  /** Replaces the dialog's file name with `path` (a whole path) and saves there. */
  const saveAt = async (browser, title, path) => {
    await focusDialog(browser, title);
    execFileSync("xdotool", ["key", "ctrl+a"]);
    execFileSync("xdotool", ["type", "--delay", "5", path]);
    await accept(browser, title);
  };

  /** The notice's own text (not its buttons'), once it says something matching `pattern`. */
  const noticeMatching = (browser, pattern) =>
    until(browser, `a notice matching ${pattern}`, async () => {
      const text = await browser.execute(() => document.querySelector('[data-testid="notice"] .notice-text')?.textContent ?? "");
      return pattern.test(text) ? text : null;
    });

  /** A chat brought in as a SillyTavern file with `cli`; its id. */
  const importChat = (cli, title, texts) => {
    const folder = mkdtempSync(join(tmpdir(), "switchboard-files-"));
    const path = join(folder, "chat.jsonl");
    const lines = [JSON.stringify({ user_name: "You", character_name: "Bot", switchboard_title: title, chat_metadata: {} })];
    texts.forEach((mes, i) => lines.push(JSON.stringify({ name: i % 2 === 0 ? "You" : "Bot", is_user: i % 2 === 0, mes })));
    writeFileSync(path, `${lines.join("\n")}\n`);
    cli(["chats", "import", path]);
    rmSync(folder, { recursive: true, force: true });
    return JSON.parse(cli(["chats", "list", "--json"])).find((c) => c.title === title).id;
  };

  const openChat = async (browser, id) => {
    await until(browser, "the chat listed", () =>
      browser.execute((id) => Boolean(document.querySelector(`[data-testid="chat-item"][data-chat-id="${id}"]`)), id),
    );
    await browser.execute((id) => document.querySelector(`[data-testid="chat-item"][data-chat-id="${id}"]`).click(), id);
    await until(browser, "the export button", () =>
      browser.execute(() => {
        const button = document.querySelector('[data-testid="export-chat"]');
        return Boolean(button && !button.hidden && button.getAttribute("aria-busy") === "false");
      }),
    );
  };

  const exportAs = async (browser, format) => {
    await press(browser, "export-chat");
    await press(browser, `export-format-${format}`);
  };

  /** Waits until the export button is no longer busy (the command has answered). */
  const exportAnswered = (browser) =>
    until(browser, "the export to finish", () =>
      browser.execute(() => document.querySelector('[data-testid="export-chat"]')?.getAttribute("aria-busy") === "false"),
    );

  test("Export: the GTK save dialog suggests the title, saves where a path is typed, cancels cleanly; Show in folder opens the folder", async () => {
    const stamp = Date.now();
    const title = `Files e2e: export/this? ${stamp}`;
    const suggested = `Files e2e export this ${stamp}`;
    const own = ownData();
    const id = importChat(own.cli, title, [`question ${stamp}`, `answer about lanterns ${stamp}`]);
    const elsewhere = mkdtempSync(join(tmpdir(), "switchboard-saved-"));
    const opened = process.env.E2E_OPENED_LOG;
    assert(opened, "E2E_OPENED_LOG is not set: run through scripts/e2e.sh");
    const browser = await openApp(undefined, "#composer", own.app);
    let accepted = null;
    try {
      await openChat(browser, id);

      // The suggested name, accepted as it is: the title made safe, with the format's extension.
      await exportAs(browser, "json");
      await focusDialog(browser, "Export chat");
      await accept(browser, "Export chat");
      const said = await noticeMatching(browser, /^Exported /);
      accepted = said.slice(said.lastIndexOf(" to ") + 4);
      assert(basename(accepted) === `${suggested}.json`, `saved as ${accepted}`);
      const saved = JSON.parse(readFileSync(accepted, "utf8"));
      assert(saved.format === "switchboard-chat" && saved.chat.id === id, `the file: ${JSON.stringify(saved).slice(0, 200)}`);
      assert(saved.chat.messages.map((m) => m.content).join("|") === `question ${stamp}|answer about lanterns ${stamp}`, "the chat's messages");

      // A path typed into the dialog: the file goes there, with the chat in SillyTavern's format.
      const typed = join(elsewhere, "picked by hand.jsonl");
      await exportAs(browser, "sillytavern");
      await saveAt(browser, "Export chat", typed);
      await noticeMatching(browser, new RegExp(`to ${typed.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`));
      const lines = readFileSync(typed, "utf8").trim().split("\n").map((l) => JSON.parse(l));
      assert(lines.length === 3, `${lines.length} lines`);
      assert(lines[2].mes === `answer about lanterns ${stamp}` && lines[2].is_user === false, JSON.stringify(lines[2]));
      await screenshot(browser, "export-saved");

      // "Show in folder": no file manager answers on this bus, so the folder is opened.
      const before = existsSync(opened) ? readFileSync(opened, "utf8") : "";
      await press(browser, "show-in-folder");
      const shown = await until(browser, "the folder opened", async () => {
        const now = existsSync(opened) ? readFileSync(opened, "utf8") : "";
        return now.length > before.length ? now.slice(before.length).trim() : null;
      });
      assert(shown === elsewhere || shown === `file://${elsewhere}`, `opened: ${shown}`);

      // Cancelled: nothing written, nothing said, no error.
      await browser.execute(() => document.querySelector('[data-testid="notice-close"]')?.click());
      const folders = [elsewhere, dirname(accepted)];
      const listed = () => folders.map((f) => readdirSync(f).sort().join("|")).join("\n");
      const files = listed();
      await exportAs(browser, "markdown");
      await focusDialog(browser, "Export chat");
      execFileSync("xdotool", ["key", "Escape"]);
      await until(browser, "the dialog to close", async () => xWindow("Export chat") === null);
      await exportAnswered(browser);
      assert(listed() === files, `files changed:\n${files}\n→\n${listed()}`);
      const after = await browser.execute(() => ({
        notice: document.querySelector('[data-testid="notice"]')?.hidden === false,
        banner: document.getElementById("banner")?.hidden === false ? document.getElementById("banner").textContent : null,
      }));
      assert(!after.notice && after.banner === null, `after cancelling: ${JSON.stringify(after)}`);
    } finally {
      await closeApp(browser);
      rmSync(elsewhere, { recursive: true, force: true });
      if (accepted) rmSync(accepted, { force: true });
      own.remove();
    }
  });

  test("a backup imported where it was made: “N chats are already here” — Skip makes no duplicate, Replace replaces", async () => {
    const stamp = Date.now();
    const own = ownData();
    importChat(own.cli, `Files e2e: kept ${stamp}`, [`kept question ${stamp}`, "kept answer"]);
    importChat(own.cli, `Files e2e: another ${stamp}`, ["another question", "another answer"]);
    const chats = () => JSON.parse(own.cli(["chats", "list", "--json"]));
    const before = chats();
    assert(before.length === 2, `${before.length} chats to start with`);
    const folder = mkdtempSync(join(tmpdir(), "switchboard-backup-"));
    const path = join(folder, "everything.json");
    const browser = await openApp(undefined, "#composer", own.app);
    try {
      await press(browser, "backup-all");
      await saveAt(browser, "Back up everything", path);
      await noticeMatching(browser, new RegExp(`^Backed up ${before.length} chats? `));
      const backup = JSON.parse(readFileSync(path, "utf8"));
      assert(backup.chats.length === before.length, `${backup.chats.length} chats in the backup`);
      // The backup's copy of one chat differs from the chat here, so a replace shows.
      const changed = backup.chats.find((c) => c.title === `Files e2e: kept ${stamp}`);
      changed.title = `Files e2e: the backup's copy ${stamp}`;
      writeFileSync(path, JSON.stringify(backup));

      const importBackup = async () => {
        await press(browser, "import-chats");
        await focusDialog(browser, "Import chats");
        execFileSync("xdotool", ["key", "ctrl+l"]);
        execFileSync("xdotool", ["type", "--delay", "5", path]);
        await accept(browser, "Import chats");
        return until(browser, "the question", () =>
          browser.execute(() => {
            const dialog = document.querySelector('[data-testid="existing-chats"]');
            return dialog && !dialog.hidden ? document.getElementById("existing-chats-title").textContent : null;
          }),
        );
      };

      const asked = await importBackup();
      const n = before.length;
      assert(asked === `${n} ${n === 1 ? "chat is" : "chats are"} already here`, `asked: ${asked}`);
      await screenshot(browser, "existing-chats");
      await press(browser, "existing-chats-skip");
      await noticeMatching(browser, new RegExp(`^Skipped ${before.length} chats? already here`));
      const skipped = chats();
      assert(skipped.length === before.length, `${skipped.length} chats after skipping, ${before.length} before`);
      assert(skipped.some((c) => c.title === `Files e2e: kept ${stamp}`), "the chat here was changed");

      await importBackup();
      await press(browser, "existing-chats-replace");
      await noticeMatching(browser, new RegExp(`^Replaced ${before.length} chats? with the backup's copy`));
      const replaced = chats();
      assert(replaced.length === before.length, `${replaced.length} chats after replacing, ${before.length} before`);
      assert(replaced.some((c) => c.title === `Files e2e: the backup's copy ${stamp}`), "the backup's copy is not here");
      assert(!replaced.some((c) => c.title === `Files e2e: kept ${stamp}`), "the old copy is still here");
      assert(
        JSON.stringify(replaced.map((c) => c.id).sort()) === JSON.stringify(before.map((c) => c.id).sort()),
        "the chats' ids changed",
      );
      await until(browser, "the replaced title listed", () =>
        browser.execute((title) => Array.from(document.querySelectorAll('[data-testid="chat-item"]')).some((i) => i.textContent.includes(title)), `Files e2e: the backup's copy ${stamp}`),
      );
    } finally {
      await closeApp(browser);
      rmSync(folder, { recursive: true, force: true });
      own.remove();
    }
  });
}
