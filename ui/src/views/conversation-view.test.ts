// The conversation view of long chats: only a window of messages is in the document, older
// pages come in from the top, a search hit opens on its page (newer pages then come in from
// the bottom), and each message's toolbar (versions, Regenerate, Continue, Edit, Delete,
// Branch) works by mouse and keyboard.

import { afterEach, describe, expect, it, vi } from "vitest";
import { createMockApi, LONG_CHAT_ID, LONG_CHAT_SIZE, type MockApi } from "../dev/mock-api";
import { Controller } from "../state/controller";
import { PAGE_SIZE } from "../state/history";
import { manualClock } from "../testing/manual-clock";
import { createChatElements, ESTIMATED_HEIGHT, mountChatView, WINDOW_THRESHOLD } from "./chat-view";

let unmount: (() => void) | null = null;

async function setUp(scenario: string) {
  const api: MockApi = createMockApi({ scenario, tick: 0, latency: 0 });
  const controller = new Controller(api);
  await controller.start();
  await vi.waitFor(() => expect(controller.store.get().chats.length).toBeGreaterThan(0));
  const clock = manualClock();
  const elements = createChatElements();
  document.body.replaceChildren(elements.scroller, elements.pill);
  unmount = mountChatView(elements, controller, clock);
  return { api, controller, clock, elements };
}

async function openSseChat(controller: Controller): Promise<void> {
  const chat = controller.store.get().chats.find((c) => c.title.startsWith("Explain SSE"));
  await controller.openChat(chat!.id);
}

const rendered = (log: HTMLElement) => [...log.querySelectorAll<HTMLElement>(".message")];
const lastMessage = (log: HTMLElement) => rendered(log).at(-1)!;
const byTestId = <T extends HTMLElement = HTMLButtonElement>(root: ParentNode, id: string) =>
  root.querySelector<T>(`[data-testid="${id}"]`);
const visible = (element: HTMLElement | null) => element !== null && !element.hidden;

function press(target: EventTarget, key: string, init: KeyboardEventInit = {}): void {
  target.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true, ...init }));
}

async function replyEnded(controller: Controller): Promise<void> {
  await vi.waitFor(() => expect(controller.store.get().generation).toBeNull(), { timeout: 3000 });
}

afterEach(() => {
  unmount?.();
  unmount = null;
  document.body.replaceChildren();
});

describe("a 10,000-message chat", () => {
  it("opens with at most a page of message elements, the newest at the bottom", async () => {
    const { controller, elements } = await setUp("long");
    await controller.openChat(LONG_CHAT_ID);
    const messages = rendered(elements.log);
    expect(controller.store.get().messages).toHaveLength(PAGE_SIZE);
    expect(messages.length).toBeGreaterThan(0);
    expect(messages.length).toBeLessThan(PAGE_SIZE);
    expect(messages.at(-1)?.querySelector(".message-content")?.textContent).toContain("Part 5000 of the story.");
    expect(messages.at(-1)?.querySelector('[data-testid="swipe-counter"]')?.textContent).toBe("3/3");
    // The messages not rendered are stood in for by the spacer above, at their estimated height.
    const above = PAGE_SIZE - messages.length;
    expect(elements.topSpacer.style.height).toBe(`${above * ESTIMATED_HEIGHT}px`);
    expect(elements.bottomSpacer.style.height).toBe("");
    expect(visible(elements.older)).toBe(true);
  });

  it("loads the page before with “Load earlier messages”, and still renders only a window", async () => {
    const { api, controller, elements } = await setUp("long");
    await controller.openChat(LONG_CHAT_ID);
    elements.older.click();
    await vi.waitFor(() => expect(controller.store.get().messages).toHaveLength(2 * PAGE_SIZE));
    expect(api.calls.filter((c) => c.startsWith("loadMessages"))).toHaveLength(1);
    expect(rendered(elements.log).length).toBeLessThan(PAGE_SIZE);
    expect(elements.older.getAttribute("aria-busy")).toBe("false");
  });

  it("loads the page before when scrolled near the top", async () => {
    const { controller, elements } = await setUp("long");
    await controller.openChat(LONG_CHAT_ID);
    elements.scroller.scrollTop = 0;
    elements.scroller.dispatchEvent(new Event("scroll"));
    await vi.waitFor(() => expect(controller.store.get().messages).toHaveLength(2 * PAGE_SIZE));
  });

  it("renders the messages around the view when scrolled into the middle, none far away", async () => {
    const { controller, clock, elements } = await setUp("long");
    await controller.openChat(LONG_CHAT_ID);
    // A 600-pixel viewport somewhere in the middle of the page.
    const { scroller } = elements;
    Object.defineProperty(scroller, "clientHeight", { configurable: true, get: () => 600 });
    Object.defineProperty(scroller, "scrollHeight", { configurable: true, get: () => PAGE_SIZE * ESTIMATED_HEIGHT });
    const middle = 50 * ESTIMATED_HEIGHT;
    scroller.scrollTop = middle + 1000;
    scroller.dispatchEvent(new Event("scroll")); // away from the bottom: stops following
    scroller.scrollTop = middle;
    scroller.dispatchEvent(new Event("scroll"));
    clock.frame();
    const seqs = rendered(elements.log).map((m) => controller.store.get().messages.find((x) => x.key === m.dataset.key)!.seq!);
    const first = controller.store.get().messages[0]!.seq!;
    const indexes = seqs.map((s) => s - first);
    expect(indexes).toContain(50);
    expect(indexes).toContain(54); // the bottom of the viewport
    expect(Math.min(...indexes)).toBeGreaterThan(50 - 800 / ESTIMATED_HEIGHT - 2);
    expect(Math.max(...indexes)).toBeLessThan(55 + 800 / ESTIMATED_HEIGHT + 2);
    const top = parseFloat(elements.topSpacer.style.height);
    const bottom = parseFloat(elements.bottomSpacer.style.height);
    expect(top + bottom + rendered(elements.log).length * ESTIMATED_HEIGHT).toBe(PAGE_SIZE * ESTIMATED_HEIGHT);
  });

  it("renders short chats whole", async () => {
    const { controller, elements } = await setUp("chat");
    await openSseChat(controller);
    expect(rendered(elements.log)).toHaveLength(4);
    expect(elements.topSpacer.style.height).toBe("");
    expect(visible(elements.older)).toBe(false);
    expect(WINDOW_THRESHOLD).toBeGreaterThan(4);
  });
});

