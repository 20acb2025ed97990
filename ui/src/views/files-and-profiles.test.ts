// The window's file and profile actions in jsdom against the in-memory backend: import chats
// through the file picker, export the chat on screen from the header's menu, back up
// everything, duplicate and delete profiles in the drawer, and connect on launch (the header's
// picker is `chat-header.test.ts`'s). Stable test ids for the end-to-end suite.

import { afterEach, describe, expect, it, vi } from "vitest";
import { createMockApi, MOCK_DOWNLOADS, type MockApi, type MockOptions } from "../dev/mock-api";
import { Controller } from "../state/controller";
import { mountApp } from "./app-view";

let unmount: (() => void) | null = null;

async function mount(options: MockOptions = {}): Promise<{ api: MockApi; controller: Controller }> {
  const api = createMockApi({ scenario: "chat", tick: 0, latency: 0, ...options });
  const controller = new Controller(api);
  const root = document.createElement("div");
  root.id = "app";
  document.body.replaceChildren(root);
  unmount = mountApp(root, controller);
  await controller.start();
  await vi.waitFor(() => expect(controller.store.get().chats.length).toBeGreaterThan(0));
  return { api, controller };
}

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} missing`);
  return element as T;
};
const byTestId = <T extends HTMLElement = HTMLButtonElement>(id: string): T => {
  const all = document.querySelectorAll<T>(`[data-testid="${id}"]`);
  if (all.length !== 1) throw new Error(`${all.length} elements with data-testid="${id}"`);
  return all[0]!;
};
const chatItem = (title: string): HTMLButtonElement => {
  const item = [...document.querySelectorAll<HTMLButtonElement>('[data-testid="chat-item"]')].find((b) => b.textContent?.startsWith(title));
  if (!item) throw new Error(`no chat “${title}” in the list`);
  return item;
};

function press(target: EventTarget, key: string, init: KeyboardEventInit = {}): KeyboardEvent {
  const event = new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true, ...init });
  target.dispatchEvent(event);
  return event;
}

/** Puts files on the mock's disk and clicks "Import chats…", choosing them in the file dialog. */
function pick(api: MockApi, files: [name: string, text: string][]): string[] {
  const paths = files.map(([name, text]) => {
    const path = `/home/you/chats/${name}`;
    api.files.set(path, text);
    return path;
  });
  api.willChoose(paths);
  byTestId("import-chats").click();
  return paths;
}

const TAVERN = [
  JSON.stringify({ user_name: "You", character_name: "Seraphina", create_date: "2024-05-12@13h06m" }),
  JSON.stringify({ name: "You", is_user: true, mes: "Hello" }),
  JSON.stringify({ name: "Seraphina", is_user: false, mes: "Welcome, traveller." }),
  "{not json",
  JSON.stringify({ name: "You", is_user: true, mes: "Where am I?" }),
  "[1, 2]",
].join("\n");

afterEach(() => {
  unmount?.();
  unmount = null;
  vi.useRealTimers();
  document.body.replaceChildren();
});

describe("test ids", () => {
  it("are there once each, on controls reachable with the keyboard", async () => {
    const { controller } = await mount();
    await controller.openChat(controller.store.get().chats[0]!.id);
    for (const id of ["duplicate-profile", "import-chats", "export-chat", "backup-all"]) {
      const button = byTestId(id);
      expect(button.tagName, id).toBe("BUTTON");
      expect(button.hidden, id).toBe(false);
      expect(button.tabIndex, id).toBe(0);
    }
    expect(byTestId<HTMLInputElement>("auto-connect").type).toBe("checkbox");
    // No file input: the page never reads files; the app does, from the paths chosen.
    expect(document.querySelector('input[type="file"]')).toBeNull();
    for (const format of ["sillytavern", "markdown", "json"]) {
      expect(byTestId(`export-format-${format}`).getAttribute("role")).toBe("menuitem");
    }
  });
});

describe("Import chats…", () => {
  it("opens the system's file dialog, and does nothing when it is cancelled", async () => {
    const { api, controller } = await mount();
    byTestId("import-chats").click();
    await vi.waitFor(() => expect(api.calls).toContain("chooseImportFiles"));
    expect(api.calls.filter((c) => c.startsWith("importChatFile"))).toEqual([]);
    expect(controller.store.get().notice).toBeNull();
  });

  it("imports every file picked by its path and says what came in and which lines were left out", async () => {
    const { api, controller } = await mount();
    const chosen = pick(api, [["x.jsonl", TAVERN], ["notes.json", "not a chat"]]);
    const sent = vi.spyOn(api, "importChatFile");
    await vi.waitFor(() => expect(controller.store.get().notice).not.toBeNull());
    // Only the paths cross to the app, never the text.
    expect(sent.mock.calls).toEqual(chosen.map((path) => [path]));
    expect(api.calls.filter((c) => c.startsWith("importChatFile"))).toEqual(["importChatFile:x.jsonl", "importChatFile:notes.json"]);
    const notice = byTestId("notice");
    expect(notice.hidden).toBe(false);
    expect(notice.dataset.tone).toBe("error");
    expect(notice.textContent).toContain(
      "Imported 1 chat; skipped lines 4 and 6 of x.jsonl: line 4 — not valid JSON; line 6 — not a JSON object (found an array); could not import notes.json:",
    );
    await vi.waitFor(() => expect(chatItem("Seraphina (imported)")).toBeTruthy());
    byTestId("notice-close").click();
    expect(notice.hidden).toBe(true);
  });

  it("shows the button busy while the files go in", async () => {
    const { api, controller } = await mount();
    let finish: (() => void) | undefined;
    vi.spyOn(api, "importChatFile").mockImplementation(
      () => new Promise((resolve) => (finish = () => resolve({ chats: [], skipped: [], profiles: [], skippedProfiles: [], error: null, alreadyHere: 0, replaced: [], skippedChats: [], onServer: 0 }))),
    );
    pick(api, [["x.jsonl", TAVERN]]);
    const button = byTestId("import-chats");
    await vi.waitFor(() => expect(button.getAttribute("aria-busy")).toBe("true"));
    await vi.waitFor(() => expect(finish).toBeTypeOf("function"));
    const asked = vi.spyOn(api, "chooseImportFiles");
    button.click();
    expect(asked).not.toHaveBeenCalled();
    finish?.();
    await vi.waitFor(() => expect(button.getAttribute("aria-busy")).toBe("false"));
    expect(controller.store.get().notice?.text).toBe("Imported 0 chats.");
  });
});

describe("Export", () => {
  it("is offered for a stored chat only", async () => {
    const { controller } = await mount();
    expect(byTestId("export-chat").hidden).toBe(true);
    chatItem("Explain SSE in one paragraph").click();
    await vi.waitFor(() => expect(controller.store.get().chatId).not.toBeNull());
    expect(byTestId("export-chat").hidden).toBe(false);
    controller.newChat();
    expect(byTestId("export-chat").hidden).toBe(true);
  });

  it("opens a menu of formats that the keyboard moves through and Esc closes", async () => {
    const { controller } = await mount();
    await controller.openChat(controller.store.get().chats[0]!.id);
    const button = byTestId("export-chat");
    const menu = $("export-menu");
    button.focus();
    button.click();
    expect(menu.hidden).toBe(false);
    expect(button.getAttribute("aria-expanded")).toBe("true");
    expect(document.activeElement).toBe(byTestId("export-format-sillytavern"));
    press(document.activeElement!, "ArrowDown");
    expect(document.activeElement).toBe(byTestId("export-format-markdown"));
    press(document.activeElement!, "End");
    expect(document.activeElement).toBe(byTestId("export-format-json"));
    press(document.activeElement!, "ArrowDown");
    expect(document.activeElement).toBe(byTestId("export-format-sillytavern"));
    const escape = press(document.activeElement!, "Escape");
    expect(escape.defaultPrevented).toBe(true);
    expect(menu.hidden).toBe(true);
    expect(button.getAttribute("aria-expanded")).toBe("false");
    expect(document.activeElement).toBe(button);
    expect(controller.store.get().chatId).not.toBeNull();
    press(button, "ArrowUp");
    expect(document.activeElement).toBe(byTestId("export-format-json"));
    document.body.dispatchEvent(new Event("pointerdown", { bubbles: true }));
    expect(menu.hidden).toBe(true);
  });

  it("writes the chat into Downloads and says where, with the path to copy", async () => {
    const { api, controller } = await mount();
    await controller.openChat(controller.store.get().chats[0]!.id);
    byTestId("export-chat").click();
    byTestId("export-format-markdown").click();
    const path = `${MOCK_DOWNLOADS}/Explain SSE in one paragraph.md`;
    await vi.waitFor(() => expect(byTestId("notice").textContent).toContain(`Exported “Explain SSE in one paragraph” to ${path}`));
    expect(api.calls).toContain(`exportChat:${controller.store.get().chatId}:markdown`);
    expect(api.files.get(path)).toMatch(/^# Explain SSE in one paragraph/);
    expect($("export-menu").hidden).toBe(true);
    expect(document.activeElement).toBe(byTestId("export-chat"));
    expect(byTestId("copy-path").textContent).toBe("Copy path");
    byTestId("show-in-folder").click();
    await vi.waitFor(() => expect(api.calls).toContain(`showInFolder:${path}`));
    byTestId("export-chat").click();
    byTestId("export-format-markdown").click();
    await vi.waitFor(() => expect(byTestId("notice").textContent).toContain("Explain SSE in one paragraph (2).md"));
  });

  it("writes nothing and says nothing when the save dialog is cancelled", async () => {
    const { api, controller } = await mount();
    await controller.openChat(controller.store.get().chats[0]!.id);
    api.willSave(null);
    byTestId("export-chat").click();
    byTestId("export-format-json").click();
    await vi.waitFor(() => expect(api.calls.some((c) => c.startsWith("exportChat:"))).toBe(true));
    await vi.waitFor(() => expect(byTestId("export-chat").getAttribute("aria-busy")).toBe("false"));
    expect(api.files.size).toBe(0);
    expect(byTestId("notice").hidden).toBe(true);
    expect($("banner").hidden).toBe(true);
  });
});

describe("a backup imported where its chats already are", () => {
  it("asks “N chats are already here” with Skip focused; Esc cancels, Replace replaces", async () => {
    const { api, controller } = await mount();
    byTestId("backup-all").click();
    await vi.waitFor(() => expect(byTestId("notice").hidden).toBe(false));
    const [path] = [...api.files.keys()];
    const text = api.files.get(path!)!;
    const importButton = byTestId("import-chats");
    importButton.focus();

    pick(api, [["backup.json", text]]);
    const dialog = byTestId<HTMLElement>("existing-chats");
    await vi.waitFor(() => expect(dialog.hidden).toBe(false));
    expect($("existing-chats-title").textContent).toBe("5 chats are already here");
    expect($("existing-chats-note").textContent).toContain("backup.json");
    expect(dialog.querySelector('[role="alertdialog"]')?.getAttribute("aria-modal")).toBe("true");
    expect(document.activeElement).toBe(byTestId("existing-chats-skip"));
    press(document.activeElement!, "Escape");
    await vi.waitFor(() => expect(dialog.hidden).toBe(true));
    expect(document.activeElement).toBe(importButton);
    await vi.waitFor(() => expect(controller.store.get().busy.import).toBe(false));
    expect(api.calls.filter((c) => c.startsWith("importChatFile"))).toEqual(["importChatFile:backup.json"]);
    expect(controller.store.get().chats.length).toBe(5);

    pick(api, [["backup.json", text]]);
    await vi.waitFor(() => expect(dialog.hidden).toBe(false));
    byTestId("existing-chats-replace").click();
    await vi.waitFor(() => expect(byTestId("notice").textContent).toContain("Replaced 5 chats with the backup's copy"));
    expect(dialog.hidden).toBe(true);
    expect(controller.store.get().chats.length).toBe(5);
    expect(api.calls.filter((c) => c.startsWith("importChatFile"))).toEqual([
      "importChatFile:backup.json", "importChatFile:backup.json", "importChatFile:backup.json:replace",
    ]);
  });
});

describe("Back up everything", () => {
  it("writes one file and says what is in it and where", async () => {
    const { api } = await mount();
    byTestId("backup-all").click();
    await vi.waitFor(() => expect(byTestId("notice").hidden).toBe(false));
    const [path] = [...api.files.keys()];
    expect(path).toMatch(/switchboard-backup-\d{4}-\d{2}-\d{2}\.json$/);
    expect(byTestId("notice").textContent).toContain(`Backed up 5 chats and 1 profile (no keys) to ${path}`);
    expect(api.files.get(path!)).not.toContain("hasKey");
  });
});

describe("the drawer's profile actions", () => {
  it("Duplicate saves a copy and shows it", async () => {
    const { api, controller } = await mount();
    controller.toggleDrawer(true);
    // Opening the drawer moves focus into it on the next frame.
    await new Promise((resolve) => window.requestAnimationFrame(resolve));
    const duplicate = byTestId("duplicate-profile");
    duplicate.focus();
    duplicate.click();
    await vi.waitFor(() => expect($<HTMLInputElement>("profile-name").value).toBe("Local llama.cpp copy"));
    const copy = controller.store.get().profiles.find((p) => p.name === "Local llama.cpp copy")!;
    expect($<HTMLSelectElement>("profile-switcher").value).toBe(copy.id);
    expect([...$<HTMLSelectElement>("sidebar-profile").options].map((o) => o.text)).toContain("Local llama.cpp copy");
    expect(api.calls).toContain("duplicateProfile:profile-local");
    expect(document.activeElement).toBe(duplicate);
    controller.store.update({ selectedProfileId: null });
    expect(duplicate.hidden).toBe(true);
  });

  it("Delete deletes at once, offers Undo, and holds its place as “Deleted · Undo” until the pointer leaves", async () => {
    const { api, controller } = await mount();
    controller.toggleDrawer(true);
    const remove = byTestId("delete-profile");
    remove.click();
    await vi.waitFor(() => expect(controller.store.get().profiles).toEqual([]));
    expect(api.calls).toContain("deleteProfile:profile-local");
    expect(controller.store.get().undo).toMatchObject({ kind: "profile", targetId: "profile-local", title: "Local llama.cpp" });
    // The button stays where it was: a second click there undoes instead of deleting.
    expect(remove.hidden).toBe(false);
    expect(remove.textContent).toBe("Deleted · Undo");
    remove.click();
    await vi.waitFor(() => expect(controller.store.get().profiles.map((p) => p.id)).toEqual(["profile-local"]));
    expect(api.calls).toContain("restoreProfile:profile-local");
    expect(controller.store.get().selectedProfileId).toBe("profile-local");
    expect(remove.textContent).toBe("Delete profile");
  });

  it("the held Delete lets go when the pointer leaves the footer", async () => {
    const { api, controller } = await mount();
    controller.toggleDrawer(true);
    const remove = byTestId("delete-profile");
    remove.click();
    await vi.waitFor(() => expect(remove.textContent).toBe("Deleted · Undo"));
    remove.parentElement!.dispatchEvent(new Event("pointerleave"));
    expect(remove.textContent).toBe("Delete profile");
    expect(remove.hidden).toBe(true);
    // Still offered in the toast and by Ctrl+Z.
    expect(await controller.undoDelete()).toBe(true);
    expect(api.calls).toContain("restoreProfile:profile-local");
  });
});

describe("Connect to the last profile on launch", () => {
  it("is checked by default and saved when unchecked", async () => {
    const { api, controller } = await mount({ scenario: "relaunch" });
    const box = byTestId<HTMLInputElement>("auto-connect");
    expect(box.checked).toBe(true);
    expect(box.disabled).toBe(false);
    box.click();
    await vi.waitFor(() => expect(api.calls).toContain('saveSettings:{"autoConnect":false,"theme":"system"}'));
    expect(controller.store.get().settings).toEqual({ autoConnect: false, theme: "system" });
    expect(box.checked).toBe(false);
  });

  it("shows the saved setting, and the window starts unconnected then", async () => {
    const { api, controller } = await mount({ scenario: "relaunch", autoConnect: false });
    expect(byTestId<HTMLInputElement>("auto-connect").checked).toBe(false);
    expect(controller.store.get().connection.state).toBe("idle");
    expect(api.calls.some((c) => c.startsWith("connect"))).toBe(false);
    // Opening a chat connects nothing either: it shows who will answer, and sending reaches it.
    chatItem("Explain SSE in one paragraph").click();
    await vi.waitFor(() => expect($<HTMLSelectElement>("chat-profile").value).toBe("profile-local"));
    expect(controller.store.get().connection.state).toBe("idle");
    expect(api.calls.some((c) => c.startsWith("connect"))).toBe(false);
    expect(await controller.send("Still there?")).toBe(true);
  });
});
