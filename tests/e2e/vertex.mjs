// End-to-end test of Vertex AI's service account in the real window (registered by run.mjs): a
// Vertex AI profile's "Sign in with: Service account", its project and region typed in the
// drawer, and "Choose key file…", which opens GTK's own file chooser (driven with xdotool, as
// the import test does); the app reads the chosen file and keeps it in the keychain, the page
// shows only the account and project, and `switchboard-cli profile show` sees it all saved.

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const KEY_FILE = join(dirname(fileURLToPath(import.meta.url)), "../fixtures/google-service-account/test-only-service-account.json");
const DIALOG = "Choose the service account's key file";

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
 * @param h     run.mjs's helpers: openApp, closeApp, until, assert, screenshot, cli, openDrawer, setField
 */
export function registerVertexTests(test, h) {
  const { openApp, closeApp, until, assert, screenshot, cli, openDrawer, setField } = h;
  const PROFILE = "E2E Vertex";
  const file = JSON.parse(readFileSync(KEY_FILE, "utf8"));
  const keyLines = file.private_key.split("\n").filter((line) => line && !line.startsWith("-----"));

  test("Vertex AI: a service account's key file chosen in GTK's dialog goes to the keychain; project and region are saved", async () => {
    cli(["profile", "add", PROFILE, "--source", "vertexai"]);
    const browser = await openApp();
    try {
      await openDrawer(browser);
      const value = await until(browser, `“${PROFILE}” in the switcher`, () =>
        browser.execute((name) => Array.from(document.querySelectorAll("#profile-switcher option")).find((o) => o.textContent.trim() === name)?.value ?? null, PROFILE),
      );
      const switcher = await browser.$("#profile-switcher");
      await switcher.scrollIntoView({ block: "center" });
      await switcher.selectByAttribute("value", value);
      const fields = await browser.$("#vertex-fields");
      await fields.waitForDisplayed({ timeout: 15_000 });
      const auth = await browser.$("#vertex-auth");
      await auth.scrollIntoView({ block: "center" });
      await auth.selectByAttribute("value", "serviceAccount");
      await (await browser.$("#vertex-account-fields")).waitForDisplayed({ timeout: 15_000 });
      await setField(browser, "#vertex-project", "e2e-vertex-project");
      await setField(browser, "#vertex-region", "us-central1");

      const choose = await browser.$("#vertex-key-file");
      await choose.scrollIntoView({ block: "center" });
      await choose.click();
      // GTK's file chooser, a real window of its own: the path typed into its location field.
      const dialog = await until(browser, "the key file dialog", async () => xWindow(DIALOG));
      execFileSync("xdotool", ["windowfocus", "--sync", dialog]);
      execFileSync("xdotool", ["key", "ctrl+l"]);
      execFileSync("xdotool", ["type", "--delay", "5", KEY_FILE]);
      // Enter accepts once the field has the whole path: pressed again until the dialog closes.
      await until(browser, "the dialog to accept the file", async () => {
        if (xWindow(DIALOG) === null) return true;
        execFileSync("xdotool", ["key", "Return"]);
        // A moment for GTK to take the key before the next look (this loop is the polling).
        await browser.pause(200);
        return xWindow(DIALOG) === null;
      });
      const status = await until(browser, "the key file's account in the drawer", async () => {
        const text = await (await browser.$("#vertex-key-status")).getText();
        return text.includes(file.client_email) ? text : null;
      });
      assert(status.includes(`project ${file.project_id}`), status);
      await screenshot(browser, "vertex-service-account");

      // The page never held the key file.
      const page = await browser.execute(() => document.documentElement.outerHTML);
      for (const line of keyLines) assert(!page.includes(line), "a line of the private key is in the page");

      const shown = await until(browser, "the profile saved with its key file, project and region", async () => {
        const text = cli(["profile", "show", PROFILE]);
        return text.includes("vertex sign-in:      service account")
          && text.includes("vertex project:      e2e-vertex-project")
          && text.includes("vertex region:       us-central1")
          && text.includes("key:                 saved in the keychain") ? text : null;
      });
      for (const line of keyLines) assert(!shown.includes(line), "profile show printed the key");
    } finally {
      await closeApp(browser);
      cli(["profile", "rm", PROFILE]);
    }
  });
}
