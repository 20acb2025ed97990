// End-to-end tests of attachments in the real window (registered by run.mjs): an image pasted
// into the composer (a `paste` event whose clipboard holds a PNG `File` built in the page from
// the test's bytes) shows as a thumbnail; a text file chosen with the paperclip in GTK's own
// "Attach files" dialog (driven with xdotool) shows as a chip; both are sent, the OpenAI fake's
// recorded request carries the file's text with its name and the image as an `image_url` data
// URL (the same bytes, image/png), the reply says what arrived, the sent message shows the
// thumbnail and it opens full size (Esc closes it, focus returns). A source without vision
// (KoboldCpp) refuses before sending, says why, and the image stays in the composer.
// Each test brings its own fake and profile and removes the profile.

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A 1×1 PNG. */
const PNG_BASE64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

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
 * @param h     run.mjs's helpers: openApp, closeApp, until, assert, screenshot, cli, openDrawer,
 *              connectionState, startFake, lastAssistant
 */
export function registerAttachmentTests(test, h) {
  const { openApp, closeApp, until, assert, screenshot, cli, openDrawer, connectionState, startFake, lastAssistant } = h;

  /** Shows the profile named `name` in the drawer (and so connects to it), then a new chat. */
  async function useProfile(browser, name) {
    await until(browser, "the window's first load", () => browser.execute(() => document.querySelector('[data-ready="true"]') !== null));
    await openDrawer(browser);
    const id = JSON.parse(cli(["--json", "profile", "show", name])).id;
    await until(browser, "the profile in the switcher", () =>
      browser.execute((id) => Array.from(document.querySelectorAll("#profile-switcher option")).some((o) => o.value === id), id),
    );
    const switcher = await browser.$("#profile-switcher");
    await switcher.scrollIntoView({ block: "center" });
    await switcher.selectByAttribute("value", id);
    await until(browser, "connected", async () => (await connectionState(browser)) === "connected");
    await browser.$("#drawer-toggle").click();
    await browser.$("#new-chat").click();
  }

  /** Pastes the PNG into the composer as WebKit would, from the clipboard, as a `File`. */
  const pasteImage = (browser, name) =>
    browser.execute((base64, name) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const file = new File([bytes], name, { type: "image/png" });
      const composer = document.getElementById("composer");
      composer.focus();
      let event;
      try {
        const data = new DataTransfer();
        data.items.add(file);
        event = new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true });
        if (!event.clipboardData || event.clipboardData.files.length !== 1) throw new Error("no clipboard data");
      } catch {
        event = new Event("paste", { bubbles: true, cancelable: true });
        Object.defineProperty(event, "clipboardData", { value: { files: [file], items: [], types: ["Files"] } });
      }
      composer.dispatchEvent(event);
      return event.defaultPrevented;
    }, PNG_BASE64, name);

  /** The composer's attachments: name and status of each. */
  const drafts = (browser) =>
    browser.execute(() =>
      Array.from(document.querySelectorAll('[data-testid="draft-attachment"]')).map((li) => ({
        status: li.dataset.status, text: li.textContent, loaded: li.querySelector('[data-testid="attachment-thumb"]')?.dataset.loaded === "true",
      })),
    );

  test("Attachments: a source without vision refuses an image before sending, and the image stays", async () => {
    const server = await startFake(["--family", "kobold"]);
    const name = "E2E attachments kobold";
    cli(["profile", "add", name, "--source", "koboldcpp", "--url", server.url]);
    const browser = await openApp();
    try {
      await useProfile(browser, name);
      assert(await pasteImage(browser, "dot.png"), "the paste was not taken as an attachment");
      await until(browser, "the thumbnail", async () => (await drafts(browser))[0]?.status === "ready");
      const before = (await server.requests()).length;
      const composer = await browser.$("#composer");
      await composer.setValue("Look at this");
      await browser.keys("Enter");
      const said = await until(browser, "the refusal", () =>
        browser.execute(() => {
          const banner = document.getElementById("banner");
          return banner && !banner.hidden ? banner.textContent : null;
        }),
      );
      assert(said.includes("does not read images") && said.includes("dot.png"), `banner: ${said}`);
      assert((await drafts(browser)).length === 1, "the image left the composer");
      await screenshot(browser, "attachments-no-vision");
      assert((await composer.getValue()) === "Look at this", "the text left the composer");
      assert((await browser.$$('#messages .message[data-role="user"]')).length === 0, "a message was shown as sent");
      const generations = (await server.requests()).slice(before).filter((r) => r.method === "POST");
      assert(generations.length === 0, `the server was asked: ${JSON.stringify(generations.map((r) => r.path))}`);
    } finally {
      await closeApp(browser);
      cli(["profile", "rm", name]);
    }
  });

  test("Attachments: a pasted image and a text file from the GTK dialog are sent, arrive intact, and the image opens full size", async () => {
    const server = await startFake([]);
    const name = "E2E attachments";
    cli(["profile", "add", name, "--source", "custom", "--url", `${server.url}/v1`, "--model", "fake-model-1"]);
    const folder = mkdtempSync(join(tmpdir(), "switchboard-attach-"));
    const notes = join(folder, "notes.md");
    writeFileSync(notes, "# Lantern notes\nThe lantern is blue.\n");
    const browser = await openApp();
    try {
      await useProfile(browser, name);

      assert(await pasteImage(browser, "dot.png"), "the paste was not taken as an attachment");
      await until(browser, "the pasted image's thumbnail", async () => {
        const list = await drafts(browser);
        return list.length === 1 && list[0].status === "ready" && list[0].loaded;
      });

      // The paperclip opens GTK's "Attach files"; a path typed in its location field is attached.
      await browser.$("#attach").click();
      const dialog = await until(browser, "the “Attach files” dialog", async () => xWindow("Attach files"));
      // The path typed into the location field (typed again now and then: GTK's completion
      // sometimes takes keys meant for it), then Return until the dialog has gone.
      const typePath = () => {
        execFileSync("xdotool", ["windowfocus", "--sync", dialog]);
        execFileSync("xdotool", ["key", "ctrl+l"]);
        execFileSync("xdotool", ["key", "ctrl+a"]);
        execFileSync("xdotool", ["type", "--delay", "20", notes]);
      };
      typePath();
      let tries = 0;
      await until(browser, "the dialog to accept", async () => {
        if (xWindow("Attach files") === null) return true;
        tries += 1;
        if (tries % 6 === 0) {
          try {
            typePath();
          } catch {
            // The dialog went meanwhile.
          }
        }
        execFileSync("xdotool", ["key", "Return"]);
        await browser.pause(200); // a moment for GTK to take the key; this loop is the polling
        return xWindow("Attach files") === null;
      });
      const list = await until(browser, "the text file's chip", async () => {
        const list = await drafts(browser);
        return list.length === 2 && list[1].status === "ready" ? list : null;
      });
      assert(list[1].text.includes("notes.md") && list[1].text.includes("bytes"), `chip: ${list[1].text}`);

      const composer = await browser.$("#composer");
      await composer.setValue("What is in these?");
      await browser.keys("Enter");
      await until(browser, "the composer emptied of attachments", async () => (await drafts(browser)).length === 0);
      const reply = await until(browser, "the reply", async () => {
        const last = await lastAssistant(browser);
        return last && last.state === "complete" ? last : null;
      });

      // The sent message shows the thumbnail; it opens full size, Esc closes it, focus returns.
      const thumb = await browser.$('#messages [data-testid="message-attachments"] [data-testid="attachment-thumb"]');
      await until(browser, "the sent thumbnail drawn", async () => (await thumb.getAttribute("data-loaded")) === "true");
      const strip = await browser.execute(() =>
        Array.from(document.querySelectorAll('#messages [data-testid="message-attachments"] > *')).map((e) => `${e.dataset.testid}:${e.textContent}`),
      );
      assert(strip.length === 2 && strip[1].startsWith("attachment-file:") && strip[1].includes("notes.md"), `the sent message's attachments: ${JSON.stringify(strip)}`);
      await thumb.click();
      await until(browser, "the full-size picture", () =>
        browser.execute(() => {
          const viewer = document.getElementById("image-viewer");
          const image = document.getElementById("image-viewer-image");
          return !viewer.hidden && image !== null && image.complete && image.naturalWidth === 1;
        }),
      );
      await browser.keys("Escape");
      await until(browser, "the viewer closed, focus back on the thumbnail", () =>
        browser.execute(() =>
          document.getElementById("image-viewer").hidden && document.activeElement?.dataset.testid === "attachment-thumb"),
      );

      // What the fake received: the file's text with its name, and the image, byte for byte.
      const generations = (await server.requests()).filter((r) => r.path.endsWith("/chat/completions"));
      const body = JSON.parse(generations[generations.length - 1].body);
      const user = body.messages[body.messages.length - 1];
      const parts = Array.isArray(user.content) ? user.content : [{ type: "text", text: user.content }];
      const text = parts.filter((p) => p.type === "text").map((p) => p.text).join("\n");
      assert(text.includes("--- notes.md ---") && text.includes("The lantern is blue."), `text sent: ${text}`);
      assert(text.includes("What is in these?"), `text sent: ${text}`);
      const image = parts.find((p) => p.type === "image_url");
      assert(image, `no image_url part in ${JSON.stringify(user).slice(0, 300)}`);
      const url = image.image_url.url;
      assert(url.startsWith("data:image/png;base64,"), `image URL: ${url.slice(0, 40)}`);
      const sent = Buffer.from(url.slice(url.indexOf(",") + 1), "base64");
      assert(sent.equals(Buffer.from(PNG_BASE64, "base64")), `image bytes differ: ${sent.length} bytes arrived`);
      // The fake describes what it received (once it reads images).
      assert(reply.text.includes("Received image/png, 70 bytes, 1x1 pixels."), `reply: ${reply.text}`);
    } finally {
      await closeApp(browser);
      cli(["profile", "rm", name]);
      rmSync(folder, { recursive: true, force: true });
    }
  });
}
