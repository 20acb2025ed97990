// The whole window against the in-memory backend: the app's own menus (and never WebKit's),
// the keyboard through the chat list and the messages, F2 and Delete on the chat on screen,
// and a branch's links to its parent and back.

import { afterEach, describe, expect, it, vi } from "vitest";
import { createMockApi } from "../dev/mock-api";
import { Controller } from "../state/controller";
import { mountApp } from "./app-view";

let unmount: (() => void) | null = null;

async function mount(): Promise<{ controller: Controller }> {
  const api = createMockApi({ scenario: "chat", tick: 0, latency: 0 });
  const controller = new Controller(api);
  const root = document.createElement("div");
  root.id = "app";
  document.body.replaceChildren(root);
  unmount = mountApp(root, controller);
  await controller.start();
  await vi.waitFor(() => expect(controller.store.get().chats.length).toBeGreaterThan(0));
  return { controller };
}

afterEach(() => {
  unmount?.();
  unmount = null;
  document.body.replaceChildren();
});

const items = (): HTMLElement[] => [...document.querySelectorAll<HTMLElement>("#chat-list .chat-item[data-chat-id]")];
const menu = (): HTMLElement => document.getElementById("context-menu")!;
const menuItems = (): string[] => [...menu().querySelectorAll<HTMLElement>('[role="menuitem"]')].map((i) => i.dataset.item!);

function rightClick(target: Element, x = 40, y = 50): MouseEvent {
  const event = new MouseEvent("contextmenu", { bubbles: true, cancelable: true, clientX: x, clientY: y, button: 2 });
  target.dispatchEvent(event);
  return event;
}

function press(target: EventTarget, key: string, init: KeyboardEventInit = {}): KeyboardEvent {
  const event = new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true, ...init });
  target.dispatchEvent(event);
  return event;
}

async function openFirstChat(controller: Controller): Promise<string> {
  const id = controller.store.get().chats[0]!.id;
  await controller.openChat(id);
  await vi.waitFor(() => expect(document.querySelectorAll("#messages article.message").length).toBeGreaterThan(1));
  return id;
}

describe("menus of our own", () => {
  it("open over a chat with its actions, and Rename from there renames", async () => {
    const { controller } = await mount();
    const item = items()[1]!;
    const event = rightClick(item);
    expect(event.defaultPrevented).toBe(true);
    expect(menu().hidden).toBe(false);
    expect(menu().getAttribute("role")).toBe("menu");
    expect(menuItems()).toEqual(["rename", "pin", "export-sillytavern", "export-markdown", "export-json", "delete"]);
    expect((document.activeElement as HTMLElement).dataset.item).toBe("rename");
    // ↓ moves, Esc closes and gives the focus back to the chat.
    press(document.activeElement!, "ArrowDown");
    expect((document.activeElement as HTMLElement).dataset.item).toBe("pin");
    press(document.activeElement!, "Escape");
    expect(menu().hidden).toBe(true);
    expect(document.activeElement).toBe(item);

    rightClick(item);
    (menu().querySelector('[data-item="rename"]') as HTMLElement).click();
    expect(menu().hidden).toBe(true);
    expect(controller.store.get().renaming).toBe(item.dataset.chatId);
    expect(document.activeElement?.getAttribute("data-testid")).toBe("chat-rename-input");
  });

  it("cancel WebKit's menu everywhere, showing none where the app has nothing to offer", async () => {
    await mount();
    const event = rightClick(document.getElementById("chat-title")!);
    expect(event.defaultPrevented).toBe(true);
    expect(menu().hidden).toBe(true);
    expect(rightClick(document.body).defaultPrevented).toBe(true);
  });

  it("open over a message with its actions, and Delete from there deletes it", async () => {
    const { controller } = await mount();
    await openFirstChat(controller);
    const reply = document.querySelector<HTMLElement>('#messages article.message[data-role="assistant"]')!;
    rightClick(reply.querySelector(".message-content")!);
    expect(menuItems()).toEqual(expect.arrayContaining(["copy", "edit", "branch", "delete"]));
    const before = controller.store.get().messages.length;
    (menu().querySelector('[data-item="delete"]') as HTMLElement).click();
    await vi.waitFor(() => expect(controller.store.get().messages.length).toBe(before - 1));
  });

  it("give a text field its edit menu; Select all selects, Cut takes the selection out, Paste puts it back", async () => {
    // jsdom has no clipboard: one in memory stands in for the system's.
    let clipboard = "";
    Object.defineProperty(navigator, "clipboard", {
      configurable: true,
      value: { writeText: async (text: string) => void (clipboard = text), readText: async () => clipboard },
    });
    await mount();
    const composer = document.getElementById("composer") as HTMLTextAreaElement;
    composer.focus();
    composer.value = "hello world";
    composer.setSelectionRange(0, 0);
    rightClick(composer);
    expect(menuItems()).toEqual(["cut", "copy", "paste", "select-all"]);
    expect([...menu().querySelectorAll('[aria-disabled="true"]')].map((i) => (i as HTMLElement).dataset.item)).toEqual(["cut", "copy"]);
    (menu().querySelector('[data-item="select-all"]') as HTMLElement).click();
    expect([composer.selectionStart, composer.selectionEnd]).toEqual([0, 11]);
    composer.setSelectionRange(5, 11);
    rightClick(composer);
    (menu().querySelector('[data-item="cut"]') as HTMLElement).click();
    await vi.waitFor(() => expect(composer.value).toBe("hello"));
    expect(clipboard).toBe(" world");
    composer.setSelectionRange(0, 0);
    rightClick(composer);
    (menu().querySelector('[data-item="paste"]') as HTMLElement).click();
    await vi.waitFor(() => expect(composer.value).toBe(" worldhello"));
  });

  it("open from the keyboard (Shift+F10, the Menu key) on the focused row", async () => {
    await mount();
    const item = items()[0]!;
    item.focus();
    press(item, "F10", { shiftKey: true });
    expect(menu().hidden).toBe(false);
    press(document.activeElement!, "Escape");
    press(item, "ContextMenu");
    expect(menu().hidden).toBe(false);
    expect(menu().getAttribute("aria-label")).toContain(item.querySelector(".chat-item-title")!.textContent!);
  });
});

