// The pure parts of long conversations: the chat list's order, search snippets, pages of
// history, and what each message offers.

import { describe, expect, it } from "vitest";
import type { Chat, StoredMessage } from "../api";
import {
  actionsFor,
  lastMessage,
  lastReply,
  messageAfter,
  moreBefore,
  NO_ACTIONS,
  PAGE_SIZE,
  snippetSegments,
  sortChats,
  swipeLabel,
  wasCutOff,
} from "./history";
import { fromStored, pendingUserMessage, type UiMessage } from "./messages";

function chat(id: string, updatedAt: number, pinned = false): Chat {
  return { id, title: id, profileId: null, model: null, pinned, messageCount: 0, createdAt: 0, updatedAt };
}

function stored(seq: number, role: StoredMessage["role"], patch: Partial<StoredMessage> = {}): StoredMessage {
  return {
    id: `m${seq}`, chatId: "c1", seq, role, name: null, content: `text ${seq}`, swipeIndex: 0, swipeCount: 1,
    reasoning: null, state: "complete", model: null, error: null, createdAt: 0, updatedAt: 0, ...patch,
  };
}

const message = (seq: number, role: StoredMessage["role"], patch: Partial<StoredMessage> = {}): UiMessage =>
  fromStored(stored(seq, role, patch));

describe("the chat list", () => {
  it("puts pinned chats first, then the most recently changed", () => {
    const sorted = sortChats([chat("old", 1), chat("pinned-old", 0, true), chat("new", 5), chat("pinned-new", 3, true)]);
    expect(sorted.map((c) => c.id)).toEqual(["pinned-new", "pinned-old", "new", "old"]);
  });
});

describe("search snippets", () => {
  it("mark what the backend put in brackets", () => {
    expect(snippetSegments("…and the [lantern] kept…", "lantern")).toEqual([
      { text: "…and the ", match: false },
      { text: "lantern", match: true },
      { text: " kept…", match: false },
    ]);
  });

  it("match without regard to case, keeping the text's own case", () => {
    expect(snippetSegments("[Rust] and rust", "RUST")).toEqual([
      { text: "Rust", match: true },
      { text: " and ", match: false },
      { text: "rust", match: true },
    ]);
  });

  it("mark the query in unmarked snippets (titles, short queries)", () => {
    expect(snippetSegments("Regex for ISO dates", "iso")).toEqual([
      { text: "Regex for ", match: false },
      { text: "ISO", match: true },
      { text: " dates", match: false },
    ]);
  });

  it("keep brackets that are part of the text", () => {
    expect(snippetSegments("see [1] and [note]", "note").map((s) => s.text)).toEqual(["see [1] and ", "note"]);
    expect(snippetSegments("a[0] = [x]", "x").map((s) => [s.text, s.match])).toEqual([["a[0] = ", false], ["x", true]]);
  });

  it("are plain text, markup included", () => {
    const segments = snippetSegments('<img src=x onerror="alert(1)"> [lantern]', "lantern");
    expect(segments[0]).toEqual({ text: '<img src=x onerror="alert(1)"> ', match: false });
    expect(segments[1]).toEqual({ text: "lantern", match: true });
  });

  it("with an empty query, are the snippet as it is", () => {
    expect(snippetSegments("[x] y", "  ")).toEqual([{ text: "[x] y", match: false }]);
    expect(snippetSegments("", "")).toEqual([]);
  });
});

describe("pages of history", () => {
  it("leave more before a full page that does not start the chat", () => {
    const page = Array.from({ length: PAGE_SIZE }, (_, i) => stored(i + 100, "user"));
    expect(moreBefore(page)).toBe(true);
    expect(moreBefore(page.slice(1))).toBe(false);
    expect(moreBefore(Array.from({ length: PAGE_SIZE }, (_, i) => stored(i, "user")))).toBe(false);
    expect(moreBefore([])).toBe(false);
  });
});

describe("message actions", () => {
  const messages = [message(0, "user"), message(1, "assistant"), message(2, "user"), message(3, "assistant")];

  it("finds the last reply, the last message of a role and the one after another", () => {
    expect(lastReply(messages)?.id).toBe("m3");
    expect(lastReply(messages.slice(0, 3))).toBeNull();
    expect(lastMessage(messages)?.id).toBe("m3");
    expect(lastMessage(messages, "user")?.id).toBe("m2");
    expect(messageAfter(messages, "m2")?.id).toBe("m3");
    expect(messageAfter(messages, "m3")).toBeNull();
  });

  it("offers Regenerate and Continue on the last reply only", () => {
    const last = actionsFor(messages[3]!, { isLast: true, chatStored: true });
    expect(last).toMatchObject({ regenerate: true, continue: true, swipeGenerates: true, edit: true, delete: true, branch: true });
    const earlier = actionsFor(messages[1]!, { isLast: false, chatStored: true });
    expect(earlier).toMatchObject({ regenerate: false, continue: false, swipeGenerates: false, edit: true, branch: true });
  });

  it("offers Continue on any reply that was cut off, but not on an empty one", () => {
    for (const state of ["stopped", "interrupted", "failed"] as const) {
      const cut = message(1, "assistant", { state });
      expect(wasCutOff(cut)).toBe(true);
      expect(actionsFor(cut, { isLast: false, chatStored: true }).continue).toBe(true);
    }
    const empty = message(1, "assistant", { state: "failed", content: "" });
    expect(actionsFor(empty, { isLast: true, chatStored: true }).continue).toBe(false);
  });

  it("offers versions only on replies that have several", () => {
    expect(actionsFor(messages[1]!, { isLast: false, chatStored: true }).swipes).toBe(false);
    const swiped = message(1, "assistant", { swipeIndex: 1, swipeCount: 3 });
    expect(actionsFor(swiped, { isLast: false, chatStored: true }).swipes).toBe(true);
    expect(swipeLabel(swiped)).toBe("2/3");
  });

  it("offers nothing on a message not stored yet, one being written, or in an unsaved chat", () => {
    expect(actionsFor(pendingUserMessage("local-1", "hi"), { isLast: true, chatStored: true })).toEqual(NO_ACTIONS);
    expect(actionsFor(message(1, "assistant", { state: "streaming" }), { isLast: true, chatStored: true })).toEqual(NO_ACTIONS);
    expect(actionsFor(messages[3]!, { isLast: true, chatStored: false })).toEqual(NO_ACTIONS);
  });

  it("never offers to regenerate or continue a user message", () => {
    const user = actionsFor(messages[2]!, { isLast: true, chatStored: true });
    expect(user.regenerate || user.continue || user.swipes).toBe(false);
    expect(user.edit && user.delete && user.branch).toBe(true);
  });
});