describe("a search hit in an old message of a 10,000-message chat", () => {
  async function openOldHit(controller: Controller): Promise<string> {
    await controller.searchChats("Turn 2500:");
    const hit = controller.store.get().search.hits.find((h) => h.chatId === LONG_CHAT_ID)!;
    await controller.openHit(LONG_CHAT_ID, hit.messageId);
    return hit.messageId!;
  }

  it("is rendered, brought into view and marked", async () => {
    const { api, controller, elements } = await setUp("long");
    const messageId = await openOldHit(controller);
    const found = rendered(elements.log).find((m) => m.dataset.messageId === messageId);
    expect(found?.classList.contains("is-revealed")).toBe(true);
    expect(found?.querySelector(".message-content")?.textContent).toContain("Turn 2500:");
    // The rest of the chat is below, not loaded: nothing is shown as new.
    expect(controller.store.get().hasNewer).toBe(true);
    expect(visible(elements.pill)).toBe(false);
    expect(api.calls.filter((c) => c.startsWith("loadNewerMessages"))).toEqual([]);
  });

  it("is followed by newer pages when scrolled to the bottom, up to the end, without the new-text pill", async () => {
    const { controller, elements } = await setUp("long");
    await openOldHit(controller);
    const { scroller } = elements;
    // jsdom lays nothing out: the bottom is always in view, so each scroll asks for the page after.
    for (let i = 0; i < 60 && controller.store.get().hasNewer; i++) {
      scroller.dispatchEvent(new Event("scroll"));
      await vi.waitFor(() => expect(controller.store.get().loadingNewer).toBe(false));
    }
    const { messages, hasNewer } = controller.store.get();
    expect(hasNewer).toBe(false);
    expect(messages.at(-1)?.seq).toBe(LONG_CHAT_SIZE - 1);
    const seqs = messages.map((m) => m.seq!);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    expect(visible(elements.pill)).toBe(false);
    expect(rendered(elements.log).length).toBeLessThan(PAGE_SIZE);
  });

  it("then sending shows the latest page, the new message at the bottom", async () => {
    const { controller, elements } = await setUp("long");
    await openOldHit(controller);
    expect(await controller.send("And in the end?")).toBe(true);
    await replyEnded(controller);
    const messages = rendered(elements.log);
    expect(messages.at(-2)?.querySelector(".message-content")?.textContent).toContain("And in the end?");
    expect(messages.at(-1)?.dataset.role).toBe("assistant");
    expect(messages.some((m) => m.textContent?.includes("Turn 2500:"))).toBe(false);
    expect(messages.at(-3)?.querySelector(".message-content")?.textContent).toContain("Part 5000 of the story.");
  });
});