describe("the keyboard", () => {
  it("moves through the chat list with the arrow keys, the chat reached opening; one Tab stop", async () => {
    const { controller } = await mount();
    const id = await openFirstChat(controller);
    expect(items().filter((i) => i.tabIndex === 0).map((i) => i.dataset.chatId)).toEqual([id]);
    expect([...document.querySelectorAll<HTMLElement>("#chat-list .chat-action")].every((b) => b.tabIndex === -1)).toBe(true);
    items()[0]!.focus();
    press(items()[0]!, "ArrowDown");
    const second = items()[1]!.dataset.chatId;
    await vi.waitFor(() => expect(controller.store.get().chatId).toBe(second));
    expect((document.activeElement as HTMLElement).dataset.chatId).toBe(second);
    press(document.activeElement!, "End");
    await vi.waitFor(() => expect(controller.store.get().chatId).toBe(items().at(-1)!.dataset.chatId));
  });

  it("moves through the messages with the arrow keys; their toolbars are out of the Tab order", async () => {
    const { controller } = await mount();
    await openFirstChat(controller);
    const articles = [...document.querySelectorAll<HTMLElement>("#messages article.message")];
    expect(articles.filter((a) => a.tabIndex === 0)).toEqual([articles.at(-1)]);
    expect([...document.querySelectorAll<HTMLElement>("#messages .message-footer button")].every((b) => b.tabIndex === -1)).toBe(true);
    articles.at(-1)!.focus();
    press(articles.at(-1)!, "ArrowUp");
    expect(document.activeElement).toBe(articles.at(-2));
    press(document.activeElement!, "Home");
    expect(document.activeElement).toBe(articles[0]);
    expect(articles.filter((a) => a.tabIndex === 0)).toEqual([articles[0]]);
  });

  it("renames with F2 and deletes with Delete the chat on screen from outside a text field", async () => {
    const { controller } = await mount();
    const id = await openFirstChat(controller);
    document.querySelector<HTMLElement>("#messages article.message")!.focus();
    press(document.activeElement!, "F2");
    expect(controller.store.get().renaming).toBe(id);
    controller.cancelRename();
    const composer = document.getElementById("composer")!;
    composer.focus();
    expect(press(composer, "Delete").defaultPrevented).toBe(false);
    expect(controller.store.get().chats.some((c) => c.id === id)).toBe(true);
    document.querySelector<HTMLElement>("#messages article.message")!.focus();
    press(document.activeElement!, "Delete");
    await vi.waitFor(() => expect(controller.store.get().chats.some((c) => c.id === id)).toBe(false));
    await controller.undoDelete();
    await vi.waitFor(() => expect(controller.store.get().chats.some((c) => c.id === id)).toBe(true));
  });
});

describe("branches", () => {
  it("link to their parent under the title, and the parent lists them", async () => {
    const { controller } = await mount();
    const parentId = await openFirstChat(controller);
    const third = controller.store.get().messages[2]!;
    const branch = await controller.branchFrom(third.key);
    expect(branch?.title).toBe(`${controller.store.get().chats.find((c) => c.id === parentId)!.title} — branch at message 3`);
    await vi.waitFor(() => expect(document.querySelector('[data-testid="branch-parent"]')).not.toBeNull());
    expect(document.querySelector('[data-testid="branch-origin"]')!.textContent).toMatch(/^Branch of .+ at message 3$/);
    (document.querySelector('[data-testid="branch-parent"]') as HTMLElement).click();
    await vi.waitFor(() => expect(controller.store.get().chatId).toBe(parentId));
    const links = [...document.querySelectorAll<HTMLElement>('[data-testid="branch-link"]')];
    expect(links.map((l) => l.dataset.chatId)).toEqual([branch!.id]);
    links[0]!.click();
    await vi.waitFor(() => expect(controller.store.get().chatId).toBe(branch!.id));
  });
});
