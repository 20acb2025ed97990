// "Delete all my data" in the drawer: asks first, Cancel deletes nothing, then shows what went
// (names only) and offers only Quit.

import { afterEach, describe, expect, it } from "vitest";
import { createMockApi } from "../dev/mock-api";
import { start } from "../start";

afterEach(() => document.body.replaceChildren());

function root(): HTMLElement {
  const element = document.createElement("div");
  element.id = "app";
  document.body.replaceChildren(element);
  return element;
}

const byId = <T extends HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} missing`);
  return element as T;
};

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe("delete all my data", () => {
  it("asks first; Cancel deletes nothing", async () => {
    const api = createMockApi({ scenario: "chat", tick: 0, latency: 0 });
    await start(root(), api);
    const dialog = byId("delete-data-dialog");
    expect(dialog.hidden).toBe(true);
    byId("delete-all-data").click();
    expect(dialog.hidden).toBe(false);
    expect(byId("delete-data-message").textContent).toContain("cannot be undone");
    expect(document.activeElement?.id).toBe("delete-data-cancel");
    byId("delete-data-cancel").click();
    expect(dialog.hidden).toBe(true);
    expect(api.calls).not.toContain("deleteAllData");
  });

  it("deletes when confirmed, names what went, and offers only Quit", async () => {
    const api = createMockApi({ scenario: "chat", tick: 0, latency: 0 });
    await start(root(), api);
    byId("delete-all-data").click();
    byId("delete-data-confirm").click();
    await settle();
    expect(api.calls).toContain("deleteAllData");
    const removed = byId("delete-data-removed");
    expect(removed.hidden).toBe(false);
    expect(removed.textContent).toContain("File switchboard.db");
    expect(byId("delete-data-confirm").hidden).toBe(true);
    expect(byId("delete-data-cancel").hidden).toBe(true);
    const quit = byId<HTMLButtonElement>("delete-data-quit");
    expect(quit.hidden).toBe(false);
    quit.click();
    await settle();
    expect(api.calls).toContain("quitApp");
  });
});
