// End-to-end tests of navigation in the real window (registered by run.mjs): the backend keeps
// the window on the app's own pages whatever the page does, and links from replies open in the
// system browser — here a recording `xdg-open` that scripts/e2e.sh puts first on the app's PATH,
// which appends each address it is given to E2E_OPENED_LOG.

import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";

const OPENED_LOG = process.env.E2E_OPENED_LOG;

/** What the recording `xdg-open` was asked to open so far, in order. */
function opened() {
  if (!OPENED_LOG) throw new Error("E2E_OPENED_LOG is not set; run the end-to-end tests through scripts/e2e.sh");
  return existsSync(OPENED_LOG) ? readFileSync(OPENED_LOG, "utf8").split("\n").filter(Boolean) : [];
}

/** A server on 127.0.0.1 that counts every request: nothing the window refuses may reach it. */
async function trapServer() {
  const hits = [];
  const server = createServer((req, res) => {
    hits.push(req.url);
    res.writeHead(200, { "content-type": "text/html" }).end("<title>trap</title><p>away from the app</p>");
  });
  server.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, hits, close: () => server.close() };
}

/**
 * @param test      run.mjs's `test(name, fn)`
 * @param h         run.mjs's helpers: openApp, closeApp, until, assert, screenshot, send,
 *                  lastAssistant, connectionState, and fake() (the OpenAI-compatible fake)
 */
