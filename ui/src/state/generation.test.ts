// The streaming reducer: events → one reply's state, with exactly one terminal event.

import { describe, expect, it } from "vitest";
import type { ChatEvent, IpcError } from "../api";
import {
  acknowledge,
  applyEvent,
  createGeneration,
  failToStart,
  type Generation,
  historyTrimmedLabel,
  replyNotice,
  liveStatus,
  queueLabel,
  requestStop,
} from "./generation";
import { fromGeneration, stateLabel } from "./messages";

const started: ChatEvent = {
  type: "started", generationId: "g1", chatId: "c1", messageId: "m2", model: "llama", text: "", swipeIndex: 0, swipeCount: 1,
};
const delta = (text: string): ChatEvent => ({ type: "delta", text });
const networkError: IpcError = { kind: "network", message: "Profile “Local”: the connection was lost." };

function run(events: ChatEvent[], from: Generation = createGeneration("local-1", null, null)): Generation {
  return events.reduce(applyEvent, from);
}

describe("applyEvent", () => {
  it("starts streaming with the backend's ids and model", () => {
    const g = run([started]);
    expect(g).toMatchObject({ generationId: "g1", chatId: "c1", messageId: "m2", model: "llama", state: "streaming", done: false });
  });

  it("appends deltas and reasoning in order", () => {
    const g = run([started, { type: "reasoning", text: "Hmm. " }, delta("Hel"), delta("lo"), { type: "reasoning", text: "Done." }]);
    expect(g.content).toBe("Hello");
    expect(g.reasoning).toBe("Hmm. Done.");
    expect(g.revision).toBe(4);
  });

  it("ignores empty deltas without creating a new state", () => {
    const g = run([started, delta("a")]);
    expect(applyEvent(g, delta(""))).toBe(g);
  });

  it("shows the queue position until text arrives", () => {
    const queued = run([started, { type: "queued", position: 4, waitSecs: 19.6 }]);
    expect(queued.queue).toEqual({ position: 4, waitSecs: 19.6 });
    expect(queueLabel(queued.queue!)).toBe("In the queue: position 4, about 20 s");
    expect(queueLabel({ position: 2, waitSecs: null })).toBe("In the queue: position 2");
    expect(applyEvent(queued, delta("x")).queue).toBeNull();
  });

  it("names the Horde's queue, and says when a worker has the request", () => {
    const horde = createGeneration("local-1", "m", null, "horde");
    expect(horde.source).toBe("horde");
    expect(liveStatus(run([started], horde))).toBeNull();
    const queued = run([started, { type: "queued", position: 3, waitSecs: 30 }], horde);
    expect(liveStatus(queued)).toBe("In the Horde's queue: position 3, about 30 s");
    const later = applyEvent(queued, { type: "queued", position: 1, waitSecs: 9.6 });
    expect(liveStatus(later)).toBe("In the Horde's queue: position 1, about 10 s");
    expect(liveStatus(applyEvent(later, { type: "queued", position: 0, waitSecs: 4 }))).toBe("A Horde worker is writing the reply, about 4 s");
    expect(queueLabel({ position: 0, waitSecs: 0 }, "horde")).toBe("A Horde worker is writing the reply");
    expect(queueLabel({ position: 0, waitSecs: null })).toBe("The server is writing the reply");
    expect(liveStatus(applyEvent(later, delta("Once upon")))).toBeNull();
  });

  it("keeps the history-trimmed notice through the end of the reply", () => {
    const g = run([
      started,
      { type: "historyTrimmed", dropped: 7, contextSize: 4096 },
      delta("Hi"),
      { type: "finished", stopReason: "stop", messageId: "m2" },
    ]);
    expect(g.historyTrimmed).toEqual({ dropped: 7, contextSize: 4096 });
    expect(fromGeneration(g).historyTrimmed).toEqual({ dropped: 7, contextSize: 4096 });
    expect(run([started]).historyTrimmed).toBeNull();
    const stopped = run([started, { type: "historyTrimmed", dropped: 1, contextSize: 2048 }, { type: "cancelled", messageId: "m2" }]);
    expect(fromGeneration(stopped).historyTrimmed?.dropped).toBe(1);
  });

  it("says how many older messages were left out, and of what context", () => {
    expect(historyTrimmedLabel({ dropped: 7, contextSize: 4096 })).toBe("7 older messages were left out to fit the 4096-token context.");
    expect(historyTrimmedLabel({ dropped: 1, contextSize: 8192 })).toBe("1 older message was left out to fit the 8192-token context.");
  });

  it("keeps the server's cut of the prompt with the reply and says it", () => {
    const g = run([
      started,
      delta("Hi"),
      { type: "promptCut", keptTokens: 1176 },
      { type: "finished", stopReason: "length", messageId: "m2" },
    ]);
    expect(g.promptCut).toBe(1176);
    expect(fromGeneration(g).promptCut).toBe(1176);
    expect(run([started]).promptCut).toBeNull();
    expect(replyNotice(fromGeneration(g))).toBe(
      "The prompt was longer than the server's context: it read only the last 1,176 tokens.",
    );
    const both = run([started, { type: "historyTrimmed", dropped: 2, contextSize: 2048 }, { type: "promptCut", keptTokens: 900 }]);
    expect(replyNotice(fromGeneration(both))).toBe(
      "2 older messages were left out to fit the 2048-token context. The prompt was longer than the server's context: it read only the last 900 tokens.",
    );
    expect(replyNotice(fromGeneration(run([started])))).toBeNull();
  });

  it("records usage", () => {
    const g = run([started, { type: "usage", usage: { promptTokens: 3, completionTokens: 5, totalTokens: 8 } }]);
    expect(g.usage?.totalTokens).toBe(8);
  });

  it("finishes complete with the stop reason", () => {
    const g = run([started, delta("Hi"), { type: "finished", stopReason: "length", messageId: "m2" }]);
    expect(g).toMatchObject({ state: "complete", stopReason: "length", done: true, content: "Hi" });
    expect(stateLabel(g.state, true, g.stopReason)).toBe("cut off at the length limit");
  });

  it("keeps the partial text when stopped", () => {
    let g = run([started, delta("Partial ans")]);
    g = requestStop(g);
    expect(g.stopRequested).toBe(true);
    expect(g.done).toBe(false);
    g = applyEvent(g, { type: "cancelled", messageId: "m2" });
    expect(g).toMatchObject({ state: "stopped", content: "Partial ans", done: true, error: null });
    expect(stateLabel(g.state, true)).toBe("stopped");
  });

  it("keeps the partial text and the error when failed", () => {
    const g = run([started, delta("Half a rep"), { type: "failed", error: networkError, messageId: "m2" }]);
    expect(g).toMatchObject({ state: "failed", content: "Half a rep", error: networkError, done: true });
    expect(stateLabel(g.state, g.content !== "")).toBe("interrupted");
    expect(stateLabel("failed", false)).toBe("failed");
  });

  it("fails without a started event or message id", () => {
    const g = run([{ type: "failed", error: networkError, messageId: null }]);
    expect(g).toMatchObject({ state: "failed", messageId: null, done: true });
  });

  it("counts only the first terminal event and ignores everything after it", () => {
    const finished = run([started, delta("Done"), { type: "finished", stopReason: "stop", messageId: "m2" }]);
    for (const late of [
      delta(" and more"),
      { type: "reasoning", text: "late" },
      { type: "failed", error: networkError, messageId: "m2" },
      { type: "cancelled", messageId: "m2" },
      { type: "finished", stopReason: "length", messageId: "m2" },
      started,
    ] as ChatEvent[]) {
      expect(applyEvent(finished, late)).toBe(finished);
    }
    expect(finished).toMatchObject({ state: "complete", content: "Done", stopReason: "stop" });
  });

  it("does not let a stop request change a finished reply", () => {
    const finished = run([started, { type: "finished", stopReason: "stop", messageId: "m2" }]);
    expect(requestStop(finished)).toBe(finished);
  });

  it("never mutates its input", () => {
    const before = run([started, delta("a")]);
    const snapshot = JSON.stringify(before);
    applyEvent(before, delta("b"));
    applyEvent(before, { type: "cancelled", messageId: "m2" });
    requestStop(before);
    expect(JSON.stringify(before)).toBe(snapshot);
  });
});

