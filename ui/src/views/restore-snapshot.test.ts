// "Restore from a snapshot…" in the drawer: the list (a damaged one cannot be picked), a
// confirmation that says what changes, the restore, then the window reloads; a snapshot that
// could not be taken is a notice.

import { afterEach, describe, expect, it, vi } from "vitest";
import { createMockApi } from "../dev/mock-api";
import { Controller } from "../state/controller";
import { start } from "../start";
import { createRestoreSnapshot, mountRestoreSnapshot } from "./restore-snapshot";

afterEach(() => document.body.replaceChildren());

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

function mounted(api = createMockApi({ scenario: "chat", tick: 0, latency: 0 })) {
  const controller = new Controller(api);
  const elements = createRestoreSnapshot();
  document.body.replaceChildren(elements.root);
  const reload = vi.fn();
  mountRestoreSnapshot(elements, controller, reload);
  return { api, elements, reload };
}

describe("restore from a snapshot", () => {
  it("lists the snapshots, says what changes, restores and reloads", async () => {
    const { api, elements, reload } = mounted();
    elements.open.click();
    expect(elements.dialog.hidden).toBe(false);
    await settle();
    const rows = elements.list.querySelectorAll('[data-testid="snapshot-row"]');
    expect(rows).toHaveLength(2);
    expect(rows[0]?.textContent).toContain("3 chats, 12 messages");
    expect(rows[1]?.textContent).toContain("cannot be used");
    const picks = elements.list.querySelectorAll<HTMLButtonElement>('[data-testid="snapshot-pick"]');
    expect(picks[1]?.disabled).toBe(true);
    picks[0]?.click();
    const summary = elements.message.textContent ?? "";
    expect(summary).toMatch(/Now: \d+ chats?, \d+ messages?\./);
    expect(summary).toContain("In the snapshot: 3 chats, 12 messages.");
    expect(summary).toContain("kept as a snapshot first");
    expect(api.calls.some((c) => c.startsWith("restoreSnapshot"))).toBe(false);
    elements.confirm.click();
    await settle();
    expect(api.calls).toContain("restoreSnapshot:2026-12-07-080000-daily");
    expect(elements.message.textContent).toContain("2026-12-07-090000-before-restore");
    expect(reload).toHaveBeenCalledOnce();
  });

  it("Back and Cancel restore nothing", async () => {
    const { api, elements, reload } = mounted();
    elements.open.click();
    await settle();
    elements.list.querySelector<HTMLButtonElement>('[data-testid="snapshot-pick"]')?.click();
    elements.back.click();
    expect(elements.list.hidden).toBe(false);
    elements.cancel.click();
    expect(elements.dialog.hidden).toBe(true);
    expect(api.calls.some((c) => c.startsWith("restoreSnapshot"))).toBe(false);
    expect(reload).not.toHaveBeenCalled();
  });

  it("shows a snapshot that could not be taken as a notice", async () => {
    const root = document.createElement("div");
    document.body.replaceChildren(root);
    const problem = "Could not take the daily snapshot of the database in /data/snapshots: No space left on device.";
    await start(root, createMockApi({ scenario: "chat", tick: 0, latency: 0, snapshotProblem: problem }));
    await settle();
    expect(document.querySelector('[data-testid="notice"]')?.textContent).toContain("No space left on device");
    expect(document.getElementById("restore-snapshot")).not.toBeNull();
  });
});