export function registerNavigationTests(test, h) {
  const { openApp, closeApp, until, assert, screenshot, send, lastAssistant, connectionState } = h;

  /** The banner's text once it includes `text`. */
  const banner = (browser, text) =>
    until(browser, `the banner saying "${text}"`, () =>
      browser.execute((text) => {
        const element = document.querySelector("#banner");
        return element && !element.hidden && element.textContent.includes(text) ? element.textContent : null;
      }, text),
    );

  test("navigation away from the app's pages and new windows are refused by the backend", async () => {
    const trap = await trapServer();
    const browser = await openApp();
    try {
      const start = await browser.execute(() => {
        window.__stayed = "yes";
        return location.href;
      });
      assert(/^(tauri:\/\/localhost|https?:\/\/tauri\.localhost)(\/|$)/.test(start), `the app's page: ${start}`);

      // The window itself, sent away by script. (WebKit refuses file: from the app's page
      // itself, before asking the backend; the data: refusal that follows shows it was handled.)
      for (const target of [`${trap.url}/by-location`, "file:///etc/passwd", "data:text/html,<p>away</p>"]) {
        await browser.execute((target) => {
          location.href = target;
        }, target);
        if (!target.startsWith("file:")) await banner(browser, `shows only its own pages: ${target}`);
      }

      // Clicked, as a person would (WebKit lets a page open windows only on a click): a link
      // outside the reply area (which the page's own click guard does not cover), a
      // target="_blank" link, and a button that calls window.open.
      const clickAway = async (kind, target) => {
        await browser.execute((kind, target) => {
          const element = document.createElement(kind === "button" ? "button" : "a");
          element.id = "e2e-away";
          element.textContent = `away by ${kind}`;
          Object.assign(element.style, { position: "fixed", top: "0", left: "0", zIndex: "1000", padding: "20px", background: "yellow" });
          if (kind === "button") {
            element.addEventListener("click", () => {
              window.__opened = window.open(target) === null ? "null" : "a window";
            });
          } else {
            element.href = target;
            if (kind === "blank") element.target = "_blank";
          }
          document.documentElement.append(element);
        }, kind, target);
        await (await browser.$("#e2e-away")).click();
      };
      const removeAway = () => browser.execute(() => document.querySelector("#e2e-away")?.remove());
      await clickAway("link", `${trap.url}/by-link`);
      await banner(browser, `shows only its own pages: ${trap.url}/by-link`);
      await removeAway();
      // WebKit under WebDriver does not ask for a window for a target="_blank" click; whatever it
      // does, no window may open and nothing may load (checked below, after the next refusal).
      await clickAway("blank", `${trap.url}/by-blank-link`);
      await removeAway();
      await clickAway("button", `${trap.url}/by-window-open`);
      await banner(browser, `opens no other windows: ${trap.url}/by-window-open`);
      const popup = await browser.execute(() => window.__opened ?? "not called");
      assert(popup === "null", `window.open gave ${popup}`);
      await screenshot(browser, "navigation-refused-light");

      const after = await browser.execute(() => ({ href: location.href, stayed: window.__stayed ?? null }));
      assert(after.href === start && after.stayed === "yes", `the page changed: ${JSON.stringify(after)}`);
      assert((await browser.getWindowHandles()).length === 1, "another window opened");
      assert(trap.hits.length === 0, `the window reached the server: ${trap.hits}`);
      assert(opened().length === 0, `something was opened in the browser: ${opened()}`);
      assert(await (await browser.$("#composer")).isExisting(), "the app is gone from the window");
    } finally {
      await closeApp(browser);
      trap.close();
    }
  });

  test("links from replies open in the system browser: http(s) and mailto only, the host shown first when the text is not the address", async () => {
    const fake = h.fake();
    const reply = [
      "Plain: https://example.com/direct",
      "",
      "Named: [the docs](https://example.org/hidden?x=1)",
      "",
      "Mail: [write to us](mailto:someone@example.net)",
      "",
      "Never: [js](javascript:alert(1)) [file](file:///etc/passwd) [data](data:text/html,hi)",
    ].join("\n");
    await fake.scenario("normal", reply);
    const browser = await openApp();
    const link = async (text) => {
      const found = await (await lastAssistant(browser)).element.$(`a=${text}`);
      await found.waitForExist({ timeout: 15_000 });
      return found;
    };
    const prompt = () =>
      browser.execute(() => {
        const root = document.querySelector("#link-prompt");
        return root && !root.hidden
          ? { destination: document.querySelector("#link-prompt-destination").textContent, url: document.querySelector("#link-prompt-url").textContent }
          : null;
      });
    try {
      await until(browser, "connected", async () => (await connectionState(browser)) === "connected");
      await send(browser, "links please");
      await until(browser, "the reply", async () => {
        const last = await lastAssistant(browser);
        return last && last.state === "complete";
      });

      // Its text is its address: it opens at once.
      await (await link("https://example.com/direct")).click();
      await until(browser, "the plain link opened", () => opened().includes("https://example.com/direct"));
      assert((await prompt()) === null, "a prompt for a link whose text is its address");

      // Its text says something else: the host is shown, and it opens only on "Open in browser".
      await (await link("the docs")).click();
      const shown = await until(browser, "the link prompt", prompt);
      assert(shown.destination === "example.org" && shown.url === "https://example.org/hidden?x=1", `prompt: ${JSON.stringify(shown)}`);
      assert(!opened().some((u) => u.includes("example.org")), "it opened before it was confirmed");
      await (await browser.$("#link-prompt-open")).click();
      await until(browser, "the named link opened", () => opened().includes("https://example.org/hidden?x=1"));

      // Cancelled: nothing opens.
      await (await link("write to us")).click();
      const mail = await until(browser, "the mail prompt", prompt);
      assert(mail.destination === "someone@example.net", `mail prompt: ${JSON.stringify(mail)}`);
      await browser.keys("Escape");
      await until(browser, "the prompt closed", async () => (await prompt()) === null);

      // Other kinds of link lost their address when rendered; clicking them does nothing.
      for (const text of ["js", "file", "data"]) {
        const element = await link(text);
        assert((await element.getAttribute("href")) === null, `${text} kept its href`);
        await element.click();
      }
      // And the backend refuses them however they are asked for.
      const refusals = await browser.executeAsync(async (done) => {
        const out = {};
        for (const url of ["javascript:alert(1)", "file:///etc/passwd", "data:text/html,hi", "tauri://localhost/", "ftp://example.com/", "smb://host/share", "/relative"]) {
          try {
            await window.__TAURI_INTERNALS__.invoke("open_external", { url });
            out[url] = "opened";
          } catch (error) {
            out[url] = `refused: ${error?.message ?? JSON.stringify(error)}`;
          }
        }
        done(out);
      });
      for (const [url, outcome] of Object.entries(refusals)) {
        assert(outcome.startsWith("refused"), `${url}: ${outcome}`);
      }

      // The mail link, confirmed this time, comes last: once it is there, everything before it
      // that was going to open has.
      await (await link("write to us")).click();
      await until(browser, "the mail prompt again", prompt);
      await (await browser.$("#link-prompt-open")).click();
      await until(browser, "the mail link opened", () => opened().includes("mailto:someone@example.net"));
      const all = opened();
      assert(
        JSON.stringify([...all].sort()) ===
          JSON.stringify(["https://example.com/direct", "https://example.org/hidden?x=1", "mailto:someone@example.net"].sort()),
        `opened: ${JSON.stringify(all)}`,
      );
    } finally {
      await closeApp(browser);
      await fake.scenario("normal");
    }
  });
}