describe("acknowledge and failToStart", () => {
  it("fills in ids from the command's answer without overwriting ones from events", () => {
    const early = run([started]);
    const acked = acknowledge(early, { generationId: "other", chatId: "other", userMessageId: "m1" });
    expect(acked).toMatchObject({ generationId: "g1", chatId: "c1", userMessageId: "m1" });
    const fresh = acknowledge(createGeneration("l", null, null), { generationId: "g9", chatId: "c9", userMessageId: "m8" });
    expect(fresh).toMatchObject({ generationId: "g9", chatId: "c9", userMessageId: "m8" });
  });

  it("ends a generation the backend refused to start", () => {
    const error: IpcError = { kind: "notConfigured", message: "No model." };
    const g = failToStart(createGeneration("l", null, null), error);
    expect(g).toMatchObject({ state: "failed", done: true, error });
    expect(failToStart(g, networkError)).toBe(g);
  });
});

describe("fromGeneration", () => {
  it("keeps the local key so the streaming element can stay", () => {
    const g = run([started, delta("Hi"), { type: "finished", stopReason: "stop", messageId: "m2" }], createGeneration("local-7", null, null));
    expect(fromGeneration(g)).toMatchObject({ key: "local-7", id: "m2", role: "assistant", content: "Hi", state: "complete" });
  });
});

