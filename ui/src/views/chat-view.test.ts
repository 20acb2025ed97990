// The conversation view: streaming deltas are painted once per animation frame, finished
// messages are rendered once and kept, and the element contract holds.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Api, ChatEvent, GenerationStarted } from "../api";
import { createMockApi } from "../dev/mock-api";
import { renderMarkdown } from "../markdown";
import { Controller } from "../state/controller";
import { manualClock } from "../testing/manual-clock";
import { createChatElements, mountChatView } from "./chat-view";

vi.mock("../markdown", async (importOriginal) => {
  const original = await importOriginal<typeof import("../markdown")>();
  return { ...original, renderMarkdown: vi.fn(original.renderMarkdown) };
});

/** A backend whose replies the test drives event by event. */
function drivenApi(): { api: Api; emit: (event: ChatEvent) => void } {
  const base = createMockApi({ scenario: "chat", tick: 0, latency: 0 });
  let onEvent: ((event: ChatEvent) => void) | null = null;
  const api: Api = {
    ...base,
    startGeneration: async (_request, listener): Promise<GenerationStarted> => {
      onEvent = listener;
      return { generationId: "g1", chatId: "c-new", userMessageId: "m-user" };
    },
    cancelGeneration: async () => true,
  };
  return {
    api,
    emit: (event) => {
      if (!onEvent) throw new Error("no generation running");
      onEvent(event);
    },
  };
}

async function setUp() {
  const { api, emit } = drivenApi();
  const controller = new Controller(api);
  await controller.start();
  controller.newChat();
  const clock = manualClock();
  const elements = createChatElements();
  document.body.replaceChildren(elements.scroller, elements.pill);
  const unmount = mountChatView(elements, controller, clock);
  return { controller, emit, clock, elements, unmount };
}

beforeEach(() => {
  vi.mocked(renderMarkdown).mockClear();
});

afterEach(() => {
  document.body.replaceChildren();
});

