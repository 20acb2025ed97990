// The context meter: hidden until the core says how full the context is, then the bar and the
// line for the chat on screen only; a failed new version of a reply leaves the reply as it was.

import { afterEach, describe, expect, it } from "vitest";
import type { Api, ChatEvent, GenerationStarted } from "../api";
import { createMockApi } from "../dev/mock-api";
import { Controller } from "../state/controller";
import { createContextMeter, mountContextMeter } from "./context-meter";

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

afterEach(() => {
  document.body.replaceChildren();
});

describe("context meter", () => {
  it("shows how full the context is for the chat on screen", async () => {
    const { api, emit } = drivenApi();
    const controller = new Controller(api);
    await controller.start();
    controller.newChat();
    const meter = createContextMeter();
    document.body.replaceChildren(meter.root);
    mountContextMeter(meter, controller);
    expect(meter.root.hidden).toBe(true);

    await controller.send("Hello");
    emit({ type: "started", generationId: "g1", chatId: "c-new", messageId: "m-reply", model: "llama", text: "", swipeIndex: 0, swipeCount: 1 });
    emit({ type: "historyTrimmed", dropped: 21, contextSize: 2048 });
    emit({ type: "contextUsed", promptTokens: 1700, contextSize: 2048, replyTokens: 300 });
    expect(meter.root.hidden).toBe(false);
    expect(meter.label.textContent).toBe("Context: 1,700 + 300 reserved for the reply, of 2,048 tokens (98%)");
    expect(meter.root.getAttribute("role")).toBe("meter");
    expect(meter.root.getAttribute("aria-valuenow")).toBe("98");
    expect(meter.root.dataset.level).toBe("full");
    expect(meter.bar.style.width).toBe("98%");
    emit({ type: "finished", stopReason: "stop", messageId: "m-reply" });
    expect(meter.root.hidden).toBe(false);

    // Another chat: not its numbers.
    controller.newChat();
    expect(meter.root.hidden).toBe(true);
  });
});
