// The whole window against the in-memory backend, for conversations that last: the chat list
// (pins, renames, deletes with Undo, search with marked matches) and the keyboard (Ctrl+F,
// ←/→ between versions, Ctrl+R, ↑ to edit).

import { afterEach, describe, expect, it, vi } from "vitest";
import { createMockApi, LONG_CHAT_ID, type MockApi } from "../dev/mock-api";
import { Controller } from "../state/controller";
import { mountApp } from "./app-view";
import { UNDO_MS } from "../state/undo";
import { createToast, mountToast } from "./toast";

let unmount: (() => void) | null = null;

async function mount(scenario = "chat"): Promise<{ api: MockApi; controller: Controller; root: HTMLElement }> {
  const api = createMockApi({ scenario, tick: 0, latency: 0 });
  const controller = new Controller(api);
  const root = document.createElement("div");
  root.id = "app";
  document.body.replaceChildren(root);
  unmount = mountApp(root, controller);
  await controller.start();
  await vi.waitFor(() => expect(controller.store.get().chats.length).toBeGreaterThan(0));
  return { api, controller, root };
}

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} missing`);
  return element as T;
};
const testIds = <T extends HTMLElement = HTMLButtonElement>(id: string, root: ParentNode = document): T[] =>
  [...root.querySelectorAll<T>(`[data-testid="${id}"]`)];
const rowOf = (title: string): HTMLElement => {
  const item = testIds("chat-item").find((b) => b.textContent?.startsWith(title));
  if (!item) throw new Error(`no chat “${title}” in the list`);
  return item.closest<HTMLElement>("li")!;
};
const titles = () => testIds("chat-item").map((b) => b.querySelector(".chat-item-title")?.textContent);

function press(target: EventTarget, key: string, init: KeyboardEventInit = {}): KeyboardEvent {
  const event = new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true, ...init });
  target.dispatchEvent(event);
  return event;
}

function type(input: HTMLInputElement | HTMLTextAreaElement, value: string): void {
  input.focus();
  input.value = value;
  input.dispatchEvent(new Event("input", { bubbles: true }));
}

afterEach(() => {
  unmount?.();
  unmount = null;
  vi.useRealTimers();
  document.body.replaceChildren();
});

describe("the chat list", () => {
  it("lists each chat once, with stable test ids, newest first", async () => {
    await mount();
    expect($("chat-list").querySelectorAll("[data-chat-id]").length).toBe(5);
    expect(testIds("chat-item")).toHaveLength(5);
    expect(testIds("chat-pin")).toHaveLength(5);
    expect(testIds("chat-rename")).toHaveLength(5);
    expect(testIds("chat-delete")).toHaveLength(5);
    expect(titles()[0]).toBe("Explain SSE in one paragraph");
    expect($("chat-search").dataset.testid).toBe("chat-search");
  });

  it("pins a chat on top with a pin mark, keeping the focus on the button", async () => {
    const { controller } = await mount();
    const pin = testIds("chat-pin", rowOf("Summarise the Tauri security model"))[0]!;
    expect(pin.getAttribute("aria-pressed")).toBe("false");
    pin.focus();
    pin.click();
    await vi.waitFor(() => expect(titles()[0]).toBe("Summarise the Tauri security model"));
    const row = rowOf("Summarise the Tauri security model");
    expect(row.querySelector(".chat-pin-mark")).not.toBeNull();
    expect(row.closest("section")?.querySelector("h2")?.textContent).toBe("Pinned");
    expect(testIds("chat-pin", row)[0]?.getAttribute("aria-pressed")).toBe("true");
    expect(document.activeElement).toBe(testIds("chat-pin", row)[0]);
    expect(controller.store.get().chats.find((c) => c.title.startsWith("Summarise"))?.pinned).toBe(true);
  });

  it("renames in place on double-click: Enter saves, Esc cancels", async () => {
    const { controller } = await mount();
    const item = testIds("chat-item", rowOf("Regex for ISO dates"))[0]!;
    item.dispatchEvent(new MouseEvent("dblclick", { bubbles: true }));
    let input = testIds<HTMLInputElement>("chat-rename-input")[0]!;
    expect(document.activeElement).toBe(input);
    expect(input.value).toBe("Regex for ISO dates");
    input.value = "Something else";
    press(input, "Escape");
    expect(testIds("chat-rename-input")).toHaveLength(0);
    expect(titles()).toContain("Regex for ISO dates");
    expect(controller.store.get().renaming).toBeNull();

    testIds("chat-rename", rowOf("Regex for ISO dates"))[0]!.click();
    input = testIds<HTMLInputElement>("chat-rename-input")[0]!;
    input.value = "Dates, as regular expressions";
    press(input, "Enter");
    await vi.waitFor(() => expect(titles()).toContain("Dates, as regular expressions"));
    expect(document.activeElement?.textContent).toBe("Dates, as regular expressions");
  });

  it("renames with F2 and keeps what is typed while the list changes", async () => {
    const { controller } = await mount();
    const item = testIds("chat-item", rowOf("Rust lifetimes, gently"))[0]!;
    item.focus();
    press(item, "F2");
    const input = testIds<HTMLInputElement>("chat-rename-input")[0]!;
    input.value = "Lifetimes";
    await controller.refreshChats();
    controller.store.update((s) => ({ chats: [...s.chats] }));
    expect(testIds<HTMLInputElement>("chat-rename-input")[0]).toBe(input);
    expect(input.value).toBe("Lifetimes");
    press(input, "Enter");
    await vi.waitFor(() => expect(titles()).toContain("Lifetimes"));
  });

  it("deletes a chat and offers Undo in a toast, which brings it back", async () => {
    const { api } = await mount();
    testIds("chat-delete", rowOf("Packing list for a weekend hike"))[0]!.click();
    await vi.waitFor(() => expect(titles()).not.toContain("Packing list for a weekend hike"));
    const toast = $("toast");
    expect(toast.hidden).toBe(false);
    expect(toast.getAttribute("role")).toBe("status");
    expect(toast.textContent).toContain("Deleted “Packing list for a weekend hike”.");
    const undo = testIds("undo-delete")[0]!;
    expect(document.activeElement).toBe(undo);
    undo.click();
    await vi.waitFor(() => expect(titles()).toContain("Packing list for a weekend hike"));
    expect(toast.hidden).toBe(true);
    expect(api.calls.some((c) => c.startsWith("restoreChat:"))).toBe(true);
  });

  it("deletes the focused chat with the Delete key", async () => {
    await mount();
    const item = testIds("chat-item", rowOf("Regex for ISO dates"))[0]!;
    item.focus();
    press(item, "Delete");
    await vi.waitFor(() => expect(titles()).not.toContain("Regex for ISO dates"));
    expect(testIds("undo-delete")).toHaveLength(1);
  });

  it("searches messages with Ctrl+F, marking the match as text, never as HTML", async () => {
    const { api, controller } = await mount("long");
    // A message whose text looks like markup.
    const view = await api.loadChat(LONG_CHAT_ID);
    await api.editMessage(view.messages[10]!.id, '<img src=x onerror="alert(1)"> The lantern <b>glowed</b>.');
    press(document.body, "f", { ctrlKey: true });
    const search = $<HTMLInputElement>("chat-search");
    expect(document.activeElement).toBe(search);
    type(search, "lantern");
    await vi.waitFor(() => expect(testIds("search-hit").length).toBeGreaterThan(0), { timeout: 2000 });
    const hits = testIds("search-hit");
    const marked = hits.find((hit) => hit.textContent?.includes("onerror"))!;
    expect(marked).toBeDefined();
    expect(marked.querySelector("img, b")).toBeNull();
    expect(marked.querySelector("mark")?.textContent).toBe("lantern");
    expect(marked.querySelector(".chat-hit-snippet")?.textContent).toContain('<img src=x onerror="alert(1)"> The lantern <b>glowed</b>.');
    expect(hits.every((hit) => hit.querySelector("mark")?.textContent?.toLowerCase() === "lantern")).toBe(true);

    marked.click();
    await vi.waitFor(() => expect(controller.store.get().chatId).toBe(LONG_CHAT_ID));

    // Esc in the box clears it and the list comes back.
    press(search, "Escape");
    await vi.waitFor(() => expect(testIds("chat-item").length).toBe(6));
  });

  it("highlights every word of the search, typed in any order, as text", async () => {
    const { api } = await mount("long");
    const view = await api.loadChat(LONG_CHAT_ID);
    await api.editMessage(view.messages[10]!.id, 'Welcome, <b>weary</b> TRAVELLER: the <img src=x onerror="alert(1)"> lantern is lit.');
    press(document.body, "f", { ctrlKey: true });
    type($<HTMLInputElement>("chat-search"), "lantern traveller  welcome");
    await vi.waitFor(() => expect(testIds("search-hit").length).toBeGreaterThan(0), { timeout: 2000 });
    const hits = testIds("search-hit");
    expect(hits).toHaveLength(1);
    const snippet = hits[0]!.querySelector(".chat-hit-snippet")!;
    expect([...snippet.querySelectorAll("mark")].map((m) => m.textContent)).toEqual(["Welcome", "TRAVELLER", "lantern"]);
    expect(snippet.textContent).toBe('Welcome, <b>weary</b> TRAVELLER: the <img src=x onerror="alert(1)"> lantern is lit.');
    expect(snippet.querySelector("img, b")).toBeNull();
    expect([...snippet.childNodes].every((n) => n.nodeType === Node.TEXT_NODE || (n as Element).tagName === "MARK")).toBe(true);
    expect(hits[0]!.querySelector(".chat-item-title mark")).toBeNull();
  });

  it("marks every word in a title hit", async () => {
    await mount();
    type($<HTMLInputElement>("chat-search"), "dates REGEX");
    await vi.waitFor(() => expect(testIds("search-hit").length).toBeGreaterThan(0), { timeout: 2000 });
    const title = testIds("search-hit")[0]!.querySelector(".chat-item-title")!;
    expect(title.textContent).toBe("Regex for ISO dates");
    expect([...title.querySelectorAll("mark")].map((m) => m.textContent)).toEqual(["Regex", "dates"]);
  });

  it("filters titles at once while the search runs", async () => {
    await mount();
    type($<HTMLInputElement>("chat-search"), "rust");
    expect(titles()).toEqual(["Rust lifetimes, gently"]);
    await vi.waitFor(() => expect(testIds("search-hit").length).toBeGreaterThan(0), { timeout: 2000 });
    expect(testIds("search-hit")[0]?.querySelector("mark")?.textContent).toBe("Rust");
  });

  it("filters titles by every word typed, in any order and case", async () => {
    await mount();
    type($<HTMLInputElement>("chat-search"), "GENTLY  rust");
    expect(titles()).toEqual(["Rust lifetimes, gently"]);
    type($<HTMLInputElement>("chat-search"), "rust dates");
    expect(titles()).toEqual([]);
  });
});

describe("the Undo toast", () => {
  it("goes away by itself", async () => {
    const api = createMockApi({ scenario: "chat", tick: 0, latency: 0 });
    const controller = new Controller(api);
    await controller.start();
    await vi.waitFor(() => expect(controller.store.get().chats.length).toBe(5));
    const toast = createToast();
    document.body.replaceChildren(toast);
    unmount = mountToast(toast, controller, 30);
    await controller.deleteChat(controller.store.get().chats[0]!.id);
    expect(toast.hidden).toBe(false);
    await vi.waitFor(() => expect(toast.hidden).toBe(true));
    expect(controller.store.get().undo).toBeNull();
  });
});

describe("one way to delete, with undo", () => {
  it("holds a deleted chat's row as “Deleted · Undo” until the pointer leaves the list", async () => {
    const { api, controller } = await mount();
    const before = titles();
    const index = before.indexOf("Packing list for a weekend hike");
    testIds("chat-delete", rowOf("Packing list for a weekend hike"))[0]!.click();
    await vi.waitFor(() => expect(titles()).not.toContain("Packing list for a weekend hike"));
    const rows = [...$("chat-list").querySelectorAll<HTMLElement>(".chat-row")];
    expect(rows).toHaveLength(before.length);
    expect(rows[index]!.dataset.testid).toBe("undo-placeholder");
    expect(rows[index]!.textContent).toBe("Deleted · Undo");
    $("chat-list").dispatchEvent(new Event("pointerleave"));
    expect($("chat-list").querySelectorAll(".chat-row")).toHaveLength(before.length - 1);
    expect(testIds("undo-placeholder")).toHaveLength(0);
    expect(await controller.undoDelete()).toBe(true);
    await vi.waitFor(() => expect(titles()).toEqual(before));
    // The placeholder's own Undo brings it back in the same place.
    testIds("chat-delete", rowOf("Packing list for a weekend hike"))[0]!.click();
    await vi.waitFor(() => expect(testIds("undo-placeholder")).toHaveLength(1));
    testIds("undo-placeholder")[0]!.querySelector<HTMLButtonElement>("button")!.click();
    await vi.waitFor(() => expect(titles()).toEqual(before));
    expect(api.calls.filter((c) => c.startsWith("restoreChat:"))).toHaveLength(2);
  });

  it("undoes the newest deletion with Ctrl+Z (a message, then a chat, then a profile), never from a text field", async () => {
    const { api, controller } = await mount();
    const chat = controller.store.get().chats.find((c) => c.title === "Regex for ISO dates")!;
    await controller.deleteChat(chat.id);
    await controller.openChat(controller.store.get().chats[0]!.id);
    const message = controller.store.get().messages[0]!;
    expect(await controller.deleteMessage(message.key)).toBe(true);
    controller.selectProfile("profile-local");
    await controller.deleteSelectedProfile();
    expect(controller.store.get().undoStack.map((u) => u.kind)).toEqual(["chat", "message", "profile"]);

    // In a text field, Ctrl+Z is the field's.
    const composer = $<HTMLTextAreaElement>("composer");
    composer.focus();
    expect(press(composer, "z", { ctrlKey: true }).defaultPrevented).toBe(false);
    expect(controller.store.get().undoStack).toHaveLength(3);

    composer.blur();
    expect(press(document.body, "z", { ctrlKey: true }).defaultPrevented).toBe(true);
    await vi.waitFor(() => expect(controller.store.get().profiles.some((p) => p.id === "profile-local")).toBe(true));
    press(document.body, "z", { ctrlKey: true });
    await vi.waitFor(() => expect(controller.store.get().messages[0]?.key).toBe(message.key));
    press(document.body, "z", { ctrlKey: true });
    await vi.waitFor(() => expect(titles()).toContain("Regex for ISO dates"));
    expect(api.calls.filter((c) => c.startsWith("restore"))).toEqual([
      "restoreProfile:profile-local",
      `restoreMessage:${message.id}`,
      `restoreChat:${chat.id}`,
    ]);
    expect(controller.store.get().undo).toBeNull();
    // Nothing left to undo: Ctrl+Z is left alone.
    expect(press(document.body, "z", { ctrlKey: true }).defaultPrevented).toBe(false);
  });

  it("offers a deletion for ten seconds, an older one only for what is left of its time", async () => {
    expect(UNDO_MS).toBe(10_000);
    const api = createMockApi({ scenario: "chat", tick: 0, latency: 0 });
    const controller = new Controller(api);
    await controller.start();
    await vi.waitFor(() => expect(controller.store.get().chats.length).toBe(5));
    const toast = createToast();
    document.body.replaceChildren(toast);
    const [a, b] = controller.store.get().chats;
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    try {
      unmount = mountToast(toast, controller, 200);
      await controller.deleteChat(a!.id);
      await vi.advanceTimersByTimeAsync(150);
      await controller.deleteChat(b!.id);
      expect(toast.textContent).toContain(b!.title);
      const undone = controller.undoDelete();
      // The first is shown again with what was left of its time (50 ms), not a fresh 200.
      expect(toast.textContent).toContain(a!.title);
      await vi.advanceTimersByTimeAsync(45);
      expect(toast.hidden).toBe(false);
      await vi.advanceTimersByTimeAsync(10);
      expect(toast.hidden).toBe(true);
      expect(await undone).toBe(true);
      expect(controller.store.get().undoStack).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("keyboard", () => {
  const counter = () => $("messages").querySelector('.message:last-child [data-testid="swipe-counter"]')?.textContent;

  it("switches the last reply's versions with ←/→ from the empty composer only", async () => {
    const { controller } = await mount("long");
    await controller.openChat(LONG_CHAT_ID);
    const composer = $<HTMLTextAreaElement>("composer");
    composer.focus();
    expect(counter()).toBe("3/3");
    expect(press(composer, "ArrowLeft").defaultPrevented).toBe(true);
    await vi.waitFor(() => expect(counter()).toBe("2/3"));
    press(document.body, "ArrowLeft");
    await vi.waitFor(() => expect(counter()).toBe("1/3"));
    type(composer, "draft");
    expect(press(composer, "ArrowRight").defaultPrevented).toBe(false);
    expect(press(composer, "ArrowRight", { shiftKey: true }).defaultPrevented).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(counter()).toBe("1/3");
    type(composer, "");
    press(composer, "ArrowRight");
    await vi.waitFor(() => expect(counter()).toBe("2/3"));
  });

  it("regenerates the last reply with Ctrl+R instead of reloading", async () => {
    const { api, controller } = await mount("long");
    await controller.openChat(LONG_CHAT_ID);
    const event = press(document.body, "r", { ctrlKey: true });
    expect(event.defaultPrevented).toBe(true);
    await vi.waitFor(() => expect(controller.store.get().generation).toBeNull(), { timeout: 3000 });
    expect(api.calls.some((c) => c.startsWith("regenerate:"))).toBe(true);
    expect(counter()).toBe("4/4");
  });

  it("edits the last message with ↑ and the last of yours with Ctrl+↑", async () => {
    const { controller } = await mount();
    await controller.openChat(controller.store.get().chats[0]!.id);
    const composer = $<HTMLTextAreaElement>("composer");
    composer.focus();
    press(composer, "ArrowUp");
    const last = [...$("messages").querySelectorAll<HTMLElement>(".message")].at(-1)!;
    expect(last.dataset.role).toBe("assistant");
    expect(document.activeElement).toBe(last.querySelector("textarea"));
    press(document.activeElement!, "Escape");
    expect(last.querySelector("textarea")).toBeNull();
    composer.focus();
    press(composer, "ArrowUp", { ctrlKey: true });
    const user = document.activeElement?.closest<HTMLElement>(".message");
    expect(user?.dataset.role).toBe("user");
    expect((document.activeElement as HTMLTextAreaElement).value).toBe("And how do I stop a stream?");
  });

  it("lists the new shortcuts in the empty chat", async () => {
    await mount();
    const hint = $("empty-hint").textContent ?? "";
    expect(hint).toContain("other versions of the last reply");
    expect(hint).toContain("regenerate the last reply");
    expect(hint).toContain("edit the last message");
  });
});