describe("chat view", () => {
  it("shows the shortcut hint in an empty chat", async () => {
    const { elements } = await setUp();
    expect(elements.empty.hidden).toBe(false);
    expect(elements.empty.textContent).toContain("new chat");
    expect(elements.log.getAttribute("role")).toBe("log");
    expect(elements.log.getAttribute("aria-live")).toBe("off");
    expect(elements.announcer.getAttribute("aria-live")).toBe("polite");
  });

  it("coalesces the deltas of one frame into a single render", async () => {
    const { controller, emit, clock, elements } = await setUp();
    await controller.send("Hello");
    emit({ type: "started", generationId: "g1", chatId: "c-new", messageId: "m-reply", model: "llama", text: "", swipeIndex: 0, swipeCount: 1 });
    clock.frame();
    vi.mocked(renderMarkdown).mockClear();

    for (let i = 0; i < 200; i++) emit({ type: "delta", text: `w${i} ` });
    const reply = elements.log.querySelector<HTMLElement>('.message[data-role="assistant"]');
    expect(reply?.dataset.state).toBe("streaming");
    expect(reply?.dataset.messageId).toBe("m-reply");
    expect(renderMarkdown).not.toHaveBeenCalled();
    expect(reply?.querySelector(".message-content")?.textContent?.trim()).toBe("");

    clock.frame();
    expect(renderMarkdown).toHaveBeenCalledTimes(1);
    expect(reply?.querySelector(".message-content")?.textContent).toContain("w0 ");
    expect(reply?.querySelector(".message-content")?.textContent).toContain("w199");

    clock.frame();
    expect(renderMarkdown).toHaveBeenCalledTimes(1);
  });

  it("while a reply streams, only its last block is rendered again", async () => {
    const { controller, emit, clock, elements } = await setUp();
    await controller.send("Hello");
    emit({ type: "started", generationId: "g1", chatId: "c-new", messageId: "m-reply", model: "llama", text: "", swipeIndex: 0, swipeCount: 1 });
    emit({ type: "delta", text: "First paragraph.\n\nSecond " });
    clock.frame();
    vi.mocked(renderMarkdown).mockClear();
    for (const word of ["para", "graph ", "grows."]) {
      emit({ type: "delta", text: word });
      clock.frame();
    }
    const rendered = vi.mocked(renderMarkdown).mock.calls.map(([text]) => text);
    expect(rendered).toEqual(["Second para", "Second paragraph ", "Second paragraph grows."]);
    const content = elements.log.querySelector('.message[data-role="assistant"] .message-content');
    expect(content?.querySelectorAll(".md-block")).toHaveLength(2);
    expect(content?.textContent).toContain("First paragraph.");
    expect(content?.textContent).toContain("Second paragraph grows.");
  });

  it("paints the final text at once when the reply ends, and keeps the element", async () => {
    const { controller, emit, clock, elements } = await setUp();
    await controller.send("Hello");
    emit({ type: "started", generationId: "g1", chatId: "c-new", messageId: "m-reply", model: "llama", text: "", swipeIndex: 0, swipeCount: 1 });
    emit({ type: "delta", text: "Use `x`." });
    clock.frame();
    const streaming = elements.log.querySelector<HTMLElement>('.message[data-role="assistant"]');
    emit({ type: "delta", text: " Done." });
    emit({ type: "finished", stopReason: "stop", messageId: "m-reply" });

    const finished = elements.log.querySelector<HTMLElement>('.message[data-role="assistant"]');
    expect(finished).toBe(streaming);
    expect(finished?.dataset.state).toBe("complete");
    expect(finished?.getAttribute("aria-busy")).toBeNull();
    expect(finished?.querySelector(".message-content")?.textContent?.trim()).toBe("Use x. Done.");
    expect(clock.waiting).toBe(0);

    // Further store changes do not render the finished message again.
    vi.mocked(renderMarkdown).mockClear();
    controller.setChatFilter("x");
    controller.store.update((s) => ({ messages: [...s.messages] }));
    expect(renderMarkdown).not.toHaveBeenCalled();
  });

  it("keeps a stopped reply's text, marked stopped", async () => {
    const { controller, emit, elements } = await setUp();
    await controller.send("Hello");
    emit({ type: "started", generationId: "g1", chatId: "c-new", messageId: "m-reply", model: "llama", text: "", swipeIndex: 0, swipeCount: 1 });
    emit({ type: "delta", text: "Partial" });
    await controller.stop();
    emit({ type: "cancelled", messageId: "m-reply" });
    const reply = elements.log.querySelector<HTMLElement>('.message[data-role="assistant"]');
    expect(reply?.dataset.state).toBe("stopped");
    expect(reply?.querySelector(".message-badge")?.textContent).toBe("stopped");
    expect(reply?.querySelector(".message-content")?.textContent?.trim()).toBe("Partial");
  });

  it("shows the error under the text received so far", async () => {
    const { controller, emit, elements } = await setUp();
    await controller.send("Hello");
    emit({ type: "started", generationId: "g1", chatId: "c-new", messageId: "m-reply", model: "llama", text: "", swipeIndex: 0, swipeCount: 1 });
    emit({ type: "delta", text: "Half" });
    emit({ type: "failed", error: { kind: "network", message: "The connection was lost." }, messageId: "m-reply" });
    const reply = elements.log.querySelector<HTMLElement>('.message[data-role="assistant"]');
    expect(reply?.dataset.state).toBe("failed");
    expect(reply?.querySelector(".message-badge")?.textContent).toBe("interrupted");
    expect(reply?.querySelector(".message-content")?.textContent?.trim()).toBe("Half");
    const error = reply?.querySelector<HTMLElement>(".message-error");
    expect(error?.hidden).toBe(false);
    expect(error?.textContent).toContain("The connection was lost.");
  });

  it("shows the queue position as it changes, until the text arrives", async () => {
    const { controller, emit, clock, elements } = await setUp();
    await controller.send("Hello");
    emit({ type: "started", generationId: "g1", chatId: "c-new", messageId: "m-reply", model: "llama", text: "", swipeIndex: 0, swipeCount: 1 });
    emit({ type: "queued", position: 3, waitSecs: 30 });
    clock.frame();
    const status = elements.log.querySelector<HTMLElement>('[data-testid="queue-status"]');
    expect(status?.closest<HTMLElement>(".message")?.dataset.role).toBe("assistant");
    expect(status?.hidden).toBe(false);
    expect(status?.textContent).toBe("In the queue: position 3, about 30 s");
    emit({ type: "queued", position: 2, waitSecs: 20 });
    clock.frame();
    expect(status?.textContent).toBe("In the queue: position 2, about 20 s");
    emit({ type: "delta", text: "Hi" });
    clock.frame();
    expect(status?.hidden).toBe(true);
  });

  it("notes older messages left out of the prompt, and keeps the note when the reply ends", async () => {
    const { controller, emit, clock, elements } = await setUp();
    await controller.send("Hello");
    emit({ type: "started", generationId: "g1", chatId: "c-new", messageId: "m-reply", model: "llama", text: "", swipeIndex: 0, swipeCount: 1 });
    emit({ type: "historyTrimmed", dropped: 7, contextSize: 4096 });
    clock.frame();
    const reply = elements.log.querySelector<HTMLElement>('.message[data-role="assistant"]');
    const notice = reply?.querySelector<HTMLElement>('[data-testid="history-trimmed"]');
    expect(notice?.hidden).toBe(false);
    expect(notice?.textContent).toBe("7 older messages were left out to fit the 4096-token context.");
    expect(notice?.getAttribute("role")).toBe("note");
    // It does not hold the reply up: text streams in below it.
    emit({ type: "delta", text: "Still here." });
    clock.frame();
    expect(reply?.querySelector(".message-content")?.textContent?.trim()).toBe("Still here.");
    emit({ type: "finished", stopReason: "stop", messageId: "m-reply" });
    const finished = elements.log.querySelector<HTMLElement>('.message[data-role="assistant"]');
    expect(finished).toBe(reply);
    expect(finished?.dataset.state).toBe("complete");
    expect(finished?.querySelector<HTMLElement>('[data-testid="history-trimmed"]')?.hidden).toBe(false);
    // Only the reply that was trimmed carries the note.
    expect(elements.log.querySelectorAll('[data-testid="history-trimmed"]').length).toBe(1);
  });

  it("collapses reasoning in a details element", async () => {
    const { controller, emit, clock, elements } = await setUp();
    await controller.send("Hello");
    emit({ type: "started", generationId: "g1", chatId: "c-new", messageId: "m-reply", model: "llama", text: "", swipeIndex: 0, swipeCount: 1 });
    emit({ type: "reasoning", text: "Thinking hard." });
    clock.frame();
    const details = elements.log.querySelector<HTMLDetailsElement>("details.reasoning");
    expect(details?.open).toBe(false);
    expect(details?.textContent).toContain("Thinking hard.");
  });

  it("renders stored messages with the element contract", async () => {
    const { controller, elements } = await setUp();
    await vi.waitFor(() => expect(controller.store.get().chats.length).toBeGreaterThan(0));
    await controller.openChat(controller.store.get().chats[0]!.id);
    const messages = [...elements.log.querySelectorAll<HTMLElement>(".message")];
    expect(messages.map((m) => m.dataset.role)).toEqual(["user", "assistant", "user", "assistant"]);
    expect(messages.every((m) => m.dataset.messageId)).toBe(true);
    expect(messages.every((m) => m.querySelector(".copy-message"))).toBe(true);
    expect(messages[1]?.querySelector(".message-content pre code")).not.toBeNull();
    expect(messages[1]?.querySelector(".code-block .copy-code")).not.toBeNull();
    expect(messages[1]?.querySelector("table")).not.toBeNull();
    expect(messages[3]?.dataset.state).toBe("stopped");
    expect(elements.empty.hidden).toBe(true);
  });
});