describe("a new version of a reply, and more of one", () => {
  const target = {
    key: "m2", id: "m2", seq: 3, content: "Once upon", reasoning: "Plan.", swipeIndex: 0, swipeCount: 2,
  };

  it("a new version starts empty, as the version after the last", () => {
    const g = createGeneration("local-regenerate-1", "llama", "c1", null, { ...target, action: "regenerate" });
    expect(g).toMatchObject({ action: "regenerate", targetKey: "m2", messageId: "m2", seq: 3, content: "", reasoning: "", swipeIndex: 2, swipeCount: 3 });
    const after = run([{ ...started, text: "", swipeIndex: 2, swipeCount: 3 }, delta("Twice")], g);
    expect(fromGeneration(after)).toMatchObject({ id: "m2", content: "Twice", swipeIndex: 2, swipeCount: 3, seq: 3 });
  });

  it("more of a reply starts from its text so far; the deltas follow it", () => {
    const g = createGeneration("local-continue-1", "llama", "c1", null, { ...target, action: "continue" });
    expect(g).toMatchObject({ action: "continue", content: "Once upon", reasoning: "Plan.", swipeIndex: 0, swipeCount: 2 });
    const after = run([{ ...started, text: "Once upon", swipeIndex: 0, swipeCount: 2 }, delta(" a time")], g);
    expect(after.content).toBe("Once upon a time");
  });

  it("the started event's text is what the reply held before, whatever was assumed", () => {
    const g = createGeneration("local-continue-2", "llama", "c1", null, { ...target, action: "continue" });
    const after = run([{ ...started, text: "Once upon a", swipeIndex: 1, swipeCount: 2 }], g);
    expect(after).toMatchObject({ content: "Once upon a", swipeIndex: 1, swipeCount: 2 });
    expect(after.revision).toBe(g.revision + 1);
  });

  it("a new reply is version 1 of 1", () => {
    expect(createGeneration("l", null, null)).toMatchObject({ action: "send", targetKey: null, swipeIndex: 0, swipeCount: 1 });
  });
});