describe("message toolbars", () => {
  it("offer Regenerate on the last reply only, Continue on a stopped one, Edit/Branch/Delete on all", async () => {
    const { controller, elements } = await setUp("chat");
    await openSseChat(controller);
    const [user, reply, , stopped] = rendered(elements.log);
    expect(visible(byTestId(stopped!, "regenerate"))).toBe(true);
    expect(visible(byTestId(reply!, "regenerate"))).toBe(false);
    expect(visible(byTestId(stopped!, "continue-reply"))).toBe(true);
    expect(stopped!.dataset.cutOff).toBe("true");
    expect(visible(byTestId(reply!, "continue-reply"))).toBe(false);
    expect(visible(byTestId(user!, "continue-reply"))).toBe(false);
    for (const message of [user!, reply!, stopped!]) {
      for (const id of ["edit-message", "branch-chat", "delete-message"]) expect(visible(byTestId(message, id)), id).toBe(true);
      expect(message.querySelector('.message-actions')?.getAttribute("role")).toBe("group");
    }
    expect(visible(byTestId(reply!, "swipe-counter")?.parentElement ?? null)).toBe(false);
  });

  it("writes a new version in place with Regenerate, then moves between versions with ‹ ›", async () => {
    const { controller, elements } = await setUp("chat");
    await openSseChat(controller);
    const element = lastMessage(elements.log);
    const oldText = element.querySelector(".message-content")?.textContent;
    byTestId(element, "regenerate")!.click();
    await replyEnded(controller);
    expect(lastMessage(elements.log)).toBe(element);
    expect(rendered(elements.log)).toHaveLength(4);
    expect(byTestId(element, "swipe-counter")?.textContent).toBe("2/2");
    expect(element.querySelector(".message-content")?.textContent).toContain("Server-sent events");

    byTestId(element, "swipe-prev")!.click();
    await vi.waitFor(() => expect(byTestId(element, "swipe-counter")?.textContent).toBe("1/2"));
    expect(element.querySelector(".message-content")?.textContent).toBe(oldText);
    expect(byTestId(element, "swipe-prev")?.getAttribute("aria-disabled")).toBe("true");
    byTestId(element, "swipe-next")!.click();
    await vi.waitFor(() => expect(byTestId(element, "swipe-counter")?.textContent).toBe("2/2"));
    // On the last reply, › past the last version writes a new one.
    expect(byTestId(element, "swipe-next")?.getAttribute("aria-disabled")).toBeNull();
    expect(byTestId(element, "swipe-next")?.getAttribute("aria-label")).toBe("Write a new version");
  });

  it("keeps toolbar buttons focusable but inert while a reply is written", async () => {
    const { controller, elements } = await setUp("chat");
    await openSseChat(controller);
    const first = rendered(elements.log)[1]!;
    await controller.send("Hello");
    expect(byTestId(first, "edit-message")?.getAttribute("aria-disabled")).toBe("true");
    expect(byTestId(first, "edit-message")?.hasAttribute("disabled")).toBe(false);
    byTestId(first, "edit-message")!.click();
    expect(controller.store.get().editing).toBeNull();
    await replyEnded(controller);
    expect(byTestId(first, "edit-message")?.getAttribute("aria-disabled")).toBeNull();
  });

  it("continues a stopped reply in place", async () => {
    const { controller, elements } = await setUp("chat");
    await openSseChat(controller);
    const element = lastMessage(elements.log);
    const before = element.querySelector(".message-content")?.textContent ?? "";
    byTestId(element, "continue-reply")!.click();
    await replyEnded(controller);
    expect(lastMessage(elements.log)).toBe(element);
    expect(element.dataset.state).toBe("complete");
    expect(element.dataset.cutOff).toBeUndefined();
    expect(element.querySelector(".message-content")?.textContent?.startsWith(before.trim())).toBe(true);
  });

  it("edits in place: Enter saves, Esc cancels, and Regenerate from here follows the last user message", async () => {
    const { controller, elements } = await setUp("chat");
    await openSseChat(controller);
    const user = rendered(elements.log)[2]!;
    byTestId(user, "edit-message")!.click();
    const input = user.querySelector<HTMLTextAreaElement>("textarea.message-editor-input")!;
    expect(input).not.toBeNull();
    expect(document.activeElement).toBe(input);
    expect(user.querySelector<HTMLElement>(".message-content")?.hidden).toBe(true);
    input.value = "Discarded";
    press(input, "Escape");
    expect(user.querySelector("textarea")).toBeNull();
    expect(user.querySelector(".message-content")?.textContent).toBe("And how do I stop a stream?");
    expect(document.activeElement).toBe(byTestId(user, "edit-message"));

    byTestId(user, "edit-message")!.click();
    const again = user.querySelector<HTMLTextAreaElement>("textarea.message-editor-input")!;
    expect(again.value).toBe("And how do I stop a stream?");
    again.value = "And how do I close one?";
    press(again, "Enter", { shiftKey: true });
    expect(user.querySelector("textarea")).not.toBeNull(); // Shift+Enter is a new line
    press(again, "Enter");
    await vi.waitFor(() => expect(user.querySelector(".message-content")?.textContent).toBe("And how do I close one?"));
    expect(user.querySelector("textarea")).toBeNull();

    const offer = byTestId(user, "regenerate-from-here");
    expect(offer).not.toBeNull();
    offer!.click();
    await replyEnded(controller);
    expect(byTestId(user, "regenerate-from-here")).toBeNull();
    expect(byTestId(lastMessage(elements.log), "swipe-counter")?.textContent).toBe("2/2");
  });

  it("saves an edit with the Save button and with Ctrl+Enter", async () => {
    const { controller, elements } = await setUp("chat");
    await openSseChat(controller);
    const first = rendered(elements.log)[0]!;
    byTestId(first, "edit-message")!.click();
    first.querySelector<HTMLTextAreaElement>("textarea")!.value = "Explain SSE.";
    byTestId(first, "edit-save")!.click();
    await vi.waitFor(() => expect(first.querySelector(".message-content")?.textContent).toBe("Explain SSE."));
    byTestId(first, "edit-message")!.click();
    const input = first.querySelector<HTMLTextAreaElement>("textarea")!;
    input.value = "Explain SSE!";
    press(input, "Enter", { ctrlKey: true });
    await vi.waitFor(() => expect(first.querySelector(".message-content")?.textContent).toBe("Explain SSE!"));
    // The previous reply keeps no offer: this was not the last user message.
    expect(byTestId(first, "regenerate-from-here")).toBeNull();
  });

  it("deletes a message at once, holding its place until the pointer leaves the log", async () => {
    const { api, controller, elements } = await setUp("chat");
    await openSseChat(controller);
    const reply = lastMessage(elements.log);
    const id = reply.dataset.messageId!;
    byTestId(reply, "delete-message")!.click();
    await vi.waitFor(() => expect(rendered(elements.log)).toHaveLength(3));
    expect(api.calls).toContain(`deleteMessage:${id}`);
    expect(reply.isConnected).toBe(false);
    const placeholder = elements.log.querySelector<HTMLElement>('[data-testid="undo-placeholder"]')!;
    expect(placeholder.textContent).toBe("Deleted · Undo");
    expect(elements.log.lastElementChild).toBe(placeholder);
    elements.log.dispatchEvent(new Event("pointerleave"));
    expect(placeholder.isConnected).toBe(false);
    expect(controller.store.get().undo).toMatchObject({ kind: "message", targetId: id });
  });

  it("brings a deleted message back in its place from its placeholder", async () => {
    const { api, controller, elements } = await setUp("chat");
    await openSseChat(controller);
    const first = elements.log.querySelector<HTMLElement>("article.message")!;
    const id = first.dataset.messageId!;
    byTestId(first, "delete-message")!.click();
    await vi.waitFor(() => expect(rendered(elements.log)).toHaveLength(3));
    expect(elements.log.firstElementChild?.getAttribute("data-testid")).toBe("undo-placeholder");
    elements.log.querySelector<HTMLButtonElement>("[data-undo-id]")!.click();
    await vi.waitFor(() => expect(rendered(elements.log)).toHaveLength(4));
    expect(api.calls).toContain(`restoreMessage:${id}`);
    expect((elements.log.firstElementChild as HTMLElement).dataset.messageId).toBe(id);
    expect(elements.log.querySelector('[data-testid="undo-placeholder"]')).toBeNull();
    expect(controller.store.get().undo).toBeNull();
  });

  it("branches a new chat from a message and shows it", async () => {
    const { controller, elements } = await setUp("chat");
    await openSseChat(controller);
    byTestId(rendered(elements.log)[1]!, "branch-chat")!.click();
    await vi.waitFor(() => expect(controller.store.get().chatTitle).toMatch(/^Explain SSE in one paragraph — branch at message \d+$/));
    expect(rendered(elements.log).map((m) => m.dataset.role)).toEqual(["user", "assistant"]);
  });

  it("brings a message found by search into view", async () => {
    const { controller, elements } = await setUp("chat");
    await controller.searchChats("close");
    const hit = controller.store.get().search.hits[0]!;
    await controller.openHit(hit.chatId, hit.messageId);
    const found = rendered(elements.log).find((m) => m.dataset.messageId === hit.messageId);
    expect(found?.classList.contains("is-revealed")).toBe(true);
  });
});
